//! The shared store: every session's objects in Redis, so that replicas behind one load
//! balancer agree on what was created, updated and deleted (`serve --store redis://…`).
//!
//! One request's change is optimistic, as Redis's own `WATCH`/`MULTI` is: the engine's change
//! runs against an [`Attempt`] that reads from Redis and keeps its writes to itself, then one
//! Lua script applies them only if the session's version is still the one the attempt read,
//! and bumps it. When another replica changed the session in between, the change runs again
//! on what is there now. So an optimistic-lock check and the version bump after it, an id
//! taken from the session's sequence and the object stored under it, are atomic across
//! replicas, and nothing is written half. Reads check the version the same way: a list read
//! in several calls that a change came between is read again.
//!
//! Every key of one session carries the session's hash tag (`understudy:{session}:…`), so a
//! session lives in one slot and the same scripts run on Redis Cluster. The list of sessions
//! (`understudy:sessions`) is the one key outside: it is added to after a change, not inside
//! it. Sessions other than the default one expire `session_ttl` after their last change.
//!
//! The engine's calls are synchronous (it never awaits); the connection is the `redis`
//! crate's tokio connection manager (one multiplexed connection, reconnected with backoff),
//! driven by a runtime of its own, so that a call can be made from any thread. The HTTP layer
//! runs every request that reaches this store on tokio's blocking pool (`Store::is_remote`).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::BuildHasher;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use lru::LruCache;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde_json::Value;

use super::store::{
    DEFAULT_SESSION, Key, Ordered, Prefetched, Prefetching, Session, SharedJournal, Store,
    StoreError, StoredObject, compact, compacted, parse_dump,
};

/// Longest wait for one call to Redis: past it the request answers 503, never hangs.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest a change keeps trying while other replicas change the same session.
const CHANGE_BUDGET: Duration = Duration::from_secs(10);
/// Objects fetched per call while listing.
const CHUNK: usize = 256;
/// Stored objects whose check marks this replica remembers (see `RedisStore::object`).
const REMEMBERED_OBJECTS: usize = 16_384;

/// Characters escaped in a session's name inside a key: the hash tag's braces, the key's own
/// separator, and the escape itself.
const IN_KEY: &AsciiSet = &CONTROLS.add(b'{').add(b'}').add(b':').add(b'%');

/// Applies one attempt's changes if the session's version is still `ARGV[1]` (empty: no
/// check), then bumps the version. KEYS: version, resources (set), sequences (hash), next
/// order stamps (hash), then per resource its objects (hash), order (sorted set) and deleted
/// keys (set). ARGV: version, TTL in ms (0: none), cleared (1/0), resource count, then per
/// resource its name, sequence ('' : unchanged), operation count and operations (`p key
/// text` stores, `r key` removes).
const COMMIT: &str = r"
local version = redis.call('GET', KEYS[1]) or '0'
if ARGV[1] ~= '' and version ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[2])
local count = tonumber(ARGV[4])
if ARGV[3] == '1' then
  for i = 1, count do
    local base = 4 + 3 * (i - 1)
    redis.call('DEL', KEYS[base + 1], KEYS[base + 2], KEYS[base + 3])
  end
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
end
local at = 5
for i = 1, count do
  local base = 4 + 3 * (i - 1)
  local objects, order, deleted = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3]
  local name, sequence, operations = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2])
  at = at + 3
  if sequence ~= '' then redis.call('HSET', KEYS[3], name, sequence) end
  if operations > 0 then redis.call('SADD', KEYS[2], name) end
  for _ = 1, operations do
    local op, key = ARGV[at], ARGV[at + 1]
    if op == 'p' then
      redis.call('HSET', objects, key, ARGV[at + 2])
      redis.call('SREM', deleted, key)
      if not redis.call('ZSCORE', order, key) then
        redis.call('ZADD', order, redis.call('HINCRBY', KEYS[4], name, 1), key)
      end
      at = at + 3
    else
      redis.call('HDEL', objects, key)
      redis.call('ZREM', order, key)
      redis.call('SADD', deleted, key)
      at = at + 2
    end
  end
end
redis.call('INCR', KEYS[1])
if ttl > 0 then
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl) end
end
return 1
";

/// How to reach Redis and how to keep sessions there.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// `redis://[:password@]host:port/db` or `rediss://…`.
    pub url: String,
    /// Prefix of every key (`understudy:`): several mocks can share one Redis apart.
    pub prefix: String,
    /// How long a session (other than the default one) lives after its last change.
    pub session_ttl: Option<Duration>,
    /// Keep the journal of answered requests in Redis (a capped stream every replica writes
    /// to), this many entries; `None` leaves each replica its own.
    pub journal: Option<usize>,
}

