//! Requests the provider must refuse, made from a case it must accept: no or forged
//! credentials, a bad value for each parameter whose schema makes one easy to be sure of,
//! bodies missing a required field, of the wrong type, outside a format, with a property the
//! schema forbids, and in a media type the operation does not declare. A case is kept only
//! where the compiled schema refuses what it sends.

use serde_json::{Value, json};

use super::case::{Case, Expect, filled_path};
use crate::contract::{
    CompiledApi, Operation, ParameterLocation, SecurityScheme, View, selecting_names,
};
use crate::headers;
use crate::pointer;
use crate::validate::{coerce, resolve};

/// A value a parameter's schema refuses, when one is easy to be sure of.
fn invalid_value(schema: &Value) -> Option<String> {
    let maximum = schema.get("maximum");
    if let Some(max) = maximum.and_then(Value::as_i64) {
        // Exactly one more, past i64 if need be (`i64::MAX as f64 + 1.0` is `i64::MAX` again).
        Some((i128::from(max) + 1).to_string())
    } else if let Some(max) = maximum.and_then(Value::as_u64) {
        Some((u128::from(max) + 1).to_string())
    } else if let Some(max) = maximum.and_then(Value::as_f64) {
        Some(((max + 1.0).floor() as i64).to_string())
    } else if schema.get("enum").is_some() {
        Some("not-one-of-the-values".to_string())
    } else if matches!(
        schema.get("type").and_then(Value::as_str),
        Some("integer" | "number")
    ) {
        Some("not-a-number".to_string())
    } else if schema.get("format").and_then(Value::as_str) == Some("uuid") {
        Some("not-a-uuid".to_string())
    } else {
        schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .filter(|max| *max < LONGEST_BAD_VALUE)
            .map(|max| "x".repeat(max as usize + 1))
    }
}

/// The longest value made too long for its `maxLength`. Parameters travel in the request
/// line and headers, which RFC 9110 (4.1) asks every server to take up to 8000 octets of; a
/// longer one (AWS IAM's policy documents, up to 131072 characters) may be refused for its
/// size alone (414, 431) or not be sent at all, and proves nothing of the schema.
const LONGEST_BAD_VALUE: u64 = 4000;

