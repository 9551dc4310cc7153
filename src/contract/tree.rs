//! Where schemas are in a document and what a schema is made of: the schema objects found by
//! position (`schema`, `components/schemas`), a schema's subschemas, and the `$ref` it makes.
//! Shared by the conversion's walk and by the sharing of `$ref` targets.

use serde_json::{Map, Value};

use crate::pointer::{escape as escape_pointer, local_target, push_segment};

/// The keyword a shared `$ref` is renamed to; its value is the `$ref`'s.
pub const KEYWORD: &str = "x-understudy-ref";

/// The reference a converted schema makes, as `$ref` or as a shared reference.
pub fn schema_ref(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .or_else(|| schema.get(KEYWORD))
        .and_then(Value::as_str)
}

/// The properties a schema declares (through `$ref`s and `allOf`), borrowed from the
/// document, in document order: copying them out was a quarter of a create's time. And the
/// names it requires, through the same.
pub struct Properties<'a> {
    declared: Vec<(&'a str, &'a Value)>,
    required: Vec<&'a str>,
}

/// How deep `allOf`s and `$ref` chains are followed: a schema that refers to itself through
/// them ends there.
const DEEPEST: usize = 16;

impl<'a> Properties<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.declared
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    pub fn len(&self) -> usize {
        self.declared.len()
    }

    /// Whether `name` is required by the schema or one of its `allOf` parts.
    pub fn is_required(&self, name: &str) -> bool {
        self.required.contains(&name)
    }

    pub fn is_empty(&self) -> bool {
        self.declared.is_empty()
    }

    /// The names required by the schema or one of its `allOf` parts, declared or not.
    pub fn required(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.required.iter().copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a Value)> + '_ {
        self.declared.iter().copied()
    }

    /// Adds `schema`'s properties; a later one of the same name replaces the earlier.
    fn collect(&mut self, schema: &'a Value, document: &'a Value, depth: usize) {
        if depth > DEEPEST {
            return;
        }
        let mut schema = schema;
        for _ in 0..DEEPEST {
            match schema_ref(schema)
                .and_then(local_target)
                .and_then(|pointer| document.pointer(&pointer))
            {
                Some(target) => schema = target,
                None => break,
            }
        }
        let own = schema.get("properties").and_then(Value::as_object);
        for (name, property) in own.into_iter().flatten() {
            match self.declared.iter_mut().find(|(n, _)| n == name) {
                Some(entry) => entry.1 = property,
                None => self.declared.push((name, property)),
            }
        }
        let required = schema.get("required").and_then(Value::as_array);
        self.required
            .extend(required.into_iter().flatten().filter_map(Value::as_str));
        let parts = schema.get("allOf").and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            self.collect(part, document, depth + 1);
        }
    }
}

/// Keywords that say nothing about which values a schema accepts.
pub const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "default",
    "externalDocs",
    "deprecated",
];

