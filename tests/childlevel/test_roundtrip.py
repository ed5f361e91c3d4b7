"""Round trip: the synthetic generator's files -> readers -> validation -> episodes equal the
generator's own episode table (docs/data-model.md), on a tiny generated data set.

The workflow runs the same comparison on every synthetic run (rule childlevel_roundtrip)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csc_inequalities.childlevel.episodes import build_episodes, compare
from csc_inequalities.childlevel.extracts import LAFiles, load_la
from csc_inequalities.config import load_schema, validate_config

ROOT = Path(__file__).resolve().parents[2]
LAS = ["E06000038", "E09000021"]
KEY = bytes(range(32))


def _tiny_area():
    rows, population = [], []
    for la_index, la_code in enumerate(LAS):
        for i in range(10):
            decile = 1 + (i + 3 * la_index) % 10
            lsoa = f"E01{la_index:03d}{i:03d}"
            rows.append(
                {
                    "lsoa11": lsoa,
                    "lad13": la_code,
                    "la_code": la_code,
                    "la_name": la_code,
                    "imd2015_score": 4.0 + 6.0 * decile + 0.1 * i,
                    "imd2015_rank": 30000 - 3000 * decile,
                    "imd_decile_official": 11 - decile,
                    "imd_decile_least1": decile,
                    "income_rate_approx": 0.02 * decile,
                    "la_imd2015_avg_score": 25.0 + la_index,
                    "la_imd2015_rank_avg_score": 50 + la_index,
                    "la_imd_decile_least1": 4 + 3 * la_index,
                }
            )
            for age in range(18):
                for sex in ("male", "female"):
                    for group, share in (
                        ("White", 0.7),
                        ("Mixed", 0.05),
                        ("Asian", 0.12),
                        ("Black", 0.1),
                        ("Other", 0.03),
                    ):
                        population.append(
                            {
                                "lsoa11": lsoa,
                                "la_code": la_code,
                                "age": age,
                                "sex": sex,
                                "ethnicity_group": group,
                                "population": 6.0 * share,
                            }
                        )
    return pd.DataFrame(rows), pd.DataFrame(population)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    run = pytest.importorskip("csc_inequalities.synthetic.run")
    schemas = tmp_path_factory.mktemp("schemas")
    (schemas / "sections").mkdir()
    shutil.copy(ROOT / "workflow/schemas/config.schema.yaml", schemas / "config.schema.yaml")
    shutil.copy(ROOT / "workflow/schemas/sections/synthetic.schema.yaml", schemas / "sections")
    config = validate_config({"synthetic": {"las": LAS}}, load_schema(schemas))["synthetic"]
    reference, population = _tiny_area()
    out = tmp_path_factory.mktemp("extracts")
    result = run.generate_all(
        config,
        reference,
        population,
        str(ROOT / "resources/lca/published"),
        {"E06000038": "870", "E09000021": "314"},
        str(out),
        KEY,
    )
    return result, reference


def test_generator_files_read_back_into_the_generators_episode_table(generated):
    result, reference = generated
    theirs = result["episodes"]
    assert len(theirs) > 200  # enough episodes for every flag to occur
    ours = []
    for la_code, files in result["manifest"].items():
        la_files = LAFiles(
            la_code, {int(y): p for y, p in files["cin_census"].items()}, files["ssda903"], files["child_lsoa"]
        )
        loaded = load_la(la_files, set(reference["lsoa11"]), KEY)
        assert loaded.findings.empty, loaded.findings["message"].head().tolist()
        ours.append(
            build_episodes(
                loaded.tables, loaded.ssda903, loaded.child_lsoa, reference, la_code, max(la_files.cin_census)
            )
        )
    ours = pd.concat(ours, ignore_index=True)
    assert compare(ours, theirs) == {}
    # the comparison is not vacuous: the flags vary across episodes
    for flag in ("assessed", "s47", "cpp", "lac", "rereferral_12m"):
        assert 0 < ours[flag].sum() < len(ours), flag
    assert np.isin(ours["referral_year"].unique(), [2014, 2015, 2016, 2017, 2018]).all()
