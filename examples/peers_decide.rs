//! Decisions on the peers' scenario in a plain loop, for counting instructions and cache
//! misses per decision (criterion's wall times swing on a shared machine; these do not):
//!
//! ```sh
//! cargo build --release --no-default-features --example peers_decide
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*decide_loop*' \
//!     target/release/examples/peers_decide x100 by-name 8192
//! valgrind --tool=cachegrind --cache-sim=yes target/release/examples/peers_decide x100 prepared 8192
//! ```
//!
//! Arguments: the size (`x1`, `x100`), the path (`by-name`: the subject written by name into
//! a reused `SubjectWriter`, purpose, field and region resolved by name — as
//! `benches/peers.rs`' `by-name`, every name its own `String`; `by-name-borrowed`: the same,
//! every name a `&str` borrowed from the question's JSON line, as a server or a batch holds
//! a request — `benches/peers.rs`' `by-name-borrowed`; `prepared`: handles and subjects
//! built once; `oracle`: the `by-name` question decided by the hand-written reference
//! implementation of the scenario's rules, `benches/common/oracle.rs`, which never calls
//! `lawful` — the plain-Rust baseline, `benches/peers.rs`' `oracle`) and how many
//! decisions (cycling through the scenario's 4,096 questions, or through the first of them
//! when a fourth argument says how many: the working set shrinks, the decisions do not
//! change). Before the loop every question is decided every way (the oracle included) and the
//! answers compared.
//!
//! A fifth argument, for `prepared` only, repeats the first that many questions: the cycle is
//! filled with copies of them, each its own clone, so the memory the loop reads is as large as
//! before but the answers and the paths taken to them come round again every that many
//! questions, which a processor's branch predictor learns. Against the plain cycle it tells
//! what the variety of the questions costs (branches guessed wrong) from what their memory
//! does (docs/speed.md, ninth round).
//! Prints how many were allowed and the wall time per decision (an indication, not a
//! benchmark: `benches/peers.rs` is that).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;

#[path = "../benches/common/borrowed.rs"]
mod borrowed;
use borrowed::{by_name_borrowed, BorrowedLine};

#[path = "../benches/common/oracle.rs"]
mod oracle;
use oracle::{Oracle, Question};

use jiff::Timestamp;
use lawful::eval::{AttrInput, DataRef, Query, SubjectBuilder, SubjectWriter};
use lawful::{CompileOptions, Policy, Subject};
use serde_json::Value;

/// One question by name, its timestamps read (values, not names).
struct Named {
    purpose: String,
    data: String,
    region: String,
    subject_region: String,
    age: i64,
    consents: Vec<(String, Timestamp)>,
    objections: Vec<String>,
    optouts: Vec<&'static str>,
}

fn strings(value: &Value) -> impl Iterator<Item = String> + '_ {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
}

fn named(line: &str) -> Named {
    let v: Value = serde_json::from_str(line).unwrap();
    let s = &v["subject"];
    Named {
        purpose: v["purpose"].as_str().unwrap().to_owned(),
        data: v["data"].as_str().unwrap().to_owned(),
        region: v["region"].as_str().unwrap().to_owned(),
        subject_region: s["region"].as_str().unwrap().to_owned(),
        age: s["age"].as_i64().unwrap(),
        consents: s["consents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let purpose = c["purpose"].as_str().unwrap().to_owned();
                (purpose, c["given_at"].as_str().unwrap().parse().unwrap())
            })
            .collect(),
        objections: strings(&s["objections"]).collect(),
        // Leaked once: the members as `&str`, as a caller holds them.
        optouts: strings(&s["attributes"]["optouts"])
            .map(|o| &*Box::leak(o.into_boxed_str()))
            .collect(),
    }
}

fn by_name(policy: &Policy, writer: &mut SubjectWriter<'_>, q: &Named) -> bool {
    writer
        .clear()
        .region(&q.subject_region)
        .unwrap()
        .age(q.age)
        .unwrap();
    for (purpose, at) in &q.consents {
        writer.consent(purpose, Some(*at)).unwrap();
    }
    for objection in &q.objections {
        writer.objection(objection).unwrap();
    }
    writer
        .attribute("optouts", AttrInput::Set(&q.optouts))
        .unwrap();
    decide_named(policy, q, writer.subject())
}

/// `by_name` with a fresh `SubjectBuilder` for each question instead of a reused writer.
fn by_name_builder(policy: &Policy, now: Timestamp, q: &Named) -> bool {
    let mut builder = SubjectBuilder::new(policy, now)
        .region(&q.subject_region)
        .unwrap()
        .age(q.age)
        .unwrap();
    for (purpose, at) in &q.consents {
        builder = builder.consent(purpose, *at).unwrap();
    }
    for objection in &q.objections {
        builder = builder.objection(objection).unwrap();
    }
    let subject = builder
        .attribute("optouts", AttrInput::Set(&q.optouts))
        .unwrap()
        .build();
    decide_named(policy, q, &subject)
}

/// `by_name` with the subject read from its JSON text (`Subject::from_json_str`), as the
/// server reads a subject given with a request.
fn by_json(policy: &Policy, now: Timestamp, q: &Named, subject: &str) -> bool {
    let subject = Subject::from_json_str(policy, subject, now).unwrap();
    decide_named(policy, q, &subject)
}

/// The question's purpose, field and region, by name, for `subject`.
#[inline(always)]
fn decide_named(policy: &Policy, q: &Named, subject: &Subject) -> bool {
    let decision = policy
        .decide_use_by_name(&q.purpose, &q.data, subject, Some(&q.region))
        .unwrap();
    black_box(decision).allowed()
}

