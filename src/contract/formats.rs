//! String formats that OpenAPI contracts use but JSON Schema does not define, implemented once
//! here and registered with every validator:
//! - `byte`: base64 (RFC 4648, standard alphabet, padded), as OpenAPI defines it;
//! - `ip`: an IPv4/IPv6 address or CIDR range outside private, loopback and link-local
//!   networks (Rebilly's `allowedIps`: "Private subnets are prohibited").

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::rc::Rc;

use base64::Engine;
use serde_json::{Map, Value};

pub fn is_byte(value: &str) -> bool {
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .is_ok()
}

pub fn is_public_ip_or_cidr(value: &str) -> bool {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let Ok(address) = address.parse::<IpAddr>() else {
        return false;
    };
    let max_prefix = if address.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max_prefix,
        Some(p) => match p.parse::<u32>() {
            Ok(p) if p <= max_prefix => p,
            _ => return false,
        },
    };
    match address {
        IpAddr::V4(v4) => !overlaps_private_v4(v4, prefix),
        IpAddr::V6(v6) => !overlaps_private_v6(v6, prefix),
    }
}

/// Whether `address/prefix` shares any address with a private, loopback or link-local network.
fn overlaps_private_v4(address: Ipv4Addr, prefix: u32) -> bool {
    const PRIVATE: &[(Ipv4Addr, u32)] = &[
        (Ipv4Addr::new(10, 0, 0, 0), 8),
        (Ipv4Addr::new(172, 16, 0, 0), 12),
        (Ipv4Addr::new(192, 168, 0, 0), 16),
        (Ipv4Addr::new(127, 0, 0, 0), 8),
        (Ipv4Addr::new(169, 254, 0, 0), 16),
        (Ipv4Addr::new(0, 0, 0, 0), 8),
    ];
    let bits = u32::from(address);
    PRIVATE.iter().any(|(net, net_prefix)| {
        let common = prefix.min(*net_prefix);
        let mask = if common == 0 {
            0
        } else {
            u32::MAX << (32 - common)
        };
        bits & mask == u32::from(*net) & mask
    })
}

fn overlaps_private_v6(address: Ipv6Addr, prefix: u32) -> bool {
    const PRIVATE: &[(u128, u32)] = &[
        (0xfc00 << 112, 7),  // unique local
        (0xfe80 << 112, 10), // link-local
        (1, 128),            // loopback
        (0, 128),            // unspecified
    ];
    let bits = u128::from(address);
    PRIVATE.iter().any(|(net, net_prefix)| {
        let common = prefix.min(*net_prefix);
        let mask = if common == 0 {
            0
        } else {
            u128::MAX << (128 - common)
        };
        bits & mask == net & mask
    })
}

/// The keywords a scalar value is checked against by [`fits_scalar_keywords`].
const SCALAR_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "pattern",
    "enum",
    "const",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

/// Whether the scalar `value` fits the scalar keywords of `schema` (type, format, pattern,
/// enum, bounds, lengths), which need nothing else of the document: how an example written
/// inside a schema is checked before it is used as a value (train-travel's booking declares
/// `examples: ["4f4e4e1-c824-…"]` for a uuid, one digit short). Objects and arrays are not
/// judged here (`true`). Each set of keywords is compiled once on a thread.
pub fn fits_scalar_keywords(schema: &Map<String, Value>, value: &Value) -> bool {
    thread_local! {
        static BUILT: RefCell<HashMap<String, Option<Rc<jsonschema::Validator>>>> =
            RefCell::new(HashMap::new());
    }
    if value.is_object() || value.is_array() {
        return true;
    }
    let Some(keywords) = scalar_keywords(schema) else {
        return true;
    };
    let key = keywords.to_string();
    let validator = BUILT.with(|built| {
        if let Some(known) = built.borrow().get(&key) {
            return known.clone();
        }
        let made = validator_options().build(&keywords).ok().map(Rc::new);
        let mut built = built.borrow_mut();
        if built.len() >= 4096 {
            built.clear();
        }
        built.insert(key, made.clone());
        made
    });
    // Keywords that do not compile (a pattern no engine reads) judge nothing.
    validator.is_none_or(|v| v.is_valid(value))
}

/// The scalar keywords of `schema` as a schema of their own; `None` where it has none.
fn scalar_keywords(schema: &Map<String, Value>) -> Option<Value> {
    let keywords: Map<String, Value> = SCALAR_KEYWORDS
        .iter()
        .filter_map(|k| schema.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    (!keywords.is_empty()).then_some(Value::Object(keywords))
}

/// [`fits_scalar_keywords`] of one schema, compiled once and kept by its user, for a check
/// made on every request (a stored field's client values).
pub struct ScalarCheck {
    validator: Option<jsonschema::Validator>,
    /// The keywords, as a reader would want them said.
    keywords: String,
}

impl ScalarCheck {
    pub fn new(schema: &Value) -> ScalarCheck {
        let keywords = schema.as_object().and_then(scalar_keywords);
        ScalarCheck {
            validator: keywords
                .as_ref()
                .and_then(|k| validator_options().build(k).ok()),
            keywords: keywords.map(|k| k.to_string()).unwrap_or_default(),
        }
    }

    /// Whether `value` fits (objects and arrays are not judged here).
    pub fn fits(&self, value: &Value) -> bool {
        value.is_object()
            || value.is_array()
            || self.validator.as_ref().is_none_or(|v| v.is_valid(value))
    }

    /// The keywords checked, as JSON (`{"format":"email","type":"string"}`).
    pub fn keywords(&self) -> &str {
        &self.keywords
    }
}

/// The jsonschema options every validator of a contract is built with: 2020-12, formats
/// asserted, and the formats OpenAPI names that jsonschema does not know.
pub(super) fn validator_options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("byte", is_byte)
        .with_format("ip", is_public_ip_or_cidr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scalar_is_judged_by_the_keywords_that_need_nothing_else() {
        let schema = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
        let uuid = schema(serde_json::json!({"type": "string", "format": "uuid", "examples": []}));
        let seats = schema(serde_json::json!({"type": "integer", "minimum": 1}));
        let cases = [
            (
                &uuid,
                serde_json::json!("3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10"),
                true,
            ),
            (
                &uuid,
                serde_json::json!("4f4e4e1-c824-4d63-b37a-d8d698862f1d"),
                false,
            ),
            (&seats, serde_json::json!(0), false),
            (&seats, serde_json::json!(2), true),
            (&seats, serde_json::json!({"an": "object"}), true),
        ];
        for (schema, value, fits) in cases {
            assert_eq!(
                fits_scalar_keywords(schema, &value),
                fits,
                "whether {value} fits {schema:?}"
            );
        }
    }

    #[test]
    fn public_addresses_and_ranges_are_ips() {
        for ok in ["8.8.8.8", "203.0.113.0/24", "2001:db8::1", "2606:4700::/32"] {
            assert!(is_public_ip_or_cidr(ok), "{ok}");
        }
    }

    #[test]
    fn private_subnets_and_garbage_are_not() {
        for bad in [
            "10.1.2.3",
            "192.168.0.0/16",
            "172.20.0.1",
            "0.0.0.0/0",
            "127.0.0.1",
            "fd00::1",
            "fe80::/64",
            "1.2.3.4/33",
            "nope",
        ] {
            assert!(!is_public_ip_or_cidr(bad), "{bad}");
        }
    }

    #[test]
    fn base64_needs_the_standard_alphabet() {
        assert!(is_byte("aSDinaTvuI8gbWludGxpZnk="));
        assert!(is_byte(""));
        assert!(!is_byte("not base64!"));
    }
}
