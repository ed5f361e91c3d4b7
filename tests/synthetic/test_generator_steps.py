"""The named steps of generate_la, each alone, on hand-made inputs with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_inequalities.childlevel.dfe.child import CHECK_LETTERS
from csc_inequalities.synthetic.generator import (
    apply_duration_scales,
    close_episodes,
    draw_children,
    draw_first_referrals,
    solve_duration_scales,
    ssda903_rows,
    stocks_at_31_march,
)
from csc_inequalities.synthetic.timing import DURATION_SCALE_BOUNDS, FIRST_EPISODE_LIMIT, Period

T = pd.Timestamp


def _episodes() -> pd.DataFrame:
    nat = pd.NaT
    return pd.DataFrame(
        {
            "referral_date": [T("2015-01-01")] * 5,
            "pathway": ["nfa", "assessed_not_cin", "cin", "cpp", "lac"],
            "nfa": [True, False, False, False, False],
            "lac": [False, False, False, False, True],
            "assessment_auth": [nat, T("2015-02-10"), T("2015-02-10"), T("2015-02-10"), T("2015-02-10")],
            "plan_end": [nat, nat, T("2015-05-01"), T("2015-01-20"), T("2015-06-01")],
            "cpp_end": [nat, nat, nat, T("2015-09-01"), nat],
            "dec": [nat, nat, nat, nat, T("2017-01-01")],
        }
    )


def test_close_episodes_closes_each_pathway_at_its_last_event():
    ep = _episodes()
    close_episodes(ep, None)
    assert ep["close_full"].tolist() == [
        T("2015-01-01"),  # NFA: the referral day
        T("2015-02-10"),  # assessed, not CIN: the authorisation
        T("2015-05-01"),  # CIN: the plan's end
        T("2015-09-01"),  # CPP: the later of the CPP's and the plan's end
        T("2017-01-01"),  # LAC: the end of care
    ]
    assert ep["closure_reason"].tolist() == ["RC7", "RC8", "RC7", "RC7", "RC7"]


def test_close_episodes_caps_the_first_of_two_episodes_and_its_care():
    ep = _episodes()
    close_episodes(ep, np.array([False, False, False, False, True]))
    limit = T("2015-01-01") + pd.Timedelta(days=FIRST_EPISODE_LIMIT)
    assert ep.loc[4, "close_full"] == limit
    assert ep.loc[4, "dec"] == limit
    assert ep.loc[3, "close_full"] == T("2015-09-01")  # not followed by a second: unchanged


def test_draw_children_gives_one_row_per_drawn_child_with_valid_upns():
    cells = pd.DataFrame(
        {
            "lsoa11": ["E01000001", "E01000002"],
            "imd_decile_least1": [1, 10],
            "age": [3, 12],
            "sex": ["male", "female"],
            "ethnicity_group": ["White", "Black"],
        }
    )
    child = draw_children(np.random.default_rng(1), cells, np.array([0.0, 40.0]), "E06000018", "892")
    assert len(child) == np.random.default_rng(1).poisson([0.0, 40.0]).sum()
    assert set(child["lsoa11"]) == {"E01000002"}  # a cell expecting no children has none
    assert child["LAchildID"].iloc[0] == "SYN00180000000"
    assert child["UPN"].str[1:4].eq("892").all()
    assert set(child["ethnicity_code"]) <= {"BAFR", "BCRB"}
    upn = child["UPN"].iloc[0]
    check = sum(int(c) * w for c, w in zip(upn[1:], range(2, 14))) % 23
    assert upn[0] == CHECK_LETTERS[check]


def test_draw_first_referrals_follows_the_arrival_pmf_and_dates_births_by_age():
    period = Period.of_years(2015, 2015)
    arrival = np.zeros(period.days)
    arrival[10] = 1.0  # every first referral on 11 April 2014
    child = pd.DataFrame({"age": [0, 5, 17]})
    two, first_day, first_ref = draw_first_referrals(np.random.default_rng(3), child, period, arrival, 1.0)
    assert two.all() and (first_day == 10).all()
    assert (first_ref == T("2014-04-11")).all()
    assert child["n_episodes"].tolist() == [2, 2, 2]
    age = (first_ref.year - child["dob"].dt.year) - (
        (first_ref.month < child["dob"].dt.month)
        | ((first_ref.month == child["dob"].dt.month) & (first_ref.day < child["dob"].dt.day))
    )
    assert age.tolist() == [0, 5, 17]


def test_ssda903_rows_has_one_row_per_care_episode():
    child = pd.DataFrame(
        {
            "LAchildID": ["A", "B"],
            "sex": ["male", "female"],
            "dob": [T("2010-05-01"), T("2012-01-31")],
            "ethnicity_code": ["WBRI", "BAFR"],
            "UPN": ["X", "Y"],
        }
    )
    episodes = pd.DataFrame(
        {
            "child_index": [0, 1, 1],
            "lac": [False, True, True],
            "decom": [pd.NaT, T("2016-02-03"), T("2017-03-04")],
            "legal_status": [None, "C1", "V2"],
            "dec": [pd.NaT, T("2016-12-01"), pd.NaT],
        }
    )
    rows = ssda903_rows(child, episodes)
    assert rows["CHILD"].tolist() == ["B", "B"]
    assert rows["DECOM"].tolist() == ["03/02/2016", "04/03/2017"]
    assert rows["DEC"].tolist() == ["01/12/2016", ""]
    assert rows["REC"].tolist() == ["E4A", ""]
    assert rows["SEX"].tolist() == ["2", "2"]


def _stock_episodes() -> pd.DataFrame:
    """Four last episodes of four children (one per pathway that can be open) and an NFA."""
    nat = pd.NaT
    return pd.DataFrame(
        {
            "child_index": [0, 1, 2, 3, 4],
            "episode_number": [1, 1, 1, 1, 1],
            "referral_date": [T("2015-01-01")] * 5,
            "pathway": ["nfa", "cin", "cin", "cpp", "lac"],
            "nfa": [True, False, False, False, False],
            "cin_plan": [False, True, True, True, True],
            "cpp": [False, False, False, True, False],
            "lac": [False, False, False, False, True],
            "assessment_auth": [nat, T("2015-02-01"), T("2015-02-01"), T("2015-02-01"), T("2015-02-01")],
            "plan_start": [nat, T("2015-02-01"), T("2015-02-01"), T("2015-01-05"), T("2015-02-01")],
            "plan_end": [nat, T("2015-04-01"), T("2015-05-01"), T("2015-01-20"), T("2015-04-01")],
            "cpp_start": [nat, nat, nat, T("2015-01-20"), nat],
            "cpp_end": [nat, nat, nat, T("2015-07-20"), nat],
            "decom": [nat, nat, nat, nat, T("2015-03-01")],
            "dec": [nat, nat, nat, nat, T("2015-09-01")],
            "close_full": [T("2015-01-01"), T("2015-04-01"), T("2015-05-01"), T("2015-07-20"), T("2015-09-01")],
        }
    )


def test_stocks_at_31_march_count_open_children_by_hand():
    ep = _stock_episodes()
    stocks = stocks_at_31_march(ep, [2015, 2016])
    # 31 March 2015: both CIN plans (to 1 April and 1 May), the CPP child and the child in care; not the NFA.
    assert stocks["cin_at_31_march"] == {2015: 4, 2016: 0}
    assert stocks["cpp_at_31_march"] == {2015: 1, 2016: 0}
    assert stocks["cla_at_31_march"] == {2015: 1, 2016: 0}


def test_duration_scales_solve_the_published_stocks_by_stretching_the_draws():
    ep = _stock_episodes()
    last = np.ones(len(ep), dtype=bool)
    u = np.array([[0.1, 0.9, 0.2, 0.5, 0.5], [0.5] * 5])
    published = (
        ("cla_at_31_march", ((2016, 1),)),  # care (184 days from 1 March 2015) must last past 31 March 2016
        ("cpp_at_31_march", ((2016, 0),)),
    )
    scales, le = solve_duration_scales(ep, last, published, 2015, u)
    assert 396 / 184 < scales["care"] <= 397 / 184 * (1 + 1e-6)  # the shortest stretch that reaches 1 April 2016
    assert scales["cpp"] == DURATION_SCALE_BOUNDS[0]  # the stock is met at the lower bound
    assert scales["long_plan_share"] == {}  # no CIN stock given: every plan keeps its drawn length
    apply_duration_scales(ep, le, scales)
    assert stocks_at_31_march(ep, [2016]) == {
        "cin_at_31_march": {2016: 1},  # the child in care
        "cpp_at_31_march": {2016: 0},
        "cla_at_31_march": {2016: 1},
    }
    assert ep.loc[4, "dec"] == ep.loc[4, "close_full"] > T("2016-03-31")
    assert ep.loc[3, "cpp_end"] == T("2015-01-20") + pd.Timedelta(days=round(181 * DURATION_SCALE_BOUNDS[0]))
    assert ep.loc[2, "plan_end"] == T("2015-05-01")  # plans keep their drawn length
    assert ep.loc[0, "close_full"] == T("2015-01-01")  # NFA closes at referral whatever the scales


def test_a_share_of_long_cin_plans_reaches_the_published_children_in_need():
    ep = _stock_episodes()
    u = np.array([[0.1, 0.1, 0.9, 0.5, 0.5], [0.0] * 5])  # episode 1 long below a share of 0.1, episode 2 above 0.9
    published = (("cin_at_31_march", ((2016, 1),)),)
    # First year 2016: the episodes, referred before it, take its share (as burn-in episodes do).
    scales, le = solve_duration_scales(ep, np.ones(len(ep), dtype=bool), published, 2016, u)
    assert 0.1 < scales["long_plan_share"][2016] <= 0.9
    apply_duration_scales(ep, le, scales)
    # 31 March 2016: one child in need: episode 1's plan, long (59 days x 4 x the LA's scale), not 2's.
    assert stocks_at_31_march(ep, [2015, 2016])["cin_at_31_march"] == {2015: 4, 2016: 1}
    assert ep.loc[1, "plan_end"] > T("2016-03-31") and ep.loc[2, "plan_end"] == T("2015-05-01")


def test_the_reader_leaves_episodes_referred_before_the_first_year_out():
    from csc_inequalities.childlevel.pipeline import referred_in_years

    episodes = pd.DataFrame(
        {
            "episode_id": ["a", "b", "c"],
            "referral_year": [2012, 2014, 2018],
            "la_code": ["E1"] * 3,
            "imd2015_score": [1.0, 2.0, 3.0],
        }
    )
    assert referred_in_years(episodes, 2014)["episode_id"].tolist() == ["b", "c"]
    # Nothing referred before: the table as it was.
    assert referred_in_years(episodes, 2012) is episodes


def test_the_within_la_tertile_is_recomputed_over_the_episodes_kept():
    from csc_inequalities.childlevel.pipeline import referred_in_years

    # Scores 1..6 of one LA: over all six, cuts at 2.67 and 4.33; the three 2012 episodes (scores
    # 1, 2, 3) leave, and over 4, 5, 6 the cuts are 4.67 and 5.33: tertiles 1, 2, 3.
    episodes = pd.DataFrame(
        {
            "episode_id": list("abcdef"),
            "referral_year": [2012, 2012, 2012, 2014, 2015, 2016],
            "la_code": ["E1"] * 6,
            "imd2015_score": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "imd_tertile_in_la_least1": [1, 1, 2, 2, 3, 3],
        }
    )
    kept = referred_in_years(episodes, 2014)
    assert kept["episode_id"].tolist() == ["d", "e", "f"]
    assert kept["imd_tertile_in_la_least1"].tolist() == [1, 2, 3]
