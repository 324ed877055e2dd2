//! Folding the parts of conditions that read atoms nothing else reads down to the truth
//! values they can reach, so that independent atoms add up instead of multiplying.
//!
//! A decision depends on a question's atoms through what the evaluator reads itself (the
//! purpose's consent and objection lineage, age, kind, residence, opt-outs …) and through
//! the truth values of the conditions it evaluates (`Env::eval`). Take a subtree of one
//! condition whose atoms no other leaf of any condition reads and the evaluator does not
//! read itself: attributes, tested set members, consent to or objection to purposes outside
//! the question's lineage. Those atoms change the decision only through that subtree's
//! value. So the subtree becomes one search dimension whose values are the truth values it
//! can reach, each with the cheapest assignment of its atoms that reaches it — nothing is
//! lost, and a smallest counterexample stays smallest. Subtrees of the same shape (equal
//! conditions, such as an assertion restating a rule's `when`) evaluate alike, so atoms
//! read only inside copies of one shape are that shape's own.
//!
//! The values a subtree reaches are found part by part: parts of an `and` / `or` that read
//! disjoint atoms are independent, so their reachable values combine with the evaluator's
//! own operators ([`Truth::and`], [`Truth::or`], `!`); parts that share atoms,
//! and leaves, are enumerated and put to the evaluator. Sixteen independent attributes in
//! one `when` cost three values instead of 3^16 subjects. Every value a dimension claims is
//! checked by evaluating the whole subtree on its assignment; a subtree that fails the check
//! is not folded (its atoms are searched one by one, as before).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::ControlFlow;

use crate::eval::cond::{lineage, Env, Truth};
use crate::model::{Cond, Policy, Predicate, PurposeId, RegionId};
use crate::subject::Subject;

use super::atoms::{build_subject, Atom};
use super::search;

/// Atom values, as (index into the atoms, value index); values left out are the default.
type Assignment = Vec<(usize, usize)>;

/// The cheapest assignment reaching each truth value (indexed by [`slot`]), if any does.
type Table = [Option<(usize, Assignment)>; 3];

/// The search dimensions of one question: atoms searched value by value, and folded
/// subtrees searched by the truth values they reach.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// What each value of each dimension costs (atoms set away from their default).
    pub costs: Vec<Vec<usize>>,
    dimensions: Vec<Dimension>,
}

#[derive(Debug, Clone)]
enum Dimension {
    /// One atom, value for value.
    Atom(usize),
    /// A folded subtree: per value, the assignment of its atoms that reaches it.
    Folded(Vec<Assignment>),
}

impl Plan {
    /// The atom values (one per atom, `atoms` long) that a choice of dimension values means.
    pub fn atom_choice(&self, choice: &[usize], atoms: &mut [usize]) {
        atoms.fill(0);
        for (dimension, &value) in self.dimensions.iter().zip(choice) {
            match dimension {
                Dimension::Atom(atom) => {
                    if let Some(slot) = atoms.get_mut(*atom) {
                        *slot = value;
                    }
                }
                Dimension::Folded(values) => {
                    for &(atom, v) in values.get(value).into_iter().flatten() {
                        if let Some(slot) = atoms.get_mut(atom) {
                            *slot = v;
                        }
                    }
                }
            }
        }
    }

    /// How many subtrees were folded (read by `verify::agree`, which only `testkit` builds).
    #[cfg(feature = "testkit")]
    pub fn folded(&self) -> usize {
        self.dimensions
            .iter()
            .filter(|d| matches!(d, Dimension::Folded(_)))
            .count()
    }
}

/// What the folding reads: the question's atoms and conditions, and where it is decided.
pub(crate) struct Scope<'a> {
    pub policy: &'a Policy,
    pub atoms: &'a [Atom],
    /// Every condition the question evaluates (an assertion's own included).
    pub conditions: &'a [&'a Cond],
    /// The region the question is decided in (the subject's default residence).
    pub region: RegionId,
    /// The purpose whose consent and objection lineage the evaluator reads itself, if any.
    pub purpose: Option<PurposeId>,
}

