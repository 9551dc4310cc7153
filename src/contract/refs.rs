//! `$ref` targets compiled once per API and shared by every validator that reaches them.
//!
//! jsonschema compiles everything a validator reaches through `$ref` into that validator, and
//! shares nothing between validators. On a document whose schemas form a large reference
//! cycle each of its ~1,300 validators held its own copy of the cycle: 12.5 GB after one
//! request to every operation of `scripts/large_spec.py`'s 4.4 MB document. So, in the
//! converted documents, each local `$ref` of a schema is renamed to the custom keyword
//! [`KEYWORD`] (same value), whose target is compiled once, on first use, into a table of this
//! API ([`Targets`]), and called from every validator that reaches it. Whatever else reads the
//! converted documents follows references with [`schema_ref`], which knows both spellings.
//!
//! Two things a custom keyword cannot do decide where native `$ref`s stay:
//! - it produces no annotations, which `unevaluatedProperties`/`unevaluatedItems` read: the
//!   schemas under such a keyword, and everything they reach, keep native `$ref`s (as do
//!   schemas with `$id` or dynamic references, whose `$ref`s do not resolve against the
//!   document);
//! - jsonschema reports its errors at the keyword's own place: each error of a target is
//!   carried out with its own instance path and (absolute) schema location in its message
//!   ([`Leaf::encode_all`]), and [`leaves`] puts the instance path back together, so an error deep
//!   in a reference chain is reported where it is, with the schema location a native `$ref`
//!   gives it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use jsonschema::{Keyword, Registry, ValidationError, Validator};
use serde_json::{Value, json};

use super::tree::{KEYWORD, push_children, schema_nodes};
use crate::pointer::local_target;

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

/// Renames the local `$ref`s of a document's schemas to [`KEYWORD`] while `convert` walks
/// them; the references it renamed, as written (they follow a base URI), are the targets.
pub struct Sharing {
    /// Schemas that keep native `$ref`s, with everything below them.
    native: HashSet<String>,
}

impl Sharing {
    /// For the converted copies of `original`.
    pub fn new(original: &Value) -> Sharing {
        Sharing {
            native: native_schemas(original),
        }
    }

    /// Called on each converted schema object; the reference it renamed, if any. Every local
    /// `$ref` resolves: loading refuses a document with one that does not.
    pub fn visit(&self, pointer: &str, node: &mut Value) -> Option<String> {
        let Value::Object(map) = node else {
            return None;
        };
        let reference = map.get("$ref").and_then(Value::as_str)?;
        if local_target(reference).is_none() || self.is_native(pointer) {
            return None;
        }
        let reference = reference.to_string();
        map.remove("$ref");
        map.insert(KEYWORD.to_string(), Value::String(reference.clone()));
        Some(reference)
    }

    /// The absolute URIs of `references` in each document registered under one of `bases`,
    /// each once.
    pub fn uris(references: Vec<String>, bases: &[&str]) -> Vec<String> {
        let mut seen = HashSet::new();
        let references: Vec<String> = references
            .into_iter()
            .filter(|r| seen.insert(r.clone()))
            .collect();
        bases
            .iter()
            .flat_map(|base| references.iter().map(move |r| format!("{base}{r}")))
            .collect()
    }

    fn is_native(&self, pointer: &str) -> bool {
        // Conversion may wrap a schema (3.0's nullable `$ref` becomes an `anyOf`), so a
        // wrapped part is native when the schema it came from is.
        !self.native.is_empty()
            && (self.native.contains(pointer)
                || pointer
                    .match_indices('/')
                    .any(|(i, _)| self.native.contains(&pointer[..i])))
    }
}

/// The schemas that must keep native `$ref`s: those holding a [`NATIVE`] keyword and all they
/// reach. Most documents have none, which one scan of the text's keys tells.
fn native_schemas(doc: &Value) -> HashSet<String> {
    if !has_key(doc, NATIVE) {
        return HashSet::new();
    }
    let mut native_roots = Vec::new();
    for (pointer, node) in schema_nodes(doc) {
        if NATIVE.iter().any(|k| node.get(*k).is_some()) {
            native_roots.push(pointer);
        }
    }
    reachable(doc, native_roots)
}

