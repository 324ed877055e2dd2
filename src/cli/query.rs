//! `lawful query`: may a purpose use (or a recipient receive, or the purpose combine with
//! other data) a field of a subject?

use std::path::PathBuf;

use lawful::eval::Query;
use lawful::load::LoadOptions;
use lawful::Policy;

use super::common::{self, decision_exit, past_time, CliError};
use super::subject::SubjectArgs;
use super::Format;

#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// The policy file.
    pub policy: PathBuf,
    /// The purpose asking, e.g. `marketing.direct`.
    #[arg(long, value_name = "PURPOSE")]
    pub purpose: String,
    /// The field (or category) asked about, e.g. `orders.email`.
    #[arg(long, value_name = "FIELD")]
    pub field: String,
    /// Ask whether this recipient may receive it (a disclosure).
    #[arg(long, value_name = "RECIPIENT", conflicts_with = "recipient_kind")]
    pub recipient: Option<String>,
    /// Ask whether any declared recipient of this kind may receive it (`data_broker`,
    /// `ad_network`, `processor` …); denied when the policy declares none of that kind.
    #[arg(long, value_name = "KIND", conflicts_with = "combine_with")]
    pub recipient_kind: Option<String>,
    /// Ask whether the purpose may combine the field with this other field (or category):
    /// bring both together about the subject (a no-linkage promise, `deny … : combine`).
    #[arg(long, value_name = "FIELD", conflicts_with = "recipient")]
    pub combine_with: Option<String>,
    /// Where the processing happens (default: the subject's region of residence; with
    /// inline subject flags, also the subject's region).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    #[command(flatten)]
    pub subject: SubjectArgs,
    /// Read the subject from the ledger (`--ledger`): the user's recorded state as of now or
    /// `--as-of`. An unknown user is a subject with no events.
    #[arg(
        long,
        value_name = "ID",
        requires = "ledger",
        conflicts_with = "subject",
        conflicts_with_all = super::subject::INLINE
    )]
    pub user: Option<String>,
    /// The ledger `--user` is read from: a SQLite file or a `postgres://` URL.
    #[arg(long, value_name = "PATH|URL", requires = "user")]
    pub ledger: Option<String>,
    /// Decide as of this past instant (with `--user`): the ledger's state then, and the
    /// time the subject's timestamps are checked against.
    #[arg(long, value_name = "TIME", requires = "user")]
    pub as_of: Option<String>,
    /// When the data item was collected (for purposes whose withdrawal taints prior data).
    #[arg(long, value_name = "TIME")]
    pub collected_at: Option<String>,
    /// A circumstance the policy declares that holds for this question (repeatable), e.g.
    /// `--circumstance legal_claims_brought`; one not given is false.
    #[arg(long = "circumstance", value_name = "NAME")]
    pub circumstances: Vec<String>,
    /// The direct-marketing campaign asked about: an opt-out of another campaign does not
    /// stop it (with no campaign, an opt-out of any campaign does).
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
    /// The current time, for checking the subject's timestamps (default: now). Every TIME is
    /// an RFC 3339 instant with an offset (`2024-01-01T12:00:00Z`, `…+01:00`) or a date
    /// (`2024-01-01`, midnight UTC).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: &QueryArgs, load: &LoadOptions) -> u8 {
    let policy = match common::load_policy(&args.policy, load) {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    let answer = decide(&policy, args).map(|d| (d.to_json(&policy), decision_exit(&d)));
    common::print_answer(answer, args.format, common::human_decision)
}

fn decide(policy: &Policy, args: &QueryArgs) -> Result<lawful::eval::Decision, CliError> {
    let now = match &args.as_of {
        Some(text) => common::flag_time(&format!("`--as-of {text}`"), text)?,
        None => common::now(args.now.as_deref())?,
    };
    let mut query = Query::new(
        policy,
        policy.purpose(&args.purpose)?,
        policy.data(&args.field)?,
    );
    if let Some(region) = &args.region {
        query = query.in_region(policy.region(region)?);
    }
    if let Some(recipient) = &args.recipient {
        let id = policy.recipient(recipient).map_err(|e| {
            // `--recipient data_broker`: a kind, not a declared recipient.
            match lawful::model::RecipientKind::parse(recipient) {
                Some(_) if e.suggestion.is_none() => CliError::new(
                    e.code(),
                    format!("{e}; `{recipient}` is a kind of recipient: ask with `--recipient-kind {recipient}`"),
                ),
                _ => e.into(),
            }
        })?;
        query = query.to_recipient(id);
    }
    if let Some(other) = &args.combine_with {
        query = query.combined_with(policy.data(other)?);
    }
    query = query.with_circumstances(
        policy.circumstances_named(args.circumstances.iter().map(String::as_str))?,
    );
    if let Some(campaign) = &args.campaign {
        query = query.for_campaign(lawful::model::Campaign::new(campaign));
    }
    if let Some(text) = &args.collected_at {
        query = query.collected_at(past_time(&format!("`--collected-at {text}`"), text, now)?);
    }
    let subject = match (&args.user, &args.ledger) {
        (Some(user), Some(ledger)) => {
            super::ledger::subject_from_ledger(policy, ledger, user, now)?
        }
        _ => args.subject.build(policy, args.region.as_deref(), now)?,
    };
    if let Some(kind) = &args.recipient_kind {
        let kind = lawful::eval::recipient_kind(kind)?;
        return Ok(policy.decide_disclosure_to_kind(kind, &query, &subject)?);
    }
    Ok(policy.decide(&query, &subject)?)
}
