//! A subject JSON document of arbitrary bytes, read for a fixed policy (the seed policy
//! `anker`): `Subject::from_json_str` never panics, and a subject it accepts is decided by
//! a fixed set of questions without a panic and without any error but the documented one
//! (`no_region`, and only for a question that names no region, asked of a subject without
//! one). Every answer is explained and rendered as JSON too.
#![no_main]

use std::sync::OnceLock;

use jiff::Timestamp;
use lawful::eval::{MaskQuery, Query, QueryError, TransferQuery};
use lawful::model::FieldId;
use lawful::{Policy, Subject};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    policy: Policy,
    now: Timestamp,
    /// Questions that name their region: always decided.
    with_region: Vec<Query>,
    /// The same questions, in the subject's region: decided, or `no_region`.
    without_region: Vec<Query>,
    transfers: Vec<TransferQuery>,
    mask_fields: Vec<FieldId>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let text = include_str!("../../policies/anker.lawful");
        let policy =
            lawful::compile_str_with("anker.lawful", text, lawful::CompileOptions::deciding())
                .unwrap_or_else(|failed| panic!("the fixed policy does not compile: {failed}"))
                .policy;
        let p = &policy;
        let use_of = |purpose: &str, data: &str| {
            Query::new(p, p.purpose(purpose).unwrap(), p.data(data).unwrap())
        };
        let mut without_region = vec![
            use_of("marketing.communications.newsletter", "account.email"),
            use_of("essential.service.site", "session.ip"),
            use_of("analytics.usage_trends", "session.clicks")
                .to_recipient(p.recipient("google_analytics").unwrap()),
        ];
        // Every purpose on one field: the subject's consents, objections and opt-outs are
        // read by whichever purpose they name.
        let email = p.data("account.email").unwrap();
        without_region.extend(
            p.purposes()
                .iter()
                .map(|purpose| Query::new(p, p.purpose(&purpose.info.name).unwrap(), email)),
        );
        let with_region = without_region
            .iter()
            .flat_map(|q| ["DE", "US-CA", "CN"].map(|r| q.clone().in_region(p.region(r).unwrap())))
            .collect();
        let category = p.category("user.contact.email").unwrap();
        let transfers = [("DE", "US"), ("US-CA", "DE"), ("CN", "DE")]
            .map(|(from, to)| {
                TransferQuery::new(p, category, p.region(from).unwrap(), p.region(to).unwrap())
            })
            .to_vec();
        let mask_fields = (0..p.fields().len().min(16))
            .map(|i| p.field(&p.fields()[i].info.name).unwrap())
            .collect();
        Fixture {
            now: "2025-01-01T00:00:00Z".parse().unwrap(),
            with_region,
            without_region,
            transfers,
            mask_fields,
            policy,
        }
    })
}

fn answered(policy: &Policy, decision: lawful::eval::Decision) {
    let _ = decision.explain(policy);
    let _ = decision.would_change(policy);
    let json = decision.to_json(policy);
    serde_json::to_string(&json).expect("a decision renders as JSON");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixture();
    let policy = &f.policy;
    let Ok(subject) = Subject::from_json_str(policy, text, f.now) else {
        return;
    };
    for query in &f.with_region {
        match policy.decide(query, &subject) {
            Ok(decision) => answered(policy, decision),
            Err(e) => panic!("a question with a region failed: {e} ({})", e.code()),
        }
    }
    for query in &f.without_region {
        match policy.decide(query, &subject) {
            Ok(decision) => answered(policy, decision),
            Err(QueryError::NoRegion) => {}
            Err(e) => panic!("a question failed: {e} ({})", e.code()),
        }
    }
    for query in &f.transfers {
        match policy.decide_transfer_for(&subject, query) {
            Ok(decision) => answered(policy, decision),
            Err(e) => panic!("a transfer failed: {e} ({})", e.code()),
        }
    }
    let mut allowed = vec![false; f.mask_fields.len()];
    for purpose in [
        "marketing.communications.newsletter",
        "essential.service.site",
    ] {
        let mask = MaskQuery::new(policy, policy.purpose(purpose).unwrap(), &f.mask_fields);
        for query in [mask, mask.in_region(policy.region("DE").unwrap())] {
            match policy.field_mask(&query, &subject, &mut allowed) {
                Ok(n) => {
                    assert_eq!(n, allowed.iter().filter(|&&a| a).count());
                    // The mask answers what deciding each field answers.
                    for (&field, &allowed) in f.mask_fields.iter().zip(&allowed) {
                        let mut one =
                            Query::new(policy, query.purpose, lawful::model::DataRef::Field(field));
                        if let Some(region) = query.region {
                            one = one.in_region(region);
                        }
                        let decision = policy.decide(&one, &subject).expect("the mask decided it");
                        assert_eq!(
                            decision.allowed(),
                            allowed,
                            "field mask and decision disagree"
                        );
                    }
                }
                Err(QueryError::NoRegion) if query.region.is_none() => {}
                Err(e) => panic!("a field mask failed: {e} ({})", e.code()),
            }
        }
    }
});
