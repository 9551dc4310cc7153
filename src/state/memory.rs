//! The embedded store: every session's objects in this process's memory, each session behind
//! its own lock (so one session's read-modify-write, such as an optimistic-lock check and the
//! version bump after it, is atomic) and at most `max_sessions` sessions, least recently used
//! first out.
//!
//! Objects are kept as compact JSON text, not as `serde_json::Value` trees: a tree of a small
//! seven-field object costs kilobytes (a map, a heap string per key and value), so a million
//! stored memberships took 3.5 GiB; as text they take a few hundred bytes each. An answer
//! carries the text as it is (see `mock::stored::envelope`); only changes and list filters
//! parse it.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use indexmap::IndexMap;
use lru::LruCache;
use serde_json::{Map, Value};

use super::store::{
    DEFAULT_SESSION, Key, Ordered, Session, Store, StoreError, StoredObject, compact, compacted,
    parse_dump,
};

/// The objects of one session: per resource, in creation order.
#[derive(Debug, Default)]
pub struct SessionData {
    resources: HashMap<String, Collection>,
    /// Next server-assigned id number, per resource.
    sequences: HashMap<String, u64>,
}

#[derive(Debug, Default)]
struct Collection {
    objects: Objects,
    next_order: u64,
    /// Keys deleted in this session and not stored again: they stay gone.
    deleted: HashSet<Key>,
}

#[derive(Debug)]
struct Entry {
    /// Place in the creation order.
    order: u64,
    object: Arc<StoredObject>,
}

/// Key → object. A map that grows copies all it holds while every request waits: one
/// `HashMap` of 229k objects stalled the server 147 ms as it grew (it hashes every key again),
/// one `IndexMap` (which keeps the hashes) still 57–75 ms under mimalloc. Spread over
/// `SHARDS` maps, each growth moves a sixteenth as much and the stalls stay in single
/// milliseconds.
#[derive(Debug, Default)]
struct Objects {
    shards: [IndexMap<Key, Entry>; SHARDS],
    hasher: std::hash::RandomState,
}

const SHARDS: usize = 16;

impl Objects {
    fn shard(&self, key: &Key) -> usize {
        (self.hasher.hash_one(key) % SHARDS as u64) as usize
    }

    fn get(&self, key: &Key) -> Option<&Entry> {
        self.shards[self.shard(key)].get(key)
    }

    /// The entry under `key`, made by `make` where there is none: one lookup.
    fn entry(&mut self, key: Key, make: impl FnOnce() -> Entry) -> &mut Entry {
        let shard = self.shard(&key);
        self.shards[shard].entry(key).or_insert_with(make)
    }

    fn remove(&mut self, key: &Key) -> Option<Entry> {
        let shard = self.shard(key);
        // Each shard stays in creation order (lists merge the shards by it instead of sorting
        // every object): shifting a sixteenth of the objects costs microseconds.
        self.shards[shard].shift_remove(key)
    }

    fn len(&self) -> usize {
        self.shards.iter().map(IndexMap::len).sum()
    }
}

impl Collection {
    /// Stores `text` under `key`, keeping its place in the order when it replaces one.
    fn store(&mut self, key: Key, text: Box<str>) -> Arc<StoredObject> {
        let object = StoredObject::new(text);
        let next_order = &mut self.next_order;
        let entry = self.objects.entry(key, || {
            *next_order += 1;
            Entry {
                order: *next_order - 1,
                object: object.clone(),
            }
        });
        entry.object = object.clone();
        object
    }
}

fn expand(text: &str) -> Value {
    // Only text this module wrote is stored, so it always parses.
    serde_json::from_str(text).unwrap_or(Value::Null)
}

impl SessionData {
    /// Every object of `resource`, in creation order, with its key.
    fn list(&self, resource: &str) -> Vec<(Key, Value)> {
        self.ordered(resource)
            .map(|(key, text)| (key.into_owned(), expand(&text)))
            .collect()
    }
}

impl Session for SessionData {
    fn get(&self, resource: &str, key: &Key) -> Option<Arc<StoredObject>> {
        let entry = self.resources.get(resource)?.objects.get(key)?;
        Some(entry.object.clone())
    }

