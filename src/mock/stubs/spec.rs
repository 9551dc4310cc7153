//! A stub as a test writes it (JSON or YAML): which requests it matches and what it answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /__understudy/stubs` (or a file of `serve --stubs DIR`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StubSpec {
    /// Given by understudy when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The operation answered (its `operationId`), or `method` and `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A concrete path (`/things/42`: that one only) or the operation's template
    /// (`/things/{id}`: any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, rename = "match", skip_serializing_if = "Match::is_empty")]
    pub matcher: Match,
    pub response: StubResponse,
    /// Answers this many times, then stops matching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Matches requests of this session only (`X-Understudy-Session`); every session when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Lower first (1 before 5); among equals, the newest first. Default 5, as WireMock's.
    #[serde(default = "default_priority")]
    pub priority: i32,
    /// Allows an answer that breaks the contract; every answer it gives then says how in
    /// `sl-violations`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lenient: bool,
    /// Whether `{{…}}` in the answer is a template (`false`: sent as written, as a replayed
    /// recording is).
    #[serde(default = "yes", skip_serializing_if = "Clone::clone")]
    pub template: bool,
}

fn default_priority() -> i32 {
    5
}

fn yes() -> bool {
    true
}

/// What a request must carry to match; every part given must match (values compared as text,
/// header names without case).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    /// Path parameters by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub path: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cookies: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyMatch>,
}

impl Match {
    pub fn is_empty(&self) -> bool {
        self.path.is_empty()
            && self.query.is_empty()
            && self.headers.is_empty()
            && self.cookies.is_empty()
            && self.body.is_none()
    }
}

/// The JSON body: top-level fields equal to values, values at JSON pointers, and text at JSON
/// pointers matching regular expressions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyMatch {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pointers: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regex: BTreeMap<String, String>,
}

/// What a stub answers. `body` (its strings are Handlebars templates over the request) or
/// `example` (a named example the contract declares for the status).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StubResponse {
    pub status: u16,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// Milliseconds, or a duration (`300ms`, `2s`), waited before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Value>,
    /// `reset`, `empty`, `malformed`, `drip` (`drip:2s`) or `timeout`: what goes wrong on
    /// the connection instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}
