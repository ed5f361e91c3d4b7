"""Social gradient section: Figure 18 and forest plots, estimates beside truth and published
values, convergence flags, social-gradient scores, income-band rates and the sample-size simulation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from csc_inequalities.gradient.scores import INCOME_STEP_POINTS
from csc_inequalities.published import PublishedFigures
from csc_inequalities.report.summary import SCORE_KEYS, strand_calibration

# (threshold, LA shift in points) -> key of the published 2021 score in headline.yaml
PUBLISHED_SCORES = {where: key for key, where in SCORE_KEYS.items()}


def provenance_params(path: str | None) -> dict[str, Any]:
    """What the rule actually used (its provenance record's parameters)."""
    if not path or not Path(path).exists():
        return {}
    return json.loads(Path(path).read_text()).get("params", {})


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    effects = pd.read_csv(inputs["effects"])
    overall = effects[effects["stratum_type"] == "all"][
        ["threshold", "model", "term", "rr", "rr_low", "rr_high", "converged"]
    ]
    comparison = pd.read_csv(inputs["truth_comparison"])
    truth_table = (
        comparison[comparison["stratum_type"] == "all"][
            [
                "threshold",
                "model",
                "term",
                "truth_rr",
                "rr",
                "rr_low",
                "rr_high",
                "z",
                "within_max_z",
                "ci_covers_truth",
            ]
        ]
        if len(comparison)
        else comparison
    )
    convergence = pd.read_csv(inputs["convergence"])
    fitted = convergence["fitted"].astype(bool) if "fitted" in convergence else True
    not_converged = convergence[fitted & ~convergence["converged"].astype(bool)]
    headline = PublishedFigures.load(inputs["headline"])
    scores = pd.read_csv(inputs["scores"])
    score_keys = [PUBLISHED_SCORES.get((t, float(s))) for t, s in zip(scores["threshold"], scores["la_shift_points"])]
    scores["published"] = [None if key is None else headline.value(key) for key in score_keys]
    per_la = pd.read_csv(inputs["scores_per_la"])
    bands = pd.read_csv(inputs["bands"])
    forests = sorted(Path(inputs["forests"]).glob("*.png"))
    return {
        "summary": json.loads(Path(inputs["summary"]).read_text()),
        "overall": overall,
        "truth_table": truth_table,
        "not_converged": not_converged,
        "published_fig18": pd.DataFrame(json.loads(Path(inputs["summary"]).read_text())["published_vs_reproduced"]),
        "scores": scores[["threshold", "at", "ratio", "ratio_low", "ratio_high", "published", "converged"]],
        "per_la_range": per_la.groupby("threshold")["ratio"].agg(["min", "max", "count"]).reset_index(),
        "per_la_range_published": headline.range("es_social_gradient_referrals_per_la_range"),
        "correlation": pd.DataFrame(json.loads(Path(inputs["scores_correlation"]).read_text())).T.reset_index(
            names="threshold"
        ),
        "bands": bands[bands["threshold"] == "referral"][
            ["income_band", "lsoas", "children", "rate_per_10000", "suppressed"]
        ],
        "band_published": (
            headline.printed("es_referral_rate_least_deprived_neighbourhoods_key_findings"),
            headline.printed("es_referral_rate_most_deprived_neighbourhoods_key_findings"),
        ),
        "forests": [str(p) for p in forests],
        "power_curve": pd.read_csv(inputs["power_curve"]),
        "power": json.loads(Path(inputs["power_summary"]).read_text()),
        "scores_params": provenance_params(inputs.get("scores_provenance")),
        "power_params": provenance_params(inputs.get("power_provenance")),
        "income_step": INCOME_STEP_POINTS,
        "calibration_rows": strand_calibration(inputs.get("published_vs_reproduced"), "gradient"),
    }
