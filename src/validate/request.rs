//! Requests against their operation: security, parameters, content type and body. Every
//! violation is reported (leaf errors, not the first one), as data.

use ::http::HeaderMap;
use serde_json::{Map, Value};

use super::body::{is_text_schema, yaml_value};
use super::coerce::coerce;
use super::params::{RequestParts, extract};
use super::response::{item_violations, media_type_list};
use crate::contract::resolve;
use crate::contract::{CompiledApi, Operation, ParameterLocation, SecurityScheme, View};
use crate::media;
use crate::violation::{Violation, ViolationKind};

/// A request as received.
pub struct ObservedRequest<'a> {
    /// Path parameters as matched by the router, still percent-encoded.
    pub path_params: &'a [(String, String)],
    /// The raw query string.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// Credentials that are accepted (API key values, bearer tokens, `user:password` for
    /// Basic). Empty: any well-formed credential is, as Prism does.
    pub credentials: &'a [String],
}

/// What checking a request found, and its body as JSON when the check parsed it (so that the
/// engine does not parse it again).
#[derive(Debug, Default)]
pub struct CheckedRequest {
    pub violations: Vec<Violation>,
    pub json_body: Option<Value>,
    /// A form body (`application/x-www-form-urlencoded`, `multipart/form-data`) read into its
    /// schema's shape: what a stateful create stores, as it stores a JSON body.
    pub form_body: Option<Value>,
}

pub fn request_violations(
    api: &CompiledApi,
    operation: &Operation,
    request: &ObservedRequest<'_>,
) -> Vec<Violation> {
    check_request(api, operation, request).violations
}

pub fn check_request(
    api: &CompiledApi,
    operation: &Operation,
    request: &ObservedRequest<'_>,
) -> CheckedRequest {
    let parts = RequestParts::new(request.path_params, request.query, request.headers);
    let mut violations = security_violations(operation, &parts, request.credentials);
    for parameter in &operation.parameters {
        let location_name = match parameter.location {
            ParameterLocation::Path => "path",
            ParameterLocation::Query => "query",
            ParameterLocation::Header => "header",
            ParameterLocation::Cookie => "cookie",
            ParameterLocation::QueryString => "querystring",
        };
        let location = ["request", location_name, parameter.name.as_str()];
        let document = api.schemas.document(View::Request);
        let schema = parameter
            .schema
            .map(|id| api.schemas.node(id))
            .unwrap_or(&Value::Bool(true));
        match extract(parameter, schema, document, &parts) {
            None if parameter.required => violations.push(Violation::of(
                ViolationKind::Missing,
                &location,
                format!(
                    "Request {location_name} parameter {} is required",
                    parameter.name
                ),
            )),
            None => {}
            Some(value) => {
                if let Some(id) = parameter.schema {
                    violations.extend(
                        api.schemas
                            .violations(id, &value, &location)
                            .into_iter()
                            .map(|mut v| {
                                v.message = format!(
                                    "Request {location_name} parameter {}: {}",
                                    parameter.name, v.message
                                );
                                v
                            }),
                    );
                }
            }
        }
    }
    let mut checked = CheckedRequest {
        violations,
        ..CheckedRequest::default()
    };
    let found = body_violations(api, operation, &parts, request.body, &mut checked);
    checked.violations.extend(found);
    checked
}

