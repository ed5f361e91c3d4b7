"""DfE's published yearly counts per LA for the seven measures of the children's social care
pathway, read from the national panel (``results/national/panel.parquet``).

One helper for every comparison of an LA's child-level counts with DfE's figures: the reconciliation
of an LA's own extract (``childlevel.reconcile``) and the generator's per-LA totals of synthetic runs.

Measures (``MEASURES``: name -> panel column(s), first present wins), each for the year ending 31 March:

- ``referrals``: referrals received in the year;
- ``assessments``: assessments completed in the year: DfE's continuous (single) assessments from
  2014-15, and its initial assessments before (2013-14 and earlier; the panel holds no single
  assessments then);
- ``s47``: section 47 enquiries starting in the year;
- ``icpc``: initial child protection conferences in the year;
- ``cpp_starting``: child protection plans starting in the year;
- ``cin_at_31_march``: children in need at 31 March;
- ``cla_started``: children starting to be looked after in the year.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# name -> (label, panel columns in order of preference)
MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "referrals": ("Referrals", ("referrals",)),
    "assessments": ("Assessments completed", ("continuous_assessments", "initial_assessments")),
    "s47": ("Section 47 enquiries starting", ("s47",)),
    "icpc": ("Initial child protection conferences", ("icpc",)),
    "cpp_starting": ("Child protection plans starting", ("cpp_starting",)),
    "cin_at_31_march": ("Children in need at 31 March", ("cin_at_31_march",)),
    "cla_started": ("Children starting to be looked after", ("cla_started",)),
}
MEASURE_NAMES = tuple(MEASURES)
PANEL_COLUMNS = ("la_code", "la_name", "year", "pop_0_17") + tuple(
    dict.fromkeys(c for _, columns in MEASURES.values() for c in columns)
)


def read_panel(path: str | Path) -> pd.DataFrame:
    """The panel's columns that the yearly counts need (LA, name, year, population, the measures)."""
    return pd.read_parquet(path, columns=list(PANEL_COLUMNS))


def la_year_counts(
    panel: pd.DataFrame, la_codes: list[str] | None = None, years: list[int] | None = None
) -> pd.DataFrame:
    """DfE's published counts, long: one row per LA, year and measure with columns ``la_code``,
    ``la_name``, ``year``, ``measure``, ``label``, ``published`` (float; missing where DfE published
    none), ``source_column`` (the panel column it came from) and ``pop_0_17``.

    ``panel``: the national panel (or :func:`read_panel`'s columns of it). ``la_codes``/``years``:
    restrict to these (all when None); a requested LA or year absent from the panel gives no rows."""
    frame = panel
    if la_codes is not None:
        frame = frame[frame["la_code"].isin(list(la_codes))]
    if years is not None:
        frame = frame[frame["year"].isin([int(y) for y in years])]
    rows = []
    for measure, (label, columns) in MEASURES.items():
        present = [c for c in columns if c in frame.columns]
        value = pd.Series(float("nan"), index=frame.index)
        source = pd.Series(None, index=frame.index, dtype="object")
        for column in present:  # first column with a value wins
            take = value.isna() & frame[column].notna()
            value = value.mask(take, frame[column].astype(float))
            source = source.mask(take, column)
        rows.append(
            pd.DataFrame(
                {
                    "la_code": frame["la_code"].astype(str),
                    "la_name": frame["la_name"].astype(str),
                    "year": frame["year"].astype(int),
                    "measure": measure,
                    "label": label,
                    "published": value.astype(float),
                    "source_column": source,
                    "pop_0_17": frame["pop_0_17"].astype(float) if "pop_0_17" in frame else float("nan"),
                }
            )
        )
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    order = {m: i for i, m in enumerate(MEASURE_NAMES)}
    return (
        out.assign(_order=out["measure"].map(order))
        .sort_values(["la_code", "year", "_order"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
