//! Dense copies of what every use decision reads, so that a decision on a large policy
//! touches a few small, hot arrays instead of one large struct (and its heap sets) per
//! field, category and retention rule. Built once from the compiled tables; never the
//! source of truth.

use std::collections::HashMap;

use super::{CategoryId, IdSet, Policy, RetentionBound};

/// Per-decision lookups, packed.
#[derive(Debug, Clone, Default)]
pub struct DecisionTables {
    /// The category of each field (20 KB for 5,000 fields, where `Field` is 80 bytes).
    field_category: Vec<CategoryId>,
    /// Special categories (GDPR Art. 9), flags inherited.
    special: IdSet,
    /// For category `c`, `limits[limit_start[c]..limit_start[c + 1]]` are the
    /// `retain … at most` rules covering it, in declaration order.
    limit_start: Vec<u32>,
    limits: Vec<Limit>,
    /// The distinct region and purpose sets of those rules: few, so they stay in cache.
    region_sets: Vec<IdSet>,
    purpose_sets: Vec<IdSet>,
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
}

impl DecisionTables {
    pub fn build(policy: &Policy) -> DecisionTables {
        let field_category = policy.fields.iter().map(|f| f.category).collect();
        let mut special = IdSet::new(policy.categories.len());
        for (i, category) in policy.categories.iter().enumerate() {
            if category.flags.contains(super::FLAG_SPECIAL.index()) {
                special.insert(i);
            }
        }
        let mut tables = DecisionTables {
            field_category,
            special,
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
                if rule.bound != RetentionBound::AtMost {
                    continue;
                }
                let regions = region_sets.intern(&rule.regions);
                let purposes = rule.purposes.as_ref().map(|set| purpose_sets.intern(set));
                tables.limits.push(Limit {
                    rule: i,
                    regions,
                    purposes,
                });
            }
        }
        tables.limit_start.push(to_u32(tables.limits.len()));
        tables.region_sets = region_sets.sets;
        tables.purpose_sets = purpose_sets.sets;
        tables
    }

    /// The category of a field (`None` for an id from another policy).
    #[inline]
    pub fn field_category(&self, field: super::FieldId) -> Option<CategoryId> {
        self.field_category.get(field.index()).copied()
    }

    #[inline]
    pub fn is_special(&self, category: CategoryId) -> bool {
        self.special.contains(category.index())
    }

    /// The first `retain … at most` rule covering `category` in `region` for `purpose`
    /// (index into [`Policy::retention`]).
    #[inline]
    pub fn retention_limit(
        &self,
        category: CategoryId,
        region: super::RegionId,
        purpose: super::PurposeId,
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
            (here && for_purpose).then_some(limit.rule)
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
                                        && rule.regions.contains(r)
                                        && rule.purposes.as_ref().is_none_or(|s| s.contains(p))
                                });
                        let found = tables.retention_limit(
                            id,
                            RegionId::from_index(r),
                            PurposeId::from_index(p),
                        );
                        assert_eq!(found, expected, "category {c} region {r} purpose {p}");
                        limits += usize::from(found.is_some());
                    }
                }
            }
            assert!(limits > 0, "{:?}", policy.header.name);
        }
    }
}
