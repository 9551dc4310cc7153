//! Recorded traffic in, exchanges out: HAR 1.2/1.3 (browser DevTools exports, read with the
//! `har` crate) and JSON lines (one exchange per line, streamed in constant memory).
//!
//! JSON lines format, one object per line (blank lines are skipped):
//! `{"method": "GET", "url": "https://host/path?q=1", "request_headers": {"name": "value"},
//!   "request_body": <string or JSON>, "status": 200, "response_headers": {...},
//!   "response_body": <string or JSON>}`. Headers may also be `[["name", "value"], ...]`.

use std::io::BufRead;
use std::path::Path;

use ::http::HeaderMap;
use ::http::header::CONTENT_TYPE;

use base64::Engine;
use serde_json::Value;

use crate::headers;

/// One request and its response, as recorded.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// Where it was recorded: `file:line` or `file#entry`.
    pub source: String,
    pub method: String,
    pub url: String,
    pub request_headers: HeaderMap,
    pub request_body: Vec<u8>,
    pub status: u16,
    pub response_headers: HeaderMap,
    pub response_body: Vec<u8>,
}

impl Exchange {
    /// The URL's path and query (`/a/b`, `x=1`).
    pub fn path_and_query(&self) -> (String, String) {
        let without_scheme = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, rest)| rest);
        let path_start = if self.url.contains("://") {
            without_scheme.find('/').unwrap_or(without_scheme.len())
        } else {
            0
        };
        let target = &without_scheme[path_start..];
        let target = target.split('#').next().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        (
            if path.is_empty() {
                "/".to_string()
            } else {
                path.to_string()
            },
            query.to_string(),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a HAR file: {message}")]
    Har { path: String, message: String },
    #[error("{path}:{line}: not an exchange: {message}")]
    Line {
        path: String,
        line: usize,
        message: String,
    },
}

/// Every exchange of a recording, in order. HAR files are read whole (their format is one
/// JSON document); JSON lines are read one line at a time.
pub fn read(
    path: &Path,
) -> Result<Box<dyn Iterator<Item = Result<Exchange, RecordingError>>>, RecordingError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| RecordingError::Io {
        path: name.clone(),
        source,
    })?;
    let is_har = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("har"));
    if is_har {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::BufReader::new(file), &mut text).map_err(
            |source| RecordingError::Io {
                path: name.clone(),
                source,
            },
        )?;
        let exchanges = match har::from_str(&text) {
            Ok(har) => har_exchanges(&name, har),
            // The har crate requires every field HAR 1.2 calls required; real exports leave
            // some out (`cache`, `timings`, `httpVersion`…). What validation needs is read
            // leniently then; only a document that is not a HAR at all is an error.
            Err(strict) => lenient_har(&name, &text).ok_or_else(|| RecordingError::Har {
                path: name.clone(),
                message: error_chain(&strict),
            })?,
        };
        return Ok(Box::new(exchanges.into_iter().map(Ok)));
    }
    let lines = std::io::BufReader::new(file).lines();
    Ok(Box::new(lines.enumerate().filter_map(
        move |(index, line)| {
            let line_number = index + 1;
            match line {
                Err(source) => Some(Err(RecordingError::Io {
                    path: name.clone(),
                    source,
                })),
                Ok(text) if text.trim().is_empty() => None,
                Ok(text) => Some(jsonl_exchange(&name, line_number, &text)),
            }
        },
    )))
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

fn har_exchanges(name: &str, har: har::Har) -> Vec<Exchange> {
    macro_rules! convert {
        ($log:expr) => {
            $log.entries
                .into_iter()
                .enumerate()
                .map(|(index, entry)| {
                    let request = entry.request;
                    let response = entry.response;
                    let response_body =
                        match (response.content.text, response.content.encoding.as_deref()) {
                            (Some(text), Some("base64")) => {
                                base64::engine::general_purpose::STANDARD
                                    .decode(text.trim())
                                    .unwrap_or_default()
                            }
                            (Some(text), _) => text.into_bytes(),
                            (None, _) => Vec::new(),
                        };
                    let mut response_headers = headers::from_pairs(
                        response.headers.into_iter().map(|h| (h.name, h.value)),
                    );
                    if let Some(mime) = response.content.mime_type.filter(|m| !m.is_empty())
                        && !response_headers.contains_key(CONTENT_TYPE)
                    {
                        headers::set(&mut response_headers, "content-type", &mime);
                    }
                    Exchange {
                        source: format!("{name}#entry{}", index + 1),
                        method: request.method.to_ascii_uppercase(),
                        url: request.url,
                        request_headers: headers::from_pairs(
                            request.headers.into_iter().map(|h| (h.name, h.value)),
                        ),
                        request_body: request
                            .post_data
                            .and_then(|p| p.text)
                            .map(String::into_bytes)
                            .unwrap_or_default(),
                        status: u16::try_from(response.status).unwrap_or(0),
                        response_headers,
                        response_body,
                    }
                })
                .collect()
        };
    }
    match har.log {
        har::Spec::V1_2(log) => convert!(log),
        har::Spec::V1_3(log) => convert!(log),
    }
}

