//! Where a resource sits in a response body: the body itself, an array of them, or an envelope
//! (Kodexa's page `{content, totalElements…}`, Protocol's `{status, data, meta}`, Kantata's
//! `{count, meta, results, organization_memberships: {id: object}}`), and the page numbers an
//! envelope is filled with (see `envelope`).

use serde_json::{Value, json};

use crate::validate::resolve;

/// How a response schema holds the resource.
#[derive(Debug, Clone)]
pub enum Shape {
    /// The body is the object.
    Bare,
    /// The body is an array of objects.
    Array,
    /// An object whose property `slot` holds the resource(s).
    Envelope { slot: String, kind: SlotKind },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// One object.
    Object,
    /// An array of objects.
    Items,
    /// A map from id to object.
    Map,
}

/// The resource object's schema, as seen in `schema` (the 2xx schema of one of its
/// operations): the slot named like the resource (`organization_memberships`), the items of
/// a list, the sole list of objects of a list's envelope, or the schema itself.
pub fn object_schema_in(schema: &Value, document: &Value, name: &str, is_list: bool) -> Value {
    let resolved = resolve(schema, document);
    if let Some((_, _, object)) = named_slot(resolved, document, name) {
        return object;
    }
    if is_list {
        if has_type(resolved, "array") {
            return resolved.get("items").cloned().unwrap_or(json!({}));
        }
        let lists = object_lists(resolved, document);
        if let [(_, items)] = lists.as_slice() {
            return items.clone();
        }
    }
    schema.clone()
}

/// How the response `schema` holds objects whose schema is `object`.
pub fn shape_of(schema: &Value, document: &Value, name: &str, object: &Value) -> Shape {
    let resolved = resolve(schema, document);
    let target = resolve(object, document);
    let is_object = |candidate: &Value| {
        let candidate = resolve(candidate, document);
        std::ptr::eq(candidate, target) || candidate == target
    };
    if is_object(schema) {
        return Shape::Bare;
    }
    if has_type(resolved, "array") {
        return Shape::Array;
    }
    if let Some((slot, kind, _)) = named_slot(resolved, document, name) {
        return Shape::Envelope { slot, kind };
    }
    let properties = resolved.get("properties").and_then(Value::as_object);
    for (property, value) in properties.into_iter().flatten() {
        let value_schema = resolve(value, document);
        let kind = if is_object(value) {
            SlotKind::Object
        } else if value_schema.get("items").is_some_and(is_object) {
            SlotKind::Items
        } else if value_schema
            .get("additionalProperties")
            .is_some_and(|a| a.is_object() && is_object(a))
        {
            SlotKind::Map
        } else {
            continue;
        };
        return Shape::Envelope {
            slot: property.clone(),
            kind,
        };
    }
    Shape::Bare
}

/// The property named like the resource (or its singular), with what it holds.
fn named_slot(resolved: &Value, document: &Value, name: &str) -> Option<(String, SlotKind, Value)> {
    let normalize = |s: &str| s.replace(['-', '_'], "").to_ascii_lowercase();
    let wanted = normalize(name);
    let wanted_one = normalize(name.trim_end_matches('s'));
    let properties = resolved.get("properties").and_then(Value::as_object)?;
    properties.iter().find_map(|(property, value)| {
        let normalized = normalize(property);
        if normalized != wanted && normalized != wanted_one {
            return None;
        }
        let value_schema = resolve(value, document);
        if has_type(value_schema, "array") && is_object_schema(value_schema.get("items"), document)
        {
            Some((
                property.clone(),
                SlotKind::Items,
                value_schema.get("items").cloned().unwrap_or(json!({})),
            ))
        } else if value_schema.get("properties").is_none()
            && is_object_schema(value_schema.get("additionalProperties"), document)
        {
            Some((
                property.clone(),
                SlotKind::Map,
                value_schema
                    .get("additionalProperties")
                    .cloned()
                    .unwrap_or(json!({})),
            ))
        } else if is_object_schema(Some(value), document) {
            Some((property.clone(), SlotKind::Object, value.clone()))
        } else {
            None
        }
    })
}

/// Empties the optional maps of other objects beside `slot` in a generated envelope:
/// resources side-loaded only when a request asks to include them (Kantata's
/// `organizations: {id: object}`), which a generated envelope would otherwise invent.
pub fn empty_side_maps(template: &mut Value, schema: &Value, document: &Value, slot: &str) {
    let resolved = resolve(schema, document);
    let (Value::Object(object), Some(properties)) = (
        template,
        resolved.get("properties").and_then(Value::as_object),
    ) else {
        return;
    };
    let required = resolved.get("required").and_then(Value::as_array);
    let is_required = |name: &str| required.is_some_and(|r| r.iter().any(|n| n == name));
    for (name, property) in properties {
        let property = resolve(property, document);
        let is_side_map = property.get("properties").is_none()
            && is_object_schema(property.get("additionalProperties"), document);
        if name != slot
            && is_side_map
            && !is_required(name)
            && let Some(value @ Value::Object(_)) = object.get_mut(name)
        {
            *value = json!({});
        }
    }
}

/// Properties that are arrays of objects (Kantata's `results` index excluded).
fn object_lists(resolved: &Value, document: &Value) -> Vec<(String, Value)> {
    let Some(properties) = resolved.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|(property, value)| {
            let value_schema = resolve(value, document);
            let items = value_schema.get("items")?;
            (has_type(value_schema, "array")
                && is_object_schema(Some(items), document)
                && !is_results_list(items, document))
            .then(|| (property.clone(), items.clone()))
        })
        .collect()
}

fn has_type(schema: &Value, kind: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == kind,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == kind),
        None => match kind {
            "object" => {
                schema.get("properties").is_some() || schema.get("additionalProperties").is_some()
            }
            "array" => schema.get("items").is_some(),
            _ => false,
        },
        _ => false,
    }
}

fn is_object_schema(schema: Option<&Value>, document: &Value) -> bool {
    let Some(schema) = schema.filter(|s| s.is_object()) else {
        return false;
    };
    let resolved = resolve(schema, document);
    has_type(resolved, "object") || resolved.get("allOf").is_some()
}

/// Kantata's `results: [{key, id}]` is an index, not the resource.
fn is_results_list(items: &Value, document: &Value) -> bool {
    let resolved = resolve(items, document);
    resolved
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| p.len() == 2 && p.contains_key("key") && p.contains_key("id"))
}

/// What the envelope's bookkeeping fields are set to.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Objects matching the request, over all pages.
    pub total: usize,
    /// Objects in this answer.
    pub count: usize,
    pub page_number: Option<u64>,
    pub page_size: Option<u64>,
    pub offset: Option<u64>,
    pub next: Option<String>,
    pub prev: Option<String>,
    /// `(key, id)` entries of Kantata-style `results`.
    pub results: Vec<(String, String)>,
}
