#!/usr/bin/env python3
"""Generate std/fides.lawful from the Fides default taxonomy (data categories and data uses).

Usage:
    python3 scripts/gen_fides.py [--input data_categories.yaml] [--output std/fides.lawful]
    python3 scripts/gen_fides.py --check      # exit 1 if std/fides.lawful is out of date

The input is the Fides manifest exported from fideslang 3.1.4 (shared/taxonomy/fides/,
beside this repository). It is a flat list of mappings with plain or quoted scalars; it is
parsed here by hand so the script needs nothing beyond the Python standard library.

Data categories become `category` declarations; data uses become `vocabulary purpose`
declarations (names a policy may be asked about without declaring them: such a question is a
denial, `not_declared`); data subjects are not emitted. The `special` and
`sensitive` flags are added by lawful (Fides has none); see FLAGS below. Flags are inherited
by descendants, so each sits on the highest node that is wholly special/sensitive.
"""

import argparse
import os
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_INPUT = os.path.join(
    os.path.dirname(ROOT), "shared", "taxonomy", "fides", "data_categories.yaml"
)
DEFAULT_USES = os.path.join(os.path.dirname(DEFAULT_INPUT), "data_uses.yaml")
DEFAULT_OUTPUT = os.path.join(ROOT, "std", "fides.lawful")

WIDTH = 96

ATTRIBUTION = [
    "Contains the Fides default taxonomy from fideslang 3.1.4, © Ethyca, Inc., licensed under",
    "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); converted from Python to YAML.",
]

# key -> (flags, rationale). The rationale becomes a `//` comment above the declaration (not
# part of its doc, which stays the Fides description).
FLAGS = {
    "user.biometric": (
        ["special", "sensitive"],
        "GDPR Art. 9(1) biometric data (for unique identification; flagged as a whole, to\n"
        "fail closed); CPRA § 1798.140(ae)(2)(A).",
    ),
    "user.authorization.biometric": (
        ["special", "sensitive"],
        "Biometric credentials identify a person: GDPR Art. 9(1); CPRA § 1798.140(ae)(2)(A).",
    ),
    "user.authorization.credentials": (
        ["sensitive"],
        "Account log-in credentials: CPRA § 1798.140(ae)(1)(B).",
    ),
    "user.authorization.password": (
        ["sensitive"],
        "Password allowing access to an account: CPRA § 1798.140(ae)(1)(B).",
    ),
    "user.health_and_medical": (
        ["special", "sensitive"],
        "GDPR Art. 9(1) data concerning health and genetic data (user.health_and_medical.genetic\n"
        "inherits both flags); CPRA § 1798.140(ae)(1)(F) (genetic), (ae)(2)(B) (health).",
    ),
    "user.demographic.race_ethnicity": (
        ["special", "sensitive"],
        "GDPR Art. 9(1) racial or ethnic origin; CPRA § 1798.140(ae)(1)(D).",
    ),
    "user.demographic.political_opinion": (
        ["special"],
        "GDPR Art. 9(1) political opinions (not sensitive under CPRA § 1798.140(ae)).",
    ),
    "user.demographic.religious_belief": (
        ["special", "sensitive"],
        "GDPR Art. 9(1) religious or philosophical beliefs; CPRA § 1798.140(ae)(1)(D).",
    ),
    "user.demographic.sexual_orientation": (
        ["special", "sensitive"],
        "GDPR Art. 9(1) sex life or sexual orientation; CPRA § 1798.140(ae)(2)(C).",
    ),
    "user.criminal_history": (
        ["special"],
        "GDPR Art. 10 (criminal convictions and offences), not Art. 9: it needs official\n"
        "authority or a Union/member-state law basis, so it is flagged special to fail closed.",
    ),
    "user.government_id": (
        ["sensitive"],
        "CPRA § 1798.140(ae)(1)(A) (SSN, driver's licence, state ID, passport) and (1)(D)\n"
        "(citizenship or immigration status). Flagged as a whole: birth certificate and\n"
        "vehicle registration are not listed by the CPRA but are treated alike (fail closed).",
    ),
    "user.financial": (
        ["sensitive"],
        "Financial account, debit or credit card numbers: CPRA § 1798.140(ae)(1)(B).\n"
        "user.payment (generic payment data) is not flagged; map card or account numbers to\n"
        "user.financial.*.",
    ),
    "user.location.precise": (
        ["sensitive"],
        "Precise geolocation: CPRA § 1798.140(ae)(1)(C), (w) (radius of 1,850 feet).",
    ),
    "user.content.private": (
        ["sensitive"],
        "Contents of mail, email and text messages (unless the business is the intended\n"
        "recipient): CPRA § 1798.140(ae)(1)(E).",
    ),
    "user.childrens": (
        ["sensitive"],
        "Personal data of a known child is sensitive data under several US state laws (e.g.\n"
        "Va. Code § 59.1-575, C.R.S. § 6-1-1303: 'sensitive data'). Not GDPR Art. 9 data.",
    ),
}


