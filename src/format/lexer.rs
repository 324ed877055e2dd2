//! A lexer for formatting: it keeps what pest throws away (comments, line breaks), and cuts
//! the text into the units the formatter may put whitespace between.
//!
//! **Invariant:** every token is a unit inside which pest allows no whitespace (a path, a
//! selector, a region code, a date, a duration, a string, a comparison operator …), and
//! between any two tokens pest allows any whitespace, except that a `//` comment ends its
//! line. So re-joining the tokens with other whitespace never changes what the text means.

/// What a token is, as far as layout cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Identifiers, keywords, paths, selectors (`a.b.*`, `#flag`, `*`), region codes, numbers,
    /// dates, ISO durations, lint names, `std::module`.
    Word,
    /// A `"…"` string, quotes included, exactly as written.
    Str,
    /// A human duration (`1 year 6 months`): printed with single spaces.
    Duration,
    /// `{ } ( ) [ ] , : =`, comparison operators, `#[` and `#![`.
    Punct,
    /// `// …` (and `//// …`).
    Comment,
    /// `/// …`, documentation of the next declaration.
    DocComment,
    /// `//! …`, documentation of the file.
    InnerDoc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: Kind,
    /// The source text (comments without trailing whitespace).
    pub text: &'a str,
    /// Line breaks in the whitespace before the token.
    pub newlines_before: u32,
    /// The first token of its source line (the file's first token included).
    pub first_on_line: bool,
}

impl Token<'_> {
    pub fn is_comment(&self) -> bool {
        matches!(self.kind, Kind::Comment | Kind::DocComment | Kind::InnerDoc)
    }

    pub fn is_word(&self, word: &str) -> bool {
        self.kind == Kind::Word && self.text == word
    }

    pub fn is_punct(&self, punct: &str) -> bool {
        self.kind == Kind::Punct && self.text == punct
    }

    /// The text as printed: durations with single spaces, everything else verbatim.
    pub fn printed(&self) -> std::borrow::Cow<'_, str> {
        if self.kind == Kind::Duration {
            std::borrow::Cow::Owned(self.text.split_whitespace().collect::<Vec<_>>().join(" "))
        } else {
            std::borrow::Cow::Borrowed(self.text)
        }
    }
}

/// A character the lexer does not know, at a byte offset (the text cannot be a policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LexError {
    pub offset: usize,
}

const PUNCT2: &[&str] = &["==", "!=", "<=", ">=", "#["];
const PUNCT1: &[char] = &['{', '}', '(', ')', '[', ']', ',', ':', '=', '<', '>'];

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}')
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '*' | '#' | '-')
}

pub(crate) fn lex(text: &str) -> Result<Vec<Token<'_>>, LexError> {
    let mut tokens: Vec<Token<'_>> = Vec::new();
    let mut pos = 0usize;
    let mut newlines = 0u32;
    while let Some(c) = text.get(pos..).and_then(|rest| rest.chars().next()) {
        if is_space(c) {
            if c == '\n' {
                newlines += 1;
            }
            pos += c.len_utf8();
            continue;
        }
        let rest = text.get(pos..).unwrap_or("");
        let (kind, len) = if rest.starts_with("//") {
            // As the grammar: a comment stops at any CR or LF (a lone CR never gets this far:
            // `syntax::parse` refuses it before the formatter lexes).
            let len = rest.find(['\r', '\n']).unwrap_or(rest.len());
            (comment_kind(rest), len)
        } else if c == '"' {
            (Kind::Str, string_len(rest).ok_or(LexError { offset: pos })?)
        } else if rest.starts_with("#![") {
            (Kind::Punct, 3)
        } else if let Some(p) = PUNCT2.iter().find(|p| rest.starts_with(**p)) {
            (Kind::Punct, p.len())
        } else if PUNCT1.contains(&c) {
            (Kind::Punct, 1)
        } else if c.is_ascii_digit() && after_bound(&tokens) {
            match duration_len(rest) {
                Some(len) => (Kind::Duration, len),
                None => (Kind::Word, word_len(rest)),
            }
        } else if is_word_char(c) {
            (Kind::Word, word_len(rest))
        } else {
            return Err(LexError { offset: pos });
        };
        let raw = rest.get(..len).unwrap_or(rest);
        let text = if kind == Kind::Comment || kind == Kind::DocComment || kind == Kind::InnerDoc {
            raw.trim_end()
        } else {
            raw
        };
        tokens.push(Token {
            kind,
            text,
            newlines_before: newlines,
            first_on_line: newlines > 0 || tokens.is_empty(),
        });
        newlines = 0;
        pos += len;
    }
    Ok(tokens)
}

/// As the grammar's `COMMENT`, `doc_comment`, `cite_comment` and `inner_doc` decide: `///x`
/// documents, `////` is a plain comment, `//>` cites, `//!` documents the file.
fn comment_kind(rest: &str) -> Kind {
    let after = rest.get(2..).unwrap_or("");
    if after.starts_with('!') {
        Kind::InnerDoc
    } else if after.starts_with('>')
        || (after.starts_with('/') && !after.get(1..).unwrap_or("").starts_with('/'))
    {
        // `//>` citations lay out as doc comments: on their own line, before an item.
        Kind::DocComment
    } else {
        Kind::Comment
    }
}

