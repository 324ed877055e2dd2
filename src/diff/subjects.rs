//! The subjects a question must be asked about so that both policies' decisions are seen in
//! every case either can tell apart.
//!
//! The prover (`verify::atoms`) cuts the subject down to the atoms *one* policy's question
//! reads, and, looking for allowed decisions, leaves out what can only deny. A diff needs
//! more: the same subject asked of two policies, and denials counted as much as allowances.
//! So the atoms here are built from the reads of both sides (`verify::atoms::Reads` over each
//! side's conditions, plus what each evaluator reads by itself), and every fact that can
//! deny is an atom too (objections, opt-outs, GPC, restriction, erasure, parental consent,
//! taint). Each atom's values are the classes of the *joint* signature:
//!
//! - **kind**: one kind per class of (old signature, new signature), where a side's
//!   signature is the purpose's `subjects` and every `subject.kind == K` it compares;
//! - **age**: the union of both sides' cut points (children thresholds of the query region
//!   and `subject.age` comparisons), one age per interval, and unknown age;
//! - **residence**: the query region, unknown, and one region per class of the
//!   `subject.region in …` sets of both sides;
//! - **consent / objection**: one atom per class of purposes in the same lineages, the
//!   lineages being those either side reads (by name);
//! - **consent to a recipient or a transfer**: by the recipient's (destination's) name, for
//!   every one either side's evaluator reads: none / given / given explicitly;
//! - **attributes**: by name: booleans unset/true/false, integers one per interval of the
//!   union of cut points, strings every literal either side compares with plus one neither
//!   mentions, sets given or not plus one in/out atom per string either side tests.
//!
//! A value a side cannot express (a subject kind it does not declare, a residence it does
//! not know) makes that side's subject absent; a consent or objection to a purpose a side
//! does not declare is simply not recorded there (no lineage of that side contains it).

use crate::analysis::atoms::{
    age_atom, basis_reads, category_of, channel_opt_out, consent_record, limited_opt_out,
    question_conditions, revoked_opt_out, Atom, ConsentState, Reads,
};
use crate::analysis::space::to_u32;
use crate::eval::Query;
use crate::eval::Question;
use crate::model::Channel;
use crate::model::{
    AttrValue, AttributeId, AttributeType, ChildTreatment, IdSet, OptOutKind, Policy, PurposeId,
    RegionId, SubjectKindId, SymbolId,
};
use crate::model::{CircumstanceId, Circumstances};
use crate::subject::OptOutRecord;
use crate::subject::{ConsentRecord, Subject};

use super::universe::{Side, Universe};

/// One side's question and everything its evaluator can read about the subject.
#[derive(Debug)]
pub(crate) struct SideQuestion<'p> {
    pub policy: &'p Policy,
    pub question: Question,
    /// The query region (a transfer's origin): the subject's default residence.
    pub region: RegionId,
    reads: Reads<'p>,
    kinds: Option<&'p IdSet>,
    threshold: Option<u8>,
    /// The purpose whose consent the evaluator reads; explicit; withdrawal taints.
    consent: Option<(PurposeId, bool, bool)>,
    objection: Option<PurposeId>,
    opt_outs: u8,
    /// The opt-outs the evaluator reads keep out data collected before them (the purpose's
    /// `withdrawal taints prior data`).
    opt_out_taints: bool,
    restricted: bool,
    erased: bool,
    parental: bool,
}

impl<'p> SideQuestion<'p> {
    pub fn new(policy: &'p Policy, question: Question) -> Self {
        let mut reads = Reads::default();
        for cond in question_conditions(policy, &question) {
            reads.cond(cond);
        }
        let region = match question {
            Question::Decide(query) => query.region.unwrap_or(RegionId(0)),
            Question::Transfer { from, .. } => from,
        };
        let threshold_here = policy
            .children
            .threshold
            .get(region.index())
            .copied()
            .flatten();
        let mut side = SideQuestion {
            policy,
            question,
            region,
            threshold: if reads.child { threshold_here } else { None },
            parental: reads.parental,
            reads,
            kinds: None,
            consent: None,
            objection: None,
            opt_outs: 0,
            opt_out_taints: false,
            restricted: false,
            erased: false,
        };
        if let Question::Decide(query) = question {
            side.evaluator_reads(&query, threshold_here);
        }
        side
    }

