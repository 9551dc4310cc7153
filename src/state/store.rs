//! What the engine asks of stored state, whatever keeps it: a [`Store`] of sessions, each a
//! [`Session`] of objects per resource. `memory` keeps them in this process; `redis` keeps
//! them in Redis, shared by replicas, behind the same two traits.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

/// The session used when a request names none.
pub const DEFAULT_SESSION: &str = "default";

/// Identifies a stored object: its resource (item path) and its key values.
pub type Key = Vec<String>;

/// A stored object: its compact JSON text and its check mark. Shared (an answer holds it
/// after the session's lock is released) and never changed but for the mark: a change
/// stores a new one, so a mark made for one version never vouches for another.
#[derive(Debug)]
pub struct StoredObject {
    text: Box<str>,
    checked: AtomicU32,
}

impl StoredObject {
    pub(super) fn new(text: Box<str>) -> Arc<StoredObject> {
        Arc::new(StoredObject {
            text,
            checked: AtomicU32::new(0),
        })
    }

    /// The object as compact JSON text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A tag the engine set with [`Self::mark_checked`] when an answer made from this object
    /// passed the answer's schema check (0: none yet), so that the engine checks each stored
    /// version once per form of answer instead of on every read.
    pub fn checked(&self) -> u32 {
        self.checked.load(Ordering::Relaxed)
    }

    /// Records that answers of form `tag` made from this object pass their schema check. No
    /// lock is needed: the mark belongs to this version only.
    pub fn mark_checked(&self, tag: u32) {
        self.checked.store(tag, Ordering::Relaxed);
    }
}

/// One session's objects, per resource, in creation order.
pub trait Session {
    fn get(&self, resource: &str, key: &Key) -> Option<Arc<StoredObject>>;
    /// The stored object, parsed.
    fn get_value(&self, resource: &str, key: &Key) -> Option<Value> {
        self.get(resource, key)
            .and_then(|stored| serde_json::from_str(stored.text()).ok())
    }
    fn contains(&self, resource: &str, key: &Key) -> bool;
    /// How many objects `resource` holds.
    fn count(&self, resource: &str) -> usize;
    /// Every object of `resource`, in creation order, with its key, as stored (compact JSON
    /// text), lazily: a page near the start reads only what comes before its end. Borrowed
    /// where the store holds them in memory, owned where it fetched them.
    fn ordered<'s>(&'s self, resource: &str) -> Box<dyn Iterator<Item = Ordered<'s>> + 's>;
    /// Stores `value` under `key`, keeping its place in the order when it replaces one;
    /// returns what is stored.
    fn put(&mut self, resource: &str, key: Key, value: &Value) -> Arc<StoredObject>;
    /// Removes the object under `key`, returning it; the key is remembered as deleted until
    /// something is stored under it again.
    fn remove(&mut self, resource: &str, key: &Key) -> Option<Arc<StoredObject>>;
    /// Whether the object under `key` was deleted in this session (and not stored again).
    fn was_deleted(&self, resource: &str, key: &Key) -> bool;
    /// The next id number of `resource` (1, 2, 3…).
    fn next_id(&mut self, resource: &str) -> u64;
    /// Everything, as `{resource: [{key, object}]}`.
    fn dump(&self) -> Value;
    /// Replaces everything with a [`dump`](Self::dump), given as JSON text.
    fn load(&mut self, json: &str) -> Result<(), String>;
}

pub(super) fn compact(value: &Value) -> String {
    crate::json_text::to_string(value)
}

/// `text` (valid JSON) in the compact form `compact` writes, so that a loaded object is
/// served exactly as one stored through the engine would be. serde-transcode streams it
/// from parser to writer without building a value tree.
pub(super) fn compacted(text: &str) -> Box<str> {
    let mut out = Vec::with_capacity(text.len());
    let mut reader = serde_json::Deserializer::from_str(text);
    let mut writer = serde_json::Serializer::new(&mut out);
    match serde_transcode::transcode(&mut reader, &mut writer) {
        Ok(()) => String::from_utf8(out).map_or_else(|_| text.into(), String::into_boxed_str),
        Err(_) => text.into(),
    }
}

/// One object of a dump (`GET /__understudy/state`, `--fixtures`): its key, and the object
/// as the JSON text it was written as (never a value tree: a dump may hold millions).
#[derive(serde::Deserialize)]
pub(super) struct DumpEntry {
    pub key: Key,
    pub object: Box<serde_json::value::RawValue>,
}

/// A dump read: its objects per resource.
pub(super) fn parse_dump(
    json: &str,
) -> Result<std::collections::HashMap<String, Vec<DumpEntry>>, String> {
    serde_json::from_str(json).map_err(|e| {
        format!("expected {{\"resource\": [{{\"key\": [\"id\"], \"object\": {{...}}}}]}}: {e}")
    })
}

/// One stored object in a listing: its key and its compact JSON text.
pub type Ordered<'s> = (Cow<'s, Key>, Cow<'s, str>);

