"""QC: library sizes, detected genes, DESeq2-plotPCA-style PCA, robust outlier flags.

Synthetic data (seeded). PCA is checked against a direct numpy SVD of the centred
top-variance genes (abs 1e-10 after the documented sign convention); explained
variance against sdev^2/sum(sdev^2) (abs 1e-12).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mitoscore.qc import detected_genes, flag_outliers, library_sizes, pca, qc_table, robust_z


def _counts(seed=0, n_genes=800, n_samples=24, outlier=None):
    rng = np.random.default_rng(seed)
    mu = rng.lognormal(5, 1, size=n_genes)  # expressed genes (log2 noise ~ homogeneous, VST-like)
    sf = rng.lognormal(0, 0.15, size=n_samples)
    lam = np.outer(mu, sf)
    if outlier is not None:
        lam[:, outlier] *= rng.lognormal(0, 1.5, size=n_genes)  # scrambled profile
        lam[:, outlier] *= 0.05  # and a tiny library
    counts = rng.poisson(lam)
    return pd.DataFrame(counts, index=[f"G{i}" for i in range(n_genes)],
                        columns=[f"S{j:02d}" for j in range(n_samples)])


def _log2norm(counts):
    sf = counts.sum() / counts.sum().median()
    return np.log2(counts / sf + 1)


def test_library_sizes_and_detected():
    c = pd.DataFrame({"a": [0, 1, 5], "b": [2, 0, 0]}, index=["g1", "g2", "g3"])
    assert library_sizes(c).to_dict() == {"a": 6.0, "b": 2.0}
    assert detected_genes(c).to_dict() == {"a": 2, "b": 1}
    assert detected_genes(c, min_count=2).to_dict() == {"a": 1, "b": 1}


def test_pca_matches_numpy_svd():
    x = _log2norm(_counts(1))
    scores, evr = pca(x, n_top=300, n_components=4)
    assert list(scores.columns) == ["PC1", "PC2", "PC3", "PC4"]
    assert list(scores.index) == list(x.columns)
    v = x.to_numpy()
    top = np.argsort(-v.var(axis=1, ddof=1), kind="stable")[:300]
    m = v[top].T
    m = m - m.mean(axis=0)
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    ref = u[:, :4] * s[:4]
    for j in range(4):
        sign = np.sign(vt[j, np.argmax(np.abs(vt[j]))])
        np.testing.assert_allclose(scores.iloc[:, j], sign * ref[:, j], atol=1e-10)
    np.testing.assert_allclose(evr.to_numpy(), (s ** 2 / np.sum(s ** 2))[:4], atol=1e-12)
    assert evr.sum() <= 1 + 1e-12 and np.all(np.diff(evr.to_numpy()) <= 0)
    # scores are centred and orthogonal (prcomp property)
    np.testing.assert_allclose(scores.mean().to_numpy(), 0, atol=1e-10)
    g = scores.T @ scores
    assert np.max(np.abs(g.to_numpy() - np.diag(np.diag(g)))) < 1e-8


def test_pca_sign_convention_deterministic():
    x = _log2norm(_counts(2))
    s1, _ = pca(x, n_top=200)
    s2, _ = pca(x.iloc[::-1], n_top=200)  # the same data, genes in reverse order
    np.testing.assert_allclose(s1, s2.loc[s1.index], atol=1e-12)
    # negated data: the convention fixes the loadings' sign, so the scores flip sign exactly
    s3, _ = pca(-x, n_top=200)
    np.testing.assert_allclose(s3, -s1, atol=1e-10)


def test_pca_small_n_components_capped():
    x = _log2norm(_counts(3, n_samples=3))
    scores, evr = pca(x, n_components=5)
    assert scores.shape == (3, 3)
    assert evr.iloc[-1] == pytest.approx(0, abs=1e-12)  # n-1 non-trivial components


def test_robust_z():
    z = robust_z([1, 2, 3, 4, 100])
    # median 3, MAD = 1.4826 * median(|.-3|) = 1.4826 * 1
    np.testing.assert_allclose(z, np.array([-2, -1, 0, 1, 97]) / 1.4826, atol=1e-12)
    assert np.all(robust_z([5, 5, 5]) == 0)


def test_planted_outlier_flagged():
    counts = _counts(4, outlier=7)
    x = _log2norm(counts)
    lib = library_sizes(counts)
    scores, _ = pca(x, n_top=500, n_components=x.shape[1])
    flags = flag_outliers(lib, scores, z_threshold=3.5, detected=detected_genes(counts))
    assert list(flags.columns) == ["sample", "library_size", "detected", "robust_z_libsize",
                                   "pca_distance_robust_z", "outlier", "reason"]
    assert flags.loc[flags["outlier"], "sample"].tolist() == ["S07"]
    row = flags.set_index("sample").loc["S07"]
    assert row["robust_z_libsize"] < -3.5 and "low library size" in row["reason"]
    assert row["pca_distance_robust_z"] > 3.5 and "PCA outlier" in row["reason"]
    assert (flags.loc[~flags["outlier"], "reason"] == "").all()


def test_clean_data_no_outliers():
    counts = _counts(5)
    t = qc_table(counts, _log2norm(counts))
    assert list(t.columns) == ["sample", "library_size", "detected_genes", "PC1", "PC2", "outlier", "reason"]
    assert not t["outlier"].any()
    assert t["library_size"].tolist() == counts.sum().astype(float).tolist()


def test_qc_table_planted_outlier_and_sample_alignment():
    counts = _counts(6, outlier=3)
    vst = _log2norm(counts)[counts.columns[::-1]]  # columns in another order
    t = qc_table(counts, vst)
    assert t["sample"].tolist() == list(counts.columns)
    assert t.loc[t["outlier"], "sample"].tolist() == ["S03"]
    with pytest.raises(ValueError):
        qc_table(counts, vst.iloc[:, 1:])


def test_profile_only_outlier_flagged_by_pca_not_libsize():
    rng = np.random.default_rng(8)
    counts = _counts(8)
    scrambled = counts["S10"].to_numpy()[rng.permutation(counts.shape[0])]  # same library size
    counts["S10"] = scrambled
    t = flag_outliers(library_sizes(counts), pca(_log2norm(counts), n_components=24)[0])
    row = t.set_index("sample").loc["S10"]
    assert row["outlier"] and "PCA outlier" in row["reason"] and "library" not in row["reason"]
    assert abs(row["robust_z_libsize"]) < 3.5
    assert t["outlier"].sum() == 1


def test_high_library_flagged():
    counts = _counts(9)
    counts["S01"] = counts["S01"] * 20
    t = qc_table(counts, _log2norm(counts))
    row = t.set_index("sample").loc["S01"]
    assert row["outlier"] and "high library size" in row["reason"]


def test_qc_table_reuses_given_pca_scores():
    counts = _counts(6)
    vst = _log2norm(counts)
    scores, _ = pca(vst, n_components=vst.shape[1])
    own = qc_table(counts, vst)
    given = qc_table(counts, vst, pca_scores=scores.iloc[::-1])  # any row order
    pd.testing.assert_frame_equal(own, given)
