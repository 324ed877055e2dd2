//! What the checker reports. Codes are stable: `lawful::check::*` for errors,
//! `lawful::lint::*` (kebab-case, silenceable with `#[allow(...)]`) for warnings.

use crate::diagnostic::{did_you_mean, DiagnosticKind, Severity};

/// The kinds of names a policy declares or refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A region or group.
    Region,
    /// A data category.
    Category,
    /// A field.
    Field,
    /// A field or a category (queries accept either).
    Data,
    /// A purpose.
    Purpose,
    /// A recipient.
    Recipient,
    /// A recipient kind (`processor` …).
    RecipientKind,
    /// A category flag.
    Flag,
    /// A subject kind.
    SubjectKind,
    /// A subject attribute.
    Attribute,
    /// An attribute type (`bool`, `int`, `string`, `set`).
    AttributeType,
    /// A retention event.
    Event,
    /// A regime fact (from `std::regimes`).
    Fact,
    /// A legal basis.
    Basis,
    /// An opt-out kind (`sale` …).
    OptOutKind,
    /// A GDPR Art. 9(2) condition.
    Art9Condition,
    /// A transfer safeguard.
    Safeguard,
    /// A condition word (`subject.child` …).
    Predicate,
    /// A property of a test subject.
    SubjectField,
    /// What a purpose survives (`restriction`, `erasure`).
    Survival,
    /// A children treatment (`deny`, `allow`, `require_parental_consent`).
    Treatment,
    /// The unknown-age default (`child` or `adult`).
    AgeDefault,
    /// A flag of a test subject.
    SubjectFlag,
    /// A reason code in an `expect` line.
    Reason,
    /// A retention verdict in an `expect` line.
    Verdict,
    /// A rule name.
    Rule,
    /// A data subject right.
    Right,
    /// A lint name in `#[allow(…)]`.
    Lint,
    /// A circumstance (`legal_claims_brought` …).
    Circumstance,
    /// A retention note in an `expect` line (`no_limit` …).
    RetentionNote,
    /// A direct-marketing channel (`email`, `sms`, `push`, `phone`).
    Channel,
}

impl NameKind {
    /// The kind in words, as messages say it: `region`, `legal basis` …
    pub fn noun(self) -> &'static str {
        match self {
            NameKind::Region => "region",
            NameKind::Category => "category",
            NameKind::Field => "field",
            NameKind::Data => "field or category",
            NameKind::Purpose => "purpose",
            NameKind::Recipient => "recipient",
            NameKind::RecipientKind => "recipient kind",
            NameKind::Flag => "flag",
            NameKind::SubjectKind => "subject kind",
            NameKind::Attribute => "subject attribute",
            NameKind::AttributeType => "attribute type",
            NameKind::Event => "event",
            NameKind::Fact => "regime fact",
            NameKind::Basis => "legal basis",
            NameKind::OptOutKind => "opt-out kind",
            NameKind::Art9Condition => "Art. 9 condition",
            NameKind::Safeguard => "transfer safeguard",
            NameKind::Predicate => "condition",
            NameKind::SubjectField => "subject property",
            NameKind::Survival => "survival",
            NameKind::Treatment => "children treatment",
            NameKind::AgeDefault => "unknown-age default",
            NameKind::SubjectFlag => "subject flag",
            NameKind::Reason => "reason code",
            NameKind::Verdict => "retention verdict",
            NameKind::Rule => "rule",
            NameKind::Right => "data subject right",
            NameKind::Lint => "lint",
            NameKind::Circumstance => "circumstance",
            NameKind::RetentionNote => "retention note",
            NameKind::Channel => "channel",
        }
    }

    /// Whether a policy can declare names of this kind (a region, a purpose …); the others
    /// are fixed lists (rights, bases, recipient kinds …).
    pub(super) fn declarable(self) -> bool {
        matches!(
            self,
            NameKind::Region
                | NameKind::Category
                | NameKind::Field
                | NameKind::Data
                | NameKind::Purpose
                | NameKind::Recipient
                | NameKind::Flag
                | NameKind::SubjectKind
                | NameKind::Attribute
                | NameKind::Event
                | NameKind::Fact
                | NameKind::Rule
        )
    }

    fn unknown_code(self) -> &'static str {
        match self {
            NameKind::Region => "lawful::check::unknown_region",
            NameKind::Category => "lawful::check::unknown_category",
            NameKind::Field => "lawful::check::unknown_field",
            NameKind::Data => "lawful::check::unknown_data",
            NameKind::Purpose => "lawful::check::unknown_purpose",
            NameKind::Recipient => "lawful::check::unknown_recipient",
            NameKind::RecipientKind => "lawful::check::unknown_recipient_kind",
            NameKind::Flag => "lawful::check::unknown_flag",
            NameKind::SubjectKind => "lawful::check::unknown_subject_kind",
            NameKind::Attribute => "lawful::check::unknown_attribute",
            NameKind::AttributeType => "lawful::check::unknown_attribute_type",
            NameKind::Event => "lawful::check::unknown_event",
            NameKind::Fact => "lawful::check::unknown_fact",
            NameKind::Basis => "lawful::check::unknown_basis",
            NameKind::OptOutKind => "lawful::check::unknown_opt_out_kind",
            NameKind::Art9Condition => "lawful::check::unknown_art9_condition",
            NameKind::Safeguard => "lawful::check::unknown_safeguard",
            NameKind::Predicate => "lawful::check::unknown_predicate",
            NameKind::SubjectField => "lawful::check::unknown_subject_property",
            NameKind::Survival => "lawful::check::unknown_survival",
            NameKind::Treatment => "lawful::check::unknown_treatment",
            NameKind::AgeDefault => "lawful::check::unknown_age_default",
            NameKind::SubjectFlag => "lawful::check::unknown_subject_flag",
            NameKind::Reason => "lawful::check::unknown_reason",
            NameKind::Verdict => "lawful::check::unknown_verdict",
            NameKind::Rule => "lawful::check::unknown_rule",
            NameKind::Right => "lawful::check::unknown_right",
            NameKind::Lint => "lawful::lint::unknown-lint",
            NameKind::Circumstance => "lawful::check::unknown_circumstance",
            NameKind::RetentionNote => "lawful::check::unknown_retention_note",
            NameKind::Channel => "lawful::check::unknown_channel",
        }
    }
}

