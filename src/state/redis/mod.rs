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
//! The engine's calls are synchronous (it never awaits): `link` makes them on a connection
//! driven by a runtime of its own. The HTTP layer runs every request that reaches this store
//! on tokio's blocking pool (`Store::is_remote`). `keys` names a session's keys, `attempt`
//! runs one read or change, `commit` applies a change.

mod attempt;
mod commit;
mod keys;
mod link;

use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use attempt::Attempt;
use commit::Commit;
use keys::{Field, Keys, field_of};
use link::{CALL_TIMEOUT, Link};

use super::store::{
    DEFAULT_SESSION, Key, Prefetched, Prefetching, Session, SharedJournal, Store, StoreError,
};

/// Longest a change keeps trying while other replicas change the same session.
const CHANGE_BUDGET: Duration = Duration::from_secs(10);

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
    link: Link,
    prefix: String,
    ttl_ms: u64,
    commit: Commit,
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
        let link = Link::open(&options.url)?;
        if options.prefix.contains(['{', '}']) {
            return Err(link.unreachable(format!(
                "the key prefix {:?} may not contain braces (they make Redis Cluster's hash tags)",
                options.prefix
            )));
        }
        Ok(RedisStore {
            link,
            prefix: options.prefix.clone(),
            ttl_ms: options
                .session_ttl
                .map_or(0, |ttl| ttl.as_millis().max(1) as u64),
            commit: Commit::new(),
            writers: std::array::from_fn(|_| Mutex::new(())),
            journal: options.journal,
        })
    }

    fn keys(&self, session: &str) -> Keys {
        Keys::of(&self.prefix, session)
    }

    fn attempt(&self, session: &str) -> Attempt<'_> {
        Attempt::new(&self.link, self.keys(session))
    }

    fn registry(&self) -> String {
        format!("{}sessions", self.prefix)
    }

    fn journal_key(&self) -> String {
        format!("{}journal", self.prefix)
    }

    fn contended(&self, session: &str, attempts: u32) -> StoreError {
        StoreError::Contended {
            store: self.link.name.clone(),
            session: session.to_string(),
            attempts,
        }
    }
}

/// Waits a little, more after each attempt, at random (so that replicas retrying the same
/// session do not meet again in step).
fn back_off(attempt: u32) {
    let ceiling = 50u64 << attempt.min(6);
    let jitter = std::hash::RandomState::new().hash_one(attempt) % ceiling;
    std::thread::sleep(Duration::from_micros(jitter));
}

impl Store for RedisStore {
    fn read(&self, session: &str, read: &mut dyn FnMut(&dyn Session)) -> Result<(), StoreError> {
        let started = Instant::now();
        for attempt in 0u32.. {
            let data = self.attempt(session);
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
            let mut data = self.attempt(session);
            change(&mut data);
            if let Some(e) = data.failed.take() {
                return Err(e);
            }
            if !data.torn.get()
                && self
                    .commit
                    .apply(&self.link, session, &data, self.ttl_ms, self.registry())?
            {
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
            let names: Vec<String> = self
                .link
                .command(redis::cmd("SMEMBERS").arg(&registry).clone())?;
            names
                .into_iter()
                .map(|name| {
                    let key = self.keys(&name).version();
                    (name, key)
                })
                .collect()
        };
        let mut connection = self.link.connection();
        let keys: Vec<String> = versions.iter().map(|(_, key)| key.clone()).collect();
        // Redis refuses an empty pipeline.
        let alive: Vec<bool> = if keys.is_empty() {
            Vec::new()
        } else {
            self.link.run(async move {
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
            self.link
                .command::<()>(redis::cmd("SREM").arg(&registry).arg(&gone).clone())?;
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
                .map_err(|reason| self.link.unreachable(reason))?;
        }
        if session.is_none() {
            self.link
                .command::<()>(redis::cmd("DEL").arg(self.registry()).clone())?;
        }
        Ok(())
    }

    fn name(&self) -> String {
        self.link.name.clone()
    }

    fn is_remote(&self) -> bool {
        true
    }

    fn journal(&self) -> Option<&dyn SharedJournal> {
        self.journal.map(|_| self as &dyn SharedJournal)
    }

    fn prefetch(&self, session: &str, wanted: Vec<(String, Key)>) -> Option<Prefetching> {
        let mut connection = self.link.serving_connection()?;
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
        let (name, session) = (self.link.name.clone(), session.to_string());
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
        let mut data = self.attempt(session);
        data.offline = true;
        for ((resource, field), text, deleted) in &ahead.objects {
            let object = text
                .clone()
                .map(|text| self.link.object(resource, field, text));
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
        self.link.command::<String>(redis::cmd("PING")).map(|_| ())
    }
}

/// The journal as a capped Redis stream (`PREFIX journal`), one field `entry` per entry.
impl SharedJournal for RedisStore {
    fn append(&self, entry: String) {
        let Some(runtime) = self.link.runtime() else {
            return;
        };
        let mut connection = self.link.connection();
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
        let entries: Vec<(String, Vec<String>)> = self.link.command(
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
        self.link
            .command(redis::cmd("DEL").arg(self.journal_key()).clone())
    }
}

/// What [`RedisStore::prefetch`] fetched: per (resource, field), the object's text and
/// whether it was deleted.
struct Ahead {
    session: String,
    objects: Vec<(Field, Option<String>, bool)>,
}
