//! Compiled conditions: names resolved to ids, attribute strings interned.

use super::ids::{AttributeId, PurposeId, SubjectKindId, SymbolId};
use super::IdSet;

/// The kinds of processing a US-style opt-out covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptOutKind {
    Sale,
    Sharing,
    TargetedAdvertising,
    Profiling,
    Marketing,
}

impl OptOutKind {
    pub const ALL: [OptOutKind; 5] = [
        OptOutKind::Sale,
        OptOutKind::Sharing,
        OptOutKind::TargetedAdvertising,
        OptOutKind::Profiling,
        OptOutKind::Marketing,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OptOutKind::Sale => "sale",
            OptOutKind::Sharing => "sharing",
            OptOutKind::TargetedAdvertising => "targeted_advertising",
            OptOutKind::Profiling => "profiling",
            OptOutKind::Marketing => "marketing",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

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
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A typed attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    Bool(bool),
    Int(i64),
    /// An interned string; `None` when the string appears nowhere in the policy (it then
    /// equals no literal the policy can compare it with).
    Str(Option<SymbolId>),
    Set(Vec<SymbolId>),
}

/// Facts about the subject a condition can test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Predicate {
    /// Below the age threshold of the query region (unknown age per the policy's default).
    Child,
    Adult,
    Age(CmpOp, i64),
    /// The subject's region of residence is inside this set.
    RegionIn(IdSet),
    KindIs(SubjectKindId),
    /// An active consent to this purpose or an ancestor.
    Consent(PurposeId),
    ExplicitConsent(PurposeId),
    Objected(PurposeId),
    OptedOut(OptOutKind),
    Gpc,
    Restricted,
    Erased,
    ParentalConsent,
    AttrTrue(AttributeId),
    AttrCmp(AttributeId, CmpOp, AttrValue),
    SetContains(AttributeId, SymbolId),
    /// A string the policy compares with that no subject can hold (kept so it stays false).
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    True,
    False,
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Is(Predicate),
}
