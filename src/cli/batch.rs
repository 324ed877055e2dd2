//! `lawful batch`: JSON Lines queries in, one JSON answer per line out.
//!
//! Built for throughput (≥ 1 million decisions per second on one core): each line is
//! scanned without copying its strings ([`super::jsonl`]), names are looked up in the
//! policy's indexes (FxHash), subjects are resolved once and cached by their JSON text, the
//! decision takes the prepared path,
//! and the answer is written by [`JsonRenderer::write_decision`] into one output buffer
//! that is flushed in large blocks — no allocation per line once the caches are warm. A bad
//! line becomes an error line; the stream goes on.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;

use jiff::Timestamp;
use lawful::eval::{Decision, JsonRenderer, Query, RetentionQuery, SubjectError};
use lawful::model::NameHasher;
use lawful::{Policy, Subject};
use serde::Serialize;

use super::common::{self, CliError};
use super::exit;
use super::jsonl::{required, Kind, Line};

#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// The policy file.
    pub policy: PathBuf,
    /// The JSON Lines queries; `-` (the default) reads standard input.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub input: PathBuf,
    /// The current time, for checking timestamps and for retention (default: now).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

/// Answers are written out in blocks of about this many bytes.
const OUT_BLOCK: usize = 1 << 16;

/// Entries a cache keeps at most (then it starts afresh): bounds memory on endless input.
const CACHE_LIMIT: usize = 1 << 16;

/// The subject cache hashes with the policy's name hasher (FxHash): fast on short keys,
/// not resistant to hash flooding, which is fine for the operator's own input.
type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<NameHasher>>;

pub fn run(args: &BatchArgs) -> u8 {
    let policy = match common::load_policy(&args.policy) {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    let now = match common::now(args.now.as_deref()) {
        Ok(now) => now,
        Err(e) => return e.report(),
    };
    let input: Box<dyn Read> = if args.input.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(&args.input) {
            Ok(file) => Box::new(file),
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", args.input.display());
                return exit::USAGE;
            }
        }
    };
    let mut out = std::io::stdout().lock();
    let mut batch = Batch::new(&policy, now);
    let result = batch.run(BufReader::with_capacity(1 << 16, input), &mut out);
    if let Err(e) = result.and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is not worth a message.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: {e}");
        }
        return exit::USAGE;
    }
    if batch.errors > 0 {
        eprintln!("{} of {} queries had errors", batch.errors, batch.queries);
        exit::FAILED
    } else {
        exit::OK
    }
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    line: usize,
    error: &'a str,
    code: &'a str,
}

struct Batch<'p> {
    policy: &'p Policy,
    now: Timestamp,
    /// Subjects by their JSON text.
    subjects: FxMap<Box<str>, Subject>,
    /// Answers not yet written out.
    out: Vec<u8>,
    renderer: JsonRenderer<'p>,
    nobody: Subject,
    lines: usize,
    queries: usize,
    errors: usize,
}

impl<'p> Batch<'p> {
    fn new(policy: &'p Policy, now: Timestamp) -> Self {
        Batch {
            policy,
            now,
            subjects: FxMap::default(),
            out: Vec::with_capacity(OUT_BLOCK + 4096),
            renderer: JsonRenderer::new(policy),
            nobody: Subject {
                attributes: vec![None; policy.attributes.len()],
                ..Subject::default()
            },
            lines: 0,
            queries: 0,
            errors: 0,
        }
    }

    /// Answer every line of `input`, writing to `output` in large blocks.
    fn run(&mut self, mut input: impl BufRead, output: &mut impl Write) -> std::io::Result<()> {
        let mut buffer = Vec::with_capacity(4096);
        loop {
            buffer.clear();
            if input.read_until(b'\n', &mut buffer)? == 0 {
                return output.write_all(&self.out);
            }
            self.lines += 1;
            let text = buffer.trim_ascii();
            if !text.is_empty() {
                self.queries += 1;
                self.line(text);
            }
            if self.out.len() >= OUT_BLOCK {
                output.write_all(&self.out)?;
                self.out.clear();
            }
        }
    }

    /// Answer one line into `self.out`: an answer, or an error line.
    fn line(&mut self, text: &[u8]) {
        // Validating the line once lets the parser borrow strings without checking each.
        let parsed = std::str::from_utf8(text)
            .map_err(|e| e.to_string())
            .and_then(Line::parse);
        let result = match &parsed {
            Ok(line) => self.answer(line),
            Err(e) => Err(CliError::new(
                "lawful::batch::json",
                format!("malformed query: {e}"),
            )),
        };
        if let Err(e) = result {
            let id = parsed.as_ref().ok().and_then(|line| line.id);
            self.error(id, &e);
        }
    }

