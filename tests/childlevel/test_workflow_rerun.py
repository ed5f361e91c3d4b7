"""Run safety of an LA's own extracts (issue 14, Must show), on a tiny configuration of two LAs'
hand-built returns (Camden two years, Lambeth one), in a fresh copy of the project:

- a run killed mid-way (SIGKILL of snakemake and its jobs) resumes with ``--rerun-incomplete`` to the
  same results as an uninterrupted run;
- after a complete run, a changed, added or removed configured file reruns that LA's jobs and no other
  LA's (``snakemake -n`` lists them), and a typo stops the workflow although an earlier run's results exist.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from csc_inequalities.childlevel.extracts import LAFiles, rule_inputs

from .builders import child, cin_details, cin_return

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
CAMDEN, LAMBETH = "E09000007", "E09000022"
TARGET = "results/childlevel/summary.json"
COMPARED = [
    "results/childlevel/summary.json",
    "results/childlevel/validation_counts.csv",
    "results/childlevel/episodes_by_la_year.csv",
    *[
        f"results/childlevel/{kind}/{la}.csv"
        for kind in ("yearly_counts", "quality", "validation")
        for la in (CAMDEN, LAMBETH)
    ],
]


def _lsoas(utla: str, n: int) -> list[str]:
    lads = pd.read_csv(ROOT / "resources/lsoa/lad13_to_utla13.csv")
    lad = set(lads.loc[lads["utla13_code"] == utla, "lad13_code"])
    with gzip.open(ROOT / "resources/lsoa/imd2015_lsoa11.csv.gz", "rt") as handle:
        lsoas = pd.read_csv(handle)
    return sorted(lsoas.loc[lsoas["lad13_code"].isin(lad), "lsoa11_code"])[:n]


def _write_la(folder: Path, prefix: str, lea: str, utla: str, years: list[int], n: int = 40) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lsoas = _lsoas(utla, 8)
    ids = [f"{prefix}{i:03d}" for i in range(n)]
    for year in years:
        children = [
            child(
                c,
                episodes=[
                    cin_details(
                        f"{year - 1}-{5 + i % 6:02d}-{1 + i % 27:02d}",
                        assessments=[(f"{year - 1}-{5 + i % 6:02d}-{2 + i % 27:02d}", ["16A"])],
                    )
                ],
            )
            for i, c in enumerate(ids)
        ]
        (folder / f"cin_{year}.xml").write_text(cin_return(children, year, lea=lea))
    (folder / "child_lsoa.csv").write_text(
        "LAchildID,LSOA11CD\n" + "".join(f"{c},{lsoas[i % len(lsoas)]}\n" for i, c in enumerate(ids))
    )
    (folder / "ssda903.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        + "".join(
            f"{c},1,01/05/2010,WBRI,,01/0{6 + i}/{years[-1] - 1},S,V2,N1,U1,PR1,,,,,,\n" for i, c in enumerate(ids[:3])
        )
    )


def _config(years_lambeth=(2017,), ssda903_lambeth=True) -> dict:
    lambeth = {
        "cin_census": {str(y): f"lambeth/cin_{y}.xml" for y in years_lambeth},
        "child_lsoa": "lambeth/child_lsoa.csv",
    }
    if ssda903_lambeth:
        lambeth["ssda903"] = "lambeth/ssda903.csv"
    return {
        "run_label": "rerun-tiny",
        "extracts": {
            "source": "extracts",
            "directory": "local/extracts",
            "key_file": ".secrets/test.key",
            "las": {
                CAMDEN: {
                    "cin_census": {"2016": "camden/cin_2016.xml", "2017": "camden/cin_2017.xml"},
                    "ssda903": "camden/ssda903.csv",
                    "child_lsoa": "camden/child_lsoa.csv",
                },
                LAMBETH: lambeth,
            },
        },
        "validation": {"dfe_rules": False},
    }


def _project(root: Path) -> Path:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split(
        "\n"
    )
    for name in listed:
        source, target = ROOT / name, root / name
        if not name or not (source.is_file() or source.is_symlink()):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
    _write_la(root / "local/extracts/camden", "C", "202", CAMDEN, [2016, 2017])
    _write_la(root / "local/extracts/lambeth", "L", "208", LAMBETH, [2016, 2017])
    (root / ".secrets").mkdir()
    (root / ".secrets/test.key").write_text("ab" * 32)
    (root / ".secrets/test.key").chmod(0o600)
    (root / "tiny.yaml").write_text(yaml.safe_dump(_config()))
    return root


def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    env.pop("LD_LIBRARY_PATH", None)
    return env


def _snakemake(work: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    run = subprocess.run(SNAKEMAKE + list(args), cwd=work, capture_output=True, text=True, env=_env(), timeout=900)
    if check and run.returncode != 0:
        pytest.fail(f"snakemake {' '.join(args)} failed:\n{run.stdout[-3000:]}{run.stderr[-6000:]}")
    return run


def _rerun_jobs(work: Path, config: str = "tiny.yaml") -> set[tuple[str, str]]:
    """(rule, la_code or '') of every job a dry run would run."""
    out = _snakemake(work, TARGET, "-n", "--configfile", config).stdout
    jobs, rule = set(), None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("rule ") and line.endswith(":"):
            rule = line[5:-1]
            jobs.add((rule, ""))
        elif line.startswith("wildcards:") and rule:
            jobs.discard((rule, ""))
            jobs.add((rule, line.split("la_code=")[-1].split(",")[0]))
    return jobs


def _results(work: Path) -> dict:
    out = {name: (work / name).read_text() for name in COMPARED}
    episodes = pd.read_parquet(work / "results/record_level/episodes.parquet")
    out["episodes"] = episodes.sort_values(["la_code", "episode_id"]).reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    work = _project(tmp_path_factory.mktemp("uninterrupted"))
    _snakemake(work, TARGET, "--cores", "1", "--configfile", "tiny.yaml")
    return work


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_same_results(uninterrupted, tmp_path):
    work = _project(tmp_path)
    log = work / f"logs/childlevel/childlevel_la_episodes_{CAMDEN}.log"
    process = subprocess.Popen(
        SNAKEMAKE + [TARGET, "--cores", "1", "--configfile", "tiny.yaml"],
        cwd=work,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 600
    while not log.exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)  # snakemake and its running job, mid-way
    process.wait()
    assert not (work / TARGET).exists()  # killed before the end
    _snakemake(work, "--unlock", "--configfile", "tiny.yaml")  # a killed snakemake leaves its lock
    _snakemake(work, TARGET, "--cores", "1", "--rerun-incomplete", "--configfile", "tiny.yaml")
    resumed, reference = _results(work), _results(uninterrupted)
    pd.testing.assert_frame_equal(resumed.pop("episodes"), reference.pop("episodes"))
    assert resumed == reference
    assert json.loads(resumed[TARGET])["las"] == 2
    assert "Nothing to be done" in _snakemake(work, TARGET, "-n", "--configfile", "tiny.yaml").stdout


@pytest.mark.slow
def test_changed_added_or_removed_files_rerun_that_la_only(uninterrupted):
    work = uninterrupted
    assert _rerun_jobs(work) == set()
    # A changed return: Camden's jobs (and the merge after them), not Lambeth's.
    camden_2017 = work / "local/extracts/camden/cin_2017.xml"
    original = camden_2017.read_text()
    camden_2017.write_text(
        original.replace("<ReferralSource>1A</ReferralSource>", "<ReferralSource>2A</ReferralSource>", 1)
    )
    assert _rerun_jobs(work) == {("childlevel_la_episodes", CAMDEN), ("childlevel_episodes", "")}
    shutil.copy2(work / "tiny.yaml", work / "tiny.yaml.orig")
    # An added file (a second year for Lambeth) and a removed one (Lambeth's SSDA903).
    (work / "added.yaml").write_text(yaml.safe_dump(_config(years_lambeth=(2016, 2017))))
    (work / "removed.yaml").write_text(yaml.safe_dump(_config(ssda903_lambeth=False)))
    for config in ("added.yaml", "removed.yaml"):
        assert ("childlevel_la_episodes", LAMBETH) in _rerun_jobs(work, config), config
        assert ("childlevel_la_episodes", CAMDEN) in _rerun_jobs(work, config)  # still changed above
    camden_2017.write_text(original)
    os.utime(camden_2017, (time.time() - 10**6, time.time() - 10**6))  # back to before the outputs
    for config, la in (("added.yaml", LAMBETH), ("removed.yaml", LAMBETH)):
        assert _rerun_jobs(work, config) == {("childlevel_la_episodes", la), ("childlevel_episodes", "")}, config
    # A typo stops the workflow before any job, although an earlier run's results exist.
    typo = _config()
    typo["extracts"]["las"][CAMDEN]["cin_census"]["2017"] = "camden/cin_2071.xml"
    (work / "typo.yaml").write_text(yaml.safe_dump(typo))
    run = _snakemake(work, TARGET, "-n", "--configfile", "typo.yaml", check=False)
    assert run.returncode != 0
    assert (
        f'config key extracts.las.{CAMDEN}.cin_census."2017": local/extracts/camden/cin_2071.xml does not exist'
        in run.stdout + run.stderr
    )


def test_a_csv_folder_names_each_table_as_an_input(tmp_path):
    """A return given as a folder of CSV tables: each table is an input of the LA's job, so that a
    changed table reruns it (a folder's own time changes only when a table is added or removed)."""
    folder = tmp_path / "cin_2017_csv"
    folder.mkdir()
    for name in ("children.csv", "cin_details.csv", "notes.txt"):
        (folder / name).write_text("x")
    inputs = rule_inputs(
        LAFiles(
            CAMDEN, {2017: str(folder), 2016: str(tmp_path / "cin_2016.xml")}, child_lsoa=str(tmp_path / "lsoa.csv")
        )
    )
    assert inputs == {
        "cin_2016": str(tmp_path / "cin_2016.xml"),
        "cin_2017": str(folder),
        "cin_2017__children": str(folder / "children.csv"),
        "cin_2017__cin_details": str(folder / "cin_details.csv"),
        "child_lsoa": str(tmp_path / "lsoa.csv"),
    }


@pytest.mark.slow
def test_a_run_on_extracts_has_no_generator_job_and_a_report_per_la(uninterrupted):
    """Issue 14 item 5: `source: extracts` runs no synthetic job and no truth refit, and makes the
    report about each configured LA (a dry run of the default target)."""
    out = _snakemake(uninterrupted, "-n", "--configfile", "tiny.yaml").stdout
    rules = {line.strip()[5:-1] for line in out.splitlines() if line.strip().startswith("rule ")}
    assert not {r for r in rules if r.startswith("synthetic") or r.startswith("gradient_truth")}, rules
    assert {"la_report_la", "report", "lca_invariance", "gradient_gather"} <= rules
    assert out.count(f"results/la_report/{CAMDEN}/summary.json") >= 1
    assert out.count(f"results/la_report/{LAMBETH}/summary.json") >= 1
