//! The one test harness: load specs, build the app, send requests through `oneshot`, and
//! check answers against the contract that produced them.
#![allow(dead_code)]

pub mod redis;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use serde_json::Value;
use tower::ServiceExt;
use understudy::contract::{
    CompiledApi, Contract, Operation, ParameterLocation, SecurityScheme, View, routed_path,
    written_query,
};
use understudy::generate::generate_valid;
use understudy::http::{HttpOptions, app};
use understudy::load;
use understudy::mock::{Engine, EngineOptions};
use understudy::state::{RedisOptions, RedisStore};
use understudy::validate::{ObservedResponse, response_violations};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The bundled contracts, compiled as `serve` does with no arguments.
pub fn bundled() -> Arc<Contract> {
    let specs = load::load_bundled().expect("bundled specs load");
    Arc::new(Contract::compile(&specs, &[]).expect("bundled specs compile"))
}

/// One fixture spec, mounted at `/`.
pub fn fixture_contract(name: &str) -> Arc<Contract> {
    let specs = load::load_paths(&[fixture(name)]).expect("fixture loads");
    Arc::new(Contract::compile(&specs, &[]).expect("fixture compiles"))
}

/// The tests' one engine constructor (objects stored in memory).
pub fn engine(contract: &Arc<Contract>, options: EngineOptions) -> Arc<Engine> {
    engine_on(Backend::Memory, contract, options)
}

/// Where an engine keeps its stored objects: the stateful suite runs on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    /// The shared test Redis, under a key prefix of this engine's own.
    Redis,
}

pub const BACKENDS: [Backend; 2] = [Backend::Memory, Backend::Redis];

/// An engine storing its objects on `backend`, empty.
pub fn engine_on(
    backend: Backend,
    contract: &Arc<Contract>,
    options: EngineOptions,
) -> Arc<Engine> {
    match backend {
        Backend::Memory => Arc::new(Engine::new(contract.clone(), options)),
        Backend::Redis => {
            let store = RedisStore::connect(&RedisOptions {
                url: redis::shared().url(),
                prefix: redis::fresh_prefix(),
                session_ttl: None,
                journal: None,
            })
            .expect("a store on the test Redis");
            Arc::new(Engine::with_store(
                contract.clone(),
                options,
                Arc::new(store),
            ))
        }
    }
}

/// Says, when a test fails while this lives, which backend it failed on (the assertion's
/// own message does not know).
pub struct OnBackend(pub Backend);

impl Drop for OnBackend {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("(this failure was on the {:?} store)", self.0);
        }
    }
}

/// The contract-only mock (no stored state): every operation answers from the contract.
pub fn router(contract: &Arc<Contract>) -> Router {
    let options = EngineOptions {
        seed: 0,
        stateful: false,
        ..EngineOptions::default()
    };
    app(engine(contract, options), HttpOptions::default())
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn send(
    router: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    send_body(router, method, uri, headers, Body::from(body.to_string())).await
}

/// [`send`] with a body of any kind (one that fails while it is read, say).
pub async fn send_body(
    router: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Body,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(body).expect("request builds");
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router never fails");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body reads")
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// A URI for `operation` with every path parameter filled by a value valid under its schema
/// (and required query parameters too).
pub fn sample_uri(api: &CompiledApi, operation: &Operation) -> String {
    // A space in a path key (odd-paths has one) as a URL carries it.
    let mut path = format!("{}{}", api.api.mount, routed_path(&operation.path)).replace(' ', "%20");
    // What the path key writes after a `?` goes as written (it picks the operation).
    let mut query: Vec<String> = written_query(&operation.path, |name| {
        operation.declares_query_or_header(name)
    })
    .into_iter()
    .map(|(name, value)| format!("{name}={}", url_encode(&value)))
    .collect();
    for parameter in &operation.parameters {
        let value = parameter
            .schema
            .map(|id| generate_valid(&api.schemas, id, 1).unwrap_or_else(|failed| failed.best))
            .unwrap_or(Value::String("x".into()));
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let encoded: String = url_encode(&text);
        match parameter.location {
            ParameterLocation::Path => {
                path = path.replace(&format!("{{{}}}", parameter.name), &encoded)
            }
            ParameterLocation::Query if parameter.required => {
                query.push(format!("{}={encoded}", parameter.name))
            }
            _ => {}
        }
    }
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A request to `operation` that keeps its contract: sample URI, credentials for its first
/// security requirement, required headers, and a generated body. `(uri, headers, body)`.
pub fn valid_request(
    api: &CompiledApi,
    operation: &Operation,
) -> (String, Vec<(String, String)>, String) {
    let mut uri = sample_uri(api, operation);
    let mut headers = Vec::new();
    for scheme in operation
        .security
        .first()
        .map(|r| r.schemes.as_slice())
        .unwrap_or_default()
    {
        match scheme {
            SecurityScheme::ApiKey {
                name,
                location: ParameterLocation::Query,
            } => {
                uri.push(if uri.contains('?') { '&' } else { '?' });
                uri.push_str(&format!("{name}=test-key"));
            }
            SecurityScheme::ApiKey {
                name,
                location: ParameterLocation::Cookie,
            } => headers.push(("cookie".into(), format!("{name}=test-key"))),
            SecurityScheme::ApiKey { name, .. } => headers.push((name.clone(), "test-key".into())),
            SecurityScheme::HttpBasic => {
                headers.push(("authorization".into(), "Basic dXNlcjpwYXNz".into()))
            }
            SecurityScheme::Bearer => {
                headers.push(("authorization".into(), "Bearer test-token".into()))
            }
            SecurityScheme::Unchecked(_) => {}
        }
    }
    let mut body = String::new();
    if let Some(media) = operation
        .request_body
        .as_ref()
        .and_then(|b| b.content.first())
    {
        let value = media
            .schema
            .map(|id| generate_valid(&api.schemas, id, 1).unwrap_or_else(|failed| failed.best))
            .unwrap_or(Value::Null);
        if media.media_type.starts_with("multipart/form-data") {
            // One part per field, each the field's value as text.
            const BOUNDARY: &str = "understudy-test-boundary";
            for (name, field) in value.as_object().into_iter().flatten() {
                let text = field
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or(field.to_string());
                body.push_str(&format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{text}\r\n"
                ));
            }
            body.push_str(&format!("--{BOUNDARY}--\r\n"));
            headers.push((
                "content-type".into(),
                format!("multipart/form-data; boundary={BOUNDARY}"),
            ));
        } else {
            body = serde_json::to_string(&value).unwrap();
            headers.push(("content-type".into(), media.media_type.clone()));
        }
    }
    for parameter in &operation.parameters {
        let already = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(&parameter.name));
        if parameter.location == ParameterLocation::Header && parameter.required && !already {
            let value = parameter
                .schema
                .map(|id| generate_valid(&api.schemas, id, 1).unwrap_or_else(|failed| failed.best))
                .unwrap_or(Value::Null);
            headers.push((
                parameter.name.clone(),
                value
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or(value.to_string()),
            ));
        }
    }
    (uri, headers, body)
}

