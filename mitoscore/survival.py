"""Survival analysis: Kaplan-Meier, log-rank, Cox models, PH checks, discrimination.

Every function reproduces a named R function (survival 3.5-3) and is tested against
the R goldens in ``shared/oracle/golden``:

* :func:`km_table`      -- ``survfit(Surv(time, event) ~ group, conf.type="log-log")``
* :func:`km_median`     -- ``summary(survfit(...))$table`` median with R's midpoint rule
* :func:`logrank_test`  -- ``survdiff(Surv(time, event) ~ group, rho=0)``
* :func:`cox_fit`       -- ``coxph(..., ties="efron")`` (the package's one Cox engine, :mod:`mitoscore.cox`)
* :func:`cox_zph`       -- ``cox.zph(fit, transform=...)`` of survival >= 3.0 (own port of
  the score test computed by the C routine ``zph1``; *not* lifelines' older test)
* :func:`harrell_c`     -- ``concordance()`` / the ``concordance`` of ``summary(coxph)``
* :func:`uno_c`         -- ``concordance(timewt = "n/G2", ymax = tau, reverse = TRUE)``
* :func:`td_auc`        -- ``timeROC::timeROC(weighting = "marginal")$AUC`` (timeROC 0.4)
* :func:`ipcw`          -- ``pec::ipcw(method = "marginal")``

plus the package's one bootstrap helper (:func:`bootstrap`, :func:`bootstrap_ci`), the
score x treatment interaction model and the optimism-corrected C-index gain over clinical
covariates (:func:`c_gain`). Every Cox model is fitted by :mod:`mitoscore.cox`.
All functions are pure (numpy/pandas in, numpy/pandas out); a model that cannot be
fitted raises :class:`mitoscore.errors.ModelSkipped` with a human-readable reason.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from . import cox as cox_engine
from ._lazy import lazy
from .cox import aeq_times
from .errors import ModelSkipped

stats = lazy("scipy.stats")  # imported on first use (job start-up cost)

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
    "bootstrap",
    "bootstrap_indices",
    "resample_weights",
    "discrimination_resamples",
    "bootstrap_ci",
    "ipcw",
    "c_gain",
]

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
def logrank_test(time, event, group, *, min_events: int = 1) -> dict:
    """k-sample log-rank test = R ``survdiff(Surv(time, event) ~ group, rho=0)``.

    Raises ModelSkipped with fewer than ``min_events`` events (the Cox guard,
    ``survival.min_events``) or fewer than two groups.

    At each distinct event time with d deaths among n at risk (n_g in group g):
    E_g += d n_g / n and V_gh += d (n - d) / (n - 1) * n_g / n (delta_gh - n_h / n).
    chisq = (O - E)' V^- (O - E) using the groups with E > 0 minus one (as R),
    df = (#groups with E > 0) - 1. Returns ``dict(chisq, df, p, n, events,
    observed={group: O}, expected={group: E})``.
    """
    t, e = _check_te(time, event)
    if e.sum() < max(min_events, 1):
        raise ModelSkipped(f"log-rank test: only {int(e.sum())} events (n={t.size}); at least "
                           f"min_events={max(min_events, 1)} are required")
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
            return _map_distinct(v, lambda x: str(int(x)))
        return v.map(lambda x: repr(float(x)) if pd.notna(x) else np.nan)
    if pd.api.types.infer_dtype(s, skipna=True) == "string":  # only str values: equal means identical
        return _map_distinct(s, str)
    return s.map(lambda x: str(x) if pd.notna(x) else np.nan)


def _map_distinct(s: pd.Series, fn) -> pd.Series:
    """``s.map(lambda x: fn(x) if pd.notna(x) else np.nan)``, calling ``fn`` once per distinct
    value (values that compare equal must map equally: integer-valued floats, str)."""
    codes, uniques = pd.factorize(s)
    if not len(uniques):  # nothing but missing values: as map (its dtype)
        return s.map(lambda x: fn(x) if pd.notna(x) else np.nan)
    labels = np.array([fn(u) for u in uniques] + [np.nan], dtype=object)
    return pd.Series(labels[codes], index=s.index, name=s.name, dtype=object)


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


# =========================================================================== strata
def _strata_codes(df: pd.DataFrame, strata: Sequence[str] | None) -> np.ndarray:
    if not strata:
        return np.zeros(len(df), dtype=int)
    return df[list(strata)].astype(str).agg("\x1f".join, axis=1).pipe(
        lambda s: pd.factorize(s, sort=True)[0]).astype(int)


# =========================================================================== concordance
def _pair_counts(time, event, risk, weights=None):
    """Weighted pair counts of R ``survival::concordance`` (``concordancefit``).

    A pair (i, j) is comparable when i has an event and j is still at risk after it:
    t_j > t_i, or t_j == t_i with j censored (tied deaths are not comparable, R's tied.y).
    Concordant when risk_i > risk_j (higher risk = shorter survival, R ``reverse=TRUE``),
    tied on the risk when equal. Each pair is weighted by ``weights[i]`` (the time weight
    of the event i; 1 by default). Returns (concordant, discordant, tied_risk).
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


def _c_from_counts(c: float, d: float, ti: float) -> float:
    tot = c + d + ti
    return float((c + ti / 2) / tot) if tot > 0 else float("nan")


def harrell_c(time, event, risk, strata=None, *, timefix: bool = True) -> float:
    """Harrell's C = R ``survival::concordance(Surv(time, event) ~ risk, reverse = TRUE)``
    (timewt = "n"; higher risk = shorter survival).

    C = (concordant + tied_risk / 2) / (concordant + discordant + tied_risk) over
    comparable pairs (i has an event, j survives longer or is censored at t_i; pairs of
    tied deaths are excluded), within ``strata`` when given (pairs never cross strata, as
    R and ``coxph``'s concordance). Times are first made approximately equal as R's
    ``timefix`` (:func:`mitoscore.cox.aeq_times`). Equals the ``concordance`` of
    ``summary(coxph)`` when ``risk`` is the linear predictor. NaN if no comparable pair.
    ``timefix=False`` skips the time merging (for times already passed through it; e.g.
    bootstrap resamples of them).
    """
    t, e = _check_te(time, event)
    if timefix:
        t = aeq_times(t)
    r = _arr(risk)
    sc = np.zeros(t.size, dtype=int) if strata is None else np.asarray(strata).ravel()
    C = D = T = 0.0
    for s in np.unique(sc):
        m = sc == s
        c, d, ti = _pair_counts(t[m], e[m], r[m])
        C, D, T = C + c, D + d, T + ti
    return _c_from_counts(C, D, T)


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


def uno_c(time, event, risk, tau: float | None = None, *, timefix: bool = True) -> float:
    """Uno's IPCW concordance = R ``survival::concordance(Surv(time, event) ~ risk,
    timewt = "n/G2", ymax = tau, reverse = TRUE)`` (survival 3.5-3), exactly:

    C = sum_{i,j} w_i [I(r_i > r_j) + I(r_i = r_j) / 2] cmp(i, j) / sum_{i,j} w_i cmp(i, j)

    with cmp(i, j) the comparable-pair rule of :func:`harrell_c` (i an event, j at risk
    after T_i; censored at T_i counts as at risk) and the time weight of the event i
    w_i = 1 / G(T_i-)^2, G the reverse Kaplan-Meier of the censoring distribution with
    deaths tied with censorings removed from its risk set, left limit (R's ``fastkm1``:
    censorings at a tied time come after the deaths; = :func:`ipcw`'s ``G_subject``).
    ``tau`` (R ``ymax``) zeroes the weight of events **after** tau: events at T = tau are
    kept. As R: times made approximately equal first (``timefix``), and with fewer than
    two events the weights fall back to 1 (timewt "n"). Without censoring G = 1 and C is
    Harrell's C. Tested against R on tied integer-month data (``tests/golden/uno_c.R``).
    ``timefix=False`` as in :func:`harrell_c`.
    """
    t, e = _check_te(time, event)
    if timefix:
        t = aeq_times(t)
    r = _arr(risk)
    if e.sum() >= 2:
        G, _ = ipcw(t, e)
        with np.errstate(divide="ignore"):
            w = np.where(e == 1, 1.0 / G**2, 0.0)
    else:
        w = np.ones(t.size)
    if tau is not None:
        w = np.where(t <= tau, w, 0.0)
    return _c_from_counts(*_pair_counts(t, e, r, weights=w))


def td_auc(time, event, risk, horizons, *, min_cases: int = 1) -> pd.DataFrame:
    """Cumulative/dynamic time-dependent AUC(t) = ``timeROC::timeROC(T, delta, marker,
    cause = 1, weighting = "marginal", times)$AUC`` (timeROC 0.4), exactly.

    At horizon h (timeROC's definitions): cases are the events with T_i < h, weighted
    1 / G(T_i-) (:func:`ipcw`, = ``pec::ipcw(method = "marginal")`` with
    ``subjectTimesLag = 1``); controls are the subjects with T_j > h, weighted 1 / G(h)
    (constant: cancels); subjects with T = h are neither. AUC(h) =
    sum_{i case, j control} w_i [I(r_i > r_j) + I(r_i = r_j) / 2] / (sum_i w_i x n_controls),
    which is timeROC's trapezoidal area under (FP, TP) at the distinct marker values.
    NaN when there is no case or no control, when h is beyond the last observed time
    (timeROC: NA censoring weight), or when the number of cases is below ``min_cases``
    (the guard; the caller records why). Tested against a transcription of timeROC's
    marginal estimator on tied integer-month data (``tests/golden/td_auc.R``).

    Columns: ``horizon, auc, n_cases, n_controls``.
    """
    t, e = _check_te(time, event)
    r = _arr(risk)
    hs = np.atleast_1d(np.asarray(horizons, dtype=float))
    Gi, Gh = ipcw(t, e, hs)
    rows = []
    for h, gh in zip(hs, Gh):
        case = (t < h) & (e == 1)
        ctrl = t > h
        n_case, n_ctrl = int(case.sum()), int(ctrl.sum())
        auc = float("nan")
        if n_case >= max(min_cases, 1) and n_ctrl > 0 and np.isfinite(gh) and gh > 0:
            wi = 1.0 / Gi[case]
            rc = np.sort(r[ctrl])
            below = np.searchsorted(rc, r[case], side="left")
            ties = np.searchsorted(rc, r[case], side="right") - below
            auc = float(wi @ (below + 0.5 * ties) / (wi.sum() * rc.size))
        rows.append({"horizon": float(h), "auc": auc, "n_cases": n_case, "n_controls": n_ctrl})
    return pd.DataFrame(rows, columns=["horizon", "auc", "n_cases", "n_controls"])


# =========================================================================== bootstrap
@dataclass
class Bootstrap:
    """Replicates of :func:`bootstrap`: ``values`` (n_boot x k, NaN where a resample failed),
    ``failures`` (reason -> number of failed resamples)."""
    values: np.ndarray
    failures: dict[str, int]

    @property
    def n_failed(self) -> int:
        return int(sum(self.failures.values()))

    def percentile_ci(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Percentile interval per column over the finite replicates: (lower, upper, n_used)."""
        a = (1 - level) / 2
        k = self.values.shape[1]
        lo, hi, used = np.full(k, np.nan), np.full(k, np.nan), np.zeros(k, dtype=int)
        for j in range(k):
            v = self.values[:, j]
            v = v[np.isfinite(v)]
            used[j] = v.size
            if v.size:
                lo[j], hi[j] = np.quantile(v, [a, 1 - a])
        return lo, hi, used


#: what a failed resample may raise (recorded and counted, never silently dropped)
_RESAMPLE_ERRORS = (ModelSkipped, ValueError, np.linalg.LinAlgError, FloatingPointError)


def bootstrap_indices(n: int, n_boot: int, seed: int) -> np.ndarray:
    """The rows of every resample of :func:`bootstrap` (``n_boot`` x ``n``): resample b is
    ``rng.integers(0, n, n)``, drawn in order from ``rng = numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    return np.array([rng.integers(0, n, n) for _ in range(max(int(n_boot), 0))], dtype=np.int64).reshape(-1, n)


def resample_weights(idx: np.ndarray, n: int) -> np.ndarray:
    """How often each of the ``n`` rows is drawn in each resample of ``idx`` (B x n, float
    holding small integers): the resample as weights on the original rows."""
    idx = np.asarray(idx, dtype=np.int64)
    B = idx.shape[0]
    flat = (idx + (np.arange(B, dtype=np.int64) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=B * n).reshape(B, n).astype(float)


def _failure_kind(reason: str) -> str:
    """A failed resample's reason with its numbers replaced by '#' (failures are counted by
    kind, not by value)."""
    return re.sub(r"(?<![\w\[])-?\d+(\.\d+)?(e-?\d+)?(?![\w\]])", "#", str(reason))


def bootstrap(stat_fn: Callable[[np.ndarray], float | np.ndarray], n: int, *, n_boot: int, seed: int) -> Bootstrap:
    """THE nonparametric bootstrap of the package (Harrell C, Uno C, td-AUC, C gain).

    Resample b draws row indices ``idx = rng.integers(0, n, n)`` with
    ``rng = numpy.random.default_rng(seed)`` (same resamples for every statistic with the
    same seed) and stores ``stat_fn(idx)`` (a number or a vector). A resample whose
    statistic cannot be computed (``ModelSkipped``, e.g. a covariate constant in the
    resample, a Cox fit that does not converge; ``ValueError``; ``LinAlgError``) is NaN
    and counted under its reason in ``failures``.
    """
    results: list[np.ndarray | None] = []
    failures: dict[str, int] = {}
    for idx in bootstrap_indices(n, n_boot, seed):
        try:
            results.append(np.atleast_1d(np.asarray(stat_fn(idx), dtype=float)))
        except _RESAMPLE_ERRORS as exc:
            reason = _failure_kind(exc.reason if isinstance(exc, ModelSkipped) else f"{type(exc).__name__}: {exc}")
            failures[reason] = failures.get(reason, 0) + 1
            results.append(None)
    k = next((r.size for r in results if r is not None), 1)
    values = np.full((len(results), k), np.nan)
    for b, r in enumerate(results):
        if r is not None:
            values[b] = r
    return Bootstrap(values=values, failures=failures)


def bootstrap_ci(stat_fn: Callable[..., float], arrays: tuple, n_boot: int = 1000, seed: int = 1,
                 level: float = 0.95) -> dict:
    """Percentile bootstrap CI of ``stat_fn(*arrays)`` through :func:`bootstrap` (rows of
    ``arrays`` resampled together).

    Returns ``dict(estimate, ci_lower, ci_upper, n_boot, n_boot_failed)``: ``estimate`` on
    the original data, ``n_boot`` the number of finite replicates used, ``n_boot_failed``
    the resamples whose statistic could not be computed (a NaN statistic, e.g. no
    comparable pair, is neither: it is not used and shows as n_boot < requested).
    """
    arrs = [np.asarray(a) for a in arrays]
    n = len(arrs[0])
    if any(len(a) != n for a in arrs):
        raise ValueError("bootstrap arrays differ in length")
    est = float(stat_fn(*arrs))
    if n_boot <= 0 or n == 0:
        return {"estimate": est, "ci_lower": float("nan"), "ci_upper": float("nan"), "n_boot": 0,
                "n_boot_failed": 0}
    bs = bootstrap(lambda idx: stat_fn(*[a[idx] for a in arrs]), n, n_boot=n_boot, seed=seed)
    lo, hi, used = bs.percentile_ci(level)
    return {"estimate": est, "ci_lower": float(lo[0]), "ci_upper": float(hi[0]), "n_boot": int(used[0]),
            "n_boot_failed": bs.n_failed}


# =========================================================================== resamples at once
def _comparable(t: np.ndarray, e: np.ndarray, strata: np.ndarray | None = None) -> np.ndarray:
    """n x n: pair (i, j) is comparable in :func:`_pair_counts` (i an event, j still at risk
    after it: t_j > t_i, or t_j == t_i with j censored), within strata."""
    cmp = (e[:, None] == 1) & ((t[None, :] > t[:, None]) | ((t[None, :] == t[:, None]) & (e[None, :] == 0)))
    if strata is not None:
        cmp &= strata[:, None] == strata[None, :]
    return cmp


def _ipcw_resamples(t: np.ndarray, e: np.ndarray, W: np.ndarray, times=()) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ipcw` of every resample (rows weighted by ``W``, B x n): (G_subject (B x n, per
    original row), G_times (B x len(times))). The censoring Kaplan-Meier runs over the
    distinct times of the whole sample; a time absent from a resample multiplies G by exactly
    1, so every value equals ``ipcw(t[rows], e[rows], times)`` to the last bit."""
    ut, inv = np.unique(t, return_inverse=True)
    if not ut.size:
        return np.zeros(W.shape), np.full((W.shape[0], len(times)), np.nan)
    # weighted counts per distinct time (integers: the order of the sums does not matter)
    srt = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[srt], np.arange(ut.size))
    Ws = W[:, srt]
    es = e[srt]
    nd = np.add.reduceat(Ws * es, starts, axis=1)
    nc = np.add.reduceat(Ws * (1 - es), starts, axis=1)
    n_all = np.add.reduceat(Ws, starts, axis=1)
    nrisk = n_all[:, ::-1].cumsum(axis=1)[:, ::-1] - nd
    with np.errstate(divide="ignore", invalid="ignore"):
        G = np.cumprod(np.where(nrisk > 0, 1 - nc / nrisk, 1.0), axis=1)
    Gp = np.concatenate([np.ones((W.shape[0], 1)), G], axis=1)
    at = np.asarray(times, dtype=float).ravel()
    G_times = Gp[:, np.searchsorted(ut, at, side="right")]
    tmax = np.where(W > 0, t[None, :], -np.inf).max(axis=1)
    G_times = np.where(at[None, :] > tmax[:, None], np.nan, G_times)
    return Gp[:, inv], G_times


def discrimination_resamples(time, event, risk, idx: np.ndarray, *, horizons=(), tau: float | None = None,
                             min_cases: int = 1, time_c=None) -> np.ndarray:
    """Harrell's C, Uno's C (``tau``) and the td-AUC at each horizon in every bootstrap
    resample ``idx`` (B x n rows, :func:`bootstrap_indices`) at once: B x (2 + len(horizons)),
    column j of row b = the statistic of ``time[idx[b]], event[idx[b]], risk[idx[b]]``
    (``harrell_c(..., timefix=False)``, ``uno_c(..., timefix=False)``, ``td_auc(...)``).

    A resample is the sample with row multiplicities ``w`` (:func:`resample_weights`); the
    pair counts of the C indices are ``w' K w`` with the fixed pair indicator matrices K
    (exact integers: Harrell's C is identical to the resample-by-resample value), the IPCW
    weights come from :func:`_ipcw_resamples` (identical), and the weighted sums of Uno's C
    and the AUC differ from the per-resample loop only in summation order (~1e-16;
    tests/unit/test_resamples.py). ``time_c``: the times of the C indices (default ``time``;
    pass ``aeq_times(time)`` for R's timefix, as the point estimates)."""
    t, e = _check_te(time, event)
    tc = t if time_c is None else _arr(time_c)
    r = _arr(risk)
    n = t.size
    W = resample_weights(idx, n)
    B = W.shape[0]
    hs = [float(h) for h in horizons]
    out = np.full((B, 2 + len(hs)), np.nan)
    if not B:
        return out
    # Harrell's C and Uno's C: pairs (i event, j at risk after it) on the C-index times
    cmp = _comparable(tc, e)
    # integer counts: float32 products are exact below 2**24 (twice the speed of float64)
    ft = np.float32 if W.sum(1).max(initial=0) < 2 ** 24 else np.float64
    W32 = W.astype(ft)

    def wcount(K):  # per resample and row i: partners j (K[i, j]), weighted, as float64
        return (W32 @ K.T.astype(ft)).astype(float)
    gtc = wcount(cmp & (r[:, None] > r[None, :]))
    eqc = wcount(cmp & (r[:, None] == r[None, :]))
    totc = wcount(cmp)
    ltc = totc - gtc - eqc
    C = (W * gtc).sum(1)
    D = (W * ltc).sum(1)
    T = (W * eqc).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, 0] = np.where(C + D + T > 0, (C + T / 2) / (C + D + T), np.nan)
    # Uno: event weights 1 / G(T_i-)^2 of each resample (1 with fewer than two events), 0 after tau
    events = W @ e
    G, _ = _ipcw_resamples(tc, e, W)
    with np.errstate(divide="ignore"):
        wu = np.where(events[:, None] >= 2, np.where(e[None, :] == 1, 1.0 / G**2, 0.0), 1.0)
    if tau is not None:
        wu = np.where(tc[None, :] <= tau, wu, 0.0)
    with np.errstate(invalid="ignore"):
        ww = np.where(W > 0, W * wu, 0.0)  # a row absent from the resample weighs 0 (its G may be 0 there)
    Cu, Du, Tu = (ww * gtc).sum(1), (ww * ltc).sum(1), (ww * eqc).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, 1] = np.where(Cu + Du + Tu > 0, (Cu + Tu / 2) / (Cu + Du + Tu), np.nan)
    # td-AUC (timeROC, marginal weights) on the raw times
    if hs:
        Gi, Gh = _ipcw_resamples(t, e, W, hs)
        for j, h in enumerate(hs):
            case = (t < h) & (e == 1)
            ctrl = t > h
            n_case, n_ctrl = W @ case.astype(float), W @ ctrl.astype(float)
            lt = ctrl[None, :] & (r[None, :] < r[:, None])  # [i, j]: control j below i
            tie = ctrl[None, :] & (r[None, :] == r[:, None])
            score = wcount(lt) + 0.5 * wcount(tie)  # B x n: for each row i as a case
            with np.errstate(divide="ignore", invalid="ignore"):
                wi = np.where(case[None, :] & (W > 0), W / Gi, 0.0)  # absent rows weigh 0 (G may be 0)
                auc = (wi * score).sum(1) / (wi.sum(1) * n_ctrl)
            ok = (n_case >= max(min_cases, 1)) & (n_ctrl > 0) & np.isfinite(Gh[:, j]) & (Gh[:, j] > 0)
            out[:, 2 + j] = np.where(ok, auc, np.nan)
    return out


def _harrell_many(t: np.ndarray, e: np.ndarray, R: np.ndarray, W, strata: np.ndarray | None = None):
    """Harrell's C (within strata) of B data sets at once: data set b holds the rows with
    multiplicities ``W[b]`` (a 1 x n ``W`` is the original sample for every b) and risk ``R[b]``
    (one value per row), = :func:`harrell_c` of the expanded rows (``timefix=False``).
    ``W`` may be a tuple of such weight matrices (e.g. the resamples and the original rows):
    the risks' ranks and comparisons are shared, and a tuple of results is returned.

    Exact pair counts (integers in floating point, so the order of the sums does not matter):
    in each stratum the rows are ordered by time (deaths first at a tie); the partners of a
    death are the rows after its block of tied deaths. That order is cut into blocks of about
    sqrt(n) rows, visited from the last back: a death's partners in later blocks are counted
    from a weighted histogram over each data set's dense risk ranks (its prefix sums: lower
    risk, the bin itself: tied risk), its partners inside the block of its first partner by
    direct comparison (O(B x n x sqrt(n)) in all)."""
    R = np.asarray(R, dtype=float)
    B, n = R.shape
    many = isinstance(W, tuple)
    Ws = [np.broadcast_to(np.asarray(w, dtype=float), (B, n)) for w in (W if many else (W,))]
    outs = [np.full(B, np.nan) for _ in Ws]
    if not (e == 1).any():
        return tuple(outs) if many else outs[0]
    order = np.argsort(R, axis=1, kind="stable")
    Rs = np.take_along_axis(R, order, axis=1)
    new = np.ones((B, n), bool)
    new[:, 1:] = Rs[:, 1:] != Rs[:, :-1]
    dense = np.empty((B, n), dtype=np.int64)
    np.put_along_axis(dense, order, np.cumsum(new, axis=1) - 1, axis=1)  # dense rank of each row's risk
    cb = np.arange(B)
    # counts and weights are integers: float32 holds them exactly below 2**24 (faster prefix sums
    # and in-block products); the sums over deaths are accumulated in float64
    ft = np.float32 if max(w.sum(1).max() for w in Ws) < 2 ** 24 else np.float64
    Q = [np.zeros(B) for _ in Ws]  # sum over deaths of w_i (partners with lower risk + tied risk / 2) = C + T/2
    N = [np.zeros(B) for _ in Ws]  # sum over deaths of w_i partners = C + D + T
    sc = np.zeros(n, dtype=int) if strata is None else np.asarray(strata).ravel()
    for s in np.unique(sc):
        rows = np.flatnonzero(sc == s)
        rows = rows[np.lexsort((1 - e[rows], t[rows]))]  # time ascending, deaths first at a tie
        m = rows.size
        ev = np.flatnonzero(e[rows] == 1)  # positions of the deaths
        if not ev.size:
            continue
        te = t[rows][ev]
        first = ev[np.searchsorted(te, te, side="right") - 1] + 1  # first partner: after the tied deaths
        keep = first < m
        ev, first = ev[keep], first[keep]
        if not ev.size:
            continue
        size = max(16, int(math.isqrt(m)))
        blk_of = first // size
        Hs = [np.zeros((B, n), dtype=ft) for _ in Ws]  # weighted histograms over the dense ranks of later blocks
        for k in range((m - 1) // size, -1, -1):
            lo, hi = k * size, min(m, (k + 1) * size)
            sel = np.flatnonzero(blk_of == k)
            J = rows[lo:hi]
            dJ = dense[:, J]
            if sel.size:
                I = rows[ev[sel]]
                dI = dense[:, I]  # B x |I|
                # partners inside this block (positions >= first): sign(rank_i - rank_j) = 1, 0, -1
                # for lower, tied, higher risk, so lower + tied / 2 = (sum w_j sign + sum w_j) / 2
                mask = (lo + np.arange(hi - lo))[None, :] >= first[sel][:, None]  # |I| x |J|
                sg = np.sign(dI[:, :, None].astype(ft) - dJ[:, None, :].astype(ft))
                sg *= mask
                maskT = mask.T.astype(float)
                for w, H, q_acc, n_acc in zip(Ws, Hs, Q, N):
                    wI, wJ = w[:, I], w[:, J]
                    cs = np.cumsum(H, axis=1)
                    tie = np.take_along_axis(H, dI, axis=1).astype(float)
                    q = np.take_along_axis(cs, dI, axis=1).astype(float) - tie / 2  # lower + tied / 2
                    tot = cs[:, -1:].astype(float)
                    tot_in = wJ @ maskT  # B x |I|
                    q_in = (sg @ wJ[:, :, None].astype(ft))[:, :, 0].astype(float)
                    q_acc += (wI * (q + (q_in + tot_in) / 2)).sum(1)
                    n_acc += (wI * (tot + tot_in)).sum(1)
            for w, H in zip(Ws, Hs):
                wJ = w[:, J]
                for j in range(hi - lo):  # one row per data set and column: no repeated index
                    H[cb, dJ[:, j]] += wJ[:, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        outs = [np.where(nn > 0, qq / nn, np.nan) for qq, nn in zip(Q, N)]
    return tuple(outs) if many else outs[0]


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
    iterations: int = 0


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


def _fit_arrays(t: np.ndarray, e: np.ndarray, X: np.ndarray, sc: np.ndarray, terms: list[str], *,
                min_events: int = 1, min_epv: float = 0.0, timefix: bool = True,
                full_checks: bool = True, beta0=None) -> cox_engine.CoxFit:
    """Guards + the engine on arrays: the one path every Cox model of this module takes
    (``cox_fit`` and the C-gain resamples). Raises ModelSkipped with the reason."""
    n, events = int(t.size), int(e.sum())
    if events < min_events:
        raise ModelSkipped(f"only {events} events (n={n}); at least min_events={min_events} are required")
    epv = events / len(terms)
    if epv < min_epv:
        raise ModelSkipped(f"{events} events for {len(terms)} parameters = {epv:.1f} events per parameter "
                           f"< min_epv={min_epv}")
    if full_checks:
        _check_design(X, terms, sc)
    else:  # bootstrap resamples: a constant column is the common failure; collinearity shows as no convergence
        const = np.ptp(X, axis=0) == 0
        if const.any():
            j = int(np.flatnonzero(const)[0])
            raise ModelSkipped(f"covariate '{terms[j]}' is constant in the resample (value {X[0, j]:g})")
    f = cox_engine.fit(t, e, X, sc, timefix=timefix, beta0=beta0)
    if not f.converged:
        raise ModelSkipped(f"Cox fit of {terms} did not converge in {cox_engine.ITER_MAX} Newton-Raphson "
                           "iterations (R: 'Ran out of iterations') or its information matrix is singular")
    if not (np.all(np.isfinite(f.beta)) and np.all(np.isfinite(f.var))):
        raise ModelSkipped(f"Cox fit of {terms} gave non-finite coefficients or variances")
    inf = cox_engine.infinite_coef(f.beta, X.std(0))
    if inf.any():
        j = int(np.flatnonzero(inf)[0])
        raise ModelSkipped(f"coefficient of '{terms[j]}' is effectively infinite (coef {f.beta[j]:.3g}; "
                           "monotone likelihood / complete separation)")
    return f


def cox_fit(df: pd.DataFrame, duration_col: str, event_col: str, terms: Sequence[str], *,
            strata: Sequence[str] | None = None, min_events: int = 10, min_epv: float = 5.0) -> CoxResult:
    """Cox proportional-hazards model = R ``coxph(Surv(time, event) ~ terms + strata(...), ties="efron")``.

    Fitted by the package's one Cox engine (:mod:`mitoscore.cox`: Efron partial
    likelihood, R ``coxfit6``'s Newton-Raphson with step halving and convergence rule,
    ``timefix``); covariance = inverse information. ``terms`` are numeric columns (use
    :func:`design_matrix` for categorical covariates). Rows with a missing value in the
    used columns are dropped (``result.n_dropped``).

    Reported: coef, HR = exp(coef), Wald se/z/p, 95% Wald CI exp(coef +- 1.96 se);
    partial log-likelihood at the estimate and at beta = 0, likelihood-ratio test
    (df = #terms); Harrell's concordance of the linear predictor (within strata, as R).

    Raises ``ModelSkipped`` when: events < ``min_events``; events per parameter <
    ``min_epv``; a covariate is constant (overall or within strata); covariates are
    collinear (rank deficient or |corr| > 0.999); the fit does not converge in R's 20
    iterations; or a coefficient is effectively infinite (|coef| x SD(x) > 10, monotone
    likelihood).
    """
    terms = list(terms)
    strata = list(strata) if strata else None
    if not terms:
        raise ModelSkipped("no covariates given")
    d, n_dropped = _complete_rows(df, duration_col, event_col, terms, strata)
    t = d[duration_col].to_numpy(float)
    e = d[event_col].to_numpy(float)
    if not np.isin(e, (0.0, 1.0)).all():
        raise ModelSkipped(f"event column '{event_col}' must be coded 0/1")
    try:
        X = d[terms].to_numpy(float)
    except (TypeError, ValueError) as exc:
        raise ModelSkipped(f"non-numeric covariate among {terms}; dummy-code it with design_matrix ({exc})")
    sc = _strata_codes(d, strata)
    f = _fit_arrays(t, e, X, sc, terms, min_events=min_events, min_epv=min_epv)
    beta, var = f.beta, f.var
    se = np.sqrt(np.diag(var))
    z = beta / se
    zc = stats.norm.ppf(0.975)
    with np.errstate(over="ignore"):  # HR per raw unit of a tiny-scale covariate may be inf (as R)
        table = pd.DataFrame({
            "term": terms, "coef": beta, "hr": np.exp(beta), "se": se, "z": z,
            "p": 2 * stats.norm.sf(np.abs(z)),
            "ci_lower": np.exp(beta - zc * se), "ci_upper": np.exp(beta + zc * se),
        })
    lr = 2 * (f.loglik - f.loglik_init)
    c = harrell_c(t, e, X @ beta, strata=sc)
    return CoxResult(table=table, n=f.n, events=f.events, loglik=f.loglik, loglik_null=f.loglik_init,
                     lr_chisq=float(lr), lr_df=len(terms), lr_p=float(stats.chi2.sf(lr, len(terms))),
                     concordance=c, beta=beta, var=var, terms=terms, strata=strata, n_dropped=n_dropped,
                     iterations=f.iterations)

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
def _refit_resamples(t, e, X, sc, terms, idx, W, start) -> tuple[np.ndarray, list]:
    """The bootstrap refits of one Cox model in every resample at once: what
    ``_fit_arrays(t[rows], e[rows], X[rows], sc[rows], terms, timefix=False, full_checks=False,
    beta0=start)`` returns (beta) or raises (the reason), resample by resample, with the same
    guards in the same order (no event; a covariate constant in the resample; no convergence;
    non-finite estimates; an effectively infinite coefficient). Returns (beta B x p with NaN
    where the model failed, reasons: None or the ModelSkipped text of each resample)."""
    B, n = W.shape
    p = X.shape[1]
    reasons: list = [None] * B
    beta = np.full((B, p), np.nan)
    events = W @ e
    present = W > 0
    const = np.column_stack([(np.where(present, x, -np.inf).max(1) - np.where(present, x, np.inf).min(1)) == 0
                             for x in X.T]).reshape(B, p)  # np.ptp of each column over the resample
    for b in np.flatnonzero(events < 1):
        reasons[b] = f"only {int(events[b])} events (n={n}); at least min_events=1 are required"
    for b in np.flatnonzero((events >= 1) & const.any(1)):
        j = int(np.flatnonzero(const[b])[0])
        reasons[b] = f"covariate '{terms[j]}' is constant in the resample (value {X[idx[b, 0], j]:g})"
    todo = np.array([b for b in range(B) if reasons[b] is None], dtype=int)
    if not todo.size:
        return beta, reasons
    f = cox_engine.fit_weighted(t, e, X, W[todo], sc, beta0=start)
    nrow = W[todo].sum(1)
    mean = (W[todo] @ X) / nrow[:, None]
    sd = np.sqrt(np.einsum("bn,bnp->bp", W[todo], (X[None] - mean[:, None, :]) ** 2) / nrow[:, None])
    for j, b in enumerate(todo):
        if not f["converged"][j]:
            reasons[b] = (f"Cox fit of {terms} did not converge in {cox_engine.ITER_MAX} Newton-Raphson "
                          "iterations (R: 'Ran out of iterations') or its information matrix is singular")
        elif not f["var_finite"][j]:
            reasons[b] = f"Cox fit of {terms} gave non-finite coefficients or variances"
        else:
            inf = cox_engine.infinite_coef(f["beta"][j], sd[j])
            if inf.any():
                i = int(np.flatnonzero(inf)[0])
                reasons[b] = (f"coefficient of '{terms[i]}' is effectively infinite (coef {f['beta'][j][i]:.3g}; "
                              "monotone likelihood / complete separation)")
            else:
                beta[b] = f["beta"][j]
    return beta, reasons


#: the clinical model's refits and C indices per resample, keyed by its data, resamples and start
#: (identical for every signature of a cohort: computed once, see _c_gain_resamples)
_CLINICAL_REFITS: dict[str, tuple] = {}


def _clinical_resamples(t, e, Xk, sc, terms, idx, W, start) -> tuple:
    """(beta, reasons, C in the resample, C on the original data) of the clinical model in every
    resample (:func:`_refit_resamples`, :func:`_harrell_many`), memoised on the exact inputs: the
    clinical model of a cohort is the same for each of its signatures."""
    import hashlib

    h = hashlib.sha1()
    for a in (t, e, Xk, sc, idx, np.asarray(start, float)):
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype, a.shape)).encode())
        h.update(a.tobytes())
    h.update(repr(list(terms)).encode())
    key = h.hexdigest()
    if key not in _CLINICAL_REFITS:
        beta, reasons = _refit_resamples(t, e, Xk, sc, terms, idx, W, start)
        ok = np.flatnonzero([r is None for r in reasons])
        cc_b, cc_o = np.full(len(reasons), np.nan), np.full(len(reasons), np.nan)
        if ok.size:
            Rc = beta[ok] @ Xk.T
            cc_b[ok], cc_o[ok] = _harrell_many(t, e, Rc, (W[ok], np.ones((1, t.size))), sc)
        if len(_CLINICAL_REFITS) >= 8:
            _CLINICAL_REFITS.pop(next(iter(_CLINICAL_REFITS)))
        _CLINICAL_REFITS[key] = (beta, reasons, cc_b, cc_o)
    return _CLINICAL_REFITS[key]


def _c_gain_resamples(t, e, X, sc, full_terms, k, idx, bf0, bc0) -> Bootstrap:
    """The optimism bootstrap of :func:`c_gain`, all resamples at once: in resample b both
    models are refitted (Newton-Raphson from the full-data estimates; the full model first, the
    clinical model only when the full one could be fitted) and
    ``[C gain in the resample, C gain of its models on the original data, C_full difference,
    C_clinical difference]`` computed; a failed resample is NaN and counted by reason (as
    :func:`bootstrap`). The Cox refits are :func:`mitoscore.cox.fit_weighted` (equal to the
    per-resample fits to rounding), the C indices exact weighted pair counts (:func:`_harrell_many`);
    the clinical model's part is computed once per cohort (:func:`_clinical_resamples`)."""
    B, n = idx.shape
    W = resample_weights(idx, n)
    values = np.full((B, 4), np.nan)
    failures: dict[str, int] = {}
    bf, reasons = _refit_resamples(t, e, X, sc, full_terms, idx, W, bf0)
    reasons = list(reasons)
    if k:
        _, why_c, cc_b, cc_o = _clinical_resamples(t, e, X[:, :k], sc, full_terms[:k], idx, W, bc0)
        reasons = [rf if rf is not None else rc for rf, rc in zip(reasons, why_c)]  # the full model first
    else:  # no clinical terms: the clinical linear predictor is 0 (C = 0.5 where defined)
        zero = np.zeros((B, n))
        cc_b, cc_o = _harrell_many(t, e, zero, (W, np.ones((1, n))), sc)
    for r in reasons:
        if r is not None:
            kind = _failure_kind(r)
            failures[kind] = failures.get(kind, 0) + 1
    ok = np.flatnonzero([r is None for r in reasons])
    if ok.size:
        Rf = bf[ok] @ X.T  # each resample's linear predictors on the original rows
        cf_b, cf_o = _harrell_many(t, e, Rf, (W[ok], np.ones((1, n))), sc)
        values[ok] = np.column_stack([cf_b - cc_b[ok], cf_o - cc_o[ok], cf_b - cf_o, cc_b[ok] - cc_o[ok]])
    return Bootstrap(values=values, failures=failures)


def c_gain(df: pd.DataFrame, duration_col: str, event_col: str, clinical_terms: Sequence[str], score_col: str, *,
           strata: Sequence[str] | None = None, n_boot: int = 0, seed: int = 1, level: float = 0.95,
           min_events: int = 10, min_epv: float = 5.0) -> dict:
    """Gain in Harrell's C from adding the score to the clinical Cox model, apparent and
    optimism-corrected (Harrell's bootstrap; Harrell, Lee & Mark 1996; Steyerberg 2019 ch. 17).

    Models: clinical = ``coxph(~ clinical_terms + strata(strata))``, full = clinical +
    score, both fitted by :func:`cox_fit`'s engine; C = Harrell's C of a model's linear
    predictor within strata (:func:`harrell_c`, = the ``concordance`` of ``coxph``; without
    clinical terms the clinical linear predictor is 0, C = 0.5).
    Apparent (in-sample): delta = C_full - C_clinical on the data the models were fitted on.

    With ``n_boot > 0`` (the resamples of :func:`bootstrap`, all computed at once by
    :func:`_c_gain_resamples`), in every resample b both models are refitted (Newton-Raphson started from the full-data estimates); delta_boot_b = their C gain in the resample, delta_orig_b = the C gain of
    the resample's models applied to the original data; optimism = mean_b (delta_boot_b -
    delta_orig_b); ``delta_corrected`` = delta - optimism (likewise ``c_full_corrected`` and
    ``c_clinical_corrected``). ``delta_ci_lower/upper``: percentile interval of
    delta_boot_b (the apparent gain's sampling variability, estimation included);
    ``delta_corrected_ci_*``: the same interval shifted by the optimism (location-shifted
    bootstrap interval, Noma et al. 2021, Stat Med 40:5691). A resample whose models cannot
    be fitted (a covariate constant in the resample, no convergence, ...) or whose C is
    undefined is not used and is COUNTED: ``n_boot_used`` + ``n_boot_failed`` = ``n_boot``,
    ``failure_reasons`` lists why ("reason: count; ...").

    Returns a dict with c_clinical, c_full, delta, delta_ci_lower, delta_ci_upper,
    optimism, delta_corrected, delta_corrected_ci_lower, delta_corrected_ci_upper,
    c_clinical_corrected, c_full_corrected, n_boot_used, n_boot_failed, failure_reasons,
    strata (NaN / 0 / "" for the bootstrap fields when ``n_boot == 0``).
    """
    clinical_terms = list(clinical_terms)
    strata = list(strata) if strata else None
    full_terms = [*clinical_terms, score_col]
    d, _ = _complete_rows(df, duration_col, event_col, full_terms, strata)
    t = aeq_times(d[duration_col].to_numpy(float))  # R's timefix once; resamples keep it
    e = d[event_col].to_numpy(float)
    X = d[full_terms].to_numpy(float)
    sc = _strata_codes(d, strata)
    k = len(clinical_terms)

    def fit_both(rows, guards, start=(None, None)):
        kw = {"min_events": min_events, "min_epv": min_epv} if guards else {"full_checks": False}
        bf = _fit_arrays(t[rows], e[rows], X[rows], sc[rows], full_terms, timefix=False, beta0=start[0], **kw).beta
        bc = (_fit_arrays(t[rows], e[rows], X[rows][:, :k], sc[rows], clinical_terms, timefix=False,
                          beta0=start[1], **kw).beta if k else np.zeros(0))
        return bf, bc

    def c_both(bf, bc, rows):
        cf = harrell_c(t[rows], e[rows], X[rows] @ bf, strata=sc[rows], timefix=False)
        cc = harrell_c(t[rows], e[rows], X[rows][:, :k] @ bc, strata=sc[rows], timefix=False)
        return cf, cc

    every = np.arange(t.size)
    bf0, bc0 = fit_both(every, True)
    c_full, c_clin = c_both(bf0, bc0, every)
    delta = c_full - c_clin
    nan = float("nan")
    out = {"c_clinical": c_clin, "c_full": c_full, "delta": delta, "delta_ci_lower": nan, "delta_ci_upper": nan,
           "optimism": nan, "delta_corrected": nan, "delta_corrected_ci_lower": nan,
           "delta_corrected_ci_upper": nan, "c_clinical_corrected": nan, "c_full_corrected": nan,
           "n_boot_used": 0, "n_boot_failed": 0, "failure_reasons": "", "strata": ",".join(strata or [])}
    if n_boot <= 0:
        return out

    bs = _c_gain_resamples(t, e, X, sc, full_terms, k, bootstrap_indices(t.size, n_boot, seed), bf0, bc0)
    v = bs.values
    ok = np.all(np.isfinite(v), axis=1)
    failures = dict(bs.failures)
    n_undefined = int((~ok).sum()) - bs.n_failed
    if n_undefined:
        failures["C undefined in the resample (no comparable pair)"] = n_undefined
    out.update(n_boot_used=int(ok.sum()), n_boot_failed=int((~ok).sum()),
               failure_reasons="; ".join(f"{r}: {c}" for r, c in sorted(failures.items())))
    if not ok.any():
        return out
    v = v[ok]
    a = (1 - level) / 2
    lo, hi = np.quantile(v[:, 0], [a, 1 - a])
    optimism = float(np.mean(v[:, 0] - v[:, 1]))
    out.update(delta_ci_lower=float(lo), delta_ci_upper=float(hi), optimism=optimism,
               delta_corrected=delta - optimism, delta_corrected_ci_lower=float(lo) - optimism,
               delta_corrected_ci_upper=float(hi) - optimism,
               c_full_corrected=c_full - float(np.mean(v[:, 2])),
               c_clinical_corrected=c_clin - float(np.mean(v[:, 3])))
    return out
