//! What a stateful request does to the session's objects: reads, creates, updates, deletes
//! and lists them, under the session's lock, and says what it did as an [`Outcome`].

use serde_json::{Map, Value};

use super::call::StatefulCall;
use super::fill::{apply_request, set_ids, stamp, whole_numbers_as_integers};
use super::listing;
use super::objects::ObjectModel;
use super::outcome::{Answered, Made, Outcome};
use crate::contract::{Action, SchemaId, View, fits_scalar_keywords, union_branches};
use crate::generate::{generate, generate_valid_dynamic};
use crate::mock::cache::stable_hash;
use crate::mock::choice::{declares, declares_not_found};
use crate::mock::generated::GeneratedValues;
use crate::state::{Key, Session};
use crate::validate::resolve;

/// What changes a session: the engine's seed and the time stamped on objects.
pub struct Change<'a> {
    pub seed: u64,
    pub now: &'a str,
    /// The resource object's schema and what building objects needs of it (see `answers`).
    pub object: &'a ObjectModel,
    /// The engine's generated values, which tell whether a declared answer can be sent.
    pub generated: &'a GeneratedValues,
}

impl Change<'_> {
    /// Whether the operation declares an answer for a missing object that can be sent (see
    /// [`declares_not_found`]): asked only where an object is missing, as it costs a lookup.
    fn not_found_declared(&self, call: &StatefulCall<'_>) -> bool {
        declares_not_found(call.api, call.operation, self.generated)
    }
}

/// What a read or a list answers with, from `session` as it is; `status` is the operation's
/// chosen success status. `None` when answering is a change: an id never seen that stands
/// for an object (see [`needs_stand_in`]), which [`apply`] makes.
pub fn read(
    change: &Change<'_>,
    call: &StatefulCall<'_>,
    session: &dyn Session,
    status: u16,
) -> Option<Outcome> {
    let storage = call.storage();
    if call.binding.action == Action::List {
        let (page, slice) = listing::page(call, session.count(&storage), session.ordered(&storage));
        let texts = slice
            .into_iter()
            .map(|(key, text)| (key.last().cloned().unwrap_or_default(), text.into()))
            .collect();
        return Some(Outcome::Many(status, page, texts));
    }
    let Some(key) = call.key() else {
        return Some(Outcome::NotFound);
    };
    if needs_stand_in(change, call, session, &storage, &key) {
        return None;
    }
    Some(match session.get(&storage, &key) {
        Some(object) => Outcome::One(status, Answered::read(key, object)),
        None => Outcome::NotFound,
    })
}

/// Applies a change (create, replace, merge, upsert, delete) of `call` to `session`; `status`
/// is the operation's chosen success status. `None` when the contract answers instead (a
/// DELETE repeated where no 404 is declared).
pub fn apply(
    change: &Change<'_>,
    call: &StatefulCall<'_>,
    session: &mut dyn Session,
    status: u16,
) -> Option<Outcome> {
    let storage = call.storage();
    if let Some(key) = call.key()
        && needs_stand_in(change, call, &*session, &storage, &key)
    {
        let made = stand_in(change, call, &key);
        session.put(&storage, key, &made);
    }
    let outcome = match call.binding.action {
        // The stand-in, if one was needed, is stored by now.
        Action::Read | Action::List => read(change, call, &*session, status)?,
        Action::Delete => {
            let key = call.key()?;
            match session.remove(&storage, &key) {
                Some(object) => Outcome::One(status, Answered::read(key, object)),
                // Deleting again what this session deleted, where no 404 is declared: DELETE
                // is idempotent, and the contract's answer says nothing false.
                None if session.was_deleted(&storage, &key) && !change.not_found_declared(call) => {
                    return None;
                }
                None => Outcome::NotFound,
            }
        }
        Action::Replace | Action::Merge | Action::Upsert => {
            let key = call.key()?;
            match session.get_value(&storage, &key) {
                Some(existing) => match update(change, call, existing) {
                    Ok(updated) => {
                        let object = session.put(&storage, key.clone(), &updated.value);
                        // An upsert that updates answers with its 200.
                        let status = if call.binding.action == Action::Upsert
                            && declares(call.operation, 200)
                        {
                            200
                        } else {
                            status
                        };
                        Outcome::One(status, Answered::made(key, object, updated))
                    }
                    Err(conflict) => Outcome::Conflict(conflict),
                },
                None if call.binding.action == Action::Upsert => {
                    let created = create(change, call, &key);
                    let object = session.put(&storage, key.clone(), &created.value);
                    let status = if declares(call.operation, 201) {
                        201
                    } else {
                        status
                    };
                    Outcome::Created(status, Answered::made(key, object, created))
                }
                // A PUT of an object deleted in this session, where no 404 is declared: PUT
                // creates what it names (RFC 9110, 9.3.4), so the answer stays declared.
                None if call.binding.action == Action::Replace
                    && !change.not_found_declared(call) =>
                {
                    let created = create(change, call, &key);
                    let object = session.put(&storage, key.clone(), &created.value);
                    Outcome::One(status, Answered::made(key, object, created))
                }
                None => Outcome::NotFound,
            }
        }
        Action::Create => {
            let data = request_data(call);
            let key = match client_key(change, call, &data) {
                Some(key)
                    if session.contains(&storage, &key)
                        && call.operation.declares_answer_for(409) =>
                {
                    return Some(Outcome::Conflict(format!(
                        "a {} {} exists already",
                        call.resource().one(),
                        key.join("/")
                    )));
                }
                // Elsewhere a create of a name in use replaces what had it: the last write
                // wins, as it does for a PUT.
                Some(key) => key,
                None => new_key(change, call, session, &storage),
            };
            let created = made(change, call, &key, &data);
            let object = session.put(&storage, key.clone(), &created.value);
            Outcome::Created(status, Answered::made(key, object, created))
        }
    };
    Some(outcome)
}

