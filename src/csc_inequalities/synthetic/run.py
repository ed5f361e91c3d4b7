"""Generate every configured LA: extracts, the generator's episode table, truth and expected counts."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from csc_inequalities.synthetic.generator import (
    ICPC_GIVEN, LAC_CPP_SHARE, PERIOD_END, PERIOD_START, S47_GIVEN, class_log_rr, default_parameters, generate_la,
    la_class_shares,
)
from csc_inequalities.synthetic.model import (
    CP_CATEGORIES, THRESHOLDS, age_group_of, child_probability, class_probabilities, episode_event_probabilities,
    load_published_targets,
)
from csc_inequalities.synthetic.writers import episode_table, write_la_files

log = logging.getLogger(__name__)


def population_cells(population: pd.DataFrame, reference: pd.DataFrame, la_code: str) -> pd.DataFrame:
    cells = population[population["la_code"] == la_code].copy()
    for col in ("lsoa11", "la_code", "sex", "ethnicity_group"):
        cells[col] = cells[col].astype(str)
    cells = cells.merge(reference[["lsoa11", "imd_decile_least1"]], on="lsoa11", how="left")
    cells["age_group"] = age_group_of(cells["age"].to_numpy())
    return cells.reset_index(drop=True)


def expected_counts(cells: pd.DataFrame, la_code: str, la_index: int, la_decile: int, la_effect: float, years: int,
                    params, targets) -> pd.DataFrame:
    """Noise-free expected number of distinct children reaching each threshold, per LSOA × stratum,
    counted as the gradient strand counts them (once per threshold, in the stratum of the child's
    first episode reaching it); ``population_years`` is the offset (population × years)."""
    from csc_inequalities.synthetic.generator import cell_rates

    referred = cells["population"].to_numpy() * years * cell_rates(cells, params, la_effect, la_decile)
    d_lsoa = cells["imd_decile_least1"].to_numpy(dtype=float) - 5.5
    class_probs = class_probabilities(np.tile(la_class_shares(targets, la_index), (len(cells), 1)),
                                      class_log_rr(targets, params), d_lsoa)
    events = episode_event_probabilities(class_probs, targets, params.nfa_share, LAC_CPP_SHARE, S47_GIVEN, ICPC_GIVEN)
    q = params.rereferral_share
    base = cells[["lsoa11", "sex", "age_group", "ethnicity_group"]].rename(columns={"sex": "gender"})
    base["population_years"] = cells["population"].to_numpy() * years
    frames = []
    for threshold in THRESHOLDS:
        p_t = events[threshold]
        expected = referred * child_probability(p_t, p_t, q)
        for stratum in ("all", "gender", "age_group", "ethnicity_group"):
            level = "all" if stratum == "all" else base[stratum]
            frames.append(pd.DataFrame({"lsoa11": base["lsoa11"], "stratum_type": stratum, "stratum_level": level,
                                        "threshold": threshold, "expected": expected,
                                        "population_years": base["population_years"]}))
        if threshold in ("assessment", "cin"):
            by_class = events[f"{threshold}_by_class"]
            for k in range(by_class.shape[1]):
                frames.append(pd.DataFrame({"lsoa11": base["lsoa11"], "stratum_type": "demand_class",
                                            "stratum_level": f"class{k + 1}", "threshold": threshold,
                                            "expected": referred * child_probability(by_class[:, k], p_t, q),
                                            "population_years": base["population_years"]}))
        if threshold == "cpp":
            by_cat = events["cpp_by_category"]
            for k, category in enumerate(CP_CATEGORIES):
                frames.append(pd.DataFrame({"lsoa11": base["lsoa11"], "stratum_type": "cpp_latest_category",
                                            "stratum_level": category, "threshold": threshold,
                                            "expected": referred * child_probability(by_cat[:, k], p_t, q),
                                            "population_years": base["population_years"]}))
    long = pd.concat(frames, ignore_index=True)
    grouped = long.groupby(["lsoa11", "stratum_type", "stratum_level", "threshold"], as_index=False, observed=True)[
        ["expected", "population_years"]].sum()
    # Population of the strata defined by events (class, CP category) is the whole LSOA.
    event_strata = grouped["stratum_type"].isin(["demand_class", "cpp_latest_category"])
    all_pop = grouped[grouped["stratum_type"] == "all"].drop_duplicates("lsoa11").set_index("lsoa11")["population_years"]
    grouped.loc[event_strata, "population_years"] = grouped.loc[event_strata, "lsoa11"].map(all_pop).to_numpy()
    grouped.insert(0, "la_code", la_code)
    return grouped


def expected_class_shares(cells: pd.DataFrame, la_index: int, la_decile: int, la_effect: float, years: int,
                          params, targets) -> np.ndarray:
    """Expected share of each class among the LA's assessed episodes (noise-free)."""
    from csc_inequalities.synthetic.generator import cell_rates

    episodes = cells["population"].to_numpy() * years * cell_rates(cells, params, la_effect, la_decile)
    d_lsoa = cells["imd_decile_least1"].to_numpy(dtype=float) - 5.5
    probs = class_probabilities(np.tile(la_class_shares(targets, la_index), (len(cells), 1)),
                                class_log_rr(targets, params), d_lsoa)
    weighted = (episodes[:, None] * probs).sum(axis=0)
    return weighted / weighted.sum()


