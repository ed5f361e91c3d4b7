"""Report section: the run is synthetic; the generating model, its truth and the calibration check."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import yaml

from csc_inequalities.report.format import parameters_table
from csc_inequalities.synthetic.generator import ASSESS_CIN_FROM, REASSESS_FROM, S47_CIN_FROM
from csc_inequalities.synthetic.totals import OFFSET_BOUND, WITHIN_POISSON_SD, WITHIN_RELATIVE

ITEMS_SHOWN_ABOVE = 0.05  # items shown: probability above this in some class

# unit of a generating parameter, by its name (see synthetic/model.py GeneratingParameters)
UNITS = [
    ("base_referral_rate", "children referred per child-year at centred deciles"),
    ("interaction_log_rr", "log rate ratio per LSOA decile step per LA decile step"),
    ("escalation_interaction_log_rr", "log odds per pathway step per LSOA decile step per LA decile step"),
    ("escalation_", "log odds per pathway step per decile step"),
    ("_decile_log_rr", "log rate ratio per decile step (1 = least deprived)"),
    ("_lsoa_log_rr", "log rate ratio added to the LSOA decile slope"),
    ("_log_rr", "log rate ratio against the reference group"),
    ("_sd", "SD on the log scale"),
    ("_share", "proportion"),
    ("reference_deprivation_effect", "% change per decile (Table 13 scale)"),
    ("lsoa_frailty_shape", "gamma shape (1 / NB2 dispersion); 0 = Poisson"),
    ("pathway_base", "share per class: assessed not CIN | CIN | CPP | LAC"),
    ("class_share_base", "class shares 1-7 per study LA"),
]


def parameter_units(parameters: dict) -> dict[str, str]:
    units = {}
    for name in parameters:
        for pattern, unit in UNITS:
            if (
                name == pattern
                or (pattern.startswith("_") and name.endswith(pattern))
                or (pattern.endswith("_") and name.startswith(pattern))
            ):
                units[name] = unit
                break
    return units


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    truth = yaml.safe_load(open(inputs["truth"]))
    parameters = parameters_table(
        truth["generator"]["parameters"], units=parameter_units(truth["generator"]["parameters"])
    )
    las = pd.DataFrame(
        {
            "la_code": truth["generator"]["las"],
            "study LA whose Table 11 shares it takes": [
                truth["generator"]["study_la_of_each_la"][la] for la in truth["generator"]["las"]
            ],
            "LA IMD decile (1 = least deprived)": [
                truth["generator"]["la_imd_decile_least1"][la] for la in truth["generator"]["las"]
            ],
            "LA random intercept (log scale)": [
                truth["generator"]["la_random_intercepts"][la] for la in truth["generator"]["las"]
            ],
        }
    )
    items = pd.DataFrame(truth["lca"]["item_probabilities"]).T
    items.index = [f"{c} {truth['lca']['class_names'][int(c)]}" for c in items.index]
    stated = items.loc[:, (items > ITEMS_SHOWN_ABOVE).any(axis=0)].reset_index(names="class")
    expected = pd.read_parquet(inputs["expected"])
    totals = (
        expected[expected["stratum_type"] == "all"]
        .groupby("threshold", sort=False)[["expected", "population_years"]]
        .sum()
        .reset_index()
    )
    totals["expected rate per 10,000 child-years"] = totals["expected"] / totals["population_years"] * 10_000
    calibration = calibration_view(pd.read_csv(inputs["calibration"]))
    calibrated = yaml.safe_load(open(inputs["calibrated"])) if inputs.get("calibrated") else {}
    panel_totals, totals_summary = None, None
    if inputs.get("totals_vs_panel"):
        panel_totals, totals_summary = totals_view(pd.read_csv(inputs["totals_vs_panel"]))
    return {
        "truth": truth,
        "parameters": parameters,
        "items_shown_above": ITEMS_SHOWN_ABOVE,
        "las": las,
        "items": stated,
        "expected_totals": totals,
        "calibration": calibration,
        "calibrated": calibrated,
        "calibration_gradient": calibration[~calibration["target"].str.startswith("Table")],
        "calibration_tables": calibration[calibration["target"].str.startswith("Table")],
        "totals_vs_panel": panel_totals,
        "totals_summary": totals_summary,
        "panel_offsets": offsets_view(truth),
        "offset_bound": OFFSET_BOUND,
        "s47_cin_from": S47_CIN_FROM,
        "reassess_from": REASSESS_FROM,
        "assess_cin_from": ASSESS_CIN_FROM,
        "referrals_from_panel": bool(truth["generator"].get("referrals_from_panel", False)),
        "panel_measures": truth["generator"].get("panel_measures", []),
        "period": truth["generator"].get("period"),
        "within_relative": WITHIN_RELATIVE,
        "within_poisson_sd": WITHIN_POISSON_SD,
    }


def calibration_view(table: pd.DataFrame) -> pd.DataFrame:
    """The calibration table as shown: published, truth and estimate side by side, the truth's
    distance from the published value on the log scale, and whether the estimate's 95% interval
    covers the truth."""
    out = table.copy()
    out.insert(4, "log(truth/published)", np.log(out["truth"] / out["published"]).round(4))
    covers = (out["estimate_low"] <= out["truth"]) & (out["truth"] <= out["estimate_high"])
    out["interval covers truth"] = np.where(
        out["estimate_low"].notna() & out["truth"].notna(), np.where(covers, "yes", "no"), ""
    )
    out["within_tolerance"] = (
        out["within_tolerance"].map({True: "yes", False: "no", "True": "yes", "False": "no"}).fillna("")
    )
    return out


def totals_view(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per LA x year x measure comparison with the panel as shown, and per measure how many
    rows are within WITHIN_RELATIVE or WITHIN_POISSON_SD Poisson SD of the published count."""
    summary = (
        table.assign(published_row=table["published"].notna())
        .groupby("measure", sort=False)
        .agg(
            rows=("published_row", "sum"),
            within=("within", "sum"),
            largest_abs_relative_difference=("relative_difference", lambda v: v.abs().max()),
        )
        .reset_index()
    )
    summary["largest_abs_relative_difference"] = summary["largest_abs_relative_difference"].map("{:.1%}".format)
    out = table.copy()
    out["within"] = out["within"].map({True: "yes", False: "no"})
    out = out.rename(columns={"within": f"within {WITHIN_RELATIVE:.0%} or {WITHIN_POISSON_SD:g} SD"})
    out["published"] = out["published"].round().astype("Int64")
    out["expected"] = out["expected"].map(lambda v: "" if pd.isna(v) else f"{v:,.1f}")
    out["relative_difference"] = out["relative_difference"].map(lambda v: "" if pd.isna(v) else f"{v:+.1%}")
    out["poisson_z"] = out["poisson_z"].map(lambda v: "" if pd.isna(v) else f"{v:+.2f}")
    return out, summary


def offsets_view(truth: dict) -> pd.DataFrame | None:
    """The per LA x collection year offsets (log odds) of the truth, one row per LA and year."""
    offsets = truth["generator"].get("panel_offsets") or {}
    rows = [
        {"la_code": la, "year": int(year), **{k: round(float(v), 3) for k, v in values.items()}}
        for la, by_year in offsets.items()
        for year, values in (by_year or {}).items()
    ]
    return pd.DataFrame(rows) if rows else None
