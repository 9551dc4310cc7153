//! The binary as a user runs it: exit codes, error messages that name file, line and JSON
//! pointer, and a real server on a real socket.

mod common;

use common::{assert_text_snapshot, fixture};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn understudy() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_understudy"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "off");
    command
}

#[test]
fn broken_documents_are_refused_with_file_line_and_pointer() {
    let mut report = String::new();
    for name in [
        "bad-syntax.yaml",
        "dangling-ref.yaml",
        "missing-file.yaml",
        "not-openapi.json",
        "swagger12.yaml",
    ] {
        let path = format!("tests/fixtures/broken/{name}");
        let output = understudy().args(["lint", &path]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{name} must exit 2");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(
            stderr.contains(&path),
            "{name}: the message names the file: {stderr}"
        );
        report.push_str(&stderr);
    }
    assert_text_snapshot("broken_spec_errors", &report);
}

/// Documents lint warns of, each with the snapshot of what it says: warnings alone exit 0.
#[test]
fn lint_warns_of_contradicting_examples_and_of_what_no_server_can_send() {
    for (fixture, snapshot) in [
        ("responses.yaml", "lint_responses_fixture"),
        ("unfollowable.yaml", "lint_unfollowable"),
    ] {
        let path = format!("tests/fixtures/{fixture}");
        let output = understudy().args(["lint", &path]).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{fixture}: warnings alone do not fail lint, got {stdout}"
        );
        assert_text_snapshot(snapshot, &stdout);
    }
}

/// `script` run by python3 from the repository's root, with `arg` as its `sys.argv[1]` (the
/// serving stage's functions are tested this way, `scripts` on its path): whether it exited
/// with success, what it printed (trimmed), and its stderr.
fn python(script: &str, arg: &std::ffi::OsStr) -> (bool, String, String) {
    let output = Command::new("python3")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["-c", script])
        .arg(arg)
        .output()
        .expect("python3 runs (scripts/test installs it)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_string(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The corpus's serving stage (`scripts/corpus_serving.py`) explains failing documents by
/// lint's words: each kind of warning it reads must be one lint still writes, or a reworded
/// warning would quietly stop explaining documents there.
#[test]
fn the_serving_stage_finds_each_kind_of_warning_it_reads_in_what_lint_writes() {
    let script = "import sys; sys.path.insert(0, 'scripts'); import corpus_serving as c; \
                  places = c.lint_places(sys.argv[1], 'tests/fixtures/unfollowable.yaml'); \
                  print(sorted(k for k, v in places.items() if not v))";
    let (ran, stdout, stderr) = python(script, env!("CARGO_BIN_EXE_understudy").as_ref());
    assert!(
        ran && stdout == "[]",
        "expected the serving stage to find every kind of warning it reads in lint's output on \
         unfollowable.yaml; kinds it found none of: {stdout}{stderr}"
    );
}

/// A document of thousands of operations outlasts the serving stage's time: Schemathesis is
/// interrupted as Ctrl-C does (and then writes its report of what it tested), not killed.
#[test]
fn the_serving_stage_interrupts_a_run_that_outlasts_its_time_and_lets_it_finish_writing() {
    // The child is a shell that traps Ctrl-C. Run in the background by a shell without job
    // control (as CI may run it), this test has Ctrl-C ignored, and children inherit that
    // unless `interruptible_children` gives them the default (CI failed here without it).
    let script = "import sys, time, pathlib; sys.path.insert(0, 'scripts'); \
                  import corpus_serving as c; d = pathlib.Path(sys.argv[1]); \
                  child = \"trap 'echo written > report; kill $!; exit 0' INT; sleep 60 & wait\"; \
                  t = time.time(); \
                  out = open(d / 'log', 'w'); \
                  c.interruptible_children(); \
                  stopped = c.run_interrupted_at(['sh', '-c', child], out, d, 2); \
                  print(stopped, time.time() - t < 30, (d / 'report').read_text().strip())";
    let dir = tempfile::tempdir().unwrap();
    let (_, stdout, stderr) = python(script, dir.path().as_os_str());
    assert_eq!(
        stdout, "True True written",
        "expected the run interrupted within its time and its report written; stderr: {stderr}"
    );
}

/// `--serve-again` serves what earlier runs left unclean: a document's last row decides, so
/// one fixed since (clean in the later run) is not served again, and one that got worse is.
#[test]
fn the_serving_stage_serves_again_the_documents_whose_last_row_is_not_clean() {
    let dir = tempfile::tempdir().unwrap();
    let header = "document\tversion\toutcome\tfailing_cases\tsummary\n";
    let first = format!(
        "{header}fixed.json\t3.0\tfailures\t1\tST108\nworse.json\t3.0\tclean\t0\t\n\
         error.json\t3.0\tschemathesis-error\t1\tHealth Check\nkept.json\t3.0\tclean\t0\t\n"
    );
    let second =
        format!("{header}fixed.json\t3.0\tclean\t0\t\nworse.json\t3.0\tfailures\t2\tST103\n");
    std::fs::write(dir.path().join("first.tsv"), first).unwrap();
    std::fs::write(dir.path().join("second.tsv"), second).unwrap();
    let script = "import sys, pathlib; sys.path.insert(0, 'scripts'); \
                  import corpus_serving as c; d = pathlib.Path(sys.argv[1]); \
                  print(c.not_clean_in([d / 'first.tsv', d / 'second.tsv']))";
    let (_, stdout, stderr) = python(script, dir.path().as_os_str());
    assert_eq!(
        stdout, "['worse.json', 'error.json']",
        "expected the documents whose last row is not clean; stderr: {stderr}"
    );
}

#[test]
fn lint_fails_on_an_undeclared_security_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("insecure.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nsecurity: [{nope: []}]\npaths:\n  /x:\n    get:\n      responses: {'200': {description: ok}}\n",
    )
    .unwrap();
    let output = understudy().arg("lint").arg(&spec).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("security scheme \"nope\" is not declared")
    );
}

