//! Putting the model into words: names of regions, categories, purposes, bases, recipients,
//! safeguards, events and durations, and conditions as sentences.

use crate::model::CmpOp;
use crate::model::{
    AttrValue, Basis, CategoryId, ChildTreatment, Cond, EventId, IdSet, OptOutKind, Policy,
    Predicate, PurposeId, RecipientKind, RegionId, RetentionBound, RetentionRule,
};
use crate::source::Origin;

/// More named pieces than this and a region set is described with the policy's own groups.
const MAX_STD_PIECES: usize = 10;

/// The policy and what is worth computing once about it.
pub(crate) struct Ctx<'p> {
    pub policy: &'p Policy,
    /// Declared in the bundled standard library (not by the policy).
    std_region: Vec<bool>,
    /// Direct children of each category.
    category_children: Vec<Vec<CategoryId>>,
    /// Direct children of each purpose.
    purpose_children: Vec<Vec<PurposeId>>,
    /// Declared purposes and their ancestors (not names only a vocabulary knows).
    relevant_purposes: Vec<bool>,
    /// The rights the evaluator grants, per purpose and region (see [`super::rights`]).
    pub granted: Vec<super::rights::Granted>,
}

/// How a set of regions reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    Everywhere,
    In(Vec<RegionId>),
    Except(Vec<RegionId>),
    Nowhere,
}

impl<'p> Ctx<'p> {
    pub fn new(policy: &'p Policy) -> Self {
        let std_region = policy
            .regions
            .iter()
            .map(|r| {
                policy
                    .sources
                    .get(r.info.span.source)
                    .is_some_and(|f| matches!(f.origin, Origin::Std(_)))
            })
            .collect();
        let mut category_children = vec![Vec::new(); policy.categories.len()];
        for (i, c) in policy.categories.iter().enumerate() {
            if let Some(children) = c.parent.and_then(|p| category_children.get_mut(p.index())) {
                children.push(CategoryId(u32::try_from(i).unwrap_or(u32::MAX)));
            }
        }
        // A purpose the notice speaks of: declared, or an ancestor of a declared one. Names
        // only a vocabulary knows (the Fides data uses) are not the policy's purposes.
        let mut relevant = vec![false; policy.purposes.len()];
        for p in policy.purposes.iter().filter(|p| p.declared) {
            for a in &p.ancestors {
                if let Some(slot) = relevant.get_mut(a.index()) {
                    *slot = true;
                }
            }
        }
        let mut purpose_children = vec![Vec::new(); policy.purposes.len()];
        for (i, p) in policy.purposes.iter().enumerate() {
            if !relevant.get(i).copied().unwrap_or(false) {
                continue;
            }
            if let Some(children) = p.parent.and_then(|p| purpose_children.get_mut(p.index())) {
                children.push(PurposeId(u32::try_from(i).unwrap_or(u32::MAX)));
            }
        }
        Ctx {
            policy,
            std_region,
            category_children,
            purpose_children,
            relevant_purposes: relevant,
            granted: super::rights::granted(policy),
        }
    }

    // ------------------------------------------------------------------ regions

    pub fn region_title(&self, id: RegionId) -> String {
        self.policy.regions.get(id.index()).map_or_else(
            || "?".to_owned(),
            |r| r.info.title.clone().unwrap_or_else(|| r.info.name.clone()),
        )
    }

    /// The fewest regions and groups whose union covers the places (regions that are not
    /// groups) of `set`: standard-library names first, the policy's own groups when those
    /// would take too many; or the complement, when that is shorter.
    pub fn scope(&self, set: &IdSet) -> Scope {
        let places = self.places(set);
        let all = self.places(&IdSet::full(self.policy.regions.len()));
        let count = places.count();
        if count == 0 {
            return Scope::Nowhere;
        }
        if count >= all.count() {
            return Scope::Everywhere;
        }
        let direct = self.cover(&places);
        if count * 2 > all.count() {
            let mut complement = all;
            complement.difference_with(&places);
            let except = self.cover(&complement);
            // Fewer pieces wins; on a tie, the one naming fewer of the policy's own groups.
            let own = |ids: &[RegionId]| {
                ids.iter()
                    .filter(|id| self.std_region.get(id.index()) != Some(&true))
                    .count()
            };
            if (except.len(), own(&except)) < (direct.len(), own(&direct)) {
                return Scope::Except(except);
            }
        }
        Scope::In(direct)
    }

