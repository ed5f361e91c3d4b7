"""Figures of the LCA strand (matplotlib, Agg backend; every figure written to a path)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from csc_inequalities.figures import save_figure


def elbow_plot(sweep: pd.DataFrame, path: str) -> None:
    """AIC and BIC against the number of classes, one line per LA (configural models)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    for ax, stat in zip(axes, ("aic", "bic")):
        for la, part in sweep.groupby("la_code"):
            ax.plot(part["classes"], part[stat], marker="o", label=la)
        ax.set_xlabel("number of classes")
        ax.set_ylabel(stat.upper())
        ax.set_title(f"{stat.upper()} by number of classes (per LA)")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)


def profile_heatmap(profiles: pd.DataFrame, labels: dict[str, str], path: str) -> None:
    """Item-response probabilities: classes (rows, named) x items (columns)."""
    fig, ax = plt.subplots(figsize=(max(8, 0.45 * profiles.shape[1]), 0.6 * len(profiles) + 1.5))
    image = ax.imshow(profiles.to_numpy(float), vmin=0, vmax=1, cmap="viridis", aspect="auto")
    ax.set_xticks(range(profiles.shape[1]), [labels.get(c, c) for c in profiles.columns], rotation=90, fontsize=7)
    ax.set_yticks(range(len(profiles)), list(profiles.index), fontsize=8)
    for (i, j), value in np.ndenumerate(profiles.to_numpy(float)):
        if value >= 0.05:
            ax.text(
                j,
                i,
                f"{value:.2f}".lstrip("0"),
                ha="center",
                va="center",
                fontsize=6,
                color="white" if value < 0.6 else "black",
            )
    fig.colorbar(image, ax=ax, label="P(factor recorded | class)")
    fig.tight_layout()
    save_figure(fig, path)


def recovery_plot(items_long: pd.DataFrame, shares_long: pd.DataFrame | None, path: str) -> None:
    """Estimated against true item probabilities (and class shares per LA)."""
    n = 2 if shares_long is not None and len(shares_long) else 1
    fig, axes = plt.subplots(1, n, figsize=(5 * n, 4.5), squeeze=False)
    panels = [(axes[0, 0], items_long, "item-response probability")]
    if n == 2:
        panels.append((axes[0, 1], shares_long, "class share per LA"))
    for ax, frame, title in panels:
        ax.scatter(frame["truth"], frame["estimated"], s=10, alpha=0.7)
        top = max(frame["truth"].max(), frame["estimated"].max()) * 1.05
        ax.plot([0, top], [0, top], color="grey", lw=1)
        ax.set_xlabel("truth")
        ax.set_ylabel("recovered")
        ax.set_title(title)
    fig.tight_layout()
    save_figure(fig, path)


def class_bar_figure(table: pd.DataFrame, title: str, path: str) -> None:
    """Distribution of a variable within each class (row %, ML-corrected; naive as outline)."""
    categories = sorted(table["category"].dropna().unique(), key=str)
    classes = list(dict.fromkeys(table["class_name"]))
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / max(len(categories), 1)
    x = np.arange(len(classes))
    for i, category in enumerate(categories):
        part = table[table["category"] == category].set_index("class_name").reindex(classes)
        ax.bar(x + i * width, part["pct_corrected"], width, label=str(category))
        ax.bar(x + i * width, part["pct_naive"], width, fill=False, edgecolor="black", lw=0.6)
    ax.set_xticks(x + 0.4 - width / 2, classes, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("% of the class's episodes")
    ax.set_title(title + " (bars: ML-corrected; outlines: naive modal)")
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    save_figure(fig, path)


def rate_profile_figure(table: pd.DataFrame, variable: str, order: list[str], title: str, path: str) -> None:
    """Episodes per 10,000 children by ``variable`` (ML-corrected), one line per class."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for name, part in table.groupby("class_name", sort=False):
        part = part.set_index(variable).reindex(order)
        ax.plot(range(len(order)), part["rate_per_10000_corrected"], marker="o", label=name)
    ax.set_xticks(range(len(order)), order)
    ax.set_xlabel(variable.replace("_", " "))
    ax.set_ylabel("episodes per 10,000 children")
    ax.set_title(title + " (ML-corrected)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)


def ratio_figure(ratios: pd.DataFrame, path: str) -> None:
    """Figure 13 analogue: female/male rate ratio per class (naive and corrected)."""
    fig, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(ratios))
    for i, kind in enumerate(("naive", "corrected")):
        column = f"female_male_ratio_{kind}"
        if column in ratios:
            ax.bar(x + 0.4 * i, ratios[column], 0.4, label=kind)
    ax.axhline(1.0, color="grey", lw=1)
    ax.set_xticks(x + 0.2, ratios["class_name"], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("female rate / male rate")
    ax.set_title("Female to male ratio of episode rates per class")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)
