"""Rule validate_inputs: read counts + clinical, check them, harmonise gene ids, match samples."""
from _common import run


def main(snakemake, log):
    import pandas as pd

    from mitoscore import genes, inputs, validate
    from mitoscore.config import parse_list, parse_mapping
    from mitoscore.io import sha256sum, write_parquet, write_tsv

    row = snakemake.params.cohort
    counts_file = str(snakemake.input.counts)
    clin_file = str(snakemake.input.clinical)

    counts = inputs.read_counts(counts_file, fmt=row.get("counts_format", "auto"),
                                sample_sheet=row.get("sample_sheet"),
                                round_estimated=row.get("round_estimated", False),
                                gdc_id_column=row.get("gdc_id_column", "Sample ID"))
    validate.check_counts(counts, file=counts_file)
    gene_ids = row.get("gene_ids", "symbol")
    annotation = None if gene_ids == "as_is" else genes.load_annotation()
    counts, gene_map = genes.harmonise(counts, gene_ids, annotation, file=counts_file,
                                       excel_mangled=row.get("excel_mangled", "error"))
    log.info("counts: %d genes x %d samples after gene-id handling (%s)", *counts.shape, gene_ids)

    raw = inputs.read_clinical(clin_file)
    wanted = parse_list(row.get("covariates")) + parse_list(row.get("strata"))
    wanted += [c for c in snakemake.params.keep_columns if c in raw.columns and c not in wanted]
    clinical, flow_clin = validate.standardise_clinical(
        raw, file=clin_file, id_column=row.get("id_column", "sample_id"),
        time_column=row["time_column"], event_column=row["event_column"],
        time_unit=row.get("time_unit", "months"),
        event_coding=parse_mapping(row.get("event_coding"), as_int=True) or None,
        covariates=wanted, treatment_column=row.get("treatment_column"),
        response_column=row.get("response_column"),
        response_coding=parse_mapping(row.get("response_coding"), as_int=True) or None,
        zero_time=row.get("zero_time", "error"),
    )
    counts, clinical, flow_match = validate.match_samples(
        counts, clinical, counts_file=counts_file, clinical_file=clin_file,
        allow_unmatched=row.get("allow_unmatched", False), id_prefix_length=row.get("id_prefix_length"))
    log.info("matched: %d samples, %d events", clinical.shape[0], int(clinical["os_event"].sum()))

    write_parquet(counts, snakemake.output.counts)
    write_tsv(clinical.reset_index(), snakemake.output.clinical)
    write_tsv(pd.concat([flow_clin, flow_match], ignore_index=True), snakemake.output.flow)
    write_tsv(gene_map, snakemake.output.gene_map)
    # the rule's inputs are exactly the cohort's files (counts, clinical[, sample_sheet])
    write_tsv(pd.DataFrame([{"role": r, "file": f, "sha256": sha256sum(f)} for r, f in snakemake.input.items()]),
              snakemake.output.checksums)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
