//! Markdown (CommonMark with GitHub tables) for a [`Document`].

use super::doc::{Block, Document, Inline, Section, Table, Text};

pub(crate) fn render(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str(&format!("# {}\n\n", escape(&doc.title)));
    for (i, line) in doc.meta.iter().enumerate() {
        out.push_str(&inline(line, Where::Para));
        out.push_str(if i + 1 < doc.meta.len() {
            "\\\n"
        } else {
            "\n\n"
        });
    }
    out.push_str("## Contents\n\n");
    for part in &doc.parts {
        out.push_str(&format!("- [{}](#{})\n", escape(&part.title), part.id));
        for section in &part.sections {
            toc(section, 1, &mut out);
        }
    }
    out.push('\n');
    for part in &doc.parts {
        out.push_str(&format!(
            "<a id=\"{}\"></a>\n\n## {}\n\n",
            part.id,
            escape(&part.title)
        ));
        for block in &part.intro {
            render_block(block, &mut out);
        }
        for section in &part.sections {
            render_section(section, 3, &mut out);
        }
    }
    if !doc.footer.is_empty() {
        out.push_str("---\n\n");
        out.push_str(&inline(&doc.footer, Where::Para));
        out.push('\n');
    }
    out
}

fn toc(section: &Section, depth: usize, out: &mut String) {
    if !section.in_toc {
        return;
    }
    out.push_str(&"  ".repeat(depth));
    out.push_str(&format!(
        "- [{}](#{})\n",
        escape(&section.title),
        section.id
    ));
    for sub in &section.sections {
        toc(sub, depth + 1, out);
    }
}

fn render_section(section: &Section, level: usize, out: &mut String) {
    out.push_str(&format!(
        "<a id=\"{}\"></a>\n\n{} {}\n\n",
        section.id,
        "#".repeat(level.min(6)),
        escape(&section.title)
    ));
    for block in &section.blocks {
        render_block(block, out);
    }
    for sub in &section.sections {
        render_section(sub, level + 1, out);
    }
}

fn render_block(block: &Block, out: &mut String) {
    match block {
        Block::Para(text) => {
            out.push_str(&inline(text, Where::Para));
            out.push_str("\n\n");
        }
        Block::Small(text) => {
            out.push_str("<small>");
            out.push_str(&inline(text, Where::Para));
            out.push_str("</small>\n\n");
        }
        Block::List(items) => {
            for item in items {
                out.push_str("- ");
                out.push_str(&inline(item, Where::List));
                out.push('\n');
            }
            out.push('\n');
        }
        Block::Facts(facts) => {
            for (label, text) in facts {
                out.push_str(&format!("- **{}:** ", escape(label)));
                out.push_str(&inline(text, Where::List));
                out.push('\n');
            }
            out.push('\n');
        }
        Block::Table(table) => render_table(table, out),
    }
}

fn render_table(table: &Table, out: &mut String) {
    out.push('|');
    for head in &table.head {
        out.push_str(&format!(" {} |", escape(head)));
    }
    out.push_str("\n|");
    for _ in &table.head {
        out.push_str(" --- |");
    }
    out.push('\n');
    for row in &table.rows {
        out.push('|');
        for cell in row {
            let text = inline(cell, Where::Cell);
            out.push_str(&format!(" {} |", if text.is_empty() { " " } else { &text }));
        }
        out.push('\n');
    }
    out.push('\n');
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Where {
    Para,
    List,
    Cell,
}

fn inline(text: &Text, at: Where) -> String {
    let mut out = String::new();
    for part in &text.0 {
        match part {
            Inline::Plain(s) => out.push_str(&escape(s)),
            Inline::Strong(s) => out.push_str(&format!("**{}**", escape(s))),
            Inline::Em(s) => out.push_str(&format!("*{}*", escape(s.trim_end()))),
            Inline::Code(s) => out.push_str(&code(s)),
            Inline::Tag(s) => out.push_str(&format!("*{}*", escape(s))),
            Inline::Link(label, target) => out.push_str(&format!("[{}]({target})", escape(label))),
            Inline::Break => out.push_str(match at {
                Where::Cell => "<br>",
                Where::List => "\\\n  ",
                Where::Para => "\\\n",
            }),
        }
        // Trailing space of an emphasis goes outside it.
        if let Inline::Em(s) = part {
            if s.ends_with(' ') {
                out.push(' ');
            }
        }
    }
    out
}

fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// Escape what Markdown would read as markup (and `|`, for table cells).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}
