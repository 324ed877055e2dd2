//! The subject atoms one question can read, each with the finite set of values that the
//! evaluator can tell apart, and the subject a choice of values builds.
//!
//! What a decision reads about the subject, and how each atom is cut down to finitely many
//! values without losing a case:
//!
//! - **age**: compared only with the query region's children threshold (`age < t`) and the
//!   integers of `subject.age` comparisons; the ages between two such cut points behave
//!   alike, so one age per interval, plus unknown age.
//! - **kind**: read only by the purpose's `subjects` and `subject.kind == K`: one kind per
//!   class of kinds these tell apart; no kind means the default kind.
//! - **region of residence**: read only by `subject.region in …`: one region per class.
//! - **consent**: the evaluator reads, for the purpose's lineage (itself and ancestors), the
//!   OR over the records of any active consent, any active *explicit* consent and any
//!   withdrawal that happened after the data was collected (taint); conditions read the same
//!   for other purposes. Purposes inside exactly the same lineages are interchangeable, so
//!   one atom per class of purposes, with the values none / given / given explicitly and,
//!   where taint can matter, withdrawn after collection / given again after such a
//!   withdrawal (explicitly or not). A withdrawal before collection, or a record that is
//!   only withdrawn, denies exactly like no consent at all.
//! - **objection**, **opt-outs**, **GPC**, **restriction**, **erasure**: the evaluator only
//!   ever denies because of them; each is an atom only when a condition reads it (or, for a
//!   `requires` assertion, when a basis alternative reads it: failing one alternative may
//!   select another). Otherwise it is left unset, which is the most permissive value.
//!   An opt-out is none / in force for every channel and campaign; where a condition reads
//!   `opted_out(K)` (which sees only those) and a basis alternative reads K, also one that
//!   stops the question without the condition seeing it: for `marketing` an opt-out of one
//!   campaign (the questions name none), for another kind one revoked after the data was
//!   collected, where the purpose keeps such data out. Channel-limited opt-outs stop a
//!   question exactly like one of these or like none, so they add no value here (the diff,
//!   comparing two policies whose purposes may name other channels, has one value per
//!   channel: `diff::subjects`).
//! - **parental consent**: read by the children rules of the purpose and by conditions.
//! - **consent to a recipient or a transfer**: read only by the evaluator, for a disclosure
//!   to a recipient that `requires consent` and for a transfer (or a disclosure's transfer to
//!   the recipient's location) that only a permission requiring consent lets through: one
//!   atom per recipient or destination, none / given / given explicitly.
//! - **circumstances**: a declared circumstance is given with the question, not the subject;
//!   each one a condition of the question reads (`circumstance.NAME`) is an atom: given or
//!   not. They are set on the question ([`circumstances_of`]), never on the subject.
//! - **knowledge** (`known C`): reads the same facts as C; every atom above already has its
//!   unknown value (unknown age, an attribute not given), so nothing more is needed.
//! - **attributes**: one value per class their conditions tell apart (booleans:
//!   unset/true/false; integers: one per interval between cut points; strings: each literal
//!   compared with plus one never mentioned; sets: given or not, and one in/out atom per
//!   string tested — every combination, no cap).

use std::collections::BTreeMap;

use crate::eval::Query;
use crate::model::tests::AssertionKind;
use crate::model::{
    AttrValue, AttributeId, AttributeType, Basis, ChildTreatment, CircumstanceId, Circumstances,
    Cond, IdSet, OptOutKind, Policy, Predicate, PurposeId, RegionId, RuleAction, SubjectKindId,
    SymbolId, FLAG_SPECIAL,
};
use crate::model::{Campaign, Channel};
use crate::subject::{ConsentRecord, ConsentTarget, OptOutRecord, Subject, TargetConsent};

use crate::analysis::space::Space;
use crate::eval::Question;

/// `2024-01-01`: consents are given then.
const GIVEN: jiff::Timestamp = jiff::Timestamp::constant(1_704_067_200, 0);
/// `2024-03-01`: when the data asked about was collected (where taint matters).
pub(crate) const COLLECTED: jiff::Timestamp = jiff::Timestamp::constant(1_709_251_200, 0);
/// `2024-04-01`: withdrawals happen then, after the data was collected.
const WITHDRAWN: jiff::Timestamp = jiff::Timestamp::constant(1_711_929_600, 0);
/// `2024-05-01`: consent given again after a withdrawal.
const REGIVEN: jiff::Timestamp = jiff::Timestamp::constant(1_714_521_600, 0);

/// The largest age a subject can state.
const MAX_AGE: i64 = crate::eval::MAX_AGE;

/// The value of one consent atom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsentState {
    None,
    Given,
    GivenExplicit,
    /// Withdrawn after the data was collected.
    WithdrawnAfterCollection,
    /// Given again after a withdrawal that came after the data was collected.
    RegivenAfterTaint,
    RegivenExplicitAfterTaint,
}

impl ConsentState {
    fn taints(self) -> bool {
        matches!(
            self,
            ConsentState::WithdrawnAfterCollection
                | ConsentState::RegivenAfterTaint
                | ConsentState::RegivenExplicitAfterTaint
        )
    }
}

/// Where the subject lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Residence {
    /// The query region (the region a question is decided in).
    Same,
    Unknown,
    In(RegionId),
}

