//! The journal: each request answered, as `GET /__understudy/requests` lists it and
//! verification reads it (WireMock's request journal). It keeps what a test matches on (path
//! parameters, query, headers, cookies, the JSON body) and never a secret: `Authorization`,
//! cookies and the API keys the contract's security schemes name are left out, and body fields
//! named like passwords, secrets or tokens are redacted.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

use aho_corasick::AhoCorasick;
use serde::Serialize;
use serde_json::Value;

use super::message::{MockRequest, SlViolation};
use crate::contract::SecretNames;
use crate::state::{Store, StoreError};
use crate::validate::cookie_pairs;

/// Entries kept by default (`--journal-size`), oldest dropped first.
pub const JOURNAL_ENTRIES: usize = 1000;
/// Bodies longer than this are not kept.
const BODY_KEPT: usize = 64 * 1024;
const REDACTED: &str = "[REDACTED]";

/// One answered request, borrowed from the request and its answer, and written once as the
/// JSON text the journal keeps.
#[derive(Debug, Serialize)]
pub struct JournalEntry<'a> {
    /// Its number in this server's journal (1, 2, 3…).
    pub id: u64,
    /// When it was answered, by the engine's clock.
    pub at: String,
    pub method: &'a str,
    pub path: &'a str,
    pub query: String,
    pub session: &'a str,
    pub operation: Option<&'a str>,
    /// The stub that answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stub: Option<&'a str>,
    pub status: u16,
    pub violations: &'a [SlViolation],
    #[serde(skip_serializing_if = "Pairs::is_empty")]
    pub path_params: Pairs<'a>,
    #[serde(skip_serializing_if = "Pairs::is_empty")]
    pub headers: Pairs<'a>,
    #[serde(skip_serializing_if = "Pairs::is_empty")]
    pub cookies: Pairs<'a>,
    /// Written after the rest by [`Journal::record`], as it came where it can be.
    #[serde(skip)]
    pub body: Option<KeptBody<'a>>,
}

/// Names and their values, written as a JSON object in name order, one value per name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pairs<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Pairs<'a> {
    /// `pairs` in name order; of a name given twice, the first value.
    pub fn first_wins(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Pairs<'a> {
        let mut pairs: Vec<_> = pairs.collect();
        // Stable: of equal names the first stays first, and `dedup` keeps it.
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        pairs.dedup_by(|later, earlier| later.0 == earlier.0);
        Pairs(pairs)
    }

    /// `pairs` in name order; of a name given twice, the last value.
    fn last_wins(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Pairs<'a> {
        let mut pairs: Vec<_> = pairs.collect();
        pairs.reverse();
        Pairs::first_wins(pairs.into_iter())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Pairs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().copied())
    }
}

/// A request's JSON body as an entry keeps it.
#[derive(Debug)]
pub enum KeptBody<'a> {
    /// The body as it came, where nothing in it was secret. The request's check parsed it, so
    /// it is JSON, and it is written as it is (checking it again on every request was 1 % of
    /// a create).
    Text(&'a str),
    /// The body as a value: with the values of secret-looking fields replaced, or where its
    /// text could not be kept as it came.
    Parsed(Value),
}

/// What a request carried, secrets left out: the parts of an entry taken from the request.
pub struct Carried<'a> {
    pub query: String,
    pub headers: Pairs<'a>,
    pub cookies: Pairs<'a>,
    pub body: Option<KeptBody<'a>>,
}

/// The journal of one engine, `capacity` entries (0 keeps none); a store that keeps a shared
/// one ([`Store::journal`]) gets the entries instead.
pub struct Journal {
    /// Each entry as its JSON text, as a shared journal keeps it: one allocation, freed 1,000
    /// requests later. Kept as a tree of a dozen strings and maps, an entry cost a validated
    /// POST a tenth of its time, in making them and, out of every cache, in freeing them.
    entries: Mutex<VecDeque<String>>,
    capacity: usize,
    next: AtomicU64,
    secrets: SecretNames,
}

impl Journal {
    pub fn new(capacity: usize, secrets: SecretNames) -> Journal {
        Journal {
            entries: Mutex::default(),
            capacity,
            next: AtomicU64::new(1),
            secrets,
        }
    }

    pub fn is_on(&self) -> bool {
        self.capacity > 0
    }

