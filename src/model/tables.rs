//! Dense copies of what every use decision reads, so that a decision on a large policy
//! touches a few small, hot arrays instead of one large struct (and its heap sets) per
//! field, category and retention rule. Built once from the compiled tables; never the
//! source of truth.

use std::collections::HashMap;

use super::{
    Basis, CategoryId, ChildTreatment, Cond, IdSet, Policy, ProvenanceId, PurposeId, RegionId,
    RetentionBound,
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
    /// Every purpose's basis declarations, back to back; `basis_ids` mirrors
    /// `Indexes::basis_lists` with positions in this list instead of in each purpose's own.
    bases: Vec<FlatBasis>,
    basis_ids: Vec<u32>,
    /// Every declaration's alternatives, back to back.
    alternatives: Vec<Basis>,
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
    pub const INLINE: usize = 3;

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

/// One `basis` declaration, as a decision reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatBasis {
    /// Range of the alternatives in the shared list.
    alternatives_start: u32,
    alternatives_len: u32,
    /// The declaration holds only when this holds; `None`: always. Constant parts folded
    /// ([`Cond::folded`]).
    pub when: Option<Cond>,
    /// Its `legitimate_interest` survives an objection while this holds; `None`: never.
    /// Folded too.
    pub objection_override: Option<Cond>,
    /// The declaration, for explanations.
    pub provenance: ProvenanceId,
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
        tables
    }

    fn add_purposes(&mut self, policy: &Policy) {
        let categories = policy.categories.len();
        self.uses_row = categories.div_ceil(64);
        self.uses = vec![0; self.uses_row * policy.purposes.len()];
        // Where each purpose's declarations start in the flat list.
        let mut first_basis = Vec::with_capacity(policy.purposes.len());
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
            first_basis.push(to_u32(self.bases.len()));
            for declaration in &purpose.bases {
                self.bases.push(FlatBasis {
                    alternatives_start: to_u32(self.alternatives.len()),
                    alternatives_len: to_u32(declaration.alternatives.len()),
                    // Folded: a `when` that always holds is none at all.
                    when: declaration
                        .when
                        .as_ref()
                        .map(Cond::folded)
                        .filter(|when| *when != Cond::True),
                    objection_override: declaration.objection_override.as_ref().map(Cond::folded),
                    provenance: declaration.provenance,
                });
                self.alternatives.extend(&declaration.alternatives);
            }
        }
        // `basis_lists` is laid out purpose by purpose (`basis_choice[p * regions + r]`).
        let regions = policy.regions.len();
        self.basis_ids = vec![u32::MAX; policy.index.basis_lists.len()];
        for (slot, choice) in policy.index.basis_choice.iter().enumerate() {
            let first = slot
                .checked_div(regions)
                .and_then(|p| first_basis.get(p))
                .copied()
                .unwrap_or(u32::MAX);
            let range = choice.start as usize..(choice.start + choice.len) as usize;
            for i in range {
                if let (Some(global), Some(&local)) =
                    (self.basis_ids.get_mut(i), policy.index.basis_lists.get(i))
                {
                    *global = first.saturating_add(local);
                }
            }
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
        policy: &Policy,
        purpose: PurposeId,
        region: RegionId,
    ) -> impl Iterator<Item = &FlatBasis> + '_ {
        let slot = purpose
            .index()
            .checked_mul(policy.regions.len())
            .and_then(|i| i.checked_add(region.index()));
        let choice = slot.and_then(|i| policy.index.basis_choice.get(i)).copied();
        let ids = choice.and_then(|c| {
            let start = c.start as usize;
            self.basis_ids
                .get(start..start.checked_add(c.len as usize)?)
        });
        ids.unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.bases.get(i as usize))
    }

    /// A declaration's alternatives, in order.
    #[inline]
    pub fn alternatives(&self, basis: &FlatBasis) -> &[Basis] {
        let start = basis.alternatives_start as usize;
        self.alternatives
            .get(start..start + basis.alternatives_len as usize)
            .unwrap_or(&[])
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
                            let when = when
                                .as_ref()
                                .map(crate::model::Cond::folded)
                                .filter(|w| *w != crate::model::Cond::True);
                            (alternatives.clone(), when, *provenance)
                        })
                        .collect();
                    let found: Vec<_> = tables
                        .bases(policy, id, RegionId::from_index(r))
                        .map(|b| {
                            (
                                tables.alternatives(b).to_vec(),
                                b.when.clone(),
                                b.provenance,
                            )
                        })
                        .collect();
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
