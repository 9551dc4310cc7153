//! `understudy lint`: document problems, one per line, errors first.

use std::process::ExitCode;

use super::error::CommandError;
use super::loading::load_contract;
use super::output::print_out;
use crate::cli::LintArgs;
use std::collections::HashSet;

use crate::contract::{CompiledApi, Finding, Severity, StatusKey, json_media};
use crate::generate::{SATISFIABLE_SEED, generate_valid, valid_under_all};
use crate::load::{LoadedSpec, SourceLocation};
use crate::validate::declared_response;

pub fn run(args: LintArgs) -> Result<ExitCode, CommandError> {
    let (specs, contract) = load_contract(&args.specs)?;
    let mut findings = contract.findings.clone();
    // `serve` compiles schemas as operations are used; `lint` compiles them all to report any
    // that cannot be.
    for compiled in &contract.apis {
        let spec = &specs[compiled.index];
        for (pointer, message) in compiled.schemas.compile_all() {
            // A converted Swagger 2.0 document's places are named as the 2.0 file has them.
            let original = spec.original_pointer(&pointer);
            findings.push(Finding {
                severity: Severity::Error,
                location: SourceLocation {
                    file: compiled.api.file.clone(),
                    pointer: original.clone(),
                    line: None,
                },
                message: message.replace(&format!("#{pointer}"), &format!("#{original}")),
            });
        }
        // Examples inside schemas: never served unchecked (generated values are validated
        // whole), but a reader of the document is misled by them. Response schemas no valid
        // answer was found for: `serve` sends one they refuse.
        let warnings = compiled
            .schemas
            .invalid_schema_examples()
            .into_iter()
            .chain(compiled.schemas.alike_one_of_branches())
            .chain(unanswerable(compiled))
            .chain(disagreeing_routes(compiled));
        for (pointer, message) in warnings {
            findings.push(Finding {
                severity: Severity::Warning,
                location: SourceLocation {
                    file: compiled.api.file.clone(),
                    pointer: spec.original_pointer(&pointer),
                    line: None,
                },
                message,
            });
        }
    }
    let operations: usize = contract.apis.iter().map(|a| a.api.operations.len()).sum();
    let documents = contract.apis.len();
    // Reading the files again for line numbers needs memory of its own: not on top of the
    // compiled contract's.
    drop(contract);
    let mut locations: Vec<SourceLocation> = findings.iter().map(|f| f.location.clone()).collect();
    crate::load::fill_lines(&mut locations);
    for (finding, location) in findings.iter_mut().zip(locations) {
        finding.location = location;
    }
    let versions: String = specs
        .iter()
        .map(|spec| format!("{}\n", version_line(spec)))
        .collect();
    print_out(&versions);
    print_out(&render_findings(&findings));
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    print_out(&format!(
        "{documents} document(s), {operations} operation(s): {errors} error(s), {} warning(s)\n",
        findings.len() - errors
    ));
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The body and required parameter schemas no valid value was found for (`(pointer,
/// message)`): those no value satisfies (ShipEngine's `additionalProperties: false`
/// forbidding what its `allOf` requires, Jira's closed objects requiring a field they do not
/// declare, a `oneOf` every value matches twice), or one the generator misses. For a response, `serve` answers with the
/// nearest value it found, which the schema refuses; for a request, every body is refused:
/// the reader should know.
fn unanswerable(compiled: &CompiledApi) -> Vec<(String, String)> {
    let schemas = &compiled.schemas;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let bodies = compiled.api.operations.iter().flat_map(|operation| {
        let requests = operation
            .request_body
            .iter()
            .flat_map(|body| body.content.iter().filter_map(|media| media.schema))
            .map(|id| (id, "request"));
        let responses = operation
            .responses
            .iter()
            .flat_map(|response| response.content.iter().filter_map(|media| media.schema))
            .map(|id| (id, "response"));
        // A required parameter no value satisfies (Zuora's query job id, a `uuid` of 64
        // characters) leaves every request to the operation refused too.
        let parameters = operation
            .parameters
            .iter()
            .filter(|parameter| parameter.required)
            .filter_map(|parameter| parameter.schema)
            .map(|id| (id, "parameter"));
        requests.chain(responses).chain(parameters)
    });
    for (id, side) in bodies {
        if !seen.insert(id) {
            continue;
        }
        let Err(failed) = generate_valid(schemas, id, SATISFIABLE_SEED) else {
            continue;
        };
        let why = schemas
            .violations(id, &failed.best, &[side])
            .into_iter()
            .next()
            .map_or_else(String::new, |v| match v.instance_path.as_str() {
                "" => format!(" ({})", v.message),
                at => format!(" (at {at}: {})", v.message),
            });
        let consequence = match side {
            "response" => {
                "`serve` answers with the nearest value it found, which the schema refuses"
            }
            "request" => "a request with this body can only be refused",
            _ => "a request needs it, so a request can only be refused",
        };
        out.push((
            schemas.pointer(id).to_string(),
            format!("no value was found that this {side} schema accepts{why}: {consequence}"),
        ));
    }
    out
}

/// Operations a request reaches together (one route, one method) whose answers for a status
/// no value was found to follow both of (`(pointer of the second, message)`): Box's
/// `GET /shared_items` answers a file where `GET /shared_items#folders` answers a folder, and
/// a client cannot say which it means. `serve` answers as the first declares.
fn disagreeing_routes(compiled: &CompiledApi) -> Vec<(String, String)> {
    let schemas = &compiled.schemas;
    let operations = &compiled.api.operations;
    let json_schema = |content| json_media(content).and_then(|media| media.schema);
    let mut out = Vec::new();
    for first in operations {
        for second in first.shadows.iter().map(|&index| &operations[index]) {
            let disagree = |code: u16, why: &str| {
                (
                    second.pointer.clone(),
                    format!(
                        "no answer was found that follows both this operation and {} {}, which \
                         a request for it reaches (the same route), for status {code}{why}: \
                         `serve` answers as {} {} declares",
                        first.method, first.path, first.method, first.path
                    ),
                )
            };
            for response in &first.responses {
                // The status `serve` answers with, and what the second declares for it.
                let StatusKey::Code(code) = response.status else {
                    continue;
                };
                let theirs = declared_response(second, code);
                // A success the second cannot send as the first does: no such status, or a
                // body where the first has none (or none where it has one). Azure's
                // `frames#overload=url` declares a 204 and a JSON `default`; the first, 200 alone.
                if (200..300).contains(&code) {
                    match theirs {
                        None => {
                            out.push(disagree(code, " (it declares no such status)"));
                            continue;
                        }
                        Some(theirs)
                            if theirs.content.is_empty() != response.content.is_empty() =>
                        {
                            out.push(disagree(code, " (one declares a body, the other none)"));
                            continue;
                        }
                        Some(_) => {}
                    }
                }
                let (Some(ours), Some(theirs)) = (
                    json_schema(&response.content),
                    theirs.and_then(|r| json_schema(&r.content)),
                ) else {
                    continue;
                };
                let value = generate_valid(schemas, ours, 0).unwrap_or_else(|failed| failed.best);
                if valid_under_all(schemas, &[ours, theirs], value, 0).is_none() {
                    out.push(disagree(code, ""));
                }
            }
        }
    }
    out
}

/// `file: version`, and the features of its version the document uses where it is one
/// with features to name: Swagger 2.0 (converted), or OpenAPI 3.2's additions.
fn version_line(spec: &LoadedSpec) -> String {
    let openapi = spec
        .document
        .get("openapi")
        .and_then(|v| v.as_str())
        .unwrap_or("?");
    if let Some(from) = &spec.converted_from {
        return format!(
            "{}: Swagger {from}, served as its OpenAPI {openapi} conversion",
            spec.file
        );
    }
    let features = crate::contract::version_features(&spec.document);
    if features.is_empty() {
        format!("{}: OpenAPI {openapi}", spec.file)
    } else {
        format!(
            "{}: OpenAPI {openapi}, using {}",
            spec.file,
            features.join(", ")
        )
    }
}

/// `file:line at #/pointer: severity: message`, errors first, then in document order.
pub fn render_findings(findings: &[Finding]) -> String {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| f.severity != Severity::Error);
    sorted
        .iter()
        .map(|f| {
            let severity = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            format!("{}: {severity}: {}\n", f.location, f.message)
        })
        .collect()
}
