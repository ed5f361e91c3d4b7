"""LAs batched per job (issue 13): the partition, a batch's failure handling, and a batched
workflow run writing exactly the files of one job per LA."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from csc_inequalities.childlevel.batch import BatchExtractError, read_batch
from csc_inequalities.childlevel.findings import ExtractError
from csc_inequalities.la_batches import la_batches

from .test_pipeline import _la

ROOT = Path(__file__).resolve().parents[2]


def test_batches_are_dealt_round_robin():
    las = ["A", "B", "C", "D", "E", "F", "G"]
    assert la_batches(las, 3) == {"01": ["A", "D", "G"], "02": ["B", "E"], "03": ["C", "F"]}
    assert la_batches(las, 7) == {"01": las}
    assert la_batches(las, 1) == {f"{i + 1:02d}": [la] for i, la in enumerate(las)}
    # 152 LAs, 8 per job: 19 batches of 8, every LA once
    national = [f"L{i:03d}" for i in range(152)]
    batches = la_batches(national, 8)
    assert len(batches) == 19 and {len(b) for b in batches.values()} == {8}
    assert sorted(la for b in batches.values() for la in b) == national
    assert la_batches(national, 100)["02"][:2] == ["L001", "L003"]


def test_batches_refuse_bad_input():
    with pytest.raises(ValueError, match="LAs per job must be at least 1, not 0"):
        la_batches(["A"], 0)
    with pytest.raises(ValueError, match="an LA is listed twice: B"):
        la_batches(["A", "B", "B"], 2)


@pytest.fixture()
def reference(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = pd.DataFrame(
        {
            "lsoa11": [f"E0100000{i}" for i in range(1, 10)],
            "la_code": ["E09000001"] * 3 + ["E09000002"] * 3 + ["E09000003"] * 3,
            "imd2015_score": [5.0, 20.0, 50.0] * 3,
            "imd_decile_official": [9, 5, 1] * 3,
            "imd_decile_least1": [2, 6, 10] * 3,
        }
    )
    frame.to_parquet(tmp_path / "lsoa_reference.parquet")
    return tmp_path


def _member(tmp_path, la_code, n, first_lsoa, bad=False):
    return {
        "la_code": la_code,
        "files": _la(tmp_path, la_code, n, bad=bad, first_lsoa=first_lsoa),
        "la_number": None,
        "last_year": 2017,
        "episodes": f"results/record_level/la/{la_code}.parquet",
        "counts": f"results/childlevel/validation/{la_code}.csv",
        "findings": f"local/validation/{la_code}_findings.csv",
        "identifiers": f"local/validation/{la_code}_identifiers.json",
    }


def test_a_failing_la_fails_its_batch_after_the_others_are_read(reference):
    tmp_path = reference
    members = [_member(tmp_path, "E09000001", 30, 1, bad=True), _member(tmp_path, "E09000002", 20, 4)]
    done = []
    with pytest.raises(ExtractError) as raised:
        for member, _ in read_batch(members, "lsoa_reference.parquet", ".secrets/key", {"invalid_code": "error"}, 0.05):
            done.append(member["la_code"])
    # the LA's own error (one failure), naming the bad value, and the other LA's files written
    assert not isinstance(raised.value, BatchExtractError)
    assert "1 validation finding(s) stop the run" in str(raised.value) and "GenderCurrent" in str(raised.value)
    assert done == ["E09000002"]
    assert len(pd.read_parquet("results/record_level/la/E09000002.parquet")) == 20
    assert Path("local/validation/E09000001_findings.failed.csv").exists()
    assert not Path("results/record_level/la/E09000001.parquet").exists()


def test_two_failing_las_are_both_named(reference):
    tmp_path = reference
    members = [
        _member(tmp_path, "E09000001", 30, 1, bad=True),
        _member(tmp_path, "E09000002", 20, 4),
        _member(tmp_path, "E09000003", 15, 7, bad=True),
    ]
    with pytest.raises(BatchExtractError) as raised:
        list(read_batch(members, "lsoa_reference.parquet", ".secrets/key", {"invalid_code": "error"}, 0.05))
    assert list(raised.value.errors) == ["E09000001", "E09000003"]
    assert str(raised.value).startswith("validation stopped 2 LAs of the batch:\nE09000001: 1 validation finding(s)")
    assert len(raised.value.findings) == 2


def test_a_batch_reads_as_one_job_per_la(reference):
    tmp_path = reference
    from csc_inequalities.childlevel.pipeline import run_la

    members = [_member(tmp_path, "E09000001", 30, 1), _member(tmp_path, "E09000002", 20, 4)]
    list(read_batch(members, "lsoa_reference.parquet", ".secrets/key", {}, 0.05))
    for member in members:
        alone = {k: f"alone/{member[k]}" for k in ("episodes", "counts", "findings", "identifiers")}
        run_la(
            member["la_code"],
            member["files"],
            "lsoa_reference.parquet",
            ".secrets/key",
            {},
            2017,
            alone["episodes"],
            alone["counts"],
            alone["findings"],
            alone["identifiers"],
        )
        pd.testing.assert_frame_equal(pd.read_parquet(member["episodes"]), pd.read_parquet(alone["episodes"]))
        for key in ("counts", "findings", "identifiers"):
            assert Path(member[key]).read_text() == Path(alone[key]).read_text(), key


STAGE_1 = ["results/record_level/episodes.parquet", "results/childlevel/summary.json", "results/synthetic/truth.yaml"]


def _project_copy(work: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    for name in filter(None, listed):
        source, target = ROOT / name, work / name
        if not (source.exists() or source.is_symlink()):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.is_file():
            shutil.copy2(source, target)


@pytest.mark.slow
def test_batched_workflow_writes_the_files_of_one_job_per_la(tmp_path):
    """Three small LAs generated and read one job per LA, then in batches of two (LAs 1 and 3 in
    batch 01, LA 2 in batch 02): every per-LA file is the same (the extracts byte for byte, the
    tables equal), with the same pseudonymisation key."""
    work = tmp_path / "work"
    _project_copy(work)
    (work / "extra.yaml").write_text(
        "synthetic:\n  las: [E06000017, E06000001, E06000053]\n  calibration: {enabled: false}\n"
        "  referrals_from_panel: false\n  lea_codes: {E06000017: '857', E06000001: '805'}\n"
        "  model: {base_referral_rate: 0.08}\n"
    )
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("LD_LIBRARY_PATH", None)

    def run(*extra_configs: str) -> str:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "snakemake",
                "--cores",
                "2",
                "--nolock",
                *STAGE_1,
                "--configfile",
                "config/ci-tiny.yaml",
                "extra.yaml",
                *extra_configs,
            ],
            cwd=work,
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
        return result.stdout + result.stderr

    log = run()
    assert "synthetic_la_batch" not in log and "rule childlevel_la_episodes:" in log
    kept = tmp_path / "per_la"
    for folder in (
        "local/synthetic",
        "results/record_level",
        "results/synthetic",
        "results/childlevel",
        "local/validation",
    ):
        shutil.copytree(work / folder, kept / folder)
        shutil.rmtree(work / folder)
    (work / "batched.yaml").write_text("synthetic: {las_per_job: 2}\nextracts: {las_per_job: 2}\n")
    log = run("batched.yaml")
    for rule in (
        "synthetic_la_batch_01",
        "synthetic_la_batch_02",
        "childlevel_la_episodes_batch_01",
        "childlevel_la_episodes_batch_02",
    ):
        assert f"rule {rule}:" in log, rule
    assert "rule synthetic_la:" not in log and "rule childlevel_la_episodes:" not in log

    las = ["E06000017", "E06000001", "E06000053"]
    for la in las:
        extracts = sorted(p.name for p in (kept / "local/synthetic/extracts" / la).iterdir())
        assert len(extracts) == 7
        match, mismatch, errors = filecmp.cmpfiles(
            kept / "local/synthetic/extracts" / la, work / "local/synthetic/extracts" / la, extracts, shallow=False
        )
        assert mismatch == [] and errors == [], (la, mismatch, errors)
        for parquet in (
            f"results/record_level/synthetic/{la}_generator_episodes.parquet",
            f"results/synthetic/la/{la}_expected_counts.parquet",
            f"results/record_level/la/{la}.parquet",
        ):
            pd.testing.assert_frame_equal(pd.read_parquet(work / parquet), pd.read_parquet(kept / parquet))
        for text in (
            f"results/synthetic/la/{la}_summary.json",
            f"results/childlevel/validation/{la}.csv",
            f"local/validation/{la}_findings.csv",
            f"local/validation/{la}_identifiers.json",
            f"results/childlevel/yearly_counts/{la}.csv",
            f"results/childlevel/quality/{la}.csv",
        ):
            assert (work / text).read_text() == (kept / text).read_text(), text
        # each LA keeps its own provenance record, naming its batch rule and its own files
        record = json.loads((work / f"results/childlevel/provenance/childlevel_la_episodes_{la}.json").read_text())
        assert record["rule"].startswith("childlevel_la_episodes_batch_") and record["params"]["la_code"] == la
        assert record["resources_rule"] == "childlevel_la_episodes_batch"
        assert {i["path"] for i in record["inputs"] if i["name"].startswith("cin_")} == {
            f"local/synthetic/extracts/{la}/cin_census_{y}.xml" for y in range(2014, 2019)
        }
        generated = json.loads((work / f"results/synthetic/provenance/synthetic_la_{la}.json").read_text())
        assert generated["rule"] == ("synthetic_la_batch_02" if la == "E06000001" else "synthetic_la_batch_01")
    pd.testing.assert_frame_equal(
        pd.read_parquet(work / "results/record_level/episodes.parquet"),
        pd.read_parquet(kept / "results/record_level/episodes.parquet"),
    )
    assert (work / "results/synthetic/truth.yaml").read_text() == (kept / "results/synthetic/truth.yaml").read_text()


def test_batch_outputs_list_each_name_over_the_las():
    from csc_inequalities.la_batches import batch_outputs, childlevel_la_outputs, synthetic_la_outputs

    outputs = batch_outputs({la: synthetic_la_outputs(la, [2017, 2018]) for la in ("E06000001", "E06000017")})
    assert outputs["cin_census"] == [
        "local/synthetic/extracts/E06000001/cin_census_2017.xml",
        "local/synthetic/extracts/E06000001/cin_census_2018.xml",
        "local/synthetic/extracts/E06000017/cin_census_2017.xml",
        "local/synthetic/extracts/E06000017/cin_census_2018.xml",
    ]
    assert outputs["summary"] == [
        "results/synthetic/la/E06000001_summary.json",
        "results/synthetic/la/E06000017_summary.json",
    ]
    assert (
        childlevel_la_outputs("E06000001", "local/validation/")["findings"] == "local/validation/E06000001_findings.csv"
    )
