//! `understudy validate`: recorded traffic against the contracts, as a report.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::{CommandError, load_contract};
use crate::cli::{ReportFormat, SpecArgs, ValidateArgs};
use crate::recording;
use crate::report::Report;
use crate::validate::check_exchange;

pub fn run(args: ValidateArgs) -> Result<ExitCode, CommandError> {
    let spec_args = SpecArgs {
        specs: args.specs.clone(),
        mounts: args.mounts.clone(),
    };
    let (_, contract) = load_contract(&spec_args)?;
    let mut checked = Vec::new();
    for path in &args.recordings {
        for exchange in recording::read(path)? {
            checked.push(check_exchange(&contract, &exchange?));
        }
    }
    let report = Report::new(&contract, checked);
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none();
    let text = match args.format {
        ReportFormat::Human => report.human(color),
        ReportFormat::Json => report.json(),
        ReportFormat::Junit => report.junit(),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|source| CommandError::Write {
            path: path.display().to_string(),
            source,
        })?,
        None => print!("{text}"),
    }
    Ok(if report.conforms() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
