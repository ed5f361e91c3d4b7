"""Suppression markers, thousands separators and the raw-file checksum check."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from csc_inequalities.national.sources import (
    RawFileError,
    parse_number,
    read_raw_csv,
    to_numeric,
    verify_manifest,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("2,457", 2457.0),
        ("11,012,300", 11012300.0),
        ("548.2", 548.2),
        ("0", 0.0),
        (" 17 ", 17.0),
        ("-12", -12.0),
        ("15.8%", 15.8),
        (42, 42.0),
        (3.5, 3.5),
    ],
)
def test_numbers_and_thousands_separators(cell, expected):
    assert parse_number(cell) == expected


@pytest.mark.parametrize("cell", ["x", "X", "..", ".", "-", ":", "c", "z", "", "  ", "P", "A", "low", None])
def test_suppression_markers_are_missing_never_zero(cell):
    assert math.isnan(parse_number(cell))


def test_to_numeric_on_a_raw_column():
    column = pd.Series(["1,678", "x", "..", "865", ""])
    out = to_numeric(column)
    assert out.iloc[0] == 1678.0 and out.iloc[3] == 865.0
    assert out.isna().tolist() == [False, True, True, False, True]


def test_read_raw_csv_keeps_markers_as_text_and_drops_trailing_empty_columns(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('geog_c,v1,v2,,,\n921,"2,457",x,,,\n', encoding="utf-8")
    frame = read_raw_csv(path)
    assert frame.columns.tolist() == ["geog_c", "v1", "v2"]
    assert frame.iloc[0].tolist() == ["921", "2,457", "x"]


def _copy_with_manifest(tmp_path: Path) -> tuple[Path, Path, str]:
    base = tmp_path / "national"
    (base / "raw" / "a").mkdir(parents=True)
    data = base / "raw" / "a" / "data.csv"
    data.write_text("x,y\n1,2\n")
    other = base / "raw" / "b.csv"
    other.write_text("z\n3\n")
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    manifest = base / "manifest.sha256"
    manifest.write_text(f"{digest}  raw/a/data.csv\n{hashlib.sha256(other.read_bytes()).hexdigest()}  raw/b.csv\n")
    return manifest, data, digest


def test_manifest_passes_on_intact_files(tmp_path):
    manifest, _, digest = _copy_with_manifest(tmp_path)
    assert verify_manifest(manifest)["raw/a/data.csv"] == digest


def test_missing_raw_file_names_file_and_expected_checksum(tmp_path):
    manifest, data, digest = _copy_with_manifest(tmp_path)
    data.unlink()
    with pytest.raises(RawFileError) as error:
        verify_manifest(manifest)
    assert str(error.value) == f"raw file {data} is missing (expected sha256 {digest})"


def test_altered_raw_file_names_file_and_expected_checksum(tmp_path):
    manifest, data, digest = _copy_with_manifest(tmp_path)
    data.write_text("x,y\n1,3\n")
    actual = hashlib.sha256(data.read_bytes()).hexdigest()
    with pytest.raises(RawFileError) as error:
        verify_manifest(manifest)
    assert str(error.value) == (f"raw file {data} has been altered: sha256 {actual}, expected sha256 {digest}")


def test_shipped_manifest_matches_the_shipped_files():
    entries = verify_manifest(ROOT / "resources" / "national" / "manifest.sha256")
    assert len(entries) >= 40
    assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d in entries.values())


def test_every_file_the_panel_reads_is_in_the_manifest():
    from csc_inequalities.national.panel import raw_files
    from csc_inequalities.national.sources import read_manifest

    listed = set(read_manifest(ROOT / "resources" / "national" / "manifest.sha256"))
    assert {f"raw/{f}" for f in raw_files()} <= listed
