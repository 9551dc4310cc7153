//! Hot paths, each measured apart from its setup: contract compilation (build: the bundled
//! contracts, and a 4.4 MB one from `scripts/large_spec.py`), and, on a contract compiled once
//! outside the timing, route lookup, request validation (valid and invalid body), value
//! generation, response validation, store get/put and the engine's whole answer to a stored
//! GET and to a page of a list over 100k stored objects.
//!
//! Run: `cargo bench --bench hot_paths`. CI only builds it (`cargo bench --no-run`).

use std::sync::Arc;

use divan::{Bencher, black_box};
use serde_json::{Value, json};
use understudy::contract::{CompiledApi, Contract, Operation};
use understudy::generate::generate_valid_dynamic;
use understudy::load;
use understudy::mock::{Engine, EngineOptions, MockRequest};
use understudy::state::{DEFAULT_SESSION, Session, SessionData};
use understudy::validate::{
    ObservedRequest, ObservedResponse, request_violations, response_violations,
};

fn main() {
    divan::main();
}

fn bundled() -> Arc<Contract> {
    let specs = load::load_bundled().expect("bundled specs load");
    Arc::new(Contract::compile(&specs, &[]).expect("bundled specs compile"))
}

fn operation<'a>(
    contract: &'a Contract,
    method: &str,
    path: &str,
) -> (&'a CompiledApi, &'a Operation) {
    contract
        .find_operation(method, path)
        .expect("a declared operation")
}

#[divan::bench(sample_count = 20)]
fn compile_bundled_contracts() -> Contract {
    let specs = load::load_bundled().unwrap();
    Contract::compile(&specs, &[]).unwrap()
}

/// Loading and compiling the synthetic 4.4 MB contract (320 paths, 1,200 schemas in a
/// reference cycle), written by `scripts/large_spec.py` before the timing.
#[divan::bench(sample_count = 5)]
fn compile_large_contract(bencher: Bencher) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("large.json");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/large_spec.py");
    let status = std::process::Command::new("python3")
        .arg(script)
        .arg(&path)
        .status()
        .expect("python3 runs scripts/large_spec.py");
    assert!(status.success(), "scripts/large_spec.py failed");
    bencher.bench(|| {
        let specs = load::load_paths(std::slice::from_ref(&path)).unwrap();
        Contract::compile(&specs, &[]).unwrap()
    });
}

/// An engine on the bundled contracts with 100k Kantata memberships stored.
fn engine_with_100k_memberships() -> Engine {
    let engine = Engine::new(bundled(), EngineOptions::default());
    let objects: Vec<Value> = (1..=100_000u64)
        .map(|i| json!({"key": [i.to_string()], "object": membership(i)}))
        .collect();
    let dump = json!({ "kantata:/organization_memberships/{id}": objects }).to_string();
    understudy::state::write(engine.store().as_ref(), DEFAULT_SESSION, |data| {
        data.load(&dump)
    })
    .expect("the store runs the load")
    .expect("the dump loads");
    engine
}

fn get(path_and_query: &str) -> MockRequest {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    MockRequest {
        method: "GET".into(),
        path: path.into(),
        query: query.into(),
        headers: understudy::headers::from_pairs([("authorization", "Bearer t")]),
        ..MockRequest::default()
    }
}

/// `Engine::handle` for `GET /kantata/organization_memberships/50000` with 100k stored: the
/// engine's part of the load test's stored GET, without HTTP.
#[divan::bench]
fn engine_stored_get_among_100k(bencher: Bencher) {
    let engine = engine_with_100k_memberships();
    let request = get("/kantata/organization_memberships/50000");
    assert_eq!(engine.handle(&request).status, 200);
    bencher.bench(|| engine.handle(black_box(&request)).body.len());
}

/// A page of a list over 100k stored objects: without a field filter (no object parsed) and
/// with one that reads every object.
#[divan::bench(args = ["?page=3&per_page=20", "?member_type=user&per_page=20"], sample_count = 10)]
fn engine_list_page_among_100k(bencher: Bencher, query: &str) {
    let engine = engine_with_100k_memberships();
    let request = get(&format!("/kantata/organization_memberships{query}"));
    assert_eq!(engine.handle(&request).status, 200);
    bencher.bench(|| engine.handle(black_box(&request)).body.len());
}

