//! The diff as text for people and as stable JSON for tools.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Change, ExampleSide, Impact, PolicyDiff, StatementChange};

/// The stable JSON shape of a diff (`lawful diff --format json`).
///
/// ```json
/// {
///   "old": "policies/anker.lawful",
///   "new": "edited/anker.lawful",
///   "widened": 1,
///   "narrowed": 0,
///   "neutral": 0,
///   "cases": 182340,
///   "changes": [
///     {
///       "impact": "widened",
///       "kind": "use_allowed",
///       "summary": "newly allows `marketing.ads` on `user.contact.email` in `EU` for subjects without consent (on the basis of legitimate_interest)",
///       "purpose": "marketing.ads",
///       "recipients": [],
///       "categories": ["user.contact.email"],
///       "fields": [],
///       "regions": ["AT", "BE", "…"],
///       "to_regions": [],
///       "example": {
///         "subject": "subject { region AT }",
///         "question": "use user.contact.email for marketing.ads in AT",
///         "old": { "outcome": "deny", "reason": "consent_missing", "basis": null, "safeguard": null,
///                  "rule": "consent", "obligations": [],
///                  "explanation": "`marketing.ads` may not use …" },
///         "new": { "outcome": "allow", "reason": "allowed", "basis": "legitimate_interest",
///                  "safeguard": null, "rule": "legitimate_interest in EU",
///                  "obligations": ["honour_objection"], "explanation": "…" }
///       }
///     }
///   ]
/// }
/// ```
///
/// - `old`, `new`: the labels the caller gave the two policies (the CLI: their paths).
/// - `complete`: `false` when the scan stopped at its budget (changes may be missing);
/// - `widened`, `narrowed`, `neutral`: how many changes have each `impact`; `cases`: how many
///   decisions (both policies counted) the exhaustive comparison made.
/// - `changes`: widened first, then narrowed, then neutral; within each, uses, disclosures,
///   transfers, retention, rules; then by `summary`.
/// - `impact`: `widened` | `narrowed` | `neutral`; `kind`: a
///   [`ChangeKind`](super::ChangeKind) code (`use_allowed`, `purpose_added`,
///   `basis_weakened`, `recipient_added`, `sale_added`, `transfer_allowed`,
///   `retention_extended`, `rule_renamed` …).
/// - `summary`: one sentence in privacy terms; sets of categories and regions are named by
///   the widest declared parent or group covering them exactly (at most 12 names, then
///   "and N more").
/// - `purpose`: the purpose (null for transfers and rule renames); `recipients`: for
///   disclosures; `categories`: every category name; `fields`: the field, for a change of a
///   field both policies declare but map to different categories (whose decisions follow the
///   category: `categories` is then empty); `regions`: every place (for a transfer,
///   every origin); `to_regions`: for a transfer, every destination. These lists are
///   complete and sorted.
/// - `example`: the simplest situation found: `subject` in test syntax (null for a transfer
///   about no particular subject and for retention), `question` in test syntax, and each
///   policy's answer: `outcome` `allow` | `deny` | `absent` (the policy does not declare a
///   name the question uses) | `retain` (a retention schedule); `reason` a decision reason
///   code; `basis`, `safeguard` and the deciding `rule` where there is one; `obligations`
///   (`honour_withdrawal`, `honour_objection`, `honour_opt_out(sale)`,
///   `retain_at_most(2 years after collected)`); `explanation` the decision's sentence (for
///   retention, the schedule).
/// - `statements`: changes to what the policy states but does not decide, each with
///   `impact`, `kind` (`security_measure_added`, `security_measure_removed`,
///   `security_measure_changed`, `response_time_extended`, `response_time_shortened`,
///   `response_time_changed`, `right_added`, `right_removed`, `right_terms_changed`,
///   `recipient_duty_added`, `recipient_duty_removed`, `recipient_limit_added`,
///   `recipient_limit_removed`, `data_source_added`, `data_source_removed`,
///   `data_source_changed`) and `summary`; counted in `widened`, `narrowed`, `neutral`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffJson<'a> {
    /// The old policy's label (its path, on the command line).
    pub old: &'a str,
    /// The new policy's label.
    pub new: &'a str,
    /// How many changes allow more.
    pub widened: usize,
    /// How many changes allow less.
    pub narrowed: usize,
    /// How many changes allow neither more nor less.
    pub neutral: usize,
    /// Decisions made to compute the diff (both policies counted).
    pub cases: u64,
    /// `false` when the scan stopped at its budget: changes may be missing.
    pub complete: bool,
    /// Every change, widened first.
    pub changes: &'a [Change],
    /// Every changed statement, widened first.
    pub statements: &'a [StatementChange],
}