class ParseError(Exception):
    pass


def parse_scalar(text, lineno):
    text = text.strip()
    if not text:
        return ""
    if text[0] == "'":
        if len(text) < 2 or text[-1] != "'":
            raise ParseError(f"line {lineno}: unterminated single-quoted scalar")
        return text[1:-1].replace("''", "'")
    if text[0] == '"':
        if len(text) < 2 or text[-1] != '"':
            raise ParseError(f"line {lineno}: unterminated double-quoted scalar")
        body = text[1:-1]
        out, i = [], 0
        while i < len(body):
            c = body[i]
            if c == "\\" and i + 1 < len(body):
                nxt = body[i + 1]
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/"}.get(nxt, nxt))
                i += 2
            else:
                out.append(c)
                i += 1
        return "".join(out)
    if text[0] in "|>&*!{[":
        raise ParseError(f"line {lineno}: unsupported YAML construct: {text!r}")
    return text


def parse_manifest(path, section="data_category"):
    """Parse `section:` followed by `- key: value` items (with folded continuation lines)."""
    items, cur, last_key, in_section = [], None, None, False
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw.startswith((" ", "-")):
            in_section = raw.rstrip() == f"{section}:"
            cur = last_key = None
            continue
        if not in_section:
            continue
        if raw.startswith("- ") or raw.startswith("  ") and not raw.startswith("    "):
            body = raw[2:]
            if raw.startswith("- "):
                cur = {}
                items.append(cur)
            if cur is None:
                raise ParseError(f"line {lineno}: key outside of a list item")
            key, sep, value = body.partition(":")
            if not sep or not key.strip().isidentifier():
                raise ParseError(f"line {lineno}: expected `key: value`, got {raw!r}")
            key = key.strip()
            if key in cur:
                raise ParseError(f"line {lineno}: duplicate key {key!r}")
            cur[key] = value.strip()
            last_key = key
        elif raw.startswith("    "):
            if cur is None or last_key is None:
                raise ParseError(f"line {lineno}: continuation line without a key")
            # Plain multi-line scalar: lines are folded with a single space.
            cur[last_key] = (cur[last_key] + " " + raw.strip()).strip()
        else:
            raise ParseError(f"line {lineno}: unexpected indentation: {raw!r}")
    for item in items:
        for key in list(item):
            item[key] = parse_scalar(item[key], "?")
    return items


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def comment_lines(prefix, text):
    out = []
    for para in text.split("\n"):
        wrapped = textwrap.wrap(para, WIDTH - len(prefix) - 1) or [""]
        out.extend((prefix + " " + w).rstrip() for w in wrapped)
    return out


def check_keys(items):
    """Index items by fides_key; every key a lawful path whose parent_key is its prefix."""
    by_key = {}
    for it in items:
        key = it.get("fides_key")
        if not key:
            raise ParseError(f"item without fides_key: {it}")
        if key in by_key:
            raise ParseError(f"duplicate fides_key {key}")
        for part in key.split("."):
            if not part.isidentifier() or not part.isascii() or part[0].isdigit():
                raise ParseError(f"{key}: not a lawful path")
        parent, expected = it.get("parent_key"), key.rpartition(".")[0] or None
        if parent != expected:
            raise ParseError(f"{key}: parent_key {parent!r} does not match its path")
        if parent is not None and parent not in by_key:
            raise ParseError(f"{key}: unknown parent {parent}")
        by_key[key] = it
    return by_key


