//! A provider of `tests/fixtures/provider.yaml` with planted defects, each reachable by one
//! kind of case only: the contract tests assert `check` finds each and nothing else, and
//! `examples/broken_provider.rs` serves it for the side-by-side with Schemathesis
//! (`scripts/versus_schemathesis`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

/// One defect per check kind.
pub fn broken_provider() -> Router {
    async fn list(
        headers: HeaderMap,
        Query(query): Query<Vec<(String, String)>>,
    ) -> impl IntoResponse {
        if !headers.contains_key("x-api-key") {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "application/json")],
                "{}".to_string(),
            );
        }
        // Only at the boundary: the smallest offset allowed breaks the server.
        if query.iter().any(|(k, v)| k == "offset" && v == "0") {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                "{}".to_string(),
            );
        }
        match query
            .iter()
            .find(|(k, _)| k == "limit")
            .map(|(_, v)| v.parse::<i64>())
        {
            // Undeclared status for an out-of-range limit.
            Some(Ok(n)) if n > 50 => (
                StatusCode::IM_A_TEAPOT,
                [(header::CONTENT_TYPE, "application/json")],
                "{}".to_string(),
            ),
            // A server error on a limit that is not a number.
            Some(Err(_)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                "{}".to_string(),
            ),
            // Wrong type: name is a number.
            _ => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                r#"[{"id": 1, "name": 5}]"#.to_string(),
            ),
        }
    }
    async fn create(headers: HeaderMap, body: Bytes) -> impl IntoResponse {
        let json = [(header::CONTENT_TYPE, "application/json")];
        if !headers.contains_key("x-api-key") {
            return (StatusCode::UNAUTHORIZED, json, "{}");
        }
        // A server error on a body that is not an object.
        if body.starts_with(b"[") {
            return (StatusCode::INTERNAL_SERVER_ERROR, json, "{}");
        }
        // Accepts anything else, and forgets the required name in its answer.
        (StatusCode::CREATED, json, r#"{"id": 7}"#)
    }
    // Accepts any id, even one that is not the declared integer.
    async fn item(headers: HeaderMap) -> impl IntoResponse {
        if !headers.contains_key("x-api-key") {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "application/json")],
                "{}",
            );
        }
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"id": 7, "name": "kept"}"#,
        )
    }
    // Checks what it is sent and answers as if it kept it; the item read next is unchanged.
    async fn update_forgotten(
        headers: HeaderMap,
        axum::extract::Path(id): axum::extract::Path<String>,
        body: Bytes,
    ) -> impl IntoResponse {
        let json = [(header::CONTENT_TYPE, "application/json")];
        if !headers.contains_key("x-api-key") {
            return (StatusCode::UNAUTHORIZED, json, "{}".to_string());
        }
        // Only one of the two declared media types: it cannot read the other.
        if headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t == "application/vnd.item+json")
        {
            return (StatusCode::INTERNAL_SERVER_ERROR, json, "{}".to_string());
        }
        let name = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|b| b.get("name").and_then(|n| n.as_str()).map(str::to_string));
        match (id.parse::<i64>(), name) {
            (Ok(id), Some(name)) => (
                StatusCode::OK,
                json,
                serde_json::json!({"id": id, "name": name}).to_string(),
            ),
            _ => (
                StatusCode::BAD_REQUEST,
                json,
                r#"{"message": "bad"}"#.to_string(),
            ),
        }
    }
    async fn forget_delete(headers: HeaderMap) -> StatusCode {
        if !headers.contains_key("x-api-key") {
            return StatusCode::UNAUTHORIZED;
        }
        // Answers as if it deleted, and keeps the item.
        StatusCode::NO_CONTENT
    }
    // Undeclared methods get 405 without Allow.
    let no_allow = || async { StatusCode::METHOD_NOT_ALLOWED };
    Router::new()
        .route(
            "/items",
            get(list)
                .post(create)
                .patch(no_allow)
                .put(no_allow)
                .delete(no_allow),
        )
        .route(
            "/items/{id}",
            get(item)
                .delete(forget_delete)
                .patch(no_allow)
                .put(update_forgotten)
                .post(no_allow),
        )
}
