"""script_context: a user-facing stop is logged once without a traceback; a bug keeps its traceback."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from csc_inequalities.childlevel.findings import ExtractError, Finding
from csc_inequalities.workflow_io import script_context


class _Named(list):
    def __init__(self, **named):
        super().__init__(named.values())
        self._named = named

    def items(self):
        return self._named.items()


def _snakemake(tmp_path):
    return SimpleNamespace(
        rule="demo", log=[str(tmp_path / "demo.log")], input=_Named(), output=_Named(), params=_Named()
    )


def test_a_stop_is_logged_once_without_a_traceback(tmp_path, capsys):
    finding = Finding("wrong_la", "cin.xml", 3, None, "LEA", "208", "892", record="Header")
    with pytest.raises(SystemExit) as stop:
        with script_context(_snakemake(tmp_path)):
            raise ExtractError([finding])
    assert stop.value.code == 1
    log = (tmp_path / "demo.log").read_text()
    err = capsys.readouterr().err
    for text in (log, err):
        assert "rule demo stopped: 1 validation finding(s) stop the run:" in text
        assert text.count("[wrong_la]") == 1
        assert "Traceback" not in text


def test_an_unexpected_error_keeps_its_traceback(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with script_context(_snakemake(tmp_path)):
            raise ZeroDivisionError("a bug")
    log = (tmp_path / "demo.log").read_text()
    assert "rule demo failed" in log and "Traceback" in log


def test_a_batch_members_record_is_written_where_its_own_rule_writes_it(tmp_path):
    import json

    from csc_inequalities.workflow_io import write_member_provenance

    record = {"rule": "synthetic_la_batch_01", "params": {"la_code": "E06000018"}}
    path = tmp_path / "provenance" / "synthetic_la" / "E06000018.json"
    write_member_provenance(record, path, "synthetic_la")
    assert json.loads(path.read_text()) == {**record, "resources_rule": "synthetic_la"}
    assert path.read_text().startswith('{\n  "params"')  # sorted keys, indented
    assert "resources_rule" not in record  # the caller's record is left as it was
