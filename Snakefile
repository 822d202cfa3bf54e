# mitoscore: validate the AML MitoScore (or any expression signature) on patient cohorts.
# Thin entry point: configuration, rule files per stage, and the final target.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/derive.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/de.smk"
include: "workflow/rules/survival.smk"
include: "workflow/rules/meta.smk"
include: "workflow/rules/describe.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        all_targets(),
    default_target: True
