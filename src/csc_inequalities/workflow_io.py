"""Helpers shared by the thin workflow scripts: logging to the rule's log file and provenance.

Every rule writes a small provenance JSON next to its outputs (rule, script, inputs with sha256,
parameters, package versions, git commit); the report reads these and prints them beside each
figure and table, so nothing in the report is detached from the code and data that made it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import importlib.metadata
import json
import logging
import platform
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from csc_inequalities.errors import StopRun

REPORTED_PACKAGES = (
    "snakemake",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "scikit-learn",
    "stepmix",
    "rpy2",
    "matplotlib",
    "seaborn",
    "jinja2",
    "pyarrow",
    "networkx",
    "pandera",
    "lxml",
)


def sha256_of(path: str | Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_versions(names: Iterable[str] = REPORTED_PACKAGES) -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def git_commit(repo_dir: str | Path = ".") -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo_dir, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo_dir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _flatten_files(files: Any) -> list[str]:
    if files is None:
        return []
    if isinstance(files, (str, Path)):
        return [str(files)]
    out: list[str] = []
    for item in files:
        out.extend(_flatten_files(item))
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Path):
        return str(value)
    return str(value)


def provenance_record(
    rule: str,
    script: str | None,
    inputs: dict[str, Any],
    params: dict[str, Any],
    outputs: dict[str, Any],
    started: float | None = None,
    hash_inputs: bool = True,
    hashes: dict[str, str] | None = None,
    seconds: float | None = None,
) -> dict[str, Any]:
    """``hashes`` caches input checksums across the records of one job (a batch job writes one
    record per member); ``seconds`` gives the time directly instead of since ``started``."""
    input_files = []
    for name, files in inputs.items():
        for path in _flatten_files(files):
            entry = {"name": name, "path": path}
            if hash_inputs and Path(path).is_file():
                if hashes is None:
                    entry["sha256"] = sha256_of(path)
                else:
                    if path not in hashes:
                        hashes[path] = sha256_of(path)
                    entry["sha256"] = hashes[path]
            input_files.append(entry)
    record = {
        "rule": rule,
        "script": script,
        "inputs": input_files,
        "params": _jsonable(params),
        "outputs": {k: _jsonable(v) for k, v in outputs.items()},
        "packages": package_versions(),
        "git_commit": git_commit(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    if seconds is not None:
        record["seconds"] = round(seconds, 3)
    elif started is not None:
        record["seconds"] = round(time.time() - started, 3)
    return record


def write_member_provenance(record: dict[str, Any], path: str | Path, resources_rule: str) -> None:
    """A batch job's provenance record of one member, written where the per-member rule writes its
    own, with ``resources_rule``: the rule's key in workflow/resources.yaml that the batch ran under."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**record, "resources_rule": resources_rule}, indent=2, sort_keys=True))


def _named(io_object: Any) -> dict[str, Any]:
    """Snakemake's Namedlist -> plain dict of its named entries (positional ones as _0, _1...)."""
    try:
        items = dict(io_object.items())
    except AttributeError:
        items = {}
    if not items:
        items = {f"_{i}": v for i, v in enumerate(list(io_object or []))}
    return items


@contextlib.contextmanager
def script_context(snakemake: Any, provenance_output: str | None = "provenance") -> Iterator[logging.Logger]:
    """Log to the rule's log file and, on success, write the provenance JSON output
    (``provenance_output=None``: the script writes its own records, e.g. one per batch member).

    Usage in a workflow script::

        with script_context(snakemake) as log:
            ...  # read snakemake.input, call the package, write snakemake.output
    """
    started = time.time()
    log_path = snakemake.log[0] if len(snakemake.log) else None
    logger = logging.getLogger(f"csc.{snakemake.rule}")
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    for handler in handlers:
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    # Route the package's own loggers (csc_inequalities.*) to the same place.
    package_logger = logging.getLogger("csc_inequalities")
    package_logger.setLevel(logging.INFO)
    package_logger.handlers = list(handlers)
    try:
        yield logger
    except StopRun as error:
        # The message is complete (file, record, field, expected, found): once, without a traceback.
        logger.error("rule %s stopped: %s", snakemake.rule, error)
        for handler in handlers:
            handler.flush()
        raise SystemExit(1) from None
    except Exception:
        logger.exception("rule %s failed", snakemake.rule)
        raise
    outputs = _named(snakemake.output)
    if provenance_output is not None and provenance_output in outputs:
        params = _named(snakemake.params)
        record = provenance_record(
            rule=snakemake.rule,
            # Rules name their script as the input "script" (showyourwork's pattern), so its
            # checksum is recorded and editing the script reruns the rule.
            script=str(_named(snakemake.input).get("script")) if "script" in _named(snakemake.input) else None,
            inputs=_named(snakemake.input),
            params=params,
            outputs={k: v for k, v in outputs.items() if k != provenance_output},
            started=started,
        )
        Path(outputs[provenance_output]).parent.mkdir(parents=True, exist_ok=True)
        Path(outputs[provenance_output]).write_text(json.dumps(record, indent=2, sort_keys=True))
    logger.info("rule %s finished in %.1f s", snakemake.rule, time.time() - started)
    for handler in handlers:
        handler.flush()
