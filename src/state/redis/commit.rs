//! A change committed to Redis in one step: one Lua script applies what an [`Attempt`]
//! kept only if the session's version is still the one the attempt read, and bumps it.

use std::collections::HashSet;

use super::attempt::{Attempt, Change};
use super::link::Link;
use crate::state::store::{DEFAULT_SESSION, StoreError};

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

/// The commit script, loaded into Redis once and run by its hash.
pub struct Commit {
    script: redis::Script,
}

impl Commit {
    pub fn new() -> Commit {
        Commit {
            script: redis::Script::new(COMMIT),
        }
    }

    /// Applies `attempt`'s changes unless the session changed since it read it; `false`
    /// when it did (the change must run again).
    pub fn apply(
        &self,
        link: &Link,
        session: &str,
        attempt: &Attempt<'_>,
        ttl_ms: u64,
        registry: String,
    ) -> Result<bool, StoreError> {
        let changes = &attempt.changes;
        if !changes.cleared && changes.objects.is_empty() && changes.sequences.is_empty() {
            return Ok(true);
        }
        let ttl = if session == DEFAULT_SESSION {
            0
        } else {
            ttl_ms
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
        let script = self.script.clone();
        let mut connection = link.connection();
        let name = session.to_string();
        let applied: bool = link.run(async move {
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
            for (field, change) in &changes.objects {
                match change {
                    Change::Put(_, object) => link.remember(field, Some(object)),
                    Change::Removed => link.remember(field, None),
                }
            }
        }
        Ok(applied)
    }
}
