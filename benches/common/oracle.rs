//! A hand-written reference implementation ("oracle") of the peers' scenario
//! (`benches/data/peers-*.lawful` and their query files), for two uses: an independent
//! differential test of `lawful`'s evaluator (`tests/peers_oracle.rs`) and an in-process speed
//! baseline — plain Rust over `HashMap`s — beside `lawful`'s decisions in `benches/peers.rs`
//! (`oracle`) and `examples/peers_decide.rs`.
//!
//! It never calls `lawful`. From the policy text it reads only what the scenario's generator
//! declared: the regions, each field's category, each purpose's categories (`uses`) and its
//! legal basis *kind* per region (consent, contract, legal obligation, legitimate interest,
//! opt-out — a `contract` whose `when` tests `subject.optouts` before the EU clause — or
//! none), and which category each `deny … when not consent(P)` rule reserves for a consent
//! to P. It does not interpret the `when` conditions: it applies the generator README's
//! rules itself —
//!
//! - the purpose must declare the field's category or an ancestor of it;
//! - health and biometric data (the categories of the deny rules, and every category below
//!   them) need a consent to `explicit.health` / `explicit.biometric` (or an ancestor);
//! - the purpose needs a basis in the processing region, and it must hold: consent — a
//!   consent to the purpose or an ancestor; legitimate interest — no objection to either;
//!   opt-out — no opt-out (a purpose name in the set attribute `optouts`) of either;
//!   contract and legal obligation — always;
//! - an objection to the purpose or an ancestor denies unless that basis is contract or
//!   legal obligation;
//! - marketing-like purposes (`marketing.*`, `sharing.ad_network*`) are denied under 13 when
//!   processed in the EU, under 14 elsewhere;
//! - a subject living in the EU also needs the purpose's EU basis to hold, as above (no EU
//!   basis: denied). Only "holds": neither the objection rule nor the age applies to it, as
//!   the generator's `(not subject.region in EU or …)` clause says.
//!
//! Purposes are dotted: `marketing.advertising.targeted.g845`'s ancestors are
//! `marketing.advertising.targeted`, `marketing.advertising` and `marketing`, declared or not;
//! categories likewise. Test and benchmark code: a line of the policy it does not understand,
//! or a name a question uses that the policy does not declare, is a panic.
#![allow(clippy::panic)]

use std::collections::{HashMap, HashSet};

/// The region whose residents' data also needs the purpose's basis there.
const EU: &str = "EU";

/// A legal basis kind, as the scenario uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basis {
    Consent,
    Contract,
    LegalObligation,
    LegitimateInterest,
    /// Written as a `contract` basis whose condition excludes the purpose's opt-outs.
    OptOut,
}

struct Purpose {
    /// The purpose's name and its ancestors, the name first (`a.b.c`, `a.b`, `a`).
    lineage: Vec<String>,
    /// The categories it declares (`uses`).
    uses: HashSet<String>,
    /// Its basis in each region (indexed as `Oracle::regions`); `None`: no basis there.
    bases: Vec<Option<Basis>>,
    /// `marketing.*` or `sharing.ad_network*`: denied to the young.
    marketing: bool,
}

struct Field {
    /// The field's category and its ancestors, the category first.
    categories: Vec<String>,
    /// For each special category it falls under, the purpose a consent to which it needs,
    /// with that purpose's ancestors.
    explicit: Vec<Vec<String>>,
}

/// The peers' scenario as the generator's README states it, read from a policy's text.
pub struct Oracle {
    regions: HashMap<String, usize>,
    eu: usize,
    purposes: HashMap<String, Purpose>,
    fields: HashMap<String, Field>,
}

/// A question by name, as it comes: the names the subject gives are iterators of `&str` over
/// whatever the caller holds (cloned to be walked again, never collected).
pub struct Question<'a, C, O, P> {
    pub purpose: &'a str,
    pub field: &'a str,
    /// The processing region.
    pub region: &'a str,
    /// Where the subject lives.
    pub subject_region: &'a str,
    pub age: i64,
    /// The purposes the subject consented to.
    pub consents: C,
    /// The purposes the subject objected to.
    pub objections: O,
    /// The purposes the subject opted out of (the set attribute `optouts`).
    pub optouts: P,
}

/// `a.b.c` → `a.b.c`, `a.b`, `a`.
fn lineage(name: &str) -> Vec<String> {
    let mut out = vec![name.to_owned()];
    let mut rest = name;
    while let Some((parent, _)) = rest.rsplit_once('.') {
        out.push(parent.to_owned());
        rest = parent;
    }
    out
}

/// Whether one of `names` is the purpose or one of its ancestors.
fn covers<'a>(mut names: impl Iterator<Item = &'a str>, lineage: &[String]) -> bool {
    names.any(|name| lineage.iter().any(|p| p == name))
}

