//! Evaluating compiled conditions against a subject.
//!
//! Conditions use three-valued logic: a predicate about something the subject does not
//! say (an unknown age, an attribute not given, no subject at all for a bare transfer
//! query) is [`Truth::Unknown`]. Each caller resolves `Unknown` towards failing closed:
//! a deny rule whose `when` is unknown applies; an exception, a basis `when` or a
//! recipient condition that is unknown does not hold.

use std::cmp::Ordering;

use crate::model::{
    AttrValue, AttributeId, Circumstances, CmpOp, Cond, CondAt, CondNode, PackedConds, Policy,
    Predicate, PurposeId, RegionId, SymbolId, UnknownAge,
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
            Predicate::Age(op, n) => age_is(subject, *op, *n),
            Predicate::RegionIn(set) => region_in(subject, |r| set.contains(r)),
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
            Predicate::AttrTrue(id) => attr_true(subject, *id),
            Predicate::AttrCmp(id, op, literal) => match subject.attribute(*id) {
                None => Truth::Unknown,
                Some(value) => Truth::from_bool(compare_values(*op, value, literal)),
            },
            Predicate::SetContains(id, symbol) => set_contains(subject, *id, *symbol),
            Predicate::Never | Predicate::Circumstance(_) => Truth::False,
        }
    }

    /// [`Env::eval`] of a condition packed in `conds` (the decision tables' copies): the
    /// same truth value as the tree it was packed from (`packing_keeps_the_truth_value`).
    #[inline]
    pub fn eval_packed(&self, conds: &PackedConds, at: CondAt) -> Truth {
        self.node(conds, at.index())
    }

    fn node(&self, conds: &PackedConds, i: usize) -> Truth {
        let nodes = conds.nodes();
        // Out of range only for a corrupt table: not known, so resolved failing closed.
        let Some(&node) = nodes.get(i) else {
            return Truth::Unknown;
        };
        match node {
            CondNode::True => Truth::True,
            CondNode::False => Truth::False,
            CondNode::Not { .. } => !self.node(conds, i + 1),
            // As `Env::eval`: `false` decides an `and`, `true` an `or`.
            CondNode::And { end } => self.packed_parts(conds, i, end, Truth::False),
            CondNode::Or { end } => self.packed_parts(conds, i, end, Truth::True),
            CondNode::Known { end } => Truth::from_bool(
                self.all_known_packed(conds, i + 1, end as usize)
                    && self.node(conds, i + 1) == Truth::True,
            ),
            leaf => self.leaf(conds, leaf),
        }
    }

    /// The `and` (`decides` false) or `or` (`decides` true) at `i` of the parts up to `end`:
    /// the first part that is `decides` decides; else unknown when a part is, else not
    /// `decides`.
    #[inline(always)]
    fn packed_parts(&self, conds: &PackedConds, i: usize, end: u32, decides: Truth) -> Truth {
        let mut result = !decides;
        let mut j = i + 1;
        while j < end as usize {
            let (truth, next) = self.packed_part(conds, j);
            if truth == decides {
                return decides;
            }
            if truth == Truth::Unknown {
                result = Truth::Unknown;
            }
            j = next;
        }
        result
    }

    /// The part of an `and` / `or` at `j` and the index past it, with a fact (or a negated
    /// fact) read without a further call, as [`Env::part`] does for trees.
    #[inline(always)]
    fn packed_part(&self, conds: &PackedConds, j: usize) -> (Truth, usize) {
        let nodes = conds.nodes();
        let Some(&node) = nodes.get(j) else {
            return (Truth::Unknown, usize::MAX);
        };
        match node {
            CondNode::Not { end } => match nodes.get(j + 1) {
                Some(&inner) if inner.is_leaf() => (!self.leaf(conds, inner), end as usize),
                _ => (!self.node(conds, j + 1), end as usize),
            },
            CondNode::And { end } | CondNode::Or { end } | CondNode::Known { end } => {
                (self.node(conds, j), end as usize)
            }
            CondNode::True => (Truth::True, j + 1),
            CondNode::False => (Truth::False, j + 1),
            leaf => (self.leaf(conds, leaf), j + 1),
        }
    }

    /// [`Env::all_known`] of the nodes `i..end` (one subtree).
    fn all_known_packed(&self, conds: &PackedConds, mut i: usize, end: usize) -> bool {
        while i < end {
            let Some(&node) = conds.nodes().get(i) else {
                return false;
            };
            match node {
                // A `known` inside is two-valued: skip what it reads.
                CondNode::Known { end } => i = end as usize,
                CondNode::True
                | CondNode::False
                | CondNode::Not { .. }
                | CondNode::And { .. }
                | CondNode::Or { .. } => i += 1,
                leaf => {
                    if self.leaf(conds, leaf) == Truth::Unknown {
                        return false;
                    }
                    i += 1;
                }
            }
        }
        true
    }

    /// A packed predicate: the same helpers [`Env::predicate`] reads it with.
    #[inline]
    fn leaf(&self, conds: &PackedConds, node: CondNode) -> Truth {
        match node {
            CondNode::Circumstance(id) => return Truth::from_bool(self.circumstances.contains(id)),
            CondNode::Other(i) => {
                return conds
                    .other(i)
                    .map_or(Truth::Unknown, |predicate| self.predicate(predicate))
            }
            _ => {}
        }
        let Some(subject) = self.subject else {
            return Truth::Unknown;
        };
        let policy = self.policy;
        match node {
            CondNode::Child => Truth::from_bool(is_child(policy, subject, self.region)),
            CondNode::Adult => Truth::from_bool(!is_child(policy, subject, self.region)),
            CondNode::Age(op, n) => age_is(subject, op, n.into()),
            CondNode::RegionMask { members, .. } => {
                region_in(subject, |r| r < 32 && members & (1 << r) != 0)
            }
            CondNode::Consent(p) => Truth::from_bool(has_active_consent(policy, subject, p, false)),
            CondNode::ExplicitConsent(p) => {
                Truth::from_bool(has_active_consent(policy, subject, p, true))
            }
            CondNode::Objected(p) => Truth::from_bool(has_objected(policy, subject, p)),
            CondNode::OptedOut(kind) => Truth::from_bool(subject.has_opted_out(kind)),
            CondNode::AttrTrue(id) => attr_true(subject, id),
            CondNode::SetContains(id, symbol) => {
                set_contains(subject, AttributeId(id.into()), symbol)
            }
            // Compound nodes are not leaves; the rest returned above.
            _ => Truth::Unknown,
        }
    }
}

