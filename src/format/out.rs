//! The output of the formatter: lines with an indent, code and an optional trailing comment,
//! built one token at a time, then printed with trailing comments aligned.

/// One printed line. A comment-only line has empty `code`.
#[derive(Debug, Default)]
struct Line {
    indent: usize,
    code: String,
    comment: Option<String>,
    blank_before: bool,
}

impl Line {
    fn is_empty(&self) -> bool {
        self.code.is_empty() && self.comment.is_none()
    }

    fn width(&self) -> usize {
        self.indent + self.code.chars().count()
    }
}

/// Spaces between code and a trailing comment (at least; a run of lines with trailing
/// comments aligns them).
const COMMENT_GAP: usize = 2;

#[derive(Debug, Default)]
pub(crate) struct Out {
    lines: Vec<Line>,
    /// The line being built; `None` once a trailing comment closed it.
    open: Option<Line>,
}

impl Out {
    /// Start a new line (the current one is finished). `blank` asks for one empty line
    /// before it, which is dropped at the start of the file and right after a `{`.
    pub fn new_line(&mut self, indent: usize, blank: bool) {
        self.flush();
        let after_open = self
            .lines
            .last()
            .is_none_or(|l| l.code.ends_with('{') && l.comment.is_none());
        self.open = Some(Line {
            indent,
            blank_before: blank && !after_open,
            ..Line::default()
        });
    }

    /// Append a token; `space` puts one space before it unless the line is empty.
    pub fn push(&mut self, text: &str, space: bool) {
        let line = self.open.get_or_insert_with(Line::default);
        if space && !line.code.is_empty() {
            line.code.push(' ');
        }
        line.code.push_str(text);
    }

    /// The column after the current line's code.
    pub fn col(&self) -> usize {
        self.open.as_ref().map_or(0, Line::width)
    }

    /// Whether the current line holds code.
    pub fn has_code(&self) -> bool {
        self.open.as_ref().is_some_and(|l| !l.code.is_empty())
    }

    /// A comment that followed code on its source line: it ends the line holding that code.
    pub fn trailing_comment(&mut self, text: &str) {
        if let Some(line) = self.open.as_mut().filter(|l| !l.code.is_empty()) {
            line.comment = Some(text.to_owned());
            self.flush();
            return;
        }
        let indent = self.open.as_ref().map_or(0, |l| l.indent);
        self.flush();
        match self.lines.last_mut() {
            Some(line) if line.comment.is_none() && !line.code.is_empty() => {
                line.comment = Some(text.to_owned());
            }
            _ => self.comment_line(indent, text, false),
        }
    }

    /// A comment on a line of its own.
    pub fn comment_line(&mut self, indent: usize, text: &str, blank: bool) {
        self.new_line(indent, blank);
        if let Some(line) = self.open.as_mut() {
            line.comment = Some(text.to_owned());
        }
        self.flush();
    }

    fn flush(&mut self) {
        if let Some(line) = self.open.take() {
            if !line.is_empty() {
                self.lines.push(line);
            }
        }
    }

    /// The text: no trailing whitespace, one final newline (none for an empty file).
    pub fn finish(mut self) -> String {
        self.flush();
        let columns = comment_columns(&self.lines);
        let mut text = String::new();
        for (line, column) in self.lines.iter().zip(columns) {
            if line.blank_before {
                text.push('\n');
            }
            let width = line.width();
            if !line.code.is_empty() || line.comment.is_some() {
                text.extend(std::iter::repeat_n(' ', line.indent));
            }
            text.push_str(&line.code);
            if let Some(comment) = &line.comment {
                if !line.code.is_empty() {
                    text.extend(std::iter::repeat_n(' ', column.saturating_sub(width)));
                }
                text.push_str(comment);
            }
            text.push('\n');
        }
        text
    }
}

/// For each line, the column its trailing comment starts at: consecutive lines with code and
/// a trailing comment align their comments (as gofmt does).
fn comment_columns(lines: &[Line]) -> Vec<usize> {
    let mut columns = vec![0; lines.len()];
    let mut start = 0;
    while start < lines.len() {
        let run = lines
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .take_while(|(i, l)| {
                !l.code.is_empty() && l.comment.is_some() && (*i == 0 || !l.blank_before)
            })
            .count();
        if run == 0 {
            start += 1;
            continue;
        }
        let range = start..start + run;
        let column = lines
            .get(range.clone())
            .unwrap_or(&[])
            .iter()
            .map(Line::width)
            .max()
            .unwrap_or(0)
            + COMMENT_GAP;
        for slot in columns.get_mut(range).unwrap_or(&mut []) {
            *slot = column;
        }
        start += run;
    }
    columns
}
