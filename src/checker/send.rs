//! Sending a case to the provider: the HTTP request, the recording (`--record`) and progress,
//! and the `curl` line that sends it again.

use ::http::HeaderMap;
use std::sync::Arc;

use super::case::Case;
use crate::headers;

/// What came back for a case.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
}

/// The parts of [`CheckOptions`] every request task needs.
pub(super) struct Shared {
    pub(super) target: String,
    /// The credentials `check` was given, as (header name, value).
    pub(super) secrets: Vec<(String, String)>,
    pub(super) recorder: Option<Arc<crate::proxy::Recorder>>,
    pub(super) on_answer: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// Sends `case`, then records the exchange and reports progress when asked to.
pub(super) async fn send_recorded(
    client: &reqwest::Client,
    options: &Shared,
    case: &Case,
) -> Result<Answer, String> {
    let started = std::time::Instant::now();
    let answer = send(client, &options.target, case).await;
    if let (Some(recorder), Ok(answer)) = (&options.recorder, &answer) {
        let url = case.url(&options.target);
        let mut request_headers = case.headers.clone();
        if let Some(content_type) = case.body.as_ref().and(case.content_type.as_ref()) {
            headers::set(&mut request_headers, "content-type", content_type);
        }
        recorder.record(
            &crate::recording::Exchange {
                source: case.name.clone(),
                method: case.method.clone(),
                url,
                request_headers,
                request_body: case
                    .body
                    .as_ref()
                    .map(|b| serde_json::to_vec(b).unwrap_or_default())
                    .unwrap_or_default(),
                status: answer.status,
                response_headers: answer.headers.clone(),
                response_body: answer.body.clone(),
            },
            started.elapsed().as_secs_f64() * 1000.0,
        );
    }
    if let Some(on_answer) = &options.on_answer {
        on_answer();
    }
    answer
}

pub(super) async fn send(
    client: &reqwest::Client,
    target: &str,
    case: &Case,
) -> Result<Answer, String> {
    let url = case.url(target);
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = client.request(method, &url);
    for (name, value) in &case.headers {
        request = request.header(name, value);
    }
    if let Some(body) = &case.body {
        request = request
            .header(
                "content-type",
                case.content_type
                    .clone()
                    .unwrap_or_else(|| "application/json".into()),
            )
            .body(serde_json::to_vec(body).unwrap_or_default());
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(|e| e.to_string())?.to_vec();
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// A `curl` command that sends `case` to `target` again, the `secret` headers (the credentials
/// `check` was given) redacted; a forged credential is no secret and is shown, so that the line
/// still reproduces an `ignored_auth` failure.
pub(super) fn curl(target: &str, case: &Case, secret: &[(String, String)]) -> String {
    let quote = |text: &str| {
        shlex::try_quote(text).map_or_else(
            |_| format!("'{}'", text.replace('\0', "")),
            |q| q.into_owned(),
        )
    };
    let url = case.url(target);
    let mut parts = vec![
        "curl".to_string(),
        "-X".into(),
        case.method.clone(),
        quote(&url),
    ];
    for (name, value) in &case.headers {
        let shown = if secret
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case(name.as_str()) && value == v.as_str())
        {
            "[REDACTED]".to_string()
        } else {
            value.to_str().unwrap_or_default().to_string()
        };
        parts.push("-H".into());
        parts.push(quote(&format!("{name}: {shown}")));
    }
    if let Some(body) = &case.body {
        let content_type = case
            .content_type
            .clone()
            .unwrap_or_else(|| "application/json".into());
        parts.push("-H".into());
        parts.push(quote(&format!("content-type: {content_type}")));
        parts.push("--data-raw".into());
        parts.push(quote(&body.to_string()));
    }
    parts.join(" ")
}
