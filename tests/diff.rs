//! `lawful diff`: every case under `tests/diff/` (see its README), the seed policies against
//! themselves, and two real edits of the Anker seed policy.
//!
//! Golden files: regenerate with `LAWFUL_BLESS=1 cargo test --test diff` and review them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use lawful::diff::{Change, ChangeKind, Impact, PolicyDiff};
use lawful::eval::SubjectBuilder;
use lawful::{Policy, Subject};

fn compile(path: &Path) -> Policy {
    match lawful::compile_file(path) {
        Ok(compiled) => compiled.policy,
        Err(failed) => panic!("{} does not compile: {failed}", path.display()),
    }
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("tests/diff")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// `widened N`, `narrowed N`, `neutral N`, `exit N`.
fn expect(dir: &Path) -> [usize; 4] {
    let text = std::fs::read_to_string(dir.join("expect")).unwrap();
    let field = |name: &str| -> usize {
        text.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().parse().unwrap()))
            .unwrap_or_else(|| panic!("{}: `expect` has no `{name}`", dir.display()))
    };
    [
        field("widened"),
        field("narrowed"),
        field("neutral"),
        field("exit"),
    ]
}

fn run(dir: &Path, json: bool) -> (String, i32) {
    let mut cmd = Command::cargo_bin("lawful").unwrap();
    cmd.current_dir(dir)
        .args(["diff", "old.lawful", "new.lawful"]);
    if json {
        cmd.args(["--format", "json"]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

#[test]
fn every_case_matches_its_golden_file_counts_and_exit_code() {
    let cases = cases();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    let bless = std::env::var_os("LAWFUL_BLESS").is_some();
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let [widened, narrowed, neutral, exit] = expect(dir);

        let (human, code) = run(dir, false);
        let golden = dir.join("expected.txt");
        if bless {
            std::fs::write(&golden, &human).unwrap();
        } else {
            let expected = std::fs::read_to_string(&golden).unwrap_or_default();
            if human != expected {
                failures.push(format!(
                    "{name}: output differs from expected.txt:\n{human}"
                ));
            }
        }
        if code != exit as i32 {
            failures.push(format!("{name}: exit {code}, expected {exit}"));
        }

        let (json, json_code) = run(dir, true);
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let counts = [&json["widened"], &json["narrowed"], &json["neutral"]]
            .map(|v| v.as_u64().unwrap() as usize);
        if counts != [widened, narrowed, neutral] || json_code != code {
            failures.push(format!("{name}: JSON counts {counts:?}, exit {json_code}"));
        }
        if json["changes"].as_array().map(Vec::len) != Some(widened + narrowed + neutral) {
            failures.push(format!("{name}: JSON has another number of changes"));
        }

        let (old, new) = (
            compile(&dir.join("old.lawful")),
            compile(&dir.join("new.lawful")),
        );
        let diff = lawful::diff::diff(&old, &new);
        let got = [diff.widened(), diff.narrowed(), diff.neutral()];
        if got != [widened, narrowed, neutral] {
            failures.push(format!("{name}: library counts {got:?}"));
        }
        failures.extend(examples_show_their_change(&diff).map(|f| format!("{name}: {f}")));
        failures.extend(
            cross_check(&old, &new, &diff, &Sample::small())
                .into_iter()
                .map(|f| format!("{name}: {f}")),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every allow/deny change's example has the two outcomes it claims.
fn examples_show_their_change(diff: &PolicyDiff) -> impl Iterator<Item = String> + '_ {
    diff.changes.iter().filter_map(|c| {
        use ChangeKind::*;
        let (old, new) = (c.example.old.outcome.code(), c.example.new.outcome.code());
        let ok =
            match c.kind {
                PurposeAdded | UseAllowed | RecipientAdded | DisclosureAllowed
                | TransferAllowed => old != "allow" && new == "allow",
                PurposeRemoved | UseDenied | RecipientRemoved | DisclosureDenied
                | TransferDenied => old == "allow" && new != "allow",
                BasisWeakened | BasisStrengthened | BasisChanged => {
                    old == "allow" && new == "allow" && c.example.old.basis != c.example.new.basis
                }
                SaleAdded
                | SaleRemoved
                | SharingAdded
                | SharingRemoved
                | DisclosureTransferAdded
                | DisclosureTransferRemoved
                | DisclosureSafeguardChanged
                | TransferSafeguardChanged => old == "allow" && new == "allow",
                RuleRenamed | RuleReplaced => old == "deny" && new == "deny",
                _ => old == "retain" && new == "retain",
            };
        (!ok).then(|| format!("the example of `{}` shows {old} → {new}", c.summary))
    })
}

/// What the sampling cross-check asks.
struct Sample {
    regions: &'static [&'static str],
    ages: &'static [Option<i64>],
    subjects: usize,
    /// Only these purposes and categories (default: every one either policy declares
    /// explicitly).
    purposes: Option<Vec<String>>,
    categories: Option<Vec<String>>,
}

impl Sample {
    fn small() -> Self {
        Sample {
            regions: &["DE", "FR", "NO", "US", "US-CA", "CN", "JP", "GB"],
            ages: &[None, Some(10), Some(14), Some(15), Some(30)],
            subjects: 24,
            purposes: None,
            categories: None,
        }
    }
}

/// A tiny deterministic generator (no dependency on test order).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// A subject described by names, built on each policy (`None` where a name is missing).
#[derive(Debug, Clone)]
struct Described {
    age: Option<i64>,
    kind: Option<String>,
    consent: u8,
    objected: bool,
    opt_out: Option<&'static str>,
    gpc: bool,
    restricted: bool,
    parental: bool,
}

impl Described {
    fn random(rng: &mut Lcg, sample: &Sample, kinds: &[String]) -> Self {
        let opt_outs = [
            None,
            Some("sale"),
            Some("marketing"),
            Some("targeted_advertising"),
        ];
        Described {
            age: sample.ages[rng.next(sample.ages.len())],
            kind: (rng.next(3) == 0 && !kinds.is_empty())
                .then(|| kinds[rng.next(kinds.len())].clone()),
            consent: rng.next(3) as u8,
            objected: rng.next(4) == 0,
            opt_out: opt_outs[rng.next(opt_outs.len())],
            gpc: rng.next(5) == 0,
            restricted: rng.next(8) == 0,
            parental: rng.next(3) == 0,
        }
    }

    fn build(&self, policy: &Policy, region: &str, purpose: &str) -> Option<Subject> {
        let at: jiff::Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        let now: jiff::Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let mut b = SubjectBuilder::new(policy, now).region(region).ok()?;
        if let Some(age) = self.age {
            b = b.age(age).ok()?;
        }
        if let Some(kind) = &self.kind {
            b = b.kind(kind).ok()?;
        }
        if policy.purpose(purpose).is_ok() {
            b = match self.consent {
                1 => b.consent(purpose, at).ok()?,
                2 => b.explicit_consent(purpose, at).ok()?,
                _ => b,
            };
            if self.objected {
                b = b.objection(purpose).ok()?;
            }
        }
        if let Some(kind) = self.opt_out {
            b = b.opt_out(kind).ok()?;
        }
        Some(
            b.gpc(self.gpc)
                .restricted(self.restricted)
                .parental_consent(self.parental)
                .build(),
        )
    }
}

fn names<'a>(
    old: &'a Policy,
    new: &'a Policy,
    f: impl Fn(&'a Policy) -> Vec<&'a str>,
) -> Vec<String> {
    let mut all: Vec<String> = f(old)
        .into_iter()
        .chain(f(new))
        .map(str::to_owned)
        .collect();
    all.sort();
    all.dedup();
    all
}

fn covered(diff: &PolicyDiff, kinds: &[ChangeKind], test: impl Fn(&Change) -> bool) -> bool {
    diff.changes
        .iter()
        .any(|c| kinds.contains(&c.kind) && test(c))
}

/// Ask both policies a sample of concrete questions by name; every difference of outcome
/// (or of basis, for an allowed use) must be covered by a reported change.
fn cross_check(old: &Policy, new: &Policy, diff: &PolicyDiff, sample: &Sample) -> Vec<String> {
    use ChangeKind::*;
    let purposes = sample.purposes.clone().unwrap_or_else(|| {
        names(old, new, |p| {
            p.purposes()
                .iter()
                .filter(|x| x.declared)
                .map(|x| x.info.name.as_str())
                .collect()
        })
    });
    let categories = sample.categories.clone().unwrap_or_else(|| {
        names(old, new, |p| {
            p.categories()
                .iter()
                .filter(|x| x.declared)
                .map(|x| x.info.name.as_str())
                .collect()
        })
    });
    // Fields both declare (a field only one declares is not a decision change). A field
    // mapped to the same category on both sides is reported under its category.
    let category_of = |p: &Policy, field: &str| {
        let f = p.fields().iter().find(|f| f.info.name == field)?;
        Some(p.category_name(f.category).to_owned())
    };
    let mut reported_as: std::collections::HashMap<String, String> = Default::default();
    for field in old.fields() {
        let name = &field.info.name;
        if let (Some(a), Some(b)) = (category_of(old, name), category_of(new, name)) {
            reported_as.insert(name.clone(), if a == b { a } else { name.clone() });
        }
    }
    let data: Vec<String> = categories
        .iter()
        .cloned()
        .chain(reported_as.keys().cloned())
        .collect();
    let recipients = names(old, new, |p| {
        p.recipients()
            .iter()
            .map(|x| x.info.name.as_str())
            .collect()
    });
    let kinds = names(old, new, |p| {
        p.subject_kinds().iter().map(|x| x.name.as_str()).collect()
    });
    let mut rng = Lcg(7);
    let subjects: Vec<Described> = (0..sample.subjects)
        .map(|_| Described::random(&mut rng, sample, &kinds))
        .collect();
    let mut failures = Vec::new();
    let mut fail = |text: String| {
        if failures.len() < 10 {
            failures.push(text);
        }
    };
    let has = |list: &[String], name: &str| list.iter().any(|n| n == name);
    for region in sample.regions {
        for purpose in &purposes {
            for subject in &subjects {
                let built = [old, new].map(|p| subject.build(p, region, purpose));
                let [Some(s_old), Some(s_new)] = &built else {
                    continue;
                };
                for category in &data {
                    let use_of = |p: &Policy, s: &Subject| {
                        p.decide_use_by_name(purpose, category, s, None).ok()
                    };
                    let (a, b) = (use_of(old, s_old), use_of(new, s_new));
                    let (aa, ba) = (
                        a.is_some_and(|d| d.allowed()),
                        b.is_some_and(|d| d.allowed()),
                    );
                    let at = |c: &Change| {
                        c.purpose.as_deref() == Some(purpose.as_str())
                            && {
                                let name = reported_as.get(category).unwrap_or(category);
                                has(&c.categories, name) || has(&c.fields, name)
                            }
                            && has(&c.regions, region)
                    };
                    if aa != ba {
                        let kinds: &[ChangeKind] = if ba {
                            &[UseAllowed, PurposeAdded]
                        } else {
                            &[UseDenied, PurposeRemoved]
                        };
                        if !covered(diff, kinds, at) {
                            fail(format!("use {category} for {purpose} in {region} ({subject:?}): {aa} → {ba} not reported"));
                        }
                    } else if aa
                        && a.and_then(|d| d.basis) != b.and_then(|d| d.basis)
                        && !covered(diff, &[BasisWeakened, BasisStrengthened, BasisChanged], at)
                    {
                        fail(format!("basis of {category} for {purpose} in {region} ({subject:?}) changed, not reported"));
                    }
                    for recipient in &recipients {
                        let disclose = |p: &Policy, s: &Subject| {
                            p.decide_disclosure_by_name(recipient, purpose, category, s, None)
                                .ok()
                        };
                        let (x, y) = (disclose(old, s_old), disclose(new, s_new));
                        let (xa, ya) = (
                            x.is_some_and(|d| d.allowed()),
                            y.is_some_and(|d| d.allowed()),
                        );
                        if xa != ya {
                            let kinds: &[ChangeKind] = if ya {
                                &[DisclosureAllowed, RecipientAdded]
                            } else {
                                &[DisclosureDenied, RecipientRemoved]
                            };
                            if !covered(diff, kinds, |c| at(c) && has(&c.recipients, recipient)) {
                                fail(format!("disclose {category} to {recipient} for {purpose} in {region} ({subject:?}): {xa} → {ya} not reported"));
                            }
                        }
                    }
                }
            }
        }
    }
    // Transfers about no particular subject.
    for category in &categories {
        for from in sample.regions {
            for to in sample.regions {
                let transfer = |p: &Policy| p.decide_transfer_by_name(category, from, to).ok();
                let (a, b) = (transfer(old), transfer(new));
                let (aa, ba) = (
                    a.is_some_and(|d| d.allowed()),
                    b.is_some_and(|d| d.allowed()),
                );
                if aa != ba {
                    let kinds: &[ChangeKind] = if ba {
                        &[TransferAllowed]
                    } else {
                        &[TransferDenied]
                    };
                    let at = |c: &Change| {
                        has(&c.categories, category)
                            && has(&c.regions, from)
                            && has(&c.to_regions, to)
                    };
                    if !covered(diff, kinds, at) {
                        fail(format!(
                            "transfer {category} from {from} to {to}: {aa} → {ba} not reported"
                        ));
                    }
                }
            }
        }
    }
    failures
}

#[test]
fn each_seed_policy_against_itself_has_no_change() {
    let mut seen = 0;
    for path in std::fs::read_dir("policies").unwrap() {
        let path = path.unwrap().path();
        if path.extension().is_none_or(|e| e != "lawful") {
            continue;
        }
        let compiled =
            lawful::compile_file(&path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let diff = lawful::diff::diff(&compiled.policy, &compiled.policy);
        assert!(diff.is_empty(), "{}: {:#?}", path.display(), diff.changes);
        seen += 1;
    }
    assert_eq!(seen, 5, "every seed policy");
}

/// The Anker seed policy with one textual edit applied.
fn anker_edit(find: &str, replace: &str) -> (Policy, Policy) {
    let text = std::fs::read_to_string("policies/anker.lawful").unwrap();
    assert_eq!(text.matches(find).count(), 1, "{find}");
    let dir =
        std::env::temp_dir().join(format!("lawful-diff-{}-{}", std::process::id(), find.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let (old, new) = (dir.join("old.lawful"), dir.join("new.lawful"));
    std::fs::write(&old, &text).unwrap();
    std::fs::write(&new, text.replace(find, replace)).unwrap();
    let pair = (compile(&old), compile(&new));
    let _ = std::fs::remove_dir_all(&dir);
    pair
}

/// The purposes an edit touches and one it does not, a few categories.
fn anker_sample(purposes: &[&str], categories: &[&str]) -> Sample {
    let owned = |names: &[&str]| Some(names.iter().map(|n| (*n).to_owned()).collect());
    Sample {
        regions: &["DE", "AT", "GB", "US-CA", "US-NY", "CN", "JP"],
        ages: &[None, Some(12), Some(15), Some(30)],
        subjects: 16,
        purposes: owned(purposes),
        categories: owned(categories),
    }
}

#[test]
fn anker_partner_now_sells() {
    let (old, new) = anker_edit(
        "  purposes marketing.promotions\n  categories user.content.participation\n",
        "  purposes marketing.promotions\n  categories user.content.participation\n  sale\n",
    );
    let diff = lawful::diff::diff(&old, &new);
    assert_eq!(diff.widened(), 1, "{:#?}", diff.changes);
    let sale = &diff.changes[0];
    assert_eq!(
        (sale.kind, sale.impact),
        (ChangeKind::SaleAdded, Impact::Widened)
    );
    assert_eq!(sale.recipients, ["business_partners"]);
    assert!(diff
        .changes
        .iter()
        .skip(1)
        .all(|c| c.kind == ChangeKind::DisclosureDenied));
    let sample = anker_sample(
        &["marketing.promotions", "essential.service.account"],
        &["user.content.participation", "user.contact.email"],
    );
    let failures = cross_check(&old, &new, &diff, &sample);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn anker_marketing_purpose_drops_consent_in_the_eu() {
    let (old, new) = anker_edit(
        "       user.behavior.purchase_history\n  subjects user\n  basis consent\n}",
        "       user.behavior.purchase_history\n  subjects user\n  basis consent\n  basis legitimate_interest in EU\n}",
    );
    let diff = lawful::diff::diff(&old, &new);
    let kinds: Vec<ChangeKind> = diff.changes.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&ChangeKind::BasisWeakened), "{kinds:?}");
    assert!(kinds.contains(&ChangeKind::UseAllowed), "{kinds:?}");
    let basis = diff
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::BasisWeakened)
        .unwrap();
    assert_eq!(
        basis.summary,
        "legal basis of `marketing.financial_incentives` in `EU` changed from consent to \
         legitimate_interest"
    );
    let sample = anker_sample(
        &["marketing.financial_incentives", "marketing.promotions"],
        &[
            "user.contact.email",
            "user.workplace",
            "user.account.loyalty",
        ],
    );
    let failures = cross_check(&old, &new, &diff, &sample);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn usage_and_policy_errors() {
    let mut cmd = Command::cargo_bin("lawful").unwrap();
    cmd.args([
        "diff",
        "tests/diff/add_sale/old.lawful",
        "no/such/file.lawful",
    ]);
    assert_eq!(cmd.output().unwrap().status.code(), Some(2));

    let mut cmd = Command::cargo_bin("lawful").unwrap();
    cmd.args(["diff", "tests/diff/add_sale/old.lawful"]);
    assert_eq!(cmd.output().unwrap().status.code(), Some(2));

    let dir = std::env::temp_dir().join(format!("lawful-diff-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.lawful");
    std::fs::write(
        &broken,
        "policy \"X\" { controller \"X\" }\npurpose p { uses nothing.here basis contract }\n",
    )
    .unwrap();
    let mut cmd = Command::cargo_bin("lawful").unwrap();
    cmd.arg("diff")
        .arg("tests/diff/add_sale/old.lawful")
        .arg(&broken);
    let out = cmd.output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing was compared"), "{stderr}");
}

/// `at most 1 month` → `at most 30 days`: not "shortened" from one reference date. Both
/// evaluators, asked at anchor dates across the calendar, keep the data longer under the new
/// policy for some collection dates (30 January: 28 February → 1 March) and shorter for
/// others (1 January: 1 February → 31 January): changed both ways, which needs review.
#[test]
fn a_month_against_thirty_days_changes_retention_both_ways() {
    let old = compile(Path::new(
        "tests/diff/retention_month_to_30_days/old.lawful",
    ));
    let new = compile(Path::new(
        "tests/diff/retention_month_to_30_days/new.lawful",
    ));
    for (a, b, example) in [
        (&old, &new, "collected on 2001-01-30"),
        (&new, &old, "collected on 2001-01-01"),
    ] {
        let diff = lawful::diff::diff(a, b);
        assert_eq!(diff.changes.len(), 1, "{:#?}", diff.changes);
        let change = &diff.changes[0];
        assert_eq!(change.kind, ChangeKind::RetentionChanged, "{change:#?}");
        assert_eq!(change.impact, Impact::Widened);
        assert!(
            change
                .summary
                .contains("longer for some dates, shorter for others"),
            "{}",
            change.summary
        );
        // The example is a date on which the new policy keeps the data longer, with both
        // evaluators' deadlines.
        assert!(
            change.example.question.contains(example),
            "{:#?}",
            change.example
        );
        let deadline = |side: &lawful::diff::ExampleSide| {
            side.explanation
                .split("delete by ")
                .nth(1)
                .map(|s| s[..10].to_owned())
                .unwrap()
        };
        assert!(
            deadline(&change.example.new) > deadline(&change.example.old),
            "{:#?}",
            change.example
        );
        assert_eq!(diff.widened(), 1);
    }
    // The same period spelled another way: asked, and no answer differs.
    let respelled = compile(Path::new(
        "tests/diff/retention_same_period_respelled/new.lawful",
    ));
    assert!(lawful::diff::diff(&old, &respelled).is_empty());
    assert!(lawful::diff::diff(&old, &old).is_empty());
}
