//! Swagger 2.0 documents converted, on load, into the OpenAPI 3.0 document they mean, so that
//! every later layer (contract, mock, validator) knows one model.
//!
//! Written here because no maintained Rust crate converts 2.0 (the ones on crates.io are
//! abandoned or only parse 2.0 into their own types); the JavaScript `swagger2openapi` is the
//! reference, and `scripts/swagger2_oracle` compares this conversion with it over the corpus.
//!
//! What is converted how:
//! - `host`, `basePath` and `schemes` become `servers`; `definitions`, top-level
//!   `securityDefinitions` become `components.schemas`/`securitySchemes` (basic → http basic,
//!   oauth2 flows renamed: `application` → clientCredentials, `accessCode` →
//!   authorizationCode); `$ref`s to definitions follow them.
//! - Parameters (referenced ones inlined): `in: body` becomes the `requestBody`, one media
//!   type per `consumes` entry (the operation's, else the document's, else JSON); `in:
//!   formData` parameters become the properties of a form body (`multipart/form-data` when a
//!   file is among them or `consumes` says so, else `application/x-www-form-urlencoded`), a
//!   `type: file` a binary string; other parameters keep their place with their type keywords
//!   moved into `schema` and `collectionFormat` as `style`/`explode` (csv, ssv, tsv, pipes,
//!   multi).
//! - Responses (referenced ones inlined): the schema under each `produces` media type (`*/*`
//!   when neither the operation nor the document says; each
//!   of them also without a schema: 2.0 applies `produces` to every response), response
//!   `examples` keyed by media type as each one's `example`, headers with their type keywords
//!   as `schema`.
//! - Schemas: `x-nullable` becomes `nullable`, a `discriminator` property name becomes
//!   `{propertyName}`, `type: file` a binary string; schemas in other files (bundled under
//!   `x-understudy-bundled`) are converted where they are reached.
//!
//! [`Origins`] says where each converted place came from, so that errors point into the 2.0
//! file the user wrote.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::bundle::BUNDLED_KEY;
use crate::pointer::{escape, local_target};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// Keywords of a 2.0 non-body parameter (or header) that describe its value: they move into
/// the 3.0 `schema`.
const VALUE_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
    "x-nullable",
];

/// Where places of a converted document came from: `(converted prefix, original prefix)`,
/// looked up by the longest prefix.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    moves: Vec<(String, String)>,
}

impl Origins {
    fn add(&mut self, converted: String, original: String) {
        if converted != original {
            self.moves.push((converted, original));
        }
    }

