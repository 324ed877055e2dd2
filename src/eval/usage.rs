//! Deciding a use: may purpose P use category C of subject S in region R
//! (docs/semantics.md, "Deciding a use", steps 1–8).

use crate::model::DataRef;
use crate::model::{
    Basis, BasisDecl, CategoryId, ChildTreatment, Circumstances, DenyRule, OptOutKind, Policy,
    ProvenanceId, PurposeFacts, PurposeId, RegionId,
};
use crate::subject::Subject;

use super::cond::{consent_lineage, has_objected, is_child, Env};
use super::decision::{Asked, Decision, Detail, Obligations};
use super::query::{
    check_purpose, check_region, check_stamp, check_subject, resolve_data, Query, QueryError,
};
use super::rules::{forbidding_assertion, is_use_rule_for, Situation};
use super::Reason;

impl Policy {
    /// Decide a query: a use, a combination when it names other data to combine with, or a
    /// disclosure when it names a recipient.
    pub fn decide(&self, query: &Query, subject: &Subject) -> Result<Decision, QueryError> {
        if query.combine.is_some() {
            return self.decide_combination(query, subject);
        }
        match query.recipient {
            Some(recipient) => self.decide_disclosure(recipient, query, subject),
            None => self.decide_use(query, subject),
        }
    }

    /// May `query.purpose` use `query.data` of `subject` in the query region (default: the
    /// subject's region)? Ignores `query.recipient` and `query.combine`.
    #[inline]
    pub fn decide_use(&self, query: &Query, subject: &Subject) -> Result<Decision, QueryError> {
        let use_query = UseQuery::prepare(self, query, subject)?;
        Ok(use_query.decide(self, subject))
    }

    /// The basis declarations that decide a use for `purpose` in `region` (step 4): those
    /// whose scope contains the region, at the most specific such scope, in declaration
    /// order. Their `when` is read per subject when deciding; the first alternative that
    /// holds is the basis. Empty: no legal basis there. Tools that talk about bases per
    /// region (notices, the prover, the diff) ask this instead of reading scopes.
    pub fn basis_declarations(
        &self,
        purpose: PurposeId,
        region: RegionId,
    ) -> impl Iterator<Item = &BasisDecl> + '_ {
        // The same choice the decision tables are built from (`check::index`).
        let slot = purpose
            .index()
            .checked_mul(self.regions.len())
            .and_then(|i| i.checked_add(region.index()));
        let choice = slot
            .and_then(|i| self.index.basis_choice.get(i))
            .copied()
            .unwrap_or_default();
        let start = choice.start as usize;
        let list = self
            .index
            .basis_lists
            .get(start..start.saturating_add(choice.len as usize))
            .unwrap_or(&[]);
        let bases = self
            .purposes
            .get(purpose.index())
            .map_or(&[][..], |p| p.bases.as_slice());
        list.iter().filter_map(move |&i| bases.get(i as usize))
    }
}

/// A use question with every id checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UseQuery {
    pub purpose: PurposeId,
    pub data: DataRef,
    pub category: CategoryId,
    pub region: RegionId,
    pub collected_at: Option<jiff::Timestamp>,
    pub circumstances: Circumstances,
    pub campaign: Option<crate::model::Campaign>,
}

impl UseQuery {
    /// Check the handles' stamps (first: ids from another policy are not read), then the ids.
    #[inline]
    pub fn prepare(policy: &Policy, query: &Query, subject: &Subject) -> Result<Self, QueryError> {
        check_stamp(policy, query.stamp, "query")?;
        check_subject(policy, subject)?;
        check_purpose(policy, query.purpose)?;
        let category = resolve_data(policy, query.data)?;
        let region = query
            .region
            .or(subject.region)
            .ok_or(QueryError::NoRegion)?;
        check_region(policy, region)?;
        Ok(UseQuery {
            purpose: query.purpose,
            data: query.data,
            category,
            region,
            collected_at: query.collected_at,
            circumstances: query.circumstances,
            campaign: query.campaign,
        })
    }

