//! Writing into a stored object by its [`ObjectModel`]: the client's writable fields (fitted
//! to their types, naming objects where a scalar stands for one), the ids from its key, and
//! the server's created/updated stamps and version.

use serde_json::{Map, Value};

use super::objects::{Field, ObjectModel, id_base, is_type};
use crate::contract::Stamp;
use crate::contract::{Schemas, View, fits_scalar_keywords, properties};
use crate::generate::generate;
use crate::mock::cache::stable_hash;
use crate::validate::{coerce, resolve};

/// A client value made to fit the property's type, `resolved` being its schema through
/// `$ref`s (Kantata sends `department_id: 5` and returns `"5"`); values that cannot fit are
/// kept as sent. Inside arrays and objects too, by their `items` and properties (soundcloud
/// takes a playlist's `tracks` as `[{"id": "5"}]` and answers the ids as integers). Answers
/// fit a stored value to a view that declares its field of another type the same way.
pub fn fit(value: &Value, resolved: &Value, document: &Value) -> Value {
    fit_within(value, resolved, document, DEEPEST)
}

fn fit_within(value: &Value, resolved: &Value, document: &Value, depth: usize) -> Value {
    match value {
        Value::Number(n)
            if is_type(resolved, "string")
                && !is_type(resolved, "number")
                && !is_type(resolved, "integer") =>
        {
            Value::String(n.to_string())
        }
        Value::String(s) if !is_type(resolved, "string") => coerce(resolved, document, s),
        Value::Array(items) if depth > 0 => match resolved.get("items") {
            Some(schema) => {
                let schema = resolve(schema, document);
                Value::Array(
                    items
                        .iter()
                        .map(|item| fit_within(item, schema, document, depth - 1))
                        .collect(),
                )
            }
            None => value.clone(),
        },
        Value::Object(fields) if depth > 0 => {
            let declared = properties(resolved, document);
            Value::Object(
                fields
                    .iter()
                    .map(|(name, field)| {
                        let fitted = match declared.get(name) {
                            Some(schema) => {
                                fit_within(field, resolve(schema, document), document, depth - 1)
                            }
                            None => field.clone(),
                        };
                        (name.clone(), fitted)
                    })
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// Writes the whole numbers among a client's values (`8.0`, `1e2`) as integers, recursively.
/// OpenAPI 3.0's JSON Schema reads `type: integer` as draft 4 does, a number written without
/// a fraction or exponent, so a stored `8.0` answered where the contract declares an integer
/// breaks it for strict readers (Schemathesis, on Visma's time cards), although the check
/// before sending, which reads it as 2020-12 does, lets it pass. An integer fits wherever the
/// same number does, in every draft, so nothing that fitted stops fitting.
pub fn whole_numbers_as_integers(value: &mut Value) {
    /// Beyond 2^53 an f64 no longer holds every integer: such numbers stay as they are.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64()
                && x.fract() == 0.0
                && x.abs() <= EXACT
            {
                *value = Value::from(x as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// A client's value that was not stored: the request's schema lets it through, but it
/// breaks what the resource's answers declare of its field (GitHub's organization update
/// takes any string for `billing_email` and answers an email; telnyx takes a null `port` and
/// answers an integer). Stored, every answer showing it would have to be remade without it;
/// the field keeps what it held, and the answer says so.
pub struct NotStored {
    /// The field, and the fields above it in nested objects (`["contact", "phone"]`).
    pub path: Vec<String>,
    pub message: String,
}

/// Copies the client's writable fields of `data` onto `object`; returns those not stored
/// (see [`NotStored`]). With `merge_patch`, null removes a field (RFC 7396), but a required
/// one that takes null is set to null (GitHub's project `body`: removed, the project would
/// break its schema), and nested objects merge.
pub fn apply_request(
    object: &mut Map<String, Value>,
    data: &Map<String, Value>,
    model: &ObjectModel,
    schemas: &Schemas,
    merge_patch: bool,
) -> Vec<NotStored> {
    let document = schemas.document(View::Response);
    let mut not_stored = Vec::new();
    for (sent, value) in data {
        let field = model.field(sent).or_else(|| model.field_written_as(sent));
        let name = field.map_or(sent, |f| &f.name);
        if field.is_some_and(|f| f.not_from_client) || (field.is_none() && model.closed) {
            continue;
        }
        if merge_patch
            && value.is_null()
            && !field.is_some_and(|f| f.required && takes_null(&f.resolved))
        {
            object.remove(name);
            continue;
        }
        let fitted = field.map_or_else(|| value.clone(), |f| fit(value, &f.resolved, document));
        if let Some(field) = field
            && names_object(&fitted, &field.resolved, document)
        {
            if let Some(Value::Object(named)) = object.get_mut(name) {
                set_name(named, &fitted, &field.resolved, document);
            }
            continue;
        }
        // A list of names for a list of objects (GitHub's `labels: ["bug"]`): an object per
        // name, made from the first one there.
        if let Some(field) = field
            && let Value::Array(names) = &fitted
            && let Some(items) = field.resolved.get("items").map(|i| resolve(i, document))
            && !names.is_empty()
            && names.iter().all(|n| names_object(n, items, document))
        {
            if let Some(Value::Array(existing)) = object.get_mut(name)
                && let Some(Value::Object(first)) = existing.first().cloned()
            {
                *existing = names
                    .iter()
                    .map(|n| {
                        let mut item = first.clone();
                        set_name(&mut item, n, items, document);
                        Value::Object(item)
                    })
                    .collect();
            }
            continue;
        }
        if merge_patch
            && let (Some(Value::Object(existing)), Value::Object(incoming)) =
                (object.get_mut(name), &fitted)
        {
            let nested_schema = field.map_or(Value::Bool(true), |f| f.resolved.clone());
            let nested = ObjectModel::new(nested_schema, document);
            let below = apply_request(existing, incoming, &nested, schemas, true);
            not_stored.extend(below.into_iter().map(|mut n| {
                n.path.insert(0, name.clone());
                n
            }));
            continue;
        }
        let mut fitted = fitted;
        // An object sent whole keeps the fields its schema requires and the client left out,
        // from the one it replaces, or from one made for it where there was none (readme's
        // changelog `author: {id}`, answered with a required `name`).
        if let (Some(field), Value::Object(sent)) = (field, &mut fitted) {
            let made;
            let base = match object.get(name) {
                Some(Value::Object(existing)) => Some(existing),
                _ => {
                    let seed = stable_hash(&[name]);
                    made = generate(document, &field.resolved, View::Response, seed, true);
                    made.as_object()
                }
            };
            if let Some(base) = base {
                keep_required(sent, base, &field.resolved, document, DEEPEST);
            }
        }
        match field.and_then(|f| refusal(f, &fitted, schemas)) {
            Some(message) => not_stored.push(NotStored {
                path: vec![name.clone()],
                message,
            }),
            None => {
                object.insert(name.clone(), fitted);
            }
        }
    }
    not_stored
}

/// Why `value` is not stored in `field`, where the answers' schema refuses it there: a scalar
/// by the field's scalar keywords, an object or array (soundcloud's playlist `tracks` sent
/// with string ids, answered with integer ones) by the field's whole schema.
fn refusal(field: &Field, value: &Value, schemas: &Schemas) -> Option<String> {
    let name = &field.name;
    if value.is_object() || value.is_array() {
        let check = field.part_check(schemas)?;
        if check.is_valid(value) {
            return None;
        }
        let mut shown = value.to_string();
        if shown.len() > 120 {
            let mut cut = 117;
            while !shown.is_char_boundary(cut) {
                cut -= 1;
            }
            shown.truncate(cut);
            shown.push_str("...");
        }
        return Some(format!(
            "{name}: {shown} was not stored, as it does not fit what this API answers as {name}"
        ));
    }
    let check = field.scalar_check();
    (!check.fits(value)).then(|| {
        format!(
            "{name}: {value} was not stored, as this API answers {name} as {}",
            check.keywords()
        )
    })
}

/// How deep [`fit`] and [`keep_required`] go into objects and arrays within them.
const DEEPEST: usize = 8;

/// Keeps in `sent` (an object a client sent for a field, which replaces the one there) the
/// fields `schema` requires that the client did not send, as `existing` has them: readme's
/// changelog is created with `author: {id}` and answered with an author whose `name` is
/// required, which only the object made for it has. At every depth of objects both hold.
fn keep_required(
    sent: &mut Map<String, Value>,
    existing: &Map<String, Value>,
    schema: &Value,
    document: &Value,
    depth: usize,
) {
    let declared = properties(schema, document);
    for (name, kept) in existing {
        match sent.get_mut(name) {
            None if declared.is_required(name) => {
                sent.insert(name.clone(), kept.clone());
            }
            Some(Value::Object(inner)) if depth > 0 => {
                if let (Value::Object(kept), Some(inner_schema)) = (kept, declared.get(name)) {
                    let inner_schema = resolve(inner_schema, document);
                    keep_required(inner, kept, inner_schema, document, depth - 1);
                }
            }
            _ => {}
        }
    }
}

/// Whether `value` was sent for a property whose objects it can only name: a scalar where
/// the property declares an object's fields and no type the scalar has (GitHub's issue
/// `milestone: 1` for the milestone numbered 1, a pull's `base: "master"` for the branch).
/// Stored as sent, it would break the answers' schema, or answer a name where the contract
/// shows an object.
fn names_object(value: &Value, resolved: &Value, document: &Value) -> bool {
    let scalar = !(value.is_object() || value.is_array() || value.is_null());
    scalar
        && !has_type_of(resolved, value)
        && properties(resolved, document).iter().next().is_some()
}

/// Whether `schema` says null is one of its values (as 3.0's `nullable` is rewritten: a type
/// list with `null`, or `anyOf` a null).
fn takes_null(schema: &Value) -> bool {
    is_type(schema, "null")
        || ["anyOf", "oneOf"].iter().any(|union| {
            schema
                .get(*union)
                .and_then(Value::as_array)
                .is_some_and(|branches| branches.iter().any(|b| is_type(b, "null")))
        })
}

/// Whether `schema` declares the type the scalar `value` has.
fn has_type_of(schema: &Value, value: &Value) -> bool {
    match value {
        Value::Number(_) => is_type(schema, "number") || is_type(schema, "integer"),
        Value::String(_) => is_type(schema, "string"),
        Value::Bool(_) => is_type(schema, "boolean"),
        _ => false,
    }
}

/// Fields that name an object, in the order a name sent for it is tried: GitHub's
/// milestones are named by `number` beside an `id`, branches by `ref`.
pub(super) const NAMING_FIELDS: &[&str] = &[
    "number", "id", "name", "ref", "login", "slug", "key", "code",
];

/// Writes `name` into the first field of `object` (of schema `resolved`) that names it and
/// takes it (see [`names_object`]); the rest of the object stays as it was.
fn set_name(object: &mut Map<String, Value>, name: &Value, resolved: &Value, document: &Value) {
    let declared = properties(resolved, document);
    for field in NAMING_FIELDS {
        let Some((_, schema)) = declared.iter().find(|(n, _)| n == field) else {
            continue;
        };
        let schema = resolve(schema, document);
        let fitted = fit(name, schema, document);
        if has_type_of(schema, &fitted) || schema.get("type").is_none() {
            object.insert((*field).to_string(), fitted);
            return;
        }
    }
}

/// Fields that name an object by a key its id field cannot hold, in the order tried.
const KEY_NAME_FIELDS: &[&str] = &["login", "name", "slug"];

/// Writes the key `value` (as the path has it) into `field` where it fits: of the field's
/// type, or as the name in the object the field holds (see [`names_object`]); `false` where
/// it fits neither (a number field, and a key that is no number), and the field stays as it
/// was rather than breaking every answer. A key the field's `enum` does not list (readme's
/// `/categories/{section}` read as `guides` where the category's `section` is `guide`) is not
/// written either.
fn write_key(
    object: &mut Map<String, Value>,
    field: &Field,
    value: &str,
    document: &Value,
) -> bool {
    let fitted = fit(&Value::String(value.to_string()), &field.resolved, document);
    if names_object(&fitted, &field.resolved, document) {
        return match object.get_mut(&field.name) {
            Some(Value::Object(named)) => {
                set_name(named, &fitted, &field.resolved, document);
                true
            }
            _ => false,
        };
    }
    if field.resolved.get("type").is_some() && !has_type_of(&field.resolved, &fitted) {
        return false;
    }
    if let Some(Value::Array(allowed)) = field.resolved.get("enum")
        && !allowed.contains(&fitted)
    {
        return false;
    }
    if let Some(schema) = field.resolved.as_object()
        && !fits_scalar_keywords(schema, &fitted)
    {
        return false;
    }
    object.insert(field.name.clone(), fitted);
    true
}

/// Sets the identifying fields from the key: the property that carries each (see
/// [`ObjectModel::key_field`]), or `organization.id` for `organizationId`.
pub fn set_ids(
    object: &mut Map<String, Value>,
    keys: &[String],
    values: &[String],
    model: &ObjectModel,
    document: &Value,
) {
    for (index, (name, value)) in keys.iter().zip(values).enumerate() {
        let is_last = index + 1 == keys.len();
        if let Some(field) = model.key_field(name, is_last) {
            let written = write_key(object, field, value, document);
            // An `id` beside the field named by the key's last word (GitHub's issue `number`)
            // gets the key too: generated, every object would have the same one.
            if written
                && field.name != *name
                && field.name != "id"
                && let Some(id) = model.field("id")
            {
                write_key(object, id, value, document);
            }
            // A key its field cannot hold names the object (GitHub's `/orgs/{org}`: the org
            // `octo-org`, whose `id` is a number, is the one whose `login` that is).
            let text = Value::String(value.clone());
            if !written
                && is_last
                && let Some(naming) = KEY_NAME_FIELDS.iter().find_map(|n| {
                    model
                        .field(n)
                        .filter(|f| has_type_of(&f.resolved, &text) && !f.not_from_client)
                })
            {
                object.insert(naming.name.clone(), text);
            }
        } else if let Some(base) = id_base(name)
            && let Some(nested) = model.field(base)
            && let Some(id_schema) = properties(&nested.resolved, document).get("id")
            && let Some(Value::Object(inner)) = object.get_mut(base)
        {
            inner.insert(
                "id".into(),
                fit(
                    &Value::String(value.clone()),
                    resolve(id_schema, document),
                    document,
                ),
            );
        }
    }
}

/// Stamps created/updated timestamps (date-time properties named so) and bumps the version.
pub fn stamp(object: &mut Map<String, Value>, model: &ObjectModel, now: &str, creating: bool) {
    for field in &model.fields {
        if field.stamp == Some(Stamp::Updated) || (creating && field.stamp == Some(Stamp::Created))
        {
            object.insert(field.name.clone(), Value::String(now.to_string()));
        }
    }
    if let Some(field) = &model.version {
        let next = if creating {
            1
        } else {
            object
                .get(field)
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .saturating_add(1)
        };
        object.insert(field.clone(), Value::from(next));
    }
}
