//! `serve` on tricky documents of our own: each operation's answer keeps its contract, and a
//! table of (spec, request, expected answer) cases pins routing and response choice.

mod common;

use common::*;
use understudy::http::{HttpOptions, app};
use understudy::mock::EngineOptions;

const FIXTURES: &[&str] = &[
    "circular.yaml",
    "multi-file/openapi.yaml",
    "types31.yaml",
    "discriminator.yaml",
    "webhooks-only.yaml",
    "responses.yaml",
    "formats.yaml",
    "wildcard-first.yaml",
    "xml-answers.yaml",
];

#[tokio::test]
async fn every_fixture_operation_answers_within_its_contract() {
    for fixture in FIXTURES {
        let contract = fixture_contract(fixture);
        for (request, operation, answer, problems) in answer_every_operation(&contract).await {
            if operation == "silent" {
                continue; // declares no response: covered by the table below
            }
            assert!(
                answer.status < 500,
                "{fixture}: {request} answered {}",
                answer.status
            );
            assert!(
                problems.is_empty(),
                "{fixture}: {request}: {problems:#?}\n{}",
                answer.text()
            );
        }
    }
}

#[tokio::test]
async fn generated_answers_stay_valid_across_many_seeds() {
    for fixture in FIXTURES {
        let contract = fixture_contract(fixture);
        let router = router(&contract);
        for api in &contract.apis {
            for operation in &api.api.operations {
                if operation.responses.is_empty() {
                    continue;
                }
                let uri = sample_uri(api, operation);
                for seed in 0..40 {
                    let prefer = format!("dynamic=true, seed={seed}");
                    let answer =
                        send(&router, &operation.method, &uri, &[("prefer", &prefer)], "").await;
                    let problems = contract_problems(api, operation, &answer);
                    assert!(
                        problems.is_empty(),
                        "{fixture} {uri} seed {seed}: {problems:#?}\n{}",
                        answer.text()
                    );
                }
            }
        }
    }
}

