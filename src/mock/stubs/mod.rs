//! Stubs: the particular answers a test asks for ("this membership is an owner", "the first
//! call fails"), layered on the contract as WireMock's are, and refused when their answer
//! would break it: a stub is checked against the operation's declared response when it is
//! registered and again, rendered, when it answers.

mod matching;
mod spec;
mod template;

use std::sync::RwLock;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use ::http::HeaderMap;
use ::http::header::CONTENT_TYPE;
use bytes::Bytes;
use serde_json::{Map, Value, json};

pub use matching::{Regexes, Seen, compile_regexes};
pub use spec::{BodyMatch, Match, StubResponse, StubSpec};

use super::cache::stable_hash;
use super::choice::find_example;
use super::message::{Fault, MockRequest, MockResponse, SlViolation};
use super::reject::sl_violation;
use crate::contract::{CompiledApi, Contract, Operation, json_media};
use crate::headers;
use crate::media;
use crate::validate::{ObservedResponse, cookie_pairs, declared_response, response_violations};
use crate::violation::Violation;

/// The stubs a server holds, newest last.
#[derive(Default)]
pub struct Stubs {
    registered: RwLock<Vec<Registered>>,
    next: AtomicU64,
    /// How many are registered, read without the lock: most servers have none, and their
    /// requests should not pay for looking.
    count: AtomicUsize,
}

struct Registered {
    /// As registered, with its id.
    spec: StubSpec,
    /// The API (by name) and operation (by id) it answers.
    api: String,
    operation: String,
    /// The path given, when it names one concrete path rather than the template.
    concrete_path: Option<String>,
    regex: Regexes,
    delay: Option<Duration>,
    fault: Option<Fault>,
    /// Registration order: among equal priorities the newest answers.
    order: u64,
    /// Answers left (`times`), or `u32::MAX` for no limit.
    remaining: AtomicU32,
    /// Answers given, for `{{seq}}`.
    answered: AtomicU64,
}

/// Why a stub was not registered: in words, and the contract's rules its answer breaks.
#[derive(Debug)]
pub struct Refused {
    pub message: String,
    pub violations: Vec<Violation>,
}

impl Refused {
    fn because(message: impl Into<String>) -> Refused {
        Refused {
            message: message.into(),
            violations: Vec::new(),
        }
    }
}

/// A request, as a stub looks at it.
pub struct StubCall<'a> {
    pub api: &'a CompiledApi,
    pub operation: &'a Operation,
    pub request: &'a MockRequest,
    /// Path parameters, decoded.
    pub path_params: &'a [(String, String)],
    pub session: &'a str,
    pub json_body: Option<&'a Value>,
    /// The engine's clock, RFC 3339, for `{{now}}`.
    pub now: &'a str,
    pub seed: u64,
}

/// A stub's answer.
pub struct StubAnswer {
    pub id: String,
    pub response: MockResponse,
    pub delay: Option<Duration>,
    pub fault: Option<Fault>,
}

