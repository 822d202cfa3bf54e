#!/usr/bin/env python3
"""Build the shipped default signatures in ``config/signatures/`` from ``../shared/data``.

Development script (NOT run at workflow time; its outputs are committed):

    .venv/bin/python resources/build_signatures.py --shared ../shared/data --out config/signatures

Writes
  mitoscore_proxy.gmt   MITOSCORE = MitoCarta3.0 OXPHOS subunits (102 genes), a PROXY for the
                        unpublished Bosc et al. 2021 MitoScore list
  hallmark_oxphos.gmt   HALLMARK_OXIDATIVE_PHOSPHORYLATION, MSigDB Hallmark v7.0 (200 genes, order kept)
  lsc17.weights.tsv     signature, gene, weight, published_symbol (LSC17, Ng et al. 2016)
  comparators.gmt       MitoCarta3.0 OXPHOS (169), Complex I, TCA cycle, fatty-acid oxidation
  PROVENANCE.md         sources, sha256 of inputs and outputs, citations, how to drop in the real list

LSC17 symbols are resolved to current NCBI/HGNC symbols with the alias table
(``annotation/hs_aliases.tsv.gz``); the build fails loudly if a symbol is unknown, an alias
is ambiguous, or the result disagrees with the ``current_symbol`` column of the weights file.
No KEGG sets (KEGG licence).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mitoscore.io import atomic_write, read_gmt, sha256sum, write_gmt  # noqa: E402

PROXY_DESC = ("MitoScore proxy: MitoCarta3.0 OXPHOS subunits (the published Bosc et al. 2021 gene list "
              "is not available; replace this file with it)")
HALLMARK_DESC = ("MSigDB Hallmark v7.0 (Liberzon et al. 2015, Cell Syst 1:417), CC BY 4.0, unchanged; "
                 "http://www.gsea-msigdb.org/gsea/msigdb/cards/HALLMARK_OXIDATIVE_PHOSPHORYLATION")
COMPARATORS = ["MITOCARTA3_OXPHOS", "MITOCARTA3_COMPLEX_I", "MITOCARTA3_TCA_CYCLE",
               "MITOCARTA3_FATTY_ACID_OXIDATION"]
EXPECTED_RENAMES = {"KIAA0125": "FAM30A", "NGFRAP1": "BEX3", "GPR56": "ADGRG1"}

INPUTS = {
    "mitocarta_gmt": "genesets/mitocarta3_pathways.gmt",
    "mitocarta_genes": "genesets/mitocarta3_human_genes.tsv",
    "hallmark": "genesets/msigdb_h.all.v7.0.symbols.gmt",
    "lsc17": "genesets/lsc17_weights.tsv",
    "genes": "annotation/hs_genes.tsv.gz",
    "aliases": "annotation/hs_aliases.tsv.gz",
}


class BuildError(RuntimeError):
    pass


def resolve_symbol(sym: str, current: set[str], aliases: pd.DataFrame) -> str:
    """Current symbol of ``sym``: itself if official, else the unique alias target."""
    if sym in current:
        return sym
    targets = sorted(set(aliases.loc[aliases["alias"] == sym, "symbol"]))
    if len(targets) == 1:
        return targets[0]
    if not targets:
        raise BuildError(f"LSC17 symbol {sym!r} is neither an official symbol nor a known alias")
    raise BuildError(f"LSC17 symbol {sym!r} is an ambiguous alias of {targets}")


def build_lsc17(shared: Path) -> pd.DataFrame:
    w = pd.read_csv(shared / INPUTS["lsc17"], sep="\t", dtype={"published_symbol": str, "current_symbol": str})
    genes = pd.read_csv(shared / INPUTS["genes"], sep="\t", dtype=str)
    aliases = pd.read_csv(shared / INPUTS["aliases"], sep="\t", dtype=str)
    current = set(genes["symbol"])
    if len(w) != 17 or w["published_symbol"].duplicated().any():
        raise BuildError(f"expected 17 unique LSC17 genes, got {len(w)}")
    rows = []
    for _, r in w.iterrows():
        cur = resolve_symbol(r["published_symbol"], current, aliases)
        if cur != r["current_symbol"]:
            raise BuildError(f"LSC17 {r['published_symbol']}: alias table gives {cur}, "
                             f"weights file says {r['current_symbol']}")
        if r["published_symbol"] in EXPECTED_RENAMES and cur != EXPECTED_RENAMES[r["published_symbol"]]:
            raise BuildError(f"unexpected resolution {r['published_symbol']} -> {cur}")
        rows.append({"signature": "LSC17", "gene": cur, "weight": r["weight"],
                     "published_symbol": r["published_symbol"]})
    out = pd.DataFrame(rows)
    if out["gene"].duplicated().any():
        raise BuildError("two LSC17 symbols resolve to the same gene")
    return out


def build(shared: Path, out: Path) -> None:
    shared, out = Path(shared), Path(out)
    mc = read_gmt(shared / INPUTS["mitocarta_gmt"])
    mc_genes = set(pd.read_csv(shared / INPUTS["mitocarta_genes"], sep="\t", dtype=str)["symbol"])
    hall = read_gmt(shared / INPUTS["hallmark"])

    subunits = mc["MITOCARTA3_OXPHOS_SUBUNITS"][1]
    if len(subunits) != 102 or not set(subunits) <= mc_genes:
        raise BuildError(f"MITOCARTA3_OXPHOS_SUBUNITS: expected 102 MitoCarta genes, got {len(subunits)}")
    write_gmt({"MITOSCORE": (PROXY_DESC, subunits)}, out / "mitoscore_proxy.gmt")

    ox = hall["HALLMARK_OXIDATIVE_PHOSPHORYLATION"][1]
    if len(ox) != 200:
        raise BuildError(f"HALLMARK_OXIDATIVE_PHOSPHORYLATION: expected 200 genes, got {len(ox)}")
    write_gmt({"HALLMARK_OXIDATIVE_PHOSPHORYLATION": (HALLMARK_DESC, ox)}, out / "hallmark_oxphos.gmt")

    comp = {k: (mc[k][0] + " (MitoCarta3.0, Rath et al. 2021)", mc[k][1]) for k in COMPARATORS}
    write_gmt(comp, out / "comparators.gmt")

    lsc = build_lsc17(shared)
    with atomic_write(out / "lsc17.weights.tsv", "w", newline="") as fh:
        lsc.to_csv(fh, sep="\t", index=False, lineterminator="\n")

    outputs = ["mitoscore_proxy.gmt", "hallmark_oxphos.gmt", "lsc17.weights.tsv", "comparators.gmt"]
    in_rows = "\n".join(f"| `shared/data/{p}` | `{sha256sum(shared / p)}` |" for p in INPUTS.values())
    out_rows = "\n".join(f"| `{p}` | `{sha256sum(out / p)}` |" for p in outputs)
    sizes = "\n".join(f"| `{k}` | {len(v[1])} |" for k, v in comp.items())
    renames = ", ".join(f"{a} -> {b}" for a, b in EXPECTED_RENAMES.items())
    text = f"""# config/signatures: provenance of the shipped default signatures

