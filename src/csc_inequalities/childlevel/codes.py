"""DfE CIN census code lists by collection year, and the mappings onto the analysis codes.

Collection year = year ending 31 March (the census of 2016-17 is 2017). The lists follow the DfE
CIN census XML schemas as reconstructed by liia-tools (MIT): one list for 2013-14..2019-20 (the
2016-17 schema), from 2021 18A/19A split into 18B/18C/19B/19C, from 2022 factor 24A, from 2023
referral source 5D and reason for closure RC9.  From 2026 ``Sex`` (M/F/U) replaces
``GenderCurrent`` (0/1/2/9).

Analysis codes (the columns of episodes.parquet) are those of the 2017 schema: the study's
Appendix A names faith-based abuse 22B, the schemas 23A (both map to ``23A``); 2021's 18B/18C and
19B/19C map back to ``18A`` and ``19A``.
"""

from __future__ import annotations

GENDER_CODES = frozenset({"0", "1", "2", "9"})
SEX_CODES_2026 = frozenset({"M", "F", "U"})
GENDER_LABEL = {"1": "male", "2": "female", "M": "male", "F": "female"}  # anything else: unknown

ETHNICITY_GROUP = {
    "WBRI": "White",
    "WIRI": "White",
    "WIRT": "White",
    "WOTH": "White",
    "WROM": "White",
    "MWBC": "Mixed",
    "MWBA": "Mixed",
    "MWAS": "Mixed",
    "MOTH": "Mixed",
    "AIND": "Asian",
    "APKN": "Asian",
    "ABAN": "Asian",
    "AOTH": "Asian",
    "BCRB": "Black",
    "BAFR": "Black",
    "BOTH": "Black",
    # DfE statistics of the study period put Chinese under "any other ethnic group".
    "CHNE": "Other",
    "OOTH": "Other",
    "REFU": "Unknown",
    "NOBT": "Unknown",
}
ETHNICITY_CODES = frozenset(ETHNICITY_GROUP)

DISABILITY_CODES = frozenset(
    {"NONE", "MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA"}
)
UPN_UNKNOWN_CODES = frozenset({f"UN{i}" for i in range(1, 8)})

_REFERRAL_SOURCES = (
    "1A",
    "1B",
    "1C",
    "1D",
    "2A",
    "2B",
    "3A",
    "3B",
    "3C",
    "3D",
    "3E",
    "3F",
    "4",
    "5A",
    "5B",
    "5C",
    "6",
    "7",
    "8",
    "9",
    "10",
)
REFERRAL_SOURCE_GROUP = {
    **{c: "Individual" for c in ("1A", "1B", "1C", "1D")},
    **{c: "Schools and Education Services" for c in ("2A", "2B")},
    **{c: "Health Services" for c in ("3A", "3B", "3C", "3D", "3E", "3F")},
    **{c: "LA and Housing Services" for c in ("4", "5A", "5B", "5C", "5D")},
    "6": "Police",
    **{c: "Other" for c in ("7", "8", "9", "10")},
}
# The study's referral-source groups, in its order (codes not in the list count as "Other").
REFERRAL_SOURCE_GROUPS = tuple(dict.fromkeys(REFERRAL_SOURCE_GROUP.values()))

PRIMARY_NEED_CODES = frozenset({f"N{i}" for i in range(10)})
CATEGORY_OF_ABUSE = {
    "NEG": "Neglect",
    "EMO": "Emotional abuse",
    "PHY": "Physical abuse",
    "SAB": "Sexual abuse",
    "MUL": "Multiple",
}
YES_NO = {"true": True, "1": True, "false": False, "0": False}  # compared lower-cased

# The factor codes of the 2016-17 schema, in schema order: the analysis columns factor_<code>.
FACTORS_2017 = (
    "1A",
    "1B",
    "1C",
    "2A",
    "2B",
    "2C",
    "3A",
    "3B",
    "3C",
    "4A",
    "4B",
    "4C",
    "5A",
    "5B",
    "5C",
    "6A",
    "6B",
    "6C",
    "7A",
    "8B",
    "8C",
    "8D",
    "8E",
    "8F",
    "9A",
    "10A",
    "11A",
    "12A",
    "13A",
    "14A",
    "15A",
    "16A",
    "17A",
    "18A",
    "19A",
    "20",
    "21",
    "22A",
    "23A",
)
FACTOR_COLUMNS = tuple(f"factor_{code}" for code in FACTORS_2017)
# Codes of other years (or of the study's appendix) -> analysis code.
FACTOR_ALIASES = {"22B": "23A", "18B": "18A", "18C": "18A", "19B": "19A", "19C": "19A"}


def factor_codes(year: int) -> frozenset[str]:
    """Assessment factor codes valid in the census of ``year`` (plus the study's alias 22B)."""
    codes = set(FACTORS_2017) | {"22B"}
    if year >= 2021:
        codes -= {"18A", "19A"}
        codes |= {"18B", "18C", "19B", "19C"}
    if year >= 2022:
        codes.add("24A")
    return frozenset(codes)


def referral_source_codes(year: int) -> frozenset[str]:
    codes = set(_REFERRAL_SOURCES)
    if year >= 2023:
        codes.add("5D")
    return frozenset(codes)


def reason_for_closure_codes(year: int) -> frozenset[str]:
    codes = {f"RC{i}" for i in range(1, 9)}
    if year >= 2023:
        codes.add("RC9")
    return frozenset(codes)


def gender_codes(year: int) -> frozenset[str]:
    return GENDER_CODES | SEX_CODES_2026 if year >= 2026 else GENDER_CODES


def analysis_factor(code: str) -> str | None:
    """The analysis factor a census code counts towards (None for 24A, absent from 2017)."""
    code = FACTOR_ALIASES.get(code, code)
    return code if code in FACTORS_2017 else None


def parse_bool(series):
    """true/1 (any case) -> True; false/0, missing or anything else -> False."""
    text = series.astype("object").where(series.notna(), "").astype(str).str.strip().str.lower()
    return text.isin(["true", "1"]).astype(bool)
