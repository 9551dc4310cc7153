//! Operations bound to an inferred resource (see `contract::resources`): they read and change
//! the session's stored objects; `answer` writes what they did as a response shaped by each
//! operation's own response schema.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::answer::{Answered, Outcome};
use super::listing;
use super::objects::{apply_request, properties, set_ids, stamp, version_field};
use super::shape::object_schema_in;
use super::{Engine, MockRequest, MockResponse, choose_response, memo, stable_hash};
use crate::contract::{Action, Binding, CompiledApi, Operation, ParameterLocation, Resource, View};
use crate::generate::{generate, generate_valid_dynamic};
use crate::media;
use crate::state::{Key, SessionData, SessionHandle};
use crate::validate::resolve;

/// Everything one stateful answer needs: the request and what the contract says of it (not a
/// `recording::Exchange`, which is a request and its response as recorded).
pub struct StatefulCall<'a> {
    pub api: &'a CompiledApi,
    pub operation: &'a Operation,
    pub binding: &'a Binding,
    pub request: &'a MockRequest,
    /// The request body as JSON, when validating the request parsed it already.
    pub json_body: Option<&'a Value>,
    /// Path parameters, percent-decoded.
    pub params: Vec<(String, String)>,
}

impl StatefulCall<'_> {
    pub(super) fn resource(&self) -> &Resource {
        &self.api.api.resources[self.binding.resource]
    }

    /// The name objects are stored under in a session.
    pub(super) fn storage(&self) -> String {
        storage_name(&self.api.api.name, self.resource())
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn key(&self) -> Option<Key> {
        self.resource()
            .keys
            .iter()
            .map(|k| self.param(k).map(str::to_string))
            .collect()
    }

    pub(super) fn document(&self) -> &Value {
        self.api.schemas.document(View::Response)
    }
}

/// The name a resource's objects are stored under in a session (`kantata:/x/{id}`): what
/// `GET /__understudy/state` shows and `--fixtures` uses.
pub(super) fn storage_name(api_name: &str, resource: &Resource) -> String {
    format!("{api_name}:{}", resource.item_path)
}

