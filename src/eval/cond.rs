//! Evaluating compiled conditions against a subject.
//!
//! Conditions use three-valued logic: a predicate about something the subject does not
//! say (an unknown age, an attribute not given, no subject at all for a bare transfer
//! query) is [`Truth::Unknown`]. Each caller resolves `Unknown` towards failing closed:
//! a deny rule whose `when` is unknown applies; an exception, a basis `when` or a
//! recipient condition that is unknown does not hold.

use std::cmp::Ordering;

use crate::model::{
    AttrValue, Circumstances, CmpOp, Cond, Policy, Predicate, PurposeId, RegionId, UnknownAge,
};
use crate::subject::Subject;

/// Kleene's three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    /// The condition does not hold.
    False,
    /// The subject does not say enough to tell.
    Unknown,
    /// The condition holds.
    True,
}

impl Truth {
    fn from_bool(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// `and`: false wins, then unknown.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
            (Truth::True, Truth::True) => Truth::True,
        }
    }

    /// `or`: true wins, then unknown.
    pub fn or(self, other: Truth) -> Truth {
        !((!self).and(!other))
    }

    /// Every truth value, in the order the prover lists them.
    pub const ALL: [Truth; 3] = [Truth::Unknown, Truth::True, Truth::False];

    /// Resolve towards "the restriction applies" (deny rules).
    pub fn or_true(self) -> bool {
        self != Truth::False
    }

    /// Resolve towards "the permission does not hold" (exceptions, bases, conditions).
    pub fn or_false(self) -> bool {
        self == Truth::True
    }
}

/// `not`: unknown stays unknown.
impl std::ops::Not for Truth {
    type Output = Truth;

    fn not(self) -> Truth {
        match self {
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
            Truth::True => Truth::False,
        }
    }
}

/// What a condition is evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    /// The policy the condition and the subject's ids belong to.
    pub policy: &'a Policy,
    /// `None` for questions about no particular subject (a bare transfer).
    pub subject: Option<&'a Subject>,
    /// The query region: `subject.child` uses its age threshold.
    pub region: RegionId,
    /// The circumstances the question gives (`circumstance.NAME`); absent means false.
    pub circumstances: Circumstances,
}

