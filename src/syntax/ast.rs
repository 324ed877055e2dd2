//! The typed syntax tree. Every node carries its [`Span`]; nothing here knows about pest.
//! Names are still strings: the checker interns and resolves them.

use crate::source::{SourceId, Span};

/// A name as written: an identifier, a dotted path or a region code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The name as written.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// A string literal, escapes resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    /// The text, escapes resolved.
    pub value: String,
    /// Where it is written.
    pub span: Span,
}

/// An integer literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntLit {
    /// The number.
    pub value: i64,
    /// Where it is written.
    pub span: Span,
}

/// A date or timestamp literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLit {
    /// The instant (a date alone is midnight UTC).
    pub value: jiff::Timestamp,
    /// Where it is written.
    pub span: Span,
}

/// A period literal (`3 years`).
#[derive(Debug, Clone)]
pub struct DurationLit {
    /// The period as a calendar span.
    pub value: jiff::Span,
    /// The period as written.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone)]
pub struct File {
    /// The file in the source map.
    pub source: SourceId,
    /// `//!` lines.
    pub docs: Option<String>,
    /// `#![allow(...)]` lint names.
    pub allows: Vec<Name>,
    /// Its declarations, in order.
    pub items: Vec<Item>,
}

/// A declaration with its doc comment and item-level lint silencing.
#[derive(Debug, Clone)]
pub struct Item {
    /// Its `///` doc comment.
    pub docs: Option<String>,
    /// Its `//>` citation: the source text it encodes (never notice text).
    pub cite: Option<String>,
    /// Lint names of its `#[allow(…)]`.
    pub allows: Vec<Name>,
    /// The declaration.
    pub decl: Decl,
    /// Where it is written.
    pub span: Span,
}

/// One top-level declaration.
#[derive(Debug, Clone)]
pub enum Decl {
    /// `policy { … }`.
    Policy(PolicyHeader),
    /// `use …`.
    Use(UseDecl),
    /// `region …`.
    Region(RegionDecl),
    /// `group …`.
    Group(GroupDecl),
    /// `fact …`.
    Fact(FactDecl),
    /// `flag …`.
    Flag(FlagDecl),
    /// `category …`.
    Category(CategoryDecl),
    /// `field …`.
    Field(FieldDecl),
    /// `subject …`.
    SubjectKind(SubjectKindDecl),
    /// `attribute …`.
    Attribute(AttributeDecl),
    /// `event …`.
    Event(EventDecl),
    /// `children { … }`.
    Children(ChildrenDecl),
    /// `purpose …`.
    Purpose(PurposeDecl),
    /// `recipient …`.
    Recipient(RecipientDecl),
    /// `transfer …`.
    Transfer(TransferDecl),
    /// `localize …`.
    Localize(LocalizeDecl),
    /// `retain …`.
    Retain(RetainDecl),
    /// `deny …`.
    Deny(DenyDecl),
    /// `assert …`.
    Assert(AssertDecl),
    /// `test …`.
    Test(TestDecl),
    /// `rights { … }`.
    Rights(RightsDecl),
    /// `circumstance …`.
    Circumstance(CircumstanceDecl),
    /// `vocabulary purpose …`.
    Vocabulary(VocabularyDecl),
    /// `purpose other … { … }`: other purposes with consent.
    OtherPurposes(OtherPurposesDecl),
    /// `security { … }`.
    Security(SecurityDecl),
    /// `source NAME "Title" provides DATA [for PURPOSES] [in REGIONS]`.
    Source(SourceDecl),
}

/// `purpose other [for PURPOSES] "Title" { … }`: a catch-all that decides the vocabulary
/// purposes the policy does not declare ("other purposes with your consent"). Its body is a
/// purpose body; `body.path` is the word `other`.
#[derive(Debug, Clone)]
pub struct OtherPurposesDecl {
    /// `for …`: the purposes it may cover (empty: every vocabulary purpose).
    pub covers: Vec<Selector>,
    /// The body, as a purpose's (`uses`, `basis` …); its path is `other`, spanning the word.
    pub body: PurposeDecl,
}

/// `source NAME "Title" provides DATA [for PURPOSES] [in REGIONS]`: data obtained from someone
/// other than the subject (GDPR Art. 14(2)(f)).
#[derive(Debug, Clone)]
pub struct SourceDecl {
    /// The source's name.
    pub name: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
    /// The data it provides.
    pub data: Vec<Selector>,
    /// `for PURPOSES`: the purposes it provides them for; empty: not said.
    pub purposes: Vec<Selector>,
    /// `in REGIONS`: where; empty: everywhere.
    pub scope: Vec<RegionRef>,
}

/// `circumstance NAME "Title"`: a fact about the situation of a question.
#[derive(Debug, Clone)]
pub struct CircumstanceDecl {
    /// The circumstance's name.
    pub name: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
}

/// `policy "NAME" { … }`.
#[derive(Debug, Clone, Default)]
pub struct PolicyHeader {
    /// The policy's name.
    pub name: Option<StrLit>,
    /// `controller` entries.
    pub controllers: Vec<StrLit>,
    /// `contact` entries.
    pub contacts: Vec<StrLit>,
    /// `version`.
    pub version: Option<StrLit>,
    /// `effective` date.
    pub effective: Option<DateLit>,
    /// `updated` date.
    pub updated: Option<DateLit>,
}

/// What a `use` imports.
#[derive(Debug, Clone)]
pub enum UseTarget {
    /// `use std::regions`
    Std(Name),
    /// `use "relative/path.lawful"`
    File(StrLit),
}

/// `use std::MODULE` or `use "path.lawful"`.
#[derive(Debug, Clone)]
pub struct UseDecl {
    /// What it imports.
    pub target: UseTarget,
}

/// `*` or a region code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionRef {
    /// `*`: every region.
    Anywhere(Span),
    /// A region or group code.
    Code(Name),
}

