//! One schema object rewritten from an OpenAPI dialect into JSON Schema 2020-12, for one view
//! (see `convert`, which finds the schema objects and places the rewritten copies).

use serde_json::{Map, Value, json};

use super::foreign_patterns::{self, Ecma};
use super::tree::schema_ref;
use crate::pointer::local_target;

/// Which side of an exchange a converted document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Request,
    Response,
}

/// The schema dialect a document is written in: 3.0's, or 3.1's (JSON Schema 2020-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    OpenApi30,
    OpenApi31,
}

/// Rewrites one schema object (not its subschemas, which are visited on their own). It takes
/// the node by value: copying each node with its subtree made converting quadratic in depth.
pub(super) fn convert_node(node: Value, dialect: Dialect) -> Value {
    let Value::Object(mut map) = node else {
        return node;
    };
    if dialect == Dialect::OpenApi30 {
        if let Some(reference) = map.get("$ref").cloned() {
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            // 3.0 ignores a `$ref`'s siblings, but documents mean the ones that say whose a
            // property is (bunq's `legal_guardian_alias: {$ref, writeOnly: true}`), and
            // Schemathesis reads them so: they stay, as the annotations they are in 2020-12,
            // so that an answer leaves a writeOnly property out and a request need not send a
            // readOnly one.
            let only_ref = json!({ "$ref": reference });
            let mut converted = if nullable {
                json!({ "anyOf": [only_ref, { "type": "null" }] })
            } else {
                only_ref
            };
            if let Value::Object(converted) = &mut converted {
                for flag in ["readOnly", "writeOnly"] {
                    if map.get(flag) == Some(&Value::Bool(true)) {
                        converted.insert(flag.into(), Value::Bool(true));
                    }
                }
            }
            return converted;
        }
    }
    // Boolean bounds: 3.0's, and those of a 3.1 schema naming draft 4 as its own dialect (or
    // the never published draft 5, which readme's examples name). Its `$schema` goes, as the
    // converted copy is read as 2020-12 (jsonschema honours a `$schema` only at a document's
    // root, so the booleans failed the 2020-12 meta-schema and the schema compiled to nothing).
    let draft_4 = matches!(map.get("$schema"), Some(Value::String(named))
        if named.contains("draft-04") || named.contains("draft-05"));
    if draft_4 {
        map.remove("$schema");
    }
    if dialect == Dialect::OpenApi30 || draft_4 {
        convert_exclusive_bound(&mut map, "exclusiveMinimum", "minimum");
        convert_exclusive_bound(&mut map, "exclusiveMaximum", "maximum");
    }
    // 3.1 has no `nullable` (a type array says it), yet real 3.1 documents carry it (readme.com's
    // own): it means what its author meant, as Schemathesis reads it too.
    if map.remove("nullable") == Some(Value::Bool(true))
        && let Some(wrapped) = make_nullable(&mut map)
    {
        return wrapped;
    }
    add_integer_format_bounds(&mut map);
    if let Some(Value::String(pattern)) = map.get("pattern") {
        match foreign_patterns::for_ecma(pattern) {
            Ecma::AsWritten => {}
            Ecma::Translated(translated) => {
                map.insert("pattern".into(), Value::String(translated));
            }
            // Set apart, so that the rest of the schema still compiles and is checked (one
            // unreadable pattern made its whole schema accept everything); `convert` reports it.
            Ecma::Unreadable => {
                if let Some(pattern) = map.remove("pattern") {
                    map.insert(UNREADABLE_PATTERN.into(), pattern);
                }
            }
        }
    }
    Value::Object(map)
}

/// Where a converted schema keeps a `pattern` JSON Schema cannot read (see
/// [`foreign_patterns::for_ecma`]) until the conversion takes it out to report it.
pub(super) const UNREADABLE_PATTERN: &str = "x-understudy-unreadable-pattern";

fn convert_exclusive_bound(map: &mut Map<String, Value>, exclusive: &str, inclusive: &str) {
    match map.get(exclusive) {
        Some(Value::Bool(true)) => {
            if let Some(bound) = map.remove(inclusive) {
                map.insert(exclusive.to_string(), bound);
            } else {
                map.remove(exclusive);
            }
        }
        Some(Value::Bool(false)) => {
            map.remove(exclusive);
        }
        _ => {}
    }
}

