//! Policy text of arbitrary bytes: compiling (with a small prover budget, so that no input
//! can make a proof run long — an undecided assertion is an error, which is fine) never
//! panics. And `lawful fmt`: any text that parses formats without an internal error; the
//! layout is idempotent; the formatted text compiles exactly when the input does, to a
//! policy that holds and decides the same (its model without positions, the members of its
//! sets, a sample of decisions, the results of its own tests, the warnings).
#![no_main]

use lawful::format::{format_source, FormatError};
use lawful::{CompileOptions, Compiled, Failed};
use libfuzzer_sys::fuzz_target;

fn compile(text: &str) -> Result<Compiled, Failed> {
    let options = CompileOptions {
        prover_budget: 100_000,
        ..Default::default()
    };
    lawful::compile_str_with("fuzz.lawful", text, options)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let compiled = compile(text);
    let formatted = match format_source(text) {
        Ok(formatted) => formatted,
        Err(FormatError::Syntax { .. }) => {
            assert!(compiled.is_err(), "a policy that compiles does not format");
            return;
        }
        Err(e @ FormatError::Changed { .. }) => panic!("the formatter changed a token: {e}"),
    };
    let again = format_source(&formatted)
        .unwrap_or_else(|e| panic!("formatted text does not format again: {e}"));
    assert_eq!(again, formatted, "formatting is not idempotent");
    let recompiled = compile(&formatted);
    assert_eq!(
        fingerprint(&recompiled),
        fingerprint(&compiled),
        "the formatted policy compiles to something else"
    );
});

/// What a compilation observably produced, without positions (as in `tests/fmt.rs`): the
/// model's every part but the source texts, the members of its id sets, a sample of use
/// decisions, the results of the policy's own tests, and the diagnostics' codes.
fn fingerprint(result: &Result<Compiled, Failed>) -> String {
    let compiled = match result {
        Ok(compiled) => compiled,
        Err(failed) => {
            let mut codes: Vec<&str> = failed.diagnostics.items.iter().map(|d| d.code).collect();
            codes.sort_unstable();
            return format!("failed: {codes:?}");
        }
    };
    let policy = &compiled.policy;
    let report = lawful::testing::run_tests(policy);
    let failures: Vec<String> = report
        .failures
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {:?} {}",
                f.test, f.expected, f.actual, f.explanation
            )
        })
        .collect();
    let parts = [
        format!("{:?}", policy.header()),
        format!("{:?}", policy.regions()),
        format!("{:?}", policy.categories()),
        format!("{:?}", policy.fields()),
        format!("{:?}", policy.purposes()),
        format!("{:?}", policy.recipients()),
        format!("{:?}", policy.subject_kinds()),
        format!("{:?}", policy.attributes()),
        format!("{:?}", policy.events()),
        format!("{:?}", policy.flags()),
        format!("{:?}", policy.symbols()),
        format!("{:?}", policy.rules()),
        format!("{:?}", policy.transfers()),
        format!("{:?}", policy.localizations()),
        format!("{:?}", policy.retention()),
        format!("{:?}", policy.children()),
        format!("{:?}", policy.provenances()),
        format!("{:?}", policy.rights()),
        format!("{:?}", policy.responses()),
        format!("{:?}", policy.tests()),
        format!("{:?}", policy.assertions()),
    ];
    let model = without_stamps(&without_positions(&parts.join("\n")));
    let mut warnings: Vec<&str> = compiled.warnings.items.iter().map(|d| d.code).collect();
    warnings.sort_unstable();
    format!(
        "{model}\nsets {}\ndecisions {}\nwarnings {warnings:?}\nproven {} {}\n\
         tests {} passed {} failed {} {failures:#?}",
        sets(policy),
        decisions(policy),
        compiled.assertions_proven,
        compiled.proofs.len(),
        report.tests,
        report.passed,
        report.failed
    )
}

