"""One caption source for both reports: ``report/captions/<name>.rst``.

``snakemake --report`` renders each caption file with Jinja2 (``snakemake.params``,
``snakemake.config``, ``snakemake.wildcards`` of the job that made the figure) and then as
reStructuredText. The Jinja report renders the same file with the same names, taking ``params``
from the rule's provenance record (what the rule actually used) and ``config`` from the run, so a
caption is written once, and any number in it comes from the run. Captions are plain paragraphs
(no reST markup beyond text), so the Jinja report shows the rendered text as it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2


def _params(provenance: str | Path | dict[str, Any] | None) -> dict[str, Any]:
    if provenance is None:
        return {}
    if isinstance(provenance, dict):
        return provenance.get("params", provenance)
    path = Path(provenance)
    return json.loads(path.read_text()).get("params", {}) if path.exists() else {}


def render_caption(
    name: str,
    provenance: str | Path | dict[str, Any] | None = None,
    *,
    caption_dir: str | Path,
    config: dict[str, Any],
    wildcards: dict[str, Any] | None = None,
) -> str:
    """The caption ``name`` as the Snakemake report shows it, with the rule's parameters from its
    provenance record; a name without a file is an error (every figure has a caption)."""
    path = Path(caption_dir) / f"{name}.rst"
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    snakemake = SimpleNamespace(params=_params(provenance), config=config, wildcards=dict(wildcards or {}))
    text = env.from_string(path.read_text(encoding="utf-8")).render(snakemake=snakemake)
    return " ".join(text.split())
