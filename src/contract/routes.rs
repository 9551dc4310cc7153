//! Path templates to operations, compiled once into a matchit 0.9 table. matchit takes
//! OpenAPI templates as they are (`{id}`, `{id}.json` suffixes, static-over-parameter
//! precedence); axum's router cannot (it pins matchit 0.8 and panics on conflicts), so the
//! HTTP layer dispatches through this table from a fallback handler.
//!
//! Real documents write templates no router takes, and the table takes them all:
//! - Templates equal but for their parameter names (`/a/{id}` beside `/a/{name}`, which
//!   OpenAPI forbids and generated documents are full of) share one route; each operation
//!   keeps its own names, and matched values are named per operation ([`RouteMatch::params`]).
//! - A query string or fragment inside a path key (`/alerts?lat={lat}`, AWS's
//!   `/#Action=DescribeTags` and `/#X-Amz-Target=Events.PutRule`) is routed on the part before
//!   it, and says which of the operations sharing a method there a request means: the one
//!   whose query parameters or headers it carries ([`RouteEntry::operation_for`]). A name
//!   alone that the operation declares as no parameter (Azure's `#disambiguation_dummy`, S3's
//!   `#lifecycle&deprecated!`, Box's `#add_shared_link`) is one no client sends: it tells
//!   nothing apart, so the operation shares its route like templates equal but for names.
//! - Templates matchit refuses (`/certificates(id={id})`, `/{account}.{env}.com.br/x`,
//!   several parameters in one segment) are matched by a regular expression; where one matches
//!   as well as a matchit route, the one with more literal characters wins, as static segments
//!   win over parameters. Of two parameters in one segment (bufferapp's
//!   `{id}{mediaTypeExtension}`, TomTom's `{heading}.{ext}`), the second's listed values tell
//!   where the first ends.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::OnceLock;

use matchit::Router;
use regex::Regex;

/// One routed path: which API, the template as served (mount included), and its operations.
#[derive(Debug)]
pub struct RouteEntry {
    pub api: usize,
    /// The template as the document writes it (without the mount), of the first operation.
    pub template: String,
    /// `(upper-case method, operation index in the API)`, in document order.
    pub operations: Vec<(String, usize)>,
    /// The path parameter names of each operation of `operations`, in template order.
    names: Vec<Vec<String>>,
    /// What a request carries to mean each operation of `operations` (from its path key).
    conditions: Vec<Vec<Condition>>,
    /// Characters of the route outside parameters: of two routes that match, the one with
    /// more is the more specific.
    literal: usize,
    /// The route as matchit takes it: the mount and the routed part of the template.
    route: String,
    /// `route` as a regular expression, made the first time a request needs it (see
    /// [`RouteTable::find_for`]).
    patterns: OnceLock<Vec<Regex>>,
    /// The values a parameter right after another one in a segment may take, where its first
    /// operation lists them (see [`patterns_of`]); one per name, in template order.
    choices: Vec<Option<Vec<String>>>,
}

/// A query parameter or header a path key names after its `?` or `#`, with the value it
/// must have (`Action=DescribeTags`) or none (`lat={lat}`, `x-amz-Client-Context`): present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub name: String,
    pub value: Option<String>,
}

impl RouteEntry {
    /// The operation a request with `method` means on this route; a HEAD is answered by the
    /// GET. Of operations sharing the method, the one whose conditions the request meets
    /// (`carries(name, value)`: a query parameter or header `name`, equal to `value` when
    /// there is one) that asks the most, else the first without conditions, else the first.
    /// Asking the most: more conditions with a value, then more conditions, then the first
    /// in the document. Chime's create (`/channels#x-amz-chime-bearer`, a header present) and
    /// search (`/channels#operation=search`, which declares that header too) are both met by
    /// a search; only the value tells it apart.
    pub fn operation_for(
        &self,
        method: &str,
        carries: impl Fn(&str, Option<&str>) -> bool,
    ) -> Option<usize> {
        let pick = |wanted: &str| {
            let candidates = || {
                self.operations
                    .iter()
                    .zip(&self.conditions)
                    .filter(move |((m, _), _)| m == wanted)
            };
            let met = candidates()
                .filter(|(_, conditions)| {
                    !conditions.is_empty()
                        && conditions
                            .iter()
                            .all(|c| carries(&c.name, c.value.as_deref()))
                })
                .min_by_key(|(_, conditions)| {
                    let valued = conditions.iter().filter(|c| c.value.is_some()).count();
                    Reverse((valued, conditions.len()))
                });
            met.or_else(|| candidates().find(|(_, conditions)| conditions.is_empty()))
                .or_else(|| candidates().next())
                .map(|((_, index), _)| *index)
        };
        pick(method).or_else(|| (method == "HEAD").then(|| pick("GET")).flatten())
    }

