//! The answer to a question: small, `Copy`, built without allocating. Names, sentences and
//! JSON are produced from it afterwards, off the hot path.

use std::hash::{Hash, Hasher};

use crate::model::{
    Basis, CategoryId, OptOutKind, Policy, ProvenanceId, PurposeId, RecipientId, RecipientKind,
    RegionId,
};
use crate::model::{DataRef, Safeguard};
use crate::source::Span;

use super::Reason;

/// The question a decision answers, with every name resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// May `purpose` use `data` of a subject in `region`?
    Use {
        /// The purpose asking.
        purpose: PurposeId,
        /// The field or category used.
        data: DataRef,
        /// The region the question is asked in (the subject's unless the query said).
        region: RegionId,
    },
    /// May `recipient` receive `data` for `purpose`?
    Disclose {
        /// Who would receive the data.
        recipient: RecipientId,
        /// The purpose the data is disclosed for.
        purpose: PurposeId,
        /// The field or category disclosed.
        data: DataRef,
        /// The region the question is asked in.
        region: RegionId,
    },
    /// May any declared recipient of `kind` receive `data` for `purpose`? (Asked of a
    /// kind the policy declares no recipient of, or none of which may receive it; an
    /// allowed answer names the recipient, [`Asked::Disclose`].)
    DiscloseKind {
        /// The kind of recipient.
        kind: RecipientKind,
        /// The purpose the data is disclosed for.
        purpose: PurposeId,
        /// The field or category disclosed.
        data: DataRef,
        /// The region the question is asked in.
        region: RegionId,
    },
    /// May data of `category` go from region `from` to region `to`?
    Transfer {
        /// The category of the data moved.
        category: CategoryId,
        /// The region the data leaves.
        from: RegionId,
        /// The destination.
        to: RegionId,
    },
    /// May `purpose` combine `data` with `with` (bring both together about the subject)?
    Combine {
        /// The purpose asking.
        purpose: PurposeId,
        /// The data on one side.
        data: DataRef,
        /// The data on the other side.
        with: DataRef,
        /// The region the question is asked in.
        region: RegionId,
    },
}

impl Hash for Asked {
    fn hash<H: Hasher>(&self, state: &mut H) {
        fn data<H: Hasher>(data: DataRef, state: &mut H) {
            match data {
                DataRef::Field(f) => (0u8, f.0).hash(state),
                DataRef::Category(c) => (1u8, c.0).hash(state),
            }
        }
        match *self {
            Asked::Use {
                purpose,
                data: d,
                region,
            } => {
                (0u8, purpose, region).hash(state);
                data(d, state);
            }
            Asked::Disclose {
                recipient,
                purpose,
                data: d,
                region,
            } => {
                (1u8, recipient, purpose, region).hash(state);
                data(d, state);
            }
            Asked::Transfer { category, from, to } => (2u8, category, from, to).hash(state),
            Asked::DiscloseKind {
                kind,
                purpose,
                data: d,
                region,
            } => {
                (3u8, kind, purpose, region).hash(state);
                data(d, state);
            }
            Asked::Combine {
                purpose,
                data: d,
                with,
                region,
            } => {
                (4u8, purpose, region).hash(state);
                data(d, state);
                data(with, state);
            }
        }
    }
}

impl Asked {
    /// The purpose asked about; `None` for a transfer.
    pub fn purpose(self) -> Option<PurposeId> {
        match self {
            Asked::Use { purpose, .. }
            | Asked::Disclose { purpose, .. }
            | Asked::DiscloseKind { purpose, .. }
            | Asked::Combine { purpose, .. } => Some(purpose),
            Asked::Transfer { .. } => None,
        }
    }

    /// The region asked in; for a transfer, the origin.
    pub fn region(self) -> RegionId {
        match self {
            Asked::Use { region, .. }
            | Asked::Disclose { region, .. }
            | Asked::DiscloseKind { region, .. }
            | Asked::Combine { region, .. } => region,
            Asked::Transfer { from, .. } => from,
        }
    }

    /// The category of the data asked about (`None` only for an id from another policy);
    /// for a combination, of its first side.
    pub fn category(self, policy: &Policy) -> Option<CategoryId> {
        match self {
            Asked::Use { data, .. }
            | Asked::Disclose { data, .. }
            | Asked::DiscloseKind { data, .. }
            | Asked::Combine { data, .. } => category_of(policy, data),
            Asked::Transfer { category, .. } => Some(category),
        }
    }
}

pub(crate) fn category_of(policy: &Policy, data: DataRef) -> Option<CategoryId> {
    match data {
        DataRef::Category(c) => policy.categories.get(c.index()).map(|_| c),
        DataRef::Field(f) => policy.fields.get(f.index()).map(|f| f.category),
    }
}

