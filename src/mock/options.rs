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
    /// Every answer waits this long (`--delay 200ms`), or a time drawn from the range
    /// (`--delay 50ms..400ms`), uniformly, seeded by `seed` and the request's number.
    pub delay: Option<DelayRange>,
    /// Journal entries kept (`--journal-size`; 0 keeps none).
    pub journal_size: usize,
    /// The share of requests (0 to 1) answered with a 5xx or 429 their operation declares
    /// (`--chaos`), drawn with `seed`.
    pub chaos: f64,
}

/// A delay, or a range of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayRange {
    pub min: std::time::Duration,
    pub max: std::time::Duration,
}

impl DelayRange {
    /// `200ms`, or `50ms..400ms`.
    pub fn parse(text: &str) -> Result<DelayRange, String> {
        let duration = |part: &str| {
            humantime::parse_duration(part.trim())
                .map_err(|e| format!("{part:?} is not a duration (`200ms`, `1s`): {e}"))
        };
        let (min, max) = match text.split_once("..") {
            Some((low, high)) => (duration(low)?, duration(high)?),
            None => (duration(text)?, duration(text)?),
        };
        if min > max {
            return Err(format!("the range {text:?} ends before it starts"));
        }
        Ok(DelayRange { min, max })
    }

    /// The delay of the request whose seeded draw is `draw`.
    pub fn pick(&self, draw: u64) -> std::time::Duration {
        let span = (self.max - self.min).as_micros() as u64;
        self.min + std::time::Duration::from_micros(if span == 0 { 0 } else { draw % (span + 1) })
    }
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
            delay: None,
            journal_size: super::journal::JOURNAL_ENTRIES,
            chaos: 0.0,
        }
    }
}
