//! "Other purposes with your consent" (`purpose other`) and unstated bases (`basis
//! unstated`): through the library (by name and prepared), the checker, the prover, the
//! diff, the notice, `lawful fmt` and the policy's own tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use lawful::eval::{Query, Reason};
use lawful::model::Basis;
mod common;

const POLICY: &str = r#"
policy "Shop" { controller "Shop GmbH" }
use std::regions
use std::fides
field orders.email: user.contact.email
field orders.name: user.name
field device.model: user.device
#[allow(purpose-without-retention)]
purpose essential.service "Service" { uses user.contact.email, user.name basis contract }
#[allow(purpose-without-retention)]
purpose marketing.communications "Newsletter" { uses user.contact.email basis consent }
/// §9 "Other purposes with your consent."
#[allow(purpose-without-retention)]
purpose other "Other purposes with your consent" {
  uses user.contact.email, user.name
  basis consent
}
/// §4 "we do not use your data for third-party advertising"
deny no_third_party_ads: use * for marketing.advertising.third_party
test "other purposes" {
  subject { region DE  age 30  consent analytics.reporting }
  expect allow use orders.email for analytics.reporting basis consent
  expect deny not_declared use device.model for analytics.reporting
  expect deny consent_missing use orders.email for personalize
  expect deny denied_by_rule use orders.email for marketing.advertising.third_party
      by no_third_party_ads
  expect allow use orders.email for essential.service basis contract
}
"#;

fn codes(text: &str) -> Vec<String> {
    match lawful::compile_str("shop.lawful", text) {
        Ok(compiled) => compiled
            .warnings
            .items
            .iter()
            .map(|d| d.code.to_string())
            .collect(),
        Err(failed) => failed
            .diagnostics
            .items
            .iter()
            .map(|d| d.code.to_string())
            .collect(),
    }
}

