//! Java's POSIX character classes in `pattern`s (`\p{XDigit}`, `\p{Alnum}`…), written as the
//! ASCII ranges Java means by them. Documents generated from Java code carry them (AWS's
//! OpenSearch writes its GUIDs `\p{XDigit}{8}-…`, 25 documents of the corpus), ECMA-262 and
//! Rust's regex know none of them: the schema did not compile, so it accepted everything,
//! answers included. No crate translates Java's regex dialect, and the table is small.

/// Java's US-ASCII POSIX classes, as what goes between `[` and `]`.
const CLASSES: &[(&str, &str)] = &[
    ("Lower", "a-z"),
    ("Upper", "A-Z"),
    ("ASCII", r"\x00-\x7F"),
    ("Alpha", "a-zA-Z"),
    ("Digit", "0-9"),
    ("Alnum", "a-zA-Z0-9"),
    ("Punct", r"!-/:-@\[-`{-~"),
    ("Graph", "!-~"),
    ("Print", r"\x20-~"),
    ("Blank", r"\x20\t"),
    ("Cntrl", r"\x00-\x1F\x7F"),
    ("XDigit", "0-9a-fA-F"),
    ("Space", r"\x20\t\n\x0B\x0C\r"),
];

/// `pattern` with Java's POSIX classes written as ranges; `None` when it has none. A negated
/// class inside brackets (`[^\P{Alpha}]`) has no range form and is left as it is.
pub fn translated(pattern: &str) -> Option<String> {
    if !pattern.contains(r"\p{") && !pattern.contains(r"\P{") {
        return None;
    }
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut changed = false;
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix('\\') {
            if let Some((negated, ranges, tail)) = java_class(after)
                && !(negated && in_class)
            {
                match (negated, in_class) {
                    (false, true) => out.push_str(ranges),
                    (false, false) => out.extend(["[", ranges, "]"]),
                    _ => out.extend(["[^", ranges, "]"]),
                }
                changed = true;
                rest = tail;
                continue;
            }
            // Any other escape, copied whole (`\[` opens no class).
            let escaped = 1 + after.chars().next().map_or(0, char::len_utf8);
            out.push_str(&rest[..escaped]);
            rest = &rest[escaped..];
            continue;
        }
        match c {
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    changed.then_some(out)
}

/// `p{Name}…` or `P{Name}…` (after a backslash) naming one of [`CLASSES`]: whether it is
/// negated, its ranges, and the text after it.
fn java_class(after: &str) -> Option<(bool, &'static str, &str)> {
    let (negated, braced) = match after.strip_prefix("p{") {
        Some(braced) => (false, braced),
        None => (true, after.strip_prefix("P{")?),
    };
    let (name, tail) = braced.split_once('}')?;
    let ranges = CLASSES.iter().find(|(known, _)| *known == name)?.1;
    Some((negated, ranges, tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_classes_become_ascii_ranges_outside_and_inside_brackets() {
        let guid = r"\p{XDigit}{8}-\p{XDigit}{4}";
        assert_eq!(
            translated(guid).as_deref(),
            Some("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}")
        );
        assert_eq!(
            translated(r"^[\p{Alnum}_.-]+$").as_deref(),
            Some("^[a-zA-Z0-9_.-]+$")
        );
        assert_eq!(translated(r"\P{Digit}+").as_deref(), Some("[^0-9]+"));
    }

    #[test]
    fn unicode_properties_and_other_escapes_are_left_alone() {
        assert_eq!(translated(r"^[\p{L}\p{N}]+$"), None);
        assert_eq!(translated(r"^\d+\.\p{Lu}$"), None);
        assert_eq!(
            translated(r"^\[\p{Digit}\]$").as_deref(),
            Some(r"^\[[0-9]\]$")
        );
        assert_eq!(translated(r"[^\P{Alpha}]"), None);
    }
}
