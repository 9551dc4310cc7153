//! `understudy validate`: recorded traffic against the contracts, as a report.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::error::CommandError;
use super::loading::load_contract;
use super::output::{Progress, print_out};
use crate::cli::{ReportFormat, ValidateArgs};
use crate::load::LoadedSpec;
use crate::pointer::{encode_fragment, local_target};
use crate::recording;
use crate::report::ReportBuilder;
use crate::validate::{CheckedExchange, check_exchange};

pub fn run(args: ValidateArgs) -> Result<ExitCode, CommandError> {
    let (specs, contract) = load_contract(&args.specs.clone().into())?;
    let mut builder = ReportBuilder::new(&contract, args.format == ReportFormat::Junit);
    let progress = Progress::new("exchanges checked");
    for path in &args.recordings {
        for exchange in recording::read(path)? {
            builder.add(check_exchange(&contract, &exchange?));
            progress.tick();
        }
    }
    progress.finish();
    let mut report = builder.finish();
    write_report(&mut report, &specs, args.format, args.output.as_deref())?;
    Ok(if report.conforms() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Schema paths named as the user's file has them: a converted Swagger 2.0 document's places
/// are found in the 2.0 file (`#/definitions/Error`, not `#/components/schemas/Error`).
fn in_the_file(specs: &[LoadedSpec], checked: &mut CheckedExchange) {
    let Some(spec) = checked.operation.and_then(|(api, _)| specs.get(api)) else {
        return;
    };
    for failure in &mut checked.failures {
        if let Some(pointer) = local_target(&failure.violation.schema_path) {
            failure.violation.schema_path =
                format!("#{}", encode_fragment(&spec.original_pointer(&pointer)));
        }
    }
}

/// Renders `report` in `format` to `output`, or to standard output, its schema paths named
/// as the users' files have them.
pub fn write_report(
    report: &mut crate::report::Report,
    specs: &[LoadedSpec],
    format: ReportFormat,
    output: Option<&std::path::Path>,
) -> Result<(), CommandError> {
    for checked in &mut report.exchanges {
        in_the_file(specs, checked);
    }
    let to_terminal = output.is_none() && std::io::stdout().is_terminal();
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none();
    let text = match format {
        ReportFormat::Human => report.human(color),
        ReportFormat::Json => report.json(),
        ReportFormat::Junit => report.junit(),
    };
    match output {
        Some(path) => std::fs::write(path, text).map_err(|source| CommandError::Write {
            path: path.display().to_string(),
            source,
        })?,
        None => print_out(&text),
    }
    Ok(())
}
