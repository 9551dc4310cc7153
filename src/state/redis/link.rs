//! One Redis reached from synchronous code: the `redis` crate's tokio connection manager (one
//! multiplexed connection, reconnected with backoff), driven by a runtime of its own so that
//! a call can be made from any thread, and the objects last fetched through it.

use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use lru::LruCache;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::keys::Field;
use crate::state::store::{StoreError, StoredObject};

/// Longest wait for one call to Redis: past it the request answers 503, never hangs.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// Stored objects whose check marks this replica remembers (see [`Link::object`]).
const REMEMBERED_OBJECTS: usize = 16_384;

pub struct Link {
    /// Drives the connection; `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    connection: ConnectionManager,
    /// A second connection, driven by the runtime that serves HTTP (made on the first fetch
    /// ahead, from there): a read fetched ahead then costs no thread switch at all.
    serving_connection: OnceLock<Option<ConnectionManager>>,
    client: redis::Client,
    /// The URL without its password, for messages.
    pub name: String,
    /// The last object fetched under each key, so that an answer's check mark (see
    /// `StoredObject::checked`) outlives the request while the object's text is unchanged.
    objects: Mutex<LruCache<Field, Arc<StoredObject>>>,
}

impl Link {
    /// A link to the Redis at `url`. Connects lazily: a Redis that is down now makes calls
    /// fail until it is up, not a failed start.
    pub fn open(url: &str) -> Result<Link, StoreError> {
        let name = display_url(url);
        let invalid = |reason: String| StoreError::Unreachable {
            store: name.clone(),
            reason,
        };
        let client =
            redis::Client::open(url).map_err(|e| invalid(format!("not a Redis URL: {e}")))?;
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
        Ok(Link {
            runtime: Some(runtime),
            connection,
            serving_connection: OnceLock::new(),
            client,
            name,
            objects: Mutex::new(LruCache::new(capacity)),
        })
    }

    /// Runs one call to Redis on the connection's runtime and waits for it (at most
    /// [`CALL_TIMEOUT`]). Callable from any thread: the caller's thread only waits.
    pub fn run<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
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
    pub fn command<T: redis::FromRedisValue + Send + 'static>(
        &self,
        command: redis::Cmd,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection();
        self.run(async move { command.query_async(&mut connection).await })
    }

    /// The connection, to pipeline several commands in one call of [`Link::run`].
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// The runtime driving the connection; `None` while dropping.
    pub fn runtime(&self) -> Option<&tokio::runtime::Runtime> {
        self.runtime.as_ref()
    }

    /// The connection driven by the runtime the caller runs on (made by the first call, which
    /// comes from the HTTP layer's runtime); `None` outside a runtime.
    pub fn serving_connection(&self) -> Option<ConnectionManager> {
        tokio::runtime::Handle::try_current().ok()?;
        self.serving_connection
            .get_or_init(|| {
                ConnectionManager::new_lazy_with_config(self.client.clone(), config()).ok()
            })
            .clone()
    }

    pub fn unreachable(&self, reason: String) -> StoreError {
        StoreError::Unreachable {
            store: self.name.clone(),
            reason,
        }
    }

    /// The object stored under `field` with `text`: the one fetched before when its text is
    /// the same (its check mark still holds: same text, same answer), else a new one.
    pub fn object(&self, resource: &str, field: &str, text: String) -> Arc<StoredObject> {
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

    /// Remembers what a committed change left under `field`: the object it stored, with
    /// whatever mark the answer made from it sets later, or nothing.
    pub fn remember(&self, field: &Field, object: Option<&Arc<StoredObject>>) {
        let mut objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        match object {
            Some(object) => {
                objects.put(field.clone(), object.clone());
            }
            None => {
                objects.pop(field);
            }
        }
    }
}

impl Drop for Link {
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
}
