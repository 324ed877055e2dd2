//! Folding a subject's events, in the order they happened, into the subject document the
//! `--subject` flag reads (names, not ids) — which [`Subject::from_json`] then resolves
//! against a policy, with every check a subject document gets.
//!
//! Contradictory histories are errors, never a guess: a consent given again while one is
//! open, a withdrawal with no consent in force, an objection lifted that was never made, an
//! opt-out revoked that was never made, a restriction ended that never started.
//!
//! [`Subject::from_json`]: crate::Subject::from_json

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::eval::{type_error, AttrInput, SubjectBuilder, SubjectError};
use crate::model::Policy;
use crate::subject::Subject;

use super::event::{Change, Facts};
use super::{Happened, LedgerError, StoredEvent};

/// One event as the fold reads it: borrowed from a whole [`StoredEvent`] or from the
/// [`Happened`] a backend reads for decisions, so both fold by the same code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step<'a> {
    pub(crate) seq: i64,
    pub(crate) event: StepEvent<'a>,
}

/// The part of an event the fold reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepEvent<'a> {
    pub(crate) subject: &'a str,
    pub(crate) at: Timestamp,
    pub(crate) change: &'a Change,
}

impl StoredEvent {
    fn step(&self) -> Step<'_> {
        Step {
            seq: self.seq,
            event: StepEvent {
                subject: &self.event.subject,
                at: self.event.at,
                change: &self.event.change,
            },
        }
    }
}

impl Happened {
    fn step<'a>(&'a self, subject: &'a str) -> Step<'a> {
        Step {
            seq: self.seq,
            event: StepEvent {
                subject,
                at: self.at,
                change: &self.change,
            },
        }
    }
}

/// An open consent: when it was given.
#[derive(Debug, Clone, Copy)]
struct Open {
    given_at: Timestamp,
}

/// An opt-out's kind, channel and campaign, as the events name them.
type OptOutKey = (String, Option<String>, Option<String>);

/// The state of one subject after some of its events.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Closed consent records (given, withdrawn) and open ones, by purpose, in order.
    consents: Vec<(String, Timestamp, Option<Timestamp>, bool)>,
    /// The sequence number of the `consent_given` event still open, by purpose.
    open_events: BTreeMap<String, i64>,
    open: BTreeMap<String, (usize, Open)>,
    objections: BTreeMap<String, i64>,
    /// Opt-outs in force, by (kind, channel, campaign): when made.
    opt_outs: BTreeMap<OptOutKey, Timestamp>,
    /// Revoked opt-outs (made, revoked), kept for the provenance of data collected before.
    revoked_opt_outs: Vec<(OptOutKey, Timestamp, Timestamp)>,
    gpc: bool,
    restricted: bool,
    erasure_requested: bool,
    account_deleted: bool,
    parental_consent: bool,
    region: Option<String>,
    kind: Option<String>,
    age: Option<Facts>,
    attributes: BTreeMap<String, Value>,
}

fn contradiction(event: &Step<'_>, message: String) -> LedgerError {
    LedgerError::Contradiction {
        subject: event.event.subject.to_owned(),
        seq: event.seq,
        message,
    }
}

/// The events of one subject in the order they happened: by `at`, then by sequence number
/// (the order they were recorded in).
pub(crate) fn in_order(events: &mut [StoredEvent]) {
    events.sort_by_key(|e| (e.event.at, e.seq));
}

