//! The mock engine: a request in, the contract's response out. Knows no sockets and no axum;
//! the HTTP layer adapts to it, and tests call it directly.
//!
//! `engine` answers; `stored` answers from stored state; the rest are leaves they share
//! (messages, options, caches, response choice, rendering, rejections, problems, headers).

mod admin;
mod cache;
mod choice;
mod engine;
mod from_contract;
mod generated;
mod journal;
mod message;
mod options;
mod outgoing;
mod prefer;
mod problem;
mod reject;
mod render;
mod shadows;
mod stored;
mod stubs;
mod verify;
mod xml;

pub use cache::stable_hash;
pub use engine::Engine;
pub use generated::GeneratedValues;
pub use journal::JOURNAL_ENTRIES;
pub use message::{Fault, MockRequest, MockResponse, OutgoingCall, SESSION_HEADER, SlViolation};
pub use options::{DelayRange, EngineOptions, RequestValidation};
pub use problem::{PROBLEM_JSON, problem_document};
pub use reject::{reject as reject_request, sl_violation};
pub use stubs::{BodyMatch, Match, Refused, StubResponse, StubSpec, Stubs};
