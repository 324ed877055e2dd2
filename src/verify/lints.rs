//! Lints the prover makes cheap, on the checked file's own declarations:
//!
//! - `unreachable-purpose`: a purpose that declares uses, yet no subject is ever allowed any
//!   of them, for any category in any region.
//! - `shadowed-rule`: a `deny` rule that never decides anything: an earlier rule denies
//!   everything it matches, or every question it matches is denied before it is reached. A
//!   rule restating the closed world (an explicit promise such as "we never sell") is not
//!   shadowed: the closed-world denials of what it forbids cite it.
//! - `useless-exception`: an `except` that never allows anything: removing it would turn no
//!   allowed decision into a denial (it applies only where something else denies anyway).

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{DenyRule, Except, IdSet, Policy, PurposeId, RuleAction};
use crate::source::{SourceId, Span};
use crate::subject::Subject;

use super::prove::Reach;
use super::report::{ProverLint, ProverLintKind};
use super::Verifier;
use crate::analysis::atoms::Goal;

impl Verifier<'_> {
    /// The prover's lint warnings for the declarations in `root`.
    pub fn lints(&self, root: SourceId) -> Diagnostics {
        let mut out = Diagnostics::default();
        // Without regions no question can be asked at all: reachability says nothing.
        if self.policy.regions.is_empty() {
            return out;
        }
        self.unreachable_purposes(root, &mut out);
        let shadowed = self.shadowed_rules(root, &mut out);
        self.useless_exceptions(root, &shadowed, &mut out);
        out
    }

    fn unreachable_purposes(&self, root: SourceId, out: &mut Diagnostics) {
        let policy = self.policy;
        let all = IdSet::full(policy.categories.len());
        for (index, purpose) in policy.purposes.iter().enumerate() {
            if !purpose.declared
                || purpose.info.span.source != root
                || purpose.uses.is_empty()
                || purpose.bases.is_empty()
                // The text states no basis anywhere: the `basis-unstated` lint says so.
                || purpose
                    .bases
                    .iter()
                    .all(|b| b.alternatives.contains(&crate::model::Basis::Unstated))
            {
                continue;
            }
            let id = PurposeId(crate::analysis::space::to_u32(index));
            let questions = self.use_questions(id, &all, None, Reach::Allowed);
            self.start_proof();
            let reachable = self
                .any(questions, &[], Goal::Permissive, &mut |_, _, d| d.allowed())
                .is_some();
            // A search cut short proves nothing: no warning on a guess.
            if reachable || self.undecided().is_some() {
                continue;
            }
            let error = ProverLint {
                kind: ProverLintKind::UnreachablePurpose,
                message: format!(
                    "no subject can ever be allowed to use data for purpose `{}`",
                    purpose.info.name
                ),
                help: "every use is denied, for every subject in every region: check the \
                       purpose's bases and their `when`, its `subjects` and `children`, and the \
                       deny rules; or remove the purpose"
                    .to_owned(),
            };
            let mut diagnostic = Diagnostic::new(&error, purpose.info.span, "never allowed");
            if let Some((span, note)) = self.example_denial(id) {
                diagnostic = diagnostic.with_related(span, note);
            }
            out.push(diagnostic);
        }
    }

    /// Why a plain subject is denied the purpose's first use, for the note.
    fn example_denial(&self, purpose: PurposeId) -> Option<(Span, String)> {
        let policy = self.policy;
        let all = IdSet::full(policy.categories.len());
        let question = self.use_questions(purpose, &all, None, Reach::Any).next()?;
        let subject = Subject {
            attributes: vec![None; policy.attributes.len()],
            ..Subject::new(policy)
        };
        let decision = question.decide(policy, Some(&subject)).ok()?;
        let rule = decision.rule_ref(policy)?;
        Some((rule.span, format!("e.g. {}", decision.explain(policy))))
    }

    /// Warn about rules that never decide; returns which rules are shadowed.
    fn shadowed_rules(&self, root: SourceId, out: &mut Diagnostics) -> Vec<bool> {
        let policy = self.policy;
        let mut shadowed = vec![false; policy.rules.len()];
        for (index, rule) in policy.rules.iter().enumerate() {
            if rule.info.span.source != root {
                continue;
            }
            let earlier = policy
                .rules
                .get(..index)
                .unwrap_or(&[])
                .iter()
                .find(|e| subsumes(e, rule));
            let (help, related) = match earlier {
                Some(e) => (
                    format!(
                        "`{}` above already denies everything it matches: remove this rule, or \
                         widen or narrow one of them",
                        e.info.name
                    ),
                    Some((e.info.span, "this rule denies it first".to_owned())),
                ),
                None => {
                    // A rule that matches nothing a purpose or recipient declares restates
                    // the closed world (an explicit promise, "we never sell"): the denials
                    // of what it names cite it, so it is no noise.
                    let mut questions = self.rule_questions(rule, Reach::Any).peekable();
                    if questions.peek().is_none() {
                        continue;
                    }
                    let provenance = rule.provenance;
                    self.start_proof();
                    // It decides when some denial cites it: a closed-world denial it also
                    // forbids cites it too.
                    let decides = self
                        .any(questions, &[], Goal::Decides, &mut |_, _, d| {
                            !d.allowed() && d.rule == Some(provenance)
                        })
                        .is_some();
                    if decides || self.undecided().is_some() {
                        continue;
                    }
                    let help = "whatever it matches is denied before it is reached (by an \
                                earlier rule or the children rules) or exempted by its own \
                                exceptions: remove it, or `#[allow(shadowed-rule)]` to keep it \
                                as a safeguard";
                    (help.to_owned(), None)
                }
            };
            if let Some(slot) = shadowed.get_mut(index) {
                *slot = true;
            }
            let error = ProverLint {
                kind: ProverLintKind::ShadowedRule,
                message: format!("deny rule `{}` never decides anything", rule.info.name),
                help,
            };
            let mut diagnostic = Diagnostic::new(&error, rule.info.span, "shadowed");
            if let Some((span, note)) = related {
                diagnostic = diagnostic.with_related(span, note);
            }
            out.push(diagnostic);
        }
        shadowed
    }

    fn useless_exceptions(&self, root: SourceId, shadowed: &[bool], out: &mut Diagnostics) {
        let policy = self.policy;
        let mut modified: Option<Policy> = None;
        for (index, rule) in policy.rules.iter().enumerate() {
            if rule.info.span.source != root
                || rule.excepts.is_empty()
                || shadowed.get(index).copied().unwrap_or(false)
            {
                continue;
            }
            for k in 0..rule.excepts.len() {
                let changed = {
                    let modified = modified.get_or_insert_with(|| policy.clone());
                    let Some(removed) = take_except(modified, index, k) else {
                        continue;
                    };
                    self.start_proof();
                    let changed = {
                        let modified: &Policy = modified;
                        self.any(
                            self.rule_questions(rule, Reach::Allowed),
                            &[],
                            Goal::Permissive,
                            &mut |subject, question, decision| {
                                decision.allowed()
                                    && question
                                        .decide(modified, subject)
                                        .is_ok_and(|d| !d.allowed())
                            },
                        )
                        .is_some()
                    };
                    put_except(modified, index, k, removed);
                    changed || self.undecided().is_some()
                };
                if changed {
                    continue;
                }
                let error = ProverLint {
                    kind: ProverLintKind::UselessException,
                    message: format!(
                        "this exception of deny rule `{}` never allows anything",
                        rule.info.name
                    ),
                    help: "wherever it applies, something else denies anyway (an earlier step, \
                           another rule, the closed world): removing it would allow nothing less; \
                           remove it, or fix what denies"
                        .to_owned(),
                };
                let span = except_span(policy, rule.info.span, k);
                out.push(Diagnostic::new(&error, span, "allows nothing"));
            }
        }
    }
}

