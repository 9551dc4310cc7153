//! Document (JSON value) to [`Api`]: walks paths and operations, follows component `$ref`s,
//! merges parameters, compiles schemas and checks examples.
//!
//! The typed layer is our own: `openapiv3` reads only 3.0 and silently drops 3.1 features, so
//! it is used only for the objects that are identical in both versions (servers, security
//! schemes). See ARCHITECTURE.md.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::error::{ContractError, Finding, Severity};
use super::findings::{Findings, check_examples, located, report_schema_troubles};
use super::http_rules::{
    ONLY_INFORMATIONAL, ONLY_SERVER_ERRORS, bodiless_status, ignored_header_parameter, is_final,
    never_set_from_the_contract, not_a_header_name,
};
use super::model::*;
use super::rewrite::{Dialect, View};
use super::routes::{Added, Declared, RouteTable, undeclared_names};
use super::schemas::{SchemaError, SchemaId, SchemaViews, Schemas, SchemasBuilder};
use super::security::requirements;
use super::tree::resolve;
use crate::load::{LoadedSpec, SourceLocation};
use crate::pointer::{escape, local_target};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

struct Compiler<'a> {
    spec: &'a LoadedSpec,
    doc: &'a Value,
    schemas: SchemasBuilder,
    security_schemes: Map<String, Value>,
    findings: Findings<'a>,
}

pub fn compile_api(
    index: usize,
    spec: &LoadedSpec,
    mount: String,
    routes: &mut RouteTable,
    findings: &mut Vec<Finding>,
) -> Result<CompiledApi, ContractError> {
    let doc = &spec.document;
    let at = |pointer: &str| located(spec, pointer);
    if !doc.is_object() {
        return Err(ContractError::Invalid {
            location: at(""),
            message: "the document is not an object".into(),
        });
    }
    let dialect = dialect_of(doc).map_err(|(pointer, message, supported)| {
        if supported {
            ContractError::Invalid {
                location: at(pointer),
                message,
            }
        } else {
            ContractError::Unsupported {
                location: at(pointer),
                message,
            }
        }
    })?;
    let security_schemes = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut compiler = Compiler {
        spec,
        doc,
        schemas: SchemasBuilder::new(dialect),
        security_schemes,
        findings: Findings {
            spec,
            list: findings,
        },
    };
    for (name, scheme) in &compiler.security_schemes {
        if scheme.get("in").and_then(Value::as_str) == Some("header")
            && let Some(header) = scheme.get("name").and_then(Value::as_str)
            && let Some(message) = not_a_header_name(header)
        {
            let pointer = format!("/components/securitySchemes/{}/name", escape(name));
            compiler.findings.push(Severity::Warning, &pointer, message);
        }
    }
    let servers = compiler.servers();
    // On a large document the schemas are converted while the operations are compiled (on a
    // 46 MB document each took a third of a second); examples are checked once both are done.
    let (views, operations) = super::parallel::join(
        super::parallel::worth_a_thread(doc),
        || SchemaViews::convert(doc, dialect),
        || Ok::<_, ContractError>((compiler.operations()?, compiler.webhooks()?)),
    );
    let mut views = views.map_err(|e| schema_error(spec, e))?;
    let (mut operations, webhooks) = operations?;
    let Compiler {
        schemas: builder,
        mut findings,
        security_schemes,
        ..
    } = compiler;
    report_schema_troubles(&mut views, &mut findings);
    let schemas = builder.finish(views);
    for operation in &mut operations {
        check_examples(&schemas, operation, &mut findings);
    }
    add_routes(
        index,
        &mount,
        &mut operations,
        &schemas,
        routes,
        &mut findings,
    )?;
    let mut resources = super::resources::infer(&mut operations);
    super::resources::unbind_bodies_naming_no_object(&mut operations, &resources, &schemas);
    super::resources::agree_lists(&mut operations, &resources, &schemas);
    super::resources::find_body_wrappers(&mut operations, &resources, &schemas);
    super::resources::find_id_schemas(&operations, &mut resources);
    super::resources::find_creatable(&operations, &mut resources);
    let api = Api {
        name: spec.name.clone(),
        file: spec.file.clone(),
        title: doc
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or(&spec.name)
            .to_string(),
        openapi: doc["openapi"].as_str().unwrap_or_default().to_string(),
        mount,
        servers,
        operations,
        resources,
        webhooks,
        security_schemes: security_schemes.keys().cloned().collect(),
    };
    Ok(CompiledApi {
        index,
        api,
        schemas,
    })
}

