//! `understudy lint`: document problems, one per line, errors first.

use std::process::ExitCode;

use super::{CommandError, fill_line, load_contract};
use crate::cli::LintArgs;
use crate::contract::{Finding, Severity};

pub fn run(args: LintArgs) -> Result<ExitCode, CommandError> {
    let (_, contract) = load_contract(&args.specs)?;
    let mut findings = contract.findings.clone();
    findings.iter_mut().for_each(|f| fill_line(&mut f.location));
    print!("{}", render_findings(&findings));
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let operations: usize = contract.apis.iter().map(|a| a.api.operations.len()).sum();
    println!(
        "{} document(s), {operations} operation(s): {errors} error(s), {} warning(s)",
        contract.apis.len(),
        findings.len() - errors
    );
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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
