"""Rule validate_frozen: apply the frozen model unchanged in one validation cohort (calibration, Brier)."""
from _common import run


def main(snakemake, log):
    from mitoscore import frozen, plots
    from mitoscore.io import read_tsv, write_tsv

    p, cohort = snakemake.params, snakemake.wildcards.cohort
    s, v = p.survival, p.validation
    if snakemake.input.get("model"):
        model, digest = frozen.read_model(snakemake.input.model, snakemake.input.sha256)
        scores = read_tsv(snakemake.input.scores, dtype={"sample": str})
        clinical = read_tsv(snakemake.input.clinical, dtype={"sample": str}).set_index("sample")
        res = frozen.validate_cohort(
            model, scores, clinical, horizons=s["horizons_months"], primary=p.primary,
            calibration_groups=v["calibration_groups"], min_events_per_group=v["min_events_per_group"],
            min_events=s["min_events"], min_epv=s["min_epv"], model_sha256=digest)
        title = f"{cohort}: {p.primary}, model frozen in {p.discovery} (calibration)"
        fig = plots.calibration_plot(res.curve[res.curve["signature"] == p.primary], title=title)
    else:
        res = frozen.fallback_result(cohort, s["horizons_months"], "no discovery cohort in the run")
        fig = plots.placeholder(f"{cohort}: no frozen model (no discovery cohort in the run); the per-cohort "
                                "analysis applies", title=f"{cohort}: calibration")
    for rec in res.status.itertuples():
        if rec.status == "applied":
            log.info("%s", rec.note)
        elif rec.status not in ("estimated", "validated") or isinstance(rec.note, str):
            log.warning("%s / %s: %s: %s", rec.signature, rec.model, rec.status, rec.note)
    for name in ("frozen_cox", "calibration", "curve", "status"):
        write_tsv(getattr(res, name), getattr(snakemake.output, name))
    write_tsv(res.scores, snakemake.output.frozen_scores)
    plots.save_figure(fig, snakemake.output.plot)
    log.info("frozen validation in %s: %d Cox rows, %d calibration rows", cohort, len(res.frozen_cox),
             len(res.calibration))


run(main, snakemake)  # noqa: F821
