"""Treatment response (binary outcome, e.g. complete remission) vs the signature score.

* :func:`logistic_per_sd`: logistic regression fitted by IRLS / Fisher scoring exactly
  like R ``glm(y ~ x + covariates, family=binomial)`` (start from mu = (y + 0.5)/2,
  convergence |dev - dev_old| / (|dev| + 0.1) < 1e-8, at most 25 iterations), Wald
  CI exp(b +- z_{0.975} se) and Wald p (= ``summary.glm`` / ``confint.default``).
  ``x`` should be a z-scored score, so the OR is per 1 SD.
* :func:`auroc`: area under the ROC curve (Mann-Whitney; ties count 1/2) with the
  DeLong, DeLong & Clarke-Pearson (1988) variance, = pROC ``ci.auc(method="delong")``
  with ``direction="<"`` (higher score = more likely positive; no automatic flipping).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import norm

from .errors import ModelSkipped

__all__ = ["logistic_per_sd", "logistic_fit", "auroc", "irls_logistic", "MIN_EVENTS"]

MIN_EVENTS = 10  # events in the smaller outcome class below which no model is fitted
_EPS_PROB = 10 * np.finfo(float).eps  # R glm.fit: "fitted probabilities numerically 0 or 1"


def _binary(y, name: str = "y") -> np.ndarray:
    y = np.asarray(y, dtype=float)
    ok = ~np.isnan(y)
    if not np.all(np.isin(y[ok], (0.0, 1.0))):
        raise ValueError(f"{name} must be coded 0/1 (NaN for missing)")
    return y


def _binomial_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(y > 0, y * np.log(y / mu), 0.0)
        t2 = np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
    return float(2 * np.sum(t1 + t2))


_THRESH = 30.0  # R family.c logit_linkinv / logit_mu_eta thresholds
_DBL_EPS = np.finfo(float).eps


def _logit_linkinv(eta: np.ndarray) -> np.ndarray:
    e = np.exp(np.clip(eta, -_THRESH, _THRESH))
    e = np.where(eta < -_THRESH, _DBL_EPS, np.where(eta > _THRESH, 1 / _DBL_EPS, e))
    return e / (1 + e)


def _logit_mu_eta(eta: np.ndarray) -> np.ndarray:
    e = np.exp(np.clip(eta, -_THRESH, _THRESH))
    out = e / (1 + e) ** 2
    return np.where(np.abs(eta) > _THRESH, _DBL_EPS, out)


def irls_logistic(X: np.ndarray, y: np.ndarray, maxit: int = 25, epsilon: float = 1e-8) -> dict:
    """R ``glm.fit`` for the binomial family with logit link (IRLS).

    Returns dict(beta, se, cov, deviance, mu, converged, iterations). ``X`` must include the
    intercept column. Raises ModelSkipped when X is rank deficient.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, p = X.shape
    if np.linalg.matrix_rank(X) < p:
        raise ModelSkipped("logistic regression: design matrix is rank deficient "
                           "(constant or collinear covariates)")
    mu = (y + 0.5) / 2  # binomial()$initialize with weights 1
    eta = np.log(mu / (1 - mu))
    dev_old = _binomial_deviance(y, mu)
    beta = np.zeros(p)
    converged = False
    it = 0
    w2 = mu * (1 - mu)
    for it in range(1, maxit + 1):
        mu_eta = _logit_mu_eta(eta)
        z = eta + (y - mu) / mu_eta
        w2 = mu_eta ** 2 / (mu * (1 - mu))  # working weights, as glm.fit
        w = np.sqrt(w2)
        beta, *_ = np.linalg.lstsq(X * w[:, None], z * w, rcond=None)
        eta = X @ beta
        mu = _logit_linkinv(eta)
        dev = _binomial_deviance(y, mu)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon:
            converged = True
            break
        dev_old = dev
    # summary.glm: covariance from the QR of the last IRLS step (its working weights)
    cov = np.linalg.inv(X.T @ (X * w2[:, None]))
    return {"beta": beta, "se": np.sqrt(np.diag(cov)), "cov": cov, "deviance": dev,
            "mu": mu, "converged": converged, "iterations": it}


