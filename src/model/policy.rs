//! The compiled policy's tables.

use super::condition::{Cond, OptOutKind};
use super::ids::*;
use super::tests::{CompiledAssertion, CompiledTest};
use super::{Basis, ChildTreatment, IdSet, NameIndex, RecipientKind, UnknownAge};
use crate::source::{SourceMap, Span};

/// Documentation and location of a declaration: read by explanations and tools, never by
/// the evaluator's decision logic.
#[derive(Debug, Clone, Default)]
pub struct Info {
    /// The name as declared (`marketing.direct`, `DE`, a rule's name).
    pub name: String,
    /// The quoted title (`"Newsletters"`); `None` when not given.
    pub title: Option<String>,
    /// The `///` doc comment; `None` when there is none.
    pub docs: Option<String>,
    /// Where it is declared; for a name only implied by a dotted one, where that is.
    pub span: Span,
}

/// The `policy "NAME" { … }` header.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// The policy's name; `None` when the policy has no header.
    pub name: Option<String>,
    /// The controllers, as written.
    pub controllers: Vec<String>,
    /// Contacts (a privacy office, a DPO), as written.
    pub contacts: Vec<String>,
    /// The version, as written; `None` when not given.
    pub version: Option<String>,
    /// When the policy takes effect; `None` when not given.
    pub effective: Option<jiff::Timestamp>,
    /// When it was last updated; `None` when not given.
    pub updated: Option<jiff::Timestamp>,
    /// The header's doc comment.
    pub docs: Option<String>,
}

/// A region (`DE`) or a group of regions (`EU`).
#[derive(Debug, Clone)]
pub struct Region {
    /// Name, title, docs and span.
    pub info: Info,
    /// Declared as a group of other regions.
    pub is_group: bool,
    /// Every region this one lies within, itself included.
    pub within: IdSet,
    /// Every region lying within this one, itself included.
    pub inside: IdSet,
}

/// A data category (`user.contact.email`).
#[derive(Debug, Clone)]
pub struct Category {
    /// Name, title, docs and span.
    pub info: Info,
    /// The category one dot up (`user.contact`); `None` at the top.
    pub parent: Option<CategoryId>,
    /// Declared explicitly (not only implied by a dotted descendant).
    pub declared: bool,
    /// Self and ancestors, nearest first.
    pub ancestors: Vec<CategoryId>,
    /// Flags, inherited ones included.
    pub flags: IdSet,
}

/// A field of a record (`orders.email`), mapped to one category.
#[derive(Debug, Clone)]
pub struct Field {
    /// Name, title, docs and span.
    pub info: Info,
    /// The category that decides for it.
    pub category: CategoryId,
}

/// One `basis` declaration of a purpose.
#[derive(Debug, Clone)]
pub struct BasisDecl {
    /// Tried in order; the first that holds is reported.
    pub alternatives: Vec<Basis>,
    /// Regions it applies in (every region when the declaration has no `in`).
    pub scope: IdSet,
    /// The declaration holds only when this holds; `None`: always.
    pub when: Option<Cond>,
    /// `overrides objection when C`: an objection does not stop its `legitimate_interest`
    /// alternative while C holds (GDPR Art. 21(1): compelling grounds, legal claims).
    pub objection_override: Option<Cond>,
    /// The GDPR Art. 9(2) condition named for special categories (one of
    /// [`ART9_CONDITIONS`](super::ART9_CONDITIONS)); `None` when not given.
    pub art9: Option<String>,
    /// The declaration, for explanations.
    pub provenance: ProvenanceId,
}

