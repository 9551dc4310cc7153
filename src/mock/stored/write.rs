//! Stateful outcomes written as responses: the stored objects' text spliced into the answer's
//! form (see `form`), and the check of stored data against the response schema, once per
//! stored version and form.

use serde_json::{Map, Value};

use super::call::StatefulCall;
use super::fill::fit;
use super::form::{Form, Forms, Layout, marker_for};
use super::listing;
use super::outcome::Outcome;
use super::shape::{Page, SlotKind};
use crate::generate::{generate_valid, repair};
use ::http::HeaderValue;
use ::http::header::CONTENT_TYPE;

use crate::contract::described_json;
use crate::headers;
use crate::media;
use crate::mock::cache::stable_hash;
use crate::mock::choice::declares_not_found;
use crate::mock::generated::GeneratedValues;
use crate::mock::message::{MockResponse, SlViolation};
use crate::mock::reject::error_response;
use crate::state::Key;
use crate::validate::declared_response;
use crate::violation::{Violation, ViolationKind};

/// Writes outcomes as answers.
pub struct Writer<'a> {
    pub forms: &'a Forms,
    pub generated: &'a GeneratedValues,
    pub seed: u64,
}

impl Writer<'_> {
    /// The answer for `outcome`, shaped by the schema of the response declared for its status;
    /// `None` when the client accepts no JSON representation of it. `made` is the object the
    /// call made (see [`Outcome::take_made`]), which the answer's check takes over.
    pub fn write(
        &self,
        call: &StatefulCall<'_>,
        outcome: &Outcome,
        made: Option<Value>,
        object_schema: &Value,
    ) -> Option<Written> {
        // The objects answered, as (id, compact JSON text).
        let (status, key, items, mut page): (u16, Option<&Key>, Vec<(String, &str)>, Page) =
            match outcome {
                Outcome::NotFound => {
                    let key = call.key().unwrap_or_default().join("/");
                    let one = call.resource().one();
                    // Only an object deleted in this session gets here without a declared
                    // answer that can be sent (an id never seen stands for one). A 404 would
                    // break the contract, so the contract answers; the object stays deleted,
                    // and the note says why the answer does not show it.
                    if !declares_not_found(call.api, call.operation, self.generated) {
                        let operation = &call.operation.id;
                        let lacking = if call.operation.declares_answer_for(404) {
                            format!("{operation}'s answer for it has a body no value can follow")
                        } else {
                            format!("{operation} declares no 404, 4XX or default answer")
                        };
                        return Some(Written::Contract(SlViolation {
                            location: vec!["response".into(), "status".into()],
                            severity: "Warning",
                            code: "status_code_conformance".into(),
                            message: format!(
                                "the {one} {key} was deleted in this session, but {lacking}: \
                                 this answer is the contract's, and the {one} stays deleted"
                            ),
                        }));
                    }
                    let id_name = call.resource().keys.last().map_or("", String::as_str);
                    let violation = Violation::of(
                        ViolationKind::NotFound,
                        &["request", "path", id_name],
                        format!("No {one} {key} exists"),
                    );
                    return error_response(
                        call.api,
                        call.operation,
                        &call.request.path,
                        &[404],
                        "NOT_FOUND",
                        &[&violation],
                        self.seed,
                        self.generated,
                    )
                    .map(Written::unchecked);
                }
                Outcome::Conflict(message) => {
                    let violation = Violation::of(
                        ViolationKind::Conflict,
                        &["request", "body"],
                        message.clone(),
                    );
                    // Without a declared 409 the contract answers (`None`), as for any
                    // refusal it has no words for.
                    return error_response(
                        call.api,
                        call.operation,
                        &call.request.path,
                        &[409],
                        "CONFLICT",
                        &[&violation],
                        self.seed,
                        self.generated,
                    )
                    .map(Written::unchecked);
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
                        vec![(id, answered.text())],
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
        let declared = declared_response(call.operation, status)?;
        let offered = || described_json(&declared.content);
        let media = if offered().next().is_none() {
            None
        } else {
            // A representation other than JSON (XML, say), or a body the contract does not
            // describe (a media type without a schema), is the contract's to answer.
            let accept = call.request.header("accept");
            let media_types: Vec<&str> = offered().map(|m| m.media_type.as_str()).collect();
            let index = media::negotiate(&media_types, accept.as_deref())?;
            let media = offered().nth(index)?;
            if !media::answered_as_json(&media.media_type) || media.schema.is_none() {
                return None;
            }
            Some(media)
        };
        let schema_id = media.and_then(|m| m.schema);
        let form = match schema_id {
            Some(id) => Some(self.forms.form(call, id, object_schema, self.seed)?),
            None => None,
        };
        // A list answered as one object (watchful's `GET /sites` declares one site), with
        // nothing stored, has no object to show: the contract answers, not an empty object
        // remade to fit.
        if items.is_empty()
            && form
                .as_ref()
                .is_some_and(|f| matches!(f.layout, Layout::Bare))
        {
            return None;
        }
        let mut response = MockResponse {
            status,
            ..MockResponse::default()
        };
        response.headers =
            self.generated
                .response_headers(self.seed, call.api, call.operation, declared);
        listing::set_count_headers(&mut response.headers, &page);
        // Where the object created lives: a 201's Location, and an accepted create's (Azure's
        // 202 with a Location to read the operation's state at), never a generated string.
        let created = status == 201 || (status == 202 && matches!(outcome, Outcome::Created(..)));
        if created
            && let Some(key) = &key
            && declared
                .headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("location"))
        {
            let mut path = format!("{}{}", call.api.api.mount, call.resource().item_path);
            for (name, value) in call.resource().keys.iter().zip(key.iter()) {
                path = path.replace(
                    &format!("{{{name}}}"),
                    &percent_encoding::utf8_percent_encode(value, crate::pointer::PATH_SEGMENT)
                        .to_string(),
                );
            }
            let host = call.request.header("host");
            let host = host.as_deref().unwrap_or("localhost");
            headers::set(
                &mut response.headers,
                "location",
                &format!("http://{host}{path}"),
            );
        }
        let (Some(media), Some(form), Some(id)) = (media, form, schema_id) else {
            return Some(Written::unchecked(response));
        };
        let shown: Vec<(String, String)>;
        let mut made = made;
        let items: Vec<(String, &str)> = if form.reshapes() {
            let document = call.document();
            shown = items
                .iter()
                .map(|(id, text)| (id.clone(), reshaped_text(text, &form, document)))
                .collect();
            made = made.map(|made| reshaped(made, &form, document));
            shown
                .iter()
                .map(|(id, text)| (id.clone(), text.as_str()))
                .collect()
        } else {
            items
        };
        let mut body = render_body(&form.layout, &items, &mut page);
        // The declared media type (`application/vnd.api+json`, `application/scim+json`…),
        // wildcards made concrete.
        if let Ok(value) = HeaderValue::try_from(media::concrete(&media.media_type)) {
            response.headers.insert(CONTENT_TYPE, value);
        }
        // Stored data is checked against the answer's schema before it is sent, so that a
        // mismatch (fixtures loaded by hand, say) is reported rather than served silently;
        // once per stored version and form of answer, as the answer is the same every time.
        let known_good = outcome
            .stored()
            .is_some_and(|s| s.object.checked() == form.tag);
        let mut mismatches = Vec::new();
        if !known_good {
            mismatches = check_answer(&body, made, &form.layout, &page, |value| {
                call.api
                    .schemas
                    .violations(id, value, &["response", "body"])
            });
            // A list with nothing in it, where the contract allows no empty one (telstra's
            // messages, `minItems: 1`): no stored data is wrong, the state has nothing the
            // contract can show. The contract answers, and the note says why.
            if let Some(first) = mismatches.first()
                && items.is_empty()
            {
                return Some(Written::Contract(SlViolation {
                    location: vec!["response".into(), "body".into()],
                    severity: "Warning",
                    code: first.keyword().to_string(),
                    message: format!(
                        "nothing stored is listed here, and {} allows no empty answer ({}): \
                         this answer is the contract's",
                        call.operation.id, first.message
                    ),
                }));
            }
            if !mismatches.is_empty() {
                // Nothing sent breaks the contract: the answer is repaired (the stored fields
                // that fit kept, the rest made from the schema), or made from the contract.
                // Not cached: a stored version that does not fit is checked on every read,
                // and flagged on every answer, until it is replaced.
                let seed = self.seed ^ stable_hash(&[&call.operation.id, &key_text(key)]);
                let schemas = &call.api.schemas;
                let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let valid = repair(schemas, id, value, seed)
                    .or_else(|| generate_valid(schemas, id, seed).ok());
                if let Some(valid) = valid {
                    body = crate::json_text::to_vec(&valid);
                }
            }
        }
        let checked = mismatches.is_empty().then_some(form.tag);
        if let Some(first) = mismatches.first() {
            response.log = Some(format!(
                "{}: stored data does not fit the response schema ({} at {:?}: {}), so its \
                 answers are made to fit it",
                call.operation.id,
                first.keyword(),
                first.instance_path,
                first.message
            ));
        }
        response.body = body.into();
        response
            .warnings
            .extend(mismatches.into_iter().map(|v| SlViolation {
                code: v.keyword().to_string(),
                location: v.location,
                severity: "Warning",
                message: format!(
                    "stored data does not fit the response schema, so the answer was made to \
                     fit it: {}",
                    v.message
                ),
            }));
        Some(Written::Stored { response, checked })
    }
}

