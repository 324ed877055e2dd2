//! No-linkage promises (`deny … : combine A with B`): the evaluator's answer to "may purpose
//! P combine A with B", asked by name, prepared, in a batch line and in a test block; the
//! prover's `assert never combine`; the diff's combination changes; `lawful fmt` and
//! `lawful doc`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use lawful::eval::Query;
use lawful::verify::{self, Outcome};
use lawful::Policy;
mod common;

const POLICY: &str = r#"
#![allow(purpose-without-retention)]
policy "Shop" { controller "Shop GmbH" }
region DE "Germany"
region US "United States"
category user.contact.email "Email"
category user.health.weight "Weight" special
category user.telemetry.log "Website log files"
category user.telemetry.app "App analytics"
field orders.email: user.contact.email
purpose essential.service "Running the shop" {
  uses user.contact.email, user.telemetry.log
  basis contract
}
purpose analytics "Analytics" {
  uses user.contact.email, user.telemetry.*
  basis consent in DE
  basis legitimate_interest in US
}
purpose health "Health" {
  uses user.health.weight, user.contact.email
  basis explicit_consent
}
/// "We will not associate the automatically collected log data with other information."
deny no_log_linkage: combine user.telemetry.log with user.* except user.telemetry.log
/// "We do not combine app analytics with your email for analytics in the US."
deny no_app_email: combine user.telemetry.app with user.contact.email for analytics in US
    except when circumstance.required_by_law
circumstance required_by_law "Required by law"
"#;

fn combine(
    policy: &Policy,
    purpose: &str,
    a: &str,
    b: &str,
    who: &str,
) -> (String, Option<String>) {
    let subject = common::subject(policy, who);
    let d = policy
        .decide_combination_by_name(purpose, a, b, &subject, None)
        .unwrap();
    (
        d.reason.code().to_owned(),
        d.rule_ref(policy).map(|r| r.name.to_owned()),
    )
}

const CONSENTED: &str = r#"{"region": "DE", "consents": [{"purpose": "analytics"}]}"#;

#[test]
fn a_matching_combine_rule_denies_and_is_cited_either_way_round() {
    let policy = common::compile("shop.lawful", POLICY);
    for (a, b) in [
        ("user.telemetry.log", "orders.email"),
        ("orders.email", "user.telemetry.log"),
    ] {
        let (reason, rule) = combine(&policy, "analytics", a, b, CONSENTED);
        assert_eq!(reason, "denied_by_rule", "{a} with {b}");
        assert_eq!(rule.as_deref(), Some("no_log_linkage"));
    }
}

#[test]
fn data_outside_the_rule_combines_when_both_uses_are_allowed() {
    let policy = common::compile("shop.lawful", POLICY);
    let subject = common::subject(&policy, CONSENTED);
    let d = policy
        .decide_combination_by_name(
            "analytics",
            "user.telemetry.app",
            "orders.email",
            &subject,
            None,
        )
        .unwrap();
    assert!(d.allowed());
    assert_eq!(d.basis.map(|b| b.name()), Some("consent".to_owned()));
    assert_eq!(
        d.explain(&policy),
        "`analytics` may combine `user.telemetry.app` with `orders.email` in `DE` on the basis of \
         consent (the subject consented)."
    );
    // The `except` of the rule takes the log out of its other side.
    let (reason, _) = combine(
        &policy,
        "analytics",
        "user.telemetry.log",
        "user.telemetry.log",
        CONSENTED,
    );
    assert_eq!(reason, "allowed");
}

#[test]
fn a_denied_use_on_either_side_is_the_answer_about_that_data() {
    let policy = common::compile("shop.lawful", POLICY);
    let nobody = r#"{"region": "DE"}"#;
    let subject = common::subject(&policy, nobody);
    let d = policy
        .decide_combination_by_name(
            "analytics",
            "user.telemetry.app",
            "orders.email",
            &subject,
            None,
        )
        .unwrap();
    assert_eq!(d.reason.code(), "consent_missing");
    // The second side not declared: the explanation speaks about it.
    let (reason, _) = combine(
        &policy,
        "essential.service",
        "orders.email",
        "user.telemetry.app",
        nobody,
    );
    assert_eq!(reason, "not_declared");
    let d = policy
        .decide_combination_by_name(
            "essential.service",
            "orders.email",
            "user.telemetry.app",
            &subject,
            None,
        )
        .unwrap();
    assert!(
        d.explain(&policy).contains("user.telemetry.app"),
        "{}",
        d.explain(&policy)
    );
    // Not declared, but promised: the closed-world reason cites the promise.
    let (reason, rule) = combine(
        &policy,
        "essential.service",
        "user.telemetry.log",
        "user.health.weight",
        nobody,
    );
    assert_eq!(reason, "not_declared");
    assert_eq!(rule.as_deref(), Some("no_log_linkage"));
}

