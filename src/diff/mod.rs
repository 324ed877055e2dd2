//! Semantic diff of two policies: which decisions change between them, in privacy terms.
//!
//! [`diff`] asks every question both policies can tell apart — uses, disclosures, transfers
//! and retention — of both, for every subject the two evaluators can tell apart, and keeps
//! the decisions that differ. It is exact, not sampled: the question space is the prover's
//! finite quotient (see `crate::analysis` and [`crate::verify`]) taken over *both* policies at once.
//!
//! # How
//!
//! 1. **Names carry situations.** The two compiled policies number their declarations
//!    independently, so every region, category, purpose, recipient, subject kind and
//!    attribute is taken by name from the union of both (`universe.rs`). A name only one side
//!    declares is itself a change: the other side cannot ask the question, and its answer
//!    counts as a denial (a purpose, category or recipient added or removed).
//! 2. **Joint classes.** Regions and categories are grouped into classes that neither
//!    evaluator can tell apart: the partition refined by every region (category) set of the
//!    old policy *and* of the new one. One representative per class is exact for both.
//! 3. **Joint subjects.** Per question, the subject is cut to the atoms either side reads,
//!    denials included (`subjects.rs`), and every combination is asked of both policies,
//!    cheapest first (`verify::search::by_cost`), so each change keeps its simplest example.
//! 4. **Retention** is asked of both evaluators too (`retention.rs`): `decide_retention` on
//!    the same event timelines at anchor dates covering every calendar case (month lengths,
//!    leap years, end-of-month clamping, century years); the diff compares the dates they
//!    return and does no period arithmetic of its own.
//! 5. **Summaries.** Each change is keyed by what changed (a use newly allowed for subjects
//!    without consent, a recipient that now buys, a transfer now permitted …) and merged over
//!    the classes it happened in; the sets are named by the widest declared parent or group
//!    that covers them exactly (`describe.rs`).
//!
//! # Impact
//!
//! - **widened** (needs review): something denied is now allowed (a use, a disclosure, a
//!   transfer), a new recipient receives data, a disclosure became a sale or sharing for
//!   cross-context advertising, a disclosure now transfers data abroad (or to another
//!   place), data is kept longer (a maximum extended or removed, a minimum added or
//!   extended, or either changed both ways: longer for some dates, shorter for others, as
//!   `1 month` against `30 days`), or a legal basis became weaker (explicit consent → consent → opt-out or
//!   legitimate interest → contract, legal obligation, vital interest, public task: the
//!   less say the subject has, the weaker);
//! - **narrowed**: the reverse;
//! - **neutral**: a basis of the same strength, a changed transfer safeguard, a deny rule
//!   renamed or replaced by another that denies the same.
//!
//! A disclosure whose use changed is reported as well as the use (it says who receives
//! the data); a basis change is reported on the use only.

mod describe;
mod duties;
mod merge;
mod render;
mod retention;
mod scan;
mod subjects;
mod universe;

use serde::Serialize;

use crate::model::Policy;

pub use duties::{StatementChange, StatementKind};
pub use render::DiffJson;

/// How many decisions a diff may make unless told otherwise (both policies counted).
pub const DEFAULT_BUDGET: u64 = 50_000_000;

/// Compare two policies. Deterministic: the same two policies give the same diff.
pub fn diff(old: &Policy, new: &Policy) -> PolicyDiff {
    diff_within(old, new, DEFAULT_BUDGET)
}

/// [`diff`] with a budget of decisions. A scan that reaches it stops and the diff is
/// marked incomplete ([`PolicyDiff::complete`] is `false`): its changes are real, but
/// others may be missing.
pub fn diff_within(old: &Policy, new: &Policy, budget: u64) -> PolicyDiff {
    let u = universe::Universe::new(old, new);
    let mut scanner = scan::Scanner::new(&u, budget);
    scanner.run();
    let cases = scanner.cases;
    let complete = !scanner.exhausted;
    let changes = merge::merge(&u, scanner.cells);
    PolicyDiff {
        changes,
        statements: duties::compare(old, new),
        cases,
        complete,
    }
}

/// Every change between two policies, widened first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDiff {
    /// Every change, widened first, then narrowed, then neutral.
    pub changes: Vec<Change>,
    /// Changed statements that decide nothing (security measures, response times, terms of
    /// rights, recipients' duties and limits), widened first.
    pub statements: Vec<StatementChange>,
    /// Decisions made to compute the diff (both policies counted).
    pub cases: u64,
    /// Every case either policy can tell apart was decided: no change is missing. `false`
    /// when the budget stopped the scan — then "nothing widened" is not established.
    pub complete: bool,
}

