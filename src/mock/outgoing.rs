//! Requests understudy sends on an API's behalf, made ready for the HTTP layer to send: a
//! webhook fired through the admin API (its body given and checked, or generated), and the
//! callbacks of an answered operation, each to the URL its runtime expression names
//! (`{$request.body#/callbackUrl}`, `{$request.query.url}`…). Only URLs the request (or the
//! admin call) gave are called, with the declared body and no credential of the request.

use bytes::Bytes;
use serde_json::Value;

use super::message::{MockRequest, OutgoingCall};
use crate::contract::{CompiledApi, MediaType, Operation, OutgoingTarget, json_media};
use crate::generate::generate_valid;
use crate::media;

/// What a runtime expression can read: the request answered and the answer.
pub struct Exchange<'a> {
    pub request: &'a MockRequest,
    pub path_params: &'a [(String, String)],
    pub request_body: Option<&'a Value>,
    pub answer_body: &'a [u8],
}

/// The webhook `name` of `api` as a call to `url` with `body`, or a body generated from the
/// webhook's schema; `Err` names what is wrong with the call asked for.
pub fn webhook(
    api: &CompiledApi,
    name: &str,
    url: &str,
    body: Option<&Value>,
    seed: u64,
) -> Result<OutgoingCall, String> {
    let index = api
        .api
        .webhooks
        .iter()
        .position(|w| w.name == name)
        .ok_or_else(|| format!("the contract declares no webhook {name:?}"))?;
    if !is_http_url(url) {
        return Err(format!("{url:?} is not an http:// or https:// URL"));
    }
    let operation = &api.api.webhooks[index].operation;
    let (content_type, bytes) = match body {
        Some(given) => {
            let media = body_media(operation);
            if let Some(id) = media.and_then(|m| m.schema) {
                let violations = api.schemas.violations(id, given, &["body"]);
                if let Some(first) = violations.first() {
                    return Err(format!(
                        "the body breaks the webhook's schema: {} ({} violation(s))",
                        first.message,
                        violations.len()
                    ));
                }
            }
            let content_type = media.map(|m| media::concrete(&m.media_type));
            (content_type, Bytes::from(given.to_string()))
        }
        None => generated_body(api, operation, seed),
    };
    Ok(OutgoingCall {
        api: api.index,
        target: OutgoingTarget::Webhook(index),
        label: format!("webhook {name}"),
        method: operation.method.clone(),
        url: url.to_string(),
        content_type,
        body: bytes,
        report: true,
    })
}

/// The callbacks of `api.api.operations[op_index]` after `exchange`, each to the URL its
/// expression gives; a callback whose URL cannot be made (the request did not carry it) is
/// left out, with why.
pub fn callbacks(
    api: &CompiledApi,
    op_index: usize,
    exchange: &Exchange<'_>,
    seed: u64,
) -> (Vec<OutgoingCall>, Vec<String>) {
    let operation = &api.api.operations[op_index];
    let mut calls = Vec::new();
    let mut skipped = Vec::new();
    for (index, callback) in operation.callbacks.iter().enumerate() {
        let url = expand(&callback.url, exchange).filter(|url| is_http_url(url));
        let Some(url) = url else {
            skipped.push(format!(
                "callback {} of {}: {:?} gives no http(s) URL for this request",
                callback.name, operation.id, callback.url
            ));
            continue;
        };
        let (content_type, body) = generated_body(api, &callback.operation, seed ^ index as u64);
        calls.push(OutgoingCall {
            api: api.index,
            target: OutgoingTarget::Callback {
                operation: op_index,
                index,
            },
            label: format!("callback {}", callback.name),
            method: callback.operation.method.clone(),
            url,
            content_type,
            body,
            report: false,
        });
    }
    (calls, skipped)
}

fn is_http_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// The media type an outgoing request's body is sent in: its first JSON one, else its first.
fn body_media(operation: &Operation) -> Option<&MediaType> {
    let body = operation.request_body.as_ref()?;
    json_media(&body.content).or(body.content.first())
}

/// The body an outgoing request carries when none is given: the first example, else a
/// value generated from the schema.
fn generated_body(api: &CompiledApi, operation: &Operation, seed: u64) -> (Option<String>, Bytes) {
    let Some(media) = body_media(operation) else {
        return (None, Bytes::new());
    };
    let value = match (media.examples.first(), media.schema) {
        (Some(example), _) => (*example.value).clone(),
        (None, Some(id)) => {
            generate_valid(&api.schemas, id, seed).unwrap_or_else(|failed| failed.best)
        }
        (None, None) => Value::Null,
    };
    let content_type = media::concrete(&media.media_type);
    let bytes = super::render::body_bytes(&content_type, &value);
    (Some(content_type), bytes)
}

/// `template` with each `{runtime expression}` replaced by what it reads; `None` when one
/// reads nothing.
fn expand(template: &str, exchange: &Exchange<'_>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        out.push_str(&evaluate(&rest[start + 1..end], exchange)?);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// One runtime expression (OpenAPI 3, "Runtime Expressions"): `$url`, `$method`,
/// `$request.{path,query,header}.NAME`, `$request.body#/pointer`, `$response.body#/pointer`.
fn evaluate(expression: &str, exchange: &Exchange<'_>) -> Option<String> {
    let request = exchange.request;
    let text = |value: &Value| match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if expression == "$method" {
        return Some(request.method.clone());
    }
    if expression == "$url" {
        return Some(request.path.clone());
    }
    if let Some(pointer) = expression.strip_prefix("$request.body") {
        let body = exchange.request_body?;
        return body
            .pointer(pointer.strip_prefix('#').unwrap_or(pointer))
            .map(text);
    }
    if let Some(pointer) = expression.strip_prefix("$response.body") {
        let body: Value = serde_json::from_slice(exchange.answer_body).ok()?;
        return body
            .pointer(pointer.strip_prefix('#').unwrap_or(pointer))
            .map(text);
    }
    if let Some(name) = expression.strip_prefix("$request.query.") {
        return form_urlencoded::parse(request.query.as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned());
    }
    if let Some(name) = expression.strip_prefix("$request.header.") {
        return request.header(name).map(|v| v.into_owned());
    }
    if let Some(name) = expression.strip_prefix("$request.path.") {
        return exchange
            .path_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn runtime_expressions_read_the_request_and_the_answer() {
        let request = MockRequest {
            method: "POST".into(),
            path: "/subscriptions".into(),
            query: "hook=http%3A%2F%2Fa.test%2Fq".into(),
            ..MockRequest::default()
        };
        let body = json!({"callbackUrl": "http://client.test/events"});
        let exchange = Exchange {
            request: &request,
            path_params: &[("id".into(), "7".into())],
            request_body: Some(&body),
            answer_body: br#"{"id": 42}"#,
        };
        assert_eq!(
            expand(
                "{$request.body#/callbackUrl}/{$response.body#/id}?m={$method}",
                &exchange
            ),
            Some("http://client.test/events/42?m=POST".into())
        );
        assert_eq!(
            expand("{$request.query.hook}", &exchange),
            Some("http://a.test/q".into())
        );
        assert_eq!(expand("{$request.path.id}", &exchange), Some("7".into()));
        assert_eq!(expand("{$request.body#/missing}", &exchange), None);
    }
}
