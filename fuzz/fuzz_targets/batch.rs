//! JSON Lines of arbitrary bytes through the batch engine (`lawful batch`) over a fixed
//! policy (the seed policy `anker`). Never panics, and:
//! - every query line gets exactly one answer line, and each is one JSON object;
//! - the stream answers each line as that line alone answers it (the subject cache warm
//!   vs cold; the line number of an error line aside), and a second run over the same
//!   input, with every cache warm, answers the same;
//! - the line scanner and serde_json alone ([`Batch::without_scanner`]) answer the same.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::Timestamp;
use lawful::batch::{Batch, Stats};
use lawful::Policy;
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let text = include_str!("../../policies/anker.lawful");
        lawful::compile_str_with("anker.lawful", text, lawful::CompileOptions::deciding())
            .unwrap_or_else(|failed| panic!("the fixed policy does not compile: {failed}"))
            .policy
    })
}

fn now() -> Timestamp {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

fn run(batch: &mut Batch<'_>, input: &[u8]) -> (Stats, Vec<u8>) {
    let mut out = Vec::new();
    let stats = batch
        .run(input, &mut out)
        .expect("running in memory cannot fail");
    (stats, out)
}

/// The answer lines of an output, each read as one JSON object (top-level members as raw
/// text, so that any number an `id` echoes is kept as written).
fn answers(out: &[u8]) -> Vec<BTreeMap<String, &RawValue>> {
    let text = std::str::from_utf8(out).expect("the answers are UTF-8");
    let body = text.strip_suffix('\n').unwrap_or_else(|| {
        assert!(text.is_empty(), "the answers do not end with a newline");
        text
    });
    if body.is_empty() {
        return Vec::new();
    }
    body.split('\n')
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("answer `{line}` is not a JSON object: {e}"))
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let policy = policy();
    let mut batch = Batch::new(policy, now());
    let (stats, stream) = run(&mut batch, data);
    let answered = answers(&stream);
    assert_eq!(
        answered.len(),
        stats.queries,
        "one answer line per query line"
    );
    let errors = answered.iter().filter(|a| a.contains_key("error")).count();
    assert_eq!(errors, stats.errors, "error lines counted");

    // Warm caches answer the same.
    let (again_stats, again) = run(&mut batch, data);
    assert_eq!(again_stats, stats);
    assert_eq!(
        again, stream,
        "a second run with warm caches answers differently"
    );

    // serde_json alone answers the same as the scanner.
    let (full_stats, full) = run(&mut Batch::new(policy, now()).without_scanner(), data);
    assert_eq!(full_stats, stats);
    if full != stream {
        panic!(
            "the scanner and serde_json answer differently:\nscanner: {}\nserde:   {}",
            String::from_utf8_lossy(&stream),
            String::from_utf8_lossy(&full)
        );
    }

    // Each line alone, with cold caches, answers as the stream did.
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.ends_with(b"\n") || data.is_empty() {
        lines.pop();
    }
    assert_eq!(lines.len(), stats.lines, "lines counted");
    let mut next = answered.iter();
    for (n, line) in lines.iter().enumerate() {
        let (alone_stats, alone) = run(&mut Batch::new(policy, now()), line);
        let alone = answers(&alone);
        assert!(alone.len() <= 1);
        let Some(mut alone) = alone.into_iter().next() else {
            assert_eq!(alone_stats.queries, 0);
            continue;
        };
        let mut streamed = next.next().expect("the stream answered this line").clone();
        // An error line names its line: 1 alone, its number in the stream.
        if let (Some(at), Some(one)) = (streamed.remove("line"), alone.remove("line")) {
            assert_eq!(at.get(), (n + 1).to_string(), "error line numbered");
            assert_eq!(one.get(), "1");
        }
        let show = |a: &BTreeMap<String, &RawValue>| serde_json::to_string(a).unwrap();
        assert_eq!(
            show(&streamed),
            show(&alone),
            "line {} answered differently in the stream and alone",
            n + 1
        );
    }
    assert!(next.next().is_none(), "more answers than lines");
});
