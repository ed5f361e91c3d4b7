"""DfE's CIN census validation rules (csc_inequalities.childlevel.dfe): each rule on a constructed
return that breaks it (exact messages) and on one that passes it; the rule versions by collection
year; the rules inside the validation step (error-level findings stop the run, policies apply)."""

from __future__ import annotations

from pathlib import Path

import pytest

from csc_inequalities.childlevel.cin_xml import read_cin_xml
from csc_inequalities.childlevel.dfe import REGISTRY, rule_catalogue, rules_for_year, run_rules
from csc_inequalities.childlevel.dfe.child import upn_check_letter
from csc_inequalities.childlevel.extracts import LAFiles, load_la, validate_la
from csc_inequalities.childlevel.findings import ExtractError

from .dfe_cases import BASE, CASES, apply

EXPECTED = {
    "100": [
        "[dfe_100] cin.xml, line 3, Header, field Header/ReferenceDate: expected 2017-03-31 (31 March of the configured collection year), found '2017-03-30' (DfE 100, error: Reference Date is incorrect)",
    ],
    "1103": [
        "[dfe_1103] cin.xml, line 22, child CHILDA, Assessments referral 2016-06-01, field AssessmentActualStartDate: expected a date on or after CINreferralDate, found '2016-05-31' (referral 2016-06-01) (DfE 1103, error: The assessment start date cannot be before the referral date)",
    ],
    "1104": [
        "[dfe_1104] cin.xml, line 31, child CHILDA, Section47 referral 2016-06-01, field DateOfInitialCPC: expected a date on or after CINreferralDate, found '2016-05-27' (referral 2016-06-01) (DfE 1104, error: The date of the initial child protection conference cannot be before the referral date)",
    ],
    "1105": [
        "[dfe_1105] cin.xml, line 37, child CHILDA, ChildProtectionPlans referral 2016-06-01, field CPPstartDate: expected a date on or after CINreferralDate, found '2016-05-31' (referral 2016-06-01) (DfE 1105, error: The child protection plan start date cannot be before the referral date)",
    ],
    "1510": [
        "[dfe_1510] cin.xml, line 8, child CHILDA, Child, field UPN: expected a UPN whose first character is its check letter, found 'A202000000001' (check letter C) (DfE 1510, error: UPN invalid (wrong check letter at character 1))",
    ],
    "1520": [
        "[dfe_1520] cin.xml, line 8, child CHILDA, Child, field UPN: expected each UPN on one child only, found 'C202000000001' (DfE 1520, error: More than one record with the same UPN)",
        "[dfe_1520] cin.xml, line 55, child CHILDB, Child, field UPN: expected each UPN on one child only, found 'C202000000001' (DfE 1520, error: More than one record with the same UPN)",
    ],
    "1530": [
        "[dfe_1530] cin.xml, line 8, child CHILDA, Child, field UPN: expected characters 2-4 a DfE LA number valid in 2014-2021, found 'B838000000001' (DfE 1530, error: UPN invalid (characters 2-4 not a recognised LA code))",
    ],
    "1540": [
        "[dfe_1540] cin.xml, line 8, child CHILDA, Child, field UPN: expected characters 5-12 digits, found 'C2020000X0001' (DfE 1540, error: UPN invalid (characters 5-12 not all numeric))",
    ],
    "1550": [
        "[dfe_1550] cin.xml, line 8, child CHILDA, Child, field UPN: expected character 13 a digit or a letter other than I, O and S, found 'C20200000000I' (DfE 1550, error: UPN invalid (character 13 not a recognised value))",
    ],
    "2883": [
        "[dfe_2883] cin.xml, line 37, child CHILDA, ChildProtectionPlans referral 2016-06-01, field CPPstartDate: expected no more CPP starts in the census year than initial conferences (1), found 2 CPP starts (DfE 2883, error: There are more child protection plans starting than initial conferences taking place)",
    ],
    "2884": [
        "[dfe_2884] cin.xml, line 16, child CHILDA, CINdetails referral 2016-06-01, field DateOfInitialCPC: expected the ICPC recorded at one level only (Section47 when the conference followed an S47), found '2016-07-01' (DfE 2884, error: An initial child protection conference is recorded at both the S47 and CIN Details level and it should only be recorded in one)",
    ],
    "2885": [
        "[dfe_2885] cin.xml, line 37, child CHILDA, ChildProtectionPlans referral 2016-06-01, field CPPstartDate: expected the date of an initial child protection conference of the episode (Section47, else CINdetails), found '2016-07-04' (DfE 2885, error: Child protection plan shown as starting a different day to the initial child protection conference.)",
    ],
    "2889": [
        "[dfe_2889] cin.xml, line 31, child CHILDA, Section47 referral 2016-06-01, field S47ActualStartDate: expected a date on or after CINreferralDate, found '2016-05-25' (referral 2016-06-01) (DfE 2889, error: The S47 start date cannot be before the referral date.)",
    ],
    "2990": [
        "[dfe_2990] cin.xml, line 77, child CHILDC, CINdetails referral 2016-10-03, field ReasonForClosure: expected not RC8 when the episode has a S47, CPP, CIN plan or ICPC, found 'RC8' (DfE 2990, error: Activity is recorded against a case marked as ‘Case closed after assessment, no further action’.)",
    ],
    "4000": [
        "[dfe_4000] cin.xml, line 68, child CHILDB, CINPlanDates referral 2016-09-01, field CINPlanStartDate: expected no CIN plan on an episode with ReferralNFA true, found '2016-09-01' (DfE 4000, error: CIN Plan details provided for a referral with no further action)",
    ],
    "4001": [
        "[dfe_4001] cin.xml, line 52, child CHILDA, CINPlanDates referral 2017-01-10, field CINPlanEndDate: expected an end date while the episode has an open child protection plan, found nothing (empty or absent) (DfE 4001, error: A CIN Plan cannot run concurrently with a Child Protection Plan)",
    ],
    "4004": [
        "[dfe_4004] cin.xml, line 52, child CHILDA, CINPlanDates referral 2017-01-10, field CINPlanEndDate: expected at most one open CIN plan (no end date) per episode, found nothing (empty or absent) (DfE 4004, error: This child is showing more than one open CIN Plan, i.e. with no End Date)",
        "[dfe_4004] cin.xml, line 55, child CHILDA, CINPlanDates referral 2017-01-10, field CINPlanEndDate: expected at most one open CIN plan (no end date) per episode, found nothing (empty or absent) (DfE 4004, error: This child is showing more than one open CIN Plan, i.e. with no End Date)",
    ],
    "4010": [
        "[dfe_4010] cin.xml, line 52, child CHILDA, CINPlanDates referral 2017-01-10, field CINPlanStartDate: expected a date on or before 2017-03-31, found '2017-04-02' (DfE 4010, error: CIN Plan start date is missing or out of data collection period)",
    ],
    "4011": [
        "[dfe_4011] cin.xml, line 27, child CHILDA, CINPlanDates referral 2016-06-01, field CINPlanEndDate: expected a date on or after CINPlanStartDate, found '2016-06-01' (DfE 4011, error: CIN Plan End Date earlier than Start Date)",
    ],
    "4012Q": [
        "[dfe_4012Q] cin.xml, line 27, child CHILDA, CINPlanDates referral 2016-06-01, field CINPlanEndDate: expected a date after CINPlanStartDate, found '2016-06-02' (DfE 4012Q, query: Please check and either amend or provide a reason: CIN Plan shown as starting and ending on the same day)",
    ],
    "4013": [
        "[dfe_4013] cin.xml, line 52, child CHILDA, CINPlanDates referral 2017-01-10, field CINPlanEndDate: expected a date from 2016-04-01 to 2017-03-31, found '2017-04-03' (DfE 4013, error: CIN Plan end date must fall within the census year)",
    ],
    "4014": [
        "[dfe_4014] cin.xml, line 56, child CHILDA, CINPlanDates referral 2017-01-10, field CINPlanStartDate: expected a start date outside the child's other CIN plans, found '2017-02-15' (DfE 4014, error: CIN Plan data contains overlapping dates)",
    ],
    "4015": [
        "[dfe_4015] cin.xml, line 27, child CHILDA, CINPlanDates referral 2016-06-01, field CINPlanStartDate: expected a date on or after CINreferralDate, found '2016-05-30' (referral 2016-06-01) (DfE 4015, error: The CIN Plan start date cannot be before the referral date)",
    ],
    "4016": [
        "[dfe_4016] cin.xml, line 27, child CHILDA, CINPlanDates referral 2016-06-01, field CINPlanStartDate: expected a start date outside the child's child protection plans (or on a plan's end date), found '2016-08-01' (DfE 4016, error: A CIN Plan has been reported as open at the same time as a Child Protection Plan.)",
    ],
    "4017": [
        "[dfe_4017] cin.xml, line 37, child CHILDA, ChildProtectionPlans referral 2016-06-01, field CPPstartDate: expected a start date outside the child's CIN plans (or on a plan's end date), found '2016-07-01' (DfE 4017, error: A CIN Plan has been reported as open at the same time as a Child Protection Plan.)",
    ],
    "8520": [
        "[dfe_8520] cin.xml, line 55, child CHILDB, Child, field PersonBirthDate: expected a date on or before 2017-03-31, found '2017-04-10' (DfE 8520, error: Date of Birth is after data collection period (must be on or before the end of the census period))",
    ],
    "8540": [
        "[dfe_8540] cin.xml, line 8, child CHILDA, Child, field Disabilities: expected at least one Disability (NONE if none) for a born child with a referral going on to further action, found nothing (empty or absent) (DfE 8540, error: Child’s disability is missing or invalid (see Disability table))",
    ],
    "8565": [
        "[dfe_8565] cin.xml, line 37, child CHILDA, ChildProtectionPlans referral 2016-06-01, field CPPendDate: expected a date on or before the episode's CINclosureDate, found '2016-11-30' (closed 2016-11-29) (DfE 8565, error: Activity shown after a case has been closed)",
    ],
    "8590": [
        "[dfe_8590] cin.xml, line 91, child CHILDD, Child, field CINdetails: expected at least one CINdetails module, found none (DfE 8590, error: Child does not have a recorded CIN episode.)",
    ],
    "8600": [
        "[dfe_8600] cin.xml, line 45, child CHILDA, CINdetails referral 2017-04-03, field CINreferralDate: expected a date on or before 2017-03-31, found '2017-04-03' (DfE 8600, error: Child referral date missing or after data collection period)",
    ],
    "8606": [
        "[dfe_8606] cin.xml, line 62, child CHILDB, CINdetails referral 2016-09-01, field CINreferralDate: expected a date no more than 280 days before the (expected) birth date, found '2016-09-01' (birth 2017-06-10) (DfE 8606, error: Child referral date is more than 40 weeks before DOB or expected DOB)",
    ],
    "8608": [
        "[dfe_8608] cin.xml, line 22, child CHILDA, Assessments referral 2016-06-01, field AssessmentAuthorisationDate: expected a date on or after AssessmentActualStartDate, found '2016-06-04' (DfE 8608, error: Assessment Start Date cannot be later than its End Date)",
    ],
    "8610": [
        "[dfe_8610] cin.xml, line 45, child CHILDA, CINdetails referral 2017-01-10, field PrimaryNeedCode: expected a primary need code when ReferralNFA is false, found nothing (empty or absent) (DfE 8610, error: Primary Need code is missing for a referral which led to further action.)",
    ],
    "8614": [
        "[dfe_8614] cin.xml, line 49, child CHILDA, Assessments referral 2017-01-10, field AssessmentFactors: expected no factors while AssessmentAuthorisationDate is missing, found 1 factor(s) (DfE 8614, error: Parental or child factors at assessment should only be present for a completed assessment.)",
    ],
    "8615": [
        "[dfe_8615] cin.xml, line 31, child CHILDA, Section47 referral 2016-06-01, field S47ActualStartDate: expected a date on or before DateOfInitialCPC, found '2016-07-04' (DfE 8615, error: Section 47 Enquiry Start Date must be present and cannot be later than the date of the initial Child Protection Conference)",
    ],
    "8620": [
        "[dfe_8620] cin.xml, line 77, child CHILDC, CINdetails referral 2016-10-03, field CINclosureDate: expected a date from 2016-04-01 to 2017-03-31, found '2017-04-03' (DfE 8620, error: CIN Closure Date present and does not fall within the Census year)",
    ],
    "8630": [
        "[dfe_8630] cin.xml, line 77, child CHILDC, CINdetails referral 2016-10-03, field CINclosureDate: expected a date on or after CINreferralDate, found '2016-10-02' (DfE 8630, error: CIN Closure Date is before CIN Referral Date for the same CIN episode)",
    ],
    "8696": [
        "[dfe_8696] cin.xml, line 83, child CHILDC, Assessments referral 2016-10-03, field AssessmentAuthorisationDate: expected a date from 2016-04-01 to 2017-03-31, found '2017-04-05' (DfE 8696, error: Assessment end date must fall within the census year)",
    ],
    "8715": [
        "[dfe_8715] cin.xml, line 31, child CHILDA, Section47 referral 2016-06-01, field DateOfInitialCPC: expected a date from 2016-04-01 to 2017-03-31, found '2017-04-03' (DfE 8715, error: Date of Initial Child Protection Conference must fall within the census year)",
    ],
    "8720": [
        "[dfe_8720] cin.xml, line 52, child CHILDA, ChildProtectionPlans referral 2017-01-10, field CPPstartDate: expected a date on or before 2017-03-31, found '2017-04-03' (DfE 8720, error: Child Protection Plan Start Date missing or out of data collection period)",
    ],
    "8730": [
        "[dfe_8730] cin.xml, line 37, child CHILDA, ChildProtectionPlans referral 2016-06-01, field NumberOfPreviousCPP: expected a whole number, 0 or more, found '-1' (DfE 8730, error: Total Number of previous Child Protection Plans missing)",
    ],
    "8736": [
        "[dfe_8736] cin.xml, line 49, child CHILDA, Assessments referral 2017-01-10, field AssessmentActualStartDate: expected a date from 2016-04-01 to 2017-03-31, found '2016-03-20' (DfE 8736, error: For an Assessment that has not been completed, the start date must fall within the census year)",
    ],
    "8740": [
        "[dfe_8740] cin.xml, line 52, child CHILDA, Section47 referral 2017-01-10, field S47ActualStartDate: expected a date from 2016-04-01 to 2017-03-31, found '2016-03-15' (DfE 8740, error: For a Section 47 Enquiry that has not held the Initial Child Protection Conference by the end of the census year, the start date must fall within the census year)",
    ],
    "8805": [
        "[dfe_8805] cin.xml, line 77, child CHILDC, CINdetails referral 2016-10-03, field ReasonForClosure: expected a reason for closure when CINclosureDate is present, found nothing (empty or absent) (DfE 8805, error: A CIN case cannot have a CIN closure date without a Reason for Closure)",
    ],
    "8810": [
        "[dfe_8810] cin.xml, line 77, child CHILDC, CINdetails referral 2016-10-03, field CINclosureDate: expected a closure date when ReasonForClosure is present, found nothing (empty or absent) (DfE 8810, error: A CIN case cannot have a Reason for Closure without a CIN Closure Date)",
    ],
    "8815": [
        "[dfe_8815] cin.xml, line 16, child CHILDA, CINdetails referral 2016-06-01, field CINclosureDate: expected at most one open episode (no closure date, ReferralNFA false) per child, found nothing (empty or absent) (DfE 8815, error: More than one open CIN Details episode (a module with no CIN Closure Date) has been provided for this child and case is not a referral with no further action.)",
        "[dfe_8815] cin.xml, line 43, child CHILDA, CINdetails referral 2017-01-10, field CINclosureDate: expected at most one open episode (no closure date, ReferralNFA false) per child, found nothing (empty or absent) (DfE 8815, error: More than one open CIN Details episode (a module with no CIN Closure Date) has been provided for this child and case is not a referral with no further action.)",
    ],
    "8816": [
        "[dfe_8816] cin.xml, line 16, child CHILDA, CINdetails referral 2016-06-01, field CINclosureDate: expected a closure date on every episode but the child's latest, found nothing (empty or absent) (DfE 8816, error: An open CIN episode is shown and case is not a referral with no further action, but it is not the latest episode.)",
    ],
    "8790": [
        "[dfe_8790] cin.xml, line 70, child CHILDC, Child, field Disabilities: expected NONE alone, or disability codes without NONE, found 'LD;NONE' (DfE 8790, error: Disability information includes both None and other values)",
    ],
    "8794": [
        "[dfe_8794] cin.xml, line 70, child CHILDC, Child, field Disabilities: expected each disability code once per child, found 'LD;LD' (DfE 8794, error: Child has two or more disabilities with the same code)",
    ],
    "8825Q": [
        "[dfe_8825Q] cin.xml, line 77, child CHILDC, CINdetails referral 2016-10-03, field ReasonForClosure: expected an Assessments module on an episode closed with RC8, found 'RC8' (DfE 8825Q, query: Please check and either amend data or provide a reason: Reason for Closure code RC8 (case closed after assessment) has been returned but there is no assessment present for the episode.)",
    ],
    "8820": [
        "[dfe_8820] cin.xml, line 45, child CHILDA, CINdetails referral 2016-11-30, field CINreferralDate: expected a referral date outside the child's other episodes, found '2016-11-30' (DfE 8820, error: The dates on the CIN episodes for this child overlap)",
    ],
    "8831": [
        "[dfe_8831] cin.xml, line 62, child CHILDB, CINdetails referral 2016-09-01, field ReferralNFA: expected false when the episode has an assessment, S47, CIN plan or ICPC, found 'true' (DfE 8831, error: Activity is recorded against a case marked as a referral with no further action)",
    ],
    "8832": [
        "[dfe_8832] cin.xml, line 68, child CHILDB, ChildProtectionPlans referral 2016-09-01, field CPPstartDate: expected no child protection plan on an episode with ReferralNFA true, found '2016-09-01' (DfE 8832, error: Child Protection details provided for a referral with no further action.)",
    ],
    "8839": [
        "[dfe_8839] cin.xml, line 52, child CHILDA, Section47 referral 2017-01-10, field DateOfInitialCPC: expected at most one open S47 enquiry (no ICPC date, ICPCnotRequired not true) per episode, found nothing (empty or absent) (DfE 8839, error: Within one CINDetails group there are 2 or more open S47 Assessments)",
        "[dfe_8839] cin.xml, line 56, child CHILDA, Section47 referral 2017-01-10, field DateOfInitialCPC: expected at most one open S47 enquiry (no ICPC date, ICPCnotRequired not true) per episode, found nothing (empty or absent) (DfE 8839, error: Within one CINDetails group there are 2 or more open S47 Assessments)",
    ],
    "8840": [
        "[dfe_8840] cin.xml, line 37, child CHILDA, ChildProtectionPlans referral 2016-06-01, field CPPendDate: expected a date after CPPstartDate, found '2016-07-01' (DfE 8840, error: Child Protection Plan cannot start and end on the same day)",
    ],
    "8863Q": [
        "[dfe_8863Q] cin.xml, line 52, child CHILDA, Assessments referral 2017-01-10, field AssessmentActualStartDate: expected a start date outside the episode's other assessments, found '2017-02-01' (DfE 8863Q, query: An Assessment is shown as starting when there is another Assessment ongoing.)",
    ],
    "8867": [
        "[dfe_8867] cin.xml, line 83, child CHILDC, Assessments referral 2016-10-03, field AssessmentAuthorisationDate: expected an authorisation date on every assessment of a closed episode, found nothing (empty or absent) (DfE 8867, error: CIN episode is shown as closed, however Assessment is not shown as completed)",
    ],
    "8868": [
        "[dfe_8868] cin.xml, line 31, child CHILDA, Section47 referral 2016-06-01, field DateOfInitialCPC: expected an ICPC date, or ICPCnotRequired true, on every S47 of a closed episode, found nothing (empty or absent) (DfE 8868, error: CIN episode is shown as closed, however Section 47 enquiry is not shown as completed by ICPC date or ICPC not required flag)",
    ],
    "8869": [
        "[dfe_8869] cin.xml, line 86, child CHILDC, AssessmentFactors referral 2016-10-03, field AssessmentFactors: expected 21 (no factors identified) as the assessment's only factor, found '21' (DfE 8869, error: The assessment factors code “21” cannot be used in conjunction with any other assessment factors.)",
    ],
    "8870Q": [
        "[dfe_8870Q] cin.xml, line 31, child CHILDA, Section47 referral 2016-06-01, field InitialCPCtarget: expected a weekday (Monday to Friday), found '2016-07-02' (a Saturday) (DfE 8870Q, query: Please check and either amend or provide a reason: The Target Date for Initial Child Protection Conference should not be a weekend)",
    ],
    "8875": [
        "[dfe_8875] cin.xml, line 31, child CHILDA, Section47 referral 2016-06-01, field DateOfInitialCPC: expected a weekday (Monday to Friday), found '2016-07-02' (a Saturday) (DfE 8875, error: The Date of Initial Child Protection Conference cannot be a weekend)",
    ],
    "8890": [
        "[dfe_8890] cin.xml, line 36, child CHILDA, Section47 referral 2016-06-01, field S47ActualStartDate: expected a start date outside the episode's other S47 enquiries, found '2016-06-20' (DfE 8890, error: A Section 47 enquiry is shown as starting when there is another Section 47 Enquiry ongoing)",
    ],
    "8896": [
        "[dfe_8896] cin.xml, line 49, child CHILDA, Assessments referral 2017-01-10, field AssessmentAuthorisationDate: expected at most one open assessment (no authorisation date) per episode, found nothing (empty or absent) (DfE 8896, error: Within one CINDetails group there are 2 or more open Assessments groups)",
        "[dfe_8896] cin.xml, line 52, child CHILDA, Assessments referral 2017-01-10, field AssessmentAuthorisationDate: expected at most one open assessment (no authorisation date) per episode, found nothing (empty or absent) (DfE 8896, error: Within one CINDetails group there are 2 or more open Assessments groups)",
    ],
    "8897Q": [
        "[dfe_8897Q] cin.xml, line 22, child CHILDA, Assessments referral 2016-06-01, field AssessmentFactors: expected at least one factor on an assessment authorised in the census year, found none (DfE 8897Q, query: Parental or child factors at assessment information is missing from a completed assessment)",
    ],
    "8898": [
        "[dfe_8898] cin.xml, line 86, child CHILDC, AssessmentFactors referral 2016-10-03, field AssessmentFactors: expected each factor code once per assessment, found '21' (DfE 8898, error: The assessment has more than one parental or child factors with the same code)",
        "[dfe_8898] cin.xml, line 86, child CHILDC, AssessmentFactors referral 2016-10-03, field AssessmentFactors: expected each factor code once per assessment, found '21' (DfE 8898, error: The assessment has more than one parental or child factors with the same code)",
    ],
    "8925": [
        "[dfe_8925] cin.xml, line 37, child CHILDA, ChildProtectionPlans referral 2016-06-01, field CPPendDate: expected a date on or after CPPstartDate, found '2016-06-30' (DfE 8925, error: Child Protection Plan End Date earlier than Start Date)",
    ],
    "8930": [
        "[dfe_8930] cin.xml, line 37, child CHILDA, ChildProtectionPlans referral 2016-06-01, field CPPendDate: expected a date from 2016-04-01 to 2017-03-31, found '2017-04-03' (DfE 8930, error: Child Protection Plan End Date must fall within the census year)",
    ],
    "8935": [
        "[dfe_8935] cin.xml, line 37, child CHILDA, ChildProtectionPlans referral 2016-06-01, field CPPendDate: expected at most one open child protection plan per child, found nothing (empty or absent) (DfE 8935, error: This child is showing more than one open Child Protection plan, i.e. with no End Date)",
        "[dfe_8935] cin.xml, line 51, child CHILDA, ChildProtectionPlans referral 2017-01-10, field CPPendDate: expected at most one open child protection plan per child, found nothing (empty or absent) (DfE 8935, error: This child is showing more than one open Child Protection plan, i.e. with no End Date)",
    ],
    "8940": [
        "[dfe_8940] cin.xml, line 52, child CHILDA, ChildProtectionPlans referral 2017-01-10, field CPPstartDate: expected a start date outside the child's other child protection plans, found '2016-11-01' (DfE 8940, error: Child Protection Plan data contains overlapping dates)",
    ],
}


