//! Strings from the wire (headers, and later parameters) to the JSON value their schema
//! describes, so that `"10"` validates as the integer 10.

use serde_json::Value;

use crate::contract::{declared_types, resolve};

/// Interprets `raw` by the type of `schema` (following `$ref`s in `document`); a value that
/// does not parse as that type stays a string, so the schema reports it.
pub fn coerce(schema: &Value, document: &Value, raw: &str) -> Value {
    let schema = typed(resolve(schema, document), document);
    let mut types = declared_types(schema);
    if types.is_empty() && schema.get("properties").is_some() {
        types.push("object");
    }
    // No type, but listed values (`enum: [true, false, 0, 1]`): the one written as `raw`.
    if types.is_empty()
        && let Some(Value::Array(values)) = schema.get("enum")
        && let Some(listed) = values.iter().find(|v| match v {
            Value::String(text) => text == raw,
            other => serde_json::from_str::<Value>(raw.trim()).is_ok_and(|read| &read == *other),
        })
    {
        return listed.clone();
    }
    // No type, but branches (PandaScore's `page`, an integer or an object; its videogames,
    // an id or a slug): the value as the first branch that reads it as more than a string
    // reads it. The whole `oneOf` still judges it.
    if types.is_empty()
        && let Some(Value::Array(branches)) = schema.get("oneOf").or_else(|| schema.get("anyOf"))
        && let Some(read) = branches
            .iter()
            .map(|branch| coerce(branch, document, raw))
            .find(|read| !matches!(read, Value::String(text) if text == raw))
    {
        return read;
    }
    for kind in &types {
        let parsed = match *kind {
            "integer" => parse_integer(raw.trim()),
            "number" => raw
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            "boolean" => match raw.trim() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            "null" if raw.is_empty() || raw == "null" => Some(Value::Null),
            // OpenAPI says nothing of an object inside a form array (AWS's SimpleDB `Items`):
            // one written as JSON is read as the object it writes.
            "object" => serde_json::from_str::<Value>(raw.trim())
                .ok()
                .filter(Value::is_object),
            "array" => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                Some(Value::Array(
                    raw.split(',')
                        .map(|part| coerce(items, document, part.trim()))
                        .collect(),
                ))
            }
            _ => None,
        };
        if let Some(value) = parsed {
            return value;
        }
    }
    Value::String(raw.to_string())
}

/// The part of `schema` that says what type a value has: itself, or where it names no type
/// the first part of its `allOf` that does (AWS's `allOf: [{$ref: Item}, {xml: {name: Item}}]`).
/// Only the type is read from it; the whole schema still judges the value.
fn typed<'a>(schema: &'a Value, document: &'a Value) -> &'a Value {
    if schema.get("type").is_some() {
        return schema;
    }
    let parts = schema.get("allOf").and_then(Value::as_array);
    parts
        .into_iter()
        .flatten()
        .map(|part| resolve(part, document))
        .find(|part| part.get("type").is_some() || part.get("properties").is_some())
        .unwrap_or(schema)
}

/// An integer of any size: beyond 64 bits it becomes a float with no fraction, which JSON
/// Schema still counts as an integer (so `offset=17693518268486246400` stays valid).
fn parse_integer(text: &str) -> Option<Value> {
    if let Ok(small) = text.parse::<i64>() {
        return Some(Value::from(small));
    }
    if let Ok(large) = text.parse::<u64>() {
        return Some(Value::from(large));
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_all_of_that_only_adds_a_description_resolves_to_what_it_refers_to() {
        let document = json!({"components": {"schemas": {"Apps": {"type": "array"}}}});
        let apps = json!({"$ref": "#/components/schemas/Apps"});
        let annotated = json!({"allOf": [apps, {"description": "the apps", "x-note": 1}]});
        assert_eq!(resolve(&annotated, &document), &json!({"type": "array"}));
        // A second branch that constrains is no annotation: the allOf is what says the type.
        let narrowed = json!({"allOf": [apps, {"minItems": 1}]});
        assert_eq!(resolve(&narrowed, &document), &narrowed);
    }

    #[test]
    fn numbers_booleans_and_arrays_are_read_by_their_schema() {
        let doc = json!({});
        assert_eq!(coerce(&json!({"type": "integer"}), &doc, "10"), json!(10));
        assert_eq!(
            coerce(&json!({"type": "boolean"}), &doc, "true"),
            json!(true)
        );
        assert_eq!(
            coerce(
                &json!({"type": "array", "items": {"type": "integer"}}),
                &doc,
                "1, 2"
            ),
            json!([1, 2])
        );
    }

    #[test]
    fn an_object_written_as_json_is_read_as_one_through_an_annotating_all_of() {
        let doc = json!({"components": {"schemas": {"Item": {
            "type": "object", "properties": {"Name": {"type": "string"}}}}}});
        let item =
            json!({"allOf": [{"$ref": "#/components/schemas/Item"}, {"xml": {"name": "Item"}}]});
        assert_eq!(
            coerce(&item, &doc, r#"{"Name": "a"}"#),
            json!({"Name": "a"})
        );
        assert_eq!(coerce(&item, &doc, "[1]"), json!("[1]"));
        let untyped = json!({"properties": {"Name": {"type": "string"}}});
        assert_eq!(
            coerce(&untyped, &doc, r#"{"Name": "b"}"#),
            json!({"Name": "b"})
        );
    }

    #[test]
    fn an_untyped_enum_reads_the_listed_value_written_so() {
        let schema = json!({"enum": [true, false, 0, 1, "maybe"]});
        let doc = json!({});
        assert_eq!(coerce(&schema, &doc, "true"), json!(true));
        assert_eq!(coerce(&schema, &doc, "1"), json!(1));
        assert_eq!(coerce(&schema, &doc, "maybe"), json!("maybe"));
        assert_eq!(coerce(&schema, &doc, "no"), json!("no"));
    }

    #[test]
    fn integers_beyond_64_bits_are_still_integers() {
        let value = coerce(
            &json!({"type": "integer"}),
            &json!({}),
            "17693518268486246400",
        );
        assert!(value.is_number());
        assert_eq!(
            coerce(&json!({"type": "integer"}), &json!({}), "1.5"),
            json!("1.5")
        );
    }

    #[test]
    fn what_does_not_parse_stays_a_string() {
        assert_eq!(
            coerce(&json!({"type": "integer"}), &json!({}), "ten"),
            json!("ten")
        );
    }
}
