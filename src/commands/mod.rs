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
use crate::load::{self, BUNDLED_SPECS, LoadError, LoadedSpec, SourceLocation};

pub use lint::render_findings;

/// Errors that stop a command; all exit with code 2.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
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
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
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

/// Binds `address`, prints the banner `banner` makes from the real address (`--port 0` picks a
/// free one; tests read it from the first line), and serves `app` until Ctrl-C.
pub fn listen(
    address: std::net::SocketAddr,
    app: axum::Router,
    banner: impl FnOnce(std::net::SocketAddr) -> String,
) -> Result<(), CommandError> {
    // On one core (a container's quota, `taskset`), a multi-threaded scheduler only adds
    // hand-offs between its worker and the IO driver: measured 1.1× the throughput with the
    // current-thread scheduler there.
    let one_core = std::thread::available_parallelism().is_ok_and(|n| n.get() == 1);
    let runtime = if one_core {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    }
    .map_err(CommandError::Serve)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|source| CommandError::Bind {
                address: address.to_string(),
                source,
            })?;
        let address = listener.local_addr().map_err(CommandError::Serve)?;
        println!("{}", banner(address));
        crate::http::serve(listener, app)
            .await
            .map_err(CommandError::Serve)
    })
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

/// Finds the line of a location's pointer, reading the file again: only on error paths.
pub fn fill_line(location: &mut SourceLocation) {
    fill_lines(std::slice::from_mut(location));
}

/// [`fill_line`] for many locations, reading and parsing each file once.
pub fn fill_lines(locations: &mut [SourceLocation]) {
    let mut files: Vec<String> = locations
        .iter()
        .filter(|l| l.line.is_none() && !l.pointer.is_empty())
        .map(|l| l.file.clone())
        .collect();
    files.sort();
    files.dedup();
    for file in files {
        let text = std::fs::read_to_string(&file).ok().or_else(|| {
            let name = std::path::Path::new(&file).file_name()?.to_str()?;
            BUNDLED_SPECS
                .iter()
                .find(|(bundled, _)| *bundled == name)
                .map(|(_, text)| text.to_string())
        });
        let Some(text) = text else { continue };
        let mut pending: Vec<&mut SourceLocation> = locations
            .iter_mut()
            .filter(|l| l.file == file && l.line.is_none() && !l.pointer.is_empty())
            .collect();
        let pointers: Vec<&str> = pending.iter().map(|l| l.pointer.as_str()).collect();
        let lines = load::lines_of_pointers(&text, &pointers);
        for (location, line) in pending.iter_mut().zip(lines) {
            location.line = line;
        }
    }
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
