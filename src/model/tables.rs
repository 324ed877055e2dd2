//! Dense copies of what every use decision reads, so that a decision on a large policy
//! touches a few small, hot arrays instead of one large struct (and its heap sets) per
//! field, category and retention rule. Built once from the compiled tables; never the
//! source of truth.

use std::collections::HashMap;

use super::{
    Basis, BasisDecl, CategoryId, ChildTreatment, CondAt, IdSet, PackedConds, Policy, ProvenanceId,
    PurposeId, RegionId, RetentionBound,
};

/// Per-decision lookups, packed.
#[derive(Debug, Clone, Default)]
pub struct DecisionTables {
    /// The category of each field (20 KB for 5,000 fields, where `Field` is 80 bytes).
    field_category: Vec<CategoryId>,
    /// Special categories (GDPR Art. 9), flags inherited.
    special: IdSet,
    /// Sensitive categories (US state laws; read by `limit_sensitive`), flags inherited.
    sensitive: IdSet,
    /// For category `c`, `limits[limit_start[c]..limit_start[c + 1]]` are the
    /// `retain … at most` rules covering it, in declaration order.
    limit_start: Vec<u32>,
    limits: Vec<Limit>,
    /// The distinct region and purpose sets of those rules: few, so they stay in cache.
    region_sets: Vec<IdSet>,
    purpose_sets: Vec<IdSet>,
    /// What a decision reads of each purpose, 16 bytes apiece (a `Purpose` is 200).
    purposes: Vec<PurposeFacts>,
    /// The categories each purpose uses, as one bit matrix: purpose `p`'s row is
    /// `uses[p * uses_row..][..uses_row]`, so a lookup is one read, not a struct then a set.
    uses: Vec<u64>,
    uses_row: usize,
    /// How many regions the policy has: purpose `p` in region `r` is slot `p * regions + r`.
    regions: usize,
    /// For each slot, the declarations `Indexes::basis_choice` picks there (one declaring
    /// several regions is copied into each).
    slots: Vec<Slot>,
    /// The declarations after a slot's first, slot by slot.
    more_bases: Vec<FlatBasis>,
    /// The alternatives of declarations with more than [`FlatBasis::INLINE`] of them.
    long_alternatives: Vec<Basis>,
    /// By rule: the `deny use` rules a decision can read from a packed copy (`None` for
    /// other actions and for rules with exceptions, read whole).
    use_rules: Vec<Option<PackedUseRule>>,
    /// The declarations' conditions, packed slot by slot, then the rules'.
    conds: PackedConds,
}

/// A `deny use` rule without exceptions, as a decision reads it: a few words in one array
/// instead of the rule's own sets and condition tree, each behind a pointer.
#[derive(Debug, Clone)]
pub struct PackedUseRule {
    /// The purposes its action names.
    pub purposes: IdSet,
    /// The categories it covers.
    pub categories: IdSet,
    /// The query regions it applies in.
    pub regions: IdSet,
    /// Its `when`, folded and packed in [`DecisionTables::conds`]; `None`: always.
    pub when: Option<CondAt>,
}

/// The declarations for one purpose in one region, the first held inline: most slots have
/// one, which a decision then reads with the slot, from one line (32 bytes, aligned).
#[derive(Debug, Clone)]
#[repr(C, align(32))]
struct Slot {
    first: FlatBasis,
    /// Where the declarations after the first are in `more_bases`.
    more_start: u32,
    /// How many declarations (none: no legal basis there).
    count: u32,
}

/// A purpose's flags, as a decision reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurposeFacts {
    /// The `purpose` declaration; `None` for a purpose only implied by a dotted name.
    pub provenance: Option<ProvenanceId>,
    /// `None`: the policy's children default applies.
    pub children: Option<ChildTreatment>,
    /// Direct marketing: an objection to it is absolute.
    pub direct_marketing: bool,
    /// Still allowed while processing is restricted.
    pub survives_restriction: bool,
    /// Still allowed after erasure was requested.
    pub survives_erasure: bool,
    /// A withdrawal of consent also denies data collected before it.
    pub taints_prior_data: bool,
    /// Still allowed to use `sensitive` categories after a `limit_sensitive` opt-out.
    pub survives_limit_sensitive: bool,
    /// The channels it uses, as a mask of [`Channel::bit`](super::Channel::bit); 0: unsaid.
    pub channels: u8,
    /// The purpose names the subject kinds it may process.
    pub limits_subject_kinds: bool,
    /// Its lineage, read by every consent and objection test, kept here so that reading it
    /// costs no further cache line.
    pub lineage: Lineage,
}

