//! OpenAPI 3.2 documents: loaded as 3.1 (the same JSON Schema) plus what 3.2 adds.

mod common;

use common::*;

struct Case {
    name: &'static str,
    method: &'static str,
    uri: &'static str,
    body: &'static str,
    status: u16,
}

const CASES: &[Case] = &[
    Case {
        name: "a QUERY with a valid body is answered as declared",
        method: "QUERY",
        uri: "/search",
        body: r#"{"text": "rex"}"#,
        status: 200,
    },
    Case {
        name: "a QUERY body is checked against its schema",
        method: "QUERY",
        uri: "/search",
        body: r#"{"text": ""}"#,
        status: 422,
    },
    Case {
        name: "a query string read whole by its form schema",
        method: "GET",
        uri: "/pets?name=rex&limit=3&tags=a&tags=b",
        body: "",
        status: 200,
    },
    Case {
        name: "a query string field beyond its bound is refused",
        method: "GET",
        uri: "/pets?limit=30",
        body: "",
        status: 422,
    },
    Case {
        name: "a query string field its schema does not allow is refused",
        method: "GET",
        uri: "/pets?color=red",
        body: "",
        status: 422,
    },
    Case {
        name: "a method of additionalOperations is routed like the others",
        method: "PURGE",
        uri: "/cache/pets",
        body: "",
        status: 204,
    },
    Case {
        name: "a method the path does not declare is a 405",
        method: "GET",
        uri: "/cache/pets",
        body: "",
        status: 405,
    },
];

#[tokio::test]
async fn the_query_method_additional_operations_and_a_whole_query_string_are_served() {
    let contract = fixture_contract("openapi32/methods.yaml");
    assert_eq!(contract.apis[0].api.operations.len(), 3);
    let router = router(&contract);
    let mut failures = Vec::new();
    for case in CASES {
        let headers: &[(&str, &str)] = if case.body.is_empty() {
            &[]
        } else {
            &[("content-type", "application/json")]
        };
        let answer = send(&router, case.method, case.uri, headers, case.body).await;
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
        if let Some((api, operation)) = contract.find_operation(case.method, case.uri) {
            let problems = contract_problems(api, operation, &answer);
            if !problems.is_empty() {
                failures.push(format!(
                    "{}: the answer breaks the contract: {problems:?}",
                    case.name
                ));
            }
        } else if answer.status == 405 {
            let allow = answer.header("allow").unwrap_or_default();
            if allow != "PURGE" {
                failures.push(format!(
                    "{}: expected `Allow: PURGE`, got {allow:?}",
                    case.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