    fn error(&mut self, id: Option<&str>, e: &CliError) {
        self.errors += 1;
        let at = self.id_prefix(id);
        let line = ErrorLine {
            line: self.lines,
            error: &e.message,
            code: e.code,
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
    fn answer(&mut self, line: &Line<'_>) -> Result<(), CliError> {
        let kind = line.kind();
        line.check_members(kind)?;
        let start = self.out.len();
        let at = self.id_prefix(line.id);
        let written = match kind {
            Kind::Use | Kind::Disclose => self.use_or_disclose(line, kind).map(|decision| {
                self.renderer.write_decision(&decision, &mut self.out);
            }),
            Kind::Transfer => self.transfer(line).map(|decision| {
                self.renderer.write_decision(&decision, &mut self.out);
            }),
            Kind::Retention => self.retention(line).map(|json| {
                // Writing into a `Vec` cannot fail.
                let _ = serde_json::to_writer(&mut self.out, &json);
            }),
        };
        if let Err(e) = written {
            self.out.truncate(start);
            return Err(e);
        }
        self.join_id(line.id, at);
        self.out.push(b'\n');
        Ok(())
    }

    fn subject(&mut self, text: Option<&str>) -> Result<&Subject, CliError> {
        let Some(text) = text else {
            return Ok(&self.nobody);
        };
        if !self.subjects.contains_key(text) {
            let subject =
                Subject::from_json_str(self.policy, text, self.now).map_err(subject_error)?;
            if self.subjects.len() >= CACHE_LIMIT {
                self.subjects.clear();
            }
            self.subjects.insert(text.into(), subject);
        }
        self.subjects.get(text).ok_or_else(|| {
            CliError::new("lawful::batch::internal", "the subject cache lost an entry")
        })
    }

    fn use_or_disclose(&mut self, line: &Line<'_>, kind: Kind) -> Result<Decision, CliError> {
        let policy = self.policy;
        let purpose = policy.purpose(required(&line.purpose, "purpose")?)?;
        let data = policy.data(required(&line.data, "data")?)?;
        let mut query = Query::new(purpose, data);
        if let Some(region) = &line.region {
            query = query.in_region(policy.region(region)?);
        }
        if kind == Kind::Disclose {
            query = query.to_recipient(policy.recipient(required(&line.recipient, "recipient")?)?);
        }
        if let Some(text) = &line.collected_at {
            query = query.collected_at(common::past_time("collected_at", text, self.now)?);
        }
        let subject = self.subject(line.subject)?;
        Ok(policy.decide(&query, subject)?)
    }

    fn transfer(&mut self, line: &Line<'_>) -> Result<Decision, CliError> {
        let policy = self.policy;
        let category = super::transfer::category(policy, required(&line.data, "data")?)?;
        let from = policy.region(required(&line.from, "from")?)?;
        let to = policy.region(required(&line.to, "to")?)?;
        Ok(match line.subject {
            Some(raw) => {
                let subject = self.subject(Some(raw))?;
                policy.decide_transfer_for(subject, category, from, to)?
            }
            None => policy.decide_transfer(category, from, to)?,
        })
    }

    fn retention(&mut self, line: &Line<'_>) -> Result<lawful::eval::RetentionJson, CliError> {
        let policy = self.policy;
        let category = super::transfer::category(policy, required(&line.data, "data")?)?;
        let purpose = line
            .purpose
            .as_deref()
            .map(|p| policy.purpose(p))
            .transpose()?;
        let region = policy.region(required(&line.region, "region")?)?;
        let now = match &line.now {
            Some(text) => common::flag_time("now", text)?,
            None => self.now,
        };
        let mut events = Vec::new();
        for (name, time) in line.events.iter().flatten() {
            let field = format!("events.{name}");
            let event = policy.event(name).map_err(|e| CliError::at(&field, e))?;
            events.push((event, common::past_time(&field, time, now)?));
        }
        let query = RetentionQuery {
            category,
            purpose,
            region,
            events: &events,
            now,
        };
        let decision = policy.decide_retention(&query)?;
        Ok(self.renderer.retention(&decision))
    }
}

fn subject_error(e: SubjectError) -> CliError {
    let message = if e.field.is_empty() {
        format!("subject: {}", e.problem)
    } else {
        format!("subject.{}: {}", e.field, e.problem)
    };
    CliError::new(e.code(), message)
}
