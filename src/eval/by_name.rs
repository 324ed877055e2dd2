//! Convenience: questions by name. Each call hashes the names; prepare handles once with
//! [`Policy::purpose`], [`Policy::field`] … for the hot path.

use crate::model::DataRef;
use crate::model::Policy;
use crate::subject::Subject;

use super::decision::Decision;
use super::names::NameError;
use super::query::{resolve_data, Query, QueryError};

/// A question that could not be asked: a name the policy lacks, or a query that cannot be
/// answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A name the policy does not declare.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The names resolved but the question cannot be answered (e.g. no region).
    #[error(transparent)]
    Query(#[from] QueryError),
}

impl EvalError {
    /// The stable code of the inner error.
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::Name(e) => e.code(),
            EvalError::Query(e) => e.code(),
        }
    }
}

impl Policy {
    /// May `purpose` use `data` (a field or category name) of `subject` in `region`
    /// (default: the subject's region)?
    ///
    /// ```
    /// # use lawful::Subject;
    /// # let policy = lawful::compile_str("shop.lawful", r#"
    /// #     policy "Shop" { controller "Shop GmbH" }
    /// #     region DE "Germany"
    /// #     category user.contact.email
    /// #     field orders.email: user.contact.email
    /// #     purpose marketing.direct { uses user.contact.email basis consent in DE }
    /// # "#)?.policy;
    /// let now = "2025-01-01T00:00:00Z".parse()?;
    /// let subject = Subject::from_json_str(&policy, r#"{"region": "DE"}"#, now)?;
    /// let decision =
    ///     policy.decide_use_by_name("marketing.direct", "orders.email", &subject, Some("DE"))?;
    /// assert!(!decision.allowed());
    /// let typo = policy.decide_use_by_name("marketing.drect", "orders.email", &subject, None);
    /// assert_eq!(
    ///     typo.unwrap_err().to_string(),
    ///     "unknown purpose `marketing.drect`, did you mean `marketing.direct`?"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline(always)]
    pub fn decide_use_by_name(
        &self,
        purpose: &str,
        data: &str,
        subject: &Subject,
        region: Option<&str>,
    ) -> Result<Decision, EvalError> {
        let query = self.query_by_name(purpose, data, region)?;
        Ok(self.decide_use(&query, subject)?)
    }

    /// May `recipient` receive `data` for `purpose`?
    pub fn decide_disclosure_by_name(
        &self,
        recipient: &str,
        purpose: &str,
        data: &str,
        subject: &Subject,
        region: Option<&str>,
    ) -> Result<Decision, EvalError> {
        let recipient = self.recipient(recipient)?;
        let query = self.query_by_name(purpose, data, region)?;
        Ok(self.decide_disclosure(recipient, &query, subject)?)
    }

    /// May any declared recipient of kind `kind` (`data_broker`, `ad_network` …) receive
    /// `data` for `purpose`? See [`Policy::decide_disclosure_to_kind`].
    pub fn decide_disclosure_to_kind_by_name(
        &self,
        kind: &str,
        purpose: &str,
        data: &str,
        subject: &Subject,
        region: Option<&str>,
    ) -> Result<Decision, EvalError> {
        let kind = super::names::recipient_kind(kind)?;
        let query = self.query_by_name(purpose, data, region)?;
        Ok(self.decide_disclosure_to_kind(kind, &query, subject)?)
    }

    /// May `purpose` combine `data` with `with` (field or category names) about `subject`?
    /// See [`Policy::decide_combination`].
    pub fn decide_combination_by_name(
        &self,
        purpose: &str,
        data: &str,
        with: &str,
        subject: &Subject,
        region: Option<&str>,
    ) -> Result<Decision, EvalError> {
        let with = self.data(with)?;
        let query = self
            .query_by_name(purpose, data, region)?
            .combined_with(with);
        Ok(self.decide_combination(&query, subject)?)
    }

    /// May `data` (a field or category name) collected in `from` go to `to`?
    pub fn decide_transfer_by_name(
        &self,
        data: &str,
        from: &str,
        to: &str,
    ) -> Result<Decision, EvalError> {
        let data = self.data(data)?;
        let category = resolve_data(self, data)?;
        let from = self.region(from)?;
        let to = self.region(to)?;
        let query = super::TransferQuery::new(self, category, from, to);
        Ok(self.decide_transfer(&query)?)
    }

    #[inline(always)]
    fn query_by_name(
        &self,
        purpose: &str,
        data: &str,
        region: Option<&str>,
    ) -> Result<Query, NameError> {
        let purpose = self.purpose(purpose)?;
        let data: DataRef = self.data(data)?;
        let mut query = Query::new(self, purpose, data);
        if let Some(region) = region {
            query.region = Some(self.region(region)?);
        }
        Ok(query)
    }
}
