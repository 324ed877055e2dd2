//! Prepared questions: every name already an id.

use crate::model::DataRef;
use crate::model::{
    Campaign, CategoryId, CircumstanceId, Circumstances, FieldId, Policy, PolicyStamp, PurposeId,
    RecipientId, RegionId,
};
use crate::subject::Subject;

/// A use (or, with a recipient, a disclosure) question with prepared ids.
///
/// ```
/// # use lawful::{eval::{Query, QueryError}, Subject};
/// # let text = r#"
/// #     policy "Shop" { controller "Shop GmbH" }
/// #     region DE "Germany"
/// #     category user.contact.email
/// #     field orders.email: user.contact.email
/// #     purpose marketing.direct { uses user.contact.email basis consent in DE }
/// # "#;
/// let policy = lawful::compile_str("shop.lawful", text)?.policy;
/// let now = "2025-01-01T00:00:00Z".parse()?;
/// let subject = Subject::from_json_str(&policy, r#"{"region": "DE", "age": 34}"#, now)?;
/// // Prepare once …
/// let q = Query::new(&policy, policy.purpose("marketing.direct")?, policy.field("orders.email")?)
///     .in_region(policy.region("DE")?);
/// // … decide per request: no hashing, no allocation.
/// let decision = policy.decide(&q, &subject)?;
/// assert_eq!(decision.reason.code(), "consent_missing");
/// // The query belongs to that policy: another compilation (a reload, even of the same
/// // text) refuses it rather than read its ids as whatever they index there.
/// let reloaded = lawful::compile_str("shop.lawful", text)?.policy;
/// let subject = Subject::from_json_str(&reloaded, r#"{"region": "DE"}"#, now)?;
/// assert!(matches!(reloaded.decide(&q, &subject), Err(QueryError::OtherPolicy { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The ids are those of the policy given to [`Query::new`], which the query remembers
/// (its [`PolicyStamp`]): deciding it with another policy is
/// [`QueryError::OtherPolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// The purpose asking (for a disclosure, the purpose the data is disclosed for).
    pub purpose: PurposeId,
    /// The field or category asked about.
    pub data: DataRef,
    /// Where the processing happens for the subject; `None`: the subject's region.
    pub region: Option<RegionId>,
    /// When the data item was collected (for purposes whose withdrawal taints prior data).
    pub collected_at: Option<jiff::Timestamp>,
    /// `Some`: the question is whether this recipient may receive the data.
    pub recipient: Option<RecipientId>,
    /// `Some`: the question is whether the purpose may combine `data` with this data (a
    /// no-linkage question, [`Policy::decide_combination`]); `recipient` is then not read.
    pub combine: Option<DataRef>,
    /// The circumstances that hold for this question (`required_by_law` …); absent ones
    /// are false.
    pub circumstances: Circumstances,
    /// The direct-marketing campaign asked about (`--campaign spring-sale`); `None`: no
    /// campaign named, which an opt-out of any one campaign also stops (fail closed).
    pub campaign: Option<Campaign>,
    /// The policy the ids belong to.
    pub(crate) stamp: PolicyStamp,
}

impl Query {
    /// May `purpose` use `data`, both ids of `policy`? The query can only be decided by
    /// `policy` (or a clone of it).
    pub fn new(policy: &Policy, purpose: PurposeId, data: impl Into<DataRef>) -> Self {
        Query {
            purpose,
            data: data.into(),
            region: None,
            collected_at: None,
            recipient: None,
            combine: None,
            circumstances: Circumstances::NONE,
            campaign: None,
            stamp: policy.stamp(),
        }
    }

    /// The stamp of the policy this query was prepared for.
    pub fn stamp(&self) -> PolicyStamp {
        self.stamp
    }

    /// Ask about processing in `region` instead of the subject's region of residence.
    pub fn in_region(mut self, region: RegionId) -> Self {
        self.region = Some(region);
        self
    }

    /// Say when the data item was collected: a consent withdrawn since then denies it
    /// when the purpose's withdrawal taints prior data.
    pub fn collected_at(mut self, at: jiff::Timestamp) -> Self {
        self.collected_at = Some(at);
        self
    }

    /// Say that circumstance `id` (of the policy the query was prepared for) holds.
    pub fn given(mut self, id: CircumstanceId) -> Self {
        self.circumstances = self.circumstances.with(id);
        self
    }

    /// Replace the circumstances that hold.
    pub fn with_circumstances(mut self, circumstances: Circumstances) -> Self {
        self.circumstances = circumstances;
        self
    }

    /// Ask whether the purpose may combine the data with `other` (a field or category) —
    /// bring both together about the subject — instead of a use.
    pub fn combined_with(mut self, other: impl Into<DataRef>) -> Self {
        self.combine = Some(other.into());
        self
    }

    /// Ask about direct marketing in `campaign`: an opt-out of another campaign does not
    /// stop it.
    pub fn for_campaign(mut self, campaign: Campaign) -> Self {
        self.campaign = Some(campaign);
        self
    }

    /// Ask whether `recipient` may receive the data (a disclosure) instead of a use.
    pub fn to_recipient(mut self, recipient: RecipientId) -> Self {
        self.recipient = Some(recipient);
        self
    }
}

impl From<FieldId> for DataRef {
    fn from(id: FieldId) -> Self {
        DataRef::Field(id)
    }
}

impl From<CategoryId> for DataRef {
    fn from(id: CategoryId) -> Self {
        DataRef::Category(id)
    }
}