/// A purpose (`marketing.direct`), declared or implied by a dotted name.
#[derive(Debug, Clone)]
pub struct Purpose {
    /// Name, title, docs and span.
    pub info: Info,
    /// The purpose one dot up (`marketing`); `None` at the top.
    pub parent: Option<PurposeId>,
    /// Declared explicitly (not only implied by a dotted descendant).
    pub declared: bool,
    /// Known from a vocabulary (`vocabulary purpose`, e.g. the Fides data uses of
    /// `std::fides`) and not declared by the policy: every question about it is denied
    /// (`not_declared`).
    pub vocabulary: bool,
    /// Self and ancestors, nearest first.
    pub ancestors: Vec<PurposeId>,
    /// Categories it may use (selectors expanded to every covered category).
    pub uses: IdSet,
    /// Its `basis` declarations, in order.
    pub bases: Vec<BasisDecl>,
    /// Subject kinds it may process; `None` = all.
    pub subjects: Option<IdSet>,
    /// Direct marketing: an objection to it is absolute (GDPR Art. 21(3)).
    pub direct_marketing: bool,
    /// Still allowed while processing is restricted.
    pub survives_restriction: bool,
    /// Still allowed after erasure was requested (e.g. legal retention).
    pub survives_erasure: bool,
    /// `None`: the policy's children default applies.
    pub children: Option<ChildTreatment>,
    /// A withdrawal of consent also denies data collected before it.
    pub taints_prior_data: bool,
    /// `survives limit_sensitive`: still allowed to use `sensitive` categories after the
    /// subject limited their use (CPRA § 1798.121).
    pub survives_limit_sensitive: bool,
    /// `channel …`: the channels it reaches the subject through, as a mask of
    /// [`Channel::bit`](super::Channel::bit); 0 when it does not say.
    pub channels: u8,
    /// The `purpose` declaration; `None` for a purpose only implied by a dotted name. For a
    /// purpose an `other` clause decides, that clause.
    pub provenance: Option<ProvenanceId>,
    /// The `purpose other` clause (an index in [`Policy::other_purposes`]) that decides this
    /// vocabulary purpose, which the policy does not declare: its `uses` and `basis` are the
    /// clause's, and only a consent to this exact purpose counts.
    pub other: Option<u32>,
}

/// `purpose other [for PURPOSES] "Title" { … }`: "other purposes with your consent". Each
/// vocabulary purpose it covers (and the policy does not declare) is decided with the
/// clause's data and bases, and needs consent to that exact purpose.
#[derive(Debug, Clone)]
pub struct OtherPurposes {
    /// `other`, the title, docs and span.
    pub info: Info,
    /// The purposes it may cover, as written (`for …`; every purpose without it).
    pub selectors: IdSet,
    /// Whether `for …` was written.
    pub limited: bool,
    /// The vocabulary purposes it decides.
    pub covers: IdSet,
    /// Categories they may use.
    pub uses: IdSet,
    /// Its `basis` declarations (consent or explicit consent), in order.
    pub bases: Vec<BasisDecl>,
    /// The clause, for explanations.
    pub provenance: ProvenanceId,
}

/// Someone data may be disclosed to.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// Name, title, docs and span.
    pub info: Info,
    /// What kind of recipient it is.
    pub kind: RecipientKind,
    /// Where it sits. Empty when the policy does not say: a disclosure of data that must stay
    /// in its region is then denied (fail closed).
    pub located: Vec<RegionId>,
    /// `located local`: in the subject's own region (a disclosure is no transfer).
    pub located_local: bool,
    /// The purposes it may receive data for.
    pub purposes: IdSet,
    /// The categories it may receive.
    pub categories: IdSet,
    /// A disclosure to it is a sale (subject to the `sale` opt-out).
    pub sale: bool,
    /// A disclosure to it is sharing for targeted advertising (subject to the
    /// `sharing` opt-out).
    pub sharing: bool,
    /// Its `when` conditions; each must hold.
    pub conditions: Vec<Cond>,
    /// `requires [explicit] consent`: `Some(explicit)` when a disclosure needs the
    /// subject's consent to this recipient.
    pub consent: Option<bool>,
    /// The declaration, for explanations.
    pub provenance: ProvenanceId,
    /// What it must and may not do with the data (its limits are already out of `purposes`).
    pub terms: super::RecipientTerms,
}

