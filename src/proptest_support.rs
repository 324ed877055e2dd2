//! Property testing a compiled policy from a Rust test suite (the `proptest` feature).
//!
//! Strategies generate what a real application would ask about, for one [`Policy`]: valid
//! [`Subject`]s (places of residence, ages 0–150, consents given and withdrawn at random
//! times, objections, opt-outs, flags, typed attributes using the policy's own literals),
//! use / disclosure / transfer [`Question`](crate::eval::Question)s biased towards what purposes and recipients
//! declare, and event timelines for retention questions. The helpers run them through
//! proptest's runner and report a shrunk failing case in test syntax:
//!
//! ```
//! let policy = lawful::compile_str("shop.lawful", r#"
//!     policy "Shop" { controller "Shop GmbH" }
//!     region DE "Germany"
//!     category user.contact.email
//!     category user.health.weight special
//!     purpose marketing.direct { uses user.contact.email  basis consent }
//!     purpose health.tracking { uses user.health.weight  basis explicit_consent }
//! "#)?.policy;
//! // Health data is never allowed for marketing, whoever asks.
//! let health = policy.category("user.health.weight")?;
//! let marketing = policy.purpose("marketing.direct")?;
//! lawful::proptest::check_never(&policy, 256, |case, decision| {
//!     decision.allowed() && case.uses(&policy, marketing, health)
//! })?;
//! // Every allowed decision reports a basis.
//! lawful::proptest::check_always(&policy, 256, |case, decision| {
//!     !decision.allowed() || case.question.is_transfer() || decision.basis.is_some()
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use ::proptest::prelude::*;
use ::proptest::strategy::BoxedStrategy;
use ::proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::eval::{describe_subject, Question};
use crate::eval::{DataRef, Decision, Query};
use crate::model::{
    AttrValue, AttributeType, CategoryId, CircumstanceId, Circumstances, Cond, EventId, FieldId,
    Policy, Predicate, PurposeId, RecipientId, RegionId, SubjectKindId, SymbolId,
};
use crate::subject::{ConsentRecord, Subject};

/// Timestamps are drawn from 2020-01-01 to 2026-01-01.
const FROM: i64 = 1_577_836_800;
const TO: i64 = 1_767_225_600;

fn time() -> impl Strategy<Value = jiff::Timestamp> {
    (FROM..TO).prop_map(|s| jiff::Timestamp::from_second(s).unwrap_or(jiff::Timestamp::UNIX_EPOCH))
}

