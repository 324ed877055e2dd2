//! The data subject a decision is about, resolved against one compiled policy: every name
//! is already an id, so deciding never hashes a string.

use crate::model::{AttrValue, AttributeId, OptOutKind, PurposeId, RegionId, SubjectKindId};

/// A consent the subject gave (and perhaps withdrew) for a purpose and its descendants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub purpose: PurposeId,
    pub given_at: Option<jiff::Timestamp>,
    pub withdrawn_at: Option<jiff::Timestamp>,
    /// Explicit consent (GDPR Art. 9(2)(a)), needed for special categories.
    pub explicit: bool,
}

impl ConsentRecord {
    /// Given and not withdrawn since (a consent given again after a withdrawal is active).
    pub fn is_active(&self) -> bool {
        match (self.given_at, self.withdrawn_at) {
            (_, None) => true,
            (Some(given), Some(withdrawn)) => given > withdrawn,
            (None, Some(_)) => false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// Region of residence; queries default to it.
    pub region: Option<RegionId>,
    /// Age in years; `None` when unknown.
    pub age: Option<u16>,
    /// `None`: the policy's default kind.
    pub kind: Option<SubjectKindId>,
    pub consents: Vec<ConsentRecord>,
    /// Purposes objected to (GDPR Art. 21), each covering its descendants.
    pub objections: Vec<PurposeId>,
    /// Bit mask of [`OptOutKind::bit`].
    pub opt_outs: u8,
    /// Global Privacy Control signal present.
    pub gpc: bool,
    /// Processing restricted (GDPR Art. 18).
    pub restricted: bool,
    pub erasure_requested: bool,
    pub account_deleted: bool,
    /// Verified consent of a parent or guardian.
    pub parental_consent: bool,
    /// Indexed by [`AttributeId`]; `None` when not given.
    pub attributes: Vec<Option<AttrValue>>,
}

impl Subject {
    pub fn opt_out(&mut self, kind: OptOutKind) {
        self.opt_outs |= kind.bit();
    }

    pub fn has_opted_out(&self, kind: OptOutKind) -> bool {
        crate::model::Policy::opted_out(self.opt_outs, self.gpc, kind)
    }

    pub fn attribute(&self, id: AttributeId) -> Option<&AttrValue> {
        self.attributes.get(id.index()).and_then(Option::as_ref)
    }

    pub fn is_erased(&self) -> bool {
        self.erasure_requested || self.account_deleted
    }
}
