//! Requests understudy sends for an API: the callbacks an operation declares, sent after its
//! answer to the URL the request named, and webhooks fired through the admin API, each
//! answer checked against the contract.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use understudy::http::{HttpOptions, app};
use understudy::mock::EngineOptions;

/// What a receiver got: method, path and query, headers, body.
type Received = Arc<Mutex<Vec<(String, String, axum::http::HeaderMap, Value)>>>;

/// A receiver on a real socket: `/broken` answers 500, anything else 204.
async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let log = received.clone();
    let router = Router::new().fallback(move |request: Request| {
        let log = log.clone();
        async move {
            let (parts, body) = request.into_parts();
            let bytes: Bytes = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let target = parts.uri.to_string();
            let status = if target.starts_with("/broken") {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::NO_CONTENT
            };
            log.lock()
                .unwrap()
                .push((parts.method.to_string(), target, parts.headers, body));
            status
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{address}"), received)
}

fn mock() -> Router {
    let contract = fixture_contract("callbacks.yaml");
    app(
        engine(&contract, EngineOptions::default()),
        HttpOptions::default(),
    )
}

#[tokio::test]
async fn a_callback_goes_to_the_url_the_request_named_with_a_declared_body_and_no_credentials() {
    let (base, received) = receiver().await;
    let router = mock();
    let body = json!({"callbackUrl": format!("{base}/events")}).to_string();
    let answer = send(
        &router,
        "POST",
        "/subscriptions",
        &[
            ("authorization", "Bearer secret-of-the-client"),
            ("content-type", "application/json"),
        ],
        &body,
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let id = answer.json()["id"].clone();
    let deadline = Instant::now() + Duration::from_secs(5);
    while received.lock().unwrap().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let calls = received.lock().unwrap().clone();
    assert_eq!(calls.len(), 1, "expected one callback, got {calls:?}");
    let (method, target, headers, body) = &calls[0];
    assert_eq!(method, "POST");
    assert_eq!(target, &format!("/events?subscription={id}"));
    assert!(
        headers.get("authorization").is_none(),
        "expected the client's credentials kept home, got {headers:?}"
    );
    assert_eq!(
        body["event"], "created",
        "expected a body valid under the callback's schema: {body}"
    );
    assert!(body["id"].is_i64(), "{body}");
    let journal = send(&router, "GET", "/__understudy/requests", &[], "")
        .await
        .json();
    let outgoing: Vec<&Value> = journal
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["session"] == "outgoing")
        .collect();
    assert_eq!(
        (
            outgoing.len(),
            &outgoing[0]["operation"],
            &outgoing[0]["status"]
        ),
        (1, &json!("callback onEvent"), &json!(204)),
        "expected the callback in the journal: {journal}"
    );
}

#[tokio::test]
async fn a_webhook_is_fired_on_demand_and_the_receivers_answer_judged() {
    let (base, received) = receiver().await;
    let router = mock();
    let fire = async |url: String, body: Option<Value>| {
        let mut asked = json!({"url": url});
        if let Some(body) = body {
            asked["body"] = body;
        }
        send(
            &router,
            "POST",
            "/__understudy/webhooks/memberAdded",
            &[("content-type", "application/json")],
            &asked.to_string(),
        )
        .await
    };
    let report = fire(format!("{base}/hooks"), None).await;
    assert_eq!(report.status, 200, "{}", report.text());
    let report = report.json();
    assert_eq!(report["received"]["status"], 204, "{report}");
    assert_eq!(report["conforms"], true, "{report}");
    assert!(
        report["sent"]["body"]["memberId"].is_string(),
        "expected a generated body: {report}"
    );
    let given = fire(format!("{base}/hooks"), Some(json!({"memberId": "m-1"})))
        .await
        .json();
    assert_eq!(
        received.lock().unwrap().last().unwrap().3,
        json!({"memberId": "m-1"}),
        "{given}"
    );
    let broken = fire(format!("{base}/broken"), None).await.json();
    assert_eq!(
        (&broken["received"]["status"], &broken["conforms"]),
        (&json!(500), &json!(false)),
        "expected an undeclared 500 judged as breaking the contract: {broken}"
    );
    let refused = fire(format!("{base}/hooks"), Some(json!({"memberId": 5}))).await;
    assert_eq!(
        refused.status,
        422,
        "expected a body breaking the webhook's schema refused: {}",
        refused.text()
    );
    let unknown = send(
        &router,
        "POST",
        "/__understudy/webhooks/nope",
        &[("content-type", "application/json")],
        &json!({"url": base}).to_string(),
    )
    .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text());
}
