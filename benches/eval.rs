//! How long one decision takes, prepared and by name, on the richest seed policy and on a
//! synthetic policy about 100 times its size: `cargo bench --features bench --bench eval`.
//!
//! Criterion reports means. For p50/p99 this binary first prints its own table:
//! (a) "single": 200,000 decisions from the mix, each timed on its own with `Instant`, less
//! the median cost of reading the clock — the distribution of single decisions (reading the
//! clock costs about as much as a decision, so trust its p99 more than its p50);
//! (b) "batch-mean": batches of 1000 decisions cycling through the mix (as a service sees
//! them), each batch timed and divided — the distribution of batch means, not a tail latency;
//! (c) "question-mean": batches repeating one question, over every question of the mix — the
//! cost of each kind of question with warm caches (p99 is the slowest kind).
//! Batches are timed five times and the fastest run kept.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use lawful::eval::{DataRef, Query};
use lawful::model::{FieldId, PurposeId, RecipientId};
use lawful::{Policy, Subject};

/// Synthetic scale giving about 100 times the seed policy's purposes (and more of its rules
/// and recipients; see `sizes` in the output). `LAWFUL_BENCH_SCALE` overrides it.
const SYNTH_SCALE: usize = 4900;
const BATCH: usize = 1000;
/// Times each batch is run (the fastest counts).
const REPEAT: usize = 5;
/// Questions in the mix.
const QUESTIONS: usize = 512;

struct Bench {
    name: &'static str,
    policy: Policy,
    subjects: Vec<Subject>,
}

/// One question, prepared and by name.
#[derive(Clone)]
struct Question {
    query: Query,
    subject: usize,
    purpose: String,
    data: String,
    region: String,
    recipient: Option<String>,
}

fn anker() -> Bench {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/anker.lawful");
    let policy = lawful::compile_file(path).unwrap().policy;
    let subjects = [
        r#"{"region":"DE","age":34,"consents":[{"purpose":"marketing","given_at":"2024-01-01"},{"purpose":"analytics","given_at":"2024-01-01"}]}"#,
        r#"{"region":"US-CA","age":30,"gpc":true,"opt_outs":["sale"]}"#,
        r#"{"region":"FR","age":15,"objections":["marketing"]}"#,
        r#"{"region":"GB","restricted":true}"#,
        r#"{"region":"CN","age":40,"kind":"family_member"}"#,
    ];
    Bench {
        name: "anker",
        subjects: parse_subjects(&policy, &subjects),
        policy,
    }
}

