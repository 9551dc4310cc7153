//! Building stored objects: request data merged over an object generated from the resource's
//! schema, with the fields the server owns (ids, readOnly fields, created/updated timestamps,
//! version counters) set by understudy rather than taken from the client.

use serde_json::{Map, Value};

use crate::contract::has_flag;
use crate::validate::{coerce, resolve};

/// Property names that hold an optimistic-locking version.
const VERSION_FIELDS: &[&str] = &[
    "changeSequence",
    "version",
    "revision",
    "lockVersion",
    "lock_version",
];

/// The properties of an object schema (through `$ref` and `allOf`), borrowed from the
/// document: copying them out was a quarter of a create's time.
pub struct Properties<'a>(Vec<(&'a str, &'a Value)>);

impl<'a> Properties<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a Value)> + '_ {
        self.0.iter().copied()
    }

    /// Adds `schema`'s properties; a later one of the same name replaces the earlier.
    fn collect(&mut self, schema: &'a Value, document: &'a Value) {
        let resolved = resolve(schema, document);
        let own = resolved.get("properties").and_then(Value::as_object);
        for (name, property) in own.into_iter().flatten() {
            match self.0.iter_mut().find(|(n, _)| n == name) {
                Some(entry) => entry.1 = property,
                None => self.0.push((name, property)),
            }
        }
        let parts = resolved.get("allOf").and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            self.collect(part, document);
        }
    }
}

pub fn properties<'a>(schema: &'a Value, document: &'a Value) -> Properties<'a> {
    let mut out = Properties(Vec::new());
    out.collect(schema, document);
    out
}

/// The version field of an object schema, if it has one.
pub fn version_field(schema: &Value, document: &Value) -> Option<String> {
    let props = properties(schema, document);
    VERSION_FIELDS
        .iter()
        .find(|name| {
            props
                .get(name)
                .is_some_and(|p| is_type(resolve(p, document), "integer"))
        })
        .map(|name| name.to_string())
}

fn is_type(schema: &Value, kind: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == kind,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == kind),
        _ => false,
    }
}

/// A client value made to fit the property's type (Kantata sends `department_id: 5` and
/// returns `"5"`); values that cannot fit are kept as sent.
fn fit(value: &Value, schema: &Value, document: &Value) -> Value {
    let resolved = resolve(schema, document);
    match value {
        Value::Number(n)
            if is_type(resolved, "string")
                && !is_type(resolved, "number")
                && !is_type(resolved, "integer") =>
        {
            Value::String(n.to_string())
        }
        Value::String(s) if !is_type(resolved, "string") => coerce(resolved, document, s),
        other => other.clone(),
    }
}

/// Copies the client's writable fields of `data` onto `object`. With `merge_patch`, null
/// removes a field (RFC 7396) and nested objects merge.
pub fn apply_request(
    object: &mut Map<String, Value>,
    data: &Map<String, Value>,
    schema: &Value,
    document: &Value,
    merge_patch: bool,
) {
    let props = properties(schema, document);
    let closed = resolve(schema, document).get("additionalProperties") == Some(&Value::Bool(false));
    for (name, value) in data {
        let property = props.get(name);
        // readOnly fields are the server's; writeOnly ones (a password, a card's code) are
        // never answered (the response view forbids them: `false`), so they are not kept.
        if property.is_some_and(|p| {
            p == &Value::Bool(false)
                || has_flag(document, p, "readOnly", 0)
                || has_flag(document, p, "writeOnly", 0)
        }) || (property.is_none() && closed)
        {
            continue;
        }
        if merge_patch && value.is_null() {
            object.remove(name);
            continue;
        }
        let fitted = property.map_or_else(|| value.clone(), |p| fit(value, p, document));
        match (merge_patch, object.get_mut(name), &fitted) {
            (true, Some(Value::Object(existing)), Value::Object(incoming)) => {
                let nested_schema = property.cloned().unwrap_or(Value::Bool(true));
                apply_request(existing, incoming, &nested_schema, document, true);
            }
            _ => {
                object.insert(name.clone(), fitted);
            }
        }
    }
}

/// Sets the identifying fields from the key: a property named like the parameter, `id` for
/// the last key, or `organization.id` for `organizationId`.
pub fn set_ids(
    object: &mut Map<String, Value>,
    keys: &[String],
    values: &[String],
    schema: &Value,
    document: &Value,
) {
    let props = properties(schema, document);
    for (index, (name, value)) in keys.iter().zip(values).enumerate() {
        let is_last = index + 1 == keys.len();
        if let Some(property) = props.get(name) {
            object.insert(
                name.clone(),
                fit(&Value::String(value.clone()), property, document),
            );
        } else if is_last && let Some(property) = props.get("id") {
            object.insert(
                "id".into(),
                fit(&Value::String(value.clone()), property, document),
            );
        } else if let Some(base) = name.strip_suffix("Id").or_else(|| name.strip_suffix("_id"))
            && let Some(nested) = props.get(base)
            && let Some(id_schema) = properties(nested, document).get("id")
            && let Some(Value::Object(inner)) = object.get_mut(base)
        {
            inner.insert(
                "id".into(),
                fit(&Value::String(value.clone()), id_schema, document),
            );
        }
    }
}

/// Stamps created/updated timestamps (date-time properties named so) and bumps the version.
pub fn stamp(
    object: &mut Map<String, Value>,
    schema: &Value,
    document: &Value,
    now: &str,
    creating: bool,
    version: Option<&str>,
) {
    for (name, property) in properties(schema, document).iter() {
        let resolved = resolve(property, document);
        if resolved.get("format").and_then(Value::as_str) != Some("date-time") {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let is_created = lower.starts_with("created") || lower.starts_with("inserted");
        let is_updated = lower.starts_with("updated")
            || lower.starts_with("modified")
            || lower.starts_with("lastmodified");
        if (is_created && creating) || is_updated {
            object.insert(name.to_string(), Value::String(now.to_string()));
        }
    }
    if let Some(field) = version {
        let next = if creating {
            1
        } else {
            object
                .get(field)
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .saturating_add(1)
        };
        object.insert(field.to_string(), Value::from(next));
    }
}