fn take_except(policy: &mut Policy, rule: usize, k: usize) -> Option<Except> {
    let excepts = &mut policy.rules.get_mut(rule)?.excepts;
    (k < excepts.len()).then(|| excepts.remove(k))
}

fn put_except(policy: &mut Policy, rule: usize, k: usize, except: Except) {
    if let Some(rule) = policy.rules.get_mut(rule) {
        let k = k.min(rule.excepts.len());
        rule.excepts.insert(k, except);
    }
}

/// `earlier` matches everything `later` does, and is looked at first: it has at most the
/// same condition, a subset of the exceptions, and wider selectors.
fn subsumes(earlier: &DenyRule, later: &DenyRule) -> bool {
    let within = |small: &IdSet, big: &IdSet| small.iter().all(|i| big.contains(i));
    let action = match (&earlier.action, &later.action) {
        (RuleAction::Use { purposes: a }, RuleAction::Use { purposes: b }) => within(b, a),
        (
            RuleAction::Disclose {
                recipients: ra,
                kinds: ka,
                purposes: pa,
            },
            RuleAction::Disclose {
                recipients: rb,
                kinds: kb,
                purposes: pb,
            },
        ) => within(rb, ra) && kb & !ka == 0 && within(pb, pa),
        (RuleAction::Sell, RuleAction::Sell) | (RuleAction::Share, RuleAction::Share) => true,
        (RuleAction::Transfer { from: fa, to: ta }, RuleAction::Transfer { from: fb, to: tb }) => {
            within(fb, fa) && within(tb, ta)
        }
        _ => false,
    };
    action
        && (earlier.when.is_none() || earlier.when == later.when)
        && earlier
            .excepts
            .iter()
            .all(|e| later.excepts.iter().any(|l| same_except(e, l)))
        && within(&later.categories, &earlier.categories)
        && within(&later.regions, &earlier.regions)
}

