//! Assertion failures as diagnostics.

use crate::diagnostic::{Diagnostic, DiagnosticKind, Diagnostics, Severity};
use crate::model::tests::AssertionKind;
use crate::model::Policy;
use crate::source::Span;

use super::{Counterexample, Outcome, Proof, Undecided};

/// An assertion that does not hold (`lawful::check::assertion_failed`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("assertion `{assertion}` does not hold")]
pub struct AssertionFailed {
    /// The assertion as written, without `assert`.
    pub assertion: String,
    /// What to change: the policy, or the assertion.
    pub help: String,
}

impl DiagnosticKind for AssertionFailed {
    fn code(&self) -> &'static str {
        "lawful::check::assertion_failed"
    }

    fn help(&self) -> Option<String> {
        Some(self.help.clone())
    }
}

/// An assertion the prover could neither prove nor refute
/// (`lawful::check::assertion_undecided`): never reported as holding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("assertion `{assertion}` is not proven: {why}")]
pub struct AssertionUndecided {
    /// The assertion as written, without `assert`.
    pub assertion: String,
    /// Why the search stopped (the budget ran out, or the evaluator refused cases).
    pub why: String,
    /// What to do about it (raise the budget, or narrow the assertion).
    pub help: String,
}

impl DiagnosticKind for AssertionUndecided {
    fn code(&self) -> &'static str {
        "lawful::check::assertion_undecided"
    }

    fn help(&self) -> Option<String> {
        Some(self.help.clone())
    }
}

/// A lint the prover's search finds (warnings; codes `lawful::lint::NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProverLintKind {
    /// No subject can ever be allowed any use of the purpose.
    UnreachablePurpose,
    /// A deny rule never decides anything.
    ShadowedRule,
    /// An exception never allows anything.
    UselessException,
}

impl ProverLintKind {
    /// The lint's name, as written in `#[allow(…)]`.
    pub fn name(self) -> &'static str {
        match self {
            ProverLintKind::UnreachablePurpose => "unreachable-purpose",
            ProverLintKind::ShadowedRule => "shadowed-rule",
            ProverLintKind::UselessException => "useless-exception",
        }
    }
}

/// One finding of a prover lint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProverLint {
    /// Which lint found it.
    pub kind: ProverLintKind,
    /// What was found, naming the purpose or rule.
    pub message: String,
    /// How to fix it, or empty.
    pub help: String,
}

impl DiagnosticKind for ProverLint {
    fn code(&self) -> &'static str {
        match self.kind {
            ProverLintKind::UnreachablePurpose => "lawful::lint::unreachable-purpose",
            ProverLintKind::ShadowedRule => "lawful::lint::shadowed-rule",
            ProverLintKind::UselessException => "lawful::lint::useless-exception",
        }
    }

    fn help(&self) -> Option<String> {
        Some(self.help.clone())
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }
}

/// One error per failed proof: a label on the assertion, and a note (on the declaration that
/// allowed the counterexample) with the subject, the question and the decision's explanation.
pub fn diagnostics(policy: &Policy, proofs: &[Proof]) -> Diagnostics {
    let mut out = Diagnostics::default();
    for proof in proofs {
        let Some(assertion) = policy.assertions.get(proof.assertion) else {
            continue;
        };
        let span = statement_span(policy, assertion.span, "assert");
        let text = policy.sources.snippet(span);
        let text = text.strip_prefix("assert").unwrap_or(text);
        let counterexample = match &proof.outcome {
            Outcome::Failed(counterexample) => counterexample,
            Outcome::Undecided(why) => {
                let help = match why {
                    Undecided::Budget { .. } => {
                        "raise the budget (`lawful check --case-budget N`), or narrow the \
                         assertion or the conditions it depends on (facts that several \
                         conditions read together multiply the cases)"
                    }
                    Undecided::EvaluatorError { .. } => {
                        "this is a bug in lawful: please report it with the policy"
                    }
                };
                let error = AssertionUndecided {
                    assertion: collapse(text),
                    why: why.to_string(),
                    help: help.to_owned(),
                };
                out.push(Diagnostic::new(
                    &error,
                    span,
                    format!("not proven ({} cases decided)", proof.cases),
                ));
                continue;
            }
            Outcome::Proved => continue,
        };
        let help = match &assertion.kind {
            AssertionKind::Never(_) => {
                "add a `deny` rule of the same shape, or change the declaration that allowed it"
            }
            AssertionKind::Only { .. } => {
                "remove the data from the purpose's `uses`, or deny that use with a `deny` rule"
            }
            AssertionKind::Requires { .. } => {
                "make it the purpose's only basis there, or narrow the assertion's regions"
            }
        };
        let error = AssertionFailed {
            assertion: collapse(text),
            help: help.to_owned(),
        };
        let label = match counterexample.atoms {
            0 => "fails for the plainest subject".to_owned(),
            1 => "fails for a subject with one fact set".to_owned(),
            n => format!("fails for a subject with {n} facts set"),
        };
        let (note_span, note) = note(policy, counterexample, span);
        out.push(Diagnostic::new(&error, span, label).with_related(note_span, note));
    }
    out
}

fn note(policy: &Policy, counterexample: &Counterexample, fallback: Span) -> (Span, String) {
    let span = counterexample
        .decision
        .rule_ref(policy)
        .map_or(fallback, |r| r.span);
    let text = format!(
        "counterexample: {}  {} is {}: {}",
        counterexample.subject_text(policy),
        counterexample.question.describe(policy),
        if counterexample.decision.allowed() {
            "allowed"
        } else {
            "denied"
        },
        counterexample.decision.explain(policy)
    );
    (span, text)
}

/// Whitespace runs collapsed to one space; long texts shortened.
fn collapse(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() > 100 {
        let cut: String = joined.chars().take(97).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// The part of an item's span from the line that starts with `keyword` (skipping its doc
/// comments and attributes), trailing whitespace trimmed.
pub(crate) fn statement_span(policy: &Policy, item: Span, keyword: &str) -> Span {
    let text = policy.sources.snippet(item);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with(keyword) {
            let indent = line.len() - line.trim_start().len();
            let start = item.start as usize + offset + indent;
            let body = text.get(offset + indent..).unwrap_or("").trim_end();
            return Span::new(item.source, start, start + body.len());
        }
        offset += line.len();
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `#[allow(name)]` is validated against the checker's list: every prover lint is on it,
    /// under the code its diagnostics carry.
    #[test]
    fn prover_lints_are_known_to_the_checker() {
        for kind in [
            ProverLintKind::UnreachablePurpose,
            ProverLintKind::ShadowedRule,
            ProverLintKind::UselessException,
        ] {
            assert!(
                crate::check::LINTS.contains(&kind.name()),
                "{}",
                kind.name()
            );
            let lint = ProverLint {
                kind,
                message: String::new(),
                help: String::new(),
            };
            assert_eq!(lint.code(), format!("lawful::lint::{}", kind.name()));
        }
    }
}
