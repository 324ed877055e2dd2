#![allow(clippy::unwrap_used)]
#[test]
fn seeds() {
    for entry in std::fs::read_dir("policies").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("lawful") { continue; }
        let policy = lawful::compile_file(&path).unwrap().policy;
        let report = lawful::testing::run_tests(&policy);
        println!("{}: {} tests, {} passed, {} failed", path.display(), report.tests, report.passed, report.failed);
        for f in &report.failures {
            let (line, _) = policy.sources.line_col(f.span);
            println!("  {} (line {line}) {}: expected {:?} got {:?} [{:?}]\n     {}", f.test, policy.sources.name(f.span.source), f.expected, f.actual, f.mismatched, f.explanation);
        }
    }
}
