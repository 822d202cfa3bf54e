# Stage 5: survival and response models per cohort (all signatures and comparators).

rule survival:
    input:
        scores=res("cohorts/{cohort}/scores.tsv"),
        clinical=res("cohorts/{cohort}/validated/clinical.tsv"),
    output:
        cox=report(res("cohorts/{cohort}/survival/cox.tsv"), category="{cohort}", subcategory="Survival",
                   caption="../report/cox.rst", labels={"cohort": "{cohort}", "table": "Cox models"}),
        logrank=report(res("cohorts/{cohort}/survival/logrank.tsv"), category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "log-rank"}),
        km=res("cohorts/{cohort}/survival/km.tsv"),
        km_median=report(res("cohorts/{cohort}/survival/km_median.tsv"), category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "median OS"}),
        cox_zph=report(res("cohorts/{cohort}/survival/cox_zph.tsv"), category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "PH diagnostics (cox.zph)"}),
        interaction=report(res("cohorts/{cohort}/survival/interaction.tsv"), category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "score x treatment"}),
        discrimination=report(res("cohorts/{cohort}/survival/discrimination.tsv"), category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "discrimination"}),
        response=report(res("cohorts/{cohort}/survival/response.tsv"), category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "response"}),
        maxstat=report(res("cohorts/{cohort}/survival/maxstat_exploratory.tsv"), category="{cohort}", subcategory="Survival", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "maxstat (EXPLORATORY)"}),
        power=res("cohorts/{cohort}/survival/power.tsv"),
        skipped=res("cohorts/{cohort}/survival/skipped_models.tsv"),
        predictive=report(res("cohorts/{cohort}/survival/predictive.tsv"), category="{cohort}", subcategory="Predictive",
                   caption="../report/predictive.rst", labels={"cohort": "{cohort}", "table": "predictive contrasts (score x arm)"}),
        treatment_effect=report(res("cohorts/{cohort}/survival/treatment_effect.tsv"), category="{cohort}", subcategory="Predictive",
                   caption="../report/table.rst", labels={"cohort": "{cohort}", "table": "treatment effect along the score"}),
        km_by_arm=res("cohorts/{cohort}/survival/km_by_arm.tsv"),
        response_by_arm=report(res("cohorts/{cohort}/survival/response_by_arm.tsv"), category="{cohort}", subcategory="Predictive",
                   caption="../report/table.rst", labels={"cohort": "{cohort}", "table": "response by arm (score x arm)"}),
        predictive_contrasts=report(res("cohorts/{cohort}/survival/predictive_contrasts.tsv"), category="{cohort}",
                   subcategory="Predictive", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "predictive contrasts analysed / skipped"}),
        treatment_effect_plots=[
            report(res(f"cohorts/{{cohort}}/survival/treatment_effect_{c}.svg"), category="{cohort}", subcategory="Predictive",
                   caption="../report/treatment_effect.rst",
                   labels={"cohort": "{cohort}", "contrast": c, "figure": "treatment effect along the score"})
            for c in PRED_CONTRASTS
        ],
        km_by_arm_plots=[
            report(res(f"cohorts/{{cohort}}/survival/km_by_arm_{c}.svg"), category="{cohort}", subcategory="Predictive",
                   caption="../report/km_by_arm.rst",
                   labels={"cohort": "{cohort}", "contrast": c, "figure": "Kaplan-Meier by arm x score group"})
            for c in PRED_CONTRASTS
        ],
    params:
        cohort=cohort_models,  # only the columns the models read (MODEL_COLUMNS)
        survival=config["survival"],
        cutpoint=config["cutpoint"],
        primary=config["primary_signature"],
        estimation=estimation_of,
        predictive=PREDICTIVE,
    log:
        res("logs/{cohort}/survival.log"),
    benchmark:
        res("benchmarks/{cohort}/survival.tsv"),
    threads: 1
    priority: 20
    resources:
        mem_mb=mem_mb(1000, 20),
        runtime=runtime_min(10, 2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/survival.py"


rule km_plot:
    input:
        km=res("cohorts/{cohort}/survival/km.tsv"),
        logrank=res("cohorts/{cohort}/survival/logrank.tsv"),
        cox=res("cohorts/{cohort}/survival/cox.tsv"),
    output:
        svg=report(res("cohorts/{cohort}/survival/km_{signature}.svg"), category="{cohort}", subcategory="Survival",
                   caption="../report/km.rst", labels={"cohort": "{cohort}", "signature": "{signature}",
                                                       "figure": "Kaplan-Meier"}),
    params:
        cut_rule=config["cutpoint"]["rule"],
    log:
        res("logs/{cohort}/km_plot_{signature}.log"),
    benchmark:
        res("benchmarks/{cohort}/km_plot_{signature}.tsv"),
    threads: 1
    resources:
        mem_mb=mem_mb(600, 5),
        runtime=runtime_min(3, 0.2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/km_plot.py"


rule interaction_figure:
    input:
        interaction=expand(res("cohorts/{cohort}/survival/interaction.tsv"), cohort=COHORT_IDS),
    output:
        svg=report(res("summary/interaction.svg"), category="Meta-analysis", caption="../report/interaction.rst",
                   labels={"figure": "score x treatment, all cohorts"}),
    params:
        cohorts=COHORT_IDS,
        primary=config["primary_signature"],
        reference_arms={c: COHORTS[c].get("reference_arm", "") for c in COHORT_IDS},
    log:
        res("logs/interaction_figure.log"),
    benchmark:
        res("benchmarks/interaction_figure.tsv"),
    threads: 1
    resources:
        mem_mb=mem_mb(600, 5),
        runtime=runtime_min(3, 0.2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/interaction_figure.py"
