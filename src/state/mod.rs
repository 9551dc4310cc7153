//! Stored resources: what clients created, updated and deleted, per test session.
//!
//! The engine talks to a [`Store`]; [`MemoryStore`] keeps every session's objects in memory,
//! each session behind its own lock (so one session's read-modify-write, such as an
//! optimistic-lock check and the version bump after it, is atomic) and at most
//! `max_sessions` sessions, least recently used first out.

mod clock;

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};

use lru::LruCache;
use serde_json::{Map, Value};

pub use clock::Clock;

/// The session used when a request names none.
pub const DEFAULT_SESSION: &str = "default";

/// Identifies a stored object: its resource (item path) and its key values.
pub type Key = Vec<String>;

/// The objects of one session: per resource, in creation order.
#[derive(Debug, Default)]
pub struct SessionData {
    resources: HashMap<String, Collection>,
    /// Next server-assigned id number, per resource.
    sequences: HashMap<String, u64>,
}

#[derive(Debug, Default)]
struct Collection {
    /// Creation order → key.
    order: BTreeMap<u64, Key>,
    objects: HashMap<Key, (u64, Value)>,
    next_order: u64,
}

impl SessionData {
    pub fn get(&self, resource: &str, key: &Key) -> Option<&Value> {
        self.resources
            .get(resource)?
            .objects
            .get(key)
            .map(|(_, v)| v)
    }

    /// Stores `value` under `key`, keeping its place in the order when it replaces one.
    pub fn put(&mut self, resource: &str, key: Key, value: Value) {
        let collection = self.resources.entry(resource.to_string()).or_default();
        match collection.objects.get_mut(&key) {
            Some((_, slot)) => *slot = value,
            None => {
                let order = collection.next_order;
                collection.next_order += 1;
                collection.order.insert(order, key.clone());
                collection.objects.insert(key, (order, value));
            }
        }
    }

    pub fn remove(&mut self, resource: &str, key: &Key) -> Option<Value> {
        let collection = self.resources.get_mut(resource)?;
        let (order, value) = collection.objects.remove(key)?;
        collection.order.remove(&order);
        Some(value)
    }

    /// Every object of `resource`, in creation order, with its key.
    pub fn list(&self, resource: &str) -> Vec<(&Key, &Value)> {
        let Some(collection) = self.resources.get(resource) else {
            return Vec::new();
        };
        collection
            .order
            .values()
            .filter_map(|key| collection.objects.get(key).map(|(_, v)| (key, v)))
            .collect()
    }

    /// The next id number of `resource` (1, 2, 3…).
    pub fn next_id(&mut self, resource: &str) -> u64 {
        let next = self.sequences.entry(resource.to_string()).or_insert(0);
        *next += 1;
        *next
    }

    /// Everything, as `{resource: [objects]}`.
    pub fn dump(&self) -> Value {
        let mut resources: Vec<&String> = self.resources.keys().collect();
        resources.sort();
        Value::Object(
            resources
                .into_iter()
                .map(|name| {
                    let objects = self
                        .list(name)
                        .into_iter()
                        .map(|(key, value)| serde_json::json!({ "key": key, "object": value }));
                    (name.clone(), Value::Array(objects.collect()))
                })
                .collect::<Map<String, Value>>(),
        )
    }

    /// Replaces everything with a [`dump`](Self::dump).
    pub fn load(&mut self, dump: &Value) -> Result<(), String> {
        let Some(resources) = dump.as_object() else {
            return Err("expected an object of resources".into());
        };
        let mut fresh = SessionData::default();
        for (name, entries) in resources {
            for entry in entries
                .as_array()
                .ok_or_else(|| format!("{name}: expected an array"))?
            {
                let key: Key =
                    serde_json::from_value(entry.get("key").cloned().unwrap_or(Value::Null))
                        .map_err(|_| {
                            format!("{name}: every entry needs a \"key\" array of strings")
                        })?;
                let object = entry
                    .get("object")
                    .cloned()
                    .ok_or_else(|| format!("{name}: an entry has no \"object\""))?;
                fresh.put(name, key, object);
            }
            let count = fresh.list(name).len() as u64;
            fresh.sequences.insert(name.clone(), count);
        }
        *self = fresh;
        Ok(())
    }
}

