//! OpenAPI schema dialects to JSON Schema 2020-12, so one validator serves 3.0 and 3.1.
//!
//! No crate does this conversion (see ARCHITECTURE.md), so it is written here. It produces a
//! converted copy of the document's schemas per [`View`] ([`convert_views`]): schema objects
//! are found from their positions (`schema`, `components/schemas`) and from every `$ref`
//! reachable from them, then each is rewritten on its own:
//! - 3.0 only: `nullable` becomes a `"null"` type (or an `anyOf` wrapper around compositions and
//!   `$ref`), boolean `exclusiveMinimum`/`exclusiveMaximum` become numeric, and `$ref` siblings
//!   are dropped as the 3.0 specification says;
//! - both: `format: int32`/`int64` integers get their range as bounds, since JSON Schema formats
//!   only apply to strings; properties that are `readOnly` leave the `required` list of the
//!   request view and `writeOnly` ones that of the response view.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::pointer::{escape as escape_pointer, local_target, push_segment};

/// Which side of an exchange a converted document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Request,
    Response,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    OpenApi30,
    OpenApi31,
}

const SUBSCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "dependentSchemas",
    "$defs",
    "definitions",
];
const SUBSCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
const SUBSCHEMA_SINGLE: &[&str] = &[
    "items",
    "additionalProperties",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
];

/// The converted copies of `doc` for requests and for responses, handing each converted
/// schema object to `visit` with its pointer (the sharing of `$ref` targets happens there, in
/// the same walk).
///
/// The copies hold only the schemas, at the places the document has them (so that `$ref`s and
/// pointers into them stay as they are), and the containers on the way to them: descriptions,
/// examples and the rest of the operations are not copied, which on a 46 MB document was
/// three quarters of it. The views differ only in the `required` lists that name readOnly or
/// writeOnly properties, so the document is walked once and the second view is a copy of the
/// first with those lists filtered.
pub fn convert_views(
    doc: &Value,
    dialect: Dialect,
    mut visit: impl FnMut(&str, &mut Value),
) -> (Value, Value) {
    let mut skeleton = Skeleton {
        root: Value::Object(Map::new()),
        containers: HashSet::new(),
    };
    let mut pending = Vec::new();
    find_schema_roots(doc, &mut String::new(), &mut pending);
    let mut seen = HashSet::new();
    let mut flagged = Vec::new();
    while let Some(pointer) = pending.pop() {
        if !seen.insert(pointer.clone()) {
            continue;
        }
        let Some(node) = skeleton.place(doc, &pointer) else {
            continue;
        };
        *node = convert_node(std::mem::take(node), dialect);
        push_children(node, &pointer, &mut pending);
        if names_flagged_properties(doc, node) {
            flagged.push(pointer.clone());
        }
        visit(&pointer, node);
    }
    let mut response = skeleton.root;
    let mut request = response.clone();
    for pointer in &flagged {
        for (view, converted) in [
            (View::Request, &mut request),
            (View::Response, &mut response),
        ] {
            if let Some(Value::Object(map)) = converted.pointer_mut(pointer) {
                filter_required(doc, map, view);
            }
        }
    }
    (request, response)
}

/// The schemas of a document at their places, copied in as the walk reaches them.
struct Skeleton {
    root: Value,
    /// Pointers of containers made on the way to a schema (not copied whole): a schema found
    /// at one of them later is merged in around what is already there.
    containers: HashSet<String>,
}

impl Skeleton {
    /// The copy of the node at `pointer`, copying it in (with its subtree) if it is not there
    /// yet; `None` when `doc` has nothing there.
    fn place(&mut self, doc: &Value, pointer: &str) -> Option<&mut Value> {
        // Most schemas are inside one already copied whole (subschemas of a schema).
        if self.root.pointer(pointer).is_some() && !self.containers.contains(pointer) {
            return self.root.pointer_mut(pointer);
        }
        let original = doc.pointer(pointer)?;
        let mut at = String::new();
        let mut node = &mut self.root;
        let mut source = doc;
        let segments: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        for (i, segment) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            push_segment(&mut at, segment);
            source = child(source, segment)?;
            let (slot, made) = child_or_insert(node, segment, || {
                if last {
                    source.clone()
                } else if source.is_array() {
                    Value::Array(Vec::new())
                } else {
                    Value::Object(Map::new())
                }
            })?;
            if made && !last {
                self.containers.insert(at.clone());
            } else if !made && last && self.containers.remove(&at) {
                merge(slot, original, &at, &mut self.containers);
            }
            node = slot;
        }
        Some(node)
    }
}

fn child<'v>(value: &'v Value, segment: &str) -> Option<&'v Value> {
    match value {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => items.get(segment.parse::<usize>().ok()?),
        _ => None,
    }
}

