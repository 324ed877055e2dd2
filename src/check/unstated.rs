//! The `basis-unstated` lint: every purpose whose source text states no legal basis
//! (`basis unstated`). Not a style warning but a compliance finding: the notice names no
//! GDPR Art. 6(1) basis for the processing, so the evaluator denies every use the
//! declaration decides (`basis_unstated`).

use super::Checker;
use crate::syntax::ast::{self, Decl};

impl Checker {
    pub(super) fn lint_unstated_bases(&mut self, root: &ast::File) {
        for item in &root.items {
            let Decl::Purpose(purpose) = &item.decl else {
                continue;
            };
            for basis in &purpose.bases {
                // `consent or unstated` is an error of its own (`invalid_basis`).
                let [only] = basis.alternatives.as_slice() else {
                    continue;
                };
                if only.name.text != "unstated" || only.arg.is_some() {
                    continue;
                }
                let scope = match basis.scope.as_deref() {
                    Some(regions) if !regions.is_empty() => {
                        let names: Vec<String> = regions.iter().map(region_text).collect();
                        format!(" in {}", names.join(", "))
                    }
                    _ => String::new(),
                };
                self.warn(
                    "basis-unstated",
                    format!(
                        "the source text states no legal basis for purpose `{}`{scope}",
                        purpose.path.text
                    ),
                    "a use with no stated basis is not lawful (GDPR Art. 6(1)): every use this \
                     declaration decides is denied (`basis_unstated`). Ask the controller which \
                     basis applies; `#[allow(basis-unstated)]` hides the finding"
                        .to_owned(),
                    basis.span,
                    "no basis stated",
                );
            }
        }
    }
}

fn region_text(region: &ast::RegionRef) -> String {
    match region {
        ast::RegionRef::Code(name) => name.text.clone(),
        ast::RegionRef::Anywhere(_) => "*".to_owned(),
    }
}
