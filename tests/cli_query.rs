//! `lawful query`, `transfer`, `retention` and `batch`: snapshots of the JSON and human
//! output on `policies/anker.lawful` and on a small policy written here, every exit code,
//! and bad input (each an error naming the field, exit 1).
//!
//! Snapshots live in `tests/snapshots/cli_query__*.snap`; after an intended change,
//! regenerate them with `INSTA_UPDATE=always cargo test --test cli_query` and review the
//! diff. Rule locations in `anker.lawful` are checked against the file and then written as
//! `LINE:COL`, so editing that policy does not churn these snapshots.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const OK: i32 = 0;
const ERROR: i32 = 1;
const USAGE: i32 = 2;
const DENIED: i32 = 3;

const ANKER: &str = "policies/anker.lawful";
const NOW: &str = "2025-01-01";

/// A small policy: a contract purpose, a consent/opt-out marketing purpose whose withdrawal
/// taints prior data, a located and an unlocated recipient, a transfer, a localisation and
/// retention rules.
const SHOP: &str = r#"#![allow(purpose-without-retention)]
policy "Shop" { controller "Shop GmbH" }
use std::regions

category user.contact.email "Email address"
category user.device.id "Device identifier"
field orders.email: user.contact.email
field devices.id: user.device.id
attribute verified: bool

purpose essential.service "Deliver orders" {
  uses user.*
  basis contract
}
purpose marketing.direct "Newsletters" {
  uses user.contact.email
  basis consent in EU
  basis opt_out(marketing) in US
  direct_marketing
  withdrawal taints prior data
}

recipient mailer "Mail provider" kind processor located US {
  purposes marketing.direct
  categories user.contact.*
}
recipient courier "Courier" kind processor {
  purposes essential.service
  categories user.*
}

transfer user.* from EU to US with scc
localize user.* in CN
retain user.contact.email for marketing.direct at most 2 years after consent_withdrawn
retain user.* at least 3 years after transaction_completed in CN
"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

/// Run `lawful ARGS…` in `dir` with `NO_COLOR=1`, feeding `stdin`.
fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::cargo_bin("lawful").unwrap();
    cmd.env("NO_COLOR", "1").current_dir(dir).args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let output = cmd.output().unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Run in the crate root (for `policies/anker.lawful`).
fn run(args: &[&str]) -> Run {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, None)
}

/// A directory holding `shop.lawful` (and files a test adds), so outputs name the file
/// `shop.lawful` wherever the tests run.
fn shop_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_query");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("shop.lawful");
    if std::fs::read_to_string(&file).ok().as_deref() != Some(SHOP) {
        std::fs::write(&file, SHOP).unwrap();
    }
    dir
}

fn shop(args: &[&str]) -> Run {
    shop_stdin(args, None)
}

fn shop_stdin(args: &[&str], stdin: Option<&str>) -> Run {
    let dir = shop_dir();
    let mut all = vec![args[0], "shop.lawful"];
    all.extend_from_slice(&args[1..]);
    run_in(&dir, &all, stdin)
}

/// The source line at `line` (1-based) of `policies/anker.lawful`, from `column` on.
fn anker_at(line: u64, column: u64) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(ANKER)).unwrap();
    let source_line = text.lines().nth(line as usize - 1).unwrap_or("");
    source_line.chars().skip(column as usize - 1).collect()
}

/// A rule location in `anker.lawful` must point at the rule: its keyword or its name.
/// (`transfer`, `localize` and `retain` rules are located at the doc comment or citation
/// attached to them, where they have one: the checker gives them the span of the whole item.)
fn check_anker_rule(rule: &Value) {
    let name = rule["name"].as_str().unwrap();
    let at = anker_at(
        rule["line"].as_u64().unwrap(),
        rule["column"].as_u64().unwrap(),
    );
    let keywords = [
        "basis", "deny", "transfer", "localize", "retain", "under", "///", "//>",
    ];
    let first = name.split(':').next().unwrap_or(name);
    assert!(
        keywords.iter().any(|k| at.starts_with(k)) || at.starts_with(first),
        "rule `{name}` is said to be at `{at}`"
    );
}