/// A purpose's lineage (itself, then its ancestors: `Purpose::ancestors`) when it has at
/// most [`Lineage::INLINE`] members, and how much of it a consent counts for (only itself
/// for a purpose a `purpose other` clause decides, see `eval::cond::consent_lineage`).
/// A longer lineage is not held: the caller reads `Purpose::ancestors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lineage {
    ids: [PurposeId; Lineage::INLINE],
    /// 0: not held here.
    len: u8,
    consent_len: u8,
}

impl Default for Lineage {
    /// None held.
    fn default() -> Self {
        Lineage {
            ids: [PurposeId(0); Lineage::INLINE],
            len: 0,
            consent_len: 0,
        }
    }
}

impl Lineage {
    /// How many members are held inline.
    pub const INLINE: usize = 7;

    fn of(ancestors: &[PurposeId], other: bool) -> Lineage {
        let mut lineage = Lineage::default();
        if ancestors.len() > Lineage::INLINE {
            return lineage;
        }
        for (slot, id) in lineage.ids.iter_mut().zip(ancestors) {
            *slot = *id;
        }
        lineage.len = ancestors.len() as u8;
        lineage.consent_len = if other {
            lineage.len.min(1)
        } else {
            lineage.len
        };
        lineage
    }

    /// The purpose and its ancestors, self first; `None` when not held here.
    #[inline]
    pub fn all(&self) -> Option<&[PurposeId]> {
        match self.len {
            0 => None,
            len => self.ids.get(..len as usize),
        }
    }

    /// The purposes a consent counts for it when given to; `None` when not held here.
    #[inline]
    pub fn consent(&self) -> Option<&[PurposeId]> {
        match self.len {
            0 => None,
            _ => self.ids.get(..self.consent_len as usize),
        }
    }
}

/// One `basis` declaration, as a decision reads it (24 bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct FlatBasis {
    /// The declaration holds only when this holds; `None`: always. Constant parts folded
    /// ([`Cond::folded`](super::Cond::folded)), then packed in [`DecisionTables::conds`].
    pub when: Option<CondAt>,
    /// Its `legitimate_interest` survives an objection while this holds; `None`: never.
    /// Folded and packed too.
    pub objection_override: Option<CondAt>,
    /// The declaration, for explanations.
    pub provenance: ProvenanceId,
    /// Where the alternatives are in the long list, when there are more than
    /// [`FlatBasis::INLINE`].
    alternatives_start: u32,
    /// The alternatives when there are at most [`FlatBasis::INLINE`] of them.
    inline: [Basis; FlatBasis::INLINE],
    /// How many alternatives (each distinct: there are fewer than 256 bases).
    alternatives_len: u8,
}

impl FlatBasis {
    /// How many alternatives are held in the declaration itself.
    pub const INLINE: usize = 7;

    /// In an empty slot's place.
    const NONE: FlatBasis = FlatBasis {
        when: None,
        objection_override: None,
        provenance: ProvenanceId(0),
        alternatives_start: 0,
        inline: [Basis::Unstated; FlatBasis::INLINE],
        alternatives_len: 0,
    };
}

/// One `retain … at most` rule as a decision reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limit {
    /// Index into [`Policy::retention`].
    rule: u32,
    /// Index into `region_sets`.
    regions: u32,
    /// Index into `purpose_sets`; `None`: whatever the purpose.
    purposes: Option<u32>,
    /// The rule has a `when` (circumstances): the caller decides whether it holds.
    conditional: bool,
}

