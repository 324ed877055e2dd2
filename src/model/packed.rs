//! Conditions laid out flat, for the evaluator's packed tables ([`DecisionTables`]).
//!
//! A compiled [`Cond`] is a tree of boxes and vectors: on a large policy, reading a `when`
//! costs one dependent cache miss per level (the `and`'s parts, then the `not`'s box, then
//! the region set's words). Packed, the same condition is a run of 8-byte [`CondNode`]s in one
//! array, parts right after their parent (preorder), so it is read from one or two lines.
//! The tree stays the source of truth: tools read it, and [`PackedConds::to_cond`] gives it
//! back (tests check both the round trip and that both forms evaluate alike).
//!
//! [`DecisionTables`]: super::DecisionTables

use std::num::NonZeroU32;

use super::{
    AttributeId, CircumstanceId, CmpOp, Cond, IdSet, OptOutKind, Predicate, PurposeId, SymbolId,
};

/// Where a packed condition starts in its [`PackedConds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CondAt(NonZeroU32);

impl CondAt {
    /// The index of the condition's first node.
    #[inline]
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }

    fn of(index: usize) -> Option<CondAt> {
        u32::try_from(index + 1)
            .ok()
            .and_then(NonZeroU32::new)
            .map(CondAt)
    }
}

/// One node of a packed condition. A compound node's parts follow it; `end` is the index
/// just past its last part (past the whole subtree).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CondNode {
    /// Always holds.
    True,
    /// Never holds.
    False,
    /// `not`: the part at the next index.
    Not {
        /// Past the part.
        end: u32,
    },
    /// `and` of the parts up to `end`.
    And {
        /// Past the last part.
        end: u32,
    },
    /// `or` of the parts up to `end`.
    Or {
        /// Past the last part.
        end: u32,
    },
    /// `known`: the part at the next index.
    Known {
        /// Past the part.
        end: u32,
    },
    /// [`Predicate::Child`].
    Child,
    /// [`Predicate::Adult`].
    Adult,
    /// [`Predicate::Age`] with a number that fits in 32 bits.
    Age(CmpOp, i32),
    /// [`Predicate::RegionIn`] of a set with room for at most 32 regions: bit `r` of
    /// `members` is region `r`; `len` is the set's room (kept for [`PackedConds::to_cond`]).
    RegionMask {
        /// Bit `r`: region `r` is a member.
        members: u32,
        /// The set's room.
        len: u8,
    },
    /// [`Predicate::Consent`].
    Consent(PurposeId),
    /// [`Predicate::ExplicitConsent`].
    ExplicitConsent(PurposeId),
    /// [`Predicate::Objected`].
    Objected(PurposeId),
    /// [`Predicate::OptedOut`].
    OptedOut(OptOutKind),
    /// [`Predicate::AttrTrue`].
    AttrTrue(AttributeId),
    /// [`Predicate::SetContains`] of one of the first 65,536 attributes.
    SetContains(u16, SymbolId),
    /// [`Predicate::Circumstance`].
    Circumstance(CircumstanceId),
    /// Any other predicate: index into [`PackedConds::other`]'s list.
    Other(u32),
}

impl CondNode {
    /// A predicate (not a connective, not a constant).
    #[inline]
    pub fn is_leaf(self) -> bool {
        !matches!(
            self,
            CondNode::True
                | CondNode::False
                | CondNode::Not { .. }
                | CondNode::And { .. }
                | CondNode::Or { .. }
                | CondNode::Known { .. }
        )
    }

    /// The index past this node's subtree, when it is at `index`.
    #[inline]
    pub fn end(self, index: usize) -> usize {
        match self {
            CondNode::Not { end }
            | CondNode::And { end }
            | CondNode::Or { end }
            | CondNode::Known { end } => end as usize,
            _ => index + 1,
        }
    }
}

/// What folding a condition left: a constant (no node written) or nodes.
enum Fold {
    Const(bool),
    Nodes,
}

