//! The compiled contract's types: what the mock engine and the validator read. Everything
//! here is resolved (`$ref`s followed, path and operation parameters merged) at compile time.

use std::sync::Arc;

use serde_json::Value;

use super::schemas::{SchemaId, Schemas};

/// An API together with its compiled schemas.
#[derive(Debug)]
pub struct CompiledApi {
    /// Position in `Contract::apis`.
    pub index: usize,
    pub api: Api,
    pub schemas: Schemas,
}

/// An API served from one document.
#[derive(Debug)]
pub struct Api {
    /// File stem, e.g. `kantata`.
    pub name: String,
    pub file: String,
    pub title: String,
    /// `3.0.3`, `3.1.0`…
    pub openapi: String,
    /// The prefix the API is served under: empty for a single spec, `/NAME` for several.
    pub mount: String,
    pub servers: Vec<openapiv3::Server>,
    pub operations: Vec<Operation>,
    /// Stateful resources inferred from the paths (see `resources`).
    pub resources: Vec<Resource>,
    /// OpenAPI 3.1 webhooks: requests the API sends, fired on demand through the admin API.
    pub webhooks: Vec<Outgoing>,
    /// The names of the security schemes the document declares, required anywhere or not
    /// (what `check --auth NAME=…` may name).
    pub security_schemes: Vec<String>,
}

/// Which declared outgoing request a call is, to check the receiver's answer against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutgoingTarget {
    /// `Api::webhooks[index]`.
    Webhook(usize),
    /// `Api::operations[operation].callbacks[index]`.
    Callback { operation: usize, index: usize },
}

impl Api {
    /// The outgoing request `target` names.
    pub fn outgoing(&self, target: OutgoingTarget) -> Option<&Outgoing> {
        match target {
            OutgoingTarget::Webhook(index) => self.webhooks.get(index),
            OutgoingTarget::Callback { operation, index } => {
                self.operations.get(operation)?.callbacks.get(index)
            }
        }
    }
}

/// A request the API sends rather than answers: a webhook (`name` is its key), or a
/// callback of an operation (`name` its key, `url` the runtime expression of its URL).
#[derive(Debug)]
pub struct Outgoing {
    pub name: String,
    pub url: String,
    /// Its method, body and the answers it expects, compiled as an operation.
    pub operation: Operation,
}

/// What a stateful operation does to its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Read,
    Replace,
    Upsert,
    Merge,
    Delete,
    List,
}

/// A stateful resource: objects stored under its item path's parameters.
#[derive(Debug)]
pub struct Resource {
    /// The collection's last segment, e.g. `organization_memberships`.
    pub name: String,
    pub item_path: String,
    /// Every path parameter of the item path, in order: together they identify an object.
    pub keys: Vec<String>,
    /// [`Resource::one`], inflected once: the pluralizer's rules are a few microseconds a
    /// call, and a create asks for it on every request.
    one: String,
    /// The schema of the last key's path parameter, which shapes the ids a create assigns
    /// (see `resources::find_id_schemas`).
    pub id_schema: Option<SchemaId>,
    /// Whether an operation makes its objects (creates, upserts or replaces one): where none
    /// does, every object a client can read is one the API already holds (see
    /// `resources::find_creatable`).
    pub creatable: bool,
}

impl Resource {
    pub fn new(name: String, item_path: String, keys: Vec<String>) -> Resource {
        let one = singular(&name);
        Resource {
            name,
            item_path,
            keys,
            one,
            id_schema: None,
            creatable: false,
        }
    }

    /// One of the resource, as a sentence names it: `organization membership` for
    /// `organization_memberships`, `repository` for `repositories` (English inflection,
    /// by the pluralizer crate).
    pub fn one(&self) -> &str {
        &self.one
    }

    /// Whether `word` (a property name) names one of the resource, in the singular or the
    /// plural (`organization_membership(s)` for `organization_memberships`). Asked on every
    /// create, so the singular spelling is compared before the pluralizer is asked.
    pub fn is_one_named(&self, word: &str) -> bool {
        let spaced = word.replace(['_', '-'], " ");
        spaced == self.one || singular(word) == self.one
    }
}

/// `name` (a path segment or property name) in the singular, its `_` and `-` as spaces.
pub fn singular(name: &str) -> String {
    pluralizer::pluralize(&name.replace(['_', '-'], " "), 1, false)
}

/// How an operation acts on a resource.
#[derive(Debug, Clone)]
pub struct Binding {
    pub resource: usize,
    pub action: Action,
    /// The one property the request body wraps the resource in, where its schema has only
    /// that property and it names the resource (Kantata's `{organization_membership: {…}}`)
    /// or is `data` (Asana's `{data: {…}}`, JSON:API's).
    pub body_wrapper: Option<String>,
    /// The object's last key is in the request body, not the path: Swagger's petstore's
    /// `PUT /pet` replaces the pet whose `id` its body carries.
    pub key_in_body: bool,
}