/// Length of the string starting at `rest` (which starts with `"`), closing quote included.
fn string_len(rest: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in rest.char_indices().skip(1) {
        match c {
            '\r' | '\n' => return None,
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i + 1),
            _ => escaped = false,
        }
    }
    None
}

/// A word; a date (`2024-12-13T10:00:00Z`) also takes `:` and `+`; `std::x` takes `::`.
fn word_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let is_date = bytes.len() >= 5
        && bytes.iter().take(4).all(u8::is_ascii_digit)
        && bytes.get(4) == Some(&b'-');
    let mut len = 0;
    loop {
        let tail = rest.get(len..).unwrap_or("");
        let Some(c) = tail.chars().next() else {
            break;
        };
        if is_word_char(c) || (is_date && matches!(c, ':' | '+')) {
            len += c.len_utf8();
        } else if tail.starts_with("::") && len > 0 {
            len += 2;
        } else {
            break;
        }
    }
    len
}

/// Whether the previous significant token is one a duration follows: a retention bound
/// (`at most 3 years`) or a response deadline (`within 1 month extendable by 2 months`).
fn after_bound(tokens: &[Token<'_>]) -> bool {
    tokens
        .iter()
        .rev()
        .find(|t| !t.is_comment())
        .is_some_and(|t| {
            // `agreed up to 3 years`, `agreed 2 years` (a test's agreed period).
            t.kind == Kind::Word
                && matches!(t.text, "least" | "most" | "within" | "by" | "to" | "agreed")
        })
}

/// The grammar's `human_duration`: `DIGITS " "+ ALPHA+ (" "+ DIGITS " "+ ALPHA+)*`.
fn duration_len(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let part = |from: usize| -> Option<usize> {
        let mut i = from;
        let digits = bytes
            .get(i..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        i += digits;
        let spaces = bytes.get(i..)?.iter().take_while(|b| **b == b' ').count();
        if spaces == 0 {
            return None;
        }
        i += spaces;
        let alpha = bytes
            .get(i..)?
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        if alpha == 0 {
            return None;
        }
        Some(i + alpha)
    };
    let mut end = part(0)?;
    loop {
        let spaces = bytes
            .get(end..)
            .unwrap_or(&[])
            .iter()
            .take_while(|b| **b == b' ')
            .count();
        match part(end + spaces) {
            Some(next) if spaces > 0 => end = next,
            _ => break,
        }
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        lex(text)
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn comments_are_classified_as_the_grammar_does() {
        assert_eq!(
            kinds("// a\n/// b\n//// c\n//! d\n///\n"),
            vec![
                (Kind::Comment, "// a"),
                (Kind::DocComment, "/// b"),
                (Kind::Comment, "//// c"),
                (Kind::InnerDoc, "//! d"),
                (Kind::DocComment, "///"),
            ]
        );
    }

    #[test]
    fn atomic_units_stay_whole() {
        assert_eq!(
            kinds("use std::regions retain a.b.*, #x at most 1 year  6 months after collected"),
            vec![
                (Kind::Word, "use"),
                (Kind::Word, "std::regions"),
                (Kind::Word, "retain"),
                (Kind::Word, "a.b.*"),
                (Kind::Punct, ","),
                (Kind::Word, "#x"),
                (Kind::Word, "at"),
                (Kind::Word, "most"),
                (Kind::Duration, "1 year  6 months"),
                (Kind::Word, "after"),
                (Kind::Word, "collected"),
            ]
        );
        assert_eq!(
            kinds("#![allow(a-b)] x<=-3 2024-12-13T10:00:00Z \"a \\\" b\""),
            vec![
                (Kind::Punct, "#!["),
                (Kind::Word, "allow"),
                (Kind::Punct, "("),
                (Kind::Word, "a-b"),
                (Kind::Punct, ")"),
                (Kind::Punct, "]"),
                (Kind::Word, "x"),
                (Kind::Punct, "<="),
                (Kind::Word, "-3"),
                (Kind::Word, "2024-12-13T10:00:00Z"),
                (Kind::Str, "\"a \\\" b\""),
            ]
        );
    }

    #[test]
    fn a_number_after_a_bound_without_unit_is_a_word() {
        assert_eq!(
            kinds("at most P3Y under 13 in EU"),
            vec![
                (Kind::Word, "at"),
                (Kind::Word, "most"),
                (Kind::Word, "P3Y"),
                (Kind::Word, "under"),
                (Kind::Word, "13"),
                (Kind::Word, "in"),
                (Kind::Word, "EU"),
            ]
        );
    }

    #[test]
    fn unknown_characters_and_open_strings_are_errors() {
        assert_eq!(lex("a ; b"), Err(LexError { offset: 2 }));
        assert_eq!(lex("\"open\nx"), Err(LexError { offset: 0 }));
    }
}
