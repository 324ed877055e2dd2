//! Properties of the parser and checker:
//! - any text (arbitrary strings, bytes, or soups of the grammar's own tokens) compiles to a
//!   policy or to a non-empty list of diagnostics whose spans lie inside their files, on
//!   character boundaries — never a panic;
//! - policies generated from the grammar's constructs (regions, groups, categories with
//!   flags, purposes with bases, recipients, rules, transfers, retention, assertions)
//!   compile without errors, and an unknown name added to one is reported as exactly that.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;

use lawful::{Compiled, Failed, SourceMap};

// ------------------------------------------------------------------------------ helpers

/// Every diagnostic (primary and related spans) points inside its file, on char boundaries.
fn spans_are_valid(
    sources: &SourceMap,
    diagnostics: &lawful::Diagnostics,
) -> Result<(), TestCaseError> {
    for d in &diagnostics.items {
        prop_assert!(d.code.starts_with("lawful::"), "code {}", d.code);
        prop_assert!(!d.message.is_empty(), "{} has no message", d.code);
        for span in std::iter::once(d.span).chain(d.related.iter().map(|r| r.span)) {
            let file = sources.get(span.source);
            prop_assert!(file.is_some(), "{}: span in no file", d.code);
            let text = &file.unwrap().text;
            let (start, end) = (span.start as usize, span.end as usize);
            prop_assert!(
                start <= end && end <= text.len(),
                "{}: span {start}..{end} of {}",
                d.code,
                text.len()
            );
            prop_assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{}: span {start}..{end} not on char boundaries",
                d.code
            );
        }
    }
    Ok(())
}

/// The property for any input: no panic (a panic fails the case), and either a policy or
/// at least one error, every span valid.
fn compiles_or_reports(text: &str) -> Result<(), TestCaseError> {
    match lawful::compile_str("prop.lawful", text) {
        Ok(Compiled {
            policy, warnings, ..
        }) => spans_are_valid(policy.sources(), &warnings),
        Err(Failed {
            sources,
            diagnostics,
        }) => {
            prop_assert!(
                diagnostics.has_errors(),
                "failed without an error: {:?}",
                diagnostics
            );
            spans_are_valid(&sources, &diagnostics)
        }
    }
}

// ------------------------------------------------------------------------------ token soup

/// The grammar's tokens: keywords, names of every shape, literals and punctuation.
const TOKENS: &[&str] = &[
    // declarations and entries
    "policy",
    "controller",
    "contact",
    "version",
    "effective",
    "updated",
    "use",
    "region",
    "group",
    "fact",
    "flag",
    "category",
    "field",
    "subject",
    "kind",
    "attribute",
    "event",
    "children",
    "under",
    "unknown",
    "age",
    "is",
    "default",
    "require",
    "purpose",
    "uses",
    "subjects",
    "basis",
    "art9",
    "direct_marketing",
    "survives",
    "withdrawal",
    "taints",
    "prior",
    "data",
    "recipient",
    "located",
    "purposes",
    "categories",
    "sale",
    "sharing",
    "transfer",
    "localize",
    "from",
    "to",
    "with",
    "retain",
    "at",
    "least",
    "most",
    "after",
    "for",
    "in",
    "when",
    "except",
    "deny",
    "allow",
    "disclose",
    "sell",
    "share",
    "assert",
    "never",
    "always",
    "only",
    "may",
    "requires",
    "test",
    "expect",
    "explicit",
    "consent",
    "withdrawn",
    "objected",
    "opted_out",
    "set",
    "collected",
    "retention",
    "events",
    "now",
    "until",
    "since",
    "rights",
    "respond",
    "within",
    "extendable",
    "by",
    "not",
    "and",
    "or",
    "true",
    "false",
    // names
    "user",
    "user.email",
    "user.*",
    "marketing.direct",
    "service",
    "aws",
    "processor",
    "ad_network",
    "contract",
    "legitimate_interest",
    "opt_out(sale)",
    "explicit_consent",
    "parental_consent",
    "gpc",
    "restricted",
    "erased",
    "subject.child",
    "subject.age",
    "subject.region",
    "subject.kind",
    "subject.verified",
    "account_closed",
    "must_keep",
    "special",
    "sensitive",
    "#special",
    "bool",
    "int",
    "set",
    "string",
    "std::regions",
    "std::nope",
    "DE",
    "EU",
    "US-CA",
    "ROW",
    "x",
    "_",
    "a.b.c",
    // literals
    "\"Title\"",
    "\"x.lawful\"",
    "\"a\\\"b\"",
    "\"\\q\"",
    "\"",
    "0",
    "13",
    "-1",
    "99999999999999999999",
    "2024-12-13",
    "2024-02-30",
    "2024-12-13T10:00:00Z",
    "3 years",
    "P1Y6M",
    "30 days",
    "3 fortnights",
    "PY",
    // punctuation
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "*",
    "#",
    ".",
    ".*",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "#![allow(unused-field)]",
    "#[allow(basis-gap)]",
    "#[allow(nope)]",
    // comments and layout
    "//",
    "// comment\n",
    "/// doc\n",
    "//! file doc\n",
    "\n",
    "\t",
    "é",
    "\u{FEFF}",
    "\0",
];

