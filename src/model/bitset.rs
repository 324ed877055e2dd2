//! Membership sets over dense ids.

use fixedbitset::FixedBitSet;

/// A fixed-size set of ids of one table.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct IdSet(FixedBitSet);

/// The members, not the bit storage: `{0, 3, 7}`.
impl std::fmt::Debug for IdSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl IdSet {
    /// An empty set with room for ids `0..len`.
    pub fn new(len: usize) -> Self {
        IdSet(FixedBitSet::with_capacity(len))
    }

    /// The set of every id in `0..len`.
    pub fn full(len: usize) -> Self {
        let mut bits = FixedBitSet::with_capacity(len);
        bits.insert_range(..);
        IdSet(bits)
    }

    /// Whether id `index` is a member (`false` beyond the set's length).
    #[inline]
    pub fn contains(&self, index: usize) -> bool {
        self.0.contains(index)
    }

    /// Add id `index`, growing the set if it lies beyond its length.
    pub fn insert(&mut self, index: usize) {
        if index >= self.0.len() {
            self.0.grow(index + 1);
        }
        self.0.insert(index);
    }

    /// Add every member of `other`.
    pub fn union_with(&mut self, other: &IdSet) {
        self.0.union_with(&other.0);
    }

    /// Keep only the members also in `other`.
    pub fn intersect_with(&mut self, other: &IdSet) {
        self.0.intersect_with(&other.0);
    }

    /// Remove every member of `other`.
    pub fn difference_with(&mut self, other: &IdSet) {
        self.0.difference_with(&other.0);
    }

    /// Whether the two sets share a member.
    pub fn intersects(&self, other: &IdSet) -> bool {
        !self.0.is_disjoint(&other.0)
    }

    /// How many members.
    pub fn count(&self) -> usize {
        self.0.count_ones(..)
    }

    /// Whether there is no member.
    pub fn is_empty(&self) -> bool {
        self.0.is_clear()
    }

    /// The members in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.ones()
    }

    /// The number of ids it has room for (not the number of members: see `count`).
    pub fn len(&self) -> usize {
        self.0.len()
    }
}