#[derive(Debug)]
pub struct Operation {
    /// `operationId`, or `METHOD /path` when the document gives none.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template as the document writes it.
    pub path: String,
    /// Where the operation is in the document (JSON pointer), for messages.
    pub pointer: String,
    pub summary: Option<String>,
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    /// In document order.
    pub responses: Vec<Response>,
    /// Alternatives (OR) of requirement sets (AND); empty means no security.
    pub security: Vec<SecurityRequirement>,
    /// The `x-understudy-resource` extension, when the document gives one.
    pub resource_extension: Option<Value>,
    /// The `x-understudy-delay` extension: every answer waits this long (milliseconds, or a
    /// duration such as `300ms`).
    pub delay: Option<std::time::Duration>,
    /// How the operation acts on an inferred resource, if it does (see `resources`).
    pub binding: Option<Binding>,
    /// The callbacks it declares: requests the API sends after answering it.
    pub callbacks: Vec<Outgoing>,
    /// Operations (indexes in the API) whose requests this one receives: the same method on
    /// a template equal but for parameter names. Its answers must follow theirs too.
    pub shadows: Vec<usize>,
}

/// The media type of `content` JSON is written as: of [`described_json`]'s, the first named
/// JSON type, else the first range sent as JSON (`*/*`). A range goes after a named type, as
/// the named type's schema governs what is sent as `application/json` (Jira declares `*/*`
/// with an example string first, `application/json` with its schema next).
pub fn json_media(content: &[MediaType]) -> Option<&MediaType> {
    crate::media::json_first(
        described_json(content)
            .enumerate()
            .map(|(index, m)| (index, m.media_type.as_str())),
    )
    .and_then(|index| described_json(content).nth(index))
}

/// `content` without the JSON types that have no schema where another JSON type has one: only
/// a schema says what an object holds (Zuora declares `application/json` with an example
/// only, then `application/json; charset=utf-8` with its schema), so an answer showing a
/// stored object is not offered in such a type, and it does not shape the resource.
pub fn described_json(content: &[MediaType]) -> impl Iterator<Item = &MediaType> + Clone {
    let is_json = |m: &MediaType| crate::media::answered_as_json(&m.media_type);
    let described = content.iter().any(|m| m.schema.is_some() && is_json(m));
    content
        .iter()
        .filter(move |m| !(described && m.schema.is_none() && is_json(m)))
}

/// The actions whose answers show a resource's objects, the most telling first: what a read
/// answers is the object; a create, replace, upsert or merge answers it too, as may a list.
pub const OBJECT_VIEWS: [Action; 6] = [
    Action::Read,
    Action::Create,
    Action::Replace,
    Action::Upsert,
    Action::Merge,
    Action::List,
];

impl Operation {
    /// The request body's JSON media type (see [`json_media`]): the one a client sends and a
    /// create reads.
    pub fn json_request_media(&self) -> Option<&MediaType> {
        self.request_body
            .as_ref()
            .and_then(|body| json_media(&body.content))
    }

    /// Whether a request can carry `name` as a parameter the operation declares: a query
    /// parameter, a header (any case), or anything, where the whole query string is one.
    pub fn declares_query_or_header(&self, name: &str) -> bool {
        self.parameters.iter().any(|p| match p.location {
            ParameterLocation::Query => p.name == name,
            ParameterLocation::Header => p.name.eq_ignore_ascii_case(name),
            ParameterLocation::QueryString => true,
            ParameterLocation::Path | ParameterLocation::Cookie => false,
        })
    }

    /// Whether the operation declares an answer with status `code`: exactly, by its range
    /// (`4XX`), or `default`.
    pub fn declares_answer_for(&self, code: u16) -> bool {
        self.answer_for(code).is_some()
    }

    /// The answer declared for status `code`: exactly, else by its range (`4XX`), else
    /// `default`.
    pub fn answer_for(&self, code: u16) -> Option<&Response> {
        self.answer_index(code).map(|index| &self.responses[index])
    }

    /// Where in `responses` the answer declared for status `code` is (see
    /// [`Self::answer_for`]).
    pub fn answer_index(&self, code: u16) -> Option<usize> {
        let position = |key: StatusKey| self.responses.iter().position(|r| r.status == key);
        position(StatusKey::Code(code))
            .or_else(|| position(StatusKey::Range(code / 100)))
            .or_else(|| position(StatusKey::Default))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterLocation {
    Path,
    Query,
    Header,
    Cookie,
    /// OpenAPI 3.2's `in: querystring`: the whole query string is the one value, read as
    /// its `content` media type says (a form, or JSON).
    QueryString,
}

#[derive(Debug)]
pub struct Parameter {
    pub name: String,
    pub location: ParameterLocation,
    pub required: bool,
    pub schema: Option<SchemaId>,
    pub style: Option<String>,
    pub explode: Option<bool>,
    /// The media type of a parameter given by `content` instead of `schema`.
    pub media_type: Option<String>,
}

impl Parameter {
    /// Whether it is given by `content` of a JSON media type (Superset's `q`): then its one
    /// value is JSON text, whatever its schema's type.
    pub fn takes_json(&self) -> bool {
        self.media_type
            .as_deref()
            .is_some_and(crate::media::is_json)
    }
}

#[derive(Debug)]
pub struct RequestBody {
    pub required: bool,
    pub content: Vec<MediaType>,
}

/// The key of a response in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusKey {
    Code(u16),
    /// `4XX` is `Range(4)`.
    Range(u16),
    Default,
}

impl StatusKey {
    pub fn parse(key: &str) -> Option<StatusKey> {
        if key == "default" {
            return Some(StatusKey::Default);
        }
        let upper = key.to_ascii_uppercase();
        if let Some(first) = upper.strip_suffix("XX") {
            return first
                .parse::<u16>()
                .ok()
                .filter(|d| (1..=5).contains(d))
                .map(StatusKey::Range);
        }
        key.parse::<u16>()
            .ok()
            .filter(|c| (100..=599).contains(c))
            .map(StatusKey::Code)
    }

