//! Warnings. Each lint has a kebab-case name a policy can silence with `#[allow(name)]`.
//! Unused-declaration lints look only at the root policy's own declarations: a shared
//! vocabulary or the standard library is not expected to be used in full.

use super::Checker;
use crate::model::*;
use crate::syntax::ast::{self, Decl};

impl Checker {
    pub(super) fn lint(&mut self, files: &[ast::File]) {
        self.allows = Some(super::Allows::from_files(files));
        let Some(root) = files.iter().find(|f| f.source == self.root) else {
            return;
        };
        let is_policy = root.items.iter().any(|i| matches!(i.decl, Decl::Policy(_)));
        let mut used_categories = IdSet::new(self.categories.len());
        for p in &self.purposes.items {
            used_categories.union_with(&p.uses);
        }
        let mut jurisdictions: Vec<(String, IdSet)> = Vec::new();
        for file in files {
            for item in &file.items {
                if let Decl::Purpose(p) = &item.decl {
                    for b in &p.bases {
                        for r in b.scope.iter().flatten() {
                            if let ast::RegionRef::Code(name) = r {
                                let known = self
                                    .regions
                                    .get(&name.text)
                                    .and_then(|id| self.regions.item(id));
                                // Unknown regions were reported when the basis was lowered.
                                if let Some(region) = known {
                                    if !jurisdictions.iter().any(|(n, _)| n == &name.text) {
                                        jurisdictions
                                            .push((name.text.clone(), region.inside.clone()));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let retention =
            MaxRetention::new(&self.retention, self.purposes.len(), self.categories.len());
        for item in &root.items {
            match &item.decl {
                Decl::Category(c) if is_policy => {
                    let Some(id) = self.categories.get(&c.path.text) else {
                        continue;
                    };
                    // A category is used when a purpose may use it or any descendant.
                    let used = self
                        .category_tree
                        .subtree(id as usize)
                        .iter()
                        .any(|c| used_categories.contains(*c as usize));
                    if !used && self.warns("unused-category", c.path.span) {
                        self.warn(
                            "unused-category",
                            format!("no purpose uses category `{}`", c.path.text),
                            "add it to a purpose's `uses`, or remove it".to_owned(),
                            c.path.span,
                            "unused",
                        );
                    }
                }
                Decl::Field(f) if is_policy => {
                    let category = self
                        .fields
                        .get(&f.path.text)
                        .and_then(|id| self.fields.item(id))
                        .map(|f| f.category);
                    if category.is_some_and(|c| !used_categories.contains(c.index()))
                        && self.warns("unused-field", f.path.span)
                    {
                        self.warn(
                            "unused-field",
                            format!("no purpose may use field `{}`", f.path.text),
                            "add its category to a purpose's `uses`, or remove the field"
                                .to_owned(),
                            f.path.span,
                            "never usable",
                        );
                    }
                }
                Decl::Purpose(p) => self.lint_purpose(p, &jurisdictions, &retention),
                Decl::Recipient(r) => self.lint_recipient(r),
                _ => {}
            }
        }
        self.lint_unstated_bases(root);
        self.lint_unstated_safeguards(root);
    }

    fn lint_purpose(
        &mut self,
        decl: &ast::PurposeDecl,
        jurisdictions: &[(String, IdSet)],
        retention: &MaxRetention,
    ) {
        let Some(id) = self.purposes.get(&decl.path.text) else {
            return;
        };
        let Some(purpose) = self.purposes.item(id) else {
            return;
        };
        if purpose.info.span != decl.path.span {
            return;
        }
        if decl.uses.is_empty() {
            if !self.warns("empty-purpose", decl.path.span) {
                return;
            }
            self.warn(
                "empty-purpose",
                format!("purpose `{}` uses no category", decl.path.text),
                "add `uses …`; a purpose that uses nothing allows nothing".to_owned(),
                decl.path.span,
                "uses nothing",
            );
            return;
        }
        if purpose.uses.is_empty() {
            // Its `uses` named only unknown categories, already reported.
            return;
        }
        let retained = retention.covers(&self.retention, id as usize, &purpose.uses);
        let mut covered = IdSet::new(self.regions.len());
        for b in &purpose.bases {
            covered.union_with(&b.scope);
        }
        if !retained && self.warns("purpose-without-retention", decl.path.span) {
            self.warn(
                "purpose-without-retention",
                format!("no maximum retention covers the data of purpose `{}`", decl.path.text),
                "add `retain … at most …`, or `#[allow(purpose-without-retention)]` citing why the text gives none".to_owned(),
                decl.path.span,
                "kept forever?",
            );
        }
        if !self.warns("basis-gap", decl.path.span) {
            return;
        }
        let gap = jurisdictions.iter().find(|(_, set)| {
            let mut missing = set.clone();
            missing.difference_with(&covered);
            !missing.is_empty()
        });
        if let Some((name, _)) = gap {
            self.warn(
                "basis-gap",
                format!("purpose `{}` has no legal basis in `{name}`, where other purposes have one", decl.path.text),
                format!("add `basis … in {name}`, or `#[allow(basis-gap)]` if the purpose does not run there"),
                decl.path.span,
                "denied there",
            );
        }
    }

    fn lint_recipient(&mut self, decl: &ast::RecipientDecl) {
        let Some(id) = self.recipients.get(&decl.name.text) else {
            return;
        };
        let Some(recipient) = self.recipients.item(id).cloned() else {
            return;
        };
        if recipient.info.span != decl.name.span {
            return;
        }
        let reachable = recipient.purposes.iter().any(|p| {
            self.purposes
                .items
                .get(p)
                .is_some_and(|purpose| purpose.uses.intersects(&recipient.categories))
        });
        if !reachable {
            self.warn(
                "unused-recipient",
                format!("recipient `{}` can never receive anything", decl.name.text),
                "none of its purposes uses any of its categories".to_owned(),
                decl.name.span,
                "nothing to receive",
            );
        }
    }
}

/// The maximum retention rules (`retain … at most …`) arranged for the
/// `purpose-without-retention` lint: the categories rules for every purpose cover, and per
/// purpose the rules naming it. Asking for every purpose costs one pass over the rules'
/// purpose lists plus one set test per purpose and rule naming it, not purposes × rules.
struct MaxRetention {
    /// Categories covered by rules that name no purpose (they apply to all).
    everywhere: IdSet,
    /// Per purpose, the indexes of the rules that name it.
    named: Vec<Vec<usize>>,
}

impl MaxRetention {
    fn new(rules: &[RetentionRule], purposes: usize, categories: usize) -> Self {
        let mut everywhere = IdSet::new(categories);
        let mut named = vec![Vec::new(); purposes];
        for (i, rule) in rules.iter().enumerate() {
            // A maximum, an agreed one, or a text's explicit "no limit" / exemption says how
            // long the data is kept; a rule for de-identified data only does not.
            let says_how_long = rule.bound.is_maximum()
                || matches!(
                    rule.bound,
                    RetentionBound::Unlimited | RetentionBound::Exempt
                );
            if !says_how_long || rule.deidentified {
                continue;
            }
            match &rule.purposes {
                None => everywhere.union_with(&rule.categories),
                Some(set) => {
                    for p in set.iter() {
                        if let Some(list) = named.get_mut(p) {
                            list.push(i);
                        }
                    }
                }
            }
        }
        MaxRetention { everywhere, named }
    }

    /// Whether a maximum retention covers some category of `uses` for `purpose`.
    fn covers(&self, rules: &[RetentionRule], purpose: usize, uses: &IdSet) -> bool {
        uses.intersects(&self.everywhere)
            || self.named.get(purpose).is_some_and(|list| {
                list.iter()
                    .filter_map(|&i| rules.get(i))
                    .any(|r| r.categories.intersects(uses))
            })
    }
}

#[cfg(test)]
mod tests {
    /// The purposes `purpose-without-retention` warns about, in order.
    fn unretained(retention: &str) -> Vec<String> {
        let text = format!(
            r#"
            category user.email
            category user.phone
            purpose alpha {{ uses user.email basis contract }}
            purpose beta {{ uses user.email, user.phone basis contract }}
            purpose gamma {{ uses user.phone basis contract }}
            {retention}
            "#
        );
        let (loaded, _) = crate::load::load_str("lints.lawful", &text);
        let (_, diagnostics) = super::super::check(loaded);
        diagnostics
            .into_iter()
            .filter(|d| d.lint_name() == Some("purpose-without-retention"))
            .map(|d| d.message.clone())
            .collect()
    }

    #[test]
    fn a_maximum_retention_covers_the_purposes_it_names_or_all() {
        let all = unretained("");
        assert_eq!(all.len(), 3, "{all:?}");
        // For one purpose only: the others still warn.
        let named = unretained("retain user.email for alpha at most 1 year after collected");
        assert_eq!(named.len(), 2, "{named:?}");
        assert!(named.iter().all(|m| !m.contains("`alpha`")), "{named:?}");
        // For every purpose: those using the category are covered, `gamma` is not.
        let general = unretained("retain user.email at most 1 year after collected");
        assert_eq!(general.len(), 1, "{general:?}");
        assert!(general[0].contains("`gamma`"), "{general:?}");
        // A minimum covers nothing.
        let minimum = unretained("retain user.phone for gamma at least 1 year after collected");
        assert_eq!(minimum.len(), 3, "{minimum:?}");
    }
}
