//! Answers of operations bound to an inferred resource (see `contract::resources`): they read
//! and change the session's stored objects, and their bodies are shaped by each operation's
//! own response schema.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::envelope::Envelope;
use super::listing;
use super::objects::{apply_request, properties, set_ids, stamp, version_field};
use super::reject::error_response;
use super::shape::{Page, Shape, SlotKind, empty_side_maps, object_schema_in, shape_of};
use super::{Engine, MockRequest, MockResponse, choose_response, negotiate, render, stable_hash};
use crate::contract::{
    Action, Binding, CompiledApi, Operation, ParameterLocation, Resource, SchemaId, View,
};
use crate::generate::{generate, generate_valid};
use crate::state::{Key, SessionData, SessionHandle};
use crate::validate::{declared_response, resolve};
use crate::violation::Violation;

/// Everything one stateful answer needs.
pub struct Exchange<'a> {
    pub api: &'a CompiledApi,
    pub operation: &'a Operation,
    pub binding: &'a Binding,
    pub request: &'a MockRequest,
    /// Path parameters, percent-decoded.
    pub params: Vec<(String, String)>,
}

impl Exchange<'_> {
    pub(super) fn resource(&self) -> &Resource {
        &self.api.api.resources[self.binding.resource]
    }

    /// The name objects are stored under in a session.
    fn storage(&self) -> String {
        storage_name(&self.api.api.name, self.resource())
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn key(&self) -> Option<Key> {
        self.resource()
            .keys
            .iter()
            .map(|k| self.param(k).map(str::to_string))
            .collect()
    }

    fn document(&self) -> &Value {
        self.api.schemas.document(View::Response)
    }
}

/// The name a resource's objects are stored under in a session (`kantata:/x/{id}`): what
/// `GET /__understudy/state` shows and `--fixtures` uses.
pub(super) fn storage_name(api_name: &str, resource: &Resource) -> String {
    format!("{api_name}:{}", resource.item_path)
}

impl Engine {
    /// The stateful answer, or `None` when this exchange is better answered statelessly (a
    /// non-JSON representation was asked for, or the operation says nothing usable).
    pub(super) fn stateful(
        &self,
        exchange: &Exchange<'_>,
        handle: &SessionHandle,
    ) -> Option<MockResponse> {
        let (_, status) = choose_response(exchange.operation, None)?;
        let object_schema = self.cached_object_schema(exchange);
        let storage = exchange.storage();
        let now = self.options.clock.now();
        // The session is locked while its data is read and changed, not while the answer is
        // rendered, so concurrent requests of one session wait as little as possible.
        let mut guard = handle.lock();
        let session: &mut SessionData = &mut guard;
        let outcome = match exchange.binding.action {
            Action::Read => match exchange
                .key()
                .and_then(|key| session.get(&storage, &key).map(|o| (key, o)))
            {
                Some((key, stored)) => Outcome::One(
                    status,
                    Answered {
                        key,
                        text: stored.text.to_string(),
                        checked: stored.checked,
                        kept: true,
                    },
                ),
                None => Outcome::NotFound,
            },
            Action::Delete => match exchange
                .key()
                .and_then(|key| session.remove(&storage, &key).map(|o| (key, o)))
            {
                Some((key, text)) => Outcome::One(status, Answered::gone(key, text.into())),
                None => Outcome::NotFound,
            },
            Action::Replace | Action::Merge | Action::Upsert => {
                let key = exchange.key()?;
                match session.get_value(&storage, &key) {
                    Some(existing) => {
                        match self.update(exchange, &object_schema, existing, &now) {
                            Ok(updated) => {
                                let text = session.put(&storage, key.clone(), &updated);
                                // An upsert that updates answers with its 200.
                                let status = if exchange.binding.action == Action::Upsert {
                                    self.status_for_update(exchange).unwrap_or(status)
                                } else {
                                    status
                                };
                                Outcome::One(status, Answered::fresh(key, text))
                            }
                            Err(conflict) => Outcome::Conflict(conflict),
                        }
                    }
                    None if exchange.binding.action == Action::Upsert => {
                        let object = self.create(exchange, &object_schema, &key, &now);
                        let text = session.put(&storage, key.clone(), &object);
                        let status = self.status_for_create(exchange).unwrap_or(status);
                        Outcome::Created(status, Answered::fresh(key, text))
                    }
                    None => Outcome::NotFound,
                }
            }
            Action::Create => {
                let key = self.new_key(exchange, session, &storage);
                let object = self.create(exchange, &object_schema, &key, &now);
                let text = session.put(&storage, key.clone(), &object);
                Outcome::Created(status, Answered::fresh(key, text))
            }
            Action::List => {
                let matching =
                    listing::matching(exchange, session.list_texts(&storage).into_iter());
                let (page, slice) = listing::paginate(exchange, &matching);
                let texts = slice
                    .into_iter()
                    .map(|(key, text)| (key.last().cloned().unwrap_or_default(), text.into()))
                    .collect();
                Outcome::Many(status, page, texts)
            }
        };
        drop(guard);
        let answer = self.render(exchange, &outcome, &object_schema);
        // An answer made from a stored object passed its check: remember it for that
        // version of the object (see `Stored::checked`).
        if let Some((tag, stored)) = answer
            .as_ref()
            .and_then(|a| a.checked.zip(outcome.stored()))
            && stored.checked != tag
            && stored.kept
        {
            handle
                .lock()
                .mark_checked(&storage, &stored.key, &stored.text, tag);
        }
        answer.map(|a| a.response)
    }

