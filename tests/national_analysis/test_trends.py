"""National series, least-squares trends and the correlelogram graph on hand-made panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csc_inequalities.national.consistency import consistency_table
from csc_inequalities.national.correlelogram import draw_correlelogram, edge_width, theme_graph
from csc_inequalities.national.trends import (
    all_series,
    describe_spec,
    linear_trend,
    national_series,
    plot_trend_figure,
    series_specs,
    trend_fits,
)


def hand_panel():
    # Two LAs, two years. Rates per 10,000 with their 0-17 populations.
    # 2016: LA A 100 referrals / 10,000 children = 100.0; LA B 300 / 20,000 = 150.0
    #       national = 400 / 30,000 * 10,000 = 133.33
    # 2017: LA A 120 / 10,000 = 120; LA B rate missing -> national = LA A only = 120
    return pd.DataFrame(
        {
            "la_code": ["A", "B", "A", "B"],
            "year": [2016, 2016, 2017, 2017],
            "referrals_rate": [100.0, 150.0, 120.0, np.nan],
            "population_0_17": [10_000.0, 20_000.0, 10_000.0, 20_000.0],
            "s47_per_cin": [0.5, 0.2, 0.4, 0.3],
            "cin_count": [100.0, 400.0, 50.0, 150.0],
            "referrals": [100.0, 300.0, 120.0, np.nan],
        }
    )


def test_national_rate_is_sum_of_counts_over_sum_of_population():
    out = national_series(hand_panel(), "referrals_rate", "population_0_17").set_index("year")
    assert out.loc[2016, "value"] == pytest.approx(400 / 30_000 * 10_000)
    assert out.loc[2016, "n_las"] == 2
    assert out.loc[2017, "value"] == pytest.approx(120.0)
    assert out.loc[2017, "n_las"] == 1
    assert out.loc[2017, "weight_total"] == 10_000


def test_pooled_counts_over_las_with_both():
    out = national_series(
        hand_panel(), "referrals_rate", numerator="referrals", denominator="population_0_17", scale=10_000
    ).set_index("year")
    assert out.loc[2016, "value"] == pytest.approx(400 / 30_000 * 10_000)
    # 2017: LA B has no referral count, so its population is left out of the denominator too
    assert out.loc[2017, "value"] == pytest.approx(120.0)
    assert out.loc[2017, "weight_total"] == 10_000 and out.loc[2017, "n_las"] == 1


def test_series_specs_from_figures_and_conflicts():
    figures = {
        "f1": {
            "title": "t",
            "series": [
                {
                    "indicator": "referrals_rate",
                    "numerator": "referrals",
                    "denominator": "population_0_17",
                    "scale": 10000,
                },
                {"indicator": "care_rate"},
                {"indicator": "score", "weight": None},
            ],
        },
    }
    specs = series_specs(figures, "population_0_17")
    assert specs == {
        "referrals_rate": {"numerator": "referrals", "denominator": "population_0_17", "scale": 10000.0},
        "care_rate": {"weight": "population_0_17"},
        "score": {"weight": None},
    }
    assert describe_spec(specs["referrals_rate"]) == "sum referrals / sum population_0_17 × 10000"
    assert describe_spec(specs["care_rate"]) == "mean weighted by population_0_17"
    figures["f2"] = {"title": "u", "series": [{"indicator": "care_rate", "weight": None}]}
    with pytest.raises(ValueError, match="figure 'f2': series 'care_rate' is defined as"):
        series_specs(figures, "population_0_17")
    panel = hand_panel()
    both = all_series(
        panel,
        {
            "referrals_rate": {"numerator": "referrals", "denominator": "population_0_17", "scale": 10_000},
            "s47_per_cin": "cin_count",
        },
    )
    assert set(both["indicator"]) == {"referrals_rate", "s47_per_cin"}


def test_ratio_weighted_by_its_denominator_count():
    # 2016: S47 = 0.5*100 + 0.2*400 = 130 over 500 CIN = 0.26
    out = national_series(hand_panel(), "s47_per_cin", "cin_count").set_index("year")
    assert out.loc[2016, "value"] == pytest.approx(0.26)
    unweighted = national_series(hand_panel(), "s47_per_cin", None).set_index("year")
    assert unweighted.loc[2016, "value"] == pytest.approx(0.35)


def test_missing_columns_named():
    with pytest.raises(KeyError, match="weight 'nope' \\(for 'referrals_rate'\\)"):
        national_series(hand_panel(), "referrals_rate", "nope")
    with pytest.raises(KeyError, match="indicator 'x' \\(for 'x'\\) is not a column"):
        national_series(hand_panel(), "x", None)
    with pytest.raises(KeyError, match="denominator 'pop' \\(for 'r'\\) is not a column"):
        national_series(hand_panel(), "r", numerator="referrals", denominator="pop")
    with pytest.raises(ValueError, match="numerator 'referrals' given without a denominator"):
        national_series(hand_panel(), "r", numerator="referrals")


def test_linear_trend_exact_line_and_known_r2():
    slope, intercept, r2 = linear_trend([2010, 2011, 2012], [5.0, 7.0, 9.0])
    assert slope == pytest.approx(2.0) and r2 == pytest.approx(1.0)
    assert intercept == pytest.approx(5.0 - 2.0 * 2010)
    # y = 1, 3, 2: slope 0.5, fitted 1.5, 2, 2.5; SSres = .25+1+.25 = 1.5, SStot = 2 -> R2 = 0.25
    slope, _, r2 = linear_trend([1, 2, 3], [1.0, 3.0, 2.0])
    assert slope == pytest.approx(0.5) and r2 == pytest.approx(0.25)


def test_trend_fits_per_view(tmp_path):
    series = pd.DataFrame(
        {
            "indicator": "x",
            "year": list(range(2010, 2023)),
            "value": [float(v) for v in range(10, 23)],
            "n_las": 150,
            "weight_total": 1.0,
        }
    )
    series.loc[series.year > 2017, "value"] = 0.0  # a break after 2017 spoils only the long view
    fits = trend_fits(series, {"2010-2017": (2010, 2017), "2010-2022": (2010, 2022)}).set_index("view")
    assert fits.loc["2010-2017", "slope"] == pytest.approx(1.0)
    assert fits.loc["2010-2017", "r2"] == pytest.approx(1.0)
    assert fits.loc["2010-2017", "n_years"] == 8
    assert fits.loc["2010-2022", "n_years"] == 13
    assert fits.loc["2010-2022", "r2"] < 0.5
    out = tmp_path / "fig.png"
    plot_trend_figure(series, fits.reset_index(), ["x"], {"x": "X"}, "2010-2017", (2010, 2017), "t", "rate", str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_correlelogram_graph_keeps_only_theme_edges(tmp_path):
    rows = []
    for a, b, rho in [("r", "nfa", 0.4), ("r", "long", -0.3), ("r", "other", 0.5)]:
        for y in (2015, 2016, 2017):
            rows.append({"indicator_a": a, "indicator_b": b, "year": y, "rho": rho, "p": 0.001, "n": 150})
    table = consistency_table(pd.DataFrame(rows))
    graph = theme_graph(table, ["r", "nfa", "long", "isolated"])
    assert set(graph.nodes) == {"r", "nfa", "long", "isolated"}
    assert graph.number_of_edges() == 2
    assert graph.edges["r", "long"]["sign"] == -1
    assert graph.edges["r", "nfa"]["weight"] == pytest.approx(0.4)
    assert edge_width(0.0) == pytest.approx(0.8) and edge_width(1.0) == pytest.approx(7.0)
    out = tmp_path / "theme.png"
    draw_correlelogram(graph, {"r": "Referrals"}, "Screening", str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