/// Facts about how a decision was reached that explanations and hints need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Detail {
    /// `opted_out`: the opt-out that applied.
    pub opt_out: Option<OptOutKind>,
    /// `opted_out`: only the subject's Global Privacy Control signal made it an opt-out.
    pub via_gpc: bool,
    /// `opted_out`: the opt-out that applied is limited to this channel.
    pub opt_out_channel: Option<crate::model::Channel>,
    /// `opted_out`: the opt-out that applied is limited to one campaign.
    pub opt_out_campaign: bool,
    /// Consent reasons: explicit consent was required (special category or
    /// `explicit_consent` basis).
    pub explicit_required: bool,
    /// `consent_withdrawn`: the data was collected before a withdrawal and the purpose's
    /// withdrawal taints prior data (consenting again does not help).
    pub tainted: bool,
    /// Child reasons: the age threshold of the region (`None` with an unknown age).
    pub child_threshold: Option<u8>,
    /// Child reasons: the subject's age was unknown and the policy treats that as a child.
    pub age_unknown: bool,
    /// Transfer (or a disclosure's transfer to the recipient's location): the destination.
    pub transfer_to: Option<RegionId>,
    /// The `transfer` rule that permitted it (index into [`Policy::transfers`]).
    pub transfer_rule: Option<u32>,
    /// The destination lies within the origin: no transfer rule needed.
    pub domestic: bool,
    /// `localized` disclosure: the recipient's location is not declared, so data a
    /// localisation rule keeps in the region cannot be shown to stay there.
    pub location_undeclared: bool,
    /// Allowed on `legitimate_interest` although the subject objected: the basis
    /// declaration's `overrides objection when …` holds (GDPR Art. 21(1)).
    pub objection_overridden: bool,
    /// A combination denied because the use of its second side (`with`) is: the reason is
    /// about that data.
    pub combine_with_denied: bool,
}

/// What the controller must do when it goes ahead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Obligations {
    bits: u8,
    opt_outs: u8,
    retention: Option<u32>,
}

/// One obligation of an allowed decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Obligation {
    /// The basis is consent: stop when it is withdrawn.
    HonourWithdrawal,
    /// The basis is legitimate interest: stop when the subject objects.
    HonourObjection,
    /// The basis is the opt-out model (or the disclosure is a sale / sharing): stop when
    /// the subject opts out.
    HonourOptOut(OptOutKind),
    /// Keep the data no longer than this `retain … at most` rule says (index into
    /// [`Policy::retention`]).
    RetainAtMost(u32),
}

impl Obligations {
    const WITHDRAWAL: u8 = 1;
    const OBJECTION: u8 = 2;

    /// Whether there is nothing to honour (every denial, and some allowed decisions).
    pub fn is_empty(&self) -> bool {
        self.bits == 0 && self.opt_outs == 0 && self.retention.is_none()
    }

    pub(crate) fn honour_withdrawal(&mut self) {
        self.bits |= Self::WITHDRAWAL;
    }

    pub(crate) fn honour_objection(&mut self) {
        self.bits |= Self::OBJECTION;
    }

    pub(crate) fn honour_opt_out(&mut self, kind: OptOutKind) {
        self.opt_outs |= kind.bit();
    }

    /// Add `other`'s obligations (a combination honours those of both its uses; the
    /// first retention limit stays).
    pub(crate) fn merge(&mut self, other: Obligations) {
        self.bits |= other.bits;
        self.opt_outs |= other.opt_outs;
        self.retention = self.retention.or(other.retention);
    }

    pub(crate) fn retain_at_most(&mut self, rule: u32) {
        self.retention = Some(rule);
    }

    /// Whether `obligation` is among them.
    pub fn contains(&self, obligation: Obligation) -> bool {
        self.iter().any(|o| o == obligation)
    }

    /// Each obligation, in a fixed order: withdrawal, objection, opt-outs, retention.
    pub fn iter(&self) -> impl Iterator<Item = Obligation> + '_ {
        let withdrawal =
            (self.bits & Self::WITHDRAWAL != 0).then_some(Obligation::HonourWithdrawal);
        let objection = (self.bits & Self::OBJECTION != 0).then_some(Obligation::HonourObjection);
        let opt_outs = OptOutKind::ALL
            .into_iter()
            .filter(|k| self.opt_outs & k.bit() != 0)
            .map(Obligation::HonourOptOut);
        withdrawal
            .into_iter()
            .chain(objection)
            .chain(opt_outs)
            .chain(self.retention.map(Obligation::RetainAtMost))
    }
}

