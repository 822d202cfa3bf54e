"""Rule random_null: size-matched random gene sets scored and modelled like each signature;
the observed univariable models are read from the survival rule's cox.tsv."""
from _common import run


def main(snakemake, log):
    import pandas as pd

    from mitoscore import nullsets, plots
    from mitoscore.io import read_tsv, write_tsv
    from mitoscore.signatures import load_for_cohort

    p = snakemake.params
    expr = pd.read_parquet(snakemake.input.log2norm)
    clinical = read_tsv(snakemake.input.clinical, dtype={"sample": str}).set_index("sample")
    cox = read_tsv(snakemake.input.cox)
    sigs = load_for_cohort(p.signatures, p.gene_ids)
    null, summary = nullsets.random_null(
        expr, clinical, cox, sigs, n_sets=p.random_sets["n_random_sets"], seed=p.random_sets["seed"],
        match_expression=p.random_sets["match_expression"], alpha=p.scoring["alpha"],
        single_genes=p.scoring["single_genes"], threads=snakemake.threads, min_events=p.min_events)
    write_tsv(null, snakemake.output.null)
    write_tsv(summary, snakemake.output.summary)
    cohort = snakemake.wildcards.cohort
    plots.save_figure(plots.null_distribution_plot(
        null, summary, title=f"{cohort}: each signature vs random draws of its own size (univariable Cox)"),
        snakemake.output.plot)
    for r in summary.itertuples():
        log.info("%s: observed |z| %.2f, percentile %.1f among %d valid random draws (%d excluded; empirical p %.3g)%s",
                 r.signature, abs(r.observed_z), r.percentile_abs_z, r.n_valid, r.n_failed, r.empirical_p,
                 f" [{r.note}]" if r.note else "")


run(main, snakemake)  # noqa: F821
