//! One value valid under several schemas at once: the answer to a request that reaches more
//! than one operation. A document may declare the same method twice on templates equal but
//! for their parameter names (`/v1/{name}/topics` and `/v1/{parent}/topics`, each answering
//! its own schema); a request cannot say which it means, so its answer must follow both.

use serde_json::Value;

use super::prune::without_nearest;
use super::repair::repair;
use crate::contract::{SchemaId, Schemas};

/// Removals tried before giving up: each takes away one refused value.
const ROUNDS: usize = 64;
/// Rounds of repairing under each schema in turn: a repair under one may break another.
const REPAIR_ROUNDS: u64 = 4;

/// `value` made valid under every schema of `ids`: first by leaving out what any of them
/// refuses (where the schemas disagree about an optional part, the answer does without it),
/// else by repairing it under each in turn (what one requires that `value` lacks, as Azure's
/// `kind` only the second of two operations declares, is added). `None` when neither makes
/// it valid under all of them (a property one requires and another forbids).
pub fn valid_under_all(
    schemas: &Schemas,
    ids: &[SchemaId],
    value: Value,
    seed: u64,
) -> Option<Value> {
    without_refused(schemas, ids, value.clone()).or_else(|| {
        let mut value = value;
        for round in 0..REPAIR_ROUNDS {
            for (n, id) in ids.iter().enumerate() {
                if !schemas.is_valid(*id, &value) {
                    value = repair(schemas, *id, value, seed ^ (round << 8) ^ n as u64)?;
                }
            }
        }
        ids.iter()
            .all(|id| schemas.is_valid(*id, &value))
            .then_some(value)
    })
}

/// `value` with what any of `ids` refuses left out, a property or an array item at a time
/// (the refused value itself, else the nearest of its holders whose removal helps).
fn without_refused(schemas: &Schemas, ids: &[SchemaId], mut value: Value) -> Option<Value> {
    let count = |value: &Value| -> usize {
        ids.iter()
            .map(|id| schemas.violations(*id, value, &[]).len())
            .sum()
    };
    for _ in 0..ROUNDS {
        let places: Vec<String> = ids
            .iter()
            .flat_map(|id| schemas.violations(*id, &value, &[]))
            .map(|violation| violation.instance_path)
            .collect();
        if places.is_empty() {
            return Some(value);
        }
        let before = places.len();
        value = places
            .iter()
            .find_map(|place| without_nearest(&value, place, |trial| count(trial) < before))?;
    }
    None
}
