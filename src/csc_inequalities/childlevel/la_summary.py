"""The report about one LA (``extracts.source: extracts``): what it shows, computed from the LA's
aggregates and the public data (issue 14, build item 5).

- :func:`threshold_rates`: episodes per referral year reaching each threshold, and the rate per
  10,000 children (DfE's population of the LA that year, from the national panel);
- :func:`national_rates`: the seven measures of :mod:`csc_inequalities.national.la_counts` as rates
  per 10,000 for the LA, England (sum of counts / sum of populations over the LAs with a value) and the
  LA's IMD neighbours (:func:`childlevel.reconcile.imd_neighbours`), per year;
- :func:`scatter_frame`: the Table 6 view (LA rate against LA IMD 2015 average score, one year);
- :func:`study_six`: the LA beside the study's six LAs where the study publishes per-LA values
  (Table 11 class shares, Table 13 deprivation effect per class);
- figures of the trends and the scatter with the LA highlighted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csc_inequalities.figures import save_figure
from csc_inequalities.national.la_counts import MEASURES, la_year_counts


def threshold_rates(
    episodes: pd.DataFrame, thresholds: dict[str, str], population: dict[int, float], min_cell: int
) -> pd.DataFrame:
    """Per referral year and threshold (in ``thresholds`` order; "" = every referred episode): the
    episodes reaching it, the rate per 10,000 children (``population``: year -> children aged 0-17)
    and ``suppressed`` (a count from 1 to ``min_cell`` - 1: count and rate not shown)."""
    rows = []
    for year, part in episodes.groupby("referral_year", sort=True):
        pop = population.get(int(year), np.nan)
        for name, column in thresholds.items():
            n = int(len(part)) if column == "" else int(part[column].fillna(False).astype(bool).sum())
            small = 0 < n < min_cell
            rows.append(
                {
                    "year": int(year),
                    "threshold": name,
                    "episodes": None if small else n,
                    "rate_per_10k": None if small or not pop > 0 else n / pop * 10_000,
                    "population_0_17": pop,
                    "suppressed": small,
                }
            )
    return pd.DataFrame(
        rows, columns=["year", "threshold", "episodes", "rate_per_10k", "population_0_17", "suppressed"]
    )


def national_rates(panel: pd.DataFrame, la_code: str, neighbours: list[str]) -> pd.DataFrame:
    """Rates per 10,000 of the seven measures per year: ``series`` "LA" (the LA), "England",
    "neighbours median" and each neighbour (``series`` "neighbour", ``la_code`` set), columns
    ``year``, ``measure``, ``label``, ``series``, ``la_code``, ``rate``."""
    counts = la_year_counts(panel)
    counts = counts[counts["published"].notna() & (counts["pop_0_17"] > 0)]
    counts = counts.assign(rate=counts["published"] / counts["pop_0_17"] * 10_000)
    england = (
        counts.groupby(["year", "measure", "label"], sort=True)
        .apply(lambda g: g["published"].sum() / g["pop_0_17"].sum() * 10_000, include_groups=False)
        .rename("rate")
        .reset_index()
        .assign(series="England", la_code=None)
    )
    own = counts[counts["la_code"] == la_code].assign(series="LA")
    near = counts[counts["la_code"].isin(neighbours)].assign(series="neighbour")
    median = (
        near.groupby(["year", "measure", "label"], sort=True)["rate"]
        .median()
        .reset_index()
        .assign(series="neighbours median", la_code=None)
    )
    columns = ["year", "measure", "label", "series", "la_code", "rate"]
    return pd.concat([own[columns], england[columns], median[columns], near[columns]], ignore_index=True)


def extract_rates(yearly_counts: pd.DataFrame, population: dict[int, float]) -> pd.DataFrame:
    """The extract's own yearly counts (``year``, ``measure``, ``extract``) as rates per 10,000."""
    out = yearly_counts[["year", "measure", "extract"]].copy()
    out["population_0_17"] = out["year"].map(lambda y: population.get(int(y), np.nan))
    out["rate"] = out["extract"].astype(float) / out["population_0_17"] * 10_000
    return out


