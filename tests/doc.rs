//! `lawful doc`: the notice and Art. 30 record of every seed policy (Markdown snapshots),
//! the HTML of one, and the command's behaviour.
//!
//! The snapshots change whenever a seed policy changes: review the new text and accept it
//! with `INSTA_UPDATE=always cargo test --test doc` (or `cargo insta review`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const SEEDS: &[&str] = &["ampower", "anker", "jiana", "minipower", "minopio"];

fn policy(path: &Path) -> lawful::Policy {
    match lawful::compile_file(path) {
        Ok(compiled) => compiled.policy,
        Err(failed) => panic!("{} does not compile: {failed}", path.display()),
    }
}

fn seed(name: &str) -> PathBuf {
    PathBuf::from(format!("policies/{name}.lawful"))
}

#[test]
fn markdown_of_every_seed_policy() {
    for name in SEEDS {
        let markdown = lawful::docgen::markdown(&policy(&seed(name)));
        insta::assert_snapshot!(format!("{name}_markdown"), markdown);
    }
}

#[test]
fn html_of_one_seed_policy() {
    let html = lawful::docgen::html(&policy(&seed("minopio")));
    insta::assert_snapshot!("minopio_html", html);
}

#[test]
fn every_seed_document_has_each_part_of_a_notice_and_a_record_row_per_purpose() {
    for name in SEEDS {
        let policy = policy(&seed(name));
        let markdown = lawful::docgen::markdown(&policy);
        for heading in [
            "### Who we are",
            "### What we collect",
            "### Why we use it, and on which legal basis",
            "### Who receives your data",
            "### Where your data goes",
            "### How long we keep it",
            "### Your rights",
            "### Children",
            "## Record of processing activities (GDPR Art. 30)",
        ] {
            assert!(markdown.contains(heading), "{name}: no `{heading}`");
        }
        let declared = policy.purposes.iter().filter(|p| p.declared).count();
        let record = markdown
            .split("<a id=\"record-activities\"></a>")
            .nth(1)
            .unwrap_or("");
        let rows = record.lines().filter(|l| l.starts_with("| [")).count();
        assert_eq!(
            rows, declared,
            "{name}: one record row per declared purpose"
        );
    }
}

/// Text from the policy reaches the HTML escaped; nothing is loaded from elsewhere.
#[test]
fn html_is_self_contained_and_escaped() {
    let text = r#"#![allow(unused-category, purpose-without-retention, basis-gap, unused-field)]
        policy "Shop <b>&</b> \"Co\"" { controller "<script>alert(1)</script>" contact "dpo@shop.example" }
        region DE "Germany"
        /// Uses `<img src=x onerror=alert(1)>`.
        category user.email "E-mail <address>"
        purpose service "Service & support" { uses user.email basis contract in DE }
    "#;
    let policy = lawful::compile_str("shop.lawful", text).unwrap().policy;
    let html = lawful::docgen::html(&policy);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("<nav class=\"toc\""));
    assert!(!html.contains("<script"), "a script tag got through");
    assert!(!html.contains("<img"), "an img tag got through");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Shop &lt;b&gt;&amp;&lt;/b&gt; &quot;Co&quot;"));
    assert!(html.contains("E-mail &lt;address&gt;"));
    for external in ["http://", "https://", " src=\"", "@import", "url("] {
        assert!(
            !html.contains(external),
            "the HTML refers to something outside: `{external}`"
        );
    }
    assert!(html.contains("href=\"mailto:dpo@shop.example\""));
    let markdown = lawful::docgen::markdown(&policy);
    assert!(markdown.contains("\\<script\\>"), "markdown escapes markup");
}

fn lawful() -> Command {
    Command::cargo_bin("lawful").unwrap()
}

#[test]
fn doc_writes_markdown_to_stdout_and_html_to_a_file() {
    let output = lawful()
        .args(["doc", "policies/minopio.lawful"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("# Minopio Privacy Policy\n"), "{stdout}");

    let out = std::env::temp_dir().join(format!("lawful-doc-{}.html", std::process::id()));
    lawful()
        .args([
            "doc",
            "policies/minopio.lawful",
            "--format",
            "html",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    let html = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(html.contains("<title>Minopio Privacy Policy</title>"));
}

#[test]
fn doc_of_a_policy_with_errors_exits_1_and_usage_errors_exit_2() {
    let dir = std::env::temp_dir().join(format!("lawful-doc-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.lawful");
    std::fs::write(&bad, "purpose p { uses nothing.here basis consent }\n").unwrap();
    let output = lawful().arg("doc").arg(&bad).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no document generated"));
    lawful()
        .args(["doc", "policies/minopio.lawful", "--format", "pdf"])
        .assert()
        .code(2);
    lawful().arg("doc").assert().code(2);
    lawful()
        .args(["doc", "policies/minopio.lawful", "--out"])
        .arg(dir.join("no/such/dir/out.md"))
        .assert()
        .code(2);
    let _ = std::fs::remove_dir_all(&dir);
}
