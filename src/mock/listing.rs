//! Lists of stored objects: which objects a list operation answers with (scope, filters) and
//! which page of them (the operation's own page/size, limit/offset or cursor parameters).

use serde_json::Value;

use super::shape::Page;
use super::stateful::Exchange;
use crate::contract::{ParameterLocation, View};
use crate::state::Key;
use crate::validate::resolve;

/// The stored objects a list answers with: scoped by the list's path parameters and
/// filtered by query parameters named like fields (`member_type=user`), `only=1,2`, and
/// `*_after`/`*_before` timestamp bounds.
pub fn matching(exchange: &Exchange<'_>, objects: Vec<(Key, Value)>) -> Vec<(Key, Value)> {
    let resource = exchange.resource();
    let query: Vec<(String, String)> = form_urlencoded::parse(exchange.request.query.as_bytes())
        .into_owned()
        .collect();
    let filters: Vec<(&str, &str)> = exchange
        .params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .chain(
            query
                .iter()
                .filter(|(n, _)| !n.starts_with("__"))
                .map(|(n, v)| (n.as_str(), v.as_str())),
        )
        .collect();
    objects
        .into_iter()
        .filter(|(key, object)| {
            filters.iter().all(|(name, wanted)| {
                if let Some(position) = resource.keys.iter().position(|k| k == name) {
                    return key.get(position).is_some_and(|v| v == wanted);
                }
                if *name == "only" {
                    return wanted
                        .split(',')
                        .any(|id| key.last().is_some_and(|k| k == id.trim()));
                }
                for (suffix, after) in [
                    ("_after", true),
                    ("_before", false),
                    ("After", true),
                    ("Before", false),
                ] {
                    if let Some(base) = name.strip_suffix(suffix) {
                        let field = [
                            format!("{base}_at"),
                            format!("{base}At"),
                            format!("{base}On"),
                            base.to_string(),
                        ]
                        .into_iter()
                        .find_map(|f| object.get(&f).and_then(Value::as_str).map(str::to_string));
                        return field.is_none_or(|stamp| {
                            if after {
                                stamp.as_str() > *wanted
                            } else {
                                stamp.as_str() < *wanted
                            }
                        });
                    }
                }
                match object.get(*name) {
                    Some(Value::String(s)) => s == wanted,
                    Some(Value::Null) | None => object.get(*name).is_none(),
                    Some(other) => serde_json::from_str::<Value>(wanted).is_ok_and(|w| &w == other),
                }
            })
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// One page of `objects`, by the list operation's own pagination parameters.
pub fn paginate(exchange: &Exchange<'_>, objects: Vec<(Key, Value)>) -> (Page, Vec<(Key, Value)>) {
    let total = objects.len();
    let query: Vec<(String, String)> = form_urlencoded::parse(exchange.request.query.as_bytes())
        .into_owned()
        .collect();
    let number = |names: &[&str]| -> Option<u64> {
        exchange
            .operation
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Query && names.contains(&p.name.as_str()))
            .find_map(|p| {
                let given = query
                    .iter()
                    .find(|(n, _)| *n == p.name)
                    .and_then(|(_, v)| v.parse::<u64>().ok());
                given.or_else(|| {
                    let schema = p.schema.map(|id| exchange.api.schemas.node(id))?;
                    resolve(schema, exchange.api.schemas.document(View::Request))
                        .get("default")?
                        .as_u64()
                })
            })
    };
    let size = number(&[
        "per_page",
        "perPage",
        "pageSize",
        "page_size",
        "size",
        "limit",
    ]);
    let page_number = number(&["page", "page_number", "pageNumber"]);
    let offset = number(&["offset", "skip"]);
    let cursor_param = exchange.operation.parameters.iter().find(|p| {
        p.location == ParameterLocation::Query
            && matches!(p.name.as_str(), "cursor" | "after" | "starting_after")
    });
    let cursor = cursor_param.and_then(|p| {
        query
            .iter()
            .find(|(n, _)| *n == p.name)
            .map(|(_, v)| v.clone())
    });
    let start = if let Some(cursor) = &cursor {
        objects
            .iter()
            .position(|(k, _)| k.last() == Some(cursor))
            .map_or(total, |i| i + 1)
    } else if let Some(offset) = offset {
        offset as usize
    } else if let (Some(page), Some(size)) = (page_number, size) {
        (page.saturating_sub(1) as usize).saturating_mul(size as usize)
    } else {
        0
    }
    .min(total);
    let end = size.map_or(total, |s| start.saturating_add(s as usize).min(total));
    let slice: Vec<(Key, Value)> = objects[start..end].to_vec();
    let id_at = |i: usize| objects.get(i).and_then(|(k, _)| k.last().cloned());
    let page = Page {
        total,
        count: slice.len(),
        page_number: page_number.or(Some(1)),
        page_size: size,
        offset: offset.or(Some(start as u64)),
        next: (cursor_param.is_some() && end < total)
            .then(|| id_at(end - 1))
            .flatten(),
        prev: (cursor_param.is_some() && start > 0)
            .then(|| cursor.clone())
            .flatten(),
        results: Vec::new(),
    };
    (page, slice)
}

/// Headers such as Rebilly's `Pagination-Total`, `-Limit` and `-Offset` tell the truth.
pub fn set_count_headers(headers: &mut [(String, String)], page: &Page) {
    for (name, value) in headers.iter_mut() {
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
            *value = n.to_string();
        }
    }
}
