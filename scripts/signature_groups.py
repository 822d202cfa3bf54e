"""Rule signature_groups: one signature's scores and pre-declared groups in one cohort (the rows
scores.tsv holds for it), for the DE contrast of its score groups."""
from _common import _annotation_dir, run


def main(snakemake, log):
    import pandas as pd

    from mitoscore import analysis
    from mitoscore.config import signature_path
    from mitoscore.io import read_tsv, write_tsv
    from mitoscore.signatures import load_for_cohort

    p = snakemake.params
    spec = p.signature
    expr = pd.read_parquet(snakemake.input.log2norm)
    sigs = load_for_cohort([spec], p.gene_ids, annotation_dir=_annotation_dir(snakemake))
    frozen = None
    if p.cut_source is not None:  # discovery_median outside the discovery cohort: its frozen cut, as score does
        frozen = (read_tsv(snakemake.input.frozen_cut) if snakemake.input.get("frozen_cut")
                  else pd.DataFrame(columns=analysis.CUTPOINT_COLUMNS))
    res = analysis.score_cohort(
        expr, sigs, alpha=p.alpha, sensitivity=(), single_genes=(), gene_ratios=(),
        cut_rule=p.cutpoint["rule"], cut_value=p.cutpoint.get("value"), min_coverage=p.min_coverage,
        cohort=snakemake.wildcards.cohort, signature_files={spec["name"]: signature_path(spec)},
        threads=snakemake.threads, frozen=frozen)
    write_tsv(res.scores, snakemake.output.groups)
    write_tsv(res.cutpoints, snakemake.output.cutpoints)
    log.info("%s: groups %s", spec["name"], res.scores["group"].value_counts().to_dict())


run(main, snakemake)  # noqa: F821
