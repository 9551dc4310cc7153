//! The coverage phase (Schemathesis's): valid requests at the edges of what each parameter
//! and body property allows, one at a time over the positive request.

use serde_json::{Value, json};

use super::case::{Case, filled_path, valid_value};
use super::wire;
use crate::contract::{CompiledApi, Operation, ParameterLocation, View};
use crate::headers;
use crate::pointer;
use crate::validate::resolve;

/// Over the positive request, one at a time, each parameter and each body property (nested
/// ones too, three levels down) at the edges of what its schema allows: minimum, maximum,
/// exclusive bounds a step inside (the int32 and int64 limits: compiling made them bounds), minLength and maxLength,
/// minItems and maxItems, each enum value, `const`, both booleans, null where nullable, the
/// edge values of its format; and each optional query parameter present. Every case is valid
/// input, which the provider must accept: a value the compiled schema refuses (an edge that
/// breaks a pattern, say) is left out.
pub(super) fn boundaries(
    api: &CompiledApi,
    operation: &Operation,
    positive: &Case,
    seed: u64,
) -> Vec<Case> {
    let document = api.schemas.document(View::Request);
    let mut out = Vec::new();
    let case = |what: String| Case {
        name: format!("{} {} (boundary: {what})", operation.method, operation.path),
        ..positive.clone()
    };
    for parameter in &operation.parameters {
        let Some(id) = parameter.schema else { continue };
        let schema = resolve(api.schemas.node(id), document);
        let name = &parameter.name;
        let mut values = edges(schema);
        if parameter.location == ParameterLocation::Query && !parameter.required {
            values.push(("present".into(), valid_value(api, parameter, seed)));
        }
        for (label, value) in values {
            // A parameter is text on the wire: null is not a value it can carry, and arrays
            // and objects are written by their style, which these cases leave aside.
            if value.is_null()
                || value.is_array()
                || value.is_object()
                || !api.schemas.is_valid(id, &value)
            {
                continue;
            }
            let text = wire::text(&value);
            match parameter.location {
                ParameterLocation::Query => {
                    let mut case = case(format!("query {name} = {text} ({label})"));
                    case.query.retain(|(n, _)| n != name);
                    case.query.push((name.clone(), text));
                    out.push(case);
                }
                ParameterLocation::Path => {
                    let mut case = case(format!("path {name} = {text} ({label})"));
                    case.path = filled_path(api, operation, seed, Some((name, &text)));
                    out.push(case);
                }
                ParameterLocation::Header => {
                    let mut case = case(format!("header {name} = {text} ({label})"));
                    headers::set(&mut case.headers, name, &text);
                    out.push(case);
                }
                ParameterLocation::Cookie | ParameterLocation::QueryString => {}
            }
        }
    }
    let (Some(body), Some(id)) = (
        &positive.body,
        operation.json_request_media().and_then(|m| m.schema),
    ) else {
        return out;
    };
    let mut found = Vec::new();
    property_edges(
        resolve(api.schemas.node(id), document),
        body,
        document,
        "",
        &mut found,
    );
    for (pointer, label, value) in found {
        let mut changed = body.clone();
        if !replace(&mut changed, &pointer, value.clone()) || !api.schemas.is_valid(id, &changed) {
            continue;
        }
        let shown = match &value {
            Value::Array(items) => format!("{} item(s)", items.len()),
            other => other.to_string(),
        };
        let field = pointer::segments(&pointer).collect::<Vec<_>>().join(".");
        let mut case = case(format!("body {field} = {shown} ({label})"));
        case.body = Some(changed);
        out.push(case);
    }
    out
}

/// The edges of every writable property of `schema` that `value` holds, as (JSON pointer
/// under `at`, what edge, value), descending into nested objects three levels deep (deeper
/// is rare, and each level multiplies the cases).
fn property_edges(
    schema: &Value,
    value: &Value,
    document: &Value,
    at: &str,
    out: &mut Vec<(String, String, Value)>,
) {
    let (Value::Object(fields), Some(properties)) =
        (value, schema.get("properties").and_then(Value::as_object))
    else {
        return;
    };
    for (name, property) in properties {
        let property = resolve(property, document);
        if property.get("readOnly") == Some(&Value::Bool(true)) {
            continue;
        }
        let here = format!("{at}/{}", pointer::escape(name));
        let held = fields.get(name);
        for (label, edge) in edges(property)
            .into_iter()
            .chain(array_edges(property, held))
        {
            out.push((here.clone(), label, edge));
        }
        if let Some(inner) = held.filter(|_| here.matches('/').count() < 3) {
            property_edges(property, inner, document, &here, out);
        }
    }
}

/// `value` with the node at `pointer` set to `new`; false when its parent is not an object.
fn replace(value: &mut Value, pointer: &str, new: Value) -> bool {
    let Some((parent, _)) = pointer.rsplit_once('/') else {
        return false;
    };
    match (value.pointer_mut(parent), pointer::segments(pointer).last()) {
        (Some(Value::Object(fields)), Some(name)) => {
            fields.insert(name, new);
            true
        }
        _ => false,
    }
}