#[test]
fn a_covered_vocabulary_purpose_needs_consent_to_that_exact_purpose() {
    let policy = common::compile("shop.lawful", POLICY);
    let consented = common::subject(
        &policy,
        r#"{"region":"DE","age":30,"consents":[{"purpose":"analytics.reporting","given_at":"2024-01-01"}]}"#,
    );
    // By name.
    let d = policy
        .decide_use_by_name("analytics.reporting", "orders.email", &consented, None)
        .unwrap();
    assert!(d.allowed(), "{}", d.explain(&policy));
    assert_eq!(d.basis, Some(Basis::Consent));
    // Prepared: a handle for a vocabulary purpose exists and gives the same answer.
    let q = Query::new(
        &policy,
        policy.purpose("analytics.reporting").unwrap(),
        policy.field("orders.email").unwrap(),
    );
    assert_eq!(policy.decide(&q, &consented).unwrap(), d);
    // The decision cites the clause's basis line.
    let rule = d.rule_ref(&policy).unwrap();
    assert!(
        rule.name.starts_with("other: basis consent"),
        "{}",
        rule.name
    );

    // A consent to an ancestor does not count for a purpose the clause decides …
    let broad = common::subject(
        &policy,
        r#"{"region":"DE","age":30,"consents":[{"purpose":"analytics","given_at":"2024-01-01"}]}"#,
    );
    let d = policy
        .decide_use_by_name("analytics.reporting", "orders.email", &broad, None)
        .unwrap();
    assert_eq!(d.reason, Reason::ConsentMissing, "{}", d.explain(&policy));
    // … but it does for the covered ancestor itself.
    let d = policy
        .decide_use_by_name("analytics", "orders.email", &broad, None)
        .unwrap();
    assert!(d.allowed(), "{}", d.explain(&policy));
    // And a consent to a declared purpose opens no vocabulary purpose below it.
    let newsletter = common::subject(
        &policy,
        r#"{"region":"DE","age":30,"consents":[{"purpose":"marketing","given_at":"2024-01-01"}]}"#,
    );
    let d = policy
        .decide_use_by_name("marketing.advertising", "orders.email", &newsletter, None)
        .unwrap();
    assert_eq!(d.reason, Reason::ConsentMissing);

    // A vocabulary purpose below a declared one refines a purpose the notice lists: not an
    // "other" purpose, so not declared even with consent to it.
    let email = common::subject(
        &policy,
        r#"{"region":"DE","age":30,"consents":[{"purpose":"marketing.communications.email","given_at":"2024-01-01"}]}"#,
    );
    let d = policy
        .decide_use_by_name(
            "marketing.communications.email",
            "orders.email",
            &email,
            None,
        )
        .unwrap();
    assert_eq!(d.reason, Reason::NotDeclared);
    assert!(d.explain(&policy).contains("does not provide for"));
    // Nor is the family above a declared purpose (`essential` above `essential.service`).
    let family = common::subject(
        &policy,
        r#"{"region":"DE","age":30,"consents":[{"purpose":"essential","given_at":"2024-01-01"}]}"#,
    );
    let d = policy
        .decide_use_by_name("essential", "orders.email", &family, None)
        .unwrap();
    assert_eq!(d.reason, Reason::NotDeclared);
    // Data the clause does not name: not declared, and the explanation says so.
    let d = policy
        .decide_use_by_name("analytics.reporting", "device.model", &consented, None)
        .unwrap();
    assert_eq!(d.reason, Reason::NotDeclared);
    assert!(
        d.explain(&policy).contains("other purposes with consent"),
        "{}",
        d.explain(&policy)
    );
    // Withdrawn: denied as withdrawn.
    let withdrawn = common::subject(
        &policy,
        r#"{"region":"DE","age":30,"consents":[{"purpose":"analytics.reporting","given_at":"2024-01-01","withdrawn_at":"2024-02-01"}]}"#,
    );
    let d = policy
        .decide_use_by_name("analytics.reporting", "orders.email", &withdrawn, None)
        .unwrap();
    assert_eq!(d.reason, Reason::ConsentWithdrawn);
    // A deny rule still wins.
    let ads = common::subject(
        &policy,
        r#"{"region":"DE","age":30,"consents":[{"purpose":"marketing.advertising.third_party","given_at":"2024-01-01"}]}"#,
    );
    let d = policy
        .decide_use_by_name(
            "marketing.advertising.third_party",
            "orders.email",
            &ads,
            None,
        )
        .unwrap();
    assert_eq!(d.reason, Reason::DeniedByRule);
    // A typo stays an error.
    let e = policy
        .decide_use_by_name("analytcs.reporting", "orders.email", &consented, None)
        .unwrap_err();
    assert_eq!(e.code(), "lawful::eval::unknown_purpose");
}

#[test]
fn a_limited_clause_leaves_other_vocabulary_purposes_not_declared() {
    let text = POLICY.replace(
        "purpose other \"Other",
        "purpose other for analytics.* \"Other",
    );
    let text = text
        .replace(
            "  expect deny consent_missing use orders.email for personalize\n",
            "  expect deny not_declared use orders.email for personalize\n",
        )
        .replace(
            "  expect deny denied_by_rule use orders.email for marketing.advertising.third_party",
            "  expect deny not_declared use orders.email for marketing.advertising.third_party",
        );
    let policy = common::compile("shop.lawful", &text);
    let s = common::subject(
        &policy,
        r#"{"region":"DE","age":30,"consents":[{"purpose":"personalize","given_at":"2024-01-01"}]}"#,
    );
    let d = policy
        .decide_use_by_name("personalize", "orders.email", &s, None)
        .unwrap();
    assert_eq!(d.reason, Reason::NotDeclared);
    assert!(d.explain(&policy).contains("does not provide for"));
    let report = lawful::testing::run_tests(&policy);
    assert!(report.ok(), "{:?}", report.failures);
}

#[test]
fn the_policy_tests_pass() {
    let report = lawful::testing::run_tests(&common::compile("shop.lawful", POLICY));
    assert!(report.ok(), "{:?}", report.failures);
    assert_eq!(report.passed, 5);
}