/// The child `segment` of `node`, inserting `fresh()` when it is missing (an array is padded
/// with nulls up to it); whether it was inserted.
fn child_or_insert<'v>(
    node: &'v mut Value,
    segment: &str,
    fresh: impl FnOnce() -> Value,
) -> Option<(&'v mut Value, bool)> {
    match node {
        Value::Object(map) => {
            let made = !map.contains_key(segment);
            Some((map.entry(segment.to_string()).or_insert_with(fresh), made))
        }
        Value::Array(items) => {
            let index = segment.parse::<usize>().ok()?;
            if items.len() <= index {
                items.resize(index + 1, Value::Null);
            }
            let made = items[index].is_null();
            if made {
                items[index] = fresh();
            }
            Some((&mut items[index], made))
        }
        _ => None,
    }
}

/// Fills a container made on the way with the rest of the original there, keeping the
/// schemas already placed (and converted) inside it.
fn merge(into: &mut Value, original: &Value, at: &str, containers: &mut HashSet<String>) {
    match (into, original) {
        (Value::Object(into), Value::Object(original)) => {
            for (key, value) in original {
                let mut below = at.to_string();
                push_segment(&mut below, key);
                match into.get_mut(key) {
                    None => {
                        into.insert(key.clone(), value.clone());
                    }
                    Some(existing) if containers.remove(&below) => {
                        merge(existing, value, &below, containers)
                    }
                    Some(_) => {}
                }
            }
        }
        (Value::Array(into), Value::Array(original)) => {
            into.resize(into.len().max(original.len()), Value::Null);
            for (i, value) in original.iter().enumerate() {
                let below = format!("{at}/{i}");
                if into[i].is_null() {
                    into[i] = value.clone();
                } else if containers.remove(&below) {
                    merge(&mut into[i], value, &below, containers);
                }
            }
        }
        _ => {}
    }
}

/// Pointers of schema objects found by position in the document (not inside schemas);
/// `pointer` is where `value` is, and is as it was on return.
pub(super) fn find_schema_roots(value: &Value, pointer: &mut String, out: &mut Vec<String>) {
    let at = pointer.len();
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointer.push('/');
                pointer.push_str(itoa::Buffer::new().format(i));
                find_schema_roots(item, pointer, out);
                pointer.truncate(at);
            }
        }
        Value::Object(map) => {
            let in_components = pointer.ends_with("/components");
            let in_responses = pointer.ends_with("/responses");
            for (key, child) in map {
                push_segment(pointer, key);
                match key.as_str() {
                    "schema" if child.is_object() || child.is_boolean() => {
                        out.push(pointer.clone())
                    }
                    "schemas" if in_components => {
                        if let Value::Object(schemas) = child {
                            for name in schemas.keys() {
                                let mut schema = pointer.clone();
                                push_segment(&mut schema, name);
                                out.push(schema);
                            }
                        }
                    }
                    // Values, not schemas; but `responses/default` is a response.
                    "default" if !in_responses => {}
                    "example" | "examples" => {}
                    _ => find_schema_roots(child, pointer, out),
                }
                pointer.truncate(at);
            }
        }
        _ => {}
    }
}

pub(super) fn push_children(node: &Value, pointer: &str, out: &mut Vec<String>) {
    let Value::Object(map) = node else { return };
    if let Some(target) = super::refs::schema_ref(node).and_then(local_target) {
        out.push(target);
    }
    for key in SUBSCHEMA_MAPS {
        if let Some(Value::Object(children)) = map.get(*key) {
            for name in children.keys() {
                out.push(format!("{pointer}/{key}/{}", escape_pointer(name)));
            }
        }
    }
    for key in SUBSCHEMA_LISTS {
        if let Some(Value::Array(children)) = map.get(*key) {
            out.extend((0..children.len()).map(|i| format!("{pointer}/{key}/{i}")));
        }
    }
    for key in SUBSCHEMA_SINGLE {
        match map.get(*key) {
            Some(Value::Object(_)) => out.push(format!("{pointer}/{key}")),
            Some(Value::Array(items)) if *key == "items" => {
                out.extend((0..items.len()).map(|i| format!("{pointer}/items/{i}")));
            }
            _ => {}
        }
    }
}

