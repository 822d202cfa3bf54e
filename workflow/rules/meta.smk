# Stage 6: cross-cohort synthesis. The cohort list comes from the cohort sheet, so
# a new row adds one input here (and this job reruns) without touching the
# per-cohort outputs of finished cohorts.


rule summary:
    input:
        unpack(summary_inputs),
    output:
        hazard_ratios=report(res("summary/hazard_ratios.tsv"), category="Meta-analysis",
                             caption="../report/hazard_ratios.rst", labels={"table": "per-cohort hazard ratios"}),
        meta=report(res("summary/meta_analysis.tsv"), category="Meta-analysis",
                    caption="../report/meta.rst", labels={"table": "random-effects meta-analysis"}),
        loo=res("summary/leave_one_out.tsv"),
        multiplicity=report(res("summary/multiplicity.tsv"), category="Meta-analysis",
                            caption="../report/multiplicity.rst", labels={"table": "multiplicity (families)"}),
        forest_table=report(res("summary/forest.tsv"), category="Meta-analysis", caption="../report/forest_table.rst",
                            labels={"table": "forest plot data (weights)"}),
        forest=report(res("summary/forest.svg"), category="Meta-analysis", caption="../report/forest.rst",
                      labels={"figure": "forest plot"}),
    params:
        cohorts=COHORT_IDS,
        meta=config["meta"],
        primary=config["primary_signature"],
        roles={c: COHORTS[c].get("role", "validation") for c in COHORT_IDS},
        validated=VALIDATED,
        derived=[DERIVATION["name"]] if DERIVATION["enabled"] else [],
        multiplicity=config["multiplicity"],
        predictive_contrasts=PREDICTIVE.get("contrasts", []),
    log:
        res("logs/summary.log"),
    benchmark:
        res("benchmarks/summary.tsv"),
    threads: 1
    priority: 10
    resources:
        mem_mb=mem_mb(800, 5),
        runtime=runtime_min(5, 0.5),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/summary.py"