/// Anker output with every rule location checked, then written `LINE`/`COL`.
fn anker_json(mut value: Value) -> Value {
    let mut rules: Vec<&mut Value> = Vec::new();
    match &mut value {
        Value::Array(items) => rules.extend(items.iter_mut().map(|i| &mut i["rule"])),
        other => rules.push(&mut other["rule"]),
    }
    for rule in rules {
        if rule.is_object() {
            check_anker_rule(rule);
            rule["line"] = Value::from("LINE");
            rule["column"] = Value::from("COL");
        }
    }
    value
}

/// Human anker output with `anker.lawful:12:3` written `anker.lawful:LINE:COL`.
fn anker_human(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        match line.find("anker.lawful:") {
            Some(i) => {
                let (head, tail) = line.split_at(i + "anker.lawful:".len());
                let rest = tail.trim_start_matches(|c: char| c.is_ascii_digit() || c == ':');
                out.push_str(&format!("{head}LINE:COL{rest}\n"));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

fn lines_json(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("({e}): {l}")))
        .collect()
}

// ---- query on anker -----------------------------------------------------------------

const NEWSLETTER: [&str; 7] = [
    "query",
    ANKER,
    "--purpose",
    "marketing.communications.newsletter",
    "--field",
    "account.email",
    "--region",
];

fn newsletter(extra: &[&str]) -> Run {
    let mut args = NEWSLETTER.to_vec();
    args.push("DE");
    args.extend_from_slice(&["--now", NOW]);
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn anker_query_denied_json() {
    let out = newsletter(&["--age", "34", "--format", "json"]);
    assert_eq!(out.code, DENIED, "{}", out.stderr);
    insta::assert_json_snapshot!(anker_json(out.json()));
}

#[test]
fn anker_query_denied_human() {
    let out = newsletter(&["--age", "34"]);
    assert_eq!(out.code, DENIED, "{}", out.stderr);
    insta::assert_snapshot!(anker_human(&out.stdout));
}

#[test]
fn anker_query_allowed_json_and_human() {
    let consent = [
        "--age",
        "34",
        "--consent",
        "marketing.communications.newsletter=2024-06-01",
    ];
    let mut json_args = consent.to_vec();
    json_args.extend_from_slice(&["--format", "json"]);
    let out = newsletter(&json_args);
    assert_eq!(out.code, OK, "{}", out.stderr);
    insta::assert_json_snapshot!("anker_query_allowed_json", anker_json(out.json()));
    let out = newsletter(&consent);
    assert_eq!(out.code, OK, "{}", out.stderr);
    insta::assert_snapshot!("anker_query_allowed_human", anker_human(&out.stdout));
}

#[test]
fn anker_disclosure_with_a_subject_file() {
    let dir = shop_dir();
    let subject = dir.join("gpc.json");
    std::fs::write(&subject, r#"{"region": "US-CA", "age": 30, "gpc": true}"#).unwrap();
    let args = [
        "query",
        ANKER,
        "--purpose",
        "marketing.advertising.display",
        "--field",
        "session.ip",
        "--recipient",
        "ad_networks",
        "--subject",
        subject.to_str().unwrap(),
        "--now",
        NOW,
    ];
    let out = run(&args);
    assert_eq!(out.code, DENIED, "{}", out.stderr);
    insta::assert_snapshot!(anker_human(&out.stdout));
    let mut json = args.to_vec();
    json.extend_from_slice(&["--format", "json"]);
    let value = run(&json).json();
    assert_eq!(value["reason"], "denied_by_rule");
    assert_eq!(value["rule"]["name"], "gpc_no_sale");
}

// ---- transfer and retention on anker ----------------------------------------------

#[test]
fn anker_transfer() {
    let base = [
        "transfer",
        ANKER,
        "--category",
        "user.contact.email",
        "--from",
    ];
    let allowed = run(&[&base[..], &["DE", "--to", "US"]].concat());
    assert_eq!(allowed.code, OK, "{}", allowed.stderr);
    insta::assert_snapshot!("anker_transfer_allowed_human", anker_human(&allowed.stdout));
    let denied = run(&[&base[..], &["US", "--to", "JP", "--format", "json"]].concat());
    assert_eq!(denied.code, DENIED, "{}", denied.stderr);
    insta::assert_json_snapshot!("anker_transfer_denied_json", anker_json(denied.json()));
}

#[test]
fn anker_retention() {
    let base = [
        "retention",
        ANKER,
        "--category",
        "account.email",
        "--region",
        "DE",
        "--now",
        NOW,
    ];
    let delete = run(&[
        &base[..],
        &[
            "--event",
            "limitation_period_end=2024-01-01",
            "--event",
            "statutory_retention_end=2023-01-01",
            "--format",
            "json",
        ],
    ]
    .concat());
    assert_eq!(
        delete.code, DENIED,
        "must_delete exits 3: {}",
        delete.stderr
    );
    insta::assert_json_snapshot!(
        "anker_retention_must_delete_json",
        anker_json(delete.json())
    );
    let keep = run(&base);
    assert_eq!(keep.code, OK, "{}", keep.stderr);
    insta::assert_snapshot!("anker_retention_must_keep_human", anker_human(&keep.stdout));
}

// ---- batch on anker -----------------------------------------------------------------

const ANKER_BATCH: &str = r#"{"kind":"use","purpose":"marketing.communications.newsletter","data":"account.email","subject":{"region":"DE","age":34}}
{"id":1,"kind":"use","purpose":"essential.service.site","data":"session.ip","subject":{"region":"DE","age":34}}
{"id":"b","kind":"disclose","purpose":"analytics.usage_trends","data":"session.clicks","recipient":"google_analytics","subject":{"region":"DE","age":34,"consents":[{"purpose":"analytics.usage_trends","given_at":"2024-01-01"}]}}
{"kind":"transfer","data":"user.contact.email","from":"DE","to":"US"}
{"kind":"retention","data":"account.email","region":"DE","events":{"limitation_period_end":"2024-01-01"}}
"#;

#[test]
fn anker_batch() {
    let out = run_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["batch", ANKER, "--now", NOW],
        Some(ANKER_BATCH),
    );
    assert_eq!(out.code, OK, "{}", out.stderr);
    let answers = lines_json(&out.stdout);
    assert_eq!(answers.len(), 5);
    assert_eq!(answers[1]["id"], 1);
    assert_eq!(answers[2]["id"], "b");
    insta::assert_json_snapshot!(anker_json(Value::Array(answers)));
}

// ---- the small policy: exact locations ---------------------------------------------

#[test]
fn shop_query_json_and_human() {
    let base = [
        "query",
        "--purpose",
        "marketing.direct",
        "--field",
        "orders.email",
        "--region",
        "DE",
        "--now",
        NOW,
    ];
    // Consent given, withdrawn, given again: data collected before the withdrawal stays
    // unusable (the purpose says withdrawal taints prior data).
    let subject = [
        "--consent",
        "marketing.direct=2024-01-01",
        "--withdrawn",
        "marketing.direct=2024-03-01",
        "--consent",
        "marketing.direct=2024-04-01",
    ];
    let tainted = shop(&[&base[..], &subject, &["--collected-at", "2024-02-01"]].concat());
    assert_eq!(tainted.code, DENIED, "{}", tainted.stderr);
    insta::assert_snapshot!("shop_query_tainted_human", tainted.stdout);
    let fresh = shop(
        &[
            &base[..],
            &subject,
            &["--collected-at", "2024-05-01", "--format", "json"],
        ]
        .concat(),
    );
    assert_eq!(fresh.code, OK, "{}", fresh.stderr);
    insta::assert_json_snapshot!("shop_query_fresh_json", fresh.json());
    let objected = shop(&[&base[..], &["--objection", "marketing", "--format", "json"]].concat());
    assert_eq!(objected.code, DENIED);
    insta::assert_json_snapshot!("shop_query_objected_json", objected.json());
}

#[test]
fn shop_disclosures() {
    let courier = [
        "query",
        "--purpose",
        "essential.service",
        "--field",
        "devices.id",
        "--recipient",
        "courier",
        "--now",
        NOW,
        "--region",
    ];
    // Collected in CN, the data must stay there; where the courier sits is not declared.
    let cn = shop(&[&courier[..], &["CN", "--format", "json"]].concat());
    assert_eq!(cn.code, DENIED);
    insta::assert_json_snapshot!("shop_disclosure_localized_json", cn.json());
    assert_eq!(shop(&[&courier[..], &["DE"]].concat()).code, OK);
    let mailer = [
        "query",
        "--purpose",
        "marketing.direct",
        "--field",
        "orders.email",
        "--recipient",
        "mailer",
        "--now",
        NOW,
        "--region",
        "DE",
        "--consent",
        "marketing.direct",
    ];
    let out = shop(&mailer);
    assert_eq!(out.code, OK, "{}", out.stderr);
    insta::assert_snapshot!("shop_disclosure_transfer_human", out.stdout);
}

#[test]
fn shop_transfer_and_retention() {
    let t = shop(&[
        "transfer",
        "--category",
        "orders.email",
        "--from",
        "CN",
        "--to",
        "DE",
        "--format",
        "json",
    ]);
    assert_eq!(t.code, DENIED);
    insta::assert_json_snapshot!("shop_transfer_localized_json", t.json());
    let r = shop(&[
        "retention",
        "--category",
        "user.contact.email",
        "--purpose",
        "marketing.direct",
        "--region",
        "CN",
        "--event",
        "transaction_completed=2023-06-01",
        "--event",
        "consent_withdrawn=2024-01-01",
        "--now",
        NOW,
    ]);
    assert_eq!(r.code, OK, "{}", r.stderr);
    insta::assert_snapshot!("shop_retention_must_keep_human", r.stdout);
}

#[test]
fn shop_batch_errors_do_not_stop_the_stream() {
    let input = r#"{"id":1,"purpose":"marketing.direct","data":"orders.email","subject":{"region":"DE"}}
{"id":2,"purpose":"marketing.drect","data":"orders.email","region":"DE"}

{"id":3,"purpose":"marketing.direct","data":"orders.email","subject":{"region":"DE","age":-1}}
this is not JSON
{"id":4,"purpose":"essential.service","data":"orders.email","recipient":"courier","region":"CN"}
{"id":5,"kind":"transfer","data":"orders.email","from":"DE","to":"US","region":"DE"}
{"id":6,"kind":"retention","data":"orders.email","region":"CN","events":{"transaction_completed":"2030-01-01"}}
{"id":7,"purpose":"essential.service","data":"orders.email","subject":{"region":"DE","consents":[{"purpose":"marketing.nope"}]}}
{"id":8,"kind":"transfer","data":"orders.email","from":"DE","to":"US"}
"#;
    let out = shop_stdin(&["batch", "--now", NOW], Some(input));
    assert_eq!(out.code, ERROR, "any error line fails the run");
    assert_eq!(out.stderr, "6 of 9 queries had errors\n");
    let answers = lines_json(&out.stdout);
    assert_eq!(
        answers.len(),
        9,
        "one answer per query, blank lines skipped"
    );
    insta::assert_json_snapshot!(answers);
    // The members in their documented order, `id` first.
    insta::assert_snapshot!("shop_batch_raw", out.stdout);
}

#[test]
fn batch_reads_a_file_and_exits_zero_when_every_line_is_answered() {
    let dir = shop_dir();
    std::fs::write(
        dir.join("queries.jsonl"),
        "{\"purpose\":\"essential.service\",\"data\":\"devices.id\",\"region\":\"DE\"}\n\
         {\"purpose\":\"marketing.direct\",\"data\":\"orders.email\",\"region\":\"US\"}",
    )
    .unwrap();
    let out = shop(&["batch", "--input", "queries.jsonl", "--now", NOW]);
    assert_eq!(out.code, OK, "{}", out.stderr);
    let answers = lines_json(&out.stdout);
    let outcomes: Vec<&str> = answers
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["allow", "allow"],
        "denials are answers, not errors"
    );
    let missing = shop(&["batch", "--input", "nope.jsonl"]);
    assert_eq!(missing.code, USAGE);
}

// ---- exit codes ---------------------------------------------------------------------

#[test]
fn usage_errors_exit_2() {
    let bad: &[&[&str]] = &[
        &["query", "shop.lawful"],
        &["query", "shop.lawful", "--purpose", "p"],
        &[
            "query",
            "shop.lawful",
            "--purpose",
            "p",
            "--field",
            "f",
            "--bogus",
        ],
        &[
            "query",
            "shop.lawful",
            "--purpose",
            "p",
            "--field",
            "f",
            "--format",
            "xml",
        ],
        &[
            "query",
            "shop.lawful",
            "--purpose",
            "p",
            "--field",
            "f",
            "--subject",
            "s.json",
            "--age",
            "3",
        ],
        &["query", "missing.lawful", "--purpose", "p", "--field", "f"],
        &["transfer", "shop.lawful", "--category", "c", "--from", "DE"],
        &["retention", "shop.lawful", "--category", "c"],
        &["batch"],
    ];
    for args in bad {
        let out = run_in(&shop_dir(), args, None);
        assert_eq!(out.code, USAGE, "{args:?}: {}", out.stderr);
    }
}

#[test]
fn a_policy_with_errors_is_rendered_and_exits_1() {
    let dir = shop_dir();
    std::fs::write(
        dir.join("broken.lawful"),
        "policy \"B\" { controller \"B\" }\npurpose p { uses user.nothing basis contract }\n",
    )
    .unwrap();
    let out = run_in(
        &dir,
        &[
            "query",
            "broken.lawful",
            "--purpose",
            "p",
            "--field",
            "user.nothing",
        ],
        None,
    );
    assert_eq!(out.code, ERROR);
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn unknown_names_are_errors_with_a_suggestion() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["query", "--purpose", "marketing.drect", "--field", "orders.email", "--region", "DE"],
            "error[lawful::eval::unknown_purpose]: unknown purpose `marketing.drect`, did you mean `marketing.direct`?",
        ),
        (
            &["query", "--purpose", "marketing.direct", "--field", "orders.emial", "--region", "DE"],
            "error[lawful::eval::unknown_data]: unknown field or category `orders.emial`, did you mean `orders.email`?",
        ),
        (
            &["query", "--purpose", "marketing.direct", "--field", "orders.email", "--region", "de"],
            "error[lawful::eval::unknown_region]: unknown region `de`, did you mean `DE`?",
        ),
        (
            &[
                "query", "--purpose", "marketing.direct", "--field", "orders.email", "--region",
                "DE", "--recipient", "maler",
            ],
            "error[lawful::eval::unknown_recipient]: unknown recipient `maler`, did you mean `mailer`?",
        ),
        (
            &["transfer", "--category", "user.contact", "--from", "DE", "--to", "Mars"],
            "error[lawful::eval::unknown_region]: unknown region `Mars`",
        ),
        (
            &[
                "retention", "--category", "orders.email", "--region", "DE", "--event",
                "colected=2024-01-01",
            ],
            "error[lawful::eval::unknown_event]: `--event colected=2024-01-01`: unknown event `colected`, did you mean `collected`?",
        ),
    ];
    for (args, message) in cases {
        let out = shop(args);
        assert_eq!(out.code, ERROR, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: never an answer");
        assert_eq!(out.stderr.trim_end(), *message, "{args:?}");
    }
}

