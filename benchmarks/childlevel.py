"""Benchmark of the child-level data layer: generate + validate + episodes.

    .venv/bin/python benchmarks/childlevel.py [--las 6] [--years 2014 2018] [--referrals-per-la-year 5000]
    .venv/bin/python benchmarks/childlevel.py --national      # 152 LAs x 5 years, ~600,000 referrals a year

Writes benchmarks/results/childlevel.json: seconds for each step, episodes, peak resident memory
(of this process, which handles one LA at a time as the workflow's per-LA rule does), and the
projected wall time of the workflow on 2 cores (the per-LA jobs run two at a time).

The default run (6 LAs) uses the synthetic strand's generator (csc_inequalities.synthetic) with the
default configuration and also checks the round trip; ``--national`` (and ``--writer``) use a
simple built-in writer of DfE-format returns of the stated volume (noted in the JSON as
"generator": "benchmark writer"), since only the reading side is measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from csc_inequalities.childlevel.csv_tables import SSDA903_COLUMNS
from csc_inequalities.childlevel.episodes import build_episodes
from csc_inequalities.childlevel.extracts import LAFiles, load_la

ROOT = Path(__file__).resolve().parents[1]
FACTORS = ["1B", "2B", "3A", "3B", "4B", "16A", "17A", "18A", "21", "22A", "23A", "10A", "11A", "14A"]
SOURCES = ["1A", "1C", "2A", "3A", "3B", "5A", "6", "8", "10"]
CATEGORIES = ["NEG", "EMO", "PHY", "SAB", "MUL"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_la(folder: Path, la_index: int, years: list[int], referrals_per_year: int, seed: int) -> LAFiles:
    """DfE-format returns for one LA: children with 1-3 referrals over the years, episodes open
    across year ends appearing in both returns (so the merge is exercised)."""
    rng = np.random.default_rng(seed + la_index)
    folder.mkdir(parents=True, exist_ok=True)
    n_children = int(referrals_per_year * len(years) / 1.4)
    child_ids = np.array([f"L{la_index:03d}C{i:07d}" for i in range(n_children)])
    first_day = pd.Timestamp(f"{years[0] - 1}-04-01")
    span = (pd.Timestamp(f"{years[-1]}-03-31") - first_day).days
    n_referrals = referrals_per_year * len(years)
    owner = rng.integers(0, n_children, n_referrals)
    referral = first_day + pd.to_timedelta(rng.integers(0, span, n_referrals), unit="D")
    duration = rng.integers(1, 400, n_referrals)
    closure = referral + pd.to_timedelta(duration, unit="D")
    frame = pd.DataFrame(
        {
            "child": child_ids[owner],
            "referral": referral,
            "closure": closure,
            "assessed": rng.random(n_referrals) < 0.8,
            "s47": rng.random(n_referrals) < 0.25,
            "cpp": rng.random(n_referrals) < 0.08,
            "source": rng.choice(SOURCES, n_referrals),
        }
    )
    frame = frame.drop_duplicates(["child", "referral"]).sort_values(["child", "referral"])
    birth_years = years[0] - 1 - rng.integers(0, 17, n_children)
    birth = dict(zip(child_ids, [f"{y}-{m:02d}-15" for y, m in zip(birth_years, rng.integers(1, 13, n_children))]))
    gender = dict(zip(child_ids, rng.integers(1, 3, n_children)))
    ethnicity = dict(zip(child_ids, rng.choice(["WBRI", "WOTH", "AIND", "BAFR", "MWBC", "OOTH"], n_children)))
    frame["ref_s"] = frame["referral"].dt.strftime("%Y-%m-%d")
    frame["closure_s"] = frame["closure"].dt.strftime("%Y-%m-%d")
    frame["day"] = frame["referral"].dt.day
    files = {}
    for year in years:
        start, end = pd.Timestamp(f"{year - 1}-04-01"), pd.Timestamp(f"{year}-03-31")
        in_year = frame[(frame["referral"] <= end) & (frame["closure"] >= start)]
        path = folder / f"cin_census_{year}.xml"
        with open(path, "w", encoding="utf-8") as out:
            out.write(
                f'<?xml version="1.0" encoding="UTF-8"?>\n<Message><Header><CollectionDetails><Collection>CIN</Collection>'
                f"<Year>{year}</Year><ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails>"
                "<Source><SourceLevel>L</SourceLevel><LEA>999</LEA></Source></Header><Children>\n"
            )
            current = None
            for e in in_year.itertuples(index=False):
                if e.child != current:
                    if current is not None:
                        out.write("</Child>\n")
                    current = e.child
                    out.write(
                        f"<Child><ChildIdentifiers><LAchildID>{current}</LAchildID><PersonBirthDate>{birth[current]}"
                        f"</PersonBirthDate><GenderCurrent>{gender[current]}</GenderCurrent></ChildIdentifiers>"
                        f"<ChildCharacteristics><Ethnicity>{ethnicity[current]}</Ethnicity></ChildCharacteristics>\n"
                    )
                ref = e.ref_s
                xml = f"<CINdetails><CINreferralDate>{ref}</CINreferralDate><ReferralSource>{e.source}</ReferralSource>"
                if e.closure <= end:
                    xml += f"<CINclosureDate>{e.closure_s}</CINclosureDate><ReasonForClosure>RC7</ReasonForClosure>"
                if e.assessed:
                    factors = "".join(
                        f"<AssessmentFactors>{f}</AssessmentFactors>" for f in FACTORS[(e.day % 7) : (e.day % 7) + 3]
                    )
                    xml += (
                        f"<Assessments><AssessmentActualStartDate>{ref}</AssessmentActualStartDate>"
                        f"<FactorsIdentifiedAtAssessment>{factors}</FactorsIdentifiedAtAssessment></Assessments>"
                    )
                if e.s47:
                    xml += f"<Section47><S47ActualStartDate>{ref}</S47ActualStartDate><DateOfInitialCPC>{ref}</DateOfInitialCPC><ICPCnotRequired>false</ICPCnotRequired></Section47>"
                xml += "<ReferralNFA>false</ReferralNFA>"
                if e.cpp:
                    cat = CATEGORIES[e.day % 5]
                    xml += (
                        f"<ChildProtectionPlans><CPPstartDate>{ref}</CPPstartDate><InitialCategoryOfAbuse>{cat}"
                        f"</InitialCategoryOfAbuse><LatestCategoryOfAbuse>{cat}</LatestCategoryOfAbuse>"
                        "<NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans>"
                    )
                out.write(xml + "</CINdetails>\n")
            if current is not None:
                out.write("</Child>\n")
            out.write("</Children></Message>\n")
        files[year] = str(path)
    lac = frame[frame["cpp"]].assign(DECOM=lambda f: (f["referral"] + pd.Timedelta(days=20)).dt.strftime("%d/%m/%Y"))
    ssda = pd.DataFrame(
        {
            "CHILD": lac["child"],
            "SEX": 1,
            "DOB": "",
            "ETHNIC": "",
            "UPN": "",
            "DECOM": lac["DECOM"],
            "RNE": "S",
            "LS": np.where(np.arange(len(lac)) % 2, "V2", "C1"),
        }
    )
    ssda = ssda.reindex(columns=list(SSDA903_COLUMNS), fill_value="")  # the columns not set: empty
    ssda.to_csv(folder / "ssda903_episodes.csv", index=False)
    lsoas = [f"E01{(la_index * 200 + i):06d}" for i in range(200)]
    pd.DataFrame({"LAchildID": child_ids, "LSOA11CD": rng.choice(lsoas, n_children)}).to_csv(
        folder / "child_lsoa.csv", index=False
    )
    return LAFiles(f"E09{la_index:06d}", files, str(folder / "ssda903_episodes.csv"), str(folder / "child_lsoa.csv"))


def merge_step(paths: list[str], work: Path) -> dict:
    import subprocess

    code = (
        "import json, resource, sys, time, pandas as pd\n"
        "from csc_inequalities.childlevel.pipeline import merge_las\n"
        "paths = json.loads(sys.argv[1]); out = sys.argv[2]\n"
        "counts = out + '/counts.csv'\n"
        "pd.DataFrame(columns=['la_code', 'rule', 'action', 'findings', 'description']).to_csv(counts, index=False)\n"
        "t = time.perf_counter()\n"
        "merge_las(paths, [counts], out + '/all.parquet', out + '/v.csv', out + '/e.csv', out + '/s.json', 10, False, True, 'benchmark')\n"
        "print(json.dumps({'seconds': round(time.perf_counter() - t, 1), 'las': len(paths),"
        " 'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(paths), str(work)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_with_generator() -> dict:
    """Default 6 LAs with the synthetic strand's generator: generate (real LSOAs, populations, IMD),
    then validate + episodes per LA, then the round trip against the generator's own table."""
    from csc_inequalities.childlevel.episodes import compare
    from csc_inequalities.config import load_schema, validate_config
    from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
    from csc_inequalities.synthetic.run import generate_all

    schemas = Path(tempfile.mkdtemp(prefix="schemas_"))
    (schemas / "sections").mkdir()
    shutil.copy(ROOT / "workflow/schemas/config.schema.yaml", schemas)
    shutil.copy(ROOT / "workflow/schemas/sections/synthetic.schema.yaml", schemas / "sections")
    shutil.copy(ROOT / "workflow/schemas/sections/lsoa.schema.yaml", schemas / "sections")
    config = validate_config({}, load_schema(schemas))  # the schema defaults = the default configuration
    synthetic = config["synthetic"]
    work = Path(tempfile.mkdtemp(prefix="childlevel_bench_gen_"))
    key = bytes(32)
    try:
        started = time.perf_counter()
        reference = build_lsoa_reference(ROOT / config["lsoa"]["resource_dir"])
        population = build_lsoa_population(ROOT / config["lsoa"]["resource_dir"], reference)
        reference_s = time.perf_counter() - started
        started = time.perf_counter()
        result = generate_all(
            synthetic,
            reference,
            population,
            str(ROOT / "resources/lca/published"),
            synthetic.get("lea_codes", {}),
            str(work),
            key,
        )
        generate_s = time.perf_counter() - started
        lsoa_codes = set(reference["lsoa11"])
        per_la, ours = [], []
        for la_code, files in result["manifest"].items():
            la_files = LAFiles(
                la_code, {int(y): p for y, p in files["cin_census"].items()}, files["ssda903"], files["child_lsoa"]
            )
            t0 = time.perf_counter()
            loaded = load_la(la_files, lsoa_codes, key)
            t1 = time.perf_counter()
            episodes = build_episodes(
                loaded.tables, loaded.ssda903, loaded.child_lsoa, reference, la_code, max(la_files.cin_census)
            )
            t2 = time.perf_counter()
            ours.append(episodes)
            per_la.append(
                {
                    "validate_s": t1 - t0,
                    "episodes_s": t2 - t1,
                    "episodes": len(episodes),
                    "findings": len(loaded.findings),
                    "input_mb": sum(os.path.getsize(p) for p in la_files.all_paths()) / 1e6,
                }
            )
        mismatches = compare(pd.concat(ours, ignore_index=True), result["episodes"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(schemas, ignore_errors=True)
    frame = pd.DataFrame(per_la)
    per_job = frame["validate_s"] + frame["episodes_s"]
    return {
        "benchmark": "childlevel generate + validate + episodes",
        "generator": "csc_inequalities.synthetic (the workflow's generator), default configuration",
        "las": len(frame),
        "years": list(range(synthetic["first_year"], synthetic["last_year"] + 1)),
        "episodes": int(frame["episodes"].sum()),
        "input_mb": round(float(frame["input_mb"].sum()), 1),
        "seconds": {
            "lsoa_reference_and_population": round(reference_s, 1),
            "generate": round(generate_s, 1),
            "validate": round(float(frame["validate_s"].sum()), 1),
            "episodes": round(float(frame["episodes_s"].sum()), 1),
            "validate_plus_episodes_per_la_max": round(float(per_job.max()), 1),
            "workflow_wall_2_cores_estimate": round(float(per_job.sum()) / 2, 1),
        },
        "round_trip_mismatches": mismatches,
        "round_trip_agrees": not mismatches,
        "findings": int(frame["findings"].sum()),
        "peak_rss_mb": round(peak_rss_mb(), 0),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--las", type=int, default=6)
    parser.add_argument("--years", type=int, nargs=2, default=[2014, 2018])
    parser.add_argument("--referrals-per-la-year", type=int, default=5000)
    parser.add_argument("--national", action="store_true", help="152 LAs, ~600,000 referrals a year in all")
    parser.add_argument(
        "--sample-las",
        type=int,
        default=None,
        help="process only this many of the LAs (at full per-LA size) and extrapolate the totals "
        "linearly: the per-LA jobs are independent, so time scales with the number of LAs and "
        "peak memory does not",
    )
    parser.add_argument("--seed", type=int, default=20200101)
    parser.add_argument("--output", default=str(ROOT / "benchmarks/results/childlevel.json"))
    parser.add_argument(
        "--writer", action="store_true", help="use the built-in writer even if the synthetic generator is available"
    )
    args = parser.parse_args(argv)
    if not args.national and not args.writer and args.las == 6:
        try:
            import csc_inequalities.synthetic.run  # noqa: F401
        except ImportError:
            pass
        else:
            result = run_with_generator()
            output = Path(args.output)
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(json.dumps(result, indent=2))
            print(json.dumps(result, indent=2))
            return 0
    if args.national:
        args.las, args.referrals_per_la_year = 152, 600_000 // 152
    years = list(range(args.years[0], args.years[1] + 1))
    work = Path(tempfile.mkdtemp(prefix="childlevel_bench_"))
    reference_rows = args.las * 200
    reference = pd.DataFrame(
        {
            "lsoa11": [f"E01{i:06d}" for i in range(reference_rows)],
            "imd2015_score": np.linspace(1, 80, reference_rows),
            "imd_decile_official": 10 - (np.arange(reference_rows) * 10 // reference_rows),
            "imd_decile_least1": 1 + (np.arange(reference_rows) * 10 // reference_rows),
        }
    )
    lsoa_codes = set(reference["lsoa11"])
    key = bytes(32)
    per_la = []
    try:
        for index in range(args.sample_las or args.las):
            started = time.perf_counter()
            files = write_la(work / f"la{index}", index, years, args.referrals_per_la_year, args.seed)
            generated = time.perf_counter()
            loaded = load_la(files, lsoa_codes, key)
            validated = time.perf_counter()
            episodes = build_episodes(
                loaded.tables, loaded.ssda903, loaded.child_lsoa, reference, files.la_code, years[-1]
            )
            built = time.perf_counter()
            (work / "episodes").mkdir(exist_ok=True)
            episodes.to_parquet(work / "episodes" / f"{files.la_code}.parquet", index=False)
            per_la.append(
                {
                    "generate_s": generated - started,
                    "validate_s": validated - generated,
                    "episodes_s": built - validated,
                    "episodes": len(episodes),
                    "input_mb": sum(os.path.getsize(p) for p in files.all_paths()) / 1e6,
                    "findings": len(loaded.findings),
                }
            )
            shutil.rmtree(work / f"la{index}")
            print(f"LA {index + 1}/{args.las}: {per_la[-1]}", file=sys.stderr)
        # The merge rule (all LAs -> episodes.parquet + disclosure-controlled counts), in a child
        # process so that its peak memory is its own. With --sample-las the sampled LAs' tables are
        # repeated to the full number of LAs (the merge does not look at the values).
        sampled = sorted((work / "episodes").glob("*.parquet"))
        paths = [str(sampled[i % len(sampled)]) for i in range(args.las)]
        merge = merge_step(paths, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    frame = pd.DataFrame(per_la)
    scale = args.las / len(frame)  # 1 unless --sample-las
    per_job = frame["validate_s"] + frame["episodes_s"]
    result = {
        "benchmark": "childlevel generate + validate + episodes",
        "generator": "benchmark writer (DfE-format XML, SSDA903, LSOA; same volume as the synthetic default)",
        "las": args.las,
        "years": years,
        "referrals_per_la_year": args.referrals_per_la_year,
        "las_processed": len(frame),
        "extrapolated": bool(scale != 1),
        "episodes": int(frame["episodes"].sum() * scale),
        "input_mb": round(float(frame["input_mb"].sum() * scale), 1),
        "seconds": {
            "generate": round(float(frame["generate_s"].sum() * scale), 1),
            "validate": round(float(frame["validate_s"].sum() * scale), 1),
            "episodes": round(float(frame["episodes_s"].sum() * scale), 1),
            "validate_plus_episodes_per_la_median": round(float(per_job.median()), 1),
            "validate_plus_episodes_per_la_max": round(float(per_job.max()), 1),
            "workflow_wall_2_cores_estimate": round(float(per_job.sum() * scale) / 2, 1),
        },
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "merge": merge,
        "peak_rss_mb": round(peak_rss_mb(), 0),
        "findings": int(frame["findings"].sum()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    output = Path(args.output)
    if args.national:
        output = output.with_name(output.stem + "_national.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