/// The security requirements are alternatives; each is a set of schemes that must all be
/// present. Presence and shape only, as Prism checks them.
fn security_violations(
    operation: &Operation,
    parts: &RequestParts<'_>,
    credentials: &[String],
) -> Vec<Violation> {
    if operation.security.is_empty()
        || operation.security.iter().any(|requirement| {
            requirement
                .schemes
                .iter()
                .all(|scheme| satisfied(scheme, parts, credentials))
        })
    {
        return Vec::new();
    }
    let wanted: Vec<String> = operation
        .security
        .iter()
        .map(|r| {
            r.schemes
                .iter()
                .map(describe)
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect();
    let (place, name) = match operation.security.first().and_then(|r| r.schemes.first()) {
        Some(SecurityScheme::ApiKey { name, location }) => (
            match location {
                ParameterLocation::Query => "query",
                ParameterLocation::Cookie => "cookie",
                _ => "header",
            },
            name.as_str(),
        ),
        _ => ("header", "Authorization"),
    };
    vec![Violation::of(
        ViolationKind::Security,
        &["request", place, name],
        format!(
            "Invalid security scheme used: expected {}",
            wanted.join(", or ")
        ),
    )]
}

fn satisfied(scheme: &SecurityScheme, parts: &RequestParts<'_>, credentials: &[String]) -> bool {
    let accepted = |value: &str| credentials.is_empty() || credentials.iter().any(|c| c == value);
    let authorization = parts.header("authorization").unwrap_or_default();
    let authorization = authorization.trim();
    let presented = |prefix: &str| {
        authorization
            .get(..prefix.len())
            .filter(|p| p.eq_ignore_ascii_case(prefix))
            .map(|_| authorization[prefix.len()..].trim())
            .filter(|token| !token.is_empty())
    };
    match scheme {
        SecurityScheme::ApiKey { name, location } => match location {
            ParameterLocation::Query => parts.query.iter().any(|(n, v)| n == name && accepted(v)),
            ParameterLocation::Cookie => parts.cookie(name).is_some_and(accepted),
            _ => parts
                .header(name)
                .is_some_and(|v| !v.trim().is_empty() && accepted(v.trim())),
        },
        SecurityScheme::HttpBasic => presented("basic ").is_some_and(|token| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(token)
                .ok()
                .and_then(|decoded| String::from_utf8(decoded).ok())
                .is_some_and(|pair| pair.contains(':') && accepted(&pair))
        }),
        SecurityScheme::Bearer => presented("bearer ").is_some_and(accepted),
        SecurityScheme::Unchecked(_) => true,
    }
}

fn describe(scheme: &SecurityScheme) -> String {
    match scheme {
        SecurityScheme::ApiKey { name, location } => {
            format!("API key {name} in {location:?}").to_lowercase()
        }
        SecurityScheme::HttpBasic => "HTTP Basic credentials".into(),
        SecurityScheme::Bearer => "a Bearer token".into(),
        SecurityScheme::Unchecked(name) => name.clone(),
    }
}

/// The `WWW-Authenticate` challenges of an operation's security schemes.
pub fn challenges(operation: &Operation) -> String {
    let mut out: Vec<String> = Vec::new();
    for scheme in operation.security.iter().flat_map(|r| &r.schemes) {
        let challenge = match scheme {
            SecurityScheme::ApiKey { name, .. } => {
                format!("ApiKey realm=\"understudy\", name=\"{name}\"")
            }
            SecurityScheme::HttpBasic => "Basic realm=\"understudy\"".to_string(),
            SecurityScheme::Bearer => "Bearer realm=\"understudy\"".to_string(),
            SecurityScheme::Unchecked(_) => continue,
        };
        if !out.contains(&challenge) {
            out.push(challenge);
        }
    }
    out.join(", ")
}

fn body_violations(
    api: &CompiledApi,
    operation: &Operation,
    parts: &RequestParts<'_>,
    body: &[u8],
    read: &mut CheckedRequest,
) -> Vec<Violation> {
    let Some(declared) = &operation.request_body else {
        return Vec::new();
    };
    // An empty body is no body, unless a content type says it is an empty text or form (a
    // string schema may allow "", a form of optional fields is `{}`); nothing is empty JSON.
    let sent_type = parts
        .header("content-type")
        .map(|t| media::essence(&t).into_owned())
        .filter(|essence| !essence.is_empty() && !media::is_json_essence(essence));
    if body.is_empty() && sent_type.is_none() {
        return if declared.required {
            vec![Violation::of(
                ViolationKind::Missing,
                &["request", "body"],
                "Request body is required".into(),
            )]
        } else {
            Vec::new()
        };
    }
    if declared.content.is_empty() {
        return Vec::new();
    }
    let content_type = parts.header("content-type").unwrap_or_default();
    let content_type: &str = &content_type;
    let essence = media::essence(content_type);
    let declared_types: Vec<&str> = declared
        .content
        .iter()
        .map(|m| m.media_type.as_str())
        .collect();
    let Some(media) = media::declared_for(&declared_types, &essence).map(|i| &declared.content[i])
    else {
        return vec![Violation::of(
            ViolationKind::ContentType,
            &["request", "header", "content-type"],
            format!(
                "Content type {content_type:?} is not supported: send one of {}",
                media_type_list(&declared.content)
            ),
        )];
    };
    if let Some(item_schema) = media.item_schema {
        // A sequence (JSON lines, server-sent events): each item checked on its own.
        return match item_violations(api, item_schema, &essence, body, "request") {
            Ok(found) => found,
            Err(message) => vec![Violation::of(
                ViolationKind::Malformed,
                &["request", "body"],
                format!("Malformed {essence} body: {message}"),
            )],
        };
    }
    let Some(schema) = media.schema else {
        return Vec::new();
    };
    let as_json =
        media::is_json_essence(&essence) || media.media_type == "*/*" && essence.is_empty();
    let mut is_form = false;
    let value = if as_json {
        // serde_json stops at 128 levels of nesting with an error, so deep bodies cannot
        // overflow the stack.
        match serde_json::from_slice::<Value>(body) {
            Ok(value) => value,
            Err(e) => {
                return vec![Violation::of(
                    ViolationKind::Malformed,
                    &["request", "body"],
                    format!("Malformed JSON body: {e}"),
                )];
            }
        }
    } else if essence == "application/x-www-form-urlencoded"
        && !is_text_schema(api, schema, View::Request)
    {
        is_form = true;
        let pairs = form_urlencoded::parse(body).into_owned().collect();
        form_object(
            api.schemas.node(schema),
            api.schemas.document(View::Request),
            pairs,
        )
    } else if essence == "multipart/form-data" {
        is_form = true;
        match multipart_fields(content_type, body) {
            Ok(pairs) => form_object(
                api.schemas.node(schema),
                api.schemas.document(View::Request),
                pairs,
            ),
            Err(message) => {
                return vec![Violation::of(
                    ViolationKind::Malformed,
                    &["request", "body"],
                    message,
                )];
            }
        }
    } else if media::is_yaml_essence(&essence) {
        match yaml_value(body) {
            Ok(value) => value,
            Err(e) => {
                return vec![Violation::of(
                    ViolationKind::Malformed,
                    &["request", "body"],
                    format!("Malformed YAML body: {e}"),
                )];
            }
        }
    } else if (essence.starts_with("text/") && !media::is_xml_essence(&essence))
        || essence == "application/x-www-form-urlencoded"
    {
        // Text, or a form the schema says is one string. Text whose schema wants an object,
        // an array or a number (`text/html` bodies of `{type: object}`, as generated documents
        // declare) can only be that value written as JSON.
        let text = String::from_utf8_lossy(body).into_owned();
        if is_text_schema(api, schema, View::Request) {
            Value::String(text)
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
    } else {
        // XML and binary bodies are not read into their schema's JSON shape: OpenAPI's XML
        // mapping is not a JSON value, so the schema cannot judge them, and the media type
        // checked above is all that is checked.
        return Vec::new();
    };
    let violations = api.schemas.violations(schema, &value, &["request", "body"]);
    if as_json {
        read.json_body = Some(value);
    } else if is_form {
        read.form_body = Some(value);
    }
    violations
}

/// The `(name, text)` fields of a multipart body (file parts as their text, lossily).
///
/// multer parses asynchronously from a stream; the whole body is already in memory, so the
/// future completes without waiting and is driven to the end right here.
fn multipart_fields(content_type: &str, body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| format!("Malformed multipart body: {e}"))?;
    // A form of no fields is its closing delimiter alone, which multer takes for a cut stream.
    if body.trim_ascii() == format!("--{boundary}--").as_bytes() || body.is_empty() {
        return Ok(Vec::new());
    }
    let chunk = bytes::Bytes::copy_from_slice(body);
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(chunk) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    futures_executor::block_on(async move {
        let mut fields = Vec::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| format!("Malformed multipart body: {e}"))?
        {
            let name = field.name().unwrap_or_default().to_string();
            let content = field
                .bytes()
                .await
                .map_err(|e| format!("Malformed multipart body: {e}"))?;
            fields.push((name, String::from_utf8_lossy(&content).into_owned()));
        }
        Ok(fields)
    })
}

