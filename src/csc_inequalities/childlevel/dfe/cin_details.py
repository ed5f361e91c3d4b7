"""DfE rules on the CINdetails module: referral and closure dates, closure reasons, NFA, episode overlaps,
activity after closure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_inequalities.childlevel.dfe.engine import (
    Flag,
    ReturnData,
    any_in_group,
    date_text,
    dfe_rule,
    flag,
)


@dfe_rule("8600", "Child referral date missing or after data collection period")
def rule_8600(data: ReturnData) -> list[Flag]:
    cin = data.cin
    bad = cin["_ref"].isna() | (cin["_ref"] > data.reference)
    return flag("cin", bad.to_numpy(dtype=bool), "CINreferralDate", f"a date on or before {data.reference.date()}")


@dfe_rule("8610", "Primary Need code is missing for a referral which led to further action.")
def rule_8610(data: ReturnData) -> list[Flag]:
    cin = data.cin
    bad = ~cin["_nfa"] & cin["PrimaryNeedCode"].isna()
    return flag("cin", bad.to_numpy(dtype=bool), "PrimaryNeedCode", "a primary need code when ReferralNFA is false")


@dfe_rule("8620", "CIN Closure Date present and does not fall within the Census year")
def rule_8620(data: ReturnData) -> list[Flag]:
    cin = data.cin
    bad = cin["_close"].notna() & ~data.in_census_year(cin["_close"])
    return flag(
        "cin", bad.to_numpy(dtype=bool), "CINclosureDate", f"a date from {data.start.date()} to {data.reference.date()}"
    )


@dfe_rule("8630", "CIN Closure Date is before CIN Referral Date for the same CIN episode")
def rule_8630(data: ReturnData) -> list[Flag]:
    cin = data.cin
    return flag(
        "cin",
        (cin["_close"] < cin["_ref"]).to_numpy(dtype=bool),
        "CINclosureDate",
        "a date on or after CINreferralDate",
    )


@dfe_rule("8805", "A CIN case cannot have a CIN closure date without a Reason for Closure")
def rule_8805(data: ReturnData) -> list[Flag]:
    cin = data.cin
    bad = cin["CINclosureDate"].notna() & cin["ReasonForClosure"].isna()
    return flag(
        "cin", bad.to_numpy(dtype=bool), "ReasonForClosure", "a reason for closure when CINclosureDate is present"
    )


@dfe_rule("8810", "A CIN case cannot have a Reason for Closure without a CIN Closure Date")
def rule_8810(data: ReturnData) -> list[Flag]:
    cin = data.cin
    bad = cin["ReasonForClosure"].notna() & cin["CINclosureDate"].isna()
    return flag("cin", bad.to_numpy(dtype=bool), "CINclosureDate", "a closure date when ReasonForClosure is present")


def _has_module(data: ReturnData, module: str) -> np.ndarray:
    """For each CINdetails row: does its episode have a row in ``module`` (a ReturnData table)?"""
    rows = getattr(data, module)
    return any_in_group(rows["_key"], np.ones(len(rows), bool), data.cin["_key"])


def _activity(data: ReturnData, modules: tuple[str, ...]) -> np.ndarray:
    """For each CINdetails row: a row in any of ``modules``, or an initial CP conference date."""
    found = data.cin["DateOfInitialCPC"].notna().to_numpy()
    for module in modules:
        found = found | _has_module(data, module)
    return found


def _open_acted_on(cin: pd.DataFrame) -> pd.Series:
    return cin["_close"].isna() & ~cin["_nfa"]


@dfe_rule(
    "8815",
    "More than one open CIN Details episode (a module with no CIN Closure Date) has been provided for "
    "this child and case is not a referral with no further action.",
)
def rule_8815(data: ReturnData) -> list[Flag]:
    cin = data.cin
    open_ = _open_acted_on(cin)
    per_child = open_.groupby(cin["LAchildID"]).transform("sum")
    return flag(
        "cin",
        (open_ & (per_child > 1)).to_numpy(dtype=bool),
        "CINclosureDate",
        "at most one open episode (no closure date, ReferralNFA false) per child",
    )


@dfe_rule(
    "8816",
    "An open CIN episode is shown and case is not a referral with no further action, but it is not the latest episode.",
)
def rule_8816(data: ReturnData) -> list[Flag]:
    cin = data.cin
    latest = cin["_ref"].groupby(cin["LAchildID"]).transform("max")
    bad = _open_acted_on(cin) & (cin["_ref"] < latest)
    return flag(
        "cin", bad.to_numpy(dtype=bool), "CINclosureDate", "a closure date on every episode but the child's latest"
    )


@dfe_rule("8820", "The dates on the CIN episodes for this child overlap")
def rule_8820(data: ReturnData) -> list[Flag]:
    cin = data.cin
    # Another episode's interval: referral to closure (closure exclusive), or to the reference date if it is
    # open and not NFA (an open NFA episode has no interval).
    others = cin.assign(
        _end=cin["_close"].where(cin["_close"].notna(), pd.Series(data.reference, index=cin.index).where(~cin["_nfa"]))
    )
    left = cin[["LAchildID", "_ref"]].assign(_row=np.arange(len(cin)))
    right = others[["LAchildID", "_ref", "_end"]].rename(columns={"_ref": "_rs"}).assign(_other=np.arange(len(cin)))
    pairs = left.merge(right, on="LAchildID")
    pairs = pairs[pairs["_row"] != pairs["_other"]]
    inside = (pairs["_ref"] >= pairs["_rs"]) & (pairs["_ref"] < pairs["_end"])
    bad = np.zeros(len(cin), dtype=bool)
    bad[pairs.loc[inside.fillna(False).to_numpy(dtype=bool), "_row"].unique()] = True
    return flag("cin", bad, "CINreferralDate", "a referral date outside the child's other episodes")


@dfe_rule("8831", "Activity is recorded against a case marked as a referral with no further action")
def rule_8831(data: ReturnData) -> list[Flag]:
    cin = data.cin
    activity = _activity(data, ("assessments", "s47", "plans"))
    return flag(
        "cin",
        (cin["_nfa"] & activity).to_numpy(dtype=bool),
        "ReferralNFA",
        "false when the episode has an assessment, S47, CIN plan or ICPC",
    )


def _rule_2990(years, reasons):
    names = " or ".join(reasons)

    @dfe_rule(
        "2990",
        "Activity is recorded against a case marked as ‘Case closed after assessment, no further action’"
        + (" or 'case closed after assessment, referred to early help'." if "RC9" in reasons else "."),
        years=years,
    )
    def rule_2990(data: ReturnData) -> list[Flag]:
        cin = data.cin
        activity = _activity(data, ("s47", "cpp", "plans"))
        bad = cin["ReasonForClosure"].isin(reasons).to_numpy() & activity
        return flag("cin", bad, "ReasonForClosure", f"not {names} when the episode has a S47, CPP, CIN plan or ICPC")

    return rule_2990


_rule_2990((2014, 2022), ("RC8",))
_rule_2990((2023, None), ("RC8", "RC9"))


@dfe_rule(
    "2884",
    "An initial child protection conference is recorded at both the S47 and CIN Details level and it "
    "should only be recorded in one",
)
def rule_2884(data: ReturnData) -> list[Flag]:
    cin, s47 = data.cin, data.s47
    s47_icpc = set(zip(s47["_key"], date_text(s47["_icpc"])))
    both = pd.Series(
        [(k, d) in s47_icpc for k, d in zip(cin["_key"], date_text(cin["_icpc"]))], index=cin.index, dtype=bool
    )
    return flag(
        "cin",
        (cin["_icpc"].notna() & both).to_numpy(dtype=bool),
        "DateOfInitialCPC",
        "the ICPC recorded at one level only (Section47 when the conference followed an S47)",
    )


# (table, date column of ReturnData, XML field) of the activity rule 8565 compares with the closure date.
_ACTIVITY_DATES = (
    ("assessments", "_start", "AssessmentActualStartDate"),
    ("assessments", "_auth", "AssessmentAuthorisationDate"),
    ("s47", "_start", "S47ActualStartDate"),
    ("s47", "_icpc", "DateOfInitialCPC"),
    ("cpp", "_end", "CPPendDate"),
    ("plans", "_start", "CINPlanStartDate"),
    ("plans", "_end", "CINPlanEndDate"),
    ("cin", "_icpc", "DateOfInitialCPC"),
)


@dfe_rule("8565", "Activity shown after a case has been closed")
def rule_8565(data: ReturnData) -> list[Flag]:
    flags = []
    for table, column, field in _ACTIVITY_DATES:
        frame = data.table(table)
        close = frame["_close"] if table == "cin" else data.parent(frame, "_close")
        bad = (frame[column] > close).to_numpy(dtype=bool)
        flags += flag(
            table,
            bad,
            field,
            "a date on or before the episode's CINclosureDate",
            "'" + date_text(frame[column]).fillna("") + "' (closed " + date_text(close).fillna("") + ")",
        )
    return flags


@dfe_rule("8867", "CIN episode is shown as closed, however Assessment is not shown as completed")
def rule_8867(data: ReturnData) -> list[Flag]:
    a = data.assessments
    bad = data.parent(a, "_close").notna() & a["_auth"].isna()
    return flag(
        "assessments",
        bad.to_numpy(dtype=bool),
        "AssessmentAuthorisationDate",
        "an authorisation date on every assessment of a closed episode",
    )


@dfe_rule(
    "8868",
    "CIN episode is shown as closed, however Section 47 enquiry is not shown as completed by ICPC date "
    "or ICPC not required flag",
)
def rule_8868(data: ReturnData) -> list[Flag]:
    s = data.s47
    bad = data.parent(s, "_close").notna() & s["_icpc"].isna() & ~s["_not_required"]
    return flag(
        "s47",
        bad.to_numpy(dtype=bool),
        "DateOfInitialCPC",
        "an ICPC date, or ICPCnotRequired true, on every S47 of a closed episode",
    )


@dfe_rule(
    "8825Q",
    "Please check and either amend data or provide a reason: Reason for Closure code RC8 (case closed "
    "after assessment) has been returned but there is no assessment present for the episode.",
    severity="query",
    years=(2014, 2022),
)
def rule_8825(data: ReturnData) -> list[Flag]:
    cin = data.cin
    assessed = _has_module(data, "assessments")
    bad = cin["ReasonForClosure"].isin(["RC8"]).to_numpy() & ~assessed
    return flag("cin", bad, "ReasonForClosure", "an Assessments module on an episode closed with RC8")


@dfe_rule(
    "8825Q",
    "Please check and either amend data or provide a reason: Reason for Closure code RC8 (case closed "
    "after assessment) or RC9 (case closed after assessment, referred to early help) has been returned "
    "but there is no assessment present for the episode.",
    severity="query",
    years=(2023, None),
)
def rule_8825_2023(data: ReturnData) -> list[Flag]:
    cin = data.cin
    assessed = _has_module(data, "assessments")
    bad = cin["ReasonForClosure"].isin(["RC8", "RC9"]).to_numpy() & ~assessed
    return flag("cin", bad, "ReasonForClosure", "an Assessments module on an episode closed with RC8 or RC9")