/// Every packed condition of a policy, back to back.
#[derive(Debug, Clone, Default)]
pub struct PackedConds {
    nodes: Vec<CondNode>,
    /// The predicates too large for a node, or too rare to be worth one.
    others: Vec<Predicate>,
}

impl PackedConds {
    /// A list whose first node never holds ([`PackedConds::NEVER`]).
    pub fn with_never() -> PackedConds {
        PackedConds {
            nodes: vec![CondNode::False],
            others: Vec::new(),
        }
    }

    /// The first node of a list made by [`PackedConds::with_never`]: where a condition cannot
    /// be packed, a table points here and fails closed.
    pub const NEVER: CondAt = CondAt(NonZeroU32::MIN);

    /// Append `cond`; `None` when the list would pass `u32` indexes (it cannot: files are
    /// capped at 64 MiB).
    pub fn push(&mut self, cond: &Cond) -> Option<CondAt> {
        let at = CondAt::of(self.nodes.len())?;
        self.push_node(cond)?;
        Some(at)
    }

    fn push_node(&mut self, cond: &Cond) -> Option<()> {
        let node = match cond {
            Cond::True => CondNode::True,
            Cond::False => CondNode::False,
            Cond::Is(predicate) => self.leaf(predicate)?,
            Cond::Not(inner) | Cond::Known(inner) => {
                return self.compound(cond, std::slice::from_ref(&**inner))
            }
            Cond::And(parts) | Cond::Or(parts) => return self.compound(cond, parts),
        };
        self.nodes.push(node);
        Some(())
    }

    /// A compound node, then its parts, then its `end` filled in.
    fn compound(&mut self, cond: &Cond, parts: &[Cond]) -> Option<()> {
        let at = self.nodes.len();
        self.nodes.push(CondNode::True);
        for part in parts {
            self.push_node(part)?;
        }
        let end = u32::try_from(self.nodes.len()).ok()?;
        let node = match cond {
            Cond::Not(_) => CondNode::Not { end },
            Cond::Known(_) => CondNode::Known { end },
            Cond::And(_) => CondNode::And { end },
            _ => CondNode::Or { end },
        };
        *self.nodes.get_mut(at)? = node;
        Some(())
    }

    fn leaf(&mut self, predicate: &Predicate) -> Option<CondNode> {
        Some(match *predicate {
            Predicate::Child => CondNode::Child,
            Predicate::Adult => CondNode::Adult,
            Predicate::Age(op, n) if i32::try_from(n).is_ok() => {
                CondNode::Age(op, i32::try_from(n).ok()?)
            }
            Predicate::RegionIn(ref set) if set.len() <= 32 => CondNode::RegionMask {
                members: set.iter().fold(0, |mask, r| mask | 1 << r),
                len: u8::try_from(set.len()).ok()?,
            },
            Predicate::Consent(p) => CondNode::Consent(p),
            Predicate::ExplicitConsent(p) => CondNode::ExplicitConsent(p),
            Predicate::Objected(p) => CondNode::Objected(p),
            Predicate::OptedOut(kind) => CondNode::OptedOut(kind),
            Predicate::AttrTrue(id) => CondNode::AttrTrue(id),
            Predicate::SetContains(id, symbol) if u16::try_from(id.0).is_ok() => {
                CondNode::SetContains(u16::try_from(id.0).ok()?, symbol)
            }
            Predicate::Circumstance(id) => CondNode::Circumstance(id),
            _ => {
                let i = u32::try_from(self.others.len()).ok()?;
                self.others.push(predicate.clone());
                CondNode::Other(i)
            }
        })
    }

    /// Append `cond` folded ([`Cond::folded`]) without building the folded tree:
    /// `Some(None)` when it always holds (there is nothing to read), `None` when the list
    /// would pass `u32` indexes — two answers a caller must not confuse, for the first lets
    /// everything through.
    pub fn push_folded_when(&mut self, cond: &Cond) -> Option<Option<CondAt>> {
        let at = CondAt::of(self.nodes.len())?;
        Some(match self.fold(cond)? {
            Fold::Const(true) => None,
            Fold::Const(false) => {
                self.nodes.push(CondNode::False);
                Some(at)
            }
            Fold::Nodes => Some(at),
        })
    }

