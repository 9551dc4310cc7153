//! The compiled contract: every loaded document turned, once, into operations, routes,
//! pre-built validators and checked examples. Does no IO; nothing on the request path
//! re-reads the document.

mod alike_branches;
mod compile;
mod convert;
mod error;
mod features;
mod findings;
mod foreign_patterns;
mod formats;
mod http_rules;
mod messages;
mod model;
mod parallel;
mod refs;
mod resources;
mod rewrite;
mod routes;
mod schemas;
mod security;
pub use security::SecretNames;
mod tree;

pub use error::{ContractError, Finding, Severity};
pub use features::version_features;
pub use formats::{ScalarCheck, fits_scalar_keywords};
pub use http_rules::is_final;
pub use model::*;
pub use resources::{Stamp, key_carriers, key_word, stamp_named};
pub use rewrite::{View, has_flag};
pub use routes::{RouteEntry, RouteMatch, RouteTable, routed_path, selecting_names, written_query};
pub use schemas::{PartCheck, SchemaId, Schemas};
pub use tree::{
    KEYWORD as SHARED_REF_KEYWORD, Properties, branch_properties, declared_types, only_annotates,
    properties, resolve, schema_ref, union_branches,
};

use crate::load::{LoadedSpec, SourceLocation};

#[derive(Debug)]
pub struct Contract {
    pub apis: Vec<CompiledApi>,
    pub routes: RouteTable,
    pub findings: Vec<Finding>,
}

impl Contract {
    /// Compiles `specs`. One spec is mounted at `/`; several each under `/<file stem>`, unless
    /// `mounts` (`(name, prefix)`) says otherwise.
    pub fn compile(
        specs: &[LoadedSpec],
        mounts: &[(String, String)],
    ) -> Result<Contract, ContractError> {
        if let Some((name, _)) = mounts
            .iter()
            .find(|(name, _)| !specs.iter().any(|s| s.name == *name))
        {
            return Err(ContractError::Unsupported {
                location: SourceLocation {
                    file: format!("--mount {name}=…"),
                    pointer: String::new(),
                    line: None,
                },
                message: format!(
                    "no spec is named {name:?} (names are file stems: {})",
                    specs
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        let mut routes = RouteTable::default();
        let mut findings = Vec::new();
        let mut apis = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let mount = mounts
                .iter()
                .find(|(name, _)| *name == spec.name)
                .map(|(_, prefix)| normalize_mount(prefix))
                .unwrap_or_else(|| {
                    if specs.len() == 1 {
                        String::new()
                    } else {
                        format!("/{}", spec.name)
                    }
                });
            apis.push(compile::compile_api(
                index,
                spec,
                mount,
                &mut routes,
                &mut findings,
            )?);
        }
        routes.merge_repeated_slashes();
        Ok(Contract {
            apis,
            routes,
            findings,
        })
    }

    /// The operation `method` on the routed `path` (mounts included, no server base path).
    pub fn find_operation(&self, method: &str, path: &str) -> Option<(&CompiledApi, &Operation)> {
        let found = self.routes.find_for(path, method)?;
        let index = found.entry.operation_for(method, |_, _| false)?;
        Some(self.operation(found.entry.api, index))
    }

    /// Schemas found not to compile since the last call (`file: message`): each accepts
    /// everything, and `serve` logs it once.
    pub fn take_schema_errors(&self) -> Vec<String> {
        self.apis
            .iter()
            .flat_map(|compiled| {
                let file = &compiled.api.file;
                let errors = compiled.schemas.take_unreported();
                errors
                    .into_iter()
                    .map(move |message| format!("{file}: {message}"))
            })
            .collect()
    }

    /// Where this contract's requests carry secrets (see [`SecretNames`]).
    pub fn secret_names(&self) -> SecretNames {
        SecretNames::of(
            self.apis
                .iter()
                .flat_map(|c| &c.api.operations)
                .flat_map(|o| &o.security),
        )
    }

    pub fn operation(&self, api: usize, operation: usize) -> (&CompiledApi, &Operation) {
        let compiled = &self.apis[api];
        (compiled, &compiled.api.operations[operation])
    }
}

fn normalize_mount(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}
