"""mitoscore.fastshrink: pydeseq2's apeGLM LFC shrinkage for all genes in lock-step.

Claim tested: for EVERY gene the shrunk coefficients, the inverse Hessian and the convergence
flag are byte-identical (``np.array_equal``, tolerance 0) to pydeseq2's own per-gene
``pydeseq2.utils.nbinomGLM`` (what ``DefaultInference.lfc_shrink_nbinom_glm`` runs), on
simulated data with low counts, zeros and single non-zero samples, on the oracle fixture, with
several blocks / threads, and through the not-converged fallback; and the DE table of
``deseq_results`` is identical with and without it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydeseq2 import utils as pd2utils
from pydeseq2.default_inference import DefaultInference

from mitoscore import fastshrink
from mitoscore.de import deseq_results, fit_deseq
from mitoscore.fastdeseq import VectorizedInference
from tests.conftest import DE_CONTRAST as CONTRAST


def _per_gene(X, counts, size, offset, pns, ps, si):
    """pydeseq2's path: nbinomGLM gene by gene (DefaultInference.lfc_shrink_nbinom_glm without joblib)."""
    res = [pd2utils.nbinomGLM(X, counts[:, i], size[i], offset, pns, ps, "L-BFGS-B", si)
           for i in range(counts.shape[1])]
    return tuple(np.array(m) for m in zip(*res, strict=False))


def _simulated(seed=7, n=40, G=300, covariate=False):
    rng = np.random.default_rng(seed)
    cond = np.repeat([0.0, 1.0], n // 2)
    cols = [np.ones(n), cond]
    if covariate:
        cols.insert(1, rng.normal(size=n).round(1))
    X = np.column_stack(cols)
    sf = rng.uniform(0.5, 2.0, n)
    mean = np.exp(rng.normal(1.0, 2.5, G))  # base means from ~0.01 to ~1000
    mean[:30] = rng.uniform(0.01, 0.3, 30)  # mostly zero genes
    lfc = rng.normal(0, 1.0, G)
    lfc[::10] = rng.choice([-4.0, 4.0], G // 10 + (G % 10 > 0))  # strong effects
    disp = np.exp(rng.normal(-1.5, 1.0, G))
    mu = sf[:, None] * mean[None, :] * np.exp(np.outer(cond, lfc))
    counts = rng.negative_binomial(1 / disp, 1 / (1 + mu * disp)).astype(float)
    counts[:, 30:35] = 0.0
    counts[3, 30:35] = [1, 2, 5, 50, 1000]  # a single non-zero sample
    counts[:, 35] = 0.0
    counts[n - 1, 35] = 3  # non-zero only in the last group
    counts = counts[:, counts.sum(0) > 0]  # pydeseq2 shrinks the non-zero genes only
    return X, counts, disp[: counts.shape[1]] ** -1, np.log(sf)


@pytest.mark.parametrize("covariate", [False, True])
@pytest.mark.parametrize("prior_scale", [0.3, 1.0])
def test_simulated_every_gene_byte_identical(covariate, prior_scale):
    X, counts, size, offset = _simulated(covariate=covariate)
    si = X.shape[1] - 1
    want = _per_gene(X, counts, size, offset, 15.0, prior_scale, si)
    got = fastshrink.lfc_shrink_nbinom_glm(X, counts, size, offset, 15.0, prior_scale, "L-BFGS-B", si)
    for w, g, what in zip(want, got, ("lfc", "inverse Hessian", "converged"), strict=True):
        assert g.shape == w.shape, what
        assert np.array_equal(g, w, equal_nan=True), (what, np.flatnonzero(~np.isclose(g, w).reshape(len(g), -1).all(1)))
    # the shrunk SE pydeseq2 reports: sqrt|inv_hess[si, si]| (tolerance 0)
    assert np.array_equal(np.sqrt(np.abs(got[1][:, si, si])), np.sqrt(np.abs(want[1][:, si, si])))


def test_blocks_and_threads_do_not_change_a_gene():
    X, counts, size, offset = _simulated(seed=3, G=200)
    one = fastshrink.lfc_shrink_nbinom_glm(X, counts, size, offset, 15.0, 0.5, "L-BFGS-B", 1)
    many = fastshrink.lfc_shrink_nbinom_glm(X, counts, size, offset, 15.0, 0.5, "L-BFGS-B", 1, n_cpus=2, block=17)
    for a, b in zip(one, many, strict=True):
        assert np.array_equal(a, b)


def test_not_converged_genes_take_pydeseq2s_own_fallback(monkeypatch):
    """With an iteration cap of 2 no gene converges in lock-step: every gene must then come
    from nbinomGLM itself (its grid-search fallback), still identical to the per-gene path."""
    X, counts, size, offset = _simulated(seed=11, G=40)
    calls = []
    real = pd2utils.nbinomGLM

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)

    want = _per_gene(X, counts, size, offset, 15.0, 0.5, 1)
    monkeypatch.setattr(fastshrink, "_MAXITER", 2)
    monkeypatch.setattr(pd2utils, "nbinomGLM", spy)
    got = fastshrink.lfc_shrink_nbinom_glm(X, counts, size, offset, 15.0, 0.5, "L-BFGS-B", 1)
    assert len(calls) == counts.shape[1]  # the fallback really ran for every gene
    for a, b in zip(want, got, strict=True):
        assert np.array_equal(a, b)


def test_other_optimizer_is_pydeseq2s_routine():
    X, counts, size, offset = _simulated(seed=5, G=40)
    counts, size = counts[:, 25:37], size[25:37]
    want = tuple(np.array(m) for m in zip(*[pd2utils.nbinomGLM(X, counts[:, i], size[i], offset, 15.0, 0.5,
                                                               "Newton-CG", 1) for i in range(counts.shape[1])],
                                          strict=False))
    got = fastshrink.lfc_shrink_nbinom_glm(X, counts, size, offset, 15.0, 0.5, "Newton-CG", 1)
    for a, b in zip(want, got, strict=True):
        assert np.array_equal(a, b)


# ----------------------------------------------------------------------------- oracle fixture
@pytest.fixture(scope="module")
def fixture_fit(fixture_counts, fixture_clinical):
    return fit_deseq(fixture_counts, fixture_clinical, "~condition", CONTRAST, inference="fast", n_cpus=2)


def test_fixture_every_gene_byte_identical(fixture_fit):
    dds = fixture_fit
    nz = dds.non_zero_idx
    X = dds.obsm["design_matrix"].to_numpy(dtype=float)
    counts = dds.X[:, nz].astype(float)
    size = 1.0 / dds.var["dispersions"].to_numpy()[nz]
    offset = np.log(dds.obs["size_factors"].to_numpy())
    want = _per_gene(X, counts, size, offset, 15.0, 0.7, 1)
    got = fastshrink.lfc_shrink_nbinom_glm(X, counts, size, offset, 15.0, 0.7, "L-BFGS-B", 1, n_cpus=2)
    assert counts.shape[1] > 1500  # the whole fixture, low-count genes included
    for a, b in zip(want, got, strict=True):
        assert np.array_equal(a, b)  # tolerance 0


def test_de_table_identical_with_and_without(fixture_fit, monkeypatch):
    fast = deseq_results(fixture_fit, CONTRAST)
    assert fast["log2FoldChange_shrunk"].notna().sum() > 1500
    monkeypatch.setattr(VectorizedInference, "lfc_shrink_nbinom_glm", DefaultInference.lfc_shrink_nbinom_glm)
    default = deseq_results(fixture_fit, CONTRAST)
    pd.testing.assert_frame_equal(fast, default, check_exact=True)  # tolerance 0