    /// What deciding a use (and the disclosure around it) reads by itself.
    fn evaluator_reads(&mut self, query: &Query, threshold: Option<u8>) {
        let policy = self.policy;
        let Some(purpose) = policy.purposes.get(query.purpose.index()) else {
            return;
        };
        self.kinds = purpose.subjects.as_ref();
        let bases = basis_reads(policy, query, self.region);
        self.opt_outs |= bases.opt_outs;
        let (any, consent, explicit, legitimate) = (
            bases.any,
            bases.consent,
            bases.explicit,
            bases.legitimate_interest,
        );
        if !any {
            // No basis: denied before the subject's side is looked at.
            return;
        }
        if consent {
            self.consent = Some((query.purpose, explicit, purpose.taints_prior_data));
        }
        if purpose.direct_marketing || legitimate {
            self.objection = Some(query.purpose);
        }
        // An unsubscribe stops direct marketing whatever its basis; a limit on sensitive
        // data stops its use by what does not survive it.
        if purpose.direct_marketing {
            self.opt_outs |= OptOutKind::Marketing.bit();
        }
        let sensitive =
            category_of(policy, query).is_some_and(|c| policy.index.decision.is_sensitive(c));
        if sensitive && !purpose.survives_limit_sensitive {
            self.opt_outs |= OptOutKind::LimitSensitive.bit();
        }
        self.opt_out_taints = purpose.taints_prior_data;
        self.restricted = !purpose.survives_restriction;
        self.erased = !purpose.survives_erasure;
        if threshold.is_some() {
            self.threshold = threshold;
            let treatment = purpose.children.unwrap_or(policy.children.default);
            self.parental |= treatment == ChildTreatment::RequireParentalConsent;
        }
        let recipient = query
            .recipient
            .and_then(|q| policy.recipients.get(q.index()));
        if let Some(recipient) = recipient {
            if recipient.sale {
                self.opt_outs |= OptOutKind::Sale.bit();
            }
            if recipient.sharing {
                self.opt_outs |= OptOutKind::Sharing.bit() | OptOutKind::TargetedAdvertising.bit();
            }
        }
    }

    /// Whether anything about the subject can change this side's decision.
    pub fn reads_subject(&self) -> bool {
        let r = &self.reads;
        self.kinds.is_some()
            || self.threshold.is_some()
            || self.consent.is_some()
            || self.objection.is_some()
            || self.opt_outs != 0
            || self.restricted
            || self.erased
            || self.parental
            || !r.age_cuts.is_empty()
            || r.child
            || !r.region_sets.is_empty()
            || !r.kinds.is_empty()
            || !r.consents.is_empty()
            || !r.objections.is_empty()
            || r.opt_outs != 0
            || r.gpc
            || r.restricted
            || r.erased
            || r.parental
            || !r.attributes.is_empty()
            || !r.circumstances.is_empty()
            || crate::analysis::atoms::target_consents_read(self.policy, &self.question)
                .next()
                .is_some()
    }

    /// Whether a condition of the question tests a circumstance.
    pub fn reads_circumstances(&self) -> bool {
        !self.reads.circumstances.is_empty()
    }
}

/// What one value of an atom sets on one side.
#[derive(Debug, Clone)]
pub(crate) enum Effect {
    Keep,
    /// The side cannot express this value: its subject is absent.
    Invalid,
    Kind(SubjectKindId),
    Age(u16),
    Residence(Option<RegionId>),
    Consent(ConsentRecord),
    Objection(PurposeId),
    OptOut(OptOutKind),
    /// A timed, revoked or channel- or campaign-limited opt-out.
    OptOutRecord(OptOutRecord),
    Gpc,
    Restricted,
    Erased,
    Parental,
    Attribute(AttributeId, AttrValue),
    /// The set attribute holds this string (`None`: a string the side never interns, so
    /// never reads; the set is still given).
    SetMember(AttributeId, Option<SymbolId>),
    /// The circumstance is given with the question (not set on the subject: see
    /// [`JointAtoms::circumstances`]).
    Circumstance(CircumstanceId),
    /// A consent to a recipient or a transfer.
    TargetConsent(crate::subject::TargetConsent),
}

