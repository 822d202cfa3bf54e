"""Survival analysis: Kaplan-Meier, log-rank, Cox models, PH checks, discrimination.

Every function reproduces a named R function (survival 3.5-3) and is tested against
the R goldens in ``shared/oracle/golden``:

* :func:`km_table`      -- ``survfit(Surv(time, event) ~ group, conf.type="log-log")``
* :func:`km_median`     -- ``summary(survfit(...))$table`` median with R's midpoint rule
* :func:`logrank_test`  -- ``survdiff(Surv(time, event) ~ group, rho=0)``
* :func:`cox_fit`       -- ``coxph(..., ties="efron")`` (fitted with lifelines, tight tolerances)
* :func:`cox_zph`       -- ``cox.zph(fit, transform=...)`` of survival >= 3.0 (own port of
  the score test computed by the C routine ``zph1``; *not* lifelines' older test)
* :func:`harrell_c`     -- ``concordance()`` / the ``concordance`` of ``summary(coxph)``

plus Uno's IPCW C, cumulative/dynamic time-dependent AUC, a percentile bootstrap,
the score x treatment interaction model and the C-index gain over clinical covariates.
All functions are pure (numpy/pandas in, numpy/pandas out); a model that cannot be
fitted raises :class:`mitoscore.errors.ModelSkipped` with a human-readable reason.
"""
from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .errors import ModelSkipped

__all__ = [
    "CoxResult",
    "km_table",
    "km_median",
    "logrank_test",
    "design_matrix",
    "cox_fit",
    "cox_zph",
    "interaction_cox",
    "harrell_c",
    "uno_c",
    "td_auc",
    "bootstrap_ci",
    "c_gain",
]

#: lifelines options that reproduce R coxph to ~1e-11 (oracle README, "Cox" rows)
COX_FIT_OPTIONS = {"precision": 1e-12, "r_precision": 1e-12, "max_steps": 200}
#: |coef| x SD(x) above this is treated as an infinite coefficient (monotone likelihood)
_MAX_STD_COEF = 10.0
#: pairwise |correlation| above this is treated as collinearity
_MAX_ABS_CORR = 0.999


def _arr(x, dtype=float) -> np.ndarray:
    return np.asarray(x, dtype=dtype).ravel()


def _check_te(time, event) -> tuple[np.ndarray, np.ndarray]:
    t = _arr(time)
    e = _arr(event)
    if t.shape != e.shape:
        raise ValueError(f"time ({t.size}) and event ({e.size}) differ in length")
    if np.isnan(t).any() or np.isnan(e).any():
        raise ValueError("time/event contain missing values; drop them first")
    if not np.isin(e, (0.0, 1.0)).all():
        raise ValueError("event must be coded 0 (censored) / 1 (event)")
    return t, e


# =========================================================================== Kaplan-Meier
def _km_one(t: np.ndarray, e: np.ndarray, z: float) -> pd.DataFrame:
    """One KM curve at every distinct time (events and censorings), as survfitKM."""
    ut, inv = np.unique(t, return_inverse=True)
    n_event = np.bincount(inv, weights=e, minlength=ut.size)
    n_all = np.bincount(inv, minlength=ut.size).astype(float)
    n_censor = n_all - n_event
    n_risk = n_all[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - n_event / n_risk)
        # Greenwood: var(log S) = sum d / (n (n - d)); Inf once n == d (S = 0), as R
        inc = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        se = np.sqrt(np.cumsum(inc))
        # survfit_confint(conf.type="log-log"): NA where S is 0 or 1
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        se2 = z * se / np.log(xx)
        lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
        upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
    return pd.DataFrame({
        "time": ut, "n_risk": n_risk.astype(int), "n_event": n_event.astype(int),
        "n_censor": n_censor.astype(int), "surv": surv, "std_err_logS": se,
        "lower": lower, "upper": upper,
    })


def _sorted_levels(values) -> list:
    lv = pd.unique(pd.Series(values).dropna())
    try:
        return sorted(lv)
    except TypeError:
        return sorted(lv, key=str)


def km_table(time, event, group=None, conf_level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier table per group = R ``survfit(Surv(time, event) ~ group, conf.type="log-log")``.

    One row per distinct time (event or censoring) within each group, groups in sorted
    order (R factor levels). Columns: ``group, time, n_risk, n_event, n_censor, surv,
    std_err_logS, lower, upper``.

    * ``surv``: product-limit estimate S(t) = prod_{t_k <= t} (1 - d_k / n_k).
    * ``std_err_logS``: R's ``std.err`` = Greenwood SE of log S(t) (equivalently of the
      cumulative hazard), sqrt(sum d_k / (n_k (n_k - d_k))); ``inf`` when S reaches 0.
    * ``lower``/``upper``: log-log interval exp(-exp(log(-log S) -/+ z se / log S)),
      NaN where S is 0 or 1 (as R). Identical to lifelines' KM intervals.

    ``group=None`` gives a single curve labelled ``"all"``.
    """
    t, e = _check_te(time, event)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    if group is None:
        g = np.array(["all"] * t.size, dtype=object)
    else:
        g = np.asarray(group, dtype=object).ravel()
        if g.size != t.size:
            raise ValueError("group differs in length from time")
    out = []
    for lvl in _sorted_levels(g):
        m = np.asarray(pd.Series(g) == lvl)
        tab = _km_one(t[m], e[m], z)
        tab.insert(0, "group", lvl)
        out.append(tab)
    cols = ["group", "time", "n_risk", "n_event", "n_censor", "surv", "std_err_logS", "lower", "upper"]
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True)[cols]


def _r_minmin(y: np.ndarray, x: np.ndarray) -> float:
    """R ``survmean``'s ``minmin``: first x with y <= 0.5, midpoint rule if y == 0.5 exactly."""
    tol = np.finfo(float).eps ** 0.5
    keep = ~np.isnan(y) & (y < 0.5 + tol)
    if not keep.any():
        return float("nan")
    x, y = x[keep], y[keep]
    if abs(y[0] - 0.5) < tol and (y < y[0]).any():
        return float((x[0] + x[np.argmax(y < y[0])]) / 2)
    return float(x[0])


