//! Opt-outs as timed events (docs/semantics.md, "Opt-outs"): the subject document's shapes,
//! an unsubscribe stopping direct marketing whatever its basis, channels, campaigns, the
//! provenance of data collected before an opt-out, the CPRA limit on sensitive data, the
//! ledger's fold, the prover, the diff and the notice — each asking the evaluator.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use lawful::eval::{Query, SubjectWriter};
use lawful::model::Campaign;
use lawful::{Policy, Subject};
mod common;

const POLICY: &str = r#"
policy "Shop" { controller "Shop GmbH" }
use std::regions
category user.contact.email "Email"
category user.contact.phone "Phone"
category user.health.weight "Weight" sensitive
field orders.email: user.contact.email
field orders.phone: user.contact.phone
field profile.weight: user.health.weight

purpose marketing.email "Newsletter" {
  uses user.contact.email
  basis consent in EU
  basis legitimate_interest in US
  direct_marketing
  channel email
  withdrawal taints prior data
}
purpose marketing.sms "Offers by text" {
  uses user.contact.phone
  basis contract
  direct_marketing
  channel sms
}
purpose marketing.any "Offers, channel unsaid" {
  uses user.contact.email
  basis legitimate_interest
  direct_marketing
}
purpose fitness "Fitness tracking" {
  uses user.health.weight
  basis contract
  survives limit_sensitive
}
purpose insights "Health insights" {
  uses user.health.weight
  basis contract
}
purpose ads "Ads" {
  uses user.contact.email
  basis opt_out(sale)
  withdrawal taints prior data
}
retain user.* at most 2 years after collected
"#;

fn t(text: &str) -> jiff::Timestamp {
    lawful::eval::parse_time_str("t", text).unwrap()
}

fn query(policy: &Policy, purpose: &str, field: &str) -> Query {
    Query::new(
        policy,
        policy.purpose(purpose).unwrap(),
        policy.field(field).unwrap(),
    )
}

/// The reason code of a use decision.
fn reason(policy: &Policy, q: &Query, s: &Subject) -> &'static str {
    policy.decide(q, s).unwrap().reason.code()
}

