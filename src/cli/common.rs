//! What `query`, `transfer`, `retention` and `batch` share: loading the policy, errors with
//! a stable code, timestamps from flags, and the human rendering of an answer.

use std::fmt::Write as _;
use std::path::Path;

use jiff::Timestamp;
use lawful::eval::{
    parse_time_str, Decision, DecisionJson, EvalError, NameError, QueryError, RetentionJson,
    RuleJson, SubjectError, SubjectProblem,
};
use lawful::load::LoadOptions;
use lawful::Policy;

use super::output::{self, errln};
use super::{exit, render, Format};

/// An error that ends a command with exit 1: a message naming what is wrong, and a stable
/// code (`lawful::eval::unknown_purpose`, `lawful::subject::age_out_of_range` …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub message: String,
    pub code: &'static str,
}

impl CliError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code,
        }
    }

    /// An error about one flag or field: "`--age -1`: age must be …".
    pub fn at(what: &str, error: impl Into<CliError>) -> Self {
        let error = error.into();
        CliError {
            message: format!("{what}: {}", error.message),
            code: error.code,
        }
    }

    /// Print to standard error; returns the exit code.
    pub fn report(&self) -> u8 {
        errln!("error[{}]: {}", self.code, self.message);
        exit::FAILED
    }
}

impl From<NameError> for CliError {
    fn from(e: NameError) -> Self {
        CliError::new(e.code(), e.to_string())
    }
}

impl From<QueryError> for CliError {
    fn from(e: QueryError) -> Self {
        CliError::new(e.code(), e.to_string())
    }
}

impl From<EvalError> for CliError {
    fn from(e: EvalError) -> Self {
        CliError::new(e.code(), e.to_string())
    }
}

impl From<SubjectError> for CliError {
    fn from(e: SubjectError) -> Self {
        CliError::new(e.code(), e.to_string())
    }
}

/// Compile the policy at `path` for deciding: checked, not proven (proving does not change
/// a decision and is `lawful check`'s job). A missing file is a usage error (exit 2); a
/// policy with errors has its diagnostics rendered to standard error (exit 1): nothing is
/// decided on it.
pub fn load_policy(path: &Path, load: &LoadOptions) -> Result<Policy, u8> {
    if !path.is_file() {
        errln!("error: `{}` is not a policy file", path.display());
        return Err(exit::USAGE);
    }
    let options = lawful::CompileOptions {
        load: load.clone(),
        ..lawful::CompileOptions::deciding()
    };
    match lawful::compile_file_with(path, options) {
        Ok(compiled) => Ok(compiled.policy),
        Err(failed) => {
            for d in failed.diagnostics.errors() {
                output::err(&render::human(d, &failed.sources));
            }
            errln!(
                "error[lawful::policy_errors]: `{}` has {} error(s); nothing was decided",
                path.display(),
                failed.diagnostics.errors().count()
            );
            Err(exit::FAILED)
        }
    }
}

/// A timestamp given on the command line (an RFC 3339 instant with an offset, or a date:
/// [`parse_time_str`]); `flag` names it in errors.
pub fn flag_time(flag: &str, text: &str) -> Result<Timestamp, CliError> {
    parse_time_str(flag, text).map_err(CliError::from)
}

/// `--now`, default the current time.
pub fn now(flag: Option<&str>) -> Result<Timestamp, CliError> {
    flag.map_or_else(
        || Ok(Timestamp::now()),
        |text| flag_time(&format!("`--now {text}`"), text),
    )
}

/// A timestamp that may not lie after `now` (collection times, events).
pub fn past_time(field: &str, text: &str, now: Timestamp) -> Result<Timestamp, CliError> {
    let at = flag_time(field, text)?;
    not_in_future(field, at, now)
}

pub fn not_in_future(field: &str, at: Timestamp, now: Timestamp) -> Result<Timestamp, CliError> {
    if at > now {
        let e = SubjectError {
            field: field.to_owned(),
            problem: SubjectProblem::InFuture { at, now },
        };
        return Err(e.into());
    }
    Ok(at)
}

