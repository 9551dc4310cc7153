//! The answer to an invalid request, in the contract's own words.
//!
//! The status follows Prism: a security violation gets 401; a content-type violation 415,
//! else 422, else 400; a body that does not parse 400, else 422; anything else 422, else 400;
//! else the `default` response. Where the first of those the request deserves is not declared,
//! the next one is tried (no credentials and a bad body: 400 where no 401 is declared). A request wrong only in its path parameters names something
//! that cannot exist, so where neither 422 nor 400 is declared a declared 404 answers it (as
//! real APIs do, and as contract checkers expect); where none of those is declared but a 403
//! is, the 403 refuses it. When the chosen response declares a JSON schema, the body is
//! generated from it and its message fields carry the real violations (Prism only repeats the
//! static example); otherwise it is `application/problem+json` with a `validation` array.
//!
//! Unlike Prism, no refusal is sent with a status the operation does not declare: where the
//! contract has no answer for it, there is no refusal (`None`), and the caller answers from
//! the contract, the violations named in `sl-violations`. An undeclared 422 would break the
//! contract the mock stands for.

use serde_json::{Map, Value, json};

use super::generated::{GeneratedValues, declared_headers};
use super::message::{MockResponse, SlViolation};
use super::problem::problem_type_uri;
use super::render;
use crate::contract::{CompiledApi, Operation, SchemaId, StatusKey, json_media};
use crate::generate::remove_property;
use crate::headers;
use crate::media;
use crate::validate::challenges;
use crate::violation::{Violation, ViolationKind};

/// The answer to a request to `instance` (its path) that breaks the contract in `violations`;
/// `None` when the operation declares no answer that refuses it. `generated` keeps what is
/// generated for the fixed `seed`.
pub fn reject(
    api: &CompiledApi,
    operation: &Operation,
    instance: &str,
    violations: &[Violation],
    seed: u64,
    generated: &GeneratedValues,
) -> Option<MockResponse> {
    let has = |kind: ViolationKind| violations.iter().any(|v| v.kind == kind);
    let only_path = violations
        .iter()
        .all(|v| v.location.get(1).is_some_and(|l| l == "path"));
    // The refusals that fit, most telling first, each with the violations it is about: a
    // request with no credentials and a bad body gets the 401 where one is declared, else the
    // 400 or 422 its body deserves.
    let security = || -> Vec<&Violation> {
        violations
            .iter()
            .filter(|v| v.kind == ViolationKind::Security)
            .collect()
    };
    let content_type = || -> Vec<&Violation> {
        violations
            .iter()
            .filter(|v| v.kind == ViolationKind::ContentType)
            .collect()
    };
    let others = || -> Vec<&Violation> {
        violations
            .iter()
            .filter(|v| v.kind != ViolationKind::Security)
            .collect()
    };
    let mut refusals: Vec<(&[u16], &str, Vec<&Violation>)> = Vec::new();
    if has(ViolationKind::Security) {
        refusals.push((&[401], "UNAUTHORIZED", security()));
    }
    if has(ViolationKind::ContentType) {
        refusals.push((&[415, 422, 400], "INVALID_CONTENT_TYPE", content_type()));
    } else if has(ViolationKind::Malformed) {
        refusals.push((&[400, 422], "INVALID_BODY", others()));
    } else if only_path {
        refusals.push((&[422, 400, 404], "UNPROCESSABLE_ENTITY", others()));
    } else if !others().is_empty() {
        refusals.push((&[422, 400], "UNPROCESSABLE_ENTITY", others()));
    }
    let declared = |codes: &[u16]| {
        codes
            .iter()
            .any(|code| operation.declares_answer_for(*code))
    };
    // Where the contract declares none of those (nor their range, nor `default`) but a 403,
    // the 403 says it truthfully: the server understood the request and refuses it (RFC 9110,
    // 15.5.4), its body naming the violations.
    let forbidden = operation
        .responses
        .iter()
        .any(|r| r.status == StatusKey::Code(403));
    let (candidates, problem_type, relevant) =
        match refusals.iter().position(|(codes, _, _)| declared(codes)) {
            Some(found) => refusals.swap_remove(found),
            None if forbidden => {
                let (_, problem_type, relevant) = refusals.into_iter().next()?;
                (&[403][..], problem_type, relevant)
            }
            None => return None,
        };
    let mut response = error_response(
        api,
        operation,
        instance,
        candidates,
        problem_type,
        &relevant,
        seed,
        generated,
    )?;
    response.warnings = violations.iter().map(sl_violation).collect();
    Some(response)
}

