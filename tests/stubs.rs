//! Stubs (WireMock's, layered on the contract): registered through the admin API, matched by
//! operation and request, templated from the request, used up by `times`, ordered by
//! `priority`, scoped to a session, delayed without holding anything up, and refused when
//! their answer would break the contract.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use understudy::http::{HttpOptions, app};
use understudy::mock::EngineOptions;

/// The stubs fixture answered from the contract alone (its examples), so that what the
/// stubs answer stands out.
fn stub_router() -> axum::Router {
    let contract = fixture_contract("stubs.yaml");
    let options = EngineOptions {
        stateful: false,
        clock: understudy::state::Clock::parse("2024-01-01T00:00:00Z").unwrap(),
        ..EngineOptions::default()
    };
    app(engine(&contract, options), HttpOptions::default())
}

async fn register(router: &axum::Router, stub: Value) -> Answer {
    send(
        router,
        "POST",
        "/__understudy/stubs",
        &[("content-type", "application/json")],
        &stub.to_string(),
    )
    .await
}

async fn get(router: &axum::Router, path: &str) -> Answer {
    send(router, "GET", path, &[], "").await
}

#[tokio::test]
async fn a_stub_answers_the_requests_it_matches_and_the_contract_answers_the_rest() {
    let router = stub_router();
    let registered = register(
        &router,
        json!({
            "operation": "getThing",
            "match": {"path": {"id": "42"}, "query": {"verbose": "true"}},
            "response": {"status": 200, "body": {"id": "42", "name": "the answer", "count": 42}},
        }),
    )
    .await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    assert_eq!(registered.json()["id"], "stub-1");

    let stubbed = get(&router, "/things/42?verbose=true").await;
    assert_eq!(stubbed.status, 200);
    assert_eq!(
        stubbed.json(),
        json!({"id": "42", "name": "the answer", "count": 42})
    );
    assert_eq!(stubbed.header("content-type"), Some("application/json"));
    let other = get(&router, "/things/43?verbose=true").await;
    assert_ne!(
        other.json()["name"],
        "the answer",
        "expected the contract to answer id 43"
    );
    let without_query = get(&router, "/things/42").await;
    assert_ne!(without_query.json()["name"], "the answer");

    let journal = get(&router, "/__understudy/requests").await.json();
    assert_eq!(
        journal[0]["stub"], "stub-1",
        "expected the journal to name the stub"
    );
    assert!(journal[1].get("stub").is_none());
}

#[tokio::test]
async fn a_stub_whose_answer_breaks_the_contract_is_refused_with_the_violations_unless_lenient() {
    let router = stub_router();
    let lying = json!({
        "operation": "getThing",
        "response": {"status": 200, "body": {"id": 42, "name": "wrong id type", "count": -1}},
    });
    let refused = register(&router, lying.clone()).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_json_snapshot("stubs_refused_for_an_invalid_body", &refused.json());
    let undeclared = register(
        &router,
        json!({"operation": "getThing", "response": {"status": 418}}),
    )
    .await;
    assert_eq!(undeclared.status, 422);
    assert!(
        undeclared.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("declares no 418")),
        "{}",
        undeclared.text()
    );
    assert_eq!(
        get(&router, "/__understudy/stubs").await.json(),
        json!([]),
        "expected nothing registered"
    );

    let mut lenient = lying;
    lenient["lenient"] = json!(true);
    assert_eq!(register(&router, lenient).await.status, 201);
    let answer = get(&router, "/things/1").await;
    assert_eq!(
        answer.json()["id"],
        42,
        "expected the lenient stub's body as given"
    );
    let noted = answer
        .header("sl-violations")
        .unwrap_or_default()
        .to_string();
    assert!(
        noted.contains("response") && noted.contains("count"),
        "expected sl-violations to say how the answer breaks the contract, received {noted:?}"
    );
}

#[tokio::test]
async fn templates_fill_the_answer_from_the_request() {
    let router = stub_router();
    let registered = register(
        &router,
        json!({
            "method": "POST",
            "path": "/things",
            "match": {"body": {"regex": {"/owner/email": "@example\\.com$"}}},
            "response": {
                "status": 201,
                "headers": {"X-Request-Id": "{{uuid}}"},
                "body": {
                    "id": "{{request.body.owner.id}}-{{seq}}",
                    "name": "{{request.body.name}} for {{request.headers.x-request-id}} at {{now}}",
                    "count": "{{request.body.owner.id}}",
                },
            },
        }),
    )
    .await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    let mut answers = Vec::new();
    for name in ["lamp", "desk"] {
        let answer = send(
            &router,
            "POST",
            "/things",
            &[
                ("content-type", "application/json"),
                ("x-request-id", "r-9"),
            ],
            &json!({"name": name, "owner": {"id": 7, "email": "ada@example.com"}}).to_string(),
        )
        .await;
        assert_eq!(answer.status, 201, "{}", answer.text());
        let mut seen = answer.json();
        seen["x-request-id header"] = json!(answer.header("x-request-id"));
        answers.push(seen);
    }
    assert_json_snapshot("stubs_templated_from_the_request", &answers);
    let unmatched = send(
        &router,
        "POST",
        "/things",
        &[("content-type", "application/json")],
        &json!({"name": "chair", "owner": {"id": 8, "email": "bob@elsewhere.org"}}).to_string(),
    )
    .await;
    assert_ne!(
        unmatched.json()["name"],
        "chair for ",
        "expected the regex not to match"
    );
}

