//! Channels of direct marketing (`channel email`) and named campaigns, which an opt-out may
//! be limited to (docs/semantics.md, "Opt-outs").

/// A channel a direct-marketing purpose reaches the subject through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// `email`.
    Email,
    /// `sms`: text messages.
    Sms,
    /// `push`: push notifications.
    Push,
    /// `phone`: calls.
    Phone,
}

impl Channel {
    /// Every channel, in the order of their bits.
    pub const ALL: [Channel; 4] = [Channel::Email, Channel::Sms, Channel::Push, Channel::Phone];

    /// The name as written in policies and subject JSON.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
            Channel::Phone => "phone",
        }
    }

    /// The channel with this name; `None` for any other text.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Bit in a purpose's channel mask.
    #[inline]
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A named direct-marketing campaign (`spring-sale`), given with a question and in an
/// opt-out. Campaigns are not declared by the policy: a campaign is known by a 64-bit digest
/// of its name (the first eight bytes of its SHA-256), so a question carries it without
/// allocating. Two names with one digest would only make an opt-out of one stop the other
/// too — a denial, never an allowance.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Campaign(u64);

impl Campaign {
    /// The campaign the prover and the diff opt a subject out of when they need "an opt-out
    /// of one campaign" (questions they ask name none); a counterexample names it.
    pub const EXAMPLE: &'static str = "another-campaign";

    /// The campaign of this name (any text; campaigns are compared by name).
    pub fn new(name: &str) -> Campaign {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(name.as_bytes());
        let mut bytes = [0u8; 8];
        for (to, from) in bytes.iter_mut().zip(digest.iter()) {
            *to = *from;
        }
        Campaign(u64::from_be_bytes(bytes))
    }
}

impl std::fmt::Debug for Campaign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Campaign({:016x})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_round_trip_and_have_distinct_bits() {
        let mut bits = 0u8;
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.name()), Some(channel));
            assert_eq!(bits & channel.bit(), 0);
            bits |= channel.bit();
        }
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn campaigns_are_compared_by_name() {
        assert_eq!(Campaign::new("spring-sale"), Campaign::new("spring-sale"));
        assert_ne!(Campaign::new("spring-sale"), Campaign::new("summer-sale"));
        assert_ne!(Campaign::new(""), Campaign::new(" "));
    }
}
