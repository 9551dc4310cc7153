//! Media types, all in one place and parsed by the `mediatype` crate: a type's essence,
//! whether it is JSON, whether a received type falls under a declared range, the type to send
//! for a declared range, and `Accept` negotiation.

use mediatype::{MediaType, MediaTypeList};
use std::borrow::Cow;

/// A media type without its parameters, lower-cased (`Application/JSON; charset=utf-8` →
/// `application/json`); text that is no media type is lower-cased up to its first `;`.
pub fn essence(media_type: &str) -> Cow<'_, str> {
    // Asked several times a request of types the document and the client write plainly:
    // one already its own essence (lower case, `type/subtype` of the characters RFC 6838
    // allows in names) is not handed to the parser, nor copied.
    if is_plain_essence(media_type) {
        return Cow::Borrowed(media_type);
    }
    Cow::Owned(match MediaType::parse(media_type.trim()) {
        Ok(parsed) => parsed.essence().to_string().to_ascii_lowercase(),
        Err(_) => media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    })
}

/// Whether `text` is a lower-case `type/subtype` without parameters or spaces.
fn is_plain_essence(text: &str) -> bool {
    let name = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$&-^_.+".contains(&b))
    };
    text.split_once('/')
        .is_some_and(|(kind, subtype)| name(kind) && name(subtype))
}

/// Whether text is a media type (`type/subtype` with optional parameters); documents name
/// content `Promotion` or `gzip`, which no client can read an answer labelled with.
pub fn is_media_type(text: &str) -> bool {
    MediaType::parse(text.trim()).is_ok()
}

/// Whether an essence is JSON: `application/json`, any `+json` suffix, and `text/json`
/// (which ASP.NET documents declare beside `application/json`).
/// Whether the declared media type `media_type` is JSON (`application/json`, any `+json`).
pub fn is_json(media_type: &str) -> bool {
    is_json_essence(&essence(media_type))
}

pub fn is_json_essence(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json") || essence == "text/json"
}

/// Whether an essence is YAML: `application/yaml`, `text/yaml`, their `x-` and `vnd.` forms,
/// and any `+yaml` suffix.
pub fn is_yaml_essence(essence: &str) -> bool {
    matches!(
        essence,
        "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" | "text/vnd.yaml"
    ) || essence.ends_with("+yaml")
}

/// Whether an essence is XML: `application/xml`, `text/xml` or any `+xml` suffix.
pub fn is_xml_essence(essence: &str) -> bool {
    essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml")
}

/// Whether a declared media type is answered with JSON: JSON ones, and the wildcards, which
/// [`concrete`] makes `application/json`.
pub fn answered_as_json(declared: &str) -> bool {
    let essence = essence(declared);
    is_json_essence(&essence) || essence == "*/*" || essence == "application/*"
}

/// The `Content-Type` to send for a declared media type: wildcards made concrete.
pub fn concrete(declared: &str) -> String {
    match declared {
        "*/*" | "application/*" => "application/json".to_string(),
        "text/*" => "text/plain".to_string(),
        other => other.to_string(),
    }
}

/// Whether a received essence falls under a declared media type or range (`*/*`, `text/*`).
fn falls_under(declared: &str, received: &str) -> bool {
    let declared = essence(declared);
    if declared == received || declared == "*/*" {
        return true;
    }
    match declared.strip_suffix("/*") {
        Some(kind) => received.split('/').next() == Some(kind),
        None => false,
    }
}

/// Index of the declared media type a received essence is read as: the same type first,
/// then a range it falls under (`text/*`), then `*/*`; a document may declare
/// `application/vnd.x+json` beside `*/*` with other schemas.
pub fn declared_for(declared: &[&str], received: &str) -> Option<usize> {
    let exact = declared.iter().position(|d| essence(d) == received);
    exact
        .or_else(|| {
            declared
                .iter()
                .position(|d| essence(d) != "*/*" && falls_under(d, received))
        })
        .or_else(|| declared.iter().position(|d| falls_under(d, received)))
}

