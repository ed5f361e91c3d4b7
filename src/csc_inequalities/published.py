"""The study's published headline figures (``resources/gradient/published/headline.yaml``), read in
one place. A figure that is asked for and missing is an error naming the file and the key: a renamed
key must stop the run, not turn into a dash in the report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


class PublishedFigures:
    """``figures`` of headline.yaml: ``value(key)`` for a number, ``range(key)`` for low/high."""

    def __init__(self, figures: Mapping[str, Any], source: str = "headline.yaml"):
        self.figures = figures
        self.source = source

    @classmethod
    def load(cls, path: str | Path) -> PublishedFigures:
        data = yaml.safe_load(Path(path).read_text())
        if not isinstance(data, Mapping) or not isinstance(data.get("figures"), Mapping):
            raise ValueError(f"{path}: expected a mapping with a 'figures' section of published figures")
        return cls(data["figures"], str(path))

    def entry(self, key: str) -> Mapping[str, Any]:
        if key not in self.figures:
            raise KeyError(f"{self.source}: no published figure {key!r}")
        return self.figures[key]

    def value(self, key: str) -> float:
        entry = self.entry(key)
        if "value" not in entry:
            raise KeyError(f"{self.source}: published figure {key!r} has no 'value' (fields: {', '.join(entry)})")
        return float(entry["value"])

    def printed(self, key: str) -> str:
        """The figure as the study printed it: its ``printed`` text if the file gives one (1.80 for
        a value of 1.8), else its value as the file writes it."""
        entry = self.entry(key)
        if "printed" in entry:
            return str(entry["printed"])
        if "value" not in entry:
            raise KeyError(f"{self.source}: published figure {key!r} has no 'value' (fields: {', '.join(entry)})")
        return str(entry["value"])

    def range(self, key: str) -> tuple[float, float]:
        entry = self.entry(key)
        if "low" not in entry or "high" not in entry:
            raise KeyError(f"{self.source}: published figure {key!r} is not a low/high range")
        return float(entry["low"]), float(entry["high"])
