//! Parameters off the wire: each is found where the contract says (path, query, header,
//! cookie) and decoded by its `style` and `explode` into the JSON value its schema describes,
//! ready to validate.

use std::borrow::Cow;

use ::http::HeaderMap;
use serde_json::{Map, Value};

use super::coerce::coerce;
use crate::contract::resolve;
use crate::contract::{Parameter, ParameterLocation, declared_types};

/// The parts of a request that parameters come from, decoded once per request.
pub struct RequestParts<'a> {
    /// Path parameters as matched, still percent-encoded.
    pub path: &'a [(String, String)],
    /// Query pairs, form-decoded, in order.
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub cookies: Vec<(String, String)>,
}

impl<'a> RequestParts<'a> {
    pub fn new(path: &'a [(String, String)], query: &str, headers: &'a HeaderMap) -> Self {
        let cookies = cookie_pairs(headers)
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        RequestParts {
            path,
            query: form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
            headers,
            cookies,
        }
    }

    pub fn header(&self, name: &str) -> Option<Cow<'a, str>> {
        crate::headers::text(self.headers, name)
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every `name=value` pair of the request's `Cookie` headers, trimmed.
pub fn cookie_pairs(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(::http::header::COOKIE)
        .into_iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.trim(), value.trim()))
}

/// The parameter's value, or `None` when the request does not carry it.
pub fn extract(
    parameter: &Parameter,
    schema: &Value,
    document: &Value,
    parts: &RequestParts<'_>,
) -> Option<Value> {
    let schema = resolve(schema, document);
    // A parameter given by JSON `content` (Superset's `q`, an object of list options) is
    // JSON text in its one value, whatever its schema's type.
    if parameter.location != ParameterLocation::QueryString && parameter.takes_json() {
        let raw = raw_value(parameter, parts)?;
        return Some(serde_json::from_str(&raw).unwrap_or(Value::String(raw)));
    }
    let kind = schema_kind(schema);
    let explode = parameter.explode.unwrap_or(
        matches!(parameter.style.as_deref(), None | Some("form"))
            && parameter.location != ParameterLocation::Path
            && parameter.location != ParameterLocation::Header,
    );
    match parameter.location {
        ParameterLocation::Path => {
            let decoded = raw_value(parameter, parts)?;
            let text = match parameter.style.as_deref() {
                Some("label") => decoded.strip_prefix('.').unwrap_or(&decoded).to_string(),
                Some("matrix") => {
                    let prefix = format!(";{}=", parameter.name);
                    decoded
                        .strip_prefix(&prefix)
                        .unwrap_or(&decoded)
                        .to_string()
                }
                _ => decoded,
            };
            let separator = if parameter.style.as_deref() == Some("label") && explode {
                '.'
            } else {
                ','
            };
            Some(from_delimited(&text, separator, kind, schema, document))
        }
        ParameterLocation::Query => query_value(parameter, kind, explode, schema, document, parts),
        ParameterLocation::Header => {
            let raw = parts.header(&parameter.name)?;
            Some(from_delimited(&raw, ',', kind, schema, document))
        }
        ParameterLocation::Cookie => {
            let raw = parts.cookie(&parameter.name)?;
            Some(from_delimited(raw, ',', kind, schema, document))
        }
        ParameterLocation::QueryString => query_string_value(parameter, schema, document, parts),
    }
}

/// The one value `parameter` has in the request, as sent (a path's percent-decoded).
fn raw_value(parameter: &Parameter, parts: &RequestParts<'_>) -> Option<String> {
    match parameter.location {
        ParameterLocation::Path => {
            let (_, raw) = parts.path.iter().find(|(n, _)| *n == parameter.name)?;
            Some(
                percent_encoding::percent_decode_str(raw)
                    .decode_utf8_lossy()
                    .into_owned(),
            )
        }
        ParameterLocation::Query => parts
            .query
            .iter()
            .find(|(n, _)| *n == parameter.name)
            .map(|(_, v)| v.clone()),
        // The whole query string is the value (see `query_string_value`).
        ParameterLocation::QueryString => None,
        ParameterLocation::Header => parts.header(&parameter.name).map(Cow::into_owned),
        ParameterLocation::Cookie => parts.cookie(&parameter.name).map(str::to_string),
    }
}

/// The whole query string as one value: JSON text (percent-encoded, so it reads as one name
/// without a value) for a JSON media type, else a form whose fields are read by the schema's
/// properties. `None` when the request has no query string.
fn query_string_value(
    parameter: &Parameter,
    schema: &Value,
    document: &Value,
    parts: &RequestParts<'_>,
) -> Option<Value> {
    if parts.query.is_empty() {
        return None;
    }
    if parameter.takes_json() {
        let text: String = parts
            .query
            .iter()
            .map(|(n, v)| {
                if v.is_empty() {
                    n.clone()
                } else {
                    format!("{n}={v}")
                }
            })
            .collect::<Vec<_>>()
            .join("&");
        return Some(serde_json::from_str(&text).unwrap_or(Value::String(text)));
    }
    let mut object = Map::new();
    for (name, value) in &parts.query {
        let property = schema
            .pointer(&format!("/properties/{}", crate::pointer::escape(name)))
            .unwrap_or(&Value::Bool(true));
        let property = resolve(property, document);
        let coerced = if schema_kind(property) == Kind::Array {
            let items = property.get("items").unwrap_or(&Value::Bool(true));
            match object.remove(name) {
                Some(Value::Array(mut list)) => {
                    list.push(coerce(items, document, value));
                    Value::Array(list)
                }
                _ => Value::Array(vec![coerce(items, document, value)]),
            }
        } else {
            coerce(property, document, value)
        };
        object.insert(name.clone(), coerced);
    }
    Some(Value::Object(object))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Array,
    Object,
    Primitive,
}

