//! `understudy validate`: recorded traffic against the contracts, as a report.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::error::CommandError;
use super::loading::load_contract;
use super::output::{Progress, print_out};
use crate::cli::{ReportFormat, ValidateArgs};
use crate::recording;
use crate::report::ReportBuilder;
use crate::validate::check_exchange;

pub fn run(args: ValidateArgs) -> Result<ExitCode, CommandError> {
    let (_, contract) = load_contract(&args.specs.clone().into())?;
    let mut builder = ReportBuilder::new(&contract, args.format == ReportFormat::Junit);
    let progress = Progress::new("exchanges checked");
    for path in &args.recordings {
        for exchange in recording::read(path)? {
            builder.add(check_exchange(&contract, &exchange?));
            progress.tick();
        }
    }
    progress.finish();
    let report = builder.finish();
    write_report(&report, args.format, args.output.as_deref())?;
    Ok(if report.conforms() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Renders `report` in `format` to `output`, or to standard output.
pub fn write_report(
    report: &crate::report::Report,
    format: ReportFormat,
    output: Option<&std::path::Path>,
) -> Result<(), CommandError> {
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
