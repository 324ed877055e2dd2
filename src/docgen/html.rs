//! One self-contained HTML file for a [`Document`]: inline CSS, no scripts, no external
//! assets, every text escaped; a table of contents beside the text on screens and before it
//! on paper; the wide record table on landscape pages when printed.

use super::doc::{Block, Document, Inline, Part, Section, Table, Text};

const STYLE: &str = r#"
:root {
  --ink: #1d2433; --muted: #5b6475; --line: #dfe3ea; --soft: #f5f7fa;
  --accent: #1f4e8c; --accent-soft: #e8eef8; --tag-bg: #fdf0e4; --tag-ink: #8a3b00;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.6 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue",
    Arial, "Noto Sans", "Liberation Sans", sans-serif;
}
.page { display: grid; grid-template-columns: 18rem minmax(0, 1fr); max-width: 90rem; margin: 0 auto; }
nav.toc {
  position: sticky; top: 0; align-self: start; max-height: 100vh; overflow-y: auto;
  padding: 2.25rem 1.25rem 2rem 1.75rem; border-right: 1px solid var(--line); font-size: .875rem;
}
nav.toc .label { font-size: .75rem; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); font-weight: 600; margin: 0 0 .75rem; }
nav.toc ol { list-style: none; margin: 0; padding: 0; }
nav.toc ol ol { padding-left: .9rem; margin: .15rem 0 .4rem; border-left: 1px solid var(--line); }
nav.toc li { margin: .15rem 0; }
nav.toc a { color: var(--ink); text-decoration: none; display: block; padding: .1rem .4rem; border-radius: 4px; }
nav.toc a:hover { background: var(--accent-soft); color: var(--accent); }
nav.toc > ol > li > a { font-weight: 600; margin-top: .6rem; }
main { padding: 3rem 3.5rem 5rem; min-width: 0; }
header.doc-title { border-bottom: 4px solid var(--accent); padding-bottom: 1.25rem; margin-bottom: 1rem; }
.kicker { text-transform: uppercase; letter-spacing: .1em; font-size: .75rem; font-weight: 700; color: var(--accent); margin: 0 0 .5rem; }
h1 { font-size: 2.25rem; line-height: 1.2; margin: 0 0 .75rem; letter-spacing: -.01em; }
.meta { color: var(--muted); margin: 0; font-size: .95rem; }
h2 { font-size: 1.75rem; line-height: 1.25; margin: 3.5rem 0 1rem; padding-bottom: .4rem; border-bottom: 1px solid var(--line); letter-spacing: -.01em; }
h3 { font-size: 1.35rem; line-height: 1.3; margin: 2.5rem 0 .75rem; }
h4 { font-size: 1.1rem; margin: 2rem 0 .6rem; color: var(--accent); }
h5 { font-size: 1rem; margin: 1.6rem 0 .4rem; }
h2, h3, h4, h5 { scroll-margin-top: 1rem; }
p, ul, dl.facts { max-width: 48rem; }
p { margin: .6rem 0; }
ul { padding-left: 1.3rem; }
li { margin: .3rem 0; }
a { color: var(--accent); }
small, .small { display: block; color: var(--muted); font-size: .85rem; max-width: 48rem; margin: .5rem 0; }
code { font: .82em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; background: var(--soft); border: 1px solid var(--line); padding: .05em .3em; border-radius: 4px; word-break: break-word; }
.tag { display: inline-block; padding: .05rem .5rem; border-radius: 999px; background: var(--tag-bg); color: var(--tag-ink); font-size: .72rem; font-weight: 600; line-height: 1.5; white-space: nowrap; margin: .1rem 0; }
.table-wrap { overflow-x: auto; margin: 1rem 0 1.75rem; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .55rem .7rem; border-bottom: 1px solid var(--line); }
tr:last-child td { border-bottom: 0; }
th { background: var(--soft); font-weight: 600; font-size: .8rem; letter-spacing: .02em; color: var(--muted); text-transform: uppercase; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
table.wide { font-size: .78rem; }
table.wide th, table.wide td { padding: .5rem .55rem; }
table.wide td:first-child { min-width: 11rem; }
table.wide td:first-child em { color: var(--muted); font-style: normal; font-size: .9em; }
section.purpose { border-left: 3px solid var(--accent-soft); padding: .1rem 0 .1rem 1.1rem; margin: 1.25rem 0; }
section.purpose h5 { margin-top: .4rem; font-size: 1.05rem; }
dl.facts { display: grid; grid-template-columns: 9.5rem minmax(0, 1fr); gap: .4rem 1.25rem; margin: .75rem 0; }
dl.facts dt { font-weight: 600; color: var(--muted); font-size: .9rem; }
dl.facts dd { margin: 0; }
footer { margin-top: 4rem; padding-top: 1rem; border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; }
@media (max-width: 64rem) {
  .page { display: block; }
  nav.toc { position: static; max-height: none; border-right: 0; border-bottom: 1px solid var(--line); padding: 1.5rem; }
  main { padding: 1.5rem; }
  dl.facts { grid-template-columns: 1fr; gap: .1rem; }
  dl.facts dd { margin-bottom: .5rem; }
}
@page { size: A4; margin: 16mm 15mm; }
@page landscape { size: A4 landscape; margin: 12mm; }
@media print {
  body { font-size: 10.5pt; }
  .page { display: block; max-width: none; }
  nav.toc { position: static; max-height: none; border: 0; padding: 0 0 1rem; break-after: page; }
  main { padding: 0; }
  a { color: inherit; text-decoration: none; }
  h2, h3, h4, h5 { break-after: avoid; }
  dl.facts, section.purpose { break-inside: avoid; }
  .table-wrap { display: contents; }
  thead { display: table-header-group; }
  tbody tr:nth-child(even) td { background: none; }
  .part-record { page: landscape; }
  code { border: 0; background: none; padding: 0; }
}
"#;

pub(crate) fn render(doc: &Document) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"lawful doc\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape(&doc.title)));
    out.push_str("<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<div class=\"page\">\n");
    toc(doc, &mut out);
    out.push_str("<main>\n<header class=\"doc-title\">\n<p class=\"kicker\">Privacy notice</p>\n");
    out.push_str(&format!("<h1>{}</h1>\n", escape(&doc.title)));
    for line in &doc.meta {
        out.push_str(&format!("<p class=\"meta\">{}</p>\n", inline(line)));
    }
    out.push_str("</header>\n");
    for part in &doc.parts {
        render_part(part, &mut out);
    }
    if !doc.footer.is_empty() {
        out.push_str(&format!("<footer>{}</footer>\n", inline(&doc.footer)));
    }
    out.push_str("</main>\n</div>\n</body>\n</html>\n");
    out
}

