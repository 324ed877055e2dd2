//! `lawful test`: run the `test` blocks of policies.

use std::collections::BTreeSet;
use std::path::PathBuf;

use lawful::source::SourceMap;
use lawful::testing::{run_tests, Outcome, TestFailure};

use super::{exit, render};

pub fn run(paths: &[PathBuf]) -> u8 {
    let files = match super::policy_files(paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut passed = 0usize;
    let mut failed = 0usize;
    let mut broken = 0usize;
    for file in &files {
        let compiled = match lawful::compile_file(file) {
            Ok(compiled) => compiled,
            Err(failure) => {
                for d in failure.diagnostics.errors() {
                    eprint!("{}", render::human(d, &failure.sources));
                }
                broken += 1;
                continue;
            }
        };
        let policy = &compiled.policy;
        let report = run_tests(policy);
        let failing: BTreeSet<u32> = report.failures.iter().map(|f| f.test_span.start).collect();
        for failure in &report.failures {
            print_failure(failure, &policy.sources);
        }
        let file_failed = failing.len();
        let file_passed = report.tests - file_failed;
        if report.tests > 0 {
            println!(
                "{}: {file_passed} passed, {file_failed} failed ({} expectations)",
                file.display(),
                report.passed + report.failed
            );
        }
        passed += file_passed;
        failed += file_failed;
    }
    if broken > 0 {
        println!("{broken} file(s) did not check");
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 && broken == 0 {
        exit::OK
    } else {
        exit::FAILED
    }
}

fn print_failure(failure: &TestFailure, sources: &SourceMap) {
    let (line, col) = sources.line_col(failure.span);
    println!(
        "FAIL {:?} at {}:{line}:{col}",
        failure.test,
        sources.name(failure.span.source)
    );
    println!("  {}", sources.snippet(failure.span).trim());
    println!("  expected: {}", describe(&failure.expected));
    println!("  actual:   {}", describe(&failure.actual));
    println!("  because:  {}", failure.explanation);
}

fn describe(outcome: &Outcome) -> String {
    let mut text = outcome.outcome.clone();
    for (label, value) in [
        ("reason", &outcome.reason),
        ("basis", &outcome.basis),
        ("safeguard", &outcome.safeguard),
        ("date", &outcome.date),
    ] {
        if let Some(value) = value {
            text.push_str(&format!(" {label} {value}"));
        }
    }
    text
}
