//! Stored resources: what clients created, updated and deleted, per test session. `store`
//! says what the engine asks of stored state (the `Store` and `Session` traits); `memory` is
//! the embedded backend.

mod clock;
mod memory;
mod store;

pub use clock::Clock;
pub use memory::{MemoryStore, SessionData};
pub use store::{DEFAULT_SESSION, Key, Session, Store, StoredObject, read, write};
