//! Proving assertions: the questions each shape selects, and what breaks it.

use crate::eval::{Decision, Query};
use crate::model::tests::AssertionKind;
use crate::model::{
    Basis, CategoryId, Cond, DenyRule, IdSet, Policy, PurposeId, RecipientId, RegionId, RuleAction,
    FLAG_SPECIAL,
};

use super::{Counterexample, Outcome, Proof, Verifier};
use crate::analysis::atoms::{category_of, Goal};
use crate::eval::rules::{rule_covers, WhenUnknown};
use crate::eval::Question;

impl Verifier<'_> {
    /// Prove the assertion at `index` of [`Policy::assertions`].
    pub fn prove(&self, index: usize) -> Option<Proof> {
        let policy = self.policy;
        let assertion = policy.assertions.get(index)?;
        let before = self.cases();
        self.start_proof();
        let hit = match &assertion.kind {
            AssertionKind::Never(rule) => {
                let extra = rule_conditions(rule);
                self.cheapest(
                    self.rule_questions(rule, Reach::Allowed),
                    &extra,
                    Goal::Permissive,
                    &mut |subject, question, decision| {
                        decision.allowed()
                            && rule_covers(
                                policy,
                                rule,
                                question,
                                subject,
                                WhenUnknown::DoesNotMatch,
                            )
                    },
                )
            }
            AssertionKind::Only {
                purposes,
                categories,
            } => {
                let questions = (0..policy.purposes.len())
                    .filter(|p| !purposes.contains(*p))
                    .flat_map(|p| {
                        let purpose = PurposeId(crate::analysis::space::to_u32(p));
                        self.use_questions(purpose, categories, None, Reach::Allowed)
                    });
                self.cheapest(questions, &[], Goal::Permissive, &mut |_, _, decision| {
                    decision.allowed()
                })
            }
            AssertionKind::Requires {
                purpose,
                basis,
                regions,
            } => {
                let all = IdSet::full(policy.categories.len());
                let questions = self.use_questions(*purpose, &all, Some(regions), Reach::Allowed);
                self.cheapest(questions, &[], Goal::Basis, &mut |_, question, decision| {
                    decision.allowed() && !satisfies(policy, basis, question, decision)
                })
            }
        };
        let outcome = match hit {
            None => match self.undecided() {
                Some(undecided) => Outcome::Undecided(undecided),
                None => Outcome::Proved,
            },
            Some(hit) => Outcome::Failed(Box::new(Counterexample {
                subject: hit.subject,
                question: hit.question,
                decision: hit.decision,
                atoms: hit.cost,
            })),
        };
        Some(Proof {
            assertion: index,
            outcome,
            cases: self.cases() - before,
        })
    }

    /// Uses of `purpose`, one per category class in `categories` it declares and region
    /// class in `regions` (default: all). With [`Reach::Allowed`], regions where the purpose
    /// has no basis are skipped: nothing is allowed there.
    pub(crate) fn use_questions<'s>(
        &'s self,
        purpose: PurposeId,
        categories: &'s IdSet,
        regions: Option<&'s IdSet>,
        reach: Reach,
    ) -> impl Iterator<Item = Question> + 's {
        let policy = self.policy;
        let uses = policy.purposes.get(purpose.index()).map(|p| &p.uses);
        let cats: Vec<CategoryId> = match uses {
            Some(uses) => self.local_categories(
                Some(purpose),
                false,
                self.space.categories_in(&[categories, uses]),
            ),
            None => Vec::new(),
        };
        let regs: Vec<RegionId> = self
            .space
            .region_reps
            .iter()
            .copied()
            .filter(|r| regions.is_none_or(|set| set.contains(r.index())))
            .filter(|r| reach == Reach::Any || has_basis(policy, purpose, *r))
            .collect();
        cats.into_iter().flat_map(move |c| {
            regs.clone()
                .into_iter()
                .map(move |r| Question::Decide(Query::new(policy, purpose, c).in_region(r)))
        })
    }

    /// Disclosures to `recipient` for `purpose` (when it is declared for it), of the
    /// category classes in `categories` both declare, in the region classes of `regions`
    /// where the purpose has a basis.
    fn disclosure_questions(
        &self,
        recipient: RecipientId,
        purpose: PurposeId,
        categories: &IdSet,
        regions: &IdSet,
    ) -> Vec<Question> {
        let policy = self.policy;
        let (Some(q), Some(declared)) = (
            policy.recipients.get(recipient.index()),
            policy.purposes.get(purpose.index()),
        ) else {
            return Vec::new();
        };
        if !q.purposes.contains(purpose.index()) {
            return Vec::new();
        }
        let regs: Vec<RegionId> = self
            .space
            .regions_in(regions)
            .filter(|r| has_basis(policy, purpose, *r))
            .collect();
        if regs.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let cats = self
            .space
            .categories_in(&[categories, &q.categories, &declared.uses]);
        for c in self.local_categories(Some(purpose), true, cats) {
            for &r in &regs {
                let query = Query::new(policy, purpose, c)
                    .in_region(r)
                    .to_recipient(recipient);
                out.push(Question::Decide(query));
            }
        }
        out
    }

    /// The disclosures to the recipients `which` selects, for the purposes in `purposes`.
    fn disclosures<'s>(
        &'s self,
        which: impl Fn(RecipientId) -> bool + 's,
        purposes: Option<&'s IdSet>,
        categories: &'s IdSet,
        regions: std::rc::Rc<IdSet>,
    ) -> impl Iterator<Item = Question> + 's {
        let policy = self.policy;
        self.space
            .recipient_reps
            .iter()
            .copied()
            .filter(move |q| which(*q))
            .flat_map(move |q| {
                let declared = policy
                    .recipients
                    .get(q.index())
                    .map(|r| r.purposes.iter().collect::<Vec<_>>())
                    .unwrap_or_default();
                let regions = regions.clone();
                declared
                    .into_iter()
                    .filter(move |p| purposes.is_none_or(|set| set.contains(*p)))
                    .flat_map(move |p| {
                        let purpose = PurposeId(crate::analysis::space::to_u32(p));
                        self.disclosure_questions(q, purpose, categories, &regions)
                    })
            })
    }

    /// Every question a rule shape can match, lazily (a search that stops early does not
    /// list the rest). With [`Reach::Allowed`], only questions that can be allowed at all
    /// are listed (uses with a basis in the region).
    pub(crate) fn rule_questions<'s>(
        &'s self,
        rule: &'s DenyRule,
        reach: Reach,
    ) -> Box<dyn Iterator<Item = Question> + 's> {
        let policy = self.policy;
        let regions = std::rc::Rc::new(rule.regions.clone());
        match &rule.action {
            RuleAction::Use { purposes } => Box::new(purposes.iter().flat_map(move |p| {
                let purpose = PurposeId(crate::analysis::space::to_u32(p));
                self.use_questions(purpose, &rule.categories, Some(&rule.regions), reach)
            })),
            RuleAction::Disclose {
                recipients,
                purposes,
                ..
            } => Box::new(self.disclosures(
                move |q| recipients.contains(q.index()),
                Some(purposes),
                &rule.categories,
                regions,
            )),
            RuleAction::Sell | RuleAction::Share => {
                let sell = matches!(rule.action, RuleAction::Sell);
                let which = move |q: RecipientId| {
                    policy.recipients.get(q.index()).is_some_and(|r| {
                        if sell {
                            r.sale
                        } else {
                            r.sharing
                        }
                    })
                };
                Box::new(self.disclosures(which, None, &rule.categories, regions))
            }
            RuleAction::Transfer { from, to } => {
                let mut origins = from.clone();
                origins.intersect_with(&rule.regions);
                let origins = std::rc::Rc::new(origins);
                let pairs: Vec<(RegionId, RegionId)> = self
                    .transfer_pairs()
                    .iter()
                    .copied()
                    .filter(|(a, b)| origins.contains(a.index()) && to.contains(b.index()))
                    .collect();
                let transfers = self
                    .local_categories(None, true, self.space.categories_in(&[&rule.categories]))
                    .into_iter()
                    .flat_map(move |category| {
                        pairs
                            .clone()
                            .into_iter()
                            .map(move |(from, to)| Question::transfer(category, from, to))
                    });
                let located_there = move |q: RecipientId| {
                    policy
                        .recipients
                        .get(q.index())
                        .is_some_and(|r| r.located.iter().any(|l| to.contains(l.index())))
                };
                Box::new(transfers.chain(self.disclosures(
                    located_there,
                    None,
                    &rule.categories,
                    origins,
                )))
            }
            RuleAction::Combine { with, purposes } => {
                Box::new(purposes.iter().flat_map(move |p| {
                    let purpose = PurposeId(crate::analysis::space::to_u32(p));
                    self.combine_questions(purpose, &rule.categories, with, &rule.regions, reach)
                }))
            }
        }
    }

    /// Combinations by `purpose` of data in `first` with data in `second` (one per pair of
    /// category classes; with [`Reach::Allowed`], only of data the purpose declares), in the
    /// region classes of `regions` (with [`Reach::Allowed`], where the purpose has a basis).
    /// The global classes are used as they are: they separate categories by every
    /// `combine` rule's two sides, which the purpose-local merging does not look at.
    pub(crate) fn combine_questions(
        &self,
        purpose: PurposeId,
        first: &IdSet,
        second: &IdSet,
        regions: &IdSet,
        reach: Reach,
    ) -> Vec<Question> {
        let policy = self.policy;
        let Some(declared) = policy.purposes.get(purpose.index()) else {
            return Vec::new();
        };
        let (firsts, seconds) = match reach {
            Reach::Allowed => (
                self.space.categories_in(&[first, &declared.uses]),
                self.space.categories_in(&[second, &declared.uses]),
            ),
            Reach::Any => (
                self.space.categories_in(&[first]),
                self.space.categories_in(&[second]),
            ),
        };
        let regs: Vec<RegionId> = self
            .space
            .regions_in(regions)
            .filter(|r| reach == Reach::Any || has_basis(policy, purpose, *r))
            .collect();
        let mut out = Vec::new();
        for &a in &firsts {
            for &b in &seconds {
                for &r in &regs {
                    let query = Query::new(policy, purpose, a).in_region(r).combined_with(b);
                    out.push(Question::Decide(query));
                }
            }
        }
        out
    }
}

