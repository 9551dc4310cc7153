//! What the commands write: standard output that tolerates a closed pipe, a progress spinner
//! on a terminal, and recordings of traffic (`--record`).

use std::io::IsTerminal;
use std::path::Path;

use super::error::CommandError;
use crate::contract::Contract;
use crate::proxy::{Proxy, Recorder};

/// Writes `text` to standard output. A reader that stopped reading (`understudy routes |
/// head`) is no error: the rest is not wanted. `println!` would panic there.
pub fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
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

    /// A bar of `total` planned steps (more may come: the bar then stays full).
    pub fn planned(self, total: usize) -> Progress {
        if let Some(bar) = &self.0 {
            bar.set_length(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} requests answered ({per_sec}, {eta} left)",
            ) {
                bar.set_style(style);
            }
        }
        self
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

/// The recorder `--record PATH` asks for (secrets of `contract`'s schemes redacted), if any.
pub fn recorder(
    path: Option<&Path>,
    contract: &Contract,
) -> Result<Option<Recorder>, CommandError> {
    path.map(|path| {
        Recorder::create(path, Proxy::secret_headers(contract)).map_err(|source| {
            CommandError::Write {
                path: path.display().to_string(),
                source,
            }
        })
    })
    .transpose()
}
