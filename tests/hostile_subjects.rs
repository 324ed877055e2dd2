//! Hostile subjects and query inputs: timestamps without an offset, duplicate JSON keys,
//! consents withdrawn before they were given, batch lines that are not objects, and a batch
//! subject cache fed many large subjects. Each is an error naming the field (or a bound that
//! holds) — never a silent guess. Entry points: the library (`Subject::from_json_str`,
//! `parse_time`, `SubjectBuilder`), `lawful batch` (`Batch`), and the `lawful` flags.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use jiff::Timestamp;
use lawful::batch::Batch;
use lawful::eval::{parse_time, SubjectBuilder, SubjectError};
use lawful::{Policy, Subject};
use serde_json::Value;

const POLICY: &str = r#"#![allow(purpose-without-retention)]
policy "Shop" { controller "Shop GmbH" }
region DE "Germany"
category user.contact.email
field orders.email: user.contact.email
attribute verified: bool
purpose service "Deliver orders" { uses user.contact.email basis contract }
purpose marketing "Newsletters" {
  uses user.contact.email
  basis consent in DE
  withdrawal taints prior data
}
retain user.contact.email for service at most 1 year after consent_withdrawn
"#;

const NOW: &str = "2025-06-01T00:00:00Z";

/// Timestamps that are not an RFC 3339 instant with an offset, nor a plain date. Each used
/// to be read as midnight UTC of its date (or as some other instant).
const BAD_TIMES: &[&str] = &[
    "2025-01-01T12:00:00",
    "2025-01-01 10:00:00",
    "2025-01-01T00:00:00[Mars/Olympus]",
    "2025-01-01T00:00:00Z[Mars/Olympus]",
    "2025-01-01T00:00:00+01:00[Europe/Berlin]",
    "2025-01-01 10:00:00Z",
    "2025-01-01T10:00Z",
    "2025-01-01T10Z",
    "2025-01-01T10:00:00+0100",
    "2025-01-01T10:00:00+01",
    "2025-01-01T10:00:00.Z",
    "20250101",
    "2025-1-1",
    " 2025-01-01",
    "2025-01-01 ",
    "2025-02-30",
    "+002025-01-01T00:00:00Z",
    "yesterday",
    "",
];

/// Accepted forms and the instant each means.
const GOOD_TIMES: &[(&str, &str)] = &[
    ("2025-01-01", "2025-01-01T00:00:00Z"),
    ("2025-01-01T12:00:00Z", "2025-01-01T12:00:00Z"),
    ("2025-01-01t12:00:00z", "2025-01-01T12:00:00Z"),
    ("2025-01-01T12:00:00+01:00", "2025-01-01T11:00:00Z"),
    ("2025-01-01T12:00:00-05:30", "2025-01-01T17:30:00Z"),
    ("2025-01-01T12:00:00.250Z", "2025-01-01T12:00:00.25Z"),
];

const EXPECTED: &str = "expected an RFC 3339 timestamp with an offset, or a date";

fn policy() -> Policy {
    lawful::compile_str("shop.lawful", POLICY).unwrap().policy
}

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn subject(policy: &Policy, json: &str) -> Result<Subject, SubjectError> {
    Subject::from_json_str(policy, json, now())
}

fn subject_error(policy: &Policy, json: &str) -> (&'static str, String) {
    let e = subject(policy, json).map(|_| ()).unwrap_err();
    (e.code(), e.to_string())
}

