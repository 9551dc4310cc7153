//! `understudy check`: contract tests of a running provider. Requests generated from the
//! contract (see `plan`) are sent to the target; every answer is checked against the contract
//! and against what the request deserved, with Schemathesis's check names.

mod case;
mod coverage;
mod plan;

use std::borrow::Cow;

use ::http::HeaderMap;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::contract::Contract;
use crate::headers;
use crate::report::{Report, ReportBuilder};
use crate::validate::{CheckedExchange, Failure, ObservedResponse, response_failures};
use crate::violation::{Violation, ViolationKind};
pub use case::{Case, Expect};

pub struct CheckOptions {
    /// The provider's base URL, without a trailing slash.
    pub target: String,
    /// Sent with every request (credentials: `x-api-key: …`, `Authorization: Bearer …`).
    pub headers: Vec<(String, String)>,
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

/// What came back for a case.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

fn failure(check: &str, message: String) -> Failure {
    Failure {
        check: check.to_string(),
        violation: Violation {
            location: vec!["response".into(), "status".into()],
            instance_path: String::new(),
            schema_path: String::new(),
            kind: ViolationKind::Check(check.to_string()),
            message,
        },
    }
}

/// The requests `check` plans to send with `options`: the cases and the generated ones (the
/// resource chains, links and shrinking come on top).
pub fn planned(contract: &Contract, options: &CheckOptions) -> usize {
    let cases = plan::cases(contract, &options.headers, options.seed).len()
        + plan::generated(
            contract,
            &options.headers,
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
    let mut cases = plan::cases(&contract, &options.headers, options.seed);
    cases.extend(plan::generated(
        &contract,
        &options.headers,
        options.seed,
        options.max_examples,
    ));
    cases.truncate(options.max_requests);
    let shared = Arc::new(Shared {
        target: options.target.clone(),
        secrets: options.headers.clone(),
        recorder: options.recorder.clone(),
        on_answer: options.on_answer.clone(),
    });
    let semaphore = Arc::new(tokio::sync::Semaphore::new(options.workers.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (order, case) in cases.into_iter().enumerate() {
        let (client, shared, semaphore) = (client.clone(), shared.clone(), semaphore.clone());
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let answer = send_recorded(&client, &shared, &case).await;
            (order, case, answer)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(result) = joined {
            results.push(result);
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
        for exchange in run_chain(&contract, &client, &options, &shared, chain).await {
            builder.add(exchange);
        }
    }
    Ok(builder.finish())
}

/// Sends `case` and judges the answer; also the answer's JSON body, for checks across
/// requests.
async fn send_judged(
    contract: &Contract,
    client: &reqwest::Client,
    shared: &Shared,
    case: &Case,
) -> (CheckedExchange, Option<Value>) {
    let answer = send_recorded(client, shared, case).await;
    let body = answer
        .as_ref()
        .ok()
        .and_then(|a| serde_json::from_slice(&a.body).ok());
    (judge(contract, shared, case, answer), body)
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

/// Sends `case`, then records the exchange and reports progress when asked to.
async fn send_recorded(
    client: &reqwest::Client,
    options: &Shared,
    case: &Case,
) -> Result<Answer, String> {
    let started = std::time::Instant::now();
    let answer = send(client, &options.target, case).await;
    if let (Some(recorder), Ok(answer)) = (&options.recorder, &answer) {
        let url = case.url(&options.target);
        let mut request_headers = case.headers.clone();
        if let Some(content_type) = case.body.as_ref().and(case.content_type.as_ref()) {
            headers::set(&mut request_headers, "content-type", content_type);
        }
        recorder.record(
            &crate::recording::Exchange {
                source: case.name.clone(),
                method: case.method.clone(),
                url,
                request_headers,
                request_body: case
                    .body
                    .as_ref()
                    .map(|b| serde_json::to_vec(b).unwrap_or_default())
                    .unwrap_or_default(),
                status: answer.status,
                response_headers: answer.headers.clone(),
                response_body: answer.body.clone(),
            },
            started.elapsed().as_secs_f64() * 1000.0,
        );
    }
    if let Some(on_answer) = &options.on_answer {
        on_answer();
    }
    answer
}

/// The parts of [`CheckOptions`] every request task needs.
struct Shared {
    target: String,
    /// The credentials `check` was given, as (header name, value).
    secrets: Vec<(String, String)>,
    recorder: Option<Arc<crate::proxy::Recorder>>,
    on_answer: Option<Arc<dyn Fn() + Send + Sync>>,
}

async fn send(client: &reqwest::Client, target: &str, case: &Case) -> Result<Answer, String> {
    let url = case.url(target);
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = client.request(method, &url);
    for (name, value) in &case.headers {
        request = request.header(name, value);
    }
    if let Some(body) = &case.body {
        request = request
            .header(
                "content-type",
                case.content_type
                    .clone()
                    .unwrap_or_else(|| "application/json".into()),
            )
            .body(serde_json::to_vec(body).unwrap_or_default());
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(|e| e.to_string())?.to_vec();
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// A `curl` command that sends `case` to `target` again, the `secret` headers (the credentials
/// `check` was given) redacted; a forged credential is no secret and is shown, so that the line
/// still reproduces an `ignored_auth` failure.
pub fn curl(target: &str, case: &Case, secret: &[(String, String)]) -> String {
    let quote = |text: &str| {
        shlex::try_quote(text).map_or_else(
            |_| format!("'{}'", text.replace('\0', "")),
            |q| q.into_owned(),
        )
    };
    let url = case.url(target);
    let mut parts = vec![
        "curl".to_string(),
        "-X".into(),
        case.method.clone(),
        quote(&url),
    ];
    for (name, value) in &case.headers {
        let shown = if secret
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case(name.as_str()) && value == v.as_str())
        {
            "[REDACTED]".to_string()
        } else {
            value.to_str().unwrap_or_default().to_string()
        };
        parts.push("-H".into());
        parts.push(quote(&format!("{name}: {shown}")));
    }
    if let Some(body) = &case.body {
        let content_type = case
            .content_type
            .clone()
            .unwrap_or_else(|| "application/json".into());
        parts.push("-H".into());
        parts.push(quote(&format!("content-type: {content_type}")));
        parts.push("--data-raw".into());
        parts.push(quote(&body.to_string()));
    }
    parts.join(" ")
}

/// The answer to `case` judged: what it deserved, and whether it keeps the contract.
fn judge(
    contract: &Contract,
    shared: &Shared,
    case: &Case,
    answer: Result<Answer, String>,
) -> CheckedExchange {
    let (api, operation) = contract.operation(case.api, case.operation);
    let mut checked = CheckedExchange {
        reproduce: None,
        source: case.name.clone(),
        method: case.method.clone(),
        path: case.path.clone(),
        status: 0,
        operation: (case.expect != Expect::MethodNotAllowed).then_some((case.api, case.operation)),
        operation_id: Some(operation.id.clone()),
        failures: Vec::new(),
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(message) => {
            checked.failures.push(failure(
                "not_a_server_error",
                format!("no answer: {message}"),
            ));
            checked.reproduce = Some(curl(&shared.target, case, &shared.secrets));
            return checked;
        }
    };
    checked.status = answer.status;
    let status = answer.status;
    if status >= 500 {
        checked.failures.push(failure(
            "not_a_server_error",
            format!("the provider answered {status}"),
        ));
    }
    match case.expect {
        Expect::Accepted
            if (400..500).contains(&status) && ![401, 403, 404, 409].contains(&status) =>
        {
            checked.failures.push(failure(
                "positive_data_acceptance",
                format!("valid input was answered {status}"),
            ));
        }
        Expect::Rejected if !(400..500).contains(&status) && status < 500 => {
            checked.failures.push(failure(
                "negative_data_rejection",
                format!("invalid input was answered {status}, not a 4xx"),
            ));
        }
        Expect::Unauthorized if ![401, 403].contains(&status) && status < 500 => {
            checked.failures.push(failure(
                "ignored_auth",
                format!("a request without valid credentials was answered {status}"),
            ));
        }
        Expect::MethodNotAllowed if status != 405 && status < 500 => {
            checked.failures.push(failure(
                "unsupported_method",
                format!(
                    "an undeclared {} was answered {status}, not 405",
                    case.method
                ),
            ));
        }
        Expect::MethodNotAllowed if status == 405 && !answer.headers.contains_key("allow") => {
            checked.failures.push(failure(
                "unsupported_method",
                "405 without an Allow header".into(),
            ));
        }
        _ => {}
    }
    if case.expect != Expect::MethodNotAllowed {
        let observed = ObservedResponse {
            status,
            headers: &answer.headers,
            body: &answer.body,
        };
        checked
            .failures
            .extend(response_failures(api, operation, &observed));
    }
    if !checked.failures.is_empty() {
        checked.reproduce = Some(curl(&shared.target, case, &shared.secrets));
    }
    checked
}

/// Create, read what was created, update it, delete it, read it again (a 404 is expected).
async fn run_chain(
    contract: &Contract,
    client: &reqwest::Client,
    options: &CheckOptions,
    shared: &Shared,
    chain: plan::Chain,
) -> Vec<CheckedExchange> {
    let mut out = Vec::new();
    let all = plan::cases(contract, &options.headers, options.seed ^ 0x5eed);
    let find = |operation: usize| {
        all.iter()
            .find(|c| {
                c.api == chain.api
                    && c.operation == operation
                    && c.expect == Expect::Accepted
                    && c.name.ends_with("(valid)")
            })
            .cloned()
    };
    let (Some(mut create_case), Some(read_case)) = (find(chain.create), find(chain.read)) else {
        return out;
    };
    create_case.name = format!("{} (chain)", create_case.name);
    let created = send_recorded(client, shared, &create_case).await;
    // Where the created object lives: the upsert's own path, or the id the create answered.
    let item = if chain.creates_by_upsert {
        Some(create_case.path.clone())
    } else {
        let id = created.as_ref().ok().and_then(created_id);
        id.map(|id| item_path(contract, chain.api, &read_case, &id))
    };
    let first_id = created.as_ref().ok().and_then(created_id);
    out.push(judge(contract, shared, &create_case, created));
    // A second create must get an id of its own.
    if !chain.creates_by_upsert
        && let Some(first_id) = &first_id
    {
        let mut again = create_case.clone();
        again.name = format!(
            "{} (second create)",
            again.name.trim_end_matches(" (chain)")
        );
        let answer = send_recorded(client, shared, &again).await;
        let second_id = answer.as_ref().ok().and_then(created_id);
        let mut checked = judge(contract, shared, &again, answer);
        if second_id.as_ref() == Some(first_id) {
            checked.failures.push(failure(
                "distinct_ids",
                format!("two creates were both given the id {first_id}"),
            ));
            checked.reproduce = Some(curl(&shared.target, &again, &shared.secrets));
        }
        out.push(checked);
    }
    let Some(item) = item else { return out };
    let at_item = |case: &Case, label: &str| Case {
        path: item.clone(),
        name: format!("{} ({label})", case.name),
        ..case.clone()
    };
    let read = at_item(&read_case, "after create");
    let mut checked = judge(
        contract,
        shared,
        &read,
        send_recorded(client, shared, &read).await,
    );
    if !(200..300).contains(&checked.status) {
        checked.failures.push(failure(
            "ensure_resource_availability",
            format!(
                "the created resource {item} was answered {}",
                checked.status
            ),
        ));
    }
    out.push(checked);
    // The collection lists what was created (unless its page is full: then it cannot tell).
    if let (Some(list_case), Some(id)) = (chain.list.and_then(find), &first_id) {
        let (mut list, size) = plan::largest_page(contract, &list_case);
        list.name = format!("{} (after create)", list.name);
        let (mut checked, body) = send_judged(contract, client, shared, &list).await;
        if (200..300).contains(&checked.status)
            && let Some(body) = body
            && !mentions(&body, id)
            && size.is_some_and(|size| (with_ids(&body) as u64) < size)
        {
            checked.failures.push(failure(
                "ensure_resource_availability",
                format!("the created resource {id} is not in the list, which is not full"),
            ));
            checked.reproduce = Some(curl(&shared.target, &list, &shared.secrets));
        }
        out.push(checked);
    }
    if let Some(update_case) = chain.update.and_then(find) {
        let mut update = at_item(&update_case, "after create");
        // A read-modify-write without the version field: optimistic locking is not what
        // this step tests.
        if let Some(serde_json::Value::Object(body)) = &mut update.body {
            for field in [
                "changeSequence",
                "version",
                "revision",
                "lockVersion",
                "lock_version",
            ] {
                body.remove(field);
            }
        }
        let answer = send_recorded(client, shared, &update).await;
        let updated = answer
            .as_ref()
            .is_ok_and(|a| (200..300).contains(&a.status));
        out.push(judge(contract, shared, &update, answer));
        // What the update wrote is what a read answers next.
        if updated && let Some(sent) = update.body.as_ref().map(written_fields) {
            let read = at_item(&read_case, "after update");
            let (mut checked, body) = send_judged(contract, client, shared, &read).await;
            if (200..300).contains(&checked.status)
                && let Some(body) = body
                && !shows(&body, &sent)
            {
                checked.failures.push(failure(
                    "update_visibility",
                    format!(
                        "{item} was updated with {}, and a read then answered {}",
                        Value::Object(sent.clone()),
                        body
                    ),
                ));
                checked.reproduce = Some(curl(&shared.target, &read, &shared.secrets));
            }
            out.push(checked);
        }
    }
    if let Some(delete_case) = chain.delete.and_then(find) {
        let delete = at_item(&delete_case, "chain");
        out.push(judge(
            contract,
            shared,
            &delete,
            send_recorded(client, shared, &delete).await,
        ));
        let read_again = at_item(&read_case, "after delete");
        let mut checked = judge(
            contract,
            shared,
            &read_again,
            send_recorded(client, shared, &read_again).await,
        );
        if checked.status != 404 {
            checked.failures.push(failure(
                "use_after_free",
                format!(
                    "the deleted resource {item} was answered {}, not 404",
                    checked.status
                ),
            ));
        }
        out.push(checked);
        // Deleting again is answered as the contract says (a 404, or an idempotent 2xx):
        // never a server error.
        let again = at_item(&delete_case, "deleted again");
        out.push(judge(
            contract,
            shared,
            &again,
            send_recorded(client, shared, &again).await,
        ));
    }
    out
}

/// Whether `id` appears in `answer`: as a value, or as a key (objects keyed by id).
fn mentions(answer: &Value, id: &str) -> bool {
    match answer {
        Value::String(s) => s == id,
        Value::Number(n) => n.to_string() == id,
        Value::Object(fields) => fields.iter().any(|(k, v)| k == id || mentions(v, id)),
        Value::Array(items) => items.iter().any(|v| mentions(v, id)),
        _ => false,
    }
}

/// How many objects with an `id` `answer` holds (how full a page is).
fn with_ids(answer: &Value) -> usize {
    match answer {
        Value::Object(fields) => {
            usize::from(fields.contains_key("id")) + fields.values().map(with_ids).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(with_ids).sum(),
        _ => 0,
    }
}

/// The scalar fields an update body writes: its own, or those of the one object it wraps
/// (`{"organization_membership": {...}}`).
fn written_fields(body: &Value) -> serde_json::Map<String, Value> {
    match body {
        Value::Object(fields) if fields.len() == 1 => match fields.values().next() {
            Some(inner @ Value::Object(_)) => written_fields(inner),
            _ => scalars(fields),
        },
        Value::Object(fields) => scalars(fields),
        _ => serde_json::Map::new(),
    }
}

/// The scalar fields of `fields` whose value is the client's to choose: ids, timestamps and
/// version counters are the server's (a provider rightly keeps its own).
fn scalars(fields: &serde_json::Map<String, Value>) -> serde_json::Map<String, Value> {
    let servers = |name: &str| {
        let lower = name.to_ascii_lowercase();
        lower == "id"
            || ["created", "updated", "modified", "deleted"]
                .iter()
                .any(|w| lower.starts_with(w))
            || lower.ends_with("_at")
            || ["version", "revision", "changesequence", "etag"]
                .iter()
                .any(|w| lower.contains(w))
    };
    fields
        .iter()
        .filter(|(k, v)| !v.is_object() && !v.is_array() && !servers(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Scalars equal as a client reads them: `7` and `"7"` are the same value written two ways
/// (a provider may keep a number it was sent as text, as its schema says).
fn same(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    a == b || (!a.is_object() && !a.is_array() && text(a) == text(b))
}

/// Whether some object in `answer` (at any depth: envelopes differ) has every field of
/// `sent` it carries equal to what was sent, and carries at least one.
fn shows(answer: &Value, sent: &serde_json::Map<String, Value>) -> bool {
    if sent.is_empty() {
        return true;
    }
    match answer {
        Value::Object(fields) => {
            let carried: Vec<_> = sent
                .iter()
                .filter(|(k, _)| fields.contains_key(*k))
                .collect();
            (!carried.is_empty()
                && carried
                    .iter()
                    .all(|(k, v)| fields.get(*k).is_some_and(|f| same(f, v))))
                || fields.values().any(|v| shows(v, sent))
        }
        Value::Array(items) => items.iter().any(|v| shows(v, sent)),
        _ => false,
    }
}

/// The read case's path with its last key replaced by `id` (other keys as generated).
fn item_path(contract: &Contract, api: usize, read_case: &Case, id: &str) -> String {
    let compiled = &contract.apis[api].api;
    let template = format!(
        "{}{}",
        compiled.mount, compiled.operations[read_case.operation].path
    );
    let encoded =
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string();
    let mut segments: Vec<String> = read_case.path.split('/').map(str::to_string).collect();
    if let Some(position) = template
        .split('/')
        .collect::<Vec<_>>()
        .iter()
        .rposition(|s| s.starts_with('{'))
    {
        if let Some(segment) = segments.get_mut(position) {
            *segment = encoded;
        }
    }
    segments.join("/")
}

/// The requests the declared `links` of `case`'s answer lead to.
fn follow_links(
    contract: &Contract,
    positives: &[Case],
    case: &Case,
    answer: &Answer,
) -> Vec<Case> {
    if case.expect != Expect::Accepted || !(200..300).contains(&answer.status) {
        return Vec::new();
    }
    let (api, operation) = contract.operation(case.api, case.operation);
    let Some(declared) = crate::validate::declared_response(operation, answer.status) else {
        return Vec::new();
    };
    let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let mut out = Vec::new();
    for link in &declared.links {
        let Some(target_index) = api
            .api
            .operations
            .iter()
            .position(|o| o.id == link.operation_id)
        else {
            continue;
        };
        let Some(base) = positives
            .iter()
            .find(|c| c.api == case.api && c.operation == target_index)
        else {
            continue;
        };
        let target = &api.api.operations[target_index];
        let mut linked = Case {
            name: format!("{} (link {} from {})", base.name, link.name, operation.id),
            ..base.clone()
        };
        let template = format!("{}{}", api.api.mount, target.path);
        let mut segments: Vec<String> = base.path.split('/').map(str::to_string).collect();
        for (raw_name, expression) in &link.parameters {
            let name = raw_name
                .split_once('.')
                .map_or(raw_name.as_str(), |(_, n)| n);
            let Some(value) = evaluate(expression, case, answer, body.as_ref()) else {
                continue;
            };
            let Some(parameter) = target.parameters.iter().find(|p| p.name == name) else {
                continue;
            };
            match parameter.location {
                crate::contract::ParameterLocation::Path => {
                    if let Some(position) =
                        template.split('/').position(|s| s == format!("{{{name}}}"))
                        && let Some(segment) = segments.get_mut(position)
                    {
                        *segment = percent_encoding::utf8_percent_encode(
                            &value,
                            percent_encoding::NON_ALPHANUMERIC,
                        )
                        .to_string();
                    }
                }
                crate::contract::ParameterLocation::Query => {
                    linked.query.retain(|(n, _)| n != name);
                    linked.query.push((name.to_string(), value));
                }
                _ => {
                    headers::set(&mut linked.headers, name, &value);
                }
            }
        }
        linked.path = segments.join("/");
        out.push(linked);
    }
    out
}

/// An OpenAPI runtime expression (`$response.body#/id`, `$request.path.id`,
/// `$response.header.Location`, `$statusCode`) or a literal, as text.
fn evaluate(
    expression: &Value,
    case: &Case,
    answer: &Answer,
    body: Option<&Value>,
) -> Option<String> {
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let Some(expression) = expression.as_str() else {
        return Some(text(expression));
    };
    if let Some(pointer) = expression.strip_prefix("$response.body#") {
        return body?.pointer(pointer).map(text);
    }
    if expression == "$response.body" {
        return body.map(text);
    }
    if let Some(name) = expression.strip_prefix("$response.header.") {
        return headers::text(&answer.headers, name).map(Cow::into_owned);
    }
    if let Some(name) = expression.strip_prefix("$request.query.") {
        return case
            .query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone());
    }
    if let Some(name) = expression.strip_prefix("$request.header.") {
        return headers::text(&case.headers, name).map(Cow::into_owned);
    }
    if expression == "$statusCode" {
        return Some(answer.status.to_string());
    }
    if expression.starts_with('$') {
        return None; // $request.path.*, $request.body, $url, $method: not carried over
    }
    Some(expression.to_string())
}

/// The id of what a create answered with: `Location`'s last segment, the body's `id`, or the
/// first `results[].id` of an envelope.
fn created_id(answer: &Answer) -> Option<String> {
    if let Some(location) = headers::text(&answer.headers, "location") {
        return location.rsplit('/').next().map(str::to_string);
    }
    let body: Value = serde_json::from_slice(&answer.body).ok()?;
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .or_else(|| v.as_i64().map(|n| n.to_string()))
    };
    body.get("id")
        .and_then(text)
        .or_else(|| body.pointer("/results/0/id").and_then(text))
}
