//! `lawful ledger`: record subject events and read them back — the subject document, the
//! proof behind a consent answer, the export for an access request, erasure, and the
//! consents a policy change makes stale. The ledger itself is [`lawful::ledger`].
//!
//! `--ledger` takes a SQLite file path (created when missing) or a `postgres://` URL.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use lawful::ledger::{Event, Ledger, LedgerError, StoredEvent};
use lawful::load::LoadOptions;
use lawful::Policy;
use serde::Serialize;

use super::common::{self, CliError};
use super::output::{self, errln, Out};
use super::write::write_atomic;
use super::{exit, Format};

impl From<LedgerError> for CliError {
    fn from(e: LedgerError) -> Self {
        CliError::new(e.code(), e.to_string())
    }
}

/// The longest event line read; a longer one is an error line, skipped to its end.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

#[derive(Debug, clap::Args)]
pub struct LedgerArgs {
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Location {
    /// The ledger: a SQLite file (created when missing) or a `postgres://` URL.
    #[arg(long, visible_alias = "db", value_name = "PATH|URL")]
    pub ledger: String,
}

#[derive(Debug, clap::Subcommand)]
enum LedgerCommand {
    /// Record JSON Lines events, one per line (`{"subject": "u42", "type": "consent_given",
    /// "purpose": "…", "at": "2024-05-01T00:00:00Z", "source": "signup-form", "key":
    /// "req-881"}`), each validated against the policy; each line is answered with `{"ok":
    /// true, "seq": N}` or an error line, and a bad line records nothing. Exit 0 when every
    /// line was recorded, 1 when any failed.
    Record {
        #[command(flatten)]
        location: Location,
        /// The policy the events are validated against (its hash is recorded with them).
        #[arg(long, value_name = "POLICY")]
        policy: PathBuf,
        /// The events; `-` (the default) reads standard input.
        #[arg(
            long,
            value_name = "FILE",
            default_value = "-",
            conflicts_with = "events"
        )]
        input: PathBuf,
        /// Record this event (one JSON object) instead of reading `--input`; repeatable,
        /// answered like input lines: `--event '{"subject": "u42", "type": "gpc_signal"}'`.
        #[arg(long = "event", value_name = "JSON")]
        events: Vec<String>,
        /// The time of recording (default: now): no event may lie after it.
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
    },
    /// The subject as of now (or `--as-of`): the JSON document `--subject` accepts.
    Show {
        #[command(flatten)]
        location: Location,
        subject: String,
        /// Also check the document against this policy (an error if it does not fit).
        #[arg(long, value_name = "POLICY")]
        policy: Option<PathBuf>,
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
    },
    /// The records that make the answer about consent to a purpose what it is: when, how,
    /// under which policy version.
    Proof {
        #[command(flatten)]
        location: Location,
        subject: String,
        #[arg(long, value_name = "POLICY")]
        policy: PathBuf,
        #[arg(long, value_name = "PURPOSE")]
        purpose: String,
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Everything recorded about a subject, as JSON, with consent receipts (ISO/IEC TS
    /// 27560 shape): for an access or portability request.
    Export {
        #[command(flatten)]
        location: Location,
        subject: String,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Erase a subject's declared facts (region, age, kind, attributes), keeping the
    /// consent and rights records the law requires as proof (see docs/ledger.md).
    Erase {
        #[command(flatten)]
        location: Location,
        subject: String,
    },
    /// The consents in force that were given under another policy version and whose
    /// purpose the new policy widened (by `lawful diff`): whom to ask again. Exit 0 when
    /// none, 4 when some.
    Stale {
        #[command(flatten)]
        location: Location,
        #[arg(long, value_name = "POLICY")]
        old: PathBuf,
        #[arg(long, value_name = "POLICY")]
        new: PathBuf,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

pub fn run(args: &LedgerArgs, load: &LoadOptions) -> u8 {
    let result = match &args.command {
        LedgerCommand::Record {
            location,
            policy,
            input,
            events,
            now,
        } => return record(location, policy, input, events, now.as_deref(), load),
        LedgerCommand::Show {
            location,
            subject,
            policy,
            as_of,
        } => show(location, subject, policy.as_deref(), as_of.as_deref(), load),
        LedgerCommand::Proof {
            location,
            subject,
            policy,
            purpose,
            as_of,
            format,
        } => proof(
            location,
            subject,
            policy,
            purpose,
            as_of.as_deref(),
            *format,
            load,
        ),
        LedgerCommand::Export {
            location,
            subject,
            out,
        } => export(location, subject, out.as_deref()),
        LedgerCommand::Erase { location, subject } => erase(location, subject),
        LedgerCommand::Stale {
            location,
            old,
            new,
            format,
        } => stale(location, old, new, *format, load),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Error(e)) => e.report(),
        Err(Failure::Code(code)) => code,
    }
}

/// How a subcommand failed: an error to report (exit 1), or an exit code already reported.
enum Failure {
    Error(CliError),
    Code(u8),
}

impl<E: Into<CliError>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Error(e.into())
    }
}

fn policy(path: &Path, load: &LoadOptions) -> Result<Policy, Failure> {
    common::load_policy(path, load).map_err(Failure::Code)
}

fn open(location: &Location) -> Result<Ledger, CliError> {
    Ok(Ledger::open(&location.ledger)?)
}

fn as_of(text: Option<&str>) -> Result<Option<Timestamp>, CliError> {
    text.map(|t| common::flag_time(&format!("`--as-of {t}`"), t))
        .transpose()
}

fn pretty(value: &impl Serialize) -> Result<String, CliError> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|e| CliError::new("lawful::cli::serialise", format!("cannot serialise: {e}")))
}

