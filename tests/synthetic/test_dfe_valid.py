"""Every CIN census return the generator writes for a small configuration (config/ci-tiny.yaml:
two real LAs following their published totals and stocks, five collection years, episodes open at
the period's start included) passes DfE's CIN census validation rules of its year: no error-level
finding (and no query either)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from csc_inequalities.childlevel.dfe import rules_for_year
from csc_inequalities.childlevel.extracts import LAFiles, validate_la
from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
from csc_inequalities.national.panel import build_panel
from csc_inequalities.synthetic.run import generate_all

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    config = validate_config(
        yaml.safe_load((ROOT / "config" / "ci-tiny.yaml").read_text()), load_schema(ROOT / "workflow" / "schemas")
    )
    synthetic = config["synthetic"]
    reference = build_lsoa_reference(ROOT / "resources" / "lsoa")
    population = build_lsoa_population(ROOT / "resources" / "lsoa", reference)
    population = population[population["la_code"].isin(synthetic["las"])]
    panel, _, _ = build_panel(ROOT / "resources" / "national" / "raw", first_year=2013, last_year=2019)
    assert synthetic["referrals_from_panel"]
    out = tmp_path_factory.mktemp("extracts")
    result = generate_all(
        synthetic,
        reference,
        population,
        str(ROOT / "resources" / "lca" / "published"),
        synthetic["lea_codes"],
        str(out),
        bytes(32),
        panel,
    )
    return synthetic, result, set(reference["lsoa11"])


def test_every_generated_return_has_no_dfe_finding(generated):
    synthetic, result, lsoa_codes = generated
    years = list(range(synthetic["first_year"], synthetic["last_year"] + 1))
    assert len(rules_for_year(years[0])) == 69
    checked = 0
    for la_code, files in result["manifest"].items():
        la_files = LAFiles(
            la_code, {int(y): p for y, p in files["cin_census"].items()}, files["ssda903"], files["child_lsoa"]
        )
        assert sorted(la_files.cin_census) == years
        returns, _, _, findings, _ = validate_la(la_files, lsoa_codes, dfe_rules=True)
        assert len(returns) == len(years)
        assert findings.empty, findings["message"].head(5).tolist()
        checked += sum(len(r.tables["cin_details"]) for r in returns)
    assert checked > 5000  # episode-returns checked: the rules saw real volume