def _run(tmp_path: Path, xml: str, year: int, code: str | None = None) -> list[str]:
    path = tmp_path / "cin.xml"
    path.write_text(xml)
    census, read = read_cin_xml(path, year)
    assert read == []
    rules = [r for r in rules_for_year(year) if code is None or r.code == code]
    return [f.message().replace(f"{tmp_path}/", "") for f in run_rules(census, rules).findings]


def test_every_rule_has_a_case():
    assert {r.code for r in REGISTRY} == set(CASES) == set(EXPECTED)
    assert len(rules_for_year(2017)) == 69
    assert sorted(rule_catalogue().query("severity == 'query'")["code"]) == [
        "4012Q",
        "8825Q",
        "8825Q",
        "8863Q",
        "8870Q",
        "8897Q",
    ]


def test_the_base_return_passes_every_rule_of_its_year(tmp_path):
    assert _run(tmp_path, BASE, 2017) == []
    # The same return declared for 2017-18: its 2016-17 closures and end dates lie outside that census year.
    moved = BASE.replace("<Year>2017</Year><ReferenceDate>2017-03-31", "<Year>2018</Year><ReferenceDate>2018-03-31")
    assert sorted({m.split("]")[0] for m in _run(tmp_path, moved, 2018)}) == [
        "[dfe_4013",
        "[dfe_8620",
        "[dfe_8696",
        "[dfe_8715",
        "[dfe_8736",
        "[dfe_8930",
    ]


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_flags_its_failing_case_with_the_exact_messages(code, tmp_path):
    failing, _, year = CASES[code]
    assert _run(tmp_path, apply(failing), year, code) == EXPECTED[code]


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_passes_its_passing_case(code, tmp_path):
    _, passing, year = CASES[code]
    assert _run(tmp_path, apply(passing), year, code) == []


