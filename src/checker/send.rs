//! Sending a case to the provider: the HTTP request, the recording (`--record`) and progress,
//! and the `curl` line that sends it again.

use ::http::HeaderMap;
use std::sync::Arc;

use super::case::Case;
use super::credentials::Secret;

/// What a secret is shown as.
const REDACTED: &str = "[REDACTED]";
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
    /// The credentials `check` was given, as they may be sent.
    pub(super) secrets: Vec<Secret>,
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

/// A `curl` command that sends `case` to `target` again, the `secret` headers, query
/// parameters and cookies (the credentials `check` was given) redacted; a forged credential
/// is no secret and is shown, so that the line still reproduces an `ignored_auth` failure.
pub(super) fn curl(target: &str, case: &Case, secret: &[Secret]) -> String {
    let quote = |text: &str| {
        shlex::try_quote(text).map_or_else(
            |_| format!("'{}'", text.replace('\0', "")),
            |q| q.into_owned(),
        )
    };
    let shown_query = case
        .query
        .iter()
        .map(|(name, value)| {
            let hidden = secret.contains(&Secret::Query(name.clone(), value.clone()));
            let value = if hidden {
                REDACTED.to_string()
            } else {
                value.clone()
            };
            (name.clone(), value)
        })
        .collect();
    let url = Case {
        query: shown_query,
        ..case.clone()
    }
    .url(target);
    let mut parts = vec![
        "curl".to_string(),
        "-X".into(),
        case.method.clone(),
        quote(&url),
    ];
    for (name, value) in &case.headers {
        let text = value.to_str().unwrap_or_default();
        let is_secret = |candidate: &Secret| match candidate {
            Secret::Header(n, v) => n == name.as_str() && v == text,
            // One `Cookie` header carries every cookie: any secret one hides it whole.
            Secret::Cookie(n, v) if name == "cookie" => text
                .split(';')
                .any(|pair| pair.trim() == format!("{n}={v}")),
            _ => false,
        };
        let shown = if secret.iter().any(is_secret) {
            REDACTED.to_string()
        } else {
            text.to_string()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::case::Expect;

    #[test]
    fn a_reproducing_curl_line_hides_every_secret_given_and_shows_forged_ones() {
        let mut headers = HeaderMap::new();
        headers::set(&mut headers, "authorization", "Basic YWRhOnB3");
        headers::set(&mut headers, "cookie", "theme=dark; session=ck-1");
        headers::set(&mut headers, "x-api-key", "forged-key");
        let case = Case {
            name: "GET /notes (valid)".into(),
            api: 0,
            operation: 0,
            method: "GET".into(),
            path: "/notes".into(),
            query: vec![
                ("circle-token".into(), "qk-1".into()),
                ("q".into(), "a".into()),
            ],
            headers,
            body: None,
            content_type: None,
            expect: Expect::Accepted,
        };
        let secrets = [
            Secret::Header("authorization".into(), "Basic YWRhOnB3".into()),
            Secret::Cookie("session".into(), "ck-1".into()),
            Secret::Query("circle-token".into(), "qk-1".into()),
            Secret::Header("x-api-key".into(), "real-key".into()),
        ];
        let line = curl("http://127.0.0.1:1", &case, &secrets);
        for hidden in ["YWRhOnB3", "ck-1", "qk-1"] {
            assert!(
                !line.contains(hidden),
                "expected {hidden} hidden, got {line}"
            );
        }
        assert!(
            line.contains("forged-key") && line.contains("q=a"),
            "expected what is no secret shown, got {line}"
        );
    }
}
