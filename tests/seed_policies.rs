//! The five seed policies (issue 4): each checks without warnings, carries at least 20 test
//! blocks, and every test passes — through the library and through `lawful test`.

use std::path::PathBuf;

use assert_cmd::Command;

const POLICIES: [&str; 5] = ["anker", "minipower", "ampower", "jiana", "minopio"];

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("policies")
        .join(format!("{name}.lawful"))
}

#[test]
fn every_seed_policy_checks_clean_and_passes_its_tests() {
    for name in POLICIES {
        let compiled = match lawful::compile_file(path(name)) {
            Ok(compiled) => compiled,
            Err(failed) => panic!("{name}: {failed}"),
        };
        let warnings: Vec<&str> = compiled.warnings.items.iter().map(|d| d.code).collect();
        assert!(warnings.is_empty(), "{name}: warnings {warnings:?}");
        let policy = &compiled.policy;
        assert!(
            policy.tests().len() >= 20,
            "{name}: only {} test blocks",
            policy.tests().len()
        );
        assert!(!policy.assertions().is_empty(), "{name}: no assertions");
        let report = lawful::testing::run_tests(policy);
        let failures: Vec<String> = report
            .failures
            .iter()
            .map(|f| format!("{}: expected {:?}, got {:?}", f.test, f.expected, f.actual))
            .collect();
        assert!(failures.is_empty(), "{name}: {failures:#?}");
        assert!(
            report.passed > policy.tests().len(),
            "{name}: expectations not run"
        );
    }
}

#[test]
fn every_seed_rule_cites_its_source() {
    // Each declaration of a seed policy cites the text it encodes (`//>`); a citation sits in
    // its own place, so it never leaks into the notice the doc comments make.
    for name in POLICIES {
        let compiled = lawful::compile_file(path(name)).map_err(|f| f.to_string());
        let policy = compiled.map(|c| c.policy).unwrap_or_else(|e| panic!("{e}"));
        let root = policy
            .sources()
            .find(&lawful::source::Origin::File(path(name)));
        let in_root = |span: lawful::source::Span| Some(span.source) == root;
        for purpose in policy
            .purposes()
            .iter()
            .filter(|p| p.declared && in_root(p.info.span))
        {
            assert!(
                policy.citation(purpose.info.span).is_some(),
                "{name}: purpose `{}` cites nothing",
                purpose.info.name
            );
        }
        for recipient in policy.recipients().iter().filter(|r| in_root(r.info.span)) {
            assert!(
                policy.citation(recipient.info.span).is_some(),
                "{name}: recipient `{}` cites nothing",
                recipient.info.name
            );
        }
        for rule in policy.rules().iter().filter(|r| in_root(r.info.span)) {
            assert!(
                policy.citation(rule.info.span).is_some(),
                "{name}: rule `{}` cites nothing",
                rule.info.name
            );
        }
        for test in policy.tests() {
            assert!(
                test.docs.is_some(),
                "{name}: test {:?} names no sentence",
                test.name
            );
        }
    }
}

#[test]
fn lawful_test_over_the_policies_folder_passes() {
    let output = Command::cargo_bin("lawful")
        .map(|mut cmd| {
            cmd.arg("test")
                .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies"))
                .output()
        })
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    let passed: usize = last
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(passed >= 100, "{last}");
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
}
