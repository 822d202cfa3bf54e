# mitoscore: validate the AML MitoScore (or any expression signature) on patient cohorts.
# Thin entry point: configuration, rule files per stage, and the final target.
from snakemake.utils import min_version

min_version("9.0")


# The bundled demo configuration is read only when no --configfile is given: a user's
# config is never merged over the demo's (which would inherit its derivation, contrasts
# and SYNTHETIC reporting text). Omitted keys take the schema defaults
# (workflow/schemas/config.schema.yaml). Start a real study from config/templates/.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/derive.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/de.smk"
include: "workflow/rules/gsea.smk"
include: "workflow/rules/survival.smk"
include: "workflow/rules/validation.smk"
include: "workflow/rules/random_null.smk"
include: "workflow/rules/meta.smk"
include: "workflow/rules/describe.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/run_record.smk"


rule all:
    input:
        all_targets(),
    default_target: True