def logistic_fit(y, X, *, min_events: int = MIN_EVENTS, min_epv: float = 0.0) -> dict:
    """Guarded logistic regression = R ``glm(y ~ X - 1, family = binomial)`` by :func:`irls_logistic`.

    ``X`` is the complete design including the intercept column (no missing values).
    Guards (each raises ModelSkipped with the reason): the smaller outcome class has fewer
    than ``min_events`` observations; fewer than ``min_epv`` outcomes of the smaller class
    per non-intercept parameter (events per variable, ``min(responders, non-responders) /
    (p - 1)``); rank-deficient design; IRLS not converged in 25 iterations;
    (quasi-)complete separation (fitted probabilities numerically 0 or 1, R's warning).

    Returns the :func:`irls_logistic` dict plus ``n``, ``n_events``, ``n_nonevents``.
    """
    y = _binary(np.asarray(y, dtype=float))
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != y.size:
        raise ValueError("X must be a 2-D design with one row per observation")
    if np.isnan(y).any() or np.isnan(X).any():
        raise ValueError("logistic_fit needs complete cases (drop missing values first)")
    n = int(y.size)
    n_events = int(y.sum())
    smaller = min(n_events, n - n_events)
    if smaller < min_events:
        raise ModelSkipped(f"logistic regression: too few events ({n_events} responders, "
                           f"{n - n_events} non-responders among {n}; need >= {min_events} in each class)")
    k = X.shape[1] - 1
    if k > 0 and smaller / k < min_epv:
        raise ModelSkipped(f"logistic regression: {smaller} observations in the smaller outcome class for {k} "
                           f"parameters = {smaller / k:.1f} per parameter < min_epv={min_epv}")
    fit = irls_logistic(X, y)
    if not fit["converged"]:
        raise ModelSkipped("logistic regression: IRLS did not converge in 25 iterations "
                           "(possible separation)")
    if np.any(fit["mu"] <= _EPS_PROB) or np.any(fit["mu"] >= 1 - _EPS_PROB):
        raise ModelSkipped("logistic regression: (quasi-)complete separation, fitted probabilities "
                           "numerically 0 or 1; the odds ratio is not estimable")
    return {**fit, "n": n, "n_events": n_events, "n_nonevents": n - n_events}


def _design(x: pd.Series, covariates: pd.DataFrame | None) -> pd.DataFrame:
    cols = {"x": x.astype(float)}
    X = pd.DataFrame(cols, index=x.index)
    if covariates is not None and covariates.shape[1] > 0:
        cov = covariates.copy()
        cov.index = x.index
        num = cov.select_dtypes(include=[np.number, "bool"]).astype(float)
        cat = cov.drop(columns=num.columns)
        if cat.shape[1]:
            dummies = pd.get_dummies(cat, drop_first=True, dtype=float)
            # keep NaN rows NaN (get_dummies would silently code them as the reference)
            nan_rows = cat.isna().any(axis=1)
            dummies.loc[nan_rows, :] = np.nan
            num = pd.concat([num, dummies], axis=1)
        X = pd.concat([X, num], axis=1)
    X.insert(0, "(Intercept)", 1.0)
    return X


