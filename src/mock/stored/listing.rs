//! Lists of stored objects: which objects a list operation answers with (scope, filters) and
//! which page of them (the operation's own page/size, limit/offset or cursor parameters).

use ::http::{HeaderMap, HeaderValue};
use serde_json::Value;

use super::call::StatefulCall;
use super::fill::NAMING_FIELDS;
use super::shape::Page;
use crate::contract::{ParameterLocation, View};
use crate::state::Ordered;
use crate::validate::{RequestParts, parameter_value, resolve};

/// A stored object: its key and compact JSON text.
pub type Listed<'a> = Ordered<'a>;

/// Query parameters that page a list rather than filter it.
const PAGE_SIZE: &[&str] = &[
    "per_page",
    "perPage",
    "pageSize",
    "page_size",
    "size",
    "limit",
];
const PAGE_NUMBER: &[&str] = &["page", "page_number", "pageNumber"];
const OFFSET: &[&str] = &["offset", "skip"];
const CURSOR: &[&str] = &["cursor", "after", "starting_after"];

/// One page of the stored objects a list answers with (`objects` in creation order, `stored`
/// of them), and the page's numbers. The objects are scoped by the list's path parameters
/// and filtered by query parameters named like fields (`member_type=user`), `only=1,2`, and
/// `*_after`/`*_before` timestamp bounds; then paged by the operation's own page/size,
/// limit/offset or cursor parameters. An object is parsed only when a filter reads its
/// fields (listing 100k stored objects parsed them all, 0.3 s with the session locked), and
/// an unfiltered list reads only the objects up to its page's end.
pub fn page<'a>(
    call: &StatefulCall<'_>,
    stored: usize,
    objects: impl Iterator<Item = Listed<'a>>,
) -> (Page, Vec<Listed<'a>>) {
    let resource = call.resource();
    let query: Vec<(String, String)> = form_urlencoded::parse(call.request.query.as_bytes())
        .into_owned()
        .collect();
    let paging = [PAGE_SIZE, PAGE_NUMBER, OFFSET, CURSOR].concat();
    let filters: Vec<(&str, &str)> = call
        .params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .chain(
            query
                .iter()
                .filter(|(n, _)| !n.starts_with("__") && !paging.contains(&n.as_str()))
                .map(|(n, v)| (n.as_str(), v.as_str())),
        )
        .collect();
    let (key_filters, named): (Vec<_>, Vec<_>) = filters
        .into_iter()
        .partition(|(name, _)| *name == "only" || resource.keys.iter().any(|k| k == name));
    // A parameter given twice, or an array parameter (`tags=a,b` where it is not exploded,
    // as its style says), filters for any of its values; different parameters, for all.
    let mut field_filters: Vec<FieldFilter> = Vec::new();
    for (name, wanted) in named {
        match field_filters.iter_mut().find(|f| f.name == name) {
            Some(filter) => filter.wanted.push(wanted.to_string()),
            None => field_filters.push(FieldFilter::new(name, wanted)),
        }
    }
    for filter in &mut field_filters {
        if let Some(items) = array_items(call, &query, filter.name) {
            filter.wanted = items;
        }
    }
    let cursor_param = call
        .operation
        .parameters
        .iter()
        .find(|p| p.location == ParameterLocation::Query && CURSOR.contains(&p.name.as_str()));
    let given_cursor = cursor_param.and_then(|p| {
        query
            .iter()
            .find(|(n, _)| *n == p.name)
            .map(|(_, v)| v.as_str())
    });
    // A cursor the contract declares as a date-time (Protocol's) is the creation time of the
    // last object of the previous page: the objects created after it follow. Any other cursor
    // is the last object's id.
    let time_cursor = cursor_param.is_some_and(|p| {
        p.schema.is_some_and(|id| {
            let schema = resolve(
                call.api.schemas.node(id),
                call.api.schemas.document(View::Request),
            );
            schema.get("format").and_then(Value::as_str) == Some("date-time")
        })
    });
    if time_cursor && let Some(after) = given_cursor {
        field_filters.push(FieldFilter::new("created_after", after));
    }
    let filtered = !key_filters.is_empty() || !field_filters.is_empty();
    let matching = objects
        .filter(|(key, _)| {
            key_filters.iter().all(|(name, wanted)| {
                match resource.keys.iter().position(|k| k == name) {
                    Some(position) => key.get(position).is_some_and(|v| v == wanted),
                    None => wanted
                        .split(',')
                        .any(|id| key.last().is_some_and(|k| k == id.trim())),
                }
            })
        })
        .filter(|(_, text)| {
            // Every field filter passes an object without the fields it reads, so an object
            // whose text names none of them needs no parsing.
            if !field_filters.iter().any(|f| f.may_apply(text)) {
                return true;
            }
            let object: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            field_filters.iter().all(|filter| filter.passes(&object))
        });
    let number = |names: &[&str]| -> Option<u64> {
        call.operation
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Query && names.contains(&p.name.as_str()))
            .find_map(|p| {
                let given = query
                    .iter()
                    .find(|(n, _)| *n == p.name)
                    .and_then(|(_, v)| v.parse::<u64>().ok());
                given.or_else(|| {
                    let schema = p.schema.map(|id| call.api.schemas.node(id))?;
                    // A number, or one written as a string (`perPage: {type: string,
                    // default: "10"}`), as query parameters are.
                    let default =
                        resolve(schema, call.api.schemas.document(View::Request)).get("default")?;
                    default.as_u64().or_else(|| default.as_str()?.parse().ok())
                })
            })
    };
    let size = number(PAGE_SIZE);
    let page_number = number(PAGE_NUMBER);
    let offset = number(OFFSET);
    let cursor = given_cursor.filter(|_| !time_cursor);
    // Where the page starts: after the cursor's object (unknown until it is met), at the
    // offset, or at the page number's first object.
    let mut start = match &cursor {
        Some(_) => None,
        None => Some(if let Some(offset) = offset {
            offset as usize
        } else if let (Some(page), Some(size)) = (page_number, size) {
            (page.saturating_sub(1) as usize).saturating_mul(size as usize)
        } else {
            0
        }),
    };
    let mut slice = Vec::new();
    let mut seen = 0;
    let mut stopped_early = false;
    for object in matching {
        match start {
            None => {
                if cursor.is_some_and(|c| object.0.last().map(String::as_str) == Some(c)) {
                    start = Some(seen + 1);
                }
            }
            Some(first) if seen >= first => {
                if size.is_some_and(|n| slice.len() as u64 >= n) {
                    // Past the page: unfiltered, the total is known without reading on.
                    if !filtered {
                        stopped_early = true;
                        break;
                    }
                } else {
                    slice.push(object);
                }
            }
            Some(_) => {}
        }
        seen += 1;
    }
    let total = if stopped_early { stored } else { seen };
    let start = start.unwrap_or(total).min(total);
    let end = start + slice.len();
    let page = Page {
        total,
        count: slice.len(),
        page_number: page_number.or(Some(1)),
        page_size: size,
        offset: offset.or(Some(start as u64)),
        next: (cursor_param.is_some() && end < total)
            .then(|| {
                let (key, text) = slice.last()?;
                if time_cursor {
                    created_at(text)
                } else {
                    key.last().cloned()
                }
            })
            .flatten(),
        prev: (cursor_param.is_some() && (start > 0 || time_cursor))
            .then(|| given_cursor.map(str::to_string))
            .flatten(),
        results: Vec::new(),
    };
    (page, slice)
}