/// One atom and its values; value 0 is the default (the atom not set).
#[derive(Debug, Clone)]
pub(crate) enum Atom {
    Kind(Vec<Option<SubjectKindId>>),
    Age(Vec<Option<u16>>),
    Residence(Vec<Residence>),
    Consent {
        purpose: PurposeId,
        states: Vec<ConsentState>,
    },
    Objection(PurposeId),
    /// None / in force for everything; with `limited`, also a third value: an opt-out the
    /// question's basis sees but `opted_out(K)` does not ([`limited_opt_out`]).
    OptOut {
        kind: OptOutKind,
        limited: bool,
    },
    Gpc,
    Restricted,
    Erased,
    ParentalConsent,
    Attribute {
        id: AttributeId,
        values: Vec<Option<AttrValue>>,
    },
    /// One string a condition tests a set attribute for: in the set or not. Setting it
    /// gives the attribute (an empty set when its own atom is not set).
    SetMember {
        id: AttributeId,
        symbol: SymbolId,
    },
    /// A circumstance given with the question, or not (set on the question, not the
    /// subject: see [`circumstances_of`]).
    Circumstance(CircumstanceId),
    /// A consent to a recipient or a transfer: none, given, given explicitly.
    TargetConsent(ConsentTarget),
}

impl Atom {
    pub fn values(&self) -> usize {
        match self {
            Atom::Kind(v) => v.len(),
            Atom::Age(v) => v.len(),
            Atom::Residence(v) => v.len(),
            Atom::Consent { states, .. } => states.len(),
            Atom::Attribute { values, .. } => values.len(),
            Atom::TargetConsent(_) => 3,
            Atom::OptOut { limited, .. } => 2 + usize::from(*limited),
            Atom::Objection(_)
            | Atom::Gpc
            | Atom::Restricted
            | Atom::Erased
            | Atom::ParentalConsent
            | Atom::SetMember { .. }
            | Atom::Circumstance(_) => 2,
        }
    }

    fn taints(&self) -> bool {
        match self {
            Atom::Consent { states, .. } => states.iter().any(|s| s.taints()),
            Atom::OptOut { kind, limited } => *limited && *kind != OptOutKind::Marketing,
            _ => false,
        }
    }
}

/// What the search is looking for, which decides how far atoms can be cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Goal {
    /// An allowed decision (never / only assertions, reachability, exceptions):
    /// objections, opt-outs, restriction, erasure and
    /// taint only ever deny on the way there.
    Permissive,
    /// An allowed decision on a particular basis: failing one basis alternative may select
    /// another, so the atoms the alternatives read all count.
    Basis,
    /// A decision a given rule makes (shadowing): atoms as for `Permissive`, but a question
    /// denied for every subject is still searched (the rule may be what denies it).
    Decides,
}

/// The atoms of one question, and whether the query carries a collection date.
#[derive(Debug, Clone, Default)]
pub(crate) struct Atoms {
    pub atoms: Vec<Atom>,
    pub collected: bool,
}

/// Facts about the subject the conditions of one question read.
#[derive(Debug, Default)]
pub(crate) struct Reads<'p> {
    pub(crate) age_cuts: Vec<i64>,
    pub(crate) child: bool,
    pub(crate) region_sets: Vec<&'p IdSet>,
    pub(crate) kinds: Vec<SubjectKindId>,
    pub(crate) consents: Vec<(PurposeId, bool)>,
    pub(crate) objections: Vec<PurposeId>,
    pub(crate) opt_outs: u8,
    pub(crate) gpc: bool,
    pub(crate) restricted: bool,
    pub(crate) erased: bool,
    pub(crate) parental: bool,
    pub(crate) attributes: BTreeMap<AttributeId, AttrRead>,
    pub(crate) circumstances: Circumstances,
}

#[derive(Debug, Default)]
pub(crate) struct AttrRead {
    pub(crate) cuts: Vec<i64>,
    pub(crate) symbols: Vec<SymbolId>,
}

impl<'p> Reads<'p> {
    pub(crate) fn cond(&mut self, cond: &'p Cond) {
        match cond {
            Cond::True | Cond::False => {}
            Cond::Not(inner) | Cond::Known(inner) => self.cond(inner),
            Cond::And(parts) | Cond::Or(parts) => {
                for part in parts {
                    self.cond(part);
                }
            }
            Cond::Is(predicate) => self.predicate(predicate),
        }
    }

    fn predicate(&mut self, predicate: &'p Predicate) {
        match predicate {
            Predicate::Child | Predicate::Adult => self.child = true,
            Predicate::Age(_, n) => {
                self.age_cuts.push(*n);
                self.age_cuts.push(n.saturating_add(1));
            }
            Predicate::RegionIn(set) => self.region_sets.push(set),
            Predicate::KindIs(kind) => self.kinds.push(*kind),
            Predicate::Consent(p) => self.consents.push((*p, false)),
            Predicate::ExplicitConsent(p) => self.consents.push((*p, true)),
            Predicate::Objected(p) => self.objections.push(*p),
            Predicate::OptedOut(kind) => self.opt_outs |= kind.bit(),
            Predicate::Gpc => self.gpc = true,
            Predicate::Restricted => self.restricted = true,
            Predicate::Erased => self.erased = true,
            Predicate::ParentalConsent => self.parental = true,
            Predicate::AttrTrue(id) => {
                self.attribute(*id);
            }
            Predicate::AttrCmp(id, _, literal) => {
                let read = self.attribute(*id);
                match literal {
                    AttrValue::Int(n) => {
                        read.cuts.push(*n);
                        read.cuts.push(n.saturating_add(1));
                    }
                    AttrValue::Str(Some(symbol)) => read.symbols.push(*symbol),
                    AttrValue::Set(items) => read.symbols.extend(items.iter().copied()),
                    AttrValue::Bool(_) | AttrValue::Str(None) => {}
                }
            }
            Predicate::SetContains(id, symbol) => self.attribute(*id).symbols.push(*symbol),
            Predicate::Circumstance(id) => self.circumstances = self.circumstances.with(*id),
            Predicate::Never => {}
        }
    }