    /// The regions of `set` that are not groups.
    fn places(&self, set: &IdSet) -> IdSet {
        let mut out = IdSet::new(self.policy.regions.len());
        for i in set.iter() {
            if self.policy.regions.get(i).is_some_and(|r| !r.is_group) {
                out.insert(i);
            }
        }
        out
    }

    fn cover(&self, places: &IdSet) -> Vec<RegionId> {
        let std_only = self.greedy_cover(places, true);
        let mut chosen = match std_only {
            Some(std) if std.len() <= MAX_STD_PIECES => std,
            std_only => {
                // A place whose subdivisions are not all in the set (`US` without some
                // states) is covered by no region: name the places one by one.
                let mixed = self.greedy_cover(places, false).unwrap_or_else(|| {
                    places
                        .iter()
                        .map(|i| RegionId(u32::try_from(i).unwrap_or(u32::MAX)))
                        .collect()
                });
                match std_only {
                    Some(std) if std.len() <= mixed.len() => std,
                    _ => mixed,
                }
            }
        };
        // Groups and larger regions first, then by title.
        chosen.sort_by_cached_key(|id| {
            let region = self.policy.regions.get(id.index());
            (
                std::cmp::Reverse(region.map_or(0, |r| self.places(&r.inside).count())),
                self.region_title(*id),
            )
        });
        chosen
    }

    /// Largest regions first; `None` if the candidates cannot cover `places`.
    fn greedy_cover(&self, places: &IdSet, std_only: bool) -> Option<Vec<RegionId>> {
        let mut candidates: Vec<(usize, IdSet)> = self
            .policy
            .regions
            .iter()
            .enumerate()
            .filter(|(i, _)| !std_only || self.std_region.get(*i) == Some(&true))
            .map(|(i, r)| (i, self.places(&r.inside)))
            .filter(|(_, inside)| !inside.is_empty() && inside.iter().all(|x| places.contains(x)))
            .collect();
        // Larger first; among equals, groups (declared later in std) before single regions.
        candidates.sort_by(|a, b| b.1.count().cmp(&a.1.count()).then(b.0.cmp(&a.0)));
        let mut covered = IdSet::new(self.policy.regions.len());
        let mut chosen = Vec::new();
        for (i, inside) in candidates {
            if inside.iter().any(|x| !covered.contains(x)) {
                covered.union_with(&inside);
                chosen.push(RegionId(u32::try_from(i).unwrap_or(u32::MAX)));
            }
        }
        (covered.count() >= places.count()).then_some(chosen)
    }

    /// "the European Union and the United States", "everywhere except China".
    pub fn scope_text(&self, set: &IdSet) -> String {
        match self.scope(set) {
            Scope::Everywhere => "everywhere".to_owned(),
            Scope::Nowhere => "nowhere".to_owned(),
            Scope::In(ids) => self.region_list(&ids),
            Scope::Except(ids) => format!("everywhere except {}", self.region_list(&ids)),
        }
    }

    /// Where data goes to or comes from: "anywhere", "anywhere outside the European Union",
    /// "China".
    pub fn place_text(&self, set: &IdSet) -> String {
        match self.scope(set) {
            Scope::Everywhere => "anywhere".to_owned(),
            Scope::Nowhere => "nowhere".to_owned(),
            Scope::In(ids) => self.region_list(&ids),
            Scope::Except(ids) => format!("anywhere outside {}", self.region_list(&ids)),
        }
    }

