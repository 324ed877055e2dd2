//! Retention: must the data be kept, may it be kept, or must it be deleted, and until when?

use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::model::{
    CategoryId, CircumstanceId, Circumstances, EventId, Policy, PolicyStamp, ProvenanceId,
    PurposeId, RegionId, RetentionBound, RetentionRule,
};

use super::cond::Env;
use super::names::NameError;
use super::subject_input::{SubjectError, SubjectProblem};

use super::query::{check_category, check_purpose, check_region, check_stamp, QueryError};
use super::usage::retention_rules;

/// A retention question. `events` are the subject's timestamps the periods are anchored on
/// (the first entry for an event counts). Like every handle it belongs to the policy it was
/// made for ([`RetentionQuery::new`]).
#[derive(Debug, Clone, Copy)]
pub struct RetentionQuery<'a> {
    /// The category of the data kept.
    pub category: CategoryId,
    /// `None`: only rules without `for PURPOSES` apply.
    pub purpose: Option<PurposeId>,
    /// The region the data is kept for; rules for regions containing it apply.
    pub region: RegionId,
    /// The subject's events and when they happened; an event not listed has not happened.
    pub events: &'a [(EventId, Timestamp)],
    /// The instant the verdict is for (`must_delete` once a deadline is before it).
    pub now: Timestamp,
    /// The circumstances that hold (`legal_claims_brought` …): a `retain … when` rule
    /// applies only while its condition does.
    pub circumstances: Circumstances,
    /// Events declared `per purpose`, each given for a purpose ("the purpose `P` was
    /// completed"): it anchors the rules for data used for that purpose or a sub-purpose. An
    /// entry in `events` of such an event counts for every purpose.
    pub purpose_events: &'a [(EventId, PurposeId, Timestamp)],
    /// The retention period the subject agreed to (`retain … at most agreed`); `None`: the
    /// subject agreed to none, so such a maximum ends at its event.
    pub agreed_period: Option<jiff::Span>,
    /// The data is de-identified: `retain … deidentified` rules apply to it too.
    pub deidentified: bool,
    /// The policy the ids belong to.
    pub(crate) stamp: PolicyStamp,
}

impl<'a> RetentionQuery<'a> {
    /// How long may data of `category` be kept in `region` at `now`, both ids of `policy`?
    /// No purpose (only rules without `for PURPOSES` apply) and no events yet.
    pub fn new(policy: &Policy, category: CategoryId, region: RegionId, now: Timestamp) -> Self {
        RetentionQuery {
            category,
            purpose: None,
            region,
            events: &[],
            now,
            circumstances: Circumstances::NONE,
            purpose_events: &[],
            agreed_period: None,
            deidentified: false,
            stamp: policy.stamp(),
        }
    }

    /// Events declared `per purpose`, each with the purpose it happened for.
    pub fn with_purpose_events(mut self, events: &'a [(EventId, PurposeId, Timestamp)]) -> Self {
        self.purpose_events = events;
        self
    }

    /// The retention period the subject agreed to.
    pub fn with_agreed_period(mut self, period: jiff::Span) -> Self {
        self.agreed_period = Some(period);
        self
    }

    /// Say whether the data is de-identified.
    pub fn with_deidentified(mut self, deidentified: bool) -> Self {
        self.deidentified = deidentified;
        self
    }

    /// Say that circumstance `id` holds.
    pub fn given(mut self, id: CircumstanceId) -> Self {
        self.circumstances = self.circumstances.with(id);
        self
    }

    /// Replace the circumstances that hold.
    pub fn with_circumstances(mut self, circumstances: Circumstances) -> Self {
        self.circumstances = circumstances;
        self
    }

    /// Ask about the data as used for `purpose`.
    pub fn for_purpose(mut self, purpose: PurposeId) -> Self {
        self.purpose = Some(purpose);
        self
    }

    /// The subject's events the periods run from.
    pub fn with_events(mut self, events: &'a [(EventId, Timestamp)]) -> Self {
        self.events = events;
        self
    }

    /// The stamp of the policy this question was prepared for.
    pub fn stamp(&self) -> PolicyStamp {
        self.stamp
    }
}

/// The retention verdicts; the codes are stable (`must_keep`, `may_keep`, `must_delete`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// A minimum period has not ended: the data must be kept (`must_keep`).
    MustKeep,
    /// No minimum binds and no maximum has passed: the data may be kept (`may_keep`).
    MayKeep,
    /// A maximum period has passed: the data must be deleted (`must_delete`).
    MustDelete,
}

