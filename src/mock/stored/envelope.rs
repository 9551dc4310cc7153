//! Envelopes (`{count, meta, results, organization_memberships: {...}}`) written once to JSON
//! text with holes, then filled per answer with the stored objects' own text and the page's
//! numbers.
//!
//! The envelope around a stored object is generated from its schema with a fixed seed, so
//! everything but the objects and the bookkeeping numbers is the same in every answer. Cloning
//! the generated tree, filling it and serialising it again on every request cost a third of a
//! stored GET; filling holes in pre-written text costs a few copies, and stored objects (kept
//! as compact JSON text, see `state`) go into the answer without being parsed.

use serde_json::{Map, Value};

use super::shape::{Page, Slot};

/// What a hole is filled with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hole {
    /// The resource(s): written by the caller.
    Slot,
    /// Objects matching the request, over all pages.
    Total,
    /// Objects in this answer.
    Count,
    /// Number of pages.
    Pages,
    /// The page number, else the generated value (kept as text).
    PageNumber(String),
    /// The page size, else the number of objects in this answer.
    Size,
    /// The offset, else the generated value.
    Offset(String),
    /// The next page's cursor, and how the envelope says there is none.
    Next(NoLink),
    /// The previous page's cursor, and how the envelope says there is none.
    Prev(NoLink),
    /// Whether objects follow this page (Stripe's `has_more`).
    HasMore,
    /// Whether objects precede this page.
    HasPrevious,
    /// Kantata's `results: [{key, id}]` index.
    Results,
}

/// How an envelope says a page has no next (or previous) page: `null` where its schema
/// allows it, else without the field where it may be left out, else (a field required and
/// never null) with the generated value, which is the contract's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoLink {
    Null,
    Omitted,
    Generated(String),
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Hole(Hole),
    /// A link field that may be left out: its key (written with its colon), written with the
    /// comma before it only when the link is there. Such fields come last in their object.
    OptionalLink(String, Hole),
}

/// An envelope's text with holes, and the same as a value with the places of its holes (for
/// the check of an answer, which parsing the text again cost a sixteenth of a create).
#[derive(Debug, Clone)]
pub struct Envelope {
    parts: Vec<Part>,
    /// The generated envelope, null where its holes are (copying it for a check copies no
    /// generated resources).
    template: Value,
    /// The holes, each with its place in `template` (the keys of the objects it is in).
    holes: Vec<(Vec<String>, Hole)>,
    /// Each hole's place again, as the index of each key in its object (see [`place_at`]).
    positions: Vec<Vec<usize>>,
    /// A copy of `template` the last check filled, kept for the next (see
    /// [`Envelope::check_filled`]).
    scratch: Scratch,
}

/// A filled copy of an envelope's template, kept between checks; a clone of the envelope
/// starts without one.
#[derive(Debug, Default)]
struct Scratch(std::sync::Mutex<Option<Value>>);

impl Clone for Scratch {
    fn clone(&self) -> Scratch {
        Scratch::default()
    }
}

/// What [`Envelope::new`] keeps while it walks the generated envelope.
struct Builder<'f> {
    /// How each link field (by its path) says there is no such page.
    no_link: &'f dyn Fn(&[String]) -> NoLink,
    parts: Vec<Part>,
    holes: Vec<(Vec<String>, Hole)>,
    /// Where the walk is: the keys of the objects it is in.
    path: Vec<String>,
}

