"""Section 251 outturn: children's social care spend per LA, 2011-12 .. 2018-19.

The DfE S251 outturn LA tables ("Table A1", one row per LA × budget line, £ net current
expenditure) come as xlsx/ods workbooks of about 0.5 MB each whose line numbering and wording
change between years. ``extract_lines`` copies, verbatim, the rows of the lines the panel needs
from each workbook into one small CSV shipped under resources/national/raw/ (run as
``python -m csc_inequalities.national.s251 OUT.csv YEAR=WORKBOOK ...``; the SOURCES note lists
the workbooks and their sha256). ``spend_measures`` classifies those lines and sums them:

* ``spend_safeguarding``: the line "Total Safeguarding Children and Young People's Services"
  (2011-12: "Total Children and Young People's Safety/children social care"): social work incl.
  child protection functions, commissioning and strategy, the local safeguarding children board.
* ``spend_csc_total``: children looked after + safeguarding + other children's and families
  services + family support + services for young people + youth justice (final report Table 1
  note 2), i.e. children's and young people's services without Sure Start/early years.

A component that is missing leaves the total missing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from csc_inequalities.national.codes import assign_la_codes
from csc_inequalities.national.sources import read_raw_csv, to_numeric

COMPONENTS: dict[str, str] = {
    "looked_after": r"total\s+children\s+looked\s+after",
    "safeguarding": r"total\s+(safeguarding\s+children|children\s+and\s+young\s+people'?s\s+safety)",
    "family_support": r"total\s+family\s+support",
    "other_families_total": r"total\s+other\s+children'?s\s+and\s+families",
    "other_families_line": r"other\s+child(ren)?'?s?\s+and\s+famil(y|ies)\s+services",
    "young_people": r"total\s+services\s+for\s+young\s+people",
    "youth_justice": r"youth\s+justice",
}
EXTRACT_COLUMNS = ["year", "source_file", "LA", "LA Name", "description", "NetCurrentExpenditure"]


def _clean(description: str) -> str:
    """Drop the leading line number ('3.1.11 ', '16 ', '18. ') and squeeze spaces."""
    text = re.sub(r"^\s*[\d.]+\s*", "", str(description))
    return re.sub(r"\s+", " ", text).strip()


def classify_line(description: str) -> str | None:
    """The spend component a budget line is, or None (checked in COMPONENTS order)."""
    text = _clean(description)
    lower = text.lower()
    for name, pattern in COMPONENTS.items():
        if name == "youth_justice":
            if re.fullmatch(pattern, lower):
                return name
        elif name == "other_families_line":
            if re.fullmatch(pattern, lower):
                return name
        elif re.match(pattern, lower):
            return name
    return None


def read_table_a1(path: str | Path) -> pd.DataFrame:
    """The LA × line table of one outturn workbook (header row found by its 'LA' cell)."""
    book = pd.ExcelFile(path)
    for sheet in book.sheet_names:
        frame = pd.read_excel(book, sheet, header=None, dtype=str)
        if len(frame):
            break
    header = next(i for i in range(10) if "LA" in [str(v).strip() for v in frame.iloc[i]])
    body = frame.iloc[header + 1 :].copy()
    body.columns = [str(c).strip() for c in frame.iloc[header]]
    desc = next(c for c in body.columns if "Description" in c)
    return body.rename(columns={desc: "description"})


def extract_lines(workbooks: dict[int, str | Path]) -> pd.DataFrame:
    """Verbatim rows of the spend lines the panel uses, from each year's workbook."""
    parts = []
    for year, path in sorted(workbooks.items()):
        body = read_table_a1(path)
        keep = body["description"].map(lambda d: classify_line(d) is not None)
        rows = body.loc[keep, ["LA", "LA Name", "description", "NetCurrentExpenditure"]].copy()
        rows.insert(0, "source_file", Path(path).name)
        rows.insert(0, "year", year)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)[EXTRACT_COLUMNS]


def spend_measures(extract_path: str | Path, reference: pd.DataFrame, years, source: str) -> pd.DataFrame:
    """Long frame (readers.LONG_COLUMNS) of spend_safeguarding and spend_csc_total per LA-year."""
    raw = read_raw_csv(extract_path)
    raw = raw[pd.to_numeric(raw["year"], errors="coerce").isin(list(years))]
    raw = raw.assign(component=raw["description"].map(classify_line), value=to_numeric(raw["NetCurrentExpenditure"]))
    parts = []
    for year, frame in raw.groupby("year"):
        wide = frame.pivot_table(index="LA", columns="component", values="value", aggfunc="sum", dropna=False)
        present = frame.groupby(["LA", "component"])["value"].count().unstack()
        wide = wide.where(present.reindex_like(wide) > 0)  # an all-missing component stays missing
        wide = wide.reset_index()
        wide["level"] = "LA"
        rows = assign_la_codes(wide, reference, old_code="LA", level="level", source=f"{source} {year}")
        other = rows.get("other_families_total", pd.Series(np.nan, index=rows.index))
        if "other_families_line" in rows:
            other = other.where(other.notna(), rows["other_families_line"])
        components = [
            rows.get(c, pd.Series(np.nan, index=rows.index))
            for c in ("looked_after", "safeguarding", "family_support", "young_people", "youth_justice")
        ] + [other]
        total = sum(components)  # NaN if any component is missing
        for measure, values, column in (
            ("spend_safeguarding", rows.get("safeguarding"), "NetCurrentExpenditure [Total Safeguarding ...]"),
            (
                "spend_csc_total",
                total,
                "NetCurrentExpenditure [sum of CLA, safeguarding, other children's "
                "and families, family support, young people, youth justice]",
            ),
        ):
            parts.append(
                pd.DataFrame(
                    {
                        "la_code": rows["la_code"].to_numpy(),
                        "year": int(year),
                        "measure": measure,
                        "value": np.asarray(values, dtype=float),
                        "source_file": source,
                        "source_column": column,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def main(argv: list[str]) -> None:
    out, pairs = argv[0], argv[1:]
    workbooks = {int(p.split("=", 1)[0]): p.split("=", 1)[1] for p in pairs}
    extract_lines(workbooks).to_csv(out, index=False)


if __name__ == "__main__":
    main(sys.argv[1:])
