//! Text to JSON value. JSON files go through serde_json (YAML parsers reject some valid JSON
//! escapes such as surrogate pairs); everything else through a YAML parser.

use serde_json::Value;

use super::{LoadError, SourceLocation};

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
    serde_yaml_ng::from_str::<Value>(text).map_err(|e| LoadError::Syntax {
        location: SourceLocation {
            file: file.to_string(),
            pointer: String::new(),
            line: e.location().map(|l| l.line()),
        },
        message: format!("invalid YAML: {e}"),
    })
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
    fn broken_yaml_reports_its_line() {
        let err = parse_document("a.yaml", "a: 1\nb: [1,\n").unwrap_err();
        let LoadError::Syntax { location, .. } = err else {
            panic!("expected a syntax error")
        };
        assert!(location.line.is_some());
    }
}
