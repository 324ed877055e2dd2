//! Deny-rule lookup for the evaluator: a decision looks only at the rules that can apply
//! to its purpose and category (or, for a disclosure, to its kind of disclosure and
//! category), so its cost stays flat as a policy grows.
//!
//! `use` rules are kept per purpose as `(category, rule)` pairs sorted by category — a
//! binary search finds the few for one category — except rules covering very many
//! categories, which are listed per purpose ("broad") so that a `use * for *` does not
//! multiply out. Disclosure rules are kept per category and split by action, so a
//! disclosure that is no sale never walks the `sell` rules; `transfer` deny rules and
//! transfer permissions are kept per category.
//!
//! A rule that decides exactly like an earlier one wherever both apply (same action,
//! regions, condition and exceptions; only the categories differ) is left out of the
//! lists of the categories the earlier one already covers: the earlier rule always matches
//! first, so the later can never decide. Policies written category by category (and the
//! synthetic ones) repeat such rules many times over.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::{CategoryId, DenyRule, Except, IdSet, PurposeId, RuleAction, RuleId, TransferRule};

/// A `use` rule covering more categories than this is listed as broad.
const NARROW: usize = 64;

/// The deny rules and transfer permissions that can apply, listed per purpose and per
/// category (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct RuleLookup {
    use_narrow: Vec<Vec<(CategoryId, RuleId)>>,
    /// The categories any purpose's narrow `use` list names: for any other category only
    /// the broad lists need reading (most decisions: one bit, no search).
    use_narrow_categories: IdSet,
    use_broad: Vec<Vec<RuleId>>,
    /// The categories any broad `use` rule covers: for any other category the broad lists
    /// need not be read (a rule applies only to its own categories).
    use_broad_categories: IdSet,
    sell: Vec<Vec<RuleId>>,
    share: Vec<Vec<RuleId>>,
    disclose: Vec<Vec<RuleId>>,
    transfer_denials: Vec<Vec<RuleId>>,
    /// `combine` rules, listed under each category of their first side.
    combine: Vec<Vec<RuleId>>,
    /// Indexes into the policy's transfer permissions.
    transfer_permits: Vec<Vec<u32>>,
}

impl RuleLookup {
    /// Index `rules` and `transfers` for a policy with `purposes` purposes and
    /// `categories` categories.
    pub fn build(
        rules: &[DenyRule],
        transfers: &[TransferRule],
        purposes: usize,
        categories: usize,
    ) -> Self {
        let mut lookup = RuleLookup {
            use_narrow: vec![Vec::new(); purposes],
            use_narrow_categories: IdSet::new(categories),
            use_broad: vec![Vec::new(); purposes],
            use_broad_categories: IdSet::new(categories),
            sell: vec![Vec::new(); categories],
            share: vec![Vec::new(); categories],
            disclose: vec![Vec::new(); categories],
            transfer_denials: vec![Vec::new(); categories],
            combine: vec![Vec::new(); categories],
            transfer_permits: vec![Vec::new(); categories],
        };
        let mut seen = Seen::new(classes(rules, rule_fingerprint, same_effect), categories);
        for (i, rule) in rules.iter().enumerate() {
            let id = RuleId::from_index(i);
            // The categories where no earlier rule decides alike.
            let fresh = seen.fresh(i, &rule.categories);
            let per_category = match &rule.action {
                RuleAction::Use { purposes } => {
                    if fresh.is_empty() {
                        continue;
                    }
                    let narrow = fresh.len() <= NARROW;
                    if narrow {
                        for c in &fresh {
                            lookup.use_narrow_categories.insert(c.index());
                        }
                    } else {
                        lookup.use_broad_categories.union_with(&rule.categories);
                    }
                    for p in purposes.iter() {
                        if narrow {
                            if let Some(list) = lookup.use_narrow.get_mut(p) {
                                list.extend(fresh.iter().map(|&c| (c, id)));
                            }
                        } else if let Some(list) = lookup.use_broad.get_mut(p) {
                            list.push(id);
                        }
                    }
                    continue;
                }
                RuleAction::Sell => &mut lookup.sell,
                RuleAction::Share => &mut lookup.share,
                RuleAction::Disclose { .. } => &mut lookup.disclose,
                RuleAction::Transfer { .. } => &mut lookup.transfer_denials,
                RuleAction::Combine { .. } => &mut lookup.combine,
            };
            for c in fresh {
                if let Some(list) = per_category.get_mut(c.index()) {
                    list.push(id);
                }
            }
        }
        let mut seen = Seen::new(
            classes(transfers, permit_fingerprint, same_permit),
            categories,
        );
        for (i, transfer) in transfers.iter().enumerate() {
            for c in seen.fresh(i, &transfer.categories) {
                if let Some(list) = lookup.transfer_permits.get_mut(c.index()) {
                    list.push(u32::try_from(i).unwrap_or(u32::MAX));
                }
            }
        }
        // Stable: rules of one category stay in declaration order.
        for list in &mut lookup.use_narrow {
            list.sort_by_key(|&(category, _)| category);
        }
        lookup
    }

