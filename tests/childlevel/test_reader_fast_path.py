"""The libxslt fast path of the CIN XML reader gives exactly what the element-wise reader gives:
the same tables (cell by cell, None/NaN alike), header and findings; anything it does not mirror
goes to the element-wise reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csc_inequalities.childlevel import cin_xml_flat
from csc_inequalities.childlevel.cin_xml import read_cin_xml, read_cin_xml_elementwise
from csc_inequalities.childlevel.cin_xml_flat import read_clean_cin_xml
from csc_inequalities.childlevel.records import TABLE_COLUMNS, table_from_columns, table_from_rows

from .builders import child, cin_details, cin_return

DATA = Path(__file__).resolve().parents[1] / "data"
VALID = (DATA / "bad_inputs" / "valid_2017.xml").read_text()


def assert_same_reading(path, year: int = 2017) -> None:
    fast, fast_findings = read_cin_xml(path, year)
    slow, slow_findings = read_cin_xml_elementwise(path, year)
    assert fast_findings == slow_findings
    assert fast.header == slow.header and fast.file == slow.file and fast.year == slow.year
    assert list(fast.tables) == list(slow.tables)
    for name, table in slow.tables.items():
        pd.testing.assert_frame_equal(fast.tables[name], table)
        # None and NaN are both "missing" to assert_frame_equal: compare the cells themselves too.
        assert fast.tables[name].map(repr).equals(table.map(repr)), name


def _full_return(n_children: int) -> str:
    """Every record type, list fields with several items, missing fields, renamed Sex."""
    children = []
    for i in range(n_children):
        episodes = [
            cin_details(
                "2016-06-01",
                closure="2016-09-01" if i % 3 else None,
                reason="RC1" if i % 3 else None,
                assessments=[("2016-06-05", ["1A", "22B"][: i % 3])],
                plans=[("2016-07-01", None)][: i % 2],
                s47=[("2016-06-03", "2016-06-20")][: (i + 1) % 2],
                cpps=[("2016-06-21", None, "NEG", "EMO")][: i % 2],
            )
        ]
        children.append(child(f"C{i:04d}", episodes=episodes, upn=f"A{i:012d}" if i % 2 else None))
    xml = cin_return(children, 2017)
    xml = xml.replace(
        "<Ethnicity>WBRI</Ethnicity>",
        "<Ethnicity>WBRI</Ethnicity><Disabilities><Disability>HAND</Disability>"
        "<Disability> </Disability></Disabilities><Disabilities><Disability>HEAR</Disability>"
        "</Disabilities>",
        2,
    )
    return xml.replace("<GenderCurrent>1</GenderCurrent>", "<Sex>1</Sex>", 3)


def test_clean_returns_take_the_fast_path_and_read_identically(tmp_path):
    for path in (DATA / "bad_inputs" / "valid_2017.xml", DATA / "cin_samples" / "liia_cin-2022.xml"):
        assert read_clean_cin_xml(path, 2017) is not None, path
        assert_same_reading(path)
    path = tmp_path / "full.xml"
    path.write_text(_full_return(40))
    census = read_clean_cin_xml(path, 2017)
    assert census is not None
    assert len(census.tables["children"]) == 40 and census.tables["children"]["GenderCurrent"].iloc[0] == "1"
    assert census.tables["children"]["Disabilities"].iloc[0] == "HAND;;HEAR"
    assert len(census.tables["child_protection_plans"]) == 20
    assert_same_reading(path)


@pytest.mark.parametrize("chunk", [1, 3, 7, 2000])
@pytest.mark.parametrize("layout", ["one line", "pretty", "one line per child"])
def test_batches_of_any_size_read_identically(tmp_path, monkeypatch, chunk, layout):
    """iterparse reads ahead of the batch boundary; no child may be read twice or missed."""
    from lxml import etree

    monkeypatch.setattr(cin_xml_flat, "CHUNK_CHILDREN", chunk)
    xml = _full_return(23)
    if layout == "pretty":
        tree = etree.fromstring(xml.encode())
        etree.indent(tree)
        xml = etree.tostring(tree, encoding="unicode")
    elif layout == "one line":
        xml = xml.replace("\n", "")
    path = tmp_path / "batches.xml"
    path.write_text(xml)
    census = read_clean_cin_xml(path, 2017)
    assert census is not None
    assert census.tables["children"]["LAchildID"].tolist() == [f"C{i:04d}" for i in range(23)]
    assert_same_reading(path)


def test_line_numbers_beyond_65535_are_those_of_the_element_wise_reader(tmp_path):
    """libxml2 keeps line numbers in 16 bits unless told otherwise; saxon:line-number() must not wrap."""
    xml = _full_return(5).replace("<Children>\n", "<Children>" + "\n" * 70_000, 1)
    path = tmp_path / "long.xml"
    path.write_text(xml)
    census = read_clean_cin_xml(path, 2017)
    assert census is not None
    assert census.tables["children"]["_line"].min() > 70_000
    assert_same_reading(path)


UNUSUAL = {
    "unknown element": ("<ReferralNFA>false</ReferralNFA>", "<ReferralNFA>false</ReferralNFA><Hobby>x</Hobby>"),
    "stray text": ("</ChildIdentifiers>", "</ChildIdentifiers>stray"),
    "field twice": ("<ReferralSource>", "<ReferralSource>1A</ReferralSource><ReferralSource>"),
    "element inside a field": ("<ReferralSource>", "<ReferralSource><b/>"),
    "namespaced field": ("<ReferralSource>", '<ReferralSource xmlns="urn:x">'),
    "two ChildIdentifiers": (
        "<ChildCharacteristics>",
        "<ChildIdentifiers><UPN>X</UPN></ChildIdentifiers><ChildCharacteristics>",
    ),
    "token separator in a value": ("<ReferralSource>", "<ReferralSource>\x7f"),
    "reference to the separator": ("<ReferralSource>", "<ReferralSource>&#x7F;"),
    "empty CDATA section": ("<ReferralSource>", "<ReferralSource><![CDATA[]]>"),
    "second Header": ("<Children>", "<Header/><Children>"),
    "element after the children": ("</Children>", "<Note/></Children>"),
    "child outside Children": ("<Children>", "<Child/><Children>"),
    "wrong root": ("<Message>", "<Messages>"),
    "truncated": ("</Message>", ""),
    "no children": (None, None),
}


@pytest.mark.parametrize("case", sorted(UNUSUAL))
def test_anything_unusual_is_read_element_wise_with_the_same_findings(tmp_path, case):
    old, new = UNUSUAL[case]
    if case == "no children":
        start, end = VALID.index("<Children>") + len("<Children>"), VALID.index("</Children>")
        xml = VALID[:start] + VALID[end:]
    else:
        assert old in VALID
        xml = VALID.replace(old, new, 1)
        if case == "wrong root":
            xml = xml.replace("</Message>", "</Messages>")
    path = tmp_path / "unusual.xml"
    path.write_text(xml, encoding="utf-8")
    assert read_clean_cin_xml(path, 2017) is None
    assert_same_reading(path)


def test_other_encodings_are_read_element_wise(tmp_path):
    path = tmp_path / "utf16.xml"
    path.write_text(VALID.replace('encoding="UTF-8"', 'encoding="UTF-16"'), encoding="utf-16")
    assert read_clean_cin_xml(path, 2017) is None
    assert_same_reading(path)
    for name in ("latin1.xml", "not_xml.xml", "empty.xml", "xxe.xml", "billion_laughs.xml"):
        assert_same_reading(DATA / "bad_inputs" / name)


def test_whitespace_and_references_in_values_are_stripped_as_the_element_wise_reader_does(tmp_path):
    xml = (
        VALID.replace("<ReferralSource>", "<ReferralSource> \u00a0", 1)
        .replace("</LAchildID>", "\n\t</LAchildID>", 1)
        .replace("<ReasonForClosure>", "<ReasonForClosure>&#32;", 1)
    )
    path = tmp_path / "spaces.xml"
    path.write_text(xml, encoding="utf-8")
    census = read_clean_cin_xml(path, 2017)
    assert census is not None
    assert_same_reading(path)


def test_every_xml_file_of_the_test_data_reads_identically():
    paths = sorted(DATA.rglob("*.xml"))
    assert len(paths) >= 30
    for path in paths:
        assert_same_reading(path)


def test_table_from_columns_is_table_from_rows():
    rows = [("a", None, "x", None, 3), ("b", None, None, None, 4), ("c", None, "y", None, 9)]
    by_rows = table_from_rows("cin_plan_dates", rows)
    columns = {
        name: np.array([row[i] for row in rows], dtype=object)
        for i, name in enumerate((*TABLE_COLUMNS["cin_plan_dates"], "_line"))
    }
    by_columns = table_from_columns("cin_plan_dates", columns)
    pd.testing.assert_frame_equal(by_columns, by_rows)
    assert by_columns.map(repr).equals(by_rows.map(repr))
    assert by_rows.iloc[1, 2] is np.nan and by_rows.iloc[1, 1] is None  # the quirk mirrored
    empty = table_from_columns("cin_plan_dates", {name: [] for name in columns})
    pd.testing.assert_frame_equal(empty, table_from_rows("cin_plan_dates", []))


FRAGMENTS = [
    "<",
    ">",
    "</CINdetails>",
    "<CINdetails>",
    "&",
    "&amp;",
    "\x7f",
    " ",
    "\n",
    "<x/>",
    "text",
    "</Child>",
    "<Child>",
    "<Sex>2</Sex>",
    "<![CDATA[]]>",
    "<![CDATA[a]]>",
    "<!--c-->",
    "&#127;",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(VALID)), st.sampled_from(FRAGMENTS)), min_size=1, max_size=3))
def test_mutated_returns_read_identically(tmp_path, insertions):
    xml = VALID
    for position, fragment in insertions:
        xml = xml[:position] + fragment + xml[position:]
    path = tmp_path / "mutated.xml"
    path.write_text(xml, encoding="utf-8")
    assert_same_reading(path)


_LEAVES = [(m.start(2), m.end(2)) for m in __import__("re").finditer(r"<(\w+)>([^<]*)</\1>", VALID)]
# XML-legal text, whitespace of every kind str.strip() knows (\x85, \xa0, \u3000, ...) included; not DEL.
_TEXT = st.text(
    st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
        st.sampled_from("\t\n\r \x85\xa0\u2003\u3000"),
    ),
    max_size=12,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(_LEAVES) - 1), _TEXT), min_size=1, max_size=4))
def test_any_field_values_take_the_fast_path_and_read_identically(tmp_path, edits):
    """Unlike the insertions above (which mostly make a file unusual), new field values keep a
    return clean: the fast path must take it, strip and keep values exactly as the element-wise reader."""
    from xml.sax.saxutils import escape

    xml = VALID
    for leaf, value in sorted(dict(edits).items(), reverse=True):  # from the end: offsets stay valid
        start, end = _LEAVES[leaf]
        xml = xml[:start] + escape(value) + xml[end:]
    path = tmp_path / "values.xml"
    path.write_text(xml, encoding="utf-8")
    assert read_clean_cin_xml(path, 2017) is not None
    assert_same_reading(path)