    fn attribute(&mut self, id: AttributeId) -> &mut AttrRead {
        self.attributes.entry(id).or_default()
    }
}

/// The rules and permissions that can apply, by purpose (use rules) and by category
/// (disclosure, sale, sharing and transfer rules; transfer permissions), read off the rules
/// themselves, in policy order. (The evaluator's `RuleLookup` leaves out rules an earlier
/// alike rule shadows; these lists keep every rule.)
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleLists {
    pub use_by_purpose: Vec<Vec<u32>>,
    pub disclosure_by_category: Vec<Vec<u32>>,
    pub transfer_by_category: Vec<Vec<u32>>,
    pub permits_by_category: Vec<Vec<u32>>,
    /// Every `combine` rule.
    pub combine: Vec<u32>,
    /// The `assert never use` assertions, by the purposes their rule names (indexes into
    /// the policy's assertions, in order).
    pub never_use_by_purpose: Vec<Vec<u32>>,
}

impl RuleLists {
    pub fn new(policy: &Policy) -> RuleLists {
        let categories = policy.categories.len();
        let mut lists = RuleLists {
            use_by_purpose: vec![Vec::new(); policy.purposes.len()],
            disclosure_by_category: vec![Vec::new(); categories],
            transfer_by_category: vec![Vec::new(); categories],
            permits_by_category: vec![Vec::new(); categories],
            combine: Vec::new(),
            never_use_by_purpose: vec![Vec::new(); policy.purposes.len()],
        };
        let push = |lists: &mut Vec<Vec<u32>>, set: &IdSet, i: usize| {
            for member in set.iter() {
                if let Some(list) = lists.get_mut(member) {
                    list.push(crate::analysis::space::to_u32(i));
                }
            }
        };
        for (i, rule) in policy.rules.iter().enumerate() {
            match &rule.action {
                RuleAction::Use { purposes } => push(&mut lists.use_by_purpose, purposes, i),
                RuleAction::Disclose { .. } | RuleAction::Sell | RuleAction::Share => {
                    push(&mut lists.disclosure_by_category, &rule.categories, i)
                }
                RuleAction::Transfer { .. } => {
                    push(&mut lists.transfer_by_category, &rule.categories, i)
                }
                RuleAction::Combine { .. } => {
                    lists.combine.push(crate::analysis::space::to_u32(i));
                }
            }
        }
        for (i, transfer) in policy.transfers.iter().enumerate() {
            push(&mut lists.permits_by_category, &transfer.categories, i);
        }
        for (i, assertion) in policy.assertions.iter().enumerate() {
            if let AssertionKind::Never(rule) = &assertion.kind {
                if let RuleAction::Use { purposes } = &rule.action {
                    push(&mut lists.never_use_by_purpose, purposes, i);
                }
            }
        }
        lists
    }
}

/// The rules of `list` (every rule when there is no list).
fn rules_of<'p>(policy: &'p Policy, list: Option<&'p [u32]>) -> Listed<'p, crate::model::DenyRule> {
    Listed::new(&policy.rules, list)
}

/// The assertions of `list` (every assertion when there is no list).
fn assertions_of<'p>(
    policy: &'p Policy,
    list: Option<&'p [u32]>,
) -> Listed<'p, crate::model::tests::CompiledAssertion> {
    Listed::new(&policy.assertions, list)
}

/// The items of `all` a list of indexes names, in its order, or every item when there is
/// no list. A plain iterator (no box, no adapter chain): the analysis asks it once per
/// question, and `lawful doc` asks hundreds of thousands of questions.
struct Listed<'p, T> {
    all: &'p [T],
    list: Option<std::slice::Iter<'p, u32>>,
    next: usize,
}

impl<'p, T> Listed<'p, T> {
    fn new(all: &'p [T], list: Option<&'p [u32]>) -> Self {
        Listed {
            all,
            list: list.map(<[u32]>::iter),
            next: 0,
        }
    }
}

impl<'p, T> Iterator for Listed<'p, T> {
    type Item = &'p T;

    fn next(&mut self) -> Option<&'p T> {
        match &mut self.list {
            Some(list) => loop {
                let &i = list.next()?;
                if let Some(item) = self.all.get(i as usize) {
                    return Some(item);
                }
            },
            None => {
                let item = self.all.get(self.next)?;
                self.next += 1;
                Some(item)
            }
        }
    }
}

/// The conditions a question can evaluate, besides `extra` (an assertion's own).
pub(crate) fn question_conditions<'p>(policy: &'p Policy, question: &Question) -> Vec<&'p Cond> {
    conditions_of(policy, None, question)
}

/// [`question_conditions`], finding the rules through `lists` when given.
pub(crate) fn conditions_of<'p>(
    policy: &'p Policy,
    lists: Option<&'p RuleLists>,
    question: &Question,
) -> Vec<&'p Cond> {
    let mut out = Vec::new();
    conditions_into(policy, lists, question, &mut out);
    out
}

