//! One `lawful batch` query line: its members, and how it is read.
//!
//! A line is read by a small scanner that handles the common shape (a flat object of plain
//! strings, with `subject` and `id` kept as raw JSON text) without building anything; any
//! other line — escapes, `events`, `null`s the scanner does not expect, a syntax error —
//! goes to serde_json, which reads the full grammar and words the errors. Both give the
//! same [`Line`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::common::CliError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Use,
    Disclose,
    Transfer,
    Retention,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Use => "use",
            Kind::Disclose => "disclose",
            Kind::Transfer => "transfer",
            Kind::Retention => "retention",
        }
    }

    fn parse(name: &str) -> Option<Kind> {
        [Kind::Use, Kind::Disclose, Kind::Transfer, Kind::Retention]
            .into_iter()
            .find(|k| k.name() == name)
    }
}

/// A JSON string: borrowed from the line unless it holds escapes. (serde's own `Cow`
/// impl always copies when wrapped in an `Option`.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a>(Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }

            fn visit_string<E>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Raw JSON text of a member (`subject`, `id`).
fn raw<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<&'de str>, D::Error> {
    Option::<&'de RawValue>::deserialize(deserializer).map(|raw| raw.map(RawValue::get))
}

/// One query line.
#[derive(Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line<'a> {
    #[serde(default)]
    pub kind: Option<Kind>,
    /// Raw JSON, echoed back as the first member of the answer.
    #[serde(borrow, default, deserialize_with = "raw")]
    pub id: Option<&'a str>,
    #[serde(borrow, default)]
    pub purpose: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub data: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub recipient: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub region: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub from: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub to: Option<Text<'a>>,
    /// Raw JSON of the subject document.
    #[serde(borrow, default, deserialize_with = "raw")]
    pub subject: Option<&'a str>,
    #[serde(borrow, default)]
    pub collected_at: Option<Text<'a>>,
    #[serde(default)]
    pub events: Option<BTreeMap<String, String>>,
    #[serde(borrow, default)]
    pub now: Option<Text<'a>>,
}

impl<'a> Line<'a> {
    /// Read a line (already known to be UTF-8); the error is serde_json's message.
    pub fn parse(text: &'a str) -> Result<Line<'a>, String> {
        match scan(text) {
            Some(line) => Ok(line),
            None => serde_json::from_str(text).map_err(|e| e.to_string()),
        }
    }

    /// `kind`, default `disclose` when a recipient is named, else `use`.
    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or(if self.recipient.is_some() {
            Kind::Disclose
        } else {
            Kind::Use
        })
    }