impl Env<'_> {
    /// Evaluate `cond`: `Unknown` when it turns on something the subject does not say
    /// (resolve it with [`Truth::or_true`] or [`Truth::or_false`]).
    pub fn eval(&self, cond: &Cond) -> Truth {
        match cond {
            Cond::True => Truth::True,
            Cond::False => Truth::False,
            Cond::Not(inner) => !self.part(inner),
            // The same operators the prover folds conditions with (`analysis::fold`):
            // `false` decides an `and`, `true` an `or`, whatever the other parts are, so
            // stopping at the first deciding part is only quicker.
            Cond::And(parts) => {
                let mut result = Truth::True;
                for part in parts {
                    match self.part(part) {
                        Truth::False => return Truth::False,
                        Truth::Unknown => result = Truth::Unknown,
                        Truth::True => {}
                    }
                }
                result
            }
            Cond::Or(parts) => {
                let mut result = Truth::False;
                for part in parts {
                    match self.part(part) {
                        Truth::True => return Truth::True,
                        Truth::Unknown => result = Truth::Unknown,
                        Truth::False => {}
                    }
                }
                result
            }
            Cond::Known(inner) => {
                Truth::from_bool(self.all_known(inner) && self.eval(inner) == Truth::True)
            }
            Cond::Is(predicate) => self.predicate(predicate),
        }
    }

    /// [`Env::eval`] of a part, with a fact (or a negated fact) read without a further
    /// call: most parts of a condition are.
    #[inline(always)]
    fn part(&self, cond: &Cond) -> Truth {
        match cond {
            Cond::Is(predicate) => self.predicate(predicate),
            Cond::Not(inner) => match &**inner {
                Cond::Is(predicate) => !self.predicate(predicate),
                inner => !self.eval(inner),
            },
            cond => self.eval(cond),
        }
    }

    /// Whether every fact `cond` reads is known for this subject (`known C`). A `known`
    /// inside is two-valued, so it is known.
    fn all_known(&self, cond: &Cond) -> bool {
        match cond {
            Cond::True | Cond::False | Cond::Known(_) => true,
            Cond::Not(inner) => self.all_known(inner),
            Cond::And(parts) | Cond::Or(parts) => parts.iter().all(|p| self.all_known(p)),
            Cond::Is(predicate) => self.predicate(predicate) != Truth::Unknown,
        }
    }

    /// `None` (no condition) holds.
    pub fn eval_opt(&self, cond: Option<&Cond>) -> Truth {
        cond.map_or(Truth::True, |c| self.eval(c))
    }

    fn predicate(&self, predicate: &Predicate) -> Truth {
        match predicate {
            Predicate::Never => return Truth::False,
            Predicate::Circumstance(id) => {
                return Truth::from_bool(self.circumstances.contains(*id))
            }
            _ => {}
        }
        let Some(subject) = self.subject else {
            return Truth::Unknown;
        };
        let policy = self.policy;
        match predicate {
            Predicate::Child => Truth::from_bool(is_child(policy, subject, self.region)),
            Predicate::Adult => Truth::from_bool(!is_child(policy, subject, self.region)),
            Predicate::Age(op, n) => subject.age.map_or(Truth::Unknown, |age| {
                Truth::from_bool(compare(*op, i64::from(age).cmp(n)))
            }),
            Predicate::RegionIn(set) => subject.region.map_or(Truth::Unknown, |r| {
                Truth::from_bool(set.contains(r.index()))
            }),
            Predicate::KindIs(kind) => subject
                .kind
                .or(policy.index.default_subject_kind)
                .map_or(Truth::Unknown, |k| Truth::from_bool(k == *kind)),
            Predicate::Consent(p) => {
                Truth::from_bool(has_active_consent(policy, subject, *p, false))
            }
            Predicate::ExplicitConsent(p) => {
                Truth::from_bool(has_active_consent(policy, subject, *p, true))
            }
            Predicate::Objected(p) => Truth::from_bool(has_objected(policy, subject, *p)),
            Predicate::OptedOut(kind) => Truth::from_bool(subject.has_opted_out(*kind)),
            Predicate::Gpc => Truth::from_bool(subject.gpc),
            Predicate::Restricted => Truth::from_bool(subject.restricted),
            Predicate::Erased => Truth::from_bool(subject.is_erased()),
            Predicate::ParentalConsent => Truth::from_bool(subject.parental_consent),
            Predicate::AttrTrue(id) => match subject.attribute(*id) {
                None => Truth::Unknown,
                Some(AttrValue::Bool(b)) => Truth::from_bool(*b),
                Some(_) => Truth::False,
            },
            Predicate::AttrCmp(id, op, literal) => match subject.attribute(*id) {
                None => Truth::Unknown,
                Some(value) => Truth::from_bool(compare_values(*op, value, literal)),
            },
            Predicate::SetContains(id, symbol) => match subject.attribute(*id) {
                None => Truth::Unknown,
                Some(AttrValue::Set(items)) => Truth::from_bool(items.contains(symbol)),
                Some(_) => Truth::False,
            },
            Predicate::Never | Predicate::Circumstance(_) => Truth::False,
        }
    }
}

fn compare(op: CmpOp, ordering: Ordering) -> bool {
    match op {
        CmpOp::Eq => ordering == Ordering::Equal,
        CmpOp::Ne => ordering != Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
    }
}

fn compare_values(op: CmpOp, value: &AttrValue, literal: &AttrValue) -> bool {
    match (value, literal) {
        (AttrValue::Int(a), AttrValue::Int(b)) => compare(op, a.cmp(b)),
        (AttrValue::Bool(a), AttrValue::Bool(b)) => compare(op, a.cmp(b)),
        // A string the policy never mentions (`None`) equals no literal.
        (AttrValue::Str(a), AttrValue::Str(b)) => {
            let equal = a.is_some() && a == b;
            match op {
                CmpOp::Eq => equal,
                CmpOp::Ne => !equal,
                _ => false,
            }
        }
        _ => false,
    }
}

