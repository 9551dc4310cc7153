//! Checking exchanges against the contract: requests (what `serve` enforces) and responses
//! (the mock's self-check, and the base of `validate`/`proxy`). Response check names follow
//! Schemathesis where the meaning is the same.

mod coerce;
mod exchange;
mod params;
mod request;

use serde_json::Value;

pub use coerce::{coerce, resolve};
pub use exchange::{CheckedExchange, Failure, check_exchange, find_route, response_failures};
pub use params::cookie_pairs;
pub use request::{CheckedRequest, ObservedRequest, challenges, check_request, request_violations};

use crate::contract::{CompiledApi, MediaType, Operation, Response, StatusKey};
use crate::violation::{Violation, ViolationKind};

/// A response as received.
pub struct ObservedResponse<'a> {
    pub status: u16,
    /// Header names in any case.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl ObservedResponse<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The declared response a status falls under: exact code, then range, then `default`.
pub fn declared_response(operation: &Operation, status: u16) -> Option<&Response> {
    let find = |key: StatusKey| operation.responses.iter().find(|r| r.status == key);
    find(StatusKey::Code(status))
        .or_else(|| find(StatusKey::Range(status / 100)))
        .or_else(|| find(StatusKey::Default))
}

/// Every way `observed` breaks the contract of `operation`.
pub fn response_violations(
    api: &CompiledApi,
    operation: &Operation,
    observed: &ObservedResponse<'_>,
) -> Vec<Violation> {
    let Some(declared) = declared_response(operation, observed.status) else {
        return vec![Violation::of(
            ViolationKind::Check("status_code_conformance".into()),
            &["response", "status"],
            format!(
                "status {} is not declared by {}",
                observed.status, operation.id
            ),
        )];
    };
    let mut violations = Vec::new();
    for header in &declared.headers {
        let location = ["response", "header", header.name.as_str()];
        match observed.header(&header.name) {
            None if header.required => violations.push(Violation::of(
                ViolationKind::Check("response_headers_conformance".into()),
                &location,
                format!("required header {} is missing", header.name),
            )),
            None => {}
            Some(raw) => {
                if let Some(id) = header.schema {
                    let value = coerce(
                        api.schemas.node(id),
                        api.schemas.document(api.schemas.view(id)),
                        raw,
                    );
                    violations.extend(api.schemas.violations(id, &value, &location));
                }
            }
        }
    }
    if declared.content.is_empty() {
        return violations;
    }
    let content_type = observed.header("content-type").unwrap_or_default();
    let essence = essence(content_type);
    let media = declared
        .content
        .iter()
        .find(|m| media_matches(&m.media_type, &essence));
    let Some(media) = media else {
        if !observed.body.is_empty() {
            violations.push(Violation::of(
                ViolationKind::Check("content_type_conformance".into()),
                &["response", "header", "content-type"],
                format!(
                    "content type {content_type:?} is not declared (declared: {})",
                    media_type_list(&declared.content)
                ),
            ));
        }
        return violations;
    };
    let Some(schema) = media.schema else {
        return violations;
    };
    let body = if is_json_essence(&essence) {
        match serde_json::from_slice::<Value>(observed.body) {
            Ok(value) => value,
            Err(e) => {
                violations.push(Violation::of(
                    ViolationKind::Check("response_schema_conformance".into()),
                    &["response", "body"],
                    format!("the body is not valid JSON: {e}"),
                ));
                return violations;
            }
        }
    } else {
        Value::String(String::from_utf8_lossy(observed.body).into_owned())
    };
    violations.extend(api.schemas.violations(schema, &body, &["response", "body"]));
    violations
}

/// A media type without its parameters, lower-cased (`Application/JSON; charset=utf-8` →
/// `application/json`).
/// The media types of a `content` map, for messages: `application/json, text/csv`.
fn media_type_list(content: &[MediaType]) -> String {
    let names: Vec<&str> = content.iter().map(|m| m.media_type.as_str()).collect();
    names.join(", ")
}

pub fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type essence is JSON (`application/json`, `*+json`).
pub fn is_json_essence(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

pub(crate) fn media_matches(declared: &str, received: &str) -> bool {
    let declared = essence(declared);
    if declared == received || declared == "*/*" {
        return true;
    }
    match declared.strip_suffix("/*") {
        Some(kind) => received.split('/').next() == Some(kind),
        None => false,
    }
}
