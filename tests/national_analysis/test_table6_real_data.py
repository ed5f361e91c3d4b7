"""Table 6 on the real public data shipped under resources/national/raw: the Referral row must
reproduce the published values within 0.01 with the same N for 2012-2017. Skips only when the
shipped raw files are absent (e.g. a source-only checkout)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.national.correlations import (
    correlation_indicators,
    pairwise_correlations,
    published_vs_reproduced,
    read_checked_csv,
    table6,
    without_las,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = validate_config({}, load_schema(ROOT / "workflow" / "schemas"))
RAW_DIR = ROOT / CONFIG["national_panel"]["raw_dir"]
PUBLISHED = ROOT / "resources/national_analysis/published/table06_imd_correlations.csv"

pytestmark = pytest.mark.skipif(
    not RAW_DIR.is_dir() or not any(RAW_DIR.iterdir()),
    reason=f"shipped raw national data absent ({RAW_DIR})",
)


@pytest.fixture(scope="module")
def comparison():
    from csc_inequalities.national.panel import build_panel

    panel_cfg = CONFIG["national_panel"]
    cfg = CONFIG["national_analysis"]
    panel, dictionary, _ = build_panel(
        RAW_DIR, first_year=2010, last_year=2017, rate_source=panel_cfg["rate_source"],
        workforce_year_offset=panel_cfg["workforce_year_offset"],
    )
    panel = without_las(panel, cfg["correlations"]["exclude_las"])
    labelled = dictionary[dictionary["table6_label"].notna() & (dictionary["table6_label"] != "")]
    indicators = correlation_indicators(panel, dictionary, cfg["imd_indicator"], list(labelled["indicator"]))
    pairwise = pairwise_correlations(panel, indicators, years=range(2011, 2018),
                                     min_n=cfg["correlations"]["min_n"])
    published = read_checked_csv(PUBLISHED, PUBLISHED.parent / "manifest.sha256")
    t6 = table6(pairwise, dictionary, cfg["imd_indicator"], cfg["table6"]["years"],
                primary=cfg["table6"]["primary"])
    return published_vs_reproduced(published, pairwise, dictionary, cfg["imd_indicator"],
                                   cfg["table6"]["primary"], cfg["table6"]["tolerance"]), t6


def test_referral_row_reproduces_2012_to_2017(comparison):
    cmp, _ = comparison
    referral = cmp[(cmp["indicator"] == "Referral") & cmp["primary"]].set_index("year")
    assert list(referral.loc[2012:2017, "source_indicator"].unique()) == ["referrals_rate"]
    for year in range(2012, 2018):
        row = referral.loc[year]
        assert abs(row["rho_reproduced"] - row["rho_published"]) <= 0.01, year
        assert int(row["n_reproduced"]) == int(row["n_published"]), year


def test_rows_that_reproduce_every_year(comparison):
    cmp, _ = comparison
    for label in ["Re-referrals within 12 months", "Assessment: Continuous"]:
        rows = cmp[(cmp["indicator"] == label) & cmp["primary"]]
        assert len(rows) >= 3
        assert rows["match"].all(), rows[["year", "diff", "n_reproduced", "n_published"]]


def test_care_proceedings_before_2015_cannot_be_supplied(comparison):
    cmp, t6 = comparison
    care = cmp[cmp["indicator"] == "Care Proceedings"].set_index("year")
    assert care.loc[2011:2014, "rho_reproduced"].isna().all()
    assert care.loc[2011:2014, "note"].str.startswith("the public files hold no care_proceedings_rate").all()
    assert sorted(t6.loc[t6["indicator"] == "Care Proceedings", "year"]) == [2015, 2016, 2017]
    assert pd.notna(care.loc[2015, "rho_reproduced"])