/// `NAME "title" REST` → (`NAME`, `REST`).
fn name_and_title(text: &str, line: &str) -> (String, String) {
    let parsed = text.split_once(' ').and_then(|(name, rest)| {
        let (_title, rest) = rest.strip_prefix('"')?.split_once('"')?;
        Some((name.to_owned(), rest.trim().to_owned()))
    });
    parsed.unwrap_or_else(|| panic!("oracle: expected `NAME \"title\" …`: {line}"))
}

impl Oracle {
    /// Reads a policy of the generator's line format.
    ///
    /// # Panics
    ///
    /// On a line it does not understand, and on a name the policy uses but does not declare.
    pub fn from_policy(text: &str) -> Oracle {
        let mut regions: HashMap<String, usize> = HashMap::new();
        let mut fields: HashMap<String, String> = HashMap::new();
        let mut purposes: HashMap<String, Purpose> = HashMap::new();
        // Deny rules: (category, the purpose a consent to which it needs).
        let mut specials: Vec<(String, String)> = Vec::new();
        // The purpose whose block is open.
        let mut open: Option<(String, Purpose)> = None;
        let new_purpose = |name: &str, regions: &HashMap<String, usize>| Purpose {
            lineage: lineage(name),
            uses: HashSet::new(),
            bases: vec![None; regions.len()],
            marketing: name == "marketing"
                || name.starts_with("marketing.")
                || name.starts_with("sharing.ad_network"),
        };

        for raw in text.lines() {
            let line = raw.trim();
            if let Some((_, purpose)) = open.as_mut() {
                if line == "}" {
                    let (name, purpose) = open.take().unwrap_or_else(|| unreachable!());
                    Self::insert(&mut purposes, name, purpose, raw);
                } else {
                    Self::body(purpose, line, &regions, raw);
                }
                continue;
            }
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            match word {
                "" => {}
                _ if line.starts_with("#![allow(") => {}
                "policy" => {}
                "attribute" if rest == "optouts: set" => {}
                "region" => {
                    let name = rest.split(' ').next().unwrap_or_default();
                    let index = regions.len();
                    if regions.insert(name.to_owned(), index).is_some() {
                        panic!("oracle: region declared twice: {raw}");
                    }
                }
                "category" if !rest.contains(' ') => {}
                "field" => {
                    let Some((name, category)) = rest.split_once(": ") else {
                        panic!("oracle: expected `field NAME: CATEGORY`: {raw}");
                    };
                    fields.insert(name.to_owned(), category.to_owned());
                }
                "purpose" => {
                    let (name, rest) = name_and_title(rest, raw);
                    let mut purpose = new_purpose(&name, &regions);
                    if rest == "{" {
                        open = Some((name, purpose));
                    } else if let Some(body) = rest
                        .strip_prefix("{ ")
                        .and_then(|body| body.strip_suffix(" }"))
                    {
                        // `{ uses CATEGORIES basis KIND }` on one line.
                        let (uses, basis) = match body.split_once(" basis ") {
                            Some((uses, basis)) => (uses.to_owned(), format!("basis {basis}")),
                            None => (body.to_owned(), String::new()),
                        };
                        for item in [uses, basis] {
                            if !item.is_empty() {
                                Self::body(&mut purpose, &item, &regions, raw);
                            }
                        }
                        Self::insert(&mut purposes, name, purpose, raw);
                    } else {
                        panic!("oracle: expected `{{` after the purpose's title: {raw}");
                    }
                }
                "deny" => {
                    // `deny NAME: use CATEGORY for * when not consent(PURPOSE)`
                    let special = rest.split_once(": use ").and_then(|(_, rule)| {
                        let (category, rest) = rule.split_once(" for * when not consent(")?;
                        Some((category.to_owned(), rest.strip_suffix(')')?.to_owned()))
                    });
                    let Some(special) = special else {
                        panic!(
                            "oracle: expected `deny NAME: use C for * when not consent(P)`: {raw}"
                        );
                    };
                    specials.push(special);
                }
                _ => panic!("oracle: a line it does not understand: {raw}"),
            }
        }
        if let Some((name, _)) = open {
            panic!("oracle: purpose {name}'s block is not closed");
        }
        let Some(&eu) = regions.get(EU) else {
            panic!("oracle: the policy declares no region {EU}");
        };
        for (category, purpose) in &specials {
            if !purposes.contains_key(purpose) {
                panic!("oracle: deny rule on {category} needs consent to undeclared {purpose}");
            }
        }
        let fields = fields
            .into_iter()
            .map(|(name, category)| {
                let categories = lineage(&category);
                let explicit = specials
                    .iter()
                    .filter(|(special, _)| categories.contains(special))
                    .map(|(_, purpose)| lineage(purpose))
                    .collect();
                (
                    name,
                    Field {
                        categories,
                        explicit,
                    },
                )
            })
            .collect();
        Oracle {
            regions,
            eu,
            purposes,
            fields,
        }
    }

    fn insert(purposes: &mut HashMap<String, Purpose>, name: String, purpose: Purpose, raw: &str) {
        if purposes.insert(name, purpose).is_some() {
            panic!("oracle: purpose declared twice: {raw}");
        }
    }

