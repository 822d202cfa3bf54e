# Stage 5: survival and response models per cohort (all signatures and comparators).

rule survival:
    input:
        scores="results/cohorts/{cohort}/scores.tsv",
        clinical="results/cohorts/{cohort}/validated/clinical.tsv",
    output:
        cox=report("results/cohorts/{cohort}/survival/cox.tsv", category="{cohort}", subcategory="Survival",
                   caption="../report/cox.rst", labels={"cohort": "{cohort}", "table": "Cox models"}),
        logrank="results/cohorts/{cohort}/survival/logrank.tsv",
        km="results/cohorts/{cohort}/survival/km.tsv",
        km_median="results/cohorts/{cohort}/survival/km_median.tsv",
        cox_zph="results/cohorts/{cohort}/survival/cox_zph.tsv",
        interaction="results/cohorts/{cohort}/survival/interaction.tsv",
        discrimination="results/cohorts/{cohort}/survival/discrimination.tsv",
        response="results/cohorts/{cohort}/survival/response.tsv",
        maxstat="results/cohorts/{cohort}/survival/maxstat_exploratory.tsv",
        power="results/cohorts/{cohort}/survival/power.tsv",
        skipped="results/cohorts/{cohort}/survival/skipped_models.tsv",
        km_plots=[
            report(f"results/cohorts/{{cohort}}/survival/km_{s}.svg", category="{cohort}", subcategory="Survival",
                   caption="../report/km.rst", labels={"cohort": "{cohort}", "signature": s, "figure": "Kaplan-Meier"})
            for s in SIG_NAMES
        ],
        interaction_plot=report("results/cohorts/{cohort}/survival/interaction.svg", category="{cohort}", subcategory="Survival",
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
