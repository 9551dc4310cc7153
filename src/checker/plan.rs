//! Test cases generated from the contract: for each operation a positive request (examples
//! first, else generated valid data), the negative ones `negative` makes from it, and boundary
//! values one at a time (the coverage phase); generated valid requests and their shrinking;
//! and, for each inferred resource, create → read → update → delete → read chains.

use serde_json::{Value, json};

use super::case::{
    Case, Expect, filled_path, json_body_schema, optional_value, valid_value, without_property,
};
use super::coverage::boundaries;
use super::credentials::Credentials;
use super::negative::negatives;
use super::wire;
use crate::contract::{
    Action, CompiledApi, Contract, Operation, ParameterLocation, View, written_query,
};
use crate::generate::generate_valid;
use crate::headers;
use crate::validate::resolve;

/// Operations a request can reach: one shadowed by an earlier one on the same route and
/// method is never served.
fn served(contract: &Contract) -> std::collections::HashSet<(usize, usize)> {
    contract
        .routes
        .entries()
        .iter()
        .flat_map(|e| e.operations.iter().map(|(_, index)| (e.api, *index)))
        .collect()
}

/// Property-based cases: for every operation, `count` more valid requests generated from
/// the schemas with seeds drawn from `seed` (never the examples), each optional query and
/// header parameter and optional body property present or absent by the draw, so that
/// combinations of them are tried.
pub fn generated(
    contract: &Contract,
    credentials: &Credentials,
    seed: u64,
    count: usize,
) -> Vec<Case> {
    let mut out = Vec::new();
    for (compiled, index, operation) in served_operations(contract) {
        for n in 1..=count {
            let draw =
                crate::mock::stable_hash(&[&seed.to_string(), &operation.id, &n.to_string()]);
            let Some(mut case) = generated_case(compiled, index, operation, credentials, draw)
            else {
                break;
            };
            case.name = format!("{} {} (generated {n})", operation.method, operation.path);
            out.push(case);
        }
    }
    out
}

/// One generated valid request: values from `draw`, each optional part in or out by a bit of
/// it.
fn generated_case(
    api: &CompiledApi,
    index: usize,
    operation: &Operation,
    credentials: &Credentials,
    draw: u64,
) -> Option<Case> {
    let mut case = positive(api, index, operation, credentials, draw)?;
    let mut bits = draw.rotate_left(17);
    let mut coin = || {
        bits = bits.rotate_left(1);
        bits & 1 == 1
    };
    for parameter in &operation.parameters {
        if parameter.required || !coin() {
            continue;
        }
        let Some(value) = optional_value(api, parameter, draw) else {
            continue;
        };
        match parameter.location {
            ParameterLocation::Query => case.query.extend(wire::query_pairs(parameter, &value)),
            ParameterLocation::Header => {
                if let Some(text) = wire::simple_text(parameter, &value) {
                    headers::set(&mut case.headers, &parameter.name, &text)
                }
            }
            _ => {}
        }
    }
    // A body generated, not the example (which the valid case already sends).
    if let Some(schema) = operation.json_request_media().and_then(|m| m.schema) {
        let mut body =
            generate_valid(&api.schemas, schema, draw).unwrap_or_else(|failed| failed.best);
        let resolved = resolve(
            api.schemas.node(schema),
            api.schemas.document(View::Request),
        );
        let required: Vec<&str> = resolved
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let optional: Vec<String> = body
            .as_object()
            .into_iter()
            .flat_map(|fields| fields.keys())
            .filter(|name| !required.contains(&name.as_str()))
            .cloned()
            .collect();
        for name in optional {
            if !coin()
                && let Some(smaller) = without_property(api, operation, &body, &name)
            {
                body = smaller;
            }
        }
        case.body = Some(body);
    }
    Some(case)
}

/// Query parameters that size a page.
const PAGE_SIZES: &[&str] = &[
    "limit",
    "per_page",
    "perPage",
    "pageSize",
    "page_size",
    "size",
];

/// `case` asking for the largest page its operation allows (its page-size parameter at its
/// maximum), and that size; `None` when the operation has no page size with a maximum.
pub fn largest_page(contract: &Contract, case: &Case) -> (Case, Option<u64>) {
    let (api, operation) = contract.operation(case.api, case.operation);
    let document = api.schemas.document(View::Request);
    let mut case = case.clone();
    for parameter in &operation.parameters {
        if parameter.location != ParameterLocation::Query
            || !PAGE_SIZES.contains(&parameter.name.as_str())
        {
            continue;
        }
        let maximum = parameter
            .schema
            .and_then(|id| resolve(api.schemas.node(id), document).get("maximum"))
            .and_then(Value::as_u64);
        if let Some(maximum) = maximum {
            case.query.retain(|(n, _)| *n != parameter.name);
            case.query
                .push((parameter.name.clone(), maximum.to_string()));
            return (case, Some(maximum));
        }
    }
    (case, None)
}