    /// The next entry's number.
    pub fn next_id(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// What `request` carried, its secrets left out; `json_body` is its body as the request's
    /// check parsed it (never parsed again here).
    pub fn carried<'a>(&self, request: &'a MockRequest, json_body: Option<Value>) -> Carried<'a> {
        let secrets = &self.secrets;
        let query = if request.query.is_empty() {
            String::new()
        } else {
            form_urlencoded::parse(request.query.as_bytes())
                .map(|(name, value)| {
                    let value = if secrets.query.iter().any(|s| *s == name) {
                        REDACTED.into()
                    } else {
                        value
                    };
                    (name, value)
                })
                .fold(
                    form_urlencoded::Serializer::new(String::new()),
                    |mut query, (name, value)| {
                        query.append_pair(&name, &value);
                        query
                    },
                )
                .finish()
        };
        let headers = Pairs::first_wins(request.headers.iter().filter_map(|(name, value)| {
            let name = name.as_str();
            // Cookies are kept one by one below, without the secret ones.
            let cookie = name == "cookie" || name == "set-cookie";
            if cookie || secrets.headers.iter().any(|s| s == name) || looks_secret(name) {
                return None;
            }
            Some((name, value.to_str().ok()?))
        }));
        let cookies =
            Pairs::last_wins(cookie_pairs(&request.headers).filter(|(name, _)| {
                !secrets.cookies.iter().any(|s| s == name) && !looks_secret(name)
            }));
        let body = json_body
            .filter(|_| request.body.len() <= BODY_KEPT)
            .map(|mut body| {
                // Its field names are searched, not its text: a text holds its values too
                // (measured 2.6 times as long on a create's body), and may spell a name
                // with escapes (`pass\u0077ord`), which parsing has decoded.
                if redact(&mut body) {
                    return KeptBody::Parsed(body);
                }
                // The text `body` was parsed from (only JSON bodies are kept).
                std::str::from_utf8(&request.body)
                    .map_or(KeptBody::Parsed(body), |text| KeptBody::Text(text.trim()))
            });
        Carried {
            query,
            headers,
            cookies,
            body,
        }
    }

    pub fn record(&self, entry: &JournalEntry<'_>, store: &dyn Store) {
        if !self.is_on() {
            return;
        }
        let body_size = match &entry.body {
            Some(KeptBody::Text(text)) => text.len(),
            _ => 0,
        };
        let mut text = Vec::with_capacity(256 + entry.path.len() + body_size);
        if serde_json::to_writer(&mut text, entry).is_err() {
            return;
        }
        // The body goes last, inside the object's braces: its text as it came, which is JSON
        // already.
        if let Some(body) = &entry.body
            && text.pop() == Some(b'}')
        {
            text.extend_from_slice(br#","body":"#);
            match body {
                KeptBody::Text(json) => text.extend_from_slice(json.as_bytes()),
                KeptBody::Parsed(value) => text.extend_from_slice(value.to_string().as_bytes()),
            }
            text.push(b'}');
        }
        // Only serde_json and JSON text a request's check parsed were written.
        let text = String::from_utf8(text).unwrap_or_default();
        if let Some(shared) = store.journal() {
            shared.append(text);
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(text);
    }

    /// Every entry kept, oldest first, as JSON.
    pub fn entries(&self, store: &dyn Store) -> Result<Vec<Value>, StoreError> {
        let parsed = |texts: &mut dyn Iterator<Item = &String>| -> Vec<Value> {
            texts
                .filter_map(|text| serde_json::from_str(text).ok())
                .collect()
        };
        if let Some(shared) = store.journal() {
            return Ok(parsed(&mut shared.entries()?.iter()));
        }
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        Ok(parsed(&mut entries.iter()))
    }

    pub fn clear(&self, store: &dyn Store) -> Result<(), StoreError> {
        if let Some(shared) = store.journal() {
            return shared.clear();
        }
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        Ok(())
    }
}

/// Words that mark a name as carrying a secret whatever the contract says, found in any case
/// by one automaton (lower-casing each name and searching it word by word was 2 % of a
/// create's time).
static SECRET_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "password", "secret", "token", "apikey", "api-key", "api_key", "auth",
        ])
        .expect("fixed words build an automaton")
});

fn looks_secret(name: &str) -> bool {
    SECRET_WORDS.is_match(name)
}

