"""Statistical disclosure control for aggregates derived from child-level records.

Primary suppression: every count below ``min_cell`` (default 10) is suppressed; a zero is a
true zero and is kept unless ``suppress_zeros`` is set (a zero reveals no child's record, and
suppressing zeros hides the structure of sparse tables).

Secondary suppression (2-D tables whose row and/or column totals are published, or derivable):
a suppressed cell that is the only suppressed cell of its row (or column) can be recovered by
subtraction from the total, so the smallest remaining unsuppressed non-zero cell of that row
(column) is suppressed as well; this repeats until every row and column with a suppressed cell
has at least two (or none). Totals below ``min_cell`` are themselves suppressed. This is the
usual "at least two suppressed cells per line" rule (e.g. ONS/DfE practice); it protects against
differencing within one table, not against linking across tables.

Derived values (rates, percentages, odds ratios) must be masked where any count they use is
suppressed: :func:`mask_derived`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

DEFAULT_MIN_CELL = 10


def primary_mask(counts: np.ndarray, min_cell: int = DEFAULT_MIN_CELL, suppress_zeros: bool = False) -> np.ndarray:
    counts = np.asarray(counts, dtype=float)
    small = counts < min_cell
    if not suppress_zeros:
        small &= counts != 0
    return small & ~np.isnan(counts)


def secondary_mask(counts: np.ndarray, mask: np.ndarray, rows: bool = True, columns: bool = True) -> np.ndarray:
    """Extend ``mask`` so that no row (column) has exactly one suppressed cell."""
    counts = np.asarray(counts, dtype=float)
    mask = np.array(mask, dtype=bool, copy=True)
    if counts.ndim == 1:
        counts, mask = counts[None, :], mask[None, :]
        columns, squeeze = False, True
    else:
        squeeze = False
    changed = True
    while changed:
        changed = False
        for axis, active in ((1, rows), (0, columns)):
            if not active:
                continue
            n_suppressed = mask.sum(axis=axis)
            for line in np.flatnonzero(n_suppressed == 1):
                values = counts[line, :] if axis == 1 else counts[:, line]
                line_mask = mask[line, :] if axis == 1 else mask[:, line]
                candidates = np.where(~line_mask & (values > 0) & ~np.isnan(values), values, np.inf)
                if np.isinf(candidates).all():
                    continue  # the rest are zeros: the total equals the suppressed cell anyway
                target = int(np.argmin(candidates))
                if axis == 1:
                    mask[line, target] = True
                else:
                    mask[target, line] = True
                changed = True
    return mask[0] if squeeze else mask


def suppress_table(
    counts: pd.DataFrame,
    min_cell: int = DEFAULT_MIN_CELL,
    row_totals: bool = True,
    column_totals: bool = True,
    suppress_zeros: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Suppress a wide table of counts; returns (counts with NaN where suppressed, mask)."""
    values = counts.to_numpy(dtype=float)
    mask = primary_mask(values, min_cell, suppress_zeros)
    mask = secondary_mask(values, mask, rows=row_totals, columns=column_totals)
    masked = pd.DataFrame(np.where(mask, np.nan, values), index=counts.index, columns=counts.columns)
    return masked, pd.DataFrame(mask, index=counts.index, columns=counts.columns)


def suppress_long(
    frame: pd.DataFrame,
    count: str,
    row_keys: Sequence[str],
    column_key: str | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    suppress_zeros: bool = False,
    secondary: bool = True,
    group_keys: Sequence[str] = (),
) -> pd.DataFrame:
    """Suppress a long table of counts: within each ``group_keys`` group, the cells form a table
    of ``row_keys`` × ``column_key`` (or a single column) whose totals are taken as published.

    Adds a bool column ``suppressed`` and sets ``count`` to NaN where suppressed.
    """
    out = frame.copy()
    out["suppressed"] = False
    if group_keys:
        groups = [index for _, index in out.groupby(list(group_keys), sort=False, dropna=False).indices.items()]
        groups = [out.index[positions] for positions in groups]
    else:
        groups = [out.index]
    for index in groups:
        part = out.loc[index]
        if column_key is None:
            values = part[count].to_numpy(dtype=float)
            mask = primary_mask(values, min_cell, suppress_zeros)
            if secondary:
                mask = secondary_mask(values, mask)
            out.loc[index, "suppressed"] = mask
            continue
        wide = part.pivot_table(
            index=list(row_keys), columns=column_key, values=count, aggfunc="sum", dropna=False, observed=True
        )
        _, wide_mask = suppress_table(
            wide, min_cell, row_totals=secondary, column_totals=secondary, suppress_zeros=suppress_zeros
        )
        long_mask = wide_mask.stack(future_stack=True).rename("_mask").reset_index()
        merged = (
            part[list(row_keys) + [column_key]]
            .reset_index()
            .merge(long_mask, on=list(row_keys) + [column_key], how="left")
            .set_index("index")
        )
        out.loc[merged.index, "suppressed"] = merged["_mask"].fillna(False).astype(bool)
    out["suppressed"] = out["suppressed"].astype(bool)
    out[count] = out[count].astype(float).where(~out["suppressed"])
    return out


def mask_derived(frame: pd.DataFrame, derived: Iterable[str], suppressed: str = "suppressed") -> pd.DataFrame:
    """Blank derived columns (rates, shares, ratios) on rows whose count is suppressed."""
    out = frame.copy()
    for column in derived:
        out[column] = out[column].astype(float).where(~out[suppressed])
    return out


def assert_no_small_cells(
    frame: pd.DataFrame, counts: Iterable[str], min_cell: int = DEFAULT_MIN_CELL, suppress_zeros: bool = False
) -> None:
    """Raise if a published table still holds a count below ``min_cell`` (a guard for writers)."""
    for column in counts:
        values = frame[column].to_numpy(dtype=float)
        bad = primary_mask(values, min_cell, suppress_zeros)
        if bad.any():
            raise ValueError(f"column {column}: {int(bad.sum())} count(s) below {min_cell} not suppressed")
