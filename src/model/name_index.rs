//! The name → id index of the compiled policy (and of the checker's tables while it
//! builds them), and the fast string hasher the batch reader keys its maps with.

use std::hash::Hasher;

/// A name → id index, used at the API edge to prepare handles and by the by-name API on
/// every call. An open-addressing table of slots of one cache line each (64 bytes,
/// aligned): a slot holds its name's bytes as words — its first and last eight bytes and,
/// for a name of 17 to 48 bytes, the words between — so a lookup of a name of up to 48
/// bytes reads one line per slot it probes and compares words (no `memcmp` call). The
/// names also sit back to back in one string, read only to list them and to compare a
/// longer name. A lookup hashes once: one folded multiply for a name of up to 16 bytes,
/// two for one of up to 32, four for one of up to 48.
#[derive(Clone)]
pub struct NameIndex<I> {
    /// Linear probing; the length is zero or a power of two at least three times `len`: a
    /// slot is a line, so every slot a lookup probes past the first is a line more (at a
    /// load of up to 1/3 a hit probes ~1.2 slots, up to 1/2 ~1.5).
    slots: Vec<Slot<I>>,
    /// Every name, back to back.
    text: String,
    len: usize,
}

/// The longest name a slot holds all of (its key and its [`Middle`]); a longer one is
/// compared with the text.
const INLINE: usize = 48;

/// One cache line (with a `u32` id): the line a lookup reads is the slot's alone.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Slot<I> {
    /// The name's [`Key`]: with `len`, all of a name of at most 16 bytes.
    key: Key,
    /// The words between the key's of a name of 17 to [`INLINE`] bytes ([`Middle::of`]).
    middle: Middle,
    /// Its length in bytes.
    len: u32,
    /// Where the name starts in the text.
    start: u32,
    /// `None`: a free slot.
    id: Option<I>,
}

// A slot of a policy's index (ids are `u32`s) is one line, not two.
const _: () = assert!(std::mem::size_of::<Slot<u32>>() == 64);

/// The words of a name between its [`Key`]'s, which with the key and the length are all of
/// a name of 17 to [`INLINE`] bytes: for 17 to 32 bytes, the words at 8 and at `len - 16`
/// ([`middle`], the ones its hash reads); for 33 to 48, the words at 8, 16, 24 and
/// `len - 16` (the last overlapping the one before). Zero for any other length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Middle([u64; 4]);

impl Middle {
    #[inline(always)]
    fn of(bytes: &[u8]) -> Middle {
        let len = bytes.len();
        if len <= 16 || len > INLINE {
            Middle::default()
        } else if len <= 32 {
            let (a, b) = middle(bytes);
            Middle([a, b, 0, 0])
        } else {
            let last = word_at(bytes, len.saturating_sub(16));
            Middle([
                word_at(bytes, 8),
                word_at(bytes, 16),
                word_at(bytes, 24),
                last,
            ])
        }
    }
}

/// The names and their ids, sorted by name: the table's layout depends on the order the
/// names were added in, which says nothing about the policy.
impl<I: Copy + std::fmt::Debug> std::fmt::Debug for NameIndex<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut entries: Vec<(&str, I)> = self
            .slots
            .iter()
            .filter_map(|slot| Some((self.name_of(slot), slot.id?)))
            .collect();
        entries.sort_unstable_by_key(|&(name, _)| name);
        f.debug_map().entries(entries).finish()
    }
}

impl<I> Default for NameIndex<I> {
    fn default() -> Self {
        NameIndex {
            slots: Vec::new(),
            text: String::new(),
            len: 0,
        }
    }
}

/// A name's first and last eight bytes as two words (the reads overlap when it is shorter
/// than 16 bytes; a name of four to seven bytes is two overlapping four-byte reads, one of
/// one to three bytes its first, middle and last byte). Two names of the same length up to
/// 16 bytes are equal exactly when their keys are; longer ones when their keys and their
/// middles are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Key {
    head: u64,
    tail: u64,
}