/// What a `deny` rule forbids.
#[derive(Debug, Clone)]
pub enum RuleAction {
    /// `deny use …`: a use by any of these purposes.
    Use {
        /// The purposes it covers (selectors expanded).
        purposes: IdSet,
    },
    /// `deny disclose …`: a disclosure to any of these recipients for any of these purposes.
    Disclose {
        /// The recipients it covers.
        recipients: IdSet,
        /// The recipient kinds it names (`kind K`, or every kind for `*`), as bits of
        /// [`RecipientKind::bit`](super::RecipientKind::bit): a question about a kind the
        /// policy declares no recipient of is matched by them.
        kinds: u32,
        /// The purposes it covers.
        purposes: IdSet,
    },
    /// `deny sell …`: any disclosure that is a sale.
    Sell,
    /// `deny share …`: any disclosure that is sharing.
    Share,
    /// `deny transfer …`: a transfer from any of `from` to any of `to`.
    Transfer {
        /// The origins it covers.
        from: IdSet,
        /// The destinations it covers.
        to: IdSet,
    },
    /// `deny combine A with B …`: bringing data of the rule's categories together with data
    /// of `with` (either way round) for any of these purposes.
    Combine {
        /// The other side (its `except` already taken out).
        with: IdSet,
        /// The purposes it covers.
        purposes: IdSet,
    },
}

/// An `except` clause of a deny rule: when it applies, the rule does not.
#[derive(Debug, Clone)]
pub struct Except {
    /// The exception applies when all its parts hold.
    pub when: Option<Cond>,
    /// Only for these purposes; `None`: any.
    pub purposes: Option<IdSet>,
    /// Only in these query regions; `None`: any.
    pub regions: Option<IdSet>,
    /// Only for transfers to these regions; `None`: any.
    pub to_regions: Option<IdSet>,
    /// Only for these recipients; `None`: any.
    pub recipients: Option<IdSet>,
}

/// A `deny` rule.
#[derive(Debug, Clone)]
pub struct DenyRule {
    /// Its name, docs and span.
    pub info: Info,
    /// What it forbids.
    pub action: RuleAction,
    /// The categories it covers (selectors expanded).
    pub categories: IdSet,
    /// Query regions it applies in.
    pub regions: IdSet,
    /// It applies only when this holds (an unknown counts as holding); `None`: always.
    pub when: Option<Cond>,
    /// Its exceptions: if any applies, the rule does not.
    pub excepts: Vec<Except>,
    /// The rule, for explanations.
    pub provenance: ProvenanceId,
}

/// A `transfer` permission.
#[derive(Debug, Clone)]
pub struct TransferRule {
    /// The categories it permits to move.
    pub categories: IdSet,
    /// The origins.
    pub from: IdSet,
    /// The destinations.
    pub to: IdSet,
    /// The safeguard relied on; `None` when not said.
    pub safeguard: Option<super::Safeguard>,
    /// `when C`: the permission holds only while C holds (C reads circumstances only).
    pub when: Option<Cond>,
    /// `requires [explicit] consent`: `Some(explicit)` when the permission holds only for a
    /// subject who consented to a transfer to the destination.
    pub consent: Option<bool>,
    /// The rule, for explanations.
    pub provenance: ProvenanceId,
}

/// A `localize` rule: data that must stay in its region.
#[derive(Debug, Clone)]
pub struct Localization {
    /// The categories it keeps in place.
    pub categories: IdSet,
    /// Data collected inside `within` must stay inside it.
    pub within: IdSet,
    /// `except when C`: the data may leave while C holds (C reads circumstances only).
    pub unless: Option<Cond>,
    /// The rule, for explanations.
    pub provenance: ProvenanceId,
}

/// Whether a `retain` rule sets a minimum or a maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionBound {
    /// `at least`: keep the data at least this long.
    AtLeast,
    /// `at most`: delete the data after this long.
    AtMost,
    /// `at least while C`: keep the data as long as the rule's `when` holds, with no fixed end
    /// ("as long as applicable law requires"); no maximum cuts it short.
    AtLeastWhile,
    /// `at most agreed [up to PERIOD] after EVENT`: delete the data after the period the
    /// subject agreed to (given with the question; none agreed: at once), but no later than
    /// `period` after the event when `capped`.
    AtMostAgreed {
        /// Whether the rule names an `up to PERIOD` (then `period` is that cap).
        capped: bool,
    },
    /// `exempt`: no maximum applies to this data (archiving, statistics, de-identified data).
    Exempt,
    /// `without limit`: the text states that the data is kept with no maximum (unlike a
    /// text that states no period).
    Unlimited,
}

