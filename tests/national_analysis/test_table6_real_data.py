"""Table 6 on the real public data shipped under resources/national/raw, reproduced exactly as the
rule national_correlations does with the default config: 83 of the 84 cells the public files can
supply match (within 0.01, same N); the one that does not (Care Proceedings 2017) cannot be reached
by any value for the two LAs the public series lacks. Skips only when the shipped raw files are
absent (e.g. a source-only checkout)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.national.correlations import read_checked_csv
from csc_inequalities.national.table6_reproduction import reproduce_table6

ROOT = Path(__file__).resolve().parents[2]
CONFIG = validate_config({}, load_schema(ROOT / "workflow" / "schemas"))
RAW_DIR = ROOT / CONFIG["national_panel"]["raw_dir"]
PUBLISHED = ROOT / "resources/national_analysis/published/table06_imd_correlations.csv"

pytestmark = pytest.mark.skipif(
    not RAW_DIR.is_dir() or not any(RAW_DIR.iterdir()),
    reason=f"shipped raw national data absent ({RAW_DIR})",
)


def _reproduce(analysis=None, population=None):
    from csc_inequalities.national.panel import build_panel

    panel_cfg = CONFIG["national_panel"]
    population = population or panel_cfg["population"]
    panel, dictionary, _ = build_panel(
        RAW_DIR,
        first_year=2010,
        last_year=2017,
        rate_source=panel_cfg["rate_source"],
        workforce_year_offset=panel_cfg["workforce_year_offset"],
        population=population,
    )
    published = read_checked_csv(PUBLISHED, PUBLISHED.parent / "manifest.sha256")
    return reproduce_table6(panel, dictionary, published, analysis or CONFIG["national_analysis"], population)


@pytest.fixture(scope="module")
def result():
    return _reproduce()


def test_83_of_the_84_suppliable_cells_match(result):
    assert result.summary["cells_published"] == 88
    assert result.summary["cells_reproducible"] == 84
    assert result.summary["cells_matching"] == 83
    cmp = result.comparison[result.comparison["primary"]]
    misses = cmp[cmp["rho_reproduced"].notna() & ~cmp["match"]]
    assert misses[["indicator", "year"]].values.tolist() == [["Care Proceedings", 2017]]


def test_every_row_within_tolerance_except_care_proceedings(result):
    rows = result.rows.set_index("indicator")
    assert len(rows) == 14
    others = rows.drop(index="Care Proceedings")
    assert (others["max_abs_diff"] <= 0.0075).all(), others["max_abs_diff"]
    assert (others["n_equal_years"] == others["years_reproduced"]).all()
    assert rows.loc["Care Proceedings", "max_abs_diff"] == pytest.approx(0.0293, abs=5e-4)


def test_referral_row_reproduces_every_year_2011_to_2017(result):
    cmp = result.comparison
    referral = cmp[(cmp["indicator"] == "Referral") & cmp["primary"]].set_index("year")
    assert list(referral["source_indicator"].unique()) == ["referrals_rate"]
    assert list(referral.index) == list(range(2011, 2018))
    for year, row in referral.iterrows():
        assert abs(row["rho_reproduced"] - row["rho_published"]) <= 0.01, year
        assert int(row["n_reproduced"]) == int(row["n_published"]), year


def test_care_proceedings_cells_explained(result):
    cmp = result.comparison
    care = cmp[(cmp["indicator"] == "Care Proceedings") & cmp["primary"]].set_index("year")
    assert care.loc[2011:2014, "rho_reproduced"].isna().all()
    assert (
        care.loc[2011:2014, "reason"]
        == [f"no public data: the public files hold no care_proceedings_rate for {y}" for y in range(2011, 2015)]
    ).all()
    # 2017: LAIT lacks Bournemouth and Poole; no values for them reach the published 0.582.
    row = care.loc[2017]
    assert int(row["n_reproduced"]) == 148
    assert row["reach_high"] < row["rho_published"]
    assert "the public series has no value for Bournemouth, Poole" in row["reason"]
    assert "so no value for them reproduces the published rho (0.582)" in row["reason"]


def test_inferred_choices_are_labelled_and_switchable(result):
    cmp = result.comparison.set_index(["indicator", "year"])
    core = cmp[cmp["primary"]].loc[("Assessment: Core", 2014)]
    assert core["inferred"].startswith("inferred from the fit, not stated in the report")
    assert "Lambeth (11), York (21)" in core["inferred"]
    s20 = cmp[cmp["primary"]].loc[("Section 20s", 2015)]
    assert "s20 rebuilt by subtraction for 7 LAs" in s20["inferred"]
    assert "rho 0.161 to 0.164 across their brackets" in s20["inferred"]
    assert int(s20["n_reproduced"]) == 149

    import copy

    analysis = copy.deepcopy(CONFIG["national_analysis"])
    analysis["table6"]["inferred"]["core_assessment_switchers"]["enabled"] = False
    analysis["table6"]["inferred"]["s20_by_subtraction"]["enabled"] = False
    off = _reproduce(analysis)
    off_cmp = off.comparison[off.comparison["primary"]].set_index(["indicator", "year"])
    assert int(off_cmp.loc[("Assessment: Core", 2014), "n_reproduced"]) == 129
    assert int(off_cmp.loc[("Section 20s", 2015), "n_reproduced"]) == 142
    assert off.summary["cells_matching"] == 81
    assert off.evidence.empty


def test_original_2010_11_population_moves_the_2011_column(result):
    original = _reproduce(population={"default": "dfe_file", "by_year": []})
    new = result.comparison[result.comparison["primary"]].set_index(["indicator", "year"])
    old = original.comparison[original.comparison["primary"]].set_index(["indicator", "year"])
    rates = [
        label
        for label in new.index.get_level_values(0).unique()
        if label not in ("Re-referrals within 12 months", "Care Proceedings")
    ]
    for label in rates:
        if (label, 2011) not in new.index:
            continue  # continuous assessments start in 2014-15
        shift = old.loc[(label, 2011), "rho_reproduced"] - new.loc[(label, 2011), "rho_reproduced"]
        assert 0.015 < shift < 0.05, (label, shift)  # too high with the pre-census population
        for year in range(2012, 2018):
            if (label, year) in new.index and pd.notna(new.loc[(label, year), "rho_reproduced"]):
                assert old.loc[(label, year), "rho_reproduced"] == new.loc[(label, year), "rho_reproduced"]
