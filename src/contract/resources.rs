//! Stateful resources inferred from the contract, with no configuration: an item path (a path
//! ending in parameters, `/x/{id}` or `/memberships/{organizationId}/{userId}`) and its
//! collection (the same path without them). Operations bind to them by method:
//! POST on the collection creates, GET lists; on the item GET reads, PUT replaces (or upserts
//! when it declares a 201), PATCH merges, DELETE removes.
//!
//! A GET elsewhere whose path ends with the collection's last segment lists the resource
//! scoped by its path parameters (Protocol's `/organizations/{organizationId}/auth/
//! organization-members` lists the members whose `organizationId` matches), as does a GET on
//! a finder under the collection (`/pet/findByStatus`). PUT or PATCH on the collection itself
//! replaces or merges the object whose key the body carries (the petstore's `PUT /pet`). The
//! `x-understudy-resource` extension on an operation says what inference cannot:
//! `{item: /path/{id}, action: list|create|read|replace|upsert|merge|delete}`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::model::{
    Action, Binding, OBJECT_VIEWS, Operation, ParameterLocation, Resource, StatusKey, json_media,
};
use super::rewrite::View;
use super::schemas::{SchemaId, Schemas};
use super::tree::{Properties, declared_types, properties, resolve, schema_ref};

/// Infers the resources of one API, and binds each operation that acts on one
/// (`Operation::binding`).
pub fn infer(operations: &mut [Operation]) -> Vec<Resource> {
    let mut resources: Vec<Resource> = Vec::new();
    let mut item_paths = HashSet::new();
    for operation in operations.iter() {
        let segments: Vec<&str> = operation
            .path
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let trailing = segments.iter().rev().take_while(|s| is_param(s)).count();
        if trailing == 0 || trailing == segments.len() || !item_paths.insert(&operation.path) {
            continue;
        }
        let name = segments[segments.len() - trailing - 1].to_string();
        let keys = segments
            .iter()
            .filter(|s| is_param(s))
            .map(|s| s[1..s.len() - 1].to_string())
            .collect();
        resources.push(Resource::new(name, operation.path.clone(), keys));
    }
    let index = Index::new(&resources);
    let bindings: Vec<Option<Binding>> = operations
        .iter()
        .map(|operation| {
            if let Some(binding) = operation
                .resource_extension
                .as_ref()
                .and_then(|e| explicit(e, &resources))
            {
                return Some(binding);
            }
            bind(operation, &index)
        })
        .collect();
    for (operation, binding) in operations.iter_mut().zip(bindings) {
        operation.binding = binding;
    }
    resources
}

/// A date-time field the server stamps, known by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// `created…`, `inserted…`: set when the object is made.
    Created,
    /// `updated…`, `modified…`, `lastModified…`: set on every change.
    Updated,
}

/// What a field named `name` stamps, if its name says it is a stamp (whatever its type: the
/// caller asks of a date-time field, or of a field a client sent).
pub fn stamp_named(name: &str) -> Option<Stamp> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("created") || lower.starts_with("inserted") {
        Some(Stamp::Created)
    } else if ["updated", "modified", "lastmodified"]
        .iter()
        .any(|word| lower.starts_with(word))
    {
        Some(Stamp::Updated)
    } else {
        None
    }
}

/// The fields that may carry the last key parameter `param` (an object's own id), in the order
/// they are looked for: one named like it, one named like its last word (GitHub's issues are
/// read at `/issues/{issue_number}` by their `number`), `id`.
pub fn key_carriers(param: &str) -> [Cow<'_, str>; 3] {
    [Cow::Borrowed(param), key_word(param), Cow::Borrowed("id")]
}

/// The last word of a key parameter's name, lower-cased, which may name the field that
/// carries the key: `number` for `issue_number` and
/// `issueNumber`, `id` for `petId`.
pub fn key_word(name: &str) -> Cow<'_, str> {
    let snake = name.rsplit(['_', '-']).next().unwrap_or(name);
    // A trailing run of capitals is one word (`petID`), else the word starts at the last one.
    let trailing = snake.len()
        - snake
            .trim_end_matches(|c: char| c.is_ascii_uppercase())
            .len();
    let start = match trailing {
        0 => snake.rfind(|c: char| c.is_ascii_uppercase()).unwrap_or(0),
        _ => snake.len() - trailing,
    };
    let word = &snake[start..];
    if word.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(word.to_ascii_lowercase())
    } else {
        Cow::Borrowed(word)
    }
}