def generate_all(config: dict[str, Any], reference: pd.DataFrame, population: pd.DataFrame, published_dir: str,
                 la_codes_old: dict[str, str], extracts_dir: str, key: bytes) -> dict[str, Any]:
    """Run the generator for every configured LA; returns the outputs in memory for the adapter to write."""
    params = default_parameters(config)
    targets = load_published_targets(published_dir)
    years = list(range(int(config["first_year"]), int(config["last_year"]) + 1))
    n_years = len(years)
    las = list(config["las"])
    rng = np.random.default_rng([int(config["seed"]), 10_000])
    la_effects = rng.normal(0.0, params.la_random_sd, len(las))
    la_deciles = reference.drop_duplicates("la_code").set_index("la_code")["la_imd_decile_least1"]
    episodes, expected, manifest, expected_shares = [], [], {}, {}
    for i, la_code in enumerate(tqdm(las, desc="synthetic LAs", unit="LA")):
        cells = population_cells(population, reference, la_code)
        data = generate_la(la_code, i, cells, int(la_deciles[la_code]), n_years, params, targets,
                           float(la_effects[i]), int(config["seed"]))
        manifest[la_code] = write_la_files(data, la_code, la_codes_old.get(la_code, "000"), years, extracts_dir)
        episodes.append(episode_table(data, la_code, reference, key))
        expected.append(expected_counts(cells, la_code, i, int(la_deciles[la_code]), float(la_effects[i]), n_years,
                                        params, targets))
        expected_shares[la_code] = expected_class_shares(cells, i, int(la_deciles[la_code]), float(la_effects[i]),
                                                         n_years, params, targets)
        log.info("%s: %d children, %d episodes", la_code, len(data.children), len(data.episodes))
    truth = {
        "generator": {
            "seed": int(config["seed"]), "las": las, "collection_years": years,
            "period": [str(PERIOD_START.date()), str(PERIOD_END.date())],
            "parameters": params.as_dict(),
            "la_random_intercepts": {la: float(e) for la, e in zip(las, la_effects)},
            "la_imd_decile_least1": {la: int(la_deciles[la]) for la in las},
            "study_la_of_each_la": {la: f"LA{i % 6}" for i, la in enumerate(las)},
            "lac_with_cpp_share": LAC_CPP_SHARE, "s47_given": S47_GIVEN, "icpc_given": ICPC_GIVEN,
        },
        "lca": {
            "class_names": {int(k): v for k, v in targets.class_names.items()},
            "item_probabilities": {int(c): {code: round(float(p), 6) for code, p in row.items()}
                                   for c, row in targets.item_probabilities.iterrows()},
            # The expected class composition of the LA's assessed episodes: its Table 11 shares
            # tilted by the deprivation of each of its LSOAs, weighted by expected episodes.
            "class_shares": {la: {int(c): round(float(s), 6) for c, s in zip(targets.class_shares.index, expected_shares[la])}
                             for la in las},
            "class_shares_at_centred_deprivation": {
                la: {int(c): round(float(s), 6) for c, s in zip(targets.class_shares.index, la_class_shares(targets, i))}
                for i, la in enumerate(las)},
            "deprivation_log_rr": {int(c): float(v) for c, v in zip(targets.class_shares.index, class_log_rr(targets, params))},
        },
        "gradient": {
            "model": "children referred per child-year: log rate = log(base) + b_lsoa*(LSOA decile - 5.5) + b_la*(LA decile - 5.5) "
                     "+ b_int*(LSOA decile - 5.5)*(LA decile - 5.5) + u_LA + age + sex + ethnicity (deciles 1 = least deprived)",
            "referral_lsoa_decile_rate_ratio": float(np.exp(params.lsoa_decile_log_rr)),
            "referral_la_decile_rate_ratio": float(np.exp(params.la_decile_log_rr)),
            "referral_interaction_log_rate_ratio": params.interaction_log_rr,
            "offset": "population x years (5 collection years), children counted once per threshold",
        },
    }
    return {"episodes": pd.concat(episodes, ignore_index=True), "expected": pd.concat(expected, ignore_index=True),
            "truth": truth, "manifest": manifest}


def write_outputs(result: dict[str, Any], episodes_path: str, expected_path: str, truth_paths: list[str], manifest_path: str) -> None:
    Path(episodes_path).parent.mkdir(parents=True, exist_ok=True)
    result["episodes"].to_parquet(episodes_path, index=False)
    Path(expected_path).parent.mkdir(parents=True, exist_ok=True)
    result["expected"].to_parquet(expected_path, index=False)
    for path in truth_paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(yaml.safe_dump(result["truth"], sort_keys=False))
    Path(manifest_path).write_text(json.dumps(result["manifest"], indent=1, sort_keys=True))
