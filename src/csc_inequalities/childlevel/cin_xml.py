"""Streaming reader for DfE CIN census XML returns (2013-14..2017-18 spec; later years tolerated).

lxml ``iterparse`` with the matched ``<Child>`` elements cleared as soon as they are read, so a
national-scale return never sits in memory as a tree. DTDs and entity declarations are refused
before parsing (no XXE, no entity expansion) and the parser never resolves entities or touches
the network. Elements of later specifications that the reader does not know are reported as
``unknown_element`` findings and skipped; renamed ones are mapped (``Sex`` -> ``GenderCurrent``).
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from csc_inequalities.childlevel.findings import Finding
from csc_inequalities.childlevel.records import (
    CIN_FIELDS,
    IDENTIFIER_FIELDS,
    RECORD_TABLES,
    CensusReturn,
    empty_table,
    table_from_rows,
)

RENAMED = {"Sex": "GenderCurrent"}

CIN_MODULES = ("Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans")
ASSESSMENT_FIELDS = ("AssessmentActualStartDate", "AssessmentInternalReviewDate", "AssessmentAuthorisationDate")
PLAN_FIELDS = ("CINPlanStartDate", "CINPlanEndDate")
S47_FIELDS = ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired")
CPP_FIELDS = (
    "CPPstartDate",
    "CPPendDate",
    "InitialCategoryOfAbuse",
    "LatestCategoryOfAbuse",
    "NumberOfPreviousCPP",
)
HEADER_FIELDS = (
    "Collection",
    "Year",
    "ReferenceDate",
    "SourceLevel",
    "LEA",
    "SoftwareCode",
    "Release",
    "SerialNo",
    "DateTime",
)

_PROLOG_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_SYNTAX_ENCODING = re.compile(r"encoding|UTF-8|UTF-16|Char 0x|invalid character|not proper", re.IGNORECASE)


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag) -> str | None:
    if not isinstance(tag, str):  # comments, processing instructions
        return None
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag.rsplit("}", 1)[-1]
    return name


def _text(element) -> str | None:
    text = element.text
    if text is None or text.isspace():
        return None
    return text.strip()


def _children(element):
    """(mapped local name, element) of the element children (comments/PIs skipped)."""
    names = _MAPPED_NAMES
    for child in element:
        tag = child.tag
        name = names.get(tag)
        if name is None:
            local = _local(tag)
            if local is None:
                continue
            name = names[tag] = RENAMED.get(local, local)
        yield name, child


_MAPPED_NAMES: dict[str, str] = {}


class _ChildReader:
    """Turns one <Child> element into rows of the record tables, collecting findings."""

    def __init__(self, file: str, findings: list[Finding], rows: dict[str, list[tuple]]):
        self.file = file
        self.findings = findings
        self.rows = rows
        self.child_ref: str | None = None

    def _unknown(self, parent: str, name: str, element) -> None:
        self.findings.append(
            Finding(
                "unknown_element",
                self.file,
                element.sourceline,
                self.child_ref,
                f"{parent}/{name}",
                "an element of the 2013-14..2017-18 CIN census specification",
                f"<{name}>",
                record=parent,
            )
        )

    def _stray_text(self, element, parent: str) -> None:
        tail = element.tail
        if tail and not tail.isspace():
            tail = tail.strip()
            self.findings.append(
                Finding(
                    "stray_text",
                    self.file,
                    element.sourceline,
                    self.child_ref,
                    parent,
                    "only elements and whitespace",
                    repr(tail[:40]),
                    record=f"after <{_local(element.tag)}>",
                )
            )

    def _fields(self, element, known: tuple[str, ...], parent: str, modules: tuple[str, ...] = ()) -> tuple[dict, dict]:
        values: dict[str, str | None] = {}
        nested: dict[str, list] = {m: [] for m in modules}
        for name, child in _children(element):
            self._stray_text(child, parent)
            if name in known:
                values[name] = _text(child)
            elif name in nested:
                nested[name].append(child)
            else:
                self._unknown(parent, name, child)
        return values, nested

    def read(self, child_element) -> None:
        identifiers, characteristics, cin_elements = None, None, []
        for name, part in _children(child_element):
            self._stray_text(part, "Child")
            if name == "ChildIdentifiers":
                identifiers = part
            elif name == "ChildCharacteristics":
                characteristics = part
            elif name == "CINdetails":
                cin_elements.append(part)
            else:
                self._unknown("Child", name, part)
        ids: dict[str, str | None] = {}
        self.child_ref = None
        if identifiers is not None:
            # The reference first, so findings inside ChildIdentifiers name the child.
            for name, part in _children(identifiers):
                if name == "LAchildID":
                    self.child_ref = _text(part)
            ids, _ = self._fields(identifiers, IDENTIFIER_FIELDS, "ChildIdentifiers")
        ethnicity, disabilities = None, []
        if characteristics is not None:
            for name, part in _children(characteristics):
                self._stray_text(part, "ChildCharacteristics")
                if name == "Ethnicity":
                    ethnicity = _text(part)
                elif name == "Disabilities":
                    for dname, disability in _children(part):
                        if dname == "Disability":
                            disabilities.append(_text(disability) or "")
                        else:
                            self._unknown("Disabilities", dname, disability)
                else:
                    self._unknown("ChildCharacteristics", name, part)
        self.rows["children"].append(
            (
                *(ids.get(f) for f in IDENTIFIER_FIELDS),
                ethnicity,
                ";".join(disabilities) if disabilities else None,
                child_element.sourceline,
            )
        )
        for cin in cin_elements:
            self._read_cin(cin)

    def _read_cin(self, cin) -> None:
        values, modules = self._fields(cin, CIN_FIELDS, "CINdetails", CIN_MODULES)
        ref, referral = self.child_ref, values.get("CINreferralDate")
        self.rows["cin_details"].append((ref, *(values.get(f) for f in CIN_FIELDS), cin.sourceline))
        for assessment in modules["Assessments"]:
            factors_elements: list = []
            fields, nested = self._fields(
                assessment, ASSESSMENT_FIELDS, "Assessments", ("FactorsIdentifiedAtAssessment",)
            )
            start = fields.get("AssessmentActualStartDate")
            self.rows["assessments"].append(
                (ref, referral, *(fields.get(f) for f in ASSESSMENT_FIELDS), assessment.sourceline)
            )
            for block in nested["FactorsIdentifiedAtAssessment"]:
                for name, factor in _children(block):
                    if name == "AssessmentFactors":
                        factors_elements.append(factor)
                    else:
                        self._unknown("FactorsIdentifiedAtAssessment", name, factor)
            for factor in factors_elements:
                self.rows["assessment_factors"].append((ref, referral, start, _text(factor), factor.sourceline))
        for plan in modules["CINPlanDates"]:
            fields, _ = self._fields(plan, PLAN_FIELDS, "CINPlanDates")
            self.rows["cin_plan_dates"].append((ref, referral, *(fields.get(f) for f in PLAN_FIELDS), plan.sourceline))
        for s47 in modules["Section47"]:
            fields, _ = self._fields(s47, S47_FIELDS, "Section47")
            self.rows["section47"].append((ref, referral, *(fields.get(f) for f in S47_FIELDS), s47.sourceline))
        for cpp in modules["ChildProtectionPlans"]:
            fields, nested = self._fields(cpp, CPP_FIELDS, "ChildProtectionPlans", ("Reviews",))
            reviews = []
            for block in nested["Reviews"]:
                for name, review in _children(block):
                    if name == "CPPreviewDate":
                        reviews.append(_text(review) or "")
                    else:
                        self._unknown("Reviews", name, review)
            self.rows["child_protection_plans"].append(
                (
                    ref,
                    referral,
                    *(fields.get(f) for f in CPP_FIELDS),
                    ";".join(reviews) if reviews else None,
                    cpp.sourceline,
                )
            )


def iter_children(path: str | Path):
    """The end of each <Child> and <Header> element of a CIN census file (lxml iterparse), parsed
    safely: no entities, DTDs, network access or huge trees; comments and processing instructions
    dropped. Both readers (element-wise and flat) parse through this one call."""
    return etree.iterparse(
        str(path),
        events=("end",),
        tag=("{*}Child", "{*}Header"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _refuse_declarations(path: Path, findings: list[Finding]) -> bool:
    """True if the prolog holds a DOCTYPE/ENTITY declaration (refused before any parsing)."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    # Declarations may only precede the root element; look up to the first start tag.
    first_tag = re.search(rb"<[A-Za-z_]", head)
    prolog = head[: first_tag.start()] if first_tag else head
    match = _PROLOG_DECLARATION.search(prolog) or _PROLOG_DECLARATION.search(
        prolog.replace(b"\x00", b"")  # UTF-16 prolog
    )
    if match:
        line = prolog[: match.start()].count(b"\n") + 1
        findings.append(
            Finding(
                "dtd_refused",
                str(path),
                line,
                None,
                None,
                "no DOCTYPE or ENTITY declarations",
                f"<!{match.group(1).decode().upper()} ...>",
            )
        )
        return True
    return False