/// Plan the search of a question: fold every subtree whose atoms are its own. `spend` is
/// asked before each condition evaluation; `None` when it refuses (the budget ran out).
pub(crate) fn plan(question: &Scope<'_>, spend: &dyn Fn(u64) -> bool) -> Option<Plan> {
    // A condition evaluated in two places still reads its atoms once.
    let mut roots: Vec<&Cond> = Vec::new();
    for &cond in question.conditions {
        if !roots.iter().any(|r| std::ptr::eq(*r, cond)) {
            roots.push(cond);
        }
    }
    let mut shapes = Shapes::default();
    let nodes: Vec<Node<'_>> = roots
        .iter()
        .map(|c| Node::new(question, c, &mut shapes))
        .collect();
    let mut totals: BTreeMap<usize, u32> = BTreeMap::new();
    for node in &nodes {
        for (&atom, &n) in &node.reads {
            *totals.entry(atom).or_default() += n;
        }
    }
    let mut closed: Vec<&Node<'_>> = Vec::new();
    let mut taken: HashSet<usize> = HashSet::new();
    for node in &nodes {
        node.closed_subtrees(&totals, &shapes, &mut taken, &mut closed);
    }

    let mut folder = Folder {
        question,
        spend,
        subject: Subject::new(question.policy),
        scratch: vec![0; question.atoms.len()],
    };
    // (first atom, dimension, costs): dimensions keep the atoms' order.
    let mut dimensions: Vec<(usize, Dimension, Vec<usize>)> = Vec::new();
    let mut folded_atoms = vec![false; question.atoms.len()];
    for node in closed {
        let table = folder.reach(node)?;
        let Some(values) = folder.checked_values(node, &table)? else {
            continue;
        };
        for &atom in node.reads.keys() {
            if let Some(flag) = folded_atoms.get_mut(atom) {
                *flag = true;
            }
        }
        let first = node.reads.keys().next().copied().unwrap_or(0);
        let costs = values.iter().map(Vec::len).collect();
        dimensions.push((first, Dimension::Folded(values), costs));
    }
    for (atom, folded) in folded_atoms.iter().enumerate() {
        if !folded {
            let size = question.atoms.get(atom).map_or(1, Atom::values);
            let costs = (0..size).map(|v| usize::from(v > 0)).collect();
            dimensions.push((atom, Dimension::Atom(atom), costs));
        }
    }
    dimensions.sort_by_key(|(first, _, _)| *first);
    let (dimensions, costs) = dimensions.into_iter().map(|(_, d, c)| (d, c)).unzip();
    Some(Plan { costs, dimensions })
}

/// Subtrees of the same shape (equal conditions) evaluate alike on every subject: an
/// assertion that restates a rule's `when` reads its atoms only through that shape. Each
/// shape gets a number, and the number of places it occurs is kept.
#[derive(Default)]
struct Shapes<'c> {
    ids: HashMap<&'c Cond, usize>,
    copies: Vec<u32>,
}

impl<'c> Shapes<'c> {
    fn of(&mut self, cond: &'c Cond) -> usize {
        let next = self.ids.len();
        let id = *self.ids.entry(cond).or_insert(next);
        if id == self.copies.len() {
            self.copies.push(0);
        }
        if let Some(count) = self.copies.get_mut(id) {
            *count += 1;
        }
        id
    }

    fn copies(&self, shape: usize) -> u32 {
        self.copies.get(shape).copied().unwrap_or(1)
    }
}

/// One node of a condition, with the atoms its leaves read.
struct Node<'c> {
    cond: &'c Cond,
    /// Its shape (see [`Shapes`]).
    shape: usize,
    /// Some leaf reads a fact that is not an atom of its own (the evaluator reads it too,
    /// or it is not one of the foldable kinds): no subtree above it can be folded.
    opaque: bool,
    /// Atom index → how many leaves below read it.
    reads: BTreeMap<usize, u32>,
    parts: Vec<Node<'c>>,
}

