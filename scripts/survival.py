"""Rule survival: KM, log-rank, Cox (uni/multi/group), cox.zph, interaction, discrimination, response
(tables only; the figures are drawn by the km_plot and interaction_figure rules)."""
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
        min_cases_td_auc=s["min_cases_td_auc"], predictive_config=snakemake.params.predictive)
    # per-cohort (re-estimated) analysis: discovery / sensitivity in a validation cohort with a frozen model
    res.cox = frozen.label_estimation(res.cox, snakemake.params.estimation)
    log.info("per-cohort analysis labelled: %s", snakemake.params.estimation)
    out = snakemake.output
    for name in ("cox", "logrank", "km", "km_median", "cox_zph", "interaction", "discrimination", "response",
                 "maxstat", "power", "skipped"):
        write_tsv(getattr(res, name), getattr(out, name))
    pred = res.predictive or analysis.predictive_cohort(scores.iloc[:0], clinical, contrasts=[], primary="")
    for name in ("predictive", "treatment_effect", "km_by_arm", "response_by_arm"):
        write_tsv(getattr(pred, name), getattr(out, name))
    write_tsv(pred.contrasts, out.predictive_contrasts)
    figs = plots.predictive_figures(pred.predictive, pred.treatment_effect, pred.km_by_arm, pred.rug, pred.contrasts,
                                    snakemake.params.predictive.get("contrasts", []), primary=snakemake.params.primary,
                                    cohort=snakemake.wildcards.cohort)
    for (te_fig, km_fig), te_path, km_path in zip(figs, out.treatment_effect_plots, out.km_by_arm_plots):
        plots.save_figure(te_fig, te_path)
        plots.save_figure(km_fig, km_path)

    log.info("survival: %d Cox rows, %d skipped models", len(res.cox), len(res.skipped))


run(main, snakemake)  # noqa: F821
