//! A small document model, built once from the policy and rendered to Markdown or HTML, so
//! both formats always say the same thing.

/// A run of inline text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Plain(String),
    Strong(String),
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
    pub fn new() -> Self {
        Text(Vec::new())
    }

    pub fn plain(text: impl Into<String>) -> Self {
        Text(vec![Inline::Plain(text.into())])
    }

    pub fn push(&mut self, inline: Inline) -> &mut Self {
        self.0.push(inline);
        self
    }

    pub fn text(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Inline::Plain(text.into()))
    }

    pub fn strong(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Inline::Strong(text.into()))
    }

    pub fn em(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Inline::Em(text.into()))
    }

    pub fn code(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Inline::Code(text.into()))
    }

    pub fn tag(&mut self, text: impl Into<String>) -> &mut Self {
        self.push(Inline::Tag(text.into()))
    }

    pub fn line_break(&mut self) -> &mut Self {
        self.push(Inline::Break)
    }

    pub fn append(&mut self, other: Text) -> &mut Self {
        self.0.extend(other.0);
        self
    }

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Para(Text),
    /// Secondary text (sources, fine print).
    Small(Text),
    List(Vec<Text>),
    /// Labelled facts: "Legal basis: …".
    Facts(Vec<(String, Text)>),
    Table(Table),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<Text>>,
    /// Many columns: rendered in small type (and on landscape pages when printed).
    pub wide: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The anchor (unique in the document).
    pub id: String,
    pub title: String,
    pub blocks: Vec<Block>,
    pub sections: Vec<Section>,
    /// Listed in the table of contents (top-level sections always are).
    pub in_toc: bool,
}

impl Section {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Section {
            id: id.into(),
            title: title.into(),
            blocks: Vec::new(),
            sections: Vec::new(),
            in_toc: true,
        }
    }

    pub fn block(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    pub fn para(&mut self, text: impl Into<Text>) -> &mut Self {
        self.block(Block::Para(text.into()))
    }
}

/// A whole generated document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    /// Lines under the title (controller, version, dates).
    pub meta: Vec<Text>,
    /// Parts, each with its sections ("Privacy notice", "Record of processing activities").
    pub parts: Vec<Part>,
    /// A closing line (how the document was made).
    pub footer: Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub id: String,
    pub title: String,
    pub intro: Vec<Block>,
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
