import numpy as np
import pandas as pd
import pytest

from csc_inequalities.gradient.crosstabs import crosstab_odds_ratios, odds_ratio, published_beside, significance_summary


def test_odds_ratio_by_hand():
    # [[20, 30], [10, 40]]: OR = 20*40/(30*10) = 2.6667; SE(log OR) = sqrt(1/20+1/30+1/10+1/40) = 0.45644
    or_, lo, hi = odds_ratio(20, 30, 10, 40)
    assert or_ == pytest.approx(8 / 3)
    assert lo == pytest.approx(np.exp(np.log(8 / 3) - 1.959964 * 0.456435), rel=1e-5)
    assert hi == pytest.approx(np.exp(np.log(8 / 3) + 1.959964 * 0.456435), rel=1e-5)
    assert np.isnan(odds_ratio(0, 30, 10, 40)[0])


def _episodes(n_female_cpp, n_female, n_male_cpp, n_male):
    rows = []
    for gender, n_cpp, n in (("female", n_female_cpp, n_female), ("male", n_male_cpp, n_male)):
        for i in range(n):
            rows.append(
                {
                    "la_code": "A",
                    "gender": gender,
                    "cpp": i < n_cpp,
                    "age_at_referral": 3 if i % 2 else 14,
                    "ethnicity_group": "White",
                    "white_british": True,
                    "imd_tertile_in_la_least1": 1 + i % 3,
                    "referral_source_group": "Police",
                    "cpp_latest_category": "Neglect" if i < n_cpp else None,
                }
            )
    return pd.DataFrame(rows)


def test_crosstab_gender_and_disclosure():
    ors = crosstab_odds_ratios(_episodes(40, 100, 20, 100), min_cell=10)
    row = ors[(ors.comparison == "female_vs_male") & (ors.item_id == "threshold:cpp")].iloc[0]
    assert row["or"] == pytest.approx(40 * 80 / (60 * 20))
    assert row["significant"] and row["direction"] == "higher"
    # Every episode is White British: no reference group, cells of 0 -> withheld.
    wb = ors[(ors.comparison == "white_british_vs_rest") & (ors.item_id == "threshold:cpp")].iloc[0]
    assert wb["suppressed"] and np.isnan(wb["or"])
    small = crosstab_odds_ratios(_episodes(9, 100, 20, 100), min_cell=10)
    row = small[(small.comparison == "female_vs_male") & (small.item_id == "threshold:cpp")].iloc[0]
    assert row["suppressed"] and np.isnan(row["or"])


def test_summary_and_published_beside():
    ors = crosstab_odds_ratios(_episodes(40, 100, 20, 100), min_cell=10)
    summary = significance_summary(ors)
    cpp = summary[(summary.comparison == "female_vs_male") & (summary.item_id == "threshold:cpp")].iloc[0]
    assert (cpp["n_las_tested"], cpp["n_las_sig_higher"], cpp["n_las_sig_lower"]) == (1, 1, 0)
    published = pd.DataFrame(
        {
            "comparison": ["GENDER (male and female)"] * 2,
            "section": ["Thresholds"] * 2,
            "item": ["CP Plans"] * 2,
            "la": ["LA0", "LA1"],
            "or": [1.5, 0.9],
            "ci_low": [1.2, 0.7],
            "ci_high": [1.9, 1.1],
            "note": ["", ""],
        }
    )
    beside = published_beside(summary, published).iloc[0]
    assert beside["published_sig_higher"] == 1 and beside["published_sig_lower"] == 0
    assert beside["n_las_sig_higher"] == 1