/// One atom: the same number of values on both sides, value 0 the default.
#[derive(Debug, Clone)]
pub(crate) struct JointAtom {
    old: Vec<Effect>,
    new: Vec<Effect>,
}

impl JointAtom {
    fn effects(&self, side: Side) -> &[Effect] {
        match side {
            Side::Old => &self.old,
            Side::New => &self.new,
        }
    }

    /// An atom whose values set the same thing on both sides (`Keep` first).
    fn same(values: impl IntoIterator<Item = Effect>) -> Self {
        let mut old = vec![Effect::Keep];
        old.extend(values);
        JointAtom {
            new: old.clone(),
            old,
        }
    }
}

/// The atoms of one joint question, and whether the data's collection date matters.
#[derive(Debug, Clone, Default)]
pub(crate) struct JointAtoms {
    pub atoms: Vec<JointAtom>,
    pub collected: bool,
}

impl JointAtoms {
    pub fn sizes(&self) -> Vec<usize> {
        self.atoms.iter().map(|a| a.old.len()).collect()
    }

    /// Fill `subject` for `side` with the values `choice` picks; `false` when the side cannot
    /// express them.
    pub fn build(
        &self,
        side: Side,
        policy: &Policy,
        choice: &[usize],
        region: RegionId,
        subject: &mut Subject,
    ) -> bool {
        subject.reset(policy, Some(region));
        for (atom, &value) in self.atoms.iter().zip(choice) {
            match atom.effects(side).get(value) {
                None | Some(Effect::Keep) => {}
                Some(Effect::Invalid) => return false,
                Some(Effect::Kind(kind)) => subject.kind = Some(*kind),
                Some(Effect::Age(age)) => subject.age = Some(*age),
                Some(Effect::Residence(region)) => subject.region = *region,
                Some(Effect::Consent(record)) => subject.consents.push(record.clone()),
                Some(Effect::Objection(purpose)) => subject.objections.push(*purpose),
                Some(Effect::OptOut(kind)) => subject.opt_out(*kind),
                Some(Effect::OptOutRecord(record)) => subject.add_opt_out(record.clone()),
                Some(Effect::Gpc) => subject.gpc = true,
                Some(Effect::Restricted) => subject.restricted = true,
                Some(Effect::Erased) => subject.erasure_requested = true,
                Some(Effect::Parental) => subject.parental_consent = true,
                Some(Effect::Attribute(id, value)) => {
                    if let Some(slot) = subject.attributes.get_mut(id.index()) {
                        *slot = Some(value.clone());
                    }
                }
                Some(Effect::SetMember(id, symbol)) => {
                    if let Some(slot) = subject.attributes.get_mut(id.index()) {
                        match slot {
                            Some(AttrValue::Set(items)) => items.extend(*symbol),
                            _ => *slot = Some(AttrValue::Set(symbol.iter().copied().collect())),
                        }
                    }
                }
                Some(Effect::Circumstance(_)) => {}
                Some(Effect::TargetConsent(record)) => {
                    subject.target_consents.push(record.clone());
                }
            }
        }
        true
    }

    /// The circumstances `choice` gives `side`'s question.
    pub fn circumstances(&self, side: Side, choice: &[usize]) -> Circumstances {
        self.atoms
            .iter()
            .zip(choice)
            .filter_map(|(atom, &value)| match atom.effects(side).get(value) {
                Some(Effect::Circumstance(id)) => Some(*id),
                _ => None,
            })
            .collect()
    }
}

