"""validation/compare_results_checksums.py: which differences between two runs are only run time."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("compare", ROOT / "validation" / "compare_results_checksums.py")
compare = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(compare)


def _write(run: Path, relative: str, text: str) -> None:
    path = run / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _provenance(created: str, seconds: float, estimate: float) -> str:
    commit = created[11:13] * 20  # the hour: another commit on another run
    return json.dumps({"created": created, "seconds": seconds, "git_commit": commit, "params": {"x": estimate}})


def test_only_run_time_fields_differ(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    for run, created, seconds in (
        (before, "2026-12-06T16:00:00+00:00", 1.5),
        (after, "2026-12-06T17:00:00+00:00", 2.0),
    ):
        _write(run, "results/a/provenance/a.json", _provenance(created, seconds, 0.25))
        _write(run, "results/a/table.csv", "la,rate\nE1,1.5\n")
        _write(run, "results/benchmarks/a/a.tsv", f"s\n{seconds}\n")
    result = compare.compare(before, after)
    assert (result["identical"], result["differing"], result["differing_outside_benchmarks"]) == (1, 2, 1)
    assert result["unexpected"] == [] and result["unchanged_behaviour"] is True
    provenance = next(f for f in result["files"] if f["path"] == "results/a/provenance/a.json")
    assert provenance["reason"] == "run-time fields only (created, git_commit, seconds)"


def test_a_changed_result_is_unexpected(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    _write(before, "results/a/provenance/a.json", _provenance("2026-12-06T16:00:00+00:00", 1.5, 0.25))
    _write(after, "results/a/provenance/a.json", _provenance("2026-12-06T17:00:00+00:00", 1.5, 0.5))
    pd.DataFrame({"la": ["E1"], "rate": [1.5]}).to_parquet(before / "results/a/t.parquet")
    (after / "results/a").mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"la": ["E1"], "rate": [1.25]}).to_parquet(after / "results/a/t.parquet")
    _write(after, "report/new.html", "<p>x</p>")
    result = compare.compare(before, after)
    assert result["unexpected"] == ["results/a/provenance/a.json", "results/a/t.parquet"]
    assert result["only_after"] == ["report/new.html"] and result["unchanged_behaviour"] is False
    details = {f["path"]: f["details"] for f in result["files"]}
    assert details == {"results/a/provenance/a.json": ["params.x"], "results/a/t.parquet": ["rate"]}


def test_a_record_listing_a_run_time_only_input_is_expected_but_not_a_changed_one(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    for run, hour, table in ((before, "16", "x\n1\n"), (after, "17", "x\n2\n")):
        record = _provenance(f"2026-12-06T{hour}:00:00+00:00", 1.0, 0.25)
        _write(run, "results/a/provenance/a.json", record)
        _write(run, "results/a/t.csv", table)
        inputs = [
            {"path": path, "sha256": compare.sha256(run / path)}
            for path in ("results/a/provenance/a.json", "results/a/t.csv")
        ]
        _write(run, "results/report/provenance/report.json", json.dumps({"created": hour, "inputs": inputs}))
    result = compare.compare(before, after)
    details = {f["path"]: f["details"] for f in result["files"]}
    assert result["unexpected"] == ["results/a/t.csv", "results/report/provenance/report.json"]
    assert details["results/report/provenance/report.json"] == ["inputs.1.sha256"]
