//! Naming sets of categories and regions the way a policy would: the widest declared parent
//! or group that covers exactly the set, never more.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::space::to_u32;

use super::universe::{Side, Universe};

/// How many names a sentence lists before it says how many more there are (the JSON lists
/// them all).
const LISTED: usize = 12;

/// Lookup tables for naming sets of joint categories and regions.
#[derive(Debug)]
pub(crate) struct Describer<'u, 'p> {
    u: &'u Universe<'p>,
    /// Every category whose name is the category's or starts with it and a dot.
    subtree: Vec<BTreeSet<u32>>,
    /// The categories carrying each flag (on the new side where the category is declared).
    flags: BTreeMap<String, BTreeSet<u32>>,
    /// The places inside each joint region.
    inside: Vec<BTreeSet<u32>>,
    is_group: Vec<bool>,
    all_places: BTreeSet<u32>,
}

/// A set of regions as a sentence part.
#[derive(Debug, Clone)]
pub(crate) struct Regions {
    /// "in `EU`", "everywhere", "everywhere except `CN`".
    pub in_text: String,
    /// "`EU`", "anywhere", "anywhere except `CN`".
    pub bare: String,
    /// Every place, sorted.
    pub names: Vec<String>,
}

impl<'u, 'p> Describer<'u, 'p> {
    pub fn new(u: &'u Universe<'p>) -> Self {
        let names = &u.categories.names;
        let subtree = names
            .iter()
            .map(|c| {
                let prefix = format!("{c}.");
                names
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| *d == c || d.starts_with(&prefix))
                    .map(|(i, _)| to_u32(i))
                    .collect()
            })
            .collect();

        let mut flags: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
        for joint in 0..to_u32(names.len()) {
            let side = if u.categories.id(Side::New, joint).is_some() {
                Side::New
            } else {
                Side::Old
            };
            let policy = u.policy(side);
            let Some(category) = u
                .categories
                .id(side, joint)
                .and_then(|id| policy.categories.get(id as usize))
            else {
                continue;
            };
            for flag in category.flags.iter() {
                if let Some(info) = policy.flags.get(flag) {
                    flags.entry(info.name.clone()).or_default().insert(joint);
                }
            }
        }

