//! Strings: by `format`, by `pattern` (through rand_regex), or words within length bounds.

use std::cell::RefCell;
use std::collections::HashMap;

use base64::Engine;
use chrono::{DateTime, Duration};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use regex_syntax::hir::{
    Capture, Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Repetition,
};
use serde_json::{Map, Value};

const WORDS: &[&str] = &[
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
];

/// 2024-01-01T00:00:00Z: generated timestamps fall in the year after it.
const EPOCH: i64 = 1_704_067_200;

pub fn string(map: &Map<String, Value>, rng: &mut ChaCha8Rng) -> Value {
    let min = map.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = map
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|m| m as usize);
    let format = map.get("format").and_then(Value::as_str);
    let formatted = format.and_then(|format| by_format(format, rng));
    if let Some(value) = formatted.and_then(|value| within_lengths(format, value, min, max)) {
        return Value::String(value);
    }
    if let Some(pattern) = map.get("pattern").and_then(Value::as_str)
        && let Some(value) = by_pattern(pattern, min, max, rng)
    {
        return Value::String(value);
    }
    Value::String(words(min, max, rng))
}

/// A formatted value within `minLength`/`maxLength`: as it is, or, for a date-time, written
/// with fractional seconds or a numeric offset until it fits (a document asking for 24
/// characters means `2024-05-27T17:15:45.000Z`).
fn within_lengths(
    format: Option<&str>,
    value: String,
    min: usize,
    max: Option<usize>,
) -> Option<String> {
    let fits = |s: &str| {
        let n = s.chars().count();
        n >= min && max.is_none_or(|max| n <= max)
    };
    if fits(&value) {
        return Some(value);
    }
    if format != Some("date-time") {
        return None;
    }
    let seconds = value.strip_suffix('Z')?;
    (0..=9)
        .flat_map(|digits| {
            let fraction = if digits == 0 {
                String::new()
            } else {
                format!(".{}", "0".repeat(digits))
            };
            ["Z", "+00:00"].map(|zone| format!("{seconds}{fraction}{zone}"))
        })
        .find(|candidate| fits(candidate))
}

fn by_format(format: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    Some(match format {
        "date-time" => timestamp(rng).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "date" => timestamp(rng).format("%Y-%m-%d").to_string(),
        "time" => timestamp(rng).format("%H:%M:%SZ").to_string(),
        "duration" => format!("P{}DT{}H", rng.random_range(1..30), rng.random_range(0..24)),
        "uuid" => {
            let mut bytes: [u8; 16] = rng.random();
            bytes[6] = (bytes[6] & 0x0f) | 0x40;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!(
                "{}-{}-{}-{}-{}",
                &hex[0..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..32]
            )
        }
        "email" | "idn-email" => format!("{}.{}@example.com", word(rng), rng.random_range(1..1000)),
        "uri" | "url" | "iri" => format!(
            "https://example.com/{}/{}",
            word(rng),
            rng.random_range(1..1000)
        ),
        "uri-reference" | "iri-reference" => {
            format!("/{}/{}", word(rng), rng.random_range(1..1000))
        }
        "uri-template" => format!("https://example.com/{}/{{id}}", word(rng)),
        "hostname" | "idn-hostname" => format!("{}.example.com", word(rng)),
        // TEST-NET-3 and the IPv6 documentation prefix: public (not private) and harmless.
        "ipv4" | "ip" => format!("203.0.113.{}", rng.random_range(1..255)),
        "ipv6" => format!("2001:db8::{:x}", rng.random_range(1..0xffff)),
        "byte" => {
            let bytes: [u8; 12] = rng.random();
            base64::engine::general_purpose::STANDARD.encode(bytes)
        }
        "binary" | "password" => words(8, Some(16), rng),
        "json-pointer" => format!("/{}", word(rng)),
        "regex" => "^[a-z]+$".to_string(),
        _ => return None,
    })
}