fn id(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A subject and a question about them.
#[derive(Debug, Clone)]
pub struct Case {
    /// Who the question is about (a subject of the policy under test).
    pub subject: Subject,
    /// What is asked about them.
    pub question: Question,
}

impl Case {
    /// Decide the case (a transfer is decided for the subject).
    pub fn decide(&self, policy: &Policy) -> Option<Decision> {
        self.question.decide(policy, Some(&self.subject)).ok()
    }

    /// Whether the case asks about `purpose` (or a descendant) using `category` (or a
    /// descendant), by use or disclosure.
    pub fn uses(&self, policy: &Policy, purpose: PurposeId, category: CategoryId) -> bool {
        let Question::Decide(query) = self.question else {
            return false;
        };
        let data = match query.data {
            DataRef::Category(c) => Some(c),
            DataRef::Field(f) => policy.fields.get(f.index()).map(|f| f.category),
        };
        let under_purpose = policy
            .purposes
            .get(query.purpose.index())
            .is_some_and(|p| p.ancestors.contains(&purpose));
        let under_category = data
            .and_then(|c| policy.categories.get(c.index()))
            .is_some_and(|c| c.ancestors.contains(&category));
        under_purpose && under_category
    }

    /// The case as test syntax: `subject { … }` and the question.
    pub fn describe(&self, policy: &Policy) -> String {
        format!(
            "{}\n{}",
            describe_subject(policy, &self.subject),
            self.question.describe(policy)
        )
    }
}

/// What the strategies draw from: owned, so they outlive the borrow of the policy.
#[derive(Debug, Clone)]
struct Tables {
    places: Vec<RegionId>,
    purposes: Vec<PurposeId>,
    /// For each purpose in `purposes`, the data it declares (fields and categories).
    declared: Vec<Vec<DataRef>>,
    data: Vec<DataRef>,
    categories: Vec<CategoryId>,
    recipients: Vec<RecipientId>,
    kinds: usize,
    attributes: Vec<(AttributeType, Vec<i64>, Vec<SymbolId>)>,
    events: usize,
}

impl Tables {
    fn new(policy: &Policy) -> Tables {
        let places: Vec<RegionId> = (0..policy.regions.len())
            .filter(|&r| policy.regions.get(r).is_some_and(|r| !r.is_group))
            .map(|r| RegionId(id(r)))
            .collect();
        let places = if places.is_empty() {
            (0..policy.regions.len()).map(|r| RegionId(id(r))).collect()
        } else {
            places
        };
        let purposes: Vec<PurposeId> = (0..policy.purposes.len())
            .map(|p| PurposeId(id(p)))
            .collect();
        let categories: Vec<CategoryId> = (0..policy.categories.len())
            .map(|c| CategoryId(id(c)))
            .collect();
        let mut data: Vec<DataRef> = categories.iter().map(|c| DataRef::Category(*c)).collect();
        data.extend((0..policy.fields.len()).map(|f| DataRef::Field(FieldId(id(f)))));
        let declared = policy
            .purposes
            .iter()
            .map(|p| {
                let mut used: Vec<DataRef> = p
                    .uses
                    .iter()
                    .map(|c| DataRef::Category(CategoryId(id(c))))
                    .collect();
                used.extend(
                    policy
                        .fields
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| p.uses.contains(f.category.index()))
                        .map(|(i, _)| DataRef::Field(FieldId(id(i)))),
                );
                used
            })
            .collect();
        let mut literals: Vec<Vec<(i64, Option<SymbolId>)>> =
            vec![Vec::new(); policy.attributes.len()];
        for cond in crate::analysis::space::conditions(policy) {
            collect_literals(cond, &mut literals);
        }
        let attributes = policy
            .attributes
            .iter()
            .zip(literals)
            .map(|(a, lits)| {
                let ints = lits.iter().map(|(n, _)| *n).collect();
                let symbols = lits.iter().filter_map(|(_, s)| *s).collect();
                (a.ty, ints, symbols)
            })
            .collect();
        Tables {
            places,
            purposes,
            declared,
            data,
            categories,
            recipients: (0..policy.recipients.len())
                .map(|r| RecipientId(id(r)))
                .collect(),
            kinds: policy.subject_kinds.len(),
            attributes,
            events: policy.events.len(),
        }
    }
}

fn collect_literals(cond: &Cond, out: &mut [Vec<(i64, Option<SymbolId>)>]) {
    match cond {
        Cond::Not(inner) | Cond::Known(inner) => collect_literals(inner, out),
        Cond::And(parts) | Cond::Or(parts) => {
            for part in parts {
                collect_literals(part, out);
            }
        }
        Cond::Is(Predicate::AttrCmp(a, _, literal)) => {
            if let Some(list) = out.get_mut(a.index()) {
                match literal {
                    AttrValue::Int(n) => list.push((*n, None)),
                    AttrValue::Str(s) => list.push((0, *s)),
                    AttrValue::Set(items) => list.extend(items.iter().map(|s| (0, Some(*s)))),
                    AttrValue::Bool(_) => {}
                }
            }
        }
        Cond::Is(Predicate::SetContains(a, s)) => {
            if let Some(list) = out.get_mut(a.index()) {
                list.push((0, Some(*s)));
            }
        }
        Cond::True | Cond::False | Cond::Is(_) => {}
    }
}

/// Pick from a list (a fallback value when it is empty).
fn pick<T: Clone + fmt::Debug + 'static>(items: Vec<T>, fallback: T) -> BoxedStrategy<T> {
    if items.is_empty() {
        Just(fallback).boxed()
    } else {
        ::proptest::sample::select(items).boxed()
    }
}

fn attribute(
    (ty, ints, symbols): (AttributeType, Vec<i64>, Vec<SymbolId>),
) -> BoxedStrategy<Option<AttrValue>> {
    let value = match ty {
        AttributeType::Bool => any::<bool>().prop_map(AttrValue::Bool).boxed(),
        AttributeType::Int => {
            let near: Vec<i64> = ints
                .iter()
                .flat_map(|n| [n.saturating_sub(1), *n, n.saturating_add(1)])
                .collect();
            let near = pick(near, 0);
            prop_oneof![near, -5i64..200]
                .prop_map(AttrValue::Int)
                .boxed()
        }
        AttributeType::String => {
            let known: Vec<Option<SymbolId>> = symbols.iter().copied().map(Some).collect();
            prop_oneof![3 => pick(known, None), 1 => Just(None)]
                .prop_map(AttrValue::Str)
                .boxed()
        }
        AttributeType::Set => ::proptest::sample::subsequence(symbols.clone(), 0..=symbols.len())
            .prop_map(AttrValue::Set)
            .boxed(),
    };
    ::proptest::option::of(value).boxed()
}