def logistic_per_sd(y, x, covariates: pd.DataFrame | None = None, level: float = 0.95) -> dict:
    """Odds ratio of response per 1 unit (= 1 SD for a z-scored score) of ``x``.

    Logistic model logit P(y=1) = b0 + b1 x + covariates (numeric covariates as is,
    categorical ones as treatment dummies with the first level as reference),
    fitted by IRLS as R ``glm(binomial)``; OR = exp(b1), CI = exp(b1 +- z se(b1)),
    two-sided Wald p. Rows with any missing value are dropped (complete cases).

    Raises ModelSkipped when the smaller outcome class has < 10 observations, when
    the design is rank deficient, when IRLS does not converge, or on (quasi-)complete
    separation (fitted probabilities numerically 0 or 1, R's glm warning condition).

    Returns dict(or_, ci_lower, ci_upper, p, n, n_events, converged, coef, se).
    """
    y_arr = _binary(y)
    x_arr = np.asarray(x, dtype=float)
    if y_arr.shape != x_arr.shape or y_arr.ndim != 1:
        raise ValueError("y and x must be 1-D with equal length")
    idx = pd.RangeIndex(y_arr.size)
    if covariates is not None and len(covariates) != y_arr.size:
        raise ValueError("covariates must have one row per observation")
    X = _design(pd.Series(x_arr, index=idx), covariates.reset_index(drop=True) if covariates is not None else None)
    ok = (~np.isnan(y_arr)) & X.notna().all(axis=1).to_numpy()
    yv = y_arr[ok]
    Xv = X.to_numpy()[ok]
    n = int(yv.size)
    n_events = int(yv.sum())
    fit = logistic_fit(yv, Xv)
    b, se = float(fit["beta"][1]), float(fit["se"][1])
    z = norm.ppf(1 - (1 - level) / 2)
    return {"or_": math.exp(b), "ci_lower": math.exp(b - z * se), "ci_upper": math.exp(b + z * se),
            "p": float(2 * norm.sf(abs(b / se))), "n": n, "n_events": n_events,
            "converged": bool(fit["converged"]), "coef": b, "se": se}


def auroc(y, score, level: float = 0.95) -> dict:
    """AUROC with DeLong (1988) confidence interval (= pROC ``ci.auc(method="delong")``,
    direction "<": higher score predicts y = 1).

    AUC = (1/(m n)) sum_i sum_j psi(X_i, Y_j), X = scores of positives (y=1), Y = negatives,
    psi = 1 if X > Y, 1/2 if tied, 0 otherwise. DeLong structural components
    V10_i = mean_j psi(X_i, Y_j), V01_j = mean_i psi(X_i, Y_j); var(AUC) = s10^2/m + s01^2/n
    with sample variances (denominator m-1, n-1). CI = AUC -+ z_{1-a/2} sqrt(var), clipped
    to [0, 1]. NaN pairs are dropped. Raises ModelSkipped if a class has < 2 observations.

    Returns dict(auc, ci_lower, ci_upper, n_pos, n_neg, se).
    """
    y_arr = _binary(y)
    s = np.asarray(score, dtype=float)
    if y_arr.shape != s.shape:
        raise ValueError("y and score must have equal length")
    ok = ~np.isnan(y_arr) & ~np.isnan(s)
    y_arr, s = y_arr[ok], s[ok]
    pos, neg = s[y_arr == 1], s[y_arr == 0]
    m, n = pos.size, neg.size
    if m < 2 or n < 2:
        raise ModelSkipped(f"AUROC: need >= 2 positives and >= 2 negatives (have {m} and {n})")
    # psi via sorting: for each positive, (#neg < x) + 0.5 (#neg == x)
    neg_sorted = np.sort(neg)
    pos_sorted = np.sort(pos)
    v10 = (np.searchsorted(neg_sorted, pos, side="left")
           + 0.5 * (np.searchsorted(neg_sorted, pos, side="right")
                    - np.searchsorted(neg_sorted, pos, side="left"))) / n
    v01 = ((m - np.searchsorted(pos_sorted, neg, side="right"))
           + 0.5 * (np.searchsorted(pos_sorted, neg, side="right")
                    - np.searchsorted(pos_sorted, neg, side="left"))) / m
    auc = float(v10.mean())
    var = float(np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n)
    se = math.sqrt(max(var, 0.0))
    z = norm.ppf(1 - (1 - level) / 2)
    return {"auc": auc, "ci_lower": max(0.0, auc - z * se), "ci_upper": min(1.0, auc + z * se),
            "n_pos": int(m), "n_neg": int(n), "se": se}
