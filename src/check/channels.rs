//! A purpose's `channel …` entry: the direct-marketing channels it reaches the subject
//! through, as a mask read by marketing opt-outs limited to a channel.

use super::{CheckError, Checker, NameKind};
use crate::model::Channel;
use crate::syntax::ast;

impl Checker {
    /// The channel mask of `decl`; unknown channels and a channel on a purpose that is not
    /// `direct_marketing` are reported.
    pub(super) fn purpose_channels(&mut self, decl: &ast::PurposeDecl) -> u8 {
        let mut mask = 0u8;
        for name in &decl.channels {
            match Channel::parse(&name.text) {
                Some(channel) => mask |= channel.bit(),
                None => self.unknown(
                    NameKind::Channel,
                    &name.text,
                    name.span,
                    Channel::ALL.iter().map(|c| c.name()),
                ),
            }
        }
        if let (Some(first), None) = (decl.channels.first(), decl.direct_marketing) {
            self.error(
                CheckError::ChannelWithoutDirectMarketing {
                    purpose: decl.path.text.clone(),
                },
                first.span,
                "a channel of a purpose that is not direct marketing",
            );
        }
        mask
    }
}
