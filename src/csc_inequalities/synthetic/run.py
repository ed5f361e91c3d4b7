"""Generate every configured LA: extracts, the generator's episode table, truth and expected counts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from csc_inequalities.synthetic.generator import (
    ICPC_GIVEN,
    LAC_CPP_SHARE,
    S47_GIVEN,
    calibrated_parameters,
    cell_process,
    cell_rates,
    class_log_rr,
    events_seen,
    expected_referrals_by_year,
    generate_la,
    la_class_shares,
    scaled_rates,
)
from csc_inequalities.synthetic.model import (
    CP_CATEGORIES,
    THRESHOLDS,
    age_group_of,
    load_published_targets,
    observed_child_probabilities,
)
from csc_inequalities.synthetic.timing import Period
from csc_inequalities.synthetic.writers import episode_table, write_la_files

log = logging.getLogger(__name__)


def population_cells(population: pd.DataFrame, reference: pd.DataFrame, la_code: str) -> pd.DataFrame:
    cells = population[population["la_code"] == la_code].copy()
    for col in ("lsoa11", "la_code", "sex", "ethnicity_group"):
        cells[col] = cells[col].astype(str)
    cells = cells.merge(reference[["lsoa11", "imd_decile_least1"]], on="lsoa11", how="left")
    cells["age_group"] = age_group_of(cells["age"].to_numpy())
    return cells.reset_index(drop=True)


def period_of(config: dict[str, Any]) -> Period:
    return Period.of_years(int(config["first_year"]), int(config["last_year"]))


def expected_counts(
    cells: pd.DataFrame,
    la_code: str,
    la_index: int,
    la_decile: int,
    la_effect: float,
    years: int,
    params,
    targets,
    period: Period | None = None,
    referrals_by_year: tuple | None = None,
    rates_and_mix: tuple | None = None,
    timing=None,
    only: set[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Noise-free expected number of distinct children reaching each threshold, per LSOA × stratum,
    counted as the gradient strand counts them (once per threshold, in the stratum of the child's
    first episode reaching it) among the events seen by the end of ``period`` (default: the
    ``years`` collection years ending March 2018); ``population_years`` is the offset (population × years).
    ``referrals_by_year``: the LA's referrals follow these counts (as the generator was told).
    ``rates_and_mix``: :func:`~csc_inequalities.synthetic.generator.scaled_rates`'s result if already computed. ``timing`` (totals.LATiming): the
    LA follows its published totals (scale, arrivals and per-year offsets). ``only``: the
    (stratum type, threshold) pairs to return (default all; the calibration solver asks for its
    targets' only, the same rows in the same order)."""
    period = period or Period.of_years(2019 - years, 2018)

    def wanted(stratum: str, threshold: str) -> bool:
        return only is None or (stratum, threshold) in only

    rates, mix = rates_and_mix or scaled_rates(
        cells, years, params, targets, la_index, la_effect, la_decile, period, referrals_by_year, timing
    )
    referred = cells["population"].to_numpy() * years * rates
    counted = counted_probabilities(cells, la_index, la_decile, params, targets, period, mix, referrals_by_year, timing)
    # Wide: one row per population cell, one column per (stratum family, level, threshold); each
    # stratum family is then summed to LSOA × level with one groupby on the cell table.
    wide = cells[["lsoa11", "sex", "age_group", "ethnicity_group"]].rename(columns={"sex": "gender"})
    wide["population_years"] = cells["population"].to_numpy() * years
    person_columns, event_columns = {}, {}
    for threshold in THRESHOLDS:
        wide[threshold] = referred * counted[threshold]
        person_columns[threshold] = threshold
        by_event = {}
        if threshold in ("assessment", "cin"):
            by_class = counted[f"{threshold}_by_class"]
            by_event = {("demand_class", f"class{k + 1}"): by_class[:, k] for k in range(by_class.shape[1])}
        if threshold == "cpp":
            by_event = {
                ("cpp_latest_category", category): counted["cpp_by_category"][:, k]
                for k, category in enumerate(CP_CATEGORIES)
            }
        for (stratum, level), p_e in by_event.items():
            if not wanted(stratum, threshold):
                continue
            column = f"{stratum}|{level}|{threshold}"
            wide[column] = referred * p_e
            event_columns[column] = (stratum, level, threshold)
    frames = []
    for stratum in ("all", "gender", "age_group", "ethnicity_group"):
        if not any(wanted(stratum, threshold) for threshold in THRESHOLDS):
            continue
        keys = ["lsoa11"] if stratum == "all" else ["lsoa11", stratum]
        summed = (
            wide.groupby(keys, observed=True, sort=False)[["population_years", *person_columns]].sum().reset_index()
        )
        level = "all" if stratum == "all" else summed[stratum].astype(str)
        for threshold in [t for t in THRESHOLDS if wanted(stratum, t)]:
            frames.append(
                pd.DataFrame(
                    {
                        "lsoa11": summed["lsoa11"],
                        "stratum_type": stratum,
                        "stratum_level": level,
                        "threshold": threshold,
                        "expected": summed[threshold],
                        "population_years": summed["population_years"],
                    }
                )
            )
    # Strata defined by events (class, CP category): their population is the whole LSOA.
    per_lsoa = (
        wide.groupby("lsoa11", observed=True, sort=False)[["population_years", *event_columns]].sum().reset_index()
    )
    for column, (stratum, level, threshold) in event_columns.items():
        frames.append(
            pd.DataFrame(
                {
                    "lsoa11": per_lsoa["lsoa11"],
                    "stratum_type": stratum,
                    "stratum_level": level,
                    "threshold": threshold,
                    "expected": per_lsoa[column],
                    "population_years": per_lsoa["population_years"],
                }
            )
        )
    grouped = pd.concat(frames, ignore_index=True)
    for column in ("lsoa11", "stratum_type", "stratum_level", "threshold"):
        grouped[column] = grouped[column].astype(str)
    grouped = grouped.sort_values(
        ["lsoa11", "stratum_type", "stratum_level", "threshold"], kind="stable", ignore_index=True
    )
    grouped.insert(0, "la_code", la_code)
    return grouped


