"""The two report sections render from result files made by the package on a hand-made panel,
and the config section's defaults agree with config/config.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.national.consistency import consistency_table, consistent_edges
from csc_inequalities.national.correlations import (
    largest_difference_by_row,
    pairwise_correlations,
    published_vs_reproduced,
    table6,
    table6_match_summary,
)
from csc_inequalities.national.correlelogram import draw_correlelogram, theme_graph
from csc_inequalities.national.table6_choices import EVIDENCE_COLUMNS, explain_cells
from csc_inequalities.national.trends import all_series, plot_trend_figure, trend_fits
from csc_inequalities.report.render import render_report
from csc_inequalities.workflow_io import provenance_record

ROOT = Path(__file__).resolve().parents[2]


def _config():
    return validate_config(
        {
            "national_analysis": {
                "population_column": "pop",
                "imd_indicator": "imd",
                "trends": {
                    "views": {"to2017": [2010, 2017]},
                    "figures": {
                        "demand": {"title": "Demand", "series": [{"indicator": "referrals_rate", "label": "Referrals"}]}
                    },
                },
                "themes": {"screening": {"title": "Screening", "indicators": ["referrals_rate", "nfa_pct", "imd"]}},
            }
        },
        load_schema(ROOT / "workflow" / "schemas"),
    )


def _prov(tmp_path, name, inputs):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(provenance_record(name, f"workflow/scripts/{name}.py", inputs, {}, {})))
    return str(path)


def test_sections_render_tables_figures_and_provenance(tmp_path):
    config = _config()
    rng = np.random.default_rng(5)
    imd = rng.normal(20, 6, 40)
    panel = pd.concat(
        [
            pd.DataFrame(
                {
                    "la_code": range(40),
                    "year": y,
                    "imd": imd,
                    "pop": 1000.0,
                    "referrals_rate": imd * 10 + rng.normal(0, 20, 40) + y,
                    "nfa_pct": rng.normal(10, 2, 40) + imd * 0.3,
                }
            )
            for y in range(2010, 2018)
        ],
        ignore_index=True,
    )
    dictionary = pd.DataFrame(
        {
            "indicator": ["imd", "referrals_rate", "nfa_pct"],
            "label": ["IMD score", "Referrals per 10,000", "NFA %"],
            "kind": ["score", "rate", "proportion"],
            "numerator": [None, "referrals", "NFA"],
            "denominator": [None, "children 0-17", "referrals"],
            "table6_label": [None, "Referral", None],
        }
    )
    dictionary.to_csv(tmp_path / "dictionary.csv", index=False)
    series = all_series(panel, {"referrals_rate": "pop"})
    series["computed_as"] = "mean weighted by pop"
    fits = trend_fits(series, {"to2017": (2010, 2017)})
    series.to_csv(tmp_path / "series.csv", index=False)
    fits.to_csv(tmp_path / "fits.csv", index=False)
    plot_trend_figure(
        series, fits, ["referrals_rate"], {}, "to2017", (2010, 2017), "Demand", "rate", str(tmp_path / "demand.png")
    )
    pairwise = pairwise_correlations(panel, ["imd", "referrals_rate", "nfa_pct"])
    published = pd.DataFrame(
        {"indicator": ["Referral", "Section 20s"], "year": [2015, 2015], "rho": [0.5, 0.2], "n": [40, 150]}
    )
    t6 = table6(pairwise, dictionary, "imd", range(2011, 2018))
    t6.to_csv(tmp_path / "t6.csv", index=False)
    comparison = published_vs_reproduced(published, pairwise, dictionary, "imd")
    evidence = pd.DataFrame(columns=EVIDENCE_COLUMNS)
    evidence.to_csv(tmp_path / "inferred.csv", index=False)
    comparison = explain_cells(comparison, panel.assign(la_name="x"), "imd", evidence, 0.01)
    comparison.to_csv(tmp_path / "cmp.csv", index=False)
    largest_difference_by_row(comparison).to_csv(tmp_path / "worst.csv", index=False)
    summary = {**table6_match_summary(comparison), "tolerance": 0.01, "population": "2015: test"}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    assessment = consistency_table(pairwise)
    assessment.to_csv(tmp_path / "assessment.csv", index=False)
    consistent_edges(assessment).to_csv(tmp_path / "edges.csv", index=False)
    draw_correlelogram(
        theme_graph(assessment, ["referrals_rate", "nfa_pct", "imd"]), {}, "Screening", str(tmp_path / "screening.png")
    )
    sections = {
        "national_trends": {
            "order": 20,
            "title": "Trends",
            "inputs": {
                "series": str(tmp_path / "series.csv"),
                "fits": str(tmp_path / "fits.csv"),
                "series_provenance": _prov(tmp_path, "national_trends", {"panel": str(tmp_path / "series.csv")}),
                "figure__demand__to2017": str(tmp_path / "demand.png"),
            },
        },
        "national_correlations": {
            "order": 30,
            "title": "Correlations",
            "inputs": {
                "table6": str(tmp_path / "t6.csv"),
                "comparison": str(tmp_path / "cmp.csv"),
                "largest_diff": str(tmp_path / "worst.csv"),
                "inferred": str(tmp_path / "inferred.csv"),
                "summary": str(tmp_path / "summary.json"),
                "correlations_provenance": _prov(tmp_path, "national_correlations", {}),
                "edges": str(tmp_path / "edges.csv"),
                "assessment": str(tmp_path / "assessment.csv"),
                "consistency_provenance": _prov(tmp_path, "national_consistency", {}),
                "dictionary": str(tmp_path / "dictionary.csv"),
                "theme__screening": str(tmp_path / "screening.png"),
                "theme__screening_provenance": _prov(tmp_path, "corr", {}),
            },
        },
    }
    html = render_report(
        sections, config, ROOT / "report" / "templates", tmp_path / "r.html", synthetic=False
    ).read_text()
    assert html.count("data:image/png;base64,") == 2
    assert "Provenance: rule <code>national_correlations</code>" in html
    assert "Provenance: rule <code>national_trends</code>" in html
    rho_2015 = t6.set_index("year").loc[2015, "rho"]
    assert f"{rho_2015:.3f}**" in html  # Table 6 laid out with stars
    assert "no indicator in the public files reproduces this row" in html  # Section 20s
    assert summary == {
        "cells_published": 2,
        "cells_reproducible": 1,
        "cells_matching": int(comparison.loc[0, "match"]),
        "tolerance": 0.01,
        "population": "2015: test",
    }
    assert (
        f"{summary['cells_matching']} of the 1 cells that the\npublic files can supply are within "
        "0.01 of the published ρ with the published N"
    ) in html
    assert "Section 20s</td>" in html and "2015: no public data: the public files hold no indicator<" in html
    edges = consistent_edges(assessment)
    assert f"{len(edges)} of {len(assessment)} pairs pass" in html
    r2 = fits.loc[0, "r2"]
    assert f"{r2:.3f}" in html


def test_config_yaml_section_matches_schema_defaults():
    schema = load_schema(ROOT / "workflow" / "schemas")
    shipped = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    from_file = validate_config(shipped, schema)["national_analysis"]
    from_defaults = validate_config({"national_analysis": {}}, schema)["national_analysis"]
    assert from_file == from_defaults
    assert from_defaults["consistency"]["recent_years"] == [2015, 2016, 2017]
    assert from_defaults["table6"]["years"] == list(range(2011, 2018))
    assert set(from_defaults["themes"]) >= {"screening", "rationing"}


def test_bad_config_key_is_named():
    import pytest

    from csc_inequalities.config import ConfigError

    with pytest.raises(ConfigError, match="config key national_analysis.consistency: Additional properties"):
        validate_config(
            {"national_analysis": {"consistency": {"alpah": 0.01}}}, load_schema(ROOT / "workflow" / "schemas")
        )
