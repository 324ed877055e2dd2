//! Names a vocabulary knows but the policy does not declare: a question about one is a
//! denial (`not_declared`, citing the deny rule that forbids it), a typo stays an error.
//! Questions by recipient kind. Through the library (by name and prepared), batch lines,
//! the command line, test blocks, the lints and the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use assert_cmd::Command;
use lawful::eval::{Asked, DataRef, Query, Reason};
use lawful::model::RecipientKind;
use lawful::{Policy, Subject};

const POLICY: &str = r#"
policy "Shop" { controller "Shop GmbH" }
use std::regions
use std::fides
field orders.email: user.contact.email
#[allow(purpose-without-retention)]
purpose essential.service "Service" { uses user.contact.email basis contract }
recipient mailer "Mail provider" kind processor located DE {
  purposes essential.service
  categories user.contact.*
}
/// §3 "we never sell your data"
deny no_sale: sell *
/// §3 "nor do we give it to data brokers"
deny no_brokers: disclose * to kind data_broker
/// §4 "we do not use your data for advertising"
deny no_ads: use * for marketing.advertising.*
test "promises" {
  subject { region DE  age 30 }
  expect deny not_declared use orders.email for marketing.advertising.third_party by no_ads
  expect deny not_declared use orders.email for analytics.reporting
  expect deny recipient_not_declared
      disclose orders.email to kind data_broker for essential.service by no_sale
  expect allow disclose orders.email to kind processor for essential.service
  expect deny recipient_not_declared
      disclose orders.email to kind ad_network for essential.service
}
"#;

fn policy() -> Policy {
    let compiled = lawful::compile_str("shop.lawful", POLICY).unwrap();
    assert!(
        compiled
            .warnings
            .warnings()
            .all(|d| d.code != "lawful::lint::shadowed-rule"),
        "a rule restating the closed world is no noise: {:?}",
        compiled.warnings
    );
    compiled.policy
}

