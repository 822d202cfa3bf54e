# Stage 5: survival and response models per cohort (all signatures and comparators).

SIG_NAMES = [s["name"] for s in config["signatures"]]


rule survival:
    input:
        scores=R + "/scores.tsv",
        clinical=R + "/validated/clinical.tsv",
    output:
        cox=report(R + "/survival/cox.tsv", category="{cohort}", subcategory="Survival",
                   caption="../report/cox.rst", labels={"cohort": "{cohort}", "table": "Cox models"}),
        logrank=R + "/survival/logrank.tsv",
        km=R + "/survival/km.tsv",
        km_median=R + "/survival/km_median.tsv",
        cox_zph=R + "/survival/cox_zph.tsv",
        interaction=R + "/survival/interaction.tsv",
        discrimination=R + "/survival/discrimination.tsv",
        response=R + "/survival/response.tsv",
        maxstat=R + "/survival/maxstat_exploratory.tsv",
        power=R + "/survival/power.tsv",
        skipped=R + "/survival/skipped_models.tsv",
        km_plots=[
            report(f"results/cohorts/{{cohort}}/survival/km_{s}.svg", category="{cohort}", subcategory="Survival",
                   caption="../report/km.rst", labels={"cohort": "{cohort}", "signature": s, "figure": "Kaplan-Meier"})
            for s in SIG_NAMES
        ],
        interaction_plot=report(R + "/survival/interaction.svg", category="{cohort}", subcategory="Survival",
                                caption="../report/interaction.rst",
                                labels={"cohort": "{cohort}", "figure": "score x treatment"}),
    params:
        cohort=cohort_row,
        survival=config["survival"],
        cutpoint=config["cutpoint"],
        primary=config["primary_signature"],
        signatures=SIG_NAMES,
    log:
        "results/logs/{cohort}/survival.log",
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 20),
        runtime=runtime_min(10, 2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/survival.py"
