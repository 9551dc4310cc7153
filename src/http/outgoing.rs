//! Sending the requests the engine made ready (callbacks after an answer, a webhook asked for
//! through the admin API): to the URL given, with a timeout, never retried, redirects not
//! followed, and with nothing of the incoming request's (no credentials). Each answer is
//! checked against the responses the contract declares for it, logged and journaled.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::mock::{Engine, MockResponse, OutgoingCall, SlViolation, problem_document};
use crate::validate::{ObservedResponse, response_violations};

/// What a receiver said, and how it kept the contract.
struct Delivery {
    status: u16,
    body: Vec<u8>,
    violations: Vec<SlViolation>,
}

/// The client outgoing requests are sent with.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Sends `call` and answers the admin call that asked for it with what the receiver said.
pub async fn send_and_report(
    engine: &Arc<Engine>,
    client: &reqwest::Client,
    call: OutgoingCall,
) -> MockResponse {
    match deliver(engine, client, &call).await {
        Ok(delivery) => {
            let sent: Value = serde_json::from_slice(&call.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&call.body).into()));
            let said: Value = serde_json::from_slice(&delivery.body).unwrap_or_else(|_| {
                Value::String(String::from_utf8_lossy(&delivery.body).into_owned())
            });
            let report = json!({
                "sent": {"method": call.method, "url": call.url, "body": sent},
                "received": {"status": delivery.status, "body": said},
                "conforms": delivery.violations.is_empty(),
                "violations": delivery.violations,
            });
            let mut response = MockResponse {
                status: 200,
                body: serde_json::to_vec(&report).unwrap_or_default().into(),
                operation: Some("understudy-admin".into()),
                ..MockResponse::default()
            };
            crate::headers::set(&mut response.headers, "content-type", "application/json");
            response
        }
        Err(message) => problem_document(502, None, "Bad Gateway", message, None),
    }
}

/// Sends `call` after `delay`, for a callback: the result goes to the log and the journal.
pub async fn send_later(
    engine: Arc<Engine>,
    client: reqwest::Client,
    call: OutgoingCall,
    delay: Duration,
) {
    tokio::time::sleep(delay).await;
    match deliver(&engine, &client, &call).await {
        Ok(delivery) if delivery.violations.is_empty() => tracing::info!(
            target: "understudy::outgoing",
            "{} {} {}: {}", call.label, call.method, call.url, delivery.status
        ),
        Ok(delivery) => tracing::warn!(
            target: "understudy::outgoing",
            "{} {} {}: {} breaks the contract: {}",
            call.label, call.method, call.url, delivery.status,
            delivery.violations.iter().map(|v| v.message.as_str()).collect::<Vec<_>>().join("; ")
        ),
        Err(message) => tracing::warn!(target: "understudy::outgoing", "{message}"),
    }
}

async fn deliver(
    engine: &Arc<Engine>,
    client: &reqwest::Client,
    call: &OutgoingCall,
) -> Result<Delivery, String> {
    let method = reqwest::Method::from_bytes(call.method.as_bytes()).map_err(|e| {
        format!(
            "{}: the method {:?} cannot be sent: {e}",
            call.label, call.method
        )
    })?;
    let mut request = client.request(method, &call.url).body(call.body.clone());
    if let Some(content_type) = &call.content_type {
        request = request.header("content-type", content_type);
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(e) => {
            engine.record_outgoing(call, 502, Vec::new());
            return Err(format!(
                "{} to {} was not answered: {e}",
                call.label, call.url
            ));
        }
    };
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let body = answer.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    let contract = engine.contract();
    let violations: Vec<SlViolation> = contract
        .apis
        .get(call.api)
        .and_then(|api| Some((api, api.api.outgoing(call.target)?)))
        .map(|(api, declared)| {
            let observed = ObservedResponse {
                status,
                headers: &headers,
                body: &body,
            };
            response_violations(api, &declared.operation, &observed)
                .iter()
                .map(crate::mock::sl_violation)
                .collect()
        })
        .unwrap_or_default();
    engine.record_outgoing(call, status, violations.clone());
    Ok(Delivery {
        status,
        body,
        violations,
    })
}
