"""LA code harmonisation on the known changed and clashing codes."""

from __future__ import annotations

import pandas as pd
import pytest

from csc_inequalities.national.codes import (
    CodeError,
    assign_la_codes,
    harmonise_new_code,
    is_aggregate_row,
    normalise_old_code,
)

REFERENCE = pd.DataFrame(
    {
        "la_code": ["E06000046", "E06000057", "E08000037", "E09000001", "E06000053", "E09000007"],
        "la_code_old": ["921", "929", "390", "201", "420", "202"],
        "la_name": ["Isle of Wight", "Northumberland", "Gateshead", "City of London", "Isles of Scilly", "Camden"],
    }
)


def test_england_and_isle_of_wight_share_921_in_2010_files():
    # 2009-10 .. 2011-12 CIN files: England and the Isle of Wight are both coded 921.
    raw = pd.DataFrame(
        {
            "geog_l": ["National", "LA", "LA"],
            "geog_c": ["921", "921", "202"],
            "geog_n": ["England", "Isle of Wight", "Camden"],
            "Referrals0910": ["603,700", "865", "2,457"],
        }
    )
    rows = assign_la_codes(raw, REFERENCE, old_code="geog_c", level="geog_l", name="geog_n")
    assert rows["la_code"].tolist() == ["E06000046", "E09000007"]
    assert rows.loc[rows["la_code"] == "E06000046", "Referrals0910"].item() == "865"


def test_national_row_carrying_e06000046_is_dropped_not_merged():
    # 2012-13 .. 2016-17 files: the National row has no 3-digit code and the Isle of Wight's ONS code.
    raw = pd.DataFrame(
        {
            "geog_l": ["National", "LA"],
            "geog_c": ["", "921"],
            "new_la_code": ["E06000046", "E06000046"],
            "geog_n": ["England", "Isle of Wight"],
            "v": ["646120", "2613"],
        }
    )
    rows = assign_la_codes(raw, REFERENCE, old_code="geog_c", new_code="new_la_code", level="geog_l", name="geog_n")
    assert rows[["la_code", "v"]].values.tolist() == [["E06000046", "2613"]]


def test_national_row_without_level_is_recognised_by_name():
    assert is_aggregate_row(None, "England")
    assert is_aggregate_row("NATIONAL", "ENGLAND")
    assert is_aggregate_row("REGION", "NORTH EAST")
    assert not is_aggregate_row("LA", "Isle of Wight")


def test_northumberland_and_gateshead_2013_code_changes():
    assert harmonise_new_code("E06000048") == "E06000057"
    assert harmonise_new_code("E08000020") == "E08000037"
    assert harmonise_new_code("e09000007 ") == "E09000007"
    # Pre-2013 ONS codes without a 3-digit code still land on the 2013 LA.
    raw = pd.DataFrame(
        {"code": ["E06000048", "E08000020"], "name": ["Northumberland", "Gateshead"], "level": ["LA", "LA"]}
    )
    rows = assign_la_codes(raw, REFERENCE, new_code="code", level="level", name="name")
    assert rows["la_code"].tolist() == ["E06000057", "E08000037"]


def test_three_digit_code_wins_over_a_stale_ons_code():
    # The 2016-17 CIN file still gives Northumberland E06000048 beside 929.
    raw = pd.DataFrame(
        {"geog_l": ["LA"], "geog_c": ["929"], "new_la_code": ["E06000048"], "geog_n": ["Northumberland"]}
    )
    rows = assign_la_codes(raw, REFERENCE, old_code="geog_c", new_code="new_la_code", level="geog_l", name="geog_n")
    assert rows["la_code"].tolist() == ["E06000057"]


def test_successor_authorities_are_left_out_and_unknown_rows_fail():
    raw = pd.DataFrame(
        {
            "level": ["Local authority"] * 3,
            "old": ["839", "941", "202"],
            "new": ["E06000058", "E06000062", "E09000007"],
            "name": ["BCP", "West Northamptonshire", "Camden"],
        }
    )
    rows = assign_la_codes(raw, REFERENCE, old_code="old", new_code="new", level="level", name="name")
    assert rows["la_code"].tolist() == ["E09000007"]
    bad = pd.DataFrame({"level": ["LA"], "old": ["999"], "new": ["E99999999"], "name": ["Nowhere"]})
    with pytest.raises(CodeError, match=r"f\.csv: cannot place LA row 'Nowhere' \(3-digit '999', ONS 'E99999999'\)"):
        assign_la_codes(bad, REFERENCE, old_code="old", new_code="new", level="level", name="name", source="f.csv")


def test_two_rows_for_one_la_fail():
    raw = pd.DataFrame(
        {
            "level": ["LA", "LA"],
            "old": ["929", None],
            "new": [None, "E06000048"],
            "name": ["Northumberland", "Northumberland (old code)"],
        }
    )
    with pytest.raises(CodeError, match="more than one row for LA E06000057"):
        assign_la_codes(raw, REFERENCE, old_code="old", new_code="new", level="level", name="name")


@pytest.mark.parametrize(
    "value,expected",
    [("921", "921"), (921, "921"), (921.0, "921"), (" 202 ", "202"), ("A", None), ("", None), (None, None)],
)
def test_normalise_old_code(value, expected):
    assert normalise_old_code(value) == expected
