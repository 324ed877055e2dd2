//! Asking every question of both policies and keeping what changed.
//!
//! The questions, each asked once per joint region class and category class (see
//! `universe.rs`) and for every subject of the joint atoms (see `subjects.rs`):
//!
//! - **uses**: every purpose either side declares, of every category class it uses on either
//!   side, in every region class where it has a legal basis on either side (elsewhere both
//!   deny);
//! - **disclosures**: the same uses, to every recipient either side declares for the purpose
//!   and the category. A disclosure is its use followed by the recipient's own checks; when
//!   those checks read nothing about the subject (no sale or sharing, no condition on the
//!   recipient, the rules or the transfer), they give one answer per side, so the disclosure
//!   is decided only for the cheapest subject of each combination of use outcomes (allowed on
//!   both sides, on one, on the other) the use scan met — exactly the cases there are.
//!   Otherwise every subject of the disclosure's own atoms is asked;
//! - **combinations**: for every purpose, pair of category classes and region class that a
//!   `combine` rule of either side covers, whether the purpose may bring both together.
//!   Elsewhere a combination is allowed exactly when both its uses are, so its changes are
//!   the uses' changes, already reported;
//! - **transfers**: every category class, from and to every pair of places realising a
//!   distinct (origin class, destination class, domestic on each side) combination, asked
//!   about no subject and about every subject the transfer rules' conditions tell apart;
//! - **retention**: every category class and region class, for no particular purpose and for
//!   each purpose a `retain … for` names, asked of both evaluators on the same timelines at
//!   anchor dates covering every calendar case (see `retention.rs`).
//!
//! Each changed decision becomes a [`Cell`]: a [`Key`] saying what changed in privacy terms,
//! the classes it happened in, and the cheapest subject it happened for.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;

use crate::analysis::atoms::{category_of, question_conditions, COLLECTED};
use crate::analysis::search::by_cost;
use crate::analysis::space::to_u32;
use crate::eval::Question;
use crate::eval::{DataRef, Decision, Query, Reason};
use crate::model::{
    Basis, CategoryId, Cond, FieldId, OptOutKind, Policy, Predicate, PurposeId, RecipientId,
    RegionId,
};
use crate::subject::Subject;

use super::subjects::{joint_atoms, JointAtoms, SideQuestion};
use super::universe::{Side, Universe};

/// A name (or a subject) one side cannot express, so it cannot ask the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Absent {
    Purpose,
    Category,
    Region,
    Recipient,
    /// The subject has a kind (or lives in a region) the side does not declare.
    Subject,
}

/// One side's answer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    Absent(Absent),
    Decided(Decision),
}

impl Outcome {
    pub fn allowed(&self) -> bool {
        matches!(self, Outcome::Decided(d) if d.allowed())
    }

    pub fn decision(&self) -> Option<&Decision> {
        match self {
            Outcome::Decided(d) => Some(d),
            Outcome::Absent(_) => None,
        }
    }
}

/// Why one side denies, in the terms a change is described in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Why {
    Absent(Absent),
    /// A disclosure denied because its use is.
    Use,
    /// Consent missing or withdrawn.
    Consent {
        explicit: bool,
    },
    OptedOut(OptOutKind),
    /// `subject_kind`, with the subject's kind.
    Kind(String),
    /// `denied_by_rule`, with the rule's name.
    Rule(String),
    Reason(Reason),
}

/// A transfer a disclosure makes: the destination's name and the safeguard.
pub(crate) type Via = Option<(String, Option<String>)>;

/// The data a use or disclosure asks about: a category (class representative), or a field
/// both policies declare but map to different categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Data {
    Category(u32),
    Field(u32),
}

/// What changed, without where (the cell's dimensions say where).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// A change of a use or disclosure of a remapped field (the category dimension unused).
    OfField {
        field: u32,
        key: Box<Key>,
    },
    UseAllowed {
        purpose: u32,
        why: Why,
        basis: Option<Basis>,
    },
    UseDenied {
        purpose: u32,
        why: Why,
    },
    Basis {
        purpose: u32,
        old: Basis,
        new: Basis,
    },
    DisclosureAllowed {
        purpose: u32,
        why: Why,
    },
    DisclosureDenied {
        purpose: u32,
        why: Why,
    },
    Sale {
        purpose: u32,
        on: bool,
    },
    Sharing {
        purpose: u32,
        on: bool,
    },
    DisclosureTransfer {
        purpose: u32,
        old: Via,
        new: Via,
    },
    TransferAllowed {
        safeguard: Option<String>,
        why: Why,
    },
    TransferDenied {
        why: Why,
    },
    TransferSafeguard {
        old: Option<String>,
        new: Option<String>,
    },
    Retention {
        purpose: Option<u32>,
        event: String,
        at_least: bool,
        old: Option<String>,
        new: Option<String>,
        change: RetentionChange,
    },
    RuleChanged {
        old: String,
        new: String,
    },
    /// The purpose may newly combine the cell's data with `with` (a joint category).
    CombinationAllowed {
        purpose: u32,
        with: u32,
        why: Why,
    },
    /// The purpose may no longer combine the cell's data with `with`.
    CombinationDenied {
        purpose: u32,
        with: u32,
        why: Why,
    },
}

