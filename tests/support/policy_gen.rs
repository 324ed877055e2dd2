//! Random small policies as *text*, for differential tests (`tests/differential.rs`): a
//! structured [`Spec`] drawn by proptest (so a failing policy shrinks), rendered to the
//! `lawful` language and compiled by the real parser and checker.
//!
//! Every name a spec refers to is drawn as a [`proptest::sample::Index`] into the lists of
//! names the spec actually declares, so a shrunk spec stays well-formed. [`Mutation`]s change
//! one declaration without renaming anything, so the same questions can be asked, by name,
//! of a policy and its mutation.

use std::fmt::Write as _;

use proptest::prelude::*;
use proptest::sample::Index;

/// Region scopes rules and bases are drawn from: places, the nested groups `EU ⊂ EEA`, and
/// `ROW`, everything outside the EEA.
pub const SCOPES: &[&str] = &["EU", "EEA", "DE", "FR", "NO", "US", "US-CA", "CN", "ROW"];
/// The special category every policy declares.
pub const SPECIAL: &str = "user.health.weight";
/// Optional categories (name, flags).
const CATEGORIES: &[(&str, &str)] = &[
    ("user.contact.email", ""),
    ("user.contact.phone", ""),
    ("user.device.id", ""),
    ("user.finance.card", " sensitive"),
];
/// Purposes; `marketing.email` implies `marketing` when only it is declared.
const PURPOSES: &[&str] = &["marketing", "marketing.email", "service", "analytics"];
const RECIPIENT_KINDS: &[&str] = &["processor", "partner", "ad_network", "affiliate"];
const OPT_OUTS: &[&str] = &[
    "sale",
    "sharing",
    "targeted_advertising",
    "profiling",
    "marketing",
    "limit_sensitive",
];
/// The channels a direct-marketing purpose may name.
pub const CHANNELS: &[&str] = &["email", "sms", "push", "phone"];
// `unstated`: a permission that names no safeguard (denied `safeguard_unstated` unless the
// transfer needs none).
const SAFEGUARDS: &[&str] = &["scc", "adequacy", "bcr", "consent", "unstated"];
/// Attribute literals a condition may test (the subject sampler uses the same, and more).
pub const TIERS: &[&str] = &["gold", "silver"];
pub const TAGS: &[&str] = &["s1", "s2"];
/// The circumstances every generated policy declares (given per question).
pub const CIRCUMSTANCES: &[&str] = &["permitted_by_law", "legal_claims_brought"];
/// Age constants of conditions: thresholds, and the edges of the ages a subject can state.
pub const AGE_CONSTANTS: &[i64] = &[0, 1, 13, 15, 16, 18, 150, 151];
pub const N_CONSTANTS: &[i64] = &[-1, 0, 2, 5];
const OPS: &[&str] = &["<", "<=", ">", ">=", "==", "!="];

fn pick<'a>(ix: &Index, items: &[&'a str]) -> &'a str {
    if items.is_empty() {
        "*"
    } else {
        items[ix.index(items.len())]
    }
}

// ---------------------------------------------------------------- the spec

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    Deny,
    Allow,
    Parental,
}