/// Why a store could not run what it was asked: the engine answers 503 naming the store
/// (never a hang, never a 500), and nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("the store {store} cannot be reached: {reason}")]
    Unreachable { store: String, reason: String },
    #[error(
        "the store {store} gave up changing session {session:?} after {attempts} attempts, each \
         met by a concurrent change"
    )]
    Contended {
        store: String,
        session: String,
        attempts: u32,
    },
    #[error("the store {store} holds data understudy cannot read: {reason}")]
    Corrupt { store: String, reason: String },
    /// A read made with [`Store::read_prefetched`] needed data not fetched ahead: the caller
    /// reads again where waiting is allowed. Never shown to a client.
    #[error("the read needs data that was not fetched ahead")]
    WouldWait,
}

/// Data a remote store fetched ahead of a read ([`Store::prefetch`]), for
/// [`Store::read_prefetched`]; what it holds is the store's own business.
pub struct Prefetched(pub Box<dyn std::any::Any + Send + Sync>);

/// A store's fetch ahead, to be awaited by the HTTP layer.
pub type Prefetching =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Prefetched, StoreError>> + Send>>;

/// Where stored objects live: sessions by name. The engine depends on this, not on a
/// backend. One request's read-modify-write runs inside one [`Store::write`], alone in its
/// session (or, in a shared store, retried until no concurrent change came between), so
/// concurrent clients and replicas lose no update; reads run beside each other.
pub trait Store: Send + Sync {
    /// Runs `read` on the session's objects, beside other readers. `read` may run more than
    /// once (a shared store reads again when a change came between two of its reads).
    fn read(&self, session: &str, read: &mut dyn FnMut(&dyn Session)) -> Result<(), StoreError>;
    /// Runs `change` on the session's objects, alone. `change` may run more than once (a
    /// shared store runs it again when another replica changed the session meanwhile): only
    /// the last run's changes are kept, so it must change nothing but the session.
    fn write(
        &self,
        session: &str,
        change: &mut dyn FnMut(&mut dyn Session),
    ) -> Result<(), StoreError>;
    /// Names of the sessions that hold data.
    fn sessions(&self) -> Result<Vec<String>, StoreError>;
    /// Forgets one session, or every session.
    fn reset(&self, session: Option<&str>) -> Result<(), StoreError>;
    /// Where the objects live, as messages and the health endpoint name it (`memory`,
    /// `redis://127.0.0.1:6379/0`, never with a password).
    fn name(&self) -> String;
    /// Whether each call waits on the network: the HTTP layer then runs every request that
    /// reads or changes stored objects where blocking is allowed.
    fn is_remote(&self) -> bool {
        false
    }
    /// Whether the store can be reached now.
    fn health(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Fetches the objects under `wanted` (resource, key) ahead, without blocking: a store
    /// across the network (see [`Store::is_remote`]) returns the fetch for the HTTP layer to
    /// await, so that a read of those objects is then answered where it arrived instead of
    /// on the blocking pool. `None`: nothing to fetch ahead.
    fn prefetch(&self, _session: &str, _wanted: Vec<(String, Key)>) -> Option<Prefetching> {
        None
    }
    /// Runs `read` on what [`Store::prefetch`] fetched, never waiting: a read that needs
    /// more fails with [`StoreError::WouldWait`].
    fn read_prefetched(
        &self,
        session: &str,
        _prefetched: &Prefetched,
        read: &mut dyn FnMut(&dyn Session),
    ) -> Result<(), StoreError> {
        self.read(session, read)
    }
    /// The journal every replica writes to, when this store keeps one (`--journal redis`);
    /// else each engine keeps its own.
    fn journal(&self) -> Option<&dyn SharedJournal> {
        None
    }
}

/// A journal of answered requests shared by replicas: entries as JSON text, oldest first,
/// the oldest dropped past a capacity.
pub trait SharedJournal: Send + Sync {
    /// Adds an entry without waiting for it to be written (an answer never waits on the
    /// journal; an entry the store could not take is lost, as the journal's oldest are).
    fn append(&self, entry: String);
    /// Every entry kept, oldest first.
    fn entries(&self) -> Result<Vec<String>, StoreError>;
    fn clear(&self) -> Result<(), StoreError>;
}

/// [`Store::read`], returning what `read` returns (from its last run).
pub fn read<T>(
    store: &dyn Store,
    session: &str,
    mut read: impl FnMut(&dyn Session) -> T,
) -> Result<T, StoreError> {
    let mut out = None;
    store.read(session, &mut |data| out = Some(read(data)))?;
    out.ok_or_else(|| did_not_run(store))
}

/// [`Store::read_prefetched`], returning what `read` returns.
pub fn read_prefetched<T>(
    store: &dyn Store,
    session: &str,
    prefetched: &Prefetched,
    mut read: impl FnMut(&dyn Session) -> T,
) -> Result<T, StoreError> {
    let mut out = None;
    store.read_prefetched(session, prefetched, &mut |data| out = Some(read(data)))?;
    out.ok_or_else(|| did_not_run(store))
}

/// [`Store::write`], returning what `change` returns (from its last run, the one kept).
pub fn write<T>(
    store: &dyn Store,
    session: &str,
    mut change: impl FnMut(&mut dyn Session) -> T,
) -> Result<T, StoreError> {
    let mut out = None;
    store.write(session, &mut |data| out = Some(change(data)))?;
    out.ok_or_else(|| did_not_run(store))
}

fn did_not_run(store: &dyn Store) -> StoreError {
    StoreError::Unreachable {
        store: store.name(),
        reason: "it answered without running the request".into(),
    }
}