impl Key {
    #[inline(always)]
    fn of(bytes: &[u8]) -> Key {
        if let (Some(head), Some(tail)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            return Key {
                head: u64::from_le_bytes(*head),
                tail: u64::from_le_bytes(*tail),
            };
        }
        if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
            return Key {
                head: u64::from(u32::from_le_bytes(*head)),
                tail: u64::from(u32::from_le_bytes(*tail)),
            };
        }
        // Zero to three bytes: the first, the middle and the last are all of them.
        let head = match (bytes.first(), bytes.get(bytes.len() / 2), bytes.last()) {
            (Some(&a), Some(&b), Some(&c)) => u64::from(a) | u64::from(b) << 8 | u64::from(c) << 16,
            _ => 0,
        };
        Key { head, tail: 0 }
    }
}

/// The 128-bit product's halves xored (as in wyhash and foldhash): every input bit reaches
/// every output bit.
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

const K0: u64 = 0x51_7c_c1_b7_27_22_0a_95;
const K1: u64 = 0x9e_37_79_b9_7f_4a_7c_15;

/// A name's hash in the index, from its key: one folded multiply for a name of up to 16
/// bytes (the key is all of it, the length mixed in), two for one of up to 32 (its
/// [`middle`] too), four for one of up to [`INLINE`] (its [`Middle`]), wyhash's shape for a
/// longer one (one folded multiply per 16 bytes, out of line). Not keyed, which is safe
/// here: the keys are the policy's own names, so a caller choosing what to look up cannot
/// lengthen the probe sequences.
#[inline(always)]
fn name_hash(bytes: &[u8], key: Key) -> u64 {
    let len = bytes.len();
    if len <= 16 {
        fold(key.head ^ K1, key.tail ^ K0 ^ len as u64)
    } else if len <= 32 {
        let (a, b) = middle(bytes);
        fold(fold(a ^ K0, b ^ K1) ^ key.head, key.tail ^ K0 ^ len as u64)
    } else if len <= INLINE {
        inline_hash(key, Middle::of(bytes), len)
    } else {
        long_hash(bytes)
    }
}

/// The hash of a name of 33 to [`INLINE`] bytes, from its key and [`Middle`].
#[inline(always)]
fn inline_hash(key: Key, Middle([a, b, c, d]): Middle, len: usize) -> u64 {
    let middle = fold(a ^ K0, b ^ K1) ^ fold(c ^ K1, d ^ K0);
    fold(middle ^ key.head, key.tail ^ K0 ^ len as u64)
}

/// The words at 8 and at `len - 16` of a name of 17 to 32 bytes: with its key, every byte.
#[inline(always)]
fn middle(bytes: &[u8]) -> (u64, u64) {
    (
        word_at(bytes, 8),
        word_at(bytes, bytes.len().saturating_sub(16)),
    )
}

#[inline(never)]
fn long_hash(bytes: &[u8]) -> u64 {
    let mut seed = K0;
    let mut rest = bytes;
    while rest.len() > 16 {
        let Some((chunk, tail)) = rest.split_first_chunk::<16>() else {
            break;
        };
        let (a, b) = chunk.split_at(8);
        seed = fold(word(a) ^ K1, word(b) ^ seed);
        rest = tail;
    }
    // The last 16 bytes, overlapping the chunk before when the length is not a multiple
    // of 16.
    let last = bytes.last_chunk::<16>().map_or(&[0; 16], |c| c);
    let (a, b) = last.split_at(8);
    fold(K1 ^ bytes.len() as u64, fold(word(a) ^ K1, word(b) ^ seed))
}

/// Eight bytes as a little-endian word (zero for any other length).
#[inline(always)]
fn word(bytes: &[u8]) -> u64 {
    bytes
        .first_chunk::<8>()
        .map_or(0, |w| u64::from_le_bytes(*w))
}

