//! Building stored objects: request data merged over an object generated from the resource's
//! schema, with the fields the server owns (ids, readOnly fields, created/updated timestamps,
//! version counters) set by understudy rather than taken from the client.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::contract::{View, fits_scalar_keywords, has_flag, key_word, properties};
use crate::generate::generate;
use crate::validate::{coerce, resolve};

/// Property names that hold an optimistic-locking version.
const VERSION_FIELDS: &[&str] = &[
    "changeSequence",
    "version",
    "revision",
    "lockVersion",
    "lock_version",
];

/// What building objects of one resource needs from its schema, read once per resource:
/// walking the schema (`$ref`s, `allOf`, flags) on every create was a sixth of its time.
pub struct ObjectModel {
    /// The resource object's schema.
    pub schema: Value,
    fields: Vec<Field>,
    /// `additionalProperties: false`: fields the schema does not declare are not kept.
    closed: bool,
    /// The property holding an optimistic-locking version, if one does.
    version: Option<String>,
    /// Other schemas the resource's answers show its objects by (a list's items, a create's
    /// answer), whose fields may ask more of a value than the object's schema does.
    views: Vec<Value>,
    /// The seed the objects new ones start from are generated with (see
    /// [`ObjectModel::with_seed`]).
    seed: u64,
    /// Those objects, made at the first create (see [`ObjectModel::generated`]).
    generated: OnceLock<Vec<Map<String, Value>>>,
}

/// How many generated objects new objects start from: enough that neighbours differ;
/// generating one per create was a ninth of its time.
const GENERATED: u64 = 16;

/// One declared property of an [`ObjectModel`].
struct Field {
    name: String,
    /// Required by the object's schema: a merge patch's null cannot remove it.
    required: bool,
    /// The property's schema through `$ref`s (see [`resolve`]): the type client values fit.
    resolved: Value,
    /// readOnly fields are the server's; writeOnly ones (a password, a card's code) are never
    /// answered (the response view forbids them: `false`), so neither is taken from a client.
    not_from_client: bool,
    stamp: Option<Stamp>,
}

/// A date-time property the server stamps.
#[derive(Clone, Copy, PartialEq)]
enum Stamp {
    /// `created…`, `inserted…`: set when the object is made.
    Created,
    /// `updated…`, `modified…`, `lastModified…`: set on every change.
    Updated,
}

impl ObjectModel {
    pub fn new(schema: Value, document: &Value) -> ObjectModel {
        let props = properties(&schema, document);
        let fields: Vec<Field> = props
            .iter()
            .map(|(name, property)| {
                let resolved = resolve(property, document);
                let lower = name.to_ascii_lowercase();
                let stamp = (resolved.get("format").and_then(Value::as_str) == Some("date-time"))
                    .then(|| {
                        if lower.starts_with("created") || lower.starts_with("inserted") {
                            Some(Stamp::Created)
                        } else if lower.starts_with("updated")
                            || lower.starts_with("modified")
                            || lower.starts_with("lastmodified")
                        {
                            Some(Stamp::Updated)
                        } else {
                            None
                        }
                    })
                    .flatten();
                Field {
                    name: name.to_string(),
                    required: props.is_required(name),
                    resolved: resolved.clone(),
                    not_from_client: property == &Value::Bool(false)
                        || has_flag(document, property, "readOnly", 0)
                        || has_flag(document, property, "writeOnly", 0),
                    stamp,
                }
            })
            .collect();
        let version = VERSION_FIELDS
            .iter()
            .find(|name| {
                fields
                    .iter()
                    .any(|f| f.name == **name && is_type(&f.resolved, "integer"))
            })
            .map(|name| name.to_string());
        let closed =
            resolve(&schema, document).get("additionalProperties") == Some(&Value::Bool(false));
        ObjectModel {
            schema,
            fields,
            closed,
            version,
            views: Vec::new(),
            seed: 0,
            generated: OnceLock::new(),
        }
    }