impl Envelope {
    /// Writes `template` (the envelope generated from its schema) with holes where `slot`
    /// and the bookkeeping fields go. Fields it does not recognise keep their generated
    /// (valid) values; a template that is not an object has no holes at all.
    /// `no_link` says how each link field (by its path of keys) says there is no such page.
    pub fn new(template: &Value, slot: &Slot, no_link: &dyn Fn(&[String]) -> NoLink) -> Envelope {
        let mut builder = Builder {
            no_link,
            parts: Vec::new(),
            holes: Vec::new(),
            path: Vec::new(),
        };
        let mut value = template.clone();
        match template {
            Value::Object(object) => {
                builder.object(object, Some(slot.keys()), slot.name());
                // The slot's place, made where the generated envelope left it out.
                let mut at = &mut value;
                for key in slot.keys() {
                    if !at.is_object() {
                        *at = Value::Object(Map::new());
                    }
                    at = match at {
                        Value::Object(fields) => fields.entry(key.clone()).or_insert(Value::Null),
                        _ => break,
                    };
                }
            }
            other => builder.value(other),
        }
        for (path, _) in &builder.holes {
            if let Some(place) = place_mut(&mut value, path) {
                *place = Value::Null;
            }
        }
        let positions = builder
            .holes
            .iter()
            .map(|(path, _)| positions(&value, path))
            .collect();
        Envelope {
            parts: builder.parts,
            template: value,
            holes: builder.holes,
            positions,
            scratch: Scratch::default(),
        }
    }

    /// Calls `check` with the answer as a value, as [`Envelope::render`] writes it: the holes
    /// filled from `page`, the slot with `slot`. It is filled in a copy of the template kept
    /// from the last check: copying the template for every check cost a create a twentieth of
    /// its time. The copy is kept again, the slot emptied, unless a field was taken out of it
    /// (a link to no page), which the next answer may need.
    pub fn check_filled<R>(&self, page: &Page, slot: Value, check: impl FnOnce(&Value) -> R) -> R {
        let kept = self
            .scratch
            .0
            .try_lock()
            .ok()
            .and_then(|mut kept| kept.take());
        let mut value = kept.unwrap_or_else(|| self.template.clone());
        let removed = self.fill(&mut value, page, slot);
        let result = check(&value);
        if !removed {
            for ((path, hole), positions) in self.holes.iter().zip(&self.positions) {
                if *hole == Hole::Slot
                    && let Some(place) = place_at(&mut value, path, positions)
                {
                    *place = Value::Null;
                }
            }
            if let Ok(mut kept) = self.scratch.0.try_lock() {
                *kept = Some(value);
            }
        }
        result
    }

    /// Fills the holes of `out` (the template, or a copy a check filled before) from `page`,
    /// the slot with `slot`; whether it took a field out (a link to no page that the
    /// envelope leaves out).
    fn fill(&self, out: &mut Value, page: &Page, slot: Value) -> bool {
        let mut slot = Some(slot);
        let mut removed = false;
        for ((path, hole), positions) in self.holes.iter().zip(&self.positions) {
            let Some(place) = place_at(out, path, positions) else {
                continue;
            };
            *place = match hole {
                Hole::Slot => slot.take().unwrap_or(Value::Null),
                Hole::Total => Value::from(page.total),
                Hole::Count => Value::from(page.count),
                Hole::Pages => Value::from(pages(page)),
                Hole::PageNumber(generated) => page
                    .page_number
                    .map_or_else(|| parsed(generated), Value::from),
                Hole::Size => Value::from(page.page_size.unwrap_or(page.count as u64)),
                Hole::Offset(generated) => {
                    page.offset.map_or_else(|| parsed(generated), Value::from)
                }
                Hole::Next(none) | Hole::Prev(none) => {
                    let given = if matches!(hole, Hole::Next(_)) {
                        &page.next
                    } else {
                        &page.prev
                    };
                    match link(given, none) {
                        Some(value) => value,
                        None => {
                            remove(out, path);
                            removed = true;
                            continue;
                        }
                    }
                }
                Hole::HasMore => Value::Bool(has_more(page)),
                Hole::HasPrevious => Value::Bool(has_previous(page)),
                Hole::Results => {
                    fill_results(place, &page.results);
                    continue;
                }
            };
        }
        removed
    }