/// An operation's parameters as the route table reads them.
struct Parameters<'a> {
    schemas: &'a Schemas,
    operation: &'a Operation,
}

impl Declared for Parameters<'_> {
    fn declares(&self, name: &str) -> bool {
        self.operation.declares_query_or_header(name)
    }

    /// The string values of the path parameter `name`, where its schema lists them (`enum`,
    /// through `$ref`s).
    fn choices(&self, name: &str) -> Option<Vec<String>> {
        let (schemas, operation) = (self.schemas, self.operation);
        let parameter = operation
            .parameters
            .iter()
            .find(|p| p.location == ParameterLocation::Path && p.name == name)?;
        let document = schemas.document(View::Request);
        resolve(schemas.node(parameter.schema?), document)
            .get("enum")?
            .as_array()?
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect()
    }
}

/// Adds the API's operations to the route table. An operation whose route another one already
/// answers is that one's shadow: it is warned of, and the first answers both (see `routes`).
fn add_routes(
    index: usize,
    mount: &str,
    operations: &mut [Operation],
    schemas: &Schemas,
    routes: &mut RouteTable,
    findings: &mut Findings<'_>,
) -> Result<(), ContractError> {
    let mut shadowed = Vec::new();
    for (op_index, operation) in operations.iter().enumerate() {
        let added = routes
            .add(
                index,
                mount,
                &operation.path,
                &operation.method,
                op_index,
                &Parameters { schemas, operation },
            )
            .map_err(|e| ContractError::RouteConflict {
                location: located(findings.spec, &operation.pointer),
                message: e.to_string(),
            })?;
        if let Added::Shadowed { by } = added {
            let first = &operations[by];
            let mut ignored = undeclared_names(&first.path, |n| first.declares_query_or_header(n));
            ignored.extend(undeclared_names(&operation.path, |n| {
                operation.declares_query_or_header(n)
            }));
            let why = if ignored.is_empty() {
                "path templates equal but for parameter names, which OpenAPI forbids".to_string()
            } else {
                format!(
                    "what the path keys name after the path, {}, is declared as no query \
                     parameter or header, so no client sends it",
                    ignored.join(", ")
                )
            };
            findings.push(
                Severity::Warning,
                &operation.pointer,
                format!(
                    "{} {} is the same route as {} {} ({why}): the first answers both, as both \
                     declare where they agree",
                    operation.method, operation.path, first.method, first.path
                ),
            );
            shadowed.push((by, op_index));
        }
    }
    for (by, op_index) in shadowed {
        operations[by].shadows.push(op_index);
    }
    Ok(())
}

fn dialect_of(doc: &Value) -> Result<Dialect, (&'static str, String, bool)> {
    if let Some(swagger) = doc.get("swagger") {
        return Err((
            "/swagger",
            format!(
                "Swagger {swagger} documents are not supported (Swagger 2.0 and OpenAPI 3.0, \
                 3.1 and 3.2 are)"
            ),
            false,
        ));
    }
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") => Ok(Dialect::OpenApi30),
        // 3.2 keeps 3.1's JSON Schema 2020-12; what it adds is read where it is (the QUERY
        // method, `additionalOperations`).
        Some(v) if v.starts_with("3.1") || v.starts_with("3.2") => Ok(Dialect::OpenApi31),
        Some(v) => Err((
            "/openapi",
            format!("OpenAPI version {v:?} is not supported (3.0, 3.1 and 3.2 are)"),
            false,
        )),
        None => Err((
            "",
            "not an OpenAPI document: the `openapi` version field is missing".into(),
            true,
        )),
    }
}

fn schema_error(spec: &LoadedSpec, e: SchemaError) -> ContractError {
    ContractError::Invalid {
        location: located(spec, &e.pointer),
        message: e.message,
    }
}

impl<'a> Compiler<'a> {
    fn location(&self, pointer: &str) -> SourceLocation {
        located(self.spec, pointer)
    }

    fn finding(&mut self, severity: Severity, pointer: &str, message: String) {
        self.findings.push(severity, pointer, message);
    }

