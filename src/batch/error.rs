//! Why a query line was answered with an error line.

use std::fmt;

use crate::eval::{NameError, QueryError, SubjectError};

use super::Kind;

/// A query line that cannot be answered. Its [`code`](LineError::code) is stable
/// (`lawful::batch::missing_member`, `lawful::eval::unknown_purpose` …) and its message is
/// the `error` member of the error line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Not UTF-8, not JSON, or not an object of query members (serde_json's words).
    #[error("malformed query: {0}")]
    Malformed(String),
    /// A member the kind of query needs.
    #[error("missing `{0}`")]
    MissingMember(&'static str),
    /// A member that means nothing for the kind of query.
    #[error("`{member}` does not apply to a `{}` query", kind.name())]
    UnexpectedMember {
        /// The member's name.
        member: &'static str,
        /// The line's `kind`.
        kind: Kind,
    },
    /// A name the policy does not declare.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A name inside a member, e.g. an event in `events`: `at` is `events.<name>`.
    #[error("{at}: {error}")]
    NameAt {
        /// Where the name is: `events.<name>`.
        at: String,
        /// The unknown name, with a suggestion.
        error: NameError,
    },
    /// A prepared query that cannot be answered.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The `subject` document.
    #[error("{}", SubjectMessage(.0))]
    Subject(SubjectError),
    /// A timestamp member (`collected_at`, `now`, `events.<name>`); the error names it.
    #[error(transparent)]
    Time(SubjectError),
    /// `user` names a subject, and no source of subjects (a ledger) is configured.
    #[error("`user` names a subject kept in a ledger, and no ledger is configured: give the subject inline as `subject`")]
    NoLedger,
    /// Both `subject` and `user`: the question must say which subject it is about.
    #[error("give either `subject` or `user`, not both")]
    SubjectAndUser,
    /// The subject named by `user` could not be read.
    #[error("user `{user}`: {error}")]
    User {
        /// The id given.
        user: String,
        /// Why it could not be read.
        error: UserError,
    },
    /// A question of a kind the caller does not answer here (a `transfer` sent to the
    /// server's `/v1/decide`).
    #[error("a `{}` question is not asked here: this answers {expected}", kind.name())]
    WrongKind {
        /// The line's `kind`.
        kind: Kind,
        /// What is answered here, in words.
        expected: &'static str,
    },
    /// A line longer than [`MAX_LINE_BYTES`](super::MAX_LINE_BYTES); it was not read whole.
    #[error("the line is longer than {limit} bytes, the limit")]
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
}

impl LineError {
    /// The stable code of the error line.
    pub fn code(&self) -> &'static str {
        match self {
            LineError::Malformed(_) => "lawful::batch::json",
            LineError::MissingMember(_) => "lawful::batch::missing_member",
            LineError::UnexpectedMember { .. } => "lawful::batch::unexpected_member",
            LineError::Name(e) | LineError::NameAt { error: e, .. } => e.code(),
            LineError::Query(e) => e.code(),
            LineError::Subject(e) | LineError::Time(e) => e.code(),
            LineError::TooLong { .. } => "lawful::batch::line_too_long",
            LineError::NoLedger => "lawful::batch::no_ledger",
            LineError::SubjectAndUser => "lawful::batch::subject_and_user",
            LineError::User { error, .. } => error.code,
            LineError::WrongKind { .. } => "lawful::batch::wrong_kind",
        }
    }
}

/// Why the subject named by `user` could not be read from its source (a ledger): a
/// message and a stable code (`lawful::ledger::unknown_user` …), chosen by the source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    /// What went wrong, in words.
    pub message: String,
    /// The stable code.
    pub code: &'static str,
}

/// `subject: …` or `subject.age: …`.
struct SubjectMessage<'a>(&'a SubjectError);

impl fmt::Display for SubjectMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        if e.field.is_empty() {
            write!(f, "subject: {}", e.problem)
        } else {
            write!(f, "subject.{}: {}", e.field, e.problem)
        }
    }
}