/// The creation time an object's compact JSON `text` carries (`created_at`, `createdAt`,
/// `createdOn` or `created`), as it is written there.
fn created_at(text: &str) -> Option<String> {
    let object: Value = serde_json::from_str(text).ok()?;
    FieldFilter::new("created_after", "")
        .fields
        .iter()
        .find_map(|f| object.get(f).and_then(Value::as_str).map(str::to_string))
}

/// A query parameter compared with objects' fields: `member_type=user`, or a timestamp
/// bound such as `updated_after` (on `updated_at`, `updatedAt`, `updatedOn` or `updated`).
struct FieldFilter<'a> {
    name: &'a str,
    /// The values any of which passes.
    wanted: Vec<String>,
    /// The fields it reads.
    fields: Vec<String>,
    /// For a bound: whether it is a lower one.
    after: Option<bool>,
    /// The fields as they appear in compact JSON text (`"member_type"`); `None` when a name
    /// would be escaped there, so that the text cannot be searched for it.
    needles: Option<Vec<String>>,
}

impl<'a> FieldFilter<'a> {
    fn new(name: &'a str, wanted: &'a str) -> FieldFilter<'a> {
        let bound = [
            ("_after", true),
            ("_before", false),
            ("After", true),
            ("Before", false),
        ]
        .into_iter()
        .find_map(|(suffix, after)| name.strip_suffix(suffix).map(|base| (base, after)));
        let (fields, after) = match bound {
            Some((base, after)) => (
                vec![
                    format!("{base}_at"),
                    format!("{base}At"),
                    format!("{base}On"),
                    base.to_string(),
                ],
                Some(after),
            ),
            None => (vec![name.to_string()], None),
        };
        let plain = |f: &String| !f.chars().any(|c| c == '"' || c == '\\' || c.is_control());
        let needles = fields
            .iter()
            .all(plain)
            .then(|| fields.iter().map(|f| format!("\"{f}\"")).collect());
        FieldFilter {
            name,
            wanted: vec![wanted.to_string()],
            fields,
            after,
            needles,
        }
    }

    /// Whether `object` passes: its field is one of the values wanted, or holds one (an
    /// array of them, or of objects named by one, as the petstore's tags); a bound's
    /// timestamp is past it. An object without the field passes (the parameter may name no
    /// field: `include=owner`); one whose field is `null` does not.
    fn passes(&self, object: &Value) -> bool {
        if let Some(after) = self.after {
            let stamp = self
                .fields
                .iter()
                .find_map(|f| object.get(f).and_then(Value::as_str));
            return stamp.is_none_or(|stamp| {
                self.wanted.iter().all(|wanted| {
                    if after {
                        stamp > wanted.as_str()
                    } else {
                        stamp < wanted.as_str()
                    }
                })
            });
        }
        let is = |value: &Value, wanted: &str| match value {
            Value::String(s) => s == wanted,
            other => serde_json::from_str::<Value>(wanted).is_ok_and(|w| &w == other),
        };
        let holds = |value: &Value, wanted: &str| match value {
            Value::Array(items) => items.iter().any(|item| {
                is(item, wanted)
                    || NAMING_FIELDS
                        .iter()
                        .any(|f| item.get(f).is_some_and(|name| is(name, wanted)))
            }),
            other => is(other, wanted),
        };
        match object.get(self.name) {
            None => true,
            Some(Value::Null) => false,
            Some(value) => self.wanted.iter().any(|wanted| holds(value, wanted)),
        }
    }

    /// Whether an object's compact JSON `text` may hold a field this filter reads.
    fn may_apply(&self, text: &str) -> bool {
        self.needles
            .as_ref()
            .is_none_or(|needles| needles.iter().any(|n| text.contains(n.as_str())))
    }
}