/// A prepared question that cannot be answered. Never allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Neither the query nor the subject gives a region to decide in
    /// (`lawful::eval::no_region`).
    #[error("no region: the query names none and the subject has no region of residence")]
    NoRegion,
    /// An id out of range for this policy's tables, e.g. one built by hand
    /// (`lawful::eval::foreign_id`).
    #[error("{kind} id {id} does not belong to this policy")]
    ForeignId {
        /// What the id names: `purpose`, `field`, `category`, `region` …
        kind: &'static str,
        /// The id, out of range for this policy's table.
        id: u32,
    },
    /// The slice given to [`Policy::field_mask`](crate::Policy::field_mask) is not as long
    /// as the mask's field list (`lawful::eval::mask_length`).
    #[error("the output buffer holds {out} entries for {fields} fields")]
    MaskLength {
        /// How many fields the mask asks about.
        fields: usize,
        /// How many entries the output slice holds.
        out: usize,
    },
    /// The handle (`query`, `subject`, …) was made for another compiled policy — typically
    /// one a [`SharedPolicy`](super::SharedPolicy) reload replaced. Its ids would name other
    /// purposes and fields here, so nothing is decided.
    #[error(
        "this {handle} was prepared for another policy (a reload replaced it); prepare it again"
    )]
    OtherPolicy {
        /// What kind of handle it was: `query`, `subject`, `transfer query`,
        /// `retention query`, `field query` or `field mask query`.
        handle: &'static str,
    },
    /// A retention period, added to the date of its event, ends after the last instant
    /// jiff's calendar knows (9999-12-30T22:00Z): there is no date to answer with. The
    /// checker keeps periods to `MAX_PERIOD_YEARS`, so this needs an event after the year
    /// 8998.
    /// `rule` is the `retain` rule whose period overflows, `at` its event's date.
    #[error("a retention period from {at} ends beyond the calendar, which ends on 9999-12-30")]
    DateOutOfRange {
        /// The `retain` rule whose period overflows.
        rule: crate::model::ProvenanceId,
        /// The date of the event the period runs from.
        at: jiff::Timestamp,
    },
    /// A retention question gives an event for a purpose (`purpose_completed:marketing`), but
    /// the policy does not declare that event `per purpose`
    /// (`lawful::eval::event_not_per_purpose`).
    #[error("an event given for a purpose is not declared `per purpose`: give it without one")]
    EventNotPerPurpose {
        /// The event.
        event: crate::model::EventId,
    },
}

impl QueryError {
    /// Stable code, e.g. `lawful::eval::no_region`.
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::NoRegion => "lawful::eval::no_region",
            QueryError::ForeignId { .. } => "lawful::eval::foreign_id",
            QueryError::MaskLength { .. } => "lawful::eval::mask_length",
            QueryError::OtherPolicy { .. } => "lawful::eval::other_policy",
            QueryError::DateOutOfRange { .. } => "lawful::eval::date_out_of_range",
            QueryError::EventNotPerPurpose { .. } => "lawful::eval::event_not_per_purpose",
        }
    }
}

/// Check that a handle was made for `policy`: one integer compare, before any id is read.
#[inline]
pub(crate) fn check_stamp(
    policy: &Policy,
    stamp: PolicyStamp,
    handle: &'static str,
) -> Result<(), QueryError> {
    if stamp == policy.stamp() {
        Ok(())
    } else {
        Err(QueryError::OtherPolicy { handle })
    }
}

/// [`check_stamp`] for a subject.
#[inline]
pub(crate) fn check_subject(policy: &Policy, subject: &Subject) -> Result<(), QueryError> {
    check_stamp(policy, subject.stamp, "subject")
}

/// Check that prepared ids belong to `policy` (ids are plain numbers: one from another
/// policy must be an error, not a wrong answer).
pub(crate) fn check_purpose(policy: &Policy, id: PurposeId) -> Result<(), QueryError> {
    match policy.purposes.get(id.index()) {
        Some(_) => Ok(()),
        None => Err(QueryError::ForeignId {
            kind: "purpose",
            id: id.0,
        }),
    }
}

pub(crate) fn check_region(policy: &Policy, id: RegionId) -> Result<(), QueryError> {
    match policy.regions.get(id.index()) {
        Some(_) => Ok(()),
        None => Err(QueryError::ForeignId {
            kind: "region",
            id: id.0,
        }),
    }
}

pub(crate) fn check_category(policy: &Policy, id: CategoryId) -> Result<(), QueryError> {
    match policy.categories.get(id.index()) {
        Some(_) => Ok(()),
        None => Err(QueryError::ForeignId {
            kind: "category",
            id: id.0,
        }),
    }
}

pub(crate) fn check_recipient(policy: &Policy, id: RecipientId) -> Result<(), QueryError> {
    match policy.recipients.get(id.index()) {
        Some(_) => Ok(()),
        None => Err(QueryError::ForeignId {
            kind: "recipient",
            id: id.0,
        }),
    }
}

/// The category of a data reference, checking the id.
pub(crate) fn resolve_data(policy: &Policy, data: DataRef) -> Result<CategoryId, QueryError> {
    match data {
        DataRef::Category(c) => check_category(policy, c).map(|()| c),
        DataRef::Field(f) => policy
            .index
            .decision
            .field_category(f)
            .ok_or(QueryError::ForeignId {
                kind: "field",
                id: f.0,
            }),
    }
}
