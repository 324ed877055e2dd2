//! Pass 3b: what a policy states beside its decisions — the `//>` citations of every
//! declaration, the `security { … }` measures, a recipient's `duty` and `never for` terms, and
//! the terms of a right (`free`, `only for basis …`, `via …`).

use super::{CheckError, Checker};
use crate::model::*;
use crate::syntax::ast::{self, Decl};

impl Checker {
    pub(super) fn lower_duties(&mut self, files: &[ast::File]) {
        for file in files {
            for item in &file.items {
                if let Some(cite) = &item.cite {
                    self.duties.citations.push(item.span, cite.clone());
                }
                match &item.decl {
                    Decl::Rights(rights) => {
                        let entries = rights.rights.iter().map(|r| (r.span, &r.cite));
                        let responses = rights.responses.iter().map(|r| (r.span, &r.cite));
                        for (span, cite) in entries.chain(responses) {
                            if let Some(cite) = cite {
                                self.duties.citations.push(span, cite.clone());
                            }
                        }
                    }
                    Decl::Security(security) => self.lower_security(security),
                    Decl::Source(source) => self.lower_source(source, item),
                    Decl::Recipient(recipient) => self.lower_recipient_terms(recipient),
                    _ => {}
                }
            }
        }
        self.duties.citations.finish();
    }

    fn lower_security(&mut self, decl: &ast::SecurityDecl) {
        for measure in &decl.measures {
            if let Some(cite) = &measure.cite {
                self.duties.citations.push(measure.span, cite.clone());
            }
            let name = &measure.name.text;
            if self.duties.security.iter().any(|m| m.info.name == *name) {
                self.error(
                    CheckError::DuplicateMeasure { name: name.clone() },
                    measure.name.span,
                    "stated again here",
                );
                continue;
            }
            let categories =
                (!measure.data.is_empty()).then(|| self.category_selectors(&measure.data));
            let recipients = self
                .recipient_selectors(&measure.recipients)
                .iter()
                .map(RecipientId::from_index)
                .collect();
            self.duties.security.push(SecurityMeasure {
                info: Info {
                    name: name.clone(),
                    title: Some(measure.description.value.clone()),
                    docs: measure.docs.clone(),
                    span: measure.span,
                },
                categories,
                recipients,
            });
        }
    }

    fn lower_source(&mut self, decl: &ast::SourceDecl, item: &ast::Item) {
        let name = &decl.name.text;
        if self.duties.sources.iter().any(|s| s.info.name == *name) {
            self.error(
                CheckError::DuplicateSource { name: name.clone() },
                decl.name.span,
                "declared again here",
            );
            return;
        }
        let categories = self.category_selectors(&decl.data);
        let purposes = (!decl.purposes.is_empty()).then(|| self.purpose_selectors(&decl.purposes));
        // Each `for` selector must name a purpose that uses some of the data.
        for selector in &decl.purposes {
            let set = self.purpose_selectors(std::slice::from_ref(selector));
            let uses = set.iter().any(|id| {
                self.purposes
                    .item(u32::try_from(id).unwrap_or(u32::MAX))
                    .is_some_and(|p| p.uses.intersects(&categories))
            });
            if !uses && !set.is_empty() {
                self.error(
                    CheckError::SourceOutsidePurpose {
                        source_name: name.clone(),
                        purpose: selector_text(selector),
                    },
                    selector.span,
                    "uses none of this data",
                );
            }
        }
        let regions = self.region_scope(&decl.scope);
        self.duties.sources.push(DataSource {
            info: Info {
                name: name.clone(),
                title: decl.title.as_ref().map(|t| t.value.clone()),
                docs: item.docs.clone(),
                span: decl.name.span,
            },
            categories,
            purposes,
            regions,
        });
    }

    fn lower_recipient_terms(&mut self, decl: &ast::RecipientDecl) {
        let Some(id) = self.recipients.get(&decl.name.text) else {
            return;
        };
        // A recipient declared twice is reported elsewhere; only the first is lowered.
        if self
            .recipients
            .item(id)
            .is_some_and(|r| r.info.span != decl.name.span)
        {
            return;
        }
        let mut terms = RecipientTerms {
            duties: decl.duties.iter().map(|d| d.value.clone()).collect(),
            limits: Vec::new(),
        };
        let mut limited = IdSet::new(self.purposes.len());
        for limit in &decl.limits {
            let purposes = self.purpose_selectors(&limit.purposes);
            let selectors: Vec<String> = limit.purposes.iter().map(selector_text).collect();
            // Named by its recipient: a test expects it with `by RECIPIENT`.
            let provenance = self.add_provenance(
                ProvenanceKind::RecipientLimit,
                decl.name.text.clone(),
                Some(limit.text.as_ref().map_or_else(
                    || format!("never for {}", selectors.join(", ")),
                    |t| t.value.clone(),
                )),
                limit.span,
            );
            self.rule_names
                .entry(decl.name.text.clone())
                .or_insert(limit.span);
            limited.union_with(&purposes);
            terms.limits.push(RecipientLimit {
                purposes,
                text: limit.text.as_ref().map(|t| t.value.clone()),
                provenance,
            });
        }
        let mut emptied = false;
        if let Some(r) = self.recipients.item_mut(id) {
            // The closed world decides a limited purpose: it is out of `purposes`, and the
            // evaluator cites the limit when it denies a disclosure for it.
            let had = !r.purposes.is_empty();
            r.purposes.difference_with(&limited);
            emptied = had && r.purposes.is_empty();
            r.terms = terms;
        }
        if emptied {
            let span = decl.limits.first().map_or(decl.name.span, |l| l.span);
            self.error(
                CheckError::InvalidRecipientLimit {
                    recipient: decl.name.text.clone(),
                },
                span,
                "this limit takes every purpose it receives data for",
            );
        }
    }

    /// The bases of `only for basis …` of a right.
    pub(super) fn right_bases(&mut self, names: &[ast::BasisName]) -> Vec<Basis> {
        names.iter().filter_map(|b| self.basis_name(b)).collect()
    }
}

/// A selector as written (`a.b.*`, `#flag`, `*`).
fn selector_text(selector: &ast::Selector) -> String {
    match &selector.kind {
        ast::SelectorKind::All => "*".to_owned(),
        ast::SelectorKind::Path { path, star } => {
            format!("{path}{}", if *star { ".*" } else { "" })
        }
        ast::SelectorKind::Flag(flag) => format!("#{flag}"),
    }
}
