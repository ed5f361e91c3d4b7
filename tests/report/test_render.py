"""The report renderer: sections in order, figures embedded, provenance shown, synthetic banner."""

from __future__ import annotations

import json
import sys
import types

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from csc_inequalities.report.benchmarks import collect_benchmarks, summarise_by_rule
from csc_inequalities.report.html import table_html
from csc_inequalities.report.render import render_report
from csc_inequalities.workflow_io import provenance_record, sha256_of

BASE = open("report/templates/base.html.j2").read()


def _install_section(name, builder):
    module = types.ModuleType(f"csc_inequalities.report.sections.{name}")
    module.build_context = builder
    sys.modules[module.__name__] = module


def test_render_orders_sections_embeds_figure_and_provenance(tmp_path):
    (tmp_path / "templates" / "sections").mkdir(parents=True)
    (tmp_path / "templates" / "base.html.j2").write_text(BASE)
    (tmp_path / "templates" / "sections" / "zz_second.html.j2").write_text("<p>second {{ value }}</p>")
    (tmp_path / "templates" / "sections" / "aa_first.html.j2").write_text(
        "{{ figure(inputs.fig, 'A figure') }}{{ table(frame) }}{{ provenance(inputs.fig_provenance) }}"
    )
    fig_path = tmp_path / "fig.png"
    plt.figure(figsize=(1, 1))
    plt.plot([0, 1])
    plt.savefig(fig_path)
    plt.close()
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2.5\n")
    prov = provenance_record("make_fig", "workflow/scripts/x.py", {"data": str(data)}, {"k": 1}, {"fig": str(fig_path)})
    (tmp_path / "prov.json").write_text(json.dumps(prov))
    _install_section("aa_first", lambda inputs, config: {"frame": pd.DataFrame({"x": [1.23456], "y": [None]})})
    _install_section("zz_second", lambda inputs, config: {"value": 42})
    sections = {
        "zz_second": {"order": 20, "title": "Second", "inputs": {}},
        "aa_first": {
            "order": 10,
            "title": "First",
            "inputs": {"fig": str(fig_path), "fig_provenance": str(tmp_path / "prov.json")},
        },
    }
    out = render_report(sections, {"run_label": "t"}, tmp_path / "templates", tmp_path / "r.html", synthetic=True)
    html = out.read_text()
    assert html.index('id="aa_first"') < html.index('id="zz_second"')
    assert "data:image/png;base64," in html
    assert "SYNTHETIC DATA" in html
    assert "second 42" in html
    assert sha256_of(data)[:16] in html  # input checksum shown beside the figure
    assert "1.235" in html and "–" in html  # float format and missing marker


def test_table_html_truncates_and_says_so():
    html = str(table_html(pd.DataFrame({"a": range(5)}), max_rows=2))
    assert "First 2 of 5 rows shown" in html


def test_benchmarks_are_collected_per_rule(tmp_path):
    (tmp_path / "gradient_model").mkdir()
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    (tmp_path / "gradient_model" / "cpp_all.tsv").write_text(header + "2.0\t0:00:02\t100.5\t0\t0\t0\t0\t0\t0\t1.5\n")
    (tmp_path / "gradient_model" / "lac_all.tsv").write_text(header + "4.0\t0:00:04\t300.0\t0\t0\t0\t0\t0\t0\t3.5\n")
    table = collect_benchmarks(tmp_path)
    assert list(table["job"]) == ["cpp_all", "lac_all"]
    summary = summarise_by_rule(table)
    row = summary.iloc[0]
    assert (row["rule"], row["jobs"], row["wall_s_total"], row["wall_s_max"], row["max_rss_mb"]) == (
        "gradient_model",
        2,
        6.0,
        4.0,
        300.0,
    )
