//! `lawful test`: run the `test` blocks of policies.

use std::collections::BTreeSet;
use std::io;
use std::path::PathBuf;

use lawful::load::LoadOptions;
use lawful::source::SourceMap;
use lawful::testing::{run_tests, Outcome, TestFailure};

use super::output::{self, errln, Out};
use super::{exit, render};

pub fn run(paths: &[PathBuf], load: &LoadOptions) -> u8 {
    let files = match super::policy_files(paths) {
        Ok(files) => files,
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    let result = Out::open().and_then(|mut out| {
        let code = run_files(&files, load, &mut out)?;
        out.finish().map(|()| code)
    });
    result.unwrap_or_else(|e| output::failed(&e))
}

fn run_files(files: &[PathBuf], load: &LoadOptions, out: &mut Out) -> io::Result<u8> {
    let mut passed = 0usize;
    let mut failed = 0usize;
    let mut broken = 0usize;
    for file in files {
        let compiled = match lawful::compile_file_with(
            file,
            lawful::CompileOptions {
                load: load.clone(),
                ..lawful::CompileOptions::default()
            },
        ) {
            Ok(compiled) => compiled,
            Err(failure) => {
                for d in failure.diagnostics.errors() {
                    output::err(&render::human(d, &failure.sources));
                }
                broken += 1;
                continue;
            }
        };
        let policy = &compiled.policy;
        let report = run_tests(policy);
        let failing: BTreeSet<u32> = report.failures.iter().map(|f| f.test_span.start).collect();
        for failure in &report.failures {
            out.text(&failure_text(failure, policy.sources()))?;
        }
        let file_failed = failing.len();
        let file_passed = report.tests - file_failed;
        if report.tests > 0 {
            out.line(&format!(
                "{}: {file_passed} passed, {file_failed} failed ({} expectations)",
                file.display(),
                report.passed + report.failed
            ))?;
        }
        passed += file_passed;
        failed += file_failed;
    }
    if broken > 0 {
        out.line(&format!("{broken} file(s) did not check"))?;
    }
    out.line(&format!("{passed} passed, {failed} failed"))?;
    Ok(if failed == 0 && broken == 0 {
        exit::OK
    } else {
        exit::FAILED
    })
}

fn failure_text(failure: &TestFailure, sources: &SourceMap) -> String {
    let (line, col) = sources.line_col(failure.span);
    format!(
        "FAIL {:?} at {}:{line}:{col}\n  {}\n  expected: {}\n  actual:   {}\n  because:  {}\n",
        failure.test,
        sources.name(failure.span.source),
        sources.snippet(failure.span).trim(),
        describe(&failure.expected),
        describe(&failure.actual),
        failure.explanation
    )
}

fn describe(outcome: &Outcome) -> String {
    let mut text = outcome.outcome.clone();
    for (label, value) in [
        ("reason", &outcome.reason),
        ("basis", &outcome.basis),
        ("safeguard", &outcome.safeguard),
        ("by", &outcome.rule),
        ("date", &outcome.date),
    ] {
        if let Some(value) = value {
            text.push_str(&format!(" {label} {value}"));
        }
    }
    text
}
