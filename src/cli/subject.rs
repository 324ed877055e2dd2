//! The subject of a query: a JSON document (`--subject FILE.json`) or inline flags, checked
//! against the policy. Errors name the flag or the JSON field.

use std::path::PathBuf;

use jiff::Timestamp;
use lawful::eval::{AttrInput, SubjectBuilder};
use lawful::files::{read_limited, read_regular};
use lawful::model::AttributeType;
use lawful::{Policy, Subject};

use super::common::{past_time, split_pair, CliError};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct SubjectArgs {
    /// The subject as a JSON document (see README, "Querying"); `-` reads standard input.
    #[arg(long, value_name = "FILE.json", conflicts_with_all = INLINE)]
    pub subject: Option<PathBuf>,
    /// The subject's age in years (0 to 150); unknown when not given.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub age: Option<String>,
    /// A consent to a purpose (and its descendants), given at TIME if known. Repeatable.
    #[arg(long = "consent", value_name = "PURPOSE[=TIME]")]
    pub consents: Vec<String>,
    /// An explicit consent (GDPR Art. 9(2)(a)). Repeatable.
    #[arg(long = "explicit-consent", value_name = "PURPOSE[=TIME]")]
    pub explicit_consents: Vec<String>,
    /// The consent to PURPOSE was withdrawn at TIME. Repeatable.
    #[arg(long = "withdrawn", value_name = "PURPOSE=TIME")]
    pub withdrawals: Vec<String>,
    /// An objection (GDPR Art. 21) to a purpose and its descendants. Repeatable.
    #[arg(long = "objection", value_name = "PURPOSE")]
    pub objections: Vec<String>,
    /// An opt-out: sale, sharing, targeted_advertising, profiling, marketing or
    /// limit_sensitive, in force since forever; or a timed one,
    /// `KIND,at=TIME[,revoked_at=TIME][,channel=email][,campaign=NAME]` (channel and campaign
    /// for `marketing` only). Repeatable.
    #[arg(long = "opt-out", value_name = "KIND[,at=TIME,…]")]
    pub opt_outs: Vec<String>,
    /// A Global Privacy Control signal (an opt-out of sale, sharing, targeted advertising).
    #[arg(long)]
    pub gpc: bool,
    /// Processing is restricted (GDPR Art. 18).
    #[arg(long)]
    pub restricted: bool,
    /// Erasure was requested or the account deleted.
    #[arg(long)]
    pub erased: bool,
    /// A parent or guardian consented.
    #[arg(long)]
    pub parental_consent: bool,
    /// The subject kind (default: the policy's `user` kind).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// A custom attribute the policy declares: `verified=true`, `household_size=3`,
    /// `tier=gold`, `roles=admin,staff` (sets are comma-separated). Repeatable.
    #[arg(long = "attr", value_name = "NAME=VALUE")]
    pub attrs: Vec<String>,
}

/// The inline subject flags (`--subject` excludes them).
pub const INLINE: [&str; 12] = [
    "age",
    "consents",
    "explicit_consents",
    "withdrawals",
    "objections",
    "opt_outs",
    "gpc",
    "restricted",
    "erased",
    "parental_consent",
    "kind",
    "attrs",
];

impl SubjectArgs {
    /// The subject, resident in `region` unless its document says otherwise.
    pub fn build(
        &self,
        policy: &Policy,
        region: Option<&str>,
        now: Timestamp,
    ) -> Result<Subject, CliError> {
        match &self.subject {
            Some(path) => {
                let text = read(path)?;
                let label = format!("subject `{}`", path.display());
                let mut subject = Subject::from_json_str(policy, &text, now)
                    .map_err(|e| CliError::at(&label, e))?;
                if subject.region.is_none() {
                    if let Some(region) = region {
                        subject.region = Some(policy.region(region)?);
                    }
                }
                Ok(subject)
            }
            None => self.inline(policy, region, now),
        }
    }

