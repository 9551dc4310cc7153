//! A parameter's value written as its `style` and `explode` say (OpenAPI 3's serialization),
//! the inverse of what `validate::params` reads: an array in a query is `tags=a&tags=b` (form,
//! exploded), `tags=a,b`, `tags=a%20b` or `tags=a|b`; an object `k=v`, `filter[k]=v`; in a path
//! or a header `a,b` and `k,v` (or `k=v` exploded), a label path `.a`, a matrix one `;id=a`.

use serde_json::Value;

use crate::contract::{Parameter, ParameterLocation};

/// A scalar as text: strings bare, everything else as JSON writes it.
pub(super) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn explode(parameter: &Parameter) -> bool {
    parameter
        .explode
        .unwrap_or(matches!(parameter.style.as_deref(), None | Some("form")))
}

/// The JSON text of a parameter given by JSON `content` (Superset's `q`, an object written
/// whole as the one value), however its value is shaped; `None` for any other parameter.
fn json_content(parameter: &Parameter, value: &Value) -> Option<String> {
    (parameter.takes_json() && !value.is_null()).then(|| value.to_string())
}

/// The (name, value) pairs of a query parameter; none for null.
pub(super) fn query_pairs(parameter: &Parameter, value: &Value) -> Vec<(String, String)> {
    let name = &parameter.name;
    if let Some(json) = json_content(parameter, value) {
        return vec![(name.clone(), json)];
    }
    let exploded = explode(parameter);
    match value {
        Value::Null => Vec::new(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(text).collect();
            let separator = match parameter.style.as_deref() {
                Some("spaceDelimited") => " ",
                Some("pipeDelimited") => "|",
                _ if exploded => {
                    return items.into_iter().map(|i| (name.clone(), i)).collect();
                }
                _ => ",",
            };
            vec![(name.clone(), items.join(separator))]
        }
        Value::Object(fields) => match parameter.style.as_deref() {
            // OpenAPI leaves a list inside a deep object undefined; written comma-separated,
            // as PandaScore documents its `range[id]=1,10` and `serve` reads it.
            Some("deepObject") => fields
                .iter()
                .map(|(k, v)| {
                    let value = match v {
                        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
                        other => text(other),
                    };
                    (format!("{name}[{k}]"), value)
                })
                .collect(),
            _ if exploded => fields.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
            _ => vec![(name.clone(), pairs(fields, ","))],
        },
        scalar => vec![(name.clone(), text(scalar))],
    }
}

/// The text of a path or header parameter (before a path's percent-encoding); `None` for null.
pub(super) fn simple_text(parameter: &Parameter, value: &Value) -> Option<String> {
    if let Some(json) = json_content(parameter, value) {
        return Some(json);
    }
    let exploded = explode(parameter);
    let body = match value {
        Value::Null => return None,
        Value::Array(items) => {
            let separator = match parameter.style.as_deref() {
                Some("label") if exploded => ".",
                _ => ",",
            };
            items.iter().map(text).collect::<Vec<_>>().join(separator)
        }
        Value::Object(fields) if exploded => fields
            .iter()
            .map(|(k, v)| format!("{k}={}", text(v)))
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(fields) => pairs(fields, ","),
        scalar => text(scalar),
    };
    if parameter.location != ParameterLocation::Path {
        return Some(body);
    }
    Some(match parameter.style.as_deref() {
        Some("label") => format!(".{body}"),
        Some("matrix") => format!(";{}={body}", parameter.name),
        _ => body,
    })
}

/// `k,v,k2,v2`: an object written flat.
fn pairs(fields: &serde_json::Map<String, Value>, separator: &str) -> String {
    fields
        .iter()
        .flat_map(|(k, v)| [k.clone(), text(v)])
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parameter(
        location: ParameterLocation,
        style: Option<&str>,
        explode: Option<bool>,
    ) -> Parameter {
        Parameter {
            name: "p".into(),
            location,
            required: false,
            schema: None,
            style: style.map(str::to_string),
            explode,
            media_type: None,
        }
    }

    #[test]
    fn query_arrays_and_objects_are_written_as_each_style_says() {
        let query = |style, explode| parameter(ParameterLocation::Query, style, explode);
        let list = json!(["a", 2]);
        let object = json!({"k": "v", "n": 1});
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            query_pairs(&query(None, None), &list),
            pairs(&[("p", "a"), ("p", "2")])
        );
        assert_eq!(
            query_pairs(&query(None, Some(false)), &list),
            pairs(&[("p", "a,2")])
        );
        assert_eq!(
            query_pairs(&query(Some("pipeDelimited"), None), &list),
            pairs(&[("p", "a|2")])
        );
        assert_eq!(
            query_pairs(&query(Some("spaceDelimited"), None), &list),
            pairs(&[("p", "a 2")])
        );
        assert_eq!(
            query_pairs(&query(Some("deepObject"), Some(true)), &object),
            pairs(&[("p[k]", "v"), ("p[n]", "1")])
        );
        assert_eq!(
            query_pairs(
                &query(Some("deepObject"), Some(true)),
                &json!({"id": [24, 48]})
            ),
            pairs(&[("p[id]", "24,48")]),
            "a list inside a deep object is written comma-separated"
        );
        assert_eq!(
            query_pairs(&query(None, None), &object),
            pairs(&[("k", "v"), ("n", "1")])
        );
        assert_eq!(query_pairs(&query(None, None), &json!(null)), pairs(&[]));
    }

    #[test]
    fn a_parameter_given_by_json_content_is_its_json_text() {
        let q = Parameter {
            media_type: Some("application/json".into()),
            ..parameter(ParameterLocation::Query, None, None)
        };
        let value = json!({"columns": ["a", "b"], "page": 2});
        assert_eq!(
            query_pairs(&q, &value),
            [("p".to_string(), value.to_string())],
            "expected the object written whole as JSON, not as form fields"
        );
        assert_eq!(query_pairs(&q, &json!(null)), [], "a null is no value");
    }

    #[test]
    fn path_and_header_values_are_written_simple_label_or_matrix() {
        let path = |style, explode| parameter(ParameterLocation::Path, style, explode);
        assert_eq!(
            simple_text(&path(None, None), &json!([1, 2])).unwrap(),
            "1,2"
        );
        assert_eq!(
            simple_text(&path(Some("label"), None), &json!("x")).unwrap(),
            ".x"
        );
        assert_eq!(
            simple_text(&path(Some("matrix"), None), &json!("x")).unwrap(),
            ";p=x"
        );
        let header = parameter(ParameterLocation::Header, None, Some(true));
        assert_eq!(simple_text(&header, &json!({"k": "v"})).unwrap(), "k=v");
    }
}