    /// Whether a request with `method` has an operation on this route (a HEAD has the GET).
    pub fn serves(&self, method: &str) -> bool {
        self.operations
            .iter()
            .any(|(m, _)| m == method || (method == "HEAD" && m == "GET"))
    }

    /// The methods served on this route, each once, in document order.
    pub fn methods(&self) -> Vec<&str> {
        let mut methods: Vec<&str> = Vec::new();
        for (method, _) in &self.operations {
            if !methods.contains(&method.as_str()) {
                methods.push(method);
            }
        }
        methods
    }
}

/// What the table reads of an operation's parameters.
pub trait Declared {
    /// Whether the operation declares a query parameter or header `name`.
    fn declares(&self, name: &str) -> bool;
    /// The values its path parameter `name` may take, where its schema lists them.
    fn choices(&self, _name: &str) -> Option<Vec<String>> {
        None
    }
}

/// An operation told by whether it declares each name (tests, and templates without
/// parameters that need their values listed).
impl<F: Fn(&str) -> bool> Declared for F {
    fn declares(&self, name: &str) -> bool {
        self(name)
    }
}

#[derive(Debug, Default)]
pub struct RouteTable {
    router: Router<usize>,
    /// Templates matchit refuses, tried in order when it matches nothing.
    patterns: Vec<(Regex, usize)>,
    entries: Vec<RouteEntry>,
    /// The route with parameter names left out (`/a/{}`) to its entry: templates equal but for
    /// those names are one route.
    by_shape: HashMap<String, usize>,
}

pub struct RouteMatch<'a> {
    pub entry: &'a RouteEntry,
    /// Path parameter values in template order, still percent-encoded as they arrived.
    values: Vec<String>,
}

impl RouteMatch<'_> {
    /// The path parameters as operation `operation` names them.
    pub fn params(&self, operation: usize) -> Vec<(String, String)> {
        let names = self
            .entry
            .operations
            .iter()
            .position(|(_, index)| *index == operation)
            .map_or(&self.entry.names[0], |i| &self.entry.names[i]);
        names
            .iter()
            .cloned()
            .zip(self.values.iter().cloned())
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("route {route:?} conflicts with another operation's route: {reason}")]
pub struct RouteConflict {
    pub route: String,
    pub reason: String,
}

/// What adding an operation to the table did.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    Routed,
    /// The route already has an operation of this method (index in the API): that one is
    /// served, this one never is.
    Shadowed {
        by: usize,
    },
}

impl RouteTable {
    /// Adds `method` on `mount + template` for operation `operation` of API `api`, whose
    /// parameters `declared` tells.
    pub fn add(
        &mut self,
        api: usize,
        mount: &str,
        template: &str,
        method: &str,
        operation: usize,
        declared: &impl Declared,
    ) -> Result<Added, RouteConflict> {
        let declares = |name: &str| declared.declares(name);
        let route = format!("{mount}{}", routed_path(template));
        let (shape, names) = shape_of(&route);
        let (conditions, _) = conditions_of(template, declares);
        if let Some(&index) = self.by_shape.get(&shape) {
            let entry = &mut self.entries[index];
            if entry.api != api {
                return Err(RouteConflict {
                    route,
                    reason: "two documents are mounted on the same prefix (give one another \
                             prefix with --mount NAME=/PREFIX)"
                        .into(),
                });
            }
            let same = (0..entry.operations.len())
                .find(|&i| entry.operations[i].0 == method && entry.conditions[i] == conditions);
            if let Some(i) = same {
                return Ok(Added::Shadowed {
                    by: entry.operations[i].1,
                });
            }
            entry.operations.push((method.to_string(), operation));
            entry.names.push(names);
            entry.conditions.push(conditions);
            return Ok(Added::Routed);
        }
        let index = self.entries.len();
        let choices = adjacent_choices(&route, |name| declared.choices(name));
        // A template with characters a URL carries percent-encoded (apisetu's
        // `/Your Pull DOC Request API Path`, loket's `…/dossier"`) is routed as clients send
        // it too.
        for route in std::iter::once(route.clone()).chain(encoded_route(&route)) {
            if self.router.insert(route.clone(), index).is_err() {
                let patterns = patterns_of(&route, &choices);
                self.patterns
                    .extend(patterns.into_iter().map(|pattern| (pattern, index)));
            }
        }
        let literal = shape.len() - 2 * names.len();
        self.by_shape.insert(shape, index);
        self.entries.push(RouteEntry {
            api,
            template: template.to_string(),
            operations: vec![(method.to_string(), operation)],
            names: vec![names],
            conditions: vec![conditions],
            literal,
            route,
            patterns: OnceLock::new(),
            choices,
        });
        Ok(Added::Routed)
    }

