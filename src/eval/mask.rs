//! Field masks: which of a record's fields may a purpose use, and which purposes may use a
//! field.

use crate::model::tests::DataRef;
use crate::model::{FieldId, Policy, PurposeId, RegionId};
use crate::subject::Subject;

use super::query::{Query, QueryError};
use super::usage::UseQuery;

impl Policy {
    /// Fill `allowed[i]` with whether `purpose` may use `fields[i]` of `subject` in `region`
    /// (default: the subject's region); returns how many are allowed. Allocates nothing.
    pub fn field_mask(
        &self,
        purpose: PurposeId,
        subject: &Subject,
        region: Option<RegionId>,
        fields: &[FieldId],
        allowed: &mut [bool],
    ) -> Result<usize, QueryError> {
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
            };
            let decision = UseQuery::prepare(self, &query, subject)?.decide(self, subject);
            *slot = decision.allowed();
            count += usize::from(*slot);
        }
        Ok(count)
    }

    /// The purposes that may use `field` of `subject` in `region` (default: the subject's
    /// region), in declaration order.
    pub fn purposes_for_field<'a>(
        &'a self,
        field: FieldId,
        subject: &'a Subject,
        region: Option<RegionId>,
    ) -> Result<impl Iterator<Item = PurposeId> + 'a, QueryError> {
        let probe = Query {
            purpose: PurposeId(0),
            data: DataRef::Field(field),
            region,
            collected_at: None,
            recipient: None,
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