impl Obligation {
    /// Stable code: `honour_withdrawal`, `honour_objection`, `honour_opt_out`,
    /// `retain_at_most`.
    pub fn code(self) -> &'static str {
        match self {
            Obligation::HonourWithdrawal => "honour_withdrawal",
            Obligation::HonourObjection => "honour_objection",
            Obligation::HonourOptOut(_) => "honour_opt_out",
            Obligation::RetainAtMost(_) => "retain_at_most",
        }
    }

    /// The code with its argument: `honour_opt_out(sale)`,
    /// `retain_at_most(2 years after consent_withdrawn)`.
    pub fn describe(self, policy: &Policy) -> String {
        let mut out = String::new();
        self.write_description(policy, &mut out);
        out
    }

    /// Append [`Obligation::describe`]'s text to `out`.
    pub fn write_description(self, policy: &Policy, out: &mut String) {
        out.push_str(self.code());
        match self {
            Obligation::HonourOptOut(kind) => {
                out.push('(');
                out.push_str(kind.name());
                out.push(')');
            }
            Obligation::RetainAtMost(rule) => {
                if let Some(r) = policy.retention.get(rule as usize) {
                    out.push('(');
                    out.push_str(&r.period_text);
                    out.push_str(" after ");
                    out.push_str(policy.event_name(r.after));
                    out.push(')');
                }
            }
            Obligation::HonourWithdrawal | Obligation::HonourObjection => {}
        }
    }
}

/// A decision on a use, a disclosure or a transfer. `Hash`: a decision is a pure value, so
/// what is made from it (sentences, JSON) can be cached by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision {
    /// Why it was allowed or denied; [`Reason::code`] is the stable code (`allowed`,
    /// `consent_missing` …).
    pub reason: Reason,
    /// The legal basis that allowed it (for a disclosure, the basis of its use).
    pub basis: Option<Basis>,
    /// The deciding declaration: the deny rule, the basis declaration, the purpose (for
    /// `not_declared`, `subject_kind`, `no_legal_basis`, an absolute objection,
    /// `restricted`, `erased`, or a purpose's own `children` treatment), the children
    /// threshold, the recipient, the transfer or localisation rule … `None` when nothing
    /// declared decided, e.g. a domestic transfer, or a denial by a purpose only implied by
    /// a dotted name (see [`Decision::rule_ref`], which falls back to the purpose).
    pub rule: Option<ProvenanceId>,
    /// What the controller must honour when it goes ahead (empty when denied).
    pub obligations: Obligations,
    /// The question answered, with the region actually used.
    pub asked: Asked,
    /// Facts behind the reason, for explanations and hints.
    pub detail: Detail,
}

/// Name and location of the declaration that decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleRef<'p> {
    /// The declared name (a purpose, a recipient …) or the rule's label.
    pub name: &'p str,
    /// Where it is declared; render it with the compile's [`SourceMap`](crate::SourceMap).
    pub span: Span,
}

impl Decision {
    pub(crate) fn new(asked: Asked, reason: Reason) -> Self {
        Decision {
            reason,
            basis: None,
            rule: None,
            obligations: Obligations::default(),
            asked,
            detail: Detail::default(),
        }
    }

    pub(crate) fn with_rule(mut self, rule: ProvenanceId) -> Self {
        self.rule = Some(rule);
        self
    }

    /// Whether the answer is yes (the reason is `allowed`; check the obligations).
    pub fn allowed(&self) -> bool {
        self.reason.is_allowed()
    }

    /// The transfer safeguard reported (`scc`, `adequacy` …), for transfers and for
    /// disclosures to a recipient in another region.
    pub fn safeguard<'p>(&self, policy: &'p Policy) -> Option<&'p str> {
        let rule = policy.transfers.get(self.detail.transfer_rule? as usize)?;
        rule.safeguard.map(Safeguard::name)
    }

    /// The deciding declaration, or the purpose (recipient) asked about when the purpose's
    /// own declaration decided.
    pub fn rule_ref<'p>(&self, policy: &'p Policy) -> Option<RuleRef<'p>> {
        if let Some(p) = self.rule.and_then(|id| policy.provenance(id)) {
            return Some(RuleRef {
                name: &p.name,
                span: p.span,
            });
        }
        let purpose = self
            .asked
            .purpose()
            .and_then(|p| policy.purposes.get(p.index()))?;
        Some(RuleRef {
            name: &purpose.info.name,
            span: purpose.info.span,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_is_small_and_copy() {
        fn assert_copy<T: Copy>() {}
        assert_copy::<Decision>();
        // Returned by value on the hot path, so kept small (the combine question and the
        // opt-out's channel and campaign took it from 76 to 80 bytes).
        assert!(
            std::mem::size_of::<Decision>() <= 80,
            "{}",
            std::mem::size_of::<Decision>()
        );
    }

    #[test]
    fn obligations_iterate_in_order() {
        let mut o = Obligations::default();
        assert!(o.is_empty());
        o.retain_at_most(3);
        o.honour_opt_out(OptOutKind::Sale);
        o.honour_withdrawal();
        let all: Vec<_> = o.iter().collect();
        assert_eq!(
            all,
            vec![
                Obligation::HonourWithdrawal,
                Obligation::HonourOptOut(OptOutKind::Sale),
                Obligation::RetainAtMost(3)
            ]
        );
    }
}