    /// Whether the resource goes in the envelope (a template that is not an object has no
    /// place for it).
    pub fn has_slot(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Hole(Hole::Slot)))
    }

    /// The answer's text: the holes filled from `page`, the slot by `write_slot`.
    pub fn render(&self, page: &Page, write_slot: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        let pages = pages(page);
        for part in &self.parts {
            match part {
                Part::Text(text) => out.extend_from_slice(text.as_bytes()),
                Part::OptionalLink(key, hole) => {
                    let (Hole::Next(none) | Hole::Prev(none)) = hole else {
                        continue;
                    };
                    let given = if matches!(hole, Hole::Next(_)) {
                        &page.next
                    } else {
                        &page.prev
                    };
                    if let Some(value) = link(given, none) {
                        if out.last() != Some(&b'{') {
                            out.push(b',');
                        }
                        out.extend_from_slice(key.as_bytes());
                        json(&mut out, &value);
                    }
                }
                Part::Hole(hole) => match hole {
                    Hole::Slot => write_slot(&mut out),
                    Hole::Total => number(&mut out, page.total as u64),
                    Hole::Count => number(&mut out, page.count as u64),
                    Hole::Pages => number(&mut out, pages),
                    Hole::PageNumber(generated) => match page.page_number {
                        Some(n) => number(&mut out, n),
                        None => out.extend_from_slice(generated.as_bytes()),
                    },
                    Hole::Size => number(&mut out, page.page_size.unwrap_or(page.count as u64)),
                    Hole::Offset(generated) => match page.offset {
                        Some(n) => number(&mut out, n),
                        None => out.extend_from_slice(generated.as_bytes()),
                    },
                    Hole::Next(none) => json(&mut out, &link(&page.next, none)),
                    Hole::HasMore => json(&mut out, &has_more(page)),
                    Hole::HasPrevious => json(&mut out, &has_previous(page)),
                    Hole::Prev(none) => json(&mut out, &link(&page.prev, none)),
                    Hole::Results => {
                        out.push(b'[');
                        for (i, (key, id)) in page.results.iter().enumerate() {
                            if i > 0 {
                                out.push(b',');
                            }
                            out.extend_from_slice(b"{\"key\":");
                            json(&mut out, key);
                            out.extend_from_slice(b",\"id\":");
                            json(&mut out, id);
                            out.push(b'}');
                        }
                        out.push(b']');
                    }
                },
            }
        }
        out
    }
}

