"""Rule summary: per-cohort hazard ratios, random-effects meta-analysis, leave-one-out, forest plot."""
from _common import run


def main(snakemake, log):
    from mitoscore import analysis, plots
    from mitoscore.io import read_tsv, write_tsv

    p = snakemake.params
    tables = {c: read_tsv(f) for c, f in zip(p.cohorts, snakemake.input.cox)}
    hr, meta, loo = analysis.summarise_cohorts(tables, method=p.meta["method"], test=p.meta["test"],
                                               primary=p.primary)
    write_tsv(hr, snakemake.output.hazard_ratios)
    write_tsv(meta, snakemake.output.meta)
    write_tsv(loo, snakemake.output.loo)
    sel, pooled, prediction = analysis.forest_data(hr, meta, p.primary)
    write_tsv(sel, snakemake.output.forest_table)
    plots.save_figure(plots.forest_plot(sel, pooled=pooled, prediction=prediction,
                                        title=f"{p.primary}: HR per SD across cohorts (univariable Cox)"),
                      snakemake.output.forest)
    log.info("summary over %d cohorts", len(p.cohorts))


run(main, snakemake)  # noqa: F821
