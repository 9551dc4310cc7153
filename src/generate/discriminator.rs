//! Discriminators, for the generator: which schema of a hierarchy a value stands for, and the
//! value that names it in the discriminator's property, so that a reader can map it back.

use serde_json::{Map, Value};

use crate::contract::{schema_ref, union_branches};
use crate::pointer::local_target;

/// The discriminator `schema` carries, on itself or through its `allOf`: the inheritance
/// pattern, where `Photo` is `allOf: [$ref Media, …]` and `Media` names the property `type`
/// whose value says which schema an object is. A schema choosing among `oneOf`/`anyOf`
/// branches has its discriminator read where a branch is chosen.
pub(super) fn inherited<'s>(
    document: &'s Value,
    schema: &'s Value,
) -> Option<&'s Map<String, Value>> {
    let map = schema.as_object()?;
    if map.contains_key("oneOf") || map.contains_key("anyOf") {
        return None;
    }
    if let Some(Value::Object(discriminator)) = map.get("discriminator") {
        return Some(discriminator);
    }
    map.get("allOf")?.as_array()?.iter().find_map(|branch| {
        let resolved = schema_ref(branch)
            .and_then(local_target)
            .and_then(|target| document.pointer(&target))
            .unwrap_or(branch);
        resolved.get("discriminator")?.as_object()
    })
}

/// Where `schema` is the base of a discriminated hierarchy whose mapping does not name it,
/// the schemas the mapping does (the generator picks one by its seed): an object of the base
/// itself would carry a discriminator value no reader can map (Twitter's `Problem`, whose
/// `type` must be one of its mapped problem URIs). Empty for any other schema.
pub(super) fn subtypes_of_base<'a>(
    document: &'a Value,
    schema: &Value,
    discriminator: &Map<String, Value>,
) -> Vec<&'a Value> {
    // A schema inheriting the discriminator is no base: it is named as it is.
    if schema.get("discriminator").is_none() {
        return Vec::new();
    }
    let Some(mapping) = discriminator.get("mapping").and_then(Value::as_object) else {
        return Vec::new();
    };
    let targets: Vec<&'a Value> = mapping
        .values()
        .filter_map(Value::as_str)
        .filter(|t| t.starts_with('#'))
        .map(|t| resolve(document, t))
        .collect();
    if targets.iter().any(|t| same_schema(t, schema)) {
        return Vec::new();
    }
    targets
}

/// `value`, made from `schema`, with the discriminator's property set to the value naming
/// `schema` (see [`naming_value`]); left as generated where there is none.
pub(super) fn named(
    document: &Value,
    mut value: Value,
    schema: &Value,
    discriminator: &Map<String, Value>,
) -> Value {
    if let Value::Object(object) = &mut value
        && let Some((property, name)) = naming_value(document, schema, discriminator)
    {
        object.insert(property.to_string(), name);
    }
    value
}

/// The discriminator's property and the value naming `schema` in it: its key in the
/// mapping, else the schema's name under `components/schemas` (OpenAPI's implicit mapping).
/// `None` where `schema` has no name, or its property refuses the name (ExaVault's
/// `Resource`, whose `type` must be `resource`; Zalando's `Page`, whose discriminator names
/// `content`, an array).
pub(super) fn naming_value<'d>(
    document: &Value,
    schema: &Value,
    discriminator: &'d Map<String, Value>,
) -> Option<(&'d str, Value)> {
    let property = discriminator.get("propertyName").and_then(Value::as_str)?;
    let mapped = discriminator
        .get("mapping")
        .and_then(Value::as_object)
        .and_then(|m| {
            m.iter().find(|(_, t)| {
                t.as_str()
                    .is_some_and(|t| same_schema(resolve(document, t), schema))
            })
        })
        .map(|(name, _)| name.as_str());
    let name = Value::String(
        mapped
            .or_else(|| schema_name(document, schema))?
            .to_string(),
    );
    let refused = declared_property(document, schema, property)
        .into_iter()
        .any(|p| {
            let not_a_string = match p.get("type") {
                Some(Value::String(kind)) => kind != "string",
                Some(Value::Array(kinds)) => !kinds.iter().any(|k| k == "string"),
                _ => false,
            };
            not_a_string
                || match (p.get("const"), p.get("enum")) {
                    (Some(constant), _) => constant != &name,
                    (None, Some(Value::Array(options))) => !options.contains(&name),
                    _ => false,
                }
        });
    (!refused).then_some((property, name))
}

/// Whether `schema` is a discriminated `oneOf`/`anyOf` none of whose branches can carry
/// its name (ExaVault's `included` items: `Account` must say `account`, `Resource`
/// `resource`, and no mapping reads either): every value of it is one no reader maps.
pub(super) fn unnameable(document: &Value, schema: &Value) -> bool {
    let schema = schema_ref(schema).map_or(schema, |reference| resolve(document, reference));
    let Some(discriminator) = schema.get("discriminator").and_then(Value::as_object) else {
        return false;
    };
    let branches = union_branches(schema);
    !branches.is_empty()
        && branches.iter().all(|branch| {
            schema_ref(branch).is_some_and(|reference| {
                naming_value(document, resolve(document, reference), discriminator).is_none()
            })
        })
}

/// The target of a local `$ref`; `true` (anything) where it points nowhere.
pub(super) fn resolve<'a>(document: &'a Value, reference: &str) -> &'a Value {
    const ANYTHING: &Value = &Value::Bool(true);
    local_target(reference)
        .and_then(|target| document.pointer(&target))
        .unwrap_or(ANYTHING)
}

/// Whether two schemas are the same: the same node of the document, or a copy of it (the
/// schema a validator was compiled for is a copy).
fn same_schema(a: &Value, b: &Value) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// The name `schema` has under `components/schemas`, if it is one of them.
fn schema_name<'a>(document: &'a Value, schema: &Value) -> Option<&'a str> {
    document
        .pointer("/components/schemas")?
        .as_object()?
        .iter()
        .find(|(_, named)| same_schema(named, schema))
        .map(|(name, _)| name.as_str())
}

/// Every schema `schema` gives `property`, on itself or through its `allOf`s, `$ref`s
/// followed.
fn declared_property<'s>(document: &'s Value, schema: &'s Value, property: &str) -> Vec<&'s Value> {
    let mut found = Vec::new();
    let mut stack = vec![schema];
    let mut visited = 0;
    while let Some(node) = stack.pop() {
        visited += 1;
        if visited > 64 {
            break;
        }
        let node: &'s Value = schema_ref(node).map_or(node, |r| resolve(document, r));
        if let Some(declared) = node.get("properties").and_then(|p| p.get(property)) {
            found.push(schema_ref(declared).map_or(declared, |r| resolve(document, r)));
        }
        if let Some(Value::Array(all)) = node.get("allOf") {
            stack.extend(all.iter());
        }
    }
    found
}
