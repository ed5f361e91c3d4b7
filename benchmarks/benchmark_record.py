"""What every small benchmark record ends with: the commit measured, when, a note; written as JSON
under benchmarks/results/ and printed."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_record(out: dict, name: str, note: str) -> Path:
    out["commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    out["measured"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out["note"] = note
    path = ROOT / "benchmarks" / "results" / f"{name}.json"
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))
    return path
