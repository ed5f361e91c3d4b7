"""Small HTML building blocks used by the report's section templates.

Figures are embedded as data URIs and tables as plain HTML, so the report is one self-contained
file that opens offline. Nothing here computes a result: it only presents result files.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from csc_inequalities.report.format import KIND_FORMATS, TableWriter, column_kind, parameters_table, people_table


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


def read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, keep_default_na=True)


def figure_html(path: str | Path, caption: str = "", alt: str | None = None) -> Markup:
    """Embed a PNG/SVG/JPEG figure as a data URI with an optional caption."""
    path = Path(path)
    if path.suffix.lower() == ".svg":
        body = path.read_text()
        img = f'<div class="svg">{body}</div>'
    else:
        mime = mimetypes.guess_type(path.name)[0] or "image/png"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        img = f'<img src="data:{mime};base64,{data}" alt="{html.escape(alt or caption or path.name)}">'
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return Markup(f'<figure>{img}{cap}<div class="file">{html.escape(str(path))}</div></figure>')


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def table_html(
    table: pd.DataFrame | str | Path,
    caption: str | None = None,
    float_format: str | None = "{:.3f}",
    max_rows: int | None = None,
    index: bool = False,
    kinds: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    collapse_rows: int = 25,
    name: str | None = None,
    writer: TableWriter | None = None,
    notes: str | None = None,
) -> Markup:
    """Render a data frame (or a CSV/parquet path) as a table for people (see report.format):
    headers in words with the code name as tooltip, numbers by the kind of their column
    (``float_format`` only for columns of no known kind), missing shown as '–'; a table longer
    than ``collapse_rows`` is collapsed, with the whole table as CSV beside the report."""
    frame = read_table(table) if isinstance(table, (str, Path)) else table
    frame = frame.reset_index() if index else frame
    full = frame
    kinds = dict(kinds or {})
    if float_format:
        for col in frame.columns:
            if col not in kinds and column_kind(col) == "number" and pd.api.types.is_float_dtype(frame[col]):
                kinds[col] = _custom_kind(float_format)
    truncated = ""
    if max_rows is not None and len(frame) > max_rows:
        link = writer.write(full, name or caption or "table") if writer is not None else None
        where = f'<a class="download" href="{html.escape(link)}" download>CSV</a>' if link else "in the result file"
        truncated = f'<p class="note">First {max_rows} of {len(frame)} rows shown; the full table: {where}.</p>'
        frame = frame.head(max_rows)
    body = people_table(
        frame,
        caption=caption,
        kinds=kinds,
        labels=labels,
        collapse_rows=collapse_rows,
        writer=writer if not truncated else None,
        name=name,
        notes=notes,
    )
    return Markup(f"{body}{truncated}")


def _custom_kind(float_format: str) -> str:
    """Register a template's explicit float format as a kind (fallback for unknown columns)."""
    key = f"format:{float_format}"
    if key not in KIND_FORMATS:
        KIND_FORMATS[key] = lambda value, f=float_format: f.format(value)
    return key


def provenance_html(path: str | Path | None) -> Markup:
    """A collapsible block: rule, script, inputs with sha256, parameters, versions, commit."""
    if path is None or not Path(path).exists():
        return Markup('<p class="note">No provenance record.</p>')
    record = read_json(path)
    rows = []
    for entry in record.get("inputs", []):
        sha = entry.get("sha256", "")
        rows.append(
            f"<tr><td>{html.escape(entry.get('name', ''))}</td><td><code>{html.escape(entry.get('path', ''))}</code></td>"
            f"<td><code>{sha[:16]}{'…' if sha else ''}</code></td></tr>"
        )
    params = people_table(parameters_table(dict(sorted(record.get("params", {}).items()))), collapse_rows=10_000)
    packages = ", ".join(f"{k} {v}" for k, v in sorted(record.get("packages", {}).items()))
    seconds = record.get("seconds")
    return Markup(
        "<details class='provenance'><summary>Provenance: rule <code>"
        f"{html.escape(str(record.get('rule')))}</code>, script <code>{html.escape(str(record.get('script')))}</code>"
        f"{f', {seconds:.1f} s' if isinstance(seconds, (int, float)) else ''}</summary>"
        "<table class='prov'><tr><th>input</th><th>file</th><th>sha256</th></tr>" + "".join(rows) + "</table>"
        f"<p><b>Parameters</b> (as the rule used them; exact values in <code>{html.escape(str(path))}</code>)</p>{params}"
        f"<p><b>Software</b>: {html.escape(packages)}</p>"
        f"<p><b>Git commit</b>: <code>{html.escape(str(record.get('git_commit')))}</code>; "
        f"created {html.escape(str(record.get('created')))}</p></details>"
    )


def number(value: Any, fmt: str = "{:,.3f}") -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


TEMPLATE_GLOBALS = {
    "figure": figure_html,
    "table": table_html,
    "provenance": provenance_html,
    "read_json": read_json,
    "read_table": read_table,
    "number": number,
}