impl Verifier<'_> {
    /// Merge the category classes that questions about `purpose` (and a recipient, or a
    /// transfer, when `disclosed`) cannot tell apart: the same rules of the purpose, the same
    /// disclosure, transfer and localisation rules and permissions, the same flags. The
    /// global classes also separate categories by rules of other purposes; these do not
    /// matter here. Representatives keep their order.
    pub(crate) fn local_categories(
        &self,
        purpose: Option<PurposeId>,
        disclosed: bool,
        categories: Vec<CategoryId>,
    ) -> Vec<CategoryId> {
        if categories.len() < 2 {
            return categories;
        }
        let policy = self.policy;
        let lists = &self.space.rules;
        let use_rules: Vec<&DenyRule> = purpose
            .and_then(|p| lists.use_by_purpose.get(p.index()))
            .into_iter()
            .flatten()
            .filter_map(|&i| policy.rules.get(i as usize))
            .collect();
        let list = |lists: &[Vec<u32>], c: CategoryId| -> Vec<u32> {
            lists.get(c.index()).cloned().unwrap_or_default()
        };
        let mut seen: std::collections::HashSet<Vec<u32>> = std::collections::HashSet::new();
        categories
            .into_iter()
            .filter(|&c| {
                let mut signature: Vec<u32> = Vec::new();
                for (i, rule) in use_rules.iter().enumerate() {
                    if rule.categories.contains(c.index()) {
                        signature.push(crate::analysis::space::to_u32(i));
                    }
                }
                signature.push(u32::MAX);
                if let Some(category) = policy.categories.get(c.index()) {
                    signature.extend(category.flags.iter().map(crate::analysis::space::to_u32));
                }
                if disclosed {
                    for members in [
                        list(&lists.disclosure_by_category, c),
                        list(&lists.transfer_by_category, c),
                        list(&lists.permits_by_category, c),
                        list(&policy.index.localizations_by_category, c),
                    ] {
                        signature.push(u32::MAX);
                        signature.extend(members);
                    }
                }
                seen.insert(signature)
            })
            .collect()
    }
}

