# Config validation and helpers shared by every rule file.
import os
import sys
from pathlib import Path

# The package is importable here through sys.path, in venv jobs through the editable install,
# and in conda-env jobs through workflow/scripts/csc_inequalities (a link to src/csc_inequalities:
# Snakemake puts a script's folder on its sys.path), so conda envs need not install it.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from csc_inequalities.code_deps import package_sources
from csc_inequalities.config import load_schema, validate_config

# A wrong key or type stops here, before any job, with a message naming the key.
config.update(validate_config(config, load_schema(Path(workflow.basedir) / "workflow/schemas")))

# One BLAS/OpenMP thread in every job (local, cluster, conda or venv): numerical results then do not
# depend on where a job ran, and parallel jobs do not oversubscribe the cores. Jobs inherit this
# environment (SLURM's sbatch exports it; the job's own snakemake re-reads this file).
for _variable in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_variable] = "1"

# Per-rule memory and run time for schedulers, from measured benchmark files (workflow/resources.yaml
# says where each figure comes from). Each scales with the size of the job's inputs, and grows
# with the attempt number when a job is retried after running out of memory or time.
import yaml

RULE_RESOURCES = yaml.safe_load((Path(workflow.basedir) / "workflow/resources.yaml").read_text())["rules"]


def _scaled(rule, key):
    spec = RULE_RESOURCES[rule][key]

    def amount(wildcards, input, attempt):
        return int(round((spec["base"] + spec.get("per_input_gb", 0) * input.size_mb / 1024) * attempt))

    return amount


def resource_mb(rule):
    """mem_mb of a rule: measured peak at the scale of its inputs, with headroom."""
    return _scaled(rule, "mem_mb")


def resource_minutes(rule):
    """runtime (minutes) of a rule: measured wall time at the scale of its inputs, with headroom."""
    return _scaled(rule, "runtime")


# Each strand registers what its report section needs: REPORT_SECTIONS[name] = {
#   "order": int, "template": "sections/<name>.html.j2", "inputs": {key: path, ...}}.
REPORT_SECTIONS = {}


def script_path(name):
    """Path of a workflow script, given as the rule input "script" so that its checksum is
    recorded in the provenance and editing it reruns the rule."""
    return f"workflow/scripts/{name}"


def package_code(name):
    """The package modules a workflow script imports (csc_inequalities.code_deps), each rule's input
    "code": editing one reruns exactly the rules whose scripts use it, and their dependents.
    """
    return package_sources(f"workflow/scripts/{name}", "src/csc_inequalities")


def env_file(name):
    return f"../../envs/{name}.yaml"


def synthetic_panel_input(wildcards):
    """The national panel, an input of the generator only when it draws referrals from the panel."""
    return {"panel": rules.national_panel.output.panel} if config["synthetic"]["referrals_from_panel"] else {}


def lca_report_inputs(sweep, synthetic):
    """The LCA report section's inputs {key: path}, each an output of an LCA rule (workflow/rules/lca.smk,
    which must be included first). The per-LA sweep is optional (national scale, lca.configural_sweep);
    recovery only exists for synthetic runs. tests/lca/test_workflow.py renders the section from it."""
    final, tables, rates = rules.lca_final.output, rules.lca_tables.output, rules.lca_rates.output
    inputs = {
        "items": rules.lca_items.output.item_table,
        "items_provenance": rules.lca_items.output.provenance,
        "sample_sizes": rules.lca_samples.output.sizes,
        "samples_provenance": rules.lca_samples.output.provenance,
        "fit_table": rules.lca_invariance.output.fit_table,
        "invariance_provenance": rules.lca_invariance.output.provenance,
        "final_model": final.model,
        "profiles": final.profiles,
        "matching": final.matching,
        "shares": final.shares,
        "heatmap_png": final.heatmap,
        "cross_validation": final.cross_validation,
        "final_provenance": final.provenance,
        "assignment_summary": rules.lca_assign.output.summary,
        "assign_provenance": rules.lca_assign.output.provenance,
        "tables_provenance": tables.provenance,
        "table13": rates.table13,
        "rates_age": rates.rates_age,
        "rates_ethnicity": rates.rates_ethnicity,
        "ratio": rates.ratio,
        "ratio_png": rates.ratio_png,
        "age_rates_png": rates.age_png,
        "ethnicity_rates_png": rates.ethnicity_png,
        "rates_provenance": rates.provenance,
        **{name: tables[name] for name in LCA_TABLES},
        **{f"{name}_png": tables[f"{name}_png"] for name in LCA_FIGURES},
    }
    if sweep:
        sweep_outputs = rules.lca_configural_sweep.output
        inputs |= {
            "sweep": sweep_outputs.sweep,
            "elbow_png": sweep_outputs.elbow,
            "sweep_provenance": sweep_outputs.provenance,
        }
    if synthetic:
        recovery = rules.lca_recovery.output
        inputs |= {
            "recovery": recovery.summary,
            "recovery_items": recovery.item_errors,
            "recovery_shares": recovery.shares,
            "recovery_png": recovery.figure,
            "recovery_provenance": recovery.provenance,
        }
    return inputs


def report_section_inputs(wildcards):
    """All result files every registered section reads, as named inputs <section>__<key>."""
    return {
        f"{name}__{key}": path for name, section in REPORT_SECTIONS.items() for key, path in section["inputs"].items()
    }


def report_section_specs():
    return {
        name: {
            "order": section.get("order", 100),
            "title": section.get("title", name),
            # plain paths (a section may list rules.<rule>.output.<name>, which carries the output's flags)
            "inputs": {key: str(path) for key, path in section["inputs"].items()},
        }
        for name, section in REPORT_SECTIONS.items()
    }


def report_template_dir(templates):
    """The template folder, inferred from the template files (base.html.j2 sits at its top)."""
    return str(Path([t for t in templates if Path(t).name == "base.html.j2"][0]).parent)


# The appendix's time and memory table reads the benchmark files of this run's jobs only: the
# jobs upstream of the report's inputs, found by walking the rules' declared inputs from those files
# (Snakemake's own producer matching), never a glob of results/benchmarks/ (which would mix in
# earlier runs and other configs). The report and the rules after it are not in its own appendix.
def run_benchmarks(targets):
    from snakemake.iocontainers import Wildcards

    seen_files, seen_jobs, benchmarks = set(), set(), set()
    stack = [str(t) for t in targets]
    while stack:
        path = stack.pop()
        if path in seen_files:
            continue
        seen_files.add(path)
        for rule_ in workflow.rules:
            if rule_.name in (
                "report",
                "report_pdf",
                "report_values",
                "privacy_check",
            ) or not rule_.is_producer(path):
                continue
            wildcards = rule_.get_wildcards(path)
            key = (rule_.name, tuple(sorted(wildcards.items())))
            if key in seen_jobs:
                break
            seen_jobs.add(key)
            if rule_.benchmark is not None:
                benchmarks.add(str(rule_.benchmark.apply_wildcards(wildcards)))
            inputs = rule_.expand_input(Wildcards(fromdict=wildcards))[0]
            stack.extend(str(f) for f in inputs)
            break
    return sorted(benchmarks)