/// Index of the best declared media type for `accept`, or `None` when nothing is acceptable.
/// Where the client leaves a choice (no header, one that cannot be parsed, a range matching
/// several), a JSON type goes first, then a range answered as JSON (`*/*`), then the first
/// declared: a mock writes JSON from the schema, while XML or another representation can only
/// be the generated value as text. A named JSON type goes before a range, as the range is
/// sent as `application/json`, which the named type's schema then governs (Jira declares
/// `*/*` first, with an example string, and `application/json` with its error schema).
pub fn negotiate(declared: &[&str], accept: Option<&str>) -> Option<usize> {
    if declared.is_empty() {
        return None;
    }
    let first_json_or_first =
        || Some(json_first(declared.iter().copied().enumerate()).unwrap_or(0));
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return first_json_or_first();
    };
    let mut ranges: Vec<(f32, usize, MediaType<'_>)> = MediaTypeList::new(accept)
        .filter_map(Result::ok)
        .enumerate()
        .map(|(order, range)| (quality(&range), order, range))
        .filter(|(q, _, _)| *q > 0.0)
        .collect();
    if ranges.is_empty() {
        return if MediaTypeList::new(accept).all(|r| r.is_err()) {
            first_json_or_first()
        } else {
            None
        };
    }
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, range) in &ranges {
        // Iterators, walked again rather than collected: this runs on every answer.
        let matching = || {
            declared
                .iter()
                .enumerate()
                .filter(|(_, candidate)| {
                    MediaType::parse(candidate).is_ok_and(|candidate| matches(range, &candidate))
                })
                .map(|(index, candidate)| (index, *candidate))
        };
        // A declared range is sent as its concrete type (`*/*` as `application/json`): where
        // that is not what the client accepts (`image/png`), a declared type that is goes first.
        let sendable = || {
            matching().filter(|(_, candidate)| {
                MediaType::parse(&concrete(candidate)).is_ok_and(|sent| matches(range, &sent))
            })
        };
        if let Some((first, _)) = sendable().next() {
            return Some(json_first(sendable()).unwrap_or(first));
        }
        if let Some((first, _)) = matching().next() {
            return Some(json_first(matching()).unwrap_or(first));
        }
    }
    None
}

/// The index of the first named JSON type among `candidates`, else of the first range
/// answered as JSON (`*/*`, `application/*`).
pub fn json_first<'d>(candidates: impl Iterator<Item = (usize, &'d str)> + Clone) -> Option<usize> {
    let named = candidates
        .clone()
        .find(|(_, d)| is_json_essence(&essence(d)))
        .map(|(i, _)| i);
    named.or_else(|| {
        candidates
            .filter(|(_, d)| answered_as_json(d))
            .map(|(i, _)| i)
            .next()
    })
}

fn quality(range: &MediaType<'_>) -> f32 {
    range
        .params
        .iter()
        .find(|(name, _)| name.as_str().eq_ignore_ascii_case("q"))
        .and_then(|(_, value)| value.as_str().parse::<f32>().ok())
        .unwrap_or(1.0)
}

