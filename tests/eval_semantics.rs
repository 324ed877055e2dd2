//! DESIGN.md § Semantics, step by step, from policy text: each test fails if the step it
//! names is removed from the evaluator. Policies are small and inline; subjects are JSON.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use jiff::Timestamp;
use lawful::eval::{
    Decision, FieldQuery, MaskQuery, Obligation, Query, Reason, RetentionQuery, Verdict,
};
use lawful::model::{Basis, OptOutKind};
use lawful::{Policy, Subject};

const NOW: &str = "2025-01-01T00:00:00Z";

/// Compile `body` after a header and `use std::regions`.
fn compile(body: &str) -> Policy {
    let text = format!("policy \"T\" {{ controller \"T GmbH\" }}\nuse std::regions\n{body}");
    match lawful::compile_str("t.lawful", &text) {
        Ok(compiled) => compiled.policy,
        Err(failed) => panic!("{failed}"),
    }
}

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn subject(policy: &Policy, json: &str) -> Subject {
    Subject::from_json_str(policy, json, now()).unwrap()
}

/// `purpose` using `data` for the subject `json`, in the subject's region.
fn decide(policy: &Policy, purpose: &str, data: &str, json: &str) -> Decision {
    let s = subject(policy, json);
    policy.decide_use_by_name(purpose, data, &s, None).unwrap()
}

fn reason(policy: &Policy, purpose: &str, data: &str, json: &str) -> &'static str {
    decide(policy, purpose, data, json).reason.code()
}

const ADULT_DE: &str = r#"{"region":"DE","age":34}"#;

// ---- step 1 -------------------------------------------------------------------------

#[test]
fn step1_unknown_names_are_errors_never_allows() {
    let p = compile(
        "category user.contact.email
         purpose support { uses user.contact.email basis contract }",
    );
    let s = subject(&p, ADULT_DE);
    let e = p
        .decide_use_by_name("suport", "user.contact.email", &s, None)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown purpose `suport`, did you mean `support`?"
    );
    assert!(p
        .decide_use_by_name("support", "user.contact.emial", &s, None)
        .is_err());
    assert!(p
        .decide_use_by_name("support", "user.contact.email", &s, Some("Germany"))
        .is_err());
    assert!(p
        .decide_use_by_name("support", "user.contact.email", &s, Some("DE"))
        .unwrap()
        .allowed());
}

// ---- step 2 -------------------------------------------------------------------------

#[test]
fn step2_a_purpose_may_use_only_what_it_declares() {
    let p = compile(
        "category user.contact.email
         category user.contact.phone
         field orders.phone: user.contact.phone
         purpose support { uses user.contact.email basis contract }",
    );
    assert_eq!(
        reason(&p, "support", "orders.phone", ADULT_DE),
        "not_declared"
    );
    assert_eq!(
        reason(&p, "support", "user.contact.email", ADULT_DE),
        "allowed"
    );
}

#[test]
fn step2_a_purpose_processes_only_its_subject_kinds() {
    let p = compile(
        "subject kind user
         subject kind family_member
         category user.contact.email
         purpose support { uses user.contact.email subjects user basis contract }",
    );
    let family = r#"{"region":"DE","age":34,"kind":"family_member"}"#;
    assert_eq!(
        reason(&p, "support", "user.contact.email", family),
        "subject_kind"
    );
    // No kind given: the default kind `user`.
    assert_eq!(
        reason(&p, "support", "user.contact.email", ADULT_DE),
        "allowed"
    );
}

// ---- step 3 -------------------------------------------------------------------------

#[test]
fn step3_a_deny_rule_overrides_and_its_exception_lifts_it() {
    let p = compile(
        "attribute verified: bool
         category user.contact.email
         purpose support { uses user.contact.email basis contract }
         deny no_unverified_de: use user.contact.* for support in DE
             except when subject.verified",
    );
    let d = decide(
        &p,
        "support",
        "user.contact.email",
        r#"{"region":"DE","age":34,"attributes":{"verified":false}}"#,
    );
    assert_eq!(d.reason, Reason::DeniedByRule);
    assert_eq!(d.rule_ref(&p).unwrap().name, "no_unverified_de");
    assert_eq!(d.to_json(&p).rule.unwrap().line, 6);
    let verified = r#"{"region":"DE","age":34,"attributes":{"verified":true}}"#;
    assert_eq!(
        reason(&p, "support", "user.contact.email", verified),
        "allowed"
    );
    assert_eq!(
        reason(
            &p,
            "support",
            "user.contact.email",
            r#"{"region":"FR","age":34}"#
        ),
        "allowed"
    );
    // Not saying whether the subject is verified: the exception does not hold.
    assert_eq!(
        reason(&p, "support", "user.contact.email", ADULT_DE),
        "denied_by_rule"
    );
}

// ---- step 4 -------------------------------------------------------------------------

#[test]
fn step4_no_basis_for_the_region_is_denied() {
    let p = compile(
        "category user.contact.email
         purpose news { uses user.contact.email basis contract in DE }",
    );
    assert_eq!(
        reason(&p, "news", "user.contact.email", ADULT_DE),
        "allowed"
    );
    assert_eq!(
        reason(
            &p,
            "news",
            "user.contact.email",
            r#"{"region":"FR","age":34}"#
        ),
        "no_legal_basis"
    );
}

#[test]
fn step4_comes_before_the_subject_checks() {
    let p = compile(
        "category user.contact.email
         purpose news { uses user.contact.email basis consent in DE direct_marketing }",
    );
    let objected = r#"{"region":"FR","age":34,"objections":["news"]}"#;
    assert_eq!(
        reason(&p, "news", "user.contact.email", objected),
        "no_legal_basis"
    );
}