/// How a retention period changed, over every anchor date the evaluators were asked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RetentionChange {
    /// Kept longer for some date, never shorter.
    Longer,
    Shorter,
    /// Longer for some dates, shorter for others (`1 month` against `30 days`).
    Both,
}

/// A question both sides were asked, about (each side's version of) one subject.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// Atoms set (smaller is simpler).
    pub cost: usize,
    pub subjects: [Option<Subject>; 2],
    pub questions: [Option<Question>; 2],
    pub outcomes: [Outcome; 2],
}

/// The case a change was seen in.
#[derive(Debug, Clone)]
pub(crate) enum Sample {
    Decided(Box<Seen>),
    Retention {
        category: u32,
        purpose: Option<u32>,
        region: u32,
        /// The events and date of the example ("collected on 2001-02-01").
        timeline: String,
        /// Each side's answer on it, in words.
        answers: [String; 2],
    },
}

impl Sample {
    pub fn cost(&self) -> usize {
        match self {
            Sample::Decided(seen) => seen.cost,
            Sample::Retention { .. } => 0,
        }
    }
}

/// One change in one cell of the question space. `dims` depend on the key: uses, bases and
/// retention `[category class, region class, 0]`; disclosures `[recipient, category class,
/// region class]`; transfers `[destination class, origin class, category class]`.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub key: Key,
    pub dims: [u32; 3],
    pub sample: Sample,
}

/// The cheapest subjects of one use question, by (allowed on old, allowed on new).
#[derive(Debug, Clone, Default)]
struct Combos([Option<[Option<Subject>; 2]>; 4]);

/// The changes of one question, cheapest case first.
#[derive(Debug, Default)]
struct Found(HashMap<Key, Sample>);

impl Found {
    fn add(&mut self, key: Key, sample: impl FnOnce() -> Sample) {
        self.0.entry(key).or_insert_with(sample);
    }

    fn flush(self, dims: [u32; 3], cells: &mut Vec<Cell>) {
        cells.extend(
            self.0
                .into_iter()
                .map(|(key, sample)| Cell { key, dims, sample }),
        );
    }

    /// Flush changes about `data`: a field's are wrapped, its category dimension (`at`)
    /// cleared.
    fn flush_data(self, data: Data, mut dims: [u32; 3], at: usize, cells: &mut Vec<Cell>) {
        match data {
            Data::Category(_) => self.flush(dims, cells),
            Data::Field(field) => {
                if let Some(d) = dims.get_mut(at) {
                    *d = 0;
                }
                cells.extend(self.0.into_iter().map(|(key, sample)| Cell {
                    key: Key::OfField {
                        field,
                        key: Box::new(key),
                    },
                    dims,
                    sample,
                }));
            }
        }
    }
}

pub(crate) struct Scanner<'u, 'p> {
    u: &'u Universe<'p>,
    pub cells: Vec<Cell>,
    /// Decisions made, both sides counted.
    pub cases: u64,
    /// How many decisions the scan may make; past it, searches stop and the diff is
    /// incomplete.
    budget: u64,
    /// A search stopped at the budget: the diff is not exact.
    pub exhausted: bool,
}

type Slot<'p> = Result<SideQuestion<'p>, Absent>;

/// The atoms a question asked of both sides reads; when they include data collected before
/// a withdrawal or opt-out, the questions are asked about such data.
fn slot_atoms(u: &Universe<'_>, slots: &mut [Slot<'_>; 2]) -> JointAtoms {
    let atoms = joint_atoms(u, [slots[0].as_ref().ok(), slots[1].as_ref().ok()]);
    if atoms.collected {
        for slot in slots.iter_mut().flatten() {
            if let Question::Decide(q) = &mut slot.question {
                *q = q.collected_at(COLLECTED);
            }
        }
    }
    atoms
}

impl<'u, 'p> Scanner<'u, 'p> {
    pub fn new(u: &'u Universe<'p>, budget: u64) -> Self {
        Scanner {
            u,
            cells: Vec::new(),
            cases: 0,
            budget,
            exhausted: false,
        }
    }

    /// The decisions left in the budget.
    fn left(&self) -> u64 {
        self.budget.saturating_sub(self.cases)
    }

