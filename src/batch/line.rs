//! One `lawful batch` query line: its members, and how it is read.
//!
//! A line is read by a small scanner that handles the common shape (a flat object of plain
//! strings, with `subject` and `id` kept as raw JSON text) without building anything; any
//! other line — escapes, `events`, `null`s the scanner does not expect, a syntax error —
//! goes to serde_json, which reads the full grammar and words the errors. Both give the
//! same [`Line`]. A subject the cache has seen recently is recognised by its bytes
//! ([`Subjects::known_prefix`]) instead of being walked through.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::subjects::Subjects;
use super::swar::{find, has, string_end};
use super::LineError;

/// The question a line asks (its `kind` member).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `use`: may a purpose use a field or category?
    Use,
    /// `disclose`: may a recipient receive it?
    Disclose,
    /// `transfer`: may it go from one region to another?
    Transfer,
    /// `retention`: must it be kept, may it be kept, or must it be deleted?
    Retention,
    /// `combine`: may a purpose bring the data together with other data (`with`)?
    Combine,
}

impl Kind {
    /// The `kind` member's value: `use`, `disclose`, `transfer`, `retention` or `combine`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Use => "use",
            Kind::Disclose => "disclose",
            Kind::Transfer => "transfer",
            Kind::Retention => "retention",
            Kind::Combine => "combine",
        }
    }

    fn parse(name: &str) -> Option<Kind> {
        [
            Kind::Use,
            Kind::Disclose,
            Kind::Transfer,
            Kind::Retention,
            Kind::Combine,
        ]
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

/// The `events` object: each event at most once.
fn events<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    struct Events(BTreeMap<String, String>);
    impl<'de> Deserialize<'de> for Events {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl<'de> serde::de::Visitor<'de> for Visitor {
                type Value = Events;

                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object of event times")
                }

                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Events, A::Error> {
                    let mut events = BTreeMap::new();
                    while let Some((name, time)) = map.next_entry::<String, String>()? {
                        if events.contains_key(&name) {
                            return Err(serde::de::Error::custom(format_args!(
                                "duplicate key `{name}` in `events`"
                            )));
                        }
                        events.insert(name, time);
                    }
                    Ok(Events(events))
                }
            }
            deserializer.deserialize_map(Visitor)
        }
    }
    Option::<Events>::deserialize(deserializer).map(|events| events.map(|e| e.0))
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
    /// `disclose` to any declared recipient of this kind (read by serde_json only).
    #[serde(borrow, default)]
    pub recipient_kind: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub region: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub from: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub to: Option<Text<'a>>,
    /// Raw JSON of the subject document.
    #[serde(borrow, default, deserialize_with = "raw")]
    pub subject: Option<&'a str>,
    /// A subject named by id, read from a ledger ([`Users`](super::Users)) instead of
    /// given inline.
    #[serde(borrow, default)]
    pub user: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub collected_at: Option<Text<'a>>,
    /// A repeated event is an error, not "the last one wins".
    #[serde(default, deserialize_with = "events")]
    pub events: Option<BTreeMap<String, String>>,
    #[serde(borrow, default)]
    pub now: Option<Text<'a>>,
    /// The circumstances that hold for the question (the scanner leaves lines with them to
    /// serde_json).
    #[serde(borrow, default)]
    pub circumstances: Option<Vec<Text<'a>>>,
    /// `retention`: the period the subject agreed to (`P2Y`; read by serde_json only).
    #[serde(borrow, default)]
    pub agreed_period: Option<Text<'a>>,
    /// `retention`: the data is de-identified (read by serde_json only).
    #[serde(default)]
    pub deidentified: Option<bool>,
    /// `combine`: the other data (read by serde_json only).
    #[serde(borrow, default)]
    pub with: Option<Text<'a>>,
    /// The direct-marketing campaign asked about (read by serde_json only).
    #[serde(borrow, default)]
    pub campaign: Option<Text<'a>>,
    /// Where the scanner found the subject in the cache (a hint: the text is checked).
    #[serde(skip)]
    pub subject_id: Option<u32>,
}

impl<'a> Line<'a> {
    /// Read a line (already known to be UTF-8) into `line` (a [`Line::default`]); the
    /// error is serde_json's message. `subjects` only speeds up finding where a cached
    /// subject ends. (Filling the caller's `Line` spares copying it, which shows at a
    /// million lines a second.) With `fast` false the scanner is skipped: every line takes
    /// serde_json's path (for the test that both paths agree).
    pub fn parse_into(
        text: &'a str,
        subjects: &Subjects,
        line: &mut Line<'a>,
        fast: bool,
    ) -> Result<(), String> {
        if !fast || scan(text, subjects, line).is_none() {
            *line = Line::read(text)?;
        }
        Ok(())
    }

