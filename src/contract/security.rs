//! Security schemes, read with `openapiv3` (the object is the same in 3.0 and 3.1).

use serde_json::{Map, Value};

use super::model::{ParameterLocation, SecurityRequirement, SecurityScheme};

/// An operation's (or the document's) `security` list read against the declared `schemes`;
/// also the names it uses that no scheme declares (kept as unchecked).
pub fn requirements(
    source: Option<&Value>,
    schemes: &Map<String, Value>,
) -> (Vec<SecurityRequirement>, Vec<String>) {
    let mut undeclared = Vec::new();
    let Some(list) = source.and_then(Value::as_array) else {
        return (Vec::new(), undeclared);
    };
    let requirements = list
        .iter()
        .filter_map(Value::as_object)
        .map(|names| SecurityRequirement {
            schemes: names
                .keys()
                .map(|name| match schemes.get(name) {
                    Some(raw) => security_scheme(name, raw.clone()),
                    None => {
                        undeclared.push(name.clone());
                        SecurityScheme::Unchecked(name.clone())
                    }
                })
                .collect(),
            names: names.keys().cloned().collect(),
        })
        .collect();
    (requirements, undeclared)
}

/// Reads a security scheme with `openapiv3` (the object is the same in 3.0 and 3.1); what it
/// cannot read (3.1's mutualTLS) is kept as unchecked.
pub fn security_scheme(name: &str, raw: Value) -> SecurityScheme {
    use openapiv3::{APIKeyLocation, SecurityScheme as S};
    match serde_json::from_value::<S>(raw) {
        Ok(S::APIKey { location, name, .. }) => SecurityScheme::ApiKey {
            name,
            location: match location {
                APIKeyLocation::Query => ParameterLocation::Query,
                APIKeyLocation::Header => ParameterLocation::Header,
                APIKeyLocation::Cookie => ParameterLocation::Cookie,
            },
        },
        Ok(S::HTTP { scheme, .. }) if scheme.eq_ignore_ascii_case("basic") => {
            SecurityScheme::HttpBasic
        }
        Ok(S::HTTP { scheme, .. }) if scheme.eq_ignore_ascii_case("bearer") => {
            SecurityScheme::Bearer
        }
        Ok(S::OAuth2 { .. } | S::OpenIDConnect { .. }) => SecurityScheme::Bearer,
        Ok(S::HTTP { scheme, .. }) => SecurityScheme::Unchecked(format!("{name} (http {scheme})")),
        Err(_) => SecurityScheme::Unchecked(name.to_string()),
    }
}

/// The names under which this contract's requests carry secrets: `Authorization` and cookies
/// always, and the API keys of its security schemes, by where they go. Recordings and the
/// journal leave their values out.
#[derive(Debug, Clone, Default)]
pub struct SecretNames {
    /// Lower-case header names.
    pub headers: Vec<String>,
    pub query: Vec<String>,
    pub cookies: Vec<String>,
}

impl SecretNames {
    /// The secrets of operations with these `security` requirements, added to `Authorization`
    /// and cookies.
    pub fn of<'r>(requirements: impl Iterator<Item = &'r SecurityRequirement>) -> SecretNames {
        let mut names = SecretNames {
            headers: [
                "authorization",
                "proxy-authorization",
                "cookie",
                "set-cookie",
            ]
            .map(String::from)
            .to_vec(),
            ..SecretNames::default()
        };
        for scheme in requirements.flat_map(|r| &r.schemes) {
            let SecurityScheme::ApiKey { name, location } = scheme else {
                continue;
            };
            let (list, name) = match location {
                ParameterLocation::Query => (&mut names.query, name.clone()),
                ParameterLocation::Cookie => (&mut names.cookies, name.clone()),
                _ => (&mut names.headers, name.to_ascii_lowercase()),
            };
            if !list.contains(&name) {
                list.push(name);
            }
        }
        names
    }
}
