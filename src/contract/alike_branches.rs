//! `oneOf`s two of whose branches accept the same values: then every value matches both, and
//! none is valid (readme's `oneOf: [{description: one}, {description: two}]`). Or they differ
//! only in `format`: JSON Schema makes formats annotations, and many validators check few or
//! none (Schemathesis does not check OpenAPI's `byte`), so for those validators no value is
//! valid. understudy checks `byte`, so its answers pass its own check and fail theirs
//! (motaword's instant translations: a map of strings, or of base64 strings). `lint` warns of
//! both.

use serde_json::{Map, Value};

use super::tree::{ANNOTATIONS, Holds, holds, schema_nodes, schema_ref};
use crate::pointer::local_target;

/// `(pointer of the oneOf's schema, message)` for each `oneOf` in `document` two of whose
/// branches are the same schema but for [`ANNOTATIONS`] (and `format`), their `$ref`s
/// followed one step.
pub fn alike_one_of_branches(document: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (pointer, node) in schema_nodes(document) {
        let Some(Value::Array(branches)) = node.get("oneOf") else {
            continue;
        };
        let targets: Vec<&Value> = branches
            .iter()
            .map(|branch| {
                schema_ref(branch)
                    .and_then(local_target)
                    .and_then(|target| document.pointer(&target))
                    .unwrap_or(branch)
            })
            .collect();
        let alike = |ignored: &[&str]| {
            let kept: Vec<Value> = targets.iter().map(|t| without(t, ignored)).collect();
            (0..kept.len()).find_map(|i| {
                (i + 1..kept.len())
                    .find(|&j| kept[i] == kept[j])
                    .map(|j| (i, j))
            })
        };
        let with_format: Vec<&str> = ANNOTATIONS.iter().copied().chain(["format"]).collect();
        if let Some((i, j)) = alike(ANNOTATIONS) {
            out.push((
                pointer,
                format!(
                    "no value is valid: branches {i} and {j} of this oneOf accept the same \
                     values (they differ in annotations at most), so every value matches both"
                ),
            ));
        } else if let Some((i, j)) = alike(&with_format) {
            out.push((
                pointer,
                format!(
                    "no value is valid for validators that do not check formats: branches {i} \
                     and {j} of this oneOf accept the same values once `format` goes unchecked \
                     (JSON Schema leaves formats to annotation; Schemathesis does not check \
                     `byte`), so for those validators every value matches both"
                ),
            ));
        }
    }
    out.sort();
    out
}

/// `schema` without the keywords `ignored`, in it and in every subschema. Only keywords go:
/// a property named `title` stays, and so does what `enum`, `const` or `required` hold (not
/// schemas: a `description` there is data).
fn without(schema: &Value, ignored: &[&str]) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let kept = map
        .iter()
        .filter(|(key, _)| !ignored.contains(&key.as_str()))
        .map(|(key, child)| {
            let child = match (holds(key, child), child) {
                (Some(Holds::Named), Value::Object(named)) => Value::Object(
                    named
                        .iter()
                        .map(|(name, sub)| (name.clone(), without(sub, ignored)))
                        .collect(),
                ),
                (Some(Holds::Listed), Value::Array(listed)) => {
                    Value::Array(listed.iter().map(|sub| without(sub, ignored)).collect())
                }
                (Some(Holds::One), _) => without(child, ignored),
                _ => child.clone(),
            };
            (key.clone(), child)
        })
        .collect::<Map<String, Value>>();
    Value::Object(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn branches_alike_or_apart_only_by_format_are_found_and_others_are_not() {
        // `Named` and `Worded` differ in what looks like annotations but is not: a property
        // named `title`, and data inside `enum`.
        let document = json!({ "components": { "schemas": {
            "Result": { "oneOf": [
                { "$ref": "#/components/schemas/Texts" },
                { "$ref": "#/components/schemas/Files" }
            ] },
            "Texts": { "type": "object", "properties": { "results": {
                "type": "object", "additionalProperties": { "type": "string" },
                "description": "source string to translation" } } },
            "Files": { "type": "object", "properties": { "results": {
                "type": "object",
                "additionalProperties": { "type": "string", "format": "byte" } } } },
            "Either": { "oneOf": [ { "type": "string" }, { "type": "integer" } ] },
            "Named": { "oneOf": [
                { "type": "object", "properties": { "title": { "type": "string" } },
                  "additionalProperties": false },
                { "type": "object", "properties": {}, "additionalProperties": false }
            ] },
            "Worded": { "oneOf": [
                { "enum": [{ "description": "a" }] },
                { "enum": [{ "description": "b" }] }
            ] },
            "Event": { "type": "string",
                "oneOf": [ { "description": "one" }, { "description": "two" } ] }
        } } });
        let found = alike_one_of_branches(&document);
        let places: Vec<(&str, bool)> = found
            .iter()
            .map(|(p, m)| (p.as_str(), m.contains("do not check formats")))
            .collect();
        assert_eq!(
            places,
            [
                ("/components/schemas/Event", false),
                ("/components/schemas/Result", true)
            ],
            "found {found:#?}"
        );
    }
}