/// The atoms of a question asked of both sides (`None`: that side cannot ask it).
pub(crate) fn joint_atoms(u: &Universe<'_>, sides: [Option<&SideQuestion<'_>>; 2]) -> JointAtoms {
    let present = || sides.iter().flatten();
    let mut atoms = Vec::new();
    if let Some(atom) = kind_atom(u, sides) {
        atoms.push(atom);
    }
    let mut cuts: Vec<i64> = Vec::new();
    for side in present() {
        cuts.extend(side.reads.age_cuts.iter().copied());
        cuts.extend(side.threshold.map(i64::from));
    }
    if let Some(Atom::Age(values)) = age_atom(cuts) {
        let ages = values.into_iter().flatten().map(Effect::Age);
        atoms.push(JointAtom::same(ages));
    }
    if let Some(atom) = residence_atom(u, sides) {
        atoms.push(atom);
    }
    let mut collected = lineage_atoms(u, sides, Lineages::Consent, &mut atoms);
    lineage_atoms(u, sides, Lineages::Objection, &mut atoms);
    let opt_outs = present().fold(0u8, |bits, s| bits | s.opt_outs | s.reads.opt_outs);
    // The evaluator reads an opt-out's channel, campaign and time: one value per channel
    // (either side's purpose may name any), one of a single campaign, and one revoked after
    // the data was collected where either side keeps such data out.
    let taints = present().any(|s| s.opt_out_taints && s.opt_outs != 0);
    for kind in OptOutKind::ALL
        .into_iter()
        .filter(|k| opt_outs & k.bit() != 0)
    {
        let mut values = vec![Effect::OptOut(kind)];
        if kind == OptOutKind::Marketing {
            values.extend(
                Channel::ALL
                    .into_iter()
                    .map(|c| Effect::OptOutRecord(channel_opt_out(c))),
            );
            values.push(Effect::OptOutRecord(limited_opt_out(kind)));
        }
        if taints {
            values.push(Effect::OptOutRecord(revoked_opt_out(kind)));
            collected = true;
        }
        atoms.push(JointAtom::same(values));
    }
    let gpc = present().any(|s| s.reads.gpc) || opt_outs & OptOutKind::GPC_MASK != 0;
    let restricted = present().any(|s| s.restricted || s.reads.restricted);
    let erased = present().any(|s| s.erased || s.reads.erased);
    let parental = present().any(|s| s.parental);
    for (on, effect) in [
        (gpc, Effect::Gpc),
        (restricted, Effect::Restricted),
        (erased, Effect::Erased),
        (parental, Effect::Parental),
    ] {
        if on {
            atoms.push(JointAtom::same([effect]));
        }
    }
    attribute_atoms(u, sides, &mut atoms);
    circumstance_atoms(u, sides, &mut atoms);
    target_consent_atoms(u, sides, &mut atoms);
    JointAtoms { atoms, collected }
}

