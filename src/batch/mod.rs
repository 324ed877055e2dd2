//! Batch answering: JSON Lines queries in, one JSON answer per line out (`lawful batch`).
//!
//! Built for throughput (≥ 1 million decisions per second on one core): each line is
//! scanned without copying its strings ([`line`]), names are looked up in the policy's
//! indexes, subjects are resolved once and cached by their JSON text, the decision
//! takes the prepared path, and the answer is written by
//! [`JsonRenderer::write_decision`] into one output buffer that is flushed in large
//! blocks — no allocation per line once the caches are warm. A line that cannot be
//! answered becomes an error line; the stream goes on.
//!
//! ```
//! # let policy = lawful::compile_str("shop.lawful", r#"
//! #     policy "Shop" { controller "Shop GmbH" }
//! #     region DE "Germany"
//! #     category user.contact.email
//! #     purpose support { uses user.contact.email basis contract }
//! # "#)?.policy;
//! let now = "2025-01-01T00:00:00Z".parse()?;
//! let mut batch = lawful::batch::Batch::new(&policy, now);
//! let input = br#"{"id":1,"purpose":"support","data":"user.contact.email","region":"DE"}
//! {"id":2,"purpose":"suport","data":"user.contact.email","region":"DE"}
//! "#;
//! let mut out = Vec::new();
//! let stats = batch.run(&input[..], &mut out)?;
//! assert_eq!((stats.queries, stats.errors), (2, 1));
//! let out = String::from_utf8(out)?;
//! assert!(out.starts_with(r#"{"id":1,"outcome":"allow","reason":"#));
//! assert!(out.contains(r#""code":"lawful::eval::unknown_purpose"}"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod line;
#[doc(hidden)]
#[cfg(any(test, feature = "testkit"))]
pub mod sample;
mod subjects;
mod swar;

use std::io::{self, BufRead, Write};

use jiff::Timestamp;
use serde::Serialize;

use crate::eval::{
    parse_time_str, DataRef, Decision, JsonRenderer, Query, QueryError, RetentionDecision,
    RetentionJson, RetentionQuery, SubjectError, SubjectProblem, TransferQuery,
};
use crate::model::{CategoryId, Policy};
use crate::subject::Subject;

pub use error::{LineError, UserError};
pub use line::Kind;
use line::{required, Line};
use subjects::Subjects;

/// The longest query line answered. A longer line gets an error line
/// (`lawful::batch::line_too_long`) and is never held in memory whole, so an input without
/// newlines (`/dev/zero`) cannot grow memory without bound.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// How many bytes of resolved subjects a [`Batch`] caches by default (see
/// [`Batch::with_subject_cache_limit`]): far more than a stream of a few thousand distinct
/// subjects needs, and a bound however many distinct subjects the input holds.
pub const DEFAULT_SUBJECT_CACHE_BYTES: usize = 64 << 20;

/// Answers are written out in blocks of about this many bytes.
const OUT_BLOCK: usize = 1 << 16;

/// What one [`Batch::run`] read and answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lines read, blank ones included.
    pub lines: usize,
    /// Lines that were not blank: each got one answer or error line.
    pub queries: usize,
    /// Queries answered with an error line.
    pub errors: usize,
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    line: usize,
    error: &'a str,
    code: &'a str,
}

/// Where a subject named by `"user": "ID"` comes from instead of an inline `subject`: a
/// ledger of what each subject did (consents, objections …), read as of `now`. Without
/// one, a `user` member is the error `lawful::batch::no_ledger`.
pub trait Users: Sync + std::fmt::Debug {
    /// The subject `user` as `policy` sees it at `now`.
    fn subject(&self, policy: &Policy, user: &str, now: Timestamp) -> Result<Subject, UserError>;
}

/// What one answered question decided: for counting and logging, without reading the
/// answer's JSON back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answered {
    /// The kind of question.
    pub kind: Kind,
    /// `allow` or `deny`; for retention the verdict (`must_keep`, `may_keep`,
    /// `must_delete`).
    pub outcome: &'static str,
    /// The reason's code (`allowed`, `consent_missing` …); for retention the note (`none`,
    /// `awaiting_event`, `no_deadline_yet`, `no_maximum`).
    pub reason: &'static str,
}

/// One line as [`Batch::run_observed`] answered it.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The question's text, as read (without its line end).
    pub question: &'a [u8],
    /// The answer or error line written for it, with its newline.
    pub answer: &'a [u8],
    /// What was decided, or the error line's code.
    pub result: Result<Answered, &'static str>,
}

/// Which kinds of question a caller answers ([`Batch::answer_one`]); a line's `kind`
/// defaults to the one expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Every kind; `kind` defaults to `disclose` when a recipient is named, else `use`.
    Any,
    /// `use`, `disclose` or `combine` (the same defaults).
    UseOrDisclose,
    /// This kind only; it is the default.
    Only(Kind),
}

