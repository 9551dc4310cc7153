//! Whether a request matches a stub's (or a verification's) `match`, and if not, what
//! differed, in words: "query page: expected \"2\", received \"3\"".

use regex::Regex;
use serde_json::Value;

use super::spec::{BodyMatch, Match};

/// A request as a matcher sees it: answered now, or read back from the journal.
pub struct Seen<'a> {
    pub path_params: Vec<(&'a str, &'a str)>,
    pub query: Vec<(String, String)>,
    /// Header values by lower-case name.
    pub headers: Vec<(String, String)>,
    pub cookies: Vec<(&'a str, &'a str)>,
    pub body: Option<&'a Value>,
}

/// The body's regexes, compiled: JSON pointer and expression.
pub type Regexes = Vec<(String, Regex)>;

pub fn compile_regexes(matcher: &Match) -> Result<Regexes, String> {
    let Some(body) = &matcher.body else {
        return Ok(Vec::new());
    };
    body.regex
        .iter()
        .map(|(pointer, pattern)| {
            Regex::new(pattern)
                .map(|regex| (pointer.clone(), regex))
                .map_err(|e| format!("the regex for {pointer} is not valid: {e}"))
        })
        .collect()
}

impl Match {
    /// What `seen` has that differs from what this wants; empty when it matches.
    pub fn differences(&self, seen: &Seen<'_>, regexes: &Regexes) -> Vec<String> {
        let mut differences = Vec::new();
        let mut compare = |what: String, wanted: &str, received: Option<&str>| {
            if received != Some(wanted) {
                differences.push(format!(
                    "{what}: expected {wanted:?}, received {}",
                    received.map_or("nothing".to_string(), |r| format!("{r:?}"))
                ));
            }
        };
        for (name, wanted) in &self.path {
            let received = seen.path_params.iter().find(|(n, _)| n == name);
            compare(format!("path {name}"), wanted, received.map(|(_, v)| *v));
        }
        for (name, wanted) in &self.query {
            let received = seen.query.iter().find(|(n, _)| n == name);
            compare(
                format!("query {name}"),
                wanted,
                received.map(|(_, v)| v.as_str()),
            );
        }
        for (name, wanted) in &self.headers {
            let lower = name.to_ascii_lowercase();
            let received = seen.headers.iter().find(|(n, _)| *n == lower);
            compare(
                format!("header {name}"),
                wanted,
                received.map(|(_, v)| v.as_str()),
            );
        }
        for (name, wanted) in &self.cookies {
            let received = seen.cookies.iter().find(|(n, _)| n == name);
            compare(format!("cookie {name}"), wanted, received.map(|(_, v)| *v));
        }
        if let Some(body) = &self.body {
            differences.extend(body_differences(body, seen.body, regexes));
        }
        differences
    }
}

fn body_differences(wanted: &BodyMatch, body: Option<&Value>, regexes: &Regexes) -> Vec<String> {
    let Some(body) = body else {
        return vec!["body: expected a JSON body, received none".into()];
    };
    let mut differences = Vec::new();
    let mut compare = |what: String, wanted: &Value, received: Option<&Value>| {
        if received != Some(wanted) {
            differences.push(format!(
                "{what}: expected {wanted}, received {}",
                received.map_or("nothing".to_string(), Value::to_string)
            ));
        }
    };
    for (name, value) in &wanted.fields {
        compare(format!("body field {name}"), value, body.get(name));
    }
    for (pointer, value) in &wanted.pointers {
        compare(format!("body {pointer}"), value, body.pointer(pointer));
    }
    for (pointer, regex) in regexes {
        let found = body.pointer(pointer);
        let text = found.map(|v| match v {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        });
        if !text.as_deref().is_some_and(|t| regex.is_match(t)) {
            differences.push(format!(
                "body {pointer}: expected text matching {}, received {}",
                regex.as_str(),
                found.map_or("nothing".to_string(), Value::to_string)
            ));
        }
    }
    differences
}