fn is_param(segment: &str) -> bool {
    segment.len() > 2
        && segment.starts_with('{')
        && segment.ends_with('}')
        && !segment[1..].contains('{')
}

fn collection_of(resource: &Resource) -> String {
    let segments: Vec<&str> = resource
        .item_path
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let trailing = segments.iter().rev().take_while(|s| is_param(s)).count();
    format!("/{}", segments[..segments.len() - trailing].join("/"))
}

/// The resources by item path, collection path and name (the first of each, in document
/// order): binding every operation of a 20,000-operation document by scanning every resource
/// took seconds.
struct Index {
    by_item: HashMap<String, usize>,
    by_collection: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
}

impl Index {
    fn new(resources: &[Resource]) -> Index {
        let mut index = Index {
            by_item: HashMap::new(),
            by_collection: HashMap::new(),
            by_name: HashMap::new(),
        };
        for (i, resource) in resources.iter().enumerate() {
            index.by_item.entry(resource.item_path.clone()).or_insert(i);
            index
                .by_collection
                .entry(collection_of(resource))
                .or_insert(i);
            index.by_name.entry(resource.name.clone()).or_insert(i);
        }
        index
    }
}

fn bind(operation: &Operation, index: &Index) -> Option<Binding> {
    let declares_201 = operation
        .responses
        .iter()
        .any(|r| r.status == StatusKey::Code(201));
    let as_item = index.by_item.get(&operation.path).and_then(|&i| {
        let action = match operation.method.as_str() {
            "GET" => Action::Read,
            "PUT" if declares_201 => Action::Upsert,
            "PUT" => Action::Replace,
            "PATCH" => Action::Merge,
            "DELETE" => Action::Delete,
            _ => return None,
        };
        Some((i, action))
    });
    let as_collection = index.by_collection.get(&operation.path).and_then(|&i| {
        let action = match operation.method.as_str() {
            "POST" => Action::Create,
            "GET" => Action::List,
            // The object named by its id in the body (Swagger's petstore's `PUT /pet`), where
            // the path is no item's.
            "PUT" if as_item.is_none() => Action::Replace,
            "PATCH" if as_item.is_none() => Action::Merge,
            _ => return None,
        };
        Some((i, action))
    });
    // Of an item and a collection match, the resource declared first.
    let found = match (as_item, as_collection) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    if let Some((resource, action)) = found {
        let mut binding = Binding::new(resource, action);
        binding.key_in_body =
            as_item.is_none() && matches!(action, Action::Replace | Action::Merge);
        return Some(binding);
    }
    // A finder: a GET on a verb under the collection (the petstore's `/pet/findByStatus`,
    // Jira's `/project/search`) lists the objects its query's fields match.
    if operation.method == "GET"
        && let Some((collection, verb)) = operation.path.rsplit_once('/')
        && is_finder(verb)
        && let Some(&resource) = index.by_collection.get(collection)
    {
        return Some(Binding::new(resource, Action::List));
    }
    // A scoped list: a GET ending with the collection's last segment, under path parameters.
    if operation.method == "GET"
        && operation
            .parameters
            .iter()
            .any(|p| p.location == ParameterLocation::Path)
    {
        let last = operation.path.rsplit('/').next().unwrap_or_default();
        if let Some(&resource) = index.by_name.get(last) {
            return Some(Binding::new(resource, Action::List));
        }
    }
    None
}

/// Whether a path segment names a search: `findByStatus`, `search`, `filter_by_tester`.
fn is_finder(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    ["find", "search", "filter"]
        .iter()
        .any(|verb| lower.starts_with(verb))
}

fn explicit(extension: &Value, resources: &[Resource]) -> Option<Binding> {
    let item = extension.get("item")?.as_str()?;
    let resource = resources.iter().position(|r| r.item_path == item)?;
    let action = match extension.get("action")?.as_str()? {
        "create" => Action::Create,
        "read" => Action::Read,
        "replace" => Action::Replace,
        "upsert" => Action::Upsert,
        "merge" => Action::Merge,
        "delete" => Action::Delete,
        "list" => Action::List,
        _ => return None,
    };
    Some(Binding::new(resource, action))
}

impl Binding {
    fn new(resource: usize, action: Action) -> Binding {
        Binding {
            resource,
            action,
            body_wrapper: None,
            key_in_body: false,
        }
    }
}