def scatter_frame(
    panel: pd.DataFrame, la_imd: pd.DataFrame, year: int, la_code: str, neighbours: list[str]
) -> pd.DataFrame:
    """Every LA's rate of each measure in ``year`` against its IMD 2015 average score (the Table 6
    view: the study's correlations are Spearman's rho of these pairs), with ``role`` "LA",
    "neighbour" or "other"."""
    counts = la_year_counts(panel, years=[year])
    counts = counts[counts["published"].notna() & (counts["pop_0_17"] > 0)]
    counts = counts.assign(rate=counts["published"] / counts["pop_0_17"] * 10_000)
    imd = la_imd.rename(columns={"utla13_code": "la_code", "avg_score": "imd2015_avg_score"})
    out = counts.merge(imd[["la_code", "imd2015_avg_score"]], on="la_code", how="inner")
    out["role"] = np.where(
        out["la_code"] == la_code, "LA", np.where(out["la_code"].isin(neighbours), "neighbour", "other")
    )
    return out[["la_code", "la_name", "year", "measure", "label", "imd2015_avg_score", "rate", "role"]]


def spearman_rho(x: pd.Series, y: pd.Series) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    rx, ry = x.rank(), y.rank()
    return float(np.corrcoef(rx, ry)[0, 1]) if len(x) > 2 else float("nan")


def study_six(
    table11: pd.DataFrame, published11: pd.DataFrame, table13: pd.DataFrame, published13: pd.DataFrame, la_code: str
) -> dict[str, pd.DataFrame]:
    """The LA's class shares (Table 11, % of its assessed episodes, ML-corrected) and deprivation
    effect per class (Table 13, % change per LSOA decile step, corrected) beside the study's six LAs
    (LA0-LA5 as published)."""
    t11 = published11.pivot_table(
        index=["class_id", "class_name"], columns="la", values="percent", aggfunc="first"
    ).reset_index()
    own11 = table11[table11["category"] == la_code][["class_id", "pct_corrected", "pct_naive"]]
    t11 = t11.merge(
        own11.rename(columns={"pct_corrected": f"{la_code} (corrected)", "pct_naive": f"{la_code} (naive)"}),
        on="class_id",
        how="left",
    )
    t13 = published13.pivot_table(
        index=["class_id", "class_name"], columns="la", values="percent_change", aggfunc="first"
    ).reset_index()
    own13 = table13[table13["la_code"] == la_code][
        ["class_id", "percent_change_corrected", "ci_low_corrected", "ci_high_corrected"]
    ]
    t13 = t13.merge(
        own13.rename(
            columns={
                "percent_change_corrected": la_code,
                "ci_low_corrected": f"{la_code} CI low",
                "ci_high_corrected": f"{la_code} CI high",
            }
        ),
        on="class_id",
        how="left",
    )
    t11.columns.name = t13.columns.name = None
    t11["class_id"] = t11["class_id"].astype(int)
    t13["class_id"] = t13["class_id"].astype(int)
    return {"table11": t11, "table13": t13}


_MEASURE_ORDER = list(MEASURES)


