"""Rule km_plot: the Kaplan-Meier figure of one signature in one cohort (requested only
where the signature is scored)."""
from _common import run


def main(snakemake, log):
    from mitoscore import fmt, plots
    from mitoscore.io import read_tsv

    sig, cohort = snakemake.wildcards.signature, snakemake.wildcards.cohort
    km = read_tsv(snakemake.input.km)
    km = km[km["signature"] == sig]
    if km.empty:
        raise ValueError(f"{sig} has no Kaplan-Meier table in {cohort}: it is not scored there, so its figure "
                         "should not have been requested (workflow/rules/common.smk km_signatures)")
    lr = read_tsv(snakemake.input.logrank)
    lr = lr[lr["signature"] == sig]
    cox = read_tsv(snakemake.input.cox)
    uni = cox[(cox["signature"] == sig) & (cox["model"] == "univariable")]
    note = None
    if len(uni):
        u = uni.iloc[0]
        note = f"Cox HR per SD (continuous score): {fmt.ratio_ci(u.hr, u.ci_lower, u.ci_upper)}, {fmt.p_text(u.p, 'Wald p')}"
    rule = snakemake.params.cut_rule
    plots.save_figure(plots.km_plot(km, title=f"{sig}\n{cohort}, groups by the pre-declared {rule} cut",
                                    logrank_p=float(lr["p"].iloc[0]) if len(lr) else None,
                                    logrank_label=f"Log-rank test of the {rule} groups", annotation=note),
                      snakemake.output.svg)
    log.info("%s / %s: Kaplan-Meier figure written", cohort, sig)


run(main, snakemake)  # noqa: F821
