"""First section: published against reproduced (real data) and, kept apart, published against the
generator's truth and estimate (synthetic calibration), from results/report/published_vs_reproduced.csv."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
from markupsafe import Markup

from csc_inequalities.report.format import format_value
from csc_inequalities.report.html import read_json

REAL_COLUMNS = [
    ("target", "published number"),
    ("published", "published"),
    ("reproduced", "reproduced"),
    ("difference", "difference"),
    ("tolerance", "tolerance"),
    ("status", "status"),
]
CALIBRATION_COLUMNS = [
    ("target", "calibration target"),
    ("published", "published"),
    ("truth", "truth (generator)"),
    ("estimate", "estimate (95% CI)"),
    ("difference", "log(truth / published)"),
    ("tolerance", "tolerance"),
    ("status", "status"),
]
STATUS_CLASS = {"matched": "ok", "published within 95% CI": "ok"}


def _cell(row: pd.Series, column: str) -> str:
    kind = row["kind"] if column in ("published", "reproduced", "truth", "estimate") else "rho"
    if column == "estimate":
        text = format_value(row["estimate"], kind)
        if not pd.isna(row["estimate_low"]):
            text += f" ({format_value(row['estimate_low'], kind)}–{format_value(row['estimate_high'], kind)})"
        return html.escape(text)
    if column == "target":
        note = "" if pd.isna(row["note"]) else str(row["note"])
        title = f' title="{html.escape(note)}"' if note else ""
        return f"<span{title}>{html.escape(str(row['target']))}</span>" + (" <sup>note</sup>" if note else "")
    if column == "difference":
        return html.escape(format_value(row["difference"], "rho"))
    if column == "tolerance":
        value = row["tolerance"]
        try:
            return html.escape(f"± {format_value(float(value), 'rho')}" if str(value) != "95% CI" else "95% CI")
        except (TypeError, ValueError):
            return "–"
    if column == "status":
        status = str(row["status"])
        css = STATUS_CLASS.get(status, "warn" if status.startswith(("outside", "N differs", "jointly")) else "neutral")
        return f'<span class="{css}">{html.escape(str(row["status"]))}</span>'
    return html.escape(format_value(row[column], kind))


def rows_html(frame: pd.DataFrame, columns: list[tuple[str, str]]) -> Markup:
    """The comparison as an HTML table, each row linking to its section and naming rule and script."""
    head = (
        "".join(f'<th title="{c}">{html.escape(label)}</th>' for c, label in columns)
        + '<th title="section, rule, script">made by</th>'
    )
    body = []
    for _, row in frame.iterrows():
        cells = "".join(f"<td>{_cell(row, c)}</td>" for c, _ in columns)
        made = (
            f'<a href="#{html.escape(row["section"])}">{html.escape(row["section"])}</a>, rule '
            f"<code>{html.escape(row['rule'])}</code>, <code>{html.escape(row['script'])}</code>"
        )
        body.append(f"<tr>{cells}<td class='made'>{made}</td></tr>")
    return Markup(
        f'<div class="table-wrap"><table class="data summary"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def by_source(frame: pd.DataFrame) -> pd.DataFrame:
    """Matched / compared per published source (the overview a reader reads first)."""
    comparable = frame[~frame["status"].isin(["no public data", "no truth", "not fitted", "shown, not a target"])]
    out = frame.groupby("source", sort=False).size().rename("published").to_frame()
    out["compared"] = comparable.groupby("source", sort=False).size()
    out["matched"] = (
        comparable[comparable["status"].isin(["matched", "published within 95% CI"])]
        .groupby("source", sort=False)
        .size()
    )
    return out.fillna(0).astype(int).reset_index()


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    table = pd.read_csv(inputs["table"])
    counts = read_json(inputs["counts"])
    real = table[table["group"] == "real data"]
    calibration = table[table["group"] == "synthetic calibration"]
    return {
        "counts": counts,
        "real_by_source": by_source(real),
        "real_rows": rows_html(real, REAL_COLUMNS),
        "real_not_matched": rows_html(real[real["status"] != "matched"], REAL_COLUMNS),
        "n_real_not_matched": int((real["status"] != "matched").sum()),
        "calibration_by_source": by_source(calibration),
        "calibration_rows": rows_html(calibration, CALIBRATION_COLUMNS),
        "n_calibration": len(calibration),
    }
