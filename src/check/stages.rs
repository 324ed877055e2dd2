//! The checker's stages one prefix at a time, for the benchmarks' per-stage breakdown
//! (feature `testkit`; not part of the embedder's API). [`check_through`](crate::check::stages::check_through) runs the same
//! steps as [`check`](super::check), in the same order, and stops after the one named.

use super::Checker;
use crate::load::Loaded;
use crate::model::Policy;

/// How far [`check_through`] goes. Each stage includes those before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Declare every name; build the region and category hierarchies.
    Declare,
    /// Resolve and lower every rule, basis, condition and `test` block.
    Resolve,
    /// Build the checker's indexes (purpose hierarchy, rule lists).
    Index,
    /// Run the lints and filter the diagnostics by `allow`.
    Lints,
    /// Build the compiled policy and its decision tables: all of [`check`](super::check).
    Compile,
}

/// Check `loaded` through `last`: the policy when `last` is [`Stage::Compile`] and nothing
/// was an error, and the number of diagnostics so far.
pub fn check_through(loaded: Loaded, last: Stage) -> (Option<Policy>, usize) {
    let Loaded {
        sources,
        files,
        root,
    } = loaded;
    let mut checker = Checker::new(root);
    checker.declare(&files);
    checker.build_regions(&files);
    checker.build_categories(&files);
    if last == Stage::Declare {
        return (None, checker.diagnostics.len());
    }
    checker.lower(&files);
    checker.lower_duties(&files);
    checker.compile_tests(&files);
    if last == Stage::Resolve {
        return (None, checker.diagnostics.len());
    }
    checker.build_indexes();
    if last == Stage::Index {
        return (None, checker.diagnostics.len());
    }
    checker.lint(&files);
    let diagnostics = checker.finish_diagnostics(&files);
    if last == Stage::Lints || diagnostics.has_errors() {
        return (None, diagnostics.len());
    }
    let policy = checker.into_policy(sources);
    // As `check` does: the syntax trees are freed once the policy is built.
    drop(files);
    (Some(policy), diagnostics.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
        #![allow(purpose-without-retention)]
        policy "Shop" { controller "Shop GmbH" }
        region DE "Germany"
        region US "United States"
        category user.contact.email
        field orders.email: user.contact.email
        purpose marketing.direct { uses user.contact.email basis consent in DE }
        purpose analytics { uses user.contact.email basis consent in US }
    "#;

    #[test]
    fn the_last_stage_compiles_what_check_compiles() {
        let (loaded, _) = crate::load::load_str("shop.lawful", POLICY);
        let (checked, all) = super::super::check(loaded);
        let (loaded, _) = crate::load::load_str("shop.lawful", POLICY);
        let (staged, count) = check_through(loaded, Stage::Compile);
        let (checked, staged) = (checked.unwrap(), staged.unwrap());
        assert_eq!(count, all.len());
        assert_eq!(checked.purposes().len(), staged.purposes().len());
        assert_eq!(
            checked.purpose("marketing.direct").unwrap(),
            staged.purpose("marketing.direct").unwrap()
        );
    }

    #[test]
    fn earlier_stages_stop_before_the_policy_and_lints_come_last() {
        for stage in [Stage::Declare, Stage::Resolve, Stage::Index] {
            let (loaded, _) = crate::load::load_str("shop.lawful", POLICY);
            let (policy, count) = check_through(loaded, stage);
            assert!(policy.is_none(), "{stage:?} built a policy");
            assert_eq!(count, 0, "{stage:?} reported the lints' warnings");
        }
        // `basis-gap`: each purpose lacks a basis where the other has one.
        let (loaded, _) = crate::load::load_str("shop.lawful", POLICY);
        let (policy, count) = check_through(loaded, Stage::Lints);
        assert!(policy.is_none());
        assert!(count > 0);
    }
}