def km_median(time, event, conf_level: float = 0.95) -> dict:
    """Median survival with its log-log CI = R ``summary(survfit(..., conf.type="log-log"))$table``.

    R's rule (``survival:::survmean``): the median is the first time where S(t) <= 0.5;
    when S(t) equals 0.5 (within sqrt(machine eps)) over an interval, the midpoint of
    that time and the next time S drops below 0.5. The CI bounds apply the same rule to
    the lower (-> ``lcl``) and upper (-> ``ucl``) log-log confidence curves. NaN where R
    reports NA (curve never reaches 0.5). Returns ``dict(median, lcl, ucl)``.
    """
    t, e = _check_te(time, event)
    if t.size == 0:
        return {"median": float("nan"), "lcl": float("nan"), "ucl": float("nan")}
    tab = _km_one(t, e, stats.norm.ppf(1 - (1 - conf_level) / 2))
    x = tab["time"].to_numpy()
    return {"median": _r_minmin(tab["surv"].to_numpy(), x),
            "lcl": _r_minmin(tab["lower"].to_numpy(), x),
            "ucl": _r_minmin(tab["upper"].to_numpy(), x)}


# =========================================================================== log-rank
def logrank_test(time, event, group) -> dict:
    """k-sample log-rank test = R ``survdiff(Surv(time, event) ~ group, rho=0)``.

    At each distinct event time with d deaths among n at risk (n_g in group g):
    E_g += d n_g / n and V_gh += d (n - d) / (n - 1) * n_g / n (delta_gh - n_h / n).
    chisq = (O - E)' V^- (O - E) using the groups with E > 0 minus one (as R),
    df = (#groups with E > 0) - 1. Returns ``dict(chisq, df, p, n, events,
    observed={group: O}, expected={group: E})``.
    """
    t, e = _check_te(time, event)
    g = np.asarray(group, dtype=object).ravel()
    levels = _sorted_levels(g)
    if len(levels) < 2:
        raise ModelSkipped(f"log-rank test needs >= 2 groups, found {len(levels)}")
    gi = np.array([levels.index(v) for v in g])
    k = len(levels)
    order = np.argsort(t, kind="stable")
    t, e, gi = t[order], e[order], gi[order]
    ut, first = np.unique(t, return_index=True)
    # at risk per group at each distinct time: count with time >= ut
    counts = np.zeros((ut.size, k))
    inv = np.searchsorted(ut, t)
    np.add.at(counts, (inv, gi), 1.0)
    nrisk_g = counts[::-1].cumsum(axis=0)[::-1]
    dg = np.zeros((ut.size, k))
    np.add.at(dg, (inv, gi), e)
    d = dg.sum(1)
    n = nrisk_g.sum(1)
    ev = d > 0
    nrisk_g, dg, d, n = nrisk_g[ev], dg[ev], d[ev], n[ev]
    obs = dg.sum(0)
    exp_ = (d[:, None] * nrisk_g / n[:, None]).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(n > 1, d * (n - d) / (n * (n - 1)), 0.0)
    V = np.einsum("t,tg,th->gh", f, nrisk_g, -nrisk_g / n[:, None])
    V[np.diag_indices(k)] += (f[:, None] * nrisk_g).sum(0)
    keep = np.flatnonzero(exp_ > 0)
    df = keep.size - 1
    if df < 1:
        chisq = float("nan")
    else:
        idx = keep[:-1]
        diff = (obs - exp_)[idx]
        chisq = float(diff @ np.linalg.lstsq(V[np.ix_(idx, idx)], diff, rcond=None)[0])
    return {
        "chisq": chisq, "df": int(df),
        "p": float(stats.chi2.sf(chisq, df)) if df >= 1 else float("nan"),
        "n": int(t.size), "events": int(e.sum()),
        "observed": {lvl: float(obs[i]) for i, lvl in enumerate(levels)},
        "expected": {lvl: float(exp_[i]) for i, lvl in enumerate(levels)},
    }


