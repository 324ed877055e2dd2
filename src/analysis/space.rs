//! The finite quotient of the query space: regions and categories grouped into classes the
//! evaluator cannot tell apart.
//!
//! Two regions are in the same class when every region set the policy declares (basis
//! scopes, rule and exception regions, transfer and localisation sets, the regions each
//! recipient location lies within, `subject.region in …` conditions, assertion scopes,
//! retention scopes) contains both or neither, and the children threshold (and the
//! declaration that set it) is the same for both. Categories likewise, over every category
//! set (purposes' `uses`, rule, recipient, transfer, localisation, retention and assertion
//! selectors) and their flags. The evaluator only ever reads a region or a category through
//! such a set, so a decision about one member of a class is the decision about every member:
//! checking one representative per class is exhaustive.
//!
//! Classes are built by partition refinement: start from one class (or one per extra key)
//! and split every class by each set in turn. The cost is the total size of the sets.

use std::collections::HashMap;

use crate::model::tests::AssertionKind;
use crate::model::{
    CategoryId, Cond, IdSet, Policy, Predicate, RecipientId, RegionId, RuleAction, FLAG_SPECIAL,
};

/// A partition of `0..count` into classes, each with a representative.
#[derive(Debug, Clone, Default)]
pub(crate) struct Partition {
    /// Class of each element.
    pub class_of: Vec<u32>,
    /// Members of each class, in increasing order.
    pub members: Vec<Vec<u32>>,
}

impl Partition {
    /// Refine the partition of `count` elements, first by `key`, then by each set.
    pub fn build<'a>(
        count: usize,
        key: impl Fn(usize) -> u64,
        sets: impl IntoIterator<Item = &'a IdSet>,
    ) -> Partition {
        let mut class_of = Vec::with_capacity(count);
        let mut keys: HashMap<u64, u32> = HashMap::new();
        for i in 0..count {
            let next = to_u32(keys.len());
            class_of.push(*keys.entry(key(i)).or_insert(next));
        }
        let mut next_class = to_u32(keys.len());
        let mut split: HashMap<u32, u32> = HashMap::new();
        for set in sets {
            let size = set.count();
            if size == 0 || size >= count {
                continue;
            }
            split.clear();
            for i in set.iter() {
                let Some(class) = class_of.get_mut(i) else {
                    continue;
                };
                let new = *split.entry(*class).or_insert_with(|| {
                    let id = next_class;
                    next_class = next_class.saturating_add(1);
                    id
                });
                *class = new;
            }
        }
        // Compact the class ids, in order of first member.
        let mut compact: HashMap<u32, u32> = HashMap::new();
        let mut members: Vec<Vec<u32>> = Vec::new();
        for (i, class) in class_of.iter_mut().enumerate() {
            let next = to_u32(compact.len());
            let id = *compact.entry(*class).or_insert(next);
            *class = id;
            match members.get_mut(id as usize) {
                Some(list) => list.push(to_u32(i)),
                None => members.push(vec![to_u32(i)]),
            }
        }
        Partition { class_of, members }
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn class(&self, element: usize) -> Option<u32> {
        self.class_of.get(element).copied()
    }
}

/// A region declared with `region`, not a `group`.
pub(crate) fn is_place(policy: &Policy, region: RegionId) -> bool {
    policy
        .regions
        .get(region.index())
        .is_some_and(|r| !r.is_group)
}

pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The region and category classes of one policy.
#[derive(Debug, Clone)]
pub(crate) struct Space {
    pub regions: Partition,
    /// One region per class that has a region declared with `region` (a country, a
    /// subdivision): questions are asked there. A subject lives, and data is collected, in a
    /// place; a `group` is a set of places, never a place itself.
    pub region_reps: Vec<RegionId>,
    pub categories: Partition,
    pub category_reps: Vec<CategoryId>,
    /// One recipient per class of recipients declared alike (kind, location, purposes,
    /// categories, sale, sharing, conditions) and selected by the same rule and exception
    /// recipient sets: the evaluator cannot tell them apart.
    pub recipient_reps: Vec<RecipientId>,
    /// The rules that can apply, by purpose and by category.
    pub rules: crate::analysis::atoms::RuleLists,
}

