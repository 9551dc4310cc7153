//! Values generated once per fixed seed, and the declared headers of a response made of them.

use std::sync::Arc;

use ::http::HeaderMap;
use serde_json::Value;

use super::cache::{Memo, stable_hash};
use super::render::header_value;
use crate::contract::{CompiledApi, Header, Operation, Response, SchemaId};
use crate::generate::generate_valid;

/// Values generated for fixed seeds, per (API, schema, seed). Only for seeds from a bounded
/// set (one per operation and header), never per-request seeds.
#[derive(Default)]
pub struct GeneratedValues {
    values: Memo<(usize, SchemaId, u64), Arc<Generated>>,
    /// Error bodies' templates without their filler, per (API, schema, seed, number of
    /// violations written into them): see [`Self::error_template`].
    error_templates: Memo<(usize, SchemaId, u64, usize), Arc<Value>>,
    /// Declared headers, per declared response (by its address: the contract is immutable
    /// and outlives the engine's caches) and seed.
    headers: Memo<(usize, u64), HeaderMap>,
}

/// A value generated for a fixed seed, and whether it follows its schema (of a schema no
/// value can follow, the closest value found).
pub struct Generated {
    pub value: Value,
    pub valid: bool,
}

impl GeneratedValues {
    /// `generate_valid` for a fixed seed, generated once.
    pub fn generated(&self, api: &CompiledApi, id: SchemaId, seed: u64) -> Arc<Generated> {
        self.values.get_or_make((api.index, id, seed), || {
            Arc::new(match generate_valid(&api.schemas, id, seed) {
                Ok(value) => Generated { value, valid: true },
                Err(failed) => Generated {
                    value: failed.best,
                    valid: false,
                },
            })
        })
    }

    /// The value [`Self::generated`] gives.
    pub fn value(&self, api: &CompiledApi, id: SchemaId, seed: u64) -> Value {
        self.generated(api, id, seed).value.clone()
    }

    /// A declared header's value: its example where it has one, else one generated from its
    /// schema `id`.
    pub fn header_value(
        &self,
        api: &CompiledApi,
        header: &Header,
        id: SchemaId,
        seed: u64,
    ) -> Value {
        match &header.example {
            Some(example) => Value::clone(&example.value),
            None => self.value(api, id, seed),
        }
    }

    /// The template of an error body of schema `id` (generated for `seed`) without the
    /// optional fields that stay filler when `violations` violations are written into it,
    /// made once by `make`. Which fields those are depends on the template and on how many
    /// entries the violations take, not on their words; every body made from it is checked
    /// all the same.
    pub fn error_template(
        &self,
        api: &CompiledApi,
        id: SchemaId,
        seed: u64,
        violations: usize,
        make: impl FnOnce() -> Value,
    ) -> Arc<Value> {
        self.error_templates
            .get_or_make((api.index, id, seed, violations), || Arc::new(make()))
    }

    /// The declared headers of `declared` with generated values, made once.
    pub fn response_headers(
        &self,
        seed: u64,
        api: &CompiledApi,
        operation: &Operation,
        declared: &Response,
    ) -> HeaderMap {
        if declared.headers.is_empty() {
            return HeaderMap::new();
        }
        let key = (std::ptr::from_ref(declared) as usize, seed);
        self.headers.get_or_make(key, || {
            declared_headers(seed, operation, declared, |header, id, seed| {
                self.header_value(api, header, id, seed)
            })
        })
    }
}

/// The declared headers of `declared`, each with the value `value(header, schema, seed)`
/// gives for it, with a seed of its own.
pub fn declared_headers(
    seed: u64,
    operation: &Operation,
    declared: &Response,
    value: impl Fn(&Header, SchemaId, u64) -> Value,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for header in &declared.headers {
        if let Some(id) = header.schema {
            let seed = seed ^ stable_hash(&[&operation.id, &header.name]);
            let value = value(header, id, seed);
            crate::headers::set(&mut headers, &header.name, &header_value(&value));
        }
    }
    headers
}
