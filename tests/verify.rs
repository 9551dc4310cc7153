//! Verification (WireMock's): the journal filtered, requests that matched no operation, and
//! `POST /__understudy/verify` answering 200 when the journal holds the expected count of
//! matching requests, 417 with a readable report of the nearest misses when not.

mod common;

use common::*;
use serde_json::{Value, json};
use understudy::http::{HttpOptions, app};
use understudy::mock::EngineOptions;

fn router() -> axum::Router {
    let contract = fixture_contract("stubs.yaml");
    let options = EngineOptions {
        stateful: false,
        clock: understudy::state::Clock::parse("2024-01-01T00:00:00Z").unwrap(),
        ..EngineOptions::default()
    };
    app(engine(&contract, options), HttpOptions::default())
}

async fn some_traffic(router: &axum::Router) {
    let json_type = ("content-type", "application/json");
    for (method, path, headers, body) in [
        (
            "GET",
            "/things/1?verbose=true",
            vec![("x-request-id", "a")],
            String::new(),
        ),
        (
            "GET",
            "/things/2",
            vec![("authorization", "Bearer s3cret")],
            String::new(),
        ),
        (
            "POST",
            "/things",
            vec![json_type],
            json!({"name": "lamp", "owner": {"id": 7, "email": "a@example.com"}}).to_string(),
        ),
        ("GET", "/nowhere", vec![], String::new()),
        ("DELETE", "/things/1", vec![], String::new()),
    ] {
        send(router, method, path, &headers, &body).await;
    }
}

async fn verify(router: &axum::Router, body: Value) -> Answer {
    send(
        router,
        "POST",
        "/__understudy/verify",
        &[("content-type", "application/json")],
        &body.to_string(),
    )
    .await
}

#[tokio::test]
async fn the_journal_is_filtered_and_lists_what_matched_no_operation_without_secrets() {
    let router = router();
    some_traffic(&router).await;
    let get = |query: &'static str| {
        let router = router.clone();
        async move {
            send(
                &router,
                "GET",
                &format!("/__understudy/requests{query}"),
                &[],
                "",
            )
            .await
            .json()
        }
    };
    let all = get("").await;
    assert_eq!(all.as_array().unwrap().len(), 5);
    assert!(
        !all.to_string().contains("s3cret"),
        "expected no secret in the journal: {all}"
    );
    assert_eq!(all[0]["path_params"], json!({"id": "1"}));
    assert_eq!(all[0]["headers"]["x-request-id"], "a");
    assert_eq!(all[2]["body"]["owner"]["id"], 7);
    let gets = get("?operation=getThing").await;
    assert_eq!(gets.as_array().unwrap().len(), 2);
    let by_method = get("?method=post&status=201").await;
    assert_eq!(by_method.as_array().unwrap().len(), 1);
    let since = get("?since=3").await;
    assert_eq!(
        since
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].clone())
            .collect::<Vec<_>>(),
        [json!(4), json!(5)]
    );
    let unmatched = get("/unmatched").await;
    assert_eq!(unmatched.as_array().unwrap().len(), 2, "{unmatched}");
    assert_eq!(unmatched[0]["path"], "/nowhere");
}

#[tokio::test]
async fn verify_answers_200_when_the_count_holds_and_417_with_the_nearest_misses_when_not() {
    let router = router();
    some_traffic(&router).await;
    let held = verify(
        &router,
        json!({"method": "GET", "path": "/things/{id}", "atLeast": 2}),
    )
    .await;
    assert_eq!(held.status, 200, "{}", held.text());
    assert_eq!(held.json()["matched"], 2);
    let by_body = verify(
        &router,
        json!({"operation": "createThing", "count": 1,
               "match": {"body": {"pointers": {"/owner/id": 7}, "regex": {"/owner/email": "@example"}}}}),
    )
    .await;
    assert_eq!(by_body.status, 200, "{}", by_body.text());

    let failed = verify(
        &router,
        json!({"operation": "getThing", "count": 1,
               "match": {"path": {"id": "2"}, "query": {"verbose": "true"}, "headers": {"X-Request-Id": "b"}}}),
    )
    .await;
    assert_eq!(failed.status, 417, "{}", failed.text());
    assert_text_snapshot(
        "verify_failure_report",
        failed.json()["report"].as_str().unwrap(),
    );
    let bad = verify(&router, json!({"operation": "getThing", "cuont": 1})).await;
    assert_eq!(bad.status, 400, "expected a misspelt field to be refused");
}