/// One routing or response-choice expectation.
struct Case {
    name: &'static str,
    fixture: &'static str,
    method: &'static str,
    uri: &'static str,
    headers: &'static [(&'static str, &'static str)],
    status: u16,
    /// Substrings expected in `name: value` header lines, or in the body.
    expect_header: Option<&'static str>,
    expect_body: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        name: "an answer declared as XML is XML, named as the schema's XML object says",
        fixture: "xml-answers.yaml",
        method: "GET",
        uri: "/tags",
        headers: &[],
        status: 200,
        expect_header: Some("content-type: text/xml"),
        expect_body: Some("?><TagListMessage><TagList><Tag><Key>"),
    },
    Case {
        name: "a static segment wins over a parameter",
        fixture: "types31.yaml",
        method: "GET",
        uri: "/things/search",
        headers: &[],
        status: 200,
        expect_header: None,
        expect_body: Some("[{"),
    },
    Case {
        name: "a suffix after a parameter is routed",
        fixture: "types31.yaml",
        method: "GET",
        uri: "/things/abc.json",
        headers: &[],
        status: 200,
        expect_header: None,
        expect_body: Some("\"label\""),
    },
    Case {
        name: "an unknown path is a 404 problem",
        fixture: "types31.yaml",
        method: "GET",
        uri: "/nowhere",
        headers: &[],
        status: 404,
        expect_header: Some("content-type: application/problem+json"),
        expect_body: Some("NO_PATH_MATCHED_ERROR"),
    },
    Case {
        name: "a wrong method is a 405 with Allow",
        fixture: "types31.yaml",
        method: "DELETE",
        uri: "/things/1",
        headers: &[],
        status: 405,
        expect_header: Some("allow: GET, HEAD"),
        expect_body: Some("NO_METHOD_MATCHED_ERROR"),
    },
    Case {
        name: "HEAD answers like GET without a body",
        fixture: "types31.yaml",
        method: "HEAD",
        uri: "/things/1",
        headers: &[],
        status: 200,
        expect_header: Some("content-type: application/json"),
        expect_body: None,
    },
    Case {
        name: "Prefer code picks a declared status",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/report",
        headers: &[("prefer", "code=404")],
        status: 404,
        expect_header: None,
        expect_body: Some("no such report"),
    },
    Case {
        name: "the __code query parameter stands in for Prefer",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/report?__code=404",
        headers: &[],
        status: 404,
        expect_header: None,
        expect_body: Some("no such report"),
    },
    Case {
        name: "an undeclared code is a 404 problem",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/report",
        headers: &[("prefer", "code=418")],
        status: 404,
        expect_header: None,
        expect_body: Some("Requested status code 418 is not defined"),
    },
    Case {
        name: "a malformed Prefer is a 422 problem",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/report",
        headers: &[("prefer", "code=abc")],
        status: 422,
        expect_header: None,
        expect_body: Some("three-digit"),
    },
    Case {
        name: "the first valid example is served by default",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/report",
        headers: &[],
        status: 200,
        expect_header: Some("x-rate-limit: "),
        expect_body: Some("{\"total\":1,\"lines\":[]}"),
    },
    Case {
        name: "an invalid example is served only by name, with a warning",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/report",
        headers: &[("prefer", "example=wrong")],
        status: 200,
        expect_header: Some(
            "sl-violations: [{\"location\":[\"response\",\"body\"],\"severity\":\"Warning\"",
        ),
        expect_body: Some("many"),
    },
    Case {
        name: "an unknown example name is a 404 problem",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/report?__example=nope",
        headers: &[],
        status: 404,
        expect_header: None,
        expect_body: Some("exampleKey: nope does not exist"),
    },
    Case {
        name: "Accept picks the representation",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/report",
        headers: &[("accept", "text/csv")],
        status: 200,
        expect_header: Some("content-type: text/csv"),
        expect_body: Some("total,"),
    },
    Case {
        name: "an unsatisfiable Accept gets the declared 4XX as a 406",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/ranged",
        headers: &[("accept", "image/png")],
        status: 406,
        expect_header: Some("content-type: application/problem+json"),
        expect_body: Some("title"),
    },
    Case {
        name: "an unsatisfiable Accept is disregarded where no 406 is declared",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/report",
        headers: &[("accept", "image/png")],
        status: 200,
        expect_header: Some("content-type: application/json"),
        expect_body: Some("total"),
    },
    Case {
        name: "a 2XX range answers 200",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/ranged",
        headers: &[],
        status: 200,
        expect_header: None,
        expect_body: Some("\"20"),
    },
    Case {
        name: "a preferred code falls back to its range",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/ranged",
        headers: &[("prefer", "code=409")],
        status: 409,
        expect_header: Some("content-type: application/problem+json"),
        expect_body: Some("title"),
    },
    Case {
        name: "a lone default answers 200",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/defaulted",
        headers: &[],
        status: 200,
        expect_header: None,
        expect_body: Some("\"ok\""),
    },
    Case {
        name: "an operation without responses answers 204 with no body",
        fixture: "responses.yaml",
        method: "POST",
        uri: "/silent",
        headers: &[],
        status: 204,
        expect_header: None,
        expect_body: None,
    },
    Case {
        name: "an operation declaring only an informational status answers 204 and says why",
        fixture: "informational.yaml",
        method: "GET",
        uri: "/early",
        headers: &[],
        status: 204,
        expect_header: Some("declares only informational statuses"),
        expect_body: None,
    },
    Case {
        name: "an operation declaring only 101 switching protocols answers 204 and says why",
        fixture: "informational.yaml",
        method: "GET",
        uri: "/channel",
        headers: &[],
        status: 204,
        expect_header: Some("declares only informational statuses"),
        expect_body: None,
    },
    Case {
        name: "an informational status asked for is refused as no answer",
        fixture: "responses.yaml",
        method: "GET",
        uri: "/defaulted",
        headers: &[("prefer", "code=100")],
        status: 422,
        expect_header: None,
        expect_body: Some("informational"),
    },
    Case {
        name: "a webhooks-only document routes nothing",
        fixture: "webhooks-only.yaml",
        method: "POST",
        uri: "/memberAdded",
        headers: &[],
        status: 404,
        expect_header: None,
        expect_body: Some("NO_PATH_MATCHED_ERROR"),
    },
    Case {
        name: "a discriminator names the chosen branch",
        fixture: "discriminator.yaml",
        method: "GET",
        uri: "/pets/1",
        headers: &[],
        status: 200,
        expect_header: None,
        expect_body: Some("\"petType\":\""),
    },
    Case {
        name: "a JSON answer follows application/json's schema where */* is declared first",
        fixture: "wildcard-first.yaml",
        method: "GET",
        uri: "/avatars/a1",
        headers: &[("prefer", "code=200")],
        status: 200,
        expect_header: Some("content-type: application/json"),
        expect_body: Some("\"name\":"),
    },
    Case {
        name: "an error answer follows application/json's schema where */* is declared first",
        fixture: "wildcard-first.yaml",
        method: "GET",
        uri: "/avatars/a1?size=big",
        headers: &[],
        status: 400,
        expect_header: Some("content-type: application/json"),
        expect_body: Some("{\"errorMessages\":["),
    },
    Case {
        name: "a CORS preflight is answered for any origin and header",
        fixture: "types31.yaml",
        method: "OPTIONS",
        uri: "/things/1",
        headers: &[
            ("origin", "http://app.test"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "x-api-key"),
        ],
        status: 200,
        expect_header: Some("access-control-allow-headers: x-api-key"),
        expect_body: None,
    },
    Case {
        name: "a plain OPTIONS is a 405 with Allow",
        fixture: "types31.yaml",
        method: "OPTIONS",
        uri: "/things/1",
        headers: &[],
        status: 405,
        expect_header: Some("allow: GET, HEAD"),
        expect_body: None,
    },
    Case {
        name: "CORS headers are on ordinary answers",
        fixture: "types31.yaml",
        method: "GET",
        uri: "/things/1",
        headers: &[("origin", "http://app.test")],
        status: 200,
        expect_header: Some("access-control-allow-origin: http://app.test"),
        expect_body: None,
    },
];