impl DecisionTables {
    /// Build the tables from the policy's other tables (done once, when compiling).
    pub fn build(policy: &Policy) -> DecisionTables {
        let field_category = policy.fields.iter().map(|f| f.category).collect();
        let mut special = IdSet::new(policy.categories.len());
        for (i, category) in policy.categories.iter().enumerate() {
            if category.flags.contains(super::FLAG_SPECIAL.index()) {
                special.insert(i);
            }
        }
        let mut sensitive = IdSet::new(policy.categories.len());
        for (i, category) in policy.categories.iter().enumerate() {
            if category.flags.contains(super::FLAG_SENSITIVE.index()) {
                sensitive.insert(i);
            }
        }
        let mut tables = DecisionTables {
            field_category,
            special,
            sensitive,
            conds: PackedConds::with_never(),
            ..DecisionTables::default()
        };
        let (mut region_sets, mut purpose_sets) = (Interner::default(), Interner::default());
        for c in 0..policy.categories.len() {
            tables.limit_start.push(to_u32(tables.limits.len()));
            let rules = policy
                .index
                .retention_by_category
                .get(c)
                .into_iter()
                .flatten();
            for &i in rules {
                let Some(rule) = policy.retention.get(i as usize) else {
                    continue;
                };
                // A use is of identified data: a maximum for de-identified data is no
                // obligation of it.
                if rule.bound != RetentionBound::AtMost || rule.deidentified {
                    continue;
                }
                let regions = region_sets.intern(&rule.regions);
                let purposes = rule.purposes.as_ref().map(|set| purpose_sets.intern(set));
                tables.limits.push(Limit {
                    rule: i,
                    regions,
                    purposes,
                    conditional: rule.when.is_some(),
                });
            }
        }
        tables.limit_start.push(to_u32(tables.limits.len()));
        tables.region_sets = region_sets.sets;
        tables.purpose_sets = purpose_sets.sets;
        tables.add_purposes(policy);
        tables.add_use_rules(policy);
        tables
    }

    fn add_use_rules(&mut self, policy: &Policy) {
        self.use_rules = Vec::with_capacity(policy.rules.len());
        for rule in &policy.rules {
            let packed = match &rule.action {
                super::RuleAction::Use { purposes } if rule.excepts.is_empty() => Some(purposes),
                _ => None,
            };
            // A `when` that could not be packed leaves the rule unpacked: the evaluator
            // then reads the rule itself.
            let packed = packed.and_then(|purposes| {
                let when = match &rule.when {
                    Some(when) => self.conds.push_folded_when(when)?,
                    None => None,
                };
                Some(PackedUseRule {
                    purposes: purposes.clone(),
                    categories: rule.categories.clone(),
                    regions: rule.regions.clone(),
                    when,
                })
            });
            self.use_rules.push(packed);
        }
    }

    fn add_purposes(&mut self, policy: &Policy) {
        let categories = policy.categories.len();
        self.uses_row = categories.div_ceil(64);
        self.uses = vec![0; self.uses_row * policy.purposes.len()];
        for (p, purpose) in policy.purposes.iter().enumerate() {
            self.purposes.push(PurposeFacts {
                provenance: purpose.provenance,
                children: purpose.children,
                direct_marketing: purpose.direct_marketing,
                survives_restriction: purpose.survives_restriction,
                survives_erasure: purpose.survives_erasure,
                taints_prior_data: purpose.taints_prior_data,
                survives_limit_sensitive: purpose.survives_limit_sensitive,
                channels: purpose.channels,
                limits_subject_kinds: purpose.subjects.is_some(),
                lineage: Lineage::of(&purpose.ancestors, purpose.other.is_some()),
            });
            for c in purpose.uses.iter().filter(|&c| c < categories) {
                if let Some(word) = self.uses.get_mut(p * self.uses_row + c / 64) {
                    *word |= 1 << (c % 64);
                }
            }
        }
        // `basis_choice[p * regions + r]` picks, for purpose `p` in region `r`, positions in
        // `purpose.bases`. Slots come in purpose order; a purpose's declarations are
        // flattened (their conditions packed) once, at its first slot, and every slot that
        // picks one copies the flat declaration: a declaration for every region is packed
        // once, not once per region, and a purpose's conditions stay together.
        self.regions = policy.regions.len();
        self.slots = Vec::with_capacity(policy.index.basis_choice.len());
        let mut flattened: Vec<FlatBasis> = Vec::new();
        let mut flattened_for = None;
        for (slot, choice) in policy.index.basis_choice.iter().enumerate() {
            let p = slot.checked_div(self.regions);
            if flattened_for != p {
                let bases = p
                    .and_then(|p| policy.purposes.get(p))
                    .map_or(&[][..], |p| &p.bases);
                flattened = bases.iter().map(|d| self.flat_basis(d)).collect();
                flattened_for = p;
            }
            let range = choice.start as usize..(choice.start + choice.len) as usize;
            let chosen = policy.index.basis_lists.get(range).unwrap_or(&[]);
            let mut slot = Slot {
                first: FlatBasis::NONE,
                more_start: to_u32(self.more_bases.len()),
                count: 0,
            };
            for flat in chosen.iter().filter_map(|&i| flattened.get(i as usize)) {
                if slot.count == 0 {
                    slot.first = flat.clone();
                } else {
                    self.more_bases.push(flat.clone());
                }
                slot.count += 1;
            }
            self.slots.push(slot);
        }
    }

