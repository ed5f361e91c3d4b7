"""Benchmark (not a test): what each workflow script imports before it does any work, and how long
that takes (issue 13, "cheap jobs": no job imports what it does not use).

For every workflow/scripts/*.py, the import statements at module level (those a job runs before
its first line of work; imports inside functions run only when called) are run in a fresh
interpreter under ``python -X importtime``, five times; the median total is kept, with the heavy
packages the script pulled in (pandera, rpy2, stepmix, sklearn, scipy, matplotlib, statsmodels,
lxml, pyarrow). R itself is not started by an import (csc_inequalities.gradient.r_engine starts it
at the first fit).

    .venv/bin/python benchmarks/imports.py [--root DIR] [--label after] [--repeat 5]

--root measures another checkout (e.g. main before a change, from `git archive`): its scripts, its
package first on the path. Results are merged into benchmarks/results/imports.json under --label.
"""

from __future__ import annotations

import argparse
import ast
import datetime as _dt
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandera", "rpy2", "stepmix", "sklearn", "scipy", "matplotlib", "statsmodels", "lxml", "pyarrow", "pandas")


def import_lines(script: Path) -> str:
    """The script's module-level import statements (also those inside a top-level with/try)."""
    tree = ast.parse(script.read_text())
    lines = []

    def visit(body):
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not (
                isinstance(node, ast.ImportFrom) and node.module == "__future__"
            ):
                lines.append(ast.unparse(node))
            elif isinstance(node, (ast.With, ast.Try, ast.If)):
                visit(node.body)

    visit(tree.body)
    return "\n".join(lines)


def measure(code: str, src: Path, repeat: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    totals, modules = [], set()
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
        total = 0
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
                continue
            _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
            modules.add(name.strip())
            if not line.split("|")[2].startswith("  "):  # a top-level import: its cumulative time
                total += int(cumulative)
        totals.append(total / 1e6)
    return {
        "import_s": round(statistics.median(totals), 3),
        "heavy": sorted(h for h in HEAVY if h in {m.split(".")[0] for m in modules}),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(ROOT), help="checkout whose scripts and package are measured")
    parser.add_argument("--label", default="after")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(args.root).resolve()
    scripts = {}
    for script in sorted((root / "workflow" / "scripts").glob("*.py")):
        scripts[script.stem] = measure(import_lines(script), root / "src", args.repeat)
        print(script.stem, scripts[script.stem], flush=True)
    out = ROOT / "benchmarks" / "results" / "imports.json"
    result = json.loads(out.read_text()) if out.exists() else {"benchmark": "imports"}
    measured = [v["import_s"] for v in scripts.values() if "import_s" in v]
    result[args.label] = {
        "root": str(root),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "load_average": list(os.getloadavg()),
        "repeat": args.repeat,
        "scripts": scripts,
        "total_s": round(sum(measured), 3),
        "median_s": round(statistics.median(measured), 3),
    }
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
