"""Validate an LA's extract files alone, before running anything else.

    python -m csc_inequalities.childlevel.validate --config config/config.yaml [--la E09000001]

Reads the files named under ``extracts.las`` (or the synthetic ones with ``extracts.source:
synthetic``, once the workflow has generated them), prints every finding to the console, writes
the full list (with the LA's child references) to ``<validation.report_dir>/standalone/`` (local,
git-ignored; the workflow's own findings files are never touched) and exits 1 if any finding stops
the run (structural problems, or consistency rules whose policy is ``error``), else 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

from csc_inequalities.childlevel.extracts import (
    LA_NUMBERS_FILE,
    configured_file_problems,
    la_numbers,
    validate_la,
    workflow_la_files,
)
from csc_inequalities.config import load_schema, validate_config

DEFAULT_LSOA_REFERENCE = "results/lsoa/lsoa_reference.parquet"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m csc_inequalities.childlevel.validate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", default="config/config.yaml", help="workflow config file")
    parser.add_argument("--schemas", default="workflow/schemas", help="config schema directory")
    parser.add_argument("--la", action="append", help="only this LA code (repeatable)")
    parser.add_argument(
        "--lsoa-reference",
        default=DEFAULT_LSOA_REFERENCE,
        help="LSOA reference parquet (column lsoa11); if absent the unknown-LSOA check is skipped",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary lines")
    parser.add_argument("--max-lines", type=int, default=50, help="findings printed per LA (default 50)")
    args = parser.parse_args(argv)

    config = validate_config(yaml.safe_load(Path(args.config).read_text()) or {}, load_schema(args.schemas))
    extracts = config["extracts"]
    if extracts["source"] == "extracts":
        problems = configured_file_problems(extracts)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 2
    las = workflow_la_files(config)
    if args.la:
        unknown = sorted(set(args.la) - set(las))
        if unknown:
            print(f"LA code(s) not in the configuration: {', '.join(unknown)}", file=sys.stderr)
            return 2
        las = {code: las[code] for code in args.la}
    if not las:
        print("no LAs configured (extracts.las is empty)", file=sys.stderr)
        return 2
    lsoa_codes = lsoa_la = None
    if Path(args.lsoa_reference).exists():
        reference = pd.read_parquet(args.lsoa_reference, columns=["lsoa11", "la_code"])
        lsoa_codes = set(reference["lsoa11"])
        lsoa_la = dict(zip(reference["lsoa11"], reference["la_code"]))
    else:
        print(f"note: {args.lsoa_reference} not found; LSOA codes are checked for form only", file=sys.stderr)
    numbers = la_numbers(LA_NUMBERS_FILE) if Path(LA_NUMBERS_FILE).exists() else {}
    report_dir = Path(config["validation"]["report_dir"]) / "standalone"
    report_dir.mkdir(parents=True, exist_ok=True)
    stop = False
    for la_code, files in sorted(las.items()):
        policy = {**config["validation"]["policy"], **config["validation"]["dfe_policy"]}
        _, _, _, findings, _ = validate_la(
            files,
            lsoa_codes,
            policy,
            config["validation"]["dfe_rules"],
            lsoa_la=lsoa_la,
            la_number=numbers.get(la_code),
            max_outside_share=config["validation"]["max_share_lsoa_outside_la"],
        )
        path = report_dir / f"{la_code}_findings.csv"
        findings.to_csv(path, index=False)
        n_error = int((findings["action"] == "error").sum())
        if not args.quiet:
            # Errors first; the console shows at most --max-lines findings per LA (the file has all).
            ordered = findings.sort_values("action", key=lambda a: a.ne("error"), kind="stable")
            for action, message in zip(ordered["action"].head(args.max_lines), ordered["message"].head(args.max_lines)):
                print(f"{action.upper():5} {message}")
            if len(ordered) > args.max_lines:
                print(f"... and {len(ordered) - args.max_lines} more findings")
        counts = findings.groupby("action").size().to_dict()
        print(
            f"{la_code}: {len(findings)} findings ({', '.join(f'{k} {v}' for k, v in sorted(counts.items())) or 'none'}); "
            f"full list in {path}"
        )
        for (rule, action), n in findings.groupby(["rule", "action"]).size().items():
            print(f"  {rule} ({action}): {n}")
        stop |= n_error > 0
    print("validation FAILED: fix the findings marked ERROR" if stop else "validation passed")
    return 1 if stop else 0


if __name__ == "__main__":
    sys.exit(main())
