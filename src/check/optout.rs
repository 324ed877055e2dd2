//! A test subject's timed opt-out (`opted_out marketing at 2024-02-01 revoked 2024-03-01
//! channel email campaign "spring-sale"`), checked as a subject document's opt-out is.

use super::{CheckError, Checker, NameKind};
use crate::model::{Campaign, Channel, OptOutKind};
use crate::source::Span;
use crate::subject::OptOutRecord;
use crate::syntax::ast;

/// The parts of one timed opt-out of a test subject.
pub(super) struct TimedOptOut<'a> {
    pub kind: &'a ast::Name,
    pub at: Option<&'a ast::DateLit>,
    pub revoked: Option<&'a ast::DateLit>,
    pub channel: Option<&'a ast::Name>,
    pub campaign: Option<&'a ast::StrLit>,
    pub span: Span,
}

impl Checker {
    /// The record `entry` describes; `None` (with the problem reported) when it names an
    /// unknown kind or channel, or contradicts itself.
    pub(super) fn timed_opt_out(&mut self, entry: &TimedOptOut<'_>) -> Option<OptOutRecord> {
        let Some(kind) = OptOutKind::parse(&entry.kind.text) else {
            self.unknown(
                NameKind::OptOutKind,
                &entry.kind.text,
                entry.kind.span,
                OptOutKind::names(),
            );
            return None;
        };
        let channel = match entry.channel {
            None => None,
            Some(name) => match Channel::parse(&name.text) {
                Some(channel) => Some(channel),
                None => {
                    self.unknown(
                        NameKind::Channel,
                        &name.text,
                        name.span,
                        Channel::ALL.iter().map(|c| c.name()),
                    );
                    return None;
                }
            },
        };
        let limited = entry.channel.is_some() || entry.campaign.is_some();
        if limited && kind != OptOutKind::Marketing {
            self.error(
                CheckError::InvalidOptOut {
                    message: format!(
                        "an opt-out of `{}` cannot be limited to a channel or a campaign",
                        kind.name()
                    ),
                    help: "only a `marketing` opt-out (an unsubscribe) is made per channel or \
                           per campaign"
                        .to_owned(),
                },
                entry.span,
                "limited opt-out",
            );
            return None;
        }
        match (entry.at, entry.revoked) {
            (None, Some(revoked)) => {
                self.error(
                    CheckError::InvalidOptOut {
                        message: format!(
                            "revokes an opt-out of `{}` that was never made",
                            kind.name()
                        ),
                        help: "say when the subject opted out (`at DATE`)".to_owned(),
                    },
                    revoked.span,
                    "revoked without `at`",
                );
                return None;
            }
            (Some(at), Some(revoked)) if revoked.value < at.value => {
                self.error(
                    CheckError::InvalidOptOut {
                        message: format!(
                            "the opt-out of `{}` is revoked before it was made",
                            kind.name()
                        ),
                        help: "an opt-out made again after a revocation is a second \
                               `opted_out` line"
                            .to_owned(),
                    },
                    revoked.span,
                    "before `at`",
                );
                return None;
            }
            _ => {}
        }
        Some(OptOutRecord {
            kind,
            channel,
            campaign: entry.campaign.map(|c| Campaign::new(&c.value)),
            at: entry.at.map(|d| d.value),
            revoked_at: entry.revoked.map(|d| d.value),
        })
    }
}