def _syntax_finding(path: Path, error: etree.XMLSyntaxError) -> Finding:
    message = str(error.msg if getattr(error, "msg", None) else error)
    line = error.lineno if getattr(error, "lineno", None) else None
    if "Document is empty" in message:
        rule, expected = "empty_file", "an XML document with a <Message> root"
    elif _SYNTAX_ENCODING.search(message):
        rule, expected = "encoding", "UTF-8 text (or the encoding the XML declaration names)"
    else:
        rule, expected = "unparseable", "well-formed XML"
    return Finding(rule, str(path), line, None, None, expected, message.strip())


def read_cin_xml(path: str | Path, year: int) -> tuple[CensusReturn, list[Finding]]:
    """Read one CIN census XML return into record tables; problems become findings, not crashes.

    ``year`` is the configured collection year (year ending March); the header is compared with
    it by validation. A clean return is flattened by libxslt (:mod:`cin_xml_flat`); anything that
    path does not mirror is read by :func:`read_cin_xml_elementwise`, which makes every finding.
    """
    from csc_inequalities.childlevel.cin_xml_flat import read_clean_cin_xml  # builds on this module

    path = Path(path)
    if path.is_file() and path.stat().st_size and not _refuse_declarations(path, []):
        clean = read_clean_cin_xml(path, year)
        if clean is not None:
            return clean, []
    return read_cin_xml_elementwise(path, year)