/// One atom per circumstance (by name) either side's conditions test: given or not. A side
/// that does not declare it reads nothing of it (`Keep`).
fn circumstance_atoms(
    u: &Universe<'_>,
    sides: [Option<&SideQuestion<'_>>; 2],
    atoms: &mut Vec<JointAtom>,
) {
    let mut names: Vec<&str> = Vec::new();
    for side in sides.iter().flatten() {
        for id in side.reads.circumstances.iter() {
            let name = side.policy.circumstance_name(id);
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    for name in names {
        let effect = |side: Side| {
            u.policy(side)
                .index
                .circumstances
                .get(name)
                .map_or(Effect::Keep, Effect::Circumstance)
        };
        atoms.push(JointAtom {
            old: vec![Effect::Keep, effect(Side::Old)],
            new: vec![Effect::Keep, effect(Side::New)],
        });
    }
}

/// Consents to recipients and transfers either side's evaluator reads, matched by name.
fn target_consent_atoms(
    u: &Universe<'_>,
    sides: [Option<&SideQuestion<'_>>; 2],
    atoms: &mut Vec<JointAtom>,
) {
    use crate::subject::ConsentTarget;
    // (a recipient, not a destination; its name)
    let mut names: Vec<(bool, String)> = Vec::new();
    for side in sides.iter().flatten() {
        for target in crate::analysis::atoms::target_consents_read(side.policy, &side.question) {
            let named = match target {
                ConsentTarget::Recipient(q) => (true, side.policy.recipient_name(q).to_owned()),
                ConsentTarget::Transfer(r) => (false, side.policy.region_name(r).to_owned()),
            };
            if !names.contains(&named) {
                names.push(named);
            }
        }
    }
    for (recipient, name) in names {
        let effects = |side: Side| {
            let policy = u.policy(side);
            let target = if recipient {
                policy.recipient(&name).ok().map(ConsentTarget::Recipient)
            } else {
                policy.region(&name).ok().map(ConsentTarget::Transfer)
            };
            let given = |explicit| match target {
                Some(target) => Effect::TargetConsent(crate::subject::TargetConsent {
                    target,
                    given_at: Some(jiff::Timestamp::UNIX_EPOCH),
                    withdrawn_at: None,
                    explicit,
                }),
                None => Effect::Keep,
            };
            vec![Effect::Keep, given(false), given(true)]
        };
        atoms.push(JointAtom {
            old: effects(Side::Old),
            new: effects(Side::New),
        });
    }
}

fn side_index(side: Side) -> usize {
    match side {
        Side::Old => 0,
        Side::New => 1,
    }
}

fn kind_atom(u: &Universe<'_>, sides: [Option<&SideQuestion<'_>>; 2]) -> Option<JointAtom> {
    let read = sides
        .iter()
        .flatten()
        .any(|s| s.kinds.is_some() || !s.reads.kinds.is_empty());
    if !read || u.kinds.len() == 0 {
        return None;
    }
    // What a side reads about a kind (`None`: the default kind); 9 marks "cannot express".
    let signature = |s: &SideQuestion<'_>, kind: Option<SubjectKindId>| -> Vec<u8> {
        let effective = kind.or(s.policy.index.default_subject_kind);
        let mut out = vec![s.kinds.map_or(2, |set| {
            u8::from(effective.is_some_and(|k| set.contains(k.index())))
        })];
        out.extend(
            s.reads
                .kinds
                .iter()
                .map(|c| effective.map_or(2, |k| u8::from(k == *c))),
        );
        out
    };
    // A side's kind for a joint name: `Err` when it declares kinds but not this one.
    let kind_on = |side: Side, joint: u32| -> Result<Option<SubjectKindId>, ()> {
        let policy = u.policy(side);
        if policy.subject_kinds.is_empty() {
            return Ok(None);
        }
        u.kinds
            .id(side, joint)
            .map(|id| Some(SubjectKindId(id)))
            .ok_or(())
    };
    let joint_signature = |joint: Option<u32>| -> Vec<u8> {
        let mut out = Vec::new();
        for side in Side::BOTH {
            let Some(s) = sides.get(side_index(side)).copied().flatten() else {
                continue;
            };
            match joint.map_or(Ok(None), |j| kind_on(side, j)) {
                Ok(kind) => out.extend(signature(s, kind)),
                Err(()) => out.push(9),
            }
            out.push(255);
        }
        out
    };
    let default = joint_signature(None);
    let mut seen = vec![default];
    let mut atom = JointAtom::same([]);
    for joint in 0..to_u32(u.kinds.len()) {
        let s = joint_signature(Some(joint));
        if seen.contains(&s) {
            continue;
        }
        seen.push(s);
        for side in Side::BOTH {
            let effect = match kind_on(side, joint) {
                Ok(Some(kind)) => Effect::Kind(kind),
                Ok(None) => Effect::Keep,
                Err(()) => Effect::Invalid,
            };
            match side {
                Side::Old => atom.old.push(effect),
                Side::New => atom.new.push(effect),
            }
        }
    }
    (atom.old.len() > 1).then_some(atom)
}

fn residence_atom(u: &Universe<'_>, sides: [Option<&SideQuestion<'_>>; 2]) -> Option<JointAtom> {
    if sides
        .iter()
        .flatten()
        .all(|s| s.reads.region_sets.is_empty())
    {
        return None;
    }
    let signature = |region: Option<[Option<RegionId>; 2]>| -> Vec<u8> {
        let mut out = Vec::new();
        for side in Side::BOTH {
            let Some(s) = sides.get(side_index(side)).copied().flatten() else {
                continue;
            };
            let here = region.map_or(Some(s.region), |r| {
                r.get(side_index(side)).copied().flatten()
            });
            for set in &s.reads.region_sets {
                out.push(here.map_or(9, |r| u8::from(set.contains(r.index()))));
            }
        }
        out
    };
    let on = |side: Side, joint: u32| u.regions.id(side, joint).map(RegionId);
    let mut seen = vec![signature(None)];
    let mut atom = JointAtom::same([Effect::Residence(None)]);
    for &joint in &u.region_reps {
        let ids = [on(Side::Old, joint), on(Side::New, joint)];
        let s = signature(Some(ids));
        if seen.contains(&s) {
            continue;
        }
        seen.push(s);
        let effect =
            |id: Option<RegionId>| id.map_or(Effect::Invalid, |r| Effect::Residence(Some(r)));
        atom.old.push(effect(ids[0]));
        atom.new.push(effect(ids[1]));
    }
    Some(atom)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lineages {
    Consent,
    Objection,
}

/// A lineage one side reads: its members (joint purposes), whether explicit consent is
/// asked for, whether a withdrawal taints the data asked about.
struct Lineage {
    members: Vec<u32>,
    explicit: bool,
    taints: bool,
}

/// Consent or objection atoms: one per class of purposes in the same lineages. Returns
/// whether a consent atom can taint the data (the query then carries a collection date).
fn lineage_atoms(
    u: &Universe<'_>,
    sides: [Option<&SideQuestion<'_>>; 2],
    which: Lineages,
    atoms: &mut Vec<JointAtom>,
) -> bool {
    let mut lineages: Vec<Lineage> = Vec::new();
    for side in Side::BOTH {
        let Some(s) = sides.get(side_index(side)).copied().flatten() else {
            continue;
        };
        let mut owners: Vec<(PurposeId, bool, bool)> = Vec::new();
        match which {
            Lineages::Consent => {
                owners.extend(s.consent);
                owners.extend(s.reads.consents.iter().map(|&(p, e)| (p, e, false)));
            }
            Lineages::Objection => {
                owners.extend(s.objection.map(|p| (p, false, false)));
                owners.extend(s.reads.objections.iter().map(|&p| (p, false, false)));
            }
        }
        for (owner, explicit, taints) in owners {
            // A consent counts through the consent lineage (only the purpose itself for one
            // a `purpose other` clause decides); an objection through the whole lineage.
            let lineage = match which {
                Lineages::Consent => crate::eval::cond::consent_lineage(s.policy, owner),
                Lineages::Objection => crate::eval::cond::lineage(s.policy, owner),
            };
            let members = lineage
                .iter()
                .filter_map(|p| u.purposes.joint(side, p.0))
                .collect();
            lineages.push(Lineage {
                members,
                explicit,
                taints,
            });
        }
    }
    let mut classes: Vec<(u32, Vec<bool>)> = Vec::new();
    for lineage in &lineages {
        for &member in &lineage.members {
            let signature: Vec<bool> = lineages
                .iter()
                .map(|l| l.members.contains(&member))
                .collect();
            if !classes.iter().any(|(_, s)| *s == signature) {
                classes.push((member, signature));
            }
        }
    }
    let mut taints_any = false;
    for (purpose, signature) in classes {
        let ids = Side::BOTH.map(|side| u.purposes.id(side, purpose).map(PurposeId));
        if which == Lineages::Objection {
            let effect = |id: Option<PurposeId>| id.map_or(Effect::Keep, Effect::Objection);
            atoms.push(JointAtom {
                old: vec![Effect::Keep, effect(ids[0])],
                new: vec![Effect::Keep, effect(ids[1])],
            });
            continue;
        }
        let in_class = || {
            signature
                .iter()
                .zip(&lineages)
                .filter(|(member, _)| **member)
                .map(|(_, l)| l)
        };
        let explicit = in_class().any(|l| l.explicit);
        let taints = in_class().any(|l| l.taints);
        taints_any |= taints;
        let mut states = vec![ConsentState::Given];
        if explicit {
            states.push(ConsentState::GivenExplicit);
        }
        if taints {
            states.push(ConsentState::WithdrawnAfterCollection);
            states.push(ConsentState::RegivenAfterTaint);
            if explicit {
                states.push(ConsentState::RegivenExplicitAfterTaint);
            }
        }
        let effects = |id: Option<PurposeId>| -> Vec<Effect> {
            let mut out = vec![Effect::Keep];
            out.extend(states.iter().map(|&state| {
                id.and_then(|p| consent_record(p, state))
                    .map_or(Effect::Keep, Effect::Consent)
            }));
            out
        };
        atoms.push(JointAtom {
            old: effects(ids[0]),
            new: effects(ids[1]),
        });
    }
    taints_any
}

/// The value of an attribute, by name (strings are not interned across policies).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Bool(bool),
    Int(i64),
    /// `None`: a string neither policy mentions.
    Str(Option<String>),
    Set(Vec<String>),
}

#[derive(Debug, Default)]
struct AttributeReads {
    ty: Option<AttributeType>,
    cuts: Vec<i64>,
    strings: Vec<String>,
}

fn attribute_atoms(
    u: &Universe<'_>,
    sides: [Option<&SideQuestion<'_>>; 2],
    atoms: &mut Vec<JointAtom>,
) {
    let mut reads: std::collections::BTreeMap<u32, AttributeReads> = Default::default();
    for side in Side::BOTH {
        let Some(s) = sides.get(side_index(side)).copied().flatten() else {
            continue;
        };
        for (id, read) in &s.reads.attributes {
            let Some(joint) = u.attributes.joint(side, id.0) else {
                continue;
            };
            let entry = reads.entry(joint).or_default();
            if entry.ty.is_none() {
                entry.ty = s.policy.attributes.get(id.index()).map(|a| a.ty);
            }
            entry.cuts.extend(read.cuts.iter().copied());
            entry.strings.extend(
                read.symbols
                    .iter()
                    .filter_map(|sym| s.policy.symbols.get(sym.index()).cloned()),
            );
        }
    }
    for (joint, mut read) in reads {
        let Some(ty) = read.ty else {
            continue;
        };
        read.cuts.sort_unstable();
        read.cuts.dedup();
        read.strings.sort();
        read.strings.dedup();
        // A set's member atoms come after its own, which gives the (empty) set.
        let mut members = Vec::new();
        let values: Vec<Value> = match ty {
            AttributeType::Bool => vec![Value::Bool(true), Value::Bool(false)],
            AttributeType::Int => match read.cuts.first() {
                None => vec![Value::Int(0)],
                Some(first) => std::iter::once(Value::Int(first.saturating_sub(1)))
                    .chain(read.cuts.iter().map(|&c| Value::Int(c)))
                    .collect(),
            },
            AttributeType::String => read
                .strings
                .iter()
                .map(|s| Value::Str(Some(s.clone())))
                .chain([Value::Str(None)])
                .collect(),
            AttributeType::Set => {
                // Given or not, then each string either side tests in or out, as its own
                // atom: every combination, no cap (membership of other strings is never
                // read). See `verify::atoms`.
                members = set_member_atoms(u, joint, &read.strings);
                vec![Value::Set(Vec::new())]
            }
        };
        let effects = |side: Side| -> Vec<Effect> {
            let policy = u.policy(side);
            let id = u.attributes.id(side, joint).map(AttributeId);
            let same_type = id
                .and_then(|id| policy.attributes.get(id.index()))
                .is_some_and(|a| a.ty == ty);
            let mut out = vec![Effect::Keep];
            for value in &values {
                let effect = match id.filter(|_| same_type) {
                    None => Effect::Keep,
                    Some(id) => Effect::Attribute(id, to_side(policy, value)),
                };
                out.push(effect);
            }
            out
        };
        atoms.push(JointAtom {
            old: effects(Side::Old),
            new: effects(Side::New),
        });
        atoms.extend(members);
    }
}

/// One atom per string tested on the set attribute `joint`: in the set or not.
fn set_member_atoms(u: &Universe<'_>, joint: u32, strings: &[String]) -> Vec<JointAtom> {
    let mut atoms = Vec::new();
    for string in strings {
        let effects = |side: Side| -> Vec<Effect> {
            let policy = u.policy(side);
            let id = u.attributes.id(side, joint).map(AttributeId).filter(|id| {
                policy
                    .attributes
                    .get(id.index())
                    .is_some_and(|a| a.ty == AttributeType::Set)
            });
            let effect = id.map_or(Effect::Keep, |id| {
                Effect::SetMember(id, policy.index.symbols.get(string))
            });
            vec![Effect::Keep, effect]
        };
        atoms.push(JointAtom {
            old: effects(Side::Old),
            new: effects(Side::New),
        });
    }
    atoms
}

/// A value in one policy's terms: strings it does not intern equal none of its literals.
fn to_side(policy: &Policy, value: &Value) -> AttrValue {
    let symbol = |s: &str| policy.index.symbols.get(s);
    match value {
        Value::Bool(b) => AttrValue::Bool(*b),
        Value::Int(n) => AttrValue::Int(*n),
        Value::Str(s) => AttrValue::Str(s.as_deref().and_then(symbol)),
        Value::Set(items) => AttrValue::Set(items.iter().filter_map(|s| symbol(s)).collect()),
    }
}
