//! Subject documents are read alike whichever reader reads them. `Subject::from_json_str`
//! reads a well-formed document of the common shapes straight into typed fields, and leaves
//! the rest — and every error — to the general reader (a `Value` tree, then field by field).
//! On generated documents — valid ones, and ones with a key repeated, a value of the wrong
//! type or out of range, an unknown name or field, a timestamp that is not one, escapes,
//! nulls — the typed reader's subject, when it gives one, is the general reader's, and
//! `from_json_str` answers exactly as the general reader does, errors included.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use jiff::Timestamp;
use lawful::eval::{subject_from_json_general, subject_from_json_typed};
use lawful::{Policy, Subject};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

const POLICY: &str = r#"
#![allow(purpose-without-retention)]
policy "Shop" { controller "Shop GmbH" }
use std::regions
category user.contact.email "Email"
field orders.email: user.contact.email
subject kind user
subject kind family_member
attribute verified: bool
attribute level: int
attribute tier: string
attribute roles: set
purpose service "Service" { uses user.* basis contract }
purpose marketing "Marketing" { uses user.contact.email basis consent }
purpose marketing.email "Email marketing" { uses user.contact.email basis consent }
purpose coaching "Coaching" { uses user.* basis consent }
recipient partners "Other parties" kind third_party located DE {
  purposes service
  categories user.*
  requires explicit consent
}
transfer user.* from EEA to US with consent requires consent
"#;

fn policy() -> Policy {
    lawful::compile_str("shop.lawful", POLICY).unwrap().policy
}

fn now() -> Timestamp {
    "2025-06-01T00:00:00Z".parse().unwrap()
}

/// The subject as both readers give it, or both errors; the typed reader's answer beside.
fn read(policy: &Policy, text: &str) -> (Result<Subject, String>, Result<Subject, String>) {
    let general = subject_from_json_general(policy, text, now()).map_err(|e| e.to_string());
    let public = Subject::from_json_str(policy, text, now()).map_err(|e| e.to_string());
    (general, public)
}

/// A JSON string: mostly names the policy has, sometimes not, sometimes escaped.
fn name(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(known).prop_map(|n| format!("\"{n}\"")),
        1 => prop::sample::select(known).prop_map(|n| {
            // The first letter as a \u escape: the same name, not borrowable.
            let mut chars = n.chars();
            let first = chars.next().unwrap();
            format!("\"\\u{:04x}{}\"", first as u32, chars.as_str())
        }),
        1 => "[a-z.]{0,12}".prop_map(|n| format!("\"{n}\"")),
        1 => Just("null".to_owned()),
        1 => Just("3".to_owned()),
    ]
}

fn time() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "\"2024-01-01T00:00:00Z\"",
            "\"2024-03-01\"",
            "\"2025-01-01T12:00:00+01:00\"",
            "\"2023-05-05T05:05:05.5Z\"",
        ])
        .prop_map(str::to_owned),
        1 => prop::sample::select(vec!["\"2999-01-01\"", "\"yesterday\"", "null", "17", "\"2024-01-01T00:00:00\""])
            .prop_map(str::to_owned),
    ]
}

fn boolean() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "true", "false", "true", "false", "null", "\"yes\"", "1",
    ])
    .prop_map(str::to_owned)
}

const PURPOSES: &[&str] = &["service", "marketing", "marketing.email", "coaching"];

fn consent() -> impl Strategy<Value = String> {
    (
        name(PURPOSES),
        prop::option::of(time()),
        prop::option::of(time()),
        prop::option::of(boolean()),
        prop::option::of(Just("\"note\": 1")),
    )
        .prop_map(|(purpose, given, withdrawn, explicit, extra)| {
            let mut members = vec![format!("\"purpose\": {purpose}")];
            members.extend(given.map(|t| format!("\"given_at\": {t}")));
            members.extend(withdrawn.map(|t| format!("\"withdrawn_at\": {t}")));
            members.extend(explicit.map(|b| format!("\"explicit\": {b}")));
            members.extend(extra.map(str::to_owned));
            format!("{{{}}}", members.join(", "))
        })
}

fn list(item: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec(item, 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
        1 => Just("null".to_owned()),
        1 => Just("{}".to_owned()),
    ]
}

fn attribute() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"verified\": true".to_owned()),
        Just("\"verified\": 1".to_owned()),
        Just("\"level\": 3".to_owned()),
        Just("\"level\": 3.5".to_owned()),
        Just("\"level\": 18446744073709551615".to_owned()),
        Just("\"level\": -2".to_owned()),
        Just("\"tier\": \"gold\"".to_owned()),
        Just("\"tier\": \"g\\u006fld\"".to_owned()),
        Just("\"roles\": [\"admin\", \"other\"]".to_owned()),
        Just("\"roles\": [\"admin\", 3]".to_owned()),
        Just("\"roles\": [\"admin\", {\"a\": 1, \"a\": 2}]".to_owned()),
        Just("\"roles\": {\"admin\": true}".to_owned()),
        Just("\"roles\": null".to_owned()),
        Just("\"unknown\": true".to_owned()),
    ]
}

