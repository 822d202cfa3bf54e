"""Rule qc: library sizes, detected genes, PCA of VST, flagged outliers."""
from _common import run


def main(snakemake, log):
    import pandas as pd

    from mitoscore import plots, qc
    from mitoscore.io import as_written, read_tsv, write_tsv

    counts = pd.read_parquet(snakemake.input.counts)
    vst = pd.read_parquet(snakemake.input.vst)
    scores, explained = qc.pca(vst, n_components=vst.shape[1])  # every PC for the outlier distance
    table = qc.qc_table(counts, vst, pca_scores=scores)
    write_tsv(table, snakemake.output.qc)
    pca, explained = scores.iloc[:, :5], explained.iloc[:5]  # the first five, as reported
    out = pca.reset_index()
    out.columns = ["sample", *pca.columns]
    write_tsv(out, snakemake.output.pca)
    clinical = read_tsv(snakemake.input.clinical, dtype={"sample": str}).set_index("sample")
    by = snakemake.params.color_by
    color = clinical[by] if by and by in clinical else None
    outliers = table.loc[table["outlier"], "sample"].tolist()
    cohort = snakemake.wildcards.cohort
    what = f"coloured by {by}" if color is not None else f"({by} not in the clinical table: not coloured)"
    plots.save_figure(plots.pca_plot(as_written(pca), explained, color_by=color, outliers=outliers,
                                     title=f"{cohort}: PCA of VST (top 500 variable genes), {what}"),
                      snakemake.output.pca_plot)
    plots.save_figure(plots.library_size_plot(table, title=f"{cohort}: library sizes"), snakemake.output.lib_plot)
    log.info("QC: %d samples, %d flagged outliers", len(table), len(outliers))


run(main, snakemake)  # noqa: F821