impl Verdict {
    /// Every code, in declaration order.
    pub const CODES: &'static [&'static str] = &["must_keep", "may_keep", "must_delete"];

    /// The stable code: `must_keep`, `may_keep` or `must_delete`.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::MustKeep => "must_keep",
            Verdict::MayKeep => "may_keep",
            Verdict::MustDelete => "must_delete",
        }
    }

    /// The verdict with this code; `None` for any other text.
    pub fn from_code(code: &str) -> Option<Verdict> {
        [Verdict::MustKeep, Verdict::MayKeep, Verdict::MustDelete]
            .into_iter()
            .find(|v| v.code() == code)
    }
}

impl serde::Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// Why a retention verdict has no date, or what else the caller should know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionNote {
    /// Nothing to add: the date says it all.
    None,
    /// A minimum applies but the event it runs from has not happened yet: keep, no end
    /// date known.
    AwaitingEvent(EventId),
    /// Maximums apply but none of their events has happened yet: no deadline yet.
    NoDeadlineYet,
    /// No maximum applies to this data (none is declared, or none whose `when` holds): no
    /// deadline at all — the text states no period.
    NoMaximum,
    /// A minimum with no fixed end holds (`retain … at least while C`, "as long as applicable
    /// law requires"): keep while its condition does; no maximum cuts it short.
    KeptWhile,
    /// The data is exempt from every maximum (`retain … exempt`): no deadline.
    Exempt,
    /// The text states that the data is kept without limit (`retain … without limit`), and
    /// no maximum deadline applies (one whose event is still to come would still end it): no
    /// deadline.
    NoLimit,
}

impl RetentionNote {
    /// Every code, in declaration order.
    pub const CODES: &'static [&'static str] = crate::model::RETENTION_NOTE_CODES;

    /// The stable code: `none`, `awaiting_event`, `no_deadline_yet`, `no_maximum`,
    /// `kept_while`, `exempt` or `no_limit`.
    pub fn code(self) -> &'static str {
        match self {
            RetentionNote::None => "none",
            RetentionNote::AwaitingEvent(_) => "awaiting_event",
            RetentionNote::NoDeadlineYet => "no_deadline_yet",
            RetentionNote::NoMaximum => "no_maximum",
            RetentionNote::KeptWhile => "kept_while",
            RetentionNote::Exempt => "exempt",
            RetentionNote::NoLimit => "no_limit",
        }
    }
}

/// The answer to a [`RetentionQuery`]: the verdict, its date and the rule behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionDecision {
    /// Keep, may keep or delete.
    pub verdict: Verdict,
    /// `must_keep`: until; `may_keep`: until (the deletion deadline); `must_delete`: since.
    pub date: Option<Timestamp>,
    /// The deciding `retain` rule.
    pub rule: Option<ProvenanceId>,
    /// Why there is no date, if there is none.
    pub note: RetentionNote,
    /// The category asked about.
    pub category: CategoryId,
    /// The purpose asked about; `None` when the query named none.
    pub purpose: Option<PurposeId>,
    /// The region asked about.
    pub region: RegionId,
}

