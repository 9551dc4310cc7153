//! The validating proxy end to end: in front of a deliberately wrong upstream it catches each
//! defect; in front of `serve` it finds none; upstream failures are 502/504, never a hang;
//! recordings redact secrets and `validate` reads them back.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use common::*;
use serde_json::{Value, json};
use understudy::contract::Contract;
use understudy::http::{HttpOptions, app, proxy_app};
use understudy::mock::EngineOptions;
use understudy::proxy::{Proxy, ProxyOptions, Recorder};

fn kantata() -> Arc<Contract> {
    let specs =
        understudy::load::load_paths(&[
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/kantata.yaml")
        ])
        .unwrap();
    Arc::new(Contract::compile(&specs, &[]).unwrap())
}

async fn spawn(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

/// An upstream with one defect per route, counting the requests it gets.
async fn wrong_upstream(hits: Arc<AtomicUsize>) -> SocketAddr {
    let count = move |hits: Arc<AtomicUsize>| {
        move || {
            hits.fetch_add(1, Ordering::SeqCst);
        }
    };
    let (a, b, c, d) = (
        count(hits.clone()),
        count(hits.clone()),
        count(hits.clone()),
        count(hits),
    );
    let router = Router::new()
        .route("/organization_memberships", get(move || async move {
            a();
            ([(header::CONTENT_TYPE, "application/json")], r#"{"count":"three","meta":{"count":1,"page_count":1,"page_number":1,"page_size":20},"results":[],"organization_memberships":{}}"#)
        }).post(move || async move {
            b();
            (StatusCode::CREATED, [(header::CONTENT_TYPE, "text/plain")], "created")
        }))
        .route("/organization_memberships/{id}", get(move || async move {
            c();
            (StatusCode::IM_A_TEAPOT, "")
        }).delete(move || async move {
            d();
            StatusCode::NO_CONTENT
        }))
        .route("/slow", get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }));
    spawn(router).await
}

fn proxy(
    contract: Arc<Contract>,
    upstream: String,
    errors: bool,
    recorder: Option<Recorder>,
) -> Router {
    let options = ProxyOptions {
        upstream,
        errors,
        timeout: Duration::from_millis(500),
        recorder,
    };
    proxy_app(
        Arc::new(Proxy::new(contract, options).unwrap()),
        HttpOptions::default(),
    )
}

