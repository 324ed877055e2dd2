//! A guard run before pest: characters that would make the text mean something other than
//! what an editor or `cat` shows are refused, every one of them in one run.
//!
//! A line ends with LF or CRLF, nothing else. A lone CR, VT, FF, NEL, U+2028 and U+2029 are
//! line ends to some tools and not to others: after `// note<CR>` pest would keep the rest of
//! the physical line in the comment while a terminal shows it as code (a hidden rule, or a
//! rule that looks written but is dead). Bidirectional controls reorder what is displayed
//! (Trojan Source, CVE-2021-42574). All of them are errors wherever they appear — in code,
//! comments and strings alike — so every tool reading a policy sees the same lines.

use crate::source::{SourceId, Span};

/// What a forbidden character is, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// A line end other than LF or CRLF.
    LineSeparator(&'static str),
    /// A bidirectional formatting control.
    Bidi(&'static str),
}

/// The name of a forbidden character, or `None` for an allowed one. `next` is the character
/// after it (a CR is allowed before an LF).
pub fn classify(c: char, next: Option<char>) -> Option<Forbidden> {
    use Forbidden::{Bidi, LineSeparator};
    Some(match c {
        '\r' if next == Some('\n') => return None,
        '\r' => LineSeparator("a carriage return (U+000D) not followed by a line feed"),
        '\u{0B}' => LineSeparator("a vertical tab (U+000B)"),
        '\u{0C}' => LineSeparator("a form feed (U+000C)"),
        '\u{85}' => LineSeparator("a next line character (U+0085)"),
        '\u{2028}' => LineSeparator("a line separator (U+2028)"),
        '\u{2029}' => LineSeparator("a paragraph separator (U+2029)"),
        '\u{200E}' => Bidi("a left-to-right mark (U+200E)"),
        '\u{200F}' => Bidi("a right-to-left mark (U+200F)"),
        '\u{061C}' => Bidi("an Arabic letter mark (U+061C)"),
        '\u{202A}' => Bidi("a left-to-right embedding (U+202A)"),
        '\u{202B}' => Bidi("a right-to-left embedding (U+202B)"),
        '\u{202C}' => Bidi("a pop directional formatting (U+202C)"),
        '\u{202D}' => Bidi("a left-to-right override (U+202D)"),
        '\u{202E}' => Bidi("a right-to-left override (U+202E)"),
        '\u{2066}' => Bidi("a left-to-right isolate (U+2066)"),
        '\u{2067}' => Bidi("a right-to-left isolate (U+2067)"),
        '\u{2068}' => Bidi("a first strong isolate (U+2068)"),
        '\u{2069}' => Bidi("a pop directional isolate (U+2069)"),
        _ => return None,
    })
}

/// Every forbidden character of `text`, in order, with its span.
pub fn find_forbidden(source: SourceId, text: &str) -> Vec<(Forbidden, Span)> {
    let mut found = Vec::new();
    // Every forbidden character is a CR, VT or FF or is not ASCII: a text with none of
    // those bytes (most policies) is passed in one scan, 64 bytes at a time.
    let plain = |b: u8| b < 0x80 && !(0x0B..=0x0D).contains(&b);
    if text
        .as_bytes()
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & plain(b)))
    {
        return found;
    }
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // Most characters are plain ASCII: one compare rules them out.
        if (' '..='~').contains(&c) || c == '\n' || c == '\t' {
            continue;
        }
        let next = chars.peek().map(|&(_, n)| n);
        if let Some(kind) = classify(c, next) {
            found.push((kind, Span::new(source, i, i + c.len_utf8())));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_forbidden_character() {
        let id = SourceId(0);
        let text = "a\r\nb\rc\u{2028}d \"\u{202E}\" // \u{85}\n";
        let found: Vec<(usize, usize)> = find_forbidden(id, text)
            .into_iter()
            .map(|(_, s)| (s.start as usize, s.end as usize))
            .collect();
        assert_eq!(found, [(4, 5), (6, 9), (12, 15), (20, 22)]);
        assert!(find_forbidden(id, "a\r\n\tb é ü 漢\r\n").is_empty());
        assert_eq!(find_forbidden(id, "x\r").len(), 1);
    }
}
