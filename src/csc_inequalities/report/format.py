"""Tables for people: how each kind of number is shown, column labels in words, parameters as
two-column tables with units, long tables collapsed with the table as CSV beside the report.

Digits per kind (issue 15): Spearman's rho and differences of rho 3 decimals; rate ratios, odds
ratios and the social-gradient scores 2; rates per 10,000 whole numbers; p-values 3 decimals or
``< 0.001``; counts whole numbers with thousands separators; percentages 1 decimal; shares and
probabilities 3 decimals. A number of no known kind gets at most 4 significant digits, so no cell
ever shows a raw float such as 0.22314355131420976, and a dict or list is written out as
``key: value; ...``, never as its Python repr.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

MISSING = "–"


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def significant(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, without exponent for ordinary magnitudes and
    with thousands separators from 10,000 up (whole numbers there)."""
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= digits - 1:
        return f"{value:,.0f}"
    if magnitude < -4:
        return f"{value:.{digits - 1}e}"
    decimals = digits - 1 - magnitude
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def p_value(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _fixed(decimals: int) -> Callable[[float], str]:
    return lambda value: f"{value:,.{decimals}f}"


# kind -> how a float of that kind is written
KIND_FORMATS: dict[str, Callable[[float], str]] = {
    "rho": _fixed(3),
    "ratio": _fixed(2),
    "rate": _fixed(0),
    "p": p_value,
    "count": _fixed(0),
    "percent": _fixed(1),
    "share": _fixed(3),
    "z": _fixed(2),
    "seconds": _fixed(1),
    "megabytes": _fixed(0),
    "year": lambda value: str(int(value)),
    "number": significant,
}

# column name (regular expression, matched on the whole name) -> kind; first match wins
COLUMN_KINDS: list[tuple[str, str]] = [
    # Years are labels, not quantities: 2014, never 2,014.
    (r"(year|.*_year|year_.*)", "year"),
    (r"p|p_value|p_reproduced|p_published|pvalue", "p"),
    (r"(rho|diff|rho_.*|.*_rho|mean_rho.*|max_abs_diff|log\(truth/published\))", "rho"),
    (r"(rr|rr_low|rr_high|truth_rr|or|ci_low|ci_high|ratio|ratio_low|ratio_high|odds_ratio.*)", "ratio"),
    (r".*rate_per_10000.*|.*per 10,000.*|rate", "rate"),
    (
        r"(n|n_.*|.*_n|count|jobs|episodes|children|lsoas|lsoa_count|expected|published_count|population_years"
        r"|n_episodes|.*_count|fewest_las|most_las|iterations)",
        "count",
    ),
    (r"(pct.*|.*_pct|.*percent.*|%.*)", "percent"),
    (r"(share|.*_share|.*probability.*|.*_mae|.*_error|abs_error|mean|power.*|entropy|agreement|kappa)", "share"),
    (r"(z|poisson_z|max_abs_z|.*_max_abs_z)", "z"),
    (r"(wall_s.*|cpu_time_s.*|seconds|.*_s)", "seconds"),
    (r"(max_rss_mb|.*_mb)", "megabytes"),
]

# code name -> words (the code name goes into the header's tooltip)
LABELS: dict[str, str] = {
    "rr": "rate ratio",
    "rr_low": "95% CI low",
    "rr_high": "95% CI high",
    "truth_rr": "true rate ratio",
    "or": "odds ratio",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
    "ratio": "score",
    "ratio_low": "95% CI low",
    "ratio_high": "95% CI high",
    "z": "z (estimate − truth) / SE",
    "within_max_z": "within tolerance (|z| ≤ max z)",
    "ci_covers_truth": "95% CI covers the truth",
    "converged": "converged",
    "threshold": "threshold",
    "model": "model",
    "term": "term",
    "at": "LA deprivation",
    "published": "published",
    "truth": "truth (generator)",
    "estimate": "estimate",
    "estimate_low": "estimate 95% low",
    "estimate_high": "estimate 95% high",
    "tolerance": "tolerance",
    "within_tolerance": "within tolerance",
    "target": "target",
    "source": "published in",
    "note": "note",
    "target_table": "published table",
    "la_code": "LA code",
    "la_name": "LA",
    "la_shift_points": "LA shift (points)",
    "indicator": "indicator",
    "year": "year (ending March)",
    "rho_published": "ρ published",
    "rho_reproduced": "ρ reproduced",
    "rho": "ρ",
    "n_published": "N published",
    "n_reproduced": "N reproduced",
    "p_reproduced": "p",
    "diff": "difference in ρ",
    "match": "within tolerance",
    "income_band": "income-deprivation band",
    "lsoas": "LSOAs",
    "children": "children",
    "rate_per_10000": "rate per 10,000 child-years",
    "suppressed": "suppressed",
    "n": "n",
    "power": "power",
    "power_low": "power 95% low",
    "power_high": "power 95% high",
    "rule": "rule",
    "job": "job",
    "jobs": "jobs",
    "wall_s": "wall time (s)",
    "wall_s_total": "wall time, total (s)",
    "wall_s_max": "wall time, longest job (s)",
    "max_rss_mb": "peak memory (MB)",
    "cpu_time_s": "CPU time (s)",
    "cpu_time_s_total": "CPU time, total (s)",
    "class_id": "class",
    "class_name": "class name",
    "category": "category",
    "n_naive": "n (naive)",
    "pct_naive": "% (naive)",
    "n_corrected": "n (ML-corrected)",
    "pct_corrected": "% (ML-corrected)",
    "published_percent": "% published",
    "group": "group",
    "factor_code": "factor",
    "classes": "classes",
    "log_likelihood": "log-likelihood",
    "n_parameters": "parameters",
    "aic": "AIC",
    "published_aic": "AIC published",
    "bic": "BIC",
    "published_bic": "BIC published",
    "entropy": "entropy",
    "smallest_class_share": "smallest class share",
    "best_ll_replications": "starts reaching the best LL",
    "chosen_by_bic": "chosen by BIC",
    "comparison": "comparison",
    "item_id": "item",
    "direction": "direction",
    "section": "section",
    "item": "item",
    "n_las_sig_higher": "LAs significantly higher",
    "n_las_sig_lower": "LAs significantly lower",
    "count": "count",
    "min": "lowest",
    "max": "highest",
    "first_year": "first year",
    "last_year": "last year",
    "n_years": "years",
    "first_value": "first value",
    "last_value": "last value",
    "slope": "slope per year",
    "r2": "R²",
    "computed_as": "computed as",
    "view": "view",
    "series": "series",
    "fewest_las": "LAs (fewest)",
    "most_las": "LAs (most)",
    "expected": "expected",
    "population_years": "child-years",
    "source_indicator": "series used",
    "log(truth/published)": "log(truth / published)",
    "difference": "difference",
    "status": "status",
    "reproduced": "reproduced",
    "made_by": "made by",
}


def column_kind(name: Any) -> str:
    text = str(name).strip().lower()
    for pattern, kind in COLUMN_KINDS:
        if re.fullmatch(pattern, text):
            return kind
    return "number"


def label(name: Any) -> str:
    text = str(name)
    return LABELS.get(text, text.replace("_", " ") if "_" in text and " " not in text else text)


def format_value(value: Any, kind: str = "number") -> str:
    """One cell as text: missing as '–', booleans yes/no, floats by kind, dicts and lists written out."""
    if isinstance(value, dict):
        return "; ".join(f"{label(k)}: {format_value(v, column_kind(k))}" for k, v in value.items()) or MISSING
    if isinstance(value, (list, tuple, np.ndarray)):
        nested = any(isinstance(v, (list, tuple, dict, np.ndarray)) for v in value)
        return (" | " if nested else ", ").join(format_value(v, kind) for v in value) or MISSING
    if _is_missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return (
            f"{int(value):,}"
            if kind in ("count", "number", "megabytes") or abs(int(value)) >= 10_000
            else str(int(value))
        )
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        text = KIND_FORMATS.get(kind, significant)(value)
        return text if _significant_digits(text) <= 6 else significant(value)
    return str(value)


def _significant_digits(text: str) -> int:
    """Significant digits of a decimal written with a point (0 for whole numbers and words)."""
    match = re.search(r"\d[\d,]*\.\d+", text)
    if not match:
        return 0
    digits = match.group(0).replace(",", "").replace(".", "").lstrip("0")
    return len(digits)


def format_frame(frame: pd.DataFrame, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """Every cell as text, by the kind of its column (``kinds`` overrides the name-based guess)."""
    kinds = kinds or {}
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        kind = kinds.get(col, column_kind(col))
        out[col] = [format_value(v, kind) for v in frame[col]]
    return out


def parameters_table(
    parameters: dict[str, Any], units: dict[str, str] | None = None, descriptions: dict[str, str] | None = None
) -> pd.DataFrame:
    """Parameters as a two-column table (parameter, value with its unit), nested dicts flattened to
    'outer › inner' names, every number formatted (no raw floats, no Python reprs)."""
    units = units or {}
    descriptions = descriptions or {}
    rows = []

    def walk(prefix: str, value: Any, unit: str) -> None:
        if (
            isinstance(value, dict)
            and value
            and all(not isinstance(v, dict) for v in value.values())
            and len(value) <= 12
        ):
            text = "; ".join(
                f"{k}: {format_value(v, column_kind(k) if column_kind(k) != 'number' else 'number')}"
                for k, v in value.items()
            )
            rows.append({"parameter": prefix, "value": text + (f" ({unit})" if unit else "")})
            return
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix} › {key}", inner, units.get(f"{prefix}.{key}", unit))
            return
        # A year (by the parameter's own name, the last part of a nested one) stays 2014, not 2,014.
        kind = "year" if column_kind(prefix.rsplit(" › ", 1)[-1]) == "year" else "number"
        rows.append({"parameter": prefix, "value": format_value(value, kind) + (f" {unit}" if unit else "")})

    for name, value in parameters.items():
        walk(descriptions.get(name, name), value, units.get(name, ""))
    return pd.DataFrame(rows, columns=["parameter", "value"])


class TableWriter:
    """Writes long tables as CSV next to the report (``<report dir>/tables/``) so a collapsed table
    can offer its download; the link is relative, so it works wherever the report folder goes."""

    def __init__(self, out_dir: str | Path | None, link_prefix: str = "tables"):
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.link_prefix = link_prefix
        self.used: set[str] = set()
        self.section = ""  # set by the renderer: file names start with the section's name

    def write(self, frame: pd.DataFrame, name: str) -> str | None:
        if self.out_dir is None:
            return None
        slug = re.sub(r"[^a-z0-9]+", "-", f"{self.section} {name}".lower()).strip("-")[:60] or "table"
        stem, i = slug, 2
        while slug in self.used:
            slug, i = f"{stem}-{i}", i + 1
        self.used.add(slug)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        frame.to_csv(self.out_dir / f"{slug}.csv", index=False)
        return f"{self.link_prefix}/{slug}.csv"


def header_html(name: Any, labels: dict[str, str] | None = None) -> str:
    words = (labels or {}).get(str(name), label(name))
    if words == str(name):
        return f"<th>{html.escape(words)}</th>"
    return f'<th title="{html.escape(str(name))}">{html.escape(words)}</th>'


def people_table(
    frame: pd.DataFrame,
    caption: str | None = None,
    kinds: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    collapse_rows: int = 25,
    writer: TableWriter | None = None,
    name: str | None = None,
    index: bool = False,
    open_: bool = False,
    notes: str | None = None,
) -> Markup:
    """A table for people: words in the headers (code name as tooltip), numbers by kind; tables
    longer than ``collapse_rows`` collapse into <details> with the row count and a CSV download."""
    if index:
        frame = frame.reset_index()
    full = frame
    row_notes = [None] * len(frame)
    if notes is not None and notes in frame.columns:  # a long text column shown as each row's tooltip
        row_notes = [None if _is_missing(n) or not str(n).strip() else str(n) for n in frame[notes]]
        frame = frame.drop(columns=[notes])
    shown = format_frame(frame, kinds)

    def first_cell(value: str, note: str | None) -> str:
        if note is None:
            return f"<td>{html.escape(value)}</td>"
        return f'<td title="{html.escape(note)}">{html.escape(value)} <sup class="note-mark">note</sup></td>'

    head = "".join(header_html(c, labels) for c in frame.columns)
    # words left-aligned, numbers right-aligned
    text_columns = [
        not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])) for c in frame.columns
    ]

    def cell(value: str, is_text: bool) -> str:
        return f'<td class="t">{html.escape(value)}</td>' if is_text else f"<td>{html.escape(value)}</td>"

    body = "".join(
        "<tr>"
        + first_cell(str(row[0]), note)
        + "".join(cell(str(v), t) for v, t in zip(row[1:], text_columns[1:]))
        + "</tr>"
        for row, note in zip(shown.itertuples(index=False, name=None), row_notes)
    )
    table = f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    cap = f"<p class='caption'>{html.escape(caption)}</p>" if caption else ""
    if len(frame) <= collapse_rows:
        return Markup(f'<div class="table-wrap">{cap}{table}</div>')
    link = writer.write(full, name or caption or "table") if writer is not None else None
    download = f' <a class="download" href="{html.escape(link)}" download>CSV</a>' if link else ""
    title = caption or (re.sub(r"[-_]+", " ", name).strip().capitalize() if name else "Table")
    summary = f"{html.escape(title)} ({len(frame):,} rows; click to show)"
    note = f'<p class="note">{len(frame):,} rows.{download}</p>' if download else ""
    return Markup(
        f'<details class="long-table"{" open" if open_ else ""}><summary>{summary}</summary>'
        f'<div class="table-wrap">{table}</div></details>{note}'
    )


_FLOAT = re.compile(r"-?\d[\d,]*\.\d+(?:e[+-]?\d+)?", re.I)


def bad_table_cells(page: str) -> list[str]:
    """Table cells of a rendered page that show a Python dict/list repr or a float with more than
    six significant digits (the check of issue 15 on report/report.html)."""
    bad = []
    for cell in re.findall(r"<td[^>]*>(.*?)</td>", page, flags=re.S):
        text = html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        if (
            re.search(r"^[\[{(].*[\]})]$", text)
            and re.search(r"[\[{]['\"]|['\"]\s*:|,\s", text)
            or re.search(r"\{'|\['|np\.float|array\(", text)
        ):
            bad.append(text)
            continue
        for number in _FLOAT.findall(text):
            mantissa = number.lower().split("e")[0]
            if len(mantissa.replace(",", "").replace(".", "").replace("-", "").lstrip("0")) > 6:
                bad.append(text)
                break
    return bad