/// The declared response for the first of `candidates` (exact, range, then `default`) with
/// `violations` written into its body; `None` when the operation declares none of them.
/// What is generated is generated for the fixed `seed`, once (kept in `generated`).
#[allow(clippy::too_many_arguments)]
pub fn error_response(
    api: &CompiledApi,
    operation: &Operation,
    instance: &str,
    candidates: &[u16],
    problem_type: &str,
    relevant: &[&Violation],
    seed: u64,
    generated: &GeneratedValues,
) -> Option<MockResponse> {
    let declared = candidates.iter().find_map(|code| {
        operation
            .responses
            .iter()
            .find(|r| r.status == StatusKey::Code(*code))
            .or_else(|| {
                operation
                    .responses
                    .iter()
                    .find(|r| r.status == StatusKey::Range(code / 100))
            })
            .map(|r| (*code, r))
    });
    let declared = declared.or_else(|| {
        operation
            .responses
            .iter()
            .find(|r| r.status == StatusKey::Default)
            .map(|r| (candidates[0], r))
    });
    let (status, declared) = declared?;
    let mut response = {
        {
            let media = json_media(&declared.content).or(declared.content.first());
            let body = media.map(|media| {
                let context = Fill {
                    violations: relevant,
                    status,
                    type_uri: problem_type_uri(problem_type),
                    instance,
                };
                let value = media
                    .schema
                    .map(|id| error_body(api, generated, id, seed, &context))
                    .or_else(|| media.examples.first().map(|e| (*e.value).clone()))
                    .unwrap_or(Value::Null);
                let content_type = media::concrete(&media.media_type);
                (
                    render::schema_body(&content_type, &value, api, media.schema),
                    content_type,
                )
            });
            // The declared headers too (Ably's errors carry a required `x-ably-serverid`);
            // one that names a message carries the first violation's, where its schema
            // takes it, rather than a generated word.
            let message = relevant
                .first()
                .map(|v| named_message(v))
                .filter(|m| ::http::HeaderValue::from_str(m).is_ok())
                .map(Value::String);
            let headers =
                declared_headers(
                    seed,
                    operation,
                    declared,
                    |header, id, seed| match &message {
                        Some(message)
                            if header.name.to_ascii_lowercase().contains("message")
                                && api.schemas.is_valid(id, message) =>
                        {
                            message.clone()
                        }
                        _ => generated.header_value(api, header, id, seed),
                    },
                );
            let mut response = MockResponse {
                status,
                headers,
                ..MockResponse::default()
            };
            if let Some((body, content_type)) = body {
                headers::set(&mut response.headers, "content-type", &content_type);
                response.body = body;
            }
            response
        }
    };
    if response.status == 401 {
        let challenge = challenges(operation);
        if !challenge.is_empty() {
            headers::set(&mut response.headers, "www-authenticate", &challenge);
        }
    }
    Some(response)
}

pub fn sl_violation(violation: &Violation) -> SlViolation {
    SlViolation {
        location: violation.location.clone(),
        severity: "Error",
        code: violation.keyword().to_string(),
        message: violation.message.clone(),
    }
}

const MESSAGE_FIELDS: &[&str] = &[
    "message",
    "detail",
    "error",
    "error_description",
    "description",
    "msg",
];

/// Fields of list-like keys whose strings are messages (`"errors": ["…"]`).
const MESSAGE_LISTS: &[&str] = &["errors", "messages", "details", "issues", "reasons"];

/// What an error body is filled with.
struct Fill<'a> {
    violations: &'a [&'a Violation],
    status: u16,
    /// The problem type (Prism's URI for it).
    type_uri: String,
    /// The request's path (RFC 9457's `instance`).
    instance: &'a str,
}

