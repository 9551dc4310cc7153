//! One run of the engine's read or change against Redis: an [`Attempt`] reads from Redis
//! (each read also reads the session's version, to tell whether a change came between) and
//! keeps its writes to itself until they are committed (see `commit`).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use super::keys::{Field, Keys, field_of};
use super::link::Link;
use crate::state::store::{
    Key, Ordered, Session, StoreError, StoredObject, compact, compacted, parse_dump,
};

/// Objects fetched per call while listing.
const CHUNK: usize = 256;

pub enum Change {
    Put(Key, Arc<StoredObject>),
    Removed,
}

/// What one attempt changed, not yet in Redis.
#[derive(Default)]
pub struct Changes {
    /// `load` replaced everything.
    pub cleared: bool,
    /// Per (resource, field), in the order made.
    pub objects: IndexMap<Field, Change>,
    pub sequences: HashMap<String, u64>,
}

/// One run of the engine's read or change: reads from Redis (each read also reads the
/// session's version, to tell whether a change came between), keeps its writes.
pub struct Attempt<'a> {
    link: &'a Link,
    pub keys: Keys,
    /// The session's version the reads saw.
    pub version: Cell<Option<u64>>,
    /// Two reads saw different versions: what was read does not belong together.
    pub torn: Cell<bool>,
    pub failed: RefCell<Option<StoreError>>,
    /// What Redis held, per (resource, field), as read in this attempt.
    pub fetched: RefCell<HashMap<Field, Option<Arc<StoredObject>>>>,
    /// Whether each key was deleted, where fetched ahead.
    pub deleted: HashMap<Field, bool>,
    /// Reading from what was fetched ahead: a read that needs Redis fails instead of waiting.
    pub offline: bool,
    pub changes: Changes,
}

impl<'a> Attempt<'a> {
    pub fn new(link: &'a Link, keys: Keys) -> Attempt<'a> {
        Attempt {
            link,
            keys,
            version: Cell::new(None),
            torn: Cell::new(false),
            failed: RefCell::new(None),
            fetched: RefCell::new(HashMap::new()),
            deleted: HashMap::new(),
            offline: false,
            changes: Changes::default(),
        }
    }

    /// Whether this attempt may call Redis; one reading what was fetched ahead may not.
    fn online(&self) -> bool {
        if self.offline {
            self.fail(StoreError::WouldWait);
        }
        !self.offline && self.failed.borrow().is_none()
    }

    fn saw_version(&self, version: u64) {
        match self.version.get() {
            None => self.version.set(Some(version)),
            Some(first) if first != version => self.torn.set(true),
            Some(_) => {}
        }
    }

    /// Runs `command` together with a read of the session's version; `None` (and the attempt
    /// failed) when Redis could not answer.
    fn query<T: redis::FromRedisValue + Send + 'static>(&self, command: redis::Cmd) -> Option<T> {
        if !self.online() {
            return None;
        }
        let mut pipe = redis::pipe();
        pipe.cmd("GET")
            .arg(self.keys.version())
            .add_command(command);
        let mut connection = self.link.connection();
        let answered = self
            .link
            .run(async move { pipe.query_async::<(Option<u64>, T)>(&mut connection).await });
        match answered {
            Ok((version, value)) => {
                self.saw_version(version.unwrap_or(0));
                Some(value)
            }
            Err(e) => {
                self.fail(e);
                None
            }
        }
    }

    fn fail(&self, error: StoreError) {
        self.failed.borrow_mut().get_or_insert(error);
    }

    /// The resources the session holds in Redis.
    pub fn resources(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .query(redis::cmd("SMEMBERS").arg(self.keys.resources()).clone())
            .unwrap_or_default();
        names.sort();
        names
    }

    /// What Redis holds under `field`, read once per attempt.
    fn remote(&self, resource: &str, field: &str) -> Option<Arc<StoredObject>> {
        let at = (resource.to_string(), field.to_string());
        if let Some(known) = self.fetched.borrow().get(&at) {
            return known.clone();
        }
        let command = redis::cmd("HGET")
            .arg(self.keys.objects(resource))
            .arg(field)
            .clone();
        let text: Option<String> = self.query(command).flatten();
        let object = text.map(|text| self.link.object(resource, field, text));
        self.fetched.borrow_mut().insert(at, object.clone());
        object
    }

