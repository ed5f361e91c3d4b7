# Reproducible re-analysis of Hood, Goldacre, Gorin, Bywaters & Webb (2020) and the 2021
# national social-gradient follow-up. This file is the table of contents: each strand's rules
# live in workflow/rules/<strand>.smk; workflow/rules/common.smk validates the config and holds
# helpers. `snakemake -n -p` lists every job; `snakemake --report` builds Snakemake's own report.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/national_panel.smk"
include: "workflow/rules/national_analysis.smk"
include: "workflow/rules/synthetic.smk"
include: "workflow/rules/childlevel.smk"
include: "workflow/rules/lca.smk"
include: "workflow/rules/gradient.smk"
include: "workflow/rules/la_report.smk"
include: "workflow/rules/report_summary.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        report=rules.report.output.html,
        privacy_check=rules.privacy_check.output.check,
        values=rules.report_values.output.values,
