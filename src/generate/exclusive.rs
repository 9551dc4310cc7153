//! A value that matches every branch of a `oneOf` set apart to match one: `oneOf` wants
//! exactly one, and open branches (PeerTube's `oneOf: [User, UserWithStats]`, where the
//! second adds optional counts to the first; intellifi's `location` or `location_id`) all
//! accept a value that carries none of what tells them apart. A property one branch declares,
//! set to a value it refuses (`null` first), leaves the others the one match.

use serde_json::{Map, Value};

use crate::contract::schema_ref;
use crate::pointer::local_target;

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

/// `value` with one property of the object at `place` (a `oneOf` schema `node` holds) set to
/// a refused value, the first such change that makes `better` true; `None` when none does.
pub fn set_apart(
    document: &Value,
    node: &Value,
    value: &Value,
    place: &str,
    better: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let branches = node.get("oneOf")?.as_array()?;
    value.pointer(place)?.as_object()?;
    let mut names = Vec::new();
    for branch in branches {
        declared_names(document, branch, 0, &mut names);
    }
    names.into_iter().take(MOST_NAMES).find_map(|name| {
        refusals().into_iter().find_map(|refused| {
            let mut trial = value.clone();
            let object = trial.pointer_mut(place)?.as_object_mut()?;
            object.insert(name.clone(), refused);
            better(&trial).then_some(trial)
        })
    })
}

/// The property names `schema` declares, through `$ref`s and `allOf`, in document order.
fn declared_names(document: &Value, schema: &Value, depth: usize, names: &mut Vec<String>) {
    if depth > 8 {
        return;
    }
    if let Some(target) = schema_ref(schema)
        .and_then(local_target)
        .and_then(|pointer| document.pointer(&pointer))
    {
        declared_names(document, target, depth + 1, names);
    }
    for branch in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        declared_names(document, branch, depth + 1, names);
    }
    let declared = schema.get("properties").and_then(Value::as_object);
    for name in declared.into_iter().flat_map(Map::keys) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
}
