#!/usr/bin/env python3
"""Build the shipped GSEA gene-set collections in ``config/genesets/`` from ``../shared/data``.

Development script (NOT run at workflow time; its outputs are committed):

    .venv/bin/python resources/build_genesets.py --shared ../shared/data --out config/genesets

The three collections are copied **byte for byte** (no gene renamed, no set dropped: the
workflow harmonises gene ids per cohort at run time, like the signatures) after checking
that each file parses, has the expected number of sets and the sha256 listed in
``shared/data/SHA256SUMS``; ``PROVENANCE.md`` records source, version, licence, sizes and
sha256 of inputs and outputs.

  mitocarta3_pathways.gmt     MitoCarta3.0 MitoPathways, 149 sets (Rath et al. 2021)
  msigdb_hallmark_v7.0.gmt    MSigDB Hallmark v7.0, 50 sets (CC BY 4.0)
  msigdb_reactome_v2023.1.gmt MSigDB C2:CP:REACTOME v2023.1.Hs, 1654 sets (CC BY 4.0)

No KEGG sets (KEGG licence).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mitoscore.io import atomic_write, read_gmt, sha256sum  # noqa: E402

#: output name -> (input under shared/data, expected number of sets, collection, version, licence, source)
COLLECTIONS = {
    "mitocarta3_pathways.gmt": (
        "genesets/mitocarta3_pathways.gmt", 149, "MitoCarta3.0 MitoPathways", "3.0 (2020)",
        "Broad Institute MitoCarta3.0 data; cite Rath et al. 2021 (check the MitoCarta terms of use before "
        "redistribution outside the project)",
        "derived by the shared-data curator from sheet A of Human.MitoCarta3.0 (repository "
        "contessaricci/mito_dysfunction_PIH, commit 52bf931f112919b18bbd5fef9a4d05b34045ba8d): every gene in its "
        "leaf pathway and all ancestors; all 149 gene sets checked identical to sheet C "
        "(SSID08/MitoCartaEnrichment, commit 5fe4779e6be0e5946f0be25a638cbe4d965ce1bd); description = "
        "'MitoCarta3.0 MitoPathways: <hierarchy path>'"),
    "msigdb_hallmark_v7.0.gmt": (
        "genesets/msigdb_h.all.v7.0.symbols.gmt", 50, "MSigDB Hallmark (h.all)", "v7.0",
        "CC BY 4.0 (MSigDB); keep the attribution (Liberzon et al. 2015)",
        "unchanged copy of h.all.v7.0.symbols.gmt from zqfang/GSEApy tests/extdata (blob "
        "8c0af0d5e6cafc515a62c9f0601dae9fde6f035e, commit 8611014ddbde0117dc0d1f0422c9846ac94a6a41)"),
    "msigdb_reactome_v2023.1.gmt": (
        "genesets/msigdb_c2.cp.reactome.v2023.1.Hs.symbols.gmt", 1654, "MSigDB C2:CP:REACTOME", "v2023.1.Hs",
        "CC BY 4.0 (Reactome data and MSigDB); keep the attribution (Gillespie et al. 2022; Liberzon et al. 2011)",
        "unchanged copy of c2.cp.reactome.v2023.1.Hs.symbols.gmt from LeoAnd00/Masters_Thesis "
        "(data/raw/pathway_information/, commit c79367d436faa2c7854dafd55f1b33ae0eb71253)"),
}


class BuildError(RuntimeError):
    pass


def expected_sha256(shared: Path) -> dict[str, str]:
    sums = {}
    for line in (shared / "SHA256SUMS").read_text().splitlines():
        digest, _, name = line.partition("  ")
        sums[name.strip().removeprefix("./")] = digest.strip()
    return sums


def build(shared: Path, out: Path) -> None:
    shared, out = Path(shared), Path(out)
    sums = expected_sha256(shared)
    rows = []
    for name, (src, n_sets, coll, version, licence, source) in COLLECTIONS.items():
        path = shared / src
        digest = sha256sum(path)
        if sums.get(src) != digest:
            raise BuildError(f"{path}: sha256 {digest} differs from shared/data/SHA256SUMS ({sums.get(src)})")
        sets = read_gmt(path)
        if len(sets) != n_sets:
            raise BuildError(f"{path}: expected {n_sets} gene sets, found {len(sets)}")
        data = path.read_bytes()
        with atomic_write(out / name, "wb") as fh:
            fh.write(data)
        if sha256sum(out / name) != digest:
            raise BuildError(f"{out / name}: copy differs from its source")
        sizes = sorted(len(g) for _, g in sets.values())
        genes = {g for _, gs in sets.values() for g in gs}
        rows.append((name, src, coll, version, licence, source, len(sets), len(genes), sizes[0], sizes[-1], digest))

    table = "\n".join(f"| `{r[0]}` | {r[2]} | {r[3]} | {r[6]} | {r[7]} | {r[8]}-{r[9]} |" for r in rows)
    sha = "\n".join(f"| `{r[0]}` | `shared/data/{r[1]}` | `{r[10]}` |" for r in rows)
    src = "\n".join(f"- `{r[0]}`: {r[5]}. Licence: {r[4]}." for r in rows)
    text = f"""# config/genesets: provenance of the shipped GSEA collections

Built by `resources/build_genesets.py` from the project's read-only reference folder `shared/data`
(see `shared/data/genesets/PROVENANCE.md` for the upstream repositories and commits).
Rebuild: `.venv/bin/python resources/build_genesets.py --shared ../shared/data --out config/genesets`.
The files are **byte-for-byte copies** of their sources (same sha256): no gene is renamed and no set is
dropped here. At run time the workflow harmonises each set's genes per cohort exactly as it does for the
signatures (`mitoscore.signatures.load_for_cohort`: current HGNC symbols, unless the cohort's
`gene_ids` is `as_is`), keeps the genes that are ranked in a contrast and writes the exact sets tested
to `results/cohorts/<cohort>/gsea/<contrast>_gene_sets.gmt`.
No KEGG gene sets are shipped (KEGG licence).

## Files

| file | collection | version | sets | distinct genes | set sizes |
| --- | --- | --- | --- | --- | --- |
{table}

## Sources and licences

{src}

## Checksums (sha256; output = input)

| file | copied from | sha256 |
| --- | --- | --- |
{sha}

## Citations

- Rath S, et al. MitoCarta3.0: an updated mitochondrial proteome now with sub-organelle localization and
  pathway annotations. Nucleic Acids Res 2021;49(D1):D1541-D1547. doi:10.1093/nar/gkaa1011
- Liberzon A, et al. The Molecular Signatures Database (MSigDB) hallmark gene set collection. Cell Syst
  2015;1:417-425. Liberzon A, et al. Molecular signatures database (MSigDB) 3.0. Bioinformatics
  2011;27:1739-1740. Subramanian A, et al. Gene set enrichment analysis. PNAS 2005;102:15545-15550.
- Gillespie M, et al. The reactome pathway knowledgebase 2022. Nucleic Acids Res 2022;50(D1):D687-D692.
"""
    with atomic_write(out / "PROVENANCE.md", "w", newline="") as fh:
        fh.write(text)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(REPO / "config" / "genesets"))
    a = ap.parse_args(argv)
    build(Path(a.shared), Path(a.out))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
