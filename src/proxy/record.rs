//! `--record FILE.jsonl` (or `.har`): every proxied exchange kept in a format `validate` reads,
//! with secrets redacted (Authorization, cookies, and the API-key headers of the contract's
//! security schemes). JSON lines are appended; a HAR file (one JSON document) gets each entry
//! written over its closing brackets, which are written again after it, so that it is a
//! complete document whenever the proxy stops and each exchange costs its own size only
//! (rewriting the whole file each time made a 1,000-exchange `check --record` take 50 s).

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
    Har(HarFile),
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
            Sink::Har(HarFile::create(path)?)
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
            Sink::Har(file) => file.append(&har_entry(
                exchange,
                request_headers,
                response_headers,
                elapsed_ms,
            )),
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

/// A HAR document being written: everything up to its entries, the entries so far, and the
/// closing brackets after them, which each new entry writes over and writes again.
struct HarFile {
    file: std::fs::File,
    /// What follows the last entry: `]` and the rest of the document.
    closing: String,
    /// Where the closing part starts.
    end: u64,
    entries: usize,
}

impl HarFile {
    fn create(path: &std::path::Path) -> std::io::Result<HarFile> {
        let document = har::Har {
            log: har::Spec::V1_2(har::v1_2::Log {
                creator: har::v1_2::Creator {
                    name: "understudy".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    comment: None,
                },
                ..har::v1_2::Log::default()
            }),
        };
        let text = serde_json::to_string(&document).map_err(std::io::Error::other)?;
        let marker = "\"entries\":[";
        let at = text
            .find(marker)
            .map(|i| i + marker.len())
            .ok_or_else(|| std::io::Error::other("the har crate wrote no entries list"))?;
        let mut file = std::fs::File::create(path)?;
        file.write_all(text.as_bytes())?;
        Ok(HarFile {
            file,
            closing: text[at..].to_string(),
            end: at as u64,
            entries: 0,
        })
    }

    fn append(&mut self, entry: &har::v1_2::Entries) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom};
        let mut text = if self.entries == 0 {
            String::new()
        } else {
            ",".to_string()
        };
        text.push_str(&serde_json::to_string(entry).map_err(std::io::Error::other)?);
        self.file.seek(SeekFrom::Start(self.end))?;
        self.file.write_all(text.as_bytes())?;
        self.file.write_all(self.closing.as_bytes())?;
        self.end += text.len() as u64;
        self.entries += 1;
        Ok(())
    }
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
