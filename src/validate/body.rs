//! Bodies other than JSON read into the value their schema judges, requests and answers
//! alike: YAML parsed, text taken as the string it is where the schema wants one.

use serde_json::Value;

use crate::contract::resolve;
use crate::contract::{CompiledApi, SchemaId, View};

/// Whether `schema` (in `view`) describes a body as one string (`type: string`, or no type and
/// no properties or items), so that text is judged as that string; where it wants an object,
/// an array or a number, text can only be that value written out.
pub fn is_text_schema(api: &CompiledApi, schema: SchemaId, view: View) -> bool {
    let resolved = resolve(api.schemas.node(schema), api.schemas.document(view));
    match resolved.get("type") {
        Some(Value::String(kind)) => kind == "string",
        Some(Value::Array(kinds)) => kinds.iter().any(|k| k == "string"),
        _ => resolved.get("properties").is_none() && resolved.get("items").is_none(),
    }
}

/// A YAML body as the value it writes (serde_yaml_ng stops deep nesting with an error, so a
/// deep body cannot overflow the stack); the parser's words where it is no YAML.
pub fn yaml_value(body: &[u8]) -> Result<Value, String> {
    serde_yaml_ng::from_slice(body).map_err(|e| e.to_string())
}