/// Unbinds the inferred operations whose JSON body names no object of their resource:
/// - a create whose body is declared a list: a create makes one object from the one it is
///   sent, and a list names many (core.ac.uk's `POST /articles/get` takes the ids of articles
///   to read, a bulk create the objects to make). Made into one stored object, such a body
///   left every field to be generated, and the answer, a list, had to be remade;
/// - an update at the collection's path (see [`Binding::key_in_body`]) whose body declares
///   fields, none of them one that carries the key (named like the key parameter, like its
///   last word, or `id`), itself or inside the one field that wraps it: DocuSign's
///   `PUT /users` takes a page of users (`endPosition`, `users`…), no one user to update.
///
/// The contract answers them; `x-understudy-resource` still binds one on purpose.
pub fn unbind_bodies_naming_no_object(
    operations: &mut [Operation],
    resources: &[Resource],
    schemas: &Schemas,
) {
    let document = schemas.document(View::Request);
    for operation in operations {
        let Some(binding) = operation
            .binding
            .as_ref()
            .filter(|_| operation.resource_extension.is_none())
        else {
            continue;
        };
        let Some(body) = operation.json_request_media().and_then(|m| m.schema) else {
            continue;
        };
        let body = resolve(schemas.node(body), document);
        let names_none = match binding.action {
            Action::Create => declared_types(body) == ["array"],
            _ if binding.key_in_body => {
                let key = resources[binding.resource].keys.last();
                let carriers = key.map(|key| key_carriers(key)).unwrap_or_default();
                let props = properties(body, document);
                let wrapped = props
                    .iter()
                    .next()
                    .filter(|_| props.len() == 1)
                    .map(|(_, inner)| properties(inner, document));
                let carries = |p: &Properties<'_>| carriers.iter().any(|c| p.get(c).is_some());
                !props.is_empty() && !carries(&props) && !wrapped.as_ref().is_some_and(carries)
            }
            _ => false,
        };
        if names_none {
            operation.binding = None;
        }
    }
}

/// Marks the resources some bound operation makes objects of (a create, an upsert, a
/// replace: a PUT makes what it names, RFC 9110 9.3.4), once.
pub fn find_creatable(operations: &[Operation], resources: &mut [Resource]) {
    for binding in operations.iter().filter_map(|o| o.binding.as_ref()) {
        if matches!(
            binding.action,
            Action::Create | Action::Upsert | Action::Replace
        ) {
            resources[binding.resource].creatable = true;
        }
    }
}

/// Finds, once, the property each bound operation's JSON request body wraps its resource in
/// (see [`Binding::body_wrapper`]): working it out on every create was 1 % of its time.
pub fn find_body_wrappers(operations: &mut [Operation], resources: &[Resource], schemas: &Schemas) {
    let document = schemas.document(View::Request);
    for operation in operations {
        let Some(schema) = operation.json_request_media().and_then(|m| m.schema) else {
            continue;
        };
        let Some(binding) = operation.binding.as_mut() else {
            continue;
        };
        let props = properties(schemas.node(schema), document);
        if props.len() != 1 {
            continue;
        }
        binding.body_wrapper = props
            .iter()
            .next()
            .map(|(name, _)| name)
            .filter(|name| *name == "data" || resources[binding.resource].is_one_named(name))
            .map(str::to_string);
    }
}