/// One case per kind of violation that can be provoked from the positive request: no
/// credentials, a bad value for each query, path and header parameter whose schema makes one
/// easy to find, a missing required header, and bodies missing a required field or of the
/// wrong type.
pub(super) fn negatives(
    api: &CompiledApi,
    operation: &Operation,
    positive: &Case,
    seed: u64,
) -> Vec<Case> {
    let mut out = Vec::new();
    let negative = |name: &str| Case {
        name: format!("{} {} ({name})", operation.method, operation.path),
        expect: Expect::Rejected,
        ..positive.clone()
    };
    if !operation.security.is_empty()
        && !operation.security.iter().any(|r| {
            r.schemes
                .iter()
                .all(|s| matches!(s, SecurityScheme::Unchecked(_)))
        })
    {
        let mut case = negative("no credentials");
        // The same request with each credential it carries replaced by a wrong one of the
        // same form: a provider that checks only that a key is there lets it through.
        let mut forged = negative("invalid credentials");
        forged.expect = Expect::Unauthorized;
        let mut carried = false;
        for scheme in operation.security.iter().flat_map(|r| &r.schemes) {
            match scheme {
                SecurityScheme::ApiKey {
                    name,
                    location: ParameterLocation::Query,
                } => {
                    case.query.retain(|(n, _)| n != name);
                    for (_, value) in forged.query.iter_mut().filter(|(n, _)| n == name) {
                        *value = forged_credential(value);
                        carried = true;
                    }
                }
                // Cookies travel together: the case goes without any.
                SecurityScheme::ApiKey {
                    location: ParameterLocation::Cookie,
                    ..
                } => {
                    case.headers.remove("cookie");
                }
                _ => {
                    let name = match scheme {
                        SecurityScheme::ApiKey { name, .. } => name.to_ascii_lowercase(),
                        _ => "authorization".to_string(),
                    };
                    case.headers.remove(name.as_str());
                    if let Some(value) = forged.headers.get(name.as_str()) {
                        let wrong = forged_credential(value.to_str().unwrap_or_default());
                        headers::set(&mut forged.headers, &name, &wrong);
                        carried = true;
                    }
                }
            }
        }
        case.expect = Expect::Unauthorized;
        out.push(case);
        if carried {
            out.push(forged);
        }
    }
    let document = api.schemas.document(View::Request);
    // A parameter whose value picks this operation among others on its path (AWS's
    // `Action`) makes no negative case: another value, or none, is a request for another
    // operation, whose answer this one's contract does not judge.
    let selecting = selecting_names(&operation.path, |n| operation.declares_query_or_header(n));
    for parameter in &operation.parameters {
        let name = &parameter.name;
        if selecting.iter().any(|s| s.eq_ignore_ascii_case(name))
            && matches!(
                parameter.location,
                ParameterLocation::Query | ParameterLocation::Header
            )
        {
            continue;
        }
        if parameter.location == ParameterLocation::Header && parameter.required {
            let mut case = negative(&format!("missing required header {name}"));
            case.headers.remove(name.as_str());
            out.push(case);
        }
        let Some(id) = parameter.schema else { continue };
        let schema = resolve(api.schemas.node(id), document);
        // Only a value the schema refuses makes a negative case.
        let Some(bad) = invalid_value(schema)
            .filter(|bad| !api.schemas.is_valid(id, &coerce(schema, document, bad)))
        else {
            continue;
        };
        match parameter.location {
            ParameterLocation::Query => {
                let mut case = negative(&format!("bad query parameter {name}"));
                case.query.retain(|(n, _)| n != name);
                case.query.push((name.clone(), bad));
                out.push(case);
            }
            ParameterLocation::Path => {
                let mut case = negative(&format!("bad path parameter {name}"));
                case.expect = Expect::RejectedPath;
                case.path = filled_path(api, operation, seed, Some((name, &bad)));
                out.push(case);
            }
            ParameterLocation::Header => {
                let mut case = negative(&format!("bad header {name}"));
                headers::set(&mut case.headers, name, &bad);
                out.push(case);
            }
            // Cookies and a whole query string are not varied one value at a time.
            ParameterLocation::Cookie | ParameterLocation::QueryString => {}
        }
    }
    // The media type the valid body is sent in: its schema says what is invalid.
    let sent_as = operation.request_body.as_ref().and_then(|b| {
        b.content
            .iter()
            .find(|m| positive.content_type.as_deref() == Some(m.media_type.as_str()))
            .or(b.content.first())
    });
    if let (Some(Value::Object(body)), Some(media)) = (&positive.body, sent_as) {
        let schema = media
            .schema
            .map(|id| resolve(api.schemas.node(id), document))
            .unwrap_or(&Value::Null);
        // Each required property missing, one at a time, at every depth the valid body
        // reaches.
        for pointer in required_pointers(schema, &Value::Object(body.clone()), document, "") {
            let (parent, name) = pointer.rsplit_once('/').unwrap_or(("", &pointer));
            let mut without = Value::Object(body.clone());
            if let Some(Value::Object(fields)) = without.pointer_mut(parent) {
                fields.remove(name);
            }
            let shown = pointer.trim_start_matches('/').replace('/', ".");
            let mut case = negative(&format!("missing required {shown}"));
            case.body = Some(without);
            out.push(case);
        }
        // Each typed property of another type, and each formatted one with text outside its
        // format.
        for (name, property) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let property = resolve(property, document);
            if let Some(wrong) = wrong_type(property) {
                let mut case = negative(&format!("wrong type for {name}"));
                let mut changed = body.clone();
                changed.insert(name.clone(), wrong);
                case.body = Some(Value::Object(changed));
                out.push(case);
            }
            if let Some(outside) = outside_format(property) {
                let mut case = negative(&format!("{name} outside its format"));
                let mut changed = body.clone();
                changed.insert(name.clone(), Value::String(outside.into()));
                case.body = Some(Value::Object(changed));
                out.push(case);
            }
        }
        // A property the schema forbids.
        if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
            let mut case = negative("additional property");
            let mut changed = body.clone();
            changed.insert("understudy_unexpected".into(), json!(1));
            case.body = Some(Value::Object(changed));
            out.push(case);
        }
        let mut case = negative("wrong body type");
        case.body = Some(json!(["not", "an", "object"]));
        out.push(case);
        // Only a body the schema refuses makes a negative case (a schema with `properties`
        // and no `type` takes an array, say; a media type without a schema takes anything).
        out.retain(|case| {
            case.body.as_ref() == positive.body.as_ref()
                || media.schema.is_some_and(|id| {
                    case.body
                        .as_ref()
                        .is_none_or(|b| !api.schemas.is_valid(id, b))
                })
        });
    }
    // A body in a media type the operation does not declare.
    if let Some(body) = operation.request_body.as_ref()
        && !body.content.iter().any(|m| {
            crate::media::essence(&m.media_type) == "text/plain" || m.media_type.contains('*')
        })
        && positive.body.is_some()
    {
        let mut case = negative("undeclared media type text/plain");
        case.content_type = Some("text/plain".into());
        case.expect = Expect::RejectedMediaType;
        out.push(case);
    }
    out
}

