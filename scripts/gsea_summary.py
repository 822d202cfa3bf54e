"""Rule gsea_summary: NES and FDR of every set across cohorts and contrasts, direction
concordance, and the NES heatmap of the mitochondrial sets and signatures."""
from _common import run


def main(snakemake, log):
    from mitoscore import gsea, plots
    from mitoscore.io import as_written, read_tsv, write_tsv

    p, out = snakemake.params, snakemake.output
    tables = {tuple(pair): read_tsv(f) for pair, f in zip(p.pairs, snakemake.input.tables)}
    long = gsea.summarise_nes(tables)
    conc = gsea.concordance(long, fdr_max=p.fdr_max)
    write_tsv(long, out.nes)
    write_tsv(conc, out.concordance)
    shown = [*p.mitochondrial, gsea.SIGNATURE_COLLECTION]
    d, c, labels, n = gsea.heatmap_rows(as_written(long), as_written(conc), shown)
    cohorts = sorted({coh for coh, _ in p.pairs})
    title = (f"GSEA NES of the mitochondrial sets ({', '.join(p.mitochondrial) or 'none flagged'}) and the "
             f"configured signatures across {len(cohorts)} cohorts"
             + (f" (the {len(labels)} of {n} sets with the largest |NES|)" if len(labels) < n else ""))
    fig = (plots.nes_heatmap(d, c, terms=labels, title=title, fdr_max=p.fdr_max, circular=list(p.circular))
           if labels else plots.placeholder("no mitochondrial set or signature was tested", title=title))
    plots.save_figure(fig, out.heatmap)
    for con, sub in conc[conc["collection"].isin(shown)].groupby("contrast"):
        log.info("%s: %d sets, %d concordant in direction across cohorts%s", con, len(sub),
                 int(sub["concordant"].sum()), " (CIRCULAR contrast)" if con in p.circular else "")


run(main, snakemake)  # noqa: F821
