//! Where a resource sits in a response body: the body itself, an array of them, or an envelope
//! (Kodexa's page `{content, totalElements…}`, Protocol's `{status, data, meta}`, Kantata's
//! `{count, meta, results, organization_memberships: {id: object}}`), and the page numbers an
//! envelope is filled with (see `envelope`).

use serde_json::{Value, json};

use super::objects::plain_name;
use crate::contract::properties;
use crate::validate::resolve;

/// How a response schema holds the resource.
#[derive(Debug, Clone)]
pub enum Shape {
    /// The body is the object.
    Bare,
    /// The body is an array of objects.
    Array,
    /// An object that holds the resource(s) at `slot`.
    Envelope { slot: Slot, kind: SlotKind },
    /// A schema that holds no such object anywhere (Stripe's deletion marker `{id, object,
    /// deleted}`); reads answer the object there all the same, as they always did, where it
    /// is checked like every stored answer.
    Unrelated,
}

/// Where an envelope holds the resource: the keys from its top down (`data`; HAL's
/// `_embedded`, then `items`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot(Vec<String>);

impl Slot {
    /// A slot at the envelope's top level.
    pub fn top(name: &str) -> Slot {
        Slot(vec![name.to_string()])
    }

    /// A slot down these keys.
    pub fn nested(keys: &[&str]) -> Slot {
        Slot(keys.iter().map(|k| k.to_string()).collect())
    }

    pub fn keys(&self) -> &[String] {
        &self.0
    }

    /// The key the resource sits under (the last).
    pub fn name(&self) -> &str {
        self.0.last().map_or("", String::as_str)
    }

    /// The envelope's top-level key the slot is in.
    pub fn outer(&self) -> &str {
        self.0.first().map_or("", String::as_str)
    }

    /// What `envelope` holds at the slot.
    pub fn in_value<'a>(&self, envelope: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(envelope, |at, key| at.get(key))
    }
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
/// a list, the sole list of objects of a list's envelope, the object an envelope without an
/// id of its own holds in `data` (Asana's `{data: ProjectResponse}`), or the schema itself.
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
    } else {
        // An object of its own (Stripe's event `{id, type, data: {object}}`) has an id.
        let properties = properties(resolved, document);
        let is_envelope = properties.get("id").is_none();
        let wrapped = properties.get("data").filter(|_| is_envelope);
        if let Some(object) = wrapped.filter(|v| {
            let v = resolve(v, document);
            !has_type(v, "array") && is_object_schema(Some(v), document)
        }) {
            return object.clone();
        }
    }
    schema.clone()
}

/// How the response `schema` holds objects whose schema is `object`.
pub fn shape_of(schema: &Value, document: &Value, name: &str, object: &Value) -> Shape {
    let resolved = resolve(schema, document);
    let target = resolve(object, document);
    let is_object = |candidate: &Value| same_object(resolve(candidate, document), target, document);
    if is_object(schema) {
        return Shape::Bare;
    }
    if has_type(resolved, "array") {
        // A list of names (Apicurio's rule types) holds no object.
        return match resolved.get("items") {
            Some(items) if !can_be_object(items, document) => Shape::Unrelated,
            _ => Shape::Array,
        };
    }
    if let Some((slot, kind, _)) = named_slot(resolved, document, name) {
        return Shape::Envelope {
            slot: Slot::top(&slot),
            kind,
        };
    }
    for (property, value) in properties(resolved, document).iter() {
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
            slot: Slot::top(property),
            kind,
        };
    }
    // One level down, a list of the objects (HAL's `_embedded`: Akeneo's `{_links,
    // _embedded: {items: [...]}}`).
    for (outer, value) in properties(resolved, document).iter() {
        let outer_schema = resolve(value, document);
        if has_type(outer_schema, "array") {
            continue;
        }
        for (property, value) in properties(outer_schema, document).iter() {
            if resolve(value, document).get("items").is_some_and(is_object) {
                return Shape::Envelope {
                    slot: Slot::nested(&[outer, property]),
                    kind: SlotKind::Items,
                };
            }
        }
    }
    Shape::Unrelated
}

