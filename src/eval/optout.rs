//! Opt-outs as timed events (docs/semantics.md, "Opt-outs"): which opt-out of the subject
//! stops a use, and whether it taints data collected before it.
//!
//! An opt-out stops a use when it is in force (not revoked), covers the purpose's channel
//! (an opt-out without a channel covers every channel; a purpose that names no channel is
//! covered by every channel's opt-out: fail closed) and the question's campaign (an opt-out
//! without a campaign covers every campaign; a question that names no campaign is stopped by
//! an opt-out of any campaign). A Global Privacy Control signal is a general opt-out of the
//! kinds it covers. Where the purpose's `withdrawal taints prior data`, an opt-out made
//! after the data was collected keeps it out even once revoked.

use crate::model::{Campaign, OptOutKind, Policy, PurposeFacts};
use crate::subject::{OptOutRecord, Subject};

use super::decision::Detail;

/// Why an opt-out stops a use: the denial's detail.
pub(crate) fn opt_out_denial(
    purpose: &PurposeFacts,
    subject: &Subject,
    kind: OptOutKind,
    campaign: Option<Campaign>,
    collected_at: Option<jiff::Timestamp>,
) -> Option<Detail> {
    let general = subject.opt_outs & kind.bit() != 0;
    let gpc = Policy::opted_out(0, subject.gpc, kind);
    let mut limited = None;
    let mut tainted = false;
    for record in subject
        .opt_out_records
        .iter()
        .filter(|r| r.kind == kind && covers(r, purpose.channels, campaign))
    {
        if record.in_force() && !record.is_general() && limited.is_none() {
            limited = Some(record);
        }
        if let (true, Some(collected), Some(at)) =
            (purpose.taints_prior_data, collected_at, record.at)
        {
            tainted |= collected < at;
        }
    }
    if !(general || gpc || limited.is_some() || tainted) {
        return None;
    }
    Some(Detail {
        opt_out: Some(kind),
        via_gpc: gpc && !general && limited.is_none() && !tainted,
        tainted: tainted && !general && limited.is_none() && !gpc,
        opt_out_channel: limited.and_then(|r| r.channel),
        opt_out_campaign: limited.is_some_and(|r| r.campaign.is_some()),
        ..Detail::default()
    })
}

/// Whether `record` reaches a purpose of `channels` (a mask; 0: unsaid) asked about for
/// `campaign`.
fn covers(record: &OptOutRecord, channels: u8, campaign: Option<Campaign>) -> bool {
    let channel = match record.channel {
        None => true,
        Some(c) => channels == 0 || channels & c.bit() != 0,
    };
    let campaign = match (record.campaign, campaign) {
        (None, _) | (Some(_), None) => true,
        (Some(opted), Some(asked)) => opted == asked,
    };
    channel && campaign
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    fn purpose(channels: u8, taints: bool) -> PurposeFacts {
        PurposeFacts {
            provenance: None,
            children: None,
            direct_marketing: true,
            survives_restriction: false,
            survives_erasure: false,
            taints_prior_data: taints,
            survives_limit_sensitive: false,
            channels,
            limits_subject_kinds: false,
            lineage: crate::model::Lineage::default(),
        }
    }

    fn at(date: &str) -> Option<jiff::Timestamp> {
        super::super::parse_time_str("at", date).ok()
    }

    fn subject(records: Vec<OptOutRecord>) -> Subject {
        let policy = crate::compile_str(
            "p.lawful",
            "policy \"P\" { controller \"C\" } region DE \"Germany\"",
        )
        .map(|c| c.policy);
        let mut subject = Subject::new(&policy.unwrap_or_else(|e| panic!("{e:?}")));
        for r in records {
            subject.add_opt_out(r);
        }
        subject
    }

    fn record(channel: Option<Channel>, campaign: Option<&str>) -> OptOutRecord {
        OptOutRecord {
            channel,
            campaign: campaign.map(Campaign::new),
            at: at("2024-02-01"),
            ..OptOutRecord::new(OptOutKind::Marketing)
        }
    }

    #[test]
    fn a_channel_opt_out_stops_only_its_channel_and_unsaid_channels() {
        let s = subject(vec![record(Some(Channel::Email), None)]);
        let m = OptOutKind::Marketing;
        assert!(opt_out_denial(&purpose(Channel::Email.bit(), false), &s, m, None, None).is_some());
        assert!(opt_out_denial(&purpose(Channel::Sms.bit(), false), &s, m, None, None).is_none());
        assert!(opt_out_denial(&purpose(0, false), &s, m, None, None).is_some());
        let d = opt_out_denial(&purpose(0, false), &s, m, None, None);
        assert_eq!(d.and_then(|d| d.opt_out_channel), Some(Channel::Email));
    }

    #[test]
    fn a_campaign_opt_out_stops_its_campaign_and_unnamed_ones() {
        let s = subject(vec![record(None, Some("spring-sale"))]);
        let m = OptOutKind::Marketing;
        let p = purpose(0, false);
        let spring = Some(Campaign::new("spring-sale"));
        let summer = Some(Campaign::new("summer-sale"));
        assert!(opt_out_denial(&p, &s, m, spring, None).is_some());
        assert!(opt_out_denial(&p, &s, m, summer, None).is_none());
        assert!(opt_out_denial(&p, &s, m, None, None).is_some());
    }

    #[test]
    fn a_revoked_opt_out_taints_only_earlier_data_where_the_purpose_says_so() {
        let revoked = OptOutRecord {
            revoked_at: at("2024-03-01"),
            ..record(None, None)
        };
        let s = subject(vec![revoked]);
        let m = OptOutKind::Marketing;
        assert_eq!(s.opt_outs, 0);
        let before = at("2024-01-01");
        let after = at("2024-02-15");
        let d = opt_out_denial(&purpose(0, true), &s, m, None, before);
        assert!(d.is_some_and(|d| d.tainted));
        assert!(opt_out_denial(&purpose(0, true), &s, m, None, after).is_none());
        assert!(opt_out_denial(&purpose(0, false), &s, m, None, before).is_none());
        assert!(opt_out_denial(&purpose(0, true), &s, m, None, None).is_none());
    }

    #[test]
    fn a_general_opt_out_in_force_is_the_mask() {
        let s = subject(vec![record(None, None)]);
        assert_eq!(s.opt_outs, OptOutKind::Marketing.bit());
        let d = opt_out_denial(
            &purpose(0, true),
            &s,
            OptOutKind::Marketing,
            None,
            at("2024-01-01"),
        );
        assert!(d.is_some_and(|d| !d.tainted && !d.via_gpc));
        assert!(opt_out_denial(&purpose(0, true), &s, OptOutKind::Sale, None, None).is_none());
    }
}