impl Policy {
    /// Rules for the category whose regions contain the query region, whose purposes (if
    /// any) contain the query purpose, whose `when` holds and (for `deidentified` rules)
    /// whose data is de-identified; each anchored on its event. A minimum with no fixed end
    /// (`at least while`) or one whose event is still to come → `must_keep` with no date;
    /// else the latest minimum not yet reached → `must_keep` until it; else, unless an
    /// `exempt` rule applies, the earliest maximum (fixed, or the agreed period up to its
    /// cap; never before the latest minimum ends) → `may_keep` until it, or `must_delete`
    /// since it once passed; else `may_keep` with no date (`no_limit` where the text says
    /// so).
    pub fn decide_retention(
        &self,
        query: &RetentionQuery<'_>,
    ) -> Result<RetentionDecision, QueryError> {
        check_stamp(self, query.stamp, "retention query")?;
        check_category(self, query.category)?;
        check_region(self, query.region)?;
        if let Some(p) = query.purpose {
            check_purpose(self, p)?;
        }
        for &(event, purpose, _) in query.purpose_events {
            check_purpose(self, purpose)?;
            if !self.event_per_purpose(event) {
                return Err(QueryError::EventNotPerPurpose { event });
            }
        }
        let mut latest_minimum: Option<(Timestamp, ProvenanceId)> = None;
        let mut pending_minimum: Option<(EventId, ProvenanceId)> = None;
        let mut kept_while: Option<ProvenanceId> = None;
        let mut earliest_maximum: Option<(Timestamp, ProvenanceId)> = None;
        let mut pending_maximum = false;
        let mut exempt: Option<ProvenanceId> = None;
        let mut unlimited: Option<ProvenanceId> = None;
        let env = Env {
            policy: self,
            subject: None,
            region: query.region,
            circumstances: query.circumstances,
        };
        let applicable = self
            .retention_rules_for(query.category, query.purpose, query.region)
            .filter(|rule| !rule.deidentified || query.deidentified)
            .filter(|rule| env.eval_opt(rule.when.as_ref()).or_false());
        for rule in applicable {
            let anchor = self.anchor(query, rule.after);
            let ends = |period: jiff::Span| -> Result<Option<Timestamp>, QueryError> {
                anchor
                    .map(|at| {
                        add_period(at, period).ok_or(QueryError::DateOutOfRange {
                            rule: rule.provenance,
                            at,
                        })
                    })
                    .transpose()
            };
            match rule.bound {
                RetentionBound::AtLeast => match ends(rule.period)? {
                    Some(end) => {
                        if latest_minimum.is_none_or(|(t, _)| end > t) {
                            latest_minimum = Some((end, rule.provenance));
                        }
                    }
                    // No anchor yet: keep.
                    None => {
                        if pending_minimum.is_none() {
                            pending_minimum = Some((rule.after, rule.provenance));
                        }
                    }
                },
                RetentionBound::AtLeastWhile => {
                    kept_while.get_or_insert(rule.provenance);
                }
                RetentionBound::AtMost | RetentionBound::AtMostAgreed { .. } => {
                    let end = match rule.bound {
                        RetentionBound::AtMostAgreed { capped } => {
                            // None agreed: nothing may be kept past the event.
                            let agreed = ends(query.agreed_period.unwrap_or_default())?;
                            let cap = if capped { ends(rule.period)? } else { None };
                            match (agreed, cap) {
                                (Some(a), Some(c)) => Some(a.min(c)),
                                (a, _) => a,
                            }
                        }
                        _ => ends(rule.period)?,
                    };
                    match end {
                        Some(end) => {
                            if earliest_maximum.is_none_or(|(t, _)| end < t) {
                                earliest_maximum = Some((end, rule.provenance));
                            }
                        }
                        None => pending_maximum = true,
                    }
                }
                RetentionBound::Exempt => {
                    exempt.get_or_insert(rule.provenance);
                }
                RetentionBound::Unlimited => {
                    unlimited.get_or_insert(rule.provenance);
                }
            }
        }

        let decision = |verdict, date, rule, note| RetentionDecision {
            verdict,
            date,
            rule,
            note,
            category: query.category,
            purpose: query.purpose,
            region: query.region,
        };
        if let Some((event, rule)) = pending_minimum {
            return Ok(decision(
                Verdict::MustKeep,
                None,
                Some(rule),
                RetentionNote::AwaitingEvent(event),
            ));
        }
        if let Some(rule) = kept_while {
            return Ok(decision(
                Verdict::MustKeep,
                None,
                Some(rule),
                RetentionNote::KeptWhile,
            ));
        }
        if let Some((until, rule)) = latest_minimum {
            if query.now < until {
                return Ok(decision(
                    Verdict::MustKeep,
                    Some(until),
                    Some(rule),
                    RetentionNote::None,
                ));
            }
        }
        if let Some(rule) = exempt {
            return Ok(decision(
                Verdict::MayKeep,
                None,
                Some(rule),
                RetentionNote::Exempt,
            ));
        }
        // Deleting cannot be due before the minimum ends (a maximum anchored on an earlier
        // event than the minimum's): the deadline is then the end of the minimum.
        let earliest_maximum = earliest_maximum.map(|(deadline, rule)| match latest_minimum {
            Some((until, _)) if until > deadline => (until, rule),
            _ => (deadline, rule),
        });
        Ok(match earliest_maximum {
            Some((deadline, rule)) if query.now < deadline => decision(
                Verdict::MayKeep,
                Some(deadline),
                Some(rule),
                RetentionNote::None,
            ),
            Some((deadline, rule)) => decision(
                Verdict::MustDelete,
                Some(deadline),
                Some(rule),
                RetentionNote::None,
            ),
            // The text's own "no limit" is the better explanation than a maximum whose event
            // is still to come (which would still end it) or than silence.
            None => match unlimited {
                Some(rule) => decision(Verdict::MayKeep, None, Some(rule), RetentionNote::NoLimit),
                None if pending_maximum => {
                    decision(Verdict::MayKeep, None, None, RetentionNote::NoDeadlineYet)
                }
                None => decision(Verdict::MayKeep, None, None, RetentionNote::NoMaximum),
            },
        })
    }

