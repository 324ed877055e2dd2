//! Regions: containment graph, cycle detection, and the `within` / `inside` closures every
//! region scope is answered from.

use super::{CheckError, Checker, NameKind};
use crate::model::*;
use crate::syntax::ast::{self, Decl, RegionRef};

/// The most regions and groups a policy may declare. Containment closures are a bit set
/// over all regions per region (`within`, `inside`): memory and time grow with the square of
/// the count, 25 MB at this limit. The standard library declares a few hundred.
pub const MAX_REGIONS: usize = 10_000;

impl Checker {
    pub(super) fn build_regions(&mut self, files: &[ast::File]) {
        let count = self.regions.len();
        if count > MAX_REGIONS {
            // Reported at the first region over the limit; no closure is built (the policy
            // has an error, so none is used), so the check stays linear.
            let span = self
                .regions
                .item(u32::try_from(MAX_REGIONS).unwrap_or(u32::MAX))
                .map(|r| r.info.span)
                .unwrap_or_default();
            self.error(
                CheckError::TooManyRegions {
                    count,
                    limit: MAX_REGIONS,
                },
                span,
                "one region too many",
            );
            return;
        }
        // Star groups (`= * except …`) are expanded after the closures of everything else.
        let mut star_groups = Vec::new();
        for file in files {
            for item in &file.items {
                match &item.decl {
                    Decl::Region(r) => {
                        let Some(child) = self.regions.get(&r.code.text) else {
                            continue;
                        };
                        for parent in &r.parents {
                            if let Some(p) = self.region_ref(parent) {
                                self.add_parent(RegionId(child), p);
                            }
                        }
                    }
                    Decl::Group(g) => {
                        let Some(group) = self.regions.get(&g.code.text) else {
                            continue;
                        };
                        if g.members
                            .iter()
                            .any(|m| matches!(m, RegionRef::Anywhere(_)))
                        {
                            star_groups.push((RegionId(group), g));
                            continue;
                        }
                        for member in &g.members {
                            if let Some(m) = self.region_ref(member) {
                                self.add_parent(m, RegionId(group));
                            }
                        }
                        if let Some(first) = g.except.first() {
                            self.error(
                                CheckError::InvalidGroup {
                                    name: g.code.text.clone(),
                                },
                                first.span(),
                                "`except` only narrows `*`",
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        self.report_region_cycles();
        self.compute_region_closures();
        for (group, decl) in star_groups {
            let mut excluded = IdSet::new(count);
            for except in &decl.except {
                if let Some(e) = self.region_ref(except) {
                    if let Some(r) = self.regions.item(e.0) {
                        excluded.union_with(&r.inside);
                    }
                }
            }
            for member in 0..count {
                let is_candidate = self
                    .regions
                    .item(u32::try_from(member).unwrap_or(u32::MAX))
                    .is_some_and(|r| !r.is_group && !excluded.contains(member));
                if is_candidate && member != group.index() {
                    self.add_parent(RegionId::from_index(member), group);
                }
            }
        }
        if !star_groups_is_empty(files) {
            self.compute_region_closures();
        }
    }

    fn add_parent(&mut self, child: RegionId, parent: RegionId) {
        if let Some(parents) = self.region_parents.get_mut(child.index()) {
            if !parents.contains(&parent) {
                parents.push(parent);
            }
        }
    }

    /// Resolve one region reference (`*` resolves to nothing: callers treat it as "all").
    pub(super) fn region_ref(&mut self, r: &RegionRef) -> Option<RegionId> {
        match r {
            RegionRef::Anywhere(_) => None,
            RegionRef::Code(name) => match self.regions.get(&name.text) {
                Some(id) => Some(RegionId(id)),
                None => {
                    let names: Vec<String> = self.regions.names().map(str::to_owned).collect();
                    self.unknown(
                        NameKind::Region,
                        &name.text,
                        name.span,
                        names.iter().map(String::as_str),
                    );
                    None
                }
            },
        }
    }

    /// Every region inside any of `refs`; all regions when empty or when `*` is listed.
    pub(super) fn region_scope(&mut self, refs: &[RegionRef]) -> IdSet {
        let count = self.regions.len();
        if refs.is_empty() || refs.iter().any(|r| matches!(r, RegionRef::Anywhere(_))) {
            for r in refs {
                self.region_ref(r);
            }
            return IdSet::full(count);
        }
        // The first region's closure is copied rather than merged into an empty set: most
        // scopes name one region (`in EU`).
        let mut set: Option<IdSet> = None;
        for r in refs {
            if let Some(id) = self.region_ref(r) {
                if let Some(region) = self.regions.item(id.0) {
                    match &mut set {
                        Some(set) => set.union_with(&region.inside),
                        None if region.inside.len() == count => set = Some(region.inside.clone()),
                        None => {
                            let mut new = IdSet::new(count);
                            new.union_with(&region.inside);
                            set = Some(new);
                        }
                    }
                }
            }
        }
        set.unwrap_or_else(|| IdSet::new(count))
    }

    /// Iterative three-colour DFS over "lies within" edges; each cycle reported once.
    fn report_region_cycles(&mut self) {
        let count = self.regions.len();
        let mut colour = vec![0u8; count]; // 0 new, 1 on stack, 2 done
        let mut cycles: Vec<Vec<RegionId>> = Vec::new();
        for start in 0..count {
            if colour.get(start) != Some(&0) {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            if let Some(c) = colour.get_mut(start) {
                *c = 1;
            }
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let parent = self
                    .region_parents
                    .get(node)
                    .and_then(|p| p.get(*next))
                    .copied();
                *next += 1;
                match parent {
                    Some(parent) => match colour.get(parent.index()) {
                        Some(0) => {
                            if let Some(c) = colour.get_mut(parent.index()) {
                                *c = 1;
                            }
                            stack.push((parent.index(), 0));
                        }
                        Some(1) => {
                            let from = stack
                                .iter()
                                .position(|(n, _)| *n == parent.index())
                                .unwrap_or(0);
                            let mut chain: Vec<RegionId> = stack
                                .get(from..)
                                .unwrap_or_default()
                                .iter()
                                .map(|(n, _)| RegionId::from_index(*n))
                                .collect();
                            chain.push(parent);
                            cycles.push(chain);
                        }
                        _ => {}
                    },
                    None => {
                        if let Some(c) = colour.get_mut(node) {
                            *c = 2;
                        }
                        stack.pop();
                    }
                }
            }
        }
        for chain in cycles {
            let names: Vec<String> = chain
                .iter()
                .map(|id| {
                    self.regions
                        .item(id.0)
                        .map_or_else(String::new, |r| r.info.name.clone())
                })
                .collect();
            let span = chain
                .first()
                .and_then(|id| self.regions.item(id.0))
                .map(|r| r.info.span)
                .unwrap_or_default();
            self.error(
                CheckError::RegionCycle {
                    chain: names.join(" ⊂ "),
                },
                span,
                "this region lies within itself",
            );
        }
    }

    /// `within` by breadth-first search from every region (terminates even on cycles),
    /// then `inside` as its transpose.
    fn compute_region_closures(&mut self) {
        let count = self.regions.len();
        let mut within_all = Vec::with_capacity(count);
        for start in 0..count {
            let mut within = IdSet::new(count);
            within.insert(start);
            let mut queue = vec![start];
            while let Some(node) = queue.pop() {
                for parent in self.region_parents.get(node).into_iter().flatten() {
                    if !within.contains(parent.index()) {
                        within.insert(parent.index());
                        queue.push(parent.index());
                    }
                }
            }
            within_all.push(within);
        }
        let mut inside_all = vec![IdSet::new(count); count];
        for (r, within) in within_all.iter().enumerate() {
            for outer in within.iter() {
                if let Some(set) = inside_all.get_mut(outer) {
                    set.insert(r);
                }
            }
        }
        for (i, (within, inside)) in within_all.into_iter().zip(inside_all).enumerate() {
            if let Some(region) = self.regions.item_mut(u32::try_from(i).unwrap_or(u32::MAX)) {
                region.within = within;
                region.inside = inside;
            }
        }
    }

    /// Regions where GDPR applies (EEA, UK, Switzerland) if the policy knows them; every
    /// region otherwise, so the Art. 9 check fails closed.
    pub(super) fn gdpr_area(&self) -> IdSet {
        let count = self.regions.len();
        let mut area = IdSet::new(count);
        for name in ["EEA", "EU", "UK", "GB", "CH"] {
            if let Some(r) = self.regions.get(name).and_then(|id| self.regions.item(id)) {
                area.union_with(&r.inside);
            }
        }
        if area.is_empty() {
            IdSet::full(count)
        } else {
            area
        }
    }
}

fn star_groups_is_empty(files: &[ast::File]) -> bool {
    !files.iter().flat_map(|f| &f.items).any(|item| {
        matches!(&item.decl, Decl::Group(g) if g.members.iter().any(|m| matches!(m, RegionRef::Anywhere(_))))
    })
}
