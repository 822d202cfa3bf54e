"""Rule de: one DESeq2 contrast for one cohort (pydeseq2, DESeq2-matching settings)."""
from _common import run


def main(snakemake, log):
    import pandas as pd

    from mitoscore import analysis, de, plots
    from mitoscore.io import as_written, read_tsv, write_tsv

    con = snakemake.params.contrast
    opts = snakemake.params.de
    counts = pd.read_parquet(snakemake.input.counts)
    clinical = read_tsv(snakemake.input.clinical, dtype={"sample": str}).set_index("sample")
    meta, variable = analysis.contrast_metadata(
        clinical, con, scores=read_tsv(snakemake.input.scores, dtype={"sample": str})
        if "scores" in snakemake.input.keys() else None, file=str(snakemake.input.clinical))
    n_dropped = counts.shape[1] - meta.shape[0]
    if n_dropped:
        log.info("%d samples without a value for the design variables were left out of this contrast", n_dropped)
    design = "~" + " + ".join([*con.get("covariates", []), variable])
    if not counts.columns.equals(meta.index):
        counts = counts[meta.index]  # one samples' copy held, not two
    res = de.run_deseq(counts, meta, design, (variable, con["test"], con["reference"]),
                       alpha=opts["alpha"], cooks_filter=opts["cooks_filter"],
                       independent_filter=opts["independent_filter"], refit_cooks=opts["refit_cooks"],
                       lfc_shrink=opts["lfc_shrink"], n_cpus=snakemake.threads, inference=opts["inference"])
    write_tsv(res, snakemake.output.table)
    res = as_written(res)  # summarise and plot exactly what the table holds
    write_tsv(analysis.de_summary(res, meta, con, variable, design, alpha=opts["alpha"]), snakemake.output.summary)
    title = f"{snakemake.wildcards.cohort}: {con['test']} vs {con['reference']} ({variable}; design {design})"
    plots.save_figure(plots.volcano_plot(res, alpha=opts["alpha"], title=title), snakemake.output.volcano)
    plots.save_figure(plots.ma_plot(res, alpha=opts["alpha"], title=title), snakemake.output.ma)
    log.info("%s: %d genes with padj < %g", snakemake.wildcards.contrast,
             int((res["padj"] < opts["alpha"]).sum()), opts["alpha"])


run(main, snakemake)  # noqa: F821