    /// The `use` rules that may apply to `purpose` using `category`, in declaration order;
    /// `None` when there is none (most decisions: two bits read, no list, no iterator).
    #[inline]
    pub fn use_rules(
        &self,
        purpose: PurposeId,
        category: CategoryId,
    ) -> Option<impl Iterator<Item = RuleId> + '_> {
        let in_narrow = self.use_narrow_categories.contains(category.index());
        let in_broad = self.use_broad_categories.contains(category.index());
        if !in_narrow && !in_broad {
            return None;
        }
        let narrow = self
            .use_narrow
            .get(purpose.index())
            .filter(|_| in_narrow)
            .map_or(&[][..], |list| {
                // One binary search; a category has few rules, so its end is found by walking.
                let start = list.partition_point(|&(c, _)| c < category);
                let rest = list.get(start..).unwrap_or(&[]);
                let len = rest.iter().take_while(|&&(c, _)| c == category).count();
                rest.get(..len).unwrap_or(&[])
            });
        let broad = self
            .use_broad
            .get(purpose.index())
            .filter(|_| in_broad)
            .map_or(&[][..], Vec::as_slice);
        if narrow.is_empty() && broad.is_empty() {
            return None;
        }
        Some(Merge {
            narrow: narrow.iter().map(|&(_, rule)| rule).peekable(),
            broad: broad.iter().copied().peekable(),
        })
    }

    /// `sell` rules covering `category`, in declaration order.
    pub fn sell_rules(&self, category: CategoryId) -> &[RuleId] {
        list(&self.sell, category)
    }

    /// `share` rules covering `category`, in declaration order.
    pub fn share_rules(&self, category: CategoryId) -> &[RuleId] {
        list(&self.share, category)
    }

    /// `disclose … to …` rules covering `category`, in declaration order.
    pub fn disclose_rules(&self, category: CategoryId) -> &[RuleId] {
        list(&self.disclose, category)
    }

    /// `transfer` deny rules covering `category`, in declaration order.
    pub fn transfer_denials(&self, category: CategoryId) -> &[RuleId] {
        list(&self.transfer_denials, category)
    }

    /// `combine` rules that may forbid bringing data of `a` and data of `b` together (either
    /// way round), in declaration order; a rule may come twice. The caller matches the
    /// other side.
    pub fn combine_rules(&self, a: CategoryId, b: CategoryId) -> impl Iterator<Item = RuleId> + '_ {
        Merge {
            narrow: list(&self.combine, a).iter().copied().peekable(),
            broad: list(&self.combine, b).iter().copied().peekable(),
        }
    }

    /// Transfer permissions covering `category` (indexes into the policy's transfers), in
    /// declaration order.
    pub fn transfer_permits(&self, category: CategoryId) -> &[u32] {
        self.transfer_permits
            .get(category.index())
            .map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
impl RuleLookup {
    /// Every rule in every list (and every permission covering each category): what a
    /// decision would see without any indexing, for differential tests.
    pub(crate) fn naive(
        rules: &[DenyRule],
        transfers: &[TransferRule],
        purposes: usize,
        categories: usize,
    ) -> Self {
        let ids = |keep: fn(&RuleAction) -> bool| -> Vec<RuleId> {
            (0..rules.len())
                .filter(|&i| rules.get(i).is_some_and(|r| keep(&r.action)))
                .map(RuleId::from_index)
                .collect()
        };
        let uses = ids(|a| matches!(a, RuleAction::Use { .. }));
        RuleLookup {
            use_narrow: vec![Vec::new(); purposes],
            use_narrow_categories: IdSet::new(categories),
            use_broad: vec![uses; purposes],
            use_broad_categories: IdSet::full(categories),
            sell: vec![ids(|a| matches!(a, RuleAction::Sell)); categories],
            share: vec![ids(|a| matches!(a, RuleAction::Share)); categories],
            disclose: vec![ids(|a| matches!(a, RuleAction::Disclose { .. })); categories],
            transfer_denials: vec![ids(|a| matches!(a, RuleAction::Transfer { .. })); categories],
            combine: vec![ids(|a| matches!(a, RuleAction::Combine { .. })); categories],
            transfer_permits: (0..categories)
                .map(|c| {
                    (0..transfers.len())
                        .filter(|&i| transfers.get(i).is_some_and(|t| t.categories.contains(c)))
                        .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
                        .collect()
                })
                .collect(),
        }
    }
}

/// For each item, the index of the first item that decides alike (itself when none).
fn classes<T>(items: &[T], fingerprint: fn(&T) -> u64, same: fn(&T, &T) -> bool) -> Vec<usize> {
    let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut class = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let bucket = buckets.entry(fingerprint(item)).or_default();
        let first = bucket
            .iter()
            .copied()
            .find(|&j| items.get(j).is_some_and(|other| same(other, item)));
        match first {
            Some(j) => class.push(j),
            None => {
                bucket.push(i);
                class.push(i);
            }
        }
    }
    class
}

