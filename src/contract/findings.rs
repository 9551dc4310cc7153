//! Where a document's findings go, and what compiling finds wrong in its schemas and
//! examples: patterns JSON Schema cannot read, JavaScript literals, enums their type allows
//! no value of, and examples that contradict their schemas (set apart, never served unasked).

use serde_json::Value;

use super::error::{Finding, Severity};
use super::foreign_patterns::PatternTrouble;
use super::model::Operation;
use super::schemas::{SchemaViews, Schemas};
use crate::load::{LoadedSpec, SourceLocation};

/// Where the findings of one document go.
pub(super) struct Findings<'a> {
    pub(super) spec: &'a LoadedSpec,
    pub(super) list: &'a mut Vec<Finding>,
}

impl Findings<'_> {
    pub(super) fn push(&mut self, severity: Severity, pointer: &str, message: String) {
        self.list.push(Finding {
            severity,
            location: located(self.spec, pointer),
            message,
        });
    }
}

/// Where `pointer` (into the compiled document) is in the spec's file: a converted Swagger
/// 2.0 document's places are found in the 2.0 file.
pub(super) fn located(spec: &LoadedSpec, pointer: &str) -> SourceLocation {
    SourceLocation {
        file: spec.file.clone(),
        pointer: spec.original_pointer(pointer),
        line: None,
    }
}

/// Reports what converting the schemas found wrong in them: `pattern`s JSON Schema cannot
/// read or that are JavaScript literals, `enum`s their type allows no value of.
pub(super) fn report_schema_troubles(views: &mut SchemaViews, findings: &mut Findings<'_>) {
    for (pointer, pattern, trouble) in std::mem::take(&mut views.odd_patterns) {
        let at = format!("{pointer}/pattern");
        let pattern = Value::String(pattern);
        match trouble {
            PatternTrouble::Literal(inside) => findings.push(
                Severity::Warning,
                &at,
                format!(
                    "pattern {pattern} is written as a JavaScript regular expression literal: \
                     JSON Schema reads its slashes as characters, so that no value matches it \
                     (every value given for it breaks the contract); {} is likely what was meant",
                    Value::String(inside)
                ),
            ),
            PatternTrouble::Unreadable => findings.push(
                Severity::Error,
                &at,
                format!(
                    "pattern {pattern} is not a regular expression JSON Schema reads \
                     (ECMA-262): values are not checked against it"
                ),
            ),
        }
    }
    for (pointer, what) in std::mem::take(&mut views.odd_enums) {
        findings.push(
            Severity::Warning,
            &format!("{pointer}/enum"),
            format!(
                "{what}: no value can be valid here (a value of the type is not listed, and \
                 a listed value is not of the type); answers leave it out where it is \
                 optional, and any value a client sends for it is refused"
            ),
        );
    }
}

/// Sets apart the examples of `operation` that contradict their schemas, each reported.
pub(super) fn check_examples(
    schemas: &Schemas,
    operation: &mut Operation,
    findings: &mut Findings<'_>,
) {
    let headers = operation
        .responses
        .iter_mut()
        .flat_map(|r| r.headers.iter_mut());
    for header in headers {
        let (Some(id), Some(example)) = (header.schema, header.example.take()) else {
            continue;
        };
        match schemas.violations(id, &example.value, &[]).first() {
            None => header.example = Some(example),
            Some(first) => findings.push(
                Severity::Warning,
                &example.pointer,
                format!(
                    "the example of header {} contradicts its schema ({}); answers carry a \
                     generated value instead",
                    header.name, first.message
                ),
            ),
        }
    }
    let bodies = operation
        .request_body
        .iter_mut()
        .flat_map(|b| b.content.iter_mut());
    let responses = operation
        .responses
        .iter_mut()
        .flat_map(|r| r.content.iter_mut());
    for media in bodies.chain(responses) {
        let Some(id) = media.schema else { continue };
        for example in std::mem::take(&mut media.examples) {
            let violations = schemas.violations(id, &example.value, &[]);
            let Some(first) = violations.first() else {
                media.examples.push(example);
                continue;
            };
            let label = if example.name.is_empty() {
                "the example".to_string()
            } else {
                format!("example {:?}", example.name)
            };
            findings.push(
                Severity::Warning,
                &example.pointer,
                format!("{label} contradicts its schema ({} violation(s); first at {:?}: {}); it is never served unless asked for by name", violations.len(), first.instance_path, first.message),
            );
            media.invalid_examples.push(example);
        }
    }
}