impl State {
    /// Apply one event; a contradiction names it.
    pub(crate) fn apply(&mut self, stored: &Step<'_>) -> Result<(), LedgerError> {
        let at = stored.event.at;
        match &stored.event.change {
            Change::ConsentGiven {
                purpose,
                explicit,
                recipient,
                transfer_to,
            } => {
                let (key, what) =
                    consent_key(purpose, recipient.as_deref(), transfer_to.as_deref());
                if let Some((_, open)) = self.open.get(&key) {
                    return Err(contradiction(
                        stored,
                        format!(
                            "consent to {what} given at {at} while the consent given at {} \
                             is still open (withdraw it first)",
                            open.given_at
                        ),
                    ));
                }
                self.consents.push((key.clone(), at, None, *explicit));
                let open = Open { given_at: at };
                self.open
                    .insert(key.clone(), (self.consents.len() - 1, open));
                self.open_events.insert(key, stored.seq);
            }
            Change::ConsentWithdrawn {
                purpose,
                recipient,
                transfer_to,
            } => {
                let (key, what) =
                    consent_key(purpose, recipient.as_deref(), transfer_to.as_deref());
                match self.open.remove(&key).inspect(|_| {
                    self.open_events.remove(&key);
                }) {
                    Some((index, _)) => {
                        if let Some(record) = self.consents.get_mut(index) {
                            record.2 = Some(at);
                        }
                    }
                    None => {
                        return Err(contradiction(
                            stored,
                            format!("consent to {what} withdrawn at {at} with no consent in force"),
                        ))
                    }
                }
            }
            Change::ObjectionMade { purpose } => {
                self.objections.entry(purpose.clone()).or_insert(stored.seq);
            }
            Change::ObjectionLifted { purpose } => {
                if self.objections.remove(purpose).is_none() {
                    return Err(contradiction(
                        stored,
                        format!("objection to `{purpose}` lifted at {at} but none was made"),
                    ));
                }
            }
            Change::OptOutMade {
                kind,
                channel,
                campaign,
            } => {
                let key = (kind.clone(), channel.clone(), campaign.clone());
                self.opt_outs.entry(key).or_insert(at);
            }
            Change::OptOutRevoked {
                kind,
                channel,
                campaign,
            } => {
                let key = (kind.clone(), channel.clone(), campaign.clone());
                match self.opt_outs.remove(&key) {
                    Some(made) => self.revoked_opt_outs.push((key, made, at)),
                    None => {
                        return Err(contradiction(
                            stored,
                            format!("opt-out of `{kind}` revoked at {at} but none was made"),
                        ))
                    }
                }
            }
            Change::GpcSignal { on } => self.gpc = *on,
            Change::RestrictionStarted => self.restricted = true,
            Change::RestrictionEnded => {
                if !self.restricted {
                    return Err(contradiction(
                        stored,
                        format!("restriction ended at {at} but none had started"),
                    ));
                }
                self.restricted = false;
            }
            Change::ErasureRequested => self.erasure_requested = true,
            Change::AccountDeleted => self.account_deleted = true,
            Change::ParentalConsentGiven => self.parental_consent = true,
            Change::Facts(facts) => {
                if facts.erased {
                    return Ok(());
                }
                if facts.region.is_some() {
                    self.region.clone_from(&facts.region);
                }
                if facts.kind.is_some() {
                    self.kind.clone_from(&facts.kind);
                }
                if facts.age.is_some() || facts.birth_date.is_some() {
                    self.age = Some(Facts {
                        age: facts.age,
                        birth_date: facts.birth_date,
                        ..Facts::default()
                    });
                }
                for (name, value) in &facts.attributes {
                    self.attributes.insert(name.clone(), value.clone());
                }
            }
        }
        Ok(())
    }

    /// The first instant after `as_of` at which the document could read differently with no
    /// new event: the next birthday when the age comes from a birth date; `None` when never.
    pub(crate) fn stable_until(&self, as_of: Timestamp) -> Option<Timestamp> {
        let born = self.age.as_ref()?.birth_date?;
        let today = as_of.to_zoned(jiff::tz::TimeZone::UTC).date();
        (today.year()..=today.year().saturating_add(4)).find_map(|year| {
            // A 29 February birthday moves to 1 March in other years (as `age_at` counts).
            let day = jiff::civil::Date::new(year, born.month(), born.day())
                .or_else(|_| jiff::civil::Date::new(year, 3, 1))
                .ok()?;
            (day > today)
                .then(|| day.to_zoned(jiff::tz::TimeZone::UTC).ok())
                .flatten()
                .map(|z| z.timestamp())
        })
    }

