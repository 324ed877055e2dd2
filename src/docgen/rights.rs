//! The rights a data subject has under a policy: those its `rights` block grants, and those
//! that follow from how it processes data:
//!
//! - a purpose on `consent` / `explicit_consent` → the subject may **withdraw** consent;
//! - a purpose on `legitimate_interest` / `public_task` → the subject may **object**
//!   (GDPR Art. 21(1));
//! - a purpose on `opt_out(K)` → the subject may **opt out** of K;
//! - a `direct_marketing` purpose → the subject may object to it **at any time**, and the
//!   objection is absolute (Art. 21(2)–(3));
//! - a purpose that `survives restriction` / `survives erasure` → a **limit** on those rights.

use crate::model::{Basis, IdSet, OptOutKind, Policy, PurposeId};

use super::words::right_text;

/// Which right an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RightKind {
    /// One of the names of [`crate::model::RIGHTS`] other than the ones below.
    Declared(&'static str),
    WithdrawConsent,
    Object,
    OptOut(OptOutKind),
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
}

/// One right, where it applies, and what it reaches.
#[derive(Debug, Clone)]
pub struct RightEntry {
    pub kind: RightKind,
    /// What the reader may do, as a sentence start ("Withdraw your consent at any time").
    pub text: String,
    /// Regions where it applies: the `rights` block's scope when declared, otherwise the
    /// scopes of the bases it follows from.
    pub regions: IdSet,
    /// Stated in the policy's `rights` block.
    pub declared: bool,
    /// Follows from the policy's bases (the purposes are in `purposes`).
    pub derived: bool,
    /// The purposes it reaches (for derived rights).
    pub purposes: Vec<PurposeId>,
    /// Purposes that keep going after the right is exercised (restriction, erasure).
    pub survivors: Vec<PurposeId>,
    /// The doc comment of the declaration.
    pub docs: Option<String>,
}

/// Every right of the policy: declared ones in the order of the `rights` block (merged with
/// what the bases imply), then the ones only the bases imply.
pub fn rights(policy: &Policy) -> Vec<RightEntry> {
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
        });
    }
    let mut implied = derived(policy);
    implied.sort_by_key(|(kind, _, _)| match kind {
        RightKind::WithdrawConsent => 0,
        RightKind::Object => 1,
        RightKind::ObjectToDirectMarketing => 2,
        RightKind::OptOut(k) => 3 + *k as u8,
        RightKind::Declared(_) => 9,
    });
    for (kind, regions, purposes) in implied {
        match entries.iter_mut().find(|e| e.kind == kind) {
            Some(entry) => {
                entry.derived = true;
                entry.purposes = purposes;
            }
            None => entries.push(RightEntry {
                kind,
                text: derived_text(kind),
                regions,
                declared: false,
                derived: true,
                purposes,
                survivors: Vec::new(),
                docs: None,
            }),
        }
    }
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

/// The rights the bases and flags of the declared purposes imply, with the union of the
/// scopes they come from and the purposes they reach.
fn derived(policy: &Policy) -> Vec<(RightKind, IdSet, Vec<PurposeId>)> {
    let regions = policy.regions.len();
    let mut out: Vec<(RightKind, IdSet, Vec<PurposeId>)> = Vec::new();
    let mut add = |kind: RightKind, scope: &IdSet, purpose: PurposeId| {
        let at = match out.iter().position(|(k, _, _)| *k == kind) {
            Some(at) => at,
            None => {
                out.push((kind, IdSet::new(regions), Vec::new()));
                out.len() - 1
            }
        };
        if let Some((_, set, purposes)) = out.get_mut(at) {
            set.union_with(scope);
            if !purposes.contains(&purpose) {
                purposes.push(purpose);
            }
        }
    };
    for (i, purpose) in policy.purposes.iter().enumerate() {
        if !purpose.declared {
            continue;
        }
        let id = PurposeId(u32::try_from(i).unwrap_or(u32::MAX));
        for decl in &purpose.bases {
            for basis in &decl.alternatives {
                match basis {
                    Basis::Consent | Basis::ExplicitConsent => {
                        add(RightKind::WithdrawConsent, &decl.scope, id);
                    }
                    Basis::LegitimateInterest | Basis::PublicTask if !purpose.direct_marketing => {
                        add(RightKind::Object, &decl.scope, id);
                    }
                    Basis::OptOut(kind) => add(RightKind::OptOut(*kind), &decl.scope, id),
                    _ => {}
                }
            }
        }
        if purpose.direct_marketing {
            let mut scope = IdSet::new(regions);
            for decl in &purpose.bases {
                scope.union_with(&decl.scope);
            }
            add(RightKind::ObjectToDirectMarketing, &scope, id);
        }
    }
    out
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
             purpose fraud {{ uses user.email basis legitimate_interest or contract }}\n\
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
        assert_eq!(
            rows(&p),
            vec![row(
                RightKind::ObjectToDirectMarketing,
                "*",
                &["mail"],
                false,
                true
            )]
        );
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
                // The declared scope stays; the purposes come from the bases.
                row(
                    RightKind::WithdrawConsent,
                    "DE,FR,EU",
                    &["news"],
                    true,
                    true
                ),
            ]
        );
        let docs: Vec<Option<String>> = rights(&p).into_iter().map(|e| e.docs).collect();
        assert_eq!(docs.first().cloned().flatten().as_deref(), Some("Art. 15."));
    }

    #[test]
    fn no_rights_without_bases_or_declarations() {
        let p = policy(&format!(
            "{HEAD}purpose service {{ uses user.email basis contract }}\n"
        ));
        assert!(rights(&p).is_empty());
    }
}