/// The eight bytes at `at` (zero past the end).
#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    bytes.get(at..).map_or(0, word)
}

/// Whether two names of the same length, over 16 bytes, whose first and last eight bytes
/// are equal, are equal: their middles compared a word at a time (the last word overlaps
/// the one before it).
#[inline(never)]
fn same_middle(a: &[u8], b: &[u8]) -> bool {
    let last = a.len().saturating_sub(16);
    let mut at = 8;
    while at < last {
        if word_at(a, at) != word_at(b, at) {
            return false;
        }
        at += 8;
    }
    a.len() == b.len() && word_at(a, last) == word_at(b, last)
}
/// Up to eight bytes as one word, from at most three reads.
#[inline]
fn small_word(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        return u64::from(u32::from_le_bytes(*head)) | u64::from(u32::from_le_bytes(*tail)) << 32;
    }
    match (bytes.first(), bytes.get(len / 2), bytes.last()) {
        (Some(&a), Some(&b), Some(&c)) => u64::from(a) | u64::from(b) << 8 | u64::from(c) << 16,
        _ => 0,
    }
}

/// One folded multiply per 8-byte word: a few nanoseconds for a short name,
/// where SipHash takes tens. Not keyed, which is safe here: the keys are the policy's own
/// names, so a caller choosing what to look up cannot lengthen the probe sequences.
#[derive(Debug, Clone, Copy, Default)]
pub struct NameHasher {
    hash: u64,
}

