"""Property test: mutating a valid return never ends in an unhandled exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csc_inequalities.childlevel.extracts import LAFiles, validate_la
from csc_inequalities.childlevel.findings import ExtractError

VALID = (Path(__file__).resolve().parents[1] / "data" / "bad_inputs" / "valid_2017.xml").read_bytes()
FRAGMENTS = [
    b"<",
    b">",
    b"</CINdetails>",
    b"<CINdetails>",
    b"&",
    b"&amp;",
    b"<!DOCTYPE x>",
    b"\xff\xfe",
    b"\x00",
    b"2016-13-45",
    b"<Child>",
    b"<Message>",
    b"]]>",
    b"<![CDATA[x]]>",
    b"\xc3",
    b"<?xml?>",
    b"-->",
]

mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, len(VALID)), st.integers(1, 200)),
    st.tuples(
        st.just("insert"), st.integers(0, len(VALID)), st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=20))
    ),
    st.tuples(
        st.just("replace"),
        st.integers(0, len(VALID)),
        st.one_of(st.sampled_from(FRAGMENTS), st.binary(min_size=1, max_size=8)),
    ),
)


def _apply(data: bytes, mutations) -> bytes:
    for kind, position, arg in mutations:
        position = min(position, len(data))
        if kind == "delete":
            data = data[:position] + data[position + arg :]
        elif kind == "insert":
            data = data[:position] + arg + data[position:]
        else:
            data = data[:position] + arg + data[position + len(arg) :]
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_xml_gives_findings_not_exceptions(tmp_path, mutations):
    path = tmp_path / "mutated.xml"
    path.write_bytes(_apply(VALID, mutations))
    _, _, _, findings, _ = validate_la(LAFiles("E09000001", {2017: str(path)}), None)
    assert set(findings["action"]) <= {"error", "drop", "warn"}
    assert findings["message"].str.startswith("[").all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(
        [
            "LAchildID",
            "CINreferralDate",
            "ReferralSource",
            "GenderCurrent",
            "Ethnicity",
            "ReferralNFA",
            "AssessmentFactors",
            "CPPstartDate",
            "InitialCategoryOfAbuse",
            "Year",
        ]
    ),
)
def test_any_field_value_gives_findings_not_exceptions(tmp_path, value, field):
    from xml.sax.saxutils import escape

    text = VALID.decode()
    start = text.index(f"<{field}>") + len(field) + 2
    end = text.index(f"</{field}>")
    path = tmp_path / "value.xml"
    path.write_text(text[:start] + escape(value) + text[end:], encoding="utf-8")
    _, _, _, findings, _ = validate_la(LAFiles("E09000001", {2017: str(path)}), None)
    assert set(findings["action"]) <= {"error", "drop", "warn"}


@st.composite
def _episodes(draw):
    from datetime import date, timedelta

    start = date(2016, 4, 1)
    day = lambda lo=0, hi=364: start + timedelta(days=draw(st.integers(lo, hi)))
    referral = day(0, 300)
    later = lambda: referral + timedelta(days=draw(st.integers(0, 364 - (referral - start).days)))
    return dict(
        referral=referral.isoformat(),
        source=draw(st.sampled_from(["1A", "2B", "3E", "4", "6", "10"])),
        closure=None,
        reason=None,
        nfa=draw(st.sampled_from(["true", "false", "0", "1"])),
        need="N1",
        assessments=[
            (later().isoformat(), draw(st.lists(st.sampled_from(["1A", "22B", "23A", "16A", "21"]), max_size=3)))
            for _ in range(draw(st.integers(0, 2)))
        ],
        plans=[later().isoformat() for _ in range(draw(st.integers(0, 1)))],
        s47=[
            (d, draw(st.sampled_from([None, d]))) for d in (later().isoformat() for _ in range(draw(st.integers(0, 2))))
        ],
        cpps=[
            (later().isoformat(), None, draw(st.sampled_from(["NEG", "EMO", "PHY", "SAB", "MUL"])), "NEG")
            for _ in range(draw(st.integers(0, 2)))
        ],
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_episodes(), min_size=1, max_size=3), min_size=1, max_size=4))
def test_valid_random_returns_give_consistent_flags(tmp_path, children_episodes):
    import pandas as pd

    from csc_inequalities.childlevel.episodes import build_episodes
    from csc_inequalities.childlevel.extracts import load_la

    from .builders import child, cin_return

    kids = [child(f"KID{i}", "2010-01-01", episodes=eps) for i, eps in enumerate(children_episodes)]
    path = tmp_path / "cin.xml"
    path.write_text(cin_return(kids, 2017))
    keys = [(i, e["referral"]) for i, eps in enumerate(children_episodes) for e in eps]
    if all(keys.count(k) > 1 for k in keys):
        # Every episode is a duplicate, and duplicates are dropped: nothing is left to analyse.
        with pytest.raises(ExtractError, match=r"\[no_usable_episodes\].*found all \d+ episodes dropped"):
            load_la(LAFiles("E09000001", {2017: str(path)}), None, bytes(32), {"duplicate_episode": "drop"})
        return
    loaded = load_la(LAFiles("E09000001", {2017: str(path)}), None, bytes(32), {"duplicate_episode": "drop"})
    reference = pd.DataFrame(columns=["lsoa11", "imd2015_score", "imd_decile_official", "imd_decile_least1"])
    frame = build_episodes(loaded.tables, None, None, reference, "E09000001", 2017)
    # "drop" removes every episode of a duplicated (child, referral date) key: the singles are left.
    assert len(frame) == sum(keys.count(k) == 1 for k in keys)
    assert (~frame["icpc"] | frame["s47"]).all()
    assert (frame["cpp"] == frame["cpp_initial_category"].notna()).all()
    assert (~frame["repeat_cpp"] | frame["cpp"]).all()
    assert (~frame["assessed_not_cin"] | frame["assessed"]).all()
    # Born 2010-01-01, referred between April 2016 and January 2017: aged 6 or 7.
    assert frame["age_group"].eq("5-9").all()


CSV_CHILDREN = b"LAchildID,PersonBirthDate,GenderCurrent,Ethnicity\nKID1,2010-05-01,1,WBRI\nKID2,2011-02-03,2,AIND\n"
CSV_CIN = b"LAchildID,CINreferralDate,ReferralSource,ReferralNFA\nKID1,2016-06-01,2A,false\nKID2,2016-07-01,6,true\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mutation, min_size=1, max_size=3), st.booleans())
def test_mutated_csv_tables_give_findings_not_exceptions(tmp_path, mutations, mutate_children):
    folder = tmp_path / "csv"
    folder.mkdir(exist_ok=True)
    (folder / "children.csv").write_bytes(_apply(CSV_CHILDREN, mutations) if mutate_children else CSV_CHILDREN)
    (folder / "cin_details.csv").write_bytes(CSV_CIN if mutate_children else _apply(CSV_CIN, mutations))
    _, _, _, findings, _ = validate_la(LAFiles("E09000001", {2017: str(folder)}), None)
    assert set(findings["action"]) <= {"error", "drop", "warn"}