#[test]
fn the_checker_refuses_what_cannot_hold() {
    // Not consent.
    let text = POLICY.replace(
        "  uses user.contact.email, user.name\n  basis consent\n",
        "  uses user.contact.email, user.name\n  basis legitimate_interest\n",
    );
    assert!(codes(&text).contains(&"lawful::check::invalid_other_purposes".to_owned()));
    // Nothing to cover without a vocabulary.
    let text = POLICY.replace("use std::fides\n", "");
    let text = text.replace("field device.model: user.device\n", "");
    assert!(
        codes(&text).contains(&"lawful::check::invalid_other_purposes".to_owned()),
        "{:?}",
        codes(&text)
    );
    // Two clauses covering one purpose.
    let text = POLICY.replace(
        "/// §4",
        "purpose other for analytics.* { uses user.name basis consent }\n/// §4",
    );
    assert!(codes(&text).contains(&"lawful::check::invalid_other_purposes".to_owned()));
    // `purpose other.x` is still a purpose.
    let text = POLICY.replace(
        "/// §4",
        "#[allow(purpose-without-retention)]\npurpose other.thing { uses user.name basis contract }\n/// §4",
    );
    let policy = common::compile("shop.lawful", &text);
    assert!(policy.purpose("other.thing").is_ok());
}

#[test]
fn the_prover_reads_consent_to_a_covered_purpose() {
    // Without the clause the assertion holds (the closed world) …
    let without = POLICY
        .replace(
            "purpose other \"Other purposes with your consent\" {\n  uses user.contact.email, user.name\n  basis consent\n}\n",
            "",
        )
        .replace("#[allow(purpose-without-retention)]\n/// §4", "/// §4");
    let without = strip_tests(&without);
    common::compile(
        "shop.lawful",
        &format!("{without}\nassert never use user.contact.* for analytics.*\n"),
    );
    // … with it, a subject who consented to one analytics purpose is a counterexample.
    let with = strip_tests(POLICY);
    let Err(failed) = lawful::compile_str(
        "shop.lawful",
        &format!("{with}\nassert never use user.contact.* for analytics.*\n"),
    ) else {
        panic!("the assertion must fail");
    };
    let failure = failed
        .diagnostics
        .items
        .iter()
        .find(|d| d.code == "lawful::check::assertion_failed")
        .unwrap_or_else(|| panic!("{:#?}", failed.diagnostics));
    let text = format!("{failure:?}");
    assert!(text.contains("consent"), "{text}");
    // A consent assertion over it is proven.
    common::compile(
        "shop.lawful",
        &format!("{with}\nassert analytics.reporting requires consent in EU\n"),
    );
}

