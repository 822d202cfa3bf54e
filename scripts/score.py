"""Rule score: per-cohort signature scores (+ comparators and sensitivity scores)."""
from _common import _annotation_dir, run


def main(snakemake, log):
    import pandas as pd

    from mitoscore import analysis, plots
    from mitoscore.config import signature_path
    from mitoscore.io import read_tsv, write_tsv
    from mitoscore.signatures import load_for_cohort

    expr = pd.read_parquet(snakemake.input.log2norm)
    sigs = load_for_cohort(snakemake.params.signatures, snakemake.params.gene_ids,
                           annotation_dir=_annotation_dir(snakemake))
    p = snakemake.params
    frozen = read_tsv(snakemake.input.frozen_cutpoints) if snakemake.input.get("frozen_cutpoints") else None
    result = analysis.score_cohort(
        expr, sigs, alpha=p.scoring["alpha"], sensitivity=p.scoring["sensitivity"],
        single_genes=p.scoring["single_genes"], gene_ratios=p.scoring["gene_ratios"],
        cut_rule=p.cutpoint["rule"], cut_value=p.cutpoint.get("value"),
        min_coverage=p.min_coverage, cohort=snakemake.wildcards.cohort,
        signature_files={s["name"]: signature_path(s) for s in p.signatures},
        threads=snakemake.threads, frozen=frozen,
    )
    write_tsv(result.scores, snakemake.output.scores)
    write_tsv(result.sensitivity, snakemake.output.sensitivity)
    write_tsv(result.coverage, snakemake.output.coverage)
    write_tsv(result.cutpoints, snakemake.output.cutpoints)
    order = [s["name"] for s in p.signatures] + [x for x in result.scores["signature"].unique()
                                                  if x not in {s["name"] for s in p.signatures}]
    plots.save_figure(plots.score_panels(result.scores, signatures=order,
                                         title=f"{snakemake.wildcards.cohort}: scores by pre-declared group "
                                               f"({p.cutpoint['rule']} cut)"),
                      snakemake.output.plot)
    for rec in result.coverage.itertuples():
        log.info("%s: %d/%d genes present (%.1f%%)", rec.signature, rec.n_present, rec.n_genes, 100 * rec.fraction)


run(main, snakemake)  # noqa: F821
