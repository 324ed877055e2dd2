//! Subtrees of a hierarchy as ranges of a pre-order walk: the descendants of a node are a
//! contiguous slice, so selecting `a.b.*` costs the size of the answer and the table costs
//! memory linear in the number of nodes (a bitset per node would be quadratic).

use crate::model::IdSet;

#[derive(Debug, Clone, Default)]
pub struct Subtrees {
    /// Node ids in pre-order.
    order: Vec<u32>,
    /// For each node, its own position in `order` and the end of its subtree.
    range: Vec<(u32, u32)>,
}

impl Subtrees {
    /// Build from parent links; every parent must exist in `parents`.
    pub fn new(parents: &[Option<u32>]) -> Self {
        let count = parents.len();
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); count];
        let mut roots = Vec::new();
        for (node, parent) in parents.iter().enumerate() {
            let node = u32::try_from(node).unwrap_or(u32::MAX);
            match parent.and_then(|p| children.get_mut(p as usize)) {
                Some(siblings) => siblings.push(node),
                None => roots.push(node),
            }
        }
        let mut order = Vec::with_capacity(count);
        let mut range = vec![(0u32, 0u32); count];
        // Iterative DFS: (node, next child index).
        let mut stack: Vec<(u32, usize)> = Vec::new();
        for root in roots {
            stack.push((root, 0));
            if let Some(r) = range.get_mut(root as usize) {
                r.0 = u32::try_from(order.len()).unwrap_or(u32::MAX);
            }
            order.push(root);
            while let Some((node, next)) = stack.last_mut() {
                let child = children
                    .get(*node as usize)
                    .and_then(|c| c.get(*next))
                    .copied();
                *next += 1;
                match child {
                    Some(child) => {
                        if let Some(r) = range.get_mut(child as usize) {
                            r.0 = u32::try_from(order.len()).unwrap_or(u32::MAX);
                        }
                        order.push(child);
                        stack.push((child, 0));
                    }
                    None => {
                        let end = u32::try_from(order.len()).unwrap_or(u32::MAX);
                        if let Some(r) = range.get_mut(*node as usize) {
                            r.1 = end;
                        }
                        stack.pop();
                    }
                }
            }
        }
        Subtrees { order, range }
    }

    /// A node and all its descendants.
    pub fn subtree(&self, node: usize) -> &[u32] {
        self.range
            .get(node)
            .and_then(|(start, end)| self.order.get(*start as usize..*end as usize))
            .unwrap_or(&[])
    }

    /// Add a node's subtree to `set`.
    pub fn add_subtree(&self, node: usize, set: &mut IdSet) {
        for id in self.subtree(node) {
            set.insert(*id as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Subtrees;

    #[test]
    fn subtrees_are_contiguous_pre_order_ranges() {
        // 0 ─ 1 ─ 3
        //   └ 2
        // 4
        let tree = Subtrees::new(&[None, Some(0), Some(0), Some(1), None]);
        let mut of_zero = tree.subtree(0).to_vec();
        of_zero.sort_unstable();
        assert_eq!(of_zero, vec![0, 1, 2, 3]);
        assert_eq!(tree.subtree(1), &[1, 3]);
        assert_eq!(tree.subtree(4), &[4]);
        assert!(tree.subtree(9).is_empty());
    }

    #[test]
    fn a_long_chain_needs_no_recursion() {
        let parents: Vec<Option<u32>> = (0..200_000u32).map(|i| i.checked_sub(1)).collect();
        let tree = Subtrees::new(&parents);
        assert_eq!(tree.subtree(0).len(), 200_000);
        assert_eq!(tree.subtree(199_999), &[199_999]);
    }
}