/// Valid text at the edges of a string format: the earliest and latest instants, the nil and
/// the largest uuid, the shortest address, and so on. Formats a provider parses are where
/// off-by-one and overflow bugs hide.
fn format_edges(format: &str) -> &'static [(&'static str, &'static str)] {
    match format {
        "date-time" => &[
            ("earliest date-time", "0001-01-01T00:00:00Z"),
            ("latest date-time", "9999-12-31T23:59:59.999+14:00"),
            ("leap day", "2024-02-29T12:00:00-12:00"),
        ],
        "date" => &[
            ("earliest date", "0001-01-01"),
            ("latest date", "9999-12-31"),
            ("leap day", "2024-02-29"),
        ],
        "time" => &[
            ("earliest time", "00:00:00Z"),
            ("latest time", "23:59:59.999+14:00"),
        ],
        "uuid" => &[
            ("nil uuid", "00000000-0000-0000-0000-000000000000"),
            ("largest uuid", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
        ],
        "email" => &[
            ("shortest email", "a@b.co"),
            ("email with a tag", "first.last+tag@mail.example.com"),
        ],
        "ipv4" => &[
            ("lowest ipv4", "0.0.0.0"),
            ("highest ipv4", "255.255.255.255"),
        ],
        "ipv6" => &[
            ("shortest ipv6", "::"),
            ("highest ipv6", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ],
        "uri" => &[
            ("uri without authority", "urn:isbn:0451450523"),
            (
                "uri with every part",
                "https://user@example.com:8443/a%20b?q=1#f",
            ),
        ],
        "hostname" => &[("one-letter hostname", "a")],
        _ => &[],
    }
}

/// An array property at its fewest and most items, its valid value's first item repeated
/// (not where items must be unique, and at most 100).
fn array_edges(schema: &Value, valid: Option<&Value>) -> Vec<(String, Value)> {
    let Some(Value::Array(items)) = valid else {
        return Vec::new();
    };
    let Some(first) = items.first() else {
        return Vec::new();
    };
    if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
        return Vec::new();
    }
    let sized = |n: u64| Value::Array(vec![first.clone(); n as usize]);
    let mut out = Vec::new();
    if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
        out.push(("minItems".to_string(), sized(min)));
    }
    if let Some(max) = schema
        .get("maxItems")
        .and_then(Value::as_u64)
        .filter(|m| *m <= 100)
    {
        out.push(("maxItems".to_string(), sized(max)));
    }
    out
}

/// The values at the edges of what `schema` allows, each with what edge it is. Not every one
/// need be valid (a length edge may break a pattern, a bound need not be a multiple of
/// `multipleOf`): the caller keeps those the schema
/// accepts.
fn edges(schema: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(|v| ("enum value".to_string(), v.clone()))
            .collect();
    }
    if let Some(value) = schema.get("const") {
        return vec![("const".into(), value.clone())];
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    if types.contains(&"integer") {
        // int32 and int64 formats were compiled into minimum and maximum.
        let low = number("minimum").map(|m| m.ceil() as i64).or_else(|| {
            match schema.get("exclusiveMinimum") {
                Some(Value::Number(n)) => n.as_f64().map(|m| m.floor() as i64 + 1),
                _ => None,
            }
        });
        let high = number("maximum").map(|m| m.floor() as i64).or_else(|| {
            match schema.get("exclusiveMaximum") {
                Some(Value::Number(n)) => n.as_f64().map(|m| m.ceil() as i64 - 1),
                _ => None,
            }
        });
        // 3.0's boolean exclusive bounds move the edge a step inside.
        let step_in = |key: &str| schema.get(key) == Some(&Value::Bool(true));
        if let Some(low) = low {
            let low = if step_in("exclusiveMinimum") {
                low + 1
            } else {
                low
            };
            out.push(("minimum".into(), json!(low)));
        }
        if let Some(high) = high {
            let high = if step_in("exclusiveMaximum") {
                high - 1
            } else {
                high
            };
            out.push(("maximum".into(), json!(high)));
        }
    } else if types.contains(&"number") {
        if let (Some(low), false) = (number("minimum"), schema.get("exclusiveMinimum").is_some()) {
            out.push(("minimum".into(), json!(low)));
        }
        if let (Some(high), false) = (number("maximum"), schema.get("exclusiveMaximum").is_some()) {
            out.push(("maximum".into(), json!(high)));
        }
    } else if types.contains(&"string") {
        if let Some(format) = schema.get("format").and_then(Value::as_str) {
            out.extend(
                format_edges(format)
                    .iter()
                    .map(|(label, text)| (label.to_string(), json!(text))),
            );
        }
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
            out.push(("minLength".into(), json!("a".repeat(min as usize))));
        }
        if let Some(max) = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .filter(|m| *m <= 4096)
        {
            out.push(("maxLength".into(), json!("a".repeat(max as usize))));
        }
    } else if types.contains(&"boolean") {
        out.push(("true".into(), json!(true)));
        out.push(("false".into(), json!(false)));
    }
    if types.contains(&"null") || schema.get("nullable") == Some(&Value::Bool(true)) {
        out.push(("null".into(), Value::Null));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_array_is_tried_at_its_fewest_and_most_items_unless_they_must_be_unique() {
        let schema = json!({"type": "array", "minItems": 1, "maxItems": 3});
        let valid = json!(["a", "b"]);
        assert_eq!(
            array_edges(&schema, Some(&valid)),
            [
                ("minItems".to_string(), json!(["a"])),
                ("maxItems".to_string(), json!(["a", "a", "a"]))
            ]
        );
        let unique = json!({"type": "array", "minItems": 1, "uniqueItems": true});
        assert!(array_edges(&unique, Some(&valid)).is_empty());
    }
}