impl Space {
    pub fn new(policy: &Policy) -> Space {
        let region_sets = region_sets(policy);
        let threshold_key = |r: usize| {
            let threshold = policy.children.threshold.get(r).copied().flatten();
            let provenance = policy
                .children
                .threshold_provenance
                .get(r)
                .copied()
                .flatten();
            let t = threshold.map_or(0, |t| u64::from(t) + 1);
            let p = provenance.map_or(0, |p| u64::from(p.0) + 1);
            (t << 32) | p
        };
        let regions = Partition::build(policy.regions.len(), threshold_key, region_sets);
        let region_reps = regions
            .members
            .iter()
            .filter_map(|members| {
                members
                    .iter()
                    .find(|&&r| is_place(policy, RegionId(r)))
                    .map(|&r| RegionId(r))
            })
            .collect();

        let category_sets = category_sets(policy);
        let flag_key = |c: usize| {
            policy.categories.get(c).map_or(0, |category| {
                let mut key = 0u64;
                for flag in category.flags.iter() {
                    // Special decides explicit consent; every other flag only selects.
                    key = key.wrapping_mul(1_000_003).wrapping_add(flag as u64 + 1);
                }
                key ^ u64::from(category.flags.contains(FLAG_SPECIAL.index()))
            })
        };
        let categories = Partition::build(policy.categories.len(), flag_key, category_sets);
        let category_reps = categories
            .members
            .iter()
            .map(|members| {
                let declared = members.iter().find(|&&c| {
                    policy
                        .categories
                        .get(c as usize)
                        .is_some_and(|category| category.declared)
                });
                CategoryId(declared.or(members.first()).copied().unwrap_or(0))
            })
            .collect();
        Space {
            regions,
            region_reps,
            categories,
            category_reps,
            recipient_reps: recipient_reps(policy),
            rules: crate::analysis::atoms::RuleLists::new(policy),
        }
    }

    /// Class representatives whose region lies in `set`.
    pub fn regions_in<'s>(&'s self, set: &'s IdSet) -> impl Iterator<Item = RegionId> + 's {
        self.region_reps
            .iter()
            .copied()
            .filter(move |r| set.contains(r.index()))
    }

    /// Class representatives of the categories in every one of `sets`, in class order.
    /// Costs the size of the smallest set, not the number of classes.
    pub fn categories_in(&self, sets: &[&IdSet]) -> Vec<CategoryId> {
        let Some(smallest) = sets.iter().min_by_key(|s| s.count()) else {
            return self.category_reps.clone();
        };
        let mut classes: Vec<u32> = smallest
            .iter()
            .filter(|&c| sets.iter().all(|s| s.contains(c)))
            .filter_map(|c| self.categories.class(c))
            .collect();
        classes.sort_unstable();
        classes.dedup();
        classes
            .into_iter()
            .filter_map(|class| self.category_reps.get(class as usize).copied())
            .collect()
    }

    pub fn region_class(&self, region: RegionId) -> Option<u32> {
        self.regions.class(region.index())
    }
}

fn recipient_reps(policy: &Policy) -> Vec<RecipientId> {
    let assertion_rules = policy.assertions.iter().filter_map(|a| match &a.kind {
        AssertionKind::Never(rule) => Some(rule.as_ref()),
        _ => None,
    });
    let mut sets: Vec<&IdSet> = Vec::new();
    for rule in policy.rules.iter().chain(assertion_rules) {
        if let RuleAction::Disclose { recipients, .. } = &rule.action {
            sets.push(recipients);
        }
        sets.extend(rule.excepts.iter().filter_map(|e| e.recipients.as_ref()));
    }
    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut reps = Vec::new();
    for (index, r) in policy.recipients.iter().enumerate() {
        let selected: Vec<bool> = sets.iter().map(|s| s.contains(index)).collect();
        let key = format!(
            "{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}|{:?}",
            r.kind,
            r.located,
            r.purposes.iter().collect::<Vec<_>>(),
            r.categories.iter().collect::<Vec<_>>(),
            r.sale,
            r.sharing,
            r.conditions,
            selected
        );
        if seen.insert(key, ()).is_none() {
            reps.push(RecipientId(to_u32(index)));
        }
    }
    reps
}