impl PolicyDiff {
    /// How many changes (decisions and statements) have this impact.
    pub fn count(&self, impact: Impact) -> usize {
        self.changes.iter().filter(|c| c.impact == impact).count()
            + self
                .statements
                .iter()
                .filter(|c| c.impact == impact)
                .count()
    }

    /// How many changes allow more (each needs review).
    pub fn widened(&self) -> usize {
        self.count(Impact::Widened)
    }

    /// How many changes allow less.
    pub fn narrowed(&self) -> usize {
        self.count(Impact::Narrowed)
    }

    /// How many changes allow neither more nor less.
    pub fn neutral(&self) -> usize {
        self.count(Impact::Neutral)
    }

    /// No decision or statement changes (and the scan was complete).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.statements.is_empty() && self.complete
    }
}

/// What a change does to the protection of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Allows more: needs review.
    Widened,
    /// Allows less: data is better protected.
    Narrowed,
    /// Neither more nor less (a renamed rule, another safeguard, a basis of equal
    /// strength).
    Neutral,
}

impl Impact {
    /// The code used in JSON: `widened`, `narrowed` or `neutral`.
    pub fn code(self) -> &'static str {
        match self {
            Impact::Widened => "widened",
            Impact::Narrowed => "narrowed",
            Impact::Neutral => "neutral",
        }
    }
}

/// The kind of a change; [`ChangeKind::code`] is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A purpose the old policy does not declare is allowed a use.
    PurposeAdded,
    /// A purpose the new policy does not declare lost its uses.
    PurposeRemoved,
    /// A purpose is newly allowed a use (for some subjects or regions).
    UseAllowed,
    /// A purpose is no longer allowed a use.
    UseDenied,
    /// A use rests on a weaker basis (say, legitimate interest instead of consent).
    BasisWeakened,
    /// A use rests on a stronger basis (say, consent instead of legitimate interest).
    BasisStrengthened,
    /// A use rests on another basis of the same strength.
    BasisChanged,
    /// A recipient the old policy does not declare receives data.
    RecipientAdded,
    /// A recipient the new policy does not declare no longer receives data.
    RecipientRemoved,
    /// A recipient newly receives data.
    DisclosureAllowed,
    /// A recipient no longer receives data.
    DisclosureDenied,
    /// A disclosure is now a sale.
    SaleAdded,
    /// A disclosure is no longer a sale.
    SaleRemoved,
    /// A disclosure is now sharing (for targeted advertising).
    SharingAdded,
    /// A disclosure is no longer sharing.
    SharingRemoved,
    /// A disclosure now transfers the data to the recipient's location (or another one).
    DisclosureTransferAdded,
    /// A disclosure no longer transfers the data out of the region.
    DisclosureTransferRemoved,
    /// A disclosure's transfer relies on another safeguard.
    DisclosureSafeguardChanged,
    /// Data may newly go from one region to another.
    TransferAllowed,
    /// Data may no longer go from one region to another.
    TransferDenied,
    /// A transfer relies on another safeguard (`scc`, `adequacy` …).
    TransferSafeguardChanged,
    /// A maximum retention period is longer.
    RetentionExtended,
    /// A maximum retention period is shorter.
    RetentionShortened,
    /// A maximum that keeps data longer for some dates and shorter for others (`1 month`
    /// against `30 days`): widened.
    RetentionChanged,
    /// Data that had a maximum retention period has none.
    RetentionLimitRemoved,
    /// Data that had no maximum retention period has one.
    RetentionLimitAdded,
    /// Data must now be kept for a minimum period.
    MinimumRetentionAdded,
    /// A minimum retention period is longer.
    MinimumRetentionExtended,
    /// A minimum retention period is shorter.
    MinimumRetentionShortened,
    /// A minimum longer for some dates and shorter for others: widened.
    MinimumRetentionChanged,
    /// Data no longer has to be kept for a minimum period.
    MinimumRetentionRemoved,
    /// A deny rule denies the same under another name.
    RuleRenamed,
    /// What one deny rule denied, another now denies.
    RuleReplaced,
    /// A purpose may newly combine two kinds of data (a no-linkage promise dropped).
    CombinationAllowed,
    /// A purpose may no longer combine two kinds of data.
    CombinationDenied,
}