    /// The full grammar, by serde_json: kept out of line so that the scanner's fast path
    /// stays small. A line must be one object: serde would read an array as the members
    /// in order.
    #[cold]
    #[inline(never)]
    fn read(text: &'a str) -> Result<Line<'a>, String> {
        let first = text
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .bytes()
            .next();
        if first != Some(b'{') {
            // Whatever it is, it is not an object: a syntax error if it is not JSON at all.
            let found = match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Array(_)) => "an array",
                Ok(serde_json::Value::String(_)) => "a string",
                Ok(serde_json::Value::Number(_)) => "a number",
                Ok(serde_json::Value::Bool(_)) => "a boolean",
                Ok(_) => "null",
                Err(e) => return Err(e.to_string()),
            };
            return Err(format!("a query line must be a JSON object, not {found}"));
        }
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// [`Line::parse_into`] a new `Line`.
    #[cfg(test)]
    pub fn parse(text: &'a str, subjects: &Subjects) -> Result<Line<'a>, String> {
        let mut line = Line::default();
        Line::parse_into(text, subjects, &mut line, true).map(|()| line)
    }

    /// `kind`, default `disclose` when a recipient (or a recipient kind) is named,
    /// `combine` when other data is (`with`), else `use`.
    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or(
            if self.recipient.is_some() || self.recipient_kind.is_some() {
                Kind::Disclose
            } else if self.with.is_some() {
                Kind::Combine
            } else {
                Kind::Use
            },
        )
    }

    /// Members that mean nothing for the kind are errors, not silently ignored: the first
    /// in [`MEMBERS`] order is named.
    pub fn check_members(&self, kind: Kind) -> Result<(), LineError> {
        let given = [
            self.purpose.is_some(),
            self.recipient.is_some(),
            self.region.is_some(),
            self.from.is_some(),
            self.to.is_some(),
            self.subject.is_some(),
            self.collected_at.is_some(),
            self.events.is_some(),
            self.now.is_some(),
            self.circumstances.is_some(),
            self.recipient_kind.is_some(),
            self.user.is_some(),
            self.agreed_period.is_some(),
            self.deidentified.is_some(),
            self.with.is_some(),
            self.campaign.is_some(),
        ]
        .iter()
        .enumerate()
        .fold(0u16, |bits, (i, &present)| bits | (u16::from(present) << i));
        let unexpected = given & !allowed(kind);
        if unexpected == 0 {
            return Ok(());
        }
        match MEMBERS
            .iter()
            .enumerate()
            .find(|&(i, _)| unexpected & (1 << i) != 0)
        {
            Some((_, &member)) => Err(LineError::UnexpectedMember { member, kind }),
            None => Ok(()),
        }
    }
}

/// The members besides `kind`, `id` and `data`, in the order errors name them; a set of
/// them is a `u16` whose bit `i` stands for `MEMBERS[i]`.
const MEMBERS: [&str; 16] = [
    "purpose",
    "recipient",
    "region",
    "from",
    "to",
    "subject",
    "collected_at",
    "events",
    "now",
    "circumstances",
    "recipient_kind",
    "user",
    "agreed_period",
    "deidentified",
    "with",
    "campaign",
];

const PURPOSE: u16 = 1 << 0;
const RECIPIENT: u16 = 1 << 1;
const REGION: u16 = 1 << 2;
const FROM: u16 = 1 << 3;
const TO: u16 = 1 << 4;
const SUBJECT: u16 = 1 << 5;
const COLLECTED_AT: u16 = 1 << 6;
const EVENTS: u16 = 1 << 7;
const NOW: u16 = 1 << 8;
const CIRCUMSTANCES: u16 = 1 << 9;
const RECIPIENT_KIND: u16 = 1 << 10;
const USER: u16 = 1 << 11;
const AGREED_PERIOD: u16 = 1 << 12;
const DEIDENTIFIED: u16 = 1 << 13;
const WITH: u16 = 1 << 14;
const CAMPAIGN: u16 = 1 << 15;