/// A violation's message, naming the field it is about (`organization_membership.member_id:
/// "x" is not of type "integer"`).
fn named_message(violation: &Violation) -> String {
    let field = field_path(violation);
    // Other kinds (missing, not found, conflict…) name what they are about already.
    let is_schema = matches!(violation.kind, ViolationKind::Schema(_));
    // Parameters' messages name them (`Request query parameter page: …`).
    let named_already = violation
        .location
        .last()
        .is_some_and(|last| violation.message.contains(&format!("{last}:")));
    if !is_schema || field.is_empty() || named_already {
        violation.message.clone()
    } else {
        format!("{field}: {}", violation.message)
    }
}

/// The field a violation is about, dotted (`organization_membership.member_id`), without its
/// place in the request (`request`, `body`).
fn field_path(violation: &Violation) -> String {
    violation
        .location
        .iter()
        .skip(2)
        .cloned()
        .collect::<Vec<_>>()
        .join(".")
}

/// Writes the violations into the message-like fields of a generated error body: a string
/// message gets them all, a list of objects with a message gets one entry per violation, a
/// list of strings one message each; the status, the problem `type` and `instance` get their
/// real values, so that no generated filler is left where the violations can say something.
/// `at` is the pointer of `value` in the body; the pointers of the fields written are added
/// to `written`.
fn fill(value: &mut Value, context: &Fill<'_>, at: &str, written: &mut Vec<String>) {
    let Value::Object(object) = value else { return };
    let top = at.is_empty();
    // An object with a message of its own is the error; objects inside it are its details
    // (Stripe's error carries the payment intent it was about), not more places for it.
    let is_the_error = object
        .iter()
        .any(|(key, field)| MESSAGE_FIELDS.contains(&key.as_str()) && field.is_string());
    let violations = context.violations;
    let summary = violations
        .iter()
        .map(|v| named_message(v))
        .collect::<Vec<_>>()
        .join("; ");
    for (key, field) in object.iter_mut() {
        let mut pointer = at.to_string();
        crate::pointer::push_segment(&mut pointer, key);
        let is_written = match field {
            Value::String(text) if MESSAGE_FIELDS.contains(&key.as_str()) => {
                *text = summary.clone();
                true
            }
            Value::String(text) if key == "title" => {
                *text = "Invalid request".into();
                true
            }
            Value::String(text) if top && key == "type" => {
                *text = context.type_uri.clone();
                true
            }
            Value::String(text) if top && key == "instance" => {
                *text = context.instance.to_string();
                true
            }
            Value::Number(_) if key == "status" || key == "statusCode" => {
                *field = json!(context.status);
                true
            }
            Value::String(text) if key == "code" => {
                *text = violations
                    .first()
                    .map(|v| v.keyword().to_string())
                    .unwrap_or_default();
                true
            }
            Value::Array(items) if items.first().is_some_and(has_message_field) => {
                let template = items[0].clone();
                *items = violations.iter().map(|v| entry_for(&template, v)).collect();
                for (index, entry) in items.iter().enumerate() {
                    let keys = entry.as_object().into_iter().flat_map(|o| o.keys());
                    for key in keys.filter(|k| entry_field(k).is_some()) {
                        let mut inner = format!("{pointer}/{index}");
                        crate::pointer::push_segment(&mut inner, key);
                        written.push(inner);
                    }
                }
                false
            }
            Value::Array(items)
                if MESSAGE_LISTS.contains(&key.as_str()) && items.iter().all(Value::is_string) =>
            {
                *items = violations
                    .iter()
                    .map(|v| Value::String(named_message(v)))
                    .collect();
                true
            }
            Value::Object(_) if !is_the_error => {
                fill(field, context, &pointer, written);
                false
            }
            _ => false,
        };
        if is_written {
            written.push(pointer);
        }
    }
}

