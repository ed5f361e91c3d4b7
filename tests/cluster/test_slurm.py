"""The same slice of the workflow, run locally and through a real (one-node) SLURM cluster with
the project's profile (profiles/slurm), gives the same results, and every job of the SLURM run
was a SLURM job that completed.

The slice: the national strand (panel, trends, correlations) and three gradient models with
everything they need (synthetic data, child-level episodes, LSOA reference, counts). Each job
runs as `snakemake --executor slurm-jobstep` inside an `sbatch` job; the models' two batch jobs
(gradient_models_referral, gradient_models_cpp: one R session per threshold) run in one group
job (profiles/slurm: group-components, cores).

How the test cluster copes without slurmdbd (see slurm_cluster.py for what fails), from the
source of snakemake-executor-plugin-slurm 2.8.0:
  * Job status: the plugin's default status command is `sacct` whenever the binary exists (it
    does: slurm-client ships it). Without slurmdbd `sacct` exits 1, every status query "fails",
    no job is ever reported finished and Snakemake waits forever. The profile sets
    `slurm-status-command: squeue`; the plugin still switches back to sacct when
    MinJobAge < 3 x slurm-init-seconds-before-status-checks, so the cluster keeps finished jobs
    in squeue for MinJobAge=600 s and the test uses 5 s (threshold 15 s).
  * Account: with no `slurm_account` resource the plugin "guesses" one with
    `sacct -nu <user> -o Account%256 | tail -1`, run without a shell (the `|` goes to sacct as
    an argument), which fails, so it submits without `-A`. With `slurm_account` set it validates
    the account: `sacctmgr -n -s list user ...` fails (exit 1), it falls back to
    `sshare -U --format Account%256 --noheader`, which exits 0 with no output here, so it logs
    "Proceeding without account validation" and submits with `-A <account>`. The test sets
    `slurm_account=ci` (accepted: no AccountingStorageEnforce) and checks that every finished
    job carries Account=ci, so the profile's account setting is proven to reach sbatch. (On a
    cluster where sshare fails too, every submission fails with a WorkflowError: there, leave
    slurm_account unset.) `--slurm-no-account` is declared in 2.8.0 but used nowhere.
  * Cancelling: `scancel --clusters=all` (exits 1 without slurmdbd) is only used when a job has
    a `cluster`/`clusters`/`slurm_cluster` resource; this workflow sets none, so a cancelled run
    calls plain `scancel <ids>`, which works. The test kills Snakemake with SIGKILL on timeout
    (the SLURM executor ignores SIGTERM while jobs run), which cancels nothing, so the harness
    cancels every job of the cluster itself after a failed run and before stopping the daemons.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from slurm_cluster import SEARCH_PATH, parse_jobcomp

ROOT = Path(__file__).resolve().parents[2]
BENCHMARK = ROOT / "benchmarks" / "results" / "slurm_test.json"
VENV_BIN = Path(sys.executable).parent
SNAKEMAKE = [str(VENV_BIN / "snakemake")] if (VENV_BIN / "snakemake").exists() else [sys.executable, "-m", "snakemake"]

TARGETS = [
    "results/national/trends/national_series.csv",
    "results/national/trends/trend_fits.csv",
    "results/national/correlations/pairwise_spearman.csv",
    "results/national/table06_imd_correlations.csv",
    "results/gradient/models/referral/all/all.json",
    "results/gradient/models/referral/gender/female.json",
    "results/gradient/models/cpp/all/all.json",
]
CONFIG = ["--configfile", "config/ci-tiny.yaml"]
LOCAL_TIMEOUT = 360
SLURM_TIMEOUT = 480
# Test-only overrides of profiles/slurm: an account (checked in the jobcomp log), the test
# cluster's partition, memory that lets both cores work, a short first status check, and
# no retries so that a failing job fails the test.
SLURM_OVERRIDES = [
    "--jobs",
    "4",
    "--retries",
    "0",
    "--slurm-init-seconds-before-status-checks",
    "5",
    "--slurm-keep-successful-logs",
    "--default-resources",
    "slurm_account=ci",
    "slurm_partition=ci",
    "mem_mb=1500",
    "runtime=30",
]

# Not copied from the checkout: environments, VCS data, outputs, local data and secrets.
IGNORED_TOP = {".venv", ".git", "results", "logs", "local", ".snakemake", ".secrets", ".pytest_cache", ".hypothesis"}
IGNORED_ANYWHERE = {"__pycache__", ".snakemake"}
# Keys whose values differ between two runs of the same job.
VOLATILE_KEYS = {"created", "timestamp", "date", "elapsed_seconds", "seconds"}


def snapshot_repo(dest: Path) -> Path:
    """The checkout's files without its environment, VCS data, outputs, local data and secrets."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).resolve().relative_to(ROOT)
        skipped = {n for n in names if n in IGNORED_ANYWHERE or n.endswith(".egg-info")}
        if rel == Path("."):
            skipped |= {n for n in names if n in IGNORED_TOP}
        if rel == Path("report"):
            skipped |= {n for n in names if n.endswith(".html")}
        return skipped

    shutil.copytree(ROOT, dest, symlinks=True, ignore=ignore)
    return dest


