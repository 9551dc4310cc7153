//! A value made valid under its schema with as few changes as its violations ask for: what an
//! answer from stored state becomes when the stored data does not fit the answer's schema
//! (fixtures loaded by hand, a deletion marker answered for a deleted object), and what a
//! generated value becomes when no attempt was valid, so that what understudy sends keeps to
//! the contract and still carries the fields that fit.

use serde_json::Value;

use std::collections::HashSet;

use super::exclusive::set_apart;
use super::prune::{remove_property, without_nearest};
use super::values::generate;
use crate::contract::{SchemaId, Schemas, View, properties, resolve};
use crate::pointer::local_target;

/// Rounds of repair before giving up: each round fixes every violation found, and a fix may
/// uncover a deeper one (a required object added whose own fields are checked next).
const ROUNDS: u64 = 8;

/// `value` made valid under schema `id`: each failing value regenerated from the schema it
/// fails, properties the schema does not allow removed, missing required ones generated; a
/// property that fails again once regenerated (its schema admits no value, as `oneOf` of two
/// equal branches) is left out where that leaves fewer violations. `None` when that does not
/// make it valid.
pub fn repair(schemas: &Schemas, id: SchemaId, mut value: Value, seed: u64) -> Option<Value> {
    let view = schemas.view(id);
    let document = schemas.document(view);
    // An object no branch of the answer's `oneOf` or `anyOf` takes (a stored file where
    // GitHub's contents read answers a directory listing or a file): made from the branch
    // that declares most of its fields, with those of its fields that fit, rather than
    // regenerated from the first branch a violation names, which keeps none of them.
    // The rounds below finish it (a file generated with a symlink's `target` matches two
    // branches).
    let count = |trial: &Value| schemas.violations(id, trial, &[]).len();
    if !schemas.is_valid(id, &value)
        && let Some(nearest) =
            nearest_branch_value(document, schemas.node(id), &value, view, seed, count)
    {
        value = nearest;
    }
    let mut regenerated: HashSet<String> = HashSet::new();
    for round in 0..ROUNDS {
        let violations = schemas.violations(id, &value, &[]);
        if violations.is_empty() {
            return Some(value);
        }
        let before = violations.len();
        for violation in violations {
            // Failing again once regenerated (no value satisfies its schema, as a `oneOf` of
            // two equal branches): left out, else the nearest holder whose removal leaves
            // fewer violations (an array item, then the array).
            if !violation.instance_path.is_empty()
                && !regenerated.insert(violation.instance_path.clone())
            {
                let fewer = |trial: &Value| schemas.violations(id, trial, &[]).len() < before;
                if let Some(smaller) = without_nearest(&value, &violation.instance_path, fewer) {
                    value = smaller;
                }
                continue;
            }
            // The schema holding the failing keyword: the schema path without its last
            // segment, a place in the converted document.
            let pointer = local_target(&violation.schema_path).unwrap_or_default();
            let Some(node) = pointer
                .rsplit_once('/')
                .and_then(|(parent, _)| document.pointer(parent))
            else {
                continue;
            };
            // `additionalProperties: false` may be reported as a false schema at the object
            // (jsonschema names the object, not the property): the object keeps only the
            // properties declared beside it.
            let forbids_others = (pointer.ends_with("/additionalProperties")
                || pointer.ends_with("/unevaluatedProperties"))
                && value
                    .pointer(&violation.instance_path)
                    .is_some_and(Value::is_object);
            // A value where the schema allows none (a writeOnly property in an answer):
            // removed from the object holding it.
            if violation.keyword() == "falseSchema" && !forbids_others {
                remove_property(&mut value, &violation.instance_path);
                continue;
            }
            // A `oneOf` more than one branch of which the value matches: properties the
            // others declare set to values they refuse, so that one matches.
            if violation.keyword() == "oneOf"
                && let Some(apart) = set_apart(
                    document,
                    node,
                    &value,
                    &violation.instance_path,
                    before,
                    |trial| schemas.violations(id, trial, &[]).len(),
                )
            {
                value = apart;
                continue;
            }
            let seed = seed ^ round;
            let Some(target) = value.pointer_mut(&violation.instance_path) else {
                continue;
            };
            let keyword = if forbids_others {
                "additionalProperties"
            } else {
                violation.keyword()
            };
            match keyword {
                "additionalProperties" | "unevaluatedProperties" => {
                    let declared = node.get("properties").and_then(Value::as_object);
                    if let Value::Object(object) = target {
                        object.retain(|name, _| declared.is_some_and(|d| d.contains_key(name)));
                    }
                }
                "required" => {
                    let required = node.get("required").and_then(Value::as_array);
                    if let Value::Object(object) = target {
                        for name in required.into_iter().flatten().filter_map(Value::as_str) {
                            if !object.contains_key(name) {
                                let schema = node
                                    .get("properties")
                                    .and_then(|properties| properties.get(name))
                                    .unwrap_or(&Value::Bool(true));
                                let made = generate(document, schema, view, seed, true);
                                object.insert(name.to_string(), made);
                            }
                        }
                    }
                }
                _ => *target = generate(document, node, view, seed, true),
            }
        }
    }
    schemas.is_valid(id, &value).then_some(value)
}

