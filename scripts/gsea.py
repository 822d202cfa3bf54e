"""Rule gsea: GSEA prerank of one DE contrast in one cohort (gseapy's algorithm; vectorised null)."""
from _common import run


def main(snakemake, log):
    from mitoscore import gsea, plots
    from mitoscore.io import as_written, read_tsv, write_gmt, write_tsv

    p, out = snakemake.params, snakemake.output
    cfg, con = p.gsea, p.contrast
    cohort = snakemake.wildcards.cohort
    de = read_tsv(snakemake.input.de, dtype={"gene": str})
    res = gsea.analyse_contrast(de, contrast=con, settings=cfg, signature_specs=p.signatures, gene_ids=p.gene_ids,
                                threads=snakemake.threads, de_file=str(snakemake.input.de))
    write_tsv(res.table, out.table)
    write_gmt(gsea.gmt_of(res.sets), out.gmt)
    table = as_written(res.table)  # draw exactly what the table holds
    note = gsea.circular_note(con)
    what = f"{cohort}: {con['name']} ({con['test']} vs {con['reference']}), ranked by {gsea.RANK_BY[cfg['rank_by']]}"
    kw = dict(test=con["test"], reference=con["reference"], metric_label=cfg["rank_by"], fdr_max=cfg["fdr_max"],
              note=note)
    mito = [c["name"] for c in cfg["collections"] if c.get("mitochondrial")]
    top = gsea.top_sets(table, mito, cfg["plot_top"])
    fig = (plots.enrichment_plot(res.ranking, gsea.figure_curves(res, top, cfg["weight"]),
                                 title=f"Top {len(top)} mitochondrial sets by |NES| — {what}", **kw)
           if len(top) else plots.placeholder("no collection is flagged mitochondrial: true in gsea.collections",
                                              title=what))
    plots.save_figure(fig, out.top)
    sig = table[table["collection"] == gsea.SIGNATURE_COLLECTION]
    fig = (plots.enrichment_plot(res.ranking, gsea.figure_curves(res, sig, cfg["weight"]),
                                 title=f"Configured signatures — {what}", **kw)
           if len(sig) else plots.placeholder("no gene-set signature tested (gsea.include_signatures is false or "
                                              "every signature is a weighted score)", title=what))
    plots.save_figure(fig, out.signatures)
    if res.skipped:
        log.info("weighted signatures are not gene sets and were not tested: %s", ", ".join(res.skipped))
    for c, d in res.table.groupby("collection", sort=False):
        log.info("%s: %d sets tested, %d with FDR < %g", c, len(d), int((d["fdr"] < cfg["fdr_max"]).sum()),
                 cfg["fdr_max"])
    if note:
        log.info(note)


run(main, snakemake)  # noqa: F821
