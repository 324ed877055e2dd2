//! The typed syntax tree. Every node carries its [`Span`]; nothing here knows about pest.
//! Names are still strings: the checker interns and resolves them.

use crate::source::{SourceId, Span};

/// A name as written: an identifier, a dotted path or a region code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntLit {
    pub value: i64,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLit {
    pub value: jiff::Timestamp,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct DurationLit {
    pub value: jiff::Span,
    pub text: String,
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone)]
pub struct File {
    pub source: SourceId,
    /// `//!` lines.
    pub docs: Option<String>,
    /// `#![allow(...)]` lint names.
    pub allows: Vec<Name>,
    pub items: Vec<Item>,
}

/// A declaration with its doc comment and item-level lint silencing.
#[derive(Debug, Clone)]
pub struct Item {
    pub docs: Option<String>,
    pub allows: Vec<Name>,
    pub decl: Decl,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Decl {
    Policy(PolicyHeader),
    Use(UseDecl),
    Region(RegionDecl),
    Group(GroupDecl),
    Fact(FactDecl),
    Flag(FlagDecl),
    Category(CategoryDecl),
    Field(FieldDecl),
    SubjectKind(SubjectKindDecl),
    Attribute(AttributeDecl),
    Event(EventDecl),
    Children(ChildrenDecl),
    Purpose(PurposeDecl),
    Recipient(RecipientDecl),
    Transfer(TransferDecl),
    Localize(LocalizeDecl),
    Retain(RetainDecl),
    Deny(DenyDecl),
    Assert(AssertDecl),
    Test(TestDecl),
    Rights(RightsDecl),
}

#[derive(Debug, Clone, Default)]
pub struct PolicyHeader {
    pub name: Option<StrLit>,
    pub controllers: Vec<StrLit>,
    pub contacts: Vec<StrLit>,
    pub version: Option<StrLit>,
    pub effective: Option<DateLit>,
    pub updated: Option<DateLit>,
}

#[derive(Debug, Clone)]
pub enum UseTarget {
    /// `use std::regions`
    Std(Name),
    /// `use "relative/path.lawful"`
    File(StrLit),
}

#[derive(Debug, Clone)]
pub struct UseDecl {
    pub target: UseTarget,
}

/// `*` or a region code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionRef {
    Anywhere(Span),
    Code(Name),
}

