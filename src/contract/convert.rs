//! OpenAPI schema dialects to JSON Schema 2020-12, so one validator serves 3.0 and 3.1.
//!
//! No crate does this conversion (see ARCHITECTURE.md), so it is written here. It produces a
//! converted copy of the document's schemas per [`View`] ([`convert_views`]): schema objects
//! are found from their positions (`schema`, `components/schemas`, see `tree`) and from every
//! `$ref` reachable from them, then each is rewritten on its own (`rewrite`):
//! - `nullable` becomes a `"null"` type (or an `anyOf` wrapper around compositions and, in 3.0,
//!   `$ref`; 3.1 has no `nullable`, but documents written as 3.1 carry it);
//! - 3.0 only: boolean `exclusiveMinimum`/`exclusiveMaximum` become numeric (so do they in a
//!   3.1 schema whose `$schema` names draft 4), and `$ref` siblings are dropped as the 3.0
//!   specification says, but for `readOnly` and `writeOnly`, which documents mean;
//! - both: `format: int32`/`int64` integers get their range as bounds, since JSON Schema formats
//!   only apply to strings; properties that are `readOnly` leave the `required` list of the
//!   request view, `writeOnly` ones are forbidden in the response view, and a `oneOf` with a
//!   discriminator is an `anyOf` in the request view (see `rewrite::apply_view`).

use std::collections::HashSet;
use std::ops::Range;

use serde_json::{Map, Value};

use super::foreign_patterns::{PatternTrouble, literal_inside};
use super::rewrite::{
    Dialect, UNREADABLE_PATTERN, View, apply_view, convert_node, differs_by_view,
};
use super::tree::{Holds, by_position, declared_types, holds, schema_ref};
use crate::pointer::{local_target, push_segment};

/// The converted schemas of a document: one copy when no schema differs between the views,
/// else one per view.
pub struct Converted {
    pub response: Value,
    /// `None` when the request view is the response view: no `required` list names a
    /// readOnly or writeOnly property, which is most documents (cloning a 46 MB document's
    /// schemas for nothing was a tenth of its compile time).
    pub request: Option<Value>,
    /// What the visitor returned, in walk order.
    pub references: Vec<String>,
    /// `(pointer, pattern, what is wrong)` of the `pattern`s in trouble: those JSON Schema
    /// cannot read (ECMA-262), left out of the copies so that the rest of their schemas is
    /// checked, and JavaScript literals that match nothing.
    pub odd_patterns: Vec<(String, String, PatternTrouble)>,
    /// `(pointer, what)` of the `enum`s no value of which the schema's `type` allows (Vimeo's
    /// content filters: strings, listed under `type: array`): no value is valid there.
    pub odd_enums: Vec<(String, String)>,
}

