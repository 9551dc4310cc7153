//! The engine's settings, all of which keep output deterministic.

use crate::state::Clock;

/// What `serve` does with a request that breaks the contract.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RequestValidation {
    /// Answer with the contract's error response (401, 415, 422, 400…).
    #[default]
    Enforce,
    /// Answer normally; report the violations in `sl-violations` and the log.
    Warn,
    /// Do not check requests.
    Off,
}

/// Engine settings, all of which keep output deterministic.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Seed of generated data (`--seed`).
    pub seed: u64,
    pub validate_requests: RequestValidation,
    /// Accepted credentials (`--credential`); empty accepts any well-formed one.
    pub credentials: Vec<String>,
    /// Whether operations bound to inferred resources read and change stored objects.
    pub stateful: bool,
    /// The time stamped on stored objects (`--clock`).
    pub clock: Clock,
    /// Sessions kept at most, least recently used dropped first.
    pub max_sessions: usize,
    /// Whether `/__understudy/` serves the admin API (`--no-admin` turns it off).
    pub admin: bool,
    /// Generate every answer per request instead of serving examples (`--dynamic`).
    pub dynamic: bool,
    /// Generate answers leaving the documents' examples aside (`--ignore-examples`).
    pub ignore_examples: bool,
    /// Items in a generated sequential body (`itemSchema`: server-sent events, JSON lines).
    pub stream_items: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            seed: 0,
            validate_requests: RequestValidation::Enforce,
            credentials: Vec::new(),
            stateful: true,
            clock: Clock::System,
            max_sessions: 1000,
            admin: true,
            stream_items: 3,
            dynamic: false,
            ignore_examples: false,
        }
    }
}
