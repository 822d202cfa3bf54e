"""Rule survival: KM, log-rank, Cox (uni/multi/group), cox.zph, interaction, discrimination, response
(tables only; the figures are drawn by the km_plot and interaction_figure rules)."""
from _common import run


def main(snakemake, log):
    from mitoscore import analysis
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
        cut_rule=snakemake.params.cutpoint["rule"])
    out = snakemake.output
    for name in ("cox", "logrank", "km", "km_median", "cox_zph", "interaction", "discrimination", "response",
                 "maxstat", "power", "skipped"):
        write_tsv(getattr(res, name), getattr(out, name))

    log.info("survival: %d Cox rows, %d skipped models", len(res.cox), len(res.skipped))


run(main, snakemake)  # noqa: F821
