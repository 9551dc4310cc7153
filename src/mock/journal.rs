//! The journal: each request answered, as `GET /__understudy/requests` lists it and
//! verification reads it (WireMock's request journal). It keeps what a test matches on (path
//! parameters, query, headers, cookies, the JSON body) and never a secret: `Authorization`,
//! cookies and the API keys the contract's security schemes name are left out, and body fields
//! named like passwords, secrets or tokens are redacted.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

use aho_corasick::AhoCorasick;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::message::{MockRequest, SlViolation};
use crate::contract::SecretNames;
use crate::state::{Store, StoreError};
use crate::validate::cookie_pairs;

/// Entries kept by default (`--journal-size`), oldest dropped first.
pub const JOURNAL_ENTRIES: usize = 1000;
/// Bodies longer than this are not kept.
const BODY_KEPT: usize = 64 * 1024;
const REDACTED: &str = "[REDACTED]";

/// One answered request.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    /// Its number in this server's journal (1, 2, 3…).
    pub id: u64,
    /// When it was answered, by the engine's clock.
    pub at: String,
    pub method: String,
    pub path: String,
    pub query: String,
    pub session: String,
    pub operation: Option<String>,
    /// The stub that answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stub: Option<String>,
    pub status: u16,
    pub violations: Vec<SlViolation>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub path_params: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub cookies: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<KeptBody>,
}

/// A request's JSON body as an entry keeps it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum KeptBody {
    /// The body as it came, where nothing in it was secret: one allocation to free when the
    /// entry is dropped, 1,000 requests later (dropping the parsed value then, out of every
    /// cache, was 2 % of a create). The request's check parsed it, so it is JSON; it is
    /// written as such when the journal is listed (checking it again on every request was
    /// 1 % of a create).
    #[serde(serialize_with = "as_json")]
    Text(Box<str>),
    /// The body as a value: with the values of secret-looking fields replaced, or where its
    /// text could not be kept as it came.
    Parsed(Value),
}

/// `text` (a body the request's check parsed) written as the JSON it is.
fn as_json<S: serde::Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    match RawValue::from_string(text.to_string()) {
        Ok(raw) => raw.serialize(serializer),
        Err(_) => serializer.serialize_str(text),
    }
}

/// What a request carried, secrets left out: the parts of an entry taken from the request.
pub struct Carried {
    pub query: String,
    pub headers: BTreeMap<String, String>,
    pub cookies: BTreeMap<String, String>,
    pub body: Option<KeptBody>,
}

/// The journal of one engine, `capacity` entries (0 keeps none); a store that keeps a shared
/// one ([`Store::journal`]) gets the entries instead.
pub struct Journal {
    entries: Mutex<VecDeque<JournalEntry>>,
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
    pub fn carried(&self, request: &MockRequest, json_body: Option<Value>) -> Carried {
        let secrets = &self.secrets;
        let query = form_urlencoded::parse(request.query.as_bytes())
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
            .finish();
        let mut headers = BTreeMap::new();
        for (name, value) in request.headers.iter() {
            let name = name.as_str();
            // Cookies are kept one by one below, without the secret ones.
            let cookie = name == "cookie" || name == "set-cookie";
            if cookie || secrets.headers.iter().any(|s| s == name) || looks_secret(name) {
                continue;
            }
            if let Ok(value) = value.to_str() {
                headers
                    .entry(name.to_string())
                    .or_insert_with(|| value.to_string());
            }
        }
        let cookies = cookie_pairs(&request.headers)
            .filter(|(name, _)| !secrets.cookies.iter().any(|s| s == name) && !looks_secret(name))
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let body = json_body
            .filter(|_| request.body.len() <= BODY_KEPT)
            .map(|mut body| {
                if redact(&mut body) {
                    return KeptBody::Parsed(body);
                }
                // The text `body` was parsed from (only JSON bodies are kept).
                std::str::from_utf8(&request.body).map_or(KeptBody::Parsed(body), |text| {
                    KeptBody::Text(text.trim().into())
                })
            });
        Carried {
            query,
            headers,
            cookies,
            body,
        }
    }

    pub fn record(&self, entry: JournalEntry, store: &dyn Store) {
        if !self.is_on() {
            return;
        }
        if let Some(shared) = store.journal() {
            shared.append(serde_json::to_string(&entry).unwrap_or_default());
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Every entry kept, oldest first, as JSON.
    pub fn entries(&self, store: &dyn Store) -> Result<Vec<Value>, StoreError> {
        if let Some(shared) = store.journal() {
            let entries = shared.entries()?;
            return Ok(entries
                .iter()
                .filter_map(|text| serde_json::from_str(text).ok())
                .collect());
        }
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        Ok(entries
            .iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .collect())
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
    use serde_json::json;

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
                ("cookie", "sid=s3cret; theme=dark"),
            ]),
            body: r#"{"name": "n", "password": "s3cret", "nested": {"refresh_token": "s3cret"}}"#
                .into(),
        };
        let body = serde_json::from_slice(&request.body).ok();
        let carried = journal.carried(&request, body);
        assert_eq!(carried.query, "key=%5BREDACTED%5D&page=2");
        assert_eq!(
            carried.headers,
            BTreeMap::from([("x-request-id".to_string(), "r-1".to_string())])
        );
        assert_eq!(
            carried.cookies,
            BTreeMap::from([("theme".to_string(), "dark".to_string())])
        );
        assert_eq!(
            carried
                .body
                .as_ref()
                .map(|b| serde_json::to_value(b).unwrap()),
            Some(json!({"name": "n", "password": REDACTED, "nested": {"refresh_token": REDACTED}}))
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
            body: text.into(),
        };
        let carried = journal.carried(&request, serde_json::from_str(text).ok());
        let Some(KeptBody::Text(kept)) = &carried.body else {
            panic!("expected the body kept as its text, got {:?}", carried.body);
        };
        assert_eq!(&**kept, text);
        assert_eq!(
            serde_json::to_value(carried.body.as_ref().unwrap()).unwrap(),
            json!({"name": "n", "tags": ["a", {"depth": 2}]}),
            "expected the kept text to list as the JSON it is"
        );
    }
}
