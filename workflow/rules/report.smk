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
        workdir=lambda w: str(Path.cwd()),
        basedir=workflow.basedir,
        config_files=lambda w: [str(f) for f in workflow.configfiles],
    log:
        "results/logs/report.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/report.py"
