//! `pattern`s written in other regular expression dialects than JSON Schema's (ECMA-262),
//! as ECMA-262 writes them; and those no translation makes readable, told apart so that the
//! rest of their schema is still checked.
//!
//! - Java's POSIX character classes (`\p{XDigit}`, `\p{Alnum}`…) become the ASCII ranges Java
//!   means by them. Documents generated from Java code carry them (AWS's OpenSearch writes its
//!   GUIDs `\p{XDigit}{8}-…`, 25 documents of the corpus).
//! - Python's, Ruby's and PCRE's anchors `\A`, `\Z` and `\z` become `^` and `$` (linode's
//!   domains, `\A(\*\.)?(…)\Z`).
//!
//! Neither ECMA-262 nor Rust's regex reads them, so the schema holding one did not compile and
//! accepted everything, answers included. No crate translates these dialects, and the table
//! is small; whether a pattern is readable is jsonschema's own word.

use std::cell::RefCell;
use std::collections::HashMap;

/// A `pattern` as JSON Schema reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ecma {
    /// It is ECMA-262 as written.
    AsWritten,
    /// It is once translated (see the module's head).
    Translated(String),
    /// It is not, nor once translated: it cannot be checked.
    Unreadable,
}

/// What is wrong with a `pattern` a document declares, as the compiler reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PatternTrouble {
    /// JSON Schema cannot read it, nor once translated: values are not checked against it.
    Unreadable,
    /// It is a JavaScript regular expression literal (PeerTube's `/^[a-z0-9._]+$/`): read as
    /// JSON Schema reads it, its slashes are characters around an anchor, so that no value
    /// matches it. It holds the expression inside the slashes, likely what was meant.
    Literal(String),
}

/// The expression inside `pattern` where it is written as a JavaScript literal, slashes and
/// flags around it, whose anchors make it match nothing as written (`/^…$/`); `None` for any
/// other pattern (`/api/v1/` means what it says).
pub fn literal_inside(pattern: &str) -> Option<&str> {
    let body = pattern.strip_prefix('/')?;
    let end = body.rfind('/')?;
    let (inside, flags) = (&body[..end], &body[end + 1..]);
    let anchored = inside.starts_with('^') || (inside.ends_with('$') && !inside.ends_with("\\$"));
    // An alternation (`/^a|b/`) may match through a branch without the anchor.
    let matches_nothing = anchored && !inside.contains('|');
    (flags.chars().all(|f| "dgimsuvy".contains(f)) && matches_nothing).then_some(inside)
}

/// `pattern` as JSON Schema reads it (see [`Ecma`]). Asked of jsonschema itself, which
/// reads a pattern its own way (ECMA-262 syntax, then a Rust regex, where `[\p{all}]` names
/// no Unicode property; `^.{1,2097152}` as a length, where a regex would be too large), once
/// per distinct pattern on a thread: AWS documents repeat a few patterns hundreds of times.
pub fn for_ecma(pattern: &str) -> Ecma {
    thread_local! {
        static READ: RefCell<HashMap<String, Ecma>> = RefCell::new(HashMap::new());
    }
    READ.with(|read| {
        if let Some(known) = read.borrow().get(pattern) {
            return known.clone();
        }
        let ecma = if readable(pattern) {
            Ecma::AsWritten
        } else {
            match translated(pattern) {
                Some(translated) if readable(&translated) => Ecma::Translated(translated),
                _ => Ecma::Unreadable,
            }
        };
        let mut read = read.borrow_mut();
        if read.len() >= 4096 {
            read.clear();
        }
        read.insert(pattern.to_string(), ecma.clone());
        ecma
    })
}

/// Whether a schema of only `pattern` compiles with the options every validator of a
/// contract is built with.
fn readable(pattern: &str) -> bool {
    super::formats::validator_options()
        .build(&serde_json::json!({ "pattern": pattern }))
        .is_ok()
}

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

/// `pattern` with Java's POSIX classes written as ranges and foreign anchors as `^` and `$`;
/// `None` when it has neither. A negated class inside brackets (`[^\P{Alpha}]`) has no range
/// form and is left as it is.
fn translated(pattern: &str) -> Option<String> {
    if !pattern.contains('\\') {
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
            let anchor = match after.chars().next() {
                Some('A') => Some('^'),
                Some('Z' | 'z') => Some('$'),
                _ => None,
            };
            if let Some(anchor) = anchor
                && !in_class
            {
                out.push(anchor);
                changed = true;
                rest = &after[1..];
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
    fn javascript_literals_that_match_nothing_are_told_from_patterns_with_slashes() {
        assert_eq!(literal_inside("/^[a-z0-9._]+$/"), Some("^[a-z0-9._]+$"));
        assert_eq!(literal_inside("/^[A-Z]+/gi"), Some("^[A-Z]+"));
        assert_eq!(literal_inside("/[0-9]+$/"), Some("[0-9]+$"));
        for meant in [
            "/api/v1/",
            "^/users/$",
            "/^a|b/",
            "/^x/z",
            "/price\\$/",
            "/",
        ] {
            assert_eq!(literal_inside(meant), None, "{meant}");
        }
    }

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
    fn foreign_anchors_become_ecma_anchors_outside_brackets() {
        assert_eq!(
            translated(r"\A(\*\.)?[a-z]+\Z").as_deref(),
            Some(r"^(\*\.)?[a-z]+$")
        );
        assert_eq!(
            translated(r"\Asnap-[0-9a-f]{8}\z").as_deref(),
            Some("^snap-[0-9a-f]{8}$")
        );
        assert_eq!(
            translated(r"^\\A$"),
            None,
            "an escaped backslash before A is no anchor"
        );
    }

    #[test]
    fn patterns_are_read_as_written_translated_or_not_at_all() {
        assert_eq!(for_ecma("^[a-z]+$"), Ecma::AsWritten);
        assert_eq!(for_ecma(r"\A[a-z]+\Z"), Ecma::Translated("^[a-z]+$".into()));
        for unreadable in [r"[a-zA-Z]{1-70", r"^(?<!x)\Z(", r"[\p{all}]*"] {
            assert_eq!(for_ecma(unreadable), Ecma::Unreadable, "{unreadable}");
        }
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
