//! Answers from the contract, for operations not answered from stored state: the declared
//! response `Prefer` asks for (or the first success), negotiated with `Accept`, with a named
//! example, a value generated per request, or the default body (first valid example, else
//! generated), made once per response and media type.

use bytes::Bytes;
use serde_json::Value;

use super::cache::{Memo, stable_hash};
use super::choice::{choose_response, find_example};
use super::generated::GeneratedValues;
use super::message::{MockRequest, MockResponse, SlViolation};
use super::options::EngineOptions;
use super::prefer;
use super::problem::{ProblemKind, problem};
use super::reject::error_response;
use super::render;
use crate::contract::{CompiledApi, MediaType, Operation, is_final};
use crate::generate::{generate_valid, generate_valid_dynamic};
use crate::headers;
use crate::media;
use crate::violation::{Violation, ViolationKind};

/// Key of a cached default body: api, operation, response, media type.
type BodyKey = (usize, usize, usize, usize);

/// What answering from the contract keeps between requests.
#[derive(Default)]
pub struct ContractAnswers {
    /// Default (non-dynamic) bodies are deterministic, so each is generated once.
    bodies: Memo<BodyKey, Bytes>,
}

impl ContractAnswers {
    /// The contract's answer to `request` for `operation` (at `(api, operation)` indexes): the
    /// response `Prefer` asks for or the first success, with a named example, a dynamic
    /// value, or the cached default body.
    pub fn respond(
        &self,
        options: &EngineOptions,
        generated: &GeneratedValues,
        request: &MockRequest,
        (api_index, op_index): (usize, usize),
        api: &CompiledApi,
        operation: &Operation,
    ) -> MockResponse {
        let preferences =
            match prefer::preferences(request.header("prefer").as_deref(), &request.query) {
                Ok(p) => p,
                Err(e) => return problem(ProblemKind::InvalidPreference, e.0),
            };
        let Some((response_index, status)) = choose_response(operation, preferences.code) else {
            return match preferences.code {
                Some(code) if !is_final(code) => problem(
                    ProblemKind::InvalidPreference,
                    format!(
                        "Requested status code {code} is informational: HTTP sends it ahead of \
                         an answer, never as one."
                    ),
                ),
                Some(code) => problem(
                    ProblemKind::NotFound,
                    format!("Requested status code {code} is not defined in the document."),
                ),
                // An operation without responses (3.1 allows it) promises nothing: an empty
                // success breaks nothing it says. One declaring only informational statuses
                // (`100`, `101`) declares no answer HTTP can send: the same, and says so.
                None => MockResponse {
                    status: 204,
                    warnings: if operation.responses.is_empty() {
                        Vec::new()
                    } else {
                        vec![SlViolation {
                            location: vec!["response".into(), "status".into()],
                            severity: "Warning",
                            code: "informational".into(),
                            message: format!(
                                "{} declares only informational statuses, which HTTP sends \
                                 ahead of an answer or to switch protocols, never as the \
                                 answer: 204 with no body",
                                operation.id
                            ),
                        }]
                    },
                    ..MockResponse::default()
                },
            };
        };
        let declared = &operation.responses[response_index];
        let mut response = MockResponse {
            status,
            ..MockResponse::default()
        };
        response.headers = generated.response_headers(options.seed, api, operation, declared);
        if declared.content.is_empty() {
            return response;
        }
        let media_types: Vec<&str> = declared
            .content
            .iter()
            .map(|m| m.media_type.as_str())
            .collect();
        let accept = request.header("accept");
        if status == 204 || status == 304 {
            // No content, but a declared media type (a Swagger 2.0 `produces`) is named:
            // the answer's type is what the contract says, with nothing in it.
            let index = media::negotiate(&media_types, accept.as_deref()).unwrap_or(0);
            let content_type = media::concrete(media_types[index]);
            headers::set(&mut response.headers, "content-type", &content_type);
            return response;
        }
        let media_index = match media::negotiate(&media_types, accept.as_deref()) {
            Some(index) => index,
            // HTTP lets a server disregard `Accept` instead of answering 406 (RFC 9110,
            // 12.5.1); without a declared 406 (or `4XX`, or `default`), that is what keeps the
            // answer within the contract.
            None if !operation.declares_answer_for(406) => {
                media::negotiate(&media_types, None).unwrap_or(0)
            }
            None => {
                let violation = Violation::of(
                    ViolationKind::ContentType,
                    &["request", "header", "accept"],
                    format!(
                        "Unable to find content for {:?}; the operation offers {}",
                        accept.unwrap_or_default(),
                        media_types.join(", ")
                    ),
                );
                let seed = options.seed ^ stable_hash(&[&operation.id, "not acceptable"]);
                if let Some(refusal) = error_response(
                    api,
                    operation,
                    &request.path,
                    &[406],
                    "NOT_ACCEPTABLE",
                    &[&violation],
                    seed,
                    generated,
                ) {
                    return refusal;
                }
                media::negotiate(&media_types, None).unwrap_or(0)
            }
        };
        let media = &declared.content[media_index];
        let content_type = media::concrete(&media.media_type);
        let body = if let Some(name) = &preferences.example {
            match find_example(media, name) {
                Some((value, valid)) => {
                    if !valid {
                        response.warnings.push(SlViolation {
                            location: vec!["response".into(), "body".into()],
                            severity: "Warning",
                            code: "example".into(),
                            message: format!("The example {name:?} is not valid under the response schema (served because it was asked for)"),
                        });
                    }
                    render::schema_body(&content_type, &value, api, media.schema)
                }
                None => {
                    return problem(
                        ProblemKind::NotFound,
                        format!(
                            "Response for contentType: {} and exampleKey: {name} does not exist.",
                            media.media_type
                        ),
                    );
                }
            }
        } else if preferences.dynamic || preferences.seed.is_some() || options.dynamic {
            let seed = request_seed(options, request, preferences.seed);
            let value = media
                .schema
                .map(|id| {
                    generate_valid_dynamic(&api.schemas, id, seed)
                        .unwrap_or_else(|failed| failed.best)
                })
                .unwrap_or(Value::Null);
            render::schema_body(&content_type, &value, api, media.schema)
        } else {
            self.default_body(
                options,
                (api_index, op_index, response_index, media_index),
                api,
                operation,
                media,
                &content_type,
            )
        };
        headers::set(&mut response.headers, "content-type", &content_type);
        response.body = body;
        response
    }