impl RegionRef {
    /// Where it is written.
    pub fn span(&self) -> Span {
        match self {
            RegionRef::Anywhere(span) => *span,
            RegionRef::Code(name) => name.span,
        }
    }
}

/// `region CODE "Title" [in REGIONS]`.
#[derive(Debug, Clone)]
pub struct RegionDecl {
    /// The region code (`DE`).
    pub code: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
    /// The regions it lies within.
    pub parents: Vec<RegionRef>,
}

/// `group CODE "Title" = REGIONS [except REGIONS]`.
#[derive(Debug, Clone)]
pub struct GroupDecl {
    /// The group code (`EU`).
    pub code: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
    /// Its members.
    pub members: Vec<RegionRef>,
    /// Members of the listed groups left out.
    pub except: Vec<RegionRef>,
}

/// A regime fact: a number per region (`fact NAME = N [in R]`).
#[derive(Debug, Clone)]
pub struct FactDecl {
    /// The fact's name.
    pub name: Name,
    /// Its value.
    pub value: IntLit,
    /// The regions it holds in.
    pub scope: Vec<RegionRef>,
}

/// `flag NAME "Title"`: a label categories can carry.
#[derive(Debug, Clone)]
pub struct FlagDecl {
    /// The flag's name.
    pub name: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
}

/// `category PATH "Title" FLAGS`.
#[derive(Debug, Clone)]
pub struct CategoryDecl {
    /// The dotted name.
    pub path: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
    /// The flags it carries.
    pub flags: Vec<Name>,
}

/// `field PATH: CATEGORY "Title"`.
#[derive(Debug, Clone)]
pub struct FieldDecl {
    /// The dotted name (`orders.email`).
    pub path: Name,
    /// The category it belongs to.
    pub category: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
}

/// What a list of categories or purposes selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectorKind {
    /// `*`
    All,
    /// `a.b` or `a.b.*`: the node and its descendants.
    Path {
        /// The dotted name.
        path: String,
        /// Written with `.*`.
        star: bool,
    },
    /// `#flag`
    Flag(String),
}

/// A selector with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// What it selects.
    pub kind: SelectorKind,
    /// Where it is written.
    pub span: Span,
}

/// `subject kind NAME "Title"`: a kind of data subject.
#[derive(Debug, Clone)]
pub struct SubjectKindDecl {
    /// The kind's name.
    pub name: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
}

