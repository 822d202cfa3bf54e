"""Derive the compact gene annotation shipped in resources/annotation/ from the shared
NCBI Gene extract (org.Hs.eg.db 3.16; see PROVENANCE.md).

Usage:  python resources/annotation/make_annotation.py [SHARED_ANNOTATION_DIR]
        (default: ../shared/data/annotation beside the repository)

Output (gzip TSV, deterministic: mtime 0, sorted rows):
  genes.tsv.gz    entrez_id, symbol, gene_type, ensembl_ids (';'-separated, unversioned)
  aliases.tsv.gz  alias, entrez_id   (alias/previous symbols; the current symbol is
                  taken from genes.tsv.gz; rows where alias == current symbol are dropped)

Changes with respect to the source, and why:
  * the 37 mitochondrially encoded genes (chromosome MT) get their HGNC symbols
    (COX1 -> MT-CO1, ND1 -> MT-ND1, ATP6 -> MT-ATP6, CYTB -> MT-CYB, RNR1 -> MT-RNR1,
    TRNL1 -> MT-TL1, ...): NCBI Gene uses the short names, but GENCODE/GDC count files,
    MSigDB and MitoCarta use MT-*; the NCBI names are kept as aliases.
  * the 'name' and 'chromosome' columns are dropped (not needed; keeps the files small).
"""
from __future__ import annotations

import gzip
import io
import re
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def hgnc_mt_symbol(sym: str) -> str | None:
    fixed = {"COX1": "MT-CO1", "COX2": "MT-CO2", "COX3": "MT-CO3", "CYTB": "MT-CYB",
             "ATP6": "MT-ATP6", "ATP8": "MT-ATP8", "RNR1": "MT-RNR1", "RNR2": "MT-RNR2"}
    if sym in fixed:
        return fixed[sym]
    if re.fullmatch(r"ND[1-6]L?", sym):
        return "MT-" + sym
    m = re.fullmatch(r"TRN([A-Z][12]?)", sym)
    if m:
        return "MT-T" + m.group(1)
    return None


def write_gz_tsv(df: pd.DataFrame, path: Path) -> None:
    buf = df.to_csv(sep="\t", index=False, lineterminator="\n").encode()
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9, filename="") as gz:
        gz.write(buf)


def main(src: Path) -> None:
    genes = pd.read_csv(src / "hs_genes.tsv.gz", sep="\t", dtype=str, keep_default_na=False)
    aliases = pd.read_csv(src / "hs_aliases.tsv.gz", sep="\t", dtype=str, keep_default_na=False)
    mt = genes["chromosome"] == "MT"
    new = genes.loc[mt, "symbol"].map(hgnc_mt_symbol)
    renamed = new.notna()
    extra = pd.DataFrame({"alias": genes.loc[mt, "symbol"][renamed], "entrez_id": genes.loc[mt, "entrez_id"][renamed]})
    genes.loc[new[renamed].index, "symbol"] = new[renamed]
    assert renamed.sum() == 37, renamed.sum()
    cur = dict(zip(genes["entrez_id"], genes["symbol"]))
    al = pd.concat([aliases[["alias", "entrez_id"]], extra], ignore_index=True)
    al = al[al["entrez_id"].isin(cur)]
    al = al[al["alias"] != al["entrez_id"].map(cur)].drop_duplicates()
    genes = genes[["entrez_id", "symbol", "gene_type", "ensembl_ids"]]
    genes = genes.assign(_k=genes["entrez_id"].astype(int)).sort_values("_k").drop(columns="_k")
    al = al.assign(_k=al["entrez_id"].astype(int)).sort_values(["alias", "_k"]).drop(columns="_k")
    write_gz_tsv(genes, HERE / "genes.tsv.gz")
    write_gz_tsv(al, HERE / "aliases.tsv.gz")
    print(f"genes: {len(genes)} rows; aliases: {len(al)} rows")


if __name__ == "__main__":
    default = HERE.parents[2] / "shared" / "data" / "annotation"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
