//! The form of a stateful answer, worked out once per operation and response schema: where
//! the resource sits in it (bare, in an array, in an envelope's slot, or not at all where the
//! answer is a marker of its own), the envelope around it as text with holes, and the fields a
//! closed view shows.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

use super::call::StatefulCall;
use super::envelope::{Envelope, no_link_that_fits};
use super::shape::{
    Shape, Slot, SlotKind, answer_shape, can_be_object, can_show, closed_fields, empty_side_maps,
    held_schema,
};
use crate::contract::{Action, SchemaId, declared_types, key_carriers, properties, resolve};
use crate::generate::generate_valid;
use crate::mock::cache::{Memo, stable_hash};

/// Key of a form: api, resource, response schema, envelope seed.
type FormKey = (usize, usize, SchemaId, u64);

/// How stateful answers are written, per (API, resource, response schema, seed), each
/// worked out once.
#[derive(Default)]
pub struct Forms {
    forms: Memo<FormKey, Option<Arc<Form>>>,
}

/// The last tag given to a form (see `StoredObject::checked`). One count for the process:
/// engines share a store (a reloaded contract's engine takes over its predecessor's), and a
/// check mark made under one engine's form must never vouch for another's.
static FORM_TAGS: AtomicU32 = AtomicU32::new(0);

impl Forms {
    /// How answers with the response schema `id` are written for this call's operation,
    /// worked out once: where the resource sits, and the envelope around it (generated with
    /// the operation's fixed seed, from the engine's `seed`) as text with holes; `None` where the answer has no place
    /// for stored objects (then the contract answers).
    pub fn form(
        &self,
        call: &StatefulCall<'_>,
        id: SchemaId,
        object_schema: &Value,
        seed: u64,
    ) -> Option<Arc<Form>> {
        let seed = seed ^ stable_hash(&[&call.operation.id, "envelope"]);
        let key = (call.api.index, call.binding.resource, id, seed);
        self.forms.get_or_make(key, || {
            let shape = answer_shape(
                call.api.schemas.node(id),
                call.document(),
                &call.resource().name,
                object_schema,
                call.binding.action == Action::List,
            );
            // The contract's answer, with the object's id in each field that may carry it:
            // named like the id parameter, like its last word (Vercel's deployments, read at
            // `/v13/deployments/{idOrUrl}`, by their `url`), or `id`, as the object's own
            // fields are (see `ObjectModel::key_field`).
            let marker = || {
                let marker = generate_valid(&call.api.schemas, id, seed)
                    .unwrap_or_else(|failed| failed.best);
                let param = call.resource().keys.last().map_or("id", String::as_str);
                let mut id_fields: Vec<String> = Vec::new();
                for name in key_carriers(param) {
                    let scalar = marker
                        .get(name.as_ref())
                        .is_some_and(|v| v.is_string() || v.is_number());
                    if scalar && !id_fields.iter().any(|f| *f == name) {
                        id_fields.push(name.into_owned());
                    }
                }
                Layout::Marker { marker, id_fields }
            };
            let answer = call.api.schemas.node(id);
            // A closed view of the object (readme's branch answered as `{name}` alone, with
            // `additionalProperties: false`) shows the fields it declares.
            // Objects of a closed schema that the view shows whole need no projection (every
            // answer would be parsed and written again for nothing).
            let held = held_schema(answer, call.document(), &shape);
            // A field this view declares of another type than the object's own schema does
            // (xtrf's ids an integer in the object and a string in its list, Azure's quota
            // `name` an object and a string) is written as the view's type where it can be.
            let retype = held
                .map(|held| retyped_fields(object_schema, held, call.document()))
                .unwrap_or_default();
            // Fields the view forbids (a writeOnly password a create stored, which its answer
            // must not show: Airflow's users).
            let hide = held
                .map(|held| forbidden_fields(held, call.document()))
                .unwrap_or_default();
            let keep = held
                .and_then(|held| closed_fields(held, call.document()))
                .filter(|keep| {
                    closed_fields(object_schema, call.document())
                        .is_none_or(|own| own.iter().any(|field| !keep.contains(field)))
                });
            let layout = match shape {
                // A delete declaring something else than the object (a deletion marker)
                // answers that, with the deleted object's id: the object is gone, and the
                // marker says so in the contract's words.
                Shape::Unrelated if call.binding.action == Action::Delete => marker(),
                // A list that holds no object (Apicurio's rule types, names), or an answer
                // that can be none (peoplegeneratorapi's person read as byte strings): the
                // contract answers.
                Shape::Unrelated
                    if call.binding.action == Action::List
                        || !can_be_object(answer, call.document()) =>
                {
                    return None;
                }
                // A change answering something the object cannot be (a link to it, a job):
                // that, with the object's id where it has a field for one, not the object
                // remade into it.
                Shape::Unrelated
                    if call.binding.action != Action::Read
                        && !can_show(answer, call.document(), object_schema) =>
                {
                    marker()
                }
                Shape::Bare | Shape::Unrelated => Layout::Bare,
                Shape::Array => Layout::Array,
                Shape::Envelope { slot, kind } => {
                    let schemas = &call.api.schemas;
                    let generated =
                        generate_valid(schemas, id, seed).unwrap_or_else(|failed| failed.best);
                    let mut template = generated.clone();
                    empty_side_maps(&mut template, schemas.node(id), call.document(), &slot);
                    // Emptied only where the schema allows it (no `minProperties`, say).
                    let template = if schemas.is_valid(id, &template) {
                        template
                    } else {
                        generated
                    };
                    let fits = |value: &Value| schemas.is_valid(id, value);
                    let no_link = |path: &[String]| no_link_that_fits(&template, path, &fits);
                    let envelope = Envelope::new(&template, &slot, &no_link);
                    Layout::Envelope {
                        slot,
                        kind,
                        envelope,
                    }
                }
            };
            // Tags are never reused: a check mark made for one form never vouches for another.
            let tag = FORM_TAGS.fetch_add(1, Ordering::Relaxed) + 1;
            // A marker is the contract's answer: no object of the view's is shown in it.
            let (keep, retype, hide) = match layout {
                Layout::Marker { .. } => (None, Vec::new(), Vec::new()),
                _ => (keep, retype, hide),
            };
            Some(Arc::new(Form {
                layout,
                tag,
                keep,
                retype,
                hide,
            }))
        })
    }
}