/// `attribute NAME: TYPE`: a subject attribute.
#[derive(Debug, Clone)]
pub struct AttributeDecl {
    /// The attribute's name.
    pub name: Name,
    /// Its type name (`bool`, `int`, `string`, `set`).
    pub ty: Name,
}

/// `event NAME "Title"`: an event retention periods run from.
#[derive(Debug, Clone)]
pub struct EventDecl {
    /// The event's name.
    pub name: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
    /// `per purpose`: where it is written; the event happens for each purpose on its own.
    pub per_purpose: Option<Span>,
}

/// `vocabulary purpose PATH "Title"`: a purpose name a vocabulary knows (the Fides data
/// uses in `std::fides`) that the policy need not declare; questions about it are denied.
#[derive(Debug, Clone)]
pub struct VocabularyDecl {
    /// The purpose's dotted name.
    pub path: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
}

/// An age threshold: a number, or a regime fact.
#[derive(Debug, Clone)]
pub enum Threshold {
    /// A number of years.
    Age(IntLit),
    /// A regime fact giving the number per region.
    Fact(Name),
    /// `max(13, digital_consent_age)`: the highest of its terms (ages or facts), per region.
    Max(Vec<Threshold>),
}

/// `under N [in R]` in the `children` block.
#[derive(Debug, Clone)]
pub struct ChildThreshold {
    /// The age below which a subject is a child.
    pub threshold: Threshold,
    /// The regions it applies in.
    pub scope: Vec<RegionRef>,
    /// Where it is written.
    pub span: Span,
}

/// What happens to a child's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreatmentKind {
    /// `deny`.
    Deny,
    /// `allow`.
    Allow,
    /// `require parental_consent`
    Require(Name),
}

/// A children treatment with its span.
#[derive(Debug, Clone)]
pub struct ChildrenTreatment {
    /// The treatment.
    pub kind: TreatmentKind,
    /// Where it is written.
    pub span: Span,
}

/// The `children { … }` block.
#[derive(Debug, Clone, Default)]
pub struct ChildrenDecl {
    /// Age thresholds, per region.
    pub thresholds: Vec<ChildThreshold>,
    /// `unknown age is child|adult`
    pub unknown_age: Option<Name>,
    /// The treatment for purposes that do not say.
    pub default: Option<ChildrenTreatment>,
}

/// `consent`, `opt_out(marketing)`, …
#[derive(Debug, Clone)]
pub struct BasisName {
    /// The basis name.
    pub name: Name,
    /// The argument in parentheses (an opt-out kind).
    pub arg: Option<Name>,
    /// Where it is written.
    pub span: Span,
}

/// One `basis …` line of a purpose.
#[derive(Debug, Clone)]
pub struct BasisDecl {
    /// The bases, tried in order.
    pub alternatives: Vec<BasisName>,
    /// `in R`: the regions; `None`: everywhere.
    pub scope: Option<Vec<RegionRef>>,
    /// `when …`: the condition it needs.
    pub when: Option<Condition>,
    /// `art9 CONDITION` for special categories.
    pub art9: Option<Name>,
    /// `overrides objection when …`: when its `legitimate_interest` survives an objection.
    pub objection_override: Option<Condition>,
    /// Where it is written.
    pub span: Span,
}

/// `purpose PATH "Title" { … }`.
#[derive(Debug, Clone)]
pub struct PurposeDecl {
    /// The dotted name.
    pub path: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
    /// `uses …`: the data it may use.
    pub uses: Vec<Selector>,
    /// `subjects …`: the kinds it may process (empty: all).
    pub subjects: Vec<Name>,
    /// Its `basis` lines.
    pub bases: Vec<BasisDecl>,
    /// Where `direct_marketing` is written, if it is.
    pub direct_marketing: Option<Span>,
    /// `survives …`: what it survives (`restriction`, `erasure`).
    pub survives: Vec<Name>,
    /// Its own children treatment.
    pub children: Option<ChildrenTreatment>,
    /// Where `withdrawal taints prior data` is written, if it is.
    pub taints_prior_data: Option<Span>,
    /// `channel …`: the channels it reaches the subject through (`email`, `sms` …).
    pub channels: Vec<Name>,
}

/// What a recipient selector selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientSelKind {
    /// `*`: every recipient.
    Any,
    /// A recipient by name.
    Named(String),
    /// `kind KIND`: every recipient of that kind.
    Kind(Name),
}

