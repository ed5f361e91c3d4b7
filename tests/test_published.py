"""One loader of the published headline figures: values by key, and errors that name what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from csc_inequalities.gradient.summary import published_figure18
from csc_inequalities.published import PublishedFigures

HEADLINE = Path(__file__).resolve().parents[1] / "resources" / "gradient" / "published" / "headline.yaml"


def test_values_read_from_the_shipped_file():
    published = PublishedFigures.load(HEADLINE)
    assert published.value("es_social_gradient_referrals_la_at_mean_deprivation") == 1.62
    assert published_figure18(published) == {("cpp", "lsoa_decile"): 1.31, ("cpp", "la_decile"): 0.78}


def test_a_renamed_key_is_an_error_naming_file_and_key():
    published = PublishedFigures({"fr_fig18_cp_plan_odds_per_decile_la_level_deprivation": {"value": 0.78}}, "h.yaml")
    with pytest.raises(
        KeyError, match="h.yaml: no published figure 'fr_fig18_cp_plan_odds_per_decile_child_level_deprivation'"
    ):
        published_figure18(published)


def test_a_range_is_not_a_value(tmp_path):
    path = tmp_path / "headline.yaml"
    path.write_text("figures:\n  spread: {low: 1.2, high: 2.4}\n")
    published = PublishedFigures.load(path)
    assert published.range("spread") == (1.2, 2.4)
    with pytest.raises(KeyError, match="published figure 'spread' has no 'value' \\(fields: low, high\\)"):
        published.value("spread")


def test_printed_is_the_studys_text_else_the_value_as_written():
    published = PublishedFigures.load(HEADLINE)
    assert published.printed("es_social_gradient_cp_plans") == "1.80"  # value 1.8
    assert published.printed("es_referral_rate_most_deprived_neighbourhoods_key_findings") == "1370"
    with pytest.raises(KeyError, match="'es_social_gradient_referrals_per_la_range' has no 'value'"):
        published.printed("es_social_gradient_referrals_per_la_range")
    with pytest.raises(KeyError, match="no published figure 'missing'"):
        published.printed("missing")


def test_a_file_without_figures_is_refused(tmp_path):
    path = tmp_path / "headline.yaml"
    path.write_text("sources: {}\n")
    with pytest.raises(ValueError, match="expected a mapping with a 'figures' section"):
        PublishedFigures.load(path)
