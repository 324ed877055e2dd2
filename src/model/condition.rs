//! Compiled conditions: names resolved to ids, attribute strings interned.

use super::ids::{AttributeId, CircumstanceId, PurposeId, SubjectKindId, SymbolId};
use super::IdSet;

/// The kinds of processing a US-style opt-out covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptOutKind {
    /// `sale`: selling personal information.
    Sale,
    /// `sharing`: sharing for cross-context targeted advertising.
    Sharing,
    /// `targeted_advertising`: advertising based on the subject's activity.
    TargetedAdvertising,
    /// `profiling`: profiling with legal or similarly significant effects.
    Profiling,
    /// `marketing`: direct marketing (an unsubscribe: it stops every `direct_marketing`
    /// purpose, whatever its basis).
    Marketing,
    /// `limit_sensitive`: the CPRA right to limit the use of sensitive personal information
    /// (Cal. Civ. Code § 1798.121): it stops every use of a `sensitive` category by a
    /// purpose that does not `survive limit_sensitive`.
    LimitSensitive,
}

impl OptOutKind {
    /// Every kind, in the order of their bits.
    pub const ALL: [OptOutKind; 6] = [
        OptOutKind::Sale,
        OptOutKind::Sharing,
        OptOutKind::TargetedAdvertising,
        OptOutKind::Profiling,
        OptOutKind::Marketing,
        OptOutKind::LimitSensitive,
    ];

    /// The name as written in policies and subject JSON (`targeted_advertising`).
    pub fn name(self) -> &'static str {
        match self {
            OptOutKind::Sale => "sale",
            OptOutKind::Sharing => "sharing",
            OptOutKind::TargetedAdvertising => "targeted_advertising",
            OptOutKind::Profiling => "profiling",
            OptOutKind::Marketing => "marketing",
            OptOutKind::LimitSensitive => "limit_sensitive",
        }
    }

    /// The kind with this name; `None` for any other text.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Every name, in the order of [`OptOutKind::ALL`].
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|k| k.name()).collect()
    }

    /// Bit in a subject's opt-out mask.
    #[inline]
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// A Global Privacy Control signal is an opt-out of sale and of sharing for targeted
    /// advertising (Cal. Code Regs. tit. 11 § 7025).
    pub const GPC_MASK: u8 = (1 << OptOutKind::Sale as u8)
        | (1 << OptOutKind::Sharing as u8)
        | (1 << OptOutKind::TargetedAdvertising as u8);
}

/// A comparison in a compiled condition (`subject.age < 16`, `subject.tier == "gold"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A typed attribute value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttrValue {
    /// Of a `bool` attribute.
    Bool(bool),
    /// Of an `int` attribute.
    Int(i64),
    /// An interned string; `None` when the string appears nowhere in the policy (it then
    /// equals no literal the policy can compare it with).
    Str(Option<SymbolId>),
    /// Of a `set` attribute: the interned members (members the policy never mentions are
    /// left out).
    Set(Vec<SymbolId>),
}

/// Facts about the subject a condition can test.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Predicate {
    /// Below the age threshold of the query region (unknown age per the policy's default).
    Child,
    /// Not a child in the query region.
    Adult,
    /// The subject's age compared with a number of years (unknown when the age is).
    Age(CmpOp, i64),
    /// The subject's region of residence is inside this set.
    RegionIn(IdSet),
    /// The subject is of this kind (the policy's default kind when it does not say).
    KindIs(SubjectKindId),
    /// An active consent to this purpose or an ancestor.
    Consent(PurposeId),
    /// An active explicit consent to this purpose or an ancestor.
    ExplicitConsent(PurposeId),
    /// The subject objected to this purpose or an ancestor.
    Objected(PurposeId),
    /// The subject opted out of this kind, directly or by Global Privacy Control.
    OptedOut(OptOutKind),
    /// The subject sent a Global Privacy Control signal.
    Gpc,
    /// Processing is restricted (GDPR Art. 18).
    Restricted,
    /// Erasure was requested or the account deleted.
    Erased,
    /// A parent or guardian consented.
    ParentalConsent,
    /// A `bool` attribute is true (unknown when not given).
    AttrTrue(AttributeId),
    /// An attribute compared with a literal (unknown when not given).
    AttrCmp(AttributeId, CmpOp, AttrValue),
    /// A `set` attribute holds this member (unknown when not given).
    SetContains(AttributeId, SymbolId),
    /// A declared circumstance holds for the question (`circumstance.legal_claims_brought`).
    /// Never unknown: a circumstance the question does not give is false.
    Circumstance(CircumstanceId),
    /// A string the policy compares with that no subject can hold (kept so it stays false).
    Never,
}