/// The converted copies of `doc`'s schemas, handing each converted schema object to `visit`
/// with its pointer (the sharing of `$ref` targets happens there, in the same walk); what it
/// returns is collected in [`Converted::references`].
///
/// The copies hold only the schemas, at the places the document has them (so that `$ref`s and
/// pointers into them stay as they are), and the containers on the way to them: descriptions,
/// examples and the rest of the operations are not copied, which on a 46 MB document was
/// three quarters of it. The views differ only in the `required` lists that name readOnly or
/// writeOnly properties, so the document is walked once and the request view is a copy of the
/// response view with those lists filtered.
///
/// Two threads share the work on a large document: this one converts the first half of the
/// path items, a second one the rest (on a 46 MB document, each half took a quarter of a
/// second).
pub fn convert_views<V>(doc: &Value, dialect: Dialect, visit: &V) -> Converted
where
    V: Fn(&str, &mut Value) -> Option<String> + Sync,
{
    let items = doc
        .get("paths")
        .and_then(Value::as_object)
        .map_or(0, Map::len);
    let ((other, mut theirs), (mut walk, mut mine)) = super::parallel::join(
        super::parallel::worth_a_thread(doc),
        || {
            let mut walk = Walk::new(doc, dialect, visit);
            let copies = walk.share(doc, true, items / 2..items);
            (walk, copies)
        },
        || {
            let mut walk = Walk::new(doc, dialect, visit);
            let copies = walk.share(doc, false, 0..items / 2);
            (walk, copies)
        },
    );
    walk.absorb(other);
    // The document's members and path items in their order, from whichever share has them.
    let mut root = Map::new();
    if let Value::Object(map) = doc {
        for (key, value) in map {
            if let (true, Value::Object(items)) = (key == "paths", value) {
                let mut paths = Map::new();
                for name in items.keys() {
                    let copy = mine
                        .paths
                        .remove(name)
                        .or_else(|| theirs.paths.remove(name));
                    if let Some(copy) = copy {
                        paths.insert(name.clone(), copy);
                    }
                }
                if !paths.is_empty() {
                    root.insert(key.clone(), Value::Object(paths));
                }
            } else if let Some(copy) = theirs.top.remove(key) {
                root.insert(key.clone(), copy);
            }
        }
    }
    let mut root = Value::Object(root);
    // `$ref` targets outside the schemas placed so far: rare, as most point at
    // `components/schemas`.
    while let Some(pointer) = walk.pending.pop() {
        if walk.is_placed(&pointer) {
            continue;
        }
        let Some((node, merged)) = place(&mut root, doc, &pointer, &walk.placed) else {
            continue;
        };
        walk.around_placed |= merged;
        let mut at = pointer.clone();
        walk.convert(node, &mut at, true);
        walk.placed.insert(pointer);
    }
    let references = std::mem::take(&mut walk.references);
    let mut odd_patterns = std::mem::take(&mut walk.odd_patterns);
    odd_patterns.sort();
    odd_patterns.dedup();
    let mut odd_enums = std::mem::take(&mut walk.odd_enums);
    odd_enums.sort();
    odd_enums.dedup();
    if walk.flagged.is_empty() {
        return Converted {
            response: root,
            request: None,
            references,
            odd_patterns,
            odd_enums,
        };
    }
    let mut request = root.clone();
    for pointer in &walk.flagged {
        for (view, converted) in [(View::Request, &mut request), (View::Response, &mut root)] {
            if let Some(Value::Object(map)) = converted.pointer_mut(pointer) {
                apply_view(doc, map, view);
            }
        }
    }
    Converted {
        response: root,
        request: Some(request),
        references,
        odd_patterns,
        odd_enums,
    }
}

/// The converted copies of one share of a document's members, by key.
#[derive(Default)]
struct Copies {
    top: Map<String, Value>,
    paths: Map<String, Value>,
}

/// What converting a document's schemas needs as it goes.
struct Walk<'d, 'v, V> {
    doc: &'d Value,
    dialect: Dialect,
    visit: &'v V,
    /// What `visit` returned, in walk order.
    references: Vec<String>,
    /// Pointers of the schemas copied in with their subtrees, each converted whole by one
    /// recursive walk (looking every subschema up from the root was most of the time on a
    /// 46 MB document).
    placed: HashSet<String>,
    /// `$ref` targets found on the way, placed after the schemas found by position.
    pending: Vec<String>,
    /// Schemas whose `required` names readOnly or writeOnly properties.
    flagged: Vec<String>,
    /// The `pattern`s in trouble (see [`Converted::odd_patterns`]).
    odd_patterns: Vec<(String, String, PatternTrouble)>,
    /// The `enum`s no value of which the type allows (see [`Converted::odd_enums`]).
    odd_enums: Vec<(String, String)>,
    /// Whether a schema was placed around one placed before it (a `$ref` to a schema that
    /// holds another one reached first), whose subtree must then not be converted twice.
    around_placed: bool,
}

impl<'d, 'v, V: Fn(&str, &mut Value) -> Option<String>> Walk<'d, 'v, V> {
    fn new(doc: &'d Value, dialect: Dialect, visit: &'v V) -> Self {
        Walk {
            doc,
            dialect,
            visit,
            references: Vec::new(),
            placed: HashSet::new(),
            pending: Vec::new(),
            flagged: Vec::new(),
            odd_patterns: Vec::new(),
            odd_enums: Vec::new(),
            around_placed: false,
        }
    }

    /// The converted copies of the path items of `doc` in `items` (by index), and of its
    /// other members when `members`.
    fn share(&mut self, doc: &Value, members: bool, items: Range<usize>) -> Copies {
        let mut copies = Copies::default();
        let Value::Object(map) = doc else {
            return copies;
        };
        let mut pointer = String::new();
        for (key, child) in map {
            push_segment(&mut pointer, key);
            match child {
                Value::Object(paths) if key == "paths" => {
                    for (name, item) in paths.iter().skip(items.start).take(items.len()) {
                        let at = pointer.len();
                        push_segment(&mut pointer, name);
                        if let Some(copy) = self.placed_by_position(item, &mut pointer) {
                            copies.paths.insert(name.clone(), copy);
                        }
                        pointer.truncate(at);
                    }
                }
                _ if members => {
                    if let Some(copy) = self.placed_by_position(child, &mut pointer) {
                        copies.top.insert(key.clone(), copy);
                    }
                }
                _ => {}
            }
            pointer.clear();
        }
        copies
    }

