//! What the engine takes and gives: a request, a response, and Prism's `sl-violations` notes.

use bytes::Bytes;
use serde::Serialize;

/// The header (or cookie) naming the session whose store a request uses.
pub const SESSION_HEADER: &str = "x-understudy-session";

/// A request as the engine sees it.
#[derive(Debug, Clone, Default)]
pub struct MockRequest {
    /// Upper-case method.
    pub method: String,
    /// The path, still percent-encoded.
    pub path: String,
    /// The raw query string (without `?`).
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl MockRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Default)]
pub struct MockResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The operation that answered (`operationId`), for logs.
    pub operation: Option<String>,
    /// Prism-style notes about this answer, sent as `sl-violations`.
    pub warnings: Vec<SlViolation>,
}

impl MockResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One entry of Prism's `sl-violations` header.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SlViolation {
    pub location: Vec<String>,
    pub severity: &'static str,
    pub code: String,
    pub message: String,
}
