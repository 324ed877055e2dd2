//! The prepared hot path allocates nothing: every question of a seed policy, decided with
//! prepared ids under a counting allocator, performs zero heap allocations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::alloc::System;

use lawful::eval::{DataRef, MaskQuery, Query, RetentionQuery, TransferQuery};
use lawful::model::{CategoryId, FieldId, PurposeId, RecipientId, RecipientKind, RegionId};
use lawful::Subject;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

// The counters are global: this file holds a single test so nothing else runs meanwhile.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn allocations_during(f: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    f();
    let change = region.change();
    change.allocations + change.reallocations
}

#[test]
fn prepared_decisions_do_not_allocate() {
    let policy = lawful::compile_file("policies/anker.lawful")
        .unwrap()
        .policy;
    let now = "2025-01-01T00:00:00Z".parse().unwrap();
    let subjects: Vec<Subject> = [
        r#"{"region":"DE","age":34}"#,
        r#"{"region":"US-CA","age":15,"gpc":true,"opt_outs":["sale"]}"#,
        r#"{"region":"FR","restricted":true}"#,
        // Timed, revoked, channel and campaign opt-outs (read per decision, no allocation).
        r#"{"region":"US-CA","age":30,"opt_outs":[{"kind":"marketing","channel":"email","at":"2024-01-01"},
            {"kind":"marketing","campaign":"spring-sale","at":"2024-02-01"},
            {"kind":"limit_sensitive","at":"2024-01-01","revoked_at":"2024-03-01"}]}"#,
    ]
    .iter()
    .map(|json| Subject::from_json_str(&policy, json, now).unwrap())
    .collect();
    let purposes: Vec<PurposeId> = (0..policy.purposes().len() as u32).map(PurposeId).collect();
    let fields: Vec<FieldId> = (0..policy.fields().len() as u32).map(FieldId).collect();
    let recipients: Vec<RecipientId> = (0..policy.recipients().len() as u32)
        .map(RecipientId)
        .collect();
    let regions = [
        policy.region("DE").unwrap(),
        policy.region("US").unwrap(),
        policy.region("CN").unwrap(),
    ];
    let categories: Vec<CategoryId> = (0..policy.categories().len() as u32)
        .map(CategoryId)
        .collect();
    let events = [(policy.event("collected").unwrap(), now)];
    let mut mask = vec![false; fields.len()];
    // Every circumstance the policy declares (std::circumstances), given with the questions.
    let names: Vec<String> = policy
        .circumstances()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert!(!names.is_empty(), "anker declares circumstances");
    let all = policy
        .circumstances_named(names.iter().map(String::as_str))
        .unwrap();
    let mut decided = 0usize;
    let mut allowed = 0usize;

    let campaign = lawful::model::Campaign::new("spring-sale");
    let count = allocations_during(|| {
        for subject in &subjects {
            for &purpose in &purposes {
                for &field in &fields {
                    let q = Query::new(&policy, purpose, DataRef::Field(field));
                    let d = policy.decide(&q, subject).unwrap();
                    decided += 1;
                    allowed += usize::from(d.allowed());
                    let d = policy.decide(&q.with_circumstances(all), subject).unwrap();
                    allowed += usize::from(d.allowed());
                    let timed = q.for_campaign(campaign).collected_at(now);
                    let d = policy.decide(&timed, subject).unwrap();
                    allowed += usize::from(d.allowed());
                }
                for &recipient in &recipients {
                    let q = Query::new(&policy, purpose, DataRef::Field(fields[0]))
                        .to_recipient(recipient);
                    let _ = policy.decide(&q, subject).unwrap();
                }
                // Questions by recipient kind, declared or not.
                for &(_, kind) in RecipientKind::ALL {
                    let q = Query::new(&policy, purpose, DataRef::Field(fields[0]));
                    let _ = policy.decide_disclosure_to_kind(kind, &q, subject).unwrap();
                }
                policy
                    .field_mask(
                        &MaskQuery::new(&policy, purpose, &fields),
                        subject,
                        &mut mask,
                    )
                    .unwrap();
            }
        }
        for &category in categories.iter().step_by(7) {
            for &from in &regions {
                for &to in &regions {
                    let q = TransferQuery::new(&policy, category, from, to);
                    let _ = policy.decide_transfer(&q).unwrap();
                    let _ = policy.decide_transfer(&q.with_circumstances(all)).unwrap();
                }
            }
            let _ = policy
                .decide_retention(
                    &RetentionQuery::new(&policy, category, regions[0], now).with_events(&events),
                )
                .unwrap();
            let _ = policy
                .decide_retention(
                    &RetentionQuery::new(&policy, category, regions[0], now)
                        .with_events(&events)
                        .with_circumstances(all),
                )
                .unwrap();
        }
    });
    assert!(
        decided > 1000 && allowed > 0,
        "{decided} decided, {allowed} allowed"
    );
    assert_eq!(count, 0, "allocations on the prepared path");

    // By name, every name known: hashing, but no allocation either.
    let purpose = policy.purpose_name(purposes[0]).to_owned();
    let field = policy.fields()[0].info.name.clone();
    let count = allocations_during(|| {
        for subject in &subjects {
            let _ = policy
                .decide_use_by_name(&purpose, &field, subject, Some("DE"))
                .unwrap();
        }
        // Circumstances by name: looked up, set in a bitset, no allocation either.
        let given = policy
            .circumstances_named(names.iter().map(String::as_str))
            .unwrap();
        assert_eq!(given, all);
    });
    assert_eq!(count, 0, "allocations on the by-name path");
    // The counter does count.
    assert!(allocations_during(|| drop(std::hint::black_box(vec![1u8; 64]))) > 0);
    let _: RegionId = regions[0];
}