/// Every region set the evaluator, the assertions or a condition can read.
pub(crate) fn region_sets(policy: &Policy) -> Vec<&IdSet> {
    let mut sets: Vec<&IdSet> = Vec::new();
    let assertion_rules = policy.assertions.iter().filter_map(|a| match &a.kind {
        AssertionKind::Never(rule) => Some(rule.as_ref()),
        _ => None,
    });
    for rule in policy.rules.iter().chain(assertion_rules) {
        sets.push(&rule.regions);
        if let RuleAction::Transfer { from, to } = &rule.action {
            sets.push(from);
            sets.push(to);
        }
        for except in &rule.excepts {
            sets.extend(except.regions.iter());
            sets.extend(except.to_regions.iter());
        }
    }
    for assertion in &policy.assertions {
        if let AssertionKind::Requires { regions, .. } = &assertion.kind {
            sets.push(regions);
        }
    }
    for purpose in &policy.purposes {
        sets.extend(purpose.bases.iter().map(|b| &b.scope));
    }
    for transfer in &policy.transfers {
        sets.push(&transfer.from);
        sets.push(&transfer.to);
    }
    sets.extend(policy.localizations.iter().map(|l| &l.within));
    sets.extend(policy.retention.iter().map(|r| &r.regions));
    for recipient in &policy.recipients {
        for location in &recipient.located {
            // A disclosure from region R to a recipient in L is domestic when R ⊇ L.
            if let Some(region) = policy.regions.get(location.index()) {
                sets.push(&region.within);
            }
        }
    }
    for cond in conditions(policy) {
        region_in_sets(cond, &mut sets);
    }
    sets
}

fn region_in_sets<'p>(cond: &'p Cond, out: &mut Vec<&'p IdSet>) {
    match cond {
        Cond::Not(inner) | Cond::Known(inner) => region_in_sets(inner, out),
        Cond::And(parts) | Cond::Or(parts) => {
            for part in parts {
                region_in_sets(part, out);
            }
        }
        Cond::Is(Predicate::RegionIn(set)) => out.push(set),
        Cond::True | Cond::False | Cond::Is(_) => {}
    }
}

/// Every condition in the policy and its assertions.
pub(crate) fn conditions(policy: &Policy) -> Vec<&Cond> {
    let mut out: Vec<&Cond> = Vec::new();
    let assertion_rules = policy.assertions.iter().filter_map(|a| match &a.kind {
        AssertionKind::Never(rule) => Some(rule.as_ref()),
        _ => None,
    });
    for rule in policy.rules.iter().chain(assertion_rules) {
        out.extend(rule.when.iter());
        out.extend(rule.excepts.iter().filter_map(|e| e.when.as_ref()));
    }
    for purpose in &policy.purposes {
        out.extend(purpose.bases.iter().filter_map(|b| b.when.as_ref()));
        out.extend(
            purpose
                .bases
                .iter()
                .filter_map(|b| b.objection_override.as_ref()),
        );
    }
    for recipient in &policy.recipients {
        out.extend(recipient.conditions.iter());
    }
    out.extend(policy.transfers.iter().filter_map(|t| t.when.as_ref()));
    out.extend(
        policy
            .localizations
            .iter()
            .filter_map(|l| l.unless.as_ref()),
    );
    out
}

/// Every category set the evaluator or the assertions can read.
pub(crate) fn category_sets(policy: &Policy) -> Vec<&IdSet> {
    let mut sets: Vec<&IdSet> = Vec::new();
    sets.extend(policy.purposes.iter().map(|p| &p.uses));
    // A `combine` rule reads its other side too.
    for rule in &policy.rules {
        sets.push(&rule.categories);
        if let RuleAction::Combine { with, .. } = &rule.action {
            sets.push(with);
        }
    }
    for assertion in &policy.assertions {
        match &assertion.kind {
            AssertionKind::Never(rule) => {
                sets.push(&rule.categories);
                if let RuleAction::Combine { with, .. } = &rule.action {
                    sets.push(with);
                }
            }
            AssertionKind::Only { categories, .. } => sets.push(categories),
            AssertionKind::Requires { .. } => {}
        }
    }
    sets.extend(policy.recipients.iter().map(|r| &r.categories));
    sets.extend(policy.transfers.iter().map(|t| &t.categories));
    sets.extend(policy.localizations.iter().map(|l| &l.categories));
    sets.extend(policy.retention.iter().map(|r| &r.categories));
    sets
}

