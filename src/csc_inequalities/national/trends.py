"""National trends from the LA × year panel (METHODS §A.2, final report 3.1.1, Figures 2–4).

The national value of an indicator in a year pools the LAs that have what it needs: for a rate
per 10,000 children, sum(counts) / sum(0–17 population) × 10,000 over the LAs with both (likewise
a ratio or proportion from its numerator and denominator counts); for an indicator published only
as a rate (e.g. Cafcass care applications), the rate weighted by population, which is the same
pooled rate. This is the rate of the reporting LAs, not DfE's England total (which also counts
LAs with suppressed cells). Each series gets an ordinary least-squares line over the years of a
view and its R².
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from csc_inequalities.figures import save_figure

SERIES_COLUMNS = ["indicator", "year", "value", "n_las", "weight_total"]
FIT_COLUMNS = [
    "view",
    "indicator",
    "first_year",
    "last_year",
    "n_years",
    "slope",
    "intercept",
    "r2",
    "first_value",
    "last_value",
    "fitted_first",
    "fitted_last",
]


def national_series(
    panel: pd.DataFrame,
    indicator: str,
    weight: str | None = None,
    numerator: str | None = None,
    denominator: str | None = None,
    scale: float = 1.0,
    year_column: str = "year",
) -> pd.DataFrame:
    """National value per year of one indicator, over the LAs that have what it needs.

    With ``numerator`` and ``denominator`` (count columns): scale × sum(numerator) / sum(denominator)
    over LAs with both (e.g. referrals / pop_0_17 × 10,000). Otherwise a weighted mean of the
    indicator column: sum(value × weight) / sum(weight) over LAs with both (``weight=None``: the
    unweighted mean over LAs with a value, for indicators with no count denominator in the panel).
    """
    needed = [numerator, denominator] if numerator is not None else [indicator, weight]
    if numerator is not None and denominator is None:
        raise ValueError(f"series {indicator!r}: numerator {numerator!r} given without a denominator")
    for role, column in zip(("numerator", "denominator") if numerator else ("indicator", "weight"), needed):
        if column is not None and column not in panel.columns:
            raise KeyError(f"{role} {column!r} (for {indicator!r}) is not a column of the panel")
    rows = []
    for year, frame in panel.groupby(year_column, sort=True):
        if numerator is not None:
            num = frame[numerator].astype(float)
            den = frame[denominator].astype(float)
            use = num.notna() & den.notna() & (den > 0)
            if not use.any():
                continue
            total = float(den[use].sum())
            value = scale * float(num[use].sum()) / total
        else:
            values = frame[indicator].astype(float)
            if weight is None:
                w = pd.Series(1.0, index=frame.index)
                use = values.notna()
            else:
                w = frame[weight].astype(float)
                use = values.notna() & w.notna() & (w > 0)
            if not use.any():
                continue
            total = float(w[use].sum())
            value = float((values[use] * w[use]).sum() / total)
        rows.append((indicator, int(year), value, int(use.sum()), total))
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def linear_trend(years: Iterable[float], values: Iterable[float]) -> tuple[float, float, float]:
    """Least-squares slope, intercept and R² (1 - SSres/SStot) of values on years."""
    x = np.asarray(list(years), dtype=float)
    y = np.asarray(list(values), dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if len(x) < 2:
        return float("nan"), float("nan"), float("nan")
    slope, intercept = np.polyfit(x, y, 1)
    fitted = slope * x + intercept
    ss_tot = float(((y - y.mean()) ** 2).sum())
    ss_res = float(((y - fitted) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    return float(slope), float(intercept), float(r2)


def trend_fits(series: pd.DataFrame, views: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """One fit per view (name -> (first, last) year inclusive) and indicator."""
    rows = []
    for view, (first, last) in views.items():
        window = series[(series["year"] >= first) & (series["year"] <= last)]
        for indicator, sub in window.groupby("indicator", sort=False):
            sub = sub.sort_values("year")
            slope, intercept, r2 = linear_trend(sub["year"], sub["value"])
            y0, y1 = int(sub["year"].iloc[0]), int(sub["year"].iloc[-1])
            rows.append(
                {
                    "view": view,
                    "indicator": indicator,
                    "first_year": y0,
                    "last_year": y1,
                    "n_years": len(sub),
                    "slope": slope,
                    "intercept": intercept,
                    "r2": r2,
                    "first_value": float(sub["value"].iloc[0]),
                    "last_value": float(sub["value"].iloc[-1]),
                    "fitted_first": slope * y0 + intercept,
                    "fitted_last": slope * y1 + intercept,
                }
            )
    return pd.DataFrame(rows, columns=FIT_COLUMNS)


def all_series(panel: pd.DataFrame, specs: dict[str, dict | str | None]) -> pd.DataFrame:
    """Series for every indicator -> spec (a dict of national_series keywords, or a weight column)."""
    frames = []
    for indicator, spec in specs.items():
        kwargs = spec if isinstance(spec, dict) else {"weight": spec}
        frames.append(national_series(panel, indicator, **kwargs))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def series_specs(figures: dict[str, dict], population_column: str) -> dict[str, dict]:
    """indicator -> how its national value is computed, from the figures' series entries.

    An entry with numerator/denominator pools counts; otherwise weight "population" (the default)
    means the panel's 0-17 population column and null an unweighted mean over LAs.
    """
    specs: dict[str, dict] = {}
    for name, figure in figures.items():
        for s in figure["series"]:
            if s.get("numerator"):
                spec = {
                    "numerator": s["numerator"],
                    "denominator": s.get("denominator"),
                    "scale": float(s.get("scale", 1.0)),
                }
            else:
                weight = s.get("weight", "population")
                spec = {"weight": population_column if weight == "population" else weight}
            if s["indicator"] in specs and specs[s["indicator"]] != spec:
                raise ValueError(
                    f"figure {name!r}: series {s['indicator']!r} is defined as {spec} here but as "
                    f"{specs[s['indicator']]} in another figure"
                )
            specs[s["indicator"]] = spec
    return specs


def describe_spec(spec: dict) -> str:
    """How a national value was computed, in words, for tables in the report."""
    if spec.get("numerator"):
        scale = spec.get("scale", 1.0)
        per = "" if scale == 1 else f" × {scale:g}"
        return f"sum {spec['numerator']} / sum {spec['denominator']}{per}"
    if spec.get("weight") is None:
        return "unweighted mean over LAs"
    return f"mean weighted by {spec['weight']}"


def plot_trend_figure(
    series: pd.DataFrame,
    fits: pd.DataFrame,
    indicators: list[str],
    labels: dict[str, str],
    view: str,
    years: tuple[int, int],
    title: str,
    ylabel: str,
    out_path: str,
) -> None:
    """Line chart of the national series with dotted least-squares lines and R² in the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=120)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, indicator in enumerate(indicators):
        sub = series[(series["indicator"] == indicator) & series["year"].between(*years)]
        sub = sub.sort_values("year")
        if sub.empty:
            continue
        colour = colours[i % len(colours)]
        fit = fits[(fits["view"] == view) & (fits["indicator"] == indicator)]
        legend = labels.get(indicator, indicator)
        if len(fit) and not np.isnan(fit["r2"].iloc[0]):
            legend += f" (R² = {fit['r2'].iloc[0]:.2f})"
        ax.plot(sub["year"], sub["value"], marker="o", color=colour, label=legend)
        if len(fit) and not np.isnan(fit["slope"].iloc[0]):
            f = fit.iloc[0]
            xs = np.array([f["first_year"], f["last_year"]], dtype=float)
            ax.plot(xs, f["slope"] * xs + f["intercept"], linestyle=":", color=colour)
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("Year ending 31 March")
    ax.set_ylabel(ylabel)
    ax.set_xlim(years[0] - 0.5, years[1] + 0.5)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    save_figure(fig, out_path)
