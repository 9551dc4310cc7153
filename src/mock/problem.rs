//! `application/problem+json` (RFC 9457) answers for what the contract does not cover, with
//! Prism's `type` URIs so that a Prism user's tooling keeps recognising them.

use serde_json::{Value, json};

use super::MockResponse;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Clone, Copy)]
pub enum ProblemKind {
    NoPathMatched,
    NoMethodMatched,
    NotAcceptable,
    NotFound,
    InvalidPreference,
    NoResponseDefined,
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
            ProblemKind::NotAcceptable => (
                406,
                "NOT_ACCEPTABLE",
                "The server cannot produce a representation for your accept header",
            ),
            ProblemKind::NotFound => (404, "NOT_FOUND", "The requested response is not defined"),
            ProblemKind::InvalidPreference => (
                422,
                "UNPROCESSABLE_ENTITY",
                "Invalid Prefer header or __ query parameter",
            ),
            // 501 rather than Prism's 500: nothing is broken, the contract is silent.
            ProblemKind::NoResponseDefined => (
                501,
                "NO_RESPONSE_DEFINED",
                "The operation declares no response",
            ),
        }
    }
}

pub fn problem(kind: ProblemKind, detail: impl Into<String>) -> MockResponse {
    let (status, code, title) = kind.parts();
    let body: Value = json!({
        "type": format!("https://stoplight.io/prism/errors#{code}"),
        "title": title,
        "status": status,
        "detail": detail.into(),
    });
    MockResponse {
        status,
        headers: vec![("content-type".into(), PROBLEM_JSON.into())],
        body: serde_json::to_vec(&body).unwrap_or_default().into(),
        ..MockResponse::default()
    }
}
