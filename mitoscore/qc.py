"""Sample-level quality control of a count matrix (genes x samples).

* library sizes (column sums) and detected genes (count >= min_count),
* PCA as DESeq2 ``plotPCA`` (top ``n_top`` genes by row variance of the
  transformed matrix, ``prcomp(t(x), center=TRUE, scale.=FALSE)``), with a
  deterministic sign convention,
* robust outlier flags (median/MAD robust z-scores), reported, never silently removing samples.

Robust z-score: z_i = (v_i - median(v)) / MAD(v), MAD = 1.4826 median|v - median(v)|
(R ``mad()``, consistent for the SD under normality). If MAD = 0 the mean absolute
deviation x 1.2533 (also SD-consistent) is used; if that is 0 too every z is 0.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["library_sizes", "detected_genes", "pca", "robust_z", "flag_outliers", "qc_table"]


def _as_frame(counts) -> pd.DataFrame:
    if not isinstance(counts, pd.DataFrame):
        raise TypeError("counts must be a genes x samples pandas DataFrame")
    return counts


def library_sizes(counts: pd.DataFrame) -> pd.Series:
    """Total counts per sample (column sums of the genes x samples matrix; NaN ignored)."""
    counts = _as_frame(counts)
    s = counts.sum(axis=0, skipna=True).astype(float)
    s.name = "library_size"
    return s


def detected_genes(counts: pd.DataFrame, min_count: float = 1) -> pd.Series:
    """Number of genes with count >= ``min_count`` per sample."""
    counts = _as_frame(counts)
    s = (counts >= min_count).sum(axis=0).astype(int)
    s.name = "detected_genes"
    return s


def pca(expr_genes_x_samples: pd.DataFrame, n_top: int = 500, n_components: int = 5):
    """PCA of samples as DESeq2 ``plotPCA``.

    Select the ``n_top`` genes with the largest row variance (R ``rowVars``, denominator
    n-1; ties keep input order as R's ``order``), centre each gene across samples (no
    scaling) and take the SVD of the samples x genes matrix (= ``prcomp(t(x))``).
    Sign convention (prcomp signs are arbitrary): each PC is flipped so that its
    largest-|loading| gene has a positive loading.

    Returns (scores, explained_variance_ratio): ``scores`` is a samples x PC1..PCk DataFrame
    (k = min(n_components, n_samples, n_genes selected)); ``explained_variance_ratio`` a
    Series PC1..PCk of sdev^2 / sum(sdev^2) over *all* components (plotPCA's percentVar),
    so it sums to <= 1.
    """
    x = _as_frame(expr_genes_x_samples).astype(float)
    if x.isna().any().any():
        raise ValueError("PCA input contains missing values")
    if x.shape[1] < 2:
        raise ValueError("PCA needs at least 2 samples")
    vals = x.to_numpy()
    rv = vals.var(axis=1, ddof=1)
    order = np.argsort(-rv, kind="stable")[: min(n_top, vals.shape[0])]
    sub = vals[order].T  # samples x genes
    sub = sub - sub.mean(axis=0, keepdims=True)
    u, s, vt = np.linalg.svd(sub, full_matrices=False)
    var = s ** 2 / (sub.shape[0] - 1)
    total = var.sum()
    k = int(min(n_components, s.size))
    scores = u[:, :k] * s[:k]
    for j in range(k):
        lead = np.argmax(np.abs(vt[j]))
        if vt[j, lead] < 0:
            scores[:, j] *= -1
            vt[j] *= -1
    names = [f"PC{j + 1}" for j in range(k)]
    scores_df = pd.DataFrame(scores, index=x.columns, columns=names)
    ratio = var[:k] / total if total > 0 else np.zeros(k)
    return scores_df, pd.Series(ratio, index=names, name="explained_variance_ratio")


def robust_z(values) -> np.ndarray:
    """(v - median) / MAD with R's MAD constant 1.4826 (fallbacks: see module docstring)."""
    v = np.asarray(values, dtype=float)
    med = np.nanmedian(v)
    dev = np.abs(v - med)
    scale = 1.4826 * np.nanmedian(dev)
    if not scale > 0:
        scale = 1.2533 * np.nanmean(dev)
    if not scale > 0:
        return np.zeros_like(v)
    return (v - med) / scale


def flag_outliers(library_sizes: pd.Series, pca_scores: pd.DataFrame, *, z_threshold: float = 3.5,
                  detected: pd.Series | None = None, n_pcs: int | None = None) -> pd.DataFrame:
    """Flag outlier samples by robust z-scores (modified z-score of Iglewicz & Hoaglin,
    default cut 3.5).

    * ``robust_z_libsize``: robust z of log10(library size) (library sizes are
      multiplicative, so the log scale); flagged if |z| > z_threshold (too small or too large).
    * ``pca_distance_robust_z``: Euclidean distance of each sample from the centroid in
      the space of the PCA scores (the first ``n_pcs`` columns; default all columns, which
      with all components equals the distance in the top-variance-gene space), then the
      robust z of log(distance); flagged if z > z_threshold (far from the bulk).
      Using all components rather than PC1/PC2 only avoids false alarms from pure-noise
      PCs (PC1 of noise data tends to be driven by a single sample); the log makes the
      right-skewed distances near-symmetric before the median/MAD standardisation.

    Returns DataFrame(sample, library_size, detected, robust_z_libsize, pca_distance_robust_z,
    outlier, reason); ``reason`` is "" for non-outliers, otherwise a "; "-joined explanation.
    """
    lib = library_sizes.astype(float)
    samples = list(lib.index)
    missing = [s for s in samples if s not in pca_scores.index]
    if missing:
        raise ValueError(f"samples missing from pca_scores: {missing[:5]}")
    with np.errstate(divide="ignore"):
        z_lib = robust_z(np.log10(lib.to_numpy()))
    pcs = pca_scores.loc[samples].to_numpy(dtype=float)
    if n_pcs is not None:
        pcs = pcs[:, :n_pcs]
    dist = np.sqrt(((pcs - pcs.mean(axis=0, keepdims=True)) ** 2).sum(axis=1))
    with np.errstate(divide="ignore"):
        z_dist = robust_z(np.log(np.maximum(dist, np.finfo(float).tiny)))
    det = detected.reindex(samples).to_numpy() if detected is not None else np.full(len(samples), np.nan)
    outlier, reason = [], []
    for zl, zd, ls in zip(z_lib, z_dist, lib.to_numpy()):
        r = []
        if not np.isfinite(zl) or abs(zl) > z_threshold:
            side = "low" if (ls <= 0 or zl < 0) else "high"
            r.append(f"{side} library size (robust z = {zl:.2f})")
        if zd > z_threshold:
            r.append(f"PCA outlier (distance robust z = {zd:.2f})")
        outlier.append(bool(r))
        reason.append("; ".join(r))
    return pd.DataFrame({"sample": samples, "library_size": lib.to_numpy(), "detected": det,
                         "robust_z_libsize": z_lib, "pca_distance_robust_z": z_dist,
                         "outlier": outlier, "reason": reason})


def qc_table(counts: pd.DataFrame, vst: pd.DataFrame, *, n_top: int = 500,
             z_threshold: float = 3.5, pca_scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-sample QC table: library size and detected genes from raw ``counts``, PCA of the
    variance-stabilised matrix ``vst`` (both genes x samples, same samples; ``n_top`` genes
    as plotPCA) and outlier flags (:func:`flag_outliers` on all PCs).

    ``pca_scores``: the caller's ``pca(vst, n_top, n_components=vst.shape[1])`` scores, if it
    already has them (all components: the outlier distance uses every PC).

    Returns DataFrame(sample, library_size, detected_genes, PC1, PC2, outlier, reason).
    """
    counts = _as_frame(counts)
    vst = _as_frame(vst)
    if set(counts.columns) != set(vst.columns):
        raise ValueError("counts and vst must have the same samples (columns)")
    vst = vst[counts.columns]
    lib = library_sizes(counts)
    det = detected_genes(counts)
    # all components for the outlier distance (see flag_outliers), PC1/PC2 reported
    if pca_scores is None:
        pca_scores, _ = pca(vst, n_top=n_top, n_components=vst.shape[1])
    scores = pca_scores.loc[list(counts.columns)]
    flags = flag_outliers(lib, scores, z_threshold=z_threshold, detected=det)
    return pd.DataFrame({
        "sample": list(counts.columns),
        "library_size": lib.to_numpy(),
        "detected_genes": det.to_numpy(),
        "PC1": scores["PC1"].to_numpy(),
        "PC2": scores["PC2"].to_numpy() if "PC2" in scores else np.nan,
        "outlier": flags["outlier"].to_numpy(),
        "reason": flags["reason"].to_numpy(),
    })