impl<'c> Node<'c> {
    fn new(question: &Scope<'_>, cond: &'c Cond, shapes: &mut Shapes<'c>) -> Node<'c> {
        let shape = shapes.of(cond);
        let (opaque, parts, leaf): (bool, Vec<Node<'c>>, Vec<usize>) = match cond {
            Cond::Not(inner) => (false, vec![Node::new(question, inner, shapes)], Vec::new()),
            // `known C` depends on whether C's facts are known, not only on C's truth value:
            // neither it nor anything inside it is folded (its reads still count).
            Cond::Known(inner) => (true, vec![Node::new(question, inner, shapes)], Vec::new()),
            Cond::And(parts) | Cond::Or(parts) => (
                false,
                parts
                    .iter()
                    .map(|p| Node::new(question, p, shapes))
                    .collect(),
                Vec::new(),
            ),
            Cond::True | Cond::False => (false, Vec::new(), Vec::new()),
            Cond::Is(predicate) => match leaf_atoms(question, predicate) {
                Some(atoms) => (false, Vec::new(), atoms),
                None => (true, Vec::new(), Vec::new()),
            },
        };
        let mut reads: BTreeMap<usize, u32> = leaf.into_iter().map(|a| (a, 1)).collect();
        for part in &parts {
            for (&atom, &n) in &part.reads {
                *reads.entry(atom).or_default() += n;
            }
        }
        Node {
            cond,
            shape,
            opaque: opaque || parts.iter().any(|p| p.opaque),
            reads,
            parts,
        }
    }

    /// Whether every leaf anywhere that reads an atom of this subtree lies inside this
    /// subtree or another of the same shape.
    fn is_closed(&self, totals: &BTreeMap<usize, u32>, shapes: &Shapes<'_>) -> bool {
        let copies = shapes.copies(self.shape);
        !self.opaque
            && self
                .reads
                .iter()
                .all(|(a, n)| totals.get(a).copied() == Some(n.saturating_mul(copies)))
    }

    /// The largest closed subtrees that read some atom, one per shape.
    fn closed_subtrees<'n>(
        &'n self,
        totals: &BTreeMap<usize, u32>,
        shapes: &Shapes<'_>,
        taken: &mut HashSet<usize>,
        out: &mut Vec<&'n Node<'c>>,
    ) {
        if self.is_closed(totals, shapes) {
            if !self.reads.is_empty() && taken.insert(self.shape) {
                out.push(self);
            }
            return;
        }
        if matches!(self.cond, Cond::Known(_)) {
            // Folding a part of `known C` would lose whether C's facts are known.
            return;
        }
        for part in &self.parts {
            part.closed_subtrees(totals, shapes, taken, out);
        }
    }
}

/// The atoms a leaf reads, or `None` when it reads a fact that cannot be folded: one the
/// evaluator reads itself, or a kind of fact this module does not fold (age, kind,
/// residence, opt-outs, GPC, restriction, erasure, parental consent — each at most one
/// atom per question, so they never multiply).
fn leaf_atoms(question: &Scope<'_>, predicate: &Predicate) -> Option<Vec<usize>> {
    let policy = question.policy;
    let own = question.purpose.map_or(&[][..], |p| lineage(policy, p));
    let atoms = question.atoms.iter().enumerate();
    match predicate {
        Predicate::Never => Some(Vec::new()),
        Predicate::AttrTrue(id) | Predicate::AttrCmp(id, ..) => Some(
            atoms
                .filter(|(_, atom)| match atom {
                    Atom::Attribute { id: a, .. } | Atom::SetMember { id: a, .. } => a == id,
                    _ => false,
                })
                .map(|(i, _)| i)
                .collect(),
        ),
        Predicate::SetContains(id, symbol) => Some(
            atoms
                .filter(|(_, atom)| match atom {
                    Atom::Attribute { id: a, .. } => a == id,
                    Atom::SetMember { id: a, symbol: s } => a == id && s == symbol,
                    _ => false,
                })
                .map(|(i, _)| i)
                .collect(),
        ),
        Predicate::Consent(p) | Predicate::ExplicitConsent(p) | Predicate::Objected(p) => {
            let objection = matches!(predicate, Predicate::Objected(_));
            let read = lineage(policy, *p);
            let mut out = Vec::new();
            for (i, atom) in atoms {
                let purpose = match atom {
                    Atom::Consent { purpose, .. } if !objection => purpose,
                    Atom::Objection(purpose) if objection => purpose,
                    _ => continue,
                };
                if read.contains(purpose) {
                    if own.contains(purpose) {
                        return None;
                    }
                    out.push(i);
                }
            }
            Some(out)
        }
        // Given with the question, not the subject: never folded.
        Predicate::Circumstance(_)
        | Predicate::Child
        | Predicate::Adult
        | Predicate::Age(..)
        | Predicate::RegionIn(_)
        | Predicate::KindIs(_)
        | Predicate::OptedOut(_)
        | Predicate::Gpc
        | Predicate::Restricted
        | Predicate::Erased
        | Predicate::ParentalConsent => None,
    }
}

