//! The joint universe of two policies: every name either declares, each side's id for it,
//! and the region and category classes that *neither* evaluator can tell apart.
//!
//! Two compiled policies number their declarations independently, so a situation travels
//! between them by name. The classes are built like the prover's (`verify::space`), by
//! partition refinement, but over the sets of both policies translated into joint ids: two
//! regions are in one class when every region set of the old policy *and* every region set
//! of the new one contains both or neither, both policies give them the same children
//! threshold, and each is declared by the same sides. Categories likewise (with the `special`
//! flag on each side). One representative per class is therefore exact for both evaluators
//! at once.

use std::collections::BTreeMap;

use crate::analysis::space::{category_sets, region_sets, to_u32, Partition};
use crate::model::{IdSet, Policy, FLAG_SPECIAL};

/// Places examples prefer, in this order, where a class has them.
const WELL_KNOWN: &[&str] = &[
    "DE", "FR", "GB", "US", "US-CA", "CN", "JP", "IN", "BR", "CA", "AU", "CH", "KR", "SG", "IE",
    "NL", "BE", "IT", "ES", "AT", "NO", "IS", "LI",
];

/// Which policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Side {
    Old,
    New,
}

impl Side {
    pub const BOTH: [Side; 2] = [Side::Old, Side::New];
}

/// The union of one kind of names, sorted, with each side's id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    pub names: Vec<String>,
    old: Vec<Option<u32>>,
    new: Vec<Option<u32>>,
    from_old: Vec<u32>,
    from_new: Vec<u32>,
}