fn strip_tests(text: &str) -> String {
    match text.find("test \"") {
        Some(at) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

#[test]
fn the_diff_sees_the_clause() {
    let with = common::compile("shop.lawful", strip_tests(POLICY).as_str());
    let without = common::compile("shop.lawful", 
        strip_tests(POLICY)
            .replace(
                "purpose other \"Other purposes with your consent\" {\n  uses user.contact.email, user.name\n  basis consent\n}\n",
                "",
            )
            .replace("#[allow(purpose-without-retention)]\n/// §4", "/// §4")
            .as_str(),
    );
    let diff = lawful::diff::diff(&without, &with);
    assert!(!diff.is_empty());
    assert!(diff.widened() > 0, "{:#?}", diff.changes);
    assert!(
        diff.changes
            .iter()
            .any(|c| c.purpose.as_deref() == Some("analytics.reporting")
                || c.purpose.as_deref() == Some("analytics")),
        "{:#?}",
        diff.changes
    );
    assert!(lawful::diff::diff(&with, &with).is_empty());
}

#[test]
fn the_notice_has_its_own_section() {
    let policy = common::compile("shop.lawful", POLICY);
    let markdown = lawful::docgen::markdown(&policy);
    assert!(
        markdown.contains("Other purposes, with your consent"),
        "{markdown}"
    );
    assert!(markdown.contains("Other purposes with your consent"));
    // The covered purposes are not listed as the policy's own.
    assert!(!markdown.contains("`analytics.reporting`"), "{markdown}");
}

#[test]
fn fmt_round_trips() {
    let messy = "use std::fides\npurpose   other  for analytics.* ,personalize \"Other\"{uses user.name\nbasis consent}\n";
    let formatted = lawful::format::format_source(messy).unwrap();
    assert!(
        formatted.contains("purpose other for analytics.*, personalize \"Other\" {"),
        "{formatted}"
    );
    assert_eq!(
        lawful::format::format_source(&formatted).unwrap(),
        formatted
    );
    let formatted = lawful::format::format_source(POLICY).unwrap();
    assert_eq!(
        lawful::format::format_source(&formatted).unwrap(),
        formatted
    );
}

// ------------------------------------------------------------------ basis unstated

const UNSTATED: &str = r#"
policy "App" { controller "App Ltd" }
use std::regions
use std::fides
field profile.email: user.contact.email
/// §Use: "Data may be used to contact you" — no basis named.
#[allow(purpose-without-retention)]
purpose notifications "Contacting you" {
  uses user.contact.email
  basis unstated
}
/// §Use: "to provide the service you asked for" — a function the user asked for: contract.
#[allow(purpose-without-retention)]
purpose service "Service" {
  uses user.contact.email
  basis contract in US
  basis unstated in EU
}
test "unstated" {
  subject { region DE  age 30 }
  expect deny basis_unstated use profile.email for notifications
  expect deny basis_unstated use profile.email for service
  expect allow use profile.email for service in US basis contract
}
"#;

#[test]
fn an_unstated_basis_is_denied_with_its_own_reason() {
    let compiled = lawful::compile_str("app.lawful", UNSTATED).unwrap();
    let policy = compiled.policy;
    let s = common::subject(&policy, r#"{"region":"DE","age":30}"#);
    let d = policy
        .decide_use_by_name("notifications", "profile.email", &s, None)
        .unwrap();
    assert_eq!(d.reason, Reason::BasisUnstated);
    assert_eq!(d.reason.code(), "basis_unstated");
    assert!(
        d.explain(&policy).contains("states no legal basis"),
        "{}",
        d.explain(&policy)
    );
    assert!(d.rule_ref(&policy).unwrap().name.contains("basis unstated"));
    // The lint lists each declaration; the prover does not add `unreachable-purpose` for a
    // purpose whose every basis is unstated.
    let lints: Vec<(String, String)> = compiled
        .warnings
        .items
        .iter()
        .map(|d| (d.code.to_string(), d.message.clone()))
        .collect();
    let unstated: Vec<&(String, String)> = lints
        .iter()
        .filter(|(c, _)| c == "lawful::lint::basis-unstated")
        .collect();
    assert_eq!(unstated.len(), 2, "{lints:?}");
    assert!(unstated.iter().any(|(_, m)| m.contains("`service` in EU")));
    assert!(
        lints
            .iter()
            .all(|(c, _)| c != "lawful::lint::unreachable-purpose"),
        "{lints:?}"
    );
    let report = lawful::testing::run_tests(&policy);
    assert!(report.ok(), "{:?}", report.failures);
    assert_eq!(report.passed, 3);
    // The notice says no basis is stated.
    let markdown = lawful::docgen::markdown(&policy);
    assert!(markdown.contains("does not state one"), "{markdown}");
}

#[test]
fn unstated_is_no_alternative() {
    let text = UNSTATED.replace("  basis unstated\n}", "  basis consent or unstated\n}");
    let codes = match lawful::compile_str("app.lawful", &text) {
        Ok(_) => Vec::new(),
        Err(failed) => failed
            .diagnostics
            .items
            .iter()
            .map(|d| d.code.to_string())
            .collect(),
    };
    assert!(
        codes.contains(&"lawful::check::invalid_basis".to_owned()),
        "{codes:?}"
    );
}
