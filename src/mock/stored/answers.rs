//! The stored-state answer of one call, start to end: the resource object's schema (worked
//! out once per resource), the change under the session's lock (taken once), and the answer
//! written after the lock is released.

use std::sync::Arc;

use serde_json::Value;

use super::call::StatefulCall;
use super::change::{Change, apply, read, request_data};
use super::fill::NotStored;
use super::form::Forms;
use super::objects::ObjectModel;
use super::shape::{can_be_object, has_type, object_schema_in};
use super::write::{Writer, Written};
use crate::contract::{Action, OBJECT_VIEWS, View, json_media, properties, union_branches};
use crate::mock::cache::{Memo, stable_hash};
use crate::mock::choice::choose_response;
use crate::mock::generated::GeneratedValues;
use crate::mock::message::{MockResponse, SlViolation};
use crate::state::{self, Clock, Prefetched, Store, StoreError};
use crate::validate::resolve;

/// Where a call's objects are: the store, the session, and what was fetched ahead of the call
/// (see `Store::prefetch`).
#[derive(Clone, Copy)]
pub struct Place<'a> {
    pub store: &'a dyn Store,
    pub session: &'a str,
    pub ahead: Option<&'a Prefetched>,
}

/// How a stateful call is answered.
// Moved once per answer; boxing the response would allocate on every stored answer.
#[allow(clippy::large_enum_variant)]
pub enum StoredAnswer {
    /// From stored state.
    Stored(MockResponse),
    /// From the contract, with notes (for `sl-violations`) where stored state had something
    /// to say that the contract's answer cannot.
    Contract(Vec<SlViolation>),
}

/// What answering from stored state keeps between requests.
#[derive(Default)]
pub struct StoredAnswers {
    forms: Forms,
    /// Per (api, resource): the resource object's schema, read for building objects; `None`
    /// where the resource's operations answer no object (see [`object_schema`]).
    objects: Memo<(usize, usize), Option<Arc<ObjectModel>>>,
}

impl StoredAnswers {
    /// The stored-state answer, or the contract's when this call is better answered from the
    /// contract (a non-JSON representation was asked for, the operation says nothing usable,
    /// or stored state has no answer the contract allows); an error when the store could not
    /// be reached (nothing was changed).
    pub fn answer(
        &self,
        call: &StatefulCall<'_>,
        place: &Place<'_>,
        seed: u64,
        clock: &Clock,
        generated: &GeneratedValues,
    ) -> Result<StoredAnswer, StoreError> {
        let Place {
            store,
            session,
            ahead,
        } = *place;
        let Some((_, status)) = choose_response(call.operation, None) else {
            return Ok(StoredAnswer::Contract(Vec::new()));
        };
        // An operation whose answer is no success (`POST /pet` declaring only a 405) changes
        // and reads nothing: the contract answers.
        if !(200..300).contains(&status) {
            return Ok(StoredAnswer::Contract(Vec::new()));
        }
        let Some(object) = self.object_model(call, seed) else {
            return Ok(StoredAnswer::Contract(Vec::new()));
        };
        // A key the body carries is the path parameter the path leaves out; a body without
        // one names no stored object, and the contract answers.
        let keyed_params;
        let keyed_call;
        let call = if call.binding.key_in_body {
            let Some(params) = params_with_body_key(call, &object) else {
                return Ok(StoredAnswer::Contract(Vec::new()));
            };
            keyed_params = params;
            keyed_call = StatefulCall {
                params: &keyed_params,
                ..*call
            };
            &keyed_call
        } else {
            call
        };
        let now = clock.now();
        let change = Change {
            seed,
            now: &now,
            object: &object,
            generated,
        };
        // The session is locked while its data is read and changed, not while the answer is
        // written, so concurrent requests of one session wait as little as possible; reads
        // and lists share the lock.
        let read_only = match ahead {
            Some(ahead) if matches!(call.binding.action, Action::Read | Action::List) => {
                state::read_prefetched(store, session, ahead, |data| {
                    read(&change, call, data, status)
                })?
            }
            None if matches!(call.binding.action, Action::Read | Action::List) => {
                state::read(store, session, |data| read(&change, call, data, status))?
            }
            _ => None,
        };
        // A change, or a read that makes a stand-in: never from data fetched ahead.
        let mut outcome = match read_only {
            Some(outcome) => outcome,
            None if ahead.is_some() => return Err(StoreError::WouldWait),
            None => {
                match state::write(store, session, |data| apply(&change, call, data, status))? {
                    Some(outcome) => outcome,
                    None => return Ok(StoredAnswer::Contract(Vec::new())),
                }
            }
        };
        let writer = Writer {
            forms: &self.forms,
            generated,
            seed,
        };
        let made = outcome.take_made();
        let not_stored: Vec<SlViolation> = outcome
            .take_not_stored()
            .into_iter()
            .map(not_stored_note)
            .collect();
        match writer.write(call, &outcome, made, &object.schema) {
            Some(Written::Stored {
                mut response,
                checked,
            }) => {
                // An answer made from a stored object passed its check: remember it for that
                // version of the object (see `StoredObject::checked`).
                if let (Some(tag), Some(stored)) = (checked, outcome.stored()) {
                    stored.object.mark_checked(tag);
                }
                if response.log.is_none()
                    && let Some(first) = not_stored.first()
                {
                    response.log = Some(format!(
                        "{}: {} (the request's schema lets it through)",
                        call.operation.id, first.message
                    ));
                }
                response.warnings.extend(not_stored);
                Ok(StoredAnswer::Stored(response))
            }
            Some(Written::Contract(note)) => Ok(StoredAnswer::Contract(
                std::iter::once(note).chain(not_stored).collect(),
            )),
            None => Ok(StoredAnswer::Contract(not_stored)),
        }
    }