/// A problem the checker finds in a policy. Codes are `lawful::check::*` (errors) and
/// `lawful::lint::*` (warnings).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// A name the policy does not declare (`lawful::check::unknown_KIND`).
    #[error("unknown {} `{name}`", kind.noun())]
    Unknown {
        /// What kind of name.
        kind: NameKind,
        /// The name as written.
        name: String,
        /// The closest declared name; `None` when nothing is close.
        suggestion: Option<String>,
        /// Shown when there is no close match and the set of names is small.
        choices: Vec<String>,
    },
    /// A name declared twice (`lawful::check::duplicate_declaration`).
    #[error("{} `{name}` is declared twice", kind.noun())]
    Duplicate {
        /// What kind of name.
        kind: NameKind,
        /// The name.
        name: String,
    },
    /// Two `policy { … }` headers (`lawful::check::duplicate_policy_header`).
    #[error("the policy header is given twice")]
    DuplicatePolicyHeader,
    /// Regions that contain each other in a circle (`lawful::check::region_cycle`).
    #[error("region containment cycle: {chain}")]
    RegionCycle {
        /// The regions of the cycle, in order.
        chain: String,
    },
    /// A purpose with no `basis` declaration (`lawful::check::missing_basis`).
    #[error("purpose `{purpose}` has no legal basis")]
    MissingBasis {
        /// The purpose.
        purpose: String,
    },
    /// A special category used without explicit consent or an Art. 9 condition
    /// (`lawful::check::special_category_without_art9`).
    #[error("purpose `{purpose}` uses special category `{category}` on a basis that is not explicit consent")]
    SpecialWithoutArt9 {
        /// The purpose.
        purpose: String,
        /// The special category.
        category: String,
    },
    /// A retention expectation gives an event for a purpose, but the event is not declared
    /// `per purpose` (`lawful::check::event_not_per_purpose`).
    #[error("event `{event}` is not declared `per purpose`: it cannot be given for a purpose")]
    EventNotPerPurpose {
        /// The event's name.
        event: String,
    },
    /// A minimum retention longer than the maximum (`lawful::check::retention_conflict`).
    #[error("retention of `{data}`: the minimum ({min}) is longer than the maximum ({max})")]
    RetentionConflict {
        /// The data, by name.
        data: String,
        /// The minimum period, as written.
        min: String,
        /// The maximum period, as written.
        max: String,
    },
    /// More regions and groups than the evaluator supports
    /// (`lawful::check::too_many_regions`).
    #[error("the policy declares {count} regions and groups, more than the limit of {limit}")]
    TooManyRegions {
        /// How many the policy declares.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A period too long for the calendar (`lawful::check::duration_out_of_range`).
    #[error("`{text}` is longer than {limit}, the longest period the calendar can answer")]
    DurationOutOfRange {
        /// The period as written.
        text: String,
        /// The longest period allowed, in words.
        limit: String,
    },
    /// A value of the wrong type, e.g. in a comparison (`lawful::check::type_mismatch`).
    #[error("`{what}`: expected {expected}, found {found}")]
    TypeMismatch {
        /// What the value is for.
        what: String,
        /// The type expected, in words.
        expected: String,
        /// The type found, in words.
        found: String,
    },
    /// A `when` condition that cannot be compiled (`lawful::check::invalid_condition`).
    #[error("{message}")]
    InvalidCondition {
        /// What is wrong.
        message: String,
        /// The fix.
        help: String,
    },
    /// An age that is no valid age (`lawful::check::age_out_of_range`).
    #[error("age `{value}` is out of range")]
    AgeOutOfRange {
        /// The age as written.
        value: i64,
    },
    /// A name declared as both a field and a category (`lawful::check::ambiguous_name`).
    #[error("`{name}` is both a field and a category")]
    AmbiguousName {
        /// The name.
        name: String,
    },
    /// A selector (`user.*`) that cannot stand where it is
    /// (`lawful::check::invalid_selector`).
    #[error("`{text}` cannot select {what}")]
    InvalidSelector {
        /// The selector as written.
        text: String,
        /// What it would have to select, in words.
        what: &'static str,
        /// The fix.
        help: &'static str,
    },
    /// A `basis` declaration that cannot hold as written (`lawful::check::invalid_basis`).
    #[error("{message}")]
    InvalidBasis {
        /// What is wrong.
        message: String,
        /// The fix.
        help: String,
    },
    /// An `expect` line that cannot be checked (`lawful::check::invalid_expectation`).
    #[error("{message}")]
    InvalidExpectation {
        /// What is wrong.
        message: String,
        /// The fix.
        help: String,
    },
    /// A test subject that withdraws a consent it never gave
    /// (`lawful::check::withdrawal_without_consent`): a contradiction, not a subject.
    #[error("the test subject withdraws its consent to `{purpose}`, which it never gave")]
    WithdrawalWithoutConsent {
        /// The purpose (or the recipient, or `transfer REGION`).
        purpose: String,
        /// `to ` for a consent to a recipient or a transfer (`withdrawn to acme …`), else
        /// empty.
        to: &'static str,
    },
    /// A test question with no region to decide in (`lawful::check::missing_region`).
    #[error("the query names no region and the test subject has none")]
    MissingRegion,
    /// A regime fact with no value for a region that uses it
    /// (`lawful::check::missing_fact_value`).
    #[error("regime fact `{fact}` has no value for `{region}`")]
    MissingFactValue {
        /// The fact.
        fact: String,
        /// The region.
        region: String,
    },
    /// An `except` on a group that lists its members (`lawful::check::invalid_group`).
    #[error("group `{name}` lists its members, so `except` has nothing to narrow")]
    InvalidGroup {
        /// The group.
        name: String,
    },
    /// A dotted name with too many segments (`lawful::check::name_too_deep`).
    #[error("`{name}` has {segments} segments, more than the limit of {limit}")]
    NameTooDeep {
        /// The name.
        name: String,
        /// How many segments it has.
        segments: usize,
        /// The limit.
        limit: usize,
    },
    /// A `rights` entry that cannot stand as written (`lawful::check::invalid_right`).
    #[error("{message}")]
    InvalidRight {
        /// What is wrong.
        message: String,
        /// The fix.
        help: String,
    },
    /// More circumstances than a question can carry
    /// (`lawful::check::too_many_circumstances`).
    #[error("{count} circumstances are declared, more than the limit of {limit}")]
    TooManyCircumstances {
        /// How many are declared.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A condition of a transfer or localisation that reads something other than
    /// circumstances (`lawful::check::condition_reads_subject`).
    #[error("a condition of a `{place}` may only test circumstances")]
    ConditionReadsSubject {
        /// `transfer` or `localize`.
        place: &'static str,
    },
    /// An `overrides objection` that cannot stand as written
    /// (`lawful::check::invalid_objection_override`).
    #[error("{message}")]
    InvalidObjectionOverride {
        /// What is wrong.
        message: String,
        /// The fix.
        help: String,
    },
    /// A transfer safeguard that cannot stand as written, e.g. `with unstated` beside
    /// `requires consent`, which names one (`lawful::check::invalid_safeguard`).
    #[error("{message}")]
    InvalidSafeguard {
        /// What is wrong.
        message: String,
        /// The fix.
        help: String,
    },
    /// A `combine` rule or assertion that cannot stand as written
    /// (`lawful::check::invalid_combination`).
    #[error("{message}")]
    InvalidCombination {
        /// What is wrong.
        message: String,
        /// The fix.
        help: String,
    },
    /// A `purpose other` clause that cannot hold as written: a basis other than consent,
    /// or a purpose two clauses cover (`lawful::check::invalid_other_purposes`).
    #[error("{message}")]
    InvalidOtherPurposes {
        /// What is wrong.
        message: String,
        /// The fix.
        help: String,
    },
    /// A security measure named twice in `security { … }`
    /// (`lawful::check::duplicate_measure`).
    #[error("the security measure `{name}` is stated twice")]
    DuplicateMeasure {
        /// The measure's name.
        name: String,
    },
    /// A `source` declared twice (`lawful::check::duplicate_source`).
    #[error("the source `{name}` is declared twice")]
    DuplicateSource {
        /// The source's name.
        name: String,
    },
    /// A `source … for P` whose data P does not use (`lawful::check::source_outside_purpose`).
    #[error("purpose `{purpose}` uses none of the data source `{source_name}` provides")]
    SourceOutsidePurpose {
        /// The source.
        source_name: String,
        /// The purpose.
        purpose: String,
    },
    /// A recipient's `never for …` limit that leaves it no purpose
    /// (`lawful::check::invalid_recipient_limit`).
    #[error("recipient `{recipient}` may not pursue any of its purposes")]
    InvalidRecipientLimit {
        /// The recipient.
        recipient: String,
    },
    /// `channel …` on a purpose that is not `direct_marketing`: only a marketing opt-out
    /// reads channels (`lawful::check::channel_without_direct_marketing`).
    #[error("`{purpose}` names a channel but is not direct marketing")]
    ChannelWithoutDirectMarketing {
        /// The purpose.
        purpose: String,
    },
    /// A test subject's timed opt-out that contradicts itself or limits a kind that takes
    /// no limit (`lawful::check::invalid_opt_out`).
    #[error("{message}")]
    InvalidOptOut {
        /// What is wrong.
        message: String,
        /// The fix.
        help: String,
    },
    /// A warning: its name is the lint's name.
    #[error("{message}")]
    Lint {
        /// The lint's name, kebab-case (one of [`LINTS`]).
        lint: &'static str,
        /// What was found.
        message: String,
        /// The fix.
        help: String,
    },
}

/// Lints (warnings) the checker knows; names are kebab-case.
pub const LINTS: &[&str] = &[
    "unused-category",
    "unused-field",
    "unused-recipient",
    "empty-purpose",
    "purpose-without-retention",
    "basis-gap",
    "basis-unstated",
    "safeguard-unstated",
    "unknown-lint",
    "shadowed-rule",
    "unreachable-purpose",
    "useless-exception",
];

impl DiagnosticKind for CheckError {
    fn code(&self) -> &'static str {
        match self {
            CheckError::Unknown { kind, .. } => kind.unknown_code(),
            CheckError::Duplicate { .. } => "lawful::check::duplicate_declaration",
            CheckError::DuplicatePolicyHeader => "lawful::check::duplicate_policy_header",
            CheckError::RegionCycle { .. } => "lawful::check::region_cycle",
            CheckError::MissingBasis { .. } => "lawful::check::missing_basis",
            CheckError::SpecialWithoutArt9 { .. } => "lawful::check::special_category_without_art9",
            CheckError::RetentionConflict { .. } => "lawful::check::retention_conflict",
            CheckError::EventNotPerPurpose { .. } => "lawful::check::event_not_per_purpose",
            CheckError::DurationOutOfRange { .. } => "lawful::check::duration_out_of_range",
            CheckError::TooManyRegions { .. } => "lawful::check::too_many_regions",
            CheckError::TypeMismatch { .. } => "lawful::check::type_mismatch",
            CheckError::InvalidCondition { .. } => "lawful::check::invalid_condition",
            CheckError::AgeOutOfRange { .. } => "lawful::check::age_out_of_range",
            CheckError::AmbiguousName { .. } => "lawful::check::ambiguous_name",
            CheckError::InvalidSelector { .. } => "lawful::check::invalid_selector",
            CheckError::InvalidBasis { .. } => "lawful::check::invalid_basis",
            CheckError::InvalidExpectation { .. } => "lawful::check::invalid_expectation",
            CheckError::WithdrawalWithoutConsent { .. } => {
                "lawful::check::withdrawal_without_consent"
            }
            CheckError::MissingRegion => "lawful::check::missing_region",
            CheckError::MissingFactValue { .. } => "lawful::check::missing_fact_value",
            CheckError::InvalidGroup { .. } => "lawful::check::invalid_group",
            CheckError::NameTooDeep { .. } => "lawful::check::name_too_deep",
            CheckError::InvalidRight { .. } => "lawful::check::invalid_right",
            CheckError::TooManyCircumstances { .. } => "lawful::check::too_many_circumstances",
            CheckError::ConditionReadsSubject { .. } => "lawful::check::condition_reads_subject",
            CheckError::InvalidObjectionOverride { .. } => {
                "lawful::check::invalid_objection_override"
            }
            CheckError::InvalidCombination { .. } => "lawful::check::invalid_combination",
            CheckError::InvalidSafeguard { .. } => "lawful::check::invalid_safeguard",
            CheckError::InvalidOtherPurposes { .. } => "lawful::check::invalid_other_purposes",
            CheckError::DuplicateMeasure { .. } => "lawful::check::duplicate_measure",
            CheckError::DuplicateSource { .. } => "lawful::check::duplicate_source",
            CheckError::SourceOutsidePurpose { .. } => "lawful::check::source_outside_purpose",
            CheckError::InvalidRecipientLimit { .. } => "lawful::check::invalid_recipient_limit",
            CheckError::ChannelWithoutDirectMarketing { .. } => {
                "lawful::check::channel_without_direct_marketing"
            }
            CheckError::InvalidOptOut { .. } => "lawful::check::invalid_opt_out",
            CheckError::Lint { lint, .. } => match *lint {
                "unused-category" => "lawful::lint::unused-category",
                "unused-field" => "lawful::lint::unused-field",
                "unused-recipient" => "lawful::lint::unused-recipient",
                "empty-purpose" => "lawful::lint::empty-purpose",
                "purpose-without-retention" => "lawful::lint::purpose-without-retention",
                "basis-gap" => "lawful::lint::basis-gap",
                "basis-unstated" => "lawful::lint::basis-unstated",
                "safeguard-unstated" => "lawful::lint::safeguard-unstated",
                "shadowed-rule" => "lawful::lint::shadowed-rule",
                "unreachable-purpose" => "lawful::lint::unreachable-purpose",
                "useless-exception" => "lawful::lint::useless-exception",
                _ => "lawful::lint::unknown-lint",
            },
        }
    }

    fn severity(&self) -> Severity {
        match self {
            CheckError::Lint { .. } => Severity::Warning,
            CheckError::Unknown {
                kind: NameKind::Lint,
                ..
            } => Severity::Warning,
            _ => Severity::Error,
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            CheckError::Unknown {
                kind,
                suggestion,
                choices,
                ..
            } => {
                if suggestion.is_some() {
                    did_you_mean(suggestion.as_deref())
                } else if !choices.is_empty() && (choices.len() <= 12 || !kind.declarable()) {
                    // A fixed list (rights, bases, recipient kinds …) cannot be declared:
                    // say what it holds.
                    let list: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
                    format!("expected one of {}", list.join(", "))
                } else if kind.declarable() {
                    format!("declare the {} or fix the spelling", kind.noun())
                } else {
                    format!("fix the spelling: a {} cannot be declared", kind.noun())
                }
            }
            CheckError::Duplicate { .. } => "remove or rename one of the declarations".to_owned(),
            CheckError::DuplicatePolicyHeader => "keep one `policy` block per policy".to_owned(),
            CheckError::RegionCycle { .. } => {
                "a region cannot lie within itself: remove one containment".to_owned()
            }
            CheckError::MissingBasis { .. } => {
                "add `basis …` (e.g. `basis contract`, `basis consent in EU`)".to_owned()
            }
            CheckError::SpecialWithoutArt9 { .. } => {
                "use `basis explicit_consent`, or name the Art. 9(2) condition with `art9(…)`"
                    .to_owned()
            }
            CheckError::RetentionConflict { .. } => {
                "shorten the minimum or lengthen the maximum so both can be met".to_owned()
            }
            CheckError::EventNotPerPurpose { event } => {
                format!("declare `event {event} … per purpose`, or give the event without `for`")
            }
            CheckError::TooManyRegions { limit, .. } => format!(
                "a policy (with its imports and the standard library) may declare at most \
                 {limit} regions and groups: each one's containment is a set over all of them, \
                 so the work grows with the square of their number"
            ),
            CheckError::DurationOutOfRange { limit, .. } => format!(
                "periods are at most {limit}, so that any event until the end of the year 8998 \
                 plus the period stays in the calendar (which ends on 9999-12-30)"
            ),
            CheckError::TypeMismatch { .. } => {
                "compare with a value of the declared type".to_owned()
            }
            CheckError::InvalidCondition { help, .. }
            | CheckError::InvalidBasis { help, .. }
            | CheckError::InvalidExpectation { help, .. } => help.clone(),
            CheckError::AgeOutOfRange { .. } => "ages are between 0 and 150".to_owned(),
            CheckError::AmbiguousName { .. } => {
                "rename the field so queries are unambiguous".to_owned()
            }
            CheckError::InvalidSelector { help, .. } => (*help).to_owned(),
            CheckError::MissingRegion => {
                "add `in DE` to the query or `region DE` to the subject".to_owned()
            }
            CheckError::WithdrawalWithoutConsent { purpose, to } => {
                format!("add `consent {to}{purpose} at DATE` before the withdrawal, or remove it")
            }
            CheckError::MissingFactValue { .. } => {
                "declare the fact for that region or narrow the scope".to_owned()
            }
            CheckError::InvalidGroup { .. } => {
                "`except` only narrows `= *`: drop it, or write `= * except …`".to_owned()
            }
            CheckError::NameTooDeep { .. } => "flatten the hierarchy".to_owned(),
            CheckError::InvalidRight { help, .. }
            | CheckError::InvalidObjectionOverride { help, .. }
            | CheckError::InvalidCombination { help, .. }
            | CheckError::InvalidSafeguard { help, .. }
            | CheckError::InvalidOtherPurposes { help, .. }
            | CheckError::InvalidOptOut { help, .. } => help.clone(),
            CheckError::TooManyCircumstances { limit, .. } => format!(
                "a question carries its circumstances as one set of {limit}: declare only the \
                 circumstances the policy's conditions test"
            ),
            CheckError::ConditionReadsSubject { place } => format!(
                "a `{place}` is decided for data, not for one subject: test only \
                 `circumstance.NAME` (with `not`, `and`, `or`), or write a `deny` rule with the \
                 subject condition"
            ),
            CheckError::DuplicateMeasure { name } => format!(
                "state each measure once: merge the descriptions of `{name}`, or give the second \
                 its own name"
            ),
            CheckError::DuplicateSource { name } => {
                format!("declare `{name}` once, with every datum it provides")
            }
            CheckError::SourceOutsidePurpose { purpose, .. } => format!(
                "name a purpose that uses the data, or add the data to `{purpose}`'s `uses`"
            ),
            CheckError::InvalidRecipientLimit { recipient } => format!(
                "`never for …` removes every purpose of `{recipient}`'s `purposes`: narrow the \
                 limit, or remove the recipient"
            ),
            CheckError::ChannelWithoutDirectMarketing { .. } => {
                "a channel says which marketing opt-outs stop the purpose: add \
                 `direct_marketing`, or remove `channel …`"
                    .to_owned()
            }
            CheckError::Lint { help, .. } => help.clone(),
        })
    }
}
