//! `lawful ledger` and `lawful query --user`: the JSON Lines contract of `record` (one
//! answer per line, a bad line records nothing and the stream goes on, exit 1 when any line
//! failed), `show`, `proof`, `export`, `erase`, `stale`, deciding from the ledger (and as of
//! a past instant), failing closed on a foreign or unreachable ledger, separate processes
//! writing one SQLite file, and a writer killed mid-stream.
#![cfg(all(feature = "cli", feature = "ledger-sqlite"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;
use serde_json::Value;

const OK: i32 = 0;
const ERROR: i32 = 1;
const DENIED: i32 = 3;
const WIDENED: i32 = 4;

fn shop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ledger/shop.lawful")
}

fn lawful() -> Command {
    Command::cargo_bin("lawful").unwrap()
}

fn record(db: &Path, lines: &str) -> (i32, Vec<Value>) {
    let out = lawful()
        .args(["ledger", "record", "--ledger"])
        .arg(db)
        .arg("--policy")
        .arg(shop())
        .write_stdin(lines)
        .output()
        .unwrap();
    let answers = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap(), answers)
}

fn query(db: &Path, user: &str, extra: &[&str]) -> (i32, Value) {
    let out = lawful()
        .arg("query")
        .arg(shop())
        .args([
            "--purpose",
            "marketing.communications",
            "--field",
            "orders.email",
        ])
        .args(["--user", user, "--ledger"])
        .arg(db)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), json)
}

const GIVEN: &str = r#"{"subject": "u42", "type": "consent_given", "purpose": "marketing.communications", "at": "2024-05-01T00:00:00Z", "explicit": false, "source": "signup-form", "key": "req-881"}"#;
const FACTS: &str = r#"{"subject": "u42", "type": "facts", "region": "DE", "at": "2024-01-01"}"#;

#[test]
fn record_answers_every_line_and_a_bad_line_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lawful.db");
    let input = format!(
        "{FACTS}\n{GIVEN}\n\n{}\nnot json\n{GIVEN}\n",
        r#"{"subject": "u42", "type": "objection_made", "purpose": "marketing.comunications"}"#
    );
    let (code, answers) = record(&db, &input);
    assert_eq!(code, ERROR);
    assert_eq!(answers.len(), 5, "{answers:?}");
    assert_eq!(answers[0], serde_json::json!({"ok": true, "seq": 1}));
    assert_eq!(answers[1], serde_json::json!({"ok": true, "seq": 2}));
    assert_eq!(answers[2]["ok"], false);
    assert_eq!(answers[2]["line"], 3);
    assert_eq!(answers[2]["code"], "lawful::eval::unknown_purpose");
    assert_eq!(answers[2]["field"], "purpose");
    assert!(answers[2]["error"]
        .as_str()
        .unwrap()
        .contains("did you mean `marketing.communications`"));
    assert_eq!(answers[3]["code"], "lawful::subject::json_syntax");
    // The retried request (same key) is acknowledged with the first record's number.
    assert_eq!(
        answers[4],
        serde_json::json!({"ok": true, "seq": 2, "duplicate": true})
    );
    let (code, answers) = record(&db, &format!("{GIVEN}\n"));
    assert_eq!((code, answers[0]["seq"].as_i64()), (OK, Some(2)));
}

