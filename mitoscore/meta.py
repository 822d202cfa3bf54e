"""Random-effects meta-analysis of per-cohort effects (R ``metafor::rma``, 3.8).

Model (intercept only): y_i = mu + u_i + e_i, u_i ~ N(0, tau^2), e_i ~ N(0, v_i),
v_i = sei^2 known. mu is estimated by inverse-variance weighting with
w_i = 1/(v_i + tau^2): mu = sum w y / sum w, se(mu) = 1/sqrt(sum w).

tau^2 estimators (as ``rma(method=...)``):

* ``"REML"``: Fisher scoring exactly as metafor (start = Hedges/HE estimate,
  step adj = (y'PPy - tr P) / tr PP, step-halving at 0, stop when |change| <= threshold,
  metafor's default threshold 1e-5, then the ll(tau2=0) check); se(tau^2) = sqrt(2 / tr(PP)).
* ``"DL"``: DerSimonian-Laird, tau^2 = max(0, (Q - (k-1)) / tr P_FE).
* ``"PM"``: Paule-Mandel, root of Q(tau^2) = k - 1 found with R's ``uniroot`` (Brent's
  zeroin, tol = .Machine$double.eps^0.25, interval [0, max(100, 10 mad(y)^2)]), ported
  exactly so that results agree with metafor to machine precision.
* ``"FE"``: fixed (common) effect, tau^2 = 0.

Heterogeneity: Q = sum (y - mu_FE)^2 / v (Cochran), QEp = P(chi2_{k-1} > Q);
for random effects I^2 = 100 tau^2 / (vt + tau^2), H^2 = tau^2/vt + 1 with the
"typical" variance vt = (k-1) / tr(P_FE); for FE I^2 = max(0, 100 (Q - (k-1))/Q), H^2 = Q/(k-1).

``test="knha"``: Hartung-Knapp(-Sidik-Jonkman) as metafor: var(mu) multiplied by
s2w = sum w_i (y_i - mu)^2 / (k-1), t distribution with k-1 df for p and CI.

Prediction interval as ``predict.rma``: mu +- crit sqrt(se^2 + tau^2), crit = z_{1-a/2}
(test "z") or t_{k-1, 1-a/2} (test "knha").
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ._lazy import lazy

# imported on first use (job start-up cost)
chi2, norm, t_dist = lazy("scipy.stats", "chi2"), lazy("scipy.stats", "norm"), lazy("scipy.stats", "t")

__all__ = ["rma", "leave_one_out", "r_uniroot"]

_EPS = np.finfo(float).eps
_METHODS = ("REML", "DL", "PM", "FE")


def r_uniroot(f, lower: float, upper: float, tol: float = _EPS ** 0.25, maxiter: int = 1000) -> float:
    """Port of R's ``uniroot`` (``R_zeroin2``, Brent 1973) so that roots found by R
    with a loose tolerance are reproduced to machine precision."""
    a, b = float(lower), float(upper)
    fa, fb = f(a), f(b)
    if fa * fb > 0:
        raise ValueError("f() values at end points not of opposite sign")
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    it = maxiter + 1
    while it > 0:
        it -= 1
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise RuntimeError("uniroot did not converge")


def _p_matrix(w: np.ndarray) -> np.ndarray:
    """P = W - W X (X'WX)^-1 X'W for the intercept-only model."""
    return np.diag(w) - np.outer(w, w) / w.sum()


def _q_stat(tau2: float, ymc: np.ndarray, vi: np.ndarray) -> float:
    p = _p_matrix(1.0 / (vi + tau2))
    return float(ymc @ p @ ymc)


def _r_mad(x: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def _reml_ll(tau2: float, yi: np.ndarray, vi: np.ndarray) -> float:
    w = 1.0 / (vi + tau2)
    beta = np.sum(w * yi) / w.sum()
    rss = np.sum(w * (yi - beta) ** 2)
    k = yi.size
    return (-0.5 * (k - 1) * math.log(2 * math.pi) + 0.5 * math.log(k)
            - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * math.log(w.sum()) - 0.5 * rss)


def _check(yi, sei):
    yi = np.asarray(yi, dtype=float).ravel()
    sei = np.asarray(sei, dtype=float).ravel()
    if yi.shape != sei.shape:
        raise ValueError("yi and sei must have the same length")
    if yi.size == 0:
        raise ValueError("no studies given")
    if not (np.all(np.isfinite(yi)) and np.all(np.isfinite(sei))):
        raise ValueError("yi and sei must be finite (drop missing studies before meta-analysis)")
    if np.any(sei <= 0):
        raise ValueError("all standard errors sei must be > 0")
    return yi, sei


def rma(yi, sei, method: str = "REML", test: str = "z", level: float = 0.95,
        threshold: float = 1e-5, maxiter: int = 100) -> dict:
    """Random-/fixed-effects meta-analysis = ``metafor::rma(yi, sei=sei, method=, test=)``.

    See the module docstring for the definitions. ``threshold`` is metafor's REML
    convergence threshold on |change in tau^2| (default 1e-5 as metafor; Fisher scoring
    converges fast, results agree with R to ~1e-14 with the default).

    k = 1: the single study is returned (estimate = yi, se = sei) with tau2, se_tau2,
    I2, H2, QE, QEp NaN (heterogeneity is not estimable; metafor sets tau2 = 0).

    Returns dict(estimate, se, zval, pval, ci_lb, ci_ub, tau2, se_tau2, I2, H2, QE,
    QEp, k, pi_lb, pi_ub, method, test); ``zval`` is the t value when test="knha".
    """
    method = method.upper()
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    test = test.lower()
    if test not in ("z", "knha"):
        raise ValueError(f"test must be 'z' or 'knha', got {test!r}")
    if not 0 < level < 1:
        raise ValueError("level must be in (0, 1)")
    yi, sei = _check(yi, sei)
    vi = sei ** 2
    k = yi.size
    alpha = 1 - level

    if k == 1:
        est, se = float(yi[0]), float(sei[0])
        crit = norm.ppf(1 - alpha / 2)
        z = est / se
        return {"estimate": est, "se": se, "zval": z, "pval": float(2 * norm.sf(abs(z))),
                "ci_lb": est - crit * se, "ci_ub": est + crit * se,
                "tau2": math.nan, "se_tau2": math.nan, "I2": math.nan, "H2": math.nan,
                "QE": math.nan, "QEp": math.nan, "k": 1,
                "pi_lb": est - crit * se, "pi_ub": est + crit * se,
                "method": method, "test": "z"}

    ymc = yi - yi.mean()
    p_fe = _p_matrix(1.0 / vi)
    tr_pfe = float(np.trace(p_fe))
    qe = max(0.0, float(ymc @ p_fe @ ymc))
    qep = float(chi2.sf(qe, k - 1))

    se_tau2 = math.nan
    if method == "FE":
        tau2 = 0.0
    elif method == "DL":
        tau2 = (qe - (k - 1)) / tr_pfe
        tau2 = max(0.0, tau2)
        se_tau2 = math.sqrt(1 / tr_pfe ** 2 * (2 * (k - 1) + 4 * tau2 * tr_pfe
                                               + 2 * tau2 ** 2 * np.sum(p_fe * p_fe)))
    elif method == "PM":
        target = k - 1.0
        tau2_max = max(100.0, 10 * _r_mad(yi) ** 2)
        if _q_stat(0.0, ymc, vi) < target:
            tau2 = 0.0
        elif _q_stat(tau2_max, ymc, vi) > target:
            raise RuntimeError("Paule-Mandel: tau2 above tau2.max")
        else:
            tau2 = r_uniroot(lambda t2: _q_stat(t2, ymc, vi) - target, 0.0, tau2_max,
                             tol=_EPS ** 0.25, maxiter=maxiter)
        tau2 = max(0.0, tau2)
        w = 1.0 / (vi + tau2)
        se_tau2 = math.sqrt(2 * k ** 2 / (k - 1) / w.sum() ** 2)
    else:  # REML, Fisher scoring as metafor
        p_ols = np.eye(k) - np.ones((k, k)) / k
        tau2 = float(ymc @ p_ols @ ymc - np.trace(p_ols @ np.diag(vi))) / (k - 1)  # HE start
        tau2 = max(0.0, tau2)
        change, it = threshold + 1, 0
        while change > threshold:
            it += 1
            old = tau2
            pm = _p_matrix(1.0 / (vi + tau2))
            pp = pm @ pm
            adj = float(ymc @ pp @ ymc - np.trace(pm)) / float(np.trace(pp))
            while tau2 + adj < 0:
                adj /= 2
            tau2 = tau2 + adj
            change = abs(old - tau2)
            if it > maxiter:
                raise RuntimeError("REML Fisher scoring did not converge")
        if _reml_ll(0.0, yi, vi) - _reml_ll(tau2, yi, vi) > _EPS ** 0.25 and tau2 > threshold:
            tau2 = 0.0  # metafor's ll0check: stuck at a local maximum
        tau2 = max(0.0, tau2)
        pm = _p_matrix(1.0 / (vi + tau2))
        se_tau2 = math.sqrt(2 / np.sum(pm * pm))

    w = 1.0 / (vi + tau2)
    est = float(np.sum(w * yi) / w.sum())
    var_b = 1.0 / w.sum()
    if test == "knha":
        rss = float(np.sum(w * (yi - est) ** 2))
        s2w = 0.0 if rss <= _EPS else rss / (k - 1)
        var_b *= s2w
        crit = float(t_dist.ppf(1 - alpha / 2, k - 1))
    else:
        crit = float(norm.ppf(1 - alpha / 2))
    se = math.sqrt(var_b)
    zval = est / se if se > 0 else math.copysign(math.inf, est)
    pval = float(2 * t_dist.sf(abs(zval), k - 1)) if test == "knha" else float(2 * norm.sf(abs(zval)))

    if method == "FE":
        i2 = max(0.0, 100 * (qe - (k - 1)) / qe) if qe > 0 else 0.0
        h2 = qe / (k - 1)
    else:
        vt = (k - 1) / tr_pfe
        i2 = 100 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1
    half_pi = crit * math.sqrt(se ** 2 + tau2)
    return {"estimate": est, "se": se, "zval": zval, "pval": pval,
            "ci_lb": est - crit * se, "ci_ub": est + crit * se,
            "tau2": float(tau2), "se_tau2": float(se_tau2), "I2": float(i2), "H2": float(h2),
            "QE": qe, "QEp": qep, "k": int(k),
            "pi_lb": est - half_pi, "pi_ub": est + half_pi,
            "method": method, "test": test}


def leave_one_out(yi, sei, labels, method: str = "REML", test: str = "z",
                  level: float = 0.95) -> pd.DataFrame:
    """Leave-one-out sensitivity analysis (``metafor::leave1out``): refit :func:`rma`
    without each study in turn.

    Returns DataFrame(left_out, estimate, ci_lb, ci_ub, pval, tau2, I2), one row per study
    in input order. With k = 2 each fit has one study (tau2/I2 NaN, see :func:`rma`).
    """
    yi, sei = _check(yi, sei)
    labels = list(labels)
    if len(labels) != yi.size:
        raise ValueError("labels must have one entry per study")
    if yi.size < 2:
        raise ValueError("leave-one-out needs at least 2 studies")
    rows = []
    for i, lab in enumerate(labels):
        keep = np.arange(yi.size) != i
        r = rma(yi[keep], sei[keep], method=method, test=test, level=level)
        rows.append({"left_out": lab, "estimate": r["estimate"], "ci_lb": r["ci_lb"],
                     "ci_ub": r["ci_ub"], "pval": r["pval"], "tau2": r["tau2"], "I2": r["I2"]})
    return pd.DataFrame(rows, columns=["left_out", "estimate", "ci_lb", "ci_ub", "pval", "tau2", "I2"])