/// Which categories each class of alike items has already listed.
struct Seen {
    class: Vec<usize>,
    /// Members per class (a class of one never needs tracking).
    members: Vec<usize>,
    covered: HashMap<usize, IdSet>,
    categories: usize,
}

impl Seen {
    fn new(class: Vec<usize>, categories: usize) -> Self {
        let mut members = vec![0; class.len()];
        for &c in &class {
            if let Some(n) = members.get_mut(c) {
                *n += 1;
            }
        }
        Seen {
            class,
            members,
            covered: HashMap::new(),
            categories,
        }
    }

    /// The categories of item `i` that no earlier item of its class has listed.
    fn fresh(&mut self, i: usize, categories: &IdSet) -> Vec<CategoryId> {
        let class = self.class.get(i).copied().unwrap_or(i);
        if self.members.get(class).copied().unwrap_or(0) <= 1 {
            return categories.iter().map(CategoryId::from_index).collect();
        }
        let total = self.categories;
        let covered = self
            .covered
            .entry(class)
            .or_insert_with(|| IdSet::new(total));
        let fresh: Vec<CategoryId> = categories
            .iter()
            .filter(|&c| !covered.contains(c))
            .map(CategoryId::from_index)
            .collect();
        for c in &fresh {
            covered.insert(c.index());
        }
        fresh
    }
}

fn hash_set(set: &IdSet, hasher: &mut impl Hasher) {
    for member in set.iter() {
        member.hash(hasher);
    }
    usize::MAX.hash(hasher);
}

fn rule_fingerprint(rule: &DenyRule) -> u64 {
    let mut h = DefaultHasher::new();
    std::mem::discriminant(&rule.action).hash(&mut h);
    match &rule.action {
        RuleAction::Use { purposes } => hash_set(purposes, &mut h),
        RuleAction::Disclose {
            recipients,
            kinds,
            purposes,
        } => {
            hash_set(recipients, &mut h);
            kinds.hash(&mut h);
            hash_set(purposes, &mut h);
        }
        RuleAction::Transfer { from, to } => {
            hash_set(from, &mut h);
            hash_set(to, &mut h);
        }
        RuleAction::Combine { with, purposes } => {
            hash_set(with, &mut h);
            hash_set(purposes, &mut h);
        }
        RuleAction::Sell | RuleAction::Share => {}
    }
    hash_set(&rule.regions, &mut h);
    (rule.when.is_some(), rule.excepts.len()).hash(&mut h);
    h.finish()
}

