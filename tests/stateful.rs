//! Stateful resources: scenarios per vendor (create → read → update → list → delete → 404)
//! with a frozen clock, snapshotted; every answer checked against its contract.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::{Value, json};
use understudy::contract::Contract;
use understudy::http::{HttpOptions, app};
use understudy::mock::EngineOptions;
use understudy::state::{Clock, StoreError};

fn frozen_router(backend: Backend) -> (Arc<Contract>, axum::Router) {
    let contract = bundled();
    let options = EngineOptions {
        clock: Clock::parse("2024-01-01T00:00:00Z").unwrap(),
        ..EngineOptions::default()
    };
    let engine = engine_on(backend, &contract, options);
    (contract, app(engine, HttpOptions::default()))
}

/// The header of a JSON request body.
const JSON: [(&str, &str); 1] = [("content-type", "application/json")];

/// Runs `test` with the fixture `name`'s contract and a stateful router on it, once on each
/// store backend, each empty.
async fn on_every_backend(name: &str, test: impl AsyncFn(Arc<Contract>, axum::Router)) {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let contract = fixture_contract(name);
        let engine = engine_on(backend, &contract, EngineOptions::default());
        test(contract.clone(), app(engine, HttpOptions::default())).await;
    }
}

/// One step of a scenario: request, expected status; the answer is recorded.
struct Step<'a> {
    method: &'a str,
    uri: String,
    headers: Vec<(&'a str, &'a str)>,
    body: String,
    status: u16,
}

fn step<'a>(
    method: &'a str,
    uri: impl Into<String>,
    headers: &[(&'a str, &'a str)],
    body: Value,
    status: u16,
) -> Step<'a> {
    Step {
        method,
        uri: uri.into(),
        headers: headers.to_vec(),
        body: if body.is_null() {
            String::new()
        } else {
            body.to_string()
        },
        status,
    }
}

/// Runs the steps, checking statuses and the contract, and returns the transcript.
async fn run(contract: &Contract, router: &axum::Router, steps: Vec<Step<'_>>) -> Vec<Value> {
    let mut transcript = Vec::new();
    for step in steps {
        let mut headers = step.headers.clone();
        if !step.body.is_empty() {
            headers.push(("content-type", "application/json"));
        }
        let answer = send(router, step.method, &step.uri, &headers, &step.body).await;
        let path = step.uri.split('?').next().unwrap();
        let (api, operation) = contract
            .find_operation(step.method, path)
            .expect("a declared operation");
        let problems = contract_problems(api, operation, &answer);
        assert!(
            problems.is_empty(),
            "{} {}: {problems:#?}\n{}",
            step.method,
            step.uri,
            answer.text()
        );
        assert_eq!(
            answer.status,
            step.status,
            "{} {}: {}",
            step.method,
            step.uri,
            answer.text()
        );
        assert!(
            answer.header("sl-violations").is_none(),
            "{} {}: {:?}",
            step.method,
            step.uri,
            answer.header("sl-violations")
        );
        let headers: serde_json::Map<String, Value> = answer
            .headers
            .iter()
            .filter(|(n, _)| *n == "location" || n.as_str().starts_with("pagination-"))
            .map(|(n, v)| (n.to_string(), json!(v.to_str().unwrap_or_default())))
            .collect();
        transcript.push(json!({
            "request": format!("{} {}", step.method, step.uri),
            "status": answer.status,
            "headers": headers,
            "body": answer.json(),
        }));
    }
    transcript
}

fn snapshot(name: &str, transcript: &[Value]) {
    assert_json_snapshot(name, &transcript);
}

#[tokio::test]
async fn kodexa_memberships_live_from_create_to_delete_with_optimistic_locking() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let (contract, router) = frozen_router(backend);
        let key = [("x-api-key", "k")];
        let created = send(
            &router,
            "POST",
            "/kodexa/api/memberships",
            &[key[0], ("content-type", "application/json")],
            &json!({"role": "admin", "userId": "u1", "organizationId": "o1"}).to_string(),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let id = created.json()["id"].as_str().unwrap().to_string();
        assert_eq!(created.json()["changeSequence"], 1);
        assert_eq!(created.json()["createdOn"], "2024-01-01T00:00:00Z");
        let item = format!("/kodexa/api/memberships/{id}");
        let transcript = run(
            &contract,
            &router,
            vec![
                step("GET", item.clone(), &key, Value::Null, 200),
                step(
                    "PUT",
                    item.clone(),
                    &key,
                    json!({"role": "viewer", "changeSequence": 1}),
                    200,
                ),
                step(
                    "PUT",
                    item.clone(),
                    &key,
                    json!({"role": "owner", "changeSequence": 1}),
                    409,
                ),
                step(
                    "GET",
                    "/kodexa/api/memberships?page=1&pageSize=5",
                    &key,
                    Value::Null,
                    200,
                ),
                step("DELETE", item.clone(), &key, Value::Null, 204),
                step("GET", item.clone(), &key, Value::Null, 404),
                step("PUT", item, &key, json!({"role": "owner"}), 404),
            ],
        )
        .await;
        assert_eq!(transcript[1]["body"]["role"], "viewer");
        assert_eq!(transcript[1]["body"]["changeSequence"], 2);
        assert_eq!(transcript[3]["body"]["totalElements"], 1);
        assert_eq!(transcript[3]["body"]["content"][0]["id"], json!(id));
        snapshot("scenario_kodexa", &transcript);
    }
}

#[tokio::test]
async fn kodexa_team_members_created_by_post_are_readable() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let (contract, router) = frozen_router(backend);
        let key = [("x-api-key", "k")];
        let created = send(
            &router,
            "POST",
            "/kodexa/api/team-members",
            &[key[0], ("content-type", "application/json")],
            &json!({"teamId": "t1", "userId": "u1"}).to_string(),
        )
        .await;
        assert_eq!(created.status, 201);
        let id = created.json()["id"].as_str().unwrap().to_string();
        let transcript = run(
            &contract,
            &router,
            vec![step(
                "GET",
                format!("/kodexa/api/team-members/{id}"),
                &key,
                Value::Null,
                200,
            )],
        )
        .await;
        assert_eq!(transcript[0]["body"]["teamId"], "t1");
    }
}

#[tokio::test]
async fn rebilly_upserts_answer_201_then_200_and_paginate_with_headers() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let (contract, router) = frozen_router(backend);
        let key = [("reb-apikey", "k")];
        let transcript = run(
            &contract,
            &router,
            vec![
                step(
                    "PUT",
                    "/rebilly/memberships/org1/user1",
                    &key,
                    json!({"roleIds": ["admin"], "allowedIps": ["8.8.8.8"]}),
                    201,
                ),
                step(
                    "PUT",
                    "/rebilly/memberships/org1/user2",
                    &key,
                    json!({"roleIds": ["viewer"]}),
                    201,
                ),
                step(
                    "PUT",
                    "/rebilly/memberships/org1/user1",
                    &key,
                    json!({"isOwner": true}),
                    200,
                ),
                step(
                    "GET",
                    "/rebilly/memberships?limit=1&offset=1",
                    &key,
                    Value::Null,
                    200,
                ),
                step(
                    "GET",
                    "/rebilly/memberships/org1/user1",
                    &key,
                    Value::Null,
                    200,
                ),
                step(
                    "DELETE",
                    "/rebilly/memberships/org1/user1",
                    &key,
                    Value::Null,
                    204,
                ),
                step(
                    "GET",
                    "/rebilly/memberships/org1/user1",
                    &key,
                    Value::Null,
                    404,
                ),
            ],
        )
        .await;
        assert_eq!(
            transcript[0]["headers"]["location"],
            "http://localhost/rebilly/memberships/org1/user1"
        );
        assert_eq!(transcript[0]["body"]["organization"]["id"], "org1");
        assert_eq!(transcript[0]["body"]["user"]["id"], "user1");
        assert_eq!(transcript[3]["headers"]["pagination-total"], "2");
        assert_eq!(transcript[3]["headers"]["pagination-limit"], "1");
        assert_eq!(transcript[3]["headers"]["pagination-offset"], "1");
        assert_eq!(transcript[3]["body"][0]["user"]["id"], "user2");
        assert_eq!(transcript[4]["body"]["isOwner"], true);
        assert_eq!(transcript[4]["body"]["roleIds"], json!(["admin"]));
        snapshot("scenario_rebilly", &transcript);
    }
}

#[tokio::test]
async fn protocol_members_are_listed_per_organization_and_a_delete_answers_the_deleted_member() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let (contract, router) = frozen_router(backend);
        let auth = [("authorization", "Bearer t")];
        let org_a = "clorganizationa1";
        let org_b = "clorganizationb1";
        let mut ids = Vec::new();
        for (org, user) in [
            (org_a, "cluser00001"),
            (org_b, "cluser00002"),
            (org_a, "cluser00003"),
        ] {
            let created = send(
                &router,
                "POST",
                "/pxyz/auth/organization-members",
                &[auth[0], ("content-type", "application/json")],
                &json!({"organizationId": org, "userId": user}).to_string(),
            )
            .await;
            assert_eq!(created.status, 200, "{}", created.text());
            ids.push(created.json()["id"].as_str().unwrap().to_string());
        }
        let list = format!("/pxyz/organizations/{org_a}/auth/organization-members");
        let transcript = run(
            &contract,
            &router,
            vec![
                step("GET", format!("{list}?perPage=1"), &auth, Value::Null, 200),
                step("GET", list.clone(), &auth, Value::Null, 200),
                step(
                    "PUT",
                    format!("/pxyz/auth/organization-members/{}", ids[2]),
                    &auth,
                    json!({"publicMeta": {"title": "CTO"}}),
                    200,
                ),
                step(
                    "DELETE",
                    format!("/pxyz/auth/organization-members/{}", ids[2]),
                    &auth,
                    Value::Null,
                    200,
                ),
                step(
                    "GET",
                    format!("/pxyz/auth/organization-members/{}", ids[2]),
                    &auth,
                    Value::Null,
                    404,
                ),
                step("GET", list.clone(), &auth, Value::Null, 200),
            ],
        )
        .await;
        assert_eq!(transcript[0]["body"]["meta"]["total"], 2);
        assert_eq!(transcript[0]["body"]["meta"]["perPage"], 1);
        assert_eq!(transcript[0]["body"]["data"][0]["id"], json!(ids[0]));
        assert_eq!(
            transcript[0]["body"]["meta"]["next"], transcript[0]["body"]["data"][0]["createdAt"],
            "expected the next page's cursor to be the last member's creation time, as declared"
        );
        assert_eq!(
            transcript[1]["body"]["meta"]["perPage"], 10,
            "the declared default"
        );
        assert_eq!(transcript[1]["body"]["data"][1]["id"], json!(ids[2]));
        assert_eq!(transcript[2]["body"]["publicMeta"], json!({"title": "CTO"}));
        assert_eq!(
            transcript[3]["body"]["id"],
            json!(ids[2]),
            "expected the deleted member as the DELETE's answer"
        );
        assert_eq!(transcript[5]["body"]["meta"]["total"], 1);
        snapshot("scenario_pxyz", &transcript);
    }
}

