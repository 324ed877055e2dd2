//! Properties of the evaluator over a seed policy: it never panics on any subject or any
//! ids (in range or not), and an allowed use always respects the closed world, has a basis,
//! and respects restriction and erasure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::OnceLock;

use lawful::eval::{DataRef, Query, RetentionQuery, TransferQuery};
use lawful::model::{
    AttrValue, AttributeId, CategoryId, EventId, FieldId, PurposeId, RecipientId, RegionId,
    SubjectKindId, SymbolId,
};
use lawful::subject::ConsentRecord;
use lawful::{Policy, Subject};
use proptest::prelude::*;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        lawful::compile_file("policies/minipower.lawful")
            .unwrap()
            .policy
    })
}

/// Ids up to a little past the end of their table.
fn id(len: usize) -> impl Strategy<Value = u32> {
    0..(len as u32 + 3)
}

fn time() -> impl Strategy<Value = jiff::Timestamp> {
    (0i64..2_000_000_000).prop_map(|s| jiff::Timestamp::from_second(s).unwrap())
}

fn attr() -> impl Strategy<Value = Option<AttrValue>> {
    prop_oneof![
        Just(None),
        any::<bool>().prop_map(|b| Some(AttrValue::Bool(b))),
        any::<i64>().prop_map(|i| Some(AttrValue::Int(i))),
        proptest::option::of(0u32..5).prop_map(|s| Some(AttrValue::Str(s.map(SymbolId)))),
        proptest::collection::vec(0u32..5, 0..3)
            .prop_map(|v| Some(AttrValue::Set(v.into_iter().map(SymbolId).collect()))),
    ]
}

fn subject() -> impl Strategy<Value = Subject> {
    let p = policy();
    let consent = (
        id(p.purposes().len()),
        proptest::option::of(time()),
        proptest::option::of(time()),
        any::<bool>(),
    )
        .prop_map(
            |(purpose, given_at, withdrawn_at, explicit)| ConsentRecord {
                purpose: PurposeId(purpose),
                given_at,
                withdrawn_at,
                explicit,
            },
        );
    (
        (
            proptest::option::of(id(p.regions().len()).prop_map(RegionId)),
            proptest::option::of(any::<u16>()),
            proptest::option::of(id(p.subject_kinds().len()).prop_map(SubjectKindId)),
            proptest::collection::vec(consent, 0..4),
            proptest::collection::vec(id(p.purposes().len()).prop_map(PurposeId), 0..3),
        ),
        (
            any::<u8>(),
            any::<[bool; 6]>(),
            proptest::collection::vec(attr(), 0..6),
        ),
    )
        .prop_map(
            |((region, age, kind, consents, objections), (opt_outs, flags, attributes))| {
                let mut s = Subject::new(policy());
                s.region = region;
                s.age = age;
                s.kind = kind;
                s.consents = consents;
                s.objections = objections;
                s.opt_outs = opt_outs;
                s.gpc = flags[0];
                s.restricted = flags[1];
                s.erasure_requested = flags[2];
                s.account_deleted = flags[3];
                s.parental_consent = flags[4];
                s.attributes = attributes;
                s
            },
        )
}

fn query() -> impl Strategy<Value = Query> {
    let p = policy();
    (
        id(p.purposes().len()),
        prop_oneof![
            id(p.fields().len()).prop_map(|f| DataRef::Field(FieldId(f))),
            id(p.categories().len()).prop_map(|c| DataRef::Category(CategoryId(c))),
        ],
        proptest::option::of(id(p.regions().len()).prop_map(RegionId)),
        proptest::option::of(time()),
        proptest::option::of(id(p.recipients().len()).prop_map(RecipientId)),
    )
        .prop_map(|(purpose, data, region, collected_at, recipient)| {
            let mut q = Query::new(policy(), PurposeId(purpose), data);
            q.region = region;
            q.collected_at = collected_at;
            q.recipient = recipient;
            q
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn deciding_never_panics_and_allows_only_what_is_declared(s in subject(), q in query()) {
        let p = policy();
        let _ = AttributeId(0);
        if let Ok(d) = p.decide(&q, &s) {
            let _ = d.explain(p);
            let _ = d.would_change(p);
            let _ = d.to_json(p);
            if d.allowed() {
                let purpose = &p.purposes()[q.purpose.index()];
                let category = d.asked.category(p).unwrap();
                prop_assert!(purpose.uses.contains(category.index()));
                prop_assert!(d.basis.is_some());
                prop_assert!(!s.restricted || purpose.survives_restriction);
                prop_assert!(!s.is_erased() || purpose.survives_erasure);
                if let Some(r) = q.recipient {
                    let r = &p.recipients()[r.index()];
                    prop_assert!(r.purposes.contains(q.purpose.index()));
                    prop_assert!(r.categories.contains(category.index()));
                }
            }
        } else {
            // Errors only for ids from elsewhere or a missing region.
            let region = q.region.or(s.region);
            let foreign = q.purpose.index() >= p.purposes().len()
                || region.is_none_or(|r| r.index() >= p.regions().len())
                || q.recipient.is_some_and(|r| r.index() >= p.recipients().len())
                || match q.data {
                    DataRef::Field(f) => f.index() >= p.fields().len(),
                    DataRef::Category(c) => c.index() >= p.categories().len(),
                };
            prop_assert!(foreign);
        }
    }

    #[test]
    fn transfers_and_retention_never_panic(
        s in subject(),
        c in id(policy().categories().len()),
        from in id(policy().regions().len()),
        to in id(policy().regions().len()),
        event in id(policy().events().len()),
        at in time(),
        now in time(),
    ) {
        let p = policy();
        let (c, from, to) = (CategoryId(c), RegionId(from), RegionId(to));
        let t = TransferQuery::new(p, c, from, to);
        if let Ok(d) = p.decide_transfer_for(&s, &t) {
            let _ = d.to_json(p);
        }
        let _ = p.decide_transfer(&t);
        let events = [(EventId(event), at)];
        let q = RetentionQuery::new(p, c, from, now).with_events(&events);
        if let Ok(d) = p.decide_retention(&q) {
            let _ = d.to_json(p);
        }
    }
}
