//! The one error type of the commands layer: what stops a command (exit code 2).

use crate::contract::ContractError;
use crate::load::LoadError;

/// Errors that stop a command; all exit with code 2.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Listen(#[from] crate::http::ListenError),
    #[error("{path}: cannot load fixtures: {message}")]
    Fixtures { path: String, message: String },
    #[error(transparent)]
    Recording(#[from] crate::recording::RecordingError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    Store(#[from] crate::state::StoreError),
    #[error("{0}")]
    Usage(String),
    #[error("{file}: stub refused: {message}")]
    Stub { file: String, message: String },
}