/// Form fields as the object its schema describes (repeated keys become arrays).
fn form_object(schema: &Value, document: &Value, pairs: Vec<(String, String)>) -> Value {
    let schema = resolve(schema, document);
    let mut object = Map::new();
    for (key, value) in pairs {
        let property = schema
            .pointer(&format!("/properties/{}", crate::pointer::escape(&key)))
            .unwrap_or(&Value::Bool(true));
        let property_schema = resolve(property, document);
        let is_array = property_schema.get("type") == Some(&Value::String("array".into()));
        let item_schema = if is_array {
            property_schema.get("items").unwrap_or(&Value::Bool(true))
        } else {
            property_schema
        };
        let coerced = coerce(item_schema, document, &value);
        match object.get_mut(&key) {
            Some(Value::Array(items)) if is_array => items.push(coerced),
            _ if is_array => {
                object.insert(key, Value::Array(vec![coerced]));
            }
            _ => {
                object.insert(key, coerced);
            }
        }
    }
    // An empty array leaves no field in a form (each item is one `name=value`): a required
    // array without a field was sent empty.
    let required = schema.get("required").and_then(Value::as_array);
    for name in required.into_iter().flatten().filter_map(Value::as_str) {
        let is_array = schema
            .pointer(&format!("/properties/{}", crate::pointer::escape(name)))
            .map(|p| resolve(p, document))
            .is_some_and(|p| p.get("type") == Some(&Value::String("array".into())));
        if is_array && !object.contains_key(name) {
            object.insert(name.to_string(), Value::Array(Vec::new()));
        }
    }
    Value::Object(object)
}
