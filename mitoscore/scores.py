"""Per-sample signature scores: ssGSEA (exact GSVA 1.46), singscore, mean-z,
weighted sums, z-scoring and grouping rules.

ssGSEA (Barbie et al. 2009) as implemented in GSVA 1.46.0 ``gsva(method="ssgsea")``
-----------------------------------------------------------------------------------
For every sample j of the genes x samples matrix X (N genes):

1. ``R[, j] = as.integer(colRanks(X, ties.method="average"))``: the average rank of
   each gene, ascending, **truncated** to an integer (x.5 -> x).
2. ``geneRanking = order(R[, j], decreasing=TRUE)``: genes from the highest to the
   lowest rank; R's radix ``order`` is stable, so tied genes keep input-row order.
3. For a gene set G (k genes present in X; absent genes are dropped) the walk is

       P_in(i)  = sum_{g in G, pos(g) <= i} R_g^alpha / sum_{g in G} R_g^alpha
       P_out(i) = #{g not in G, pos(g) <= i} / (N - k)
       ES       = sum_{i=1..N} (P_in(i) - P_out(i))

4. ``ssgsea.norm=TRUE`` divides every ES by ``max(ES) - min(ES)`` taken over the
   **whole** sets x samples matrix.

Closed form used here (exact algebra, no approximation): with p_g the 1-based
position of gene g in ``geneRanking`` and q_g = N - p_g + 1,

    ES = sum_G R_g^alpha q_g / sum_G R_g^alpha - (N(N+1)/2 - sum_G q_g) / (N - k)

so each sample is sorted once, the matrices ``W = R^alpha``, ``Q`` and ``W*Q`` are
built once (genes x samples) and every set's ES is three sparse row-sums
(set-indicator matrix @ matrix). :func:`ssgsea_reference` is the literal walk,
kept for validation.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ._lazy import lazy
from .errors import InputError

sparse = lazy("scipy.sparse")  # imported on first use (job start-up cost)

__all__ = [
    "ssgsea", "ssgsea_es", "ssgsea_independent", "ssgsea_reference", "gsva_ranks",
    "singscore", "mean_z", "weighted_sum", "zscore", "cut_groups", "cut_scale", "quantile_cuts",
    "log2_normalised", "median_of_ratios",
]


# ----------------------------------------------------------------------------- helpers
def _check_expr(expr: pd.DataFrame, what: str = "expression matrix") -> np.ndarray:
    if not isinstance(expr, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame (genes x samples)")
    if expr.shape[0] == 0 or expr.shape[1] == 0:
        raise InputError(f"the {what} is empty ({expr.shape[0]} genes x {expr.shape[1]} samples)",
                         fix="check the counts file and the sample/gene filters")
    if expr.index.has_duplicates:
        dup = expr.index[expr.index.duplicated()].unique()[:5].tolist()
        raise InputError(f"the {what} has duplicated gene ids, e.g. {dup}",
                         fix="aggregate duplicated genes (mitoscore.genes) before scoring")
    try:
        x = expr.to_numpy(dtype=float)
    except (TypeError, ValueError) as e:
        raise InputError(f"the {what} has non-numeric values ({e})",
                         fix="pass a numeric genes x samples matrix") from None
    if not np.isfinite(x).all():
        bad = np.argwhere(~np.isfinite(x))[0]
        raise InputError(f"the {what} has missing or infinite values",
                         row=str(expr.index[bad[0]]), column=str(expr.columns[bad[1]]),
                         fix="remove or impute missing values before scoring")
    return x


def _set_indices(index: pd.Index, sets: Mapping[str, Iterable[str]]) -> tuple[list[str], list[np.ndarray]]:
    """Map set genes to row indices (absent genes dropped, duplicates collapsed),
    as GSVA's ``.mapGeneSetsToFeatures``; a set with no gene present is an error."""
    if isinstance(sets, (str, bytes)) or not hasattr(sets, "items"):
        raise TypeError("sets must be a mapping {set name: list of genes}")
    if len(sets) == 0:
        raise InputError("no gene sets to score", fix="give at least one signature")
    pos = {g: i for i, g in enumerate(index)}
    names, idx = [], []
    for name, genes in sets.items():
        if isinstance(genes, str):
            genes = [genes]
        genes = list(dict.fromkeys(genes))
        hit = np.fromiter((pos[g] for g in genes if g in pos), dtype=np.int64)
        if hit.size == 0:
            raise InputError(
                f"gene set '{name}' has none of its {len(genes)} genes in the expression matrix "
                f"(e.g. {genes[:3]})", value=name,
                fix="check that the signature uses the same gene-id type as the counts "
                    "(symbol / Ensembl / Entrez) or drop the signature")
        if hit.size == len(index):
            raise InputError(f"gene set '{name}' contains every gene of the matrix; the ssGSEA "
                             "walk is undefined", value=name,
                             fix="use a signature smaller than the gene universe")
        names.append(str(name))
        idx.append(np.sort(hit))
    return names, idx