#[derive(Serialize)]
struct Ok {
    ok: bool,
    seq: i64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    duplicate: bool,
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    ok: bool,
    line: usize,
    error: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

fn record(
    location: &Location,
    policy_path: &Path,
    input: &Path,
    events: &[String],
    now: Option<&str>,
    load: &LoadOptions,
) -> u8 {
    let policy = match common::load_policy(policy_path, load) {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    let fixed_now = match now.map(|t| common::flag_time(&format!("`--now {t}`"), t)) {
        Some(Err(e)) => return e.report(),
        Some(Ok(t)) => Some(t),
        None => None,
    };
    let ledger = match open(location) {
        Ok(ledger) => ledger,
        Err(e) => return e.report(),
    };
    // One line per event (a raw line break cannot sit inside a JSON string, so it is
    // whitespace and may become a space).
    let inline: Vec<String> = events
        .iter()
        .map(|e| e.replace(['\n', '\r'], " "))
        .collect();
    let inline = inline.join("\n");
    let input: Box<dyn Read> = if !events.is_empty() {
        Box::new(std::io::Cursor::new(inline.into_bytes()))
    } else if input.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match super::batch::open_input(input) {
            Ok(file) => Box::new(file),
            Err(e) => {
                errln!("error: cannot read `{}`: {e}", input.display());
                return exit::USAGE;
            }
        }
    };
    let mut out = match Out::open() {
        Ok(out) => out,
        Err(e) => return output::failed(&e),
    };
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let (mut lines, mut failed) = (0usize, 0usize);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_EVENT_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf);
        match read {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                errln!("error: cannot read the events: {e}");
                return exit::USAGE;
            }
        }
        let too_long = buf.len() > MAX_EVENT_BYTES && buf.last() != Some(&b'\n');
        if too_long {
            // Skip the rest of the line without keeping it.
            let mut rest = Vec::new();
            loop {
                rest.clear();
                match (&mut reader).take(1 << 16).read_until(b'\n', &mut rest) {
                    Ok(0) => break,
                    Ok(_) if rest.last() == Some(&b'\n') => break,
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }
        let text = String::from_utf8_lossy(&buf);
        if text.trim().is_empty() && !too_long {
            continue;
        }
        lines += 1;
        let result = if too_long {
            Err((
                CliError::new(
                    "lawful::ledger::line_too_long",
                    format!("the line is longer than {MAX_EVENT_BYTES} bytes"),
                ),
                None,
            ))
        } else {
            record_line(&ledger, &policy, text.trim(), fixed_now)
        };
        let answer = match result {
            Ok(recorded) => common::json_line(&Ok {
                ok: true,
                seq: recorded.seq,
                duplicate: recorded.duplicate,
            }),
            Err((e, field)) => {
                failed += 1;
                common::json_line(&ErrorLine {
                    ok: false,
                    line: lines,
                    error: &e.message,
                    code: e.code,
                    field: field.as_deref(),
                })
            }
        };
        let written = match answer {
            Ok(text) => out.text(&text).and_then(|()| out.writer().flush()),
            Err(e) => return e.report(),
        };
        // An answer is written only once its event is committed: an acknowledged event
        // survives a crash of this process.
        if let Err(e) = written {
            return output::failed(&e);
        }
    }
    if let Err(e) = out.finish() {
        return output::failed(&e);
    }
    if failed > 0 {
        errln!("{failed} of {lines} events were not recorded");
        exit::FAILED
    } else {
        exit::OK
    }
}

