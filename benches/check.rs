//! How long `lawful check` takes: parse + check + compile, on the richest seed policy and on
//! synthetic policies. `cargo bench --features bench --bench check`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn seed(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/anker.lawful");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| fail(path, &e.to_string()));
    // A policy that does not compile would time the error path: refuse, loudly.
    if let Err(failed) = lawful::compile_file(path) {
        fail(path, &failed.to_string());
    }
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("anker.lawful", |b| {
        b.iter(|| lawful::compile_file(path).is_ok())
    });
    group.finish();
}

fn synthetic(c: &mut Criterion) {
    let mut group = c.benchmark_group("check-synthetic");
    group.sample_size(10);
    // `scale` deny rules + `scale` transfers + `scale` retention rules.
    for scale in [334usize, 3334] {
        let text = lawful::synth::policy(scale);
        if let Err(failed) = lawful::compile_str("synthetic.lawful", &text) {
            fail("synthetic.lawful", &failed.to_string());
        }
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("rules", scale * 3), &text, |b, text| {
            b.iter(|| lawful::compile_str("synthetic.lawful", text).is_ok())
        });
    }
    group.finish();
}

fn fail(what: &str, why: &str) -> ! {
    eprintln!("benchmark input {what} does not compile: {why}");
    std::process::exit(1)
}

criterion_group!(benches, seed, synthetic);
criterion_main!(benches);
