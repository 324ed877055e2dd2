#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub(crate) mod analysis;
pub mod batch;
pub mod check;
pub mod diagnostic;
pub mod diff;
pub mod docgen;
mod error;
pub mod eval;
pub mod files;
pub mod format;
pub mod ledger;
pub mod load;
pub mod model;
/// Property testing a compiled policy (the `proptest` feature).
#[cfg(feature = "proptest")]
#[path = "proptest_support.rs"]
pub mod proptest;
/// `lawful serve`, the decision service (feature `cli`: embedders never build its
/// server).
#[cfg(feature = "cli")]
pub mod serve;
pub mod source;
pub mod subject;
pub mod syntax;
/// Synthetic policies of any size, for benchmarks and scale tests (feature `testkit`).
#[cfg(any(test, feature = "testkit"))]
pub mod synth;
pub mod testing;
pub mod verify;

use std::path::Path;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use error::Error;
pub use model::{Policy, PolicyStamp};
pub use source::SourceMap;
pub use subject::{ConsentTarget, OptOutRecord, Subject, TargetConsent};

/// A policy that checked without errors, with its warnings.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The compiled policy: immutable, `Send + Sync`; share it in an `Arc` or a
    /// [`eval::SharedPolicy`].
    pub policy: Policy,
    /// Every warning from loading, checking and proving (no errors: a policy with one
    /// does not compile). Render them with [`Diagnostics`] and a [`SourceMap`].
    pub warnings: Diagnostics,
    /// Whether its `assert` statements were proven (they were, unless
    /// [`CompileOptions::prove`] was off: a policy whose assertion fails or is undecided
    /// never compiles while proving).
    pub assertions_proven: bool,
    /// One proof per assertion (empty when not proving). A proof that decided no case
    /// ([`verify::Proof::vacuous`]) holds by the closed world alone.
    pub proofs: Vec<verify::Proof>,
}

/// What compiling does beyond checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileOptions {
    /// How imports may be resolved.
    pub load: load::LoadOptions,
    /// Prove the `assert` statements and run the prover's lints. Deciding does not need
    /// it: a policy that checks decides the same either way, and proving can take long
    /// (it searches every case the policy can tell apart), so services that only decide
    /// may turn it off and leave proving to `lawful check` in CI.
    pub prove: bool,
    /// How many cases the prover may decide in all; an assertion it cannot settle within
    /// them is an error (`lawful::check::assertion_undecided`), never a proof.
    pub prover_budget: u64,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            load: load::LoadOptions::default(),
            prove: true,
            prover_budget: verify::DEFAULT_BUDGET,
        }
    }
}

impl CompileOptions {
    /// Check and compile only: for answering questions (`query`, `batch`, a server).
    pub fn deciding() -> Self {
        CompileOptions {
            prove: false,
            ..CompileOptions::default()
        }
    }
}

/// A policy that did not check: every diagnostic, and the sources to render them with.
#[derive(Debug, Clone)]
pub struct Failed {
    /// The texts of every file loaded, to turn spans into file names, lines and columns.
    pub sources: SourceMap,
    /// Every diagnostic: at least one error, and the warnings found along the way.
    pub diagnostics: Diagnostics,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let errors = self.diagnostics.errors().count();
        write!(f, "the policy has {errors} error(s)")?;
        for d in self.diagnostics.errors() {
            let (line, col) = self.sources.line_col(d.span);
            write!(
                f,
                "\n  {}:{line}:{col}: {} [{}]",
                self.sources.name(d.span.source),
                d.message,
                d.code
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Failed {}

/// Load, check and compile the policy at `path` and everything it imports, and prove its
/// assertions.
pub fn compile_file(path: impl AsRef<Path>) -> Result<Compiled, Failed> {
    compile_file_with(path, CompileOptions::default())
}

/// [`compile_file`] with options (e.g. [`CompileOptions::deciding`]).
pub fn compile_file_with(
    path: impl AsRef<Path>,
    options: CompileOptions,
) -> Result<Compiled, Failed> {
    finish(load::load_path_with(path.as_ref(), &options.load), options)
}

/// Check and compile policy text, and prove its assertions. `name` labels diagnostics;
/// relative `use` paths resolve from the current directory.
pub fn compile_str(name: &str, text: &str) -> Result<Compiled, Failed> {
    compile_str_with(name, text, CompileOptions::default())
}

/// [`compile_str`] with options.
pub fn compile_str_with(
    name: &str,
    text: &str,
    options: CompileOptions,
) -> Result<Compiled, Failed> {
    finish(load::load_str_with(name, text, &options.load), options)
}

fn finish(
    (loaded, load_diagnostics): (load::Loaded, Diagnostics),
    options: CompileOptions,
) -> Result<Compiled, Failed> {
    if load_diagnostics.has_errors() {
        return Err(Failed {
            sources: loaded.sources,
            diagnostics: load_diagnostics,
        });
    }
    let sources = loaded.sources.clone();
    // The `allow` attributes filter the prover's warnings: read only when proving (a pass
    // over every declaration).
    let root = loaded.root;
    let allows = options
        .prove
        .then(|| check::Allows::from_files(&loaded.files));
    let (policy, diagnostics) = check::check(loaded);
    let mut all = load_diagnostics;
    all.extend(diagnostics);
    // Assertions are proven (and the prover's lints run) once the policy checks.
    let mut proofs = Vec::new();
    if let (Some(policy), Some(allows)) = (policy.as_ref(), &allows) {
        let (diagnostics, proven) = verify::check_within(policy, root, options.prover_budget);
        all.extend(allows.retain(diagnostics));
        proofs = proven;
    }
    match policy.filter(|_| !all.has_errors()) {
        Some(policy) => Ok(Compiled {
            policy,
            warnings: all,
            assertions_proven: options.prove,
            proofs,
        }),
        None => Err(Failed {
            sources,
            diagnostics: all,
        }),
    }
}