fn token_soup() -> impl Strategy<Value = String> {
    let token = prop::sample::select(TOKENS);
    let separator = prop::sample::select(&[" ", " ", " ", "\n", ""][..]);
    prop::collection::vec((token, separator), 0..80).prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(token, sep)| [token, sep])
            .collect::<String>()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,400}") {
        compiles_or_reports(&text)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        compiles_or_reports(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn token_soups_never_panic(text in token_soup()) {
        compiles_or_reports(&text)?;
    }

    /// A valid policy with a few tokens spliced in somewhere: mostly near-miss syntax.
    #[test]
    fn damaged_policies_never_panic(
        policy in valid_policy(),
        at in any::<prop::sample::Index>(),
        noise in token_soup(),
    ) {
        let mut cut = at.index(policy.len() + 1);
        while !policy.is_char_boundary(cut) {
            cut -= 1;
        }
        let text = format!("{} {noise} {}", &policy[..cut], &policy[cut..]);
        compiles_or_reports(&text)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A large file is parsed in pieces cut at line starts (`syntax::pieces`): wherever the
    /// cuts fall, in valid, damaged or nonsense text, the pieces give the whole file's tree,
    /// spans included, or one of them fails (and the file is parsed whole).
    #[test]
    fn pieces_cut_anywhere_parse_as_the_whole_file(
        policy in valid_policy(),
        noise in token_soup(),
        at in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 1..4),
    ) {
        for text in [policy.clone(), noise.clone(), format!("{policy}\n{noise}\n{policy}")] {
            let starts: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
            if starts.is_empty() {
                continue;
            }
            for &cut in starts.iter().take(25) {
                pieces_agree(&text, &[cut])?;
            }
            let mut chosen: Vec<usize> = cuts.iter().map(|i| starts[i.index(starts.len())]).collect();
            chosen.push(starts[at.index(starts.len())]);
            chosen.sort_unstable();
            chosen.dedup();
            pieces_agree(&text, &chosen)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The parser's fast path (fields, categories, purposes and conditions by hand, the rest
    /// by pest) builds pest's own tree, pair for pair, for generated policies, soups of the
    /// grammar's tokens and policies with tokens spliced in — or refuses exactly what pest
    /// refuses.
    #[test]
    fn the_fast_path_agrees_with_pest(
        policy in valid_policy(),
        noise in token_soup(),
        at in any::<prop::sample::Index>(),
    ) {
        let mut cut = at.index(policy.len() + 1);
        while !policy.is_char_boundary(cut) {
            cut -= 1;
        }
        let damaged = format!("{}{noise}{}", &policy[..cut], &policy[cut..]);
        for text in [&policy, &noise, &damaged] {
            let agrees = lawful::syntax::fast_path_agrees(text);
            prop_assert!(agrees.is_ok(), "{}\n---\n{text}", agrees.unwrap_err());
        }
        prop_assert!(
            lawful::syntax::fast_path_agrees(&policy).unwrap().is_some(),
            "a generated policy does not parse"
        );
    }
}

fn pieces_agree(text: &str, cuts: &[usize]) -> Result<(), TestCaseError> {
    let id = lawful::source::SourceId(0);
    if let Some(pieces) = lawful::syntax::parse_cut_at(id, text, cuts) {
        let whole = lawful::syntax::parse(id, text);
        prop_assert!(
            whole.is_ok(),
            "the pieces at {cuts:?} parse, the whole does not"
        );
        let (whole, pieces) = (format!("{:?}", whole.ok()), format!("{:?}", Some(pieces)));
        prop_assert!(whole == pieces, "the pieces at {cuts:?} give another tree");
    }
    Ok(())
}

// ------------------------------------------------------------------------------ valid policies

/// The shape every generated policy draws its names from.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    regions: usize,
    categories: usize,
    purposes: usize,
    recipients: usize,
    rules: usize,
    /// Whether some category is `special`: then every basis names an Art. 9(2) condition.
    special: bool,
}

const BASES: &[&str] = &[
    "consent",
    "explicit_consent",
    "contract",
    "legal_obligation",
    "vital_interest",
    "public_task",
    "legitimate_interest",
    "opt_out(sale)",
    "opt_out(sharing)",
    "opt_out(targeted_advertising)",
    "opt_out(profiling)",
    "opt_out(marketing)",
];
const ART9: &[&str] = &[
    "explicit_consent",
    "employment",
    "vital_interest",
    "nonprofit",
    "manifestly_public",
    "legal_claims",
    "substantial_public_interest",
    "health_care",
    "public_health",
    "archiving",
];
const RECIPIENT_KINDS: &[&str] = &[
    "processor",
    "affiliate",
    "partner",
    "ad_network",
    "authority",
    "acquirer",
    "other_users",
    "joint_controller",
];
const SAFEGUARDS: &[&str] = &[
    "adequacy",
    "scc",
    "bcr",
    "consent",
    "contract",
    "certification",
    "security_assessment",
    "standard_contract",
    "none",
    "unstated",
];
const EVENTS: &[&str] = &[
    "collected",
    "transaction_completed",
    "account_closed",
    "consent_withdrawn",
    "claim_filed",
    "limitation_period_end",
    "contract_ended",
    "last_activity",
    "renewed",
];
/// Minimums are never longer than maximums, so retention never conflicts.
const MINIMUMS: &[&str] = &["1 day", "P1D", "2 weeks", "P14D"];
const MAXIMUMS: &[&str] = &[
    "30 days",
    "P30D",
    "1 year",
    "P2Y",
    "1 year 6 months",
    "P1Y6M",
    "3 months",
];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(list).prop_map(str::to_owned)
}

