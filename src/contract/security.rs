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