#[test]
fn step4_the_most_specific_scope_wins_and_false_whens_are_skipped() {
    let p = compile(
        "attribute customer: bool
         category user.contact.email
         purpose news {
           uses user.contact.email
           basis contract
           basis consent in EU
           basis legitimate_interest in US-CA when subject.customer
         }",
    );
    assert_eq!(
        reason(&p, "news", "user.contact.email", ADULT_DE),
        "consent_missing"
    );
    let d = decide(
        &p,
        "news",
        "user.contact.email",
        r#"{"region":"US-NY","age":34}"#,
    );
    assert_eq!(d.basis, Some(Basis::Contract));
    let customer = r#"{"region":"US-CA","age":34,"attributes":{"customer":true}}"#;
    assert_eq!(
        decide(&p, "news", "user.contact.email", customer).basis,
        Some(Basis::LegitimateInterest)
    );
    // The US-CA declaration is the most specific one, and its `when` is false.
    let other = r#"{"region":"US-CA","age":34,"attributes":{"customer":false}}"#;
    assert_eq!(
        reason(&p, "news", "user.contact.email", other),
        "no_legal_basis"
    );
}

// ---- step 5 -------------------------------------------------------------------------

const NEWS: &str = "category user.contact.email
    category user.health.weight special
    purpose marketing { uses user.contact.email basis consent }
    purpose marketing.news { uses user.contact.email basis consent in EU }
    purpose health { uses user.health.weight basis consent art9(explicit_consent) }";

#[test]
fn step5_consent_must_be_active_and_covers_descendants() {
    let p = compile(NEWS);
    let d = decide(&p, "marketing.news", "user.contact.email", ADULT_DE);
    assert_eq!(d.reason, Reason::ConsentMissing);
    assert_eq!(
        d.would_change(&p).as_deref(),
        Some("would be allowed with consent to `marketing.news`")
    );
    let given = r#"{"region":"DE","consents":[{"purpose":"marketing","given_at":"2024-01-01"}]}"#;
    let d = decide(&p, "marketing.news", "user.contact.email", given);
    assert_eq!((d.reason, d.basis), (Reason::Allowed, Some(Basis::Consent)));
    assert!(d.obligations.contains(Obligation::HonourWithdrawal));
    let withdrawn = r#"{"region":"DE","consents":[{"purpose":"marketing","given_at":"2024-01-01","withdrawn_at":"2024-02-01"}]}"#;
    assert_eq!(
        reason(&p, "marketing.news", "user.contact.email", withdrawn),
        "consent_withdrawn"
    );
    // Given again after the withdrawal: a second record (one record withdrawn before it was
    // given is an error, `lawful::subject::withdrawn_before_given`).
    let again = r#"{"region":"DE","consents":[{"purpose":"marketing","given_at":"2024-01-01","withdrawn_at":"2024-02-01"},{"purpose":"marketing","given_at":"2024-03-01"}]}"#;
    assert_eq!(
        reason(&p, "marketing.news", "user.contact.email", again),
        "allowed"
    );
    // A consent to a descendant does not cover the parent.
    let child_only =
        r#"{"region":"DE","consents":[{"purpose":"marketing.news","given_at":"2024-01-01"}]}"#;
    assert_eq!(
        reason(&p, "marketing", "user.contact.email", child_only),
        "consent_missing"
    );
}

#[test]
fn step5_special_categories_need_explicit_consent() {
    let p = compile(NEWS);
    let plain = r#"{"region":"DE","consents":[{"purpose":"health","given_at":"2024-01-01"}]}"#;
    let d = decide(&p, "health", "user.health.weight", plain);
    assert_eq!(d.reason, Reason::ConsentMissing);
    assert_eq!(
        d.would_change(&p).as_deref(),
        Some("would be allowed with explicit consent to `health`")
    );
    let explicit = r#"{"region":"DE","consents":[{"purpose":"health","given_at":"2024-01-01","explicit":true}]}"#;
    assert_eq!(
        reason(&p, "health", "user.health.weight", explicit),
        "allowed"
    );
}

#[test]
fn step5_legitimate_interest_fails_on_objection() {
    let p = compile(
        "category user.device.id
         purpose analytics { uses user.device.id basis legitimate_interest }
         purpose analytics.usage { uses user.device.id basis legitimate_interest }",
    );
    let d = decide(&p, "analytics.usage", "user.device.id", ADULT_DE);
    assert_eq!(d.basis, Some(Basis::LegitimateInterest));
    assert!(d.obligations.contains(Obligation::HonourObjection));
    let objected = r#"{"region":"DE","objections":["analytics"]}"#;
    let d = decide(&p, "analytics.usage", "user.device.id", objected);
    assert_eq!(d.reason, Reason::Objected);
    assert!(d.would_change(&p).unwrap().contains("had not objected"));
}

#[test]
fn step5_an_objection_to_direct_marketing_is_absolute() {
    let p = compile(
        "category user.contact.email
         purpose marketing { uses user.contact.email basis consent direct_marketing }",
    );
    let json = r#"{"region":"DE","consents":[{"purpose":"marketing","given_at":"2024-01-01"}],"objections":["marketing"]}"#;
    assert_eq!(
        reason(&p, "marketing", "user.contact.email", json),
        "objected"
    );
}

