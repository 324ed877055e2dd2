//! Decisions per second of the batch engine (`lawful batch` without the process around it):
//! `cargo bench --features bench --bench batch`.
//!
//! The input is a deterministic JSON Lines stream over the richest seed policy
//! ([`lawful::batch::sample`]): declared purposes, three times in four a field of a
//! category the purpose uses, one line in eight a disclosure to a random recipient, five
//! subjects, a numeric `id` on every line. One engine answers it again and again, into a
//! reused buffer and into `io::sink()`; criterion reports lines per second. Before that,
//! this binary prints its own one-line figure: the fastest of a few timed runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use lawful::batch::{sample, Batch};
use lawful::Policy;

/// Lines in the stream (about 18 MB of queries, 45 MB of answers).
const LINES: usize = 100_000;
/// Timed runs for the one-line figure (the fastest counts, so that time the OS gives to
/// other processes does not).
const RUNS: usize = 10;
const NOW: &str = "2025-01-01T00:00:00Z";

fn anker() -> Policy {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/anker.lawful");
    lawful::compile_file(path).unwrap().policy
}

fn input(policy: &Policy) -> Vec<u8> {
    let mut input = Vec::new();
    sample::write(policy, &sample::ANKER_SUBJECTS, LINES, &mut input).unwrap();
    input
}

/// `decisions per second` of the fastest of [`RUNS`] runs into a reused buffer.
fn figure(policy: &Policy, input: &[u8]) {
    let mut batch = Batch::new(policy, NOW.parse().unwrap());
    let mut out = Vec::new();
    let mut best = Duration::MAX;
    for _ in 0..RUNS {
        out.clear();
        let start = Instant::now();
        let stats = batch.run(input, &mut out).unwrap();
        best = best.min(start.elapsed());
        assert_eq!((stats.queries, stats.errors), (LINES, 0));
    }
    let per_second = LINES as f64 / best.as_secs_f64();
    println!(
        "batch (anker, {LINES} lines, {} bytes in, {} bytes out): {:.2} million decisions per second ({:.0} ns per line)",
        input.len(),
        out.len(),
        per_second / 1e6,
        1e9 / per_second,
    );
}

fn all(c: &mut Criterion) {
    let policy = anker();
    let input = input(&policy);
    // The figure only under `cargo bench` (not when `cargo test --benches` smoke-runs this).
    if std::env::args().any(|a| a == "--bench") {
        figure(&policy, &input);
    }
    let mut group = c.benchmark_group("batch/anker");
    group.throughput(Throughput::Elements(LINES as u64));
    let mut batch = Batch::new(&policy, NOW.parse().unwrap());
    let mut out = Vec::new();
    group.bench_function("to_vec", |bencher| {
        bencher.iter(|| {
            out.clear();
            batch.run(black_box(&input[..]), &mut out).unwrap()
        })
    });
    group.bench_function("to_sink", |bencher| {
        bencher.iter(|| batch.run(black_box(&input[..]), std::io::sink()).unwrap())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = all
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
