"""Rule random_null: size-matched random gene sets scored and modelled like each signature."""
from _common import _annotation_dir, run


def main(snakemake, log):
    import pandas as pd

    from mitoscore import nullsets, plots
    from mitoscore.io import read_tsv, write_tsv
    from mitoscore.signatures import load_for_cohort

    p = snakemake.params
    expr = pd.read_parquet(snakemake.input.log2norm)
    clinical = read_tsv(snakemake.input.clinical, dtype={"sample": str}).set_index("sample")
    observed = read_tsv(snakemake.input.scores, dtype={"sample": str})
    sigs = load_for_cohort(p.signatures, p.gene_ids, annotation_dir=_annotation_dir(snakemake))
    null, summary = nullsets.random_null(
        expr, clinical, observed, sigs, n_sets=p.random_sets["n_random_sets"], seed=p.random_sets["seed"],
        match_expression=p.random_sets["match_expression"], alpha=p.scoring["alpha"],
        single_genes=p.scoring["single_genes"], threads=snakemake.threads)
    write_tsv(null, snakemake.output.null)
    write_tsv(summary, snakemake.output.summary)
    primary = summary["signature"].iloc[0] if len(summary) else None
    obs = {r.signature: r.observed_z for r in summary.itertuples() if r.kind != "single_gene"}
    sub = null[null["signature"] == primary]["z"].abs().to_numpy() if primary else []
    plots.save_figure(plots.null_distribution_plot(
        sub, {k: abs(v) for k, v in obs.items()}, xlabel="|Wald z| of HR per SD (univariable Cox)",
        title=f"{snakemake.wildcards.cohort}: random gene sets of the size of {primary}"), snakemake.output.plot)
    for r in summary.itertuples():
        log.info("%s: observed |z| %.2f, percentile %.1f among %d random sets (empirical p %.3g)",
                 r.signature, abs(r.observed_z), r.percentile_abs_z, r.n_random, r.empirical_p)


run(main, snakemake)  # noqa: F821
