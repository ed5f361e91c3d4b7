from pathlib import Path

import pytest

from csc_inequalities.config import ConfigError, load_schema, validate_config
from csc_inequalities.gradient.spec import model_files, model_jobs, strata_in_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gradient_defaults():
    return validate_config({}, load_schema(ROOT / "workflow" / "schemas"))["gradient"]


def test_default_job_spec(gradient_defaults):
    jobs = model_jobs(gradient_defaults)
    # 7 unstratified + gender 2x7 + age 5x7 + ethnicity 5 (referral) + class 7x2 + CP category 5.
    assert len(jobs) == 7 + 14 + 35 + 5 + 14 + 5
    assert jobs[("cpp", "cpp_latest_category", "emotional_abuse")] == "Emotional abuse"
    assert jobs[("referral", "age_group", "10-15")] == "10-15"
    assert "results/gradient/models/cpp/all/all.json" in model_files(jobs)
    assert strata_in_spec(gradient_defaults) == [
        "age_group",
        "cpp_latest_category",
        "demand_class",
        "ethnicity_group",
        "gender",
    ]
    assert gradient_defaults["power"]["iterations"] == 100 and gradient_defaults["truth_max_z"] == 2.5


def test_unknown_key_is_refused():
    with pytest.raises(ConfigError, match="config key gradient.power: Additional properties are not allowed"):
        validate_config({"gradient": {"power": {"iteration": 300}}}, load_schema(ROOT / "workflow" / "schemas"))