Built by `resources/build_signatures.py` from the project's read-only reference folder
`shared/data` (see its `PROVENANCE.md` files for the upstream repositories and commits).
Rebuild: `.venv/bin/python resources/build_signatures.py --shared ../shared/data --out config/signatures`.
No KEGG gene sets are shipped (KEGG licence).

## Files

| file | content |
| --- | --- |
| `mitoscore_proxy.gmt` | one set `MITOSCORE` = MitoCarta3.0 `OXPHOS > OXPHOS subunits` ({len(subunits)} genes) |
| `hallmark_oxphos.gmt` | `HALLMARK_OXIDATIVE_PHOSPHORYLATION`, MSigDB Hallmark v7.0, genes and order unchanged ({len(ox)} genes); only the description field carries the attribution |
| `lsc17.weights.tsv` | `signature, gene, weight, published_symbol`: LSC17 weights as published; `gene` = current NCBI/HGNC symbol |
| `comparators.gmt` | secondary comparators from MitoCarta3.0 MitoPathways (sets below, verbatim) |

Comparator sizes:

| set | genes |
| --- | --- |
{sizes}

## MITOSCORE is a PROXY

The gene list of the MitoScore of Bosc et al. (Nat Cancer 2021;2:1204-1223) is not available to
this project. `MITOSCORE` is therefore a clearly labelled **proxy**: the 102 MitoCarta3.0 OXPHOS
subunit genes. Results computed with it are results for the proxy, not for the published score.

**Dropping in the published list:** write a GMT file with one line
`MITOSCORE<TAB><description><TAB>GENE1<TAB>GENE2...` (HGNC symbols), replace
`config/signatures/mitoscore_proxy.gmt` with it (or point the config's signature entry at
your file); every downstream step follows. Keep a note of its source in this file.

## LSC17 symbol resolution

Published symbols were resolved through `annotation/hs_aliases.tsv.gz` (NCBI Gene via
org.Hs.eg.db 3.16); an unknown or ambiguous alias stops the build. Renamed genes: {renames}.
The weights are those of Ng et al. 2016 (score = sum of weight x normalised log2 expression).

## Checksums (sha256)

Inputs:

| file | sha256 |
| --- | --- |
{in_rows}

Outputs:

| file | sha256 |
| --- | --- |
{out_rows}

## Citations and licences

- Rath S, et al. MitoCarta3.0: an updated mitochondrial proteome now with sub-organelle localization
  and pathway annotations. Nucleic Acids Res 2021;49(D1):D1541-D1547. doi:10.1093/nar/gkaa1011
  (Broad Institute; check the MitoCarta terms of use before redistribution outside the project).
- Liberzon A, et al. The Molecular Signatures Database (MSigDB) hallmark gene set collection.
  Cell Syst 2015;1:417-425; Subramanian A, et al. PNAS 2005;102:15545-15550. MSigDB Hallmark,
  CC BY 4.0: keep this attribution when redistributing `hallmark_oxphos.gmt`.
- Ng SWK, et al. A 17-gene stemness score for rapid determination of risk in acute leukaemia.
  Nature 2016;540:433-437 (published weights; facts, no licence restriction).
- Bosc C, et al. Mitochondrial inhibitors circumvent adaptive resistance to venetoclax and
  cytarabine combination therapy in acute myeloid leukemia. Nat Cancer 2021;2:1204-1223
  (the MitoScore that `MITOSCORE` stands in for).
"""
    with atomic_write(out / "PROVENANCE.md", "w", newline="") as fh:
        fh.write(text)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(REPO / "config" / "signatures"))
    a = ap.parse_args(argv)
    build(Path(a.shared), Path(a.out))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
