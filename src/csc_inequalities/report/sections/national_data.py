"""Report section: the national LA x year panel - data dictionary, coverage and source notes.

Reads only files: the panel rule's data dictionary and coverage tables and the shipped source
notes (resources/national/SOURCES.md, a small Markdown subset rendered here as HTML).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<b>\1</b>"),
]


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def markdown_subset_html(text: str) -> Markup:
    """Headings (#), paragraphs, '- ' bullet lists (with indented continuation lines), pipe
    tables, `code` and **bold**: enough for the shipped SOURCES.md."""
    blocks: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        heading = re.match(r"^(#{1,4})\s+(.*)$", line)
        if heading:
            level = min(len(heading.group(1)) + 2, 6)  # the section itself is <h2>
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            head, body = rows[0], rows[1:]
            blocks.append(
                "<div class='table-wrap'><table class='data sources'><tr>"
                + "".join(f"<th>{_inline(c)}</th>" for c in head)
                + "</tr>"
                + "".join(
                    "<tr>" + "".join(f"<td style='text-align:left'>{_inline(c)}</td>" for c in r) + "</tr>"
                    for r in body
                )
                + "</table></div>"
            )
        elif line.startswith("- "):
            items: list[str] = []
            while i < len(lines) and (lines[i].startswith("- ") or lines[i].startswith("  ")):
                if lines[i].startswith("- "):
                    items.append(lines[i][2:].strip())
                else:
                    items[-1] += " " + lines[i].strip()
                i += 1
            blocks.append("<ul>" + "".join(f"<li>{_inline(t)}</li>" for t in items) + "</ul>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"^(#|\||- )", lines[i]):
                para.append(lines[i].strip())
                i += 1
            blocks.append(f"<p>{_inline(' '.join(para))}</p>")
    return Markup("\n".join(blocks))


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    dictionary = pd.read_csv(inputs["dictionary"], keep_default_na=False)
    coverage = pd.read_csv(inputs["coverage"])
    year_columns = [c for c in coverage.columns if c != "indicator"]
    panel_cfg = config.get("national_panel", {})
    definitions = dictionary[
        ["indicator", "label", "kind", "numerator", "denominator", "years_present", "table6_label", "note"]
    ]
    sources = dictionary[["indicator", "source_file", "source_column"]]
    table6 = dictionary.loc[dictionary["table6_label"] != "", ["table6_label", "indicator", "years_present"]]
    return {
        "definitions": definitions,
        "sources_table": sources,
        "table6_map": table6.rename(columns={"table6_label": "published Table 6 row"}),
        "coverage": coverage,
        "n_indicators": len(dictionary),
        "n_las": int(coverage[year_columns].max().max()) if year_columns else 0,  # most LAs with a value
        "first_year": year_columns[0] if year_columns else "",
        "last_year": year_columns[-1] if year_columns else "",
        "rate_source": panel_cfg.get("rate_source", "published"),
        "workforce_year_offset": panel_cfg.get("workforce_year_offset", 1),
        "source_notes": markdown_subset_html(Path(inputs["sources"]).read_text(encoding="utf-8")),
    }