    /// [`by_position`], each schema placed and converted.
    fn placed_by_position(&mut self, value: &Value, pointer: &mut String) -> Option<Value> {
        by_position(value, pointer, &mut |schema, at| {
            Some(self.placed_schema(schema, at))
        })
    }

    /// Takes in what another walk over other parts of the document found.
    fn absorb(&mut self, mut other: Self) {
        self.references.extend(other.references);
        // The smaller set into the larger.
        if other.placed.len() > self.placed.len() {
            std::mem::swap(&mut self.placed, &mut other.placed);
        }
        self.placed.extend(other.placed);
        self.pending.extend(other.pending);
        self.flagged.extend(other.flagged);
        self.odd_patterns.extend(other.odd_patterns);
        self.odd_enums.extend(other.odd_enums);
        self.around_placed |= other.around_placed;
    }

    /// The converted copy of the schema at `pointer`.
    fn placed_schema(&mut self, schema: &Value, pointer: &mut String) -> Value {
        let mut copy = schema.clone();
        self.convert(&mut copy, pointer, true);
        self.placed.insert(pointer.clone());
        copy
    }

    /// Whether the schema at `pointer` was converted already, on its own or inside another.
    fn is_placed(&self, pointer: &str) -> bool {
        self.placed.contains(pointer)
            || pointer
                .match_indices('/')
                .any(|(i, _)| i > 0 && self.placed.contains(&pointer[..i]))
    }

    /// Converts `node` (at `at`) and its subschemas; `at` is as it was on return.
    fn convert(&mut self, node: &mut Value, at: &mut String, top: bool) {
        if !top && self.around_placed && self.placed.contains(at.as_str()) {
            return;
        }
        *node = convert_node(std::mem::take(node), self.dialect);
        if let Value::Object(map) = node {
            if let Some(pattern) = map.remove(UNREADABLE_PATTERN) {
                let pattern = pattern.as_str().unwrap_or_default().to_string();
                self.odd_patterns
                    .push((at.clone(), pattern, PatternTrouble::Unreadable));
            } else if let Some(Value::String(pattern)) = map.get("pattern")
                && let Some(inside) = literal_inside(pattern)
            {
                let trouble = PatternTrouble::Literal(inside.to_string());
                self.odd_patterns
                    .push((at.clone(), pattern.clone(), trouble));
            }
        }
        if let Some(what) = enum_outside_type(node) {
            self.odd_enums.push((at.clone(), what));
        }
        if let Some(target) = schema_ref(node).and_then(local_target) {
            self.pending.push(target);
        }
        if differs_by_view(self.doc, node) {
            self.flagged.push(at.clone());
        }
        if let Some(reference) = (self.visit)(at, node) {
            self.references.push(reference);
        }
        let Value::Object(map) = node else { return };
        let len = at.len();
        for (key, child) in map.iter_mut() {
            let Some(holds) = holds(key, child) else {
                continue;
            };
            push_segment(at, key);
            let below = at.len();
            match child {
                Value::Object(children) if holds == Holds::Named => {
                    for (name, schema) in children.iter_mut() {
                        push_segment(at, name);
                        self.convert(schema, at, false);
                        at.truncate(below);
                    }
                }
                Value::Array(children) => {
                    for (i, schema) in children.iter_mut().enumerate() {
                        at.push('/');
                        at.push_str(itoa::Buffer::new().format(i));
                        self.convert(schema, at, false);
                        at.truncate(below);
                    }
                }
                _ => self.convert(child, at, false),
            }
            at.truncate(len);
        }
    }
}

