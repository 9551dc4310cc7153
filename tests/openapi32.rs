//! OpenAPI 3.2 documents: loaded as 3.1 (the same JSON Schema) plus what 3.2 adds.

mod common;

use common::*;

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

const CASES: &[StatusCase] = &[
    StatusCase {
        name: "a QUERY with a valid body is answered as declared",
        method: "QUERY",
        uri: "/search",
        headers: JSON,
        body: r#"{"text": "rex"}"#,
        status: 200,
    },
    StatusCase {
        name: "a QUERY body is checked against its schema",
        method: "QUERY",
        uri: "/search",
        headers: JSON,
        body: r#"{"text": ""}"#,
        status: 422,
    },
    StatusCase {
        name: "a query string read whole by its form schema",
        method: "GET",
        uri: "/pets?name=rex&limit=3&tags=a&tags=b",
        headers: &[],
        body: "",
        status: 200,
    },
    StatusCase {
        name: "a query string field beyond its bound is refused",
        method: "GET",
        uri: "/pets?limit=30",
        headers: &[],
        body: "",
        status: 422,
    },
    StatusCase {
        name: "a query string field its schema does not allow is refused",
        method: "GET",
        uri: "/pets?color=red",
        headers: &[],
        body: "",
        status: 422,
    },
    StatusCase {
        name: "a method of additionalOperations is routed like the others",
        method: "PURGE",
        uri: "/cache/pets",
        headers: &[],
        body: "",
        status: 204,
    },
    StatusCase {
        name: "a method the path does not declare is a 405",
        method: "GET",
        uri: "/cache/pets",
        headers: &[],
        body: "",
        status: 405,
    },
];

#[tokio::test]
async fn the_query_method_additional_operations_and_a_whole_query_string_are_served() {
    let contract = fixture_contract("openapi32/methods.yaml");
    assert_eq!(contract.apis[0].api.operations.len(), 3);
    let router = router(&contract);
    let failures = status_case_failures(&contract, &router, CASES).await;
    assert!(failures.is_empty(), "{failures:#?}");
    let refused = send(&router, "GET", "/cache/pets", &[], "").await;
    assert_eq!(
        refused.header("allow"),
        Some("PURGE"),
        "expected the 405 to list the additional operation's method"
    );
}

#[tokio::test]
async fn sequential_media_types_stream_items_each_valid_under_the_item_schema() {
    use understudy::http::{HttpOptions, app};
    use understudy::mock::EngineOptions;
    use understudy::sequence::{Sequence, split};

    let contract = fixture_contract("openapi32/streams.yaml");
    for (uri, framing, items) in [
        ("/ticks", Sequence::EventStream, 3),
        ("/logs", Sequence::JsonLines, 3),
    ] {
        let answer = send(&router(&contract), "GET", uri, &[], "").await;
        let (api, operation) = contract.find_operation("GET", uri).unwrap();
        let problems = contract_problems(api, operation, &answer);
        assert!(
            problems.is_empty(),
            "GET {uri}: expected every item valid, got {problems:?}: {}",
            answer.text()
        );
        let parsed = split(framing, &answer.body).expect("a well-framed sequence");
        assert_eq!(parsed.len(), items, "GET {uri}: {}", answer.text());
    }
    let five = app(
        engine(
            &contract,
            EngineOptions {
                stream_items: 5,
                ..EngineOptions::default()
            },
        ),
        HttpOptions::default(),
    );
    let answer = send(&five, "GET", "/ticks", &[], "").await;
    assert_eq!(
        split(Sequence::EventStream, &answer.body).unwrap().len(),
        5,
        "expected --stream-items to set how many events are sent: {}",
        answer.text()
    );
}

#[test]
fn a_sequence_is_checked_item_by_item() {
    use understudy::validate::{ObservedResponse, response_violations};
    let contract = fixture_contract("openapi32/streams.yaml");
    let (api, operation) = contract.find_operation("GET", "/logs").unwrap();
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("content-type", "application/jsonl".parse().unwrap());
    let body =
        b"{\"level\": \"info\", \"message\": \"a\"}\n{\"level\": \"loud\", \"message\": \"b\"}\n";
    let observed = ObservedResponse {
        status: 200,
        headers: &headers,
        body,
    };
    let locations: Vec<Vec<String>> = response_violations(api, operation, &observed)
        .into_iter()
        .map(|v| v.location)
        .collect();
    assert_eq!(
        locations,
        [["response", "body", "1", "level"]],
        "expected only the second line's level reported"
    );
}

#[tokio::test]
async fn a_json_lines_upload_is_checked_line_by_line_and_data_values_are_served() {
    let contract = fixture_contract("openapi32/streams.yaml");
    let router = router(&contract);
    let ndjson = [("content-type", "application/x-ndjson")];
    let good =
        "{\"level\": \"info\", \"message\": \"a\"}\n{\"level\": \"warn\", \"message\": \"b\"}\n";
    let answer = send(&router, "POST", "/imports", &ndjson, good).await;
    assert_eq!(answer.status, 202, "{}", answer.text());
    let bad = "{\"level\": \"info\", \"message\": \"a\"}\n{\"level\": \"loud\"}\n";
    let answer = send(&router, "POST", "/imports", &ndjson, bad).await;
    assert_eq!(answer.status, 422, "{}", answer.text());
    let violations = answer.header("sl-violations").unwrap_or_default();
    assert!(
        violations.contains(r#"["request","body","1","level"]"#)
            && violations.contains(r#"["request","body","1"]"#),
        "expected the second line's level and message reported, got {violations}"
    );
    let answer = send(
        &router,
        "GET",
        "/latest",
        &[("prefer", "example=started")],
        "",
    )
    .await;
    assert_eq!(
        answer.json(),
        serde_json::json!({"level": "info", "message": "started"}),
        "expected the example's dataValue: {}",
        answer.text()
    );
}

#[test]
fn lint_reports_a_serialized_value_that_is_not_its_data_value() {
    let contract = fixture_contract("openapi32/streams.yaml");
    let warnings: Vec<String> = contract
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.location.pointer, f.message))
        .collect();
    assert_eq!(
        warnings,
        [
            "/paths/~1latest/get/responses/200/content/application~1json/examples/mismatched/serializedValue: example \"mismatched\": serializedValue is not dataValue written as JSON"
        ],
        "expected only the mismatched example reported"
    );
}