    /// Routes every template written with repeated slashes (Clever Cloud's `/vendor//addons`,
    /// `//openapi`) under its slashes merged too, where no template of the document takes that
    /// route: clients and proxies merge them (nginx does by default, Schemathesis's client
    /// sends `/vendor/addons`), and the document cannot have meant another resource. Called
    /// once every template is in, so that a template written so is never shadowed.
    pub fn merge_repeated_slashes(&mut self) {
        for (index, entry) in self.entries.iter().enumerate() {
            if !entry.route.contains("//") {
                continue;
            }
            let merged = merged_slashes(&entry.route);
            // A route taken already (by a template written so) keeps its own.
            if self.router.at(&merged).is_err() {
                let _ = self.router.insert(merged, index);
            }
        }
    }

    pub fn find(&self, path: &str) -> Option<RouteMatch<'_>> {
        if let Some(found) = self.find_as_written(path) {
            return Some(found);
        }
        // An empty segment is an empty path parameter where a template has one there
        // (`/user/` for `/user/{userId}`: a string schema without `minLength` allows "", and
        // Schemathesis sends it); matchit matches no empty parameter, so the segment is
        // matched as a stand-in that no path carries, which the values then drop.
        // A trailing slash is first read as written (QuickSight's
        // `/namespaces/{Namespace}/iam-policy-assignments/` beside `…/{AssignmentName}`),
        // then as an empty parameter too.
        let fillings = [
            path.strip_suffix('/')
                .and_then(empty_segments_filled)
                .map(|inner| format!("{inner}/")),
            empty_segments_filled(path),
        ];
        for filled in fillings.into_iter().flatten() {
            if let Some(mut found) = self.find_as_written(&filled) {
                for value in &mut found.values {
                    *value = value.replace(EMPTY_SEGMENT, "");
                }
                return Some(found);
            }
        }
        if path.contains("//") {
            // A request with repeated slashes means the route with them merged, as nginx reads
            // it by default.
            return self.find_as_written(&merged_slashes(path));
        }
        None
    }

    /// The route of `path` for a request with `method`: the most specific route ([`find`])
    /// where it serves `method`, else the most specific one that does. GitLab writes
    /// `PUT /services/jira` beside `GET /services/{service_slug}`: a GET of `/services/jira`
    /// is a request the second describes, which a 405 from the first would refuse. Where no
    /// route serves `method`, the most specific route all the same (its answer says which
    /// methods it has).
    ///
    /// [`find`]: Self::find
    pub fn find_for(&self, path: &str, method: &str) -> Option<RouteMatch<'_>> {
        let found = self.find(path)?;
        if found.entry.serves(method) {
            return Some(found);
        }
        Some(self.less_specific_serving(path, method).unwrap_or(found))
    }

    /// Of the routes serving `method` whose pattern matches `path`, the most specific (the
    /// first of those equally so). Only a request the most specific route does not serve
    /// comes here, so patterns are made as they are first needed, and only for routes whose
    /// segments without parameters are those of `path` (a few of a document's thousands).
    fn less_specific_serving(&self, path: &str, method: &str) -> Option<RouteMatch<'_>> {
        let segments = path.matches('/').count();
        let could_match = |route: &str| {
            route.matches('/').count() == segments
                && route
                    .split('/')
                    .zip(path.split('/'))
                    .all(|(written, sent)| written.contains('{') || written == sent)
        };
        self.entries
            .iter()
            .filter(|entry| entry.serves(method) && could_match(&entry.route))
            .filter_map(|entry| {
                let patterns = entry
                    .patterns
                    .get_or_init(|| patterns_of(&entry.route, &entry.choices));
                let captures = patterns.iter().find_map(|p| p.captures(path))?;
                Some(RouteMatch {
                    entry,
                    values: captured(&captures),
                })
            })
            .min_by_key(|found| Reverse(found.entry.literal))
    }

    fn find_as_written(&self, path: &str) -> Option<RouteMatch<'_>> {
        let routed = self.router.at(path).ok().map(|found| RouteMatch {
            entry: &self.entries[*found.value],
            values: found.params.iter().map(|(_, v)| v.to_string()).collect(),
        });
        let literal = routed.as_ref().map_or(0, |m| m.entry.literal);
        let patterned = self
            .patterns
            .iter()
            .filter(|(_, index)| routed.is_none() || self.entries[*index].literal > literal)
            .find_map(|(pattern, index)| {
                let captures = pattern.captures(path)?;
                Some(RouteMatch {
                    entry: &self.entries[*index],
                    values: captured(&captures),
                })
            });
        patterned.or(routed)
    }

    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }
}