/// Below the age threshold of `region`; an unknown age as the policy says.
pub fn is_child(policy: &Policy, subject: &Subject, region: RegionId) -> bool {
    let Some(Some(threshold)) = policy.children.threshold.get(region.index()) else {
        return false;
    };
    match subject.age {
        None => policy.children.unknown_age == UnknownAge::Child,
        Some(age) => age < u16::from(*threshold),
    }
}

/// The purpose and its ancestors (self first).
#[inline]
pub fn lineage(policy: &Policy, purpose: PurposeId) -> &[PurposeId] {
    // The packed copy when it holds it (one cache line fewer), else the purpose's own.
    match policy
        .index
        .decision
        .purpose(purpose)
        .and_then(|facts| facts.lineage.all())
    {
        Some(lineage) => lineage,
        None => long_lineage(policy, purpose),
    }
}

fn long_lineage(policy: &Policy, purpose: PurposeId) -> &[PurposeId] {
    policy
        .purposes
        .get(purpose.index())
        .map_or(&[], |p| p.ancestors.as_slice())
}

/// The purposes a consent counts for `purpose` when given to: itself and its ancestors —
/// but only itself for a purpose a `purpose other` clause decides ("other purposes with your
/// consent" need consent to that exact purpose: GDPR Art. 4(11), 6(1)(a), "specific").
#[inline]
pub fn consent_lineage(policy: &Policy, purpose: PurposeId) -> &[PurposeId] {
    if let Some(lineage) = policy
        .index
        .decision
        .purpose(purpose)
        .and_then(|facts| facts.lineage.consent())
    {
        return lineage;
    }
    match policy.purposes.get(purpose.index()) {
        Some(p) if p.other.is_some() => p.ancestors.get(..1).unwrap_or(&[]),
        Some(p) => p.ancestors.as_slice(),
        None => &[],
    }
}

/// An active consent that counts for `purpose` (explicit when `explicit`): to it or an
/// ancestor, see [`consent_lineage`].
pub fn has_active_consent(
    policy: &Policy,
    subject: &Subject,
    purpose: PurposeId,
    explicit: bool,
) -> bool {
    let lineage = consent_lineage(policy, purpose);
    subject
        .consents
        .iter()
        .any(|c| lineage.contains(&c.purpose) && c.is_active() && (c.explicit || !explicit))
}