impl Expect {
    /// The kind a line asks, unless this does not answer it.
    fn kind(self, line: &Line<'_>) -> Result<Kind, LineError> {
        let kind = match (line.kind, self) {
            (None, Expect::Only(kind)) => kind,
            _ => line.kind(),
        };
        let (fits, expected) = match self {
            Expect::Any => (true, "every kind of question"),
            Expect::UseOrDisclose => (
                matches!(kind, Kind::Use | Kind::Disclose | Kind::Combine),
                "`use`, `disclose` and `combine` questions",
            ),
            Expect::Only(only) => (
                kind == only,
                match only {
                    Kind::Use => "`use` questions",
                    Kind::Disclose => "`disclose` questions",
                    Kind::Transfer => "`transfer` questions",
                    Kind::Retention => "`retention` questions",
                    Kind::Combine => "`combine` questions",
                },
            ),
        };
        if fits {
            Ok(kind)
        } else {
            Err(LineError::WrongKind { kind, expected })
        }
    }
}

/// Answers JSON Lines queries about one policy. Keeps its caches (subjects, rule
/// locations) from one [`run`](Batch::run) to the next.
#[derive(Debug)]
pub struct Batch<'p> {
    policy: &'p Policy,
    now: Timestamp,
    /// Subjects by their JSON text.
    subjects: Subjects,
    /// Answers not yet written out.
    out: Vec<u8>,
    renderer: JsonRenderer<'p>,
    nobody: Subject,
    stats: Stats,
    /// Lines go through the scanner first (false: serde_json only, for the test that both
    /// paths give the same answers).
    scanner: bool,
    /// Where subjects named by `user` come from.
    users: Option<&'p dyn Users>,
}

impl<'p> Batch<'p> {
    /// `now` is the current time: timestamps after it are errors, and retention questions
    /// without their own `now` are asked at it.
    pub fn new(policy: &'p Policy, now: Timestamp) -> Self {
        Batch {
            policy,
            now,
            subjects: Subjects::default(),
            out: Vec::new(),
            renderer: JsonRenderer::new(policy),
            nobody: Subject {
                attributes: vec![None; policy.attributes.len()],
                ..Subject::new(policy)
            },
            stats: Stats::default(),
            scanner: true,
            users: None,
        }
    }

    /// Read subjects named by `"user": "ID"` from `users` (a ledger).
    pub fn with_users(mut self, users: &'p dyn Users) -> Self {
        self.users = Some(users);
        self
    }

    /// Answer one question on its own (a line's text, without its line end) into `out`:
    /// the answer line, with its newline, in the shape [`Batch::run`] writes — or the
    /// error, and nothing written. Only the kinds `expect`ed are answered.
    pub fn answer_one(
        &mut self,
        text: &[u8],
        expect: Expect,
        out: &mut Vec<u8>,
    ) -> Result<Answered, LineError> {
        std::mem::swap(&mut self.out, out);
        let answered = std::str::from_utf8(text)
            .map_err(|e| LineError::Malformed(e.to_string()))
            .and_then(|text| {
                let mut line = Line::default();
                Line::parse_into(text, &self.subjects, &mut line, self.scanner)
                    .map_err(LineError::Malformed)?;
                self.answer(&line, expect)
            });
        std::mem::swap(&mut self.out, out);
        answered
    }

    /// Bound the cache of resolved subjects to `bytes` (an estimate of each subject's text
    /// and memory; default [`DEFAULT_SUBJECT_CACHE_BYTES`]). When the next subject would
    /// pass it the cache starts afresh; a subject over the whole bound is answered and not
    /// cached. Drops what is cached.
    pub fn with_subject_cache_limit(mut self, bytes: usize) -> Self {
        self.subjects = Subjects::with_limit(bytes);
        self
    }

    /// What the cached subjects cost now, in bytes: never above the bound.
    #[doc(hidden)]
    pub fn subject_cache_bytes(&self) -> usize {
        self.subjects.bytes()
    }

    /// Read every line with serde_json alone, never the scanner: for differential tests
    /// (the fuzzer checks that both paths answer the same).
    #[doc(hidden)]
    pub fn without_scanner(mut self) -> Self {
        self.scanner = false;
        self
    }

    /// Answer every line of `input`, writing to `output` in large blocks (`output` is not
    /// flushed). Lines are numbered from 1 in each run. Only I/O fails the run; a line that
    /// cannot be answered becomes an error line.
    pub fn run(&mut self, input: impl BufRead, output: impl Write) -> io::Result<Stats> {
        self.run_observed(input, output, |_| {})
    }