/// `route` with its literal parts as a client sends them, where that differs.
fn encoded_route(route: &str) -> Option<String> {
    let mut encoded = String::with_capacity(route.len() + 8);
    for (literal, name) in parts(route) {
        encoded.extend(percent_encoding::utf8_percent_encode(
            literal,
            crate::pointer::URL_PATH,
        ));
        if let Some(name) = name {
            encoded.push('{');
            encoded.push_str(name);
            encoded.push('}');
        }
    }
    (encoded != route).then_some(encoded)
}

/// What an empty segment is matched as: a NUL, which neither a request path (it would arrive
/// percent-encoded) nor a template carries.
const EMPTY_SEGMENT: char = '\0';

/// `path` with each empty segment (`/user/`, `/orgs//members`) as [`EMPTY_SEGMENT`]; `None`
/// when it has none.
fn empty_segments_filled(path: &str) -> Option<String> {
    if !path.ends_with('/') && !path.contains("//") {
        return None;
    }
    let mut filled = String::with_capacity(path.len() + 4);
    let mut segments = path.split('/');
    filled.push_str(segments.next().unwrap_or_default());
    for segment in segments {
        filled.push('/');
        if segment.is_empty() {
            filled.push(EMPTY_SEGMENT);
        } else {
            filled.push_str(segment);
        }
    }
    Some(filled)
}

/// `path` with each run of slashes as one.
fn merged_slashes(path: &str) -> String {
    let mut merged = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && merged.ends_with('/') {
            continue;
        }
        merged.push(c);
    }
    merged
}

/// The part of a path key that is routed: a query string or fragment some documents write
/// inside the key (`/alerts?lat={lat}`, `/#Action=DescribeTags`) is not part of the path.
pub fn routed_path(template: &str) -> &str {
    template
        .find(['?', '#'])
        .map_or(template, |end| &template[..end])
}

/// The names alone after `template`'s `?` or `#` that `declares` does not know: what would
/// tell its operation apart from another on the route, if a client could know to send them.
pub fn undeclared_names(template: &str, declares: impl Fn(&str) -> bool) -> Vec<String> {
    conditions_of(template, declares).1
}

/// The names whose value after `template`'s `?` or `#` picks its operation among those
/// sharing the route (AWS's `Action=DescribeEvents`, `X-Amz-Target=Events.PutRule`): a
/// request with another value means another operation, or none.
pub fn selecting_names(template: &str, declares: impl Fn(&str) -> bool) -> Vec<String> {
    conditions_of(template, declares)
        .0
        .into_iter()
        .filter(|c| c.value.is_some())
        .map(|c| c.name)
        .collect()
}

/// The `name=value` pairs `template` writes after a `?` that `declares` does not know as
/// parameters (HDInsight's `/templeton/v1/jobs?op=LISTAFTERID`): a client sends them as
/// written, and they pick the operation among those sharing the route.
pub fn written_query(template: &str, declares: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    conditions_of(template, &declares)
        .0
        .into_iter()
        .filter(|c| !declares(&c.name))
        .filter_map(|c| Some((c.name, c.value?)))
        .collect()
}

/// The conditions after a path key's `?` or `#`: `name=value` pairs, and names alone (or with
/// a `{parameter}` as value) that need only be present; and apart, the names no client
/// reading the document sends, because `declares` does not know them: alone anywhere, and
/// any after a `#` (a fragment is never sent: Azure's `#overload=stream` beside
/// `#overload=url` tells its SDK's overloads apart, no request), where after a `?` a
/// `name=value` is sent as written (Flickr's `?method=flickr.photos.search`).
fn conditions_of(template: &str, declares: impl Fn(&str) -> bool) -> (Vec<Condition>, Vec<String>) {
    let Some(start) = template.find(['?', '#']) else {
        return (Vec::new(), Vec::new());
    };
    let mut conditions = Vec::new();
    let mut ignored = Vec::new();
    let mut in_fragment = false;
    let mut rest = &template[start..];
    while let Some(delimiter) = rest.chars().next() {
        rest = &rest[1..];
        let end = rest.find(['&', '#', '?']).unwrap_or(rest.len());
        let part = &rest[..end];
        rest = &rest[end..];
        match delimiter {
            '#' => in_fragment = true,
            '?' => in_fragment = false,
            _ => {}
        }
        if part.is_empty() {
            continue;
        }
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        if (value.is_empty() || in_fragment) && !declares(name) {
            ignored.push(name.to_string());
            continue;
        }
        let templated = value.starts_with('{') && value.ends_with('}');
        conditions.push(Condition {
            name: name.to_string(),
            value: (!value.is_empty() && !templated).then(|| value.to_string()),
        });
    }
    (conditions, ignored)
}

/// The values of a pattern's groups (see [`patterns_of`]), in template order.
fn captured(captures: &regex::Captures<'_>) -> Vec<String> {
    captures
        .iter()
        .skip(1)
        .map(|m| m.map_or_else(String::new, |m| m.as_str().to_string()))
        .collect()
}

