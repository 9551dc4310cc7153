//! `understudy serve`: the mock server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use super::{CommandError, listen, load_contract};
use crate::cli::ServeArgs;
use crate::http::{self, HttpOptions};
use crate::mock::{Engine, EngineOptions};

pub fn run(args: ServeArgs) -> Result<ExitCode, CommandError> {
    let (_, contract) = load_contract(&args.specs)?;
    for finding in &contract.findings {
        tracing::warn!(target: "understudy::contract", "{}: {}", finding.location, finding.message);
    }
    let engine = Arc::new(Engine::new(
        contract.clone(),
        EngineOptions {
            seed: args.seed,
            validate_requests: args.validate_requests,
            credentials: args.credentials,
            stateful: !args.stateless,
            clock: args.clock,
            max_sessions: args.max_sessions,
            admin: !args.no_admin,
        },
    ));
    // Fixtures replace the default session; the examples are added to it.
    if let Some(path) = &args.fixtures {
        load_fixtures(&engine, path)?;
    }
    if args.seed_from_examples {
        let stored = engine.seed_from_examples();
        tracing::info!(target: "understudy::state", "{stored} object(s) stored from the contract's examples");
    }
    let app = http::app(
        engine,
        HttpOptions {
            body_limit: args.max_body_bytes,
        },
    );
    let address = SocketAddr::new(args.host, args.port);
    listen(address, app, |address| {
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
        banner
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Loads a fixtures file (JSON, or YAML) into the default session.
fn load_fixtures(engine: &Engine, path: &std::path::Path) -> Result<(), CommandError> {
    let fixture_error = |message: String| CommandError::Fixtures {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fixture_error(e.to_string()))?;
    // JSON goes to the store as it is; YAML is converted to JSON text first.
    let json = if path.extension().is_some_and(|e| e == "json") {
        text
    } else {
        let value: serde_json::Value =
            serde_yaml_ng::from_str(&text).map_err(|e| fixture_error(e.to_string()))?;
        value.to_string()
    };
    engine
        .store()
        .session(crate::state::DEFAULT_SESSION)
        .lock()
        .load(&json)
        .map_err(fixture_error)
}