fn region_list(n: usize) -> impl Strategy<Value = String> {
    let item = prop_oneof![
        1 => Just("*".to_owned()),
        2 => pick(&["G", "H"]),
        8 => (0..n).prop_map(|i| format!("R{i}")),
    ];
    prop::collection::vec(item, 1..3).prop_map(|items| items.join(", "))
}

fn category_selectors(n: usize) -> impl Strategy<Value = String> {
    let item = prop_oneof![
        1 => Just("*".to_owned()),
        4 => (0..n).prop_map(|i| format!("c{i}")),
        2 => (0..n).prop_map(|i| format!("c{i}.*")),
        2 => (0..n).prop_map(|i| format!("c{i}.x")),
        1 => pick(&["#sensitive", "#tagged", "#special"]),
    ];
    prop::collection::vec(item, 1..4).prop_map(|items| items.join(", "))
}

fn purpose_selectors(n: usize) -> impl Strategy<Value = String> {
    let item = prop_oneof![
        1 => Just("*".to_owned()),
        4 => (0..n).prop_map(|i| format!("p{i}")),
        2 => (0..n).prop_map(|i| format!("p{i}.*")),
    ];
    prop::collection::vec(item, 1..3).prop_map(|items| items.join(", "))
}

fn recipient_selectors(n: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("*".to_owned()),
        6 => named_recipients(n),
    ]
}

/// Recipients without `*`: after `except to`, `*` reads as "every region".
fn named_recipients(n: usize) -> impl Strategy<Value = String> {
    let item = prop_oneof![
        2 => pick(RECIPIENT_KINDS).prop_map(|k| format!("kind {k}")),
        // `r0` when there are no recipients would be unknown: a kind instead.
        3 => (0..n.max(1)).prop_map(move |i| match n {
            0 => "kind processor".to_owned(),
            _ => format!("r{i}"),
        }),
    ];
    prop::collection::vec(item, 1..3).prop_map(|items| items.join(", "))
}