#[test]
fn purposes_regions_and_exceptions_narrow_a_rule() {
    let policy = common::compile("shop.lawful", POLICY);
    let us = r#"{"region": "US"}"#;
    let (reason, rule) = combine(
        &policy,
        "analytics",
        "user.telemetry.app",
        "orders.email",
        us,
    );
    assert_eq!(
        (reason.as_str(), rule.as_deref()),
        ("denied_by_rule", Some("no_app_email"))
    );
    // In DE the rule does not apply (only consent is missing there).
    let (reason, _) = combine(
        &policy,
        "analytics",
        "user.telemetry.app",
        "orders.email",
        r#"{"region": "DE"}"#,
    );
    assert_eq!(reason, "consent_missing");
    // Its exception, as a circumstance of the question.
    let subject = common::subject(&policy, us);
    let query = Query::new(
        &policy,
        policy.purpose("analytics").unwrap(),
        policy.category("user.telemetry.app").unwrap(),
    )
    .combined_with(policy.field("orders.email").unwrap())
    .given(policy.circumstance("required_by_law").unwrap());
    assert!(policy.decide(&query, &subject).unwrap().allowed());
}

#[test]
fn special_data_on_the_other_side_needs_explicit_consent() {
    let policy = common::compile("shop.lawful", POLICY);
    let plain = r#"{"region": "DE", "consents": [{"purpose": "health"}]}"#;
    let (reason, _) = combine(
        &policy,
        "health",
        "orders.email",
        "user.health.weight",
        plain,
    );
    assert_eq!(reason, "consent_missing");
    let explicit = r#"{"region": "DE", "consents": [{"purpose": "health", "explicit": true}]}"#;
    let (reason, _) = combine(
        &policy,
        "health",
        "orders.email",
        "user.health.weight",
        explicit,
    );
    assert_eq!(reason, "allowed");
}

#[test]
fn a_prepared_combination_is_refused_by_another_policy() {
    let policy = common::compile("shop.lawful", POLICY);
    let other = common::compile("shop.lawful", POLICY);
    let query = Query::new(
        &policy,
        policy.purpose("analytics").unwrap(),
        policy.category("user.telemetry.log").unwrap(),
    )
    .combined_with(policy.category("user.contact.email").unwrap());
    let subject = common::subject(&other, CONSENTED);
    assert_eq!(
        other
            .decide_combination(&query, &subject)
            .unwrap_err()
            .code(),
        "lawful::eval::other_policy"
    );
}

fn proofs(extra: &str) -> Vec<Option<String>> {
    let text = format!("{POLICY}{extra}");
    let (loaded, _) = lawful::load::load_str("shop.lawful", &text);
    let (policy, diagnostics) = lawful::check::check(loaded);
    let policy = policy.unwrap_or_else(|| panic!("{:?}", diagnostics.items));
    verify::prove_all(&policy)
        .into_iter()
        .map(|proof| match proof.outcome {
            Outcome::Proved => None,
            Outcome::Failed(c) => Some(c.describe(&policy)),
            Outcome::Undecided(why) => panic!("undecided: {why}"),
        })
        .collect()
}

#[test]
fn assert_never_combine_proves_what_the_rules_forbid() {
    assert_eq!(
        proofs("assert never combine user.telemetry.log with user.contact.email\n"),
        [None]
    );
    assert_eq!(
        proofs("assert never combine user.contact.email with user.telemetry.log for analytics\n"),
        [None]
    );
}

#[test]
fn assert_never_combine_fails_with_the_smallest_counterexample() {
    let results = proofs("assert never combine user.telemetry.app with user.contact.email\n");
    assert_eq!(results.len(), 1);
    let counterexample = results[0].clone().expect("the assertion must fail");
    assert!(
        counterexample.contains("combine user.telemetry.app with user.contact.email for analytics")
            || counterexample
                .contains("combine user.contact.email with user.telemetry.app for analytics"),
        "{counterexample}"
    );
    // In DE it needs consent (one atom); in the US the rule forbids it for analytics:
    // the smallest counterexample is the consented DE subject.
    assert!(counterexample.contains("region DE"), "{counterexample}");
    assert!(
        counterexample.contains("consent analytics"),
        "{counterexample}"
    );
}

#[test]
fn a_test_block_asks_a_combination_and_names_the_rule() {
    let text = format!(
        "{POLICY}{}",
        r#"
test "no linkage" {
  subject { region DE  consent analytics }
  expect deny denied_by_rule combine user.telemetry.log with orders.email for analytics by no_log_linkage
  expect allow combine user.telemetry.app with orders.email for analytics basis consent
  expect deny denied_by_rule combine user.telemetry.app with orders.email for analytics in US by no_app_email
  expect allow combine user.telemetry.app with orders.email for analytics in US given required_by_law
}
"#
    );
    let compiled = lawful::compile_str("shop.lawful", &text).unwrap();
    let report = lawful::testing::run_tests(&compiled.policy);
    assert!(report.ok(), "{report:?}");
    assert_eq!((report.tests, report.failed), (1, 0));
}