#[test]
fn check_refuses_a_credential_for_a_security_scheme_the_contract_does_not_declare() {
    let spec = fixture("credential-places.yaml");
    let output = understudy()
        .args([
            "check",
            "--target",
            "http://127.0.0.1:9",
            "--auth",
            "apiKey=s3cret",
        ])
        .arg("--spec")
        .arg(&spec)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() == Some(2)
            && stderr.contains("no security scheme \"apiKey\"")
            && stderr.contains("queryKey, cookieKey, basic")
            && !stderr.contains("s3cret"),
        "expected a usage error naming the schemes declared and not the secret, got {:?} {stderr}",
        output.status.code()
    );
}

#[test]
fn lint_fails_on_a_schema_that_cannot_be_compiled() {
    let output = understudy()
        .args(["lint", "tests/fixtures/broken/bad-keyword.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("bad-keyword.yaml:11 at #/paths/~1x/get/responses/200/content/application~1json/schema: error"), "{stdout}");
    assert!(
        stdout.contains("\"one\" is not of type \"integer\""),
        "{stdout}"
    );
}

#[test]
fn lint_fails_on_a_pattern_json_schema_cannot_read_at_the_pattern_itself() {
    let output = understudy()
        .args(["lint", "tests/fixtures/broken/bad-pattern.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected = "bad-pattern.yaml:13 at \
                    #/paths/~1x/get/responses/200/content/application~1json/schema/pattern: \
                    error: pattern \"([unclosed\" is not a regular expression JSON Schema reads";
    assert!(
        stdout.contains(expected),
        "expected {expected:?}, received {stdout}"
    );
}

#[test]
fn lint_warns_of_a_pattern_written_as_a_javascript_literal_and_says_what_was_meant() {
    let output = understudy()
        .args(["lint", "tests/fixtures/literal-patterns.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let at = "#/paths/~1users/get/responses/200/content/application~1json/schema/properties";
    let expected = [
        format!(
            "literal-patterns.yaml:16 at {at}/username/pattern: warning: pattern \
             \"/^[a-z0-9._]+$/\" is written as a JavaScript regular expression literal"
        ),
        "\"^[a-z0-9._]+$\" is likely what was meant".to_string(),
        format!("{at}/channel/pattern: warning"),
        "0 error(s), 2 warning(s)".to_string(),
    ];
    assert!(
        output.status.code() == Some(0)
            && expected.iter().all(|line| stdout.contains(line.as_str()))
            && !stdout.contains("/path/pattern"),
        "expected warnings for the two anchored literals only ({expected:?}), received {:?} \
         {stdout}",
        output.status.code()
    );
}

/// Warnings `lint` gives of a fixture: (fixture, what stdout holds, how many warnings).
const LINT_WARNINGS: &[(&str, &[&str], usize)] = &[
    (
        "accepted-creates.yaml",
        &["accepted-creates.yaml:24 at \
           #/paths/~1jobs/post/responses/202/headers/X-Queue-Depth/example: warning: the example \
           of header X-Queue-Depth contradicts its schema (\"deep\" is not an integer)"],
        1,
    ),
    (
        "unsatisfiable-request.yaml",
        &[
            "at #/paths/~1members/put/requestBody/content/application~1json/schema: warning: no \
             value was found that this request schema accepts",
            "can only be refused",
        ],
        1,
    ),
    (
        "unsatisfiable-parameter.yaml",
        &[
            "unsatisfiable-parameter.yaml:17 at \
             #/paths/~1query~1jobs~1{job-id}/delete/parameters/0/schema: warning: no value was \
             found that this parameter schema accepts",
            "a request needs it, so a request can only be refused",
        ],
        1,
    ),
    (
        "enum-types.yaml",
        &[
            "enum-types.yaml:27 at #/paths/~1users~1{id}/get/responses/200/content/\
           application~1json/schema/properties/content_filter/enum: warning: enum \
           [\"drugs\",\"language\",\"safe\"] holds no value of type array: no value can \
           be valid here",
        ],
        1,
    ),
    (
        "nested-examples.yaml",
        &[
            "nested-examples.yaml:35 at #/components/schemas/Stakeholder/example: warning: the \
           example contradicts its schema at \"/contact/email\": \"bob@email.com\" does not \
           match \"^[a-z]+@example\\.org$\"\n",
        ],
        1,
    ),
];

#[test]
fn lint_warns_of_what_each_fixture_gets_wrong_where_it_is() {
    for (fixture, expected, warnings) in LINT_WARNINGS {
        let output = understudy()
            .args(["lint", &format!("tests/fixtures/{fixture}")])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let count = format!("0 error(s), {warnings} warning(s)");
        assert!(
            expected.iter().all(|line| stdout.contains(line)) && stdout.contains(&count),
            "{fixture}: expected {expected:?} and {count:?}, received {stdout}"
        );
    }
}

#[test]
fn the_bundled_contracts_lint_clean() {
    let output = understudy().arg("lint").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("4 document(s), 21 operation(s): 0 error(s), 0 warning(s)"),
        "{stdout}"
    );
}

#[test]
fn routes_lists_every_operation_with_its_full_url() {
    let output = understudy()
        .args(["routes", "--port", "4010"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_text_snapshot("routes_bundled", &String::from_utf8_lossy(&output.stdout));
}

/// The child, its port, and the first line it printed.
struct Server(Child, u16, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `understudy serve` on a free port from a directory without `specs/`, so the
/// bundled contracts must come from the binary itself.
fn start_server(extra: &[&str]) -> Server {
    let mut args = vec!["serve", "--port", "0"];
    args.extend_from_slice(extra);
    start(&args)
}

/// Starts `understudy ARGS…` (a command that listens on a port it prints) from a directory
/// without `specs/`.
fn start(args: &[&str]) -> Server {
    let dir = std::env::temp_dir();
    let mut child = understudy()
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let port = first_line
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in {first_line:?}"));
    Server(child, port, first_line)
}

fn http_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_answers_on_a_real_socket_from_any_directory() {
    let started = Instant::now();
    let server = start_server(&[]);
    let response = http_get(server.1, "/kantata/organization_memberships");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"organization_memberships\""),
        "{response}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let missing = http_get(server.1, "/nope");
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}

#[test]
fn serve_listens_on_loopback_by_default() {
    let server = start_server(&[]);
    assert!(server.2.contains("http://127.0.0.1:"), "{}", server.2);
    assert!(http_get(server.1, "/nope").starts_with("HTTP/1.1 404"));
}

#[test]
fn header_parameters_named_content_type_are_ignored_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("headers.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      parameters:\n        - {name: Content-Type, in: header, required: true, schema: {type: string}}\n      responses: {'200': {description: ok}}\n",
    )
    .unwrap();
    let output = understudy().arg("lint").arg(&spec).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("header parameter \"Content-Type\" is ignored")
    );
}

#[test]
fn fixtures_preload_the_default_session() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("fixtures.yaml");
    std::fs::write(
        &fixtures,
        "kantata:/organization_memberships/{id}:\n  - key: ['42']\n    object: {member_id: '7', member_type: user, primary: true}\n",
    )
    .unwrap();
    let server = start_server(&["--fixtures", fixtures.to_str().unwrap()]);
    let response = http_get(server.1, "/kantata/organization_memberships/42");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"member_id\":\"7\""), "{response}");
}

#[test]
fn broken_fixtures_are_refused_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("fixtures.json");
    std::fs::write(&fixtures, "{\"x\": 5}").unwrap();
    let output = understudy()
        .args(["serve", "--port", "0", "--fixtures"])
        .arg(&fixtures)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot load fixtures"));
}

#[test]
fn check_records_its_exchanges_for_validate_without_secrets() {
    // Only the given credential opens: check's forged ones must be refused.
    let server = start_server(&["--credential", "top-secret"]);
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("check.har");
    let output = understudy()
        .args([
            "check",
            "--target",
            &format!("http://127.0.0.1:{}", server.1),
            "--header",
            "x-api-key: top-secret",
            "--header",
            "REB-APIKEY: top-secret",
            "--bearer",
            "top-secret",
            "--record",
        ])
        .arg(&recording)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("conformance score: 100.0%"));
    let har = std::fs::read_to_string(&recording).unwrap();
    assert!(!har.contains("top-secret"), "secrets are redacted");
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("top-secret"),
        "and never printed"
    );
    // Negative requests are in the recording too, so validate finds their (intended) defects.
    let validated = understudy()
        .arg("validate")
        .arg(&recording)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&validated.stdout).unwrap();
    let exchanges = report["summary"]["exchanges"].as_u64().unwrap();
    assert!(exchanges > 80, "{exchanges}");
    let checks: Vec<&str> = report["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| {
            e["failures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["check"].as_str().unwrap())
        })
        .collect();
    assert!(
        checks
            .iter()
            .all(|c| *c == "request_conformance" || *c == "undocumented_operation"),
        "{checks:?}"
    );
}

