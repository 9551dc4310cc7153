//! The names of one session's keys in Redis, each carrying the session's hash tag
//! (`understudy:{session}:…`) so that a session lives in one slot of a Redis Cluster, and
//! the fields objects are stored under.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::state::store::Key;

/// Characters escaped in a session's name inside a key: the hash tag's braces, the key's own
/// separator, and the escape itself.
const IN_KEY: &AsciiSet = &CONTROLS.add(b'{').add(b'}').add(b':').add(b'%');

/// Where an object is: its resource and its field (see [`field_of`]).
pub type Field = (String, String);

/// A key as a field of the session's hashes and sets: its JSON text.
pub fn field_of(key: &Key) -> String {
    serde_json::to_string(key).unwrap_or_default()
}

/// The keys of one session.
pub struct Keys {
    base: String,
}

impl Keys {
    /// The keys of `session` under `prefix` (`understudy:`).
    pub fn of(prefix: &str, session: &str) -> Keys {
        Keys {
            base: format!("{prefix}{{{}}}:", utf8_percent_encode(session, IN_KEY)),
        }
    }
    pub fn version(&self) -> String {
        format!("{}version", self.base)
    }
    pub fn resources(&self) -> String {
        format!("{}resources", self.base)
    }
    pub fn sequences(&self) -> String {
        format!("{}sequences", self.base)
    }
    pub fn next(&self) -> String {
        format!("{}next", self.base)
    }
    pub fn objects(&self, resource: &str) -> String {
        format!("{}objects:{resource}", self.base)
    }
    pub fn order(&self, resource: &str) -> String {
        format!("{}order:{resource}", self.base)
    }
    pub fn deleted(&self, resource: &str) -> String {
        format!("{}deleted:{resource}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_a_session_carries_its_hash_tag_even_when_its_name_has_braces() {
        let keys = Keys::of("understudy:", "a}b:{c");
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
