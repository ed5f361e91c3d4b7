"""The formatting layer: digits per kind, labels in words, parameters as two-column tables,
long tables collapsed with their CSV beside the report."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from csc_inequalities.report.format import (
    TableWriter,
    column_kind,
    format_frame,
    format_value,
    parameters_table,
    people_table,
    significant,
)
from csc_inequalities.report.html import table_html


def test_digits_per_kind():
    assert format_value(0.57701282, "rho") == "0.577"
    assert format_value(1.30986305, "ratio") == "1.31"
    assert format_value(1342.6, "rate") == "1,343"
    assert format_value(1.09e-14, "p") == "< 0.001"
    assert format_value(0.0312, "p") == "0.031"
    assert format_value(13685.0, "count") == "13,685"
    assert format_value(19.2108, "percent") == "19.2"


def test_column_kinds_from_names():
    assert [
        column_kind(c)
        for c in [
            "rho_reproduced",
            "rr_low",
            "rate_per_10000",
            "p_reproduced",
            "n_published",
            "pct_corrected",
            "truth_rr",
            "within_max_z",
        ]
    ] == ["rho", "ratio", "rate", "p", "count", "percent", "ratio", "number"]


def test_unknown_floats_get_four_significant_digits():
    assert significant(0.22314355131420976) == "0.2231"
    assert significant(-12345.678) == "-12,346"
    assert significant(1.5) == "1.5"
    assert format_value(0.22314355131420976) == "0.2231"


def test_dicts_lists_and_booleans_are_written_out():
    text = format_value({"under1": 0.47000362924573563, "1-4": 0.0})
    assert text == "under1: 0.47; 1-4: 0"
    assert format_value([0.123456789, 2]) == "0.1235, 2"
    assert format_value(np.bool_(True)) == "yes" and format_value(None) == "–"


def test_parameters_as_two_columns_with_units():
    table = parameters_table(
        {"rereferral_share": 0.22314355131420976, "age": {"under1": 0.47000362924573563}},
        units={"rereferral_share": "of referred children"},
    )
    assert list(table.columns) == ["parameter", "value"]
    assert table.iloc[0].tolist() == ["rereferral_share", "0.2231 of referred children"]
    assert table.iloc[1].tolist() == ["age", "under1: 0.47"]


def test_headers_in_words_with_code_name_as_tooltip():
    html = str(people_table(pd.DataFrame({"rr_low": [1.234567]})))
    assert '<th title="rr_low">95% CI low</th>' in html and "<td>1.23</td>" in html


def test_long_table_collapses_and_links_its_csv(tmp_path):
    writer = TableWriter(tmp_path / "tables", link_prefix="tables")
    frame = pd.DataFrame({"n": range(30)})
    html = str(table_html(frame, caption="Thirty rows", writer=writer))
    assert "<details" in html and "(30 rows; click to show)" in html
    assert 'href="tables/thirty-rows.csv"' in html
    assert pd.read_csv(tmp_path / "tables" / "thirty-rows.csv")["n"].tolist() == list(range(30))
    short = str(table_html(frame.head(3), writer=writer))
    assert "<details" not in short


def test_no_cell_has_more_than_six_significant_digits():
    frame = pd.DataFrame({"x": [0.22314355131420976, 123456.789, 1e-9], "log_likelihood": [-98765.4321, 0.1, 2.0]})
    cells = format_frame(frame).to_numpy().ravel()
    for cell in cells:
        for number in re.findall(r"\d[\d,]*\.\d+", cell):
            assert len(number.replace(",", "").replace(".", "").lstrip("0")) <= 6, cell


def test_bad_table_cells_finds_reprs_and_long_floats():
    from csc_inequalities.report.format import bad_table_cells

    page = (
        "<table><tr><td>{'under1': 0.47}</td><td>[1, 2]</td><td>0.22314355131420976</td>"
        "<td>1.31</td><td>13,685</td><td>&lt; 0.001</td><td><a href='#x'>gradient</a></td></tr></table>"
    )
    assert bad_table_cells(page) == ["{'under1': 0.47}", "[1, 2]", "0.22314355131420976"]


def test_provenance_parameters_are_a_two_column_table(tmp_path):
    import json

    from csc_inequalities.report.format import bad_table_cells
    from csc_inequalities.report.html import provenance_html

    record = {
        "rule": "r",
        "script": "s.py",
        "inputs": [],
        "params": {"lsoa_decile_log_rr": 0.22314355131420976, "age": {"under1": 0.47000362924573563}},
    }
    (tmp_path / "p.json").write_text(json.dumps(record))
    html = str(provenance_html(tmp_path / "p.json"))
    assert '<td>lsoa_decile_log_rr</td><td class="t">0.2231</td>' in html
    assert '<td>age</td><td class="t">under1: 0.47</td>' in html
    assert bad_table_cells(html) == []


def test_a_notes_column_becomes_the_rows_tooltip():
    frame = pd.DataFrame({"target": ["a", "b"], "truth": [1.31, 0.78], "note": ["derived: x & y", None]})
    html = str(people_table(frame, notes="note"))
    assert '<td title="derived: x &amp; y">a <sup class="note-mark">note</sup></td>' in html
    assert "<td>b</td>" in html and ">note<" not in html.split("</thead>")[0]


def test_years_are_written_without_a_thousands_separator():
    # Seen in the report's totals-vs-panel table: "2,014" for the collection year 2014.
    assert [column_kind(c) for c in ["year", "first_year", "referral_year", "n_years", "population_years"]] == [
        "year",
        "year",
        "year",
        "count",
        "count",
    ]
    table = format_frame(pd.DataFrame({"year": [2014, 2015], "first_year": [2014.0, np.nan], "episodes": [12345, 7]}))
    assert table["year"].tolist() == ["2014", "2015"]
    assert table["first_year"].tolist() == ["2014", "–"]
    assert table["episodes"].tolist() == ["12,345", "7"]


def test_parameter_tables_write_years_as_years():
    table = parameters_table({"synthetic": {"first_year": 2014, "las": ["E1", "E2"], "a": {"b": 1}}, "last_year": 2022})
    values = dict(zip(table["parameter"], table["value"]))
    assert values["synthetic › first_year"] == "2014"
    assert values["last_year"] == "2022"
