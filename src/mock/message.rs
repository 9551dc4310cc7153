//! What the engine takes and gives: a request, a response, and Prism's `sl-violations` notes.

use std::borrow::Cow;

use ::http::HeaderMap;
use bytes::Bytes;
use serde::Serialize;

use crate::contract::OutgoingTarget;

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
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl MockRequest {
    /// The first value of a header, as text.
    pub fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        crate::headers::text(&self.headers, name)
    }
}

#[derive(Debug, Clone, Default)]
pub struct MockResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The operation that answered (`operationId`), for logs.
    pub operation: Option<String>,
    /// Prism-style notes about this answer, sent as `sl-violations`.
    pub warnings: Vec<SlViolation>,
    /// A line for the server's log: why an answer from stored state was made to fit its
    /// schema, kept by the engine for the first such answer of each operation only.
    pub log: Option<String>,
    /// Requests the API sends because of this answer (callbacks), or that this admin call
    /// asks for (a webhook): the HTTP layer sends them, the engine never touches a socket.
    pub outgoing: Vec<OutgoingCall>,
    /// The stub that answered, if one did.
    pub stub: Option<String>,
    /// How long the HTTP layer waits before sending the answer (it never holds a thread or a
    /// lock meanwhile).
    pub delay: Option<std::time::Duration>,
    /// What goes wrong on the connection instead of (or while) sending the answer.
    pub fault: Option<Fault>,
}

/// A fault (WireMock's), carried out by the HTTP layer on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The connection is reset (TCP RST) without an answer.
    Reset,
    /// The connection is closed without an answer.
    Empty,
    /// Bytes that are not HTTP are sent, then the connection is closed.
    Malformed,
    /// The answer is trickled out over this long.
    Drip(std::time::Duration),
    /// No answer is ever sent.
    Timeout,
}

impl Fault {
    /// Whether the answer goes out at all (trickled), so that it must follow the contract.
    pub fn sends_answer(&self) -> bool {
        matches!(self, Fault::Drip(_))
    }

    /// `reset`, `empty`, `malformed`, `timeout`, `drip` (over a second) or `drip:2s`.
    pub fn parse(text: &str) -> Result<Fault, String> {
        Ok(match text.trim() {
            "reset" => Fault::Reset,
            "empty" => Fault::Empty,
            "malformed" => Fault::Malformed,
            "timeout" => Fault::Timeout,
            "drip" => Fault::Drip(std::time::Duration::from_secs(1)),
            other => match other.strip_prefix("drip:") {
                Some(over) => Fault::Drip(
                    humantime::parse_duration(over)
                        .map_err(|e| format!("drip:{over} is not a duration (`drip:2s`): {e}"))?,
                ),
                None => {
                    return Err(format!(
                        "{other:?} is no fault: reset, empty, malformed, drip[:DURATION] or timeout"
                    ));
                }
            },
        })
    }
}

/// A request understudy sends on the API's behalf: a callback after an answer, or a webhook
/// fired through the admin API.
#[derive(Debug, Clone)]
pub struct OutgoingCall {
    /// The API it belongs to, and which of its outgoing requests it is.
    pub api: usize,
    pub target: OutgoingTarget,
    /// `callback NAME` or `webhook NAME`, for the journal and the log.
    pub label: String,
    pub method: String,
    pub url: String,
    pub content_type: Option<String>,
    pub body: Bytes,
    /// Whether the admin call that asked for it answers with what the receiver said (a
    /// webhook); a callback is sent after the answer, and its result only logged.
    pub report: bool,
}

impl MockResponse {
    /// The first value of a header, as text.
    pub fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        crate::headers::text(&self.headers, name)
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
