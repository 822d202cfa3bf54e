#!/usr/bin/env python3
"""Benchmark mitoscore.de.run_deseq (DESeq2 Wald test, condition B vs A).

Times the DE computation only (reading/simulating the input is excluded), for one or
more inference back ends, and compares them with the pydeseq2 default back end when
it was run in the same invocation (max |log2FC difference|, Jaccard of padj<0.1 sets).

Examples::

    python bench/bench_de.py --fixture /tmp/fixture_large --inference default fast --n-cpus 2
    python bench/bench_de.py --genes 5000 --samples 80 --inference fast --out bench_de.tsv

The reference point (oracle README, 20000 x 150, 2 cores): R DESeq2 DESeq()+results()
46.5 s compute; stock pydeseq2 (n_cpus=2) ~106 s.

Output TSV, one row per measurement: task, n_genes, n_samples, inference, n_cpus,
repeat, seconds, n_sig, max_lfc_diff_vs_default, jaccard_vs_default. With --out, rows
are appended to an existing file.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mitoscore.de import run_deseq  # noqa: E402
from mitoscore.io import read_tsv, write_tsv  # noqa: E402
import mitoscore.fastdeseq  # noqa: E402,F401  (package loading is not timed, as in the oracle)
import pydeseq2.dds  # noqa: E402,F401
import pydeseq2.ds  # noqa: E402,F401

COLUMNS = ["task", "n_genes", "n_samples", "inference", "n_cpus", "repeat", "seconds", "n_sig",
           "max_lfc_diff_vs_default", "jaccard_vs_default"]


def _oracle_dir() -> Path:
    shared = Path(os.environ.get("MITOSCORE_SHARED", REPO.parent / "shared"))
    return shared / "oracle"


def simulate(n_genes: int, n_samples: int, seed: int, out: str) -> None:
    """Generate a fixture with the oracle's generator (shared/oracle/make_fixture.py)."""
    path = _oracle_dir() / "make_fixture.py"
    if not path.exists():
        sys.exit(f"{path} not found: set MITOSCORE_SHARED to the shared/ folder")
    spec = importlib.util.spec_from_file_location("oracle_make_fixture", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.make(n_genes=n_genes, n_samples=n_samples, seed=seed, out=out)


def load(fixture: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    counts = pd.read_csv(Path(fixture) / "counts.tsv", sep="\t", index_col=0)
    clin = pd.read_csv(Path(fixture) / "clinical.tsv", sep="\t").set_index("sample_id")
    return counts, clin


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--fixture", help="directory with counts.tsv + clinical.tsv (oracle layout)")
    ap.add_argument("--genes", type=int, default=2000, help="simulate this many genes (no --fixture)")
    ap.add_argument("--samples", type=int, default=60, help="simulate this many samples (no --fixture)")
    ap.add_argument("--seed", type=int, default=20240602)
    ap.add_argument("--inference", nargs="+", choices=["fast", "fast-newton", "default"], default=["fast"],
                    help="back ends to time; 'default' runs first so 'fast' can be compared")
    ap.add_argument("--n-cpus", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--design", default="~condition")
    ap.add_argument("--shrink", action="store_true", help="include lfc_shrink in the timing")
    ap.add_argument("--out", help="append result rows to this TSV")
    ap.add_argument("--keep-results", help="write the last 'fast' results table here (for comparison with R)")
    a = ap.parse_args(argv)

    if a.fixture:
        counts, clin = load(a.fixture)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            simulate(a.genes, a.samples, a.seed, tmp)
            counts, clin = load(tmp)
    n_genes, n_samples = counts.shape
    task = "deseq2+shrink" if a.shrink else "deseq2"
    order = sorted(set(a.inference), key=lambda s: s != "default")

    rows = []
    ref = None
    for inf in order:
        for rep in range(a.repeats):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                res = run_deseq(counts, clin, a.design, ("condition", "B", "A"),
                                lfc_shrink=a.shrink, n_cpus=a.n_cpus, inference=inf)
                secs = time.perf_counter() - t0
            sig = set(res.loc[res["padj"] < 0.1, "gene"])
            if inf == "default" and ref is None:
                ref = res
            max_diff = jac = np.nan
            if ref is not None:
                max_diff = float(np.nanmax(np.abs(res["log2FoldChange"].to_numpy()
                                                  - ref["log2FoldChange"].to_numpy())))
                ref_sig = set(ref.loc[ref["padj"] < 0.1, "gene"])
                union = sig | ref_sig
                jac = len(sig & ref_sig) / len(union) if union else 1.0
            row = dict(task=task, n_genes=n_genes, n_samples=n_samples, inference=inf,
                       n_cpus=a.n_cpus, repeat=rep + 1, seconds=round(secs, 3), n_sig=len(sig),
                       max_lfc_diff_vs_default=max_diff, jaccard_vs_default=jac)
            rows.append(row)
            if a.keep_results and inf == "fast":
                write_tsv(res, a.keep_results)
            print("\t".join(f"{k}={v}" for k, v in row.items()), flush=True)

    table = pd.DataFrame(rows, columns=COLUMNS)
    if a.out:
        if Path(a.out).exists():
            table = pd.concat([read_tsv(a.out), table], ignore_index=True)
        write_tsv(table, a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
