//! Answers to requests that reach more than one operation: a document declaring the same
//! method on templates equal but for parameter names has one route for both, served by the
//! first; its answers are made to follow what the others declare for the same status too.

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use serde_json::Value;

use super::message::MockResponse;
use crate::contract::{CompiledApi, Operation, SchemaId};
use crate::generate::valid_under_all;
use crate::media;
use crate::validate::declared_response;

/// Makes `response` (answered by `operation`) valid under the answer schemas its shadowed
/// operations declare for its status and media type, leaving out the parts they disagree on.
/// Only JSON bodies; an answer that cannot follow all of them is left as its own operation
/// declares it. What the answer lacks is generated from `seed`.
pub fn follow_shadowed(
    api: &CompiledApi,
    operation: &Operation,
    response: &mut MockResponse,
    seed: u64,
) {
    let Some(essence) = response
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(media::essence)
        .filter(|essence| media::is_json_essence(essence))
    else {
        return;
    };
    let schema_of = |operation: &Operation| -> Option<SchemaId> {
        let declared = declared_response(operation, response.status)?;
        let types: Vec<&str> = declared
            .content
            .iter()
            .map(|m| m.media_type.as_str())
            .collect();
        declared.content[media::declared_for(&types, &essence)?].schema
    };
    let mut ids: Vec<SchemaId> = operation
        .shadows
        .iter()
        .filter_map(|&index| schema_of(&api.api.operations[index]))
        .collect();
    if ids.is_empty() {
        return;
    }
    ids.extend(schema_of(operation));
    let Ok(value) = serde_json::from_slice::<Value>(&response.body) else {
        return;
    };
    if ids.iter().all(|id| api.schemas.is_valid(*id, &value)) {
        return;
    }
    if let Some(agreed) = valid_under_all(&api.schemas, &ids, value, seed) {
        response.body = Bytes::from(crate::json_text::to_vec(&agreed));
    }
}
