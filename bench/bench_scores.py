#!/usr/bin/env python3
"""Benchmark the vectorised ssGSEA (mitoscore.scores) on synthetic data.

Measurements (one TSV row each: task, n_genes, n_samples, n_sets, seconds, max_rel_diff):
- ``fast_ssgsea``: closed-form GSVA-1.46 ssGSEA, all sets x all samples (1 and N threads).
- ``exact_reference``: literal GSVA walk (ssgsea_reference) on a subset; max_rel_diff =
  max |fast - exact| / range(exact).
- ``gseapy_rank``: gseapy.ssgsea (sample_norm_method="rank") on a subset (default 50 sets
  x 150 samples); max_rel_diff = max |fast - gseapy| / range (expected <= 3%, tie order).
Every row also has ``peak_rss_mib``: the process's peak resident memory so far (MiB).

Usage: python bench/bench_scores.py --genes 20000 --samples 700 --sets 1000 --out bench.tsv
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd

from mitoscore import scores as S


def synthetic(n_genes: int, n_samples: int, n_sets: int, seed: int):
    rng = np.random.default_rng(seed)
    genes = [f"G{i:05d}" for i in range(n_genes)]
    mu = np.exp(rng.normal(3, 2, size=n_genes))[:, None]
    counts = rng.negative_binomial(5, 5 / (5 + mu), size=(n_genes, n_samples))  # many ties/zeros
    expr = pd.DataFrame(np.log2(counts + 1.0), index=genes,
                        columns=[f"S{j:04d}" for j in range(n_samples)])
    sizes = rng.integers(20, 201, size=n_sets)
    sets = {f"SET{i:04d}": list(rng.choice(genes, sizes[i], replace=False)) for i in range(n_sets)}
    return expr, sets


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--genes", type=int, default=20000)
    ap.add_argument("--samples", type=int, default=700)
    ap.add_argument("--sets", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3, help="repeats of the fast run (median reported)")
    ap.add_argument("--check-sets", type=int, default=20, help="sets for the exact-reference check")
    ap.add_argument("--check-samples", type=int, default=10, help="samples for the exact-reference check")
    ap.add_argument("--gseapy-sets", type=int, default=50)
    ap.add_argument("--gseapy-samples", type=int, default=150)
    ap.add_argument("--no-gseapy", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=None, help="TSV to write (one row per measurement)")
    a = ap.parse_args(argv)

    expr, sets = synthetic(a.genes, a.samples, a.sets, a.seed)
    rows = []

    def add(task, ng, ns, nset, sec, diff):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
        rows.append({"task": task, "n_genes": ng, "n_samples": ns, "n_sets": nset,
                     "seconds": sec, "max_rel_diff": diff, "peak_rss_mib": round(rss)})
        print(f"{task:24s} genes={ng} samples={ns} sets={nset} seconds="
              f"{'NA' if sec is None else f'{sec:.3f}'} max_rel_diff="
              f"{'NA' if diff is None else f'{diff:.3g}'}", flush=True)

    for thr in sorted({1, a.threads}):
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            sc, es = S.ssgsea_independent(expr, sets, threads=thr)
            times.append(time.perf_counter() - t0)
        add(f"fast_ssgsea_{thr}thread", a.genes, a.samples, a.sets, float(np.median(times)), None)

    # exact reference on a subset (literal GSVA walk, slow)
    cs = dict(list(sets.items())[: a.check_sets])
    sub = expr.iloc[:, : a.check_samples]
    t0 = time.perf_counter()
    ref = S.ssgsea_reference(sub, cs, normalize=False)
    t_ref = time.perf_counter() - t0
    fast = es.loc[list(cs), sub.columns]
    diff = float(np.abs(fast.to_numpy() - ref.to_numpy()).max() / np.ptp(ref.to_numpy()))
    add("exact_reference", a.genes, a.check_samples, len(cs), t_ref, diff)

    if not a.no_gseapy:
        import gseapy
        gs = dict(list(sets.items())[: a.gseapy_sets])
        gsub = expr.iloc[:, : a.gseapy_samples]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            ss = gseapy.ssgsea(data=gsub, gene_sets=gs, sample_norm_method="rank",
                               correl_norm_type="rank", weight=0.25, min_size=1, max_size=100000,
                               permutation_num=0, threads=a.threads, outdir=None, no_plot=True)
            t_gp = time.perf_counter() - t0
        gp = ss.res2d.pivot(index="Term", columns="Name", values="ES").astype(float)
        t0 = time.perf_counter()
        mine = S.ssgsea(gsub, gs, normalize=False, threads=a.threads)
        t_mine = time.perf_counter() - t0
        d = float(np.abs(mine.to_numpy() - gp.loc[mine.index, mine.columns].to_numpy()).max()
                  / np.ptp(mine.to_numpy()))
        add("gseapy_rank", a.genes, a.gseapy_samples, len(gs), t_gp, d)
        add("fast_ssgsea_same_subset", a.genes, a.gseapy_samples, len(gs), t_mine, None)

    print(f"peak RSS {rows[-1]['peak_rss_mib']} MiB")

    if a.out:
        from mitoscore.io import write_tsv
        write_tsv(pd.DataFrame(rows), a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
