//! Violation messages in words a reader of an error body understands: an enum's every allowed
//! value (jsonschema-rs names three and counts the rest), what a format asks for, including
//! the formats understudy adds (`ip`: "private subnets are prohibited"), and types as one says
//! them (`"x" is not an integer`). Other keywords keep jsonschema-rs's message.

use serde_json::Value;

/// The message for a violation of `keyword`, given the schema holding the keyword and the
/// failing value where they are known; `message` (jsonschema-rs's) otherwise.
pub fn plain(
    keyword: &str,
    schema: Option<&Value>,
    instance: Option<&Value>,
    message: String,
) -> String {
    let (Some(schema), Some(instance)) = (schema, instance) else {
        return message;
    };
    let said = match keyword {
        "enum" => schema
            .get("enum")
            .and_then(Value::as_array)
            .filter(|values| !values.is_empty())
            .map(|values| {
                let values: Vec<String> = values.iter().map(Value::to_string).collect();
                format!("{instance} is not one of {}", either(&values))
            }),
        "format" => schema
            .get("format")
            .and_then(Value::as_str)
            .and_then(format_wants)
            .map(|wanted| format!("{instance} is not {wanted}")),
        "type" => {
            let types: Vec<String> = match schema.get("type") {
                Some(Value::String(one)) => vec![with_article(one)],
                Some(Value::Array(many)) => many
                    .iter()
                    .filter_map(Value::as_str)
                    .map(with_article)
                    .collect(),
                _ => Vec::new(),
            };
            (!types.is_empty()).then(|| format!("{instance} is not {}", either(&types)))
        }
        _ => None,
    };
    said.unwrap_or(message)
}

/// `a`, `a or b`, `a, b or c`.
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// A JSON type as one names it in a sentence.
fn with_article(json_type: &str) -> String {
    match json_type {
        "integer" | "object" | "array" => format!("an {json_type}"),
        "null" => "null".to_string(),
        "number" | "string" | "boolean" => format!("a {json_type}"),
        other => format!("of type {other:?}"),
    }
}

/// What a value of `format` must be, for the formats a reader may not know by name.
fn format_wants(format: &str) -> Option<&'static str> {
    Some(match format {
        "ip" => "a public IP address or CIDR range: private subnets are prohibited",
        "byte" => "base64 text (RFC 4648)",
        "date-time" => "an RFC 3339 date-time such as 2024-01-31T09:30:00Z",
        "date" => "an RFC 3339 date such as 2024-01-31",
        "time" => "an RFC 3339 time such as 09:30:00Z",
        "duration" => "an ISO 8601 duration such as P3DT4H",
        "email" => "an email address",
        "idn-email" => "an email address",
        "uuid" => "a UUID such as 123e4567-e89b-12d3-a456-426614174000",
        "uri" => "an absolute URI such as https://example.com/a",
        "uri-reference" => "a URI reference such as /a/b",
        "iri" => "an absolute IRI",
        "iri-reference" => "an IRI reference",
        "ipv4" => "an IPv4 address such as 192.0.2.1",
        "ipv6" => "an IPv6 address such as 2001:db8::1",
        "hostname" => "a host name such as example.com",
        "idn-hostname" => "a host name",
        "json-pointer" => "a JSON pointer such as /a/0",
        "regex" => "a regular expression",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn said(keyword: &str, schema: Value, instance: Value) -> String {
        plain(keyword, Some(&schema), Some(&instance), "kept".into())
    }

    #[test]
    fn an_enum_message_names_every_allowed_value() {
        assert_eq!(
            said(
                "enum",
                json!({"enum": ["owner", "admin", "member", "viewer", "guest"]}),
                json!("boss")
            ),
            r#""boss" is not one of "owner", "admin", "member", "viewer" or "guest""#
        );
    }

    #[test]
    fn a_format_message_says_what_the_format_wants() {
        assert_eq!(
            said("format", json!({"format": "ip"}), json!("10.0.0.1")),
            r#""10.0.0.1" is not a public IP address or CIDR range: private subnets are prohibited"#
        );
        assert_eq!(
            said("format", json!({"format": "x-custom"}), json!("a")),
            "kept"
        );
    }

    #[test]
    fn a_type_message_names_the_type_as_a_reader_would() {
        assert_eq!(
            said("type", json!({"type": "integer"}), json!("x")),
            r#""x" is not an integer"#
        );
        assert_eq!(
            said("type", json!({"type": ["string", "null"]}), json!(1)),
            "1 is not a string or null"
        );
    }

    #[test]
    fn other_keywords_and_unknown_schemas_keep_the_validators_message() {
        assert_eq!(said("minimum", json!({"minimum": 1}), json!(0)), "kept");
        assert_eq!(plain("enum", None, Some(&json!(1)), "kept".into()), "kept");
    }
}
