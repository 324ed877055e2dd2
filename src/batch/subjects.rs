//! Subjects resolved once and cached by their JSON text.
//!
//! Two levels. A map from the full text finds any cached subject, once the line scanner has
//! found where the subject's text ends. Before that, a small direct-mapped table keyed by
//! the text's first bytes ([`Subjects::known_prefix`]) lets the scanner recognise a subject
//! it has seen recently by comparing bytes, without walking the JSON to find its end: a
//! cached text is a complete JSON object, so a line that continues with it holds exactly
//! that object there.
//!
//! Bounded twice: by entry count ([`LIMIT`], so ids fit) and by bytes — each entry is
//! charged its text, the subject with its heap, and its slots in the list and the map
//! ([`cost`]). When the next entry would pass either bound the cache starts afresh; an entry
//! over the whole byte bound is not cached at all.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::size_of;
use std::sync::Arc;

use crate::model::NameHasher;
use crate::subject::Subject;

use super::swar::find_byte;

/// Subjects a cache keeps at most (then it starts afresh): bounds memory on endless input.
const LIMIT: usize = 1 << 16;

/// Slots of the table of recent subjects (a power of two).
const RECENT: usize = 1 << 10;

/// How many of a text's first bytes pick its slot in the table of recent subjects.
const WINDOW: usize = 64;

/// No subject in this slot.
const EMPTY: u32 = u32::MAX;

/// Hashes with the policy's name hasher: fast on short keys, not resistant to
/// hash flooding, which is fine for the operator's own input.
type NameMap<K, V> = HashMap<K, V, BuildHasherDefault<NameHasher>>;

#[derive(Debug)]
pub struct Subjects {
    /// Every cached subject with its text; an id is an index.
    list: Vec<(Arc<str>, Subject)>,
    by_text: NameMap<Arc<str>, u32>,
    /// The id of a recent subject, by the hash of its [`window`].
    recent: Vec<u32>,
    /// The [`cost`] of every cached entry, never above `limit`.
    bytes: usize,
    limit: usize,
}

impl Default for Subjects {
    fn default() -> Self {
        Subjects::with_limit(super::DEFAULT_SUBJECT_CACHE_BYTES)
    }
}

impl Subjects {
    /// A cache that holds at most `limit` bytes by [`cost`].
    pub fn with_limit(limit: usize) -> Self {
        Subjects {
            list: Vec::new(),
            by_text: NameMap::default(),
            recent: vec![EMPTY; RECENT],
            bytes: 0,
            limit,
        }
    }

    /// What the cached entries cost, in bytes: at most the limit.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether the subject of `text` is cached.
    pub fn contains(&self, text: &str) -> bool {
        self.by_text.contains_key(text)
    }

    /// A recent subject whose text `rest` (what follows `"subject":` on a line, a `{`
    /// first) starts with: its id and the length of its text.
    #[inline]
    pub fn known_prefix(&self, rest: &[u8]) -> Option<(u32, usize)> {
        let id = *self.recent.get(slot(rest))?;
        let (text, _) = self.list.get(id as usize)?;
        rest.starts_with(text.as_bytes())
            .then_some((id, text.len()))
    }

    /// The subject `id` if its text is `text`.
    #[inline]
    pub fn get(&self, id: u32, text: &str) -> Option<&Subject> {
        match self.list.get(id as usize) {
            Some((cached, subject)) if **cached == *text => Some(subject),
            _ => None,
        }
    }

    /// The id of the subject of `text`, if cached; it becomes a recent one.
    pub fn find(&mut self, text: &str) -> Option<u32> {
        let id = *self.by_text.get(text)?;
        self.remember(text, id);
        Some(id)
    }

    /// Cache the subject of `text`, starting afresh when it would pass a bound; a subject
    /// that costs more than the whole byte bound is not cached.
    pub fn insert(&mut self, text: &str, subject: Subject) {
        let cost = cost(text, &subject);
        if cost > self.limit {
            return;
        }
        if self.list.len() >= LIMIT || self.bytes.saturating_add(cost) > self.limit {
            self.list.clear();
            self.by_text.clear();
            self.recent.fill(EMPTY);
            self.bytes = 0;
        }
        let Ok(id) = u32::try_from(self.list.len()) else {
            return;
        };
        let text: Arc<str> = text.into();
        self.list.push((Arc::clone(&text), subject));
        self.by_text.insert(text, id);
        self.bytes += cost;
        if let Some((text, _)) = self.list.last() {
            let text = Arc::clone(text);
            self.remember(&text, id);
        }
    }

    fn remember(&mut self, text: &str, id: u32) {
        if let Some(slot) = self.recent.get_mut(slot(text.as_bytes())) {
            *slot = id;
        }
    }
}

