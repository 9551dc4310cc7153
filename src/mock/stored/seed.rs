//! `serve --seed-from-examples`: the contract's own examples as the default session's first
//! objects. The examples of each resource's read and list answers are taken apart by the
//! answer's shape (bare object, array, envelope) and stored under the key found in them.

use serde_json::Value;

use super::call::storage_name;
use super::shape::{Shape, SlotKind, object_schema_in, shape_of};
use crate::contract::{Action, Contract, View, json_media};
use crate::mock::choice::choose_response;
use crate::state::{Key, Session};

/// Stores every example object of `contract` it can key in `data`; returns how many.
pub fn from_examples(contract: &Contract, data: &mut dyn Session) -> usize {
    let mut stored = 0;
    for compiled in &contract.apis {
        for operation in &compiled.api.operations {
            let binding = &operation.binding;
            let Some(binding) = binding
                .as_ref()
                .filter(|b| matches!(b.action, Action::Read | Action::List))
            else {
                continue;
            };
            let resource = &compiled.api.resources[binding.resource];
            let Some((index, _)) = choose_response(operation, None) else {
                continue;
            };
            let Some(media) = json_media(&operation.responses[index].content) else {
                continue;
            };
            let Some(schema_id) = media.schema else {
                continue;
            };
            let document = compiled.schemas.document(View::Response);
            let schema = compiled.schemas.node(schema_id);
            let object = object_schema_in(
                schema,
                document,
                &resource.name,
                binding.action == Action::List,
            );
            let shape = shape_of(schema, document, &resource.name, &object);
            for example in &media.examples {
                for object in objects_in(&example.value, &shape) {
                    if let Some(key) = key_of(&object, &resource.keys) {
                        data.put(&storage_name(&compiled.api.name, resource), key, &object);
                        stored += 1;
                    }
                }
            }
        }
    }
    stored
}

/// The resource objects an example answer holds.
fn objects_in(example: &Value, shape: &Shape) -> Vec<Value> {
    match (shape, example) {
        (Shape::Bare | Shape::Unrelated, object @ Value::Object(_)) => vec![object.clone()],
        (Shape::Array, Value::Array(items)) => items.clone(),
        (Shape::Envelope { slot, kind }, envelope @ Value::Object(_)) => {
            match (kind, slot.in_value(envelope)) {
                (SlotKind::Object, Some(object)) => vec![object.clone()],
                (SlotKind::Items, Some(Value::Array(items))) => items.clone(),
                (SlotKind::Map, Some(Value::Object(map))) => map.values().cloned().collect(),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// The key values found in an example object: a field named like each key parameter, `id`
/// for the last one, or `organization.id` for `organizationId`.
fn key_of(object: &Value, keys: &[String]) -> Option<Key> {
    keys.iter()
        .enumerate()
        .map(|(index, name)| {
            let value = object
                .get(name)
                .or_else(|| {
                    (index + 1 == keys.len())
                        .then(|| object.get("id"))
                        .flatten()
                })
                .or_else(|| {
                    let base = name
                        .strip_suffix("Id")
                        .or_else(|| name.strip_suffix("_id"))?;
                    object.get(base)?.get("id")
                })?;
            match value {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        })
        .collect()
}