impl RetentionBound {
    /// Whether the rule is a maximum (a fixed or an agreed one).
    pub fn is_maximum(self) -> bool {
        matches!(
            self,
            RetentionBound::AtMost | RetentionBound::AtMostAgreed { .. }
        )
    }

    /// Whether the rule is a minimum (a fixed one or one while a condition holds).
    pub fn is_minimum(self) -> bool {
        matches!(self, RetentionBound::AtLeast | RetentionBound::AtLeastWhile)
    }
}

/// A `retain` rule.
#[derive(Debug, Clone)]
pub struct RetentionRule {
    /// The categories it covers.
    pub categories: IdSet,
    /// `None`: applies whatever the purpose.
    pub purposes: Option<IdSet>,
    /// The regions it applies in.
    pub regions: IdSet,
    /// Minimum or maximum.
    pub bound: RetentionBound,
    /// How long, as a calendar span.
    pub period: jiff::Span,
    /// The period as written (`3 years`).
    pub period_text: String,
    /// The event the period runs from (`collected` for a rule that names none).
    pub after: EventId,
    /// `when C`: the rule applies only while C holds (C reads circumstances only). For
    /// [`RetentionBound::AtLeastWhile`], C includes the `while` condition.
    pub when: Option<Cond>,
    /// `deidentified`: the rule applies only to data the question says is de-identified.
    pub deidentified: bool,
    /// The rule, for explanations.
    pub provenance: ProvenanceId,
}

/// Age thresholds and what happens to children (docs/semantics.md, step 7).
#[derive(Debug, Clone)]
pub struct Children {
    /// Age below which a subject is a child, per region (most specific declaration wins).
    pub threshold: Vec<Option<u8>>,
    /// The declaration that set each region's threshold.
    pub threshold_provenance: Vec<Option<ProvenanceId>>,
    /// How a subject of unknown age is treated where a threshold applies.
    pub unknown_age: UnknownAge,
    /// What happens to a child's data for a purpose that does not say.
    pub default: ChildTreatment,
}

/// What kind of declaration decided something, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvenanceKind {
    /// A `purpose` declaration.
    Purpose,
    /// A `basis` declaration of a purpose.
    Basis,
    /// A `deny` rule (or an `assert never`).
    Deny,
    /// A `recipient` declaration.
    Recipient,
    /// A `transfer` permission.
    Transfer,
    /// A `localize` rule.
    Localize,
    /// A `retain` rule.
    Retain,
    /// A `children` declaration (an age threshold).
    Children,
    /// A recipient's `never for …` limit: a purpose it may not pursue.
    RecipientLimit,
}

/// A declaration that can decide, for explanations and JSON.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// What kind of declaration.
    pub kind: ProvenanceKind,
    /// The rule's name, or for unnamed declarations a short description.
    pub name: String,
    /// Its doc comment, if any.
    pub docs: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

/// A checked, compiled policy. Immutable; share it with `Arc` across threads.
///
/// Its parts are read through accessors: no code outside the crate can change a compiled
/// policy (a changed copy would still carry the original's stamp, and decide as if it had
/// been checked). This does not compile:
///
/// ```compile_fail
/// let text = "policy \"P\" { controller \"C\" }\nregion DE \"Germany\"";
/// let mut policy = lawful::compile_str("p.lawful", text).unwrap().policy;
/// policy.rules.clear();
/// ```
///
/// and reading is through methods:
///
/// ```
/// let text = "policy \"P\" { controller \"C\" }\nregion DE \"Germany\"";
/// let policy = lawful::compile_str("p.lawful", text).unwrap().policy;
/// assert_eq!(policy.regions().len(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) header: Header,
    pub(crate) sources: SourceMap,
    pub(crate) regions: Vec<Region>,
    pub(crate) categories: Vec<Category>,
    pub(crate) fields: Vec<Field>,
    pub(crate) purposes: Vec<Purpose>,
    pub(crate) recipients: Vec<Recipient>,
    pub(crate) subject_kinds: Vec<Info>,
    pub(crate) attributes: Vec<Attribute>,
    pub(crate) events: Vec<Info>,
    pub(crate) circumstances: Vec<Info>,
    pub(crate) flags: Vec<Info>,
    pub(crate) symbols: Vec<String>,
    pub(crate) rules: Vec<DenyRule>,
    pub(crate) transfers: Vec<TransferRule>,
    pub(crate) localizations: Vec<Localization>,
    pub(crate) retention: Vec<RetentionRule>,
    pub(crate) children: Children,
    pub(crate) provenance: Vec<Provenance>,
    pub(crate) rights: Vec<Right>,
    pub(crate) other_purposes: Vec<OtherPurposes>,
    pub(crate) responses: Vec<ResponseTime>,
    pub(crate) duties: super::Duties,
    pub(crate) tests: Vec<CompiledTest>,
    pub(crate) assertions: Vec<CompiledAssertion>,
    pub(crate) index: Indexes,
    /// Which compilation this is; handles made for the policy carry it.
    pub(crate) stamp: super::PolicyStamp,
}