        let mut inside = Vec::with_capacity(u.regions.len());
        let mut is_group = Vec::with_capacity(u.regions.len());
        for joint in 0..to_u32(u.regions.len()) {
            let side = if u.regions.id(Side::New, joint).is_some() {
                Side::New
            } else {
                Side::Old
            };
            let policy = u.policy(side);
            let region = u
                .regions
                .id(side, joint)
                .and_then(|id| policy.regions.get(id as usize));
            inside.push(
                region
                    .map(|r| {
                        r.inside
                            .iter()
                            .filter_map(|i| u.regions.joint(side, to_u32(i)))
                            .filter(|&j| u.places.contains(j as usize))
                            .collect()
                    })
                    .unwrap_or_default(),
            );
            is_group.push(region.is_some_and(|r| r.is_group));
        }
        let all_places = u.places.iter().map(to_u32).collect();
        Describer {
            u,
            subtree,
            flags,
            inside,
            is_group,
            all_places,
        }
    }

    /// The categories of some category classes.
    pub fn category_members(&self, classes: &BTreeSet<u32>) -> BTreeSet<u32> {
        classes
            .iter()
            .flat_map(|&c| self.u.class_categories(c))
            .collect()
    }

    /// The places of some region classes.
    pub fn region_members(&self, classes: &BTreeSet<u32>) -> BTreeSet<u32> {
        classes
            .iter()
            .flat_map(|&c| self.u.class_places(c))
            .collect()
    }

    /// "`user.contact.*`, `user.device.ip_address`", "`#sensitive`", "`*`",
    /// "`user.*` except `user.health.*`"; and every name.
    pub fn categories(&self, set: &BTreeSet<u32>) -> (String, Vec<String>) {
        let u = self.u;
        let names: Vec<String> = set
            .iter()
            .map(|&c| u.categories.name(c).to_owned())
            .collect();
        let items = self.category_cover(set);
        // A category around the set minus what it has too many, when that is shorter.
        let mut best: Option<(u32, Vec<String>)> = None;
        let mut best_len = items.len();
        for (c, subtree) in self.subtree.iter().enumerate() {
            if subtree.len() <= set.len() || !set.is_subset(subtree) {
                continue;
            }
            let rest: BTreeSet<u32> = subtree.difference(set).copied().collect();
            let except = self.category_cover(&rest);
            if 1 + except.len() < best_len {
                best_len = 1 + except.len();
                best = Some((to_u32(c), except));
            }
        }
        let text = match best {
            Some((c, except)) => format!("`{}.*` except {}", u.categories.name(c), list(&except)),
            None => list(&items),
        };
        (text, names)
    }

    /// The widest subtrees inside the set, then what they leave (named alone).
    fn category_cover(&self, set: &BTreeSet<u32>) -> Vec<String> {
        let u = self.u;
        let covered = |c: u32| {
            self.subtree
                .get(c as usize)
                .is_some_and(|sub| sub.is_subset(set))
        };
        let parent = |c: u32| {
            let name = u.categories.name(c);
            name.rsplit_once('.')
                .and_then(|(parent, _)| u.categories.lookup(parent))
        };
        let mut items: Vec<String> = set
            .iter()
            .copied()
            .filter(|&c| covered(c) && parent(c).is_none_or(|p| !covered(p)))
            .map(|c| {
                let many = self.subtree.get(c as usize).is_some_and(|s| s.len() > 1);
                let name = u.categories.name(c);
                if many {
                    format!("`{name}.*`")
                } else {
                    format!("`{name}`")
                }
            })
            .collect();
        // A category named alone would also name its subcategories not in the set.
        let named: BTreeSet<u32> = set
            .iter()
            .copied()
            .filter(|&c| covered(c))
            .flat_map(|c| self.subtree.get(c as usize).into_iter().flatten().copied())
            .collect();
        items.extend(
            set.difference(&named)
                .map(|&c| format!("`{}` (not its subcategories)", u.categories.name(c))),
        );
        items.sort();
        if items.len() > 1 {
            if set.len() == u.categories.len() {
                items = vec!["`*`".to_owned()];
            } else if let Some((flag, _)) = self.flags.iter().find(|(_, s)| *s == set) {
                items = vec![format!("`#{flag}`")];
            }
        }
        items
    }

    /// Places as the fewest regions and groups that cover exactly them.
    pub fn regions(&self, places: &BTreeSet<u32>) -> Regions {
        let u = self.u;
        let names: Vec<String> = places
            .iter()
            .map(|&r| u.regions.name(r).to_owned())
            .collect();
        if *places == self.all_places {
            return Regions {
                in_text: "everywhere".to_owned(),
                bare: "anywhere".to_owned(),
                names,
            };
        }
        // The fewest names: a cover of the set, or a region (or everywhere) around it minus
        // a cover of what it has too many ("`EU` except `DE`").
        let cover = self.cover(places);
        let mut best: Option<(Option<u32>, Vec<String>)> = None;
        let mut best_len = cover.len();
        let around = self
            .inside
            .iter()
            .enumerate()
            .filter(|(_, inside)| inside.len() > places.len() && places.is_subset(inside))
            .map(|(g, inside)| (Some(to_u32(g)), inside))
            .chain([(None, &self.all_places)]);
        for (g, inside) in around {
            let rest: BTreeSet<u32> = inside.difference(places).copied().collect();
            let except = self.cover(&rest);
            if 1 + except.len() < best_len {
                best_len = 1 + except.len();
                best = Some((g, except));
            }
        }
        match best {
            Some((Some(g), except)) => {
                let (g, except) = (self.u.regions.name(g), list(&except));
                Regions {
                    in_text: format!("in `{g}` except {except}"),
                    bare: format!("`{g}` except {except}"),
                    names,
                }
            }
            Some((None, except)) => {
                let except = list(&except);
                Regions {
                    in_text: format!("everywhere except {except}"),
                    bare: format!("anywhere except {except}"),
                    names,
                }
            }
            None => {
                let text = list(&cover);
                Regions {
                    in_text: format!("in {text}"),
                    bare: text,
                    names,
                }
            }
        }
    }

    /// Greedy: the region covering most of what is left without leaving the set (a group
    /// before a place of the same reach), until everything is covered.
    fn cover(&self, places: &BTreeSet<u32>) -> Vec<String> {
        let mut left = places.clone();
        let mut picked: Vec<u32> = Vec::new();
        while !left.is_empty() {
            let mut best: Option<(usize, bool, u32)> = None;
            for (g, inside) in self.inside.iter().enumerate() {
                if inside.is_empty() || !inside.is_subset(places) {
                    continue;
                }
                let gain = inside.intersection(&left).count();
                if gain == 0 {
                    continue;
                }
                let group = self.is_group.get(g).copied().unwrap_or(false);
                let better = best.is_none_or(|(b_gain, b_group, _)| {
                    gain > b_gain || (gain == b_gain && group && !b_group)
                });
                if better {
                    best = Some((gain, group, to_u32(g)));
                }
            }
            let Some((_, _, g)) = best else {
                // A place no region name covers exactly: its name also covers places inside
                // it that are not in the set (`US` without `US-CA` …).
                let mut names: Vec<String> = left
                    .iter()
                    .map(|&r| format!("`{}` (not its subdivisions)", self.u.regions.name(r)))
                    .collect();
                names.extend(
                    picked
                        .iter()
                        .map(|&g| format!("`{}`", self.u.regions.name(g))),
                );
                names.sort();
                return names;
            };
            if let Some(inside) = self.inside.get(g as usize) {
                for r in inside {
                    left.remove(r);
                }
            }
            picked.push(g);
        }
        let mut names: Vec<String> = picked
            .into_iter()
            .map(|g| format!("`{}`", self.u.regions.name(g)))
            .collect();
        names.sort();
        names
    }
}

/// Names joined with commas, the first [`LISTED`] and then how many more.
pub(crate) fn list(items: &[String]) -> String {
    if items.len() <= LISTED {
        return items.join(", ");
    }
    let shown: Vec<&str> = items.iter().take(LISTED).map(String::as_str).collect();
    format!("{} and {} more", shown.join(", "), items.len() - LISTED)
}