    /// [`Self::object_schema`], worked out once per resource.
    fn cached_object_schema(&self, exchange: &Exchange<'_>) -> Arc<Value> {
        let key = (exchange.api.index, exchange.binding.resource);
        if let Some(found) = self
            .object_schemas
            .read()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return found;
        }
        let schema = Arc::new(self.object_schema(exchange).unwrap_or(Value::Bool(true)));
        if let Ok(mut cache) = self.object_schemas.write() {
            cache.insert(key, schema.clone());
        }
        schema
    }

    /// How answers with the response schema `id` are written for this exchange's operation,
    /// worked out once: where the resource sits, and the envelope around it (generated with
    /// the operation's fixed seed) as text with holes.
    fn form(&self, exchange: &Exchange<'_>, id: SchemaId, object_schema: &Value) -> Arc<Form> {
        let seed = self.options.seed ^ stable_hash(&[&exchange.operation.id, "envelope"]);
        let key = (exchange.api.index, exchange.binding.resource, id, seed);
        if let Some(found) = self.forms.read().ok().and_then(|c| c.get(&key).cloned()) {
            return found;
        }
        let shape = shape_of(
            exchange.api.schemas.node(id),
            exchange.document(),
            &exchange.resource().name,
            object_schema,
        );
        let envelope = match &shape {
            Shape::Envelope { slot, .. } => {
                let schemas = &exchange.api.schemas;
                let generated = generate_valid(schemas, id, seed, true);
                let mut template = generated.clone();
                empty_side_maps(&mut template, schemas.node(id), exchange.document(), slot);
                // Emptied only where the schema allows it (no `minProperties`, say).
                let template = if schemas.is_valid(id, &template) {
                    template
                } else {
                    generated
                };
                Some(Envelope::new(&template, slot))
            }
            Shape::Bare | Shape::Array => None,
        };
        let Ok(mut cache) = self.forms.write() else {
            return Arc::new(Form {
                shape,
                envelope,
                tag: 0,
            });
        };
        // Tags are never reused: a check mark made for one form never vouches for another.
        let tag = cache.len() as u32 + 1;
        cache
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Form {
                    shape,
                    envelope,
                    tag,
                })
            })
            .clone()
    }

    /// The resource object's schema, from the 2xx JSON schema of its operations: the read
    /// first, then create, replace, upsert, merge and list.
    fn object_schema(&self, exchange: &Exchange<'_>) -> Option<Value> {
        let api = &exchange.api.api;
        let order = [
            Action::Read,
            Action::Create,
            Action::Replace,
            Action::Upsert,
            Action::Merge,
            Action::List,
        ];
        order.iter().find_map(|wanted| {
            api.operations
                .iter()
                .zip(&api.bindings)
                .find_map(|(operation, binding)| {
                    binding.as_ref().filter(|b| {
                        b.resource == exchange.binding.resource && b.action == *wanted
                    })?;
                    let (index, _) = choose_response(operation, None)?;
                    let id = operation.responses[index]
                        .content
                        .iter()
                        .find(|m| render::is_json(&m.media_type))?
                        .schema?;
                    let schema = exchange.api.schemas.node(id);
                    Some(object_schema_in(
                        schema,
                        exchange.document(),
                        &exchange.resource().name,
                        *wanted == Action::List,
                    ))
                })
        })
    }

    fn status_for_create(&self, exchange: &Exchange<'_>) -> Option<u16> {
        exchange
            .operation
            .responses
            .iter()
            .any(|r| r.status == crate::contract::StatusKey::Code(201))
            .then_some(201)
    }

    fn status_for_update(&self, exchange: &Exchange<'_>) -> Option<u16> {
        exchange
            .operation
            .responses
            .iter()
            .any(|r| r.status == crate::contract::StatusKey::Code(200))
            .then_some(200)
    }

    /// The request body as an object, unwrapped from a single-property envelope such as
    /// Kantata's `{organization_membership: {...}}`.
    fn request_data(&self, exchange: &Exchange<'_>) -> Map<String, Value> {
        let Ok(Value::Object(data)) = serde_json::from_slice::<Value>(&exchange.request.body)
        else {
            return Map::new();
        };
        let request_schema = exchange
            .operation
            .request_body
            .as_ref()
            .and_then(|b| b.content.iter().find(|m| render::is_json(&m.media_type)))
            .and_then(|m| m.schema)
            .map(|id| exchange.api.schemas.node(id));
        if let Some(schema) = request_schema {
            let document = exchange.api.schemas.document(View::Request);
            let props = properties(schema, document);
            if props.len() == 1
                && data.len() == 1
                && let Some((name, Value::Object(inner))) = data.iter().next()
                && props.get(name).is_some()
                && exchange.resource().name.trim_end_matches('s') == name.trim_end_matches('s')
            {
                return inner.clone();
            }
        }
        data
    }

    fn create(&self, exchange: &Exchange<'_>, schema: &Value, key: &Key, now: &str) -> Value {
        let document = exchange.document();
        let seed = self.options.seed ^ stable_hash(&[&exchange.storage(), &key.join("/")]);
        let mut object = match generate(document, schema, View::Response, seed, true) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        apply_request(
            &mut object,
            &self.request_data(exchange),
            schema,
            document,
            false,
        );
        set_ids(
            &mut object,
            &exchange.resource().keys,
            key,
            schema,
            document,
        );
        let version = version_field(schema, document);
        stamp(&mut object, schema, document, now, true, version.as_deref());
        Value::Object(object)
    }

    fn update(
        &self,
        exchange: &Exchange<'_>,
        schema: &Value,
        existing: Value,
        now: &str,
    ) -> Result<Value, String> {
        let document = exchange.document();
        let Value::Object(mut object) = existing else {
            return Ok(existing);
        };
        let data = self.request_data(exchange);
        let version = version_field(schema, document);
        if let Some(field) = &version
            && let Some(sent) = data.get(field)
            && object.get(field) != Some(sent)
        {
            return Err(format!(
                "{field} {sent} is stale: the stored {} is at {}",
                exchange.resource().name.trim_end_matches('s'),
                object.get(field).cloned().unwrap_or(Value::Null)
            ));
        }
        apply_request(
            &mut object,
            &data,
            schema,
            document,
            exchange.binding.action == Action::Merge,
        );
        let key = exchange.key().unwrap_or_default();
        set_ids(
            &mut object,
            &exchange.resource().keys,
            &key,
            schema,
            document,
        );
        stamp(
            &mut object,
            schema,
            document,
            now,
            false,
            version.as_deref(),
        );
        Ok(Value::Object(object))
    }

    /// A fresh key: path parameters of the collection, then a server-assigned id that fits
    /// the id parameter's schema (integer sequence, uuid, pattern such as a cuid).
    fn new_key(&self, exchange: &Exchange<'_>, session: &mut SessionData, storage: &str) -> Key {
        let keys = &exchange.resource().keys;
        let mut key: Key = keys[..keys.len() - 1]
            .iter()
            .map(|k| exchange.param(k).unwrap_or_default().to_string())
            .collect();
        let id_name = &keys[keys.len() - 1];
        let id_schema = self.key_schema(exchange, id_name);
        for _ in 0..1000 {
            let n = session.next_id(storage);
            let id = self.id_value(exchange, id_schema, n);
            let mut candidate = key.clone();
            candidate.push(id);
            if !session.contains(storage, &candidate) {
                return candidate;
            }
        }
        key.push(format!("{}", session.next_id(storage)));
        key
    }

    fn key_schema(&self, exchange: &Exchange<'_>, name: &str) -> Option<crate::contract::SchemaId> {
        let api = &exchange.api.api;
        api.operations
            .iter()
            .zip(&api.bindings)
            .filter(|(_, b)| {
                b.as_ref()
                    .is_some_and(|b| b.resource == exchange.binding.resource)
            })
            .flat_map(|(op, _)| &op.parameters)
            .find(|p| p.location == ParameterLocation::Path && p.name == name)
            .and_then(|p| p.schema)
    }

    fn id_value(
        &self,
        exchange: &Exchange<'_>,
        schema: Option<crate::contract::SchemaId>,
        n: u64,
    ) -> String {
        let Some(id) = schema else {
            return n.to_string();
        };
        let schemas = &exchange.api.schemas;
        let node = resolve(schemas.node(id), schemas.document(View::Request));
        let kind = node.get("type").and_then(Value::as_str).unwrap_or("string");
        if kind == "integer" || kind == "number" {
            let minimum = node.get("minimum").and_then(Value::as_u64).unwrap_or(0);
            return (n + minimum.saturating_sub(1)).to_string();
        }
        if node.get("format").is_some() || node.get("pattern").is_some() {
            let seed = self.options.seed ^ stable_hash(&[&exchange.storage(), &n.to_string()]);
            if let Value::String(s) = generate_valid(schemas, id, seed, false) {
                return s;
            }
        }
        n.to_string()
    }

    /// The answer for `outcome`, shaped by the schema of the response declared for its status;
    /// `None` when the client accepts no JSON representation of it.
    fn render(
        &self,
        exchange: &Exchange<'_>,
        outcome: &Outcome,
        object_schema: &Value,
    ) -> Option<Rendered> {
        let resource_name = exchange.resource().name.trim_end_matches('s').to_string();
        // The objects answered, as (id, compact JSON text).
        let (status, key, items, mut page): (u16, Option<&Key>, Vec<(String, &str)>, Page) =
            match outcome {
                Outcome::NotFound => {
                    let key = exchange.key().unwrap_or_default().join("/");
                    let violation = Violation {
                        location: vec![
                            "request".into(),
                            "path".into(),
                            exchange.resource().keys.last().cloned().unwrap_or_default(),
                        ],
                        instance_path: String::new(),
                        schema_path: String::new(),
                        keyword: "not_found".into(),
                        message: format!("No {resource_name} {key} exists"),
                    };
                    return Some(Rendered::unchecked(error_response(
                        exchange.api,
                        exchange.operation,
                        &[404],
                        "NOT_FOUND",
                        &[&violation],
                        self.options.seed,
                    )));
                }
                Outcome::Conflict(message) => {
                    let violation = Violation {
                        location: vec!["request".into(), "body".into()],
                        instance_path: String::new(),
                        schema_path: String::new(),
                        keyword: "conflict".into(),
                        message: message.clone(),
                    };
                    return Some(Rendered::unchecked(error_response(
                        exchange.api,
                        exchange.operation,
                        &[409],
                        "CONFLICT",
                        &[&violation],
                        self.options.seed,
                    )));
                }
                Outcome::One(status, answered) | Outcome::Created(status, answered) => {
                    let id = answered.key.last().cloned().unwrap_or_default();
                    let page = Page {
                        total: 1,
                        count: 1,
                        // The one page there is, not a generated page number beside a
                        // page count of 1.
                        page_number: Some(1),
                        offset: Some(0),
                        ..Page::default()
                    };
                    (
                        *status,
                        Some(&answered.key),
                        vec![(id, answered.text.as_str())],
                        page,
                    )
                }
                Outcome::Many(status, page, texts) => (
                    *status,
                    None,
                    texts
                        .iter()
                        .map(|(id, text)| (id.clone(), text.as_str()))
                        .collect(),
                    page.clone(),
                ),
            };
        let declared = declared_response(exchange.operation, status)?;
        let media_types: Vec<&str> = declared
            .content
            .iter()
            .map(|m| m.media_type.as_str())
            .collect();
        let media = if media_types.is_empty() {
            None
        } else {
            let index = negotiate::choose(&media_types, exchange.request.header("accept"))?;
            Some(&declared.content[index]).filter(|m| render::is_json(&m.media_type))
        };
        let schema_id = media.and_then(|m| m.schema);
        let form = schema_id.map(|id| self.form(exchange, id, object_schema));
        let mut response = MockResponse {
            status,
            ..MockResponse::default()
        };
        response.headers = self.response_headers(exchange.api, exchange.operation, declared);
        listing::set_count_headers(&mut response.headers, &page);
        if status == 201
            && let Some(key) = &key
            && declared
                .headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("location"))
        {
            let mut path = format!(
                "{}{}",
                exchange.api.api.mount,
                exchange.resource().item_path
            );
            for (name, value) in exchange.resource().keys.iter().zip(key.iter()) {
                path = path.replace(
                    &format!("{{{name}}}"),
                    &percent_encoding::utf8_percent_encode(
                        value,
                        percent_encoding::NON_ALPHANUMERIC,
                    )
                    .to_string(),
                );
            }
            let host = exchange.request.header("host").unwrap_or("localhost");
            response.headers.retain(|(n, _)| n != "location");
            response
                .headers
                .push(("location".into(), format!("http://{host}{path}")));
        }
        let (Some(form), Some(id)) = (form, schema_id) else {
            return Some(Rendered::unchecked(response));
        };
        let first = || items.first().map_or("{}", |(_, text)| text);
        let body = match &form.shape {
            Shape::Bare => first().as_bytes().to_vec(),
            Shape::Array => array(items.iter().map(|(_, text)| *text)),
            Shape::Envelope { slot, kind } => {
                page.results = items
                    .iter()
                    .map(|(id, _)| (slot.clone(), id.clone()))
                    .collect();
                let write_slot = |out: &mut Vec<u8>| match kind {
                    SlotKind::Object => out.extend_from_slice(first().as_bytes()),
                    SlotKind::Items => out.extend_from_slice(&array(items.iter().map(|(_, t)| *t))),
                    SlotKind::Map => {
                        out.push(b'{');
                        for (i, (id, text)) in items.iter().enumerate() {
                            if i > 0 {
                                out.push(b',');
                            }
                            let _ = serde_json::to_writer(&mut *out, id);
                            out.push(b':');
                            out.extend_from_slice(text.as_bytes());
                        }
                        out.push(b'}');
                    }
                };
                match &form.envelope {
                    Some(envelope) => envelope.render(&page, write_slot),
                    None => Vec::new(),
                }
            }
        };
        response
            .headers
            .push(("content-type".into(), "application/json".into()));
        // Stored data is checked against the answer's schema before it is sent, so that a
        // mismatch (fixtures loaded by hand, say) is reported rather than served silently;
        // once per stored version and form of answer, as the answer is the same every time.
        let known_good = outcome.stored().is_some_and(|s| s.checked == form.tag);
        let mismatches = if known_good {
            Vec::new()
        } else {
            let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            exchange
                .api
                .schemas
                .violations(id, &value, &["response", "body"])
        };
        let checked = mismatches.is_empty().then_some(form.tag);
        response.body = body.into();
        response
            .warnings
            .extend(mismatches.into_iter().map(|v| super::SlViolation {
                location: v.location,
                severity: "Warning",
                code: v.keyword,
                message: format!(
                    "stored data does not fit the response schema: {}",
                    v.message
                ),
            }));
        Some(Rendered { response, checked })
    }
}

