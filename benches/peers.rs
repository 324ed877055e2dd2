//! Speed on the peers' scenario (issue 15): the policies and questions `lawful` was compared
//! on with Cedar and regorus (`benches/data/peers-x1.*`, `peers-x100.*`; 15 purposes × 40
//! fields × 3 regions, and the same scaled ×100 to ~1 MB). `cargo bench --features bench
//! --bench peers`.
//!
//! - `peers-load-x1`, `peers-load-x100`: compiling for deciding (no proving), stage by stage.
//!   Each stage includes those before it (`parse` < `load` < `check-declare` <
//!   `check-resolve` < `check-index` < `check-lints` < `check-compile`), so a stage's cost
//!   is its figure less the one before; `compile_str` is the whole of
//!   `lawful::compile_str_with(…, CompileOptions::deciding())`.
//! - `peers-decide-x1`, `peers-decide-x100`: one decision per iteration, cycling through the
//!   4,096 questions of the scenario's query file. `by-name` starts from the strings of the
//!   question line (purpose, field, region; the subject's region, age, consents,
//!   objections and `optouts` set) — names resolved to handles and the subject written by
//!   name into a reused [`SubjectWriter`] — and `by-name-builder` does the same with a fresh
//!   [`SubjectBuilder`]; `by-json` reads the subject from its JSON text
//!   ([`Subject::from_json_str`], as the server reads a subject sent with a request);
//!   `prepared` uses handles and subjects built once. Timestamps are
//!   values, not names: they are read once, when the file is loaded. In `by-name` every
//!   name is its own `String`; `by-name-borrowed` is the same question with every name a
//!   `&str` borrowed from the question's JSON line (`#[serde(borrow)]`, as the server and a
//!   batch hold a request) — reported beside `by-name`, never instead of it. `oracle` is the
//!   baseline: the same `by-name` question decided by the hand-written reference
//!   implementation of the scenario's rules (`benches/common/oracle.rs`: plain Rust over
//!   `HashMap`s, which never calls `lawful`), for comparing `lawful`'s figures with hand-written
//!   code on the same machine.
//!
//! Before timing, every question is decided every way and checked against the others (the
//! oracle included): a benchmark must not time wrong answers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;

#[path = "common/borrowed.rs"]
mod borrowed;
use borrowed::{by_name_borrowed, BorrowedLine};

#[path = "common/line.rs"]
mod line;
use line::Line;

#[path = "common/oracle.rs"]
mod oracle;
use oracle::{Oracle, Question};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use jiff::Timestamp;
use lawful::check::stages::{check_through, Stage};
use lawful::eval::{AttrInput, DataRef, Query, SubjectBuilder, SubjectWriter};
use lawful::source::SourceId;
use lawful::{CompileOptions, Policy, Subject};

const SIZES: [&str; 2] = ["x1", "x100"];