impl Engine {
    /// The stateful answer, or `None` when this call is better answered statelessly (a
    /// non-JSON representation was asked for, or the operation says nothing usable).
    pub(super) fn stateful(
        &self,
        call: &StatefulCall<'_>,
        handle: &SessionHandle,
    ) -> Option<MockResponse> {
        let (_, status) = choose_response(call.operation, None)?;
        let object_schema = self.cached_object_schema(call);
        let storage = call.storage();
        let now = self.options.clock.now();
        // The session is locked while its data is read and changed, not while the answer is
        // rendered, so concurrent requests of one session wait as little as possible.
        let mut guard = handle.lock();
        let session: &mut SessionData = &mut guard;
        let outcome = match call.binding.action {
            Action::Read => match call
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
            Action::Delete => match call
                .key()
                .and_then(|key| session.remove(&storage, &key).map(|o| (key, o)))
            {
                Some((key, text)) => Outcome::One(status, Answered::gone(key, text.into())),
                None => Outcome::NotFound,
            },
            Action::Replace | Action::Merge | Action::Upsert => {
                let key = call.key()?;
                match session.get_value(&storage, &key) {
                    Some(existing) => {
                        match self.update(call, &object_schema, existing, &now) {
                            Ok(updated) => {
                                let text = session.put(&storage, key.clone(), &updated);
                                // An upsert that updates answers with its 200.
                                let status = if call.binding.action == Action::Upsert {
                                    self.status_for_update(call).unwrap_or(status)
                                } else {
                                    status
                                };
                                Outcome::One(status, Answered::fresh(key, text))
                            }
                            Err(conflict) => Outcome::Conflict(conflict),
                        }
                    }
                    None if call.binding.action == Action::Upsert => {
                        let object = self.create(call, &object_schema, &key, &now);
                        let text = session.put(&storage, key.clone(), &object);
                        let status = self.status_for_create(call).unwrap_or(status);
                        Outcome::Created(status, Answered::fresh(key, text))
                    }
                    None => Outcome::NotFound,
                }
            }
            Action::Create => {
                let key = self.new_key(call, session, &storage);
                let object = self.create(call, &object_schema, &key, &now);
                let text = session.put(&storage, key.clone(), &object);
                Outcome::Created(status, Answered::fresh(key, text))
            }
            Action::List => {
                let matching = listing::matching(call, session.list_texts(&storage).into_iter());
                let (page, slice) = listing::paginate(call, &matching);
                let texts = slice
                    .into_iter()
                    .map(|(key, text)| (key.last().cloned().unwrap_or_default(), text.into()))
                    .collect();
                Outcome::Many(status, page, texts)
            }
        };
        drop(guard);
        let answer = self.stored_answer(call, &outcome, &object_schema);
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
    fn cached_object_schema(&self, call: &StatefulCall<'_>) -> Arc<Value> {
        let key = (call.api.index, call.binding.resource);
        memo(&self.object_schemas, key, || {
            Arc::new(self.object_schema(call).unwrap_or(Value::Bool(true)))
        })
    }

    /// The resource object's schema, from the 2xx JSON schema of its operations: the read
    /// first, then create, replace, upsert, merge and list.
    fn object_schema(&self, call: &StatefulCall<'_>) -> Option<Value> {
        let api = &call.api.api;
        let order = [
            Action::Read,
            Action::Create,
            Action::Replace,
            Action::Upsert,
            Action::Merge,
            Action::List,
        ];
        order.iter().find_map(|wanted| {
            api.operations.iter().find_map(|operation| {
                operation
                    .binding
                    .as_ref()
                    .filter(|b| b.resource == call.binding.resource && b.action == *wanted)?;
                let (index, _) = choose_response(operation, None)?;
                let id = operation.responses[index]
                    .content
                    .iter()
                    .find(|m| media::answered_as_json(&m.media_type))?
                    .schema?;
                let schema = call.api.schemas.node(id);
                Some(object_schema_in(
                    schema,
                    call.document(),
                    &call.resource().name,
                    *wanted == Action::List,
                ))
            })
        })
    }

    fn status_for_create(&self, call: &StatefulCall<'_>) -> Option<u16> {
        call.operation
            .responses
            .iter()
            .any(|r| r.status == crate::contract::StatusKey::Code(201))
            .then_some(201)
    }

    fn status_for_update(&self, call: &StatefulCall<'_>) -> Option<u16> {
        call.operation
            .responses
            .iter()
            .any(|r| r.status == crate::contract::StatusKey::Code(200))
            .then_some(200)
    }

    /// The request body as an object, unwrapped from a single-property envelope such as
    /// Kantata's `{organization_membership: {...}}`.
    fn request_data(&self, call: &StatefulCall<'_>) -> Map<String, Value> {
        // Parsed once: by the request's validation when it ran, else here.
        let data = match call.json_body {
            Some(Value::Object(data)) => data.clone(),
            Some(_) => return Map::new(),
            None => match serde_json::from_slice::<Value>(&call.request.body) {
                Ok(Value::Object(data)) => data,
                _ => return Map::new(),
            },
        };
        let request_schema = call
            .operation
            .request_body
            .as_ref()
            .and_then(|b| {
                b.content
                    .iter()
                    .find(|m| media::answered_as_json(&m.media_type))
            })
            .and_then(|m| m.schema)
            .map(|id| call.api.schemas.node(id));
        if let Some(schema) = request_schema {
            let document = call.api.schemas.document(View::Request);
            let props = properties(schema, document);
            if props.len() == 1
                && data.len() == 1
                && let Some((name, Value::Object(inner))) = data.iter().next()
                && props.get(name).is_some()
                && call.resource().name.trim_end_matches('s') == name.trim_end_matches('s')
            {
                return inner.clone();
            }
        }
        data
    }

    fn create(&self, call: &StatefulCall<'_>, schema: &Value, key: &Key, now: &str) -> Value {
        let document = call.document();
        let seed = self.options.seed ^ stable_hash(&[&call.storage(), &key.join("/")]);
        let mut object = match generate(document, schema, View::Response, seed, true) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        apply_request(
            &mut object,
            &self.request_data(call),
            schema,
            document,
            false,
        );
        set_ids(&mut object, &call.resource().keys, key, schema, document);
        let version = version_field(schema, document);
        stamp(&mut object, schema, document, now, true, version.as_deref());
        Value::Object(object)
    }

    fn update(
        &self,
        call: &StatefulCall<'_>,
        schema: &Value,
        existing: Value,
        now: &str,
    ) -> Result<Value, String> {
        let document = call.document();
        let Value::Object(mut object) = existing else {
            return Ok(existing);
        };
        let data = self.request_data(call);
        let version = version_field(schema, document);
        if let Some(field) = &version
            && let Some(sent) = data.get(field)
            && object.get(field) != Some(sent)
        {
            return Err(format!(
                "{field} {sent} is stale: the stored {} is at {}",
                call.resource().name.trim_end_matches('s'),
                object.get(field).cloned().unwrap_or(Value::Null)
            ));
        }
        apply_request(
            &mut object,
            &data,
            schema,
            document,
            call.binding.action == Action::Merge,
        );
        let key = call.key().unwrap_or_default();
        set_ids(&mut object, &call.resource().keys, &key, schema, document);
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
    fn new_key(&self, call: &StatefulCall<'_>, session: &mut SessionData, storage: &str) -> Key {
        let keys = &call.resource().keys;
        let mut key: Key = keys[..keys.len() - 1]
            .iter()
            .map(|k| call.param(k).unwrap_or_default().to_string())
            .collect();
        let id_name = &keys[keys.len() - 1];
        let id_schema = self.key_schema(call, id_name);
        for _ in 0..1000 {
            let n = session.next_id(storage);
            let id = self.id_value(call, id_schema, n);
            let mut candidate = key.clone();
            candidate.push(id);
            if !session.contains(storage, &candidate) {
                return candidate;
            }
        }
        key.push(format!("{}", session.next_id(storage)));
        key
    }

    fn key_schema(&self, call: &StatefulCall<'_>, name: &str) -> Option<crate::contract::SchemaId> {
        let api = &call.api.api;
        api.operations
            .iter()
            .filter(|op| {
                op.binding
                    .as_ref()
                    .is_some_and(|b| b.resource == call.binding.resource)
            })
            .flat_map(|op| &op.parameters)
            .find(|p| p.location == ParameterLocation::Path && p.name == name)
            .and_then(|p| p.schema)
    }

    fn id_value(
        &self,
        call: &StatefulCall<'_>,
        schema: Option<crate::contract::SchemaId>,
        n: u64,
    ) -> String {
        let Some(id) = schema else {
            return n.to_string();
        };
        let schemas = &call.api.schemas;
        let node = resolve(schemas.node(id), schemas.document(View::Request));
        let kind = node.get("type").and_then(Value::as_str).unwrap_or("string");
        if kind == "integer" || kind == "number" {
            let minimum = node.get("minimum").and_then(Value::as_u64).unwrap_or(0);
            return (n + minimum.saturating_sub(1)).to_string();
        }
        if node.get("format").is_some() || node.get("pattern").is_some() {
            let seed = self.options.seed ^ stable_hash(&[&call.storage(), &n.to_string()]);
            let generated = generate_valid_dynamic(schemas, id, seed);
            if let Value::String(s) = generated.unwrap_or_else(|failed| failed.best) {
                return s;
            }
        }
        n.to_string()
    }
}