/// A compiled `when` condition, evaluated in three-valued logic by
/// [`eval::cond`](crate::eval::cond).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cond {
    /// Always holds.
    True,
    /// Never holds.
    False,
    /// Holds when the inner condition does not (unknown stays unknown).
    Not(Box<Cond>),
    /// Holds when every part does.
    And(Vec<Cond>),
    /// Holds when any part does.
    Or(Vec<Cond>),
    /// `known C`: holds when every fact the inner condition reads is known and it holds;
    /// false otherwise (never unknown).
    Known(Box<Cond>),
    /// A fact about the subject.
    Is(Predicate),
}

impl Cond {
    /// The same condition with its constant parts folded away: a part that is always
    /// true or always false (`true`, `false`, a comparison no subject can satisfy) decides
    /// an `and` / `or` it sits in, or drops out of it. Kleene's `and` and `or` let
    /// `false` / `true` win over `unknown`, so the folded condition has the same truth
    /// value as this one for every subject and question. `known C` is left as written: it
    /// asks whether every fact `C` reads is known, which folding would change.
    ///
    /// For the evaluator's packed copies (`DecisionTables`); tools read the conditions
    /// as written.
    pub fn folded(&self) -> Cond {
        match self {
            Cond::True | Cond::False | Cond::Known(_) => self.clone(),
            Cond::Is(Predicate::Never) => Cond::False,
            Cond::Is(_) => self.clone(),
            Cond::Not(inner) => match inner.folded() {
                Cond::True => Cond::False,
                Cond::False => Cond::True,
                inner => Cond::Not(Box::new(inner)),
            },
            Cond::And(parts) => Self::fold_parts(parts, Cond::True, Cond::False, Cond::And),
            Cond::Or(parts) => Self::fold_parts(parts, Cond::False, Cond::True, Cond::Or),
        }
    }

    /// `and` (`unit` true, `zero` false) or `or` (`unit` false, `zero` true): a part
    /// equal to `zero` decides, parts equal to `unit` drop out.
    fn fold_parts(parts: &[Cond], unit: Cond, zero: Cond, join: fn(Vec<Cond>) -> Cond) -> Cond {
        let mut kept = Vec::with_capacity(parts.len());
        for part in parts {
            let part = part.folded();
            if part == zero {
                return zero;
            }
            if part != unit {
                kept.push(part);
            }
        }
        match kept.len() {
            0 => unit,
            1 => kept.pop().unwrap_or(unit),
            _ => join(kept),
        }
    }
}

/// The most circumstances one policy can declare: a question carries them as one `u64`.
pub const MAX_CIRCUMSTANCES: usize = 64;

/// The circumstances given with one question, as a bitset over the policy's declared
/// circumstances (bit `i` is [`CircumstanceId`] `i`). Absent means false. `Copy`, no
/// allocation: it travels inside prepared queries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Circumstances(u64);

impl Circumstances {
    /// No circumstance holds.
    pub const NONE: Circumstances = Circumstances(0);

    /// Whether `id` is given.
    #[inline]
    pub fn contains(self, id: CircumstanceId) -> bool {
        id.0 < 64 && self.0 & (1u64 << id.0) != 0
    }

    /// These circumstances and `id` (an id past [`MAX_CIRCUMSTANCES`] is ignored: the
    /// checker never makes one).
    #[inline]
    #[must_use]
    pub fn with(self, id: CircumstanceId) -> Circumstances {
        if id.0 < 64 {
            Circumstances(self.0 | (1u64 << id.0))
        } else {
            self
        }
    }

    /// Whether none is given.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The given circumstances, in id order.
    pub fn iter(self) -> impl Iterator<Item = CircumstanceId> {
        (0u32..64)
            .filter(move |i| self.0 & (1u64 << i) != 0)
            .map(CircumstanceId)
    }

    /// The raw bits (bit `i` is circumstance `i`).
    #[inline]
    pub fn bits(self) -> u64 {
        self.0
    }
}

impl FromIterator<CircumstanceId> for Circumstances {
    fn from_iter<I: IntoIterator<Item = CircumstanceId>>(iter: I) -> Self {
        iter.into_iter()
            .fold(Circumstances::NONE, Circumstances::with)
    }
}
