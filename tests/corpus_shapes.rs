//! Shapes of real documents that once kept them from loading (integers beyond 64 bits, `$ref`s
//! to Markdown and code, path keys no router takes, a large reference cycle): each loads, and
//! `serve` answers every operation within its contract.

mod common;

use common::*;
use serde_json::{Value, json};

const SHAPES: &[&str] = &[
    "big-integers",
    "text-refs/openapi",
    "odd-paths",
    "reference-cycle",
];

fn shape(name: &str) -> std::sync::Arc<understudy::contract::Contract> {
    fixture_contract(&format!("corpus-shapes/{name}.yaml"))
}

#[tokio::test]
async fn every_shape_answers_each_operation_within_its_contract() {
    for name in SHAPES {
        let contract = shape(name);
        let router = router(&contract);
        let mut transcript = Vec::new();
        for api in &contract.apis {
            for (index, operation) in api.api.operations.iter().enumerate() {
                let (uri, headers, body) = valid_request(api, operation);
                let path = uri.split('?').next().unwrap_or_default();
                let routed = contract.routes.find(path).is_some_and(|found| {
                    found
                        .entry
                        .operations
                        .contains(&(operation.method.clone(), index))
                });
                if !routed {
                    continue; // shadowed by an earlier operation: see the table below
                }
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                let answer = send(&router, &operation.method, &uri, &headers, &body).await;
                let problems = contract_problems(api, operation, &answer);
                assert!(
                    answer.status < 400 && problems.is_empty(),
                    "{name}: {} {uri} answered {} with {problems:#?}\n{}",
                    operation.method,
                    answer.status,
                    answer.text()
                );
                transcript.push(json!({
                    "request": format!("{} {uri}", operation.method),
                    "status": answer.status,
                    "body": answer.json(),
                }));
            }
        }
        let file = name.replace(['/', '-'], "_");
        assert_json_snapshot(&format!("corpus_shapes_{file}"), &Value::Array(transcript));
    }
}

/// One request to a shape and what it must get.
struct Case {
    name: &'static str,
    shape: &'static str,
    method: &'static str,
    uri: &'static str,
    body: &'static str,
    status: u16,
    /// A substring of the body or of `sl-violations`.
    expect: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "a path parameter up to the uint64 maximum is accepted",
        shape: "big-integers",
        method: "GET",
        uri: "/counters/18446744073709551615",
        body: "",
        status: 200,
        expect: "\"huge\"",
    },
    Case {
        name: "one past the uint64 maximum is refused",
        shape: "big-integers",
        method: "GET",
        uri: "/counters/18446744073709551616",
        body: "",
        status: 200,
        expect: "maximum",
    },
    Case {
        name: "templates equal but for names route GET to the first",
        shape: "odd-paths",
        method: "GET",
        uri: "/families/f1/objects/2",
        body: "",
        status: 200,
        expect: "\"name\"",
    },
    Case {
        name: "and PUT to the second, with its own parameter names",
        shape: "odd-paths",
        method: "PUT",
        uri: "/families/f1/objects/2",
        body: r#"{"name": "box"}"#,
        status: 200,
        expect: "\"name\"",
    },
    Case {
        name: "the second template's parameters are checked under its names",
        shape: "odd-paths",
        method: "PUT",
        uri: "/families/x1/objects/2",
        body: r#"{"name": "box"}"#,
        status: 200,
        expect: "documentFamilyId",
    },
    Case {
        name: "a method the concrete path lacks is the template's",
        shape: "odd-paths",
        method: "GET",
        uri: "/projects/1/services/jira",
        body: "",
        status: 200,
        expect: "integration",
    },
    Case {
        name: "and the concrete path keeps its own",
        shape: "odd-paths",
        method: "PUT",
        uri: "/projects/1/services/jira",
        body: "",
        status: 204,
        expect: "",
    },
    Case {
        name: "a path key with a query string routes on its path",
        shape: "odd-paths",
        method: "GET",
        uri: "/alerts?lat=52.5&lon=13.4",
        body: "",
        status: 200,
        expect: "[",
    },
    Case {
        name: "and checks the query parameters it names",
        shape: "odd-paths",
        method: "GET",
        uri: "/alerts?lat=95&lon=13.4",
        body: "",
        status: 200,
        expect: "lat",
    },
    Case {
        name: "parameters inside parentheses are matched",
        shape: "odd-paths",
        method: "GET",
        uri: "/certificates(thumbprintAlgorithm=sha1,thumbprint=AB12)",
        body: "",
        status: 200,
        expect: "thumbprint",
    },
    Case {
        name: "and validated",
        shape: "odd-paths",
        method: "GET",
        uri: "/certificates(thumbprintAlgorithm=md5,thumbprint=AB12)",
        body: "",
        status: 200,
        expect: "thumbprintAlgorithm",
    },
    Case {
        name: "several parameters in one segment are matched",
        shape: "odd-paths",
        method: "GET",
        uri: "/acme.prod.com.br/users",
        body: "",
        status: 200,
        expect: "[",
    },
    Case {
        name: "a literal prefix before a parameter wins over a bare parameter",
        shape: "odd-paths",
        method: "GET",
        uri: "/capacities/carrier@rail",
        body: "",
        status: 200,
        expect: "",
    },
    Case {
        name: "the bare parameter still routes the rest",
        shape: "odd-paths",
        method: "GET",
        uri: "/capacities/7",
        body: "",
        status: 200,
        expect: "5",
    },
    Case {
        name: "an empty segment is an empty path parameter (a string schema allows it)",
        shape: "odd-paths",
        method: "GET",
        uri: "/projects//topics",
        body: "",
        status: 200,
        expect: "topics",
    },
    Case {
        name: "and checked like any other value of it",
        shape: "odd-paths",
        method: "GET",
        uri: "/capacities/",
        body: "",
        status: 200,
        expect: r#"id: \"\" is not an integer"#,
    },
    Case {
        name: "a path key with a space is routed as clients send it",
        shape: "odd-paths",
        method: "GET",
        uri: "/reports/Monthly%20Summary",
        body: "",
        status: 200,
        expect: "total",
    },
    Case {
        name: "an extension key among the paths is not a path",
        shape: "odd-paths",
        method: "GET",
        uri: "/x-internal-note",
        body: "",
        status: 404,
        expect: "NO_PATH_MATCHED_ERROR",
    },
    Case {
        name: "a body deep in a reference cycle is checked at its own place",
        shape: "reference-cycle",
        method: "PUT",
        uri: "/nodes0/1",
        body: r#"{"name": "a", "next": {"name": "b", "next": {"name": "c", "level": 5}}}"#,
        status: 200,
        expect: r#"["request","body","next","next","level"],"severity":"Error","code":"maximum""#,
    },
];

