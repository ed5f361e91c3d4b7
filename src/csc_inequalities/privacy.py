"""Check that no raw child identifier or birth date from the inputs reached the shared outputs.

The identifiers are every LAchildID, UPN and FormerUPN of the CIN census returns, every CHILD and
UPN of the SSDA903 files and every LAchildID of the child -> LSOA tables; the birth dates are
PersonBirthDate/ExpectedPersonBirthDate and SSDA903 DOB (written YYYY-MM-DD or DD/MM/YYYY).
Every file under ``results/`` except the record-level folder, and under ``report/``, is scanned:
parquet files by their string values and column names, everything else as text.

* An identifier (of at least ``min_identifier_length`` characters: shorter ones cannot be told
  apart from ordinary numbers) anywhere in a file is a failure.
* Birth dates: any date appears in aggregate outputs (provenance timestamps, period ends) and with
  thousands of children nearly every date of a year is somebody's birthday, so a single date is
  not a finding. A file fails when it holds ``birth_date_threshold`` or more distinct input birth
  dates, i.e. looks like a list of children's birth dates. 31 March and 1 April (collection-year
  boundaries, present in many aggregate outputs) are not counted.
The result lists counts per file only; it never repeats an identifier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

TOKEN = re.compile(r"[A-Za-z0-9_\-]+")
# Collection-year boundaries appear in aggregate outputs of every run (period ends and starts);
# they are not counted as birth dates.
PERIOD_BOUNDARIES = ("-03-31", "-04-01")
DATE_TOKEN = re.compile(r"\b(?:\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4})\b")


def collect_identifiers(
    census_tables: Iterable[dict[str, pd.DataFrame]],
    ssda903: Iterable[pd.DataFrame | None],
    child_lsoa: Iterable[pd.DataFrame | None],
) -> tuple[set[str], set[str]]:
    """(identifiers, birth dates as YYYY-MM-DD) from raw record tables."""
    identifiers: set[str] = set()
    dates: set[str] = set()

    def add(values, target):
        target.update(str(v).strip() for v in pd.Series(values).dropna() if str(v).strip())

    for tables in census_tables:
        children = tables["children"]
        for column in ("LAchildID", "UPN", "FormerUPN"):
            add(children[column], identifiers)
        for column in ("PersonBirthDate", "ExpectedPersonBirthDate"):
            add(children[column], dates)
    for frame in ssda903:
        if frame is not None:
            add(frame["CHILD"], identifiers)
            add(frame["UPN"], identifiers)
            add(frame["DOB"], dates)
    for frame in child_lsoa:
        if frame is not None:
            add(frame["LAchildID"], identifiers)
    return identifiers, {_iso(d) for d in dates}


def _iso(date: str) -> str:
    match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", date)
    return f"{match.group(3)}-{match.group(2)}-{match.group(1)}" if match else date


def _file_text(path: Path) -> str:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        parts = list(table.column_names)
        import pyarrow as pa

        for column in table.columns:
            kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
            if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind):
                # Categorical columns too: an identifier can hide in a dictionary-encoded column.
                # Distinct values suffice to find an identifier and keep large tables cheap.
                import pyarrow.compute as pc

                values = column.cast(kind) if kind is not column.type else column
                parts.extend(str(v) for v in pc.unique(values).to_pylist() if v is not None)
            elif "date" in str(kind) or "timestamp" in str(kind):
                parts.extend(str(v)[:10] for v in column.to_pylist() if v is not None)
        return "\n".join(parts)
    return path.read_bytes().decode("utf-8", errors="replace")


def scan_files(
    paths: Iterable[str | Path],
    identifiers: set[str],
    birth_dates: set[str],
    min_identifier_length: int = 6,
    birth_date_threshold: int = 10,
) -> dict:
    """Scan files; returns {'files_scanned', 'identifier_hits', 'birth_date_hits', 'failed_files', 'passed'}."""
    identifiers = {i for i in identifiers if len(i) >= min_identifier_length}
    simple = {i for i in identifiers if TOKEN.fullmatch(i)}
    complex_ids = identifiers - simple
    result = {
        "files_scanned": 0,
        "identifiers_checked": len(identifiers),
        "birth_dates_checked": len(birth_dates),
        "files": [],
    }
    for path in paths:
        path = Path(path)
        text = _file_text(path)
        result["files_scanned"] += 1
        tokens = set(TOKEN.findall(text))
        id_hits = len(tokens & simple) + sum(1 for i in complex_ids if i in text)
        dates = {_iso(d) for d in DATE_TOKEN.findall(text)}
        date_hits = len({d for d in dates & birth_dates if not d.endswith(PERIOD_BOUNDARIES)})
        failed = id_hits > 0 or date_hits >= birth_date_threshold
        if failed or id_hits or date_hits:
            result["files"].append(
                {
                    "file": str(path),
                    "identifiers_found": id_hits,
                    "distinct_birth_dates_found": date_hits,
                    "failed": failed,
                }
            )
    result["failed_files"] = [f["file"] for f in result["files"] if f["failed"]]
    result["passed"] = not result["failed_files"]
    return result


def files_to_scan(
    results_dir: str | Path = "results",
    report_dir: str | Path = "report",
    exclude: Iterable[str | Path] = ("results/record_level", "results/privacy"),
) -> list[Path]:
    excluded = [Path(e).resolve() for e in exclude]
    paths = []
    for root in (Path(results_dir), Path(report_dir)):
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not any(path.resolve().is_relative_to(e) for e in excluded):
                paths.append(path)
    return paths


class PrivacyCheckFailed(RuntimeError):
    """A shared output holds raw child identifiers or birth dates."""


def run_privacy_check(
    identifier_files: Iterable[str | Path],
    results_dir: str | Path,
    report_dir: str | Path,
    exclude: Iterable[str | Path],
    output_path: str | Path,
    details_path: str | Path | None = None,
    min_identifier_length: int = 6,
    birth_date_threshold: int = 10,
    log=None,
) -> dict:
    """Scan the shared outputs against the identifier lists the LA rules wrote (local only).

    Writes ``output_path`` (counts only) and raises :class:`PrivacyCheckFailed` on a failure, so
    the workflow stops; the list of failing files is also in ``details_path`` (local).
    """
    import json

    exclude = list(exclude)
    identifiers: set[str] = set()
    birth_dates: set[str] = set()
    for path in identifier_files:
        record = json.loads(Path(path).read_text())
        identifiers.update(record["identifiers"])
        birth_dates.update(record["birth_dates"])
    paths = [
        p for p in files_to_scan(results_dir, report_dir, exclude) if Path(p).resolve() != Path(output_path).resolve()
    ]
    result = scan_files(paths, identifiers, birth_dates, min_identifier_length, birth_date_threshold)
    summary = {
        "passed": result["passed"],
        "files_scanned": result["files_scanned"],
        "identifiers_checked": result["identifiers_checked"],
        "birth_dates_checked": result["birth_dates_checked"],
        "failed_files": result["failed_files"],
        "files_with_hits": result["files"],
        "excluded": [str(e) for e in exclude],
        "rules": {"min_identifier_length": min_identifier_length, "birth_date_threshold": birth_date_threshold},
    }
    Path(output_path).parent.mkdir(parents=True, exist_ok=True)
    Path(output_path).write_text(json.dumps(summary, indent=2))
    if details_path:
        Path(details_path).parent.mkdir(parents=True, exist_ok=True)
        Path(details_path).write_text(json.dumps(summary, indent=2))
    if log is not None:
        log.info("privacy check: %d files scanned, %d failed", result["files_scanned"], len(result["failed_files"]))
    if not result["passed"]:
        raise PrivacyCheckFailed(
            "raw child identifiers or birth dates found in shared outputs: " + ", ".join(result["failed_files"])
        )
    return summary
