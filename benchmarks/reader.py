"""Benchmark of the CIN XML reader: one large synthetic LA read + validated by two versions of the code.

    .venv/bin/python benchmarks/reader.py [--la E10000016] [--before 2ac99ab] [--repeats 2]

Generates the LA's returns with the workflow's generator (default Kent, the largest LA of 2013;
five collection years), then, back to back and alternating, runs the per-LA stage (``load_la`` with
the DfE rules, as the workflow's per-LA rule, then ``build_episodes``) in a fresh process with the
package of each version: ``--before`` (a git commit; default the start of the fast-reader work)
exported with ``git archive``, and the working tree. CPU seconds (user + system of the worker)
are reported per LA and per 10,000 episodes, for reading the XML returns alone and for the whole
of reading + validation. The episodes of the two versions must be equal (DataFrame equality) and
the findings identical; the run fails otherwise.

The same is done for a "dirty" copy of the LA whose last return holds an unknown element and stray
text in some children (warnings, so the LA still gives episodes): the fast path must send that file
to the element-wise reader and the findings must again be identical.

Writes benchmarks/results/reader.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The commit the fast reader branched from (integration at 2ac99ab): the "before" of the result file.
DEFAULT_BEFORE = "2ac99abd7ab60bfd2ca1044f3b8d01e097a7e8cb"


def worker(args) -> None:
    """One version's per-LA stage in this process; timings as JSON on stdout, tables to --out."""
    import resource

    import pandas as pd

    import csc_inequalities
    from csc_inequalities.childlevel import extracts
    from csc_inequalities.childlevel.episodes import build_episodes
    from csc_inequalities.lsoa.reference import build_lsoa_reference

    package = Path(csc_inequalities.__file__).resolve()
    assert package.is_relative_to(Path(args.src).resolve()), f"{package} is not the version under test ({args.src})"
    reference = build_lsoa_reference(ROOT / "resources/lsoa")
    manifest = json.loads(Path(args.manifest).read_text())
    files = extracts.LAFiles(
        args.la, {int(y): p for y, p in manifest["cin_census"].items()}, manifest["ssda903"], manifest["child_lsoa"]
    )

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    reading = [0.0]
    read_census = extracts.read_census

    def timed_read_census(path, year):
        started = cpu()
        try:
            return read_census(path, year)
        finally:
            reading[0] += cpu() - started

    extracts.read_census = timed_read_census
    started = cpu()
    loaded = extracts.load_la(files, set(reference["lsoa11"]), bytes(32), dfe_rules=True)
    validated = cpu()
    episodes = build_episodes(
        loaded.tables, loaded.ssda903, loaded.child_lsoa, reference, args.la, max(files.cin_census)
    )
    built = cpu()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    episodes.to_pickle(out / "episodes.pkl")
    loaded.findings.to_pickle(out / "findings.pkl")
    print(
        json.dumps(
            {
                "read_xml_cpu_s": reading[0],
                "read_and_validate_cpu_s": validated - started,
                "episodes_cpu_s": built - validated,
                "episodes": len(episodes),
                "findings": len(loaded.findings),
                "pandas": pd.__version__,
            }
        )
    )


def generate(la_code: str, lea: str, folder: Path) -> dict:
    from csc_inequalities.config import load_schema, validate_config
    from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
    from csc_inequalities.synthetic.run import generate_all

    schemas = folder / "schemas"
    (schemas / "sections").mkdir(parents=True)
    shutil.copy(ROOT / "workflow/schemas/config.schema.yaml", schemas)
    for section in ("synthetic", "lsoa"):
        shutil.copy(ROOT / f"workflow/schemas/sections/{section}.schema.yaml", schemas / "sections")
    config = validate_config({"synthetic": {"las": [la_code], "lea_codes": {la_code: lea}}}, load_schema(schemas))
    reference = build_lsoa_reference(ROOT / config["lsoa"]["resource_dir"])
    population = build_lsoa_population(ROOT / config["lsoa"]["resource_dir"], reference)
    result = generate_all(
        config["synthetic"],
        reference,
        population,
        str(ROOT / "resources/lca/published"),
        config["synthetic"]["lea_codes"],
        str(folder / "extracts"),
        bytes(32),
    )
    return result["manifest"][la_code]


def make_dirty(manifest: dict, folder: Path, every: int = 500) -> dict:
    """A copy of the LA whose last return has an unknown element and stray text in every
    ``every``-th child (warnings only)."""
    folder.mkdir(parents=True)
    dirty = json.loads(json.dumps(manifest))
    last = max(manifest["cin_census"], key=int)
    text = Path(manifest["cin_census"][last]).read_text(encoding="utf-8")
    pieces = text.split("</ChildIdentifiers>")
    for i in range(1, len(pieces), every):
        pieces[i] = "stray" + pieces[i].replace(
            "</ChildCharacteristics>", "<Hobby>chess</Hobby></ChildCharacteristics>", 1
        )
    path = folder / Path(manifest["cin_census"][last]).name
    path.write_text("</ChildIdentifiers>".join(pieces), encoding="utf-8")
    dirty["cin_census"][last] = str(path)
    return dirty


