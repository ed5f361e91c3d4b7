"""Disclosure control: primary and secondary suppression worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csc_inequalities import disclosure


def test_primary_suppresses_one_to_nine_and_keeps_zeros_by_default():
    counts = np.array([0, 1, 9, 10, 250])
    assert disclosure.primary_mask(counts).tolist() == [False, True, True, False, False]
    assert disclosure.primary_mask(counts, suppress_zeros=True).tolist() == [True, True, True, False, False]
    assert disclosure.primary_mask(counts, min_cell=5).tolist() == [False, True, False, False, False]


def test_secondary_suppression_by_hand():
    table = pd.DataFrame([[20, 3, 40], [15, 25, 30], [50, 60, 70]], columns=list("abc"))
    masked, mask = disclosure.suppress_table(table)
    # 3 is primary; row 0 needs a second cell -> 20 (smallest); column a then needs one -> 15;
    # column b has 3 -> needs one more -> 25 (row 1, which then has two). Row 2 untouched.
    assert mask.to_numpy().tolist() == [[True, True, False], [True, True, False], [False, False, False]]
    assert masked.loc[2].tolist() == [50.0, 60.0, 70.0]
    # no row or column has exactly one suppressed cell
    assert not (mask.sum(axis=1) == 1).any() and not (mask.sum(axis=0) == 1).any()


def test_secondary_in_a_single_column_with_a_total():
    values = np.array([100, 4, 50, 30])
    mask = disclosure.secondary_mask(values, disclosure.primary_mask(values))
    assert mask.tolist() == [False, True, False, True]


def test_zeros_do_not_count_as_protection():
    values = np.array([[0, 5, 0]])
    mask = disclosure.secondary_mask(values, disclosure.primary_mask(values))
    # the rest of the row is zeros: the total equals the suppressed cell whatever is done
    assert mask.tolist() == [[False, True, False]]


def test_suppress_long_with_groups_and_derived_values():
    frame = pd.DataFrame(
        {
            "la_code": ["A"] * 4 + ["B"] * 4,
            "year": [2016, 2016, 2017, 2017] * 2,
            "sex": ["m", "f"] * 4,
            "n": [12, 5, 30, 40, 100, 200, 300, 400],
        }
    )
    out = disclosure.suppress_long(frame, "n", row_keys=["year"], column_key="sex", group_keys=["la_code"])
    # LA A is a 2x2 table with one small cell (5): its row needs 12, its column 40, and then
    # the other column needs 30 -- a 2x2 table with one small cell is suppressed entirely.
    assert out.loc[out["la_code"] == "A", "suppressed"].tolist() == [True, True, True, True]
    assert out.loc[out["la_code"] == "B", "suppressed"].tolist() == [False] * 4
    out["rate"] = out["n"] / 1000
    masked = disclosure.mask_derived(out, ["rate"])
    assert masked["rate"].isna().tolist() == [True] * 4 + [False] * 4
    with pytest.raises(ValueError, match="below 10"):
        disclosure.assert_no_small_cells(frame, ["n"])
    disclosure.assert_no_small_cells(out, ["n"])