    /// Region codes, for tables: "EEA, UK", "anywhere", "anywhere except CN".
    pub fn scope_codes(&self, set: &IdSet) -> String {
        let codes = |ids: &[RegionId]| -> String {
            ids.iter()
                .map(|id| self.policy.region_name(*id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.scope(set) {
            Scope::Everywhere => "anywhere".to_owned(),
            Scope::Nowhere => "nowhere".to_owned(),
            Scope::In(ids) => codes(&ids),
            Scope::Except(ids) => format!("anywhere except {}", codes(&ids)),
        }
    }

    /// "in the European Union", "everywhere", "everywhere except in China".
    pub fn where_text(&self, set: &IdSet) -> String {
        match self.scope(set) {
            Scope::Everywhere => "everywhere".to_owned(),
            Scope::Nowhere => "nowhere".to_owned(),
            Scope::In(ids) => format!("in {}", self.region_list(&ids)),
            Scope::Except(ids) => format!("everywhere except in {}", self.region_list(&ids)),
        }
    }

    /// Region titles as they read in a sentence ("the European Union", "Germany").
    pub fn region_list(&self, ids: &[RegionId]) -> String {
        let names: Vec<String> = ids
            .iter()
            .map(|id| with_article(&self.region_title(*id)))
            .collect();
        and_list(&names)
    }

    // ------------------------------------------------------------------ categories

    pub fn category_title(&self, id: CategoryId) -> String {
        self.policy.categories.get(id.index()).map_or_else(
            || "?".to_owned(),
            |c| {
                c.info
                    .title
                    .clone()
                    .unwrap_or_else(|| humanize(last_segment(&c.info.name)))
            },
        )
    }

    pub fn category_name(&self, id: CategoryId) -> &str {
        self.policy.category_name(id)
    }

    pub fn all_categories(&self, set: &IdSet) -> bool {
        set.count() >= self.policy.categories.len()
    }

    /// The fewest categories that say what `set` holds: a category stands for itself and all
    /// its descendants when they are all in the set.
    pub fn category_summary(&self, set: &IdSet) -> Vec<CategoryId> {
        let n = self.policy.categories.len();
        let mut full = vec![false; n];
        // Children have larger ids than their parents (declared after them or implied first),
        // but do not rely on it: iterate to a fixed point.
        let mut changed = true;
        while changed {
            changed = false;
            for i in (0..n).rev() {
                if full.get(i) == Some(&true) || !set.contains(i) {
                    continue;
                }
                let children = self.category_children.get(i).map_or(&[][..], Vec::as_slice);
                if children.iter().all(|c| full.get(c.index()) == Some(&true)) {
                    if let Some(slot) = full.get_mut(i) {
                        *slot = true;
                        changed = true;
                    }
                }
            }
        }
        (0..n)
            .filter(|&i| {
                let parent_full = self
                    .policy
                    .categories
                    .get(i)
                    .and_then(|c| c.parent)
                    .is_some_and(|p| full.get(p.index()) == Some(&true));
                if parent_full || !set.contains(i) {
                    return false;
                }
                // A partly used category shows through its used children, unless none is used.
                full.get(i) == Some(&true)
                    || self
                        .category_children
                        .get(i)
                        .is_none_or(|c| c.iter().all(|c| !set.contains(c.index())))
            })
            .map(|i| CategoryId(u32::try_from(i).unwrap_or(u32::MAX)))
            .collect()
    }

    /// Whether a category carries the `special` (GDPR Art. 9) or `sensitive` flag.
    pub fn category_flags(&self, id: CategoryId) -> (bool, bool) {
        self.policy
            .categories
            .get(id.index())
            .map_or((false, false), |c| {
                (
                    c.flags.contains(crate::model::FLAG_SPECIAL.index()),
                    c.flags.contains(crate::model::FLAG_SENSITIVE.index()),
                )
            })
    }

    // ------------------------------------------------------------------ purposes

    pub fn purpose_title(&self, id: PurposeId) -> String {
        self.policy.purposes.get(id.index()).map_or_else(
            || "?".to_owned(),
            |p| {
                // A vocabulary's title (Fides's) is not the policy's: only a declaration's is.
                p.info
                    .title
                    .clone()
                    .filter(|_| p.declared)
                    .unwrap_or_else(|| purpose_family_title(&p.info.name))
            },
        )
    }

    /// Purposes in `set`: a purpose whose descendants are all in the set stands for them
    /// (a family such as `legal` included); other declared purposes stand for themselves.
    pub fn purpose_summary(&self, set: &IdSet) -> Vec<PurposeId> {
        let n = self.policy.purposes.len();
        let covered = |i: usize| -> bool {
            fn all_in(ctx: &Ctx<'_>, set: &IdSet, i: usize, depth: usize) -> bool {
                set.contains(i)
                    && depth < 64
                    && ctx
                        .purpose_children
                        .get(i)
                        .is_none_or(|c| c.iter().all(|c| all_in(ctx, set, c.index(), depth + 1)))
            }
            all_in(self, set, i, 0)
        };
        let mut out = Vec::new();
        for i in 0..n {
            let Some(p) = self.policy.purposes.get(i) else {
                continue;
            };
            if !set.contains(i) || !self.relevant_purposes.get(i).copied().unwrap_or(false) {
                continue;
            }
            let folded = p.ancestors.iter().skip(1).any(|a| covered(a.index()));
            if !folded && (p.declared || covered(i)) {
                out.push(PurposeId(u32::try_from(i).unwrap_or(u32::MAX)));
            }
        }
        out
    }

    // ------------------------------------------------------------------ events, durations

    pub fn event_phrase(&self, id: EventId) -> String {
        let name = self.policy.event_name(id);
        let builtin = match name {
            "collected" => Some("we collect it"),
            "transaction_completed" => Some("the transaction is completed"),
            "account_closed" => Some("you close your account"),
            "consent_withdrawn" => Some("you withdraw your consent"),
            "claim_filed" => Some("a claim is filed"),
            "limitation_period_end" => Some("the limitation period ends"),
            "contract_ended" => Some("the contract ends"),
            "last_activity" => Some("your last activity"),
            _ => None,
        };
        if let Some(phrase) = builtin {
            return phrase.to_owned();
        }
        let title = self
            .policy
            .events
            .get(id.index())
            .and_then(|e| e.title.clone())
            .unwrap_or_else(|| upper_first(&humanize(name)));
        format!("“{title}”")
    }

    /// "kept for at least 3 years after the transaction is completed".
    pub fn retention_sentence(&self, rule: &RetentionRule) -> String {
        let period = duration_text(&rule.period, &rule.period_text);
        let event = self.event_phrase(rule.after);
        let zero = span_is_zero(&rule.period);
        let sentence = match (rule.bound, zero) {
            (RetentionBound::AtLeast, true) => format!("kept at least until {event}"),
            (RetentionBound::AtLeast, false) => {
                format!("kept for at least {period} after {event}")
            }
            (RetentionBound::AtMost, true) => format!("deleted as soon as {event}"),
            (RetentionBound::AtMost, false) => {
                format!("deleted at the latest {period} after {event}")
            }
            // The `while` condition is the rule's `when`.
            (RetentionBound::AtLeastWhile, _) => {
                let sentence = match &rule.when {
                    Some(when) => format!("kept as long as {}", self.condition(when)),
                    None => "kept with no fixed end".to_owned(),
                };
                return self.deidentified_suffix(rule, sentence);
            }
            (RetentionBound::AtMostAgreed { capped: true }, _) => format!(
                "deleted at the end of the period you agreed to after {event}, and at the latest \
                 {period} after it"
            ),
            (RetentionBound::AtMostAgreed { capped: false }, _) => {
                format!("deleted at the end of the period you agreed to after {event}")
            }
            (RetentionBound::Exempt, _) => "exempt from every maximum period".to_owned(),
            (RetentionBound::Unlimited, _) => {
                if rule.after.index() == 0 {
                    "kept without a time limit".to_owned()
                } else {
                    format!("not deleted automatically after {event}: there is no time limit")
                }
            }
        };
        let sentence = match &rule.when {
            Some(when) => format!("{sentence}, where {}", self.condition(when)),
            None => sentence,
        };
        self.deidentified_suffix(rule, sentence)
    }

    /// "…, for de-identified data" when the rule is about de-identified data only.
    fn deidentified_suffix(&self, rule: &RetentionRule, sentence: String) -> String {
        if rule.deidentified {
            format!("{sentence}, for de-identified data")
        } else {
            sentence
        }
    }

    // ------------------------------------------------------------------ conditions

    /// A condition as a clause: "you are a child and a parent or guardian consented".
    pub fn condition(&self, cond: &Cond) -> String {
        self.cond_text(cond, false, 0)
    }

    fn cond_text(&self, cond: &Cond, negated: bool, depth: usize) -> String {
        if depth > 32 {
            return "…".to_owned();
        }
        match cond {
            Cond::True => if negated { "never" } else { "always" }.to_owned(),
            Cond::False => if negated { "always" } else { "never" }.to_owned(),
            Cond::Not(inner) => self.cond_text(inner, !negated, depth + 1),
            Cond::And(parts) | Cond::Or(parts) => {
                // De Morgan keeps negations on the predicates.
                let and = matches!(cond, Cond::And(_)) != negated;
                let texts: Vec<String> = parts
                    .iter()
                    .map(|p| {
                        let text = self.cond_text(p, negated, depth + 1);
                        if matches!(p, Cond::And(_) | Cond::Or(_)) {
                            format!("({text})")
                        } else {
                            text
                        }
                    })
                    .collect();
                texts.join(if and { " and " } else { " or " })
            }
            Cond::Known(inner) => {
                let text = self.cond_text(inner, false, depth + 1);
                if negated {
                    format!("we do not know that {text}")
                } else {
                    format!("we know that {text}")
                }
            }
            Cond::Is(predicate) => self.predicate(predicate, negated),
        }
    }

    fn predicate(&self, predicate: &Predicate, negated: bool) -> String {
        let not = if negated { " not" } else { "" };
        match predicate {
            Predicate::Child => format!("you are{not} a child"),
            Predicate::Adult => format!("you are{not} an adult"),
            Predicate::Age(op, n) => {
                let op = if negated { negate(*op) } else { *op };
                match op {
                    CmpOp::Lt => format!("you are under {n}"),
                    CmpOp::Le => format!("you are {n} or younger"),
                    CmpOp::Gt => format!("you are over {n}"),
                    CmpOp::Ge => format!("you are {n} or older"),
                    CmpOp::Eq => format!("you are {n}"),
                    CmpOp::Ne => format!("you are not {n}"),
                }
            }
            Predicate::RegionIn(set) => format!("you do{not} live {}", self.where_text(set))
                .replace("you do live", "you live"),
            Predicate::KindIs(kind) => {
                let title = self
                    .policy
                    .subject_kinds
                    .get(kind.index())
                    .map_or_else(String::new, |k| {
                        k.title.clone().unwrap_or_else(|| humanize(&k.name))
                    });
                format!("you are{not} a data subject of the kind “{title}”")
            }
            Predicate::Consent(p) => {
                format!("you have{not} consented to “{}”", self.purpose_title(*p))
            }
            Predicate::ExplicitConsent(p) => {
                format!(
                    "you have{not} given explicit consent to “{}”",
                    self.purpose_title(*p)
                )
            }
            Predicate::Objected(p) => {
                format!("you have{not} objected to “{}”", self.purpose_title(*p))
            }
            Predicate::OptedOut(kind) => {
                format!("you have{not} opted out of {}", opt_out_text(*kind))
            }
            Predicate::Gpc => {
                if negated {
                    "your browser does not send a Global Privacy Control signal".to_owned()
                } else {
                    "your browser sends a Global Privacy Control signal".to_owned()
                }
            }
            Predicate::Restricted => format!("you have{not} asked us to restrict processing"),
            Predicate::Erased => format!("you have{not} asked us to erase your data"),
            Predicate::ParentalConsent => format!("a parent or guardian has{not} consented"),
            Predicate::AttrTrue(a) => format!("“{}” does{not} apply to you", self.attribute(*a))
                .replace("does apply", "applies"),
            Predicate::AttrCmp(a, op, value) => {
                let op = if negated { negate(*op) } else { *op };
                format!(
                    "your {} {} {}",
                    self.attribute(*a),
                    cmp_text(op),
                    self.attr_value(value)
                )
            }
            Predicate::SetContains(a, symbol) => format!(
                "your {} do{not} include “{}”",
                self.attribute(*a),
                self.symbol(symbol.index())
            )
            .replace("do include", "include"),
            Predicate::Never => if negated { "always" } else { "never" }.to_owned(),
            Predicate::Circumstance(c) => {
                let verb = if negated { "does not apply" } else { "applies" };
                format!("the circumstance “{}” {verb}", self.circumstance(*c))
            }
        }
    }

    fn attribute(&self, id: crate::model::AttributeId) -> String {
        self.policy
            .attributes
            .get(id.index())
            .map_or_else(|| "?".to_owned(), |a| humanize(&a.info.name))
    }

    /// A circumstance by its title (first letter lowercased), else its name in words.
    pub fn circumstance_title(&self, id: crate::model::CircumstanceId) -> String {
        let text = self.circumstance(id);
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => text,
        }
    }

    /// A circumstance by its title, else its name in words.
    fn circumstance(&self, id: crate::model::CircumstanceId) -> String {
        self.policy.circumstances.get(id.index()).map_or_else(
            || "?".to_owned(),
            |c| c.title.clone().unwrap_or_else(|| humanize(&c.name)),
        )
    }

    fn symbol(&self, index: usize) -> &str {
        self.policy.symbols.get(index).map_or("?", String::as_str)
    }

    fn attr_value(&self, value: &AttrValue) -> String {
        match value {
            AttrValue::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
            AttrValue::Int(n) => n.to_string(),
            AttrValue::Str(Some(s)) => format!("“{}”", self.symbol(s.index())),
            AttrValue::Str(None) => "“?”".to_owned(),
            AttrValue::Set(items) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|s| format!("“{}”", self.symbol(s.index())))
                    .collect();
                items.join(", ")
            }
        }
    }
}

fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
    }
}

fn cmp_text(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "is",
        CmpOp::Ne => "is not",
        CmpOp::Lt => "is below",
        CmpOp::Le => "is at most",
        CmpOp::Gt => "is above",
        CmpOp::Ge => "is at least",
    }
}

// ---------------------------------------------------------------------- fixed vocabularies

/// A legal basis as a reader understands it: "your consent".
pub(crate) fn basis_text(basis: Basis) -> String {
    match basis {
        Basis::Consent => "your consent".to_owned(),
        Basis::ExplicitConsent => "your explicit consent".to_owned(),
        Basis::Contract => "the performance of our contract with you".to_owned(),
        Basis::LegalObligation => "a legal obligation we are subject to".to_owned(),
        Basis::VitalInterest => {
            "the protection of your or another person's vital interests".to_owned()
        }
        Basis::PublicTask => "a task carried out in the public interest".to_owned(),
        Basis::LegitimateInterest => "our legitimate interests".to_owned(),
        Basis::OptOut(kind) => format!(
            "the opt-out model of local law (you can opt out of {} at any time)",
            opt_out_text(kind)
        ),
        Basis::Unstated => "no legal basis: this notice does not state one".to_owned(),
    }
}

/// A legal basis for the Art. 30 record, with its GDPR article.
pub(crate) fn basis_record(basis: Basis) -> String {
    match basis {
        Basis::Consent => "Consent (Art. 6(1)(a))".to_owned(),
        Basis::ExplicitConsent => "Explicit consent (Art. 6(1)(a), 9(2)(a))".to_owned(),
        Basis::Contract => "Contract (Art. 6(1)(b))".to_owned(),
        Basis::LegalObligation => "Legal obligation (Art. 6(1)(c))".to_owned(),
        Basis::VitalInterest => "Vital interests (Art. 6(1)(d))".to_owned(),
        Basis::PublicTask => "Public task (Art. 6(1)(e))".to_owned(),
        Basis::LegitimateInterest => "Legitimate interests (Art. 6(1)(f))".to_owned(),
        Basis::OptOut(kind) => format!("Opt-out model (US state law): {}", opt_out_text(kind)),
        Basis::Unstated => "Not stated in the notice (no Art. 6(1) basis)".to_owned(),
    }
}

