use crate::diagnostic::{did_you_mean, DiagnosticKind};

/// Everything that can go wrong turning text into a syntax tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    /// The grammar does not allow what comes next (`lawful::syntax::unexpected`).
    #[error("unexpected {found}, expected {expected}")]
    Unexpected {
        /// What was found, in words (a token, or the end of the file).
        found: String,
        /// What the grammar allows there, in words.
        expected: String,
    },
    /// Brackets or conditions nested too deep (`lawful::syntax::too_deep`).
    #[error("nesting is deeper than {limit} levels")]
    TooDeep {
        /// The limit, [`MAX_DEPTH`](super::MAX_DEPTH).
        limit: usize,
    },
    /// Bytes that are not UTF-8 (`lawful::syntax::invalid_utf8`).
    #[error("the file is not valid UTF-8")]
    InvalidUtf8,
    /// A line end other than LF or CRLF (see `syntax::chars`).
    #[error("{name} is not allowed: lines end with LF or CRLF only")]
    ForbiddenLineSeparator {
        /// The character in words: `a form feed (U+000C)` …
        name: &'static str,
    },
    /// A bidirectional control, which reorders what is displayed (Trojan Source).
    #[error("{name} is not allowed: it changes the order the text is displayed in")]
    ForbiddenBidiControl {
        /// The character's name.
        name: &'static str,
    },
    /// A file larger than [`MAX_FILE_BYTES`](super::MAX_FILE_BYTES)
    /// (`lawful::syntax::too_large`).
    #[error("the file is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Its size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A date or timestamp that does not exist or does not parse
    /// (`lawful::syntax::invalid_date`).
    #[error("`{text}` is not a valid date")]
    InvalidDate {
        /// The date as written.
        text: String,
        /// Why it is invalid, for the help line.
        reason: String,
    },
    /// A period that does not parse or is out of range (`lawful::syntax::invalid_duration`).
    #[error("`{text}` is not a valid duration")]
    InvalidDuration {
        /// The period as written.
        text: String,
        /// Why it is invalid, for the help line.
        reason: String,
    },
    /// A number too large or malformed (`lawful::syntax::invalid_number`).
    #[error("`{text}` is not a valid number")]
    InvalidNumber {
        /// The number as written.
        text: String,
    },
    /// A backslash escape strings do not know (`lawful::syntax::invalid_escape`).
    #[error("unknown escape `{text}` in string")]
    InvalidEscape {
        /// The escape as written.
        text: String,
    },
    /// A clause that may appear once given twice (`lawful::syntax::duplicate_clause`).
    #[error("`{clause}` is given twice")]
    DuplicateClause {
        /// The clause's keyword.
        clause: &'static str,
    },
    /// A test question naming a list of regions (`lawful::syntax::region_list`).
    #[error("a query names one region, not a list")]
    RegionList,
    /// The grammar produced a tree this parser does not expect: a bug in lawful.
    #[error("internal error: the parser does not understand the shape of `{rule}`")]
    Shape {
        /// The grammar rule.
        rule: String,
    },
}

impl DiagnosticKind for SyntaxError {
    fn code(&self) -> &'static str {
        match self {
            SyntaxError::Unexpected { .. } => "lawful::syntax::unexpected",
            SyntaxError::TooDeep { .. } => "lawful::syntax::too_deep",
            SyntaxError::InvalidUtf8 => "lawful::syntax::invalid_utf8",
            SyntaxError::ForbiddenLineSeparator { .. } => {
                "lawful::syntax::forbidden_line_separator"
            }
            SyntaxError::ForbiddenBidiControl { .. } => "lawful::syntax::forbidden_bidi_control",
            SyntaxError::TooLarge { .. } => "lawful::syntax::too_large",
            SyntaxError::InvalidDate { .. } => "lawful::syntax::invalid_date",
            SyntaxError::InvalidDuration { .. } => "lawful::syntax::invalid_duration",
            SyntaxError::InvalidNumber { .. } => "lawful::syntax::invalid_number",
            SyntaxError::InvalidEscape { .. } => "lawful::syntax::invalid_escape",
            SyntaxError::DuplicateClause { .. } => "lawful::syntax::duplicate_clause",
            SyntaxError::RegionList => "lawful::syntax::region_list",
            SyntaxError::Shape { .. } => "lawful::syntax::internal",
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            SyntaxError::Unexpected { .. } => {
                "see docs/language.md for the statement's syntax".to_owned()
            }
            SyntaxError::TooDeep { .. } => {
                "split the condition into simpler parts or name them with separate rules".to_owned()
            }
            SyntaxError::InvalidUtf8 => "save the file as UTF-8".to_owned(),
            SyntaxError::ForbiddenLineSeparator { .. } => "use LF or CRLF line ends".to_owned(),
            SyntaxError::ForbiddenBidiControl { .. } => {
                "remove the character; write right-to-left text without direction controls"
                    .to_owned()
            }
            SyntaxError::TooLarge { .. } => {
                "split the policy into files joined with `use`".to_owned()
            }
            SyntaxError::InvalidDate { reason, .. } => {
                format!("write dates as `2024-12-13` or `2024-12-13T10:00:00Z` ({reason})")
            }
            SyntaxError::InvalidDuration { reason, .. } => format!(
                "write durations as `3 years`, `2 months`, `30 days` or ISO 8601 `P3Y` ({reason})"
            ),
            SyntaxError::InvalidNumber { .. } => "numbers must fit in 64 bits".to_owned(),
            SyntaxError::InvalidEscape { .. } => {
                "strings support the escapes `\\\"`, `\\\\`, `\\n` and `\\t`".to_owned()
            }
            SyntaxError::DuplicateClause { clause } => format!("keep one `{clause}` clause"),
            SyntaxError::RegionList => "write `in DE`, a single region".to_owned(),
            SyntaxError::Shape { .. } => {
                "please report this with the policy file that caused it".to_owned()
            }
        })
    }
}

/// Help for a name that fits none of a fixed set of words.
pub fn one_of(name: &str, allowed: &[&str]) -> String {
    let hint = did_you_mean(crate::diagnostic::suggest(name, allowed.iter().copied()));
    let list = allowed
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if hint.is_empty() {
        format!("use one of {list}")
    } else {
        format!("{hint} (one of {list})")
    }
}