impl Stubs {
    /// Registers `spec` after checking it against `contract`; returns it with its id.
    pub fn register(&self, contract: &Contract, mut spec: StubSpec) -> Result<StubSpec, Refused> {
        let (api, operation) = target(contract, &spec)?;
        let status = spec.response.status;
        if !operation.declares_answer_for(status) {
            return Err(Refused {
                message: format!(
                    "{} declares no {status} answer (nor {}XX, nor default)",
                    operation.id,
                    status / 100
                ),
                violations: Vec::new(),
            });
        }
        if spec.response.body.is_some() && spec.response.example.is_some() {
            return Err(Refused::because(
                "a stub answers with `body` or with `example`, not both",
            ));
        }
        if let Some(body) = spec.response.body.as_ref().filter(|_| spec.template) {
            template::check(body).map_err(Refused::because)?;
        }
        let regex = compile_regexes(&spec.matcher).map_err(Refused::because)?;
        let delay = spec
            .response
            .delay
            .as_ref()
            .map(parse_delay)
            .transpose()
            .map_err(Refused::because)?;
        let fault = spec
            .response
            .fault
            .as_deref()
            .map(Fault::parse)
            .transpose()
            .map_err(Refused::because)?;
        let order = self.next.fetch_add(1, Ordering::Relaxed);
        let id = spec
            .id
            .clone()
            .unwrap_or_else(|| format!("stub-{}", order + 1));
        spec.id = Some(id.clone());
        let concrete_path = spec.path.clone().filter(|p| !p.contains('{'));
        let registered = Registered {
            api: api.api.name.clone(),
            operation: operation.id.clone(),
            concrete_path,
            regex,
            delay,
            fault,
            order,
            remaining: AtomicU32::new(spec.times.unwrap_or(u32::MAX)),
            answered: AtomicU64::new(0),
            spec: spec.clone(),
        };
        // What can be checked now is: the status, the headers, and a body without templates
        // (one with templates is checked each time it renders).
        let templated =
            spec.template
                && spec.response.body.as_ref().is_some_and(|b| {
                    serde_json::to_string(b).is_ok_and(|t| template::is_template(&t))
                });
        // A connection fault sends no answer: there is nothing to check.
        let answers = registered.fault.as_ref().is_none_or(Fault::sends_answer);
        if !spec.lenient && !templated && answers {
            let response = build(operation, &registered, &Value::Null).map_err(Refused::because)?;
            let violations = check(api, operation, &response);
            if !violations.is_empty() {
                return Err(Refused {
                    message: format!(
                        "the stub's answer breaks {}'s declared {status} response \
                         (`\"lenient\": true` allows it, flagged on every answer)",
                        operation.id
                    ),
                    violations,
                });
            }
        }
        let mut stubs = self.registered.write().unwrap_or_else(|p| p.into_inner());
        stubs.retain(|s| s.spec.id.as_deref() != Some(&id));
        stubs.push(registered);
        self.count.store(stubs.len(), Ordering::Release);
        Ok(spec)
    }

    pub fn is_empty(&self) -> bool {
        self.count.load(Ordering::Acquire) == 0
    }

    /// Every stub, oldest first, as registered.
    pub fn list(&self) -> Vec<StubSpec> {
        let stubs = self.registered.read().unwrap_or_else(|p| p.into_inner());
        stubs.iter().map(|s| s.spec.clone()).collect()
    }

    /// One stub by id.
    pub fn get(&self, id: &str) -> Option<StubSpec> {
        self.list()
            .into_iter()
            .find(|s| s.id.as_deref() == Some(id))
    }

    /// Removes the stub `id`, or every stub; whether any was removed.
    pub fn remove(&self, id: Option<&str>) -> bool {
        let mut stubs = self.registered.write().unwrap_or_else(|p| p.into_inner());
        let before = stubs.len();
        match id {
            Some(id) => stubs.retain(|s| s.spec.id.as_deref() != Some(id)),
            None => stubs.clear(),
        }
        self.count.store(stubs.len(), Ordering::Release);
        stubs.len() < before
    }

    /// The answer of the stub that matches `call` first (lowest priority, then newest), or
    /// `None`. `Err` carries a stub's rendered answer that breaks the contract (not sent).
    pub fn answer(
        &self,
        call: &StubCall<'_>,
    ) -> Option<Result<StubAnswer, (String, Vec<Violation>)>> {
        let stubs = self.registered.read().unwrap_or_else(|p| p.into_inner());
        let mut candidates: Vec<&Registered> = stubs
            .iter()
            .filter(|s| s.api == call.api.api.name && s.operation == call.operation.id)
            .filter(|s| s.matches(call))
            .collect();
        candidates.sort_by_key(|s| (s.spec.priority, std::cmp::Reverse(s.order)));
        let stub = candidates.into_iter().find(|s| s.take_one())?;
        let id = stub.spec.id.clone().unwrap_or_default();
        let seq = stub.answered.fetch_add(1, Ordering::Relaxed) + 1;
        let context = context(call, &id, seq);
        let mut response = match build(call.operation, stub, &context) {
            Ok(response) => response,
            Err(message) => {
                let violation = Violation::of(
                    crate::violation::ViolationKind::Check("stub".into()),
                    &["response", "body"],
                    message,
                );
                return Some(Err((id, vec![violation])));
            }
        };
        let answers = stub.fault.as_ref().is_none_or(Fault::sends_answer);
        let violations = if answers {
            check(call.api, call.operation, &response)
        } else {
            Vec::new()
        };
        if !violations.is_empty() {
            if !stub.spec.lenient {
                return Some(Err((id, violations)));
            }
            response.warnings = violations.iter().map(sl_violation).collect();
        }
        response.operation = Some(call.operation.id.clone());
        Some(Ok(StubAnswer {
            id,
            response,
            delay: stub.delay,
            fault: stub.fault,
        }))
    }
}