fn timestamp(rng: &mut ChaCha8Rng) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp(EPOCH, 0).unwrap_or_default()
        + Duration::seconds(rng.random_range(0..365 * 86_400))
}

fn by_pattern(
    pattern: &str,
    min: usize,
    max: Option<usize>,
    rng: &mut ChaCha8Rng,
) -> Option<String> {
    // regex-syntax knows no lookaround (`^(?!-)[a-z0-9-]+$`, common in AWS's documents): the
    // pattern without it generates candidates, and the validator keeps those that fit.
    let parse = |text: &str| regex_syntax::ParserBuilder::new().build().parse(text).ok();
    let hir = parse(pattern).or_else(|| parse(&without_lookaround(pattern)))?;
    let hir = prefer_ascii(hir);
    // Where the pattern compiles here, a candidate must match it: anchors and lookaround
    // generate nothing, so `.*(^arn:…)` gives text before the `arn:` that the anchor refuses.
    let compiled = compiled(pattern);
    let matches = |candidate: &str| {
        compiled
            .as_ref()
            .is_none_or(|regex| regex.is_match(candidate))
    };
    let fits = |candidate: &str| {
        let length = candidate.chars().count();
        length >= min && max.is_none_or(|m| length <= m) && matches(candidate)
    };
    let max_repeat = max.map(|m| m.clamp(1, 16) as u32).unwrap_or(8);
    let regex = rand_regex::Regex::with_hir(hir.clone(), max_repeat).ok()?;
    for _ in 0..16 {
        let candidate: String = rng.sample(&regex);
        if fits(&candidate) {
            return Some(candidate);
        }
    }
    // Random repetition counts rarely land on a length the schema fixes (`[a-f0-9-]+` of 36
    // characters) or on nothing where an anchor follows: every repetition at its least,
    // then each open-ended one stretched to the least length, a little less, and so on.
    let least = repeated(&hir, &|low, _| (low, Some(low)));
    let stretched = (min.saturating_sub(8)..=min).rev().map(|length| {
        let length = u32::try_from(length).unwrap_or(u32::MAX);
        repeated(&hir, &|low, high| match high {
            Some(high) => (low, Some(high)),
            None => (low.max(length), Some(low.max(length))),
        })
    });
    std::iter::once(least)
        .chain(stretched)
        .filter_map(|hir| rand_regex::Regex::with_hir(hir, max_repeat).ok())
        .map(|regex| rng.sample::<String, _>(&regex))
        .find(|candidate| fits(candidate))
}

/// `pattern` compiled by the regex crate (`None` where it cannot be: lookaround), once per
/// thread: strings are generated on the request path.
fn compiled(pattern: &str) -> Option<regex::Regex> {
    thread_local! {
        static COMPILED: RefCell<HashMap<String, Option<regex::Regex>>> =
            RefCell::new(HashMap::new());
    }
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(known) = cache.get(pattern) {
            return known.clone();
        }
        // A bound on what a thread keeps: documents with thousands of patterns start over.
        if cache.len() >= 4096 {
            cache.clear();
        }
        let regex = regex::Regex::new(pattern).ok();
        cache.insert(pattern.to_string(), regex.clone());
        regex
    })
}

/// `hir` with the bounds of every repetition replaced by `bounds(min, max)`.
fn repeated(hir: &Hir, bounds: &dyn Fn(u32, Option<u32>) -> (u32, Option<u32>)) -> Hir {
    match hir.kind() {
        HirKind::Repetition(repetition) => {
            let (min, max) = bounds(repetition.min, repetition.max);
            Hir::repetition(Repetition {
                min,
                max,
                greedy: repetition.greedy,
                sub: Box::new(repeated(&repetition.sub, bounds)),
            })
        }
        HirKind::Capture(capture) => Hir::capture(Capture {
            index: capture.index,
            name: capture.name.clone(),
            sub: Box::new(repeated(&capture.sub, bounds)),
        }),
        HirKind::Concat(parts) => Hir::concat(parts.iter().map(|p| repeated(p, bounds)).collect()),
        HirKind::Alternation(parts) => {
            Hir::alternation(parts.iter().map(|p| repeated(p, bounds)).collect())
        }
        _ => hir.clone(),
    }
}