def share_pseudonymisation_key(work: Path) -> None:
    """A fresh key (not the checkout's .secrets, which is not copied) for both runs: each run would
    otherwise create its own, and its pseudonymous child and episode IDs, and with them the row
    order of the episode tables, would differ between the runs."""
    schema = yaml.safe_load((work / "workflow/schemas/sections/extracts.schema.yaml").read_text())
    key_file = schema["properties"]["key_file"]["default"]
    for name in ("config.yaml", "ci-tiny.yaml"):  # the config files the runs use, in order
        key_file = (
            (yaml.safe_load((work / "config" / name).read_text()) or {}).get("extracts", {}).get("key_file", key_file)
        )
    path = work / key_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_hex(32) + "\n")
    path.chmod(0o600)


def job_env(cluster_env: dict[str, str]) -> dict[str, str]:
    env = dict(cluster_env, PATH=os.pathsep.join([str(VENV_BIN), cluster_env["PATH"]]))
    # One BLAS/OpenMP thread per job, as scripts/run-tests.sh does (workflow/rules/common.smk
    # pins them too): identical numbers in both runs. sbatch --export=ALL hands them to the jobs.
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    # rpy2 in this process may have set it; jobs must load their own libpython.
    env.pop("LD_LIBRARY_PATH", None)
    return env


