//! Unit tests of the evaluator on hand-built policies (see `fixture`). The semantics are
//! also tested end to end, from policy text, in `tests/eval_semantics.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use jiff::{Span as Period, Timestamp};

use super::fixture::Fx;
use super::*;
use crate::model::*;
use crate::subject::{ConsentRecord, Subject};

/// Ids of the base policy.
struct Shop {
    eu: RegionId,
    de: RegionId,
    us: RegionId,
    us_ca: RegionId,
    cn: RegionId,
    email: CategoryId,
    weight: CategoryId,
    device: CategoryId,
    orders_email: FieldId,
    health_weight: FieldId,
    service: PurposeId,
    marketing: PurposeId,
    direct: PurposeId,
    analytics: PurposeId,
    health: PurposeId,
}

/// regions EU{DE, FR}, US{US-CA}, CN; categories user.contact.email,
/// user.health.weight (special), user.device.id; purposes:
/// - essential.service uses user.*, basis contract
/// - marketing.direct uses user.contact, basis consent in EU, opt_out(marketing) in US
/// - analytics uses user.device, basis legitimate_interest
/// - health.tracking uses user.health, basis consent
fn shop() -> (Fx, Shop) {
    let mut fx = Fx::new();
    let eu = fx.region("EU", &[]);
    let de = fx.region("DE", &[eu]);
    let _fr = fx.region("FR", &[eu]);
    let us = fx.region("US", &[]);
    let us_ca = fx.region("US-CA", &[us]);
    let cn = fx.region("CN", &[]);
    let email = fx.category("user.contact.email", &[]);
    let weight = fx.category("user.health.weight", &[FLAG_SPECIAL]);
    let device = fx.category("user.device.id", &[]);
    let user = fx.category("user", &[]);
    let contact = fx.category("user.contact", &[]);
    let health_cat = fx.category("user.health", &[]);
    let device_cat = fx.category("user.device", &[]);
    let orders_email = fx.field("orders.email", email);
    let health_weight = fx.field("health.weight", weight);
    let service = fx.purpose("essential.service", &[user]);
    fx.basis(service, &[Basis::Contract], &[], None);
    let direct = fx.purpose("marketing.direct", &[contact]);
    let marketing = fx.p.purpose("marketing").unwrap_or(PurposeId(0));
    let marketing = fx.p.index.purposes.get("marketing").unwrap_or(marketing);
    fx.basis(direct, &[Basis::Consent], &[eu], None);
    fx.basis(direct, &[Basis::OptOut(OptOutKind::Marketing)], &[us], None);
    let analytics = fx.purpose("analytics", &[device_cat]);
    fx.basis(analytics, &[Basis::LegitimateInterest], &[], None);
    let health = fx.purpose("health.tracking", &[health_cat]);
    fx.basis(health, &[Basis::Consent], &[], None);
    let ids = Shop {
        eu,
        de,
        us,
        us_ca,
        cn,
        email,
        weight,
        device,
        orders_email,
        health_weight,
        service,
        marketing,
        direct,
        analytics,
        health,
    };
    (fx, ids)
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn adult(policy: &Policy, region: RegionId) -> Subject {
    Subject {
        region: Some(region),
        age: Some(34),
        ..Subject::new(policy)
    }
}

fn consent(purpose: PurposeId, given: &str) -> ConsentRecord {
    ConsentRecord {
        purpose,
        given_at: Some(ts(given)),
        withdrawn_at: None,
        explicit: false,
    }
}

fn use_(
    policy: &Policy,
    purpose: PurposeId,
    data: impl Into<DataRef>,
    subject: &Subject,
) -> Decision {
    policy
        .decide_use(&Query::new(policy, purpose, data), subject)
        .unwrap()
}

// ---- step 1: names ------------------------------------------------------------------

#[test]
fn unknown_names_are_errors_with_suggestions() {
    let (fx, _) = shop();
    let p = fx.build();
    let e = p.purpose("marketing.drect").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown purpose `marketing.drect`, did you mean `marketing.direct`?"
    );
    assert_eq!(e.code(), "lawful::eval::unknown_purpose");
    assert_eq!(
        p.region("de").unwrap_err().suggestion.as_deref(),
        Some("DE")
    );
    assert!(p.field("zzz").unwrap_err().suggestion.is_none());
    assert_eq!(p.data("orders.email").unwrap(), DataRef::Field(FieldId(0)));
    assert!(matches!(
        p.data("user.contact.email").unwrap(),
        DataRef::Category(_)
    ));
    let e = p
        .decide_use_by_name(
            "marketing.direct",
            "orders.emial",
            &Subject::new(&p),
            Some("DE"),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown field or category `orders.emial`, did you mean `orders.email`?"
    );
}

#[test]
fn foreign_ids_and_missing_region_are_errors() {
    let (fx, s) = shop();
    let p = fx.build();
    let subject = adult(&p, s.de);
    let q = Query::new(&p, PurposeId(999), s.orders_email);
    assert_eq!(
        p.decide_use(&q, &subject),
        Err(QueryError::ForeignId {
            kind: "purpose",
            id: 999
        })
    );
    let q = Query::new(&p, s.service, FieldId(999));
    assert!(matches!(
        p.decide_use(&q, &subject),
        Err(QueryError::ForeignId { kind: "field", .. })
    ));
    let q = Query::new(&p, s.service, s.orders_email).in_region(RegionId(999));
    assert!(p.decide_use(&q, &subject).is_err());
    let q = Query::new(&p, s.service, s.orders_email);
    assert_eq!(
        p.decide_use(&q, &Subject::new(&p)),
        Err(QueryError::NoRegion)
    );
    assert!(p
        .decide_transfer(&TransferQuery::new(&p, CategoryId(999), s.de, s.us))
        .is_err());
    assert!(p.decide_disclosure(RecipientId(9), &q, &subject).is_err());
}

// ---- step 2: closed world -------------------------------------------------------------

#[test]
fn undeclared_category_is_denied() {
    let (fx, s) = shop();
    let p = fx.build();
    let d = use_(&p, s.analytics, s.orders_email, &adult(&p, s.de));
    assert_eq!(d.reason, Reason::NotDeclared);
    assert!(!d.allowed());
    assert!(use_(&p, s.analytics, s.device, &adult(&p, s.de)).allowed());
}

#[test]
fn subject_kind_outside_the_purpose_is_denied() {
    let (mut fx, s) = shop();
    let user = fx.subject_kind("user");
    let family = fx.subject_kind("family_member");
    let mut kinds = IdSet::new(2);
    kinds.insert(user.index());
    fx.purpose_mut(s.service).subjects = Some(kinds);
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    // No kind given: the default kind `user`.
    assert!(use_(&p, s.service, s.orders_email, &subject).allowed());
    subject.kind = Some(family);
    assert_eq!(
        use_(&p, s.service, s.orders_email, &subject).reason,
        Reason::SubjectKind
    );
}

// ---- step 3: deny rules ---------------------------------------------------------------

#[test]
fn deny_rules_override_and_exceptions_lift_them() {
    let (mut fx, s) = shop();
    let cats = fx.cats(&[s.email]);
    let purposes = fx.purposes(&[s.service]);
    let rule = fx.rule(
        "no_email_in_cn",
        RuleAction::Use {
            purposes: purposes.clone(),
        },
        cats.clone(),
        Some(fx.regions(&[s.cn])),
        None,
        vec![],
    );
    // `when subject.age < 18 except when parental_consent`
    let minors = fx.rule(
        "no_minors",
        RuleAction::Use { purposes },
        cats,
        None,
        Some(Cond::Is(Predicate::Age(crate::model::CmpOp::Lt, 18))),
        vec![Except {
            when: Some(Cond::Is(Predicate::ParentalConsent)),
            purposes: None,
            regions: None,
            to_regions: None,
            recipients: None,
        }],
    );
    let p = fx.build();
    let d = use_(&p, s.service, s.orders_email, &adult(&p, s.cn));
    assert_eq!((d.reason, d.rule), (Reason::DeniedByRule, Some(rule)));
    assert!(use_(&p, s.service, s.orders_email, &adult(&p, s.de)).allowed());

    let mut teen = adult(&p, s.de);
    teen.age = Some(15);
    let d = use_(&p, s.service, s.orders_email, &teen);
    assert_eq!((d.reason, d.rule), (Reason::DeniedByRule, Some(minors)));
    teen.parental_consent = true;
    assert!(use_(&p, s.service, s.orders_email, &teen).allowed());

    // Unknown age: the rule's `when` is unknown, so it applies (fail closed).
    let mut unknown = adult(&p, s.de);
    unknown.age = None;
    assert_eq!(
        use_(&p, s.service, s.orders_email, &unknown).reason,
        Reason::DeniedByRule
    );
}