def _indicator(idx: list[np.ndarray], n_genes: int) -> sparse.csr_matrix:
    rows = np.repeat(np.arange(len(idx)), [len(i) for i in idx])
    cols = np.concatenate(idx) if idx else np.zeros(0, dtype=np.int64)
    return sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(idx), n_genes))


def _rank_block(xt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a samples x genes block return (R, Q), both samples x genes:
    R = GSVA 1.46 truncated average rank (1-based, ascending),
    Q = N - p + 1 with p the position in ``order(R, decreasing=TRUE)`` (ties in row order).
    """
    s, n = xt.shape
    order = np.argsort(xt, axis=1, kind="stable")          # ascending, ties in row order
    xs = np.take_along_axis(xt, order, axis=1)
    ar = np.broadcast_to(np.arange(n), (s, n))
    newgrp = np.ones((s, n), dtype=bool)
    newgrp[:, 1:] = xs[:, 1:] != xs[:, :-1]
    start = np.maximum.accumulate(np.where(newgrp, ar, 0), axis=1)   # 0-based group start a0
    endgrp = np.ones((s, n), dtype=bool)
    endgrp[:, :-1] = newgrp[:, 1:]
    end = np.minimum.accumulate(np.where(endgrp, ar, n - 1)[:, ::-1], axis=1)[:, ::-1]  # b0
    # ascending 1-based span [a0+1, b0+1]; average rank (a0+b0+2)/2 truncated like as.integer()
    r_sorted = (start + end + 2) // 2
    # descending stable order: groups reversed, members in row order ->
    # p = (N - b0) + (i - a0), so q = N - p + 1 = a0 + b0 + 1 - i
    q_sorted = start + end + 1 - ar
    R = np.empty((s, n), dtype=np.int64)
    Q = np.empty((s, n), dtype=np.int64)
    np.put_along_axis(R, order, r_sorted, axis=1)
    np.put_along_axis(Q, order, q_sorted, axis=1)
    return R, Q


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ascending, tied values share the mean of their positions) down
    each column of a finite genes x samples array: exactly ``scipy.stats.rankdata(x,
    method="average", axis=0)`` (the ranks are half-integers, exact in floating point),
    without importing scipy.stats (~1 CPU s per job)."""
    xt = np.ascontiguousarray(np.asarray(x, dtype=float).T)
    s, n = xt.shape
    order = np.argsort(xt, axis=1, kind="stable")
    xs = np.take_along_axis(xt, order, axis=1)
    ar = np.broadcast_to(np.arange(n), (s, n))
    newgrp = np.ones((s, n), dtype=bool)
    newgrp[:, 1:] = xs[:, 1:] != xs[:, :-1]
    start = np.maximum.accumulate(np.where(newgrp, ar, 0), axis=1)   # 0-based first position of the tie group
    endgrp = np.ones((s, n), dtype=bool)
    endgrp[:, :-1] = newgrp[:, 1:]
    end = np.minimum.accumulate(np.where(endgrp, ar, n - 1)[:, ::-1], axis=1)[:, ::-1]  # and its last
    out = np.empty((s, n))
    np.put_along_axis(out, order, (start + end + 2) / 2.0, axis=1)
    return out.T


def average_ranks_of_rows(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The rows ``rows`` of :func:`average_ranks` (x finite, genes x samples), value for value,
    without ranking every gene: each column is sorted once and the ``rows``' values are located
    in it, rank = (#smaller + #smaller-or-equal + 1) / 2, i.e. (a0 + b0 + 2) / 2 for a tie group
    at 0-based positions a0..b0, the same half-integers as :func:`average_ranks`."""
    x = np.asarray(x, dtype=float)
    rows = np.asarray(rows)
    xs = np.sort(np.ascontiguousarray(x.T), axis=1)          # samples x genes, each row ascending
    sub = np.ascontiguousarray(x[rows].T)                      # samples x k
    out = np.empty(sub.shape)
    for j in range(xs.shape[0]):
        lo = np.searchsorted(xs[j], sub[j], side="left")
        hi = np.searchsorted(xs[j], sub[j], side="right")
        out[j] = (lo + hi + 1) / 2.0
    return np.ascontiguousarray(out.T)


def gsva_ranks(expr: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GSVA 1.46 per-sample ranks: ``(R, Q)`` genes x samples, where R is
    ``as.integer(colRanks(X, ties.method="average"))`` and Q = N - p + 1 with p the
    gene's position in ``order(R[, j], decreasing=TRUE)`` (stable: ties in row order)."""
    x = _check_expr(expr)
    R, Q = _rank_block(np.ascontiguousarray(x.T))
    return (pd.DataFrame(R.T, index=expr.index, columns=expr.columns),
            pd.DataFrame(Q.T, index=expr.index, columns=expr.columns))


def _n_threads(threads: int | None) -> int:
    if threads is not None:
        return max(1, int(threads))
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:  # pragma: no cover
        return max(1, min(os.cpu_count() or 1, 8))


def _es_matrix(x: np.ndarray, idx: list[np.ndarray], alpha: float, *,
               sample_chunk: int = 32, set_chunk: int = 2000,
               threads: int | None = None) -> np.ndarray:
    """Raw ES (sets x samples) with the closed form; samples processed in chunks
    (memory ~ 6 x 8 bytes x genes x chunk) on a thread pool (numpy releases the GIL)."""
    n, n_s = x.shape
    k = np.array([len(i) for i in idx], dtype=float)
    mats = [_indicator(idx[i:i + set_chunk], n) for i in range(0, len(idx), set_chunk)]
    half = n * (n + 1) / 2.0
    out = np.empty((len(idx), n_s))

    def work(c0: int) -> None:
        c1 = min(c0 + sample_chunk, n_s)
        R, Q = _rank_block(np.ascontiguousarray(x[:, c0:c1].T))
        W = R.astype(float) ** alpha
        Qf = Q.astype(float)
        WQ = W * Qf
        # genes x chunk, Fortran-friendly for the sparse product
        W, Qf, WQ = W.T, Qf.T, WQ.T
        row = 0
        for M in mats:
            sw = M @ W
            swq = M @ WQ
            sq = M @ Qf
            kk = k[row:row + M.shape[0], None]
            out[row:row + M.shape[0], c0:c1] = swq / sw - (half - sq) / (n - kk)
            row += M.shape[0]

    starts = list(range(0, n_s, sample_chunk))
    nt = _n_threads(threads)
    if nt == 1 or len(starts) == 1:
        for c0 in starts:
            work(c0)
    else:
        with ThreadPoolExecutor(nt) as ex:
            list(ex.map(work, starts))
    return out


# ----------------------------------------------------------------------------- ssGSEA
def ssgsea_es(expr: pd.DataFrame, sets: Mapping[str, Iterable[str]], *, alpha: float = 0.25,
              threads: int | None = None) -> pd.DataFrame:
    """Raw ssGSEA enrichment scores (sets x samples) = GSVA 1.46
    ``gsva(expr, sets, method="ssgsea", tau=alpha, ssgsea.norm=FALSE)``.

    A sample's ES depends only on that sample's expression column (and the gene
    universe), never on the other samples or sets.
    """
    x = _check_expr(expr)
    names, idx = _set_indices(expr.index, sets)
    es = _es_matrix(x, idx, float(alpha), threads=threads)
    return pd.DataFrame(es, index=pd.Index(names, name="gene_set"), columns=expr.columns)


def ssgsea(expr: pd.DataFrame, sets: Mapping[str, Iterable[str]], *, alpha: float = 0.25,
           normalize: bool = True, threads: int | None = None) -> pd.DataFrame:
    """ssGSEA scores (sets x samples), exactly GSVA 1.46.0
    ``gsva(expr, sets, method="ssgsea", tau=alpha, ssgsea.norm=normalize)``.

    Ranks: per-sample average ranks truncated to integer; ties ordered by input row
    (keep the counts' gene order). Weights R^alpha. ES = sum of the running-sum
    difference P_in - P_out (see module docstring). Genes of a set absent from
    ``expr`` are dropped; a set with none present raises :class:`InputError`.
    Constant genes are kept (as GSVA does for ssGSEA). With ``normalize=True`` every
    ES is divided by ``max(ES) - min(ES)`` over the **whole** sets x samples matrix, so
    a set's normalised score depends on the other sets scored with it; use
    :func:`ssgsea_independent` for per-signature scores.
    """
    es = ssgsea_es(expr, sets, alpha=alpha, threads=threads)
    if normalize:
        v = es.to_numpy()
        rng = float(v.max() - v.min())
        es = es / rng if rng > 0 else es * np.nan
    return es


def ssgsea_independent(expr: pd.DataFrame, sets: Mapping[str, Iterable[str]], *,
                       alpha: float = 0.25, threads: int | None = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-signature ssGSEA: ``(scores, es)``, both sets x samples.

    ``es`` is the raw GSVA 1.46 ES (``ssgsea.norm=FALSE``); ``scores`` divides each
    set's row by that set's own range across the samples, i.e. each row equals
    ``gsva(expr, sets[name], method="ssgsea", ssgsea.norm=TRUE)`` run with that set
    alone. A score therefore never depends on which other signatures are scored; it
    depends on the cohort's other samples only through that range. A set whose ES is
    constant over samples (e.g. a single sample) gets NaN scores.
    """
    es = ssgsea_es(expr, sets, alpha=alpha, threads=threads)
    v = es.to_numpy()
    rng = v.max(axis=1, keepdims=True) - v.min(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        sc = np.where(rng > 0, v / np.where(rng > 0, rng, 1.0), np.nan)
    return pd.DataFrame(sc, index=es.index, columns=es.columns), es


def ssgsea_reference(expr: pd.DataFrame, sets: Mapping[str, Iterable[str]], *,
                     alpha: float = 0.25, normalize: bool = True) -> pd.DataFrame:
    """Literal (slow) transcription of GSVA 1.46 ``ssgsea()`` / ``.rndWalk()``:
    ``R <- as.integer(colRanks(X, ties="average"))``; per sample
    ``geneRanking <- order(R[, j], decreasing=TRUE)``; cumulative sums of
    ``R^alpha`` inside the set and of 1 outside; ``sum(walkStat)``. For tests only."""
    from scipy.stats import rankdata

    x = _check_expr(expr)
    names, idx = _set_indices(expr.index, sets)
    n, n_s = x.shape
    es = np.empty((len(idx), n_s))
    for j in range(n_s):
        r = np.trunc(rankdata(x[:, j], method="average")).astype(np.int64)
        ranking = np.argsort(-r, kind="stable")
        rr = r[ranking].astype(float)
        for s, gi in enumerate(idx):
            ind = np.zeros(n, dtype=bool)
            ind[gi] = True
            ind = ind[ranking]
            w = np.abs(rr) ** alpha * ind
            p_in = np.cumsum(w) / w.sum()
            p_out = np.cumsum(~ind) / (~ind).sum()
            es[s, j] = np.sum(p_in - p_out)
    if normalize:
        es = es / (es.max() - es.min())
    return pd.DataFrame(es, index=pd.Index(names, name="gene_set"), columns=expr.columns)


# ----------------------------------------------------------------------------- other scores
def _present(expr: pd.DataFrame, genes: Iterable[str], what: str) -> list[str]:
    genes = list(dict.fromkeys(genes))
    present = [g for g in genes if g in expr.index]
    if not present:
        raise InputError(f"none of the {len(genes)} genes of the {what} is in the expression "
                         f"matrix (e.g. {genes[:3]})",
                         fix="check the gene-id type of the signature against the counts")
    return present


def singscore(expr: pd.DataFrame, genes: Iterable[str]) -> pd.Series:
    """singscore (Foroutan et al. 2018, R ``singscore::simpleScore`` for an up-set,
    ``centerScore=TRUE``) with average ranks for ties.

    Genes are ranked ascending within each sample (N genes); S = mean rank of the
    k set genes present; the theoretical bounds are S_min = (k+1)/2 and
    S_max = (2N-k+1)/2; score = (S - S_min)/(S_max - S_min) - 0.5, in [-0.5, 0.5].
    """
    x = _check_expr(expr)
    present = _present(expr, genes, "singscore gene set")
    n, k = x.shape[0], len(present)
    rows = expr.index.get_indexer(present)
    # = scipy.stats.rankdata(x, method="average", axis=0)[rows], only the set's rows ranked
    s = average_ranks_of_rows(x, rows).mean(axis=0)
    lo, hi = (k + 1) / 2.0, (2 * n - k + 1) / 2.0
    if hi == lo:
        score = np.full(x.shape[1], np.nan)
    else:
        score = (s - lo) / (hi - lo) - 0.5
    return pd.Series(score, index=expr.columns, name="singscore")


def mean_z(expr: pd.DataFrame, genes: Iterable[str]) -> pd.Series:
    """Mean over the set genes of gene-wise z-scores across samples:
    z_gs = (x_gs - mean_g) / sd_g with ``sd`` as R (ddof=1); genes with zero
    variance (undefined z) are dropped. Raises InputError if no usable gene is left."""
    x = _check_expr(expr)
    present = _present(expr, genes, "mean-z gene set")
    sub = x[expr.index.get_indexer(present)]
    if sub.shape[1] < 2:
        raise InputError("mean-z needs at least 2 samples", fix="score a cohort with more samples")
    sd = sub.std(axis=1, ddof=1)
    keep = sd > 0
    if not keep.any():
        raise InputError("every gene of the mean-z gene set has zero variance across samples",
                         fix="check the expression matrix (constant genes cannot be z-scored)")
    z = (sub[keep] - sub[keep].mean(axis=1, keepdims=True)) / sd[keep, None]
    return pd.Series(z.mean(axis=0), index=expr.columns, name="mean_z")


def weighted_sum(expr: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Weighted sum score sum_g w_g * x_gs over the genes present in ``expr``
    (e.g. LSC17, Ng et al. 2016, on log2 normalised expression). Missing genes
    contribute 0 (check coverage first); no gene present raises InputError."""
    x = _check_expr(expr)
    present = _present(expr, weights.keys(), "weighted signature")
    w = np.array([float(weights[g]) for g in present])
    if not np.isfinite(w).all():
        raise InputError("a signature weight is missing or not finite",
                         fix="give every gene a numeric weight")
    val = w @ x[expr.index.get_indexer(present)]
    return pd.Series(val, index=expr.columns, name="weighted_sum")


# ----------------------------------------------------------------------------- transforms / groups
def zscore(s: pd.Series) -> pd.Series:
    """(s - mean(s)) / sd(s) with R's ``sd`` (ddof=1); NaNs ignored in mean/sd."""
    s = pd.Series(s, dtype=float) if not isinstance(s, pd.Series) else s.astype(float)
    sd = s.std(ddof=1)
    if not np.isfinite(sd) or sd == 0:
        raise InputError("cannot z-score a score that is constant (or has < 2 values)",
                         value=getattr(s, "name", None),
                         fix="check that the cohort has at least 2 samples with different scores")
    return (s - s.mean()) / sd


def quantile_cuts(v: np.ndarray, rule: str) -> tuple[str, list[float]]:
    """Group prefix and inner cut points of ``rule`` (tertiles: T, 2 cuts; quartiles: Q,
    3 cuts) on the finite values ``v``, as R ``quantile(v, type = 7)``."""
    m, pre = (3, "T") if rule == "tertiles" else (4, "Q")
    return pre, [float(np.quantile(v, i / m, method="linear")) for i in range(1, m)]


def cut_groups(s: pd.Series, rule: str = "median", value: float | None = None) -> pd.Series:
    """Group samples by their score.

    - ``"median"``: ``"high"`` if s > median(s) else ``"low"`` (R:
      ``ifelse(s > median(s), "high", "low")``; ties at the median go low).
    - ``"tertiles"`` / ``"quartiles"``: ``T1..T3`` / ``Q1..Q4`` with cut points R
      ``quantile(s, type=7)``; a value equal to a cut point goes to the lower group
      (``cut(..., include.lowest=TRUE, right=TRUE)``).
    - ``"fixed"``: ``"high"`` if s > value else ``"low"``.
    Missing scores give missing groups.
    """
    s = pd.Series(s).astype(float)
    ok = s.notna().to_numpy()
    v = s.to_numpy()[ok]
    out = pd.Series(pd.NA, index=s.index, dtype=object, name="group")
    if v.size == 0:
        raise InputError("no non-missing scores to group", fix="check the scores table")
    if rule == "median":
        cut = float(np.median(v))
        lab = np.where(v > cut, "high", "low")
    elif rule == "fixed":
        if value is None or not np.isfinite(float(value)):
            raise InputError("cutpoint rule 'fixed' needs a numeric value", column="cutpoint.value",
                             fix="set cutpoint.value in the config, or use rule 'median'")
        lab = np.where(v > float(value), "high", "low")
    elif rule in ("tertiles", "quartiles"):
        pre, cuts = quantile_cuts(v, rule)
        grp = np.searchsorted(np.asarray(cuts), v, side="left") + 1  # value == cut -> lower group
        lab = np.array([f"{pre}{g}" for g in grp], dtype=object)
    else:
        raise InputError(f"unknown cutpoint rule '{rule}'", column="cutpoint.rule", value=rule,
                         fix="use one of: median, tertiles, quartiles, fixed, discovery_median (in the workflow)")
    out[ok] = lab
    return out


def cut_scale(kind: str) -> str:
    """The column of ``scores.tsv`` a cut frozen in one cohort is applied to in another.

    ssGSEA: the un-normalised enrichment score ``es`` (a function of the sample's own gene
    ranks only; the ``score`` column is divided by the cohort's range and the z-score by
    its SD, so neither transfers between cohorts). Weighted sums, single genes and ratios:
    ``score`` (log2 median-of-ratios normalised expression).
    """
    return "es" if kind == "ssgsea" else "score"


def median_of_ratios(counts: pd.DataFrame) -> pd.Series:
    """DESeq2 ``estimateSizeFactorsForMatrix`` (median-of-ratios): for genes with no
    zero count, log geometric mean over samples; size factor of sample j =
    exp(median_g(log c_gj - log geomean_g))."""
    c = _check_expr(counts, "counts matrix")
    if (c < 0).any():
        raise InputError("the counts matrix has negative values", fix="pass raw, non-negative counts")
    with np.errstate(divide="ignore"):
        lc = np.log(c)
    keep = np.isfinite(lc).all(axis=1)
    if not keep.any():
        raise InputError("every gene has a zero count in at least one sample, so DESeq2 "
                         "median-of-ratios size factors are undefined",
                         fix="remove samples with very low depth or use poscounts size factors")
    lg = lc[keep]
    sf = np.exp(np.median(lg - lg.mean(axis=1, keepdims=True), axis=0))
    return pd.Series(sf, index=counts.columns, name="size_factor")


def log2_normalised(counts: pd.DataFrame, size_factors: pd.Series) -> pd.DataFrame:
    """log2(counts / size_factor + 1) (R: ``log2(counts(dds, normalized=TRUE) + 1)``)."""
    c = _check_expr(counts, "counts matrix")
    sf = pd.Series(size_factors).reindex(counts.columns)
    if sf.isna().any():
        miss = sf.index[sf.isna()].tolist()[:5]
        raise InputError(f"no size factor for samples {miss}", column="size_factor",
                         fix="compute size factors for every sample of the counts matrix")
    sfv = sf.to_numpy(dtype=float)
    if (sfv <= 0).any():
        raise InputError("size factors must be positive", column="size_factor",
                         fix="check the size-factor table")
    return pd.DataFrame(np.log2(c / sfv + 1.0), index=counts.index, columns=counts.columns)
