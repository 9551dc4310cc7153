//! `understudy check` against providers: `serve` keeps its own contract completely, and a
//! deliberately broken provider has each of its defects reported, and only those.

#[path = "providers/broken.rs"]
mod broken;
mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use common::*;
use understudy::checker::{CheckOptions, Credentials, check};
use understudy::contract::Contract;
use understudy::http::{HttpOptions, app};
use understudy::mock::EngineOptions;

async fn spawn(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

fn options(target: SocketAddr, headers: &[(&str, &str)]) -> CheckOptions {
    CheckOptions {
        target: format!("http://{target}"),
        credentials: Credentials {
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            schemes: Vec::new(),
        },
        seed: 3,
        max_examples: 25,
        max_requests: 1000,
        timeout: Duration::from_secs(5),
        workers: 4,
        recorder: None,
        on_answer: None,
    }
}

fn failing_checks(report: &understudy::report::Report) -> BTreeSet<String> {
    report
        .exchanges
        .iter()
        .flat_map(|e| {
            e.failures.iter().map(|f| {
                if std::env::var("DEBUG_CHECK").is_ok() {
                    eprintln!("{}: {}", e.source, f.violation.message);
                }
                format!("{}: {}", e.source, f.check)
            })
        })
        .collect()
}

/// `serve --credential …`: any other credential is refused, as `check`'s invalid-credentials
/// cases expect (without it `serve` accepts any well-formed one, as Prism does).
fn accepting_only(credentials: &[&str]) -> EngineOptions {
    EngineOptions {
        credentials: credentials.iter().map(|c| c.to_string()).collect(),
        ..EngineOptions::default()
    }
}

#[tokio::test]
async fn serve_passes_every_check_of_its_own_contracts() {
    let contract = bundled();
    let engine = engine(&contract, accepting_only(&["k", "t"]));
    let target = spawn(app(engine, HttpOptions::default())).await;
    let credentials = [
        ("x-api-key", "k"),
        ("reb-apikey", "k"),
        ("authorization", "Bearer t"),
    ];
    let report = check(contract, options(target, &credentials), false)
        .await
        .unwrap();
    assert!(report.conforms(), "{:#?}", failing_checks(&report));
    assert_eq!(
        report.summary.operations_exercised,
        report.summary.operations_declared
    );
    let declared_2xx_missed: Vec<String> = report
        .coverage
        .iter()
        .flat_map(|c| {
            c.statuses
                .iter()
                .filter(|(s, hit)| s.starts_with('2') && !**hit)
                .map(move |(s, _)| format!("{} {s}", c.operation))
        })
        .collect();
    assert!(declared_2xx_missed.is_empty(), "{declared_2xx_missed:?}");
    for provoked in ["401", "404"] {
        assert!(
            report
                .coverage
                .iter()
                .any(|c| c.statuses.get(provoked) == Some(&true)),
            "no {provoked} provoked"
        );
    }
}

#[tokio::test]
async fn a_broken_provider_has_each_defect_reported_and_only_those() {
    let specs = understudy::load::load_paths(&[fixture("provider.yaml")]).unwrap();
    let contract = Arc::new(Contract::compile(&specs, &[]).unwrap());
    let target = spawn(broken::broken_provider()).await;
    let report = check(contract, options(target, &[("x-api-key", "k")]), true)
        .await
        .unwrap();
    let linked = report
        .exchanges
        .iter()
        .find(|e| e.source.contains("(link GetCreated from createItem)"))
        .expect("the declared link was followed");
    assert_eq!(
        (linked.path.as_str(), linked.status),
        ("/items/7", 200),
        "the id came from the answer"
    );
    let found = failing_checks(&report);
    // The provider's port changes from run to run; the reproduce lines name it.
    let human = report
        .human(false)
        .replace(&format!("http://{target}"), "http://TARGET");
    assert_text_snapshot("check_broken_provider", &human);
    assert!(
        human.contains(
            "reproduce: curl -X GET 'http://TARGET/items?limit=50' -H 'x-api-key: [REDACTED]'"
        ),
        "expected a curl line that sends the boundary case again, credentials redacted:\n{human}"
    );
    let expected: BTreeSet<String> = [
        // It checks that a key is sent, not which: a forged one gets in everywhere.
        "GET /items (invalid credentials): ignored_auth",
        "GET /items (invalid credentials): response_schema_conformance",
        "POST /items (invalid credentials): ignored_auth",
        "POST /items (invalid credentials): response_schema_conformance",
        "GET /items/{id} (invalid credentials): ignored_auth",
        "PUT /items/{id} (invalid credentials): ignored_auth",
        "DELETE /items/{id} (invalid credentials): ignored_auth",
        // Its 401 on a delete has no body and no Content-Type, where the contract declares JSON.
        "DELETE /items/{id} (no credentials): content_type_conformance",
        "GET /items (valid): response_schema_conformance",
        "GET /items (bad query parameter limit): status_code_conformance",
        // The list does not check its offset either.
        "GET /items (bad query parameter offset): negative_data_rejection",
        "GET /items (bad query parameter offset): response_schema_conformance",
        "GET /items (boundary: query offset = 8 (present)): response_schema_conformance",
        // Only the coverage phase's boundary value reaches the server error at offset=0.
        "GET /items (boundary: query offset = 0 (minimum)): not_a_server_error",
        "GET /items (boundary: query offset = 0 (minimum)): status_code_conformance",
        "GET /items (boundary: query limit = 50 (maximum)): response_schema_conformance",
        "GET /items (boundary: query limit = 4 (present)): response_schema_conformance",
        // The list never shows what was created: the collection disagrees with its items.
        "GET /items (valid) (after create): ensure_resource_availability",
        "GET /items (valid) (after create): response_schema_conformance",
        "POST /items (valid): response_schema_conformance",
        "POST /items (missing required name): negative_data_rejection",
        "POST /items (missing required name): response_schema_conformance",
        // The create accepts anything: a name of the wrong type, a body in text/plain.
        "POST /items (wrong type for name): negative_data_rejection",
        "POST /items (wrong type for name): response_schema_conformance",
        "POST /items (undeclared media type text/plain): negative_data_rejection",
        "POST /items (undeclared media type text/plain): response_schema_conformance",
        // The update checks the body but not its media type: only one media type reaches it.
        "PUT /items/{id} (undeclared media type text/plain): negative_data_rejection",
        // It reads only one of the two JSON media types the update declares.
        "PUT /items/{id} (valid, as application/vnd.item+json): not_a_server_error",
        "PUT /items/{id} (valid, as application/vnd.item+json): status_code_conformance",
        "POST /items (wrong body type): not_a_server_error",
        "POST /items (wrong body type): status_code_conformance",
        "POST /items (valid) (chain): response_schema_conformance",
        // Every undeclared method gets a 405 without Allow.
        "PUT /items (undeclared method): unsupported_method",
        "DELETE /items (undeclared method): unsupported_method",
        "PATCH /items (undeclared method): unsupported_method",
        "POST /items/{id} (undeclared method): unsupported_method",
        "PATCH /items/{id} (undeclared method): unsupported_method",
        "GET /items/{id} (valid) (after delete): use_after_free",
        // Only the second request of a sequence shows these: an update the next read does
        // not show, and two creates given one id.
        "GET /items/{id} (valid) (after update): update_visibility",
        "POST /items (valid) (second create): distinct_ids",
        "POST /items (valid) (second create): response_schema_conformance",
        "GET /items/{id} (bad path parameter id): negative_data_rejection",
        "DELETE /items/{id} (bad path parameter id): negative_data_rejection",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(
        found,
        expected,
        "\nmissing: {:#?}\nunexpected: {:#?}",
        expected.difference(&found).collect::<Vec<_>>(),
        found.difference(&expected).collect::<Vec<_>>()
    );
}

/// A read whose 404 no value can follow gives a provider no way to say a deleted object is
/// gone: its declared answer after a delete is no `use_after_free`. What is left are the
/// refusals of bad ids, which only that 404 can carry: the contract contradicts itself there.
#[tokio::test]
async fn a_read_whose_404_cannot_be_sent_is_not_held_to_one_after_a_delete() {
    let contract = fixture_contract("unsendable-404.yaml");
    let engine = engine(&contract, EngineOptions::default());
    let target = spawn(app(engine, HttpOptions::default())).await;
    let report = check(contract, options(target, &[]), false).await.unwrap();
    let found = failing_checks(&report);
    let unexplained: Vec<&String> = found
        .iter()
        .filter(|f| !f.ends_with("(bad path parameter id): response_schema_conformance"))
        .collect();
    assert!(
        unexplained.is_empty() && !found.is_empty(),
        "expected only the refusals of bad ids to fail (the 404 they must use has no valid \
         body), received {found:#?}"
    );
}

/// `serve` on each fixture, `check` against it: nothing reported. These documents declare no
/// error answers for some operations, operations without responses, arrays in queries,
/// discriminators, vendor media types, reads that declare no 404 (a read of an object the
/// run deleted gets the contract's answer, which `check` does not hold against `serve`)…
#[tokio::test]
async fn serve_passes_every_check_of_each_fixture_contract() {
    let mut failures = Vec::new();
    for name in [
        "annotated-refs.yaml",
        "bounded-ids.yaml",
        "branch-reads.yaml",
        "callbacks.yaml",
        "circular.yaml",
        "accepted-creates.yaml",
        "client-ids.yaml",
        "closed-views.yaml",
        "collection-puts.yaml",
        "composed-envelope.yaml",
        "contradictory-params.yaml",
        "data-envelope.yaml",
        "corpus-shapes/odd-paths.yaml",
        "delete-first.yaml",
        "deletion-marker.yaml",
        "discriminator.yaml",
        "error-details.yaml",
        "error-headers.yaml",
        "example-only-media.yaml",
        "filtered-lists.yaml",
        "finder-lists.yaml",
        "form-create.yaml",
        "formats.yaml",
        "hal-lists.yaml",
        "looser-requests.yaml",
        "head-answers.yaml",
        "media-type-refusals.yaml",
        "length-shaped-ids.yaml",
        "listed-reads.yaml",
        "named-references.yaml",
        "narrower-views.yaml",
        "no-object-paths.yaml",
        "parent-keys.yaml",
        "petstore-quirks.yaml",
        "read-only-resources.yaml",
        "required-version.yaml",
        "responses.yaml",
        "same-named-resources.yaml",
        "schema-examples.yaml",
        "stateful.yaml",
        "stored-schema-examples.yaml",
        "types31.yaml",
        "undeclared-404.yaml",
        "unrelated-answers.yaml",
        "validation.yaml",
        "vendor-json.yaml",
        "xml-answers.yaml",
    ] {
        let contract = fixture_contract(name);
        let engine = engine(&contract, EngineOptions::default());
        let target = spawn(app(engine, HttpOptions::default())).await;
        let report = check(
            contract,
            options(target, &[("x-api-key", "k"), ("authorization", "Bearer t")]),
            false,
        )
        .await
        .unwrap();
        if !report.conforms() {
            failures.push(format!("{name}: {:#?}", failing_checks(&report)));
        }
    }
    assert!(
        failures.is_empty(),
        "expected serve to pass every check of each fixture, received:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn serve_passes_every_check_of_a_swagger_2_contract() {
    let contract = fixture_contract("swagger2/petstore.yaml");
    // `check` generates JSON bodies only: the multipart photo upload is not sent.
    let sendable = contract.apis[0]
        .api
        .operations
        .iter()
        .filter(|o| {
            o.request_body.as_ref().is_none_or(|b| {
                b.content
                    .iter()
                    .any(|m| understudy::media::answered_as_json(&m.media_type))
            })
        })
        .count();
    let engine = engine(&contract, accepting_only(&["k", "t"]));
    let target = spawn(app(engine, HttpOptions::default())).await;
    let report = check(contract, options(target, &[("x-api-key", "k")]), false)
        .await
        .unwrap();
    assert!(report.conforms(), "{:#?}", failing_checks(&report));
    assert_eq!(
        report.summary.operations_exercised, sendable,
        "expected every operation of the 2.0 document with a JSON or no body exercised"
    );
}

#[tokio::test]
async fn a_defect_only_some_combinations_of_optional_parameters_reach_is_found_and_shrunk() {
    let spec = r#"
openapi: 3.1.0
info: { title: search, version: "1" }
paths:
  /search:
    get:
      operationId: search
      parameters:
        - { name: q, in: query, schema: { type: string, enum: [lamp, desk] } }
        - { name: page, in: query, schema: { type: integer, minimum: 1, maximum: 5 } }
        - { name: sort, in: query, schema: { type: string, enum: [asc, desc] } }
      responses:
        "200": { description: found, content: { application/json: { schema: { type: array } } } }
"#;
    let loaded = understudy::load::load_text("search.yaml", spec).unwrap();
    let contract = Arc::new(Contract::compile(&[loaded], &[]).unwrap());
    // Breaks only when a page and a sort order come together.
    async fn search(Query(query): Query<Vec<(String, String)>>) -> impl IntoResponse {
        let has = |name: &str| query.iter().any(|(k, _)| k == name);
        let status = if has("page") && has("sort") {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::OK
        };
        (status, [(header::CONTENT_TYPE, "application/json")], "[]")
    }
    let target = spawn(Router::new().route("/search", get(search))).await;
    let report = check(contract, options(target, &[]), false).await.unwrap();
    // (It also accepts invalid values: those are other defects.)
    let failing: Vec<_> = report
        .exchanges
        .iter()
        .filter(|e| e.failures.iter().any(|f| f.check == "not_a_server_error"))
        .collect();
    assert_eq!(
        failing.len(),
        1,
        "expected the defect reported once (the same failure is not repeated), received {:#?}",
        failing.iter().map(|e| &e.source).collect::<Vec<_>>()
    );
    let found = failing[0];
    assert!(
        found.source.contains("(generated ") && found.failures[0].check == "not_a_server_error",
        "expected a generated request to find it, received {} {:?}",
        found.source,
        found.failures
    );
    let reproduce = found.reproduce.as_deref().unwrap_or_default();
    assert!(
        reproduce.contains("page=") && reproduce.contains("sort=") && !reproduce.contains("q="),
        "expected the request shrunk to the page and the sort order, received {reproduce}"
    );
}

#[tokio::test]
async fn credentials_given_per_security_scheme_go_where_each_scheme_asks_for_them() {
    let contract = fixture_contract("credential-places.yaml");
    let secrets = ["qk-secret-1", "ck-secret-2", "ada:pw-secret-3"];
    let engine = engine(&contract, accepting_only(&secrets));
    let target = spawn(app(engine, HttpOptions::default())).await;
    let without = check(contract.clone(), options(target, &[]), false)
        .await
        .unwrap();
    let mut given = options(target, &[]);
    given.credentials.schemes = ["queryKey", "cookieKey", "basic"]
        .into_iter()
        .zip(secrets)
        .map(|(scheme, secret)| (scheme.to_string(), secret.to_string()))
        .collect();
    let with = check(contract, given, false).await.unwrap();
    let answered_200 = |report: &understudy::report::Report| -> Vec<String> {
        report
            .coverage
            .iter()
            .filter(|c| c.statuses.get("200") == Some(&true))
            .map(|c| c.operation.clone())
            .collect()
    };
    assert!(
        answered_200(&without).is_empty() && answered_200(&with).len() == 3 && with.conforms(),
        "expected the provider to refuse every request without the schemes' secrets and to \
         accept them with each in its place (query, cookie, Basic), got 200s without {:?} and \
         with {:?}, failures {:#?}",
        answered_200(&without),
        answered_200(&with),
        failing_checks(&with)
    );
}
