//! Answering from stored state: operations bound to an inferred resource (see
//! `contract::resources`) read and change the session's objects, and the answer is written in
//! the shape each operation's own response schema gives it. The engine calls [`StoredAnswers`];
//! this module calls only the mock's leaves, never the engine.

mod answers;
mod call;
mod change;
mod envelope;
mod fill;
mod form;
mod listing;
mod objects;
mod outcome;
mod reload;
pub mod seed;
mod shape;
mod write;

pub use answers::{Place, StoredAnswer, StoredAnswers};
pub use call::{StatefulCall, storage_name};
pub use reload::Answering;