/// GDPR Art. 9(2) conditions by their policy names.
pub(crate) fn art9_text(condition: &str) -> String {
    let (letter, text) = match condition {
        "explicit_consent" => ("a", "explicit consent"),
        "employment" => ("b", "employment and social security law"),
        "vital_interest" => ("c", "vital interests"),
        "nonprofit" => ("d", "not-for-profit body"),
        "manifestly_public" => ("e", "data made manifestly public by you"),
        "legal_claims" => ("f", "legal claims"),
        "substantial_public_interest" => ("g", "substantial public interest"),
        "health_care" => ("h", "health or social care"),
        "public_health" => ("i", "public health"),
        "archiving" => ("j", "archiving, research or statistics"),
        other => return humanize(other),
    };
    format!("{text} (Art. 9(2)({letter}))")
}

pub(crate) fn channel_text(channel: crate::model::Channel) -> &'static str {
    match channel {
        crate::model::Channel::Email => "email",
        crate::model::Channel::Sms => "text message",
        crate::model::Channel::Push => "push notification",
        crate::model::Channel::Phone => "phone",
    }
}

pub(crate) fn opt_out_text(kind: OptOutKind) -> &'static str {
    match kind {
        OptOutKind::Sale => "the sale of your personal information",
        OptOutKind::Sharing => "sharing for cross-context behavioural advertising",
        OptOutKind::TargetedAdvertising => "targeted advertising",
        OptOutKind::Profiling => "profiling",
        OptOutKind::Marketing => "direct marketing",
        OptOutKind::LimitSensitive => {
            "the use of your sensitive personal information beyond what the service needs"
        }
    }
}