/// The answer's text: the objects (`(id, compact JSON text)`) laid out as `layout` says,
/// the envelope's bookkeeping from `page` (its index of results set here).
fn render_body(layout: &Layout, items: &[(String, &str)], page: &mut Page) -> Vec<u8> {
    let first = || items.first().map_or("{}", |(_, text)| text);
    match layout {
        Layout::Bare => first().as_bytes().to_vec(),
        Layout::Array => array(items.iter().map(|(_, text)| *text)),
        Layout::Marker { .. } => {
            let id = items.first().map_or("", |(id, _)| id.as_str());
            crate::json_text::to_vec(&marker_for(layout, id))
        }
        Layout::Envelope {
            slot,
            kind,
            envelope,
        } => {
            page.results = items
                .iter()
                .map(|(id, _)| (slot.name().to_string(), id.clone()))
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
            envelope.render(page, write_slot)
        }
    }
}

/// `object` as `form` shows it: only the fields it keeps, where it keeps some, none it forbids,
/// and those it declares of another type written as that type where they can be (`7` as
/// `"7"`).
fn reshaped(object: Value, form: &Form, document: &Value) -> Value {
    match object {
        Value::Object(mut fields) => {
            if let Some(keep) = &form.keep {
                fields.retain(|name, _| keep.contains(name));
            }
            for name in &form.hide {
                fields.shift_remove(name);
            }
            for (name, schema) in &form.retype {
                if let Some(value) = fields.get_mut(name) {
                    *value = fit(value, schema, document);
                }
            }
            Value::Object(fields)
        }
        other => other,
    }
}

