//! What the ledger shows about a subject: the proof behind an answer about consent (GDPR
//! Art. 7(1): the controller demonstrates that consent was given, to what, when, under which
//! notice) and the export of everything held (Art. 15 and 20), with consent receipts in the
//! shape of ISO/IEC TS 27560.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{json, Value};

use crate::model::Policy;

use super::event::Change;
use super::fold;
use super::{LedgerError, StoredEvent};

/// The records behind the answer "does `subject` consent to `purpose`?" as of an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentProof {
    /// The subject.
    pub subject: String,
    /// The purpose asked about.
    pub purpose: String,
    /// The instant the answer is for.
    pub as_of: Timestamp,
    /// `given` (a consent to the purpose or an ancestor is in force), `withdrawn` (there was
    /// one, none is in force), or `none` (never given).
    pub consent: &'static str,
    /// The sequence number of the `consent_given` event in force (the nearest purpose
    /// first), if any.
    pub in_force: Option<i64>,
    /// Whether an objection to the purpose or an ancestor is in force.
    pub objected: bool,
    /// The events that bear on the answer, in the order they happened: consents and
    /// objections about the purpose or its ancestors, and every opt-out, GPC, restriction,
    /// erasure, deletion and parental-consent event.
    pub records: Vec<StoredEvent>,
}

pub(crate) fn proof(
    policy: &Policy,
    subject: &str,
    purpose: &str,
    events: Vec<StoredEvent>,
    as_of: Timestamp,
) -> Result<ConsentProof, LedgerError> {
    let id = policy.purpose(purpose).map_err(LedgerError::Name)?;
    // Self and ancestors, nearest first.
    let lineage: Vec<&str> = policy
        .purpose_info(id)
        .map(|p| {
            p.ancestors
                .iter()
                .map(|a| policy.purpose_name(*a))
                .collect()
        })
        .unwrap_or_default();
    let covers = |name: &str| lineage.contains(&name);
    // The fold both checks the history and tells what is open.
    fold::fold(&events, as_of)?;
    let records: Vec<StoredEvent> = events
        .into_iter()
        .filter(|e| e.event.at <= as_of)
        .filter(|e| match e.event.change.purpose() {
            Some(p) => covers(p),
            // (A consent to a recipient or a transfer is no consent to the purpose.)
            None => !matches!(
                e.event.change,
                Change::Facts(_) | Change::ConsentGiven { .. } | Change::ConsentWithdrawn { .. }
            ),
        })
        .collect();
    // Replay the consents and objections of the lineage to see which are in force.
    let mut open: Vec<(&str, i64)> = Vec::new();
    let mut ever = false;
    let mut objections: Vec<&str> = Vec::new();
    for e in &records {
        match &e.event.change {
            Change::ConsentGiven { purpose, .. } => {
                ever = true;
                open.push((purpose, e.seq));
            }
            Change::ConsentWithdrawn { purpose, .. } => open.retain(|(p, _)| p != purpose),
            Change::ObjectionMade { purpose } => objections.push(purpose),
            Change::ObjectionLifted { purpose } => objections.retain(|p| p != purpose),
            _ => {}
        }
    }
    // A consent counts through the consent lineage: only the purpose itself for one a
    // `purpose other` clause decides.
    let consent_lineage: Vec<&str> = crate::eval::cond::consent_lineage(policy, id)
        .iter()
        .map(|a| policy.purpose_name(*a))
        .collect();
    let in_force = consent_lineage
        .iter()
        .find_map(|name| open.iter().find(|(p, _)| p == name).map(|(_, seq)| *seq));
    let consent = match (in_force, ever) {
        (Some(_), _) => "given",
        (None, true) => "withdrawn",
        (None, false) => "none",
    };
    Ok(ConsentProof {
        subject: subject.to_owned(),
        purpose: purpose.to_owned(),
        as_of,
        consent,
        in_force,
        objected: !objections.is_empty(),
        records,
    })
}

/// Everything the ledger holds about one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Export {
    /// The subject.
    pub subject: String,
    /// When the export was made.
    pub exported_at: Timestamp,
    /// The subject document as of the export (the `--subject` shape).
    pub current: Value,
    /// Every event, in the order it happened.
    pub events: Vec<StoredEvent>,
    /// One consent receipt per `consent_given` event, in the ISO/IEC TS 27560 shape.
    pub consent_receipts: Vec<Value>,
}

pub(crate) fn export(subject: &str, events: Vec<StoredEvent>) -> Result<Export, LedgerError> {
    let now = Timestamp::now();
    let current = fold::fold(&events, now)?.document(now);
    let receipts = receipts(&events);
    Ok(Export {
        subject: subject.to_owned(),
        exported_at: now,
        current,
        events,
        consent_receipts: receipts,
    })
}

/// The ISO/IEC TS 27560 consent record fields filled: `schema_version`, `record_id`,
/// `pii_principal_id`, `notice` (the policy hash and version in force), `purposes` (the
/// purpose, `lawful_basis: consent`, explicit or not), `collection_method` (the event's
/// source), `evidence` (its proof reference), `consent_status` with the `timestamp` of
/// giving and, when withdrawn, `withdrawal_timestamp`, and `recorded_at`. Left out: the
/// controller's identity and contact (in the policy header), PII categories and
/// jurisdiction (in the policy, per purpose), and signatures.
fn receipts(events: &[StoredEvent]) -> Vec<Value> {
    let mut out = Vec::new();
    for (index, e) in events.iter().enumerate() {
        let Change::ConsentGiven {
            purpose,
            explicit,
            recipient: None,
            transfer_to: None,
        } = &e.event.change
        else {
            continue;
        };
        let withdrawal = events.iter().skip(index + 1).find(|later| {
            matches!(&later.event.change,
                Change::ConsentWithdrawn { purpose: p, recipient: None, transfer_to: None }
                    if p == purpose)
        });
        let status = if withdrawal.is_some() {
            "withdrawn"
        } else {
            "active"
        };
        out.push(json!({
            "schema_version": "ISO/IEC TS 27560:2023",
            "record_id": format!("lawful-ledger:{}", e.seq),
            "pii_principal_id": e.event.subject,
            "notice": {
                "policy_hash": e.policy_hash,
                "policy_version": e.policy_version,
            },
            "purposes": [{
                "purpose": purpose,
                "lawful_basis": if *explicit { "explicit_consent" } else { "consent" },
            }],
            "collection_method": e.event.source,
            "evidence": e.event.proof,
            "consent_status": status,
            "timestamp": e.event.at,
            "withdrawal_timestamp": withdrawal.map(|w| w.event.at),
            "recorded_at": e.recorded_at,
        }));
    }
    out
}
