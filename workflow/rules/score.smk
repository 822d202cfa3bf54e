# Stage 3: signature scores per cohort (ssGSEA per signature, weighted sums,
# single-gene comparators, sensitivity scores). The random-gene-set null is random_null.smk.


rule score:
    input:
        log2norm=res("cohorts/{cohort}/expr/log2norm.parquet"),
        signatures=signature_files,
        frozen_cutpoints=frozen_cutpoints,
        annotation=annotation_inputs,
    output:
        scores=report(res("cohorts/{cohort}/scores.tsv"), category="{cohort}", subcategory="Scores", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "scores"}),
        sensitivity=res("cohorts/{cohort}/scores_sensitivity.tsv"),
        coverage=res("cohorts/{cohort}/signature_coverage.tsv"),
        cutpoints=report(res("cohorts/{cohort}/cutpoints.tsv"), category="{cohort}", subcategory="Scores", caption="../report/table.rst",
                         labels={"cohort": "{cohort}", "table": "cutpoints"}),
        plot=report(res("cohorts/{cohort}/scores.svg"), category="{cohort}", subcategory="Scores",
                    caption="../report/scores.rst", labels={"cohort": "{cohort}", "figure": "score distributions"}),
    params:
        signatures=signature_specs,
        scoring=config["scoring"],
        cutpoint=config["cutpoint"],
        min_coverage=config["min_signature_coverage"],
        gene_ids=lambda w: COHORTS[w.cohort].get("gene_ids", "symbol"),
    log:
        res("logs/{cohort}/score.log"),
    benchmark:
        res("benchmarks/{cohort}/score.tsv"),
    threads: 1
    priority: 30
    resources:
        mem_mb=mem_mb(1000, 10),
        runtime=runtime_min(5, 0.2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/score.py"


# One signature's scores and groups on their own (the rows of scores.tsv for it, computed by the
# same function with that signature alone: ssGSEA is normalised per signature, so the rows are
# the same). A DE contrast of score groups reads only this file, so adding a signature (which
# rewrites scores.tsv) does not rerun it.
rule signature_groups:
    input:
        log2norm=res("cohorts/{cohort}/expr/log2norm.parquet"),
        signature=signature_file,
        frozen_cut=frozen_signature_cut,
        annotation=annotation_inputs,
    output:
        groups=res("cohorts/{cohort}/groups/{signature}.tsv"),
        cutpoints=res("cohorts/{cohort}/groups/{signature}_cutpoints.tsv"),
    params:
        signature=signature_spec,
        alpha=config["scoring"]["alpha"],
        cutpoint=config["cutpoint"],
        min_coverage=config["min_signature_coverage"],
        gene_ids=lambda w: COHORTS[w.cohort].get("gene_ids", "symbol"),
        cut_source=cut_source,
    log:
        res("logs/{cohort}/signature_groups_{signature}.log"),
    benchmark:
        res("benchmarks/{cohort}/signature_groups_{signature}.tsv"),
    threads: 1
    priority: 40
    resources:
        mem_mb=mem_mb(1000, 10),
        runtime=runtime_min(5, 0.2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/signature_groups.py"