/// Sessions in Redis. See the module's documentation.
pub struct RedisStore {
    /// Drives the connection; `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    connection: ConnectionManager,
    /// A second connection, driven by the runtime that serves HTTP (made on the first fetch
    /// ahead, from there): a read fetched ahead then costs no thread switch at all.
    serving_connection: OnceLock<Option<ConnectionManager>>,
    client: redis::Client,
    name: String,
    prefix: String,
    ttl_ms: u64,
    commit: redis::Script,
    /// The last object fetched under each key, so that an answer's check mark (see
    /// `StoredObject::checked`) outlives the request while the object's text is unchanged.
    objects: Mutex<LruCache<Field, Arc<StoredObject>>>,
    /// Changes of one session made by this replica wait for each other (the session's name
    /// picks one of these): optimistic changes that all retry when one commits collapse
    /// under load (32 clients creating in one session: 629 creates/s), while a queue of them
    /// runs each once. Changes from other replicas are still told apart by the version.
    writers: [Mutex<()>; WRITER_LOCKS],
    journal: Option<usize>,
}

const WRITER_LOCKS: usize = 64;

impl RedisStore {
    /// A store on the Redis at `options.url`. Connects lazily: a Redis that is down now makes
    /// requests answer 503 until it is up (see [`Store::health`]), not a failed start.
    pub fn connect(options: &RedisOptions) -> Result<RedisStore, StoreError> {
        let name = display_url(&options.url);
        let invalid = |reason: String| StoreError::Unreachable {
            store: name.clone(),
            reason,
        };
        if options.prefix.contains(['{', '}']) {
            return Err(invalid(format!(
                "the key prefix {:?} may not contain braces (they make Redis Cluster's hash tags)",
                options.prefix
            )));
        }
        let client = redis::Client::open(options.url.as_str())
            .map_err(|e| invalid(format!("not a Redis URL: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("understudy-redis")
            .enable_all()
            .build()
            .map_err(|e| invalid(format!("no runtime for the connection: {e}")))?;
        let connection = {
            let _inside = runtime.enter();
            ConnectionManager::new_lazy_with_config(client.clone(), config())
                .map_err(|e| invalid(e.to_string()))?
        };
        let capacity = NonZeroUsize::new(REMEMBERED_OBJECTS).unwrap_or(NonZeroUsize::MIN);
        Ok(RedisStore {
            runtime: Some(runtime),
            connection,
            serving_connection: OnceLock::new(),
            client,
            name,
            prefix: options.prefix.clone(),
            ttl_ms: options
                .session_ttl
                .map_or(0, |ttl| ttl.as_millis().max(1) as u64),
            commit: redis::Script::new(COMMIT),
            objects: Mutex::new(LruCache::new(capacity)),
            writers: std::array::from_fn(|_| Mutex::new(())),
            journal: options.journal,
        })
    }

    /// Runs one call to Redis on the connection's runtime and waits for it (at most
    /// [`CALL_TIMEOUT`]). Callable from any thread: the caller's thread only waits.
    fn run<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Result<T, StoreError> {
        let Some(runtime) = &self.runtime else {
            return Err(self.unreachable("the store is shutting down".into()));
        };
        // The call only hands its command to the connection's driver task (on the store's
        // runtime) and waits for the answer: no task of its own, one wake-up less. The timer
        // belongs to the store's runtime, entered for it.
        let _inside = runtime.enter();
        match futures_executor::block_on(tokio::time::timeout(CALL_TIMEOUT, call)) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.unreachable(e.to_string())),
            Err(_) => {
                Err(self.unreachable(format!("no answer within {} s", CALL_TIMEOUT.as_secs())))
            }
        }
    }

    /// Runs one command and waits for its answer.
    fn command<T: redis::FromRedisValue + Send + 'static>(
        &self,
        command: redis::Cmd,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection.clone();
        self.run(async move { command.query_async(&mut connection).await })
    }

    fn unreachable(&self, reason: String) -> StoreError {
        StoreError::Unreachable {
            store: self.name.clone(),
            reason,
        }
    }

    fn keys(&self, session: &str) -> Keys {
        Keys {
            base: format!(
                "{}{{{}}}:",
                self.prefix,
                utf8_percent_encode(session, IN_KEY)
            ),
        }
    }