#[tokio::test]
async fn requests_to_the_shapes_follow_the_table() {
    let mut failures = Vec::new();
    for case in CASES {
        let contract = shape(case.shape);
        let headers: &[(&str, &str)] = if case.body.is_empty() {
            &[]
        } else {
            &[("content-type", "application/json")]
        };
        let answer = send(
            &router(&contract),
            case.method,
            case.uri,
            headers,
            case.body,
        )
        .await;
        // An invalid request's violations are named in `sl-violations` (these documents
        // declare no error answer, so the declared one is sent).
        let text = format!(
            "{} {}",
            answer.text(),
            answer.header("sl-violations").unwrap_or_default()
        );
        if answer.status != case.status || !text.contains(case.expect) {
            failures.push(format!(
                "{}: {} {} answered {} {text:?}; expected {} containing {:?}",
                case.name, case.method, case.uri, answer.status, case.status, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_second_operation_on_one_route_and_method_is_a_warning_not_a_failure() {
    let contract = shape("odd-paths");
    let warnings: Vec<&str> = contract
        .findings
        .iter()
        .map(|f| f.message.as_str())
        .filter(|m| m.contains("the first answers both"))
        .collect();
    let expected = [
        "GET /families/{documentFamilyId}/objects/{id}",
        "GET /projects/{parent}/topics",
        "GET /deployments/{applicationDefinitionId}#disambiguation_dummy",
    ];
    assert!(
        warnings.len() == expected.len()
            && expected
                .iter()
                .all(|e| warnings.iter().any(|w| w.starts_with(e))),
        "expected one warning about each of {expected:?}, got {:#?}",
        contract.findings
    );
}

#[test]
fn text_files_referenced_by_a_document_become_its_strings() {
    let specs = understudy::load::load_paths(&[fixture("corpus-shapes/text-refs/openapi.yaml")])
        .expect("the document loads");
    let document = &specs[0].document;
    let read = |file: &str| {
        std::fs::read_to_string(fixture(&format!("corpus-shapes/text-refs/{file}"))).unwrap()
    };
    assert_eq!(document["info"]["description"], read("intro.md"));
    let get = &document["paths"]["/members"]["get"];
    assert_eq!(get["description"], read("list-members.md"));
    assert_eq!(
        get["x-codeSamples"][0]["source"],
        read("code/list_members.rb")
    );
    assert_eq!(
        get["x-codeSamples"][1]["source"],
        read("code/list_members.sh")
    );
}

#[tokio::test]
async fn a_request_reaching_two_operations_is_answered_within_both() {
    let contract = shape("odd-paths");
    let api = &contract.apis[0];
    let operation = |id: &str| {
        api.api
            .operations
            .iter()
            .find(|o| o.id == id)
            .unwrap_or_else(|| panic!("odd-paths declares {id}"))
    };
    let router = router(&contract);
    let reaching_both = [
        ("/projects/p1/topics", ["listTopicNames", "listTopics"]),
        ("/projects/another/topics", ["listTopicNames", "listTopics"]),
        (
            "/deployments/d1",
            ["getApplication", "getApplicationDefinition"],
        ),
    ];
    for (uri, ids) in reaching_both {
        let answer = send(&router, "GET", uri, &[], "").await;
        for id in ids {
            let problems = contract_problems(api, operation(id), &answer);
            assert!(
                answer.status == 200 && problems.is_empty(),
                "GET {uri} answered {} {}, which breaks {id}: {problems:#?}; expected a 200 \
                 valid under both operations the route reaches",
                answer.status,
                answer.text()
            );
        }
    }
}
