//! `serve --replay FILE`: a recording (HAR or JSON lines, as `proxy --record` writes) answered
//! again, WireMock's playback checked against the contract: each exchange becomes a stub that
//! matches its method, path, query and JSON body and answers the recorded status, headers
//! and body as they were. An answer that breaks the contract is reported and left out
//! (`--lenient` replays it, flagged on every answer); requests that match no recording fall
//! through to the contract. A request recorded several times gets its answers in the order
//! recorded, the last one from then on.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;

use super::error::CommandError;
use crate::contract::Contract;
use crate::mock::{BodyMatch, Match, StubResponse, StubSpec, Stubs};
use crate::recording::{self, Exchange};

/// Replayed stubs answer after the ones a test registers (priority 5).
const PRIORITY: i32 = 10;

/// Headers a replayed answer does not repeat: they described the recorded connection, not
/// the answer.
const NOT_REPLAYED: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "date",
    "content-encoding",
];

/// What replaying a recording came to: exchanges replayed, and those left out, with why.
pub struct Replayed {
    pub replayed: usize,
    pub left_out: Vec<String>,
}

/// Registers the exchanges of `path` as stubs.
pub fn register(
    stubs: &Stubs,
    contract: &Contract,
    path: &Path,
    lenient: bool,
) -> Result<Replayed, CommandError> {
    let exchanges: Vec<Exchange> = recording::read(path)?.collect::<Result<_, _>>()?;
    let specs: Vec<(String, StubSpec)> = exchanges
        .iter()
        .enumerate()
        .map(|(n, exchange)| (exchange.source.clone(), stub_of(n, exchange, lenient)))
        .collect();
    // Of requests recorded more than once, each answer but the last is given once, in order.
    let mut last: HashMap<String, usize> = HashMap::new();
    for (n, (_, spec)) in specs.iter().enumerate() {
        last.insert(request_key(spec), n);
    }
    let mut outcome = Replayed {
        replayed: 0,
        left_out: Vec::new(),
    };
    // Newest first among equal priorities: registered last to first, the first recorded
    // answers first.
    for (n, (source, mut spec)) in specs.into_iter().enumerate().rev() {
        if last.get(&request_key(&spec)) != Some(&n) {
            spec.times = Some(1);
        }
        match stubs.register(contract, spec) {
            Ok(_) => outcome.replayed += 1,
            Err(refused) => {
                let reasons: Vec<String> = refused
                    .violations
                    .iter()
                    .map(|v| format!("{}: {}", v.location.join("."), v.message))
                    .collect();
                let mut line = format!("{source}: not replayed: {}", refused.message);
                if !reasons.is_empty() {
                    line.push_str(&format!(" ({})", reasons.join("; ")));
                }
                outcome.left_out.push(line);
            }
        }
    }
    outcome.left_out.reverse();
    Ok(outcome)
}

fn request_key(spec: &StubSpec) -> String {
    format!(
        "{:?} {:?} {}",
        spec.method,
        spec.path,
        serde_json::to_string(&spec.matcher).unwrap_or_default()
    )
}

fn stub_of(n: usize, exchange: &Exchange, lenient: bool) -> StubSpec {
    let (path, query) = exchange.path_and_query();
    let query: BTreeMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let body = serde_json::from_slice::<Value>(&exchange.request_body)
        .ok()
        .map(|body| BodyMatch {
            // The pointer "" is the whole body.
            pointers: BTreeMap::from([(String::new(), body)]),
            ..BodyMatch::default()
        });
    let headers: BTreeMap<String, String> = crate::headers::to_pairs(&exchange.response_headers)
        .into_iter()
        .filter(|(name, _)| !NOT_REPLAYED.contains(&name.to_ascii_lowercase().as_str()))
        .collect();
    let response_body = if exchange.response_body.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice::<Value>(&exchange.response_body).unwrap_or_else(|_| {
                Value::String(String::from_utf8_lossy(&exchange.response_body).into_owned())
            }),
        )
    };
    StubSpec {
        id: Some(format!("replay-{}", n + 1)),
        operation: None,
        method: Some(exchange.method.clone()),
        path: Some(path),
        matcher: Match {
            query,
            body,
            ..Match::default()
        },
        response: StubResponse {
            status: exchange.status,
            headers,
            body: response_body,
            example: None,
            delay: None,
            fault: None,
        },
        times: None,
        session: None,
        priority: PRIORITY,
        lenient,
        template: false,
    }
}
