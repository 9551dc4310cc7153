//! `--record FILE.jsonl` (or `.har`): every proxied exchange kept in a format `validate` reads,
//! with secrets redacted (Authorization, cookies, and the API-key headers of the contract's
//! security schemes). JSON lines are appended; a HAR file is rewritten whole after each
//! exchange (HAR is one JSON document), so it is complete whenever the proxy stops.

use ::http::HeaderMap;

use std::io::Write;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::recording::Exchange;

pub const REDACTED: &str = "[REDACTED]";

pub struct Recorder {
    sink: Mutex<Sink>,
    secret_headers: Vec<String>,
}

enum Sink {
    Lines(std::io::BufWriter<std::fs::File>),
    Har {
        path: std::path::PathBuf,
        entries: Vec<har::v1_2::Entries>,
    },
}

impl Recorder {
    pub fn create(
        path: &std::path::Path,
        secret_headers: Vec<String>,
    ) -> std::io::Result<Recorder> {
        let is_har = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("har"));
        let sink = if is_har {
            write_har(path, Vec::new())?;
            Sink::Har {
                path: path.to_path_buf(),
                entries: Vec::new(),
            }
        } else {
            Sink::Lines(std::io::BufWriter::new(std::fs::File::create(path)?))
        };
        Ok(Recorder {
            sink: Mutex::new(sink),
            secret_headers,
        })
    }

    fn redacted(&self, headers: &HeaderMap) -> Vec<(String, String)> {
        crate::headers::to_pairs(headers)
            .into_iter()
            .map(|(name, value)| {
                let secret = self.secret_headers.contains(&name.to_ascii_lowercase());
                let value = if secret { redact(&name, &value) } else { value };
                (name, value)
            })
            .collect()
    }

    /// Keeps one exchange that took `elapsed_ms`. A recording that cannot be written must not
    /// break the proxied exchange, so a failure is logged.
    pub fn record(&self, exchange: &Exchange, elapsed_ms: f64) {
        let request_headers = self.redacted(&exchange.request_headers);
        let response_headers = self.redacted(&exchange.response_headers);
        let mut sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
        let result = match &mut *sink {
            Sink::Lines(file) => {
                let pairs = |headers: &[(String, String)]| -> Value {
                    headers.iter().map(|(n, v)| json!([n, v])).collect()
                };
                let body = |bytes: &[u8]| -> Value {
                    if bytes.is_empty() {
                        return Value::Null;
                    }
                    serde_json::from_slice(bytes).unwrap_or_else(|_| {
                        Value::String(String::from_utf8_lossy(bytes).into_owned())
                    })
                };
                let line = json!({
                    "method": exchange.method,
                    "url": exchange.url,
                    "request_headers": pairs(&request_headers),
                    "request_body": body(&exchange.request_body),
                    "status": exchange.status,
                    "response_headers": pairs(&response_headers),
                    "response_body": body(&exchange.response_body),
                });
                writeln!(file, "{line}").and_then(|_| file.flush())
            }
            Sink::Har { path, entries } => {
                entries.push(har_entry(
                    exchange,
                    request_headers,
                    response_headers,
                    elapsed_ms,
                ));
                write_har(path, std::mem::take(entries)).map(|written| *entries = written)
            }
        };
        if let Err(error) = result {
            tracing::error!(target: "understudy::proxy", "cannot write the recording: {error}");
        }
    }
}

fn har_entry(
    exchange: &Exchange,
    request_headers: Vec<(String, String)>,
    response_headers: Vec<(String, String)>,
    elapsed_ms: f64,
) -> har::v1_2::Entries {
    use har::v1_2::{Content, Entries, Headers, PostData, Request, Response, Timings};
    let headers = |list: Vec<(String, String)>| {
        list.into_iter()
            .map(|(name, value)| Headers {
                name,
                value,
                comment: None,
            })
            .collect::<Vec<_>>()
    };
    let content_type =
        |map: &HeaderMap| crate::headers::text(map, "content-type").map(|v| v.into_owned());
    let request_type = content_type(&exchange.request_headers);
    let response_type = content_type(&exchange.response_headers);
    let body = String::from_utf8_lossy(&exchange.response_body).into_owned();
    Entries {
        started_date_time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        time: elapsed_ms,
        request: Request {
            method: exchange.method.clone(),
            url: exchange.url.clone(),
            http_version: "HTTP/1.1".into(),
            headers: headers(request_headers),
            post_data: (!exchange.request_body.is_empty()).then(|| PostData {
                mime_type: request_type.unwrap_or_default(),
                text: Some(String::from_utf8_lossy(&exchange.request_body).into_owned()),
                ..PostData::default()
            }),
            headers_size: -1,
            body_size: exchange.request_body.len() as i64,
            ..Request::default()
        },
        response: Response {
            status: i64::from(exchange.status),
            http_version: "HTTP/1.1".into(),
            headers: headers(response_headers),
            content: Content {
                size: body.len() as i64,
                mime_type: response_type,
                text: Some(body),
                ..Content::default()
            },
            headers_size: -1,
            body_size: exchange.response_body.len() as i64,
            ..Response::default()
        },
        timings: Timings {
            send: 0.0,
            wait: elapsed_ms,
            receive: 0.0,
            ..Timings::default()
        },
        ..Entries::default()
    }
}

/// Writes a whole HAR document and hands the entries back.
fn write_har(
    path: &std::path::Path,
    entries: Vec<har::v1_2::Entries>,
) -> std::io::Result<Vec<har::v1_2::Entries>> {
    let document = har::Har {
        log: har::Spec::V1_2(har::v1_2::Log {
            creator: har::v1_2::Creator {
                name: "understudy".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                comment: None,
            },
            entries,
            ..har::v1_2::Log::default()
        }),
    };
    let text = har::to_json(&document).map_err(std::io::Error::other)?;
    std::fs::write(path, text)?;
    let har::Spec::V1_2(log) = document.log else {
        return Ok(Vec::new());
    };
    Ok(log.entries)
}

/// A secret replaced, keeping its shape so that the recording still passes the contract's
/// security checks: the scheme of `Authorization` (Basic stays decodable), cookie names.
fn redact(name: &str, value: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower == "authorization" || lower == "proxy-authorization" {
        return match value.split_once(' ') {
            // base64 of "[REDACTED]:[REDACTED]"
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("basic") => {
                format!("{scheme} W1JFREFDVEVEXTpbUkVEQUNURURd")
            }
            Some((scheme, _)) => format!("{scheme} {REDACTED}"),
            None => REDACTED.to_string(),
        };
    }
    if lower == "cookie" || lower == "set-cookie" {
        // `Cookie` holds name=value pairs; `Set-Cookie` one pair followed by attributes.
        return value
            .split(';')
            .enumerate()
            .map(|(index, pair)| match pair.split_once('=') {
                Some((cookie, _)) if lower == "cookie" || index == 0 => {
                    format!("{}={REDACTED}", cookie.trim())
                }
                _ => pair.trim().to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    REDACTED.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_keep_their_shape() {
        assert_eq!(redact("Authorization", "Bearer abc"), "Bearer [REDACTED]");
        assert_eq!(redact("x-api-key", "k"), "[REDACTED]");
        assert_eq!(
            redact("Cookie", "a=1; session=2"),
            "a=[REDACTED]; session=[REDACTED]"
        );
    }
}
