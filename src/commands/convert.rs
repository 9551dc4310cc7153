//! `understudy convert`: a document as the OpenAPI 3 that every other command works on, for
//! a user who wants to keep the conversion of a Swagger 2.0 file (or see one bundled).

use std::process::ExitCode;

use super::error::CommandError;
use super::output::print_out;
use crate::cli::ConvertArgs;
use crate::load;

pub fn run(args: ConvertArgs) -> Result<ExitCode, CommandError> {
    let specs = load::load_paths(std::slice::from_ref(&args.spec))?;
    for spec in specs {
        let text =
            serde_json::to_string_pretty(&spec.document).expect("a JSON value always serializes");
        print_out(&format!("{text}\n"));
    }
    Ok(ExitCode::SUCCESS)
}
