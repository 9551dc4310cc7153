//! `$ref` targets compiled once per API and shared by every validator that reaches them.
//!
//! jsonschema compiles everything a validator reaches through `$ref` into that validator, and
//! shares nothing between validators. On a document whose schemas form a large reference
//! cycle each of its ~1,300 validators held its own copy of the cycle: 12.5 GB after one
//! request to every operation of `scripts/large_spec.py`'s 4.4 MB document. So, in the copy of
//! the converted document the validators are built from, each local `$ref` of a schema is
//! rewritten to the custom keyword [`KEYWORD`], whose target is compiled once, on first use,
//! into a table of this API ([`Targets`]), and called from every validator that reaches it.
//!
//! Two things a custom keyword cannot do decide where native `$ref`s stay:
//! - it produces no annotations, which `unevaluatedProperties`/`unevaluatedItems` read: the
//!   schemas under such a keyword, and everything they reach, keep native `$ref`s (as do
//!   schemas with `$id` or dynamic references, whose `$ref`s do not resolve against the
//!   document);
//! - jsonschema reports its errors at the keyword's own place: each error of a target is
//!   carried out with its own instance path and (absolute) schema location in its message
//!   ([`Leaf::encode`]), and [`leaves`] puts the instance path back together, so an error deep
//!   in a reference chain is reported where it is, with the schema location a native `$ref`
//!   gives it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock, Weak};

use jsonschema::{Keyword, Registry, ValidationError, Validator};
use serde_json::{Value, json};

use super::convert::{find_schema_roots, push_children};
use crate::pointer::{encode_fragment, local_target};

/// The keyword a shared `$ref` is rewritten to; its value is the target's absolute URI.
pub const KEYWORD: &str = "x-understudy-ref";

/// Keywords whose schemas keep native `$ref`s, with everything they reach.
const NATIVE: &[&str] = &[
    "unevaluatedProperties",
    "unevaluatedItems",
    "$id",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
];

/// Rewrites the local `$ref`s of `doc`'s schemas (a converted document registered as `base`)
/// to [`KEYWORD`]; returns the absolute URIs of their targets.
pub fn share_refs(doc: &mut Value, base: &str) -> Vec<String> {
    let mut roots = Vec::new();
    find_schema_roots(doc, String::new(), &mut roots);
    // Every schema reachable from the document's schema positions, and each one's local
    // `$ref` target.
    let mut reached: Vec<(String, Option<String>)> = Vec::new();
    let mut seen = HashSet::new();
    let mut native_roots = Vec::new();
    let mut pending = roots;
    while let Some(pointer) = pending.pop() {
        if !seen.insert(pointer.clone()) {
            continue;
        }
        let Some(node) = doc.pointer(&pointer) else {
            continue;
        };
        push_children(node, &pointer, &mut pending);
        if NATIVE.iter().any(|k| node.get(*k).is_some()) {
            native_roots.push(pointer.clone());
        }
        let target = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(local_target);
        reached.push((pointer, target));
    }
    let native = reachable(doc, native_roots);
    let mut targets = Vec::new();
    let mut known = HashSet::new();
    for (pointer, target) in reached {
        let Some(target) = target else { continue };
        if native.contains(&pointer) || doc.pointer(&target).is_none() {
            continue;
        }
        let uri = format!("{base}#{}", encode_fragment(&target));
        if let Some(Value::Object(map)) = doc.pointer_mut(&pointer) {
            map.remove("$ref");
            map.insert(KEYWORD.to_string(), Value::String(uri.clone()));
        }
        if known.insert(uri.clone()) {
            targets.push(uri);
        }
    }
    targets
}

/// Every schema reachable from `roots` through subschemas and local `$ref`s.
fn reachable(doc: &Value, roots: Vec<String>) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut pending = roots;
    while let Some(pointer) = pending.pop() {
        if !seen.insert(pointer.clone()) {
            continue;
        }
        if let Some(node) = doc.pointer(&pointer) {
            push_children(node, &pointer, &mut pending);
        }
    }
    seen
}

/// The shared targets of one API, each compiled on first use.
pub struct Targets {
    registry: Registry<'static>,
    by_uri: HashMap<String, usize>,
    slots: Vec<OnceLock<Result<Validator, String>>>,
    uris: Vec<String>,
    /// Handed to the keywords of the validators built here, which call back into this table
    /// (a strong reference would be a cycle).
    me: Weak<Targets>,
}

impl Targets {
    pub fn new(registry: Registry<'static>, uris: Vec<String>) -> Arc<Targets> {
        Arc::new_cyclic(|me| Targets {
            registry,
            by_uri: uris
                .iter()
                .enumerate()
                .map(|(i, u)| (u.clone(), i))
                .collect(),
            slots: uris.iter().map(|_| OnceLock::new()).collect(),
            uris,
            me: me.clone(),
        })
    }

    /// Compiles the schema at `uri` (absolute, with a fragment) with the shared keyword.
    pub fn build(&self, uri: &str) -> Result<Validator, String> {
        let me = self.me.clone();
        super::schemas::validator_options()
            .with_registry(&self.registry)
            .with_keyword(KEYWORD, move |_, value, _| {
                let index = value.as_str().and_then(|uri| {
                    me.upgrade()
                        .and_then(|targets| targets.by_uri.get(uri).copied())
                });
                match index {
                    Some(index) => Ok(Box::new(SharedRef {
                        targets: me.clone(),
                        index,
                    })),
                    None => Err(ValidationError::custom(format!(
                        "{KEYWORD} names no known target: {value}"
                    ))),
                }
            })
            .build(&json!({ "$ref": uri }))
            .map_err(|e| e.to_string())
    }