/// `NAME=VALUE`, split at the first `=`.
pub fn split_pair<'a>(flag: &str, text: &'a str) -> Result<(&'a str, &'a str), CliError> {
    text.split_once('=').ok_or_else(|| {
        CliError::new(
            "lawful::cli::expected_pair",
            format!("`{flag} {text}`: expected NAME=VALUE"),
        )
    })
}

/// Exit code of a decision: 0 allowed, 3 denied.
pub fn decision_exit(decision: &Decision) -> u8 {
    if decision.allowed() {
        exit::OK
    } else {
        exit::DENIED
    }
}

fn rule_text(rule: Option<&RuleJson>) -> String {
    rule.map_or_else(
        || "none".to_owned(),
        |r| format!("{} ({}:{}:{})", r.name, r.file, r.line, r.column),
    )
}

/// The human rendering of a use, disclosure or transfer decision:
///
/// ```text
/// deny: consent_missing
///   `marketing.direct` may not use `orders.email` in `DE`: the subject has not given consent to `marketing.direct`.
///   basis:        none
///   rule:         marketing.direct: basis consent (shop.lawful:17:3)
///   obligations:  none
///   would change: would be allowed with consent to `marketing.direct`
/// ```
pub fn human_decision(json: &DecisionJson) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", json.outcome, json.reason);
    let _ = writeln!(out, "  {}", json.explanation);
    let _ = writeln!(
        out,
        "  basis:        {}",
        json.basis.as_deref().unwrap_or("none")
    );
    let _ = writeln!(out, "  rule:         {}", rule_text(json.rule.as_ref()));
    if let Some(citation) = json.rule.as_ref().and_then(|r| r.citation.as_ref()) {
        let _ = writeln!(out, "  cites:        {}", citation.replace('\n', " "));
    }
    if let Some(safeguard) = &json.safeguard {
        let _ = writeln!(out, "  safeguard:    {safeguard}");
    }
    let obligations = if json.obligations.is_empty() {
        "none".to_owned()
    } else {
        json.obligations.join(", ")
    };
    let _ = writeln!(out, "  obligations:  {obligations}");
    if let Some(hint) = &json.would_change {
        let _ = writeln!(out, "  would change: {hint}");
    }
    out
}

/// The human rendering of a retention decision.
pub fn human_retention(json: &RetentionJson) -> String {
    let mut out = String::new();
    let verdict = match (&json.date, json.verdict.as_str()) {
        (Some(date), "must_delete") => format!("{} since {date}", json.verdict),
        (Some(date), _) => format!("{} until {date}", json.verdict),
        (None, _) => json.verdict.clone(),
    };
    let _ = writeln!(out, "{verdict}");
    let _ = writeln!(out, "  {}", json.explanation);
    let _ = writeln!(out, "  rule:         {}", rule_text(json.rule.as_ref()));
    if let Some(citation) = json.rule.as_ref().and_then(|r| r.citation.as_ref()) {
        let _ = writeln!(out, "  cites:        {}", citation.replace('\n', " "));
    }
    if let Some(note) = &json.note {
        let _ = writeln!(out, "  note:         {note}");
    }
    out
}

/// A value as one line of JSON, with its newline.
pub fn json_line(value: &impl serde::Serialize) -> Result<String, CliError> {
    serde_json::to_string(value)
        .map(|text| text + "\n")
        .map_err(|e| {
            CliError::new(
                "lawful::cli::serialise",
                format!("cannot serialise the answer: {e}"),
            )
        })
}

/// Print an answer (human text or a JSON line) and return `code`, or the exit code of the
/// failed write.
/// Print one answer of a command that asks the policy one question: `json` as one JSON line,
/// or rendered by `human`; exit with `code`. An error decides nothing: it is reported.
pub fn print_answer<J: serde::Serialize>(
    asked: Result<(J, u8), CliError>,
    format: Format,
    human: fn(&J) -> String,
) -> u8 {
    let (json, code) = match asked {
        Ok(answer) => answer,
        Err(e) => return e.report(),
    };
    let text = match format {
        Format::Human => human(&json),
        Format::Json => match json_line(&json) {
            Ok(text) => text,
            Err(e) => return e.report(),
        },
    };
    answer(&text, code)
}

pub fn answer(text: &str, code: u8) -> u8 {
    match output::print(text) {
        Ok(()) => code,
        Err(e) => output::failed(&e),
    }
}