    /// The sequence numbers of the `consent_given` events in force.
    pub(crate) fn open_consents(&self) -> impl Iterator<Item = i64> + '_ {
        self.open_events.values().copied()
    }

    /// [`State::subject`], its error naming `subject` as a ledger error.
    pub(crate) fn resolve(
        &self,
        policy: &Policy,
        subject: &str,
        as_of: Timestamp,
    ) -> Result<Subject, LedgerError> {
        self.subject(policy, as_of)
            .map_err(|error| LedgerError::Stale {
                subject: subject.to_owned(),
                error,
            })
    }

    /// The subject the state's document resolves to against `policy` as of `as_of` — the
    /// same checks, in the same order, as [`Subject::from_json`] of
    /// [`State::document`] (`tests/ledger_props.rs` compares them), without building the
    /// document: the cache-miss path.
    pub(crate) fn subject(
        &self,
        policy: &Policy,
        as_of: Timestamp,
    ) -> Result<Subject, SubjectError> {
        let mut b = SubjectBuilder::new(policy, as_of);
        if let Some(region) = &self.region {
            b = b.region(region)?;
        }
        if let Some(age) = self.age.as_ref().and_then(|f| f.age_at(as_of)) {
            b = b.age(age)?;
        }
        if let Some(kind) = &self.kind {
            b = b.kind(kind)?;
        }
        for (key, given, withdrawn, explicit) in &self.consents {
            let (given, withdrawn, explicit) = (Some(*given), *withdrawn, *explicit);
            b = match ConsentTo::of_key(key) {
                ConsentTo::Recipient(recipient) => {
                    b.recipient_consent_record(recipient, given, withdrawn, explicit)?
                }
                ConsentTo::Transfer(to) => {
                    b.transfer_consent_record(to, given, withdrawn, explicit)?
                }
                ConsentTo::Purpose(purpose) => {
                    b.consent_record(purpose, given, withdrawn, explicit)?
                }
            };
        }
        for purpose in self.objections.keys() {
            b = b.objection(purpose)?;
        }
        // Revoked ones first, then those in force: each a timed record.
        let revoked = self
            .revoked_opt_outs
            .iter()
            .map(|(key, made, revoked)| (key, *made, Some(*revoked)));
        let open = self.opt_outs.iter().map(|(key, made)| (key, *made, None));
        for ((kind, channel, campaign), made, revoked) in revoked.chain(open) {
            b = b.opt_out_record(
                kind,
                channel.as_deref(),
                campaign.as_deref(),
                Some(made),
                revoked,
            )?;
        }
        b = b
            .gpc(self.gpc)
            .restricted(self.restricted)
            .erasure_requested(self.erasure_requested)
            .account_deleted(self.account_deleted)
            .parental_consent(self.parental_consent);
        for (name, value) in &self.attributes {
            let at = || format!("attributes.{name}");
            b = match value {
                Value::Null => b,
                Value::Bool(v) => b.attribute(name, AttrInput::Bool(*v))?,
                Value::Number(n) => {
                    let i = n
                        .as_i64()
                        .ok_or_else(|| type_error(at(), "a whole number", value))?;
                    b.attribute(name, AttrInput::Int(i))?
                }
                Value::String(v) => b.attribute(name, AttrInput::Str(v))?,
                Value::Array(items) => {
                    let strings = items
                        .iter()
                        .map(|v| v.as_str().ok_or_else(|| type_error(at(), "a string", v)))
                        .collect::<Result<Vec<_>, _>>()?;
                    b.attribute(name, AttrInput::Set(&strings))?
                }
                Value::Object(_) => {
                    return Err(type_error(at(), "a bool, number, string or array", value))
                }
            };
        }
        Ok(b.build())
    }

    /// The state as a subject document (`--subject` shape), the age as of `as_of`.
    pub(crate) fn document(&self, as_of: Timestamp) -> Value {
        let mut doc = Map::new();
        if let Some(region) = &self.region {
            doc.insert("region".into(), Value::from(region.as_str()));
        }
        if let Some(age) = self.age.as_ref().and_then(|f| f.age_at(as_of)) {
            doc.insert("age".into(), Value::from(age));
        }
        if let Some(kind) = &self.kind {
            doc.insert("kind".into(), Value::from(kind.as_str()));
        }
        let record_of = |name: &str,
                         what: &str,
                         given: &Timestamp,
                         withdrawn: &Option<Timestamp>,
                         explicit: bool| {
            let mut record = Map::new();
            record.insert(what.into(), Value::from(name));
            record.insert("given_at".into(), Value::from(given.to_string()));
            if let Some(withdrawn) = withdrawn {
                record.insert("withdrawn_at".into(), Value::from(withdrawn.to_string()));
            }
            record.insert("explicit".into(), Value::from(explicit));
            Value::Object(record)
        };
        // Consents to recipients and to transfers: their own lists, apart from purposes.
        let mut recipients = Vec::new();
        let mut transfers = Vec::new();
        for (key, given, withdrawn, explicit) in &self.consents {
            match ConsentTo::of_key(key) {
                ConsentTo::Recipient(name) => {
                    recipients.push(record_of(name, "recipient", given, withdrawn, *explicit));
                }
                ConsentTo::Transfer(to) => {
                    transfers.push(record_of(to, "to", given, withdrawn, *explicit));
                }
                ConsentTo::Purpose(_) => {}
            }
        }
        for (key, list) in [
            ("recipient_consents", recipients),
            ("transfer_consents", transfers),
        ] {
            if !list.is_empty() {
                doc.insert(key.into(), Value::Array(list));
            }
        }
        let consents: Vec<Value> = self
            .consents
            .iter()
            .filter(|(key, ..)| matches!(ConsentTo::of_key(key), ConsentTo::Purpose(_)))
            .map(|(purpose, given, withdrawn, explicit)| {
                let mut record = Map::new();
                record.insert("purpose".into(), Value::from(purpose.as_str()));
                record.insert("given_at".into(), Value::from(given.to_string()));
                if let Some(withdrawn) = withdrawn {
                    record.insert("withdrawn_at".into(), Value::from(withdrawn.to_string()));
                }
                record.insert("explicit".into(), Value::from(*explicit));
                Value::Object(record)
            })
            .collect();
        doc.insert("consents".into(), Value::Array(consents));
        let names = |set: &BTreeMap<String, i64>| {
            Value::Array(set.keys().map(|k| Value::from(k.as_str())).collect())
        };
        doc.insert("objections".into(), names(&self.objections));
        let revoked = self
            .revoked_opt_outs
            .iter()
            .map(|(key, made, revoked)| (key, *made, Some(*revoked)));
        let open = self.opt_outs.iter().map(|(key, made)| (key, *made, None));
        let opt_outs = revoked
            .chain(open)
            .map(|((kind, channel, campaign), made, revoked)| {
                let mut record = Map::new();
                record.insert("kind".into(), Value::from(kind.as_str()));
                if let Some(channel) = channel {
                    record.insert("channel".into(), Value::from(channel.as_str()));
                }
                if let Some(campaign) = campaign {
                    record.insert("campaign".into(), Value::from(campaign.as_str()));
                }
                record.insert("at".into(), Value::from(made.to_string()));
                if let Some(revoked) = revoked {
                    record.insert("revoked_at".into(), Value::from(revoked.to_string()));
                }
                Value::Object(record)
            })
            .collect();
        doc.insert("opt_outs".into(), Value::Array(opt_outs));
        for (key, on) in [
            ("gpc", self.gpc),
            ("restricted", self.restricted),
            ("erasure_requested", self.erasure_requested),
            ("account_deleted", self.account_deleted),
            ("parental_consent", self.parental_consent),
        ] {
            doc.insert(key.into(), Value::from(on));
        }
        let attributes: Map<String, Value> = self
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        doc.insert("attributes".into(), Value::Object(attributes));
        Value::Object(doc)
    }
}