    /// The stored object, parsed.
    fn get_value(&self, resource: &str, key: &Key) -> Option<Value> {
        self.get(resource, key).map(|stored| expand(stored.text()))
    }

    fn contains(&self, resource: &str, key: &Key) -> bool {
        self.resources
            .get(resource)
            .is_some_and(|c| c.objects.get(key).is_some())
    }

    /// Stores `value` under `key`, keeping its place in the order when it replaces one;
    /// returns what is stored.
    fn put(&mut self, resource: &str, key: Key, value: &Value) -> Arc<StoredObject> {
        let collection = match self.resources.get_mut(resource) {
            Some(collection) => collection,
            None => self.resources.entry(resource.to_string()).or_default(),
        };
        if !collection.deleted.is_empty() {
            collection.deleted.remove(&key);
        }
        collection.store(key, compact(value).into_boxed_str())
    }

    /// Removes the object under `key`, returning it.
    fn remove(&mut self, resource: &str, key: &Key) -> Option<Arc<StoredObject>> {
        let collection = self.resources.get_mut(resource)?;
        let entry = collection.objects.remove(key)?;
        collection.deleted.insert(key.clone());
        Some(entry.object)
    }

    fn was_deleted(&self, resource: &str, key: &Key) -> bool {
        self.resources
            .get(resource)
            .is_some_and(|c| c.deleted.contains(key))
    }

    /// Every object of `resource`, in creation order, with its key, as stored (compact JSON
    /// text), lazily: lists filter and page without parsing what they do not answer with, and
    /// a page near the start reads only the objects before its end. Each shard is in creation
    /// order, so this merges the 16 shards by their order stamps; sorting every entry by its
    /// stamp made a page of 200 over 100k objects take 7 ms with the session locked.
    fn ordered<'s>(&'s self, resource: &str) -> Box<dyn Iterator<Item = Ordered<'s>> + 's> {
        let mut shards: Vec<_> = self
            .resources
            .get(resource)
            .into_iter()
            .flat_map(|c| c.objects.shards.iter())
            .map(|shard| shard.iter().peekable())
            .collect();
        let mut heads: BinaryHeap<Reverse<(u64, usize)>> = shards
            .iter_mut()
            .enumerate()
            .filter_map(|(i, shard)| shard.peek().map(|(_, e)| Reverse((e.order, i))))
            .collect();
        Box::new(std::iter::from_fn(move || {
            let Reverse((_, i)) = heads.pop()?;
            let (key, entry) = shards[i].next()?;
            if let Some((_, next)) = shards[i].peek() {
                heads.push(Reverse((next.order, i)));
            }
            Some((Cow::Borrowed(key), Cow::Borrowed(entry.object.text())))
        }))
    }

    /// How many objects `resource` holds.
    fn count(&self, resource: &str) -> usize {
        self.resources.get(resource).map_or(0, |c| c.objects.len())
    }

    /// The next id number of `resource` (1, 2, 3…).
    fn next_id(&mut self, resource: &str) -> u64 {
        let next = match self.sequences.get_mut(resource) {
            Some(next) => next,
            None => self.sequences.entry(resource.to_string()).or_insert(0),
        };
        *next += 1;
        *next
    }

    /// Everything, as `{resource: [objects]}`.
    fn dump(&self) -> Value {
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

    /// Replaces everything with a [`dump`](Self::dump), given as JSON text. Objects go into
    /// the store as text, so a large dump never becomes a value tree.
    fn load(&mut self, json: &str) -> Result<(), String> {
        let resources = parse_dump(json)?;
        let mut fresh = SessionData::default();
        for (name, entries) in resources {
            let collection = fresh.resources.entry(name.clone()).or_default();
            for entry in entries {
                collection.store(entry.key, compacted(entry.object.get()));
            }
            let count = collection.objects.len() as u64;
            fresh.sequences.insert(name, count);
        }
        *self = fresh;
        Ok(())
    }
}