#[test]
fn record_takes_events_inline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lawful.db");
    let out = lawful()
        .args(["ledger", "record", "--ledger"])
        .arg(&db)
        .arg("--policy")
        .arg(shop())
        .args(["--event", FACTS, "--event"])
        .arg(GIVEN.replace(", ", ",\n  "))
        .args(["--event", r#"{"subject": "u42", "type": "gpc_signl"}"#])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(ERROR));
    let text = String::from_utf8(out.stdout).unwrap();
    let answers: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 3, "{text}");
    assert_eq!(
        (answers[0]["seq"].as_i64(), answers[1]["seq"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(answers[2]["code"], "lawful::ledger::unknown_type");
    assert!(answers[2]["error"]
        .as_str()
        .unwrap()
        .contains("did you mean `gpc_signal`"));
    assert_eq!(query(&db, "u42", &[]).0, OK);
}

#[test]
fn query_decides_from_the_ledger_now_and_as_of_a_past_instant() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lawful.db");
    let withdrawn = r#"{"subject": "u42", "type": "consent_withdrawn", "purpose": "marketing.communications", "at": "2024-08-01T00:00:00Z"}"#;
    assert_eq!(record(&db, &format!("{FACTS}\n{GIVEN}\n")).0, OK);
    let (code, json) = query(&db, "u42", &[]);
    assert_eq!((code, json["outcome"].as_str()), (OK, Some("allow")));
    assert_eq!(record(&db, &format!("{withdrawn}\n")).0, OK);
    let (code, json) = query(&db, "u42", &[]);
    assert_eq!(
        (code, json["reason"].as_str()),
        (DENIED, Some("consent_withdrawn"))
    );
    // "Was this allowed on 3 March / 3 June?"
    assert_eq!(query(&db, "u42", &["--as-of", "2024-03-03"]).0, DENIED);
    assert_eq!(query(&db, "u42", &["--as-of", "2024-06-03"]).0, OK);
    // An unknown user is a subject with no events: denied where consent is needed.
    let (code, json) = query(&db, "nobody", &["--region", "DE"]);
    assert_eq!(
        (code, json["reason"].as_str()),
        (DENIED, Some("consent_missing"))
    );
    // --user takes its subject from the ledger alone.
    let both = lawful()
        .arg("query")
        .arg(shop())
        .args([
            "--purpose",
            "marketing.communications",
            "--field",
            "orders.email",
        ])
        .args(["--user", "u42", "--ledger"])
        .arg(&db)
        .args(["--consent", "marketing.communications"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn a_foreign_or_unreachable_ledger_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
    let out = lawful()
        .args(["ledger", "show", "--ledger"])
        .arg(&garbage)
        .arg("u1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(ERROR));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("lawful::ledger::not_a_ledger"), "{stderr}");
    assert_eq!(
        std::fs::read(&garbage).unwrap(),
        vec![0x5a; 8192],
        "left as it was"
    );
    // Another program's SQLite database is refused, not altered.
    let foreign = dir.path().join("foreign.db");
    let c = rusqlite::Connection::open(&foreign).unwrap();
    c.execute_batch("CREATE TABLE customers (id INTEGER)")
        .unwrap();
    drop(c);
    let (code, json) = query(&foreign, "u42", &[]);
    assert_eq!((code, json), (ERROR, Value::Null));
    // No server listens on port 1: an error, never an allow.
    let (code, _) = query(
        Path::new("postgres://lawful@127.0.0.1:1/ledger"),
        "u42",
        &[],
    );
    assert_eq!(code, ERROR);
}

#[test]
fn show_proof_export_erase() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lawful.db");
    let facts = r#"{"subject": "u42", "type": "facts", "region": "DE", "age": 30, "attributes": {"tier": "gold"}, "at": "2024-01-01"}"#;
    assert_eq!(record(&db, &format!("{facts}\n{GIVEN}\n")).0, OK);
    let show = lawful()
        .args(["ledger", "show", "--ledger"])
        .arg(&db)
        .arg("u42")
        .arg("--policy")
        .arg(shop())
        .output()
        .unwrap();
    assert_eq!(show.status.code(), Some(OK));
    // What `show` prints is a subject document `--subject` takes.
    let doc = dir.path().join("u42.json");
    std::fs::write(&doc, &show.stdout).unwrap();
    let from_doc = lawful()
        .arg("query")
        .arg(shop())
        .args([
            "--purpose",
            "marketing.communications",
            "--field",
            "orders.email",
            "--subject",
        ])
        .arg(&doc)
        .output()
        .unwrap();
    assert_eq!(from_doc.status.code(), Some(OK));

    let proof = lawful()
        .args(["ledger", "proof", "--ledger"])
        .arg(&db)
        .args([
            "u42",
            "--purpose",
            "marketing.communications.newsletter",
            "--format",
            "json",
            "--policy",
        ])
        .arg(shop())
        .output()
        .unwrap();
    let proof: Value = serde_json::from_slice(&proof.stdout).unwrap();
    assert_eq!(proof["consent"], "given");
    assert_eq!(proof["in_force"], 2);
    assert_eq!(proof["records"][0]["source"], "signup-form");
    assert_eq!(proof["records"][0]["policy_version"], "2025-01");
    assert!(proof["records"][0]["policy_hash"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));

    let out = dir.path().join("export.json");
    let export = lawful()
        .args(["ledger", "export", "--ledger"])
        .arg(&db)
        .arg("u42")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(export.status.code(), Some(OK));
    let export: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(export["events"].as_array().unwrap().len(), 2);
    assert_eq!(export["consent_receipts"][0]["consent_status"], "active");

    let erase = lawful()
        .args(["ledger", "erase", "--ledger"])
        .arg(&db)
        .arg("u42")
        .output()
        .unwrap();
    assert_eq!(erase.status.code(), Some(OK));
    let erased: Value = serde_json::from_slice(&erase.stdout).unwrap();
    assert_eq!(erased["facts_erased"], 1);
    let export = lawful()
        .args(["ledger", "export", "--ledger"])
        .arg(&db)
        .arg("u42")
        .output()
        .unwrap();
    let text = String::from_utf8(export.stdout).unwrap();
    assert!(
        !text.contains("gold") && text.contains("signup-form"),
        "{text}"
    );
}

#[test]
fn stale_lists_consents_whose_purpose_widened() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lawful.db");
    assert_eq!(record(&db, &format!("{FACTS}\n{GIVEN}\n")).0, OK);
    let old = std::fs::read_to_string(shop()).unwrap();
    // The new version lets the newsletter use purchase history too.
    let new = old.replace(
        "purpose marketing.communications.newsletter {\n  uses user.contact.email",
        "purpose marketing.communications.newsletter {\n  uses user.contact.email, user.behavior.purchase_history",
    );
    assert_ne!(old, new);
    let new_path = dir.path().join("shop-v2.lawful");
    std::fs::write(&new_path, new).unwrap();
    let out = lawful()
        .args(["ledger", "stale", "--ledger"])
        .arg(&db)
        .arg("--old")
        .arg(shop())
        .arg("--new")
        .arg(&new_path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(WIDENED),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stale: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stale.as_array().unwrap().len(), 1);
    assert_eq!(stale[0]["subject"], "u42");
    assert_eq!(stale[0]["purpose"], "marketing.communications");
    assert_eq!(
        stale[0]["widened"][0],
        "marketing.communications.newsletter"
    );
    // Against itself nothing widened.
    let same = lawful()
        .args(["ledger", "stale", "--ledger"])
        .arg(&db)
        .arg("--old")
        .arg(shop())
        .arg("--new")
        .arg(shop())
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(OK));
}

#[test]
fn separate_processes_on_one_file_lose_nothing() {
    const PROCESSES: usize = 4;
    const EACH: usize = 50;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lawful.db");
    let bin = assert_cmd::cargo::cargo_bin("lawful");
    let children: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let lines: String = (0..EACH)
                .map(|i| {
                    format!(
                        "{{\"subject\": \"s{}\", \"type\": \"gpc_signal\", \"on\": {}, \"at\": \"2024-01-01\", \"key\": \"p{p}-{i}\"}}\n",
                        i % 5,
                        i % 2 == 0
                    )
                })
                .collect();
            let mut child = std::process::Command::new(&bin)
                .args(["ledger", "record", "--ledger"])
                .arg(&db)
                .arg("--policy")
                .arg(shop())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(lines.as_bytes()).unwrap();
            child
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        // What a refused line or a failed open said, should this ever fail.
        let refused: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains("\"ok\":false"))
            .collect();
        assert_eq!(
            out.status.code(),
            Some(OK),
            "stderr: {stderr}\nrefused lines: {refused:?}"
        );
        assert_eq!(stdout.lines().count(), EACH, "stderr: {stderr}");
    }
    let ledger = lawful::ledger::Ledger::sqlite(&db).unwrap();
    let total: usize = (0..5)
        .map(|s| ledger.events(&format!("s{s}"), None).unwrap().len())
        .sum();
    assert_eq!(total, PROCESSES * EACH);
}

