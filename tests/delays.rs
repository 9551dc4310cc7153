//! Delays: `--delay` (fixed, or drawn from a range, seeded), an operation's
//! `x-understudy-delay`, a request's `Prefer: delay=MS`; the engine says how long, the HTTP
//! layer waits on a timer (see tests/stubs.rs for one slow answer among fast ones).

mod common;

use std::time::Duration;

use common::*;
use understudy::mock::{DelayRange, EngineOptions, MockRequest};

fn get(path: &str, prefer: Option<&str>) -> MockRequest {
    let headers = match prefer {
        Some(prefer) => understudy::headers::from_pairs([("prefer", prefer)]),
        None => Default::default(),
    };
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    MockRequest {
        method: "GET".into(),
        path: path.into(),
        query: query.into(),
        headers,
        ..MockRequest::default()
    }
}

#[test]
fn a_delay_range_draws_the_same_delays_for_the_same_seed_within_its_bounds() {
    let contract = fixture_contract("stubs.yaml");
    let delays = |seed: u64| -> Vec<Duration> {
        let options = EngineOptions {
            seed,
            delay: Some(DelayRange::parse("50ms..400ms").unwrap()),
            ..EngineOptions::default()
        };
        let engine = engine(&contract, options);
        (0..20)
            .map(|_| engine.handle(&get("/things/1", None)).delay.unwrap())
            .collect()
    };
    let first = delays(7);
    assert!(
        first
            .iter()
            .all(|d| *d >= Duration::from_millis(50) && *d <= Duration::from_millis(400)),
        "expected every delay within 50ms..400ms, received {first:?}"
    );
    assert_eq!(
        first,
        delays(7),
        "expected the same seed to draw the same delays"
    );
    assert_ne!(first, delays(8), "expected another seed to draw others");
    let spread = first.iter().max().unwrap().as_millis() - first.iter().min().unwrap().as_millis();
    assert!(
        spread > 100,
        "expected the draws spread over the range, received {first:?}"
    );
}

#[test]
fn the_requests_preference_beats_the_operations_extension_which_beats_the_default() {
    let contract = fixture_contract("stubs.yaml");
    let options = EngineOptions {
        delay: Some(DelayRange::parse("10ms").unwrap()),
        ..EngineOptions::default()
    };
    let engine = engine(&contract, options);
    let delay = |request: MockRequest| engine.handle(&request).delay;
    assert_eq!(
        delay(get("/things/1", None)),
        Some(Duration::from_millis(10))
    );
    assert_eq!(delay(get("/slow", None)), Some(Duration::from_millis(250)));
    assert_eq!(
        delay(get("/slow", Some("delay=30"))),
        Some(Duration::from_millis(30))
    );
    assert_eq!(
        delay(get("/slow?__delay=40", None)),
        Some(Duration::from_millis(40))
    );
    let refused = engine.handle(&get("/slow", Some("delay=soon")));
    assert_eq!(
        refused.status, 422,
        "expected an unreadable delay to be refused"
    );
}

#[test]
fn a_delayed_request_still_reads_stored_state() {
    let contract = fixture_contract("stubs.yaml");
    let engine = engine(&contract, EngineOptions::default());
    let created = engine.handle(&MockRequest {
        method: "POST".into(),
        path: "/things".into(),
        headers: understudy::headers::from_pairs([("content-type", "application/json")]),
        body: r#"{"name": "kept"}"#.into(),
        ..MockRequest::default()
    });
    assert_eq!(created.status, 201);
    let id: serde_json::Value = serde_json::from_slice(&created.body).unwrap();
    let read = engine.handle(&get(
        &format!("/things/{}", id["id"].as_str().unwrap()),
        Some("delay=20"),
    ));
    assert_eq!(read.delay, Some(Duration::from_millis(20)));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&read.body).unwrap()["name"],
        "kept",
        "expected a delay alone not to turn the answer into the contract's mock answer"
    );
}
