//! `serve --stubs DIR`: the stubs in a directory's JSON and YAML files, registered on the
//! engine at start, and again when the files change (`--watch`). A stub whose answer breaks
//! the contract stops the start with its file and the rules it breaks: a fixture that lies
//! about the contract fails where it is written.

use std::path::Path;

use super::error::CommandError;
use crate::contract::Contract;
use crate::mock::{StubSpec, Stubs};

/// Registers every stub of `dir` on `stubs`, replacing those of an earlier call (`previous`,
/// their ids); returns the ids registered. Nothing changes when any stub is refused.
pub fn register(
    stubs: &Stubs,
    contract: &Contract,
    dir: &Path,
    previous: &[String],
) -> Result<Vec<String>, CommandError> {
    let files = crate::load::read_stub_files(dir)?;
    let mut specs = Vec::new();
    for (path, value) in files {
        let file = path.display().to_string();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (many, values) = match value {
            serde_json::Value::Array(values) => (true, values),
            one => (false, vec![one]),
        };
        for (n, value) in values.into_iter().enumerate() {
            let mut spec: StubSpec =
                serde_json::from_value(value).map_err(|e| CommandError::Stub {
                    file: file.clone(),
                    message: format!("not a stub: {e}"),
                })?;
            if spec.id.is_none() {
                spec.id = Some(if many {
                    format!("{stem}-{}", n + 1)
                } else {
                    stem.clone()
                });
            }
            specs.push((file.clone(), spec));
        }
    }
    // Checked all on a scratch registry first, so that a refused stub leaves the served
    // ones as they were.
    let scratch = Stubs::default();
    for (file, spec) in &specs {
        scratch
            .register(contract, spec.clone())
            .map_err(|refused| CommandError::Stub {
                file: file.clone(),
                message: std::iter::once(refused.message)
                    .chain(
                        refused
                            .violations
                            .iter()
                            .map(|v| format!("  {}: {}", v.location.join("."), v.message)),
                    )
                    .collect::<Vec<_>>()
                    .join("\n"),
            })?;
    }
    for id in previous {
        stubs.remove(Some(id));
    }
    let mut ids = Vec::new();
    for (_, spec) in specs {
        if let Ok(registered) = stubs.register(contract, spec) {
            ids.extend(registered.id);
        }
    }
    Ok(ids)
}