// ---- bad subjects: exit 1, the message names the field ------------------------------

/// `query` on the shop policy with a subject given inline.
fn inline(extra: &[&str]) -> Run {
    let mut args = vec![
        "query",
        "--purpose",
        "essential.service",
        "--field",
        "orders.email",
        "--region",
        "DE",
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    shop(&args)
}

/// `query` on the shop policy with the subject document `json`.
fn from_file(json: &str) -> Run {
    let dir = shop_dir();
    let name = format!("subject-{:x}.json", fxhash(json));
    std::fs::write(dir.join(&name), json).unwrap();
    let args = [
        "query",
        "--purpose",
        "essential.service",
        "--field",
        "orders.email",
        "--subject",
        &name,
        "--now",
        NOW,
    ];
    let mut out = shop(&args);
    out.stderr = out.stderr.replace(&name, "S.json");
    out
}

fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn bad_inline_subjects_name_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["--age", "-1"], "`--age -1`: age must be a whole number from 0 to 150, got -1"),
        (
            &["--age", "1000000000000"],
            "`--age 1000000000000`: age must be a whole number from 0 to 150, got 1000000000000",
        ),
        (&["--age", "ten"], "`--age ten`: age must be a whole number from 0 to 150"),
        (
            &["--consent", "marketing.nope"],
            "`--consent marketing.nope`: unknown purpose `marketing.nope`",
        ),
        (&["--attr", "verified=maybe"], "`--attr verified=maybe`: attribute `verified` is declared `bool`, got a string"),
        (&["--attr", "verified=1"], "`--attr verified=1`: attribute `verified` is declared `bool`, got an int"),
        (&["--attr", "verifed=true"], "`--attr verifed=true`: unknown attribute `verifed`, did you mean `verified`?"),
        (&["--attr", "verified"], "`--attr verified`: expected NAME=VALUE"),
        (
            &["--withdrawn", "marketing=2030-01-01"],
            "`--withdrawn marketing=2030-01-01`: 2030-01-01T00:00:00Z is in the future (now is 2025-01-01T00:00:00Z)",
        ),
        (
            &["--consent", "marketing=yesterday"],
            "`--consent marketing=yesterday`: not a timestamp: `yesterday`: expected an RFC 3339 timestamp with an offset, or a date (e.g. `2024-01-01T12:00:00Z`, `2024-01-01T13:00:00+01:00`, `2024-01-01`)",
        ),
        (
            &["--collected-at", "2026-01-01"],
            "`--collected-at 2026-01-01`: 2026-01-01T00:00:00Z is in the future (now is 2025-01-01T00:00:00Z)",
        ),
        (
            &["--collected-at", "soon"],
            "`--collected-at soon`: not a timestamp: `soon`: expected an RFC 3339 timestamp with an offset, or a date (e.g. `2024-01-01T12:00:00Z`, `2024-01-01T13:00:00+01:00`, `2024-01-01`)",
        ),
        (&["--opt-out", "sael"], "`--opt-out sael`: unknown opt-out `sael`, did you mean `sale`?"),
        (&["--kind", "robot"], "`--kind robot`: unknown subject kind `robot`"),
    ];
    for (extra, message) in cases {
        let out = inline(extra);
        assert_eq!(out.code, ERROR, "{extra:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{extra:?}: never an answer");
        let text = out.stderr.trim_end();
        let shown = text.split_once("]: ").map_or(text, |(_, m)| m);
        assert_eq!(shown, *message, "{extra:?}");
    }
    let bad_now = shop(&["query", "--purpose", "p", "--field", "f", "--now", "later"]);
    assert_eq!(bad_now.code, ERROR);
    assert!(
        bad_now.stderr.contains("`--now later`: not a timestamp"),
        "{}",
        bad_now.stderr
    );
}