#[test]
fn exception_parts_about_other_questions_do_not_hold_for_a_use() {
    let (mut fx, s) = shop();
    let cats = fx.cats(&[s.email]);
    let purposes = fx.purposes(&[s.service]);
    let to = fx.regions(&[s.de]);
    fx.rule(
        "r",
        RuleAction::Use { purposes },
        cats,
        None,
        None,
        vec![Except {
            when: None,
            purposes: None,
            regions: None,
            to_regions: Some(to),
            recipients: None,
        }],
    );
    let p = fx.build();
    assert_eq!(
        use_(&p, s.service, s.orders_email, &adult(&p, s.de)).reason,
        Reason::DeniedByRule
    );
}

// ---- step 4: basis choice -------------------------------------------------------------

#[test]
fn no_basis_for_the_region_is_denied() {
    let (fx, s) = shop();
    let p = fx.build();
    let d = use_(&p, s.direct, s.orders_email, &adult(&p, s.cn));
    assert_eq!(d.reason, Reason::NoLegalBasis);
}

#[test]
fn no_basis_comes_before_the_subject_checks() {
    let (mut fx, s) = shop();
    fx.purpose_mut(s.direct).direct_marketing = true;
    let p = fx.build();
    let mut subject = adult(&p, s.cn);
    subject.objections.push(s.direct);
    assert_eq!(
        use_(&p, s.direct, s.email, &subject).reason,
        Reason::NoLegalBasis
    );
}

#[test]
fn basis_whose_when_is_false_or_unknown_is_skipped() {
    let (mut fx, s) = shop();
    let verified = fx.attribute("verified", AttributeType::Bool);
    let p2 = fx.purpose("loyalty", &[s.email]);
    fx.basis(
        p2,
        &[Basis::Contract],
        &[],
        Some(Cond::Is(Predicate::AttrTrue(verified))),
    );
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    subject.attributes = vec![None];
    assert_eq!(use_(&p, p2, s.email, &subject).reason, Reason::NoLegalBasis);
    subject.attributes = vec![Some(AttrValue::Bool(false))];
    assert_eq!(use_(&p, p2, s.email, &subject).reason, Reason::NoLegalBasis);
    subject.attributes = vec![Some(AttrValue::Bool(true))];
    assert_eq!(use_(&p, p2, s.email, &subject).basis, Some(Basis::Contract));
}

#[test]
fn most_specific_scope_wins() {
    let (mut fx, s) = shop();
    fx.basis(s.direct, &[Basis::Contract], &[], None);
    fx.basis(s.direct, &[Basis::LegitimateInterest], &[s.us_ca], None);
    let p = fx.build();
    // EU: consent (EU beats everywhere); CN: contract; US-CA: legitimate interest.
    assert_eq!(
        use_(&p, s.direct, s.email, &adult(&p, s.de)).reason,
        Reason::ConsentMissing
    );
    assert_eq!(
        use_(&p, s.direct, s.email, &adult(&p, s.cn)).basis,
        Some(Basis::Contract)
    );
    assert_eq!(
        use_(&p, s.direct, s.email, &adult(&p, s.us_ca)).basis,
        Some(Basis::LegitimateInterest)
    );
}

// ---- step 5: the subject's side -------------------------------------------------------

#[test]
fn consent_is_needed_and_covers_descendants() {
    let (fx, s) = shop();
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    let d = use_(&p, s.direct, s.orders_email, &subject);
    assert_eq!(d.reason, Reason::ConsentMissing);
    assert_eq!(
        d.would_change(&p).as_deref(),
        Some("would be allowed with consent to `marketing.direct`")
    );
    subject
        .consents
        .push(consent(s.marketing, "2024-01-01T00:00:00Z"));
    let d = use_(&p, s.direct, s.orders_email, &subject);
    assert!(d.allowed(), "{}", d.explain(&p));
    assert_eq!(d.basis, Some(Basis::Consent));
    assert!(d.obligations.contains(Obligation::HonourWithdrawal));
}

#[test]
fn special_categories_need_explicit_consent() {
    let (fx, s) = shop();
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    subject
        .consents
        .push(consent(s.health, "2024-01-01T00:00:00Z"));
    let d = use_(&p, s.health, s.health_weight, &subject);
    assert_eq!(d.reason, Reason::ConsentMissing);
    assert!(d.detail.explicit_required);
    assert_eq!(
        d.would_change(&p).as_deref(),
        Some("would be allowed with explicit consent to `health.tracking`")
    );
    subject.consents[0].explicit = true;
    assert!(use_(&p, s.health, s.weight, &subject).allowed());
}

#[test]
fn withdrawn_consent_and_consent_given_again() {
    let (fx, s) = shop();
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    let mut record = consent(s.direct, "2024-01-01T00:00:00Z");
    record.withdrawn_at = Some(ts("2024-03-01T00:00:00Z"));
    subject.consents.push(record);
    assert_eq!(
        use_(&p, s.direct, s.email, &subject).reason,
        Reason::ConsentWithdrawn
    );
    subject.consents[0].given_at = Some(ts("2024-04-01T00:00:00Z"));
    assert!(use_(&p, s.direct, s.email, &subject).allowed());
}

#[test]
fn withdrawal_taints_data_collected_before_it() {
    let (mut fx, s) = shop();
    fx.purpose_mut(s.direct).taints_prior_data = true;
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    let mut record = consent(s.direct, "2024-04-01T00:00:00Z");
    record.withdrawn_at = Some(ts("2024-03-01T00:00:00Z"));
    subject.consents.push(record);
    let before = Query::new(&p, s.direct, s.email).collected_at(ts("2024-02-01T00:00:00Z"));
    let after = Query::new(&p, s.direct, s.email).collected_at(ts("2024-05-01T00:00:00Z"));
    let d = p.decide_use(&before, &subject).unwrap();
    assert_eq!(d.reason, Reason::ConsentWithdrawn);
    assert!(d.detail.tainted);
    assert!(p.decide_use(&after, &subject).unwrap().allowed());
    // Without a collection time the query cannot be tainted.
    assert!(use_(&p, s.direct, s.email, &subject).allowed());
}

#[test]
fn legitimate_interest_fails_on_objection_to_purpose_or_ancestor() {
    let (fx, s) = shop();
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    let d = use_(&p, s.analytics, s.device, &subject);
    assert_eq!(d.basis, Some(Basis::LegitimateInterest));
    assert!(d.obligations.contains(Obligation::HonourObjection));
    subject.objections.push(s.analytics);
    let d = use_(&p, s.analytics, s.device, &subject);
    assert_eq!(d.reason, Reason::Objected);
    assert_eq!(
        d.would_change(&p).as_deref(),
        Some("would be allowed if the subject had not objected to `analytics`")
    );
}

#[test]
fn objection_to_direct_marketing_is_absolute() {
    let (mut fx, s) = shop();
    fx.purpose_mut(s.direct).direct_marketing = true;
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    subject
        .consents
        .push(consent(s.direct, "2024-01-01T00:00:00Z"));
    assert!(use_(&p, s.direct, s.email, &subject).allowed());
    subject.objections.push(s.marketing);
    let d = use_(&p, s.direct, s.email, &subject);
    assert_eq!(d.reason, Reason::Objected);
    assert!(d.explain(&p).contains("absolute"), "{}", d.explain(&p));
}

