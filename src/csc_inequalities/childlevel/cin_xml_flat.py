"""Fast path of the CIN census XML reader: clean returns flattened by libxslt, tables built column-wise.

:func:`cin_xml.read_cin_xml` tries :func:`read_clean_cin_xml` first. It parses the file with the
same lxml ``iterparse`` options as the element-wise reader and, every ``CHUNK_CHILDREN`` children,
one XSLT pass (C, inside libxslt) writes the batch as a stream of (code, value) tokens in document
order: a record's start with its XML line (``saxon:line-number()``), then each field's code and
text. numpy then turns the token stream (bytes) into the record tables: each field lands in the
record started last before it, and each column's strings are made at once by one decode and split.
No Python code runs per element (only ``str.strip`` per value in a column that holds whitespace).

Everything the element-wise reader would report, or would resolve in a way this path does not
mirror, sends the file back to the element-wise reader, which reads it again: an element at a path
the specification does not have (unknown elements, namespaces, elements inside a field), text
outside the fields, a field given twice in one record, two ChildIdentifiers or ChildCharacteristics
in one child, an empty CDATA section, the token separator (DEL) in the file, a syntax error, a
wrong root, a header finding, a return without children, an encoding other than UTF-8.
Findings on bad files therefore come from one code path only and stay exactly as they were.
"""

from __future__ import annotations

import mmap
import re
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from csc_inequalities.childlevel.cin_xml import (
    ASSESSMENT_FIELDS,
    CIN_FIELDS,
    CPP_FIELDS,
    IDENTIFIER_FIELDS,
    PLAN_FIELDS,
    RENAMED,
    S47_FIELDS,
    _read_header,
    iter_children,
)
from csc_inequalities.childlevel.records import RECORD_TABLES, CensusReturn, table_from_columns

# Children per XSLT pass: the per-pass overhead is small, and a small batch stays in the CPU cache
# (measured on a Kent return: 500 children 0.43 s, 2,000 0.53 s, 4,000 0.55 s) and never lets a
# national-scale return sit in memory as a whole tree.
CHUNK_CHILDREN = 500

# Ends every token. DEL: legal XML, never in a CIN return, and a file holding it (or a reference
# to it) is read element-wise, so a value can never contain it. ASCII, so that the stream of an
# ASCII return stays a 1-byte-per-character str (splitting a wider one costs twice as much).
TOKEN_END = "\x7f"
# Joins values internally: NUL cannot be in XML text at all.
_JOIN = "\x00"
UNUSUAL = "!"  # code of anything the fast path does not mirror

# Record types: start code, XSLT pattern of the record element, the table it fills (one row per
# record), its single-valued fields (element names), its repeatable containers -> item element.
_RECORD_TYPES = {
    "C": ("Children/Child", "children", (), {}),
    "D": ("Child/CINdetails", "cin_details", CIN_FIELDS, {}),
    "A": (
        "CINdetails/Assessments",
        "assessments",
        ASSESSMENT_FIELDS,
        {"FactorsIdentifiedAtAssessment": "AssessmentFactors"},
    ),
    "F": ("FactorsIdentifiedAtAssessment/AssessmentFactors", "assessment_factors", (), {}),
    "P": ("CINdetails/CINPlanDates", "cin_plan_dates", PLAN_FIELDS, {}),
    "S": ("CINdetails/Section47", "section47", S47_FIELDS, {}),
    "K": ("CINdetails/ChildProtectionPlans", "child_protection_plans", CPP_FIELDS, {"Reviews": "CPPreviewDate"}),
}
# Parts of <Child> that are not records of their own: code, pattern, single-valued fields,
# containers -> item. At most one of each per child (the element-wise reader keeps only the last).
_CHILD_PARTS = {
    "I": ("Child/ChildIdentifiers", IDENTIFIER_FIELDS, {}),
    "H": ("Child/ChildCharacteristics", ("Ethnicity",), {"Disabilities": "Disability"}),
}
_OLD_NAMES = {new: [old for old, renamed in RENAMED.items() if renamed == new] for new in set(RENAMED.values())}


