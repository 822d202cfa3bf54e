"""Rule validate_inputs: read counts + clinical, check them, harmonise gene ids, match samples."""
from _common import run


def main(snakemake, log):
    from pathlib import Path

    from mitoscore.cohort import validate_cohort
    from mitoscore.io import input_checksums, write_parquet, write_tsv

    row = snakemake.params.cohort
    annotation = list(snakemake.input.get("annotation", []))
    res = validate_cohort(row, clinical_file=str(snakemake.input.clinical),
                          counts_files=[str(f) for f in snakemake.input.counts], sheet=snakemake.params.sheet,
                          contrasts=snakemake.params.contrasts,
                          annotation_dir=Path(annotation[0]).parent if annotation else None)
    log.info("counts: %d genes x %d samples after gene-id handling (%s)", *res.counts.shape,
             row.get("gene_ids", "symbol"))
    log.info("matched: %d samples, %d events", res.clinical.shape[0], int(res.clinical["os_event"].sum()))
    for w in res.warnings:
        log.warning("%s: %s", row["cohort"], w)

    out = snakemake.output
    write_parquet(res.counts, out.counts)
    write_tsv(res.clinical.reset_index(), out.clinical)
    write_tsv(res.flow, out.flow)
    write_tsv(res.gene_map, out.gene_map)
    write_tsv(res.endpoint, out.endpoint)
    # every file the job read is one of the rule's inputs: one checksum row per file
    write_tsv(input_checksums(snakemake.input.items()), out.checksums)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
