//! One question of a peers' query file as read from JSON, every name its own `String` (as a
//! caller that owns its request holds it), nothing resolved. Shared by `benches/peers.rs` and
//! `tests/peers_oracle.rs` (`#[path]`).

/// A question: the purpose, the field and the processing region, and the subject.
#[derive(serde::Deserialize)]
pub struct Line {
    pub purpose: String,
    pub data: String,
    pub region: String,
    pub subject: LineSubject,
}

#[derive(serde::Deserialize)]
pub struct LineSubject {
    pub region: String,
    pub age: i64,
    pub consents: Vec<LineConsent>,
    pub objections: Vec<String>,
    pub attributes: LineAttributes,
}

/// A consent; its time as written (RFC 3339), parsed by whoever reads it.
#[derive(serde::Deserialize)]
pub struct LineConsent {
    pub purpose: String,
    pub given_at: String,
}

#[derive(serde::Deserialize)]
pub struct LineAttributes {
    pub optouts: Vec<String>,
}
