//! The ceiling for load tests: a bare axum server answering every request with fixed bytes
//! of about the size of a mocked membership. `scripts/loadtest` runs it beside `understudy
//! serve` in the same run, so figures are ratios to what this machine can do at all.
//!
//! Usage: cargo run --release --example bare_server -- PORT

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;

const BODY: &str = r#"{"count":1,"meta":{"count":1,"page_count":1,"page_number":1,"page_size":20},"results":[{"key":"organization_memberships","id":"1"}],"organization_memberships":{"1":{"created_at":"2024-01-01T00:00:00Z","department_id":"10","geography_id":"3","member_id":"1","member_type":"user","primary":true,"updated_at":"2024-01-01T00:00:00Z"}}}"#;

/// The same allocator as `understudy`, so that the ratio compares servers, not allocators.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn fixed() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], BODY)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(4099);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, Router::new().fallback(fixed)).await
}