/// An objection to `purpose` or an ancestor.
pub fn has_objected(policy: &Policy, subject: &Subject, purpose: PurposeId) -> bool {
    // Most subjects object to nothing: then the purpose's lineage need not be read.
    if subject.objections.is_empty() {
        return false;
    }
    let lineage = lineage(policy, purpose);
    subject.objections.iter().any(|o| lineage.contains(o))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use proptest::prelude::*;

    use super::{Env, Truth};
    use crate::model::{
        AttributeId, Circumstances, CmpOp, Cond, IdSet, Policy, Predicate, PurposeId, RegionId,
    };
    use crate::subject::{ConsentRecord, Subject};

    fn policy() -> Policy {
        crate::compile_str(
            "fold.lawful",
            r#"
            policy "Fold" { controller "C" }
            region EU "EU"
            region US "US"
            attribute verified: bool
            category contact.email
            purpose marketing { uses contact.email basis consent }
            purpose marketing.direct { uses contact.email basis consent }
            "#,
        )
        .unwrap()
        .policy
    }

    fn predicate() -> impl Strategy<Value = Predicate> {
        let ops = prop::sample::select(vec![
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
        ]);
        let region_set = prop::collection::vec(any::<bool>(), 2).prop_map(|members| {
            let mut set = IdSet::new(2);
            for (i, _) in members.iter().enumerate().filter(|(_, m)| **m) {
                set.insert(i);
            }
            set
        });
        prop_oneof![
            (ops, 10i64..20).prop_map(|(op, n)| Predicate::Age(op, n)),
            region_set.prop_map(Predicate::RegionIn),
            (0u32..2).prop_map(|p| Predicate::Consent(PurposeId(p))),
            (0u32..2).prop_map(|p| Predicate::Objected(PurposeId(p))),
            Just(Predicate::Gpc),
            Just(Predicate::Child),
            Just(Predicate::AttrTrue(AttributeId(0))),
            Just(Predicate::Never),
        ]
    }

    fn cond() -> impl Strategy<Value = Cond> {
        let leaf = prop_oneof![
            1 => Just(Cond::True),
            1 => Just(Cond::False),
            4 => predicate().prop_map(Cond::Is),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
                inner.clone().prop_map(|c| Cond::Known(Box::new(c))),
                prop::collection::vec(inner.clone(), 0..4).prop_map(Cond::And),
                prop::collection::vec(inner, 0..4).prop_map(Cond::Or),
            ]
        })
    }

    /// What the subject says: age, region, a consent, an objection, GPC, `verified`.
    type Facts = (
        Option<u16>,
        Option<u32>,
        Option<u32>,
        Option<u32>,
        bool,
        Option<bool>,
    );

    fn subject(policy: &Policy, facts: Facts) -> Subject {
        let (age, region, consent, objection, gpc, verified) = facts;
        let mut subject = Subject::new(policy);
        subject.age = age;
        subject.region = region.map(RegionId);
        subject.consents = consent
            .map(|p| ConsentRecord {
                purpose: PurposeId(p),
                given_at: None,
                withdrawn_at: None,
                explicit: false,
            })
            .into_iter()
            .collect();
        subject.objections = objection.map(PurposeId).into_iter().collect();
        subject.gpc = gpc;
        subject.attributes = vec![verified.map(crate::model::AttrValue::Bool)];
        subject
    }

    proptest! {
        /// A folded condition has the condition's truth value for every subject (and for
        /// none), so the evaluator may read the folded copy.
        #[test]
        fn folding_keeps_the_truth_value(
            cond in cond(),
            facts in (
                prop::option::of(10u16..20),
                prop::option::of(0u32..2),
                prop::option::of(0u32..2),
                prop::option::of(0u32..2),
                any::<bool>(),
                prop::option::of(any::<bool>()),
            ),
            region in 0u32..2,
        ) {
            let policy = policy();
            let subject = subject(&policy, facts);
            let folded = cond.folded();
            for subject in [Some(&subject), None] {
                let env = Env {
                    policy: &policy,
                    subject,
                    region: RegionId(region),
                    circumstances: Circumstances::NONE,
                };
                prop_assert_eq!(env.eval(&folded), env.eval(&cond), "{:?} → {:?}", cond, folded);
            }
        }
    }

    #[test]
    fn constant_parts_fold_away() {
        let region = Cond::Is(Predicate::RegionIn(IdSet::new(2)));
        let not_region = Cond::Not(Box::new(region.clone()));
        // `(not subject.region in EU or true)`: always true.
        assert_eq!(
            Cond::Or(vec![not_region.clone(), Cond::True]).folded(),
            Cond::True
        );
        assert_eq!(
            Cond::And(vec![
                Cond::True,
                not_region.clone(),
                Cond::Not(Box::new(Cond::False))
            ])
            .folded(),
            not_region
        );
        assert_eq!(
            Cond::And(vec![region.clone(), Cond::Is(Predicate::Never)]).folded(),
            Cond::False
        );
        // `known` reads whether its facts are known: left as written.
        let known = Cond::Known(Box::new(Cond::Or(vec![region, Cond::True])));
        assert_eq!(known.folded(), known);
        assert_eq!(Truth::True, Truth::Unknown.or(Truth::True));
    }
}