def read_cin_xml_elementwise(path: str | Path, year: int) -> tuple[CensusReturn, list[Finding]]:
    """:func:`read_cin_xml` element by element in Python: any return, with precise findings."""
    path = Path(path)
    findings: list[Finding] = []
    rows: dict[str, list[tuple]] = {name: [] for name in RECORD_TABLES}
    header: dict[str, str | int | None] = {}
    empty = CensusReturn(str(path), year, header, {name: empty_table(name) for name in RECORD_TABLES})
    if not path.exists():
        return empty, [Finding("missing_file", str(path), None, None, None, "an existing file", "no such file")]
    if path.stat().st_size == 0:
        return empty, [
            Finding(
                "empty_file",
                str(path),
                None,
                None,
                None,
                "an XML document with a <Message> root",
                "an empty file (0 bytes)",
            )
        ]
    if _refuse_declarations(path, findings):
        return empty, findings
    child_reader = _ChildReader(str(path), findings, rows)
    root = None
    n_children = 0
    try:
        # Only the end of <Child> and <Header> elements is reported (filtered inside lxml), so
        # the Python loop runs once per child; each child is cleared once read.
        context = iter_children(path)
        for _, element in context:
            if root is None:
                root = element.getroottree().getroot()
                problem = _check_root(path, root)
                if problem:
                    findings.append(problem)
                    return empty, findings
            parent = element.getparent()
            parent_name = _local(parent.tag) if parent is not None else None
            if _local(element.tag) == "Child":
                if parent_name != "Children" or parent.getparent() is not root:
                    continue  # a <Child> somewhere else: reported as part of its unknown parent
                n_children += 1
                child_reader.read(element)
                element.clear(keep_tail=True)
                while element.getprevious() is not None:
                    _report_unknown_in_children(parent[0], str(path), findings)
                    del parent[0]
            elif parent is root:
                header = _read_header(element, str(path), findings)
                header["_line"] = element.sourceline
                element.clear(keep_tail=True)
        if root is None:
            root = context.root
            problem = _check_root(path, root)
            if problem:
                findings.append(problem)
                return empty, findings
    except etree.XMLSyntaxError as error:
        findings.append(_syntax_finding(path, error))
        return empty, findings
    # Whatever is left in the (cleared) tree besides Header/Children/Child is unknown.
    for element in root:
        name = _local(element.tag)
        if name is not None and name not in ("Header", "Children"):
            findings.append(
                Finding(
                    "unknown_element",
                    str(path),
                    element.sourceline,
                    None,
                    f"Message/{name}",
                    "an element of the CIN census specification",
                    f"<{name}>",
                    record="Message",
                )
            )
        elif name == "Children":
            for item in element:
                _report_unknown_in_children(item, str(path), findings)
    if n_children == 0:
        findings.append(
            Finding("empty_file", str(path), None, None, "Children/Child", "at least one <Child> record", "none")
        )
    tables = {name: table_from_rows(name, rows[name]) for name in RECORD_TABLES}
    return CensusReturn(str(path), year, header, tables), findings


