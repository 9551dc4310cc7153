//! The invariants ARCHITECTURE.md states about the code's layout, checked on the source: each
//! test names the modules allowed to do a thing and fails with every line elsewhere that does.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, with its path relative to the crate.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a source file is readable");
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            (relative, text)
        })
        .collect()
}

/// `file:line: code` for each line of code (comments left out) outside `allowed` (path
/// prefixes) that contains one of `needles`.
fn offenders(needles: &[&str], allowed: &[&str]) -> Vec<String> {
    lines_with(needles, |file| !allowed.iter().any(|a| file.starts_with(a)))
}

/// As [`offenders`], in the files `checked` selects.
fn lines_with(needles: &[&str], checked: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for (file, text) in sources() {
        if !checked(&file) {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if needles.iter().any(|n| code.contains(n)) {
                found.push(format!("{file}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    found
}

fn assert_none(what: &str, found: Vec<String>) {
    assert!(
        found.is_empty(),
        "{what}, but these lines elsewhere do:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_http_knows_axum() {
    assert_none(
        "only src/http/ may use axum",
        offenders(&["axum"], &["src/http/"]),
    );
}

#[test]
fn only_load_and_recording_read_files() {
    assert_none(
        "only src/load/ and src/recording/ may read files",
        offenders(
            &["fs::read", "read_to_string(", "File::open", "read_dir("],
            &["src/load/", "src/recording/"],
        ),
    );
}

#[test]
fn clap_stays_in_cli() {
    assert_none(
        "only src/cli.rs (and main.rs, which parses) may use clap",
        offenders(&["clap"], &["src/cli.rs", "src/main.rs"]),
    );
}

#[test]
fn only_commands_print() {
    assert_none(
        "only src/commands/ (and main.rs) may print",
        offenders(
            &["println!", "print!(", "eprintln!", "eprint!("],
            &["src/commands/", "src/main.rs"],
        ),
    );
}

#[test]
fn the_engine_and_the_checks_do_no_io() {
    let pure = [
        "src/contract/",
        "src/generate/",
        "src/mock/",
        "src/validate/",
        "src/report/",
    ];
    assert_none(
        "contract, generate, mock, validate and report do no IO (no files, sockets or logs)",
        lines_with(
            &[
                "std::fs",
                "TcpStream",
                "TcpListener",
                "UdpSocket",
                "tracing::",
                "std::io::std",
            ],
            |file| pure.iter().any(|p| file.starts_with(p)),
        ),
    );
}