/// `pattern` with its lookahead and lookbehind groups (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`)
/// left out, escapes and character classes respected.
fn without_lookaround(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
        let opens_lookaround = ["(?=", "(?!", "(?<=", "(?<!"]
            .iter()
            .any(|opening| rest.starts_with(opening));
        if chars[i] == '\\' {
            out.extend(chars.get(i..i + 2).into_iter().flatten());
            i += 2;
        } else if chars[i] == '[' {
            // A class ends at the first `]` that is not escaped and not its first member.
            let start = i;
            i += 1;
            if chars.get(i) == Some(&'^') {
                i += 1;
            }
            if chars.get(i) == Some(&']') {
                i += 1;
            }
            while i < chars.len() && chars[i] != ']' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
            out.extend(&chars[start..i]);
        } else if opens_lookaround {
            // Skip to the matching `)`.
            let mut depth = 0;
            while i < chars.len() {
                match chars[i] {
                    '\\' => i += 1,
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Narrows every character class to letters and digits, else printable ASCII, where that
/// leaves something, so that `[^\s-]{8,}` gives readable, URL-safe identifiers rather than
/// arbitrary Unicode.
fn prefer_ascii(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Class(Class::Unicode(class)) => {
            // Letters and digits first (identifiers stay URL-safe), then printable ASCII.
            let alphanumeric = ClassUnicode::new([
                ClassUnicodeRange::new('0', '9'),
                ClassUnicodeRange::new('A', 'Z'),
                ClassUnicodeRange::new('a', 'z'),
            ]);
            let printable = ClassUnicode::new([ClassUnicodeRange::new('!', '~')]);
            let narrowed = [alphanumeric, printable]
                .into_iter()
                .map(|allowed| {
                    let mut narrowed = class.clone();
                    narrowed.intersect(&allowed);
                    narrowed
                })
                .find(|narrowed| !narrowed.ranges().is_empty())
                .unwrap_or(class);
            Hir::class(Class::Unicode(narrowed))
        }
        HirKind::Repetition(mut repetition) => {
            repetition.sub = Box::new(prefer_ascii(*repetition.sub));
            Hir::repetition(repetition)
        }
        HirKind::Capture(mut capture) => {
            capture.sub = Box::new(prefer_ascii(*capture.sub));
            Hir::capture(capture)
        }
        HirKind::Concat(parts) => Hir::concat(parts.into_iter().map(prefer_ascii).collect()),
        HirKind::Alternation(parts) => {
            Hir::alternation(parts.into_iter().map(prefer_ascii).collect())
        }
        // rand_regex refuses look-around assertions; anchors generate nothing anyway (other
        // assertions such as `\b` may then miss, and the validity check retries).
        HirKind::Look(_) => Hir::empty(),
        HirKind::Literal(literal) => Hir::literal(literal.0),
        HirKind::Class(class) => Hir::class(class),
        HirKind::Empty => Hir::empty(),
    }
}

fn word(rng: &mut ChaCha8Rng) -> &'static str {
    WORDS[rng.random_range(0..WORDS.len())]
}

/// Words joined by spaces, cut or padded to fit `[min, max]`.
fn words(min: usize, max: Option<usize>, rng: &mut ChaCha8Rng) -> String {
    let target = rng
        .random_range(min.max(5)..=min.max(5) + 10)
        .min(max.unwrap_or(usize::MAX));
    let mut text = String::new();
    while text.len() < target.max(min) {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word(rng));
    }
    if let Some(max) = max {
        text.truncate(max);
    }
    let trimmed = text.trim_end().to_string();
    if trimmed.len() >= min {
        trimmed
    } else {
        format!("{trimmed:x<min$}")
    }
}