#[test]
fn bad_subject_documents_name_the_field() {
    let cases = [
        (
            r#"{"region": "DE", "age": 3"#,
            "lawful::subject::json_syntax",
            "malformed JSON",
        ),
        (
            r#"{"region": "DE", "age": -1}"#,
            "lawful::subject::age_out_of_range",
            "age: age must be a whole number from 0 to 150, got -1",
        ),
        (
            r#"{"region": "DE", "age": 1000000000000}"#,
            "lawful::subject::age_out_of_range",
            "age: age must be a whole number from 0 to 150, got 1000000000000",
        ),
        (
            r#"{"region": "DE", "age": 1e3}"#,
            "lawful::subject::age_out_of_range",
            "age: age must be a whole number from 0 to 150, got 1000.0",
        ),
        (
            r#"{"region": "DE", "consents": [{"purpose": "marketing.nope"}]}"#,
            "lawful::eval::unknown_purpose",
            "consents[0].purpose: unknown purpose `marketing.nope`",
        ),
        (
            r#"{"region": "Germany"}"#,
            "lawful::eval::unknown_region",
            "region: unknown region `Germany`",
        ),
        (
            r#"{"region": "DE", "attributes": {"verified": "yes"}}"#,
            "lawful::subject::attribute_type",
            "attributes.verified: attribute `verified` is declared `bool`, got a string",
        ),
        (
            r#"{"region": "DE", "consents": [{"purpose": "marketing", "given_at": "2031-05-01"}]}"#,
            "lawful::subject::timestamp_in_future",
            "consents[0].given_at: 2031-05-01T00:00:00Z is in the future",
        ),
        (
            r#"{"region": "DE", "consents": [{"purpose": "marketing", "given_at": "May 1st"}]}"#,
            "lawful::subject::bad_timestamp",
            "consents[0].given_at: not a timestamp: `May 1st`",
        ),
        (
            r#"{"region": "DE", "gpc": "yes"}"#,
            "lawful::subject::json_type",
            "gpc: expected true or false, got a string",
        ),
        (
            r#"{"region": "DE", "regoin": "DE"}"#,
            "lawful::subject::unknown_field",
            "unknown field `regoin`, did you mean `region`?",
        ),
    ];
    for (json, code, message) in cases {
        let out = from_file(json);
        assert_eq!(out.code, ERROR, "{json}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{json}: never an answer");
        let expected = format!("error[{code}]: subject `S.json`: {message}");
        assert!(
            out.stderr.starts_with(&expected),
            "{json}:\n{}\nwanted\n{expected}",
            out.stderr
        );
    }
    insta::assert_snapshot!(
        "bad_subject_document_human",
        from_file(r#"{"region": "DE", "attributes": {"verified": 1}}"#).stderr
    );
}

#[test]
fn a_missing_subject_file_is_an_error() {
    let out = inline_file("does-not-exist.json");
    assert_eq!(out.code, ERROR);
    assert!(
        out.stderr.contains("cannot read `does-not-exist.json`"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_subject_can_come_from_standard_input() {
    let out = shop_stdin(
        &[
            "query",
            "--purpose",
            "marketing.direct",
            "--field",
            "orders.email",
            "--subject",
            "-",
            "--now",
            NOW,
            "--format",
            "json",
        ],
        Some(r#"{"region": "US-CA", "opt_outs": ["marketing"]}"#),
    );
    assert_eq!(out.code, DENIED, "{}", out.stderr);
    assert_eq!(out.json()["reason"], "opted_out");
}

fn inline_file(name: &str) -> Run {
    shop(&[
        "query",
        "--purpose",
        "essential.service",
        "--field",
        "orders.email",
        "--subject",
        name,
    ])
}

#[test]
fn without_a_region_nothing_is_decided() {
    let out = shop(&[
        "query",
        "--purpose",
        "essential.service",
        "--field",
        "orders.email",
    ]);
    assert_eq!(out.code, ERROR);
    assert_eq!(
        out.stderr,
        "error[lawful::eval::no_region]: no region: the query names none and the subject has no region of residence\n"
    );
}

// ---- circumstances ------------------------------------------------------------------

#[test]
fn circumstances_are_given_per_question_and_checked_by_name() {
    // Anker: call recordings only where permitted by law.
    let base = [
        "query",
        ANKER,
        "--purpose",
        "essential.service.operations.support.warranty",
        "--field",
        "support.call_recording",
        "--region",
        "DE",
        "--age",
        "40",
        "--now",
        NOW,
        "--format",
        "json",
    ];
    let denied = run(&base);
    assert_eq!(denied.code, DENIED, "{}", denied.stderr);
    assert_eq!(
        denied.json()["rule"]["name"],
        "call_recordings_where_permitted"
    );
    let allowed = run(&[&base[..], &["--circumstance", "permitted_by_law"]].concat());
    assert_eq!(allowed.code, OK, "{}", allowed.stderr);
    assert_eq!(allowed.json()["basis"], "contract");
    // A typo is an error with the closest name, exit 1.
    let typo = run(&[&base[..], &["--circumstance", "permited_by_law"]].concat());
    assert_eq!(typo.code, ERROR, "{}", typo.stdout);
    assert!(
        typo.stderr.contains("lawful::eval::unknown_circumstance"),
        "{}",
        typo.stderr
    );
    assert!(
        typo.stderr.contains("did you mean `permitted_by_law`?"),
        "{}",
        typo.stderr
    );
}

#[test]
fn circumstances_in_transfer_retention_and_batch() {
    let transfer = [
        "transfer",
        "policies/ampower.lawful",
        "--category",
        "user.location.precise",
        "--from",
        "CN",
        "--to",
        "DE",
        "--format",
        "json",
    ];
    let kept = run(&transfer);
    assert_eq!(kept.code, DENIED, "{}", kept.stderr);
    assert_eq!(kept.json()["reason"], "localized");
    let out = run(&[
        &transfer[..],
        &["--circumstance", "export_permitted_by_law"],
    ]
    .concat());
    assert_eq!(out.code, OK, "{}", out.stderr);
    assert_eq!(out.json()["safeguard"], "contract");

    let retention = [
        "retention",
        ANKER,
        "--category",
        "user.behavior.purchase_history",
        "--region",
        "DE",
        "--event",
        "statutory_retention_end=2024-06-30",
        "--event",
        "limitation_period_end=2024-09-01",
        "--now",
        NOW,
        "--format",
        "json",
    ];
    let delete = run(&retention);
    assert_eq!(delete.code, DENIED, "{}", delete.stderr);
    assert_eq!(delete.json()["verdict"], "must_delete");
    let hold = run(&[&retention[..], &["--circumstance", "legal_claims_brought"]].concat());
    assert_eq!(hold.code, OK, "{}", hold.stderr);
    assert_eq!(hold.json()["verdict"], "may_keep");

    let lines = r#"{"id":1,"purpose":"legal.claims","data":"account.email","subject":{"region":"FR","age":40,"objections":["legal.claims"]}}
{"id":2,"purpose":"legal.claims","data":"account.email","subject":{"region":"FR","age":40,"objections":["legal.claims"]},"circumstances":["legal_claims_brought"]}
{"id":3,"kind":"retention","data":"user.behavior.purchase_history","region":"DE","events":{"statutory_retention_end":"2024-06-30","limitation_period_end":"2024-09-01"},"circumstances":["legal_claims_brought"]}
{"id":4,"kind":"transfer","data":"user.contact.email","from":"DE","to":"US","circumstances":["nope"]}
{"id":5,"kind":"retention","data":"account.email","region":"DE","collected_at":"2024-01-01","circumstances":[]}
"#;
    let out = run_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["batch", ANKER, "--now", NOW],
        Some(lines),
    );
    let answers = lines_json(&out.stdout);
    assert_eq!(answers[0]["reason"], "objected");
    assert_eq!(answers[1]["outcome"], "allow");
    assert!(
        answers[1]["explanation"]
            .as_str()
            .unwrap()
            .contains("overrides the subject's objection"),
        "{}",
        answers[1]
    );
    assert_eq!(answers[2]["verdict"], "may_keep");
    assert_eq!(answers[3]["code"], "lawful::eval::unknown_circumstance");
    assert_eq!(answers[4]["code"], "lawful::batch::unexpected_member");
}