/// The [`MEMBERS`] a kind of query reads.
fn allowed(kind: Kind) -> u16 {
    match kind {
        Kind::Use => PURPOSE | REGION | SUBJECT | USER | COLLECTED_AT | CIRCUMSTANCES | CAMPAIGN,
        Kind::Disclose => {
            PURPOSE
                | RECIPIENT
                | RECIPIENT_KIND
                | REGION
                | SUBJECT
                | USER
                | COLLECTED_AT
                | CIRCUMSTANCES
                | CAMPAIGN
        }
        Kind::Transfer => FROM | TO | SUBJECT | USER | CIRCUMSTANCES,
        Kind::Retention => {
            PURPOSE | REGION | EVENTS | NOW | CIRCUMSTANCES | AGREED_PERIOD | DEIDENTIFIED
        }
        Kind::Combine => PURPOSE | WITH | REGION | SUBJECT | USER | COLLECTED_AT | CIRCUMSTANCES,
    }
}

/// A member that must be there.
pub fn required<'l>(value: &'l Option<Text<'_>>, name: &'static str) -> Result<&'l str, LineError> {
    // A `match` rather than `ok_or`, which builds (and drops) the error every time.
    match value.as_deref() {
        Some(value) => Ok(value),
        None => Err(LineError::MissingMember(name)),
    }
}

/// The members the scanner reads (`events` is left to serde_json).
#[derive(Debug, Clone, Copy)]
enum Member {
    Kind,
    Id,
    Subject,
    Purpose,
    Data,
    Recipient,
    Region,
    From,
    To,
    CollectedAt,
    Now,
    User,
}

/// Whether the scanner reads `text` itself (without serde_json).
#[cfg(test)]
pub fn scan_only(text: &str, subjects: &Subjects) -> bool {
    scan(text, subjects, &mut Line::default()).is_some()
}

