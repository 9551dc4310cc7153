//! Values to bytes on the wire, by media type, and header values from schema values.

use bytes::Bytes;
use serde_json::Value;

use crate::contract::{CompiledApi, SchemaId, View};

/// [`body_bytes`], but a structured value for an XML media type is written as the XML its
/// schema `id` maps it to (see `xml`).
pub fn schema_body(
    media_type: &str,
    value: &Value,
    api: &CompiledApi,
    id: Option<SchemaId>,
) -> Bytes {
    match id {
        Some(id)
            if !value.is_string()
                && crate::media::is_xml_essence(&crate::media::essence(media_type)) =>
        {
            // A component's name names its root element.
            let component = api
                .schemas
                .pointer(id)
                .strip_prefix("/components/schemas/")
                .filter(|name| !name.contains('/'))
                .map(|name| name.replace("~1", "/").replace("~0", "~"));
            super::xml::xml_bytes(
                value,
                api.schemas.node(id),
                api.schemas.document(View::Response),
                component.as_deref(),
            )
        }
        _ => body_bytes(media_type, value),
    }
}

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
