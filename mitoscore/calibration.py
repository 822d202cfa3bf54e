"""Calibration of a frozen Cox model in a validation cohort (TRIPOD external validation).

Pure functions on numpy arrays; each reproduces a named R function and is tested against
``tests/golden/frozen_validation.R`` (survival 3.5-3, pec 2022.5.4, riskRegression):

* :func:`baseline_cumhaz`      -- ``basehaz(coxph(..., ties = "efron"), centered = FALSE)``
* :func:`cumhaz_at`            -- the step function of the baseline, per stratum
* :func:`expected_events`      -- ``predict(fit, newdata, type = "expected")``
* :func:`predict_survival`     -- ``pec::predictSurvProb(fit, newdata, times)`` (riskRegression)
* :func:`calibration_slope`    -- ``coxph(Surv(time, status) ~ lp [+ strata(...)])`` in the validation data
* :func:`calibration_in_the_large` -- ``glm(status ~ offset(log(expected)), family = poisson)``
  (Crowson, Atkinson & Therneau 2016)
* :func:`brier_curve`          -- ``pec::pec(..., cens.model = "marginal")`` (C routine ``pecSRC``)
* :func:`integrated_brier`     -- ``pec::crps`` / ``pec::ibs`` (``pec:::Dint``)
* :func:`km_at`                -- ``summary(survfit(Surv ~ 1, conf.type = "log-log"), times = h)``
* :func:`quantile_groups`      -- ``cut(lp, quantile(lp, type = 7), include.lowest = TRUE)``

A *baseline* is a DataFrame with columns ``stratum, time, cumhaz`` (one row per distinct
event time of the stratum, cumulative hazard at x = 0) and the attribute-free companion
``max_time`` mapping (stratum -> last observed time, event or censoring, in that stratum).
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from . import survival
from ._lazy import lazy

stats = lazy("scipy.stats")  # imported on first use (job start-up cost)

#: the stratum key of an unstratified model
ALL = "(all)"
Z975 = 1.959963984540054  # = float(scipy.stats.norm.ppf(0.975)), written out: no scipy.stats at import


def _arr(x, dtype=float) -> np.ndarray:
    return np.asarray(x, dtype=dtype).ravel()


# =========================================================================== baseline hazard
def baseline_cumhaz(time, event, lp, strata=None) -> tuple[pd.DataFrame, dict[str, float]]:
    """Cumulative baseline hazard of a Cox model fitted with Efron ties, at x = 0
    = R ``basehaz(fit, centered = FALSE)`` (survfit.coxph with ``ctype = 2``, the Efron
    correction R uses whenever ``ties = "efron"``).

    At each distinct event time t of a stratum with d deaths, risk-set sum S = sum_{T_j >= t}
    exp(lp_j) and deaths' sum S_D: dH0(t) = sum_{k=0}^{d-1} 1 / (S - (k/d) S_D) (Breslow's
    d / S when d = 1). ``lp`` is the uncentred linear predictor x'beta of the fitted rows.

    Returns ``(table, max_time)``: table columns ``stratum, time, cumhaz`` (strata in sorted
    order, times ascending); ``max_time[stratum]`` = the stratum's last observed time (beyond
    it the model does not predict survival, as riskRegression::predictCox).
    """
    t, e = _arr(time), _arr(event)
    x = _arr(lp)
    s = np.full(t.size, ALL, dtype=object) if strata is None else np.asarray(strata, dtype=object).ravel()
    rows, max_time = [], {}
    for key in sorted(pd.unique(s), key=str):
        m = s == key
        ts, es, xs = t[m], e[m], x[m]
        max_time[str(key)] = float(ts.max())
        c = float(xs.max())
        r = np.exp(xs - c)  # scaled risks; the hazard is rescaled by exp(-c) below
        ut = np.unique(ts[es == 1])
        if ut.size == 0:
            continue
        order = np.argsort(ts, kind="stable")
        ts_o, r_o = ts[order], r[order]
        tail = np.r_[np.cumsum(r_o[::-1])[::-1], 0.0]  # sum of risks with index >= i
        first = np.searchsorted(ts_o, ut, side="left")
        S = tail[first]
        dh = np.empty(ut.size)
        for j, u in enumerate(ut):
            dm = (ts == u) & (es == 1)
            d = int(dm.sum())
            SD = float(r[dm].sum())
            dh[j] = np.sum(1.0 / (S[j] - np.arange(d) / d * SD))
        rows.append(pd.DataFrame({"stratum": str(key), "time": ut, "cumhaz": np.cumsum(dh) * math.exp(-c)}))
    table = (pd.concat(rows, ignore_index=True) if rows
             else pd.DataFrame({"stratum": pd.Series(dtype=str), "time": pd.Series(dtype=float),
                                "cumhaz": pd.Series(dtype=float)}))
    return table, max_time


def cumhaz_at(baseline: pd.DataFrame, strata, at) -> np.ndarray:
    """H0_s(T_i) for each subject i at its own time ``at[i]`` in its stratum s = ``strata[i]``:
    the right-continuous step function of ``baseline`` (0 before the first event time, constant
    after the last: R's ``predict(type = "expected")`` rule). A stratum absent from ``baseline``
    (no event in it) has H0 = 0."""
    s = np.asarray(strata, dtype=object).ravel()
    at = _arr(at)
    if at.size != s.size:
        raise ValueError(f"{at.size} times for {s.size} subjects")
    out = np.zeros(s.size)
    for key in pd.unique(s):
        m = s == key
        bt, bh = _step(baseline, key)
        out[m] = bh[np.searchsorted(bt, at[m], side="right")]
    return out


def _step(baseline: pd.DataFrame, key) -> tuple[np.ndarray, np.ndarray]:
    """(event times, cumulative hazard with a leading 0) of one stratum of a baseline."""
    b = baseline[baseline["stratum"] == str(key)]
    return b["time"].to_numpy(float), np.r_[0.0, b["cumhaz"].to_numpy(float)]


def expected_events(baseline: pd.DataFrame, strata, lp, time) -> np.ndarray:
    """Expected number of events of each subject over its own follow-up under the frozen
    model, H0_s(T_i) exp(lp_i) = R ``predict(fit, newdata, type = "expected")`` (the baseline is
    held constant after the stratum's last discovery event time, as R)."""
    return cumhaz_at(baseline, strata, _arr(time)) * np.exp(_arr(lp))


def predict_survival(baseline: pd.DataFrame, max_time: Mapping[str, float], strata, lp, times) -> np.ndarray:
    """Predicted survival S_i(t) = exp(-H0_s(t) exp(lp_i)), n x K for the grid ``times``
    = ``pec::predictSurvProb(coxph, newdata, times)`` (riskRegression::predictCox): NaN for
    times after the stratum's last observed discovery time (the model says nothing there)."""
    times = _arr(times)
    s = np.asarray(strata, dtype=object).ravel()
    H = _grid_cumhaz(baseline, s, times)
    S = np.exp(-H * np.exp(_arr(lp))[:, None])
    limit = np.array([max_time.get(str(k), -np.inf) for k in s])
    S[times[None, :] > limit[:, None]] = np.nan
    return S


def _grid_cumhaz(baseline: pd.DataFrame, s: np.ndarray, times: np.ndarray) -> np.ndarray:
    out = np.zeros((s.size, times.size))
    for key in pd.unique(s):
        bt, bh = _step(baseline, key)
        out[s == key] = bh[np.searchsorted(bt, times, side="right")][None, :]
    return out


# =========================================================================== calibration
def calibration_slope(time, event, lp, strata=None, *, min_events: int = 10, min_epv: float = 5.0) -> dict:
    """Calibration slope = the coefficient of a Cox regression of the outcome on the frozen
    linear predictor in the validation data, R ``coxph(Surv(time, status) ~ lp)`` (with
    ``+ strata(...)`` when the frozen model is stratified: its lp carries no stratum effect).
    1 = the frozen coefficients are right on average; < 1 = predictions too extreme (overfit).

    Returns ``dict(slope, se, lower, upper, p_eq1, n, events)``: 95% Wald CI and the Wald test of
    slope = 1, z = (slope - 1) / se. Raises ``ModelSkipped`` (too few events, constant lp...).
    """
    d = pd.DataFrame({"time": _arr(time), "event": _arr(event), "lp": _arr(lp)})
    cols = None
    if strata is not None:
        d["stratum"] = np.asarray(strata, dtype=object).ravel()
        cols = ["stratum"] if d["stratum"].nunique() > 1 else None
    res = survival.cox_fit(d, "time", "event", ["lp"], strata=cols, min_events=min_events, min_epv=min_epv)
    b, se = float(res.beta[0]), float(math.sqrt(res.var[0, 0]))
    return {"slope": b, "se": se, "lower": b - Z975 * se, "upper": b + Z975 * se,
            "p_eq1": float(2 * stats.norm.sf(abs((b - 1) / se))), "n": res.n, "events": res.events}


def calibration_in_the_large(event, expected) -> dict:
    """Calibration-in-the-large (Crowson, Atkinson & Therneau 2016, Stat Methods Med Res 25:1692):
    observed O = sum(status) vs expected E = sum H0(T_i) exp(lp_i) events. The Poisson GLM
    ``glm(status ~ offset(log(expected)), family = poisson)`` has the closed-form MLE intercept
    log(O / E) with SE 1 / sqrt(O) (Fisher information O at the MLE); O/E CI =
    exp(intercept -/+ 1.96 SE), Wald p for intercept = 0. NaN when O or E is 0.
    Returns ``dict(observed, expected, oe, oe_lower, oe_upper, intercept, se, p)``."""
    o = float(np.sum(_arr(event)))
    ex = float(np.sum(_arr(expected)))
    out = {"observed": o, "expected": ex, "oe": math.nan, "oe_lower": math.nan, "oe_upper": math.nan,
           "intercept": math.nan, "se": math.nan, "p": math.nan}
    if o > 0 and ex > 0:
        a, se = math.log(o / ex), 1.0 / math.sqrt(o)
        out.update(oe=o / ex, intercept=a, se=se, oe_lower=math.exp(a - Z975 * se), oe_upper=math.exp(a + Z975 * se),
                   p=float(2 * stats.norm.sf(abs(a / se))))
    return out


# =========================================================================== Brier score
def km_survival(time, event, at) -> np.ndarray:
    """Kaplan-Meier S(t) of (time, event) at the grid ``at`` (right-continuous; 1 before the
    first time; NaN after the last observed time) -- pec's reference model (``prodlim`` KM
    without covariates)."""
    t, e = _arr(time), _arr(event)
    at = _arr(at)
    tab = survival.km_table(t, e)
    st, ss = tab["time"].to_numpy(float), np.r_[1.0, tab["surv"].to_numpy(float)]
    out = ss[np.searchsorted(st, at, side="right")]
    return np.where(at > t.max(), np.nan, out) if t.size else np.full(at.shape, np.nan)


def brier_curve(time, event, pred, grid) -> np.ndarray:
    """IPCW Brier score at each time of ``grid`` = R ``pec::pec(..., cens.model = "marginal")``
    (apparent error of the supplied predictions; C routine ``pecSRC``), Graf et al. (1999):

        BS(t) = 1/n sum_i [ I(T_i <= t, D_i = 1) S_i(t)^2 / G(T_i-)
                            + I(T_i > t) (1 - S_i(t))^2 / G(t) ]

    with G the reverse Kaplan-Meier of the censoring times (:func:`survival.ipcw`, deaths tied
    with censorings leave the censoring risk set: ``pec::ipcw(method = "marginal")``); subjects
    censored at or before t contribute 0. ``pred`` is n x K (S_i at each grid time) or a length-K
    vector (the same prediction for everyone, e.g. the KM reference). NaN after the last observed
    time (G undefined, as pec) or where a prediction is NaN.
    """
    t, e = _arr(time), _arr(event)
    grid = _arr(grid)
    P = np.asarray(pred, dtype=float)
    if P.ndim == 1:
        P = np.broadcast_to(P[None, :], (t.size, grid.size))
    if P.shape != (t.size, grid.size):
        raise ValueError(f"predictions have shape {P.shape}, expected {(t.size, grid.size)}")
    g_subj, g_grid = survival.ipcw(t, e, grid)
    dead = (t[:, None] <= grid[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        w_dead = np.where(e == 1, 1.0 / g_subj, 0.0)[:, None]
        contrib = np.where(dead, w_dead * P**2, (1.0 - P) ** 2 / g_grid[None, :])
    bs = contrib.mean(axis=0)
    return np.where(np.isnan(g_grid), np.nan, bs)


def integrated_brier(grid, brier, tau: float, start: float = 0.0) -> float:
    """Integrated Brier score over [start, tau] = R ``pec::crps(pec, times = tau)`` /
    ``pec::ibs`` (``pec:::Dint``): the Brier curve is a right-continuous step function on the
    grid, integrated by its left endpoints and divided by the length of the range:
    IBS = 1/(Stop - start) sum_{start <= t_k < Stop} BS(t_k) (t_{k+1} - t_k), t_{K+1} = Stop =
    min(tau, last grid time). NaN when a needed BS(t_k) is NaN or tau is after the last time
    where the Brier score is defined (the last observed time: pec drops such a ``times``)."""
    x, y = _arr(grid), _arr(brier)
    if x.size == 0 or not np.isfinite(y).any() or tau > x[np.isfinite(y)].max():
        return math.nan  # pec: the curve stops at the last observed time; crps(times > maxtime) is dropped
    lo, stop = max(start, x.min()), min(tau, x.max())
    if stop - lo <= 0:
        return 0.0
    m = (x >= lo) & (x < stop)
    X, Y = x[m], y[m]
    if np.isnan(Y).any():
        return math.nan
    return float(np.sum(Y * np.diff(np.r_[X, stop])) / (stop - lo))


def brier_grid(val_time, model_event_times, horizons, tau: float) -> np.ndarray:
    """The time grid of the integrated Brier score: 0, every distinct validation time, every
    event time of the frozen baseline and the horizons, up to ``tau``. Between two grid times
    neither the predictions (which jump at discovery event times), the observed status nor the
    censoring weights (which change at validation times) change, so pec's left-endpoint sum over
    this grid is the exact integral of the step function BS(t)."""
    g = np.unique(np.r_[0.0, _arr(val_time), _arr(model_event_times), _arr(horizons)])
    return g[g <= tau]


# =========================================================================== predicted vs observed
def km_at(time, event, h: float) -> tuple[float, float, float]:
    """(S, lower, upper) of the Kaplan-Meier curve at horizon h with the log-log 95% CI
    = R ``summary(survfit(Surv(time, status) ~ 1, conf.type = "log-log"), times = h)``;
    NaN when h is after the last observed time (R drops such times) or there is no subject."""
    t, e = _arr(time), _arr(event)
    if t.size == 0 or h > t.max():
        return math.nan, math.nan, math.nan
    tab = survival.km_table(t, e)
    tab = tab[tab["time"] <= h]
    if tab.empty:
        return 1.0, math.nan, math.nan
    r = tab.iloc[-1]
    return float(r["surv"]), float(r["lower"]), float(r["upper"])


def quantile_groups(lp, n_groups: int) -> np.ndarray:
    """Quantile groups Q1 (lowest lp, lowest predicted risk) .. Qk of the linear predictor
    = R ``cut(lp, quantile(lp, seq(0, 1, length = k + 1), type = 7), include.lowest = TRUE)``
    (group k holds q_{k-1} < lp <= q_k). Tied quantiles are merged (fewer groups), where R's
    ``cut`` would stop."""
    x = _arr(lp)
    if n_groups < 2 or x.size == 0:
        return np.array(["all"] * x.size, dtype=object)
    q = np.unique(np.quantile(x, np.linspace(0, 1, n_groups + 1), method="linear"))
    idx = np.searchsorted(q[1:-1], x, side="left") + 1
    return np.array([f"Q{i}" for i in idx], dtype=object)


def calibration_curve(time, event, predicted, horizons: Sequence[float], groups, *,
                      grouping: str) -> pd.DataFrame:
    """Predicted vs observed survival per group at each horizon: mean predicted S_i(h) of the
    group's subjects vs the group's Kaplan-Meier S(h) with its log-log 95% CI (:func:`km_at`).
    ``predicted`` is n x H (S_i at each horizon; NaN -> the mean is NaN). ``events`` = deaths at
    or before h in the group. Columns: ``grouping, group, horizon, n, events, predicted, observed,
    observed_lower, observed_upper``."""
    t, e = _arr(time), _arr(event)
    P = np.asarray(predicted, dtype=float).reshape(t.size, len(horizons))
    g = np.asarray(groups, dtype=object).ravel()
    rows = []
    for lvl in sorted(pd.unique(g), key=str):
        m = g == lvl
        for k, h in enumerate(horizons):
            obs, lo, hi = km_at(t[m], e[m], float(h))
            rows.append({"grouping": grouping, "group": lvl, "horizon": float(h), "n": int(m.sum()),
                         "events": int(((e == 1) & (t <= h) & m).sum()), "predicted": float(np.mean(P[m, k])),
                         "observed": obs, "observed_lower": lo, "observed_upper": hi})
    return pd.DataFrame(rows, columns=["grouping", "group", "horizon", "n", "events", "predicted", "observed",
                                       "observed_lower", "observed_upper"])


def n_calibration_groups(events: int, max_groups: int, min_events_per_group: int) -> int:
    """Number of quantile groups of the linear predictor: ``max_groups``, fewer when the cohort is
    small, so that every group has ``min_events_per_group`` events on average
    (floor(events / min_events_per_group)); 1 (no grouping) below two groups."""
    k = min(int(max_groups), int(events) // max(int(min_events_per_group), 1))
    return k if k >= 2 else 1


__all__ = ["ALL", "baseline_cumhaz", "cumhaz_at", "expected_events", "predict_survival", "calibration_slope",
           "calibration_in_the_large", "km_survival", "brier_curve", "integrated_brier", "brier_grid", "km_at",
           "quantile_groups", "calibration_curve", "n_calibration_groups"]