/// How an answer of the response `schema` holds objects whose schema is `object`: as
/// [`shape_of`] finds, else in a narrower view of the object, where there is one: a list's
/// one list of objects (Amplify's `jobSummaries` answering the jobs), an envelope's one object
/// whose every field is one of the object's (Apideck's `data: {id}` answering a create). The
/// stored object is written there, and checked as every answer is.
pub fn answer_shape(
    schema: &Value,
    document: &Value,
    name: &str,
    object: &Value,
    is_list: bool,
) -> Shape {
    let shape = shape_of(schema, document, name, object);
    if !matches!(shape, Shape::Unrelated) {
        return shape;
    }
    let resolved = resolve(schema, document);
    if is_list {
        if let [(slot, _)] = object_lists(resolved, document).as_slice() {
            return Shape::Envelope {
                slot: slot.clone(),
                kind: SlotKind::Items,
            };
        }
        return shape;
    }
    let fields = properties(resolve(object, document), document);
    let views: Vec<&str> = properties(resolved, document)
        .iter()
        .filter(|(_, value)| {
            let value = resolve(value, document);
            let declared = properties(value, document);
            has_type(value, "object")
                && declared.iter().next().is_some()
                && declared.iter().all(|(n, _)| fields.get(n).is_some())
        })
        .map(|(name, _)| name)
        .collect();
    match views.as_slice() {
        [slot] => Shape::Envelope {
            slot: Slot::top(slot),
            kind: SlotKind::Object,
        },
        _ => shape,
    }
}

/// The property named like the resource (or its singular), with what it holds.
fn named_slot(resolved: &Value, document: &Value, name: &str) -> Option<(String, SlotKind, Value)> {
    let wanted = plain_name(name);
    let wanted_one = plain_name(name.trim_end_matches('s'));
    let properties = properties(resolved, document);
    properties.iter().find_map(|(property, value)| {
        let normalized = plain_name(property);
        if normalized != wanted && normalized != wanted_one {
            return None;
        }
        let value_schema = resolve(value, document);
        if has_type(value_schema, "array") && is_object_schema(value_schema.get("items"), document)
        {
            Some((
                property.to_string(),
                SlotKind::Items,
                value_schema.get("items").cloned().unwrap_or(json!({})),
            ))
        } else if value_schema.get("properties").is_none()
            && is_object_schema(value_schema.get("additionalProperties"), document)
        {
            Some((
                property.to_string(),
                SlotKind::Map,
                value_schema
                    .get("additionalProperties")
                    .cloned()
                    .unwrap_or(json!({})),
            ))
        } else if is_object_schema(Some(value), document) {
            Some((property.to_string(), SlotKind::Object, value.clone()))
        } else {
            None
        }
    })
}

