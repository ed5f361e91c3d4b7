"""DfE rules on the Assessments, CINPlanDates, Section47 and ChildProtectionPlans modules."""

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
    interval_starts_inside,
)


def _before_referral(data: ReturnData, table: str, column: str, field: str) -> list[Flag]:
    frame = data.table(table)
    referral = data.parent(frame, "_ref")
    return flag(
        table,
        (frame[column] < referral).to_numpy(dtype=bool),
        field,
        "a date on or after CINreferralDate",
        "'" + date_text(frame[column]).fillna("") + "' (referral " + date_text(referral).fillna("") + ")",
    )


def _outside_year(data: ReturnData, table: str, column: str, field: str, rows=None) -> list[Flag]:
    frame = data.table(table)
    bad = frame[column].notna() & ~data.in_census_year(frame[column])
    if rows is not None:
        bad &= rows
    return flag(table, bad.to_numpy(dtype=bool), field, f"a date from {data.start.date()} to {data.reference.date()}")


def _missing_or_after_reference(data: ReturnData, table: str, column: str, field: str) -> list[Flag]:
    frame = data.table(table)
    bad = frame[column].isna() | (frame[column] > data.reference)
    return flag(table, bad.to_numpy(dtype=bool), field, f"a date on or before {data.reference.date()}")


def _end_before_start(data: ReturnData, table: str, start: str, end: str, field: str, start_field: str) -> list[Flag]:
    frame = data.table(table)
    return flag(table, (frame[end] < frame[start]).to_numpy(dtype=bool), field, f"a date on or after {start_field}")


def _more_than_one_open(data: ReturnData, table: str, open_rows: pd.Series, field: str, what: str) -> list[Flag]:
    frame = data.table(table)
    per_episode = open_rows.groupby(frame["_key"]).transform("sum")
    return flag(
        table, (open_rows & (per_episode > 1)).to_numpy(dtype=bool), field, f"at most one open {what} per episode"
    )


# ---- Assessments ------------------------------------------------------------------------------


@dfe_rule("1103", "The assessment start date cannot be before the referral date")
def rule_1103(data: ReturnData) -> list[Flag]:
    return _before_referral(data, "assessments", "_start", "AssessmentActualStartDate")


@dfe_rule("8608", "Assessment Start Date cannot be later than its End Date")
def rule_8608(data: ReturnData) -> list[Flag]:
    return _end_before_start(
        data, "assessments", "_start", "_auth", "AssessmentAuthorisationDate", "AssessmentActualStartDate"
    )


def _factor_counts(data: ReturnData) -> pd.Series:
    """Number of factors per assessment row."""
    counts = data.factors.groupby("_akey").size()
    return pd.Series(
        counts.reindex(data.assessments["_akey"]).fillna(0).to_numpy(dtype=int), index=data.assessments.index
    )


@dfe_rule("8614", "Parental or child factors at assessment should only be present for a completed assessment.")
def rule_8614(data: ReturnData) -> list[Flag]:
    a = data.assessments
    bad = a["_auth"].isna() & (_factor_counts(data) > 0)
    return flag(
        "assessments",
        bad.to_numpy(dtype=bool),
        "AssessmentFactors",
        "no factors while AssessmentAuthorisationDate is missing",
        _factor_counts(data).astype(str) + " factor(s)",
    )


@dfe_rule("8696", "Assessment end date must fall within the census year")
def rule_8696(data: ReturnData) -> list[Flag]:
    return _outside_year(data, "assessments", "_auth", "AssessmentAuthorisationDate")


@dfe_rule("8736", "For an Assessment that has not been completed, the start date must fall within the census year")
def rule_8736(data: ReturnData) -> list[Flag]:
    a = data.assessments
    return _outside_year(data, "assessments", "_start", "AssessmentActualStartDate", rows=a["_auth"].isna())


@dfe_rule("8869", "The assessment factors code “21” cannot be used in conjunction with any other assessment factors.")
def rule_8869(data: ReturnData) -> list[Flag]:
    f = data.factors
    n = f.groupby("_akey")["AssessmentFactors"].transform("size")
    return flag(
        "factors",
        ((f["AssessmentFactors"] == "21") & (n > 1)).to_numpy(dtype=bool),
        "AssessmentFactors",
        "21 (no factors identified) as the assessment's only factor",
    )


@dfe_rule("8896", "Within one CINDetails group there are 2 or more open Assessments groups")
def rule_8896(data: ReturnData) -> list[Flag]:
    a = data.assessments
    return _more_than_one_open(
        data, "assessments", a["_auth"].isna(), "AssessmentAuthorisationDate", "assessment (no authorisation date)"
    )


