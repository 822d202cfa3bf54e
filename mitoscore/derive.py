"""Derive a signature from a discovery cohort (then frozen and applied unchanged to validation cohorts).

The MitoScore of Bosc et al. was built from genes that distinguish high- from low-OXPHOS
(or responder from refractory) samples among mitochondrial genes. This module reproduces
that step on a discovery cohort's DESeq2 results: genes of a restricting universe
(MitoCarta3.0 by default) with baseMean >= ``min_base_mean`` and padj < ``padj_max``,
ranked by the Wald statistic in the requested direction; the top ``top_n`` become the
signature. The workflow writes it as a GMT with its sha256 (a frozen artefact) and scores
it only in validation cohorts, so no validation result is computed on the data the
signature was selected from.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from .errors import InputError


def derive_signature(de: pd.DataFrame, universe=None, *, top_n: int = 50, direction: str = "up",
                     padj_max: float = 0.1, min_base_mean: float = 10.0, min_genes: int = 5,
                     source: str = "DE table") -> tuple[list[str], pd.DataFrame]:
    """Select the signature genes from a DESeq2 results table.

    Returns (genes in rank order, table of the selected genes with rank, baseMean,
    log2FoldChange, stat, padj). ``direction`` "up" keeps genes higher in the contrast's
    test group (stat > 0), "down" genes lower (stat < 0). Fewer than ``min_genes``
    qualifying genes is an error (the discovery contrast carries no usable signal).
    """
    if direction not in ("up", "down"):
        raise ValueError("direction must be 'up' or 'down'")
    need = {"gene", "baseMean", "log2FoldChange", "stat", "padj"}
    missing = need - set(de.columns)
    if missing:
        raise InputError(f"DE table lacks columns {sorted(missing)}", file=source,
                         fix="derive from a results table of the workflow's de rule")
    t = de.copy()
    if universe is not None:
        t = t[t["gene"].isin(set(universe))]
    sign = 1.0 if direction == "up" else -1.0
    ok = (t["baseMean"] >= min_base_mean) & (t["padj"] < padj_max) & (sign * t["stat"] > 0)
    t = t[ok & np.isfinite(t["stat"])]
    t = t.assign(_key=-sign * t["stat"]).sort_values(["_key", "gene"], kind="mergesort").drop(columns="_key")
    t = t.head(top_n)
    if len(t) < min_genes:
        raise InputError(f"only {len(t)} genes qualify for the derived signature (padj < {padj_max}, "
                         f"baseMean >= {min_base_mean}, direction {direction})", file=source,
                         fix="choose a discovery contrast with signal, relax padj_max/min_base_mean, "
                             "or disable derivation")
    out = t[["gene", "baseMean", "log2FoldChange", "stat", "padj"]].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out["gene"].tolist(), out