    /// The pointer in the original document of `pointer` in the converted one.
    pub fn original(&self, pointer: &str) -> String {
        let best = self
            .moves
            .iter()
            .filter(|(converted, _)| {
                pointer
                    .strip_prefix(converted.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
            .max_by_key(|(converted, _)| converted.len());
        match best {
            Some((converted, original)) => format!("{original}{}", &pointer[converted.len()..]),
            None => pointer.to_string(),
        }
    }
}

/// Whether `document` is a Swagger 2.0 document.
pub fn is_swagger2(document: &Value) -> bool {
    document.get("swagger").and_then(Value::as_str) == Some("2.0")
}

/// The OpenAPI 3.0 document `document` (Swagger 2.0, bundled) means, and where its places
/// came from.
pub fn convert(document: &Value) -> (Value, Origins) {
    let mut converter = Converter {
        source: document,
        origins: Origins::default(),
        pending: Vec::new(),
    };
    let converted = converter.document();
    (converted, converter.origins)
}

struct Converter<'a> {
    source: &'a Value,
    origins: Origins,
    /// Local references reached from converted schemas into other files' parts, to convert.
    pending: Vec<String>,
}

impl Converter<'_> {
    fn document(&mut self) -> Value {
        let source = self.source;
        let mut out = Map::new();
        out.insert("openapi".into(), json!("3.0.3"));
        for (key, value) in as_map(source) {
            let kept = matches!(key.as_str(), "info" | "tags" | "externalDocs" | "security")
                || key.starts_with("x-");
            if kept {
                out.insert(key.clone(), value.clone());
            }
        }
        if let Some(servers) = servers(source) {
            out.insert("servers".into(), servers);
        }
        let mut components = Map::new();
        if let Some(Value::Object(definitions)) = source.get("definitions") {
            let mut schemas = Map::new();
            for (name, schema) in definitions {
                schemas.insert(name.clone(), self.schema(schema));
            }
            components.insert("schemas".into(), Value::Object(schemas));
            self.origins
                .add("/components/schemas".into(), "/definitions".into());
        }
        if let Some(Value::Object(definitions)) = source.get("securityDefinitions") {
            let schemes = definitions
                .iter()
                .map(|(name, scheme)| (name.clone(), security_scheme(scheme)))
                .collect();
            components.insert("securitySchemes".into(), Value::Object(schemes));
            self.origins.add(
                "/components/securitySchemes".into(),
                "/securityDefinitions".into(),
            );
        }
        let mut paths = Map::new();
        for (template, item) in as_map(source.get("paths").unwrap_or(&Value::Null)) {
            let at = format!("/paths/{}", escape(template));
            paths.insert(template.clone(), self.path_item(item, &at));
        }
        out.insert("paths".into(), Value::Object(paths));
        if !components.is_empty() {
            out.insert("components".into(), Value::Object(components));
        }
        let mut converted = Value::Object(out);
        self.convert_bundled_parts(&mut converted);
        converted
    }

    /// Other files' parts, kept under `x-understudy-bundled` as the bundler placed them:
    /// the schemas reached from converted ones are converted in place.
    fn convert_bundled_parts(&mut self, converted: &mut Value) {
        let Some(bundled) = self.source.get(BUNDLED_KEY) else {
            return;
        };
        let mut parts = bundled.clone();
        let mut done = HashSet::new();
        while let Some(target) = self.pending.pop() {
            let Some(inner) = target.strip_prefix(&format!("/{}", BUNDLED_KEY)) else {
                continue;
            };
            if !done.insert(inner.to_string()) {
                continue;
            }
            if let Some(node) = parts.pointer_mut(inner) {
                let original = node.clone();
                *node = self.schema(&original);
            }
        }
        if let Value::Object(out) = converted {
            out.insert(BUNDLED_KEY.into(), parts);
        }
    }

    fn path_item(&mut self, item: &Value, at: &str) -> Value {
        let item = resolved(self.source, item);
        let mut out = Map::new();
        let shared: Vec<Value> = self.parameter_list(item.get("parameters"));
        for (key, value) in as_map(item) {
            if key.starts_with("x-") || key == "summary" || key == "description" {
                out.insert(key.clone(), value.clone());
            }
        }
        for method in METHODS {
            if let Some(operation) = item.get(*method) {
                let op_at = format!("{at}/{method}");
                let converted = self.operation(operation, &shared, &op_at);
                out.insert((*method).to_string(), converted);
            }
        }
        Value::Object(out)
    }

    /// A parameter list with each reference followed.
    fn parameter_list(&self, list: Option<&Value>) -> Vec<Value> {
        list.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| resolved(self.source, p).clone())
            .collect()
    }