/// Valid subjects of `policy`.
pub fn subjects(policy: &Policy) -> BoxedStrategy<Subject> {
    let tables = Tables::new(policy);
    let stamp = policy.stamp();
    let region = ::proptest::option::weighted(0.95, pick(tables.places.clone(), RegionId(0)));
    let age = ::proptest::option::weighted(0.8, 0u16..=150);
    let kinds = tables.kinds;
    let kind = if kinds == 0 {
        Just(None).boxed()
    } else {
        ::proptest::option::of((0..id(kinds)).prop_map(SubjectKindId)).boxed()
    };
    let purpose = pick(tables.purposes.clone(), PurposeId(0));
    let consent = (
        purpose.clone(),
        time(),
        ::proptest::option::weighted(0.4, time()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(purpose, given, withdrawn, explicit, regiven)| {
            // Given, perhaps withdrawn later, perhaps given again after that.
            let (given_at, withdrawn_at) = match withdrawn {
                Some(w) if regiven && w < given => (Some(given), Some(w)),
                Some(w) if w < given => (Some(w), Some(given)),
                Some(w) => (Some(given), Some(w)),
                None => (Some(given), None),
            };
            ConsentRecord {
                purpose,
                given_at,
                withdrawn_at,
                explicit,
            }
        });
    let consents = ::proptest::collection::vec(consent, 0..4);
    let objections = ::proptest::collection::vec(purpose, 0..2);
    let attributes: Vec<BoxedStrategy<Option<AttrValue>>> =
        tables.attributes.iter().cloned().map(attribute).collect();
    let rare = || ::proptest::bool::weighted(0.1);
    let flags = (rare(), rare(), rare(), rare(), any::<bool>());
    (
        (region, age, kind, consents, objections),
        (0u8..64, ::proptest::bool::weighted(0.7), flags, attributes),
    )
        .prop_map(
            move |(
                (region, age, kind, consents, objections),
                (mask, no_opt_out, flags, attributes),
            )| {
                let (gpc, restricted, erasure_requested, account_deleted, parental_consent) = flags;
                Subject {
                    region,
                    age,
                    kind,
                    consents,
                    target_consents: Vec::new(),
                    objections,
                    opt_outs: if no_opt_out { 0 } else { mask },
                    opt_out_records: Vec::new(),
                    gpc,
                    restricted,
                    erasure_requested,
                    account_deleted,
                    parental_consent,
                    attributes,
                    stamp,
                }
            },
        )
        .boxed()
}

/// Use questions: mostly data the purpose declares, in a place, sometimes with the time the
/// data was collected.
pub fn use_queries(policy: &Policy) -> BoxedStrategy<Query> {
    let tables = Tables::new(policy);
    let stamp = policy.stamp();
    let declared: Vec<(PurposeId, DataRef)> = tables
        .purposes
        .iter()
        .zip(&tables.declared)
        .flat_map(|(p, data)| data.iter().map(move |d| (*p, *d)))
        .collect();
    let any_pair = (
        pick(tables.purposes.clone(), PurposeId(0)),
        pick(tables.data.clone(), DataRef::Category(CategoryId(0))),
    );
    let pair = if declared.is_empty() {
        any_pair.boxed()
    } else {
        prop_oneof![4 => pick(declared, (PurposeId(0), DataRef::Category(CategoryId(0)))), 1 => any_pair].boxed()
    };
    (
        pair,
        pick(tables.places, RegionId(0)),
        ::proptest::option::weighted(0.3, time()),
        circumstances(policy),
    )
        .prop_map(
            move |((purpose, data), region, collected_at, circumstances)| Query {
                purpose,
                data,
                region: Some(region),
                collected_at,
                recipient: None,
                combine: None,
                circumstances,
                campaign: None,
                stamp,
            },
        )
        .boxed()
}

/// Any set of the policy's declared circumstances (none when it declares none).
pub fn circumstances(policy: &Policy) -> BoxedStrategy<Circumstances> {
    let declared = policy
        .circumstances
        .len()
        .min(crate::model::MAX_CIRCUMSTANCES);
    if declared == 0 {
        return Just(Circumstances::NONE).boxed();
    }
    ::proptest::collection::vec(any::<bool>(), declared)
        .prop_map(|given| {
            given
                .iter()
                .enumerate()
                .filter(|(_, on)| **on)
                .map(|(i, _)| CircumstanceId(id(i)))
                .collect()
        })
        .boxed()
}

/// Disclosure questions: a use question with a recipient, mostly one declared for the
/// purpose.
pub fn disclosure_queries(policy: &Policy) -> BoxedStrategy<Query> {
    let tables = Tables::new(policy);
    let declared: Vec<(RecipientId, PurposeId)> = policy
        .recipients
        .iter()
        .enumerate()
        .flat_map(|(r, q)| {
            q.purposes
                .iter()
                .map(move |p| (RecipientId(id(r)), PurposeId(id(p))))
        })
        .collect();
    let recipients = pick(tables.recipients, RecipientId(0));
    let uses = use_queries(policy);
    let declared = pick(declared, (RecipientId(0), PurposeId(0)));
    prop_oneof![
        2 => (uses.clone(), declared).prop_map(|(q, (r, p))| Query { purpose: p, recipient: Some(r), ..q }),
        1 => (uses, recipients).prop_map(|(q, r)| Query { recipient: Some(r), ..q }),
    ]
    .boxed()
}

/// Transfer questions between places.
pub fn transfers(policy: &Policy) -> BoxedStrategy<Question> {
    let tables = Tables::new(policy);
    (
        pick(tables.categories, CategoryId(0)),
        pick(tables.places.clone(), RegionId(0)),
        pick(tables.places, RegionId(0)),
        circumstances(policy),
    )
        .prop_map(|(category, from, to, circumstances)| Question::Transfer {
            category,
            from,
            to,
            circumstances,
        })
        .boxed()
}

/// Use, disclosure and transfer questions.
pub fn questions(policy: &Policy) -> BoxedStrategy<Question> {
    prop_oneof![
        3 => use_queries(policy).prop_map(Question::Decide),
        2 => disclosure_queries(policy).prop_map(Question::Decide),
        1 => transfers(policy),
    ]
    .boxed()
}

/// Subjects with a question each.
pub fn cases(policy: &Policy) -> BoxedStrategy<Case> {
    (subjects(policy), questions(policy))
        .prop_map(|(subject, question)| Case { subject, question })
        .boxed()
}

/// Event timelines for retention questions: a few of the policy's events at random times,
/// in time order.
pub fn timelines(policy: &Policy) -> BoxedStrategy<Vec<(EventId, jiff::Timestamp)>> {
    let events = Tables::new(policy).events;
    if events == 0 {
        return Just(Vec::new()).boxed();
    }
    ::proptest::collection::vec(((0..id(events)).prop_map(EventId), time()), 0..4)
        .prop_map(|mut timeline| {
            timeline.sort_by_key(|(_, at)| *at);
            timeline
        })
        .boxed()
}

/// A property that did not hold: the shrunk case, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The case in test syntax, with the decision's explanation.
    pub case: String,
    /// The property that failed, in one sentence.
    pub reason: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n{}", self.reason, self.case)
    }
}