#[test]
fn opt_out_basis_and_gpc() {
    let (mut fx, s) = shop();
    let ads = fx.purpose("marketing.ads", &[s.email]);
    fx.basis(ads, &[Basis::OptOut(OptOutKind::Sale)], &[], None);
    let p = fx.build();
    let mut subject = adult(&p, s.us);
    let d = use_(&p, s.direct, s.email, &subject);
    assert_eq!(d.basis, Some(Basis::OptOut(OptOutKind::Marketing)));
    assert!(d
        .obligations
        .contains(Obligation::HonourOptOut(OptOutKind::Marketing)));
    // GPC is no opt-out of marketing, but is one of sale.
    subject.gpc = true;
    assert!(use_(&p, s.direct, s.email, &subject).allowed());
    let d = use_(&p, ads, s.email, &subject);
    assert_eq!(
        (d.reason, d.detail.opt_out, d.detail.via_gpc),
        (Reason::OptedOut, Some(OptOutKind::Sale), true)
    );
    subject.opt_out(OptOutKind::Marketing);
    let d = use_(&p, s.direct, s.email, &subject);
    assert_eq!(d.reason, Reason::OptedOut);
    assert_eq!(
        d.would_change(&p).as_deref(),
        Some("would be allowed if the subject had not opted out of `marketing`")
    );
}

#[test]
fn alternatives_report_the_first_that_holds_or_the_first_failure() {
    let (mut fx, s) = shop();
    let p2 = fx.purpose("offers", &[s.email]);
    let decl = fx.basis(p2, &[Basis::Consent, Basis::LegitimateInterest], &[], None);
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    let d = use_(&p, p2, s.email, &subject);
    assert_eq!(
        (d.basis, d.rule),
        (Some(Basis::LegitimateInterest), Some(decl))
    );
    subject.consents.push(consent(p2, "2024-01-01T00:00:00Z"));
    assert_eq!(use_(&p, p2, s.email, &subject).basis, Some(Basis::Consent));
    subject.consents.clear();
    subject.objections.push(p2);
    let d = use_(&p, p2, s.email, &subject);
    assert_eq!((d.reason, d.rule), (Reason::ConsentMissing, Some(decl)));
}

// ---- step 6: restriction and erasure ---------------------------------------------------

#[test]
fn restriction_and_erasure_stop_what_does_not_survive() {
    let (mut fx, s) = shop();
    let legal = fx.purpose("legal", &[s.email]);
    fx.basis(legal, &[Basis::LegalObligation], &[], None);
    fx.purpose_mut(legal).survives_restriction = true;
    fx.purpose_mut(legal).survives_erasure = true;
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    subject.restricted = true;
    assert_eq!(
        use_(&p, s.service, s.email, &subject).reason,
        Reason::Restricted
    );
    assert!(use_(&p, legal, s.email, &subject).allowed());
    subject.restricted = false;
    subject.account_deleted = true;
    assert_eq!(
        use_(&p, s.service, s.email, &subject).reason,
        Reason::Erased
    );
    assert!(use_(&p, legal, s.email, &subject).allowed());
    subject.account_deleted = false;
    subject.erasure_requested = true;
    assert_eq!(
        use_(&p, s.service, s.email, &subject).reason,
        Reason::Erased
    );
}

// ---- step 7: children -----------------------------------------------------------------

#[test]
fn children_per_region_threshold_and_treatment() {
    let (mut fx, s) = shop();
    let eu_rule = fx.child_threshold(16, &[s.eu]);
    fx.child_threshold(13, &[s.us]);
    let games = fx.purpose("games", &[s.email]);
    fx.basis(games, &[Basis::Contract], &[], None);
    fx.purpose_mut(games).children = Some(ChildTreatment::RequireParentalConsent);
    let legal = fx.purpose("legal", &[s.email]);
    fx.basis(legal, &[Basis::LegalObligation], &[], None);
    fx.purpose_mut(legal).children = Some(ChildTreatment::Allow);
    let p = fx.build();

    let mut kid = adult(&p, s.de);
    kid.age = Some(14);
    let d = use_(&p, s.service, s.email, &kid);
    assert_eq!(
        (d.reason, d.rule, d.detail.child_threshold),
        (Reason::Child, Some(eu_rule), Some(16))
    );
    assert_eq!(
        use_(&p, games, s.email, &kid).reason,
        Reason::ParentalConsentMissing
    );
    assert!(use_(&p, legal, s.email, &kid).allowed());
    // 14 is an adult in the US, and CN has no threshold at all.
    kid.region = Some(s.us);
    assert!(use_(&p, s.service, s.email, &kid).allowed());
    kid.region = Some(s.cn);
    assert!(use_(&p, s.service, s.email, &kid).allowed());
    kid.region = Some(s.de);
    kid.parental_consent = true;
    assert!(use_(&p, games, s.email, &kid).allowed());
}

#[test]
fn unknown_age_follows_the_policy() {
    let (mut fx, s) = shop();
    fx.child_threshold(16, &[s.eu]);
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    subject.age = None;
    let d = use_(&p, s.service, s.email, &subject);
    assert_eq!(d.reason, Reason::Child);
    assert!(d.detail.age_unknown);
    let mut p = p;
    p.children.unknown_age = UnknownAge::Adult;
    assert!(use_(&p, s.service, s.email, &subject).allowed());
}

// ---- step 8: allow --------------------------------------------------------------------

#[test]
fn allow_reports_basis_rule_and_retention_limit() {
    let (mut fx, s) = shop();
    let cats = fx.cats(&[s.email]);
    let purposes = fx.purposes(&[s.marketing]);
    fx.retain(
        "r",
        cats,
        Some(purposes),
        None,
        RetentionBound::AtMost,
        Period::new().years(2),
        "consent_withdrawn",
    );
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    subject
        .consents
        .push(consent(s.direct, "2024-01-01T00:00:00Z"));
    let d = use_(&p, s.direct, s.orders_email, &subject);
    assert!(d.allowed());
    let rule = d.rule_ref(&p).unwrap();
    assert_eq!(rule.name, "marketing.direct consent");
    assert!(d.obligations.contains(Obligation::RetainAtMost(0)));
    let json = d.to_json(&p);
    assert_eq!(json.outcome, "allow");
    assert_eq!(json.reason, "allowed");
    assert_eq!(json.basis.as_deref(), Some("consent"));
    assert_eq!(json.rule.as_ref().unwrap().file, "fixture.lawful");
    assert_eq!(json.obligations.len(), 2);
    assert!(
        json.obligations[1].starts_with("retain_at_most("),
        "{:?}",
        json.obligations
    );
    assert_eq!(
        json.explanation,
        "`marketing.direct` may use `orders.email` in `DE` on the basis of consent (the subject consented)."
    );
    assert_eq!(json.would_change, None);
    // A purpose-level denial points at the purpose's declaration …
    let d = use_(&p, s.analytics, s.orders_email, &subject);
    assert_eq!(d.reason, Reason::NotDeclared);
    assert_eq!(d.rule, p.purposes[s.analytics.index()].provenance);
    assert_eq!(d.rule_ref(&p).unwrap().name, "analytics");
    // … and a purpose only implied by a dotted name (no declaration) falls back to it.
    let d = use_(&p, s.marketing, s.orders_email, &subject);
    assert_eq!((d.reason, d.rule), (Reason::NotDeclared, None));
    assert_eq!(d.rule_ref(&p).unwrap().name, "marketing");
}