@dfe_rule(
    "8897Q",
    "Parental or child factors at assessment information is missing from a completed assessment",
    severity="query",
)
def rule_8897(data: ReturnData) -> list[Flag]:
    a = data.assessments
    bad = (a["_auth"] >= data.start) & (_factor_counts(data) == 0)
    return flag(
        "assessments",
        bad.to_numpy(dtype=bool),
        "AssessmentFactors",
        "at least one factor on an assessment authorised in the census year",
        pd.Series("none", index=a.index),
    )


@dfe_rule("8898", "The assessment has more than one parental or child factors with the same code")
def rule_8898(data: ReturnData) -> list[Flag]:
    f = data.factors
    return flag(
        "factors",
        f.duplicated(["_akey", "AssessmentFactors"], keep=False).to_numpy(dtype=bool),
        "AssessmentFactors",
        "each factor code once per assessment",
    )


@dfe_rule("8863Q", "An Assessment is shown as starting when there is another Assessment ongoing.", severity="query")
def rule_8863(data: ReturnData) -> list[Flag]:
    a = data.assessments
    return flag(
        "assessments",
        interval_starts_inside(a, "_start", "_auth", data.reference),
        "AssessmentActualStartDate",
        "a start date outside the episode's other assessments",
    )


# ---- CIN plans ---------------------------------------------------------------------------------


@dfe_rule("4000", "CIN Plan details provided for a referral with no further action")
def rule_4000(data: ReturnData) -> list[Flag]:
    p = data.plans
    return flag(
        "plans",
        data.parent(p, "_nfa").fillna(False).to_numpy(dtype=bool),
        "CINPlanStartDate",
        "no CIN plan on an episode with ReferralNFA true",
    )


@dfe_rule("4001", "A CIN Plan cannot run concurrently with a Child Protection Plan")
def rule_4001(data: ReturnData) -> list[Flag]:
    p, c = data.plans, data.cpp
    open_cpp = any_in_group(c["_key"], c["_end"].isna(), p["_key"])
    return flag(
        "plans",
        (p["_end"].isna().to_numpy() & open_cpp),
        "CINPlanEndDate",
        "an end date while the episode has an open child protection plan",
    )


@dfe_rule("4004", "This child is showing more than one open CIN Plan, i.e. with no End Date")
def rule_4004(data: ReturnData) -> list[Flag]:
    p = data.plans
    return _more_than_one_open(data, "plans", p["_end"].isna(), "CINPlanEndDate", "CIN plan (no end date)")


@dfe_rule("4010", "CIN Plan start date is missing or out of data collection period")
def rule_4010(data: ReturnData) -> list[Flag]:
    return _missing_or_after_reference(data, "plans", "_start", "CINPlanStartDate")


@dfe_rule("4011", "CIN Plan End Date earlier than Start Date")
def rule_4011(data: ReturnData) -> list[Flag]:
    return _end_before_start(data, "plans", "_start", "_end", "CINPlanEndDate", "CINPlanStartDate")


@dfe_rule(
    "4012Q",
    "Please check and either amend or provide a reason: CIN Plan shown as starting and ending on the same day",
    severity="query",
)
def rule_4012(data: ReturnData) -> list[Flag]:
    p = data.plans
    return flag(
        "plans", (p["_end"] == p["_start"]).to_numpy(dtype=bool), "CINPlanEndDate", "a date after CINPlanStartDate"
    )


@dfe_rule("4013", "CIN Plan end date must fall within the census year")
def rule_4013(data: ReturnData) -> list[Flag]:
    return _outside_year(data, "plans", "_end", "CINPlanEndDate")


@dfe_rule("4014", "CIN Plan data contains overlapping dates")
def rule_4014(data: ReturnData) -> list[Flag]:
    p = data.plans
    return flag(
        "plans",
        interval_starts_inside(p, "_start", "_end", data.reference, group="LAchildID"),
        "CINPlanStartDate",
        "a start date outside the child's other CIN plans",
    )


@dfe_rule("4015", "The CIN Plan start date cannot be before the referral date")
def rule_4015(data: ReturnData) -> list[Flag]:
    return _before_referral(data, "plans", "_start", "CINPlanStartDate")


@dfe_rule("4016", "A CIN Plan has been reported as open at the same time as a Child Protection Plan.")
def rule_4016(data: ReturnData) -> list[Flag]:
    # A CIN plan may start on the day a CPP ends (step-down): the CPP's end is exclusive.
    p = data.plans
    return flag(
        "plans",
        interval_starts_inside(
            p, "_start", "_end", data.reference, group="LAchildID", others=data.cpp, end_inclusive=False
        ),
        "CINPlanStartDate",
        "a start date outside the child's child protection plans (or on a plan's end date)",
    )