/// What a stateful request did.
enum Outcome {
    One(u16, Answered),
    Created(u16, Answered),
    /// A page of a list: the page's numbers and its objects as (id, compact JSON text).
    Many(u16, Page, Vec<(String, String)>),
    NotFound,
    Conflict(String),
}

impl Outcome {
    /// The one stored object answered with, if any.
    fn stored(&self) -> Option<&Answered> {
        match self {
            Outcome::One(_, answered) | Outcome::Created(_, answered) => Some(answered),
            _ => None,
        }
    }
}

/// A stored object an answer is made from.
struct Answered {
    key: Key,
    /// Compact JSON text.
    text: String,
    /// See `state::Stored::checked`.
    checked: u32,
    /// Whether it is still stored (not deleted).
    kept: bool,
}

impl Answered {
    fn fresh(key: Key, text: String) -> Answered {
        Answered {
            key,
            text,
            checked: 0,
            kept: true,
        }
    }

    fn gone(key: Key, text: String) -> Answered {
        Answered {
            key,
            text,
            checked: 0,
            kept: false,
        }
    }
}

/// An answer, and the form tag it passed its schema check for (if it did).
struct Rendered {
    response: MockResponse,
    checked: Option<u32>,
}

impl Rendered {
    fn unchecked(response: MockResponse) -> Rendered {
        Rendered {
            response,
            checked: None,
        }
    }
}

/// How answers with one response schema are written (see [`Engine::form`]).
pub(super) struct Form {
    shape: Shape,
    envelope: Option<Envelope>,
    /// Identifies this form in check marks; unique within an engine.
    tag: u32,
}

/// `[text,text…]`.
fn array<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.push(b'[');
    for (i, text) in texts.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(text.as_bytes());
    }
    out.push(b']');
    out
}
