//! Properties of folding a ledger into a subject, on random valid histories (SQLite in
//! memory):
//!
//! - fold order: a history recorded as one batch in any order materialises to the same
//!   subject as the history recorded in the order it happened;
//! - `as_of`: the subject as of `t` is the subject of a ledger holding only the events up to
//!   `t`, and the events seen grow with `t`;
//! - idempotency: recording a keyed batch again records nothing and changes nothing;
//! - the subject folded is exactly what its subject document (`lawful ledger show`) resolves
//!   to through `Subject::from_json`.
#![cfg(feature = "ledger-sqlite")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use lawful::ledger::{Change, Event, Facts, Ledger};
use lawful::Policy;
use proptest::prelude::*;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ledger/shop.lawful");
        lawful::compile_file_with(path, lawful::CompileOptions::deciding())
            .unwrap()
            .policy
    })
}

const PURPOSES: &[&str] = &[
    "marketing",
    "marketing.communications",
    "marketing.communications.newsletter",
    "personalization",
];
const KINDS: &[&str] = &["sale", "sharing", "marketing"];

fn base() -> Timestamp {
    "2024-01-01T00:00:00Z".parse().unwrap()
}

fn now() -> Timestamp {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

/// One step of a history; turned into a valid event by [`history`].
#[derive(Debug, Clone)]
enum Step {
    Consent(usize, bool),
    Objection(usize),
    OptOut(usize),
    Gpc(bool),
    Restriction,
    Region(bool),
    Age(u16),
    Verified(bool),
    Roles(Vec<bool>),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..PURPOSES.len(), any::<bool>()).prop_map(|(p, e)| Step::Consent(p, e)),
        1 => (0..PURPOSES.len()).prop_map(Step::Objection),
        1 => (0..KINDS.len()).prop_map(Step::OptOut),
        1 => any::<bool>().prop_map(Step::Gpc),
        1 => Just(Step::Restriction),
        1 => any::<bool>().prop_map(Step::Region),
        1 => (0u16..100).prop_map(Step::Age),
        1 => any::<bool>().prop_map(Step::Verified),
        1 => prop::collection::vec(any::<bool>(), 0..3).prop_map(Step::Roles),
    ]
}

/// A valid history: each toggle makes or ends what is in force, one hour apart.
fn history(steps: &[Step]) -> Vec<Event> {
    let mut consents = [false; 4];
    let mut objections = [false; 4];
    let mut opt_outs = [false; 3];
    let mut restricted = false;
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let change = match *s {
            Step::Consent(p, explicit) => {
                consents[p] = !consents[p];
                let purpose = PURPOSES[p].to_owned();
                if consents[p] {
                    Change::ConsentGiven {
                        purpose,
                        explicit,
                        recipient: None,
                        transfer_to: None,
                    }
                } else {
                    Change::ConsentWithdrawn {
                        purpose,
                        recipient: None,
                        transfer_to: None,
                    }
                }
            }
            Step::Objection(p) => {
                objections[p] = !objections[p];
                let purpose = PURPOSES[p].to_owned();
                if objections[p] {
                    Change::ObjectionMade { purpose }
                } else {
                    Change::ObjectionLifted { purpose }
                }
            }
            Step::OptOut(k) => {
                opt_outs[k] = !opt_outs[k];
                let kind = KINDS[k].to_owned();
                if opt_outs[k] {
                    Change::OptOutMade {
                        kind,
                        channel: None,
                        campaign: None,
                    }
                } else {
                    Change::OptOutRevoked {
                        kind,
                        channel: None,
                        campaign: None,
                    }
                }
            }
            Step::Gpc(on) => Change::GpcSignal { on },
            Step::Restriction => {
                restricted = !restricted;
                if restricted {
                    Change::RestrictionStarted
                } else {
                    Change::RestrictionEnded
                }
            }
            Step::Region(de) => Change::Facts(Facts {
                region: Some(if de { "DE" } else { "CA" }.to_owned()),
                ..Facts::default()
            }),
            Step::Age(age) => Change::Facts(Facts {
                age: Some(age),
                ..Facts::default()
            }),
            Step::Verified(v) => Change::Facts(Facts {
                attributes: [("verified".to_owned(), serde_json::Value::Bool(v))].into(),
                ..Facts::default()
            }),
            Step::Roles(ref roles) => {
                let names: Vec<&str> = roles
                    .iter()
                    .map(|r| if *r { "admin" } else { "never-mentioned" })
                    .collect();
                Change::Facts(Facts {
                    attributes: [
                        ("roles".to_owned(), serde_json::json!(names)),
                        (
                            "tier".to_owned(),
                            serde_json::json!(names.first().copied().unwrap_or("gold")),
                        ),
                        ("household_size".to_owned(), serde_json::json!(names.len())),
                    ]
                    .into(),
                    ..Facts::default()
                })
            }
        };
        out.push(Event {
            subject: "p".to_owned(),
            at: base() + SignedDuration::from_hours(i as i64),
            key: Some(format!("step-{i}")),
            source: None,
            proof: None,
            change,
        });
    }
    out
}