#[test]
fn a_killed_writer_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lawful.db");
    let bin = assert_cmd::cargo::cargo_bin("lawful");
    let mut child = std::process::Command::new(&bin)
        .args(["ledger", "record", "--ledger"])
        .arg(&db)
        .arg("--policy")
        .arg(shop())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut answers = BufReader::new(child.stdout.take().unwrap());
    let mut acknowledged = Vec::new();
    // Feed events one by one and read each acknowledgement; kill -9 after 40, while the
    // writer waits for more input or is mid-way through the next one.
    for i in 0..60 {
        let line = format!(
            "{{\"subject\": \"k\", \"type\": \"gpc_signal\", \"on\": {}, \"at\": \"2024-01-01\", \"key\": \"k{i}\"}}\n",
            i % 2 == 0
        );
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.flush().unwrap();
        if i == 40 {
            child.kill().unwrap();
            break;
        }
        let mut answer = String::new();
        answers.read_line(&mut answer).unwrap();
        let answer: Value = serde_json::from_str(&answer).unwrap();
        acknowledged.push(answer["seq"].as_i64().unwrap());
    }
    child.wait().unwrap();
    let ledger = lawful::ledger::Ledger::sqlite(&db).unwrap();
    let stored: Vec<i64> = ledger
        .events("k", None)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert!(acknowledged.iter().all(|seq| stored.contains(seq)));
    assert!(stored.len() >= acknowledged.len() && stored.len() <= acknowledged.len() + 1);
    // The file is whole: the next writer records on.
    let (code, _) = record(
        &db,
        "{\"subject\": \"k\", \"type\": \"restriction_started\"}\n",
    );
    assert_eq!(code, OK);
}

