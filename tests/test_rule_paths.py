"""Issue 16: every ``results/`` and ``report/`` path is written once in the workflow files.

Downstream rules and report sections refer to an output through ``rules.<rule>.output.<name>``
(``expand(...)`` over it where the output is wildcarded), so a path changed in one place cannot leave
a stale copy elsewhere. The scan reads the Snakefile and ``workflow/rules/*.smk`` with Python's
tokenizer, so comments are skipped and any reformatting keeps the same literals.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATH_LITERAL = re.compile(r"^(results|report)/")


def workflow_files(root: Path = ROOT) -> list[Path]:
    """The Snakefile and every rule file."""
    return [root / "Snakefile", *sorted((root / "workflow/rules").glob("*.smk"))]


def string_literals(text: str) -> list[str]:
    """The contents of every string literal in ``text`` (prefixes and quotes removed, f-string
    placeholders kept as written), comments excluded."""
    literals = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type != tokenize.STRING:
            continue
        body = token.string.lstrip("rRbBuUfF")
        quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
        literals.append(body[len(quote) : -len(quote)])
    return literals


def path_literals(files: list[Path]) -> Counter:
    """How often each ``results/...`` or ``report/...`` literal occurs over ``files``."""
    counts: Counter = Counter()
    for path in files:
        counts.update(s for s in string_literals(path.read_text()) if PATH_LITERAL.match(s))
    return counts


def repeated(counts: Counter) -> dict[str, int]:
    return {path: n for path, n in sorted(counts.items()) if n > 1}


def test_string_literals_skip_comments_and_keep_fstring_placeholders():
    text = (
        '# "results/in/a/comment.csv"\n'
        'rule a:\n    output:\n        x=f"results/{NA}/x.csv",  # "results/x.csv"\n'
        "        y='report/y.html',\n"
        'X = "../../report/captions/c.rst"\n'
    )
    assert string_literals(text) == ["results/{NA}/x.csv", "report/y.html", "../../report/captions/c.rst"]


def test_a_repeated_literal_is_found(tmp_path):
    rules = tmp_path / "workflow/rules"
    rules.mkdir(parents=True)
    (tmp_path / "Snakefile").write_text('rule all:\n    input:\n        "results/a.csv",\n')
    (rules / "a.smk").write_text(
        'rule a:\n    output:\n        a="results/a.csv",\n        b="results/b.csv",\n'
        '# the path "results/b.csv" again, in a comment only\n'
    )
    counts = path_literals(workflow_files(tmp_path))
    assert repeated(counts) == {"results/a.csv": 2}
    assert counts["results/b.csv"] == 1


def test_each_results_and_report_path_is_written_once():
    counts = path_literals(workflow_files())
    assert counts, "no results/ or report/ literal found: the scan is broken"
    assert repeated(counts) == {}


if __name__ == "__main__":  # counts for the record: distinct literals and total uses
    counts = path_literals(workflow_files(Path.cwd()))
    print(f"distinct {len(counts)} uses {sum(counts.values())} repeated {len(repeated(counts))}")
    broad: Counter = Counter()
    for path in workflow_files(Path.cwd()):
        broad.update(s for s in string_literals(path.read_text()) if "results/" in s)
    print(f"broad ('results/' anywhere): distinct {len(broad)} uses {sum(broad.values())}")
    pytest.main([__file__, "-q"])
