"""The whole workflow, end to end, on the tiny CI configuration in a fresh copy of the project:
every rule runs, the report has every section, the privacy check passes, and a second dry run
has nothing to do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def project_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    return [f for f in listed if f and (ROOT / f).exists() or (f and (ROOT / f).is_symlink())]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("e2e")
    for name in project_files():
        source, target = ROOT / name, work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.is_file():
            shutil.copy2(source, target)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    # An R session earlier in this test process may have set it; jobs must use their own libpython.
    env.pop("LD_LIBRARY_PATH", None)
    run = subprocess.run(
        SNAKEMAKE + ["--cores", "2", "--configfile", "config/ci-tiny.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=1500,
    )
    if run.returncode != 0:
        pytest.fail("workflow failed:\n" + run.stdout[-4000:] + run.stderr[-8000:])
    return work, env


@pytest.mark.slow
def test_report_has_every_section_and_says_synthetic(finished_run):
    work, _ = finished_run
    html = (work / "report" / "report.html").read_text()
    for section in (
        "summary",
        "overview",
        "synthetic_truth",
        "national_data",
        "national_trends",
        "national_correlations",
        "childlevel_data",
        "lca",
        "crosstabs",
        "gradient",
    ):
        assert f'id="{section}"' in html, section
    assert "SYNTHETIC DATA" in html
    assert "data:image/png;base64," in html


@pytest.mark.slow
def test_report_tables_are_for_people(finished_run):
    """Issue 15: no table cell shows a Python dict/list repr or a float with more than six significant
    digits; the summary comes first and its counts are in values.json; every CSV link resolves."""
    import re

    from csc_inequalities.report.format import bad_table_cells

    work, _ = finished_run
    html = (work / "report" / "report.html").read_text()
    assert bad_table_cells(html) == []
    assert html.index('id="summary"') < html.index('id="overview"')
    values = json.loads((work / "results" / "report" / "values.json").read_text())
    counts = json.loads((work / "results" / "report" / "published_vs_reproduced.json").read_text())
    assert values["summary_real_matched"]["value"] == counts["real"]["matched"]
    assert values["summary_calibration_compared"]["value"] == counts["calibration"]["compared"] > 0
    links = re.findall(r'href="(tables/[^"]+\.csv)"', html)
    assert links and all((work / "report" / link).exists() for link in links)


@pytest.mark.slow
def test_privacy_check_passed(finished_run):
    work, _ = finished_run
    check = json.loads((work / "results" / "privacy" / "identifier_check.json").read_text())
    assert check.get("passed") is True, check


@pytest.mark.slow
def test_second_dry_run_has_nothing_to_do(finished_run):
    work, env = finished_run
    dry = subprocess.run(
        SNAKEMAKE + ["-n", "--configfile", "config/ci-tiny.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert dry.returncode == 0
    assert "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout[-3000:]


def _rules_to_run(work: Path, env: dict, extra: list[str]) -> set[str]:
    """Rule names of the jobs a dry run would run (Snakemake's "Job stats" table)."""
    dry = subprocess.run(
        SNAKEMAKE + ["-n", *extra, "--configfile", "config/ci-tiny.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert dry.returncode == 0, dry.stderr[-3000:]
    text = dry.stdout + dry.stderr
    if "Nothing to be done" in text:
        return set()
    table = text[text.index("Job stats:") :].split("\n")[3:]
    rules = set()
    for line in table:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        rules.add(parts[0])
    return rules


# The workflow scripts that import csc_inequalities.lca.model (directly or through lca.analysis,
# lca.io or lca.recovery), read off the scripts by hand.
LCA_MODEL_USERS = {"lca_assign", "lca_configural_sweep", "lca_final", "lca_invariance", "lca_recovery"}


@pytest.mark.slow
def test_editing_a_package_module_reruns_exactly_its_users(finished_run):
    """A newer lca/model.py reruns the LCA rules whose scripts use it and what depends on their
    outputs (as Snakemake's own --forcerun of those rules computes it), and nothing else."""
    work, env = finished_run
    module = work / "src" / "csc_inequalities" / "lca" / "model.py"
    original, before = module.read_text(), module.stat()
    try:
        # An edit: Snakemake reruns a job when an input is newer than its outputs and its checksum
        # differs from the recorded one (a bare touch does not count).
        module.write_text(original + "\n# an edit\n")
        after_edit = _rules_to_run(work, env, [])
    finally:
        module.write_text(original)
        os.utime(module, (before.st_atime, before.st_mtime))
    present = LCA_MODEL_USERS & set(_rules_to_run(work, env, ["--forcerun", *LCA_MODEL_USERS]))
    assert present, "no LCA rule of the tiny config uses lca/model.py"
    assert after_edit == _rules_to_run(work, env, ["--forcerun", *present])
    assert present <= after_edit
    assert not after_edit & {"national_panel", "synthetic_la", "childlevel_la_episodes", "lca_items", "lca_samples"}


@pytest.mark.slow
def test_the_report_in_a_real_browser(finished_run):
    """Headless Chromium with the network cut off: every image decodes, nothing is requested
    beyond the file, no console error, every table-of-contents link has its target; a screenshot
    of the first screen and a PDF print of the whole report are written."""
    from csc_inequalities.report.browser import check_report, chromium_path

    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (scripts/run-tests.sh installs it)")
    work, _ = finished_run
    shots = ROOT / "report" / "browser-check"
    result = check_report(work / "report" / "report.html", shots / "first-screen.png", shots / "report.pdf")
    assert result["requests_outside"] == []
    assert result["console_errors"] == []
    assert result["images"] >= 10 and result["broken_images"] == []
    assert result["toc_links"] >= 9 and result["broken_links"] == []
    assert result["pdf_pages"] >= 20
    assert (shots / "first-screen.png").stat().st_size > 10_000