#[test]
fn old_subject_documents_keep_working() {
    let p = common::compile("shop.lawful", POLICY);
    let s = common::subject(&p, r#"{"region":"US-CA","opt_outs":["marketing","sale"]}"#);
    assert!(
        s.opt_out_records.is_empty(),
        "a plain kind is in force since forever"
    );
    let q = query(&p, "marketing.email", "orders.email");
    assert_eq!(reason(&p, &q, &s), "opted_out");
    // A plain opt-out taints nothing: it has no time.
    let collected = q.collected_at(t("2020-01-01"));
    assert_eq!(reason(&p, &collected, &s), "opted_out");
    let d = p.decide(&collected, &s).unwrap();
    assert!(!d.detail.tainted);
}

#[test]
fn an_unsubscribe_stops_direct_marketing_whatever_its_basis() {
    let p = common::compile("shop.lawful", POLICY);
    let opted =
        r#"{"region":"DE","consents":[{"purpose":"marketing.email"}],"opt_outs":["marketing"]}"#;
    let with_consent = common::subject(&p, opted);
    let q = query(&p, "marketing.email", "orders.email");
    assert_eq!(reason(&p, &q, &with_consent), "opted_out", "consent basis");
    let us = common::subject(&p, r#"{"region":"US-CA","opt_outs":["marketing"]}"#);
    assert_eq!(reason(&p, &q, &us), "opted_out", "legitimate interest");
    let sms = query(&p, "marketing.sms", "orders.phone");
    assert_eq!(reason(&p, &sms, &us), "opted_out", "contract");
    // Without the opt-out each is allowed.
    let plain = common::subject(&p, r#"{"region":"US-CA"}"#);
    assert_eq!(reason(&p, &q, &plain), "allowed");
    assert_eq!(reason(&p, &sms, &plain), "allowed");
    // Not direct marketing: the unsubscribe does not touch it.
    let fitness = query(&p, "fitness", "profile.weight");
    assert_eq!(reason(&p, &fitness, &us), "allowed");
}

#[test]
fn a_channel_opt_out_stops_its_channel_and_purposes_that_do_not_say() {
    let p = common::compile("shop.lawful", POLICY);
    let s = common::subject(
        &p,
        r#"{"region":"US-CA","opt_outs":[{"kind":"marketing","channel":"email","at":"2024-02-01"}]}"#,
    );
    let email = query(&p, "marketing.email", "orders.email");
    let sms = query(&p, "marketing.sms", "orders.phone");
    let unsaid = query(&p, "marketing.any", "orders.email");
    assert_eq!(reason(&p, &email, &s), "opted_out");
    assert_eq!(reason(&p, &sms, &s), "allowed");
    assert_eq!(reason(&p, &unsaid, &s), "opted_out", "fail closed");
    let d = p.decide(&email, &s).unwrap();
    assert_eq!(
        d.detail.opt_out_channel,
        Some(lawful::model::Channel::Email)
    );
    assert!(d.explain(&p).contains("by email"), "{}", d.explain(&p));
}

#[test]
fn a_campaign_opt_out_stops_that_campaign_and_questions_naming_none() {
    let p = common::compile("shop.lawful", POLICY);
    let s = common::subject(
        &p,
        r#"{"region":"US-CA","opt_outs":[{"kind":"marketing","campaign":"spring-sale","at":"2024-02-01"}]}"#,
    );
    let q = query(&p, "marketing.email", "orders.email");
    let spring = q.for_campaign(Campaign::new("spring-sale"));
    let summer = q.for_campaign(Campaign::new("summer-sale"));
    assert_eq!(reason(&p, &spring, &s), "opted_out");
    assert_eq!(reason(&p, &summer, &s), "allowed");
    assert_eq!(reason(&p, &q, &s), "opted_out");
    // `opted_out(marketing)` in a condition sees only opt-outs of every campaign.
    assert_eq!(s.opt_outs, 0);
}

#[test]
fn data_collected_before_an_opt_out_stays_out_after_its_revocation() {
    let p = common::compile("shop.lawful", POLICY);
    let s = common::subject(
        &p,
        r#"{"region":"US-CA","opt_outs":[{"kind":"sale","at":"2024-02-01","revoked_at":"2024-03-01"}]}"#,
    );
    let ads = query(&p, "ads", "orders.email");
    assert_eq!(reason(&p, &ads, &s), "allowed", "revoked: in force no more");
    let before = ads.collected_at(t("2024-01-15"));
    let after = ads.collected_at(t("2024-02-15"));
    assert_eq!(reason(&p, &before, &s), "opted_out");
    assert!(p.decide(&before, &s).unwrap().detail.tainted);
    assert_eq!(reason(&p, &after, &s), "allowed");
    // The unsubscribe is held to the same rule for a purpose that says so.
    let unsubscribed = common::subject(
        &p,
        r#"{"region":"US-CA","opt_outs":[{"kind":"marketing","at":"2024-02-01","revoked_at":"2024-03-01"}]}"#,
    );
    let email = query(&p, "marketing.email", "orders.email");
    assert_eq!(
        reason(&p, &email.collected_at(t("2024-01-15")), &unsubscribed),
        "opted_out"
    );
    assert_eq!(
        reason(&p, &email.collected_at(t("2024-03-15")), &unsubscribed),
        "allowed"
    );
    // `marketing.sms` keeps no such data out.
    let sms = query(&p, "marketing.sms", "orders.phone").collected_at(t("2024-01-15"));
    assert_eq!(reason(&p, &sms, &unsubscribed), "allowed");
}

#[test]
fn limiting_sensitive_data_stops_what_does_not_survive_it() {
    let p = common::compile("shop.lawful", POLICY);
    let s = common::subject(&p, r#"{"region":"US-CA","opt_outs":["limit_sensitive"]}"#);
    assert_eq!(
        reason(&p, &query(&p, "fitness", "profile.weight"), &s),
        "allowed"
    );
    assert_eq!(
        reason(&p, &query(&p, "insights", "profile.weight"), &s),
        "opted_out"
    );
    // Non-sensitive data is not limited.
    assert_eq!(reason(&p, &query(&p, "ads", "orders.email"), &s), "allowed");
}

#[test]
fn contradictory_or_misplaced_opt_outs_are_errors_naming_the_record() {
    let p = common::compile("shop.lawful", POLICY);
    let cases = [
        (
            r#"{"opt_outs":["sale",{"kind":"marketing","at":"2024-03-01","revoked_at":"2024-02-01"}]}"#,
            "opt_outs[1]",
            "lawful::subject::revoked_before_made",
        ),
        (
            r#"{"opt_outs":[{"kind":"marketing","revoked_at":"2024-02-01"}]}"#,
            "opt_outs[0]",
            "lawful::subject::revocation_without_opt_out",
        ),
        (
            r#"{"opt_outs":[{"kind":"sale","channel":"email"}]}"#,
            "opt_outs[0]",
            "lawful::subject::limited_opt_out",
        ),
        (
            r#"{"opt_outs":[{"kind":"marketing","channel":"fax"}]}"#,
            "opt_outs[0].channel",
            "lawful::eval::unknown_channel",
        ),
        (
            r#"{"opt_outs":[{"kind":"marketing","at":"2030-01-01"}]}"#,
            "opt_outs[0].at",
            "lawful::subject::timestamp_in_future",
        ),
        (
            r#"{"opt_outs":[{"kind":"marketing","when":"2024-01-01"}]}"#,
            "opt_outs[0]",
            "lawful::subject::unknown_field",
        ),
        (
            r#"{"opt_outs":[{"channel":"email"}]}"#,
            "opt_outs[0].kind",
            "lawful::subject::missing_field",
        ),
    ];
    for (json, field, code) in cases {
        let e = Subject::from_json_str(&p, json, common::now()).unwrap_err();
        assert_eq!((e.field.as_str(), e.code()), (field, code), "{json}: {e}");
    }
}

#[test]
fn the_subject_writer_records_timed_opt_outs_and_forgets_them_on_clear() {
    let p = common::compile("shop.lawful", POLICY);
    let mut writer = SubjectWriter::new(&p, common::now());
    writer
        .region("US-CA")
        .unwrap()
        .opt_out("sale", Some(t("2024-02-01")))
        .unwrap();
    let ads = query(&p, "ads", "orders.email");
    assert_eq!(reason(&p, &ads, writer.subject()), "opted_out");
    assert_eq!(writer.subject().opt_out_records.len(), 1);
    writer.clear().region("US-CA").unwrap();
    assert_eq!(reason(&p, &ads, writer.subject()), "allowed");
    assert!(writer.opt_out("unsubscribe", None).is_err());
}

#[cfg(feature = "ledger-sqlite")]
#[test]
fn the_ledger_folds_opt_outs_into_timed_records() {
    use lawful::ledger::{Event, Ledger};
    let p = common::compile("shop.lawful", POLICY);
    let ledger = Ledger::sqlite_in_memory().unwrap();
    let events = [
        r#"{"subject":"u1","type":"facts","region":"US-CA","at":"2024-01-01"}"#,
        r#"{"subject":"u1","type":"opt_out_made","kind":"marketing","channel":"email","at":"2024-02-01"}"#,
        r#"{"subject":"u1","type":"opt_out_made","kind":"marketing","campaign":"spring-sale","at":"2024-02-01"}"#,
        r#"{"subject":"u1","type":"opt_out_made","kind":"sale","at":"2024-02-01"}"#,
        r#"{"subject":"u1","type":"opt_out_revoked","kind":"sale","at":"2024-03-01"}"#,
    ];
    for text in events {
        let event = Event::from_json_str(&p, text, common::now()).unwrap();
        ledger.record_at(&p, &[event], common::now()).unwrap();
    }
    let s = ledger.materialize(&p, "u1", Some(common::now())).unwrap();
    assert_eq!(s.opt_out_records.len(), 3);
    let email = query(&p, "marketing.email", "orders.email");
    assert_eq!(reason(&p, &email, &s), "opted_out");
    // The campaign opt-out stops a question naming no campaign, not another campaign.
    let sms = query(&p, "marketing.sms", "orders.phone");
    assert_eq!(reason(&p, &sms, &s), "opted_out");
    let summer = sms.for_campaign(Campaign::new("summer"));
    assert_eq!(reason(&p, &summer, &s), "allowed");
    let ads = query(&p, "ads", "orders.email");
    assert_eq!(reason(&p, &ads, &s), "allowed");
    assert_eq!(
        reason(&p, &ads.collected_at(t("2024-01-15")), &s),
        "opted_out"
    );
    // As of before the revocation the sale opt-out is in force.
    let then = ledger.materialize(&p, "u1", Some(t("2024-02-15"))).unwrap();
    assert_eq!(reason(&p, &ads, &then), "opted_out");
    // A channel on a sale opt-out is refused when recorded, and so is a revocation of an
    // opt-out of a campaign that was never made.
    let bad = r#"{"subject":"u1","type":"opt_out_made","kind":"sale","channel":"email","at":"2024-04-01"}"#;
    let event = Event::from_json_str(&p, bad, common::now());
    let refused = event.and_then(|e| ledger.record_at(&p, &[e], common::now()).map(|_| ()));
    assert!(refused.is_err());
    let revoke = r#"{"subject":"u1","type":"opt_out_revoked","kind":"marketing","campaign":"summer","at":"2024-04-01"}"#;
    let event = Event::from_json_str(&p, revoke, common::now()).unwrap();
    let e = ledger.record_at(&p, &[event], common::now()).unwrap_err();
    assert!(e.to_string().contains("none was made"), "{e}");
    assert_eq!(
        ledger.materialize(&p, "u1", Some(common::now())).unwrap(),
        s
    );
}

#[test]
fn the_prover_proves_an_unsubscribe_promise() {
    let text = format!(
        "{POLICY}\nassert never use * for marketing.* when opted_out(marketing)\n\
         assert never use user.health.* for insights when opted_out(limit_sensitive)\n"
    );
    let compiled = lawful::compile_str("shop.lawful", &text);
    assert!(
        compiled.is_ok(),
        "{:?}",
        compiled.err().map(|f| f.diagnostics)
    );
    // Without the unsubscribe rule (an objection-free legitimate interest) the promise is
    // false for the sale opt-out: the prover finds it.
    let broken = format!("{POLICY}\nassert never use * for ads when opted_out(marketing)\n");
    assert!(lawful::compile_str("shop.lawful", &broken).is_err());
}

#[test]
fn the_diff_sees_a_purpose_change_its_channel() {
    let old = common::compile("shop.lawful", POLICY);
    let new = lawful::compile_str(
        "shop.lawful",
        &POLICY.replacen("channel email", "channel push", 1),
    )
    .unwrap()
    .policy;
    let diff = lawful::diff::diff(&old, &new);
    assert!(diff.widened() > 0, "an email opt-out no longer stops it");
    assert!(diff.narrowed() > 0, "a push opt-out now stops it");
    let same = lawful::diff::diff(&old, &common::compile("shop.lawful", POLICY));
    assert!(same.is_empty());
}

#[test]
fn the_notice_offers_the_unsubscribe_and_the_limit_where_the_evaluator_grants_them() {
    let markdown = lawful::docgen::markdown(&common::compile("shop.lawful", POLICY));
    assert!(markdown.contains("direct marketing"), "{markdown}");
    assert!(
        markdown.contains("sensitive personal information"),
        "{markdown}"
    );
}
