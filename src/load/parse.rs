//! Text to JSON value. JSON files go through serde_json (YAML parsers reject some valid JSON
//! escapes such as surrogate pairs); everything else through a YAML parser.
//!
//! Numbers: serde_json keeps integers that fit in 64 bits exactly and reads larger ones as the
//! nearest `f64`. YAML is read the same way (see [`Yaml`]), so `maximum: 18446744073709551616`
//! loads from YAML as it does from JSON instead of failing.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::error::{LoadError, SourceLocation};

pub fn parse_document(file: &str, text: &str) -> Result<Value, LoadError> {
    let looks_like_json = file.ends_with(".json") || text.trim_start().starts_with('{');
    if looks_like_json && let Ok(value) = serde_json::from_str::<Value>(text) {
        return Ok(value);
    }
    if file.ends_with(".json") {
        // Re-run to report serde_json's own error for a file that claims to be JSON.
        return serde_json::from_str::<Value>(text).map_err(|e| LoadError::Syntax {
            location: SourceLocation {
                file: file.to_string(),
                pointer: String::new(),
                line: Some(e.line()),
            },
            message: format!("invalid JSON: {e}"),
        });
    }
    serde_yaml_ng::from_str::<Yaml>(text)
        .map(|yaml| yaml.0)
        .map_err(|e| LoadError::Syntax {
            location: SourceLocation {
                file: file.to_string(),
                pointer: String::new(),
                line: e.location().map(|l| l.line()),
            },
            message: format!("invalid YAML: {e}"),
        })
}

/// A YAML document read into a JSON value. serde_json's own `Value` refuses the 128-bit
/// integers serde_yaml_ng hands it for anything beyond 64 bits ("number out of range"); here
/// they become the nearest `f64`, which is what serde_json does with such numbers in JSON.
struct Yaml(Value);

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor).map(Yaml)
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| float(v as f64), |v| Value::Number(v.into())))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| float(v as f64), |v| Value::Number(v.into())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Yaml(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(YamlKey(key)) = access.next_key()? {
            let Yaml(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// NaN and infinities have no JSON form (`.nan`, `.inf` in YAML): they become null, as
/// serde_json's `Value::from(f64)` makes them.
fn float(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// A mapping key: JSON keys are strings, so YAML's `200:` or `true:` keys become their text.
struct YamlKey(String);

impl<'de> Deserialize<'de> for YamlKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = match deserializer.deserialize_any(YamlVisitor)? {
            Value::String(s) => s,
            Value::Null => "null".to_string(),
            other => other.to_string(),
        };
        Ok(YamlKey(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_integer_keys_become_strings() {
        let v = parse_document("a.yaml", "responses:\n  200:\n    description: ok\n").unwrap();
        assert_eq!(v["responses"]["200"]["description"], "ok");
    }

    #[test]
    fn integers_beyond_64_bits_load_from_yaml_as_they_do_from_json() {
        let yaml = "a: 18446744073709551615\nb: 18446744073709551616\nc: -9223372036854775809\nd: 123456789012345678901234567890\n";
        let from_yaml = parse_document("a.yaml", yaml).unwrap();
        let json = r#"{"a": 18446744073709551615, "b": 18446744073709551616, "c": -9223372036854775809, "d": 123456789012345678901234567890}"#;
        let from_json = parse_document("a.json", json).unwrap();
        assert_eq!(from_yaml, from_json);
        assert_eq!(from_yaml["a"].as_u64(), Some(u64::MAX));
        assert_eq!(from_yaml["b"].as_f64(), Some(18446744073709551616.0));
    }

    #[test]
    fn broken_yaml_reports_its_line() {
        let err = parse_document("a.yaml", "a: 1\nb: [1,\n").unwrap_err();
        let LoadError::Syntax { location, .. } = err else {
            panic!("expected a syntax error")
        };
        assert!(location.line.is_some());
    }
}
