//! A small document model, built once from the policy and rendered to Markdown or HTML, so
//! both formats always say the same thing.

/// A run of inline text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Text as is.
    Plain(String),
    /// Bold text.
    Strong(String),
    /// Emphasised text.
    Em(String),
    /// A name from the policy (`marketing.direct`).
    Code(String),
    /// A short label (`Special category`), rendered as a badge in HTML.
    Tag(String),
    /// A link: text and target (`#section`, `mailto:…`).
    Link(String, String),
    /// A line break inside a paragraph or table cell.
    Break,
}

/// Inline content: a sequence of runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub Vec<Inline>);

impl Text {
    /// An empty text.
    pub fn new() -> Self {
        Text(Vec::new())
    }

    /// One run of plain text.
    pub fn plain(text: impl Into<String>) -> Self {
        Text(vec![Inline::Plain(text.into())])
    }

    /// Add a run.
    pub fn push(&mut self, inline: Inline) -> &mut Self {
        self.0.push(inline);
        self
    }

    /// Add plain text.
    pub fn text(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Inline::Plain(text.into()))
    }

    /// Add bold text.
    pub fn strong(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Inline::Strong(text.into()))
    }

    /// Add emphasised text.
    pub fn em(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Inline::Em(text.into()))
    }

    /// Add a name from the policy.
    pub fn code(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Inline::Code(text.into()))
    }

    /// Add a short label.
    pub fn tag(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Inline::Tag(text.into()))
    }

    /// Add a line break.
    pub fn line_break(&mut self) -> &mut Self {
        self.push(Inline::Break)
    }

    /// Add every run of `other`.
    pub fn append(&mut self, other: Text) -> &mut Self {
        self.0.extend(other.0);
        self
    }

    /// Whether it has no run.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Texts joined by `separator`.
    pub fn join(parts: impl IntoIterator<Item = Text>, separator: &str) -> Text {
        let mut out = Text::new();
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                out.text(separator);
            }
            out.append(part);
        }
        out
    }

    /// Texts one per line.
    pub fn lines(parts: impl IntoIterator<Item = Text>) -> Text {
        let mut out = Text::new();
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                out.line_break();
            }
            out.append(part);
        }
        out
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text::plain(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text::plain(text)
    }
}

/// A block of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Para(Text),
    /// Secondary text (sources, fine print).
    Small(Text),
    /// A bulleted list, one text per item.
    List(Vec<Text>),
    /// Labelled facts: "Legal basis: …".
    Facts(Vec<(String, Text)>),
    /// A table.
    Table(Table),
}

/// A table with a header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The column headings.
    pub head: Vec<String>,
    /// The rows, one text per cell.
    pub rows: Vec<Vec<Text>>,
    /// Many columns: rendered in small type (and on landscape pages when printed).
    pub wide: bool,
}

/// A titled section, with blocks and subsections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The anchor (unique in the document).
    pub id: String,
    /// The heading.
    pub title: String,
    /// Its content, before the subsections.
    pub blocks: Vec<Block>,
    /// Its subsections.
    pub sections: Vec<Section>,
    /// Listed in the table of contents (top-level sections always are).
    pub in_toc: bool,
}

impl Section {
    /// An empty section listed in the table of contents.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Section {
            id: id.into(),
            title: title.into(),
            blocks: Vec::new(),
            sections: Vec::new(),
            in_toc: true,
        }
    }

    /// Add a block.
    pub fn block(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    /// Add a paragraph.
    pub fn para(&mut self, text: impl Into<Text>) -> &mut Self {
        self.block(Block::Para(text.into()))
    }
}

/// A whole generated document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The document's title (the policy's name).
    pub title: String,
    /// Lines under the title (controller, version, dates).
    pub meta: Vec<Text>,
    /// Parts, each with its sections ("Privacy notice", "Record of processing activities").
    pub parts: Vec<Part>,
    /// A closing line (how the document was made).
    pub footer: Text,
}

/// A part of the document: the privacy notice, or the record of processing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The anchor (unique in the document).
    pub id: String,
    /// The heading.
    pub title: String,
    /// Blocks before the first section.
    pub intro: Vec<Block>,
    /// Its sections.
    pub sections: Vec<Section>,
}

/// A URL fragment made from a title: lowercase ASCII letters and digits, words joined by `-`.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}
