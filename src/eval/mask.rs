//! Field masks: which of a record's fields may a purpose use, and which purposes may use a
//! field.

use crate::model::DataRef;
use crate::model::{FieldId, Policy, PolicyStamp, PurposeId, RegionId};
use crate::subject::Subject;

use super::query::{check_stamp, check_subject, Query, QueryError};
use super::usage::UseQuery;

/// A prepared field-mask question for [`Policy::field_mask`]: which of `fields` may
/// `purpose` use? Like every handle it belongs to the policy it was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskQuery<'a> {
    /// The purpose that would use the fields.
    pub purpose: PurposeId,
    /// The record's fields, in the order the answer is written in.
    pub fields: &'a [FieldId],
    /// Where the processing happens; `None`: the subject's region.
    pub region: Option<RegionId>,
    /// The policy the ids belong to.
    pub(crate) stamp: PolicyStamp,
}

impl<'a> MaskQuery<'a> {
    /// May `purpose` use each of `fields`, all ids of `policy`?
    pub fn new(policy: &Policy, purpose: PurposeId, fields: &'a [FieldId]) -> Self {
        MaskQuery {
            purpose,
            fields,
            region: None,
            stamp: policy.stamp(),
        }
    }

    /// Ask about processing in `region` instead of the subject's region.
    pub fn in_region(mut self, region: RegionId) -> Self {
        self.region = Some(region);
        self
    }

    /// The stamp of the policy this question was prepared for.
    pub fn stamp(&self) -> PolicyStamp {
        self.stamp
    }
}

/// A prepared question for [`Policy::purposes_for_field`]: which purposes may use
/// `field`? It belongs to the policy it was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldQuery {
    /// The field the purposes would use.
    pub field: FieldId,
    /// Where the processing happens; `None`: the subject's region.
    pub region: Option<RegionId>,
    /// The policy the ids belong to.
    pub(crate) stamp: PolicyStamp,
}

impl FieldQuery {
    /// Which purposes may use `field`, an id of `policy`?
    pub fn new(policy: &Policy, field: FieldId) -> Self {
        FieldQuery {
            field,
            region: None,
            stamp: policy.stamp(),
        }
    }

    /// Ask about processing in `region` instead of the subject's region.
    pub fn in_region(mut self, region: RegionId) -> Self {
        self.region = Some(region);
        self
    }

    /// The stamp of the policy this question was prepared for.
    pub fn stamp(&self) -> PolicyStamp {
        self.stamp
    }
}

impl Policy {
    /// Fill `allowed[i]` with whether `query.purpose` may use `query.fields[i]` of `subject`
    /// in the query region (default: the subject's region); returns how many are allowed.
    /// Allocates nothing.
    pub fn field_mask(
        &self,
        query: &MaskQuery<'_>,
        subject: &Subject,
        allowed: &mut [bool],
    ) -> Result<usize, QueryError> {
        check_stamp(self, query.stamp, "field mask query")?;
        check_subject(self, subject)?;
        let (purpose, region, fields) = (query.purpose, query.region, query.fields);
        if fields.len() != allowed.len() {
            return Err(QueryError::MaskLength {
                fields: fields.len(),
                out: allowed.len(),
            });
        }
        let mut count = 0;
        for (field, slot) in fields.iter().zip(allowed.iter_mut()) {
            let query = Query {
                purpose,
                data: DataRef::Field(*field),
                region,
                collected_at: None,
                recipient: None,
                combine: None,
                circumstances: crate::model::Circumstances::NONE,
                campaign: None,
                stamp: self.stamp(),
            };
            let decision = UseQuery::prepare(self, &query, subject)?.decide(self, subject);
            *slot = decision.allowed();
            count += usize::from(*slot);
        }
        Ok(count)
    }

    /// The purposes that may use `query.field` of `subject` in the query region (default:
    /// the subject's region), in declaration order.
    pub fn purposes_for_field<'a>(
        &'a self,
        query: &FieldQuery,
        subject: &'a Subject,
    ) -> Result<impl Iterator<Item = PurposeId> + 'a, QueryError> {
        check_stamp(self, query.stamp, "field query")?;
        check_subject(self, subject)?;
        let (field, region) = (query.field, query.region);
        let probe = Query {
            purpose: PurposeId(0),
            data: DataRef::Field(field),
            region,
            collected_at: None,
            recipient: None,
            combine: None,
            circumstances: crate::model::Circumstances::NONE,
            campaign: None,
            stamp: self.stamp(),
        };
        // Check the field and region once; every purpose id below is in range.
        let prepared = match self.purposes.first() {
            Some(_) => Some(UseQuery::prepare(self, &probe, subject)?),
            None => {
                super::query::resolve_data(self, probe.data)?;
                None
            }
        };
        Ok((0..self.purposes.len())
            .map(PurposeId::from_index)
            .filter(move |&purpose| {
                prepared.is_some_and(|q| UseQuery { purpose, ..q }.decide(self, subject).allowed())
            }))
    }
}