/// The route with every `{name}` as `{}`, and the names in order.
fn shape_of(route: &str) -> (String, Vec<String>) {
    let mut shape = String::with_capacity(route.len());
    let mut names = Vec::new();
    for (literal, name) in parts(route) {
        shape.push_str(literal);
        if let Some(name) = name {
            shape.push_str("{}");
            names.push(name.to_string());
        }
    }
    (shape, names)
}

/// The regular expressions matching a whole path against a template, to be tried in order:
/// where a parameter has `choices` (one per name, in order), first one in which it matches
/// one of them (see [`adjacent_choices`]); then one in which every parameter matches one or
/// more characters other than `/` (as few as let the rest match), so that a value not listed
/// still reaches the operation, whose contract refuses it. Only escaped text and fixed groups
/// go in, so they compile (one that did not would leave the route unmatched rather than fail
/// the document).
fn patterns_of(route: &str, choices: &[Option<Vec<String>>]) -> Vec<Regex> {
    let listed = (!choices.is_empty()).then(|| pattern_of(route, choices));
    listed
        .into_iter()
        .chain(std::iter::once(pattern_of(route, &[])))
        .flatten()
        .collect()
}

/// One regular expression of [`patterns_of`].
fn pattern_of(route: &str, choices: &[Option<Vec<String>>]) -> Option<Regex> {
    let mut pattern = String::from("^");
    let mut names = 0;
    for (literal, name) in parts(route) {
        pattern.push_str(&regex::escape(literal));
        if name.is_some() {
            match choices.get(names).and_then(Option::as_ref) {
                Some(values) => {
                    let values: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
                    pattern.extend(["(", &values.join("|"), ")"]);
                }
                None => pattern.push_str("([^/]+?)"),
            }
            names += 1;
        }
    }
    pattern.push('$');
    Regex::new(&pattern).ok()
}

/// For each parameter of `route`, in order, the values it may take (`choices(name)`) where it
/// follows another parameter in its segment: with nothing between them (bufferapp's
/// `/profiles/{id}{mediaTypeExtension}`, the extension one of `.json`) only those values tell
/// where the first ends, and with text between them that the first may hold (TomTom's
/// `{heading}.{ext}`, a heading of `70.91`) they tell which of its occurrences does. Elsewhere
/// a literal with a `/` does, and a value outside the list is the contract's to refuse, not a
/// path no route matches. Empty where no parameter has any.
fn adjacent_choices(
    route: &str,
    choices: impl Fn(&str) -> Option<Vec<String>>,
) -> Vec<Option<Vec<String>>> {
    let mut after_parameter = false;
    let mut found = Vec::new();
    for (literal, name) in parts(route) {
        if let Some(name) = name {
            let in_its_segment = after_parameter && !literal.contains('/');
            found.push(
                in_its_segment
                    .then(|| choices(name))
                    .flatten()
                    .filter(|v| !v.is_empty()),
            );
        }
        after_parameter = name.is_some();
    }
    // Most routes have none: they keep no list.
    if found.iter().all(Option::is_none) {
        found.clear();
    }
    found
}