fn same_except(a: &Except, b: &Except) -> bool {
    a.when == b.when
        && a.purposes == b.purposes
        && a.regions == b.regions
        && a.to_regions == b.to_regions
        && a.recipients == b.recipients
}

/// The `k`-th `except …` clause after a rule's name, up to the next clause or the end of
/// its line (the rule's name when it cannot be found).
fn except_span(policy: &Policy, name: Span, k: usize) -> Span {
    let Some(file) = policy.sources.get(name.source) else {
        return name;
    };
    let text: &str = &file.text;
    let start = name.end as usize;
    let Some(rest) = text.get(start..) else {
        return name;
    };
    let bytes = rest.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
    let mut found = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() && found.len() <= k + 1 {
        let b = bytes.get(i).copied().unwrap_or(b' ');
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if rest.get(i..).is_some_and(|r| r.starts_with("//")) {
            while i < bytes.len() && bytes.get(i) != Some(&b'\n') {
                i += 1;
            }
            continue;
        } else if rest.get(i..).is_some_and(|r| r.starts_with("except"))
            && (i == 0 || !bytes.get(i - 1).copied().is_some_and(ident))
            && !bytes.get(i + 6).copied().is_some_and(ident)
        {
            found.push(i);
            i += 6;
            continue;
        }
        i += 1;
    }
    let Some(&from) = found.get(k) else {
        return name;
    };
    let line_end = rest
        .get(from..)
        .and_then(|r| r.find(['\n', '\r']))
        .map_or(rest.len(), |e| from + e);
    let mut end = found
        .get(k + 1)
        .copied()
        .filter(|&next| next < line_end)
        .unwrap_or(line_end);
    if let Some(comment) = rest.get(from..end).and_then(|r| r.find("//")) {
        end = from + comment;
    }
    let clause = rest.get(from..end).unwrap_or("").trim_end();
    Span::new(name.source, start + from, start + from + clause.len())
}