/// The scanner's fast path, into a [`Line::default`]: `None` (with `line` half filled)
/// sends the line to serde_json.
fn scan<'a>(text: &'a str, subjects: &Subjects, line: &mut Line<'a>) -> Option<()> {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut seen = 0u16;
    s.skip_space();
    s.eat(b'{')?;
    s.skip_space();
    if s.peek() == Some(b'}') {
        s.at += 1;
        return s.end().then_some(());
    }
    loop {
        s.skip_space();
        s.eat(b'"')?;
        let member = s.key()?;
        s.skip_space();
        s.eat(b':')?;
        s.skip_space();
        // A repeated member is an error serde_json words.
        let bit = 1u16 << (member as u16);
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        let slot = match member {
            Member::Kind => {
                line.kind = Some(Kind::parse(s.plain_string()?)?);
                None
            }
            Member::Id => {
                line.id = s.id()?;
                None
            }
            Member::Subject => {
                (line.subject, line.subject_id) = s.subject(subjects)?;
                None
            }
            Member::Purpose => Some(&mut line.purpose),
            Member::Data => Some(&mut line.data),
            Member::Recipient => Some(&mut line.recipient),
            Member::Region => Some(&mut line.region),
            Member::From => Some(&mut line.from),
            Member::To => Some(&mut line.to),
            Member::CollectedAt => Some(&mut line.collected_at),
            Member::Now => Some(&mut line.now),
            Member::User => Some(&mut line.user),
        };
        if let Some(slot) = slot {
            *slot = Some(Text(Cow::Borrowed(s.plain_string()?)));
        }
        s.skip_space();
        match s.next()? {
            b',' => continue,
            b'}' => return s.end().then_some(()),
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
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    #[inline]
    fn eat(&mut self, expected: u8) -> Option<()> {
        (self.next()? == expected).then_some(())
    }

    #[inline]
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
    #[inline]
    fn text(&self, start: usize, end: usize) -> Option<&'a str> {
        self.text.get(start..end)
    }

    /// A member's name and its closing quote (the opening one is read): only the names
    /// the scanner reads, written plainly.
    #[inline]
    fn key(&mut self) -> Option<Member> {
        let rest = self.bytes.get(self.at..)?;
        let (member, len) = match rest.first()? {
            b'k' if rest.starts_with(b"kind\"") => (Member::Kind, 5),
            b'i' if rest.starts_with(b"id\"") => (Member::Id, 3),
            b's' if rest.starts_with(b"subject\"") => (Member::Subject, 8),
            b'p' if rest.starts_with(b"purpose\"") => (Member::Purpose, 8),
            b'd' if rest.starts_with(b"data\"") => (Member::Data, 5),
            b'r' if rest.starts_with(b"recipient\"") => (Member::Recipient, 10),
            b'r' if rest.starts_with(b"region\"") => (Member::Region, 7),
            b'f' if rest.starts_with(b"from\"") => (Member::From, 5),
            b't' if rest.starts_with(b"to\"") => (Member::To, 3),
            b'c' if rest.starts_with(b"collected_at\"") => (Member::CollectedAt, 13),
            b'n' if rest.starts_with(b"now\"") => (Member::Now, 4),
            b'u' if rest.starts_with(b"user\"") => (Member::User, 5),
            // `events`, unknown members, escapes: serde_json.
            _ => return None,
        };
        self.at += len;
        Some(member)
    }

    /// A string without escapes or control characters.
    #[inline]
    fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = self.bytes.get(start..)?;
        let len = string_end(rest)?;
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        self.at = start + len + 1;
        self.text(start, start + len)
    }

    /// The `id`: raw JSON text, `null` is `None`. Echoed into the output, so it must be
    /// exactly one valid JSON value: a plain integer or string is; anything else is
    /// checked by serde_json.
    fn id(&mut self) -> Option<Option<&'a str>> {
        let start = self.at;
        match self.peek()? {
            b'"' if self.plain_string().is_some() => return Some(self.text(start, self.at)),
            b'-' | b'0'..=b'9' => {
                let digits = usize::from(self.peek() == Some(b'-'));
                let rest = self.bytes.get(start + digits..)?;
                let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                let plain = match rest.first() {
                    Some(b'0') => len == 1,
                    _ => len > 0,
                };
                let end = start + digits + len;
                let delimited = matches!(
                    self.bytes.get(end),
                    None | Some(b',' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
                );
                if plain && delimited {
                    self.at = end;
                    return Some(self.text(start, end));
                }
            }
            _ => {}
        }
        self.at = start;
        let id = self.value()?;
        if let Some(id) = id {
            serde_json::from_str::<&RawValue>(id).ok()?;
        }
        Some(id)
    }

    /// The `subject`: its raw JSON text (`null` is `None`) and, when it is one the cache
    /// has seen recently, its id there. A subject not in the cache must be valid JSON, as
    /// serde_json requires of the whole line: else the line goes there, so that a broken
    /// subject is the same error on both paths (`lawful::batch::json`).
    fn subject(&mut self, subjects: &Subjects) -> Option<(Option<&'a str>, Option<u32>)> {
        if self.peek()? == b'{' {
            let rest = self.bytes.get(self.at..)?;
            if let Some((id, len)) = subjects.known_prefix(rest) {
                let start = self.at;
                self.at += len;
                return Some((Some(self.text(start, self.at)?), Some(id)));
            }
        }
        let text = self.value()?;
        if let Some(text) = text {
            if !subjects.contains(text) {
                serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
            }
        }
        Some((text, None))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;
    use crate::subject::Subject;

    const CACHED: &str = r#"{"region":"DE","consents":[{"purpose":"x"}]}"#;

    /// A cache holding [`CACHED`].
    fn subjects() -> Subjects {
        let mut subjects = Subjects::default();
        subjects.insert(
            CACHED,
            Subject::with_stamp(crate::model::PolicyStamp::fresh()),
        );
        subjects
    }

    /// The scanner, where it answers, agrees with serde_json, with and without the cache.
    #[test]
    fn scanner_agrees_with_serde() {
        let lines = [
            r#"{"kind":"use","purpose":"p","data":"d","subject":{"region":"DE","consents":[{"purpose":"x"}]}}"#,
            r#"{"subject":{"region":"DE","consents":[{"purpose":"x"}]} ,"id":3}"#,
            r#"{"subject":{"region":"DE","consents":[{"purpose":"x"}],"age":3},"id":3}"#,
            r#" { "id" : 7 , "purpose" : "p" , "data" : "d" , "region" : "DE" } "#,
            r#"{"id":"a\"b","recipient":"q","purpose":"p","data":"d","subject":{"a":"}"}}"#,
            r#"{"id":[1,{"x":2}],"kind":"transfer","data":"d","from":"DE","to":"US"}"#,
            r#"{"id":-1.5e3,"kind":"disclose"}"#,
            r#"{"id":-0,"kind":"retention","now":"2024-01-01","region":"CN"}"#,
            r#"{"id":0}"#,
            r#"{"id":"é ü","collected_at":"2024-01-01"}"#,
            r#"{"id":1234567890123456789012345678901234567890}"#,
            r#"{"id":null,"subject":null}"#,
            r#"{}"#,
            r#"{"subject":"DE"}"#,
        ];
        // Raw values have no depth limit on either path (serde_json skips them in a loop).
        let deep = format!(
            r#"{{"id":{}{},"subject":{{"a":{}{}}}}}"#,
            "[".repeat(500),
            "]".repeat(500),
            "[".repeat(500),
            "]".repeat(500)
        );
        let lines: Vec<&str> = lines.iter().copied().chain([deep.as_str()]).collect();
        for cache in [Subjects::default(), subjects()] {
            for &line in &lines {
                let parsed: Line<'_> = serde_json::from_str(line).unwrap();
                let mut scanned = Line::default();
                scan(line, &cache, &mut scanned).unwrap_or_else(|| panic!("{line}"));
                scanned.subject_id = None;
                assert_eq!(scanned, parsed, "{line}");
            }
        }
        let line = r#"{"kind":"use","subject":{"region":"DE","consents":[{"purpose":"x"}]}}"#;
        assert_eq!(Line::parse(line, &subjects()).unwrap().subject_id, Some(0));
        assert_eq!(
            Line::parse(line, &Subjects::default()).unwrap().subject_id,
            None
        );
    }

    /// Everything the scanner does not read plainly goes to serde_json.
    #[test]
    fn unusual_lines_fall_back() {
        for line in [
            r#"{"purpose":"a\u0062"}"#,
            r#"{"purpose":null}"#,
            r#"{"purpose":"p","purpose":"q"}"#,
            r#"{"purpse":"p"}"#,
            r#"{"purposes":"p"}"#,
            r#"{"pur\u0070ose":"p"}"#,
            r#"{"kind":"usage"}"#,
            r#"{"events":{"collected":"2024-01-01"}}"#,
            r#"{"id":01}"#,
            r#"{"id":-}"#,
            r#"{"id":1x}"#,
            r#"{"id":"a	b"}"#,
            r#"{"id":7,"id":8}"#,
            r#"{"purpose":"p"} x"#,
            r#"{"purpose":"p""#,
            r#"{"purpose":"p",}"#,
            r#"{"subject":{"region":"DE","consents":[{"purpose":"x"}]}"#,
            r#"[1]"#,
            // A subject that is not JSON: serde_json refuses the whole line.
            r#"{"purpose":"p","subject":{x}}"#,
            r#"{"subject":tru}"#,
            r#"{"subject":{"a":1,}}"#,
        ] {
            for cache in [Subjects::default(), subjects()] {
                assert!(scan(line, &cache, &mut Line::default()).is_none(), "{line}");
            }
        }
        let none = Subjects::default();
        assert_eq!(
            Line::parse(r#"{"purpose":"a\u0062"}"#, &none).map(|l| l.purpose),
            Ok(Some(Text(Cow::Owned("ab".to_owned()))))
        );
        assert!(Line::parse(r#"{"purpose":"p","purpose":"q"}"#, &none)
            .unwrap_err()
            .contains("duplicate field"));
        assert!(Line::parse(r#"{"id":01}"#, &none).is_err());
    }

    #[test]
    fn member_bits_follow_the_names() {
        let bits = [
            PURPOSE,
            RECIPIENT,
            REGION,
            FROM,
            TO,
            SUBJECT,
            COLLECTED_AT,
            EVENTS,
            NOW,
            CIRCUMSTANCES,
            RECIPIENT_KIND,
            USER,
            AGREED_PERIOD,
            DEIDENTIFIED,
            WITH,
            CAMPAIGN,
        ];
        for (i, bit) in bits.into_iter().enumerate() {
            assert_eq!(bit, 1 << i, "{}", MEMBERS[i]);
        }
    }

    #[test]
    fn members_that_do_not_apply_are_named_in_order() {
        let none = Subjects::default();
        let cases = [
            (r#"{"purpose":"p","data":"d"}"#, Ok(())),
            (
                r#"{"kind":"transfer","now":"x","purpose":"p"}"#,
                Err("purpose"),
            ),
            (r#"{"kind":"use","now":"x","to":"US"}"#, Err("to")),
            (r#"{"kind":"retention","subject":{}}"#, Err("subject")),
            (r#"{"kind":"disclose","events":{}}"#, Err("events")),
            (
                r#"{"kind":"use","agreed_period":"P1Y"}"#,
                Err("agreed_period"),
            ),
            (
                r#"{"kind":"transfer","deidentified":true}"#,
                Err("deidentified"),
            ),
            (
                r#"{"kind":"retention","agreed_period":"P1Y","deidentified":true}"#,
                Ok(()),
            ),
        ];
        for (text, expected) in cases {
            let line = Line::parse(text, &none).unwrap();
            let kind = line.kind();
            let expected = expected.map_err(|member| LineError::UnexpectedMember { member, kind });
            assert_eq!(line.check_members(kind), expected, "{text}");
        }
    }
}
