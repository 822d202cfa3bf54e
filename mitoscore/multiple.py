"""Multiple-testing adjustment.

:func:`bh` reproduces R ``p.adjust(p, method="BH")`` (Benjamini & Hochberg 1995):
for the m non-missing p-values sorted decreasingly, q_(i) = min(1, min_{j >= i} m p_(j) / j).
Missing values (NaN) stay NaN and are not counted in m, exactly as ``p.adjust``
(its default ``n = length(p)`` is evaluated after NAs are dropped).
"""
from __future__ import annotations

import numpy as np

__all__ = ["bh"]


def bh(p, n: int | None = None) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values = R ``p.adjust(p, "BH", n)``, NaN-preserving.

    ``n`` (number of tests) defaults to the number of non-NaN p-values; it may only be
    larger (R: ``stopifnot(n >= lp)``). Returns a float array with the input's shape.
    """
    arr = np.asarray(p, dtype=float)
    shape = arr.shape
    flat = arr.ravel()
    out = np.full(flat.shape, np.nan)
    ok = ~np.isnan(flat)
    pv = flat[ok]
    lp = pv.size
    if n is None:
        n = lp
    if n < lp:
        raise ValueError("n must be >= the number of non-missing p-values")
    if np.any((pv < 0) | (pv > 1)):
        raise ValueError("p-values must be in [0, 1]")
    if lp == 0:
        return out.reshape(shape)
    i = np.arange(lp, 0, -1, dtype=float)
    o = np.argsort(-pv, kind="stable")  # R order(p, decreasing=TRUE) (stable)
    adj = np.minimum(1.0, np.minimum.accumulate(n / i * pv[o]))
    res = np.empty(lp)
    res[o] = adj
    out[ok] = res
    return out.reshape(shape)
