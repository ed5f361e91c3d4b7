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
# Table columns of the report's time and memory appendix (report/tables/*.csv), from benchmark files.
RUN_TIME_COLUMN = re.compile(r"^(s|h:m:s)$|wall|cpu|rss|vms|uss|pss|io_in|io_out|load|seconds|runtime|mem")
# In the HTML report: when it was built, the commit, each provenance record's time and run time.
HTML_RUN_TIME = [
    re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\+00:00|Z)?"),
    re.compile(r"built \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC"),
    re.compile(r"\b[0-9a-f]{40}(-dirty)?\b"),
    re.compile(r", [\d.]+ s</summary>"),
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


def explain(relative: str, before: Path, after: Path, run_time_files: dict[str, set[str]] | None = None) -> dict:
    """Why two versions of one file differ: {"kind", "expected": bool, "reason", "details"}.

    run_time_files: {path: its two sha256} of the files already found to differ in run time only; a
    provenance record whose only other difference is such an input's checksum is then expected too,
    and so is a sha256 prefix of one of them in the HTML report."""
    run_time_files = run_time_files or {}
    suffix = before.suffix.lower()
    if relative.startswith(RUN_TIME_FOLDERS):
        return {"kind": "benchmark", "expected": True, "reason": "a job's wall time and memory (benchmark file)"}
    if suffix in (".json", ".yaml", ".yml"):
        load = json.loads if suffix == ".json" else yaml.safe_load
        before_doc, after_doc = load(before.read_text()), load(after.read_text())
        keys = json_differences(before_doc, after_doc)
        unexpected = [
            k for k in keys if not is_run_time_key(k) and not _run_time_input(k, before_doc, after_doc, run_time_files)
        ]
        return {
            "kind": suffix.lstrip("."),
            "expected": not unexpected,
            "reason": (
                "run-time fields only ("
                + ", ".join(
                    sorted(
                        {"sha256 of run-time-only inputs" if k.endswith("sha256") else k.split(".")[-1] for k in keys}
                    )
                )
                + ")"
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
        run_time = bool(columns) and all(RUN_TIME_COLUMN.search(str(c)) for c in columns)
        return {
            "kind": suffix.lstrip("."),
            "expected": run_time,
            "reason": (
                "run-time columns only (wall time, CPU time, memory of the jobs)"
                if run_time
                else f"table differs (shape {b.shape} vs {a.shape})"
            ),
            "details": [str(c) for c in columns][:20],
        }
    if suffix in (".html", ".txt", ".md", ".rst", ".log"):
        # one element per line: the report is a few long lines
        before_lines, after_lines = (p.read_text().replace("><", ">\n<").splitlines() for p in (before, after))
        prefixes = {sha[:16] for shas in run_time_files.values() for sha in shas}
        changed = [
            line[1:]
            for line in difflib.unified_diff(before_lines, after_lines, lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        removed, added = _split_changes(before_lines, after_lines, prefixes)
        same_after_masking = removed == added
        return {
            "kind": suffix.lstrip("."),
            "expected": same_after_masking,
            "reason": (
                f"{len(removed)} changed element(s), each only in build time, commit, run times or the "
                "checksums of run-time-only files"
                if same_after_masking
                else f"{len(removed)} changed element(s) differ beyond run-time fields"
            ),
            "details": [line[:300] for line in changed[:6]] if not same_after_masking else [],
        }
    return {"kind": suffix.lstrip(".") or "binary", "expected": False, "reason": "bytes differ"}


def _mask_html(line: str, prefixes: set[str]) -> str:
    for pattern in HTML_RUN_TIME:
        line = pattern.sub("<run-time>", line)
    return re.sub(r"\b[0-9a-f]{16}(?=…)", lambda m: "<run-time>" if m.group(0) in prefixes else m.group(0), line)


def _split_changes(before_lines: list[str], after_lines: list[str], prefixes: set[str]) -> tuple[list, list]:
    """The changed elements of each version, masked; in the appendix (the jobs' time and memory, after
    its heading) every number is masked."""
    result = []
    for lines in (before_lines, after_lines):
        other = after_lines if lines is before_lines else before_lines
        start = next(
            (i for i, line in enumerate(lines) if 'id="appendix"' in line or "<h2>Appendix" in line), len(lines)
        )
        counts: dict[str, int] = {}
        for line in other:
            counts[line] = counts.get(line, 0) + 1
        changed = []
        for i, line in enumerate(lines):
            if counts.get(line, 0):
                counts[line] -= 1
                continue
            masked = _mask_html(line, prefixes)
            if i > start:  # the appendix: the run's job-seconds, CPU-seconds, peak memory per job
                masked = re.sub(r"\d[\d,.]*", "<n>", masked)
            changed.append(masked)
        result.append(sorted(changed))
    return result[0], result[1]


def _run_time_input(key: str, before_doc, after_doc, run_time_files: dict[str, set[str]]) -> bool:
    """inputs.<i>.sha256 of a provenance record, where input i is a file that differs in run time only."""
    match = re.fullmatch(r"inputs\.(\d+)\.sha256", key)
    if not match or not isinstance(before_doc, dict) or not isinstance(after_doc, dict):
        return False
    i = int(match.group(1))
    try:
        path = before_doc["inputs"][i]["path"]
    except (KeyError, IndexError, TypeError):
        return False
    return after_doc["inputs"][i].get("path") == path and (path in run_time_files or path.startswith(RUN_TIME_FOLDERS))


def compare(before_dir: Path, after_dir: Path) -> dict:
    before, after = checksums(before_dir), checksums(after_dir)
    common = sorted(set(before) & set(after))
    identical = [p for p in common if before[p] == after[p]]
    # Explained again until nothing changes: a file whose inputs differ in run time only (the report's
    # provenance lists the checksums of the others' provenance) is known once those inputs are.
    run_time_files: dict[str, set[str]] = {}
    while True:
        differing = [
            {"path": p, **explain(p, before_dir / p, after_dir / p, run_time_files)}
            for p in common
            if before[p] != after[p]
        ]
        found = {d["path"]: {before[d["path"]], after[d["path"]]} for d in differing if d["expected"]}
        if found.keys() == run_time_files.keys():
            break
        run_time_files = found
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