/// Every violation of the contract in an answer to `operation` (the self-check).
pub fn contract_problems(api: &CompiledApi, operation: &Operation, answer: &Answer) -> Vec<String> {
    let observed = ObservedResponse {
        status: answer.status,
        headers: &answer.headers,
        body: &answer.body,
    };
    response_violations(api, operation, &observed)
        .into_iter()
        .map(|v| {
            format!(
                "{} {:?}: {} ({})",
                operation.id,
                v.location,
                v.message,
                v.keyword()
            )
        })
        .collect()
}

/// Asserts that `answer`, to `method` `uri`, breaks nothing of the operation `contract` finds
/// for it.
pub fn assert_within_contract(contract: &Contract, method: &str, uri: &str, answer: &Answer) {
    let (api, operation) = contract
        .find_operation(method, uri)
        .unwrap_or_else(|| panic!("expected an operation declared for {method} {uri}"));
    let problems = contract_problems(api, operation, answer);
    assert!(
        problems.is_empty(),
        "{method} {uri}: expected an answer valid under the contract, got {problems:#?}: {}",
        answer.text()
    );
}

/// Sends a sample request to every operation of `contract` and returns each answer with the
/// contract problems found in it.
pub async fn answer_every_operation(
    contract: &Arc<Contract>,
) -> Vec<(String, String, Answer, Vec<String>)> {
    answer_every_operation_through(contract, &router(contract)).await
}

/// As [`answer_every_operation`], through any router (the mock, or a proxy in front of it).
pub async fn answer_every_operation_through(
    contract: &Arc<Contract>,
    router: &Router,
) -> Vec<(String, String, Answer, Vec<String>)> {
    let mut out = Vec::new();
    for api in &contract.apis {
        for operation in &api.api.operations {
            let (uri, headers, body) = valid_request(api, operation);
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let answer = send(router, &operation.method, &uri, &headers, &body).await;
            let problems = contract_problems(api, operation, &answer);
            out.push((
                format!("{} {}", operation.method, uri),
                operation.id.clone(),
                answer,
                problems,
            ));
        }
    }
    out
}

/// Compares `value` with `snapshots/NAME.snap` (the one place snapshot settings live).
pub fn assert_json_snapshot(name: &str, value: &impl serde::Serialize) {
    // Relative to this file, tests/common/.
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_json_snapshot!(name, value);
    });
}

/// Compares `text` with `snapshots/NAME.snap`.
pub fn assert_text_snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

/// The request view is used when generating request data.
pub const REQUEST: View = View::Request;

/// A request and the status its answer must have (the answer must keep the contract too).
pub struct StatusCase {
    pub name: &'static str,
    pub method: &'static str,
    pub uri: &'static str,
    pub headers: &'static [(&'static str, &'static str)],
    pub body: &'static str,
    pub status: u16,
}

/// What went wrong with each of `cases` sent to `router`: another status than expected (with
/// the body received), or an answer that breaks the operation's contract.
pub async fn status_case_failures(
    contract: &Arc<Contract>,
    router: &Router,
    cases: &[StatusCase],
) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let answer = send(router, case.method, case.uri, case.headers, case.body).await;
        if answer.status != case.status {
            failures.push(format!(
                "{}: expected {}, got {}: {}",
                case.name,
                case.status,
                answer.status,
                answer.text()
            ));
            continue;
        }
        let path = case.uri.split('?').next().unwrap_or(case.uri);
        if let Some((api, operation)) = contract.find_operation(case.method, path) {
            let problems = contract_problems(api, operation, &answer);
            if !problems.is_empty() {
                failures.push(format!(
                    "{}: the answer breaks the contract: {problems:?}",
                    case.name
                ));
            }
        }
    }
    failures
}
