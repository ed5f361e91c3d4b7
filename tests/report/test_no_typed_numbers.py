"""No number that config or data can change is typed in a report template or caption: every digit
left after removing template expressions, markup and the structural allow-list below fails the test
(a typed threshold, tolerance, year range or published value must be rendered from a file)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

TEMPLATES = Path("report/templates")
CAPTIONS = Path("report/captions")

# Digits that are part of names, definitions or citations, never results or settings.
STRUCTURAL = [
    r"(Tables?|Figures?)\s+\d+((\s*[–-]\s*|\s*,\s*|\s+and\s+)\d+)*('s)?",  # the study's table and figure numbers
    r"Table\s+\d+\s+analogue",
    r"LA0–LA5",
    r"METHODS\s+[A-C]\.\d+",
    r"§\d+(\.\d+)*",
    r"section\s+\d+(\.\d+)+",
    r"footnote\s+\d+",
    r"\(2020\)",
    r"2021( national)?( social-gradient)? summary",
    r"Vermunt\s+2010",
    r"IMD\s+2015",
    r"IoD2019",
    r"SSDA903",
    r"nbinom2",
    r"NB2",
    r"lme4",
    r"sha256",
    r"E06/E08/E09/E10",
    r"3-digit",
    r"upper-tier LAs of 2013",
    r"among 152 LAs",  # the IMD 2015 LA ranking's 152 LAs
    r"1\s*=\s*(least|most) deprived",
    r"1 = equal",
    r"95%",
    r"80% power",
    r"per 10,000",
    r"10,000 (children|child-years)",
    r"aged?\s+0[–-]17",
    r"0[–-]17",
    r"31 March",
    r"30 September",
    r"\(2016-17 is 2017\)",
    r"September 2015 → 2015-16",
    r"centred at 5\.5",
    r"N − 2",
    r"\(?0 to 1\)?",
    r"probability 0 to 1",
    r"\*\* p < 0\.01, \* p < 0\.05",
    r"year S \+",
    r"h\d",
    r"excludes 1",
    r"optimiser code 0",
    r"× 10,000",
    r"mean 1",
    r"[Ss]ection 47",
    r"\b[Ss]47\b:?",
    r"≥ 2 LAs",
    r"R² = 1 −",
    r"\(target \d+ (min|s per model)\)",
    r"\(targets \d+ s and \d+ s\)",
    r"Stage [12]",
    r"stage [12]",
]


def _files():
    return sorted(p for p in TEMPLATES.rglob("*.j2") if p.name != "readme_results.md.j2") + sorted(
        CAPTIONS.glob("*.rst")
    )


def typed_numbers(text: str) -> list[str]:
    """The digits of ``text`` that are neither template expressions, markup nor structural."""
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text).replace("\xa0", " ")
    text = re.sub(r"`[^`]*`|\S+\.(csv|md|json|yaml|py|parquet)\b|\b\w+(\.\w+)+\b", " ", text)  # paths, config keys
    text = re.sub(r"\s+", " ", text)
    for pattern in STRUCTURAL:
        text = re.sub(pattern, " ", text)
    return re.findall(r"\S*\d\S*", text)


def test_the_scan_finds_typed_numbers():
    assert typed_numbers("Power to detect 26% vs 21% re-referral; {{ power.p_high }}") == ["26%", "21%"]
    assert typed_numbers("per 10-point rise, ±10 points, counts below 10") == ["10-point", "±10", "10"]
    assert typed_numbers("Table 6 at 1 = least deprived, IMD 2015, 95% CI, {{ x }}") == []


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_no_typed_numbers(path):
    assert typed_numbers(path.read_text(encoding="utf-8")) == []