/// The note an answer carries when a stub matched but its rendered answer broke the contract
/// (the contract answered instead).
pub fn refused_note(id: &str, violations: &[Violation]) -> SlViolation {
    let reasons: Vec<String> = violations.iter().map(|v| v.message.clone()).collect();
    SlViolation {
        location: vec!["stub".into(), id.to_string()],
        severity: "Warning",
        code: "stub".into(),
        message: format!(
            "stub {id} matched but its answer breaks the contract ({}); answered from the \
             contract instead",
            reasons.join("; ")
        ),
    }
}

impl Registered {
    fn matches(&self, call: &StubCall<'_>) -> bool {
        let spec = &self.spec;
        if spec.session.as_deref().is_some_and(|s| s != call.session) {
            return false;
        }
        if self
            .concrete_path
            .as_deref()
            .is_some_and(|path| path != call.request.path)
        {
            return false;
        }
        spec.matcher.is_empty()
            || spec
                .matcher
                .differences(&seen(call), &self.regex)
                .is_empty()
    }

    /// Uses up one of the stub's answers; `false` when none is left.
    fn take_one(&self) -> bool {
        self.remaining
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| match left {
                u32::MAX => Some(u32::MAX),
                0 => None,
                n => Some(n - 1),
            })
            .is_ok()
    }
}

/// The operation a stub answers: by `operation` (an `operationId`), or by `method` and
/// `path`.
fn target<'c>(
    contract: &'c Contract,
    spec: &StubSpec,
) -> Result<(&'c CompiledApi, &'c Operation), Refused> {
    if let Some(id) = &spec.operation {
        let found: Vec<(&CompiledApi, &Operation)> = contract
            .apis
            .iter()
            .flat_map(|api| api.api.operations.iter().map(move |o| (api, o)))
            .filter(|(_, o)| &o.id == id)
            .collect();
        return match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(Refused::because(format!(
                "no operation has the operationId {id:?}"
            ))),
            _ => Err(Refused::because(format!(
                "several contracts have an operation {id:?}: name it by `method` and `path`"
            ))),
        };
    }
    let (Some(method), Some(path)) = (&spec.method, &spec.path) else {
        return Err(Refused::because(
            "a stub names its operation: `operation` (an operationId), or `method` and `path`",
        ));
    };
    contract
        .find_operation(&method.to_ascii_uppercase(), path)
        .ok_or_else(|| Refused::because(format!("the contract declares no {method} {path}")))
}

/// The request of `call` as a matcher sees it.
fn seen<'a>(call: &'a StubCall<'_>) -> Seen<'a> {
    Seen {
        path_params: call
            .path_params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect(),
        query: form_urlencoded::parse(call.request.query.as_bytes())
            .into_owned()
            .collect(),
        headers: headers::to_pairs(&call.request.headers)
            .into_iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v))
            .collect(),
        cookies: cookie_pairs(&call.request.headers).collect(),
        body: call.json_body,
    }
}

/// A delay: milliseconds, or a duration with its unit (`300ms`, `2s`).
pub fn parse_delay(value: &Value) -> Result<Duration, String> {
    match value {
        Value::Number(ms) => ms
            .as_u64()
            .map(Duration::from_millis)
            .ok_or_else(|| format!("the delay {ms} is not a whole number of milliseconds")),
        Value::String(text) => humantime::parse_duration(text)
            .map_err(|e| format!("the delay {text:?} is not a duration (`300ms`, `2s`): {e}")),
        other => Err(format!("the delay {other} is not a duration")),
    }
}