impl std::error::Error for Failure {}

/// Run `cases` generated cases through `check`, which returns `Err(why)` for a case that
/// breaks the property. Failing cases are shrunk.
pub fn check_cases(
    policy: &Policy,
    cases: u32,
    check: impl Fn(&Case, &Decision) -> Result<(), String>,
) -> Result<(), Failure> {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = self::cases(policy);
    let result = runner.run(&strategy, |case| {
        let Some(decision) = case.decide(policy) else {
            return Ok(());
        };
        check(&case, &decision).map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Abort(reason)) => Err(Failure {
            case: String::new(),
            reason: reason.to_string(),
        }),
        Err(TestError::Fail(reason, case)) => {
            let explanation = case
                .decide(policy)
                .map(|d| d.explain(policy))
                .unwrap_or_default();
            Err(Failure {
                case: format!("{}\n→ {explanation}", case.describe(policy)),
                reason: reason.to_string(),
            })
        }
    }
}

/// No generated case's decision satisfies `bad`.
pub fn check_never(
    policy: &Policy,
    cases: u32,
    bad: impl Fn(&Case, &Decision) -> bool,
) -> Result<(), Failure> {
    check_cases(policy, cases, |case, decision| {
        if bad(case, decision) {
            Err("a decision the property forbids".to_owned())
        } else {
            Ok(())
        }
    })
}

/// Every generated case's decision satisfies `good`.
pub fn check_always(
    policy: &Policy,
    cases: u32,
    good: impl Fn(&Case, &Decision) -> bool,
) -> Result<(), Failure> {
    check_cases(policy, cases, |case, decision| {
        if good(case, decision) {
            Ok(())
        } else {
            Err("a decision the property requires does not hold".to_owned())
        }
    })
}
