"""Rule survival: KM, log-rank, Cox (uni/multi/group), cox.zph, interaction, discrimination, response."""
from _common import run


def main(snakemake, log):
    from mitoscore import analysis, frozen, plots
    from mitoscore.config import parse_list, parse_mapping
    from mitoscore.io import read_tsv, write_tsv

    row = snakemake.params.cohort
    s = snakemake.params.survival
    scores = read_tsv(snakemake.input.scores, dtype={"sample": str})
    clinical = read_tsv(snakemake.input.clinical, dtype={"sample": str}).set_index("sample")
    res = analysis.survival_cohort(
        scores, clinical, primary=snakemake.params.primary,
        covariates=parse_list(row.get("covariates")), reference_levels=parse_mapping(row.get("reference_levels")),
        strata=parse_list(row.get("strata")), treatment=bool(row.get("treatment_column")),
        reference_arm=row.get("reference_arm"), min_events=s["min_events"], min_epv=s["min_epv"],
        horizons=s["horizons_months"], n_bootstrap=s["n_bootstrap"], seed=s["seed"],
        cut_rule=snakemake.params.cutpoint["rule"], tau=s.get("tau_months"),
        min_cases_td_auc=s["min_cases_td_auc"])
    # per-cohort (re-estimated) analysis: discovery / sensitivity in a validation cohort with a frozen model
    res.cox = frozen.label_estimation(res.cox, snakemake.params.estimation)
    log.info("per-cohort analysis labelled: %s", snakemake.params.estimation)
    out = snakemake.output
    for name in ("cox", "logrank", "km", "km_median", "cox_zph", "interaction", "discrimination", "response",
                 "maxstat", "power", "skipped"):
        write_tsv(getattr(res, name), getattr(out, name))

    cohort = snakemake.wildcards.cohort
    for sig, path in zip(snakemake.params.signatures, out.km_plots):
        km = res.km[res.km["signature"] == sig]
        if km.empty:
            plots.save_figure(plots.placeholder(
                f"{sig} is not scored in {cohort} (a derived signature is validated only in the other cohorts)",
                title=f"{cohort}: {sig}"), path)
            continue
        lr = res.logrank[res.logrank["signature"] == sig]
        uni = res.cox[(res.cox["signature"] == sig) & (res.cox["model"] == "univariable")]
        note = None
        if len(uni):
            u = uni.iloc[0]
            note = f"HR per SD {plots.format_hr(u.hr, u.ci_lower, u.ci_upper)}, {plots.format_p(u.p)}"
        plots.save_figure(plots.km_plot(km, title=f"{cohort}: {sig} ({snakemake.params.cutpoint['rule']} split)",
                                        logrank_p=float(lr["p"].iloc[0]) if len(lr) else None, annotation=note),
                          path)
    primary = snakemake.params.primary
    pa = res.interaction[res.interaction["signature"] == primary]
    plots.save_figure(plots.interaction_plot(pa, title=f"{cohort}: {primary} HR per SD by treatment arm"),
                      out.interaction_plot)
    log.info("survival: %d Cox rows, %d skipped models", len(res.cox), len(res.skipped))


run(main, snakemake)  # noqa: F821