#[test]
fn purpose_level_denials_name_the_purpose_declaration() {
    let (mut fx, s) = shop();
    let eu_rule = fx.child_threshold(16, &[s.eu]);
    let games = fx.purpose("games", &[s.email]);
    fx.basis(games, &[Basis::Contract], &[], None);
    fx.purpose_mut(games).children = Some(ChildTreatment::Deny);
    let kind = fx.subject_kind("employee");
    let mut kinds = IdSet::new(1);
    kinds.insert(kind.index());
    let staff = fx.purpose("staff", &[s.email]);
    fx.basis(staff, &[Basis::Contract], &[], None);
    fx.purpose_mut(staff).subjects = Some(kinds);
    fx.purpose_mut(s.direct).direct_marketing = true;
    let p = fx.build();
    let declared = |id: PurposeId| p.purposes[id.index()].provenance;
    assert!(declared(s.service).is_some());

    let mut subject = adult(&p, s.de);
    let check = |purpose: PurposeId, subject: &Subject, reason: Reason| {
        let d = use_(&p, purpose, s.email, subject);
        assert_eq!((d.reason, d.rule), (reason, declared(purpose)), "{reason}");
    };
    check(s.analytics, &subject, Reason::NotDeclared);
    check(staff, &subject, Reason::SubjectKind);
    check(s.direct, &adult(&p, s.cn), Reason::NoLegalBasis);
    subject.objections.push(s.direct);
    check(s.direct, &subject, Reason::Objected);
    subject.objections.clear();
    subject.restricted = true;
    check(s.service, &subject, Reason::Restricted);
    subject.restricted = false;
    subject.erasure_requested = true;
    check(s.service, &subject, Reason::Erased);
    subject.erasure_requested = false;
    // A child: the purpose's own `children deny` decides …
    subject.age = Some(10);
    check(games, &subject, Reason::Child);
    // … else the policy's threshold for the region.
    let d = use_(&p, s.service, s.email, &subject);
    assert_eq!((d.reason, d.rule), (Reason::Child, Some(eu_rule)));
}

// ---- disclosure -----------------------------------------------------------------------

struct Disclosure {
    p: Policy,
    s: Shop,
    aws: RecipientId,
    broker: RecipientId,
    ads: RecipientId,
    sell_rule: ProvenanceId,
}

fn disclosure() -> Disclosure {
    let (mut fx, s) = shop();
    let user = fx.category("user", &[]);
    let all_cats = fx.cats(&[user]);
    let service = fx.purposes(&[s.service]);
    let marketing = fx.purposes(&[s.marketing]);
    let aws = fx.recipient(
        "aws",
        &[s.us],
        service.clone(),
        all_cats.clone(),
        false,
        false,
        vec![],
    );
    let broker = fx.recipient(
        "broker",
        &[],
        marketing.clone(),
        all_cats.clone(),
        true,
        false,
        vec![],
    );
    let ads = fx.recipient(
        "ads",
        &[],
        marketing,
        all_cats.clone(),
        false,
        true,
        vec![Cond::Is(Predicate::Adult)],
    );
    let health = fx.cats(&[s.weight]);
    let sell_rule = fx.rule(
        "no_health_sale",
        RuleAction::Sell,
        health,
        None,
        None,
        vec![],
    );
    let eu = fx.regions(&[s.eu]);
    let us = fx.regions(&[s.us]);
    fx.transfer(all_cats, eu, us, Some("scc"));
    fx.child_threshold(13, &[s.us]);
    fx.purpose_mut(s.direct).children = Some(ChildTreatment::Allow);
    let p = fx.build();
    Disclosure {
        p,
        s,
        aws,
        broker,
        ads,
        sell_rule,
    }
}

#[test]
fn disclosure_needs_an_allowed_use_and_a_declared_recipient() {
    let Disclosure {
        p, s, aws, broker, ..
    } = disclosure();
    let subject = adult(&p, s.de);
    // The use itself is denied (no consent): that denial.
    let q = Query::new(&p, s.direct, s.orders_email);
    let d = p.decide_disclosure(broker, &q, &subject).unwrap();
    assert_eq!(d.reason, Reason::ConsentMissing);
    assert!(matches!(d.asked, Asked::Disclose { .. }));
    // aws is not declared for marketing.
    let mut consenting = adult(&p, s.us);
    consenting
        .consents
        .push(consent(s.direct, "2024-01-01T00:00:00Z"));
    let d = p.decide_disclosure(aws, &q, &consenting).unwrap();
    assert_eq!(d.reason, Reason::RecipientNotDeclared);
    // The query's own recipient is used by `decide`.
    let q = Query::new(&p, s.service, s.orders_email).to_recipient(aws);
    let d = p.decide(&q, &subject).unwrap();
    assert!(d.allowed(), "{}", d.explain(&p));
    assert_eq!(d.safeguard(&p), Some("scc"));
    assert_eq!(d.detail.transfer_to, Some(s.us));
}

#[test]
fn disclosure_deny_rules_match_sales() {
    let Disclosure {
        mut p,
        s,
        broker,
        sell_rule,
        ..
    } = disclosure();
    // Let the health purpose reach the broker.
    p.recipients[broker.index()]
        .purposes
        .insert(s.health.index());
    let mut subject = adult(&p, s.us);
    subject.consents.push(ConsentRecord {
        explicit: true,
        ..consent(s.health, "2024-01-01T00:00:00Z")
    });
    let q = Query::new(&p, s.health, s.health_weight);
    assert!(p.decide_use(&q, &subject).unwrap().allowed());
    let d = p.decide_disclosure(broker, &q, &subject).unwrap();
    assert_eq!((d.reason, d.rule), (Reason::DeniedByRule, Some(sell_rule)));
}

#[test]
fn disclosure_respects_sale_and_sharing_opt_outs() {
    let Disclosure {
        p, s, broker, ads, ..
    } = disclosure();
    let mut subject = adult(&p, s.us);
    let q = Query::new(&p, s.direct, s.orders_email);
    let d = p.decide_disclosure(broker, &q, &subject).unwrap();
    assert!(d.allowed(), "{}", d.explain(&p));
    assert!(d
        .obligations
        .contains(Obligation::HonourOptOut(OptOutKind::Sale)));
    subject.gpc = true;
    let d = p.decide_disclosure(broker, &q, &subject).unwrap();
    assert_eq!((d.reason, d.detail.via_gpc), (Reason::OptedOut, true));
    subject.gpc = false;
    subject.opt_out(OptOutKind::TargetedAdvertising);
    assert!(p.decide_disclosure(broker, &q, &subject).unwrap().allowed());
    let d = p.decide_disclosure(ads, &q, &subject).unwrap();
    assert_eq!(
        (d.reason, d.detail.opt_out),
        (Reason::OptedOut, Some(OptOutKind::TargetedAdvertising))
    );
}

#[test]
fn disclosure_conditions_must_hold() {
    let Disclosure { p, s, ads, .. } = disclosure();
    let mut kid = adult(&p, s.us);
    kid.age = Some(10);
    let q = Query::new(&p, s.direct, s.orders_email);
    assert!(p.decide_use(&q, &kid).unwrap().allowed());
    assert_eq!(
        p.decide_disclosure(ads, &q, &kid).unwrap().reason,
        Reason::RecipientCondition
    );
    kid.age = Some(30);
    assert!(p.decide_disclosure(ads, &q, &kid).unwrap().allowed());
}

#[test]
fn disclosure_checks_the_transfer_to_the_recipient() {
    let Disclosure { p, s, aws, .. } = disclosure();
    let subject = adult(&p, s.cn);
    let q = Query::new(&p, s.service, s.orders_email);
    let d = p.decide_disclosure(aws, &q, &subject).unwrap();
    assert_eq!(
        (d.reason, d.detail.transfer_to),
        (Reason::TransferForbidden, Some(s.us))
    );
    assert!(
        d.explain(&p).contains("where `aws` is located"),
        "{}",
        d.explain(&p)
    );
}