#[tokio::test]
async fn kantata_keeps_its_envelope_and_filters() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let (contract, router) = frozen_router(backend);
        let auth = [("authorization", "Bearer t")];
        for (member, kind, department) in [(1, "user", 10), (2, "workspace", 20), (3, "user", 20)] {
            let body = json!({"organization_membership": {"member_id": member, "member_type": kind, "department_id": department}});
            let created = send(
                &router,
                "POST",
                "/kantata/organization_memberships",
                &[auth[0], ("content-type", "application/json")],
                &body.to_string(),
            )
            .await;
            assert_eq!(created.status, 201, "{}", created.text());
        }
        let transcript = run(
            &contract,
            &router,
            vec![
                step(
                    "GET",
                    "/kantata/organization_memberships",
                    &auth,
                    Value::Null,
                    200,
                ),
                step(
                    "GET",
                    "/kantata/organization_memberships?member_type=user&department_id=20",
                    &auth,
                    Value::Null,
                    200,
                ),
                step(
                    "GET",
                    "/kantata/organization_memberships?only=1,2&per_page=1&page=2",
                    &auth,
                    Value::Null,
                    200,
                ),
                step(
                    "PUT",
                    "/kantata/organization_memberships/2",
                    &auth,
                    json!({"organization_membership": {"geography_id": 7}}),
                    200,
                ),
                step(
                    "GET",
                    "/kantata/organization_memberships/2",
                    &auth,
                    Value::Null,
                    200,
                ),
                step(
                    "DELETE",
                    "/kantata/organization_memberships/2",
                    &auth,
                    Value::Null,
                    204,
                ),
                step(
                    "GET",
                    "/kantata/organization_memberships/2",
                    &auth,
                    Value::Null,
                    404,
                ),
                step(
                    "GET",
                    "/kantata/organization_memberships?created_after=2023-12-31T00:00:00Z",
                    &auth,
                    Value::Null,
                    200,
                ),
                step(
                    "GET",
                    "/kantata/organization_memberships?created_before=2023-12-31T00:00:00Z",
                    &auth,
                    Value::Null,
                    200,
                ),
            ],
        )
        .await;
        assert_eq!(transcript[0]["body"]["count"], 3);
        assert_eq!(
            transcript[0]["body"]["results"],
            json!([
                {"key": "organization_memberships", "id": "1"},
                {"key": "organization_memberships", "id": "2"},
                {"key": "organization_memberships", "id": "3"},
            ])
        );
        assert_eq!(transcript[1]["body"]["count"], 1);
        assert_eq!(transcript[1]["body"]["results"][0]["id"], "3");
        assert_eq!(
            transcript[2]["body"]["meta"],
            json!({"count": 2, "page_count": 2, "page_number": 2, "page_size": 1})
        );
        assert_eq!(
            transcript[4]["body"]["organization_memberships"]["2"]["geography_id"],
            "7"
        );
        assert_eq!(
            transcript[4]["body"]["meta"],
            json!({"count": 1, "page_count": 1, "page_number": 1, "page_size": 1})
        );
        assert_eq!(transcript[6]["body"]["errors"][0]["type"], "not_found");
        assert_eq!(transcript[7]["body"]["count"], 2);
        assert_eq!(transcript[8]["body"]["count"], 0);
        // Related organizations are side-loaded only on request: none are invented.
        assert_eq!(transcript[0]["body"]["organizations"], json!({}));
        snapshot("scenario_kantata", &transcript);
    }
}

#[tokio::test]
async fn sessions_keep_their_data_apart() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let (_, router) = frozen_router(backend);
        let auth = ("authorization", "Bearer t");
        let body =
            json!({"organization_membership": {"member_id": 1, "member_type": "user"}}).to_string();
        let create = |session: &'static str| {
            let router = router.clone();
            let body = body.clone();
            async move {
                send(
                    &router,
                    "POST",
                    "/kantata/organization_memberships",
                    &[
                        auth,
                        ("content-type", "application/json"),
                        ("x-understudy-session", session),
                    ],
                    &body,
                )
                .await
            }
        };
        assert_eq!(create("a").await.status, 201);
        assert_eq!(create("a").await.status, 201);
        assert_eq!(create("b").await.status, 201);
        let count = |headers: Vec<(&'static str, &'static str)>| {
            let router = router.clone();
            async move {
                send(
                    &router,
                    "GET",
                    "/kantata/organization_memberships",
                    &headers,
                    "",
                )
                .await
                .json()["count"]
                    .clone()
            }
        };
        assert_eq!(count(vec![auth, ("x-understudy-session", "a")]).await, 2);
        assert_eq!(
            count(vec![auth, ("cookie", "x-understudy-session=b")]).await,
            1
        );
        assert_eq!(count(vec![auth]).await, 0);
    }
}

#[tokio::test]
async fn prefer_still_reaches_the_contracts_mock_answers() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let (_, router) = frozen_router(backend);
        let answer = send(
            &router,
            "GET",
            "/kantata/organization_memberships/99",
            &[("authorization", "Bearer t"), ("prefer", "code=200")],
            "",
        )
        .await;
        assert_eq!(answer.status, 200, "an explicit Prefer bypasses the store");
    }
}

#[tokio::test]
async fn many_clients_at_once_lose_no_update() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let (_, router) = frozen_router(backend);
        let key = ("x-api-key", "k");
        let created = send(
            &router,
            "POST",
            "/kodexa/api/memberships",
            &[key, ("content-type", "application/json")],
            &json!({"role": "member"}).to_string(),
        )
        .await;
        let id = created.json()["id"].as_str().unwrap().to_string();
        let item = format!("/kodexa/api/memberships/{id}");
        let mut tasks = Vec::new();
        for n in 0..64 {
            let router = router.clone();
            let item = item.clone();
            tasks.push(tokio::spawn(async move {
                if n % 2 == 0 {
                    // Read the version, then write with it: exactly one writer per version wins.
                    let current =
                        send(&router, "GET", &item, &[key], "").await.json()["changeSequence"]
                            .clone();
                    let body = json!({"role": "admin", "changeSequence": current}).to_string();
                    send(
                        &router,
                        "PUT",
                        &item,
                        &[key, ("content-type", "application/json")],
                        &body,
                    )
                    .await
                    .status
                } else {
                    let body = json!({"role": "viewer"}).to_string();
                    send(
                        &router,
                        "POST",
                        "/kodexa/api/memberships",
                        &[key, ("content-type", "application/json")],
                        &body,
                    )
                    .await
                    .status
                }
            }));
        }
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        assert!(
            statuses.iter().all(|s| [200, 201, 409].contains(s)),
            "{statuses:?}"
        );
        let successful_updates = statuses.iter().filter(|s| **s == 200).count() as i64;
        let final_version = send(&router, "GET", &item, &[key], "").await.json()["changeSequence"]
            .as_i64()
            .unwrap();
        assert_eq!(
            final_version,
            1 + successful_updates,
            "every accepted update bumped the version exactly once"
        );
        let listed = send(
            &router,
            "GET",
            "/kodexa/api/memberships?pageSize=100",
            &[key],
            "",
        )
        .await
        .json();
        assert_eq!(
            listed["totalElements"], 33,
            "32 creates and the first membership"
        );
    }
}

#[tokio::test]
async fn the_admin_api_dumps_loads_resets_and_journals() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let (_, router) = frozen_router(backend);
        let auth = ("authorization", "Bearer t");
        let body =
            json!({"organization_membership": {"member_id": 1, "member_type": "user"}}).to_string();
        send(
            &router,
            "POST",
            "/kantata/organization_memberships",
            &[
                auth,
                ("content-type", "application/json"),
                ("x-understudy-session", "s1"),
            ],
            &body,
        )
        .await;

        let health = send(&router, "GET", "/__understudy/health", &[], "").await;
        assert_eq!(health.status, 200);
        assert_eq!(health.json()["status"], "ok");

        let state = send(&router, "GET", "/__understudy/state?session=s1", &[], "")
            .await
            .json();
        let dump = state["s1"].clone();
        assert_eq!(
            dump["kantata:/organization_memberships/{id}"][0]["key"],
            json!(["1"])
        );

        // What was dumped loads into another session.
        let loaded = send(
            &router,
            "PUT",
            "/__understudy/state?session=s2",
            &[],
            &dump.to_string(),
        )
        .await;
        assert_eq!(loaded.status, 204);
        let listed = send(
            &router,
            "GET",
            "/kantata/organization_memberships",
            &[auth, ("x-understudy-session", "s2")],
            "",
        )
        .await;
        assert_eq!(listed.json()["count"], 1);
        let refused = send(&router, "PUT", "/__understudy/state", &[], "[1, 2]").await;
        assert_eq!(refused.status, 400);

        let journal = send(&router, "GET", "/__understudy/requests", &[], "")
            .await
            .json();
        let entries = journal.as_array().unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e["operation"] == "createOrganizationMembership"
                    && e["status"] == 201
                    && e["session"] == "s1")
        );
        assert!(
            !journal.to_string().contains("Bearer t"),
            "credentials are never journaled"
        );

        assert_eq!(
            send(&router, "DELETE", "/__understudy/state?session=s2", &[], "")
                .await
                .status,
            204
        );
        let listed = send(
            &router,
            "GET",
            "/kantata/organization_memberships",
            &[auth, ("x-understudy-session", "s2")],
            "",
        )
        .await;
        assert_eq!(listed.json()["count"], 0);
    }
}

#[tokio::test]
async fn no_admin_leaves_the_prefix_to_the_contract() {
    let engine = engine(
        &bundled(),
        EngineOptions {
            admin: false,
            ..EngineOptions::default()
        },
    );
    let router = app(engine, HttpOptions::default());
    let answer = send(&router, "GET", "/__understudy/health", &[], "").await;
    assert_eq!(answer.status, 404);
    assert!(answer.text().contains("NO_PATH_MATCHED_ERROR"));
}

