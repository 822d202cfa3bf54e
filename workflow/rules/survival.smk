# Stage 5: survival and response models per cohort (all signatures and comparators).

rule survival:
    input:
        scores="results/cohorts/{cohort}/scores.tsv",
        clinical="results/cohorts/{cohort}/validated/clinical.tsv",
    output:
        cox=report("results/cohorts/{cohort}/survival/cox.tsv", category="{cohort}", subcategory="Survival",
                   caption="../report/cox.rst", labels={"cohort": "{cohort}", "table": "Cox models"}),
        logrank=report("results/cohorts/{cohort}/survival/logrank.tsv", category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "log-rank"}),
        km="results/cohorts/{cohort}/survival/km.tsv",
        km_median=report("results/cohorts/{cohort}/survival/km_median.tsv", category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "median OS"}),
        cox_zph=report("results/cohorts/{cohort}/survival/cox_zph.tsv", category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "PH diagnostics (cox.zph)"}),
        interaction=report("results/cohorts/{cohort}/survival/interaction.tsv", category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "score x treatment"}),
        discrimination=report("results/cohorts/{cohort}/survival/discrimination.tsv", category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "discrimination"}),
        response=report("results/cohorts/{cohort}/survival/response.tsv", category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "response"}),
        maxstat=report("results/cohorts/{cohort}/survival/maxstat_exploratory.tsv", category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "maxstat (EXPLORATORY)"}),
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
        estimation=estimation_of,
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
