//! Text → syntax tree. The only module that knows about pest; see `grammar/lawful.pest`.
//!
//! **Invariant:** no input makes this module panic, recurse without bound, or run for
//! longer than linear-ish time in its size: nesting is checked by `depth` before pest runs.
//!
//! **Invariant:** a line ends with LF or CRLF. Any other line end (lone CR, VT, FF, NEL,
//! U+2028, U+2029) and every bidirectional control is refused by `chars` before pest runs,
//! wherever it appears, so the grammar, `lawful fmt`, spans and line numbers all see the
//! lines an editor shows.

pub mod ast;
mod chars;
mod depth;
mod error;
mod parser;

pub use depth::MAX_DEPTH;
pub use error::{one_of, SyntaxError};

use crate::source::{SourceId, Span};

/// The largest policy file accepted, far above any real policy.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Parse one file's text into its syntax tree, or its syntax errors with their spans (never
/// an empty list): every forbidden character (see `chars.rs`), else the first grammar error.
pub fn parse(source: SourceId, text: &str) -> Result<ast::File, Vec<(SyntaxError, Span)>> {
    if text.len() > MAX_FILE_BYTES {
        return Err(vec![(
            SyntaxError::TooLarge {
                size: text.len(),
                limit: MAX_FILE_BYTES,
            },
            Span::new(source, 0, 0),
        )]);
    }
    let forbidden = chars::find_forbidden(source, text);
    if !forbidden.is_empty() {
        return Err(forbidden
            .into_iter()
            .map(|(kind, span)| {
                let error = match kind {
                    chars::Forbidden::LineSeparator(name) => {
                        SyntaxError::ForbiddenLineSeparator { name }
                    }
                    chars::Forbidden::Bidi(name) => SyntaxError::ForbiddenBidiControl { name },
                };
                (error, span)
            })
            .collect());
    }
    if let Some(span) = depth::find_too_deep(source, text) {
        return Err(vec![(SyntaxError::TooDeep { limit: MAX_DEPTH }, span)]);
    }
    parser::parse_file(source, text).map_err(|e| vec![e])
}
