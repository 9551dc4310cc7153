//! What the commands write for a person: standard output that tolerates a closed pipe, and a
//! progress spinner on a terminal.

use std::io::IsTerminal;

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