/// The copy of the node at `pointer` in `root`, copied in with its subtree (`root` holds what
/// the walk placed so far), and whether it was filled in around schemas placed inside it
/// before; `None` when `doc` has nothing there. The caller skips pointers inside placed
/// schemas, so a node already there is a container made on the way to others.
fn place<'r>(
    root: &'r mut Value,
    doc: &Value,
    pointer: &str,
    placed: &HashSet<String>,
) -> Option<(&'r mut Value, bool)> {
    let original = doc.pointer(pointer)?;
    let mut node = root;
    let mut source = doc;
    let segments: Vec<String> = crate::pointer::segments(pointer).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
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
        node = slot;
        if last && !made {
            merge(node, original, pointer, placed);
            return Some((node, true));
        }
    }
    Some((node, false))
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
fn merge(into: &mut Value, original: &Value, at: &str, placed: &HashSet<String>) {
    match (into, original) {
        (Value::Object(into), Value::Object(original)) => {
            for (key, value) in original {
                match into.get_mut(key) {
                    None => {
                        into.insert(key.clone(), value.clone());
                    }
                    Some(existing) => {
                        let mut below = at.to_string();
                        push_segment(&mut below, key);
                        if !placed.contains(&below) {
                            merge(existing, value, &below, placed);
                        }
                    }
                }
            }
        }
        (Value::Array(into), Value::Array(original)) => {
            into.resize(into.len().max(original.len()), Value::Null);
            for (i, value) in original.iter().enumerate() {
                if into[i].is_null() {
                    into[i] = value.clone();
                } else {
                    let below = format!("{at}/{i}");
                    if !placed.contains(&below) {
                        merge(&mut into[i], value, &below, placed);
                    }
                }
            }
        }
        _ => {}
    }
}