impl NameHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    /// A folded multiply (the 128-bit product's halves xored, as in wyhash and foldhash):
    /// every input bit reaches every output bit, so names differing only in their last
    /// characters (`purpose1234`, `purpose1235`) do not crowd one corner of the table.
    #[inline]
    fn add(&mut self, word: u64) {
        let product = u128::from(self.hash ^ word) * u128::from(Self::SEED);
        self.hash = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for NameHasher {
    /// Eight bytes at a time; the last word overlaps the one before it (or, for a name
    /// shorter than eight bytes, is gathered from two or three reads), so there is no
    /// byte-by-byte tail. The length is mixed in last.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while rest.len() > 8 {
            let Some((word, tail)) = rest.split_first_chunk::<8>() else {
                break;
            };
            self.add(u64::from_le_bytes(*word));
            rest = tail;
        }
        let last = match bytes.last_chunk::<8>() {
            Some(word) => u64::from_le_bytes(*word),
            None => small_word(rest),
        };
        self.add(last);
        self.add(bytes.len() as u64);
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

impl<I: Copy> NameIndex<I> {
    /// Add a name (a name added again gets the new id).
    pub fn insert(&mut self, name: &str, id: I) {
        let bytes = name.as_bytes();
        let key = Key::of(bytes);
        let hash = name_hash(bytes, key);
        if let Some(at) = self.position(bytes, key, hash) {
            if let Some(slot) = self.slots.get_mut(at) {
                slot.id = Some(id);
            }
            return;
        }
        if (self.len + 1) * 3 > self.slots.len() {
            self.grow();
        }
        let (Ok(start), Ok(len)) = (u32::try_from(self.text.len()), u32::try_from(name.len()))
        else {
            return;
        };
        if start.checked_add(len).is_none() {
            return;
        }
        self.text.push_str(name);
        self.place(
            hash,
            Slot {
                key,
                middle: Middle::of(bytes),
                len,
                start,
                id: Some(id),
            },
        );
        self.len += 1;
    }

    /// The id of `name`; `None` when absent.
    #[inline(always)]
    pub fn get(&self, name: &str) -> Option<I> {
        let bytes = name.as_bytes();
        let len = bytes.len();
        if len > 32 {
            return self.get_long(bytes);
        }
        // Up to 32 bytes: the key and, over 16, the two middle words are all of the name,
        // so a probe compares words of the slot's line (and the function needs few
        // registers: no spills).
        let key = Key::of(bytes);
        let mask = self.slots.len().checked_sub(1)?;
        let (hash, rest) = if len <= 16 {
            (fold(key.head ^ K1, key.tail ^ K0 ^ len as u64), None)
        } else {
            let (a, b) = middle(bytes);
            let hash = fold(fold(a ^ K0, b ^ K1) ^ key.head, key.tail ^ K0 ^ len as u64);
            (hash, Some((a, b)))
        };
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots.get(i)?;
            let id = slot.id?;
            let Middle([a, b, ..]) = slot.middle;
            if slot.key == key && slot.len as usize == len && rest.is_none_or(|w| w == (a, b)) {
                return Some(id);
            }
            i = (i + 1) & mask;
        }
    }

    /// [`NameIndex::get`] of a name over 32 bytes.
    #[inline(never)]
    fn get_long(&self, bytes: &[u8]) -> Option<I> {
        let key = Key::of(bytes);
        let at = self.position(bytes, key, name_hash(bytes, key))?;
        self.slots.get(at)?.id
    }

    /// Every name, in no particular order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.slots
            .iter()
            .filter(|slot| slot.id.is_some())
            .map(|slot| self.name_of(slot))
    }

    /// Every name with its id, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, I)> {
        self.slots
            .iter()
            .filter_map(|slot| Some((self.name_of(slot), slot.id?)))
    }

    /// The same names with their ids converted (the checker builds its tables on `u32`
    /// and hands the policy typed ids): the table is kept as it is, nothing is rehashed.
    pub fn map_ids<J>(self, convert: impl Fn(I) -> J) -> NameIndex<J> {
        NameIndex {
            slots: self
                .slots
                .into_iter()
                .map(|slot| Slot {
                    key: slot.key,
                    middle: slot.middle,
                    len: slot.len,
                    start: slot.start,
                    id: slot.id.map(&convert),
                })
                .collect(),
            text: self.text,
            len: self.len,
        }
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no name.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn bytes_of(&self, slot: &Slot<I>) -> &[u8] {
        let start = slot.start as usize;
        self.text
            .as_bytes()
            .get(start..start + slot.len as usize)
            .unwrap_or(&[])
    }

    fn name_of(&self, slot: &Slot<I>) -> &str {
        let start = slot.start as usize;
        self.text
            .get(start..start + slot.len as usize)
            .unwrap_or("")
    }

    /// The slot holding the name `bytes` (key `key`, hash `hash`), by linear probing from
    /// its hash: a slot is compared by key, length and [`Middle`], and, for a name over
    /// [`INLINE`] bytes only, by its middle in the text.
    #[inline(always)]
    fn position(&self, bytes: &[u8], key: Key, hash: u64) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let middle = Middle::of(bytes);
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots.get(i)?;
            slot.id?;
            if slot.key == key
                && slot.len as usize == bytes.len()
                && slot.middle == middle
                && (bytes.len() <= INLINE || same_middle(self.bytes_of(slot), bytes))
            {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The hash of a slot's name ([`name_hash`]): from the slot alone for a name of up to
    /// [`INLINE`] bytes.
    fn hash_of(&self, slot: &Slot<I>) -> u64 {
        let len = slot.len as usize;
        let Key { head, tail } = slot.key;
        let Middle([a, b, ..]) = slot.middle;
        if len <= 16 {
            fold(head ^ K1, tail ^ K0 ^ len as u64)
        } else if len <= 32 {
            fold(fold(a ^ K0, b ^ K1) ^ head, tail ^ K0 ^ len as u64)
        } else if len <= INLINE {
            inline_hash(slot.key, slot.middle, len)
        } else {
            long_hash(self.bytes_of(slot))
        }
    }

    /// Put a slot into the first free place of the probe sequence of `hash` (there always
    /// is one).
    fn place(&mut self, hash: u64, new: Slot<I>) {
        let Some(mask) = self.slots.len().checked_sub(1) else {
            return;
        };
        let mut i = hash as usize & mask;
        while self.slots.get(i).is_some_and(|slot| slot.id.is_some()) {
            i = (i + 1) & mask;
        }
        if let Some(free) = self.slots.get_mut(i) {
            *free = new;
        }
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(16);
        let free = Slot {
            key: Key::default(),
            middle: Middle::default(),
            len: 0,
            start: 0,
            id: None,
        };
        let old = std::mem::replace(&mut self.slots, vec![free; capacity]);
        for slot in old.into_iter().filter(|slot| slot.id.is_some()) {
            let hash = self.hash_of(&slot);
            self.place(hash, slot);
        }
    }
}

#[cfg(test)]
impl<I: Copy> NameIndex<I> {
    /// The mean number of slots a lookup of a present name inspects.
    fn mean_probe_length(&self) -> f64 {
        let mask = self.slots.len().saturating_sub(1);
        let total: usize = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.id.is_some())
            .map(|(i, slot)| {
                let bytes = self.bytes_of(slot);
                let home = name_hash(bytes, slot.key) as usize & mask;
                i.wrapping_sub(home) & mask
            })
            .map(|distance| distance + 1)
            .sum();
        total as f64 / self.len.max(1) as f64
    }
}

