//! Header maps as every layer holds them (`http::HeaderMap`: names case-insensitive by
//! construction), and the few conversions they need at the edges.

use std::borrow::Cow;

use ::http::{HeaderMap, HeaderName, HeaderValue};

/// The first value of `name`, as text (bytes that are not UTF-8 replaced).
pub fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<Cow<'a, str>> {
    headers
        .get(name)
        .map(|value| String::from_utf8_lossy(value.as_bytes()))
}

/// Whether a request with `query` (raw, without `?`) and `headers` carries a query parameter
/// or header `name`, equal to `value` when one is given: what tells apart operations that
/// share a route and method (see `RouteEntry::operation_for`).
pub fn carries(query: &str, headers: &HeaderMap, name: &str, value: Option<&str>) -> bool {
    let in_query = form_urlencoded::parse(query.as_bytes())
        .any(|(n, v)| n == name && value.is_none_or(|wanted| v == wanted));
    in_query
        || headers
            .get_all(name)
            .iter()
            .any(|sent| value.is_none_or(|wanted| sent.to_str().is_ok_and(|s| s.trim() == wanted)))
}

/// Sets `name` to `value`, replacing what it had. A name or value HTTP cannot carry (a
/// generated value with a line break, say) is left out rather than failing the answer.
pub fn set(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
        headers.insert(name, value);
    }
}

/// Adds a value to `name`, keeping the ones it has (as [`set`], illegal ones left out).
pub fn append(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
        headers.append(name, value);
    }
}

/// A map of `(name, value)` pairs, as recordings and tests give them (illegal ones left out).
pub fn from_pairs<N: AsRef<str>, V: AsRef<str>>(
    pairs: impl IntoIterator<Item = (N, V)>,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        append(&mut headers, name.as_ref(), value.as_ref());
    }
    headers
}

/// The map as `(name, value)` pairs, names in lower case, for reports and recordings.
pub fn to_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_in_any_case_and_illegal_values_left_out() {
        let mut headers = from_pairs([("Content-Type", "text/csv"), ("X-Bad", "a\nb")]);
        assert_eq!(text(&headers, "content-type").as_deref(), Some("text/csv"));
        assert_eq!(text(&headers, "x-bad"), None);
        append(&mut headers, "content-type", "text/plain");
        assert_eq!(headers.get_all("Content-Type").iter().count(), 2);
        set(&mut headers, "content-type", "application/json");
        assert_eq!(
            to_pairs(&headers),
            [("content-type".to_string(), "application/json".to_string())]
        );
    }
}