impl RegionRef {
    pub fn span(&self) -> Span {
        match self {
            RegionRef::Anywhere(span) => *span,
            RegionRef::Code(name) => name.span,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RegionDecl {
    pub code: Name,
    pub title: Option<StrLit>,
    pub parents: Vec<RegionRef>,
}

#[derive(Debug, Clone)]
pub struct GroupDecl {
    pub code: Name,
    pub title: Option<StrLit>,
    pub members: Vec<RegionRef>,
    pub except: Vec<RegionRef>,
}

#[derive(Debug, Clone)]
pub struct FactDecl {
    pub name: Name,
    pub value: IntLit,
    pub scope: Vec<RegionRef>,
}

#[derive(Debug, Clone)]
pub struct FlagDecl {
    pub name: Name,
    pub title: Option<StrLit>,
}

#[derive(Debug, Clone)]
pub struct CategoryDecl {
    pub path: Name,
    pub title: Option<StrLit>,
    pub flags: Vec<Name>,
}

#[derive(Debug, Clone)]
pub struct FieldDecl {
    pub path: Name,
    pub category: Name,
    pub title: Option<StrLit>,
}

/// What a list of categories or purposes selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectorKind {
    /// `*`
    All,
    /// `a.b` or `a.b.*`: the node and its descendants.
    Path { path: String, star: bool },
    /// `#flag`
    Flag(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    pub kind: SelectorKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct SubjectKindDecl {
    pub name: Name,
    pub title: Option<StrLit>,
}

#[derive(Debug, Clone)]
pub struct AttributeDecl {
    pub name: Name,
    pub ty: Name,
}

#[derive(Debug, Clone)]
pub struct EventDecl {
    pub name: Name,
    pub title: Option<StrLit>,
}

#[derive(Debug, Clone)]
pub enum Threshold {
    Age(IntLit),
    Fact(Name),
}

#[derive(Debug, Clone)]
pub struct ChildThreshold {
    pub threshold: Threshold,
    pub scope: Vec<RegionRef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreatmentKind {
    Deny,
    Allow,
    /// `require parental_consent`
    Require(Name),
}

#[derive(Debug, Clone)]
pub struct ChildrenTreatment {
    pub kind: TreatmentKind,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct ChildrenDecl {
    pub thresholds: Vec<ChildThreshold>,
    /// `unknown age is child|adult`
    pub unknown_age: Option<Name>,
    pub default: Option<ChildrenTreatment>,
}

/// `consent`, `opt_out(marketing)`, …
#[derive(Debug, Clone)]
pub struct BasisName {
    pub name: Name,
    pub arg: Option<Name>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct BasisDecl {
    pub alternatives: Vec<BasisName>,
    pub scope: Option<Vec<RegionRef>>,
    pub when: Option<Condition>,
    pub art9: Option<Name>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct PurposeDecl {
    pub path: Name,
    pub title: Option<StrLit>,
    pub uses: Vec<Selector>,
    pub subjects: Vec<Name>,
    pub bases: Vec<BasisDecl>,
    pub direct_marketing: Option<Span>,
    pub survives: Vec<Name>,
    pub children: Option<ChildrenTreatment>,
    pub taints_prior_data: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientSelKind {
    Any,
    Named(String),
    Kind(Name),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientSel {
    pub kind: RecipientSelKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct RecipientDecl {
    pub name: Name,
    pub title: Option<StrLit>,
    pub kind: Name,
    pub located: Vec<RegionRef>,
    /// `located local`: in the subject's own region, so a disclosure is no transfer.
    pub located_local: bool,
    pub purposes: Vec<Selector>,
    pub categories: Vec<Selector>,
    pub sale: Option<Span>,
    pub sharing: Option<Span>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone)]
pub struct TransferDecl {
    pub data: Vec<Selector>,
    pub from: Vec<RegionRef>,
    pub to: Vec<RegionRef>,
    pub safeguard: Option<Name>,
}

#[derive(Debug, Clone)]
pub struct LocalizeDecl {
    pub data: Vec<Selector>,
    pub regions: Vec<RegionRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionBound {
    AtLeast,
    AtMost,
}

#[derive(Debug, Clone)]
pub struct RetainDecl {
    pub data: Vec<Selector>,
    pub purposes: Vec<Selector>,
    pub bound: RetentionBound,
    pub duration: DurationLit,
    pub after: Name,
    pub scope: Option<Vec<RegionRef>>,
}

/// What a `deny` rule or an assertion is about.
#[derive(Debug, Clone)]
pub enum Action {
    Use {
        data: Vec<Selector>,
        purposes: Vec<Selector>,
    },
    Disclose {
        data: Vec<Selector>,
        recipients: Vec<RecipientSel>,
        purposes: Vec<Selector>,
    },
    Sell {
        data: Vec<Selector>,
    },
    Share {
        data: Vec<Selector>,
    },
    Transfer {
        data: Vec<Selector>,
        from: Vec<RegionRef>,
        to: Vec<RegionRef>,
    },
}

#[derive(Debug, Clone)]
pub enum ExceptKind {
    When(Condition),
    For(Vec<Selector>),
    In(Vec<RegionRef>),
    ToRegions(Vec<RegionRef>),
    ToRecipients(Vec<RecipientSel>),
}

#[derive(Debug, Clone)]
pub struct Except {
    pub kind: ExceptKind,
    pub span: Span,
}

/// The `in … when … except …` tail shared by rules and `never` assertions.
#[derive(Debug, Clone, Default)]
pub struct RuleScope {
    pub regions: Option<Vec<RegionRef>>,
    pub when: Option<Condition>,
    pub excepts: Vec<Except>,
}

#[derive(Debug, Clone)]
pub struct DenyDecl {
    pub name: Name,
    pub action: Action,
    pub action_span: Span,
    pub scope: RuleScope,
}

#[derive(Debug, Clone)]
pub enum AssertKind {
    /// `never ACTION …` / `always deny ACTION …`
    Never { action: Action, scope: RuleScope },
    /// `only P, Q may use C`
    Only {
        purposes: Vec<Selector>,
        data: Vec<Selector>,
    },
    /// `P requires consent in R`
    Requires {
        purpose: Name,
        basis: Name,
        scope: Option<Vec<RegionRef>>,
    },
}

#[derive(Debug, Clone)]
pub struct AssertDecl {
    pub kind: AssertKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiteralKind {
    Bool(bool),
    Int(i64),
    Str(String),
    /// A bare identifier, e.g. a subject kind.
    Ident(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    pub kind: LiteralKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum SubjectTest {
    /// `subject.child`, `subject.verified`
    Bare,
    Compare(CmpOp, Literal),
    InRegions(Vec<RegionRef>),
}

#[derive(Debug, Clone)]
pub enum CondKind {
    True,
    False,
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    /// `subject.NAME …`
    Subject {
        field: Name,
        test: SubjectTest,
    },
    /// `"x" in subject.roles`
    SetMember {
        value: StrLit,
        attribute: Name,
    },
    /// `consent(P)`, `opted_out(sale)`, `gpc`, `restricted`, …
    Predicate {
        name: Name,
        arg: Option<Selector>,
    },
}

#[derive(Debug, Clone)]
pub struct Condition {
    pub kind: CondKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct TestDecl {
    pub name: StrLit,
    pub subject: Option<SubjectSpec>,
    pub expectations: Vec<Expectation>,
}

#[derive(Debug, Clone)]
pub struct SubjectSpec {
    pub entries: Vec<SubjectEntry>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum AttrValueKind {
    Scalar(LiteralKind),
    Set(Vec<String>),
}

#[derive(Debug, Clone)]
pub enum SubjectEntryKind {
    Region(Name),
    Age(IntLit),
    Kind(Name),
    Consent {
        explicit: bool,
        purpose: Name,
        at: Option<DateLit>,
    },
    Withdrawn {
        purpose: Name,
        at: DateLit,
    },
    Objected(Vec<Name>),
    OptedOut(Vec<Name>),
    Set {
        attribute: Name,
        value: AttrValueKind,
    },
    /// `gpc`, `restricted`, `erased`, `account_deleted`, `parental_consent`
    Flag(Name),
}

#[derive(Debug, Clone)]
pub struct SubjectEntry {
    pub kind: SubjectEntryKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
pub enum QueryKind {
    Use {
        data: Name,
        purpose: Name,
    },
    Disclose {
        data: Name,
        recipient: Name,
        purpose: Name,
    },
    Transfer {
        data: Selector,
        from: Name,
        to: Name,
    },
}

#[derive(Debug, Clone)]
pub struct Query {
    pub kind: QueryKind,
    pub region: Option<Name>,
    pub collected: Option<DateLit>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExpectDetail {
    Basis(Name),
    Safeguard(Name),
}

#[derive(Debug, Clone)]
pub struct RetentionVerdict {
    pub name: Name,
    pub date: Option<DateLit>,
}

#[derive(Debug, Clone)]
pub enum ExpectationKind {
    Decision {
        outcome: Outcome,
        reason: Option<Name>,
        query: Query,
        detail: Option<ExpectDetail>,
    },
    Retention {
        data: Selector,
        purpose: Option<Name>,
        region: Name,
        events: Vec<(Name, DateLit)>,
        now: DateLit,
        verdict: RetentionVerdict,
    },
}

#[derive(Debug, Clone)]
pub struct Expectation {
    pub kind: ExpectationKind,
    pub span: Span,
}

/// A data-subject right the policy grants (`access`, `opt_out(sale)` …), where.
#[derive(Debug, Clone)]
pub struct RightEntry {
    pub docs: Option<String>,
    pub name: Name,
    pub arg: Option<Name>,
    pub scope: Vec<RegionRef>,
    pub span: Span,
}

/// How fast requests are answered.
#[derive(Debug, Clone)]
pub struct ResponseEntry {
    pub docs: Option<String>,
    pub within: DurationLit,
    pub extension: Option<DurationLit>,
    pub scope: Vec<RegionRef>,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct RightsDecl {
    pub rights: Vec<RightEntry>,
    pub responses: Vec<ResponseEntry>,
}