/// [`conditions_of`], appended to `out` (a caller asking many questions reuses one list).
pub(crate) fn conditions_into<'p>(
    policy: &'p Policy,
    lists: Option<&'p RuleLists>,
    question: &Question,
    out: &mut Vec<&'p Cond>,
) {
    let rule_conds = |rule: &'p crate::model::DenyRule, out: &mut Vec<&'p Cond>| {
        out.extend(rule.when.iter());
        out.extend(rule.excepts.iter().filter_map(|e| e.when.as_ref()));
    };
    match *question {
        Question::Decide(query) => {
            let Some(category) = category_of(policy, &query) else {
                return;
            };
            let region = query.region.unwrap_or(RegionId(0));
            let (c, r, p) = (category.index(), region.index(), query.purpose.index());
            // A combination reads the use rules of both its data, and its `combine` rules.
            let other = query
                .combine
                .and_then(|with| crate::eval::category_of_data(policy, with));
            let list = lists.map(|l| l.use_by_purpose.get(p).map_or(&[][..], Vec::as_slice));
            for rule in rules_of(policy, list) {
                let RuleAction::Use { purposes } = &rule.action else {
                    continue;
                };
                let covers = rule.categories.contains(c)
                    || other.is_some_and(|o| rule.categories.contains(o.index()));
                if purposes.contains(p) && covers && rule.regions.contains(r) {
                    rule_conds(rule, out);
                }
            }
            // A use the closed world denies cites an `assert never use` that forbids it
            // (`eval::rules::forbidding_assertion`): the assertion's conditions decide which
            // provenance the decision names, so they are read like a rule's.
            let never = lists.map(|l| l.never_use_by_purpose.get(p).map_or(&[][..], Vec::as_slice));
            for assertion in assertions_of(policy, never) {
                let AssertionKind::Never(rule) = &assertion.kind else {
                    continue;
                };
                let covers = rule.categories.contains(c)
                    || other.is_some_and(|o| rule.categories.contains(o.index()));
                if crate::eval::rules::is_use_rule_for(rule, query.purpose)
                    && covers
                    && rule.regions.contains(r)
                {
                    rule_conds(rule, out);
                }
            }
            if let Some(other) = other {
                let list = lists.map(|l| l.combine.as_slice());
                for rule in rules_of(policy, list) {
                    if crate::eval::rules::combine_side(rule, query.purpose, category, other)
                        .is_some()
                        && rule.regions.contains(r)
                    {
                        rule_conds(rule, out);
                    }
                }
                for declaration in policy.basis_declarations(query.purpose, region) {
                    out.extend(declaration.when.iter());
                    out.extend(declaration.objection_override.iter());
                }
                return;
            }
            for declaration in policy.basis_declarations(query.purpose, region) {
                out.extend(declaration.when.iter());
                out.extend(declaration.objection_override.iter());
            }
            let Some(id) = query.recipient else {
                return;
            };
            let Some(recipient) = policy.recipients.get(id.index()) else {
                return;
            };
            let list = lists.map(|l| {
                l.disclosure_by_category
                    .get(c)
                    .map_or(&[][..], Vec::as_slice)
            });
            for rule in rules_of(policy, list) {
                let action = match &rule.action {
                    RuleAction::Disclose {
                        recipients,
                        purposes,
                        ..
                    } => recipients.contains(id.index()) && purposes.contains(p),
                    RuleAction::Sell => recipient.sale,
                    RuleAction::Share => recipient.sharing,
                    RuleAction::Use { .. }
                    | RuleAction::Transfer { .. }
                    | RuleAction::Combine { .. } => false,
                };
                if action && rule.categories.contains(c) && rule.regions.contains(r) {
                    rule_conds(rule, out);
                }
            }
            out.extend(recipient.conditions.iter());
            for location in &recipient.located {
                transfer_conditions(policy, lists, category, region, *location, out);
            }
            if recipient.located.is_empty() {
                // Localised data may not go to a recipient of unknown location, unless the
                // localisation's exception holds: its conditions decide the disclosure.
                localization_conditions(policy, category, region, out);
            }
        }
        Question::Transfer {
            category, from, to, ..
        } => {
            transfer_conditions(policy, lists, category, from, to, out);
        }
    }
}

pub(crate) fn transfer_conditions<'p>(
    policy: &'p Policy,
    lists: Option<&'p RuleLists>,
    category: crate::model::CategoryId,
    from: RegionId,
    to: RegionId,
    out: &mut Vec<&'p Cond>,
) {
    let list = lists.map(|l| {
        l.transfer_by_category
            .get(category.index())
            .map_or(&[][..], Vec::as_slice)
    });
    for rule in rules_of(policy, list) {
        if let RuleAction::Transfer {
            from: rule_from,
            to: rule_to,
        } = &rule.action
        {
            if rule.categories.contains(category.index())
                && rule_from.contains(from.index())
                && rule_to.contains(to.index())
                && rule.regions.contains(from.index())
            {
                out.extend(rule.when.iter());
                out.extend(rule.excepts.iter().filter_map(|e| e.when.as_ref()));
            }
        }
    }
    // Localisations and transfer permissions whose conditions (circumstances only) decide
    // whether the data may leave.
    localization_conditions(policy, category, from, out);
    for transfer in &policy.transfers {
        if transfer.categories.contains(category.index())
            && transfer.from.contains(from.index())
            && transfer.to.contains(to.index())
        {
            out.extend(transfer.when.iter());
        }
    }
}