/// A recipient selector with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientSel {
    /// What it selects.
    pub kind: RecipientSelKind,
    /// Where it is written.
    pub span: Span,
}

/// `recipient NAME "Title" kind KIND [located …] { … }`.
#[derive(Debug, Clone)]
pub struct RecipientDecl {
    /// The recipient's name.
    pub name: Name,
    /// The quoted title.
    pub title: Option<StrLit>,
    /// `kind KIND`.
    pub kind: Name,
    /// `located R, S`: where it sits.
    pub located: Vec<RegionRef>,
    /// `located local`: in the subject's own region, so a disclosure is no transfer.
    pub located_local: bool,
    /// The purposes it receives data for.
    pub purposes: Vec<Selector>,
    /// The data it receives.
    pub categories: Vec<Selector>,
    /// Where `sale` is written, if it is.
    pub sale: Option<Span>,
    /// Where `sharing` is written, if it is.
    pub sharing: Option<Span>,
    /// Its `when` conditions.
    pub conditions: Vec<Condition>,
    /// `requires [explicit] consent`: a disclosure needs the subject's consent to it.
    pub consent: Option<ConsentRequirement>,
    /// Its `duty "…"` terms: what it must do with the data.
    pub duties: Vec<StrLit>,
    /// Its `never for PURPOSES "…"` limits: purposes it may not pursue.
    pub limits: Vec<RecipientLimit>,
}

/// `requires [explicit] consent` on a recipient or a transfer.
#[derive(Debug, Clone, Copy)]
pub struct ConsentRequirement {
    /// `requires explicit consent`.
    pub explicit: bool,
    /// Where it is written.
    pub span: Span,
}

/// `never for PURPOSES "why"` in a recipient: a purpose it may not pursue with the data.
#[derive(Debug, Clone)]
pub struct RecipientLimit {
    /// The purposes it may not pursue.
    pub purposes: Vec<Selector>,
    /// The limit as the policy states it.
    pub text: Option<StrLit>,
    /// Where it is written.
    pub span: Span,
}

/// What a subject consents to besides a purpose: `consent to acme`, `consent to transfer US`.
#[derive(Debug, Clone)]
pub enum ConsentTarget {
    /// A recipient, by name.
    Recipient(Name),
    /// A transfer to a region (and the regions within it).
    Transfer(Name),
}

/// One measure of a `security { … }` block (GDPR Art. 30(1)(g), Art. 32).
#[derive(Debug, Clone)]
pub struct SecurityMeasure {
    /// Its `///` doc comment.
    pub docs: Option<String>,
    /// Its `//>` citation.
    pub cite: Option<String>,
    /// The measure's name (`encryption`).
    pub name: Name,
    /// What it is.
    pub description: StrLit,
    /// `for DATA`: the data it protects; empty: all data.
    pub data: Vec<Selector>,
    /// `to RECIPIENTS`: the recipients it binds; empty: the controller itself.
    pub recipients: Vec<RecipientSel>,
    /// Where it is written.
    pub span: Span,
}

/// The `security { … }` block.
#[derive(Debug, Clone, Default)]
pub struct SecurityDecl {
    /// Its measures, in order.
    pub measures: Vec<SecurityMeasure>,
}

/// `transfer DATA from R to S [with SAFEGUARD]`.
#[derive(Debug, Clone)]
pub struct TransferDecl {
    /// The data it permits to move.
    pub data: Vec<Selector>,
    /// The origins.
    pub from: Vec<RegionRef>,
    /// The destinations.
    pub to: Vec<RegionRef>,
    /// `with SAFEGUARD`.
    pub safeguard: Option<Name>,
    /// `requires [explicit] consent`: the permission holds only for a subject who consented
    /// to the transfer.
    pub consent: Option<ConsentRequirement>,
    /// `when …`: the permission holds only while this holds.
    pub when: Option<Condition>,
}

/// `localize DATA in R`: data that must stay where it was collected.
#[derive(Debug, Clone)]
pub struct LocalizeDecl {
    /// The data kept in place.
    pub data: Vec<Selector>,
    /// The regions it must stay in.
    pub regions: Vec<RegionRef>,
    /// `except when …`: the data may leave while this holds.
    pub unless: Option<Condition>,
}

