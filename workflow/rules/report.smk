# Stage 7: the self-contained HTML report, rendered from result tables only. Its inputs are
# declared once (mitoscore/report/inputs.py, expanded by common.smk::report_inputs).


rule report:
    input:
        unpack(report_inputs),
    output:
        html=report(res("report/index.html"), category="Report", caption="../report/report_html.rst",
                    labels={"file": "HTML report (self-contained)"}),
        provenance=report(res("report/provenance.tsv"), category="Report", subcategory="Provenance",
                          caption="../report/provenance.rst", labels={"table": "provenance"}),
        packages=report(res("report/packages.lock.txt"), category="Report", subcategory="Provenance",
                        caption="../report/packages.rst", labels={"file": "resolved Python packages (lock)"}),
    params:
        cohorts=lambda w: {c: cohort_params(r) for c, r in COHORTS.items()},
        config=REPORT_CONFIG,
        cohort_sheet=COHORT_SHEET,
        # relative paths: moving a finished run directory must not re-trigger the report
        config_files=lambda w: sorted({os.path.relpath(f) for f in workflow.configfiles}),
    log:
        res("logs/report.log"),
    benchmark:
        res("benchmarks/report.tsv"),
    threads: 1
    priority: 10
    resources:
        mem_mb=mem_mb(1500, 3),
        runtime=runtime_min(10, 0.2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/report.py"
