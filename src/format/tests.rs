use super::{format_source, FormatError};

fn fmt(text: &str) -> String {
    let out = format_source(text);
    assert!(out.is_ok(), "{out:?}\n---\n{text}");
    let out = out.unwrap_or_default();
    assert_eq!(
        format_source(&out).ok().as_deref(),
        Some(out.as_str()),
        "not idempotent"
    );
    out
}

#[test]
fn bodies_get_one_entry_per_line() {
    let text = "policy \"P\" { controller \"C\"  contact \"c@x\" }\n\
                test \"t\" { subject { region DE  age 34  kind user gpc restricted\n\
                consent a.b at 2024-01-01 explicit consent c set tier = \"gold\" set roles = [ \"a\" ,\"b\" ] }\n\
                expect allow use f for a.b basis contract }\n";
    assert_eq!(
        fmt(text),
        "policy \"P\" {\n  controller \"C\"\n  contact \"c@x\"\n}\n\
         test \"t\" {\n  subject {\n    region DE\n    age 34\n    kind user\n    gpc\n    restricted\n\
         \x20   consent a.b at 2024-01-01\n    explicit consent c\n    set tier = \"gold\"\n\
         \x20   set roles = [\"a\", \"b\"]\n  }\n  expect allow use f for a.b basis contract\n}\n"
    );
}

#[test]
fn tokens_are_spaced_canonically() {
    let text = "#![allow( unused-field ,basis-gap )]\npurpose p{uses a.b.* ,#x\nbasis   opt_out(sale) \
                in US when not(subject.age<16 or consent( p ))}\nfield a.b :c\nretain * at most 1 year   6 months after collected\n\
                recipient r kind processor {}\npurpose q \"Q\" {\n}\n";
    assert_eq!(
        fmt(text),
        "#![allow(unused-field, basis-gap)]\n\
         purpose p {\n  uses a.b.*, #x\n  basis opt_out(sale) in US when not (subject.age < 16 or consent(p))\n}\n\
         field a.b: c\n\
         retain * at most 1 year 6 months after collected\n\
         recipient r kind processor {}\n\
         purpose q \"Q\" {}\n"
    );
}

#[test]
fn comments_stay_where_they_were() {
    let text = "//! File.\n\n\n// Section.\n/// Doc.\ncategory a \"A\" // trailing\ncategory b  // other\n\
                purpose p { // opens\n  // before uses\n  uses a, // first\n b\n\n\n  basis consent\n} // closes\n// end\n";
    assert_eq!(
        fmt(text),
        "//! File.\n\n// Section.\n/// Doc.\ncategory a \"A\"  // trailing\ncategory b      // other\n\
         purpose p {     // opens\n  // before uses\n  uses a,  // first\n       b\n\n  basis consent\n}  // closes\n// end\n"
    );
}

#[test]
fn blank_lines_are_kept_once_and_never_after_an_opening_brace() {
    let text = "\n\ncategory a\n\n\n\ncategory b\ncategory c\npurpose p {\n\n  uses a\n\n\n  basis consent\n\n}\n";
    assert_eq!(
        fmt(text),
        "category a\n\ncategory b\ncategory c\npurpose p {\n  uses a\n\n  basis consent\n}\n"
    );
}

#[test]
fn long_lists_fill_and_align_under_their_first_item() {
    let items: Vec<String> = (0..12).map(|i| format!("user.category_{i}")).collect();
    let text = format!("purpose p {{ uses {} }}\n", items.join(", "));
    let out = fmt(&text);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.iter().all(|l| l.chars().count() <= super::WIDTH),
        "{out}"
    );
    assert!(lines
        .get(1)
        .is_some_and(|l| l.starts_with("  uses user.category_0, ")));
    assert!(lines
        .get(2)
        .is_some_and(|l| l.starts_with("       user.category_")));
}