/// `at least` or `at most`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionBound {
    /// `at least`: a minimum.
    AtLeast,
    /// `at most`: a maximum.
    AtMost,
}

/// `retain DATA [for PURPOSES] [deidentified] PERIOD [in R] [when C]`.
#[derive(Debug, Clone)]
pub struct RetainDecl {
    /// The data it covers.
    pub data: Vec<Selector>,
    /// `for PURPOSES` (empty: whatever the purpose).
    pub purposes: Vec<Selector>,
    /// `deidentified`: where it is written; the rule is about de-identified data only.
    pub deidentified: Option<Span>,
    /// How long: a fixed minimum or maximum, a minimum while a condition holds, the period
    /// the subject agreed to, an exemption from maxima, or no limit.
    pub period: RetainPeriod,
    /// `in R`; `None`: everywhere.
    pub scope: Option<Vec<RegionRef>>,
    /// `when …`: the rule applies only while this holds (circumstances only).
    pub when: Option<Condition>,
}

/// The period of a `retain` rule.
#[derive(Debug, Clone)]
pub enum RetainPeriod {
    /// `at least|most PERIOD after EVENT`.
    Fixed {
        /// Minimum or maximum.
        bound: RetentionBound,
        /// The period.
        duration: DurationLit,
        /// The event it runs from.
        after: Name,
    },
    /// `at least while C`: kept as long as C holds, with no fixed end ("as long as applicable
    /// law requires").
    While {
        /// The condition (circumstances only).
        condition: Condition,
        /// Where `while` is written.
        span: Span,
    },
    /// `at most agreed [up to PERIOD] after EVENT`: the period the subject agreed to.
    Agreed {
        /// `up to PERIOD`: the longest period the policy accepts.
        cap: Option<DurationLit>,
        /// The event it runs from.
        after: Name,
    },
    /// `exempt`: no maximum applies to this data.
    Exempt {
        /// Where `exempt` is written.
        span: Span,
    },
    /// `without limit [after EVENT]`: the text states there is no maximum.
    Unlimited {
        /// `after EVENT`: from when the data is kept without limit.
        after: Option<Name>,
        /// Where `without limit` is written.
        span: Span,
    },
}

/// What a `deny` rule or an assertion is about.
#[derive(Debug, Clone)]
pub enum Action {
    /// `use DATA for PURPOSES`.
    Use {
        /// The data.
        data: Vec<Selector>,
        /// The purposes.
        purposes: Vec<Selector>,
    },
    /// `disclose DATA to RECIPIENTS [for PURPOSES]`.
    Disclose {
        /// The data.
        data: Vec<Selector>,
        /// The recipients.
        recipients: Vec<RecipientSel>,
        /// The purposes.
        purposes: Vec<Selector>,
    },
    /// `sell DATA`.
    Sell {
        /// The data.
        data: Vec<Selector>,
    },
    /// `share DATA`.
    Share {
        /// The data.
        data: Vec<Selector>,
    },
    /// `transfer DATA from R to S`.
    Transfer {
        /// The data.
        data: Vec<Selector>,
        /// The origins.
        from: Vec<RegionRef>,
        /// The destinations.
        to: Vec<RegionRef>,
    },
    /// `combine DATA with OTHER [except EXCLUDED] [for PURPOSES]`: a no-linkage promise.
    Combine {
        /// The data on one side.
        data: Vec<Selector>,
        /// The data it is never combined with.
        with: Vec<Selector>,
        /// `except C`: data taken out of `with`.
        except: Vec<Selector>,
        /// `for PURPOSES` (empty: any purpose).
        purposes: Vec<Selector>,
    },
}

/// What an `except` clause narrows by.
#[derive(Debug, Clone)]
pub enum ExceptKind {
    /// `except when …`.
    When(Condition),
    /// `except for PURPOSES`.
    For(Vec<Selector>),
    /// `except in R`.
    In(Vec<RegionRef>),
    /// `except to R` (transfers).
    ToRegions(Vec<RegionRef>),
    /// `except to RECIPIENTS` (disclosures).
    ToRecipients(Vec<RecipientSel>),
}