    fn operation(&mut self, operation: &Value, shared: &[Value], at: &str) -> Value {
        let mut out = Map::new();
        for (key, value) in as_map(operation) {
            let kept = matches!(
                key.as_str(),
                "tags"
                    | "summary"
                    | "description"
                    | "externalDocs"
                    | "operationId"
                    | "deprecated"
                    | "security"
            ) || key.starts_with("x-");
            if kept {
                out.insert(key.clone(), value.clone());
            }
        }
        // Without `consumes`, bodies are JSON; without `produces`, answers may be anything
        // (as swagger2openapi reads them).
        let consumes = media_list(
            operation.get("consumes"),
            self.source.get("consumes"),
            "application/json",
        );
        let produces = media_list(
            operation.get("produces"),
            self.source.get("produces"),
            "*/*",
        );

        // The operation's own parameters override the path item's of the same name and place.
        let own = operation.get("parameters").and_then(Value::as_array);
        let own_resolved = self.parameter_list(operation.get("parameters"));
        let mut all: Vec<(Value, String)> = Vec::new();
        for (index, parameter) in own_resolved.iter().enumerate() {
            let origin = own
                .and_then(|list| list.get(index))
                .map(|p| self.origin_of(p, &format!("{at}/parameters/{index}")))
                .unwrap_or_default();
            all.push((parameter.clone(), origin));
        }
        let path_at = at.rsplit_once('/').map_or("", |(p, _)| p).to_string();
        for (index, parameter) in shared.iter().enumerate() {
            let overridden = all.iter().any(|(p, _)| {
                p.get("name") == parameter.get("name") && p.get("in") == parameter.get("in")
            });
            if !overridden {
                all.push((parameter.clone(), format!("{path_at}/parameters/{index}")));
            }
        }

        let mut parameters = Vec::new();
        let mut form = Vec::new();
        for (parameter, origin) in all {
            match parameter.get("in").and_then(Value::as_str) {
                Some("body") => {
                    let body = self.body(&parameter, &consumes);
                    self.origins
                        .add(format!("{at}/requestBody"), origin.clone());
                    for media_type in &consumes {
                        self.origins.add(
                            format!("{at}/requestBody/content/{}/schema", escape(media_type)),
                            format!("{origin}/schema"),
                        );
                    }
                    out.insert("requestBody".into(), body);
                }
                Some("formData") => form.push((parameter, origin)),
                _ => {
                    let place = format!("{at}/parameters/{}", parameters.len());
                    self.origins.add(format!("{place}/schema"), origin.clone());
                    self.origins.add(place, origin);
                    parameters.push(self.parameter(&parameter));
                }
            }
        }
        if !form.is_empty() {
            let body = self.form_body(&form, &consumes, at);
            out.insert("requestBody".into(), body);
        }
        if !parameters.is_empty() {
            out.insert("parameters".into(), Value::Array(parameters));
        }
        let mut responses = Map::new();
        for (status, response) in as_map(operation.get("responses").unwrap_or(&Value::Null)) {
            if status.starts_with("x-") {
                continue;
            }
            let response_at = format!("{at}/responses/{}", escape(status));
            let origin = self.origin_of(response, &response_at);
            let response = resolved(self.source, response).clone();
            let converted = self.response(&response, &produces, &response_at, &origin);
            responses.insert(status.clone(), converted);
        }
        out.insert("responses".into(), Value::Object(responses));
        Value::Object(out)
    }

    /// Where a possibly referenced object really is: its `$ref` target, or `at`.
    fn origin_of(&self, value: &Value, at: &str) -> String {
        value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(local_target)
            .unwrap_or_else(|| at.to_string())
    }

    /// A non-body parameter or a header split in two: its own fields, and its value keywords
    /// (`type`, `format`, `items`, bounds…), which 3.0 holds in a `schema`.
    fn split_value_keywords(&mut self, object: &Value) -> (Map<String, Value>, Map<String, Value>) {
        let mut own = Map::new();
        let mut schema = Map::new();
        for (key, value) in as_map(object) {
            match key.as_str() {
                "collectionFormat" => {}
                "items" => {
                    schema.insert("items".into(), self.items(value));
                }
                key if VALUE_KEYWORDS.contains(&key) => {
                    schema.insert(key.to_string(), value.clone());
                }
                _ => {
                    own.insert(key.clone(), value.clone());
                }
            }
        }
        (own, schema)
    }

    fn parameter(&mut self, parameter: &Value) -> Value {
        let (mut out, schema) = self.split_value_keywords(parameter);
        let is_array = schema.get("type") == Some(&json!("array"));
        if is_array {
            let location = parameter.get("in").and_then(Value::as_str).unwrap_or("");
            let format = parameter
                .get("collectionFormat")
                .and_then(Value::as_str)
                .unwrap_or("csv");
            for (key, value) in collection_style(format, location) {
                out.insert(key.into(), value);
            }
        }
        out.insert("schema".into(), self.schema(&Value::Object(schema)));
        Value::Object(out)
    }

