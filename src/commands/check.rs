//! `understudy check`: contract tests of a running provider, reported like `validate`.

use std::process::ExitCode;
use std::time::Duration;

use super::validate::write_report;
use std::sync::Arc;

use super::error::CommandError;
use super::loading::load_contract;
use super::output::{Progress, recorder};
use crate::checker::{CheckOptions, Credentials, check, planned};
use crate::cli::{CheckArgs, ReportFormat};

pub fn run(args: CheckArgs) -> Result<ExitCode, CommandError> {
    let (specs, contract) = load_contract(&args.specs.clone().into())?;
    let mut headers = args.headers.clone();
    if let Some(token) = &args.bearer {
        headers.push(("authorization".into(), format!("Bearer {token}")));
    }
    let declared = declared_schemes(&contract);
    if let Some((unknown, _)) = args.auth.iter().find(|(name, _)| !declared.contains(name)) {
        return Err(CommandError::Usage(format!(
            "--auth {unknown}=…: the contract declares no security scheme {unknown:?} (it \
             declares {})",
            if declared.is_empty() {
                "none".to_string()
            } else {
                declared.join(", ")
            }
        )));
    }
    let credentials = Credentials {
        headers,
        schemes: args.auth.clone(),
    };
    let recorder = recorder(args.record.as_deref(), &contract)?.map(Arc::new);
    let progress = Progress::new("requests answered");
    let options = CheckOptions {
        target: args.target.trim_end_matches('/').to_string(),
        credentials,
        seed: args.seed,
        max_examples: args.max_examples,
        max_requests: args.max_requests,
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
        workers: args.workers,
        recorder,
        on_answer: progress.ticker(),
    };
    let progress = progress.planned(planned(&contract, &options));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::Client(e.to_string()))?;
    let mut report = runtime
        .block_on(check(contract, options, args.format == ReportFormat::Junit))
        .map_err(|e| CommandError::Client(e.to_string()))?;
    progress.finish();
    write_report(&mut report, &specs, args.format, args.output.as_deref())?;
    let s = &report.summary;
    if s.exchanges > 0 {
        eprintln!(
            "conformance score: {:.1}% ({} of {} exchanges)",
            100.0 * s.conforming as f64 / s.exchanges as f64,
            s.conforming,
            s.exchanges
        );
    }
    Ok(if report.conforms() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The names of the security schemes the contract's documents declare.
fn declared_schemes(contract: &crate::contract::Contract) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in contract
        .apis
        .iter()
        .flat_map(|api| &api.api.security_schemes)
    {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}