def test_upn_check_letter_follows_dfe_worked_examples():
    # Valid UPNs from the open implementation's tests (A950000178301, H243278544154) and two wrong ones.
    assert upn_check_letter("A950000178301") == "A"
    assert upn_check_letter("H243278544154") == "H"
    assert upn_check_letter("R247962919251") != "R"
    assert upn_check_letter("A20200000000Z") is None  # a letter at character 13: no check


def test_rule_1530_la_numbers_change_by_collection_year(tmp_path):
    xml = apply([("<UPN>C202000000001", "<UPN>B838000000001")])
    assert len(_run(tmp_path, xml, 2021, "1530")) == 1  # 838 (Dorset) not yet a DfE LA number
    assert _run(tmp_path, xml, 2022, "1530") == []
    xml = apply([("<UPN>C202000000001", "<UPN>F942000000001")])
    assert upn_check_letter("F942000000001") == "F"
    assert len(_run(tmp_path, xml, 2023, "1530")) == 1
    assert _run(tmp_path, xml, 2024, "1530") == []


def test_rule_2990_covers_rc9_from_2023(tmp_path):
    with_s47 = [
        (
            "<ReasonForClosure>RC8</ReasonForClosure>",
            "<ReasonForClosure>RC9</ReasonForClosure>\n<Section47>\n"
            "<S47ActualStartDate>2016-10-05</S47ActualStartDate>\n<ICPCnotRequired>true</ICPCnotRequired>\n</Section47>",
        )
    ]
    assert _run(tmp_path, apply(with_s47), 2017, "2990") == []  # RC9 is not a code before 2023 (structural check)
    messages = _run(tmp_path, apply(with_s47), 2023, "2990")
    assert messages == [
        "[dfe_2990] cin.xml, line 77, child CHILDC, CINdetails referral 2016-10-03, field ReasonForClosure: expected "
        "not RC8 or RC9 when the episode has a S47, CPP, CIN plan or ICPC, found 'RC9' (DfE 2990, error: Activity is "
        "recorded against a case marked as ‘Case closed after assessment, no further action’ or 'case closed after "
        "assessment, referred to early help'.)"
    ]


