# Stage 7: the self-contained HTML report, rendered from result tables only.


rule report:
    input:
        unpack(report_inputs),
    output:
        html="results/report/index.html",
        provenance="results/report/provenance.tsv",
    params:
        cohorts=lambda w: {c: cohort_params(r) for c, r in COHORTS.items()},
        config=REPORT_CONFIG,
        cohort_sheet=COHORT_SHEET,
        # relative paths: moving a finished run directory must not re-trigger the report
        config_files=lambda w: sorted({os.path.relpath(f) for f in workflow.configfiles}),
    log:
        "results/logs/report.log",
    threads: 1
    resources:
        mem_mb=mem_mb(1500, 3),
        runtime=runtime_min(10, 0.2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/report.py"
