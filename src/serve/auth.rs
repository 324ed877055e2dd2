//! Bearer tokens, read from a file: `read` tokens may ask questions and read the policy and
//! metrics; `write` tokens may also change state (the ledger's event endpoints).
//!
//! The file has one token a line, `read TOKEN` or `write TOKEN`; blank lines and lines
//! starting with `#` are skipped. Tokens are compared in time independent of where they
//! differ.

use std::path::Path;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Ask questions, read the policy and the metrics.
    Read,
    /// Also change state (ledger writes).
    Write,
}

/// The tokens the server accepts.
#[derive(Clone)]
pub struct Tokens(Vec<(Scope, Vec<u8>)>);

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens themselves.
        write!(f, "Tokens({})", self.0.len())
    }
}

impl Tokens {
    /// Read a token file (a regular file under 1 MiB).
    pub fn read(path: &Path) -> Result<Tokens, String> {
        let (bytes, _) = crate::files::read_regular(path, 1 << 20)
            .map_err(|e| format!("cannot read the token file `{}`: {e}", path.display()))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("the token file `{}` is not UTF-8", path.display()))?;
        Tokens::parse(&text).map_err(|e| format!("`{}`: {e}", path.display()))
    }

    /// Parse a token file's text.
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let mut tokens = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let scope = match words.next() {
                Some("read") => Scope::Read,
                Some("write") => Scope::Write,
                Some(other) => {
                    return Err(format!(
                        "line {}: the scope is `read` or `write`, not `{other}`",
                        n + 1
                    ))
                }
                None => continue,
            };
            let (Some(token), None) = (words.next(), words.next()) else {
                return Err(format!("line {}: expected `SCOPE TOKEN`", n + 1));
            };
            if token.len() < 16 {
                return Err(format!(
                    "line {}: a token must have at least 16 characters",
                    n + 1
                ));
            }
            tokens.push((scope, token.as_bytes().to_vec()));
        }
        if tokens.is_empty() {
            return Err("no tokens: a token file lists `read TOKEN` or `write TOKEN` lines".into());
        }
        Ok(Tokens(tokens))
    }

    /// The scope of the token in an `Authorization` header value (`Bearer TOKEN`), if any.
    pub fn scope_of(&self, header: Option<&[u8]>) -> Option<Scope> {
        let token = header?.strip_prefix(b"Bearer ")?;
        let mut found = None;
        for (scope, known) in &self.0 {
            if same(known, token) {
                found = found.max(Some(*scope));
            }
        }
        found
    }
}

/// Equal bytes, in time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn scopes_come_from_the_file() {
        let tokens = Tokens::parse(
            "# service tokens\nread  reader-0123456789abcdef\n\nwrite writer-0123456789abcdef\n",
        )
        .unwrap();
        let scope = |h: &str| tokens.scope_of(Some(h.as_bytes()));
        assert_eq!(scope("Bearer reader-0123456789abcdef"), Some(Scope::Read));
        assert_eq!(scope("Bearer writer-0123456789abcdef"), Some(Scope::Write));
        assert_eq!(scope("Bearer reader-0123456789abcdeF"), None);
        assert_eq!(scope("Bearer reader-0123456789abcde"), None);
        assert_eq!(scope("reader-0123456789abcdef"), None);
        assert_eq!(tokens.scope_of(None), None);
        assert!(!format!("{tokens:?}").contains("reader"));
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(Tokens::parse("").is_err());
        assert!(Tokens::parse("admin 0123456789abcdefgh")
            .unwrap_err()
            .contains("`admin`"));
        assert!(Tokens::parse("read short").unwrap_err().contains("16"));
        assert!(Tokens::parse("read a-very-long-token-here extra").is_err());
    }
}
