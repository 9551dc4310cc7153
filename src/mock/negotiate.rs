//! Content negotiation: which declared media type answers an `Accept` header.

use mediatype::{MediaType, MediaTypeList};

/// Index of the best declared media type for `accept`, or `None` when nothing is acceptable.
/// No header, or one that cannot be parsed, accepts the first declared type.
pub fn choose(declared: &[&str], accept: Option<&str>) -> Option<usize> {
    if declared.is_empty() {
        return None;
    }
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(0);
    };
    let mut ranges: Vec<(f32, usize, MediaType<'_>)> = MediaTypeList::new(accept)
        .filter_map(Result::ok)
        .enumerate()
        .map(|(order, range)| (quality(&range), order, range))
        .filter(|(q, _, _)| *q > 0.0)
        .collect();
    if ranges.is_empty() {
        return if MediaTypeList::new(accept).all(|r| r.is_err()) {
            Some(0)
        } else {
            None
        };
    }
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, range) in &ranges {
        for (index, candidate) in declared.iter().enumerate() {
            let Ok(candidate) = MediaType::parse(candidate) else {
                continue;
            };
            if matches(range, &candidate) {
                return Some(index);
            }
        }
    }
    None
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
        assert_eq!(choose(&["application/json", "text/plain"], None), Some(0));
    }

    #[test]
    fn quality_values_order_the_choice() {
        let declared = ["application/json", "application/xml"];
        assert_eq!(
            choose(&declared, Some("application/json;q=0.5, application/xml")),
            Some(1)
        );
    }

    #[test]
    fn wildcards_match_on_either_side() {
        assert_eq!(
            choose(&["application/problem+json"], Some("application/*")),
            Some(0)
        );
        assert_eq!(choose(&["*/*"], Some("text/csv")), Some(0));
    }

    #[test]
    fn nothing_acceptable_is_none() {
        assert_eq!(choose(&["application/json"], Some("text/html")), None);
    }
}
