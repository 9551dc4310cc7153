//! Compiled JSON Schema validators of one API, built from the converted documents (see
//! `convert`) and shared by the mock engine and the validator.
//!
//! Each validator is built once, on first use: startup stays in milliseconds on large
//! documents and only the operations actually exercised pay for their schemas. What a
//! validator reaches through `$ref` is compiled once per API and shared (see `refs`), so no
//! validator holds its own copy of a reference graph.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;

use super::convert::convert_views;
use super::foreign_patterns::PatternTrouble;
use super::messages::plain;
use super::refs::{Sharing, Targets, leaves};
use super::rewrite::{Dialect, View};
use super::tree::schema_nodes;
use crate::pointer::{encode_fragment, local_target};
use crate::violation::{Violation, ViolationKind};

/// A compiled part of a document (see [`Schemas::part_check`]).
pub struct PartCheck(Validator);

impl PartCheck {
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.0.is_valid(instance)
    }
}

impl std::fmt::Debug for PartCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartCheck")
    }
}

/// Index of a compiled schema in [`Schemas`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchemaId(u32);

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SchemaError {
    pub pointer: String,
    pub message: String,
}

struct Entry {
    pointer: String,
    view: View,
    /// Built on first use; `Err` holds why the schema cannot be compiled.
    validator: OnceLock<Result<Validator, String>>,
    /// The converted schema node, copied out of the document on first use: walking the JSON
    /// pointer on every request showed in profiles (parameters are looked up per request).
    node: OnceLock<Value>,
}

pub struct Schemas {
    /// The converted documents (their references read with `schema_ref`).
    request: Arc<Value>,
    response: Arc<Value>,
    /// Where the request view is registered: the response view's URI when they are one
    /// document.
    request_uri: &'static str,
    /// The `$ref` targets every validator shares, and the registry of the documents.
    targets: Arc<Targets>,
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Schemas({} compiled)", self.entries.len())
    }
}

const REQUEST_URI: &str = "urn:understudy:request";
const RESPONSE_URI: &str = "urn:understudy:response";

/// The converted documents of one API and the `$ref` targets their validators share: what
/// [`Schemas`] needs besides the registrations, built from the document alone, so that it
/// can be built while the operations are compiled.
pub struct SchemaViews {
    request: Arc<Value>,
    response: Arc<Value>,
    request_uri: &'static str,
    targets: Arc<Targets>,
    /// The `pattern`s in trouble (see `Converted::odd_patterns`): the compiler reports them.
    pub odd_patterns: Vec<(String, String, PatternTrouble)>,
    /// The `enum`s no value of which the type allows (see `Converted::odd_enums`).
    pub odd_enums: Vec<(String, String)>,
}

impl SchemaViews {
    pub fn convert(document: &Value, dialect: Dialect) -> Result<Self, SchemaError> {
        // Both views share their references: the same names, in two documents (or in one,
        // when the views agree).
        let sharing = Sharing::new(document);
        let converted = convert_views(document, dialect, &|pointer, node| {
            sharing.visit(pointer, node)
        });
        let response = Arc::new(converted.response);
        let (request, request_uri) = match converted.request {
            Some(request) => (Arc::new(request), REQUEST_URI),
            None => (response.clone(), RESPONSE_URI),
        };
        let mut bases = vec![RESPONSE_URI];
        let mut registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(RESPONSE_URI, response.clone());
        if request_uri == REQUEST_URI {
            bases.push(REQUEST_URI);
            registry = registry.and_then(|b| b.add(REQUEST_URI, request.clone()));
        }
        let uris = Sharing::uris(converted.references, &bases);
        let registry = registry
            .and_then(|b| b.prepare())
            .map_err(|e| SchemaError {
                pointer: String::new(),
                message: format!("cannot index the document's schemas: {e}"),
            })?;
        Ok(SchemaViews {
            request,
            response,
            request_uri,
            targets: Targets::new(registry, uris),
            odd_patterns: converted.odd_patterns,
            odd_enums: converted.odd_enums,
        })
    }
}

/// Registers the schemas of [`Schemas`] while the contract is compiled.
pub struct SchemasBuilder {
    entries: Vec<Entry>,
    by_target: HashMap<(View, String), SchemaId>,
    dialect: Dialect,
}

