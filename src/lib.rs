#![doc = include_str!("../README.md")]

pub mod batch;
pub mod check;
pub mod diagnostic;
pub mod diff;
pub mod docgen;
mod error;
pub mod eval;
pub mod format;
pub mod load;
pub mod model;
/// Property testing a compiled policy (the `proptest` feature).
#[cfg(feature = "proptest")]
#[path = "proptest_support.rs"]
pub mod proptest;
pub mod source;
pub mod subject;
pub mod syntax;
#[doc(hidden)]
pub mod synth;
pub mod testing;
pub mod verify;

use std::path::Path;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use error::Error;
pub use model::{Policy, PolicyStamp};
pub use source::SourceMap;
pub use subject::Subject;

/// A policy that checked without errors, with its warnings.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub policy: Policy,
    pub warnings: Diagnostics,
}

/// A policy that did not check: every diagnostic, and the sources to render them with.
#[derive(Debug, Clone)]
pub struct Failed {
    pub sources: SourceMap,
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

/// Load, check and compile the policy at `path` and everything it imports.
pub fn compile_file(path: impl AsRef<Path>) -> Result<Compiled, Failed> {
    finish(load::load_path(path.as_ref()))
}

/// Check and compile policy text. `name` labels diagnostics; relative `use` paths resolve
/// from the current directory.
pub fn compile_str(name: &str, text: &str) -> Result<Compiled, Failed> {
    finish(load::load_str(name, text))
}

fn finish((loaded, load_diagnostics): (load::Loaded, Diagnostics)) -> Result<Compiled, Failed> {
    if load_diagnostics.has_errors() {
        return Err(Failed {
            sources: loaded.sources,
            diagnostics: load_diagnostics,
        });
    }
    let sources = loaded.sources.clone();
    let (root, allows) = (loaded.root, check::Allows::from_files(&loaded.files));
    let (policy, diagnostics) = check::check(loaded);
    let mut all = load_diagnostics;
    all.extend(diagnostics);
    // Assertions are proven (and the prover's lints run) once the policy checks.
    if let Some(policy) = &policy {
        all.extend(allows.retain(verify::check(policy, root)));
    }
    match policy.filter(|_| !all.has_errors()) {
        Some(policy) => Ok(Compiled {
            policy,
            warnings: all,
        }),
        None => Err(Failed {
            sources,
            diagnostics: all,
        }),
    }
}
