"""The child-level steps the workflow runs: one LA (read, validate, pseudonymise, episodes) and the
merge of all LAs with disclosure-controlled counts for the shared outputs."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from csc_inequalities import disclosure
from csc_inequalities.childlevel.episodes import build_episodes, tertile_in_la
from csc_inequalities.childlevel.extracts import LAFiles, load_la, validate_la
from csc_inequalities.childlevel.findings import ExtractError, counts_by_rule, rule_descriptions
from csc_inequalities.childlevel.pseudonymise import load_or_create_key

log_default = logging.getLogger(__name__)
LSOA_REFERENCE_COLUMNS = ["lsoa11", "la_code", "imd2015_score", "imd_decile_official", "imd_decile_least1"]


def read_lsoa_reference(path: str | Path) -> pd.DataFrame:
    return pd.read_parquet(path, columns=LSOA_REFERENCE_COLUMNS)


def run_la(
    la_code: str,
    files: dict[str, Any],
    lsoa_reference_path: str,
    key_file: str,
    policy: dict[str, str],
    last_year: int,
    episodes_path: str,
    counts_path: str,
    findings_path: str,
    identifiers_path: str,
    log: logging.Logger = log_default,
    dfe_rules: bool = False,
    la_number: str | None = None,
    max_outside_share: float = 0.05,
    yearly_counts_path: str | None = None,
    quality_path: str | None = None,
    min_cell: int = disclosure.DEFAULT_MIN_CELL,
) -> pd.DataFrame:
    """``yearly_counts_path``: also write the extract's yearly counts of DfE's seven measures (for the
    reconciliation with DfE's figures, ``childlevel.reconcile``); ``quality_path``: the findings per
    return and rule. Both are aggregates: counts below ``min_cell`` are suppressed."""
    la_files = LAFiles(
        la_code, {int(y): p for y, p in files["cin_census"].items()}, files.get("ssda903"), files.get("child_lsoa")
    )
    reference = read_lsoa_reference(lsoa_reference_path)
    key = load_or_create_key(key_file)
    lsoa_codes = set(reference["lsoa11"])
    identity = {
        "lsoa_la": dict(zip(reference["lsoa11"], reference["la_code"])),
        "la_number": la_number,
        "max_outside_share": max_outside_share,
    }
    # Snakemake removes the declared outputs of a failed job, so a failure's findings go beside them.
    failed = Path(findings_path).with_suffix(".failed.csv")
    try:
        loaded = load_la(la_files, lsoa_codes, key, policy, report_path=str(failed), dfe_rules=dfe_rules, **identity)
    except ExtractError:
        _, _, _, findings, _ = validate_la(la_files, lsoa_codes, policy, dfe_rules, **identity)
        failed.parent.mkdir(parents=True, exist_ok=True)
        findings.to_csv(failed, index=False)
        _log_rule_counts(findings, la_code, log)
        raise
    failed.unlink(missing_ok=True)
    _log_rule_counts(loaded.findings, la_code, log)
    for message in loaded.findings.loc[loaded.findings["action"] != "error", "message"].head(50):
        log.warning(message)  # the console/log is local to the data holder
    Path(findings_path).parent.mkdir(parents=True, exist_ok=True)
    loaded.findings.to_csv(findings_path, index=False)
    counts = counts_by_rule(loaded.findings, la_code)
    Path(counts_path).parent.mkdir(parents=True, exist_ok=True)
    counts.to_csv(counts_path, index=False)
    episodes = build_episodes(loaded.tables, loaded.ssda903, loaded.child_lsoa, reference, la_code, last_year)
    episodes = referred_in_years(episodes, min(la_files.cin_census), la_code, log)
    Path(episodes_path).parent.mkdir(parents=True, exist_ok=True)
    episodes.to_parquet(episodes_path, index=False)
    Path(identifiers_path).write_text(json.dumps(loaded.identifiers))
    if yearly_counts_path:
        write_yearly_counts(loaded, la_code, yearly_counts_path, min_cell)
    if quality_path:
        write_quality(loaded.findings, la_files, la_code, quality_path, min_cell)
    log.info("LA %s: %d episodes (%d dropped by policy)", la_code, len(episodes), loaded.dropped_episodes)
    return episodes


def referred_in_years(episodes: pd.DataFrame, first_year: int, la_code: str = "", log=log_default) -> pd.DataFrame:
    """The episodes referred in or after collection year ``first_year`` (year ending 31 March): the
    analyses count the children referred in the configured years. A return also holds every episode
    open during its year, those referred earlier included; they count only in the stocks at 31 March
    (the yearly counts, read from the returns themselves)."""
    before = (episodes["referral_year"] < int(first_year)).to_numpy()
    if before.any():
        log.info(
            "LA %s: %d episodes referred before %d-04-01 left out of the episode table",
            la_code,
            int(before.sum()),
            int(first_year) - 1,
        )
    if not before.any():
        return episodes
    kept = episodes[~before].reset_index(drop=True)
    # The within-LA tertile's cut points are quantiles over the table's own episodes: recomputed
    # over the episodes it keeps (the generator's table has only those).
    kept["imd_tertile_in_la_least1"] = tertile_in_la(kept["imd2015_score"], kept["la_code"])
    return kept


def write_yearly_counts(loaded, la_code: str, path: str, min_cell: int) -> pd.DataFrame:
    """The extract's count of each of DfE's seven measures per collection year; counts from 1 to
    ``min_cell`` - 1 suppressed (empty, ``suppressed`` true)."""
    from csc_inequalities.childlevel.reconcile import extract_yearly_counts

    counts = extract_yearly_counts(loaded.tables, loaded.ssda903, loaded.years)
    small = counts["extract"].notna() & (counts["extract"] > 0) & (counts["extract"] < min_cell)
    counts = counts.assign(la_code=la_code, suppressed=small.astype(bool))
    counts["extract"] = counts["extract"].mask(small)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    counts[["la_code", "year", "measure", "extract", "suppressed"]].to_csv(path, index=False)
    return counts


def return_label(file: str, la_files: LAFiles) -> str:
    """Which return a finding's file belongs to: "CIN census <year>", "SSDA903", "child LSOA" or the
    file name (a file of a CSV folder belongs to that folder's year)."""
    path = Path(str(file))
    for year, configured in la_files.cin_census.items():
        configured = Path(configured)
        if path == configured or configured in path.parents:
            return f"CIN census {year}"
    if la_files.ssda903 and path == Path(la_files.ssda903):
        return "SSDA903"
    if la_files.child_lsoa and path == Path(la_files.child_lsoa):
        return "child LSOA"
    return path.name


def write_quality(findings: pd.DataFrame, la_files: LAFiles, la_code: str, path: str, min_cell: int) -> pd.DataFrame:
    """Findings per return and rule (with action, DfE severity and rule description), counts below
    ``min_cell`` suppressed, with secondary suppression across the returns of a rule (its LA total is
    published in the validation counts): no child reference."""
    columns = ["la_code", "return", "rule", "severity", "action", "description", "findings", "suppressed"]
    if not len(findings):
        counts = pd.DataFrame(columns=columns)
    else:
        frame = findings.assign(**{"return": findings["file"].map(lambda f: return_label(f, la_files))})
        frame["severity"] = frame["severity"].fillna("").replace("", "structural/consistency")
        counts = (
            frame.groupby(["return", "rule", "severity", "action"], dropna=False)
            .size()
            .rename("findings")
            .reset_index()
        )
        counts["description"] = counts["rule"].map(rule_descriptions()).fillna("")
        counts = disclosure.suppress_long(
            counts,
            "findings",
            row_keys=["rule", "severity", "action"],
            column_key="return",
            min_cell=min_cell,
            secondary=True,
        )
        counts.insert(0, "la_code", la_code)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    counts[columns].to_csv(path, index=False)
    return counts


def _log_rule_counts(findings: pd.DataFrame, la_code: str, log: logging.Logger) -> None:
    for (rule, action), n in findings.groupby(["rule", "action"]).size().items():
        log.info("LA %s: %s (%s): %d findings", la_code, rule, action, n)


def merge_las(
    episode_paths: list[str],
    count_paths: list[str],
    episodes_path: str,
    validation_counts_path: str,
    episode_counts_path: str,
    summary_path: str,
    min_cell: int,
    suppress_zeros: bool,
    secondary: bool,
    source: str,
    log: logging.Logger = log_default,
) -> dict:
    if not episode_paths:
        raise ValueError(
            "no LAs to merge: extracts.las is empty (source extracts) or the synthetic generator names no LAs"
        )
    from csc_inequalities.columnar import concat_parquet

    # Streamed LA by LA into one file; the counts below read only the columns they need.
    concat_parquet(episode_paths, episodes_path, desc="merging LAs")
    episodes = pd.read_parquet(episodes_path, columns=["la_code", "referral_year", "lsoa11"])

    counts = pd.concat([pd.read_csv(p) for p in count_paths], ignore_index=True)
    counts = counts.rename(columns={"findings": "count"})
    if len(counts):
        counts = disclosure.suppress_long(
            counts,
            "count",
            row_keys=["rule", "action"],
            column_key="la_code",
            min_cell=min_cell,
            suppress_zeros=suppress_zeros,
            secondary=secondary,
        )
    else:
        counts["suppressed"] = pd.Series(dtype=bool)
    counts.to_csv(validation_counts_path, index=False)

    by_year = episodes.groupby(["la_code", "referral_year"]).size().rename("episodes").reset_index()
    by_year = disclosure.suppress_long(
        by_year,
        "episodes",
        row_keys=["la_code"],
        column_key="referral_year",
        min_cell=min_cell,
        suppress_zeros=suppress_zeros,
        secondary=secondary,
    )
    by_year.to_csv(episode_counts_path, index=False)

    n_episodes = len(episodes)
    summary = {
        "source": source,
        "las": int(episodes["la_code"].nunique()),
        "episodes": n_episodes if n_episodes >= min_cell else None,
        "referral_years": sorted(int(y) for y in episodes["referral_year"].unique()),
        "share_with_lsoa": round(float(episodes["lsoa11"].notna().mean()), 4) if n_episodes >= min_cell else None,
        "min_cell": min_cell,
    }
    Path(summary_path).write_text(json.dumps(summary, indent=2))
    log.info("merged %d LAs, %d episodes", summary["las"], n_episodes)
    return summary


def round_trip(episodes_path: str, generator_path: str, output_path: str, log: logging.Logger = log_default) -> dict:
    """Compare the episodes read back from the generator's files with the generator's own table.

    Writes counts only (episodes on each side, mismatching values per column): no identifiers.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from csc_inequalities.childlevel.episodes import compare

    # LA by LA (episodes are matched within an LA): memory stays that of the largest LA.
    las = sorted(
        set(pc.unique(pq.read_table(episodes_path, columns=["la_code"])["la_code"]).to_pylist())
        | set(pc.unique(pq.read_table(generator_path, columns=["la_code"])["la_code"]).to_pylist())
    )
    mismatches: dict[str, int] = {}
    n_ours = n_theirs = 0
    for la_code in tqdm(las, desc="round trip", unit="LA", mininterval=5):
        ours = pd.read_parquet(episodes_path, filters=[("la_code", "==", la_code)])
        theirs = pd.read_parquet(generator_path, filters=[("la_code", "==", la_code)])
        n_ours, n_theirs = n_ours + len(ours), n_theirs + len(theirs)
        for column, count in compare(ours, theirs).items():
            mismatches[column] = mismatches.get(column, 0) + count
    result = {
        "episodes_read": n_ours,
        "episodes_generated": n_theirs,
        "mismatches": mismatches,
        "agree": not mismatches,
    }
    Path(output_path).parent.mkdir(parents=True, exist_ok=True)
    Path(output_path).write_text(json.dumps(result, indent=2))
    if mismatches:
        log.warning("round trip: the episodes read differ from the generator's: %s", mismatches)
    else:
        log.info("round trip: %d episodes in %d LAs, identical to the generator's table", n_ours, len(las))
    return result
