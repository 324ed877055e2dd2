//! The peers' scenario (`benches/data/peers-*`) decided twice: by `lawful` (by name, as
//! `benches/peers.rs`' `by-name` does) and by the hand-written oracle of
//! `benches/common/oracle.rs`, which reads only the basis kinds from the policy text and applies
//! the generator README's rules itself. Every one of the 4,096 questions of each size must get
//! the same answer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../benches/common/oracle.rs"]
mod oracle;

use jiff::Timestamp;
use lawful::eval::{AttrInput, Decision, SubjectWriter};
use lawful::{CompileOptions, Policy};
use oracle::{Oracle, Question};

#[derive(serde::Deserialize)]
struct Line {
    purpose: String,
    data: String,
    region: String,
    subject: LineSubject,
}

#[derive(serde::Deserialize)]
struct LineSubject {
    region: String,
    age: i64,
    consents: Vec<LineConsent>,
    objections: Vec<String>,
    attributes: LineAttributes,
}

#[derive(serde::Deserialize)]
struct LineConsent {
    purpose: String,
    given_at: Timestamp,
}

#[derive(serde::Deserialize)]
struct LineAttributes {
    optouts: Vec<String>,
}

fn data(file: &str) -> String {
    let path = format!("{}/benches/data/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `lawful`'s decision, the subject written by name into a reused writer.
fn lawful(policy: &Policy, writer: &mut SubjectWriter<'_>, q: &Line) -> Decision {
    let s = &q.subject;
    writer
        .clear()
        .region(&s.region)
        .unwrap()
        .age(s.age)
        .unwrap();
    for consent in &s.consents {
        writer
            .consent(&consent.purpose, Some(consent.given_at))
            .unwrap();
    }
    for objection in &s.objections {
        writer.objection(objection).unwrap();
    }
    let optouts: Vec<&str> = s.attributes.optouts.iter().map(String::as_str).collect();
    writer
        .attribute("optouts", AttrInput::Set(&optouts))
        .unwrap();
    policy
        .decide_use_by_name(&q.purpose, &q.data, writer.subject(), Some(&q.region))
        .unwrap()
}

fn oracle(oracle: &Oracle, q: &Line) -> bool {
    let s = &q.subject;
    oracle.decide(&Question {
        purpose: &q.purpose,
        field: &q.data,
        region: &q.region,
        subject_region: &s.region,
        age: s.age,
        consents: s.consents.iter().map(|c| c.purpose.as_str()),
        objections: s.objections.iter().map(String::as_str),
        optouts: s.attributes.optouts.iter().map(String::as_str),
    })
}

fn agree(size: &str) {
    let text = data(&format!("peers-{size}.lawful"));
    let policy = lawful::compile_str_with("peers.lawful", &text, CompileOptions::deciding())
        .unwrap_or_else(|failed| panic!("peers-{size}.lawful does not compile: {failed}"))
        .policy;
    let reference = Oracle::from_policy(&text);
    let now: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
    let mut writer = SubjectWriter::new(&policy, now);
    let queries = data(&format!("peers-{size}.queries.jsonl"));
    let (mut questions, mut allowed, mut disagreements) = (0usize, 0usize, 0usize);
    for (number, text) in queries.lines().enumerate() {
        let q: Line = serde_json::from_str(text).unwrap();
        let decision = lawful(&policy, &mut writer, &q);
        let expected = oracle(&reference, &q);
        questions += 1;
        allowed += usize::from(expected);
        if decision.allowed() != expected {
            disagreements += 1;
            if disagreements <= 5 {
                let rule = decision.rule_ref(&policy).map_or("", |r| r.name);
                eprintln!(
                    "peers-{size} question {}: oracle {expected}, lawful {} ({}, {rule})\n  {text}",
                    number + 1,
                    decision.allowed(),
                    decision.reason.code(),
                );
            }
        }
    }
    assert_eq!(questions, 4096, "peers-{size}: the query file's questions");
    assert_eq!(
        disagreements, 0,
        "peers-{size}: the oracle and lawful disagree on {disagreements} of {questions} questions"
    );
    // Mixed answers (the README says about half allowed), so agreement is not vacuous.
    assert!(
        questions / 5 < allowed && allowed < questions * 4 / 5,
        "peers-{size}: {allowed} of {questions} allowed"
    );
}

#[test]
fn oracle_agrees_with_lawful_x1() {
    agree("x1");
}

#[test]
fn oracle_agrees_with_lawful_x100() {
    agree("x100");
}
