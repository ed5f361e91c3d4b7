"""benchmarks/rule_resources.py: the per-rule requests derived from two measured runs, by hand."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("rule_resources", ROOT / "benchmarks" / "rule_resources.py")
rule_resources = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(rule_resources)

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
GIB = 2**30


def make_run(root: Path, jobs: dict[str, list[tuple[float, float, int]]]) -> Path:
    """A run directory: per rule, jobs of (wall s, peak RSS MB, input bytes), each with its
    benchmark file, a provenance record and a sparse input file of that size."""
    for rule, rule_jobs in jobs.items():
        for i, (wall, rss, size) in enumerate(rule_jobs):
            bench = root / "results" / "benchmarks" / rule / f"job{i}.tsv"
            bench.parent.mkdir(parents=True, exist_ok=True)
            bench.write_text(HEADER + f"{wall}\t0:00:00\t{rss}\t0\t0\t0\t0\t0\t50\t{wall / 2}\n")
            data = root / "data" / f"{rule}_{i}.bin"
            data.parent.mkdir(parents=True, exist_ok=True)
            with open(data, "wb") as handle:
                handle.truncate(size)
            record = root / "results" / rule / "provenance" / f"job{i}.json"
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(
                json.dumps(
                    {
                        "rule": rule,
                        "inputs": [
                            {"name": "data", "path": f"data/{rule}_{i}.bin"},
                            {"name": "gone", "path": "data/not_there.bin"},  # a temporary input: ignored
                        ],
                    }
                )
            )
    return root


@pytest.fixture
def runs(tmp_path):
    small = make_run(
        tmp_path / "small",
        {
            "scales": [(60, 1000, GIB), (20, 400, GIB // 4)],  # the largest job counts
            "only_small": [(500, 250, GIB // 10)],
            "shrinks": [(30, 800, GIB)],
        },
    )
    large = make_run(
        tmp_path / "large",
        {
            "scales": [(240, 3000, 3 * GIB)],
            "shrinks": [(30, 600, 3 * GIB)],
        },
    )
    return {"small": rule_resources.measure(small), "large": rule_resources.measure(large)}


def test_measure_keeps_each_rules_largest_job(runs):
    assert runs["small"]["scales"] == {"jobs": 2, "rss_mb": 1000.0, "wall_s": 60.0, "input_gb": 1.0}
    assert runs["large"]["scales"]["input_gb"] == 3.0
    assert runs["small"]["only_small"]["input_gb"] == pytest.approx(0.1, abs=1e-9)


def test_requests_by_hand(runs):
    _, requested = rule_resources.derive(runs)
    # Memory 1000 MB at 1 GB and 3000 at 3 GB: slope 1000 MB/GB, base 0 ->
    # base ceil((1.3 * 0 + 200) / 100) * 100 = 200, per GB ceil(1.3 * 1000 / 10) * 10 = 1300.
    # Wall 60 s and 240 s: slope 90 s/GB, base -30 -> 0 -> at least 2 min; per GB 3 * 90 / 60 = 4.5.
    assert requested["scales"] == {
        "mem_mb": {"base": 200, "per_input_gb": 1300},
        "runtime": {"base": 2, "per_input_gb": 4.5},
    }
    # One run only: 1.3 * 250 + 200 = 525 -> 600 MB; 3 * 500 s = 25 min.
    assert requested["only_small"] == {"mem_mb": {"base": 600}, "runtime": {"base": 25}}
    # Memory falls with size: no slope, the larger peak: 1.3 * 800 + 200 = 1240 -> 1300 MB.
    assert requested["shrinks"] == {"mem_mb": {"base": 1300}, "runtime": {"base": 2}}


def test_written_table_reads_back(runs):
    _, requested = rule_resources.derive(runs)
    text = rule_resources.resources_yaml("# header comment", requested)
    assert text.startswith("# header comment\nrules:\n")
    assert yaml.safe_load(text) == {"rules": requested}


def test_the_workflows_table_covers_every_rule_that_requests_resources():
    table = yaml.safe_load((ROOT / "workflow" / "resources.yaml").read_text())["rules"]
    requested = set()
    for path in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = path.read_text()
        requested |= set(re.findall(r'resource_mb\("(\w+)"\)', text))
    assert len(requested) > 20 and requested <= set(table)
    assert all(set(spec) == {"mem_mb", "runtime"} for spec in table.values())


def test_batch_members_count_for_their_resources_entry(tmp_path):
    """A batch job (gradient_models_<threshold>) files its benchmark under its resources entry
    (results/benchmarks/gradient_models/) and writes one provenance record per member, naming its
    own rule and that entry: the members' inputs give the entry its input size."""
    run = make_run(tmp_path / "run", {"gradient_models": [(40, 500, GIB // 2)]})
    record = run / "results" / "gradient_models" / "provenance" / "job0.json"
    data = json.loads(record.read_text())
    record.write_text(json.dumps({**data, "rule": "gradient_models_cpp", "resources_rule": "gradient_models"}))
    assert rule_resources.measure(run)["gradient_models"]["input_gb"] == 0.5
    # Without the entry the record names a rule that has no benchmark folder: no input size.
    record.write_text(json.dumps({**data, "rule": "gradient_models_cpp"}))
    assert rule_resources.measure(run)["gradient_models"]["input_gb"] == 0.0
