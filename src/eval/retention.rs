//! Retention: must the data be kept, may it be kept, or must it be deleted, and until when?

use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::model::{
    CategoryId, CircumstanceId, Circumstances, EventId, Policy, PolicyStamp, ProvenanceId,
    PurposeId, RegionId, RetentionBound, RetentionRule,
};

use super::cond::Env;

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
            stamp: policy.stamp(),
        }
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
    /// deadline at all.
    NoMaximum,
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
    /// Rules for the category whose regions contain the query region and whose purposes
    /// (if any) contain the query purpose; each anchored on its event. The latest minimum
    /// not yet reached (or one whose event is still to come) → `must_keep` until it; else
    /// the earliest maximum (but never before the latest minimum ends) → `may_keep` until
    /// it, or `must_delete` since it once passed; else `may_keep` with no date.
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
        let mut latest_minimum: Option<(Timestamp, ProvenanceId)> = None;
        let mut pending_minimum: Option<(EventId, ProvenanceId)> = None;
        let mut earliest_maximum: Option<(Timestamp, ProvenanceId)> = None;
        let mut pending_maximum = false;
        let env = Env {
            policy: self,
            subject: None,
            region: query.region,
            circumstances: query.circumstances,
        };
        let applicable = self
            .retention_rules_for(query.category, query.purpose, query.region)
            .filter(|rule| env.eval_opt(rule.when.as_ref()).or_false());
        for rule in applicable {
            let anchor = query
                .events
                .iter()
                .find(|(event, _)| *event == rule.after)
                .map(|(_, at)| *at);
            let end = match anchor {
                Some(at) => Some(add_period(at, rule.period).ok_or(
                    QueryError::DateOutOfRange {
                        rule: rule.provenance,
                        at,
                    },
                )?),
                None => None,
            };
            match (rule.bound, end) {
                (RetentionBound::AtLeast, Some(end)) => {
                    if latest_minimum.is_none_or(|(t, _)| end > t) {
                        latest_minimum = Some((end, rule.provenance));
                    }
                }
                // No anchor yet: keep.
                (RetentionBound::AtLeast, None) => {
                    if pending_minimum.is_none() {
                        pending_minimum = Some((rule.after, rule.provenance));
                    }
                }
                (RetentionBound::AtMost, Some(end)) => {
                    if earliest_maximum.is_none_or(|(t, _)| end < t) {
                        earliest_maximum = Some((end, rule.provenance));
                    }
                }
                (RetentionBound::AtMost, None) => pending_maximum = true,
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
            None if pending_maximum => {
                decision(Verdict::MayKeep, None, None, RetentionNote::NoDeadlineYet)
            }
            None => decision(Verdict::MayKeep, None, None, RetentionNote::NoMaximum),
        })
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