/// A HAR's entries read field by field, tolerating missing optional parts.
fn lenient_har(name: &str, text: &str) -> Option<Vec<Exchange>> {
    let document: Value = serde_json::from_str(text).ok()?;
    let entries = document.pointer("/log/entries")?.as_array()?;
    let pairs = |list: Option<&Value>| -> Vec<(String, String)> {
        list.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|h| {
                Some((
                    h.get("name")?.as_str()?.to_string(),
                    h.get("value")?.as_str().unwrap_or_default().to_string(),
                ))
            })
            .collect()
    };
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let request = entry.get("request")?;
            let response = entry.get("response")?;
            let content = response.get("content");
            let text = content
                .and_then(|c| c.get("text"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let is_base64 = content
                .and_then(|c| c.get("encoding"))
                .and_then(Value::as_str)
                == Some("base64");
            let response_body = if is_base64 {
                base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .unwrap_or_default()
            } else {
                text.as_bytes().to_vec()
            };
            let mut response_headers = headers::from_pairs(pairs(response.get("headers")));
            if let Some(mime) = content
                .and_then(|c| c.get("mimeType"))
                .and_then(Value::as_str)
                .filter(|m| !m.is_empty())
                && !response_headers.contains_key(CONTENT_TYPE)
            {
                headers::set(&mut response_headers, "content-type", mime);
            }
            Some(Exchange {
                source: format!("{name}#entry{}", index + 1),
                method: request.get("method")?.as_str()?.to_ascii_uppercase(),
                url: request.get("url")?.as_str()?.to_string(),
                request_headers: headers::from_pairs(pairs(request.get("headers"))),
                request_body: request
                    .pointer("/postData/text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .as_bytes()
                    .to_vec(),
                status: u16::try_from(response.get("status")?.as_u64()?).ok()?,
                response_headers,
                response_body,
            })
        })
        .collect()
}

fn jsonl_exchange(name: &str, line: usize, text: &str) -> Result<Exchange, RecordingError> {
    let error = |message: String| RecordingError::Line {
        path: name.to_string(),
        line,
        message,
    };
    let value: Value = serde_json::from_str(text).map_err(|e| error(e.to_string()))?;
    let field = |key: &str| value.get(key);
    let method = field("method")
        .and_then(Value::as_str)
        .ok_or_else(|| error("missing \"method\"".into()))?;
    let url = field("url")
        .and_then(Value::as_str)
        .ok_or_else(|| error("missing \"url\"".into()))?;
    let status = field("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| error("missing or invalid \"status\"".into()))?;
    Ok(Exchange {
        source: format!("{name}:{line}"),
        method: method.to_ascii_uppercase(),
        url: url.to_string(),
        request_headers: header_map(field("request_headers")),
        request_body: body(field("request_body")),
        status,
        response_headers: header_map(field("response_headers")),
        response_body: body(field("response_body")),
    })
}

/// Headers of a JSON lines record: `{name: value}` or `[[name, value]…]`.
fn header_map(value: Option<&Value>) -> HeaderMap {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let pairs: Vec<(String, String)> = match value {
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        Some(Value::Array(pairs)) => pairs
            .iter()
            .filter_map(|pair| Some((pair.get(0)?.as_str()?.to_string(), text(pair.get(1)?))))
            .collect(),
        _ => Vec::new(),
    };
    headers::from_pairs(pairs)
}

fn body(value: Option<&Value>) -> Vec<u8> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(other) => serde_json::to_vec(other).unwrap_or_default(),
    }
}
