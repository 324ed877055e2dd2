//! `lawful transfer`: may data collected in one region be stored or processed in another?

use std::path::PathBuf;

use lawful::eval::{DataRef, Decision, TransferQuery};
use lawful::load::LoadOptions;
use lawful::Policy;

use super::common::{self, decision_exit, CliError};
use super::Format;

#[derive(Debug, clap::Args)]
pub struct TransferArgs {
    /// The policy file.
    pub policy: PathBuf,
    /// The category (or field) transferred, e.g. `user.contact.email`.
    #[arg(long, value_name = "CATEGORY")]
    pub category: String,
    /// Where the data was collected.
    #[arg(long, value_name = "REGION")]
    pub from: String,
    /// Where it would be stored or processed.
    #[arg(long, value_name = "REGION")]
    pub to: String,
    /// A circumstance the policy declares that holds for this question (repeatable), e.g.
    /// `--circumstance export_permitted_by_law`; one not given is false.
    #[arg(long = "circumstance", value_name = "NAME")]
    pub circumstances: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: &TransferArgs, load: &LoadOptions) -> u8 {
    let policy = match common::load_policy(&args.policy, load) {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    let answer = decide(&policy, args).map(|d| (d.to_json(&policy), decision_exit(&d)));
    common::print_answer(answer, args.format, common::human_decision)
}

fn decide(policy: &Policy, args: &TransferArgs) -> Result<Decision, CliError> {
    let category = category(policy, &args.category)?;
    let from = policy.region(&args.from)?;
    let to = policy.region(&args.to)?;
    let given = policy.circumstances_named(args.circumstances.iter().map(String::as_str))?;
    let query = TransferQuery::new(policy, category, from, to).with_circumstances(given);
    Ok(policy.decide_transfer(&query)?)
}

/// A category, or the category of a field.
pub fn category(policy: &Policy, name: &str) -> Result<lawful::model::CategoryId, CliError> {
    match policy.data(name)? {
        DataRef::Category(c) => Ok(c),
        DataRef::Field(f) => policy
            .fields()
            .get(f.index())
            .map(|field| field.category)
            .ok_or_else(|| CliError::new("lawful::eval::foreign_id", "no such field")),
    }
}