    /// [`Batch::run`], telling `observe` about each line answered (its question, its
    /// answer or error line, and what was decided) before the line is written out.
    pub fn run_observed(
        &mut self,
        mut input: impl BufRead,
        mut output: impl Write,
        mut observe: impl FnMut(Observed<'_>),
    ) -> io::Result<Stats> {
        self.stats = Stats::default();
        self.out.clear();
        self.out.reserve(OUT_BLOCK + 4096);
        // A line cut by the end of the input's buffer, put together here.
        let mut carry = Vec::new();
        // The current line is over `MAX_LINE_BYTES`: skipped up to its end, never kept.
        let mut too_long = false;
        loop {
            let block = input.fill_buf()?;
            if block.is_empty() {
                if too_long {
                    self.too_long(&mut observe);
                } else if !carry.is_empty() {
                    self.line(&carry, &mut observe);
                }
                output.write_all(&self.out)?;
                self.out.clear();
                return Ok(self.stats);
            }
            let mut rest = block;
            while let Some(end) = swar::find_byte(rest, b'\n') {
                let (line, next) = rest.split_at(end);
                if too_long || carry.len().saturating_add(line.len()) > MAX_LINE_BYTES {
                    too_long = false;
                    carry.clear();
                    self.too_long(&mut observe);
                } else if carry.is_empty() {
                    self.line(line, &mut observe);
                } else {
                    carry.extend_from_slice(line);
                    self.line(&carry, &mut observe);
                    carry.clear();
                }
                rest = next.get(1..).unwrap_or_default();
                if self.out.len() >= OUT_BLOCK {
                    output.write_all(&self.out)?;
                    self.out.clear();
                }
            }
            if !too_long {
                if carry.len().saturating_add(rest.len()) > MAX_LINE_BYTES {
                    too_long = true;
                    carry = Vec::new();
                } else {
                    carry.extend_from_slice(rest);
                }
            }
            let read = block.len();
            input.consume(read);
        }
    }

    /// A line over [`MAX_LINE_BYTES`]: counted, and answered with an error line.
    fn too_long(&mut self, observe: &mut impl FnMut(Observed<'_>)) {
        self.stats.lines += 1;
        self.stats.queries += 1;
        let start = self.out.len();
        let error = LineError::TooLong {
            limit: MAX_LINE_BYTES,
        };
        self.error(None, &error);
        observe(Observed {
            question: &[],
            answer: self.out.get(start..).unwrap_or_default(),
            result: Err(error.code()),
        });
    }

    /// Count one line and answer it (blank lines are skipped).
    fn line(&mut self, line: &[u8], observe: &mut impl FnMut(Observed<'_>)) {
        self.stats.lines += 1;
        let text = line.trim_ascii();
        if !text.is_empty() {
            self.stats.queries += 1;
            let start = self.out.len();
            let result = self.query(text);
            observe(Observed {
                question: text,
                answer: self.out.get(start..).unwrap_or_default(),
                result,
            });
        }
    }

    /// Answer one query into `self.out`: an answer, or an error line (and its code).
    fn query(&mut self, text: &[u8]) -> Result<Answered, &'static str> {
        let mut line = Line::default();
        // Validating the line once lets the parser borrow strings without checking each.
        let parsed = std::str::from_utf8(text)
            .map_err(|e| e.to_string())
            .and_then(|text| Line::parse_into(text, &self.subjects, &mut line, self.scanner));
        // The error, with the id to echo when the line was read.
        let result = match parsed {
            Ok(()) => self.answer(&line, Expect::Any).map_err(|e| (line.id, e)),
            Err(e) => Err((None, LineError::Malformed(e))),
        };
        result.map_err(|(id, e)| {
            self.error(id, &e);
            e.code()
        })
    }

    fn error(&mut self, id: Option<&str>, e: &LineError) {
        self.stats.errors += 1;
        let at = self.id_prefix(id);
        let message = e.to_string();
        let line = ErrorLine {
            line: self.stats.lines,
            error: &message,
            code: e.code(),
        };
        // Writing into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut self.out, &line);
        self.join_id(id, at);
        self.out.push(b'\n');
    }

    /// `{"id":7` when the query has an id; returns where the object that follows starts.
    fn id_prefix(&mut self, id: Option<&str>) -> usize {
        if let Some(id) = id {
            self.out.extend_from_slice(b"{\"id\":");
            self.out.extend_from_slice(id.as_bytes());
        }
        self.out.len()
    }

    /// Join `{"id":7` and the object written after it at `at` into one object.
    fn join_id(&mut self, id: Option<&str>, at: usize) {
        if id.is_none() {
            return;
        }
        match self.out.get_mut(at..) {
            // `{"id":7` + `,"outcome":…}`.
            Some([open, second, ..]) if *second != b'}' => *open = b',',
            // `{"id":7` + ` }`.
            Some([open, ..]) => *open = b' ',
            _ => {}
        }
    }

    /// Append the answer to one query to `self.out`.
    fn answer(&mut self, line: &Line<'_>, expect: Expect) -> Result<Answered, LineError> {
        let kind = expect.kind(line)?;
        line.check_members(kind)?;
        let start = self.out.len();
        let at = self.id_prefix(line.id);
        let decided = |decision: &Decision| Answered {
            kind,
            outcome: if decision.allowed() { "allow" } else { "deny" },
            reason: decision.reason.code(),
        };
        let written = match kind {
            Kind::Use | Kind::Disclose | Kind::Combine => {
                self.use_or_disclose(line, kind).map(|decision| {
                    self.renderer.write_decision(&decision, &mut self.out);
                    decided(&decision)
                })
            }
            Kind::Transfer => self.transfer(line).map(|decision| {
                self.renderer.write_decision(&decision, &mut self.out);
                decided(&decision)
            }),
            Kind::Retention => self.retention(line).map(|(decision, json)| {
                // Writing into a `Vec` cannot fail.
                let _ = serde_json::to_writer(&mut self.out, &json);
                Answered {
                    kind,
                    outcome: decision.verdict.code(),
                    reason: decision.note.code(),
                }
            }),
        };
        match written {
            Ok(answered) => {
                self.join_id(line.id, at);
                self.out.push(b'\n');
                Ok(answered)
            }
            Err(e) => {
                self.out.truncate(start);
                Err(e)
            }
        }
    }

    /// `decide` with the line's subject: inline (`subject`), named (`user`, read from
    /// [`Users`]), or a subject that says nothing.
    fn subject_of<R>(
        &mut self,
        line: &Line<'_>,
        decide: impl FnOnce(&Subject) -> R,
    ) -> Result<R, LineError> {
        match (&line.user, line.subject) {
            (Some(_), Some(_)) => Err(LineError::SubjectAndUser),
            (Some(user), None) => {
                let users = self.users.ok_or(LineError::NoLedger)?;
                let subject = users
                    .subject(self.policy, user, self.now)
                    .map_err(|error| LineError::User {
                        user: user.to_string(),
                        error,
                    })?;
                Ok(decide(&subject))
            }
            (None, text) => self.with_subject(text, line.subject_id, decide),
        }
    }

    /// `decide` with the subject of `text` (resolved once, then cached; `id` is where the
    /// scanner saw it in the cache), or with a subject that says nothing.
    fn with_subject<R>(
        &mut self,
        text: Option<&str>,
        id: Option<u32>,
        decide: impl FnOnce(&Subject) -> R,
    ) -> Result<R, LineError> {
        let Some(text) = text else {
            return Ok(decide(&self.nobody));
        };
        if let Some(subject) = id.and_then(|id| self.subjects.get(id, text)) {
            return Ok(decide(subject));
        }
        let found = self.subjects.find(text);
        if let Some(subject) = found.and_then(|id| self.subjects.get(id, text)) {
            return Ok(decide(subject));
        }
        let subject =
            Subject::from_json_str(self.policy, text, self.now).map_err(LineError::Subject)?;
        let answer = decide(&subject);
        self.subjects.insert(text, subject);
        Ok(answer)
    }

    fn use_or_disclose(&mut self, line: &Line<'_>, kind: Kind) -> Result<Decision, LineError> {
        let policy = self.policy;
        let purpose = policy.purpose(required(&line.purpose, "purpose")?)?;
        let data = policy.data(required(&line.data, "data")?)?;
        let mut query = Query::new(policy, purpose, data);
        if let Some(region) = &line.region {
            query = query.in_region(policy.region(region)?);
        }
        let to_kind = match (kind, &line.recipient_kind) {
            (Kind::Disclose, Some(name)) => {
                if line.recipient.is_some() {
                    return Err(LineError::UnexpectedMember {
                        member: "recipient_kind",
                        kind,
                    });
                }
                Some(crate::eval::recipient_kind(name)?)
            }
            (Kind::Disclose, None) => {
                let recipient = policy.recipient(required(&line.recipient, "recipient")?)?;
                query = query.to_recipient(recipient);
                None
            }
            (Kind::Combine, _) => {
                query = query.combined_with(policy.data(required(&line.with, "with")?)?);
                None
            }
            _ => None,
        };
        if let Some(text) = &line.collected_at {
            query = query.collected_at(past_time("collected_at", text, self.now)?);
        }
        if let Some(names) = &line.circumstances {
            query =
                query.with_circumstances(policy.circumstances_named(names.iter().map(|n| &**n))?);
        }
        if let Some(campaign) = &line.campaign {
            query = query.for_campaign(crate::model::Campaign::new(campaign));
        }
        Ok(self.subject_of(line, |subject| match to_kind {
            Some(kind) => policy.decide_disclosure_to_kind(kind, &query, subject),
            None => policy.decide(&query, subject),
        })??)
    }

    fn transfer(&mut self, line: &Line<'_>) -> Result<Decision, LineError> {
        let policy = self.policy;
        let category = category(policy, required(&line.data, "data")?)?;
        let from = policy.region(required(&line.from, "from")?)?;
        let to = policy.region(required(&line.to, "to")?)?;
        let mut query = TransferQuery::new(policy, category, from, to);
        if let Some(names) = &line.circumstances {
            query =
                query.with_circumstances(policy.circumstances_named(names.iter().map(|n| &**n))?);
        }
        Ok(if line.subject.is_some() || line.user.is_some() {
            self.subject_of(line, |subject| policy.decide_transfer_for(subject, &query))??
        } else {
            policy.decide_transfer(&query)?
        })
    }

    fn retention(
        &mut self,
        line: &Line<'_>,
    ) -> Result<(RetentionDecision, RetentionJson), LineError> {
        let policy = self.policy;
        let category = category(policy, required(&line.data, "data")?)?;
        let purpose = line
            .purpose
            .as_deref()
            .map(|p| policy.purpose(p))
            .transpose()?;
        let region = policy.region(required(&line.region, "region")?)?;
        let now = match &line.now {
            Some(text) => time("now", text)?,
            None => self.now,
        };
        let mut events = Vec::new();
        let mut purpose_events = Vec::new();
        for (name, text) in line.events.iter().flatten() {
            let at = format!("events.{name}");
            // `purpose_completed:marketing.direct`: a `per purpose` event, for that purpose.
            let (event, for_purpose) = match policy.event_for(name) {
                Ok(found) => found,
                Err(error) => return Err(LineError::NameAt { at, error }),
            };
            let when = past_time(&at, text, now)?;
            match for_purpose {
                Some(p) => purpose_events.push((event, p, when)),
                None => events.push((event, when)),
            }
        }
        let mut query = RetentionQuery {
            purpose,
            deidentified: line.deidentified.unwrap_or(false),
            ..RetentionQuery::new(policy, category, region, now)
        }
        .with_events(&events)
        .with_purpose_events(&purpose_events);
        if let Some(text) = &line.agreed_period {
            query = query.with_agreed_period(
                crate::eval::parse_period_str("agreed_period", text).map_err(LineError::Time)?,
            );
        }
        if let Some(names) = &line.circumstances {
            query =
                query.with_circumstances(policy.circumstances_named(names.iter().map(|n| &**n))?);
        }
        let decision = policy.decide_retention(&query)?;
        Ok((decision, self.renderer.retention(&decision)))
    }
}

/// A category, or the category of a field.
fn category(policy: &Policy, name: &str) -> Result<CategoryId, LineError> {
    match policy.data(name)? {
        DataRef::Category(c) => Ok(c),
        DataRef::Field(f) => match policy.fields.get(f.index()) {
            Some(field) => Ok(field.category),
            None => Err(QueryError::ForeignId {
                kind: "field",
                id: f.0,
            }
            .into()),
        },
    }
}

/// A timestamp member (an RFC 3339 instant with an offset, or a date: [`parse_time_str`]);
/// `field` names it in errors.
fn time(field: &str, text: &str) -> Result<Timestamp, LineError> {
    parse_time_str(field, text).map_err(LineError::Time)
}

/// A timestamp that may not lie after `now` (collection times, events).
fn past_time(field: &str, text: &str, now: Timestamp) -> Result<Timestamp, LineError> {
    let at = time(field, text)?;
    if at > now {
        return Err(LineError::Time(SubjectError {
            field: field.to_owned(),
            problem: SubjectProblem::InFuture { at, now },
        }));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::io::{BufReader, Read};

    use super::*;

    fn anker() -> Policy {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/anker.lawful");
        crate::compile_file(path).unwrap().policy
    }

    fn now() -> Timestamp {
        "2025-01-01T00:00:00Z".parse().unwrap()
    }

    /// Hands out its bytes a few at a time, so that lines are cut anywhere.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.step = self.step % 97 + 1;
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// The same answers however the input is cut, and with the caches cold or warm.
    #[test]
    fn answers_do_not_depend_on_how_the_input_arrives() {
        let policy = anker();
        let mut input = Vec::new();
        sample::write(&policy, &sample::ANKER_SUBJECTS, 500, &mut input).unwrap();
        input.extend_from_slice(
            b"\r\n  \n{\"id\":\"x\",\"purpose\":\"marketing.drect\",\"data\":\"account.email\"}\r\n\
              {\"subject\":{\"region\":\"DE\"},\"purpose\":\"essential.service.site\",\"data\":\"session.ip\",\"id\":9}\n\
              not json\n\
              {\"kind\":\"transfer\",\"data\":\"user.contact.email\",\"from\":\"DE\",\"to\":\"US\"}",
        );
        let mut batch = Batch::new(&policy, now());
        let mut whole = Vec::new();
        let stats = batch.run(&input[..], &mut whole).unwrap();
        assert_eq!(
            (stats.lines, stats.queries, stats.errors),
            (506, 504, 2),
            "blank lines are counted, not answered"
        );
        let mut warm = Vec::new();
        assert_eq!(batch.run(&input[..], &mut warm).unwrap(), stats);
        assert_eq!(warm, whole);
        let trickle = Trickle {
            bytes: &input,
            step: 0,
        };
        let mut cut = Vec::new();
        let stats = Batch::new(&policy, now())
            .run(BufReader::with_capacity(40, trickle), &mut cut)
            .unwrap();
        assert_eq!(stats.queries, 504);
        assert_eq!(
            String::from_utf8(cut).unwrap(),
            String::from_utf8(whole).unwrap()
        );
    }

    /// Hostile lines for [`the_scanner_and_serde_json_give_the_same_answers`]: `{Q}` is a
    /// valid use question's members, `{S}` a valid subject.
    const HOSTILE: &[&str] = &[
        // Valid, for contrast.
        r#"{Q}"#,
        r#"{Q,"subject":{S}}"#,
        r#"{Q,"subject":{S},"collected_at":"2024-06-01T12:00:00+02:00"}"#,
        // Duplicates: members, subject keys at every depth, events.
        r#"{Q,"purpose":"essential.service.site"}"#,
        r#"{"id":1,"id":2,Q}"#,
        r#"{Q,"subject":{S},"subject":{S}}"#,
        r#"{Q,"subject":{"age":10,"age":34}}"#,
        r#"{Q,"subject":{"region":"DE","region":"DE"}}"#,
        r#"{Q,"subject":{"ag\u0065":10,"age":34}}"#,
        r#"{Q,"subject":{"consents":[{"purpose":"essential","purpose":"essential"}]}}"#,
        r#"{Q,"subject":{"consents":[{"purpose":"essential"},{"purpose":"essential","given_at":"2024-01-01","given_at":"2024-01-01"}]}}"#,
        r#"{Q,"subject":{"attributes":{"x":1,"x":2}}}"#,
        r#"{Q,"subject":{"attributes":{"x":{"y":1,"y":2}}}}"#,
        r#"{"kind":"retention","data":"account.email","region":"DE","events":{"limitation_period_end":"2024-01-01","limitation_period_end":"2024-02-01"}}"#,
        // Not objects.
        r#"["use",null,"essential.service.site","session.ip","DE"]"#,
        r#"[{Q}]"#,
        r#"[]"#,
        r#""use""#,
        "42",
        "null",
        "true",
        // Timestamps.
        r#"{Q,"collected_at":"2024-06-01T12:00:00"}"#,
        r#"{Q,"collected_at":"2024-06-01 12:00:00"}"#,
        r#"{Q,"collected_at":"2024-06-01T00:00:00[Mars/Olympus]"}"#,
        r#"{Q,"collected_at":"2024-06-01T00:00Z"}"#,
        r#"{Q,"collected_at":"2031-01-01"}"#,
        r#"{"kind":"retention","data":"account.email","region":"DE","now":"2024-06-01T12:00:00"}"#,
        r#"{"kind":"retention","data":"account.email","region":"DE","events":{"limitation_period_end":"2024-06-01T12:00:00"}}"#,
        r#"{Q,"subject":{"consents":[{"purpose":"essential","given_at":"2024-06-01T12:00:00"}]}}"#,
        r#"{Q,"subject":{"consents":[{"purpose":"essential","given_at":"2024-05-01","withdrawn_at":"2024-02-01"}]}}"#,
        // Wrong types.
        r#"{"purpose":1,"data":"session.ip"}"#,
        r#"{Q,"region":["DE"]}"#,
        r#"{Q,"kind":7}"#,
        r#"{Q,"subject":"DE"}"#,
        r#"{Q,"subject":17}"#,
        r#"{Q,"subject":[{S}]}"#,
        r#"{Q,"subject":{"age":"34"}}"#,
        r#"{Q,"subject":{"consents":{"purpose":"essential"}}}"#,
        r#"{Q,"collected_at":20240101}"#,
        r#"{"kind":"retention","data":"account.email","region":"DE","events":[]}"#,
        r#"{"kind":"retention","data":"account.email","region":"DE","events":{"limitation_period_end":1}}"#,
        // Unknown names and members.
        r#"{Q,"purpse":"x"}"#,
        r#"{"purpose":"essential.service.sit","data":"session.ip","region":"DE"}"#,
        r#"{Q,"kind":"usage"}"#,
        r#"{Q,"subject":{"regoin":"DE"}}"#,
        r#"{Q,"subject":{"region":"Mars"}}"#,
        r#"{Q,"to":"US"}"#,
        r#"{Q,"user":"u-1"}"#,
        r#"{Q,"user":7}"#,
        r#"{Q,"user":"u-1","subject":{S}}"#,
        // Trailing garbage, broken JSON, broken subjects behind valid members.
        r#"{Q} x"#,
        r#"{Q}}"#,
        r#"{Q,}"#,
        r#"{Q"#,
        r#"{Q,"subject":{S}x}"#,
        r#"{Q,"subject":tru}"#,
        r#"{"purpose":"nope","data":"session.ip","subject":tru}"#,
        r#"{"purpose":"nope","data":"session.ip","subject":{"a":1,}}"#,
        r#"{"purpose":"nope","data":"session.ip","subject":{"a":"\x"}}"#,
        r#"{"purpose":"nope","data":"session.ip","subject":{"a" 1}}"#,
        r#"{"purpose":"nope","data":"session.ip","subject":{"a":[1}]}"#,
        r#"{"purpose":"nope","data":"session.ip","subject":{"region":"DE"}  ,"id":{"a":1,}}"#,
        r#"{"purpose":"nope","data":"session.ip","id":01}"#,
        "{Q,\"subject\":{\"a\":\"\u{1}\"}}",
        "not json",
        "{\"purpose\":\"\u{0}\"}",
    ];

    /// Every hostile line gets the same answer — the same error code and message — from
    /// the scanner's path and from serde_json's, with the subject cache cold and warm.
    #[test]
    fn the_scanner_and_serde_json_give_the_same_answers() {
        let policy = anker();
        let question = r#""purpose":"essential.service.site","data":"session.ip","region":"DE""#;
        let subject = r#"{"region":"DE","age":34,"consents":[{"purpose":"essential","given_at":"2024-01-01"}]}"#;
        let nested = |depth: usize| {
            format!(
                r#"{{{question},"subject":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        let mut lines: Vec<String> = HOSTILE
            .iter()
            .map(|l| {
                l.replace("{Q", &format!("{{{question}"))
                    .replace("{S}", subject)
            })
            .collect();
        lines.extend([126, 127, 128, 129, 5000].map(nested));
        let mut scanned = 0;
        for text in &lines {
            let answer = |scanner: bool, warm: bool| {
                let mut batch = Batch::new(&policy, now());
                batch.scanner = scanner;
                if warm {
                    // Cache the valid subject, so the scanner recognises it by its bytes.
                    let prime = format!("{{{question},\"subject\":{subject}}}\n");
                    batch.run(prime.as_bytes(), &mut Vec::new()).unwrap();
                }
                let mut out = Vec::new();
                batch.run(text.as_bytes(), &mut out).unwrap();
                String::from_utf8(out).unwrap()
            };
            for warm in [false, true] {
                let fast = answer(true, warm);
                let slow = answer(false, warm);
                assert_eq!(fast, slow, "{text} (cache warm: {warm})");
                assert_eq!(fast.lines().count(), 1, "{text}");
            }
            scanned += usize::from(line::scan_only(text, &Subjects::default()));
        }
        // The fast path was taken where it can be.
        assert!(scanned >= 20, "{scanned} lines scanned");
        // The hostile ones are errors with a code.
        let errors: Vec<String> = lines
            .iter()
            .skip(3)
            .map(|line| {
                let mut out = Vec::new();
                Batch::new(&policy, now())
                    .run(line.as_bytes(), &mut out)
                    .unwrap();
                String::from_utf8(out).unwrap()
            })
            .filter(|out| !out.contains("\"code\":\"lawful::"))
            .collect();
        assert!(errors.is_empty(), "answered instead of refused: {errors:?}");
    }

    /// A ledger of one user, for the `user` member.
    #[derive(Debug)]
    struct OneUser;

    impl Users for OneUser {
        fn subject(
            &self,
            policy: &Policy,
            user: &str,
            now: Timestamp,
        ) -> Result<Subject, UserError> {
            if user == "u-1" {
                Ok(Subject::from_json_str(policy, r#"{"region":"DE","age":30}"#, now).unwrap())
            } else {
                Err(UserError {
                    message: format!("no user `{user}` in the ledger"),
                    code: "lawful::ledger::unknown_user",
                })
            }
        }
    }

    #[test]
    fn a_user_member_asks_the_source_of_subjects_or_is_refused_without_one() {
        let policy = anker();
        let q = r#""purpose":"essential.service.site","data":"session.ip","region":"DE""#;
        let ask = |batch: &mut Batch<'_>, line: &str| {
            let mut out = Vec::new();
            batch
                .answer_one(line.as_bytes(), Expect::Any, &mut out)
                .map(|_| String::from_utf8(out).unwrap())
                .map_err(|e| e.code())
        };
        let mut without = Batch::new(&policy, now());
        assert_eq!(
            ask(&mut without, &format!(r#"{{{q},"user":"u-1"}}"#)),
            Err("lawful::batch::no_ledger")
        );
        let users = OneUser;
        let mut with = Batch::new(&policy, now()).with_users(&users);
        let inline = ask(
            &mut with,
            &format!(r#"{{{q},"subject":{{"region":"DE","age":30}}}}"#),
        );
        let named = ask(&mut with, &format!(r#"{{{q},"user":"u-1"}}"#));
        assert!(named.as_ref().unwrap().starts_with(r#"{"outcome":"allow""#));
        assert_eq!(named, inline, "the same subject, named or inline");
        assert_eq!(
            ask(&mut with, &format!(r#"{{{q},"user":"u-2"}}"#)),
            Err("lawful::ledger::unknown_user")
        );
        assert_eq!(
            ask(
                &mut with,
                &format!(r#"{{{q},"user":"u-1","subject":{{}}}}"#)
            ),
            Err("lawful::batch::subject_and_user")
        );
        // `user` means nothing to a retention question.
        assert_eq!(
            ask(
                &mut with,
                r#"{"kind":"retention","data":"account.email","region":"DE","user":"u-1"}"#
            ),
            Err("lawful::batch::unexpected_member")
        );
    }

    #[test]
    fn answer_one_answers_only_the_kinds_expected_and_defaults_to_them() {
        let policy = anker();
        let mut batch = Batch::new(&policy, now());
        let transfer = br#"{"data":"user.contact.email","from":"DE","to":"US"}"#;
        let mut out = Vec::new();
        let answered = batch
            .answer_one(transfer, Expect::Only(Kind::Transfer), &mut out)
            .unwrap();
        assert_eq!(answered.kind, Kind::Transfer);
        assert_eq!((answered.outcome, answered.reason), ("allow", "allowed"));
        assert!(out.ends_with(b"}\n"));
        // The same line, sent where use questions are answered: `from` is not a use member.
        let mut none = Vec::new();
        let e = batch
            .answer_one(transfer, Expect::UseOrDisclose, &mut none)
            .unwrap_err();
        assert_eq!(e.code(), "lawful::batch::unexpected_member");
        assert!(none.is_empty());
        let e = batch
            .answer_one(
                br#"{"kind":"transfer","data":"user.contact.email","from":"DE","to":"US"}"#,
                Expect::UseOrDisclose,
                &mut none,
            )
            .unwrap_err();
        assert_eq!(e.code(), "lawful::batch::wrong_kind");
        assert_eq!(
            e.to_string(),
            "a `transfer` question is not asked here: this answers `use`, `disclose` and `combine` questions"
        );
        let retention = batch
            .answer_one(
                br#"{"data":"account.email","region":"DE"}"#,
                Expect::Only(Kind::Retention),
                &mut none,
            )
            .unwrap();
        assert_eq!(retention.outcome, "must_keep");
        // One question answered alone is the line a batch writes for it.
        let line =
            br#"{"id":7,"purpose":"essential.service.site","data":"session.ip","region":"DE"}"#;
        let mut alone = Vec::new();
        batch.answer_one(line, Expect::Any, &mut alone).unwrap();
        let mut streamed = Vec::new();
        Batch::new(&policy, now())
            .run(&line[..], &mut streamed)
            .unwrap();
        assert_eq!(alone, streamed);
    }

    #[test]
    fn run_observed_sees_every_line_with_its_answer() {
        let policy = anker();
        let input = b"{\"purpose\":\"essential.service.site\",\"data\":\"session.ip\",\"region\":\"DE\"}\n\nnot json\n";
        let mut seen = Vec::new();
        let mut out = Vec::new();
        Batch::new(&policy, now())
            .run_observed(&input[..], &mut out, |o| {
                seen.push((
                    String::from_utf8(o.question.to_vec()).unwrap(),
                    String::from_utf8(o.answer.to_vec()).unwrap(),
                    o.result.map(|a| a.outcome),
                ));
            })
            .unwrap();
        assert_eq!(seen.len(), 2, "blank lines are not questions");
        assert_eq!(seen[0].2, Ok("allow"));
        assert_eq!(
            seen[1],
            (
                "not json".to_owned(),
                seen[1].1.clone(),
                Err("lawful::batch::json")
            )
        );
        let joined: String = seen.iter().map(|s| s.1.as_str()).collect();
        assert_eq!(joined, String::from_utf8(out).unwrap());
    }

    #[test]
    fn error_lines_name_the_line_and_echo_the_id() {
        let policy = anker();
        let input = b"\n{\"id\":[1,2],\"purpose\":\"marketing.drect\",\"data\":\"account.email\"}\n\
                      {\"id\":3,\"kind\":\"transfer\",\"data\":\"user.contact.email\"}\n\
                      {\"id\":4,\"purpose\":\"p\"\n\
                      {\"id\":5,\"kind\":\"use\",\"to\":\"US\"}\n\
                      {\"id\":6,\"purpose\":\"essential.service.site\",\"data\":\"session.ip\",\"subject\":{\"region\":\"DE\",\"age\":-1}}\n";
        let mut out = Vec::new();
        let stats = Batch::new(&policy, now())
            .run(&input[..], &mut out)
            .unwrap();
        assert_eq!((stats.lines, stats.queries, stats.errors), (6, 5, 5));
        let lines: Vec<serde_json::Value> = out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        let summary: Vec<(String, u64, &str)> = lines
            .iter()
            .map(|l| {
                (
                    l["id"].to_string(),
                    l["line"].as_u64().unwrap(),
                    l["code"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("[1,2]".to_owned(), 2, "lawful::eval::unknown_purpose"),
                ("3".to_owned(), 3, "lawful::batch::missing_member"),
                ("null".to_owned(), 4, "lawful::batch::json"),
                ("5".to_owned(), 5, "lawful::batch::unexpected_member"),
                ("6".to_owned(), 6, "lawful::subject::age_out_of_range"),
            ]
        );
        assert_eq!(lines[1]["error"], "missing `from`");
        assert_eq!(lines[3]["error"], "`to` does not apply to a `use` query");
        assert!(lines[4]["error"]
            .as_str()
            .unwrap()
            .starts_with("subject.age: "));
    }
}