/// What is wrong with a schema's `enum` where its `type` allows none of its values (Vimeo's
/// content filters: `enum` of strings under `type: array`); `None` where one is allowed, or
/// either keyword is missing.
fn enum_outside_type(schema: &Value) -> Option<String> {
    let values = schema.get("enum")?.as_array()?;
    let types = declared_types(schema);
    let allowed = |value: &Value| {
        types.iter().any(|kind| match (*kind, value) {
            ("null", Value::Null)
            | ("boolean", Value::Bool(_))
            | ("string", Value::String(_))
            | ("array", Value::Array(_))
            | ("object", Value::Object(_))
            | ("number", Value::Number(_)) => true,
            ("integer", Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        })
    };
    if types.is_empty() || values.is_empty() || values.iter().any(allowed) {
        return None;
    }
    Some(format!(
        "enum {} holds no value of type {}",
        Value::Array(values.clone()),
        types.join(" or ")
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The converted copy of `doc` for `view`.
    fn convert_document(doc: &Value, dialect: Dialect, view: View) -> Value {
        let converted = convert_views(doc, dialect, &|_, _| None);
        let response = converted.response;
        let request = converted.request.unwrap_or_else(|| response.clone());
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
    fn a_3_1_schema_written_for_draft_4_has_its_boolean_bounds_read_as_draft_4_reads_them() {
        let doc = json!({ "components": { "schemas": { "S": {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "number", "minimum": 10, "maximum": 20,
            "exclusiveMinimum": true, "exclusiveMaximum": false
        } } } });
        assert_eq!(
            convert_document(&doc, Dialect::OpenApi31, View::Response)["components"]["schemas"]["S"],
            json!({"type": "number", "exclusiveMinimum": 10, "maximum": 20})
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
    fn ref_siblings_saying_whose_a_property_is_stay_in_3_0() {
        assert_eq!(
            convert30(json!({"$ref": "#/components/schemas/S", "writeOnly": true, "title": "x"})),
            json!({"$ref": "#/components/schemas/S", "writeOnly": true})
        );
        assert_eq!(
            convert30(
                json!({"$ref": "#/components/schemas/S", "readOnly": true, "nullable": true})
            ),
            json!({"anyOf": [{"$ref": "#/components/schemas/S"}, {"type": "null"}], "readOnly": true})
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

    #[test]
    fn a_discriminated_one_of_is_any_of_in_requests_and_strict_in_responses() {
        let doc = json!({"components": {"schemas": {"S": {
            "oneOf": [{"type": "object"}, {"type": "object"}],
            "discriminator": {"propertyName": "kind"}
        }}}});
        let request = convert_document(&doc, Dialect::OpenApi31, View::Request);
        let response = convert_document(&doc, Dialect::OpenApi31, View::Response);
        assert!(request["components"]["schemas"]["S"].get("anyOf").is_some());
        assert!(request["components"]["schemas"]["S"].get("oneOf").is_none());
        assert!(
            response["components"]["schemas"]["S"]
                .get("oneOf")
                .is_some()
        );
    }

    #[test]
    fn nullable_in_a_3_1_document_means_what_its_author_meant() {
        let doc = json!({"components": {"schemas": {"S": {"type": "string", "nullable": true}}}});
        let converted = convert_document(&doc, Dialect::OpenApi31, View::Response);
        assert_eq!(
            converted["components"]["schemas"]["S"],
            json!({"type": ["string", "null"]})
        );
    }

    #[test]
    fn write_only_properties_are_forbidden_in_responses_and_kept_in_requests() {
        let doc = json!({"components": {"schemas": {"S": {
            "type": "object", "required": ["name"],
            "properties": {"cvc": {"type": "integer", "writeOnly": true}, "name": {"type": "string"}}
        }}}});
        let request = convert_document(&doc, Dialect::OpenApi31, View::Request);
        let response = convert_document(&doc, Dialect::OpenApi31, View::Response);
        assert_eq!(
            request["components"]["schemas"]["S"]["properties"]["cvc"],
            json!({"type": "integer", "writeOnly": true})
        );
        assert_eq!(
            response["components"]["schemas"]["S"]["properties"]["cvc"],
            json!(false)
        );
    }

    #[test]
    fn a_3_0_write_only_reference_is_forbidden_in_responses_and_a_read_only_one_not_required_in_requests()
     {
        let doc = json!({"components": {"schemas": {
            "Alias": {"type": "object"},
            "User": {"type": "object", "required": ["id", "guardian"], "properties": {
                "guardian": {"$ref": "#/components/schemas/Alias", "writeOnly": true},
                "id": {"$ref": "#/components/schemas/Alias", "readOnly": true}
            }}
        }}});
        let request = &convert_document(&doc, Dialect::OpenApi30, View::Request)["components"]["schemas"]
            ["User"];
        let response = &convert_document(&doc, Dialect::OpenApi30, View::Response)["components"]["schemas"]
            ["User"];
        assert_eq!(response["properties"]["guardian"], json!(false));
        assert_eq!(response["required"], json!(["id"]));
        assert_eq!(request["required"], json!(["guardian"]));
    }

    #[test]
    fn the_views_are_one_document_when_no_required_property_is_read_or_write_only() {
        let doc = json!({"components": {"schemas": {"S": {
            "type": "object", "required": ["name"],
            "properties": {"id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}
        }}}});
        let converted = convert_views(&doc, Dialect::OpenApi31, &|_, _| None);
        assert!(
            converted.request.is_none(),
            "expected one document for both views, got a request view: {:?}",
            converted.request
        );
        assert_eq!(
            converted.response["components"]["schemas"]["S"]["required"],
            json!(["name"])
        );
    }

    #[test]
    fn only_schemas_are_copied_and_each_is_converted_once() {
        let doc = json!({"openapi": "3.0.3",
        "paths": {"/a": {"get": {"description": "not copied", "parameters": [
            {"name": "n", "in": "query", "description": "not copied",
             "schema": {"type": "string", "nullable": true}}
        ]}}},
        "components": {"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "integer", "nullable": true}
        }}});
        let converted = convert_views(&doc, Dialect::OpenApi30, &|pointer, _| {
            Some(pointer.to_string())
        });
        let mut visited = converted.references.clone();
        visited.sort();
        assert_eq!(
            visited,
            [
                "/components/schemas/A",
                "/components/schemas/A/properties/b",
                "/components/schemas/B",
                "/paths/~1a/get/parameters/0/schema",
            ]
        );
        assert_eq!(
            converted.response,
            json!({
                "paths": {"/a": {"get": {"parameters": [
                    {"schema": {"type": ["string", "null"]}}
                ]}}},
                "components": {"schemas": {
                    "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
                    "B": {"type": ["integer", "null"]}
                }}
            })
        );
    }

    #[test]
    fn path_items_converted_by_either_thread_keep_the_documents_order() {
        let item = |n: u64| {
            json!({"get": {"parameters": [
                {"name": "n", "in": "query", "schema": {"type": "integer", "format": "int32", "default": n}}
            ]}})
        };
        // Enough items for a second thread, in no sorted order.
        let names: Vec<String> = (0..70).map(|i| format!("/p{}", i * 37 % 70)).collect();
        assert!(
            names.len() >= 64,
            "fewer path items than a second thread needs"
        );
        let mut paths = Map::new();
        for (i, name) in names.iter().enumerate() {
            paths.insert(name.clone(), item(i as u64));
        }
        let doc = json!({"openapi": "3.1.0", "paths": paths, "components": {"schemas": {}}});
        let converted = convert_views(&doc, Dialect::OpenApi31, &|_, _| None).response;
        let keys: Vec<&str> = converted["paths"]
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(keys, names, "path items out of the document's order");
        for (i, name) in names.iter().enumerate() {
            assert_eq!(
                converted["paths"][name.as_str()]["get"]["parameters"][0]["schema"],
                json!({"type": "integer", "format": "int32", "default": i,
                       "minimum": i32::MIN, "maximum": i32::MAX}),
                "the schema of {name}"
            );
        }
    }
}
