//! Violations are data: where, which keyword, and what, rendered by whichever front end
//! needs them (`sl-violations` header, problem+json, reports).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Where in the exchange, e.g. `["response", "body", "user", "email"]`.
    pub location: Vec<String>,
    /// JSON pointer into the validated instance.
    pub instance_path: String,
    /// JSON pointer to the failing keyword in the schema.
    pub schema_path: String,
    /// The JSON Schema keyword (or check) that failed.
    pub keyword: String,
    pub message: String,
}
