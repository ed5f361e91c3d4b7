"""Row-binding parquet files: rows in input order, null-only columns promoted to the other files' type."""

import pandas as pd

from csc_inequalities.columnar import concat_parquet


def test_concat_parquet_binds_rows_in_order_and_unifies_an_all_null_column(tmp_path):
    a = pd.DataFrame({"la_code": ["E1", "E1"], "n": [1, 2], "category": ["Neglect", None]})
    b = pd.DataFrame({"la_code": ["E2"], "n": [3], "category": [None]})  # all null: parquet type null
    a.to_parquet(tmp_path / "a.parquet", index=False)
    b.to_parquet(tmp_path / "b.parquet", index=False)
    rows = concat_parquet(
        [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")], str(tmp_path / "out" / "all.parquet")
    )
    out = pd.read_parquet(tmp_path / "out" / "all.parquet")
    assert rows == 3
    assert out["la_code"].tolist() == ["E1", "E1", "E2"] and out["n"].tolist() == [1, 2, 3]
    assert out["category"].iloc[0] == "Neglect" and out["category"].iloc[1:].isna().all()
