//! What the client asked for: Prism's `Prefer` header (`code=404, example=ok, dynamic=true,
//! seed=7`, and WireMock-style `delay=300`, `fault=reset`), or the `__code`/`__example`/`__dynamic`/`__seed`/
//! `__delay` query parameters when the header is absent.

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub code: Option<u16>,
    pub example: Option<String>,
    pub dynamic: bool,
    pub seed: Option<u64>,
    /// `delay=300`: milliseconds to wait before answering.
    pub delay: Option<std::time::Duration>,
    /// `fault=reset` (and the other faults): what goes wrong on the connection.
    pub fault: Option<super::message::Fault>,
}

impl Preferences {
    /// Whether they ask for the contract's mock answer rather than stored state (a delay
    /// alone asks for nothing of the kind).
    pub fn ask_for_mock(&self) -> bool {
        self.code.is_some() || self.example.is_some() || self.dynamic || self.seed.is_some()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct PreferenceError(pub String);

/// Reads preferences from the `Prefer` header value if there is one, else from the query.
pub fn preferences(
    prefer_header: Option<&str>,
    query: &str,
) -> Result<Preferences, PreferenceError> {
    let pairs: Vec<(String, String)> = match prefer_header {
        Some(header) => header
            .split([',', ';'])
            .filter_map(|part| {
                let (key, value) = part.split_once('=')?;
                Some((
                    key.trim().to_ascii_lowercase(),
                    value.trim().trim_matches('"').to_string(),
                ))
            })
            .collect(),
        None => form_urlencoded::parse(query.as_bytes())
            .filter_map(|(key, value)| {
                Some((key.strip_prefix("__")?.to_string(), value.into_owned()))
            })
            .collect(),
    };
    let mut preferences = Preferences::default();
    for (key, value) in pairs {
        match key.as_str() {
            "code" => {
                let code = value
                    .parse::<u16>()
                    .ok()
                    .filter(|c| (100..=599).contains(c) && value.len() == 3)
                    .ok_or_else(|| {
                        PreferenceError(format!(
                            "code must be a three-digit status code, got {value:?}"
                        ))
                    })?;
                preferences.code = Some(code);
            }
            "example" => preferences.example = Some(value),
            "dynamic" => {
                preferences.dynamic = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(PreferenceError(format!(
                            "dynamic must be true or false, got {value:?}"
                        )));
                    }
                }
            }
            "delay" => {
                let ms = value.parse::<u64>().map_err(|_| {
                    PreferenceError(format!(
                        "delay must be a whole number of milliseconds, got {value:?}"
                    ))
                })?;
                preferences.delay = Some(std::time::Duration::from_millis(ms));
            }
            "fault" => {
                preferences.fault =
                    Some(super::message::Fault::parse(&value).map_err(PreferenceError)?);
            }
            "seed" => {
                preferences.seed = Some(value.parse().map_err(|_| {
                    PreferenceError(format!("seed must be an unsigned integer, got {value:?}"))
                })?);
            }
            _ => {}
        }
    }
    Ok(preferences)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_read_when_present() {
        let p = preferences(
            Some("code=404, example=\"missing\", dynamic=true"),
            "__code=500",
        )
        .unwrap();
        assert_eq!(p.code, Some(404));
        assert_eq!(p.example.as_deref(), Some("missing"));
        assert!(p.dynamic);
    }

    #[test]
    fn query_parameters_stand_in_for_the_header() {
        let p = preferences(None, "page=2&__code=201&__seed=9").unwrap();
        assert_eq!((p.code, p.seed), (Some(201), Some(9)));
    }

    #[test]
    fn malformed_values_are_refused() {
        assert!(preferences(Some("code=20"), "").is_err());
        assert!(preferences(Some("dynamic=yes"), "").is_err());
    }
}