def test_error_level_findings_stop_the_run_with_file_record_field_expected_found(tmp_path):
    path = tmp_path / "cin.xml"
    path.write_text(apply(CASES["8875"][0]))
    files = LAFiles("E09000001", {2017: str(path)})
    _, _, _, findings, _ = validate_la(files, None, dfe_rules=True)
    assert findings[["rule", "severity", "action", "line", "field"]].values.tolist() == [
        ["dfe_8875", "error", "error", 33, "DateOfInitialCPC"]
    ]  # the field's own line
    with pytest.raises(ExtractError) as error:
        load_la(files, None, b"k" * 32, dfe_rules=True)
    assert (
        f"[dfe_8875] {path}, line 33, child CHILDA, Section47 referral 2016-06-01, field DateOfInitialCPC: "
        "expected a weekday (Monday to Friday), found '2016-07-02' (a Saturday) (DfE 8875, error: The Date of "
        "Initial Child Protection Conference cannot be a weekend)"
    ) in str(error.value)
    # Without the DfE rules (or with the rule's policy at drop) the return loads.
    assert load_la(files, None, b"k" * 32).dropped_episodes == 0
    dropped = load_la(files, None, b"k" * 32, policy={"dfe_8875": "drop"}, dfe_rules=True)
    assert dropped.dropped_episodes == 1
    assert len(dropped.tables["cin_details"]) == 3


