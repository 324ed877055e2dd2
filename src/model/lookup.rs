//! Deny-rule lookup for the evaluator: a decision looks only at the rules that can apply
//! to its purpose and category (or, for a disclosure, to its kind of disclosure and
//! category), so its cost stays flat as a policy grows.
//!
//! `use` rules are kept per purpose as `(category, rule)` pairs sorted by category — a
//! binary search finds the few for one category — except rules covering very many
//! categories, which are listed per purpose ("broad") so that a `use * for *` does not
//! multiply out. Disclosure rules are kept per category and split by action, so a
//! disclosure that is no sale never walks the `sell` rules.

use super::{CategoryId, DenyRule, PurposeId, RuleAction, RuleId};

/// A `use` rule covering more categories than this is listed as broad.
const NARROW: usize = 64;

#[derive(Debug, Clone, Default)]
pub struct RuleLookup {
    use_narrow: Vec<Vec<(CategoryId, RuleId)>>,
    use_broad: Vec<Vec<RuleId>>,
    sell: Vec<Vec<RuleId>>,
    share: Vec<Vec<RuleId>>,
    disclose: Vec<Vec<RuleId>>,
}

impl RuleLookup {
    pub fn build(rules: &[DenyRule], purposes: usize, categories: usize) -> Self {
        let mut lookup = RuleLookup {
            use_narrow: vec![Vec::new(); purposes],
            use_broad: vec![Vec::new(); purposes],
            sell: vec![Vec::new(); categories],
            share: vec![Vec::new(); categories],
            disclose: vec![Vec::new(); categories],
        };
        for (i, rule) in rules.iter().enumerate() {
            let id = RuleId::from_index(i);
            let per_category = match &rule.action {
                RuleAction::Use { purposes } => {
                    let narrow = rule.categories.count() <= NARROW;
                    for p in purposes.iter() {
                        if narrow {
                            if let Some(list) = lookup.use_narrow.get_mut(p) {
                                list.extend(
                                    rule.categories
                                        .iter()
                                        .map(|c| (CategoryId::from_index(c), id)),
                                );
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
                RuleAction::Transfer { .. } => continue,
            };
            for c in rule.categories.iter() {
                if let Some(list) = per_category.get_mut(c) {
                    list.push(id);
                }
            }
        }
        // Stable: rules of one category stay in declaration order.
        for list in &mut lookup.use_narrow {
            list.sort_by_key(|&(category, _)| category);
        }
        lookup
    }

    /// The `use` rules that may apply to `purpose` using `category`, in declaration order.
    pub fn use_rules(
        &self,
        purpose: PurposeId,
        category: CategoryId,
    ) -> impl Iterator<Item = RuleId> + '_ {
        let narrow = self
            .use_narrow
            .get(purpose.index())
            .map_or(&[][..], |list| {
                let start = list.partition_point(|&(c, _)| c < category);
                let end = list.partition_point(|&(c, _)| c <= category);
                list.get(start..end).unwrap_or(&[])
            });
        let broad = self
            .use_broad
            .get(purpose.index())
            .map_or(&[][..], Vec::as_slice);
        Merge {
            narrow: narrow.iter().map(|&(_, rule)| rule).peekable(),
            broad: broad.iter().copied().peekable(),
        }
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
            rule(
                RuleAction::Use {
                    purposes: purposes(&[0]),
                },
                &[7],
                categories,
            ),
            rule(
                RuleAction::Use {
                    purposes: purposes(&[1]),
                },
                &[5],
                categories,
            ),
        ];
        let lookup = RuleLookup::build(&rules, 4, categories);
        let ids = |p: u32, c: u32| -> Vec<u32> {
            lookup
                .use_rules(PurposeId(p), CategoryId(c))
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
}