fn subject(policy: &Policy) -> Subject {
    let now = "2025-01-01T00:00:00Z".parse().unwrap();
    Subject::from_json_str(policy, r#"{"region":"DE","age":30}"#, now).unwrap()
}

fn rule_name(policy: &Policy, decision: &lawful::eval::Decision) -> String {
    decision.rule_ref(policy).unwrap().name.to_owned()
}

#[test]
fn an_undeclared_vocabulary_purpose_is_denied_citing_the_rule() {
    let policy = policy();
    let s = subject(&policy);
    // By name.
    let d = policy
        .decide_use_by_name(
            "marketing.advertising.third_party",
            "orders.email",
            &s,
            None,
        )
        .unwrap();
    assert_eq!(d.reason, Reason::NotDeclared);
    assert_eq!(rule_name(&policy, &d), "no_ads");
    assert!(
        d.explain(&policy).contains("does not provide for"),
        "{}",
        d.explain(&policy)
    );
    assert!(d
        .explain(&policy)
        .contains("the deny rule `no_ads` forbids it"));
    // Prepared: the same answer.
    let q = Query::new(
        &policy,
        policy.purpose("marketing.advertising.third_party").unwrap(),
        policy.field("orders.email").unwrap(),
    );
    assert_eq!(policy.decide(&q, &s).unwrap(), d);
    // No rule forbids analytics: the closed world alone, no rule cited.
    let d = policy
        .decide_use_by_name("analytics.reporting", "orders.email", &s, None)
        .unwrap();
    assert_eq!(d.reason, Reason::NotDeclared);
    assert!(d.rule.is_none());
    // A typo is still an error with a suggestion.
    let e = policy
        .decide_use_by_name("analytcs.reporting", "orders.email", &s, None)
        .unwrap_err();
    assert_eq!(e.code(), "lawful::eval::unknown_purpose");
    assert!(
        e.to_string().contains("did you mean `analytics.reporting`"),
        "{e}"
    );
}

#[test]
fn questions_by_recipient_kind() {
    let policy = policy();
    let s = subject(&policy);
    // A declared recipient of the kind may receive it: the answer names it.
    let d = policy
        .decide_disclosure_to_kind_by_name(
            "processor",
            "essential.service",
            "orders.email",
            &s,
            None,
        )
        .unwrap();
    assert!(d.allowed());
    assert!(matches!(d.asked, Asked::Disclose { recipient, .. }
        if recipient == policy.recipient("mailer").unwrap()));
    // None of the kind: denied, citing the earliest promise that forbids it.
    let q = Query::new(
        &policy,
        policy.purpose("essential.service").unwrap(),
        DataRef::Field(policy.field("orders.email").unwrap()),
    );
    let d = policy
        .decide_disclosure_to_kind(RecipientKind::DataBroker, &q, &s)
        .unwrap();
    assert_eq!(d.reason, Reason::RecipientNotDeclared);
    assert_eq!(rule_name(&policy, &d), "no_sale");
    assert!(matches!(
        d.asked,
        Asked::DiscloseKind {
            kind: RecipientKind::DataBroker,
            ..
        }
    ));
    // No rule names ad networks or sharing: the closed world alone.
    let d = policy
        .decide_disclosure_to_kind(RecipientKind::AdNetwork, &q, &s)
        .unwrap();
    assert_eq!(d.reason, Reason::RecipientNotDeclared);
    assert!(d.rule.is_none());
    // An unknown kind is an error with a suggestion.
    let e = policy
        .decide_disclosure_to_kind_by_name(
            "data_brokr",
            "essential.service",
            "orders.email",
            &s,
            None,
        )
        .unwrap_err();
    assert_eq!(e.code(), "lawful::eval::unknown_recipient_kind");
    assert!(e.to_string().contains("did you mean `data_broker`"), "{e}");
}

#[test]
fn every_kind_has_a_distinct_bit_and_a_name() {
    let mut bits = 0u32;
    for &(name, kind) in RecipientKind::ALL {
        assert_eq!(kind.name(), name);
        assert_eq!(RecipientKind::parse(name), Some(kind));
        assert_eq!(bits & kind.bit(), 0, "{name}");
        bits |= kind.bit();
    }
    assert_eq!(bits, RecipientKind::EVERY);
}

#[test]
fn the_policy_tests_pass() {
    let report = lawful::testing::run_tests(&policy());
    assert!(report.ok(), "{:?}", report.failures);
    assert_eq!(report.passed, 5);
}

#[test]
fn a_wrong_rule_in_an_expectation_fails_the_test() {
    let text = POLICY.replace(
        "for marketing.advertising.third_party by no_ads",
        "for marketing.advertising.third_party by no_sale",
    );
    let policy = lawful::compile_str("shop.lawful", &text).unwrap().policy;
    let report = lawful::testing::run_tests(&policy);
    assert_eq!(report.failed, 1);
    assert_eq!(report.failures[0].mismatched, vec!["rule"]);
    assert_eq!(report.failures[0].actual.rule.as_deref(), Some("no_ads"));
}

#[test]
fn opt_out_with_spaces_inside_the_parentheses_parses() {
    let text = POLICY.replace("basis contract }", "basis opt_out( sale ) }");
    let spaced = lawful::compile_str("shop.lawful", &text).unwrap().policy;
    let text = POLICY.replace("basis contract }", "basis opt_out(sale) }");
    let plain = lawful::compile_str("shop.lawful", &text).unwrap().policy;
    let s = subject(&spaced);
    let a = spaced
        .decide_use_by_name("essential.service", "orders.email", &s, None)
        .unwrap();
    let b = plain
        .decide_use_by_name("essential.service", "orders.email", &subject(&plain), None)
        .unwrap();
    assert_eq!(a.basis, b.basis);
    assert_eq!(a.basis.unwrap().name(), "opt_out(sale)");
}

#[test]
fn batch_lines_ask_by_recipient_kind() {
    let policy = policy();
    let now = "2025-01-01T00:00:00Z".parse().unwrap();
    let lines = concat!(
        r#"{"id":1,"purpose":"essential.service","data":"orders.email","recipient_kind":"data_broker","subject":{"region":"DE"}}"#,
        "\n",
        r#"{"id":2,"purpose":"essential.service","data":"orders.email","recipient_kind":"processor","subject":{"region":"DE"}}"#,
        "\n",
        r#"{"id":3,"purpose":"essential.service","data":"orders.email","recipient_kind":"brokers","subject":{"region":"DE"}}"#,
        "\n",
        r#"{"id":4,"purpose":"essential.service","data":"orders.email","recipient":"mailer","recipient_kind":"processor","subject":{"region":"DE"}}"#,
        "\n",
        r#"{"id":5,"purpose":"marketing.advertising","data":"orders.email","subject":{"region":"DE"}}"#,
        "\n",
    );
    let mut out = Vec::new();
    lawful::batch::Batch::new(&policy, now)
        .run(lines.as_bytes(), &mut out)
        .unwrap();
    let answers: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        answers[0]["reason"], "recipient_not_declared",
        "{}",
        answers[0]
    );
    assert_eq!(answers[0]["rule"]["name"], "no_sale");
    assert_eq!(answers[1]["outcome"], "allow", "{}", answers[1]);
    assert_eq!(answers[2]["code"], "lawful::eval::unknown_recipient_kind");
    assert_eq!(
        answers[3]["code"], "lawful::batch::unexpected_member",
        "{}",
        answers[3]
    );
    assert_eq!(answers[4]["reason"], "not_declared", "{}", answers[4]);
    assert_eq!(answers[4]["rule"]["name"], "no_ads");
}