/// What templates see: the request, `now`, `uuid` and `seq`.
fn context(call: &StubCall<'_>, id: &str, seq: u64) -> Value {
    let request = call.request;
    let path: Map<String, Value> = call
        .path_params
        .iter()
        .map(|(n, v)| (n.clone(), Value::String(v.clone())))
        .collect();
    let mut query = Map::new();
    for (name, value) in form_urlencoded::parse(request.query.as_bytes()).into_owned() {
        query.entry(name).or_insert(Value::String(value));
    }
    let mut header_map = Map::new();
    for (name, value) in headers::to_pairs(&request.headers) {
        header_map
            .entry(name.to_ascii_lowercase())
            .or_insert(Value::String(value));
    }
    let cookies: Map<String, Value> = cookie_pairs(&request.headers)
        .map(|(n, v)| (n.to_string(), Value::String(v.to_string())))
        .collect();
    let body = call
        .json_body
        .cloned()
        .unwrap_or_else(|| Value::String(String::from_utf8_lossy(&request.body).into_owned()));
    json!({
        "request": {
            "method": request.method,
            "url": if request.query.is_empty() { request.path.clone() } else { format!("{}?{}", request.path, request.query) },
            "path": path,
            "query": query,
            "headers": header_map,
            "cookies": cookies,
            "body": body,
        },
        "now": call.now,
        "uuid": uuid_from(stable_hash(&[id, &seq.to_string()]) ^ call.seed),
        "seq": seq,
    })
}

/// A version-4-shaped uuid from 64 bits (deterministic: the same stub and answer number give
/// the same uuid).
fn uuid_from(bits: u64) -> String {
    // splitmix64's finaliser: nearby inputs (answer 1, answer 2) give unrelated outputs.
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let high = mix(bits);
    let low = mix(bits.wrapping_add(0x9e37_79b9_7f4a_7c15));
    let hex = format!("{high:016x}{low:016x}");
    format!(
        "{}-{}-4{}-{}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        ["8", "9", "a", "b"][(low & 3) as usize],
        &hex[17..20],
        &hex[20..32]
    )
}

/// The stub's answer rendered over `context` (`Value::Null` when no request is at hand):
/// status, headers, and the body or the named example, written in the declared media type.
fn build(
    operation: &Operation,
    stub: &Registered,
    context: &Value,
) -> Result<MockResponse, String> {
    let declared = &stub.spec.response;
    let status = declared.status;
    let literal = !stub.spec.template;
    let mut response_headers = HeaderMap::new();
    for (name, value) in &declared.headers {
        let value = if literal {
            value.clone()
        } else {
            template::render_text(value, context)?
        };
        headers::set(&mut response_headers, name, &value);
    }
    let declared_media = declared_response(operation, status).map(|r| &r.content[..]);
    let media = declared_media.and_then(|content| {
        let given = headers::text(&response_headers, "content-type");
        match given {
            Some(given) => content
                .iter()
                .find(|m| media::essence(&m.media_type) == media::essence(&given)),
            None => json_media(content).or(content.first()),
        }
    });
    let body = match (&declared.example, &declared.body) {
        (Some(name), _) => {
            let Some((value, _)) = media.and_then(|m| find_example(m, name)) else {
                return Err(format!(
                    "{} declares no example {name:?} for its {status} answer",
                    operation.id
                ));
            };
            Some(value)
        }
        (None, Some(body)) if literal => Some(body.clone()),
        (None, Some(body)) => Some(template::render_value(body, context)?),
        (None, None) => None,
    };
    let Some(body) = body else {
        return Ok(MockResponse {
            status,
            headers: response_headers,
            ..MockResponse::default()
        });
    };
    let content_type = headers::text(&response_headers, "content-type")
        .map(|t| t.into_owned())
        .or_else(|| media.map(|m| media::concrete(&m.media_type)))
        .unwrap_or_else(|| "application/json".into());
    if headers::text(&response_headers, "content-type").is_none() {
        headers::set(&mut response_headers, CONTENT_TYPE.as_str(), &content_type);
    }
    let bytes = match (&body, media::answered_as_json(&content_type)) {
        (Value::String(text), false) => Bytes::from(text.clone()),
        _ => Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
    };
    Ok(MockResponse {
        status,
        headers: response_headers,
        body: bytes,
        ..MockResponse::default()
    })
}

/// The contract's rules `response` breaks.
fn check(api: &CompiledApi, operation: &Operation, response: &MockResponse) -> Vec<Violation> {
    response_violations(
        api,
        operation,
        &ObservedResponse {
            status: response.status,
            headers: &response.headers,
            body: &response.body,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn a_uuid_from_bits_has_the_shape_of_a_version_4_uuid() {
        let uuid = uuid_from(0x0123_4567_89ab_cdef);
        let shape =
            Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
                .unwrap();
        assert!(shape.is_match(&uuid), "{uuid}");
        assert_eq!(uuid, uuid_from(0x0123_4567_89ab_cdef));
    }
}