    pub fn asked(&self) -> Asked {
        Asked::Use {
            purpose: self.purpose,
            data: self.data,
            region: self.region,
        }
    }

    pub fn decide(&self, policy: &Policy, subject: &Subject) -> Decision {
        let asked = self.asked();
        // The packed tables (`model::DecisionTables`): a few small reads per decision.
        let tables = &policy.index.decision;
        let Some(purpose) = tables.purpose(self.purpose) else {
            return Decision::new(asked, Reason::NotDeclared);
        };
        // Denials the purpose's own declaration decides point at it (an implied purpose
        // has none: `Decision::rule_ref` then falls back to its name).
        let deny = |reason| Decision {
            rule: purpose.provenance,
            ..Decision::new(asked, reason)
        };

        let env = Env {
            policy,
            subject: Some(subject),
            region: self.region,
            circumstances: self.circumstances,
        };

        // Step 2: closed world. A deny rule that forbids it too is the better explanation
        // (the policy's own promise): the decision cites it.
        if !tables.uses(self.purpose, self.category) {
            let cited = self
                .denying_rule(policy, env)
                .map(|rule| rule.provenance)
                .or_else(|| forbidding_assertion(policy, &self.situation(env), None));
            return match cited {
                Some(rule) => deny(Reason::NotDeclared).with_rule(rule),
                None => deny(Reason::NotDeclared),
            };
        }
        let kinds = purpose
            .limits_subject_kinds
            .then(|| policy.purposes.get(self.purpose.index()))
            .flatten()
            .and_then(|p| p.subjects.as_ref());
        if let Some(kinds) = kinds {
            let kind = subject.kind.or(policy.index.default_subject_kind);
            if !kind.is_some_and(|k| kinds.contains(k.index())) {
                return deny(Reason::SubjectKind);
            }
        }

        // Step 3: deny rules override everything.
        if let Some(rule) = self.denying_rule(policy, env) {
            return deny(Reason::DeniedByRule).with_rule(rule.provenance);
        }

        // Step 4: the basis declarations for the region whose `when` holds.
        // Each `when` is read once: the first that holds is kept for step 5.
        let conds = tables.conds();
        let mut declarations = tables
            .bases(self.purpose, self.region)
            .filter(|d| d.when.is_none_or(|w| env.eval_packed(conds, w).or_false()))
            .peekable();
        if declarations.peek().is_none() {
            return deny(Reason::NoLegalBasis);
        }

        // Step 5: the subject's side of the basis.
        if purpose.direct_marketing && has_objected(policy, subject, self.purpose) {
            return deny(Reason::Objected);
        }
        // An unsubscribe stops direct marketing whatever its basis.
        if purpose.direct_marketing {
            if let Some(detail) = self.opt_out(purpose, subject, OptOutKind::Marketing) {
                return Decision {
                    detail,
                    ..deny(Reason::OptedOut)
                };
            }
        }
        let special = policy.index.decision.is_special(self.category);
        let mut chosen: Option<(Basis, ProvenanceId)> = None;
        let mut first_failure: Option<Decision> = None;
        let mut overrode = false;
        'declarations: for declaration in declarations {
            for &basis in tables.alternatives(declaration) {
                let overridden = basis == Basis::LegitimateInterest
                    && declaration
                        .objection_override
                        .is_some_and(|c| env.eval_packed(conds, c).or_false());
                match self.check_basis(policy, purpose, subject, basis, special, overridden) {
                    Ok(()) => {
                        overrode = overridden && has_objected(policy, subject, self.purpose);
                        chosen = Some((basis, declaration.provenance));
                        break 'declarations;
                    }
                    Err((reason, detail)) => {
                        if first_failure.is_none() {
                            let mut failure = deny(reason).with_rule(declaration.provenance);
                            failure.detail = detail;
                            first_failure = Some(failure);
                        }
                    }
                }
            }
        }
        let Some((basis, provenance)) = chosen else {
            return first_failure.unwrap_or_else(|| deny(Reason::NoLegalBasis));
        };

