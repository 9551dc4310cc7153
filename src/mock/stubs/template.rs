//! Stub answers templated from the request, in WireMock's syntax (Handlebars, through the
//! `handlebars` crate): `{{request.path.id}}`, `{{request.query.page}}`,
//! `{{request.headers.x-request-id}}`, `{{request.body.member.id}}`, `{{now}}`, `{{uuid}}`,
//! `{{seq}}`.

use std::sync::OnceLock;

use handlebars::Handlebars;
use regex::Regex;
use serde_json::{Map, Value};

/// The registry every render uses: no HTML escaping (answers are JSON and headers), and a
/// missing value renders empty, as in WireMock.
fn registry() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = Handlebars::new();
        registry.register_escape_fn(handlebars::no_escape);
        registry
    })
}

/// Whether `text` holds a template expression.
pub fn is_template(text: &str) -> bool {
    text.contains("{{")
}

/// Checks that every template in `value` parses, naming the first that does not.
pub fn check(value: &Value) -> Result<(), String> {
    let mut problem = None;
    walk_strings(value, &mut |text| {
        if problem.is_none()
            && is_template(text)
            && let Err(e) = handlebars::Template::compile(text)
        {
            problem = Some(format!("the template {text:?} does not parse: {e}"));
        }
    });
    problem.map_or(Ok(()), Err)
}

fn walk_strings(value: &Value, visit: &mut impl FnMut(&str)) {
    match value {
        Value::String(text) => visit(text),
        Value::Array(items) => items.iter().for_each(|v| walk_strings(v, visit)),
        Value::Object(fields) => fields.values().for_each(|v| walk_strings(v, visit)),
        _ => {}
    }
}

/// `value` with its strings rendered over `context`. A string that is one expression alone
/// (`"{{request.body.count}}"`) takes the value it names, keeping its JSON type, so that a
/// number stays a number.
pub fn render_value(value: &Value, context: &Value) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) if is_template(text) => {
            match lone_expression(text).and_then(|path| lookup(context, path)) {
                Some(found) if !found.is_string() => found.clone(),
                _ => Value::String(render_text(text, context)?),
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_value(v, context))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), render_value(v, context)?)))
                .collect::<Result<Map<_, _>, String>>()?,
        ),
        other => other.clone(),
    })
}

/// One template rendered over `context`.
pub fn render_text(text: &str, context: &Value) -> Result<String, String> {
    registry()
        .render_template(text, context)
        .map_err(|e| format!("the template {text:?} does not render: {e}"))
}

/// The dotted path of a string that is exactly one `{{path}}`.
fn lone_expression(text: &str) -> Option<&str> {
    static LONE: OnceLock<Regex> = OnceLock::new();
    let lone = LONE.get_or_init(|| {
        Regex::new(r"^\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}$").expect("a valid expression")
    });
    lone.captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

fn lookup<'v>(context: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(context, |value, segment| match value {
            Value::Object(fields) => fields.get(segment),
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> Value {
        json!({
            "request": {
                "path": {"id": "42"},
                "headers": {"x-request-id": "r-1"},
                "body": {"member": {"id": 7, "name": "Ada"}},
            },
            "seq": 3,
        })
    }

    #[test]
    fn strings_render_and_a_lone_expression_keeps_its_type() {
        let template = json!({
            "id": "{{request.path.id}}",
            "member": "{{request.body.member.id}}",
            "greeting": "hello {{request.body.member.name}} #{{seq}}",
            "trace": "{{request.headers.x-request-id}}",
            "missing": "[{{request.query.page}}]",
        });
        assert_eq!(
            render_value(&template, &context()).unwrap(),
            json!({
                "id": "42",
                "member": 7,
                "greeting": "hello Ada #3",
                "trace": "r-1",
                "missing": "[]",
            })
        );
    }

    #[test]
    fn a_template_that_does_not_parse_is_named() {
        let broken = json!({"a": "{{#if}}"});
        assert!(check(&broken).unwrap_err().contains("{{#if}}"));
    }
}