impl Names {
    pub fn build<'a>(
        old: impl Iterator<Item = &'a str>,
        new: impl Iterator<Item = &'a str>,
    ) -> Names {
        let mut ids: BTreeMap<&str, (Option<u32>, Option<u32>)> = BTreeMap::new();
        let old: Vec<&str> = old.collect();
        let new: Vec<&str> = new.collect();
        for (i, name) in old.iter().enumerate() {
            ids.entry(name).or_default().0 = Some(to_u32(i));
        }
        for (i, name) in new.iter().enumerate() {
            ids.entry(name).or_default().1 = Some(to_u32(i));
        }
        let mut out = Names {
            from_old: vec![u32::MAX; old.len()],
            from_new: vec![u32::MAX; new.len()],
            ..Names::default()
        };
        for (joint, (name, (o, n))) in ids.into_iter().enumerate() {
            let joint = to_u32(joint);
            out.names.push(name.to_owned());
            out.old.push(o);
            out.new.push(n);
            if let Some(slot) = o.and_then(|o| out.from_old.get_mut(o as usize)) {
                *slot = joint;
            }
            if let Some(slot) = n.and_then(|n| out.from_new.get_mut(n as usize)) {
                *slot = joint;
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn name(&self, joint: u32) -> &str {
        self.names.get(joint as usize).map_or("?", String::as_str)
    }

    /// The side's id of a joint name, if that side declares it.
    pub fn id(&self, side: Side, joint: u32) -> Option<u32> {
        let table = match side {
            Side::Old => &self.old,
            Side::New => &self.new,
        };
        table.get(joint as usize).copied().flatten()
    }

    /// The joint id of a side's id.
    pub fn joint(&self, side: Side, id: u32) -> Option<u32> {
        let table = match side {
            Side::Old => &self.from_old,
            Side::New => &self.from_new,
        };
        table.get(id as usize).copied().filter(|&j| j != u32::MAX)
    }

    pub fn lookup(&self, name: &str) -> Option<u32> {
        self.names
            .binary_search_by(|n| n.as_str().cmp(name))
            .ok()
            .map(to_u32)
    }

    /// A side's id set in joint ids.
    pub fn to_joint(&self, side: Side, set: &IdSet) -> IdSet {
        let mut out = IdSet::new(self.len());
        for id in set.iter() {
            if let Some(j) = self.joint(side, to_u32(id)) {
                out.insert(j as usize);
            }
        }
        out
    }
}

/// Both policies, their joint names, and the joint region and category classes.
#[derive(Debug)]
pub(crate) struct Universe<'p> {
    pub old: &'p Policy,
    pub new: &'p Policy,
    pub regions: Names,
    pub categories: Names,
    pub purposes: Names,
    pub recipients: Names,
    pub kinds: Names,
    pub attributes: Names,
    pub fields: Names,
    pub region_classes: Partition,
    /// How much an example prefers each region (smaller first).
    region_rank: Vec<(bool, bool, usize, u32)>,
    /// One place per region class that has one (questions are asked in places).
    pub region_reps: Vec<u32>,
    pub category_classes: Partition,
    pub category_reps: Vec<u32>,
    /// Joint regions declared with `region` (not `group`) on a side that declares them.
    pub places: IdSet,
}

impl<'p> Universe<'p> {
    pub fn new(old: &'p Policy, new: &'p Policy) -> Self {
        let regions = Names::build(
            old.regions.iter().map(|r| r.info.name.as_str()),
            new.regions.iter().map(|r| r.info.name.as_str()),
        );
        let categories = Names::build(
            old.categories.iter().map(|c| c.info.name.as_str()),
            new.categories.iter().map(|c| c.info.name.as_str()),
        );
        let purposes = Names::build(
            old.purposes.iter().map(|p| p.info.name.as_str()),
            new.purposes.iter().map(|p| p.info.name.as_str()),
        );
        let recipients = Names::build(
            old.recipients.iter().map(|r| r.info.name.as_str()),
            new.recipients.iter().map(|r| r.info.name.as_str()),
        );
        let kinds = Names::build(
            old.subject_kinds.iter().map(|k| k.name.as_str()),
            new.subject_kinds.iter().map(|k| k.name.as_str()),
        );
        let attributes = Names::build(
            old.attributes.iter().map(|a| a.info.name.as_str()),
            new.attributes.iter().map(|a| a.info.name.as_str()),
        );
        let fields = Names::build(
            old.fields.iter().map(|f| f.info.name.as_str()),
            new.fields.iter().map(|f| f.info.name.as_str()),
        );

        let policy = |side| match side {
            Side::Old => old,
            Side::New => new,
        };
        let mut places = IdSet::new(regions.len());
        for joint in 0..regions.len() {
            let place = Side::BOTH.into_iter().any(|side| {
                regions
                    .id(side, to_u32(joint))
                    .and_then(|id| policy(side).regions.get(id as usize))
                    .is_some_and(|r| !r.is_group)
            });
            if place {
                places.insert(joint);
            }
        }

        // Region classes: every region set of both sides, the threshold and presence.
        let mut sets: Vec<IdSet> = Vec::new();
        for side in Side::BOTH {
            sets.extend(
                region_sets(policy(side))
                    .into_iter()
                    .map(|s| regions.to_joint(side, s)),
            );
        }
        let region_key = |joint: usize| {
            let mut key = 0u64;
            for side in Side::BOTH {
                let id = regions.id(side, to_u32(joint));
                let threshold = id
                    .and_then(|id| policy(side).children.threshold.get(id as usize))
                    .copied()
                    .flatten();
                let part = match (id, threshold) {
                    (None, _) => 0,
                    (Some(_), None) => 1,
                    (Some(_), Some(t)) => u64::from(t) + 2,
                };
                key = (key << 16) | part;
            }
            key
        };
        let region_classes = Partition::build(regions.len(), region_key, &sets);
        let both = |names: &Names, j: u32| {
            names.id(Side::Old, j).is_some() && names.id(Side::New, j).is_some()
        };
        // Examples are asked in the representative: prefer a place both sides declare, a
        // country over a subdivision, a well-known jurisdiction, then the first by name.
        let top_level = |joint: u32| {
            Side::BOTH.into_iter().rev().any(|side| {
                let policy = policy(side);
                regions
                    .id(side, joint)
                    .and_then(|id| policy.regions.get(id as usize))
                    .is_some_and(|r| {
                        r.within.iter().all(|w| {
                            policy.regions.get(w).is_none_or(|outer| {
                                outer.is_group || outer.info.name == r.info.name
                            })
                        })
                    })
            })
        };
        let rank = |joint: u32| {
            let known = WELL_KNOWN
                .iter()
                .position(|n| *n == regions.name(joint))
                .unwrap_or(usize::MAX);
            (!both(&regions, joint), !top_level(joint), known, joint)
        };
        let region_rank: Vec<(bool, bool, usize, u32)> =
            (0..to_u32(regions.len())).map(rank).collect();
        let region_reps = region_classes
            .members
            .iter()
            .filter_map(|members| {
                members
                    .iter()
                    .copied()
                    .filter(|&r| places.contains(r as usize))
                    .min_by_key(|&r| region_rank.get(r as usize).copied())
            })
            .collect();

        // Category classes: every category set of both sides, `special` and presence.
        let mut sets: Vec<IdSet> = Vec::new();
        for side in Side::BOTH {
            sets.extend(
                category_sets(policy(side))
                    .into_iter()
                    .map(|s| categories.to_joint(side, s)),
            );
        }
        let category_key = |joint: usize| {
            let mut key = 0u64;
            for side in Side::BOTH {
                let category = categories
                    .id(side, to_u32(joint))
                    .and_then(|id| policy(side).categories.get(id as usize));
                let part = match category {
                    None => 0,
                    Some(c) if c.flags.contains(FLAG_SPECIAL.index()) => 2,
                    Some(_) => 1,
                };
                key = (key << 4) | part;
            }
            key
        };
        let category_classes = Partition::build(categories.len(), category_key, &sets);
        let declared = |j: u32| {
            categories
                .id(Side::New, j)
                .and_then(|id| new.categories.get(id as usize))
                .is_some_and(|c| c.declared)
        };
        let category_reps = category_classes
            .members
            .iter()
            .map(|members| {
                members
                    .iter()
                    .find(|&&c| both(&categories, c) && declared(c))
                    .or_else(|| members.iter().find(|&&c| both(&categories, c)))
                    .or(members.first())
                    .copied()
                    .unwrap_or(0)
            })
            .collect();

        Universe {
            old,
            new,
            regions,
            categories,
            purposes,
            recipients,
            kinds,
            attributes,
            fields,
            region_classes,
            region_rank,
            region_reps,
            category_classes,
            category_reps,
            places,
        }
    }

    pub fn policy(&self, side: Side) -> &'p Policy {
        match side {
            Side::Old => self.old,
            Side::New => self.new,
        }
    }

    /// Where examples prefer to be asked: smaller is better.
    pub fn region_rank(&self, joint: u32) -> (bool, bool, usize, u32) {
        self.region_rank
            .get(joint as usize)
            .copied()
            .unwrap_or((true, true, usize::MAX, joint))
    }

    pub fn region_class(&self, joint: u32) -> u32 {
        self.region_classes
            .class(joint as usize)
            .unwrap_or(u32::MAX)
    }

    /// The places of a region class.
    pub fn class_places(&self, class: u32) -> impl Iterator<Item = u32> + '_ {
        self.region_classes
            .members
            .get(class as usize)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&r| self.places.contains(r as usize))
    }

    /// The categories of a category class.
    pub fn class_categories(&self, class: u32) -> impl Iterator<Item = u32> + '_ {
        self.category_classes
            .members
            .get(class as usize)
            .into_iter()
            .flatten()
            .copied()
    }
}