#[test]
fn the_command_line_asks_by_kind_and_exits_3_on_an_undeclared_purpose() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("vocabulary");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("shop.lawful"), POLICY).unwrap();
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("lawful")
            .unwrap()
            .env("NO_COLOR", "1")
            .current_dir(&dir)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let base = [
        "query",
        "shop.lawful",
        "--field",
        "orders.email",
        "--region",
        "DE",
    ];
    let with = |extra: &[&'static str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        args
    };
    let (code, out, _) = run(&with(&["--purpose", "third_party_sharing"]));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("not_declared"), "{out}");
    let (code, _, err) = run(&with(&["--purpose", "third_party_sharng"]));
    assert_eq!(code, 1);
    assert!(err.contains("lawful::eval::unknown_purpose"), "{err}");
    let (code, out, _) = run(&with(&[
        "--purpose",
        "essential.service",
        "--recipient-kind",
        "data_broker",
    ]));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("no_sale"), "{out}");
    let (code, _, _) = run(&with(&[
        "--purpose",
        "essential.service",
        "--recipient-kind",
        "processor",
    ]));
    assert_eq!(code, 0);
    // A kind given as a recipient's name: still an error, pointing at the right flag.
    let (code, _, err) = run(&with(&[
        "--purpose",
        "essential.service",
        "--recipient",
        "data_broker",
    ]));
    assert_eq!(code, 1);
    assert!(err.contains("--recipient-kind data_broker"), "{err}");
}

#[test]
fn a_purpose_known_on_one_side_only_is_a_change_to_not_declared() {
    let old = POLICY.replace(
        "deny no_sale",
        "#[allow(purpose-without-retention)]\npurpose analytics.reporting \"Reports\" { uses user.contact.email basis contract }\ndeny no_sale",
    );
    let old = lawful::compile_str("shop.lawful", &old).unwrap().policy;
    let new = policy();
    let diff = lawful::diff::diff(&old, &new);
    let text = diff.render_human("old.lawful", "new.lawful");
    assert!(text.contains("new: deny (not_declared)"), "{text}");
}

#[test]
fn an_assertion_forbidding_an_undeclared_purpose_is_cited() {
    let text = format!(
        "{POLICY}\n/// §5 \"we never train AI models on your data\"\nassert never use * for train_ai_system\n"
    );
    let policy = lawful::compile_str("shop.lawful", &text).unwrap().policy;
    let s = subject(&policy);
    let d = policy
        .decide_use_by_name("train_ai_system", "orders.email", &s, None)
        .unwrap();
    assert_eq!(d.reason, Reason::NotDeclared);
    let cited = d.rule_ref(&policy).unwrap();
    assert_eq!(
        policy.sources().line_col(cited.span).0,
        // The assertion's item, doc comment first.
        text.lines().position(|l| l.starts_with("/// §5")).unwrap() + 1
    );
    assert!(
        d.explain(&policy)
            .contains("an `assert never` of the policy forbids it"),
        "{}",
        d.explain(&policy)
    );
}
