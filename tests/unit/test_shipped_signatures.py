"""The default signatures shipped in config/signatures/ (built by resources/build_signatures.py)."""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import pandas as pd
import pytest

from mitoscore.io import read_gmt

REPO = Path(__file__).resolve().parents[2]
SIG = REPO / "config" / "signatures"
DEMO = REPO / "resources" / "demo"
SHARED = Path(os.environ.get("MITOSCORE_SHARED", REPO.parent / "shared")).resolve()

LSC17_PUBLISHED = {
    "DNMT3B": 0.0874, "ZBTB46": -0.0347, "NYNRIN": 0.00865, "ARHGAP22": -0.0138, "LAPTM4B": 0.00582,
    "MMRN1": 0.0258, "DPYSL3": 0.0284, "KIAA0125": 0.0196, "CDK6": -0.0704, "CPXM1": -0.0258,
    "SOCS2": 0.0271, "SMIM24": -0.0226, "EMP1": 0.0146, "NGFRAP1": 0.0465, "CD34": 0.0338,
    "AKR1C3": -0.0402, "GPR56": 0.0501,
}  # Ng et al., Nature 2016


@pytest.fixture(scope="module")
def sets():
    out = {}
    for f in ("mitoscore_proxy.gmt", "hallmark_oxphos.gmt", "comparators.gmt"):
        out.update(read_gmt(SIG / f))
    return out


@pytest.fixture(scope="module")
def lsc17():
    return pd.read_csv(SIG / "lsc17.weights.tsv", sep="\t")


def test_mitoscore_proxy(sets):
    desc, genes = read_gmt(SIG / "mitoscore_proxy.gmt")["MITOSCORE"]
    assert len(genes) == 102
    assert "proxy" in desc.lower()
    mc = pd.read_csv(SHARED / "data" / "genesets" / "mitocarta3_human_genes.tsv", sep="\t")
    assert set(genes) <= set(mc["symbol"])
    assert set(genes) <= set(sets["MITOCARTA3_OXPHOS"][1])


def test_hallmark_oxphos(sets):
    desc, genes = sets["HALLMARK_OXIDATIVE_PHOSPHORYLATION"]
    assert len(genes) == 200
    assert "CC BY 4.0" in desc and "MSigDB" in desc
    # verbatim: same genes, same order as the MSigDB v7.0 file
    orig = read_gmt(SHARED / "data" / "genesets" / "msigdb_h.all.v7.0.symbols.gmt")
    assert genes == orig["HALLMARK_OXIDATIVE_PHOSPHORYLATION"][1]


def test_comparators(sets):
    assert len(sets["MITOCARTA3_OXPHOS"][1]) == 169
    assert {"MITOCARTA3_COMPLEX_I", "MITOCARTA3_TCA_CYCLE", "MITOCARTA3_FATTY_ACID_OXIDATION"} <= set(sets)
    assert not any("KEGG" in name.upper() for name in sets)


def test_lsc17(lsc17):
    assert list(lsc17.columns) == ["signature", "gene", "weight", "published_symbol"]
    assert len(lsc17) == 17 and (lsc17["signature"] == "LSC17").all()
    assert dict(zip(lsc17["published_symbol"], lsc17["weight"])) == LSC17_PUBLISHED
    ren = dict(zip(lsc17["published_symbol"], lsc17["gene"]))
    assert ren["KIAA0125"] == "FAM30A" and ren["NGFRAP1"] == "BEX3" and ren["GPR56"] == "ADGRG1"
    assert lsc17["gene"].is_unique


def test_no_kegg_anywhere():
    for f in SIG.iterdir():
        if f.suffix in (".gmt", ".tsv"):
            assert "KEGG" not in f.read_text().upper(), f


def test_signature_genes_in_demo_universe(sets, lsc17):
    with gzip.open(DEMO / "SYNTHETIC_cohortA_counts.tsv.gz", "rt") as fh:
        universe = {line.split("\t", 1)[0] for line in fh if not line.startswith("#")}
    needed = set(lsc17["gene"]) | {"BCL2", "MCL1"}
    for _, genes in sets.values():
        needed |= set(genes)
    assert needed <= universe, sorted(needed - universe)
