//! The rights a data subject has under a policy: those its `rights` block grants, and those
//! the evaluator grants through how it decides uses:
//!
//! - a use on `consent` / `explicit_consent` → the subject may **withdraw** consent;
//! - a use on `legitimate_interest` → the subject may **object** (GDPR Art. 21(1));
//! - a use whose conditions read the subject's own choices (`contract when not
//!   objected(P)`, a deny rule `when opted_out(sale)`), as the analysis finds them
//!   (`analysis::atoms`) → the same rights, whatever the basis;
//! - a use on `opt_out(K)` → the subject may **opt out** of K;
//! - a `direct_marketing` purpose → the subject may object to it **at any time**, and the
//!   objection is absolute (Art. 21(2)–(3)), and it may **opt out** of direct marketing
//!   (unsubscribe) whatever its basis;
//! - a purpose that uses `sensitive` data and does not `survive limit_sensitive` → the
//!   subject may **limit** the use of its sensitive data (CPRA § 1798.121), where the
//!   `rights` block grants `limit_sensitive`;
//! - a purpose that `survives restriction` / `survives erasure` → a **limit** on those rights.
//!
//! A derived right is never read off the `basis` lines. For every purpose and every region
//! it is asked of the evaluator: the basis declarations it chooses there
//! ([`Policy::basis_declarations`], the most specific scope wins) name the candidates, and
//! a candidate is kept only if exercising the right turns a use the evaluator allows into
//! one it denies, for some category of the purpose and some subject ([`grants`]). A purpose
//! on `contract or legitimate_interest` thus gives no objection (the contract always holds
//! first), and `basis legitimate_interest in EU` with `basis contract in DE` gives none in
//! Germany. Regions are grouped for presentation only afterwards.

use crate::eval::{DataRef, Query, Reason};
use crate::model::{
    Basis, CategoryId, CircumstanceId, Cond, IdSet, OptOutKind, Policy, Predicate, PurposeId,
    RegionId, SubjectKindId,
};
use crate::subject::{ConsentRecord, Subject};

use super::words::right_text;

/// Which right an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RightKind {
    /// One of the names of [`crate::model::RIGHTS`] other than the ones below.
    Declared(&'static str),
    /// Withdraw consent (for purposes based on consent).
    WithdrawConsent,
    /// Object (for purposes based on legitimate interest).
    Object,
    /// Opt out of a kind of processing (US opt-out model).
    OptOut(OptOutKind),
    /// Object to direct marketing, absolutely.
    ObjectToDirectMarketing,
}

impl RightKind {
    fn declared(name: &'static str, opt_out: Option<OptOutKind>) -> RightKind {
        match (name, opt_out) {
            ("withdraw_consent", _) => RightKind::WithdrawConsent,
            ("objection", _) => RightKind::Object,
            ("opt_out", Some(kind)) => RightKind::OptOut(kind),
            (name, _) => RightKind::Declared(name),
        }
    }

    fn order(self) -> u8 {
        match self {
            RightKind::WithdrawConsent => 0,
            RightKind::Object => 1,
            RightKind::ObjectToDirectMarketing => 2,
            RightKind::OptOut(k) => 3 + k as u8,
            RightKind::Declared(_) => 9,
        }
    }
}

/// One right, where it applies, and what it reaches.
#[derive(Debug, Clone)]
pub struct RightEntry {
    /// Which right.
    pub kind: RightKind,
    /// What the reader may do, as a sentence start ("Withdraw your consent at any time").
    pub text: String,
    /// Regions where it applies: the `rights` block's scope when declared, otherwise the
    /// regions where the evaluator grants it for every purpose in `purposes`.
    pub regions: IdSet,
    /// Stated in the policy's `rights` block.
    pub declared: bool,
    /// Granted by the evaluator (for the purposes in `purposes`).
    pub derived: bool,
    /// The purposes it reaches (for derived rights).
    pub purposes: Vec<PurposeId>,
    /// Purposes that keep going after the right is exercised (restriction, erasure).
    pub survivors: Vec<PurposeId>,
    /// The doc comment of the declaration.
    pub docs: Option<String>,
    /// Its terms as sentences ("Free of charge.", "Only for data we process on the basis
    /// of your consent.").
    pub terms: Vec<String>,
}