/// Consents to recipients and to transfers are kept beside purpose consents under these
/// prefixes, which no purpose name can start with.
const RECIPIENT: &str = "@";
const TRANSFER: &str = ">";

/// The state's key of a consent, and how messages name it.
fn consent_key<'a>(
    purpose: &'a str,
    recipient: Option<&'a str>,
    transfer_to: Option<&'a str>,
) -> (String, ConsentTo<'a>) {
    match (recipient, transfer_to) {
        (Some(recipient), _) => (
            format!("{RECIPIENT}{recipient}"),
            ConsentTo::Recipient(recipient),
        ),
        (None, Some(to)) => (format!("{TRANSFER}{to}"), ConsentTo::Transfer(to)),
        (None, None) => (purpose.to_owned(), ConsentTo::Purpose(purpose)),
    }
}

/// What a consent is to, as a contradiction names it (formatted only when one is reported:
/// the fold runs on every cache miss).
#[derive(Debug, Clone, Copy)]
enum ConsentTo<'a> {
    Purpose(&'a str),
    Recipient(&'a str),
    Transfer(&'a str),
}

impl<'a> ConsentTo<'a> {
    /// What the state's key `key` (of [`consent_key`]) is a consent to.
    fn of_key(key: &'a str) -> ConsentTo<'a> {
        if let Some(recipient) = key.strip_prefix(RECIPIENT) {
            ConsentTo::Recipient(recipient)
        } else if let Some(to) = key.strip_prefix(TRANSFER) {
            ConsentTo::Transfer(to)
        } else {
            ConsentTo::Purpose(key)
        }
    }
}

impl std::fmt::Display for ConsentTo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConsentTo::Purpose(purpose) => write!(f, "`{purpose}`"),
            ConsentTo::Recipient(recipient) => write!(f, "recipient `{recipient}`"),
            ConsentTo::Transfer(to) => write!(f, "the transfer to `{to}`"),
        }
    }
}

