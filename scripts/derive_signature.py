"""Rule derive_signature: top-N DE genes of the discovery cohort -> frozen GMT with sha256."""
from _common import run


def main(snakemake, log):
    from mitoscore.derive import derive_signature
    from mitoscore.io import atomic_write, read_gmt, read_tsv, sha256sum, write_gmt, write_tsv

    d = snakemake.params.derivation
    de = read_tsv(snakemake.input.de)
    universe = None
    if d.get("restrict_gmt"):
        universe = {g for _, genes in read_gmt(snakemake.input.restrict).values() for g in genes}
    genes, table = derive_signature(de, universe, top_n=d["top_n"], direction=d["direction"],
                                    padj_max=d["padj_max"], min_base_mean=d["min_base_mean"],
                                    source=str(snakemake.input.de))
    name = snakemake.wildcards.name
    desc = (f"derived in {snakemake.params.cohort} from {d['contrast']} ({d['direction']}, top {len(genes)}, "
            f"padj<{d['padj_max']}); frozen")
    write_gmt({name: (desc, genes)}, snakemake.output.gmt)
    write_tsv(table, snakemake.output.genes)
    digest = sha256sum(snakemake.output.gmt)
    with atomic_write(snakemake.output.checksum) as fh:
        fh.write(f"{digest}  {snakemake.output.gmt}\n")
    log.info("%s: %d genes derived in %s (sha256 %s)", name, len(genes), snakemake.params.cohort, digest[:12])


run(main, snakemake)  # noqa: F821
