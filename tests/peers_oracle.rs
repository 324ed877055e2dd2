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

#[path = "../benches/common/line.rs"]
mod line;
use line::Line;

#[path = "../benches/common/oracle.rs"]
mod oracle;

use jiff::Timestamp;
use lawful::eval::{AttrInput, Decision, SubjectWriter};
use lawful::{CompileOptions, Policy};
use oracle::{Oracle, Question};

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
            .consent(&consent.purpose, Some(consent.given_at.parse().unwrap()))
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

/// Decides every question line both ways; prints the first disagreements and returns how
/// many questions there were, how many the oracle allowed and how many disagreed.
fn compare<'l>(size: &str, lines: impl Iterator<Item = &'l str>) -> (usize, usize, usize) {
    let text = data(&format!("peers-{size}.lawful"));
    let policy = lawful::compile_str_with("peers.lawful", &text, CompileOptions::deciding())
        .unwrap_or_else(|failed| panic!("peers-{size}.lawful does not compile: {failed}"))
        .policy;
    let reference = Oracle::from_policy(&text);
    let now: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
    let mut writer = SubjectWriter::new(&policy, now);
    let (mut questions, mut allowed, mut disagreements) = (0usize, 0usize, 0usize);
    for (number, text) in lines.enumerate() {
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
    (questions, allowed, disagreements)
}

fn agree(size: &str) {
    let queries = data(&format!("peers-{size}.queries.jsonl"));
    let (questions, allowed, disagreements) = compare(size, queries.lines());
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

/// A question line: purpose, field, processing region; the subject's region, age, consents,
/// objections and opt-outs.
fn line(
    (purpose, data, region): (&str, &str, &str),
    (subject, age): (&str, i64),
    consents: &[&str],
    objections: &[&str],
    optouts: &[&str],
) -> String {
    let consents: Vec<_> = consents
        .iter()
        .map(|p| serde_json::json!({"purpose": p, "given_at": "2024-01-01T00:00:00Z"}))
        .collect();
    serde_json::json!({
        "purpose": purpose, "data": data, "region": region,
        "subject": {"region": subject, "age": age, "consents": consents,
            "objections": objections, "attributes": {"optouts": optouts}},
    })
    .to_string()
}

/// Cases the query files do not reach (changing the oracle's rule on them changes no answer
/// there): the age of 13 in the EU, an objection of an EU resident where the processing
/// region's basis is a contract but the EU basis is a consent, a consent to an ancestor of
/// the explicit-consent purposes. Each is decided both ways, and its expected answer is
/// checked too.
#[test]
fn oracle_agrees_with_lawful_on_edges() {
    let md = |region, age| ("marketing.direct", "email", region, age);
    let x1 = [
        // Marketing: 13 is enough when processed in the EU, 14 elsewhere.
        (md("EU", 13), true),
        (md("EU", 12), false),
        (md("US", 13), false),
        (md("US", 14), true),
        (md("CN", 13), false),
        (md("CN", 14), true),
    ]
    .map(|((purpose, field, region, age), expected)| {
        let subject = if region == "EU" { "EU" } else { "US" };
        (
            line(
                (purpose, field, region),
                (subject, age),
                &["marketing.direct"],
                &[],
                &[],
            ),
            expected,
        )
    });
    let x1_explicit = [
        // A consent to `explicit` covers `explicit.health`.
        (
            line(
                ("research", "diagnosis", "CN"),
                ("CN", 30),
                &["research", "explicit"],
                &[],
                &[],
            ),
            true,
        ),
        (
            line(
                ("research", "diagnosis", "CN"),
                ("CN", 30),
                &["research"],
                &[],
                &[],
            ),
            false,
        ),
    ];
    // payments.g39: consent in the EU, contract `when (not subject.region in EU or
    // consent(payments.g39))` in the US. An objection does not stop a contract, and the EU
    // clause asks for the consent only.
    let g39 = |consents: &[&str], objections: &[&str]| {
        line(
            ("payments.g39", "card_number", "US"),
            ("EU", 30),
            consents,
            objections,
            &[],
        )
    };
    let x100 = [
        (g39(&["payments.g39"], &["payments.g39"]), true),
        (g39(&["payments"], &["payments"]), true),
        (g39(&[], &["payments.g39"]), false),
        (g39(&["payments.g39"], &[]), true),
    ];
    for (size, cases) in [
        ("x1", [&x1[..], &x1_explicit[..]].concat()),
        ("x100", x100.to_vec()),
    ] {
        let reference = Oracle::from_policy(&data(&format!("peers-{size}.lawful")));
        for (text, expected) in &cases {
            let q: Line = serde_json::from_str(text).unwrap();
            assert_eq!(oracle(&reference, &q), *expected, "the oracle on {text}");
        }
        let (questions, _, disagreements) = compare(size, cases.iter().map(|(t, _)| t.as_str()));
        assert_eq!(
            disagreements, 0,
            "peers-{size}: the oracle and lawful disagree on {disagreements} of {questions} edges"
        );
    }
}

#[test]
fn oracle_agrees_with_lawful_x1() {
    agree("x1");
}

#[test]
fn oracle_agrees_with_lawful_x100() {
    agree("x100");
}
