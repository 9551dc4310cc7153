//! One request `check` sends and what it expects of the answer, with the helpers that fill
//! a case from the contract (valid parameter values, the path, the JSON body's schema), shared
//! by the plan and its coverage phase.

use ::http::HeaderMap;
use serde_json::{Value, json};

use super::wire;
use crate::contract::{CompiledApi, Operation, Parameter, ParameterLocation, View, routed_path};
use crate::generate::generate_valid;
use crate::validate::resolve;

/// What a case expects of the provider, named as Schemathesis names the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Valid input: 2xx, or 401/403/404/409 (`positive_data_acceptance`).
    Accepted,
    /// Invalid input: a 4xx (`negative_data_rejection`).
    Rejected,
    /// A path that names nothing that can exist (a bad path parameter): a 4xx, 404 among them.
    RejectedPath,
    /// A body in a media type the operation does not take: a 4xx, 415 among them.
    RejectedMediaType,
    /// No or bad credentials: 401 or 403 (`ignored_auth`).
    Unauthorized,
    /// An undeclared method: 405 with `Allow` (`unsupported_method`).
    MethodNotAllowed,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub api: usize,
    pub operation: usize,
    pub method: String,
    /// Path (with parameters filled) and query, without the target's base URL.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Option<Value>,
    pub content_type: Option<String>,
    pub expect: Expect,
}

impl Case {
    /// The URL the case is sent to under `target`, query included.
    pub fn url(&self, target: &str) -> String {
        if self.query.is_empty() {
            return format!("{target}{}", self.path);
        }
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.query)
            .finish();
        format!("{target}{}?{query}", self.path)
    }
}

/// The schema of the operation's JSON request body, resolved.
pub(super) fn json_body_schema<'a>(
    api: &'a CompiledApi,
    operation: &Operation,
) -> Option<&'a Value> {
    let id = operation.json_request_media()?.schema?;
    Some(resolve(
        api.schemas.node(id),
        api.schemas.document(View::Request),
    ))
}

/// `body` without its property `name`, when the operation's body schema still takes it: a
/// property not in the schema's own `required` may still be required by an `allOf` branch,
/// a `dependentRequired` or a `minProperties`.
pub(super) fn without_property(
    api: &CompiledApi,
    operation: &Operation,
    body: &Value,
    name: &str,
) -> Option<Value> {
    let mut smaller = body.clone();
    smaller.as_object_mut()?.shift_remove(name)?;
    let id = operation.json_request_media().and_then(|m| m.schema);
    id.is_none_or(|id| api.schemas.is_valid(id, &smaller))
        .then_some(smaller)
}

pub(super) fn valid_value(api: &CompiledApi, parameter: &Parameter, seed: u64) -> Value {
    parameter
        .schema
        .map(|id| generate_valid(&api.schemas, id, seed).unwrap_or_else(|failed| failed.best))
        .unwrap_or(json!("x"))
}

/// A valid value of the optional `parameter`; `None` where its schema has none (Stack
/// Exchange's `notice`, `type: string` with `enum: [true, false]`): a valid request leaves
/// such a parameter out, so a valid case does too.
pub(super) fn optional_value(api: &CompiledApi, parameter: &Parameter, seed: u64) -> Option<Value> {
    match parameter.schema {
        Some(id) => generate_valid(&api.schemas, id, seed).ok(),
        None => Some(json!("x")),
    }
}

/// The operation's path (under its API's mount) with every parameter filled with its valid
/// value, except `bad` (name, value) when given.
pub(super) fn filled_path(
    api: &CompiledApi,
    operation: &Operation,
    seed: u64,
    bad: Option<(&str, &str)>,
) -> String {
    let mut path = format!("{}{}", api.api.mount, routed_path(&operation.path));
    for parameter in operation
        .parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Path)
    {
        let value = match bad {
            Some((name, bad)) if name == parameter.name => bad.to_string(),
            _ => {
                wire::simple_text(parameter, &valid_value(api, parameter, seed)).unwrap_or_default()
            }
        };
        let encoded = percent_encoding::utf8_percent_encode(&value, crate::pointer::PATH_SEGMENT);
        path = path.replace(&format!("{{{}}}", parameter.name), &encoded.to_string());
    }
    path
}