pub(crate) fn recipient_kind_text(kind: RecipientKind) -> &'static str {
    match kind {
        RecipientKind::Processor => "Service provider (processor)",
        RecipientKind::Affiliate => "Group company",
        RecipientKind::Partner => "Business partner",
        RecipientKind::AdNetwork => "Advertising network",
        RecipientKind::Authority => "Public authority",
        RecipientKind::Acquirer => "Acquirer in a business transfer",
        RecipientKind::OtherUsers => "Other users",
        RecipientKind::JointController => "Joint controller",
        RecipientKind::ServiceProvider => "Service provider",
        RecipientKind::Contractor => "Contractor",
        RecipientKind::ThirdParty => "Third party",
        RecipientKind::DataBroker => "Data broker",
        RecipientKind::AnalyticsProvider => "Data analytics provider",
        RecipientKind::SocialNetwork => "Social network",
        RecipientKind::Platform => "Operating system or platform",
        RecipientKind::InternetServiceProvider => "Internet service provider",
        RecipientKind::PaymentProvider => "Payment provider",
        RecipientKind::ProfessionalAdviser => "Professional adviser",
    }
}

pub(crate) fn safeguard_text(safeguard: Option<&str>) -> String {
    match safeguard {
        None => "no additional safeguard required".to_owned(),
        Some("adequacy") => "adequacy decision".to_owned(),
        Some("scc") => "standard contractual clauses".to_owned(),
        Some("bcr") => "binding corporate rules".to_owned(),
        Some("consent") => "your explicit consent".to_owned(),
        Some("contract") => "necessary for a contract with you".to_owned(),
        Some("certification") => "certification".to_owned(),
        Some("security_assessment") => "security assessment by the authority".to_owned(),
        Some("standard_contract") => "standard contract (PRC)".to_owned(),
        Some("none") => "no safeguard".to_owned(),
        Some("unstated") => "no safeguard stated: this notice does not name one".to_owned(),
        Some(other) => humanize(other),
    }
}