        // Step 6: restriction and erasure stop what does not survive them.
        if subject.restricted && !purpose.survives_restriction {
            return deny(Reason::Restricted);
        }
        if subject.is_erased() && !purpose.survives_erasure {
            return deny(Reason::Erased);
        }
        // CPRA § 1798.121: a limit on the use of sensitive data stops what does not
        // survive it.
        if !purpose.survives_limit_sensitive && tables.is_sensitive(self.category) {
            if let Some(detail) = self.opt_out(purpose, subject, OptOutKind::LimitSensitive) {
                return Decision {
                    detail,
                    ..deny(Reason::OptedOut)
                };
            }
        }

        // Step 7: children.
        if is_child(policy, subject, self.region) {
            let treatment = purpose.children.unwrap_or(policy.children.default);
            // The purpose's own `children …` decided, else the policy's `children` block
            // (the threshold declaration for the region).
            let threshold_rule = policy
                .children
                .threshold_provenance
                .get(self.region.index())
                .copied()
                .flatten();
            let child_rule = match purpose.children {
                Some(_) => purpose.provenance.or(threshold_rule),
                None => threshold_rule.or(purpose.provenance),
            };
            let denial = |reason| {
                let mut d = Decision::new(asked, reason);
                d.rule = child_rule;
                d.detail.child_threshold = policy
                    .children
                    .threshold
                    .get(self.region.index())
                    .copied()
                    .flatten();
                d.detail.age_unknown = subject.age.is_none();
                d
            };
            match treatment {
                ChildTreatment::Deny => return denial(Reason::Child),
                ChildTreatment::RequireParentalConsent if !subject.parental_consent => {
                    return denial(Reason::ParentalConsentMissing)
                }
                ChildTreatment::RequireParentalConsent | ChildTreatment::Allow => {}
            }
        }