/// The exceptions of the localisations that keep `category` collected in `from` there.
fn localization_conditions<'p>(
    policy: &'p Policy,
    category: crate::model::CategoryId,
    from: RegionId,
    out: &mut Vec<&'p Cond>,
) {
    for localization in &policy.localizations {
        if localization.categories.contains(category.index())
            && localization.within.contains(from.index())
        {
            out.extend(localization.unless.iter());
        }
    }
}

pub(crate) fn category_of(policy: &Policy, query: &Query) -> Option<crate::model::CategoryId> {
    match query.data {
        crate::eval::DataRef::Category(c) => Some(c),
        crate::eval::DataRef::Field(f) => policy.fields.get(f.index()).map(|f| f.category),
    }
}

/// What the basis alternatives of a use read about the subject, in the region where it
/// is decided (the evaluator's step 5; see docs/semantics.md).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BasisReads {
    /// The purpose has a basis declaration there at all.
    pub any: bool,
    /// Some alternative needs consent …
    pub consent: bool,
    /// … explicit consent (`explicit_consent`, or `consent` for a special category).
    pub explicit: bool,
    /// Some alternative is `legitimate_interest` (an objection denies it).
    pub legitimate_interest: bool,
    /// The opt-outs the `opt_out(…)` alternatives read, as a mask.
    pub opt_outs: u8,
}

/// [`BasisReads`] of the use `query` asks about, in `region`.
pub(crate) fn basis_reads(policy: &Policy, query: &Query, region: RegionId) -> BasisReads {
    let is_special = |c: Option<crate::model::CategoryId>| {
        c.and_then(|c| policy.categories.get(c.index()))
            .is_some_and(|c| c.flags.contains(FLAG_SPECIAL.index()))
    };
    // A combination decides both uses: either side's special data needs explicit consent.
    let special = is_special(category_of(policy, query))
        || query
            .combine
            .is_some_and(|with| is_special(crate::eval::category_of_data(policy, with)));
    let mut reads = BasisReads::default();
    for declaration in policy.basis_declarations(query.purpose, region) {
        reads.any = true;
        for basis in &declaration.alternatives {
            match basis {
                Basis::Consent => {
                    reads.consent = true;
                    reads.explicit |= special;
                }
                Basis::ExplicitConsent => {
                    reads.consent = true;
                    reads.explicit = true;
                }
                Basis::LegitimateInterest => reads.legitimate_interest = true,
                Basis::OptOut(kind) => reads.opt_outs |= kind.bit(),
                Basis::Contract
                | Basis::LegalObligation
                | Basis::VitalInterest
                | Basis::PublicTask
                | Basis::Unstated => {}
            }
        }
    }
    reads
}

/// Every condition `question` evaluates, and `extra` (an assertion's own): all it reads
/// about the subject besides what the evaluator reads itself.
pub(crate) fn readers<'c>(
    policy: &'c Policy,
    space: &'c Space,
    question: &Question,
    extra: &[&'c Cond],
) -> Vec<&'c Cond> {
    let mut conds = conditions_of(policy, Some(&space.rules), question);
    conds.extend(extra.iter().copied());
    conds
}

