//! Requests that break the contract: a table of (spec, request, expected status, expected
//! violation locations), and snapshots of each vendor's error bodies.

mod common;

use common::*;
use serde_json::{Value, json};
use understudy::contract::Contract;
use understudy::http::{HttpOptions, app};
use understudy::mock::{EngineOptions, RequestValidation};

struct Case {
    name: &'static str,
    /// `None` for the bundled contracts, else a fixture file.
    fixture: Option<&'static str>,
    method: &'static str,
    uri: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    status: u16,
    /// Each must be the location of one violation in `sl-violations`.
    locations: &'static [&'static [&'static str]],
}

const BEARER: (&str, &str) = ("authorization", "Bearer t");
const JSON: (&str, &str) = ("content-type", "application/json");

const MULTIPART: (&str, &str) = ("content-type", "multipart/form-data; boundary=XyZ");
const GOOD_UPLOAD: &str = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nreport\r\n--XyZ\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n3\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n";
const BAD_UPLOAD: &str = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nab\r\n--XyZ\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\nmany\r\n--XyZ--\r\n";

const CASES: &[Case] = &[
    Case {
        name: "layers of allOf saying the same of one field: said once",
        fixture: Some("error-details.yaml"),
        method: "POST",
        uri: "/charges",
        headers: &[JSON],
        body: r#"{"data": {"customer": "123"}}"#,
        status: 400,
        locations: &[&["request", "body", "data", "customer"]],
    },
    // Kantata: OAuth2 bearer; declares 400, 401, 403, 404, 422 and 503 with {errors:[{type,message}]}.
    Case {
        name: "kantata: no credentials",
        fixture: None,
        method: "GET",
        uri: "/kantata/organization_memberships",
        headers: &[],
        body: "",
        status: 401,
        locations: &[&["request", "header", "Authorization"]],
    },
    Case {
        name: "kantata: a Basic header is not a bearer token",
        fixture: None,
        method: "GET",
        uri: "/kantata/organization_memberships",
        headers: &[("authorization", "Basic dTpw")],
        body: "",
        status: 401,
        locations: &[&["request", "header", "Authorization"]],
    },
    Case {
        name: "kantata: per_page over 200",
        fixture: None,
        method: "GET",
        uri: "/kantata/organization_memberships?per_page=500",
        headers: &[BEARER],
        body: "",
        status: 422,
        locations: &[&["request", "query", "per_page"]],
    },
    Case {
        name: "kantata: an empty page is not an integer",
        fixture: None,
        method: "GET",
        uri: "/kantata/organization_memberships?page=&per_page=",
        headers: &[BEARER],
        body: "",
        status: 422,
        locations: &[
            &["request", "query", "page"],
            &["request", "query", "per_page"],
        ],
    },
    Case {
        name: "kantata: an unknown member_type and a bad date",
        fixture: None,
        method: "GET",
        uri: "/kantata/organization_memberships?member_type=robot&created_after=yesterday",
        headers: &[BEARER],
        body: "",
        status: 422,
        locations: &[
            &["request", "query", "member_type"],
            &["request", "query", "created_after"],
        ],
    },
    Case {
        name: "kantata: a non-integer id",
        fixture: None,
        method: "GET",
        uri: "/kantata/organization_memberships/abc",
        headers: &[BEARER],
        body: "",
        status: 422,
        locations: &[&["request", "path", "id"]],
    },
    Case {
        name: "kantata: malformed JSON",
        fixture: None,
        method: "POST",
        uri: "/kantata/organization_memberships",
        headers: &[BEARER, JSON],
        body: "{\"organization_membership\": {",
        status: 400,
        locations: &[&["request", "body"]],
    },
    Case {
        name: "kantata: a missing body",
        fixture: None,
        method: "POST",
        uri: "/kantata/organization_memberships",
        headers: &[BEARER, JSON],
        body: "",
        status: 422,
        locations: &[&["request", "body"]],
    },
    Case {
        name: "kantata: an undeclared content type",
        fixture: None,
        method: "POST",
        uri: "/kantata/organization_memberships",
        headers: &[BEARER, ("content-type", "text/plain")],
        body: "hello",
        status: 422,
        locations: &[&["request", "header", "content-type"]],
    },
    Case {
        name: "kantata: every body violation is reported",
        fixture: None,
        method: "POST",
        uri: "/kantata/organization_memberships",
        headers: &[BEARER, JSON],
        body: "{\"organization_membership\": {\"member_type\": \"robot\", \"geography_id\": \"x\"}}",
        status: 422,
        locations: &[
            &["request", "body", "organization_membership"],
            &["request", "body", "organization_membership", "member_type"],
            &["request", "body", "organization_membership", "geography_id"],
        ],
    },
    // Kodexa: x-api-key; errors {message}.
    Case {
        name: "kodexa: no api key",
        fixture: None,
        method: "GET",
        uri: "/kodexa/api/memberships",
        headers: &[],
        body: "",
        status: 401,
        locations: &[&["request", "header", "x-api-key"]],
    },
    Case {
        name: "kodexa: page below 1 is a 400 (no 422 declared)",
        fixture: None,
        method: "GET",
        uri: "/kodexa/api/memberships?page=0",
        headers: &[("x-api-key", "k")],
        body: "",
        status: 400,
        locations: &[&["request", "query", "page"]],
    },
    Case {
        name: "kodexa: an unknown role and a bad id",
        fixture: None,
        method: "PUT",
        uri: "/kodexa/api/memberships/not-a-uuid",
        headers: &[("x-api-key", "k"), JSON],
        body: "{\"role\": \"boss\", \"changeSequence\": 3000000000}",
        status: 422,
        locations: &[
            &["request", "path", "id"],
            &["request", "body", "role"],
            &["request", "body", "changeSequence"],
        ],
    },
    // Rebilly: REB-APIKEY or JWT; problem objects. The vendor declares no 400 or 422: an
    // invalid request gets the declared 403 (understood, and refused).
    Case {
        name: "rebilly: no credentials",
        fixture: None,
        method: "GET",
        uri: "/rebilly/memberships",
        headers: &[],
        body: "",
        status: 401,
        locations: &[&["request", "header", "REB-APIKEY"]],
    },
    Case {
        name: "rebilly: limit over 1000",
        fixture: None,
        method: "GET",
        uri: "/rebilly/memberships?limit=2000",
        headers: &[("reb-apikey", "k")],
        body: "",
        status: 403,
        locations: &[&["request", "query", "limit"]],
    },
    Case {
        name: "rebilly: private subnets are prohibited",
        fixture: None,
        method: "PUT",
        uri: "/rebilly/memberships/org1/user1",
        headers: &[BEARER, JSON],
        body: "{\"allowedIps\": [\"10.0.0.1\", \"8.8.8.0/24\", \"192.168.1.0/24\"]}",
        status: 403,
        locations: &[
            &["request", "body", "allowedIps", "0"],
            &["request", "body", "allowedIps", "2"],
        ],
    },
    Case {
        name: "rebilly: readOnly user and organization are not demanded (an upsert creates: 201)",
        fixture: None,
        method: "PUT",
        uri: "/rebilly/memberships/org1/user1",
        headers: &[("reb-apikey", "k"), JSON],
        body: "{\"roleIds\": [\"admin\"], \"allowedIps\": null}",
        status: 201,
        locations: &[],
    },
    Case {
        name: "rebilly: an id over 50 characters is a 404 (only 404 is declared)",
        fixture: None,
        method: "GET",
        uri: "/rebilly/memberships/org-with-an-identifier-longer-than-fifty-characters-x/user1",
        headers: &[("reb-apikey", "k")],
        body: "",
        status: 404,
        locations: &[&["request", "path", "organizationId"]],
    },
    // Protocol (pxyz): bearer; errors are a `default` answer {message, code, issues[{message}]},
    // sent as 422 (Prism's choice for a default answering an invalid request).
    Case {
        name: "pxyz: a missing userId",
        fixture: None,
        method: "POST",
        uri: "/pxyz/auth/organization-members",
        headers: &[BEARER, JSON],
        body: "{\"organizationId\": \"clx0f3k2a0000abcd1234efgh\"}",
        status: 422,
        locations: &[&["request", "body"]],
    },
    Case {
        name: "pxyz: an id that is not a cuid",
        fixture: None,
        method: "GET",
        uri: "/pxyz/auth/organization-members/123",
        headers: &[BEARER],
        body: "",
        status: 422,
        locations: &[&["request", "path", "id"]],
    },
    Case {
        name: "pxyz: perPage out of range",
        fixture: None,
        method: "GET",
        uri: "/pxyz/organizations/clx0f3k2a0000abcd1234efgh/auth/organization-members?perPage=0",
        headers: &[BEARER],
        body: "",
        status: 422,
        locations: &[&["request", "query", "perPage"]],
    },
    // A document that declares no error responses: problem+json.
    Case {
        name: "fixture: any of three security alternatives will do (query key)",
        fixture: Some("validation.yaml"),
        method: "GET",
        uri: "/search?api_key=k",
        headers: &[("x-trace", "3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10")],
        body: "",
        status: 200,
        locations: &[],
    },
    Case {
        name: "fixture: an array sent as an empty value is an empty array",
        fixture: Some("validation.yaml"),
        method: "GET",
        uri: "/search?api_key=k&tags=&ids=",
        headers: &[("x-trace", "3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10")],
        body: "",
        status: 200,
        locations: &[],
    },
    Case {
        name: "fixture: a string parameter with items beside its type is any string",
        fixture: Some("validation.yaml"),
        method: "GET",
        uri: "/search?api_key=k&sort=lastActivityDate,firstname",
        headers: &[("x-trace", "3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10")],
        body: "",
        status: 200,
        locations: &[],
    },
    Case {
        name: "fixture: a parameter of branches without a type is read as the branch that takes it",
        fixture: Some("validation.yaml"),
        method: "GET",
        uri: "/search?api_key=k&page=2&game=1&game=cs-go",
        headers: &[("x-trace", "3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10")],
        body: "",
        status: 200,
        locations: &[],
    },
    Case {
        name: "fixture: a parameter of branches without a type is a violation where no branch takes it",
        fixture: Some("validation.yaml"),
        method: "GET",
        uri: "/search?api_key=k&game=2",
        headers: &[("x-trace", "3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10")],
        body: "",
        status: 200,
        locations: &[&["request", "query", "game", "0"]],
    },
    Case {
        name: "fixture: a parameter given by JSON content is read as the JSON text of its value",
        fixture: Some("validation.yaml"),
        method: "GET",
        uri: "/search?api_key=k&q=%7B%22columns%22%3A%5B%22a%2Cb%22%5D%2C%22page%22%3A%22x%22%7D",
        headers: &[("x-trace", "3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10")],
        body: "",
        status: 200,
        locations: &[&["request", "query", "q", "page"]],
    },
    Case {
        name: "fixture: an XML body is checked for its media type, not read as JSON",
        fixture: Some("petstore-quirks.yaml"),
        method: "POST",
        uri: "/tags",
        headers: &[("content-type", "text/xml")],
        body: "<AddTags><ResourceName>r</ResourceName></AddTags>",
        status: 200,
        locations: &[],
    },
    Case {
        name: "fixture: text declared to hold an object is read as JSON",
        fixture: Some("petstore-quirks.yaml"),
        method: "POST",
        uri: "/estimates",
        headers: &[("content-type", "text/html")],
        body: "{\"amount\": 3}",
        status: 200,
        locations: &[],
    },
    Case {
        name: "fixture: text declared to hold an object is checked as that object",
        fixture: Some("petstore-quirks.yaml"),
        method: "POST",
        uri: "/estimates",
        headers: &[("content-type", "text/html")],
        body: "{\"amount\": \"three\"}",
        status: 200,
        locations: &[&["request", "body", "amount"]],
    },
    Case {
        name: "fixture: a cookie key",
        fixture: Some("validation.yaml"),
        method: "GET",
        uri: "/search",
        headers: &[
            ("cookie", "a=b; session=s"),
            ("x-trace", "3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10"),
        ],
        body: "",
        status: 200,
        locations: &[],
    },
    Case {
        name: "fixture: Basic credentials must decode to user:password",
        fixture: Some("validation.yaml"),
        method: "GET",
        uri: "/search",
        headers: &[
            ("authorization", "Basic bm9jb2xvbg=="),
            ("x-trace", "3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10"),
        ],
        body: "",
        status: 200,
        locations: &[&["request", "header", "Authorization"]],
    },
    Case {
        name: "fixture: styles and a required header",
        fixture: Some("validation.yaml"),
        method: "GET",
        uri: "/search?api_key=k&tags=1&tags=x&ids=ab|c&filter[status]=maybe&filter[min]=z&limit=11",
        headers: &[],
        body: "",
        status: 200,
        locations: &[
            &["request", "query", "tags", "1"],
            &["request", "query", "ids", "1"],
            &["request", "query", "filter", "status"],
            &["request", "query", "filter", "min"],
            &["request", "query", "limit"],
            &["request", "header", "X-Trace"],
        ],
    },
    Case {
        name: "fixture: well-formed styles pass",
        fixture: Some("validation.yaml"),
        method: "GET",
        uri: "/search?api_key=k&tags=1&tags=2&ids=ab|cd&filter[status]=open&filter[min]=3",
        headers: &[("x-trace", "3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10")],
        body: "",
        status: 200,
        locations: &[],
    },
    Case {
        name: "fixture: a form body is decoded and validated",
        fixture: Some("validation.yaml"),
        method: "POST",
        uri: "/forms",
        headers: &[("content-type", "application/x-www-form-urlencoded")],
        body: "name=x&age=old&colors=red&colors=green",
        status: 204,
        locations: &[
            &["request", "body", "name"],
            &["request", "body", "age"],
            &["request", "body", "colors", "1"],
        ],
    },
    Case {
        name: "fixture: a good form body",
        fixture: Some("validation.yaml"),
        method: "POST",
        uri: "/forms",
        headers: &[(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )],
        body: "name=xy&age=3&colors=red",
        status: 204,
        locations: &[],
    },
    Case {
        name: "fixture: a required array without a form field was sent empty",
        fixture: Some("validation.yaml"),
        method: "POST",
        uri: "/forms",
        headers: &[("content-type", "application/x-www-form-urlencoded")],
        body: "name=xy&age=3",
        status: 204,
        locations: &[],
    },
    Case {
        name: "fixture: the wrong content type is named",
        fixture: Some("validation.yaml"),
        method: "POST",
        uri: "/forms",
        headers: &[JSON],
        body: "{}",
        status: 204,
        locations: &[&["request", "header", "content-type"]],
    },
    Case {
        name: "fixture: a YAML body is read as YAML and stored",
        fixture: Some("text-bodies.yaml"),
        method: "PUT",
        uri: "/config",
        headers: &[("content-type", "application/yaml")],
        body: "name: lgtm\ndepth: 2\n",
        status: 204,
        locations: &[],
    },
    Case {
        name: "fixture: a YAML body is checked against its schema",
        fixture: Some("text-bodies.yaml"),
        method: "PUT",
        uri: "/config",
        headers: &[("content-type", "application/yaml")],
        body: "name: lgtm\ndepth: deep\n",
        status: 422,
        locations: &[&["request", "body", "depth"]],
    },
    Case {
        name: "fixture: a body that is no YAML is a 400",
        fixture: Some("text-bodies.yaml"),
        method: "PUT",
        uri: "/config",
        headers: &[("content-type", "application/yaml")],
        body: "name: [unclosed",
        status: 400,
        locations: &[&["request", "body"]],
    },
    Case {
        name: "fixture: readOnly id is not required in a request",
        fixture: Some("validation.yaml"),
        method: "POST",
        uri: "/things",
        headers: &[JSON],
        body: "{\"name\": \"n\"}",
        status: 201,
        locations: &[],
    },
    Case {
        name: "fixture: wrong types are named",
        fixture: Some("validation.yaml"),
        method: "POST",
        uri: "/things",
        headers: &[JSON],
        body: "{\"name\": 5, \"nested\": []}",
        status: 201,
        locations: &[&["request", "body", "name"], &["request", "body", "nested"]],
    },
    Case {
        name: "fixture: a multipart body is decoded and validated",
        fixture: Some("validation.yaml"),
        method: "POST",
        uri: "/uploads",
        headers: &[MULTIPART],
        body: BAD_UPLOAD,
        status: 204,
        locations: &[
            &["request", "body"],
            &["request", "body", "title"],
            &["request", "body", "count"],
        ],
    },
    Case {
        name: "fixture: a good multipart body",
        fixture: Some("validation.yaml"),
        method: "POST",
        uri: "/uploads",
        headers: &[MULTIPART],
        body: GOOD_UPLOAD,
        status: 204,
        locations: &[],
    },
    Case {
        name: "fixture: a multipart body that does not parse",
        fixture: Some("validation.yaml"),
        method: "POST",
        uri: "/uploads",
        headers: &[MULTIPART],
        body: "no parts here",
        status: 204,
        locations: &[&["request", "body"]],
    },
    Case {
        name: "fixture: a JSON array where an object is expected",
        fixture: Some("validation.yaml"),
        method: "POST",
        uri: "/things",
        headers: &[JSON],
        body: "[1,2,3]",
        status: 201,
        locations: &[&["request", "body"]],
    },
];

fn router_for(fixture: Option<&str>, mode: RequestValidation) -> axum::Router {
    let contract = match fixture {
        None => bundled(),
        Some(name) => fixture_contract(name),
    };
    let engine = engine(
        &contract,
        EngineOptions {
            seed: 0,
            validate_requests: mode,
            ..EngineOptions::default()
        },
    );
    app(engine, HttpOptions::default())
}

fn violation_locations(answer: &Answer) -> Vec<Vec<String>> {
    let header = answer.header("sl-violations").unwrap_or("[]");
    let violations: Vec<Value> = serde_json::from_str(header).unwrap_or_default();
    violations
        .iter()
        .map(|v| {
            v["location"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn invalid_requests_get_the_contracts_answer_with_every_violation_located() {
    let mut failures = Vec::new();
    for case in CASES {
        let router = router_for(case.fixture, RequestValidation::Enforce);
        let answer = send(&router, case.method, case.uri, case.headers, case.body).await;
        let locations = violation_locations(&answer);
        if answer.status != case.status {
            failures.push(format!(
                "{}: status {} (expected {}): {}",
                case.name,
                answer.status,
                case.status,
                answer.text()
            ));
        }
        for expected in case.locations {
            if !locations.iter().any(|l| l == expected) {
                failures.push(format!(
                    "{}: no violation at {expected:?} in {locations:?}",
                    case.name
                ));
            }
        }
        let said = answer.header("sl-violations").unwrap_or("[]");
        let said: Vec<Value> = serde_json::from_str(said).unwrap_or_default();
        if let Some(twice) = said
            .iter()
            .enumerate()
            .find(|(i, v)| said[..*i].contains(v))
        {
            failures.push(format!("{}: {} said twice in {said:?}", case.name, twice.1));
        }
        if case.locations.is_empty() && !locations.is_empty() {
            failures.push(format!(
                "{}: unexpected violations {locations:?}",
                case.name
            ));
        }
        if answer.status == 401 && answer.header("www-authenticate").is_none() {
            failures.push(format!("{}: 401 without WWW-Authenticate", case.name));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn error_bodies_keep_the_declared_schema_and_carry_the_violations() {
    let contract = bundled();
    let router = router_for(None, RequestValidation::Enforce);
    let mut snapshots: std::collections::BTreeMap<String, serde_json::Map<String, Value>> =
        Default::default();
    for case in CASES
        .iter()
        .filter(|c| c.fixture.is_none() && c.status >= 400)
    {
        let answer = send(&router, case.method, case.uri, case.headers, case.body).await;
        let (api, operation) = find_operation(&contract, case.method, case.uri);
        let problems = contract_problems(api, operation, &answer);
        assert!(
            problems.is_empty(),
            "{}: the error answer breaks the contract: {problems:#?}",
            case.name
        );
        let first_message = answer
            .header("sl-violations")
            .and_then(|h| serde_json::from_str::<Value>(h).ok())
            .and_then(|v| v[0]["message"].as_str().map(str::to_string))
            .unwrap_or_default();
        assert!(
            contains_text(&answer.json(), &first_message),
            "{}: the body does not carry {first_message:?}: {}",
            case.name,
            answer.text()
        );
        let vendor = case.name.split(':').next().unwrap().to_string();
        snapshots.entry(vendor).or_default().insert(
            case.name.to_string(),
            json!({ "status": answer.status, "body": answer.json() }),
        );
    }
    for (vendor, snapshot) in snapshots {
        assert_json_snapshot(&format!("error_bodies_{vendor}"), &snapshot);
    }
}

#[tokio::test]
async fn error_bodies_leave_out_the_optional_fields_the_violations_do_not_fill() {
    let router = router_for(Some("error-details.yaml"), RequestValidation::Enforce);
    // The second refusal is made from what the first found to be filler: its own words, the
    // same fields.
    for value in ["many", "lots"] {
        let answer = send(&router, "GET", &format!("/charges?limit={value}"), &[], "").await;
        assert_eq!(
            answer.status,
            400,
            "expected the declared 400: {}",
            answer.text()
        );
        let body = answer.json();
        let error = body["error"].as_object().cloned().unwrap_or_default();
        let mut fields: Vec<&str> = error.keys().map(String::as_str).collect();
        fields.sort_unstable();
        assert_eq!(
            (fields, body.as_object().map(|b| b.len())),
            (vec!["message", "type"], Some(1)),
            "expected only the required type and the message naming the violation, got {body}"
        );
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("limit") && m.contains(value)),
            "expected the message to name the parameter and the value {value:?}: {body}"
        );
    }
}

/// Whether some string in `value` contains `text`.
fn contains_text(value: &Value, text: &str) -> bool {
    match value {
        Value::String(s) => s.contains(text),
        Value::Array(items) => items.iter().any(|v| contains_text(v, text)),
        Value::Object(map) => map.values().any(|v| contains_text(v, text)),
        _ => false,
    }
}

fn find_operation<'a>(
    contract: &'a Contract,
    method: &str,
    uri: &str,
) -> (
    &'a understudy::contract::CompiledApi,
    &'a understudy::contract::Operation,
) {
    let path = uri.split('?').next().unwrap();
    contract
        .find_operation(method, path)
        .expect("a declared operation")
}

/// `validation.yaml` with a `4XX` answer declared on every operation: the refusals it then
/// has words for.
fn refusing_router() -> axum::Router {
    let text = std::fs::read_to_string(fixture("validation.yaml"))
        .unwrap()
        .replace(
            "      responses:\n",
            "      responses:\n        \"4XX\": { description: refused }\n",
        );
    let loaded = understudy::load::load_text("validation-4xx.yaml", &text).unwrap();
    let contract = std::sync::Arc::new(Contract::compile(&[loaded], &[]).unwrap());
    app(
        engine(&contract, EngineOptions::default()),
        HttpOptions::default(),
    )
}

#[tokio::test]
async fn a_document_without_error_responses_answers_invalid_requests_as_declared_naming_the_violations()
 {
    let router = router_for(Some("validation.yaml"), RequestValidation::Enforce);
    let answer = send(&router, "POST", "/things", &[JSON], "{\"name\": 5}").await;
    assert_eq!(
        answer.status,
        201,
        "expected the only declared answer, not an undeclared 422: {}",
        answer.text()
    );
    let contract = fixture_contract("validation.yaml");
    let (api, operation) = find_operation(&contract, "POST", "/things");
    assert_eq!(
        contract_problems(api, operation, &answer),
        Vec::<String>::new()
    );
    assert_eq!(
        violation_locations(&answer),
        [vec!["request", "body", "name"]],
        "expected the violation named in sl-violations"
    );
}

#[tokio::test]
async fn where_the_contract_declares_a_4xx_range_each_refusal_gets_its_own_status() {
    let router = refusing_router();
    // (case of the table above, status with `4XX` declared)
    let expected = [
        (
            "fixture: Basic credentials must decode to user:password",
            401,
        ),
        ("fixture: styles and a required header", 422),
        ("fixture: a form body is decoded and validated", 422),
        ("fixture: the wrong content type is named", 415),
        ("fixture: wrong types are named", 422),
        ("fixture: a multipart body that does not parse", 400),
        ("fixture: a JSON array where an object is expected", 422),
    ];
    let mut failures = Vec::new();
    for (name, status) in expected {
        let case = CASES.iter().find(|c| c.name == name).expect(name);
        let answer = send(&router, case.method, case.uri, case.headers, case.body).await;
        if answer.status != status {
            failures.push(format!(
                "{name}: received {}, expected {status}",
                answer.status
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The `4XX` declares no content: none is sent, the violations are in the header.
    let answer = send(&router, "POST", "/things", &[JSON], "{\"name\": 5}").await;
    assert_eq!(
        (answer.header("content-type"), answer.text().as_str()),
        (None, "")
    );
    assert_eq!(
        violation_locations(&answer),
        [vec!["request", "body", "name"]]
    );
}

#[tokio::test]
async fn warn_mode_answers_normally_and_reports_in_the_header() {
    let router = router_for(None, RequestValidation::Warn);
    let answer = send(
        &router,
        "GET",
        "/kantata/organization_memberships?per_page=500",
        &[],
        "",
    )
    .await;
    assert_eq!(answer.status, 200);
    let locations = violation_locations(&answer);
    assert!(
        locations.contains(&vec!["request".into(), "query".into(), "per_page".into()]),
        "{locations:?}"
    );
    assert!(
        locations.contains(&vec![
            "request".into(),
            "header".into(),
            "Authorization".into()
        ]),
        "{locations:?}"
    );
}

#[tokio::test]
async fn off_mode_checks_nothing() {
    let router = router_for(None, RequestValidation::Off);
    let answer = send(
        &router,
        "GET",
        "/kantata/organization_memberships?per_page=500",
        &[],
        "",
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(answer.header("sl-violations").is_none());
}

#[tokio::test]
async fn hostile_bodies_get_4xx_never_5xx() {
    let router = refusing_router();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        (deep, vec![JSON]),
        ("{\"name\": \"\\ud800\"}".to_string(), vec![JSON]),
        ("\u{0}\u{1}garbage".to_string(), vec![JSON]),
        ("{\"name\": 1e999999}".to_string(), vec![JSON]),
        (
            "%%%&&&===".to_string(),
            vec![("content-type", "application/x-www-form-urlencoded")],
        ),
        (
            "{}".to_string(),
            vec![("content-type", "application/json; charset=\"")],
        ),
    ];
    for (body, headers) in cases {
        let answer = send(&router, "POST", "/things", &headers, &body).await;
        assert!(
            (400..500).contains(&answer.status),
            "{} for {:?}",
            answer.status,
            &body[..body.len().min(40)]
        );
    }
    let too_big = "x".repeat(11 * 1024 * 1024);
    assert_eq!(
        send(&router, "POST", "/things", &[JSON], &too_big)
            .await
            .status,
        413
    );
}

#[tokio::test]
async fn a_body_that_cannot_be_read_is_a_400_that_says_so_not_a_413() {
    // What hyper gives for `Transfer-Encoding: chunked` over a body not encoded so.
    let broken = futures_util::stream::iter([
        Ok(axum::body::Bytes::from_static(b"{")),
        Err(std::io::Error::other("invalid chunk size line")),
    ]);
    let answer = send_body(
        &refusing_router(),
        "POST",
        "/things",
        &[JSON],
        axum::body::Body::from_stream(broken),
    )
    .await;
    assert!(
        answer.status == 400 && answer.text().contains("could not be read"),
        "expected 400 saying the body could not be read, received {} {}",
        answer.status,
        answer.text()
    );
}

#[tokio::test]
async fn with_credentials_configured_only_those_are_accepted() {
    let engine = engine(
        &bundled(),
        EngineOptions {
            credentials: vec!["right".into(), "ada:lovelace".into()],
            ..EngineOptions::default()
        },
    );
    let router = app(engine, HttpOptions::default());
    let uri = "/kodexa/api/memberships";
    assert_eq!(
        send(&router, "GET", uri, &[("x-api-key", "right")], "")
            .await
            .status,
        200
    );
    assert_eq!(
        send(&router, "GET", uri, &[("x-api-key", "wrong")], "")
            .await
            .status,
        401
    );
    let kantata = "/kantata/organization_memberships";
    assert_eq!(
        send(
            &router,
            "GET",
            kantata,
            &[("authorization", "Bearer right")],
            ""
        )
        .await
        .status,
        200
    );
    assert_eq!(
        send(
            &router,
            "GET",
            kantata,
            &[("authorization", "Bearer wrong")],
            ""
        )
        .await
        .status,
        401
    );
}

#[tokio::test]
async fn a_request_without_credentials_and_with_a_bad_body_gets_the_declared_400_when_no_401_is_declared()
 {
    let spec = r#"
openapi: 3.0.3
info: { title: categories, version: "1" }
security: [{ key: [] }]
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: x-api-key }
paths:
  /categories:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, properties: { title: { type: string } } }
      responses:
        "201": { description: created }
        "400": { description: refused }
"#;
    let loaded = understudy::load::load_text("categories.yaml", spec).unwrap();
    let contract = std::sync::Arc::new(Contract::compile(&[loaded], &[]).unwrap());
    let router = app(
        engine(&contract, EngineOptions::default()),
        HttpOptions::default(),
    );
    let answer = send(&router, "POST", "/categories", &[JSON], "[1]").await;
    assert_eq!(
        answer.status,
        400,
        "expected the declared refusal of the body, received {} {:?}",
        answer.status,
        answer.header("sl-violations")
    );
    let locations = violation_locations(&answer);
    assert!(
        locations.contains(&vec!["request".into(), "body".into()])
            && locations.contains(&vec!["request".into(), "header".into(), "x-api-key".into()]),
        "expected both violations named, received {locations:?}"
    );
}

#[tokio::test]
async fn error_answers_carry_the_headers_their_response_declares() {
    let contract = fixture_contract("error-headers.yaml");
    // Stateful, as `serve` is: an id never stored is the declared (`default`) 404.
    let router = app(
        engine(&contract, EngineOptions::default()),
        HttpOptions::default(),
    );
    let refusals = [
        ("POST", "/widgets", r#"{"name": 5}"#, "name"),
        ("GET", "/widgets/w9", "", "w9"),
    ];
    for (method, uri, body, named) in refusals {
        let headers: &[(&str, &str)] = if body.is_empty() { &[] } else { &[JSON] };
        let answer = send(&router, method, uri, headers, body).await;
        let (api, operation) = find_operation(&contract, method, uri);
        let problems = contract_problems(api, operation, &answer);
        assert!(
            answer.status >= 400 && problems.is_empty(),
            "{method} {uri} answered {} with {problems:#?}; expected a refusal within the \
             contract, its declared headers included",
            answer.status
        );
        let message = answer.header("x-error-message").unwrap_or_default();
        assert!(
            message.contains(named),
            "{method} {uri}: x-error-message is {message:?}; expected the violation's message, \
             naming {named:?}"
        );
    }
}