    /// Append `cond` folded, a constant included.
    pub fn push_folded(&mut self, cond: &Cond) -> Option<CondAt> {
        let at = CondAt::of(self.nodes.len())?;
        if let Fold::Const(holds) = self.fold(cond)? {
            self.nodes.push(if holds {
                CondNode::True
            } else {
                CondNode::False
            });
        }
        Some(at)
    }

    /// [`Cond::folded`], written as nodes: a constant writes nothing.
    fn fold(&mut self, cond: &Cond) -> Option<Fold> {
        Some(match cond {
            Cond::True => Fold::Const(true),
            Cond::False | Cond::Is(Predicate::Never) => Fold::Const(false),
            // `known C` asks whether C's facts are known: folding would change that.
            Cond::Is(_) | Cond::Known(_) => {
                self.push_node(cond)?;
                Fold::Nodes
            }
            Cond::Not(inner) => {
                let mark = (self.nodes.len(), self.others.len());
                self.nodes.push(CondNode::True);
                match self.fold(inner)? {
                    Fold::Const(holds) => {
                        self.reset(mark);
                        Fold::Const(!holds)
                    }
                    Fold::Nodes => {
                        let end = u32::try_from(self.nodes.len()).ok()?;
                        *self.nodes.get_mut(mark.0)? = CondNode::Not { end };
                        Fold::Nodes
                    }
                }
            }
            Cond::And(parts) | Cond::Or(parts) => {
                let and = matches!(cond, Cond::And(_));
                // `and`: true drops out, false decides; `or` the other way round.
                let decides = !and;
                let mark = (self.nodes.len(), self.others.len());
                self.nodes.push(CondNode::True);
                let mut kept = 0;
                for part in parts {
                    match self.fold(part)? {
                        Fold::Const(holds) if holds == decides => {
                            self.reset(mark);
                            return Some(Fold::Const(decides));
                        }
                        Fold::Const(_) => {}
                        Fold::Nodes => kept += 1,
                    }
                }
                match kept {
                    0 => {
                        self.reset(mark);
                        Fold::Const(!decides)
                    }
                    // One part left is that part, not an `and` of it.
                    1 => {
                        self.nodes.remove(mark.0);
                        for node in self.nodes.get_mut(mark.0..)? {
                            if let CondNode::Not { end }
                            | CondNode::And { end }
                            | CondNode::Or { end }
                            | CondNode::Known { end } = node
                            {
                                *end -= 1;
                            }
                        }
                        Fold::Nodes
                    }
                    _ => {
                        let end = u32::try_from(self.nodes.len()).ok()?;
                        *self.nodes.get_mut(mark.0)? = if and {
                            CondNode::And { end }
                        } else {
                            CondNode::Or { end }
                        };
                        Fold::Nodes
                    }
                }
            }
        })
    }

    /// Drop what was written since `mark` (nodes, then predicates kept aside).
    fn reset(&mut self, (nodes, others): (usize, usize)) {
        self.nodes.truncate(nodes);
        self.others.truncate(others);
    }

    /// Every node.
    #[inline]
    pub fn nodes(&self) -> &[CondNode] {
        &self.nodes
    }

    /// The predicate a [`CondNode::Other`] stands for.
    #[inline]
    pub fn other(&self, i: u32) -> Option<&Predicate> {
        self.others.get(i as usize)
    }

    /// The condition packed at `at`, as a tree again (for tests and explanations).
    pub fn to_cond(&self, at: CondAt) -> Option<Cond> {
        self.tree(at.index())
    }