/// Derive the atoms of `question` (whose conditions, plus `extra`, are all it reads).
pub(crate) fn atoms(
    policy: &Policy,
    space: &Space,
    question: &Question,
    extra: &[&Cond],
    goal: Goal,
) -> Atoms {
    let mut reads = Reads::default();
    for cond in readers(policy, space, question, extra) {
        reads.cond(cond);
    }

    // What the evaluator itself reads for a use (and the use inside a disclosure).
    let mut kinds_set: Option<&IdSet> = None;
    let mut consent_lineage: Option<(PurposeId, bool)> = None;
    let mut objection_lineage: Option<PurposeId> = None;
    let mut basis_opt_outs = 0u8;
    let mut parental = reads.parental;
    let mut threshold = None;
    let mut taints = false;
    let mut opt_out_taints = false;
    let env_region = match *question {
        Question::Decide(query) => query.region.unwrap_or(RegionId(0)),
        Question::Transfer { from, .. } => from,
    };
    let child_threshold = policy
        .children
        .threshold
        .get(env_region.index())
        .copied()
        .flatten();
    if reads.child {
        threshold = child_threshold;
    }
    if let Question::Decide(query) = *question {
        let purpose = policy.purposes.get(query.purpose.index());
        kinds_set = purpose.and_then(|p| p.subjects.as_ref());
        let bases = basis_reads(policy, &query, env_region);
        let (consent, explicit, legitimate_interest) =
            (bases.consent, bases.explicit, bases.legitimate_interest);
        basis_opt_outs |= bases.opt_outs;
        opt_out_taints = goal == Goal::Basis && purpose.is_some_and(|p| p.taints_prior_data);
        if consent {
            consent_lineage = Some((query.purpose, explicit));
            taints = goal == Goal::Basis && purpose.is_some_and(|p| p.taints_prior_data);
        }
        let objection_read = purpose.is_some_and(|p| p.direct_marketing) || legitimate_interest;
        if objection_read
            && (!reads.objections.is_empty() || (goal == Goal::Basis && legitimate_interest))
        {
            objection_lineage = Some(query.purpose);
        }
        if child_threshold.is_some() {
            threshold = child_threshold;
            let treatment = purpose
                .and_then(|p| p.children)
                .unwrap_or(policy.children.default);
            parental |= treatment == ChildTreatment::RequireParentalConsent;
        }
    }

    let mut atoms = Vec::new();
    if let Some(atom) = kind_atom(policy, kinds_set, &reads.kinds) {
        atoms.push(atom);
    }
    let mut cuts = reads.age_cuts.clone();
    cuts.extend(threshold.map(i64::from));
    if let Some(atom) = age_atom(cuts) {
        atoms.push(atom);
    }
    if let Some(atom) = residence_atom(space, env_region, &reads.region_sets) {
        atoms.push(atom);
    }
    consent_atoms(policy, consent_lineage, taints, &reads.consents, &mut atoms);
    objection_atoms(policy, objection_lineage, &reads.objections, &mut atoms);
    let basis_opt_outs = if goal == Goal::Basis {
        basis_opt_outs
    } else {
        0
    };
    let opt_outs = reads.opt_outs | basis_opt_outs;
    atoms.extend(
        OptOutKind::ALL
            .into_iter()
            .filter(|k| opt_outs & k.bit() != 0)
            .map(|kind| {
                let both = reads.opt_outs & basis_opt_outs & kind.bit() != 0;
                let limited = both && (kind == OptOutKind::Marketing || opt_out_taints);
                Atom::OptOut { kind, limited }
            }),
    );
    for (on, atom) in [
        (reads.gpc, Atom::Gpc),
        (reads.restricted, Atom::Restricted),
        (reads.erased, Atom::Erased),
        (parental, Atom::ParentalConsent),
    ] {
        if on {
            atoms.push(atom);
        }
    }
    for (id, read) in reads.attributes {
        attribute_atoms(policy, id, read, &mut atoms);
    }
    atoms.extend(reads.circumstances.iter().map(Atom::Circumstance));
    atoms.extend(target_consents_read(policy, question).map(Atom::TargetConsent));
    let collected = atoms.iter().any(Atom::taints);
    Atoms { atoms, collected }
}

fn kind_atom(
    policy: &Policy,
    purpose_kinds: Option<&IdSet>,
    compared: &[SubjectKindId],
) -> Option<Atom> {
    if policy.subject_kinds.is_empty() || (purpose_kinds.is_none() && compared.is_empty()) {
        return None;
    }
    let signature = |kind: SubjectKindId| -> Vec<bool> {
        let mut s: Vec<bool> = compared.iter().map(|k| *k == kind).collect();
        s.push(purpose_kinds.is_some_and(|set| set.contains(kind.index())));
        s
    };
    let default = policy.index.default_subject_kind.map(signature);
    let mut seen: Vec<Vec<bool>> = Vec::new();
    let mut values = vec![None];
    for index in 0..policy.subject_kinds.len() {
        let kind = SubjectKindId(crate::analysis::space::to_u32(index));
        let s = signature(kind);
        if Some(&s) == default.as_ref() || seen.contains(&s) {
            continue;
        }
        seen.push(s);
        values.push(Some(kind));
    }
    (values.len() > 1).then_some(Atom::Kind(values))
}

/// Unknown age, then one age per interval between cut points: the adult end first.
pub(crate) fn age_atom(mut cuts: Vec<i64>) -> Option<Atom> {
    if cuts.is_empty() {
        return None;
    }
    // A cut outside the ages a subject can state separates nothing, but the age is still
    // read: a known age and an unknown one decide differently (`age < 151` holds for
    // every known age and is unknown without one).
    cuts.retain(|c| (1..=MAX_AGE).contains(c));
    cuts.sort_unstable();
    cuts.dedup();
    let Some(&top) = cuts.last() else {
        return Some(Atom::Age(vec![None, Some(30)]));
    };
    let mut ages = vec![top.clamp(30, MAX_AGE)];
    let mut upper = top;
    for &cut in cuts.iter().rev().skip(1) {
        ages.push(upper - 1);
        upper = cut;
    }
    ages.push(upper - 1);
    let mut values = vec![None];
    values.extend(
        ages.into_iter()
            .filter_map(|a| u16::try_from(a).ok())
            .map(Some),
    );
    Some(Atom::Age(values))
}

fn residence_atom(space: &Space, query_region: RegionId, sets: &[&IdSet]) -> Option<Atom> {
    if sets.is_empty() {
        return None;
    }
    let signature =
        |r: RegionId| -> Vec<bool> { sets.iter().map(|s| s.contains(r.index())).collect() };
    let mut seen = vec![signature(query_region)];
    let mut values = vec![Residence::Same, Residence::Unknown];
    for &region in &space.region_reps {
        let s = signature(region);
        if !seen.contains(&s) {
            seen.push(s);
            values.push(Residence::In(region));
        }
    }
    Some(Atom::Residence(values))
}

/// The purposes whose membership in `lineages` (each a purpose's lineage) is the same are
/// interchangeable: one representative per class, nearest the front of the first lineage.
fn purpose_classes<'p>(
    lineages: &[PurposeId],
    lineage: impl Fn(PurposeId) -> &'p [PurposeId],
) -> Vec<(PurposeId, Vec<bool>)> {
    let mut classes: Vec<(PurposeId, Vec<bool>)> = Vec::new();
    for &owner in lineages {
        for &member in lineage(owner) {
            let signature: Vec<bool> = lineages
                .iter()
                .map(|&l| lineage(l).contains(&member))
                .collect();
            if !classes.iter().any(|(_, s)| *s == signature) {
                classes.push((member, signature));
            }
        }
    }
    classes
}