/// The question decided by the hand-written oracle, from the same strings as `by_name`.
fn by_oracle(oracle: &Oracle, q: &Named) -> bool {
    let answer = oracle.decide(&Question {
        purpose: &q.purpose,
        field: &q.data,
        region: &q.region,
        subject_region: &q.subject_region,
        age: q.age,
        consents: q.consents.iter().map(|(purpose, _)| purpose.as_str()),
        objections: q.objections.iter().map(String::as_str),
        optouts: q.optouts.iter().map(|o| &**o),
    });
    black_box(answer)
}

fn prepared(policy: &Policy, (query, subject): &(Query, Subject)) -> bool {
    black_box(policy.decide(black_box(query), black_box(subject)))
        .unwrap()
        .allowed()
}

/// The measured loop (callgrind's `--toggle-collect` names it).
#[inline(never)]
fn decide_loop(n: usize, mut decide: impl FnMut(usize) -> bool) -> usize {
    (0..n).filter(|&i| decide(i)).count()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let size = args.next().unwrap_or_else(|| "x1".to_owned());
    let path = args.next().unwrap_or_else(|| "by-name".to_owned());
    let n: usize = args.next().map_or(8192, |n| n.parse().unwrap());
    let cycle: Option<usize> = args.next().map(|n| n.parse().unwrap());
    let repeat: Option<usize> = args.next().map(|n| n.parse().unwrap());
    assert!(
        repeat.is_none() || path == "prepared",
        "a fifth argument (questions to repeat) is for `prepared` only"
    );
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/data");
    let text = std::fs::read_to_string(format!("{dir}/peers-{size}.lawful")).unwrap();
    let policy = lawful::compile_str_with("peers.lawful", &text, CompileOptions::deciding())
        .unwrap()
        .policy;
    let file = format!("{dir}/peers-{size}.queries.jsonl");
    let questions: Vec<Named> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(named)
        .collect();
    // Kept only when asked for, so the other paths' memory is laid out as before.
    let lines = match path.as_str() {
        "by-name-borrowed" | "by-json" => std::fs::read_to_string(&file).unwrap(),
        _ => String::new(),
    };
    // The subjects as JSON text, as a request to the server carries one.
    let subjects: Vec<String> = lines
        .lines()
        .filter(|_| path == "by-json")
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["subject"].to_string())
        .collect();
    let borrowed: Vec<BorrowedLine<'_>> = lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let now: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
    let mut writer = SubjectWriter::new(&policy, now);
    let ready: Vec<(Query, Subject)> = questions
        .iter()
        .map(|q| {
            by_name(&policy, &mut writer, q);
            let query = Query::new(
                &policy,
                policy.purpose(&q.purpose).unwrap(),
                DataRef::Field(policy.field(&q.data).unwrap()),
            )
            .in_region(policy.region(&q.region).unwrap());
            (query, writer.subject().clone())
        })
        .collect();
    let oracle = Oracle::from_policy(&text);
    for (q, p) in questions.iter().zip(&ready) {
        assert_eq!(by_name(&policy, &mut writer, q), prepared(&policy, p));
        assert_eq!(by_name_builder(&policy, now, q), prepared(&policy, p));
        assert_eq!(by_oracle(&oracle, q), prepared(&policy, p));
    }
    for ((q, s), p) in questions.iter().zip(&subjects).zip(&ready) {
        assert_eq!(by_json(&policy, now, q, s), prepared(&policy, p));
    }
    for (b, p) in borrowed.iter().zip(&ready) {
        assert_eq!(
            by_name_borrowed(&policy, &mut writer, b),
            prepared(&policy, p)
        );
    }
    let cycle = cycle.unwrap_or(ready.len()).clamp(1, ready.len());
    let (questions, borrowed, subjects, ready) = (
        &questions[..cycle],
        &borrowed[..cycle.min(borrowed.len())],
        &subjects[..cycle.min(subjects.len())],
        &ready[..cycle],
    );
    let repeated: Vec<(Query, Subject)>;
    let ready = match repeat {
        Some(repeat) => {
            let repeat = repeat.clamp(1, cycle);
            repeated = (0..cycle).map(|i| ready[i % repeat].clone()).collect();
            &repeated[..]
        }
        None => ready,
    };
    let start = std::time::Instant::now();
    let allowed = match path.as_str() {
        "by-name" => decide_loop(n, |i| {
            by_name(&policy, &mut writer, &questions[i % questions.len()])
        }),
        "by-name-borrowed" => decide_loop(n, |i| {
            by_name_borrowed(&policy, &mut writer, &borrowed[i % borrowed.len()])
        }),
        "by-json" => decide_loop(n, |i| {
            by_json(
                &policy,
                now,
                &questions[i % questions.len()],
                &subjects[i % subjects.len()],
            )
        }),
        "by-name-builder" => decide_loop(n, |i| {
            by_name_builder(&policy, now, &questions[i % questions.len()])
        }),
        "prepared" => decide_loop(n, |i| prepared(&policy, &ready[i % ready.len()])),
        "oracle" => decide_loop(n, |i| by_oracle(&oracle, &questions[i % questions.len()])),
        other => {
            panic!(
                "unknown path `{other}`: by-name, by-name-borrowed, by-name-builder, by-json, \
                 prepared or oracle"
            )
        }
    };
    let per_decision = start.elapsed().as_secs_f64() * 1e9 / n as f64;
    println!("{allowed} of {n} allowed, {per_decision:.1} ns a decision");
}
