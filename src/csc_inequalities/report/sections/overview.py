"""Overview section: what this run is, which data it used, and how to read the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def manifest_table(manifest_paths: list[str]) -> pd.DataFrame:
    """The shipped input files with their sha256 (from the resources manifests)."""
    rows = []
    for manifest in manifest_paths:
        base = Path(manifest).parent
        for line in Path(manifest).read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            digest, _, name = line.partition("  ")
            rows.append({"file": str(base / name.strip()), "sha256": digest[:16] + "…"})
    return pd.DataFrame(rows, columns=["file", "sha256"])


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    manifests = [path for key, path in sorted(inputs.items()) if key.startswith("manifest")]
    return {
        "manifests": manifest_table(manifests),
        "source": config.get("extracts", {}).get("source", "synthetic"),
        "min_cell": config.get("disclosure", {}).get("min_cell", 10),
    }