/// An `except` clause with its span.
#[derive(Debug, Clone)]
pub struct Except {
    /// What it narrows by.
    pub kind: ExceptKind,
    /// Where it is written.
    pub span: Span,
}

/// The `in … when … except …` tail shared by rules and `never` assertions.
#[derive(Debug, Clone, Default)]
pub struct RuleScope {
    /// `in R`; `None`: everywhere.
    pub regions: Option<Vec<RegionRef>>,
    /// `when …`.
    pub when: Option<Condition>,
    /// Its `except` clauses.
    pub excepts: Vec<Except>,
}

/// `deny NAME: ACTION …`.
#[derive(Debug, Clone)]
pub struct DenyDecl {
    /// The rule's name.
    pub name: Name,
    /// What it forbids.
    pub action: Action,
    /// Where the action is written.
    pub action_span: Span,
    /// Its regions, condition and exceptions.
    pub scope: RuleScope,
}

/// The shape of an assertion.
#[derive(Debug, Clone)]
pub enum AssertKind {
    /// `never ACTION …` / `always deny ACTION …`
    Never {
        /// The forbidden action.
        action: Action,
        /// Its regions, condition and exceptions.
        scope: RuleScope,
    },
    /// `only P, Q may use C`
    Only {
        /// The purposes that may.
        purposes: Vec<Selector>,
        /// The data only they may use.
        data: Vec<Selector>,
    },
    /// `P requires consent in R`
    Requires {
        /// The purpose.
        purpose: Name,
        /// The basis it must rest on.
        basis: Name,
        /// `in R`; `None`: everywhere.
        scope: Option<Vec<RegionRef>>,
    },
}

/// `assert …`.
#[derive(Debug, Clone)]
pub struct AssertDecl {
    /// What it asserts.
    pub kind: AssertKind,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A literal's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiteralKind {
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Int(i64),
    /// A quoted string.
    Str(String),
    /// A bare identifier, e.g. a subject kind.
    Ident(String),
}

/// A literal with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// The value.
    pub kind: LiteralKind,
    /// Where it is written.
    pub span: Span,
}

/// What a `subject.NAME` condition tests.
#[derive(Debug, Clone)]
pub enum SubjectTest {
    /// `subject.child`, `subject.verified`
    Bare,
    /// `subject.NAME OP LITERAL`.
    Compare(CmpOp, Literal),
    /// `subject.NAME in R`.
    InRegions(Vec<RegionRef>),
}

/// The shape of a condition.
#[derive(Debug, Clone)]
pub enum CondKind {
    /// `true`.
    True,
    /// `false`.
    False,
    /// `not …`.
    Not(Box<Condition>),
    /// `… and …`.
    And(Vec<Condition>),
    /// `… or …`.
    Or(Vec<Condition>),
    /// `subject.NAME …`
    Subject {
        /// The property or attribute after `subject.`.
        field: Name,
        /// What is tested.
        test: SubjectTest,
    },
    /// `"x" in subject.roles`
    SetMember {
        /// The member.
        value: StrLit,
        /// The `set` attribute.
        attribute: Name,
    },
    /// `known …`: the inner condition holds and every fact it reads is known.
    Known(Box<Condition>),
    /// `circumstance.NAME`: a declared circumstance holds for the question.
    Circumstance(Name),
    /// `consent(P)`, `opted_out(sale)`, `gpc`, `restricted`, …
    Predicate {
        /// The predicate.
        name: Name,
        /// Its argument in parentheses.
        arg: Option<Selector>,
    },
}

/// A `when` condition with its span.
#[derive(Debug, Clone)]
pub struct Condition {
    /// Its shape.
    pub kind: CondKind,
    /// Where it is written.
    pub span: Span,
}

/// `test "NAME" { subject { … } expect … }`.
#[derive(Debug, Clone)]
pub struct TestDecl {
    /// The test's name.
    pub name: StrLit,
    /// Its `subject { … }`; `None`: a subject that says nothing.
    pub subject: Option<SubjectSpec>,
    /// Its `expect` lines.
    pub expectations: Vec<Expectation>,
}

/// The `subject { … }` of a test.
#[derive(Debug, Clone)]
pub struct SubjectSpec {
    /// Its facts, in order.
    pub entries: Vec<SubjectEntry>,
    /// Where it is written.
    pub span: Span,
}

