"""Build small CIN census XML returns for tests (the element order of the 2016-17 schema)."""

from __future__ import annotations

from xml.sax.saxutils import escape

CHILD_ID_ORDER = (
    "LAchildID",
    "UPN",
    "FormerUPN",
    "UPNunknown",
    "PersonBirthDate",
    "ExpectedPersonBirthDate",
    "GenderCurrent",
    "PersonDeathDate",
)


def _fields(values: dict, order) -> str:
    return "".join(f"<{k}>{escape(str(values[k]))}</{k}>" for k in order if values.get(k) is not None)


def cin_details(
    referral: str,
    source: str = "1A",
    closure: str | None = None,
    reason: str | None = None,
    nfa: str = "false",
    assessments=(),
    plans=(),
    s47=(),
    cpps=(),
    need: str = "N1",
) -> dict:
    return dict(
        referral=referral,
        source=source,
        closure=closure,
        reason=reason,
        nfa=nfa,
        assessments=list(assessments),
        plans=list(plans),
        s47=list(s47),
        cpps=list(cpps),
        need=need,
    )


def child(
    child_id: str,
    birth: str | None = "2010-05-01",
    gender: str = "1",
    ethnicity: str = "WBRI",
    episodes=(),
    upn: str | None = None,
) -> dict:
    return dict(
        LAchildID=child_id,
        UPN=upn,
        PersonBirthDate=birth,
        GenderCurrent=gender,
        Ethnicity=ethnicity,
        episodes=list(episodes),
    )


def render_child(c: dict) -> str:
    parts = [
        f"<Child><ChildIdentifiers>{_fields(c, CHILD_ID_ORDER)}</ChildIdentifiers>",
        f"<ChildCharacteristics><Ethnicity>{c['Ethnicity']}</Ethnicity></ChildCharacteristics>",
    ]
    for e in c["episodes"]:
        xml = f"<CINdetails><CINreferralDate>{e['referral']}</CINreferralDate><ReferralSource>{e['source']}</ReferralSource>"
        xml += f"<PrimaryNeedCode>{e['need']}</PrimaryNeedCode>"
        if e["closure"]:
            xml += f"<CINclosureDate>{e['closure']}</CINclosureDate>"
        if e["reason"]:
            xml += f"<ReasonForClosure>{e['reason']}</ReasonForClosure>"
        for start, factors in e["assessments"]:
            xml += f"<Assessments><AssessmentActualStartDate>{start}</AssessmentActualStartDate>"
            if factors:
                xml += (
                    "<FactorsIdentifiedAtAssessment>"
                    + "".join(f"<AssessmentFactors>{f}</AssessmentFactors>" for f in factors)
                    + "</FactorsIdentifiedAtAssessment>"
                )
            xml += "</Assessments>"
        for start in e["plans"]:
            xml += f"<CINPlanDates><CINPlanStartDate>{start}</CINPlanStartDate></CINPlanDates>"
        for start, icpc in e["s47"]:
            xml += f"<Section47><S47ActualStartDate>{start}</S47ActualStartDate>"
            if icpc:
                xml += f"<DateOfInitialCPC>{icpc}</DateOfInitialCPC>"
            xml += "<ICPCnotRequired>false</ICPCnotRequired></Section47>"
        xml += f"<ReferralNFA>{e['nfa']}</ReferralNFA>"
        for start, end, initial, latest in e["cpps"]:
            xml += f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>"
            if end:
                xml += f"<CPPendDate>{end}</CPPendDate>"
            xml += (
                f"<InitialCategoryOfAbuse>{initial}</InitialCategoryOfAbuse><LatestCategoryOfAbuse>{latest}"
                "</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans>"
            )
        parts.append(xml + "</CINdetails>")
    return "".join(parts) + "</Child>\n"


def cin_return(children, year: int, lea: str = "202", collection: str = "CIN") -> str:
    header = (
        f"<Header><CollectionDetails><Collection>{collection}</Collection><Year>{year}</Year>"
        f"<ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails>"
        f"<Source><SourceLevel>L</SourceLevel><LEA>{lea}</LEA></Source></Header>\n"
    )
    body = "".join(render_child(c) for c in children)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n{header}<Children>\n{body}</Children>\n</Message>\n'
