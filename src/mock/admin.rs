//! The admin API under `/__understudy/` (never routed to a contract), for test suites:
//! `GET health`, `GET state` (dump, per session), `DELETE state` (reset), `PUT state` (load
//! what `GET state` dumped), `GET requests` (the journal, filtered), `GET requests/unmatched`,
//! `POST verify`, `stubs`, `webhooks/NAME`. `?session=NAME` picks one session.

use ::http::HeaderMap;
use ::http::header::{CONTENT_TYPE, HeaderValue};
use bytes::Bytes;
use serde_json::{Value, json};

use super::journal::Journal;
use super::message::{MockRequest, MockResponse};
use super::problem::problem_document;
use super::stubs::{StubSpec, Stubs};
use super::verify;
use crate::contract::Contract;
use crate::state::{DEFAULT_SESSION, Store, StoreError};

pub const PREFIX: &str = "/__understudy/";

/// `POST /__understudy/webhooks/NAME` with `{"url": "http://…", "body": {…}?}`: the webhook,
/// made ready for the HTTP layer to send; it answers with what the receiver said.
fn fire_webhook(request: &MockRequest, contract: &Contract, name: &str) -> MockResponse {
    let asked: Value = match serde_json::from_slice(&request.body) {
        Ok(value) => value,
        Err(e) => return problem(400, format!("the body is not JSON: {e}")),
    };
    let Some(url) = asked.get("url").and_then(Value::as_str) else {
        return problem(400, "the body names no `url` to send the webhook to".into());
    };
    let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
    let Some(api) = contract
        .apis
        .iter()
        .find(|api| api.api.webhooks.iter().any(|w| w.name == name))
    else {
        return problem(404, format!("the contract declares no webhook {name:?}"));
    };
    let seed = crate::mock::cache::stable_hash(&[&name, url]);
    match super::outgoing::webhook(api, &name, url, asked.get("body"), seed) {
        Ok(call) => MockResponse {
            status: 202,
            operation: Some("understudy-admin".into()),
            outgoing: vec![call],
            ..MockResponse::default()
        },
        Err(message) => problem(422, message),
    }
}

/// `POST stubs`: registers the stub in the body (JSON, or YAML with a YAML content type);
/// 201 with it, or 422 saying why it was refused.
fn register_stub(request: &MockRequest, contract: &Contract, stubs: &Stubs) -> MockResponse {
    let yaml = request
        .header("content-type")
        .is_some_and(|t| t.contains("yaml"));
    let parsed: Result<StubSpec, String> = if yaml {
        serde_yaml_ng::from_slice(&request.body).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice(&request.body).map_err(|e| e.to_string())
    };
    let spec = match parsed {
        Ok(spec) => spec,
        Err(e) => return problem(400, format!("the body is not a stub: {e}")),
    };
    match stubs.register(contract, spec) {
        Ok(stub) => json_response(201, &json!(stub)),
        Err(refused) => {
            let violations: Vec<&crate::violation::Violation> = refused.violations.iter().collect();
            MockResponse {
                operation: Some("understudy-admin".into()),
                ..problem_document(
                    422,
                    None,
                    "Stub refused",
                    refused.message,
                    Some(&violations)
                        .filter(|v| !v.is_empty())
                        .map(|v| v.as_slice()),
                )
            }
        }
    }
}

fn no_content() -> MockResponse {
    MockResponse {
        status: 204,
        operation: Some("understudy-admin".into()),
        ..MockResponse::default()
    }
}

/// `GET requests?operation=&method=&path=&status=&session=&since=`: the entries that have
/// every value given (`since`: an entry number, after which, or an RFC 3339 time, from which).
fn filtered(entries: Vec<Value>, query: &str) -> Vec<Value> {
    let wanted: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    entries
        .into_iter()
        .filter(|entry| {
            wanted.iter().all(|(name, value)| match name.as_str() {
                "since" => match value.parse::<u64>() {
                    Ok(id) => entry["id"].as_u64().is_some_and(|e| e > id),
                    Err(_) => entry["at"].as_str().is_some_and(|at| at >= value.as_str()),
                },
                "status" => value.parse::<u64>().ok() == entry["status"].as_u64(),
                "method" => entry["method"]
                    .as_str()
                    .is_some_and(|m| m.eq_ignore_ascii_case(value)),
                "operation" | "path" | "session" | "stub" => entry[name.as_str()] == *value,
                _ => true,
            })
        })
        .collect()
}

/// `GET state`: `{session: dump}` for one session or every one.
fn dump(store: &dyn Store, session: Option<String>) -> Result<Value, StoreError> {
    let names = match session {
        Some(name) => vec![name],
        None => store.sessions()?,
    };
    let mut dump = serde_json::Map::new();
    for name in names {
        let data = crate::state::read(store, &name, |data| data.dump())?;
        dump.insert(name, data);
    }
    Ok(Value::Object(dump))
}

