# Stage 1: validate inputs, harmonise gene ids, standardise the clinical table.


rule validate_inputs:
    input:
        unpack(cohort_inputs),
    output:
        counts=res("cohorts/{cohort}/validated/counts.parquet"),
        clinical=res("cohorts/{cohort}/validated/clinical.tsv"),
        flow=report(res("cohorts/{cohort}/validated/flow.tsv"), category="{cohort}", subcategory="Patient flow",
                    caption="../report/flow.rst", labels={"cohort": "{cohort}", "table": "patient flow"}),
        gene_map=res("cohorts/{cohort}/validated/gene_map.tsv"),
        checksums=res("cohorts/{cohort}/validated/input_checksums.tsv"),
        endpoint=res("cohorts/{cohort}/validated/endpoint.tsv"),
    params:
        cohort=cohort_row,
        contrasts=clinical_contrasts,
        sheet=COHORT_SHEET,
    log:
        res("logs/{cohort}/validate_inputs.log"),
    benchmark:
        res("benchmarks/{cohort}/validate_inputs.tsv"),
    threads: 1
    priority: 50
    resources:
        mem_mb=mem_mb(1000, 12),
        runtime=runtime_min(5, 0.2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/validate_inputs.py"
