//! `understudy check`: contract tests of a running provider. Requests generated from the
//! contract (see `plan`) are sent to the target; every answer is checked against the contract
//! and against what the request deserved, with Schemathesis's check names.

mod case;
mod chain;
mod coverage;
mod credentials;
mod judge;
mod links;
mod negative;
mod plan;
mod send;
mod shown;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use chain::run_chain;
use judge::judge;
use links::follow_links;
use send::{Shared, curl, send_recorded};

use crate::contract::Contract;
use crate::report::{Report, ReportBuilder};
use crate::validate::{CheckedExchange, Failure};
pub use case::{Case, Expect};
pub use credentials::Credentials;

pub struct CheckOptions {
    /// The provider's base URL, without a trailing slash.
    pub target: String,
    /// What requests present to the provider (see [`Credentials`]).
    pub credentials: Credentials,
    pub seed: u64,
    /// Generated valid requests per operation beyond the example (`--max-examples`).
    pub max_examples: usize,
    pub max_requests: usize,
    pub timeout: Duration,
    pub workers: usize,
    /// Keeps every exchange (`--record`), secrets redacted.
    pub recorder: Option<Arc<crate::proxy::Recorder>>,
    /// Called after each answer (the command's progress bar).
    pub on_answer: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// The requests `check` plans to send with `options`: the cases and the generated ones (the
/// resource chains, links and shrinking come on top).
pub fn planned(contract: &Contract, options: &CheckOptions) -> usize {
    let cases = plan::cases(contract, &options.credentials, options.seed).len()
        + plan::generated(
            contract,
            &options.credentials,
            options.seed,
            options.max_examples,
        )
        .len();
    cases.min(options.max_requests)
}

pub async fn check(
    contract: Arc<Contract>,
    options: CheckOptions,
    keep_all: bool,
) -> Result<Report, reqwest::Error> {
    let client = reqwest::Client::builder()
        .timeout(options.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut cases = plan::cases(&contract, &options.credentials, options.seed);
    cases.extend(plan::generated(
        &contract,
        &options.credentials,
        options.seed,
        options.max_examples,
    ));
    cases.truncate(options.max_requests);
    let shared = Arc::new(Shared {
        target: options.target.clone(),
        secrets: options.credentials.secrets(
            &contract
                .apis
                .iter()
                .flat_map(|api| &api.api.operations)
                .collect::<Vec<_>>(),
        ),
        recorder: options.recorder.clone(),
        on_answer: options.on_answer.clone(),
    });
    let semaphore = Arc::new(tokio::sync::Semaphore::new(options.workers.max(1)));
    // Deletions go after every other request, so that none meets an object that a request
    // of this run deleted (a 404 the contract may not declare, and no fault of the
    // provider's); the workers send each group in parallel.
    let (deleting, others): (Vec<_>, Vec<_>) = cases
        .into_iter()
        .enumerate()
        .partition(|(_, case)| case.method == "DELETE");
    let mut results = Vec::new();
    for group in [others, deleting] {
        let mut tasks = tokio::task::JoinSet::new();
        for (order, case) in group {
            // The permit is taken before the task is spawned, so that requests start in the
            // plan's order (spawned tasks would race for it): with one worker, every run sends
            // the same requests in the same order, and a stateful provider answers the same.
            let Ok(permit) = semaphore.clone().acquire_owned().await else {
                break;
            };
            let (client, shared) = (client.clone(), shared.clone());
            tasks.spawn(async move {
                let answer = send_recorded(&client, &shared, &case).await;
                drop(permit);
                (order, case, answer)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            if let Ok(result) = joined {
                results.push(result);
            }
        }
    }
    results.sort_by_key(|(order, _, _)| *order);
    let positives: Vec<Case> = results
        .iter()
        .filter(|(_, c, _)| c.expect == Expect::Accepted)
        .map(|(_, c, _)| c.clone())
        .collect();
    let mut builder = ReportBuilder::new(&contract, keep_all);
    let mut linked = Vec::new();
    // A generated request that fails only as another request already did says nothing new
    // (Schemathesis deduplicates the same way): it is left out of the report.
    let mut known: std::collections::HashSet<(String, String, String)> = Default::default();
    let failure_key = |judged: &CheckedExchange, f: &Failure| {
        (
            judged.operation_id.clone().unwrap_or_default(),
            f.check.clone(),
            f.violation.message.clone(),
        )
    };
    for (_, case, answer) in results {
        if let Ok(answer) = &answer {
            linked.extend(follow_links(&contract, &positives, &case, answer));
        }
        let mut judged = judge(&contract, &shared, &case, answer);
        let generated = case.name.contains("(generated ");
        let new: Vec<_> = judged
            .failures
            .iter()
            .map(|f| failure_key(&judged, f))
            .filter(|key| !known.contains(key))
            .collect();
        if generated && !judged.failures.is_empty() && new.is_empty() {
            continue;
        }
        known.extend(new);
        if !judged.failures.is_empty() && generated {
            let checks: Vec<String> = judged.failures.iter().map(|f| f.check.clone()).collect();
            if let Some(smallest) = shrink(&contract, &client, &shared, &case, &checks).await {
                judged.source = format!("{} (shrunk)", case.name);
                judged.reproduce = Some(curl(&shared.target, &smallest, &shared.secrets));
            }
        }
        builder.add(judged);
    }
    // Requests that OpenAPI links lead to, with their parameters taken from the answers.
    for case in linked {
        let answer = send_recorded(&client, &shared, &case).await;
        builder.add(judge(&contract, &shared, &case, answer));
    }
    for chain in plan::chains(&contract) {
        for exchange in run_chain(
            &contract,
            &client,
            &options.credentials,
            options.seed,
            &shared,
            chain,
        )
        .await
        {
            builder.add(exchange);
        }
    }
    Ok(builder.finish())
}

/// Requests a shrink may send at most.
const SHRINK_TRIES: usize = 32;

/// The smallest request found that still fails one of `checks` as `case` did: optional
/// parts left out one at a time while the failure stays (Hypothesis's shrinking, on the
/// request's parts). `None` when nothing smaller fails.
async fn shrink(
    contract: &Contract,
    client: &reqwest::Client,
    shared: &Shared,
    case: &Case,
    checks: &[String],
) -> Option<Case> {
    let mut smallest: Option<Case> = None;
    let mut tries = 0;
    'smaller: loop {
        let current = smallest.as_ref().unwrap_or(case);
        for candidate in plan::smaller(contract, current) {
            if tries == SHRINK_TRIES {
                break 'smaller;
            }
            tries += 1;
            let answer = send_recorded(client, shared, &candidate).await;
            let judged = judge(contract, shared, &candidate, answer);
            if judged.failures.iter().any(|f| checks.contains(&f.check)) {
                smallest = Some(candidate);
                continue 'smaller;
            }
        }
        break;
    }
    smallest
}
