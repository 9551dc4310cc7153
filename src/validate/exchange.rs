//! One recorded exchange against the contract: which operation it was (server base paths and
//! mounts honoured), then both sides checked. Check names follow Schemathesis where the
//! meaning is the same.

use serde::Serialize;

use super::request::{ObservedRequest, request_violations};
use super::response::{ObservedResponse, response_violations};
use crate::contract::{CompiledApi, Contract, Operation, RouteMatch};
use crate::headers;
use crate::recording::Exchange;
use crate::violation::{Violation, ViolationKind};

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// `status_code_conformance`, `response_schema_conformance`, `request_conformance`…
    pub check: String,
    #[serde(flatten)]
    pub violation: Violation,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckedExchange {
    pub source: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// `(api index, operation index)` of the operation it was.
    #[serde(skip)]
    pub operation: Option<(usize, usize)>,
    /// The operation's id, for reports.
    pub operation_id: Option<String>,
    pub failures: Vec<Failure>,
    /// A command that sends the request again (`check`'s failures: a `curl` line, secrets
    /// redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
}

/// Finds the route of a recorded request's path (one serving `method` where there is one, see
/// `RouteTable::find_for`): as it is (recorded from `serve`), under an API's mount, or with
/// one of its server URLs' base path (`/api/v1`) taken off.
pub fn find_route<'c>(contract: &'c Contract, method: &str, path: &str) -> Option<RouteMatch<'c>> {
    if let Some(found) = contract.routes.find_for(path, method) {
        return Some(found);
    }
    for compiled in &contract.apis {
        let api = &compiled.api;
        let mut candidates = vec![format!("{}{path}", api.mount)];
        for server in &api.servers {
            if let Some(rest) = strip_server_base(server, path) {
                candidates.push(format!("{}{rest}", api.mount));
            }
        }
        for candidate in candidates {
            if let Some(found) = contract
                .routes
                .find_for(&candidate, method)
                .filter(|f| f.entry.api == compiled.index)
            {
                return Some(found);
            }
        }
    }
    None
}

/// `path` without the base path of `server`'s URL (`https://api.example.com/api/v1` →
/// `/api/v1`), or `None` when it does not start with it. A server variable in the base path
/// (`/{version}`) matches one segment: any value, or one of its `enum` when it has one.
fn strip_server_base<'p>(server: &openapiv3::Server, path: &'p str) -> Option<&'p str> {
    let url = server.url.as_str();
    let base = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url,
    };
    let base_segments: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    if base_segments.is_empty() {
        return None;
    }
    let mut rest = path;
    for expected in base_segments {
        let trimmed = rest.strip_prefix('/')?;
        let (segment, remainder) = trimmed.split_at(trimmed.find('/').unwrap_or(trimmed.len()));
        let matches = match expected.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
            Some(variable) => {
                let allowed = server
                    .variables
                    .as_ref()
                    .and_then(|v| v.get(variable))
                    .map(|v| &v.enumeration);
                !segment.is_empty()
                    && allowed.is_none_or(|values| {
                        values.is_empty() || values.iter().any(|v| v == segment)
                    })
            }
            None => segment == expected,
        };
        if !matches {
            return None;
        }
        rest = remainder;
    }
    Some(rest)
}

/// The response's violations as failures named by check (Schemathesis's names).
pub fn response_failures(
    api: &CompiledApi,
    operation: &Operation,
    response: &ObservedResponse<'_>,
) -> Vec<Failure> {
    response_violations(api, operation, response)
        .into_iter()
        .map(|violation| {
            let check = match (
                violation.location.get(1).map(String::as_str),
                violation.keyword(),
            ) {
                (
                    _,
                    named @ ("status_code_conformance"
                    | "content_type_conformance"
                    | "response_headers_conformance"),
                ) => named.to_string(),
                (Some("header"), _) => "response_headers_conformance".to_string(),
                _ => "response_schema_conformance".to_string(),
            };
            Failure { check, violation }
        })
        .collect()
}

pub fn check_exchange(contract: &Contract, exchange: &Exchange) -> CheckedExchange {
    let (path, query) = exchange.path_and_query();
    let mut checked = CheckedExchange {
        reproduce: None,
        source: exchange.source.clone(),
        method: exchange.method.clone(),
        path: path.clone(),
        status: exchange.status,
        operation: None,
        operation_id: None,
        failures: Vec::new(),
    };
    let undocumented = |message: String| Failure {
        check: "undocumented_operation".into(),
        violation: Violation {
            location: vec!["request".into(), "path".into()],
            instance_path: String::new(),
            schema_path: String::new(),
            kind: ViolationKind::Undocumented,
            message,
        },
    };
    let Some(route) = find_route(contract, &exchange.method, &path) else {
        checked.failures.push(undocumented(format!(
            "no operation of the contract matches {path}"
        )));
        return checked;
    };
    let carries = |name: &str, value: Option<&str>| {
        headers::carries(&query, &exchange.request_headers, name, value)
    };
    let Some(op_index) = route.entry.operation_for(&exchange.method, carries) else {
        checked.failures.push(undocumented(format!(
            "{path} declares no {} operation",
            exchange.method
        )));
        return checked;
    };
    let (api, operation) = contract.operation(route.entry.api, op_index);
    checked.operation = Some((route.entry.api, op_index));
    checked.operation_id = Some(operation.id.clone());
    let path_params = route.params(op_index);
    let request = ObservedRequest {
        path_params: &path_params,
        query: &query,
        headers: &exchange.request_headers,
        body: &exchange.request_body,
        credentials: &[],
    };
    for violation in request_violations(api, operation, &request) {
        checked.failures.push(Failure {
            check: "request_conformance".into(),
            violation,
        });
    }
    let response = ObservedResponse {
        status: exchange.status,
        headers: &exchange.response_headers,
        body: &exchange.response_body,
    };
    checked
        .failures
        .extend(response_failures(api, operation, &response));
    checked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(url: &str, variables: &[(&str, &[&str])]) -> openapiv3::Server {
        let mut server = openapiv3::Server {
            url: url.to_string(),
            ..Default::default()
        };
        if !variables.is_empty() {
            server.variables = Some(
                variables
                    .iter()
                    .map(|(name, values)| {
                        let variable = openapiv3::ServerVariable {
                            default: values[0].to_string(),
                            enumeration: values.iter().map(|v| v.to_string()).collect(),
                            ..Default::default()
                        };
                        (name.to_string(), variable)
                    })
                    .collect(),
            );
        }
        server
    }

    #[test]
    fn server_base_paths_are_taken_off_recorded_paths() {
        let plain = server("https://api.example.com/api/v1/", &[]);
        assert_eq!(
            strip_server_base(&plain, "/api/v1/items/3"),
            Some("/items/3")
        );
        assert_eq!(strip_server_base(&plain, "/api/v10/items"), None);
        let templated = server(
            "https://{region}.example.com/{version}",
            &[("version", &["v1", "v2"])],
        );
        assert_eq!(strip_server_base(&templated, "/v2/items"), Some("/items"));
        assert_eq!(strip_server_base(&templated, "/v3/items"), None);
        assert_eq!(
            strip_server_base(&server("https://api.example.com", &[]), "/items"),
            None
        );
    }
}