/// A credential of the same form as `given` that no provider issued.
fn forged_credential(given: &str) -> String {
    match given.split_once(' ') {
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("basic") => {
            // base64 of `understudy:not-the-password`
            format!("{scheme} dW5kZXJzdHVkeTpub3QtdGhlLXBhc3N3b3Jk")
        }
        Some((scheme, _)) => format!("{scheme} understudy-forged-token"),
        None => "understudy-forged-key".to_string(),
    }
}

/// JSON pointers (under `at`) to every property `schema` requires that `value` has, down
/// through nested objects (three levels: deeper is rare, and each level multiplies cases).
fn required_pointers(schema: &Value, value: &Value, document: &Value, at: &str) -> Vec<String> {
    let Value::Object(fields) = value else {
        return Vec::new();
    };
    if at.matches('/').count() >= 3 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|name| fields.contains_key(*name))
    {
        out.push(format!("{at}/{}", pointer::escape(required)));
    }
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(inner) = fields.get(name) {
            let property = resolve(property, document);
            let here = format!("{at}/{}", pointer::escape(name));
            out.extend(required_pointers(property, inner, document, &here));
        }
    }
    out
}

/// A value of a type `schema` does not allow, when its type is one simple type.
fn wrong_type(schema: &Value) -> Option<Value> {
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        return None;
    }
    match schema.get("type")?.as_str()? {
        "string" if schema.get("enum").is_none() => Some(json!(12345)),
        "integer" | "number" => Some(json!("not a number")),
        "boolean" => Some(json!("not a boolean")),
        "array" => Some(json!({"not": "an array"})),
        "object" => Some(json!("not an object")),
        _ => None,
    }
}

/// Text outside a string's format, for the formats the validator checks.
fn outside_format(schema: &Value) -> Option<&'static str> {
    if schema.get("type").and_then(Value::as_str) != Some("string") {
        return None;
    }
    match schema.get("format")?.as_str()? {
        "uuid" => Some("not-a-uuid"),
        "date-time" => Some("not a date-time"),
        "date" => Some("2024-13-45"),
        "email" => Some("not an email"),
        "ipv4" => Some("999.1.1.1"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_too_long_for_its_max_length_is_made_only_where_a_request_line_holds_it() {
        let short = invalid_value(&json!({"type": "string", "maxLength": 3}));
        assert_eq!(
            short.as_deref(),
            Some("xxxx"),
            "expected one character too many"
        );
        let policy = invalid_value(&json!({"type": "string", "maxLength": 131_072}));
        assert!(
            policy.is_none(),
            "expected no bad value past {LONGEST_BAD_VALUE} characters, got one of {} characters",
            policy.map_or(0, |p| p.len())
        );
    }
}
