//! `children { under max(13, FACT) in R }`: "13 … (or such age as may be determined by local
//! law)" — the highest of the terms, per region, through the evaluator, the prover's age
//! atoms and `lawful fmt`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use lawful::eval::Reason;
use lawful::{Policy, Subject};
mod common;

const POLICY: &str = r#"
policy "App" { controller "App Ltd" }
region DE "Germany"
region FR "France"
region XX "Elsewhere"
group EU "European Union" = DE, FR
category user.email "Email"
field account.email: user.email
/// Local law: below 13 in France, above it in Germany.
fact local_age = 16 in DE
fact local_age = 12 in FR
children {
  under max(13, local_age) in EU
  under 14
  default deny
}
#[allow(purpose-without-retention)]
purpose service "Service" { uses user.email basis contract }
assert never use * for * when subject.age < 13
test "the higher of 13 and local law" {
  subject { region FR  age 12 }
  expect deny child use account.email for service
  expect deny child use account.email for service in DE
}
"#;

fn decide(policy: &Policy, region: &str, age: u16) -> Reason {
    let now = "2025-01-01T00:00:00Z".parse().unwrap();
    let subject = Subject::from_json_str(
        policy,
        &format!(r#"{{"region":"{region}","age":{age}}}"#),
        now,
    )
    .unwrap();
    policy
        .decide_use_by_name("service", "account.email", &subject, None)
        .unwrap()
        .reason
}

#[test]
fn the_threshold_is_the_highest_term_per_region() {
    let policy = common::compile("app.lawful", POLICY);
    // France: local law says 12, the text's floor 13 wins.
    assert_eq!(decide(&policy, "FR", 12), Reason::Child);
    assert_eq!(decide(&policy, "FR", 13), Reason::Allowed);
    // Germany: local law's 16 wins.
    assert_eq!(decide(&policy, "DE", 15), Reason::Child);
    assert_eq!(decide(&policy, "DE", 16), Reason::Allowed);
    // Elsewhere: the plain threshold.
    assert_eq!(decide(&policy, "XX", 13), Reason::Child);
    assert_eq!(decide(&policy, "XX", 14), Reason::Allowed);
    let report = lawful::testing::run_tests(&policy);
    assert!(report.ok(), "{:?}", report.failures);
}

#[test]
fn an_unknown_fact_in_max_is_an_error() {
    let text = POLICY.replace("max(13, local_age)", "max(13, local_ag)");
    let failed = lawful::compile_str("app.lawful", &text).err().unwrap();
    let unknown = failed
        .diagnostics
        .items
        .iter()
        .find(|d| d.code == "lawful::check::unknown_fact")
        .unwrap_or_else(|| panic!("{:#?}", failed.diagnostics));
    assert!(unknown.help.as_deref().unwrap_or("").contains("local_age"));
    let text = POLICY.replace("max(13, local_age)", "max(13, 200)");
    let failed = lawful::compile_str("app.lawful", &text).err().unwrap();
    assert!(failed
        .diagnostics
        .items
        .iter()
        .any(|d| d.code == "lawful::check::age_out_of_range"));
}

#[test]
fn fmt_round_trips() {
    let messy = POLICY.replace("max(13, local_age)", "max( 13 ,local_age )");
    let formatted = lawful::format::format_source(&messy).unwrap();
    assert!(
        formatted.contains("under max(13, local_age) in EU"),
        "{formatted}"
    );
    assert_eq!(
        lawful::format::format_source(&formatted).unwrap(),
        formatted
    );
    common::compile("app.lawful", &formatted);
}