    fn existed(&self, resource: &str, field: &str) -> bool {
        !self.changes.cleared && self.remote(resource, field).is_some()
    }

    /// Every object Redis holds for `resource`, in creation order, a chunk per call.
    fn remote_ordered<'s>(&'s self, resource: &str) -> impl Iterator<Item = (Key, String)> + 's {
        let order = self.keys.order(resource);
        let objects = self.keys.objects(resource);
        let mut start = 0;
        let mut done = false;
        let mut chunk = std::collections::VecDeque::new();
        std::iter::from_fn(move || {
            if chunk.is_empty() && !done {
                let fetched = self.chunk(&order, &objects, start);
                done = fetched.len() < CHUNK;
                start += CHUNK;
                chunk.extend(fetched);
            }
            chunk.pop_front()
        })
    }

    /// Up to [`CHUNK`] objects of the order from `start` on.
    fn chunk(&self, order: &str, objects: &str, start: usize) -> Vec<(Key, String)> {
        if !self.online() {
            return Vec::new();
        }
        let (version_key, order_key, objects) =
            (self.keys.version(), order.to_string(), objects.to_string());
        let mut connection = self.link.connection();
        let answered = self.link.run(async move {
            let (version, fields): (Option<u64>, Vec<String>) = redis::pipe()
                .cmd("GET")
                .arg(&version_key)
                .cmd("ZRANGE")
                .arg(&order_key)
                .arg(start)
                .arg(start + CHUNK - 1)
                .query_async(&mut connection)
                .await?;
            let texts: Vec<Option<String>> = if fields.is_empty() {
                Vec::new()
            } else {
                redis::cmd("HMGET")
                    .arg(&objects)
                    .arg(&fields)
                    .query_async(&mut connection)
                    .await?
            };
            Ok((version, fields, texts))
        });
        let (version, fields, texts) = match answered {
            Ok(answer) => answer,
            Err(e) => {
                self.fail(e);
                return Vec::new();
            }
        };
        self.saw_version(version.unwrap_or(0));
        let mut out = Vec::with_capacity(fields.len());
        for (field, text) in fields.into_iter().zip(texts) {
            // An order entry without its object: a change came between the two calls.
            let Some(text) = text else {
                self.torn.set(true);
                continue;
            };
            match serde_json::from_str::<Key>(&field) {
                Ok(key) => out.push((key, text)),
                Err(e) => self.fail(StoreError::Corrupt {
                    store: self.link.name.clone(),
                    reason: format!("the key {field:?} in {order} is not a JSON list: {e}"),
                }),
            }
        }
        out
    }

    fn touches(&self, resource: &str) -> bool {
        self.changes.cleared || self.changes.objects.keys().any(|(r, _)| r == resource)
    }
}