/// How answers with one response schema are written (see [`Forms::form`]).
pub struct Form {
    pub layout: Layout,
    /// Identifies this form in check marks; unique within an engine.
    pub tag: u32,
    /// The only fields the answer shows of each object, where its schema allows no others.
    pub keep: Option<Vec<String>>,
    /// The fields the answer declares of another type than the object's schema does, with
    /// the answer's schema of each (resolved).
    pub retype: Vec<(String, Value)>,
    /// The fields the answer forbids (writeOnly ones, `false` in answers): never shown.
    pub hide: Vec<String>,
}

impl Form {
    /// Whether the answer shows a stored object otherwise than as it is stored (see
    /// `keep`, `retype` and `hide`).
    pub fn reshapes(&self) -> bool {
        self.keep.is_some() || !self.retype.is_empty() || !self.hide.is_empty()
    }
}

/// The properties `view` forbids: writeOnly ones, which the response view makes `false`.
fn forbidden_fields(view: &Value, document: &Value) -> Vec<String> {
    properties(view, document)
        .iter()
        .filter(|(_, schema)| **schema == Value::Bool(false))
        .map(|(name, _)| name.to_string())
        .collect()
}

/// The properties `view` declares of a type that `object_schema` does not allow for them
/// (both naming types), with `view`'s schema of each.
fn retyped_fields(object_schema: &Value, view: &Value, document: &Value) -> Vec<(String, Value)> {
    let own = properties(object_schema, document);
    properties(view, document)
        .iter()
        .filter_map(|(name, shown)| {
            let shown = resolve(shown, document);
            let stored = resolve(own.get(name)?, document);
            let (shown_types, stored_types) = (declared_types(shown), declared_types(stored));
            let numeric = |t: &str| t == "integer" || t == "number";
            let meet = shown_types.iter().any(|a| {
                stored_types
                    .iter()
                    .any(|b| a == b || (numeric(a) && numeric(b)))
            });
            (!shown_types.is_empty() && !stored_types.is_empty() && !meet)
                .then(|| (name.to_string(), shown.clone()))
        })
        .collect()
}

/// Where the resource goes in the answer (see [`Shape`]), with the envelope written out.
pub enum Layout {
    Bare,
    Array,
    /// A generated answer of its own schema (a deletion marker), the object's id in
    /// `id_field` where it has one.
    Marker {
        marker: Value,
        id_fields: Vec<String>,
    },
    Envelope {
        slot: Slot,
        kind: SlotKind,
        envelope: Envelope,
    },
}

/// The marker `layout` holds, with the id `id` in each field it has for it (a number where
/// the generated one is a number and `id` is one).
pub fn marker_for(layout: &Layout, id: &str) -> Value {
    let Layout::Marker { marker, id_fields } = layout else {
        return Value::Null;
    };
    let mut marker = marker.clone();
    for field in id_fields {
        if let Some(place) = marker.get_mut(field) {
            *place = match (&*place, id.parse::<serde_json::Number>()) {
                (Value::Number(_), Ok(number)) => Value::Number(number),
                _ => Value::String(id.to_string()),
            };
        }
    }
    marker
}
