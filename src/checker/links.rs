//! OpenAPI `links`: the requests an answer leads to, their parameters evaluated from the
//! exchange (`$response.body#/id`, `$response.header.Location`…).

use serde_json::Value;

use super::case::{Case, Expect};
use super::send::Answer;
use crate::contract::Contract;
use std::borrow::Cow;

use crate::headers;

/// The requests the declared `links` of `case`'s answer lead to.
pub(super) fn follow_links(
    contract: &Contract,
    positives: &[Case],
    case: &Case,
    answer: &Answer,
) -> Vec<Case> {
    if case.expect != Expect::Accepted || !(200..300).contains(&answer.status) {
        return Vec::new();
    }
    let (api, operation) = contract.operation(case.api, case.operation);
    let Some(declared) = crate::validate::declared_response(operation, answer.status) else {
        return Vec::new();
    };
    let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let mut out = Vec::new();
    for link in &declared.links {
        let Some(target_index) = api
            .api
            .operations
            .iter()
            .position(|o| o.id == link.operation_id)
        else {
            continue;
        };
        let Some(base) = positives
            .iter()
            .find(|c| c.api == case.api && c.operation == target_index)
        else {
            continue;
        };
        let target = &api.api.operations[target_index];
        let mut linked = Case {
            name: format!("{} (link {} from {})", base.name, link.name, operation.id),
            ..base.clone()
        };
        let template = format!("{}{}", api.api.mount, target.path);
        let mut segments: Vec<String> = base.path.split('/').map(str::to_string).collect();
        for (raw_name, expression) in &link.parameters {
            let name = raw_name
                .split_once('.')
                .map_or(raw_name.as_str(), |(_, n)| n);
            let Some(value) = evaluate(expression, case, answer, body.as_ref()) else {
                continue;
            };
            let Some(parameter) = target.parameters.iter().find(|p| p.name == name) else {
                continue;
            };
            match parameter.location {
                crate::contract::ParameterLocation::Path => {
                    if let Some(position) =
                        template.split('/').position(|s| s == format!("{{{name}}}"))
                        && let Some(segment) = segments.get_mut(position)
                    {
                        *segment = percent_encoding::utf8_percent_encode(
                            &value,
                            crate::pointer::PATH_SEGMENT,
                        )
                        .to_string();
                    }
                }
                crate::contract::ParameterLocation::Query => {
                    linked.query.retain(|(n, _)| n != name);
                    linked.query.push((name.to_string(), value));
                }
                _ => {
                    headers::set(&mut linked.headers, name, &value);
                }
            }
        }
        linked.path = segments.join("/");
        out.push(linked);
    }
    out
}

/// An OpenAPI runtime expression (`$response.body#/id`, `$request.path.id`,
/// `$response.header.Location`, `$statusCode`) or a literal, as text.
pub(super) fn evaluate(
    expression: &Value,
    case: &Case,
    answer: &Answer,
    body: Option<&Value>,
) -> Option<String> {
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let Some(expression) = expression.as_str() else {
        return Some(text(expression));
    };
    if let Some(pointer) = expression.strip_prefix("$response.body#") {
        return body?.pointer(pointer).map(text);
    }
    if expression == "$response.body" {
        return body.map(text);
    }
    if let Some(name) = expression.strip_prefix("$response.header.") {
        return headers::text(&answer.headers, name).map(Cow::into_owned);
    }
    if let Some(name) = expression.strip_prefix("$request.query.") {
        return case
            .query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone());
    }
    if let Some(name) = expression.strip_prefix("$request.header.") {
        return headers::text(&case.headers, name).map(Cow::into_owned);
    }
    if expression == "$statusCode" {
        return Some(answer.status.to_string());
    }
    if expression.starts_with('$') {
        return None; // $request.path.*, $request.body, $url, $method: not carried over
    }
    Some(expression.to_string())
}
