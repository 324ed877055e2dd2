//! Conditions laid out flat: a second form of [`Cond`] for the evaluator's packed tables.
//!
//! A [`Cond`] is a tree of boxes and vectors, each part somewhere else on the heap; read
//! on a large policy, one condition costs a cache miss per part. Here every condition of
//! the packed tables is a run of 16-byte [`Op`]s in one array, in prefix order: an `and`
//! or `or` holds the index its parts end at (so a deciding part skips the rest), the
//! commonest facts sit inside their op, and any other fact (or a `known C`, read as
//! written) is an index into a side table. `eval::cond::Env::run` evaluates it; a property
//! test (`program_keeps_the_truth_value`) checks it against `Env::eval` of the tree.

use super::ids::{AttributeId, PurposeId, SymbolId};
use super::{CmpOp, Cond, Predicate};

/// One step of a [`CondProgram`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Always holds.
    True,
    /// Never holds.
    False,
    /// The next condition (one subtree), negated.
    Not,
    /// Every condition from the next op up to op `end` holds.
    And {
        /// Where the parts end (the index after the last part's last op).
        end: u32,
    },
    /// Any condition from the next op up to op `end` holds.
    Or {
        /// Where the parts end.
        end: u32,
    },
    /// [`Predicate::Age`].
    Age(CmpOp, i64),
    /// [`Predicate::RegionIn`] of a set whose members are all below 64, as a mask.
    RegionIn(u64),
    /// [`Predicate::Consent`].
    Consent(PurposeId),
    /// [`Predicate::ExplicitConsent`].
    ExplicitConsent(PurposeId),
    /// [`Predicate::Objected`].
    Objected(PurposeId),
    /// [`Predicate::SetContains`].
    SetContains(AttributeId, SymbolId),
    /// [`Predicate::AttrTrue`].
    AttrTrue(AttributeId),
    /// Any other predicate: an index into [`CondProgram::facts`].
    Fact(u32),
    /// A condition read as written (`known C`): an index into [`CondProgram::trees`].
    Tree(u32),
}

/// Where one condition lies in a [`CondProgram`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramRef {
    /// Its first op.
    pub start: u32,
    /// The index after its last op.
    pub end: u32,
}

/// Many conditions, flat, back to back (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct CondProgram {
    ops: Vec<Op>,
    facts: Vec<Predicate>,
    trees: Vec<Cond>,
}

impl CondProgram {
    /// Lay `cond` out after the conditions already here; `None` when the program would
    /// outgrow 32-bit indexes (the caller then keeps reading the tree).
    pub fn push(&mut self, cond: &Cond) -> Option<ProgramRef> {
        let start = u32::try_from(self.ops.len()).ok()?;
        let ops = self.ops.len();
        let (facts, trees) = (self.facts.len(), self.trees.len());
        if self.lay_out(cond).is_none() {
            // Undo a partial layout: the program holds only whole conditions.
            self.ops.truncate(ops);
            self.facts.truncate(facts);
            self.trees.truncate(trees);
            return None;
        }
        let end = u32::try_from(self.ops.len()).ok()?;
        Some(ProgramRef { start, end })
    }

    fn lay_out(&mut self, cond: &Cond) -> Option<()> {
        match cond {
            Cond::True => self.ops.push(Op::True),
            Cond::False => self.ops.push(Op::False),
            Cond::Not(inner) => {
                self.ops.push(Op::Not);
                self.lay_out(inner)?;
            }
            Cond::And(parts) | Cond::Or(parts) => {
                let at = self.ops.len();
                self.ops.push(Op::True);
                for part in parts {
                    self.lay_out(part)?;
                }
                let end = u32::try_from(self.ops.len()).ok()?;
                let op = match cond {
                    Cond::And(_) => Op::And { end },
                    _ => Op::Or { end },
                };
                *self.ops.get_mut(at)? = op;
            }
            Cond::Known(_) => {
                let index = u32::try_from(self.trees.len()).ok()?;
                self.trees.push(cond.clone());
                self.ops.push(Op::Tree(index));
            }
            Cond::Is(predicate) => {
                let op = match predicate {
                    Predicate::Age(op, n) => Op::Age(*op, *n),
                    Predicate::RegionIn(set) if set.iter().all(|r| r < 64) => {
                        Op::RegionIn(set.iter().fold(0, |mask, r| mask | 1 << r))
                    }
                    Predicate::Consent(p) => Op::Consent(*p),
                    Predicate::ExplicitConsent(p) => Op::ExplicitConsent(*p),
                    Predicate::Objected(p) => Op::Objected(*p),
                    Predicate::SetContains(a, s) => Op::SetContains(*a, *s),
                    Predicate::AttrTrue(a) => Op::AttrTrue(*a),
                    other => {
                        let index = u32::try_from(self.facts.len()).ok()?;
                        self.facts.push(other.clone());
                        Op::Fact(index)
                    }
                };
                self.ops.push(op);
            }
        }
        Some(())
    }

    /// The ops of `at` (empty for a reference into another program).
    #[inline]
    pub fn ops(&self, at: ProgramRef) -> &[Op] {
        self.ops
            .get(at.start as usize..at.end as usize)
            .unwrap_or(&[])
    }

    /// The op at `index` (an index into the whole program, as [`Op::And`]'s `end` is).
    #[inline]
    pub fn op(&self, index: usize) -> Option<Op> {
        self.ops.get(index).copied()
    }

    /// The predicate an [`Op::Fact`] names.
    #[inline]
    pub fn fact(&self, index: u32) -> Option<&Predicate> {
        self.facts.get(index as usize)
    }

    /// The condition an [`Op::Tree`] names.
    #[inline]
    pub fn tree(&self, index: u32) -> Option<&Cond> {
        self.trees.get(index as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IdSet;

    #[test]
    fn ops_are_small_and_conditions_lie_back_to_back() {
        assert_eq!(std::mem::size_of::<Op>(), 16);
        let mut set = IdSet::new(70);
        set.insert(1);
        let region = Cond::Is(Predicate::RegionIn(set.clone()));
        let cond = Cond::And(vec![
            Cond::Not(Box::new(Cond::Is(Predicate::Objected(PurposeId(3))))),
            Cond::Or(vec![
                region.clone(),
                Cond::Is(Predicate::Consent(PurposeId(3))),
            ]),
        ]);
        let mut program = CondProgram::default();
        let first = program.push(&cond).unwrap();
        assert_eq!(
            program.ops(first),
            [
                Op::And { end: 6 },
                Op::Not,
                Op::Objected(PurposeId(3)),
                Op::Or { end: 6 },
                Op::RegionIn(0b10),
                Op::Consent(PurposeId(3)),
            ]
        );
        // A region set reaching past 63 is kept as a fact; `known` as a tree.
        set.insert(65);
        let wide = Cond::Is(Predicate::RegionIn(set.clone()));
        let known = Cond::Known(Box::new(wide.clone()));
        let second = program.push(&Cond::Or(vec![wide, known.clone()])).unwrap();
        assert_eq!(second.start, first.end);
        assert_eq!(
            program.ops(second),
            [Op::Or { end: 9 }, Op::Fact(0), Op::Tree(0)]
        );
        assert_eq!(program.fact(0), Some(&Predicate::RegionIn(set)));
        assert_eq!(program.tree(0), Some(&known));
    }
}
