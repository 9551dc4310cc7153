//! Values generated once per fixed seed, and the declared headers of a response made of them.

use ::http::HeaderMap;
use serde_json::Value;

use super::cache::{Memo, stable_hash};
use super::render::header_value;
use crate::contract::{CompiledApi, Operation, Response, SchemaId};
use crate::generate::generate_valid;

/// Values generated for fixed seeds, per (API, schema, seed). Only for seeds from a bounded
/// set (one per operation and header), never per-request seeds.
#[derive(Default)]
pub struct GeneratedValues(Memo<(usize, SchemaId, u64), Value>);

impl GeneratedValues {
    /// `generate_valid` for a fixed seed, generated once.
    pub fn value(&self, api: &CompiledApi, id: SchemaId, seed: u64) -> Value {
        self.0.get_or_make((api.index, id, seed), || {
            generate_valid(&api.schemas, id, seed).unwrap_or_else(|failed| failed.best)
        })
    }

    /// The declared headers of `declared` with generated values.
    pub fn response_headers(
        &self,
        seed: u64,
        api: &CompiledApi,
        operation: &Operation,
        declared: &Response,
    ) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for header in &declared.headers {
            if let Some(id) = header.schema {
                let value = self.value(api, id, seed ^ stable_hash(&[&operation.id, &header.name]));
                crate::headers::set(&mut headers, &header.name, &header_value(&value));
            }
        }
        headers
    }
}