/// What the policy does with children's data unless a purpose says otherwise.
pub(crate) fn child_default_text(treatment: ChildTreatment) -> &'static str {
    match treatment {
        ChildTreatment::Deny => "we do not use children's data",
        ChildTreatment::Allow => "we use children's data as we use adults' data",
        ChildTreatment::RequireParentalConsent => {
            "we use children's data only with the consent of a parent or guardian"
        }
    }
}

pub(crate) fn child_treatment_text(treatment: ChildTreatment) -> &'static str {
    match treatment {
        ChildTreatment::Deny => "not used for children",
        ChildTreatment::Allow => "used for children as for adults",
        ChildTreatment::RequireParentalConsent => {
            "used for children only with the consent of a parent or guardian"
        }
    }
}

/// Titles for the top-level purposes of the Fides taxonomy (and the common extras), used
/// when a policy declares only their descendants.
pub(crate) fn purpose_family_title(name: &str) -> String {
    let title = match name {
        "essential" => "Providing our services",
        "functional" => "Optional features",
        "analytics" => "Analytics",
        "marketing" => "Marketing and advertising",
        "personalize" => "Personalisation",
        "third_party_sharing" => "Sharing with third parties",
        "legal" => "Legal obligations and claims",
        "operations" => "Running our business",
        "finance" => "Finance",
        "collect" => "Collecting data",
        "train_ai_system" => "Training AI systems",
        "employment" => "Employment",
        _ => return humanize(last_segment(name)),
    };
    title.to_owned()
}