    /// `items` of a non-body parameter or header: a schema, itself with a `collectionFormat`
    /// that 3.0 cannot say (nested arrays keep their items, the inner format is dropped).
    fn items(&mut self, items: &Value) -> Value {
        let mut items = items.clone();
        if let Value::Object(map) = &mut items {
            map.remove("collectionFormat");
        }
        self.schema(&items)
    }

    fn body(&mut self, parameter: &Value, consumes: &[String]) -> Value {
        let schema = self.schema(parameter.get("schema").unwrap_or(&json!({})));
        let content: Map<String, Value> = consumes
            .iter()
            .map(|media_type| (media_type.clone(), json!({ "schema": schema.clone() })))
            .collect();
        let mut out = Map::new();
        if let Some(description) = parameter.get("description") {
            out.insert("description".into(), description.clone());
        }
        out.insert("content".into(), Value::Object(content));
        if parameter.get("required") == Some(&Value::Bool(true)) {
            out.insert("required".into(), Value::Bool(true));
        }
        for (key, value) in as_map(parameter) {
            if key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
        }
        Value::Object(out)
    }

    fn form_body(&mut self, fields: &[(Value, String)], consumes: &[String], at: &str) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut has_file = false;
        for (field, _) in fields {
            let Some(name) = field.get("name").and_then(Value::as_str) else {
                continue;
            };
            has_file |= field.get("type") == Some(&json!("file"));
            let converted = self.parameter(field);
            let mut schema = converted.get("schema").cloned().unwrap_or(json!({}));
            if let (Value::Object(map), Some(description)) = (&mut schema, field.get("description"))
            {
                map.insert("description".into(), description.clone());
            }
            properties.insert(name.to_string(), schema);
            if field.get("required") == Some(&Value::Bool(true)) {
                required.push(json!(name));
            }
        }
        let mut schema = json!({ "type": "object", "properties": properties });
        if !required.is_empty() {
            schema["required"] = Value::Array(required);
        }
        let form_types: Vec<&String> = consumes
            .iter()
            .filter(|m| {
                m.starts_with("multipart/form-data")
                    || m.starts_with("application/x-www-form-urlencoded")
            })
            .collect();
        let media_types: Vec<String> = if !form_types.is_empty() {
            form_types.into_iter().cloned().collect()
        } else if has_file {
            vec!["multipart/form-data".into()]
        } else {
            vec!["application/x-www-form-urlencoded".into()]
        };
        for media_type in &media_types {
            for (field, origin) in fields {
                if let Some(name) = field.get("name").and_then(Value::as_str) {
                    self.origins.add(
                        format!(
                            "{at}/requestBody/content/{}/schema/properties/{}",
                            escape(media_type),
                            escape(name)
                        ),
                        origin.clone(),
                    );
                }
            }
        }
        let content: Map<String, Value> = media_types
            .into_iter()
            .map(|media_type| (media_type, json!({ "schema": schema.clone() })))
            .collect();
        let mut out = json!({ "content": content });
        if fields
            .iter()
            .any(|(f, _)| f.get("required") == Some(&Value::Bool(true)))
        {
            out["required"] = Value::Bool(true);
        }
        out
    }

    fn response(&mut self, response: &Value, produces: &[String], at: &str, origin: &str) -> Value {
        self.origins.add(at.to_string(), origin.to_string());
        let mut out = Map::new();
        out.insert(
            "description".into(),
            response.get("description").cloned().unwrap_or(json!("")),
        );
        for (key, value) in as_map(response) {
            if key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
        }
        if let Some(Value::Object(headers)) = response.get("headers") {
            let mut converted = Map::new();
            for (name, header) in headers {
                let (mut header_out, schema) = self.split_value_keywords(header);
                header_out.insert("schema".into(), self.schema(&Value::Object(schema)));
                self.origins.add(
                    format!("{at}/headers/{}/schema", escape(name)),
                    format!("{origin}/headers/{}", escape(name)),
                );
                converted.insert(name.clone(), Value::Object(header_out));
            }
            out.insert("headers".into(), Value::Object(converted));
        }
        let examples = response.get("examples").and_then(Value::as_object);
        if let Some(schema) = response.get("schema") {
            let schema = self.schema(schema);
            let mut content = Map::new();
            for media_type in produces {
                let mut media = json!({ "schema": schema.clone() });
                self.origins.add(
                    format!("{at}/content/{}/schema", escape(media_type)),
                    format!("{origin}/schema"),
                );
                if let Some(example) = examples.and_then(|e| e.get(media_type)) {
                    media["example"] = example.clone();
                    self.origins.add(
                        format!("{at}/content/{}/example", escape(media_type)),
                        format!("{origin}/examples/{}", escape(media_type)),
                    );
                }
                content.insert(media_type.clone(), media);
            }
            out.insert("content".into(), Value::Object(content));
        } else {
            // No schema: the body is not described, but `produces` still says what media
            // types the operation answers with (2.0 applies it to every response).
            let content: Map<String, Value> = produces
                .iter()
                .map(|media_type| {
                    let example = examples.and_then(|e| e.get(media_type));
                    let media = example.map_or(json!({}), |e| json!({ "example": e }));
                    (media_type.clone(), media)
                })
                .collect();
            out.insert("content".into(), Value::Object(content));
        }
        Value::Object(out)
    }

    /// A 2.0 schema as 3.0 reads it (see the module's documentation).
    fn schema(&mut self, schema: &Value) -> Value {
        match schema {
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, value) in map {
                    let converted = match key.as_str() {
                        "$ref" => match value.as_str() {
                            Some(reference) => {
                                if let Some(target) = local_target(reference)
                                    && target.starts_with(&format!("/{}", BUNDLED_KEY))
                                {
                                    self.pending.push(target);
                                }
                                Value::String(reference_to_3(reference))
                            }
                            None => value.clone(),
                        },
                        "x-nullable" => {
                            if value == &Value::Bool(true) {
                                out.insert("nullable".into(), Value::Bool(true));
                            }
                            continue;
                        }
                        "discriminator" => match value {
                            Value::String(name) => json!({ "propertyName": name }),
                            other => other.clone(),
                        },
                        "type" if value == "file" => {
                            out.insert("format".into(), json!("binary"));
                            json!("string")
                        }
                        "properties" | "patternProperties" | "definitions" => Value::Object(
                            as_map(value)
                                .iter()
                                .map(|(name, s)| (name.clone(), self.schema(s)))
                                .collect(),
                        ),
                        "items" | "additionalProperties" | "not" => self.schema(value),
                        "allOf" | "anyOf" | "oneOf" => match value {
                            Value::Array(list) => {
                                Value::Array(list.iter().map(|s| self.schema(s)).collect())
                            }
                            other => other.clone(),
                        },
                        _ => value.clone(),
                    };
                    if key == "format" && out.contains_key("format") {
                        continue;
                    }
                    out.insert(key.clone(), converted);
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

/// `#/definitions/X` as `#/components/schemas/X`; other references as they are.
fn reference_to_3(reference: &str) -> String {
    match reference.strip_prefix("#/definitions/") {
        Some(name) => format!("#/components/schemas/{name}"),
        None => reference.to_string(),
    }
}

/// A parameter or response object with its `$ref` (a chain of them) followed in `source`.
fn resolved<'v>(source: &'v Value, value: &'v Value) -> &'v Value {
    let mut value = value;
    for _ in 0..16 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(local_target)
            .and_then(|target| source.pointer(&target))
        {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

fn as_map(value: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    value
        .as_object()
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// An operation's media types: its own list, else the document's, else `fallback`.
fn media_list(own: Option<&Value>, global: Option<&Value>, fallback: &str) -> Vec<String> {
    let list = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let own = list(own);
    if !own.is_empty() {
        return own;
    }
    let global = list(global);
    if !global.is_empty() {
        return global;
    }
    vec![fallback.into()]
}

/// `servers` from `host`, `basePath` and `schemes`; none when the document gives neither host
/// nor base path.
fn servers(source: &Value) -> Option<Value> {
    let host = source.get("host").and_then(Value::as_str);
    let base = source.get("basePath").and_then(Value::as_str).unwrap_or("");
    if host.is_none() && base.is_empty() {
        return None;
    }
    let Some(host) = host else {
        return Some(json!([{ "url": base }]));
    };
    let schemes: Vec<&str> = source
        .get("schemes")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .filter(|s: &Vec<&str>| !s.is_empty())
        .unwrap_or_else(|| vec!["https"]);
    Some(Value::Array(
        schemes
            .into_iter()
            .map(|scheme| json!({ "url": format!("{scheme}://{host}{base}") }))
            .collect(),
    ))
}

/// A 2.0 `collectionFormat` as 3.0 `style` and `explode` for a parameter `in` a place.
fn collection_style(format: &str, location: &str) -> Vec<(&'static str, Value)> {
    let simple = matches!(location, "path" | "header");
    match format {
        "multi" => vec![("style", json!("form")), ("explode", json!(true))],
        "ssv" => vec![
            ("style", json!("spaceDelimited")),
            ("explode", json!(false)),
        ],
        "pipes" => vec![("style", json!("pipeDelimited")), ("explode", json!(false))],
        // 3.0 has no style for tabs; understudy's validator reads this one.
        "tsv" => vec![("style", json!("tabDelimited")), ("explode", json!(false))],
        _ if simple => vec![("style", json!("simple")), ("explode", json!(false))],
        _ => vec![("style", json!("form")), ("explode", json!(false))],
    }
}

fn security_scheme(scheme: &Value) -> Value {
    let kind = scheme.get("type").and_then(Value::as_str).unwrap_or("");
    let mut out = match kind {
        "basic" => json!({ "type": "http", "scheme": "basic" }),
        "apiKey" => json!({
            "type": "apiKey",
            "name": scheme.get("name").cloned().unwrap_or(json!("")),
            "in": scheme.get("in").cloned().unwrap_or(json!("header")),
        }),
        "oauth2" => {
            let flow = scheme.get("flow").and_then(Value::as_str).unwrap_or("");
            let name = match flow {
                "application" => "clientCredentials",
                "accessCode" => "authorizationCode",
                "password" => "password",
                _ => "implicit",
            };
            let mut details = Map::new();
            for key in ["authorizationUrl", "tokenUrl"] {
                if let Some(url) = scheme.get(key) {
                    details.insert(key.into(), url.clone());
                }
            }
            details.insert(
                "scopes".into(),
                scheme.get("scopes").cloned().unwrap_or(json!({})),
            );
            json!({ "type": "oauth2", "flows": { name: details } })
        }
        _ => scheme.clone(),
    };
    if let (Value::Object(out), Some(description)) = (&mut out, scheme.get("description")) {
        out.insert("description".into(), description.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_parameter_becomes_the_request_body_in_each_consumed_media_type() {
        let (converted, origins) = convert(&json!({
            "swagger": "2.0",
            "consumes": ["application/json", "application/xml"],
            "paths": {"/pets": {"post": {
                "parameters": [{"in": "body", "name": "body", "required": true,
                                "schema": {"$ref": "#/definitions/Pet"}}],
                "responses": {"201": {"description": "created"}}
            }}},
            "definitions": {"Pet": {"type": "object", "x-nullable": true}}
        }));
        let body = &converted["paths"]["/pets"]["post"]["requestBody"];
        assert_eq!(body["required"], true);
        assert_eq!(
            body["content"]["application/xml"]["schema"]["$ref"],
            "#/components/schemas/Pet"
        );
        assert_eq!(
            converted["components"]["schemas"]["Pet"],
            json!({"type": "object", "nullable": true})
        );
        assert_eq!(
            origins.original("/paths/~1pets/post/requestBody/content/application~1json/schema"),
            "/paths/~1pets/post/parameters/0/schema"
        );
        assert_eq!(
            origins.original("/components/schemas/Pet/type"),
            "/definitions/Pet/type"
        );
    }

    #[test]
    fn form_data_becomes_a_form_body_and_a_file_a_binary_string() {
        let (converted, _) = convert(&json!({
            "swagger": "2.0",
            "paths": {"/upload": {"post": {
                "consumes": ["multipart/form-data"],
                "parameters": [
                    {"in": "formData", "name": "file", "type": "file", "required": true},
                    {"in": "formData", "name": "note", "type": "string"}
                ],
                "responses": {"200": {"description": "ok"}}
            }}}
        }));
        assert_eq!(
            converted["paths"]["/upload"]["post"]["requestBody"],
            json!({"required": true, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "note": {"type": "string"}
                }
            }}}})
        );
    }

    #[test]
    fn collection_formats_become_styles() {
        let (converted, _) = convert(&json!({
            "swagger": "2.0",
            "paths": {"/a/{ids}": {"get": {
                "parameters": [
                    {"in": "path", "name": "ids", "required": true, "type": "array",
                     "items": {"type": "integer"}},
                    {"in": "query", "name": "tags", "type": "array", "collectionFormat": "multi",
                     "items": {"type": "string"}},
                    {"in": "query", "name": "sort", "type": "array", "collectionFormat": "pipes",
                     "items": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok"}}
            }}}
        }));
        let parameters = &converted["paths"]["/a/{ids}"]["get"]["parameters"];
        assert_eq!(parameters[0]["style"], "simple");
        assert_eq!(
            parameters[0]["schema"],
            json!({"type": "array", "items": {"type": "integer"}})
        );
        assert_eq!(
            (&parameters[1]["style"], &parameters[1]["explode"]),
            (&json!("form"), &json!(true))
        );
        assert_eq!(parameters[2]["style"], "pipeDelimited");
    }

    #[test]
    fn responses_carry_their_schema_and_examples_per_produced_media_type() {
        let (converted, origins) = convert(&json!({
            "swagger": "2.0",
            "produces": ["application/json"],
            "paths": {"/pets": {"get": {
                "responses": {"200": {"$ref": "#/responses/Pets"}}
            }}},
            "responses": {"Pets": {
                "description": "pets",
                "schema": {"type": "array", "items": {"type": "string"}},
                "examples": {"application/json": ["rex"]},
                "headers": {"X-Total": {"type": "integer"}}
            }}
        }));
        let ok = &converted["paths"]["/pets"]["get"]["responses"]["200"];
        assert_eq!(ok["content"]["application/json"]["example"], json!(["rex"]));
        assert_eq!(
            ok["headers"]["X-Total"]["schema"],
            json!({"type": "integer"})
        );
        assert_eq!(
            origins.original("/paths/~1pets/get/responses/200/content/application~1json/example"),
            "/responses/Pets/examples/application~1json"
        );
    }

    #[test]
    fn security_definitions_become_security_schemes() {
        let (converted, _) = convert(&json!({
            "swagger": "2.0",
            "paths": {},
            "securityDefinitions": {
                "basic": {"type": "basic"},
                "key": {"type": "apiKey", "name": "api_key", "in": "header"},
                "oauth": {"type": "oauth2", "flow": "accessCode",
                          "authorizationUrl": "https://a", "tokenUrl": "https://t",
                          "scopes": {"read": "read"}}
            }
        }));
        let schemes = &converted["components"]["securitySchemes"];
        assert_eq!(schemes["basic"], json!({"type": "http", "scheme": "basic"}));
        assert_eq!(schemes["key"]["in"], "header");
        assert_eq!(
            schemes["oauth"]["flows"]["authorizationCode"]["tokenUrl"],
            "https://t"
        );
    }

    #[test]
    fn host_base_path_and_schemes_become_servers_and_discriminators_objects() {
        let (converted, _) = convert(&json!({
            "swagger": "2.0",
            "host": "api.example.com", "basePath": "/v2", "schemes": ["http", "https"],
            "paths": {},
            "definitions": {"Pet": {"discriminator": "kind", "properties": {"kind": {"type": "string"}}}}
        }));
        assert_eq!(
            converted["servers"],
            json!([{"url": "http://api.example.com/v2"}, {"url": "https://api.example.com/v2"}])
        );
        assert_eq!(
            converted["components"]["schemas"]["Pet"]["discriminator"],
            json!({"propertyName": "kind"})
        );
    }
}
