//! Consent to a recipient or a transfer ("after obtaining your express consent, we will
//! transfer your data to other parties"): `requires [explicit] consent` on recipients and
//! transfer permissions, the subject's `recipient_consents` / `transfer_consents`, test
//! subjects, the prover and the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use lawful::verify::{self, Outcome};
use lawful::{Policy, Subject};

const POLICY: &str = r#"
#![allow(purpose-without-retention)]
policy "Shop" { controller "Shop GmbH" }
use std::regions
category user.contact.email "Email"
field orders.email: user.contact.email
purpose service "Service" {
  uses user.*
  basis contract
  withdrawal taints prior data
}
purpose news "News" {
  uses user.*
  basis contract
}
recipient partners "Other parties" kind third_party located DE {
  purposes service, news
  categories user.*
  requires explicit consent
}
recipient host "Hosting" kind processor located DE {
  purposes service
  categories user.*
}
transfer user.* from EEA to US with consent requires consent
"#;

fn policy() -> Policy {
    lawful::compile_str("shop.lawful", POLICY).unwrap().policy
}

fn subject(policy: &Policy, json: &str) -> Result<Subject, String> {
    Subject::from_json_str(policy, json, "2025-01-01T00:00:00Z".parse().unwrap())
        .map_err(|e| e.to_string())
}

fn disclose(policy: &Policy, purpose: &str, json: &str) -> String {
    let subject = subject(policy, json).unwrap();
    policy
        .decide_disclosure_by_name("partners", purpose, "orders.email", &subject, None)
        .unwrap()
        .reason
        .code()
        .to_owned()
}

#[test]
fn a_disclosure_needs_consent_to_the_recipient_not_to_a_purpose() {
    let policy = policy();
    let nobody = r#"{"region": "DE"}"#;
    assert_eq!(
        disclose(&policy, "service", nobody),
        "recipient_consent_missing"
    );
    let subject = subject(&policy, nobody).unwrap();
    let d = policy
        .decide_disclosure_by_name("partners", "service", "orders.email", &subject, None)
        .unwrap();
    assert_eq!(
        d.explain(&policy),
        "`orders.email` may not be disclosed to `partners` for `service` in `DE`: the subject \
         has not given explicit consent to disclosure to `partners`."
    );
    assert_eq!(
        d.would_change(&policy).as_deref(),
        Some("would be allowed with explicit consent to disclosure to `partners`")
    );
    // A purpose consent is no consent to the recipient.
    let purpose_only =
        r#"{"region": "DE", "consents": [{"purpose": "service", "explicit": true}]}"#;
    assert_eq!(
        disclose(&policy, "service", purpose_only),
        "recipient_consent_missing"
    );
    let plain = r#"{"region": "DE", "recipient_consents": [{"recipient": "partners"}]}"#;
    assert_eq!(
        disclose(&policy, "service", plain),
        "recipient_consent_missing"
    );
    let explicit =
        r#"{"region": "DE", "recipient_consents": [{"recipient": "partners", "explicit": true}]}"#;
    assert_eq!(disclose(&policy, "service", explicit), "allowed");
    // Other recipients need none.
    let subject = self::subject(&policy, nobody).unwrap();
    assert!(policy
        .decide_disclosure_by_name("host", "service", "orders.email", &subject, None)
        .unwrap()
        .allowed());
}

#[test]
fn withdrawal_and_provenance_follow_the_purpose_consent_rules() {
    let policy = policy();
    let withdrawn = r#"{"region": "DE", "recipient_consents": [{"recipient": "partners",
        "explicit": true, "given_at": "2024-01-01", "withdrawn_at": "2024-02-01"}]}"#;
    assert_eq!(
        disclose(&policy, "service", withdrawn),
        "recipient_consent_missing"
    );
    let again = r#"{"region": "DE", "recipient_consents": [
        {"recipient": "partners", "explicit": true, "given_at": "2024-01-01", "withdrawn_at": "2024-02-01"},
        {"recipient": "partners", "explicit": true, "given_at": "2024-03-01"}]}"#;
    let subject = subject(&policy, again).unwrap();
    let ask = |purpose: &str, collected: &str| {
        let query = lawful::eval::Query::new(
            &policy,
            policy.purpose(purpose).unwrap(),
            policy.field("orders.email").unwrap(),
        )
        .collected_at(collected.parse().unwrap())
        .to_recipient(policy.recipient("partners").unwrap());
        policy.decide(&query, &subject).unwrap()
    };
    // `service` says withdrawal taints prior data: what was collected before stays out.
    let old = ask("service", "2024-01-15T00:00:00Z");
    assert_eq!(old.reason.code(), "recipient_consent_missing");
    assert!(old
        .explain(&policy)
        .contains("collected before the subject withdrew"));
    assert!(ask("service", "2024-03-15T00:00:00Z").allowed());
    // `news` does not: a new consent covers old data too.
    assert!(ask("news", "2024-01-15T00:00:00Z").allowed());
}