/// Where a truth value sits in a [`Table`].
fn slot(truth: Truth) -> usize {
    Truth::ALL.iter().position(|t| *t == truth).unwrap_or(0)
}

/// The table of a part that reaches `truth` alone, for free.
fn constant(truth: Truth) -> Table {
    let mut table: Table = [None, None, None];
    if let Some(entry) = table.get_mut(slot(truth)) {
        *entry = Some((0, Vec::new()));
    }
    table
}

/// The values `op` makes of a part reaching `left` and an independent one reaching `right`.
fn combine(left: &Table, right: &Table, op: fn(Truth, Truth) -> Truth) -> Table {
    let mut out: Table = [None, None, None];
    for (a, l) in Truth::ALL.iter().zip(left) {
        for (b, r) in Truth::ALL.iter().zip(right) {
            let (Some((lc, la)), Some((rc, ra))) = (l, r) else {
                continue;
            };
            let cost = lc + rc;
            let Some(entry) = out.get_mut(slot(op(*a, *b))) else {
                continue;
            };
            if entry.as_ref().is_none_or(|(c, _)| cost < *c) {
                let mut assignment = la.clone();
                assignment.extend(ra.iter().copied());
                *entry = Some((cost, assignment));
            }
        }
    }
    out
}

struct Folder<'a, 'q> {
    question: &'a Scope<'q>,
    spend: &'a dyn Fn(u64) -> bool,
    subject: Subject,
    scratch: Vec<usize>,
}

impl Folder<'_, '_> {
    /// The cheapest assignment of a closed subtree's atoms reaching each truth value.
    fn reach(&mut self, node: &Node<'_>) -> Option<Table> {
        match node.cond {
            Cond::Not(_) => {
                let inner = self.reach(node.parts.first()?)?;
                let mut out: Table = [None, None, None];
                for (truth, entry) in Truth::ALL.iter().zip(inner) {
                    if let Some(place) = out.get_mut(slot(!*truth)) {
                        *place = entry;
                    }
                }
                Some(out)
            }
            Cond::And(_) | Cond::Or(_) => {
                let (op, identity): (fn(Truth, Truth) -> Truth, Truth) =
                    if matches!(node.cond, Cond::And(_)) {
                        (Truth::and, Truth::True)
                    } else {
                        (Truth::or, Truth::False)
                    };
                let mut table = constant(identity);
                for group in independent_groups(&node.parts) {
                    let part = match group.as_slice() {
                        [only] => self.reach(node.parts.get(*only)?)?,
                        _ => {
                            let parts: Vec<&Node<'_>> =
                                group.iter().filter_map(|&i| node.parts.get(i)).collect();
                            self.enumerate(&parts, op, identity)?
                        }
                    };
                    table = combine(&table, &part, op);
                }
                Some(table)
            }
            Cond::True | Cond::False | Cond::Is(_) => {
                self.enumerate(&[node], Truth::and, Truth::True)
            }
            // Never closed (see `Node::new`): not folded.
            Cond::Known(_) => None,
        }
    }

