//! The `understudy` binary: parse the command line, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let config = understudy::cli::Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match understudy::commands::run(config) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("understudy: {error}");
            ExitCode::from(2)
        }
    }
}
