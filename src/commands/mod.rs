//! The CLI commands: each loads the contract through the same path and renders for a person.

mod check;
mod convert;
mod error;
mod lint;
mod loading;
mod output;
mod proxy;
mod replay;
mod routes;
mod serve;
mod stub_files;
mod validate;
mod watch;

use std::process::ExitCode;

use crate::cli::{Command, Config};

pub use error::CommandError;

/// Runs the configured command; `Ok` carries the exit code of a run that completed.
pub fn run(config: Config) -> Result<ExitCode, CommandError> {
    match config.command {
        Command::Serve(args) => serve::run(args),
        Command::Mock(args) => serve::run(args.into()),
        Command::Lint(args) => lint::run(args),
        Command::Routes(args) => routes::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Proxy(args) => proxy::run(args),
        Command::Check(args) => check::run(args),
        Command::Convert(args) => convert::run(args),
    }
}