/// Which questions a listing needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Only questions that can be allowed.
    Allowed,
    /// Every question (a rule can decide a use before its basis is looked at).
    Any,
}

/// The `when` of a rule and of its exceptions.
pub(crate) fn rule_conditions(rule: &DenyRule) -> Vec<&Cond> {
    let mut out: Vec<&Cond> = rule.when.iter().collect();
    out.extend(rule.excepts.iter().filter_map(|e| e.when.as_ref()));
    out
}

fn has_basis(policy: &Policy, purpose: PurposeId, region: RegionId) -> bool {
    policy.basis_declarations(purpose, region).next().is_some()
}

/// Whether an allowed decision reports the basis a `requires` assertion names (see the
/// module documentation for what each name accepts).
pub(crate) fn satisfies(
    policy: &Policy,
    required: &str,
    question: &Question,
    decision: &Decision,
) -> bool {
    let Some(basis) = decision.basis else {
        return false;
    };
    let special = match question {
        Question::Decide(query) => category_of(policy, query)
            .and_then(|c| policy.categories.get(c.index()))
            .is_some_and(|c| c.flags.contains(FLAG_SPECIAL.index())),
        Question::Transfer { .. } => false,
    };
    match required {
        "consent" => basis.is_consent(),
        "explicit_consent" => {
            basis == Basis::ExplicitConsent || (basis == Basis::Consent && special)
        }
        "opt_out" => matches!(basis, Basis::OptOut(_)),
        other => basis.simple_name() == other,
    }
}
