//! The one error type of the contract layer (what stops a document from being served), and
//! the findings that do not (`lint` reports them).

use serde::Serialize;

use crate::load::SourceLocation;

/// Why a document cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("{location}: {message}")]
    Unsupported {
        location: SourceLocation,
        message: String,
    },
    #[error("{location}: {message}")]
    Invalid {
        location: SourceLocation,
        message: String,
    },
    #[error("{location}: {message}")]
    RouteConflict {
        location: SourceLocation,
        message: String,
    },
}

impl ContractError {
    pub fn location_mut(&mut self) -> &mut SourceLocation {
        match self {
            ContractError::Unsupported { location, .. }
            | ContractError::Invalid { location, .. }
            | ContractError::RouteConflict { location, .. } => location,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A problem in a document that does not stop it from being served (`lint` reports them).
#[derive(Debug, Clone)]
pub struct Finding {
    pub severity: Severity,
    pub location: SourceLocation,
    pub message: String,
}
