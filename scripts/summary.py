"""Rule summary: per-cohort hazard ratios, meta-analysis (validation cohorts primary, all cohorts as
sensitivity), leave-one-out, forest plot, and every test of the plan adjusted within its declared
family (multiplicity.tsv); stops when a predictive contrast names an arm no cohort has."""
from _common import run


def main(snakemake, log):
    from mitoscore import analysis, multiplicity, plots
    from mitoscore.io import read_tsv, write_tsv

    p = snakemake.params
    inp = snakemake.input
    status = {c: read_tsv(f) for c, f in zip(p.cohorts, inp.predictive_contrasts)}
    analysis.check_contrast_arms(status, p.predictive_contrasts, config_name="config (predictive.contrasts)")
    tables = {c: {} for c in p.cohorts}  # cohort -> {source key -> table}
    for src in multiplicity.SOURCES:
        if src.key != "frozen_cox":
            for c, f in zip(p.cohorts, getattr(inp, src.key)):
                tables[c][src.key] = read_tsv(f)
    for c, f in zip(p.validated, inp.frozen_cox):
        tables[c]["frozen_cox"] = read_tsv(f)
    hr, meta, loo = analysis.summarise_cohorts(
        {c: t["cox"] for c, t in tables.items()}, roles=p.roles,
        frozen_tables={c: t["frozen_cox"] for c, t in tables.items() if "frozen_cox" in t},
        method=p.meta["method"], test=p.meta["test"], primary=p.primary)
    tests = multiplicity.adjust_families(
        multiplicity.collect_tests(tables, roles=p.roles, derived=set(p.derived), meta=meta, loo=loo),
        p.multiplicity["method"])
    write_tsv(hr, snakemake.output.hazard_ratios)
    write_tsv(multiplicity.annotate(meta, tests, source="summary/meta_analysis.tsv"), snakemake.output.meta)
    write_tsv(multiplicity.annotate(loo, tests, source="summary/leave_one_out.tsv"), snakemake.output.loo)
    write_tsv(tests, snakemake.output.multiplicity)
    sel, pooled, prediction = analysis.forest_data(hr, meta, p.primary)
    write_tsv(sel, snakemake.output.forest_table)
    plots.save_figure(plots.forest_plot(sel, pooled=pooled, prediction=prediction,
                                        title=f"{p.primary}: HR per SD across cohorts (univariable Cox)"),
                      snakemake.output.forest)
    log.info("summary over %d cohorts (%d validation); %s", len(p.cohorts),
             sum(r == "validation" for r in p.roles.values()),
             ", ".join(f"{f}: {int((tests['family'] == f).sum())} tests" for f in multiplicity.FAMILIES))


run(main, snakemake)  # noqa: F821
