"""Behaviour unchanged (issue 16, Must show): the results of two default runs, file by file.

Compares two copies of a run's output folders (``results/`` and ``report/``, e.g. one run on the code
before a refactor and one after) by SHA-256, and for every file that differs says why: which JSON keys,
which table columns, which lines. A difference is *expected* only when it lies in run-time fields: the
time a record was written (``created``), how long a job took (``seconds``, benchmark files, the
report's time and memory appendix) and the commit of the code that ran (``git_commit``). Any other
difference is listed as unexpected, and the script exits 1. Writes
``validation/results/refactor_checksums.json``.

    .venv/bin/python validation/compare_results_checksums.py BEFORE_DIR AFTER_DIR \\
        --label-before e1c974f --label-after <commit>

BEFORE_DIR and AFTER_DIR each hold ``results/`` (and ``report/``) of one run.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import sys
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "validation/results/refactor_checksums.json"
FOLDERS = ("results", "report")
# Files a run writes that are not results: the benchmark files (wall time, memory) of every job.
RUN_TIME_FOLDERS = ("results/benchmarks/",)
# JSON keys that record when and how long a job ran, and the commit of the code that ran.
RUN_TIME_KEYS = {"created", "seconds", "git_commit"}
# In the HTML report: ISO timestamps, commit hashes, and the appendix's per-job time and memory rows.
HTML_RUN_TIME = [
    re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\+00:00|Z)?"),
    re.compile(r"\b[0-9a-f]{40}\b"),
    re.compile(r"\b[0-9a-f]{7,12}\b"),
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checksums(run_dir: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under the run's results/ and report/ folders."""
    files = {}
    for folder in FOLDERS:
        base = run_dir / folder
        if base.is_dir():
            for path in sorted(p for p in base.rglob("*") if p.is_file()):
                files[path.relative_to(run_dir).as_posix()] = sha256(path)
    return files


def json_differences(before, after, prefix: str = "") -> list[str]:
    """Dotted key paths at which two parsed JSON/YAML documents differ."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after), key=str)
        return [d for k in keys for d in json_differences(before.get(k), after.get(k), f"{prefix}{k}.")]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [d for i, (b, a) in enumerate(zip(before, after)) for d in json_differences(b, a, f"{prefix}{i}.")]
    return [] if before == after else [prefix.rstrip(".")]


def is_run_time_key(key_path: str) -> bool:
    return any(part in RUN_TIME_KEYS for part in key_path.split("."))


def explain(relative: str, before: Path, after: Path) -> dict:
    """Why two versions of one file differ: {"kind", "expected": bool, "reason", "details"}."""
    suffix = before.suffix.lower()
    if relative.startswith(RUN_TIME_FOLDERS):
        return {"kind": "benchmark", "expected": True, "reason": "a job's wall time and memory (benchmark file)"}
    if suffix in (".json", ".yaml", ".yml"):
        load = json.loads if suffix == ".json" else yaml.safe_load
        keys = json_differences(load(before.read_text()), load(after.read_text()))
        unexpected = [k for k in keys if not is_run_time_key(k)]
        return {
            "kind": suffix.lstrip("."),
            "expected": not unexpected,
            "reason": (
                "run-time fields only (" + ", ".join(sorted({k.split(".")[-1] for k in keys})) + ")"
                if not unexpected
                else f"{len(unexpected)} result field(s) differ"
            ),
            "details": unexpected[:20] or sorted(set(keys))[:20],
        }
    if suffix in (".csv", ".tsv", ".parquet"):
        read = (
            pd.read_parquet
            if suffix == ".parquet"
            else (lambda p: pd.read_csv(p, sep="\t" if suffix == ".tsv" else ","))
        )
        b, a = read(before), read(after)
        if b.shape == a.shape and list(b.columns) == list(a.columns) and b.equals(a):
            return {"kind": suffix.lstrip("."), "expected": True, "reason": "same table, file metadata differs"}
        columns = [c for c in b.columns if c not in a.columns or not b[c].equals(a[c])] if b.shape == a.shape else []
        return {
            "kind": suffix.lstrip("."),
            "expected": False,
            "reason": f"table differs (shape {b.shape} vs {a.shape})",
            "details": [str(c) for c in columns][:20],
        }
    if suffix in (".html", ".txt", ".md", ".rst", ".log"):
        before_lines, after_lines = before.read_text().splitlines(), after.read_text().splitlines()
        changed = [
            line[1:]
            for line in difflib.unified_diff(before_lines, after_lines, lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        masked = [_mask_html(line) for line in changed]
        removed = sorted(m for m, line in zip(masked, changed) if line in before_lines)
        added = sorted(m for m, line in zip(masked, changed) if line in after_lines)
        same_after_masking = removed == added
        return {
            "kind": suffix.lstrip("."),
            "expected": same_after_masking,
            "reason": (
                f"{len(changed) // 2} changed line(s), each only in timestamps, commit hashes or run times"
                if same_after_masking
                else f"{len(changed)} changed line(s) differ beyond timestamps and commit hashes"
            ),
            "details": changed[:10],
        }
    return {"kind": suffix.lstrip(".") or "binary", "expected": False, "reason": "bytes differ"}


def _mask_html(line: str) -> str:
    for pattern in HTML_RUN_TIME:
        line = pattern.sub("<run-time>", line)
    # the appendix's time and memory cells: seconds and MB of this run's jobs
    return re.sub(r"<td[^>]*>\s*[\d.,]+\s*</td>", "<td><run-time></td>", line)


def compare(before_dir: Path, after_dir: Path) -> dict:
    before, after = checksums(before_dir), checksums(after_dir)
    common = sorted(set(before) & set(after))
    identical = [p for p in common if before[p] == after[p]]
    differing = []
    for relative in common:
        if before[relative] != after[relative]:
            differing.append({"path": relative, **explain(relative, before_dir / relative, after_dir / relative)})
    only_before, only_after = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    unexpected = [d["path"] for d in differing if not d["expected"]]
    return {
        "files_before": len(before),
        "files_after": len(after),
        "identical": len(identical),
        "differing": len(differing),
        "differing_outside_benchmarks": sum(not d["path"].startswith(RUN_TIME_FOLDERS) for d in differing),
        "unexpected": unexpected,
        "only_before": only_before,
        "only_after": only_after,
        "unchanged_behaviour": not unexpected and not only_before and not only_after,
        "files": differing,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--label-before", default="before")
    parser.add_argument("--label-after", default="after")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    result = {"before": args.label_before, "after": args.label_after, **compare(args.before, args.after)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"{result['identical']} identical, {result['differing']} differing "
        f"({result['differing_outside_benchmarks']} outside benchmarks), unexpected: {len(result['unexpected'])}, "
        f"only before: {len(result['only_before'])}, only after: {len(result['only_after'])}"
    )
    return 0 if result["unchanged_behaviour"] else 1


if __name__ == "__main__":
    sys.exit(main())
