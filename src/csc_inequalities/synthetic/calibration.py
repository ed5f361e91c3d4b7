"""The calibration table: every published target the generator is calibrated to, its noise-free
truth and the estimate from the generated data (aggregates only). The solver is in solve.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_inequalities.synthetic.model import load_published_targets

PATHWAY_OF_FLAGS = (("lac", "lac"), ("cpp", "cpp"), ("cin_plan", "cin"), ("assessed_not_cin", "assessed_not_cin"))
# The episode columns the table reads (so a national episode table can be read in part).
CALIBRATION_COLUMNS = [
    "la_code",
    "assessed",
    "true_demand_class",
    "rereferral_12m",
    *(flag for flag, _ in PATHWAY_OF_FLAGS),
]


def highest_pathway(episodes: pd.DataFrame) -> pd.Series:
    """Highest threshold an assessed episode reached (Table 14's columns)."""
    out = pd.Series("assessed_not_cin", index=episodes.index, dtype="object")
    for flag, name in reversed(PATHWAY_OF_FLAGS):
        out = out.where(~episodes[flag].astype(bool), name)
    return out


def calibration_table(episodes: pd.DataFrame, published_dir: str) -> pd.DataFrame:
    targets = load_published_targets(published_dir)
    assessed = episodes[episodes["assessed"] & (episodes["true_demand_class"] > 0)]
    rows = []
    shares = assessed["true_demand_class"].value_counts(normalize=True)
    for class_id, name in targets.class_names.items():
        rows.append(
            {
                "target_table": "Table 11 (all LAs)",
                "item": f"class {class_id} {name}: share of assessed episodes",
                "target": float(targets.class_shares.loc[class_id, "Total"]),
                "generated": float(shares.get(class_id, 0.0)),
                "n": len(assessed),
            }
        )
    pathway = highest_pathway(assessed)
    for class_id, name in targets.class_names.items():
        in_class = pathway[assessed["true_demand_class"] == class_id]
        observed = in_class.value_counts(normalize=True)
        for column in ("assessed_not_cin", "cin", "cpp", "lac"):
            rows.append(
                {
                    "target_table": "Table 14",
                    "item": f"class {class_id} {name}: {column}",
                    "target": float(targets.pathways.loc[class_id, column]),
                    "generated": float(observed.get(column, 0.0)),
                    "n": len(in_class),
                }
            )
    rows.append(
        {
            "target_table": "Table 15 (prose: about 25%)",
            "item": "episodes re-referred within 12 months",
            "target": 0.25,
            "generated": float(episodes["rereferral_12m"].mean()),
            "n": len(episodes),
        }
    )
    return pd.DataFrame(rows)


# --- results/synthetic/calibration.csv: every calibrated target, published beside truth and estimate --

TABLE_COLUMNS = [
    "target",
    "source",
    "published",
    "truth",
    "estimate",
    "estimate_low",
    "estimate_high",
    "tolerance",
    "within_tolerance",
    "note",
]
SCORE_ROW = {
    "mean": "mean LA deprivation",
    "plus": "LA deprivation +{:g} points",
    "minus": "LA deprivation -{:g} points",
}


def _share_interval(p: float, n: int) -> tuple[float, float]:
    """Wilson 95% interval of a share ``p`` of ``n``."""
    if n <= 0:
        return np.nan, np.nan
    z = 1.959964
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _gradient_row(
    target: dict,
    truth_effects: pd.DataFrame,
    effects: pd.DataFrame,
    scores: pd.DataFrame,
    score_truth: dict,
    shift: float,
) -> dict:
    keys = ["threshold", "stratum_type", "stratum_level"]
    truth = estimate = low = high = np.nan
    note = [target.get("note") or ""]
    if target["kind"] == "decile":

        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            if frame is None or frame.empty:
                return pd.DataFrame()
            m = (frame["model"] == "adjusted") & (frame["term"] == target["statistic"])
            for k in keys:
                m &= frame[k].astype(str).str.lower() == str(target[k]).lower()
            return frame[m]

        t, e = pick(truth_effects), pick(effects)
        if len(t):
            truth = float(t["rr"].iloc[0])
        else:
            note.append("no truth refit: this model is not in gradient.model_spec of the run")
        if len(e):
            estimate, low, high = (float(e[c].iloc[0]) for c in ("rr", "rr_low", "rr_high"))
        note.append("truth: glmmTMB refit on the expected counts")
    else:
        stat = target["statistic"]
        if target["stratum_type"] == "all" and target["threshold"] in score_truth and score_truth[target["threshold"]]:
            truth = float(np.exp(score_truth[target["threshold"]][stat]))
        rows = (
            scores[scores["threshold"] == target["threshold"]] if scores is not None and len(scores) else pd.DataFrame()
        )
        if target["stratum_type"] == "all" and len(rows):

            def at(name: str) -> pd.Series:
                label = SCORE_ROW[name].format(shift)
                return rows[rows["at"] == label].iloc[0]

            if stat == "minus_over_plus":
                estimate = float(at("minus")["ratio"] / at("plus")["ratio"])
                note.append(
                    "estimate: ratio of the two scores (no interval: scores.csv does not carry their covariance)"
                )
            else:
                r = at(stat)
                estimate, low, high = float(r["ratio"]), float(r["ratio_low"]), float(r["ratio_high"])
        note.append(
            "truth: glmmTMB refit of the score model on the expected counts, in the family of the other "
            "truth refits (NB2 with the dispersion fixed at the LSOA frailty shape; Poisson without a frailty)"
        )
    if np.isfinite(target.get("solver_truth", np.nan)):
        note.append(f"solver truth (Python approximation) {target['solver_truth']:.4f}")
    else:
        note.append("not calibrated in this run (synthetic.calibration.enabled: false)")
    return {
        "target": target["target"],
        "source": target["source"],
        "published": float(target["published"]),
        "truth": truth,
        "estimate": estimate,
        "estimate_low": low,
        "estimate_high": high,
        "note": "; ".join(n for n in note if n),
    }


def calibration_rows(
    record: dict,
    truth_effects: pd.DataFrame,
    effects: pd.DataFrame,
    scores: pd.DataFrame,
    score_truth: dict,
    episodes: pd.DataFrame,
    truth: dict,
    published_dir: str,
    shift: float = 10.0,
) -> pd.DataFrame:
    """One row per numeric target: the gradient targets of the calibration (record: calibrated_parameters.yaml)
    and the Table 11, 14 and 15 shares, each with published value, noise-free truth and the estimate
    from the generated data (95% interval)."""
    tolerance = float(record.get("tolerance", 0.05))
    rows = [_gradient_row(t, truth_effects, effects, scores, score_truth, shift) for t in record["targets"]]
    for check in record.get("checks", []):  # 2021 figures the solver checks, not solves (solve.national_checks)
        residual = float(np.log(check["solver_truth"] / check["published"]))
        beyond = f"; beyond the tolerance: log(truth/published) = {residual:+.3f}" if abs(residual) > tolerance else ""
        rows.append(
            {
                "target": check["target"],
                "source": check["source"],
                "published": float(check["published"]),
                "truth": float(check["solver_truth"]),
                "estimate": np.nan,
                "estimate_low": np.nan,
                "estimate_high": np.nan,
                "note": f"{check['note']}{beyond}; truth: the solver's Python fit on the expected counts (no R refit "
                "of this figure, no estimate from the generated data)",
            }
        )
    targets = load_published_targets(published_dir)
    assessed = episodes[episodes["assessed"] & (episodes["true_demand_class"] > 0)]
    las = list(truth["generator"]["las"])
    study = truth["generator"]["study_la_of_each_la"]
    for la in las:
        mine = assessed[assessed["la_code"] == la] if "la_code" in assessed else assessed.iloc[0:0]
        shares = mine["true_demand_class"].value_counts(normalize=True)
        for class_id, name in targets.class_names.items():
            p = float(shares.get(class_id, 0.0))
            lo, hi = _share_interval(p, len(mine))
            rows.append(
                {
                    "target": f"Table 11 {study[la]} ({la}): class {class_id} {name} share",
                    "source": "FR Table 11",
                    "published": float(targets.class_shares.loc[class_id, study[la]]),
                    "truth": float(truth["lca"]["class_shares"][la][class_id]),
                    "estimate": p,
                    "estimate_low": lo,
                    "estimate_high": hi,
                    "note": "truth: expected share of completed assessments; estimate: generated episodes' true classes",
                }
            )
    pooled = record.get("expected_shares", {}).get("table14_pathways", {})
    follows_totals = bool((record.get("parameters") or {}).get("panel_offsets"))
    pathway = highest_pathway(assessed)
    for class_id, name in targets.class_names.items():
        in_class = pathway[assessed["true_demand_class"] == class_id]
        observed = in_class.value_counts(normalize=True)
        for column in ("assessed_not_cin", "cin", "cpp", "lac"):
            p = float(observed.get(column, 0.0))
            lo, hi = _share_interval(p, len(in_class))
            published = float(targets.pathways.loc[class_id, column])
            truth_value = float(pooled.get(class_id, pooled.get(str(class_id), {})).get(column, np.nan))
            note = (
                "truth: expected pathway shares pooled over the LAs (the escalation tilt changes them with "
                "deprivation; the shares at centred deprivation are solved so that the pooled ones are "
                "Table 14's); estimate: highest threshold seen by the end of the period (later events "
                "of open episodes are censored)"
            )
            if follows_totals and abs(np.log(truth_value / published)) > tolerance:
                note = (
                    f"jointly unreachable with the LAs' published totals (residual log(truth/published) "
                    f"{np.log(truth_value / published):+.3f}): each LA's S47s, CPP starts, care starts and "
                    "assessments per year follow its real counts, which set the pooled share of this pathway; "
                    "Table 14's contrasts between classes are kept; " + note
                )
            rows.append(
                {
                    "target": f"Table 14: class {class_id} {name}, {column}",
                    "source": "FR Table 14",
                    "published": published,
                    "truth": truth_value,
                    "estimate": p,
                    "estimate_low": lo,
                    "estimate_high": hi,
                    "note": note,
                }
            )
    p = float(episodes["rereferral_12m"].mean())
    lo, hi = _share_interval(p, len(episodes))
    rows.append(
        {
            "target": "Table 15: episodes re-referred within 12 months",
            "source": "FR 3.4.3 prose (about 25%)",
            "published": 0.25,
            "truth": np.nan,
            "estimate": p,
            "estimate_low": lo,
            "estimate_high": hi,
            "note": "not calibrated: the generator has no noise-free expectation of it (it follows the timing of "
            "second referrals)",
        }
    )
    table = pd.DataFrame(rows)
    table["tolerance"] = tolerance
    ok = np.abs(np.log(table["truth"] / table["published"])) <= tolerance
    table["within_tolerance"] = np.where(table["truth"].notna(), ok, None)
    return table[TABLE_COLUMNS]
