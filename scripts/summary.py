"""Rule summary: per-cohort hazard ratios, meta-analysis (validation cohorts primary, all cohorts as
sensitivity), leave-one-out, forest plot; stops when a predictive contrast names an arm no cohort has."""
from _common import run


def main(snakemake, log):
    from mitoscore import analysis, plots
    from mitoscore.io import read_tsv, write_tsv

    p = snakemake.params
    status = {c: read_tsv(f) for c, f in zip(p.cohorts, snakemake.input.predictive_contrasts)}
    analysis.check_contrast_arms(status, p.predictive_contrasts, config_name="config (predictive.contrasts)")
    tables = {c: read_tsv(f) for c, f in zip(p.cohorts, snakemake.input.cox)}
    hr, meta, loo = analysis.summarise_cohorts(tables, roles=p.roles, method=p.meta["method"], test=p.meta["test"],
                                               primary=p.primary)
    write_tsv(hr, snakemake.output.hazard_ratios)
    write_tsv(meta, snakemake.output.meta)
    write_tsv(loo, snakemake.output.loo)
    sel, pooled, prediction = analysis.forest_data(hr, meta, p.primary)
    plots.save_figure(plots.forest_plot(sel, pooled=pooled, prediction=prediction,
                                        title=f"{p.primary}: HR per SD across cohorts (univariable Cox)"),
                      snakemake.output.forest)
    log.info("summary over %d cohorts (%d validation)", len(p.cohorts),
             sum(r == "validation" for r in p.roles.values()))


run(main, snakemake)  # noqa: F821