/// An attribute value in a test subject.
#[derive(Debug, Clone)]
pub enum AttrValueKind {
    /// A bool, number, string or identifier.
    Scalar(LiteralKind),
    /// `["a", "b"]`.
    Set(Vec<String>),
}

/// One fact in a test subject.
#[derive(Debug, Clone)]
pub enum SubjectEntryKind {
    /// `region R`.
    Region(Name),
    /// `age N`.
    Age(IntLit),
    /// `kind K`.
    Kind(Name),
    /// `[explicit] consent P [at DATE]`.
    Consent {
        /// `explicit consent`.
        explicit: bool,
        /// The purpose.
        purpose: Name,
        /// When given; `None`: unknown.
        at: Option<DateLit>,
    },
    /// `withdrawn P at DATE`.
    Withdrawn {
        /// The purpose.
        purpose: Name,
        /// When withdrawn.
        at: DateLit,
    },
    /// `[explicit] consent to RECIPIENT [at DATE]`, `consent to transfer REGION …`.
    TargetConsent {
        /// `explicit consent`.
        explicit: bool,
        /// What is consented to.
        target: ConsentTarget,
        /// When given; `None`: unknown.
        at: Option<DateLit>,
    },
    /// `withdrawn to RECIPIENT at DATE`, `withdrawn to transfer REGION at DATE`.
    TargetWithdrawn {
        /// What the consent was to.
        target: ConsentTarget,
        /// When withdrawn.
        at: DateLit,
    },
    /// `objected P, Q`.
    Objected(Vec<Name>),
    /// `opted_out sale, …`.
    OptedOut(Vec<Name>),
    /// `opted_out KIND [at DATE] [revoked DATE] [channel C] [campaign "NAME"]`: a timed
    /// opt-out, perhaps revoked, perhaps limited to a channel or a campaign.
    OptedOutRecord {
        /// The opt-out kind.
        kind: Name,
        /// `at DATE`: when it was made.
        at: Option<DateLit>,
        /// `revoked DATE`: when it was revoked.
        revoked: Option<DateLit>,
        /// `channel C`.
        channel: Option<Name>,
        /// `campaign "NAME"`.
        campaign: Option<StrLit>,
    },
    /// `set NAME = VALUE`: an attribute.
    Set {
        /// The attribute.
        attribute: Name,
        /// Its value.
        value: AttrValueKind,
    },
    /// `gpc`, `restricted`, `erased`, `account_deleted`, `parental_consent`
    Flag(Name),
}

/// A test subject fact with its span.
#[derive(Debug, Clone)]
pub struct SubjectEntry {
    /// The fact.
    pub kind: SubjectEntryKind,
    /// Where it is written.
    pub span: Span,
}

/// `allow` or `deny` in an `expect` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `expect allow`.
    Allow,
    /// `expect deny`.
    Deny,
}

/// The question of an `expect` line.
#[derive(Debug, Clone)]
pub enum QueryKind {
    /// `use DATA for PURPOSE`.
    Use {
        /// The data.
        data: Name,
        /// The purpose.
        purpose: Name,
    },
    /// `disclose DATA to RECIPIENT for PURPOSE`.
    Disclose {
        /// The data.
        data: Name,
        /// The recipient.
        recipient: Name,
        /// The purpose.
        purpose: Name,
    },
    /// `disclose DATA to kind KIND for PURPOSE`: may any declared recipient of the kind
    /// receive it?
    DiscloseKind {
        /// The data.
        data: Name,
        /// The recipient kind.
        kind: Name,
        /// The purpose.
        purpose: Name,
    },
    /// `transfer DATA from R to S`.
    Transfer {
        /// The data.
        data: Selector,
        /// The origin.
        from: Name,
        /// The destination.
        to: Name,
    },
    /// `combine DATA with OTHER for PURPOSE`: may the purpose bring both together?
    Combine {
        /// The data on one side.
        data: Name,
        /// The data on the other side.
        with: Name,
        /// The purpose.
        purpose: Name,
    },
}

