//! `understudy proxy`: the validating proxy in front of a real upstream.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::error::CommandError;
use super::loading::load_contract;
use super::output::recorder;
use crate::cli::ProxyArgs;
use crate::http::{self, HttpOptions};
use crate::proxy::{Proxy, ProxyOptions};

pub fn run(mut args: ProxyArgs) -> Result<ExitCode, CommandError> {
    // Prism's `proxy SPEC URL`, as `--spec SPEC --upstream URL`.
    match std::mem::take(&mut args.prism_form).as_slice() {
        [] => {}
        [spec, url] if args.upstream.is_none() => {
            args.specs.specs.push(spec.into());
            args.upstream = Some(url.clone());
        }
        other => {
            return Err(CommandError::Client(format!(
                "proxy takes SPEC URL as Prism does, or --spec SPEC --upstream URL; got {}",
                other.join(" ")
            )));
        }
    }
    let upstream = args.upstream.clone().unwrap_or_default();
    let (_, contract) = load_contract(&args.specs.clone().into())?;
    let recorder = recorder(args.record.as_deref(), &contract)?;
    let options = ProxyOptions {
        upstream: upstream.clone(),
        errors: args.errors,
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
        recorder,
    };
    let proxy =
        Arc::new(Proxy::new(contract, options).map_err(|e| CommandError::Client(e.to_string()))?);
    let app = http::proxy_app(
        proxy,
        HttpOptions {
            body_limit: args.max_body_bytes,
            cors: true,
            callback_delay: std::time::Duration::ZERO,
        },
    );
    let address = SocketAddr::new(args.host, args.port);

    http::listen(address, app, |address| {
        println!("understudy proxy: http://{address} → {upstream}")
    })?;
    Ok(ExitCode::SUCCESS)
}