#[tokio::test]
async fn nested_collections_merge_patches_and_explicit_resources_work_on_any_contract() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let contract = fixture_contract("stateful.yaml");
        let engine = engine_on(
            backend,
            &contract,
            EngineOptions {
                clock: Clock::parse("2024-01-01T00:00:00Z").unwrap(),
                ..EngineOptions::default()
            },
        );
        let router = app(engine, HttpOptions::default());
        let json_type = ("content-type", "application/json");
        let mut ids = Vec::new();
        for (team, name, role) in [
            ("t1", "ada", "lead"),
            ("t1", "bob", "dev"),
            ("t2", "cy", "dev"),
        ] {
            let body = json!({"name": name, "role": role, "id": "00000000-0000-4000-8000-000000000000", "profile": {"city": "Oslo", "phone": "1"}}).to_string();
            let answer = send(
                &router,
                "POST",
                &format!("/teams/{team}/members"),
                &[json_type],
                &body,
            )
            .await;
            assert_eq!(answer.status, 201, "{}", answer.text());
            assert_ne!(
                answer.json()["id"],
                "client-chosen",
                "readOnly ids are the server's"
            );
            assert_eq!(answer.json()["teamId"], team);
            ids.push(answer.json()["id"].as_str().unwrap().to_string());
        }
        let t1 = send(&router, "GET", "/teams/t1/members", &[], "")
            .await
            .json();
        assert_eq!(t1.as_array().unwrap().len(), 2, "{t1}");
        let devs = send(&router, "GET", "/teams/t1/members?role=dev", &[], "")
            .await
            .json();
        assert_eq!(devs.as_array().unwrap().len(), 1);
        assert_eq!(devs[0]["name"], "bob");

        let patch = json!({"role": "lead", "profile": {"phone": null}}).to_string();
        let patched = send(
            &router,
            "PATCH",
            &format!("/teams/t1/members/{}", ids[1]),
            &[("content-type", "application/merge-patch+json")],
            &patch,
        )
        .await;
        assert_eq!(patched.status, 200, "{}", patched.text());
        assert_eq!(patched.json()["role"], "lead");
        assert_eq!(
            patched.json()["profile"],
            json!({"city": "Oslo"}),
            "null removes, the rest merges"
        );
        assert_eq!(patched.json()["name"], "bob");

        // The member of team t2 is not found under team t1.
        assert_eq!(
            send(
                &router,
                "GET",
                &format!("/teams/t1/members/{}", ids[2]),
                &[],
                ""
            )
            .await
            .status,
            404
        );

        let directory = send(&router, "GET", "/directory", &[], "").await.json();
        assert_eq!(directory["total"], 3);
        assert_eq!(directory["items"].as_array().unwrap().len(), 3);

        assert_eq!(
            send(
                &router,
                "DELETE",
                &format!("/teams/t1/members/{}", ids[0]),
                &[],
                ""
            )
            .await
            .status,
            204
        );
        assert_eq!(
            send(&router, "GET", "/directory", &[], "").await.json()["total"],
            2
        );
        for (request, operation, answer, problems) in answer_every_operation(&contract).await {
            assert!(
                problems.is_empty(),
                "{request} ({operation}): {problems:#?}\n{}",
                answer.text()
            );
        }
    }
}