/// The error body of schema `id` with the violations of `context` written into the template
/// generated for `seed`, without filler (see [`without_filler`]).
fn error_body(
    api: &CompiledApi,
    generated: &GeneratedValues,
    id: SchemaId,
    seed: u64,
    context: &Fill<'_>,
) -> Value {
    let fits = |value: &Value| api.schemas.is_valid(id, value);
    let template = generated.generated(api, id, seed);
    let filled = |template: &Value| {
        let mut filled = template.clone();
        let mut written = Vec::new();
        fill(&mut filled, context, "", &mut written);
        (filled, written)
    };
    // Finding the filler takes a check of the body per optional field (a score of them in
    // Stripe's error), so it is found once per template and number of violations: refusals
    // are answered at the rate of any other answer.
    let pruned = generated.error_template(api, id, seed, context.violations.len(), || {
        let (body, written) = filled(&template.value);
        let removed = without_filler(body, &written, &fits).1;
        let mut pruned = template.value.clone();
        for pointer in &removed {
            remove_property(&mut pruned, pointer);
        }
        pruned
    });
    let (body, _) = filled(&pruned);
    if fits(&body) {
        return body;
    }
    // These words do not fit where others did (a message's `maxLength`, say): the filler is
    // looked for again for them.
    let (body, written) = filled(&template.value);
    let body = without_filler(body, &written, &fits).0;
    // The filled body, unless filling broke a valid one (a schema no value can follow, say a
    // `oneOf` of two alike, leaves both invalid: the words that name the violations are worth
    // more than filler).
    if fits(&body) || !template.valid {
        body
    } else {
        template.value.clone()
    }
}

/// `body` without the optional fields its violations did not fill (see [`fill`]), and the
/// pointers of those left out: generated filler says nothing about the error, and Stripe's
/// error object declares a score of optional ones (a whole payment intent among them).
/// Outermost first, each is left out where the body still `fits` its schema without it; what
/// holds a written field stays.
fn without_filler(
    mut body: Value,
    written: &[String],
    fits: &dyn Fn(&Value) -> bool,
) -> (Value, Vec<String>) {
    let holds_written = |pointer: &str| {
        written.iter().any(|w| {
            w == pointer
                || w.strip_prefix(pointer)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    let mut candidates = Vec::new();
    field_pointers(&body, String::new(), &mut candidates);
    let mut removed: Vec<String> = Vec::new();
    for pointer in candidates {
        let inside_removed = removed.iter().any(|r| {
            pointer
                .strip_prefix(r.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        });
        if inside_removed || holds_written(&pointer) {
            continue;
        }
        let mut trial = body.clone();
        if remove_property(&mut trial, &pointer) && fits(&trial) {
            body = trial;
            removed.push(pointer);
        }
    }
    (body, removed)
}

/// The pointers of every object property in `value`, each before those inside it.
fn field_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                let mut pointer = at.clone();
                crate::pointer::push_segment(&mut pointer, key);
                out.push(pointer.clone());
                field_pointers(inner, pointer, out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                field_pointers(item, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

fn has_message_field(item: &Value) -> bool {
    item.as_object().is_some_and(|o| {
        MESSAGE_FIELDS
            .iter()
            .any(|k| o.get(*k).is_some_and(Value::is_string))
    })
}

/// One list entry describing `violation`, shaped like `template`.
fn entry_for(template: &Value, violation: &Violation) -> Value {
    let mut entry: Map<String, Value> = template.as_object().cloned().unwrap_or_default();
    let field_path = field_path(violation);
    for (key, value) in entry.iter_mut() {
        if !value.is_string() {
            continue;
        }
        let replacement = match entry_field(key) {
            Some(EntryField::Message) => named_message(violation),
            Some(EntryField::Keyword) => violation.keyword().to_string(),
            Some(EntryField::Path) => field_path.clone(),
            None => continue,
        };
        *value = Value::String(replacement);
    }
    Value::Object(entry)
}

/// What a field of a list entry describing a violation says.
enum EntryField {
    Message,
    Keyword,
    Path,
}

fn entry_field(key: &str) -> Option<EntryField> {
    match key {
        k if MESSAGE_FIELDS.contains(&k) => Some(EntryField::Message),
        "type" | "code" | "keyword" => Some(EntryField::Keyword),
        "field" | "path" | "property" | "pointer" | "parameter" => Some(EntryField::Path),
        _ => None,
    }
}
