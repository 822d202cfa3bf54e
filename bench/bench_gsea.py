#!/usr/bin/env python3
"""Benchmark GSEA prerank of one contrast: the three shipped collections (config/genesets:
MitoCarta3.0 pathways, Hallmark, Reactome; about 1,850 sets, ~1,170 of 15-500 ranked genes) x
1000 permutations x 20000 genes.

The ranking is a synthetic DE Wald statistic (N(0, 1), seeded) over a 20000-gene universe (every
gene of the harmonised collections + random NCBI protein-coding symbols), with a planted shift of
+/-1 in 6 sets so that some sets are enriched.

Engines (one per process, so peak RSS is the engine's):
- ``mitoscore``: ``mitoscore.gsea`` as the ``gsea`` rule runs it (load and harmonise the
  collections, filter, gseapy's engine for the observed ES, vectorised null), 2 threads;
- ``gseapy``: ``gseapy.prerank`` (gseapy 1.3.1, its own permutation null) on the same ranking
  and the same filtered sets, 2 threads, no plots; its table is saved for the agreement row.

Writes one JSON line (task, seconds, peak_rss_mib, n_sets, n_genes, n_perm, and for
``compare``: agreement of the two result tables).

Usage: python bench/bench_gsea.py --engine mitoscore --work /tmp/mitoscore-bench/gsea
       python bench/bench_gsea.py --engine gseapy --work ...; python bench/bench_gsea.py --engine compare --work ...
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COLLECTIONS = [
    {"name": "MitoCarta3.0", "gmt": str(REPO / "config" / "genesets" / "mitocarta3_pathways.gmt"),
     "mitochondrial": True},
    {"name": "Hallmark", "gmt": str(REPO / "config" / "genesets" / "msigdb_hallmark_v7.0.gmt")},
    {"name": "Reactome", "gmt": str(REPO / "config" / "genesets" / "msigdb_reactome_v2023.1.gmt")},
]


def fixture(work: Path, n_genes: int, seed: int) -> Path:
    """The synthetic DE table (gene, stat, log2FoldChange, pvalue), written once."""
    out = work / f"de_{n_genes}.tsv"
    if out.exists():
        return out
    from mitoscore import gsea

    colls = gsea.load_collections(COLLECTIONS, "symbol")
    genes = sorted({g for sets in colls.values() for _, gs in sets.values() for g in gs})
    ann = pd.read_csv(REPO / "resources" / "annotation" / "genes.tsv.gz", sep="\t", dtype=str)
    rng = np.random.default_rng(seed)
    pool = sorted(set(ann.loc[ann["gene_type"] == "protein-coding", "symbol"]) - set(genes))
    universe = genes + list(rng.choice(pool, n_genes - len(genes), replace=False))
    stat = pd.Series(rng.normal(size=len(universe)), index=universe)
    react = list(colls["Reactome"].items())
    for j, (term, (_, gs)) in enumerate([react[i] for i in rng.choice(len(react), 6, replace=False)]):
        stat[gs] += 1.0 if j % 2 == 0 else -1.0
    de = pd.DataFrame({"gene": universe, "stat": stat.to_numpy(), "log2FoldChange": stat.to_numpy() / 4,
                       "pvalue": 2 * (1 - pd.Series(np.abs(stat.to_numpy())).rank(pct=True)).clip(1e-6, 1)})
    work.mkdir(parents=True, exist_ok=True)
    de.to_csv(out, sep="\t", index=False)
    return out


SETTINGS = {"collections": COLLECTIONS, "rank_by": "stat", "weight": 1.0, "n_permutations": 1000,
            "seed": 20261123, "min_size": 15, "max_size": 500, "include_signatures": False}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", choices=["fixture", "mitoscore", "gseapy", "compare"], required=True)
    ap.add_argument("--work", default="/tmp/mitoscore-bench/gsea")
    ap.add_argument("--genes", type=int, default=20000)
    ap.add_argument("--perm", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    work = Path(a.work)
    de_file = fixture(work, a.genes, a.seed)
    if a.engine == "fixture":
        return 0
    settings = dict(SETTINGS, n_permutations=a.perm)
    from mitoscore import gsea

    de = pd.read_csv(de_file, sep="\t")
    t0 = time.perf_counter()
    if a.engine == "mitoscore":
        res = gsea.analyse_contrast(de, contrast={"name": "bench", "column": "x", "test": "B", "reference": "A"},
                                    settings=settings, signature_specs=[], gene_ids="symbol", threads=a.threads)
        sec = time.perf_counter() - t0
        res.table.to_csv(work / "mitoscore.tsv", sep="\t", index=False)
        n_sets = len(res.table)
    elif a.engine == "gseapy":
        import gseapy

        ranking = gsea.ranking_from_de(de, "stat")
        sets = gsea.filter_sets(gsea.load_collections(COLLECTIONS, "symbol"), ranking, min_size=15, max_size=500)
        t0 = time.perf_counter()  # gseapy's own run only (same ranking and sets as mitoscore)
        pre = gseapy.prerank(rnk=ranking.copy(), gene_sets={f"{s.collection}__{s.term}": s.genes for s in sets},
                             permutation_num=a.perm, threads=a.threads, seed=settings["seed"], min_size=15,
                             max_size=500, ascending=None, no_plot=True, outdir=None)
        sec = time.perf_counter() - t0
        pre.res2d.drop(columns=[c for c in ("RES", "hits") if c in pre.res2d]).to_csv(
            work / "gseapy.tsv", sep="\t", index=False)
        n_sets = len(pre.res2d)
    else:
        m = pd.read_csv(work / "mitoscore.tsv", sep="\t")
        g = pd.read_csv(work / "gseapy.tsv", sep="\t")
        g["key"] = g["Term"]
        m["key"] = m["collection"] + "__" + m["term"]
        d = m.merge(g, on="key")
        sig_m, sig_g = set(d.key[d.fdr < 0.25]), set(d.key[d["FDR q-val"] < 0.25])
        print(json.dumps({"task": "compare", "n_sets": len(d), "same_sets": len(d) == len(m) == len(g),
                          "max_abs_es_diff": float((d.es - d.ES).abs().max()),
                          "max_abs_nes_diff": float((d.nes - d.NES).abs().max()),
                          "nes_corr": float(np.corrcoef(d.nes, d.NES)[0, 1]),
                          "fdr25_mitoscore": len(sig_m), "fdr25_gseapy": len(sig_g),
                          "fdr25_jaccard": len(sig_m & sig_g) / max(1, len(sig_m | sig_g)),
                          "leading_edge_identical": bool((d.leading_edge.fillna("")
                                                          == d.Lead_genes.fillna("")).all())}))
        return 0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"task": a.engine, "seconds": sec, "peak_rss_mib": rss, "n_sets": n_sets, "n_genes": len(de),
                      "n_perm": a.perm, "threads": a.threads}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