impl Builder<'_> {
    fn text(&mut self, text: &str) {
        match self.parts.last_mut() {
            Some(Part::Text(last)) => last.push_str(text),
            _ => self.parts.push(Part::Text(text.to_string())),
        }
    }

    fn hole(&mut self, hole: Hole) {
        self.holes.push((self.path.clone(), hole.clone()));
        self.parts.push(Part::Hole(hole));
    }

    fn value(&mut self, value: &Value) {
        self.text(&crate::json_text::to_string(value));
    }

    fn key(&mut self, key: &str) {
        self.value(&Value::String(key.to_string()));
        self.text(":");
    }

    /// One object of the envelope; `here` is the slot's keys from this object down, where it
    /// is on the slot's way, and the resource goes there (appended when the generated
    /// envelope left it out). Other fields named like the slot (`name`) keep their generated
    /// values.
    fn object(&mut self, object: &Map<String, Value>, here: Option<&[String]>, name: &str) {
        let has_total = object.keys().any(|k| is_total(normalize(k).as_str()));
        self.text("{");
        let mut written = 0;
        let mut optional = Vec::new();
        for (key, value) in object {
            self.path.push(key.clone());
            match self.link(key, value) {
                Some(hole @ (Hole::Next(NoLink::Omitted) | Hole::Prev(NoLink::Omitted))) => {
                    optional.push((key, hole, self.path.clone()));
                }
                _ => {
                    if written > 0 {
                        self.text(",");
                    }
                    written += 1;
                    self.key(key);
                    self.field(key, value, here, name, has_total);
                }
            }
            self.path.pop();
        }
        if let Some([first, rest @ ..]) = here
            && !object.contains_key(first)
        {
            if written > 0 {
                self.text(",");
            }
            self.key(first);
            self.path.push(first.clone());
            match rest {
                [] => self.hole(Hole::Slot),
                deeper => self.object(&Map::new(), Some(deeper), name),
            }
            self.path.pop();
        }
        // Last, so that the fields before them carry their commas whether they are there.
        for (key, hole, path) in optional {
            let key = format!(
                "{}:",
                crate::json_text::to_string(&Value::String(key.clone()))
            );
            self.holes.push((path, hole.clone()));
            self.parts.push(Part::OptionalLink(key, hole));
        }
        self.text("}");
    }

    /// The hole a page-link field (`next`, `prev` and their kin) is, if it is one.
    fn link(&self, key: &str, value: &Value) -> Option<Hole> {
        if !matches!(value, Value::String(_) | Value::Null) {
            return None;
        }
        match normalize(key).as_str() {
            "next" | "nextcursor" => Some(Hole::Next((self.no_link)(&self.path))),
            "prev" | "previous" | "prevcursor" => Some(Hole::Prev((self.no_link)(&self.path))),
            _ => None,
        }
    }

    /// One field of an envelope object: a hole where the page or the resource goes, else its
    /// generated value.
    fn field(
        &mut self,
        key: &str,
        value: &Value,
        here: Option<&[String]>,
        name: &str,
        has_total: bool,
    ) {
        match here {
            Some([only]) if only == key => return self.hole(Hole::Slot),
            Some([first, deeper @ ..]) if first == key => {
                let empty = Map::new();
                let inner = value.as_object().unwrap_or(&empty);
                return self.object(inner, Some(deeper), name);
            }
            _ if key == name => return self.value(value),
            _ => {}
        }
        let name = normalize(key);
        let name = name.as_str();
        match value {
            Value::Number(_) => match name {
                _ if is_total(name) => self.hole(Hole::Total),
                "count" if has_total => self.hole(Hole::Count),
                "count" => self.hole(Hole::Total),
                "totalpages" | "pagecount" | "numpages" | "pages" => self.hole(Hole::Pages),
                "number" | "page" | "pagenumber" | "currentpage" => {
                    self.hole(Hole::PageNumber(value.to_string()))
                }
                "size" | "pagesize" | "perpage" | "limit" => self.hole(Hole::Size),
                "offset" | "skip" => self.hole(Hole::Offset(value.to_string())),
                _ => self.value(value),
            },
            Value::String(_) | Value::Null if self.link(key, value).is_some() => {
                if let Some(hole) = self.link(key, value) {
                    self.hole(hole);
                }
            }
            Value::Bool(_) if matches!(name, "hasmore" | "hasnext" | "hasnextpage") => {
                self.hole(Hole::HasMore)
            }
            Value::Bool(_) if matches!(name, "hasprevious" | "hasprev" | "haspreviouspage") => {
                self.hole(Hole::HasPrevious)
            }
            Value::Array(_) if name == "results" => self.hole(Hole::Results),
            Value::Object(inner) => self.object(inner, None, name),
            _ => self.value(value),
        }
    }
}

/// How the link field at `path` of `template` (a generated envelope, valid) says there is no
/// such page within the schema `fits` checks: `null` where it allows that, else the field
/// left out where it allows that, else the generated value.
pub fn no_link_that_fits(
    template: &Value,
    path: &[String],
    fits: &dyn Fn(&Value) -> bool,
) -> NoLink {
    let mut probe = template.clone();
    match place_mut(&mut probe, path) {
        Some(place) => *place = Value::Null,
        None => return NoLink::Null,
    }
    if !fits(template) || fits(&probe) {
        return NoLink::Null;
    }
    remove(&mut probe, path);
    if fits(&probe) {
        return NoLink::Omitted;
    }
    let generated = path.iter().try_fold(template, |at, key| at.get(key));
    match generated {
        Some(Value::String(text)) => NoLink::Generated(text.clone()),
        _ => NoLink::Null,
    }
}