fn toc(doc: &Document, out: &mut String) {
    out.push_str(
        "<nav class=\"toc\" aria-label=\"Contents\">\n<p class=\"label\">Contents</p>\n<ol>\n",
    );
    for part in &doc.parts {
        out.push_str(&format!(
            "<li><a href=\"#{}\">{}</a>",
            attr(&part.id),
            escape(&part.title)
        ));
        let listed: Vec<&Section> = part.sections.iter().filter(|s| s.in_toc).collect();
        if !listed.is_empty() {
            out.push_str("\n<ol>\n");
            for section in listed {
                toc_section(section, out);
            }
            out.push_str("</ol>\n");
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</nav>\n");
}

fn toc_section(section: &Section, out: &mut String) {
    out.push_str(&format!(
        "<li><a href=\"#{}\">{}</a>",
        attr(&section.id),
        escape(&section.title)
    ));
    let listed: Vec<&Section> = section.sections.iter().filter(|s| s.in_toc).collect();
    if !listed.is_empty() {
        out.push_str("\n<ol>\n");
        for sub in listed {
            toc_section(sub, out);
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</li>\n");
}

fn render_part(part: &Part, out: &mut String) {
    out.push_str(&format!(
        "<section class=\"part part-{}\" id=\"{}\">\n<h2>{}</h2>\n",
        attr(&part.id),
        attr(&part.id),
        escape(&part.title)
    ));
    for block in &part.intro {
        render_block(block, out);
    }
    for section in &part.sections {
        render_section(section, 3, out);
    }
    out.push_str("</section>\n");
}

fn render_section(section: &Section, level: usize, out: &mut String) {
    let level = level.min(6);
    let class = if section.in_toc {
        ""
    } else {
        " class=\"purpose\""
    };
    out.push_str(&format!(
        "<section id=\"{}\"{class}>\n<h{level}>{}</h{level}>\n",
        attr(&section.id),
        escape(&section.title)
    ));
    for block in &section.blocks {
        render_block(block, out);
    }
    for sub in &section.sections {
        render_section(sub, level + 1, out);
    }
    out.push_str("</section>\n");
}

fn render_block(block: &Block, out: &mut String) {
    match block {
        Block::Para(text) => out.push_str(&format!("<p>{}</p>\n", inline(text))),
        Block::Small(text) => out.push_str(&format!("<small>{}</small>\n", inline(text))),
        Block::List(items) => {
            out.push_str("<ul>\n");
            for item in items {
                out.push_str(&format!("<li>{}</li>\n", inline(item)));
            }
            out.push_str("</ul>\n");
        }
        Block::Facts(facts) => {
            out.push_str("<dl class=\"facts\">\n");
            for (label, text) in facts {
                out.push_str(&format!(
                    "<dt>{}</dt><dd>{}</dd>\n",
                    escape(label),
                    inline(text)
                ));
            }
            out.push_str("</dl>\n");
        }
        Block::Table(table) => render_table(table, out),
    }
}

fn render_table(table: &Table, out: &mut String) {
    let class = if table.wide { " class=\"wide\"" } else { "" };
    out.push_str(&format!(
        "<div class=\"table-wrap\"><table{class}>\n<thead><tr>"
    ));
    for head in &table.head {
        out.push_str(&format!("<th scope=\"col\">{}</th>", escape(head)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&format!("<td>{}</td>", inline(cell)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn inline(text: &Text) -> String {
    let mut out = String::new();
    for part in &text.0 {
        match part {
            Inline::Plain(s) => out.push_str(&escape(s)),
            Inline::Strong(s) => out.push_str(&format!("<strong>{}</strong>", escape(s))),
            Inline::Em(s) => out.push_str(&format!("<em>{}</em>", escape(s))),
            Inline::Code(s) => out.push_str(&format!("<code>{}</code>", escape(s))),
            Inline::Tag(s) => out.push_str(&format!("<span class=\"tag\">{}</span>", escape(s))),
            Inline::Link(label, target) => {
                out.push_str(&format!(
                    "<a href=\"{}\">{}</a>",
                    attr(target),
                    escape(label)
                ));
            }
            Inline::Break => out.push_str("<br>"),
        }
    }
    out
}

/// Text content: `&`, `<`, `>` (and quotes, so the same function is safe in attributes).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// An attribute value: escaped, and a link target only if it is a fragment or `mailto:`.
fn attr(value: &str) -> String {
    let safe = value.starts_with('#') || value.starts_with("mailto:") || !value.contains(':');
    if safe {
        escape(value)
    } else {
        "#".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(attr("javascript:alert(1)"), "#");
        assert_eq!(attr("mailto:a@b.c"), "mailto:a@b.c");
        assert_eq!(attr("#x\"y"), "#x&quot;y");
    }
}