/// Binds each list found by name (a scoped list, a finder) to the resource of that name whose
/// objects it answers, where the schemas say: GitHub has two resources named `projects` (a
/// team's, read at `/teams/{team_id}/projects/{project_id}` as `team-project`, and
/// `/projects/{project_id}`, read as `project`), and `/repos/{owner}/{repo}/projects` lists the
/// second. The resource whose read's answer (else another that shows its objects) shares the
/// most named schemas with the list's answer is taken (the first on a tie); a list that shares
/// none with any resource of its name lists none of them and is left to the contract. Where a
/// side names no schema, nothing tells them apart and the binding stands.
pub fn agree_lists(operations: &mut [Operation], resources: &[Resource], schemas: &Schemas) {
    let document = schemas.document(View::Response);
    let named_in = |operation: &Operation| {
        let mut names = HashSet::new();
        if let Some(id) = success_schema(operation) {
            // A media type's schema that only refers to one is that one.
            let pointer = schemas.pointer(id);
            if !pointer.starts_with("/paths/") {
                names.insert(pointer);
            }
            names_within(schemas.node(id), document, 4, &mut names);
        }
        names
    };
    // Each resource's objects as its first read answers them, else its first create,
    // replace, upsert or merge, else the list at its collection (Clever Cloud's environment
    // variables are never read one by one): found in one pass (20,000-operation documents
    // exist).
    let mut read_names: Vec<HashSet<&str>> = vec![HashSet::new(); resources.len()];
    let mut read_rank = vec![OBJECT_VIEWS.len(); resources.len()];
    for operation in operations.iter() {
        let Some(binding) = &operation.binding else {
            continue;
        };
        let resource = &resources[binding.resource];
        let Some(rank) = OBJECT_VIEWS.iter().position(|a| *a == binding.action) else {
            continue;
        };
        let own_list = binding.action != Action::List || collection_of(resource) == operation.path;
        // A read with a JSON answer speaks for the objects whatever it names; the others, and
        // a read that answers no body (Clever Cloud's deployments), only where they name a
        // schema (Clever Cloud's variables are set by PUTs that answer no body).
        if own_list && rank < read_rank[binding.resource] {
            let names = named_in(operation);
            let read_shows = binding.action == Action::Read && success_schema(operation).is_some();
            if read_shows || !names.is_empty() {
                read_rank[binding.resource] = rank;
                read_names[binding.resource] = names;
            }
        }
    }
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, resource) in resources.iter().enumerate() {
        by_name.entry(&resource.name).or_default().push(index);
    }
    for operation in operations.iter_mut() {
        let Some(binding) = &operation.binding else {
            continue;
        };
        let resource = &resources[binding.resource];
        if binding.action != Action::List
            || operation.resource_extension.is_some()
            || collection_of(resource) == operation.path
        {
            continue;
        }
        let listed = named_in(operation);
        let candidates = &by_name[resource.name.as_str()];
        if listed.is_empty() || candidates.iter().any(|&r| read_names[r].is_empty()) {
            continue;
        }
        let shared = |r: usize| read_names[r].intersection(&listed).count();
        let best = candidates
            .iter()
            .copied()
            .max_by_key(|&r| (shared(r), std::cmp::Reverse(r)))
            .filter(|&r| shared(r) > 0);
        operation.binding = best.map(|r| Binding::new(r, Action::List));
    }
}

/// The names (pointers) of the schemas `node` refers to, within `depth` steps (through references,
/// items, properties and compositions).
fn names_within<'a>(node: &'a Value, document: &'a Value, depth: u8, names: &mut HashSet<&'a str>) {
    if depth == 0 {
        return;
    }
    if let Some(pointer) = schema_ref(node).and_then(|r| r.strip_prefix('#')) {
        if names.insert(pointer)
            && let Some(target) = document.pointer(pointer)
        {
            names_within(target, document, depth - 1, names);
        }
        return;
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = node.get(key) {
            names_within(inner, document, depth - 1, names);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for inner in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            names_within(inner, document, depth - 1, names);
        }
    }
    for inner in node
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        names_within(inner, document, depth - 1, names);
    }
}

/// The schema of an operation's first success answer in JSON.
fn success_schema(operation: &Operation) -> Option<SchemaId> {
    operation
        .responses
        .iter()
        .filter(|r| match r.status {
            StatusKey::Code(code) => (200..300).contains(&code),
            StatusKey::Range(range) => range == 2,
            StatusKey::Default => false,
        })
        .find_map(|r| json_media(&r.content)?.schema)
}

/// Finds, once, the schema of each resource's id parameter (its last key) in the first
/// operation bound to it that declares it, instead of looking through every operation of the
/// document on each create (GitHub's has 845).
pub fn find_id_schemas(operations: &[Operation], resources: &mut [Resource]) {
    for (index, resource) in resources.iter_mut().enumerate() {
        let Some(id_name) = resource.keys.last() else {
            continue;
        };
        resource.id_schema = operations
            .iter()
            .filter(|op| op.binding.as_ref().is_some_and(|b| b.resource == index))
            .flat_map(|op| &op.parameters)
            .find(|p| p.location == ParameterLocation::Path && &p.name == id_name)
            .and_then(|p| p.schema);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_word_of_a_key_parameter_names_the_field_that_may_carry_it() {
        for (param, word) in [
            ("issue_number", "number"),
            ("issueNumber", "number"),
            ("petId", "id"),
            ("petID", "id"),
            ("tag-id", "id"),
            ("username", "username"),
            ("ID", "id"),
        ] {
            assert_eq!(key_word(param), word, "the last word of {param}");
        }
    }
}
