# Stage 5b: TRIPOD external validation with a frozen model. The discovery cohort's
# standardisation, cut and Cox models are frozen once (freeze_model, reads only the
# discovery cohort) and applied unchanged in every validation cohort (validate_frozen),
# so adding a validation cohort adds one job and never rebuilds the frozen model.


rule freeze_model:
    input:
        unpack(freeze_inputs),
    output:
        model=report(res("frozen/model.json"), category="Frozen-model validation", caption="../report/frozen.rst",
                     labels={"file": "frozen model (JSON)"}),
        sha256=res("frozen/model.sha256"),
        summary=report(res("frozen/model_summary.tsv"), category="Frozen-model validation",
                       caption="../report/frozen.rst", labels={"file": "frozen model (table)"}),
    params:
        discovery=lambda w: FROZEN_FROM,
        cohort=lambda w: model_columns(FROZEN_FROM),
        survival=config["survival"],
        cutpoint=config["cutpoint"],
    log:
        res("logs/freeze_model.log"),
    threads: 1
    resources:
        mem_mb=mem_mb(800, 10),
        runtime=runtime_min(5, 0.5),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/freeze_model.py"


rule validate_frozen:
    input:
        unpack(validation_inputs),
    output:
        frozen_cox=report(res("cohorts/{cohort}/validation/frozen_cox.tsv"), category="{cohort}",
                          subcategory="Frozen-model validation", caption="../report/frozen.rst",
                          labels={"cohort": "{cohort}", "table": "frozen score and groups: Cox HR"}),
        calibration=report(res("cohorts/{cohort}/validation/calibration.tsv"), category="{cohort}",
                           subcategory="Frozen-model validation", caption="../report/frozen.rst",
                           labels={"cohort": "{cohort}", "table": "calibration and Brier scores"}),
        curve=res("cohorts/{cohort}/validation/calibration_curve.tsv"),
        frozen_scores=res("cohorts/{cohort}/validation/frozen_scores.tsv"),
        status=report(res("cohorts/{cohort}/validation/status.tsv"), category="{cohort}",
                      subcategory="Frozen-model validation", caption="../report/frozen.rst",
                      labels={"cohort": "{cohort}", "table": "frozen validation status"}),
        plot=report(res("cohorts/{cohort}/validation/calibration.svg"), category="{cohort}",
                    subcategory="Frozen-model validation", caption="../report/frozen.rst",
                    labels={"cohort": "{cohort}", "figure": "calibration"}),
    params:
        discovery=lambda w: FROZEN_FROM,
        validation=VALIDATION,
        survival=config["survival"],
        primary=config["primary_signature"],
    log:
        res("logs/{cohort}/validate_frozen.log"),
    threads: 1
    resources:
        mem_mb=mem_mb(800, 10),
        runtime=runtime_min(5, 0.5),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/validate_frozen.py"
