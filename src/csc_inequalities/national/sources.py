"""The shipped raw public files of the national panel: checksums and cell parsing.

Every raw file under ``resources/national/raw/`` is listed with its sha256 in
``resources/national/manifest.sha256`` (``<sha256>  <path relative to resources/national>``).
The panel rule checks them before it reads anything, so a missing or altered file stops the run
with a message naming the file and the checksum it should have.

DfE underlying-data files write suppressed or unavailable cells as ``x``, ``..``, ``.``, ``-``,
``:``, ``c``, ``z``, ``low``, ``u`` etc. and counts with thousands separators (``"2,457"``); some
flags (``P`` provisional, ``A`` ...) sit in numeric columns. All of these become NaN here: missing
stays missing, never zero.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

MANIFEST_NAME = "manifest.sha256"


class RawFileError(RuntimeError):
    """A shipped raw file is missing or differs from its manifest checksum."""


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(manifest: str | Path) -> dict[str, str]:
    """Relative path -> expected sha256, from a ``sha256sum``-style manifest."""
    entries: dict[str, str] = {}
    for line in Path(manifest).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        digest, _, name = line.partition("  ")
        if not name or len(digest) != 64:
            raise RawFileError(f"malformed line in {manifest}: {line!r}")
        entries[name.strip()] = digest.lower()
    return entries


def verify_manifest(manifest: str | Path, base_dir: str | Path | None = None) -> dict[str, str]:
    """Check every file of the manifest; raise RawFileError naming each missing/altered file.

    Paths in the manifest are relative to ``base_dir`` (default: the manifest's folder).
    Returns the manifest entries when all files match.
    """
    manifest = Path(manifest)
    base = Path(base_dir) if base_dir is not None else manifest.parent
    entries = read_manifest(manifest)
    problems = []
    for name, expected in entries.items():
        path = base / name
        if not path.is_file():
            problems.append(f"raw file {path} is missing (expected sha256 {expected})")
            continue
        actual = sha256_of(path)
        if actual != expected:
            problems.append(f"raw file {path} has been altered: sha256 {actual}, expected sha256 {expected}")
    if problems:
        raise RawFileError("; ".join(problems))
    return entries


# Cells that mean "no value" in DfE/ONS/LAIT files (compared after stripping, case-insensitive).
SUPPRESSION_MARKERS = frozenset(
    {
        "",
        "x",
        "..",
        ".",
        "-",
        ":",
        "c",
        "z",
        "u",
        "low",
        "n/a",
        "na",
        "nan",
        "*",
        "~",
        "p",
        "a",
        "w",
        "k",
        "!",
        "#",
        "null",
        "none",
        "—",
        "–",
    }
)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(value) -> float:
    """One cell -> float; suppression markers, flags and blanks -> NaN; '2,457' -> 2457.0."""
    if value is None:
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace("\u00a0", "")
    if text.lower() in SUPPRESSION_MARKERS:
        return np.nan
    text = text.replace(",", "")
    if text.endswith("%"):
        text = text[:-1]
    if _NUMBER.match(text):
        return float(text)
    return np.nan


def to_numeric(series: pd.Series) -> pd.Series:
    """A column of raw cells -> float column (see parse_number)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    return series.map(parse_number).astype(float)


def read_raw_csv(path: str | Path) -> pd.DataFrame:
    """Read a raw CSV as strings (encodings vary between releases; BOMs are dropped)."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            frame = pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False)
            break
        except UnicodeDecodeError:
            continue
    frame.columns = [str(c).strip() for c in frame.columns]
    # Trailing empty columns (",,,") in some releases.
    frame = frame.loc[:, [c for c in frame.columns if c and not c.startswith("Unnamed:")]]
    return frame
