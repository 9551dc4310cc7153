//! `POST /__understudy/verify`: whether the journal holds as many requests matching a matcher
//! as a test expects (WireMock's verify). 200 with the count when it does; 417 with a report
//! when not: how many matched, and the nearest requests that did not, with what differed.

use ::http::HeaderMap;
use ::http::header::{CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};

use super::message::MockResponse;
use super::stubs::{Match, Regexes, Seen, compile_regexes};

/// The requests near misses are reported for, at most.
const NEAREST: usize = 3;

/// What a test expects of the journal.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Verification {
    operation: Option<String>,
    method: Option<String>,
    /// A concrete path, or a template (`/things/{id}`) any value of whose parameters matches.
    path: Option<String>,
    session: Option<String>,
    #[serde(default, rename = "match")]
    matcher: Match,
    count: Option<u64>,
    at_least: Option<u64>,
    at_most: Option<u64>,
}

impl Verification {
    /// What `entry` has that differs from what this wants; empty when it matches.
    fn differences(&self, entry: &Value, regexes: &Regexes) -> Vec<String> {
        let mut differences = Vec::new();
        let text = |name: &str| entry[name].as_str().unwrap_or_default().to_string();
        if let Some(operation) = &self.operation
            && entry["operation"].as_str() != Some(operation)
        {
            differences.push(format!(
                "operation: expected {operation:?}, received {}",
                entry["operation"]
            ));
        }
        if let Some(method) = &self.method
            && !text("method").eq_ignore_ascii_case(method)
        {
            differences.push(format!(
                "method: expected {method}, received {}",
                text("method")
            ));
        }
        if let Some(path) = &self.path
            && !path_matches(path, &text("path"))
        {
            differences.push(format!("path: expected {path}, received {}", text("path")));
        }
        if let Some(session) = &self.session
            && text("session") != *session
        {
            differences.push(format!(
                "session: expected {session:?}, received {:?}",
                text("session")
            ));
        }
        let pairs = |name: &str| -> Vec<(&str, &str)> {
            entry[name]
                .as_object()
                .map(|fields| {
                    fields
                        .iter()
                        .filter_map(|(n, v)| Some((n.as_str(), v.as_str()?)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let seen = Seen {
            path_params: pairs("path_params"),
            query: form_urlencoded::parse(text("query").as_bytes())
                .into_owned()
                .collect(),
            headers: pairs("headers")
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            cookies: pairs("cookies"),
            body: entry.get("body"),
        };
        differences.extend(self.matcher.differences(&seen, regexes));
        differences
    }

    /// Whether `matched` requests is what was expected, and the expectation in words.
    fn holds(&self, matched: u64) -> (bool, String) {
        match (self.count, self.at_least, self.at_most) {
            (Some(count), _, _) => (matched == count, format!("exactly {count}")),
            (None, Some(low), Some(high)) => (
                (low..=high).contains(&matched),
                format!("between {low} and {high}"),
            ),
            (None, Some(low), None) => (matched >= low, format!("at least {low}")),
            (None, None, Some(high)) => (matched <= high, format!("at most {high}")),
            (None, None, None) => (matched >= 1, "at least 1".into()),
        }
    }

    /// The matcher in words, for the report.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(operation) = &self.operation {
            parts.push(format!("operation {operation}"));
        }
        match (&self.method, &self.path) {
            (Some(method), Some(path)) => parts.push(format!("{method} {path}")),
            (Some(method), None) => parts.push(method.clone()),
            (None, Some(path)) => parts.push(path.clone()),
            (None, None) => {}
        }
        if let Some(session) = &self.session {
            parts.push(format!("session {session:?}"));
        }
        if !self.matcher.is_empty() {
            parts.push(format!(
                "matching {}",
                serde_json::to_string(&self.matcher).unwrap_or_default()
            ));
        }
        if parts.is_empty() {
            "any request".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Whether `path` is `pattern`, or fits it where the pattern has `{parameters}`.
fn path_matches(pattern: &str, path: &str) -> bool {
    let wanted: Vec<&str> = pattern.split('/').collect();
    let received: Vec<&str> = path.split('/').collect();
    wanted.len() == received.len()
        && wanted
            .iter()
            .zip(&received)
            .all(|(w, r)| (w.starts_with('{') && w.ends_with('}') && !r.is_empty()) || w == r)
}

/// The answer to `POST verify` with `body`, over the journal's `entries`.
pub fn answer(body: &[u8], entries: &[Value]) -> MockResponse {
    let verification: Verification = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return report(
                400,
                json!({"error": format!("the body is not a verification: {e}")}),
            );
        }
    };
    let regexes = match compile_regexes(&verification.matcher) {
        Ok(regexes) => regexes,
        Err(message) => return report(400, json!({"error": message})),
    };
    let mut misses: Vec<(&Value, Vec<String>)> = Vec::new();
    let mut matched = 0;
    for entry in entries {
        let differences = verification.differences(entry, &regexes);
        if differences.is_empty() {
            matched += 1;
        } else {
            misses.push((entry, differences));
        }
    }
    let (holds, expected) = verification.holds(matched);
    if holds {
        return report(200, json!({"matched": matched}));
    }
    // The nearest misses: fewest differences, most recent first among equals.
    misses.reverse();
    misses.sort_by_key(|(_, differences)| differences.len());
    let nearest: Vec<Value> = misses
        .iter()
        .take(NEAREST)
        .map(|(entry, differences)| {
            json!({
                "request": format!(
                    "#{} {} {}{}{}",
                    entry["id"],
                    entry["method"].as_str().unwrap_or_default(),
                    entry["path"].as_str().unwrap_or_default(),
                    if entry["query"].as_str().unwrap_or_default().is_empty() { "" } else { "?" },
                    entry["query"].as_str().unwrap_or_default(),
                ),
                "differences": differences,
            })
        })
        .collect();
    let mut text = format!(
        "Expected {expected} request(s) to {}, received {matched} (of {} journaled).",
        verification.describe(),
        entries.len()
    );
    for near in &nearest {
        text.push_str(&format!(
            "\n  nearest: {}",
            near["request"].as_str().unwrap_or_default()
        ));
        for difference in near["differences"].as_array().into_iter().flatten() {
            text.push_str(&format!(
                "\n    - {}",
                difference.as_str().unwrap_or_default()
            ));
        }
    }
    report(
        417,
        json!({"matched": matched, "expected": expected, "report": text, "nearest": nearest}),
    )
}

fn report(status: u16, body: Value) -> MockResponse {
    MockResponse {
        status,
        headers: HeaderMap::from_iter([(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )]),
        body: serde_json::to_vec(&body).unwrap_or_default().into(),
        operation: Some("understudy-admin".into()),
        ..MockResponse::default()
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn a_path_template_fits_any_value_of_its_parameters() {
        assert!(path_matches("/things/{id}", "/things/42"));
        assert!(path_matches("/things/42", "/things/42"));
        assert!(!path_matches("/things/{id}", "/things/42/parts"));
        assert!(!path_matches("/things/{id}", "/things/"));
    }
}