/// Whether a read, update or delete of `key`, which is not stored, is answered as the
/// contract would answer it for an existing object, where the key was not deleted in this
/// session (a deleted object stays gone) and either the operation declares no answer for a
/// missing one (no 404, `4XX` or `default`), so a 404 would break the contract, or no
/// operation makes objects of the resource (Stoplight's exports, read at
/// `/versions/{versionId}/export/{format}`): every one a client can name is one the API
/// holds, and a 404 for each would leave the operation nothing else to answer.
fn needs_stand_in(
    change: &Change<'_>,
    call: &StatefulCall<'_>,
    session: &dyn Session,
    storage: &str,
    key: &Key,
) -> bool {
    matches!(
        call.binding.action,
        Action::Read | Action::Replace | Action::Merge | Action::Delete
    ) && !session.contains(storage, key)
        && !session.was_deleted(storage, key)
        && (!call.resource().creatable || !change.not_found_declared(call))
}

/// The object an id never seen stands for: generated from the resource's schema with a seed
/// from the id (the same id gives the same object), its ids set from the key.
fn stand_in(change: &Change<'_>, call: &StatefulCall<'_>, key: &Key) -> Value {
    made(change, call, key, &Map::new()).value
}

/// The request body as an object, unwrapped from a single-property envelope such as
/// Kantata's `{organization_membership: {...}}`.
pub(super) fn request_data(call: &StatefulCall<'_>) -> Map<String, Value> {
    // Parsed once: by the request's validation when it ran, else here. Cloned once, the
    // part kept only (cloning the body and then its inside was 1 % of a create).
    let parsed;
    let data = match call.body_value {
        Some(Value::Object(data)) => data,
        Some(_) => return Map::new(),
        None => {
            parsed = serde_json::from_slice::<Value>(&call.request.body);
            match &parsed {
                Ok(Value::Object(data)) => data,
                _ => return Map::new(),
            }
        }
    };
    let mut kept = match &call.binding.body_wrapper {
        Some(wrapper) if data.len() == 1 => match data.get(wrapper) {
            Some(Value::Object(inner)) => inner.clone(),
            _ => data.clone(),
        },
        _ => data.clone(),
    };
    kept.values_mut().for_each(whole_numbers_as_integers);
    kept
}

fn create(change: &Change<'_>, call: &StatefulCall<'_>, key: &Key) -> Made {
    made(change, call, key, &request_data(call))
}

/// A new object: generated from the resource's schema with a seed from its key, the client's
/// writable fields of `data` over it, its ids, created/updated stamps and first version set.
fn made(
    change: &Change<'_>,
    call: &StatefulCall<'_>,
    key: &Key,
    data: &Map<String, Value>,
) -> Made {
    let document = call.document();
    let model = change.object;
    let mut object = model.generated(document, stable_hash(&[&key.join("/")]));
    let not_stored = apply_request(&mut object, data, model, &call.api.schemas, false);
    set_ids(&mut object, &call.resource().keys, key, model, document);
    stamp(&mut object, model, change.now, true);
    Made {
        value: Value::Object(object),
        not_stored,
    }
}

fn update(change: &Change<'_>, call: &StatefulCall<'_>, existing: Value) -> Result<Made, String> {
    let document = call.document();
    let model = change.object;
    let Value::Object(mut object) = existing else {
        return Ok(Made {
            value: existing,
            not_stored: Vec::new(),
        });
    };
    let data = request_data(call);
    // A stale version is refused only where the contract declares the refusal (409, 4XX or
    // default); elsewhere the last write wins, as it does without optimistic locking.
    if let Some(field) = model.version()
        && call.operation.declares_answer_for(409)
        && let Some(sent) = data.get(field)
        && object.get(field) != Some(sent)
    {
        return Err(format!(
            "{field} {sent} is stale: the stored {} is at {}",
            call.resource().one(),
            object.get(field).cloned().unwrap_or(Value::Null)
        ));
    }
    let merge = call.binding.action == Action::Merge;
    let not_stored = apply_request(&mut object, &data, model, &call.api.schemas, merge);
    let key = call.key().unwrap_or_default();
    set_ids(&mut object, &call.resource().keys, &key, model, document);
    stamp(&mut object, model, change.now, false);
    Ok(Made {
        value: Value::Object(object),
        not_stored,
    })
}

