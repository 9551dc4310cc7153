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
fn only_the_redis_store_talks_to_redis() {
    assert_none(
        "only src/state/redis/ may use the redis crate (src/state/mod.rs re-exports it)",
        offenders(&["redis::"], &["src/state/redis/", "src/state/mod.rs"]),
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

/// The module a source file is (`src/mock/mod.rs` is `mock`, `src/mock/answer.rs` is
/// `mock::answer`), as path segments; `None` for the binary's `main.rs`.
fn module_of(file: &str) -> Option<Vec<String>> {
    let inner = file.strip_prefix("src/")?.strip_suffix(".rs")?;
    if inner == "main" {
        return None;
    }
    let mut segments: Vec<String> = inner.split('/').map(str::to_string).collect();
    if matches!(segments.last().map(String::as_str), Some("mod" | "lib")) {
        segments.pop();
    }
    Some(segments)
}

/// A file's code without comments and without its inline `#[cfg(test)]` module (its
/// `use super::*` is the file's own module, not an import).
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `a::{b, c::{d, e}}` expanded to `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(tree_source: &str) -> Vec<String> {
    // Renames (`E as F`) dropped, keeping the punctuation after the new name.
    let mut tree = String::new();
    let mut words = tree_source.split_whitespace();
    while let Some(word) = words.next() {
        if word == "as" {
            let renamed = words.next().unwrap_or_default();
            tree.extend(renamed.chars().filter(|c| matches!(c, ',' | '{' | '}')));
        } else {
            tree.push_str(word);
        }
    }
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand_use(&format!("{prefix}{p}")))
        .collect()
}

/// The paths a file's code names: every `use` (expanded), and every `crate::…`, `super::…`
/// or `child::…` path written inline.
fn paths_named(code: &str, children: &[String]) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = String::new();
    let mut remaining = code;
    while let Some(at) = remaining.find("use ") {
        let boundary = at == 0
            || !remaining[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest.push_str(&remaining[..at]);
        if !boundary {
            rest.push_str("use ");
            remaining = &remaining[at + 4..];
            continue;
        }
        let end = remaining[at..]
            .find(';')
            .map_or(remaining.len(), |e| at + e);
        paths.extend(expand_use(&remaining[at + 4..end]));
        remaining = &remaining[end..];
    }
    rest.push_str(remaining);
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    for word in rest.split(|c: char| !is_ident(c)) {
        let first = word.split("::").next().unwrap_or_default();
        if word.contains("::")
            && (first == "crate" || first == "super" || children.iter().any(|c| c == first))
        {
            paths.push(word.trim_end_matches(':').to_string());
        }
    }
    paths
}

/// Which modules each module imports (through `use` or an inline path), by module path.
fn module_graph() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let files: Vec<(Vec<String>, String)> = sources()
        .into_iter()
        .filter_map(|(file, text)| Some((module_of(&file)?, code_of(&text))))
        .collect();
    let known: std::collections::BTreeSet<Vec<String>> =
        files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph = std::collections::BTreeMap::new();
    for (module, code) in &files {
        let children: Vec<String> = known
            .iter()
            .filter(|k| k.len() == module.len() + 1 && k.starts_with(module))
            .map(|k| k.last().cloned().unwrap_or_default())
            .collect();
        let mut imports = std::collections::BTreeSet::new();
        for path in paths_named(code, &children) {
            let mut absolute = module.clone();
            let mut segments = path.split("::").peekable();
            match segments.peek().copied() {
                Some("crate") => {
                    absolute.clear();
                    segments.next();
                }
                Some("self") => {
                    segments.next();
                }
                Some(first) if children.iter().any(|c| c == first) => {}
                Some("super") => {
                    while segments.peek() == Some(&"super") {
                        absolute.pop();
                        segments.next();
                    }
                }
                _ => continue,
            }
            absolute.extend(segments.map(str::to_string));
            // The module the path lands in: its longest prefix that is a module.
            while !absolute.is_empty() && !known.contains(&absolute) {
                absolute.pop();
            }
            if !absolute.is_empty() && &absolute != module {
                imports.insert(absolute.join("::"));
            }
        }
        graph.insert(module.join("::"), imports);
    }
    graph
}

/// The shortest chain of imports from `from` to `to`, if `to` is reachable.
fn import_chain(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
    from: &str,
    to: &str,
) -> Option<Vec<String>> {
    let mut came_from = std::collections::BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from.to_string()]);
    while let Some(here) = queue.pop_front() {
        if here == to {
            let mut chain = vec![here];
            while let Some(previous) = came_from.get(chain.last().unwrap()) {
                chain.push(String::clone(previous));
            }
            chain.reverse();
            return Some(chain);
        }
        for next in graph.get(&here).into_iter().flatten() {
            if next != from && !came_from.contains_key(next) {
                came_from.insert(next.clone(), here.clone());
                queue.push_back(next.clone());
            }
        }
    }
    None
}

#[test]
fn no_module_imports_a_module_that_imports_it() {
    let graph = module_graph();
    // An import `a → b` closes a cycle when `b` reaches `a` back.
    let cycles: Vec<String> = graph
        .iter()
        .flat_map(|(module, imports)| imports.iter().map(move |i| (module, i)))
        .filter_map(|(module, import)| {
            let back = import_chain(&graph, import, module)?;
            Some(format!("{module} → {}", back.join(" → ")))
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "no module may import a module that imports it (directly or through others), but:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_import_reader_expands_groups_and_finds_inline_paths() {
    let code =
        "use super::{a::B, c::{d, E as F}};\nfn f() { crate::x::y(); child::g(); other::h(); }";
    let mut paths = paths_named(code, &["child".to_string()]);
    paths.sort();
    assert_eq!(
        paths,
        [
            "child::g",
            "crate::x::y",
            "super::a::B",
            "super::c::E",
            "super::c::d"
        ],
        "expected every path the code names, and no other"
    );
}