@dfe_rule("4017", "A CIN Plan has been reported as open at the same time as a Child Protection Plan.")
def rule_4017(data: ReturnData) -> list[Flag]:
    # A CPP may start on the day a CIN plan ends (step-up): the plan's end is exclusive.
    c = data.cpp
    return flag(
        "cpp",
        interval_starts_inside(
            c, "_start", "_end", data.reference, group="LAchildID", others=data.plans, end_inclusive=False
        ),
        "CPPstartDate",
        "a start date outside the child's CIN plans (or on a plan's end date)",
    )


# ---- Section 47 ----------------------------------------------------------------------------------


@dfe_rule("1104", "The date of the initial child protection conference cannot be before the referral date")
def rule_1104(data: ReturnData) -> list[Flag]:
    return _before_referral(data, "s47", "_icpc", "DateOfInitialCPC")


@dfe_rule("2889", "The S47 start date cannot be before the referral date.")
def rule_2889(data: ReturnData) -> list[Flag]:
    return _before_referral(data, "s47", "_start", "S47ActualStartDate")


@dfe_rule(
    "8615",
    "Section 47 Enquiry Start Date must be present and cannot be later than the date of the initial Child "
    "Protection Conference",
)
def rule_8615(data: ReturnData) -> list[Flag]:
    s = data.s47
    bad = s["_icpc"].notna() & (s["_start"].isna() | (s["_start"] > s["_icpc"]))
    return flag("s47", bad.to_numpy(dtype=bool), "S47ActualStartDate", "a date on or before DateOfInitialCPC")


@dfe_rule("8715", "Date of Initial Child Protection Conference must fall within the census year")
def rule_8715(data: ReturnData) -> list[Flag]:
    return _outside_year(data, "s47", "_icpc", "DateOfInitialCPC")


@dfe_rule(
    "8740",
    "For a Section 47 Enquiry that has not held the Initial Child Protection Conference by the end of the "
    "census year, the start date must fall within the census year",
)
def rule_8740(data: ReturnData) -> list[Flag]:
    s = data.s47
    return _outside_year(data, "s47", "_start", "S47ActualStartDate", rows=s["_icpc"].isna() & ~s["_not_required"])


@dfe_rule("8839", "Within one CINDetails group there are 2 or more open S47 Assessments")
def rule_8839(data: ReturnData) -> list[Flag]:
    s = data.s47
    return _more_than_one_open(
        data,
        "s47",
        s["_icpc"].isna() & ~s["_not_required"],
        "DateOfInitialCPC",
        "S47 enquiry (no ICPC date, ICPCnotRequired not true)",
    )


@dfe_rule(
    "8870Q",
    "Please check and either amend or provide a reason: The Target Date for Initial Child Protection "
    "Conference should not be a weekend",
    severity="query",
)
def rule_8870(data: ReturnData) -> list[Flag]:
    from csc_inequalities.childlevel.dfe.engine import _dates

    target = _dates(data.s47["InitialCPCtarget"])
    return flag(
        "s47",
        (target.dt.day_of_week >= 5).to_numpy(dtype=bool),
        "InitialCPCtarget",
        "a weekday (Monday to Friday)",
        "'" + date_text(target).fillna("") + "' (a " + target.dt.day_name().fillna("") + ")",
    )


@dfe_rule("8875", "The Date of Initial Child Protection Conference cannot be a weekend")
def rule_8875(data: ReturnData) -> list[Flag]:
    flags = []
    for table in ("s47", "cin"):
        icpc = data.table(table)["_icpc"]
        flags += flag(
            table,
            (icpc.dt.day_of_week >= 5).to_numpy(dtype=bool),
            "DateOfInitialCPC",
            "a weekday (Monday to Friday)",
            "'" + date_text(icpc).fillna("") + "' (a " + icpc.dt.day_name().fillna("") + ")",
        )
    return flags


@dfe_rule("8890", "A Section 47 enquiry is shown as starting when there is another Section 47 Enquiry ongoing")
def rule_8890(data: ReturnData) -> list[Flag]:
    s = data.s47
    # Other enquiries with no ICPC and ICPCnotRequired true have ended: no interval.
    eligible = (s["_icpc"].notna() | ~s["_not_required"]).to_numpy(dtype=bool)
    return flag(
        "s47",
        interval_starts_inside(s, "_start", "_icpc", data.reference, eligible=eligible),
        "S47ActualStartDate",
        "a start date outside the episode's other S47 enquiries",
    )


# ---- Child protection plans -----------------------------------------------------------------------


