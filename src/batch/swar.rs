//! Finding bytes several at a time without `unsafe`: eight at a time in a `u64` ("SIMD
//! within a register"), or sixteen at a time in a loop the compiler vectorises.

/// The first byte `exact` accepts, eight at a time: `mask` marks the high bit of each byte
/// of a little-endian word that may match (the lowest mark must be exact, as it is for
/// [`has`] and [`below`] and any `|` of them).
#[inline]
pub fn find(bytes: &[u8], mask: impl Fn(u64) -> u64, exact: impl Fn(u8) -> bool) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?);
        let marks = mask(word);
        if marks != 0 {
            return Some(offset + (marks.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let rest = chunks.remainder();
    rest.iter().position(|&b| exact(b)).map(|i| offset + i)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Marks bytes of `word` equal to `byte` (a byte above a match may be marked too: only the
/// lowest mark is exact).
#[inline]
pub fn has(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGH
}

/// Marks bytes of `word` below `n` (`n` ≤ 128; only the lowest mark is exact).
#[inline]
pub fn below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH
}

/// The first `byte` in `bytes`. Checks 16 bytes at a time without branching on each,
/// which the compiler vectorises (a `u64` at a time costs twice as much).
#[inline]
pub fn find_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(16);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        if chunk.iter().fold(false, |any, &b| any | (b == byte)) {
            break;
        }
        at += 16;
    }
    let rest = bytes.get(at..)?;
    rest.iter().position(|&b| b == byte).map(|i| at + i)
}

/// Where a JSON string that starts at `bytes` ends: the first `"`, `\` or control character.
#[inline]
pub fn string_end(bytes: &[u8]) -> Option<usize> {
    find(
        bytes,
        |v| has(v, b'"') | has(v, b'\\') | below(v, 0x20),
        |b| b == b'"' || b == b'\\' || b < 0x20,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;

    #[test]
    fn find_agrees_with_position() {
        let special = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
        let texts: [&[u8]; 8] = [
            b"",
            b"abc",
            b"abcdefgh\"",
            b"0123456789abcdef\\x",
            b"\xc3\xa9t\xc3\xa9 \x7f\x80\xff\"",
            b"........\x1f",
            b"\x01\"\\\x00\x00\"\"\\\\ \x1f\x20\x21\x22\x5b\x5c\x5d\xff\x00",
            b"{\"id\":1,\"kind\":\"use\",\"purpose\":\"essential.service\"}\n{\"id\":2}\n\n",
        ];
        for text in texts {
            for start in 0..text.len() {
                let rest = &text[start..];
                let expected = rest.iter().position(|&b| special(b));
                assert_eq!(string_end(rest), expected, "{rest:?}");
                let zero = find(rest, |v| has(v, 0), |b| b == 0);
                assert_eq!(zero, rest.iter().position(|&b| b == 0), "{rest:?}");
                for byte in [0, b'\n', b'"', 0xff] {
                    let found = find_byte(rest, byte);
                    assert_eq!(found, rest.iter().position(|&b| b == byte), "{rest:?}");
                }
            }
        }
    }

    /// Every byte value, at every position of a word, below and above every other.
    #[test]
    fn lowest_mark_is_exact() {
        for target in [0u8, b'\n', b'"', b'\\', b'}', 0x7f, 0x80, 0xff] {
            for filler in 0..=255u8 {
                for at in 0..8 {
                    let mut word = [filler; 8];
                    word[at] = target;
                    let found = find(&word, |v| has(v, target), |b| b == target);
                    assert_eq!(found, word.iter().position(|&b| b == target));
                }
            }
        }
        for n in [1u8, 0x20, 0x80] {
            for filler in 0..=255u8 {
                for at in 0..8 {
                    let mut word = [filler; 8];
                    word[at] = n - 1;
                    let found = find(&word, |v| below(v, n), |b| b < n);
                    assert_eq!(found, word.iter().position(|&b| b < n));
                }
            }
        }
    }
}