/// Wildcards may be on either side (`Accept: application/*`, or a spec's `application/*`).
fn matches(range: &MediaType<'_>, candidate: &MediaType<'_>) -> bool {
    let part = |a: &str, b: &str| a == "*" || b == "*" || a.eq_ignore_ascii_case(b);
    let suffixed = |m: &MediaType<'_>| match &m.suffix {
        Some(suffix) => format!("{}+{}", m.subty.as_str(), suffix.as_str()),
        None => m.subty.as_str().to_string(),
    };
    part(range.ty.as_str(), candidate.ty.as_str()) && part(&suffixed(range), &suffixed(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_accept_header_takes_the_first_declared_type() {
        assert_eq!(
            negotiate(&["application/json", "text/plain"], None),
            Some(0)
        );
    }

    #[test]
    fn a_choice_left_to_the_server_takes_json_first() {
        let declared = ["application/xml", "application/json"];
        assert_eq!(negotiate(&declared, None), Some(1));
        assert_eq!(negotiate(&declared, Some("*/*")), Some(1));
        assert_eq!(negotiate(&declared, Some("application/xml")), Some(0));
        assert_eq!(negotiate(&["text/csv", "text/plain"], None), Some(0));
    }

    #[test]
    fn a_named_json_type_goes_before_a_range_sent_as_json() {
        // Jira: `*/*` with an example string first, `application/json` with a schema next.
        let declared = ["*/*", "application/json", "image/png"];
        assert_eq!(negotiate(&declared, None), Some(1));
        assert_eq!(negotiate(&declared, Some("*/*")), Some(1));
        assert_eq!(negotiate(&declared, Some("image/png")), Some(2));
        assert_eq!(negotiate(&["*/*", "image/png"], None), Some(0));
    }

    #[test]
    fn quality_values_order_the_choice() {
        let declared = ["application/json", "application/xml"];
        assert_eq!(
            negotiate(&declared, Some("application/json;q=0.5, application/xml")),
            Some(1)
        );
    }

    #[test]
    fn wildcards_match_on_either_side() {
        assert_eq!(
            negotiate(&["application/problem+json"], Some("application/*")),
            Some(0)
        );
        assert_eq!(negotiate(&["*/*"], Some("text/csv")), Some(0));
    }

    #[test]
    fn nothing_acceptable_is_none() {
        assert_eq!(negotiate(&["application/json"], Some("text/html")), None);
    }

    #[test]
    fn an_essence_drops_parameters_and_case() {
        assert_eq!(
            essence("Application/JSON; charset=utf-8"),
            "application/json"
        );
        assert_eq!(
            essence("application/vnd.api+json"),
            "application/vnd.api+json"
        );
        assert_eq!(essence("not a type; x"), "not a type");
    }

    #[test]
    fn a_plain_essence_is_what_the_parser_would_make_of_it() {
        for plain in [
            "application/json",
            "application/vnd.api+json",
            "application/x-www-form-urlencoded",
            "image/svg+xml",
            "application/vnd.ms-excel.sheet.macroenabled.12",
        ] {
            assert!(
                is_plain_essence(plain),
                "expected {plain:?} to be taken as it is"
            );
            let parsed = MediaType::parse(plain).unwrap().essence().to_string();
            assert_eq!(essence(plain), parsed, "essence of {plain:?}");
        }
        for other in [
            "*/*",
            "Application/json",
            "application/json; q=1",
            "gzip",
            "a/",
        ] {
            assert!(
                !is_plain_essence(other),
                "expected {other:?} to go to the parser"
            );
        }
    }

    #[test]
    fn json_is_application_json_and_every_json_suffix() {
        assert!(is_json_essence("application/scim+json"));
        assert!(!is_json_essence("application/xml"));
        assert!(answered_as_json("*/*"));
        assert!(!is_json_essence("*/*"));
    }

    #[test]
    fn a_received_type_is_read_as_the_most_specific_declared_type() {
        let declared = ["*/*", "text/*", "application/vnd.x+json"];
        assert_eq!(declared_for(&declared, "application/vnd.x+json"), Some(2));
        assert_eq!(declared_for(&declared, "text/csv"), Some(1));
        assert_eq!(declared_for(&declared, "image/png"), Some(0));
        assert_eq!(declared_for(&["application/json"], "text/plain"), None);
        assert!(is_json_essence("text/json"));
        assert!(is_xml_essence("text/xml") && is_xml_essence("application/atom+xml"));
        assert!(!is_xml_essence("text/plain"));
    }

    #[test]
    fn a_received_type_falls_under_its_declared_range() {
        assert!(falls_under("text/*", "text/csv"));
        assert!(falls_under("*/*", "image/png"));
        assert!(falls_under(
            "application/json; charset=utf-8",
            "application/json"
        ));
        assert!(!falls_under("application/json", "application/xml"));
    }
}
