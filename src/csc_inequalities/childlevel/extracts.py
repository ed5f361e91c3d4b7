"""Load one LA's extracts: read every file, validate, apply the per-rule policy, pseudonymise.

This is the only place raw child references exist: findings (for the console and the local
validation report) name them; the tables handed on carry ``child_id`` (keyed-hash pseudonym)
and no UPN, postcode or birth date (the birth date is kept only until age is computed, in
:func:`episodes.build_episodes`, and never written).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from csc_inequalities.childlevel.cin_xml import field_lines, read_cin_xml
from csc_inequalities.childlevel.csv_tables import read_child_lsoa, read_cin_csv, read_ssda903
from csc_inequalities.childlevel.findings import (
    ExtractError,
    Finding,
    default_policy,
    findings_frame,
)
from csc_inequalities.childlevel.pseudonymise import pseudonymise_series
from csc_inequalities.childlevel.records import RECORD_TABLES, CensusReturn
from csc_inequalities.childlevel.validation import (
    CHILD_LSOA_SCHEMA,
    SSDA903_SCHEMA,
    consistency_findings,
    dfe_findings,
    schema_findings,
    structural_findings,
)

log = logging.getLogger(__name__)

# What a synthetic run reads: the generator writes exactly this layout (docs/data-model.md).
SYNTHETIC_EXTRACTS_DIR = "local/synthetic/extracts"
IDENTIFYING_COLUMNS = ("UPN", "FormerUPN", "UPNunknown", "PersonDeathDate", "ExpectedPersonBirthDate")
SSDA903_KEEP = ("CHILD", "DECOM", "RNE", "LS", "DEC")
# DfE 3-digit LA numbers (the <LEA> of a CIN census header) of the 152 LAs of 2013.
LA_NUMBERS_FILE = "resources/childlevel/la_numbers.csv"


def la_numbers(path: str | Path = LA_NUMBERS_FILE) -> dict[str, str]:
    """LA code (2013) -> DfE 3-digit LA number, from the shipped table."""
    frame = pd.read_csv(path, dtype=str)
    return dict(zip(frame["la_code"], frame["la_code_old"]))


class ConfigFileError(ValueError):
    """Files named in the configuration that are missing or named twice (raised before any job runs)."""


def configured_file_problems(extracts_config: dict[str, Any], base_dir: str | Path = ".") -> list[str]:
    """Every configured extract file that does not exist, and every file configured twice, each
    named by its config key, e.g. ``extracts.las.E06000018.cin_census."2017"``."""
    root = Path(base_dir) / extracts_config.get("directory", ".")
    problems, seen = [], {}
    for la_code, spec in (extracts_config.get("las") or {}).items():
        entries = [
            (f'extracts.las.{la_code}.cin_census."{year}"', path)
            for year, path in (spec.get("cin_census") or {}).items()
        ]
        entries += [
            (f"extracts.las.{la_code}.{name}", spec.get(name))
            for name in ("ssda903", "child_lsoa")
            if spec.get(name) not in (None, "")
        ]
        for key, value in entries:
            path = root / str(value)
            if not path.exists():
                problems.append(f"config key {key}: {path} does not exist")
            resolved = str(path.resolve())
            if resolved in seen:
                problems.append(
                    f"config key {key}: {path} is also configured as {seen[resolved]}; "
                    "each return and table belongs to one LA and year"
                )
            else:
                seen[resolved] = key
    return problems


def check_configured_files(extracts_config: dict[str, Any], base_dir: str | Path = ".") -> None:
    """Stop before any job runs when a configured file is missing or configured twice."""
    problems = configured_file_problems(extracts_config, base_dir)
    if problems:
        raise ConfigFileError("the extracts configuration names files that cannot be used:\n  " + "\n  ".join(problems))


@dataclasses.dataclass
class LAFiles:
    la_code: str
    cin_census: dict[int, str]  # collection year -> XML file or directory of CSV tables
    ssda903: str | None = None
    child_lsoa: str | None = None

    def all_paths(self) -> list[str]:
        paths = [str(p) for p in self.cin_census.values()]
        return paths + [p for p in (self.ssda903, self.child_lsoa) if p]


def synthetic_la_files(la_codes: list[str], years: list[int], root: str = SYNTHETIC_EXTRACTS_DIR) -> dict[str, LAFiles]:
    return {
        la: LAFiles(
            la,
            {int(y): f"{root}/{la}/cin_census_{int(y)}.xml" for y in years},
            f"{root}/{la}/ssda903_episodes.csv",
            f"{root}/{la}/child_lsoa.csv",
        )
        for la in la_codes
    }


def la_files_from_config(extracts_config: dict[str, Any], base_dir: str | Path = ".") -> dict[str, LAFiles]:
    """``extracts.las`` -> LAFiles; relative paths are relative to ``extracts.directory``."""
    root = Path(base_dir) / extracts_config.get("directory", ".")
    result = {}
    for la_code, spec in (extracts_config.get("las") or {}).items():

        def resolve(value):
            return None if value in (None, "") else str(root / value)

        result[la_code] = LAFiles(
            la_code,
            {int(y): resolve(p) for y, p in spec["cin_census"].items()},
            resolve(spec.get("ssda903")),
            resolve(spec.get("child_lsoa")),
        )
    return result


def read_census(path: str, year: int) -> tuple[CensusReturn, list[Finding]]:
    if Path(path).is_dir():
        return read_cin_csv(path, year)
    return read_cin_xml(path, year)


@dataclasses.dataclass
class LoadedLA:
    la_code: str
    tables: dict[str, pd.DataFrame]  # stacked over years, child_id + collection_year, no raw IDs
    ssda903: pd.DataFrame | None
    child_lsoa: pd.DataFrame | None
    findings: pd.DataFrame  # includes raw child references: local report only
    dropped_episodes: int
    years: list[int]
    identifiers: dict[str, list[str]]  # raw IDs and birth dates for the privacy check: local only


def _episode_keys(frame: pd.DataFrame) -> pd.Series:
    return frame["LAchildID"].astype("string") + "|" + frame["CINreferralDate"].astype("string")


def identity_findings(
    files: LAFiles,
    returns: list[CensusReturn],
    child_lsoa: pd.DataFrame | None,
    lsoa_la: dict[str, str] | None,
    la_number: str | None,
    max_outside_share: float,
) -> list[Finding]:
    """Do the files belong to the LA they are configured under? The header LEA against the LA's DfE
    number, and the share of its children whose LSOA lies in another LA."""
    findings = []
    for census in returns:
        lea = census.header.get("LEA")
        if la_number and lea is not None and str(lea).strip() != la_number:
            findings.append(
                Finding(
                    "wrong_la",
                    census.file,
                    census.header.get("_line"),
                    None,
                    "Header/LEA",
                    f"{la_number} (the DfE number of {files.la_code}, the LA it is configured under)",
                    repr(lea),
                )
            )
    if lsoa_la and child_lsoa is not None and len(child_lsoa) and returns:
        in_returns = set(pd.concat([r.tables["children"]["LAchildID"] for r in returns]).dropna())
        rows = child_lsoa[child_lsoa["LAchildID"].astype(object).isin(in_returns)]  # as Python strings (below)
        la_of = rows["LSOA11CD"].astype(object).map(lsoa_la).dropna()
        if len(la_of):
            outside = la_of[la_of != files.la_code]
            share = len(outside) / len(la_of)
            if share > max_outside_share:
                top = outside.value_counts()
                findings.append(
                    Finding(
                        "lsoa_outside_la",
                        files.child_lsoa,
                        None,
                        None,
                        "LSOA11CD",
                        f"at most {max_outside_share:.0%} of the children's LSOAs outside {files.la_code} "
                        "(validation.max_share_lsoa_outside_la)",
                        f"{share:.1%} ({len(outside)} of {len(la_of)}) outside, most in {top.index[0]} ({top.iloc[0]})",
                        record="child LSOA",
                    )
                )
    return findings


def validate_la(
    files: LAFiles,
    lsoa_codes: set[str] | None,
    policy: dict[str, str] | None = None,
    dfe_rules: bool = False,
    lsoa_la: dict[str, str] | None = None,
    la_number: str | None = None,
    max_outside_share: float = 0.05,
):
    """Read and validate every file of one LA. Returns (returns, ssda903, child_lsoa, findings, drop keys).

    ``dfe_rules``: also apply DfE's CIN census validation rules of each return's collection year
    (the workflow's default, ``validation.dfe_rules``), to every return that passed the structural
    checks (as DfE's own validation runs its rules only on schema-valid returns).
    ``lsoa_la`` (LSOA -> LA code) and ``la_number`` (the LA's DfE number) switch on the checks that
    the files belong to the LA they are configured under (rules lsoa_outside_la, wrong_la)."""
    policy = {**default_policy(), **(policy or {})}
    findings: list[Finding] = []
    returns: list[CensusReturn] = []
    drop_keys: list[pd.DataFrame] = []
    for year, path in sorted(files.cin_census.items()):
        census, read_findings = read_census(path, year)
        findings.extend(read_findings)
        if any(f.structural for f in read_findings):
            continue  # unreadable: nothing further to check in this file
        record_findings = structural_findings(census)
        consistency, keys = consistency_findings(census)
        if dfe_rules and not record_findings:
            dfe, dfe_keys = dfe_findings(census)
            consistency.extend(dfe)
            keys = pd.concat([keys, dfe_keys], ignore_index=True) if len(dfe_keys) else keys
        record_findings.extend(consistency)
        if not Path(path).is_dir():
            record_findings = field_lines(path, record_findings)
        findings.extend(record_findings)
        keys = keys.assign(collection_year=year)
        drop_keys.append(keys[keys["rule"].map(policy).eq("drop")])
        returns.append(census)
    ssda903 = child_lsoa = None
    if files.ssda903:
        ssda903, read_findings = read_ssda903(files.ssda903)
        findings.extend(read_findings)
        if ssda903 is not None:
            findings.extend(schema_findings(ssda903, SSDA903_SCHEMA, files.ssda903, "SSDA903 episode", "CHILD"))
    if files.child_lsoa:
        child_lsoa, read_findings = read_child_lsoa(files.child_lsoa)
        findings.extend(read_findings)
        if child_lsoa is not None:
            findings.extend(schema_findings(child_lsoa, CHILD_LSOA_SCHEMA, files.child_lsoa, "child LSOA"))
    # Unknown LSOA: a CIN child without an LSOA row, or an LSOA outside the English reference.
    lsoa_unreadable = files.child_lsoa is not None and child_lsoa is None
    if returns and lsoa_codes is not None and not lsoa_unreadable:
        children = pd.concat([r.tables["children"][["LAchildID", "_line"]].assign(source_file=r.file) for r in returns])
        children = children.dropna(subset=["LAchildID"]).drop_duplicates("LAchildID", keep="last")
        known = child_lsoa if child_lsoa is not None else pd.DataFrame(columns=["LAchildID", "LSOA11CD", "_line"])
        merged = children.merge(
            known[["LAchildID", "LSOA11CD", "_line"]].rename(columns={"_line": "lsoa_line"}), on="LAchildID", how="left"
        )
        # As Python strings: isin on pyarrow strings would build a pyarrow scalar per known LSOA.
        bad = merged[~merged["LSOA11CD"].astype(object).isin(lsoa_codes)]
        for row in bad.itertuples(index=False):
            missing = pd.isna(row.LSOA11CD)
            findings.append(
                Finding(
                    "unknown_lsoa",
                    files.child_lsoa or row.source_file,
                    None if missing else int(row.lsoa_line),
                    row.LAchildID,
                    "LSOA11CD",
                    "an English LSOA 2011 code in the LSOA reference",
                    "no row for this child" if missing else repr(row.LSOA11CD),
                    record="child LSOA",
                )
            )
        if policy["unknown_lsoa"] == "drop" and len(bad):
            drop_children = set(bad["LAchildID"])
            for census in returns:
                cin = census.tables["cin_details"]
                dropped = cin[cin["LAchildID"].isin(drop_children)]
                drop_keys.append(
                    dropped[["LAchildID", "CINreferralDate"]].assign(rule="unknown_lsoa", collection_year=census.year)
                )
    findings.extend(identity_findings(files, returns, child_lsoa, lsoa_la, la_number, max_outside_share))
    # SSDA903 children absent from the CIN census.
    if returns and ssda903 is not None and "CHILD" in ssda903:
        cin_children = set(pd.concat([r.tables["children"]["LAchildID"] for r in returns]).dropna())
        for row in (
            ssda903.rename(columns={"_line": "line"})[
                ~ssda903["CHILD"].astype(object).isin(cin_children) & ssda903["CHILD"].notna()
            ]
            .drop_duplicates("CHILD")
            .itertuples(index=False)
        ):
            findings.append(
                Finding(
                    "lac_without_cin",
                    files.ssda903,
                    int(row.line),
                    row.CHILD,
                    "CHILD",
                    "a child of the CIN census returns",
                    repr(row.CHILD),
                    record="SSDA903 episode",
                )
            )
    keys = (
        pd.concat(drop_keys, ignore_index=True)
        if drop_keys
        else pd.DataFrame(columns=["LAchildID", "CINreferralDate", "rule", "collection_year"])
    )
    return returns, ssda903, child_lsoa, findings_frame(findings, policy), keys


def load_la(
    files: LAFiles,
    lsoa_codes: set[str] | None,
    key: bytes,
    policy: dict[str, str] | None = None,
    report_path: str | None = None,
    dfe_rules: bool = False,
    **identity,
) -> LoadedLA:
    """Validate, stop on errors, drop what the policy says, and pseudonymise one LA's records.
    ``identity``: lsoa_la, la_number, max_outside_share (see validate_la)."""
    returns, ssda903, child_lsoa, findings, drop_keys = validate_la(files, lsoa_codes, policy, dfe_rules, **identity)
    errors = findings[findings["action"] == "error"]
    if len(errors):
        raise ExtractError([_row_to_finding(r) for r in errors.itertuples(index=False)], report_path)
    from csc_inequalities.privacy import collect_identifiers

    raw_ids, birth_dates = collect_identifiers([r.tables for r in returns], [ssda903], [child_lsoa])
    identifiers = {"identifiers": sorted(raw_ids), "birth_dates": sorted(birth_dates)}
    dropped = 0
    stacked: dict[str, list[pd.DataFrame]] = {name: [] for name in RECORD_TABLES}
    for census in returns:
        year_keys = drop_keys[drop_keys["collection_year"] == census.year]
        drop_set = set(_episode_keys(year_keys).dropna()) if len(year_keys) else set()
        for name in RECORD_TABLES:
            frame = census.tables[name]
            if name != "children" and drop_set and len(frame):
                keep = ~_episode_keys(frame).isin(drop_set).fillna(False)
                if name == "cin_details":
                    dropped += int((~keep).sum())
                frame = frame[keep.to_numpy()]
            frame = frame.drop(columns=[c for c in IDENTIFYING_COLUMNS if c in frame.columns])
            frame = frame.assign(collection_year=census.year)
            stacked[name].append(frame)
    kept = sum(len(f) for f in stacked["cin_details"])
    if kept == 0:
        found = (
            f"{len(returns)} return(s) with no CINdetails"
            if dropped == 0
            else f"all {dropped} episodes dropped by the validation policy"
        )
        raise ExtractError(
            [
                Finding(
                    "no_usable_episodes",
                    ", ".join(files.all_paths()[: len(files.cin_census)]),
                    None,
                    None,
                    None,
                    "at least one CIN episode to analyse",
                    found,
                    record=f"LA {files.la_code}",
                )
            ],
            report_path,
        )
    tables = {}
    for name, frames in stacked.items():
        frame = (
            pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["LAchildID", "collection_year"])
        )
        frame["child_id"] = pseudonymise_series(frame["LAchildID"], files.la_code, key)
        tables[name] = frame.drop(columns="LAchildID")
    if ssda903 is not None:
        ssda903 = ssda903[list(SSDA903_KEEP)].assign(child_id=pseudonymise_series(ssda903["CHILD"], files.la_code, key))
        ssda903 = ssda903.drop(columns="CHILD")
    if child_lsoa is not None:
        child_lsoa = child_lsoa.assign(child_id=pseudonymise_series(child_lsoa["LAchildID"], files.la_code, key))
        child_lsoa = child_lsoa.drop(columns="LAchildID")
    log.info(
        "LA %s: %d returns read, %d findings, %d episodes dropped by policy",
        files.la_code,
        len(returns),
        len(findings),
        dropped,
    )
    return LoadedLA(
        files.la_code, tables, ssda903, child_lsoa, findings, dropped, sorted(files.cin_census), identifiers
    )


def _row_to_finding(row) -> Finding:
    return Finding(
        row.rule,
        row.file,
        None if pd.isna(row.line) else int(row.line),
        None if pd.isna(row.child_ref) else row.child_ref,
        None if pd.isna(row.field) else row.field,
        row.expected,
        row.found,
        row.record or "",
        row.severity or "",
        row.description or "",
    )


def workflow_la_files(config: dict[str, Any], provided: dict[str, dict] | None = None) -> dict[str, LAFiles]:
    """LA code -> LAFiles for a workflow run.

    ``extracts.source: extracts`` -> the blocks of ``extracts.las``; ``synthetic`` -> the files the
    generator's rule names (``provided``: {la_code: {"cin_census": {year: path}, "ssda903": path,
    "child_lsoa": path}}), or else its documented layout for ``synthetic.la_codes``/``years``.
    """
    if config["extracts"]["source"] == "extracts":
        return la_files_from_config(config["extracts"])
    if provided:
        return {
            la: LAFiles(
                la, {int(y): str(p) for y, p in spec["cin_census"].items()}, spec.get("ssda903"), spec.get("child_lsoa")
            )
            for la, spec in provided.items()
        }
    synthetic = config["synthetic"]
    return synthetic_la_files(list(synthetic["las"]), list(range(synthetic["first_year"], synthetic["last_year"] + 1)))


def rule_inputs(files: LAFiles) -> dict[str, str]:
    """The named inputs of the per-LA rule: cin_<year>, ssda903, child_lsoa; a return given as a
    folder of CSV tables also names each table (cin_<year>__<table>), so that a changed table, not
    only an added or removed one, reruns the LA's jobs."""
    inputs = {}
    for year, path in sorted(files.cin_census.items()):
        inputs[f"cin_{year}"] = path
        if Path(path).is_dir():
            for table in sorted(Path(path).glob("*.csv")):
                inputs[f"cin_{year}__{table.stem}"] = str(table)
    if files.ssda903:
        inputs["ssda903"] = files.ssda903
    if files.child_lsoa:
        inputs["child_lsoa"] = files.child_lsoa
    return inputs


def rule_params(files: LAFiles) -> dict[str, Any]:
    return {
        "cin_census": {int(y): p for y, p in files.cin_census.items()},
        "ssda903": files.ssda903,
        "child_lsoa": files.child_lsoa,
    }