fn data(file: &str) -> String {
    let path = format!("{}/benches/data/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn compile(text: &str) -> Policy {
    lawful::compile_str_with("peers.lawful", text, CompileOptions::deciding())
        .unwrap_or_else(|failed| panic!("the benchmark policy does not compile: {failed}"))
        .policy
}

fn load(c: &mut Criterion) {
    for size in SIZES {
        let text = data(&format!("peers-{size}.lawful"));
        compile(&text);
        let mut group = c.benchmark_group(format!("peers-load-{size}"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        if size == "x100" {
            group.sample_size(10);
        }
        group.bench_function("parse", |b| {
            b.iter(|| lawful::syntax::parse(SourceId(0), black_box(&text)).is_ok())
        });
        group.bench_function("load", |b| {
            b.iter(|| {
                lawful::load::load_str("peers.lawful", black_box(&text))
                    .1
                    .len()
            })
        });
        let stages = [
            ("check-declare", Stage::Declare),
            ("check-resolve", Stage::Resolve),
            ("check-index", Stage::Index),
            ("check-lints", Stage::Lints),
            ("check-compile", Stage::Compile),
        ];
        for (name, stage) in stages {
            group.bench_function(name, |b| {
                b.iter(|| {
                    let (loaded, _) = lawful::load::load_str("peers.lawful", black_box(&text));
                    check_through(loaded, stage).1
                })
            });
        }
        group.bench_function("compile_str", |b| {
            b.iter_batched(|| (), |()| compile(black_box(&text)), BatchSize::SmallInput)
        });
        group.finish();
    }
}

/// A question by name, with its consents' timestamps read.
struct Named {
    line: Line,
    given_at: Vec<Timestamp>,
    optouts: Vec<&'static str>,
}

/// A question prepared: handles and the subject built once.
struct Prepared {
    query: Query,
    subject: Subject,
}

fn now() -> Timestamp {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

fn named(size: &str) -> Vec<Named> {
    data(&format!("peers-{size}.queries.jsonl"))
        .lines()
        .map(|text| {
            let line: Line = serde_json::from_str(text).unwrap();
            let given_at = line
                .subject
                .consents
                .iter()
                .map(|c| c.given_at.parse().unwrap())
                .collect();
            // Leaked once per benchmark run: the members as `&str`, as a caller holds them.
            let optouts = line
                .subject
                .attributes
                .optouts
                .iter()
                .map(|o| &*Box::leak(o.clone().into_boxed_str()))
                .collect();
            Named {
                line,
                given_at,
                optouts,
            }
        })
        .collect()
}

fn by_name(policy: &Policy, writer: &mut SubjectWriter<'_>, q: &Named) -> bool {
    let s = &q.line.subject;
    writer
        .clear()
        .region(&s.region)
        .unwrap()
        .age(s.age)
        .unwrap();
    for (consent, at) in s.consents.iter().zip(&q.given_at) {
        writer.consent(&consent.purpose, Some(*at)).unwrap();
    }
    for objection in &s.objections {
        writer.objection(objection).unwrap();
    }
    writer
        .attribute("optouts", AttrInput::Set(&q.optouts))
        .unwrap();
    decide_named(policy, q, writer.subject())
}

fn by_name_builder(policy: &Policy, q: &Named) -> bool {
    let s = &q.line.subject;
    let mut builder = SubjectBuilder::new(policy, now())
        .region(&s.region)
        .unwrap()
        .age(s.age)
        .unwrap();
    for (consent, at) in s.consents.iter().zip(&q.given_at) {
        builder = builder.consent(&consent.purpose, *at).unwrap();
    }
    for objection in &s.objections {
        builder = builder.objection(objection).unwrap();
    }
    let subject = builder
        .attribute("optouts", AttrInput::Set(&q.optouts))
        .unwrap()
        .build();
    decide_named(policy, q, &subject)
}

/// `by_name` with the subject read from its JSON text (`Subject::from_json_str`), as the
/// server reads a subject sent with a request.
fn by_json(policy: &Policy, q: &Named, subject: &str) -> bool {
    let subject = Subject::from_json_str(policy, subject, now()).unwrap();
    decide_named(policy, q, &subject)
}

/// The question's purpose, field and region, by name, for `subject`.
#[inline(always)]
fn decide_named(policy: &Policy, q: &Named, subject: &Subject) -> bool {
    let decision = policy
        .decide_use_by_name(&q.line.purpose, &q.line.data, subject, Some(&q.line.region))
        .unwrap();
    black_box(decision).allowed()
}

/// The question decided by the hand-written oracle, from the same strings as `by_name`.
fn by_oracle(oracle: &Oracle, q: &Named) -> bool {
    let s = &q.line.subject;
    let answer = oracle.decide(&Question {
        purpose: &q.line.purpose,
        field: &q.line.data,
        region: &q.line.region,
        subject_region: &s.region,
        age: s.age,
        consents: s.consents.iter().map(|c| c.purpose.as_str()),
        objections: s.objections.iter().map(String::as_str),
        optouts: q.optouts.iter().map(|o| &**o),
    });
    black_box(answer)
}

fn prepare(policy: &Policy, q: &Named) -> Prepared {
    let mut writer = SubjectWriter::new(policy, now());
    by_name(policy, &mut writer, q);
    let field = policy.field(&q.line.data).unwrap();
    let query = Query::new(
        policy,
        policy.purpose(&q.line.purpose).unwrap(),
        DataRef::Field(field),
    )
    .in_region(policy.region(&q.line.region).unwrap());
    Prepared {
        query,
        subject: writer.subject().clone(),
    }
}

fn prepared(policy: &Policy, q: &Prepared) -> bool {
    black_box(policy.decide(black_box(&q.query), black_box(&q.subject)))
        .unwrap()
        .allowed()
}

/// The question after `i`, wrapping at `len`: a compare, not a division (a 64-bit `div` on
/// every iteration is timed with the decision).
#[inline(always)]
fn next(i: usize, len: usize) -> usize {
    if i + 1 >= len {
        0
    } else {
        i + 1
    }
}

fn decide(c: &mut Criterion) {
    for size in SIZES {
        let text = data(&format!("peers-{size}.lawful"));
        let policy = compile(&text);
        let oracle = Oracle::from_policy(&text);
        let questions = named(size);
        let lines = data(&format!("peers-{size}.queries.jsonl"));
        let borrowed: Vec<BorrowedLine<'_>> = lines
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        // Each subject as JSON text, as a request to the server carries it.
        let subjects: Vec<String> = lines
            .lines()
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line).unwrap()["subject"].to_string()
            })
            .collect();
        let ready: Vec<Prepared> = questions.iter().map(|q| prepare(&policy, q)).collect();
        let mut writer = SubjectWriter::new(&policy, now());
        for (((q, b), s), p) in questions.iter().zip(&borrowed).zip(&subjects).zip(&ready) {
            let answer = prepared(&policy, p);
            assert_eq!(by_json(&policy, q, s), answer);
            assert_eq!(by_name(&policy, &mut writer, q), answer);
            assert_eq!(by_name_borrowed(&policy, &mut writer, b), answer);
            assert_eq!(by_name_builder(&policy, q), answer);
            assert_eq!(by_oracle(&oracle, q), answer);
        }
        let mut group = c.benchmark_group(format!("peers-decide-{size}"));
        group.throughput(Throughput::Elements(1));
        let mut i = 0usize;
        group.bench_function("by-name", |b| {
            b.iter(|| {
                i = next(i, questions.len());
                by_name(&policy, &mut writer, &questions[i])
            })
        });
        group.bench_function("by-name-borrowed", |b| {
            b.iter(|| {
                i = next(i, borrowed.len());
                by_name_borrowed(&policy, &mut writer, &borrowed[i])
            })
        });
        group.bench_function("by-name-builder", |b| {
            b.iter(|| {
                i = next(i, questions.len());
                by_name_builder(&policy, &questions[i])
            })
        });
        group.bench_function("by-json", |b| {
            b.iter(|| {
                i = next(i, questions.len());
                by_json(&policy, &questions[i], &subjects[i])
            })
        });
        group.bench_function("prepared", |b| {
            b.iter(|| {
                i = next(i, ready.len());
                prepared(&policy, &ready[i])
            })
        });
        group.bench_function("oracle", |b| {
            b.iter(|| {
                i = next(i, questions.len());
                by_oracle(&oracle, &questions[i])
            })
        });
        group.finish();
    }
}

criterion_group!(benches, decide, load);
criterion_main!(benches);
