//! Deterministic synthetic policies of any size, for benchmarks and scale tests: the same
//! shape as a real policy (categories in a hierarchy, purposes with regional bases,
//! recipients, deny rules, transfers, retention), `scale` times over.

use std::fmt::Write as _;

/// A valid policy with about `scale` purposes, `2 * scale` categories, `scale / 2`
/// recipients and `scale` rules of each kind (deny, transfer, retention). It imports
/// `std::regions`, so it compiles from any directory.
pub fn policy(scale: usize) -> String {
    let scale = scale.max(1);
    let regions = ["DE", "FR", "US", "US-CA", "CN", "GB", "JP", "BR"];
    let scopes = ["EU", "US", "CN", "UK", "EEA", "US-CA", "JP", "BR"];
    // Category groups; every group has at least one category.
    let groups = scale.min(50);
    let mut out = String::with_capacity(scale * 900);
    out.push_str("#![allow(unused-category, unused-field, unused-recipient, basis-gap, purpose-without-retention, shadowed-rule, unreachable-purpose, useless-exception)]\n");
    let _ = writeln!(
        out,
        "policy \"Synthetic x{scale}\" {{ controller \"Synth Ltd\" }}"
    );
    out.push_str("use std::regions\n");
    out.push_str("subject kind user\nsubject kind family_member\n");
    out.push_str("attribute verified: bool\nattribute tier: string\n");
    out.push_str(
        "children {\n  under 16 in EU\n  under 13 in US\n  under 14 in CN\n  default deny\n}\n",
    );
    for c in 0..scale {
        let _ = writeln!(out, "/// Synthetic category {c}.");
        let _ = writeln!(
            out,
            "category data.group{}.item{c} \"Item {c}\"{}",
            c % groups,
            if c % 17 == 0 { " sensitive" } else { "" }
        );
        let _ = writeln!(out, "category data.group{}.item{c}.detail", c % groups);
        let _ = writeln!(
            out,
            "field table{c}.column: data.group{}.item{c}",
            c % groups
        );
    }
    for p in 0..scale {
        let group = p % groups;
        let _ = writeln!(out, "/// Synthetic purpose {p}.");
        let _ = writeln!(out, "purpose area{}.purpose{p} \"Purpose {p}\" {{", p % 20);
        let _ = writeln!(
            out,
            "  uses data.group{group}.*, data.group{}.*",
            (p + 1) % groups
        );
        let first = scopes.get(p % scopes.len()).copied().unwrap_or("EU");
        let second = scopes.get((p + 3) % scopes.len()).copied().unwrap_or("US");
        let _ = writeln!(out, "  basis consent in {first}");
        let _ = writeln!(
            out,
            "  basis legitimate_interest or contract in {second} when subject.verified"
        );
        let _ = writeln!(out, "  basis opt_out(sale)");
        if p % 3 == 0 {
            out.push_str("  children require parental_consent\n");
        }
        if p % 5 == 0 {
            out.push_str("  survives restriction\n");
        }
        out.push_str("}\n");
    }
    for r in 0..scale / 2 {
        let kind = [
            "processor",
            "affiliate",
            "partner",
            "ad_network",
            "authority",
        ]
        .get(r % 5)
        .copied()
        .unwrap_or("processor");
        let located = regions.get(r % regions.len()).copied().unwrap_or("DE");
        let _ = writeln!(
            out,
            "recipient vendor{r} \"Vendor {r}\" kind {kind} located {located} {{"
        );
        let _ = writeln!(out, "  purposes area{}.*", r % 20);
        let _ = writeln!(out, "  categories data.group{}.*", r % groups);
        if r % 4 == 3 {
            out.push_str("  sale\n");
        }
        out.push_str("}\n");
    }
    for d in 0..scale {
        let region = scopes.get(d % scopes.len()).copied().unwrap_or("EU");
        match d % 4 {
            0 => {
                let _ = writeln!(out, "deny rule{d}: use data.group{}.item{d} for area{}.* in {region} when subject.child except when parental_consent", d % groups, d % 20);
            }
            1 => {
                let _ = writeln!(out, "deny rule{d}: disclose data.group{}.* to kind ad_network when subject.age < 16", d % groups);
            }
            2 => {
                let _ = writeln!(out, "deny rule{d}: sell #sensitive in {region}");
            }
            _ => {
                let _ = writeln!(
                    out,
                    "deny rule{d}: transfer data.group{}.* from CN to * except to CN",
                    d % groups
                );
            }
        }
        let from = scopes.get(d % scopes.len()).copied().unwrap_or("EU");
        let to = scopes.get((d + 1) % scopes.len()).copied().unwrap_or("US");
        let _ = writeln!(
            out,
            "transfer data.group{}.* from {from} to {to} with scc",
            d % groups
        );
        let _ = writeln!(
            out,
            "retain data.group{}.item{d} at most {} days after collected",
            d % groups,
            30 + d % 700
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn synthetic_policies_compile_cleanly() {
        for scale in [1, 7, 60] {
            let text = super::policy(scale);
            let compiled = crate::compile_str("synthetic.lawful", &text);
            assert!(
                compiled.is_ok(),
                "scale {scale}: {}",
                compiled.err().map(|e| e.to_string()).unwrap_or_default()
            );
            let warnings = compiled.map(|c| c.warnings.len()).unwrap_or(usize::MAX);
            assert_eq!(warnings, 0, "scale {scale}");
        }
    }
}