/// The value a link field is written with: the page's cursor, else what says there is none
/// (`None`: the field is left out).
fn link(given: &Option<String>, none: &NoLink) -> Option<Value> {
    match (given, none) {
        (Some(cursor), _) => Some(Value::String(cursor.clone())),
        (None, NoLink::Null) => Some(Value::Null),
        (None, NoLink::Omitted) => None,
        (None, NoLink::Generated(text)) => Some(Value::String(text.clone())),
    }
}

/// Takes the field `path` names out of its object in `value`.
fn remove(value: &mut Value, path: &[String]) {
    if let Some((last, parent)) = path.split_last()
        && let Some(Value::Object(object)) = place_mut(value, parent)
    {
        object.remove(last);
    }
}

/// What `path` (keys of nested objects) names in `value`.
fn place_mut<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |at, key| at.get_mut(key))
}

/// The index of each key of `path` in its object in `value` (as far as they are there).
fn positions(value: &Value, path: &[String]) -> Vec<usize> {
    let mut at = value;
    let mut out = Vec::with_capacity(path.len());
    for key in path {
        let Value::Object(fields) = at else { break };
        let Some(i) = fields.keys().position(|k| k == key) else {
            break;
        };
        out.push(i);
        at = &fields[key.as_str()];
    }
    out
}

/// What `path` names in `value`, each key found at its index in `positions` where that key is
/// there (in a copy of the template it always is), else by name: hashing each key of each
/// hole was a sixth of the check of a create.
fn place_at<'a>(
    value: &'a mut Value,
    path: &[String],
    positions: &[usize],
) -> Option<&'a mut Value> {
    let mut at = value;
    for (depth, key) in path.iter().enumerate() {
        let Value::Object(fields) = at else {
            return None;
        };
        let index = positions
            .get(depth)
            .copied()
            .filter(|&i| fields.keys().nth(i).is_some_and(|k| k == key));
        at = match index {
            Some(i) => fields.iter_mut().nth(i).map(|(_, v)| v)?,
            None => fields.get_mut(key)?,
        };
    }
    Some(at)
}

/// Kantata's `results: [{key, id}]` index of `results` (`(key, id)`) in `place`, its strings
/// written over those already there where it has as many entries.
fn fill_results(place: &mut Value, results: &[(String, String)]) {
    if let Value::Array(entries) = place
        && entries.len() == results.len()
        && entries
            .iter()
            .all(|e| e.as_object().is_some_and(|e| e.len() == 2))
    {
        for (entry, (key, id)) in entries.iter_mut().zip(results) {
            for (name, text) in [("key", key), ("id", id)] {
                match entry.get_mut(name) {
                    Some(Value::String(there)) => there.clone_from(text),
                    _ => entry[name] = Value::String(text.clone()),
                }
            }
        }
        return;
    }
    *place = results
        .iter()
        .map(|(key, id)| {
            let mut entry = Map::with_capacity(2);
            entry.insert("key".into(), Value::String(key.clone()));
            entry.insert("id".into(), Value::String(id.clone()));
            Value::Object(entry)
        })
        .collect();
}

/// How many pages `page` is one of.
fn pages(page: &Page) -> u64 {
    match (page.page_size, page.total) {
        (Some(size), total) if size > 0 => (total as u64).div_ceil(size),
        (_, 0) => 0,
        _ => 1,
    }
}

/// Whether objects follow `page` (Stripe's `has_more`).
fn has_more(page: &Page) -> bool {
    let end = page.offset.unwrap_or(0) + page.count as u64;
    page.next.is_some() || end < page.total as u64
}

/// Whether objects precede `page`.
fn has_previous(page: &Page) -> bool {
    page.prev.is_some() || page.offset.unwrap_or(0) > 0
}

/// A generated number kept as text, as a value.
fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn is_total(name: &str) -> bool {
    matches!(
        name,
        "total" | "totalelements" | "totalcount" | "totalitems" | "totalresults"
    )
}

