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
mod pieces;

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
    // pest is built without its per-call stack probe (Cargo.toml): the nesting `depth` lets
    // through is what bounds its recursion, and this is the one place that makes sure the
    // stack has room for it. A caller's stack that is short is swapped for a fresh one.
    stacker::maybe_grow(PARSE_STACK, PARSE_STACK, || {
        pieces::parse(source, text, PARSE_STACK)
    })
    .map_err(|e| vec![e])
}

/// The tree of `text` parsed in pieces cut at `cuts` (ascending byte offsets, each at a line
/// start), or `None` when a piece does not parse — then [`parse`] parses the file whole.
/// Property tests check every cut against one go (feature `testkit`).
#[cfg(feature = "testkit")]
pub fn parse_cut_at(source: SourceId, text: &str, cuts: &[usize]) -> Option<ast::File> {
    pieces::parse_at(source, text, cuts, PARSE_STACK)
}

/// Whether the parser's fast path builds pest's own tree for `text`, as a file and as a
/// piece: `Ok(Some(n))` when both parse it alike (`n`: items left to pest), `Ok(None)` when
/// neither parses it, else what differs (feature `testkit`). Text nested deeper than
/// [`MAX_DEPTH`] is `Ok(None)`: [`parse`] refuses it before either runs, and pest's recursion
/// would overflow the stack on it. Both run on the stack [`parse`] gives them.
#[cfg(feature = "testkit")]
pub fn fast_path_agrees(text: &str) -> Result<Option<usize>, String> {
    if depth::find_too_deep(SourceId(0), text).is_some() {
        return Ok(None);
    }
    stacker::maybe_grow(PARSE_STACK, PARSE_STACK, || parser::fast_path_agrees(text))
}

/// The stack parsing may need: the grammar and its lowering at [`MAX_DEPTH`] nesting use
/// less than half of it even unoptimised (~1.5 MiB; `the_deepest_nesting_allowed_parses_in_half_the_stack`),
/// far less optimised. A main thread (8 MiB) has it; a spawned one (2 MiB) gets a fresh stack.
const PARSE_STACK: usize = 4 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of nesting the grammar recurses through, each at the deepest `depth` allows.
    fn deepest_nesting() -> String {
        let nested = |depth| format!("{}true{}", "(".repeat(depth), ")".repeat(depth));
        let (cond, in_braces) = (nested(MAX_DEPTH), nested(MAX_DEPTH - 1));
        format!(
            "purpose p {{ uses * basis consent when {in_braces} }}\n\
             deny deep: use * for p when {cond} and not known {cond} or {cond}\n"
        )
    }

    /// pest runs without its stack probe, so [`PARSE_STACK`] is all that stands between the
    /// deepest nesting allowed and a stack overflow: half of it must do.
    #[test]
    fn the_deepest_nesting_allowed_parses_in_half_the_stack() {
        let text = deepest_nesting();
        let parsed = stacker::grow(PARSE_STACK / 2, || {
            parser::parse_file(SourceId(0), &text).map(|file| file.items.len())
        });
        assert!(matches!(parsed, Ok(2)), "{parsed:?}");
    }

    /// The comparison the fuzz target runs on any text refuses nesting past the limit, as
    /// parsing does, instead of letting pest's recursion overflow the stack.
    #[cfg(feature = "testkit")]
    #[test]
    fn comparing_the_fast_path_refuses_nesting_past_the_limit() {
        let deep = |n| format!("{}true{}", "(".repeat(n), ")".repeat(n));
        let text = format!(
            "purpose p {{ uses * basis consent when {} }}\n",
            deep(20_000)
        );
        assert_eq!(fast_path_agrees(&text), Ok(None));
        let text = format!(
            "purpose p {{ uses * basis consent when {} }}\n",
            deep(MAX_DEPTH - 1)
        );
        assert_eq!(fast_path_agrees(&text), Ok(Some(0)));
    }

    /// A caller on a small stack (a thread pool's worker, an embedder's task) can parse it too.
    #[test]
    fn the_deepest_nesting_allowed_parses_on_a_small_thread() {
        let text = deepest_nesting();
        let parsed = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || parse(SourceId(0), &text).map(|file| file.items.len()))
            .map(|thread| thread.join());
        assert!(matches!(parsed, Ok(Ok(Ok(2)))), "{parsed:?}");
    }
}
