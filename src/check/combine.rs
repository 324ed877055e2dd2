//! `deny … : combine A with B [except C] [for PURPOSES]`: no-linkage promises ("we will not
//! associate the log data with other information we collect"), lowered to
//! [`RuleAction::Combine`] and checked.

use super::{CheckError, Checker};
use crate::model::{IdSet, RuleAction};
use crate::source::Span;
use crate::syntax::ast::{self, ExceptKind};

/// The other side of a combination (its `except` taken out) and the purposes it covers.
/// A combination that leaves nothing on the other side, and an `except to …` (a
/// combination goes to no recipient and no region), are `lawful::check::invalid_combination`.
pub(super) fn lower_combine(
    checker: &mut Checker,
    with: &[ast::Selector],
    except: &[ast::Selector],
    purposes: &[ast::Selector],
    scope: &ast::RuleScope,
) -> RuleAction {
    let mut other = checker.category_selectors(with);
    let excluded = checker.category_selectors(except);
    other.difference_with(&excluded);
    if other.is_empty() && !with.is_empty() {
        if let Some(span) = selectors_span(with, except) {
            checker.error(
                CheckError::InvalidCombination {
                    message: "the `except` takes out everything this rule combines with".to_owned(),
                    help: "narrow the `except`, or widen the data after `with`".to_owned(),
                },
                span,
                "nothing left to combine with",
            );
        }
    }
    for e in &scope.excepts {
        if let ExceptKind::ToRegions(_) | ExceptKind::ToRecipients(_) = e.kind {
            checker.error(
                CheckError::InvalidCombination {
                    message: "a combination goes to no recipient and no region: `except to` \
                              never applies"
                        .to_owned(),
                    help: "use `except for PURPOSES`, `except in REGIONS` or `except when …`"
                        .to_owned(),
                },
                e.span,
                "`except to` on a combination",
            );
        }
    }
    let purposes = if purposes.is_empty() {
        IdSet::full(checker.purposes.len())
    } else {
        checker.purpose_selectors(purposes)
    };
    RuleAction::Combine {
        with: other,
        purposes,
    }
}

fn selectors_span(with: &[ast::Selector], except: &[ast::Selector]) -> Option<Span> {
    let first = with.first()?.span;
    let last = except.last().or(with.last())?.span;
    Some(first.to(last))
}
