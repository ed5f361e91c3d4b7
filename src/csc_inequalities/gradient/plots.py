"""Figures in the study's style: rate ratio ("odds") per decile step on the y-axis, categories on
the x-axis joined by lines, 95% CIs as bars, a reference line at 1."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from csc_inequalities.figures import save_figure

TERM_LABELS = {
    ("adjusted", "lsoa_decile"): "LSOA decile (social gradient)",
    ("adjusted", "la_decile"): "LA decile, adjusted (inverse intervention)",
    ("la_unadjusted", "la_decile"): "LA decile, unadjusted",
}


def _errorbar(ax, x, frame, label, marker, offset=0.0, **kwargs):
    y = frame["rr"].to_numpy(float)
    err = [y - frame["rr_low"].to_numpy(float), frame["rr_high"].to_numpy(float) - y]
    xs = [v + offset for v in x]
    ax.errorbar(xs, y, yerr=err, marker=marker, capsize=3, label=label, **kwargs)
    not_conv = ~frame["converged"].astype(bool).to_numpy()
    if not_conv.any():
        ax.scatter(
            [xs[i] for i in range(len(xs)) if not_conv[i]],
            y[not_conv],
            s=120,
            facecolors="none",
            edgecolors="red",
            zorder=5,
            label="not converged",
        )


def figure18(
    effects: pd.DataFrame,
    thresholds: Iterable[str],
    path: str | Path,
    truth: pd.DataFrame | None = None,
    published: dict[tuple[str, str], float] | None = None,
) -> Path:
    """Rate ratio per decile by threshold (stratum 'all'): LSOA decile, LA decile adjusted and unadjusted."""
    thresholds = [t for t in thresholds if t in set(effects["threshold"])]
    x = list(range(len(thresholds)))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for k, ((model, term), label) in enumerate(TERM_LABELS.items()):
        sel = (
            effects[(effects["model"] == model) & (effects["term"] == term)]
            .set_index("threshold")
            .reindex(thresholds)
            .reset_index()
        )
        _errorbar(ax, x, sel, label, "os^"[k], offset=(k - 1) * 0.12)
        if truth is not None:
            tsel = truth[(truth["model"] == model) & (truth["term"] == term)].set_index("threshold").reindex(thresholds)
            ax.scatter(
                [v + (k - 1) * 0.12 for v in x],
                tsel["rr"],
                marker="x",
                color="black",
                zorder=6,
                label="generator truth" if k == 0 else None,
            )
    if published:
        offsets = {"lsoa_decile": -0.12, "la_decile": 0.0}  # the adjusted model's series positions
        for (threshold, term), value in published.items():
            if threshold in thresholds:
                ax.scatter(
                    [thresholds.index(threshold) + offsets[term]],
                    [value],
                    marker="*",
                    s=140,
                    color="gold",
                    edgecolors="black",
                    zorder=7,
                    label="published (final report 3.5.1)",
                )
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xticks(x, [t.upper() if len(t) <= 4 else t.capitalize() for t in thresholds])
    ax.set_ylabel("Rate ratio per decile step (odds)")
    ax.set_title("Social gradient and inverse intervention by threshold")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=7, loc="best")
    fig.tight_layout()
    return save_figure(fig, path)


def stratum_forest(effects: pd.DataFrame, stratum_type: str, levels: list[str], path: str | Path) -> Path:
    """One stratum (Figures 19-24): two panels (LSOA decile; LA decile adjusted), one line per threshold."""
    sel = effects[(effects["stratum_type"] == stratum_type) & (effects["model"] == "adjusted")]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=False)
    thresholds = list(dict.fromkeys(sel["threshold"]))
    for ax, term in zip(axes, ("lsoa_decile", "la_decile")):
        for k, threshold in enumerate(thresholds):
            rows = (
                sel[(sel["term"] == term) & (sel["threshold"] == threshold)].set_index("stratum_level").reindex(levels)
            )
            rows = rows.reset_index()
            x = list(range(len(levels)))
            _errorbar(
                ax,
                x,
                rows.fillna({"converged": True}),
                threshold,
                "os^Dvp<"[k % 7],
                offset=(k - (len(thresholds) - 1) / 2) * 0.08,
            )
        ax.axhline(1.0, color="grey", lw=0.8, ls="--")
        ax.set_xticks(list(range(len(levels))), levels, rotation=30, ha="right")
        ax.set_title({"lsoa_decile": "LSOA decile (social gradient)", "la_decile": "LA decile (adjusted)"}[term])
        ax.set_ylabel("Rate ratio per decile step (odds)")
    handles, labels = axes[0].get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    axes[1].legend(unique.values(), unique.keys(), fontsize=7)
    fig.suptitle(f"By {stratum_type.replace('_', ' ')}")
    fig.tight_layout()
    return save_figure(fig, path)


def power_plot(curve: pd.DataFrame, n80: float | None, path: str | Path, published_n: float | None = None) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.errorbar(curve["n_children"], curve["power"], yerr=1.96 * curve["power_mc_se"], marker="o", capsize=3)
    ax.axhline(0.8, color="grey", ls="--", lw=0.8)
    if n80 is not None:
        ax.axvline(n80, color="tab:green", lw=0.8, label=f"80% at n ≈ {n80:,.0f}")
    if published_n is not None:
        ax.axvline(published_n, color="gold", lw=1.2, ls=":", label=f"published ≈ {published_n:,.0f}")
    ax.set_xlabel("Children in sample")
    ax.set_ylabel("Power")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def score_plot(per_la: pd.DataFrame, path: str | Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    for threshold, rows in per_la.dropna(subset=["ratio"]).groupby("threshold"):
        ax.scatter(rows["la_imd2015_avg_score"], rows["ratio"], label=threshold, s=18)
    ax.axhline(1.0, color="grey", ls="--", lw=0.8)
    ax.set_xlabel("LA IMD 2015 average score")
    ax.set_ylabel("Rate ratio per 10-point rise in income deprivation")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)