/// A value of the branch of `schema`'s `oneOf` or `anyOf` (through references) that declares
/// the most of `object`'s fields (of equals, the one whose listed values take most of them,
/// then the first), generated without the optional fields other branches require, with each
/// of those fields of `object` put in it where that adds no violation (as `count` counts
/// them, see [`keep_fitting`]); `None` where `object` is no object or no branch declares any
/// of its fields.
fn nearest_branch_value(
    document: &Value,
    schema: &Value,
    object: &Value,
    view: View,
    seed: u64,
    count: impl Fn(&Value) -> usize,
) -> Option<Value> {
    let fields = object.as_object()?;
    let node = resolve(schema, document);
    let branches = node
        .get("oneOf")
        .or_else(|| node.get("anyOf"))
        .and_then(Value::as_array)?;
    let shared = |branch: &Value| {
        let declared = properties(branch, document);
        fields
            .keys()
            .filter(|name| declared.get(name).is_some())
            .count()
    };
    // Of branches declaring as many, the one whose `enum` or `const` fields take the stored
    // values (ably's `ruleType: aws/sqs`, which names its branch as a discriminator does).
    let names_kind = |branch: &Value| {
        let declared = properties(branch, document);
        fields
            .iter()
            .filter_map(|(name, stored)| {
                let property = resolve(declared.get(name)?, document);
                let listed = match (property.get("const"), property.get("enum")) {
                    (Some(one), _) => std::slice::from_ref(one),
                    (None, Some(Value::Array(values))) => values.as_slice(),
                    _ => return None,
                };
                Some(if listed.contains(stored) { 1 } else { -1 })
            })
            .sum::<i32>()
    };
    // Reversed, as `max_by_key` keeps the last of equals.
    let (best, most, _) = branches
        .iter()
        .map(|branch| (branch, shared(branch), names_kind(branch)))
        .rev()
        .max_by_key(|(_, n, kind)| (*n, *kind))?;
    if most == 0 {
        return None;
    }
    let mut made = generate(document, best, view, seed, true);
    let declared = properties(best, document);
    // Optional fields another branch requires, which `object` does not have, go: with them
    // the value may match that branch too (a file generated with a symlink's `target`).
    let own: Vec<&str> = declared.required().collect();
    let others: Vec<String> = branches
        .iter()
        .filter(|branch| !std::ptr::eq(*branch, best))
        .flat_map(|branch| {
            properties(branch, document)
                .required()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    if let Value::Object(made_fields) = &mut made {
        made_fields.retain(|name, _| {
            fields.contains_key(name)
                || own.contains(&name.as_str())
                || !others.iter().any(|other| other == name)
        });
    }
    let now = count(&made);
    let declared_fields = fields
        .iter()
        .filter(|(name, _)| declared.get(name).is_some());
    keep_fitting(&mut made, &mut Vec::new(), declared_fields, now, &count);
    Some(made)
}

/// Puts each of `stored`'s fields into the object at `path` in `made` where that adds no
/// violation (as `count` counts them, `now` before); an object that does not fit as a whole,
/// field by field into the one made there (ably's rule `target`, sent with a secret key its
/// answer leaves out, keeps its queue). The violations then.
fn keep_fitting<'a>(
    made: &mut Value,
    path: &mut Vec<String>,
    stored: impl Iterator<Item = (&'a String, &'a Value)>,
    mut now: usize,
    count: &impl Fn(&Value) -> usize,
) -> usize {
    for (name, value) in stored {
        let mut trial = made.clone();
        let place = path
            .iter()
            .try_fold(&mut trial, |at, key| at.get_mut(key.as_str()));
        let Some(Value::Object(object)) = place else {
            return now;
        };
        let made_there = object.insert(name.clone(), value.clone());
        let after = count(&trial);
        if after <= now {
            (*made, now) = (trial, after);
        } else if let (Some(Value::Object(_)), Value::Object(inner)) = (made_there, value)
            && path.len() < NESTED_FIELDS_KEPT
        {
            path.push(name.clone());
            now = keep_fitting(made, path, inner.iter(), now, count);
            path.pop();
        }
    }
    now
}

/// How deep [`keep_fitting`] goes into objects that do not fit whole.
const NESTED_FIELDS_KEPT: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_nearest_branch_keeps_the_stored_fields_and_leaves_out_what_makes_another_match() {
        // GitHub's contents: a file generated with a symlink's `target` and a submodule's
        // URL (both optional in a file, each required by its own branch) matches three.
        let document = json!({"components": {"schemas": {
            "File": {"type": "object", "required": ["type", "content"], "properties": {
                "type": {"type": "string"}, "content": {"type": "string"},
                "target": {"type": "string", "example": "a.md"},
                "submodule_git_url": {"type": "string", "example": "git://x"}}},
            "Symlink": {"type": "object", "required": ["type", "target"], "properties": {
                "type": {"type": "string"}, "target": {"type": "string"}}},
            "Submodule": {"type": "object", "required": ["type", "submodule_git_url"],
                "properties": {"type": {"type": "string"},
                "submodule_git_url": {"type": "string"}}}
        }}});
        let schema = json!({"oneOf": [
            {"type": "array", "items": {"type": "object"}},
            {"$ref": "#/components/schemas/File"},
            {"$ref": "#/components/schemas/Symlink"},
            {"$ref": "#/components/schemas/Submodule"}
        ]});
        let stored = json!({"message": "m", "content": "aGk="});
        let made = nearest_branch_value(&document, &schema, &stored, View::Response, 7, |_| 0)
            .expect("a value of the file branch");
        assert!(
            made["content"] == "aGk="
                && made.get("target").is_none()
                && made.get("submodule_git_url").is_none()
                && made.get("message").is_none(),
            "expected the file with the stored content, without a symlink's or a submodule's \
             field nor one no file declares, got {made}"
        );
    }
}
