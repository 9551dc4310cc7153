//! `understudy serve`: the mock server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use super::error::CommandError;
use super::loading::load_contract;
use super::replay;
use super::stub_files;
use super::watch;
use crate::cli::{JournalPlace, ServeArgs, StoreUrl};
use crate::http::{self, HttpOptions};
use crate::mock::{Engine, EngineOptions};
use crate::state::{MemoryStore, RedisOptions, RedisStore, Store};
use arc_swap::ArcSwap;

pub fn run(args: ServeArgs) -> Result<ExitCode, CommandError> {
    let (specs, contract) = load_contract(&args.specs)?;
    for finding in &contract.findings {
        tracing::warn!(target: "understudy::contract", "{}: {}", finding.location, finding.message);
    }
    let store = open_store(&args)?;
    let options = EngineOptions {
        seed: args.seed,
        validate_requests: args.validate_requests.into(),
        credentials: args.credentials,
        stateful: !args.stateless,
        clock: args.clock,
        max_sessions: args.max_sessions,
        admin: !args.no_admin,
        stream_items: args.stream_items,
        dynamic: args.dynamic,
        ignore_examples: args.ignore_examples,
        delay: args.delay,
        journal_size: args.journal_size,
        chaos: args.chaos,
    };
    let engine = Arc::new(Engine::with_store(contract.clone(), options.clone(), store));
    // Fixtures replace the default session; the examples are added to it.
    if let Some(path) = &args.fixtures {
        load_fixtures(&engine, path)?;
    }
    let stub_ids = match &args.stubs {
        Some(dir) => {
            let ids = stub_files::register(engine.stubs(), &contract, dir, &[])?;
            tracing::info!(target: "understudy::stubs", "{} stub(s) from {}", ids.len(), dir.display());
            ids
        }
        None => Vec::new(),
    };
    for recording in &args.replay {
        let replayed = replay::register(engine.stubs(), &contract, recording, args.lenient)?;
        for line in &replayed.left_out {
            tracing::warn!(target: "understudy::replay", "{line}");
        }
        tracing::info!(
            target: "understudy::replay",
            "{} of {} recorded exchange(s) replayed from {}",
            replayed.replayed,
            replayed.replayed + replayed.left_out.len(),
            recording.display()
        );
    }
    if args.seed_from_examples {
        let stored = engine.seed_from_examples();
        tracing::info!(target: "understudy::state", "{stored} object(s) stored from the contract's examples");
    }
    let engines: http::Engines = Arc::new(ArcSwap::new(engine));
    // The bundled contracts are in the binary: there is nothing to watch.
    let _watch = if args.watch && !args.specs.specs.is_empty() {
        Some(watch::start(
            args.specs.clone(),
            &specs,
            engines.clone(),
            options,
            args.stubs.clone().map(|dir| (dir, stub_ids)),
        )?)
    } else {
        None
    };
    let app = http::app_with_reloads(
        engines,
        HttpOptions {
            body_limit: args.max_body_bytes,
            cors: !args.no_cors,
            callback_delay: std::time::Duration::from_millis(args.callback_delay),
        },
    );
    let address = SocketAddr::new(args.host, args.port);
    http::listen(address, app, |address| {
        let operations: usize = contract.apis.iter().map(|a| a.api.operations.len()).sum();
        let mut banner = format!(
            "understudy: {operations} operations from {} contract(s) on http://{address}",
            contract.apis.len()
        );
        for compiled in contract.apis.iter() {
            let mount = if compiled.api.mount.is_empty() {
                "/"
            } else {
                &compiled.api.mount
            };
            banner.push_str(&format!(
                "\n  {:<12} {} → http://{address}{mount}",
                compiled.api.name, compiled.api.title
            ));
        }
        println!("{banner}");
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The store `--store` names. A Redis that cannot be reached now is said, not fatal: requests
/// that need it answer 503 until it can (a replica may start before its Redis).
fn open_store(args: &ServeArgs) -> Result<Arc<dyn Store>, CommandError> {
    match &args.store {
        StoreUrl::Memory if args.journal == JournalPlace::Redis => Err(CommandError::Usage(
            "--journal redis needs a Redis store (--store redis://…)".into(),
        )),
        StoreUrl::Memory => Ok(Arc::new(MemoryStore::new(args.max_sessions))),
        StoreUrl::Redis(url) => {
            let store = RedisStore::connect(&RedisOptions {
                url: url.clone(),
                prefix: args.store_prefix.clone(),
                session_ttl: Some(args.session_ttl).filter(|ttl| !ttl.is_zero()),
                journal: (args.journal == JournalPlace::Redis).then_some(args.journal_size),
            })?;
            match store.health() {
                Ok(()) => {
                    tracing::info!(target: "understudy::state", "stored objects in {}", store.name())
                }
                Err(e) => {
                    tracing::warn!(target: "understudy::state", "{e}; requests that need it answer 503 until it can be reached")
                }
            }
            Ok(Arc::new(store))
        }
    }
}

/// Loads a fixtures file (JSON, or YAML) into the default session.
fn load_fixtures(engine: &Engine, path: &std::path::Path) -> Result<(), CommandError> {
    let json = crate::load::read_fixtures(path)?;
    crate::state::write(
        engine.store().as_ref(),
        crate::state::DEFAULT_SESSION,
        |data| data.load(&json),
    )
    .unwrap_or_else(|e| Err(e.to_string()))
    .map_err(|message| CommandError::Fixtures {
        path: path.display().to_string(),
        message,
    })
}
