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
    sel = hr[(hr["signature"] == p.primary) & (hr["model"] == "univariable")].copy()
    sel["label"] = sel["cohort"] + " (n=" + sel["n"].astype(int).astype(str) + ", events=" \
        + sel["events"].astype(int).astype(str) + ")"
    m = meta[(meta["signature"] == p.primary) & (meta["model"] == "univariable")]
    pooled = prediction = None
    if len(m):
        r = m.iloc[0]
        pooled = {"hr": r.hr, "ci_lower": r.ci_lower, "ci_upper": r.ci_upper,
                  "label": f"Random effects ({r.method}{', HK' if r.test == 'knha' else ''})",
                  "text": f"I2 = {r.I2:.1f}%, tau2 = {r.tau2:.3g}, k = {int(r.k)}" if r.k > 1 else "k = 1"}
        if r.k > 1:
            prediction = (r.pi_lower, r.pi_upper)
    plots.save_figure(plots.forest_plot(sel, pooled=pooled, prediction=prediction,
                                        title=f"{p.primary}: HR per SD across cohorts (univariable Cox)"),
                      snakemake.output.forest)
    log.info("summary over %d cohorts", len(p.cohorts))


run(main, snakemake)  # noqa: F821