    /// Whether a concrete status code falls under this key.
    pub fn covers(self, code: u16) -> bool {
        match self {
            StatusKey::Code(c) => c == code,
            StatusKey::Range(d) => code / 100 == d,
            StatusKey::Default => true,
        }
    }
}

impl std::fmt::Display for StatusKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusKey::Code(c) => write!(f, "{c}"),
            StatusKey::Range(d) => write!(f, "{d}XX"),
            StatusKey::Default => write!(f, "default"),
        }
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: StatusKey,
    pub description: String,
    pub headers: Vec<Header>,
    pub content: Vec<MediaType>,
    /// OpenAPI `links`: operations this answer leads to.
    pub links: Vec<Link>,
}

impl Response {
    /// The schema of its JSON body (see [`json_media`]), where it declares one.
    pub fn json_schema(&self) -> Option<SchemaId> {
        json_media(&self.content).and_then(|media| media.schema)
    }
}

/// An OpenAPI link: which operation an answer leads to, and how its parameters are taken from
/// the exchange (runtime expressions such as `$response.body#/id`).
#[derive(Debug, Clone)]
pub struct Link {
    pub name: String,
    pub operation_id: String,
    /// `(parameter name, expression or literal)`; the name may carry a location prefix
    /// (`path.id`).
    pub parameters: Vec<(String, Value)>,
}

#[derive(Debug)]
pub struct Header {
    pub name: String,
    pub required: bool,
    pub schema: Option<SchemaId>,
    /// Its example (`example`, else the first of `examples`), where its schema takes it:
    /// answers carry it (Azure's `Location` a status URL, not a generated word).
    pub example: Option<Example>,
}

#[derive(Debug)]
pub struct MediaType {
    /// As written, e.g. `application/json`, `application/*`.
    pub media_type: String,
    pub schema: Option<SchemaId>,
    /// OpenAPI 3.2's `itemSchema`: each item of a sequential body (`text/event-stream`,
    /// JSON lines) is valid under it.
    pub item_schema: Option<SchemaId>,
    /// Examples that are valid under the schema, in document order (`example` first, named
    /// `examples` after). Invalid ones are reported as findings and kept out of this list.
    pub examples: Vec<Example>,
    /// Named examples that contradict the schema: served only when asked for by name.
    pub invalid_examples: Vec<Example>,
}

#[derive(Debug, Clone)]
pub struct Example {
    /// The key under `examples`, or empty for a lone `example`.
    pub name: String,
    /// Where the value is in the document.
    pub pointer: String,
    pub value: Arc<Value>,
}

#[derive(Debug, Clone)]
pub struct SecurityRequirement {
    /// Every scheme of the set must be satisfied.
    pub schemes: Vec<SecurityScheme>,
    /// The name each of `schemes` is declared under (`components/securitySchemes`), in order:
    /// what `check --auth NAME=…` names.
    pub names: Vec<String>,
}

impl SecurityRequirement {
    /// Each scheme with the name it is declared under.
    pub fn named(&self) -> impl Iterator<Item = (&str, &SecurityScheme)> {
        self.names.iter().map(String::as_str).zip(&self.schemes)
    }
}

#[derive(Debug, Clone)]
pub enum SecurityScheme {
    ApiKey {
        name: String,
        location: ParameterLocation,
    },
    HttpBasic,
    /// HTTP bearer, OAuth2 and OpenID Connect: all presented as `Authorization: Bearer`.
    Bearer,
    /// A scheme whose presence cannot be checked (mutualTLS, unknown HTTP schemes).
    Unchecked(String),
}

#[cfg(test)]
mod tests {
    use super::{Resource, singular};

    #[test]
    fn a_resource_is_named_in_english_in_the_singular() {
        assert_eq!(
            singular("organization_memberships"),
            "organization membership"
        );
        assert_eq!(singular("repositories"), "repository");
        assert_eq!(singular("team-members"), "team member");
        assert_eq!(singular("people"), "person");
    }

    #[test]
    fn a_property_names_one_of_a_resource_in_the_singular_or_the_plural() {
        let resource = Resource::new("people".into(), "/people/{id}".into(), vec!["id".into()]);
        assert_eq!(resource.one(), "person");
        for word in ["person", "people"] {
            assert!(
                resource.is_one_named(word),
                "expected {word:?} to name a person"
            );
        }
        assert!(!resource.is_one_named("persons_group"));
    }
}
