"""DfE rules on the header, ChildIdentifiers and ChildCharacteristics (UPN, birth date, disability)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_inequalities.childlevel.dfe.engine import Flag, ReturnData, _dates, date_text, dfe_rule, flag

# UPN check letter: the remainder mod 23 of sum(digit_i * i) over characters 2..13 (weights 2..13).
CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_check_letter(upn: str) -> str | None:
    """The check letter a 13-character UPN must start with (None if characters 2-13 are not digits)."""
    if len(upn) != 13 or not upn[1:].isdigit():
        return None
    return CHECK_LETTERS[sum(int(d) * w for d, w in zip(upn[1:], range(2, 14))) % 23]


def _la_codes(*extra: int, without: tuple[int, ...] = ()) -> frozenset[str]:
    """Post-April-1998 LA numbers and DfE's pseudo-LA codes that rule 1530 accepts."""
    ranges = [
        (1, 5),
        (201, 213),
        (301, 320),
        (330, 336),
        (340, 344),
        (350, 359),
        (370, 373),
        (380, 384),
        (390, 394),
        (660, 681),
        (701, 708),
        (800, 803),
        (805, 808),
        (810, 813),
        (820, 823),
        (835, 839),
        (850, 852),
        (855, 857),
        (865, 896),
        (935, 938),
        (940, 941),
    ]
    single = [
        420,
        815,
        816,
        825,
        826,
        830,
        831,
        840,
        841,
        845,
        846,
        860,
        861,
        908,
        909,
        916,
        919,
        921,
        925,
        926,
        928,
        929,
        931,
        933,
        *extra,
    ]
    numbers = {n for lo, hi in ranges for n in range(lo, hi + 1)} | set(single)
    return frozenset(f"{n:03d}" for n in numbers - set(without))


# 838 and 839 (Dorset, Bournemouth Christchurch and Poole) from 2021-22; 942 and 943 from 2023-24.
UPN_LA_CODES = {
    (2014, 2021): _la_codes(without=(838, 839)),
    (2022, 2023): _la_codes(),
    (2024, None): _la_codes(942, 943),
}


def _upns(data: ReturnData) -> pd.Series:
    return data.children["UPN"].astype("string")


@dfe_rule("100", "Reference Date is incorrect")
def rule_100(data: ReturnData) -> list[Flag]:
    reference = data.header.get("ReferenceDate")
    return flag(
        "header",
        np.array([reference != f"{data.year}-03-31"]),
        "Header/ReferenceDate",
        f"{data.year}-03-31 (31 March of the configured collection year)",
        pd.Series([repr(reference) if reference is not None else "nothing (empty or absent)"]),
    )


@dfe_rule("1510", "UPN invalid (wrong check letter at character 1)")
def rule_1510(data: ReturnData) -> list[Flag]:
    upns = data.children["UPN"].tolist()
    letters = [None if u is None or (not isinstance(u, str) and pd.isna(u)) else upn_check_letter(str(u)) for u in upns]
    bad = np.array([c is not None and u[0] != c for u, c in zip(upns, letters)], dtype=bool)
    found = pd.Series(
        [f"'{u}' (check letter {c})" if b else "" for u, c, b in zip(upns, letters, bad)],
        index=data.children.index,
        dtype=object,
    )
    return flag("children", bad, "UPN", "a UPN whose first character is its check letter", found)


def _rule_1530(years):
    allowed = UPN_LA_CODES[years]

    @dfe_rule("1530", "UPN invalid (characters 2-4 not a recognised LA code)", years=years)
    def rule_1530(data: ReturnData) -> list[Flag]:
        upn = _upns(data)
        bad = upn.notna() & (upn.str.len() == 13) & ~upn.str[1:4].isin(allowed)
        return flag(
            "children",
            bad.to_numpy(dtype=bool),
            "UPN",
            f"characters 2-4 a DfE LA number valid in {years[0]}" + ("+" if years[1] is None else f"-{years[1]}"),
        )

    return rule_1530


for _years in UPN_LA_CODES:
    _rule_1530(_years)


@dfe_rule("1520", "More than one record with the same UPN")
def rule_1520(data: ReturnData) -> list[Flag]:
    upn = _upns(data)
    bad = upn.notna() & upn.duplicated(keep=False)
    return flag("children", bad.to_numpy(dtype=bool), "UPN", "each UPN on one child only")