/// The items of the query parameter `name`, where the operation declares it an array, read
/// by its style as request validation reads it.
fn array_items(
    call: &StatefulCall<'_>,
    query: &[(String, String)],
    name: &str,
) -> Option<Vec<String>> {
    let parameter = call
        .operation
        .parameters
        .iter()
        .find(|p| p.location == ParameterLocation::Query && p.name == name)?;
    let schemas = &call.api.schemas;
    let parts = RequestParts {
        path: call.params,
        query: query.to_vec(),
        headers: &call.request.headers,
        cookies: Vec::new(),
    };
    let document = schemas.document(View::Request);
    match parameter_value(parameter, schemas.node(parameter.schema?), document, &parts)? {
        Value::Array(items) => Some(
            items
                .into_iter()
                .map(|item| match item {
                    Value::String(text) => text,
                    other => other.to_string(),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Headers such as Rebilly's `Pagination-Total`, `-Limit` and `-Offset` tell the truth.
pub fn set_count_headers(headers: &mut HeaderMap, page: &Page) {
    for (name, value) in headers.iter_mut() {
        let name = name.as_str();
        let replacement = if name.ends_with("total") || name.ends_with("total-count") {
            Some(page.total as u64)
        } else if name.ends_with("-limit") && name.contains("pagination") {
            page.page_size.or(Some(page.count as u64))
        } else if name.ends_with("-offset") {
            page.offset
        } else {
            None
        };
        if let Some(n) = replacement {
            *value = HeaderValue::from(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FieldFilter;

    #[test]
    fn an_object_is_parsed_only_when_its_text_may_hold_a_filtered_field() {
        let text = r#"{"member_type":"user","updated_at":"2024-01-01T00:00:00Z"}"#;
        assert!(FieldFilter::new("member_type", "user").may_apply(text));
        assert!(FieldFilter::new("updated_after", "2023").may_apply(text));
        assert!(!FieldFilter::new("page", "2").may_apply(text));
        assert!(!FieldFilter::new("created_before", "2023").may_apply(text));
        // A name JSON would escape cannot be searched for: such objects are always parsed.
        assert!(FieldFilter::new("odd\"name", "x").may_apply(text));
    }
}
