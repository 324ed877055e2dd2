//! `lawful fmt`: idempotent, model-preserving, canonical (the layout does not depend on how
//! the input was spaced), over the seed policies, the standard library, the valid corpus,
//! synthetic policies and random re-spacings of all of them; and the command's exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use lawful::format::{format_source, respace, Gap};
use proptest::prelude::*;

/// Every `.lawful` file the formatter must keep working on.
fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["policies", "std", "tests/valid", "tests/valid/vocabulary"] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "lawful") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(
        files.len() >= 8,
        "the corpus has only {} files",
        files.len()
    );
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn format(text: &str, name: &str) -> String {
    format_source(text).unwrap_or_else(|e| panic!("{name} does not format: {e}"))
}

/// What a compilation observably produced, without positions: the model (every table,
/// spans and the texts left out, name indexes as sorted lists), the diagnostics' codes, and
/// the results of the policy's own tests.
fn fingerprint(result: Result<lawful::Compiled, lawful::Failed>) -> String {
    let compiled = match result {
        Ok(compiled) => compiled,
        Err(failed) => {
            let codes: Vec<&str> = failed.diagnostics.items.iter().map(|d| d.code).collect();
            return format!("failed: {codes:?}");
        }
    };
    let report = lawful::testing::run_tests(&compiled.policy);
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
    let index = &compiled.policy.index();
    let mut names: Vec<Vec<&str>> = vec![
        index.regions.names().collect(),
        index.categories.names().collect(),
        index.fields.names().collect(),
        index.purposes.names().collect(),
        index.recipients.names().collect(),
        index.subject_kinds.names().collect(),
        index.attributes.names().collect(),
        index.events.names().collect(),
        index.symbols.names().collect(),
    ];
    names.iter_mut().for_each(|n| n.sort_unstable());
    let policy = &compiled.policy;
    // Every compiled part but the source texts (which differ by layout, by design).
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
        format!("{:?}", policy.index()),
    ];
    let model = without_stamps(&without_positions(&parts.join("\n")));
    let warnings: Vec<&str> = compiled.warnings.items.iter().map(|d| d.code).collect();
    format!(
        "{model}\nsets {}\ndecisions {}\nnames {names:?}\nwarnings {warnings:?}\n\
         tests {} passed {} failed {} {failures:#?}",
        sets(policy),
        decisions(policy),
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
            "recipient {} {:?} {:?} {:?}",
            r.info.name,
            ids(&r.purposes),
            ids(&r.categories),
            r.consent
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
            lawful::model::RuleAction::Combine { with, purposes } => {
                vec![ids(with), ids(purposes)]
            }
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

/// Use decisions over a sample of purposes, categories and regions, for an adult and a
/// child of unknown consent.
fn decisions(policy: &lawful::Policy) -> String {
    let Ok(now) = "2025-01-01T00:00:00Z".parse() else {
        return String::new();
    };
    let regions: Vec<&str> = ["DE", "US-CA", "CN", "GB", "FR"]
        .into_iter()
        .filter(|r| policy.index().regions.get(r).is_some())
        .collect();
    let step = (policy.categories().len() / 12).max(1);
    let mut out = Vec::new();
    for region in &regions {
        for age in [40, 10] {
            let json = format!(r#"{{"region": "{region}", "age": {age}}}"#);
            let Ok(subject) = lawful::Subject::from_json_str(policy, &json, now) else {
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

/// A `Debug` dump with every `PolicyStamp(n)` written `PolicyStamp`: the stamp says which
/// compilation a policy (or a subject made for it) comes from, not what it holds.
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

static SCRATCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Compile `text` as if it were the file at `path`: in a copy of the file's directory, so
/// its relative imports resolve.
fn compile_as(path: &Path, text: &str) -> Result<lawful::Compiled, lawful::Failed> {
    let n = SCRATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("lawful-fmt-{}-{n}", std::process::id()));
    let parent = path.parent().unwrap_or(Path::new("."));
    copy_lawful_files(parent, &dir);
    let copy = dir.join(path.file_name().unwrap());
    std::fs::write(&copy, text).unwrap();
    let result = lawful::compile_file(&copy);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn copy_lawful_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_lawful_files(&path, &target);
        } else if path.extension().is_some_and(|e| e == "lawful") {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// `formatted` is a fixed point and compiles to what `original` (the text of `path`) does.
fn assert_formatted_well(path: &Path, original: &str, formatted: &str) {
    let name = path.display().to_string();
    assert_same(
        formatted,
        &format(formatted, &name),
        &format!("{name}: not idempotent"),
    );
    assert!(
        formatted.ends_with('\n') || formatted.is_empty(),
        "{name}: no final newline"
    );
    assert!(
        formatted.lines().all(|l| l.trim_end() == l),
        "{name}: trailing whitespace"
    );
    assert_same(
        &fingerprint(compile_as(path, original)),
        &fingerprint(compile_as(path, formatted)),
        &format!("{name}: the formatted text compiles to a different model"),
    );
}

/// Equal texts, or a panic showing where they first differ.
fn assert_same(expected: &str, found: &str, what: &str) {
    if expected == found {
        return;
    }
    let at = expected
        .chars()
        .zip(found.chars())
        .take_while(|(a, b)| a == b)
        .count();
    let context =
        |s: &str| -> String { s.chars().skip(at.saturating_sub(300)).take(500).collect() };
    panic!(
        "{what}\nexpected: …{}…\n   found: …{}…",
        context(expected),
        context(found)
    );
}

#[test]
fn corpus_files_format_idempotently_to_the_same_model() {
    for path in corpus() {
        let text = read(&path);
        let formatted = format(&text, &path.display().to_string());
        assert_formatted_well(&path, &text, &formatted);
    }
}

#[test]
fn the_fingerprint_sees_a_changed_model() {
    let a = fingerprint(lawful::compile_str("a", "category a \"A\"\n"));
    let b = fingerprint(lawful::compile_str("b", "category a \"B\"\n"));
    let c = fingerprint(lawful::compile_str("c", "\n\ncategory   a \"A\"\n"));
    assert_ne!(a, b);
    assert_eq!(a, c);
}

/// Deterministic choices from a seed (xorshift), so proptest can shrink the seed.
struct Choices(u64);

impl Choices {
    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        options[(self.0 % options.len() as u64) as usize]
    }
}

/// Re-space `text` keeping what the layout keeps (blank lines, and whether a comment
/// starts its line), changing everything else: spaces, tabs, line breaks, none at all.
fn respace_layout_free(text: &str, seed: u64) -> String {
    let mut choices = Choices(seed | 1);
    respace(text, |gap: Gap| {
        let keep_line = gap.before_comment || gap.needs_newline;
        let options: &[&str] = match (gap.newlines, keep_line) {
            (0, true) => &[" ", "   ", "\t"],
            (1, true) => &["\n", "  \n\t ", "\n    "],
            (0 | 1, false) => &["", " ", "  ", "\t", "\n", " \n   ", "\n\t"],
            _ => &["\n\n", "\n \n\n", "\n\n\n\n  "],
        };
        choices.pick(options).to_owned()
    })
    .unwrap()
}

/// Re-space `text` freely: blank lines come and go, comments join or leave lines.
fn respace_anything(text: &str, seed: u64) -> String {
    let mut choices = Choices(seed | 1);
    respace(text, |_| {
        choices
            .pick(&["", " ", "\n", "\n\n", "\t \n\n\n", "  "])
            .to_owned()
    })
    .unwrap()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8)
}

proptest! {
    // Each case compiles policies twice in a debug build; `PROPTEST_CASES` runs more.
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[cfg(feature = "testkit")]
    #[test]
    fn synthetic_policies_format_idempotently_to_the_same_model(scale in 1usize..30) {
        let text = lawful::synth::policy(scale);
        let formatted = format(&text, "synthetic");
        prop_assert_eq!(&format(&formatted, "synthetic"), &formatted);
        assert_same(
            &fingerprint(lawful::compile_str("synthetic.lawful", &text)),
            &fingerprint(lawful::compile_str("synthetic.lawful", &formatted)),
            "synthetic: the formatted text compiles to a different model",
        );
    }

    #[test]
    fn the_layout_does_not_depend_on_the_input_spacing(file in 0usize..64, seed in any::<u64>()) {
        let files = corpus();
        let path = &files[file % files.len()];
        let text = read(path);
        let respaced = respace_layout_free(&text, seed);
        prop_assert_eq!(format(&respaced, "respaced"), format(&text, "original"));
    }

    #[test]
    fn any_spacing_formats_idempotently_to_the_same_model(file in 0usize..64, seed in any::<u64>()) {
        let files = corpus();
        let path = &files[file % files.len()];
        let text = read(path);
        let respaced = respace_anything(&text, seed);
        let formatted = format(&respaced, "respaced");
        assert_formatted_well(path, &text, &formatted);
    }
}

fn lawful() -> Command {
    Command::cargo_bin("lawful").unwrap()
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lawful-fmt-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_lists_unformatted_files_and_exits_1_without_touching_them() {
    let dir = scratch_dir("check");
    let messy = dir.join("messy.lawful");
    let tidy = dir.join("tidy.lawful");
    std::fs::write(&messy, "category   a\n").unwrap();
    std::fs::write(&tidy, "category a\n").unwrap();
    let output = lawful()
        .arg("fmt")
        .arg("--check")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.trim(), messy.display().to_string());
    assert_eq!(read(&messy), "category   a\n");
    lawful()
        .arg("fmt")
        .arg("--check")
        .arg(&tidy)
        .assert()
        .code(0);
}

#[test]
fn fmt_rewrites_in_place_and_then_check_passes() {
    let dir = scratch_dir("write");
    let file = dir.join("p.lawful");
    std::fs::write(&file, "purpose p { uses a basis consent }\ncategory a\n").unwrap();
    lawful().arg("fmt").arg(&file).assert().code(0);
    assert_eq!(
        read(&file),
        "purpose p {\n  uses a\n  basis consent\n}\ncategory a\n"
    );
    lawful()
        .arg("fmt")
        .arg("--check")
        .arg(&file)
        .assert()
        .code(0);
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_left_alone() {
    let dir = scratch_dir("broken");
    let broken = dir.join("broken.lawful");
    let fine = dir.join("fine.lawful");
    std::fs::write(&broken, "purpose p {\n  uses a\n").unwrap();
    std::fs::write(&fine, "category   a\n").unwrap();
    let output = lawful().arg("fmt").arg(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("lawful::syntax::unexpected"), "{stderr}");
    assert!(stderr.contains("left unchanged"), "{stderr}");
    assert_eq!(read(&broken), "purpose p {\n  uses a\n");
    assert_eq!(read(&fine), "category a\n");
}

#[test]
fn usage_and_io_errors_exit_2() {
    lawful().arg("fmt").assert().code(2);
    lawful()
        .arg("fmt")
        .arg("does/not/exist.lawful")
        .assert()
        .code(2);
}

/// A duration after `up to` (and after `agreed` in a test) is one token: respacing once split
/// `3 years` across lines (seed found by `the_layout_does_not_depend_on_the_input_spacing`).
#[test]
fn an_agreed_cap_keeps_its_duration_whole_when_respaced() {
    let text = read(Path::new("tests/valid/retention_texts.lawful"));
    let respaced = respace_layout_free(&text, 12_743_045_716_765_615);
    assert_eq!(format(&respaced, "respaced"), format(&text, "original"));
}