def counted_probabilities(
    cells: pd.DataFrame,
    la_index: int,
    la_decile: int,
    params,
    targets,
    period: Period,
    mix: tuple,
    referrals_by_year: tuple | None = None,
    timing=None,
) -> dict[str, np.ndarray]:
    """P(a referred child of each cell is counted at each threshold, by class and CP category), the
    events seen by the end of ``period`` (model.observed_child_probabilities with the cells' process).
    With ``timing``: the mixture over the collection year of the child's first referral, each year
    with its offsets and the events seen of the children first referred in it."""
    if timing is not None:
        from csc_inequalities.synthetic.totals import given_probabilities

        # Everything here depends on the cell's LSOA decile only: computed per distinct decile, indexed.
        deciles, inverse = np.unique(cells["imd_decile_least1"].to_numpy(dtype=float), return_inverse=True)
        total: dict[str, np.ndarray] = {}
        for weight, year, events in zip(timing.weights, timing.years, timing.events, strict=True):
            if weight <= 0:
                continue
            offsets = timing.offsets.get(year, {})
            process = cell_process(deciles, la_decile, params, targets, la_index, offsets=offsets)
            s47_given, icpc_given = given_probabilities(S47_GIVEN, ICPC_GIVEN, offsets)
            one = observed_child_probabilities(
                process.class_probs,
                targets,
                process.nfa,
                LAC_CPP_SHARE,
                s47_given,
                icpc_given,
                params.rereferral_share,
                events.observation(),
                path=process.path,
                categories=process.categories,
            )
            for name, values in one.items():
                total[name] = total.get(name, 0.0) + weight * values
        return {name: values[inverse.ravel()] for name, values in total.items()}
    process = cell_process(cells["imd_decile_least1"].to_numpy(dtype=float), la_decile, params, targets, la_index)
    return observed_child_probabilities(
        process.class_probs,
        targets,
        process.nfa,
        LAC_CPP_SHARE,
        S47_GIVEN,
        ICPC_GIVEN,
        params.rereferral_share,
        events_seen(period, mix, params.rereferral_share, referrals_by_year),
        path=process.path,
        categories=process.categories,
    )