    /// The model with the other schemas answers show its objects by (see [`Self::views`]).
    pub fn with_views(self, views: Vec<Value>) -> ObjectModel {
        ObjectModel { views, ..self }
    }

    /// The model with the seed new objects are generated with (the engine's, mixed with the
    /// resource's storage name): objects of this resource are made with it only.
    pub fn with_seed(self, seed: u64) -> ObjectModel {
        ObjectModel { seed, ..self }
    }

    /// A generated object for a new object to start from: one of [`GENERATED`] made from the
    /// schema with the model's seed (once), chosen by `pick` (a hash of the new object's key),
    /// so the same key always starts from the same one.
    pub fn generated(&self, document: &Value, pick: u64) -> Map<String, Value> {
        let objects = self.generated.get_or_init(|| {
            (0..GENERATED)
                .map(|i| {
                    let seed = self.seed.wrapping_add(i);
                    match generate(document, &self.schema, View::Response, seed, true) {
                        Value::Object(mut object) => {
                            self.fit_views(&mut object, document, seed);
                            object
                        }
                        _ => Map::new(),
                    }
                })
                .collect()
        });
        objects[(pick % GENERATED) as usize].clone()
    }

    /// Makes the generated scalar fields of `object` fit the other views too, where a value
    /// generated for a view's field fits the object's own: GitHub reads a gist as
    /// `gist-simple`, whose `comments_url` is any string, and lists it as `base-gist`, whose
    /// `comments_url` is a URI; a stored gist with words there broke every list.
    fn fit_views(&self, object: &mut Map<String, Value>, document: &Value, seed: u64) {
        let fits = |schema: &Value, value: &Value| {
            schema
                .as_object()
                .is_none_or(|s| fits_scalar_keywords(s, value))
        };
        for view in &self.views {
            for (name, property) in properties(view, document).iter() {
                let Some(value) = object.get(name) else {
                    continue;
                };
                let wanted = resolve(property, document);
                if fits(wanted, value) {
                    continue;
                }
                // Scalars only: an object or array is no scalar keyword's to judge. Where the
                // views disagree on the field's type (GitHub's gist `user`: a nullable string
                // in one, a nullable user object in the other), null may fit both.
                let mut made = generate(document, wanted, View::Response, seed, true);
                if made.is_object() || made.is_array() {
                    made = Value::Null;
                }
                let own = self.field(name).map(|f| &f.resolved);
                if fits(wanted, &made) && own.is_none_or(|own| fits(own, &made)) {
                    object.insert(name.to_string(), made);
                }
            }
        }
    }

