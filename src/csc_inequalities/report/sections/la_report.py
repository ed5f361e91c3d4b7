"""The report about an LA's own extracts (runs with ``extracts.source: extracts``): per configured LA,
its episodes and rates per threshold and year, the reconciliation of its yearly counts with DfE's
published figures, the LA against England, its IMD neighbours and the study's six LAs, and a data
quality page per return. Computed by the rule la_report_la (``childlevel.la_summary``); read here."""

from __future__ import annotations

from typing import Any

import pandas as pd

from csc_inequalities.report.html import read_json

# What may leave the LA's machine: every shared output is an aggregate with counts below
# disclosure.min_cell suppressed, and the rule privacy_check scans results/ and report/ for child
# references and birth dates. (path pattern, what it holds, safe to share?, why)
SHARING = [
    ("report/report.html (and report.pdf)", "this report", "yes", "aggregates only; checked by privacy_check"),
    (
        "results/la_report/<la_code>/",
        "reconciliation, rates by threshold and year, comparisons, figures",
        "yes",
        "LA-level aggregates, counts below min_cell suppressed; the rest is public data",
    ),
    (
        "results/childlevel/yearly_counts/, quality/, validation/",
        "yearly counts of DfE's measures; findings per return and rule",
        "yes",
        "counts, suppressed below min_cell; no child reference",
    ),
    (
        "results/childlevel/validation_counts.csv, episodes_by_la_year.csv, summary.json",
        "findings per rule; episodes per year",
        "yes",
        "counts, primary and secondary suppression",
    ),
    (
        "results/gradient/, results/lca/ (outside record_level)",
        "model estimates, tables, figures",
        "yes",
        "estimates and suppressed aggregates",
    ),
    ("results/privacy/identifier_check.json", "the privacy check's verdict", "yes", "counts of files and findings"),
    (
        "results/record_level/",
        "pseudonymised episodes, counts per LSOA, LCA samples",
        "no",
        "record level (one row per episode or small area)",
    ),
    (
        "local/validation/ (validation.report_dir)",
        "every finding with the LA's child references",
        "no",
        "names children; stays with the data holder",
    ),
    ("extracts.key_file (.secrets/)", "the pseudonymisation key", "no", "re-identifies every pseudonym"),
    ("extracts.directory (local/extracts/)", "the returns themselves", "no", "the LA's records"),
]


def _suppressed_text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].map(lambda v: "–" if pd.isna(v) else f"{v:,.0f}")


def reconciliation_table(path: str) -> pd.DataFrame:
    table = pd.read_csv(path)
    out = pd.DataFrame(
        {
            "year": table["year"],
            "measure": table["label"],
            "extract": _suppressed_text(table, "extract"),
            "DfE published": _suppressed_text(table, "published"),
            "difference": table["difference"].map(lambda v: "–" if pd.isna(v) else f"{v:+,.0f}"),
            "relative gap": table["relative_gap"].map(lambda v: "–" if pd.isna(v) else f"{v:+.1%}"),
            "status": [("⚑ " if f else "") + s for f, s in zip(table["flag"], table["status"])],
        }
    )
    return out


def thresholds_table(path: str) -> pd.DataFrame:
    table = pd.read_csv(path)
    table["cell"] = [
        ("–" if pd.isna(n) else f"{n:,.0f}") + ("" if pd.isna(r) else f" ({r:,.1f})")
        for n, r in zip(table["episodes"], table["rate_per_10k"])
    ]
    order = list(dict.fromkeys(table["threshold"]))
    wide = table.pivot(index="year", columns="threshold", values="cell")[order].reset_index()
    population = table.drop_duplicates("year").set_index("year")["population_0_17"]
    wide.insert(
        1, "children 0-17", wide["year"].map(lambda y: "–" if pd.isna(population.get(y)) else f"{population[y]:,.0f}")
    )
    wide.columns.name = None
    return wide


def quality_table(path: str) -> pd.DataFrame:
    table = pd.read_csv(path)
    if table.empty:
        return table
    table["findings"] = _suppressed_text(table, "findings")
    return table[["return", "rule", "severity", "action", "findings", "description"]]


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    las = sorted(key[len("summary_") :] for key in inputs if key.startswith("summary_"))
    pages = []
    for la in las:
        summary = read_json(inputs[f"summary_{la}"])
        reconciliation = pd.read_csv(inputs[f"reconciliation_{la}"])
        quality = quality_table(inputs[f"quality_{la}"])
        pages.append(
            {
                "la_code": la,
                "summary": summary,
                "thresholds": thresholds_table(inputs[f"thresholds_{la}"]),
                "reconciliation": reconciliation_table(inputs[f"reconciliation_{la}"]),
                "flagged": reconciliation[reconciliation["flag"]],
                "neighbours": pd.read_csv(inputs[f"neighbours_{la}"]),
                "trends": inputs[f"trends_{la}"],
                "scatter": inputs[f"scatter_{la}"],
                "table11": pd.read_csv(inputs[f"table11_{la}"]),
                "table13": pd.read_csv(inputs[f"table13_{la}"]),
                "quality": quality,
                "returns": pd.read_csv(inputs[f"returns_{la}"]),
                "quality_returns": list(dict.fromkeys(quality["return"])) if len(quality) else [],
                "provenance": inputs[f"provenance_{la}"],
            }
        )
    sharing = pd.DataFrame(SHARING, columns=["files", "what", "safe to share", "why"])
    return {
        "pages": pages,
        "sharing": sharing,
        "n_las": len(las),
        "min_cell": config.get("disclosure", {}).get("min_cell", 10),
    }


def report_subject(config: dict[str, Any], sections: dict[str, dict[str, Any]]) -> str | None:
    """ "<name> (<code>)" of the configured LA(s) for the report's title and banner, from the section's
    summaries; None on runs without this section (synthetic runs)."""
    inputs = sections.get("la_report", {}).get("inputs", {})
    names = [
        f"{s['la_name']} ({s['la_code']})"
        for key, path in sorted(inputs.items())
        if key.startswith("summary_")
        for s in [read_json(path)]
    ]
    return ", ".join(names) or None