/// Conditions over the declared subject kinds and attributes, up to three levels deep.
fn condition(s: Sizes) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        pick(&[
            "subject.child",
            "subject.adult",
            "gpc",
            "restricted",
            "erased",
            "parental_consent",
            "true",
            "false",
            "subject.verified",
            "subject.kind == user",
            "subject.kind != member",
            "\"beta\" in subject.roles",
            "subject.tier == \"gold\"",
            "subject.verified != false",
            "opted_out(sale)",
            "opted_out(profiling)",
        ]),
        (pick(&["<", "<=", ">", ">=", "==", "!="]), 0i64..120)
            .prop_map(|(op, n)| format!("subject.age {op} {n}")),
        (pick(&["<", ">=", "=="]), -5i64..50)
            .prop_map(|(op, n)| format!("subject.household {op} {n}")),
        region_list(s.regions).prop_map(|r| format!("subject.region in {r}")),
        (
            pick(&["consent", "explicit_consent", "objected"]),
            0..s.purposes
        )
            .prop_map(|(p, i)| format!("{p}(p{i})")),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("not {c}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} or {b})")),
        ]
    })
}

fn basis(s: Sizes) -> impl Strategy<Value = String> {
    (
        prop::collection::vec(pick(BASES), 1..3),
        prop::option::of(region_list(s.regions)),
        prop::option::of(pick(ART9)),
        prop::option::of(condition(s)),
    )
        .prop_map(move |(names, scope, art9, when)| {
            let mut out = format!("  basis {}", names.join(" or "));
            if let Some(r) = scope {
                out.push_str(&format!(" in {r}"));
            }
            // With special data about, every basis names its Art. 9(2) condition.
            let art9 = if s.special {
                Some(art9.unwrap_or_else(|| "health_care".to_owned()))
            } else {
                art9
            };
            if let Some(a) = art9 {
                out.push_str(&format!(" art9({a})"));
            }
            // `when` last: `when subject.verified in R0` would read as a region test.
            if let Some(c) = when {
                out.push_str(&format!(" when {c}"));
            }
            out.push('\n');
            out
        })
}

fn purpose(s: Sizes, i: usize) -> impl Strategy<Value = String> {
    (
        prop::option::of(category_selectors(s.categories)),
        prop::option::of(pick(&["user", "member", "user, member"])),
        prop::collection::vec(basis(s), 1..4),
        any::<bool>(),
        prop::option::of(pick(&["restriction", "erasure", "restriction, erasure"])),
        prop::option::of(pick(&["deny", "allow", "require parental_consent"])),
        any::<bool>(),
    )
        .prop_map(
            move |(uses, subjects, bases, dm, survives, children, taints)| {
                let mut out = format!("/// Purpose {i}.\npurpose p{i} \"Purpose {i}\" {{\n");
                if let Some(u) = uses {
                    out.push_str(&format!("  uses {u}\n"));
                }
                if let Some(k) = subjects {
                    out.push_str(&format!("  subjects {k}\n"));
                }
                for b in bases {
                    out.push_str(&b);
                }
                if dm {
                    out.push_str("  direct_marketing\n");
                }
                if let Some(x) = survives {
                    out.push_str(&format!("  survives {x}\n"));
                }
                if let Some(t) = children {
                    out.push_str(&format!("  children {t}\n"));
                }
                if taints {
                    out.push_str("  withdrawal taints prior data\n");
                }
                out.push_str("}\n");
                out
            },
        )
}

fn recipient(s: Sizes, i: usize) -> impl Strategy<Value = String> {
    (
        pick(RECIPIENT_KINDS),
        prop::option::of(region_list(s.regions)),
        prop::option::of(purpose_selectors(s.purposes)),
        prop::option::of(category_selectors(s.categories)),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(condition(s)),
    )
        .prop_map(
            move |(kind, located, purposes, categories, sale, sharing, when)| {
                let located = located.map(|l| format!(" located {l}")).unwrap_or_default();
                let mut out = format!("recipient r{i} \"Recipient {i}\" kind {kind}{located} {{\n");
                if let Some(p) = purposes {
                    out.push_str(&format!("  purposes {p}\n"));
                }
                if let Some(c) = categories {
                    out.push_str(&format!("  categories {c}\n"));
                }
                if sale {
                    out.push_str("  sale\n");
                }
                if sharing {
                    out.push_str("  sharing\n");
                }
                if let Some(c) = when {
                    out.push_str(&format!("  when {c}\n"));
                }
                out.push_str("}\n");
                out
            },
        )
}