#[test]
fn step5_opt_out_model() {
    let p = compile(
        "category user.contact.email
         purpose marketing { uses user.contact.email basis opt_out(marketing) }
         purpose ads { uses user.contact.email basis opt_out(sale) }",
    );
    let us = r#"{"region":"US-CA","age":34}"#;
    let d = decide(&p, "marketing", "user.contact.email", us);
    assert_eq!(d.basis, Some(Basis::OptOut(OptOutKind::Marketing)));
    assert!(d
        .obligations
        .contains(Obligation::HonourOptOut(OptOutKind::Marketing)));
    let opted = r#"{"region":"US-CA","opt_outs":["marketing"]}"#;
    assert_eq!(
        reason(&p, "marketing", "user.contact.email", opted),
        "opted_out"
    );
    // Global Privacy Control is an opt-out of sale, not of marketing.
    let gpc = r#"{"region":"US-CA","gpc":true}"#;
    assert_eq!(
        reason(&p, "marketing", "user.contact.email", gpc),
        "allowed"
    );
    assert_eq!(reason(&p, "ads", "user.contact.email", gpc), "opted_out");
}

#[test]
fn step5_alternatives_first_that_holds_is_reported() {
    let p = compile(
        "category user.contact.email
         purpose offers { uses user.contact.email basis consent or legitimate_interest }",
    );
    assert_eq!(
        decide(&p, "offers", "user.contact.email", ADULT_DE).basis,
        Some(Basis::LegitimateInterest)
    );
    let consented = r#"{"region":"DE","consents":[{"purpose":"offers","given_at":"2024-01-01"}]}"#;
    assert_eq!(
        decide(&p, "offers", "user.contact.email", consented).basis,
        Some(Basis::Consent)
    );
    // Neither holds: the first failing alternative's reason.
    let objected = r#"{"region":"DE","objections":["offers"]}"#;
    assert_eq!(
        reason(&p, "offers", "user.contact.email", objected),
        "consent_missing"
    );
}

#[test]
fn step5_withdrawal_taints_data_collected_before_it() {
    let p = compile(
        "category user.contact.email
         purpose news { uses user.contact.email basis consent withdrawal taints prior data }
         purpose plain { uses user.contact.email basis consent }",
    );
    // Each consent withdrawn, then given again.
    let json = r#"{"region":"DE","consents":[
        {"purpose":"news","given_at":"2024-01-01","withdrawn_at":"2024-02-01"},
        {"purpose":"news","given_at":"2024-03-01"},
        {"purpose":"plain","given_at":"2024-01-01","withdrawn_at":"2024-02-01"},
        {"purpose":"plain","given_at":"2024-03-01"}]}"#;
    let s = subject(&p, json);
    let ask = |purpose: &str, collected: &str| {
        let q = Query::new(
            &p,
            p.purpose(purpose).unwrap(),
            p.data("user.contact.email").unwrap(),
        )
        .collected_at(ts(collected));
        p.decide_use(&q, &s).unwrap()
    };
    let d = ask("news", "2024-01-15T00:00:00Z");
    assert_eq!(d.reason, Reason::ConsentWithdrawn);
    assert!(
        d.explain(&p).contains("collected before"),
        "{}",
        d.explain(&p)
    );
    assert!(ask("news", "2024-04-01T00:00:00Z").allowed());
    assert!(ask("plain", "2024-01-15T00:00:00Z").allowed());
}

// ---- step 6 -------------------------------------------------------------------------

#[test]
fn step6_restriction_and_erasure() {
    let p = compile(
        "category user.contact.email
         purpose support { uses user.contact.email basis contract }
         purpose legal { uses user.contact.email basis legal_obligation survives restriction, erasure }",
    );
    let restricted = r#"{"region":"DE","restricted":true}"#;
    assert_eq!(
        reason(&p, "support", "user.contact.email", restricted),
        "restricted"
    );
    assert_eq!(
        reason(&p, "legal", "user.contact.email", restricted),
        "allowed"
    );
    for erased in [
        r#"{"region":"DE","erasure_requested":true}"#,
        r#"{"region":"DE","account_deleted":true}"#,
    ] {
        assert_eq!(
            reason(&p, "support", "user.contact.email", erased),
            "erased"
        );
        assert_eq!(reason(&p, "legal", "user.contact.email", erased), "allowed");
    }
}

// ---- step 7 -------------------------------------------------------------------------

