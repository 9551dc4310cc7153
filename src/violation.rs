//! Violations are data: where, which rule, and what, rendered by whichever front end needs
//! them (`sl-violations` header, problem+json, reports).

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Where in the exchange, e.g. `["response", "body", "user", "email"]`.
    pub location: Vec<String>,
    /// JSON pointer into the validated instance.
    pub instance_path: String,
    /// JSON pointer to the failing keyword in the schema.
    pub schema_path: String,
    /// The rule broken, written as its keyword (`type`, `security`, `status_code_conformance`).
    #[serde(rename = "keyword", serialize_with = "keyword")]
    pub kind: ViolationKind,
    pub message: String,
}

/// The rule a violation breaks: front ends choose statuses and checks by it, never by
/// comparing keyword strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViolationKind {
    /// A keyword of a declared JSON Schema (`type`, `required`, `maxLength`…).
    Schema(String),
    /// A required parameter or request body is absent (`required`).
    Missing,
    /// No credentials that the operation's security accepts (`security`, answered 401).
    Security,
    /// A request body of a media type the operation does not declare (`content_type`, 415).
    ContentType,
    /// A request body that does not parse as its media type says (`malformed`, 400).
    Malformed,
    /// The stored object a path names does not exist (`not_found`).
    NotFound,
    /// The request conflicts with what is stored (`conflict`).
    Conflict,
    /// No operation of the contract matches the request (`undocumented_operation`).
    Undocumented,
    /// A response breaks one of the checks Schemathesis names (`status_code_conformance`…).
    Check(String),
}

impl ViolationKind {
    /// How the rule is written in reports and error bodies.
    pub fn keyword(&self) -> &str {
        match self {
            ViolationKind::Schema(keyword) | ViolationKind::Check(keyword) => keyword,
            ViolationKind::Missing => "required",
            ViolationKind::Security => "security",
            ViolationKind::ContentType => "content_type",
            ViolationKind::Malformed => "malformed",
            ViolationKind::NotFound => "not_found",
            ViolationKind::Conflict => "conflict",
            ViolationKind::Undocumented => "undocumented_operation",
        }
    }
}

impl Violation {
    /// A violation of a rule other than a schema's, which has no schema or instance path.
    pub fn of(kind: ViolationKind, location: &[&str], message: String) -> Violation {
        Violation {
            location: location.iter().map(|s| s.to_string()).collect(),
            instance_path: String::new(),
            schema_path: String::new(),
            kind,
            message,
        }
    }

    pub fn keyword(&self) -> &str {
        self.kind.keyword()
    }
}

fn keyword<S: Serializer>(kind: &ViolationKind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.keyword())
}