/// The question of an `expect` line, with its region and collection date.
#[derive(Debug, Clone)]
pub struct Query {
    /// The question.
    pub kind: QueryKind,
    /// `in R`; `None`: the subject's region.
    pub region: Option<Name>,
    /// `collected DATE`.
    pub collected: Option<DateLit>,
    /// `given C, D`: the circumstances that hold.
    pub given: Vec<Name>,
    /// `campaign "NAME"`: the direct-marketing campaign asked about.
    pub campaign: Option<StrLit>,
    /// Where it is written.
    pub span: Span,
}

/// The `basis B` or `with SAFEGUARD` tail of an `expect` line.
#[derive(Debug, Clone)]
pub enum ExpectDetail {
    /// `basis B`.
    Basis(Name),
    /// `with SAFEGUARD`.
    Safeguard(Name),
}

/// `VERDICT [until|since DATE]`.
#[derive(Debug, Clone)]
pub struct RetentionVerdict {
    /// The verdict as written.
    pub name: Name,
    /// `until DATE` or `since DATE`; `None` when not written.
    pub date: Option<DateLit>,
    /// The note expected after it (`no_limit`, `exempt` …); `None` when not written.
    pub note: Option<Name>,
}

/// What an `expect` line expects.
#[derive(Debug, Clone)]
pub enum ExpectationKind {
    /// `expect allow|deny [REASON] QUERY [basis B | with SAFEGUARD]`.
    Decision {
        /// `allow` or `deny`.
        outcome: Outcome,
        /// The reason code; `None` when not said.
        reason: Option<Name>,
        /// The question.
        query: Query,
        /// `basis B` or `with SAFEGUARD`.
        detail: Option<ExpectDetail>,
        /// `by RULE`: the deny rule (or declaration) the decision must cite.
        rule: Option<Name>,
    },
    /// `expect retention …`.
    Retention {
        /// The data.
        data: Selector,
        /// `for P`.
        purpose: Option<Name>,
        /// `in R`.
        region: Name,
        /// Events and their dates.
        events: Vec<(Name, DateLit)>,
        /// Per-purpose events (`EVENT for PURPOSE DATE`), with their purpose and date.
        purpose_events: Vec<(Name, Name, DateLit)>,
        /// `agreed PERIOD`: the retention period the subject agreed to.
        agreed: Option<DurationLit>,
        /// `deidentified`: the data is de-identified.
        deidentified: bool,
        /// `now DATE`: the instant asked about.
        now: DateLit,
        /// `given C, D`: the circumstances that hold.
        given: Vec<Name>,
        /// The verdict expected.
        verdict: RetentionVerdict,
    },
}

/// An `expect` line with its span.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// What it expects.
    pub kind: ExpectationKind,
    /// Where it is written.
    pub span: Span,
}

/// A data-subject right the policy grants (`access`, `opt_out(sale)` …), where.
#[derive(Debug, Clone)]
pub struct RightEntry {
    /// Its `///` doc comment.
    pub docs: Option<String>,
    /// Its `//>` citation.
    pub cite: Option<String>,
    /// Where `free` (of charge) is written, if it is.
    pub free: Option<Span>,
    /// `only for basis B, C`: the bases of the processing it applies to; empty: all.
    pub only_for: Vec<BasisName>,
    /// `via "…"`: how it is exercised.
    pub via: Option<StrLit>,
    /// The right's name.
    pub name: Name,
    /// The argument in parentheses (an opt-out kind).
    pub arg: Option<Name>,
    /// The regions it is granted in.
    pub scope: Vec<RegionRef>,
    /// Where it is written.
    pub span: Span,
}

/// How fast requests are answered.
#[derive(Debug, Clone)]
pub struct ResponseEntry {
    /// Its `///` doc comment.
    pub docs: Option<String>,
    /// Its `//>` citation.
    pub cite: Option<String>,
    /// The time to answer.
    pub within: DurationLit,
    /// How much longer it may take.
    pub extension: Option<DurationLit>,
    /// The regions it applies in.
    pub scope: Vec<RegionRef>,
    /// Where it is written.
    pub span: Span,
}

/// The `rights { … }` block.
#[derive(Debug, Clone, Default)]
pub struct RightsDecl {
    /// The rights granted.
    pub rights: Vec<RightEntry>,
    /// The response times.
    pub responses: Vec<ResponseEntry>,
}
