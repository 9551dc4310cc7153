//! What `check` presents to the provider: headers sent with every request (`--header`,
//! `--bearer`), and a secret per security scheme (`--auth NAME=SECRET`), placed where each
//! operation's security requirements say: an API key in its header, query parameter or
//! cookie, HTTP Basic and bearer tokens in `Authorization`.

use ::http::HeaderMap;
use base64::Engine;

use crate::contract::{Operation, ParameterLocation, SecurityScheme};
use crate::headers;

/// The credentials `check` was given.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// Sent with every request, as given.
    pub headers: Vec<(String, String)>,
    /// A secret per security scheme, by the name the contract declares it under.
    pub schemes: Vec<(String, String)>,
}

/// Where a secret went on a request, for [`Credentials::secrets`].
#[derive(Debug, Clone, PartialEq)]
pub enum Secret {
    /// A header (lower-case name) and its exact value.
    Header(String, String),
    /// A query parameter and its value.
    Query(String, String),
    /// A cookie and its value.
    Cookie(String, String),
}

impl Credentials {
    fn secret(&self, scheme: &str) -> Option<&str> {
        self.schemes
            .iter()
            .find(|(name, _)| name == scheme)
            .map(|(_, secret)| secret.as_str())
    }

    /// The scheme secrets `operation` is sent with: those of its first security requirement
    /// that they satisfy whole (a scheme whose presence cannot be checked, mutualTLS, needs
    /// none). None where no requirement is satisfied or none is declared.
    fn chosen(&self, operation: &Operation) -> Vec<Secret> {
        operation
            .security
            .iter()
            .find_map(|requirement| {
                requirement
                    .named()
                    .filter(|(_, scheme)| !matches!(scheme, SecurityScheme::Unchecked(_)))
                    .map(|(name, scheme)| Some(placed(scheme, self.secret(name)?)))
                    .collect::<Option<Vec<Secret>>>()
                    .filter(|placed| !placed.is_empty())
            })
            .unwrap_or_default()
    }

    /// Puts the credentials on a request of `operation`: every header, then the secrets of
    /// the requirement chosen (see [`Self::chosen`]).
    pub(super) fn present(
        &self,
        operation: &Operation,
        request_headers: &mut HeaderMap,
        query: &mut Vec<(String, String)>,
    ) {
        for (name, value) in &self.headers {
            headers::append(request_headers, name, value);
        }
        let mut cookies = Vec::new();
        for secret in self.chosen(operation) {
            match secret {
                Secret::Header(name, value) => headers::set(request_headers, &name, &value),
                Secret::Query(name, value) => query.push((name, value)),
                Secret::Cookie(name, value) => cookies.push(format!("{name}={value}")),
            }
        }
        if !cookies.is_empty() {
            headers::set(request_headers, "cookie", &cookies.join("; "));
        }
    }

    /// Every secret as it may be sent, so that what `check` prints (the `curl` line of a
    /// failure) leaves them out: the headers given, and each scheme's secret in every place
    /// a scheme of its name is declared.
    pub(super) fn secrets(&self, operations: &[&Operation]) -> Vec<Secret> {
        let mut out: Vec<Secret> = self
            .headers
            .iter()
            .map(|(name, value)| Secret::Header(name.to_ascii_lowercase(), value.clone()))
            .collect();
        for operation in operations {
            for requirement in &operation.security {
                for (name, scheme) in requirement.named() {
                    if let Some(secret) = self.secret(name) {
                        let placed = placed(scheme, secret);
                        if !out.contains(&placed) {
                            out.push(placed);
                        }
                    }
                }
            }
        }
        out
    }
}

/// `secret` where `scheme` puts it.
fn placed(scheme: &SecurityScheme, secret: &str) -> Secret {
    match scheme {
        SecurityScheme::ApiKey { name, location } => match location {
            ParameterLocation::Query => Secret::Query(name.clone(), secret.to_string()),
            ParameterLocation::Cookie => Secret::Cookie(name.clone(), secret.to_string()),
            _ => Secret::Header(name.to_ascii_lowercase(), secret.to_string()),
        },
        SecurityScheme::HttpBasic => Secret::Header(
            "authorization".into(),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(secret)
            ),
        ),
        SecurityScheme::Bearer | SecurityScheme::Unchecked(_) => {
            Secret::Header("authorization".into(), format!("Bearer {secret}"))
        }
    }
}