fn action(s: Sizes) -> impl Strategy<Value = String> {
    let cats = || category_selectors(s.categories);
    prop_oneof![
        (cats(), purpose_selectors(s.purposes)).prop_map(|(c, p)| format!("use {c} for {p}")),
        (
            cats(),
            recipient_selectors(s.recipients),
            prop::option::of(purpose_selectors(s.purposes))
        )
            .prop_map(|(c, r, p)| match p {
                Some(p) => format!("disclose {c} to {r} for {p}"),
                None => format!("disclose {c} to {r}"),
            }),
        cats().prop_map(|c| format!("sell {c}")),
        cats().prop_map(|c| format!("share {c}")),
        (cats(), region_list(s.regions), region_list(s.regions))
            .prop_map(|(c, f, t)| format!("transfer {c} from {f} to {t}")),
    ]
}

fn except(s: Sizes) -> impl Strategy<Value = String> {
    prop_oneof![
        condition(s).prop_map(|c| format!("except when {c}")),
        purpose_selectors(s.purposes).prop_map(|p| format!("except for {p}")),
        region_list(s.regions).prop_map(|r| format!("except in {r}")),
        region_list(s.regions).prop_map(|r| format!("except to {r}")),
        named_recipients(s.recipients).prop_map(|r| format!("except to {r}")),
    ]
}

fn rule(s: Sizes, i: usize) -> impl Strategy<Value = String> {
    (
        action(s),
        prop::option::of(region_list(s.regions)),
        prop::option::of(condition(s)),
        prop::collection::vec(except(s), 0..3),
    )
        .prop_map(move |(action, scope, when, excepts)| {
            let mut out = format!("deny d{i}: {action}");
            if let Some(r) = scope {
                out.push_str(&format!(" in {r}"));
            }
            if let Some(c) = when {
                out.push_str(&format!(" when {c}"));
            }
            for e in excepts {
                out.push_str(&format!("\n    {e}"));
            }
            out.push('\n');
            out
        })
}

fn retention(s: Sizes) -> impl Strategy<Value = String> {
    (
        category_selectors(s.categories),
        prop::option::of(purpose_selectors(s.purposes)),
        prop_oneof![
            pick(MINIMUMS).prop_map(|d| format!("at least {d}")),
            pick(MAXIMUMS).prop_map(|d| format!("at most {d}"))
        ],
        pick(EVENTS),
        prop::option::of(region_list(s.regions)),
    )
        .prop_map(|(data, purposes, bound, event, scope)| {
            let purposes = purposes.map(|p| format!(" for {p}")).unwrap_or_default();
            let scope = scope.map(|r| format!(" in {r}")).unwrap_or_default();
            format!("retain {data}{purposes} {bound} after {event}{scope}\n")
        })
}

fn transfer(s: Sizes) -> impl Strategy<Value = String> {
    prop_oneof![
        (
            category_selectors(s.categories),
            region_list(s.regions),
            region_list(s.regions),
            prop::option::of(pick(SAFEGUARDS))
        )
            .prop_map(|(c, f, t, w)| match w {
                Some(w) => format!("transfer {c} from {f} to {t} with {w}\n"),
                None => format!("transfer {c} from {f} to {t}\n"),
            }),
        (category_selectors(s.categories), region_list(s.regions))
            .prop_map(|(c, r)| format!("localize {c} in {r}\n")),
    ]
}

fn assertion(s: Sizes) -> impl Strategy<Value = String> {
    prop_oneof![
        (action(s), prop::option::of(condition(s))).prop_map(|(a, c)| match c {
            Some(c) => format!("assert never {a} when {c}\n"),
            None => format!("assert always deny {a}\n"),
        }),
        (
            purpose_selectors(s.purposes),
            category_selectors(s.categories)
        )
            .prop_map(|(p, c)| format!("assert only {p} may use {c}\n")),
        (0..s.purposes, pick(BASES), region_list(s.regions)).prop_map(|(i, b, r)| {
            let b = b.split('(').next().unwrap_or("consent").to_owned();
            format!("assert p{i} requires {b} in {r}\n")
        }),
    ]
}