/// The rights a policy's `rights` block can grant, as a reader understands them.
pub(crate) fn right_text(name: &str, opt_out: Option<OptOutKind>) -> String {
    let text = match name {
        "access" => "Access the personal data we hold about you",
        "rectification" => "Have inaccurate data corrected",
        "erasure" => "Have your data erased",
        "restriction" => "Restrict how we process your data",
        "portability" => "Receive your data in a portable format",
        "objection" => "Object to our processing",
        "withdraw_consent" => "Withdraw your consent at any time",
        "opt_out" => {
            return match opt_out {
                Some(kind) => format!("Opt out of {}", opt_out_text(kind)),
                None => "Opt out".to_owned(),
            }
        }
        "automated_decision" => "Not be subject to decisions based solely on automated processing",
        "complaint" => "Lodge a complaint with a supervisory authority",
        "know" => "Know what personal information we collect, use and disclose",
        "delete" => "Have your personal information deleted",
        "correct" => "Have inaccurate personal information corrected",
        "limit_sensitive" => "Limit the use of your sensitive personal information",
        "non_discrimination" => "Not be discriminated against for exercising your rights",
        "appeal" => "Appeal our decision on your request",
        "deceased_user" => "Have the rights of a deceased user exercised by their next of kin",
        "account_deletion" => "Delete your account",
        "explanation" => "Ask us to explain how we process your data",
        other => return humanize(other),
    };
    text.to_owned()
}

/// "2 years", "1 year and 6 months", from the span (or the text as written).
pub(crate) fn duration_text(span: &jiff::Span, written: &str) -> String {
    let parts: Vec<String> = [
        (i64::from(span.get_years()), "year"),
        (i64::from(span.get_months()), "month"),
        (i64::from(span.get_weeks()), "week"),
        (i64::from(span.get_days()), "day"),
        (i64::from(span.get_hours()), "hour"),
    ]
    .into_iter()
    .filter(|(n, _)| *n != 0)
    .map(|(n, unit)| format!("{n} {unit}{}", if n == 1 { "" } else { "s" }))
    .collect();
    if parts.is_empty() {
        if span_is_zero(span) {
            return "0 days".to_owned();
        }
        return written.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    and_list(&parts)
}

fn span_is_zero(span: &jiff::Span) -> bool {
    span.is_zero()
}

/// "a", "a and b", "a, b and c".
pub(crate) fn and_list(items: &[String]) -> String {
    join_list(items, "and")
}

pub(crate) fn or_list(items: &[String]) -> String {
    join_list(items, "or")
}

fn join_list(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

/// "the United States of America", "the European Union", but "Germany", "Korea, Republic of".
fn with_article(title: &str) -> String {
    const THE: &[&str] = &[
        "Union",
        "Area",
        "Kingdom",
        "States",
        "Republic",
        "Islands",
        "Emirates",
        "Federation",
        "Netherlands",
        "Philippines",
        "Bahamas",
        "Gambia",
        "Maldives",
        "Comoros",
        "Seychelles",
        "Association",
        "Territories",
        "Territory",
    ];
    let needs = !title.contains(',')
        && !title.starts_with("the ")
        && (title.starts_with("U.S.") || title.split_whitespace().any(|w| THE.contains(&w)));
    if needs {
        format!("the {title}")
    } else {
        title.to_owned()
    }
}

/// `email_from_order` → "email from order".
pub(crate) fn humanize(name: &str) -> String {
    name.replace(['_', '-'], " ")
}

fn last_segment(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

pub(crate) fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