        // Step 8: allow, with what the controller must keep doing.
        let mut decision = Decision::new(asked, Reason::Allowed);
        decision.rule = Some(provenance);
        decision.basis = Some(basis);
        decision.obligations = self.obligations(policy, basis);
        decision.detail.objection_overridden = overrode;
        decision
    }

    /// This use as the situation a deny rule or an assertion is matched against; made only
    /// when there is one to match.
    #[inline(always)]
    fn situation<'a>(&self, env: Env<'a>) -> Situation<'a> {
        Situation {
            env,
            category: self.category,
            purpose: Some(self.purpose),
            recipient: None,
            to: &[],
        }
    }

    /// The first `deny use` rule that applies to this use, in declaration order.
    #[inline(always)]
    fn denying_rule<'p>(&self, policy: &'p Policy, env: Env<'_>) -> Option<&'p DenyRule> {
        // Most decisions have no rule to match: the situation is then not made.
        let rules = policy
            .index
            .rule_lookup
            .use_rules(self.purpose, self.category)?;
        let situation = self.situation(env);
        let tables = &policy.index.decision;
        rules
            .filter(|&id| match tables.use_rule(id) {
                Some(packed) => situation.packed_rule_applies(packed, tables.conds()),
                None => policy.rules.get(id.index()).is_some_and(|rule| {
                    is_use_rule_for(rule, self.purpose) && situation.rule_applies(rule)
                }),
            })
            .find_map(|id| policy.rules.get(id.index()))
    }

    /// Whether one alternative holds for the subject; else the denial reason. An objection
    /// does not stop `legitimate_interest` when `objection_overridden` (the declaration's
    /// `overrides objection when …` holds).
    fn check_basis(
        &self,
        policy: &Policy,
        purpose: &PurposeFacts,
        subject: &Subject,
        basis: Basis,
        special: bool,
        objection_overridden: bool,
    ) -> Result<(), (Reason, Detail)> {
        match basis {
            Basis::Consent => self.check_consent(policy, purpose, subject, special),
            Basis::ExplicitConsent => self.check_consent(policy, purpose, subject, true),
            Basis::LegitimateInterest => {
                if !objection_overridden && has_objected(policy, subject, self.purpose) {
                    Err((Reason::Objected, Detail::default()))
                } else {
                    Ok(())
                }
            }
            Basis::OptOut(kind) => match self.opt_out(purpose, subject, kind) {
                Some(detail) => Err((Reason::OptedOut, detail)),
                None => Ok(()),
            },
            Basis::Contract | Basis::LegalObligation | Basis::VitalInterest | Basis::PublicTask => {
                Ok(())
            }
            // The text states no basis: no Art. 6(1) basis makes the use lawful.
            Basis::Unstated => Err((Reason::BasisUnstated, Detail::default())),
        }
    }

    /// The opt-out of `kind` that stops this use, if one does (`eval::optout`).
    #[inline]
    fn opt_out(
        &self,
        purpose: &PurposeFacts,
        subject: &Subject,
        kind: OptOutKind,
    ) -> Option<Detail> {
        if subject.opt_outs == 0 && subject.opt_out_records.is_empty() && !subject.gpc {
            return None;
        }
        super::optout::opt_out_denial(purpose, subject, kind, self.campaign, self.collected_at)
    }

    fn check_consent(
        &self,
        policy: &Policy,
        purpose: &PurposeFacts,
        subject: &Subject,
        explicit: bool,
    ) -> Result<(), (Reason, Detail)> {
        // No consent on record: the lineage need not be read.
        let lineage = if subject.consents.is_empty() {
            &[]
        } else {
            consent_lineage(policy, self.purpose)
        };
        let mut active = false;
        let mut withdrawn = false;
        let mut tainted = false;
        for record in subject
            .consents
            .iter()
            .filter(|c| lineage.contains(&c.purpose))
        {
            if let (true, Some(collected), Some(withdrawn_at)) = (
                purpose.taints_prior_data,
                self.collected_at,
                record.withdrawn_at,
            ) {
                tainted |= collected < withdrawn_at;
            }
            if record.is_active() {
                active |= record.explicit || !explicit;
            } else {
                withdrawn |= record.withdrawn_at.is_some();
            }
        }
        let detail = Detail {
            explicit_required: explicit,
            tainted,
            ..Detail::default()
        };
        if tainted {
            Err((Reason::ConsentWithdrawn, detail))
        } else if active {
            Ok(())
        } else if withdrawn {
            Err((Reason::ConsentWithdrawn, detail))
        } else {
            Err((Reason::ConsentMissing, detail))
        }
    }

    fn obligations(&self, policy: &Policy, basis: Basis) -> Obligations {
        let mut obligations = Obligations::default();
        match basis {
            Basis::Consent | Basis::ExplicitConsent => obligations.honour_withdrawal(),
            Basis::LegitimateInterest => obligations.honour_objection(),
            Basis::OptOut(kind) => obligations.honour_opt_out(kind),
            Basis::Contract
            | Basis::LegalObligation
            | Basis::VitalInterest
            | Basis::PublicTask
            | Basis::Unstated => {}
        }
        // A `retain … when` maximum counts when its condition holds for this question.
        let env = Env {
            policy,
            subject: None,
            region: self.region,
            circumstances: self.circumstances,
        };
        let limit = policy.index.decision.retention_limit(
            self.category,
            self.region,
            self.purpose,
            |rule| {
                policy
                    .retention
                    .get(rule as usize)
                    .is_some_and(|r| env.eval_opt(r.when.as_ref()).or_false())
            },
        );
        if let Some(index) = limit {
            obligations.retain_at_most(index);
        }
        obligations
    }
}

/// The retention rules covering a category, with their index in [`Policy::retention`].
pub(crate) fn retention_rules(
    policy: &Policy,
    category: CategoryId,
) -> impl Iterator<Item = (u32, &crate::model::RetentionRule)> + '_ {
    policy
        .index
        .retention_by_category
        .get(category.index())
        .into_iter()
        .flatten()
        .filter_map(move |&i| policy.retention.get(i as usize).map(|r| (i, r)))
}
