//! Which declared response answers: the status chosen for a request, and named examples.

use serde_json::Value;

use super::generated::GeneratedValues;
use crate::contract::{CompiledApi, MediaType, Operation, StatusKey, is_final};
use crate::generate::SATISFIABLE_SEED;

/// The response to serve and its status: with a preferred code, exact, then its range, then
/// `default`; without, the lowest 2xx, a `2XX` range, `default`, then the first declared
/// that is a final answer (`None` when there is none: an operation declaring only `100`).
pub fn choose_response(operation: &Operation, code: Option<u16>) -> Option<(usize, u16)> {
    let responses = &operation.responses;
    let position = |key: StatusKey| responses.iter().position(|r| r.status == key);
    match code {
        Some(code) if !is_final(code) => None,
        Some(code) => operation.answer_index(code).map(|i| (i, code)),
        None => {
            let lowest_2xx = responses
                .iter()
                .enumerate()
                .filter_map(|(i, r)| match r.status {
                    StatusKey::Code(c) if (200..300).contains(&c) => Some((i, c)),
                    _ => None,
                })
                .min_by_key(|(_, c)| *c);
            lowest_2xx
                .or_else(|| position(StatusKey::Range(2)).map(|i| (i, 200)))
                .or_else(|| position(StatusKey::Default).map(|i| (i, 200)))
                .or_else(|| {
                    responses
                        .iter()
                        .enumerate()
                        .map(|(i, r)| match r.status {
                            StatusKey::Code(c) => (i, c),
                            StatusKey::Range(1) => (i, 101),
                            StatusKey::Range(d) => (i, d * 100),
                            StatusKey::Default => (i, 200),
                        })
                        .find(|(_, status)| is_final(*status))
                })
        }
    }
}

/// A named example: `(value, is valid under the schema)`.
pub fn find_example(media: &MediaType, name: &str) -> Option<(Value, bool)> {
    media
        .examples
        .iter()
        .find(|e| e.name == name)
        .map(|e| ((*e.value).clone(), true))
        .or_else(|| {
            media
                .invalid_examples
                .iter()
                .find(|e| e.name == name)
                .map(|e| ((*e.value).clone(), false))
        })
}

/// Whether the operation declares an answer for an object that does not exist (a 404, a
/// `4XX` range or `default`) that can be sent as declared. One whose JSON body no value
/// satisfies (Vonage's 404, a `oneOf` of two errors that every value matches both of) counts
/// as none: where it would be the answer, the one for an existing object is valid, and it is
/// not.
pub fn declares_not_found(
    api: &CompiledApi,
    operation: &Operation,
    generated: &GeneratedValues,
) -> bool {
    operation.answer_for(404).is_some_and(|response| {
        response
            .json_schema()
            .is_none_or(|id| generated.generated(api, id, SATISFIABLE_SEED).valid)
    })
}

/// Whether the operation declares exactly `code`.
pub fn declares(operation: &Operation, code: u16) -> bool {
    operation
        .responses
        .iter()
        .any(|r| r.status == StatusKey::Code(code))
}