#[test]
fn disclosure_to_a_recipient_of_undeclared_location_fails_closed_under_localisation() {
    let (mut fx, s) = shop();
    let user = fx.category("user", &[]);
    let all = fx.cats(&[user]);
    let service = fx.purposes(&[s.service]);
    let nowhere = fx.recipient(
        "warehouse",
        &[],
        service.clone(),
        all.clone(),
        false,
        false,
        vec![],
    );
    let local = fx.recipient("cn_dc", &[s.cn], service, all, false, false, vec![]);
    let cn = fx.regions(&[s.cn]);
    let rule = fx.localize(fx.cats(&[s.email]), cn);
    let p = fx.build();
    let q = Query::new(&p, s.service, s.orders_email);
    // Collected in CN, the e-mail must stay there: a recipient that could be anywhere
    // may not receive it.
    let d = p.decide_disclosure(nowhere, &q, &adult(&p, s.cn)).unwrap();
    assert_eq!(
        (d.reason, d.rule, d.detail.location_undeclared),
        (Reason::Localized, Some(rule), true)
    );
    assert_eq!(
        d.explain(&p),
        "`orders.email` may not be disclosed to `warehouse` for `essential.service` in `CN`: \
         the localisation rule `localize` keeps `user.contact.email` collected in `CN` inside \
         it, and the policy does not declare where `warehouse` is located."
    );
    assert_eq!(d.would_change(&p), None);
    // A recipient located inside the region may; outside the region, or for a category
    // the rule does not cover, the location does not matter.
    assert!(p
        .decide_disclosure(local, &q, &adult(&p, s.cn))
        .unwrap()
        .allowed());
    assert!(p
        .decide_disclosure(nowhere, &q, &adult(&p, s.de))
        .unwrap()
        .allowed());
    let device = Query::new(&p, s.service, s.device);
    assert!(p
        .decide_disclosure(nowhere, &device, &adult(&p, s.cn))
        .unwrap()
        .allowed());
}

// ---- transfer -------------------------------------------------------------------------

#[test]
fn transfers() {
    let (mut fx, s) = shop();
    let user = fx.category("user", &[]);
    let all = fx.cats(&[user]);
    let eu = fx.regions(&[s.eu]);
    let us = fx.regions(&[s.us]);
    let cn = fx.regions(&[s.cn]);
    let every = fx.everywhere();
    fx.transfer(all.clone(), eu.clone(), us.clone(), Some("scc"));
    fx.transfer(
        all.clone(),
        cn.clone(),
        every.clone(),
        Some("standard_contract"),
    );
    fx.localize(fx.cats(&[s.weight]), cn.clone());
    let no_us = fx.rule(
        "no_health_to_us",
        RuleAction::Transfer {
            from: every.clone(),
            to: us.clone(),
        },
        fx.cats(&[s.weight]),
        None,
        None,
        vec![Except {
            when: None,
            purposes: None,
            regions: None,
            to_regions: Some(fx.regions(&[s.us_ca])),
            recipients: None,
        }],
    );
    let p = fx.build();
    let d = p
        .decide_transfer(&TransferQuery::new(&p, s.email, s.de, s.us))
        .unwrap();
    assert_eq!((d.reason, d.safeguard(&p)), (Reason::Allowed, Some("scc")));
    assert_eq!(
        d.explain(&p),
        "`user.contact.email` collected in `DE` may go to `US` with the safeguard `scc`."
    );
    // Domestic: no rule needed.
    let d = p
        .decide_transfer(&TransferQuery::new(&p, s.email, s.us, s.us_ca))
        .unwrap();
    assert!(d.allowed() && d.detail.domestic && d.safeguard(&p).is_none());
    assert_eq!(
        p.decide_transfer(&TransferQuery::new(&p, s.email, s.us, s.de))
            .unwrap()
            .reason,
        Reason::TransferForbidden
    );
    // Localisation beats a permitting transfer rule.
    assert_eq!(
        p.decide_transfer(&TransferQuery::new(&p, s.weight, s.cn, s.de))
            .unwrap()
            .reason,
        Reason::Localized
    );
    assert!(p
        .decide_transfer(&TransferQuery::new(&p, s.email, s.cn, s.de))
        .unwrap()
        .allowed());
    // A deny rule beats everything; its `except to US-CA` lifts it.
    let d = p
        .decide_transfer(&TransferQuery::new(&p, s.weight, s.de, s.us))
        .unwrap();
    assert_eq!((d.reason, d.rule), (Reason::DeniedByRule, Some(no_us)));
    assert!(p
        .decide_transfer(&TransferQuery::new(&p, s.weight, s.de, s.us_ca))
        .unwrap()
        .allowed());
    assert!(p
        .decide_transfer_by_name("orders.email", "DE", "US")
        .unwrap()
        .allowed());
}

#[test]
fn transfer_rules_about_subjects_fail_closed_without_one() {
    let (mut fx, s) = shop();
    let all = fx.cats(&[s.email]);
    let every = fx.everywhere();
    fx.transfer(all.clone(), every.clone(), every.clone(), None);
    fx.rule(
        "kids_stay",
        RuleAction::Transfer {
            from: every.clone(),
            to: every,
        },
        all,
        None,
        Some(Cond::Is(Predicate::Age(crate::model::CmpOp::Lt, 16))),
        vec![],
    );
    let p = fx.build();
    assert_eq!(
        p.decide_transfer(&TransferQuery::new(&p, s.email, s.de, s.us))
            .unwrap()
            .reason,
        Reason::DeniedByRule
    );
    let d = p
        .decide_transfer_for(
            &adult(&p, s.de),
            &TransferQuery::new(&p, s.email, s.de, s.us),
        )
        .unwrap();
    assert!(d.allowed());
}

// ---- retention ------------------------------------------------------------------------

#[test]
fn retention_verdicts() {
    let (mut fx, s) = shop();
    let cats = fx.cats(&[s.email]);
    let cn = fx.regions(&[s.cn]);
    let marketing = fx.purposes(&[s.marketing]);
    let min = fx.retain(
        "min",
        cats.clone(),
        None,
        Some(cn),
        RetentionBound::AtLeast,
        Period::new().years(3),
        "transaction_completed",
    );
    let max = fx.retain(
        "max",
        cats.clone(),
        None,
        None,
        RetentionBound::AtMost,
        Period::new().years(5),
        "transaction_completed",
    );
    let mkt = fx.retain(
        "mkt",
        cats,
        Some(marketing),
        None,
        RetentionBound::AtMost,
        Period::new().months(2),
        "consent_withdrawn",
    );
    let p = fx.build();
    let completed = p.event("transaction_completed").unwrap();
    let withdrawn = p.event("consent_withdrawn").unwrap();
    let events = [(completed, ts("2023-01-31T00:00:00Z"))];
    let ask = |region, purpose, events: &[(EventId, Timestamp)], now: &str| {
        p.decide_retention(&RetentionQuery {
            category: s.email,
            purpose,
            region,
            events,
            now: ts(now),
            circumstances: Circumstances::NONE,
            purpose_events: &[],
            agreed_period: None,
            deidentified: false,
            stamp: p.stamp(),
        })
        .unwrap()
    };
    let d = ask(s.cn, None, &events, "2024-01-01T00:00:00Z");
    assert_eq!(
        (d.verdict, d.date, d.rule),
        (
            Verdict::MustKeep,
            Some(ts("2026-01-31T00:00:00Z")),
            Some(min)
        )
    );
    assert_eq!(d.to_json(&p).date.as_deref(), Some("2026-01-31"));
    let d = ask(s.cn, None, &events, "2027-01-01T00:00:00Z");
    assert_eq!((d.verdict, d.rule), (Verdict::MayKeep, Some(max)));
    let d = ask(s.de, None, &events, "2029-01-01T00:00:00Z");
    assert_eq!(
        (d.verdict, d.date),
        (Verdict::MustDelete, Some(ts("2028-01-31T00:00:00Z")))
    );
    // A minimum whose event has not happened: must keep, no date.
    let d = ask(s.cn, None, &[], "2024-01-01T00:00:00Z");
    assert_eq!(
        (d.verdict, d.date, d.note),
        (
            Verdict::MustKeep,
            None,
            RetentionNote::AwaitingEvent(completed)
        )
    );
    // No anchor for the maximum: no deadline yet.
    let d = ask(s.de, None, &[], "2024-01-01T00:00:00Z");
    assert_eq!(
        (d.verdict, d.note),
        (Verdict::MayKeep, RetentionNote::NoDeadlineYet)
    );
    // The purpose's own (shorter) maximum applies only when the purpose is asked about.
    let both = [events[0], (withdrawn, ts("2024-01-01T00:00:00Z"))];
    let d = ask(s.de, Some(s.direct), &both, "2024-02-01T00:00:00Z");
    assert_eq!(
        (d.verdict, d.date, d.rule),
        (
            Verdict::MayKeep,
            Some(ts("2024-03-01T00:00:00Z")),
            Some(mkt)
        )
    );
    let d = ask(s.de, None, &both, "2024-04-01T00:00:00Z");
    assert_eq!(d.rule, Some(max));
    // A maximum anchored on an earlier event than the minimum: deletion is due only once
    // the minimum ends, under the maximum's rule.
    let both = [events[0], (withdrawn, ts("2023-02-01T00:00:00Z"))];
    let d = ask(s.cn, Some(s.direct), &both, "2026-06-01T00:00:00Z");
    assert_eq!(
        (d.verdict, d.date, d.rule),
        (
            Verdict::MustDelete,
            Some(ts("2026-01-31T00:00:00Z")),
            Some(mkt)
        )
    );
    // No rules at all.
    let d = p
        .decide_retention(&RetentionQuery {
            category: s.device,
            purpose: None,
            region: s.de,
            events: &[],
            now: ts("2024-01-01T00:00:00Z"),
            circumstances: Circumstances::NONE,
            purpose_events: &[],
            agreed_period: None,
            deidentified: false,
            stamp: p.stamp(),
        })
        .unwrap();
    assert_eq!(
        (d.verdict, d.note),
        (Verdict::MayKeep, RetentionNote::NoMaximum)
    );
    assert!(d.explain(&p).contains("no maximum"));
}

