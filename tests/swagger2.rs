//! Swagger 2.0 documents, converted on load, served as their 2.0 text says: bodies, form data,
//! collection formats, shared parameters and responses, references into other files.

mod common;

use common::*;
use serde_json::json;
use understudy::http::{HttpOptions, app};
use understudy::mock::EngineOptions;

const KEY: (&str, &str) = ("x-api-key", "k");
/// `addPet` asks for OAuth 2 instead of the document's API key.
const BEARER: (&str, &str) = ("authorization", "Bearer t");

#[tokio::test]
async fn every_operation_of_a_swagger_2_document_answers_within_its_contract() {
    let contract = fixture_contract("swagger2/petstore.yaml");
    let answers = answer_every_operation(&contract).await;
    assert_eq!(
        answers.len(),
        5,
        "expected the five operations of the 2.0 file"
    );
    for (request, operation, answer, problems) in answers {
        assert!(
            problems.is_empty(),
            "{operation} ({request}): expected an answer within the contract, got {problems:#?}: {}",
            answer.text()
        );
    }
}

const CASES: &[StatusCase] = &[
    StatusCase {
        name: "repeated query values of a `multi` array and `|`-separated `pipes` ones are read",
        method: "GET",
        uri: "/pets?tags=a&tags=b&fields=name|tag&limit=50",
        headers: &[KEY],
        body: "",
        status: 200,
    },
    StatusCase {
        name: "a `pipes` item outside its enum is refused with the declared 422",
        method: "GET",
        uri: "/pets?fields=name|age",
        headers: &[KEY],
        body: "",
        status: 422,
    },
    StatusCase {
        name: "a shared path parameter below its minimum names nothing: the declared 404",
        method: "GET",
        uri: "/pets/0",
        headers: &[KEY],
        body: "",
        status: 404,
    },
    StatusCase {
        name: "a body parameter is the request body, checked against its definition in another file",
        method: "POST",
        uri: "/pets",
        headers: &[BEARER, ("content-type", "application/json")],
        body: r#"{"name": "Rex"}"#,
        status: 422,
    },
    StatusCase {
        name: "no API key gets the shared 401 response",
        method: "GET",
        uri: "/pets",
        headers: &[],
        body: "",
        status: 401,
    },
    StatusCase {
        name: "form data with its file is accepted",
        method: "POST",
        uri: "/pets/1/photo",
        headers: &[KEY, ("content-type", "multipart/form-data; boundary=X")],
        body: "--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nPNG\r\n--X\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nRex\r\n--X--\r\n",
        status: 200,
    },
    StatusCase {
        name: "form data without its required file is refused",
        method: "POST",
        uri: "/pets/1/photo",
        headers: &[KEY, ("content-type", "multipart/form-data; boundary=X")],
        body: "--X\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nRex\r\n--X--\r\n",
        status: 422,
    },
];

#[tokio::test]
async fn swagger_2_requests_are_checked_as_the_2_0_document_says() {
    let contract = fixture_contract("swagger2/petstore.yaml");
    let failures = status_case_failures(&contract, &router(&contract), CASES).await;
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn a_swagger_2_resource_is_created_read_and_deleted() {
    let contract = fixture_contract("swagger2/petstore.yaml");
    let router = app(
        engine(&contract, EngineOptions::default()),
        HttpOptions::default(),
    );
    let json_body = [BEARER, ("content-type", "application/json")];
    let created = send(
        &router,
        "POST",
        "/pets",
        &json_body,
        r#"{"name": "Rex", "kind": "dog", "tag": null}"#,
    )
    .await;
    assert_eq!(
        created.status,
        201,
        "expected the create: {}",
        created.text()
    );
    let id = created.json()["id"].clone();
    assert!(
        id.is_i64(),
        "expected a readOnly integer id made by the server: {}",
        created.text()
    );
    let read = send(&router, "GET", &format!("/pets/{id}"), &[KEY], "").await;
    assert_eq!(
        read.json(),
        json!({"id": id, "name": "Rex", "kind": "dog", "tag": null}),
        "expected the stored pet, its x-nullable tag kept as null"
    );
    let deleted = send(&router, "DELETE", &format!("/pets/{id}"), &[KEY], "").await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    assert_eq!(
        deleted.header("content-type"),
        Some("application/json"),
        "expected the type `produces` names, with no content"
    );
    let gone = send(&router, "GET", &format!("/pets/{id}"), &[KEY], "").await;
    assert_eq!(gone.status, 404, "{}", gone.text());
    assert_eq!(
        gone.json()
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["code".to_string(), "message".to_string()]),
        "expected the shared NotFound response's Error body: {}",
        gone.text()
    );
}
