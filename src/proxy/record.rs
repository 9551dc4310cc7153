//! `--record FILE.jsonl`: every proxied exchange appended as one line of the JSON-lines format
//! `validate` reads, with secrets redacted (Authorization, cookies, and the API-key headers of
//! the contract's security schemes).

use std::io::Write;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::recording::Exchange;

pub const REDACTED: &str = "[REDACTED]";

pub struct Recorder {
    file: Mutex<std::io::BufWriter<std::fs::File>>,
    secret_headers: Vec<String>,
}

impl Recorder {
    pub fn create(
        path: &std::path::Path,
        secret_headers: Vec<String>,
    ) -> std::io::Result<Recorder> {
        let file = std::fs::File::create(path)?;
        Ok(Recorder {
            file: Mutex::new(std::io::BufWriter::new(file)),
            secret_headers,
        })
    }

    fn headers(&self, headers: &[(String, String)]) -> Value {
        Value::Array(
            headers
                .iter()
                .map(|(name, value)| {
                    let secret = self.secret_headers.contains(&name.to_ascii_lowercase());
                    json!([
                        name,
                        if secret {
                            redact(name, value)
                        } else {
                            value.clone()
                        }
                    ])
                })
                .collect(),
        )
    }

    pub fn record(&self, exchange: &Exchange) {
        let body = |bytes: &[u8]| -> Value {
            if bytes.is_empty() {
                return Value::Null;
            }
            serde_json::from_slice(bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
        };
        let line = json!({
            "method": exchange.method,
            "url": exchange.url,
            "request_headers": self.headers(&exchange.request_headers),
            "request_body": body(&exchange.request_body),
            "status": exchange.status,
            "response_headers": self.headers(&exchange.response_headers),
            "response_body": body(&exchange.response_body),
        });
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // A recording that cannot be written must not break the proxied exchange: log it.
        if let Err(error) = writeln!(file, "{line}").and_then(|_| file.flush()) {
            tracing::error!(target: "understudy::proxy", "cannot write the recording: {error}");
        }
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
