//! Prepared questions: every name already an id.

use crate::model::tests::DataRef;
use crate::model::{CategoryId, FieldId, Policy, PurposeId, RecipientId, RegionId};

/// A use (or, with a recipient, a disclosure) question with prepared ids.
///
/// ```
/// # use lawful::{eval::Query, Subject};
/// # let policy = lawful::compile_str("shop.lawful", r#"
/// #     policy "Shop" { controller "Shop GmbH" }
/// #     region DE "Germany"
/// #     category user.contact.email
/// #     field orders.email: user.contact.email
/// #     purpose marketing.direct { uses user.contact.email basis consent in DE }
/// # "#)?.policy;
/// let now = "2025-01-01T00:00:00Z".parse()?;
/// let subject = Subject::from_json_str(&policy, r#"{"region": "DE", "age": 34}"#, now)?;
/// // Prepare once …
/// let q = Query::new(policy.purpose("marketing.direct")?, policy.field("orders.email")?)
///     .in_region(policy.region("DE")?);
/// // … decide per request: no hashing, no allocation.
/// let decision = policy.decide(&q, &subject)?;
/// assert_eq!(decision.reason.code(), "consent_missing");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    pub purpose: PurposeId,
    pub data: DataRef,
    /// Where the processing happens for the subject; `None`: the subject's region.
    pub region: Option<RegionId>,
    /// When the data item was collected (for purposes whose withdrawal taints prior data).
    pub collected_at: Option<jiff::Timestamp>,
    /// `Some`: the question is whether this recipient may receive the data.
    pub recipient: Option<RecipientId>,
}

impl Query {
    pub fn new(purpose: PurposeId, data: impl Into<DataRef>) -> Self {
        Query {
            purpose,
            data: data.into(),
            region: None,
            collected_at: None,
            recipient: None,
        }
    }

    pub fn in_region(mut self, region: RegionId) -> Self {
        self.region = Some(region);
        self
    }

    pub fn collected_at(mut self, at: jiff::Timestamp) -> Self {
        self.collected_at = Some(at);
        self
    }

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
    #[error("no region: the query names none and the subject has no region of residence")]
    NoRegion,
    #[error("{kind} id {id} does not belong to this policy")]
    ForeignId { kind: &'static str, id: u32 },
    #[error("the output buffer holds {out} entries for {fields} fields")]
    MaskLength { fields: usize, out: usize },
}

impl QueryError {
    /// Stable code, e.g. `lawful::eval::no_region`.
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::NoRegion => "lawful::eval::no_region",
            QueryError::ForeignId { .. } => "lawful::eval::foreign_id",
            QueryError::MaskLength { .. } => "lawful::eval::mask_length",
        }
    }
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