#[test]
fn the_diff_reports_a_dropped_promise_as_a_widened_combination() {
    let old = common::compile("shop.lawful", POLICY);
    let new_text = POLICY.replace(
        "deny no_log_linkage: combine user.telemetry.log with user.* except user.telemetry.log",
        "",
    );
    let new = lawful::compile_str("shop.lawful", &new_text)
        .unwrap()
        .policy;
    let diff = lawful::diff::diff(&old, &new);
    assert!(diff.complete);
    let combos: Vec<&lawful::diff::Change> = diff
        .changes
        .iter()
        .filter(|c| c.kind == lawful::diff::ChangeKind::CombinationAllowed)
        .collect();
    assert!(!combos.is_empty(), "{:#?}", diff.changes);
    assert!(
        combos
            .iter()
            .all(|c| c.impact == lawful::diff::Impact::Widened),
        "{combos:#?}"
    );
    assert!(
        combos
            .iter()
            .any(|c| c.summary.contains("to combine") && c.summary.contains("user.telemetry.log")),
        "{combos:#?}"
    );
    // Nothing else changed: no use changes.
    assert!(
        diff.changes
            .iter()
            .all(|c| matches!(c.kind, lawful::diff::ChangeKind::CombinationAllowed)),
        "{:#?}",
        diff.changes
    );
    // And the other way round it is narrowed.
    let back = lawful::diff::diff(&new, &old);
    assert!(back
        .changes
        .iter()
        .any(|c| c.kind == lawful::diff::ChangeKind::CombinationDenied));
    assert!(lawful::diff::diff(&old, &old).is_empty());
}

#[test]
fn fmt_keeps_combine_rules_and_questions() {
    let text =
        "deny  no_linkage :combine user.a with user.* except user.a for analytics.*   in EU\n";
    let formatted = lawful::format::format_source(text).unwrap();
    assert_eq!(
        formatted,
        "deny no_linkage: combine user.a with user.* except user.a for analytics.* in EU\n"
    );
    assert_eq!(
        lawful::format::format_source(&formatted).unwrap(),
        formatted
    );
}

#[test]
fn the_notice_states_each_promise_with_its_sentence() {
    let policy = common::compile("shop.lawful", POLICY);
    let markdown = lawful::docgen::markdown(&policy);
    assert!(markdown.contains("### What we keep apart"), "{markdown}");
    assert!(
        markdown.contains("We do not combine “Website log files” with any other personal data."),
        "{markdown}"
    );
    assert!(
        markdown.contains("We do not combine “App analytics” with “Email” for Analytics in the United States, save for the exceptions it states."),
        "{markdown}"
    );
    assert!(markdown.contains("We will not associate the automatically collected log data"));
    assert!(markdown.contains("We do not combine app analytics with your email"));
}

#[test]
fn a_batch_line_or_a_decide_request_asks_a_combination() {
    use lawful::batch::{Batch, Expect, Kind};
    let policy = common::compile("shop.lawful", POLICY);
    let mut batch = Batch::new(&policy, "2025-01-01T00:00:00Z".parse().unwrap());
    let mut out = Vec::new();
    // `kind` defaults to `combine` when `with` is given; `/v1/decide` answers it (it expects
    // use, disclose and combine questions).
    let line = br#"{"purpose":"analytics","data":"user.telemetry.log","with":"orders.email","subject":{"region":"DE","consents":[{"purpose":"analytics"}]}}"#;
    let answered = batch
        .answer_one(line, Expect::UseOrDisclose, &mut out)
        .unwrap();
    assert_eq!(answered.kind, Kind::Combine);
    assert_eq!(
        (answered.outcome, answered.reason),
        ("deny", "denied_by_rule")
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(r#""rule":{"name":"no_log_linkage""#),
        "{text}"
    );
    // A combination has no recipient, and needs its other side.
    let mut none = Vec::new();
    let e = batch
        .answer_one(
            br#"{"kind":"combine","purpose":"analytics","data":"orders.email","with":"user.telemetry.app","recipient":"x"}"#,
            Expect::Any,
            &mut none,
        )
        .unwrap_err();
    assert_eq!(e.code(), "lawful::batch::unexpected_member");
    let e = batch
        .answer_one(
            br#"{"kind":"combine","purpose":"analytics","data":"orders.email","region":"DE"}"#,
            Expect::Any,
            &mut none,
        )
        .unwrap_err();
    assert_eq!(e.code(), "lawful::batch::missing_member");
}

#[test]
fn lawful_query_combine_with_answers_on_the_command_line() {
    let dir = std::env::temp_dir().join(format!("lawful-combine-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shop.lawful");
    std::fs::write(&path, POLICY).unwrap();
    let out = assert_cmd::Command::cargo_bin("lawful")
        .unwrap()
        .args(["query"])
        .arg(&path)
        .args([
            "--purpose",
            "analytics",
            "--field",
            "user.telemetry.log",
            "--combine-with",
            "orders.email",
            "--region",
            "DE",
            "--consent",
            "analytics",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(r#""reason":"denied_by_rule""#), "{stdout}");
    assert!(stdout.contains("may not combine `user.telemetry.log` with `orders.email`"));
    let _ = std::fs::remove_dir_all(&dir);
}