@dfe_rule("1105", "The child protection plan start date cannot be before the referral date")
def rule_1105(data: ReturnData) -> list[Flag]:
    return _before_referral(data, "cpp", "_start", "CPPstartDate")


@dfe_rule("2883", "There are more child protection plans starting than initial conferences taking place")
def rule_2883(data: ReturnData) -> list[Flag]:
    c = data.cpp
    starts = data.in_census_year(c["_start"])
    conferences = int(data.in_census_year(data.cin["_icpc"]).sum() + data.in_census_year(data.s47["_icpc"]).sum())
    if int(starts.sum()) <= conferences:
        return []
    # An LA-level rule: reported once, on the first plan starting in the census year.
    rows = np.zeros(len(c), dtype=bool)
    rows[np.flatnonzero(starts.to_numpy(dtype=bool))[0]] = True
    return flag(
        "cpp",
        rows,
        "CPPstartDate",
        f"no more CPP starts in the census year than initial conferences ({conferences})",
        pd.Series(f"{int(starts.sum())} CPP starts", index=c.index),
    )


@dfe_rule("2885", "Child protection plan shown as starting a different day to the initial child protection conference.")
def rule_2885(data: ReturnData) -> list[Flag]:
    c, s, cin = data.cpp, data.s47, data.cin
    has_s47 = c["_key"].isin(set(s["_key"]))
    s47_dates = set(zip(s["_key"], date_text(s["_icpc"])))
    cin_dates = set(zip(cin["_key"], date_text(cin["_icpc"])))
    start = date_text(c["_start"])
    matches = pd.Series(
        [(k, d) in (s47_dates if h else cin_dates) for k, d, h in zip(c["_key"], start, has_s47)],
        index=c.index,
        dtype=bool,
    )
    bad = data.in_census_year(c["_start"]) & ~matches
    return flag(
        "cpp",
        bad.to_numpy(dtype=bool),
        "CPPstartDate",
        "the date of an initial child protection conference of the episode (Section47, else CINdetails)",
    )


@dfe_rule("8720", "Child Protection Plan Start Date missing or out of data collection period")
def rule_8720(data: ReturnData) -> list[Flag]:
    return _missing_or_after_reference(data, "cpp", "_start", "CPPstartDate")


@dfe_rule("8730", "Total Number of previous Child Protection Plans missing")
def rule_8730(data: ReturnData) -> list[Flag]:
    c = data.cpp
    number = pd.to_numeric(c["NumberOfPreviousCPP"], errors="coerce")
    return flag("cpp", ~(number >= 0).to_numpy(dtype=bool), "NumberOfPreviousCPP", "a whole number, 0 or more")


@dfe_rule("8832", "Child Protection details provided for a referral with no further action.")
def rule_8832(data: ReturnData) -> list[Flag]:
    c = data.cpp
    return flag(
        "cpp",
        data.parent(c, "_nfa").fillna(False).to_numpy(dtype=bool),
        "CPPstartDate",
        "no child protection plan on an episode with ReferralNFA true",
    )


@dfe_rule("8840", "Child Protection Plan cannot start and end on the same day")
def rule_8840(data: ReturnData) -> list[Flag]:
    c = data.cpp
    return flag("cpp", (c["_end"] == c["_start"]).to_numpy(dtype=bool), "CPPendDate", "a date after CPPstartDate")


@dfe_rule("8925", "Child Protection Plan End Date earlier than Start Date")
def rule_8925(data: ReturnData) -> list[Flag]:
    return _end_before_start(data, "cpp", "_start", "_end", "CPPendDate", "CPPstartDate")


@dfe_rule("8930", "Child Protection Plan End Date must fall within the census year")
def rule_8930(data: ReturnData) -> list[Flag]:
    return _outside_year(data, "cpp", "_end", "CPPendDate")


@dfe_rule("8935", "This child is showing more than one open Child Protection plan, i.e. with no End Date")
def rule_8935(data: ReturnData) -> list[Flag]:
    c = data.cpp
    open_ = c["_end"].isna()
    per_child = open_.groupby(c["LAchildID"]).transform("sum")
    return flag(
        "cpp",
        (open_ & (per_child > 1)).to_numpy(dtype=bool),
        "CPPendDate",
        "at most one open child protection plan per child",
    )


@dfe_rule("8940", "Child Protection Plan data contains overlapping dates")
def rule_8940(data: ReturnData) -> list[Flag]:
    c = data.cpp
    return flag(
        "cpp",
        interval_starts_inside(c, "_start", "_end", data.reference, group="LAchildID"),
        "CPPstartDate",
        "a start date outside the child's other child protection plans",
    )