    fn invalid(&self, pointer: &str, message: impl Into<String>) -> ContractError {
        ContractError::Invalid {
            location: self.location(pointer),
            message: message.into(),
        }
    }

    /// Follows `$ref` chains of non-schema objects: returns the target and its pointer.
    fn resolve(
        &self,
        mut pointer: String,
        mut value: &'a Value,
    ) -> Result<(String, &'a Value), ContractError> {
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Ok((pointer, value));
            };
            let target = local_target(reference)
                .ok_or_else(|| self.invalid(&pointer, format!("unsupported $ref {reference:?}")))?;
            value = self.doc.pointer(&target).ok_or_else(|| {
                self.invalid(&pointer, format!("$ref {reference:?} points at nothing"))
            })?;
            pointer = target;
        }
        Err(self.invalid(&pointer, "$ref chain too long (a cycle?)"))
    }

    fn schema(&mut self, pointer: &str, schema: &Value, view: View) -> SchemaId {
        self.schemas.add(pointer, schema, view)
    }

    fn servers(&mut self) -> Vec<openapiv3::Server> {
        let Some(servers) = self.doc.get("servers") else {
            return Vec::new();
        };
        match serde_json::from_value(servers.clone()) {
            Ok(servers) => servers,
            Err(e) => {
                self.finding(
                    Severity::Warning,
                    "/servers",
                    format!("unreadable servers: {e}"),
                );
                Vec::new()
            }
        }
    }

    fn operations(&mut self) -> Result<Vec<Operation>, ContractError> {
        let Some(paths) = self.doc.get("paths") else {
            return Ok(Vec::new());
        };
        let doc = self.doc;
        let paths = paths
            .as_object()
            .ok_or_else(|| self.invalid("/paths", "`paths` must be an object"))?;
        let mut operations = Vec::new();
        for (path, item) in paths {
            let item_pointer = format!("/paths/{}", escape(path));
            // Specification extensions are allowed among paths; they are not paths.
            if path.starts_with("x-") {
                continue;
            }
            if !path.starts_with('/') {
                return Err(
                    self.invalid(&item_pointer, format!("path {path:?} must start with '/'"))
                );
            }
            let (item_pointer, item) = self.resolve(item_pointer, item)?;
            let shared = item.get("parameters");
            // OpenAPI 3.2's QUERY, and any other method named in its `additionalOperations`.
            let additional = item
                .get("additionalOperations")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(method, op)| {
                    let pointer = format!("{item_pointer}/additionalOperations/{}", escape(method));
                    (method.to_ascii_lowercase(), pointer, op)
                });
            let fixed = METHODS
                .iter()
                .chain(std::iter::once(&"query"))
                .filter_map(|method| {
                    let op = item.get(*method)?;
                    Some((method.to_string(), format!("{item_pointer}/{method}"), op))
                });
            for (method, pointer, op) in fixed.chain(additional).collect::<Vec<_>>() {
                operations.push(self.operation(
                    doc,
                    path,
                    &method,
                    &pointer,
                    op,
                    shared,
                    &item_pointer,
                )?);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for op in &operations {
            if !seen.insert(op.id.clone()) {
                let (pointer, id) = (op.pointer.clone(), op.id.clone());
                self.finding(
                    Severity::Warning,
                    &pointer,
                    format!("duplicate operationId {id:?}"),
                );
            }
        }
        Ok(operations)
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        doc: &'a Value,
        path: &str,
        method: &str,
        pointer: &str,
        op: &'a Value,
        shared: Option<&'a Value>,
        item_pointer: &str,
    ) -> Result<Operation, ContractError> {
        let method_upper = method.to_ascii_uppercase();
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{method_upper} {path}"));
        let mut parameters: Vec<Parameter> = Vec::new();
        let sources = [
            (shared, format!("{item_pointer}/parameters")),
            (op.get("parameters"), format!("{pointer}/parameters")),
        ];
        for (list, list_pointer) in sources {
            let Some(list) = list.and_then(Value::as_array) else {
                continue;
            };
            for (i, raw) in list.iter().enumerate() {
                let parameter = self.parameter(format!("{list_pointer}/{i}"), raw)?;
                if parameter.location == ParameterLocation::Header
                    && let Some(message) = ignored_header_parameter(&parameter.name)
                {
                    self.finding(Severity::Warning, &format!("{list_pointer}/{i}"), message);
                    continue;
                }
                if parameter.location == ParameterLocation::Header
                    && let Some(message) = not_a_header_name(&parameter.name)
                {
                    self.finding(Severity::Warning, &format!("{list_pointer}/{i}"), message);
                }
                parameters
                    .retain(|p| !(p.name == parameter.name && p.location == parameter.location));
                parameters.push(parameter);
            }
        }
        let request_body = match op.get("requestBody") {
            Some(body) => Some(self.request_body(format!("{pointer}/requestBody"), body)?),
            None => None,
        };
        let responses = self.responses(pointer, op.get("responses"))?;
        let security_source = op.get("security").or_else(|| doc.get("security"));
        let security = self.security(pointer, security_source);
        Ok(Operation {
            id,
            method: method_upper,
            path: path.to_string(),
            pointer: pointer.to_string(),
            summary: op
                .get("summary")
                .and_then(Value::as_str)
                .map(str::to_string),
            parameters,
            request_body,
            responses,
            security,
            resource_extension: op.get("x-understudy-resource").cloned(),
            delay: op.get("x-understudy-delay").and_then(|delay| match delay {
                Value::Number(ms) => ms.as_u64().map(std::time::Duration::from_millis),
                Value::String(text) => humantime::parse_duration(text).ok(),
                _ => None,
            }),
            binding: None,
            callbacks: self.callbacks(doc, pointer, op)?,
            shadows: Vec::new(),
        })
    }

    /// The requests an operation's `callbacks` send: each expression's path item's operations.
    fn callbacks(
        &mut self,
        doc: &'a Value,
        op_pointer: &str,
        op: &'a Value,
    ) -> Result<Vec<Outgoing>, ContractError> {
        let mut out = Vec::new();
        let callbacks = op.get("callbacks").and_then(Value::as_object);
        for (name, raw) in callbacks.into_iter().flatten() {
            let pointer = format!("{op_pointer}/callbacks/{}", escape(name));
            let (pointer, callback) = self.resolve(pointer, raw)?;
            for (expression, item) in callback.as_object().into_iter().flatten() {
                let item_pointer = format!("{pointer}/{}", escape(expression));
                out.extend(self.outgoing(doc, name, expression, item_pointer, item)?);
            }
        }
        Ok(out)
    }

    /// A 3.1 document's `webhooks`, each method of each one.
    fn webhooks(&mut self) -> Result<Vec<Outgoing>, ContractError> {
        let doc = self.doc;
        let mut out = Vec::new();
        let webhooks = doc.get("webhooks").and_then(Value::as_object);
        for (name, item) in webhooks.into_iter().flatten() {
            let item_pointer = format!("/webhooks/{}", escape(name));
            out.extend(self.outgoing(doc, name, name, item_pointer, item)?);
        }
        Ok(out)
    }

    /// The operations of the path item of an outgoing request.
    fn outgoing(
        &mut self,
        doc: &'a Value,
        name: &str,
        url: &str,
        item_pointer: String,
        item: &'a Value,
    ) -> Result<Vec<Outgoing>, ContractError> {
        let (item_pointer, item) = self.resolve(item_pointer, item)?;
        let mut out = Vec::new();
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let pointer = format!("{item_pointer}/{method}");
            let shared = item.get("parameters");
            let operation =
                self.operation(doc, url, method, &pointer, op, shared, &item_pointer)?;
            out.push(Outgoing {
                name: name.to_string(),
                url: url.to_string(),
                operation,
            });
        }
        Ok(out)
    }

    fn parameter(&mut self, pointer: String, raw: &'a Value) -> Result<Parameter, ContractError> {
        let (pointer, value) = self.resolve(pointer, raw)?;
        let name = value
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| self.invalid(&pointer, "parameter without a `name`"))?
            .to_string();
        let location = match value.get("in").and_then(Value::as_str) {
            Some("path") => ParameterLocation::Path,
            Some("query") => ParameterLocation::Query,
            Some("header") => ParameterLocation::Header,
            Some("cookie") => ParameterLocation::Cookie,
            Some("querystring") => ParameterLocation::QueryString,
            other => {
                return Err(self.invalid(
                    &pointer,
                    format!("parameter {name:?} has an invalid `in`: {other:?}"),
                ));
            }
        };
        let schema = if let Some(schema) = value.get("schema") {
            Some(self.schema(&format!("{pointer}/schema"), schema, View::Request))
        } else if let Some((media, content)) = value
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.iter().next())
        {
            let schema_pointer = format!("{pointer}/content/{}/schema", escape(media));
            content
                .get("schema")
                .map(|schema| self.schema(&schema_pointer, schema, View::Request))
        } else {
            None
        };
        let media_type = value
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.keys().next())
            .cloned();
        Ok(Parameter {
            media_type,
            required: location == ParameterLocation::Path
                || value.get("required") == Some(&Value::Bool(true)),
            name,
            location,
            schema,
            style: value
                .get("style")
                .and_then(Value::as_str)
                .map(str::to_string),
            explode: value.get("explode").and_then(Value::as_bool),
        })
    }

    fn request_body(
        &mut self,
        pointer: String,
        raw: &'a Value,
    ) -> Result<RequestBody, ContractError> {
        let (pointer, value) = self.resolve(pointer, raw)?;
        Ok(RequestBody {
            required: value.get("required") == Some(&Value::Bool(true)),
            content: self.content(&pointer, value, View::Request)?,
        })
    }

    fn responses(
        &mut self,
        op_pointer: &str,
        raw: Option<&'a Value>,
    ) -> Result<Vec<Response>, ContractError> {
        let pointer = format!("{op_pointer}/responses");
        let Some(map) = raw.and_then(Value::as_object).filter(|m| !m.is_empty()) else {
            self.finding(
                Severity::Warning,
                op_pointer,
                "operation declares no responses: it is answered 204 with no body".into(),
            );
            return Ok(Vec::new());
        };
        let mut responses = Vec::new();
        for (key, raw) in map {
            let response_pointer = format!("{pointer}/{}", escape(key));
            let Some(status) = StatusKey::parse(key) else {
                self.finding(
                    Severity::Error,
                    &response_pointer,
                    format!("{key:?} is not a status code, a range like 4XX, or default"),
                );
                continue;
            };
            let (resolved_pointer, value) = self.resolve(response_pointer, raw)?;
            let mut headers = Vec::new();
            if let Some(map) = value.get("headers").and_then(Value::as_object) {
                for (name, raw_header) in map {
                    // OpenAPI ignores a declared Content-Type; the framing headers are HTTP's
                    // to set (a declared `Content-Length: 279` sent with another body breaks
                    // the connection).
                    if never_set_from_the_contract(name) {
                        continue;
                    }
                    let header_pointer = format!("{resolved_pointer}/headers/{}", escape(name));
                    let (header_pointer, header) = self.resolve(header_pointer, raw_header)?;
                    let schema = header.get("schema").map(|schema| {
                        self.schema(&format!("{header_pointer}/schema"), schema, View::Response)
                    });
                    let example = self
                        .examples(&header_pointer, "", header)?
                        .into_iter()
                        .next();
                    headers.push(Header {
                        name: name.clone(),
                        required: header.get("required") == Some(&Value::Bool(true)),
                        schema,
                        example,
                    });
                }
            }
            let content = self.content(&resolved_pointer, value, View::Response)?;
            if let StatusKey::Code(code) = status
                && let Some(message) = bodiless_status(code)
                && content.iter().any(|m| m.schema.is_some())
            {
                self.finding(Severity::Warning, &resolved_pointer, message);
            }
            responses.push(Response {
                status,
                description: value
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                headers,
                content,
                links: self.links(&resolved_pointer, value)?,
            });
        }
        let declares_an_answer = responses.iter().any(|r| match r.status {
            StatusKey::Code(code) => is_final(code),
            StatusKey::Range(digit) => digit != 1,
            StatusKey::Default => true,
        });
        let only_server_errors = responses.iter().all(|r| match r.status {
            StatusKey::Code(code) => (500..600).contains(&code),
            StatusKey::Range(digit) => digit == 5,
            StatusKey::Default => false,
        });
        if !responses.is_empty() && !declares_an_answer {
            self.finding(Severity::Warning, &pointer, ONLY_INFORMATIONAL.into());
        } else if !responses.is_empty() && only_server_errors {
            self.finding(Severity::Warning, &pointer, ONLY_SERVER_ERRORS.into());
        }
        Ok(responses)
    }

    fn links(&mut self, pointer: &str, response: &'a Value) -> Result<Vec<Link>, ContractError> {
        let Some(map) = response.get("links").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut links = Vec::new();
        for (name, raw) in map {
            let (link_pointer, link) =
                self.resolve(format!("{pointer}/links/{}", escape(name)), raw)?;
            let Some(operation_id) = link.get("operationId").and_then(Value::as_str) else {
                let message =
                    format!("link {name:?} has no operationId (operationRef is not followed)");
                self.finding(Severity::Warning, &link_pointer, message);
                continue;
            };
            let parameters = link
                .get("parameters")
                .and_then(Value::as_object)
                .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            links.push(Link {
                name: name.clone(),
                operation_id: operation_id.to_string(),
                parameters,
            });
        }
        Ok(links)
    }

    fn content(
        &mut self,
        pointer: &str,
        holder: &'a Value,
        view: View,
    ) -> Result<Vec<MediaType>, ContractError> {
        let Some(content) = holder.get("content").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut media_types = Vec::new();
        for (media_type, value) in content {
            let media_pointer = format!("{pointer}/content/{}", escape(media_type));
            if !crate::media::is_media_type(media_type) {
                self.finding(
                    Severity::Warning,
                    &media_pointer,
                    format!(
                        "{media_type:?} is not a media type (type/subtype, as in \
                         application/json): no client can read what is labelled with it"
                    ),
                );
            }
            let schema = value
                .get("schema")
                .map(|schema| self.schema(&format!("{media_pointer}/schema"), schema, view));
            let item_schema = value
                .get("itemSchema")
                .map(|schema| self.schema(&format!("{media_pointer}/itemSchema"), schema, view));
            let examples = self.examples(&media_pointer, media_type, value)?;
            media_types.push(MediaType {
                media_type: media_type.clone(),
                schema,
                item_schema,
                examples,
                invalid_examples: Vec::new(),
            });
        }
        Ok(media_types)
    }

    /// The media type's examples, in document order (`example` first, named `examples`
    /// after); [`check_examples`] sets the invalid ones apart.
    fn examples(
        &mut self,
        pointer: &str,
        media_type: &str,
        media: &'a Value,
    ) -> Result<Vec<Example>, ContractError> {
        let mut examples = Vec::new();
        if let Some(value) = media.get("example") {
            examples.push(Example {
                name: String::new(),
                pointer: format!("{pointer}/example"),
                value: Arc::new(value.clone()),
            });
        }
        if let Some(map) = media.get("examples").and_then(Value::as_object) {
            for (name, raw) in map {
                let (example_pointer, example) =
                    self.resolve(format!("{pointer}/examples/{}", escape(name)), raw)?;
                // 3.2 names the value `dataValue`, and may give it as sent (`serializedValue`):
                // for JSON, the two must say the same.
                let data_value = example.get("dataValue");
                if let (Some(data), Some(Value::String(serialized))) =
                    (data_value, example.get("serializedValue"))
                    && crate::media::is_json(media_type)
                    && serde_json::from_str::<Value>(serialized).ok().as_ref() != Some(data)
                {
                    self.finding(
                        Severity::Warning,
                        &format!("{example_pointer}/serializedValue"),
                        format!(
                            "example {name:?}: serializedValue is not dataValue written as JSON"
                        ),
                    );
                }
                match example.get("value").or(data_value) {
                    Some(value) => examples.push(Example {
                        name: name.clone(),
                        pointer: example_pointer,
                        value: Arc::new(value.clone()),
                    }),
                    None => self.finding(
                        Severity::Warning,
                        &example_pointer,
                        format!(
                            "example {name:?} has no inline `value` (externalValue is not fetched)"
                        ),
                    ),
                }
            }
        }
        Ok(examples)
    }

    fn security(&mut self, pointer: &str, source: Option<&Value>) -> Vec<SecurityRequirement> {
        let (requirements, undeclared) = requirements(source, &self.security_schemes);
        for name in undeclared {
            let message =
                format!("security scheme {name:?} is not declared in components.securitySchemes");
            self.finding(Severity::Error, pointer, message);
        }
        requirements
    }
}
