"""Multiple-testing adjustment.

:func:`bh` reproduces R ``p.adjust(p, method="BH")`` (Benjamini & Hochberg 1995):
for the m non-missing p-values sorted decreasingly, q_(i) = min(1, min_{j >= i} m p_(j) / j).
Missing values (NaN) stay NaN and are not counted in m, exactly as ``p.adjust``
(its default ``n = length(p)`` is evaluated after NAs are dropped).
:func:`holm` reproduces ``p.adjust(p, method="holm")`` (Holm 1979) the same way, and
:func:`adjust` dispatches on the configured method name.
"""
from __future__ import annotations

import numpy as np

__all__ = ["bh", "holm", "adjust", "METHODS"]

#: configurable adjustment methods (config ``multiplicity.method``) -> R ``p.adjust`` name
METHODS = {"BH": "BH", "holm": "holm"}


def _prepare(p, n):
    arr = np.asarray(p, dtype=float)
    flat = arr.ravel()
    ok = ~np.isnan(flat)
    pv = flat[ok]
    lp = pv.size
    if n is None:
        n = lp
    if n < lp:
        raise ValueError("n must be >= the number of non-missing p-values")
    if np.any((pv < 0) | (pv > 1)):
        raise ValueError("p-values must be in [0, 1]")
    return arr.shape, flat, ok, pv, lp, n


def holm(p, n: int | None = None) -> np.ndarray:
    """Holm step-down adjusted p-values = R ``p.adjust(p, "holm", n)``, NaN-preserving:
    for the m non-missing p-values sorted increasingly, q_(i) = min(1, max_{j <= i} (n - j + 1) p_(j))."""
    shape, flat, ok, pv, lp, n = _prepare(p, n)
    out = np.full(flat.shape, np.nan)
    if lp:
        o = np.argsort(pv, kind="stable")  # R order(p)
        i = np.arange(1, lp + 1, dtype=float)
        res = np.empty(lp)
        res[o] = np.minimum(1.0, np.maximum.accumulate((n - i + 1) * pv[o]))
        out[ok] = res
    return out.reshape(shape)


def adjust(p, method: str = "BH", n: int | None = None) -> np.ndarray:
    """Adjusted p-values by ``method`` ("BH" or "holm", = R ``p.adjust``)."""
    if method not in METHODS:
        raise ValueError(f"unknown multiplicity method '{method}' (use one of {sorted(METHODS)})")
    return {"BH": bh, "holm": holm}[method](p, n)


def bh(p, n: int | None = None) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values = R ``p.adjust(p, "BH", n)``, NaN-preserving.

    ``n`` (number of tests) defaults to the number of non-NaN p-values; it may only be
    larger (R: ``stopifnot(n >= lp)``). Returns a float array with the input's shape.
    """
    shape, flat, ok, pv, lp, n = _prepare(p, n)
    out = np.full(flat.shape, np.nan)
    if lp == 0:
        return out.reshape(shape)
    i = np.arange(lp, 0, -1, dtype=float)
    o = np.argsort(-pv, kind="stable")  # R order(p, decreasing=TRUE) (stable)
    adj = np.minimum(1.0, np.minimum.accumulate(n / i * pv[o]))
    res = np.empty(lp)
    res[o] = adj
    out[ok] = res
    return out.reshape(shape)