/// The members of the model's id sets (their `Debug` shows only the bit vector's address).
fn sets(policy: &lawful::Policy) -> String {
    fn ids(set: &lawful::model::IdSet) -> Vec<usize> {
        set.iter().collect()
    }
    let mut out = Vec::new();
    for r in policy.regions() {
        out.push(format!(
            "region {} {:?} {:?}",
            r.info.name,
            ids(&r.within),
            ids(&r.inside)
        ));
    }
    for c in policy.categories() {
        out.push(format!("category {} {:?}", c.info.name, ids(&c.flags)));
    }
    for p in policy.purposes() {
        let scopes: Vec<Vec<usize>> = p.bases.iter().map(|b| ids(&b.scope)).collect();
        let subjects = p.subjects.as_ref().map(ids);
        out.push(format!(
            "purpose {} {:?} {scopes:?} {subjects:?}",
            p.info.name,
            ids(&p.uses)
        ));
    }
    for r in policy.recipients() {
        out.push(format!(
            "recipient {} {:?} {:?}",
            r.info.name,
            ids(&r.purposes),
            ids(&r.categories)
        ));
    }
    for r in policy.rules() {
        let action = match &r.action {
            lawful::model::RuleAction::Use { purposes } => vec![ids(purposes)],
            lawful::model::RuleAction::Disclose {
                recipients,
                kinds,
                purposes,
            } => {
                vec![ids(recipients), vec![*kinds as usize], ids(purposes)]
            }
            lawful::model::RuleAction::Transfer { from, to } => vec![ids(from), ids(to)],
            _ => vec![],
        };
        let excepts: Vec<_> = r
            .excepts
            .iter()
            .map(|e| {
                [&e.purposes, &e.regions, &e.to_regions, &e.recipients].map(|s| s.as_ref().map(ids))
            })
            .collect();
        out.push(format!(
            "rule {} {action:?} {:?} {:?} {excepts:?}",
            r.info.name,
            ids(&r.categories),
            ids(&r.regions)
        ));
    }
    for t in policy.transfers() {
        out.push(format!(
            "transfer {:?} {:?} {:?}",
            ids(&t.categories),
            ids(&t.from),
            ids(&t.to)
        ));
    }
    for l in policy.localizations() {
        out.push(format!(
            "localize {:?} {:?}",
            ids(&l.categories),
            ids(&l.within)
        ));
    }
    for r in policy.retention() {
        let purposes = r.purposes.as_ref().map(ids);
        out.push(format!(
            "retain {:?} {purposes:?} {:?}",
            ids(&r.categories),
            ids(&r.regions)
        ));
    }
    out.join("\n")
}

/// Use decisions of every purpose on a sample of categories, in a few regions, for an
/// adult and a child who gave no consent.
fn decisions(policy: &lawful::Policy) -> String {
    let now = "2025-01-01T00:00:00Z".parse().expect("a timestamp");
    let step = (policy.categories().len() / 8).max(1);
    let regions: Vec<&str> = policy
        .regions()
        .iter()
        .take(4)
        .map(|r| r.info.name.as_str())
        .collect();
    let mut out = Vec::new();
    for region in &regions {
        for age in [40, 10] {
            let subject = lawful::Subject::from_json_str(
                policy,
                &serde_json::json!({ "region": region, "age": age }).to_string(),
                now,
            );
            let Ok(subject) = subject else {
                out.push(format!("{region} {age}: {:?}", subject.map(|_| ())));
                continue;
            };
            for purpose in policy.purposes() {
                for category in policy.categories().iter().step_by(step) {
                    let decision = policy.decide_use_by_name(
                        &purpose.info.name,
                        &category.info.name,
                        &subject,
                        Some(region),
                    );
                    out.push(format!(
                        "{:?}",
                        decision.map(|d| (d.allowed(), d.reason, d.basis))
                    ));
                }
            }
        }
    }
    out.join(",")
}

/// A `Debug` dump with every `Span { … }`, the (unordered) `NameIndex` maps and the bit
/// vectors' addresses removed.
fn without_positions(dump: &str) -> String {
    let mut out = String::with_capacity(dump.len());
    let mut rest = dump;
    loop {
        let span = rest.find("Span { source: ");
        let index = rest.find("NameIndex { map: ");
        let bits = rest.find("FixedBitSet { data: ");
        let Some(at) = span.into_iter().chain(index).chain(bits).min() else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        // Skip to the brace that closes the one opened at `at`.
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest[at..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = at + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push_str(if span == Some(at) {
            "Span"
        } else if index == Some(at) {
            "NameIndex"
        } else {
            "FixedBitSet"
        });
        rest = &rest[end..];
    }
}

/// A `Debug` dump with every `PolicyStamp(n)` written `PolicyStamp`.
fn without_stamps(dump: &str) -> String {
    let mut out = String::with_capacity(dump.len());
    let mut rest = dump;
    while let Some(at) = rest.find("PolicyStamp(") {
        let digits = at + "PolicyStamp(".len();
        out.push_str(&rest[..at]);
        out.push_str("PolicyStamp");
        let end = rest[digits..]
            .find(')')
            .map_or(rest.len(), |i| digits + i + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