/// Read-only access to the compiled parts.
impl Policy {
    /// The `policy { … }` header: name, controllers, version, effective date, contact.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The texts the policy was compiled from, for rendering diagnostics and spans.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Every region, by [`RegionId`](super::RegionId).
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Every data category, by [`CategoryId`](super::CategoryId).
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// Every field, by [`FieldId`](super::FieldId).
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Every purpose (declared or implied by a hierarchy), by [`PurposeId`](super::PurposeId).
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }

    /// Every recipient, by [`RecipientId`](super::RecipientId).
    pub fn recipients(&self) -> &[Recipient] {
        &self.recipients
    }

    /// Every subject kind, by [`SubjectKindId`](super::SubjectKindId).
    pub fn subject_kinds(&self) -> &[Info] {
        &self.subject_kinds
    }

    /// Every declared subject attribute, by [`AttributeId`](super::AttributeId).
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// Every retention event, by [`EventId`](super::EventId).
    pub fn events(&self) -> &[Info] {
        &self.events
    }

    /// Every declared circumstance, by [`CircumstanceId`](super::CircumstanceId).
    pub fn circumstances(&self) -> &[Info] {
        &self.circumstances
    }

    /// Every category flag (`special`, `sensitive`, …).
    pub fn flags(&self) -> &[Info] {
        &self.flags
    }

    /// The interned strings conditions compare with.
    pub fn symbols(&self) -> &[String] {
        &self.symbols
    }

    /// The `purpose other` clauses ("other purposes with your consent"), in declaration
    /// order; [`Purpose::other`] points into it.
    pub fn other_purposes(&self) -> &[OtherPurposes] {
        &self.other_purposes
    }

    /// The `deny` rules, in declaration order.
    pub fn rules(&self) -> &[DenyRule] {
        &self.rules
    }

    /// The `transfer` permissions.
    pub fn transfers(&self) -> &[TransferRule] {
        &self.transfers
    }

    /// The `localize` rules.
    pub fn localizations(&self) -> &[Localization] {
        &self.localizations
    }

    /// The `retain` rules.
    pub fn retention(&self) -> &[RetentionRule] {
        &self.retention
    }

    /// The children rules: thresholds per region, unknown age, defaults.
    pub fn children(&self) -> &Children {
        &self.children
    }

    /// Where each declaration that can decide came from (see [`Policy::provenance`]).
    pub fn provenances(&self) -> &[Provenance] {
        &self.provenance
    }

    /// The data-subject rights the policy declares.
    pub fn rights(&self) -> &[Right] {
        &self.rights
    }

    /// Response times for rights requests.
    pub fn responses(&self) -> &[ResponseTime] {
        &self.responses
    }

    /// The `//>` citation of the declaration written at `span` (the innermost cited
    /// declaration containing it): the source text it encodes.
    pub fn citation(&self, span: Span) -> Option<&str> {
        self.duties.citations.of(span)
    }

    /// Every `//>` citation with the span of the declaration it is written on.
    pub fn citations(&self) -> impl Iterator<Item = (Span, &str)> + '_ {
        self.duties.citations.iter()
    }

    /// The `source` declarations: data obtained from others (GDPR Art. 14(2)(f)).
    pub fn data_sources(&self) -> &[super::DataSource] {
        &self.duties.sources
    }

    /// The `security { … }` measures (GDPR Art. 30(1)(g), Art. 32), in order.
    pub fn security_measures(&self) -> &[super::SecurityMeasure] {
        &self.duties.security
    }

    /// The policy's `test` blocks, compiled.
    pub fn tests(&self) -> &[CompiledTest] {
        &self.tests
    }

    /// The policy's `assert` statements, compiled.
    pub fn assertions(&self) -> &[CompiledAssertion] {
        &self.assertions
    }

    /// The lookup tables built once for the evaluator (read-only).
    pub fn index(&self) -> &Indexes {
        &self.index
    }
}