    /// The first valid example, else a value generated from the schema; cached.
    fn default_body(
        &self,
        options: &EngineOptions,
        key: BodyKey,
        api: &CompiledApi,
        operation: &Operation,
        media: &MediaType,
        content_type: &str,
    ) -> Bytes {
        self.bodies.get_or_make(key, || {
            let seed =
                options.seed ^ stable_hash(&[&operation.id, &key.2.to_string(), &media.media_type]);
            if let Some(id) = media.item_schema {
                // A sequence (server-sent events, JSON lines): a few items, each valid under
                // the item schema, framed as the media type frames them.
                let items: Vec<Value> = (0..options.stream_items as u64)
                    .map(|i| {
                        generate_valid(&api.schemas, id, seed.wrapping_add(i))
                            .unwrap_or_else(|failed| failed.best)
                    })
                    .collect();
                let framing = crate::sequence::framing(&media::essence(content_type));
                return Bytes::from(crate::sequence::write(framing, &items));
            }
            let example = media.examples.first().filter(|_| !options.ignore_examples);
            let value = match (example, media.schema) {
                (Some(example), _) => (*example.value).clone(),
                (None, Some(id)) if options.ignore_examples => {
                    generate_valid_dynamic(&api.schemas, id, seed)
                        .unwrap_or_else(|failed| failed.best)
                }
                (None, Some(id)) => {
                    generate_valid(&api.schemas, id, seed).unwrap_or_else(|failed| failed.best)
                }
                (None, None) => Value::Null,
            };
            render::schema_body(content_type, &value, api, media.schema)
        })
    }
}

/// Dynamic answers are deterministic per request: the same request and seed give the same
/// bytes.
fn request_seed(options: &EngineOptions, request: &MockRequest, seed: Option<u64>) -> u64 {
    seed.unwrap_or(options.seed) ^ stable_hash(&[&request.method, &request.path, &request.query])
}