    /// A line of a purpose's body: `uses C1, C2, …` or `basis KIND [in REGION] [when COND]`.
    fn body(purpose: &mut Purpose, line: &str, regions: &HashMap<String, usize>, raw: &str) {
        if let Some(uses) = line.strip_prefix("uses ") {
            purpose
                .uses
                .extend(uses.split(", ").map(|c| c.trim().to_owned()));
            return;
        }
        let Some(basis) = line.strip_prefix("basis ") else {
            panic!("oracle: expected `uses` or `basis` in a purpose: {raw}");
        };
        let (head, condition) = match basis.split_once(" when ") {
            Some((head, condition)) => (head, Some(condition)),
            None => (basis, None),
        };
        let (kind, region) = match head.split_once(" in ") {
            Some((kind, region)) => {
                let Some(&index) = regions.get(region) else {
                    panic!("oracle: a basis in an undeclared region: {raw}");
                };
                (kind, Some(index))
            }
            None => (head, None),
        };
        // The generator's opt-out form: a contract whose conjuncts before the EU clause (the
        // last, `(not subject.region in EU or …)`, which speaks of the EU basis) exclude the
        // purpose's opt-outs.
        let opts_out = condition.is_some_and(|condition| {
            let conjuncts: Vec<&str> = condition.split(" and ").collect();
            let own = conjuncts.split_last().map_or(&[][..], |(_, own)| own);
            own.iter().any(|c| c.contains("subject.optouts"))
        });
        let kind = match kind {
            "consent" => Basis::Consent,
            "contract" if opts_out => Basis::OptOut,
            "contract" => Basis::Contract,
            "legal_obligation" => Basis::LegalObligation,
            "legitimate_interest" => Basis::LegitimateInterest,
            _ => panic!("oracle: a basis kind it does not know: {raw}"),
        };
        let slots: Vec<usize> = match region {
            Some(index) => vec![index],
            None => (0..purpose.bases.len()).collect(),
        };
        for index in slots {
            let Some(slot) = purpose.bases.get_mut(index) else {
                panic!("oracle: a region declared after the purpose: {raw}");
            };
            if slot.replace(kind).is_some() {
                panic!("oracle: two bases for one region: {raw}");
            }
        }
    }

    /// Whether the basis holds for the subject (what the kind alone asks).
    fn holds<'a, C, O, P>(basis: Basis, purpose: &Purpose, q: &Question<'a, C, O, P>) -> bool
    where
        C: Iterator<Item = &'a str> + Clone,
        O: Iterator<Item = &'a str> + Clone,
        P: Iterator<Item = &'a str> + Clone,
    {
        match basis {
            Basis::Consent => covers(q.consents.clone(), &purpose.lineage),
            Basis::LegitimateInterest => !covers(q.objections.clone(), &purpose.lineage),
            Basis::OptOut => !covers(q.optouts.clone(), &purpose.lineage),
            Basis::Contract | Basis::LegalObligation => true,
        }
    }

    /// Whether the purpose may use the field of this subject in the processing region.
    ///
    /// # Panics
    ///
    /// On a purpose, field or region the policy does not declare.
    pub fn decide<'a, C, O, P>(&self, q: &Question<'a, C, O, P>) -> bool
    where
        C: Iterator<Item = &'a str> + Clone,
        O: Iterator<Item = &'a str> + Clone,
        P: Iterator<Item = &'a str> + Clone,
    {
        let Some(purpose) = self.purposes.get(q.purpose) else {
            panic!("oracle: unknown purpose {}", q.purpose);
        };
        let Some(field) = self.fields.get(q.field) else {
            panic!("oracle: unknown field {}", q.field);
        };
        let Some(&region) = self.regions.get(q.region) else {
            panic!("oracle: unknown region {}", q.region);
        };
        // The purpose declares the field's category or an ancestor of it.
        if !field.categories.iter().any(|c| purpose.uses.contains(c)) {
            return false;
        }
        // Health and biometric data need their explicit consent.
        if field
            .explicit
            .iter()
            .any(|needed| !covers(q.consents.clone(), needed))
        {
            return false;
        }
        // A basis in the processing region, and it holds.
        let Some(basis) = purpose.bases.get(region).copied().flatten() else {
            return false;
        };
        if !Self::holds(basis, purpose, q) {
            return false;
        }
        // An objection stops all but contract and legal obligation.
        if !matches!(basis, Basis::Contract | Basis::LegalObligation)
            && covers(q.objections.clone(), &purpose.lineage)
        {
            return false;
        }
        // Marketing-like purposes: not under 13 in the EU, 14 elsewhere.
        if purpose.marketing && q.age < if region == self.eu { 13 } else { 14 } {
            return false;
        }
        // An EU resident also needs the EU basis to hold.
        if q.subject_region == EU {
            return match purpose.bases.get(self.eu).copied().flatten() {
                Some(eu) => Self::holds(eu, purpose, q),
                None => false,
            };
        }
        true
    }
}