/// `Engine::handle` for the load test's validated POST (a Kantata membership created): the
/// engine's part of it, without HTTP.
#[divan::bench]
fn engine_validated_post(bencher: Bencher) {
    let engine = Engine::new(bundled(), EngineOptions::default());
    let request = MockRequest {
        method: "POST".into(),
        path: "/kantata/organization_memberships".into(),
        headers: understudy::headers::from_pairs([
            ("authorization", "Bearer t"),
            ("content-type", "application/json"),
        ]),
        body: post_body(true).into(),
        ..MockRequest::default()
    };
    assert_eq!(engine.handle(&request).status, 201);
    bencher.bench_local(|| engine.handle(black_box(&request)).body.len());
}

#[divan::bench]
fn route_lookup(bencher: Bencher) {
    let contract = bundled();
    bencher.bench(|| {
        contract
            .routes
            .find(black_box("/kantata/organization_memberships/42"))
            .is_some()
    });
}

fn post_body(valid: bool) -> Vec<u8> {
    let member = if valid {
        json!({"member_id": 7, "member_type": "user"})
    } else {
        json!({"member_id": "x", "member_type": "robot"})
    };
    serde_json::to_vec(&json!({ "organization_membership": member })).unwrap()
}

#[divan::bench(args = [true, false])]
fn request_validation(bencher: Bencher, valid: bool) {
    let contract = bundled();
    let (api, op) = operation(&contract, "POST", "/kantata/organization_memberships");
    let headers = understudy::headers::from_pairs([
        ("authorization", "Bearer t"),
        ("content-type", "application/json"),
    ]);
    let body = post_body(valid);
    bencher.bench(|| {
        let request = ObservedRequest {
            path_params: &[],
            query: "",
            headers: &headers,
            body: &body,
            credentials: &[],
        };
        request_violations(api, op, black_box(&request)).len()
    });
}

#[divan::bench]
fn generate_a_membership(bencher: Bencher) {
    let contract = bundled();
    let (api, op) = operation(&contract, "GET", "/kodexa/api/memberships/x");
    let id = op.responses[0].content[0].schema.unwrap();
    let mut seed = 0;
    bencher.bench_local(|| {
        seed += 1;
        generate_valid_dynamic(&api.schemas, id, seed).unwrap()
    });
}

#[divan::bench]
fn response_validation(bencher: Bencher) {
    let contract = bundled();
    let (api, op) = operation(&contract, "GET", "/kodexa/api/memberships/x");
    let id = op.responses[0].content[0].schema.unwrap();
    let body = serde_json::to_vec(&generate_valid_dynamic(&api.schemas, id, 1).unwrap()).unwrap();
    let headers = understudy::headers::from_pairs([("content-type", "application/json")]);
    bencher.bench(|| {
        let observed = ObservedResponse {
            status: 200,
            headers: &headers,
            body: &body,
        };
        response_violations(api, op, black_box(&observed)).len()
    });
}

fn membership(i: u64) -> Value {
    json!({"created_at": "2024-01-01T00:00:00Z", "department_id": (i % 50).to_string(), "member_id": i.to_string(), "member_type": "user", "primary": true})
}

#[divan::bench]
fn store_get_among_100k(bencher: Bencher) {
    let mut data = SessionData::default();
    for i in 0..100_000u64 {
        data.put("r", vec![i.to_string()], &membership(i));
    }
    let key = vec!["50000".to_string()];
    bencher.bench_local(|| data.get("r", black_box(&key)).map(|s| s.text().len()));
}

#[divan::bench]
fn store_put(bencher: Bencher) {
    let mut data = SessionData::default();
    let mut i = 0u64;
    bencher.bench_local(|| {
        i += 1;
        data.put("r", vec![i.to_string()], &membership(i));
    });
}
