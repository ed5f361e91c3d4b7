"""LA codes: the 152 upper-tier local authorities of 2013, harmonised across releases.

Each LA has a DfE 3-digit code (``la_code_old``, stable 2010-2019) and an ONS 9-character code
(``la_code``, E06/E08/E09/E10). The panel keys on the 2013 ONS codes. Traps in the raw files:

* England and the Isle of Wight share the 3-digit code 921 in the 2009-10..2011-12 CIN files
  (England's row is ``geog_l == National``), and from 2012-13 the National row carries the Isle of
  Wight's ONS code E06000046 in several files. Aggregate rows are therefore recognised by their
  geographic level (or the name England), never by code.
* On 1 April 2013 Northumberland (E06000048 -> E06000057) and Gateshead (E08000020 -> E08000037)
  were given new ONS codes (boundaries unchanged; 3-digit codes 929 and 390 unchanged).
* From 2019-20 Bournemouth (837), Poole (836) and Dorset (835) were replaced by Bournemouth,
  Christchurch and Poole (839) and a new Dorset (838); from 2021-22 Northamptonshire (928) by North
  (940) and West (941) Northamptonshire. These successors do not cover a 2013 LA exactly, so their
  rows are not mapped and the 2013 LAs have missing values in those years.
"""

from __future__ import annotations

import pandas as pd

# ONS code changes of 1 April 2013 (old -> 2013 code); boundaries unchanged.
CODE_CHANGES_2013 = {"E06000048": "E06000057", "E08000020": "E08000037"}
# Successor authorities that do not map onto one 2013 LA (left out, documented).
UNMAPPED_SUCCESSORS = {
    "838": "Dorset (from 2019-20)",
    "839": "Bournemouth, Christchurch and Poole (from 2019-20)",
    "940": "North Northamptonshire (from 2021-22)",
    "941": "West Northamptonshire (from 2021-22)",
    "942": "Cumberland (from 2023-24)",
    "943": "Westmorland and Furness (from 2023-24)",
    "E06000063": "Cumberland",
    "E06000064": "Westmorland and Furness",
    "E06000058": "Bournemouth, Christchurch and Poole",
    "E06000059": "Dorset (2019)",
    "E06000061": "North Northamptonshire",
    "E06000062": "West Northamptonshire",
}
# Levels of aggregate rows across releases (compared lower-case).
AGGREGATE_LEVELS = frozenset({"national", "country", "region", "regional", "gor", "england", "inner/outer london"})
LA_LEVELS = frozenset({"la", "local authority", "local authority district", "utla"})
# LAs with suppressed cells in most files; kept as rows (cells missing).
SMALL_LAS = {"E09000001": "City of London", "E06000053": "Isles of Scilly"}


class CodeError(ValueError):
    """A row whose LA cannot be placed, or two rows claiming the same LA."""


def normalise_old_code(value) -> str | None:
    """'921', 921, 921.0, ' 921 ' -> '921'; blanks and region letters -> None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return text if text.isdigit() and len(text) == 3 else None


def harmonise_new_code(value) -> str | None:
    """An ONS LA code mapped to its 2013 equivalent (Northumberland, Gateshead)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().upper()
    if not text:
        return None
    return CODE_CHANGES_2013.get(text, text)


def is_aggregate_row(level, name) -> bool:
    """National/regional rows, recognised by level or by the name England (not by code)."""
    lvl = "" if level is None or (isinstance(level, float) and pd.isna(level)) else str(level).strip().lower()
    if lvl in AGGREGATE_LEVELS:
        return True
    if lvl in LA_LEVELS:
        return False
    nm = "" if name is None or (isinstance(name, float) and pd.isna(name)) else str(name).strip().lower()
    return nm in {"england", "england total", "total"}


