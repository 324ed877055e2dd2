//! A handle made for one compiled policy is never used with another: after a reload swaps a
//! new policy into a `SharedPolicy`, every prepared handle of the old one (query, subject,
//! transfer, retention, field mask) is refused with `QueryError::OtherPolicy` — never
//! decided as whatever its ids index in the new policy. By-name calls keep working.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use jiff::Timestamp;
use lawful::eval::{
    FieldQuery, MaskQuery, Query, QueryError, RetentionQuery, SharedPolicy, TransferQuery,
};
use lawful::{Policy, Subject};

const HEADER: &str = "policy \"Shop\" { controller \"Shop GmbH\" }\nuse std::regions\n";

/// Policy A: support may use the e-mail address; research needs consent for the weight.
const A: &str = "
category user.contact.email
category user.health.weight
field orders.email: user.contact.email
field health.weight: user.health.weight
purpose support { uses user.contact.email basis contract }
purpose research { uses user.health.weight basis consent }
transfer user.contact.* from EU to US with scc
retain user.contact.* at most 1 years after collected
";

/// Policy B: the same declarations in the other order, so id 0 of each table names what
/// id 1 names in A (and the other way round).
const B: &str = "
category user.health.weight
category user.contact.email
field health.weight: user.health.weight
field orders.email: user.contact.email
purpose research { uses user.health.weight basis consent }
purpose support { uses user.contact.email basis contract }
transfer user.contact.* from EU to US with scc
retain user.contact.* at most 1 years after collected
";

fn compile(body: &str) -> Policy {
    match lawful::compile_str("shop.lawful", &format!("{HEADER}{body}")) {
        Ok(compiled) => compiled.policy,
        Err(failed) => panic!("{failed}"),
    }
}