def run_snakemake(args: list[str], cwd: Path, env: dict[str, str], timeout: int) -> dict:
    # Jobs import the package from this copy, not from the checkout the editable install points
    # to (which may be edited while the test runs).
    env = dict(env, PYTHONPATH=str(cwd / "src"))
    began = time.monotonic()
    # SIGKILL: the SLURM executor does not stop on SIGTERM while it waits for jobs.
    proc = subprocess.run(
        ["timeout", "-s", "KILL", str(timeout), *SNAKEMAKE, *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    seconds = time.monotonic() - began
    (cwd / "snakemake.out").write_text(proc.stdout + proc.stderr)
    return {"returncode": proc.returncode, "seconds": seconds, "log": proc.stdout + proc.stderr, "cwd": cwd}


def steps_done(log: str) -> int | None:
    found = re.findall(r"(\d+) of (\d+) steps \(100%\) done", log)
    return int(found[-1][0]) if found else None


def submissions(log: str) -> dict[str, dict]:
    """SLURM job ID -> its log and kind, from the plugin's `Job 3 has been submitted with SLURM
    jobid 7 (log: .snakemake/slurm_logs/rule_<rule>/.../7.log)` (`group_<group>_<rule>` for a
    group job)."""
    found = re.findall(r"has been submitted with SLURM jobid (\d+) \(log: (\S+?)\)\.?$", log, flags=re.M)
    return {
        jobid: {"log": path, "kind": next((p for p in Path(path).parts if p.startswith(("rule_", "group_"))), "?")}
        for jobid, path in found
    }


def snakemake_jobs_in(slurm_log: Path) -> int:
    """Snakemake jobs one SLURM job ran: its final `N of N steps (100%) done` (a group job logs its
    members' own `1 of 1` lines too, hence the largest)."""
    if not slurm_log.exists():
        return 0
    done = [
        int(n) for n, total in re.findall(r"(\d+) of (\d+) steps \(100%\) done", slurm_log.read_text()) if n == total
    ]
    return max(done, default=0)


# -- comparison of outputs --------------------------------------------------------------------
def data_files(results: Path) -> set[str]:
    """Every output under results/ except benchmarks and provenance (timestamps, run times)."""
    return {
        str(p.relative_to(results.parent))
        for p in results.rglob("*")
        if p.is_file() and "benchmarks" not in p.parts and "provenance" not in p.parts
    }


def same_json(a, b, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a if k not in VOLATILE_KEYS for d in same_json(a[k], b[k], f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in same_json(x, y, f"{path}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        if (
            isinstance(a, (int, float))
            and isinstance(b, (int, float))
            and (math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b)))
        ):
            return []
        return [f"{path}: {a!r} != {b!r}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def compare(rel: str, local: Path, slurm: Path) -> dict:
    a, b = local / rel, slurm / rel
    entry = {"path": rel, "identical_bytes": a.read_bytes() == b.read_bytes()}
    suffix = a.suffix
    if entry["identical_bytes"]:
        # Same bytes, same data (and pandas' comparison of large categorical frames is slow).
        entry["check"], entry["equal"] = "identical bytes", True
    elif suffix in (".csv", ".parquet"):
        read = pd.read_csv if suffix == ".csv" else pd.read_parquet
        entry["check"] = "pandas.assert_frame_equal rtol=1e-12 atol=1e-12"
        try:
            pd.testing.assert_frame_equal(read(a), read(b), check_exact=False, rtol=1e-12, atol=1e-12)
            entry["equal"] = True
        except AssertionError as e:
            entry["equal"], entry["difference"] = False, str(e)[:500]
    elif suffix == ".json":
        entry["check"] = "values rel 1e-9, volatile keys ignored"
        diffs = same_json(json.loads(a.read_text()), json.loads(b.read_text()))
        entry["equal"] = not diffs
        if diffs:
            entry["difference"] = "; ".join(diffs[:5])
    elif suffix in (".yaml", ".yml"):
        entry["check"] = "yaml.safe_load equality"
        entry["equal"] = yaml.safe_load(a.read_text()) == yaml.safe_load(b.read_text())
    else:  # figures: both must exist; pixels are not compared
        entry["check"] = "exists in both"
        entry["equal"] = True
    return entry


# -- the two runs -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runs(slurm_cluster, tmp_path_factory):
    env = job_env(slurm_cluster.env)
    # The local run gets no SLURM: no SLURM_CONF, no wrappers of the cluster's commands on PATH.
    local_env = {k: v for k, v in env.items() if k != "SLURM_CONF"}
    local_env["PATH"] = os.pathsep.join([str(VENV_BIN), SEARCH_PATH])

    # One snapshot of the checkout for both runs: the working tree may change while the test runs.
    snapshot = snapshot_repo(tmp_path_factory.mktemp("snapshot") / "repo")
    share_pseudonymisation_key(snapshot)
    jobs_before = len(slurm_cluster.jobs())
    local = run_snakemake(
        [*TARGETS, "--nolock", "--cores", "2", *CONFIG],
        shutil.copytree(snapshot, tmp_path_factory.mktemp("local") / "repo", symlinks=True),
        local_env,
        LOCAL_TIMEOUT,
    )
    local["slurm_jobs_during_run"] = len(slurm_cluster.jobs()) - jobs_before

    slurm = run_snakemake(
        [*TARGETS, "--nolock", "--workflow-profile", "profiles/slurm", *SLURM_OVERRIDES, *CONFIG],
        shutil.copytree(snapshot, tmp_path_factory.mktemp("slurm") / "repo", symlinks=True),
        env,
        SLURM_TIMEOUT,
    )
    if slurm["returncode"] != 0:
        slurm_cluster.cancel_all()  # a killed Snakemake leaves its jobs queued
    run_id = re.search(r"SLURM run ID: (\S+)", slurm["log"])
    slurm["run_id"] = run_id.group(1) if run_id else None
    slurm["submitted"] = submissions(slurm["log"])
    slurm["jobcomp"] = [r for r in parse_jobcomp(slurm_cluster.jobcomp) if r.get("Name") == slurm["run_id"]]
    slurm["steps"] = steps_done(slurm["log"])
    slurm["slurm_logs"] = sorted(
        str(p.relative_to(slurm["cwd"])) for p in (slurm["cwd"] / ".snakemake" / "slurm_logs").rglob("*.log")
    )
    for info in slurm["submitted"].values():
        info["snakemake_jobs"] = snakemake_jobs_in(Path(info["log"]))

    comparisons = None
    if local["returncode"] == 0 and slurm["returncode"] == 0:
        local_files = data_files(local["cwd"] / "results")
        slurm_files = data_files(slurm["cwd"] / "results")
        comparisons = {
            "only_local": sorted(local_files - slurm_files),
            "only_slurm": sorted(slurm_files - local_files),
            "files": [compare(rel, local["cwd"], slurm["cwd"]) for rel in sorted(local_files & slurm_files)],
        }
        BENCHMARK.parent.mkdir(parents=True, exist_ok=True)
        BENCHMARK.write_text(
            json.dumps(
                {
                    "test": "tests/cluster/test_slurm.py",
                    "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "slurm_version": slurm_cluster.version(),
                    "cluster": {
                        "nodes": 1,
                        "cpus": slurm_cluster.cpus,
                        "real_memory_mb": slurm_cluster.memory_mb,
                        "accounting": "none (no slurmdbd)",
                        "status_command": "squeue",
                    },
                    "daemon_start_seconds": round(slurm_cluster.start_seconds, 2),
                    "local_run_seconds": round(local["seconds"], 2),
                    "slurm_run_seconds": round(slurm["seconds"], 2),
                    "local_command": "snakemake --nolock --cores 2 --configfile config/ci-tiny.yaml <targets>",
                    "slurm_command": "snakemake --nolock --workflow-profile profiles/slurm "
                    + " ".join(SLURM_OVERRIDES)
                    + " --configfile config/ci-tiny.yaml <targets>",
                    "targets": TARGETS,
                    "n_jobs": slurm["steps"],
                    "n_slurm_jobs": len(slurm["jobcomp"]),
                    "slurm_run_id": slurm["run_id"],
                    "slurm_jobs": [
                        {
                            "job_id": r["JobId"],
                            "job_name": r["Name"],
                            "submitted_as": slurm["submitted"].get(r["JobId"], {}).get("kind", "?"),
                            "snakemake_jobs": slurm["submitted"].get(r["JobId"], {}).get("snakemake_jobs"),
                            "state": r["JobState"],
                            "cpus": r.get("ProcCnt"),
                            "tres": r.get("Tres"),
                            "time_limit_minutes": r.get("TimeLimit"),
                            "account": r.get("Account"),
                            "partition": r.get("Partition"),
                            "start": r.get("StartTime"),
                            "end": r.get("EndTime"),
                        }
                        for r in slurm["jobcomp"]
                    ],
                    "outputs_compared": [
                        {k: v for k, v in f.items() if k != "difference"} for f in comparisons["files"]
                    ],
                    "outputs_equal": all(f["equal"] for f in comparisons["files"]),
                    "outputs_identical_bytes": sum(f["identical_bytes"] for f in comparisons["files"]),
                },
                indent=1,
            )
            + "\n"
        )
    return {"local": local, "slurm": slurm, "comparisons": comparisons, "cluster": slurm_cluster}


def _failure(run: dict, cluster) -> str:
    logs = "\n".join(
        f"--- {p}\n" + (run["cwd"] / p).read_text(errors="replace")[-2000:] for p in run.get("slurm_logs", [])[-3:]
    )
    return f"exit {run['returncode']} after {run['seconds']:.0f} s\n{run['log'][-6000:]}\n{logs}\n{cluster.logs_tail(1500)}"


@pytest.mark.slurm
def test_both_runs_succeed(runs):
    local, slurm = runs["local"], runs["slurm"]
    assert local["returncode"] == 0, "local run: " + _failure(local, runs["cluster"])
    assert local["slurm_jobs_during_run"] == 0, "the local run must not use the cluster"
    assert slurm["returncode"] == 0, "SLURM run: " + _failure(slurm, runs["cluster"])


@pytest.mark.slurm
def test_outputs_are_the_same(runs):
    comparisons = runs["comparisons"]
    assert comparisons is not None, "a run failed"
    assert not comparisons["only_local"] and not comparisons["only_slurm"], comparisons
    for target in TARGETS:
        assert any(f["path"] == target for f in comparisons["files"]), target
    different = [f for f in comparisons["files"] if not f["equal"]]
    assert not different, different


@pytest.mark.slurm
def test_every_job_ran_in_a_completed_slurm_job(runs):
    slurm, cluster = runs["slurm"], runs["cluster"]
    assert slurm["returncode"] == 0, "SLURM run failed"
    records, submitted = slurm["jobcomp"], slurm["submitted"]
    assert slurm["steps"] and slurm["steps"] > 0, slurm["log"][-3000:]
    assert records, f"no job of run {slurm['run_id']} in {cluster.jobcomp}"
    # Every submitted SLURM job finished, COMPLETED; none failed, none unaccounted for.
    assert [r for r in records if r.get("JobState") != "COMPLETED"] == []
    assert sorted(r["JobId"] for r in records) == sorted(submitted), (records, submitted)
    assert len(slurm["slurm_logs"]) == len(records), slurm["slurm_logs"]
    # ... and together they ran every Snakemake job of the run: one each, except the group job
    # that ran the gradient model batches, one per threshold (gradient_models_<threshold>; two to a
    # SLURM job: profiles/slurm group-components) with at most `cores` CPUs.
    assert sum(info["snakemake_jobs"] for info in submitted.values()) == slurm["steps"], submitted
    groups = {jobid: info for jobid, info in submitted.items() if info["kind"].startswith("group_gradient_models")}
    n_batches = len({t.split("/")[3] for t in TARGETS if t.startswith("results/gradient/models/")})
    assert n_batches == 2
    assert [info["snakemake_jobs"] for info in groups.values()] == [n_batches], submitted
    assert all(info["snakemake_jobs"] == 1 for jobid, info in submitted.items() if jobid not in groups), submitted
    group_cpus = [int(r["ProcCnt"]) for r in records if r["JobId"] in groups]
    assert group_cpus and max(group_cpus) <= cluster.cpus, records
    # The profile's resources reached sbatch: the account and partition given on the command line.
    assert {r.get("Account") for r in records} == {"ci"}
    assert {r.get("Partition") for r in records} == {"ci"}
