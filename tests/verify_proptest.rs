//! `lawful::proptest` (the `proptest` feature): the strategies generate valid subjects and
//! questions for a policy, and the helpers find a broken property and print it shrunk, in
//! test syntax. `cargo test --features proptest --test verify_proptest`.
#![cfg(feature = "proptest")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use lawful::model::{AttrValue, AttributeType};
use lawful::proptest::{check_always, check_never, questions, subjects};
use lawful::verify::Question;
use lawful::Policy;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

fn policy() -> Policy {
    lawful::compile_str(
        "shop.lawful",
        r#"
        #![allow(purpose-without-retention)]
        policy "Shop" { controller "Shop GmbH" }
        region DE "Germany"
        region US "United States"
        group EU "EU" = DE
        subject kind user
        subject kind guest
        attribute tier: string
        attribute visits: int
        attribute tags: set
        category user.contact.email
        category user.health.weight special
        field orders.email: user.contact.email
        children { under 16 in EU  unknown age is adult  default deny }
        purpose marketing.direct {
          uses user.contact.email
          basis consent in EU
          basis opt_out(marketing) in US
          basis legitimate_interest when subject.tier == "gold" and subject.visits > 3 and "vip" in subject.tags
        }
        purpose health.tracking { uses user.health.weight  basis explicit_consent }
        recipient mailer kind processor located US {
          purposes marketing.direct
          categories user.contact.email
        }
        transfer user.* from EU to US with scc
        "#,
    )
    .unwrap()
    .policy
}

#[test]
fn generated_subjects_and_questions_are_valid() {
    let policy = policy();
    let mut runner = TestRunner::deterministic();
    let subjects = subjects(&policy);
    let questions = questions(&policy);
    for _ in 0..500 {
        let s = subjects.new_tree(&mut runner).unwrap().current();
        if let Some(region) = s.region {
            assert!(
                !policy.regions()[region.index()].is_group,
                "a subject lives in a place"
            );
        }
        assert!(s.age.is_none_or(|a| a <= 150));
        assert!(s
            .kind
            .is_none_or(|k| k.index() < policy.subject_kinds().len()));
        assert!(s
            .consents
            .iter()
            .all(|c| c.purpose.index() < policy.purposes().len()));
        assert_eq!(s.attributes.len(), policy.attributes().len());
        for (value, attribute) in s.attributes.iter().zip(policy.attributes()) {
            let ok = matches!(
                (value, attribute.ty),
                (None, _)
                    | (Some(AttrValue::Bool(_)), AttributeType::Bool)
                    | (Some(AttrValue::Int(_)), AttributeType::Int)
                    | (Some(AttrValue::Str(_)), AttributeType::String)
                    | (Some(AttrValue::Set(_)), AttributeType::Set)
            );
            assert!(ok, "{value:?} for a {:?} attribute", attribute.ty);
        }
        let q = questions.new_tree(&mut runner).unwrap().current();
        assert!(
            q.decide(&policy, Some(&s)).is_ok(),
            "{}",
            q.describe(&policy)
        );
    }
}

#[test]
fn a_true_invariant_holds() {
    let policy = policy();
    let health = policy.category("user.health.weight").unwrap();
    let marketing = policy.purpose("marketing").unwrap();
    check_never(&policy, 500, |case, decision| {
        decision.allowed() && case.uses(&policy, marketing, health)
    })
    .unwrap();
    check_always(&policy, 500, |case, decision| {
        case.question.is_transfer() || !decision.allowed() || decision.basis.is_some()
    })
    .unwrap();
}

#[test]
fn a_false_invariant_is_reported_shrunk_in_test_syntax() {
    let policy = policy();
    // "No use is ever allowed in the US" is false: the opt-out basis allows it.
    let us = policy.region("US").unwrap();
    let failure = check_never(&policy, 2_000, |case, decision| {
        matches!(case.question, Question::Decide(q) if q.region == Some(us) && q.recipient.is_none())
            && decision.allowed()
    })
    .unwrap_err();
    let text = failure.to_string();
    assert!(text.contains("subject {"), "{text}");
    assert!(text.contains("use "), "{text}");
    assert!(text.contains(" in US"), "{text}");
    assert!(text.contains("may use"), "{text}");
}
