//! `lawful retention`: must the data be kept, may it be kept, or must it be deleted?

use std::path::PathBuf;

use lawful::eval::{parse_period_str, RetentionDecision, RetentionQuery, Verdict};
use lawful::load::LoadOptions;
use lawful::Policy;

use super::common::{self, past_time, split_pair, CliError};
use super::{exit, Format};

#[derive(Debug, clap::Args)]
pub struct RetentionArgs {
    /// The policy file.
    pub policy: PathBuf,
    /// The category (or field) kept, e.g. `user.transaction`.
    #[arg(long, value_name = "CATEGORY")]
    pub category: String,
    /// Only rules for this purpose (and rules without `for`) apply; default: rules without
    /// `for` only.
    #[arg(long, value_name = "PURPOSE")]
    pub purpose: Option<String>,
    /// The subject's region.
    #[arg(long, value_name = "REGION")]
    pub region: String,
    /// When an event the periods run from happened: `transaction_completed=2024-01-01`.
    /// An event declared `per purpose` may name the purpose it happened for:
    /// `purpose_completed:marketing.direct=2024-01-01`. Repeatable.
    #[arg(long = "event", value_name = "NAME[:PURPOSE]=TIME")]
    pub events: Vec<String>,
    /// The retention period the subject agreed to (`retain … at most agreed`), e.g. `P2Y`
    /// or `"2 years"`. None given: the subject agreed to none.
    #[arg(long, value_name = "PERIOD")]
    pub agreed_period: Option<String>,
    /// The data is de-identified: `retain … deidentified` rules apply to it too.
    #[arg(long)]
    pub deidentified: bool,
    /// A circumstance the policy declares that holds (repeatable), e.g.
    /// `--circumstance legal_claims_brought`; a `retain … when` rule applies only while its
    /// condition does. One not given is false.
    #[arg(long = "circumstance", value_name = "NAME")]
    pub circumstances: Vec<String>,
    /// The current time (default: now). Every TIME is an RFC 3339 instant with an offset
    /// (`2024-01-01T12:00:00Z`, `…+01:00`) or a date (`2024-01-01`, midnight UTC).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: &RetentionArgs, load: &LoadOptions) -> u8 {
    let policy = match common::load_policy(&args.policy, load) {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    let answer = decide(&policy, args).map(|decision| {
        // Keeping is what is asked: `must_delete` answers "no".
        let code = match decision.verdict {
            Verdict::MustKeep | Verdict::MayKeep => exit::OK,
            Verdict::MustDelete => exit::DENIED,
        };
        (decision.to_json(&policy), code)
    });
    common::print_answer(answer, args.format, common::human_retention)
}

fn decide(policy: &Policy, args: &RetentionArgs) -> Result<RetentionDecision, CliError> {
    let now = common::now(args.now.as_deref())?;
    let category = super::transfer::category(policy, &args.category)?;
    let purpose = args
        .purpose
        .as_deref()
        .map(|p| policy.purpose(p))
        .transpose()?;
    let region = policy.region(&args.region)?;
    let mut events = Vec::with_capacity(args.events.len());
    let mut purpose_events = Vec::new();
    for text in &args.events {
        let (name, time) = split_pair("--event", text)?;
        let (event, for_purpose) = policy
            .event_for(name)
            .map_err(|e| CliError::at(&format!("`--event {text}`"), e))?;
        let at = past_time(&format!("`--event {text}`"), time, now)?;
        match for_purpose {
            Some(p) => purpose_events.push((event, p, at)),
            None => events.push((event, at)),
        }
    }
    let mut query = RetentionQuery::new(policy, category, region, now)
        .with_events(&events)
        .with_purpose_events(&purpose_events)
        .with_deidentified(args.deidentified)
        .with_circumstances(
            policy.circumstances_named(args.circumstances.iter().map(String::as_str))?,
        );
    if let Some(text) = &args.agreed_period {
        query = query.with_agreed_period(parse_period_str("`--agreed-period`", text)?);
    }
    query.purpose = purpose;
    Ok(policy.decide_retention(&query)?)
}
