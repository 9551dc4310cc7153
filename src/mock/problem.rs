//! `application/problem+json` (RFC 9457) answers for what the contract does not cover, with
//! Prism's `type` URIs so that a Prism user's tooling keeps recognising them.

use serde_json::{Map, Value, json};

use ::http::HeaderMap;
use ::http::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};

use super::message::MockResponse;
use crate::state::StoreError;
use crate::violation::Violation;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Clone, Copy)]
pub enum ProblemKind {
    NoPathMatched,
    NoMethodMatched,
    NotFound,
    InvalidPreference,
    StoreUnavailable,
}

impl ProblemKind {
    fn parts(self) -> (u16, &'static str, &'static str) {
        match self {
            ProblemKind::NoPathMatched => (
                404,
                "NO_PATH_MATCHED_ERROR",
                "Route not resolved, no path matched",
            ),
            ProblemKind::NoMethodMatched => (
                405,
                "NO_METHOD_MATCHED_ERROR",
                "Route resolved, but no method matched",
            ),
            ProblemKind::NotFound => (404, "NOT_FOUND", "The requested response is not defined"),
            ProblemKind::InvalidPreference => (
                422,
                "UNPROCESSABLE_ENTITY",
                "Invalid Prefer header or __ query parameter",
            ),
            ProblemKind::StoreUnavailable => (
                503,
                "STORE_UNAVAILABLE",
                "The store of created objects cannot be used",
            ),
        }
    }
}

pub fn problem(kind: ProblemKind, detail: impl Into<String>) -> MockResponse {
    let (status, code, title) = kind.parts();
    problem_document(status, Some(code), title, detail.into(), None)
}

/// The answer when the store of created objects could not run a request: 503 naming the
/// store and why, with `Retry-After` (a store that comes back resumes service by itself).
/// Nothing was changed, so the client may safely send the request again.
pub fn store_unavailable(error: &StoreError) -> MockResponse {
    let mut response = problem(
        ProblemKind::StoreUnavailable,
        format!("{error}; nothing was changed, send the request again"),
    );
    response
        .headers
        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// The one writer of `application/problem+json` answers: `type` (Prism's URI for `code`, when
/// there is one), `title`, `status`, `detail` and, when given, the request's violations as a
/// `validation` list (Prism's shape).
pub fn problem_document(
    status: u16,
    code: Option<&str>,
    title: &str,
    detail: String,
    validation: Option<&[&Violation]>,
) -> MockResponse {
    let mut body = Map::new();
    if let Some(code) = code {
        body.insert("type".into(), problem_type_uri(code).into());
    }
    body.insert("title".into(), title.into());
    body.insert("status".into(), status.into());
    body.insert("detail".into(), detail.into());
    if let Some(violations) = validation {
        let list = violations
            .iter()
            .map(|v| {
                json!({
                    "location": v.location,
                    "severity": "Error",
                    "code": v.keyword(),
                    "message": v.message,
                })
            })
            .collect();
        body.insert("validation".into(), Value::Array(list));
    }
    MockResponse {
        status,
        headers: HeaderMap::from_iter([(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))]),
        body: serde_json::to_vec(&Value::Object(body))
            .unwrap_or_default()
            .into(),
        ..MockResponse::default()
    }
}

/// The URI naming a problem type: Prism's, so that a Prism user's tooling recognises it.
pub fn problem_type_uri(code: &str) -> String {
    format!("https://stoplight.io/prism/errors#{code}")
}
