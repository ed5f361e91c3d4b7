"""Errors whose message says everything a user needs (bad input data or configuration, not a bug)."""

from __future__ import annotations


class StopRun(Exception):
    """Stops a rule with a complete, user-facing message: the rule's log and the console show the
    message once, without a Python traceback (csc_inequalities.workflow_io.script_context)."""
