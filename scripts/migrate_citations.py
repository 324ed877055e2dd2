#!/usr/bin/env python3
"""Move source citations out of doc comments: `/// §3 "…"` blocks become `//> §3 "…"` blocks.

Usage:
    python3 scripts/migrate_citations.py policies/*.lawful

A `///` doc comment is the customer-facing text of a declaration (`lawful doc` prints it in
the notice); a `//>` citation is the source text the declaration encodes (shown in the Art. 30
record and in explanations, never in the notice). The seed policies wrote their citations as
doc comments, so they leaked into the notices. This rewrites every `///` block that starts
like a citation — `§…`, `Annex …`, `Preamble …`, `Header of the notice …` — into a `//>`
block, line by line (only the marker changes), except the blocks of `test` and `assert`
declarations, which `lawful test` and the prover report with their doc comments.

Idempotent: run it again after merging edits to the seeds.
"""

import re
import sys

DOC = re.compile(r"^(\s*)///(?!/)(.*)$")
CITATION = re.compile(r"^\s*(§|Annex\b|Preamble\b|Header of the notice\b)")
KEEP_DOCS = re.compile(r"^\s*(test|assert)\b")


def migrate(text: str) -> str:
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = DOC.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and DOC.match(lines[j]):
            j += 1
        block = lines[i:j]
        # The declaration the block documents: the next line that is not a comment/attribute.
        k = j
        while k < len(lines) and (
            lines[k].strip().startswith("//") or lines[k].strip().startswith("#[")
        ):
            k += 1
        follows = lines[k] if k < len(lines) else ""
        if CITATION.match(DOC.match(block[0]).group(2)) and not KEEP_DOCS.match(follows):
            block = [DOC.sub(r"\1//>\2", line) for line in block]
        out.extend(block)
        i = j
    return "\n".join(out)


def main() -> int:
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new = migrate(text)
        if new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"migrated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