def test_queries_are_reported_and_kept(tmp_path):
    path = tmp_path / "cin.xml"
    path.write_text(apply(CASES["8897Q"][0]))
    loaded = load_la(LAFiles("E09000001", {2017: str(path)}), None, b"k" * 32, dfe_rules=True)
    assert loaded.findings[["rule", "severity", "action"]].values.tolist() == [["dfe_8897Q", "query", "warn"]]
    assert loaded.dropped_episodes == 0


def test_dfe_rules_run_only_on_structurally_valid_returns(tmp_path):
    path = tmp_path / "cin.xml"
    path.write_text(
        apply([("<GenderCurrent>2</GenderCurrent>", "<GenderCurrent>5</GenderCurrent>")] + CASES["8875"][0])
    )
    _, _, _, findings, _ = validate_la(LAFiles("E09000001", {2017: str(path)}), None, dfe_rules=True)
    assert findings["rule"].tolist() == ["invalid_code"]


def test_modules_without_their_cindetails_are_findings_not_a_crash():
    # The CSV route can hand over module rows whose CINdetails row is missing.
    from csc_inequalities.childlevel.records import RECORD_TABLES, CensusReturn, empty_table, table_from_rows

    tables = {name: empty_table(name) for name in RECORD_TABLES}
    tables["children"] = table_from_rows(
        "children", [("K1", None, None, None, "2010-01-01", None, "1", None, "WBRI", "NONE", 2)]
    )
    tables["assessments"] = table_from_rows("assessments", [("K1", "2016-05-01", "2016-05-02", None, "2016-05-20", 3)])
    tables["child_protection_plans"] = table_from_rows(
        "child_protection_plans", [("K1", "2016-05-01", "2016-05-03", None, "NEG", "NEG", "0", None, 4)]
    )
    result = run_rules(CensusReturn("x.csv", 2017, {"ReferenceDate": "2017-03-31"}, tables))
    assert sorted(result.counts) == ["dfe_2883", "dfe_2885", "dfe_8590", "dfe_8897Q"]
