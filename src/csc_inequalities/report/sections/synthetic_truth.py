"""Report section: the run is synthetic; the generating model, its truth and the calibration check."""
from __future__ import annotations

from typing import Any

import pandas as pd
import yaml


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    truth = yaml.safe_load(open(inputs["truth"]))
    parameters = pd.DataFrame(
        [{"parameter": k, "value": str(v)} for k, v in truth["generator"]["parameters"].items()]
    )
    las = pd.DataFrame({
        "la_code": truth["generator"]["las"],
        "study LA whose Table 11 shares it takes": [truth["generator"]["study_la_of_each_la"][la] for la in truth["generator"]["las"]],
        "LA IMD decile (1 = least deprived)": [truth["generator"]["la_imd_decile_least1"][la] for la in truth["generator"]["las"]],
        "LA random intercept (log scale)": [truth["generator"]["la_random_intercepts"][la] for la in truth["generator"]["las"]],
    })
    items = pd.DataFrame(truth["lca"]["item_probabilities"]).T
    items.index = [f"{c} {truth['lca']['class_names'][int(c)]}" for c in items.index]
    stated = items.loc[:, (items > 0.05).any(axis=0)].reset_index(names="class")
    expected = pd.read_parquet(inputs["expected"])
    totals = (expected[expected["stratum_type"] == "all"].groupby("threshold", sort=False)[["expected", "population_years"]]
              .sum().reset_index())
    totals["expected rate per 10,000 child-years"] = totals["expected"] / totals["population_years"] * 10_000
    calibration = pd.read_csv(inputs["calibration"])
    calibration["difference"] = calibration["generated"] - calibration["target"]
    referrals = None
    if inputs.get("referrals_vs_panel"):
        referrals = pd.read_csv(inputs["referrals_vs_panel"])
        referrals["within 10% or 3 SD"] = referrals.pop("within").map({True: "yes", False: "no"})
        referrals["published"] = referrals["published"].round().astype("Int64")
        referrals["expected"] = referrals["expected"].map("{:,.1f}".format)
        referrals["relative_difference"] = referrals["relative_difference"].map("{:+.1%}".format)
        referrals["poisson_z"] = referrals["poisson_z"].map("{:+.2f}".format)
    return {"truth": truth, "parameters": parameters, "las": las, "items": stated, "expected_totals": totals,
            "calibration": calibration, "referrals_vs_panel": referrals,
            "referrals_from_panel": bool(truth["generator"].get("referrals_from_panel", False)),
            "period": truth["generator"].get("period")}