    /// Every assignment of the atoms `parts` read, cheapest first, put to the evaluator:
    /// the first to reach each truth value (of the parts joined by `op`) is its cheapest.
    fn enumerate(
        &mut self,
        parts: &[&Node<'_>],
        op: fn(Truth, Truth) -> Truth,
        identity: Truth,
    ) -> Option<Table> {
        let atoms: Vec<usize> = parts
            .iter()
            .flat_map(|p| p.reads.keys().copied())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let sizes: Vec<usize> = atoms
            .iter()
            .map(|&a| self.question.atoms.get(a).map_or(1, Atom::values))
            .collect();
        let mut table: Table = [None, None, None];
        let mut found = 0;
        let mut refused = false;
        let _ = search::by_cost(&sizes, usize::MAX, &mut |choice, cost| {
            let assignment: Assignment = atoms
                .iter()
                .zip(choice)
                .filter(|(_, &v)| v > 0)
                .map(|(&a, &v)| (a, v))
                .collect();
            let Some(truth) = self.evaluate(&assignment, |env| {
                parts
                    .iter()
                    .fold(identity, |acc, part| op(acc, env.eval(part.cond)))
            }) else {
                refused = true;
                return ControlFlow::Break(());
            };
            if let Some(entry) = table.get_mut(slot(truth)) {
                if entry.is_none() {
                    *entry = Some((cost, assignment));
                    found += 1;
                }
            }
            if found == Truth::ALL.len() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        (!refused).then_some(table)
    }

    /// Evaluate with the subject `assignment` builds; `None` when the budget refuses.
    fn evaluate(
        &mut self,
        assignment: &[(usize, usize)],
        f: impl Fn(&Env<'_>) -> Truth,
    ) -> Option<Truth> {
        if !(self.spend)(1) {
            return None;
        }
        self.scratch.fill(0);
        for &(atom, value) in assignment {
            if let Some(slot) = self.scratch.get_mut(atom) {
                *slot = value;
            }
        }
        let q = self.question;
        build_subject(
            q.policy,
            q.atoms,
            &self.scratch,
            q.region,
            &mut self.subject,
        );
        // Only subtrees that read no circumstance are folded (a circumstance leaf is
        // opaque): none is given here.
        let env = Env {
            policy: q.policy,
            subject: Some(&self.subject),
            region: q.region,
            circumstances: crate::model::Circumstances::NONE,
        };
        Some(f(&env))
    }

    /// The dimension values of a folded subtree (the free one first, then by cost and
    /// assignment), each checked against the evaluator; `Some(None)` when a check fails
    /// and the subtree must not be folded.
    fn checked_values(
        &mut self,
        node: &Node<'_>,
        table: &Table,
    ) -> Option<Option<Vec<Assignment>>> {
        let mut values: Vec<(usize, Assignment, Truth)> = Vec::new();
        for (truth, entry) in Truth::ALL.iter().zip(table) {
            if let Some((cost, assignment)) = entry {
                let mut assignment = assignment.clone();
                assignment.sort_unstable();
                if assignment.len() != *cost {
                    return Some(None);
                }
                values.push((*cost, assignment, *truth));
            }
        }
        values.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        if values.first().is_none_or(|(cost, _, _)| *cost != 0) {
            return Some(None);
        }
        for (_, assignment, truth) in &values {
            let reached = self.evaluate(assignment, |env| env.eval(node.cond))?;
            if reached != *truth {
                return Some(None);
            }
        }
        Some(Some(values.into_iter().map(|(_, a, _)| a).collect()))
    }
}

/// The parts grouped so that parts sharing an atom are in one group (groups read disjoint
/// atoms), each group in order of its first part.
fn independent_groups(parts: &[Node<'_>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(std::collections::BTreeSet<usize>, Vec<usize>)> = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let atoms: std::collections::BTreeSet<usize> = part.reads.keys().copied().collect();
        let mut merged = (atoms, vec![index]);
        let mut kept = Vec::new();
        for group in groups {
            if group.0.is_disjoint(&merged.0) {
                kept.push(group);
            } else {
                merged.0.extend(group.0);
                merged.1.extend(group.1);
            }
        }
        merged.1.sort_unstable();
        kept.push(merged);
        groups = kept;
    }
    groups.sort_by_key(|(_, members)| members.first().copied());
    groups.into_iter().map(|(_, members)| members).collect()
}