    /// The property holding an optimistic-locking version, if one does.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The one field a request names in another case or separator: Twilio's forms send
    /// `FriendlyName` for the `friendly_name` its objects answer.
    fn field_written_as(&self, sent: &str) -> Option<&Field> {
        let wanted = plain_name(sent);
        let mut alike = self.fields.iter().filter(|f| plain_name(&f.name) == wanted);
        match (alike.next(), alike.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    /// The field that carries the key parameter `param`: one named like it; for the last
    /// key (the object's own id), else one named like its last word (GitHub's issues are read
    /// at `/issues/{issue_number}` by their `number`, beside an `id` of another kind), else
    /// `id`.
    /// The schema of the field that carries the last key `param`, where it says more of an
    /// id's shape (a `pattern` or `format`) than a path parameter may: Twilio's channels are
    /// read at `/Channels/{Sid}`, any string, and answer a `sid` of `^CH[0-9a-fA-F]{32}$`.
    pub fn id_field_schema(&self, param: &str) -> Option<&Value> {
        let field = self.key_field(param, true)?;
        let shaped =
            field.resolved.get("pattern").is_some() || field.resolved.get("format").is_some();
        shaped.then_some(&field.resolved)
    }

    fn key_field(&self, param: &str, is_last: bool) -> Option<&Field> {
        if let Some(field) = self.field(param) {
            return Some(field);
        }
        if !is_last {
            return None;
        }
        let word = key_word(param);
        (word != param)
            .then(|| self.field(&word))
            .flatten()
            .or_else(|| self.field("id"))
    }

    /// The key a request body names the object by, where the path does not (Swagger's
    /// petstore's `PUT /pet` carries the pet's `id`): the value of the field that carries
    /// the key parameter `param`.
    pub fn key_sent(&self, param: &str, data: &Map<String, Value>) -> Option<String> {
        let field = self.key_field(param, true)?;
        match data.get(&field.name)? {
            Value::String(text) if !text.is_empty() => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    }

    /// The id a client chose, in the request `data` of a create, for the object it creates,
    /// where the object says so: the value of its field named like the id parameter
    /// (`username` for `/users/{username}`), or, where the object has no field for its id at
    /// all, its name (DigitalOcean's tags, read at `/v2/tags/{tag_id}` by the name they were
    /// created with). An id parameter named as one (`id`, `tagId`, `tag_id`) is the server's
    /// to assign even where the client may write the field: clients send placeholders there
    /// (Swagger's petstore example creates every pet with `id: 0`). `None`: the server
    /// assigns the id.
    pub fn client_id(&self, param: &str, data: &Map<String, Value>) -> Option<Value> {
        let base = id_base(param);
        let field = match self.key_field(param, true) {
            Some(field) if field.name == param && param != "id" && base.is_none() => field,
            // `id`, or GitHub's `number` for `issue_number`: the server's to count.
            Some(_) => return None,
            None if base.is_some_and(|b| self.field(b).is_some()) => return None,
            None => NAME_FIELDS.iter().find_map(|name| self.field(name))?,
        };
        if field.not_from_client {
            return None;
        }
        match data.get(&field.name)? {
            Value::String(text) if text.is_empty() => None,
            value @ (Value::String(_) | Value::Number(_)) => Some(value.clone()),
            _ => None,
        }
    }
}

/// A name lower-cased without `_` and `-`: `FriendlyName`, `friendly_name` and
/// `friendly-name` are one.
pub fn plain_name(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What an id parameter names the id of: `organization` for `organizationId`,
/// `organizationID` or `organization_id`.
fn id_base(name: &str) -> Option<&str> {
    name.strip_suffix("Id")
        .or_else(|| name.strip_suffix("ID"))
        .or_else(|| name.strip_suffix("_id"))
}

/// Fields a client names an object by, where the object has no field for its id.
const NAME_FIELDS: &[&str] = &["name", "slug"];

fn is_type(schema: &Value, kind: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == kind,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == kind),
        _ => false,
    }
}

/// A client value made to fit the property's type, `resolved` being its schema through
/// `$ref`s (Kantata sends `department_id: 5` and returns `"5"`); values that cannot fit are
/// kept as sent.
fn fit(value: &Value, resolved: &Value, document: &Value) -> Value {
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

/// Copies the client's writable fields of `data` onto `object`. With `merge_patch`, null
/// removes a field (RFC 7396), but a required one that takes null is set to null (GitHub's
/// project `body`: removed, the project would break its schema), and nested objects merge.
pub fn apply_request(
    object: &mut Map<String, Value>,
    data: &Map<String, Value>,
    model: &ObjectModel,
    document: &Value,
    merge_patch: bool,
) {
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
        match (merge_patch, object.get_mut(name), &fitted) {
            (true, Some(Value::Object(existing)), Value::Object(incoming)) => {
                let nested_schema = field.map_or(Value::Bool(true), |f| f.resolved.clone());
                let nested = ObjectModel::new(nested_schema, document);
                apply_request(existing, incoming, &nested, document, true);
            }
            (false, Some(Value::Object(existing)), Value::Object(incoming)) => {
                let mut replaced = incoming.clone();
                if let Some(field) = field {
                    keep_required(&mut replaced, existing, &field.resolved, document, DEEPEST);
                }
                *existing = replaced;
            }
            _ => {
                object.insert(name.clone(), fitted);
            }
        }
    }
}

/// How deep [`keep_required`] goes into objects within objects.
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
