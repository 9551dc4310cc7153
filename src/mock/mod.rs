//! The mock engine: a request in, the contract's response out. Knows no sockets and no axum;
//! the HTTP layer adapts to it, and tests call it directly.

mod admin;
mod answer;
mod envelope;
mod listing;
mod objects;
mod prefer;
mod problem;
mod reject;
mod render;
mod seed;
mod shape;
mod stateful;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

use crate::contract::{CompiledApi, Contract, MediaType, Operation, Response, SchemaId, StatusKey};
use crate::generate::{generate_valid, generate_valid_dynamic};
use crate::media;
use crate::state::{Clock, DEFAULT_SESSION, MemoryStore, Store};
use crate::validate::{CheckedRequest, ObservedRequest, check_request, cookie_pairs};
pub use problem::{PROBLEM_JSON, problem_document};
use problem::{ProblemKind, problem};
pub use reject::{reject as reject_request, sl_violation};

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

/// What `serve` does with a request that breaks the contract.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RequestValidation {
    /// Answer with the contract's error response (401, 415, 422, 400…).
    #[default]
    Enforce,
    /// Answer normally; report the violations in `sl-violations` and the log.
    Warn,
    /// Do not check requests.
    Off,
}

/// Engine settings, all of which keep output deterministic.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Seed of generated data (`--seed`).
    pub seed: u64,
    pub validate_requests: RequestValidation,
    /// Accepted credentials (`--credential`); empty accepts any well-formed one.
    pub credentials: Vec<String>,
    /// Whether operations bound to inferred resources read and change stored objects.
    pub stateful: bool,
    /// The time stamped on stored objects (`--clock`).
    pub clock: Clock,
    /// Sessions kept at most, least recently used dropped first.
    pub max_sessions: usize,
    /// Whether `/__understudy/` serves the admin API (`--no-admin` turns it off).
    pub admin: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            seed: 0,
            validate_requests: RequestValidation::Enforce,
            credentials: Vec::new(),
            stateful: true,
            clock: Clock::System,
            max_sessions: 1000,
            admin: true,
        }
    }
}

/// The header (or cookie) naming the session whose store a request uses.
pub const SESSION_HEADER: &str = "x-understudy-session";

/// Key of a cached default body: api, operation, response, media type.
type BodyKey = (usize, usize, usize, usize);

/// Key of a stateful answer's form: api, resource, response schema, envelope seed.
type FormKey = (usize, usize, SchemaId, u64);

pub struct Engine {
    contract: Arc<Contract>,
    options: EngineOptions,
    /// Default (non-dynamic) bodies are deterministic, so each is generated once.
    bodies: RwLock<HashMap<BodyKey, Bytes>>,
    /// Generated values for fixed seeds (header values), per API index.
    generated: RwLock<HashMap<(usize, SchemaId, u64), Value>>,
    /// How stateful answers are written, per (API, resource, response schema, seed).
    forms: RwLock<HashMap<FormKey, Arc<answer::Form>>>,
    /// The last tag given to a form (see `state::Stored::checked`); tags are never reused.
    form_tags: std::sync::atomic::AtomicU32,
    /// Per (api, resource): the resource object's schema.
    object_schemas: RwLock<HashMap<(usize, usize), Arc<Value>>>,
    store: Arc<dyn Store>,
    journal: admin::Journal,
}

impl Engine {
    pub fn new(contract: Arc<Contract>, options: EngineOptions) -> Engine {
        let store = Arc::new(MemoryStore::new(options.max_sessions));
        Engine {
            contract,
            options,
            bodies: RwLock::new(HashMap::new()),
            generated: RwLock::new(HashMap::new()),
            forms: RwLock::new(HashMap::new()),
            form_tags: std::sync::atomic::AtomicU32::new(0),
            object_schemas: RwLock::new(HashMap::new()),
            store,
            journal: admin::Journal::default(),
        }
    }

