"""Validation findings: one record per problem, with where it is and what was expected.

A finding names the file, the XML line or CSV row (1-based, header = row 1), the child reference
as the LA wrote it, the field, what was expected and what was found. Findings carrying child
references are written only to the console and to the local validation report (``local/``);
shared outputs hold counts by rule (:func:`counts_by_rule`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pandas as pd

from csc_inequalities.errors import StopRun

# Structural rules always stop the run; consistency rules follow validation.policy.
STRUCTURAL_RULES = {
    "unparseable": "the file is not well-formed XML/CSV",
    "empty_file": "the file is empty or holds no records",
    "encoding": "the file is not in its declared encoding (UTF-8 by default)",
    "dtd_refused": "DOCTYPE/entity declarations are refused (no XXE, no entity expansion)",
    "wrong_root": "the XML root element is not <Message>",
    "wrong_collection": "Header/CollectionDetails/Collection is not CIN",
    "missing_field": "a required field is missing or empty",
    "invalid_code": "a value is not in the DfE code list for the collection year",
    "bad_date": "a date is not a valid YYYY-MM-DD date",
    "bad_value": "a value has the wrong form (boolean, integer, LSOA code)",
    "duplicate_child": "a child appears more than once in one return (or the LSOA table)",
    "missing_file": "a file named in the configuration does not exist",
    "no_usable_episodes": "no CIN episode of the LA is left to analyse after validation",
}
# Consistency rules and their default policy (error | drop | warn); documented in docs/extracts.md.
CONSISTENCY_RULES = {
    "dates_out_of_order": ("drop", "a date precedes the date it must follow (e.g. closure before referral)"),
    "outside_collection_period": (
        "warn",
        "a date lies after the collection's reference date, or the episode closed before the collection year began",
    ),
    "nfa_with_actions": ("warn", "ReferralNFA is true but the episode has an assessment, S47, CIN plan or CPP"),
    "unknown_lsoa": ("warn", "the child has no LSOA, or an LSOA not in the English LSOA 2011 reference"),
    "duplicate_episode": ("drop", "a child has two CINdetails with the same referral date in one return"),
    "header_mismatch": ("error", "the header year/reference date disagree with the configured collection year"),
    "wrong_la": ("error", "the header LEA is not the DfE number of the LA the return is configured under"),
    "lsoa_outside_la": (
        "error",
        "more of the children's LSOAs lie outside the configured LA than validation.max_share_lsoa_outside_la allows",
    ),
    "unknown_element": ("warn", "an XML element the reader does not know (later specification); ignored"),
    "stray_text": ("warn", "text outside any field in the XML; ignored"),
    "lac_without_cin": ("warn", "an SSDA903 child has no CIN census record; their episodes are not used"),
}
DEFAULT_POLICY = {rule: policy for rule, (policy, _) in CONSISTENCY_RULES.items()}
ALL_RULES = {**STRUCTURAL_RULES, **{rule: text for rule, (_, text) in CONSISTENCY_RULES.items()}}
DFE_PREFIX = "dfe_"  # DfE CIN census validation rules (childlevel.dfe): dfe_<code>


def _dfe() -> tuple[dict[str, str], dict[str, str]]:
    """(default policy, descriptions) of the DfE rules, loaded on first use."""
    if not _DFE_CACHE:
        from csc_inequalities.childlevel.dfe import dfe_default_policy, dfe_descriptions

        _DFE_CACHE.extend([dfe_default_policy(), dfe_descriptions()])
    return _DFE_CACHE[0], _DFE_CACHE[1]


_DFE_CACHE: list[dict[str, str]] = []


def default_policy() -> dict[str, str]:
    """The action of every non-structural rule: the project's consistency rules and DfE's rules
    (error-level -> error, queries -> warn)."""
    return {**DEFAULT_POLICY, **_dfe()[0]}


def rule_descriptions() -> dict[str, str]:
    return {**ALL_RULES, **_dfe()[1]}


@dataclasses.dataclass(frozen=True)
class Finding:
    rule: str
    file: str
    line: int | None
    child_ref: str | None
    field: str | None
    expected: str
    found: str
    record: str = ""  # e.g. "CINdetails referral 2016-05-01"
    severity: str = ""  # DfE rules: error | query (the project's own rules leave it empty)
    description: str = ""  # DfE rules: DfE's message of the rule version applied

    @property
    def structural(self) -> bool:
        return self.rule in STRUCTURAL_RULES

    def message(self) -> str:
        where = f"{self.file}"
        if self.line is not None:
            where += f", line {self.line}"
        parts = [where]
        if self.child_ref is not None:
            parts.append(f"child {self.child_ref}")
        if self.record:
            parts.append(self.record)
        if self.field:
            parts.append(f"field {self.field}")
        text = f"[{self.rule}] " + ", ".join(parts) + f": expected {self.expected}, found {self.found}"
        if self.rule.startswith(DFE_PREFIX):
            text += f" (DfE {self.rule[len(DFE_PREFIX) :]}, {self.severity}: {self.description})"
        return text


class ExtractError(StopRun):
    """Validation stopped the run; ``findings`` holds every finding with policy ``error``."""

    def __init__(self, findings: list[Finding], report_path: str | None = None):
        self.findings = findings
        shown = "\n  ".join(f.message() for f in findings[:20])
        more = f"\n  ... and {len(findings) - 20} more" if len(findings) > 20 else ""
        where = f"\nFull list: {report_path}" if report_path else ""
        super().__init__(f"{len(findings)} validation finding(s) stop the run:\n  {shown}{more}{where}")


def findings_frame(findings: Iterable[Finding], policy: dict[str, str] | None = None) -> pd.DataFrame:
    """All findings as a table, with the action taken (error/drop/warn) per finding and, for DfE's
    rules, DfE's severity (error/query)."""
    policy = {**default_policy(), **(policy or {})}
    rows = [
        {
            **dataclasses.asdict(f),
            "action": "error" if f.structural else policy.get(f.rule, "warn"),
            "message": f.message(),
        }
        for f in findings
    ]
    columns = [
        "rule",
        "severity",
        "action",
        "file",
        "line",
        "child_ref",
        "record",
        "field",
        "expected",
        "found",
        "description",
        "message",
    ]
    return pd.DataFrame(rows, columns=columns)


def counts_by_rule(findings: pd.DataFrame, la_code: str | None = None) -> pd.DataFrame:
    """Counts by rule and action (no child references): what the shared outputs may hold."""
    counts = (
        findings.groupby(["rule", "action"], dropna=False).size().rename("findings").reset_index()
        if len(findings)
        else pd.DataFrame(columns=["rule", "action", "findings"])
    )
    if la_code is not None:
        counts.insert(0, "la_code", la_code)
    counts["description"] = counts["rule"].map(rule_descriptions())
    return counts