/// Replaces the values of fields named like secrets, in place (rebuilding every object of a
/// body cost a create 2 % of its time); whether it replaced any.
fn redact(value: &mut Value) -> bool {
    match value {
        Value::Object(fields) => {
            let mut replaced = false;
            for (name, value) in fields.iter_mut() {
                if looks_secret(name) {
                    *value = Value::String(REDACTED.into());
                    replaced = true;
                } else {
                    replaced |= redact(value);
                }
            }
            replaced
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |replaced, item| redact(item) | replaced),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemoryStore;
    use serde_json::json;

    /// The one entry `request` (with `body` as its check parsed it) makes, as the journal
    /// lists it.
    fn listed(journal: &Journal, request: &MockRequest, body: Option<Value>) -> Value {
        let carried = journal.carried(request, body);
        let store = MemoryStore::new(1);
        let entry = JournalEntry {
            id: journal.next_id(),
            at: "2024-01-01T00:00:00Z".into(),
            method: &request.method,
            path: &request.path,
            query: carried.query,
            session: "default",
            operation: Some("op"),
            stub: None,
            status: 200,
            violations: &[],
            path_params: Pairs::first_wins([("id", "7")].into_iter()),
            headers: carried.headers,
            cookies: carried.cookies,
            body: carried.body,
        };
        journal.record(&entry, &store);
        let entries = journal.entries(&store).expect("the memory journal lists");
        assert_eq!(entries.len(), 1, "expected one entry, got {entries:?}");
        entries[0].clone()
    }

    #[test]
    fn what_a_request_carried_is_kept_without_its_secrets() {
        let secrets = SecretNames {
            headers: vec!["authorization".into(), "x-api-key".into()],
            query: vec!["key".into()],
            cookies: vec!["sid".into()],
        };
        let journal = Journal::new(10, secrets);
        let request = MockRequest {
            method: "POST".into(),
            path: "/things".into(),
            query: "key=s3cret&page=2".into(),
            headers: crate::headers::from_pairs([
                ("authorization", "Bearer s3cret"),
                ("x-api-key", "s3cret"),
                ("x-request-id", "r-1"),
                ("x-request-id", "r-2"),
                ("cookie", "sid=s3cret; theme=dark; theme=light"),
            ]),
            // Names spelled with escapes name secrets all the same.
            body: r#"{"name": "n", "pass\u0077ord": "s3cret", "nested": {"refresh_\u0074oken": "s3cret"}}"#
                .into(),
        };
        let body = serde_json::from_slice(&request.body).ok();
        let entry = listed(&journal, &request, body);
        assert!(
            !entry.to_string().contains("s3cret"),
            "expected no secret in {entry}"
        );
        assert_eq!(entry["query"], json!("key=%5BREDACTED%5D&page=2"));
        assert_eq!(entry["headers"], json!({"x-request-id": "r-1"}));
        assert_eq!(entry["cookies"], json!({"theme": "light"}));
        assert_eq!(
            entry["body"],
            json!({"name": "n", "password": REDACTED, "nested": {"refresh_token": REDACTED}})
        );
    }

    #[test]
    fn a_body_without_secrets_is_kept_as_it_came_and_listed_as_json() {
        let journal = Journal::new(10, SecretNames::default());
        let text = r#"{"name": "n", "tags": ["a", {"depth": 2}]}"#;
        let request = MockRequest {
            method: "POST".into(),
            path: "/things".into(),
            query: String::new(),
            headers: crate::headers::from_pairs([("content-type", "application/json")]),
            body: format!(" {text}\n").into(),
        };
        let carried = journal.carried(&request, serde_json::from_str(text).ok());
        let Some(KeptBody::Text(kept)) = &carried.body else {
            panic!("expected the body kept as its text, got {:?}", carried.body);
        };
        assert_eq!(*kept, text);
        let entry = listed(&journal, &request, serde_json::from_str(text).ok());
        assert_eq!(
            entry,
            json!({"id": 1, "at": "2024-01-01T00:00:00Z", "method": "POST", "path": "/things",
                   "query": "", "session": "default", "operation": "op", "status": 200,
                   "violations": [], "path_params": {"id": "7"},
                   "headers": {"content-type": "application/json"},
                   "body": {"name": "n", "tags": ["a", {"depth": 2}]}}),
            "expected the kept text to list as the JSON it is"
        );
    }
}