/// One member of a subject document, valid or not.
fn member() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => name(&["DE", "US", "FR"]).prop_map(|r| format!("\"region\": {r}")),
        1 => prop::sample::select(vec!["34", "0", "150", "151", "-1", "34.0", "\"34\"", "null", "99999999999999999999"])
            .prop_map(|a| format!("\"age\": {a}")),
        1 => name(&["user", "family_member"]).prop_map(|k| format!("\"kind\": {k}")),
        3 => list(consent()).prop_map(|c| format!("\"consents\": {c}")),
        1 => list(name(PURPOSES)).prop_map(|o| format!("\"objections\": {o}")),
        1 => list(prop_oneof![
            name(&["sale", "sharing", "marketing", "profiling"]),
            Just("{\"kind\": \"marketing\", \"channel\": \"email\"}".to_owned()),
        ])
        .prop_map(|o| format!("\"opt_outs\": {o}")),
        1 => (
            prop::sample::select(vec!["gpc", "restricted", "erasure_requested", "account_deleted", "parental_consent"]),
            boolean()
        )
            .prop_map(|(flag, b)| format!("\"{flag}\": {b}")),
        1 => prop::collection::vec(attribute(), 0..4)
            .prop_map(|a| format!("\"attributes\": {{{}}}", a.join(", "))),
        1 => Just("\"recipient_consents\": [{\"recipient\": \"partners\", \"given_at\": \"2024-01-01\", \"explicit\": true}]".to_owned()),
        1 => Just("\"transfer_consents\": [{\"to\": \"US\", \"given_at\": \"2024-01-01\"}]".to_owned()),
        1 => Just("\"regoin\": \"DE\"".to_owned()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => prop::collection::vec(member(), 0..7).prop_map(|m| format!("{{{}}}", m.join(", "))),
        1 => Just("[]".to_owned()),
        1 => Just("{\"age\": 34} x".to_owned()),
        1 => Just("{".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn both_readers_read_a_document_alike(text in document()) {
        let policy = policy();
        let (general, public) = read(&policy, &text);
        prop_assert_eq!(&public, &general, "{}", text);
        if let Some(typed) = subject_from_json_typed(&policy, &text, now()) {
            prop_assert_eq!(Ok(typed), general, "{}", text);
        }
    }
}

/// The typed reader does take the common documents (the comparison above is not vacuous),
/// and leaves the shapes it does not read to the general reader.
#[test]
fn the_typed_reader_reads_the_common_shapes() {
    let policy = policy();
    // Of the generated documents, a good share is read by the typed reader, and more are
    // valid subjects.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut typed, mut valid) = (0, 0);
    for _ in 0..2000 {
        let text = document().new_tree(&mut runner).unwrap().current();
        typed += usize::from(subject_from_json_typed(&policy, &text, now()).is_some());
        valid += usize::from(subject_from_json_general(&policy, &text, now()).is_ok());
    }
    assert!(
        typed >= 200 && valid > typed,
        "{typed} read typed, {valid} valid of 2000"
    );
    let common = r#"{"region": "DE", "age": 34, "kind": "user",
        "consents": [{"purpose": "marketing", "given_at": "2024-01-01T00:00:00Z"},
                     {"purpose": "m\u0061rketing.email", "given_at": "2024-01-01", "withdrawn_at": "2024-02-01", "explicit": null}],
        "objections": ["coaching"], "opt_outs": ["sale"], "gpc": true, "restricted": null,
        "attributes": {"verified": true, "level": 3, "tier": "gold", "roles": ["admin", "x"], "tier2": null}}"#;
    // `tier2` is not declared, but null means "not given": both readers pass over it.
    let typed = subject_from_json_typed(&policy, common, now()).expect("read by the typed reader");
    assert_eq!(
        Ok(typed),
        subject_from_json_general(&policy, common, now()).map_err(|e| e.to_string())
    );
    for left in [
        r#"{"opt_outs": [{"kind": "marketing", "channel": "email"}]}"#,
        r#"{"recipient_consents": [{"recipient": "partners", "given_at": "2024-01-01", "explicit": true}]}"#,
        r#"{"transfer_consents": [{"to": "US", "given_at": "2024-01-01"}]}"#,
        r#"{"age": 34, "age": 35}"#,
        r#"{"attributes": {"verified": true, "verified": false}}"#,
    ] {
        assert!(
            subject_from_json_typed(&policy, left, now()).is_none(),
            "{left}"
        );
        let (general, public) = read(&policy, left);
        assert_eq!(public, general, "{left}");
    }
}