/// Whether `schema` only annotates (AWS's `allOf: [{$ref: …}, {description: …}]` adds a
/// description to what it refers to): it accepts every value.
pub fn only_annotates(schema: &Value) -> bool {
    schema_ref(schema).is_none()
        && schema.as_object().is_some_and(|fields| {
            fields
                .keys()
                .all(|k| ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-"))
        })
}

/// The properties `schema` declares, through `$ref`s and `allOf`.
pub fn properties<'a>(schema: &'a Value, document: &'a Value) -> Properties<'a> {
    let mut out = Properties {
        declared: Vec::new(),
        required: Vec::new(),
    };
    out.collect(schema, document, 0);
    out
}

/// Any value, the schema of a property whose branches disagree (see [`branch_properties`]).
const ANY: &Value = &Value::Bool(true);

/// The branches of `schema`'s `oneOf`, else of its `anyOf` (none where it has neither).
pub fn union_branches(schema: &Value) -> &[Value] {
    schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The properties an object of any branch of `schema`'s `oneOf` or `anyOf` (through `$ref`s)
/// may have, for a schema that declares none of its own: each with the schema every branch
/// that declares it gives it, else any value (ably's rules are a `oneOf` by `ruleType`, `http`
/// in one branch and `aws/sqs` in another, each with its own `target`); required where every
/// branch requires it. The schema's own properties where it declares some, or has no branches.
pub fn branch_properties<'a>(schema: &'a Value, document: &'a Value) -> Properties<'a> {
    let own = properties(schema, document);
    let branches = union_branches(resolve(schema, document));
    if branches.is_empty() || !own.is_empty() {
        return own;
    }
    let each: Vec<Properties<'a>> = branches.iter().map(|b| properties(b, document)).collect();
    let mut out = Properties {
        declared: Vec::new(),
        required: Vec::new(),
    };
    for (name, property) in each.iter().flat_map(Properties::iter) {
        if out.get(name).is_some() {
            continue;
        }
        let agreed = each
            .iter()
            .filter_map(|b| b.get(name))
            .all(|other| resolve(other, document) == resolve(property, document));
        out.declared
            .push((name, if agreed { property } else { ANY }));
    }
    let required_by_all = |name: &&'a str| each.iter().all(|b| b.is_required(name));
    out.required = each
        .first()
        .map(|first| first.required().filter(required_by_all).collect())
        .unwrap_or_default();
    out
}

/// How a schema keyword holds subschemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Holds {
    /// An object of schemas by name (`properties`).
    Named,
    /// A list of schemas (`allOf`; `items` as a list, as drafts before 2020-12 wrote it).
    Listed,
    /// One schema (`items`, `not`).
    One,
}

/// The subschemas `child`, under `key` in a schema, is made of, or `None` when it is not made
/// of schemas. A `match` on the name: comparing each key with a list of keywords showed in
/// profiles of large documents.
pub(super) fn holds(key: &str, child: &Value) -> Option<Holds> {
    let holds = match key {
        "properties" | "patternProperties" | "dependentSchemas" | "$defs" | "definitions" => {
            Holds::Named
        }
        "allOf" | "anyOf" | "oneOf" | "prefixItems" => Holds::Listed,
        "items" if child.is_array() => Holds::Listed,
        "items"
        | "additionalProperties"
        | "additionalItems"
        | "not"
        | "if"
        | "then"
        | "else"
        | "contains"
        | "propertyNames"
        | "unevaluatedProperties"
        | "unevaluatedItems" => Holds::One,
        _ => return None,
    };
    let fits = match holds {
        Holds::Named | Holds::One => child.is_object(),
        Holds::Listed => child.is_array(),
    };
    fits.then_some(holds)
}

/// Every schema of `doc` reachable from those found by position (through subschemas and
/// local `$ref`s), once each, with its pointer.
pub(super) fn schema_nodes(doc: &Value) -> impl Iterator<Item = (String, &Value)> {
    let mut pending = find_schema_roots(doc);
    let mut seen = std::collections::HashSet::new();
    std::iter::from_fn(move || {
        while let Some(pointer) = pending.pop() {
            if !seen.insert(pointer.clone()) {
                continue;
            }
            let Some(node) = doc.pointer(&pointer) else {
                continue;
            };
            push_children(node, &pointer, &mut pending);
            return Some((pointer, node));
        }
        None
    })
}

/// Pointers of schema objects found by position in the document (not inside schemas).
pub(super) fn find_schema_roots(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    by_position(doc, &mut String::new(), &mut |_, pointer| {
        out.push(pointer.clone());
        None
    });
    out
}

/// Hands each schema object found by position in `value` (not inside schemas) to `schema`
/// with its pointer, and returns the copy of `value` holding what it returned at their places,
/// with the containers on the way to them (`None` when it holds nothing). `pointer` is where
/// `value` is, and is as it was on return.
pub(super) fn by_position(
    value: &Value,
    pointer: &mut String,
    schema: &mut impl FnMut(&Value, &mut String) -> Option<Value>,
) -> Option<Value> {
    let at = pointer.len();
    match value {
        Value::Array(items) => {
            let mut copy = Vec::new();
            for (i, item) in items.iter().enumerate() {
                pointer.push('/');
                pointer.push_str(itoa::Buffer::new().format(i));
                if let Some(item) = by_position(item, pointer, schema) {
                    copy.resize(i, Value::Null);
                    copy.push(item);
                }
                pointer.truncate(at);
            }
            (!copy.is_empty()).then_some(Value::Array(copy))
        }
        Value::Object(map) => {
            let in_components = pointer.ends_with("/components");
            let in_responses = pointer.ends_with("/responses");
            let mut copy = Map::new();
            for (key, child) in map {
                push_segment(pointer, key);
                let child = match (key.as_str(), child) {
                    ("schema" | "itemSchema", Value::Object(_) | Value::Bool(_)) => {
                        schema(child, pointer)
                    }
                    ("schemas", Value::Object(schemas)) if in_components => {
                        let below = pointer.len();
                        let mut copies = Map::new();
                        for (name, node) in schemas {
                            push_segment(pointer, name);
                            if let Some(node) = schema(node, pointer) {
                                copies.insert(name.clone(), node);
                            }
                            pointer.truncate(below);
                        }
                        (!copies.is_empty()).then_some(Value::Object(copies))
                    }
                    ("schemas", _) if in_components => None,
                    // Values, not schemas; but `responses/default` is a response.
                    ("default", _) if !in_responses => None,
                    ("example" | "examples", _) => None,
                    _ => by_position(child, pointer, schema),
                };
                if let Some(child) = child {
                    copy.insert(key.clone(), child);
                }
                pointer.truncate(at);
            }
            (!copy.is_empty()).then_some(Value::Object(copy))
        }
        _ => None,
    }
}

pub(super) fn push_children(node: &Value, pointer: &str, out: &mut Vec<String>) {
    let Value::Object(map) = node else { return };
    if let Some(target) = schema_ref(node).and_then(local_target) {
        out.push(target);
    }
    for (key, child) in map {
        match (holds(key, child), child) {
            (Some(Holds::Named), Value::Object(children)) => {
                let key = escape_pointer(key);
                for name in children.keys() {
                    out.push(format!("{pointer}/{key}/{}", escape_pointer(name)));
                }
            }
            (Some(Holds::Listed), Value::Array(children)) => {
                let key = escape_pointer(key);
                out.extend((0..children.len()).map(|i| format!("{pointer}/{key}/{i}")));
            }
            (Some(_), _) => out.push(format!("{pointer}/{}", escape_pointer(key))),
            (None, _) => {}
        }
    }
}

/// The types `schema` names in its `type` (a string or a list); none where it names none.
pub fn declared_types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Follows `$ref`s (and an `allOf` with one branch that does more than annotate, common
/// around `$ref`s in 3.0: AWS's `allOf: [{$ref: …}, {description: …}]`) to the schema that
/// says what type a value has.
pub fn resolve<'a>(schema: &'a Value, document: &'a Value) -> &'a Value {
    let mut schema = schema;
    for _ in 0..16 {
        if let Some(target) = schema_ref(schema).and_then(local_target) {
            schema = document.pointer(&target).unwrap_or(&Value::Null);
        } else if let Some(only) = sole_constraining_branch(schema) {
            schema = only;
        } else {
            break;
        }
    }
    schema
}

/// The one branch of `schema`'s `allOf` that does more than annotate, where `schema` says no
/// type of its own.
fn sole_constraining_branch(schema: &Value) -> Option<&Value> {
    if schema.get("type").is_some() {
        return None;
    }
    let mut constraining = schema
        .get("allOf")?
        .as_array()?
        .iter()
        .filter(|branch| !only_annotates(branch));
    match (constraining.next(), constraining.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn properties_are_read_through_refs_and_all_of_and_a_schema_referring_to_itself_ends() {
        let document = json!({"components": {"schemas": {
            "Base": {"properties": {"id": {"type": "integer"}}},
            "Loop": {"allOf": [{"$ref": "#/components/schemas/Loop"},
                               {"$ref": "#/components/schemas/Base"}],
                     "properties": {"name": {"type": "string"}}}
        }}});
        let schema = json!({"$ref": "#/components/schemas/Loop"});
        let names: Vec<&str> = properties(&schema, &document)
            .iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            names,
            ["name", "id"],
            "expected the properties of Loop and Base"
        );
    }
}