    fn flat_basis(&mut self, declaration: &BasisDecl) -> FlatBasis {
        // A basis written twice is tried once: the second try would fail or hold exactly as
        // the first did (its outcome depends only on the basis and the declaration).
        let mut alternatives: Vec<Basis> = Vec::with_capacity(declaration.alternatives.len());
        for basis in &declaration.alternatives {
            if !alternatives.contains(basis) {
                alternatives.push(*basis);
            }
        }
        let mut inline = [Basis::Unstated; FlatBasis::INLINE];
        let alternatives_start = to_u32(self.long_alternatives.len());
        if alternatives.len() <= FlatBasis::INLINE {
            inline
                .iter_mut()
                .zip(&alternatives)
                .for_each(|(slot, basis)| *slot = *basis);
        } else {
            self.long_alternatives.extend(&alternatives);
        }
        FlatBasis {
            // Folded: a `when` that always holds is none at all. One that cannot be packed
            // (past `u32` nodes, far beyond what a file under the size cap compiles to)
            // never holds: it fails closed, never open.
            when: match &declaration.when {
                Some(when) => self
                    .conds
                    .push_folded_when(when)
                    .unwrap_or(Some(PackedConds::NEVER)),
                None => None,
            },
            // Not packed (as above): no override, so the objection stands.
            objection_override: declaration
                .objection_override
                .as_ref()
                .and_then(|c| self.conds.push_folded(c)),
            provenance: declaration.provenance,
            inline,
            alternatives_len: u8::try_from(alternatives.len()).unwrap_or(u8::MAX),
            alternatives_start,
        }
    }

    /// The category of a field (`None` for an id from another policy).
    #[inline]
    pub fn field_category(&self, field: super::FieldId) -> Option<CategoryId> {
        self.field_category.get(field.index()).copied()
    }

    /// The facts of `purpose`; `None` for an id of another policy.
    #[inline]
    pub fn purpose(&self, purpose: PurposeId) -> Option<&PurposeFacts> {
        self.purposes.get(purpose.index())
    }

    /// Whether `purpose` declares that it uses `category`.
    #[inline]
    pub fn uses(&self, purpose: PurposeId, category: CategoryId) -> bool {
        let c = category.index();
        if c >= self.uses_row * 64 {
            return false;
        }
        let word = purpose.index() * self.uses_row + c / 64;
        self.uses
            .get(word)
            .is_some_and(|w| w & (1 << (c % 64)) != 0)
    }