/// What caching the subject of `text` costs, in bytes (an estimate that errs high): the
/// text with `Arc`'s two counters, the subject and what it holds on the heap, and a slot in
/// the list and in the map — each counted twice, for the room a growing `Vec` or map keeps.
fn cost(text: &str, subject: &Subject) -> usize {
    let arc = 2 * size_of::<usize>();
    let slots = 2 * (size_of::<(Arc<str>, Subject)>() + size_of::<(Arc<str>, u32)>() + 1);
    text.len()
        .saturating_add(arc + slots)
        .saturating_add(subject.heap_bytes())
}

/// The slot of the text that starts `bytes`, from its first [`WINDOW`] bytes, or fewer: up
/// to its first `}`, which is never after the end of an object's text. So a subject's text
/// and a line that continues with it give the same slot.
#[inline]
fn slot(bytes: &[u8]) -> usize {
    let window = bytes.get(..WINDOW).unwrap_or(bytes);
    let head = find_byte(window, b'}')
        .and_then(|close| window.get(..=close))
        .unwrap_or(window);
    let mut hasher = NameHasher::default();
    hasher.write(head);
    // The name hasher mixes every input bit into every output bit: any bits make a slot.
    hasher.finish() as usize & (RECENT - 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;

    /// A subject to fill the cache with (the cache never reads it).
    fn nobody() -> Subject {
        Subject::with_stamp(crate::model::PolicyStamp::fresh())
    }

    #[test]
    fn a_line_that_continues_with_a_subject_finds_it() {
        let mut subjects = Subjects::default();
        let short = r#"{"region":"GB","restricted":true}"#;
        let long = r#"{"region":"DE","age":34,"consents":[{"purpose":"marketing","given_at":"2024-01-01"},{"purpose":"analytics"}]}"#;
        subjects.insert(short, nobody());
        subjects.insert(long, nobody());
        for (id, text) in [short, long].into_iter().enumerate() {
            for tail in ["", "}", r#","id":17}"#, " }"] {
                let line = format!("{text}{tail}");
                assert_eq!(
                    subjects.known_prefix(line.as_bytes()),
                    Some((id as u32, text.len())),
                    "{line}"
                );
            }
            assert!(subjects.get(id as u32, text).is_some());
            assert!(subjects.get(id as u32, "{}").is_none());
        }
        // Cut short, or different after the first bytes.
        assert_eq!(subjects.known_prefix(&short.as_bytes()[..20]), None);
        let other = long.replace("analytics", "analytic");
        assert_eq!(subjects.known_prefix(other.as_bytes()), None);
        assert_eq!(subjects.find(&other), None);
        assert_eq!(subjects.find(long), Some(1));
    }

    #[test]
    fn the_cache_starts_afresh_when_full() {
        let mut subjects = Subjects::default();
        for i in 0..=LIMIT {
            subjects.insert(&format!(r#"{{"age":{i}}}"#), nobody());
        }
        assert_eq!(subjects.list.len(), 1);
        assert_eq!(subjects.find(&format!(r#"{{"age":{LIMIT}}}"#)), Some(0));
        assert_eq!(subjects.find(r#"{"age":0}"#), None);
        assert_eq!(subjects.known_prefix(br#"{"age":0}"#), None);
    }

    /// Many large subjects: the byte count never passes the bound, the cache keeps working,
    /// and a subject over the whole bound is not kept.
    #[test]
    fn the_cache_is_bounded_in_bytes() {
        let limit = 100_000;
        let mut subjects = Subjects::with_limit(limit);
        let big = |i: usize| {
            let mut subject = nobody();
            subject.consents = Vec::with_capacity(100 + i % 7);
            (
                format!(r#"{{"age":{i},"pad":"{}"}}"#, "x".repeat(3_000)),
                subject,
            )
        };
        let mut peak = 0;
        for i in 0..500 {
            let (text, subject) = big(i);
            let cost = cost(&text, &subject);
            assert!(cost > text.len() + 100 * size_of::<crate::subject::ConsentRecord>());
            subjects.insert(&text, subject);
            assert!(subjects.bytes() <= limit, "{} > {limit}", subjects.bytes());
            assert_eq!(subjects.find(&text), Some(subjects.list.len() as u32 - 1));
            peak = peak.max(subjects.bytes());
        }
        assert!(peak > limit / 2, "{peak}");
        let mut huge = nobody();
        huge.consents = Vec::with_capacity(limit);
        subjects.insert("{}", huge);
        assert!(!subjects.contains("{}"));
        assert!(subjects.bytes() <= limit);
    }
}