/// Rewrites one schema object (not its subschemas, which are visited on their own). It takes
/// the node by value: copying each node with its subtree made converting quadratic in depth.
fn convert_node(node: Value, dialect: Dialect) -> Value {
    let Value::Object(mut map) = node else {
        return node;
    };
    if dialect == Dialect::OpenApi30 {
        if let Some(reference) = map.get("$ref").cloned() {
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            let only_ref = json!({ "$ref": reference });
            return if nullable {
                json!({ "anyOf": [only_ref, { "type": "null" }] })
            } else {
                only_ref
            };
        }
        convert_exclusive_bound(&mut map, "exclusiveMinimum", "minimum");
        convert_exclusive_bound(&mut map, "exclusiveMaximum", "maximum");
        if map.remove("nullable") == Some(Value::Bool(true)) {
            if let Some(wrapped) = make_nullable(&mut map) {
                return wrapped;
            }
        }
    }
    add_integer_format_bounds(&mut map);
    Value::Object(map)
}

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

/// Whether a schema's `required` names a readOnly or writeOnly property (a view drops it).
fn names_flagged_properties(doc: &Value, node: &Value) -> bool {
    let (Some(Value::Object(properties)), Some(Value::Array(required))) =
        (node.get("properties"), node.get("required"))
    else {
        return false;
    };
    required.iter().filter_map(Value::as_str).any(|name| {
        properties.get(name).is_some_and(|schema| {
            has_flag(doc, schema, "readOnly", 0) || has_flag(doc, schema, "writeOnly", 0)
        })
    })
}

/// Drops from `required` the properties this view must not demand.
fn filter_required(doc: &Value, map: &mut Map<String, Value>, view: View) {
    let flag = match view {
        View::Request => "readOnly",
        View::Response => "writeOnly",
    };
    let Some(Value::Object(properties)) = map.get("properties") else {
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
    if let Some(target) = super::refs::schema_ref(schema)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The converted copy of `doc` for `view`.
    fn convert_document(doc: &Value, dialect: Dialect, view: View) -> Value {
        let (request, response) = convert_views(doc, dialect, |_, _| {});
        match view {
            View::Request => request,
            View::Response => response,
        }
    }

    fn convert30(schema: Value) -> Value {
        let doc = json!({ "components": { "schemas": { "S": schema } } });
        convert_document(&doc, Dialect::OpenApi30, View::Response)["components"]["schemas"]["S"]
            .clone()
    }

    #[test]
    fn nullable_string_becomes_a_type_array() {
        assert_eq!(
            convert30(json!({"type": "string", "nullable": true, "enum": ["a"]})),
            json!({"type": ["string", "null"], "enum": ["a", null]})
        );
    }

    #[test]
    fn nullable_composition_is_wrapped_in_any_of() {
        assert_eq!(
            convert30(json!({"allOf": [{"type": "string"}], "nullable": true})),
            json!({"anyOf": [{"type": "null"}, {"allOf": [{"type": "string"}]}]})
        );
    }

    #[test]
    fn boolean_exclusive_minimum_becomes_numeric() {
        assert_eq!(
            convert30(json!({"type": "number", "minimum": 3, "exclusiveMinimum": true})),
            json!({"type": "number", "exclusiveMinimum": 3})
        );
    }

    #[test]
    fn ref_siblings_are_dropped_in_3_0() {
        assert_eq!(
            convert30(json!({"$ref": "#/components/schemas/S", "description": "x"})),
            json!({"$ref": "#/components/schemas/S"})
        );
    }

    #[test]
    fn int32_gets_its_range() {
        assert_eq!(
            convert30(json!({"type": "integer", "format": "int32", "minimum": 0})),
            json!({"type": "integer", "format": "int32", "minimum": 0, "maximum": i32::MAX})
        );
    }

    #[test]
    fn a_schema_reached_after_one_inside_it_is_merged_around_it() {
        let doc = json!({"components": {"schemas": {
            "A": {"type": "object", "nullable": true, "properties": {
                "b": {"type": "string", "nullable": true}
            }},
            "C": {"$ref": "#/components/schemas/A/properties/b"}
        }}, "info": {"title": "not a schema"}});
        let converted = convert_document(&doc, Dialect::OpenApi30, View::Response);
        let a = &converted["components"]["schemas"]["A"];
        assert_eq!(a["type"], json!(["object", "null"]));
        assert_eq!(a["properties"]["b"]["type"], json!(["string", "null"]));
        assert!(converted.get("info").is_none(), "only schemas are copied");
    }

    #[test]
    fn read_only_properties_are_not_required_in_requests() {
        let doc = json!({"components": {"schemas": {"S": {
            "type": "object", "required": ["id", "name"],
            "properties": {"id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}
        }}}});
        let request = convert_document(&doc, Dialect::OpenApi31, View::Request);
        let response = convert_document(&doc, Dialect::OpenApi31, View::Response);
        assert_eq!(
            request["components"]["schemas"]["S"]["required"],
            json!(["name"])
        );
        assert_eq!(
            response["components"]["schemas"]["S"]["required"],
            json!(["id", "name"])
        );
    }
}
