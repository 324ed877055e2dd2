//! Compiles a policy for deciding a number of times, for instruction counts: `valgrind
//! --tool=callgrind target/release/examples/compile_peers benches/data/peers-x100.lawful 3`
//! (README, "The peers' scenario"). Prints the wall time and the heap allocations of each
//! round.
//!
//! A third argument stops early: `parse` parses only; with `--features testkit`, `declare`,
//! `resolve`, `index`, `lints` or `compile` load the file and run the checker through that
//! stage (`lawful::check::stages`), so a stage's instructions are its run's less the one
//! before.

use std::alloc::System;
use std::time::Instant;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "benches/data/peers-x100.lawful".to_owned());
    let rounds: usize = args.next().map_or(Ok(3), |n| n.parse())?;
    let last = args.next();
    let text = std::fs::read_to_string(&path)?;
    for _ in 0..rounds {
        let region = Region::new(GLOBAL);
        let start = Instant::now();
        match last.as_deref() {
            None => {
                let compiled =
                    lawful::compile_str_with(&path, &text, lawful::CompileOptions::deciding())
                        .map_err(|failed| format!("{path} does not compile: {failed}"))?;
                std::hint::black_box(compiled.policy);
            }
            Some("parse") => {
                let parsed = lawful::syntax::parse(lawful::source::SourceId(0), &text);
                if parsed.is_err() {
                    return Err(format!("{path} does not parse").into());
                }
            }
            Some(stage) => staged(&path, &text, stage)?,
        }
        let elapsed = start.elapsed();
        let change = region.change();
        println!(
            "{:.2} ms, {} allocations ({} reallocations), {} bytes allocated",
            elapsed.as_secs_f64() * 1e3,
            change.allocations,
            change.reallocations,
            change.bytes_allocated
        );
    }
    Ok(())
}

#[cfg(feature = "testkit")]
fn staged(path: &str, text: &str, stage: &str) -> Result<(), Box<dyn std::error::Error>> {
    use lawful::check::stages::{check_through, Stage};
    let stage = match stage {
        "load" => None,
        "declare" => Some(Stage::Declare),
        "resolve" => Some(Stage::Resolve),
        "index" => Some(Stage::Index),
        "lints" => Some(Stage::Lints),
        "compile" => Some(Stage::Compile),
        other => return Err(format!("unknown stage `{other}`").into()),
    };
    let (loaded, diagnostics) = lawful::load::load_str(path, text);
    if diagnostics.has_errors() {
        return Err(format!("{path} does not load").into());
    }
    if let Some(stage) = stage {
        std::hint::black_box(check_through(loaded, stage));
    }
    Ok(())
}

#[cfg(not(feature = "testkit"))]
fn staged(_: &str, _: &str, stage: &str) -> Result<(), Box<dyn std::error::Error>> {
    Err(format!("stage `{stage}` needs `--features testkit`").into())
}
