//! The one way every command loads its contract: the specs named (or the bundled ones),
//! compiled, with line numbers filled into any error.

use std::sync::Arc;

use super::error::CommandError;
use crate::cli::SpecArgs;
use crate::contract::Contract;
use crate::load::{self, LoadError, LoadedSpec, SourceLocation};

/// Loads and compiles the specs named (or the bundled ones), with line numbers filled into
/// any error.
pub fn load_contract(args: &SpecArgs) -> Result<(Vec<LoadedSpec>, Arc<Contract>), CommandError> {
    let specs = if args.specs.is_empty() {
        load::load_bundled()
    } else {
        load::load_paths(&args.specs)
    }
    .map_err(|mut e| {
        if let LoadError::Reference { location, .. } = &mut e {
            fill_line(location);
        }
        e
    })?;
    let contract = Contract::compile(&specs, &args.mounts).map_err(|mut e| {
        fill_line(e.location_mut());
        e
    })?;
    Ok((specs, Arc::new(contract)))
}

/// Finds the line of a location's pointer (on error paths only).
fn fill_line(location: &mut SourceLocation) {
    load::fill_lines(std::slice::from_mut(location));
}