/// `case` with one optional part fewer, each way there is: an optional query or header
/// parameter left out, or a body property that is not required. Shrinking tries these.
pub fn smaller(contract: &Contract, case: &Case) -> Vec<Case> {
    let (api, operation) = contract.operation(case.api, case.operation);
    let mut out = Vec::new();
    for parameter in operation.parameters.iter().filter(|p| !p.required) {
        match parameter.location {
            ParameterLocation::Query if case.query.iter().any(|(n, _)| *n == parameter.name) => {
                let mut smaller = case.clone();
                smaller.query.retain(|(n, _)| *n != parameter.name);
                out.push(smaller);
            }
            ParameterLocation::Header if case.headers.contains_key(parameter.name.as_str()) => {
                let mut smaller = case.clone();
                smaller.headers.remove(parameter.name.as_str());
                out.push(smaller);
            }
            _ => {}
        }
    }
    let required: Vec<String> = json_body_schema(api, operation)
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(body @ Value::Object(fields)) = &case.body {
        for name in fields.keys().filter(|n| !required.contains(n)) {
            if let Some(smaller_body) = without_property(api, operation, body, name) {
                let mut smaller = case.clone();
                smaller.body = Some(smaller_body);
                out.push(smaller);
            }
        }
    }
    out
}

/// Every operation a request can reach, with its API and index, in contract order.
fn served_operations(
    contract: &Contract,
) -> impl Iterator<Item = (&CompiledApi, usize, &Operation)> {
    let served = served(contract);
    contract.apis.iter().flat_map(move |compiled| {
        let served = served.clone();
        compiled
            .api
            .operations
            .iter()
            .enumerate()
            .filter(move |(index, _)| served.contains(&(compiled.index, *index)))
            .map(move |(index, operation)| (compiled, index, operation))
    })
}

/// The positive and negative cases of every operation, in contract order.
pub fn cases(contract: &Contract, credentials: &Credentials, seed: u64) -> Vec<Case> {
    let served = served(contract);
    let mut out = Vec::new();
    for compiled in &contract.apis {
        for (index, operation) in compiled.api.operations.iter().enumerate() {
            if !served.contains(&(compiled.index, index)) {
                continue;
            }
            let Some(positive) = positive(compiled, index, operation, credentials, seed) else {
                continue;
            };
            out.extend(negatives(compiled, operation, &positive, seed));
            out.extend(boundaries(compiled, operation, &positive, seed));
            out.extend(other_media_types(compiled, operation, &positive, seed));
            out.push(positive);
        }
        // Every undeclared method of each path: a provider may route each one its own way.
        for entry in contract
            .routes
            .entries()
            .iter()
            .filter(|e| e.api == compiled.index)
        {
            let declared: Vec<&str> = entry.operations.iter().map(|(m, _)| m.as_str()).collect();
            let (_, index) = entry.operations[0];
            let operation = &compiled.api.operations[index];
            let Some(base) = positive(compiled, index, operation, credentials, seed) else {
                continue;
            };
            // Undeclared on this path, and on every other path its URL matches too (GitLab's
            // `PUT /services/jira` beside `GET /services/{service_slug}`: a GET of
            // `/services/jira` is declared).
            let elsewhere = |method: &str| {
                contract
                    .routes
                    .find_for(&base.path, method)
                    .is_some_and(|found| found.entry.serves(method))
            };
            for method in ["GET", "PUT", "POST", "DELETE", "PATCH"]
                .into_iter()
                .filter(|m| !declared.contains(m) && !elsewhere(m))
            {
                out.push(Case {
                    name: format!("{method} {} (undeclared method)", operation.path),
                    method: method.to_string(),
                    body: None,
                    content_type: None,
                    expect: Expect::MethodNotAllowed,
                    ..base.clone()
                });
            }
        }
    }
    out
}