impl Session for Attempt<'_> {
    fn get(&self, resource: &str, key: &Key) -> Option<Arc<StoredObject>> {
        let field = field_of(key);
        match self
            .changes
            .objects
            .get(&(resource.to_string(), field.clone()))
        {
            Some(Change::Put(_, object)) => Some(object.clone()),
            Some(Change::Removed) => None,
            None if self.changes.cleared => None,
            None => self.remote(resource, &field),
        }
    }

    fn contains(&self, resource: &str, key: &Key) -> bool {
        self.get(resource, key).is_some()
    }

    fn count(&self, resource: &str) -> usize {
        let mut count = if self.changes.cleared {
            0
        } else {
            self.query::<usize>(redis::cmd("ZCARD").arg(self.keys.order(resource)).clone())
                .unwrap_or(0)
        };
        for ((r, field), change) in &self.changes.objects {
            if r != resource {
                continue;
            }
            match (change, self.existed(r, field)) {
                (Change::Put(..), false) => count += 1,
                (Change::Removed, true) => count = count.saturating_sub(1),
                _ => {}
            }
        }
        count
    }

    fn ordered<'s>(&'s self, resource: &str) -> Box<dyn Iterator<Item = Ordered<'s>> + 's> {
        if !self.touches(resource) {
            return Box::new(
                self.remote_ordered(resource)
                    .map(|(key, text)| (Cow::Owned(key), Cow::Owned(text))),
            );
        }
        // Changed in this attempt: what Redis holds, with the changes over it.
        let mut listed: Vec<Ordered<'s>> = Vec::new();
        let mut remote_fields = HashSet::new();
        if !self.changes.cleared {
            for (key, text) in self.remote_ordered(resource) {
                let field = field_of(&key);
                match self
                    .changes
                    .objects
                    .get(&(resource.to_string(), field.clone()))
                {
                    Some(Change::Put(_, object)) => {
                        listed.push((Cow::Owned(key), Cow::Borrowed(object.text())));
                    }
                    Some(Change::Removed) => {}
                    None => listed.push((Cow::Owned(key), Cow::Owned(text))),
                }
                remote_fields.insert(field);
            }
        }
        for ((r, field), change) in &self.changes.objects {
            if let (true, Change::Put(key, object)) = (r == resource, change)
                && !remote_fields.contains(field)
            {
                listed.push((Cow::Borrowed(key), Cow::Borrowed(object.text())));
            }
        }
        Box::new(listed.into_iter())
    }

    fn put(&mut self, resource: &str, key: Key, value: &Value) -> Arc<StoredObject> {
        let field = field_of(&key);
        // Whether it existed decides the count and the order; read it now.
        self.existed(resource, &field);
        let object = StoredObject::new(compact(value).into_boxed_str());
        self.changes.objects.insert(
            (resource.to_string(), field),
            Change::Put(key, object.clone()),
        );
        object
    }

    fn remove(&mut self, resource: &str, key: &Key) -> Option<Arc<StoredObject>> {
        let existing = self.get(resource, key)?;
        let field = field_of(key);
        if self.existed(resource, &field) {
            self.changes
                .objects
                .insert((resource.to_string(), field), Change::Removed);
        } else {
            // Stored in this attempt only: as if it had never been.
            self.changes
                .objects
                .shift_remove(&(resource.to_string(), field));
        }
        Some(existing)
    }

    fn was_deleted(&self, resource: &str, key: &Key) -> bool {
        let field = field_of(key);
        match self
            .changes
            .objects
            .get(&(resource.to_string(), field.clone()))
        {
            Some(Change::Removed) => true,
            Some(Change::Put(..)) => false,
            None if self.changes.cleared => false,
            None if self
                .deleted
                .contains_key(&(resource.to_string(), field.clone())) =>
            {
                self.deleted[&(resource.to_string(), field)]
            }
            None => self
                .query::<bool>(
                    redis::cmd("SISMEMBER")
                        .arg(self.keys.deleted(resource))
                        .arg(field)
                        .clone(),
                )
                .unwrap_or(false),
        }
    }

    fn next_id(&mut self, resource: &str) -> u64 {
        let current = match self.changes.sequences.get(resource) {
            Some(n) => *n,
            None if self.changes.cleared => 0,
            None => self
                .query::<Option<u64>>(
                    redis::cmd("HGET")
                        .arg(self.keys.sequences())
                        .arg(resource)
                        .clone(),
                )
                .flatten()
                .unwrap_or(0),
        };
        self.changes
            .sequences
            .insert(resource.to_string(), current + 1);
        current + 1
    }

    fn dump(&self) -> Value {
        let mut resources: Vec<String> = if self.changes.cleared {
            Vec::new()
        } else {
            self.resources()
        };
        resources.extend(self.changes.objects.keys().map(|(r, _)| r.clone()));
        resources.sort();
        resources.dedup();
        Value::Object(
            resources
                .into_iter()
                .map(|name| {
                    let objects = self.ordered(&name).map(|(key, text)| {
                        let object: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        serde_json::json!({ "key": key.as_ref(), "object": object })
                    });
                    let objects = Value::Array(objects.collect());
                    (name, objects)
                })
                .collect(),
        )
    }

    fn load(&mut self, json: &str) -> Result<(), String> {
        let resources = parse_dump(json)?;
        let mut changes = Changes {
            cleared: true,
            ..Changes::default()
        };
        for (name, entries) in resources {
            changes.sequences.insert(name.clone(), entries.len() as u64);
            for entry in entries {
                let object = StoredObject::new(compacted(entry.object.get()));
                changes.objects.insert(
                    (name.clone(), field_of(&entry.key)),
                    Change::Put(entry.key, object),
                );
            }
        }
        self.changes = changes;
        Ok(())
    }
}