fn consent_atoms(
    policy: &Policy,
    evaluator: Option<(PurposeId, bool)>,
    taints: bool,
    predicates: &[(PurposeId, bool)],
    atoms: &mut Vec<Atom>,
) {
    let mut lineages: Vec<(PurposeId, bool)> = evaluator.into_iter().collect();
    lineages.extend(predicates.iter().copied());
    let owners: Vec<PurposeId> = lineages.iter().map(|(p, _)| *p).collect();
    // A consent counts through the consent lineage (only the purpose itself for one a
    // `purpose other` clause decides).
    let lineage = |p| crate::eval::cond::consent_lineage(policy, p);
    for (purpose, signature) in purpose_classes(&owners, lineage) {
        let explicit = signature
            .iter()
            .zip(&lineages)
            .any(|(member, (_, explicit))| *member && *explicit);
        let tainted = taints && evaluator.is_some() && signature.first() == Some(&true);
        let mut states = vec![ConsentState::None, ConsentState::Given];
        if explicit {
            states.push(ConsentState::GivenExplicit);
        }
        if tainted {
            states.push(ConsentState::WithdrawnAfterCollection);
            states.push(ConsentState::RegivenAfterTaint);
            if explicit {
                states.push(ConsentState::RegivenExplicitAfterTaint);
            }
        }
        atoms.push(Atom::Consent { purpose, states });
    }
}

fn objection_atoms(
    policy: &Policy,
    evaluator: Option<PurposeId>,
    predicates: &[PurposeId],
    atoms: &mut Vec<Atom>,
) {
    let mut owners: Vec<PurposeId> = evaluator.into_iter().collect();
    owners.extend(predicates.iter().copied());
    let lineage = |p| crate::eval::cond::lineage(policy, p);
    for (purpose, _) in purpose_classes(&owners, lineage) {
        atoms.push(Atom::Objection(purpose));
    }
}

fn attribute_atoms(policy: &Policy, id: AttributeId, mut read: AttrRead, atoms: &mut Vec<Atom>) {
    let Some(ty) = policy.attributes.get(id.index()).map(|a| a.ty) else {
        return;
    };
    let mut values: Vec<Option<AttrValue>> = vec![None];
    match ty {
        AttributeType::Bool => {
            values.push(Some(AttrValue::Bool(true)));
            values.push(Some(AttrValue::Bool(false)));
        }
        AttributeType::Int => {
            read.cuts.sort_unstable();
            read.cuts.dedup();
            match read.cuts.first() {
                None => values.push(Some(AttrValue::Int(0))),
                Some(first) => {
                    values.push(Some(AttrValue::Int(first.saturating_sub(1))));
                    values.extend(read.cuts.iter().map(|c| Some(AttrValue::Int(*c))));
                }
            }
        }
        AttributeType::String => {
            read.symbols.sort_unstable();
            read.symbols.dedup();
            values.extend(read.symbols.iter().map(|s| Some(AttrValue::Str(Some(*s)))));
            values.push(Some(AttrValue::Str(None)));
        }
        AttributeType::Set => {
            // A set is only ever asked whether it holds a string (`"s" in subject.tags`):
            // given or not, then each tested string in or out, independently. Strings no
            // condition tests are never read. Every combination is reachable; none is cut.
            values.push(Some(AttrValue::Set(Vec::new())));
            read.symbols.sort_unstable();
            read.symbols.dedup();
            atoms.push(Atom::Attribute { id, values });
            atoms.extend(
                read.symbols
                    .iter()
                    .map(|&symbol| Atom::SetMember { id, symbol }),
            );
            return;
        }
    }
    atoms.push(Atom::Attribute { id, values });
}

/// Fill `subject` with the values `choice` picks; `region` is the question's region (the
/// default residence).
pub(crate) fn build_subject(
    policy: &Policy,
    atoms: &[Atom],
    choice: &[usize],
    region: RegionId,
    subject: &mut Subject,
) {
    subject.reset(policy, Some(region));
    for (atom, &value) in atoms.iter().zip(choice) {
        if value == 0 {
            continue;
        }
        match atom {
            Atom::Kind(values) => subject.kind = values.get(value).copied().flatten(),
            Atom::Age(values) => subject.age = values.get(value).copied().flatten(),
            Atom::Residence(values) => match values.get(value) {
                Some(Residence::Same) | None => {}
                Some(Residence::Unknown) => subject.region = None,
                Some(Residence::In(r)) => subject.region = Some(*r),
            },
            Atom::Consent { purpose, states } => {
                if let Some(record) = states.get(value).and_then(|s| consent_record(*purpose, *s)) {
                    subject.consents.push(record);
                }
            }
            Atom::Objection(purpose) => subject.objections.push(*purpose),
            Atom::OptOut { kind, .. } if value == 1 => subject.opt_outs |= kind.bit(),
            Atom::OptOut { kind, .. } => subject.add_opt_out(limited_opt_out(*kind)),
            Atom::Gpc => subject.gpc = true,
            Atom::Restricted => subject.restricted = true,
            Atom::Erased => subject.erasure_requested = true,
            Atom::ParentalConsent => subject.parental_consent = true,
            Atom::Attribute { id, values } => {
                if let Some(slot) = subject.attributes.get_mut(id.index()) {
                    *slot = values.get(value).cloned().flatten();
                }
            }
            Atom::SetMember { id, symbol } => {
                if let Some(slot) = subject.attributes.get_mut(id.index()) {
                    match slot {
                        Some(AttrValue::Set(items)) => items.push(*symbol),
                        _ => *slot = Some(AttrValue::Set(vec![*symbol])),
                    }
                }
            }
            // Given with the question: `circumstances_of`.
            Atom::Circumstance(_) => {}
            Atom::TargetConsent(target) => subject.target_consents.push(TargetConsent {
                target: *target,
                given_at: Some(GIVEN),
                withdrawn_at: None,
                explicit: value == 2,
            }),
        }
    }
}

