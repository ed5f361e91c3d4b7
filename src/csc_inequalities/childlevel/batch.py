"""Read several LAs in one process (rules childlevel_la_episodes_batch_<nn>, ``extracts.las_per_job`` > 1).

Each LA goes through :func:`csc_inequalities.childlevel.pipeline.run_la`, the function of the
per-LA job (rule childlevel_la_episodes), and writes the same files: a batch only saves starting
Python and importing pandas, pandera and the readers once per LA (issue 13).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from csc_inequalities.childlevel.findings import ExtractError
from csc_inequalities.childlevel.pipeline import run_la

log_default = logging.getLogger(__name__)


class BatchExtractError(ExtractError):
    """Validation stopped the run in more than one LA of a batch; ``errors`` maps each LA to its error."""

    def __init__(self, errors: Mapping[str, ExtractError]):
        self.errors = dict(errors)
        self.findings = [f for error in errors.values() for f in error.findings]
        Exception.__init__(
            self,
            f"validation stopped {len(errors)} LAs of the batch:\n"
            + "\n".join(f"{la}: {error}" for la, error in errors.items()),
        )


def read_batch(
    members: Sequence[Mapping[str, Any]],
    lsoa_reference_path: str,
    key_file: str,
    policy: Mapping[str, str],
    max_outside_share: float,
    dfe_rules: bool = False,
    log: logging.Logger = log_default,
    min_cell: int | None = None,
) -> Iterator[tuple[Mapping[str, Any], float]]:
    """Read, validate and pseudonymise the LAs of a batch one after the other; yields
    (member, seconds) after each LA's files are written.

    ``members``: one mapping per LA with ``la_code``, ``files`` (as the per-LA rule's params),
    ``la_number``, ``last_year`` and the output paths ``episodes``, ``counts``, ``findings``,
    ``identifiers`` (and optionally ``yearly_counts``, ``quality``). An LA that validation stops does not stop the others: every LA is read (each
    failure's findings written beside its outputs, as for one LA), then the error is raised: the
    LA's own when one LA failed, else a :class:`BatchExtractError` naming each.
    """
    errors: dict[str, ExtractError] = {}
    for member in members:
        started = time.perf_counter()
        try:
            run_la(
                la_code=member["la_code"],
                files=member["files"],
                lsoa_reference_path=lsoa_reference_path,
                key_file=key_file,
                policy=dict(policy),
                dfe_rules=dfe_rules,
                la_number=member["la_number"],
                max_outside_share=max_outside_share,
                last_year=member["last_year"],
                episodes_path=member["episodes"],
                counts_path=member["counts"],
                findings_path=member["findings"],
                identifiers_path=member["identifiers"],
                yearly_counts_path=member.get("yearly_counts"),
                quality_path=member.get("quality"),
                log=log,
                **({} if min_cell is None else {"min_cell": min_cell}),
            )
        except ExtractError as error:
            errors[member["la_code"]] = error
            log.error("LA %s: %s", member["la_code"], error)
            continue
        yield member, time.perf_counter() - started
    if len(errors) == 1:
        raise next(iter(errors.values()))
    if errors:
        raise BatchExtractError(errors)