/// Data-subject rights a policy grants (read by notices, not by decisions).
pub const RIGHTS: &[&str] = &[
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "withdraw_consent",
    "opt_out",
    "automated_decision",
    "complaint",
    "know",
    "delete",
    "correct",
    "limit_sensitive",
    "non_discrimination",
    "appeal",
    "deceased_user",
    "account_deletion",
    "explanation",
];

/// A right the policy grants, and where.
#[derive(Debug, Clone)]
pub struct Right {
    /// Title, docs and span of the declaration.
    pub info: Info,
    /// One of [`RIGHTS`].
    pub name: &'static str,
    /// For `opt_out(kind)`.
    pub opt_out: Option<OptOutKind>,
    /// The regions it is granted in.
    pub regions: IdSet,
    /// `free`: exercised free of charge (GDPR Art. 12(5)).
    pub free: bool,
    /// `only for basis …`: the bases of the processing it covers; empty: all.
    pub only_for: Vec<Basis>,
    /// `via "…"`: how it is exercised.
    pub via: Option<String>,
}

/// How fast requests are answered, and by how much that may be extended.
#[derive(Debug, Clone)]
pub struct ResponseTime {
    /// Title, docs and span of the declaration.
    pub info: Info,
    /// The time to answer.
    pub within: jiff::Span,
    /// The time to answer, as written (`1 month`).
    pub within_text: String,
    /// How much longer it may take, with the text as written; `None`: no extension.
    pub extension: Option<(jiff::Span, String)>,
    /// The regions it applies in.
    pub regions: IdSet,
}

/// The type of a declared subject attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeType {
    /// `bool`: true or false.
    Bool,
    /// `int`: a whole number.
    Int,
    /// `string`: a text, compared with the policy's literals.
    String,
    /// `set`: a set of texts.
    Set,
}

impl AttributeType {
    /// The type with this name; `None` for any other text.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "bool" => AttributeType::Bool,
            "int" => AttributeType::Int,
            "string" => AttributeType::String,
            "set" => AttributeType::Set,
            _ => return None,
        })
    }

    /// The name as written in policies: `bool`, `int`, `string` or `set`.
    pub fn name(self) -> &'static str {
        match self {
            AttributeType::Bool => "bool",
            AttributeType::Int => "int",
            AttributeType::String => "string",
            AttributeType::Set => "set",
        }
    }
}

/// A subject attribute the policy declares.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// Name, title, docs and span.
    pub info: Info,
    /// Its type; values of another type are refused.
    pub ty: AttributeType,
}

