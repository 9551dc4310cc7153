//! The corpus loader behind `scripts/corpus`: loads and compiles documents in-process, one after
//! another, and prints one tab-separated line per document on standard output.
//!
//! A server per file would measure process start-up instead of the loader; one process for
//! every file would lose the whole run to one document that crashes it. So `scripts/corpus`
//! starts a few of these, each on a share of the files, and restarts one past a document it
//! died on: before each document this prints `start\tPATH`, after it `done\t…` (see `row`).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Instant;

use understudy::contract::Contract;
use understudy::load;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str =
    "usage: corpus [--validators] [--exit-above-mib N] < FILE-LIST (one document path a line)

Loads and compiles every document named on standard input; prints for each
  start<TAB>PATH
  done<TAB>PATH<TAB>STATUS<TAB>OPERATIONS<TAB>MILLISECONDS<TAB>PEAK-RSS-KB<TAB>MESSAGE
STATUS is `ok` or the class of the error. --validators also builds every validator, as
`understudy lint` does, inside the time and memory measured. --exit-above-mib N stops after a
document whose peak passed N MiB (the allocator keeps what it had, which would count towards
the next documents' peaks): the driver starts a fresh process for the rest.";

fn main() {
    let mut validators = false;
    let mut exit_above_kb = u64::MAX;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut args = args.iter().map(String::as_str);
    while let Some(arg) = args.next() {
        match arg {
            "--validators" => validators = true,
            "--exit-above-mib" => match args.next().and_then(|n| n.parse::<u64>().ok()) {
                Some(mib) => exit_above_kb = mib * 1024,
                None => usage(),
            },
            _ => usage(),
        }
    }
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(path) = line else { break };
        if path.is_empty() {
            continue;
        }
        // Announced first so that the driver knows which document a crash happened on.
        let _ = writeln!(out, "start\t{path}");
        let _ = out.flush();
        // Read once untimed: the time measured is the loader's, not the disk's (a cold read of
        // a 46 MB document took seconds). The timed read comes from the page cache.
        drop(std::fs::read(&path));
        reset_peak_rss();
        let started = Instant::now();
        let mut loaded = None;
        let (status, operations, message) =
            load_one(&PathBuf::from(&path), validators, &mut loaded);
        // Load and compile, not the freeing of what they built: a server keeps it to the end.
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        drop(loaded);
        let peak = peak_rss_kb().unwrap_or(0);
        let _ = writeln!(
            out,
            "done\t{path}\t{status}\t{operations}\t{millis:.1}\t{peak}\t{}",
            message.replace(['\t', '\n', '\r'], " ")
        );
        let _ = out.flush();
        if peak > exit_above_kb {
            return;
        }
    }
}

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2);
}

/// Loads and compiles `path`, leaving what was built in `loaded` for the caller to free.
fn load_one(
    path: &PathBuf,
    validators: bool,
    loaded: &mut Option<(Vec<load::LoadedSpec>, Contract)>,
) -> (&'static str, usize, String) {
    let specs = match load::load_paths(std::slice::from_ref(path)) {
        Ok(specs) => specs,
        Err(e) => return (load_class(&e), 0, e.to_string()),
    };
    let contract = match Contract::compile(&specs, &[]) {
        Ok(contract) => contract,
        Err(e) => return (contract_class(&e), 0, e.to_string()),
    };
    let (_, contract) = loaded.insert((specs, contract));
    let operations = contract.apis.iter().map(|a| a.api.operations.len()).sum();
    if validators {
        let broken: usize = contract
            .apis
            .iter()
            .map(|a| a.schemas.compile_all().len())
            .sum();
        if broken > 0 {
            return (
                "ok",
                operations,
                format!("{broken} schema(s) cannot be compiled"),
            );
        }
    }
    ("ok", operations, String::new())
}

fn load_class(error: &load::LoadError) -> &'static str {
    match error {
        load::LoadError::Io { .. } => "io",
        load::LoadError::Syntax { message, .. } if message.contains("out of range") => {
            "syntax-number-out-of-range"
        }
        load::LoadError::Syntax { .. } => "syntax",
        load::LoadError::Reference { .. } => "reference",
        load::LoadError::EmptyDirectory(_) => "empty-directory",
    }
}

fn contract_class(error: &understudy::contract::ContractError) -> &'static str {
    use understudy::contract::ContractError;
    match error {
        ContractError::Unsupported { .. } => "unsupported",
        ContractError::Invalid { .. } => "invalid",
        ContractError::RouteConflict { .. } => "route-conflict",
    }
}

/// Linux: writing 5 to `clear_refs` resets the peak resident set size (VmHWM) to the current
/// one, so each document's peak is its own (on top of what the process already holds).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
