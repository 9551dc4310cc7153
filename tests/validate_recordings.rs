//! `understudy validate` on recorded traffic: hand-written recordings with one defect of each
//! kind, reported in every format, and the exit codes CI relies on.

mod common;

use common::assert_text_snapshot;

use std::process::Command;

fn understudy() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_understudy"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "off");
    command
}

const DEFECTIVE: [&str; 2] = [
    "tests/fixtures/recordings/traffic.jsonl",
    "tests/fixtures/recordings/devtools.har",
];

fn snapshot(name: &str, text: &str) {
    assert_text_snapshot(name, text);
}

#[test]
fn every_kind_of_defect_is_reported_with_its_check_name() {
    let output = understudy()
        .arg("validate")
        .args(DEFECTIVE)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "violations exit 1");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
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
    for expected in [
        "undocumented_operation",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "request_conformance",
    ] {
        assert!(
            checks.contains(&expected),
            "{expected} missing from {checks:?}"
        );
    }
    assert_eq!(report["summary"]["exchanges"], 10);
    assert_eq!(report["summary"]["failing"], 7);
    snapshot(
        "validate_report_json",
        &String::from_utf8_lossy(&output.stdout),
    );
}

#[test]
fn the_human_and_junit_reports_are_stable() {
    let human = understudy()
        .arg("validate")
        .args(DEFECTIVE)
        .output()
        .unwrap();
    assert_eq!(human.status.code(), Some(1));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(!text.contains('\u{1b}'), "no colours when not a terminal");
    snapshot("validate_report_human", &text);
    let junit = understudy()
        .arg("validate")
        .args(DEFECTIVE)
        .args(["--format", "junit"])
        .output()
        .unwrap();
    let xml = String::from_utf8_lossy(&junit.stdout);
    assert!(
        xml.contains("<testsuite name=\"understudy validate\" tests=\"10\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<failure").count(), 7, "{xml}");
    snapshot("validate_report_junit", &xml);
}

#[test]
fn conforming_traffic_exits_0() {
    let output = understudy()
        .args(["validate", "tests/fixtures/recordings/clean.jsonl"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn a_corrupt_recording_is_a_clear_error_with_exit_2() {
    for (file, contents, expected) in [
        (
            "corrupt.har",
            "{\"log\": {\"version\": \"1.2\", \"entries\": [",
            "not a HAR file",
        ),
        (
            "broken.jsonl",
            "{\"method\": \"GET\", \"url\": \"/x\", \"status\": 200}\nnot json\n",
            "broken.jsonl:2: not an exchange",
        ),
        (
            "incomplete.jsonl",
            "{\"method\": \"GET\"}\n",
            "missing \"url\"",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file);
        std::fs::write(&path, contents).unwrap();
        let output = understudy().arg("validate").arg(&path).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{file}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(expected) && !stderr.contains("panicked"),
            "{file}: {stderr}"
        );
    }
    let missing = understudy()
        .args(["validate", "nowhere.jsonl"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn the_report_can_be_written_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xml");
    let output = understudy()
        .arg("validate")
        .args(DEFECTIVE)
        .args(["--format", "junit", "--output"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("<testsuites")
    );
}

#[test]
fn a_har_with_missing_optional_fields_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sparse.har");
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "1"}, "entries": [{
        "request": {"method": "get", "url": "https://api.mavenlink.com/api/v1/organization_memberships/5", "headers": [{"name": "Authorization", "value": "Bearer x"}]},
        "response": {"status": 418, "content": {"mimeType": "application/json", "text": "{}"}}
    }]}});
    std::fs::write(&path, har.to_string()).unwrap();
    let output = understudy()
        .arg("validate")
        .arg(&path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["exchanges"][0]["failures"][0]["check"],
        "status_code_conformance"
    );
}

/// Each answer is read as its media type writes it: YAML parsed and judged by its schema, text
/// judged as the string it is, and text in a format nothing reads into its schema's shape
/// (a CSV export declared as an object) not judged by that schema.
#[test]
fn answers_in_yaml_and_text_are_judged_as_their_media_type_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.jsonl");
    let exchange = |path: &str, media: &str, body: &str| {
        serde_json::json!({"method": "GET", "url": format!("https://api.example.com{path}"),
            "status": 200, "response_headers": {"Content-Type": media}, "response_body": body})
        .to_string()
    };
    let lines = [
        exchange("/config", "application/x-yaml", "name: lgtm\ndepth: 2\n"),
        exchange("/config", "application/x-yaml", "{}"),
        exchange("/config", "application/x-yaml", "name: [unclosed"),
        exchange("/export", "text/csv", "rows,columns\n1,2\n"),
        exchange("/note", "text/plain", "hello"),
        exchange("/note", "text/plain", "far too long"),
    ];
    std::fs::write(&path, lines.join("\n")).unwrap();
    let output = understudy()
        .args(["validate", "--spec", "tests/fixtures/text-bodies.yaml"])
        .arg(&path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    let found: Vec<String> = report["exchanges"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|exchange| exchange["failures"].as_array().into_iter().flatten())
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect();
    // The failing answers only, in order: `{}` without a name, the unclosed YAML, the long note.
    let expected = [
        "\"name\" is a required property",
        "the body is not valid YAML",
        "\"far too long\" is longer than 5 characters",
    ];
    assert!(
        found.len() == expected.len()
            && expected
                .iter()
                .zip(&found)
                .all(|(expected, found)| found.starts_with(expected)),
        "expected exactly {expected:?}, received {found:?} ({})",
        String::from_utf8_lossy(&output.stderr)
    );
}
