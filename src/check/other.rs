//! `purpose other [for PURPOSES] "Title" { … }`: "other purposes with your consent".
//!
//! A clause decides every vocabulary purpose (`vocabulary purpose`, the Fides data uses of
//! `std::fides`) that its `for` selectors cover and the policy does not list — neither
//! declares nor names as the family or a refinement of a declared purpose: each gets
//! the clause's `uses` and `basis` lines, so the evaluator decides it as any purpose, and
//! only a consent to that exact purpose counts for it (`eval::cond::consent_lineage`). A
//! vocabulary purpose no clause covers stays `not_declared`; an unknown name stays an error.

use super::{CheckError, Checker};
use crate::model::*;
use crate::syntax::ast;

impl Checker {
    /// The purposes the notice lists, with their families: every declared purpose, its
    /// ancestors (`marketing` above a declared `marketing.communications` is the family of a
    /// listed purpose) and its descendants (`marketing.communications.email` refines it).
    /// None of them is an "other" purpose.
    fn listed_purposes(&self) -> IdSet {
        let count = self.purposes.len();
        let mut listed = IdSet::new(count);
        for (id, purpose) in self.purposes.items.iter().enumerate() {
            if purpose.declared {
                for a in &purpose.ancestors {
                    listed.insert(a.index());
                }
            }
            let inside = purpose.ancestors.iter().skip(1).any(|a| {
                self.purposes
                    .items
                    .get(a.index())
                    .is_some_and(|p| p.declared)
            });
            if inside {
                listed.insert(id);
            }
        }
        listed
    }

    pub(super) fn lower_other_purposes(
        &mut self,
        decl: &ast::OtherPurposesDecl,
        docs: Option<String>,
    ) {
        let word = decl.body.path.span;
        let limited = !decl.covers.is_empty();
        let selectors = if limited {
            self.purpose_selectors(&decl.covers)
        } else {
            IdSet::full(self.purposes.len())
        };
        let body = self.lower_purpose_body(&decl.body);
        for (basis, written) in body.bases.iter().zip(&decl.body.bases) {
            if basis.alternatives.iter().all(|b| b.is_consent()) {
                continue;
            }
            let names: Vec<String> = basis.alternatives.iter().map(|b| b.name()).collect();
            self.error(
                CheckError::InvalidOtherPurposes {
                    message: format!(
                        "other purposes are allowed only with consent, not `{}`",
                        names.join(" or ")
                    ),
                    help: "write `basis consent` or `basis explicit_consent`: a purpose the \
                           notice does not list needs the subject's consent to that purpose \
                           (GDPR Art. 6(1)(a)); `purpose other` is this clause, so a purpose of \
                           your own needs another name"
                        .to_owned(),
                },
                written.span,
                "not consent",
            );
        }
        let index = u32::try_from(self.other_purposes.len()).unwrap_or(u32::MAX);
        let listed = self.listed_purposes();
        let mut covers = IdSet::new(self.purposes.len());
        let mut overlap: Option<String> = None;
        for id in selectors.iter() {
            let Some(purpose) = self.purposes.items.get(id) else {
                continue;
            };
            if !purpose.vocabulary || listed.contains(id) {
                continue;
            }
            if purpose.other.is_some() {
                overlap.get_or_insert_with(|| purpose.info.name.clone());
                continue;
            }
            covers.insert(id);
        }
        if let Some(name) = &overlap {
            self.error(
                CheckError::InvalidOtherPurposes {
                    message: format!(
                        "`{name}` is covered by two `purpose other` clauses: which one decides \
                         it?"
                    ),
                    help: "narrow this clause with `for …` so the clauses cover different \
                           purposes"
                        .to_owned(),
                },
                word,
                "covers a purpose again",
            );
        }
        if covers.is_empty() && overlap.is_none() {
            self.error(
                CheckError::InvalidOtherPurposes {
                    message: "`purpose other` covers no purpose: every purpose it names is \
                              declared, or no vocabulary is imported"
                        .to_owned(),
                    help: "it decides only vocabulary purposes the policy does not declare: \
                           add `use std::fides` (or `vocabulary purpose …`), or remove it"
                        .to_owned(),
                },
                word,
                "decides nothing",
            );
        }
        let provenance = self.add_provenance(
            ProvenanceKind::Purpose,
            "other purposes".to_owned(),
            docs.clone(),
            word,
        );
        for id in covers.iter() {
            if let Some(p) = self.purposes.items.get_mut(id) {
                body.clone().apply(p);
                p.provenance = Some(provenance);
                p.other = Some(index);
            }
        }
        self.other_purposes.push(OtherPurposes {
            info: Info {
                name: "other".to_owned(),
                title: decl.body.title.as_ref().map(|t| t.value.clone()),
                docs,
                span: word,
            },
            selectors,
            limited,
            covers,
            uses: body.uses,
            bases: body.bases,
            provenance,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Policy;

    fn compile(body: &str) -> Policy {
        let text = format!(
            "#![allow(purpose-without-retention)]\nregion DE \"Germany\"\ncategory user.email\n\
             vocabulary purpose marketing\nvocabulary purpose marketing.ads\n\
             vocabulary purpose marketing.news\nvocabulary purpose marketing.news.email\n\
             vocabulary purpose analytics\nvocabulary purpose analytics.usage\n{body}\n"
        );
        match crate::compile_str("p.lawful", &text) {
            Ok(compiled) => compiled.policy,
            Err(failed) => panic!("{failed}"),
        }
    }

    fn covered(policy: &Policy) -> Vec<&str> {
        let mut names: Vec<&str> = policy
            .purposes()
            .iter()
            .filter(|p| p.other.is_some())
            .map(|p| p.info.name.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn a_clause_covers_the_vocabulary_purposes_the_policy_does_not_list() {
        let policy = compile(
            "purpose marketing.news { uses user.email basis consent }\n\
             purpose other { uses user.email basis consent }",
        );
        // `marketing` is the family of the listed `marketing.news`, `marketing.news.email`
        // refines it: neither is an "other" purpose.
        assert_eq!(
            covered(&policy),
            ["analytics", "analytics.usage", "marketing.ads"]
        );
        let clause = &policy.other_purposes()[0];
        assert!(!clause.limited);
        assert_eq!(clause.covers.count(), 3);
        // Each covered purpose is decided by the clause: its uses, its bases, its provenance.
        let ads = &policy.purposes()[policy.purpose("marketing.ads").unwrap().index()];
        assert_eq!(ads.uses, clause.uses);
        assert_eq!(ads.bases.len(), 1);
        assert_eq!(ads.provenance, Some(clause.provenance));
        assert!(!ads.declared && ads.vocabulary);
    }

    #[test]
    fn for_limits_the_clause() {
        let policy = compile("purpose other for analytics.* { uses user.email basis consent }");
        assert_eq!(covered(&policy), ["analytics", "analytics.usage"]);
        assert!(policy.other_purposes()[0].limited);
    }

    #[test]
    fn consent_counts_only_for_the_exact_purpose() {
        let policy = compile("purpose other { uses user.email basis consent }");
        let usage = policy.purpose("analytics.usage").unwrap();
        assert_eq!(crate::eval::cond::consent_lineage(&policy, usage), [usage]);
        // Objections still count from the whole lineage.
        assert_eq!(crate::eval::cond::lineage(&policy, usage).len(), 2);
    }
}
