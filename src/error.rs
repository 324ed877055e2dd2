//! [`Error`]: one type over every error the library API returns, for embedders that want a
//! single `?` target and a stable code to log or match on.

use crate::diagnostic::DiagnosticKind;
use crate::eval::{EvalError, NameError, QueryError, SubjectError};
use crate::format::FormatError;
use crate::Failed;

/// Any error the library API returns: compiling a policy ([`Failed`]), resolving a name
/// ([`NameError`]), deciding a prepared question ([`QueryError`], e.g. a handle from a
/// policy a reload replaced), building a subject ([`SubjectError`]) or formatting a file
/// ([`FormatError`]). Each converts into it with `?`; [`EvalError`] splits into its two
/// parts.
///
/// ```
/// fn allowed(policy: &lawful::Policy, json: &str) -> Result<bool, lawful::Error> {
///     let subject = lawful::Subject::from_json_str(policy, json, jiff::Timestamp::now())?;
///     let decision = policy.decide_use_by_name("support", "user.contact.email", &subject, None)?;
///     Ok(decision.allowed())
/// }
/// let policy = lawful::compile_str("shop.lawful", r#"
///     policy "Shop" { controller "Shop GmbH" }
///     region DE "Germany"
///     category user.contact.email
///     purpose support { uses user.contact.email basis contract }
/// "#)?.policy;
/// assert!(allowed(&policy, r#"{"region": "DE"}"#)?);
/// let error = allowed(&policy, r#"{"region": "FR"}"#).unwrap_err();
/// assert_eq!(error.code(), "lawful::eval::unknown_region");
/// # Ok::<(), lawful::Error>(())
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy did not check: every diagnostic, and the sources to render them with.
    #[error(transparent)]
    Compile(#[from] Failed),
    /// A name the policy does not declare.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A prepared question that cannot be answered.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// A subject that could not be built.
    #[error(transparent)]
    Subject(#[from] SubjectError),
    /// A text `lawful fmt` refuses to format.
    #[error(transparent)]
    Format(#[from] FormatError),
}

impl Error {
    /// The stable code: `lawful::compile::failed` for a policy that did not check, else the
    /// code of the inner error (`lawful::eval::other_policy`, `lawful::eval::unknown_purpose`,
    /// `lawful::subject::age_out_of_range` …).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Compile(_) => "lawful::compile::failed",
            Error::Name(e) => e.code(),
            Error::Query(e) => e.code(),
            Error::Subject(e) => e.code(),
            Error::Format(e) => e.code(),
        }
    }
}

impl From<EvalError> for Error {
    fn from(error: EvalError) -> Self {
        match error {
            EvalError::Name(e) => Error::Name(e),
            EvalError::Query(e) => Error::Query(e),
        }
    }
}

#[cfg(test)]
mod tests {
    /// Small enough that `Result<T, Error>` stays cheap to return (clippy's
    /// `result_large_err` limit is 128 bytes).
    #[test]
    fn error_is_small() {
        let size = std::mem::size_of::<super::Error>();
        assert!(size <= 128, "{size} bytes");
    }
}
