//! The `understudy` binary: parse the command line, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: serving a stored object allocates a few dozen small
/// buffers, and glibc's malloc and free were 14% of the server's time in a profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let config = understudy::cli::Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new(config.default_log_filter())),
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
