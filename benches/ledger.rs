//! The subject ledger on SQLite (a file in a temporary directory, WAL mode):
//! `cargo bench --features bench,ledger-sqlite --bench ledger`.
//!
//! Before criterion's runs, this binary prints its own figures:
//!
//! - the p50 and p99 of a cache miss: read a subject's 50 events, fold them, resolve the
//!   subject and decide; of a cache hit (`Ledger::current`, then decide); and of the same
//!   prepared decision with the subject already in memory, for comparison;
//! - record throughput, one event per transaction and in batches of 1,000.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, BatchSize, Criterion, Throughput};
use jiff::{SignedDuration, Timestamp};
use lawful::eval::Query;
use lawful::ledger::{Change, Event, Facts, Ledger};
use lawful::Policy;

const EVENTS: usize = 50;

fn policy() -> Policy {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ledger/shop.lawful");
    lawful::compile_file_with(path, lawful::CompileOptions::deciding())
        .unwrap()
        .policy
}

fn base() -> Timestamp {
    "2024-01-01T00:00:00Z".parse().unwrap()
}

fn now() -> Timestamp {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

/// `EVENTS` events of one subject: facts, then consents given and withdrawn in turn,
/// objections and opt-outs, ending with the consent to `marketing` open.
fn history(subject: &str, key_prefix: &str) -> Vec<Event> {
    let mut out = vec![Event {
        subject: subject.to_owned(),
        at: base(),
        key: None,
        source: Some("signup-form".to_owned()),
        proof: None,
        change: Change::Facts(Facts {
            region: Some("DE".to_owned()),
            age: Some(30),
            ..Facts::default()
        }),
    }];
    for i in 1..EVENTS {
        let change = match i % 6 {
            1 | 3 => Change::ConsentGiven {
                purpose: "marketing".to_owned(),
                explicit: false,
                recipient: None,
                transfer_to: None,
            },
            2 | 4 => Change::ConsentWithdrawn {
                purpose: "marketing".to_owned(),
                recipient: None,
                transfer_to: None,
            },
            5 => Change::GpcSignal { on: i % 2 == 0 },
            _ => Change::Facts(Facts {
                attributes: [("verified".to_owned(), serde_json::Value::Bool(true))].into(),
                ..Facts::default()
            }),
        };
        out.push(Event {
            subject: subject.to_owned(),
            at: base() + SignedDuration::from_hours(i as i64),
            key: Some(format!("{key_prefix}-{i}")),
            source: Some("app".to_owned()),
            proof: None,
            change,
        });
    }
    out
}

fn figures(policy: &Policy) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::sqlite(dir.path().join("lawful.db")).unwrap();
    ledger
        .record_at(policy, &history("u1", "h"), now())
        .unwrap();
    let purpose = policy.purpose("marketing.communications").unwrap();
    let query = Query::new(policy, purpose, policy.data("orders.email").unwrap());

    let mut times = Vec::with_capacity(2000);
    for _ in 0..2000 {
        let start = Instant::now();
        let subject = ledger.materialize(policy, "u1", Some(now())).unwrap();
        let decision = policy.decide(&query, &subject).unwrap();
        times.push(start.elapsed());
        black_box(decision);
    }
    times.sort();
    // Means over batches of 1,000 (a single ~50 ns decision is below the clock's
    // resolution), the median batch reported.
    let subject = ledger.materialize(policy, "u1", Some(now())).unwrap();
    let per_decision = |f: &mut dyn FnMut()| {
        let mut means: Vec<f64> = (0..200)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..1000 {
                    f();
                }
                start.elapsed().as_nanos() as f64 / 1000.0
            })
            .collect();
        means.sort_by(f64::total_cmp);
        means[means.len() / 2]
    };
    let prepared = per_decision(&mut || {
        black_box(
            policy
                .decide(black_box(&query), black_box(&subject))
                .unwrap(),
        );
    });
    ledger.current(policy, "u1").unwrap();
    let hit = per_decision(&mut || {
        let subject = ledger.current(policy, black_box("u1")).unwrap();
        black_box(policy.decide(black_box(&query), &subject).unwrap());
    });
    println!(
        "ledger miss (read {EVENTS} events + fold + decide): p50 {:?}, p99 {:?}; cache hit \
         (Ledger::current + decide): {hit:.0} ns; prepared decision on a subject in memory: \
         {prepared:.0} ns (median of 200 batch means)",
        times[times.len() / 2],
        times[times.len() * 99 / 100],
    );

    let one = 500;
    let start = Instant::now();
    for i in 0..one {
        let e = Event {
            subject: format!("w{}", i % 50),
            at: base(),
            key: Some(format!("one-{i}")),
            source: None,
            proof: None,
            change: Change::GpcSignal { on: true },
        };
        ledger.record_at(policy, &[e], now()).unwrap();
    }
    let per_tx = one as f64 / start.elapsed().as_secs_f64();
    let batches = 20;
    let start = Instant::now();
    for b in 0..batches {
        let events: Vec<Event> = (0..1000)
            .map(|i| Event {
                subject: format!("b{b}-{}", i % 100),
                at: base(),
                key: None,
                source: None,
                proof: None,
                change: Change::GpcSignal { on: i % 2 == 0 },
            })
            .collect();
        ledger.record_at(policy, &events, now()).unwrap();
    }
    let batched = (batches * 1000) as f64 / start.elapsed().as_secs_f64();
    println!(
        "ledger record: {per_tx:.0} events/s one per transaction, {batched:.0} events/s in \
         batches of 1000"
    );
}

fn bench(c: &mut Criterion) {
    let policy = policy();
    figures(&policy);
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::sqlite(dir.path().join("lawful.db")).unwrap();
    ledger
        .record_at(&policy, &history("u1", "h"), now())
        .unwrap();
    let mut group = c.benchmark_group("ledger");
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("materialize_50_events", |b| {
        b.iter(|| {
            ledger
                .materialize(&policy, black_box("u1"), Some(now()))
                .unwrap()
        })
    });
    let mut n = 0u64;
    group.throughput(Throughput::Elements(1));
    group.bench_function("record_one_per_transaction", |b| {
        b.iter_batched(
            || {
                n += 1;
                Event {
                    subject: format!("r{}", n % 100),
                    at: base(),
                    key: None,
                    source: None,
                    proof: None,
                    change: Change::GpcSignal { on: true },
                }
            },
            |e| ledger.record_at(&policy, &[e], now()).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