def trends_figure(rates: pd.DataFrame, own_extract: pd.DataFrame | None, la_name: str, path: str | Path) -> None:
    """One panel per measure: England (black), the IMD neighbours (thin grey, median dashed), the LA
    as DfE published it (thick red) and, if given, the extract's own rates (red circles)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(15, 7), sharex=True)
    for ax, measure in zip(axes.flat, _MEASURE_ORDER):
        part = rates[rates["measure"] == measure]
        for _, g in part[part["series"] == "neighbour"].groupby("la_code"):
            ax.plot(g["year"], g["rate"], color="#bbbbbb", lw=0.7)
        for series, style in (
            ("England", dict(color="black", lw=1.8)),
            ("neighbours median", dict(color="#555555", lw=1.5, ls="--")),
            ("LA", dict(color="#c81e1e", lw=2.6)),
        ):
            g = part[part["series"] == series]
            ax.plot(g["year"], g["rate"], **style, label={"LA": f"{la_name} (DfE)"}.get(series, series))
        if own_extract is not None:
            g = own_extract[own_extract["measure"] == measure]
            ax.plot(g["year"], g["rate"], "o", color="#c81e1e", mfc="white", ms=6, label=f"{la_name} (extract)")
        ax.set_title(MEASURES[measure][0], fontsize=10)
        ax.set_ylabel("per 10,000 children", fontsize=8)
        ax.tick_params(labelsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    axes.flat[-1].axis("off")
    axes.flat[-1].legend(
        handles + [plt.Line2D([], [], color="#bbbbbb", lw=0.7)],
        labels + ["each IMD neighbour"],
        loc="center",
        fontsize=9,
    )
    fig.supxlabel("year ending 31 March")
    fig.tight_layout()
    save_figure(fig, path)


def scatter_figure(points: pd.DataFrame, la_name: str, year: int, path: str | Path) -> None:
    """The Table 6 scatter: one panel per measure, every LA grey, neighbours orange, the LA red;
    Spearman's rho over all LAs in each title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(15, 7))
    for ax, measure in zip(axes.flat, _MEASURE_ORDER):
        part = points[points["measure"] == measure]
        for role, style in (
            ("other", dict(color="#c4c4c4", s=12)),
            ("neighbour", dict(color="#f59e0b", s=30)),
            ("LA", dict(color="#c81e1e", s=90, marker="*")),
        ):
            g = part[part["role"] == role]
            ax.scatter(
                g["imd2015_avg_score"],
                g["rate"],
                label={"LA": la_name, "neighbour": "IMD neighbours", "other": "other LAs"}[role],
                **style,
            )
        rho = spearman_rho(part["imd2015_avg_score"], part["rate"])
        ax.set_title(f"{MEASURES[measure][0]}\nrho = {rho:.2f} (n = {len(part)})", fontsize=9)
        ax.tick_params(labelsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    axes.flat[-1].axis("off")
    axes.flat[-1].legend(handles, labels, loc="center", fontsize=9)
    fig.supxlabel("LA IMD 2015 average score (higher = more deprived)")
    fig.supylabel(f"rate per 10,000 children, {year - 1}-{str(year)[-2:]}")
    fig.tight_layout()
    save_figure(fig, path)


def returns_table(files: dict, quality: pd.DataFrame, dfe_rules: bool) -> pd.DataFrame:
    """One row per configured return: its label, file name, how many of DfE's validation rules of
    its collection year were applied, and how many rules (of any kind) found something in it."""
    from csc_inequalities.childlevel.dfe.engine import rules_for_year

    rows = [
        (f"CIN census {int(y)}", Path(str(p)).name, len(rules_for_year(int(y))) if dfe_rules else 0)
        for y, p in sorted(files["cin_census"].items(), key=lambda item: int(item[0]))
    ]
    rows += [
        (label, Path(str(files[key])).name, 0)
        for key, label in (("ssda903", "SSDA903"), ("child_lsoa", "child LSOA"))
        if files.get(key)
    ]
    table = pd.DataFrame(rows, columns=["return", "file", "DfE rules applied"])
    with_findings = quality.groupby("return")["rule"].nunique() if len(quality) else pd.Series(dtype=int)
    table["rules with findings"] = table["return"].map(with_findings).fillna(0).astype(int)
    return table


def write_la_report(
    la_code: str,
    inputs: dict[str, str],
    outputs: dict[str, str],
    tolerance: float,
    n_neighbours: int,
    scatter_year: int | None,
    thresholds: dict[str, str],
    min_cell: int,
    files: dict | None = None,
    dfe_rules: bool = True,
) -> dict:
    """Every file of the report about one LA (the rule la_report_la): see the module docstring.
    ``inputs``: episodes, yearly_counts, quality, panel, la_imd, table11, table13, published11,
    published13; ``outputs``: summary, thresholds, reconciliation, neighbours, trends, trends_figure,
    scatter, scatter_figure, table11, table13."""
    import json

    from csc_inequalities.childlevel.reconcile import imd_neighbours, largest_gap, reconcile
    from csc_inequalities.national.la_counts import read_panel

    panel = read_panel(inputs["panel"])
    la_imd = pd.read_csv(inputs["la_imd"])
    own_panel = panel[panel["la_code"] == la_code]
    population = {int(y): float(p) for y, p in zip(own_panel["year"], own_panel["pop_0_17"]) if pd.notna(p)}
    names = dict(zip(la_imd["utla13_code"], la_imd["utla13_name"]))
    la_name = names.get(la_code) or (own_panel["la_name"].iloc[0] if len(own_panel) else la_code)

    counts = pd.read_csv(inputs["yearly_counts"]).astype({"extract": "Int64"})
    years = sorted(int(y) for y in counts["year"].unique())

    # Referral years of the configured collection years only: the first return also holds episodes
    # referred earlier and still open, a part of those years' referrals.
    columns = ["la_code", "referral_year"] + sorted({c for c in thresholds.values() if c})
    episodes = pd.read_parquet(inputs["episodes"], columns=columns)
    episodes = episodes[(episodes["la_code"] == la_code) & episodes["referral_year"].isin(years)]
    rates = threshold_rates(episodes, thresholds, population, min_cell)
    rates.to_csv(outputs["thresholds"], index=False)
    published = la_year_counts(panel, [la_code], years)
    reconciliation = reconcile(counts[["year", "measure", "extract"]], published, tolerance, min_cell)
    reconciliation.insert(0, "la_code", la_code)
    reconciliation.to_csv(outputs["reconciliation"], index=False)

    near = imd_neighbours(la_imd, la_code, n_neighbours)
    near.to_csv(outputs["neighbours"], index=False)
    trends = national_rates(panel, la_code, list(near["la_code"]))
    trends.to_csv(outputs["trends"], index=False)
    trends_figure(trends, extract_rates(counts, population), la_name, outputs["trends_figure"])

    panel_years = set(int(y) for y in own_panel["year"])
    year = scatter_year or max([y for y in years if y in panel_years] or [max(panel_years)])
    points = scatter_frame(panel, la_imd, int(year), la_code, list(near["la_code"]))
    points.to_csv(outputs["scatter"], index=False)
    scatter_figure(points, la_name, int(year), outputs["scatter_figure"])

    six = study_six(
        pd.read_csv(inputs["table11"]),
        pd.read_csv(inputs["published11"]),
        pd.read_csv(inputs["table13"]),
        pd.read_csv(inputs["published13"]),
        la_code,
    )
    six["table11"].to_csv(outputs["table11"], index=False)
    six["table13"].to_csv(outputs["table13"], index=False)

    if files is not None and "returns" in outputs:
        returns_table(files, pd.read_csv(inputs["quality"]), dfe_rules).to_csv(outputs["returns"], index=False)

    compared = reconciliation["relative_gap"].notna()
    own_imd = la_imd.set_index("utla13_code")["avg_score"]
    summary = {
        "la_code": la_code,
        "la_name": la_name,
        "years": years,
        "imd2015_avg_score": float(own_imd.get(la_code, float("nan"))),
        "imd2015_rank": int(la_imd.set_index("utla13_code")["rank_avg_score"].get(la_code, 0)) or None,
        "n_las_imd": int(len(la_imd)),
        "episodes": int(len(episodes)) if len(episodes) >= min_cell else None,
        "tolerance": tolerance,
        "compared": int(compared.sum()),
        "flagged": int(reconciliation["flag"].sum()),
        "largest_gap": largest_gap(reconciliation),
        "scatter_year": int(year),
        "neighbours": list(near["la_code"]),
        "min_cell": min_cell,
    }
    with open(outputs["summary"], "w") as handle:
        json.dump(summary, handle, indent=2)
    return summary
