"""Correlelograms (final report Figures 5–9): network diagrams of the consistent associations.

Nodes are a theme's indicators; an edge joins two of them when their association passed the
consistency rule. Solid edges are positive, dashed negative, and line width grows with the mean
|rho| over the recent years.
"""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd

from csc_inequalities.figures import save_figure


def theme_graph(edges: pd.DataFrame, indicators: list[str]) -> nx.Graph:
    """Graph of the theme's indicators and the consistent edges between two of them."""
    graph = nx.Graph()
    graph.add_nodes_from(indicators)
    members = set(indicators)
    for row in edges.itertuples(index=False):
        if row.indicator_a in members and row.indicator_b in members and row.consistent:
            graph.add_edge(
                row.indicator_a,
                row.indicator_b,
                sign=int(row.sign),
                weight=float(row.mean_abs_rho_recent),
                route=row.route,
                mean_rho=float(row.mean_rho_recent),
            )
    return graph


def theme_edge_table(graph: nx.Graph) -> pd.DataFrame:
    rows = [
        {
            "indicator_a": a,
            "indicator_b": b,
            "sign": d["sign"],
            "mean_rho_recent": d["mean_rho"],
            "mean_abs_rho_recent": d["weight"],
            "route": d["route"],
        }
        for a, b, d in graph.edges(data=True)
    ]
    return pd.DataFrame(
        rows, columns=["indicator_a", "indicator_b", "sign", "mean_rho_recent", "mean_abs_rho_recent", "route"]
    )


def edge_width(mean_abs_rho: float, min_width: float = 0.8, max_width: float = 7.0) -> float:
    """Line width proportional to mean |rho| (|rho| 0 -> min_width, 1 -> max_width)."""
    r = min(max(float(mean_abs_rho), 0.0), 1.0)
    return min_width + (max_width - min_width) * r


def draw_correlelogram(
    graph: nx.Graph,
    labels: dict[str, str],
    title: str,
    out_path: str,
    seed: int = 0,
    layout: str = "circular",
    absent: list[str] | None = None,
) -> None:
    """Draw the graph to a PNG: solid = positive, dashed = negative, width by mean |rho|.

    ``absent``: theme indicators with no correlations (not in the panel), named under the graph.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if layout == "spring":
        pos = nx.spring_layout(graph, seed=seed, k=1.5 / math.sqrt(max(graph.number_of_nodes(), 1)))
    elif layout == "shell":
        pos = nx.shell_layout(graph)
    else:
        pos = nx.circular_layout(graph)
    fig, ax = plt.subplots(figsize=(9, 7.5), dpi=120)
    for a, b, d in graph.edges(data=True):
        style = "solid" if d["sign"] > 0 else "dashed"
        colour = "#1d4ed8" if d["sign"] > 0 else "#b91c1c"
        nx.draw_networkx_edges(
            graph,
            pos,
            edgelist=[(a, b)],
            width=edge_width(d["weight"]),
            style=style,
            edge_color=colour,
            ax=ax,
        )
    # Nodes are their labels in boxes: long indicator names stay readable.
    wrapped = {n: _wrap(labels.get(n, n), 22) for n in graph.nodes}
    nx.draw_networkx_labels(
        graph,
        pos,
        labels=wrapped,
        font_size=7,
        ax=ax,
        bbox={"boxstyle": "round,pad=0.35", "fc": "#f3f4f6", "ec": "#374151", "lw": 0.8},
    )
    handles = [
        Line2D([0], [0], color="#1d4ed8", lw=2, linestyle="solid", label="consistent positive"),
        Line2D([0], [0], color="#b91c1c", lw=2, linestyle="dashed", label="consistent negative"),
    ]
    ax.legend(
        handles=handles,
        loc="lower left",
        fontsize=7,
        frameon=False,
        title="line width: mean |rho| over the recent years",
        title_fontsize=7,
    )
    if graph.number_of_edges() == 0:
        ax.text(
            0.5,
            0.02,
            "no consistent associations among these indicators",
            transform=ax.transAxes,
            ha="center",
            fontsize=8,
            color="#555",
        )
    if absent:
        ax.text(
            0.99,
            0.01,
            "not in the panel, left out:\n" + "\n".join(absent),
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
            color="#b91c1c",
        )
    ax.set_title(title, fontsize=11)
    ax.margins(0.2)
    ax.set_axis_off()
    fig.tight_layout()
    save_figure(fig, out_path)


def _wrap(text: str, width: int = 16) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return "\n".join(lines)
