"""Published against reproduced: statuses, counts, the real/synthetic split, strand rows; captions
from one source; the appendix from the declared benchmark files only."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from csc_inequalities.published import PublishedFigures
from csc_inequalities.report.benchmarks import collect_benchmark_files, run_totals, summarise_by_rule
from csc_inequalities.report.captions import render_caption
from csc_inequalities.report.summary import build_summary, strand_calibration

COMPARISON = pd.DataFrame(
    {
        "indicator": ["Referral", "Referral", "Referral", "CPP"],
        "year": [2011, 2012, 2013, 2011],
        "rho_published": [0.58, 0.543, 0.526, 0.3],
        "n_published": [150, 148, 149, 150],
        "primary": [True, True, True, True],
        "rho_reproduced": [0.577, 0.5424, 0.55, None],
        "n_reproduced": [150, 147, 149, None],
        "diff": [-0.003, -0.0006, 0.024, None],
        "match": [True, False, False, False],
        "note": [None, None, None, "no public data"],
    }
)
CALIBRATION = pd.DataFrame(
    {
        "target": [
            "cpp: rate ratio per LSOA decile (Figure 18)",
            "Table 11 LA0 (E06000010): class 1 Neglect share",
            "referral, White: rate ratio per LSOA decile",
            "Table 15: re-referral",
        ],
        "source": ["FR Figure 18 (3.5.1)", "FR Table 11", "FR Figure 18 x 2021 summary", "FR 3.4.3 prose"],
        "published": [1.31, 0.17, 1.346, 0.25],
        "truth": [1.3100, 0.17, 1.2, None],
        "estimate": [1.3099, 0.1698, 1.21, 0.19],
        "estimate_low": [1.288, 0.165, 1.19, None],
        "estimate_high": [1.332, 0.175, 1.23, None],
        "tolerance": [0.05, 0.05, 0.05, 0.05],
        "within_tolerance": [True, True, False, None],
        "note": ["", "", "the three are fitted jointly: cannot meet all at once", ""],
    }
)
SCORES = pd.DataFrame(
    {
        "threshold": ["referral", "referral"],
        "la_shift_points": [0.0, 10.0],
        "ratio": [1.78, 1.27],
        "ratio_low": [1.6, 1.1],
        "ratio_high": [1.9, 1.35],
    }
)
HEADLINE = PublishedFigures(
    {
        "es_social_gradient_referrals_la_at_mean_deprivation": {"value": 1.62},
        "es_social_gradient_referrals_la_10pc_more_deprived": {"value": 1.39},
    },
    "h.yaml",
)
NO_FIGURES = PublishedFigures({}, "h.yaml")


def test_real_rows_statuses_and_counts():
    table, counts = build_summary(COMPARISON, 0.01, None, None, NO_FIGURES, None, synthetic=False)
    assert table["status"].tolist() == ["matched", "N differs (147 vs 148)", "outside tolerance", "no public data"]
    assert counts["real"] == {"published": 4, "compared": 3, "matched": 1}
    assert counts["calibration"] == {"published": 0, "compared": 0, "matched": 0}
    assert set(table["section"]) == {"national_correlations"} and set(table["rule"]) == {"national_correlations"}


def test_synthetic_runs_keep_calibration_apart():
    table, counts = build_summary(COMPARISON, 0.01, None, SCORES, HEADLINE, CALIBRATION, synthetic=True)
    calib = table[table["group"] == "synthetic calibration"]
    assert calib["status"].tolist() == [
        "matched",
        "matched",
        "jointly unreachable (residual shown)",
        "no truth",
        "shown, not a target",
        "shown, not a target",
    ]
    assert calib["difference"].iloc[2] == pytest.approx(math.log(1.2 / 1.346))
    assert calib["section"].tolist()[:4] == ["gradient", "lca", "gradient", "lca"]
    assert counts["calibration"] == {"published": 6, "compared": 3, "matched": 2}
    assert counts["real"]["matched"] == 1  # Table 6 stays real data on a synthetic run
    assert 11 not in counts["uncalibrated_tables"] and {3, 7, 18} <= set(counts["uncalibrated_tables"])


def test_real_extract_runs_compare_figure18_and_scores_by_their_interval():
    fig18 = {
        "published_vs_reproduced": [
            {
                "threshold": "cpp",
                "term": "lsoa_decile",
                "published_rr": 1.31,
                "reproduced_rr": 1.22,
                "reproduced_low": 1.19,
                "reproduced_high": 1.25,
            }
        ]
    }
    table, counts = build_summary(COMPARISON.iloc[:1], 0.01, fig18, SCORES, HEADLINE, None, synthetic=False)
    assert table["status"].tolist() == ["matched", "outside 95% CI", "published within 95% CI", "outside 95% CI"]
    assert counts["real"] == {"published": 4, "compared": 4, "matched": 2}


def test_a_computed_score_without_its_published_figure_is_an_error_naming_the_key():
    renamed = PublishedFigures(
        {
            "es_social_gradient_referrals_at_mean": {"value": 1.62},
            "es_social_gradient_referrals_la_10pc_more_deprived": {"value": 1.39},
        },
        "h.yaml",
    )
    with pytest.raises(
        KeyError, match="h.yaml: no published figure 'es_social_gradient_referrals_la_at_mean_deprivation'"
    ):
        build_summary(COMPARISON, 0.01, None, SCORES, renamed, None, synthetic=False)


def test_strand_rows(tmp_path):
    table, _ = build_summary(COMPARISON, 0.01, None, None, NO_FIGURES, CALIBRATION, synthetic=True)
    table.to_csv(tmp_path / "s.csv", index=False)
    lca = strand_calibration(str(tmp_path / "s.csv"), "lca")
    assert lca["target"].tolist() == ["Table 11 LA0 (E06000010): class 1 Neglect share", "Table 15: re-referral"]
    assert list(lca.columns[:5]) == ["target", "source", "published", "truth", "estimate"]
    assert strand_calibration(None, "lca").empty


def test_captions_render_the_rules_parameters(tmp_path):
    (tmp_path / "p.rst").write_text(
        'Power to detect {{ "%.0f" | format(100 * snakemake.params.p_high) }}% '
        '({{ snakemake.config["extracts"]["source"] }}).\n'
    )
    prov = tmp_path / "prov.json"
    prov.write_text(json.dumps({"params": {"p_high": 0.26}}))
    config = {"extracts": {"source": "synthetic"}}
    assert render_caption("p", prov, caption_dir=tmp_path, config=config) == "Power to detect 26% (synthetic)."
    with pytest.raises(Exception, match="p_high"):
        render_caption("p", {"params": {}}, caption_dir=tmp_path, config=config)


def test_every_report_caption_renders_with_its_parameters():
    params = {
        "thresholds": ["referral", "cpp"],
        "iterations": 10,
        "p_high": 0.26,
        "p_median": 0.21,
        "panel_year": 2013,
        "classes": [1, 2, 3],
        "alpha": 0.05,
        "recent_years": [2015, 2016, 2017],
        "views": {"study": [2010, 2017]},
        "first_year": 2010,
        "last_year": 2022,
        "theme": {"title": "Rationing", "indicators": ["a", "b"]},
    }
    config = {
        "extracts": {"source": "synthetic"},
        "national_analysis": {"consistency": {"recent_years": [2015, 2016, 2017]}},
    }
    from pathlib import Path

    for path in sorted(Path("report/captions").glob("*.rst")):
        wildcards = {"title": "Table 11 analogue"} if path.stem == "lca_class_table" else {}
        text = render_caption(
            path.stem, {"params": params}, caption_dir="report/captions", config=config, wildcards=wildcards
        )
        assert "{{" not in text and len(text) > 40, path.name


def test_appendix_reads_only_the_declared_benchmark_files(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    for rule, job, s, rss, cpu in [
        ("a", "a", 2.0, 100.0, 1.5),
        ("b", "x", 4.0, 300.0, 3.5),
        ("old", "old", 9.0, 9.0, 9.0),
    ]:
        (tmp_path / rule).mkdir(exist_ok=True)
        (tmp_path / rule / f"{job}.tsv").write_text(header + f"{s}\t0\t{rss}\t0\t0\t0\t0\t0\t0\t{cpu}\n")
    table = collect_benchmark_files([str(tmp_path / "b" / "x.tsv"), str(tmp_path / "a" / "a.tsv")], tmp_path)
    assert table["rule"].tolist() == ["a", "b"] and table["job"].tolist() == ["a", "x"]
    assert run_totals(table) == {"jobs": 2, "cpu_time_s": 5.0, "wall_s": 6.0, "max_rss_mb": 300.0}
    assert summarise_by_rule(table)["cpu_time_s_total"].tolist() == [1.5, 3.5]