def la_reference(imd_file11: pd.DataFrame, old_codes: pd.DataFrame) -> pd.DataFrame:
    """The 152 LAs of 2013: ``la_code``, ``la_code_old``, ``la_name``.

    ``imd_file11``: IMD 2015 File 11 (upper-tier LA summaries, 2013 codes and names);
    ``old_codes``: a frame with ``la_code_old`` and ``la_code`` (e.g. the 2013-14 CIN file's
    ``geog_c`` and ``new_la_code``) supplying the DfE 3-digit codes.
    """
    ref = pd.DataFrame(
        {
            "la_code": imd_file11.iloc[:, 0].astype(str).str.strip().map(harmonise_new_code),
            "la_name": imd_file11.iloc[:, 1].astype(str).str.strip(),
        }
    )
    ref = ref[ref["la_code"].str.match(r"^E(06|08|09|10)\d{6}$", na=False)]
    lookup = (
        old_codes.assign(
            la_code=old_codes["la_code"].map(harmonise_new_code),
            la_code_old=old_codes["la_code_old"].map(normalise_old_code),
        )
        .dropna(subset=["la_code", "la_code_old"])
        .drop_duplicates("la_code")
    )
    ref = ref.merge(lookup[["la_code", "la_code_old"]], on="la_code", how="left")
    if len(ref) != 152 or ref["la_code_old"].isna().any() or ref["la_code_old"].duplicated().any():
        missing = ref.loc[ref["la_code_old"].isna(), "la_name"].tolist()
        raise CodeError(f"LA reference is not 152 LAs with unique 3-digit codes (no code for {missing})")
    return ref[["la_code", "la_code_old", "la_name"]].sort_values("la_code").reset_index(drop=True)


def assign_la_codes(
    frame: pd.DataFrame,
    reference: pd.DataFrame,
    old_code: str | None = None,
    new_code: str | None = None,
    level: str | None = None,
    name: str | None = None,
    source: str = "",
) -> pd.DataFrame:
    """Drop aggregate rows and give every LA row its 2013 ``la_code``.

    The 3-digit code is used when present (stable over 2010-2019 and never confused with the
    national row once aggregate rows are dropped), else the ONS code mapped to 2013. Rows of
    successor authorities that do not map onto one 2013 LA are dropped; any other row that
    cannot be placed, or two rows for one LA, raise CodeError naming the source.
    """
    n = len(frame)
    levels = frame[level].tolist() if level else [None] * n
    names = frame[name].tolist() if name else [None] * n
    keep = [not is_aggregate_row(lv, nm) for lv, nm in zip(levels, names)]
    rows = frame.loc[keep].copy()
    by_old = dict(zip(reference["la_code_old"], reference["la_code"]))
    valid_new = set(reference["la_code"])
    olds = rows[old_code].tolist() if old_code else [None] * len(rows)
    news = rows[new_code].tolist() if new_code else [None] * len(rows)
    labels = rows[name].tolist() if name else [""] * len(rows)
    codes = []
    for raw_old, raw_new, label in zip(olds, news, labels):
        old = normalise_old_code(raw_old)
        new = harmonise_new_code(raw_new)
        if old is not None and old in by_old:
            codes.append(by_old[old])
        elif new is not None and new in valid_new:
            codes.append(new)
        elif (old in UNMAPPED_SUCCESSORS) or (new in UNMAPPED_SUCCESSORS) or (new and "/" in new):
            # Successor authorities, and joint-service rows such as the workforce files'
            # "Kingston upon Thames / Richmond upon Thames", belong to no single 2013 LA.
            codes.append(None)
        else:
            raise CodeError(f"{source}: cannot place LA row {label!r} (3-digit {old!r}, ONS {new!r})")
    rows["la_code"] = codes
    rows = rows[rows["la_code"].notna()]
    dupes = rows.loc[rows["la_code"].duplicated(), "la_code"].tolist()
    if dupes:
        raise CodeError(f"{source}: more than one row for LA {', '.join(sorted(set(dupes)))}")
    return rows
