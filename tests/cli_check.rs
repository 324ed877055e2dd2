//! `lawful check`: exit codes (0 clean, 1 errors, 2 usage), the JSON output's shape, and
//! snapshots of the human and JSON output.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use assert_cmd::Command;
use serde_json::Value;

const EXIT_OK: i32 = 0;
const EXIT_ERRORS: i32 = 1;
const EXIT_USAGE: i32 = 2;

fn lawful() -> Command {
    let mut cmd = Command::cargo_bin("lawful").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Run `lawful check --format json ARGS…`: the exit code and the parsed diagnostics.
fn check_json(args: &[&str]) -> (i32, Vec<Value>) {
    let output = lawful()
        .arg("check")
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let value: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("`lawful check` printed invalid JSON ({e}): {stdout}"));
    let Value::Array(items) = value else {
        panic!("the JSON output is not a list: {stdout}");
    };
    (output.status.code().unwrap(), items)
}

/// Every documented field is there with its type.
fn assert_json_shape(d: &Value) {
    let str_field = |key: &str| {
        d[key]
            .as_str()
            .unwrap_or_else(|| panic!("`{key}` is not a string in {d}"))
    };
    let code = str_field("code");
    assert!(code.starts_with("lawful::"), "code {code}");
    assert!(["error", "warning"].contains(&str_field("severity")), "{d}");
    assert!(!str_field("message").is_empty(), "{d}");
    assert!(!str_field("file").is_empty(), "{d}");
    assert!(d["help"].is_string() || d["help"].is_null(), "{d}");
    assert!(d["label"].is_string(), "{d}");
    assert!(d["line"].as_u64().is_some_and(|n| n >= 1), "{d}");
    assert!(d["column"].as_u64().is_some_and(|n| n >= 1), "{d}");
    let span = &d["span"];
    let (start, end) = (
        span["start"].as_u64().unwrap(),
        span["end"].as_u64().unwrap(),
    );
    assert!(start <= end, "{d}");
    assert!(span["text"].is_string(), "{d}");
    for r in d["related"].as_array().unwrap() {
        assert!(r["message"].is_string() && r["file"].is_string(), "{d}");
        assert!(
            r["line"].as_u64().is_some() && r["column"].as_u64().is_some(),
            "{d}"
        );
    }
}

#[test]
fn each_invalid_case_fails_with_its_codes_in_json() {
    for case in support::cases() {
        let root = case.root.to_str().unwrap();
        let (code, items) = check_json(&[root]);
        let expected = case.expected_codes();
        // Warnings alone do not fail a check: lint-only cases exit 0.
        let has_error = expected.iter().any(|c| !c.starts_with("lawful::lint::"));
        let want = if has_error { EXIT_ERRORS } else { EXIT_OK };
        assert_eq!(code, want, "{}: exit code", case.name);
        for d in &items {
            assert_json_shape(d);
        }
        let produced: std::collections::BTreeSet<String> = items
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            produced, expected,
            "{}: codes in the JSON output",
            case.name
        );
    }
}

#[test]
fn valid_policies_exit_zero_with_an_empty_json_list() {
    let (code, items) = check_json(&["tests/valid/rules.lawful", "tests/valid/tests.lawful"]);
    assert_eq!(code, EXIT_OK);
    assert!(items.is_empty(), "{items:?}");
}

#[test]
fn several_paths_are_checked_together() {
    let (code, items) = check_json(&["tests/valid", "tests/diagnostics/unknown_purpose.lawful"]);
    assert_eq!(code, EXIT_ERRORS, "one failing file fails the run");
    let codes: Vec<&str> = items.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["lawful::check::unknown_purpose"]);
    assert_eq!(items[0]["file"], "tests/diagnostics/unknown_purpose.lawful");
    assert_eq!(items[0]["span"]["text"], "marketing.drect");
}

#[test]
fn human_output_ends_with_a_summary() {
    let output = lawful()
        .args(["check", "tests/diagnostics/many_problems.lawful"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(EXIT_ERRORS));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.ends_with("checked 1 file(s): 7 error(s), 1 warning(s)\n"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let output = lawful()
        .args(["check", "tests/valid/does-not-exist.lawful"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(EXIT_USAGE));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("`tests/valid/does-not-exist.lawful` does not exist"),
        "{stderr}"
    );
}

#[test]
fn bad_arguments_are_usage_errors() {
    let bad: &[&[&str]] = &[
        &[],
        &["check"],
        &["check", "--format", "xml", "tests/valid"],
        &["check", "--bogus", "tests/valid"],
        &["frobnicate"],
    ];
    for args in bad {
        lawful().args(*args).assert().code(EXIT_USAGE);
    }
}

#[test]
fn help_and_version_exit_zero() {
    lawful().args(["--help"]).assert().code(EXIT_OK);
    lawful().args(["--version"]).assert().code(EXIT_OK);
    lawful().args(["check", "--help"]).assert().code(EXIT_OK);
}

#[test]
fn snapshot_human_output() {
    let output = lawful()
        .args(["check", "tests/diagnostics/unknown_purpose.lawful"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(EXIT_ERRORS));
    insta::assert_snapshot!(String::from_utf8(output.stderr).unwrap());
}

/// A related span in another file becomes a note after the report.
#[test]
fn snapshot_human_output_with_a_note_in_another_file() {
    let output = lawful()
        .args([
            "check",
            "tests/diagnostics/duplicate_across_files/main.lawful",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(EXIT_ERRORS));
    insta::assert_snapshot!(String::from_utf8(output.stderr).unwrap());
}

#[test]
fn snapshot_json_output() {
    let (code, items) = check_json(&["tests/diagnostics/duplicate_across_files/main.lawful"]);
    assert_eq!(code, EXIT_ERRORS);
    insta::assert_json_snapshot!(items);
}

/// A counterexample's location far from the failing assertion gets a snippet of its own:
/// the lines between the two are not printed.
#[test]
fn a_far_related_location_is_a_snippet_of_its_own() {
    let filler: String = (0..30)
        .map(|i| format!("category user.other.c{i}\n"))
        .collect();
    let text = format!(
        "#![allow(purpose-without-retention, unused-category)]\n\
         policy \"P\" {{ controller \"C\" }}\n\
         region DE \"Germany\"\n\
         category user.contact.email\n\
         attribute vip: bool\n\
         purpose p {{ uses user.contact.email  basis contract }}\n\
         deny rule_far: use * for p when subject.vip\n\
         {filler}\
         assert never use * for p\n"
    );
    let dir = std::env::temp_dir().join(format!("lawful-far-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("far.lawful");
    std::fs::write(&path, text).unwrap();
    let output = lawful().arg("check").arg(&path).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(output.status.code(), Some(EXIT_ERRORS));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("fails for a subject with one fact set"),
        "{stderr}"
    );
    assert!(stderr.contains("counterexample: subject"), "{stderr}");
    assert!(stderr.contains("basis contract }"), "{stderr}");
    for middle in ["user.other.c10", "user.other.c20"] {
        assert!(!stderr.contains(middle), "{middle} printed:\n{stderr}");
    }
    assert!(stderr.lines().count() < 30, "{stderr}");
}
