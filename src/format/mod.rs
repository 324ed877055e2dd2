//! `lawful fmt`: one canonical layout for policy files.
//!
//! pest drops comments, so the formatter does not print from the syntax tree: it re-lexes the
//! text into tokens that keep comments and line breaks (`lexer`), decides the whitespace
//! between them from the tokens alone (`layout`), and prints lines (`out`).
//!
//! **Invariant:** formatting only changes whitespace between tokens (and collapses the
//! spaces inside a human duration): the sequence of tokens, strings and comments included,
//! is the same before and after, which [`format_source`] verifies before it returns. The
//! grammar allows any whitespace between these tokens, so the result parses to the same
//! tree. The layout depends only on the tokens, blank lines and comment positions, so
//! formatting is idempotent.

mod layout;
mod lexer;
mod out;

use crate::diagnostic::DiagnosticKind;
use crate::source::{SourceId, Span};
use crate::syntax::{self, SyntaxError};

pub use layout::WIDTH;

/// Why a text was not formatted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The text is not a policy file; formatting it could change what it means.
    #[error("{error}")]
    Syntax {
        /// What the parser found wrong.
        error: SyntaxError,
        /// Where, in the input.
        span: Span,
    },
    /// The formatter would have changed a token: a bug in lawful. The text is left alone.
    #[error("internal error: formatting would change `{found}` (expected `{expected}`)")]
    Changed {
        /// The token in the input.
        expected: String,
        /// What the formatter would have written instead.
        found: String,
        /// Where the input's token is.
        span: Span,
    },
}

impl FormatError {
    /// Where in the input the problem is.
    pub fn span(&self) -> Span {
        match self {
            FormatError::Syntax { span, .. } | FormatError::Changed { span, .. } => *span,
        }
    }
}

impl DiagnosticKind for FormatError {
    fn code(&self) -> &'static str {
        match self {
            FormatError::Syntax { error, .. } => error.code(),
            FormatError::Changed { .. } => "lawful::format::internal",
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            FormatError::Syntax { error, .. } => error.help(),
            FormatError::Changed { .. } => {
                Some("the file was left unchanged; please report this with the file".to_owned())
            }
        }
    }
}

/// The canonical layout of a policy file's text. The text must parse (a file that does not
/// is returned as [`FormatError::Syntax`], since its tokens cannot be trusted).
pub fn format_source(text: &str) -> Result<String, FormatError> {
    let source = SourceId(0);
    // The first error is enough to refuse (`lawful check` lists them all).
    syntax::parse(source, text).map_err(|errors| match errors.into_iter().next() {
        Some((error, span)) => FormatError::Syntax { error, span },
        None => FormatError::Syntax {
            error: SyntaxError::Shape {
                rule: "file".to_owned(),
            },
            span: Span::new(source, 0, 0),
        },
    })?;
    let tokens = lexer::lex(text).map_err(|e| FormatError::Syntax {
        error: SyntaxError::Unexpected {
            found: "a character outside the language".to_owned(),
            expected: "a token".to_owned(),
        },
        span: Span::new(source, e.offset, e.offset + 1),
    })?;
    let formatted = layout::file(&tokens);
    verify(text, &tokens, &formatted)?;
    Ok(formatted)
}

/// The formatted text has the same tokens as the input, and still parses.
fn verify(text: &str, tokens: &[lexer::Token<'_>], formatted: &str) -> Result<(), FormatError> {
    let source = SourceId(0);
    let changed = |expected: &str, found: &str, offset: usize| FormatError::Changed {
        expected: expected.to_owned(),
        found: found.to_owned(),
        span: Span::new(source, offset, offset),
    };
    let after = lexer::lex(formatted).map_err(|e| changed("", "an unknown character", e.offset))?;
    let offset =
        |t: &lexer::Token<'_>| (t.text.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    for (k, before) in tokens.iter().enumerate() {
        let Some(now) = after.get(k) else {
            return Err(changed(before.text, "the end of the file", offset(before)));
        };
        if now.kind != before.kind || now.printed() != before.printed() {
            return Err(changed(before.text, now.text, offset(before)));
        }
        if before.kind == lexer::Kind::Comment && !before.first_on_line && now.first_on_line {
            return Err(changed(
                before.text,
                "a comment moved to its own line",
                offset(before),
            ));
        }
    }
    if let Some(extra) = after.get(tokens.len()) {
        return Err(changed("the end of the file", extra.text, text.len()));
    }
    syntax::parse(source, formatted).map_err(|errors| {
        let at = errors.first().map_or(0, |(_, span)| span.start as usize);
        changed("text that parses", "a syntax error", at)
    })?;
    Ok(())
}

/// A gap between two tokens, as [`respace`] offers it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// The tokens may touch (one of them is `,` `{` `}` `=` `[` `]`, the other a word or string).
    pub may_be_empty: bool,
    /// A comment ends the line before the gap.
    pub needs_newline: bool,
    /// The token after the gap is a comment.
    pub before_comment: bool,
    /// Line breaks in the gap as written.
    pub newlines: u32,
}

/// The tokens of `text` joined with the whitespace `choose` returns for each gap (which is
/// made legal: never empty unless allowed, a line break after a comment). Gaps next to `(`
/// or `)` keep their text (`opt_out(sale)` must stay unspaced). For property tests of the
/// formatter: any such text means the same as `text`. `None` if `text` does not lex.
#[doc(hidden)]
pub fn respace(text: &str, mut choose: impl FnMut(Gap) -> String) -> Option<String> {
    let tokens = lexer::lex(text).ok()?;
    let offset =
        |t: &lexer::Token<'_>| (t.text.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    let touchable = |t: &lexer::Token<'_>| {
        t.kind == lexer::Kind::Punct && matches!(t.text, "," | "{" | "}" | "=" | "[" | "]")
    };
    let wordish = |t: &lexer::Token<'_>| {
        matches!(
            t.kind,
            lexer::Kind::Word | lexer::Kind::Str | lexer::Kind::Duration
        )
    };
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<&lexer::Token<'_>> = None;
    for t in &tokens {
        if let Some(p) = prev {
            let fixed = p.is_punct("(") || p.is_punct(")") || t.is_punct("(") || t.is_punct(")");
            if fixed {
                let end = offset(p) + p.text.len();
                out.push_str(text.get(end..offset(t)).unwrap_or(" "));
            } else {
                let gap = Gap {
                    may_be_empty: (touchable(p) && wordish(t)) || (wordish(p) && touchable(t)),
                    needs_newline: p.is_comment(),
                    before_comment: t.is_comment(),
                    newlines: t.newlines_before,
                };
                let mut space: String = choose(gap)
                    .chars()
                    .filter(|c| matches!(c, ' ' | '\t' | '\n'))
                    .collect();
                if gap.needs_newline && !space.contains('\n') {
                    space.push('\n');
                }
                if space.is_empty() && !gap.may_be_empty {
                    space.push(' ');
                }
                out.push_str(&space);
            }
        }
        out.push_str(if t.is_comment() {
            t.text
        } else {
            text.get(offset(t)..offset(t) + t.text.len())
                .unwrap_or(t.text)
        });
        prev = Some(t);
    }
    if prev.is_some() {
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests;
