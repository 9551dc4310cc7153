//! Judging an answer: against the contract (status, content type, headers, schema) and against
//! what the case deserved, with Schemathesis's check names.

use serde_json::Value;

use super::case::{Case, Expect};
use super::send::{Answer, Shared, curl, send_recorded};
use crate::contract::{Contract, Operation, StatusKey};
use crate::validate::{
    CheckedExchange, Failure, ObservedResponse, declared_response, response_failures,
};
use crate::violation::{Violation, ViolationKind};

pub(super) fn failure(check: &str, message: String) -> Failure {
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

/// Sends `case` and judges the answer; also the answer's JSON body, for checks across
/// requests.
pub(super) async fn send_judged(
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

/// The answer to `case` judged: what it deserved, and whether it keeps the contract.
pub(super) fn judge(
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
    // What a case deserves is asked of the provider only where the contract lets it answer
    // so: an operation declaring no 2xx cannot accept, one declaring no 4xx cannot refuse.
    let can = |codes: &[u16]| {
        codes
            .iter()
            .any(|c| declared_response(operation, *c).is_some())
    };
    match case.expect {
        Expect::Accepted
            if (400..500).contains(&status)
                && ![401, 403, 404, 409].contains(&status)
                && declares_class(operation, 2) =>
        {
            checked.failures.push(failure(
                "positive_data_acceptance",
                format!("valid input was answered {status}"),
            ));
        }
        // A refusal fits an invalid request when it is a 400, 403 or 422, 404 too where the
        // path names nothing and 415 where the media type is what is wrong, as `serve` (and
        // Prism) choose one: a 415 or 404 declared says nothing of a bad query.
        Expect::Rejected | Expect::RejectedPath | Expect::RejectedMediaType
            if !(400..500).contains(&status)
                && status < 500
                && can(match case.expect {
                    Expect::RejectedPath => &[400, 403, 404, 422],
                    Expect::RejectedMediaType => &[400, 403, 415, 422],
                    _ => &[400, 403, 422],
                }) =>
        {
            checked.failures.push(failure(
                "negative_data_rejection",
                format!("invalid input was answered {status}, not a 4xx"),
            ));
        }
        Expect::Unauthorized
            if ![401, 403].contains(&status) && status < 500 && can(&[401, 403]) =>
        {
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

/// Whether `operation` declares an answer of class `class` (2 for 2xx…): a code of it, its
/// range (`2XX`), or `default`.
fn declares_class(operation: &Operation, class: u16) -> bool {
    operation.responses.iter().any(|r| match r.status {
        StatusKey::Code(code) => code / 100 == class,
        StatusKey::Range(range) => range == class,
        StatusKey::Default => true,
    })
}
