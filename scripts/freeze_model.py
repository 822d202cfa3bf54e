"""Rule freeze_model: the discovery cohort's frozen model (standardisation, cut, Cox models)."""
from _common import run


def main(snakemake, log):
    from mitoscore import frozen
    from mitoscore.config import parse_list, parse_mapping
    from mitoscore.io import read_tsv, sha256sum, write_tsv

    p = snakemake.params
    row, s, cut = p.cohort, p.survival, p.cutpoint
    scores = read_tsv(snakemake.input.scores, dtype={"sample": str})
    clinical = read_tsv(snakemake.input.clinical, dtype={"sample": str}).set_index("sample")
    # the discovery files the model is estimated from, and the raw inputs they came from
    inputs = [{"role": r, "file": str(f), "sha256": sha256sum(f)} for r, f in snakemake.input.items()]
    inputs += [{"role": f"raw {r.role}", "file": r.file, "sha256": r.sha256}
               for r in read_tsv(snakemake.input.checksums).itertuples()]
    model = frozen.freeze_model(
        scores, clinical, cohort=p.discovery, covariates=parse_list(row.get("covariates")),
        reference_levels=parse_mapping(row.get("reference_levels")), strata=parse_list(row.get("strata")),
        min_events=s["min_events"], min_epv=s["min_epv"], cut_rule=cut["rule"], cut_value=cut.get("value"),
        inputs=inputs)
    digest = frozen.write_model(model, snakemake.output.model, snakemake.output.sha256)
    table = frozen.model_table(model)
    write_tsv(table, snakemake.output.summary)
    for rec in table[table["status"] == "skipped"].itertuples():
        log.warning("frozen model: %s / %s not fitted: %s", rec.signature, rec.model, rec.reason)
    log.info("frozen model of %s: %d signatures, sha256 %s", p.discovery, len(model["signatures"]), digest)


run(main, snakemake)  # noqa: F821