fn store_unavailable(error: &StoreError) -> MockResponse {
    MockResponse {
        operation: Some("understudy-admin".into()),
        ..super::problem::store_unavailable(error)
    }
}

fn json_response(status: u16, body: &Value) -> MockResponse {
    MockResponse {
        status,
        headers: HeaderMap::from_iter([(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )]),
        body: Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
        operation: Some("understudy-admin".into()),
        ..MockResponse::default()
    }
}

fn problem(status: u16, detail: String) -> MockResponse {
    MockResponse {
        operation: Some("understudy-admin".into()),
        ..problem_document(status, None, "Admin request refused", detail, None)
    }
}

/// The answer of the admin API to `request` (whose path starts with [`PREFIX`]).
pub fn answer(
    request: &MockRequest,
    contract: &Contract,
    store: &dyn Store,
    journal: &Journal,
    stubs: &Stubs,
) -> MockResponse {
    let endpoint = request
        .path
        .trim_start_matches(PREFIX)
        .trim_end_matches('/');
    let session = form_urlencoded::parse(request.query.as_bytes())
        .find(|(k, _)| k == "session")
        .map(|(_, v)| v.into_owned());
    match (request.method.as_str(), endpoint) {
        ("GET", "health") => {
            // A replica whose store cannot be reached cannot answer stateful requests: a load
            // balancer reading 503 sends them elsewhere.
            let sessions = store.sessions();
            let (status, store_status) = match &sessions {
                Ok(_) => (200, json!("ok")),
                Err(e) => (503, json!(e.to_string())),
            };
            json_response(
                status,
                &json!({
                    "status": if status == 200 { "ok" } else { "degraded" },
                    "apis": contract.apis.len(),
                    "operations": contract.apis.iter().map(|a| a.api.operations.len()).sum::<usize>(),
                    "sessions": sessions.as_ref().map_or(0, Vec::len),
                    "store": store.name(),
                    "store_status": store_status,
                }),
            )
        }
        ("GET", "state") => match dump(store, session) {
            Ok(dump) => json_response(200, &dump),
            Err(e) => store_unavailable(&e),
        },
        ("DELETE", "state") => match store.reset(session.as_deref()) {
            Ok(()) => MockResponse {
                status: 204,
                operation: Some("understudy-admin".into()),
                ..MockResponse::default()
            },
            Err(e) => store_unavailable(&e),
        },
        ("PUT", "state") => {
            let name = session.unwrap_or_else(|| DEFAULT_SESSION.to_string());
            let Ok(text) = std::str::from_utf8(&request.body) else {
                return problem(400, "the body is not UTF-8".into());
            };
            match crate::state::write(store, &name, |data| data.load(text)) {
                Ok(Ok(())) => MockResponse {
                    status: 204,
                    operation: Some("understudy-admin".into()),
                    ..MockResponse::default()
                },
                Ok(Err(message)) => problem(400, message),
                Err(e) => store_unavailable(&e),
            }
        }
        ("GET", "requests") => match journal.entries(store) {
            Ok(entries) => json_response(200, &Value::Array(filtered(entries, &request.query))),
            Err(e) => store_unavailable(&e),
        },
        ("GET", "requests/unmatched") => match journal.entries(store) {
            Ok(entries) => json_response(
                200,
                &Value::Array(
                    entries
                        .into_iter()
                        .filter(|e| e["operation"].is_null())
                        .collect(),
                ),
            ),
            Err(e) => store_unavailable(&e),
        },
        ("POST", "verify") => match journal.entries(store) {
            Ok(entries) => verify::answer(&request.body, &entries),
            Err(e) => store_unavailable(&e),
        },
        ("DELETE", "requests") => match journal.clear(store) {
            Ok(()) => MockResponse {
                status: 204,
                operation: Some("understudy-admin".into()),
                ..MockResponse::default()
            },
            Err(e) => store_unavailable(&e),
        },
        ("POST", "stubs") => register_stub(request, contract, stubs),
        ("GET", "stubs") => json_response(200, &json!(stubs.list())),
        ("DELETE", "stubs") => {
            stubs.remove(None);
            no_content()
        }
        ("GET", endpoint) if endpoint.starts_with("stubs/") => {
            match stubs.get(&endpoint["stubs/".len()..]) {
                Some(stub) => json_response(200, &json!(stub)),
                None => problem(404, format!("no stub {:?}", &endpoint["stubs/".len()..])),
            }
        }
        ("DELETE", endpoint) if endpoint.starts_with("stubs/") => {
            if stubs.remove(Some(&endpoint["stubs/".len()..])) {
                no_content()
            } else {
                problem(404, format!("no stub {:?}", &endpoint["stubs/".len()..]))
            }
        }
        ("POST", endpoint) if endpoint.starts_with("webhooks/") => {
            fire_webhook(request, contract, &endpoint["webhooks/".len()..])
        }
        _ => problem(
            404,
            format!(
                "no admin endpoint {} {}; see README (health, state, requests, stubs, webhooks)",
                request.method, request.path
            ),
        ),
    }
}