fn number(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn json(out: &mut Vec<u8>, value: &impl serde::Serialize) {
    // Writing into a Vec cannot fail, and these values (strings, options) always serialise.
    let _ = serde_json::to_writer(out, value);
}

/// A key lower-cased without `_` and `-`, in a stack buffer. Keys longer than the buffer are
/// never bookkeeping names and normalise to nothing.
struct Normalized {
    bytes: [u8; 24],
    len: usize,
}

impl Normalized {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

fn normalize(key: &str) -> Normalized {
    let mut out = Normalized {
        bytes: [0; 24],
        len: 0,
    };
    for byte in key.bytes().filter(|b| *b != b'_' && *b != b'-') {
        if out.len == out.bytes.len() || !byte.is_ascii() {
            return Normalized {
                bytes: [0; 24],
                len: 0,
            };
        }
        out.bytes[out.len] = byte.to_ascii_lowercase();
        out.len += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn has_more_says_whether_objects_follow_the_page() {
        let template = json!({"object": "list", "data": [], "has_more": true, "hasPrevious": true});
        let mut last_page = page();
        last_page.next = None;
        last_page.offset = Some(5);
        let envelope = Envelope::new(&template, &Slot::top("data"), &|_| NoLink::Null);
        let text = envelope.render(&last_page, |out| out.extend_from_slice(b"[1,2]"));
        assert_eq!(
            serde_json::from_slice::<Value>(&text).unwrap(),
            json!({"object": "list", "data": [1, 2], "has_more": false, "hasPrevious": true})
        );
        let text = envelope.render(&page(), |out| out.extend_from_slice(b"[]"));
        assert_eq!(
            serde_json::from_slice::<Value>(&text).unwrap()["has_more"],
            true
        );
    }

    fn page() -> Page {
        Page {
            total: 7,
            count: 2,
            page_number: Some(2),
            page_size: Some(5),
            offset: None,
            next: Some("c9".into()),
            prev: None,
            results: vec![("things".into(), "4".into()), ("things".into(), "5".into())],
        }
    }

    /// The envelope rendered for `page()`, checked to be the value `Envelope::filled` builds.
    fn filled(template: Value, slot: &str) -> Value {
        let envelope = Envelope::new(&template, &Slot::top(slot), &|_| NoLink::Null);
        let text = envelope.render(&page(), |out| out.extend_from_slice(b"[1,2]"));
        let rendered: Value = serde_json::from_slice(&text).expect("an envelope renders to JSON");
        assert_eq!(
            envelope.check_filled(&page(), json!([1, 2]), Value::clone),
            rendered,
            "expected the value built for the check to be the text sent"
        );
        rendered
    }

    #[test]
    fn bookkeeping_fields_tell_the_page_and_others_keep_their_generated_values() {
        let template = json!({
            "totalElements": 99, "count": 99, "meta": {"page_count": 9, "page_number": 9,
            "page_size": 9, "offset": 3, "label": "x"}, "next": "z", "prev": "y",
            "results": [], "things": 0, "other": {"things": "kept"}
        });
        assert_eq!(
            filled(template, "things"),
            json!({
                "totalElements": 7, "count": 2, "meta": {"page_count": 2, "page_number": 2,
                "page_size": 5, "offset": 3, "label": "x"}, "next": "c9", "prev": null,
                "results": [{"key": "things", "id": "4"}, {"key": "things", "id": "5"}],
                "things": [1, 2], "other": {"things": "kept"}
            })
        );
    }

    #[test]
    fn a_slot_the_generated_envelope_left_out_is_appended() {
        assert_eq!(filled(json!({}), "data"), json!({"data": [1, 2]}));
        assert_eq!(
            filled(json!({"count": 0}), "data"),
            json!({"count": 7, "data": [1, 2]})
        );
    }

    #[test]
    fn a_slot_one_level_down_is_filled_and_made_where_the_generated_envelope_lacks_it() {
        let hal = Slot::nested(&["_embedded", "items"]);
        let cases = [
            (
                json!({"current_page": 9, "_embedded": {"items": [], "items_count": 0}}),
                json!({"current_page": 2, "_embedded": {"items": [1, 2], "items_count": 0}}),
            ),
            (
                json!({"current_page": 9}),
                json!({"current_page": 2, "_embedded": {"items": [1, 2]}}),
            ),
            (
                json!({"_embedded": null, "items": "kept"}),
                json!({"_embedded": {"items": [1, 2]}, "items": "kept"}),
            ),
        ];
        for (template, expected) in cases {
            let envelope = Envelope::new(&template, &hal, &|_| NoLink::Null);
            let text = envelope.render(&page(), |out| out.extend_from_slice(b"[1,2]"));
            let rendered: Value = serde_json::from_slice(&text)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&text)));
            assert_eq!(rendered, expected, "from the template {template}");
            assert_eq!(
                envelope.check_filled(&page(), json!([1, 2]), Value::clone),
                rendered,
                "expected the value built for the check to be the text sent, from {template}"
            );
        }
    }

    #[test]
    fn a_missing_page_link_is_null_left_out_or_generated_as_the_schema_allows() {
        let link = |next: Value, required: Value| {
            json!({"type": "object", "properties": {"links": {"type": "object",
                "required": required, "properties": {"next": next}}}})
        };
        let cases = [
            (
                link(json!({"type": ["string", "null"]}), json!([])),
                NoLink::Null,
            ),
            (link(json!({"type": "string"}), json!([])), NoLink::Omitted),
            (
                link(json!({"type": "string"}), json!(["next"])),
                NoLink::Generated("n".into()),
            ),
        ];
        let template = json!({"links": {"self": "s", "next": "n"}, "data": []});
        let path = ["links".to_string(), "next".to_string()];
        for (schema, expected) in cases {
            let validator = jsonschema::validator_for(&schema).unwrap();
            let fits = |value: &Value| validator.is_valid(value);
            assert_eq!(
                no_link_that_fits(&template, &path, &fits),
                expected,
                "under {schema}"
            );
        }
    }

    #[test]
    fn a_link_left_out_takes_its_comma_with_it_wherever_it_stood() {
        let template = json!({"links": {"next": "n", "self": "s", "prev": "p"}, "data": []});
        let envelope = Envelope::new(&template, &Slot::top("data"), &|_| NoLink::Omitted);
        let both = Page {
            prev: Some("c1".into()),
            ..page()
        };
        let both_links = json!({"next": "c9", "self": "s", "prev": "c1"});
        // The check fills a copy it keeps where it took nothing out: pages with both links
        // come before and after those without.
        let pages = [
            (both.clone(), both_links.clone()),
            (both.clone(), both_links.clone()),
            (page(), json!({"next": "c9", "self": "s"})),
            (
                Page {
                    next: None,
                    prev: Some("c1".into()),
                    ..page()
                },
                json!({"self": "s", "prev": "c1"}),
            ),
            (
                Page {
                    next: None,
                    ..page()
                },
                json!({"self": "s"}),
            ),
            (both, both_links),
        ];
        for (page, links) in pages {
            let text = envelope.render(&page, |out| out.extend_from_slice(b"[]"));
            let rendered: Value = serde_json::from_slice(&text)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&text)));
            assert_eq!(rendered["links"], links);
            assert_eq!(
                envelope.check_filled(&page, json!([]), Value::clone),
                rendered
            );
        }
        let alone = Envelope::new(
            &json!({"links": {"next": "n", "prev": "p"}}),
            &Slot::top("data"),
            &|_| NoLink::Omitted,
        );
        let text = alone.render(
            &Page {
                next: None,
                prev: Some("c1".into()),
                ..page()
            },
            |out| out.extend_from_slice(b"[]"),
        );
        assert_eq!(
            serde_json::from_slice::<Value>(&text).ok(),
            Some(json!({"links": {"prev": "c1"}, "data": []})),
            "{}",
            String::from_utf8_lossy(&text)
        );
    }

    #[test]
    fn a_template_that_is_no_object_is_written_as_it_is() {
        assert_eq!(filled(json!(["a"]), "data"), json!(["a"]));
    }
}