    /// [`object_schema`] and what building objects needs of it, worked out once per resource
    /// (`seed` is the engine's, the same on every call).
    fn object_model(&self, call: &StatefulCall<'_>, seed: u64) -> Option<Arc<ObjectModel>> {
        let key = (call.api.index, call.binding.resource);
        self.objects.get_or_make(key, || {
            let (schema, views) = match object_schema(call) {
                Found::Object(schema, views) => (schema, views),
                Found::Unsaid => (Value::Bool(true), Vec::new()),
                Found::NoObject => return None,
            };
            let seed = seed ^ stable_hash(&[&call.storage()]);
            let check = call.api.schemas.part_check(View::Response, &schema);
            Some(Arc::new(
                ObjectModel::new(schema, call.document())
                    .with_views(views)
                    .with_seed(seed)
                    .with_check(check),
            ))
        })
    }
}

/// The `sl-violations` note of a client's value that was not stored.
fn not_stored_note(not_stored: NotStored) -> SlViolation {
    SlViolation {
        location: ["request".to_string(), "body".to_string()]
            .into_iter()
            .chain(not_stored.path)
            .collect(),
        severity: "Warning",
        code: "not_stored".into(),
        message: not_stored.message,
    }
}

/// The call's path parameters and the last key, which its body carries (see
/// `Binding::key_in_body`); `None` where the body names no object.
fn params_with_body_key(
    call: &StatefulCall<'_>,
    object: &ObjectModel,
) -> Option<Vec<(String, String)>> {
    let last = call.resource().keys.last()?;
    let id = object.key_sent(last, &request_data(call))?;
    Some(
        call.params
            .iter()
            .cloned()
            .chain([(last.clone(), id)])
            .collect(),
    )
}

/// What the operations of a resource say its object is.
enum Found {
    /// The object's schema, and the other schemas answers show the object by.
    Object(Value, Vec<Value>),
    /// No operation declares a JSON schema: objects are whatever clients send.
    Unsaid,
    /// Every schema declared is a list's or a value's (TfL's `GET /Line/Mode/{modes}`
    /// answers the lines of those modes): there is no object to store, and the contract
    /// answers.
    NoObject,
}

/// The resource object's schema, from the 2xx JSON schema of its operations: the read first,
/// then create, replace, upsert, merge and list. A read that answers either the object or
/// something else (Stripe's `anyOf: [customer, deleted_customer]`) is taken by the branch
/// another of those operations answers with (the create's `customer`): generated from the
/// union, a new customer could have been a deletion marker.
/// Schemas that can be no object (a list's, a text's) are passed over.
fn object_schema(call: &StatefulCall<'_>) -> Found {
    let document = call.document();
    let candidates: Vec<Value> = OBJECT_VIEWS
        .iter()
        .filter_map(|wanted| {
            call.api.api.operations.iter().find_map(|operation| {
                operation
                    .binding
                    .as_ref()
                    .filter(|b| b.resource == call.binding.resource && b.action == *wanted)?;
                let (index, _) = choose_response(operation, None)?;
                let id = json_media(&operation.responses[index].content)?.schema?;
                Some(object_schema_in(
                    call.api.schemas.node(id),
                    document,
                    &call.resource().name,
                    *wanted == Action::List,
                ))
            })
        })
        .collect();
    if candidates.is_empty() {
        return Found::Unsaid;
    }
    // A read answering the object's content as text (Apicurio's artifacts) leaves the object
    // to the create's answer.
    let objects: Vec<Value> = candidates
        .into_iter()
        .filter(|c| can_be_object(c, document))
        .collect();
    let Some((first, others)) = objects.split_first() else {
        return Found::NoObject;
    };
    let resolved = resolve(first, document);
    let branches = union_branches(resolved);
    let named_elsewhere = others.iter().find(|other| {
        let other = resolve(other, document);
        branches.iter().any(|b| resolve(b, document) == other)
    });
    // A read answering a list of what another operation answers one of, in an envelope
    // without an id of its own (DocuSign's `GET /connect/{connectId}` answers
    // `{configurations: [configuration], totalRecords}`, the create one configuration): the
    // object is the one listed. Taken for the object, the envelope made every configuration
    // a `{configurations, totalRecords}` with no `connectId` to be read by.
    let fields = properties(resolved, document);
    let listed_elsewhere = others.iter().find(|other| {
        let other = resolve(other, document);
        fields.get("id").is_none()
            && fields.iter().any(|(_, field)| {
                let field = resolve(field, document);
                has_type(field, "array")
                    && field
                        .get("items")
                        .is_some_and(|items| resolve(items, document) == other)
            })
    });
    let chosen = named_elsewhere.or(listed_elsewhere).unwrap_or(first);
    let mut views: Vec<Value> = Vec::new();
    for view in &objects {
        if view != chosen && !views.contains(view) {
            views.push(view.clone());
        }
    }
    Found::Object(chosen.clone(), views)
}