/// The consents to recipients and transfers the evaluator reads for `question` (see the
/// module documentation), each once.
pub(crate) fn target_consents_read(
    policy: &Policy,
    question: &Question,
) -> impl Iterator<Item = ConsentTarget> {
    let mut out: Vec<ConsentTarget> = Vec::new();
    let mut transfer = |category: crate::model::CategoryId, from: RegionId, to: RegionId| {
        let needs = policy.transfers.iter().any(|t| {
            t.consent.is_some()
                && t.categories.contains(category.index())
                && t.from.contains(from.index())
                && t.to.contains(to.index())
        });
        if needs && !out.contains(&ConsentTarget::Transfer(to)) {
            out.push(ConsentTarget::Transfer(to));
        }
    };
    match *question {
        Question::Transfer {
            category, from, to, ..
        } => transfer(category, from, to),
        Question::Decide(query) => {
            if let (Some(id), Some(category), None) =
                (query.recipient, category_of(policy, &query), query.combine)
            {
                if let Some(recipient) = policy.recipients.get(id.index()) {
                    let region = query.region.unwrap_or(RegionId(0));
                    for &location in &recipient.located {
                        transfer(category, region, location);
                    }
                    if recipient.consent.is_some() {
                        out.push(ConsentTarget::Recipient(id));
                    }
                }
            }
        }
    }
    out.into_iter()
}

/// The circumstances `choice` gives the question (the circumstance atoms set to 1).
pub(crate) fn circumstances_of(atoms: &[Atom], choice: &[usize]) -> Circumstances {
    atoms
        .iter()
        .zip(choice)
        .filter_map(|(atom, &value)| match atom {
            Atom::Circumstance(id) if value == 1 => Some(*id),
            _ => None,
        })
        .collect()
}

/// An opt-out of `kind` that stops a question's `opt_out(kind)` basis while `opted_out(kind)`
/// does not see it: for `marketing`, one of a single campaign (in force; a question naming
/// no campaign is stopped by it); for the other kinds, one made after the data was collected
/// and revoked since (it stops data collected before it where the purpose says so).
pub(crate) fn limited_opt_out(kind: OptOutKind) -> OptOutRecord {
    if kind == OptOutKind::Marketing {
        OptOutRecord {
            campaign: Some(Campaign::new(Campaign::EXAMPLE)),
            at: Some(WITHDRAWN),
            ..OptOutRecord::new(kind)
        }
    } else {
        revoked_opt_out(kind)
    }
}

/// An opt-out of `kind` made after the data was collected and revoked since.
pub(crate) fn revoked_opt_out(kind: OptOutKind) -> OptOutRecord {
    OptOutRecord {
        at: Some(WITHDRAWN),
        revoked_at: Some(REGIVEN),
        ..OptOutRecord::new(kind)
    }
}

/// An opt-out of `marketing` by `channel` only, in force.
pub(crate) fn channel_opt_out(channel: Channel) -> OptOutRecord {
    OptOutRecord {
        channel: Some(channel),
        at: Some(GIVEN),
        ..OptOutRecord::new(OptOutKind::Marketing)
    }
}

pub(crate) fn consent_record(purpose: PurposeId, state: ConsentState) -> Option<ConsentRecord> {
    let record = |given_at, withdrawn_at, explicit| ConsentRecord {
        purpose,
        given_at: Some(given_at),
        withdrawn_at,
        explicit,
    };
    Some(match state {
        ConsentState::None => return None,
        ConsentState::Given => record(GIVEN, None, false),
        ConsentState::GivenExplicit => record(GIVEN, None, true),
        ConsentState::WithdrawnAfterCollection => record(GIVEN, Some(WITHDRAWN), false),
        ConsentState::RegivenAfterTaint => record(REGIVEN, Some(WITHDRAWN), false),
        ConsentState::RegivenExplicitAfterTaint => record(REGIVEN, Some(WITHDRAWN), true),
    })
}

#[cfg(test)]
mod listed_tests {
    use super::Listed;

    #[test]
    fn a_list_names_items_in_its_order_and_no_list_names_all() {
        let all = ["a", "b", "c", "d"];
        let listed: Vec<&&str> = Listed::new(&all, Some(&[3, 1, 9, 0])).collect();
        assert_eq!(
            listed,
            [&"d", &"b", &"a"],
            "an index past the end is skipped"
        );
        let every: Vec<&&str> = Listed::new(&all, None).collect();
        assert_eq!(every, all.iter().collect::<Vec<_>>());
        assert_eq!(Listed::new(&all, Some(&[])).count(), 0);
    }
}
