"""Columnar helpers for national-scale tables: row-binding parquet files without a pandas copy."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm


def concat_parquet(inputs: list[str], output: str, desc: str = "row-binding") -> int:
    """Row-bind parquet files into one, one input in memory at a time; returns the row count.
    Column types are unified first (e.g. an LA with no child protection plan has an all-null
    category column)."""
    schema = pa.unify_schemas([pq.read_schema(path) for path in inputs], promote_options="permissive")
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with pq.ParquetWriter(output, schema) as writer:
        for path in tqdm(inputs, desc=desc, unit="file", mininterval=5):
            table = pq.read_table(path)
            # Missing columns (possible only in a type-promoted schema) are added as nulls.
            for field in schema:
                if field.name not in table.column_names:
                    table = table.append_column(field, pa.nulls(table.num_rows, field.type))
            writer.write_table(table.select(schema.names).cast(schema))
            rows += table.num_rows
    return rows
