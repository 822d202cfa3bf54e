"""Rule interaction_figure: per-arm HR per SD of the primary signature in every cohort, on one
shared axis (cohorts without a treatment interaction analysis are listed as such)."""
from _common import run


def main(snakemake, log):
    from mitoscore import plots
    from mitoscore.io import read_tsv

    primary = snakemake.params.primary
    per_cohort, p_int = {}, {}
    for cohort, path in zip(snakemake.params.cohorts, snakemake.input.interaction):
        t = read_tsv(path)
        t = t[t["signature"] == primary] if len(t) else t
        if len(t):
            per_cohort[cohort] = t
            p_int[cohort] = float(t["lr_p"].iloc[0])
    fig = plots.interaction_panels(per_cohort, p_interaction=p_int,
                                   title=f"{primary}: HR per SD within each treatment arm (score x treatment "
                                         "interaction Cox model), all cohorts on one axis")
    plots.save_figure(fig, snakemake.output.svg)
    log.info("interaction figure: %d cohort(s) with an interaction analysis", len(per_cohort))


run(main, snakemake)  # noqa: F821