    fn registry(&self) -> String {
        format!("{}sessions", self.prefix)
    }

    fn journal_key(&self) -> String {
        format!("{}journal", self.prefix)
    }

    /// The object stored under `field` with `text`: the one fetched before when its text is
    /// the same (its check mark still holds: same text, same answer), else a new one.
    fn object(&self, resource: &str, field: &str, text: String) -> Arc<StoredObject> {
        let mut objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        let key = (resource.to_string(), field.to_string());
        if let Some(known) = objects.get(&key)
            && known.text() == text
        {
            return known.clone();
        }
        let object = StoredObject::new(text.into_boxed_str());
        objects.put(key, object.clone());
        object
    }

    /// Remembers the objects a committed change stored, with whatever mark the answer
    /// made from them sets later.
    fn remember(&self, changes: &Changes) {
        let mut objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        for ((resource, field), change) in &changes.objects {
            let key = (resource.clone(), field.clone());
            match change {
                Change::Put(_, object) => {
                    objects.put(key, object.clone());
                }
                Change::Removed => {
                    objects.pop(&key);
                }
            }
        }
    }

    /// Applies `attempt`'s changes unless the session changed since it read it; `false`
    /// when it did (the change must run again).
    fn commit(&self, session: &str, attempt: &Attempt<'_>) -> Result<bool, StoreError> {
        let changes = &attempt.changes;
        if !changes.cleared && changes.objects.is_empty() && changes.sequences.is_empty() {
            return Ok(true);
        }
        let ttl = if session == DEFAULT_SESSION {
            0
        } else {
            self.ttl_ms
        };
        // Keys the script clears or sets a lifetime on must be named to it (Redis Cluster
        // routes a script by its keys): every resource the session holds.
        let mut resources: Vec<String> = if changes.cleared || ttl > 0 {
            attempt.resources()
        } else {
            Vec::new()
        };
        if let Some(e) = attempt.failed.take() {
            return Err(e);
        }
        if attempt.torn.get() {
            return Ok(false);
        }
        for (resource, _) in changes.objects.keys() {
            resources.push(resource.clone());
        }
        resources.extend(changes.sequences.keys().cloned());
        let mut seen = HashSet::new();
        resources.retain(|r| seen.insert(r.clone()));

        let keys = &attempt.keys;
        let mut script_keys = vec![
            keys.version(),
            keys.resources(),
            keys.sequences(),
            keys.next(),
        ];
        let mut args: Vec<Vec<u8>> = vec![
            attempt
                .version
                .get()
                .map(|v| v.to_string())
                .unwrap_or_default()
                .into_bytes(),
            ttl.to_string().into_bytes(),
            if changes.cleared {
                b"1".to_vec()
            } else {
                b"0".to_vec()
            },
            resources.len().to_string().into_bytes(),
        ];
        for resource in &resources {
            script_keys.extend([
                keys.objects(resource),
                keys.order(resource),
                keys.deleted(resource),
            ]);
            let operations: Vec<(&String, &Change)> = changes
                .objects
                .iter()
                .filter(|((r, _), _)| r == resource)
                .map(|((_, field), change)| (field, change))
                .collect();
            args.push(resource.clone().into_bytes());
            args.push(
                changes
                    .sequences
                    .get(resource)
                    .map(u64::to_string)
                    .unwrap_or_default()
                    .into_bytes(),
            );
            args.push(operations.len().to_string().into_bytes());
            for (field, change) in operations {
                match change {
                    Change::Put(_, object) => {
                        args.push(b"p".to_vec());
                        args.push(field.clone().into_bytes());
                        args.push(object.text().as_bytes().to_vec());
                    }
                    Change::Removed => {
                        args.push(b"r".to_vec());
                        args.push(field.clone().into_bytes());
                    }
                }
            }
        }
        let script = self.commit.clone();
        let mut connection = self.connection.clone();
        let registry = self.registry();
        let name = session.to_string();
        let applied: bool = self.run(async move {
            let mut invocation = script.prepare_invoke();
            for key in &script_keys {
                invocation.key(key);
            }
            for arg in &args {
                invocation.arg(arg.as_slice());
            }
            let applied: i64 = invocation.invoke_async(&mut connection).await?;
            if applied == 1 {
                redis::cmd("SADD")
                    .arg(&registry)
                    .arg(&name)
                    .query_async::<()>(&mut connection)
                    .await?;
            }
            Ok(applied == 1)
        })?;
        if applied {
            self.remember(changes);
        }
        Ok(applied)
    }
}

