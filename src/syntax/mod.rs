//! Text → syntax tree. The only module that knows about pest; see `grammar/lawful.pest`.
//!
//! **Invariant:** no input makes this module panic, recurse without bound, or run for
//! longer than linear-ish time in its size: nesting is checked by `depth` before pest runs.

pub mod ast;
mod depth;
mod error;
mod parser;

pub use depth::MAX_DEPTH;
pub use error::{one_of, SyntaxError};

use crate::source::{SourceId, Span};

/// The largest policy file accepted, far above any real policy.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Parse one file's text into its syntax tree, or the first syntax error with its span.
pub fn parse(source: SourceId, text: &str) -> Result<ast::File, (SyntaxError, Span)> {
    if text.len() > MAX_FILE_BYTES {
        return Err((
            SyntaxError::TooLarge {
                size: text.len(),
                limit: MAX_FILE_BYTES,
            },
            Span::new(source, 0, 0),
        ));
    }
    if let Some(span) = depth::find_too_deep(source, text) {
        return Err((SyntaxError::TooDeep { limit: MAX_DEPTH }, span));
    }
    parser::parse_file(source, text)
}
