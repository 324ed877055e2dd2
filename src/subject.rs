//! The data subject a decision is about, resolved against one compiled policy: every name
//! is already an id, so deciding never hashes a string.

use crate::model::{
    AttrValue, AttributeId, Campaign, Channel, OptOutKind, Policy, PolicyStamp, PurposeId,
    RecipientId, RegionId, SubjectKindId,
};

/// What a [`TargetConsent`] consents to: disclosure to a recipient, or a transfer to a region
/// (and every region within it). Kept apart from purposes: a policy may name a recipient and
/// a purpose alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConsentTarget {
    /// Disclosure to this recipient.
    Recipient(RecipientId),
    /// A transfer to this region.
    Transfer(RegionId),
}

/// A consent the subject gave (and perhaps withdrew) to a recipient or a transfer ("after
/// obtaining your express consent, we will transfer your data to other parties"), read by
/// recipients and transfer permissions that `requires consent`. Given, withdrawn, explicit
/// and active as a purpose's [`ConsentRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetConsent {
    /// What is consented to.
    pub target: ConsentTarget,
    /// When consent was given; `None` when not known.
    pub given_at: Option<jiff::Timestamp>,
    /// When consent was last withdrawn; `None` when never.
    pub withdrawn_at: Option<jiff::Timestamp>,
    /// Explicit consent.
    pub explicit: bool,
}

impl TargetConsent {
    /// Given and not withdrawn since.
    pub fn is_active(&self) -> bool {
        consent_active(self.given_at, self.withdrawn_at)
    }
}

/// A consent given at `given` is in force unless withdrawn since; one of unknown time that
/// was withdrawn is not.
fn consent_active(given: Option<jiff::Timestamp>, withdrawn: Option<jiff::Timestamp>) -> bool {
    match (given, withdrawn) {
        (_, None) => true,
        (Some(given), Some(withdrawn)) => given > withdrawn,
        (None, Some(_)) => false,
    }
}

/// A consent the subject gave (and perhaps withdrew) for a purpose and its descendants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// The purpose consented to; the consent covers its descendants too.
    pub purpose: PurposeId,
    /// When consent was given; `None` when the time is not known (the consent still counts
    /// unless withdrawn).
    pub given_at: Option<jiff::Timestamp>,
    /// When consent was last withdrawn; `None` when never. Data collected before a
    /// withdrawal stays tainted by it.
    pub withdrawn_at: Option<jiff::Timestamp>,
    /// Explicit consent (GDPR Art. 9(2)(a)), needed for special categories.
    pub explicit: bool,
}

impl ConsentRecord {
    /// Given and not withdrawn since (a consent given again after a withdrawal is active).
    pub fn is_active(&self) -> bool {
        consent_active(self.given_at, self.withdrawn_at)
    }
}

/// An opt-out as a timed event (docs/semantics.md, "Opt-outs"): made at `at`, perhaps
/// revoked later, perhaps limited to one channel or one campaign of direct marketing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutRecord {
    /// What the subject opted out of.
    pub kind: OptOutKind,
    /// `Some`: only direct marketing through this channel (a `marketing` opt-out only).
    pub channel: Option<Channel>,
    /// `Some`: only this campaign (a `marketing` opt-out only).
    pub campaign: Option<Campaign>,
    /// When the subject opted out; `None` when not known (in force since forever, and it
    /// taints no data).
    pub at: Option<jiff::Timestamp>,
    /// When the subject revoked it (opted back in); `None` when never. Data collected
    /// before `at` stays out for purposes whose `withdrawal taints prior data`.
    pub revoked_at: Option<jiff::Timestamp>,
}

impl OptOutRecord {
    /// An opt-out of `kind`, for every channel and campaign, made at an unknown time.
    pub fn new(kind: OptOutKind) -> OptOutRecord {
        OptOutRecord {
            kind,
            channel: None,
            campaign: None,
            at: None,
            revoked_at: None,
        }
    }

    /// Not revoked.
    #[inline]
    pub fn in_force(&self) -> bool {
        self.revoked_at.is_none()
    }

    /// Covers every channel and every campaign.
    #[inline]
    pub fn is_general(&self) -> bool {
        self.channel.is_none() && self.campaign.is_none()
    }
}

/// A data subject, resolved for one policy: make it with [`Subject::new`] (then set its
/// fields), [`SubjectBuilder`](crate::eval::SubjectBuilder) or [`Subject::from_json`].
///
/// Its ids are indexes into that policy's tables, so it carries the policy's
/// [`PolicyStamp`]: deciding with it against any other policy (say, after a reload) is an
/// error ([`QueryError::OtherPolicy`](crate::eval::QueryError::OtherPolicy)), never a
/// decision about whatever the same indexes name there. There is no `Default`: a subject
/// always belongs to a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Region of residence; queries default to it.
    pub region: Option<RegionId>,
    /// Age in years; `None` when unknown.
    pub age: Option<u16>,
    /// `None`: the policy's default kind.
    pub kind: Option<SubjectKindId>,
    /// Consents given (and perhaps withdrawn); a purpose may have several records.
    pub consents: Vec<ConsentRecord>,
    /// Consents to recipients and transfers (not to purposes), each record once.
    pub target_consents: Vec<TargetConsent>,
    /// Purposes objected to (GDPR Art. 21), each covering its descendants.
    pub objections: Vec<PurposeId>,
    /// Bit mask of [`OptOutKind::bit`]: the kinds the subject opted out of for every
    /// channel and campaign, in force now (what `opted_out(K)` in a condition reads).
    pub opt_outs: u8,
    /// Opt-outs as timed events: those with a time, a revocation, a channel or a campaign
    /// (an untimed general opt-out is enough in `opt_outs`). Add them with
    /// [`Subject::add_opt_out`], which keeps `opt_outs` in step.
    pub opt_out_records: Vec<OptOutRecord>,
    /// Global Privacy Control signal present.
    pub gpc: bool,
    /// Processing restricted (GDPR Art. 18).
    pub restricted: bool,
    /// Erasure requested (GDPR Art. 17): only purposes that survive erasure still apply.
    pub erasure_requested: bool,
    /// The account was deleted; treated like an erasure request.
    pub account_deleted: bool,
    /// Verified consent of a parent or guardian.
    pub parental_consent: bool,
    /// Indexed by [`AttributeId`]; `None` when not given.
    pub attributes: Vec<Option<AttrValue>>,
    /// The policy the ids above belong to.
    pub(crate) stamp: PolicyStamp,
}

