//! Sequential media types (OpenAPI 3.2's `itemSchema`): a body that is a sequence of items,
//! each valid under the item schema: server-sent events (`text/event-stream`), JSON lines
//! (`application/jsonl`, `application/x-ndjson`) and JSON text sequences
//! (`application/json-seq`, RFC 7464). Written item by item, and split back into items to be
//! checked one by one. Hand-written: each format is a few lines of framing, and the crates
//! that parse SSE are async clients, not framers of a body already in memory.

use serde_json::Value;

/// How a sequential body frames its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sequence {
    EventStream,
    JsonLines,
    JsonSeq,
}

/// The RS character that opens each item of a JSON text sequence.
const RS: u8 = 0x1e;

/// How a body of a media type's essence with an `itemSchema` frames its items: the
/// sequential types as they say, any other one (a document may give `itemSchema` to
/// `application/json`) as JSON lines.
pub fn framing(essence: &str) -> Sequence {
    match essence {
        "text/event-stream" => Sequence::EventStream,
        "application/json-seq" => Sequence::JsonSeq,
        _ => Sequence::JsonLines,
    }
}

/// `items` framed as `sequence`. An event-stream item that is an object with SSE's fields
/// (`event`, `data`, `id`, `retry`), as OpenAPI 3.2 models events, is written as those
/// fields; any other item is one event whose data is the item as JSON.
pub fn write(sequence: Sequence, items: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        match sequence {
            Sequence::EventStream => write_event(&mut out, item),
            Sequence::JsonLines => {
                out.extend_from_slice(item.to_string().as_bytes());
                out.push(b'\n');
            }
            Sequence::JsonSeq => {
                out.push(RS);
                out.extend_from_slice(item.to_string().as_bytes());
                out.push(b'\n');
            }
        }
    }
    out
}

fn write_event(out: &mut Vec<u8>, item: &Value) {
    let fields = ["event", "id", "retry", "data"];
    let is_event = item
        .as_object()
        .is_some_and(|o| !o.is_empty() && o.keys().all(|k| fields.contains(&k.as_str())));
    if !is_event {
        for line in item.to_string().lines() {
            out.extend_from_slice(format!("data: {line}\n").as_bytes());
        }
        out.push(b'\n');
        return;
    }
    for field in fields {
        let Some(value) = item.get(field) else {
            continue;
        };
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        // A field's value cannot hold a line break: each line is a field of its own.
        for line in text.split('\n') {
            out.extend_from_slice(format!("{field}: {line}\n").as_bytes());
        }
    }
    out.push(b'\n');
}

/// The items of a sequential `body`, or what keeps it from being one. An event is read back
/// as an object of its fields (`data` joined by line breaks, `retry` a number), as
/// [`write`] writes it; JSON lines and sequences as the JSON values they hold.
pub fn split(sequence: Sequence, body: &[u8]) -> Result<Vec<Value>, String> {
    let text = String::from_utf8_lossy(body);
    match sequence {
        Sequence::EventStream => Ok(events(&text)),
        Sequence::JsonLines => text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| {
                serde_json::from_str(line).map_err(|e| format!("line {}: not JSON: {e}", n + 1))
            })
            .collect(),
        Sequence::JsonSeq => text
            .split('\u{1e}')
            .enumerate()
            .filter(|(_, item)| !item.trim().is_empty())
            .map(|(n, item)| {
                serde_json::from_str(item.trim()).map_err(|e| format!("item {n}: not JSON: {e}"))
            })
            .collect(),
    }
}

fn events(text: &str) -> Vec<Value> {
    let mut events = Vec::new();
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let mut event = serde_json::Map::new();
        let mut data: Vec<&str> = Vec::new();
        for line in block.lines().filter(|l| !l.starts_with(':')) {
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "data" => data.push(value),
                "retry" => {
                    let retry = value
                        .parse::<u64>()
                        .map_or(Value::String(value.into()), Value::from);
                    event.insert("retry".into(), retry);
                }
                "event" | "id" => {
                    event.insert(field.into(), Value::String(value.into()));
                }
                _ => {}
            }
        }
        if !data.is_empty() {
            event.insert("data".into(), Value::String(data.join("\n")));
        }
        if !event.is_empty() {
            events.push(Value::Object(event));
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_are_written_as_their_fields_and_read_back() {
        let items = [
            json!({"event": "tick", "id": "1", "data": "{\"n\":1}"}),
            json!({"data": "two\nlines", "retry": 500}),
        ];
        let body = write(Sequence::EventStream, &items);
        assert_eq!(
            String::from_utf8_lossy(&body),
            "event: tick\nid: 1\ndata: {\"n\":1}\n\nretry: 500\ndata: two\ndata: lines\n\n"
        );
        assert_eq!(split(Sequence::EventStream, &body).unwrap(), items);
    }

    #[test]
    fn json_lines_and_sequences_hold_one_value_per_item() {
        let items = [json!({"a": 1}), json!([2])];
        for sequence in [Sequence::JsonLines, Sequence::JsonSeq] {
            let body = write(sequence, &items);
            assert_eq!(split(sequence, &body).unwrap(), items, "{sequence:?}");
        }
        assert!(split(Sequence::JsonLines, b"{\"a\": 1}\nnot json\n").is_err());
    }
}