impl PolicyDiff {
    /// The stable JSON shape; `old` and `new` label the policies.
    pub fn to_json<'a>(&'a self, old: &'a str, new: &'a str) -> DiffJson<'a> {
        DiffJson {
            old,
            new,
            widened: self.widened(),
            narrowed: self.narrowed(),
            neutral: self.neutral(),
            cases: self.cases,
            complete: self.complete,
            changes: &self.changes,
            statements: &self.statements,
        }
    }

    /// The diff for people: a count line, then each change with its example, widened first.
    pub fn render_human(&self, old: &str, new: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "lawful diff {old} → {new}: {} widened, {} narrowed, {} neutral",
            self.widened(),
            self.narrowed(),
            self.neutral()
        );
        if !self.complete {
            let _ = writeln!(
                out,
                "\nINCOMPLETE: the scan stopped at its budget after {} decisions; changes may \
                 be missing (raise it with `--case-budget`)",
                self.cases
            );
        }
        if !self.statements.is_empty() {
            let _ = writeln!(out, "\nstatements (not decisions):");
            for s in &self.statements {
                let mark = match s.impact {
                    Impact::Widened => '+',
                    Impact::Narrowed => '-',
                    Impact::Neutral => '~',
                };
                let _ = writeln!(out, "  {mark} {}", s.summary);
            }
        }
        if self.changes.is_empty() {
            if self.complete {
                let _ = writeln!(
                    out,
                    "\nno decision changes ({} decisions compared)",
                    self.cases
                );
            }
            return out;
        }
        for (impact, title, mark) in [
            (Impact::Widened, "widened (review required)", '+'),
            (Impact::Narrowed, "narrowed", '-'),
            (Impact::Neutral, "neutral", '~'),
        ] {
            let changes: Vec<&Change> =
                self.changes.iter().filter(|c| c.impact == impact).collect();
            if changes.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{title}:");
            for change in changes {
                let _ = writeln!(out, "  {mark} {}", change.summary);
                let example = &change.example;
                let subject = example
                    .subject
                    .as_deref()
                    .unwrap_or("no particular subject");
                let _ = writeln!(out, "      example: {subject}");
                let _ = writeln!(out, "               {}", example.question);
                // Obligations only where they tell the two answers apart.
                let obligations = example.old.obligations != example.new.obligations;
                for (label, side) in [("old", &example.old), ("new", &example.new)] {
                    let _ = writeln!(out, "          {label}: {}", side_text(side));
                    if obligations && !side.obligations.is_empty() {
                        let _ = writeln!(
                            out,
                            "               obligations: {}",
                            side.obligations.join(", ")
                        );
                    }
                }
            }
        }
        out
    }
}

fn side_text(side: &ExampleSide) -> String {
    let outcome = side.outcome.code();
    match (&side.reason, &side.basis) {
        (_, Some(basis)) => format!("{outcome} ({basis}): {}", side.explanation),
        (Some(reason), None) if reason != "allowed" => {
            format!("{outcome} ({reason}): {}", side.explanation)
        }
        _ => format!("{outcome}: {}", side.explanation),
    }
}