/// Lookup structures: by-name indexes for the API edge and per-id rule lists for the
/// evaluator, so the cost of a decision does not grow with the number of rules.
#[derive(Debug, Clone, Default)]
pub struct Indexes {
    /// Regions by name.
    pub regions: NameIndex<RegionId>,
    /// Categories by name.
    pub categories: NameIndex<CategoryId>,
    /// Fields by name.
    pub fields: NameIndex<FieldId>,
    /// Purposes by name.
    pub purposes: NameIndex<PurposeId>,
    /// Recipients by name.
    pub recipients: NameIndex<RecipientId>,
    /// Subject kinds by name.
    pub subject_kinds: NameIndex<SubjectKindId>,
    /// Attributes by name.
    pub attributes: NameIndex<AttributeId>,
    /// Events by name.
    pub events: NameIndex<EventId>,
    /// Circumstances by name.
    pub circumstances: NameIndex<CircumstanceId>,
    /// Interned strings by text.
    pub symbols: NameIndex<SymbolId>,
    /// Deny rules by purpose × category and by kind of disclosure × category: what the
    /// evaluator walks.
    pub rule_lookup: super::RuleLookup,
    /// Localisation rules covering each category.
    pub localizations_by_category: Vec<Vec<u32>>,
    /// Retention rules covering each category.
    pub retention_by_category: Vec<Vec<u32>>,
    /// The events declared `per purpose`, in id order.
    pub per_purpose_events: Vec<EventId>,
    /// For purpose `p` and region `r`, `basis_choice[p * regions + r]` is the range of
    /// `basis_lists` naming the basis declarations (indexes into `Purpose::bases`) at the
    /// most specific scope containing `r`, in declaration order.
    pub basis_choice: Vec<BasisChoice>,
    /// Indexes into `Purpose::bases`, in runs [`BasisChoice`] points at.
    pub basis_lists: Vec<u32>,
    /// The subject kind queried when a subject gives none (`user`, if declared).
    pub default_subject_kind: Option<SubjectKindId>,
    /// Dense copies of what each decision reads; built last, from the tables above.
    pub decision: super::DecisionTables,
}

/// A range of [`Indexes::basis_lists`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BasisChoice {
    /// Index of the first entry.
    pub start: u32,
    /// How many entries.
    pub len: u32,
}

impl Policy {
    /// This policy's identity: unique per compilation in the process, shared by clones.
    /// Handles ([`Query`](crate::eval::Query), [`Subject`](crate::Subject) …) made for the
    /// policy carry it, and deciding with a handle whose stamp differs is an error
    /// ([`QueryError::OtherPolicy`](crate::eval::QueryError::OtherPolicy)).
    pub fn stamp(&self) -> super::PolicyStamp {
        self.stamp
    }

    /// How many regions (groups included).
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    /// The declaration `id` names; `None` for an id of another policy.
    pub fn provenance(&self, id: ProvenanceId) -> Option<&Provenance> {
        self.provenance.get(id.index())
    }

    /// The purpose `id` names; `None` for an id of another policy.
    pub fn purpose_info(&self, id: PurposeId) -> Option<&Purpose> {
        self.purposes.get(id.index())
    }

    /// The category `id` names; `None` for an id of another policy.
    pub fn category_info(&self, id: CategoryId) -> Option<&Category> {
        self.categories.get(id.index())
    }

    /// The region's name; `?` for an id of another policy.
    pub fn region_name(&self, id: RegionId) -> &str {
        self.regions
            .get(id.index())
            .map_or("?", |r| r.info.name.as_str())
    }

    /// The purpose's name; `?` for an id of another policy.
    pub fn purpose_name(&self, id: PurposeId) -> &str {
        self.purposes
            .get(id.index())
            .map_or("?", |p| p.info.name.as_str())
    }

    /// The category's name; `?` for an id of another policy.
    pub fn category_name(&self, id: CategoryId) -> &str {
        self.categories
            .get(id.index())
            .map_or("?", |c| c.info.name.as_str())
    }

    /// The recipient's name; `?` for an id of another policy.
    pub fn recipient_name(&self, id: RecipientId) -> &str {
        self.recipients
            .get(id.index())
            .map_or("?", |r| r.info.name.as_str())
    }

    /// The circumstance's name; `?` for an id of another policy.
    pub fn circumstance_name(&self, id: CircumstanceId) -> &str {
        self.circumstances
            .get(id.index())
            .map_or("?", |c| c.name.as_str())
    }

    /// The event's name; `?` for an id of another policy.
    pub fn event_name(&self, id: EventId) -> &str {
        self.events.get(id.index()).map_or("?", |e| e.name.as_str())
    }

    /// Whether the event is declared `per purpose` (it happens for each purpose on its
    /// own: "the purpose the data was collected for is completed").
    pub fn event_per_purpose(&self, id: EventId) -> bool {
        self.index.per_purpose_events.binary_search(&id).is_ok()
    }

    /// Whether a subject of this opt-out mask has opted out of `kind`.
    pub fn opted_out(mask: u8, gpc: bool, kind: OptOutKind) -> bool {
        mask & kind.bit() != 0 || (gpc && OptOutKind::GPC_MASK & kind.bit() != 0)
    }
}
