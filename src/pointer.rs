//! JSON pointer helpers (RFC 6901) shared by loading and compiling, and the percent-encoding
//! sets that paths and pointers are written into URLs with.

/// One pointer segment, escaped.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Appends `/key`, escaped, to `pointer`: walks over whole documents build their pointers in
/// one buffer instead of a string per node.
pub fn push_segment(pointer: &mut String, key: &str) {
    pointer.push('/');
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// The segments of `pointer`, unescaped (`/a~1b/c` → `a/b`, `c`).
pub fn segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
}

/// The pointer in a `$ref` fragment (`#/a/b%7Bc%7D` → `/a/b{c}`), percent-decoded.
pub fn decode_fragment(fragment: &str) -> String {
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned()
}

/// What a URL's path percent-encodes (WHATWG URL's path percent-encode set, as browsers and
/// `fetch` do, `?` and `#` aside): controls, space, `"`, `<`, `>`, `` ` `` and braces; every
/// character beyond ASCII is encoded as UTF-8 besides.
pub const URL_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// What one path segment percent-encodes when a value is written into it: all but RFC
/// 3986's unreserved characters (so a `/` in an id stays inside its segment).
pub const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A pointer made safe for a URI fragment: `{` and `}` (path templates) are not valid there.
pub fn encode_fragment(pointer: &str) -> String {
    const FRAGMENT: &percent_encoding::AsciiSet =
        &URL_PATH.add(b'|').add(b'\\').add(b'^').add(b'%').add(b'#');
    percent_encoding::utf8_percent_encode(pointer, FRAGMENT).to_string()
}

/// The local JSON pointer a `$ref` designates, if it is a local pointer reference.
pub fn local_target(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    (fragment.is_empty() || fragment.starts_with('/')).then(|| decode_fragment(fragment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_templates_survive_a_round_trip_through_a_fragment() {
        let pointer = "/paths/~1items~1{id}/get";
        assert_eq!(decode_fragment(&encode_fragment(pointer)), pointer);
        assert!(!encode_fragment(pointer).contains('{'));
    }

    #[test]
    fn pushed_segments_are_escaped_as_escape_does() {
        let mut pointer = String::from("/paths");
        push_segment(&mut pointer, "/a~b");
        assert_eq!(pointer, format!("/paths/{}", escape("/a~b")));
    }

    #[test]
    fn only_local_pointers_are_local_targets() {
        assert_eq!(local_target("#/a/b").as_deref(), Some("/a/b"));
        assert_eq!(local_target("#anchor"), None);
        assert_eq!(local_target("other.yaml#/a"), None);
    }
}