def run_version(src: Path, la_code: str, manifest_path: Path, out: Path) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--src",
        str(src),
        "--la",
        la_code,
        "--manifest",
        str(manifest_path),
        "--out",
        str(out),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if result.returncode:
        raise RuntimeError(f"worker failed ({src}):\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def same_output(before: Path, after: Path) -> dict:
    import pandas as pd

    checks = {}
    for name in ("episodes", "findings"):
        left, right = pd.read_pickle(before / f"{name}.pkl"), pd.read_pickle(after / f"{name}.pkl")
        pd.testing.assert_frame_equal(left, right)  # raises: the benchmark fails on any difference
        checks[f"{name}_equal"] = True
        checks[f"{name}_rows"] = len(left)
    return checks


def compare_versions(
    label: str, versions: dict[str, Path], la_code: str, manifest: dict, work: Path, repeats: int
) -> dict:
    manifest_path = work / f"{label}_manifest.json"
    manifest_path.write_text(json.dumps(manifest))
    runs: dict[str, list[dict]] = {name: [] for name in versions}
    for repeat in range(repeats):
        for name, src in versions.items():  # alternating: load on the shared machine hits both alike
            runs[name].append(run_version(src, la_code, manifest_path, work / f"{label}_{name}"))
            print(f"{label} {name} run {repeat + 1}: {runs[name][-1]}", file=sys.stderr)
    checks = same_output(work / f"{label}_before", work / f"{label}_after")
    episodes = runs["after"][0]["episodes"]
    summary = {"episodes": episodes, "findings": runs["after"][0]["findings"], **checks}
    for name, timings in runs.items():
        best = {
            key: min(run[key] for run in timings)
            for key in ("read_xml_cpu_s", "read_and_validate_cpu_s", "episodes_cpu_s")
        }
        summary[name] = {
            "cpu_s_per_la": {key: round(value, 2) for key, value in best.items()},
            "cpu_s_per_10000_episodes": {key: round(value * 10_000 / episodes, 3) for key, value in best.items()},
            "all_runs_cpu_s": [{key: round(run[key], 2) for key in best} for run in timings],
        }
    summary["read_xml_speedup"] = round(
        summary["before"]["cpu_s_per_la"]["read_xml_cpu_s"] / summary["after"]["cpu_s_per_la"]["read_xml_cpu_s"], 2
    )
    summary["read_and_validate_speedup"] = round(
        summary["before"]["cpu_s_per_la"]["read_and_validate_cpu_s"]
        / summary["after"]["cpu_s_per_la"]["read_and_validate_cpu_s"],
        2,
    )
    return summary


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--la", default="E10000016", help="LA code (2013); default Kent, the largest LA")
    parser.add_argument("--lea", default="886", help="DfE LA number written in the returns' header")
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="git commit of the 'before' version")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each version (the fastest is reported)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks/results/reader.json"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    work = Path(tempfile.mkdtemp(prefix="reader_bench_"))
    try:
        before_src = work / "before"
        before_src.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.before, "src"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(before_src)], input=archive, check=True)
        versions = {"before": before_src / "src", "after": ROOT / "src"}
        started = time.perf_counter()
        manifest = generate(args.la, args.lea, work / "generated")
        generate_s = time.perf_counter() - started
        input_mb = sum(os.path.getsize(p) for p in manifest["cin_census"].values()) / 1e6
        clean = compare_versions("clean", versions, args.la, manifest, work, args.repeats)
        dirty = compare_versions("dirty", versions, args.la, make_dirty(manifest, work / "dirty"), work, 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    status = git("status", "--porcelain", "src")
    result = {
        "benchmark": "CIN XML reader: read + validate one large synthetic LA, before and after",
        "la_code": args.la,
        "years": sorted(int(y) for y in manifest["cin_census"]),
        "xml_input_mb": round(input_mb, 1),
        "generate_s": round(generate_s, 1),
        "stage": "extracts.load_la(dfe_rules=True) + episodes.build_episodes, one process per run",
        "before": {"commit": git("rev-parse", args.before)},
        "after": {"commit": git("rev-parse", "HEAD") + (" + uncommitted changes" if status else "")},
        "clean_la": clean,
        "dirty_la": {
            "note": "last return with an unknown element and stray text in every 500th child: "
            "read element-wise by both versions",
            **dirty,
        },
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