/// How a parameter's value is written, by its schema's type; by `items` or `properties` only
/// where it names none (flat's `sort` is a string with `items` beside it, which JSON Schema
/// applies to arrays only).
fn schema_kind(schema: &Value) -> Kind {
    let types = declared_types(schema);
    let untyped_with = |keyword: &str| types.is_empty() && schema.get(keyword).is_some();
    if types.contains(&"array") || untyped_with("items") {
        Kind::Array
    } else if types.contains(&"object") || untyped_with("properties") {
        Kind::Object
    } else {
        Kind::Primitive
    }
}

fn query_value(
    parameter: &Parameter,
    kind: Kind,
    explode: bool,
    schema: &Value,
    document: &Value,
    parts: &RequestParts<'_>,
) -> Option<Value> {
    let name = parameter.name.as_str();
    let values: Vec<&str> = parts
        .query
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect();
    match (kind, parameter.style.as_deref()) {
        (Kind::Object, Some("deepObject")) => {
            let prefix = format!("{name}[");
            let mut object = Map::new();
            for (key, value) in &parts.query {
                if let Some(property) = key
                    .strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_suffix(']'))
                {
                    let property_schema = schema
                        .pointer(&format!("/properties/{}", crate::pointer::escape(property)))
                        .unwrap_or(&Value::Bool(true));
                    object.insert(
                        property.to_string(),
                        coerce(property_schema, document, value),
                    );
                }
            }
            (!object.is_empty()).then_some(Value::Object(object))
        }
        (Kind::Object, _) if explode => {
            let properties = schema.get("properties").and_then(Value::as_object)?;
            let object: Map<String, Value> = parts
                .query
                .iter()
                .filter_map(|(key, value)| {
                    Some((key.clone(), coerce(properties.get(key)?, document, value)))
                })
                .collect();
            (!object.is_empty()).then_some(Value::Object(object))
        }
        (Kind::Array, style) => {
            if values.is_empty() {
                return None;
            }
            let separator = match style {
                Some("spaceDelimited") => Some(' '),
                Some("pipeDelimited") => Some('|'),
                // Swagger 2.0's `collectionFormat: tsv`, which 3.0 has no style for.
                Some("tabDelimited") => Some('\t'),
                _ if explode => None,
                _ => Some(','),
            };
            let items = schema.get("items").unwrap_or(&Value::Bool(true));
            if let [""] = values.as_slice() {
                return Some(empty_array(schema, items, document));
            }
            let parts: Vec<&str> = match separator {
                Some(separator) => values.iter().flat_map(|v| v.split(separator)).collect(),
                None => values,
            };
            Some(Value::Array(
                parts
                    .into_iter()
                    .map(|p| coerce(items, document, p))
                    .collect(),
            ))
        }
        _ => values
            .first()
            .map(|raw| from_delimited(raw, ',', kind, schema, document)),
    }
}

/// An array sent as an empty value (`ids=`, an empty header): no items, as clients write an
/// empty array, unless the schema demands items, when it is one empty item.
fn empty_array(schema: &Value, items: &Value, document: &Value) -> Value {
    if schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) > 0 {
        Value::Array(vec![coerce(items, document, "")])
    } else {
        Value::Array(Vec::new())
    }
}

/// A simple-style value: arrays and objects as comma-separated lists.
fn from_delimited(
    raw: &str,
    separator: char,
    kind: Kind,
    schema: &Value,
    document: &Value,
) -> Value {
    match kind {
        Kind::Array => {
            let items = schema.get("items").unwrap_or(&Value::Bool(true));
            if raw.trim().is_empty() {
                return empty_array(schema, items, document);
            }
            Value::Array(
                raw.split(separator)
                    .map(|p| coerce(items, document, p.trim()))
                    .collect(),
            )
        }
        Kind::Object if raw.trim().is_empty() => Value::Object(Map::new()),
        Kind::Object => {
            let parts: Vec<&str> = raw.split(separator).collect();
            let pairs: Vec<(String, String)> = if parts.iter().all(|p| p.contains('=')) {
                parts
                    .iter()
                    .filter_map(|p| p.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            } else {
                parts
                    .chunks(2)
                    .map(|c| (c[0].to_string(), c.get(1).unwrap_or(&"").to_string()))
                    .collect()
            };
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| {
                        let property = schema
                            .pointer(&format!("/properties/{}", crate::pointer::escape(&k)))
                            .unwrap_or(&Value::Bool(true));
                        let value = coerce(property, document, &v);
                        (k, value)
                    })
                    .collect(),
            )
        }
        Kind::Primitive => coerce(schema, document, raw),
    }
}
