//! The evaluator's lookup tables: deny rules and transfer permissions by purpose and
//! category ([`RuleLookup`]), localisation and retention rules per category, and the basis
//! choice per purpose × region, so a decision's cost does not depend on the rule count.

use super::Checker;
use crate::model::*;

impl Checker {
    pub(super) fn build_indexes(&mut self) {
        let purposes = self.purposes.len();
        let categories = self.categories.len();
        let regions = self.regions.len();

        let mut localizations = vec![Vec::new(); categories];
        for (i, l) in self.localizations.iter().enumerate() {
            push_each(
                &mut localizations,
                &l.categories,
                u32::try_from(i).unwrap_or(u32::MAX),
            );
        }
        let mut retention = vec![Vec::new(); categories];
        for (i, r) in self.retention.iter().enumerate() {
            push_each(
                &mut retention,
                &r.categories,
                u32::try_from(i).unwrap_or(u32::MAX),
            );
        }

        let mut basis_choice = Vec::with_capacity(purposes * regions);
        let mut basis_lists = Vec::new();
        for purpose in &self.purposes.items {
            let sizes: Vec<usize> = purpose.bases.iter().map(|b| b.scope.count()).collect();
            for region in 0..regions {
                let most_specific = purpose
                    .bases
                    .iter()
                    .zip(&sizes)
                    .filter(|(b, _)| b.scope.contains(region))
                    .map(|(_, size)| *size)
                    .min();
                let start = basis_lists.len();
                if let Some(best) = most_specific {
                    for (i, (b, size)) in purpose.bases.iter().zip(&sizes).enumerate() {
                        if *size == best && b.scope.contains(region) {
                            basis_lists.push(u32::try_from(i).unwrap_or(u32::MAX));
                        }
                    }
                }
                basis_choice.push(BasisChoice {
                    start: u32::try_from(start).unwrap_or(u32::MAX),
                    len: u32::try_from(basis_lists.len() - start).unwrap_or(0),
                });
            }
        }

        self.index.rule_lookup =
            RuleLookup::build(&self.rules, &self.transfers, purposes, categories);
        self.index.localizations_by_category = localizations;
        self.index.retention_by_category = retention;
        self.index.basis_choice = basis_choice;
        self.index.basis_lists = basis_lists;
        self.index.default_subject_kind = self.subject_kinds.get("user").map(SubjectKindId);
    }
}

fn push_each<T: Copy>(lists: &mut [Vec<T>], set: &IdSet, value: T) {
    for i in set.iter() {
        if let Some(list) = lists.get_mut(i) {
            list.push(value);
        }
    }
}