    pub fn run(&mut self) {
        let u = self.u;
        for purpose in 0..to_u32(u.purposes.len()) {
            for (cc, &category) in u.category_reps.iter().enumerate() {
                for &region in &u.region_reps {
                    self.scan_use(purpose, to_u32(cc), Data::Category(category), region);
                }
            }
        }
        // A field mapped to another category: its questions change with the category's.
        for field in remapped_fields(u) {
            for purpose in 0..to_u32(u.purposes.len()) {
                for &region in &u.region_reps {
                    self.scan_use(purpose, 0, Data::Field(field), region);
                }
            }
        }
        self.scan_combinations();
        self.scan_transfers();
        self.scan_retention();
    }

    /// A use (with `recipient`, a disclosure) as one side asks it.
    fn slot(
        &self,
        side: Side,
        purpose: u32,
        data: Data,
        region: u32,
        recipient: Option<u32>,
    ) -> Slot<'p> {
        let u = self.u;
        let recipient = match recipient {
            Some(q) => Some(RecipientId(
                u.recipients.id(side, q).ok_or(Absent::Recipient)?,
            )),
            None => None,
        };
        let purpose = PurposeId(u.purposes.id(side, purpose).ok_or(Absent::Purpose)?);
        let data: DataRef = match data {
            Data::Category(c) => DataRef::Category(CategoryId(
                u.categories.id(side, c).ok_or(Absent::Category)?,
            )),
            Data::Field(f) => {
                DataRef::Field(FieldId(u.fields.id(side, f).ok_or(Absent::Category)?))
            }
        };
        let region = RegionId(u.regions.id(side, region).ok_or(Absent::Region)?);
        let mut query = Query::new(u.policy(side), purpose, data).in_region(region);
        if let Some(q) = recipient {
            query = query.to_recipient(q);
        }
        Ok(SideQuestion::new(u.policy(side), Question::Decide(query)))
    }

    fn scan_use(&mut self, purpose: u32, cc: u32, data: Data, region: u32) {
        let u = self.u;
        let mut slots = Side::BOTH.map(|side| self.slot(side, purpose, data, region, None));
        let relevant = slots.iter().flatten().any(|s| match s.question {
            Question::Decide(q) => {
                s.policy
                    .purposes
                    .get(q.purpose.index())
                    .is_some_and(|p| p.uses.contains(category_index(s.policy, &q)))
                    && s.policy
                        .basis_declarations(q.purpose, s.region)
                        .next()
                        .is_some()
            }
            Question::Transfer { .. } => false,
        });
        if !relevant {
            return;
        }
        let atoms = slot_atoms(u, &mut slots);
        let mut found = Found::default();
        let mut combos = Combos::default();
        let mut subjects = Side::BOTH.map(|side| Subject::new(u.policy(side)));
        let mut cases = 0u64;
        let sizes = atoms.sizes();
        let left = self.left();
        let mut stopped = false;
        let _ = by_cost(&sizes, usize::MAX, &mut |choice, cost| {
            if cases >= left {
                stopped = true;
                return ControlFlow::Break(());
            }
            let (outcomes, valid) = decide_both(&slots, &atoms, choice, &mut subjects, &mut cases);
            let allowed = outcomes.map(|o| o.allowed());
            let witness = || built(&subjects, valid).map(|s| s.cloned());
            let combo = usize::from(allowed[0]) * 2 + usize::from(allowed[1]);
            if let Some(slot) = combos.0.get_mut(combo) {
                if slot.is_none() {
                    *slot = Some(witness());
                }
            }
            let sample = || {
                Sample::Decided(Box::new(Seen {
                    cost,
                    subjects: witness(),
                    questions: questions_given(&slots, &atoms, choice),
                    outcomes,
                }))
            };
            for key in classify_use(u, purpose, &outcomes, &subjects) {
                found.add(key, sample);
            }
            ControlFlow::Continue(())
        });
        self.cases += cases;
        self.exhausted |= stopped;
        let rc = u.region_class(region);
        found.flush_data(data, [cc, rc, 0], 0, &mut self.cells);
        self.scan_disclosures(purpose, cc, data, region, &slots, &combos);
    }

    fn scan_disclosures(
        &mut self,
        purpose: u32,
        cc: u32,
        data: Data,
        region: u32,
        use_slots: &[Slot<'p>; 2],
        combos: &Combos,
    ) {
        let u = self.u;
        let rc = u.region_class(region);
        for recipient in 0..to_u32(u.recipients.len()) {
            let declared = use_slots.iter().zip(Side::BOTH).any(|(slot, side)| {
                let (Ok(s), Some(q)) = (slot, u.recipients.id(side, recipient)) else {
                    return false;
                };
                let Question::Decide(query) = s.question else {
                    return false;
                };
                s.policy.recipients.get(q as usize).is_some_and(|r| {
                    r.purposes.contains(query.purpose.index())
                        && r.categories.contains(category_index(s.policy, &query))
                })
            });
            if !declared {
                continue;
            }
            let mut slots =
                Side::BOTH.map(|side| self.slot(side, purpose, data, region, Some(recipient)));
            // The disclosure asks about the same data item as its use.
            for (slot, use_slot) in slots.iter_mut().zip(use_slots) {
                if let (Ok(s), Ok(use_slot)) = (slot, use_slot) {
                    if let (Question::Decide(q), Question::Decide(used)) =
                        (&mut s.question, use_slot.question)
                    {
                        q.collected_at = used.collected_at;
                    }
                }
            }
            let mut found = Found::default();
            // Circumstances are given per question: the use's witnesses do not carry them.
            if slots
                .iter()
                .flatten()
                .any(|s| layer_reads_subject(s) || s.reads_circumstances())
            {
                self.scan_disclosure_subjects(purpose, recipient, &mut slots, &mut found);
            } else {
                self.scan_disclosure_combos(purpose, recipient, &slots, combos, &mut found);
            }
            found.flush_data(data, [recipient, cc, rc], 1, &mut self.cells);
        }
    }

    /// The recipient's own checks read nothing about the subject: one subject per use combo.
    fn scan_disclosure_combos(
        &mut self,
        purpose: u32,
        recipient: u32,
        slots: &[Slot<'p>; 2],
        combos: &Combos,
        found: &mut Found,
    ) {
        let u = self.u;
        for (index, combo) in combos.0.iter().enumerate() {
            let Some(subjects) = combo else {
                continue;
            };
            let use_allowed = [index >= 2, index % 2 == 1];
            if use_allowed == [false, false] {
                continue;
            }
            let outcomes = [0, 1].map(|i| match (slots.get(i), subjects.get(i)) {
                (Some(Err(absent)), _) => Outcome::Absent(*absent),
                (Some(Ok(s)), Some(Some(subject))) => decide(s, Some(subject), &mut self.cases),
                _ => Outcome::Absent(Absent::Subject),
            });
            let cost = subjects
                .iter()
                .flatten()
                .map(subject_cost)
                .max()
                .unwrap_or(0);
            let sample = || {
                Sample::Decided(Box::new(Seen {
                    cost,
                    subjects: subjects.clone(),
                    questions: questions(slots),
                    outcomes,
                }))
            };
            let refs = [0, 1].map(|i| subjects.get(i).and_then(Option::as_ref));
            for key in classify_disclosure(u, purpose, recipient, use_allowed, &outcomes, refs) {
                found.add(key, sample);
            }
        }
    }

    /// The recipient's checks read the subject: every subject of the disclosure's atoms.
    fn scan_disclosure_subjects(
        &mut self,
        purpose: u32,
        recipient: u32,
        slots: &mut [Slot<'p>; 2],
        found: &mut Found,
    ) {
        let u = self.u;
        let atoms = slot_atoms(u, slots);
        let slots = &*slots;
        let mut subjects = Side::BOTH.map(|side| Subject::new(u.policy(side)));
        let mut cases = 0u64;
        let sizes = atoms.sizes();
        let left = self.left();
        let mut stopped = false;
        let _ = by_cost(&sizes, usize::MAX, &mut |choice, cost| {
            if cases >= left {
                stopped = true;
                return ControlFlow::Break(());
            }
            let (outcomes, valid) = decide_both(slots, &atoms, choice, &mut subjects, &mut cases);
            let refs = built(&subjects, valid);
            let use_allowed = [0, 1].map(|i| {
                let (Some(Ok(s)), Some(Some(subject))) = (slots.get(i), refs.get(i)) else {
                    return false;
                };
                let Question::Decide(query) = s.question else {
                    return false;
                };
                cases += 1;
                let used = Query {
                    recipient: None,
                    ..query
                };
                s.policy.decide(&used, subject).is_ok_and(|d| d.allowed())
            });
            let keys = classify_disclosure(u, purpose, recipient, use_allowed, &outcomes, refs);
            for key in keys {
                found.add(key, || {
                    Sample::Decided(Box::new(Seen {
                        cost,
                        subjects: refs.map(|s| s.cloned()),
                        questions: questions_given(slots, &atoms, choice),
                        outcomes,
                    }))
                });
            }
            ControlFlow::Continue(())
        });
        self.cases += cases;
        self.exhausted |= stopped;
    }

    fn scan_transfers(&mut self) {
        let u = self.u;
        let pairs = transfer_pairs(u);
        for (cc, &category) in u.category_reps.iter().enumerate() {
            for &(from, to) in &pairs {
                let slots = Side::BOTH.map(|side| -> Slot<'p> {
                    let category =
                        CategoryId(u.categories.id(side, category).ok_or(Absent::Category)?);
                    let from = RegionId(u.regions.id(side, from).ok_or(Absent::Region)?);
                    let to = RegionId(u.regions.id(side, to).ok_or(Absent::Region)?);
                    let question = Question::transfer(category, from, to);
                    Ok(SideQuestion::new(u.policy(side), question))
                });
                let mut found = Found::default();
                // About no particular subject.
                let outcomes = [0, 1].map(|i| match slots.get(i) {
                    Some(Ok(s)) => decide(s, None, &mut self.cases),
                    Some(Err(absent)) => Outcome::Absent(*absent),
                    None => Outcome::Absent(Absent::Subject),
                });
                for key in classify_transfer(u, &outcomes, [None, None]) {
                    found.add(key, || {
                        Sample::Decided(Box::new(Seen {
                            cost: 0,
                            subjects: [None, None],
                            questions: questions(&slots),
                            outcomes,
                        }))
                    });
                }
                // About each subject the rules' conditions tell apart.
                if slots.iter().flatten().any(SideQuestion::reads_subject) {
                    let atoms = joint_atoms(u, [slots[0].as_ref().ok(), slots[1].as_ref().ok()]);
                    let mut subjects = Side::BOTH.map(|side| Subject::new(u.policy(side)));
                    let mut cases = 0u64;
                    let sizes = atoms.sizes();
                    let left = self.left();
                    let mut stopped = false;
                    let _ = by_cost(&sizes, usize::MAX, &mut |choice, cost| {
                        if cases >= left {
                            stopped = true;
                            return ControlFlow::Break(());
                        }
                        let (outcomes, valid) =
                            decide_both(&slots, &atoms, choice, &mut subjects, &mut cases);
                        let refs = built(&subjects, valid);
                        for key in classify_transfer(u, &outcomes, refs) {
                            found.add(key, || {
                                Sample::Decided(Box::new(Seen {
                                    cost: cost + 1,
                                    subjects: refs.map(|s| s.cloned()),
                                    questions: questions_given(&slots, &atoms, choice),
                                    outcomes,
                                }))
                            });
                        }
                        ControlFlow::Continue(())
                    });
                    self.cases += cases;
                    self.exhausted |= stopped;
                    self.exhausted |= stopped;
                }
                let dims = [u.region_class(to), u.region_class(from), to_u32(cc)];
                found.flush(dims, &mut self.cells);
            }
        }
    }

    /// Combinations a `combine` rule of either side covers (see the module documentation).
    fn scan_combinations(&mut self) {
        let u = self.u;
        let any_rule = Side::BOTH.into_iter().any(|side| {
            u.policy(side)
                .rules
                .iter()
                .any(|r| matches!(r.action, crate::model::RuleAction::Combine { .. }))
        });
        if !any_rule {
            return;
        }
        for purpose in 0..to_u32(u.purposes.len()) {
            for (cc, &first) in u.category_reps.iter().enumerate() {
                for &second in u.category_reps.iter().skip(cc) {
                    for &region in &u.region_reps {
                        self.scan_combination(purpose, to_u32(cc), first, second, region);
                    }
                }
            }
        }
    }

    fn scan_combination(&mut self, purpose: u32, cc: u32, first: u32, second: u32, region: u32) {
        let u = self.u;
        let mut slots = Side::BOTH.map(|side| {
            let slot = self.slot(side, purpose, Data::Category(first), region, None)?;
            let with = CategoryId(u.categories.id(side, second).ok_or(Absent::Category)?);
            let Question::Decide(query) = slot.question else {
                return Err(Absent::Category);
            };
            Ok(SideQuestion::new(
                slot.policy,
                Question::Decide(query.combined_with(with)),
            ))
        });
        // Only where a `combine` rule of either side speaks about the pair.
        let covered = slots.iter().flatten().any(|s| {
            let Question::Decide(q) = s.question else {
                return false;
            };
            let (Some(a), Some(b)) = (
                category_of(s.policy, &q),
                q.combine
                    .and_then(|with| crate::eval::category_of_data(s.policy, with)),
            ) else {
                return false;
            };
            s.policy.rules.iter().any(|rule| {
                crate::eval::rules::combine_side(rule, q.purpose, a, b).is_some()
                    && rule.regions.contains(s.region.index())
            })
        });
        if !covered {
            return;
        }
        let atoms = slot_atoms(u, &mut slots);
        let mut found = Found::default();
        let mut subjects = Side::BOTH.map(|side| Subject::new(u.policy(side)));
        let mut cases = 0u64;
        let sizes = atoms.sizes();
        let left = self.left();
        let mut stopped = false;
        let _ = by_cost(&sizes, usize::MAX, &mut |choice, cost| {
            if cases >= left {
                stopped = true;
                return ControlFlow::Break(());
            }
            let (outcomes, valid) = decide_both(&slots, &atoms, choice, &mut subjects, &mut cases);
            let sample = || {
                Sample::Decided(Box::new(Seen {
                    cost,
                    subjects: built(&subjects, valid).map(|s| s.cloned()),
                    questions: questions_given(&slots, &atoms, choice),
                    outcomes,
                }))
            };
            let [old, new] = &outcomes;
            let key = match (old.allowed(), new.allowed()) {
                (false, true) => Some(Key::CombinationAllowed {
                    purpose,
                    with: second,
                    why: why_of(u, Side::Old, old, subjects.first()),
                }),
                (true, false) => Some(Key::CombinationDenied {
                    purpose,
                    with: second,
                    why: why_of(u, Side::New, new, subjects.get(1)),
                }),
                (false, false) => rule_changed(u, &outcomes),
                (true, true) => None,
            };
            if let Some(key) = key {
                found.add(key, sample);
            }
            ControlFlow::Continue(())
        });
        self.cases += cases;
        self.exhausted |= stopped;
        found.flush([cc, u.region_class(region), 0], &mut self.cells);
    }

    /// Retention, asked of both evaluators (see `retention.rs`).
    fn scan_retention(&mut self) {
        let complete = super::retention::scan(self.u, &mut self.cells, &mut self.cases);
        self.exhausted |= !complete;
    }
}

fn category_index(policy: &Policy, query: &Query) -> usize {
    category_of(policy, query).map_or(usize::MAX, CategoryId::index)
}

/// Fields both policies declare, mapped to categories of different names.
fn remapped_fields(u: &Universe<'_>) -> Vec<u32> {
    (0..to_u32(u.fields.len()))
        .filter(|&f| {
            let category = |side: Side| {
                let policy = u.policy(side);
                u.fields
                    .id(side, f)
                    .and_then(|id| policy.fields.get(id as usize))
                    .map(|field| policy.category_name(field.category))
            };
            matches!((category(Side::Old), category(Side::New)), (Some(a), Some(b)) if a != b)
        })
        .collect()
}

/// The questions as `choice` asks them (with the circumstances it gives each side).
fn questions_given(
    slots: &[Slot<'_>; 2],
    atoms: &JointAtoms,
    choice: &[usize],
) -> [Option<Question>; 2] {
    let mut out = questions(slots);
    for (slot, side) in out.iter_mut().zip(Side::BOTH) {
        if let Some(q) = slot {
            *q = q.with_circumstances(atoms.circumstances(side, choice));
        }
    }
    out
}

fn questions(slots: &[Slot<'_>; 2]) -> [Option<Question>; 2] {
    [0, 1].map(|i| match slots.get(i) {
        Some(Ok(s)) => Some(s.question),
        _ => None,
    })
}

/// Atoms a subject sets, roughly: for a disclosure sample, the use scan's cost is not kept.
fn subject_cost(subject: &Subject) -> usize {
    usize::from(subject.age.is_some())
        + usize::from(subject.kind.is_some())
        + subject.consents.len()
        + subject.objections.len()
        + subject.opt_outs.count_ones() as usize
        + usize::from(subject.gpc)
        + usize::from(subject.restricted)
        + usize::from(subject.erasure_requested)
        + usize::from(subject.parental_consent)
        + subject.attributes.iter().flatten().count()
}

/// The subjects that could be built.
fn built(subjects: &[Subject; 2], valid: [bool; 2]) -> [Option<&Subject>; 2] {
    let [old, new] = subjects;
    let [old_valid, new_valid] = valid;
    [old_valid.then_some(old), new_valid.then_some(new)]
}

fn decide(side: &SideQuestion<'_>, subject: Option<&Subject>, cases: &mut u64) -> Outcome {
    *cases += 1;
    match side.question.decide(side.policy, subject) {
        Ok(decision) => Outcome::Decided(decision),
        Err(_) => Outcome::Absent(Absent::Subject),
    }
}

/// Build each side's subject for `choice` and decide; which subjects could be built.
fn decide_both(
    slots: &[Slot<'_>; 2],
    atoms: &JointAtoms,
    choice: &[usize],
    subjects: &mut [Subject; 2],
    cases: &mut u64,
) -> ([Outcome; 2], [bool; 2]) {
    let mut valid = [false, false];
    let mut outcomes = [Outcome::Absent(Absent::Subject); 2];
    for (i, side) in Side::BOTH.into_iter().enumerate() {
        let (Some(slot), Some(subject)) = (slots.get(i), subjects.get_mut(i)) else {
            continue;
        };
        let outcome = match slot {
            Err(absent) => Outcome::Absent(*absent),
            Ok(s) => {
                if atoms.build(side, s.policy, choice, s.region, subject) {
                    if let Some(v) = valid.get_mut(i) {
                        *v = true;
                    }
                    let question = s
                        .question
                        .with_circumstances(atoms.circumstances(side, choice));
                    *cases += 1;
                    match question.decide(s.policy, Some(subject)) {
                        Ok(decision) => Outcome::Decided(decision),
                        Err(_) => Outcome::Absent(Absent::Subject),
                    }
                } else {
                    Outcome::Absent(Absent::Subject)
                }
            }
        };
        if let Some(o) = outcomes.get_mut(i) {
            *o = outcome;
        }
    }
    (outcomes, valid)
}

/// Why a side denies (its decision, for `subject`).
fn why(policy: &Policy, decision: &Decision, subject: Option<&Subject>) -> Why {
    match decision.reason {
        Reason::ConsentMissing | Reason::ConsentWithdrawn => Why::Consent {
            explicit: decision.detail.explicit_required,
        },
        Reason::OptedOut => decision
            .detail
            .opt_out
            .map_or(Why::Reason(Reason::OptedOut), Why::OptedOut),
        Reason::SubjectKind => {
            let kind = subject
                .and_then(|s| s.kind)
                .or(policy.index.default_subject_kind)
                .and_then(|k| policy.subject_kinds.get(k.index()))
                .map_or_else(|| "?".to_owned(), |k| k.name.clone());
            Why::Kind(kind)
        }
        Reason::DeniedByRule => Why::Rule(
            decision
                .rule_ref(policy)
                .map_or_else(|| "?".to_owned(), |r| r.name.to_owned()),
        ),
        other => Why::Reason(other),
    }
}

fn why_of(u: &Universe<'_>, side: Side, outcome: &Outcome, subject: Option<&Subject>) -> Why {
    match outcome {
        Outcome::Absent(absent) => Why::Absent(*absent),
        Outcome::Decided(d) => why(u.policy(side), d, subject),
    }
}

/// Both denied by rules with different names: a renamed (or replaced) rule.
fn rule_changed(u: &Universe<'_>, outcomes: &[Outcome; 2]) -> Option<Key> {
    let names = [0, 1].map(|i| {
        let side = if i == 0 { Side::Old } else { Side::New };
        outcomes
            .get(i)
            .and_then(Outcome::decision)
            .filter(|d| d.reason == Reason::DeniedByRule)
            .and_then(|d| d.rule_ref(u.policy(side)))
            .map(|r| r.name.to_owned())
    });
    match names {
        [Some(old), Some(new)] if old != new => Some(Key::RuleChanged { old, new }),
        _ => None,
    }
}

fn classify_use(
    u: &Universe<'_>,
    purpose: u32,
    outcomes: &[Outcome; 2],
    subjects: &[Subject; 2],
) -> Vec<Key> {
    let [old, new] = outcomes;
    match (old.allowed(), new.allowed()) {
        (false, true) => vec![Key::UseAllowed {
            purpose,
            why: why_of(u, Side::Old, old, subjects.first()),
            basis: new.decision().and_then(|d| d.basis),
        }],
        (true, false) => vec![Key::UseDenied {
            purpose,
            why: why_of(u, Side::New, new, subjects.get(1)),
        }],
        (true, true) => {
            let (Some(a), Some(b)) = (
                old.decision().and_then(|d| d.basis),
                new.decision().and_then(|d| d.basis),
            ) else {
                return Vec::new();
            };
            if a == b {
                Vec::new()
            } else {
                vec![Key::Basis {
                    purpose,
                    old: a,
                    new: b,
                }]
            }
        }
        (false, false) => rule_changed(u, outcomes).into_iter().collect(),
    }
}

fn classify_disclosure(
    u: &Universe<'_>,
    purpose: u32,
    recipient: u32,
    use_allowed: [bool; 2],
    outcomes: &[Outcome; 2],
    subjects: [Option<&Subject>; 2],
) -> Vec<Key> {
    let [old, new] = outcomes;
    let disclosure_why = |side: Side, i: usize, outcome: &Outcome| match outcome {
        Outcome::Absent(absent) => Why::Absent(*absent),
        Outcome::Decided(_) if !use_allowed.get(i).copied().unwrap_or(false) => Why::Use,
        Outcome::Decided(d) => why(u.policy(side), d, subjects.get(i).copied().flatten()),
    };
    match (old.allowed(), new.allowed()) {
        (false, true) => vec![Key::DisclosureAllowed {
            purpose,
            why: disclosure_why(Side::Old, 0, old),
        }],
        (true, false) => vec![Key::DisclosureDenied {
            purpose,
            why: disclosure_why(Side::New, 1, new),
        }],
        (true, true) => {
            let mut keys = Vec::new();
            let flags = Side::BOTH.map(|side| {
                u.recipients
                    .id(side, recipient)
                    .and_then(|q| u.policy(side).recipients.get(q as usize))
                    .map_or((false, false), |r| (r.sale, r.sharing))
            });
            if flags[0].0 != flags[1].0 {
                keys.push(Key::Sale {
                    purpose,
                    on: flags[1].0,
                });
            }
            if flags[0].1 != flags[1].1 {
                keys.push(Key::Sharing {
                    purpose,
                    on: flags[1].1,
                });
            }
            let via = |side: Side, outcome: &Outcome| -> Via {
                let policy = u.policy(side);
                let d = outcome.decision()?;
                let to = d.detail.transfer_to?;
                d.detail.transfer_rule?;
                Some((
                    policy.region_name(to).to_owned(),
                    d.safeguard(policy).map(str::to_owned),
                ))
            };
            let (a, b) = (via(Side::Old, old), via(Side::New, new));
            if a != b {
                keys.push(Key::DisclosureTransfer {
                    purpose,
                    old: a,
                    new: b,
                });
            }
            keys
        }
        (false, false) => rule_changed(u, outcomes).into_iter().collect(),
    }
}

fn classify_transfer(
    u: &Universe<'_>,
    outcomes: &[Outcome; 2],
    subjects: [Option<&Subject>; 2],
) -> Vec<Key> {
    let [old, new] = outcomes;
    let safeguard = |side: Side, outcome: &Outcome| {
        outcome
            .decision()
            .and_then(|d| d.safeguard(u.policy(side)))
            .map(str::to_owned)
    };
    match (old.allowed(), new.allowed()) {
        (false, true) => vec![Key::TransferAllowed {
            safeguard: safeguard(Side::New, new),
            why: why_of(u, Side::Old, old, subjects[0]),
        }],
        (true, false) => vec![Key::TransferDenied {
            why: why_of(u, Side::New, new, subjects[1]),
        }],
        (true, true) => {
            let (a, b) = (safeguard(Side::Old, old), safeguard(Side::New, new));
            if a == b {
                Vec::new()
            } else {
                vec![Key::TransferSafeguard { old: a, new: b }]
            }
        }
        (false, false) => rule_changed(u, outcomes).into_iter().collect(),
    }
}

/// Whether a disclosure's own checks (beyond its use) read anything about the subject.
fn layer_reads_subject(side: &SideQuestion<'_>) -> bool {
    let Question::Decide(query) = side.question else {
        return true;
    };
    let policy = side.policy;
    let Some(recipient) = query
        .recipient
        .and_then(|q| policy.recipients.get(q.index()))
    else {
        return false;
    };
    // A consent to the recipient, or to the transfer to where it sits, is about the subject.
    if recipient.sale
        || recipient.sharing
        || crate::analysis::atoms::target_consents_read(policy, &side.question)
            .next()
            .is_some()
    {
        return true;
    }
    let all = question_conditions(policy, &side.question);
    let used = question_conditions(
        policy,
        &Question::Decide(Query {
            recipient: None,
            ..query
        }),
    );
    all.into_iter()
        .filter(|c| !used.iter().any(|u| std::ptr::eq(*u, *c)))
        .any(reads)
}

fn reads(cond: &Cond) -> bool {
    match cond {
        Cond::True | Cond::False | Cond::Is(Predicate::Never) => false,
        Cond::Not(inner) | Cond::Known(inner) => reads(inner),
        Cond::And(parts) | Cond::Or(parts) => parts.iter().any(reads),
        Cond::Is(_) => true,
    }
}

/// One (origin, destination) pair of places per (origin class, destination class, domestic
/// on the old side, domestic on the new side, in one country on either side — read by a
/// permission `with unstated`) combination some pair realises, preferring places both sides
/// declare.
fn transfer_pairs(u: &Universe<'_>) -> Vec<(u32, u32)> {
    let places: Vec<u32> = u.places.iter().map(to_u32).collect();
    let domestic = |side: Side, from: u32, to: u32| {
        let policy = u.policy(side);
        match (u.regions.id(side, from), u.regions.id(side, to)) {
            (Some(f), Some(t)) => policy
                .regions
                .get(t as usize)
                .is_some_and(|r| r.within.contains(f as usize)),
            _ => false,
        }
    };
    let country =
        |side: Side, from: u32, to: u32| match (u.regions.id(side, from), u.regions.id(side, to)) {
            (Some(f), Some(t)) => crate::eval::within_one_country(
                u.policy(side),
                crate::model::RegionId(f),
                crate::model::RegionId(t),
            ),
            _ => false,
        };
    let rank = |(from, to): (u32, u32)| (u.region_rank(from), u.region_rank(to));
    type Key = (u32, u32, bool, bool, bool, bool);
    let mut seen: BTreeMap<Key, (u32, u32)> = BTreeMap::new();
    for &from in &places {
        for &to in &places {
            let key = (
                u.region_class(from),
                u.region_class(to),
                domestic(Side::Old, from, to),
                domestic(Side::New, from, to),
                country(Side::Old, from, to),
                country(Side::New, from, to),
            );
            let entry = seen.entry(key).or_insert((from, to));
            if rank((from, to)) < rank(*entry) {
                *entry = (from, to);
            }
        }
    }
    seen.into_values().collect()
}