    /// The basis declarations `Indexes::basis_choice` picks for `purpose` in `region`.
    #[inline]
    pub fn bases(
        &self,
        purpose: PurposeId,
        region: RegionId,
    ) -> impl Iterator<Item = &FlatBasis> + '_ {
        // An id from another policy finds no slot, or another purpose's: `Query` checks
        // stamps before any lookup.
        let slot = if region.index() < self.regions {
            purpose
                .index()
                .checked_mul(self.regions)
                .and_then(|i| i.checked_add(region.index()))
                .and_then(|i| self.slots.get(i))
        } else {
            None
        };
        let (first, more) = match slot {
            Some(slot) if slot.count > 0 => {
                let start = slot.more_start as usize;
                let more = self
                    .more_bases
                    .get(start..start + (slot.count as usize - 1))
                    .unwrap_or(&[]);
                (Some(&slot.first), more)
            }
            _ => (None, &[][..]),
        };
        first.into_iter().chain(more)
    }

    /// A declaration's alternatives, in order.
    #[inline]
    pub fn alternatives<'a>(&'a self, basis: &'a FlatBasis) -> &'a [Basis] {
        let len = basis.alternatives_len as usize;
        if len <= FlatBasis::INLINE {
            return basis.inline.get(..len).unwrap_or(&[]);
        }
        let start = basis.alternatives_start as usize;
        self.long_alternatives
            .get(start..start + len)
            .unwrap_or(&[])
    }

    /// The packed copy of `deny use` rule `rule`; `None` when it has none (read the rule).
    #[inline]
    pub fn use_rule(&self, rule: super::RuleId) -> Option<&PackedUseRule> {
        self.use_rules.get(rule.index())?.as_ref()
    }

    /// The packed conditions the declarations' `when` and `objection_override` point into.
    #[inline]
    pub fn conds(&self) -> &PackedConds {
        &self.conds
    }

    /// Whether `category` carries the `special` flag (itself or by inheritance).
    #[inline]
    pub fn is_special(&self, category: CategoryId) -> bool {
        self.special.contains(category.index())
    }

    /// Whether `category` carries the `sensitive` flag (itself or by inheritance).
    #[inline]
    pub fn is_sensitive(&self, category: CategoryId) -> bool {
        self.sensitive.contains(category.index())
    }

    /// The first `retain … at most` rule covering `category` in `region` for `purpose`
    /// (index into [`Policy::retention`]) whose `when`, if it has one, `applies` says holds.
    #[inline]
    pub fn retention_limit(
        &self,
        category: CategoryId,
        region: super::RegionId,
        purpose: super::PurposeId,
        applies: impl Fn(u32) -> bool,
    ) -> Option<u32> {
        // A policy without maxima (the usual case) needs no per-category read.
        if self.limits.is_empty() {
            return None;
        }
        let c = category.index();
        let start = *self.limit_start.get(c)? as usize;
        let end = *self.limit_start.get(c + 1)? as usize;
        let holds = |set: u32, sets: &[IdSet], member: usize| {
            sets.get(set as usize).is_some_and(|s| s.contains(member))
        };
        self.limits.get(start..end)?.iter().find_map(|limit| {
            let here = holds(limit.regions, &self.region_sets, region.index());
            let for_purpose = limit
                .purposes
                .is_none_or(|set| holds(set, &self.purpose_sets, purpose.index()));
            (here && for_purpose && (!limit.conditional || applies(limit.rule)))
                .then_some(limit.rule)
        })
    }
}

/// Distinct sets, each stored once.
#[derive(Default)]
struct Interner {
    sets: Vec<IdSet>,
    seen: HashMap<IdSet, u32>,
}

