//! What the engine asks of stored state, whatever keeps it: a [`Store`] of sessions, each a
//! [`Session`] of objects per resource. `memory` keeps them in this process; a shared store
//! (Redis, for replicas) implements the same two traits.

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
    /// text), lazily: a page near the start reads only what comes before its end.
    fn ordered<'s>(&'s self, resource: &str) -> Box<dyn Iterator<Item = (&'s Key, &'s str)> + 's>;
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

/// Where stored objects live: sessions by name. The engine depends on this, not on a
/// backend. One request's read-modify-write runs inside one [`Store::write`], alone in its
/// session, so concurrent clients lose no update; reads run beside each other.
pub trait Store: Send + Sync {
    /// Runs `read` on the session's objects, beside other readers.
    fn read(&self, session: &str, read: &mut dyn FnMut(&dyn Session));
    /// Runs `change` on the session's objects, alone.
    fn write(&self, session: &str, change: &mut dyn FnMut(&mut dyn Session));
    /// Names of the sessions that hold data.
    fn sessions(&self) -> Vec<String>;
    /// Forgets one session, or every session.
    fn reset(&self, session: Option<&str>);
}

/// [`Store::read`], returning what `read` returns; `None` when the store did not run it (a
/// backend that could not reach its data).
pub fn read<T>(
    store: &dyn Store,
    session: &str,
    read: impl FnOnce(&dyn Session) -> T,
) -> Option<T> {
    let mut read = Some(read);
    let mut out = None;
    store.read(session, &mut |data| out = read.take().map(|f| f(data)));
    out
}

/// [`Store::write`], returning what `change` returns; `None` when the store did not run it.
pub fn write<T>(
    store: &dyn Store,
    session: &str,
    change: impl FnOnce(&mut dyn Session) -> T,
) -> Option<T> {
    let mut change = Some(change);
    let mut out = None;
    store.write(session, &mut |data| out = change.take().map(|f| f(data)));
    out
}
