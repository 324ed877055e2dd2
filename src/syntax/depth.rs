//! A guard run before pest: pest's recursive descent would overflow the stack on deeply
//! nested input, so nesting depth is measured here, iteratively, first.

use crate::source::{SourceId, Span};

/// Deepest nesting of `(`, `[` and `{` a policy may use. Real policies stay under 10.
pub const MAX_DEPTH: usize = 64;

/// The span of the first bracket that opens a level deeper than [`MAX_DEPTH`], if any.
/// Brackets inside strings and comments do not count.
pub fn find_too_deep(source: SourceId, text: &str) -> Option<Span> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0usize;
    loop {
        i = next_mark(bytes, i)?;
        let &b = bytes.get(i)?;
        match b {
            b'"' => i = skip_string(bytes, i + 1),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = bytes
                    .get(i..)
                    .and_then(|rest| rest.iter().position(|&c| c == b'\n'))
                    .map_or(bytes.len(), |p| i + p);
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(Span::new(source, i, i + 1));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
}

/// Where the next byte [`find_too_deep`] looks at is, from `from` on. Most bytes are none of
/// the eight that matter (one in ~36 is, in the benchmark's policy): 32 bytes at a time are
/// ruled out with one test each (the compiler makes it a few vector compares), and only a
/// block that holds one is searched byte by byte.
fn next_mark(bytes: &[u8], from: usize) -> Option<usize> {
    let mut start = from;
    for block in bytes.get(from..)?.chunks(32) {
        if block.iter().fold(false, |any, &b| any | is_mark(b)) {
            return block.iter().position(|&b| is_mark(b)).map(|p| start + p);
        }
        start += block.len();
    }
    None
}

/// The bytes [`find_too_deep`] looks at: quotes, `/` and brackets.
fn is_mark(b: u8) -> bool {
    matches!(b, b'"' | b'/' | b'(' | b'[' | b'{' | b')' | b']' | b'}')
}

/// Index of the closing quote (or the end of the line/text) of a string starting at `i`.
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' | b'\n' => return i,
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_outside_strings_and_comments() {
        let id = SourceId(0);
        assert_eq!(find_too_deep(id, "(((("), None);
        let deep = "(".repeat(MAX_DEPTH + 1);
        assert_eq!(
            find_too_deep(id, &deep),
            Some(Span::new(id, MAX_DEPTH, MAX_DEPTH + 1))
        );
        let quoted = format!("\"{deep}\"");
        assert_eq!(find_too_deep(id, &quoted), None);
        let commented = format!("// {deep}\n");
        assert_eq!(find_too_deep(id, &commented), None);
        let balanced = "()".repeat(10_000);
        assert_eq!(find_too_deep(id, &balanced), None);
    }
}