/// The key of the object a create makes, where its client chose the id (see
/// [`ObjectModel::client_id`]) and the id fits the id parameter's schema.
fn client_key(
    change: &Change<'_>,
    call: &StatefulCall<'_>,
    data: &Map<String, Value>,
) -> Option<Key> {
    let keys = &call.resource().keys;
    let chosen = change.object.client_id(keys.last()?, data)?;
    if let Some(id) = call.resource().id_schema
        && !call.api.schemas.is_valid(id, &chosen)
        && !call
            .api
            .schemas
            .is_valid(id, &Value::String(text_of(&chosen)))
    {
        return None;
    }
    let mut key: Key = keys[..keys.len() - 1]
        .iter()
        .map(|k| call.param(k).unwrap_or_default().to_string())
        .collect();
    key.push(text_of(&chosen));
    Some(key)
}

/// A string or number as the text it stands for in a path.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A fresh key: path parameters of the collection, then a server-assigned id that fits the
/// id parameter's schema (integer sequence, uuid, pattern such as a cuid).
fn new_key(
    change: &Change<'_>,
    call: &StatefulCall<'_>,
    session: &mut dyn Session,
    storage: &str,
) -> Key {
    let keys = &call.resource().keys;
    let mut key: Key = keys[..keys.len() - 1]
        .iter()
        .map(|k| call.param(k).unwrap_or_default().to_string())
        .collect();
    let id_schema = call.resource().id_schema;
    let field_schema = keys.last().and_then(|k| change.object.id_field_schema(k));
    for _ in 0..1000 {
        let n = session.next_id(storage);
        let id = id_value(change.seed, call, id_schema, n)
            .or_else(|| field_shaped_id(change.seed, call, field_schema, n))
            .unwrap_or_else(|| n.to_string());
        let mut candidate = key.clone();
        candidate.push(id);
        if !session.contains(storage, &candidate) {
            return candidate;
        }
    }
    key.push(format!("{}", session.next_id(storage)));
    key
}

/// The `n`th integer id (from 1): counted up from the parameter's minimum (1 when lower),
/// and round again within its maximum, so that every created object can be read by its id
/// (Swagger's petstore declares order ids 1 to 10). [`new_key`] skips the ids in use.
fn integer_id(schema: &Value, n: u64) -> i128 {
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    let minimum = bound("minimum")
        .map(|x| x.ceil() as i128)
        .or(bound("exclusiveMinimum").map(|x| x.floor() as i128 + 1));
    let maximum = bound("maximum")
        .map(|x| x.floor() as i128)
        .or(bound("exclusiveMaximum").map(|x| x.ceil() as i128 - 1));
    let mut first = minimum.map_or(1, |m| m.max(1));
    if let Some(last) = maximum
        && last < first
    {
        first = minimum.unwrap_or(last);
    }
    let offset = i128::from(n.max(1) - 1);
    match maximum {
        Some(last) if last >= first => first + offset % (last - first + 1),
        _ => first + offset,
    }
}

/// The `n`th server-assigned id, shaped by the id parameter's schema; `None` where that says
/// nothing of its shape (a plain string).
fn id_value(
    seed: u64,
    call: &StatefulCall<'_>,
    schema: Option<SchemaId>,
    n: u64,
) -> Option<String> {
    let id = schema?;
    let schemas = &call.api.schemas;
    let node = resolve(schemas.node(id), schemas.document(View::Request));
    let kind = node.get("type").and_then(Value::as_str).unwrap_or("string");
    if kind == "integer" || kind == "number" {
        return Some(integer_id(node, n).to_string());
    }
    if node.get("format").is_some() || node.get("pattern").is_some() {
        let seed = seed ^ stable_hash(&[&call.storage(), &n.to_string()]);
        let generated = generate_valid_dynamic(schemas, id, seed);
        if let Value::String(s) = generated.unwrap_or_else(|failed| failed.best) {
            return Some(s);
        }
    }
    None
}

/// The `n`th server-assigned id shaped by the schema of the field that carries it (see
/// [`ObjectModel::id_field_schema`]), where it fits that schema.
fn field_shaped_id(
    seed: u64,
    call: &StatefulCall<'_>,
    schema: Option<&Value>,
    n: u64,
) -> Option<String> {
    let schema = schema?;
    let seed = seed ^ stable_hash(&[&call.storage(), &n.to_string()]);
    let document = call.document();
    let fits = |schema: &Value, id: &Value| {
        schema
            .as_object()
            .is_some_and(|s| fits_scalar_keywords(s, id))
    };
    let id = generate(document, schema, View::Response, seed, false);
    // Of a union of shapes (Lucidtech's two id patterns), one must take it.
    let branches = union_branches(schema);
    let fits_a_branch = branches.is_empty() || branches.iter().any(|b| fits(b, &id));
    match &id {
        Value::String(text) if fits(schema, &id) && fits_a_branch => Some(text.clone()),
        _ => None,
    }
}
