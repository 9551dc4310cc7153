//! Values to bytes on the wire, by media type, and header values from schema values.

use bytes::Bytes;
use serde_json::Value;

/// JSON media types get JSON; others get a string value as it is (text, XML, CSV…), or JSON
/// when the schema made a structured value.
pub fn body_bytes(media_type: &str, value: &Value) -> Bytes {
    match value {
        Value::String(text) if !crate::media::answered_as_json(media_type) => {
            Bytes::from(text.clone())
        }
        _ => Bytes::from(crate::json_text::to_vec(value)),
    }
}

/// A header value from a schema value: simple style, as OpenAPI serialises headers.
pub fn header_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(header_value).collect::<Vec<_>>().join(","),
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| [k.clone(), header_value(v)])
            .collect::<Vec<_>>()
            .join(","),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
