//! The validating proxy: every request goes to the real upstream and its answer comes back,
//! both directions checked against the contract. Violations go to `sl-violations` and the
//! log (Prism's behaviour); with `errors`, an invalid request is answered without forwarding
//! (401/422…) and an invalid upstream answer becomes a 502 problem listing the violations.
//! Knows the HTTP client (reqwest); the server side is in `http`.

mod record;

use ::http::HeaderMap;
use std::time::Duration;

use bytes::Bytes;

pub use record::Recorder;

use crate::contract::Contract;
use crate::mock::{
    GeneratedValues, MockResponse, SlViolation, problem_document, reject_request, sl_violation,
};
use crate::recording::Exchange;
use crate::validate::{
    ObservedRequest, ObservedResponse, find_route, request_violations, response_violations,
};

pub struct Proxy {
    contract: std::sync::Arc<Contract>,
    client: reqwest::Client,
    /// The upstream base URL, without a trailing slash.
    upstream: String,
    errors: bool,
    recorder: Option<Recorder>,
    /// What refusals are generated from, kept (their seed is fixed).
    generated: GeneratedValues,
}

/// Settings of `understudy proxy`.
pub struct ProxyOptions {
    pub upstream: String,
    pub errors: bool,
    pub timeout: Duration,
    pub recorder: Option<Recorder>,
}

/// Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1), plus `host`.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
];

impl Proxy {
    /// The contract both directions are checked against.
    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    pub fn new(
        contract: std::sync::Arc<Contract>,
        options: ProxyOptions,
    ) -> Result<Proxy, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Proxy {
            contract,
            client,
            upstream: options.upstream.trim_end_matches('/').to_string(),
            errors: options.errors,
            recorder: options.recorder,
            generated: GeneratedValues::default(),
        })
    }

    /// Header names that carry secrets in this contract: API keys of its security schemes.
    pub fn secret_headers(contract: &Contract) -> Vec<String> {
        contract.secret_names().headers
    }

    pub async fn exchange(
        &self,
        method: &str,
        path: &str,
        query: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> MockResponse {
        let route = find_route(&self.contract, method, path);
        let operation = route.as_ref().and_then(|route| {
            let (_, index) = route.entry.operations.iter().find(|(m, _)| m == method)?;
            let (api, operation) = self.contract.operation(route.entry.api, *index);
            Some((api, operation, route.params(*index)))
        });
        let mut warnings: Vec<SlViolation> = Vec::new();
        if let Some((api, operation, path_params)) = &operation {
            let request = ObservedRequest {
                path_params,
                query,
                headers: &headers,
                body: &body,
                credentials: &[],
            };
            let violations = request_violations(api, operation, &request);
            if !violations.is_empty() {
                tracing::warn!(target: "understudy::proxy", "{method} {path}: {} request violation(s)", violations.len());
                // A refusal the contract declares answers for the upstream; where it declares
                // none, the upstream answers, the violations noted.
                if self.errors
                    && let Some(refusal) =
                        reject_request(api, operation, path, &violations, 0, &self.generated)
                {
                    return refusal;
                }
                warnings.extend(violations.iter().map(sl_violation));
            }
        }
        let url = if query.is_empty() {
            format!("{}{path}", self.upstream)
        } else {
            format!("{}{path}?{query}", self.upstream)
        };
        let mut forwarded = self
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET),
                &url,
            )
            .body(body.clone());
        for (name, value) in headers
            .iter()
            .filter(|(n, _)| !HOP_BY_HOP.contains(&n.as_str()))
        {
            forwarded = forwarded.header(name, value);
        }
        let started = std::time::Instant::now();
        let upstream = match forwarded.send().await {
            Ok(response) => response,
            Err(error) => return upstream_failure(&url, &error),
        };
        let status = upstream.status().as_u16();
        let mut response_headers = upstream.headers().clone();
        for name in HOP_BY_HOP {
            response_headers.remove(*name);
        }
        let response_body = match upstream.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => return upstream_failure(&url, &error),
        };
        if let Some((api, operation, _)) = &operation {
            let observed = ObservedResponse {
                status,
                headers: &response_headers,
                body: &response_body,
            };
            let violations = response_violations(api, operation, &observed);
            if !violations.is_empty() {
                tracing::warn!(target: "understudy::proxy", "{method} {path}: the upstream answer breaks the contract in {} place(s)", violations.len());
                if self.errors {
                    return invalid_upstream(&violations);
                }
                warnings.extend(violations.iter().map(sl_violation));
            }
        }
        if let Some(recorder) = &self.recorder {
            recorder.record(
                &Exchange {
                    source: String::new(),
                    method: method.to_string(),
                    url: url.clone(),
                    request_headers: headers,
                    request_body: body.to_vec(),
                    status,
                    response_headers: response_headers.clone(),
                    response_body: response_body.to_vec(),
                },
                started.elapsed().as_secs_f64() * 1000.0,
            );
        }
        MockResponse {
            status,
            headers: response_headers,
            body: response_body,
            operation: operation.map(|(_, op, _)| op.id.clone()),
            warnings,
            ..MockResponse::default()
        }
    }
}

/// A refused connection, a TLS failure or a timeout: 502 or 504, never a hang.
fn upstream_failure(url: &str, error: &reqwest::Error) -> MockResponse {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    if error.is_timeout() {
        problem_document(
            504,
            Some("UPSTREAM_TIMEOUT"),
            "The upstream did not answer in time",
            format!("{url}: {message}"),
            None,
        )
    } else {
        problem_document(
            502,
            Some("UPSTREAM_UNREACHABLE"),
            "The upstream could not be reached",
            format!("{url}: {message}"),
            None,
        )
    }
}

fn invalid_upstream(violations: &[crate::violation::Violation]) -> MockResponse {
    let violations: Vec<&crate::violation::Violation> = violations.iter().collect();
    problem_document(
        502,
        Some("VIOLATIONS"),
        "The upstream answer breaks the contract",
        format!("{} violation(s) in the upstream answer", violations.len()),
        Some(&violations),
    )
}