/// `subject.age OP n`; unknown when the age is.
#[inline]
fn age_is(subject: &Subject, op: CmpOp, n: i64) -> Truth {
    subject.age.map_or(Truth::Unknown, |age| {
        Truth::from_bool(compare(op, i64::from(age).cmp(&n)))
    })
}

/// `subject.region in SET`, `contains` testing a region's index; unknown when the region is.
#[inline]
fn region_in(subject: &Subject, contains: impl Fn(usize) -> bool) -> Truth {
    subject
        .region
        .map_or(Truth::Unknown, |r| Truth::from_bool(contains(r.index())))
}

/// A `bool` attribute is true; unknown when not given, false when of another type.
#[inline]
fn attr_true(subject: &Subject, id: AttributeId) -> Truth {
    match subject.attribute(id) {
        None => Truth::Unknown,
        Some(AttrValue::Bool(b)) => Truth::from_bool(*b),
        Some(_) => Truth::False,
    }
}

/// A `set` attribute holds `symbol`; unknown when not given, false when of another type.
#[inline]
fn set_contains(subject: &Subject, id: AttributeId, symbol: SymbolId) -> Truth {
    match subject.attribute(id) {
        None => Truth::Unknown,
        Some(AttrValue::Set(items)) => Truth::from_bool(items.contains(&symbol)),
        Some(_) => Truth::False,
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
        AttrValue, AttributeId, CircumstanceId, Circumstances, CmpOp, Cond, IdSet, OptOutKind,
        PackedConds, Policy, Predicate, PurposeId, RegionId, SubjectKindId, SymbolId,
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
            attribute tags: set
            circumstance legal_claims "Legal claims have been brought"
            circumstance audit "An audit is under way"
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
        conds_of(predicate(), 4, 32)
    }

    /// Conditions over `predicates`, `depth` levels and about `size` nodes at most.
    fn conds_of(
        predicates: impl Strategy<Value = Predicate> + 'static,
        depth: u32,
        size: u32,
    ) -> impl Strategy<Value = Cond> {
        let leaf = prop_oneof![
            1 => Just(Cond::True),
            1 => Just(Cond::False),
            5 => predicates.prop_map(Cond::Is),
        ];
        leaf.prop_recursive(depth, size, 4, |inner| {
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

    /// Every predicate kind, the large and the rare ones too (they are packed aside).
    fn any_predicate() -> impl Strategy<Value = Predicate> {
        let far_region = prop::collection::vec(0usize..70, 0..3).prop_map(|members| {
            let mut set = IdSet::new(70);
            for r in members {
                set.insert(r);
            }
            set
        });
        prop_oneof![
            4 => predicate(),
            1 => far_region.prop_map(Predicate::RegionIn),
            1 => Just(Predicate::Adult),
            1 => (0u32..2).prop_map(|p| Predicate::ExplicitConsent(PurposeId(p))),
            1 => prop::sample::select(OptOutKind::ALL.to_vec()).prop_map(Predicate::OptedOut),
            1 => Just(Predicate::Restricted),
            1 => Just(Predicate::Erased),
            1 => Just(Predicate::ParentalConsent),
            1 => (0u32..2).prop_map(|k| Predicate::KindIs(SubjectKindId(k))),
            1 => (0u32..3).prop_map(|s| Predicate::SetContains(AttributeId(1), SymbolId(s))),
            1 => (0u32..3).prop_map(|s| Predicate::SetContains(AttributeId(0), SymbolId(s))),
            1 => any::<bool>().prop_map(|b| Predicate::AttrCmp(AttributeId(0), CmpOp::Eq, AttrValue::Bool(b))),
            1 => (0u32..2).prop_map(|c| Predicate::Circumstance(CircumstanceId(c))),
            // Too large for a node: kept aside.
            1 => prop::sample::select(vec![i64::MIN, -(1 << 40), 1 << 40, i64::MAX])
                .prop_map(|n| Predicate::Age(CmpOp::Lt, n)),
            1 => Just(Predicate::SetContains(AttributeId(70_000), SymbolId(0))),
        ]
    }

    fn any_cond() -> impl Strategy<Value = Cond> {
        conds_of(any_predicate(), 5, 48)
    }

    proptest! {
        /// The decision tables' packed copy of a condition has its truth value for every
        /// subject (and for none), region and circumstances, and unpacks to it.
        #[test]
        fn packing_keeps_the_truth_value(
            conds in prop::collection::vec(any_cond(), 1..4),
            facts in (
                prop::option::of(10u16..20),
                prop::option::of(0u32..2),
                prop::option::of(0u32..2),
                prop::option::of(0u32..2),
                any::<bool>(),
                prop::option::of(any::<bool>()),
            ),
            more in (any::<bool>(), any::<bool>(), any::<u8>(), prop::option::of(0u32..2),
                prop::option::of(prop::collection::vec(0u32..3, 0..3))),
            region in 0u32..2,
            circumstances in 0u64..4,
        ) {
            let policy = policy();
            let mut subject = subject(&policy, facts);
            let (restricted, parental, opt_outs, kind, set) = more;
            subject.restricted = restricted;
            subject.parental_consent = parental;
            subject.opt_outs = opt_outs & 0x3f;
            subject.kind = kind.map(SubjectKindId);
            if let Some(c) = subject.consents.first_mut() {
                c.explicit = parental;
            }
            subject
                .attributes
                .push(set.map(|s| AttrValue::Set(s.into_iter().map(SymbolId).collect())));
            // Several conditions in one list: each is read from where it starts.
            let mut packed = PackedConds::default();
            let at: Vec<_> = conds.iter().map(|c| packed.push(c).unwrap()).collect();
            let circumstances = (0..2)
                .filter(|i| circumstances & (1 << i) != 0)
                .map(CircumstanceId)
                .collect::<Circumstances>();
            // Folded as written into the list: the folded tree, and nothing when it holds.
            let folded: Vec<_> = conds.iter().map(|c| (packed.push_folded(c).unwrap(), c.folded())).collect();
            for (at, tree) in &folded {
                prop_assert_eq!(packed.to_cond(*at), Some(tree.clone()));
            }
            for cond in &conds {
                let when = packed.push_folded_when(cond).unwrap();
                prop_assert_eq!(when.is_none(), cond.folded() == Cond::True);
                prop_assert_eq!(when.and_then(|w| packed.to_cond(w)), Some(cond.folded()).filter(|c| *c != Cond::True));
            }
            for (cond, &at) in conds.iter().zip(&at) {
                prop_assert_eq!(packed.to_cond(at), Some(cond.clone()));
                for subject in [Some(&subject), None] {
                    let env = Env {
                        policy: &policy,
                        subject,
                        region: RegionId(region),
                        circumstances,
                    };
                    prop_assert_eq!(env.eval_packed(&packed, at), env.eval(cond), "{:?}", cond);
                }
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
