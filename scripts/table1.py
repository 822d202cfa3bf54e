"""Rule table1: Table 1 of the analysed patients, one column per cohort (REMARK 13, TRIPOD 13b-c)."""
from _common import run


def main(snakemake, log):
    from mitoscore import describe
    from mitoscore.io import read_tsv, write_tsv

    cohorts = snakemake.params.cohorts
    clin = {c: read_tsv(f, dtype={"sample": str}) for c, f in zip(cohorts, snakemake.input.clinical)}
    scores = {c: read_tsv(f, dtype={"sample": str}) for c, f in zip(cohorts, snakemake.input.scores)}
    t1 = describe.table_one(clin, scores, primary=snakemake.params.primary)
    write_tsv(t1, snakemake.output.table)
    log.info("Table 1: %d rows x %d cohorts", len(t1), len(cohorts))


run(main, snakemake)  # noqa: F821