# =========================================================================== design matrix
def _level_labels(s: pd.Series) -> pd.Series:
    """Values -> string level labels (integer-valued floats printed without '.0')."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = s.astype(float)
        if np.all(np.mod(v.dropna(), 1) == 0):
            return v.map(lambda x: str(int(x)) if pd.notna(x) else np.nan)
        return v.map(lambda x: repr(float(x)) if pd.notna(x) else np.nan)
    return s.map(lambda x: str(x) if pd.notna(x) else np.nan)


def design_matrix(df: pd.DataFrame, covariates: Sequence[str],
                  categorical: dict[str, str] | None = None) -> pd.DataFrame:
    """Numeric design matrix for Cox models (treatment/dummy coding, like R's default contrasts).

    * numeric (and boolean) columns are kept as floats;
    * columns named in ``categorical`` (column -> explicit reference level) and any
      non-numeric column are dummy-coded: one 0/1 column ``f"{col}[{level}]"`` per
      non-reference level, in sorted level order. Without an explicit reference, the
      reference is the **first level in sorted order** (R's factor default).
      Levels are compared as strings (integer-valued numbers without ".0").
    * rows with any missing covariate are dropped; the count is ``out.attrs["n_dropped"]``.

    The index of ``df`` is preserved (minus dropped rows). Raises ``ModelSkipped`` if a
    requested column is absent, a reference level is absent from the (complete-case)
    data, or a categorical covariate has a single level.
    """
    categorical = dict(categorical or {})
    covariates = list(covariates)
    missing = [c for c in covariates if c not in df.columns]
    if missing:
        raise ModelSkipped(f"covariate(s) not found in the data: {missing}")
    unknown = [c for c in categorical if c not in covariates]
    if unknown:
        raise ModelSkipped(f"reference level given for column(s) that are not covariates: {unknown}")
    sub = df[covariates]
    complete = sub.notna().all(axis=1)
    sub = sub.loc[complete]
    cols: dict[str, pd.Series] = {}
    for c in covariates:
        s = sub[c]
        is_num = pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
        if c not in categorical and is_num:
            cols[c] = s.astype(float)
            continue
        lab = _level_labels(s)
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            # the labels themselves, in numeric order of their values
            levels = list(dict.fromkeys(lab.to_numpy()[np.argsort(s.to_numpy(dtype=float), kind="stable")]))
        else:
            levels = sorted(pd.unique(lab))
        if c in categorical:
            ref = str(categorical[c])
            if ref not in levels:
                raise ModelSkipped(
                    f"reference level '{ref}' of covariate '{c}' is absent from the data "
                    f"(levels present: {levels})")
        else:
            if not levels:
                raise ModelSkipped(f"categorical covariate '{c}' has no non-missing values")
            ref = levels[0]
        others = [lv for lv in levels if lv != ref]
        if not others:
            raise ModelSkipped(f"categorical covariate '{c}' has a single level ('{ref}')")
        for lv in others:
            cols[f"{c}[{lv}]"] = (lab == lv).astype(float)
    out = pd.DataFrame(cols, index=sub.index)
    out.attrs["n_dropped"] = int((~complete).sum())
    return out


# =========================================================================== Efron machinery
def _strata_codes(df: pd.DataFrame, strata: Sequence[str] | None) -> np.ndarray:
    if not strata:
        return np.zeros(len(df), dtype=int)
    return df[list(strata)].astype(str).agg("\x1f".join, axis=1).pipe(
        lambda s: pd.factorize(s, sort=True)[0]).astype(int)


def _efron_derivs(beta, t, e, X, strata):
    """Efron partial log-likelihood, gradient and information (= R coxph, unit weights).

    For each distinct event time with d deaths (risk set R, deaths D) and k = 0..d-1:
    denominators S - (k/d) S_D with S = sum_R exp(eta), S_D = sum_D exp(eta).
    Vectorised over deaths (one row per death with its fraction k/d).
    """
    p = X.shape[1]
    ll, grad, info = 0.0, np.zeros(p), np.zeros((p, p))
    eta_all = X @ beta if p else np.zeros(t.size)
    for s in np.unique(strata):
        m = strata == s
        ts, es, Xs, eta = t[m], e[m], X[m], eta_all[m]
        if not (es == 1).any():
            continue
        eta = eta - eta.max()
        order = np.argsort(-ts, kind="stable")
        ts, es, Xs, eta = ts[order], es[order], Xs[order], eta[order]
        r = np.exp(eta)
        rx = r[:, None] * Xs
        rxx = rx[:, :, None] * Xs[:, None, :]
        cs_r, cs_rx, cs_rxx = np.cumsum(r), np.cumsum(rx, axis=0), np.cumsum(rxx, axis=0)
        # block (distinct time) of each row; risk-set totals at the block's last row
        _, blk = np.unique(-ts, return_inverse=True)
        last = np.r_[np.flatnonzero(np.diff(blk)), ts.size - 1]
        dth = np.flatnonzero(es == 1)
        bd = blk[dth]
        nb = last.size
        d = np.bincount(bd, minlength=nb).astype(float)
        SD = np.bincount(bd, weights=r[dth], minlength=nb)
        SDX = np.zeros((nb, p))
        np.add.at(SDX, bd, rx[dth])
        SDXX = np.zeros((nb, p, p))
        np.add.at(SDXX, bd, rxx[dth])
        # k = 0..d-1 within each block
        first_in_block = np.r_[0, np.flatnonzero(np.diff(bd)) + 1]
        k = np.arange(dth.size) - np.repeat(first_in_block, np.diff(np.r_[first_in_block, dth.size]))
        f = k / d[bd]
        li = last[bd]
        den = cs_r[li] - f * SD[bd]
        mu = (cs_rx[li] - f[:, None] * SDX[bd]) / den[:, None]
        ll += eta[dth].sum() - np.log(den).sum()
        grad += Xs[dth].sum(0) - mu.sum(0)
        info += ((cs_rxx[li] - f[:, None, None] * SDXX[bd]) / den[:, None, None]).sum(0) - mu.T @ mu
    return ll, grad, info


def _efron_newton(t, e, X, strata, beta0=None, max_iter=50, tol=1e-10):
    """Newton-Raphson with step halving for the Efron partial likelihood.

    Converged when the relative log-likelihood change is <= ``tol`` or the largest
    Newton step is < 1e-11 (1 + |beta|). Returns the estimate, or None if it fails.
    """
    out = _efron_newton_full(t, e, X, strata, beta0=beta0, max_iter=max_iter, tol=tol)
    return None if out is None else out[0]


def _efron_newton_full(t, e, X, strata, beta0=None, max_iter=50, tol=1e-10):
    p = X.shape[1]
    beta = np.zeros(p) if beta0 is None else np.array(beta0, float)
    ll, g, H = _efron_derivs(beta, t, e, X, strata)
    if not np.isfinite(ll):
        return None
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        small = np.max(np.abs(step)) < 1e-11 * (1 + np.max(np.abs(beta)))
        new = beta + step
        ll_new, g_new, H_new = _efron_derivs(new, t, e, X, strata)
        halv = 0
        while (not np.isfinite(ll_new) or ll_new < ll - 1e-12 * (1 + abs(ll))) and halv < 30:
            step /= 2
            new = beta + step
            ll_new, g_new, H_new = _efron_derivs(new, t, e, X, strata)
            halv += 1
        if halv == 30:
            return None
        converged = small or abs(ll_new - ll) <= tol * (abs(ll) + tol)
        beta, ll, g, H = new, ll_new, g_new, H_new
        if converged:
            return beta, ll, H
    return None


# =========================================================================== concordance
def _pair_counts(time, event, risk, weights=None):
    """Harrell pair counts (R ``concordance`` convention, timewt="n").

    A pair (i, j) is comparable when i has an event and j is still at risk after it:
    t_j > t_i, or t_j == t_i with j censored (tied deaths are not comparable).
    Concordant when risk_i > risk_j. Returns (concordant, discordant, tied_risk) summed
    over event rows, each row weighted by ``weights[i]`` (1 by default).
    Vectorised O(n_events x n).
    """
    t, e, r = _arr(time), _arr(event), _arr(risk)
    order = np.lexsort((1 - e, t))  # by time, deaths before censorings at ties
    t, e, r = t[order], e[order], r[order]
    w = None if weights is None else _arr(weights)[order]
    ev = np.flatnonzero(e == 1)
    if ev.size == 0:
        return 0.0, 0.0, 0.0
    te = t[ev]
    # first index after the block of deaths tied at t_i
    start_t = np.searchsorted(t, te, side="left")
    ud, cnt = np.unique(te, return_counts=True)
    s = start_t + cnt[np.searchsorted(ud, te)]
    n = t.size
    ar = np.arange(n)
    mask = ar[None, :] >= s[:, None]
    re = r[ev][:, None]
    gt = ((re > r[None, :]) & mask).sum(1).astype(float)
    eq = ((re == r[None, :]) & mask).sum(1).astype(float)
    tot = (n - s).astype(float)
    lt = tot - gt - eq
    if w is not None:
        we = w[ev]
        return float(we @ gt), float(we @ lt), float(we @ eq)
    return float(gt.sum()), float(lt.sum()), float(eq.sum())


def harrell_c(time, event, risk) -> float:
    """Harrell's C = R ``survival::concordance`` (timewt="n"), higher risk = shorter survival.

    C = (concordant + tied_risk / 2) / (concordant + discordant + tied_risk) over
    comparable pairs (i has an event, j survives longer or is censored at t_i; pairs
    of tied deaths are excluded). Equals the ``concordance`` of ``summary(coxph)``
    when ``risk`` is the linear predictor. NaN if there is no comparable pair.
    """
    t, e = _check_te(time, event)
    c, d, ti = _pair_counts(t, e, _arr(risk))
    tot = c + d + ti
    return float((c + ti / 2) / tot) if tot > 0 else float("nan")


def ipcw(time, event, times=()) -> tuple[np.ndarray, np.ndarray]:
    """Censoring survival for inverse-probability-of-censoring weights
    = R ``pec::ipcw(Surv(time, status) ~ 1, method = "marginal", times, subjectTimes = time)``.

    G is the reverse Kaplan-Meier estimate of the censoring distribution (``prodlim(...,
    reverse = TRUE)``): at each distinct time u with c censorings, d deaths and n subjects
    with T >= u, G jumps by the factor 1 - c / (n - d): **deaths tied with censorings are
    removed from the censoring risk set** (they are known not to be censored at u).

    Returns ``(G_subject, G_times)``: ``G_subject[i]`` = G(T_i-) (the value just before the
    subject's own time, pec's ``IPCW.subjectTimes`` with lag 1), ``G_times[k]`` = G(t_k)
    (right-continuous, pec's ``IPCW.times``), NaN beyond the last observed time (R: NA).
    Tested against pec 1.x on tied integer-month data (``tests/golden/ipcw.R``).
    """
    t, e = _check_te(time, event)
    ut, inv = np.unique(t, return_inverse=True)
    nc = np.bincount(inv, weights=1 - e, minlength=ut.size)
    nd = np.bincount(inv, weights=e, minlength=ut.size)
    n_all = np.bincount(inv, minlength=ut.size).astype(float)
    nrisk = n_all[::-1].cumsum()[::-1] - nd
    with np.errstate(divide="ignore", invalid="ignore"):
        G = np.cumprod(np.where(nrisk > 0, 1 - nc / nrisk, 1.0))
    G_subject = np.r_[1.0, G][inv]
    at = np.asarray(times, dtype=float).ravel()
    idx = np.searchsorted(ut, at, side="right")  # number of distinct times <= at
    G_times = np.r_[1.0, G][idx]
    G_times = np.where(at > ut[-1], np.nan, G_times) if ut.size else np.full(at.shape, np.nan)
    return G_subject, G_times


def _cens_km_left(t: np.ndarray, e: np.ndarray, at: np.ndarray) -> np.ndarray:
    """G(at-): left-continuous KM of the censoring distribution (censoring = event 0).

    Censorings tied with deaths are treated as happening just after the deaths (the
    usual convention), i.e. deaths at t are still at risk of censoring at t.
    """
    ut, inv = np.unique(t, return_inverse=True)
    nc = np.bincount(inv, weights=1 - e, minlength=ut.size)
    n_all = np.bincount(inv, minlength=ut.size).astype(float)
    nrisk = n_all[::-1].cumsum()[::-1]
    G = np.cumprod(1 - nc / nrisk)
    idx = np.searchsorted(ut, at, side="left")  # number of distinct times < at
    return np.r_[1.0, G][idx]


def uno_c(time, event, risk, tau: float | None = None) -> float:
    """Uno et al. (2011) IPCW concordance C(tau).

    C = sum_{i,j} D_i G(T_i-)^-2 I(T_i < tau) [I(r_i > r_j) + I(r_i = r_j)/2] cmp(i,j)
        / sum_{i,j} D_i G(T_i-)^-2 I(T_i < tau) cmp(i,j)
    with G the Kaplan-Meier estimate of the censoring survival (left limit) and cmp the
    comparable-pair rule of :func:`harrell_c` (j at risk after T_i). ``tau=None`` uses
    all event times. Without censoring G = 1 and C equals Harrell's C.
    """
    t, e = _check_te(time, event)
    r = _arr(risk)
    G = _cens_km_left(t, e, t)
    with np.errstate(divide="ignore"):
        w = np.where((e == 1) & (G > 0), 1.0 / G**2, 0.0)
    if tau is not None:
        w = np.where(t < tau, w, 0.0)
    c, d, ti = _pair_counts(t, e, r, weights=w)
    tot = c + d + ti
    return float((c + ti / 2) / tot) if tot > 0 else float("nan")


def td_auc(time, event, risk, horizons) -> pd.DataFrame:
    """Cumulative/dynamic time-dependent AUC(t) with IPCW (Uno 2007; timeROC "marginal").

    Cases at horizon h: T_i <= h with an event, weight 1/G(T_i-); controls: T_j > h,
    weight 1/G(h) (constant, cancels); G = KM of the censoring distribution.
    AUC(h) = sum_{i case, j control} w_i [I(r_i > r_j) + I(r_i = r_j)/2]
             / (sum_i w_i * n_controls).
    NaN for a horizon without cases or without controls. Columns: ``horizon, auc``.
    """
    t, e = _check_te(time, event)
    r = _arr(risk)
    Gi = _cens_km_left(t, e, t)
    rows = []
    for h in np.atleast_1d(np.asarray(horizons, dtype=float)):
        case = (t <= h) & (e == 1) & (Gi > 0)
        ctrl = t > h
        if not case.any() or not ctrl.any():
            rows.append({"horizon": float(h), "auc": float("nan")})
            continue
        wi = 1.0 / Gi[case]
        rc = np.sort(r[ctrl])
        below = np.searchsorted(rc, r[case], side="left")
        ties = np.searchsorted(rc, r[case], side="right") - below
        num = wi @ (below + 0.5 * ties)
        rows.append({"horizon": float(h), "auc": float(num / (wi.sum() * rc.size))})
    return pd.DataFrame(rows, columns=["horizon", "auc"])


def bootstrap_ci(stat_fn: Callable[..., float], arrays: tuple, n_boot: int = 1000, seed: int = 1,
                 level: float = 0.95) -> dict:
    """Percentile bootstrap over rows: resample row indices with replacement
    (``numpy.random.default_rng(seed)``), apply ``stat_fn`` to the resampled arrays.

    Returns ``dict(estimate, ci_lower, ci_upper, n_boot)`` where ``estimate`` is the
    statistic on the original data and ``n_boot`` the number of finite replicates used
    (replicates giving NaN, e.g. no comparable pair, are dropped). ``n_boot=0`` gives
    NaN bounds.
    """
    arrs = [np.asarray(a) for a in arrays]
    n = len(arrs[0])
    if any(len(a) != n for a in arrs):
        raise ValueError("bootstrap arrays differ in length")
    est = float(stat_fn(*arrs))
    if n_boot <= 0 or n == 0:
        return {"estimate": est, "ci_lower": float("nan"), "ci_upper": float("nan"), "n_boot": 0}
    rng = np.random.default_rng(seed)
    vals = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        try:
            vals[b] = stat_fn(*[a[idx] for a in arrs])
        except (ModelSkipped, ValueError, np.linalg.LinAlgError):
            vals[b] = np.nan
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        return {"estimate": est, "ci_lower": float("nan"), "ci_upper": float("nan"), "n_boot": 0}
    a = (1 - level) / 2
    lo, hi = np.quantile(vals, [a, 1 - a])
    return {"estimate": est, "ci_lower": float(lo), "ci_upper": float(hi), "n_boot": int(vals.size)}


# =========================================================================== Cox
@dataclass
class CoxResult:
    """A fitted Cox model (Efron ties). ``table`` columns: term, coef, hr, se, z, p,
    ci_lower, ci_upper (95% Wald interval on the HR scale)."""
    table: pd.DataFrame
    n: int
    events: int
    loglik: float
    loglik_null: float
    lr_chisq: float
    lr_df: int
    lr_p: float
    concordance: float
    beta: np.ndarray
    var: np.ndarray
    terms: list[str]
    strata: list[str] | None = None
    n_dropped: int = 0
    converged: bool = True
    notes: list[str] = field(default_factory=list)


def _complete_rows(df, duration_col, event_col, terms, strata):
    cols = [duration_col, event_col, *terms, *(strata or [])]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ModelSkipped(f"column(s) not found in the data: {missing}")
    ok = df[cols].notna().all(axis=1)
    return df.loc[ok], int((~ok).sum())


def _check_design(X: np.ndarray, terms: list[str], strata_codes: np.ndarray) -> None:
    for j, name in enumerate(terms):
        if np.ptp(X[:, j]) == 0:
            raise ModelSkipped(f"covariate '{name}' is constant (value {X[0, j]:g}); cannot estimate its effect")
    # centre within strata: a covariate constant within every stratum is also inestimable
    Xc = X.copy()
    for s in np.unique(strata_codes):
        m = strata_codes == s
        Xc[m] -= Xc[m].mean(0)
    if len(terms) >= 1:
        sd = Xc.std(0)
        if np.any(sd == 0):
            j = int(np.flatnonzero(sd == 0)[0])
            raise ModelSkipped(f"covariate '{terms[j]}' is constant within strata; cannot estimate its effect")
        if len(terms) >= 2:
            corr = np.corrcoef(Xc, rowvar=False)
            iu = np.triu_indices(len(terms), 1)
            bad = np.flatnonzero(np.abs(corr[iu]) > _MAX_ABS_CORR)
            if bad.size:
                a, b = iu[0][bad[0]], iu[1][bad[0]]
                raise ModelSkipped(
                    f"collinear covariates: '{terms[a]}' and '{terms[b]}' "
                    f"(|correlation| = {abs(corr[a, b]):.4f} > {_MAX_ABS_CORR})")
        rank = np.linalg.matrix_rank(Xc / sd)
        if rank < len(terms):
            raise ModelSkipped(f"collinear covariates: design matrix of {terms} has rank {rank} < {len(terms)}")


def cox_fit(df: pd.DataFrame, duration_col: str, event_col: str, terms: Sequence[str], *,
            strata: Sequence[str] | None = None, min_events: int = 10, min_epv: float = 5.0) -> CoxResult:
    """Cox proportional-hazards model = R ``coxph(Surv(time, event) ~ terms + strata(...), ties="efron")``.

    Fitted with lifelines ``CoxPHFitter`` (Efron ties) and ``fit_options`` =
    ``COX_FIT_OPTIONS`` (reproduces R to ~1e-11; oracle README), then polished by at
    most 10 exact Newton-Raphson steps on the Efron partial likelihood (own numpy
    implementation) so that flat likelihoods (binary covariates), where lifelines
    stops ~1e-7 early, also agree with R to ~1e-9; covariance = inverse information. ``terms`` are numeric
    columns (use :func:`design_matrix` for categorical covariates). Rows with a missing
    value in the used columns are dropped (``result.n_dropped``).

    Reported: coef, HR = exp(coef), Wald se/z/p, 95% Wald CI exp(coef +- 1.96 se);
    partial log-likelihood at the estimate and at beta = 0, likelihood-ratio test
    (df = #terms); Harrell's concordance of the linear predictor (within strata, as R).

    Raises ``ModelSkipped`` when: events < ``min_events``; events per parameter <
    ``min_epv``; a covariate is constant (overall or within strata); covariates are
    collinear (rank deficient or |corr| > 0.999); the fit does not converge or a
    coefficient is effectively infinite (|coef| x SD(x) > 10, monotone likelihood).
    """
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    terms = list(terms)
    strata = list(strata) if strata else None
    if not terms:
        raise ModelSkipped("no covariates given")
    d, n_dropped = _complete_rows(df, duration_col, event_col, terms, strata)
    t = d[duration_col].to_numpy(float)
    e = d[event_col].to_numpy(float)
    if not np.isin(e, (0.0, 1.0)).all():
        raise ModelSkipped(f"event column '{event_col}' must be coded 0/1")
    n, events = int(t.size), int(e.sum())
    if events < min_events:
        raise ModelSkipped(f"only {events} events (n={n}); at least min_events={min_events} are required")
    epv = events / len(terms)
    if epv < min_epv:
        raise ModelSkipped(f"{events} events for {len(terms)} parameters = {epv:.1f} events per parameter "
                           f"< min_epv={min_epv}")
    try:
        X = d[terms].to_numpy(float)
    except (TypeError, ValueError) as exc:
        raise ModelSkipped(f"non-numeric covariate among {terms}; dummy-code it with design_matrix ({exc})")
    sc = _strata_codes(d, strata)
    _check_design(X, terms, sc)

    safe = [f"x{j}" for j in range(len(terms))]
    # lifelines sees standardised columns (its low-variance heuristics would otherwise
    # flag small-scale scores); coefficients are transformed back below
    x_mu, x_sd = X.mean(0), X.std(0)
    fit_df = pd.DataFrame((X - x_mu) / x_sd, columns=safe)
    fit_df["_T"] = t
    fit_df["_E"] = e
    if strata:
        fit_df["_S"] = sc
    cph = CoxPHFitter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cph.fit(fit_df, "_T", "_E", strata=["_S"] if strata else None, fit_options=dict(COX_FIT_OPTIONS))
        except ConvergenceError as exc:
            raise ModelSkipped(f"Cox fit of {terms} did not converge: {str(exc).splitlines()[0]}")
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise ModelSkipped(f"Cox fit of {terms} failed: {str(exc).splitlines()[0]}")
    conv = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    if conv:
        raise ModelSkipped(f"Cox fit of {terms} did not converge / possible complete separation: "
                           f"{str(conv[0].message).splitlines()[0]}")
    beta = cph.params_.loc[safe].to_numpy(float) / x_sd
    var = cph.variance_matrix_.loc[safe, safe].to_numpy(float) / np.outer(x_sd, x_sd)
    loglik = float(cph.log_likelihood_)
    # polish: exact Newton steps on the Efron likelihood from lifelines' estimate; this
    # removes lifelines' early stop on flat likelihoods (binary covariates: 1e-7 -> 1e-9)
    pol = _efron_newton_full(t, e, X, sc, beta0=beta, max_iter=10, tol=0.0)
    if pol is not None and np.all(np.isfinite(pol[0])) and pol[1] >= loglik - 1e-8 * (1 + abs(loglik)):
        try:
            var_p = np.linalg.inv(pol[2])
        except np.linalg.LinAlgError:
            var_p = None
        if var_p is not None and np.all(np.isfinite(var_p)) and np.all(np.diag(var_p) > 0):
            beta, loglik, var = pol[0], float(pol[1]), var_p
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(var))):
        raise ModelSkipped(f"Cox fit of {terms} gave non-finite coefficients or variances")
    std_coef = np.abs(beta) * X.std(0)
    if np.any(std_coef > _MAX_STD_COEF):
        j = int(np.argmax(std_coef))
        raise ModelSkipped(f"coefficient of '{terms[j]}' is effectively infinite (coef {beta[j]:.3g}; "
                           "monotone likelihood / complete separation)")
    se = np.sqrt(np.diag(var))
    z = beta / se
    zc = stats.norm.ppf(0.975)
    with np.errstate(over="ignore"):  # HR per raw unit of a tiny-scale covariate may be inf (as R)
        table = pd.DataFrame({
            "term": terms, "coef": beta, "hr": np.exp(beta), "se": se, "z": z,
            "p": 2 * stats.norm.sf(np.abs(z)),
            "ci_lower": np.exp(beta - zc * se), "ci_upper": np.exp(beta + zc * se),
        })
    loglik_null = float(_efron_derivs(np.zeros(0), t, e, np.zeros((n, 0)), sc)[0])
    lr = 2 * (loglik - loglik_null)
    lp = X @ beta
    c = _concordance_strata(t, e, lp, sc)
    return CoxResult(table=table, n=n, events=events, loglik=loglik, loglik_null=loglik_null,
                     lr_chisq=float(lr), lr_df=len(terms), lr_p=float(stats.chi2.sf(lr, len(terms))),
                     concordance=c, beta=beta, var=var, terms=terms, strata=strata, n_dropped=n_dropped)


def _concordance_strata(t, e, lp, sc) -> float:
    C = D = T = 0.0
    for s in np.unique(sc):
        m = sc == s
        c, d, ti = _pair_counts(t[m], e[m], lp[m])
        C, D, T = C + c, D + d, T + ti
    tot = C + D + T
    return float((C + T / 2) / tot) if tot > 0 else float("nan")


# =========================================================================== cox.zph
def _zph_score(gt, t, e, X, eta, strata):
    """Port of survival's C routine ``zph1`` (survival >= 3.0): the score vector u (2p)
    and information matrix (2p x 2p) of the augmented model beta'x + gamma'x g(t)
    at (beta-hat, gamma = 0), processing distinct times backwards within strata; Efron ties
    (the only method the Cox fits here use)."""
    n, p = X.shape
    Xc = X - X.mean(0)  # recentred for stability, as zph1
    u = np.zeros(2 * p)
    imat = np.zeros((2 * p, 2 * p))
    risk_all = np.exp(eta - eta.max())
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        order = idx[np.argsort(-t[idx], kind="stable")]
        ts, es, xs, rs, gs = t[order], e[order], Xc[order], risk_all[order], gt[order]
        denom = 0.0
        a = np.zeros(p)
        cmat = np.zeros((p, p))
        ut, first = np.unique(-ts, return_index=True)
        bounds = np.r_[first, ts.size]
        for b in range(ut.size):
            lo, hi = bounds[b], bounds[b + 1]
            ev = es[lo:hi] == 1
            cen = ~ev
            rc, xcn = rs[lo:hi][cen], xs[lo:hi][cen]
            denom += rc.sum()
            a += rc @ xcn
            cmat += np.einsum("i,ij,ik->jk", rc, xcn, xcn)
            nd = int(ev.sum())
            if nd == 0:
                continue
            g = gs[lo]
            rd, xd = rs[lo:hi][ev], xs[lo:hi][ev]
            denom2 = rd.sum()
            a2 = rd @ xd
            cmat2 = np.einsum("i,ij,ik->jk", rd, xd, xd)
            sx = xd.sum(0)
            u[:p] += sx
            u[p:] += g * sx
            for _k in range(nd):  # Efron: the tied deaths enter the risk set one share at a time
                denom += denom2 / nd
                a += a2 / nd
                cmat += cmat2 / nd
                mean = a / denom
                u[:p] -= mean
                u[p:] -= g * mean
                V = cmat / denom - np.outer(mean, mean)
                imat[:p, :p] += V
                imat[:p, p:] += g * V
                imat[p:, p:] += g * g * V
    imat[p:, :p] = imat[:p, p:].T
    return u, imat


def _term_groups(terms: list[str]) -> list[tuple[str, list[int]]]:
    """Group dummy columns ``col[level]`` of one categorical covariate into one term
    (as R's cox.zph with terms=TRUE); other columns are their own term."""
    groups: dict[str, list[int]] = {}
    names: list[str] = []
    for j, tname in enumerate(terms):
        m = re.fullmatch(r"(.+)\[[^\[\]]*\]", tname)
        key = m.group(1) if m else tname
        if key not in groups:
            groups[key] = []
            names.append(key)
        groups[key].append(j)
    out = []
    for key in names:
        idx = groups[key]
        out.append((key if len(idx) > 1 else terms[idx[0]], idx))
    return out


def cox_zph(df: pd.DataFrame, duration_col: str, event_col: str, result: CoxResult,
            transform: str = "km") -> pd.DataFrame:
    """Proportional-hazards test = R ``cox.zph(fit, transform=...)`` of survival >= 3.0.

    Independent port of survival 3.x: the score test, at gamma = 0, of the augmented
    model with extra terms x * g(t), where g is the time transform centred at its mean
    over the event times: ``"km"`` (1 - left-continuous pooled KM, R's default),
    ``"rank"`` (average ranks of all times), ``"identity"`` or ``"log"``. With u the
    score (the first p entries set to 0, as R) and I the full 2p x 2p information
    (Efron handling of tied deaths, as coxph), a term with columns J gets
    chisq = u_K' I_KK^-1 u_K with K = (1..p, p+J), df = |J|; ``GLOBAL`` uses all
    2p entries (df = p). This is **not** lifelines' ``proportional_hazard_test``
    (the pre-3.0 statistic). Dummy columns ``col[level]`` of one covariate form one
    term (df = number of dummies), as R does for factors.

    Returns DataFrame(term, chisq, df, p) with a final ``GLOBAL`` row.
    """
    terms = list(result.terms)
    strata = result.strata
    d, _ = _complete_rows(df, duration_col, event_col, terms, strata)
    t = d[duration_col].to_numpy(float)
    e = d[event_col].to_numpy(float)
    X = d[terms].to_numpy(float)
    sc = _strata_codes(d, strata)
    if t.size != result.n:
        raise ValueError(f"cox_zph: {t.size} complete rows but the model was fitted on {result.n}")
    beta = np.asarray(result.beta, float)
    p = len(terms)
    if transform == "identity":
        tt = t.copy()
    elif transform == "rank":
        tt = stats.rankdata(t, method="average")
    elif transform == "log":
        tt = np.log(t)
    elif transform == "km":
        tab = _km_one(t, e, 1.96)
        km_t, km_s = tab["time"].to_numpy(), tab["surv"].to_numpy()
        idx = np.searchsorted(km_t, t, side="left")  # findInterval(left.open=TRUE)
        tt = 1.0 - np.r_[1.0, km_s][idx]
    else:
        raise ValueError(f"unknown transform '{transform}' (km, rank, identity, log)")
    gt = tt - tt[e == 1].mean()
    eta = (X - X.mean(0)) @ beta
    u, imat = _zph_score(gt, t, e, X, eta, sc)
    rows = []
    for name, jj in _term_groups(terms):
        kk = list(range(p)) + [p + j for j in jj]
        uk = np.r_[np.zeros(p), u[[p + j for j in jj]]]
        stat = float(uk @ np.linalg.solve(imat[np.ix_(kk, kk)], uk))
        rows.append({"term": name, "chisq": stat, "df": len(jj), "p": float(stats.chi2.sf(stat, len(jj)))})
    ug = np.r_[np.zeros(p), u[p:]]
    stat = float(ug @ np.linalg.solve(imat, ug))
    rows.append({"term": "GLOBAL", "chisq": stat, "df": p, "p": float(stats.chi2.sf(stat, p))})
    return pd.DataFrame(rows, columns=["term", "chisq", "df", "p"])


# =========================================================================== interaction
def interaction_cox(df: pd.DataFrame, duration_col: str, event_col: str, score_col: str, arm_col: str, *,
                    reference_arm: str, covariates: Sequence[str] = (), categorical: dict[str, str] | None = None,
                    strata: Sequence[str] | None = None, min_events: int = 10, min_epv: float = 5.0) -> dict:
    """Predictive value of a score: score x treatment-arm interaction in a Cox model.

    Reduced model: score + arm dummies (``arm[level]``, reference ``reference_arm``)
    + covariates (+ ``strata(...)``); full model adds ``f"{score_col}:{arm_col}[{level}]"``
    = score x dummy. Likelihood-ratio test of the interaction: chisq = 2 (loglik_full -
    loglik_reduced), df = #arms - 1 (R: ``anova(reduced, full)``). Per-arm HR per unit of
    score: exp(b_score + b_int[arm]) with var = V_ss + V_ii + 2 V_si from the full model's
    covariance (reference arm: exp(b_score)); Wald 95% CI and p. Both models are fitted on
    the same complete cases; ``min_events``/``min_epv`` count every parameter of the model.

    Returns ``dict(lr_chisq, lr_df, lr_p, table, per_arm, n, events, reduced_table, full,
    reduced)``; ``table`` is the full (interaction) model's term table, ``full``/``reduced``
    the fitted :class:`CoxResult` objects, ``per_arm`` is DataFrame(arm, hr, ci_lower,
    ci_upper, p, n, events), reference arm first.
    """
    covariates = list(covariates)
    strata = list(strata or [])
    categorical = dict(categorical or {})
    cats = {arm_col: str(reference_arm), **{k: v for k, v in categorical.items() if k in covariates}}
    for c in (duration_col, event_col, score_col, arm_col, *covariates, *strata):
        if c not in df.columns:
            raise ModelSkipped(f"column '{c}' not found in the data")
    base = df[[duration_col, event_col, *strata]].dropna()
    dm = design_matrix(df.loc[base.index], [score_col, arm_col, *covariates], cats)
    data = dm.join(base)
    arm_cols = [c for c in dm.columns if c.startswith(f"{arm_col}[")]
    cov_cols = [c for c in dm.columns if c != score_col and c not in arm_cols]
    int_cols = []
    for ac in arm_cols:
        name = f"{score_col}:{ac}"
        data[name] = data[score_col] * data[ac]
        int_cols.append(name)
    red_terms = [score_col, *arm_cols, *cov_cols]
    full_terms = [*red_terms, *int_cols]
    red = cox_fit(data, duration_col, event_col, red_terms, strata=strata or None, min_events=min_events,
                  min_epv=min_epv)
    full = cox_fit(data, duration_col, event_col, full_terms, strata=strata or None, min_events=min_events,
                   min_epv=min_epv)
    lr = max(2 * (full.loglik - red.loglik), 0.0)
    dfi = len(int_cols)
    zc = stats.norm.ppf(0.975)
    arms_lab = _level_labels(df.loc[data.index, arm_col])
    rows = []
    i_s = full.terms.index(score_col)
    levels = [str(reference_arm)] + [ac[len(arm_col) + 1:-1] for ac in arm_cols]
    for lvl in levels:
        if lvl == str(reference_arm):
            b, v = full.beta[i_s], full.var[i_s, i_s]
        else:
            i_i = full.terms.index(f"{score_col}:{arm_col}[{lvl}]")
            b = full.beta[i_s] + full.beta[i_i]
            v = full.var[i_s, i_s] + full.var[i_i, i_i] + 2 * full.var[i_s, i_i]
        se = math.sqrt(v)
        m = (arms_lab == lvl).to_numpy()
        rows.append({"arm": lvl, "hr": math.exp(b), "ci_lower": math.exp(b - zc * se),
                     "ci_upper": math.exp(b + zc * se), "p": float(2 * stats.norm.sf(abs(b / se))),
                     "n": int(m.sum()), "events": int(data[event_col].to_numpy()[m].sum())})
    return {"lr_chisq": float(lr), "lr_df": dfi, "lr_p": float(stats.chi2.sf(lr, dfi)),
            "table": full.table, "reduced_table": red.table,
            "per_arm": pd.DataFrame(rows, columns=["arm", "hr", "ci_lower", "ci_upper", "p", "n", "events"]),
            "n": full.n, "events": full.events, "full": full, "reduced": red}


# =========================================================================== C gain
def c_gain(df: pd.DataFrame, duration_col: str, event_col: str, clinical_terms: Sequence[str], score_col: str, *,
           n_boot: int = 0, seed: int = 1, level: float = 0.95, min_events: int = 10,
           min_epv: float = 5.0) -> dict:
    """Gain in Harrell's C from adding the score to a clinical Cox model.

    c_clinical = C of the linear predictor of ``coxph(~ clinical_terms)``, c_full = C of
    ``coxph(~ clinical_terms + score)`` (apparent, in-sample), delta = c_full - c_clinical.
    With ``n_boot > 0``: percentile bootstrap CI of delta, **refitting both models** on
    every resample (numpy Efron Newton-Raphson, same estimator as lifelines/R) so the
    interval reflects estimation as well as sampling variability; resamples whose fit
    fails are dropped (``n_boot`` reports those used).

    Returns ``dict(c_clinical, c_full, delta, delta_ci_lower, delta_ci_upper, n_boot)``
    (CI NaN and n_boot 0 when ``n_boot == 0``).
    """
    clinical_terms = list(clinical_terms)
    full_terms = [*clinical_terms, score_col]
    d, _ = _complete_rows(df, duration_col, event_col, full_terms, None)
    full = cox_fit(d, duration_col, event_col, full_terms, min_events=min_events, min_epv=min_epv)
    t = d[duration_col].to_numpy(float)
    e = d[event_col].to_numpy(float)
    Xf = d[full_terms].to_numpy(float)
    if clinical_terms:
        clin = cox_fit(d, duration_col, event_col, clinical_terms, min_events=min_events, min_epv=min_epv)
        c_clin = clin.concordance
    else:
        clin = None
        c_clin = 0.5
    c_full = full.concordance
    out = {"c_clinical": c_clin, "c_full": c_full, "delta": c_full - c_clin,
           "delta_ci_lower": float("nan"), "delta_ci_upper": float("nan"), "n_boot": 0}
    if n_boot <= 0:
        return out
    rng = np.random.default_rng(seed)
    n = t.size
    k = len(clinical_terms)
    sc0 = np.zeros(n, dtype=int)
    vals = []
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        tb, eb, Xb = t[idx], e[idx], Xf[idx]
        if eb.sum() < 1 or np.any(np.ptp(Xb, axis=0) == 0):
            continue
        bf = _efron_newton(tb, eb, Xb, sc0, beta0=full.beta)
        if bf is None or not np.all(np.isfinite(bf)):
            continue
        cf = harrell_c(tb, eb, Xb @ bf)
        if k:
            bc = _efron_newton(tb, eb, Xb[:, :k], sc0, beta0=clin.beta)
            if bc is None or not np.all(np.isfinite(bc)):
                continue
            cc = harrell_c(tb, eb, Xb[:, :k] @ bc)
        else:
            cc = 0.5
        if np.isfinite(cf - cc):
            vals.append(cf - cc)
    if vals:
        a = (1 - level) / 2
        lo, hi = np.quantile(vals, [a, 1 - a])
        out.update(delta_ci_lower=float(lo), delta_ci_upper=float(hi), n_boot=len(vals))
    return out
