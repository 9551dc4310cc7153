//! The one error type of the loading layer, and where in a document a problem is.

/// Where a problem in a document is: file, JSON pointer and (when known) 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    pub file: String,
    pub pointer: String,
    pub line: Option<usize>,
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.pointer.is_empty() {
            write!(f, " at #{}", self.pointer)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{location}: {message}")]
    Syntax {
        location: SourceLocation,
        message: String,
    },
    #[error("{location}: {message}")]
    Reference {
        location: SourceLocation,
        message: String,
    },
    #[error("{0}: no OpenAPI documents (*.yaml, *.yml, *.json) in this directory")]
    EmptyDirectory(String),
}