/// A right the evaluator grants for one purpose, and the regions where it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// The purpose.
    pub purpose: PurposeId,
    /// The right.
    pub kind: RightKind,
    /// Where the evaluator grants it.
    pub regions: IdSet,
}

/// Every right of the policy: declared ones in the order of the `rights` block (merged with
/// what the evaluator grants in their scope), then the ones only the evaluator grants,
/// one entry per right and set of regions.
pub fn rights(policy: &Policy) -> Vec<RightEntry> {
    rights_from(policy, &granted(policy))
}

/// [`rights`], from the rights [`granted`] already computed.
pub(crate) fn rights_from(policy: &Policy, granted: &[Granted]) -> Vec<RightEntry> {
    let mut entries: Vec<RightEntry> = Vec::new();
    for right in &policy.rights {
        let kind = RightKind::declared(right.name, right.opt_out);
        if let Some(existing) = entries.iter_mut().find(|e| e.kind == kind) {
            existing.regions.union_with(&right.regions);
            continue;
        }
        entries.push(RightEntry {
            kind,
            text: right_text(right.name, right.opt_out),
            regions: right.regions.clone(),
            declared: true,
            derived: false,
            purposes: Vec::new(),
            survivors: Vec::new(),
            docs: right.info.docs.clone(),
            terms: super::duties::right_terms(right.free, &right.only_for, right.via.as_deref()),
        });
    }
    // Derived rights grouped by (kind, regions), in purpose order.
    let mut groups: Vec<(RightKind, IdSet, Vec<PurposeId>)> = Vec::new();
    for g in granted {
        match groups
            .iter_mut()
            .find(|(k, r, _)| *k == g.kind && *r == g.regions)
        {
            Some((_, _, purposes)) => purposes.push(g.purpose),
            None => groups.push((g.kind, g.regions.clone(), vec![g.purpose])),
        }
    }
    groups.sort_by_key(|(kind, regions, _)| (kind.order(), std::cmp::Reverse(regions.count())));
    let mut only_derived: Vec<RightEntry> = Vec::new();
    for (kind, mut regions, purposes) in groups {
        if let Some(entry) = entries.iter_mut().find(|e| e.declared && e.kind == kind) {
            // Inside the declared scope the declared entry tells it; outside, its own entry.
            if entry.regions.intersects(&regions) {
                entry.derived = true;
                for p in &purposes {
                    if !entry.purposes.contains(p) {
                        entry.purposes.push(*p);
                    }
                }
            }
            regions.difference_with(&entry.regions);
            if regions.is_empty() {
                continue;
            }
        }
        match only_derived
            .iter_mut()
            .find(|e| e.kind == kind && e.regions == regions)
        {
            Some(entry) => {
                for p in purposes {
                    if !entry.purposes.contains(&p) {
                        entry.purposes.push(p);
                    }
                }
            }
            None => only_derived.push(RightEntry {
                kind,
                text: derived_text(kind),
                regions,
                declared: false,
                derived: true,
                purposes,
                survivors: Vec::new(),
                docs: None,
                terms: Vec::new(),
            }),
        }
    }
    // An objection the basis itself yields to (`contract when not objected(P)`) is no
    // objection to processing based on legitimate interests.
    for entry in &mut only_derived {
        let yields = |p: &PurposeId| !on_legitimate_interest(policy, *p, &entry.regions);
        if entry.kind == RightKind::Object && entry.purposes.iter().any(yields) {
            entry.text = "Object to the processing of your data, and we stop".to_owned();
        }
    }
    entries.extend(only_derived);
    let survivors = |f: fn(&crate::model::Purpose) -> bool| -> Vec<PurposeId> {
        policy
            .purposes
            .iter()
            .enumerate()
            .filter(|(_, p)| p.declared && f(p))
            .map(|(i, _)| PurposeId(u32::try_from(i).unwrap_or(u32::MAX)))
            .collect()
    };
    let restriction = survivors(|p| p.survives_restriction);
    let erasure = survivors(|p| p.survives_erasure);
    for entry in &mut entries {
        match entry.kind {
            RightKind::Declared("restriction") => entry.survivors = restriction.clone(),
            RightKind::Declared("erasure" | "delete" | "account_deletion") => {
                entry.survivors = erasure.clone();
            }
            _ => {}
        }
    }
    entries
}