/// Empties the optional maps of other objects beside `slot` in a generated envelope:
/// resources side-loaded only when a request asks to include them (Kantata's
/// `organizations: {id: object}`), which a generated envelope would otherwise invent.
pub fn empty_side_maps(template: &mut Value, schema: &Value, document: &Value, slot: &Slot) {
    let slot = slot.outer();
    let Value::Object(object) = template else {
        return;
    };
    let resolved = resolve(schema, document);
    let required = resolved.get("required").and_then(Value::as_array);
    let is_required = |name: &str| required.is_some_and(|r| r.iter().any(|n| n == name));
    for (name, property) in properties(resolved, document).iter() {
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

/// Properties that are arrays of objects (Kantata's `results` index excluded), with their
/// items; where there are none, those of the envelope's objects, one level down (HAL's
/// `_embedded`).
fn object_lists(resolved: &Value, document: &Value) -> Vec<(Slot, Value)> {
    let lists_in = |schema: &Value| -> Vec<(String, Value)> {
        properties(schema, document)
            .iter()
            .filter_map(|(property, value)| {
                let value_schema = resolve(value, document);
                let items = value_schema.get("items")?;
                (has_type(value_schema, "array")
                    && is_object_schema(Some(items), document)
                    && !is_results_list(items, document))
                .then(|| (property.to_string(), items.clone()))
            })
            .collect()
    };
    let top = lists_in(resolved);
    if !top.is_empty() {
        return top
            .into_iter()
            .map(|(name, items)| (Slot::top(&name), items))
            .collect();
    }
    properties(resolved, document)
        .iter()
        .filter(|(_, value)| has_type(resolve(value, document), "object"))
        .flat_map(|(outer, value)| {
            lists_in(resolve(value, document))
                .into_iter()
                .map(move |(name, items)| (Slot::nested(&[outer, &name]), items))
        })
        .collect()
}

/// Whether `candidate` holds the resource whose schema is `target` (both resolved): the same
/// schema, or one of them the other narrowed by `allOf` (a read answering
/// `allOf: [Booking, {links}]` where the list's items are `Booking`).
fn same_object(candidate: &Value, target: &Value, document: &Value) -> bool {
    same(candidate, target)
        || part_of(candidate, target, document, PART_DEPTH)
        || part_of(target, candidate, document, PART_DEPTH)
}

fn same(a: &Value, b: &Value) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// Whether `part` is one of `whole`'s `allOf` parts, or a part of one of them (Asana's
/// `ProjectResponse` is an `allOf` of `ProjectBase`, itself one of `ProjectCompact`).
fn part_of(part: &Value, whole: &Value, document: &Value, depth: usize) -> bool {
    let parts = whole.get("allOf").and_then(Value::as_array);
    parts.into_iter().flatten().any(|p| {
        let p = resolve(p, document);
        same(p, part) || (depth > 0 && part_of(part, p, document, depth - 1))
    })
}

/// How deep `allOf` parts are followed: deep enough for wrappers of wrappers, and an end to a
/// cycle of references.
const PART_DEPTH: usize = 8;

pub(super) fn has_type(schema: &Value, kind: &str) -> bool {
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

/// Whether an answer of `schema`, which holds no such object (see [`Shape::Unrelated`]), can
/// still show the `object`: every field it requires is one of the object's (an inline copy
/// of the object, a narrower view of it), and, where it allows no other fields, it declares
/// every field the object requires. A link `{href}` (beezup's store create answers one), a
/// job's status, or GitHub's closed empty object answering a secret's upsert cannot.
pub fn can_show(schema: &Value, document: &Value, object: &Value) -> bool {
    let object = properties(object, document);
    properties(schema, document)
        .required()
        .all(|name| object.get(name).is_some())
        && closed_fields(schema, document).is_none_or(|fields| {
            object
                .required()
                .all(|name| fields.iter().any(|f| f == name))
        })
}

/// The schema of the objects an answer of `answer` shaped as `shape` holds: the answer
/// itself, its items, or its slot's.
pub fn held_schema<'a>(answer: &'a Value, document: &'a Value, shape: &Shape) -> Option<&'a Value> {
    let resolved = resolve(answer, document);
    match shape {
        Shape::Bare | Shape::Unrelated => Some(answer),
        Shape::Array => resolved.get("items"),
        Shape::Envelope { slot, kind } => {
            let mut at = resolved;
            for key in slot.keys() {
                at = resolve(properties(at, document).get(key)?, document);
            }
            let slot = at;
            match kind {
                SlotKind::Object => Some(slot),
                SlotKind::Items => slot.get("items"),
                SlotKind::Map => slot.get("additionalProperties"),
            }
        }
    }
}

/// The fields a closed object schema (`additionalProperties: false`) declares; `None` where
/// it is open to others.
pub fn closed_fields(schema: &Value, document: &Value) -> Option<Vec<String>> {
    let resolved = resolve(schema, document);
    (resolved.get("additionalProperties") == Some(&Value::Bool(false))).then(|| {
        properties(schema, document)
            .iter()
            .map(|(name, _)| name.to_string())
            .collect()
    })
}

/// Whether a value of `schema` may be an object: its type, where it says one, is `object`
/// among others, and it is no array's.
pub fn can_be_object(schema: &Value, document: &Value) -> bool {
    let resolved = resolve(schema, document);
    match resolved.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
        _ => resolved.get("items").is_none(),
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
