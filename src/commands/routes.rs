//! `understudy routes`: every operation served, with its full URL.

use std::process::ExitCode;

use super::{CommandError, load_contract};
use crate::cli::RoutesArgs;

pub fn run(args: RoutesArgs) -> Result<ExitCode, CommandError> {
    let (_, contract) = load_contract(&args.specs)?;
    let base = format!("http://{}", std::net::SocketAddr::new(args.host, args.port));
    for compiled in &contract.apis {
        let api = &compiled.api;
        println!("{} ({}, OpenAPI {})", api.title, api.file, api.openapi);
        for operation in &api.operations {
            println!(
                "  {:<7} {base}{}{}  {}",
                operation.method, api.mount, operation.path, operation.id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
