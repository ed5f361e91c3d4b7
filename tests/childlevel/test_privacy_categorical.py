"""An identifier inside a categorical (dictionary-encoded) parquet column is still found."""

import pandas as pd

from csc_inequalities.privacy import scan_files


def test_identifier_in_categorical_parquet_column_is_found(tmp_path):
    path = tmp_path / "table.parquet"
    pd.DataFrame({"la": pd.Categorical(["E06000017", "SYN00170000042"]), "n": [1, 2]}).to_parquet(path)
    result = scan_files([path], {"SYN00170000042"}, set())
    assert result["passed"] is False
    clean = tmp_path / "clean.parquet"
    pd.DataFrame({"la": pd.Categorical(["E06000017"]), "n": [1]}).to_parquet(clean)
    assert scan_files([clean], {"SYN00170000042"}, set())["passed"] is True