#[cfg(test)]
mod name_index_tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::NameIndex;

    /// Names that differ only in their last characters, as generated or numbered names
    /// do, spread over the table: a lookup inspects about one slot.
    #[test]
    fn similar_names_do_not_cluster() {
        for names in [
            (0..5000)
                .map(|i| format!("area{}.purpose{i}", i % 20))
                .collect::<Vec<_>>(),
            (0..5000).map(|i| format!("table{i}.column")).collect(),
            (0..5000).map(|i| format!("{i}")).collect(),
            (0..5000)
                .map(|i| format!("data.group{}.item{i}.detail", i % 50))
                .collect(),
        ] {
            let mut index = NameIndex::default();
            for (i, name) in names.iter().enumerate() {
                index.insert(name, i);
            }
            let mean = index.mean_probe_length();
            assert!(mean < 1.6, "{}…: {mean:.2} slots per lookup", names[0]);
        }
    }

    /// Names alike in their first and last eight bytes and length, differing only in the
    /// middle (which only a name over 16 bytes has), or only in length, are told apart;
    /// every length around the 16-byte boundary is found.
    #[test]
    fn names_differing_in_the_middle_or_length_are_told_apart() {
        let mut names: Vec<String> = (0..100)
            .map(|i| format!("customer_orders_{i:04}_archive.email_address"))
            .collect();
        names.extend((0..40).map(|n| "a".repeat(n)));
        names.extend((1..40).map(|n| format!("x{}y", "ab".repeat(n))));
        names.push("abcdefgh_12345678".to_owned());
        names.push("abcdefgh_22345678".to_owned());
        let mut index = NameIndex::default();
        for (i, name) in names.iter().enumerate() {
            index.insert(name, i);
        }
        assert_eq!(index.len(), names.len());
        for (i, name) in names.iter().enumerate() {
            assert_eq!(index.get(name), Some(i), "{name:?}");
            // One byte changed in the middle, or one added: absent.
            let mut bytes = name.clone().into_bytes();
            if let Some(b) = bytes.get_mut(name.len() / 2) {
                *b = b'#';
                assert_eq!(index.get(std::str::from_utf8(&bytes).unwrap()), None);
            }
            assert_eq!(index.get(&format!("{name}#")), None);
        }
    }

    #[test]
    fn names_map_to_ids() {
        let mut index = NameIndex::default();
        assert_eq!(index.get("x"), None);
        let names: Vec<String> = (0..1000).map(|i| format!("purpose.p{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            index.insert(name, i);
        }
        index.insert("purpose.p7", 7000);
        assert_eq!(index.len(), 1000);
        for (i, name) in names.iter().enumerate() {
            let want = if i == 7 { 7000 } else { i };
            assert_eq!(index.get(name), Some(want), "{name}");
        }
        assert_eq!(index.get("purpose.p1000"), None);
        assert_eq!(index.get(""), None);
        let mut listed: Vec<&str> = index.names().collect();
        listed.sort_unstable();
        assert_eq!(listed.len(), 1000);
        assert!(listed.binary_search(&"purpose.p999").is_ok());
    }

    #[test]
    fn mapped_ids_keep_every_name() {
        let mut index = NameIndex::default();
        let names: Vec<String> = (0..300)
            .map(|i| format!("a.very.long.name.number{i}"))
            .collect();
        for (i, name) in names.iter().enumerate() {
            index.insert(name, i as u32);
        }
        let mut entries: Vec<(String, u32)> =
            index.entries().map(|(n, i)| (n.to_owned(), i)).collect();
        entries.sort_unstable_by_key(|&(_, i)| i);
        assert_eq!(entries.len(), 300);
        assert!(entries.iter().all(|(n, i)| *n == names[*i as usize]));
        let mapped = index.map_ids(|i| u64::from(i) * 10);
        assert_eq!(mapped.len(), 300);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(mapped.get(name), Some(i as u64 * 10), "{name}");
        }
        assert_eq!(mapped.get("a.very.long.name.number300"), None);
    }

    /// A name of 0 to 80 bytes: a shared prefix (or none), a few characters (ASCII and
    /// not), a shared suffix (or none), so names collide in their first and last eight bytes
    /// and in length, around every length boundary the index has (8, 16, 32, 48).
    fn name() -> impl Strategy<Value = String> {
        let prefix = prop::sample::select(vec![
            "",
            "a",
            "purpose.",
            "marketing.advertising.",
            "customer_orders_0001_archive.",
            "日本.",
            "é",
        ]);
        let suffix = prop::sample::select(vec!["", "x", ".g12", "_detail.email_address", "ü"]);
        (prefix, "[ab.é日]{0,30}", suffix).prop_map(|(prefix, middle, suffix)| {
            let mut name = format!("{prefix}{middle}{suffix}");
            while name.len() > 80 {
                name.pop();
            }
            name
        })
    }

    proptest! {
        /// A `NameIndex` answers exactly as a `HashMap` does: every name inserted (some
        /// twice, the last id winning) is found with its id, every other name is absent, and
        /// it lists the same entries.
        #[test]
        fn answers_as_a_hash_map(
            inserts in prop::collection::vec((name(), 0u32..1000), 0..200),
            again in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
            absent in prop::collection::vec(name(), 0..50),
        ) {
            let mut index = NameIndex::default();
            let mut map = HashMap::new();
            let again = again.iter().filter_map(|at| {
                let (name, id) = inserts.get(at.index(inserts.len().max(1)))?;
                Some((name.clone(), id + 1000))
            });
            let inserts: Vec<(String, u32)> = inserts.iter().cloned().chain(again).collect();
            for (name, id) in &inserts {
                index.insert(name, *id);
                map.insert(name.clone(), *id);
            }
            prop_assert_eq!(index.len(), map.len());
            for name in inserts.iter().map(|(name, _)| name).chain(&absent) {
                prop_assert_eq!(index.get(name), map.get(name).copied(), "{:?}", name);
                // The name with one more character, or its last replaced: absent unless
                // inserted.
                for other in [format!("{name}a"), format!("{name}é")] {
                    prop_assert_eq!(index.get(&other), map.get(&other).copied());
                }
                let mut changed = name.clone();
                if changed.pop().is_some() {
                    changed.push('#');
                    prop_assert_eq!(index.get(&changed), map.get(&changed).copied());
                }
            }
            let mut entries: Vec<(String, u32)> =
                index.entries().map(|(n, id)| (n.to_owned(), id)).collect();
            entries.sort_unstable();
            let mut want: Vec<(String, u32)> = map.into_iter().collect();
            want.sort_unstable();
            prop_assert_eq!(entries, want);
        }
    }
}
