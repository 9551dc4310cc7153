//! The resource object's model, read once from its schema: its fields (which are the
//! server's, which are stamped, which carries each key), the objects new ones start from,
//! and the ids a client names objects by. `fill` writes into objects by it.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::contract::{
    PartCheck, ScalarCheck, Schemas, Stamp, View, branch_properties, fits_scalar_keywords,
    has_flag, key_carriers, properties, stamp_named, union_branches,
};
use crate::generate::generate;
use crate::validate::resolve;

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
    pub(super) fields: Vec<Field>,
    /// `additionalProperties: false`: fields the schema does not declare are not kept.
    pub(super) closed: bool,
    /// The property holding an optimistic-locking version, if one does.
    pub(super) version: Option<String>,
    /// Other schemas the resource's answers show its objects by (a list's items, a create's
    /// answer), whose fields may ask more of a value than the object's schema does.
    views: Vec<Value>,
    /// The seed the objects new ones start from are generated with (see
    /// [`ObjectModel::with_seed`]).
    seed: u64,
    /// Those objects, made at the first create (see [`ObjectModel::generated`]).
    generated: OnceLock<Vec<Map<String, Value>>>,
    /// The object's schema compiled, where it compiles on its own: what those objects are
    /// checked against.
    check: Option<PartCheck>,
}

/// How many generated objects new objects start from: enough that neighbours differ;
/// generating one per create was a ninth of its time.
const GENERATED: u64 = 16;

/// One declared property of an [`ObjectModel`].
pub(super) struct Field {
    pub(super) name: String,
    /// Required by the object's schema: a merge patch's null cannot remove it.
    pub(super) required: bool,
    /// The property's schema through `$ref`s (see [`resolve`]): the type client values fit.
    pub(super) resolved: Value,
    /// readOnly fields are the server's; writeOnly ones (a password, a card's code) are never
    /// answered (the response view forbids them: `false`), so neither is taken from a client.
    pub(super) not_from_client: bool,
    pub(super) stamp: Option<Stamp>,
    /// The property's scalar keywords, compiled for the first client value sent for it.
    check: OnceLock<ScalarCheck>,
    /// The property's whole schema, compiled for the first object or array sent for it.
    part: OnceLock<Option<PartCheck>>,
}

impl Field {
    /// What a client's scalar must fit to be stored here (see `fill::apply_request`).
    pub(super) fn scalar_check(&self) -> &ScalarCheck {
        self.check.get_or_init(|| ScalarCheck::new(&self.resolved))
    }

    /// What a client's object or array must fit to be stored here; `None` where the schema
    /// does not compile on its own.
    pub(super) fn part_check(&self, schemas: &Schemas) -> Option<&PartCheck> {
        self.part
            .get_or_init(|| schemas.part_check(View::Response, &self.resolved))
            .as_ref()
    }
}

impl ObjectModel {
    pub fn new(schema: Value, document: &Value) -> ObjectModel {
        // A `oneOf` of object kinds (ably's rules) has the fields of its branches.
        let props = branch_properties(&schema, document);
        let fields: Vec<Field> = props
            .iter()
            .map(|(name, property)| {
                let resolved = resolve(property, document);
                let stamp = (resolved.get("format").and_then(Value::as_str) == Some("date-time"))
                    .then(|| stamp_named(name))
                    .flatten();
                Field {
                    name: name.to_string(),
                    required: props.is_required(name),
                    resolved: resolved.clone(),
                    not_from_client: property == &Value::Bool(false)
                        || has_flag(document, property, "readOnly", 0)
                        || has_flag(document, property, "writeOnly", 0),
                    stamp,
                    check: OnceLock::new(),
                    part: OnceLock::new(),
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
            check: None,
        }
    }

    /// The model with its schema compiled (see [`Self::generated`]).
    pub fn with_check(self, check: Option<PartCheck>) -> ObjectModel {
        ObjectModel { check, ..self }
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
                .map(|i| self.make(document, self.seed.wrapping_add(i)))
                .collect()
        });
        objects[(pick % GENERATED) as usize].clone()
    }

    /// One object for new ones to start from, generated with the schema's own examples, or
    /// without them where one breaks the schema: an object's or array's example is taken
    /// whole by the generator, and files.com's form fields are exemplified as `[null]`,
    /// telnyx's billing group with `deleted_at: null` for a date-time string; every object
    /// made from such a start was remade on each answer.
    fn make(&self, document: &Value, seed: u64) -> Map<String, Value> {
        let one =
            |examples: bool| match generate(document, &self.schema, View::Response, seed, examples)
            {
                Value::Object(mut object) => {
                    self.fit_views(&mut object, document, seed);
                    Value::Object(object)
                }
                _ => Value::Object(Map::new()),
            };
        let mut made = one(true);
        if self
            .check
            .as_ref()
            .is_some_and(|check| !check.is_valid(&made))
        {
            made = one(false);
        }
        match made {
            Value::Object(object) => object,
            _ => Map::new(),
        }
    }