fn now() -> Timestamp {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

fn subject(policy: &Policy) -> Subject {
    Subject::from_json_str(policy, r#"{"region": "DE", "age": 34}"#, now()).unwrap()
}

fn other_policy(handle: &'static str) -> Result<lawful::eval::Decision, QueryError> {
    Err(QueryError::OtherPolicy { handle })
}

/// The premise: the same ids name other things in B, so reading A's handles in B would
/// decide another question.
#[test]
fn the_same_ids_name_other_things_in_the_other_policy() {
    let (a, b) = (compile(A), compile(B));
    let support = a.purpose("support").unwrap();
    let email = a.field("orders.email").unwrap();
    assert_eq!(b.purpose_name(support), "research");
    assert_eq!(b.fields()[email.0 as usize].info.name, "health.weight");
    assert_ne!(a.stamp(), b.stamp());
}

#[test]
fn handles_of_a_replaced_policy_are_refused() {
    let a = compile(A);
    let (de, us) = (a.region("DE").unwrap(), a.region("US").unwrap());
    let email_category = a.category("user.contact.email").unwrap();
    let (support, email) = (
        a.purpose("support").unwrap(),
        a.field("orders.email").unwrap(),
    );
    let old_subject = subject(&a);
    let query = Query::new(&a, support, email);
    let disclosure_free = Query::new(&a, support, email).in_region(de);
    let transfer = TransferQuery::new(&a, email_category, de, us);
    let events = [(a.event("collected").unwrap(), now())];
    let retention = RetentionQuery::new(&a, email_category, de, now()).with_events(&events);
    let fields = [email];
    let mask = MaskQuery::new(&a, support, &fields);
    let field = FieldQuery::new(&a, email);

    let shared = SharedPolicy::new(a);
    // Before the reload every handle decides.
    {
        let policy = shared.load();
        assert!(policy.decide(&query, &old_subject).unwrap().allowed());
        assert!(policy
            .decide_use(&disclosure_free, &old_subject)
            .unwrap()
            .allowed());
        assert!(policy.decide_transfer(&transfer).unwrap().allowed());
        assert!(policy
            .decide_transfer_for(&old_subject, &transfer)
            .unwrap()
            .allowed());
        assert!(policy.decide_retention(&retention).is_ok());
        let mut allowed = [false];
        assert_eq!(policy.field_mask(&mask, &old_subject, &mut allowed), Ok(1));
        assert_eq!(
            policy
                .purposes_for_field(&field, &old_subject)
                .unwrap()
                .count(),
            1
        );
    }

    let b = compile(B);
    let fresh_subject = subject(&b);
    shared.store(b);
    let policy = shared.load();

    // A's query: refused, whether the subject is A's or B's.
    assert_eq!(policy.decide(&query, &fresh_subject), other_policy("query"));
    assert_eq!(
        policy.decide_use(&query, &fresh_subject),
        other_policy("query")
    );
    // A's subject with a query prepared on B: refused too.
    let b_query = Query::new(
        &policy,
        policy.purpose("support").unwrap(),
        policy.field("orders.email").unwrap(),
    );
    assert_eq!(
        policy.decide(&b_query, &old_subject),
        other_policy("subject")
    );
    assert!(policy.decide(&b_query, &fresh_subject).unwrap().allowed());

    // Transfer handles.
    assert_eq!(
        policy.decide_transfer(&transfer),
        other_policy("transfer query")
    );
    assert_eq!(
        policy.decide_transfer_for(&fresh_subject, &transfer),
        other_policy("transfer query")
    );
    let b_transfer = TransferQuery::new(
        &policy,
        policy.category("user.contact.email").unwrap(),
        policy.region("DE").unwrap(),
        policy.region("US").unwrap(),
    );
    assert_eq!(
        policy.decide_transfer_for(&old_subject, &b_transfer),
        other_policy("subject")
    );

    // Retention.
    assert_eq!(
        policy.decide_retention(&retention),
        Err(QueryError::OtherPolicy {
            handle: "retention query"
        })
    );

    // Field masks: nothing is written.
    let mut allowed = [true];
    assert_eq!(
        policy.field_mask(&mask, &fresh_subject, &mut allowed),
        Err(QueryError::OtherPolicy {
            handle: "field mask query"
        })
    );
    assert_eq!(allowed, [true]);
    let b_fields = [policy.field("orders.email").unwrap()];
    let b_mask = MaskQuery::new(&policy, policy.purpose("support").unwrap(), &b_fields);
    assert_eq!(
        policy.field_mask(&b_mask, &old_subject, &mut allowed),
        Err(QueryError::OtherPolicy { handle: "subject" })
    );
    assert!(matches!(
        policy.purposes_for_field(&field, &fresh_subject),
        Err(QueryError::OtherPolicy {
            handle: "field query"
        })
    ));

    // The error says what to do, with a stable code.
    let error = policy.decide(&query, &fresh_subject).unwrap_err();
    assert_eq!(
        error.to_string(),
        "this query was prepared for another policy (a reload replaced it); prepare it again"
    );
    assert_eq!(error.code(), "lawful::eval::other_policy");
    assert_eq!(
        lawful::Error::from(error).code(),
        "lawful::eval::other_policy"
    );
}

/// By-name calls resolve names against the policy they are asked of, so they keep working
/// across a reload (with a subject resolved for the current policy).
#[test]
fn by_name_calls_work_across_a_reload() {
    let shared = SharedPolicy::new(compile(A));
    for _ in 0..2 {
        let policy = shared.load();
        let s = subject(&policy);
        let d = policy
            .decide_use_by_name("support", "orders.email", &s, None)
            .unwrap();
        assert!(d.allowed());
        let d = policy
            .decide_use_by_name("research", "health.weight", &s, Some("DE"))
            .unwrap();
        assert_eq!(d.reason.code(), "consent_missing");
        let d = policy
            .decide_transfer_by_name("orders.email", "DE", "US")
            .unwrap();
        assert!(d.allowed());
        drop(policy);
        shared.store(compile(B));
    }
    // A subject of the replaced policy is still refused by name.
    let old = compile(A);
    let old_subject = subject(&old);
    let policy = shared.load();
    let error = policy
        .decide_use_by_name("support", "orders.email", &old_subject, None)
        .unwrap_err();
    assert_eq!(error.code(), "lawful::eval::other_policy");
}

/// Stamps: unique per compilation, shared by clones; handles carry their policy's.
#[test]
fn stamps_are_per_compilation_and_shared_by_clones() {
    let (first, second) = (compile(A), compile(A));
    assert_ne!(first.stamp(), second.stamp());
    let clone = first.clone();
    assert_eq!(clone.stamp(), first.stamp());
    let s = subject(&first);
    assert!(s.belongs_to(&clone) && !s.belongs_to(&second));
    let q = Query::new(
        &first,
        first.purpose("support").unwrap(),
        first.field("orders.email").unwrap(),
    );
    assert_eq!(q.stamp(), first.stamp());
    assert!(clone.decide(&q, &s).unwrap().allowed());
    assert_eq!(second.decide(&q, &subject(&second)), other_policy("query"));
}
