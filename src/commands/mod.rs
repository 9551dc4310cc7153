//! The CLI commands: each loads the contract through the same path and renders for a person.

mod check;
mod lint;
mod proxy;
mod routes;
mod serve;
mod validate;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{Command, Config, SpecArgs};
use crate::contract::{Contract, ContractError};
use crate::load::{self, LoadError, LoadedSpec, SourceLocation};

pub use lint::render_findings;

/// Errors that stop a command; all exit with code 2.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Listen(#[from] crate::http::ListenError),
    #[error("{path}: cannot load fixtures: {message}")]
    Fixtures { path: String, message: String },
    #[error(transparent)]
    Recording(#[from] crate::recording::RecordingError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
}

/// Runs the configured command; `Ok` carries the exit code of a run that completed.
pub fn run(config: Config) -> Result<ExitCode, CommandError> {
    match config.command {
        Command::Serve(args) => serve::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Routes(args) => routes::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Proxy(args) => proxy::run(args),
        Command::Check(args) => check::run(args),
    }
}

/// Writes `text` to standard output. A reader that stopped reading (`understudy routes |
/// head`) is no error: the rest is not wanted. `println!` would panic there.
pub fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Loads and compiles the specs named (or the bundled ones), with line numbers filled into
/// any error.
pub fn load_contract(args: &SpecArgs) -> Result<(Vec<LoadedSpec>, Arc<Contract>), CommandError> {
    let specs = if args.specs.is_empty() {
        load::load_bundled()
    } else {
        load::load_paths(&args.specs)
    }
    .map_err(|mut e| {
        if let LoadError::Reference { location, .. } = &mut e {
            fill_line(location);
        }
        e
    })?;
    let contract = Contract::compile(&specs, &args.mounts).map_err(|mut e| {
        fill_line(e.location_mut());
        e
    })?;
    Ok((specs, Arc::new(contract)))
}

/// Finds the line of a location's pointer (on error paths only).
pub fn fill_line(location: &mut SourceLocation) {
    load::fill_lines(std::slice::from_mut(location));
}

/// A spinner with a count on stderr, only when stderr is a terminal.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// A handle that ticks this bar from other threads.
    pub fn ticker(&self) -> Option<std::sync::Arc<dyn Fn() + Send + Sync>> {
        let bar = self.0.clone()?;
        Some(std::sync::Arc::new(move || bar.inc(1)))
    }

    pub fn new(label: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        let style = indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {{pos}} {label} ({{per_sec}})"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
        bar.set_style(style);
        Progress(Some(bar))
    }

    pub fn tick(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
