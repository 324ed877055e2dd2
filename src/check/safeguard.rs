//! Transfers whose safeguard the source text does not name (`transfer … with unstated`):
//! the `safeguard-unstated` lint and the combinations that cannot stand.
//!
//! GDPR Art. 13(1)(f) requires a notice to refer to the safeguard of a transfer to a third
//! country (Art. 46, 47, 49(1) second subparagraph); a text that states a transfer but no
//! safeguard is a compliance finding about the text, listed by the lint. The evaluator denies
//! every transfer such a permission alone would allow (`safeguard_unstated`).

use super::{CheckError, Checker};
use crate::model::SAFEGUARD_UNSTATED;
use crate::syntax::ast::{self, Decl};

impl Checker {
    /// `with unstated requires consent` says both that the text names no safeguard and that
    /// the subject's consent (an Art. 49(1)(a) derogation) is it.
    pub(super) fn check_unstated_safeguard(&mut self, decl: &ast::TransferDecl) {
        let Some(safeguard) = decl.safeguard.as_ref() else {
            return;
        };
        if safeguard.text != SAFEGUARD_UNSTATED {
            return;
        }
        if let Some(consent) = &decl.consent {
            self.error_related(
                CheckError::InvalidSafeguard {
                    message: "`with unstated` says the text names no safeguard, but `requires \
                              consent` names one (the subject's consent to the transfer)"
                        .to_owned(),
                    help: "write `with consent requires consent` when the text makes the \
                           transfer depend on consent, or drop `requires consent`"
                        .to_owned(),
                },
                safeguard.span,
                "no safeguard stated",
                consent.span,
                "consent required here",
            );
        }
    }

    /// An expectation `expect … with unstated`: a transfer is never allowed under a
    /// permission that names no safeguard.
    pub(super) fn check_expected_safeguard(&mut self, safeguard: &ast::Name) {
        if safeguard.text != SAFEGUARD_UNSTATED {
            return;
        }
        self.error(
            CheckError::InvalidExpectation {
                message: "no decision reports the safeguard `unstated`: a transfer only a \
                          permission `with unstated` allows is denied"
                    .to_owned(),
                help: "expect `deny safeguard_unstated transfer …`".to_owned(),
            },
            safeguard.span,
            "never reported",
        );
    }

    /// The `safeguard-unstated` lint: every transfer permission of the root policy that names
    /// no safeguard.
    pub(super) fn lint_unstated_safeguards(&mut self, root: &ast::File) {
        for item in &root.items {
            let Decl::Transfer(transfer) = &item.decl else {
                continue;
            };
            let Some(safeguard) = transfer
                .safeguard
                .as_ref()
                .filter(|s| s.text == SAFEGUARD_UNSTATED)
            else {
                continue;
            };
            self.warn(
                "safeguard-unstated",
                format!(
                    "the source text names no safeguard for the transfer from {} to {}",
                    regions_text(&transfer.from),
                    regions_text(&transfer.to)
                ),
                "a notice must refer to the safeguard of a transfer to a third country (GDPR \
                 Art. 13(1)(f)): every transfer this permission alone would allow is denied \
                 (`safeguard_unstated`). Ask the controller which safeguard applies; \
                 `#[allow(safeguard-unstated)]` hides the finding"
                    .to_owned(),
                safeguard.span,
                "no safeguard stated",
            );
        }
    }
}

fn regions_text(regions: &[ast::RegionRef]) -> String {
    let names: Vec<&str> = regions
        .iter()
        .map(|r| match r {
            ast::RegionRef::Code(name) => name.text.as_str(),
            ast::RegionRef::Anywhere(_) => "*",
        })
        .collect();
    names.join(", ")
}