    /// Makes the generated scalar fields of `object` fit the other views too, where a value
    /// generated for a view's field fits the object's own: GitHub reads a gist as
    /// `gist-simple`, whose `comments_url` is any string, and lists it as `base-gist`, whose
    /// `comments_url` is a URI; a stored gist with words there broke every list. A field a
    /// view requires and the object lacks is added where the object can hold it (GoToMeeting
    /// reads a meeting without the `joinURL` its create's answer requires).
    fn fit_views(&self, object: &mut Map<String, Value>, document: &Value, seed: u64) {
        let fits = |schema: &Value, value: &Value| {
            schema
                .as_object()
                .is_none_or(|s| fits_scalar_keywords(s, value))
        };
        for view in &self.views {
            let declared = properties(view, document);
            for name in declared.required() {
                if object.contains_key(name) || (self.closed && self.field(name).is_none()) {
                    continue;
                }
                let wanted = declared.get(name).unwrap_or(&Value::Bool(true));
                let made = generate(document, wanted, View::Response, seed, true);
                let own = self.field(name).map(|f| &f.resolved);
                if own.is_none_or(|own| fits(own, &made)) {
                    object.insert(name.to_string(), made);
                }
            }
            for (name, property) in declared.iter() {
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

    pub(super) fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The one field a request names in another case or separator: Twilio's forms send
    /// `FriendlyName` for the `friendly_name` its objects answer.
    pub(super) fn field_written_as(&self, sent: &str) -> Option<&Field> {
        let wanted = plain_name(sent);
        let mut alike = self.fields.iter().filter(|f| plain_name(&f.name) == wanted);
        match (alike.next(), alike.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    /// The schema of the field that carries the last key `param`, where it says more of an
    /// id's shape (a `pattern` or `format`, or branches of `anyOf`/`oneOf` that do) than a
    /// path parameter may: Twilio's channels are read at `/Channels/{Sid}`, any string, and
    /// answer a `sid` of `^CH[0-9a-fA-F]{32}$`; Lucidtech's transitions, a `transitionId` of
    /// one of two patterns.
    pub fn id_field_schema(&self, param: &str) -> Option<&Value> {
        let field = self.key_field(param, true)?;
        // A length of at least two also shapes it: a sequence number starts too short
        // (SendGrid's list ids are strings of 36 characters, with no pattern).
        let shaped = |schema: &Value| {
            schema.get("pattern").is_some()
                || schema.get("format").is_some()
                || schema
                    .get("minLength")
                    .and_then(Value::as_u64)
                    .is_some_and(|least| least > 1)
        };
        let branches_shaped = union_branches(&field.resolved).iter().any(shaped);
        (shaped(&field.resolved) || branches_shaped).then_some(&field.resolved)
    }

    /// The field that carries the key parameter `param`: one named like it; for the last
    /// key (the object's own id), else one named like its last word (GitHub's issues are read
    /// at `/issues/{issue_number}` by their `number`, beside an `id` of another kind), else
    /// `id`.
    pub(super) fn key_field(&self, param: &str, is_last: bool) -> Option<&Field> {
        if let Some(field) = self.field(param) {
            return Some(field);
        }
        if !is_last {
            return None;
        }
        key_carriers(param).iter().find_map(|name| self.field(name))
    }

    /// The key a request body names the object by, where the path does not (Swagger's
    /// petstore's `PUT /pet` carries the pet's `id`): the value of the field that carries
    /// the key parameter `param`.
    pub fn key_sent(&self, param: &str, data: &Map<String, Value>) -> Option<String> {
        let field = self.key_field(param, true)?;
        match sent_id(data.get(&field.name)?)? {
            Value::String(text) => Some(text.clone()),
            number => Some(number.to_string()),
        }
    }

    /// The id a client chose, in the request `data` of a create, for the object it creates,
    /// where the object says so: the value of its field named like the id parameter
    /// (`username` for `/users/{username}`), or, where the object has no field for its id at
    /// all, its identifier or name (Akeneo's products, read at `/products/{code}` by their
    /// `identifier`; DigitalOcean's tags, read at `/v2/tags/{tag_id}` by the name they were
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
        sent_id(data.get(&field.name)?).cloned()
    }
}

/// A value a client sent that can be an id: a string that is not empty, or a number.
fn sent_id(value: &Value) -> Option<&Value> {
    match value {
        Value::String(text) if text.is_empty() => None,
        Value::String(_) | Value::Number(_) => Some(value),
        _ => None,
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
pub(super) fn id_base(name: &str) -> Option<&str> {
    name.strip_suffix("Id")
        .or_else(|| name.strip_suffix("ID"))
        .or_else(|| name.strip_suffix("_id"))
}

/// Fields a client names an object by, where the object has no field for its id.
const NAME_FIELDS: &[&str] = &["identifier", "name", "slug"];

pub(super) fn is_type(schema: &Value, kind: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == kind,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == kind),
        _ => false,
    }
}