// ---- field mask -----------------------------------------------------------------------

#[test]
fn field_mask_and_purposes_for_field() {
    let (fx, s) = shop();
    let p = fx.build();
    let subject = adult(&p, s.de);
    let fields = [s.orders_email, s.health_weight];
    let mut out = [false; 2];
    assert_eq!(
        p.field_mask(&MaskQuery::new(&p, s.service, &fields), &subject, &mut out),
        Ok(2)
    );
    assert_eq!(out, [true, true]);
    assert_eq!(
        p.field_mask(&MaskQuery::new(&p, s.direct, &fields), &subject, &mut out),
        Ok(0)
    );
    assert!(p
        .field_mask(
            &MaskQuery::new(&p, s.direct, &fields),
            &subject,
            &mut [false; 1]
        )
        .is_err());
    let purposes: Vec<_> = p
        .purposes_for_field(&FieldQuery::new(&p, s.orders_email), &subject)
        .unwrap()
        .collect();
    assert_eq!(purposes, vec![s.service]);
    let _ = (s.us, s.eu);
}

// ---- conditions -----------------------------------------------------------------------

#[test]
fn three_valued_conditions() {
    use super::cond::{Env, Truth};
    let (mut fx, s) = shop();
    let tier = fx.attribute("tier", AttributeType::String);
    let gold = fx.symbol("gold");
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    subject.attributes = vec![None];
    let env = Env {
        policy: &p,
        subject: Some(&subject),
        region: s.de,
        circumstances: crate::model::Circumstances::NONE,
    };
    let is_gold = Cond::Is(Predicate::AttrCmp(
        tier,
        crate::model::CmpOp::Eq,
        AttrValue::Str(Some(gold)),
    ));
    assert_eq!(env.eval(&is_gold), Truth::Unknown);
    assert_eq!(
        env.eval(&Cond::Not(Box::new(is_gold.clone()))),
        Truth::Unknown
    );
    assert_eq!(
        env.eval(&Cond::Or(vec![is_gold.clone(), Cond::True])),
        Truth::True
    );
    assert_eq!(
        env.eval(&Cond::And(vec![is_gold.clone(), Cond::False])),
        Truth::False
    );
    subject.attributes = vec![Some(AttrValue::Str(None))];
    let env = Env {
        policy: &p,
        subject: Some(&subject),
        region: s.de,
        circumstances: crate::model::Circumstances::NONE,
    };
    assert_eq!(env.eval(&is_gold), Truth::False);
    let none = Env {
        policy: &p,
        subject: None,
        region: s.de,
        circumstances: crate::model::Circumstances::NONE,
    };
    assert_eq!(none.eval(&Cond::Is(Predicate::Gpc)), Truth::Unknown);
    assert_eq!(none.eval(&Cond::Is(Predicate::Never)), Truth::False);
}

#[test]
fn known_is_two_valued_and_needs_every_fact_it_reads() {
    use super::cond::{Env, Truth};
    let (fx, s) = shop();
    let p = fx.build();
    let known = |c: Cond| Cond::Known(Box::new(c));
    let under_16 = Cond::Is(Predicate::Age(crate::model::CmpOp::Lt, 16));
    let mut subject = adult(&p, s.de);
    subject.age = None;
    let env = |subject: &Subject| -> Truth {
        Env {
            policy: &p,
            subject: Some(subject),
            region: s.de,
            circumstances: Circumstances::NONE,
        }
        .eval(&known(under_16.clone()))
    };
    // Unknown age: `subject.age < 16` is unknown, `known …` false.
    assert_eq!(env(&subject), Truth::False);
    subject.age = Some(15);
    assert_eq!(env(&subject), Truth::True);
    subject.age = Some(16);
    assert_eq!(env(&subject), Truth::False);
    // Every fact read must be known, even when Kleene's `or` is already true.
    subject.age = None;
    subject.gpc = true;
    let either = known(Cond::Or(vec![under_16.clone(), Cond::Is(Predicate::Gpc)]));
    let e = Env {
        policy: &p,
        subject: Some(&subject),
        region: s.de,
        circumstances: Circumstances::NONE,
    };
    assert_eq!(
        e.eval(&Cond::Or(vec![under_16, Cond::Is(Predicate::Gpc)])),
        Truth::True
    );
    assert_eq!(e.eval(&either), Truth::False);
    assert_eq!(
        e.eval(&Cond::Not(Box::new(either))),
        Truth::True,
        "`not known` is two-valued too"
    );
}

#[test]
fn a_circumstance_is_never_unknown() {
    use super::cond::{Env, Truth};
    let (fx, s) = shop();
    let p = fx.build();
    let id = CircumstanceId(3);
    let c = Cond::Is(Predicate::Circumstance(id));
    let env = |given: Circumstances| Env {
        policy: &p,
        subject: None,
        region: s.de,
        circumstances: given,
    };
    assert_eq!(env(Circumstances::NONE).eval(&c), Truth::False);
    assert_eq!(env(Circumstances::NONE.with(id)).eval(&c), Truth::True);
    assert_eq!(
        env(Circumstances::NONE.with(CircumstanceId(4))).eval(&c),
        Truth::False
    );
    let set: Circumstances = [CircumstanceId(0), CircumstanceId(63)]
        .into_iter()
        .collect();
    assert_eq!(
        set.iter().collect::<Vec<_>>(),
        vec![CircumstanceId(0), CircumstanceId(63)]
    );
    assert!(!set.contains(CircumstanceId(64)));
    assert_eq!(
        set.with(CircumstanceId(64)),
        set,
        "beyond the limit: ignored"
    );
}

