//! A question of the peers' scenario as a caller that parsed its request holds it: every name
//! a `&str` borrowed from the question's JSON line (`#[serde(borrow)]`). Shared by
//! `benches/peers.rs` and `examples/peers_decide.rs` (`#[path]`), which time the same path.

use std::hint::black_box;

use jiff::Timestamp;
use lawful::eval::{AttrInput, SubjectWriter};
use lawful::Policy;

/// One line of a query file, its names borrowed from the line's text.
#[derive(serde::Deserialize)]
pub struct BorrowedLine<'a> {
    pub purpose: &'a str,
    pub data: &'a str,
    pub region: &'a str,
    #[serde(borrow)]
    pub subject: BorrowedSubject<'a>,
}

#[derive(serde::Deserialize)]
pub struct BorrowedSubject<'a> {
    pub region: &'a str,
    pub age: i64,
    #[serde(borrow)]
    pub consents: Vec<BorrowedConsent<'a>>,
    #[serde(borrow)]
    pub objections: Vec<&'a str>,
    #[serde(borrow)]
    pub attributes: BorrowedAttributes<'a>,
}

#[derive(serde::Deserialize)]
pub struct BorrowedConsent<'a> {
    pub purpose: &'a str,
    pub given_at: Timestamp,
}

#[derive(serde::Deserialize)]
pub struct BorrowedAttributes<'a> {
    #[serde(borrow)]
    pub optouts: Vec<&'a str>,
}

/// The question decided by name: the subject written into `writer`, purpose, field and region
/// resolved by name.
pub fn by_name_borrowed(
    policy: &Policy,
    writer: &mut SubjectWriter<'_>,
    q: &BorrowedLine<'_>,
) -> bool {
    let s = &q.subject;
    writer.clear().region(s.region).unwrap().age(s.age).unwrap();
    for consent in &s.consents {
        writer
            .consent(consent.purpose, Some(consent.given_at))
            .unwrap();
    }
    for objection in &s.objections {
        writer.objection(objection).unwrap();
    }
    writer
        .attribute("optouts", AttrInput::Set(&s.attributes.optouts))
        .unwrap();
    let decision = policy
        .decide_use_by_name(q.purpose, q.data, writer.subject(), Some(q.region))
        .unwrap();
    black_box(decision).allowed()
}
