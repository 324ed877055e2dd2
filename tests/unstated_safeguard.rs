//! Transfers whose safeguard the text does not name (`transfer … with unstated`): the
//! evaluator (library and `lawful transfer`), a disclosure's transfer, the prover, the lint,
//! `lawful test` and `lawful doc` — each asked the same questions of one policy.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use assert_cmd::Command;
use lawful::eval::Reason;
use lawful::verify::Outcome;
use serde_json::Value;

const POLICY: &str = r#"
policy "App" { controller "App Ltd" }
use std::regions
category user.email "Email"
category user.device "Device data"
field profile.email: user.email
/// Running the service.
purpose service "Service" { uses user.email, user.device  basis contract }
recipient host "US host" kind processor located US {
  purposes service
  categories user.email
}
retain user.* at most 1 year after account_closed
/// §4 "processed in the EU".
transfer user.* from EU to EU
/// §6 "transferred to other countries … in compliance with applicable law" (no safeguard).
transfer user.* from EU, US to US, JP with unstated
/// §6 "for device data we use standard contractual clauses".
transfer user.device from EU to US with scc
/// §6: the promise the prover checks.
assert never transfer user.email from EU to US
test "transfers" {
  subject { region DE  age 30 }
  expect deny safeguard_unstated transfer user.email from DE to US
  expect deny safeguard_unstated disclose profile.email to host for service
  expect allow transfer user.device from DE to US with scc
  expect allow transfer user.email from DE to FR
  expect allow transfer user.email from US-CA to US-NY
  expect deny transfer_forbidden transfer user.email from DE to CN
}
"#;

fn compiled() -> lawful::Compiled {
    lawful::compile_str("app.lawful", POLICY).unwrap()
}

#[test]
fn the_evaluator_denies_a_transfer_needing_a_safeguard_the_text_does_not_name() {
    let policy = compiled().policy;
    let d = policy
        .decide_transfer_by_name("profile.email", "DE", "US")
        .unwrap();
    assert_eq!(
        (d.reason, d.reason.code()),
        (Reason::SafeguardUnstated, "safeguard_unstated")
    );
    assert_eq!(d.rule_ref(&policy).unwrap().name, "transfer with unstated");
    let explanation = d.explain(&policy);
    assert!(explanation.contains("names no safeguard"), "{explanation}");
    // A permission naming a safeguard answers before, free flow and one country need none.
    let scc = policy
        .decide_transfer_by_name("user.device", "DE", "US")
        .unwrap();
    assert_eq!(
        (scc.reason, scc.safeguard(&policy)),
        (Reason::Allowed, Some("scc"))
    );
    assert!(policy
        .decide_transfer_by_name("profile.email", "DE", "FR")
        .unwrap()
        .allowed());
    let inland = policy
        .decide_transfer_by_name("profile.email", "US-CA", "US-NY")
        .unwrap();
    assert!(inland.allowed() && inland.safeguard(&policy).is_none());
    assert!(inland.explain(&policy).contains("one country"));
    // Nothing stated at all stays `transfer_forbidden`.
    assert_eq!(
        policy
            .decide_transfer_by_name("profile.email", "DE", "CN")
            .unwrap()
            .reason,
        Reason::TransferForbidden
    );
}

#[test]
fn the_lint_the_prover_and_the_tests_agree() {
    let compiled = compiled();
    let lints: Vec<String> = compiled
        .warnings
        .items
        .iter()
        .filter(|d| d.code == "lawful::lint::safeguard-unstated")
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        lints,
        ["the source text names no safeguard for the transfer from EU, US to US, JP"]
    );
    let proofs = lawful::verify::prove_all(&compiled.policy);
    assert_eq!(proofs.len(), 1);
    assert!(
        matches!(proofs[0].outcome, Outcome::Proved),
        "{:?}",
        proofs[0].outcome
    );
    let report = lawful::testing::run_tests(&compiled.policy);
    assert!(report.ok(), "{:?}", report.failures);
    assert_eq!(report.passed, 6);
    let markdown = lawful::docgen::markdown(&compiled.policy);
    assert!(
        markdown.contains("no safeguard stated: this notice does not name one"),
        "{markdown}"
    );
}