fn category(s: Sizes, i: usize) -> impl Strategy<Value = String> {
    (
        prop::sample::subsequence(&["sensitive", "tagged"][..], 0..=2),
        any::<bool>(),
    )
        .prop_map(move |(flags, titled)| {
            let special = if s.special && i == 0 { " special" } else { "" };
            let title = if titled {
                format!(" \"Category {i}\"")
            } else {
                String::new()
            };
            format!(
                "category c{i}{title}{special} {}\ncategory c{i}.x\n",
                flags.join(" ")
            )
        })
}

fn header(s: Sizes) -> String {
    let mut out = String::from(
        "//! A generated policy.\nflag tagged \"Tagged\"\nsubject kind user\nsubject kind member\n",
    );
    out.push_str("attribute verified: bool\nattribute household: int\n");
    out.push_str("attribute tier: string\nattribute roles: set\n");
    out.push_str("event renewed \"Renewed\"\n");
    for i in 0..s.regions {
        if i % 2 == 1 {
            out.push_str(&format!("region R{i} \"Region {i}\" in R{}\n", i - 1));
        } else {
            out.push_str(&format!("region R{i}\n"));
        }
    }
    out.push_str("group G \"Group\" = R0\n");
    out.push_str("group H = * except G\n");
    out.push_str(
        "children {\n  under 16 in G\n  under 13\n  unknown age is child\n  default deny\n}\n",
    );
    out
}

fn valid_policy() -> impl Strategy<Value = String> {
    (
        1usize..4,
        1usize..5,
        1usize..4,
        0usize..3,
        0usize..4,
        any::<bool>(),
    )
        .prop_map(
            |(regions, categories, purposes, recipients, rules, special)| Sizes {
                regions,
                categories,
                purposes,
                recipients,
                rules,
                special,
            },
        )
        .prop_flat_map(|s| {
            (
                (0..s.categories)
                    .map(|i| category(s, i))
                    .collect::<Vec<_>>(),
                (0..s.purposes).map(|i| purpose(s, i)).collect::<Vec<_>>(),
                (0..s.recipients)
                    .map(|i| recipient(s, i))
                    .collect::<Vec<_>>(),
                (0..s.rules).map(|i| rule(s, i)).collect::<Vec<_>>(),
                prop::collection::vec(retention(s), 0..4),
                prop::collection::vec(transfer(s), 0..3),
                prop::collection::vec(assertion(s), 0..3),
            )
                .prop_map(
                    move |(
                        categories,
                        purposes,
                        recipients,
                        rules,
                        retention,
                        transfers,
                        assertions,
                    )| {
                        let mut text = header(s);
                        for part in [
                            categories, purposes, recipients, rules, retention, transfers,
                            assertions,
                        ] {
                            for p in part {
                                text.push_str(&p);
                            }
                        }
                        text
                    },
                )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generated_policies_compile(text in valid_policy()) {
        match lawful::compile_str("generated.lawful", &text) {
            Ok(compiled) => spans_are_valid(compiled.policy.sources(), &compiled.warnings)?,
            // Generated assertions are random claims: the prover may refute them, and that is
            // the only error a generated policy may have.
            Err(failed) => {
                let other: Vec<&str> = failed
                    .diagnostics
                    .errors()
                    .map(|d| d.code)
                    .filter(|c| *c != "lawful::check::assertion_failed")
                    .collect();
                prop_assert!(other.is_empty(), "{failed}\n--- policy\n{text}");
                spans_are_valid(&failed.sources, &failed.diagnostics)?;
            }
        }
    }

    #[test]
    fn an_unknown_name_in_a_generated_policy_is_reported(text in valid_policy()) {
        let text = format!("{text}retain nosuch.category at most 1 year after collected\n");
        match lawful::compile_str("generated.lawful", &text) {
            Ok(_) => prop_assert!(false, "compiled:\n{text}"),
            Err(failed) => {
                let codes: Vec<&str> = failed.diagnostics.errors().map(|d| d.code).collect();
                prop_assert_eq!(codes, vec!["lawful::check::unknown_category"]);
                spans_are_valid(&failed.sources, &failed.diagnostics)?;
            }
        }
    }
}