#[test]
fn subject_documents_keep_recipient_and_transfer_consents_apart_from_purposes() {
    let policy = policy();
    let errors = [
        (
            r#"{"recipient_consents": [{"purpose": "service"}]}"#,
            "recipient_consents[0]",
        ),
        (
            r#"{"recipient_consents": [{"recipient": "partnrs"}]}"#,
            "recipient_consents[0].recipient",
        ),
        (
            r#"{"transfer_consents": [{"to": "Germany"}]}"#,
            "transfer_consents[0].to",
        ),
        (
            r#"{"recipient_consents": [{"recipient": "partners", "given_at": "2024-02-01",
                "withdrawn_at": "2024-01-01"}]}"#,
            "recipient_consents[0]",
        ),
        // Contradictions fail closed, as for purposes.
        (
            r#"{"transfer_consents": [{"to": "US"}], "recipient_consents": [
                {"recipient": "partners", "given_at": "2024-01-01"},
                {"recipient": "partners", "given_at": "2024-03-01"}]}"#,
            "recipient_consents[1]: overlaps `recipient_consents[0]`",
        ),
        (
            r#"{"recipient_consents": [{"recipient": "partners", "withdrawn_at": "2024-01-01"}]}"#,
            "recipient_consents[0].given_at: withdraws a consent to `partners`",
        ),
    ];
    for (json, field) in errors {
        let e = subject(&policy, json).unwrap_err();
        assert!(e.starts_with(field), "{json}: {e}");
    }
}

#[test]
fn a_transfer_permission_can_require_consent_to_the_transfer() {
    let policy = policy();
    let transfer = |json: Option<&str>, to: &str| {
        let query = lawful::eval::TransferQuery::new(
            &policy,
            policy.category("user.contact.email").unwrap(),
            policy.region("DE").unwrap(),
            policy.region(to).unwrap(),
        );
        match json {
            Some(json) => policy.decide_transfer_for(&subject(&policy, json).unwrap(), &query),
            None => policy.decide_transfer(&query),
        }
        .unwrap()
    };
    // No subject: fail closed.
    let bare = transfer(None, "US");
    assert_eq!(bare.reason.code(), "transfer_consent_missing");
    assert!(bare
        .explain(&policy)
        .contains("only with the subject's consent"));
    let consented = r#"{"region": "DE", "transfer_consents": [{"to": "US"}]}"#;
    let d = transfer(Some(consented), "US-CA");
    assert!(d.allowed());
    assert_eq!(d.safeguard(&policy), Some("consent"));
    // Consent to California does not cover New York.
    let california = r#"{"region": "DE", "transfer_consents": [{"to": "US-CA"}]}"#;
    assert_eq!(
        transfer(Some(california), "US-NY").reason.code(),
        "transfer_consent_missing"
    );
    // Without any permission for the destination, it is still `transfer_forbidden`.
    assert_eq!(
        transfer(Some(consented), "CN").reason.code(),
        "transfer_forbidden"
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
fn the_prover_finds_the_consenting_subject() {
    let results = proofs("assert never disclose * to partners\n");
    let counterexample = results[0]
        .clone()
        .expect("a consenting subject receives it");
    assert!(
        counterexample.contains("explicit consent to partners"),
        "{counterexample}"
    );
    let results = proofs("assert never transfer user.* from DE to US\n");
    let counterexample = results[0]
        .clone()
        .expect("a consenting subject's data goes");
    assert!(
        counterexample.contains("consent to transfer US"),
        "{counterexample}"
    );
}

#[test]
fn the_diff_sees_a_consent_requirement_dropped() {
    let old = policy();
    let new = lawful::compile_str(
        "shop.lawful",
        &POLICY.replace("  requires explicit consent\n", ""),
    )
    .unwrap()
    .policy;
    let diff = lawful::diff::diff(&old, &new);
    assert!(diff.complete);
    assert!(
        diff.changes.iter().any(|c| {
            c.kind == lawful::diff::ChangeKind::DisclosureAllowed
                && c.recipients == ["partners"]
                && c.impact == lawful::diff::Impact::Widened
        }),
        "{:#?}",
        diff.changes
    );
    assert!(lawful::diff::diff(&old, &old).is_empty());
    // A transfer permission that no longer needs the subject's consent widens transfers.
    let new = lawful::compile_str(
        "shop.lawful",
        &POLICY.replace(" with consent requires consent", " with consent"),
    )
    .unwrap()
    .policy;
    let diff = lawful::diff::diff(&old, &new);
    assert!(
        diff.changes.iter().any(|c| {
            c.kind == lawful::diff::ChangeKind::TransferAllowed
                && c.impact == lawful::diff::Impact::Widened
                && c.to_regions.iter().any(|r| r.contains("US"))
        }),
        "{:#?}",
        diff.changes
    );
}

#[test]
fn test_subjects_consent_and_withdraw_by_recipient_and_destination() {
    let text = format!(
        "{POLICY}{}",
        r#"
test "consent to other parties" {
  subject { region DE  explicit consent to partners at 2024-01-01  consent to transfer US }
  expect allow disclose orders.email to partners for service
  expect allow transfer user.* from DE to US with consent
}
test "consent to other parties withdrawn" {
  subject { region DE  explicit consent to partners at 2024-01-01  withdrawn to partners at 2024-02-01 }
  expect deny recipient_consent_missing disclose orders.email to partners for service
  expect deny transfer_consent_missing transfer user.* from DE to US
}
"#
    );
    let compiled = lawful::compile_str("shop.lawful", &text).unwrap();
    let report = lawful::testing::run_tests(&compiled.policy);
    assert!(report.ok(), "{report:?}");
    let formatted = lawful::format::format_source(&text).unwrap();
    assert_eq!(
        lawful::format::format_source(&formatted).unwrap(),
        formatted
    );
    assert!(
        formatted.contains("  requires explicit consent\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("explicit consent to partners at 2024-01-01"),
        "{formatted}"
    );
}

#[test]
fn the_notice_says_which_disclosures_and_transfers_need_consent() {
    let markdown = lawful::docgen::markdown(&policy());
    assert!(markdown.contains(
        "Only with your explicit consent to disclosure to them (you can withdraw it at any time)"
    ));
    assert!(markdown.contains("only with your consent to the transfer"));
}
