//! The Redis store across processes: `understudy serve` replicas sharing one Redis lose no
//! update and agree on what was created; a Redis that goes away makes answers 503 (never a
//! hang, never a 500) and service resumes, data intact, when it is back; sessions expire.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::redis::{RedisServer, fresh_prefix};
use serde_json::{Value, json};
use understudy::state::{self, RedisOptions, RedisStore, Store};

/// One `understudy serve` process, killed when dropped.
struct Replica {
    child: Child,
    base: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve` on the bundled contracts, on a free port, keeping its objects in `redis` under
/// `prefix`, with `extra` arguments.
fn replica(redis: &str, prefix: &str, extra: &[&str]) -> Replica {
    replica_trusting(redis, prefix, extra, None)
}

/// [`replica`], trusting the certificate authority in `ca` (a PEM file) for `rediss://`.
fn replica_trusting(redis: &str, prefix: &str, extra: &[&str], ca: Option<&Path>) -> Replica {
    let mut command = Command::new(env!("CARGO_BIN_EXE_understudy"));
    if let Some(ca) = ca {
        command.env("SSL_CERT_FILE", ca);
    }
    let mut child = command
        .current_dir(std::env::temp_dir())
        .args([
            "serve",
            "--port",
            "0",
            "--store",
            redis,
            "--store-prefix",
            prefix,
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("understudy starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.as_mut().expect("piped stdout"))
        .read_line(&mut first_line)
        .expect("the banner");
    let address = first_line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first_line:?}"))
        .to_string();
    Replica {
        child,
        base: address,
    }
}

const KEY: (&str, &str) = ("x-api-key", "k");

async fn call(
    client: &reqwest::Client,
    replica: &Replica,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = client
        .request(method, format!("{}{path}", replica.base))
        .header(KEY.0, KEY.1);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let answer = request.send().await.expect("the replica answers");
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_redis_lose_no_update_list_every_object_and_share_the_journal() {
    let redis = common::redis::shared();
    let prefix = fresh_prefix();
    let journal = ["--journal", "redis"];
    let replicas = Arc::new([
        replica(&redis.url(), &prefix, &journal),
        replica(&redis.url(), &prefix, &journal),
    ]);
    let client = reqwest::Client::new();
    let (status, first) = call(
        &client,
        &replicas[0],
        "POST",
        "/kodexa/api/memberships",
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    let item = format!("/kodexa/api/memberships/{}", first["id"].as_str().unwrap());

    // 64 writers over both replicas: half update the first membership with the version they
    // read (exactly one writer per version may win), half create two memberships each.
    let mut writers = Vec::new();
    for n in 0..64usize {
        let (client, replicas, item) = (client.clone(), replicas.clone(), item.clone());
        writers.push(tokio::spawn(async move {
            let replica = &replicas[n % 2];
            let mut outcomes = Vec::new();
            if n % 4 < 2 {
                for _ in 0..3 {
                    let (_, current) = call(&client, replica, "GET", &item, None).await;
                    let body =
                        json!({"role": "admin", "changeSequence": current["changeSequence"]});
                    let (status, _) = call(&client, replica, "PUT", &item, Some(body)).await;
                    outcomes.push((status, None));
                }
            } else {
                for _ in 0..2 {
                    let body = json!({"role": "viewer"});
                    let (status, created) = call(
                        &client,
                        replica,
                        "POST",
                        "/kodexa/api/memberships",
                        Some(body),
                    )
                    .await;
                    outcomes.push((status, created["id"].as_str().map(str::to_string)));
                }
            }
            outcomes
        }));
    }
    let mut outcomes = Vec::new();
    for writer in writers {
        outcomes.extend(writer.await.expect("a writer finishes"));
    }
    let unexpected: Vec<u16> = outcomes
        .iter()
        .map(|(status, _)| *status)
        .filter(|s| ![200, 201, 409].contains(s))
        .collect();
    assert!(
        unexpected.is_empty(),
        "expected only 200, 201 and 409, received {unexpected:?}"
    );
    let updates = outcomes.iter().filter(|(s, _)| *s == 200).count() as i64;
    let mut created: Vec<String> = outcomes.iter().filter_map(|(_, id)| id.clone()).collect();
    assert_eq!(created.len(), 64, "expected 64 creates to succeed");
    for replica in replicas.iter() {
        let (_, now) = call(&client, replica, "GET", &item, None).await;
        assert_eq!(
            now["changeSequence"].as_i64(),
            Some(1 + updates),
            "expected every one of the {updates} accepted updates to bump the version once, \
             as {} reads it",
            replica.base
        );
    }
    created.sort();
    let before = created.len();
    created.dedup();
    assert_eq!(created.len(), before, "expected no id handed out twice");
    created.push(first["id"].as_str().unwrap().to_string());
    created.sort();
    for replica in replicas.iter() {
        let (status, listed) = call(
            &client,
            replica,
            "GET",
            "/kodexa/api/memberships?pageSize=100",
            None,
        )
        .await;
        assert_eq!(status, 200, "{listed}");
        let mut ids: Vec<String> = listed["content"]
            .as_array()
            .expect("a page of content")
            .iter()
            .filter_map(|m| m["id"].as_str().map(str::to_string))
            .collect();
        ids.sort();
        assert_eq!(
            ids, created,
            "expected {} to list every created membership",
            replica.base
        );
    }

    // The journal, read through either replica, holds the requests both answered: 1 create,
    // 32 × 3 reads and updates, 32 × 2 creates, 2 reads and 2 lists.
    for replica in replicas.iter() {
        let (status, journal) = call(&client, replica, "GET", "/__understudy/requests", None).await;
        assert_eq!(status, 200, "{journal}");
        let entries = journal.as_array().expect("a list of entries");
        assert_eq!(
            entries.len(),
            261,
            "expected the shared journal read through {} to hold all 261 requests",
            replica.base
        );
        let puts = entries.iter().filter(|e| e["method"] == "PUT").count();
        assert_eq!(puts, 96, "expected every update journaled");
    }

    // A reset through one replica empties the session for both.
    let reset = client
        .delete(format!("{}/__understudy/state", replicas[1].base))
        .send()
        .await
        .expect("the replica answers");
    assert_eq!(reset.status().as_u16(), 204);
    let (status, _) = call(&client, &replicas[0], "GET", &item, None).await;
    assert_eq!(
        status, 404,
        "expected the reset made through the second replica to reach the first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_goes_away_makes_answers_503_and_service_resumes_with_the_data_intact() {
    let mut redis = RedisServer::start();
    let server = replica(&redis.url(), "understudy:", &[]);
    let client = reqwest::Client::new();
    let (status, created) = call(
        &client,
        &server,
        "POST",
        "/kodexa/api/memberships",
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let item = format!(
        "/kodexa/api/memberships/{}",
        created["id"].as_str().unwrap()
    );

    redis.kill();
    let started = std::time::Instant::now();
    let (status, problem) = call(&client, &server, "GET", &item, None).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "expected an answer within the store's time-out, waited {:?}",
        started.elapsed()
    );
    assert_eq!(
        status, 503,
        "expected 503 while Redis is down, received {problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&redis.url())),
        "expected the problem to name the store, received {problem}"
    );
    let (status, _) = call(
        &client,
        &server,
        "POST",
        "/kodexa/api/memberships",
        Some(json!({"role": "viewer"})),
    )
    .await;
    assert_eq!(
        status, 503,
        "expected a create to be refused, not answered from the contract"
    );
    let (status, health) = call(&client, &server, "GET", "/__understudy/health", None).await;
    assert_eq!(
        (status, health["status"].as_str()),
        (503, Some("degraded")),
        "{health}"
    );
    // Answers that need no stored object go on.
    let (status, _) = call(
        &client,
        &server,
        "GET",
        "/kantata/organization_memberships/1?__code=200",
        None,
    )
    .await;
    assert_ne!(
        status, 503,
        "expected an answer from the contract alone to need no store"
    );

    redis.restart();
    let mut answered = (0, Value::Null);
    for _ in 0..50 {
        answered = call(&client, &server, "GET", &item, None).await;
        if answered.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        answered.0, 200,
        "expected service to resume once Redis is back, last answer {}",
        answered.1
    );
    assert_eq!(
        answered.1["id"], created["id"],
        "expected the object created before"
    );
    let (status, health) = call(&client, &server, "GET", "/__understudy/health", None).await;
    assert_eq!(
        (status, health["status"].as_str()),
        (200, Some("ok")),
        "{health}"
    );
}

#[test]
fn sessions_other_than_the_default_expire_after_their_last_change() {
    let store = RedisStore::connect(&RedisOptions {
        url: common::redis::shared().url(),
        prefix: fresh_prefix(),
        session_ttl: Some(Duration::from_millis(300)),
        journal: None,
    })
    .expect("a store");
    let key = vec!["1".to_string()];
    for session in ["default", "short"] {
        state::write(&store, session, |data| {
            data.put("r", key.clone(), &json!({"n": 1}));
        })
        .expect("the store runs the change");
    }
    assert_eq!(
        store.sessions().expect("sessions"),
        ["default", "short"],
        "expected both sessions listed before the time-out"
    );
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(store.sessions().expect("sessions"), ["default"]);
    let kept = |session: &str| {
        state::read(&store, session, |data| data.get("r", &key).is_some()).expect("a read")
    };
    assert!(kept("default"), "expected the default session to be kept");
    assert!(
        !kept("short"),
        "expected the short session's object to be gone"
    );
}

#[test]
fn a_list_and_a_change_in_one_attempt_see_the_changes_over_what_redis_holds() {
    let store = RedisStore::connect(&RedisOptions {
        url: common::redis::shared().url(),
        prefix: fresh_prefix(),
        session_ttl: None,
        journal: None,
    })
    .expect("a store");
    let key = |k: &str| vec![k.to_string()];
    state::write(&store, "s", |data| {
        for k in ["a", "b", "c"] {
            data.put("r", key(k), &json!(k));
        }
    })
    .unwrap();
    let seen = state::write(&store, "s", |data| {
        data.remove("r", &key("a"));
        data.put("r", key("b"), &json!("B"));
        data.put("r", key("d"), &json!("d"));
        let listed: Vec<String> = data
            .ordered("r")
            .map(|(_, text)| text.into_owned())
            .collect();
        (listed, data.count("r"), data.was_deleted("r", &key("a")))
    })
    .unwrap();
    assert_eq!(
        seen,
        (
            vec![r#""B""#.into(), r#""c""#.into(), r#""d""#.into()],
            3,
            true
        )
    );
    let after = state::read(&store, "s", |data| {
        let listed: Vec<String> = data
            .ordered("r")
            .map(|(_, text)| text.into_owned())
            .collect();
        (listed, data.count("r"), data.was_deleted("r", &key("a")))
    })
    .unwrap();
    assert_eq!(after, seen, "expected Redis to hold what the attempt saw");
    assert_eq!(
        state::write(&store, "s", |data| data.next_id("r")).unwrap(),
        1,
        "a sequence starts at 1"
    );
    let dumped = state::read(&store, "s", |data| data.dump()).unwrap();
    let other = RedisStore::connect(&RedisOptions {
        url: common::redis::shared().url(),
        prefix: fresh_prefix(),
        session_ttl: None,
        journal: None,
    })
    .unwrap();
    state::write(&other, "s", |data| data.load(&dumped.to_string()))
        .unwrap()
        .unwrap();
    assert_eq!(
        state::read(&other, "s", |data| data.dump()).unwrap(),
        dumped,
        "expected a dump to load back as it was"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_reaches_redis_over_tls_with_a_password_and_is_healthy_before_any_session() {
    let redis = RedisServer::start_with(|dir, port| {
        certificates(dir);
        let port = port.to_string();
        [
            "--port",
            "0",
            "--tls-port",
            &port,
            "--tls-auth-clients",
            "no",
            "--requirepass",
            "s3cret",
            "--tls-cert-file",
            "server.crt",
            "--tls-key-file",
            "server.key",
            "--tls-ca-cert-file",
            "ca.crt",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    });
    let url = format!("rediss://:s3cret@localhost:{}/0", redis.port);
    let ca = redis.dir().join("ca.crt");
    let server = replica_trusting(&url, "understudy:", &[], Some(&ca));
    let client = reqwest::Client::new();
    let (status, health) = call(&client, &server, "GET", "/__understudy/health", None).await;
    assert_eq!(
        (status, health["status"].as_str()),
        (200, Some("ok")),
        "expected a healthy store before any session exists: {health}"
    );
    assert!(
        !health.to_string().contains("s3cret"),
        "expected the password kept out of the health report: {health}"
    );
    let (status, created) = call(
        &client,
        &server,
        "POST",
        "/kodexa/api/memberships",
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let item = format!(
        "/kodexa/api/memberships/{}",
        created["id"].as_str().unwrap()
    );
    let (status, read) = call(&client, &server, "GET", &item, None).await;
    assert_eq!((status, &read["id"]), (200, &created["id"]));
}

/// A certificate authority and a server certificate for localhost signed by it, in `dir`
/// (`openssl`, from Debian's package).
fn certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("the TLS test needs the openssl command (Debian's openssl package)");
        assert!(status.success(), "openssl {args:?} failed");
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=understudy test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
}