fn ledger_with(events: &[Event]) -> Ledger {
    let ledger = Ledger::sqlite_in_memory().unwrap();
    if !events.is_empty() {
        ledger.record_at(policy(), events, now()).unwrap();
    }
    ledger
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fold_order_does_not_matter(
        steps in prop::collection::vec(step(), 0..30),
        seed in any::<u64>(),
    ) {
        let events = history(&steps);
        let mut shuffled = events.clone();
        // A deterministic shuffle from the seed (Fisher–Yates with an LCG).
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = (state >> 33) as usize % (i + 1);
            shuffled.swap(i, j);
        }
        let in_order = ledger_with(&events).materialize(policy(), "p", Some(now())).unwrap();
        let any_order = ledger_with(&shuffled).materialize(policy(), "p", Some(now())).unwrap();
        prop_assert_eq!(in_order, any_order);
    }

    #[test]
    fn as_of_sees_exactly_the_past(
        steps in prop::collection::vec(step(), 1..30),
        cut in 0usize..31,
    ) {
        let events = history(&steps);
        let cut = cut.min(events.len());
        let full = ledger_with(&events);
        let prefix = ledger_with(&events[..cut]);
        // Just before the event at `cut` happens.
        let t = base() + SignedDuration::from_hours(cut as i64) - SignedDuration::from_secs(1);
        let t = t.max(base() - SignedDuration::from_secs(1));
        prop_assert_eq!(
            full.materialize(policy(), "p", Some(t)).unwrap(),
            prefix.materialize(policy(), "p", Some(t)).unwrap()
        );
        prop_assert_eq!(full.events("p", Some(t)).unwrap().len(), cut);
        // Monotone: later instants see a superset, in the same order.
        let later = full.events("p", Some(t + SignedDuration::from_hours(1))).unwrap();
        let earlier = full.events("p", Some(t)).unwrap();
        prop_assert!(later.len() >= earlier.len());
        prop_assert_eq!(&later[..earlier.len()], &earlier[..]);
    }

    #[test]
    fn the_subject_is_what_its_document_resolves_to(
        steps in prop::collection::vec(step(), 0..30),
        cut in 0usize..31,
    ) {
        let ledger = ledger_with(&history(&steps));
        let t = base() + SignedDuration::from_hours(cut as i64);
        let document = ledger.document("p", Some(t)).unwrap();
        prop_assert_eq!(
            ledger.materialize(policy(), "p", Some(t)).unwrap(),
            lawful::Subject::from_json(policy(), &document, t).unwrap()
        );
    }

    #[test]
    fn recording_again_changes_nothing(steps in prop::collection::vec(step(), 1..20)) {
        let events = history(&steps);
        let ledger = ledger_with(&events);
        let before = ledger.materialize(policy(), "p", Some(now())).unwrap();
        let again = ledger.record_at(policy(), &events, now()).unwrap();
        prop_assert!(again.iter().all(|r| r.duplicate));
        prop_assert_eq!(ledger.events("p", None).unwrap().len(), events.len());
        prop_assert_eq!(ledger.materialize(policy(), "p", Some(now())).unwrap(), before);
    }
}