#[tokio::test]
async fn the_contracts_examples_can_seed_the_store() {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let contract = fixture_contract("stateful.yaml");
        let engine = engine_on(backend, &contract, EngineOptions::default());
        assert_eq!(engine.seed_from_examples(), 1);
        let router = app(engine, HttpOptions::default());
        let eve = send(
            &router,
            "GET",
            "/teams/t9/members/6f1c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10",
            &[],
            "",
        )
        .await;
        assert_eq!(eve.status, 200, "{}", eve.text());
        assert_eq!(eve.json()["name"], "eve");
        assert_eq!(
            send(&router, "GET", "/teams/t9/members", &[], "")
                .await
                .json()
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn stored_data_that_breaks_the_schema_is_made_to_fit_and_flagged_on_every_read_until_it_is_replaced()
 {
    for backend in BACKENDS {
        let _on = OnBackend(backend);
        let (_, router) = frozen_router(backend);
        let auth = ("authorization", "Bearer t");
        let load = |primary: Value| {
            json!({"kantata:/organization_memberships/{id}": [{"key": ["7"], "object": {
            "created_at": "2024-01-01T00:00:00Z", "member_id": "7", "member_type": "user",
            "primary": primary, "updated_at": "2024-01-01T00:00:00Z"}}]})
            .to_string()
        };
        let uri = "/kantata/organization_memberships/7";
        let warnings = async |stored_primary: Value| {
            let answer = send(&router, "GET", uri, &[auth], "").await;
            assert_eq!(answer.status, 200);
            let membership = &answer.json()["organization_memberships"]["7"];
            // What does not fit is made to fit; what fits is answered as stored.
            let expected = if stored_primary.is_boolean() {
                stored_primary
            } else {
                membership["primary"].clone()
            };
            assert!(
                membership["primary"].is_boolean() && membership["primary"] == expected,
                "expected primary answered as a boolean ({expected}), got {membership}"
            );
            assert_eq!(
                membership["member_id"], "7",
                "expected the fields that fit to be kept, got {membership}"
            );
            answer
                .header("sl-violations")
                .unwrap_or_default()
                .to_string()
        };

        for (primary, flagged) in [
            (json!(true), false),
            (json!("yes"), true),
            (json!(false), false),
        ] {
            let loaded = send(
                &router,
                "PUT",
                "/__understudy/state",
                &[],
                &load(primary.clone()),
            )
            .await;
            assert_eq!(loaded.status, 204);
            // The second read is answered from the check mark of the first (when it passed).
            for _ in 0..2 {
                let header = warnings(primary.clone()).await;
                assert_eq!(
                    header.contains("stored data does not fit the response schema"),
                    flagged,
                    "primary {primary}: {header}"
                );
            }
        }
    }
}

#[test]
fn answers_that_may_take_milliseconds_are_flagged_for_the_blocking_pool() {
    use understudy::mock::MockRequest;
    use understudy::state::DEFAULT_SESSION;
    let engine = engine(&bundled(), EngineOptions::default());
    let request = |path: &str| MockRequest {
        method: "GET".into(),
        path: path.into(),
        headers: understudy::headers::from_pairs([("authorization", "Bearer t")]),
        ..MockRequest::default()
    };
    let read = request("/kantata/organization_memberships/1");
    assert!(
        engine.may_block(&read),
        "expected an operation's first request (validators compiled on first use) to be flagged"
    );
    engine.handle(&read);
    assert!(
        !engine.may_block(&read),
        "expected the second request of an operation not to be flagged"
    );
    let list = request("/kantata/organization_memberships");
    engine.handle(&list);
    assert!(
        !engine.may_block(&list),
        "expected a list of an empty collection not to be flagged"
    );
    let objects: Vec<Value> = (1..=5000)
        .map(|i| json!({"key": [i.to_string()], "object": {"id": i}}))
        .collect();
    let dump = json!({ "kantata:/organization_memberships/{id}": objects });
    understudy::state::write(engine.store().as_ref(), DEFAULT_SESSION, |data| {
        data.load(&dump.to_string())
    })
    .expect("the store runs the load")
    .expect("the dump loads");
    assert!(
        engine.may_block(&list),
        "expected a list over 5,000 stored objects to be flagged"
    );
    assert!(
        engine.may_block(&request("/__understudy/state")),
        "expected the admin API's state dump to be flagged"
    );
}

/// A second backend over the memory store, noting every read and write the engine asks of it.
struct NotingStore {
    inner: understudy::state::MemoryStore,
    noted: std::sync::Mutex<Vec<String>>,
}

impl understudy::state::Store for NotingStore {
    fn read(
        &self,
        session: &str,
        read: &mut dyn FnMut(&dyn understudy::state::Session),
    ) -> Result<(), StoreError> {
        self.noted.lock().unwrap().push(format!("read {session}"));
        self.inner.read(session, read)
    }

    fn write(
        &self,
        session: &str,
        change: &mut dyn FnMut(&mut dyn understudy::state::Session),
    ) -> Result<(), StoreError> {
        self.noted.lock().unwrap().push(format!("write {session}"));
        self.inner.write(session, change)
    }

    fn sessions(&self) -> Result<Vec<String>, StoreError> {
        self.inner.sessions()
    }

    fn reset(&self, session: Option<&str>) -> Result<(), StoreError> {
        self.inner.reset(session)
    }

    fn name(&self) -> String {
        "noting".into()
    }
}

#[test]
fn the_engine_keeps_its_objects_in_the_store_it_is_given() {
    use understudy::mock::{Engine, MockRequest};
    let store = Arc::new(NotingStore {
        inner: understudy::state::MemoryStore::new(10),
        noted: Default::default(),
    });
    let engine = Engine::with_store(bundled(), EngineOptions::default(), store.clone());
    let request = |method: &str, path: &str, body: &str| MockRequest {
        method: method.into(),
        path: path.into(),
        headers: understudy::headers::from_pairs([
            ("authorization", "Bearer t"),
            ("content-type", "application/json"),
            ("x-understudy-session", "s1"),
        ]),
        body: body.to_string().into(),
        ..MockRequest::default()
    };
    let created = engine.handle(&request(
        "POST",
        "/kantata/organization_memberships",
        r#"{"organization_membership": {"member_id": 7, "member_type": "user"}}"#,
    ));
    assert_eq!(created.status, 201, "expected the create to succeed");
    let read = engine.handle(&request("GET", "/kantata/organization_memberships/1", ""));
    assert_eq!(
        read.status, 200,
        "expected the created object to be read back"
    );
    assert_eq!(
        *store.noted.lock().unwrap(),
        ["write s1", "read s1"],
        "expected one write for the create and one read for the GET, through the given store"
    );
}

/// One request to the undeclared-404 fixture, its answer checked against the contract.
async fn thing_step(
    contract: &Contract,
    router: &axum::Router,
    method: &str,
    uri: &str,
    body: &str,
) -> Answer {
    let headers: &[(&str, &str)] = if body.is_empty() {
        &[]
    } else {
        &[("content-type", "application/json")]
    };
    let answer = send(router, method, uri, headers, body).await;
    assert_within_contract(contract, method, uri, &answer);
    answer
}

#[tokio::test]
async fn an_id_never_seen_answers_as_an_existing_object_when_no_404_can_be_sent() {
    // Without a 404 declared, and with one whose body no value can follow.
    let fixtures = [
        (
            "undeclared-404.yaml",
            "getThing declares no 404, 4XX or default answer",
        ),
        (
            "unsendable-404.yaml",
            "getThing's answer for it has a body no value can follow",
        ),
    ];
    for (backend, (fixture, lacking)) in BACKENDS.into_iter().flat_map(|b| fixtures.map(|f| (b, f)))
    {
        let _on = OnBackend(backend);
        let contract = fixture_contract(fixture);
        let router = || {
            app(
                engine_on(backend, &contract, EngineOptions::default()),
                HttpOptions::default(),
            )
        };
        let (first, second) = (router(), router());
        let read = thing_step(&contract, &first, "GET", "/things/42", "").await;
        assert_eq!(
            read.status,
            200,
            "expected the declared 200, got: {}",
            read.text()
        );
        assert_eq!(
            read.json()["id"],
            42,
            "expected the object to carry its id: {}",
            read.text()
        );
        let again = thing_step(&contract, &second, "GET", "/things/42", "").await;
        assert_eq!(
            again.body, read.body,
            "expected the same id to stand for the same object in another engine"
        );
        let replaced = thing_step(
            &contract,
            &first,
            "PUT",
            "/things/42",
            r#"{"name": "bolt"}"#,
        )
        .await;
        assert_eq!(
            replaced.status,
            200,
            "expected the PUT to update the stand-in: {}",
            replaced.text()
        );
        let reread = thing_step(&contract, &first, "GET", "/things/42", "").await;
        assert_eq!(
            reread.json()["name"],
            "bolt",
            "expected the update to be kept: {}",
            reread.text()
        );
        let deleted = thing_step(&contract, &first, "DELETE", "/things/42", "").await;
        assert_eq!(
            deleted.status,
            204,
            "expected the declared 204: {}",
            deleted.text()
        );
        let gone = thing_step(&contract, &first, "GET", "/things/42", "").await;
        assert_eq!(
            gone.status,
            200,
            "expected the contract's answer, as the read declares no 404: {}",
            gone.text()
        );
        let note = gone.header("sl-violations").unwrap_or_default();
        assert!(
            note.contains(&format!("was deleted in this session, but {lacking}"))
                && note.contains("this answer is the contract's"),
            "{fixture}: expected sl-violations to say the object was deleted, that {lacking:?}, \
             and that the answer is the contract's, got {note:?}"
        );
        let deleted_again = thing_step(&contract, &first, "DELETE", "/things/42", "").await;
        assert_eq!(
            deleted_again.status,
            204,
            "expected a repeated DELETE to succeed as declared (DELETE is idempotent): {}",
            deleted_again.text()
        );
        let still_gone = thing_step(&contract, &first, "GET", "/things/42", "").await;
        let note = still_gone.header("sl-violations").unwrap_or_default();
        assert!(
            still_gone.status == 200 && note.contains("was deleted in this session"),
            "expected the object to stay deleted after a repeated DELETE (the contract's \
             answer, noted), got {} with sl-violations {note:?}",
            still_gone.status
        );
        let put_again =
            thing_step(&contract, &first, "PUT", "/things/42", r#"{"name": "nut"}"#).await;
        assert_eq!(
            put_again.status,
            200,
            "expected a PUT to create the deleted object again, as PUT may: {}",
            put_again.text()
        );
        let back = thing_step(&contract, &first, "GET", "/things/42", "").await;
        assert_eq!(
            back.json()["name"],
            "nut",
            "expected the object the PUT created: {}",
            back.text()
        );
        let never_deleted = thing_step(&contract, &first, "DELETE", "/things/7", "").await;
        assert_eq!(
            never_deleted.status,
            204,
            "expected a DELETE of an id never seen to succeed as declared: {}",
            never_deleted.text()
        );
    }
}

#[tokio::test]
async fn a_delete_that_declares_a_deletion_marker_answers_the_marker_with_the_stored_id() {
    on_every_backend("deletion-marker.yaml", async |contract, router| {
        let created = send(
            &router,
            "POST",
            "/customers",
            &JSON,
            r#"{"email": "a@example.com"}"#,
        )
        .await;
        assert_eq!(
            created.status,
            200,
            "expected the create: {}",
            created.text()
        );
        let id = created.json()["id"].as_str().expect("an id").to_string();
        let uri = format!("/customers/{id}");
        let read = send(&router, "GET", &uri, &[], "").await;
        assert_eq!(
            read.json(),
            json!({"id": id, "object": "customer", "email": "a@example.com"}),
            "expected the customer created, where the read declares it or its deletion marker"
        );
        let deleted = send(&router, "DELETE", &uri, &[], "").await;
        let (api, operation) = contract.find_operation("DELETE", &uri).unwrap();
        let problems = contract_problems(api, operation, &deleted);
        assert!(
            problems.is_empty(),
            "expected the deletion marker the contract declares, got {problems:#?}: {}",
            deleted.text()
        );
        assert_eq!(
            deleted.json(),
            json!({"id": id, "object": "customer", "deleted": true}),
            "expected the marker to carry the deleted object's id"
        );
        let gone = send(&router, "GET", &uri, &[], "").await;
        assert_eq!(
            gone.status, 404,
            "expected the declared 404 after the delete"
        );
    })
    .await;
}

#[tokio::test]
async fn a_list_envelope_composed_with_all_of_holds_the_stored_objects_and_no_links_to_missing_pages()
 {
    on_every_backend("composed-envelope.yaml", async |contract, router| {
        let list = || send(&router, "GET", "/tickets", &[], "");
        let empty = list().await;
        let created = [
            send(&router, "POST", "/tickets", &JSON, r#"{"title": "a"}"#).await,
            send(&router, "POST", "/tickets", &JSON, r#"{"title": "b"}"#).await,
        ];
        let full = list().await;
        let (api, operation) = contract.find_operation("GET", "/tickets").unwrap();
        for (what, answer) in [("empty", &empty), ("full", &full)] {
            let problems = contract_problems(api, operation, answer);
            assert!(
                problems.is_empty() && answer.header("sl-violations").is_none(),
                "expected the {what} list within its contract as it stands, got {problems:#?} \
                 and {:?}: {}",
                answer.header("sl-violations"),
                answer.text()
            );
            let links = &answer.json()["links"];
            assert!(
                links.get("next").is_none() && links.get("prev").is_none(),
                "expected no link to a page there is not (the schema allows no null), got {links}"
            );
        }
        assert_eq!(
            empty.json()["data"],
            json!([]),
            "expected the empty list's data to be an empty array: {}",
            empty.text()
        );
        let ids: Vec<Value> = created.iter().map(|c| c.json()["id"].clone()).collect();
        let listed: Vec<Value> = full.json()["data"]
            .as_array()
            .map(|items| items.iter().map(|i| i["id"].clone()).collect())
            .unwrap_or_default();
        assert_eq!(
            listed,
            ids,
            "expected the created tickets in the list's data: {}",
            full.text()
        );
    })
    .await;
}

#[tokio::test]
async fn objects_wrapped_in_data_both_ways_are_stored_unwrapped_and_listed() {
    on_every_backend("data-envelope.yaml", async |_, router| {
        let body = r#"{"data": {"name": "groceries", "text": "milk"}}"#;
        let created = send(&router, "POST", "/notes", &JSON, body).await;
        let gid = created.json()["data"]["gid"].clone();
        let read = send(
            &router,
            "GET",
            &format!("/notes/{}", gid.as_str().unwrap_or_default()),
            &[],
            "",
        )
        .await;
        assert_eq!(
            (&read.json()["data"]["name"], &read.json()["data"]["text"]),
            (&json!("groceries"), &json!("milk")),
            "expected the note {body} made, unwrapped from data and wrapped again: {}",
            read.text()
        );
        let list = send(&router, "GET", "/notes", &[], "").await;
        assert_eq!(
            list.json()["data"][0]["gid"],
            gid,
            "expected the note in the list's data: {}",
            list.text()
        );
    })
    .await;
}

#[tokio::test]
async fn a_stored_object_no_branch_of_the_read_takes_is_answered_in_the_branch_nearest_it() {
    on_every_backend("branch-reads.yaml", async |contract, router| {
        let body = r#"{"message": "first", "content": "aGVsbG8="}"#;
        send(&router, "PUT", "/files/readme.md", &JSON, body).await;
        let read = send(&router, "GET", "/files/readme.md", &[], "").await;
        assert_within_contract(&contract, "GET", "/files/readme.md", &read);
        assert_eq!(
            read.json()["content"],
            "aGVsbG8=",
            "expected the file branch with the content written ({body}), got {}",
            read.text()
        );
    })
    .await;
}

#[tokio::test]
async fn a_rule_of_one_kind_among_several_is_answered_as_its_kind_with_the_id_it_is_read_by() {
    on_every_backend("branch-reads.yaml", async |contract, router| {
        let body = r#"{"ruleType": "queue", "target": {"queue": "jobs", "secretKey": "k"}}"#;
        let created = send(&router, "POST", "/rules", &JSON, body).await;
        assert_within_contract(&contract, "POST", "/rules", &created);
        let id = created.json()["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let uri = format!("/rules/{id}");
        let read = send(&router, "GET", &uri, &[], "").await;
        assert_within_contract(&contract, "GET", &uri, &read);
        let shown = |answer: &Answer| {
            (
                answer.json()["ruleType"].clone(),
                answer.json()["target"].clone(),
            )
        };
        assert!(
            read.status == 200
                && shown(&created) == (json!("queue"), json!({"queue": "jobs"}))
                && shown(&read) == shown(&created),
            "expected the queue rule created ({body}) answered as a queue rule with its queue and \
             no secret key, and read back at GET {uri}, got {} then {} {}",
            created.text(),
            read.status,
            read.text()
        );
    })
    .await;
}

#[tokio::test]
async fn lists_in_hal_embedded_hold_the_stored_objects_one_level_down() {
    on_every_backend("hal-lists.yaml", async |contract, router| {
        let created = send(
            &router,
            "POST",
            "/categories",
            &JSON,
            r#"{"code": "winter_collection", "labels": {"en_US": "Winter"}}"#,
        )
        .await;
        assert_eq!(
            created.header("location"),
            Some("http://localhost/categories/winter_collection"),
            "expected the Location of the category the client named, written as it is"
        );
        let made = send(
            &router,
            "POST",
            "/applications",
            &JSON,
            r#"{"name": "app"}"#,
        )
        .await;
        let id = made.json()["id"].clone();
        for (path, slot, wanted) in [
            ("/categories", "items", ("code", json!("winter_collection"))),
            ("/applications", "applications", ("id", id)),
        ] {
            let list = send(&router, "GET", path, &[], "").await;
            let (api, operation) = contract.find_operation("GET", path).unwrap();
            let problems = contract_problems(api, operation, &list);
            assert!(
                problems.is_empty() && list.header("sl-violations").is_none(),
                "GET {path}: expected a list within its contract, got {problems:#?} and {:?}: {}",
                list.header("sl-violations"),
                list.text()
            );
            let listed: Vec<Value> = list.json()["_embedded"][slot]
                .as_array()
                .map(|items| items.iter().map(|i| i[wanted.0].clone()).collect())
                .unwrap_or_default();
            assert_eq!(
                listed,
                std::slice::from_ref(&wanted.1),
                "GET {path}: expected the one stored object in _embedded.{slot}: {}",
                list.text()
            );
        }
        let page = send(&router, "GET", "/applications", &[], "").await;
        assert_eq!(
            page.json()["total_items"],
            1,
            "expected the page to count the stored application: {}",
            page.text()
        );
    })
    .await;
}

#[tokio::test]
async fn paths_that_answer_lists_or_names_are_answered_from_the_contract_not_with_stored_objects() {
    on_every_backend("no-object-paths.yaml", async |_, router| {
        let created = send(
            &router,
            "POST",
            "/rules",
            &JSON,
            r#"{"type": "VALIDITY", "config": "FULL"}"#,
        )
        .await;
        assert_eq!(created.status, 204, "{}", created.text());
        let set = send(
            &router,
            "PUT",
            "/apps/a/env/PORT",
            &[("content-type", "text/plain")],
            "80",
        )
        .await;
        assert_eq!(set.status, 200, "{}", set.text());
        let addons = send(&router, "GET", "/apps/a/addons/env", &[], "").await;
        assert!(
            addons.status == 200
                && addons.header("sl-violations").is_none()
                && addons.json()[0]["addon_id"].is_string(),
            "expected the add-ons' variables from the contract, no app variable in them, got \
             {:?} {}",
            addons.header("sl-violations"),
            addons.text()
        );
        for uri in ["/lines/tube", "/rules"] {
            let answer = send(&router, "GET", uri, &[], "").await;
            let body = answer.json();
            let items = body.as_array().cloned().unwrap_or_default();
            assert!(
                answer.status == 200
                    && answer.header("sl-violations").is_none()
                    && !items.is_empty()
                    && items
                        .iter()
                        .all(|i| i.is_object() == (uri == "/lines/tube")),
                "expected GET {uri} to answer the contract's list ({}), no warning, got {:?} {}",
                if uri == "/rules" { "names" } else { "lines" },
                answer.header("sl-violations"),
                answer.text()
            );
        }
        // A list found by name whose objects are not the resource's (Clever Cloud's summary of
        // each app's deployments, under a property named `{app_id}`) is the contract's, where
        // the resource's read answers no body and its own list says what its objects are.
        let read = send(&router, "GET", "/orgs/o/apps/a/deployments/d1", &[], "").await;
        let summary = send(&router, "GET", "/orgs/o/deployments", &[], "").await;
        assert!(
            read.status == 200
                && summary.status == 200
                && summary.header("sl-violations").is_none(),
            "expected the deployments' summary answered from the contract, no warning, got \
             {:?} {}",
            summary.header("sl-violations"),
            summary.text()
        );
        // A POST at the collection that takes a list (core.ac.uk's batch read by ids) creates
        // nothing: its answer, a list, is the contract's, not one made-up object remade.
        let batch = send(&router, "POST", "/articles/get", &JSON, "[1, 2]").await;
        assert!(
            batch.status == 200
                && batch.header("sl-violations").is_none()
                && batch
                    .json()
                    .as_array()
                    .is_some_and(|a| a.iter().all(|article| article["status"].is_string())),
            "expected the batch read answered from the contract, no warning, got {:?} {}",
            batch.header("sl-violations"),
            batch.text()
        );
        // A read whose answer can hold no object (byte strings) is the contract's, though the
        // resource's create answers one.
        let person = send(&router, "POST", "/people", &JSON, r#"{"name": "Ada"}"#).await;
        let number = person.json()["id"].clone();
        let read = send(&router, "GET", "/people/1", &[], "").await;
        assert!(
            person.status == 201
                && read.status == 200
                && read.header("sl-violations").is_none()
                && read
                    .json()
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string)),
            "expected the person's bytes answered from the contract (created as {number}): {:?} {}",
            read.header("sl-violations"),
            read.text()
        );
        // A read that answers the content as text leaves the object to the create's answer:
        // what was created can be read, and is gone once deleted.
        let mut ids = Vec::new();
        for _ in 0..2 {
            let created = send(&router, "POST", "/artifacts", &JSON, r#""openapi: 3.1.0""#).await;
            ids.push(created.json()["id"].clone());
        }
        assert_ne!(
            ids[0], ids[1],
            "expected two artifacts, got the ids {ids:?}"
        );
        let item = format!("/artifacts/{}", ids[0].as_str().unwrap_or_default());
        let steps = [("GET", 200), ("DELETE", 204), ("GET", 404)];
        for (method, status) in steps {
            let answer = send(&router, method, &item, &[], "").await;
            assert_eq!(
                answer.status,
                status,
                "expected {method} {item} to answer {status}: {}",
                answer.text()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn answers_showing_a_narrower_view_of_the_object_show_the_stored_one() {
    on_every_backend("narrower-views.yaml", async |_, router| {
        for name in ["build", "deploy"] {
            let body = format!(r#"{{"name": "{name}"}}"#);
            let started = send(&router, "POST", "/jobs", &JSON, &body).await;
            assert_eq!(started.status, 200, "{}", started.text());
        }
        let list = send(&router, "GET", "/jobs", &[], "").await;
        let names: Vec<Value> = list.json()["jobSummaries"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|job| job["name"].clone())
            .collect();
        assert_eq!(
            (names, list.header("sl-violations")),
            (vec![json!("build"), json!("deploy")], None),
            "expected the summaries of both jobs started: {}",
            list.text()
        );
        // A field the summary declares as text and the job as a number is the stored number
        // written as text, not one remade.
        let job = send(&router, "GET", "/jobs", &[], "").await.json()["jobSummaries"][0].clone();
        let read = send(
            &router,
            "GET",
            &format!("/jobs/{}", job["jobId"].as_str().unwrap_or_default()),
            &[],
            "",
        )
        .await;
        assert_eq!(
            job["priority"],
            json!(read.json()["priority"].to_string()),
            "expected the summary's priority to be the job's as text: {job} beside {}",
            read.text()
        );
        let added = send(&router, "POST", "/items", &JSON, r#"{"name": "tea"}"#).await;
        let id = added.json()["data"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let read = send(&router, "GET", &format!("/items/{id}"), &[], "").await;
        assert_eq!(
            (
                added.header("sl-violations"),
                read.status,
                read.json()["data"]["name"].clone()
            ),
            (None, 200, json!("tea")),
            "expected the id answered by the create ({}) to read the item: {}",
            added.text(),
            read.text()
        );
        for description in ["one", "two", "three"] {
            let body = format!(r#"{{"description": "{description}"}}"#);
            let created = send(&router, "POST", "/gists", &JSON, &body).await;
            let id = created.json()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let read = send(&router, "GET", &format!("/gists/{id}"), &[], "").await;
            assert_eq!(
                (created.status, read.header("sl-violations")),
                (201, None),
                "expected the gist read as stored: {} then {}",
                created.text(),
                read.text()
            );
        }
        let gists = send(&router, "GET", "/gists", &[], "").await;
        assert_eq!(
            (
                gists.json()[2]["description"].clone(),
                gists.header("sl-violations")
            ),
            (json!("three"), None),
            "expected the gists listed as stored, their urls URIs as the list's view wants: {}",
            gists.text()
        );
        // A list whose items require a field the object's schema lacks (GoToMeeting's
        // `joinURL`) lists the stored meetings with it, not remade.
        let created = send(
            &router,
            "POST",
            "/meetings",
            &JSON,
            r#"{"subject": "sync"}"#,
        )
        .await;
        let listed = send(&router, "GET", "/meetings", &[], "").await;
        assert_eq!(
            (
                created.status,
                listed.json()[0]["subject"].clone(),
                listed.json()[0]["joinURL"].is_string(),
                listed.header("sl-violations")
            ),
            (201, json!("sync"), true, None),
            "expected the meeting listed as stored, with its link: {} then {}",
            created.text(),
            listed.text()
        );
    })
    .await;
}

#[tokio::test]
async fn stored_objects_never_take_an_example_their_schema_refuses() {
    on_every_backend("stored-schema-examples.yaml", async |_, router| {
        let created = send(
            &router,
            "POST",
            "/bookings",
            &JSON,
            r#"{"passenger": "Ada"}"#,
        )
        .await;
        let body = created.json();
        assert!(
            created.status == 201
                && created.header("sl-violations").is_none()
                && body["trip_id"] != "4f4e4e1-c824-4d63-b37a-d8d698862f1d"
                && body["class"] != "business"
                && body["seats"] != 0,
            "expected a booking made without the examples its schema refuses, nothing said to \
             break the contract, got {:?} {}",
            created.header("sl-violations"),
            created.text()
        );
        // Whole objects and lists are examples too: a booking exemplified with a null date,
        // a trip's stops exemplified as `[null]`.
        for (path, body) in [
            ("/bookings", r#"{"passenger": "Ada"}"#),
            ("/trips", r#"{"name": "Tour"}"#),
        ] {
            let created = send(&router, "POST", path, &JSON, body).await;
            let id = created.json()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let read = send(&router, "GET", &format!("{path}/{id}"), &[], "").await;
            for (what, answer) in [("create", &created), ("read", &read)] {
                let body = answer.json();
                assert!(
                    answer.header("sl-violations").is_none()
                        && body.get("cancelled_at").is_none_or(Value::is_string)
                        && body["stops"]
                            .as_array()
                            .is_none_or(|stops| stops.iter().all(Value::is_object)),
                    "expected the {what} of {path} answered from an object made without the \
                     examples its schema refuses (no null date, no null stop), nothing remade, \
                     got {:?} {}",
                    answer.header("sl-violations"),
                    answer.text()
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_client_value_the_request_takes_but_the_answers_refuse_is_not_stored_and_the_answer_says_so()
 {
    on_every_backend("looser-requests.yaml", async |contract, router| {
        let created = thing_step(
            &contract,
            &router,
            "POST",
            "/orgs",
            r#"{"name": "Acme", "billing_email": "accounts", "port": null}"#,
        )
        .await;
        let notes = created
            .header("sl-violations")
            .unwrap_or_default()
            .to_string();
        let body = created.json();
        assert!(
            body["name"] == "Acme"
                && body["billing_email"] != "accounts"
                && body["port"].is_i64()
                && notes.contains(r#""location":["request","body","billing_email"]"#)
                && notes.contains(r#""location":["request","body","port"]"#)
                && notes.contains("not_stored"),
            "expected Acme stored without the email and port its answers refuse, each named in \
             sl-violations, got {notes} {}",
            created.text()
        );
        let id = body["id"].as_i64().unwrap_or_default();
        let read = thing_step(&contract, &router, "GET", &format!("/orgs/{id}"), "").await;
        assert!(
            read.header("sl-violations").is_none() && read.json() == body,
            "expected the read to answer the stored org as created, nothing remade, got {:?} {}",
            read.header("sl-violations"),
            read.text()
        );
        let uri = format!("/orgs/{id}");
        let patch = r#"{"billing_email": "ada@example.com"}"#;
        let updated = thing_step(&contract, &router, "PATCH", &uri, patch).await;
        let read = thing_step(&contract, &router, "GET", &uri, "").await;
        assert!(
            updated.header("sl-violations").is_none()
                && read.json()["billing_email"] == "ada@example.com",
            "expected an email that fits stored, got {:?} {} then {}",
            updated.header("sl-violations"),
            updated.text(),
            read.text()
        );
        // Lists and objects too: tracks by ids no integer are not stored; an owner sent by id
        // alone keeps the name the answers require.
        let patch = r#"{"tracks": [{"id": "x"}], "owner": {"id": 7}}"#;
        let refused = thing_step(&contract, &router, "PATCH", &uri, patch).await;
        let notes = refused
            .header("sl-violations")
            .unwrap_or_default()
            .to_string();
        // Ids sent as strings of digits are stored as the integers the answers declare.
        let patch = r#"{"tracks": [{"id": "7"}]}"#;
        let taken = thing_step(&contract, &router, "PATCH", &uri, patch).await;
        assert!(
            notes.contains(r#""location":["request","body","tracks"]"#)
                && !notes.contains("owner")
                && refused.json()["owner"]["id"] == 7
                && refused.json()["owner"]["name"].is_string()
                && taken.header("sl-violations").is_none()
                && taken.json()["tracks"] == json!([{"id": 7}]),
            "expected tracks with id \"x\" refused, \"7\" stored as 7 and the owner stored, got \
             {notes} {} then {:?} {}",
            refused.text(),
            taken.header("sl-violations"),
            taken.text()
        );
        // An owner removed (merge patch null), then sent again by id alone.
        thing_step(&contract, &router, "PATCH", &uri, r#"{"owner": null}"#).await;
        let again = r#"{"owner": {"id": 9}}"#;
        let owned = thing_step(&contract, &router, "PATCH", &uri, again).await;
        assert!(
            owned.header("sl-violations").is_none()
                && owned.json()["owner"]["id"] == 9
                && owned.json()["owner"]["name"].is_string(),
            "expected the owner sent by id stored with a name made for it, got {:?} {}",
            owned.header("sl-violations"),
            owned.text()
        );
    })
    .await;
}

#[tokio::test]
async fn a_list_slot_referred_to_through_an_annotating_all_of_holds_every_created_object() {
    on_every_backend("annotated-refs.yaml", async |_, router| {
        for name in ["first", "second"] {
            let body = format!(r#"{{"name": "{name}"}}"#);
            let created = send(&router, "POST", "/apps", &JSON, &body).await;
            assert_eq!(
                (created.status, created.json()["app"]["name"].clone()),
                (200, json!(name)),
                "expected the app {name} created: {}",
                created.text()
            );
        }
        let list = send(&router, "GET", "/apps", &[], "").await;
        let names: Vec<Value> = list.json()["apps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|app| app["name"].clone())
            .collect();
        assert_eq!(
            (names, list.header("sl-violations")),
            (vec![json!("first"), json!("second")], None),
            "expected both apps listed in `apps`, and nothing said to break the contract: {}",
            list.text()
        );
    })
    .await;
}

#[tokio::test]
async fn a_request_naming_an_object_by_its_number_or_name_keeps_the_object_and_names_it() {
    on_every_backend("named-references.yaml", async |_, router| {
        let created = send(
            &router,
            "POST",
            "/issues",
            &JSON,
            r#"{"title": "it broke", "milestone": 1, "base": "main", "labels": ["bug", "ui"],
                "assignee": {"id": 7, "avatar": {"size": 2}}}"#,
        )
        .await;
        let id = created.json()["id"].clone();
        let updated = send(
            &router,
            "PATCH",
            &format!("/issues/{id}"),
            &JSON,
            r#"{"milestone": 2}"#,
        )
        .await;
        let read = send(&router, "GET", &format!("/issues/{id}"), &[], "").await;
        for (answer, milestone) in [(&created, 1), (&updated, 2), (&read, 2)] {
            let body = answer.json();
            let labels: Vec<Value> = body["labels"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|label| label["name"].clone())
                .collect();
            assert_eq!(
                labels,
                vec![json!("bug"), json!("ui")],
                "expected a label object per name sent: {}",
                answer.text()
            );
            let assignee = &body["assignee"];
            assert!(
                assignee["id"] == 7
                    && assignee["login"].is_string()
                    && assignee["avatar"]["url"].is_string()
                    && assignee["avatar"]["size"] == 2,
                "expected the assignee sent, with the required fields it did not send kept: {}",
                answer.text()
            );
            assert_eq!(
                (
                    answer.header("sl-violations"),
                    body["milestone"]["number"].clone(),
                    body["base"]["ref"].clone(),
                    body["title"].clone(),
                ),
                (None, json!(milestone), json!("main"), json!("it broke")),
                "expected the milestone numbered {milestone} and the branch main, whole objects \
                 the schema allows, got {}",
                answer.text()
            );
        }
        // A merge patch's null clears a field that takes null (required, so not removed).
        let cleared = send(
            &router,
            "PATCH",
            &format!("/issues/{id}"),
            &JSON,
            r#"{"milestone": null}"#,
        )
        .await;
        assert_eq!(
            (
                cleared.header("sl-violations"),
                cleared.json()["milestone"].clone()
            ),
            (None, Value::Null),
            "expected the milestone cleared to null: {}",
            cleared.text()
        );
        let section = send(&router, "GET", "/sections/guides", &[], "").await;
        assert_eq!(
            (section.status, section.header("sl-violations")),
            (200, None),
            "expected a section the enum lists, not the key guides: {}",
            section.text()
        );
        // An id shaped as the field that carries it says, where the path parameter is any
        // string (Twilio's sids; Lucidtech's transitions, whose id is one of two shapes).
        for (collection, id_field, body, field, prefix, length) in [
            (
                "channels",
                "sid",
                r#"{"friendly_name": "general"}"#,
                "friendly_name",
                "CH",
                Some(34),
            ),
            (
                "transitions",
                "transitionId",
                r#"{"name": "general"}"#,
                "name",
                "las:transition:",
                None,
            ),
        ] {
            let created = send(&router, "POST", &format!("/{collection}"), &JSON, body).await;
            let id = created.json()[id_field]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let read = send(&router, "GET", &format!("/{collection}/{id}"), &[], "").await;
            assert!(
                id.starts_with(prefix)
                    && length.is_none_or(|n| id.len() == n)
                    && created.header("sl-violations").is_none()
                    && read.status == 200
                    && read.json()[field] == "general",
                "expected one of {collection} numbered as its {id_field}'s pattern says, read \
                 back by it: {} then {}",
                created.text(),
                read.text()
            );
        }
        // A key its field cannot hold: the org's login, the product's name.
        for (uri, pointer, value) in [
            ("/orgs/octo-org", "/login", "octo-org"),
            ("/deliveries/tea", "/productId/name", "tea"),
        ] {
            let answer = send(&router, "GET", uri, &[], "").await;
            assert_eq!(
                (
                    answer.status,
                    answer.header("sl-violations"),
                    answer.json().pointer(pointer).cloned()
                ),
                (200, None, Some(json!(value))),
                "expected GET {uri} to answer {value} at {pointer}, nothing broken: {}",
                answer.text()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn clients_choose_the_ids_of_objects_named_by_them_and_never_of_those_the_server_numbers() {
    on_every_backend("client-ids.yaml", async |_, router| {
        let post = |uri: &'static str, body: &'static str| send(&router, "POST", uri, &JSON, body);
        // (create, its status, the read it can be found at, the field read back)
        let named = [
            (
                "/users",
                r#"{"username": "ada"}"#,
                201,
                "/users/ada",
                "username",
                "ada",
            ),
            (
                "/tags",
                r#"{"name": "web"}"#,
                201,
                "/tags/web",
                "name",
                "web",
            ),
            (
                "/products",
                r#"{"identifier": "sunglasses", "family": "accessories"}"#,
                201,
                "/products/sunglasses",
                "identifier",
                "sunglasses",
            ),
            // A second create of a name in use: refused where a 409 is declared, else the
            // object is replaced.
            (
                "/users",
                r#"{"username": "ada"}"#,
                409,
                "/users/ada",
                "username",
                "ada",
            ),
            (
                "/tags",
                r#"{"name": "web"}"#,
                201,
                "/tags/web",
                "name",
                "web",
            ),
        ];
        for (uri, body, status, read_at, field, value) in named {
            let created = post(uri, body).await;
            assert_eq!(
                created.status,
                status,
                "expected POST {uri} {body} to answer {status}: {}",
                created.text()
            );
            let read = send(&router, "GET", read_at, &[], "").await;
            assert_eq!(
                (read.status, read.json()[field].clone()),
                (200, json!(value)),
                "expected the object created with {body} at {read_at}: {}",
                read.text()
            );
        }
        let first = post("/pets", r#"{"id": 0, "name": "a"}"#).await;
        let second = post("/pets", r#"{"id": 0, "name": "b"}"#).await;
        let ids = [first.json()["id"].clone(), second.json()["id"].clone()];
        assert!(
            ids[0] != ids[1] && ids.iter().all(|id| id.is_i64()),
            "expected the server to number pets created with the placeholder id 0, got {ids:?}"
        );
        for (id, name) in ids.iter().zip(["a", "b"]) {
            let read = send(&router, "GET", &format!("/pets/{id}"), &[], "").await;
            assert_eq!(
                read.json()["name"],
                name,
                "expected pet {id} to be {name}: {}",
                read.text()
            );
        }
        let issue = post("/repos/octo/issues", r#"{"title": "it broke"}"#).await;
        let number = &issue.json()["number"];
        let read = send(
            &router,
            "GET",
            &format!("/repos/octo/issues/{number}"),
            &[],
            "",
        )
        .await;
        assert_eq!(
            (read.status, read.json()["title"].clone()),
            (200, json!("it broke")),
            "expected the issue at the number it was answered with ({number}): {}",
            read.text()
        );
    })
    .await;
}

#[tokio::test]
async fn an_object_created_from_a_form_keeps_the_fields_the_form_sent() {
    on_every_backend("form-create.yaml", async |_, router| {
        let form = [("content-type", "application/x-www-form-urlencoded")];
        let body = "email=ada%40example.com&name=Ada&balance=5&FriendlyName=Main";
        let created = send(&router, "POST", "/v1/customers", &form, body).await;
        let id = created.json()["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let read = send(&router, "GET", &format!("/v1/customers/{id}"), &[], "").await;
        for (what, answer) in [("create", &created), ("read", &read)] {
            let customer = answer.json();
            assert_eq!(
                [
                    &customer["email"],
                    &customer["name"],
                    &customer["balance"],
                    &customer["friendly_name"],
                ],
                [
                    &json!("ada@example.com"),
                    &json!("Ada"),
                    &json!(5),
                    &json!("Main"),
                ],
                "expected the {what} to answer the customer the form {body} made: {}",
                answer.text()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn stored_answers_are_sent_in_the_media_type_the_contract_declares() {
    on_every_backend("vendor-json.yaml", async |_, router| {
        let scim = [("content-type", "application/scim+json")];
        let created = send(&router, "POST", "/Users", &scim, r#"{"userName": "ada"}"#).await;
        assert_eq!(
            created.status,
            201,
            "expected the create: {}",
            created.text()
        );
        let id = created.json()["id"].as_str().expect("an id").to_string();
        let read = send(&router, "GET", &format!("/Users/{id}"), &[], "").await;
        for (what, answer) in [("create", &created), ("read", &read)] {
            assert_eq!(
                answer.header("content-type"),
                Some("application/scim+json"),
                "expected the {what} answered as the declared application/scim+json"
            );
        }
        assert_eq!(
            read.json()["userName"],
            "ada",
            "expected the stored user: {}",
            read.text()
        );
    })
    .await;
}

#[tokio::test]
async fn an_operation_that_declares_no_success_stores_nothing() {
    on_every_backend("petstore-quirks.yaml", async |contract, router| {
        let added = thing_step(&contract, &router, "POST", "/pets", r#"{"name": "rex"}"#).await;
        assert_eq!(
            added.status,
            405,
            "expected the only declared status: {}",
            added.text()
        );
        let read = thing_step(&contract, &router, "GET", "/pets/1", "").await;
        assert_eq!(
            read.status,
            404,
            "expected nothing stored by a 405, got {}: {}",
            read.status,
            read.text()
        );
    })
    .await;
}

#[tokio::test]
async fn a_stored_object_answers_in_json_where_xml_is_declared_first_and_without_write_only_fields()
{
    on_every_backend("petstore-quirks.yaml", async |contract, router| {
        let created = thing_step(
            &contract,
            &router,
            "POST",
            "/cards",
            r#"{"number": "4242", "cvc": 321}"#,
        )
        .await;
        assert_eq!(
            created.status,
            201,
            "expected the create: {}",
            created.text()
        );
        assert!(
            created.json().get("cvc").is_none(),
            "expected the writeOnly cvc left out of the answer: {}",
            created.text()
        );
        let id = created.json()["id"].clone();
        let read = thing_step(&contract, &router, "GET", &format!("/cards/{id}"), "").await;
        assert_eq!(
            read.status,
            200,
            "expected the stored card: {}",
            read.text()
        );
        assert_eq!(
            read.header("content-type"),
            Some("application/json"),
            "expected JSON when no Accept header chooses, got {:?}",
            read.header("content-type")
        );
        assert_eq!(
            read.json(),
            json!({"id": id, "number": "4242"}),
            "expected the stored card without its writeOnly cvc"
        );
        // Where the object's own schema does not declare the field, the answer that forbids it
        // leaves it out all the same, without remaking the answer.
        let body = r#"{"username": "ada", "password": "s3cret"}"#;
        let user = thing_step(&contract, &router, "POST", "/users", body).await;
        assert!(
            user.json() == json!({"username": "ada"}) && user.header("sl-violations").is_none(),
            "expected the user without the writeOnly password, no warning, got {:?} {}",
            user.header("sl-violations"),
            user.text()
        );
    })
    .await;
}

#[tokio::test]
async fn a_stale_version_is_refused_only_where_the_contract_declares_the_refusal() {
    on_every_backend("petstore-quirks.yaml", async |contract, router| {
        let created = thing_step(
            &contract,
            &router,
            "POST",
            "/documents",
            r#"{"version": 1, "title": "draft"}"#,
        )
        .await;
        assert_eq!(
            created.status,
            201,
            "expected the create: {}",
            created.text()
        );
        let id = created.json()["id"].clone();
        let replaced = thing_step(
            &contract,
            &router,
            "PUT",
            &format!("/documents/{id}"),
            r#"{"version": 450, "title": "final"}"#,
        )
        .await;
        assert_eq!(
            replaced.status,
            200,
            "expected the last write to win where no 409 is declared, got {}: {}",
            replaced.status,
            replaced.text()
        );
        assert_eq!(replaced.json()["title"], "final", "{}", replaced.text());
    })
    .await;
}

#[tokio::test]
async fn an_empty_text_body_with_its_content_type_is_an_empty_string_not_a_missing_body() {
    on_every_backend("petstore-quirks.yaml", async |_, router| {
        let empty = send(
            &router,
            "POST",
            "/notes",
            &[("content-type", "text/plain")],
            "",
        )
        .await;
        assert_eq!(
            empty.status,
            201,
            "expected \"\" to be a valid text body: {}",
            empty.text()
        );
        // The operation declares no error answer: the declared one, the violation named.
        let missing = send(&router, "POST", "/notes", &[], "").await;
        assert!(
            missing
                .header("sl-violations")
                .is_some_and(|v| v.contains("required")),
            "expected no body and no content type to be a missing required body: {:?}",
            missing.header("sl-violations")
        );
    })
    .await;
}

#[test]
fn why_an_answer_was_made_to_fit_is_logged_once_per_operation_and_flagged_every_time() {
    use understudy::mock::MockRequest;
    let contract = bundled();
    let engine = engine(&contract, EngineOptions::default());
    let request = |method: &str, path: &str, body: String| {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("authorization", "Bearer t".parse().unwrap());
        MockRequest {
            method: method.into(),
            path: path.into(),
            query: String::new(),
            headers,
            body: body.into(),
        }
    };
    let state = json!({"kantata:/organization_memberships/{id}": [{"key": ["7"], "object": {
        "created_at": "2024-01-01T00:00:00Z", "member_id": "7", "member_type": "user",
        "primary": "yes", "updated_at": "2024-01-01T00:00:00Z"}}]});
    let loaded = engine.handle(&request("PUT", "/__understudy/state", state.to_string()));
    assert!(
        loaded.status < 300,
        "expected the state loaded, got {}",
        loaded.status
    );
    let read = || {
        engine.handle(&request(
            "GET",
            "/kantata/organization_memberships/7",
            String::new(),
        ))
    };
    let (first, second) = (read(), read());
    assert!(
        first
            .log
            .as_deref()
            .is_some_and(|line| line.contains("/organization_memberships/7/primary")),
        "expected the first answer to carry the log line naming what did not fit, got {:?}",
        first.log
    );
    assert_eq!(second.log, None, "expected the log line once per operation");
    assert!(
        !second.warnings.is_empty(),
        "expected every answer still flagged in sl-violations"
    );
}

#[tokio::test]
async fn a_read_from_redis_is_fetched_ahead_and_answered_without_waiting_unless_it_needs_a_change()
{
    use understudy::mock::MockRequest;
    let contract = fixture_contract("undeclared-404.yaml");
    let engine = engine_on(Backend::Redis, &contract, EngineOptions::default());
    let request = |method: &str, path: &str, body: &str| MockRequest {
        method: method.into(),
        path: path.into(),
        headers: understudy::headers::from_pairs([("content-type", "application/json")]),
        body: body.to_string().into(),
        ..MockRequest::default()
    };
    let created = engine.handle(&request("POST", "/things", r#"{"name": "first"}"#));
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let id: Value = serde_json::from_slice(&created.body).unwrap();
    let read = request("GET", &format!("/things/{}", id["id"]), "");
    // The first read of an operation compiles its validators: not fetched ahead.
    assert!(engine.prefetch(&read).is_none());
    let waited = engine.handle(&read);
    let prefetched = engine
        .prefetch(&read)
        .expect("a warmed read of one object is fetched ahead")
        .await
        .expect("the fetch reaches Redis");
    let answered = engine
        .handle_prefetched(&read, &prefetched)
        .expect("the fetched object answers the read");
    assert_eq!(
        (answered.status, &answered.body),
        (waited.status, &waited.body),
        "expected the same answer with the object fetched ahead as without"
    );
    // An id never seen, where no 404 is declared, stands for an object that the read stores:
    // a change, which is not made from data fetched ahead.
    let unseen = request("GET", "/things/424242", "");
    let prefetched = engine.prefetch(&unseen).unwrap().await.unwrap();
    assert!(
        engine.handle_prefetched(&unseen, &prefetched).is_none(),
        "expected a read that must store a stand-in to be left to the blocking path"
    );
    assert_eq!(engine.handle(&unseen).status, 200);
}

#[tokio::test]
async fn whole_numbers_a_client_writes_with_a_fraction_are_answered_as_integers() {
    on_every_backend("whole-numbers.yaml", async |contract, router| {
        let body = r#"{"hours": 8.0, "shifts": [{"hours": 4.0}, {"hours": 2.0}]}"#;
        let created = thing_step(&contract, &router, "POST", "/timecards", body).await;
        let read = thing_step(&contract, &router, "GET", "/timecards/1", "").await;
        for (what, answer) in [("create", &created), ("read", &read)] {
            let text = answer.text();
            assert!(
                text.contains(r#""hours":8,"#) && text.contains(r#"{"hours":4}"#),
                "expected the {what}'s answer to write 8.0 and 4.0 as 8 and 4, received {text}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn created_objects_get_ids_within_the_id_parameters_bounds_and_can_be_read_by_them() {
    on_every_backend("bounded-ids.yaml", async |contract, router| {
        let place = || thing_step(&contract, &router, "POST", "/orders", r#"{"quantity": 2}"#);
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(place().await.json()["id"].clone());
        }
        assert_eq!(
            ids,
            [json!(1), json!(2), json!(3)],
            "expected the first three orders to get the ids 1 to 3 the parameter allows"
        );
        let gone = thing_step(&contract, &router, "DELETE", "/orders/2", "").await;
        assert_eq!(
            gone.status,
            204,
            "expected the delete to succeed: {}",
            gone.text()
        );
        let fourth = place().await;
        assert_eq!(
            fourth.json()["id"],
            2,
            "expected the next order to get the one id free within 1 to 3, got {}",
            fourth.text()
        );
        let read = thing_step(&contract, &router, "GET", "/orders/2", "").await;
        assert_eq!(
            (read.status, read.json()["quantity"].clone()),
            (200, json!(2)),
            "expected the new order 2 to be readable by its id, got {} {}",
            read.status,
            read.text()
        );
    })
    .await;
}

#[tokio::test]
async fn finders_list_the_stored_objects_that_match_and_a_body_keyed_put_replaces_one() {
    on_every_backend("finder-lists.yaml", async |_, router| {
        let plants = [
            (r#"{"name": "fern", "photoUrls": [], "status": "available", "tags": [{"name": "shade"}]}"#),
            (r#"{"name": "cactus", "photoUrls": [], "status": "sold", "tags": [{"name": "sun"}]}"#),
            (r#"{"name": "ivy", "photoUrls": [], "status": "available", "tags": [{"name": "shade"}, {"name": "climber"}]}"#),
        ];
        let mut ids = Vec::new();
        for plant in plants {
            let added = send(&router, "POST", "/plants", &JSON, plant).await;
            assert_eq!(added.status, 200, "{}", added.text());
            ids.push(added.json()["id"].clone());
        }
        let names = |answer: &Answer| -> Vec<Value> {
            answer
                .json()
                .as_array()
                .into_iter()
                .flatten()
                .map(|plant| plant["name"].clone())
                .collect()
        };
        for (query, expected) in [
            ("/plants/findByStatus?status=available", vec!["fern", "ivy"]),
            ("/plants/findByStatus?status=sold", vec!["cactus"]),
            ("/plants/findByTags?tags=shade", vec!["fern", "ivy"]),
            ("/plants/findByTags?tags=sun&tags=climber", vec!["cactus", "ivy"]),
            ("/plants/findByTags?tags=none", vec![]),
        ] {
            let found = send(&router, "GET", query, &[], "").await;
            assert_eq!(
                (found.status, names(&found), found.header("sl-violations")),
                (200, expected.iter().map(|n| json!(n)).collect(), None),
                "expected GET {query} to list the stored plants that match: {}",
                found.text()
            );
        }
        let update = json!({"id": ids[1], "name": "saguaro", "photoUrls": [], "status": "available"});
        let updated = send(&router, "PUT", "/plants", &JSON, &update.to_string()).await;
        let read = send(&router, "GET", &format!("/plants/{}", ids[1]), &[], "").await;
        assert_eq!(
            (updated.status, read.json()["name"].clone(), read.json()["status"].clone()),
            (200, json!("saguaro"), json!("available")),
            "expected PUT /plants to replace the plant whose id its body carries: {} then {}",
            updated.text(),
            read.text()
        );
        let missing = json!({"id": 999, "name": "moss", "photoUrls": []});
        let refused = send(&router, "PUT", "/plants", &JSON, &missing.to_string()).await;
        assert_eq!(refused.status, 404, "expected an unknown id to be the declared 404: {}", refused.text());
        let login = send(&router, "GET", "/gardeners/login?username=ada&password=x", &[], "").await;
        assert!(
            login.status == 200 && login.json().is_string(),
            "expected a login, which is no finder, answered from the contract: {}",
            login.text()
        );
    })
    .await;
}

#[tokio::test]
async fn a_list_found_by_name_lists_the_resource_of_that_name_its_schema_answers() {
    on_every_backend("same-named-resources.yaml", async |_, router| {
        for (path, name) in [("/teams/t1/projects", "team"), ("/projects", "alpha")] {
            let body = format!(r#"{{"name": "{name}"}}"#);
            let added = send(&router, "POST", path, &JSON, &body).await;
            assert_eq!(added.status, 201, "{}", added.text());
        }
        let listed = send(&router, "GET", "/repos/r1/projects", &[], "").await;
        let names: Vec<Value> = listed
            .json()
            .as_array()
            .into_iter()
            .flatten()
            .map(|project| project["name"].clone())
            .collect();
        assert_eq!(
            (names, listed.header("sl-violations")),
            (vec![json!("alpha")], None),
            "expected the repository's list to hold the project, not the team's: {}",
            listed.text()
        );
        let cards = send(&router, "GET", "/users/ada/projects", &[], "").await;
        assert!(
            cards.json()[0]["note"].is_string() && cards.header("sl-violations").is_none(),
            "expected a list of what no resource is answered from the contract: {}",
            cards.text()
        );
    })
    .await;
}

#[tokio::test]
async fn answers_that_cannot_show_the_stored_object_are_the_contracts_not_the_object_remade() {
    on_every_backend("unrelated-answers.yaml", async |contract, router| {
        // A list declared as one object, with nothing stored, is the contract's answer.
        let empty = thing_step(&contract, &router, "GET", "/sites", "").await;
        assert!(
            empty.header("sl-violations").is_none(),
            "expected the contract's site for an empty list declared as one site, nothing \
             remade, got {:?} {}",
            empty.header("sl-violations"),
            empty.text()
        );
        // A create that answers a link answers the contract's link; the store is stored.
        let created = thing_step(
            &contract,
            &router,
            "POST",
            "/stores",
            r#"{"name": "Corner"}"#,
        )
        .await;
        let listed = thing_step(&contract, &router, "GET", "/stores", "").await;
        assert!(
            created.status == 201
                && created.header("sl-violations").is_none()
                && created.json().get("name").is_none()
                && listed.json()[0]["name"] == "Corner",
            "expected the create answered with a link, nothing remade, and the store listed, \
             got {:?} {} then {}",
            created.header("sl-violations"),
            created.text(),
            listed.text()
        );
        let put = thing_step(
            &contract,
            &router,
            "PUT",
            "/stores/side",
            r#"{"name": "Side"}"#,
        )
        .await;
        let read = thing_step(&contract, &router, "GET", "/stores/side", "").await;
        assert!(
            put.status == 201
                && put.header("sl-violations").is_none()
                && put.json() == serde_json::json!({})
                && read.json()["name"] == "Side",
            "expected the upsert answered with the closed empty object, nothing remade, and the \
             store readable, got {:?} {} then {}",
            put.header("sl-violations"),
            put.text(),
            read.text()
        );
        // A list that allows no empty answer, with nothing stored, is the contract's, and
        // says so; once a message is stored, the list is it.
        let none = thing_step(&contract, &router, "GET", "/messages", "").await;
        let note = none.header("sl-violations").unwrap_or_default().to_string();
        assert!(
            none.status == 200
                && none
                    .json()
                    .as_array()
                    .is_some_and(|items| !items.is_empty())
                && note.contains("allows no empty answer")
                && !note.contains("does not fit"),
            "expected the contract's messages and a note that none are stored, got {note} {}",
            none.text()
        );
        let sent = thing_step(&contract, &router, "POST", "/messages", r#"{"to": "Ada"}"#).await;
        let listed = thing_step(&contract, &router, "GET", "/messages", "").await;
        assert!(
            sent.status == 201
                && listed.header("sl-violations").is_none()
                && listed.json() == serde_json::json!([sent.json()]),
            "expected the message sent listed alone, nothing remade, got {} then {:?} {}",
            sent.text(),
            listed.header("sl-violations"),
            listed.text()
        );
    })
    .await;
}

#[tokio::test]
async fn answers_showing_a_closed_narrower_view_show_only_the_fields_it_declares() {
    on_every_backend("closed-views.yaml", async |contract, router| {
        let branch = r#"{"name": "dev", "base": "main"}"#;
        thing_step(&contract, &router, "POST", "/branches", branch).await;
        let patch = r#"{"name": "dev", "base": "stable"}"#;
        let updated = thing_step(&contract, &router, "PATCH", "/branches/dev", patch).await;
        let read = thing_step(&contract, &router, "GET", "/branches/dev", "").await;
        let api = r#"{"title": "Pets", "description": "all of them"}"#;
        let created = thing_step(&contract, &router, "POST", "/apis", api).await;
        let uri = format!("/apis/{}", created.json()["id"]);
        let put = r#"{"title": "Pets v2", "description": "still all"}"#;
        let replaced = thing_step(&contract, &router, "PUT", &uri, put).await;
        assert!(
            updated.json() == json!({"name": "dev"})
                && updated.header("sl-violations").is_none()
                && read.json()["base"] == "stable"
                && replaced.json()["data"]
                    == json!({"id": created.json()["id"], "title": "Pets v2"})
                && replaced.header("sl-violations").is_none(),
            "expected each closed view to show the stored object's fields it declares, nothing \
             remade, got {:?} {} (then read {}) and {:?} {}",
            updated.header("sl-violations"),
            updated.text(),
            read.text(),
            replaced.header("sl-violations"),
            replaced.text()
        );
    })
    .await;
}

#[tokio::test]
async fn an_accepted_create_says_where_each_new_object_is_read_and_headers_carry_their_examples() {
    on_every_backend("accepted-creates.yaml", async |contract, router| {
        let first = thing_step(&contract, &router, "POST", "/jobs", "").await;
        let second = thing_step(&contract, &router, "POST", "/jobs", "").await;
        let locations: Vec<String> = [&first, &second]
            .iter()
            .map(|answer| answer.header("location").unwrap_or_default().to_string())
            .collect();
        let path = locations[0]
            .split_once("/jobs/")
            .map(|(_, id)| format!("/jobs/{id}"));
        let read = match &path {
            Some(path) => Some(thing_step(&contract, &router, "GET", path, "").await),
            None => None,
        };
        assert!(
            first.status == 202
                && locations[0] != locations[1]
                && read.as_ref().is_some_and(|r| r.status == 200)
                && first.header("retry-after") == Some("60")
                && first
                    .header("x-queue-depth")
                    .is_some_and(|depth| depth.parse::<i64>().is_ok()),
            "expected two distinct Locations to read each job at, Retry-After as its example \
             and X-Queue-Depth generated (its example is no integer), got {} {locations:?} \
             retry-after {:?} x-queue-depth {:?}, then {:?}",
            first.status,
            first.header("retry-after"),
            first.header("x-queue-depth"),
            read.map(|r| (r.status, r.text()))
        );
    })
    .await;
}

#[tokio::test]
async fn an_item_read_that_answers_a_list_of_the_object_shows_the_object_created_and_updated() {
    on_every_backend("listed-reads.yaml", async |_, router| {
        let created = send(
            &router,
            "POST",
            "/configs",
            &JSON,
            r#"{"name": "first", "urlToPublishTo": "https://example.com/hook"}"#,
        )
        .await;
        let id = created.json()["configId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            created.status == 201
                && !id.is_empty()
                && created.json().get("configurations").is_none(),
            "expected one configuration created, with its id: {}",
            created.text()
        );
        let body = format!(r#"{{"configId": "{id}", "name": "second"}}"#);
        let updated = send(&router, "PUT", "/configs", &JSON, &body).await;
        let read = send(&router, "GET", &format!("/configs/{id}"), &[], "").await;
        let listed = &read.json()["configurations"];
        assert_eq!(
            (
                updated.status,
                read.status,
                listed.as_array().map(Vec::len),
                listed[0]["configId"].clone(),
                listed[0]["name"].clone(),
                listed[0]["urlToPublishTo"].clone(),
                read.header("sl-violations"),
            ),
            (
                200,
                200,
                Some(1),
                json!(id),
                json!("second"),
                json!("https://example.com/hook"),
                None
            ),
            "expected the configuration, updated, as the one listed: {} then {}",
            updated.text(),
            read.text()
        );
    })
    .await;
}

#[tokio::test]
async fn an_object_no_operation_makes_is_read_as_one_the_api_holds_and_one_a_create_makes_is_not() {
    on_every_backend("read-only-resources.yaml", async |_, router| {
        let export = "/versions/7/export/oas.json";
        let first = send(&router, "GET", export, &[], "").await;
        let again = send(&router, "GET", export, &[], "").await;
        assert!(
            first.status == 200
                && first.json()["versionId"] == "7"
                && first.json()["title"].is_string()
                && first.header("sl-violations").is_none()
                && again.text() == first.text(),
            "expected the export of version 7 read, the same both times: {} then {}",
            first.text(),
            again.text()
        );
        let note = send(&router, "GET", "/notes/99", &[], "").await;
        assert_eq!(
            note.status,
            404,
            "expected a note no create made to be missing: {}",
            note.text()
        );
    })
    .await;
}

#[tokio::test]
async fn answers_carry_stored_objects_in_the_json_media_type_that_has_a_schema() {
    on_every_backend("example-only-media.yaml", async |_, router| {
        let json = [("content-type", "application/json; charset=utf-8")];
        let first = send(&router, "POST", "/codes", &json, r#"{"name": "CASH"}"#).await;
        let second = send(&router, "POST", "/codes", &json, r#"{"name": "BANK"}"#).await;
        let (one, two) = (first.json()["id"].clone(), second.json()["id"].clone());
        assert!(
            first.status == 200 && one.is_string() && one != two,
            "expected two creates to answer two ids: {} then {}",
            first.text(),
            second.text()
        );
        let id = two.as_str().unwrap_or_default();
        let read = send(&router, "GET", &format!("/codes/{id}"), &[], "").await;
        assert!(
            read.status == 200
                && read.json()["name"] == "BANK"
                && read.header("content-type") == Some("application/json; charset=utf-8"),
            "expected the second code read back in the media type with the schema: {} {:?} {}",
            read.status,
            read.header("content-type"),
            read.text()
        );
    })
    .await;
}

#[tokio::test]
async fn ids_whose_field_has_a_length_are_made_that_long_and_read_back() {
    on_every_backend("length-shaped-ids.yaml", async |_, router| {
        let json = [("content-type", "application/json")];
        let first = send(&router, "POST", "/lists", &json, r#"{"name": "first"}"#).await;
        let second = send(&router, "POST", "/lists", &json, r#"{"name": "second"}"#).await;
        let id = |answer: &Answer| answer.json()["id"].as_str().unwrap_or_default().to_string();
        let (one, two) = (id(&first), id(&second));
        assert!(
            one.chars().count() == 36 && two.chars().count() == 36 && one != two,
            "expected two ids of 36 characters each: {} then {}",
            first.text(),
            second.text()
        );
        let path = format!("/lists/{}", two.replace(' ', "%20"));
        let read = send(&router, "GET", &path, &[], "").await;
        assert!(
            read.status == 200
                && read.json()["id"] == two.as_str()
                && read.json()["name"] == "second",
            "expected the second list read back by its id {two:?}: {} {}",
            read.status,
            read.text()
        );
    })
    .await;
}