#[test]
fn a_reader_that_stops_early_is_no_crash() {
    // More routes than a pipe holds, so that `routes` is still writing when the reader leaves.
    let dir = tempfile::tempdir().unwrap();
    let mut spec = String::from("openapi: 3.0.3\ninfo: {title: Many, version: '1'}\npaths:\n");
    for i in 0..3000 {
        spec.push_str(&format!(
            "  /resource{i}/{{id}}:\n    get:\n      responses: {{'200': {{description: ok}}}}\n"
        ));
    }
    let path = dir.path().join("many.yaml");
    std::fs::write(&path, spec).unwrap();
    let mut child = understudy()
        .args(["routes", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(first.starts_with("Many"), "first line: {first:?}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );
}

#[test]
fn a_swagger_2_document_is_linted_and_validated_with_places_in_the_2_0_file() {
    let output = understudy()
        .args(["lint", "tests/fixtures/broken/swagger2-bad-pattern.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "expected lint errors: {stdout}"
    );
    assert!(
        stdout.contains("swagger2-bad-pattern.yaml:13 at #/definitions/Code/pattern"),
        "expected the error at the 2.0 file's own line and pointer, got {stdout}"
    );
    let output = understudy()
        .args([
            "validate",
            "--spec",
            "tests/fixtures/swagger2/petstore.yaml",
            "--format",
            "json",
            "tests/fixtures/recordings/swagger2.jsonl",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(
        output.status.code(),
        Some(1),
        "expected violations: {report}"
    );
    assert_eq!(
        (
            &report["summary"]["conforming"],
            &report["summary"]["failing"]
        ),
        (&serde_json::json!(1), &serde_json::json!(2)),
        "expected the first exchange to conform and the others to fail: {report}"
    );
    let second = report["exchanges"][0]["failures"].to_string();
    assert!(
        second.contains("/name") && second.contains("/kind"),
        "expected the short name and the unknown kind reported, got {second}"
    );
    assert_eq!(
        report["exchanges"][1]["failures"][0]["schema_path"],
        "#/definitions/Error/properties/code/type",
        "expected the schema path as the 2.0 file writes it: {report}"
    );
}

#[test]
fn lint_names_each_documents_version_and_the_3_2_features_it_uses() {
    let output = understudy()
        .args([
            "lint",
            "tests/fixtures/openapi32/methods.yaml",
            "tests/fixtures/swagger2/petstore.yaml",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "methods.yaml: OpenAPI 3.2.0, using the QUERY method, additionalOperations, in: querystring",
        "petstore.yaml: Swagger 2.0, served as its OpenAPI 3.0.3 conversion",
    ] {
        assert!(
            stdout.contains(expected),
            "expected {expected:?} in the lint output, got {stdout}"
        );
    }
}

#[test]
fn lint_reports_examples_inside_schemas_that_contradict_them() {
    let output = understudy()
        .args(["lint", "tests/fixtures/schema-examples.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "warnings alone do not fail lint"
    );
    for expected in [
        "schema-examples.yaml:9 at #/paths/~1members~1{id}/parameters/0/schema/examples/0: warning: the example contradicts its schema: \"not-a-uuid\" is not a \"uuid\"",
        "schema-examples.yaml:24 at #/components/schemas/Member/properties/role/examples/0: warning",
        "schema-examples.yaml:25 at #/components/schemas/Member/properties/seats/example: warning",
    ] {
        assert!(
            stdout.contains(expected),
            "expected {expected:?} in {stdout}"
        );
    }
    assert!(
        !stdout.contains("properties/id/examples"),
        "expected the valid uuid example left alone: {stdout}"
    );
}

/// A GET with an `Origin`, as a browser sends it: the status line, headers and body.
fn browser_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nOrigin: http://app.example\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.to_ascii_lowercase()
}

#[test]
fn mock_takes_prisms_flags_as_prism_spells_them() {
    let spec = format!(
        "{}/tests/fixtures/responses.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let example = r#"{"total":1,"lines":[]}"#;
    // Prism's defaults: examples served, CORS on; -h is the host, -m and --errors accepted.
    let server = start(&[
        "mock",
        &spec,
        "-p",
        "0",
        "-h",
        "127.0.0.1",
        "-m",
        "--errors",
        "-v",
        "silent",
    ]);
    let answer = browser_get(server.1, "/report");
    assert!(
        answer.contains("access-control-allow-origin: http://app.example")
            && answer.ends_with(example),
        "expected the example with CORS headers, got {answer}"
    );
    drop(server);
    let server = start(&["mock", &spec, "-p", "0", "--cors=false", "--ignoreExamples"]);
    let answer = browser_get(server.1, "/report");
    assert!(
        !answer.contains("access-control-allow-origin") && !answer.ends_with(example),
        "expected a generated answer without CORS headers, got {answer}"
    );
    drop(server);
    let server = start(&["mock", &spec, "-p", "0", "-d", "--seed", "5"]);
    let (first, second) = (
        browser_get(server.1, "/report"),
        browser_get(server.1, "/report"),
    );
    let body = |answer: &str| {
        answer
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        !first.ends_with(example) && body(&first) == body(&second),
        "expected --dynamic to generate (the same for the same request and seed), got {first}"
    );
    drop(server);
    let output = understudy()
        .args(["mock", &spec, "--jsonSchemaFakerFillProperties"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() == Some(2) && stderr.contains("--jsonSchemaFakerFillProperties"),
        "expected a flag understudy does not honour refused by name, got {stderr}"
    );
}

/// One request on a real socket: the status line, headers and body.
fn http_request(port: u16, method: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_watch_reloads_a_changed_referenced_file_keeps_state_and_survives_a_broken_edit() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.yaml");
    let part = dir.path().join("part.yaml");
    std::fs::write(
        &main,
        "openapi: 3.1.0\ninfo: {title: watched, version: '1'}\npaths:\n  /things:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: 'part.yaml#/Thing'}}}}\n      responses: {'201': {description: made, content: {application/json: {schema: {$ref: 'part.yaml#/Thing'}}}}}\n  /things/{id}:\n    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n    get:\n      responses:\n        '200': {description: one, content: {application/json: {schema: {$ref: 'part.yaml#/Thing'}}}}\n        '404': {description: none}\n  /motd:\n    $ref: 'part.yaml#/Motd'\n",
    )
    .unwrap();
    let motd_with = |name_type: &str, text: &str| {
        format!(
            "Thing: {{type: object, properties: {{id: {{type: integer, readOnly: true}}, name: {{type: {name_type}}}}}}}\nMotd:\n  get:\n    responses: {{'200': {{description: m, content: {{application/json: {{schema: {{type: string}}, example: {text}}}}}}}}}\n"
        )
    };
    let motd = |text: &str| motd_with("string", text);
    std::fs::write(&part, motd("hello")).unwrap();
    let server = start(&["serve", main.to_str().unwrap(), "--port", "0", "--watch"]);
    let created = http_request(server.1, "POST", "/things", r#"{"name": "kept"}"#);
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    assert!(http_get(server.1, "/motd").ends_with("\"hello\""));

    let answer_becomes = |expected: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let answer = http_get(server.1, "/motd");
            if answer.ends_with(expected) || Instant::now() > deadline {
                return answer;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    // A client reading all through the reloads: none of its requests may fail.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (stop, port) = (stop.clone(), server.1);
        std::thread::spawn(move || {
            let mut failures = Vec::new();
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let answer = http_get(port, "/things/1");
                reads += 1;
                if !answer.starts_with("HTTP/1.1 200") {
                    failures.push(answer);
                }
            }
            (reads, failures)
        })
    };
    std::fs::write(&part, motd("changed")).unwrap();
    let reloaded = answer_becomes("\"changed\"");
    assert!(
        reloaded.ends_with("\"changed\""),
        "expected the edit of the referenced file to be served, got {reloaded}"
    );
    let kept = http_get(server.1, "/things/1");
    assert!(
        kept.starts_with("HTTP/1.1 200") && kept.contains("\"kept\""),
        "expected the stored object to survive the reload, got {kept}"
    );
    std::fs::write(&part, "Thing: [unclosed\n").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let still = http_get(server.1, "/motd");
    assert!(
        still.ends_with("\"changed\""),
        "expected a broken edit to leave the last good contract serving, got {still}"
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (reads, failures) = reader.join().unwrap();
    assert!(
        reads > 0 && failures.is_empty(),
        "expected every read during the reloads to succeed, {} of {reads} failed: {:?}",
        failures.len(),
        failures.first()
    );
    // A schema the stored object no longer fits: it is dropped, not answered made to fit.
    std::fs::write(&part, motd_with("integer", "final")).unwrap();
    let reloaded = answer_becomes("\"final\"");
    assert!(reloaded.ends_with("\"final\""), "{reloaded}");
    let dropped = http_get(server.1, "/things/1");
    assert!(
        dropped.starts_with("HTTP/1.1 404"),
        "expected the object whose name no longer fits dropped, got {dropped}"
    );
}

#[test]
fn proxy_takes_prisms_positional_spec_and_upstream() {
    let spec = format!(
        "{}/tests/fixtures/responses.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let upstream = start(&["serve", &spec, "--port", "0"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let upstream_url = format!("http://127.0.0.1:{}", upstream.1);
    let mut proxy = understudy()
        .args(["proxy", &spec, &upstream_url, "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(proxy.stdout.as_mut().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let proxy = Server(proxy, port, first_line);
    let answer = http_get(proxy.1, "/report");
    assert!(
        answer.starts_with("HTTP/1.1 200") && !answer.contains("\r\nsl-violations:"),
        "expected the upstream's answer through the proxy, unflagged: {answer}"
    );
}

#[test]
fn serve_registers_the_stub_files_of_a_directory_and_refuses_to_start_on_one_that_lies() {
    let dir = tempfile::tempdir().unwrap();
    let spec = format!("{}/tests/fixtures/stubs.yaml", env!("CARGO_MANIFEST_DIR"));
    std::fs::write(
        dir.path().join("owned.yaml"),
        "operation: getThing\nmatch: {path: {id: \"7\"}}\nresponse: {status: 200, example: owned}\n",
    )
    .unwrap();
    let stubs = dir.path().to_str().unwrap().to_string();
    let server = start(&[
        "serve",
        &spec,
        "--port",
        "0",
        "--stateless",
        "--stubs",
        &stubs,
    ]);
    let response = http_get(server.1, "/things/7");
    assert!(
        response.starts_with("HTTP/1.1 200") && response.contains("owned thing"),
        "expected the file's stub to answer, received {response}"
    );
    let listed = http_get(server.1, "/__understudy/stubs");
    assert!(
        listed.contains("\"id\":\"owned\""),
        "expected the stub named after its file: {listed}"
    );
    drop(server);

    std::fs::write(
        dir.path().join("lying.json"),
        r#"{"operation": "getThing", "response": {"status": 200, "body": {"id": 7}}}"#,
    )
    .unwrap();
    let output = understudy()
        .args(["serve", &spec, "--port", "0", "--stubs", &stubs])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("lying.json: stub refused")
            && stderr.contains("response.body.id: 7 is not a string")
            && stderr.contains("response.body: \"name\" is a required property"),
        "expected the refusal to name the file and the rules broken, received {stderr}"
    );
}

#[test]
fn serve_replays_a_recording_in_order_and_leaves_out_answers_that_break_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("traffic.jsonl");
    let lines = [
        r#"{"method": "GET", "url": "http://api/things/1", "status": 200, "response_headers": {"content-type": "application/json"}, "response_body": {"id": "1", "name": "recorded", "count": 3}}"#,
        r#"{"method": "GET", "url": "http://api/things/1", "status": 200, "response_headers": {"content-type": "application/json"}, "response_body": {"id": "1", "name": "recorded again", "count": 4}}"#,
        r#"{"method": "POST", "url": "http://api/things", "request_body": {"name": "x"}, "status": 201, "response_headers": {"content-type": "application/json"}, "response_body": {"id": "9", "name": "{{not a template}}", "count": 0}}"#,
        r#"{"method": "GET", "url": "http://api/things/2", "status": 200, "response_headers": {"content-type": "application/json"}, "response_body": {"id": 2}}"#,
    ];
    std::fs::write(&recording, lines.join("\n")).unwrap();
    let spec = format!("{}/tests/fixtures/stubs.yaml", env!("CARGO_MANIFEST_DIR"));
    let replaying = recording.to_str().unwrap();
    let server = start(&[
        "serve",
        &spec,
        "--port",
        "0",
        "--stateless",
        "--replay",
        replaying,
    ]);
    let body = |answer: &str| {
        answer
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    let reads: Vec<String> = (0..3)
        .map(|_| body(&http_get(server.1, "/things/1")))
        .collect();
    assert!(
        reads[0].contains("\"recorded\"")
            && reads[1].contains("recorded again")
            && reads[2].contains("recorded again"),
        "expected the recorded answers in order, the last from then on: {reads:#?}"
    );
    let created = http_request(server.1, "POST", "/things", r#"{"name": "x"}"#);
    assert!(
        created.starts_with("HTTP/1.1 201") && created.contains("{{not a template}}"),
        "expected the recorded answer to the recorded body, as written: {created}"
    );
    let other = http_request(server.1, "POST", "/things", r#"{"name": "y"}"#);
    assert!(
        !other.contains("\"9\""),
        "expected another body to reach the contract: {other}"
    );
    let lying = body(&http_get(server.1, "/things/2"));
    assert!(
        !lying.contains("\"id\":2"),
        "expected the recorded answer that breaks the contract left out: {lying}"
    );
    drop(server);

    let lenient = start(&[
        "serve",
        &spec,
        "--port",
        "0",
        "--stateless",
        "--replay",
        replaying,
        "--lenient",
    ]);
    let answer = http_get(lenient.1, "/things/2");
    assert!(
        answer.contains("\"id\":2") && answer.to_ascii_lowercase().contains("sl-violations"),
        "expected --lenient to replay it, flagged: {answer}"
    );
}

#[test]
fn serve_watch_registers_changed_stub_files_again() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("things.yaml");
    std::fs::copy(
        format!("{}/tests/fixtures/stubs.yaml", env!("CARGO_MANIFEST_DIR")),
        &spec,
    )
    .unwrap();
    let stubs = dir.path().join("stubs");
    std::fs::create_dir(&stubs).unwrap();
    let stub = |name: &str| {
        format!(
            "operation: getThing\nresponse: {{status: 200, body: {{id: \"1\", name: {name}, count: 1}}}}\n"
        )
    };
    std::fs::write(stubs.join("thing.yaml"), stub("first")).unwrap();
    let server = start(&[
        "serve",
        spec.to_str().unwrap(),
        "--port",
        "0",
        "--stateless",
        "--watch",
        "--stubs",
        stubs.to_str().unwrap(),
    ]);
    assert!(http_get(server.1, "/things/1").contains("\"first\""));
    std::fs::write(stubs.join("thing.yaml"), stub("second")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut answer = String::new();
    while Instant::now() < deadline {
        answer = http_get(server.1, "/things/1");
        if answer.contains("\"second\"") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        answer.contains("\"second\""),
        "expected the edited stub file to answer, got {answer}"
    );
    let listed = http_get(server.1, "/__understudy/stubs");
    assert_eq!(
        listed.matches("\"id\":\"thing\"").count(),
        1,
        "expected the stub replaced, not added: {listed}"
    );
}
