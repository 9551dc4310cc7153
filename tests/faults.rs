//! Faults on real connections (`serve` on a socket): reset, empty, malformed, drip, timeout,
//! asked per request (`Prefer: fault=…`) or by a stub; and `--chaos`, a seeded share of
//! answers failing with a status the operation declares.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use understudy::mock::{EngineOptions, MockRequest};

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve() -> Server {
    use std::io::BufRead;
    let spec = format!("{}/tests/fixtures/stubs.yaml", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_understudy"))
        .args(["serve", &spec, "--port", "0", "--stateless"])
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("understudy starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    Server(child, port)
}

/// Sends one request asking for `prefer` and reads until the server closes, errs or stays
/// silent for `wait`: the bytes received, and how reading ended.
fn exchange(
    port: u16,
    path: &str,
    prefer: &str,
    wait: Duration,
) -> (Vec<u8>, Result<(), ErrorKind>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nPrefer: {prefer}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return (received, Ok(())),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) => return (received, Err(e.kind())),
        }
    }
}

/// The body of a chunked HTTP/1.1 answer.
fn dechunked(answer: &str) -> String {
    let Some((_, mut rest)) = answer.split_once("\r\n\r\n") else {
        return String::new();
    };
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}

#[test]
fn each_fault_breaks_the_connection_the_way_it_says() {
    let server = serve();
    let wait = Duration::from_secs(5);

    let (received, ended) = exchange(server.1, "/things/1", "code=200", wait);
    assert!(
        received.starts_with(b"HTTP/1.1 200"),
        "expected a plain answer first"
    );
    assert_eq!(ended, Ok(()));

    let (received, ended) = exchange(server.1, "/things/1", "fault=empty", wait);
    assert_eq!(
        (received.len(), ended),
        (0, Ok(())),
        "expected the connection closed without a byte"
    );

    let (received, ended) = exchange(server.1, "/things/1", "fault=reset", wait);
    assert!(received.is_empty(), "expected no answer before the reset");
    assert_eq!(ended, Err(ErrorKind::ConnectionReset), "expected a reset");

    let (received, _) = exchange(server.1, "/things/1", "fault=malformed", wait);
    assert!(
        !received.is_empty() && !received.starts_with(b"HTTP/"),
        "expected bytes that are not HTTP, received {:?}",
        String::from_utf8_lossy(&received)
    );

    let started = Instant::now();
    let (received, ended) = exchange(server.1, "/things/1", "fault=drip:600ms", wait);
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.starts_with("HTTP/1.1 200") && dechunked(&text).contains("owned thing"),
        "expected the whole answer, trickled: {text}"
    );
    assert_eq!(ended, Ok(()));
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "expected the answer trickled over 600ms, it took {:?}",
        started.elapsed()
    );

    let (received, ended) = exchange(
        server.1,
        "/things/1",
        "fault=timeout",
        Duration::from_millis(700),
    );
    assert!(received.is_empty(), "expected no answer");
    assert!(
        matches!(ended, Err(ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "expected the read to time out, it ended {ended:?}"
    );

    // The server goes on answering after all of that.
    let (received, _) = exchange(server.1, "/things/1", "code=200", wait);
    assert!(received.starts_with(b"HTTP/1.1 200"));
}

#[test]
fn a_stub_can_fail_the_connection() {
    let server = serve();
    let stub = r#"{"operation": "getThing", "match": {"path": {"id": "9"}}, "response": {"status": 200, "fault": "reset"}}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", server.1)).unwrap();
    write!(
        stream,
        "POST /__understudy/stubs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{stub}",
        stub.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let (_, ended) = exchange(server.1, "/things/9", "x=1", Duration::from_secs(5));
    assert_eq!(ended, Err(ErrorKind::ConnectionReset));
    let (received, _) = exchange(server.1, "/things/8", "x=1", Duration::from_secs(5));
    assert!(
        received.starts_with(b"HTTP/1.1 200"),
        "expected other ids unharmed"
    );
}

#[test]
fn chaos_fails_a_seeded_share_with_declared_failures_only() {
    let contract = fixture_contract("stubs.yaml");
    let engine = engine(
        &contract,
        EngineOptions {
            chaos: 0.3,
            seed: 5,
            stateful: false,
            ..EngineOptions::default()
        },
    );
    let get = MockRequest {
        method: "GET".into(),
        path: "/things/1".into(),
        ..MockRequest::default()
    };
    let statuses: Vec<u16> = (0..200).map(|_| engine.handle(&get).status).collect();
    let failed = statuses.iter().filter(|s| **s == 503).count();
    assert!(
        (30..=90).contains(&failed),
        "expected about 30% of 200 answers to fail, {failed} did"
    );
    assert!(
        statuses.iter().all(|s| [200, 503].contains(s)),
        "{statuses:?}"
    );
    let failing = (0..50)
        .map(|_| engine.handle(&get))
        .find(|a| a.status == 503)
        .expect("a failure");
    assert!(
        failing
            .header("retry-after")
            .is_some_and(|v| v.parse::<u64>().is_ok()),
        "expected the declared Retry-After"
    );
    // createThing declares no failure: chaos leaves it alone.
    let create = MockRequest {
        method: "POST".into(),
        path: "/things".into(),
        headers: understudy::headers::from_pairs([("content-type", "application/json")]),
        body: r#"{"name": "n"}"#.into(),
        ..MockRequest::default()
    };
    assert!((0..50).all(|_| engine.handle(&create).status == 201));
}