fn positive(
    api: &CompiledApi,
    index: usize,
    operation: &Operation,
    credentials: &Credentials,
    seed: u64,
) -> Option<Case> {
    // Several specs are mounted apart, as `serve` mounts them (`--mount` for a real provider's
    // prefix); one spec is at the target's root.
    let path = filled_path(api, operation, seed, None);
    let mut query = Vec::new();
    let mut headers = ::http::HeaderMap::new();
    credentials.present(operation, &mut headers, &mut query);
    // What the path key writes after a `?` (HDInsight's `?op=LISTAFTERID`) goes as written:
    // without it the request means another operation on the path.
    query.extend(written_query(&operation.path, |name| {
        operation.declares_query_or_header(name)
    }));
    // An API key the contract also declares as a query parameter (CircleCI's
    // `circle-token`) is sent once, as the credential.
    let presented: Vec<String> = query.iter().map(|(name, _)| name.clone()).collect();
    for parameter in &operation.parameters {
        let value = valid_value(api, parameter, seed);
        match parameter.location {
            ParameterLocation::Query
                if parameter.required && !presented.contains(&parameter.name) =>
            {
                query.extend(wire::query_pairs(parameter, &value))
            }
            ParameterLocation::Header if parameter.required => {
                if let Some(text) = wire::simple_text(parameter, &value) {
                    headers::append(&mut headers, &parameter.name, &text)
                }
            }
            _ => {}
        }
    }
    let media = operation.json_request_media();
    let body = media.map(|m| valid_body(api, m, seed));
    if operation.request_body.as_ref().is_some_and(|b| b.required) && body.is_none() {
        return None; // only JSON bodies are generated
    }
    Some(Case {
        name: format!("{} {} (valid)", operation.method, operation.path),
        api: api.index,
        operation: index,
        method: operation.method.clone(),
        path,
        query,
        headers,
        body,
        content_type: media.map(|m| crate::media::concrete(&m.media_type)),
        expect: Expect::Accepted,
    })
}

/// A valid body of `media`: its first example, else one generated from its schema.
fn valid_body(api: &CompiledApi, media: &crate::contract::MediaType, seed: u64) -> Value {
    media
        .examples
        .first()
        .map(|e| (*e.value).clone())
        .unwrap_or_else(|| {
            media
                .schema
                .map(|id| {
                    generate_valid(&api.schemas, id, seed).unwrap_or_else(|failed| failed.best)
                })
                .unwrap_or(json!({}))
        })
}

/// The positive request again in each other JSON media type the request body declares
/// (`application/merge-patch+json`, `application/vnd.api+json`…), with a body valid under
/// that media type's schema: a provider that parses only one of them is found here.
fn other_media_types(
    api: &CompiledApi,
    operation: &Operation,
    positive: &Case,
    seed: u64,
) -> Vec<Case> {
    let Some(sent) = positive.content_type.as_deref() else {
        return Vec::new();
    };
    let mut tried = vec![crate::media::essence(sent).into_owned()];
    let mut out = Vec::new();
    for media in operation.request_body.iter().flat_map(|b| &b.content) {
        let concrete = crate::media::concrete(&media.media_type);
        let essence = crate::media::essence(&concrete).into_owned();
        if !crate::media::answered_as_json(&media.media_type) || tried.contains(&essence) {
            continue;
        }
        tried.push(essence);
        out.push(Case {
            name: format!(
                "{} {} (valid, as {concrete})",
                operation.method, operation.path
            ),
            body: Some(valid_body(api, media, seed)),
            content_type: Some(concrete),
            ..positive.clone()
        });
    }
    out
}

/// The operations of one inferred resource that a create → read → update → delete → read
/// chain runs through.
#[derive(Debug, Clone, Copy)]
pub struct Chain {
    pub api: usize,
    /// POST on the collection, or else a PUT that upserts.
    pub create: usize,
    pub creates_by_upsert: bool,
    pub read: usize,
    pub update: Option<usize>,
    pub delete: Option<usize>,
    /// The collection's list, when it needs no path parameter (a scoped list may rightly
    /// leave the created object out).
    pub list: Option<usize>,
}