/// Answer `lines` with a fresh batch; each answer line parsed.
fn batch(policy: &Policy, lines: &str) -> Vec<Value> {
    let mut out = Vec::new();
    Batch::new(policy, now())
        .run(lines.as_bytes(), &mut out)
        .unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn batch_error(policy: &Policy, line: &str) -> (String, String) {
    let answers = batch(policy, line);
    assert_eq!(answers.len(), 1, "{line}");
    let answer = &answers[0];
    let code = answer["code"].as_str();
    let error = answer["error"].as_str();
    match (code, error) {
        (Some(code), Some(error)) => (code.to_owned(), error.to_owned()),
        _ => panic!("{line}: answered {answer}"),
    }
}

// ---- class 3: timestamps ------------------------------------------------------------

#[test]
fn parse_time_accepts_only_instants_with_an_offset_and_dates() {
    for bad in BAD_TIMES {
        let e = parse_time("at", &Value::String((*bad).to_owned())).unwrap_err();
        assert_eq!(e.code(), "lawful::subject::bad_timestamp", "{bad:?}");
        let message = e.to_string();
        assert!(message.starts_with("at: "), "{message}");
        assert!(message.contains(EXPECTED), "{message}");
    }
    for (good, instant) in GOOD_TIMES {
        let at = parse_time("at", &Value::String((*good).to_owned())).unwrap();
        assert_eq!(at, instant.parse::<Timestamp>().unwrap(), "{good}");
    }
}

#[test]
fn subject_documents_name_the_bad_timestamp() {
    let policy = policy();
    for bad in BAD_TIMES {
        for (member, field) in [
            ("given_at", "consents[0].given_at"),
            ("withdrawn_at", "consents[0].withdrawn_at"),
        ] {
            let json = format!(
                r#"{{"consents":[{{"purpose":"marketing","{member}":{}}}]}}"#,
                Value::String((*bad).to_owned())
            );
            let (code, message) = subject_error(&policy, &json);
            assert_eq!(code, "lawful::subject::bad_timestamp", "{json}");
            assert!(message.starts_with(&format!("{field}: ")), "{message}");
            assert!(message.contains(EXPECTED), "{message}");
        }
    }
}

/// A consent given later on the day `--now` is: before, it was read as midnight and allowed.
#[test]
fn a_consent_after_now_is_not_moved_to_midnight() {
    let policy = policy();
    let json =
        r#"{"region":"DE","consents":[{"purpose":"marketing","given_at":"2025-06-01T12:00:00"}]}"#;
    let (code, _) = subject_error(&policy, json);
    assert_eq!(code, "lawful::subject::bad_timestamp");
    let json =
        r#"{"region":"DE","consents":[{"purpose":"marketing","given_at":"2025-06-01T12:00:00Z"}]}"#;
    let (code, _) = subject_error(&policy, json);
    assert_eq!(code, "lawful::subject::timestamp_in_future");
}

#[test]
fn batch_lines_name_the_bad_timestamp() {
    let policy = policy();
    for bad in BAD_TIMES {
        let bad = Value::String((*bad).to_owned());
        let cases = [
            (
                format!(
                    r#"{{"purpose":"service","data":"orders.email","region":"DE","collected_at":{bad}}}"#
                ),
                "collected_at: ",
            ),
            (
                format!(
                    r#"{{"kind":"retention","data":"orders.email","region":"DE","now":{bad}}}"#
                ),
                "now: ",
            ),
            (
                format!(
                    r#"{{"kind":"retention","data":"orders.email","region":"DE","events":{{"consent_withdrawn":{bad}}}}}"#
                ),
                "events.consent_withdrawn: ",
            ),
            (
                format!(
                    r#"{{"purpose":"marketing","data":"orders.email","subject":{{"region":"DE","consents":[{{"purpose":"marketing","given_at":{bad}}}]}}}}"#
                ),
                "subject.consents[0].given_at: ",
            ),
        ];
        for (line, field) in cases {
            let (code, error) = batch_error(&policy, &line);
            assert_eq!(code, "lawful::subject::bad_timestamp", "{line}: {error}");
            assert!(error.starts_with(field), "{line}: {error}");
            assert!(error.contains(EXPECTED), "{line}: {error}");
        }
    }
}

// ---- class 4: subject documents -------------------------------------------------------

#[test]
fn duplicate_keys_are_errors_naming_the_key() {
    let policy = policy();
    let cases = [
        (r#"{"age":10,"age":34}"#, "duplicate key `age`"),
        (r#"{"age":10,"\u0061ge":34}"#, "duplicate key `age`"),
        (
            r#"{"region":"DE","consents":[{"purpose":"marketing","purpose":"service"}]}"#,
            "consents[0]: duplicate key `purpose`",
        ),
        (
            r#"{"consents":[{"purpose":"service"},{"purpose":"marketing","given_at":"2024-01-01","given_at":"2025-01-01"}]}"#,
            "consents[1]: duplicate key `given_at`",
        ),
        (
            r#"{"attributes":{"verified":true,"verified":false}}"#,
            "attributes: duplicate key `verified`",
        ),
        (r#"{"region":"DE","region":"DE"}"#, "duplicate key `region`"),
        // Duplicates count wherever they are, even where the value is not read.
        (
            r#"{"attributes":{"verified":null,"verified":null}}"#,
            "attributes: duplicate key `verified`",
        ),
    ];
    for (json, message) in cases {
        let (code, error) = subject_error(&policy, json);
        assert_eq!(code, "lawful::subject::duplicate_key", "{json}");
        assert_eq!(error, message, "{json}");
        // The same in a batch line, prefixed with `subject`.
        let line = format!(
            r#"{{"purpose":"service","data":"orders.email","region":"DE","subject":{json}}}"#
        );
        let (code, error) = batch_error(&policy, &line);
        assert_eq!(code, "lawful::subject::duplicate_key", "{line}");
        assert!(
            error.starts_with("subject") && error.ends_with(message),
            "{error}"
        );
    }
    // Distinct keys that only look alike are fine.
    subject(&policy, r#"{"attributes":{"verified":true},"age":34}"#).unwrap();
}

#[test]
fn duplicate_keys_in_batch_lines_are_errors() {
    let policy = policy();
    for (line, key) in [
        (
            r#"{"purpose":"service","purpose":"marketing","data":"orders.email"}"#,
            "purpose",
        ),
        (
            r#"{"kind":"retention","data":"orders.email","region":"DE","events":{"consent_withdrawn":"2024-01-01","consent_withdrawn":"2025-01-01"}}"#,
            "consent_withdrawn",
        ),
    ] {
        let (code, error) = batch_error(&policy, line);
        assert_eq!(code, "lawful::batch::json", "{line}");
        assert!(error.contains(&format!("`{key}`")), "{error}");
    }
}

#[test]
fn a_consent_withdrawn_before_it_was_given_is_an_error() {
    let policy = policy();
    let json = r#"{"region":"DE","consents":[{"purpose":"service"},{"purpose":"marketing","given_at":"2024-05-01","withdrawn_at":"2024-02-01"}]}"#;
    let (code, error) = subject_error(&policy, json);
    assert_eq!(code, "lawful::subject::withdrawn_before_given");
    assert!(error.starts_with("consents[1]: "), "{error}");
    // Withdrawn the instant it was given, or after: fine.
    for withdrawn in ["2024-05-01", "2024-06-01"] {
        let json = format!(
            r#"{{"consents":[{{"purpose":"marketing","given_at":"2024-05-01","withdrawn_at":"{withdrawn}"}}]}}"#
        );
        let subject = subject(&policy, &json).unwrap();
        assert!(!subject.consents[0].is_active());
    }
    // The builder says the same.
    let t = |s: &str| s.parse::<Timestamp>().unwrap();
    let e = SubjectBuilder::new(&policy, now())
        .consent_record(
            "marketing",
            Some(t("2024-05-01T00:00:00Z")),
            Some(t("2024-02-01T00:00:00Z")),
            false,
        )
        .unwrap_err();
    assert_eq!(e.field, "consents[0]");
    // A withdrawal completes the latest consent given before it, not a later one.
    let subject = SubjectBuilder::new(&policy, now())
        .consent("marketing", t("2024-01-01T00:00:00Z"))
        .unwrap()
        .consent("marketing", t("2024-04-01T00:00:00Z"))
        .unwrap()
        .withdrawn("marketing", t("2024-03-01T00:00:00Z"))
        .unwrap()
        .build();
    assert_eq!(
        subject.consents[0].withdrawn_at,
        Some(t("2024-03-01T00:00:00Z"))
    );
    assert_eq!(subject.consents[1].withdrawn_at, None);
    // In a batch line.
    let line = format!(r#"{{"purpose":"marketing","data":"orders.email","subject":{json}}}"#);
    let (code, error) = batch_error(&policy, &line);
    assert_eq!(code, "lawful::subject::withdrawn_before_given");
    assert!(error.starts_with("subject.consents[1]: "), "{error}");
}

#[test]
fn batch_lines_must_be_objects() {
    let policy = policy();
    for line in [
        r#"["use",null,"service","orders.email"]"#,
        r#"[null,null,"service","orders.email",null,"DE"]"#,
        r#"  [ ]"#,
        r#""use""#,
        "17",
        "null",
        "true",
    ] {
        let (code, error) = batch_error(&policy, line);
        assert_eq!(code, "lawful::batch::json", "{line}");
        assert!(error.contains("a JSON object"), "{line}: {error}");
    }
}

// ---- class 11: the subject cache is bounded in bytes ----------------------------------

/// Many large distinct subjects: the cache's own accounting never goes over its bound,
/// and every line is still answered.
#[test]
fn the_subject_cache_is_bounded_in_bytes() {
    let policy = policy();
    const LIMIT: usize = 2 << 20;
    let mut batch = Batch::new(&policy, now()).with_subject_cache_limit(LIMIT);
    assert_eq!(batch.subject_cache_bytes(), 0);
    // Records of one purpose may not overlap: each is withdrawn as the next is given.
    let record = r#"{"purpose":"marketing","given_at":"2024-01-01","withdrawn_at":"2024-01-01"},"#;
    let mut peak = 0;
    for i in 0..120 {
        // About 100 KB each, all different.
        let consents = record.repeat(2_000 + i);
        let line = format!(
            r#"{{"id":{i},"purpose":"marketing","data":"orders.email","subject":{{"region":"DE","consents":[{}]}}}}"#,
            consents.trim_end_matches(',')
        );
        assert!(line.len() > 90_000);
        let mut out = Vec::new();
        let stats = batch.run(line.as_bytes(), &mut out).unwrap();
        assert_eq!(stats.errors, 0, "{}", String::from_utf8_lossy(&out));
        let bytes = batch.subject_cache_bytes();
        assert!(bytes <= LIMIT, "{bytes} bytes cached, bound {LIMIT}");
        // Each subject is counted by more than its text.
        assert!(bytes >= line.len().min(LIMIT / 2) || bytes == 0);
        peak = peak.max(bytes);
    }
    assert!(peak > LIMIT / 2, "the cache was used: peak {peak}");
    assert_eq!(
        lawful::batch::DEFAULT_SUBJECT_CACHE_BYTES,
        64 << 20,
        "the README documents 64 MiB"
    );
}

/// A subject larger than the whole bound is answered and not cached.
#[test]
fn a_subject_larger_than_the_cache_is_not_kept() {
    let policy = policy();
    let mut batch = Batch::new(&policy, now()).with_subject_cache_limit(10_000);
    let consents =
        r#"{"purpose":"marketing","given_at":"2024-01-01","withdrawn_at":"2024-01-01"},"#
            .repeat(500);
    let line = format!(
        r#"{{"purpose":"marketing","data":"orders.email","subject":{{"region":"DE","consents":[{}]}}}}"#,
        consents.trim_end_matches(',')
    );
    let mut out = Vec::new();
    let stats = batch.run(line.as_bytes(), &mut out).unwrap();
    assert_eq!(stats.errors, 0);
    assert_eq!(batch.subject_cache_bytes(), 0);
}

// ---- the command line -----------------------------------------------------------------

/// A directory holding `shop.lawful`, written once (tests run in parallel: a file rewritten
/// while another test reads it would be read cut short).
fn policy_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile_subjects");
        std::fs::create_dir_all(&dir).unwrap();
        let temporary = dir.join(format!("shop.lawful.{}", std::process::id()));
        std::fs::write(&temporary, POLICY).unwrap();
        std::fs::rename(&temporary, dir.join("shop.lawful")).unwrap();
        dir
    })
    .clone()
}

/// `lawful ARGS…` in the policy's directory: exit code and standard error.
fn lawful(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("lawful").unwrap();
    cmd.env("NO_COLOR", "1")
        .current_dir(policy_dir())
        .args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn flags_name_the_bad_timestamp() {
    let query = [
        "query",
        "shop.lawful",
        "--purpose",
        "marketing",
        "--field",
        "orders.email",
        "--region",
        "DE",
    ];
    let retention = [
        "retention",
        "shop.lawful",
        "--category",
        "user.contact.email",
        "--region",
        "DE",
    ];
    for bad in [
        "2025-01-01T12:00:00",
        "2025-01-01 10:00:00",
        "2025-01-01T00:00:00[Mars/Olympus]",
    ] {
        let consent = format!("marketing={bad}");
        let withdrawn = format!("marketing={bad}");
        let event = format!("consent_withdrawn={bad}");
        let cases: Vec<(Vec<&str>, String)> = vec![
            (
                [&query[..], &["--now", bad]].concat(),
                format!("`--now {bad}`: "),
            ),
            (
                [&query[..], &["--now", NOW, "--consent", &consent]].concat(),
                format!("`--consent {consent}`: "),
            ),
            (
                [&query[..], &["--now", NOW, "--withdrawn", &withdrawn]].concat(),
                format!("`--withdrawn {withdrawn}`: "),
            ),
            (
                [&query[..], &["--now", NOW, "--collected-at", bad]].concat(),
                format!("`--collected-at {bad}`: "),
            ),
            (
                [&retention[..], &["--now", NOW, "--event", &event]].concat(),
                format!("`--event {event}`: "),
            ),
            (
                [&retention[..], &["--now", bad]].concat(),
                format!("`--now {bad}`: "),
            ),
            (
                vec!["batch", "shop.lawful", "--now", bad],
                format!("`--now {bad}`: "),
            ),
        ];
        for (args, field) in cases {
            let (code, stdout, stderr) = lawful(&args, Some(""));
            assert_eq!(code, 1, "{args:?}: {stderr}");
            assert!(stdout.is_empty(), "{args:?}: {stdout}");
            assert!(
                stderr.contains("error[lawful::subject::bad_timestamp]: ")
                    && stderr.contains(&field)
                    && stderr.contains(EXPECTED),
                "{args:?}: {stderr}"
            );
        }
    }
}

#[test]
fn subject_documents_on_the_command_line() {
    let query = [
        "query",
        "shop.lawful",
        "--purpose",
        "marketing",
        "--field",
        "orders.email",
        "--region",
        "DE",
        "--now",
        NOW,
        "--subject",
        "-",
    ];
    for (json, code, message) in [
        (
            r#"{"age":10,"age":34}"#,
            "lawful::subject::duplicate_key",
            "duplicate key `age`",
        ),
        (
            r#"{"consents":[{"purpose":"marketing","given_at":"2025-01-01T12:00:00"}]}"#,
            "lawful::subject::bad_timestamp",
            "consents[0].given_at: not a timestamp",
        ),
        (
            r#"{"consents":[{"purpose":"marketing","given_at":"2024-05-01","withdrawn_at":"2024-02-01"}]}"#,
            "lawful::subject::withdrawn_before_given",
            "consents[0]: ",
        ),
    ] {
        let (exit, stdout, stderr) = lawful(&query, Some(json));
        assert_eq!(exit, 1, "{json}: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains(&format!("error[{code}]: subject `-`: {message}")),
            "{json}: {stderr}"
        );
    }
    // Consents given, one withdrawn (in any order of the flags): the later one stands.
    let (exit, _, stderr) = lawful(
        &[
            &query[..query.len() - 2],
            &[
                "--consent",
                "marketing=2024-01-01",
                "--consent",
                "marketing=2024-04-01",
                "--withdrawn",
                "marketing=2024-03-01",
            ],
        ]
        .concat(),
        None,
    );
    assert_eq!(exit, 0, "{stderr}");
}

// ---- contradictory subjects fail closed -------------------------------------------------

/// Two open consent records of one purpose, one withdrawn while another given before the
/// withdrawal is open, a withdrawal with no giving: errors naming the record, in subject
/// documents, batch lines (the scanner's path and serde_json's) and on the command line.
#[test]
fn contradictory_consent_records_are_errors() {
    let policy = policy();
    let cases = [
        (
            r#"{"region":"DE","consents":[{"purpose":"marketing","given_at":"2024-01-01"},{"purpose":"marketing","given_at":"2024-03-01"}]}"#,
            "lawful::subject::overlapping_consents",
            "consents[1]: overlaps `consents[0]`",
        ),
        (
            // One withdrawn, one not, given before the withdrawal: open at once.
            r#"{"region":"DE","consents":[{"purpose":"marketing","given_at":"2024-01-01","withdrawn_at":"2024-06-01"},{"purpose":"marketing","given_at":"2024-03-01"}]}"#,
            "lawful::subject::overlapping_consents",
            "consents[1]: overlaps `consents[0]`",
        ),
        (
            // The order of the records does not matter.
            r#"{"region":"DE","consents":[{"purpose":"marketing","given_at":"2024-03-01"},{"purpose":"service"},{"purpose":"marketing","given_at":"2024-01-01","withdrawn_at":"2024-06-01"}]}"#,
            "lawful::subject::overlapping_consents",
            "consents[2]: overlaps `consents[0]`",
        ),
        (
            r#"{"region":"DE","consents":[{"purpose":"marketing","withdrawn_at":"2024-02-01"}]}"#,
            "lawful::subject::withdrawal_without_consent",
            "consents[0].given_at: withdraws a consent to `marketing` that was not given",
        ),
    ];
    for (json, code, message) in cases {
        let (c, e) = subject_error(&policy, json);
        assert_eq!(c, code, "{json}");
        assert!(e.starts_with(message), "{e}");
        // A batch line: the scanner's path, then serde_json's (an escape in `id`).
        for id in ["1", r#""a\u0062""#] {
            let line = format!(
                r#"{{"id":{id},"purpose":"marketing","data":"orders.email","subject":{json}}}"#
            );
            let (c, e) = batch_error(&policy, &line);
            assert_eq!(c, code, "{line}");
            assert!(e.contains(message), "{e}");
        }
        let (status, _, stderr) = lawful(
            &[
                "query",
                "shop.lawful",
                "--purpose",
                "marketing",
                "--field",
                "orders.email",
                "--now",
                NOW,
                "--subject",
                "-",
            ],
            Some(json),
        );
        assert_eq!(status, 1, "{stderr}");
        assert!(stderr.contains(code), "{stderr}");
    }
    // Records that follow each other are fine: consent, withdrawal, consent again.
    let json = r#"{"region":"DE","consents":[{"purpose":"marketing","given_at":"2024-01-01","withdrawn_at":"2024-03-01"},{"purpose":"marketing","given_at":"2024-03-01"}]}"#;
    let s = subject(&policy, json).unwrap();
    assert!(s.consents[1].is_active());
    // Inline flags: a withdrawal with no consent, and two open consents.
    for flags in [
        &["--withdrawn", "marketing=2024-02-01"][..],
        &[
            "--consent",
            "marketing=2024-01-01",
            "--consent",
            "marketing=2024-02-01",
        ][..],
    ] {
        let mut args = vec![
            "query",
            "shop.lawful",
            "--purpose",
            "marketing",
            "--field",
            "orders.email",
            "--region",
            "DE",
            "--now",
            NOW,
        ];
        args.extend_from_slice(flags);
        let (status, _, stderr) = lawful(&args, None);
        assert_eq!(status, 1, "{flags:?}: {stderr}");
        assert!(
            stderr.contains("withdrawal_without_consent")
                || stderr.contains("overlapping_consents"),
            "{stderr}"
        );
    }
}