#[test]
fn lawful_transfer_answers_with_the_reason_code_and_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.lawful");
    std::fs::write(&path, POLICY).unwrap();
    let output = Command::cargo_bin("lawful")
        .unwrap()
        .args([
            "transfer",
            "--category",
            "user.email",
            "--from",
            "DE",
            "--to",
            "JP",
        ])
        .args(["--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["reason"], "safeguard_unstated", "{json}");
    assert_eq!(json["outcome"], "deny", "{json}");
    assert_eq!(json["rule"]["name"], "transfer with unstated", "{json}");
}

/// Inside one country a permission `with unstated` allows: the prover and the diff must see
/// that pair of regions apart from a pair in two countries, though no declared set separates
/// `US-NY` from `JP` (both only in `ELSEWHERE`).
const ONE_COUNTRY: &str = r#"
policy "App" { controller "App Ltd" }
use std::regions
group ELSEWHERE "Japan and New York" = JP, US-NY
category user.email "Email"
purpose service "Service" { uses user.email  basis contract }
retain user.* at most 1 year after account_closed
#[allow(safeguard-unstated)]
transfer user.* from US-CA to ELSEWHERE with unstated
assert never transfer user.email from US-CA to ELSEWHERE
"#;

#[test]
fn the_prover_finds_the_transfer_inside_one_country() {
    let without = ONE_COUNTRY.replace("assert never", "// assert never");
    let policy = lawful::compile_str("app.lawful", &without).unwrap().policy;
    let allowed = policy
        .decide_transfer_by_name("user.email", "US-CA", "US-NY")
        .unwrap();
    assert!(allowed.allowed());
    let denied = policy
        .decide_transfer_by_name("user.email", "US-CA", "JP")
        .unwrap();
    assert_eq!(denied.reason, Reason::SafeguardUnstated);
    // The checker proves assertions: this one is refuted by a transfer inside the US.
    let failed = lawful::compile_str("app.lawful", ONE_COUNTRY).unwrap_err();
    let rendered = failed.to_string();
    assert!(
        failed
            .diagnostics
            .items
            .iter()
            .any(|d| d.code == "lawful::check::assertion_failed"),
        "{rendered}"
    );
    // (Without the pair inside one country the prover would have proved it, deciding only
    // `US-CA` to `JP`: the two destinations are one class of regions.)
    let failure = failed
        .diagnostics
        .items
        .iter()
        .map(|d| format!("{} {:?}", d.message, d.related))
        .collect::<String>();
    assert!(failure.contains("from US-CA to US-NY"), "{failure}");
}

#[test]
fn the_diff_reports_the_transfer_inside_one_country() {
    let old = ONE_COUNTRY
        .replace("assert never", "// assert never")
        .replace("to ELSEWHERE with unstated", "to JP with scc");
    let new = ONE_COUNTRY.replace("assert never", "// assert never");
    let old = lawful::compile_str("old.lawful", &old).unwrap().policy;
    let new = lawful::compile_str("new.lawful", &new).unwrap().policy;
    let diff = lawful::diff::diff(&old, &new);
    assert!(diff.complete);
    let summaries: Vec<&str> = diff.changes.iter().map(|c| c.summary.as_str()).collect();
    // JP loses its safeguard (narrowed); a destination inside the US is newly allowed.
    assert!(
        diff.changes
            .iter()
            .any(|c| c.impact == lawful::diff::Impact::Widened && c.summary.contains("US-CA")),
        "{summaries:#?}"
    );
    assert!(
        diff.changes
            .iter()
            .any(|c| c.impact == lawful::diff::Impact::Narrowed && c.summary.contains("JP")),
        "{summaries:#?}"
    );
}