fn has_key(value: &Value, keys: &[&str]) -> bool {
    // The first byte first: this walks every key of the document.
    let first: Vec<u8> = keys.iter().filter_map(|k| k.bytes().next()).collect();
    has_key_with(value, keys, &first)
}

fn has_key_with(value: &Value, keys: &[&str], first: &[u8]) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| {
            k.bytes().next().is_some_and(|b| first.contains(&b)) && keys.contains(&k.as_str())
                || has_key_with(v, keys, first)
        }),
        Value::Array(items) => items.iter().any(|v| has_key_with(v, keys, first)),
        _ => false,
    }
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
    /// Schemas that could not be compiled since the last [`Targets::take_unreported`] (they
    /// accept everything): the front end logs them, `contract` does no IO.
    unreported: Mutex<Vec<String>>,
    any_unreported: AtomicBool,
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
            unreported: Mutex::new(Vec::new()),
            any_unreported: AtomicBool::new(false),
            me: me.clone(),
        })
    }

    /// The schemas that could not be compiled since the last call, each once.
    pub fn take_unreported(&self) -> Vec<String> {
        if !self.any_unreported.swap(false, Ordering::Relaxed) {
            return Vec::new();
        }
        std::mem::take(&mut *self.unreported.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Compiles the schema at `uri` (absolute, with a fragment) with the shared keyword.
    pub fn build(&self, uri: &str) -> Result<Validator, String> {
        // Shared references are local to the document the schema is in.
        let base = uri.split_once('#').map_or(uri, |(base, _)| base);
        self.build_part(base, &json!({ "$ref": uri }))
            .map_err(|message| {
                let at = uri.split_once('#').map_or(uri, |(_, fragment)| fragment);
                self.unreported
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!("invalid schema at #{at}: {message}"));
                self.any_unreported.store(true, Ordering::Relaxed);
                message
            })
    }

    /// Compiles `schema`, a part of the document registered as `base` (a stored object's
    /// schema inside an answer's, or a `$ref` into it), whose shared references are local to
    /// that document. A part that does not compile (a native `$ref`, which resolves against
    /// the part) is no schema error of the document's: the caller goes without it, unreported.
    pub fn build_part(&self, base: &str, schema: &Value) -> Result<Validator, String> {
        let me = self.me.clone();
        let base = base.to_string();
        super::formats::validator_options()
            .with_registry(&self.registry)
            .with_keyword(KEYWORD, move |_, value, _| {
                let index = value.as_str().and_then(|reference| {
                    let targets = me.upgrade()?;
                    targets.by_uri.get(&format!("{base}{reference}")).copied()
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
            .build(schema)
            .map_err(|e| e.to_string())
    }

    /// Builds every target now; returns `(pointer, message)` of those that cannot be compiled,
    /// once each even when both views reach them.
    pub fn compile_all(&self) -> Vec<(String, String)> {
        let mut failures: Vec<(String, String)> = Vec::new();
        for (index, uri) in self.uris.iter().enumerate() {
            if let Err(message) = self.slots[index].get_or_init(|| self.build(uri)) {
                let pointer = uri.split_once('#').map_or("", |(_, f)| f);
                let pointer = crate::pointer::decode_fragment(pointer);
                let message = format!("invalid schema at #{pointer}: {message}");
                if !failures.iter().any(|(p, _)| *p == pointer) {
                    failures.push((pointer, message));
                }
            }
        }
        failures
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
        let found = leaves(validator, instance);
        if found.is_empty() {
            return Box::new(std::iter::empty());
        }
        // One error carrying every leaf: jsonschema copies the instance into each error a
        // custom keyword returns, which on a large example failing many `oneOf` branches
        // deep in a reference chain cost minutes.
        Box::new(std::iter::once(ValidationError::custom(Leaf::encode_all(
            &found,
        ))))
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

/// Separate the fields of an encoded [`Leaf`], and the leaves: control characters (ASCII's
/// unit and record separators) that paths, keywords and messages do not hold.
const FIELD: char = '\u{1f}';
const RECORD: char = '\u{1e}';

impl Leaf {
    fn encode_all(leaves: &[Leaf]) -> String {
        let mut out = String::new();
        for (i, leaf) in leaves.iter().enumerate() {
            if i > 0 {
                out.push(RECORD);
            }
            let fields = [
                &leaf.instance_path,
                &leaf.schema_path,
                &leaf.keyword,
                &leaf.message,
            ];
            for (j, field) in fields.into_iter().enumerate() {
                if j > 0 {
                    out.push(FIELD);
                }
                // A message quoting the instance could hold a separator: it never ends one.
                out.extend(
                    field
                        .chars()
                        .map(|c| if c == FIELD || c == RECORD { ' ' } else { c }),
                );
            }
        }
        out
    }

    fn decode_all(text: &str) -> Vec<Leaf> {
        text.split(RECORD)
            .filter_map(|record| {
                let mut parts = record.splitn(4, FIELD);
                Some(Leaf {
                    instance_path: parts.next()?.to_string(),
                    schema_path: parts.next()?.to_string(),
                    keyword: parts.next()?.to_string(),
                    message: parts.next()?.to_string(),
                })
            })
            .collect()
    }
}

/// Every leaf error of `validator` on `instance` (not one opaque `anyOf` failure), errors of
/// shared targets put back at their own paths.
pub fn leaves(validator: &Validator, instance: &Value) -> Vec<Leaf> {
    if validator.is_valid(instance) {
        return Vec::new();
    }
    let evaluation = validator.evaluate(instance);
    let mut out = Vec::new();
    for entry in evaluation.iter_errors() {
        let here = entry.instance_location.as_str();
        if entry.error.keyword() == KEYWORD {
            // A target's schema locations are from the document's root, as jsonschema
            // reports those of a native `$ref`: only the instance path is relative to where
            // the reference was met.
            out.extend(
                Leaf::decode_all(entry.error.message())
                    .into_iter()
                    .map(|inner| Leaf {
                        instance_path: format!("{here}{}", inner.instance_path),
                        ..inner
                    }),
            );
        } else {
            // Locations are absolute (`urn:…#/components/schemas/X/…`); the fragment is a
            // pointer into the user's document, whichever view's copy it was found in.
            let location = entry.schema_location.to_string();
            out.push(Leaf {
                instance_path: here.to_string(),
                schema_path: location
                    .find('#')
                    .map_or(location.as_str(), |i| &location[i..])
                    .to_string(),
                keyword: entry.error.keyword().to_string(),
                message: entry.error.message().to_string(),
            });
        }
    }
    out
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

    /// `doc` converted for responses with its references shared, and the targets.
    fn share_refs(doc: &Value) -> (Value, Vec<String>) {
        use crate::contract::convert::convert_views;
        use crate::contract::rewrite::Dialect;
        let sharing = Sharing::new(doc);
        let converted = convert_views(doc, Dialect::OpenApi31, &|p, n| sharing.visit(p, n));
        (
            converted.response,
            Sharing::uris(converted.references, &["urn:x"]),
        )
    }

    #[test]
    fn local_refs_of_schemas_become_the_shared_keyword() {
        let (doc, targets) = share_refs(&json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "string"}
        }}}));
        assert_eq!(targets, ["urn:x#/components/schemas/B"]);
        let node = rewritten(&doc, "/components/schemas/A/properties/b");
        assert_eq!(node.get(KEYWORD), Some(&json!("#/components/schemas/B")));
        assert!(node.get("$ref").is_none());
    }

    #[test]
    fn refs_under_unevaluated_properties_stay_native_with_what_they_reach() {
        let (doc, _) = share_refs(&json!({"components": {"schemas": {
            "A": {"allOf": [{"$ref": "#/components/schemas/B"}], "unevaluatedProperties": false},
            "B": {"allOf": [{"$ref": "#/components/schemas/C"}]},
            "C": {"properties": {"x": {"type": "string"}}},
            "D": {"properties": {"c": {"$ref": "#/components/schemas/C"}}}
        }}}));
        assert!(rewritten(&doc, "/components/schemas/A/allOf/0").contains_key("$ref"));
        assert!(rewritten(&doc, "/components/schemas/B/allOf/0").contains_key("$ref"));
        assert!(rewritten(&doc, "/components/schemas/D/properties/c").contains_key(KEYWORD));
    }

    #[test]
    fn encoded_leaves_survive_a_round_trip() {
        let leaf = |path: &str, message: &str| Leaf {
            instance_path: path.into(),
            schema_path: "urn:x#/components/schemas/A/type".into(),
            keyword: "type".into(),
            message: message.into(),
        };
        let leaves = [leaf("/a/0", "1 is not of type \"string\""), leaf("", "x")];
        assert_eq!(Leaf::decode_all(&Leaf::encode_all(&leaves)), leaves);
        let tricky = [leaf("/b", "\"\u{1e}\u{1f}\" is too long")];
        assert_eq!(
            Leaf::decode_all(&Leaf::encode_all(&tricky)),
            [leaf("/b", "\"  \" is too long")]
        );
    }

    #[test]
    fn unevaluated_properties_see_what_referenced_schemas_evaluate() {
        use crate::contract::rewrite::{Dialect, View};
        use crate::contract::schemas::{SchemaViews, SchemasBuilder};
        let doc = json!({"openapi": "3.1.0", "components": {"schemas": {
            "A": {"allOf": [{"$ref": "#/components/schemas/B"}], "unevaluatedProperties": false},
            "B": {"allOf": [{"$ref": "#/components/schemas/C"}]},
            "C": {"properties": {"x": {"type": "string"}}}
        }}});
        let views = SchemaViews::convert(&doc, Dialect::OpenApi31).unwrap();
        let mut builder = SchemasBuilder::new(Dialect::OpenApi31);
        let a = builder.add(
            "/components/schemas/A",
            &doc["components"]["schemas"]["A"],
            View::Response,
        );
        let schemas = builder.finish(views);
        assert!(schemas.is_valid(a, &json!({"x": "1"})));
        let violations = schemas.violations(a, &json!({"x": "1", "y": 2}), &[]);
        assert!(
            !violations.is_empty()
                && violations
                    .iter()
                    .all(|v| v.schema_path.ends_with("/A/unevaluatedProperties")
                        && !v.message.contains("'x'")),
            "only y is unevaluated: {violations:#?}"
        );
    }

    #[test]
    fn a_shared_target_that_cannot_be_compiled_is_reported_by_compile_all() {
        use crate::contract::rewrite::{Dialect, View};
        use crate::contract::schemas::{SchemaViews, SchemasBuilder};
        let doc = json!({"openapi": "3.1.0", "components": {"schemas": {
            "Root": {"properties": {
                "bad": {"$ref": "#/components/schemas/Bad"},
                "n": {"type": "integer"}
            }},
            "Bad": {"type": "string", "minLength": "one"}
        }}});
        let views = SchemaViews::convert(&doc, Dialect::OpenApi31).unwrap();
        let mut builder = SchemasBuilder::new(Dialect::OpenApi31);
        let root = builder.add(
            "/components/schemas/Root",
            &doc["components"]["schemas"]["Root"],
            View::Response,
        );
        let schemas = builder.finish(views);
        let failures = schemas.compile_all();
        assert_eq!(
            failures.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
            ["/components/schemas/Bad"],
            "{failures:#?}"
        );
        // The root still checks what it can; the broken target accepts everything.
        assert!(!schemas.is_valid(root, &json!({"n": "x"})));
        assert!(schemas.is_valid(root, &json!({"bad": 1, "n": 2})));
        assert!(
            schemas.take_unreported().is_empty(),
            "lint reports them: nothing left to log"
        );
    }
}