#[test]
fn a_group_list_that_does_not_fit_moves_below_the_equals_sign() {
    let codes: Vec<String> = (0..30).map(|i| format!("A{i}")).collect();
    let text = format!(
        "group G \"A group with a rather long title, for the test\" = {}\n",
        codes.join(", ")
    );
    let out = fmt(&text);
    assert!(
        out.starts_with(
            "group G \"A group with a rather long title, for the test\" =\n    A0, A1,"
        ),
        "{out}"
    );
}

#[test]
fn rules_break_before_each_exception_when_long_or_several() {
    assert_eq!(
        fmt("deny r: sell * when subject.child except in US\n"),
        "deny r: sell * when subject.child except in US\n"
    );
    assert_eq!(
        fmt("deny r: disclose * to * except to kind processor except to aws\n"),
        "deny r: disclose * to *\n    except to kind processor\n    except to aws\n"
    );
    let long =
        "deny no_child_ads_anywhere_at_all: use * for marketing.advertising.* when subject.child \
                except when parental_consent\n";
    assert_eq!(
        fmt(long),
        "deny no_child_ads_anywhere_at_all: use * for marketing.advertising.* when subject.child\n    \
         except when parental_consent\n"
    );
}

#[test]
fn long_conditions_break_before_when_and_or() {
    let text = "deny c: use * for marketing.* when subject.household_size == 0 or subject.household_size != 1 \
                or subject.household_size < 1\n";
    assert_eq!(
        fmt(text),
        "deny c: use * for marketing.* when subject.household_size == 0 or subject.household_size != 1\n    \
         or subject.household_size < 1\n"
    );
}

#[test]
fn long_retention_expectations_put_events_and_verdict_on_their_own_lines() {
    let text = "test \"t\" { expect retention user.transaction in CN events { transaction_completed 2023-03-15 } \
                now 2024-01-01 must_keep until 2026-03-15\n expect retention a in CN now 2024-01-01 may_keep }\n";
    assert_eq!(
        fmt(text),
        "test \"t\" {\n  expect retention user.transaction in CN\n      \
         events { transaction_completed 2023-03-15 } now 2024-01-01\n      must_keep until 2026-03-15\n  \
         expect retention a in CN now 2024-01-01 may_keep\n}\n"
    );
}

#[test]
fn rights_entries_and_their_docs_get_their_own_lines() {
    let text = "rights { /// GDPR.\n access in EEA, UK erasure in EEA\n opt_out(sale) in US-CA \
                respond within 1  month extendable by 2 months in EEA }\n";
    assert_eq!(
        fmt(text),
        "rights {\n  /// GDPR.\n  access in EEA, UK\n  erasure in EEA\n  opt_out(sale) in US-CA\n  \
         respond within 1 month extendable by 2 months in EEA\n}\n"
    );
}

#[test]
fn text_that_does_not_parse_is_refused() {
    let err = format_source("category a \"unterminated\ncategory b\n");
    assert!(matches!(err, Err(FormatError::Syntax { .. })), "{err:?}");
    assert!(matches!(
        format_source("purpose p {"),
        Err(FormatError::Syntax { .. })
    ));
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n  \n"), "");
    assert_eq!(fmt("// only a comment   \n\n\n"), "// only a comment\n");
}

#[test]
fn strings_and_comments_are_never_changed() {
    let text = "category a \"  two  spaces \\\" and \\\\ é \"   //   odd   spacing   kept\n";
    assert_eq!(
        fmt(text),
        "category a \"  two  spaces \\\" and \\\\ é \"  //   odd   spacing   kept\n"
    );
}

#[test]
fn the_keyword_of_a_list_moves_to_the_next_line_with_it() {
    let text = "security {\n  processors \"Bound by contract to protect the data they process for us on our behalf\" \
                to payment_providers, logistics_providers\n}\n";
    assert_eq!(
        fmt(text),
        "security {\n  processors \"Bound by contract to protect the data they process for us on our behalf\"\n\
         \x20     to payment_providers, logistics_providers\n}\n"
    );
}
