//! `serve --watch`: the contract reloaded when its document, or any file it references,
//! changes. The new contract is compiled beside the old one on the watcher's thread (never on
//! the runtime); a broken edit is logged with its file, line and pointer and the last good
//! contract keeps serving; a good one replaces the engine between requests, with the same
//! store, so stored objects stay (requests in flight finish on the engine they began with).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};

use super::error::CommandError;
use super::loading::load_contract;
use super::stub_files;
use crate::cli::SpecArgs;
use crate::http::Engines;
use crate::load::LoadedSpec;
use crate::mock::{Engine, EngineOptions};

/// Edits closer together than this are one change (an editor writes a file in several steps).
const DEBOUNCE: Duration = Duration::from_millis(150);

/// Keeps watching while it lives.
pub struct Watch {
    _debouncer: Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
}

/// Watches the files `specs` were made of and reloads `engines` from `args` when one changes;
/// and the stub directory, if any (with the ids of the stubs registered from it), whose stubs
/// are registered again when a file in it changes.
pub fn start(
    args: SpecArgs,
    specs: &[LoadedSpec],
    engines: Engines,
    options: EngineOptions,
    stubs: Option<(PathBuf, Vec<String>)>,
) -> Result<Watch, CommandError> {
    let files: HashSet<PathBuf> = watched_files(specs);
    let watched = files.clone();
    let stub_dir = stubs.as_ref().map(|(dir, _)| absolute(dir));
    let mut stub_ids = stubs.map(|(_, ids)| ids).unwrap_or_default();
    let engines_for_stubs = engines.clone();
    let stub_dir_watched = stub_dir.clone();
    let mut debouncer = new_debouncer(DEBOUNCE, move |events: DebounceEventResult| {
        let Ok(events) = events else { return };
        let changed: Vec<&Path> = events
            .iter()
            .map(|e| e.path.as_path())
            .filter(|path| watched.contains(&absolute(path)))
            .collect();
        if !changed.is_empty() {
            reload(&args, &engines, &options, &changed);
        }
        if let Some(dir) = &stub_dir_watched
            && events
                .iter()
                .any(|e| absolute(&e.path).parent() == Some(dir.as_path()))
        {
            let engine = engines_for_stubs.load();
            match stub_files::register(engine.stubs(), engine.contract(), dir, &stub_ids) {
                Ok(ids) => {
                    tracing::info!(target: "understudy::watch", "{} stub(s) registered again from {}", ids.len(), dir.display());
                    stub_ids = ids;
                }
                Err(error) => tracing::error!(
                    target: "understudy::watch",
                    "{error}; the stubs registered before stay"
                ),
            }
        }
    })
    .map_err(|e| CommandError::Client(format!("cannot watch the documents: {e}")))?;
    // Directories, not files: editors save by writing a new file and renaming it over the
    // old, which a watch on the old file would not see.
    let mut directories: HashSet<&Path> = files.iter().filter_map(|f| f.parent()).collect();
    directories.extend(stub_dir.as_deref());
    for directory in directories {
        debouncer
            .watcher()
            .watch(directory, RecursiveMode::NonRecursive)
            .map_err(|e| {
                CommandError::Client(format!("cannot watch {}: {e}", directory.display()))
            })?;
    }
    tracing::info!(target: "understudy::watch", "watching {} file(s) for changes", files.len());
    Ok(Watch {
        _debouncer: debouncer,
    })
}

fn reload(args: &SpecArgs, engines: &Engines, options: &EngineOptions, changed: &[&Path]) {
    let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
    match load_contract(args) {
        Ok((_, contract)) => {
            let before = engines.load();
            // Stored objects and stubs outlive a reload (a stub answers by operationId or
            // method and path, looked up in the new contract on each request).
            let engine = Engine::with_store(contract, options.clone(), before.store().clone())
                .with_stubs(before.stubs().clone());
            for line in engine.drop_stored_objects_that_no_longer_fit() {
                tracing::info!(target: "understudy::watch", "{line}");
            }
            engines.store(Arc::new(engine));
            tracing::info!(target: "understudy::watch", "reloaded after {} changed", names.join(", "));
        }
        Err(error) => tracing::error!(
            target: "understudy::watch",
            "{error}; still serving the contract as it was before {} changed",
            names.join(", ")
        ),
    }
}

/// Every file the specs were read from, as absolute paths (events name absolute paths).
fn watched_files(specs: &[LoadedSpec]) -> HashSet<PathBuf> {
    specs
        .iter()
        .flat_map(|spec| spec.files.iter())
        .filter(|file| file.is_file())
        .map(|file| absolute(file))
        .collect()
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