/// A session's data, shared: [`SessionHandle::lock`] it to change it, [`SessionHandle::read`]
/// it to read (reads go on side by side: a GET does not wait for a list filtering 100k
/// objects).
#[derive(Clone, Default)]
struct SessionHandle(Arc<RwLock<SessionData>>);

impl SessionHandle {
    fn lock(&self) -> RwLockWriteGuard<'_, SessionData> {
        // A panic while holding the lock cannot leave the data half-written (every change is
        // a single insert or remove), so a poisoned lock is still safe to use.
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn read(&self) -> RwLockReadGuard<'_, SessionData> {
        self.0
            .read()
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

impl MemoryStore {
    fn session(&self, name: &str) -> SessionHandle {
        if name == DEFAULT_SESSION {
            return self.default.clone();
        }
        self.sessions_lock()
            .get_or_insert(name.to_string(), SessionHandle::default)
            .clone()
    }
}

impl Store for MemoryStore {
    fn read(&self, session: &str, read: &mut dyn FnMut(&dyn Session)) -> Result<(), StoreError> {
        read(&*self.session(session).read());
        Ok(())
    }

    fn write(
        &self,
        session: &str,
        change: &mut dyn FnMut(&mut dyn Session),
    ) -> Result<(), StoreError> {
        change(&mut *self.session(session).lock());
        Ok(())
    }

    fn name(&self) -> String {
        "memory".into()
    }

    fn sessions(&self) -> Result<Vec<String>, StoreError> {
        let mut names: Vec<String> = self
            .sessions_lock()
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        names.push(DEFAULT_SESSION.to_string());
        names.sort();
        Ok(names)
    }

    fn reset(&self, session: Option<&str>) -> Result<(), StoreError> {
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_list_in_creation_order_and_replacing_keeps_the_place() {
        let mut data = SessionData::default();
        data.put("r", vec!["b".into()], &json!(1));
        data.put("r", vec!["a".into()], &json!(2));
        data.put("r", vec!["b".into()], &json!(3));
        let listed: Vec<Value> = data.list("r").into_iter().map(|(_, v)| v).collect();
        assert_eq!(listed, [json!(3), json!(2)]);
        assert_eq!(
            data.remove("r", &vec!["b".into()])
                .map(|o| o.text().to_string()),
            Some("3".to_string())
        );
        assert_eq!(data.list("r").len(), 1);
    }

    #[test]
    fn the_least_recently_used_session_is_dropped_first() {
        let store = MemoryStore::new(2);
        store
            .session("a")
            .lock()
            .put("r", vec!["1".into()], &json!(1));
        store.session("b");
        store.session("a");
        store.session("c");
        assert_eq!(
            store.sessions(),
            Ok(vec!["a".into(), "c".into(), "default".into()])
        );
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
        data.put("r", vec!["1".into()], &json!({"x": 1}));
        let dump = data.dump();
        let mut other = SessionData::default();
        other.load(&dump.to_string()).unwrap();
        assert_eq!(other.dump(), dump);
        assert_eq!(other.next_id("r"), 2);
    }

    #[test]
    fn loaded_objects_are_kept_in_the_compact_form_answers_carry() {
        let mut data = SessionData::default();
        data.load(r#"{"r": [{"key": ["1"], "object": { "x" : 1e2, "y": [ "a b" ] }}]}"#)
            .unwrap();
        assert_eq!(
            data.get("r", &vec!["1".into()])
                .map(|s| s.text().to_string()),
            Some(r#"{"x":100.0,"y":["a b"]}"#.to_string())
        );
    }

    #[test]
    fn a_check_mark_holds_for_the_text_it_was_made_for_only() {
        let mut data = SessionData::default();
        let key = vec!["1".to_string()];
        let first = data.put("r", key.clone(), &json!({"v": 1}));
        first.mark_checked(7);
        assert_eq!(data.get("r", &key).map(|s| s.checked()), Some(7));
        data.put("r", key.clone(), &json!({"v": 2}));
        assert_eq!(data.get("r", &key).map(|s| s.checked()), Some(0));
        first.mark_checked(7);
        assert_eq!(data.get("r", &key).map(|s| s.checked()), Some(0));
    }
}