    /// `generate_valid` for a fixed seed, generated once. Only for seeds from a bounded set
    /// (one per operation and header), never per-request seeds.
    fn generated(&self, api: &CompiledApi, id: SchemaId, seed: u64) -> Value {
        memo(&self.generated, (api.index, id, seed), || {
            generate_valid(&api.schemas, id, seed).unwrap_or_else(|failed| failed.best)
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The session a request names (header, then cookie), or the default one.
    fn session_name(request: &MockRequest) -> String {
        if let Some(name) = request
            .header(SESSION_HEADER)
            .filter(|n| !n.trim().is_empty())
        {
            return name.trim().to_string();
        }
        cookie_pairs(&request.headers)
            .find(|(name, _)| name.eq_ignore_ascii_case(SESSION_HEADER))
            .map(|(_, value)| value.to_string())
            .unwrap_or_else(|| DEFAULT_SESSION.to_string())
    }

    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    pub fn handle(&self, request: &MockRequest) -> MockResponse {
        if self.options.admin && request.path.starts_with(admin::PREFIX) {
            return self.admin(request);
        }
        let session = Self::session_name(request);
        let response = self.answer(request, &session);
        self.journal.record(admin::JournalEntry {
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            session,
            operation: response.operation.clone(),
            status: response.status,
            violations: response.warnings.clone(),
        });
        response
    }

    fn answer(&self, request: &MockRequest, session: &str) -> MockResponse {
        let Some(route) = self.contract.routes.find(&request.path) else {
            return problem(
                ProblemKind::NoPathMatched,
                format!(
                    "The route {} hasn't been found in the specification file",
                    request.path
                ),
            );
        };
        let entry = route.entry;
        let is_head = request.method == "HEAD";
        let chosen = entry
            .operations
            .iter()
            .find(|(method, _)| *method == request.method)
            .or_else(|| {
                is_head
                    .then(|| entry.operations.iter().find(|(m, _)| m == "GET"))
                    .flatten()
            });
        let Some(&(_, op_index)) = chosen else {
            let mut allowed: Vec<&str> = entry.operations.iter().map(|(m, _)| m.as_str()).collect();
            if allowed.contains(&"GET") && !allowed.contains(&"HEAD") {
                allowed.push("HEAD");
            }
            let mut response = problem(
                ProblemKind::NoMethodMatched,
                format!(
                    "The route {} exists, but no {} operation is defined on it",
                    request.path, request.method
                ),
            );
            response.headers.push(("allow".into(), allowed.join(", ")));
            return response;
        };
        let (api, operation) = self.contract.operation(entry.api, op_index);
        let path_params = route.params(op_index);
        let checked = match self.options.validate_requests {
            RequestValidation::Off => CheckedRequest::default(),
            _ => check_request(
                api,
                operation,
                &ObservedRequest {
                    path_params: &path_params,
                    query: &request.query,
                    headers: &request.headers,
                    body: &request.body,
                    credentials: &self.options.credentials,
                },
            ),
        };
        let violations = checked.violations;
        let accepted =
            violations.is_empty() || self.options.validate_requests == RequestValidation::Warn;
        let mut response = if accepted {
            let body = checked.json_body.as_ref();
            let mut response = self
                .stateful_answer(request, body, session, &path_params, api, op_index)
                .unwrap_or_else(|| self.respond(request, entry.api, op_index, api, operation));
            response
                .warnings
                .extend(violations.iter().map(reject::sl_violation));
            response
        } else {
            let seed = self.options.seed ^ stable_hash(&[&operation.id, "rejection"]);
            reject::reject(api, operation, &violations, seed)
        };
        response.operation = Some(operation.id.clone());
        if is_head {
            response.body = Bytes::new();
        }
        response
    }

    /// The answer from stored state, for an operation bound to a resource; `None` when state
    /// is off, the client asked for a specific mock answer (`Prefer`, `__code`…), or the
    /// operation is better answered statelessly.
    fn stateful_answer(
        &self,
        request: &MockRequest,
        json_body: Option<&Value>,
        session: &str,
        params: &[(String, String)],
        api: &CompiledApi,
        op_index: usize,
    ) -> Option<MockResponse> {
        let binding = api.api.operations[op_index].binding.as_ref()?;
        let asks_for_mock = request.header("prefer").is_some()
            || form_urlencoded::parse(request.query.as_bytes()).any(|(k, _)| k.starts_with("__"));
        if !self.options.stateful || asks_for_mock {
            return None;
        }
        let call = stateful::StatefulCall {
            api,
            operation: &api.api.operations[op_index],
            binding,
            request,
            json_body,
            params: params
                .iter()
                .map(|(n, v)| {
                    let decoded = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
                    (n.clone(), decoded.into_owned())
                })
                .collect(),
        };
        let session = self.store.session(session);
        self.stateful(&call, &session)
    }

    fn respond(
        &self,
        request: &MockRequest,
        api_index: usize,
        op_index: usize,
        api: &CompiledApi,
        operation: &Operation,
    ) -> MockResponse {
        let preferences = match prefer::preferences(request.header("prefer"), &request.query) {
            Ok(p) => p,
            Err(e) => return problem(ProblemKind::InvalidPreference, e.0),
        };
        let Some((response_index, status)) = choose_response(operation, preferences.code) else {
            return match preferences.code {
                Some(code) => problem(
                    ProblemKind::NotFound,
                    format!("Requested status code {code} is not defined in the document."),
                ),
                None => problem(
                    ProblemKind::NoResponseDefined,
                    format!("{} declares no response", operation.id),
                ),
            };
        };
        let declared = &operation.responses[response_index];
        let mut response = MockResponse {
            status,
            ..MockResponse::default()
        };
        response.headers = self.response_headers(api, operation, declared);
        if declared.content.is_empty() || status == 204 || status == 304 {
            return response;
        }
        let media_types: Vec<&str> = declared
            .content
            .iter()
            .map(|m| m.media_type.as_str())
            .collect();
        let Some(media_index) = media::negotiate(&media_types, request.header("accept")) else {
            return problem(
                ProblemKind::NotAcceptable,
                format!(
                    "Unable to find content for {:?}; the operation offers {}",
                    request.header("accept").unwrap_or_default(),
                    media_types.join(", ")
                ),
            );
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
                    render::body_bytes(&content_type, &value)
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
        } else if preferences.dynamic || preferences.seed.is_some() {
            let seed = self.request_seed(request, preferences.seed);
            let value = media
                .schema
                .map(|id| {
                    generate_valid_dynamic(&api.schemas, id, seed)
                        .unwrap_or_else(|failed| failed.best)
                })
                .unwrap_or(Value::Null);
            render::body_bytes(&content_type, &value)
        } else {
            self.default_body(
                (api_index, op_index, response_index, media_index),
                api,
                operation,
                media,
                &content_type,
            )
        };
        response.headers.push(("content-type".into(), content_type));
        response.body = body;
        response
    }

    /// The first valid example, else a value generated from the schema; cached.
    fn default_body(
        &self,
        key: BodyKey,
        api: &CompiledApi,
        operation: &Operation,
        media: &MediaType,
        content_type: &str,
    ) -> Bytes {
        memo(&self.bodies, key, || {
            let value = match (media.examples.first(), media.schema) {
                (Some(example), _) => (*example.value).clone(),
                (None, Some(id)) => {
                    let seed = self.options.seed
                        ^ stable_hash(&[&operation.id, &key.2.to_string(), &media.media_type]);
                    generate_valid(&api.schemas, id, seed).unwrap_or_else(|failed| failed.best)
                }
                (None, None) => Value::Null,
            };
            render::body_bytes(content_type, &value)
        })
    }

    fn response_headers(
        &self,
        api: &CompiledApi,
        operation: &Operation,
        declared: &Response,
    ) -> Vec<(String, String)> {
        declared
            .headers
            .iter()
            .filter_map(|header| {
                let id = header.schema?;
                let seed = self.options.seed ^ stable_hash(&[&operation.id, &header.name]);
                let value = self.generated(api, id, seed);
                Some((
                    header.name.to_ascii_lowercase(),
                    render::header_value(&value),
                ))
            })
            .collect()
    }

    /// Dynamic answers are deterministic per request: the same request and seed give the
    /// same bytes.
    fn request_seed(&self, request: &MockRequest, seed: Option<u64>) -> u64 {
        seed.unwrap_or(self.options.seed)
            ^ stable_hash(&[&request.method, &request.path, &request.query])
    }
}

/// The response to serve and its status: with a preferred code, exact, then its range, then
/// `default`; without, the lowest 2xx, a `2XX` range, `default`, then the first declared.
pub(crate) fn choose_response(operation: &Operation, code: Option<u16>) -> Option<(usize, u16)> {
    let responses = &operation.responses;
    let position = |key: StatusKey| responses.iter().position(|r| r.status == key);
    match code {
        Some(code) => position(StatusKey::Code(code))
            .or_else(|| position(StatusKey::Range(code / 100)))
            .or_else(|| position(StatusKey::Default))
            .map(|i| (i, code)),
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
                    responses.first().map(|r| match r.status {
                        StatusKey::Code(c) => (0, c),
                        StatusKey::Range(d) => (0, d * 100),
                        StatusKey::Default => (0, 200),
                    })
                })
        }
    }
}

/// A named example: `(value, is valid under the schema)`.
fn find_example(media: &MediaType, name: &str) -> Option<(Value, bool)> {
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

/// The value cached under `key`, made by `make` the first time. Racing first requests may
/// both make it; the first stored wins, so every later reader sees one value.
fn memo<K: std::hash::Hash + Eq, V: Clone>(
    cache: &RwLock<HashMap<K, V>>,
    key: K,
    make: impl FnOnce() -> V,
) -> V {
    if let Some(found) = cache.read().ok().and_then(|c| c.get(&key).cloned()) {
        return found;
    }
    let made = make();
    match cache.write() {
        Ok(mut cache) => cache.entry(key).or_insert(made).clone(),
        Err(_) => made,
    }
}

/// FNV-1a over the parts: a seed derivation that must not change between Rust releases (the
/// standard library's hashers promise no stability), too small to warrant a crate.
fn stable_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}