impl Interner {
    fn intern(&mut self, set: &IdSet) -> u32 {
        if let Some(&i) = self.seen.get(set) {
            return i;
        }
        let i = to_u32(self.sets.len());
        self.sets.push(set.clone());
        self.seen.insert(set.clone(), i);
        i
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::model::{CategoryId, FieldId, PurposeId, RegionId, RetentionBound, FLAG_SPECIAL};

    /// A slot and its first declaration share one aligned half line.
    #[test]
    fn a_slot_is_half_a_line() {
        assert_eq!(std::mem::size_of::<super::FlatBasis>(), 24);
        assert_eq!(std::mem::size_of::<super::Slot>(), 32);
        assert_eq!(std::mem::align_of::<super::Slot>(), 32);
    }

    /// A declaration for every region is packed once, not once per region: every slot it
    /// decides points at the same nodes (the list holds `NEVER`, then its one node).
    #[test]
    fn a_declaration_for_every_region_is_packed_once() {
        let policy = crate::compile_str(
            "everywhere.lawful",
            r#"
            policy "Everywhere" { controller "C" }
            region EU "EU"
            region US "US"
            region CN "CN"
            category contact.email
            purpose research {
              uses contact.email
              basis consent when subject.age >= 16
            }
            "#,
        )
        .unwrap()
        .policy;
        let tables = &policy.index.decision;
        let research = policy.purpose("research").unwrap();
        let whens: Vec<_> = ["EU", "US", "CN"]
            .iter()
            .flat_map(|r| tables.bases(research, policy.region(r).unwrap()))
            .map(|b| b.when)
            .collect();
        assert_eq!(whens.len(), 3);
        assert!(whens.iter().all(|w| w.is_some() && *w == whens[0]));
        assert_eq!(tables.conds().nodes().len(), 2);
    }

    /// A declaration with more alternatives than fit inline keeps them all, in order, each
    /// once; the next slot's are its own.
    #[test]
    fn long_alternatives_are_kept_aside() {
        let policy = crate::compile_str(
            "long.lawful",
            r#"
            policy "Long" { controller "C" }
            region EU "EU"
            region US "US"
            category contact.email
            purpose support {
              uses contact.email
              basis opt_out(sale) or consent or opt_out(sharing) or contract or opt_out(profiling) or public_task or consent or opt_out(marketing) or vital_interest in US
              basis legitimate_interest in EU
            }
            purpose research {
              uses contact.email
              basis consent in EU when subject.age >= 16
              basis legitimate_interest or consent in EU
              basis contract in US
            }
            "#,
        )
        .unwrap()
        .policy;
        let tables = &policy.index.decision;
        let support = policy.purpose("support").unwrap();
        let in_us: Vec<_> = tables
            .bases(support, policy.region("US").unwrap())
            .map(|b| tables.alternatives(b).to_vec())
            .collect();
        use crate::model::{Basis, OptOutKind};
        assert_eq!(
            in_us,
            [vec![
                Basis::OptOut(OptOutKind::Sale),
                Basis::Consent,
                Basis::OptOut(OptOutKind::Sharing),
                Basis::Contract,
                Basis::OptOut(OptOutKind::Profiling),
                Basis::PublicTask,
                Basis::OptOut(OptOutKind::Marketing),
                Basis::VitalInterest,
            ]]
        );
        let in_eu: Vec<_> = tables
            .bases(support, policy.region("EU").unwrap())
            .map(|b| tables.alternatives(b).to_vec())
            .collect();
        assert_eq!(in_eu, [vec![Basis::LegitimateInterest]]);
        // Two declarations in one slot: the first inline, the second aside.
        let research = policy.purpose("research").unwrap();
        let eu: Vec<_> = tables
            .bases(research, policy.region("EU").unwrap())
            .map(|b| (tables.alternatives(b).to_vec(), b.when.is_some()))
            .collect();
        assert_eq!(
            eu,
            [
                (vec![Basis::Consent], true),
                (vec![Basis::LegitimateInterest, Basis::Consent], false)
            ]
        );
        let us: Vec<_> = tables
            .bases(research, policy.region("US").unwrap())
            .map(|b| tables.alternatives(b).to_vec())
            .collect();
        assert_eq!(us, [vec![Basis::Contract]]);
    }

    /// The packed tables answer exactly what the compiled tables say.
    #[test]
    fn tables_agree_with_the_policy() {
        let synthetic = crate::synth::policy(60);
        let policies = [
            crate::compile_file("policies/anker.lawful").unwrap().policy,
            crate::compile_file("policies/ampower.lawful")
                .unwrap()
                .policy,
            crate::compile_str("synthetic.lawful", &synthetic)
                .unwrap()
                .policy,
        ];
        for policy in &policies {
            let tables = &policy.index.decision;
            for (i, field) in policy.fields.iter().enumerate() {
                assert_eq!(
                    tables.field_category(FieldId::from_index(i)),
                    Some(field.category)
                );
            }
            assert_eq!(
                tables.field_category(FieldId::from_index(policy.fields.len())),
                None
            );
            let mut limits = 0;
            for (c, category) in policy.categories.iter().enumerate() {
                let id = CategoryId::from_index(c);
                assert_eq!(
                    tables.is_special(id),
                    category.flags.contains(FLAG_SPECIAL.index())
                );
                for r in (0..policy.regions.len()).step_by(7) {
                    for p in 0..policy.purposes.len() {
                        let expected =
                            policy.index.retention_by_category[c]
                                .iter()
                                .copied()
                                .find(|&i| {
                                    let rule = &policy.retention[i as usize];
                                    rule.bound == RetentionBound::AtMost
                                        && !rule.deidentified
                                        && rule.regions.contains(r)
                                        && rule.purposes.as_ref().is_none_or(|s| s.contains(p))
                                });
                        let found = tables.retention_limit(
                            id,
                            RegionId::from_index(r),
                            PurposeId::from_index(p),
                            |_| true,
                        );
                        assert_eq!(found, expected, "category {c} region {r} purpose {p}");
                        limits += usize::from(found.is_some());
                    }
                }
            }
            assert!(limits > 0, "{:?}", policy.header.name);
            let regions = policy.regions.len();
            for (p, purpose) in policy.purposes.iter().enumerate() {
                let id = PurposeId::from_index(p);
                let facts = tables.purpose(id).unwrap();
                assert_eq!(facts.provenance, purpose.provenance);
                assert_eq!(facts.children, purpose.children);
                assert_eq!(facts.direct_marketing, purpose.direct_marketing);
                assert_eq!(facts.survives_restriction, purpose.survives_restriction);
                assert_eq!(facts.survives_erasure, purpose.survives_erasure);
                assert_eq!(facts.taints_prior_data, purpose.taints_prior_data);
                assert_eq!(facts.limits_subject_kinds, purpose.subjects.is_some());
                // The lineage held inline is the purpose's own (when short enough).
                let consent: &[PurposeId] = if purpose.other.is_some() {
                    &purpose.ancestors[..1]
                } else {
                    &purpose.ancestors
                };
                if purpose.ancestors.len() <= super::Lineage::INLINE {
                    assert_eq!(facts.lineage.all(), Some(&purpose.ancestors[..]));
                    assert_eq!(facts.lineage.consent(), Some(consent));
                } else {
                    assert_eq!(facts.lineage.all(), None);
                    assert_eq!(facts.lineage.consent(), None);
                }
                assert_eq!(
                    crate::eval::cond::lineage(policy, id),
                    &purpose.ancestors[..]
                );
                assert_eq!(crate::eval::cond::consent_lineage(policy, id), consent);
                for c in 0..policy.categories.len() + 70 {
                    assert_eq!(
                        tables.uses(id, CategoryId::from_index(c)),
                        purpose.uses.contains(c),
                        "purpose {p} category {c}"
                    );
                }
                for r in 0..regions {
                    let choice = policy.index.basis_choice[p * regions + r];
                    let start = choice.start as usize;
                    let expected: Vec<_> = policy.index.basis_lists[start..][..choice.len as usize]
                        .iter()
                        .map(|&i| &purpose.bases[i as usize])
                        .map(|b| (b.alternatives.clone(), b.when.clone(), b.provenance))
                        .collect();
                    // The packed copy holds each `when` folded (`Cond::folded`; a `when`
                    // that always holds is none).
                    let folded: Vec<_> = expected
                        .iter()
                        .map(|(alternatives, when, provenance)| {
                            // Each alternative once, in order.
                            let mut distinct = Vec::new();
                            for basis in alternatives {
                                if !distinct.contains(basis) {
                                    distinct.push(*basis);
                                }
                            }
                            let alternatives = &distinct;
                            let when = when
                                .as_ref()
                                .map(crate::model::Cond::folded)
                                .filter(|w| *w != crate::model::Cond::True);
                            (alternatives.clone(), when, *provenance)
                        })
                        .collect();
                    let conds = tables.conds();
                    let found: Vec<_> = tables
                        .bases(id, RegionId::from_index(r))
                        .map(|b| {
                            (
                                tables.alternatives(b).to_vec(),
                                b.when.and_then(|w| conds.to_cond(w)),
                                b.provenance,
                            )
                        })
                        .collect();
                    let overrides: Vec<_> = tables
                        .bases(id, RegionId::from_index(r))
                        .map(|b| b.objection_override.and_then(|w| conds.to_cond(w)))
                        .collect();
                    let expected_overrides: Vec<_> = policy.index.basis_lists[start..]
                        [..choice.len as usize]
                        .iter()
                        .map(|&i| {
                            purpose.bases[i as usize]
                                .objection_override
                                .as_ref()
                                .map(crate::model::Cond::folded)
                        })
                        .collect();
                    assert_eq!(overrides, expected_overrides, "purpose {p} region {r}");
                    assert_eq!(found, folded, "purpose {p} region {r}");
                    let asked: Vec<_> = policy
                        .basis_declarations(id, RegionId::from_index(r))
                        .map(|b| (b.alternatives.clone(), b.when.clone(), b.provenance))
                        .collect();
                    assert_eq!(asked, expected, "purpose {p} region {r}");
                }
            }
            assert!(tables
                .purpose(PurposeId::from_index(policy.purposes.len()))
                .is_none());
        }
    }
}