#[test]
fn truth_operators_are_kleenes_and_agree_with_evaluating_conditions() {
    use super::cond::{Env, Truth};
    use Truth::{False as F, True as T, Unknown as U};
    let (mut fx, s) = shop();
    let tier = fx.attribute("tier", AttributeType::String);
    let p = fx.build();
    let mut subject = adult(&p, s.de);
    subject.attributes = vec![None];
    let env = Env {
        policy: &p,
        subject: Some(&subject),
        region: s.de,
        circumstances: Circumstances::NONE,
    };
    // A condition of each truth value: unknown reads the attribute the subject lacks.
    let of = |t: Truth| match t {
        T => Cond::True,
        F => Cond::False,
        U => Cond::Is(Predicate::AttrTrue(tier)),
    };
    let and = [
        (T, T, T),
        (T, U, U),
        (T, F, F),
        (U, U, U),
        (U, F, F),
        (F, F, F),
    ];
    for (a, b, expected) in and {
        assert_eq!(a.and(b), expected);
        assert_eq!(b.and(a), expected);
        assert_eq!(env.eval(&Cond::And(vec![of(a), of(b)])), expected);
        assert_eq!(env.eval(&Cond::And(vec![of(b), of(a)])), expected);
    }
    let or = [
        (T, T, T),
        (T, U, T),
        (T, F, T),
        (U, U, U),
        (U, F, U),
        (F, F, F),
    ];
    for (a, b, expected) in or {
        assert_eq!(a.or(b), expected);
        assert_eq!(b.or(a), expected);
        assert_eq!(env.eval(&Cond::Or(vec![of(a), of(b)])), expected);
    }
    for (a, expected) in [(T, F), (U, U), (F, T)] {
        assert_eq!(!a, expected);
        assert_eq!(env.eval(&Cond::Not(Box::new(of(a)))), expected);
    }
}

// ---- subjects by name and from JSON ----------------------------------------------------

fn subject_policy() -> Policy {
    let (mut fx, _) = shop();
    fx.subject_kind("user");
    fx.attribute("verified", AttributeType::Bool);
    fx.attribute("tier", AttributeType::String);
    fx.attribute("roles", AttributeType::Set);
    fx.symbol("gold");
    fx.symbol("admin");
    fx.build()
}

const NOW: &str = "2025-01-01T00:00:00Z";

#[test]
fn subject_builder_validates() {
    let p = subject_policy();
    let now = ts(NOW);
    let subject = SubjectBuilder::new(&p, now)
        .region("DE")
        .unwrap()
        .age(34)
        .unwrap()
        .consent("marketing.direct", ts("2024-01-01T00:00:00Z"))
        .unwrap()
        .withdrawn("marketing.direct", ts("2024-02-01T00:00:00Z"))
        .unwrap()
        .opt_out("sale")
        .unwrap()
        .attribute("tier", AttrInput::Str("gold"))
        .unwrap()
        .build();
    assert_eq!(subject.consents.len(), 1);
    assert!(!subject.consents[0].is_active());
    assert!(subject.has_opted_out(OptOutKind::Sale));
    assert_eq!(
        subject.attributes[1],
        Some(AttrValue::Str(p.index.symbols.get("gold")))
    );

    let b = || SubjectBuilder::new(&p, now);
    assert_eq!(b().age(-1).unwrap_err().field, "age");
    assert!(b().age(1_000_000_000_000).is_err());
    assert!(b().age(150).is_ok());
    let e = b()
        .consent("marketng.direct", ts("2024-01-01T00:00:00Z"))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "consents[0].purpose: unknown purpose `marketng.direct`, did you mean `marketing.direct`?"
    );
    let e = b()
        .consent("marketing", ts("2030-01-01T00:00:00Z"))
        .unwrap_err();
    assert_eq!(e.field, "consents[0].given_at");
    assert_eq!(e.code(), "lawful::subject::timestamp_in_future");
    let e = b().attribute("verified", AttrInput::Int(3)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "attributes.verified: attribute `verified` is declared `bool`, got an int"
    );
    assert!(b().region("XX").is_err());
    assert!(b()
        .opt_out("sales")
        .unwrap_err()
        .to_string()
        .contains("did you mean `sale`?"));
}

