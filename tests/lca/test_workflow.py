"""End to end: the LCA rules on a tiny planted data set, then the report section renders."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from csc_inequalities.lca import simulate

ROOT = Path(__file__).resolve().parents[2]
TARGETS = [
    "results/lca/recovery.json",
    "results/lca/configural_sweep.csv",
    "results/lca/tables/table11.csv",
    "results/lca/assignment_summary.csv",
    "results/lca/tables/table13.csv",
]
# Only the LCA rules run: the files they read from other strands are planted below.
LCA_RULES = [
    "lca_items",
    "lca_samples",
    "lca_configural_sweep",
    "lca_invariance",
    "lca_final",
    "lca_assign",
    "lca_tables",
    "lca_rates",
    "lca_recovery",
]
TINY = {
    "lca": {
        "sample_per_la": 300,
        "starts": 2,
        "screen_iter": 10,
        "refine": 1,
        "configural_classes": [1, 2],
        "invariance_classes": [3, 4],
    }
}


@pytest.mark.slow
def test_lca_rules_end_to_end_and_report_section(tmp_path):
    for name in ("resources", "report", "src", "envs", "config"):
        os.symlink(ROOT / name, tmp_path / name)
    (tmp_path / "workflow").mkdir()
    for name in ("rules", "scripts", "schemas", "resources.yaml"):
        os.symlink(ROOT / "workflow" / name, tmp_path / "workflow" / name)
    # The whole workflow (the LCA rules refer to other strands' outputs through rules.<rule>.output),
    # and the LCA section's inputs as the rule file builds them (lca_report_inputs), for the render below.
    os.symlink(ROOT / "Snakefile", tmp_path / "workflow.smk")
    (tmp_path / "Snakefile").write_text(
        'include: "workflow.smk"\n\n'
        "import json\n\n"
        'Path("lca_report_inputs.json").write_text(\n'
        "    json.dumps({k: str(v) for k, v in lca_report_inputs(sweep=True, synthetic=True).items()})\n"
        ")\n"
    )
    truth = simulate.default_truth(["E09000001", "E09000002"])
    episodes = simulate.add_covariates(simulate.simulate_episodes(truth, 700, seed=1), seed=2)
    episodes.loc[episodes.index[:7], "assessed"] = False
    (tmp_path / "results/record_level").mkdir(parents=True)
    (tmp_path / "results/synthetic").mkdir()
    episodes.drop(columns="true_class").to_parquet(tmp_path / "results/record_level/episodes.parquet")
    (tmp_path / "results/synthetic/truth.yaml").write_text(yaml.safe_dump({"lca": truth}))
    population, reference = simulate.simulate_population(["E09000001", "E09000002"])
    (tmp_path / "results/lsoa").mkdir()
    population.to_parquet(tmp_path / "results/lsoa/lsoa_population.parquet")
    reference.to_parquet(tmp_path / "results/lsoa/lsoa_reference.parquet")
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    run = subprocess.run(
        [
            str(ROOT / ".venv/bin/snakemake"),
            "--nolock",
            "--cores",
            "2",
            *TARGETS,
            "--configfile",
            "tiny.yaml",
            "--allowed-rules",
            *LCA_RULES,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"},
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    classes = pd.read_parquet(tmp_path / "results/record_level/episode_classes.parquet")
    assert len(classes) == len(episodes)  # every episode, not only the samples
    assert classes["class_id"].isna().sum() == 7  # the unassessed ones
    fit = pd.read_csv(tmp_path / "results/lca/invariance_fit.csv")
    assert set(fit["model"]) == {"configural", "invariant"}
    assert (fit.groupby("classes")["log_likelihood"].agg(lambda s: s.iloc[0] >= s.iloc[1])).all()
    recovery = json.loads((tmp_path / "results/lca/recovery.json").read_text())
    assert (
        recovery["n_classes_matched"] == json.loads((tmp_path / "results/lca/final_model.json").read_text())["classes"]
    )

    # The report section renders from the result files alone.
    from csc_inequalities.report.render import make_environment
    from csc_inequalities.report.sections import lca as section

    report_inputs = json.loads((tmp_path / "lca_report_inputs.json").read_text())
    assert {"recovery", "sweep", "table11", "table13", "figure13_gender_png"} <= set(report_inputs)
    missing = sorted(key for key, path in report_inputs.items() if not (tmp_path / path).exists())
    assert missing == []  # every input of the section is an output the LCA rules wrote
    inputs = {k: str(tmp_path / v) for k, v in report_inputs.items()}
    context = section.build_context(inputs, {})
    html = (
        make_environment(ROOT / "report/templates")
        .get_template("sections/lca.html.j2")
        .render(inputs=inputs, config={}, synthetic=True, **context)
    )
    assert "Recovered vs truth (synthetic run)" in html
    assert "This run uses synthetic data" in html
    assert "BIC prefers the <b>" in html
