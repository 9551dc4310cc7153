//! Stored resources: what clients created, updated and deleted, per test session. `store`
//! says what the engine asks of stored state (the `Store` and `Session` traits); `memory` is
//! the embedded backend, `redis` the shared one.

mod clock;
mod memory;
mod redis;
mod store;

pub use clock::Clock;
pub use memory::{MemoryStore, SessionData};
pub use redis::{RedisOptions, RedisStore};
pub use store::{
    DEFAULT_SESSION, Key, Ordered, Prefetched, Prefetching, Session, SharedJournal, Store,
    StoreError, StoredObject, read, read_prefetched, write,
};