    /// Members that mean nothing for the kind are errors, not silently ignored.
    pub fn check_members(&self, kind: Kind) -> Result<(), CliError> {
        let given = [
            ("purpose", self.purpose.is_some()),
            ("recipient", self.recipient.is_some()),
            ("region", self.region.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("subject", self.subject.is_some()),
            ("collected_at", self.collected_at.is_some()),
            ("events", self.events.is_some()),
            ("now", self.now.is_some()),
        ];
        let allowed: &[&str] = match kind {
            Kind::Use => &["purpose", "region", "subject", "collected_at"],
            Kind::Disclose => &["purpose", "recipient", "region", "subject", "collected_at"],
            Kind::Transfer => &["from", "to", "subject"],
            Kind::Retention => &["purpose", "region", "events", "now"],
        };
        match given
            .iter()
            .find(|(name, present)| *present && !allowed.contains(name))
        {
            Some((name, _)) => Err(CliError::new(
                "lawful::batch::unexpected_member",
                format!("`{name}` does not apply to a `{}` query", kind.name()),
            )),
            None => Ok(()),
        }
    }
}

/// A member that must be there.
pub fn required<'l>(value: &'l Option<Text<'_>>, name: &str) -> Result<&'l str, CliError> {
    value
        .as_deref()
        .ok_or_else(|| CliError::new("lawful::batch::missing_member", format!("missing `{name}`")))
}

/// The scanner's fast path: `None` sends the line to serde_json.
fn scan(text: &str) -> Option<Line<'_>> {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut line = Line::default();
    let mut seen = 0u16;
    s.skip_space();
    s.eat(b'{')?;
    s.skip_space();
    if s.peek() == Some(b'}') {
        s.at += 1;
        return s.end().then_some(line);
    }
    loop {
        s.skip_space();
        let key = s.plain_string()?;
        s.skip_space();
        s.eat(b':')?;
        s.skip_space();
        let (bit, slot) = match key {
            "kind" => (1, None),
            "id" => (2, None),
            "subject" => (3, None),
            "purpose" => (4, Some(&mut line.purpose)),
            "data" => (5, Some(&mut line.data)),
            "recipient" => (6, Some(&mut line.recipient)),
            "region" => (7, Some(&mut line.region)),
            "from" => (8, Some(&mut line.from)),
            "to" => (9, Some(&mut line.to)),
            "collected_at" => (10, Some(&mut line.collected_at)),
            "now" => (11, Some(&mut line.now)),
            // `events`, unknown members: serde_json.
            _ => return None,
        };
        // A repeated member is an error serde_json words.
        if seen & (1 << bit) != 0 {
            return None;
        }
        seen |= 1 << bit;
        match (key, slot) {
            (_, Some(slot)) => *slot = Some(Text(Cow::Borrowed(s.plain_string()?))),
            ("kind", None) => line.kind = Some(Kind::parse(s.plain_string()?)?),
            ("subject", None) => line.subject = s.value()?,
            // Echoed into the output: must be exactly one valid JSON value.
            ("id", None) => {
                line.id = s.value()?;
                if let Some(id) = line.id {
                    serde_json::from_str::<&RawValue>(id).ok()?;
                }
            }
            _ => return None,
        }
        s.skip_space();
        match s.next()? {
            b',' => continue,
            b'}' => return s.end().then_some(line),
            _ => return None,
        }
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn eat(&mut self, expected: u8) -> Option<()> {
        (self.next()? == expected).then_some(())
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Only trailing whitespace is left.
    fn end(&mut self) -> bool {
        self.skip_space();
        self.at == self.bytes.len()
    }

    /// Slices at ASCII delimiters, so always on character boundaries.
    fn text(&self, start: usize, end: usize) -> Option<&'a str> {
        self.text.get(start..end)
    }

    /// A string without escapes or control characters.
    fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = self.bytes.get(start..)?;
        let len = find(
            rest,
            |v| has(v, b'"') | has(v, b'\\') | below(v, 0x20),
            |b| b == b'"' || b == b'\\' || b < 0x20,
        )?;
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        self.at = start + len + 1;
        self.text(start, start + len)
    }

    /// The extent of one JSON value: strings and brackets are matched, a scalar runs to
    /// the next delimiter. Validity is checked by whoever reads the text. `null` is `None`.
    fn value(&mut self) -> Option<Option<&'a str>> {
        let start = self.at;
        match self.peek()? {
            b'"' => self.skip_string()?,
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    // Jump to the next byte that matters.
                    let rest = self.bytes.get(self.at..)?;
                    let skip = find(
                        rest,
                        |v| {
                            has(v, b'"') | has(v, b'{') | has(v, b'[') | has(v, b'}') | has(v, b']')
                        },
                        |b| matches!(b, b'"' | b'{' | b'[' | b'}' | b']'),
                    )?;
                    self.at += skip;
                    match self.peek()? {
                        b'"' => self.skip_string()?,
                        b'{' | b'[' => {
                            depth += 1;
                            self.at += 1;
                        }
                        _ => {
                            depth = depth.checked_sub(1)?;
                            self.at += 1;
                            if depth == 0 {
                                break;
                            }
                        }
                    }
                }
            }
            _ => {
                let rest = self.bytes.get(self.at..)?;
                self.at += rest
                    .iter()
                    .position(|&b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                    .unwrap_or(rest.len());
            }
        }
        if self.at == start {
            return None;
        }
        let text = self.text(start, self.at)?;
        Some((text != "null").then_some(text))
    }

    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            let rest = self.bytes.get(self.at..)?;
            let len = find(
                rest,
                |v| has(v, b'"') | has(v, b'\\'),
                |b| b == b'"' || b == b'\\',
            )?;
            self.at += len + 1;
            if rest.get(len) == Some(&b'"') {
                return Some(());
            }
            // An escape: skip the escaped byte.
            self.next()?;
        }
    }
}

