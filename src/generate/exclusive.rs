//! A value that matches every branch of a `oneOf` set apart to match one: `oneOf` wants
//! exactly one, and open branches (PeerTube's `oneOf: [User, UserWithStats]`, where the
//! second adds optional counts to the first; intellifi's `location` or `location_id`) all
//! accept a value that carries none of what tells them apart. Properties the other branches
//! declare, set to values they refuse (`null` first), leave one branch the one match; so do
//! properties the other branches require, left out (InfluxData's `DBRP`: `oneOf` of two
//! `required` lists, `orgID` or `org`, both optional properties of the object).

use serde_json::Value;

use super::discriminator::resolve;
use crate::contract::{properties, schema_ref};

/// Properties tried, at most: each trial is a validation of the whole value.
const MOST_NAMES: usize = 32;

/// What a property is set to, in order: a value schemas refuse most often, and that reads as
/// "none" to a client.
fn refusals() -> [Value; 4] {
    [
        Value::Null,
        Value::String(String::new()),
        Value::from(0),
        Value::Bool(false),
    ]
}

/// `value` with properties of the object at `place` (a `oneOf` schema `node` holds) set to
/// refused values, one branch at a time, until `count` (the violations of the whole value)
/// is below `before`; `None` when it does not get there. Each step keeps the first change
/// that does not add violations: with three open branches, two must be refused.
pub fn set_apart(
    document: &Value,
    node: &Value,
    value: &Value,
    place: &str,
    before: usize,
    count: impl Fn(&Value) -> usize,
) -> Option<Value> {
    let branches = node.get("oneOf")?.as_array()?;
    value.pointer(place)?.as_object()?;
    let mut names: Vec<String> = Vec::new();
    for branch in branches {
        let required = schema_ref(branch)
            .map_or(branch, |reference| resolve(document, reference))
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        let declared = properties(branch, document);
        for name in declared.iter().map(|(name, _)| name).chain(required) {
            if !names.iter().any(|known| known == name) {
                names.push(name.to_string());
            }
        }
    }
    names.truncate(MOST_NAMES);
    let mut current = value.clone();
    let mut now = before;
    for _ in 1..branches.len() {
        // A change that does it, else the first that adds no violation, for the next step.
        let mut next: Option<(usize, Value, usize)> = None;
        for (index, name) in names.iter().enumerate() {
            // Left out first (a branch requiring it no longer matches), then refused values.
            let present = current.pointer(place)?.get(name.as_str()).is_some();
            let changes = present
                .then_some(None)
                .into_iter()
                .chain(refusals().into_iter().map(Some));
            for change in changes {
                let mut trial = current.clone();
                let object = trial.pointer_mut(place)?.as_object_mut()?;
                match change {
                    Some(refused) => object.insert(name.clone(), refused),
                    None => object.remove(name.as_str()),
                };
                let after = count(&trial);
                if after < before {
                    return Some(trial);
                }
                if after <= now && next.is_none() {
                    next = Some((index, trial, after));
                }
            }
        }
        let (index, trial, after) = next?;
        names.remove(index);
        current = trial;
        now = after;
    }
    None
}
