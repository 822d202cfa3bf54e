# Descriptive tables and diagrams the report shows (computed here, never in the report):
# per cohort the marker by clinical variable, the agreement of the scoring methods and the
# CONSORT-style patient-flow diagram; across cohorts Table 1.


rule describe:
    input:
        clinical=res("cohorts/{cohort}/validated/clinical.tsv"),
        flow=res("cohorts/{cohort}/validated/flow.tsv"),
        scores=res("cohorts/{cohort}/scores.tsv"),
        sensitivity=res("cohorts/{cohort}/scores_sensitivity.tsv"),
    output:
        marker=report(res("cohorts/{cohort}/describe/marker_by_variable.tsv"), category="{cohort}",
                      subcategory="Scores", caption="../report/marker_by_variable.rst",
                      labels={"cohort": "{cohort}", "table": "marker by clinical variable"}),
        score_methods=res("cohorts/{cohort}/describe/score_method_correlation.tsv"),
        flow_svg=report(res("cohorts/{cohort}/describe/flow.svg"), category="{cohort}", subcategory="Patient flow",
                        caption="../report/flow_diagram.rst", labels={"cohort": "{cohort}", "figure": "patient flow"}),
    params:
        primary=config["primary_signature"],
    log:
        res("logs/{cohort}/describe.log"),
    threads: 1
    resources:
        mem_mb=mem_mb(600, 10),
        runtime=runtime_min(3, 0.2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/describe.py"


rule table1:
    input:
        clinical=expand(res("cohorts/{cohort}/validated/clinical.tsv"), cohort=COHORT_IDS),
        scores=expand(res("cohorts/{cohort}/scores.tsv"), cohort=COHORT_IDS),
    output:
        table=report(res("summary/table1.tsv"), category="Report", subcategory="Patients",
                     caption="../report/table1.rst", labels={"table": "Table 1 (patient characteristics)"}),
    params:
        cohorts=COHORT_IDS,
        primary=config["primary_signature"],
    log:
        res("logs/table1.log"),
    threads: 1
    resources:
        mem_mb=mem_mb(600, 5),
        runtime=runtime_min(3, 0.2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/table1.py"