    /// When `event` happened for the question: its first entry in `events`; for an event
    /// declared `per purpose`, also its entries for the question's purpose or an ancestor
    /// of it (the earliest counts).
    fn anchor(&self, query: &RetentionQuery<'_>, event: EventId) -> Option<Timestamp> {
        let plain = query
            .events
            .iter()
            .find(|(e, _)| *e == event)
            .map(|(_, at)| *at);
        let Some(purpose) = query.purpose else {
            return plain;
        };
        let lineage = super::cond::lineage(self, purpose);
        let scoped = query
            .purpose_events
            .iter()
            .filter(|(e, p, _)| *e == event && lineage.contains(p))
            .map(|(_, _, at)| *at)
            .min();
        match (plain, scoped) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl Policy {
    /// The `retain` rules [`Policy::decide_retention`] reads for data of `category` in
    /// `region` (for `purpose`, or for no particular purpose), in declaration order: those
    /// covering the category whose regions contain the region and whose purposes, if any,
    /// contain the purpose. Nothing else about the policy changes a retention answer, except
    /// the question's circumstances, which decide whether a rule's `when` holds.
    pub fn retention_rules_for(
        &self,
        category: CategoryId,
        purpose: Option<PurposeId>,
        region: RegionId,
    ) -> impl Iterator<Item = &RetentionRule> + '_ {
        retention_rules(self, category)
            .map(|(_, rule)| rule)
            .filter(move |rule| applies(rule, purpose, region))
    }
}

fn applies(rule: &RetentionRule, purpose: Option<PurposeId>, region: RegionId) -> bool {
    let purpose = match (&rule.purposes, purpose) {
        (None, _) => true,
        (Some(set), Some(p)) => set.contains(p.index()),
        (Some(_), None) => false,
    };
    purpose && rule.regions.contains(region.index())
}

/// Calendar arithmetic in UTC (`2023-01-31 + 1 month = 2023-02-28`); `None` on overflow.
pub(crate) fn add_period(at: Timestamp, period: jiff::Span) -> Option<Timestamp> {
    at.to_zoned(TimeZone::UTC)
        .checked_add(period)
        .ok()
        .map(|z| z.timestamp())
}

/// A retention period as a question gives it (`--agreed-period`, `"agreed_period"`): an ISO
/// 8601 duration (`P2Y`) or a human one (`2 years`), not negative, at most
/// [`MAX_PERIOD_YEARS`](crate::check::MAX_PERIOD_YEARS) years; `field` names it in the error.
///
/// ```
/// use lawful::eval::parse_period_str;
/// assert!(parse_period_str("agreed_period", "P2Y").is_ok());
/// assert!(parse_period_str("agreed_period", "2 years").is_ok());
/// assert!(parse_period_str("agreed_period", "-P1Y").is_err());
/// assert!(parse_period_str("agreed_period", "P2000Y").is_err());
/// ```
pub fn parse_period_str(field: &str, text: &str) -> Result<jiff::Span, SubjectError> {
    text.parse::<jiff::Span>()
        .ok()
        .filter(|span| !span.is_negative() && crate::check::period_in_range(*span))
        .ok_or_else(|| SubjectError {
            field: field.to_owned(),
            problem: SubjectProblem::BadPeriod {
                text: text.to_owned(),
            },
        })
}

impl Policy {
    /// An event as a question names it: `NAME`, or `NAME:PURPOSE` for an event declared
    /// `per purpose` given for a purpose (deciding refuses a purpose for any other event:
    /// `lawful::eval::event_not_per_purpose`).
    pub fn event_for(&self, key: &str) -> Result<(EventId, Option<PurposeId>), NameError> {
        match key.split_once(':') {
            Some((event, purpose)) => Ok((self.event(event)?, Some(self.purpose(purpose)?))),
            None => Ok((self.event(key)?, None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RetentionNote;
    use crate::model::EventId;

    /// Every note's code is one `expect retention … NOTE` may name, in declaration order.
    #[test]
    fn every_note_has_a_listed_code() {
        let notes = [
            RetentionNote::None,
            RetentionNote::AwaitingEvent(EventId(0)),
            RetentionNote::NoDeadlineYet,
            RetentionNote::NoMaximum,
            RetentionNote::KeptWhile,
            RetentionNote::Exempt,
            RetentionNote::NoLimit,
        ];
        let codes: Vec<&str> = notes.iter().map(|n| n.code()).collect();
        assert_eq!(codes, RetentionNote::CODES);
    }
}