def _field_codes() -> dict[tuple[str, str], str]:
    """(record or part code, field or item) -> short token code: record code + field number."""
    fields_of = {code: [*fields, *containers.values()] for code, (_, _, fields, containers) in _RECORD_TYPES.items()}
    fields_of.update({code: [*fields, *containers.values()] for code, (_, fields, containers) in _CHILD_PARTS.items()})
    fields_of["F"] = ["AssessmentFactors"]  # the record is its own field
    return {(code, name): f"{code}{number}" for code, names in fields_of.items() for number, name in enumerate(names)}


_FIELD_CODES = _field_codes()
# Every token code is one or two ASCII characters; numbered by (first byte << 8) + second byte.
_CODES = [*_RECORD_TYPES, *_CHILD_PARTS, *_FIELD_CODES.values()]
_CODE_LOOKUP = np.full(1 << 16, -1, dtype=np.int64)
_CODE_LOOKUP[[(ord(code[0]) << 8) + (ord(code[1]) if len(code) > 1 else 0) for code in _CODES]] = np.arange(len(_CODES))
_SEPARATOR_BYTE = ord(TOKEN_END)
assert all(1 <= len(code) <= 2 for code in _CODES)


def _field_code(record: str, field: str) -> str:
    return _FIELD_CODES[(record, field)]


def _templates() -> list[str]:
    separator = TOKEN_END
    line = '<xsl:value-of select="saxon:line-number()"/>'
    text = '<xsl:apply-templates mode="text"/>'  # the field's text; an element inside it is unusual

    def token(code: str, value_xslt: str = "") -> str:
        return f"{code}{separator}{value_xslt}{separator}"

    def leaf(parent_pattern: str, element: str, code: str) -> str:
        return f'<xsl:template match="{parent_pattern.split("/")[-1]}/{element}">{token(code, text)}</xsl:template>'

    def fields_and_containers(code: str, pattern: str, fields, containers) -> list[str]:
        out = []
        parent = pattern.split("/")[-1]
        for field in fields:
            for element in (field, *_OLD_NAMES.get(field, [])):
                out.append(leaf(pattern, element, _field_code(code, field)))
        for container, item in containers.items():
            out.append(f'<xsl:template match="{parent}/{container}"><xsl:apply-templates/></xsl:template>')
            if item not in (spec[0].split("/")[-1] for spec in _RECORD_TYPES.values()):
                out.append(leaf(container, item, _field_code(code, item)))
        return out

    out = [
        # Anything without a template of its own is unusual; whitespace between elements is not.
        f'<xsl:template match="*">{token(UNUSUAL)}</xsl:template>',
        f'<xsl:template match="*" mode="text">{token(UNUSUAL)}</xsl:template>',
        '<xsl:template match="text()"/>',
        f'<xsl:template match="text()[normalize-space()]">{token(UNUSUAL)}</xsl:template>',
    ]
    for code, (pattern, _, fields, containers) in _RECORD_TYPES.items():
        if pattern.endswith("/AssessmentFactors"):  # a record that is also a field: its own text
            out.append(
                f'<xsl:template match="{pattern}">{token(code, line)}'
                f"{token(_field_code(code, 'AssessmentFactors'), text)}"
                "</xsl:template>"
            )
            continue
        out.append(f'<xsl:template match="{pattern}">{token(code, line)}<xsl:apply-templates/></xsl:template>')
        out += fields_and_containers(code, pattern, fields, containers)
    for code, (pattern, fields, containers) in _CHILD_PARTS.items():
        out.append(f'<xsl:template match="{pattern}">{token(code)}<xsl:apply-templates/></xsl:template>')
        out += fields_and_containers(code, pattern, fields, containers)
    return out


