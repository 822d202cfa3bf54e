# Random-signature null: is each signature better than random gene sets of its own size?
# Size-matched random gene sets (random single genes for single-gene comparators) are
# scored and modelled like the signature; the observed model is read from the survival
# rule's cox.tsv (never refitted). Outputs in <results_dir>/cohorts/{cohort}/random_null/.

rule random_null:
    input:
        log2norm=res("cohorts/{cohort}/expr/log2norm.parquet"),
        clinical=res("cohorts/{cohort}/validated/clinical.tsv"),
        cox=res("cohorts/{cohort}/survival/cox.tsv"),
        signatures=signature_files,
        annotation=annotation_inputs,
    output:
        null=res("cohorts/{cohort}/random_null/null.tsv"),
        summary=report(res("cohorts/{cohort}/random_null/summary.tsv"), category="{cohort}",
                       subcategory="Random-signature null", caption="../report/table.rst",
                       labels={"cohort": "{cohort}", "table": "random-signature null"}),
        plot=report(res("cohorts/{cohort}/random_null/null.svg"), category="{cohort}",
                    subcategory="Random-signature null", caption="../report/random_null.rst",
                    labels={"cohort": "{cohort}", "figure": "random gene-set null"}),
    params:
        signatures=signature_specs,
        random_sets=config["random_sets"],
        scoring=config["scoring"],
        min_events=config["survival"]["min_events"],
        gene_ids=lambda w: COHORTS[w.cohort].get("gene_ids", "symbol"),
    log:
        res("logs/{cohort}/random_null.log"),
    benchmark:
        res("benchmarks/{cohort}/random_null.tsv"),
    threads: 1
    resources:
        mem_mb=mem_mb(1500, 20),
        runtime=runtime_min(10, 1),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/random_null.py"
