//! `serve` on the bundled contracts: every operation answers, and every answer keeps the
//! contract; the default answers are snapshotted.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn every_bundled_operation_answers_with_a_contract_valid_success() {
    let contract = bundled();
    let answers = answer_every_operation(&contract).await;
    assert_eq!(
        answers.len(),
        21,
        "the four bundled specs declare 21 operations"
    );
    for (request, operation, answer, problems) in answers {
        assert!(
            (200..300).contains(&answer.status),
            "{request} ({operation}) answered {}: {}",
            answer.status,
            answer.text()
        );
        assert!(problems.is_empty(), "{request}: {problems:#?}");
    }
}

#[tokio::test]
async fn bundled_default_answers_match_their_snapshots() {
    let contract = bundled();
    let answers = answer_every_operation(&contract).await;
    for api in &contract.apis {
        let mut snapshot = serde_json::Map::new();
        for (request, operation, answer, _) in &answers {
            if !request
                .split(' ')
                .nth(1)
                .is_some_and(|uri| uri.starts_with(&format!("{}/", api.api.mount)))
            {
                continue;
            }
            let headers: serde_json::Map<String, Value> = answer
                .headers
                .iter()
                .filter(|(n, _)| {
                    !matches!(n.as_str(), "date" | "vary" | "content-length")
                        && !n.as_str().starts_with("access-control")
                })
                .map(|(n, v)| (n.to_string(), json!(v.to_str().unwrap_or_default())))
                .collect();
            snapshot.insert(
                format!("{operation}: {request}"),
                json!({ "status": answer.status, "headers": headers, "body": answer.json() }),
            );
        }
        assert_json_snapshot(&format!("default_answers_{}", api.api.name), &snapshot);
    }
}

#[tokio::test]
async fn bundled_specs_are_mounted_under_their_file_stems() {
    let contract = bundled();
    let mounts: Vec<&str> = contract.apis.iter().map(|a| a.api.mount.as_str()).collect();
    assert_eq!(mounts, ["/kantata", "/kodexa", "/pxyz", "/rebilly"]);
}

#[tokio::test]
async fn the_same_request_gives_the_same_bytes_across_engines() {
    let first = answer_every_operation(&bundled()).await;
    let second = answer_every_operation(&bundled()).await;
    for ((request, _, a, _), (_, _, b, _)) in first.iter().zip(&second) {
        assert_eq!(a.body, b.body, "{request}");
    }
}

#[test]
fn resources_are_inferred_from_the_bundled_paths() {
    let contract = bundled();
    let mut lines = Vec::new();
    for api in &contract.apis {
        for operation in &api.api.operations {
            let bound = operation.binding.as_ref().map(|b| {
                let resource = &api.api.resources[b.resource];
                format!(
                    "{:?} {} keys {:?}",
                    b.action, resource.item_path, resource.keys
                )
            });
            lines.push(format!(
                "{} {} {} -> {}",
                api.api.name,
                operation.method,
                operation.path,
                bound.unwrap_or_else(|| "-".into())
            ));
        }
    }
    assert_text_snapshot("inferred_resources", &lines.join("\n"));
}