    fn inline(
        &self,
        policy: &Policy,
        region: Option<&str>,
        now: Timestamp,
    ) -> Result<Subject, CliError> {
        let mut b = SubjectBuilder::new(policy, now);
        if let Some(region) = region {
            b = b.region(region).map_err(|e| flag("--region", region, e))?;
        }
        if let Some(text) = &self.age {
            let age = text.trim().parse::<i64>().map_err(|_| {
                CliError::new(
                    "lawful::subject::age_out_of_range",
                    format!("`--age {text}`: age must be a whole number from 0 to 150"),
                )
            })?;
            b = b.age(age).map_err(|e| flag("--age", text, e))?;
        }
        if let Some(kind) = &self.kind {
            b = b.kind(kind).map_err(|e| flag("--kind", kind, e))?;
        }
        for (texts, explicit, name) in [
            (&self.consents, false, "--consent"),
            (&self.explicit_consents, true, "--explicit-consent"),
        ] {
            for text in texts {
                let (purpose, given) = match text.split_once('=') {
                    Some((purpose, time)) => (purpose, Some(at_time(name, text, time, now)?)),
                    None => (text.as_str(), None),
                };
                b = b
                    .consent_record(purpose, given, None, explicit)
                    .map_err(|e| flag(name, text, e))?;
            }
        }
        for text in &self.withdrawals {
            let (purpose, time) = split_pair("--withdrawn", text)?;
            let at = at_time("--withdrawn", text, time, now)?;
            b = b
                .withdrawn(purpose, at)
                .map_err(|e| flag("--withdrawn", text, e))?;
        }
        for text in &self.objections {
            b = b
                .objection(text)
                .map_err(|e| flag("--objection", text, e))?;
        }
        for text in &self.opt_outs {
            b = match text.split_once(',') {
                None => b.opt_out(text).map_err(|e| flag("--opt-out", text, e))?,
                Some((kind, rest)) => timed_opt_out(b, kind, rest, text, now)?,
            };
        }
        b = b
            .gpc(self.gpc)
            .restricted(self.restricted)
            .erasure_requested(self.erased)
            .parental_consent(self.parental_consent);
        for text in &self.attrs {
            let (name, value) = split_pair("--attr", text)?;
            let declared = policy
                .attribute(name)
                .ok()
                .and_then(|id| policy.attributes().get(id.index()))
                .map(|a| a.ty);
            let items: Vec<&str>;
            let input = match declared {
                Some(AttributeType::String) => AttrInput::Str(value),
                Some(AttributeType::Set) => {
                    items = value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect();
                    AttrInput::Set(&items)
                }
                _ => infer(value),
            };
            b = b
                .attribute(name, input)
                .map_err(|e| flag("--attr", text, e))?;
        }
        b.try_build()
            .map_err(|e| CliError::new(e.code(), format!("the subject's {e}")))
    }
}

/// `true`/`false` → bool, a whole number → int, anything else → string (the declaration
/// decides whether that is right).
fn infer(value: &str) -> AttrInput<'_> {
    match value {
        "true" => AttrInput::Bool(true),
        "false" => AttrInput::Bool(false),
        _ => value
            .parse::<i64>()
            .map_or(AttrInput::Str(value), AttrInput::Int),
    }
}

fn at_time(flag: &str, text: &str, time: &str, now: Timestamp) -> Result<Timestamp, CliError> {
    past_time(&format!("`{flag} {text}`"), time, now)
}

/// An error about one inline flag: "`--age -1`: age must be a whole number …".
fn flag(name: &str, value: &str, e: lawful::eval::SubjectError) -> CliError {
    CliError::new(e.code(), format!("`{name} {value}`: {}", e.problem))
}

/// The largest subject document read (`--subject FILE.json`, or `-` for standard input),
/// far above any real subject.
pub const MAX_SUBJECT_BYTES: u64 = 1024 * 1024;

/// A subject document: a regular file (or standard input) of at most [`MAX_SUBJECT_BYTES`].
/// `--opt-out KIND,at=TIME,revoked_at=TIME,channel=C,campaign=NAME`.
fn timed_opt_out<'p>(
    b: SubjectBuilder<'p>,
    kind: &str,
    rest: &str,
    text: &str,
    now: Timestamp,
) -> Result<SubjectBuilder<'p>, CliError> {
    let (mut at, mut revoked, mut channel, mut campaign) = (None, None, None, None);
    for part in rest.split(',') {
        let (key, value) = split_pair("--opt-out", part)?;
        match key.trim() {
            "at" => at = Some(at_time("--opt-out", text, value, now)?),
            "revoked_at" => revoked = Some(at_time("--opt-out", text, value, now)?),
            "channel" => channel = Some(value.trim()),
            "campaign" => campaign = Some(value),
            other => {
                return Err(CliError::new(
                    "lawful::cli::unknown_opt_out_part",
                    format!(
                        "`--opt-out {text}`: unknown part `{other}` (expected `at`, \
                         `revoked_at`, `channel` or `campaign`)"
                    ),
                ))
            }
        }
    }
    b.opt_out_record(kind.trim(), channel, campaign, at, revoked)
        .map_err(|e| flag("--opt-out", text, e))
}

fn read(path: &std::path::Path) -> Result<String, CliError> {
    let io_error = |e: &dyn std::fmt::Display| {
        CliError::new(
            "lawful::cli::io",
            format!("cannot read `{}`: {e}", path.display()),
        )
    };
    let bytes = if path.as_os_str() == "-" {
        read_limited(std::io::stdin().lock(), MAX_SUBJECT_BYTES)
    } else {
        read_regular(path, MAX_SUBJECT_BYTES).map(|(bytes, _)| bytes)
    }
    .map_err(|e| io_error(&e))?;
    String::from_utf8(bytes).map_err(|_| io_error(&"it is not valid UTF-8"))
}