#[tokio::test]
async fn routing_and_response_choice_follow_the_table() {
    let mut failures = Vec::new();
    for case in CASES {
        let contract = fixture_contract(case.fixture);
        let answer = send(&router(&contract), case.method, case.uri, case.headers, "").await;
        let header_lines: Vec<String> = answer
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or_default()))
            .collect();
        let text = answer.text();
        if answer.status != case.status {
            failures.push(format!(
                "{}: status {} (expected {}): {text}",
                case.name, answer.status, case.status
            ));
        }
        if let Some(expected) = case.expect_header
            && !header_lines.iter().any(|line| line.contains(expected))
        {
            failures.push(format!(
                "{}: no header line contains {expected:?} in {header_lines:#?}",
                case.name
            ));
        }
        if let Some(expected) = case.expect_body
            && !text.contains(expected)
        {
            failures.push(format!("{}: body {text:?} lacks {expected:?}", case.name));
        }
        if (case.method == "HEAD" || case.status == 204) && !answer.body.is_empty() {
            failures.push(format!(
                "{}: answered {} with a body: {text:?}",
                case.name, case.method
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A request without `Origin` is no CORS request: its answer carries no CORS headers, which
/// would tell its client nothing, but says with `Vary` that one with an `Origin` is answered
/// differently, so that a shared cache keeps the two apart.
#[tokio::test]
async fn an_answer_to_a_request_without_origin_has_no_cors_headers_but_varies_on_origin() {
    let contract = fixture_contract("types31.yaml");
    let app = router(&contract);
    let plain = send(&app, "GET", "/things/1", &[], "").await;
    let cors: Vec<_> = plain
        .headers
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .collect();
    assert!(
        cors.is_empty(),
        "expected no CORS headers without Origin, got {cors:?}"
    );
    let vary = plain.headers.get("vary").and_then(|v| v.to_str().ok());
    assert_eq!(
        vary,
        Some("origin, access-control-request-method, access-control-request-headers"),
        "expected the answer to vary on Origin"
    );
    let cross = send(
        &app,
        "GET",
        "/things/1",
        &[("origin", "http://app.test")],
        "",
    )
    .await;
    assert_eq!(
        cross.headers.get("vary"),
        plain.headers.get("vary"),
        "expected both answers to name the same request headers in Vary"
    );
    assert_eq!(
        cross.status, plain.status,
        "the same operation answered both"
    );
}

#[tokio::test]
async fn several_specs_are_mounted_apart_and_can_be_remounted() {
    let specs =
        understudy::load::load_paths(&[fixture("types31.yaml"), fixture("discriminator.yaml")])
            .unwrap();
    let contract = std::sync::Arc::new(
        understudy::contract::Contract::compile(
            &specs,
            &[("discriminator".into(), "/zoo/".into())],
        )
        .unwrap(),
    );
    let router = router(&contract);
    assert_eq!(
        send(&router, "GET", "/types31/things/1", &[], "")
            .await
            .status,
        200
    );
    assert_eq!(
        send(&router, "GET", "/zoo/pets/1", &[], "").await.status,
        200
    );
    assert_eq!(send(&router, "GET", "/things/1", &[], "").await.status, 404);
}

#[tokio::test]
async fn a_directory_serves_its_documents_and_skips_the_parts_they_reference() {
    let specs = understudy::load::load_paths(&[fixture("multi-file")]).unwrap();
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["openapi"],
        "parameters.yaml is a referenced part, not a document"
    );
}

#[tokio::test]
async fn write_only_properties_stay_out_of_responses() {
    let contract = fixture_contract("types31.yaml");
    let answer = send(
        &router(&contract),
        "GET",
        "/things/1",
        &[("prefer", "dynamic=true")],
        "",
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(answer.json().get("secret").is_none(), "{}", answer.text());
    assert!(answer.json().get("id").is_some(), "{}", answer.text());
}

#[test]
fn a_mount_for_an_unknown_spec_is_refused() {
    let specs = understudy::load::load_paths(&[fixture("types31.yaml")]).unwrap();
    let error = understudy::contract::Contract::compile(&specs, &[("nope".into(), "/x".into())])
        .unwrap_err();
    assert!(
        error.to_string().contains("no spec is named \"nope\""),
        "{error}"
    );
}

#[tokio::test]
async fn an_integer_beyond_64_bits_is_answered_in_digits_as_sent() {
    // An id never seen, where no 404 is declared, stands for an object with that id.
    let contract = fixture_contract("undeclared-404.yaml");
    let stateful = app(
        engine(&contract, EngineOptions::default()),
        HttpOptions::default(),
    );
    let answer = send(
        &stateful,
        "GET",
        "/things/3075247173807758799460630528",
        &[],
        "",
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    // A reader that takes `3.075247173807759e27` for a float refuses it as an integer.
    assert!(
        answer
            .text()
            .contains("\"id\":3075247173807758799460630528"),
        "expected the id in digits, received {}",
        answer.text()
    );
}

#[tokio::test]
async fn a_declared_content_length_type_or_encoding_header_is_never_sent_from_the_contract() {
    let spec = r#"
openapi: 3.0.3
info: { title: markdown, version: "1" }
paths:
  /markdown:
    post:
      responses:
        "200":
          description: rendered
          headers:
            Content-Length: { schema: { type: string }, example: "279" }
            Content-Type: { schema: { type: string, enum: [text/plain] } }
            Content-Encoding: { schema: { type: string, example: gzip } }
            X-Renderer: { schema: { type: string, enum: [commonmark] } }
          content:
            text/html:
              schema: { type: string }
              example: "<p>Hello</p>"
"#;
    let loaded = understudy::load::load_text("markdown.yaml", spec).unwrap();
    let contract =
        std::sync::Arc::new(understudy::contract::Contract::compile(&[loaded], &[]).unwrap());
    let answer = send(&router(&contract), "POST", "/markdown", &[], "").await;
    assert_eq!(
        (
            answer.status,
            answer.header("content-type"),
            answer.header("x-renderer")
        ),
        (200, Some("text/html"), Some("commonmark")),
        "{:?}",
        answer.headers
    );
    assert_eq!(
        answer.header("content-encoding"),
        None,
        "expected no Content-Encoding over a body that is not encoded"
    );
    let body_length = answer.text().len().to_string();
    let length = answer.header("content-length");
    assert!(
        length.is_none_or(|l| l == body_length),
        "expected HTTP's own Content-Length ({body_length}), not one from the contract: {length:?}"
    );
}