def expected_class_shares(
    cells: pd.DataFrame,
    la_index: int,
    la_decile: int,
    la_effect: float,
    years: int,
    params,
    targets,
    period: Period | None = None,
    referrals_by_year: tuple | None = None,
    rates_and_mix: tuple | None = None,
    timing=None,
) -> np.ndarray:
    """Expected share of each class among the LA's episodes whose assessment is completed (factors
    recorded: the LCA's population) by the end of ``period`` (noise-free): first episodes, and second
    episodes by the pathway of the first."""
    from csc_inequalities.synthetic.timing import PATHWAYS

    period = period or Period.of_years(2019 - years, 2018)
    rates, mix = rates_and_mix or scaled_rates(
        cells, years, params, targets, la_index, la_effect, la_decile, period, referrals_by_year, timing
    )
    children = cells["population"].to_numpy() * years * rates
    deciles = cells["imd_decile_least1"].to_numpy(dtype=float)
    if timing is None:
        parts = [
            (
                1.0,
                events_seen(period, mix, params.rereferral_share, referrals_by_year),
                cell_process(deciles, la_decile, params, targets, la_index),
            )
        ]
    else:
        parts = [
            (
                w,
                e.observation(),
                cell_process(deciles, la_decile, params, targets, la_index, offsets=timing.offsets.get(y, {})),
            )
            for w, y, e in zip(timing.weights, timing.years, timing.events, strict=True)
            if w > 0
        ]
    weighted = 0.0
    for weight, seen, process in parts:
        probs = process.class_probs
        # P(first episode's pathway) per cell, then the assessed second episodes seen after each; each
        # episode is assessed with the cell's probability.
        first = np.concatenate(
            [process.nfa[:, None], (1 - process.nfa)[:, None] * np.einsum("nk,nkp->np", probs, process.path)], axis=1
        )
        seen_second = np.array([seen.second[("completed", "cin", p1)] for p1 in ("nfa", *PATHWAYS)])
        episodes = (
            children
            * (1 - process.nfa)
            * (seen.first[("completed", "cin")] + params.rereferral_share * first @ seen_second)
        )
        weighted = weighted + weight * (episodes[:, None] * probs).sum(axis=0)
    return weighted / weighted.sum()


def la_random_intercepts(config: dict[str, Any], params) -> dict[str, float]:
    """Each LA's random intercept (log scale): one draw per configured LA from its own stream, so
    every per-LA job draws the same values."""
    las = list(config["las"])
    rng = np.random.default_rng([int(config["seed"]), 10_000])
    return dict(zip(las, (float(e) for e in rng.normal(0.0, params.la_random_sd, len(las)))))


def panel_referrals(panel: pd.DataFrame, la_code: str, years: list[int]) -> tuple:
    """((collection year, referrals), ...) of one LA from the national panel (la_code, year, referrals)."""
    rows = panel[(panel["la_code"] == la_code) & panel["year"].isin(years)].set_index("year")["referrals"]
    missing = [y for y in years if y not in rows.index or pd.isna(rows.get(y))]
    if missing:
        raise ValueError(
            f"the national panel has no referral count for {la_code} in {missing}: "
            "set synthetic.referrals_from_panel false or choose years the panel covers"
        )
    return tuple((int(y), float(rows[y])) for y in years)