fn record_line(
    ledger: &Ledger,
    policy: &Policy,
    text: &str,
    fixed_now: Option<Timestamp>,
) -> Result<lawful::ledger::Recorded, (CliError, Option<String>)> {
    let now = fixed_now.unwrap_or_else(Timestamp::now);
    let fail = |e: LedgerError| {
        let field = e.field().filter(|f| !f.is_empty()).map(str::to_owned);
        (CliError::from(e), field)
    };
    let event = Event::from_json_str(policy, text, now).map_err(fail)?;
    let recorded = ledger
        .record_at(policy, std::slice::from_ref(&event), now)
        .map_err(fail)?;
    recorded.into_iter().next().ok_or_else(|| {
        (
            CliError::new("lawful::ledger::storage", "the ledger recorded nothing"),
            None,
        )
    })
}

fn show(
    location: &Location,
    subject: &str,
    policy_path: Option<&Path>,
    as_of_text: Option<&str>,
    load: &LoadOptions,
) -> Result<u8, Failure> {
    let policy = policy_path.map(|p| policy(p, load)).transpose()?;
    let at = as_of(as_of_text)?.unwrap_or_else(Timestamp::now);
    let ledger = open(location)?;
    let document = ledger.document(subject, Some(at))?;
    if let Some(policy) = &policy {
        ledger.materialize(policy, subject, Some(at))?;
    }
    Ok(common::answer(&pretty(&document)?, exit::OK))
}

#[allow(clippy::too_many_arguments)]
fn proof(
    location: &Location,
    subject: &str,
    policy_path: &Path,
    purpose: &str,
    as_of_text: Option<&str>,
    format: Format,
    load: &LoadOptions,
) -> Result<u8, Failure> {
    let policy = policy(policy_path, load)?;
    let at = as_of(as_of_text)?;
    let ledger = open(location)?;
    let proof = ledger.proof(&policy, subject, purpose, at)?;
    let text = match format {
        Format::Json => pretty(&proof)?,
        Format::Human => {
            let mut text = format!(
                "consent of `{}` to `{}` as of {}: {}{}\n",
                proof.subject,
                proof.purpose,
                proof.as_of,
                proof.consent,
                proof
                    .in_force
                    .map_or_else(String::new, |seq| format!(" (event #{seq})")),
            );
            if proof.objected {
                text.push_str("  an objection is in force\n");
            }
            for record in &proof.records {
                text.push_str(&human_record(record));
            }
            text
        }
    };
    Ok(common::answer(&text, exit::OK))
}

/// `  #3 2024-05-01T00:00:00Z consent_given marketing via signup-form (proof form-7) under policy 2025-01 sha256:…`
fn human_record(record: &StoredEvent) -> String {
    let e = &record.event;
    let mut line = format!("  #{} {} {}", record.seq, e.at, e.change.type_name());
    if let Some(purpose) = e.change.purpose() {
        line.push_str(&format!(" {purpose}"));
    }
    if let lawful::ledger::Change::ConsentGiven {
        recipient: Some(recipient),
        ..
    }
    | lawful::ledger::Change::ConsentWithdrawn {
        recipient: Some(recipient),
        ..
    } = &e.change
    {
        line.push_str(&format!(" to recipient {recipient}"));
    }
    if let lawful::ledger::Change::ConsentGiven {
        transfer_to: Some(to),
        ..
    }
    | lawful::ledger::Change::ConsentWithdrawn {
        transfer_to: Some(to),
        ..
    } = &e.change
    {
        line.push_str(&format!(" to a transfer to {to}"));
    }
    if let Some(source) = &e.source {
        line.push_str(&format!(" via {source}"));
    }
    if let Some(proof) = &e.proof {
        line.push_str(&format!(" (proof {proof})"));
    }
    let version = record
        .policy_version
        .as_deref()
        .map_or_else(String::new, |v| format!("{v} "));
    line.push_str(&format!(
        " under policy {version}{}, recorded {}\n",
        record.policy_hash, record.recorded_at
    ));
    line
}