/// The first byte `exact` accepts, eight at a time: `mask` marks the high bit of each byte
/// of a little-endian word that may match (the lowest mark is exact).
fn find(bytes: &[u8], mask: impl Fn(u64) -> u64, exact: impl Fn(u8) -> bool) -> Option<usize> {
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

/// Marks bytes of `word` equal to `byte`.
fn has(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGH
}

/// Marks bytes of `word` below `n` (`n` ≤ 128).
fn below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;

    #[test]
    fn find_agrees_with_position() {
        let special = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
        let texts: [&[u8]; 6] = [
            b"",
            b"abc",
            b"abcdefgh\"",
            b"0123456789abcdef\\x",
            b"\xc3\xa9t\xc3\xa9 \x7f\x80\xff\"",
            b"........\x1f",
        ];
        for text in texts {
            for start in 0..text.len() {
                let rest = &text[start..];
                let found = find(
                    rest,
                    |v| has(v, b'"') | has(v, b'\\') | below(v, 0x20),
                    special,
                );
                assert_eq!(found, rest.iter().position(|&b| special(b)), "{rest:?}");
            }
        }
    }

    /// The scanner, where it answers, agrees with serde_json.
    #[test]
    fn scanner_agrees_with_serde() {
        let lines = [
            r#"{"kind":"use","purpose":"p","data":"d","subject":{"region":"DE","consents":[{"purpose":"x"}]}}"#,
            r#" { "id" : 7 , "purpose" : "p" , "data" : "d" , "region" : "DE" } "#,
            r#"{"id":"a\"b","recipient":"q","purpose":"p","data":"d","subject":{"a":"}"}}"#,
            r#"{"id":[1,{"x":2}],"kind":"transfer","data":"d","from":"DE","to":"US"}"#,
            r#"{"id":-1.5e3,"kind":"disclose"}"#,
            r#"{}"#,
            r#"{"subject":"DE"}"#,
            r#"{"subject":null}"#,
        ];
        for line in lines {
            let scanned = scan(line);
            let parsed: Line<'_> = serde_json::from_str(line).unwrap_or_default();
            if let Some(scanned) = scanned {
                assert_eq!(scanned.kind, parsed.kind, "{line}");
                assert_eq!(scanned.purpose, parsed.purpose, "{line}");
                assert_eq!(scanned.data, parsed.data, "{line}");
                assert_eq!(scanned.region, parsed.region, "{line}");
                assert_eq!(scanned.recipient, parsed.recipient, "{line}");
                assert_eq!(scanned.subject, parsed.subject, "{line}");
                assert_eq!(scanned.id, parsed.id, "{line}");
            }
        }
        assert!(
            scan(r#"{"kind":"use","purpose":"p","data":"d","subject":{"region":"DE"}}"#).is_some()
        );
        assert!(scan(r#"{"id":7,"purpose":"p","subject":null}"#).is_some());
    }

    /// Everything the scanner does not read plainly goes to serde_json.
    #[test]
    fn unusual_lines_fall_back() {
        for line in [
            r#"{"purpose":"a\u0062"}"#,
            r#"{"purpose":null}"#,
            r#"{"purpose":"p","purpose":"q"}"#,
            r#"{"purpse":"p"}"#,
            r#"{"kind":"usage"}"#,
            r#"{"events":{"collected":"2024-01-01"}}"#,
            r#"{"id":01}"#,
            r#"{"purpose":"p"} x"#,
            r#"{"purpose":"p""#,
            r#"{"purpose":"p",}"#,
            r#"[1]"#,
        ] {
            assert!(scan(line).is_none(), "{line}");
        }
        assert_eq!(
            Line::parse(r#"{"purpose":"a\u0062"}"#).map(|l| l.purpose),
            Ok(Some(Text(Cow::Owned("ab".to_owned()))))
        );
        assert!(Line::parse(r#"{"purpose":"p","purpose":"q"}"#)
            .unwrap_err()
            .contains("duplicate field"));
    }
}