#[tokio::test]
async fn a_rendered_answer_that_breaks_the_contract_is_not_sent() {
    let router = stub_router();
    let registered = register(
        &router,
        json!({
            "operation": "getThing",
            "response": {"status": 200, "body": {"id": "{{request.path.id}}", "name": "n", "count": "{{request.query.count}}"}},
        }),
    )
    .await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    // `count` renders as the text "many": not an integer.
    let answer = get(&router, "/things/5?count=many").await;
    assert_eq!(answer.status, 200);
    assert_ne!(answer.json()["count"], "many");
    assert!(
        contract_problems_for(&answer).is_empty(),
        "expected the contract's own answer"
    );
    let noted = answer
        .header("sl-violations")
        .unwrap_or_default()
        .to_string();
    assert!(
        noted.contains("stub-1 matched but its answer breaks the contract"),
        "{noted}"
    );
}

/// The contract's problems with a `GET /things/{id}` answer.
fn contract_problems_for(answer: &Answer) -> Vec<String> {
    let contract = fixture_contract("stubs.yaml");
    let (api, operation) = contract.find_operation("GET", "/things/1").unwrap();
    contract_problems(api, operation, answer)
}

#[tokio::test]
async fn times_and_priority_make_a_sequence_first_unavailable_then_the_example() {
    let router = stub_router();
    for stub in [
        json!({"id": "normally", "operation": "getThing", "priority": 5,
               "response": {"status": 200, "example": "owned"}}),
        json!({"id": "first-call-fails", "operation": "getThing", "priority": 1, "times": 1,
               "response": {"status": 503, "headers": {"Retry-After": "2"}}}),
    ] {
        let registered = register(&router, stub).await;
        assert_eq!(registered.status, 201, "{}", registered.text());
    }
    let first = get(&router, "/things/7").await;
    assert_eq!(
        (first.status, first.header("retry-after")),
        (503, Some("2"))
    );
    for _ in 0..2 {
        let next = get(&router, "/things/7").await;
        assert_eq!(next.status, 200);
        assert_eq!(next.json()["name"], "owned thing");
    }
    assert_eq!(
        get(&router, "/__understudy/stubs/normally").await.json()["response"]["example"],
        "owned"
    );
    let removed = send(&router, "DELETE", "/__understudy/stubs/normally", &[], "").await;
    assert_eq!(removed.status, 204);
    get(&router, "/things/7").await;
    let journal = get(&router, "/__understudy/requests").await.json();
    let stubs: Vec<&Value> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.get("stub").unwrap_or(&Value::Null))
        .collect();
    assert_eq!(
        stubs,
        [
            &json!("first-call-fails"),
            &json!("normally"),
            &json!("normally"),
            &Value::Null
        ],
        "expected the removed stub to answer no more"
    );
    let again = send(&router, "DELETE", "/__understudy/stubs/normally", &[], "").await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn a_stub_for_one_session_leaves_the_others_alone() {
    let router = stub_router();
    let registered = register(
        &router,
        json!({"operation": "getThing", "session": "alice",
               "response": {"status": 404, "body": {"message": "not for alice"}}}),
    )
    .await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    let alice = send(
        &router,
        "GET",
        "/things/1",
        &[("x-understudy-session", "alice")],
        "",
    )
    .await;
    assert_eq!(alice.status, 404);
    let bob = send(
        &router,
        "GET",
        "/things/1",
        &[("x-understudy-session", "bob")],
        "",
    )
    .await;
    assert_eq!(bob.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_stub_holds_up_only_its_own_answer() {
    let router = stub_router();
    let registered = register(
        &router,
        json!({"operation": "getThing", "match": {"path": {"id": "slow"}},
               "response": {"status": 200, "delay": "600ms",
                            "body": {"id": "slow", "name": "late", "count": 0}}}),
    )
    .await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    let started = Instant::now();
    let slow = tokio::spawn({
        let router = router.clone();
        async move { get(&router, "/things/slow").await }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    for n in 0..50 {
        let fast = get(&router, &format!("/things/{n}")).await;
        assert_eq!(fast.status, 200);
    }
    let fast_done = started.elapsed();
    assert!(
        fast_done < Duration::from_millis(500),
        "expected 50 other requests answered while the slow one waits, took {fast_done:?}"
    );
    let slow = slow.await.unwrap();
    assert_eq!(slow.json()["name"], "late");
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "expected the stub's delay to be kept, answered after {:?}",
        started.elapsed()
    );
}
