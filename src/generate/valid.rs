//! Values valid under a compiled schema: generated, checked with the contract's validator,
//! other choices tried, and the last attempt repaired when none was valid.

use serde_json::Value;

use super::repair::repair;
use super::values::generate;
use crate::contract::{SchemaId, Schemas};

/// Values tried before [`generate_valid`] repairs the last one.
const ATTEMPTS: u64 = 8;

/// The seed a schema's value is generated with to learn whether any value satisfies it
/// (`lint`'s warning, whether a declared answer can be sent): one value per schema.
pub const SATISFIABLE_SEED: u64 = 0;

/// No value valid under a schema was generated or repaired (an unsatisfiable schema): the
/// best attempt, which a caller may still use knowing that it is not valid.
#[derive(Debug, thiserror::Error)]
#[error("no value valid under the schema was generated in {ATTEMPTS} attempts")]
pub struct NoValidValue {
    pub best: Value,
}

/// A value valid under schema `id`, deterministic for `seed`, preferring the examples found
/// inside the schema; when an attempt is not valid (an ambiguous `oneOf`, a contradicting
/// example), other choices are tried, then the last one is repaired (an optional property
/// no value satisfies left out, say).
pub fn generate_valid(schemas: &Schemas, id: SchemaId, seed: u64) -> Result<Value, NoValidValue> {
    valid(schemas, id, seed, true)
}

/// [`generate_valid`] without the schema's own examples: always generated (Prism's dynamic
/// mode).
pub fn generate_valid_dynamic(
    schemas: &Schemas,
    id: SchemaId,
    seed: u64,
) -> Result<Value, NoValidValue> {
    valid(schemas, id, seed, false)
}

fn valid(
    schemas: &Schemas,
    id: SchemaId,
    seed: u64,
    use_examples: bool,
) -> Result<Value, NoValidValue> {
    let view = schemas.view(id);
    let document = schemas.document(view);
    let schema = schemas.node(id);
    let mut best = Value::Null;
    for attempt in 0..ATTEMPTS {
        let examples = use_examples && attempt == 0;
        let value = generate(document, schema, view, seed.wrapping_add(attempt), examples);
        if schemas.is_valid(id, &value) {
            return Ok(value);
        }
        best = value;
    }
    match repair(schemas, id, best.clone(), seed) {
        Some(repaired) => Ok(repaired),
        None => Err(NoValidValue { best }),
    }
}