/// Makes `map` accept null in place, or returns a wrapper when it cannot be done in place.
fn make_nullable(map: &mut Map<String, Value>) -> Option<Value> {
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    let composed = ["allOf", "anyOf", "oneOf"]
        .iter()
        .any(|k| map.contains_key(*k));
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert("type".into(), json!([t, "null"]));
            None
        }
        Some(Value::Array(types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            None
        }
        _ if composed => {
            let inner = Value::Object(std::mem::take(map));
            Some(json!({ "anyOf": [{ "type": "null" }, inner] }))
        }
        // No type at all: 3.0.3 says `nullable` only matters with an explicit type, and an
        // untyped schema already accepts null.
        _ => None,
    }
}

fn add_integer_format_bounds(map: &mut Map<String, Value>) {
    let is_integer = match map.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
        _ => false,
    };
    if !is_integer {
        return;
    }
    let (low, high) = match map.get("format").and_then(Value::as_str) {
        Some("int32") => (json!(i32::MIN), json!(i32::MAX)),
        Some("int64") => (json!(i64::MIN), json!(i64::MAX)),
        _ => return,
    };
    if !map.contains_key("minimum") && !map.contains_key("exclusiveMinimum") {
        map.insert("minimum".into(), low);
    }
    if !map.contains_key("maximum") && !map.contains_key("exclusiveMaximum") {
        map.insert("maximum".into(), high);
    }
}

/// Whether a view changes this schema: its `required` names a readOnly or writeOnly
/// property, it has a writeOnly property (which the response view forbids), or it is a
/// `oneOf` with a discriminator (which the request view reads as OpenAPI does).
pub(super) fn differs_by_view(doc: &Value, node: &Value) -> bool {
    if node.get("discriminator").is_some() && node.get("oneOf").is_some() {
        return true;
    }
    let Some(Value::Object(properties)) = node.get("properties") else {
        return false;
    };
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    properties.iter().any(|(name, schema)| {
        has_flag(doc, schema, "writeOnly", 0)
            || (required.contains(&name.as_str()) && has_flag(doc, schema, "readOnly", 0))
    })
}

/// What a view changes: the request view does not demand readOnly properties; the response
/// view neither demands nor allows writeOnly ones. OpenAPI says a writeOnly property SHOULD
/// NOT be sent in a response, and Schemathesis fails an answer carrying one; so an example
/// that carries it is set apart as invalid, and a stored object answers without it.
///
/// A `oneOf` with a discriminator is an `anyOf` in the request view: the discriminator says
/// which branch a value is, so a request matching another branch too (branches that do not
/// pin the discriminator's value, which is most documents') is valid as OpenAPI reads it.
/// The response view keeps the strict `oneOf` every JSON Schema validator checks, so what
/// understudy sends passes both readings.
pub(super) fn apply_view(doc: &Value, map: &mut Map<String, Value>, view: View) {
    if view == View::Request
        && map.contains_key("discriminator")
        && let Some(branches) = map.remove("oneOf")
    {
        map.insert("anyOf".into(), branches);
    }
    let flag = match view {
        View::Request => "readOnly",
        View::Response => "writeOnly",
    };
    let Some(Value::Object(properties)) = map.get_mut("properties") else {
        return;
    };
    let hidden: Vec<String> = properties
        .iter()
        .filter(|(_, schema)| has_flag(doc, schema, flag, 0))
        .map(|(name, _)| name.clone())
        .collect();
    if hidden.is_empty() {
        return;
    }
    if view == View::Response {
        for name in &hidden {
            properties.insert(name.clone(), Value::Bool(false));
        }
    }
    if let Some(Value::Array(required)) = map.get_mut("required") {
        required.retain(|name| !name.as_str().is_some_and(|n| hidden.iter().any(|h| h == n)));
        if required.is_empty() {
            map.remove("required");
        }
    }
}

/// Whether a property schema carries `flag`, directly, through `$ref` or through `allOf`.
pub fn has_flag(doc: &Value, schema: &Value, flag: &str, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    if schema.get(flag) == Some(&Value::Bool(true)) {
        return true;
    }
    if let Some(target) = schema_ref(schema)
        .and_then(local_target)
        .and_then(|target| doc.pointer(&target))
        && has_flag(doc, target, flag, depth + 1)
    {
        return true;
    }
    schema
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|parts| parts.iter().any(|p| has_flag(doc, p, flag, depth + 1)))
}