impl SchemasBuilder {
    pub fn new(dialect: Dialect) -> Self {
        SchemasBuilder {
            entries: Vec::new(),
            by_target: HashMap::new(),
            dialect,
        }
    }

    /// Registers `schema`, at `pointer` in the original document, for `view`. A schema that
    /// is only a local `$ref` shares the validator of its target.
    pub fn add(&mut self, pointer: &str, schema: &Value, view: View) -> SchemaId {
        // Read from the original (looking the converted copy up by pointer showed in
        // profiles): a `$ref` alone stays alone, and so does one with siblings in 3.0, which
        // ignores them, unless `nullable` wraps it.
        let only_ref = schema.as_object().is_some_and(|map| {
            map.len() == 1
                || self.dialect == Dialect::OpenApi30
                    && map.get("nullable") != Some(&Value::Bool(true))
        });
        let target = only_ref
            .then(|| schema.get("$ref").and_then(Value::as_str))
            .flatten()
            .and_then(local_target)
            .unwrap_or_else(|| pointer.to_string());
        let key = (view, target);
        if let Some(id) = self.by_target.get(&key) {
            return *id;
        }
        let id = SchemaId(self.entries.len() as u32);
        self.entries.push(Entry {
            pointer: key.1.clone(),
            view,
            validator: OnceLock::new(),
            node: OnceLock::new(),
        });
        self.by_target.insert(key, id);
        id
    }

    pub fn finish(self, views: SchemaViews) -> Schemas {
        Schemas {
            request: views.request,
            response: views.response,
            request_uri: views.request_uri,
            targets: views.targets,
            entries: self.entries,
        }
    }
}

impl Schemas {
    /// The converted document a view's schemas live in (for the generator's `$ref`s).
    pub fn document(&self, view: View) -> &Value {
        match view {
            View::Request => &self.request,
            View::Response => &self.response,
        }
    }

    /// The converted schema node of `id`.
    pub fn node(&self, id: SchemaId) -> &Value {
        let entry = &self.entries[id.0 as usize];
        entry.node.get_or_init(|| {
            self.document(entry.view)
                .pointer(&entry.pointer)
                .cloned()
                .unwrap_or(Value::Bool(true))
        })
    }

    /// Where schema `id` is in the document (a JSON pointer), for messages.
    pub fn pointer(&self, id: SchemaId) -> &str {
        &self.entries[id.0 as usize].pointer
    }

    pub fn view(&self, id: SchemaId) -> View {
        self.entries[id.0 as usize].view
    }

