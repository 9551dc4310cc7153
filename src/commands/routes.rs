//! `understudy routes`: every operation served, with its full URL.

use std::process::ExitCode;

use super::error::CommandError;
use super::loading::load_contract;
use super::output::print_out;
use crate::cli::RoutesArgs;

pub fn run(args: RoutesArgs) -> Result<ExitCode, CommandError> {
    let (_, contract) = load_contract(&args.specs)?;
    let base = format!("http://{}", std::net::SocketAddr::new(args.host, args.port));
    let mut text = String::new();
    for compiled in &contract.apis {
        let api = &compiled.api;
        text.push_str(&format!(
            "{} ({}, OpenAPI {})\n",
            api.title, api.file, api.openapi
        ));
        for operation in &api.operations {
            text.push_str(&format!(
                "  {:<7} {base}{}{}  {}\n",
                operation.method, api.mount, operation.path, operation.id
            ));
            for callback in &operation.callbacks {
                text.push_str(&format!(
                    "    callback {} {} {}\n",
                    callback.name, callback.operation.method, callback.url
                ));
            }
        }
        for webhook in &api.webhooks {
            text.push_str(&format!(
                "  webhook {} {}: POST {base}/__understudy/webhooks/{} fires it\n",
                webhook.name, webhook.operation.method, webhook.name
            ));
        }
    }
    print_out(&text);
    Ok(ExitCode::SUCCESS)
}