/// Fold `events` (in any order) that happened at or before `as_of`; a contradiction among
/// them is an error.
pub(crate) fn fold(events: &[StoredEvent], as_of: Timestamp) -> Result<State, LedgerError> {
    fold_steps(events.iter().map(StoredEvent::step), as_of)
}

/// [`fold`] over what a backend read for a decision ([`super::Store::changes`]).
pub(crate) fn fold_changes(
    subject: &str,
    changes: &[Happened],
    as_of: Timestamp,
) -> Result<State, LedgerError> {
    fold_steps(changes.iter().map(|c| c.step(subject)), as_of)
}

fn fold_steps<'a>(
    steps: impl Iterator<Item = Step<'a>>,
    as_of: Timestamp,
) -> Result<State, LedgerError> {
    let mut ordered: Vec<Step<'a>> = steps.filter(|e| e.event.at <= as_of).collect();
    ordered.sort_by_key(|e| (e.event.at, e.seq));
    let mut state = State::default();
    for event in &ordered {
        state.apply(event)?;
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn born(date: &str) -> State {
        State {
            age: Some(Facts {
                birth_date: Some(date.parse().unwrap()),
                ..Facts::default()
            }),
            ..State::default()
        }
    }

    fn t(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn stored(seq: i64, at: &str, change: Change) -> StoredEvent {
        StoredEvent {
            seq,
            event: super::super::event::Event {
                subject: "u1".to_owned(),
                at: t(at),
                key: None,
                source: None,
                proof: None,
                change,
            },
            recorded_at: t(at),
            policy_hash: String::new(),
            policy_version: None,
        }
    }

    /// A consent to a recipient folds like a purpose consent — given, withdrawn, a
    /// withdrawal with none in force refused — into the subject's `recipient_consents`,
    /// and never into its purpose consents.
    #[test]
    fn consents_to_recipients_fold_apart_from_purposes() {
        let policy = crate::compile_str(
            "p.lawful",
            r#"#![allow(purpose-without-retention)]
               policy "P" { controller "C" }
               region DE "Germany"
               category user.email
               purpose partners { uses user.email basis contract }
               recipient partners "Other parties" kind third_party {
                 purposes partners categories user.email requires consent }"#,
        )
        .unwrap()
        .policy;
        let recipient = |withdrawn: bool| {
            if withdrawn {
                Change::ConsentWithdrawn {
                    purpose: String::new(),
                    recipient: Some("partners".to_owned()),
                    transfer_to: None,
                }
            } else {
                Change::ConsentGiven {
                    purpose: String::new(),
                    explicit: true,
                    recipient: Some("partners".to_owned()),
                    transfer_to: None,
                }
            }
        };
        let events = [
            stored(1, "2024-01-01T00:00:00Z", recipient(false)),
            stored(2, "2024-02-01T00:00:00Z", recipient(true)),
            stored(
                3,
                "2024-03-01T00:00:00Z",
                Change::ConsentGiven {
                    purpose: "partners".to_owned(),
                    explicit: false,
                    recipient: None,
                    transfer_to: None,
                },
            ),
        ];
        let now = t("2024-06-01T00:00:00Z");
        let state = fold(&events, now).unwrap();
        let subject = state.subject(&policy, now).unwrap();
        assert_eq!(subject.consents.len(), 1);
        assert_eq!(subject.target_consents.len(), 1);
        let record = &subject.target_consents[0];
        assert!(record.explicit && !record.is_active());
        assert_eq!(record.withdrawn_at, Some(t("2024-02-01T00:00:00Z")));
        // The document says the same.
        let document = state.document(now);
        assert_eq!(document["recipient_consents"][0]["recipient"], "partners");
        assert_eq!(document["consents"].as_array().unwrap().len(), 1);
        let from_document = Subject::from_json(&policy, &document, now).unwrap();
        assert_eq!(from_document, subject);
        // A withdrawal with no consent in force is a contradiction naming the recipient.
        let error = fold(&events[1..2], now).unwrap_err().to_string();
        assert!(error.contains("recipient `partners`"), "{error}");
    }

    /// A consent to a transfer folds like any consent into the subject's
    /// `transfer_consents`: the transfer that `requires explicit consent` is allowed while it
    /// is in force and refused once withdrawn, and the document reads back as the same
    /// subject.
    #[test]
    fn consents_to_transfers_fold_apart_from_purposes_and_decide_the_transfer() {
        let policy = crate::compile_str(
            "p.lawful",
            r#"#![allow(purpose-without-retention)]
               policy "P" { controller "C" }
               region DE "Germany"
               region US "United States"
               category user.email
               purpose service { uses user.email basis contract }
               transfer user.* from DE to US with consent requires explicit consent"#,
        )
        .unwrap()
        .policy;
        let transfer = |withdrawn: bool| {
            if withdrawn {
                Change::ConsentWithdrawn {
                    purpose: String::new(),
                    recipient: None,
                    transfer_to: Some("US".to_owned()),
                }
            } else {
                Change::ConsentGiven {
                    purpose: String::new(),
                    explicit: true,
                    recipient: None,
                    transfer_to: Some("US".to_owned()),
                }
            }
        };
        let events = [
            stored(1, "2024-01-01T00:00:00Z", transfer(false)),
            stored(2, "2024-02-01T00:00:00Z", transfer(true)),
        ];
        let query = crate::eval::TransferQuery::new(
            &policy,
            policy.category("user.email").unwrap(),
            policy.region("DE").unwrap(),
            policy.region("US").unwrap(),
        );
        let decide = |as_of: &str| {
            let as_of = t(as_of);
            let state = fold(&events, as_of).unwrap();
            let subject = state.subject(&policy, as_of).unwrap();
            assert!(subject.consents.is_empty());
            let document = state.document(as_of);
            assert_eq!(document["transfer_consents"][0]["to"], "US");
            assert_eq!(
                Subject::from_json(&policy, &document, as_of).unwrap(),
                subject
            );
            policy.decide_transfer_for(&subject, &query).unwrap()
        };
        assert!(decide("2024-01-15T00:00:00Z").allowed());
        assert_eq!(
            decide("2024-06-01T00:00:00Z").reason,
            crate::eval::Reason::TransferConsentMissing
        );
        // A second consent while one is open, or a withdrawal with none in force, is a
        // contradiction naming the transfer.
        let twice = [
            stored(1, "2024-01-01T00:00:00Z", transfer(false)),
            stored(2, "2024-01-02T00:00:00Z", transfer(false)),
        ];
        let error = fold(&twice, t("2024-06-01T00:00:00Z"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("the transfer to `US`"), "{error}");
        let error = fold(&events[1..2], t("2024-06-01T00:00:00Z"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("the transfer to `US`"), "{error}");
    }

    /// The cache keeps a subject until the instant its age changes, exactly as `age_at`
    /// counts it — 29 February birthdays on 1 March in other years.
    #[test]
    fn stable_until_is_the_next_birthday() {
        let leap = born("2000-02-29");
        let at = t("2025-02-28T12:00:00Z");
        let until = leap.stable_until(at).unwrap();
        assert_eq!(until, t("2025-03-01T00:00:00Z"));
        let facts = leap.age.as_ref().unwrap();
        assert_eq!(facts.age_at(at), Some(24));
        assert_eq!(facts.age_at(until), Some(25));
        assert_eq!(
            leap.stable_until(t("2024-01-01T00:00:00Z")),
            Some(t("2024-02-29T00:00:00Z"))
        );
        let plain = born("1990-06-15");
        assert_eq!(
            plain.stable_until(t("2024-06-15T00:00:00Z")),
            Some(t("2025-06-15T00:00:00Z"))
        );
        assert_eq!(State::default().stable_until(at), None);
    }
}