/// `lawful batch --ledger`: lines name their subject by `"user"`, folded as of `--now`; an
/// unknown user says nothing (denied where consent is needed); without `--ledger` a `user`
/// line is an error line.
#[test]
fn batch_lines_name_their_subject_by_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lawful.db");
    assert_eq!(record(&db, &format!("{FACTS}\n{GIVEN}\n")).0, OK);
    let lines = "{\"id\":1,\"purpose\":\"marketing.communications\",\"data\":\"orders.email\",\"user\":\"u42\"}\n\
                 {\"id\":2,\"purpose\":\"marketing.communications\",\"data\":\"orders.email\",\"region\":\"DE\",\"user\":\"nobody\"}\n";
    let batch = |extra: &[&str]| -> Vec<Value> {
        let out = lawful()
            .arg("batch")
            .arg(shop())
            .args(extra)
            .write_stdin(lines)
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let db_arg = db.to_str().unwrap();
    let now = batch(&["--ledger", db_arg, "--now", "2024-06-01T00:00:00Z"]);
    assert_eq!(now[0]["outcome"], "allow", "{now:?}");
    assert_eq!(now[1]["reason"], "consent_missing", "{now:?}");
    let before = batch(&["--ledger", db_arg, "--now", "2024-03-01T00:00:00Z"]);
    assert_eq!(before[0]["reason"], "consent_missing", "{before:?}");
    let without = batch(&[]);
    assert_eq!(
        without[0]["code"], "lawful::batch::no_ledger",
        "{without:?}"
    );
}