fn derived_text(kind: RightKind) -> String {
    match kind {
        RightKind::WithdrawConsent => right_text("withdraw_consent", None),
        RightKind::Object => "Object to processing based on our legitimate interests".to_owned(),
        RightKind::OptOut(k) => right_text("opt_out", Some(k)),
        RightKind::ObjectToDirectMarketing => {
            "Object to direct marketing at any time, and we stop".to_owned()
        }
        RightKind::Declared(name) => right_text(name, None),
    }
}

/// The rights the evaluator grants, per declared purpose (in declaration order) and kind
/// (withdrawal, objection, direct-marketing objection, opt-outs), each with the regions
/// where it does. See the module documentation.
pub fn granted(policy: &Policy) -> Vec<Granted> {
    let regions = policy.regions.len();
    // The rules by purpose, so finding the conditions of a use reads the purpose's rules,
    // not every rule (`analysis::atoms::conditions_of`: the same rules, in the same order).
    let lists = crate::analysis::atoms::RuleLists::new(policy);
    let mut out = Vec::new();
    for (i, purpose) in policy.purposes.iter().enumerate() {
        if !purpose.declared {
            continue;
        }
        let id = PurposeId(u32::try_from(i).unwrap_or(u32::MAX));
        let mut found: Vec<(RightKind, IdSet)> = Vec::new();
        for r in 0..regions {
            let region = RegionId(u32::try_from(r).unwrap_or(u32::MAX));
            for kind in candidates(policy, &lists, id, region) {
                if !grants(policy, id, region, kind) {
                    continue;
                }
                match found.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, set)) => set.insert(r),
                    None => {
                        let mut set = IdSet::new(regions);
                        set.insert(r);
                        found.push((kind, set));
                    }
                }
            }
        }
        found.sort_by_key(|(kind, _)| kind.order());
        out.extend(found.into_iter().map(|(kind, regions)| Granted {
            purpose: id,
            kind,
            regions,
        }));
    }
    out
}

