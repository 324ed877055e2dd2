//! Hostile files and faults around the CLI: imports resolved from the importing file
//! whatever the working directory, atomic writes that leave the user's file whole after any
//! failure, output errors that end in an error exit (never a panic, never a false success),
//! and reads that refuse devices, FIFOs, symlink loops, files outside the policy's directory
//! and files over their size limit — each case bounded by a timeout, so a hang fails.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

const EXIT_OK: i32 = 0;
const EXIT_FAILED: i32 = 1;
const EXIT_USAGE: i32 = 2;
const EXIT_BROKEN_PIPE: i32 = 141;
/// Far above what any case needs; a hang (a FIFO opened, `/dev/zero` read) fails the test.
const TIME_LIMIT: Duration = Duration::from_secs(60);
const ANKER: &str = "policies/anker.lawful";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A new, empty directory under cargo's scratch directory, unique to this process and call.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "hostile_files-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(path, text).unwrap();
}

fn mkfifo(path: &Path) {
    let status = StdCommand::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn lawful_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("lawful").unwrap();
    cmd.env("NO_COLOR", "1")
        .current_dir(dir)
        .timeout(TIME_LIMIT);
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn exec(mut cmd: Command) -> Run {
    let output = cmd.output().unwrap();
    finish(&output)
}

fn finish(output: &Output) -> Run {
    let run = Run {
        code: output.status.code().unwrap_or_else(|| {
            panic!(
                "killed ({:?}), stderr: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        }),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_ne!(run.code, 101, "{}", run.stderr);
    run
}

/// `lawful check --format json ARGS…` in `dir`: the exit code and every diagnostic code.
fn check_codes(dir: &Path, args: &[&str]) -> (i32, Vec<String>, Run) {
    let mut cmd = lawful_in(dir);
    cmd.args(["check", "--format", "json"]).args(args);
    let run = exec(cmd);
    let value: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} / {}", run.stdout, run.stderr));
    let codes = value
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    (run.code, codes, run)
}

/// `sh -c SCRIPT` with `$0` the `lawful` binary; SIGXFSZ is ignored so that a write over
/// `ulimit -f` fails with EFBIG instead of killing the process.
fn sh(dir: &Path, script: &str) -> Run {
    let bin = assert_cmd::cargo::cargo_bin("lawful");
    let output = StdCommand::new("sh")
        .arg("-c")
        .arg(format!("trap '' XFSZ; {script}"))
        .arg(bin)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    finish(&output)
}

// ---- 1. imports resolve from the importing file, whatever the working directory ---------

/// `main.lawful` imports `a/b/p.lawful`, which imports `../../common.lawful`.
fn import_tree() -> PathBuf {
    let dir = scratch("imports");
    write(
        &dir.join("common.lawful"),
        "region DE \"Germany\"\ncategory user.email \"Email\"\n",
    );
    write(
        &dir.join("a/b/p.lawful"),
        "use \"../../common.lawful\"\n\
         purpose service \"Service\" {\n  uses user.email\n  basis contract\n}\n\
         retain user.email at most 1 year after collected\n",
    );
    write(&dir.join("main.lawful"), "use \"a/b/p.lawful\"\n");
    dir
}

#[test]
fn imports_resolve_from_the_importing_file_in_every_working_directory() {
    let dir = import_tree();
    let main = dir.join("main.lawful");
    let p = dir.join("a/b/p.lawful");
    let cases: [(PathBuf, String, &[&str]); 7] = [
        (dir.clone(), "main.lawful".into(), &[]),
        (dir.join("a"), "../main.lawful".into(), &[]),
        (dir.join("a/b"), "../../main.lawful".into(), &[]),
        (PathBuf::from("/"), main.display().to_string(), &[]),
        // The file with the `..` import named without a directory part: the bug this pins.
        (
            dir.join("a/b"),
            "p.lawful".into(),
            &["--allow-imports-outside"],
        ),
        (
            dir.join("a"),
            "b/p.lawful".into(),
            &["--allow-imports-outside"],
        ),
        (
            PathBuf::from("/"),
            p.display().to_string(),
            &["--allow-imports-outside"],
        ),
    ];
    for (cwd, path, flags) in cases {
        let (code, codes, run) = check_codes(&cwd, &[&[path.as_str()], flags].concat());
        assert_eq!(
            (code, &codes[..]),
            (EXIT_OK, &[][..]),
            "in {}: {path}: {}",
            cwd.display(),
            run.stderr
        );
        // And the same decision.
        let mut cmd = lawful_in(&cwd);
        cmd.args([
            "query",
            &path,
            "--purpose",
            "service",
            "--field",
            "user.email",
        ])
        .args(["--region", "DE", "--format", "json"])
        .args(flags);
        let query = exec(cmd);
        assert_eq!(
            query.code,
            EXIT_OK,
            "in {}: {path}: {}",
            cwd.display(),
            query.stderr
        );
        assert!(
            query.stdout.contains("\"outcome\":\"allow\""),
            "{}",
            query.stdout
        );
    }
}

#[test]
fn an_import_outside_the_policy_directory_needs_the_opt_in() {
    let dir = scratch("outside");
    write(
        &dir.join("outside/secret.lawful"),
        "SECRET-CONTENTS are not a policy\n",
    );
    write(
        &dir.join("policy/p.lawful"),
        "use \"../outside/secret.lawful\"\n",
    );
    write(&dir.join("policy/etc.lawful"), "use \"/etc/passwd\"\n");
    symlink(
        dir.join("outside/secret.lawful"),
        dir.join("policy/link.lawful"),
    )
    .unwrap();
    write(&dir.join("policy/via_link.lawful"), "use \"link.lawful\"\n");
    let policy = dir.join("policy");
    for file in ["p.lawful", "etc.lawful", "via_link.lawful"] {
        let (code, codes, run) = check_codes(&policy, &[file]);
        assert_eq!(code, EXIT_FAILED, "{file}");
        assert_eq!(codes, ["lawful::load::import_outside"], "{file}");
        assert!(!run.stderr.contains("SECRET"), "{}", run.stderr);
    }
    // With the opt-in the policy file is read (and its syntax error shown); a file that is
    // not a policy is still refused unread, so nothing of it is echoed.
    let (_, codes, _) = check_codes(&policy, &["--allow-imports-outside", "p.lawful"]);
    assert_eq!(codes, ["lawful::syntax::unexpected"]);
    let mut cmd = lawful_in(&policy);
    cmd.args(["check", "--allow-imports-outside", "etc.lawful"]);
    let etc = exec(cmd);
    assert_eq!(etc.code, EXIT_FAILED);
    assert!(
        etc.stderr.contains("lawful::load::not_a_policy"),
        "{}",
        etc.stderr
    );
    assert!(!etc.stderr.contains("root:"), "{}", etc.stderr);
    // The library option.
    let options = lawful::load::LoadOptions {
        allow_imports_outside: true,
    };
    let failed = lawful::compile_file(policy.join("via_link.lawful")).unwrap_err();
    let codes: Vec<&str> = failed.diagnostics.items.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["lawful::load::import_outside"]);
    let failed = lawful::compile_file_with(
        policy.join("via_link.lawful"),
        lawful::CompileOptions {
            load: options.clone(),
            ..lawful::CompileOptions::default()
        },
    )
    .unwrap_err();
    let codes: Vec<&str> = failed.diagnostics.items.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["lawful::syntax::unexpected"]);
}

// ---- 2. atomic writes ---------------------------------------------------------------------

/// A copy of the anker policy, not in the canonical layout (so `fmt` rewrites it).
fn unformatted(dir: &Path, name: &str) -> (PathBuf, Vec<u8>) {
    let text = fs::read_to_string(root().join(ANKER)).unwrap();
    let text = text.replace("\n  ", "\n      ");
    let path = dir.join(name);
    fs::write(&path, &text).unwrap();
    (path, text.into_bytes())
}

/// Only the given names are in `dir`: no temporary file was left behind.
fn assert_only(dir: &Path, names: &[&str]) {
    let mut found: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    names.sort();
    assert_eq!(found, names, "in {}", dir.display());
}

#[test]
fn a_failed_fmt_write_leaves_the_file_whole() {
    let dir = scratch("fmt_fsize");
    let (path, before) = unformatted(&dir, "p.lawful");
    // 20 blocks of 512 bytes: far less than the policy.
    let run = sh(&dir, "ulimit -f 20; exec \"$0\" fmt p.lawful");
    assert_eq!(run.code, EXIT_USAGE, "{}", run.stderr);
    assert!(run.stderr.contains("cannot write"), "{}", run.stderr);
    assert!(!run.stderr.contains("reformatted 1"), "{}", run.stderr);
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_only(&dir, &["p.lawful"]);
    // Without the limit the same command succeeds, and keeps the file's permissions.
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let mut cmd = lawful_in(&dir);
    cmd.args(["fmt", "p.lawful"]);
    let ok = exec(cmd);
    assert_eq!(ok.code, EXIT_OK, "{}", ok.stderr);
    assert_ne!(fs::read(&path).unwrap(), before);
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_only(&dir, &["p.lawful"]);
}

#[test]
fn fmt_writes_through_a_symlink() {
    let dir = scratch("fmt_symlink");
    let (path, before) = unformatted(&dir, "real.lawful");
    symlink("real.lawful", dir.join("link.lawful")).unwrap();
    let mut cmd = lawful_in(&dir);
    cmd.args(["fmt", "link.lawful"]);
    assert_eq!(exec(cmd).code, EXIT_OK);
    assert!(fs::symlink_metadata(dir.join("link.lawful"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_ne!(fs::read(&path).unwrap(), before);
}

#[test]
fn doc_never_overwrites_an_input() {
    let dir = scratch("doc_input");
    write(
        &dir.join("common.lawful"),
        &fs::read_to_string(root().join(ANKER)).unwrap(),
    );
    write(&dir.join("p.lawful"), "use \"common.lawful\"\n");
    symlink("p.lawful", dir.join("p.md")).unwrap();
    fs::hard_link(dir.join("common.lawful"), dir.join("hard.md")).unwrap();
    let inputs = [
        fs::read(dir.join("p.lawful")).unwrap(),
        fs::read(dir.join("common.lawful")).unwrap(),
    ];
    // By name, through `./`, through a symlink, an imported file, and a hard link to it.
    for out in ["p.lawful", "./p.lawful", "p.md", "common.lawful", "hard.md"] {
        let mut cmd = lawful_in(&dir);
        cmd.args(["doc", "p.lawful", "--out", out]);
        let run = exec(cmd);
        assert_eq!(run.code, EXIT_USAGE, "--out {out}");
        assert!(run.stderr.contains("input"), "{}", run.stderr);
        assert_eq!(
            fs::read(dir.join("p.lawful")).unwrap(),
            inputs[0],
            "--out {out}"
        );
        assert_eq!(
            fs::read(dir.join("common.lawful")).unwrap(),
            inputs[1],
            "--out {out}"
        );
    }
    assert_only(&dir, &["common.lawful", "hard.md", "p.lawful", "p.md"]);
}

#[test]
fn a_failed_doc_write_leaves_the_old_document_whole() {
    let dir = scratch("doc_fsize");
    fs::copy(root().join(ANKER), dir.join("p.lawful")).unwrap();
    fs::write(dir.join("notice.md"), "the old notice\n").unwrap();
    let run = sh(
        &dir,
        "ulimit -f 20; exec \"$0\" doc p.lawful --out notice.md",
    );
    assert_eq!(run.code, EXIT_USAGE, "{}", run.stderr);
    assert!(run.stderr.contains("cannot write"), "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(dir.join("notice.md")).unwrap(),
        "the old notice\n"
    );
    assert_only(&dir, &["notice.md", "p.lawful"]);
    let mut cmd = lawful_in(&dir);
    cmd.args(["doc", "p.lawful", "--out", "notice.md"]);
    assert_eq!(run_ok(cmd), EXIT_OK);
    assert!(fs::read_to_string(dir.join("notice.md")).unwrap().len() > 1000);
}

fn run_ok(cmd: Command) -> i32 {
    let run = exec(cmd);
    assert_eq!(run.code, EXIT_OK, "{}", run.stderr);
    run.code
}

// ---- 3. output errors -----------------------------------------------------------------------

/// Commands that answer on standard output, each with some output to write.
const WRITERS: [&str; 10] = [
    "query policies/anker.lawful --purpose marketing.communications.newsletter \
     --field account.email --region DE --now 2025-01-01",
    "query policies/anker.lawful --purpose marketing.communications.newsletter \
     --field account.email --region DE --now 2025-01-01 --format json",
    "transfer policies/anker.lawful --category account.email --from DE --to US",
    "retention policies/anker.lawful --category account.email --region DE --now 2025-01-01",
    "doc policies/anker.lawful",
    "diff policies/minipower.lawful policies/ampower.lawful",
    "test policies",
    "check --format json policies/anker.lawful",
    "batch policies/anker.lawful --now 2025-01-01",
    "--help",
];

/// A batch query for the commands above that read standard input.
const BATCH_LINE: &str = "{\"purpose\":\"marketing.communications.newsletter\",\
                          \"data\":\"account.email\",\"region\":\"DE\"}\n";

#[test]
fn a_full_disk_on_standard_output_is_an_error_exit() {
    for command in WRITERS {
        let run = sh(
            root(),
            &format!("printf '%s' '{BATCH_LINE}' | \"$0\" {command} >/dev/full"),
        );
        assert_eq!(run.code, EXIT_USAGE, "{command}: {}", run.stderr);
        assert!(
            run.stderr.contains("No space left"),
            "{command}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_closed_standard_output_is_an_error_exit() {
    for command in WRITERS {
        let run = sh(
            root(),
            &format!("printf '%s' '{BATCH_LINE}' | \"$0\" {command} >&-"),
        );
        assert_eq!(run.code, EXIT_USAGE, "{command}: {}", run.stderr);
        assert!(
            run.stderr.contains("standard output is closed"),
            "{command}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    for command in WRITERS {
        let bin = assert_cmd::cargo::cargo_bin("lawful");
        // The reader is gone before the command starts, so even an instant answer
        // (`--help`) meets a closed pipe (closing it after spawning would race).
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut child = StdCommand::new(bin)
            .args(command.split_whitespace())
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            let _ = stdin.write_all(BATCH_LINE.repeat(10_000).as_bytes());
        }
        let run = finish(&child.wait_with_output().unwrap());
        assert_eq!(run.code, EXIT_BROKEN_PIPE, "{command}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{command}");
    }
    // A reader that stops after a little of a long answer (over a pipe's buffer).
    let bin = assert_cmd::cargo::cargo_bin("lawful");
    let mut child = StdCommand::new(bin)
        .args(["doc", ANKER])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 10];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
    drop(child.stdout.take());
    let run = finish(&child.wait_with_output().unwrap());
    assert_eq!(run.code, EXIT_BROKEN_PIPE, "{}", run.stderr);
    assert_eq!(run.stderr, "");
}

// ---- 4. reading files -----------------------------------------------------------------------

#[test]
fn devices_fifos_and_symlinks_to_them_are_not_read() {
    let dir = scratch("devices");
    symlink("/dev/zero", dir.join("zero.lawful")).unwrap();
    mkfifo(&dir.join("fifo.lawful"));
    write(&dir.join("imports_zero.lawful"), "use \"zero.lawful\"\n");
    write(&dir.join("imports_fifo.lawful"), "use \"fifo.lawful\"\n");
    write(&dir.join("imports_dev.lawful"), "use \"/dev/zero\"\n");
    let not_regular = "lawful::load::not_a_regular_file";
    for (file, flags, expected) in [
        ("zero.lawful", &[][..], not_regular),
        ("fifo.lawful", &[], not_regular),
        ("imports_fifo.lawful", &[], not_regular),
        // A link inside the directory that leads out of it.
        ("imports_zero.lawful", &[], "lawful::load::import_outside"),
        (
            "imports_zero.lawful",
            &["--allow-imports-outside"],
            not_regular,
        ),
        ("imports_dev.lawful", &[], "lawful::load::import_outside"),
        (
            "imports_dev.lawful",
            &["--allow-imports-outside"],
            not_regular,
        ),
    ] {
        let (code, codes, _) = check_codes(&dir, &[flags, &[file]].concat());
        assert_eq!(code, EXIT_FAILED, "{file}");
        assert_eq!(codes, [expected], "{file} {flags:?}");
    }
    // The whole directory, walked: every file reported, the walk ends.
    let (code, codes, run) = check_codes(&dir, &["."]);
    assert_eq!(code, EXIT_FAILED);
    assert_eq!(codes.len(), 5, "{codes:?} {}", run.stderr);
}

#[test]
fn a_policy_over_the_size_limit_is_refused_unread() {
    let dir = scratch("large");
    let file = fs::File::create(dir.join("large.lawful")).unwrap();
    // Sparse: no disk space used.
    file.set_len(lawful::syntax::MAX_FILE_BYTES as u64 + 1)
        .unwrap();
    let (code, codes, _) = check_codes(&dir, &["large.lawful"]);
    assert_eq!(
        (code, &codes[..]),
        (EXIT_FAILED, &["lawful::load::too_large".to_owned()][..])
    );
}

#[test]
fn symlink_loops_do_not_hang_walks_or_imports() {
    let dir = scratch("loops");
    symlink(".", dir.join("l")).unwrap();
    symlink(".", dir.join("m")).unwrap();
    write(
        &dir.join("common.lawful"),
        "region DE \"Germany\"\ncategory user.email \"Email\"\n",
    );
    // One file under many names: loaded once.
    write(
        &dir.join("main.lawful"),
        "use \"common.lawful\"\nuse \"l/common.lawful\"\nuse \"m/l/m/common.lawful\"\n\
         use \"./l/./common.lawful\"\n",
    );
    write(&dir.join("self.lawful"), "use \"l/m/l/self.lawful\"\n");
    write(&dir.join("a.lawful"), "use \"l/b.lawful\"\n");
    write(&dir.join("b.lawful"), "use \"m/a.lawful\"\n");
    let compiled = lawful::compile_file(dir.join("main.lawful")).unwrap();
    assert_eq!(compiled.policy.sources().files().count(), 2);
    let (_, codes, _) = check_codes(&dir, &["self.lawful"]);
    assert_eq!(codes, ["lawful::load::self_import"]);
    let (_, codes, _) = check_codes(&dir, &["a.lawful"]);
    assert_eq!(codes, ["lawful::load::import_cycle"]);
    // The walk does not follow `l` or `m`: each of the 5 files is checked once.
    let mut cmd = lawful_in(&dir);
    cmd.args(["check", "."]);
    let walk = exec(cmd);
    assert!(walk.stderr.contains("checked 5 file(s)"), "{}", walk.stderr);
    // Named twice, through a symlink: still once.
    let mut cmd = lawful_in(&dir);
    cmd.args([
        "check",
        "common.lawful",
        "l/common.lawful",
        "m/l/common.lawful",
    ]);
    let named = exec(cmd);
    assert!(
        named.stderr.contains("checked 1 file(s)"),
        "{}",
        named.stderr
    );
}

fn subject_query(dir: &Path, subject: &str) -> Command {
    let mut cmd = lawful_in(dir);
    cmd.arg("query")
        .arg(root().join(ANKER))
        .args(["--purpose", "marketing.communications.newsletter"])
        .args([
            "--field",
            "account.email",
            "--region",
            "DE",
            "--now",
            "2025-01-01",
        ])
        .args(["--subject", subject]);
    cmd
}

#[test]
fn subject_files_are_regular_and_bounded() {
    let dir = scratch("subjects");
    mkfifo(&dir.join("fifo.json"));
    symlink("/dev/zero", dir.join("zero.json")).unwrap();
    let file = fs::File::create(dir.join("large.json")).unwrap();
    file.set_len(1024 * 1024 + 1).unwrap();
    for (subject, message) in [
        ("/dev/zero", "character device"),
        ("zero.json", "character device"),
        ("fifo.json", "FIFO"),
        ("large.json", "more than 1048576 bytes"),
    ] {
        let run = exec(subject_query(&dir, subject));
        assert_eq!(run.code, EXIT_FAILED, "{subject}");
        assert!(run.stderr.contains("lawful::cli::io"), "{}", run.stderr);
        assert!(run.stderr.contains(message), "{subject}: {}", run.stderr);
    }
    // Standard input: read up to the limit, not to the end.
    let run = sh(
        root(),
        "exec \"$0\" query policies/anker.lawful --purpose marketing.communications.newsletter \
         --field account.email --region DE --now 2025-01-01 --subject - </dev/zero",
    );
    assert_eq!(run.code, EXIT_FAILED);
    assert!(
        run.stderr.contains("more than 1048576 bytes"),
        "{}",
        run.stderr
    );
    // A real subject on standard input still works.
    let mut cmd = subject_query(&dir, "-");
    cmd.write_stdin("{\"region\":\"DE\"}");
    let answered = exec(cmd);
    assert_ne!(answered.code, EXIT_FAILED, "{}", answered.stderr);
    assert!(answered.stdout.starts_with("deny") || answered.stdout.starts_with("allow"));
}

#[test]
fn batch_input_streams_but_refuses_devices_and_endless_lines() {
    let dir = scratch("batch");
    let mut cmd = lawful_in(root());
    cmd.args([
        "batch",
        ANKER,
        "--now",
        "2025-01-01",
        "--input",
        "/dev/zero",
    ]);
    let run1 = exec(cmd);
    assert_eq!(run1.code, EXIT_USAGE);
    assert!(run1.stderr.contains("character device"), "{}", run1.stderr);
    // Standard input without a newline: one error line, memory bounded by the line limit.
    let bounded = sh(
        root(),
        "head -c 50000000 /dev/zero | \"$0\" batch policies/anker.lawful --now 2025-01-01",
    );
    assert_eq!(bounded.code, EXIT_FAILED, "{}", bounded.stderr);
    assert!(
        bounded.stdout.contains("lawful::batch::line_too_long"),
        "{}",
        bounded.stdout
    );
    assert_eq!(bounded.stdout.lines().count(), 1);
    // A FIFO streams.
    let fifo = dir.join("queries");
    mkfifo(&fifo);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::write(fifo, BATCH_LINE.repeat(3)).unwrap())
    };
    let mut cmd = lawful_in(root());
    cmd.args(["batch", ANKER, "--now", "2025-01-01", "--input"])
        .arg(&fifo);
    let streamed = exec(cmd);
    writer.join().unwrap();
    assert_eq!(streamed.code, EXIT_OK, "{}", streamed.stderr);
    assert_eq!(streamed.stdout.lines().count(), 3);
}