    /// The validator of target `index`; `None` when it cannot be compiled (it then accepts
    /// everything, as a root schema that cannot be does: `lint` reports those).
    fn target(&self, index: usize) -> Option<&Validator> {
        self.slots[index]
            .get_or_init(|| self.build(&self.uris[index]))
            .as_ref()
            .ok()
    }
}

/// A `$ref` to a shared target.
struct SharedRef {
    targets: Weak<Targets>,
    index: usize,
}

impl<'i> Keyword<'i> for SharedRef {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        match self.iter_errors(instance).next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        let Some(targets) = self.targets.upgrade() else {
            return true;
        };
        targets
            .target(self.index)
            .is_none_or(|v| v.is_valid(instance))
    }

    fn iter_errors(
        &self,
        instance: &'i Value,
    ) -> Box<dyn Iterator<Item = ValidationError<'i>> + 'i> {
        let Some(targets) = self.targets.upgrade() else {
            return Box::new(std::iter::empty());
        };
        let Some(validator) = targets.target(self.index) else {
            return Box::new(std::iter::empty());
        };
        let errors: Vec<ValidationError<'i>> = leaves(validator, instance)
            .into_iter()
            .map(|leaf| ValidationError::custom(leaf.encode()))
            .collect();
        Box::new(errors.into_iter())
    }
}

/// One leaf error of an evaluation, with its paths from the root of the validated instance
/// and schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    pub instance_path: String,
    pub schema_path: String,
    pub keyword: String,
    pub message: String,
}

/// Separates the fields of an encoded [`Leaf`]; a control character no path or keyword holds.
const SEPARATOR: char = '\u{1f}';

impl Leaf {
    fn encode(&self) -> String {
        let s = SEPARATOR;
        format!(
            "{}{s}{}{s}{}{s}{}",
            self.instance_path, self.schema_path, self.keyword, self.message
        )
    }

    fn decode(text: &str) -> Option<Leaf> {
        let mut parts = text.splitn(4, SEPARATOR);
        Some(Leaf {
            instance_path: parts.next()?.to_string(),
            schema_path: parts.next()?.to_string(),
            keyword: parts.next()?.to_string(),
            message: parts.next()?.to_string(),
        })
    }
}

/// Every leaf error of `validator` on `instance` (not one opaque `anyOf` failure), errors of
/// shared targets put back at their own paths.
pub fn leaves(validator: &Validator, instance: &Value) -> Vec<Leaf> {
    if validator.is_valid(instance) {
        return Vec::new();
    }
    let evaluation = validator.evaluate(instance);
    evaluation
        .iter_errors()
        .map(|entry| {
            let here = entry.instance_location.as_str();
            let decoded = (entry.error.keyword() == KEYWORD)
                .then(|| Leaf::decode(entry.error.message()))
                .flatten();
            match decoded {
                // A target's locations are absolute (`urn:…#/components/schemas/X/…`), as
                // jsonschema reports those of a native `$ref`: only the instance path is
                // relative to where the reference was met.
                Some(inner) => Leaf {
                    instance_path: format!("{here}{}", inner.instance_path),
                    ..inner
                },
                None => Leaf {
                    instance_path: here.to_string(),
                    schema_path: entry.schema_location.to_string(),
                    keyword: entry.error.keyword().to_string(),
                    message: entry.error.message().to_string(),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(doc: &Value, pointer: &str) -> serde_json::Map<String, Value> {
        doc.pointer(pointer)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn local_refs_of_schemas_become_the_shared_keyword() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "string"}
        }}});
        let targets = share_refs(&mut doc, "urn:x");
        assert_eq!(targets, ["urn:x#/components/schemas/B"]);
        let node = rewritten(&doc, "/components/schemas/A/properties/b");
        assert_eq!(
            node.get(KEYWORD),
            Some(&json!("urn:x#/components/schemas/B"))
        );
        assert!(node.get("$ref").is_none());
    }

    #[test]
    fn refs_under_unevaluated_properties_stay_native_with_what_they_reach() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"allOf": [{"$ref": "#/components/schemas/B"}], "unevaluatedProperties": false},
            "B": {"allOf": [{"$ref": "#/components/schemas/C"}]},
            "C": {"properties": {"x": {"type": "string"}}},
            "D": {"properties": {"c": {"$ref": "#/components/schemas/C"}}}
        }}});
        share_refs(&mut doc, "urn:x");
        assert!(rewritten(&doc, "/components/schemas/A/allOf/0").contains_key("$ref"));
        assert!(rewritten(&doc, "/components/schemas/B/allOf/0").contains_key("$ref"));
        assert!(rewritten(&doc, "/components/schemas/D/properties/c").contains_key(KEYWORD));
    }

    #[test]
    fn encoded_leaves_survive_a_round_trip() {
        let leaf = Leaf {
            instance_path: "/a/0".into(),
            schema_path: "/$ref/properties/a".into(),
            keyword: "type".into(),
            message: "1 is not of type \"string\"".into(),
        };
        assert_eq!(Leaf::decode(&leaf.encode()), Some(leaf));
    }
}