fn synthetic() -> Bench {
    let scale = std::env::var("LAWFUL_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SYNTH_SCALE);
    let text = lawful::synth::policy(scale);
    let policy = lawful::compile_str("synthetic.lawful", &text)
        .unwrap()
        .policy;
    let subjects = [
        r#"{"region":"DE","age":34,"attributes":{"verified":true},"consents":[{"purpose":"area1","given_at":"2024-01-01"}]}"#,
        r#"{"region":"US-CA","age":30,"gpc":true,"opt_outs":["sale"]}"#,
        r#"{"region":"FR","age":12,"parental_consent":true}"#,
        r#"{"region":"CN","restricted":true}"#,
        r#"{"region":"JP","age":50,"objections":["area3"]}"#,
    ];
    Bench {
        name: "synthetic",
        subjects: parse_subjects(&policy, &subjects),
        policy,
    }
}

fn parse_subjects(policy: &Policy, json: &[&str]) -> Vec<Subject> {
    let now = "2025-01-01T00:00:00Z".parse().unwrap();
    json.iter()
        .map(|j| Subject::from_json_str(policy, j, now).unwrap())
        .collect()
}

/// A deterministic mix: uses of a field the purpose declares (and some it does not), and
/// one disclosure in eight.
fn questions(bench: &Bench) -> Vec<Question> {
    let p = &bench.policy;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let declared: Vec<PurposeId> = (0..p.purposes().len())
        .filter(|&i| p.purposes()[i].provenance.is_some())
        .map(|i| PurposeId(i as u32))
        .collect();
    (0..QUESTIONS)
        .map(|i| {
            let purpose = declared[next(declared.len())];
            let info = &p.purposes()[purpose.index()];
            // Three in four: a field of a category the purpose uses.
            let usable: Vec<usize> = (0..p.fields().len())
                .filter(|&f| info.uses.contains(p.fields()[f].category.index()))
                .collect();
            let field = if i % 4 != 0 && !usable.is_empty() {
                usable[next(usable.len())]
            } else {
                next(p.fields().len())
            };
            let subject = next(bench.subjects.len());
            let region = bench.subjects[subject].region.unwrap();
            let recipient = (i % 8 == 0 && !p.recipients().is_empty())
                .then(|| RecipientId(next(p.recipients().len()) as u32));
            let mut query =
                Query::new(p, purpose, DataRef::Field(FieldId(field as u32))).in_region(region);
            if let Some(r) = recipient {
                query = query.to_recipient(r);
            }
            Question {
                query,
                subject,
                purpose: p.purpose_name(purpose).to_owned(),
                data: p.fields()[field].info.name.clone(),
                region: p.region_name(region).to_owned(),
                recipient: recipient.map(|r| p.recipient_name(r).to_owned()),
            }
        })
        .collect()
}

/// The whole decision goes through `black_box`, so no part of it can be skipped because
/// only `allowed()` is read.
fn prepared(bench: &Bench, q: &Question) -> bool {
    let subject = &bench.subjects[q.subject];
    black_box(bench.policy.decide(black_box(&q.query), black_box(subject)))
        .expect("a benchmark question that cannot be decided")
        .allowed()
}

fn by_name(bench: &Bench, q: &Question) -> bool {
    let subject = &bench.subjects[q.subject];
    let p = &bench.policy;
    let decision = match &q.recipient {
        Some(r) => p.decide_disclosure_by_name(r, &q.purpose, &q.data, subject, Some(&q.region)),
        None => p.decide_use_by_name(&q.purpose, &q.data, subject, Some(&q.region)),
    };
    black_box(decision)
        .expect("a benchmark question that cannot be decided")
        .allowed()
}

type Decide = fn(&Bench, &Question) -> bool;

/// Nanoseconds per decision of `batches` batches of `BATCH` decisions, sorted; batch `b`
/// decides `pick(b, i)` for i in 0..BATCH. Each batch is timed `REPEAT` times and the
/// fastest kept, so that time the OS gives to other processes does not count.
fn per_decision(
    bench: &Bench,
    questions: &[Question],
    decide: Decide,
    batches: usize,
    pick: impl Fn(usize, usize) -> usize,
) -> Vec<f64> {
    let mut times = vec![f64::INFINITY; batches];
    for _ in 0..REPEAT {
        for (b, best) in times.iter_mut().enumerate() {
            let start = Instant::now();
            let mut allowed = 0usize;
            for i in 0..BATCH {
                allowed += usize::from(decide(bench, &questions[pick(b, i)]));
            }
            black_box(allowed);
            *best = best.min(start.elapsed().as_nanos() as f64 / BATCH as f64);
        }
    }
    times.sort_by(f64::total_cmp);
    times
}

/// Nanoseconds of each of `count` single decisions (question `i * 7919 % len`), each timed
/// on its own, less the cost of reading the clock (the median of many empty readings),
/// sorted: percentiles of real decisions, not of batch averages.
fn single_decisions(
    bench: &Bench,
    questions: &[Question],
    decide: Decide,
    count: usize,
) -> Vec<f64> {
    let mut empty: Vec<f64> = (0..100_000)
        .map(|_| {
            let start = Instant::now();
            black_box(());
            start.elapsed().as_nanos() as f64
        })
        .collect();
    empty.sort_by(f64::total_cmp);
    let clock = percentile(&empty, 0.5);
    let mut times: Vec<f64> = (0..count)
        .map(|i| {
            let q = &questions[(i * 7919) % questions.len()];
            let start = Instant::now();
            black_box(decide(bench, q));
            (start.elapsed().as_nanos() as f64 - clock).max(0.0)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank]
}

fn table(benches: &[Bench]) {
    println!();
    println!("sizes:");
    for b in benches {
        let p = &b.policy;
        println!(
            "  {:<10} purposes {:>5}  fields {:>5}  categories {:>5}  recipients {:>5}  deny rules {:>5}  transfers {:>5}  retention {:>5}  regions {:>4}",
            b.name,
            p.purposes().len(),
            p.fields().len(),
            p.categories().len(),
            p.recipients().len(),
            p.rules().len(),
            p.transfers().len(),
            p.retention().len(),
            p.regions().len()
        );
    }
    println!();
    println!(
        "ns per decision (batches of {BATCH}, fastest of {REPEAT} runs; {QUESTIONS} questions, one in eight a disclosure)"
    );
    println!(
        "  {:<10} {:<9} {:>10} {:>10} {:>10} {:>10} {:>15} {:>15} {:>10}",
        "policy",
        "path",
        "single p50",
        "single p99",
        "batch-mean p50",
        "batch-mean p99",
        "question-mean p50",
        "question-mean p99",
        "max"
    );
    let modes: [(&str, Decide); 2] = [("prepared", prepared), ("by name", by_name)];
    for b in benches {
        let qs = questions(b);
        let allowed = qs.iter().filter(|q| prepared(b, q)).count();
        for (name, decide) in modes {
            // Warm up.
            per_decision(b, &qs, decide, 50, |bi, i| (bi * BATCH + i) % qs.len());
            let mixed = per_decision(b, &qs, decide, 1000, |bi, i| (bi * 7919 + i) % qs.len());
            let each = per_decision(b, &qs, decide, qs.len(), |bi, _| bi);
            let single = single_decisions(b, &qs, decide, 200_000);
            println!(
                "  {:<10} {:<9} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>15.1} {:>15.1} {:>10.1}",
                b.name,
                name,
                percentile(&single, 0.5),
                percentile(&single, 0.99),
                percentile(&mixed, 0.5),
                percentile(&mixed, 0.99),
                percentile(&each, 0.5),
                percentile(&each, 0.99),
                each.last().copied().unwrap_or(0.0)
            );
        }
        println!(
            "  ({}: {allowed} of {} questions allowed)",
            b.name,
            qs.len()
        );
    }
    println!();
}

fn criterion_benches(c: &mut Criterion, benches: &[Bench]) {
    for b in benches {
        let qs = questions(b);
        let mut group = c.benchmark_group(format!("decide/{}", b.name));
        let mut i = 0usize;
        group.bench_function("prepared", |bencher| {
            bencher.iter(|| {
                i = (i + 1) % qs.len();
                prepared(b, &qs[i])
            })
        });
        group.bench_function("by_name", |bencher| {
            bencher.iter(|| {
                i = (i + 1) % qs.len();
                by_name(b, &qs[i])
            })
        });
        group.finish();
    }
}

fn all(c: &mut Criterion) {
    let benches = [anker(), synthetic()];
    // The table only under `cargo bench` (not when `cargo test --benches` smoke-runs this).
    if std::env::args().any(|a| a == "--bench") {
        table(&benches);
    }
    criterion_benches(c, &benches);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = all
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