def _report_unknown_in_children(item, file: str, findings: list[Finding]) -> None:
    name = _local(item.tag)
    if name is not None and name != "Child":
        findings.append(
            Finding(
                "unknown_element",
                file,
                item.sourceline,
                None,
                f"Children/{name}",
                "<Child>",
                f"<{name}>",
                record="Children",
            )
        )


def _check_root(path: Path, root) -> Finding | None:
    doctype = root.getroottree().docinfo.doctype
    if doctype:  # defence in depth: the prolog scan should have caught it
        return Finding("dtd_refused", str(path), 1, None, None, "no DOCTYPE or ENTITY declarations", doctype)
    name = _local(root.tag)
    if name != "Message":
        return Finding("wrong_root", str(path), root.sourceline, None, None, "root element <Message>", f"<{name}>")
    return None


def _read_header(element, file: str, findings: list[Finding]) -> dict[str, str | int | None]:
    header: dict[str, str | int | None] = {}
    for name, part in _children(element):
        if name in ("CollectionDetails", "Source"):
            for field, value in _children(part):
                if field in HEADER_FIELDS:
                    header[field] = _text(value)
                else:
                    findings.append(
                        Finding(
                            "unknown_element",
                            file,
                            value.sourceline,
                            None,
                            f"{name}/{field}",
                            "a Header field of the CIN census specification",
                            f"<{field}>",
                            record="Header",
                        )
                    )
        else:
            findings.append(
                Finding(
                    "unknown_element",
                    file,
                    part.sourceline,
                    None,
                    f"Header/{name}",
                    "CollectionDetails or Source",
                    f"<{name}>",
                    record="Header",
                )
            )
    return header


_RECORD_END = {
    "Child": "</Child>",
    "CINdetails": "</CINdetails>",
    "Assessments": "</Assessments>",
    "AssessmentFactors": "</AssessmentFactors>",
    "CINPlanDates": "</CINPlanDates>",
    "Section47": "</Section47>",
    "ChildProtectionPlans": "</ChildProtectionPlans>",
}
_ORIGINAL_NAMES = {mapped: original for original, mapped in RENAMED.items()}


def field_lines(path: str | Path, findings: list[Finding]) -> list[Finding]:
    """Point findings about a field at the field's own line instead of its record's start line.

    Only findings that name a record line and a field are touched; the file is read once, and
    only if there are such findings (a handful, normally)."""
    import dataclasses

    todo = [
        i
        for i, f in enumerate(findings)
        if f.line is not None and f.field and "/" not in f.field and f.record.split(" ")[0] in _RECORD_END
    ]
    if not todo:
        return findings
    with open(path, encoding="utf-8", errors="replace") as handle:
        lines = handle.read().split("\n")
    result = list(findings)
    for i in todo:
        finding = findings[i]
        end_tag = _RECORD_END[finding.record.split(" ")[0]]
        names = [finding.field, _ORIGINAL_NAMES.get(finding.field, finding.field)]
        for number in range(finding.line, min(len(lines), finding.line + 5000) + 1):
            text = lines[number - 1]
            if any(f"<{name}>" in text or f"<{name}/>" in text for name in names):
                result[i] = dataclasses.replace(finding, line=number)
                break
            if end_tag in text and number > finding.line:
                break
    return result