/// The stored object `text` as `form` shows it (see [`reshaped`]), as text.
fn reshaped_text(text: &str, form: &Form, document: &Value) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(object) => crate::json_text::to_string(&reshaped(object, form, document)),
        Err(_) => text.to_string(),
    }
}

/// `check` of the answer `body` as a value. Where the call just made the one object
/// answered (`made`), the value is built from it and the envelope's value (see
/// [`super::envelope::Envelope::check_filled`]): parsing the whole answer again was a tenth of
/// a create's time.
fn check_answer<R>(
    body: &[u8],
    made: Option<Value>,
    layout: &Layout,
    page: &Page,
    check: impl FnOnce(&Value) -> R,
) -> R {
    let parsed = |text: &[u8]| serde_json::from_slice(text).unwrap_or(Value::Null);
    let Some(made) = made else {
        return check(&parsed(body));
    };
    match layout {
        Layout::Bare => check(&made),
        Layout::Array => check(&Value::Array(vec![made])),
        Layout::Envelope { kind, envelope, .. } if envelope.has_slot() => {
            let Some((_, id)) = page.results.first() else {
                return check(&parsed(body));
            };
            let filled = match kind {
                SlotKind::Object => made,
                SlotKind::Items => Value::Array(vec![made]),
                SlotKind::Map => Value::Object(Map::from_iter([(id.clone(), made)])),
            };
            envelope.check_filled(page, filled, check)
        }
        Layout::Marker { .. } | Layout::Envelope { .. } => check(&parsed(body)),
    }
}

/// A key as one string, for seeds.
fn key_text(key: Option<&Key>) -> String {
    key.map(|k| k.join("/")).unwrap_or_default()
}

/// What stored state answers a call with.
// Built once per call and moved out at once: boxing the answer would cost an allocation on
// every stored answer to save a few bytes on the rare contract's one.
#[allow(clippy::large_enum_variant)]
pub enum Written {
    /// An answer, and the form tag it passed its schema check for (if it did).
    Stored {
        response: MockResponse,
        checked: Option<u32>,
    },
    /// The contract's answer, as stored state has none the contract allows; the note says why
    /// (in `sl-violations`).
    Contract(SlViolation),
}

impl Written {
    fn unchecked(response: MockResponse) -> Written {
        Written::Stored {
            response,
            checked: None,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::super::envelope::{Envelope, NoLink};
    use super::super::shape::Slot;
    use super::*;
    use serde_json::json;

    /// An answer built around the object a call made is the answer its text says, in every
    /// layout: the check sees what is sent.
    #[test]
    fn an_answer_around_a_made_object_is_checked_as_it_is_sent() {
        let made = json!({"id": "7", "name": "Ada", "tags": ["a"]});
        let text = made.to_string();
        let template = json!({"count": 3, "results": [], "meta": {"page": 2}, "member": {}});
        let mut layouts = vec![Layout::Bare, Layout::Array];
        for kind in [SlotKind::Object, SlotKind::Items, SlotKind::Map] {
            layouts.push(Layout::Envelope {
                slot: Slot::top("member"),
                kind,
                envelope: Envelope::new(&template, &Slot::top("member"), &|_| NoLink::Null),
            });
        }
        layouts.push(Layout::Envelope {
            slot: Slot::top("member"),
            kind: SlotKind::Object,
            envelope: Envelope::new(&json!([1, 2]), &Slot::top("member"), &|_| NoLink::Null),
        });
        for layout in &layouts {
            let mut page = Page {
                total: 1,
                count: 1,
                ..Page::default()
            };
            let body = render_body(layout, &[("7".to_string(), text.as_str())], &mut page);
            let sent: Value = serde_json::from_slice(&body).unwrap();
            // Twice: the second check fills the copy the first kept.
            for _ in 0..2 {
                let checked = check_answer(&body, Some(made.clone()), layout, &page, Value::clone);
                assert_eq!(
                    checked,
                    sent,
                    "checked {checked} but sent {}",
                    String::from_utf8_lossy(&body)
                );
            }
        }
    }
}
