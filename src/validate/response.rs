//! Checks of a response against its operation: status, content type, headers, body schema.

use serde_json::Value;

use std::borrow::Cow;

use ::http::HeaderMap;

use super::body::{is_text_schema, structured_value};
use super::coerce::coerce;
use crate::contract::{CompiledApi, MediaType, Operation, Response, SchemaId, StatusKey, View};
use crate::media;
use crate::violation::{Violation, ViolationKind};

/// A response as received.
pub struct ObservedResponse<'a> {
    pub status: u16,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl ObservedResponse<'_> {
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        crate::headers::text(self.headers, name)
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
    // An operation without responses (3.1 allows it) promises nothing an answer could break.
    if operation.responses.is_empty() {
        return Vec::new();
    }
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
                        &raw,
                    );
                    violations.extend(api.schemas.violations(id, &value, &location));
                }
            }
        }
    }
    if declared.content.is_empty() {
        return violations;
    }
    let Some(content_type) = observed.header("content-type") else {
        violations.push(Violation::of(
            ViolationKind::Check("content_type_conformance".into()),
            &["response", "header", "content-type"],
            format!(
                "the Content-Type header is missing (declared: {})",
                media_type_list(&declared.content)
            ),
        ));
        return violations;
    };
    let essence = media::essence(&content_type);
    let declared_types: Vec<&str> = declared
        .content
        .iter()
        .map(|m| m.media_type.as_str())
        .collect();
    let media = media::declared_for(&declared_types, &essence).map(|i| &declared.content[i]);
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
    // A HEAD answer carries the headers a GET would, and no content (RFC 9110, 9.3.2).
    if operation.method == "HEAD" {
        return violations;
    }
    if let Some(item_schema) = media.item_schema {
        match item_violations(api, item_schema, &essence, observed.body, "response") {
            Ok(found) => violations.extend(found),
            Err(message) => violations.push(Violation::of(
                ViolationKind::Check("response_schema_conformance".into()),
                &["response", "body"],
                format!("the body is not a {essence} sequence: {message}"),
            )),
        }
        return violations;
    }
    let Some(schema) = media.schema else {
        return violations;
    };
    // An XML body is not read into its schema's JSON shape (OpenAPI's XML mapping is no JSON
    // value), as a request's is not: read as text, every XML answer of an object broke it.
    if media::is_xml_essence(&essence) {
        return violations;
    }
    let body = match structured_value(&essence, observed.body) {
        Some(Ok(value)) => value,
        Some(Err(why)) => {
            violations.push(Violation::of(
                ViolationKind::Check("response_schema_conformance".into()),
                &["response", "body"],
                format!("the body is {why}"),
            ));
            return violations;
        }
        None if is_text_schema(api, schema, View::Response) => {
            Value::String(String::from_utf8_lossy(observed.body).into_owned())
        }
        // Text whose schema wants an object, an array or a number (a CSV export declared as
        // `{type: object}`) can only be that value written as JSON, as a request's is; in its
        // own format, nothing reads it into the schema's shape, and it is not judged by it.
        None => match serde_json::from_slice::<Value>(observed.body) {
            Ok(value) => value,
            Err(_) => return violations,
        },
    };
    violations.extend(api.schemas.violations(schema, &body, &["response", "body"]));
    violations
}

/// The violations of each item of a sequential `body` (`itemSchema`), located by the item's
/// index under `side` (`request` or `response`); `Err` when the body is not a sequence.
pub(super) fn item_violations(
    api: &CompiledApi,
    item_schema: SchemaId,
    essence: &str,
    body: &[u8],
    side: &str,
) -> Result<Vec<Violation>, String> {
    let items = crate::sequence::split(crate::sequence::framing(essence), body)?;
    Ok(items
        .iter()
        .enumerate()
        .flat_map(|(index, item)| {
            let index = index.to_string();
            api.schemas
                .violations(item_schema, item, &[side, "body", index.as_str()])
        })
        .collect())
}

/// The media types of a `content` map, for messages: `application/json, text/csv`.
pub(super) fn media_type_list(content: &[MediaType]) -> String {
    let names: Vec<&str> = content.iter().map(|m| m.media_type.as_str()).collect();
    names.join(", ")
}