#[test]
fn subject_from_json() {
    let p = subject_policy();
    let now = ts(NOW);
    let text = r#"{"region":"DE","age":34,"kind":"user",
        "consents":[{"purpose":"marketing.direct","given_at":"2024-01-01T00:00:00Z","withdrawn_at":null,"explicit":false},
                    {"purpose":"health.tracking","given_at":"2024-01-01","explicit":true}],
        "objections":["analytics"],"opt_outs":["sale"],"gpc":false,"restricted":false,
        "erasure_requested":false,"account_deleted":false,"parental_consent":false,
        "attributes":{"verified":true,"roles":["admin","unknown"]}}"#;
    let subject = Subject::from_json_str(&p, text, now).unwrap();
    assert_eq!(subject.region, p.region("DE").ok());
    assert_eq!(subject.age, Some(34));
    assert_eq!(subject.consents.len(), 2);
    assert!(subject.consents[1].explicit);
    assert_eq!(subject.objections.len(), 1);
    assert_eq!(subject.attributes[0], Some(AttrValue::Bool(true)));
    assert_eq!(
        subject.attributes[2],
        Some(AttrValue::Set(vec![SymbolId(1)]))
    );

    let err = |text: &str| {
        Subject::from_json_str(&p, text, now)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(
            r#"{"consents":[{"purpose":"essential.service"},{"purpose":"essential.service"},{"purpose":"marketng"}]}"#
        ),
        "consents[2].purpose: unknown purpose `marketng`, did you mean `marketing`?"
    );
    assert_eq!(
        err(r#"{"age":-1}"#),
        "age: age must be a whole number from 0 to 150, got -1"
    );
    assert!(err(r#"{"age":1000000000000}"#).starts_with("age:"));
    assert!(err(r#"{"age":34.5}"#).starts_with("age:"));
    assert_eq!(
        err(r#"{"age":"34"}"#),
        "age: expected a whole number, got a string"
    );
    assert_eq!(
        err(r#"{"regoin":"DE"}"#),
        "unknown field `regoin`, did you mean `region`?"
    );
    assert!(err(r#"{"region":"Germany"}"#).starts_with("region: unknown region `Germany`"));
    assert!(
        err(r#"{"consents":[{"purpose":"marketing","given_at":"yesterday"}]}"#)
            .starts_with("consents[0].given_at: not a timestamp")
    );
    assert!(
        err(r#"{"consents":[{"purpose":"marketing","given_at":"2999-01-01"}]}"#)
            .contains("in the future")
    );
    assert_eq!(
        err(r#"{"attributes":{"verified":"yes"}}"#),
        "attributes.verified: attribute `verified` is declared `bool`, got a string"
    );
    assert_eq!(
        err(r#"{"attributes":{"verifed":true}}"#),
        "attributes.verifed: unknown attribute `verifed`, did you mean `verified`?"
    );
    assert!(err("{").starts_with("malformed JSON"));
    assert_eq!(err("[]"), "expected an object, got an array");
    assert_eq!(err(r#"{"consents":[{}]}"#), "consents[0].purpose: missing");
    assert!(err(r#"{"opt_outs":["sail"]}"#).starts_with("opt_outs[0]: unknown opt-out `sail`"));
    // Every place an error can name (written out only for the error).
    assert!(err(r#"{"objections":["analytics","analytix"]}"#)
        .starts_with("objections[1]: unknown purpose `analytix`"));
    assert_eq!(
        err(r#"{"objections":["analytics",3]}"#),
        "objections[1]: expected a string, got a number"
    );
    assert_eq!(
        err(r#"{"attributes":{"roles":["admin",3]}}"#),
        "attributes.roles[1]: expected a string, got a number"
    );
    assert_eq!(
        err(r#"{"attributes":{"roles":{"admin":true}}}"#),
        "attributes.roles: expected a bool, number, string or array, got an object"
    );
    assert_eq!(
        err(r#"{"consents":[{"purpose":"marketing"},{"purpose":"analytics","explicit":"yes"}]}"#),
        "consents[1].explicit: expected true or false, got a string"
    );
    assert!(err(
        r#"{"consents":[{"purpose":"marketing","given_at":"2024-01-01","withdrawn_at":"soon"}]}"#
    )
    .starts_with("consents[0].withdrawn_at: not a timestamp"));
    assert_eq!(
        err(r#"{"consents":[{"purpose":"marketing","given_at":"2024-02-01","withdrawn_at":"2024-01-01"}]}"#)
            .split(':')
            .next(),
        Some("consents[0]")
    );
    assert_eq!(
        err(r#"{"opt_outs":["sale",{"kind":3}]}"#),
        "opt_outs[1].kind: expected a string, got a number"
    );
    assert_eq!(
        err(r#"{"consents":[{"purpose":"marketing","when":"now"}]}"#),
        "consents[0]: unknown field `when`"
    );
    // Nulls mean "not given".
    let subject = Subject::from_json_str(&p, r#"{"age":null,"region":null}"#, now).unwrap();
    assert_eq!((subject.age, subject.region), (None, None));
}

// ---- reload ---------------------------------------------------------------------------

#[test]
fn shared_policy_swaps_while_readers_decide() {
    let (fx, s) = shop();
    let old = fx.build();
    let (mut fx, _) = shop();
    fx.purpose_mut(s.analytics).uses = IdSet::new(0);
    let new = fx.build();
    let subject = adult(&old, s.de);
    let q = Query::new(&old, s.analytics, s.device);
    let shared = std::sync::Arc::new(SharedPolicy::new(old));
    assert!(shared.load().decide(&q, &subject).unwrap().allowed());
    let reader = {
        let shared = shared.clone();
        let subject = subject.clone();
        std::thread::spawn(move || {
            for _ in 0..1000 {
                let policy = shared.load();
                // The old policy decides; the new one refuses the old handles.
                match policy.decide(&q, &subject) {
                    Ok(d) => assert!(d.allowed()),
                    Err(e) => assert!(matches!(e, QueryError::OtherPolicy { .. })),
                }
            }
        })
    };
    let previous = shared.store(new);
    reader.join().unwrap();
    assert!(previous.decide(&q, &subject).unwrap().allowed());
    assert_eq!(
        shared.load().decide(&q, &subject),
        Err(QueryError::OtherPolicy { handle: "query" })
    );
    // Prepared again for the new policy, the same question has the new answer.
    let current = shared.load();
    let (q, subject) = (
        Query::new(&current, s.analytics, s.device),
        adult(&current, s.de),
    );
    assert_eq!(
        current.decide(&q, &subject).unwrap().reason,
        Reason::NotDeclared
    );
}

// ---- rule lookup ----------------------------------------------------------------------

/// The indexed, deduplicated rule lookup decides exactly like walking every rule, on a
/// synthetic policy full of overlapping and repeated rules and on the richest seed policy.
#[test]
fn rule_lookup_decides_like_walking_every_rule() {
    let synthetic = crate::compile_str("synthetic.lawful", &crate::synth::policy(104))
        .unwrap()
        .policy;
    let anker = crate::compile_file("policies/anker.lawful").unwrap().policy;
    for indexed in [synthetic, anker] {
        let mut naive = indexed.clone();
        naive.index.rule_lookup = RuleLookup::naive(
            &naive.rules,
            &naive.transfers,
            naive.purposes.len(),
            naive.categories.len(),
        );
        let now: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let subjects: Vec<Subject> = [
            r#"{"region":"DE","age":34}"#,
            r#"{"region":"US-CA","age":12,"gpc":true,"opt_outs":["sale"]}"#,
            r#"{"region":"CN","age":15,"parental_consent":true}"#,
            r#"{"region":"FR"}"#,
        ]
        .iter()
        .map(|j| Subject::from_json_str(&indexed, j, now).unwrap())
        .collect();
        let mut compared = 0;
        for subject in &subjects {
            for p in 0..indexed.purposes.len() {
                for f in (0..indexed.fields.len()).step_by(3) {
                    let q = Query::new(&indexed, PurposeId(p as u32), FieldId(f as u32));
                    assert_eq!(indexed.decide(&q, subject), naive.decide(&q, subject));
                    for r in (0..indexed.recipients.len()).step_by(5) {
                        let q = q.to_recipient(RecipientId(r as u32));
                        assert_eq!(indexed.decide(&q, subject), naive.decide(&q, subject));
                        compared += 1;
                    }
                    compared += 1;
                }
            }
        }
        let regions: Vec<RegionId> = ["DE", "US", "CN", "JP", "GB"]
            .iter()
            .filter_map(|r| indexed.region(r).ok())
            .collect();
        for c in 0..indexed.categories.len() {
            for &from in &regions {
                for &to in &regions {
                    let q = TransferQuery::new(&indexed, CategoryId(c as u32), from, to);
                    assert_eq!(indexed.decide_transfer(&q), naive.decide_transfer(&q));
                }
            }
        }
        assert!(compared > 1000, "{compared}");
    }
}

/// The packed copies of `deny use` rules apply exactly where their rules do: for every
/// purpose, category and region, subjects of every shape (and none) and with or without
/// circumstances.
#[test]
fn packed_use_rules_apply_as_their_rules() {
    use super::rules::Situation;
    let synthetic = crate::compile_str("synthetic.lawful", &crate::synth::policy(104))
        .unwrap()
        .policy;
    let peers = crate::compile_file("benches/data/peers-x1.lawful")
        .unwrap()
        .policy;
    let anker = crate::compile_file("policies/anker.lawful").unwrap().policy;
    let ampower = crate::compile_file("policies/ampower.lawful")
        .unwrap()
        .policy;
    let now: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
    let mut compared = 0;
    for policy in [synthetic, peers, anker, ampower] {
        let tables = &policy.index.decision;
        // Subjects: bare, consenting to and objecting to each purpose in turn, children.
        let mut subjects = vec![Subject::new(&policy)];
        let some_purposes = (policy.purposes.len() / 8).max(1);
        let some_regions = (policy.regions.len() / 6).max(1);
        for (p, purpose) in policy.purposes.iter().enumerate().step_by(some_purposes) {
            let name = &purpose.info.name;
            for (r, region) in policy.regions.iter().enumerate().step_by(some_regions) {
                let json = format!(
                    r#"{{"region":"{}","age":{},"consents":[{{"purpose":"{name}","explicit":{}}}],"objections":["{name}"],"gpc":{}}}"#,
                    region.info.name,
                    8 + (p * 7 + r) % 40,
                    p % 2 == 0,
                    r % 2 == 0,
                );
                subjects.push(Subject::from_json_str(&policy, &json, now).unwrap());
            }
        }
        let all = (0..policy.circumstances.len().min(64))
            .map(|c| CircumstanceId(c as u32))
            .collect::<Circumstances>();
        for p in 0..policy.purposes.len() {
            let purpose = PurposeId(p as u32);
            for c in 0..policy.categories.len() {
                let category = CategoryId(c as u32);
                for (i, rule) in policy.rules.iter().enumerate() {
                    let Some(packed) = tables.use_rule(RuleId(i as u32)) else {
                        continue;
                    };
                    // No subject at all: every fact unknown, so a `when` is too.
                    for subject in subjects.iter().map(Some).chain([None]) {
                        for r in (0..policy.regions.len()).step_by(some_regions) {
                            for circumstances in [Circumstances::NONE, all] {
                                let situation = Situation {
                                    env: super::cond::Env {
                                        policy: &policy,
                                        subject,
                                        region: RegionId(r as u32),
                                        circumstances,
                                    },
                                    category,
                                    purpose: Some(purpose),
                                    recipient: None,
                                    to: &[],
                                };
                                assert_eq!(
                                    situation.packed_rule_applies(packed, tables.conds()),
                                    super::rules::is_use_rule_for(rule, purpose)
                                        && situation.rule_applies(rule),
                                    "rule {:?} purpose {p} category {c} region {r}",
                                    rule.info.name
                                );
                                compared += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    // Every policy but the synthetic one (whose `use` rules all have exceptions) has some.
    assert!(compared > 100_000, "{compared}");
}
