//! Bodies other than JSON read into the value their schema judges, requests and answers
//! alike: YAML parsed, text taken as the string it is where the schema wants one.

use serde_json::Value;

use crate::contract::{CompiledApi, SchemaId, View, declared_types, resolve};
use crate::media;

/// Whether `schema` (in `view`) describes a body as one string (`type: string`, or no type and
/// no properties or items), so that text is judged as that string; where it wants an object,
/// an array or a number, text can only be that value written out.
pub fn is_text_schema(api: &CompiledApi, schema: SchemaId, view: View) -> bool {
    let resolved = resolve(api.schemas.node(schema), api.schemas.document(view));
    let types = declared_types(resolved);
    if types.is_empty() {
        resolved.get("properties").is_none() && resolved.get("items").is_none()
    } else {
        types.contains(&"string")
    }
}

/// A body of a media type with a structure of its own read into its value: `None` where
/// `essence` is neither JSON nor YAML, else the value or what keeps it from being one
/// (`not valid JSON: …`).
pub fn structured_value(essence: &str, body: &[u8]) -> Option<Result<Value, String>> {
    if media::is_json_essence(essence) {
        Some(serde_json::from_slice(body).map_err(|e| format!("not valid JSON: {e}")))
    } else if media::is_yaml_essence(essence) {
        Some(yaml_value(body).map_err(|e| format!("not valid YAML: {e}")))
    } else {
        None
    }
}

/// A YAML body as the value it writes (serde_yaml_ng stops deep nesting with an error, so a
/// deep body cannot overflow the stack); the parser's words where it is no YAML.
pub fn yaml_value(body: &[u8]) -> Result<Value, String> {
    serde_yaml_ng::from_slice(body).map_err(|e| e.to_string())
}