def panel_settings(config: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """(measures followed besides referrals, missing-year policy per measure) of the synthetic config."""
    return list(config.get("panel_measures", [])), dict(config.get("panel_missing", {}))


def la_totals_timing(
    cells: pd.DataFrame,
    la_code: str,
    la_index: int,
    la_decile: int,
    la_effect: float,
    years: int,
    params,
    targets,
    period: Period,
    totals: tuple,
    solve: bool = True,
):
    """totals.LATiming of an LA that follows its published totals: its offsets solved
    (totals.solve_la_offsets; starting from ``params.panel_offsets`` if given), or, with
    ``solve=False`` and offsets given, taken as they are."""
    from csc_inequalities.synthetic.totals import la_timing, referrals_of, solve_la_offsets

    rate = cell_rates(cells, params, la_effect, la_decile)
    raw = cells["population"].to_numpy() * years * rate
    frame = pd.DataFrame({"decile": cells["imd_decile_least1"].to_numpy(dtype=float), "w": raw})
    by_decile = frame.groupby("decile", sort=True)["w"].sum()
    base = float(raw.sum())
    args = (
        period,
        by_decile.to_numpy() / base,
        base,
        by_decile.index.to_numpy(dtype=float),
        la_decile,
        params,
        targets,
        la_index,
    )
    known = (params.panel_offsets or {}).get(la_code)
    known = {int(y): dict(v) for y, v in known.items()} if known else None
    if known and not solve:
        return la_timing(*args, referrals_of(totals), known)
    return solve_la_offsets(*args, totals, start=known)


def generate_one_la(
    config: dict[str, Any],
    la_code: str,
    reference: pd.DataFrame,
    population: pd.DataFrame,
    published_dir: str,
    la_code_old: str,
    extracts_dir: str,
    key: bytes,
    panel: pd.DataFrame | None = None,
    calibrated: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Generate one LA (its index in ``config['las']`` fixes its random stream): writes its extract
    files and returns its episode table, expected counts, expected class shares and file list.
    ``population`` may hold only this LA's rows. ``panel``: the national panel; with
    ``config['referrals_from_panel']`` the LA's totals then follow its published counts (without a
    panel, a warning and the model's own rates: the workflow always passes it).
    ``calibrated``: the calibration's solved parameters (calibrated_parameters.yaml), which replace the config's."""
    params = calibrated_parameters(config, calibrated)
    targets = load_published_targets(published_dir)
    years = list(range(int(config["first_year"]), int(config["last_year"]) + 1))
    index = list(config["las"]).index(la_code)
    effect = la_random_intercepts(config, params)[la_code]
    decile = int(reference.loc[reference["la_code"] == la_code, "la_imd_decile_least1"].iloc[0])
    cells = population_cells(population, reference, la_code)
    period = period_of(config)
    from csc_inequalities.synthetic.generator import stocks_at_31_march
    from csc_inequalities.synthetic.totals import (
        counts_by_year,
        expected_events,
        offsets_record,
        panel_stocks,
        panel_totals,
    )

    from_panel, timing, totals, stocks = None, None, None, None
    measures, missing = panel_settings(config)
    if config.get("referrals_from_panel") and panel is None:
        # Library callers without a panel (tests, benchmarks): the model's own rates. The workflow
        # always passes the panel when the option is on (rule input).
        log.warning("%s: no national panel given: totals not followed (synthetic.referrals_from_panel)", la_code)
    if config.get("referrals_from_panel") and panel is not None:
        totals = panel_totals(panel, la_code, years, measures, missing)
        stocks = panel_stocks(panel, la_code, years)
        from_panel = dict(totals)["referrals"]
        timing = la_totals_timing(
            cells,
            la_code,
            index,
            decile,
            effect,
            len(years),
            params,
            targets,
            period,
            totals,
            solve=not (params.panel_offsets or {}).get(la_code),
        )
    data = generate_la(
        la_code,
        index,
        cells,
        decile,
        len(years),
        params,
        targets,
        effect,
        int(config["seed"]),
        la_number=la_code_old,
        period=period,
        referrals_by_year=from_panel,
        timing=timing,
        stocks=stocks,
    )
    files = write_la_files(data, la_code, la_code_old, years, extracts_dir)
    log.info("%s: %d children, %d episodes", la_code, len(data.children), len(data.episodes))
    rates, mix = scaled_rates(cells, len(years), params, targets, index, effect, decile, period, from_panel, timing)
    children = float((cells["population"].to_numpy() * len(years) * rates).sum())
    all_measures = ["referrals", "assessments", "s47", "icpc", "cpp_starts", "lac_starts"]
    if timing is not None:
        frame = pd.DataFrame(
            {
                "decile": cells["imd_decile_least1"].to_numpy(dtype=float),
                "w": cells["population"].to_numpy() * len(years) * rates,
            }
        )
        by_decile = frame.groupby("decile", sort=True)["w"].sum()
        expected_by_year = expected_events(
            timing,
            by_decile.to_numpy() / by_decile.sum(),
            by_decile.index.to_numpy(float),
            decile,
            params,
            targets,
            index,
            all_measures,
        )
        expected_by_year = {
            m: {int(y): round(float(v), 3) for y, v in zip(timing.years, values, strict=True)}
            for m, values in expected_by_year.items()
        }
    else:
        expected_by_year = {
            "referrals": {
                y: round(v, 3)
                for y, v in expected_referrals_by_year(
                    period, mix, params.rereferral_share, children, from_panel
                ).items()
            }
        }
    counted = counts_by_year(data.episodes, all_measures)
    # Stocks at 31 March: followed through the durations of the last episodes, solved on the LA's
    # draws, so they have no noise-free expectation (None).
    counted.update(stocks_at_31_march(data.episodes, years))
    expected_by_year.update({m: dict.fromkeys(years) for m in (m for m, _ in (stocks or ()))})
    return {
        "episodes": episode_table(data, la_code, reference, key),
        "expected": expected_counts(
            cells, la_code, index, decile, effect, len(years), params, targets, period, from_panel, (rates, mix), timing
        ),
        "summary": {
            "la_code": la_code,
            "files": files,
            "children": int(len(data.children)),
            "episodes": int(len(data.episodes)),
            "expected_class_shares": [
                float(v)
                for v in expected_class_shares(
                    cells, index, decile, effect, len(years), params, targets, period, from_panel, (rates, mix), timing
                )
            ],
            "referrals_by_year": counted["referrals"],
            "expected_referrals_by_year": expected_by_year["referrals"],
            "counts_by_year": counted,
            "expected_by_year": expected_by_year,
            "measures_followed": [*dict(totals), *dict(stocks or ())] if timing is not None else [],
            "duration_scales": {
                k: ({int(y): round(float(x), 6) for y, x in v.items()} if isinstance(v, dict) else round(float(v), 6))
                for k, v in (data.duration_scales or {}).items()
            },
            "panel_offsets": offsets_record(timing) if timing is not None else {},
            "la_log_scale": float(np.log(timing.scale)) if timing is not None else 0.0,
        },
    }


def referrals_vs_panel(summaries: list[dict[str, Any]], panel: pd.DataFrame) -> pd.DataFrame:
    """Per LA and collection year: synthetic referrals, their noise-free expectation and the LA's
    published count in the national panel; within 10% or 3 Poisson SD of the published count."""
    rows = []
    for summary in summaries:
        published = panel[panel["la_code"] == summary["la_code"]].set_index("year")["referrals"]
        for year, expected in summary["expected_referrals_by_year"].items():
            synthetic = summary["referrals_by_year"].get(int(year), summary["referrals_by_year"].get(str(year), 0))
            real = published.get(int(year), np.nan)
            rows.append(
                {
                    "la_code": summary["la_code"],
                    "year": int(year),
                    "synthetic": int(synthetic),
                    "expected": round(float(expected), 1),
                    "published": real,
                }
            )
    table = pd.DataFrame(rows, columns=["la_code", "year", "synthetic", "expected", "published"])
    table["relative_difference"] = (table["synthetic"] / table["published"] - 1).round(4)
    table["poisson_z"] = ((table["synthetic"] - table["published"]) / np.sqrt(table["published"])).round(2)
    table["within"] = (table["relative_difference"].abs() <= 0.10) | (table["poisson_z"].abs() <= 3)
    return table


def generator_truth(
    config: dict[str, Any],
    reference: pd.DataFrame,
    published_dir: str,
    expected_shares: dict[str, list[float]],
    la_log_scales: dict[str, float] | None = None,
    calibrated: dict[str, Any] | None = None,
    panel_offsets: dict[str, dict] | None = None,
    duration_scales: dict[str, dict] | None = None,
) -> dict[str, Any]:
    """The generator's truth for every strand (aggregate): parameters, LA intercepts, class profiles
    and shares, the gradient's generating rate ratios, the durations that make the stocks at 31 March
    follow the panel."""
    params = calibrated_parameters(config, calibrated)
    targets = load_published_targets(published_dir)
    years = list(range(int(config["first_year"]), int(config["last_year"]) + 1))
    las = list(config["las"])
    effects = la_random_intercepts(config, params)
    la_deciles = reference.drop_duplicates("la_code").set_index("la_code")["la_imd_decile_least1"]
    return {
        "generator": {
            "seed": int(config["seed"]),
            "las": las,
            "collection_years": years,
            "period": [str(period_of(config).start.date()), str(period_of(config).end.date())],
            "parameters": params.as_dict(),
            "la_random_intercepts": {la: effects[la] for la in las},
            # synthetic.referrals_from_panel: each LA's rates scaled (log factor) to its published referrals.
            "referrals_from_panel": bool(config.get("referrals_from_panel", False)),
            "la_log_scale_to_panel": {la: float((la_log_scales or {}).get(la, 0.0)) for la in las},
            # synthetic.panel_measures: per LA x collection year (of the child's first referral) offsets
            # (log odds) at each pathway step that make the LA's totals follow its published counts.
            "panel_measures": list(config.get("panel_measures", [])) if config.get("referrals_from_panel") else [],
            "panel_offsets": {
                la: {int(y): dict(o) for y, o in (panel_offsets or {}).get(la, {}).items()} for la in las
            },
            # The stocks at 31 March: care and CPP duration scales and the long CIN plans (scale, share
            # per referral year) of each LA's last episodes (generator.solve_duration_scales).
            "duration_scales": {la: (duration_scales or {}).get(la, {}) for la in las},
            "la_imd_decile_least1": {la: int(la_deciles[la]) for la in las},
            "study_la_of_each_la": {la: f"LA{i % 6}" for i, la in enumerate(las)},
            "lac_with_cpp_share": LAC_CPP_SHARE,
            "s47_given": S47_GIVEN,
            "icpc_given": ICPC_GIVEN,
        },
        "lca": {
            "class_names": {int(k): v for k, v in targets.class_names.items()},
            "item_probabilities": {
                int(c): {code: round(float(p), 6) for code, p in row.items()}
                for c, row in targets.item_probabilities.iterrows()
            },
            # The expected class composition of the LA's assessed episodes: its Table 11 shares
            # tilted by the deprivation of each of its LSOAs, weighted by expected episodes.
            "class_shares": {
                la: {int(c): round(float(s), 6) for c, s in zip(targets.class_shares.index, expected_shares[la])}
                for la in las
            },
            "class_shares_at_centred_deprivation": {
                la: {
                    int(c): round(float(s), 6)
                    for c, s in zip(targets.class_shares.index, la_class_shares(targets, i, params))
                }
                for i, la in enumerate(las)
            },
            "deprivation_log_rr": {
                int(c): float(v) for c, v in zip(targets.class_shares.index, class_log_rr(targets, params))
            },
        },
        "gradient": {
            "model": "children referred per child-year: log rate = log(base) + (b_lsoa + b_age + b_eth)*(LSOA decile - 5.5) "
            "+ b_la*(LA decile - 5.5) + b_int*(LSOA decile - 5.5)*(LA decile - 5.5) + u_LA + age + sex + ethnicity "
            "+ log z_LSOA (gamma frailty, mean 1); each step up the pathway (NFA < assessed < CIN < CPP < LAC) "
            "has log odds x = e_lsoa*(LSOA decile - 5.5) + e_la*(LA decile - 5.5) + e_int*(both) "
            "(deciles 1 = least deprived)",
            "referral_lsoa_decile_rate_ratio": float(np.exp(params.lsoa_decile_log_rr)),
            "referral_la_decile_rate_ratio": float(np.exp(params.la_decile_log_rr)),
            "referral_interaction_log_rate_ratio": params.interaction_log_rr,
            "escalation_lsoa_decile_odds_ratio": float(np.exp(params.escalation_lsoa_log_rr)),
            "escalation_la_decile_odds_ratio": float(np.exp(params.escalation_la_log_rr)),
            "escalation_interaction_log_odds_ratio": params.escalation_interaction_log_rr,
            "age_lsoa_decile_rate_ratio": {k: float(np.exp(v)) for k, v in params.age_lsoa_log_rr.items()},
            "ethnicity_lsoa_decile_rate_ratio": {k: float(np.exp(v)) for k, v in params.ethnicity_lsoa_log_rr.items()},
            "cp_category_lsoa_decile_odds_ratio": {
                k: float(np.exp(v)) for k, v in params.cp_category_lsoa_log_rr.items()
            },
            # NB2 dispersion of LSOA counts = the gamma frailty's shape (variance 1/shape); the
            # expected counts are the frailty's mean (1), and the truth refits are NB2 on them with
            # this dispersion held fixed (gradient.truth.truth_family).
            "lsoa_nbinom2_dispersion": float(params.lsoa_frailty_shape) if params.lsoa_frailty_shape else None,
            "lsoa_frailty_variance": float(1.0 / params.lsoa_frailty_shape) if params.lsoa_frailty_shape else 0.0,
            "calibrated": bool(calibrated),
            "offset": "population x years (5 collection years), children counted once per threshold",
        },
    }


def generate_all(
    config: dict[str, Any],
    reference: pd.DataFrame,
    population: pd.DataFrame,
    published_dir: str,
    la_codes_old: dict[str, str],
    extracts_dir: str,
    key: bytes,
    panel: pd.DataFrame | None = None,
    calibrated: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every configured LA in one process (tests, benchmarks, validation); the workflow runs
    ``generate_one_la`` as one job per LA and assembles the truth in a gather job."""
    episodes, expected, manifest, shares, summaries = [], [], {}, {}, []
    for la_code in tqdm(list(config["las"]), desc="synthetic LAs", unit="LA"):
        one = generate_one_la(
            config,
            la_code,
            reference,
            population[population["la_code"] == la_code],
            published_dir,
            la_codes_old.get(la_code, "999"),
            extracts_dir,
            key,
            panel,
            calibrated,
        )
        episodes.append(one["episodes"])
        expected.append(one["expected"])
        manifest[la_code] = one["summary"]["files"]
        shares[la_code] = one["summary"]["expected_class_shares"]
        summaries.append(one["summary"])
    scales = {s["la_code"]: s["la_log_scale"] for s in summaries}
    offsets = {s["la_code"]: s.get("panel_offsets", {}) for s in summaries}
    durations = {s["la_code"]: s.get("duration_scales", {}) for s in summaries}
    return {
        "episodes": pd.concat(episodes, ignore_index=True),
        "expected": pd.concat(expected, ignore_index=True),
        "truth": generator_truth(config, reference, published_dir, shares, scales, calibrated, offsets, durations),
        "manifest": manifest,
        "summaries": summaries,
    }


def write_truth(truth: dict[str, Any], paths: list[str]) -> None:
    for path in paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(yaml.safe_dump(truth, sort_keys=False))