def generate(items, uses=()):
    by_key = {}
    for it in items:
        key = it.get("fides_key")
        if not key:
            raise ParseError(f"item without fides_key: {it}")
        if key in by_key:
            raise ParseError(f"duplicate fides_key {key}")
        for part in key.split("."):
            if not part.isidentifier() or not part.isascii() or part[0].isdigit():
                raise ParseError(f"{key}: not a lawful path")
        by_key[key] = it
    children = {}
    roots = []
    for it in items:
        key, parent = it["fides_key"], it.get("parent_key")
        expected = key.rpartition(".")[0] or None
        if parent != expected:
            raise ParseError(f"{key}: parent_key {parent!r} does not match its path")
        if parent is None:
            roots.append(key)
        else:
            if parent not in by_key:
                raise ParseError(f"{key}: unknown parent {parent}")
            children.setdefault(parent, []).append(key)
    for key in FLAGS:
        if key not in by_key:
            raise ParseError(f"FLAGS names unknown category {key}")

    # Roots: `user` first (what policies use), then `system`; otherwise source order.
    roots.sort(key=lambda k: (k != "user",))

    out = []
    w = out.append
    w("//! Fides data categories (`use std::fides`).")
    w("//!")
    for line in ATTRIBUTION:
        w("//! " + line)
    w("//!")
    w("//! Converted from YAML to `lawful` by scripts/gen_fides.py. Changes from the source: the")
    w("//! data categories become categories, the data uses `vocabulary purpose` names (known, so")
    w("//! that a question about one the policy does not declare is a denial, `not_declared`, not")
    w("//! an unknown name); data subjects are not included. The `special` (GDPR Art. 9/10) and")
    w("//! `sensitive` (US state-law sensitive personal information) flags were added by lawful;")
    w("//! Fides has no such flags. Flags are inherited by descendants.")
    w("//!")
    w("//! GENERATED FILE: do not edit by hand; run `python3 scripts/gen_fides.py`.")

    def emit(key, depth):
        it = by_key[key]
        w("")
        if key in FLAGS:
            flags, why = FLAGS[key]
            out.extend(comment_lines("//", why))
        else:
            flags = []
        desc = it.get("description", "").strip()
        if desc:
            out.extend(comment_lines("///", desc))
        decl = f"category {key}"
        name = it.get("name", "").strip()
        if name:
            decl += " " + quote(name)
        if flags:
            decl += " " + " ".join(flags)
        w(decl)
        for child in children.get(key, []):
            emit(child, depth + 1)

    for root in roots:
        w("")
        w("// " + "-" * (WIDTH - 3))
        w(f"// {root}")
        w("// " + "-" * (WIDTH - 3))
        emit(root, 0)

    check_keys(uses)
    if uses:
        w("")
        w("// " + "-" * (WIDTH - 3))
        w("// data uses (purposes a policy may be asked about without declaring them)")
        w("// " + "-" * (WIDTH - 3))
    for it in uses:
        w("")
        desc = it.get("description", "").strip()
        if desc:
            out.extend(comment_lines("///", desc))
        decl = f"vocabulary purpose {it['fides_key']}"
        name = it.get("name", "").strip()
        if name:
            decl += " " + quote(name)
        w(decl)
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", default=DEFAULT_INPUT)
    ap.add_argument("--uses", default=DEFAULT_USES)
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true", help="fail if the output is out of date")
    args = ap.parse_args(argv)
    try:
        text = generate(parse_manifest(args.input), parse_manifest(args.uses, "data_use"))
    except (ParseError, OSError) as e:
        print(f"gen_fides: {e}", file=sys.stderr)
        return 2
    if args.check:
        try:
            with open(args.output, encoding="utf-8") as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            print(f"gen_fides: {args.output} is out of date; run scripts/gen_fides.py",
                  file=sys.stderr)
            return 1
        return 0
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