/// Where stored objects live. The engine depends on this, not on [`MemoryStore`].
pub trait Store: Send + Sync {
    /// The session's data, locked for the duration of one request.
    fn session(&self, name: &str) -> SessionHandle;
    /// Names of the sessions that hold data.
    fn sessions(&self) -> Vec<String>;
    /// Forgets one session, or every session.
    fn reset(&self, session: Option<&str>);
}

/// A session's data, shared; lock it with [`SessionHandle::lock`].
#[derive(Clone, Default)]
pub struct SessionHandle(Arc<Mutex<SessionData>>);

impl SessionHandle {
    pub fn lock(&self) -> MutexGuard<'_, SessionData> {
        // A panic while holding the lock cannot leave the data half-written (every change is
        // a single insert or remove), so a poisoned lock is still safe to use.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub struct MemoryStore {
    /// The default session is never evicted: fixtures loaded at startup live there.
    default: SessionHandle,
    sessions: Mutex<LruCache<String, SessionHandle>>,
}

impl MemoryStore {
    pub fn new(max_sessions: usize) -> MemoryStore {
        let capacity = NonZeroUsize::new(max_sessions.max(1)).unwrap_or(NonZeroUsize::MIN);
        MemoryStore {
            default: SessionHandle::default(),
            sessions: Mutex::new(LruCache::new(capacity)),
        }
    }

    fn sessions_lock(&self) -> MutexGuard<'_, LruCache<String, SessionHandle>> {
        self.sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Store for MemoryStore {
    fn session(&self, name: &str) -> SessionHandle {
        if name == DEFAULT_SESSION {
            return self.default.clone();
        }
        self.sessions_lock()
            .get_or_insert(name.to_string(), SessionHandle::default)
            .clone()
    }

    fn sessions(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .sessions_lock()
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        names.push(DEFAULT_SESSION.to_string());
        names.sort();
        names
    }

    fn reset(&self, session: Option<&str>) {
        if session.is_none_or(|name| name == DEFAULT_SESSION) {
            *self.default.lock() = SessionData::default();
        }
        let mut sessions = self.sessions_lock();
        match session {
            Some(name) => {
                sessions.pop(name);
            }
            None => sessions.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_list_in_creation_order_and_replacing_keeps_the_place() {
        let mut data = SessionData::default();
        data.put("r", vec!["b".into()], json!(1));
        data.put("r", vec!["a".into()], json!(2));
        data.put("r", vec!["b".into()], json!(3));
        let listed: Vec<&Value> = data.list("r").into_iter().map(|(_, v)| v).collect();
        assert_eq!(listed, [&json!(3), &json!(2)]);
        assert_eq!(data.remove("r", &vec!["b".into()]), Some(json!(3)));
        assert_eq!(data.list("r").len(), 1);
    }

    #[test]
    fn the_least_recently_used_session_is_dropped_first() {
        let store = MemoryStore::new(2);
        store
            .session("a")
            .lock()
            .put("r", vec!["1".into()], json!(1));
        store.session("b");
        store.session("a");
        store.session("c");
        assert_eq!(store.sessions(), ["a", "c", "default"]);
        assert!(
            store
                .session("a")
                .lock()
                .get("r", &vec!["1".into()])
                .is_some()
        );
    }

    #[test]
    fn a_dump_loads_back() {
        let mut data = SessionData::default();
        data.put("r", vec!["1".into()], json!({"x": 1}));
        let dump = data.dump();
        let mut other = SessionData::default();
        other.load(&dump).unwrap();
        assert_eq!(other.dump(), dump);
        assert_eq!(other.next_id("r"), 2);
    }
}