impl Treatment {
    fn text(self) -> &'static str {
        match self {
            Treatment::Deny => "deny",
            Treatment::Allow => "allow",
            Treatment::Parental => "require parental_consent",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Atom {
    True,
    False,
    Child,
    Adult,
    Age(&'static str, i64),
    Verified,
    VerifiedIs(bool),
    N(&'static str, i64),
    TierEq(&'static str),
    TierNe(&'static str),
    Tag(&'static str),
    RegionIn(Index),
    Guest,
    NotUser,
    Consent(Index),
    ExplicitConsent(Index),
    Objected(Index),
    OptedOut(Index),
    Gpc,
    Restricted,
    Erased,
    ParentalConsent,
    /// `circumstance.NAME`.
    Circumstance(Index),
}

#[derive(Debug, Clone)]
pub enum Cond {
    Atom(Atom),
    Not(Box<Cond>),
    /// `known C`.
    Known(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasisName {
    Consent,
    ExplicitConsent,
    LegitimateInterest,
    Contract,
    LegalObligation,
    OptOut(usize),
}

impl BasisName {
    fn text(self) -> String {
        match self {
            BasisName::Consent => "consent".to_owned(),
            BasisName::ExplicitConsent => "explicit_consent".to_owned(),
            BasisName::LegitimateInterest => "legitimate_interest".to_owned(),
            BasisName::Contract => "contract".to_owned(),
            BasisName::LegalObligation => "legal_obligation".to_owned(),
            BasisName::OptOut(k) => format!("opt_out({})", OPT_OUTS[k % OPT_OUTS.len()]),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Basis {
    pub alternatives: Vec<BasisName>,
    pub scope: Option<Index>,
    pub when: Option<Cond>,
    /// An Art. 9 condition even where none is needed (it is always added where one is).
    pub art9: bool,
    /// `overrides objection when C`, written only where it is valid (a `legitimate_interest`
    /// alternative, a purpose that is not direct marketing).
    pub overrides: Option<Cond>,
}

#[derive(Debug, Clone)]
pub struct Purpose {
    pub uses: Vec<Index>,
    pub bases: Vec<Basis>,
    pub children: Option<Treatment>,
    pub direct_marketing: bool,
    /// `subjects user` (`false`: `subjects guest`).
    pub subjects: Option<bool>,
    pub taints: bool,
    pub survives: Option<usize>,
    /// `channel …` (written only for a direct-marketing purpose).
    pub channel: Option<usize>,
}

#[derive(Debug, Clone, Copy)]
pub enum Threshold {
    Age(u8),
    /// `under consent_age` (a regime fact the header declares).
    Fact,
}

#[derive(Debug, Clone)]
pub struct Children {
    pub thresholds: Vec<(Threshold, Option<Index>)>,
    pub unknown_is_child: Option<bool>,
    pub default: Option<Treatment>,
}

#[derive(Debug, Clone)]
pub enum Located {
    Local,
    In(Vec<Index>),
}

#[derive(Debug, Clone)]
pub struct Recipient {
    pub kind: Index,
    pub located: Option<Located>,
    pub purposes: Vec<Index>,
    pub categories: Vec<Index>,
    pub sale: bool,
    pub sharing: bool,
    pub when: Option<Cond>,
    /// `requires consent` (`Some(false)`) or `requires explicit consent` (`Some(true)`).
    pub consent: Option<bool>,
}

#[derive(Debug, Clone)]
pub enum RecipientSel {
    Any,
    Kind(Index),
    Named(Index),
}

#[derive(Debug, Clone)]
pub enum Action {
    Use(Vec<Index>, Vec<Index>),
    Disclose(Vec<Index>, RecipientSel, Option<Vec<Index>>),
    Sell(Vec<Index>),
    Share(Vec<Index>),
    Transfer(Vec<Index>, Index, Index),
    /// `combine A with B [for P]`.
    Combine(Vec<Index>, Vec<Index>, Option<Vec<Index>>),
}

#[derive(Debug, Clone)]
pub enum Except {
    For(Index),
    In(Index),
    When(Cond),
    /// `except to REGION` (transfers only).
    To(Index),
    /// `except to RECIPIENT` (disclosures only).
    ToRecipient(RecipientSel),
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub action: Action,
    pub scope: Option<Index>,
    pub when: Option<Cond>,
    pub excepts: Vec<Except>,
}

/// `when [not] circumstance.NAME` of a transfer or localisation (circumstances only).
pub type Situation = Option<(bool, Index)>;

#[derive(Debug, Clone)]
pub struct Transfer {
    pub categories: Vec<Index>,
    pub from: Index,
    pub to: Index,
    pub safeguard: Index,
    /// `when [not] circumstance.NAME` (circumstances only).
    pub when: Situation,
}

#[derive(Debug, Clone)]
pub enum Assertion {
    /// `assert never …`, or with `true` its synonym `assert always deny …`.
    Never(Rule, bool),
    Only(Vec<Index>, Vec<Index>),
    Requires(Index, usize, Option<Index>),
}

const REQUIRED_BASES: &[&str] = &[
    "consent",
    "explicit_consent",
    "opt_out",
    "contract",
    "legitimate_interest",
];

#[derive(Debug, Clone)]
pub struct Spec {
    /// Which of [`CATEGORIES`] are declared (besides [`SPECIAL`], always declared).
    pub categories: [bool; 4],
    /// A field per category (index 4: the special one).
    pub fields: [bool; 5],
    /// Which of [`PURPOSES`] are declared (at least two are).
    pub declared: [bool; 4],
    pub purposes: [Purpose; 4],
    pub children: Option<Children>,
    pub recipients: Vec<Recipient>,
    pub transfers: Vec<Transfer>,
    pub localize: Option<(Index, Index, Situation)>,
    pub rules: Vec<Rule>,
    pub assertions: Vec<Assertion>,
}

// ---------------------------------------------------------------- names a spec declares

impl Spec {
    /// Declared categories (the special one last).
    pub fn category_names(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = CATEGORIES
            .iter()
            .zip(self.categories)
            .filter(|(_, on)| *on)
            .map(|((name, _), _)| *name)
            .collect();
        out.push(SPECIAL);
        out
    }

    /// Category selectors: names, parents, `parent.*`, `user.*`, flags, `*`.
    pub fn category_selectors(&self) -> Vec<String> {
        let names = self.category_names();
        let mut out: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut parents: Vec<String> = names
            .iter()
            .filter_map(|n| n.rsplit_once('.').map(|(p, _)| p.to_owned()))
            .collect();
        parents.dedup();
        out.extend(parents.iter().cloned());
        out.extend(parents.iter().map(|p| format!("{p}.*")));
        out.extend(["user.*", "#special", "#sensitive", "*"].map(str::to_owned));
        out
    }

    /// Whether a category selector may select the special category.
    fn selects_special(selector: &str) -> bool {
        matches!(
            selector,
            "*" | "user" | "user.*" | "#special" | "#sensitive"
        ) || selector.starts_with("user.health")
    }

    /// Indices (into [`PURPOSES`]) of declared purposes: at least two.
    fn declared_slots(&self) -> Vec<usize> {
        let mut slots: Vec<usize> = (0..4).filter(|&i| self.declared[i]).collect();
        for i in 0..4 {
            if slots.len() >= 2 {
                break;
            }
            if !slots.contains(&i) {
                slots.push(i);
            }
        }
        slots.sort_unstable();
        slots
    }

    pub fn purpose_names(&self) -> Vec<&'static str> {
        self.declared_slots()
            .into_iter()
            .map(|i| PURPOSES[i])
            .collect()
    }

    pub fn purpose_selectors(&self) -> Vec<String> {
        let names = self.purpose_names();
        let mut out: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        if names.iter().any(|n| n.starts_with("marketing")) {
            out.push("marketing.*".to_owned());
        }
        out.push("*".to_owned());
        out
    }

    pub fn recipient_names(&self) -> Vec<String> {
        (0..self.recipients.len())
            .map(|i| format!("r{i}"))
            .collect()
    }
}

// ---------------------------------------------------------------- rendering

struct Names {
    cats: Vec<String>,
    purposes: Vec<&'static str>,
    purpose_sels: Vec<String>,
    recipients: Vec<String>,
}

fn sel_list(ixs: &[Index], items: &[String]) -> String {
    let mut chosen: Vec<&str> = ixs
        .iter()
        .map(|ix| items[ix.index(items.len())].as_str())
        .collect();
    chosen.dedup();
    if chosen.is_empty() {
        chosen.push("*");
    }
    chosen.join(", ")
}

fn scope_text(ix: &Index) -> &'static str {
    pick(ix, SCOPES)
}

impl Cond {
    fn render(&self, n: &Names, out: &mut String) {
        match self {
            Cond::Atom(atom) => atom.render(n, out),
            Cond::Not(inner) => {
                out.push_str("not ");
                inner.render(n, out);
            }
            Cond::Known(inner) => {
                out.push_str("known ");
                inner.render(n, out);
            }
            Cond::And(a, b) | Cond::Or(a, b) => {
                out.push('(');
                a.render(n, out);
                out.push_str(if matches!(self, Cond::And(..)) {
                    " and "
                } else {
                    " or "
                });
                b.render(n, out);
                out.push(')');
            }
        }
    }

    fn text(&self, n: &Names) -> String {
        let mut out = String::new();
        self.render(n, &mut out);
        out
    }
}

impl Atom {
    fn render(&self, n: &Names, out: &mut String) {
        let _ = match self {
            Atom::True => write!(out, "true"),
            Atom::False => write!(out, "false"),
            Atom::Child => write!(out, "subject.child"),
            Atom::Adult => write!(out, "subject.adult"),
            Atom::Age(op, k) => write!(out, "subject.age {op} {k}"),
            Atom::Verified => write!(out, "subject.verified"),
            Atom::VerifiedIs(b) => write!(out, "subject.verified == {b}"),
            Atom::N(op, k) => write!(out, "subject.n {op} {k}"),
            Atom::TierEq(s) => write!(out, "subject.tier == \"{s}\""),
            Atom::TierNe(s) => write!(out, "subject.tier != \"{s}\""),
            Atom::Tag(s) => write!(out, "\"{s}\" in subject.tags"),
            Atom::RegionIn(ix) => write!(out, "subject.region in {}", scope_text(ix)),
            Atom::Guest => write!(out, "subject.kind == guest"),
            Atom::NotUser => write!(out, "subject.kind != user"),
            Atom::Consent(ix) => write!(out, "consent({})", pick(ix, &n.purposes)),
            Atom::ExplicitConsent(ix) => {
                write!(out, "explicit_consent({})", pick(ix, &n.purposes))
            }
            Atom::Objected(ix) => write!(out, "objected({})", pick(ix, &n.purposes)),
            Atom::OptedOut(ix) => write!(out, "opted_out({})", pick(ix, OPT_OUTS)),
            Atom::Gpc => write!(out, "gpc"),
            Atom::Restricted => write!(out, "restricted"),
            Atom::Erased => write!(out, "erased"),
            Atom::ParentalConsent => write!(out, "parental_consent"),
            Atom::Circumstance(ix) => write!(out, "circumstance.{}", pick(ix, CIRCUMSTANCES)),
        };
    }
}

fn recipient_text(to: &RecipientSel, n: &Names) -> String {
    match to {
        RecipientSel::Any => "*".to_owned(),
        RecipientSel::Kind(ix) => format!("kind {}", pick(ix, RECIPIENT_KINDS)),
        RecipientSel::Named(ix) if !n.recipients.is_empty() => {
            n.recipients[ix.index(n.recipients.len())].clone()
        }
        RecipientSel::Named(ix) => format!("kind {}", pick(ix, RECIPIENT_KINDS)),
    }
}

impl Rule {
    /// The action and its modifiers, without `deny NAME:` or `assert never`.
    fn text(&self, n: &Names) -> String {
        let mut out = match &self.action {
            Action::Use(cats, purposes) => format!(
                "use {} for {}",
                sel_list(cats, &n.cats),
                sel_list(purposes, &n.purpose_sels)
            ),
            Action::Disclose(cats, to, purposes) => {
                let mut text = format!(
                    "disclose {} to {}",
                    sel_list(cats, &n.cats),
                    recipient_text(to, n)
                );
                if let Some(purposes) = purposes {
                    let _ = write!(text, " for {}", sel_list(purposes, &n.purpose_sels));
                }
                text
            }
            Action::Sell(cats) => format!("sell {}", sel_list(cats, &n.cats)),
            Action::Share(cats) => format!("share {}", sel_list(cats, &n.cats)),
            Action::Transfer(cats, from, to) => format!(
                "transfer {} from {} to {}",
                sel_list(cats, &n.cats),
                scope_text(from),
                scope_text(to)
            ),
            Action::Combine(cats, with, purposes) => {
                let mut text = format!(
                    "combine {} with {}",
                    sel_list(cats, &n.cats),
                    sel_list(with, &n.cats)
                );
                if let Some(purposes) = purposes {
                    let _ = write!(text, " for {}", sel_list(purposes, &n.purpose_sels));
                }
                text
            }
        };
        if let Some(scope) = &self.scope {
            let _ = write!(out, " in {}", scope_text(scope));
        }
        if let Some(when) = &self.when {
            let _ = write!(out, " when {}", when.text(n));
        }
        for except in &self.excepts {
            let _ = match except {
                Except::For(ix) => write!(
                    out,
                    " except for {}",
                    n.purpose_sels[ix.index(n.purpose_sels.len())]
                ),
                Except::In(ix) => write!(out, " except in {}", scope_text(ix)),
                Except::When(c) => write!(out, " except when {}", c.text(n)),
                Except::To(ix) => write!(out, " except to {}", scope_text(ix)),
                Except::ToRecipient(to) => write!(out, " except to {}", recipient_text(to, n)),
            };
        }
        out
    }
}

/// Lints the generated policies may trigger (they are warnings; the checker's errors are
/// what decides whether a policy compiles).
const HEADER: &str = "#![allow(unused-category, unused-field, unused-recipient, empty-purpose, \
purpose-without-retention, basis-gap, shadowed-rule, unreachable-purpose, useless-exception)]
policy \"Generated\" { controller \"G\" }
region DE \"Germany\"
region FR \"France\"
region NO \"Norway\"
region US \"United States\"
region US-CA \"California\" in US
region CN \"China\"
group EU \"European Union\" = DE, FR
group EEA \"European Economic Area\" = EU, NO
group ROW \"Rest of the world\" = * except EEA
fact consent_age = 15
fact consent_age = 16 in DE
fact consent_age = 13 in FR
subject kind user
subject kind guest
attribute verified: bool
attribute n: int
attribute tier: string
attribute tags: set
circumstance permitted_by_law \"Permitted by law\"
circumstance legal_claims_brought
";

impl Spec {
    fn names(&self) -> Names {
        Names {
            cats: self.category_selectors(),
            purposes: self.purpose_names(),
            purpose_sels: self.purpose_selectors(),
            recipients: self.recipient_names(),
        }
    }

    /// The policy text.
    pub fn render(&self) -> String {
        let n = self.names();
        let mut out = String::from(HEADER);
        for ((name, flags), on) in CATEGORIES.iter().zip(self.categories) {
            if on {
                let _ = writeln!(out, "category {name}{flags}");
            }
        }
        let _ = writeln!(out, "category {SPECIAL} special sensitive");
        let with_special = CATEGORIES
            .iter()
            .map(|(name, _)| *name)
            .zip(self.categories)
            .chain([(SPECIAL, true)]);
        for ((name, declared), field) in with_special.zip(self.fields) {
            if declared && field {
                let leaf = name.rsplit('.').next().unwrap_or(name);
                let _ = writeln!(out, "field t.{leaf}: {name}");
            }
        }
        if let Some(children) = &self.children {
            out.push_str("children {\n");
            for (threshold, scope) in &children.thresholds {
                let _ = match threshold {
                    Threshold::Age(k) => write!(out, "  under {k}"),
                    Threshold::Fact => write!(out, "  under consent_age"),
                };
                if let Some(scope) = scope {
                    let _ = write!(out, " in {}", scope_text(scope));
                }
                out.push('\n');
            }
            if let Some(child) = children.unknown_is_child {
                let _ = writeln!(
                    out,
                    "  unknown age is {}",
                    if child { "child" } else { "adult" }
                );
            }
            if let Some(default) = children.default {
                let _ = writeln!(out, "  default {}", default.text());
            }
            out.push_str("}\n");
        }
        for slot in self.declared_slots() {
            let purpose = &self.purposes[slot];
            let _ = writeln!(out, "purpose {} {{", PURPOSES[slot]);
            let uses = sel_list(&purpose.uses, &n.cats);
            let special = uses.split(", ").any(Spec::selects_special);
            let _ = writeln!(out, "  uses {uses}");
            for basis in &purpose.bases {
                let names: Vec<String> = basis.alternatives.iter().map(|b| b.text()).collect();
                let _ = write!(out, "  basis {}", names.join(" or "));
                let explicit_only = basis
                    .alternatives
                    .iter()
                    .all(|b| *b == BasisName::ExplicitConsent);
                if basis.art9 || (special && !explicit_only) {
                    out.push_str(" art9(health_care)");
                }
                if let Some(scope) = &basis.scope {
                    let _ = write!(out, " in {}", scope_text(scope));
                }
                if let Some(when) = &basis.when {
                    let _ = write!(out, " when {}", when.text(&n));
                }
                let legitimate = basis.alternatives.contains(&BasisName::LegitimateInterest);
                if let (Some(over), true, false) =
                    (&basis.overrides, legitimate, purpose.direct_marketing)
                {
                    let _ = write!(out, " overrides objection when {}", over.text(&n));
                }
                out.push('\n');
            }
            if let Some(t) = purpose.children {
                let _ = writeln!(out, "  children {}", t.text());
            }
            if purpose.direct_marketing {
                out.push_str("  direct_marketing\n");
            }
            if let Some(users) = purpose.subjects {
                let _ = writeln!(out, "  subjects {}", if users { "user" } else { "guest" });
            }
            if purpose.taints {
                out.push_str("  withdrawal taints prior data\n");
            }
            if let (Some(channel), true) = (purpose.channel, purpose.direct_marketing) {
                let _ = writeln!(out, "  channel {}", CHANNELS[channel % CHANNELS.len()]);
            }
            if let Some(which) = purpose.survives {
                let what = [
                    "restriction",
                    "erasure",
                    "restriction, erasure",
                    "limit_sensitive",
                ];
                let _ = writeln!(out, "  survives {}", what[which % what.len()]);
            }
            out.push_str("}\n");
        }
        for (i, r) in self.recipients.iter().enumerate() {
            let _ = write!(
                out,
                "recipient r{i} kind {}",
                pick(&r.kind, RECIPIENT_KINDS)
            );
            match &r.located {
                None => {}
                Some(Located::Local) => out.push_str(" located local"),
                Some(Located::In(places)) => {
                    let mut names: Vec<&str> = places.iter().map(|ix| pick(ix, SCOPES)).collect();
                    names.dedup();
                    if names.is_empty() {
                        names.push("US");
                    }
                    let _ = write!(out, " located {}", names.join(", "));
                }
            }
            out.push_str(" {\n");
            let _ = writeln!(out, "  purposes {}", sel_list(&r.purposes, &n.purpose_sels));
            let _ = writeln!(out, "  categories {}", sel_list(&r.categories, &n.cats));
            if r.sale {
                out.push_str("  sale\n");
            }
            if r.sharing {
                out.push_str("  sharing\n");
            }
            if let Some(when) = &r.when {
                let _ = writeln!(out, "  when {}", when.text(&n));
            }
            match r.consent {
                Some(true) => out.push_str("  requires explicit consent\n"),
                Some(false) => out.push_str("  requires consent\n"),
                None => {}
            }
            out.push_str("}\n");
        }
        let situation = |when: &Situation| match when {
            None => String::new(),
            Some((negated, ix)) => format!(
                " when {}circumstance.{}",
                if *negated { "not " } else { "" },
                pick(ix, CIRCUMSTANCES)
            ),
        };
        for t in &self.transfers {
            let _ = writeln!(
                out,
                "transfer {} from {} to {} with {}{}",
                sel_list(&t.categories, &n.cats),
                scope_text(&t.from),
                scope_text(&t.to),
                pick(&t.safeguard, SAFEGUARDS),
                situation(&t.when)
            );
        }
        if let Some((cat, scope, unless)) = &self.localize {
            let unless = situation(unless);
            let _ = writeln!(
                out,
                "localize {} in {}{}",
                n.cats[cat.index(n.cats.len())],
                scope_text(scope),
                if unless.is_empty() {
                    String::new()
                } else {
                    format!(" except{unless}")
                }
            );
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let _ = writeln!(out, "deny rule{i}: {}", rule.text(&n));
        }
        for assertion in &self.assertions {
            let _ = match assertion {
                Assertion::Never(rule, always) => writeln!(
                    out,
                    "assert {} {}",
                    if *always { "always deny" } else { "never" },
                    rule.text(&n)
                ),
                Assertion::Only(purposes, cats) => writeln!(
                    out,
                    "assert only {} may use {}",
                    sel_list(purposes, &n.purpose_sels),
                    sel_list(cats, &n.cats)
                ),
                Assertion::Requires(purpose, basis, scope) => {
                    let _ = write!(
                        out,
                        "assert {} requires {}",
                        pick(purpose, &n.purposes),
                        REQUIRED_BASES[basis % REQUIRED_BASES.len()]
                    );
                    match scope {
                        Some(scope) => writeln!(out, " in {}", scope_text(scope)),
                        None => writeln!(out),
                    }
                }
            };
        }
        out
    }
}

// ---------------------------------------------------------------- strategies

fn ix() -> impl Strategy<Value = Index> {
    any::<Index>()
}

fn ixs(max: usize) -> impl Strategy<Value = Vec<Index>> {
    proptest::collection::vec(ix(), 1..=max)
}

fn treatment() -> impl Strategy<Value = Treatment> {
    prop_oneof![
        Just(Treatment::Deny),
        Just(Treatment::Allow),
        Just(Treatment::Parental)
    ]
}

fn atom() -> impl Strategy<Value = Atom> {
    let op = || proptest::sample::select(OPS);
    let age = proptest::sample::select(AGE_CONSTANTS);
    let n = proptest::sample::select(N_CONSTANTS);
    let tier = proptest::sample::select(TIERS);
    prop_oneof![
        1 => Just(Atom::True),
        1 => Just(Atom::False),
        1 => Just(Atom::Child),
        1 => Just(Atom::Adult),
        3 => (op(), age).prop_map(|(op, k)| Atom::Age(op, k)),
        1 => Just(Atom::Verified),
        1 => any::<bool>().prop_map(Atom::VerifiedIs),
        2 => (op(), n).prop_map(|(op, k)| Atom::N(op, k)),
        1 => tier.clone().prop_map(Atom::TierEq),
        1 => tier.prop_map(Atom::TierNe),
        1 => proptest::sample::select(TAGS).prop_map(Atom::Tag),
        1 => ix().prop_map(Atom::RegionIn),
        1 => Just(Atom::Guest),
        1 => Just(Atom::NotUser),
        1 => ix().prop_map(Atom::Consent),
        1 => ix().prop_map(Atom::ExplicitConsent),
        1 => ix().prop_map(Atom::Objected),
        1 => ix().prop_map(Atom::OptedOut),
        1 => Just(Atom::Gpc),
        1 => Just(Atom::Restricted),
        1 => Just(Atom::Erased),
        1 => Just(Atom::ParentalConsent),
        2 => ix().prop_map(Atom::Circumstance),
    ]
}

pub fn cond() -> impl Strategy<Value = Cond> {
    atom()
        .prop_map(Cond::Atom)
        .prop_recursive(2, 6, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
                inner.clone().prop_map(|c| Cond::Known(Box::new(c))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
            ]
        })
}

fn maybe_cond(weight: f64) -> impl Strategy<Value = Option<Cond>> {
    proptest::option::weighted(weight, cond())
}

fn basis_name() -> impl Strategy<Value = BasisName> {
    prop_oneof![
        3 => Just(BasisName::Consent),
        1 => Just(BasisName::ExplicitConsent),
        2 => Just(BasisName::LegitimateInterest),
        2 => Just(BasisName::Contract),
        1 => Just(BasisName::LegalObligation),
        2 => (0..OPT_OUTS.len()).prop_map(BasisName::OptOut),
    ]
}

pub fn basis() -> impl Strategy<Value = Basis> {
    (
        proptest::collection::vec(basis_name(), 1..=2),
        proptest::option::weighted(0.6, ix()),
        maybe_cond(0.3),
        proptest::bool::weighted(0.1),
        maybe_cond(0.4),
    )
        .prop_map(|(alternatives, scope, when, art9, overrides)| Basis {
            alternatives,
            scope,
            when,
            art9,
            overrides,
        })
}

fn purpose() -> impl Strategy<Value = Purpose> {
    (
        ixs(2),
        proptest::collection::vec(basis(), 1..=3),
        proptest::option::weighted(0.3, treatment()),
        proptest::bool::weighted(0.2),
        proptest::option::weighted(0.25, proptest::bool::weighted(0.7)),
        proptest::bool::weighted(0.3),
        proptest::option::weighted(0.2, 0..4usize),
        proptest::option::weighted(0.5, 0..4usize),
    )
        .prop_map(
            |(uses, bases, children, direct_marketing, subjects, taints, survives, channel)| {
                Purpose {
                    uses,
                    bases,
                    children,
                    direct_marketing,
                    subjects,
                    taints,
                    survives,
                    channel,
                }
            },
        )
}

fn threshold() -> impl Strategy<Value = Threshold> {
    prop_oneof![
        4 => proptest::sample::select(&[13u8, 14, 16, 18][..]).prop_map(Threshold::Age),
        1 => Just(Threshold::Fact),
    ]
}

fn children() -> impl Strategy<Value = Children> {
    (
        proptest::collection::vec((threshold(), proptest::option::weighted(0.8, ix())), 1..=2),
        proptest::option::of(any::<bool>()),
        proptest::option::of(treatment()),
    )
        .prop_map(|(thresholds, unknown_is_child, default)| Children {
            thresholds,
            unknown_is_child,
            default,
        })
}

fn located() -> impl Strategy<Value = Option<Located>> {
    proptest::option::weighted(
        0.7,
        prop_oneof![
            1 => Just(Located::Local),
            4 => proptest::collection::vec(ix(), 1..=2).prop_map(Located::In),
        ],
    )
}

fn recipient() -> impl Strategy<Value = Recipient> {
    (
        ix(),
        located(),
        ixs(2),
        ixs(2),
        proptest::bool::weighted(0.4),
        proptest::bool::weighted(0.3),
        maybe_cond(0.3),
        proptest::option::weighted(0.2, proptest::bool::ANY),
    )
        .prop_map(
            |(kind, located, purposes, categories, sale, sharing, when, consent)| Recipient {
                kind,
                located,
                purposes,
                categories,
                sale,
                sharing,
                when,
                consent,
            },
        )
}

fn action() -> impl Strategy<Value = Action> {
    let to = recipient_sel();
    prop_oneof![
        3 => (ixs(2), ixs(2)).prop_map(|(c, p)| Action::Use(c, p)),
        2 => (ixs(2), to, proptest::option::weighted(0.3, ixs(1)))
            .prop_map(|(c, r, p)| Action::Disclose(c, r, p)),
        1 => ixs(2).prop_map(Action::Sell),
        1 => ixs(2).prop_map(Action::Share),
        1 => (ixs(2), ix(), ix()).prop_map(|(c, f, t)| Action::Transfer(c, f, t)),
        1 => (ixs(2), ixs(2), proptest::option::weighted(0.3, ixs(1)))
            .prop_map(|(c, w, p)| Action::Combine(c, w, p)),
    ]
}

fn recipient_sel() -> impl Strategy<Value = RecipientSel> {
    prop_oneof![
        Just(RecipientSel::Any),
        ix().prop_map(RecipientSel::Kind),
        ix().prop_map(RecipientSel::Named),
    ]
}

pub fn except() -> impl Strategy<Value = Except> {
    prop_oneof![
        ix().prop_map(Except::For),
        ix().prop_map(Except::In),
        cond().prop_map(Except::When),
        ix().prop_map(Except::To),
        recipient_sel().prop_map(Except::ToRecipient),
    ]
}

/// Whether `except` fits `action` (`except to` needs a destination or a recipient).
fn fits(except: &Except, action: &Action) -> bool {
    match except {
        Except::To(_) => matches!(action, Action::Transfer(..)),
        Except::ToRecipient(_) => {
            matches!(
                action,
                Action::Disclose(..) | Action::Sell(_) | Action::Share(_)
            )
        }
        _ => true,
    }
}

pub fn rule() -> impl Strategy<Value = Rule> {
    (
        action(),
        proptest::option::weighted(0.3, ix()),
        maybe_cond(0.4),
        proptest::collection::vec(except(), 0..=2),
    )
        .prop_map(|(action, scope, when, excepts)| {
            let excepts = excepts.into_iter().filter(|e| fits(e, &action)).collect();
            Rule {
                action,
                scope,
                when,
                excepts,
            }
        })
}

fn situation() -> impl Strategy<Value = Situation> {
    proptest::option::weighted(0.3, (any::<bool>(), ix()))
}

fn transfer() -> impl Strategy<Value = Transfer> {
    (ixs(2), ix(), ix(), ix(), situation()).prop_map(|(categories, from, to, safeguard, when)| {
        Transfer {
            categories,
            from,
            to,
            safeguard,
            when,
        }
    })
}

fn assertion() -> impl Strategy<Value = Assertion> {
    let never = (
        action(),
        proptest::option::weighted(0.3, ix()),
        maybe_cond(0.4),
        proptest::collection::vec(except(), 0..=1),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(action, scope, when, excepts, always)| {
            let excepts = excepts.into_iter().filter(|e| fits(e, &action)).collect();
            Assertion::Never(
                Rule {
                    action,
                    scope,
                    when,
                    excepts,
                },
                always,
            )
        });
    prop_oneof![
        3 => never,
        1 => (ixs(2), ixs(2)).prop_map(|(p, c)| Assertion::Only(p, c)),
        1 => (ix(), 0..REQUIRED_BASES.len(), proptest::option::weighted(0.6, ix()))
            .prop_map(|(p, b, s)| Assertion::Requires(p, b, s)),
    ]
}

/// A small random policy.
pub fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            any::<[bool; 4]>(),
            any::<[bool; 5]>(),
            any::<[bool; 4]>(),
            [purpose(), purpose(), purpose(), purpose()],
            proptest::option::weighted(0.6, children()),
        ),
        (
            proptest::collection::vec(recipient(), 0..=2),
            proptest::collection::vec(transfer(), 0..=3),
            proptest::option::weighted(0.2, (ix(), ix(), situation())),
            proptest::collection::vec(rule(), 0..=3),
            proptest::collection::vec(assertion(), 1..=3),
        ),
    )
        .prop_map(
            |(
                (categories, fields, declared, purposes, children),
                (recipients, transfers, localize, rules, assertions),
            )| Spec {
                categories,
                fields,
                declared,
                purposes,
                children,
                recipients,
                transfers,
                localize,
                rules,
                assertions,
            },
        )
}

// ---------------------------------------------------------------- mutations

/// One change to a policy that renames nothing.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Replace one basis declaration's alternatives.
    ChangeBasis(Index, Index, BasisName),
    /// Add a `when` to one basis declaration (or replace its condition).
    BasisWhen(Index, Index, Cond),
    /// Drop one basis declaration's `when`.
    BasisUnconditional(Index, Index),
    AddRule(Rule),
    RemoveRule(Index),
    AddException(Index, Except),
    RemoveException(Index),
    /// Add a `when` to a deny rule (or replace its condition).
    RuleWhen(Index, Cond),
    /// Change the first age threshold of the children block (adding one if there is none).
    Threshold(u8),
    /// Add a `when` to a recipient.
    RecipientWhen(Index, Cond),
    ToggleSale(Index),
    ToggleSharing(Index),
    /// Move a recipient (`None`: location unknown).
    Relocate(Index, Option<Located>),
    AddTransfer(Transfer),
    RemoveTransfer(Index),
    /// Add a basis declaration to a purpose.
    AddBasis(Index, Basis),
    /// Set a purpose's own treatment of children.
    PurposeChildren(Index, Option<Treatment>),
    ToggleTaints(Index),
    /// The next channel of a purpose (none, email, sms, push, phone, none …).
    CycleChannel(Index),
    ToggleUsersOnly(Index),
    ChildrenDefault(Option<Treatment>),
    UnknownAge(Option<bool>),
    /// Set (or drop) one basis declaration's `overrides objection when …`; the alternatives
    /// gain `legitimate_interest` when it is set.
    BasisOverride(Index, Index, Option<Cond>),
    /// Set (or drop) the localisation's `except when …` (adding a localisation if none).
    LocalizeUnless(Index, Situation),
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (ix(), ix(), basis_name()).prop_map(|(p, b, n)| Mutation::ChangeBasis(p, b, n)),
        2 => (ix(), ix(), cond()).prop_map(|(p, b, c)| Mutation::BasisWhen(p, b, c)),
        1 => (ix(), ix()).prop_map(|(p, b)| Mutation::BasisUnconditional(p, b)),
        3 => rule().prop_map(Mutation::AddRule),
        2 => ix().prop_map(Mutation::RemoveRule),
        2 => (ix(), except()).prop_map(|(r, e)| Mutation::AddException(r, e)),
        1 => ix().prop_map(Mutation::RemoveException),
        2 => (ix(), cond()).prop_map(|(r, c)| Mutation::RuleWhen(r, c)),
        2 => proptest::sample::select(&[0u8, 5, 12, 13, 15, 16, 17, 30][..]).prop_map(Mutation::Threshold),
        1 => (ix(), cond()).prop_map(|(r, c)| Mutation::RecipientWhen(r, c)),
        1 => ix().prop_map(Mutation::ToggleSale),
        1 => ix().prop_map(Mutation::ToggleSharing),
        1 => (ix(), located()).prop_map(|(r, l)| Mutation::Relocate(r, l)),
        1 => transfer().prop_map(Mutation::AddTransfer),
        1 => ix().prop_map(Mutation::RemoveTransfer),
        2 => (ix(), basis()).prop_map(|(p, b)| Mutation::AddBasis(p, b)),
        1 => (ix(), proptest::option::of(treatment())).prop_map(|(p, t)| Mutation::PurposeChildren(p, t)),
        1 => ix().prop_map(Mutation::ToggleTaints),
        1 => ix().prop_map(Mutation::CycleChannel),
        1 => ix().prop_map(Mutation::ToggleUsersOnly),
        1 => proptest::option::of(treatment()).prop_map(Mutation::ChildrenDefault),
        1 => proptest::option::of(any::<bool>()).prop_map(Mutation::UnknownAge),
        2 => (ix(), ix(), proptest::option::of(cond()))
            .prop_map(|(p, b, c)| Mutation::BasisOverride(p, b, c)),
        1 => (ix(), situation()).prop_map(|(ix, w)| Mutation::LocalizeUnless(ix, w)),
    ]
}

impl Spec {
    fn basis_mut(&mut self, p: &Index, b: &Index) -> &mut Basis {
        let slots = self.declared_slots();
        let slot = slots[p.index(slots.len())];
        let bases = &mut self.purposes[slot].bases;
        let i = b.index(bases.len());
        &mut bases[i]
    }

    /// The spec with `mutation` applied. A mutation with nothing to apply to (a rule when
    /// there is none …) falls back to a nearby one, so few mutations change nothing.
    pub fn mutated(&self, mutation: &Mutation) -> Spec {
        let mut s = self.clone();
        let simple_rule = |ix: &Index| Rule {
            action: Action::Use(vec![*ix], vec![*ix]),
            scope: None,
            when: None,
            excepts: Vec::new(),
        };
        match mutation {
            Mutation::ChangeBasis(p, b, name) => s.basis_mut(p, b).alternatives = vec![*name],
            Mutation::BasisWhen(p, b, c) => s.basis_mut(p, b).when = Some(c.clone()),
            Mutation::BasisUnconditional(p, b) => {
                let basis = s.basis_mut(p, b);
                if basis.when.is_some() {
                    basis.when = None;
                } else {
                    basis.alternatives = vec![BasisName::LegitimateInterest];
                }
            }
            Mutation::AddRule(rule) => s.rules.push(rule.clone()),
            Mutation::RemoveRule(r) => {
                if s.rules.is_empty() {
                    s.rules.push(simple_rule(r));
                } else {
                    let i = r.index(s.rules.len());
                    s.rules.remove(i);
                }
            }
            Mutation::AddException(r, e) => {
                if s.rules.is_empty() {
                    s.rules.push(simple_rule(r));
                }
                let i = r.index(s.rules.len());
                let rule = &mut s.rules[i];
                if fits(e, &rule.action) {
                    rule.excepts.push(e.clone());
                } else {
                    rule.excepts.push(Except::In(*r));
                }
            }
            Mutation::RemoveException(r) => {
                if let Some(rule) = s.rules.iter_mut().find(|rule| !rule.excepts.is_empty()) {
                    let i = r.index(rule.excepts.len());
                    rule.excepts.remove(i);
                } else if let Some(rule) = s.rules.iter_mut().find(|rule| rule.when.is_some()) {
                    rule.when = None;
                } else {
                    s.rules.push(simple_rule(r));
                }
            }
            Mutation::RuleWhen(r, c) => {
                if s.rules.is_empty() {
                    s.rules.push(simple_rule(r));
                }
                let i = r.index(s.rules.len());
                s.rules[i].when = Some(c.clone());
            }
            Mutation::Threshold(age) => {
                let children = s.children.get_or_insert_with(|| Children {
                    thresholds: Vec::new(),
                    unknown_is_child: None,
                    default: None,
                });
                match children.thresholds.first_mut() {
                    Some(first) => first.0 = Threshold::Age(*age),
                    None => children.thresholds.push((Threshold::Age(*age), None)),
                }
            }
            Mutation::RecipientWhen(r, c) => {
                if s.recipients.is_empty() {
                    s.basis_mut(r, r).when = Some(c.clone());
                } else {
                    let i = r.index(s.recipients.len());
                    s.recipients[i].when = Some(c.clone());
                }
            }
            Mutation::ToggleSale(r) => {
                if s.recipients.is_empty() {
                    s.basis_mut(r, r).alternatives = vec![BasisName::Consent];
                } else {
                    let i = r.index(s.recipients.len());
                    s.recipients[i].sale = !s.recipients[i].sale;
                }
            }
            Mutation::ToggleSharing(r) => match s.recipients.len() {
                0 => s.basis_mut(r, r).alternatives = vec![BasisName::OptOut(1)],
                len => s.recipients[r.index(len)].sharing ^= true,
            },
            Mutation::Relocate(r, located) => match s.recipients.len() {
                0 => s.basis_mut(r, r).scope = Some(*r),
                len => s.recipients[r.index(len)].located = located.clone(),
            },
            Mutation::AddTransfer(t) => s.transfers.push(t.clone()),
            Mutation::RemoveTransfer(t) => match s.transfers.len() {
                0 => s.transfers.push(Transfer {
                    categories: vec![*t],
                    from: *t,
                    to: *t,
                    safeguard: *t,
                    when: None,
                }),
                len => {
                    s.transfers.remove(t.index(len));
                }
            },
            Mutation::AddBasis(p, basis) => {
                let slots = s.declared_slots();
                let slot = slots[p.index(slots.len())];
                s.purposes[slot].bases.push(basis.clone());
            }
            Mutation::PurposeChildren(p, t) => {
                let slots = s.declared_slots();
                let purpose = &mut s.purposes[slots[p.index(slots.len())]];
                purpose.children = if purpose.children == *t {
                    Some(Treatment::Allow).filter(|a| Some(*a) != *t)
                } else {
                    *t
                };
            }
            Mutation::ToggleTaints(p) => {
                let slots = s.declared_slots();
                s.purposes[slots[p.index(slots.len())]].taints ^= true;
            }
            Mutation::CycleChannel(p) => {
                let slots = s.declared_slots();
                let purpose = &mut s.purposes[slots[p.index(slots.len())]];
                // Direct marketing, so that the channel is written.
                purpose.direct_marketing = true;
                purpose.channel = match purpose.channel {
                    None => Some(0),
                    Some(c) if c + 1 < CHANNELS.len() => Some(c + 1),
                    Some(_) => None,
                };
            }
            Mutation::ToggleUsersOnly(p) => {
                let slots = s.declared_slots();
                let subjects = &mut s.purposes[slots[p.index(slots.len())]].subjects;
                *subjects = match subjects {
                    None => Some(true),
                    Some(_) => None,
                };
            }
            Mutation::ChildrenDefault(t) => {
                let children = s.children.get_or_insert_with(|| Children {
                    thresholds: vec![(Threshold::Age(16), None)],
                    unknown_is_child: None,
                    default: None,
                });
                children.default = if children.default == *t {
                    Some(Treatment::Allow).filter(|a| Some(*a) != *t)
                } else {
                    *t
                };
            }
            Mutation::UnknownAge(child) => {
                let children = s.children.get_or_insert_with(|| Children {
                    thresholds: vec![(Threshold::Age(16), None)],
                    unknown_is_child: None,
                    default: None,
                });
                children.unknown_is_child = if children.unknown_is_child == *child {
                    Some(!child.unwrap_or(true))
                } else {
                    *child
                };
            }
            Mutation::BasisOverride(p, b, over) => {
                let slots = s.declared_slots();
                let slot = slots[p.index(slots.len())];
                let basis = s.basis_mut(p, b);
                // The mutation always changes something: it drops an override that is there,
                // else sets one (on legitimate interest, of a purpose that is not direct
                // marketing, where an override is valid).
                let set = basis.overrides.is_none();
                basis.overrides =
                    set.then(|| over.clone().unwrap_or(Cond::Atom(Atom::Circumstance(*p))));
                if set && !basis.alternatives.contains(&BasisName::LegitimateInterest) {
                    basis.alternatives.push(BasisName::LegitimateInterest);
                }
                if set {
                    s.purposes[slot].direct_marketing = false;
                }
            }
            Mutation::LocalizeUnless(ix, unless) => {
                let (_, _, old) = s.localize.get_or_insert((*ix, *ix, None));
                *old = match old {
                    Some(_) => None,
                    None => Some(unless.unwrap_or((false, *ix))),
                };
            }
        }
        s
    }
}