/// A chain for every inferred resource that can be created and read.
pub fn chains(contract: &Contract) -> Vec<Chain> {
    let mut out = Vec::new();
    for compiled in &contract.apis {
        let api = &compiled.api;
        for resource in 0..api.resources.len() {
            let find = |actions: &[Action]| {
                api.operations.iter().position(|o| {
                    o.binding
                        .as_ref()
                        .is_some_and(|b| b.resource == resource && actions.contains(&b.action))
                })
            };
            let upsert = find(&[Action::Upsert]);
            let (Some(create), Some(read)) =
                (find(&[Action::Create]).or(upsert), find(&[Action::Read]))
            else {
                continue;
            };
            let item_path = &api.resources[resource].item_path;
            out.push(Chain {
                api: compiled.index,
                create,
                creates_by_upsert: find(&[Action::Create]).is_none(),
                read,
                update: find(&[Action::Replace, Action::Merge, Action::Upsert]),
                delete: find(&[Action::Delete]),
                // The collection's own list: a finder (`/pet/findByStatus`) rightly leaves
                // out what its query does not match.
                list: api.operations.iter().position(|operation| {
                    operation
                        .binding
                        .as_ref()
                        .is_some_and(|b| b.resource == resource && b.action == Action::List)
                        && item_path.starts_with(&format!("{}/", operation.path))
                        && !operation
                            .parameters
                            .iter()
                            .any(|p| p.location == ParameterLocation::Path)
                }),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_no_route_serves_get_no_cases() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/corpus-shapes/odd-paths.yaml");
        let specs = crate::load::load_paths(&[path]).unwrap();
        let contract = Contract::compile(&specs, &[]).unwrap();
        let cases = cases(&contract, &Credentials::default(), 0);
        let shadowed = contract.apis[0]
            .api
            .operations
            .iter()
            .position(|o| o.id == "getObjectAgain")
            .unwrap();
        assert!(!cases.is_empty());
        assert!(
            cases.iter().all(|c| c.operation != shadowed),
            "cases for the shadowed operation: {:?}",
            cases
                .iter()
                .filter(|c| c.operation == shadowed)
                .map(|c| &c.name)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_bundled_kantata_create_is_checked_without_a_required_field_inside_its_envelope() {
        let specs = crate::load::load_paths(&[
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/kantata.yaml")
        ])
        .unwrap();
        let contract = Contract::compile(&specs, &[]).unwrap();
        let names: Vec<String> = cases(&contract, &Credentials::default(), 0)
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert!(
            names
                .iter()
                .any(|n| n.contains("missing required organization_membership.member_id")),
            "expected a case without the envelope's required member_id, received {names:#?}"
        );
    }

    #[test]
    fn nested_body_properties_and_formats_are_tried_at_their_edges_and_only_valid_edges_are_sent() {
        let spec = r#"
openapi: 3.1.0
info: { title: t, version: "1" }
paths:
  /orders:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [customer]
              properties:
                customer:
                  type: object
                  required: [email]
                  properties:
                    email: { type: string, format: email }
                    code: { type: string, pattern: "^[A-Z]{3}$", minLength: 3, maxLength: 3 }
                    since: { type: string, format: date }
                    id: { type: string, format: uuid, readOnly: true }
                quantity: { type: integer, format: int64 }
      responses:
        "201": { description: created }
"#;
        let loaded = crate::load::load_text("orders.yaml", spec).unwrap();
        let contract = Contract::compile(&[loaded], &[]).unwrap();
        let names: Vec<String> = cases(&contract, &Credentials::default(), 0)
            .into_iter()
            .map(|c| c.name)
            .filter(|n| n.contains("(boundary:"))
            .collect();
        for expected in [
            r#"body customer.email = "a@b.co" (shortest email)"#,
            r#"body customer.since = "2024-02-29" (leap day)"#,
            "body quantity = 9223372036854775807 (",
        ] {
            assert!(
                names.iter().any(|n| n.contains(expected)),
                "expected a case named {expected:?}, received {names:#?}"
            );
        }
        // "aaa" breaks the pattern; a read-only id is not sent.
        assert!(
            !names
                .iter()
                .any(|n| n.contains("customer.code") || n.contains("customer.id")),
            "expected no edge that breaks the schema, received {names:#?}"
        );
    }

    #[test]
    fn a_negative_case_is_sent_only_when_the_schema_refuses_it() {
        let spec = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /tags/{id}:
    put:
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer, format: int64 } }
      requestBody:
        content:
          application/json:
            schema: { properties: { name: { type: string } } }
      responses:
        "200": { description: ok }
        "400": { description: refused }
  /notes:
    post:
      requestBody:
        content:
          text/plain: { example: "a note" }
          application/json: { example: { text: "a note" } }
      responses:
        "200": { description: ok }
        "400": { description: refused }
"#;
        let loaded = crate::load::load_text("tags.yaml", spec).unwrap();
        let contract = Contract::compile(&[loaded], &[]).unwrap();
        let cases = cases(&contract, &Credentials::default(), 0);
        let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        // Without `type: object` an array is a valid body; without a schema, anything is.
        assert!(
            !names.iter().any(|n| n.contains("wrong body type")),
            "expected no case the schema accepts, received {names:#?}"
        );
        let bad_id = cases
            .iter()
            .find(|c| c.name.contains("bad path parameter id"))
            .map(|c| c.path.as_str());
        assert_eq!(
            bad_id,
            Some("/tags/9223372036854775808"),
            "expected one past the int64 maximum"
        );
    }
}
