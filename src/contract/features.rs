//! Which features of OpenAPI 3.2 a document uses, for `lint` to say: a reader moving to 3.2
//! (or a tool that reads only 3.1) wants to know what in the document needs it.

use serde_json::Value;

/// The OpenAPI 3.2 additions found in `document`, in a fixed order, each named once.
pub fn version_features(document: &Value) -> Vec<&'static str> {
    let mut found = Vec::new();
    let paths = document.get("paths").and_then(Value::as_object);
    let items = || paths.into_iter().flatten().map(|(_, item)| item);
    if items().any(|item| item.get("query").is_some()) {
        found.push("the QUERY method");
    }
    if items().any(|item| item.get("additionalOperations").is_some()) {
        found.push("additionalOperations");
    }
    let mut keys = Vec::new();
    collect_keys(document, &mut keys);
    let has = |key: &str| keys.contains(&key);
    if has("in:querystring") {
        found.push("in: querystring");
    }
    if has("itemSchema") {
        found.push("itemSchema (sequential media types)");
    }
    if has("dataValue") || has("serializedValue") {
        found.push("dataValue/serializedValue examples");
    }
    if document.get("$self").is_some() {
        found.push("$self");
    }
    found
}

/// The keys of interest anywhere in `value` (each once): a parameter's `in: querystring`
/// counts as `in:querystring`.
fn collect_keys(value: &Value, keys: &mut Vec<&'static str>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let known: Option<&'static str> = match key.as_str() {
                    "itemSchema" => Some("itemSchema"),
                    "dataValue" => Some("dataValue"),
                    "serializedValue" => Some("serializedValue"),
                    "in" if child == "querystring" => Some("in:querystring"),
                    _ => None,
                };
                if let Some(known) = known
                    && !keys.contains(&known)
                {
                    keys.push(known);
                }
                collect_keys(child, keys);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_keys(item, keys)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_additions_of_3_2_are_named_and_a_3_1_document_has_none() {
        let document = json!({"openapi": "3.2.0", "$self": "https://example.com/api",
            "paths": {"/a": {"query": {}, "get": {"parameters": [{"in": "querystring"}]}},
                      "/b": {"additionalOperations": {"PURGE": {}}}}});
        assert_eq!(
            version_features(&document),
            [
                "the QUERY method",
                "additionalOperations",
                "in: querystring",
                "$self"
            ]
        );
        assert!(
            version_features(&json!({"openapi": "3.1.0", "paths": {"/a": {"get": {}}}})).is_empty()
        );
    }
}