#[test]
fn step7_children() {
    let p = compile(
        "category user.contact.email
         children { under 16 in EU  under 13 in US  unknown age is child  default deny }
         purpose support { uses user.contact.email basis contract }
         purpose games { uses user.contact.email basis contract children require parental_consent }
         purpose legal { uses user.contact.email basis legal_obligation children allow }",
    );
    let kid = r#"{"region":"DE","age":14}"#;
    let d = decide(&p, "support", "user.contact.email", kid);
    assert_eq!(d.reason, Reason::Child);
    assert!(d.explain(&p).contains("under 16"), "{}", d.explain(&p));
    assert_eq!(
        reason(&p, "games", "user.contact.email", kid),
        "parental_consent_missing"
    );
    assert_eq!(
        reason(
            &p,
            "games",
            "user.contact.email",
            r#"{"region":"DE","age":14,"parental_consent":true}"#
        ),
        "allowed"
    );
    assert_eq!(reason(&p, "legal", "user.contact.email", kid), "allowed");
    // 14 is not a child in the US; CN has no threshold in this policy.
    assert_eq!(
        reason(
            &p,
            "support",
            "user.contact.email",
            r#"{"region":"US-CA","age":14}"#
        ),
        "allowed"
    );
    assert_eq!(
        reason(
            &p,
            "support",
            "user.contact.email",
            r#"{"region":"CN","age":5}"#
        ),
        "allowed"
    );
    // Unknown age as the policy says.
    assert_eq!(
        reason(&p, "support", "user.contact.email", r#"{"region":"DE"}"#),
        "child"
    );
    assert_eq!(
        reason(&p, "support", "user.contact.email", ADULT_DE),
        "allowed"
    );
}

#[test]
fn step7_unknown_age_may_be_adult() {
    let p = compile(
        "category user.contact.email
         children { under 16  unknown age is adult }
         purpose support { uses user.contact.email basis contract }",
    );
    assert_eq!(
        reason(&p, "support", "user.contact.email", r#"{"region":"DE"}"#),
        "allowed"
    );
    assert_eq!(
        reason(
            &p,
            "support",
            "user.contact.email",
            r#"{"region":"DE","age":10}"#
        ),
        "child"
    );
}

// ---- step 8 -------------------------------------------------------------------------

#[test]
fn step8_allow_reports_basis_rule_obligations_and_a_sentence() {
    let p = compile(
        "category user.contact.email
         field orders.email: user.contact.email
         purpose news {
           uses user.contact.email
           basis consent in EU
         }
         retain user.contact.email for news at most 2 years after consent_withdrawn",
    );
    let json = r#"{"region":"DE","consents":[{"purpose":"news","given_at":"2024-01-01"}]}"#;
    let d = decide(&p, "news", "orders.email", json);
    let out = d.to_json(&p);
    assert_eq!(out.outcome, "allow");
    assert_eq!(out.reason, "allowed");
    assert_eq!(out.basis.as_deref(), Some("consent"));
    let rule = out.rule.clone().unwrap();
    assert_eq!((rule.file.as_str(), rule.line), ("t.lawful", 7));
    assert_eq!(out.obligations.len(), 2, "{:?}", out.obligations);
    assert_eq!(out.obligations[0], "honour_withdrawal");
    assert!(
        out.obligations[1].starts_with("retain_at_most("),
        "{:?}",
        out.obligations
    );
    assert_eq!(
        out.explanation,
        "`news` may use `orders.email` in `DE` on the basis of consent (the subject consented)."
    );
    assert_eq!(out.would_change, None);
    let text = serde_json::to_value(&out).unwrap();
    for key in [
        "outcome",
        "reason",
        "basis",
        "rule",
        "safeguard",
        "obligations",
        "explanation",
        "would_change",
    ] {
        assert!(text.get(key).is_some(), "{key}");
    }
}

// ---- disclosure ---------------------------------------------------------------------

const SHARING: &str = "category user.contact.email
    category user.health.weight sensitive
    purpose support { uses user.contact.email basis contract }
    purpose news { uses user.contact.email basis consent }
    purpose ads { uses user.contact.email, user.health.weight basis opt_out(sale) }
    recipient aws kind processor located US { purposes support categories user.* }
    recipient broker kind partner { purposes ads categories user.* sale }
    recipient adnet kind ad_network { purposes ads categories user.contact.* sharing when subject.adult }
    recipient mailer kind processor { purposes support, news categories user.contact.* }
    transfer user.* from EU to US with scc
    deny no_sensitive_sale: sell #sensitive
    deny no_mailer_in_fr: disclose user.* to mailer in FR";

fn disclose(p: &Policy, recipient: &str, purpose: &str, data: &str, json: &str) -> Decision {
    let s = subject(p, json);
    p.decide_disclosure_by_name(recipient, purpose, data, &s, None)
        .unwrap()
}

#[test]
fn disclosure_needs_the_use_the_declaration_and_no_deny_rule() {
    let p = compile(SHARING);
    let us = r#"{"region":"US-CA","age":34}"#;
    // The use is denied: that reason.
    let d = disclose(&p, "mailer", "news", "user.contact.email", ADULT_DE);
    assert_eq!(d.reason, Reason::ConsentMissing);
    let opted = r#"{"region":"US-CA","age":34,"opt_outs":["sale"]}"#;
    assert_eq!(
        disclose(&p, "broker", "ads", "user.contact.email", opted).reason,
        Reason::OptedOut
    );
    assert_eq!(
        disclose(&p, "aws", "ads", "user.contact.email", us).reason,
        Reason::RecipientNotDeclared
    );
    assert_eq!(
        disclose(&p, "adnet", "ads", "user.health.weight", us).reason,
        Reason::RecipientNotDeclared
    );
    let d = disclose(&p, "broker", "ads", "user.health.weight", us);
    assert_eq!(d.reason, Reason::DeniedByRule);
    assert_eq!(d.rule_ref(&p).unwrap().name, "no_sensitive_sale");
    let d = disclose(
        &p,
        "mailer",
        "support",
        "user.contact.email",
        r#"{"region":"FR","age":34}"#,
    );
    assert_eq!(d.rule_ref(&p).unwrap().name, "no_mailer_in_fr");
    assert!(disclose(&p, "mailer", "support", "user.contact.email", ADULT_DE).allowed());
    let d = disclose(&p, "broker", "ads", "user.contact.email", us);
    assert!(d.allowed(), "{}", d.explain(&p));
    assert!(d
        .obligations
        .contains(Obligation::HonourOptOut(OptOutKind::Sale)));
}

#[test]
fn a_deny_rule_on_a_disclosure_answers_before_a_denied_use() {
    let p = compile(
        "category user.contact.email
         category user.health.weight sensitive
         subject kind user
         subject kind visitor
         purpose news { uses user.contact.email, user.health.weight basis consent }
         purpose visits { subjects visitor uses user.contact.email basis contract }
         purpose legal { uses user.contact.email basis contract }
         recipient mailer kind processor { purposes news, visits categories user.* }
         deny no_sensitive_sale: sell #sensitive
         deny no_news_to_processors: disclose user.* to kind processor for news
         deny no_mail_use: use user.contact.email for legal
         deny no_legal_disclosure: disclose user.* to * for legal",
    );
    // Without the rule the use's `consent_missing` would answer; the promise wins.
    let d = disclose(&p, "mailer", "news", "user.contact.email", ADULT_DE);
    assert_eq!(d.reason, Reason::DeniedByRule, "{}", d.explain(&p));
    assert_eq!(d.rule_ref(&p).unwrap().name, "no_news_to_processors");
    // The same through a kind with recipients declared, and through one with none (a data
    // broker's business is selling: `deny sell` answers for it).
    let s = subject(&p, ADULT_DE);
    let d = p
        .decide_disclosure_to_kind_by_name("processor", "news", "user.contact.email", &s, None)
        .unwrap();
    assert_eq!(d.reason, Reason::DeniedByRule);
    assert_eq!(d.rule_ref(&p).unwrap().name, "no_news_to_processors");
    let d = p
        .decide_disclosure_to_kind_by_name("data_broker", "news", "user.health.weight", &s, None)
        .unwrap();
    assert_eq!(d.reason, Reason::DeniedByRule, "{}", d.explain(&p));
    assert_eq!(d.rule_ref(&p).unwrap().name, "no_sensitive_sale");
    // With no disclosure rule applying, the use's own denial stands.
    let d = p
        .decide_disclosure_to_kind_by_name("data_broker", "news", "user.contact.email", &s, None)
        .unwrap();
    assert_eq!(d.reason, Reason::ConsentMissing);
    // A use denied by its own deny rule answers with that rule.
    let d = p
        .decide_disclosure_to_kind_by_name("processor", "legal", "user.contact.email", &s, None)
        .unwrap();
    assert_eq!(d.rule_ref(&p).unwrap().name, "no_mail_use");
    // A subject the purpose does not process at all keeps `subject_kind` (step 2 before 3).
    let d = disclose(&p, "mailer", "visits", "user.contact.email", ADULT_DE);
    assert_eq!(d.reason, Reason::SubjectKind);
}

#[test]
fn disclosure_sale_and_sharing_respect_opt_outs_and_conditions() {
    let p = compile(
        "category user.contact.email
         purpose ads { uses user.contact.email basis contract }
         recipient broker kind partner { purposes ads categories user.* sale }
         recipient adnet kind ad_network { purposes ads categories user.* sharing when subject.adult }
         children { under 13 unknown age is child default allow }",
    );
    let us = r#"{"region":"US-CA","age":34}"#;
    assert!(disclose(&p, "broker", "ads", "user.contact.email", us).allowed());
    let gpc = r#"{"region":"US-CA","age":34,"gpc":true}"#;
    let d = disclose(&p, "broker", "ads", "user.contact.email", gpc);
    assert_eq!(d.reason, Reason::OptedOut);
    assert_eq!(
        d.would_change(&p).as_deref(),
        Some("would be allowed without the Global Privacy Control signal")
    );
    let targeted = r#"{"region":"US-CA","age":34,"opt_outs":["targeted_advertising"]}"#;
    assert!(disclose(&p, "broker", "ads", "user.contact.email", targeted).allowed());
    assert_eq!(
        disclose(&p, "adnet", "ads", "user.contact.email", targeted).reason,
        Reason::OptedOut
    );
    assert!(disclose(&p, "adnet", "ads", "user.contact.email", us).allowed());
    let kid = r#"{"region":"US-CA","age":10}"#;
    assert!(decide(&p, "ads", "user.contact.email", kid).allowed());
    assert_eq!(
        disclose(&p, "adnet", "ads", "user.contact.email", kid).reason,
        Reason::RecipientCondition
    );
}

#[test]
fn disclosure_checks_the_transfer_to_the_recipient() {
    let p = compile(SHARING);
    let d = disclose(&p, "aws", "support", "user.contact.email", ADULT_DE);
    assert!(d.allowed());
    assert_eq!(d.safeguard(&p), Some("scc"));
    let d = disclose(
        &p,
        "aws",
        "support",
        "user.contact.email",
        r#"{"region":"CN","age":34}"#,
    );
    assert_eq!(d.reason, Reason::TransferForbidden);
    assert!(
        d.explain(&p).contains("where `aws` is located"),
        "{}",
        d.explain(&p)
    );
}

#[test]
fn disclosure_to_a_recipient_of_undeclared_location_fails_closed_under_localisation() {
    let p = compile(
        "category user.contact.email
         category user.device.id
         purpose support { uses user.* basis contract }
         recipient helpdesk kind processor { purposes support categories user.* }
         recipient cn_helpdesk kind processor located CN { purposes support categories user.* }
         localize user.contact.* in CN
         recipient regulator kind authority located local { purposes support categories user.* }",
    );
    let cn = r#"{"region":"CN","age":34}"#;
    let d = disclose(&p, "helpdesk", "support", "user.contact.email", cn);
    assert_eq!(d.reason, Reason::Localized);
    assert!(d.detail.location_undeclared);
    let json = d.to_json(&p);
    assert_eq!(json.rule.unwrap().line, 8);
    assert!(
        json.explanation
            .ends_with("and the policy does not declare where `helpdesk` is located."),
        "{}",
        json.explanation
    );
    assert!(disclose(&p, "cn_helpdesk", "support", "user.contact.email", cn).allowed());
    // `located local`: wherever the subject is, so the data does not leave the region.
    assert!(disclose(&p, "regulator", "support", "user.contact.email", cn).allowed());
    assert!(disclose(&p, "helpdesk", "support", "user.device.id", cn).allowed());
    assert!(disclose(&p, "helpdesk", "support", "user.contact.email", ADULT_DE).allowed());
}

#[test]
fn purpose_level_denials_point_at_the_purpose_declaration() {
    let p = compile(
        "category user.contact.email
         category user.device.id
         purpose support { uses user.contact.email basis contract }",
    );
    let d = decide(&p, "support", "user.device.id", ADULT_DE);
    assert_eq!(d.reason, Reason::NotDeclared);
    let rule = d.to_json(&p).rule.unwrap();
    assert_eq!(
        (rule.name.as_str(), rule.line, rule.column),
        ("support", 5, 18)
    );
    let d = decide(
        &p,
        "support",
        "user.contact.email",
        r#"{"region":"DE","restricted":true}"#,
    );
    assert_eq!(d.reason, Reason::Restricted);
    assert_eq!(d.to_json(&p).rule.unwrap().line, 5);
}

// ---- transfer -----------------------------------------------------------------------

#[test]
fn transfers() {
    let p = compile(
        "category user.contact.email
         category user.health.weight special
         transfer user.* from EU to US with scc
         transfer user.* from CN to * with standard_contract
         localize user.health.* in CN
         deny no_health_to_us: transfer user.health.* from * to US except to US-CA",
    );
    let t = |data: &str, from: &str, to: &str| p.decide_transfer_by_name(data, from, to).unwrap();
    let d = t("user.contact.email", "DE", "US");
    assert_eq!((d.reason, d.safeguard(&p)), (Reason::Allowed, Some("scc")));
    // Domestic: no rule needed, no safeguard.
    let d = t("user.contact.email", "US", "US-CA");
    assert!(d.allowed() && d.detail.domestic && d.safeguard(&p).is_none());
    assert_eq!(
        t("user.contact.email", "US", "DE").reason,
        Reason::TransferForbidden
    );
    assert_eq!(
        t("user.health.weight", "CN", "DE").reason,
        Reason::Localized
    );
    assert_eq!(
        t("user.contact.email", "CN", "DE").safeguard(&p),
        Some("standard_contract")
    );
    assert_eq!(
        t("user.health.weight", "DE", "US").reason,
        Reason::DeniedByRule
    );
    assert!(t("user.health.weight", "DE", "US-CA").allowed());
}

// ---- retention ----------------------------------------------------------------------

#[test]
fn retention() {
    let p = compile(
        "category user.transaction.amount
         retain user.transaction.* at least 3 years after transaction_completed in CN
         retain user.* at most 5 years after transaction_completed",
    );
    let category = p.category("user.transaction.amount").unwrap();
    let completed = p.event("transaction_completed").unwrap();
    let events = [(completed, ts("2023-01-01T00:00:00Z"))];
    let ask = |region: &str, now: &str, events: &[_]| {
        let query = RetentionQuery::new(&p, category, p.region(region).unwrap(), ts(now));
        p.decide_retention(&query.with_events(events)).unwrap()
    };
    let d = ask("CN", "2024-01-01T00:00:00Z", &events);
    assert_eq!(
        (d.verdict, d.date),
        (Verdict::MustKeep, Some(ts("2026-01-01T00:00:00Z")))
    );
    assert_eq!(d.to_json(&p).verdict, "must_keep");
    let d = ask("DE", "2024-01-01T00:00:00Z", &events);
    assert_eq!(
        (d.verdict, d.date),
        (Verdict::MayKeep, Some(ts("2028-01-01T00:00:00Z")))
    );
    let d = ask("DE", "2029-01-01T00:00:00Z", &events);
    assert_eq!(d.verdict, Verdict::MustDelete);
    let d = ask("CN", "2024-01-01T00:00:00Z", &[]);
    assert_eq!((d.verdict, d.date), (Verdict::MustKeep, None));
}

// ---- field mask ---------------------------------------------------------------------

#[test]
fn field_mask() {
    let p = compile(
        "category user.contact.email
         category user.contact.phone
         field orders.email: user.contact.email
         field orders.phone: user.contact.phone
         purpose support { uses user.contact.* basis contract }
         purpose news { uses user.contact.email basis legitimate_interest }",
    );
    let s = subject(&p, ADULT_DE);
    let fields = [
        p.field("orders.email").unwrap(),
        p.field("orders.phone").unwrap(),
    ];
    let mut allowed = [false; 2];
    let news = p.purpose("news").unwrap();
    assert_eq!(
        p.field_mask(&MaskQuery::new(&p, news, &fields), &s, &mut allowed),
        Ok(1)
    );
    assert_eq!(allowed, [true, false]);
    let names: Vec<&str> = p
        .purposes_for_field(&FieldQuery::new(&p, fields[0]), &s)
        .unwrap()
        .map(|id| p.purpose_name(id))
        .collect();
    assert_eq!(names, vec!["support", "news"]);
}

// ---- policy tests -------------------------------------------------------------------

#[test]
fn the_test_runner_reports_each_failing_expectation() {
    let p = compile(
        r#"category user.contact.email
         category user.transaction.amount
         field orders.email: user.contact.email
         purpose news { uses user.contact.email basis consent }
         transfer user.* from EU to US with scc
         retain user.transaction.* at least 3 years after transaction_completed in CN
         test "passes" {
           subject { region DE age 34 consent news at 2024-01-01 }
           expect allow use orders.email for news basis consent
           expect deny not_declared use user.transaction.amount for news
           expect allow transfer user.contact.email from DE to US with scc
           expect retention user.transaction.* in CN
               events { transaction_completed 2023-01-01 } now 2024-01-01
               must_keep until 2026-01-01
         }
         test "fails" {
           subject { region DE age 34 }
           expect allow use orders.email for news
           expect deny consent_withdrawn use orders.email for news
         }"#,
    );
    let report = lawful::testing::run_tests(&p);
    assert_eq!(
        (report.tests, report.passed, report.failed),
        (2, 4, 2),
        "{report:#?}"
    );
    let first = &report.failures[0];
    assert_eq!(first.test, "fails");
    assert_eq!(first.expected.outcome, "allow");
    assert_eq!(first.actual.outcome, "deny");
    assert_eq!(first.actual.reason.as_deref(), Some("consent_missing"));
    assert_eq!(first.mismatched, vec!["outcome"]);
    assert!(
        first.explanation.contains("has not given consent"),
        "{}",
        first.explanation
    );
    assert_eq!(report.failures[1].mismatched, vec!["reason"]);
}

// ---- JSON -----------------------------------------------------------------------------

/// The renderer's fast path writes exactly what serialising `Decision::to_json` writes,
/// for every use and disclosure question of the richest seed policy.
#[test]
fn the_json_renderer_matches_to_json() {
    use lawful::eval::{DataRef, JsonRenderer};
    use lawful::model::{FieldId, PurposeId, RecipientId};

    let p = lawful::compile_file("policies/anker.lawful")
        .unwrap()
        .policy;
    let mut renderer = JsonRenderer::new(&p);
    let subjects = [
        r#"{"region":"DE","age":34}"#,
        r#"{"region":"US-CA","age":15,"gpc":true,"opt_outs":["sale"]}"#,
        r#"{"region":"FR","restricted":true,"objections":["marketing"]}"#,
        r#"{"region":"CN","consents":[{"purpose":"analytics","given_at":"2024-01-01","withdrawn_at":"2024-02-01"}]}"#,
    ];
    let mut checked = 0;
    let mut buffer = Vec::new();
    for json in subjects {
        let s = subject(&p, json);
        for purpose in (0..p.purposes().len() as u32).map(PurposeId) {
            for field in (0..p.fields().len() as u32).map(FieldId) {
                let mut questions = vec![Query::new(&p, purpose, DataRef::Field(field))];
                if field.0 % 11 == 0 {
                    questions.extend((0..p.recipients().len() as u32).map(|r| {
                        Query::new(&p, purpose, DataRef::Field(field)).to_recipient(RecipientId(r))
                    }));
                }
                for q in questions {
                    let d = p.decide(&q, &s).unwrap();
                    buffer.clear();
                    renderer.write_decision(&d, &mut buffer);
                    let expected = serde_json::to_vec(&d.to_json(&p)).unwrap();
                    assert_eq!(
                        String::from_utf8_lossy(&buffer),
                        String::from_utf8_lossy(&expected)
                    );
                    assert_eq!(renderer.decision(&d), d.to_json(&p));
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 5_000, "{checked}");
}

// ---- circumstances, knowledge, objection overrides ------------------------------------

const CIRCUMSTANCES: &str = "use std::circumstances
     category user.contact.email
     category user.transaction
     purpose support {
       uses user.contact.email
       basis contract when circumstance.permitted_by_law
     }
     purpose claims {
       uses user.contact.email
       basis legitimate_interest overrides objection when circumstance.legal_claims_brought
     }
     purpose merger { uses user.* basis legitimate_interest }
     recipient buyer kind acquirer located US {
       purposes merger
       categories user.*
       when circumstance.business_transfer_in_progress
     }
     deny no_known_child_sale: disclose * to kind acquirer when known subject.age < 16
     deny no_child_sale: disclose * to kind acquirer when subject.age < 13
         except when circumstance.required_by_law
     localize user.* in CN except when circumstance.export_permitted_by_law
     transfer user.* from CN to US with security_assessment
         when circumstance.export_permitted_by_law
     transfer user.* from EU to US with scc
     retain user.* at most 1 year after account_closed when not circumstance.legal_claims_brought";

fn given(policy: &Policy, names: &[&str]) -> lawful::model::Circumstances {
    policy.circumstances_named(names.iter().copied()).unwrap()
}

#[test]
fn a_circumstance_holds_only_when_the_question_gives_it() {
    let p = compile(CIRCUMSTANCES);
    let s = subject(&p, ADULT_DE);
    let q = Query::new(
        &p,
        p.purpose("support").unwrap(),
        p.category("user.contact.email").unwrap(),
    );
    assert_eq!(p.decide(&q, &s).unwrap().reason, Reason::NoLegalBasis);
    let with = q.given(p.circumstance("permitted_by_law").unwrap());
    let d = p.decide(&with, &s).unwrap();
    assert!(d.allowed(), "{}", d.explain(&p));
    // Another circumstance does not stand in for it.
    let other = q.with_circumstances(given(&p, &["required_by_law", "legal_claims_brought"]));
    assert_eq!(p.decide(&other, &s).unwrap().reason, Reason::NoLegalBasis);
}

#[test]
fn an_unknown_circumstance_is_an_error_with_a_suggestion() {
    let p = compile(CIRCUMSTANCES);
    let error = p.circumstance("permited_by_law").unwrap_err();
    assert_eq!(error.kind.code(), "lawful::eval::unknown_circumstance");
    assert!(error.to_string().contains("permitted_by_law"), "{error}");
    assert!(p.circumstances_named(["required_by_law", "nope"]).is_err());
}

#[test]
fn recipient_conditions_and_rule_exceptions_read_circumstances() {
    let p = compile(CIRCUMSTANCES);
    let disclose = |json: &str, names: &[&str]| {
        let q = Query::new(
            &p,
            p.purpose("merger").unwrap(),
            p.category("user.transaction").unwrap(),
        )
        .in_region(p.region("DE").unwrap())
        .to_recipient(p.recipient("buyer").unwrap())
        .with_circumstances(given(&p, names));
        p.decide(&q, &subject(&p, json)).unwrap()
    };
    let merger = ["business_transfer_in_progress"];
    assert_eq!(disclose(ADULT_DE, &[]).reason, Reason::RecipientCondition);
    assert!(disclose(ADULT_DE, &merger).allowed());
    // Age 12: both rules; the known-under-16 rule comes first.
    let child = r#"{"region":"DE","age":12}"#;
    assert_eq!(disclose(child, &merger).reason, Reason::DeniedByRule);
    let both = ["business_transfer_in_progress", "required_by_law"];
    assert_eq!(disclose(child, &both).reason, Reason::DeniedByRule);
}

#[test]
fn known_tells_a_known_age_from_an_unknown_one() {
    let p = compile(CIRCUMSTANCES);
    let merger = given(&p, &["business_transfer_in_progress", "required_by_law"]);
    let disclose = |json: &str| {
        let q = Query::new(
            &p,
            p.purpose("merger").unwrap(),
            p.category("user.transaction").unwrap(),
        )
        .in_region(p.region("DE").unwrap())
        .to_recipient(p.recipient("buyer").unwrap())
        .with_circumstances(merger);
        p.decide(&q, &subject(&p, json)).unwrap()
    };
    // Unknown age: not known to be under 16, so `known` does not deny …
    let unknown = disclose(r#"{"region":"DE"}"#);
    assert!(unknown.allowed(), "{}", unknown.explain(&p));
    // … while a known 15-year-old is denied, and a known 16-year-old is not.
    assert_eq!(
        disclose(r#"{"region":"DE","age":15}"#).reason,
        Reason::DeniedByRule
    );
    assert!(disclose(r#"{"region":"DE","age":16}"#).allowed());
    // Without `known`, an unknown age fails closed: `subject.age < 13` applies to it.
    let plain = disclose(r#"{"region":"DE"}"#);
    let no_except = given(&p, &["business_transfer_in_progress"]);
    let q = Query::new(
        &p,
        p.purpose("merger").unwrap(),
        p.category("user.transaction").unwrap(),
    )
    .in_region(p.region("DE").unwrap())
    .to_recipient(p.recipient("buyer").unwrap())
    .with_circumstances(no_except);
    let unknown_age = subject(&p, r#"{"region":"DE"}"#);
    assert_eq!(
        p.decide(&q, &unknown_age).unwrap().reason,
        Reason::DeniedByRule
    );
    assert!(plain.allowed());
}

#[test]
fn an_objection_yields_to_the_override_only_in_its_circumstances() {
    let p = compile(CIRCUMSTANCES);
    let s = subject(&p, r#"{"region":"DE","age":40,"objections":["claims"]}"#);
    let q = Query::new(
        &p,
        p.purpose("claims").unwrap(),
        p.category("user.contact.email").unwrap(),
    );
    assert_eq!(p.decide(&q, &s).unwrap().reason, Reason::Objected);
    let claim = q.given(p.circumstance("legal_claims_brought").unwrap());
    let d = p.decide(&claim, &s).unwrap();
    assert!(d.allowed());
    assert_eq!(d.basis, Some(Basis::LegitimateInterest));
    assert!(d.detail.objection_overridden);
    assert!(d.explain(&p).contains("overrides"), "{}", d.explain(&p));
    // No objection: allowed, and nothing was overridden.
    let d = p.decide(&claim, &subject(&p, ADULT_DE)).unwrap();
    assert!(d.allowed() && !d.detail.objection_overridden);
}

#[test]
fn localisation_transfers_and_retention_read_circumstances() {
    let p = compile(CIRCUMSTANCES);
    let email = p.category("user.contact.email").unwrap();
    let (cn, us) = (p.region("CN").unwrap(), p.region("US").unwrap());
    let transfer = lawful::eval::TransferQuery::new(&p, email, cn, us);
    assert_eq!(
        p.decide_transfer(&transfer).unwrap().reason,
        Reason::Localized
    );
    let export = transfer.given(p.circumstance("export_permitted_by_law").unwrap());
    let d = p.decide_transfer(&export).unwrap();
    assert!(d.allowed());
    assert_eq!(d.safeguard(&p), Some("security_assessment"));

    let closed = [(
        p.event("account_closed").unwrap(),
        ts("2023-01-01T00:00:00Z"),
    )];
    let retention =
        RetentionQuery::new(&p, email, p.region("DE").unwrap(), now()).with_events(&closed);
    let d = p.decide_retention(&retention).unwrap();
    assert_eq!(d.verdict, Verdict::MustDelete);
    let hold = retention.given(p.circumstance("legal_claims_brought").unwrap());
    let d = p.decide_retention(&hold).unwrap();
    assert_eq!(d.verdict, Verdict::MayKeep);
    assert_eq!(d.date, None);
}
