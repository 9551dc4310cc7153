//! Compiled JSON Schema validators of one API, built once at load time from the converted
//! documents (see `convert`) and shared by the mock engine and the validator.

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

use super::convert::{Dialect, View, convert_document};
use super::formats;
use crate::pointer::{encode_fragment, local_target};
use crate::violation::Violation;

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
    validator: Arc<Validator>,
}

pub struct Schemas {
    request: Arc<Value>,
    response: Arc<Value>,
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Schemas({} compiled)", self.entries.len())
    }
}

const REQUEST_URI: &str = "urn:understudy:request";
const RESPONSE_URI: &str = "urn:understudy:response";

/// Builds [`Schemas`]: holds the registry while the contract is compiled, then is dropped.
pub struct SchemasBuilder {
    registry: Registry<'static>,
    schemas: Schemas,
    by_target: HashMap<(View, String), SchemaId>,
}

impl SchemasBuilder {
    pub fn new(document: &Value, dialect: Dialect) -> Result<Self, SchemaError> {
        let request = Arc::new(convert_document(document, dialect, View::Request));
        let response = Arc::new(convert_document(document, dialect, View::Response));
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(REQUEST_URI, (*request).clone())
            .and_then(|b| b.add(RESPONSE_URI, (*response).clone()))
            .and_then(|b| b.prepare())
            .map_err(|e| SchemaError {
                pointer: String::new(),
                message: format!("cannot index the document's schemas: {e}"),
            })?;
        Ok(SchemasBuilder {
            registry,
            schemas: Schemas {
                request,
                response,
                entries: Vec::new(),
            },
            by_target: HashMap::new(),
        })
    }

    /// Compiles the schema at `pointer` (in the original document) for `view`. A schema that
    /// is only a local `$ref` shares the compiled validator of its target.
    pub fn add(&mut self, pointer: &str, view: View) -> Result<SchemaId, SchemaError> {
        let document = self.schemas.document(view);
        let target = document
            .pointer(pointer)
            .filter(|node| node.as_object().is_some_and(|m| m.len() == 1))
            .and_then(|node| node.get("$ref"))
            .and_then(Value::as_str)
            .and_then(local_target)
            .unwrap_or_else(|| pointer.to_string());
        if let Some(id) = self.by_target.get(&(view, target.clone())) {
            return Ok(*id);
        }
        let base = match view {
            View::Request => REQUEST_URI,
            View::Response => RESPONSE_URI,
        };
        let reference = json!({ "$ref": format!("{base}#{}", encode_fragment(&target)) });
        let validator = validator_options()
            .with_registry(&self.registry)
            .build(&reference)
            .map_err(|e| SchemaError {
                pointer: pointer.to_string(),
                message: format!("invalid schema: {e}"),
            })?;
        let id = SchemaId(self.schemas.entries.len() as u32);
        self.schemas.entries.push(Entry {
            pointer: target.clone(),
            view,
            validator: Arc::new(validator),
        });
        self.by_target.insert((view, target), id);
        Ok(id)
    }

    pub fn schemas(&self) -> &Schemas {
        &self.schemas
    }

    pub fn finish(self) -> Schemas {
        self.schemas
    }
}

fn validator_options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("byte", formats::is_byte)
        .with_format("ip", formats::is_public_ip_or_cidr)
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
        self.document(entry.view)
            .pointer(&entry.pointer)
            .unwrap_or(&Value::Bool(true))
    }

    pub fn view(&self, id: SchemaId) -> View {
        self.entries[id.0 as usize].view
    }

    pub fn is_valid(&self, id: SchemaId, instance: &Value) -> bool {
        self.entries[id.0 as usize].validator.is_valid(instance)
    }

    /// Every leaf violation (not one opaque `anyOf` failure), located under `prefix`.
    pub fn violations(&self, id: SchemaId, instance: &Value, prefix: &[&str]) -> Vec<Violation> {
        let validator = &self.entries[id.0 as usize].validator;
        if validator.is_valid(instance) {
            return Vec::new();
        }
        let evaluation = validator.evaluate(instance);
        evaluation
            .iter_errors()
            .map(|entry| {
                let instance_path = entry.instance_location.as_str().to_string();
                let schema_path = entry.schema_location.to_string();
                let keyword = schema_path
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let mut location: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
                location.extend(
                    instance_path
                        .split('/')
                        .skip(1)
                        .map(|s| s.replace("~1", "/").replace("~0", "~")),
                );
                Violation {
                    location,
                    instance_path,
                    schema_path,
                    keyword,
                    message: entry.error.to_string(),
                }
            })
            .collect()
    }
}
