//! Rendering diagnostics: miette's graphical report for people, a stable JSON list for tools.

use std::io::IsTerminal;

use lawful::diagnostic::{foreign_notes, Diagnostic};
use lawful::source::SourceMap;

/// miette's graphical report, coloured only on a terminal without `NO_COLOR`.
pub fn human(diagnostic: &Diagnostic, sources: &SourceMap) -> String {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if colour {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_links(false);
    let mut out = String::new();
    let rendered = diagnostic.render(sources);
    if handler.render_report(&mut out, &rendered).is_err() {
        out = format!("{}: {}\n", diagnostic.code, diagnostic.message);
    }
    let mut text = out;
    for note in foreign_notes(diagnostic, sources) {
        text.push_str(&format!("  note: {note}\n"));
    }
    text
}

pub fn json(diagnostics: &[&Diagnostic], sources: &SourceMap) -> serde_json::Value {
    serde_json::Value::Array(
        diagnostics
            .iter()
            .map(|d| serde_json::to_value(d.to_json(sources)).unwrap_or(serde_json::Value::Null))
            .collect(),
    )
}
