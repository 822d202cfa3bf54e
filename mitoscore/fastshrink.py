"""pydeseq2's apeGLM-like LFC shrinkage, all genes at once, with IDENTICAL results.

pydeseq2 0.5.4 (``DeseqStats.lfc_shrink`` -> ``DefaultInference.lfc_shrink_nbinom_glm``)
fits every gene separately (``pydeseq2.utils.nbinomGLM``: a scipy L-BFGS-B minimisation of
the NB negative log-likelihood with a Cauchy prior on the shrunk coefficient, options
``ftol = gtol = 1e-8``, a 2-D grid search when it does not converge) and dispatches the genes
to joblib worker processes. Each worker is a fresh Python that imports pydeseq2, scipy,
sklearn and matplotlib, and each gene costs ~1 ms of Python overhead: the shrinkage was
half of a DE job of the demo (10 s of 20 s for 15,000 genes).

:func:`lfc_shrink_nbinom_glm` runs the SAME optimiser: scipy's L-BFGS-B kernel
(``scipy.optimize._lbfgsb.setulb``, the routine ``minimize(method="L-BFGS-B")`` drives), one
instance per gene, driven in lock-step by the loop of ``scipy.optimize._minimize_lbfgsb``
(scipy 1.17.1, the pinned version), with the same start values, options, scale constant and
stopping rules. Only the objective and its gradient are evaluated for all genes that ask for
them at once. Every operation of that evaluation is the per-gene operation of
``nbinomFn`` / ``nbinomGLM.df`` applied row-wise: element-wise ufuncs on contiguous rows,
row sums (numpy's pairwise summation per row), and the two products with the design matrix
as a stacked ``matmul`` whose items have the strides of the per-gene call (numpy runs the same
BLAS kernel per item). Each gene therefore sees bit-for-bit the function values and gradients
it sees in pydeseq2, takes the same L-BFGS-B iterates and stops at the same point; genes that
do not converge are refitted by ``pydeseq2.utils.nbinomGLM`` itself (its grid fallback).
The inverse Hessian is pydeseq2's ``ddf`` (including its addition of the prior-term vector to
every row) inverted per gene by the stacked ``numpy.linalg.inv``.

Tested: ``tests/unit/test_fastshrink.py`` (every gene of simulated and fixture data,
byte-identical to ``nbinomGLM``; the DE table with and without it identical).
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["lfc_shrink_nbinom_glm"]

# scipy.optimize.minimize(method="L-BFGS-B") defaults that nbinomGLM does not override
_MAXCOR, _MAXLS, _MAXITER, _MAXFUN = 10, 20, 15000, 15000


def _spow2(v: np.ndarray) -> np.ndarray:
    """``x ** 2`` of each element as numpy computes it for a SCALAR (libm ``pow``, which is not
    always ``x * x`` to the last bit); pydeseq2 squares the shrunk coefficient as a scalar."""
    return np.array([math.pow(t, 2.0) for t in v.tolist()], dtype=float)


def _objective(X, Y, CS, LS, S, offset, cnst, pns, ps, si, nsm, sm):
    """f and gradient for the genes of ``Y`` (rows) at coefficients ``B`` (rows): the
    per-gene ``nbinomFn(beta) / cnst`` and ``nbinomGLM.df(beta)``, row by row."""
    def fg(idx, B):
        Yk, CSk = Y[idx], CS[idx]
        XB = (X @ B[:, :, None])[:, :, 0]  # = design_matrix @ beta, per gene
        b2 = _spow2(B[:, si])
        prior = ((B * nsm) ** 2 / (2 * pns**2)).sum(axis=1) + np.log1p(_spow2(B[:, si] / ps))
        nll = (Yk * XB - CSk * np.logaddexp(XB + offset, LS[idx])).sum(axis=1)
        c = cnst[idx]
        f = (prior - nll) / c
        d_neg_prior = B * nsm / pns**2 + 2 * B * sm / (ps**2 + b2)[:, None]
        R = Yk - CSk / (1 + S[idx][:, None] * np.exp(-XB - offset))
        d_nll = (R[:, None, :] @ X)[:, 0, :]  # = (...) @ design_matrix, per gene
        return f, (d_neg_prior - d_nll) / c[:, None]
    return fg


def _lbfgsb_lockstep(fg, x, ftol: float, gtol: float) -> np.ndarray:
    """Run one L-BFGS-B instance per row of ``x`` (modified in place) exactly as
    ``scipy.optimize._minimize_lbfgsb`` drives one (no bounds, scipy 1.17.1), evaluating
    ``fg`` for all rows that request it at once. Returns the final ``task`` codes (G, 2)."""
    from scipy.optimize import _lbfgsb

    G, p = x.shape
    m = _MAXCOR
    factr = ftol / np.finfo(float).eps
    low, up, nbd = np.zeros(p), np.zeros(p), np.zeros(p, np.int32)
    wa = np.zeros((G, 2 * m * p + 5 * p + 11 * m * m + 8 * m))
    iwa = np.zeros((G, 3 * p), np.int32)
    task, ln_task = np.zeros((G, 2), np.int32), np.zeros((G, 2), np.int32)
    lsave, isave, dsave = np.zeros((G, 4), np.int32), np.zeros((G, 44), np.int32), np.zeros((G, 29))
    nit, nfev = np.zeros(G, int), np.ones(G, int)  # ScalarFunction evaluates f at x0 once
    every = np.arange(G)
    last_x = x.copy()
    cur_f, cur_g = fg(every, last_x.copy())
    f_in = [np.array(0.0)] * G  # what _minimize_lbfgsb passes before the first evaluation
    g_in = [np.zeros(p)] * G
    state = [(x[i], wa[i], iwa[i], task[i], lsave[i], isave[i], dsave[i], ln_task[i]) for i in range(G)]
    active = list(range(G))
    while active:
        need, still = [], []
        for i in active:
            xi, wai, iwai, ti, lsi, isi, dsi, lti = state[i]
            _lbfgsb.setulb(m, xi, low, up, nbd, f_in[i], g_in[i], factr, gtol, wai, iwai, ti, lsi, isi, dsi,
                           _MAXLS, lti)
            if ti[0] == 3:  # f and g wanted at x
                need.append(i)
                still.append(i)
            elif ti[0] == 1:  # new iteration
                nit[i] += 1
                if nit[i] >= _MAXITER:
                    ti[0], ti[1] = 5, 504
                elif nfev[i] > _MAXFUN:
                    ti[0], ti[1] = 5, 502
                still.append(i)
        if need:
            idx = np.asarray(need)
            # ScalarFunction re-evaluates only when x moved (the values would be the same)
            moved = idx[~np.all(x[idx] == last_x[idx], axis=1)]
            if moved.size:
                last_x[moved] = x[moved]
                fv, gv = fg(moved, last_x[moved].copy())
                cur_f[moved], cur_g[moved] = fv, gv
                nfev[moved] += 1
            for i in need:
                f_in[i] = cur_f[i]
                g_in[i] = cur_g[i].copy()  # _minimize_lbfgsb: g = g.astype(np.float64)
        active = still
    return task


def _shrink_block(X, counts, size, offset, pns, ps, si, optimizer):
    from pydeseq2 import utils as pd2utils

    n, p = X.shape
    G = counts.shape[1]
    sm = np.zeros(p)
    sm[si] = 1
    nsm = np.ones(p) - sm
    beta_init = np.ones(p) * 0.1 * (-1) ** (np.arange(p))
    Y = np.ascontiguousarray(counts.T)
    S = np.asarray(size, dtype=float)
    CS = Y + S[:, None]
    LS = np.log(S)[:, None]
    # scale constant: max(nbinomFn(0), 1) per gene
    zero = np.zeros((G, p))
    one = np.ones(G)
    f0, _ = _objective(X, Y, CS, LS, S, offset, one, pns, ps, si, nsm, sm)(np.arange(G), zero)
    cnst = np.maximum(f0, 1)
    fg = _objective(X, Y, CS, LS, S, offset, cnst, pns, ps, si, nsm, sm)
    beta = np.tile(beta_init, (G, 1))
    task = _lbfgsb_lockstep(fg, beta, ftol=1e-8, gtol=1e-8)
    converged = task[:, 0] == 4
    for i in np.flatnonzero(~converged):  # pydeseq2's own path (grid search when not converged)
        beta[i], _, converged[i] = pd2utils.nbinomGLM(X, counts[:, i], size[i], offset, pns, ps, optimizer, si)
    # inverse Hessian: nbinomGLM's ddf(beta, 1), inverted per gene
    XB = (X @ beta[:, :, None])[:, :, 0]
    E = np.exp(XB + offset)
    frac = CS * S[:, None] * E / (S[:, None] + E) ** 2
    h11 = 1 / pns**2
    b2 = _spow2(beta[:, si])
    h22 = 2 * (ps**2 - b2) / _spow2(ps**2 + b2)
    hdiag = nsm * h11 + sm * h22[:, None]  # np.diag(np.diag(h)) of nbinomGLM: added to every row
    H = 1 / 1 * ((X.T[None, :, :] * frac[:, None, :]) @ X + hdiag[:, None, :])
    return beta, np.linalg.inv(H), converged


def _one_blas_thread():
    """BLAS pinned to one thread for the tiny per-gene products and L-BFGS-B's own BLAS calls
    (a multi-threaded BLAS makes each call ~10x slower). scipy's L-BFGS-B module is imported
    first: threadpoolctl limits only the libraries already loaded."""
    import contextlib

    from scipy.optimize import _lbfgsb  # noqa: F401 - loads scipy's BLAS before limiting it
    try:
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - a speed-up only
        return contextlib.nullcontext()


def lfc_shrink_nbinom_glm(design_matrix, counts, size, offset, prior_no_shrink_scale, prior_scale, optimizer,
                          shrink_index, *, n_cpus: int = 1, block: int = 4096):
    """Drop-in for ``DefaultInference.lfc_shrink_nbinom_glm`` (same arguments and returns:
    ``(lfcs (G x p), inv_hessians (G x p x p), converged (G,))``), identical per gene to
    ``pydeseq2.utils.nbinomGLM``. Genes are processed in blocks of ``block`` on ``n_cpus``
    threads (numpy releases the GIL; a gene's result does not depend on its block).
    Optimisers other than L-BFGS-B go to pydeseq2's per-gene routine."""
    from pydeseq2 import utils as pd2utils

    X = design_matrix
    counts = np.asarray(counts)
    G = counts.shape[1]
    if optimizer != "L-BFGS-B" or X.ndim != 2 or G == 0:
        res = [pd2utils.nbinomGLM(X, counts[:, i], size[i], offset, prior_no_shrink_scale, prior_scale, optimizer,
                                  shrink_index) for i in range(G)]
        lfcs, inv_hessians, conv = (np.array(m) for m in zip(*res, strict=False)) if res else (
            np.zeros((0, X.shape[1])), np.zeros((0, X.shape[1], X.shape[1])), np.zeros(0, bool))
        return lfcs, inv_hessians, conv
    size = np.asarray(size, dtype=float)
    n_blocks = max(1, -(-G // block), min(int(n_cpus or 1), G))
    bounds = np.linspace(0, G, n_blocks + 1).astype(int)
    parts = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]

    def run(sl):
        return _shrink_block(X, counts[:, sl], size[sl], offset, prior_no_shrink_scale, prior_scale, shrink_index,
                             optimizer)

    with _one_blas_thread():
        if int(n_cpus or 1) > 1 and len(parts) > 1:
            with ThreadPoolExecutor(max_workers=int(n_cpus)) as ex:
                out = list(ex.map(run, parts))
        else:
            out = [run(sl) for sl in parts]
    return (np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out]),
            np.concatenate([o[2] for o in out]))