impl Drop for RedisStore {
    fn drop(&mut self) {
        // Dropped where blocking may not be allowed (inside the HTTP layer's runtime): let
        // the connection's runtime wind down on its own.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// How connections to Redis behave: fail fast (a request answers 503 rather than hang), and
/// reconnect on the next call.
fn config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(CALL_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(200))
}

/// The URL as messages show it: without its password.
fn display_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Waits a little, more after each attempt, at random (so that replicas retrying the same
/// session do not meet again in step).
fn back_off(attempt: u32) {
    let ceiling = 50u64 << attempt.min(6);
    let jitter = std::hash::RandomState::new().hash_one(attempt) % ceiling;
    std::thread::sleep(Duration::from_micros(jitter));
}

/// The keys of one session.
struct Keys {
    base: String,
}

impl Keys {
    fn version(&self) -> String {
        format!("{}version", self.base)
    }
    fn resources(&self) -> String {
        format!("{}resources", self.base)
    }
    fn sequences(&self) -> String {
        format!("{}sequences", self.base)
    }
    fn next(&self) -> String {
        format!("{}next", self.base)
    }
    fn objects(&self, resource: &str) -> String {
        format!("{}objects:{resource}", self.base)
    }
    fn order(&self, resource: &str) -> String {
        format!("{}order:{resource}", self.base)
    }
    fn deleted(&self, resource: &str) -> String {
        format!("{}deleted:{resource}", self.base)
    }
}

/// Where an object is: its resource and its field (see [`field_of`]).
type Field = (String, String);

/// A key as a field of the session's hashes and sets: its JSON text.
fn field_of(key: &Key) -> String {
    serde_json::to_string(key).unwrap_or_default()
}

enum Change {
    Put(Key, Arc<StoredObject>),
    Removed,
}

/// What one attempt changed, not yet in Redis.
#[derive(Default)]
struct Changes {
    /// `load` replaced everything.
    cleared: bool,
    /// Per (resource, field), in the order made.
    objects: IndexMap<Field, Change>,
    sequences: HashMap<String, u64>,
}

/// One run of the engine's read or change: reads from Redis (each read also reads the
/// session's version, to tell whether a change came between), keeps its writes.
struct Attempt<'a> {
    store: &'a RedisStore,
    keys: Keys,
    version: Cell<Option<u64>>,
    /// Two reads saw different versions: what was read does not belong together.
    torn: Cell<bool>,
    failed: RefCell<Option<StoreError>>,
    /// What Redis held, per (resource, field), as read in this attempt.
    fetched: RefCell<HashMap<Field, Option<Arc<StoredObject>>>>,
    /// Whether each key was deleted, where fetched ahead.
    deleted: HashMap<Field, bool>,
    /// Reading from what was fetched ahead: a read that needs Redis fails instead of waiting.
    offline: bool,
    changes: Changes,
}

impl<'a> Attempt<'a> {
    fn new(store: &'a RedisStore, session: &str) -> Attempt<'a> {
        Attempt {
            store,
            keys: store.keys(session),
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
        let mut connection = self.store.connection.clone();
        let answered = self
            .store
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
    fn resources(&self) -> Vec<String> {
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
        let object = text.map(|text| self.store.object(resource, field, text));
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
        let mut connection = self.store.connection.clone();
        let answered = self.store.run(async move {
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
                    store: self.store.name.clone(),
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

impl Store for RedisStore {
    fn read(&self, session: &str, read: &mut dyn FnMut(&dyn Session)) -> Result<(), StoreError> {
        let started = Instant::now();
        for attempt in 0u32.. {
            let data = Attempt::new(self, session);
            read(&data);
            if let Some(e) = data.failed.take() {
                return Err(e);
            }
            if !data.torn.get() {
                return Ok(());
            }
            if started.elapsed() > CHANGE_BUDGET {
                return Err(self.contended(session, attempt + 1));
            }
            back_off(attempt);
        }
        Ok(())
    }

    fn write(
        &self,
        session: &str,
        change: &mut dyn FnMut(&mut dyn Session),
    ) -> Result<(), StoreError> {
        // A fixed hasher: the same session must pick the same lock every time.
        let hasher = std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default();
        let lock = &self.writers[(hasher.hash_one(session) as usize) % WRITER_LOCKS];
        let _alone_here = lock.lock().unwrap_or_else(|p| p.into_inner());
        let started = Instant::now();
        for attempt in 0u32.. {
            let mut data = Attempt::new(self, session);
            change(&mut data);
            if let Some(e) = data.failed.take() {
                return Err(e);
            }
            if !data.torn.get() && self.commit(session, &data)? {
                return Ok(());
            }
            if started.elapsed() > CHANGE_BUDGET {
                return Err(self.contended(session, attempt + 1));
            }
            back_off(attempt);
        }
        Ok(())
    }

    fn sessions(&self) -> Result<Vec<String>, StoreError> {
        let registry = self.registry();
        let versions: Vec<(String, String)> = {
            let names: Vec<String> = self.command(redis::cmd("SMEMBERS").arg(&registry).clone())?;
            names
                .into_iter()
                .map(|name| {
                    let key = self.keys(&name).version();
                    (name, key)
                })
                .collect()
        };
        let mut connection = self.connection.clone();
        let keys: Vec<String> = versions.iter().map(|(_, key)| key.clone()).collect();
        // Redis refuses an empty pipeline.
        let alive: Vec<bool> = if keys.is_empty() {
            Vec::new()
        } else {
            self.run(async move {
                let mut pipe = redis::pipe();
                for key in &keys {
                    pipe.cmd("EXISTS").arg(key);
                }
                pipe.query_async(&mut connection).await
            })?
        };
        let (alive, expired): (Vec<_>, Vec<_>) = versions
            .into_iter()
            .zip(alive)
            .partition(|(_, alive)| *alive);
        if !expired.is_empty() {
            let gone: Vec<String> = expired.into_iter().map(|((name, _), _)| name).collect();
            self.command::<()>(redis::cmd("SREM").arg(&registry).arg(&gone).clone())?;
        }
        let mut names: Vec<String> = alive.into_iter().map(|((name, _), _)| name).collect();
        if !names.iter().any(|n| n == DEFAULT_SESSION) {
            names.push(DEFAULT_SESSION.to_string());
        }
        names.sort();
        Ok(names)
    }

    fn reset(&self, session: Option<&str>) -> Result<(), StoreError> {
        let names = match session {
            Some(name) => vec![name.to_string()],
            None => self.sessions()?,
        };
        for name in &names {
            // Loading nothing clears the session in one commit, which also bumps its version,
            // so a change that read it before the reset runs again on the empty session.
            super::store::write(self, name, |data| data.load("{}"))?
                .map_err(|reason| self.unreachable(reason))?;
        }
        if session.is_none() {
            self.command::<()>(redis::cmd("DEL").arg(self.registry()).clone())?;
        }
        Ok(())
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn is_remote(&self) -> bool {
        true
    }

    fn journal(&self) -> Option<&dyn SharedJournal> {
        self.journal.map(|_| self as &dyn SharedJournal)
    }

    fn prefetch(&self, session: &str, wanted: Vec<(String, Key)>) -> Option<Prefetching> {
        let mut connection = self.serving_connection()?;
        let keys = self.keys(session);
        let fields: Vec<Field> = wanted
            .iter()
            .map(|(resource, key)| (resource.clone(), field_of(key)))
            .collect();
        // One MULTI/EXEC: the objects and their deletion marks as of one instant.
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (resource, field) in &fields {
            pipe.cmd("HGET").arg(keys.objects(resource)).arg(field);
            pipe.cmd("SISMEMBER").arg(keys.deleted(resource)).arg(field);
        }
        let (name, session) = (self.name.clone(), session.to_string());
        Some(Box::pin(async move {
            let unreachable = |reason: String| StoreError::Unreachable {
                store: name.clone(),
                reason,
            };
            let answered = tokio::time::timeout(CALL_TIMEOUT, async {
                pipe.query_async::<Vec<redis::Value>>(&mut connection).await
            })
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", CALL_TIMEOUT.as_secs())))?
            .map_err(|e| unreachable(e.to_string()))?;
            let mut values = answered.into_iter();
            let mut objects = Vec::with_capacity(fields.len());
            for field in fields {
                let text: Option<String> = values
                    .next()
                    .map(redis::from_redis_value)
                    .transpose()
                    .map_err(|e| unreachable(e.to_string()))?
                    .flatten();
                let deleted: bool = values
                    .next()
                    .map(redis::from_redis_value)
                    .transpose()
                    .map_err(|e| unreachable(e.to_string()))?
                    .unwrap_or(false);
                objects.push((field, text, deleted));
            }
            Ok(Prefetched(Box::new(Ahead { session, objects })))
        }))
    }

    fn read_prefetched(
        &self,
        session: &str,
        prefetched: &Prefetched,
        read: &mut dyn FnMut(&dyn Session),
    ) -> Result<(), StoreError> {
        let Some(ahead) = prefetched.0.downcast_ref::<Ahead>() else {
            return self.read(session, read);
        };
        if ahead.session != session {
            return self.read(session, read);
        }
        let mut data = Attempt::new(self, session);
        data.offline = true;
        for ((resource, field), text, deleted) in &ahead.objects {
            let object = text.clone().map(|text| self.object(resource, field, text));
            let at = (resource.clone(), field.clone());
            data.fetched.borrow_mut().insert(at.clone(), object);
            data.deleted.insert(at, *deleted);
        }
        read(&data);
        match data.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn health(&self) -> Result<(), StoreError> {
        self.command::<String>(redis::cmd("PING")).map(|_| ())
    }
}

/// The journal as a capped Redis stream (`PREFIX journal`), one field `entry` per entry.
impl SharedJournal for RedisStore {
    fn append(&self, entry: String) {
        let Some(runtime) = &self.runtime else {
            return;
        };
        let mut connection = self.connection.clone();
        let (key, capacity) = (self.journal_key(), self.journal.unwrap_or(0));
        let mut call = Box::pin(async move {
            let added: redis::RedisResult<()> = redis::cmd("XADD")
                .arg(&key)
                .arg("MAXLEN")
                .arg(capacity)
                .arg("*")
                .arg("entry")
                .arg(entry)
                .query_async(&mut connection)
                .await;
            if let Err(e) = added {
                tracing::debug!(target: "understudy::state", "a journal entry was lost: {e}");
            }
        });
        // Polled once here, the command joins the connection's queue now, so a client that
        // reads the journal after its answer finds its request there; the rest (waiting for
        // Redis to acknowledge it) runs on the store's runtime, never holding up the answer.
        let _inside = runtime.enter();
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        if call.as_mut().poll(&mut context).is_pending() {
            runtime.spawn(call);
        }
    }

    fn entries(&self) -> Result<Vec<String>, StoreError> {
        let entries: Vec<(String, Vec<String>)> = self.command(
            redis::cmd("XRANGE")
                .arg(self.journal_key())
                .arg("-")
                .arg("+")
                .clone(),
        )?;
        Ok(entries
            .into_iter()
            .filter_map(|(_, fields)| fields.into_iter().nth(1))
            .collect())
    }

    fn clear(&self) -> Result<(), StoreError> {
        self.command(redis::cmd("DEL").arg(self.journal_key()).clone())
    }
}

/// What [`RedisStore::prefetch`] fetched: per (resource, field), the object's text and
/// whether it was deleted.
struct Ahead {
    session: String,
    objects: Vec<(Field, Option<String>, bool)>,
}

impl RedisStore {
    /// The connection driven by the runtime the caller runs on (made by the first call, which
    /// comes from the HTTP layer's runtime); `None` outside a runtime.
    fn serving_connection(&self) -> Option<ConnectionManager> {
        tokio::runtime::Handle::try_current().ok()?;
        self.serving_connection
            .get_or_init(|| {
                ConnectionManager::new_lazy_with_config(self.client.clone(), config()).ok()
            })
            .clone()
    }

    fn contended(&self, session: &str, attempts: u32) -> StoreError {
        StoreError::Contended {
            store: self.name.clone(),
            session: session.to_string(),
            attempts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_named_without_its_password() {
        assert_eq!(
            display_url("redis://:s3cret@cache:6380/2"),
            "redis://cache:6380/2"
        );
        assert_eq!(display_url("rediss://user:pw@cache/0"), "rediss://cache/0");
        assert_eq!(
            display_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }

    #[test]
    fn every_key_of_a_session_carries_its_hash_tag_even_when_its_name_has_braces() {
        let keys = Keys {
            base: format!("understudy:{{{}}}:", utf8_percent_encode("a}b:{c", IN_KEY)),
        };
        for key in [
            keys.version(),
            keys.objects("api:/things/{id}"),
            keys.order("api:/things/{id}"),
        ] {
            let tag = key
                .split_once('{')
                .and_then(|(_, rest)| rest.split_once('}'))
                .map(|(tag, _)| tag);
            assert_eq!(tag, Some("a%7Db%3A%7Bc"), "{key}");
        }
    }
}