fn checks(answer: &Answer) -> Vec<String> {
    let header = answer.header("sl-violations").unwrap_or("[]");
    let list: Vec<Value> = serde_json::from_str(header).unwrap();
    list.iter()
        .map(|v| {
            format!(
                "{}:{}",
                v["location"][1].as_str().unwrap_or_default(),
                v["code"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

const AUTH: (&str, &str) = ("authorization", "Bearer secret-token");

#[tokio::test]
async fn each_upstream_defect_is_caught_and_reported() {
    let hits = Arc::new(AtomicUsize::new(0));
    let upstream = wrong_upstream(hits.clone()).await;
    let router = proxy(kantata(), format!("http://{upstream}"), false, None);

    let list = send(&router, "GET", "/organization_memberships", &[AUTH], "").await;
    assert_eq!(list.status, 200, "the upstream answer is passed through");
    assert_eq!(checks(&list), ["body:type"]);

    let teapot = send(&router, "GET", "/organization_memberships/1", &[AUTH], "").await;
    assert_eq!(teapot.status, 418);
    assert_eq!(checks(&teapot), ["status:status_code_conformance"]);

    let body =
        json!({"organization_membership": {"member_id": 1, "member_type": "user"}}).to_string();
    let created = send(
        &router,
        "POST",
        "/organization_memberships",
        &[AUTH, ("content-type", "application/json")],
        &body,
    )
    .await;
    assert_eq!(checks(&created), ["header:content_type_conformance"]);

    let invalid = send(
        &router,
        "GET",
        "/organization_memberships?per_page=500",
        &[AUTH],
        "",
    )
    .await;
    assert!(
        checks(&invalid).contains(&"query:maximum".to_string()),
        "{:?}",
        checks(&invalid)
    );

    let deleted = send(
        &router,
        "DELETE",
        "/organization_memberships/2",
        &[AUTH],
        "",
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert!(checks(&deleted).is_empty());
    assert_eq!(
        hits.load(Ordering::SeqCst),
        5,
        "without --errors everything is forwarded"
    );
}

#[tokio::test]
async fn with_errors_bad_requests_stay_home_and_bad_answers_become_502() {
    let hits = Arc::new(AtomicUsize::new(0));
    let upstream = wrong_upstream(hits.clone()).await;
    let router = proxy(kantata(), format!("http://{upstream}"), true, None);
    let unauthenticated = send(&router, "GET", "/organization_memberships", &[], "").await;
    assert_eq!(unauthenticated.status, 401);
    let invalid = send(
        &router,
        "GET",
        "/organization_memberships?per_page=500",
        &[AUTH],
        "",
    )
    .await;
    assert_eq!(invalid.status, 422);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "invalid requests are not forwarded"
    );
    let bad_answer = send(&router, "GET", "/organization_memberships", &[AUTH], "").await;
    assert_eq!(bad_answer.status, 502);
    assert_eq!(
        bad_answer.json()["type"],
        "https://stoplight.io/prism/errors#VIOLATIONS"
    );
    assert_eq!(
        bad_answer.json()["validation"][0]["location"],
        json!(["response", "body", "count"])
    );
}

#[tokio::test]
async fn upstream_failures_are_502_and_504_never_a_hang() {
    let unused = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let refused = proxy(kantata(), format!("http://{unused}"), false, None);
    let answer = send(&refused, "GET", "/organization_memberships", &[AUTH], "").await;
    assert_eq!(answer.status, 502, "{}", answer.text());
    assert!(answer.text().contains("UPSTREAM_UNREACHABLE"));

    let upstream = wrong_upstream(Arc::new(AtomicUsize::new(0))).await;
    let slow = proxy(kantata(), format!("http://{upstream}"), false, None);
    let started = std::time::Instant::now();
    let answer = send(&slow, "GET", "/slow", &[], "").await;
    assert_eq!(answer.status, 504);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn in_front_of_serve_nothing_is_wrong_for_3_0_or_swagger_2_0() {
    for contract in [kantata(), fixture_contract("swagger2/petstore.yaml")] {
        in_front_of_serve(contract).await;
    }
}

async fn in_front_of_serve(contract: Arc<Contract>) {
    let engine = engine(&contract, EngineOptions::default());
    let upstream = spawn(app(engine, HttpOptions::default())).await;
    let router = proxy(contract.clone(), format!("http://{upstream}"), true, None);
    for (request, operation, answer, problems) in
        answer_every_operation_through(&contract, &router).await
    {
        assert!(
            answer.status < 500,
            "{request} ({operation}): {}",
            answer.text()
        );
        assert!(
            answer.header("sl-violations").is_none(),
            "{request}: {:?}",
            answer.header("sl-violations")
        );
        assert!(problems.is_empty(), "{request}: {problems:?}");
    }
}

#[tokio::test]
async fn recordings_redact_secrets_and_validate_reads_them() {
    let upstream = wrong_upstream(Arc::new(AtomicUsize::new(0))).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recorded.jsonl");
    let contract = kantata();
    let recorder = Recorder::create(&path, Proxy::secret_headers(&contract)).unwrap();
    let router = proxy(
        contract.clone(),
        format!("http://{upstream}"),
        false,
        Some(recorder),
    );
    send(
        &router,
        "GET",
        "/organization_memberships",
        &[AUTH, ("cookie", "session=abc")],
        "",
    )
    .await;
    send(&router, "GET", "/organization_memberships/1", &[AUTH], "").await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("secret-token") && !text.contains("session=abc"),
        "{text}"
    );
    assert!(text.contains("[REDACTED]"));
    let checked: Vec<_> = understudy::recording::read(&path)
        .unwrap()
        .map(|e| understudy::validate::check_exchange(&contract, &e.unwrap()))
        .collect();
    let found: Vec<&str> = checked
        .iter()
        .flat_map(|c| c.failures.iter().map(|f| f.check.as_str()))
        .collect();
    assert_eq!(
        found,
        ["response_schema_conformance", "status_code_conformance"]
    );
}

#[tokio::test]
async fn a_har_recording_is_complete_after_every_exchange() {
    let upstream = wrong_upstream(Arc::new(AtomicUsize::new(0))).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.har");
    let contract = kantata();
    let recorder = Recorder::create(&path, Proxy::secret_headers(&contract)).unwrap();
    let router = proxy(
        contract.clone(),
        format!("http://{upstream}"),
        false,
        Some(recorder),
    );
    send(&router, "GET", "/organization_memberships", &[AUTH], "").await;
    let body =
        json!({"organization_membership": {"member_id": 1, "member_type": "user"}}).to_string();
    send(
        &router,
        "POST",
        "/organization_memberships",
        &[AUTH, ("content-type", "application/json")],
        &body,
    )
    .await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("secret-token"), "{text}");
    let exchanges: Vec<_> = understudy::recording::read(&path)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(exchanges.len(), 2);
    assert_eq!(exchanges[1].method, "POST");
    assert!(String::from_utf8_lossy(&exchanges[1].request_body).contains("member_type"));
    let found: Vec<String> = exchanges
        .iter()
        .flat_map(|e| {
            understudy::validate::check_exchange(&contract, e)
                .failures
                .into_iter()
                .map(|f| f.check)
        })
        .collect();
    assert_eq!(
        found,
        ["response_schema_conformance", "content_type_conformance"]
    );
}