def flattening_stylesheet() -> str:
    """The XSLT 1.0 text: the token stream of the first $n elements of /Message/Children."""
    return (
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        'xmlns:saxon="http://icl.com/saxon" extension-element-prefixes="saxon">'
        '<xsl:output method="text" encoding="UTF-8"/>'
        '<xsl:param name="n" select="0"/>'
        '<xsl:template match="/"><xsl:apply-templates select="Message/Children/*[position() &lt;= $n]"/></xsl:template>'
        f"{''.join(_templates())}"
        "</xsl:stylesheet>"
    )


_FLATTEN: list[etree.XSLT] = []


def _flatten() -> etree.XSLT:
    if not _FLATTEN:
        _FLATTEN.append(etree.XSLT(etree.XML(flattening_stylesheet())))
    return _FLATTEN[0]


class _Unusual(Exception):
    """The return holds something the fast path does not mirror: read it element-wise instead."""


_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_CHARACTER_REFERENCE = re.compile(rb"&#(x[0-9A-Fa-f]+|[0-9]+);")


def _check_bytes(path: Path) -> None:
    """Send to the element-wise reader, before parsing, a file not in UTF-8 or holding the token
    separator (or a reference to it), or an empty CDATA section (text '' where a missing field is None)."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        head = data[:4]
        if head.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00", b"\x4c\x6f\xa7\x94")) or head[1:2] == b"\x00":
            raise _Unusual("not UTF-8")  # UTF-16/32 or EBCDIC
        declared = _DECLARED_ENCODING.match(data[3:200] if data[:3] == b"\xef\xbb\xbf" else data[:200])
        if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            raise _Unusual(f"declared encoding {declared.group(1)!r}")
        if data.find(TOKEN_END.encode()) >= 0 or data.find(b"<![CDATA[]]>") >= 0:
            raise _Unusual("token separator or empty CDATA section")
        reference = data.find(b"&#")
        while reference >= 0:  # rare in a CIN return: only these few are looked at one by one
            match = _CHARACTER_REFERENCE.match(data, reference)
            if match:
                digits = match.group(1)
                if (int(digits[1:], 16) if digits[:1] == b"x" else int(digits)) == ord(TOKEN_END):
                    raise _Unusual("reference to the token separator")
            reference = data.find(b"&#", reference + 2)


def read_clean_cin_xml(path: str | Path, year: int) -> CensusReturn | None:
    """The return's record tables if the file is clean (no findings of the reader), else ``None``.

    Call only after the pre-parse checks of :func:`cin_xml.read_cin_xml` (file exists, not empty,
    no DOCTYPE/ENTITY declarations)."""
    try:
        path = Path(path)
        _check_bytes(path)
        header, stream = _flatten_file(path)
        return CensusReturn(str(path), year, header, _tables(stream))
    except (_Unusual, etree.XMLSyntaxError, etree.XSLTApplyError):
        return None


def _flatten_file(path: Path) -> tuple[dict, bytes]:
    """(header, token stream of every child) of a file with one <Message>, one <Header>, one <Children>."""
    flatten = _flatten()
    streams: list[bytes] = []
    header: dict | None = None
    root = children = None
    pending = 0

    def flush(last_position: int) -> None:
        streams.append(bytes(flatten(root.getroottree(), n=str(last_position))))
        del children[:last_position]  # read: keep the tree small

    context = iter_children(path)
    for _, element in context:
        if root is None:
            root = element.getroottree().getroot()
            if root.tag != "Message" or root.getroottree().docinfo.doctype:
                raise _Unusual("root")
        parent = element.getparent()
        if element.tag == "Child" and parent is not None and parent.tag == "Children" and parent.getparent() is root:
            if children is None:
                children = parent
            elif parent is not children:
                raise _Unusual("a second <Children>")
            pending += 1
            if pending == CHUNK_CHILDREN:
                # iterparse reads ahead: later siblings may be in the tree already; stop at this one.
                flush(children.index(element) + 1)
                pending = 0
        elif element.tag == "Header" and parent is root and header is None:
            header_findings: list = []
            header = _read_header(element, str(path), header_findings)
            if header_findings:
                raise _Unusual("header")
            header["_line"] = element.sourceline
            element.clear(keep_tail=True)
        else:
            raise _Unusual(f"<{element.tag}> under <{parent.tag if parent is not None else None}>")
    if children is None or sorted(child.tag for child in root) not in (["Children", "Header"], ["Children"]):
        raise _Unusual("no children, or elements besides Header and Children")
    if len(children):
        flush(len(children))
    return header or {}, b"".join(streams)


class _TokenStream:
    """The (code, value) tokens of a file as bytes, grouped by code with numpy; records numbered by
    type in document order. Python strings are made only for values, one column at a time."""

    def __init__(self, stream: bytes):
        data = np.frombuffer(stream, dtype=np.uint8)
        ends = np.flatnonzero(data == _SEPARATOR_BYTE)
        if len(ends) % 2 or (len(ends) and ends[-1] != len(data) - 1):
            raise _Unusual("token stream")
        starts = np.empty_like(ends)
        starts[:1] = 0
        starts[1:] = ends[:-1] + 1
        code_starts, code_lengths = starts[0::2], ends[0::2] - starts[0::2]
        # UNUSUAL, or a code shifted out of place by the UNUSUAL token emitted inside a field's
        # text (an element inside the field): anything but the known codes.
        if len(code_lengths) and (code_lengths.min() < 1 or code_lengths.max() > 2):
            raise _Unusual("an element, text or path the fast path does not mirror")
        second = np.where(code_lengths == 2, data[np.minimum(code_starts + 1, len(data) - 1)], 0)
        code_numbers = _CODE_LOOKUP[(data[code_starts].astype(np.int64) << 8) + second]
        if (code_numbers < 0).any():
            raise _Unusual("an element, text or path the fast path does not mirror")
        # Positions of each code's tokens, in document order: one stable sort instead of a scan per code.
        order = np.argsort(code_numbers, kind="stable")
        bounds = np.cumsum(np.bincount(code_numbers, minlength=len(_CODES)))
        self._positions = {code: where for code, where in zip(_CODES, np.split(order, bounds[:-1])) if len(where)}
        self._data = data
        self._value_starts, self._value_ends = starts[1::2], ends[1::2]
        for part, (pattern, _, _) in _CHILD_PARTS.items():
            if (np.diff(self.child_of(part, self.at(part))) == 0).any():
                raise _Unusual(f"two {pattern} in one child")

    def at(self, code: str) -> np.ndarray:
        """Positions of the tokens with this code."""
        return self._positions.get(code, np.empty(0, dtype=np.int64))

    def count(self, record: str) -> int:
        return len(self.at(record))

    def owner(self, record: str, positions: np.ndarray) -> np.ndarray:
        """Number of the record of type ``record`` holding each token: the one started last before it."""
        return np.searchsorted(self.at(record), positions, side="right") - 1

    def child_of(self, part: str, positions: np.ndarray) -> np.ndarray:
        """Number of the child whose ChildIdentifiers/ChildCharacteristics holds each token."""
        return self.owner("C", self.at(part)[self.owner(part, positions)])

    def enclosing(self, record: str, outer: str) -> np.ndarray:
        """For each record of type ``record``, the number of its enclosing record of type ``outer``."""
        return self.owner(outer, self.at(record))

    def _rows(self, record: str, code: str) -> tuple[np.ndarray, np.ndarray]:
        where = self.at(code)
        rows = self.child_of(record, where) if record in _CHILD_PARTS else self.owner(record, where)
        return where, rows

    def values(self, where: np.ndarray) -> tuple[list[str], str]:
        """The values of the tokens at ``where``, and them joined (each followed by the separator).

        Their bytes are gathered by numpy and decoded and split at once: a column's strings are made
        together, so they also lie together in memory (strings scattered over memory made every later
        pass over a column, in validation and episodes, about 10% slower)."""
        first, last = self._value_starts[where], self._value_ends[where]
        lengths = last - first + 1  # with its separator
        offsets = np.cumsum(lengths) - lengths
        index = np.arange(int(lengths.sum())) + np.repeat(first - offsets, lengths)
        joined = self._data[index].tobytes().decode("utf-8")
        values = joined.split(TOKEN_END)
        values.pop()
        return values, joined

    def lines(self, record: str) -> np.ndarray:
        values, _ = self.values(self.at(record))
        return np.array(values, dtype=np.int64) if values else np.empty(0, dtype=np.int64)

    def single(self, record: str, field: str) -> np.ndarray:
        """One value per record (of type ``record``; per child for a child part), as _text gives it:
        stripped, None if missing, empty or whitespace."""
        column = np.full(self.count("C" if record in _CHILD_PARTS else record), None, dtype=object)
        where, rows = self._rows(record, _field_code(record, field))
        if not len(where):
            return column
        if (np.diff(rows) == 0).any():
            raise _Unusual(f"{field} twice in one record")  # the element-wise reader keeps the last
        values, joined = self.values(where)
        # No whitespace in the column (str.split() knows the same whitespace as str.strip()): nothing to strip.
        if not joined[:1].isspace() and len(joined.split(None, 1)) == 1:
            array = np.array(values, dtype=object)
            array[array == ""] = None
            column[rows] = array
        else:
            column[rows] = [value.strip() or None for value in values]
        return column

    def items(self, record: str, item: str) -> np.ndarray:
        """A list field: its items, each stripped, joined with ';'; None if there are none."""
        column = np.full(self.count("C" if record in _CHILD_PARTS else record), None, dtype=object)
        where, rows = self._rows(record, _field_code(record, item))
        if not len(where):
            return column
        values = [value.strip() for value in self.values(where)[0]]
        if (np.diff(rows) == 0).any():
            joined: dict[int, list[str]] = {}
            for row, value in zip(rows.tolist(), values):
                joined.setdefault(row, []).append(value)
            column[list(joined)] = [";".join(parts) for parts in joined.values()]
        else:
            column[rows] = values
        return column


def _tables(stream_bytes: bytes) -> dict[str, pd.DataFrame]:
    """The token stream -> the record tables, as the element-wise reader builds them."""
    stream = _TokenStream(stream_bytes)
    columns: dict[str, dict[str, np.ndarray]] = {}
    children = {field: stream.single("I", field) for field in IDENTIFIER_FIELDS}
    children["Ethnicity"] = stream.single("H", "Ethnicity")
    children["Disabilities"] = stream.items("H", "Disability")
    columns["children"] = children
    child_ids = children["LAchildID"]
    cin = {field: stream.single("D", field) for field in CIN_FIELDS}
    columns["cin_details"] = {"LAchildID": child_ids[stream.enclosing("D", "C")], **cin}
    referrals = cin["CINreferralDate"]
    for code, fields in (("A", ASSESSMENT_FIELDS), ("P", PLAN_FIELDS), ("S", S47_FIELDS), ("K", CPP_FIELDS)):
        columns[_RECORD_TYPES[code][1]] = {
            "LAchildID": child_ids[stream.enclosing(code, "C")],
            "CINreferralDate": referrals[stream.enclosing(code, "D")],
            **{field: stream.single(code, field) for field in fields},
        }
    columns["child_protection_plans"]["CPPreviewDates"] = stream.items("K", "CPPreviewDate")
    columns["assessment_factors"] = {
        "LAchildID": child_ids[stream.enclosing("F", "C")],
        "CINreferralDate": referrals[stream.enclosing("F", "D")],
        "AssessmentActualStartDate": columns["assessments"]["AssessmentActualStartDate"][stream.enclosing("F", "A")],
        "AssessmentFactors": stream.single("F", "AssessmentFactors"),
    }
    tables = {}
    for code, (_, name, _, _) in _RECORD_TYPES.items():
        tables[name] = table_from_columns(name, {**columns[name], "_line": stream.lines(code)})
    return {name: tables[name] for name in RECORD_TABLES}
