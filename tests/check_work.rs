//! The checker's work grows with the policy, not faster: a generated policy is checked at
//! two sizes under a counting allocator, and the allocations of the lints (and of the
//! whole checker) must grow at most in proportion. Counts, not wall time: the answer does
//! not depend on the machine. A lint that went back to comparing every purpose with every
//! rule, cloning a set per pair, or a warning built per pair, fails here.
#![cfg(feature = "testkit")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::alloc::System;
use std::fmt::Write as _;

use lawful::check::stages::{check_through, Stage};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

// The counters are global: this file holds a single test so nothing else runs meanwhile.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// `n` purposes over `2n` categories and `n` fields in three regions, every lint left on:
/// half the purposes have no retention, a third have no basis in `CN` (`basis-gap`), a
/// tenth use nothing, every fourth field's category is unused, and retention rules name
/// purposes (the `purpose-without-retention` index).
fn policy(n: usize) -> String {
    let mut out = String::from("policy \"Work\" { controller \"Work Ltd\" }\n");
    out.push_str("region EU \"EU\"\nregion US \"US\"\nregion CN \"CN\"\n");
    for c in 0..n {
        let _ = writeln!(out, "category group{}.item{c}", c % 7);
        let _ = writeln!(out, "category spare{}.item{c}", c % 5);
        let _ = writeln!(out, "field table{c}.column: group{}.item{c}", c % 7);
        if c % 4 == 0 {
            let _ = writeln!(out, "field spare{c}.column: spare{}.item{c}", c % 5);
        }
    }
    for p in 0..n {
        if p % 10 == 0 {
            let _ = writeln!(
                out,
                "purpose area{}.purpose{p} {{ basis consent in EU }}",
                p % 9
            );
            continue;
        }
        let _ = writeln!(out, "purpose area{}.purpose{p} {{", p % 9);
        let _ = writeln!(out, "  uses group{}.item{p}, group{}", p % 7, (p + 1) % 7);
        out.push_str("  basis consent in EU when not objected(area1.purpose1)\n");
        out.push_str("  basis contract in US\n");
        if p % 3 != 0 {
            out.push_str("  basis legitimate_interest in CN\n");
        }
        out.push_str("}\n");
        if p % 2 == 0 {
            let _ = writeln!(
                out,
                "retain group{}.item{p} for area{}.purpose{p} at most 1 year after collected",
                p % 7,
                p % 9
            );
        }
    }
    out
}

/// Allocations (and reallocations) of checking `text` through `stage`, loading excluded.
fn allocations_through(text: &str, stage: Stage) -> (usize, usize) {
    let (loaded, diagnostics) = lawful::load::load_str("work.lawful", text);
    assert!(!diagnostics.has_errors(), "{diagnostics:?}");
    let region = Region::new(GLOBAL);
    let (_, reported) = check_through(loaded, stage);
    let change = region.change();
    (change.allocations + change.reallocations, reported)
}

#[test]
fn the_checker_and_its_lints_grow_in_proportion_to_the_policy() {
    let (small, large) = (200, 800);
    let mut lint_work = Vec::new();
    let mut all_work = Vec::new();
    for n in [small, large] {
        let text = policy(n);
        let (indexed, none) = allocations_through(&text, Stage::Index);
        let (linted, warnings) = allocations_through(&text, Stage::Lints);
        let (_, before_load) = allocations_through(&text, Stage::Declare);
        assert_eq!(none, 0, "no diagnostic before the lints at {n}");
        assert_eq!(before_load, 0);
        // Every kind of warning is there, about in proportion to the policy.
        assert!(warnings > n / 2, "{warnings} warnings at {n}");
        lint_work.push(linted - indexed);
        all_work.push(linted);
    }
    let ratio = (large / small) as f64;
    let lints = lint_work[1] as f64 / lint_work[0] as f64;
    let all = all_work[1] as f64 / all_work[0] as f64;
    // Linear work scales by `ratio` (a little more for tables that double as they grow);
    // quadratic work would scale by `ratio²` = 16.
    assert!(
        lints <= ratio * 1.25,
        "the lints' allocations grew {lints:.2}× for {ratio}× the policy: {lint_work:?}"
    );
    assert!(
        all <= ratio * 1.25,
        "the checker's allocations grew {all:.2}× for {ratio}× the policy: {all_work:?}"
    );
}
