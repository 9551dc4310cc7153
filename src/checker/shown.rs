//! What an answer shows of what a chain sent or made: ids anywhere in it, the fields an
//! update wrote, values read back as a client reads them, how full a page is.

use serde_json::Value;

use crate::contract::stamp_named;

/// Whether `id` appears in `answer`: as a value, or as a key (objects keyed by id).
pub(super) fn mentions(answer: &Value, id: &str) -> bool {
    match answer {
        Value::String(s) => s == id,
        Value::Number(n) => n.to_string() == id,
        Value::Object(fields) => fields.iter().any(|(k, v)| k == id || mentions(v, id)),
        Value::Array(items) => items.iter().any(|v| mentions(v, id)),
        _ => false,
    }
}

/// Whether `answer` holds an array anywhere.
pub(super) fn holds_a_list(answer: &Value) -> bool {
    match answer {
        Value::Array(_) => true,
        Value::Object(fields) => fields.values().any(holds_a_list),
        _ => false,
    }
}

/// How many objects with an `id` `answer` holds (how full a page is).
pub(super) fn with_ids(answer: &Value) -> usize {
    match answer {
        Value::Object(fields) => {
            usize::from(fields.contains_key("id")) + fields.values().map(with_ids).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(with_ids).sum(),
        _ => 0,
    }
}

/// The scalar fields an update body writes: its own, or those of the one object it wraps
/// (`{"organization_membership": {...}}`).
pub(super) fn written_fields(body: &Value) -> serde_json::Map<String, Value> {
    match body {
        Value::Object(fields) if fields.len() == 1 => match fields.values().next() {
            Some(inner @ Value::Object(_)) => written_fields(inner),
            _ => scalars(fields),
        },
        Value::Object(fields) => scalars(fields),
        _ => serde_json::Map::new(),
    }
}

/// The scalar fields of `fields` whose value is the client's to choose: ids, timestamps and
/// version counters are the server's (a provider rightly keeps its own). A null clears a
/// field (JSON merge patch: GitHub's `"files": {"hello.py": null}` deletes the file), which a
/// read may show as null or leave out: nothing to compare.
fn scalars(fields: &serde_json::Map<String, Value>) -> serde_json::Map<String, Value> {
    let servers = |name: &str| {
        let lower = name.to_ascii_lowercase();
        lower == "id"
            // The stamps `serve` sets (`lastModified` too), and a deletion's.
            || stamp_named(name).is_some()
            || lower.starts_with("deleted")
            || lower.ends_with("_at")
            || ["version", "revision", "changesequence", "etag"]
                .iter()
                .any(|w| lower.contains(w))
    };
    fields
        .iter()
        .filter(|(k, v)| !v.is_object() && !v.is_array() && !v.is_null() && !servers(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Scalars equal as a client reads them: `7` and `"7"` are the same value written two ways
/// (a provider may keep a number it was sent as text, as its schema says).
fn same(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    a == b || (!a.is_object() && !a.is_array() && text(a) == text(b))
}

/// Whether some object in `answer` (at any depth: envelopes differ) has every field of
/// `sent` it carries equal to what was sent, and carries at least one. A field sent as a
/// scalar and read as an object or a list names what the read expands (GitHub's pull
/// `base: "master"` read as the branch object, an issue's `milestone: 1` as the milestone):
/// carried, not compared.
pub(super) fn shows(answer: &Value, sent: &serde_json::Map<String, Value>) -> bool {
    if sent.is_empty() {
        return true;
    }
    match answer {
        Value::Object(fields) => {
            let carried: Vec<_> = sent
                .iter()
                .filter_map(|(k, v)| fields.get(k).map(|f| (f, v)))
                .collect();
            (!carried.is_empty()
                && carried
                    .iter()
                    .all(|(f, v)| f.is_object() || f.is_array() || same(f, v)))
                || fields.values().any(|v| shows(v, sent))
        }
        Value::Array(items) => items.iter().any(|v| shows(v, sent)),
        _ => false,
    }
}

/// Whether `text` is a value somewhere in `body` (as text: `7` holds `"7"`).
pub(super) fn holds_text(body: &Value, text: &str) -> bool {
    match body {
        Value::Object(fields) => fields.values().any(|v| holds_text(v, text)),
        Value::Array(items) => items.iter().any(|v| holds_text(v, text)),
        Value::String(s) => s == text,
        Value::Number(n) => n.to_string() == text,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_an_answer_holding_a_list_is_judged_as_one() {
        assert!(holds_a_list(&json!({"data": [{"id": 1}]})));
        assert!(holds_a_list(&json!([])));
        assert!(!holds_a_list(&json!({"siteid": 1, "tags": {"a": 1}})));
    }

    #[test]
    fn the_fields_a_server_keeps_are_not_what_an_update_wrote() {
        let body = json!({
            "name": "n", "id": 7, "lastModified": "2024-11-27T04:27:07Z",
            "insertedAt": "2024-11-27T04:27:07Z", "updated_at": "x", "deletedBy": "x",
            "version": 3, "enabled": false
        });
        let written: Vec<String> = written_fields(&body).keys().cloned().collect();
        assert_eq!(written, ["name", "enabled"], "written fields of {body}");
    }

    #[test]
    fn an_id_the_client_sent_is_found_at_any_depth_as_text() {
        let body = serde_json::json!({"data": {"branchName": "dev", "tags": [7]}});
        for (text, held) in [("dev", true), ("7", true), ("data", false), ("de", false)] {
            assert_eq!(holds_text(&body, text), held, "{text} in {body}");
        }
    }

    #[test]
    fn an_update_shows_when_what_it_names_is_read_expanded_and_what_it_clears_is_gone() {
        let sent = |body: Value| written_fields(&body);
        let cases = [
            (
                serde_json::json!({"title": "new", "milestone": 1}),
                serde_json::json!({"title": "new", "milestone": {"number": 1, "title": "v1"}}),
                true,
            ),
            (
                serde_json::json!({"title": "new", "milestone": 1}),
                serde_json::json!({"title": "old", "milestone": {"number": 1}}),
                false,
            ),
            (
                serde_json::json!({"files": {"hello.py": null}}),
                serde_json::json!({"files": {"README.md": {"content": "hi"}}}),
                true,
            ),
            (
                serde_json::json!({"name": "a", "note": null}),
                serde_json::json!({"name": "b"}),
                false,
            ),
        ];
        for (update, read, expected) in cases {
            assert_eq!(
                shows(&read, &sent(update.clone())),
                expected,
                "whether {read} shows the update {update}"
            );
        }
    }
}