    fn tree(&self, i: usize) -> Option<Cond> {
        let node = *self.nodes.get(i)?;
        let parts = |end: u32| -> Option<Vec<Cond>> {
            let mut parts = Vec::new();
            let mut j = i + 1;
            while j < end as usize {
                parts.push(self.tree(j)?);
                j = self.nodes.get(j)?.end(j);
            }
            Some(parts)
        };
        Some(match node {
            CondNode::True => Cond::True,
            CondNode::False => Cond::False,
            CondNode::Not { .. } => Cond::Not(Box::new(self.tree(i + 1)?)),
            CondNode::Known { .. } => Cond::Known(Box::new(self.tree(i + 1)?)),
            CondNode::And { end } => Cond::And(parts(end)?),
            CondNode::Or { end } => Cond::Or(parts(end)?),
            CondNode::Child => Cond::Is(Predicate::Child),
            CondNode::Adult => Cond::Is(Predicate::Adult),
            CondNode::Age(op, n) => Cond::Is(Predicate::Age(op, n.into())),
            CondNode::RegionMask { members, len } => {
                let mut set = IdSet::new(len.into());
                for r in (0..32).filter(|r| members & (1 << r) != 0) {
                    set.insert(r);
                }
                Cond::Is(Predicate::RegionIn(set))
            }
            CondNode::Consent(p) => Cond::Is(Predicate::Consent(p)),
            CondNode::ExplicitConsent(p) => Cond::Is(Predicate::ExplicitConsent(p)),
            CondNode::Objected(p) => Cond::Is(Predicate::Objected(p)),
            CondNode::OptedOut(kind) => Cond::Is(Predicate::OptedOut(kind)),
            CondNode::AttrTrue(id) => Cond::Is(Predicate::AttrTrue(id)),
            CondNode::SetContains(id, symbol) => {
                Cond::Is(Predicate::SetContains(AttributeId(id.into()), symbol))
            }
            CondNode::Circumstance(id) => Cond::Is(Predicate::Circumstance(id)),
            CondNode::Other(i) => Cond::Is(self.other(i)?.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_node_is_eight_bytes() {
        assert_eq!(std::mem::size_of::<CondNode>(), 8);
        assert_eq!(std::mem::size_of::<Option<CondAt>>(), 4);
    }

    #[test]
    fn parts_follow_their_parent() {
        let mut eu = IdSet::new(3);
        eu.insert(0);
        // `not objected(P) and subject.age >= 13 and (not subject.region in EU or consent(P))`
        let cond = Cond::And(vec![
            Cond::Not(Box::new(Cond::Is(Predicate::Objected(PurposeId(4))))),
            Cond::Is(Predicate::Age(CmpOp::Ge, 13)),
            Cond::Or(vec![
                Cond::Not(Box::new(Cond::Is(Predicate::RegionIn(eu)))),
                Cond::Is(Predicate::Consent(PurposeId(4))),
            ]),
        ]);
        let mut packed = PackedConds::default();
        packed.push(&Cond::True).unwrap();
        let at = packed.push(&cond).unwrap();
        assert_eq!(at.index(), 1);
        assert_eq!(
            packed.nodes(),
            [
                CondNode::True,
                CondNode::And { end: 9 },
                CondNode::Not { end: 4 },
                CondNode::Objected(PurposeId(4)),
                CondNode::Age(CmpOp::Ge, 13),
                CondNode::Or { end: 9 },
                CondNode::Not { end: 8 },
                CondNode::RegionMask { members: 1, len: 3 },
                CondNode::Consent(PurposeId(4)),
            ]
        );
        assert_eq!(packed.to_cond(at), Some(cond));
    }

    #[test]
    fn large_predicates_are_kept_aside() {
        let mut far = IdSet::new(40);
        far.insert(35);
        let cond = Cond::Or(vec![
            Cond::Is(Predicate::RegionIn(far.clone())),
            Cond::Is(Predicate::Gpc),
        ]);
        let mut packed = PackedConds::default();
        let at = packed.push(&cond).unwrap();
        assert_eq!(packed.nodes()[1], CondNode::Other(0));
        assert_eq!(packed.other(0), Some(&Predicate::RegionIn(far)));
        assert_eq!(packed.other(1), Some(&Predicate::Gpc));
        assert_eq!(packed.to_cond(at), Some(cond));
    }
}