fn permit_fingerprint(rule: &TransferRule) -> u64 {
    let mut h = DefaultHasher::new();
    hash_set(&rule.from, &mut h);
    hash_set(&rule.to, &mut h);
    rule.safeguard.hash(&mut h);
    h.finish()
}

fn same_set(a: &IdSet, b: &IdSet) -> bool {
    a.iter().eq(b.iter())
}

fn same_opt_set(a: &Option<IdSet>, b: &Option<IdSet>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_set(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// The same action, regions, condition and exceptions: wherever both apply, both match
/// or neither does.
fn same_effect(a: &DenyRule, b: &DenyRule) -> bool {
    let action = match (&a.action, &b.action) {
        (RuleAction::Use { purposes: p }, RuleAction::Use { purposes: q }) => same_set(p, q),
        (
            RuleAction::Disclose {
                recipients: r,
                kinds: k,
                purposes: p,
            },
            RuleAction::Disclose {
                recipients: s,
                kinds: l,
                purposes: q,
            },
        ) => same_set(r, s) && k == l && same_set(p, q),
        (RuleAction::Transfer { from: f, to: t }, RuleAction::Transfer { from: g, to: u }) => {
            same_set(f, g) && same_set(t, u)
        }
        (
            RuleAction::Combine {
                with: w,
                purposes: p,
            },
            RuleAction::Combine {
                with: x,
                purposes: q,
            },
        ) => same_set(w, x) && same_set(p, q),
        (RuleAction::Sell, RuleAction::Sell) | (RuleAction::Share, RuleAction::Share) => true,
        _ => false,
    };
    action
        && same_set(&a.regions, &b.regions)
        && a.when == b.when
        && a.excepts.len() == b.excepts.len()
        && a.excepts
            .iter()
            .zip(&b.excepts)
            .all(|(x, y)| same_except(x, y))
}

fn same_except(a: &Except, b: &Except) -> bool {
    a.when == b.when
        && same_opt_set(&a.purposes, &b.purposes)
        && same_opt_set(&a.regions, &b.regions)
        && same_opt_set(&a.to_regions, &b.to_regions)
        && same_opt_set(&a.recipients, &b.recipients)
}

/// The same origins, destinations and safeguard.
fn same_permit(a: &TransferRule, b: &TransferRule) -> bool {
    same_set(&a.from, &b.from)
        && same_set(&a.to, &b.to)
        && a.safeguard == b.safeguard
        && a.when == b.when
}

fn list(lists: &[Vec<RuleId>], category: CategoryId) -> &[RuleId] {
    lists.get(category.index()).map_or(&[], Vec::as_slice)
}

/// Two ascending id sequences as one.
struct Merge<A: Iterator<Item = RuleId>, B: Iterator<Item = RuleId>> {
    narrow: std::iter::Peekable<A>,
    broad: std::iter::Peekable<B>,
}

impl<A: Iterator<Item = RuleId>, B: Iterator<Item = RuleId>> Iterator for Merge<A, B> {
    type Item = RuleId;

    fn next(&mut self) -> Option<RuleId> {
        match (self.narrow.peek(), self.broad.peek()) {
            (Some(a), Some(b)) if b < a => self.broad.next(),
            (Some(_), _) => self.narrow.next(),
            (None, _) => self.broad.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::model::{IdSet, Info, ProvenanceId};

    fn rule(action: RuleAction, categories: &[usize], total: usize) -> DenyRule {
        let mut set = IdSet::new(total);
        for &c in categories {
            set.insert(c);
        }
        DenyRule {
            info: Info::default(),
            action,
            categories: set,
            regions: IdSet::full(1),
            when: None,
            excepts: Vec::new(),
            provenance: ProvenanceId(0),
        }
    }

    fn purposes(of: &[usize]) -> IdSet {
        let mut set = IdSet::new(4);
        for &p in of {
            set.insert(p);
        }
        set
    }

    #[test]
    fn use_rules_come_in_declaration_order_and_only_for_their_pairs() {
        let categories = 200;
        let all: Vec<usize> = (0..categories).collect();
        let rules = [
            rule(
                RuleAction::Use {
                    purposes: purposes(&[0, 1]),
                },
                &[5, 7],
                categories,
            ),
            rule(
                RuleAction::Use {
                    purposes: purposes(&[0]),
                },
                &all,
                categories,
            ),
            rule(RuleAction::Sell, &[5], categories),
            // Conditional, so not alike rule 1 (which would make it redundant).
            DenyRule {
                when: Some(crate::model::Cond::True),
                ..rule(
                    RuleAction::Use {
                        purposes: purposes(&[0]),
                    },
                    &[7],
                    categories,
                )
            },
            rule(
                RuleAction::Use {
                    purposes: purposes(&[1]),
                },
                &[5],
                categories,
            ),
        ];
        let lookup = RuleLookup::build(&rules, &[], 4, categories);
        let ids = |p: u32, c: u32| -> Vec<u32> {
            lookup
                .use_rules(PurposeId(p), CategoryId(c))
                .into_iter()
                .flatten()
                .map(|r| r.0)
                .collect()
        };
        assert_eq!(ids(0, 7), [0, 1, 3]);
        assert_eq!(ids(0, 5), [0, 1]);
        assert_eq!(ids(0, 6), [1]);
        assert_eq!(ids(1, 5), [0, 4]);
        assert_eq!(ids(1, 6), Vec::<u32>::new());
        assert_eq!(ids(3, 5), Vec::<u32>::new());
        assert_eq!(ids(9, 5), Vec::<u32>::new());
        assert_eq!(lookup.sell_rules(CategoryId(5)), [RuleId(2)]);
        assert!(lookup.share_rules(CategoryId(5)).is_empty());
        assert!(lookup.disclose_rules(CategoryId(999)).is_empty());
    }

    /// A rule deciding like an earlier one is left out where the earlier one applies, and
    /// only there; any difference (here the condition) keeps it.
    #[test]
    fn rules_that_decide_alike_are_listed_once_per_category() {
        use crate::model::{Cond, TransferRule};

        let mut conditional = rule(RuleAction::Sell, &[2], 10);
        conditional.when = Some(Cond::False);
        let rules = [
            rule(RuleAction::Sell, &[1, 2], 10),
            rule(RuleAction::Sell, &[2, 3], 10),
            conditional,
            rule(
                RuleAction::Use {
                    purposes: purposes(&[0]),
                },
                &[4],
                10,
            ),
            rule(
                RuleAction::Use {
                    purposes: purposes(&[0]),
                },
                &[4, 5],
                10,
            ),
            rule(
                RuleAction::Use {
                    purposes: purposes(&[1]),
                },
                &[4],
                10,
            ),
        ];
        let permit = |categories: &[usize], safeguard: &str| TransferRule {
            categories: {
                let mut set = IdSet::new(10);
                categories.iter().for_each(|&c| set.insert(c));
                set
            },
            from: IdSet::full(3),
            to: IdSet::full(3),
            safeguard: crate::model::Safeguard::named(safeguard),
            when: None,
            consent: None,
            provenance: ProvenanceId(0),
        };
        let transfers = [
            permit(&[1], "scc"),
            permit(&[1, 2], "scc"),
            permit(&[1], "bcr"),
        ];
        let lookup = RuleLookup::build(&rules, &transfers, 4, 10);
        let ids = |list: &[RuleId]| list.iter().map(|r| r.0).collect::<Vec<_>>();
        assert_eq!(ids(lookup.sell_rules(CategoryId(1))), [0]);
        assert_eq!(ids(lookup.sell_rules(CategoryId(2))), [0, 2]);
        assert_eq!(ids(lookup.sell_rules(CategoryId(3))), [1]);
        let uses = |p: u32, c: u32| -> Vec<u32> {
            lookup
                .use_rules(PurposeId(p), CategoryId(c))
                .into_iter()
                .flatten()
                .map(|r| r.0)
                .collect()
        };
        assert_eq!(uses(0, 4), [3]);
        assert_eq!(uses(0, 5), [4]);
        assert_eq!(uses(1, 4), [5]);
        assert_eq!(lookup.transfer_permits(CategoryId(1)), [0, 2]);
        assert_eq!(lookup.transfer_permits(CategoryId(2)), [1]);
    }
}
