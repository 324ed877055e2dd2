//! How long proving takes: every assertion (and the prover's lints) of each seed policy, and
//! of synthetic policies up to about 100 times the richest seed policy (anker: 49 purposes,
//! 12 deny rules, 14 recipients, 14 assertions; `synth::policy(5000)`: 5,020 purposes, 5,000
//! deny rules, 2,500 recipients, plus the assertions below).
//! `cargo bench --features bench --bench verify`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use lawful::verify::Verifier;
use lawful::Policy;

/// Assertions added to the synthetic policies: four that hold, one that fails.
const SYNTHETIC_ASSERTIONS: &str = "
assert never use * for area0.* in EU when subject.child and not parental_consent
assert never disclose * to kind ad_network when subject.age < 13
assert never transfer data.* from CN to US
assert never sell #sensitive in CN
assert area0.purpose0 requires consent in EU
";

/// Check without proving: the policy and the id of its root file.
fn checked(loaded: lawful::load::Loaded) -> (Policy, lawful::source::SourceId) {
    let root = loaded.root;
    let policy = lawful::check::check(loaded).0.unwrap_or_else(|| {
        eprintln!("the policy does not check");
        std::process::exit(1)
    });
    (policy, root)
}

fn seed(name: &str) -> (Policy, lawful::source::SourceId) {
    let path = format!("{}/policies/{name}.lawful", env!("CARGO_MANIFEST_DIR"));
    checked(lawful::load::load_path(std::path::Path::new(&path)).0)
}

fn synthetic(scale: usize) -> (Policy, lawful::source::SourceId) {
    let text = format!("{}{SYNTHETIC_ASSERTIONS}", lawful::synth::policy(scale));
    checked(lawful::load::load_str("synthetic.lawful", &text).0)
}

fn seeds(c: &mut Criterion) {
    let mut group = c.benchmark_group("prove");
    for name in ["anker", "minipower", "ampower", "jiana", "minopio"] {
        let (policy, _) = seed(name);
        group.bench_function(name, |b| {
            b.iter(|| Verifier::new(&policy).prove_all().len())
        });
    }
    group.finish();
    let mut group = c.benchmark_group("prove+lints");
    for name in ["anker", "minipower", "ampower", "jiana", "minopio"] {
        let (policy, root) = seed(name);
        group.bench_function(name, |b| {
            b.iter(|| lawful::verify::check(&policy, root).len())
        });
    }
    group.finish();
}

fn synthetic_policies(c: &mut Criterion) {
    let mut group = c.benchmark_group("prove-synthetic");
    group.sample_size(10);
    for scale in [50usize, 500, 5000] {
        let (policy, root) = synthetic(scale);
        group.bench_with_input(BenchmarkId::new("prove", scale), &policy, |b, policy| {
            b.iter(|| Verifier::new(policy).prove_all().len())
        });
        group.bench_with_input(
            BenchmarkId::new("prove+lints", scale),
            &policy,
            |b, policy| b.iter(|| lawful::verify::check(policy, root).len()),
        );
    }
    group.finish();
}

criterion_group!(benches, seeds, synthetic_policies);
criterion_main!(benches);