/// One (origin, destination) pair for each (origin class, destination class, domestic, in
/// one country) combination some pair of regions realises. "Domestic" — the destination lies
/// within the origin — and "in one country" — a region that is not a group contains both,
/// which a permission `with unstated` reads (`eval::within_one_country`) — are the only
/// things a transfer decision reads about the pair itself; everything else it reads through
/// region sets. Representatives are used where they realise the combination.
pub(crate) fn transfer_pairs(policy: &Policy, space: &Space) -> Vec<(RegionId, RegionId)> {
    let domestic = |from: RegionId, to: RegionId| {
        policy
            .regions
            .get(to.index())
            .is_some_and(|region| region.within.contains(from.index()))
    };
    let country = |from: RegionId, to: RegionId| crate::eval::within_one_country(policy, from, to);
    let mut seen: HashMap<(u32, u32, bool, bool), (RegionId, RegionId)> = HashMap::new();
    let add =
        |seen: &mut HashMap<_, _>, key: (u32, u32, bool, bool), pair: (RegionId, RegionId)| {
            seen.entry(key).or_insert(pair);
        };
    let class = |r: RegionId| space.region_class(r).unwrap_or(u32::MAX);
    let key = |from: RegionId, to: RegionId| {
        (
            class(from),
            class(to),
            domestic(from, to),
            country(from, to),
        )
    };
    for &from in &space.region_reps {
        for &to in &space.region_reps {
            add(&mut seen, key(from, to), (from, to));
        }
    }
    // Domestic pairs: a destination and every place it lies within.
    let mut domestic_count: HashMap<(u32, u32), usize> = HashMap::new();
    for (index, region) in policy.regions.iter().enumerate() {
        let to = RegionId(to_u32(index));
        if !is_place(policy, to) {
            continue;
        }
        for from in region.within.iter() {
            let from = RegionId(to_u32(from));
            if !is_place(policy, from) {
                continue;
            }
            *domestic_count.entry((class(from), class(to))).or_default() += 1;
            add(&mut seen, key(from, to), (from, to));
        }
    }
    // Pairs of places inside one country that are not domestic (`US-CA` to `US-NY`): per
    // country, one pair per (origin class, destination class).
    for region in &policy.regions {
        if region.is_group {
            continue;
        }
        let mut by_class: Vec<(u32, Vec<RegionId>)> = Vec::new();
        for member in region.inside.iter() {
            let member = RegionId(to_u32(member));
            if !is_place(policy, member) {
                continue;
            }
            match by_class.iter_mut().find(|(c, _)| *c == class(member)) {
                Some((_, list)) => list.push(member),
                None => by_class.push((class(member), vec![member])),
            }
        }
        for (ca, froms) in &by_class {
            for (cb, tos) in &by_class {
                if seen.contains_key(&(*ca, *cb, false, true)) {
                    continue;
                }
                let pair = froms.iter().find_map(|&f| {
                    tos.iter()
                        .find(|&&t| !domestic(f, t) && country(f, t))
                        .map(|&t| (f, t))
                });
                if let Some(pair) = pair {
                    add(&mut seen, (*ca, *cb, false, true), pair);
                }
            }
        }
    }
    // Non-domestic pairs in classes whose representatives are domestic (or in one country).
    let places = |members: &Vec<u32>| -> Vec<RegionId> {
        members
            .iter()
            .map(|&r| RegionId(r))
            .filter(|&r| is_place(policy, r))
            .collect()
    };
    for &a in &space.region_reps {
        for &b in &space.region_reps {
            let key = (class(a), class(b), false, false);
            if seen.contains_key(&key) {
                continue;
            }
            let (Some(froms), Some(tos)) = (
                space.regions.members.get(key.0 as usize).map(places),
                space.regions.members.get(key.1 as usize).map(places),
            ) else {
                continue;
            };
            let total = froms.len().saturating_mul(tos.len());
            if domestic_count.get(&(key.0, key.1)).copied().unwrap_or(0) >= total {
                continue;
            }
            let pair = froms.iter().find_map(|&f| {
                tos.iter()
                    .find(|&&t| !domestic(f, t) && !country(f, t))
                    .map(|&t| (f, t))
            });
            if let Some(pair) = pair {
                add(&mut seen, key, pair);
            }
        }
    }
    let mut pairs: Vec<_> = seen.into_iter().collect();
    pairs.sort_unstable_by_key(|(key, _)| *key);
    pairs.into_iter().map(|(_, pair)| pair).collect()
}
