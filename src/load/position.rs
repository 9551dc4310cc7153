//! JSON pointer to source line, for error messages. Only called on error paths, so the
//! document is re-parsed here with saphyr's span-carrying nodes rather than carrying spans for
//! every value on the fast path.

use saphyr::{LoadableYamlNode, MarkedYaml, YamlData};

/// The 1-based line where `pointer` (e.g. `/paths/~1pets/get`) starts in `text`, or of its
/// deepest ancestor that could be found. JSON is a subset of YAML, so this serves both.
pub fn line_of_pointer(text: &str, pointer: &str) -> Option<usize> {
    let docs = MarkedYaml::load_from_str(text).ok()?;
    let mut node = docs.first()?;
    let mut line = node.span.start.line();
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        if let Some(child) = node.data.as_mapping_get(&segment) {
            // A mapping entry is reported at its key, where a reader looks for it.
            line = key_line(node, child).unwrap_or(child.span.start.line());
            node = child;
        } else if let Some(child) = segment
            .parse::<usize>()
            .ok()
            .and_then(|i| node.data.as_sequence_get(i))
        {
            line = child.span.start.line();
            node = child;
        } else {
            break;
        }
    }
    Some(line)
}

fn key_line(mapping: &MarkedYaml<'_>, value: &MarkedYaml<'_>) -> Option<usize> {
    let YamlData::Mapping(entries) = &mapping.data else {
        return None;
    };
    entries
        .iter()
        .find(|(_, v)| v.span == value.span)
        .map(|(k, _)| k.span.start.line())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_line_of_a_nested_key() {
        let text = "openapi: 3.0.0\npaths:\n  /pets:\n    get:\n      responses: {}\n";
        assert_eq!(line_of_pointer(text, "/paths/~1pets/get"), Some(4));
    }

    #[test]
    fn falls_back_to_the_deepest_known_ancestor() {
        let text = "a:\n  b: 1\n";
        assert_eq!(line_of_pointer(text, "/a/zzz"), Some(1));
        assert_eq!(line_of_pointer(text, "/a/b"), Some(2));
    }
}