/// A template as (literal text, the parameter after it): `/a/{id}.json` is `("/a/", id)`,
/// then `(".json", none)`.
fn parts(route: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    let mut rest = Some(route);
    std::iter::from_fn(move || {
        let text = rest?;
        let parameter = text
            .find('{')
            .and_then(|open| Some((open, open + text[open..].find('}')?)));
        Some(match parameter {
            Some((open, close)) => {
                rest = Some(&text[close + 1..]);
                (&text[..open], Some(&text[open + 1..close]))
            }
            None => {
                rest = None;
                (text, None)
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(templates: &[(&str, &str)]) -> RouteTable {
        let mut table = RouteTable::default();
        for (i, (method, template)) in templates.iter().enumerate() {
            table
                .add(0, "", template, method, i, &|_: &str| true)
                .unwrap();
        }
        table
    }

    #[test]
    fn static_segments_win_over_parameters() {
        let table = table(&[("GET", "/items/{id}"), ("GET", "/items/search")]);
        assert_eq!(
            table.find("/items/search").unwrap().entry.operations[0].1,
            1
        );
        let m = table.find("/items/42").unwrap();
        assert_eq!(m.params(0), vec![("id".to_string(), "42".to_string())]);
    }

    #[test]
    fn repeated_slashes_are_merged_on_either_side_unless_a_template_takes_the_merged_route() {
        // Clever Cloud's templates, and a plain route a request writes with two slashes.
        let mut table = table(&[
            ("POST", "/vendor//addons"),
            ("GET", "//openapi.{type}"),
            ("GET", "/openapi.{type}"),
            ("GET", "/a/b"),
        ]);
        table.merge_repeated_slashes();
        let template = |path: &str| table.find(path).map(|m| m.entry.template.clone());
        for (path, expected) in [
            ("/vendor/addons", "/vendor//addons"),
            ("/vendor//addons", "/vendor//addons"),
            ("/openapi.json", "/openapi.{type}"),
            ("//openapi.json", "//openapi.{type}"),
            ("/a//b", "/a/b"),
        ] {
            assert_eq!(
                template(path).as_deref(),
                Some(expected),
                "expected {path} to be routed to {expected}"
            );
        }
    }

    #[test]
    fn methods_of_one_path_share_an_entry() {
        let mut table = RouteTable::default();
        table
            .add(0, "/k", "/x/{id}", "GET", 0, &|_: &str| true)
            .unwrap();
        table
            .add(0, "/k", "/x/{id}", "PUT", 1, &|_: &str| true)
            .unwrap();
        assert_eq!(table.entries().len(), 1);
        assert_eq!(table.find("/k/x/1").unwrap().entry.operations.len(), 2);
    }

    #[test]
    fn templates_equal_but_for_names_share_a_route_and_keep_their_names() {
        let mut table = RouteTable::default();
        let first = "/families/{id}/objects/{objectId}";
        let second = "/families/{familyId}/objects/{id}";
        assert_eq!(
            table.add(0, "", first, "GET", 0, &|_: &str| true).unwrap(),
            Added::Routed
        );
        assert_eq!(
            table.add(0, "", second, "PUT", 1, &|_: &str| true).unwrap(),
            Added::Routed
        );
        let found = table.find("/families/f1/objects/o2").unwrap();
        let pairs = |p: Vec<(String, String)>| -> Vec<String> {
            p.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
        };
        assert_eq!(pairs(found.params(0)), ["id=f1", "objectId=o2"]);
        assert_eq!(pairs(found.params(1)), ["familyId=f1", "id=o2"]);
    }

    #[test]
    fn the_same_method_twice_on_one_route_is_shadowed_by_the_first() {
        let mut table = RouteTable::default();
        table
            .add(0, "", "/x/{id}", "GET", 0, &|_: &str| true)
            .unwrap();
        assert_eq!(
            table
                .add(0, "", "/x/{itemId}", "GET", 1, &|_: &str| true)
                .unwrap(),
            Added::Shadowed { by: 0 }
        );
        assert_eq!(
            table.find("/x/1").unwrap().entry.operations,
            [("GET".into(), 0)]
        );
    }

    #[test]
    fn a_name_alone_no_parameter_declares_tells_nothing_apart() {
        // S3's deprecated `#lifecycle&deprecated!` beside `#lifecycle`: both declare the
        // `lifecycle` query parameter, neither a `deprecated!`.
        let mut table = RouteTable::default();
        let declares = |name: &str| name == "lifecycle";
        table
            .add(0, "", "/{Bucket}#lifecycle", "GET", 0, &declares)
            .unwrap();
        assert_eq!(
            table
                .add(
                    0,
                    "",
                    "/{Bucket}#lifecycle&deprecated!",
                    "GET",
                    1,
                    &declares
                )
                .unwrap(),
            Added::Shadowed { by: 0 }
        );
        assert_eq!(
            undeclared_names("/{Bucket}#lifecycle&deprecated!", declares),
            ["deprecated!"]
        );
        let entry = table.find("/b1").unwrap().entry;
        assert_eq!(
            entry.operation_for("GET", |name, _| name == "lifecycle"),
            Some(0)
        );
    }

    #[test]
    fn a_value_after_a_hash_no_parameter_declares_tells_nothing_apart_but_after_a_question_mark_it_does()
     {
        // Azure's `#overload=stream` is never sent (a fragment); Flickr's
        // `?method=flickr.photos.search` is, as written.
        let mut table = RouteTable::default();
        let none = |_: &str| false;
        table.add(0, "", "/frames", "POST", 0, &none).unwrap();
        assert_eq!(
            table
                .add(0, "", "/frames#overload=stream", "POST", 1, &none)
                .unwrap(),
            Added::Shadowed { by: 0 },
            "expected the overload a fragment names to be a shadow of the first"
        );
        assert_eq!(
            undeclared_names("/frames#overload=stream", none),
            ["overload"]
        );
        table
            .add(0, "", "/rest?method=flickr.test.echo", "GET", 2, &none)
            .unwrap();
        assert_eq!(
            table
                .add(0, "", "/rest?method=flickr.photos.search", "GET", 3, &none)
                .unwrap(),
            Added::Routed
        );
        let entry = table.find("/rest").unwrap().entry;
        let search = |name: &str, value: Option<&str>| {
            name == "method" && value.is_none_or(|v| v == "flickr.photos.search")
        };
        assert_eq!(entry.operation_for("GET", search), Some(3));
    }

    #[test]
    fn an_empty_segment_is_an_empty_parameter_where_no_route_is_written_so() {
        let table = table(&[
            ("GET", "/user/{userId}"),
            ("GET", "/orgs/{org}/members"),
            ("GET", "/files/"),
            ("GET", "/files/{name}"),
            ("GET", "/{account}.{env}.com/x"),
            ("POST", "/spaces/{space}/assignments/"),
            ("GET", "/spaces/{space}/assignments/{name}"),
        ]);
        let found = |path: &str| {
            let found = table
                .find(path)
                .unwrap_or_else(|| panic!("{path} routes nowhere"));
            (
                found.entry.template.clone(),
                found.params(found.entry.operations[0].1),
            )
        };
        assert_eq!(
            found("/user/"),
            (
                "/user/{userId}".into(),
                vec![("userId".into(), String::new())]
            )
        );
        assert_eq!(
            found("/orgs//members"),
            (
                "/orgs/{org}/members".into(),
                vec![("org".into(), String::new())]
            )
        );
        assert_eq!(found("/files/").0, "/files/", "a route written so wins");
        assert_eq!(
            found("/spaces//assignments/"),
            (
                "/spaces/{space}/assignments/".into(),
                vec![("space".into(), String::new())]
            ),
            "expected the trailing slash read as written before as an empty name"
        );
        assert!(
            table.find("/.prod.com/x").is_none() && table.find("/orgs//x").is_none(),
            "expected no match where no parameter takes the whole empty segment"
        );
    }

    #[test]
    fn a_template_with_characters_urls_encode_is_routed_as_clients_send_it() {
        let table = table(&[
            ("POST", "/Your Pull DOC Request API Path"),
            ("GET", "/données/{id}"),
        ]);
        for path in [
            "/Your%20Pull%20DOC%20Request%20API%20Path",
            "/donn%C3%A9es/7",
        ] {
            assert!(table.find(path).is_some(), "{path} routes nowhere");
        }
    }

    #[test]
    fn a_query_string_in_a_path_key_is_routed_on_its_path() {
        let table = table(&[("GET", "/alerts?lat={lat}&lon={lon}")]);
        assert!(table.find("/alerts").is_some());
    }

    #[test]
    fn operations_sharing_a_method_are_told_apart_by_what_their_path_keys_name() {
        let table = table(&[
            ("GET", "/#Action=DescribeTags"),
            ("GET", "/#Action=AddTags"),
            ("POST", "/#X-Amz-Target=Events.PutRule"),
            ("POST", "/#X-Amz-Target=Events.ListRules"),
            ("POST", "/"),
        ]);
        let entry = table.find("/").unwrap().entry;
        let sent = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str, value: Option<&str>| {
                pairs
                    .iter()
                    .any(|(n, v)| n.eq_ignore_ascii_case(name) && value.is_none_or(|w| w == *v))
            }
        };
        assert_eq!(
            entry.operation_for("GET", sent(&[("Action", "AddTags")])),
            Some(1)
        );
        assert_eq!(
            entry.operation_for("POST", sent(&[("x-amz-target", "Events.ListRules")])),
            Some(3)
        );
        assert_eq!(
            entry.operation_for("POST", sent(&[])),
            Some(4),
            "expected the operation without conditions when none is met"
        );
        assert_eq!(
            entry.operation_for("HEAD", sent(&[("Action", "AddTags")])),
            Some(1)
        );
        assert_eq!(entry.methods(), ["GET", "POST"]);
    }

    #[test]
    fn of_operations_whose_conditions_a_request_meets_the_one_asking_for_a_value_wins() {
        let table = table(&[
            ("POST", "/channels#x-amz-chime-bearer"),
            ("POST", "/channels#operation=search"),
            ("POST", "/channels#a&b"),
        ]);
        let entry = table.find("/channels").unwrap().entry;
        let search = |name: &str, value: Option<&str>| match name {
            "x-amz-chime-bearer" => true,
            "operation" => value.is_none_or(|v| v == "search"),
            _ => false,
        };
        assert_eq!(
            entry.operation_for("POST", search),
            Some(1),
            "expected the search, whose condition names a value, over the create"
        );
        let create = |name: &str, _: Option<&str>| name == "x-amz-chime-bearer";
        assert_eq!(entry.operation_for("POST", create), Some(0));
        let both = |name: &str, _: Option<&str>| matches!(name, "a" | "b" | "x-amz-chime-bearer");
        assert_eq!(
            entry.operation_for("POST", both),
            Some(2),
            "expected the operation with two conditions met over the one with one"
        );
    }

    #[test]
    fn a_method_the_most_specific_route_lacks_is_found_on_a_less_specific_one() {
        let table = table(&[
            ("PUT", "/projects/{id}/services/jira"),
            ("GET", "/projects/{id}/services/{service_slug}"),
            ("DELETE", "/projects/{id}/services/{service_slug}"),
            ("GET", "/projects/{id}/{part}/jira"),
        ]);
        let template = |method: &str| {
            let found = table.find_for("/projects/7/services/jira", method).unwrap();
            let index = found
                .entry
                .operation_for(method, |_, _| false)
                .unwrap_or(99);
            (found.entry.template.clone(), found.params(index))
        };
        assert_eq!(
            template("PUT"),
            (
                "/projects/{id}/services/jira".into(),
                vec![("id".into(), "7".into())]
            )
        );
        assert_eq!(
            template("GET"),
            (
                "/projects/{id}/services/{service_slug}".into(),
                vec![
                    ("id".into(), "7".into()),
                    ("service_slug".into(), "jira".into())
                ]
            ),
            "expected the GET of the templated route, the more specific of the two serving GET"
        );
        assert_eq!(template("HEAD").0, "/projects/{id}/services/{service_slug}");
        assert_eq!(
            template("POST").0,
            "/projects/{id}/services/jira",
            "expected the most specific route where none serves the method"
        );
    }

    #[test]
    fn templates_the_router_refuses_are_matched_by_pattern() {
        let table = table(&[
            (
                "GET",
                "/certificates(thumbprintAlgorithm={a},thumbprint={t})",
            ),
            ("GET", "/{account}.{environment}.com.br/users"),
            ("GET", "/carriers/carrier@{id}"),
            ("GET", "/carriers/{id}"),
        ]);
        let found = table.find("/certificates(thumbprintAlgorithm=sha1,thumbprint=AB12)");
        let values = found.unwrap().params(0);
        assert_eq!(values[0].1, "sha1");
        assert_eq!(values[1].1, "AB12");
        let found = table.find("/acme.prod.com.br/users").unwrap();
        assert_eq!(found.params(1)[0].1, "acme");
        assert_eq!(found.params(1)[1].1, "prod");
        assert_eq!(
            table.find("/carriers/carrier@7").unwrap().params(2)[0].1,
            "7"
        );
        assert_eq!(table.find("/carriers/9").unwrap().entry.operations[0].1, 3);
        assert!(table.find("/acme.com.br/users").is_none());
    }

    #[test]
    fn a_parameter_after_another_in_its_segment_ends_it_with_one_of_its_listed_values() {
        struct Formats;
        impl Declared for Formats {
            fn declares(&self, _: &str) -> bool {
                true
            }
            fn choices(&self, name: &str) -> Option<Vec<String>> {
                (name == "ext").then(|| vec!["json".into(), "js".into()])
            }
        }
        let mut table = RouteTable::default();
        let template = "/routedFilter/{heading}.{ext}";
        table.add(0, "", template, "GET", 0, &Formats).unwrap();
        for (path, wanted) in [
            ("/routedFilter/70.91.js", ["70.91", "js"]),
            ("/routedFilter/70.txt", ["70", "txt"]),
        ] {
            let found = table.find_for(path, "GET");
            let values: Vec<String> = found
                .map(|f| f.params(0).into_iter().map(|(_, v)| v).collect())
                .unwrap_or_default();
            assert_eq!(
                values, wanted,
                "{path}: expected the heading to run up to the listed format, and a format not \
                 listed to reach the operation all the same"
            );
        }
    }

    /// Declares every name, and lists `.json` as the one value of `extension`.
    struct Extensions;

    impl Declared for Extensions {
        fn declares(&self, _: &str) -> bool {
            true
        }

        fn choices(&self, name: &str) -> Option<Vec<String>> {
            (name == "extension" || name == "id").then(|| vec![".json".into()])
        }
    }

    #[test]
    fn a_parameter_right_after_another_ends_it_with_one_of_its_listed_values() {
        let mut table = RouteTable::default();
        let template = "/profiles/{id}{extension}";
        table.add(0, "", template, "GET", 0, &Extensions).unwrap();
        let found = table.find_for("/profiles/ada%20l.json", "GET");
        let values: Vec<String> = found
            .map(|f| f.params(0).into_iter().map(|(_, v)| v).collect())
            .unwrap_or_default();
        assert_eq!(
            values,
            ["ada%20l", ".json"],
            "expected the id to run up to the listed extension (the id's own list is not used: \
             a literal or the start of the segment tells where it starts)"
        );
        let found = table.find_for("/profiles/ada.xml", "GET");
        assert!(
            found.is_some_and(|f| f.params(0)[1].1 == "da.xml"),
            "expected an extension not listed to reach the operation all the same (its \
             contract refuses it)"
        );
    }
}
