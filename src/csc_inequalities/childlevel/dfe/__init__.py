"""DfE's CIN census validation rules (error and query level), per collection year.

Each rule is one function with its DfE code, severity and message (``child``, ``cin_details``,
``modules``), registered for the collection years of its version; :func:`run_rules` runs those of
a return's year on the parsed return. See docs/extracts.md for the list and what is left out.
"""

from csc_inequalities.childlevel.dfe import child, cin_details, modules  # noqa: F401  (registers the rules)
from csc_inequalities.childlevel.dfe.engine import (
    REGISTRY,
    DfeResult,
    DfeRule,
    ReturnData,
    dfe_default_policy,
    dfe_descriptions,
    rule_catalogue,
    rules_for_year,
    run_rules,
)

__all__ = [
    "REGISTRY",
    "DfeResult",
    "DfeRule",
    "ReturnData",
    "dfe_default_policy",
    "dfe_descriptions",
    "rule_catalogue",
    "rules_for_year",
    "run_rules",
]