@dfe_rule("1540", "UPN invalid (characters 5-12 not all numeric)")
def rule_1540(data: ReturnData) -> list[Flag]:
    upn = _upns(data)
    bad = upn.notna() & ~upn.str[4:12].str.fullmatch(r"\d{8}").fillna(False)
    return flag("children", bad.to_numpy(dtype=bool), "UPN", "characters 5-12 digits")


@dfe_rule("1550", "UPN invalid (character 13 not a recognised value)")
def rule_1550(data: ReturnData) -> list[Flag]:
    upn = _upns(data)
    bad = upn.notna() & ~upn.str[12:13].str.fullmatch(r"[0-9A-HJ-NPQRT-Z]").fillna(False)
    return flag("children", bad.to_numpy(dtype=bool), "UPN", "character 13 a digit or a letter other than I, O and S")


@dfe_rule("8520", "Date of Birth is after data collection period (must be on or before the end of the census period)")
def rule_8520(data: ReturnData) -> list[Flag]:
    bad = data.children["_birth"] > data.reference
    return flag("children", bad.to_numpy(dtype=bool), "PersonBirthDate", f"a date on or before {data.reference.date()}")


@dfe_rule("8540", "Child’s disability is missing or invalid (see Disability table)")
def rule_8540(data: ReturnData) -> list[Flag]:
    children = data.children
    acted_on = set(data.cin.loc[~data.cin["_nfa"], "LAchildID"].dropna())
    bad = children["_birth"].notna() & children["LAchildID"].isin(acted_on) & children["Disabilities"].isna()
    return flag(
        "children",
        bad.to_numpy(dtype=bool),
        "Disabilities",
        "at least one Disability (NONE if none) for a born child with a referral going on to further action",
    )


@dfe_rule("8590", "Child does not have a recorded CIN episode.")
def rule_8590(data: ReturnData) -> list[Flag]:
    bad = ~data.children["LAchildID"].isin(set(data.cin["LAchildID"].dropna()))
    return flag(
        "children",
        bad.to_numpy(dtype=bool),
        "CINdetails",
        "at least one CINdetails module",
        pd.Series(["none"] * len(bad), index=data.children.index),
    )


@dfe_rule("8606", "Child referral date is more than 40 weeks before DOB or expected DOB")
def rule_8606(data: ReturnData) -> list[Flag]:
    children = data.children.drop_duplicates("LAchildID").set_index("LAchildID")
    birth = children["_birth"].fillna(_dates(children["ExpectedPersonBirthDate"]).set_axis(children.index))
    cin = data.cin
    child_birth = pd.Series(birth.reindex(cin["LAchildID"]).to_numpy(), index=cin.index)
    bad = cin["_ref"] < child_birth - pd.Timedelta(days=280)
    return flag(
        "cin",
        bad.to_numpy(dtype=bool),
        "CINreferralDate",
        "a date no more than 280 days before the (expected) birth date",
        "'" + date_text(cin["_ref"]).fillna("") + "' (birth " + date_text(child_birth).fillna("") + ")",
    )


def _disabilities(data: ReturnData) -> pd.Series:
    """Each child's disability codes as a list ([] if none recorded)."""
    return data.children["Disabilities"].map(
        lambda v: [] if v is None or (not isinstance(v, str) and pd.isna(v)) else [c.strip() for c in str(v).split(";")]
    )


@dfe_rule("8790", "Disability information includes both None and other values")
def rule_8790(data: ReturnData) -> list[Flag]:
    codes = _disabilities(data)
    bad = codes.map(lambda c: "NONE" in c and len(set(c)) > 1)
    return flag(
        "children",
        bad.to_numpy(dtype=bool),
        "Disabilities",
        "NONE alone, or disability codes without NONE",
        codes.map(lambda c: repr(";".join(c))).astype(object),
    )


@dfe_rule("8794", "Child has two or more disabilities with the same code")
def rule_8794(data: ReturnData) -> list[Flag]:
    codes = _disabilities(data)
    bad = codes.map(lambda c: len(c) != len(set(c)))
    return flag(
        "children",
        bad.to_numpy(dtype=bool),
        "Disabilities",
        "each disability code once per child",
        codes.map(lambda c: repr(";".join(c))).astype(object),
    )