    /// The validator of `id`, built on first use.
    fn validator(&self, id: SchemaId) -> Result<&Validator, &str> {
        let entry = &self.entries[id.0 as usize];
        entry
            .validator
            .get_or_init(|| {
                let base = match entry.view {
                    View::Request => self.request_uri,
                    View::Response => RESPONSE_URI,
                };
                self.targets
                    .build(&format!("{base}#{}", encode_fragment(&entry.pointer)))
                    .map_err(|e| format!("invalid schema at #{}: {e}", entry.pointer))
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// The schemas found not to compile since the last call (each accepts everything), for
    /// the front end to log once.
    pub fn take_unreported(&self) -> Vec<String> {
        self.targets.take_unreported()
    }

    /// Examples written inside schemas (3.0's `example`, 3.1's `examples` list) that their
    /// own schema refuses in both views, as `(pointer of the example, message)`: `lint`
    /// reports them as it reports media-type examples. Answers never carry one unchecked:
    /// generated values are validated whole (see `generate_valid`).
    pub fn invalid_schema_examples(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (pointer, node) in schema_nodes(&self.response) {
            let mut examples: Vec<(String, &Value)> = Vec::new();
            if let Some(example) = node.get("example") {
                examples.push((format!("{pointer}/example"), example));
            }
            if let Some(Value::Array(list)) = node.get("examples") {
                examples.extend(
                    list.iter()
                        .enumerate()
                        .map(|(i, example)| (format!("{pointer}/examples/{i}"), example)),
                );
            }
            if examples.is_empty() {
                continue;
            }
            let fragment = encode_fragment(&pointer);
            let validators: Vec<Validator> = [RESPONSE_URI, self.request_uri]
                .iter()
                .filter_map(|base| self.targets.build(&format!("{base}#{fragment}")).ok())
                .collect();
            let Some(first) = validators.first() else {
                continue;
            };
            for (at, example) in examples {
                if validators.iter().any(|v| v.is_valid(example)) {
                    continue;
                }
                // Leaves, not the first error: an error met through a shared `$ref` carries
                // its target's errors encoded in its message.
                if let Some(leaf) = leaves(first, example).into_iter().next() {
                    let place = leaf.instance_path;
                    let at_place = if place.is_empty() {
                        String::new()
                    } else {
                        format!(" at {place:?}")
                    };
                    out.push((
                        at,
                        format!(
                            "the example contradicts its schema{at_place}: {}",
                            leaf.message
                        ),
                    ));
                }
            }
        }
        out.sort();
        out
    }

    /// The `oneOf`s two of whose branches accept the same values, or would but for `format`
    /// (`(pointer, message)`, see `alike_branches`).
    pub fn alike_one_of_branches(&self) -> Vec<(String, String)> {
        super::alike_branches::alike_one_of_branches(&self.response)
    }

    /// Builds every validator now, returning the schemas that cannot be compiled
    /// (`(pointer, message)`): `lint` reports them.
    pub fn compile_all(&self) -> Vec<(String, String)> {
        let mut failures: Vec<(String, String)> = (0..self.entries.len())
            .filter_map(|i| {
                let id = SchemaId(i as u32);
                self.validator(id)
                    .err()
                    .map(|message| (self.entries[i].pointer.clone(), message.to_string()))
            })
            .collect();
        // The shared targets too: a root compiles without them (they are built on first use).
        for (pointer, message) in self.targets.compile_all() {
            if !failures.iter().any(|(p, _)| *p == pointer) {
                failures.push((pointer, message));
            }
        }
        self.targets.take_unreported();
        failures
    }

    /// A check of values against `schema`, a part of view's converted document that is no
    /// registered schema of its own (a stored object's schema inside an answer's envelope);
    /// `None` when it does not compile on its own.
    pub fn part_check(&self, view: View, schema: &Value) -> Option<PartCheck> {
        let base = match view {
            View::Request => self.request_uri,
            View::Response => RESPONSE_URI,
        };
        self.targets.build_part(base, schema).ok().map(PartCheck)
    }

    /// Whether `instance` is valid; a schema that cannot be compiled accepts everything (its
    /// error is reported by `lint` and logged once by `serve`).
    pub fn is_valid(&self, id: SchemaId, instance: &Value) -> bool {
        self.validator(id).map_or(true, |v| v.is_valid(instance))
    }

    /// Every leaf violation (not one opaque `anyOf` failure), located under `prefix`; each
    /// said once, where layers of `allOf` say the same of one value (Asana's requests are an
    /// `allOf` of an `allOf`, each declaring a field's type).
    pub fn violations(&self, id: SchemaId, instance: &Value, prefix: &[&str]) -> Vec<Violation> {
        let Ok(validator) = self.validator(id) else {
            return Vec::new();
        };
        let document = self.document(self.view(id));
        let mut violations: Vec<Violation> = Vec::new();
        let found = leaves(validator, instance).into_iter().map(|leaf| {
            let mut location: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
            location.extend(crate::pointer::segments(&leaf.instance_path));
            // The schema holding the failing keyword: its path without the keyword.
            let schema = local_target(&leaf.schema_path).and_then(|pointer| {
                let (parent, _) = pointer.rsplit_once('/')?;
                document.pointer(parent)
            });
            let message = plain(
                &leaf.keyword,
                schema,
                instance.pointer(&leaf.instance_path),
                leaf.message,
            );
            Violation {
                location,
                instance_path: leaf.instance_path,
                schema_path: leaf.schema_path,
                kind: ViolationKind::Schema(leaf.keyword),
                message,
            }
        });
        for violation in found {
            let said = violations.iter().any(|v| {
                v.instance_path == violation.instance_path
                    && v.kind == violation.kind
                    && v.message == violation.message
            });
            if !said {
                violations.push(violation);
            }
        }
        violations
    }
}