impl ChangeKind {
    /// The snake_case code used in JSON.
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::PurposeAdded => "purpose_added",
            ChangeKind::PurposeRemoved => "purpose_removed",
            ChangeKind::UseAllowed => "use_allowed",
            ChangeKind::UseDenied => "use_denied",
            ChangeKind::BasisWeakened => "basis_weakened",
            ChangeKind::BasisStrengthened => "basis_strengthened",
            ChangeKind::BasisChanged => "basis_changed",
            ChangeKind::RecipientAdded => "recipient_added",
            ChangeKind::RecipientRemoved => "recipient_removed",
            ChangeKind::DisclosureAllowed => "disclosure_allowed",
            ChangeKind::DisclosureDenied => "disclosure_denied",
            ChangeKind::SaleAdded => "sale_added",
            ChangeKind::SaleRemoved => "sale_removed",
            ChangeKind::SharingAdded => "sharing_added",
            ChangeKind::SharingRemoved => "sharing_removed",
            ChangeKind::DisclosureTransferAdded => "disclosure_transfer_added",
            ChangeKind::DisclosureTransferRemoved => "disclosure_transfer_removed",
            ChangeKind::DisclosureSafeguardChanged => "disclosure_safeguard_changed",
            ChangeKind::TransferAllowed => "transfer_allowed",
            ChangeKind::TransferDenied => "transfer_denied",
            ChangeKind::TransferSafeguardChanged => "transfer_safeguard_changed",
            ChangeKind::RetentionExtended => "retention_extended",
            ChangeKind::RetentionShortened => "retention_shortened",
            ChangeKind::RetentionChanged => "retention_changed",
            ChangeKind::RetentionLimitRemoved => "retention_limit_removed",
            ChangeKind::RetentionLimitAdded => "retention_limit_added",
            ChangeKind::MinimumRetentionAdded => "minimum_retention_added",
            ChangeKind::MinimumRetentionExtended => "minimum_retention_extended",
            ChangeKind::MinimumRetentionShortened => "minimum_retention_shortened",
            ChangeKind::MinimumRetentionChanged => "minimum_retention_changed",
            ChangeKind::MinimumRetentionRemoved => "minimum_retention_removed",
            ChangeKind::RuleRenamed => "rule_renamed",
            ChangeKind::RuleReplaced => "rule_replaced",
            ChangeKind::CombinationAllowed => "combination_allowed",
            ChangeKind::CombinationDenied => "combination_denied",
        }
    }
}

/// One change, merged over every situation it happens in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Whether it allows more, less, or neither.
    pub impact: Impact,
    /// What changed.
    pub kind: ChangeKind,
    /// One sentence: "newly allows `marketing.ads` on `user.contact.email` in `EU` for
    /// subjects without consent (on the basis of legitimate_interest)".
    pub summary: String,
    /// The purpose concerned, by name; `None` for transfers, renamed rules and retention
    /// not tied to a purpose.
    pub purpose: Option<String>,
    /// Recipients (disclosures).
    pub recipients: Vec<String>,
    /// Every category it happens for, by name (empty for a change about a field).
    pub categories: Vec<String>,
    /// The field, for a change of a field both policies declare but map to different
    /// categories.
    pub fields: Vec<String>,
    /// Every place it happens in (for a transfer: every origin), by name.
    pub regions: Vec<String>,
    /// For a transfer, every destination.
    pub to_regions: Vec<String>,
    /// One concrete situation, the simplest found.
    pub example: Example,
}

/// A situation in which the change shows: a subject, a question, both answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// The subject in test syntax (`subject { region DE  age 15 }`); `None` for a transfer
    /// asked about no particular subject, or retention.
    pub subject: Option<String>,
    /// The question in test syntax (`use user.contact.email for marketing.ads in DE`).
    pub question: String,
    /// The old policy's answer.
    pub old: ExampleSide,
    /// The new policy's answer.
    pub new: ExampleSide,
}

/// One policy's answer in an example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExampleSide {
    /// Allowed, denied, a name the policy lacks, or a retention schedule.
    pub outcome: SideOutcome,
    /// The reason code (`consent_missing` …) of a decision.
    pub reason: Option<String>,
    /// The legal basis that allowed it (`consent`, `opt_out(sale)` …); `None` without one.
    pub basis: Option<String>,
    /// The transfer safeguard relied on (`scc` …); `None` without one.
    pub safeguard: Option<String>,
    /// The deciding declaration.
    pub rule: Option<String>,
    /// What the controller must do when it goes ahead (`honour_opt_out(sale)` …).
    pub obligations: Vec<String>,
    /// The decision's explanation; for retention, the schedule that applies.
    pub explanation: String,
}

/// The kind of answer one policy gives in an [`Example`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SideOutcome {
    /// The question is allowed.
    Allow,
    /// The question is denied.
    Deny,
    /// The policy does not declare a name the question uses.
    Absent,
    /// A retention schedule.
    Retain,
}

impl SideOutcome {
    /// The code used in JSON: `allow`, `deny`, `absent` or `retain`.
    pub fn code(self) -> &'static str {
        match self {
            SideOutcome::Allow => "allow",
            SideOutcome::Deny => "deny",
            SideOutcome::Absent => "absent",
            SideOutcome::Retain => "retain",
        }
    }
}
