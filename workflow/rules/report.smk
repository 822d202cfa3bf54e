# Stage 7: the self-contained HTML report, rendered from result tables only.


def report_inputs(wildcards):
    files = {"summary": "results/summary/hazard_ratios.tsv", "meta": "results/summary/meta_analysis.tsv",
             "loo": "results/summary/leave_one_out.tsv", "forest": "results/summary/forest.svg"}
    per = []
    for c in COHORT_IDS:
        per += per_cohort_targets(c)
        per += [f"results/cohorts/{c}/validated/flow.tsv", f"results/cohorts/{c}/validated/input_checksums.tsv",
                f"results/cohorts/{c}/validated/clinical.tsv", f"results/cohorts/{c}/signature_coverage.tsv"]
    files["cohort_files"] = per
    files["signatures"] = SIGNATURE_FILES
    return files


rule report:
    input:
        unpack(report_inputs),
    output:
        html="results/report/index.html",
        provenance="results/report/provenance.tsv",
    params:
        cohorts=lambda w: {c: cohort_params(r) for c, r in COHORTS.items()},
        config=config,
        cohort_sheet=COHORT_SHEET,
        workdir=lambda w: str(Path.cwd()),
        basedir=workflow.basedir,
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
