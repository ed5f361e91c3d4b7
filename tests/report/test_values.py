"""Headline numbers as files: the README's results section is exactly a render of the committed
values of the default run, every value names its file and key, and a renamed key is an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from csc_inequalities.report.values import (
    END,
    START,
    VALUE_SOURCES,
    collect_values,
    render_results,
    replace_block,
    value_inputs,
)

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "results" / "default_values.json"
BENCHMARK = ROOT / "benchmarks" / "results" / "default_run.json"
TEMPLATE = ROOT / "report" / "templates" / "readme_results.md.j2"


def test_readme_results_section_is_a_render_of_the_committed_values():
    values = json.loads(COMMITTED.read_text())
    benchmark = json.loads(BENCHMARK.read_text()) if BENCHMARK.exists() else None
    readme = (ROOT / "README.md").read_text()
    rendered = replace_block(readme, render_results(values, benchmark, TEMPLATE))
    assert readme == rendered, (
        "README.md's results section differs from a render of "
        "docs/results/default_values.json: run python -m csc_inequalities.report.values "
        "after a default run"
    )


def test_committed_values_name_their_file_and_key():
    values = json.loads(COMMITTED.read_text())
    assert {"table6_cells_matching", "gradient_overall_within", "lca_item_mae"} <= set(values)
    for name, entry in values.items():
        section, key, path_in_file, _ = VALUE_SOURCES[name]
        assert entry["key"] == path_in_file and entry["source"].startswith("results/"), name


def test_collect_values_reads_nested_keys_and_refuses_a_renamed_one(tmp_path):
    summary = tmp_path / "summary.json"
    summary.write_text(
        json.dumps({"cells_published": 88, "cells_reproducible": 84, "cells_matching": 83, "tolerance": 0.01})
    )
    recovery = tmp_path / "recovery.json"
    recovery.write_text(
        json.dumps(
            {
                "item_mae": 0.005,
                "item_max_error": 0.05,
                "share_max_error": {
                    "model": 0.03,
                    "ML-corrected, all episodes": 0.02,
                    "naive modal, all episodes": 0.07,
                },
            }
        )
    )
    sections = {
        "national_correlations": {"inputs": {"summary": str(summary)}},
        "lca": {"inputs": {"recovery": str(recovery)}},
    }
    inputs = value_inputs(sections)
    assert inputs == {"national_correlations__summary": str(summary), "lca__recovery": str(recovery)}
    values = collect_values(inputs)
    assert values["table6_cells_matching"]["value"] == 83
    assert values["lca_share_max_corrected"] == {
        "value": 0.02,
        "source": str(recovery),
        "key": "share_max_error.ML-corrected, all episodes",
        "description": VALUE_SOURCES["lca_share_max_corrected"][3],
    }
    assert "gradient_models" not in values  # a section this run does not register gives no value
    summary.write_text(json.dumps({"cells_published": 88, "cells_reproducible": 84, "matching": 83, "tolerance": 0.01}))
    with pytest.raises(KeyError, match=f"{summary} has no key 'cells_matching' \\(value table6_cells_matching\\)"):
        collect_values(inputs)


def test_replace_block_needs_exactly_one_pair_of_markers():
    assert replace_block(f"a\n{START}\nold\n{END}\nb", "new") == f"a\n{START}\nnew\n{END}\nb"
    with pytest.raises(ValueError, match="exactly one"):
        replace_block("no markers", "new")


def test_readme_national_section_is_a_render_of_the_national_run_record():
    from csc_inequalities.report.values import NATIONAL_END, NATIONAL_START, render_national

    run = json.loads((ROOT / "benchmarks" / "results" / "national_run.json").read_text())
    readme = (ROOT / "README.md").read_text()
    rendered = replace_block(
        readme,
        render_national(run, ROOT / "report" / "templates" / "readme_national.md.j2"),
        NATIONAL_START,
        NATIONAL_END,
    )
    assert readme == rendered, (
        "README.md's national section differs from a render of "
        "benchmarks/results/national_run.json: run python -m csc_inequalities.report.values"
    )


def test_national_figures_come_from_the_record():
    from csc_inequalities.report.values import national_figures

    run = {
        "las": 2,
        "episodes": 10,
        "cores": 2,
        "machine": {"memory_gb": 8.0},
        "report_bytes": 2_000_000,
        "stage1_generation_validation_episodes": {"wall_s": 600.0},
        "stage2_everything_else": {"wall_s": 1200.0},
        "cpu_s_by_rule": {"synthetic_la": 120.0, "childlevel_la_episodes": 60.0, "gradient_model": 300.0},
        "per_rule": [
            {"rule": "gradient_model", "jobs": 4, "wall_s_total": 9.0, "wall_s_max": 5.0, "max_rss_mb": 1500.0},
            {"rule": "lca_tables", "jobs": 1, "wall_s_total": 1.0, "wall_s_max": 1.0, "max_rss_mb": 2500.0},
        ],
        "created": "2026-12-02T01:32:50+00:00",
    }
    n = national_figures(run)
    assert (n["stage1_min"], n["generation_s_per_la"], n["reading_s_per_la"], n["total_cpu_min"]) == (
        10.0,
        60.0,
        30.0,
        8.0,
    )
    assert n["largest_peaks"] == [("lca_tables", 2.5), ("gradient_model", 1.5)] and n["gradient_model_jobs"] == 4


def test_a_stage1_only_record_keeps_the_whole_run_as_previous():
    from csc_inequalities.report.values import stage1_figures, whole_run

    previous = {"stage2_everything_else": {"wall_s": 1200.0}, "created": "2026-12-02T01:00:00+00:00"}
    run = {
        "las": 4,
        "episodes": 100,
        "cores": 2,
        "created": "2026-12-06T14:00:00+00:00",
        "previous": previous,
        "stage1_generation_validation_episodes": {
            "wall_s": 1200.0,
            "cpu_s": 480.0,
            "jobs": 5,
            "load_before": [6.0, 5.0, 4.0],
            "load_after": [9.0, 8.0, 7.0],
        },
        "stage2_everything_else": {"wall_s": None},
        "cpu_s_by_rule": {"synthetic_la_batch": 40.0, "childlevel_la_episodes_batch": 400.0},
        "gradient_fits": {"fits": 6, "models": 3, "max_wall_s": 12.0, "median_wall_s": 5.0, "all_converged": True},
    }
    assert whole_run(run) is previous and whole_run(previous) is previous
    s = stage1_figures(run)
    assert (s["wall_min"], s["cpu_min_per_core"], s["generation_s_per_la"], s["reading_s_per_la"]) == (
        20.0,
        4.0,
        10.0,
        100.0,
    )
    assert (s["load_min"], s["load_max"], s["fit_max_s"], s["fit_median_s"]) == (4.0, 9.0, 12.0, 5.0)
    assert stage1_figures(previous) is None