impl Subject {
    /// A subject of `policy` that says nothing about itself: no region, age, kind,
    /// consents, opt-outs or attributes (set the fields to say more). Allocates nothing.
    pub fn new(policy: &Policy) -> Subject {
        Subject::with_stamp(policy.stamp())
    }

    /// [`Subject::new`] for the policy with this stamp (for the checker, which resolves
    /// test subjects before the policy exists).
    pub(crate) fn with_stamp(stamp: PolicyStamp) -> Subject {
        Subject {
            region: None,
            age: None,
            kind: None,
            consents: Vec::new(),
            target_consents: Vec::new(),
            objections: Vec::new(),
            opt_outs: 0,
            opt_out_records: Vec::new(),
            gpc: false,
            restricted: false,
            erasure_requested: false,
            account_deleted: false,
            parental_consent: false,
            attributes: Vec::new(),
            stamp,
        }
    }

    /// Make this a subject of `policy` who lives in `region` and says nothing else, keeping
    /// the allocations (the prover and the diff build millions of subjects in one).
    pub(crate) fn reset(&mut self, policy: &Policy, region: Option<RegionId>) {
        let mut consents = std::mem::take(&mut self.consents);
        let mut target_consents = std::mem::take(&mut self.target_consents);
        let mut objections = std::mem::take(&mut self.objections);
        let mut attributes = std::mem::take(&mut self.attributes);
        let mut opt_out_records = std::mem::take(&mut self.opt_out_records);
        consents.clear();
        target_consents.clear();
        objections.clear();
        attributes.clear();
        opt_out_records.clear();
        attributes.resize(policy.attributes.len(), None);
        *self = Subject {
            region,
            consents,
            target_consents,
            objections,
            attributes,
            opt_out_records,
            ..Subject::new(policy)
        };
    }

    /// The stamp of the policy this subject was resolved for.
    pub fn stamp(&self) -> PolicyStamp {
        self.stamp
    }

    /// Whether this subject was resolved for `policy` (and so may be decided about by it).
    pub fn belongs_to(&self, policy: &Policy) -> bool {
        self.stamp == policy.stamp()
    }

    /// Record an opt-out of `kind` (sale, sharing, targeted advertising …).
    pub fn opt_out(&mut self, kind: OptOutKind) {
        self.opt_outs |= kind.bit();
    }

    /// Record an opt-out as a timed event; a general one in force also sets its bit in
    /// [`Subject::opt_outs`].
    pub fn add_opt_out(&mut self, record: OptOutRecord) {
        if record.in_force() && record.is_general() {
            self.opt_outs |= record.kind.bit();
        }
        self.opt_out_records.push(record);
    }

    /// Whether the subject opted out of `kind`, directly or through the Global Privacy
    /// Control signal (which counts as an opt-out of the kinds it covers).
    pub fn has_opted_out(&self, kind: OptOutKind) -> bool {
        crate::model::Policy::opted_out(self.opt_outs, self.gpc, kind)
    }

    /// The value given for attribute `id`; `None` when not given (or `id` is out of range).
    pub fn attribute(&self, id: AttributeId) -> Option<&AttrValue> {
        self.attributes.get(id.index()).and_then(Option::as_ref)
    }

    /// Whether a consent to what `target` accepts decides a disclosure or transfer: an
    /// active record (explicit when `explicit`) → `Ok`; else `Err(tainted)`. `collected`
    /// (given when the purpose's withdrawal taints prior data): data collected before a
    /// withdrawal of such a consent stays refused, even after a new one (`Err(true)`).
    pub(crate) fn target_consent(
        &self,
        target: impl Fn(ConsentTarget) -> bool,
        explicit: bool,
        collected: Option<jiff::Timestamp>,
    ) -> Result<(), bool> {
        let mut ok = false;
        for record in self.target_consents.iter().filter(|r| target(r.target)) {
            if let (Some(at), Some(withdrawn)) = (collected, record.withdrawn_at) {
                if at < withdrawn {
                    return Err(true);
                }
            }
            ok |= record.is_active() && (record.explicit || !explicit);
        }
        if ok {
            Ok(())
        } else {
            Err(false)
        }
    }

    /// Whether erasure was requested or the account deleted.
    pub fn is_erased(&self) -> bool {
        self.erasure_requested || self.account_deleted
    }

    /// The heap memory this subject holds (its vectors' capacities), in bytes: for caches
    /// bounded in bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let sets: usize = self
            .attributes
            .iter()
            .flatten()
            .map(|value| match value {
                AttrValue::Set(items) => items.capacity() * size_of::<crate::model::SymbolId>(),
                _ => 0,
            })
            .sum();
        self.consents.capacity() * size_of::<ConsentRecord>()
            + self.target_consents.capacity() * size_of::<TargetConsent>()
            + self.opt_out_records.capacity() * size_of::<OptOutRecord>()
            + self.objections.capacity() * size_of::<PurposeId>()
            + self.attributes.capacity() * size_of::<Option<AttrValue>>()
            + sets
    }
}