/// The rights the evaluator's basis choice for `purpose` in `region` could make count.
fn candidates(
    policy: &Policy,
    lists: &crate::analysis::atoms::RuleLists,
    purpose: PurposeId,
    region: RegionId,
) -> Vec<RightKind> {
    let direct_marketing = policy
        .purposes
        .get(purpose.index())
        .is_some_and(|p| p.direct_marketing);
    let mut out = Vec::new();
    let mut any = false;
    for decl in policy.basis_declarations(purpose, region) {
        any = true;
        for basis in &decl.alternatives {
            let kind = match basis {
                Basis::Consent | Basis::ExplicitConsent => RightKind::WithdrawConsent,
                Basis::LegitimateInterest if direct_marketing => RightKind::ObjectToDirectMarketing,
                Basis::LegitimateInterest => RightKind::Object,
                Basis::OptOut(kind) => RightKind::OptOut(*kind),
                Basis::Contract
                | Basis::LegalObligation
                | Basis::VitalInterest
                | Basis::PublicTask
                | Basis::Unstated => continue,
            };
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
    }
    if any && direct_marketing && !out.contains(&RightKind::ObjectToDirectMarketing) {
        out.push(RightKind::ObjectToDirectMarketing);
    }
    // What the conditions the evaluator tests for this use read about the subject (a basis
    // `when not objected(P)`, a deny rule `when opted_out(sale)` …), as the analysis finds
    // them: each is a candidate too, whatever the basis (`grants` asks the evaluator whether
    // exercising it changes anything).
    if any {
        let reads = condition_reads(policy, lists, purpose, region);
        let mut also = Vec::new();
        if reads.consent {
            also.push(RightKind::WithdrawConsent);
        }
        if reads.objection {
            also.push(if direct_marketing {
                RightKind::ObjectToDirectMarketing
            } else {
                RightKind::Object
            });
        }
        for kind in OptOutKind::ALL {
            if reads.opt_outs & kind.bit() != 0 {
                also.push(RightKind::OptOut(kind));
            }
        }
        for kind in also {
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
    }
    // An unsubscribe stops direct marketing whatever its basis; a limit on sensitive data
    // stops its use by what does not survive it, offered where the `rights` block grants it
    // (`grants` asks the evaluator whether either changes anything).
    let limit_declared = policy.rights.iter().any(|r| {
        (r.name == "limit_sensitive" || r.opt_out == Some(OptOutKind::LimitSensitive))
            && r.regions.contains(region.index())
    });
    let limited = [
        (direct_marketing, OptOutKind::Marketing),
        (limit_declared, OptOutKind::LimitSensitive),
    ];
    for (applies, kind) in limited {
        if any && applies && !out.contains(&RightKind::OptOut(kind)) {
            out.push(RightKind::OptOut(kind));
        }
    }
    out
}

/// Every basis declaration the evaluator chooses for `purpose` in each of `regions` offers
/// `legitimate_interest`: an objection there is the GDPR Art. 21(1) one.
pub(crate) fn on_legitimate_interest(policy: &Policy, purpose: PurposeId, regions: &IdSet) -> bool {
    regions.iter().all(|r| {
        let region = RegionId(u32::try_from(r).unwrap_or(u32::MAX));
        let mut declarations = policy.basis_declarations(purpose, region).peekable();
        declarations.peek().is_some()
            && declarations.all(|d| d.alternatives.contains(&Basis::LegitimateInterest))
    })
}

/// Which of the subject's own choices the conditions of a use of `purpose` in `region` read.
#[derive(Debug, Default)]
struct ConditionReads {
    consent: bool,
    objection: bool,
    opt_outs: u8,
}

/// [`ConditionReads`] of the uses of every category `purpose` uses, in `region`: the
/// conditions the evaluator tests for them (`analysis::atoms`), and what those read.
fn condition_reads(
    policy: &Policy,
    lists: &crate::analysis::atoms::RuleLists,
    purpose: PurposeId,
    region: RegionId,
) -> ConditionReads {
    let mut reads = crate::analysis::atoms::Reads::default();
    let Some(p) = policy.purposes.get(purpose.index()) else {
        return ConditionReads::default();
    };
    // The conditions every category shares (the basis declarations' `when`) come once per
    // category: each is read once (what a condition reads does not depend on how often).
    let (mut conditions, mut read): (Vec<&Cond>, Vec<&Cond>) = (Vec::new(), Vec::new());
    for c in p.uses.iter() {
        let category = CategoryId(u32::try_from(c).unwrap_or(u32::MAX));
        let query = Query::new(policy, purpose, DataRef::Category(category)).in_region(region);
        conditions.clear();
        crate::analysis::atoms::conditions_into(
            policy,
            Some(lists),
            &crate::eval::Question::Decide(query),
            &mut conditions,
        );
        for &cond in &conditions {
            if !read.iter().any(|seen| std::ptr::eq(*seen, cond)) {
                read.push(cond);
                reads.cond(cond);
            }
        }
    }
    ConditionReads {
        consent: !reads.consents.is_empty(),
        objection: !reads.objections.is_empty(),
        opt_outs: reads.opt_outs,
    }
}

/// Whether exercising `right` turns a use of `purpose` in `region` the evaluator allows into
/// one it denies, for some category the purpose uses and some subject: an adult of a kind
/// the purpose may process, with or without consent, an objection, or every other opt-out.
pub fn grants(policy: &Policy, purpose: PurposeId, region: RegionId, right: RightKind) -> bool {
    let Some(p) = policy.purposes.get(purpose.index()) else {
        return false;
    };
    let kinds: Vec<Option<SubjectKindId>> = match &p.subjects {
        Some(set) => set
            .iter()
            .map(|k| Some(SubjectKindId(u32::try_from(k).unwrap_or(u32::MAX))))
            .collect(),
        None => vec![None],
    };
    let given: jiff::Timestamp = jiff::Timestamp::constant(1_577_836_800, 0); // 2020-01-01
    let later: jiff::Timestamp = jiff::Timestamp::constant(1_609_459_200, 0); // 2021-01-01
    let consent = |withdrawn: bool| ConsentRecord {
        purpose,
        given_at: Some(given),
        withdrawn_at: withdrawn.then_some(later),
        explicit: true,
    };
    let every_opt_out = OptOutKind::ALL.into_iter().fold(0u8, |m, k| m | k.bit());
    for c in p.uses.iter() {
        let query = Query {
            region: Some(region),
            ..Query::new(
                policy,
                purpose,
                DataRef::Category(CategoryId(u32::try_from(c).unwrap_or(u32::MAX))),
            )
        };
        let allowed = |subject: &Subject| {
            policy
                .decide_use(&query, subject)
                .is_ok_and(|d| d.allowed())
        };
        for kind in &kinds {
            for variant in 0u8..8 {
                let mut before = Subject {
                    region: Some(region),
                    age: Some(40),
                    kind: *kind,
                    ..Subject::new(policy)
                };
                if variant & 1 != 0 {
                    before.consents.push(consent(false));
                }
                if variant & 2 != 0 {
                    before.objections.push(purpose);
                }
                if variant & 4 != 0 {
                    before.opt_outs = every_opt_out;
                }
                let mut after = before.clone();
                match right {
                    RightKind::WithdrawConsent => {
                        if variant & 1 == 0 {
                            continue;
                        }
                        after.consents = vec![consent(true)];
                    }
                    RightKind::Object | RightKind::ObjectToDirectMarketing => {
                        if variant & 2 != 0 {
                            continue;
                        }
                        after.objections.push(purpose);
                    }
                    RightKind::OptOut(k) => {
                        before.opt_outs &= !k.bit();
                        after.opt_outs = before.opt_outs | k.bit();
                    }
                    RightKind::Declared(_) => return false,
                }
                if allowed(&before) && !allowed(&after) {
                    return true;
                }
            }
        }
    }
    false
}

/// The circumstances in which the evaluator lets `purpose` go on in `region` although the
/// subject objected (GDPR Art. 21(1): `overrides objection when …`): for some category the
/// purpose uses, an adult who objected is denied (`objected`) without the circumstance and
/// allowed with it. The candidates are the circumstances the chosen basis declarations'
/// overrides mention; the evaluator decides each.
pub fn objection_exceptions(
    policy: &Policy,
    purpose: PurposeId,
    region: RegionId,
) -> Vec<CircumstanceId> {
    let mut candidates = Vec::new();
    for decl in policy.basis_declarations(purpose, region) {
        if let Some(cond) = &decl.objection_override {
            circumstances_in(cond, &mut candidates);
        }
    }
    let Some(p) = policy.purposes.get(purpose.index()) else {
        return Vec::new();
    };
    let mut subject = Subject {
        region: Some(region),
        age: Some(40),
        ..Subject::new(policy)
    };
    subject.objections.push(purpose);
    candidates.retain(|&circumstance| {
        p.uses.iter().any(|c| {
            let query = Query::new(
                policy,
                purpose,
                DataRef::Category(CategoryId(u32::try_from(c).unwrap_or(u32::MAX))),
            )
            .in_region(region);
            let without = policy.decide_use(&query, &subject);
            let with = policy.decide_use(&query.given(circumstance), &subject);
            without.is_ok_and(|d| d.reason == Reason::Objected) && with.is_ok_and(|d| d.allowed())
        })
    });
    candidates
}

fn circumstances_in(cond: &Cond, out: &mut Vec<CircumstanceId>) {
    match cond {
        Cond::True | Cond::False => {}
        Cond::Not(inner) | Cond::Known(inner) => circumstances_in(inner, out),
        Cond::And(parts) | Cond::Or(parts) => {
            for part in parts {
                circumstances_in(part, out);
            }
        }
        Cond::Is(Predicate::Circumstance(id)) => {
            if !out.contains(id) {
                out.push(*id);
            }
        }
        Cond::Is(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Policy {
        let compiled = crate::compile_str("rights.lawful", text);
        assert!(
            compiled.is_ok(),
            "{}",
            compiled.err().map(|e| e.to_string()).unwrap_or_default()
        );
        compiled
            .map(|c| c.policy)
            .unwrap_or_else(|_| unreachable!())
    }

    const HEAD: &str = "#![allow(unused-category, purpose-without-retention, basis-gap)]\n\
        region DE \"Germany\"\nregion FR \"France\"\ngroup EU \"European Union\" = DE, FR\n\
        region US \"United States\"\ncategory user.email\n";

    /// A right as the tests compare it: kind, where (`*` = everywhere), purposes, declared,
    /// derived, surviving purposes.
    #[derive(Debug, PartialEq, Eq)]
    struct Row {
        kind: RightKind,
        regions: String,
        purposes: Vec<String>,
        declared: bool,
        derived: bool,
        survivors: Vec<String>,
    }

    fn row(
        kind: RightKind,
        regions: &str,
        purposes: &[&str],
        declared: bool,
        derived: bool,
    ) -> Row {
        Row {
            kind,
            regions: regions.to_owned(),
            purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
            declared,
            derived,
            survivors: Vec::new(),
        }
    }

    fn rows(policy: &Policy) -> Vec<Row> {
        let names = |ids: &[PurposeId]| {
            ids.iter()
                .map(|p| policy.purpose_name(*p).to_owned())
                .collect()
        };
        rights(policy)
            .iter()
            .map(|e| Row {
                kind: e.kind,
                regions: if e.regions.count() == policy.regions.len() {
                    "*".to_owned()
                } else {
                    let list: Vec<&str> = e
                        .regions
                        .iter()
                        .filter_map(|r| policy.regions.get(r))
                        .map(|r| r.info.name.as_str())
                        .collect();
                    list.join(",")
                },
                purposes: names(&e.purposes),
                declared: e.declared,
                derived: e.derived,
                survivors: names(&e.survivors),
            })
            .collect()
    }

    #[test]
    fn consent_gives_withdrawal_and_legitimate_interest_objection() {
        let p = policy(&format!(
            "{HEAD}purpose news {{ uses user.email basis consent in EU }}\n\
             purpose fraud {{ uses user.email basis legitimate_interest }}\n\
             purpose service {{ uses user.email basis contract }}\n"
        ));
        assert_eq!(
            rows(&p),
            vec![
                row(
                    RightKind::WithdrawConsent,
                    "DE,FR,EU",
                    &["news"],
                    false,
                    true
                ),
                row(RightKind::Object, "*", &["fraud"], false, true),
            ]
        );
    }

    #[test]
    fn opt_out_bases_give_opt_outs_per_kind_and_scope() {
        let p = policy(&format!(
            "{HEAD}purpose ads {{ uses user.email basis consent in EU basis opt_out(targeted_advertising) in US }}\n\
             purpose selling {{ uses user.email basis opt_out(sale) in US }}\n"
        ));
        assert_eq!(
            rows(&p),
            vec![
                row(
                    RightKind::WithdrawConsent,
                    "DE,FR,EU",
                    &["ads"],
                    false,
                    true
                ),
                row(
                    RightKind::OptOut(OptOutKind::Sale),
                    "US",
                    &["selling"],
                    false,
                    true
                ),
                row(
                    RightKind::OptOut(OptOutKind::TargetedAdvertising),
                    "US",
                    &["ads"],
                    false,
                    true
                ),
            ]
        );
    }

    #[test]
    fn direct_marketing_gives_an_absolute_objection_not_a_balancing_one() {
        let p = policy(&format!(
            "{HEAD}purpose mail {{ uses user.email basis legitimate_interest direct_marketing }}\n"
        ));
        // And an unsubscribe, whatever the basis.
        assert_eq!(
            rows(&p),
            vec![
                row(
                    RightKind::ObjectToDirectMarketing,
                    "*",
                    &["mail"],
                    false,
                    true
                ),
                row(
                    RightKind::OptOut(OptOutKind::Marketing),
                    "*",
                    &["mail"],
                    false,
                    true
                ),
            ]
        );
    }

    #[test]
    fn the_limit_on_sensitive_data_is_offered_where_it_stops_a_use() {
        let p = policy(&format!(
            "{HEAD}category user.weight sensitive\n\
             purpose scale {{ uses user.weight basis contract }}\n\
             purpose core {{ uses user.weight basis contract survives limit_sensitive }}\n\
             purpose mail {{ uses user.email basis contract }}\n\
             rights {{ limit_sensitive in US }}\n"
        ));
        let limit = RightKind::OptOut(OptOutKind::LimitSensitive);
        let offered: Vec<Row> = rows(&p).into_iter().filter(|r| r.kind == limit).collect();
        assert_eq!(offered, vec![row(limit, "US", &["scale"], false, true)]);
    }

    #[test]
    fn declared_rights_come_first_and_merge_with_derived_ones() {
        let p = policy(&format!(
            "{HEAD}purpose news {{ uses user.email basis consent }}\n\
             purpose keep {{ uses user.email basis legal_obligation survives restriction, erasure }}\n\
             rights {{\n  /// Art. 15.\n  access in EU\n  erasure in EU\n  restriction\n  withdraw_consent in EU\n}}\n"
        ));
        let keep = vec!["keep".to_owned()];
        assert_eq!(
            rows(&p),
            vec![
                row(RightKind::Declared("access"), "DE,FR,EU", &[], true, false),
                Row {
                    survivors: keep.clone(),
                    ..row(RightKind::Declared("erasure"), "DE,FR,EU", &[], true, false)
                },
                Row {
                    survivors: keep,
                    ..row(RightKind::Declared("restriction"), "*", &[], true, false)
                },
                // The declared scope stays; the purposes come from the evaluator.
                row(
                    RightKind::WithdrawConsent,
                    "DE,FR,EU",
                    &["news"],
                    true,
                    true
                ),
                // Outside the declared scope the evaluator grants it too: its own entry.
                row(RightKind::WithdrawConsent, "US", &["news"], false, true),
            ]
        );
        let docs: Vec<Option<String>> = rights(&p).into_iter().map(|e| e.docs).collect();
        assert_eq!(docs.first().cloned().flatten().as_deref(), Some("Art. 15."));
    }

    /// The most specific scope decides the basis, so it decides the rights: with
    /// legitimate interest in the EU and contract in Germany, Germans cannot object.
    #[test]
    fn the_most_specific_basis_decides_the_right_per_region() {
        let p = policy(&format!(
            "{HEAD}purpose fraud {{ uses user.email basis legitimate_interest in EU basis contract in DE }}\n"
        ));
        assert_eq!(
            rows(&p),
            vec![row(RightKind::Object, "FR,EU", &["fraud"], false, true)]
        );
        let fraud = p.purpose("fraud").unwrap_or_else(|_| unreachable!());
        let region = |name: &str| p.region(name).unwrap_or_else(|_| unreachable!());
        assert!(grants(&p, fraud, region("FR"), RightKind::Object));
        assert!(!grants(&p, fraud, region("DE"), RightKind::Object));
        let markdown = crate::docgen::markdown(&p);
        assert!(
            markdown
                .contains("Object to processing based on our legitimate interests** — in France"),
            "{markdown}"
        );
        assert!(
            markdown.contains(
                "**Your choices:** In France, where we rely on our legitimate interests, you can \
                 object."
            ),
            "{markdown}"
        );
        let objections = markdown
            .lines()
            .filter(|l| l.to_lowercase().contains("object"));
        assert!(objections.clone().count() >= 2);
        for line in objections {
            assert!(!line.contains("Germany"), "{line}");
        }
    }

    /// An alternative that always holds before it makes the right moot: the evaluator never
    /// reaches legitimate interest after a contract.
    #[test]
    fn a_right_the_evaluator_never_acts_on_is_not_listed() {
        let p = policy(&format!(
            "{HEAD}purpose a {{ uses user.email basis contract or legitimate_interest }}\n\
             purpose b {{ uses user.email basis legitimate_interest or contract }}\n\
             purpose c {{ uses user.email basis legitimate_interest or consent }}\n\
             purpose d {{ uses user.email basis public_task }}\n\
             deny no_e: use * for e\n\
             purpose e {{ uses user.email basis consent }}\n"
        ));
        // `c`: objecting leaves consent, which a subject without consent lacks; withdrawing
        // consent leaves legitimate interest, which a subject who objected lacks.
        assert_eq!(
            rows(&p),
            vec![
                row(RightKind::WithdrawConsent, "*", &["c"], false, true),
                row(RightKind::Object, "*", &["c"], false, true),
            ]
        );
    }

    /// A basis that yields to an objection (`contract when not objected(P)`) gives the
    /// objection as surely as legitimate interest does: the evaluator's decision changes.
    /// Reading the subject's choices in conditions is not enough: the choice must change the
    /// decision of this purpose.
    #[test]
    fn choices_the_conditions_read_are_rights_when_the_evaluator_acts_on_them() {
        let p = policy(&format!(
            "{HEAD}purpose service {{ uses user.email basis contract when not objected(service) }}\n\
             purpose sibling {{ uses user.email basis contract when not objected(service) }}\n\
             purpose plain {{ uses user.email basis contract }}\n\
             purpose shop {{ uses user.email basis contract }}\n\
             deny no_sale_use: use * for shop when opted_out(sale)\n"
        ));
        assert_eq!(
            rows(&p),
            vec![
                // `sibling` reads an objection to `service`, not to itself: objecting to
                // `sibling` changes nothing.
                row(RightKind::Object, "*", &["service"], false, true),
                row(
                    RightKind::OptOut(OptOutKind::Sale),
                    "*",
                    &["shop"],
                    false,
                    true
                ),
            ]
        );
        let entries = rights(&p);
        let object = entries.iter().find(|e| e.kind == RightKind::Object);
        assert_eq!(
            object.map(|e| e.text.as_str()),
            Some("Object to the processing of your data, and we stop")
        );
        let markdown = crate::docgen::markdown(&p);
        assert!(
            markdown.contains("You can object to this processing, and we will stop."),
            "{markdown}"
        );
        assert!(!markdown.contains("legitimate interests"), "{markdown}");
    }

    #[test]
    fn no_rights_without_bases_or_declarations() {
        let p = policy(&format!(
            "{HEAD}purpose service {{ uses user.email basis contract }}\n"
        ));
        assert!(rights(&p).is_empty());
    }

    #[test]
    fn objection_exceptions_are_the_circumstances_the_evaluator_lets_override_it() {
        let p = policy(&format!(
            "{HEAD}circumstance legal_claims_brought \"Legal claims have been brought\"\n\
             circumstance required_by_law\n\
             purpose claims {{ uses user.email\n\
               basis legitimate_interest in EU overrides objection \
                 when circumstance.legal_claims_brought\n\
               basis legitimate_interest in US }}\n\
             purpose never {{ uses user.email\n\
               basis legitimate_interest overrides objection when circumstance.required_by_law \
                 and not circumstance.required_by_law }}"
        ));
        let claims = p.purpose("claims").unwrap();
        let de = p.region("DE").unwrap();
        let us = p.region("US").unwrap();
        let brought = p.circumstance("legal_claims_brought").unwrap();
        assert_eq!(objection_exceptions(&p, claims, de), vec![brought]);
        // In the US the objection is honoured without exception.
        assert_eq!(objection_exceptions(&p, claims, us), Vec::new());
        // An override whose condition never holds lifts nothing: the evaluator says so.
        let never = p.purpose("never").unwrap();
        assert_eq!(objection_exceptions(&p, never, de), Vec::new());
        // The notice says it, in the evaluator's terms.
        let markdown = crate::docgen::markdown(&p);
        assert!(
            markdown
                .contains("we honour your objection except where legal claims have been brought"),
            "{markdown}"
        );
    }
}