fn export(location: &Location, subject: &str, out: Option<&Path>) -> Result<u8, Failure> {
    let ledger = open(location)?;
    let text = pretty(&ledger.export(subject)?)?;
    match out {
        Some(path) => {
            write_atomic(path, text.as_bytes(), &[]).map_err(|e| {
                CliError::new(
                    "lawful::cli::io",
                    format!("cannot write `{}`: {e}", path.display()),
                )
            })?;
            Ok(exit::OK)
        }
        None => Ok(common::answer(&text, exit::OK)),
    }
}

fn erase(location: &Location, subject: &str) -> Result<u8, Failure> {
    let ledger = open(location)?;
    let blanked = ledger.erase(subject)?;
    let text = common::json_line(&serde_json::json!({
        "subject": subject,
        "facts_erased": blanked,
    }))?;
    Ok(common::answer(&text, exit::OK))
}

#[derive(Serialize)]
struct StaleConsent<'a> {
    subject: &'a str,
    seq: i64,
    purpose: &'a str,
    given_at: Timestamp,
    policy_hash: &'a str,
    policy_version: Option<&'a str>,
    /// The widened purposes the consent covers.
    widened: Vec<&'a str>,
}

fn stale(
    location: &Location,
    old_path: &Path,
    new_path: &Path,
    format: Format,
    load: &LoadOptions,
) -> Result<u8, Failure> {
    let (old, new) = (policy(old_path, load)?, policy(new_path, load)?);
    let ledger = open(location)?;
    let diff = lawful::diff::diff(&old, &new);
    if !diff.complete {
        return Err(CliError::new(
            "lawful::ledger::diff_incomplete",
            "the diff between the policies is incomplete: which purposes widened is not established",
        )
        .into());
    }
    let widened: Vec<&str> = diff
        .changes
        .iter()
        .filter(|c| c.impact == lawful::diff::Impact::Widened)
        .filter_map(|c| c.purpose.as_deref())
        .collect();
    let new_hash = lawful::ledger::policy_hash(&new);
    let subjects = ledger.subjects()?;
    let mut consents = Vec::new();
    for subject in &subjects {
        consents.extend(ledger.open_consents(subject, None)?);
    }
    let mut stale = Vec::new();
    for record in &consents {
        let Some(purpose) = record.event.change.purpose() else {
            continue;
        };
        if record.policy_hash == new_hash {
            continue;
        }
        // A consent to a purpose covers its descendants.
        let mut covered: Vec<&str> = widened
            .iter()
            .copied()
            .filter(|w| {
                *w == purpose
                    || w.strip_prefix(purpose)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            .collect();
        covered.sort_unstable();
        covered.dedup();
        if !covered.is_empty() {
            stale.push(StaleConsent {
                subject: &record.event.subject,
                seq: record.seq,
                purpose,
                given_at: record.event.at,
                policy_hash: &record.policy_hash,
                policy_version: record.policy_version.as_deref(),
                widened: covered,
            });
        }
    }
    let text = match format {
        Format::Json => pretty(&stale)?,
        Format::Human => {
            let mut text = format!(
                "{} consent(s) to ask again ({} purpose change(s) widened)\n",
                stale.len(),
                widened.len()
            );
            for s in &stale {
                text.push_str(&format!(
                    "  {} #{} {} given {} under {}; widened: {}\n",
                    s.subject,
                    s.seq,
                    s.purpose,
                    s.given_at,
                    s.policy_version.unwrap_or(s.policy_hash),
                    s.widened.join(", ")
                ));
            }
            text
        }
    };
    let code = if stale.is_empty() {
        exit::OK
    } else {
        exit::WIDENED
    };
    Ok(common::answer(&text, code))
}

/// The subject of a query read from the ledger: `--user ID --ledger L [--as-of TIME]`.
pub fn subject_from_ledger(
    policy: &Policy,
    location: &str,
    user: &str,
    at: Timestamp,
) -> Result<lawful::Subject, CliError> {
    let ledger = Ledger::open(location)?;
    Ok(ledger.materialize(policy, user, Some(at))?)
}
