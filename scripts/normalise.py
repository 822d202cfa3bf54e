"""Rule normalise: DESeq2 size factors, log2(normalised + 1) and blind VST."""
from _common import run


def main(snakemake, log):
    import pandas as pd

    from mitoscore import de
    from mitoscore.io import write_parquet, write_tsv
    from mitoscore.scores import log2_normalised

    counts = pd.read_parquet(snakemake.input.counts)
    sf = de.size_factors(counts)
    write_tsv(pd.DataFrame({"sample": sf.index, "size_factor": sf.values}), snakemake.output.size_factors)
    write_parquet(log2_normalised(counts, sf), snakemake.output.log2norm)
    vst = de.vst(counts, n_cpus=snakemake.threads, inference=snakemake.params.inference)
    write_parquet(vst, snakemake.output.vst)
    log.info("normalised %d genes x %d samples", *counts.shape)


run(main, snakemake)  # noqa: F821
