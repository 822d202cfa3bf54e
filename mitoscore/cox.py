"""The Cox proportional-hazards engine: ONE implementation of the Efron partial likelihood.

Every Cox model of the package is fitted here (``survival.cox_fit`` for the models of
the survival rule, the C-gain bootstrap, the interaction model; :func:`fit_many` for the
thousands of univariable fits of the random-signature null). lifelines is used only as an
independent check in the tests.

R reference: survival 3.5-3 ``coxph(Surv(time, status) ~ x + strata(s), ties = "efron")``,
i.e. ``coxph.fit`` and its C routine ``coxfit6`` with ``coxph.control()`` defaults:

* times are first made "approximately equal" as ``aeqSurv`` does (``timefix = TRUE``):
  distinct times closer than sqrt(machine eps) (absolute, or relative to the mean |time|)
  are merged (:func:`aeq_times`);
* risk sets within strata; Efron's approximation for tied deaths: at a time with d deaths
  (risk set R, deaths D) the k-th of the d terms (k = 0..d-1) has denominator
  sum_R exp(eta) - (k/d) sum_D exp(eta) and mean covariate
  (sum_R x exp(eta) - (k/d) sum_D x exp(eta)) / denominator;
* columns are centred and scaled by their mean absolute deviation, except 0/1 (and -1/0/1)
  columns (R's ``nocenter = c(-1, 0, 1)``); this changes only rounding;
* Newton-Raphson from beta = 0 with R's step halving: a step that lowers the log
  likelihood (or gives a non-finite value) is replaced by
  (new + h * old) / (h + 1), h = 1, 2, ... consecutive halvings;
* R's convergence rule: stop at the first iterate whose log partial likelihood satisfies
  |1 - loglik_best / loglik_new| <= eps (1e-9), at most ``iter.max`` = 20 iterations;
  the variance is the inverse information at that iterate. A fit that runs out of
  iterations is reported as not converged (R: "Ran out of iterations").

The risk-set machinery (:class:`RiskSets`: sort order, distinct-time blocks, risk-set sums
within strata, sums over the tied deaths, Efron fractions) is shared by the general
path (:func:`fit`, any number of columns, strata) and the vectorised univariable path
(:func:`fit_many`, thousands of columns at once, each with its own Newton iteration and
step halving, exactly the iterations :func:`fit` does for one column).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._lazy import lazy

stats = lazy("scipy.stats")  # imported on first use (job start-up cost)

__all__ = ["EPS", "ITER_MAX", "MAX_STD_COEF", "CoxFit", "RiskSets", "aeq_times", "fit", "fit_many",
           "infinite_coef", "loglik"]

#: ``coxph.control()$eps``: convergence when |1 - loglik_old / loglik_new| <= EPS
EPS = 1e-9
#: ``coxph.control()$iter.max``
ITER_MAX = 20
#: |coef| x SD(x) above this is treated as an infinite coefficient (monotone likelihood)
MAX_STD_COEF = 10.0


def aeq_times(time) -> np.ndarray:
    """Times made "approximately equal" as R ``survival::aeqSurv`` (``timefix = TRUE``).

    With y the sorted distinct finite times, consecutive values whose difference is
    <= sqrt(eps) or <= sqrt(eps) x mean(|y|) are tied; every time is replaced by the first
    value of its tied run (R: ``cuts[findInterval(x, cuts)]``). Integer or well separated
    times are returned unchanged.
    """
    t = np.asarray(time, dtype=float)
    y = np.unique(t[np.isfinite(t)])
    if y.size < 2:
        return t
    tol = np.sqrt(np.finfo(float).eps)
    dy = np.diff(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        tied = (dy <= tol) | (dy / np.mean(np.abs(y)) <= tol)
    if not tied.any():
        return t
    cuts = y[np.r_[True, ~tied]]
    out = t.copy()
    ok = np.isfinite(t)
    out[ok] = cuts[np.searchsorted(cuts, t[ok], side="right") - 1]
    return out


class RiskSets:
    """Risk-set structure of right-censored data within strata (shared by every Cox fit).

    Rows are sorted by stratum, then time descending, censored before deaths at a tied
    time; ``order`` maps sorted rows to input rows. For each death (in sorted order):
    the risk set = rows of its stratum with time >= its time; its tied deaths = deaths of
    its stratum at the same time; ``frac`` = k/d for the k-th (k = 0..d-1) of d tied deaths.
    """

    def __init__(self, time, event, strata=None, *, timefix: bool = True):
        t = np.asarray(time, dtype=float).ravel()
        e = np.asarray(event, dtype=float).ravel()
        if t.shape != e.shape:
            raise ValueError(f"time ({t.size}) and event ({e.size}) differ in length")
        if not (np.isfinite(t).all() and np.isin(e, (0.0, 1.0)).all()):
            raise ValueError("time must be finite and event coded 0/1")
        s = np.zeros(t.size, dtype=int) if strata is None else np.asarray(strata).ravel()
        if s.size != t.size:
            raise ValueError("strata differ in length from time")
        if timefix:
            t = aeq_times(t)
        order = np.lexsort((e, -t, s))
        self.order = order
        self.n = int(t.size)
        ts, es, ss = t[order], e[order], s[order]
        self.time, self.event = ts, es
        # strata runs (start, end) in sorted order
        new_s = np.r_[True, ss[1:] != ss[:-1]] if ts.size else np.zeros(0, bool)
        starts = np.flatnonzero(new_s)
        self.strata_bounds = list(zip(starts, np.r_[starts[1:], ts.size]))
        # distinct (stratum, time) blocks; the last row of a block closes its risk set
        new_b = np.r_[True, (ts[1:] != ts[:-1]) | new_s[1:]] if ts.size else np.zeros(0, bool)
        blk = np.cumsum(new_b) - 1
        last = np.r_[np.flatnonzero(new_b)[1:] - 1, ts.size - 1] if ts.size else np.zeros(0, int)
        self.dth = np.flatnonzero(es == 1)
        self.n_events = int(self.dth.size)
        bd = blk[self.dth]
        self.risk_row = last[bd]  # risk-set sum of a death = prefix sum (within stratum) up to this row
        # deaths of one block are contiguous in sorted order (censored first): group them
        new_g = np.r_[True, bd[1:] != bd[:-1]] if bd.size else np.zeros(0, bool)
        self.group_start = np.flatnonzero(new_g)
        self.group_of = np.cumsum(new_g) - 1
        d = np.diff(np.r_[self.group_start, bd.size])
        k = np.arange(bd.size) - self.group_start[self.group_of] if bd.size else np.zeros(0, int)
        self.frac = k / d[self.group_of] if bd.size else np.zeros(0)

    def risk_sum(self, v: np.ndarray) -> np.ndarray:
        """For each death: sum of ``v`` (rows in sorted order, any trailing shape) over its risk set."""
        cs = np.empty_like(v, dtype=float)
        for a, b in self.strata_bounds:  # prefix sums restart in each stratum (no cancellation)
            np.cumsum(v[a:b], axis=0, out=cs[a:b])
        return cs[self.risk_row]

    def death_sum(self, v: np.ndarray) -> np.ndarray:
        """For each death: sum of ``v`` over the deaths tied with it (same stratum and time)."""
        if self.n_events == 0:
            return np.zeros((0,) + v.shape[1:])
        g = np.add.reduceat(v[self.dth], self.group_start, axis=0)
        return g[self.group_of]

    def sort(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, dtype=float)[self.order]


# =========================================================================== likelihood
def _efron(rs: RiskSets, Xs: np.ndarray, beta: np.ndarray):
    """Efron log partial likelihood, score and information at ``beta`` (Xs sorted, n x p)."""
    p = Xs.shape[1]
    eta = Xs @ beta if p else np.zeros(rs.n)
    if rs.n_events == 0:
        return 0.0, np.zeros(p), np.zeros((p, p))
    eta = eta - eta.max()  # the shift cancels between numerator and denominators
    r = np.exp(eta)
    rx = r[:, None] * Xs
    rxx = rx[:, :, None] * Xs[:, None, :]
    f = rs.frac
    # a denominator that underflows to 0 (monotone likelihood far from the optimum) gives a
    # non-finite log likelihood, which the Newton iteration treats as R does (step halving)
    with np.errstate(divide="ignore", invalid="ignore"):
        den = rs.risk_sum(r) - f * rs.death_sum(r)
        mu = (rs.risk_sum(rx) - f[:, None] * rs.death_sum(rx)) / den[:, None]
        m2 = (rs.risk_sum(rxx) - f[:, None, None] * rs.death_sum(rxx)) / den[:, None, None]
        ll = float(eta[rs.dth].sum() - np.log(den).sum())
        u = Xs[rs.dth].sum(0) - mu.sum(0)
        imat = m2.sum(0) - mu.T @ mu
    return ll, u, imat


def _efron_many(rs: RiskSets, Xs: np.ndarray, beta: np.ndarray):
    """The same for K separate univariable models at once (Xs n x K, beta K)."""
    K = Xs.shape[1]
    if rs.n_events == 0:
        return np.zeros(K), np.zeros(K), np.zeros(K)
    eta = Xs * beta
    eta = eta - eta.max(axis=0, keepdims=True)
    r = np.exp(eta)
    rx = r * Xs
    rxx = rx * Xs
    f = rs.frac[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):  # non-finite values: see _efron
        den = rs.risk_sum(r) - f * rs.death_sum(r)
        mu = (rs.risk_sum(rx) - f * rs.death_sum(rx)) / den
        m2 = (rs.risk_sum(rxx) - f * rs.death_sum(rxx)) / den
        ll = eta[rs.dth].sum(0) - np.log(den).sum(0)
        u = Xs[rs.dth].sum(0) - mu.sum(0)
        info = (m2 - mu * mu).sum(0)
    return ll, u, info


def _center_scale(Xs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """coxfit6's centring and scaling: mean 0 and scale n / sum|x - mean|, except columns
    whose values are all in {-1, 0, 1} (R ``nocenter``), which are left as they are."""
    n = Xs.shape[0]
    nocenter = np.all(np.isin(Xs, (-1.0, 0.0, 1.0)), axis=0)
    means = np.where(nocenter, 0.0, Xs.mean(0))
    Xc = Xs - means
    mad = np.abs(Xc).sum(0)
    scale = np.where(nocenter | (mad <= 0), 1.0, n / np.where(mad > 0, mad, 1.0))
    return Xc * scale, means, scale


@dataclass
class CoxFit:
    """A Cox fit from :func:`fit`, on the scale of the input columns."""
    beta: np.ndarray
    var: np.ndarray
    loglik: float
    loglik_init: float
    score: np.ndarray
    iterations: int
    converged: bool
    n: int
    events: int


def _chol_solve(imat: np.ndarray, u: np.ndarray) -> np.ndarray | None:
    try:
        c = np.linalg.cholesky(imat)
    except np.linalg.LinAlgError:
        return None
    y = np.linalg.solve(c, u)
    return np.linalg.solve(c.T, y)


def fit(time, event, X, strata=None, *, beta0=None, eps: float = EPS, iter_max: int = ITER_MAX,
        timefix: bool = True) -> CoxFit:
    """Cox model with Efron ties by R ``coxfit6``'s Newton-Raphson (see the module docstring).

    ``X`` is n x p (numeric, no missing values), ``strata`` optional codes. Returns a
    :class:`CoxFit`; ``converged`` is False when the iteration limit was reached or the
    information matrix is not positive definite (R: singular fit / "Ran out of iterations").
    ``timefix=False`` skips :func:`aeq_times` (for times already passed through it, e.g.
    bootstrap resamples: the operation is idempotent).
    """
    rs = RiskSets(time, event, strata, timefix=timefix)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    Xs, means, scale = _center_scale(rs.sort(X))
    p = Xs.shape[1]
    beta = (np.zeros(p) if beta0 is None else np.asarray(beta0, float).copy()) / scale
    ll0, u, imat = _efron(rs, Xs, beta)

    def result(b, ll, u_, im, it, ok):
        try:
            v = np.linalg.inv(im) if ok else np.full((p, p), np.nan)
        except np.linalg.LinAlgError:
            v, ok = np.full((p, p), np.nan), False
        return CoxFit(beta=b * scale, var=v * np.outer(scale, scale), loglik=float(ll), loglik_init=float(ll0),
                      score=u_ / scale, iterations=it, converged=bool(ok), n=rs.n, events=rs.n_events)

    a = _chol_solve(imat, u) if np.isfinite(ll0) else None
    if a is None or iter_max == 0:
        return result(beta, ll0, u, imat, 0, False)
    best = ll0
    newbeta = beta + a
    halving = 0
    for it in range(1, iter_max + 1):
        newlk, u, imat = _efron(rs, Xs, newbeta)
        step = _chol_solve(imat, u)
        notfinite = not (np.isfinite(newlk) and np.all(np.isfinite(u)) and np.all(np.isfinite(imat)))
        with np.errstate(divide="ignore", invalid="ignore"):
            done = (not notfinite) and abs(1 - best / newlk) <= eps
        if done:
            return result(newbeta, newlk, u, imat, it, step is not None)
        if notfinite or newlk < best or step is None:
            halving += 1
            newbeta = (newbeta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = newlk
            beta = newbeta
            newbeta = newbeta + step
    ll, u, imat = _efron(rs, Xs, beta)  # ran out of iterations: the last good iterate
    return result(beta, ll, u, imat, iter_max, False)


def loglik(time, event, X, beta, strata=None) -> float:
    """Efron log partial likelihood at a given ``beta`` (e.g. frozen coefficients)."""
    rs = RiskSets(time, event, strata)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    return _efron(rs, rs.sort(X), np.asarray(beta, float).ravel())[0]


def infinite_coef(beta, sd) -> np.ndarray:
    """The package's rule for an effectively infinite coefficient (monotone likelihood):
    |coef| x SD(x) > :data:`MAX_STD_COEF`."""
    return np.abs(np.asarray(beta, float)) * np.asarray(sd, float) > MAX_STD_COEF


def fit_many(time, event, X, strata=None, *, eps: float = EPS, iter_max: int = ITER_MAX) -> pd.DataFrame:
    """Univariable Cox fits (Efron ties) of every column of ``X`` (n x K) at once.

    Vectorised over columns with the risk-set machinery of :func:`fit`; each column runs
    R's Newton-Raphson with its own step halving and convergence test, so every column
    equals ``fit(time, event, X[:, k])`` (tested to 1e-12).

    Returns DataFrame(coef, se, z, p, loglik, loglik_null, iterations, converged, status)
    with one row per column; ``status`` is ``"ok"``, ``"not converged"`` (iteration limit,
    R "Ran out of iterations"), ``"infinite coefficient"`` (:func:`infinite_coef`: monotone
    likelihood, R "coefficient may be infinite"), ``"constant column"`` or ``"no events"``;
    ``converged`` is True only for ``"ok"``. Columns that are not ``"ok"`` have NaN
    coef/se/z/p: they must be excluded, never counted as a fitted model.
    """
    rs = RiskSets(time, event, strata)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    n, K = X.shape
    Xs, means, scale = _center_scale(rs.sort(X))
    beta = np.zeros(K)
    newbeta = np.zeros(K)
    best = np.zeros(K)
    halving = np.zeros(K)
    final_ll = np.full(K, np.nan)
    final_info = np.full(K, np.nan)
    iters = np.zeros(K, dtype=int)
    status = np.full(K, "ok", dtype=object)
    sd = X.std(axis=0) if n else np.zeros(K)  # the SD of infinite_coef, as survival.cox_fit
    const = ~(np.ptp(X, axis=0) > 0) if n else np.ones(K, bool)
    status[const] = "constant column"
    if rs.n_events == 0:
        status[:] = "no events"
    active = np.flatnonzero(status == "ok")
    ll0 = np.full(K, np.nan)
    if active.size:
        l0, u0, i0 = _efron_many(rs, Xs[:, active], np.zeros(active.size))
        ll0[active] = l0
        good = np.isfinite(l0) & (i0 > 0)
        bad = active[~good]
        status[bad] = "not converged"
        active, u0, i0 = active[good], u0[good], i0[good]
        best[active] = l0[good]
        newbeta[active] = u0 / i0
    for it in range(1, iter_max + 1):
        if not active.size:
            break
        b_new = newbeta[active]
        ll, u, info = _efron_many(rs, Xs[:, active], b_new)
        iters[active] = it
        notfinite = ~(np.isfinite(ll) & np.isfinite(u) & np.isfinite(info))
        with np.errstate(divide="ignore", invalid="ignore"):
            done = ~notfinite & (np.abs(1 - best[active] / ll) <= eps)
        singular = ~(info > 0)
        # converged: keep the new iterate and its information (R returns these)
        fin = active[done]
        beta[fin] = b_new[done]
        final_ll[fin] = ll[done]
        final_info[fin] = info[done]
        status[active[done & singular]] = "not converged"
        worse = ~done & (notfinite | (ll < best[active]) | singular)
        w = active[worse]
        halving[w] += 1
        newbeta[w] = (newbeta[w] + halving[w] * beta[w]) / (halving[w] + 1)
        better = ~done & ~worse
        b = active[better]
        halving[b] = 0
        best[b] = ll[better]
        beta[b] = b_new[better]
        newbeta[b] = b_new[better] + u[better] / info[better]
        active = active[~done]
    if active.size:  # ran out of iterations
        status[active] = "not converged"
    ok = status == "ok"
    coef = np.where(ok, beta * scale, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(ok, scale / np.sqrt(np.where(final_info > 0, final_info, np.nan)), np.nan)
    inf = ok & infinite_coef(np.where(ok, coef, 0.0), sd)
    status[inf] = "infinite coefficient"
    ok &= ~inf
    coef = np.where(ok, coef, np.nan)
    se = np.where(ok, se, np.nan)
    z = coef / se
    return pd.DataFrame({"coef": coef, "se": se, "z": z, "p": 2 * stats.norm.sf(np.abs(z)),
                         "loglik": np.where(ok, final_ll, np.nan), "loglik_null": ll0, "iterations": iters,
                         "converged": ok, "status": status})


# =========================================================================== many weighted data sets
def _chol_solve_many(imat: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_chol_solve` for a stack (k x p x p, k x p): (steps, ok); ok False where the
    Cholesky factorisation fails (not positive definite), as ``_chol_solve`` returning None."""
    k, p = u.shape
    steps, ok = np.full((k, p), np.nan), np.zeros(k, bool)
    if not k:
        return steps, ok
    try:
        c = np.linalg.cholesky(imat)
        ok[:] = True
    except np.linalg.LinAlgError:  # some are not positive definite: one at a time
        c = np.zeros_like(imat)
        for i in range(k):
            try:
                c[i] = np.linalg.cholesky(imat[i])
                ok[i] = True
            except np.linalg.LinAlgError:
                pass
    if ok.any():
        y = np.linalg.solve(c[ok], u[ok][:, :, None])
        steps[ok] = np.linalg.solve(np.swapaxes(c[ok], 1, 2), y)[:, :, 0]
    return steps, ok


class _WeightedEfron:
    """Efron log partial likelihood, score and information of B data sets that hold the rows
    of one sample with multiplicities ``weights`` (B x n; e.g. bootstrap resamples): a row of
    multiplicity m counts as m tied rows (so d tied deaths at a time are the death rows there
    with their multiplicities, and the k-th of the d Efron terms uses k/d). Each data set has
    its own centring and scaling (:func:`_center_scale` of its rows). Arrays are data set
    first (B x n x p); the sums over the k = 0..d-1 Efron terms are accumulated per death
    time and spread back to the rows, so score and information are batched matrix products."""

    def __init__(self, rs: RiskSets, X: np.ndarray, weights: np.ndarray):
        self.rs = rs
        Xs = rs.sort(X)  # n x p
        W = np.ascontiguousarray(np.asarray(weights, dtype=float)[:, rs.order])  # B x n
        self.W = W
        n, p = Xs.shape
        present = W > 0
        nrow = W.sum(1)  # rows of each data set
        # coxfit6's centring/scaling of each data set's rows (R nocenter: all values in {-1, 0, 1})
        odd = (~np.isin(Xs, (-1.0, 0.0, 1.0))).astype(float)
        nocenter = (present.astype(float) @ odd) == 0  # B x p
        with np.errstate(divide="ignore", invalid="ignore"):
            means = np.where(nocenter, 0.0, (W @ Xs) / nrow[:, None])
        Xc = Xs[None, :, :] - means[:, None, :]  # B x n x p
        mad = (W[:, None, :] @ np.abs(Xc))[:, 0, :]
        self.scale = np.where(nocenter | (mad <= 0), 1.0, nrow[:, None] / np.where(mad > 0, mad, 1.0))
        self.Xc = Xc * self.scale[:, None, :]
        self.XcT = np.ascontiguousarray(np.swapaxes(self.Xc, 1, 2))  # B x p x n: row sums along the last axis
        self.XcT_d = np.ascontiguousarray(self.XcT[:, :, rs.dth])  # the death rows (B x p x deaths)
        self.present = present
        self.p = p
        dth = rs.dth
        self.dth = dth
        gs = rs.group_start
        self.gs = gs
        self.g_rows = rs.risk_row[gs] if dth.size else np.zeros(0, int)  # last row of each death time's risk set
        self.d = np.add.reduceat(W[:, dth], gs, axis=1) if dth.size else np.zeros((W.shape[0], 0))  # B x G
        self.events = W[:, dth].sum(1) if dth.size else np.zeros(W.shape[0])
        self.Wd = np.zeros_like(W)  # the multiplicities of the death rows (0 elsewhere)
        self.Wd[:, dth] = W[:, dth]
        self.B = W.shape[0]
        self.bounds = rs.strata_bounds
        # the (data set, death time) entries with d >= 2 deaths (Efron terms k >= 1), most deaths
        # first: term k touches a prefix of them (those with d > k)
        multi = np.flatnonzero(self.d.ravel() >= 2)
        multi = multi[np.argsort(-self.d.ravel()[multi], kind="stable")]
        G = self.d.shape[1]
        self.multi_b, self.multi_g = np.divmod(multi, G) if G else (multi, multi)

    def _cumsum(self, v: np.ndarray) -> np.ndarray:
        """Prefix sums over the rows (last axis) restarting in each stratum (as RiskSets.risk_sum)."""
        out = np.empty_like(v)
        for a, b in self.bounds:
            np.cumsum(v[..., a:b], axis=-1, out=out[..., a:b])
        return out

    def _rev_cumsum(self, v: np.ndarray) -> np.ndarray:
        out = np.empty_like(v)
        for a, b in self.bounds:
            out[:, a:b] = v[:, a:b][:, ::-1].cumsum(axis=1)[:, ::-1]
        return out

    def __call__(self, beta: np.ndarray, cols: np.ndarray):
        """(ll (k,), u (k, p), imat (k, p, p)) of data sets ``cols`` at ``beta`` (k x p, scaled)."""
        rs, p = self.rs, self.p
        if cols.size == self.B:  # every data set (no copies)
            W, Wd, Xc, XcT, XcT_d, present, d = (self.W, self.Wd, self.Xc, self.XcT, self.XcT_d, self.present,
                                                 self.d)
        else:
            W, Wd, Xc, XcT, XcT_d, present, d = (a[cols] for a in (self.W, self.Wd, self.Xc, self.XcT, self.XcT_d,
                                                                   self.present, self.d))
        k = cols.size
        if rs.n_events == 0:
            return np.zeros(k), np.zeros((k, p)), np.zeros((k, p, p))
        eta = (Xc @ beta[:, :, None])[:, :, 0]  # k x n
        eta = eta - np.where(present, eta, -np.inf).max(1)[:, None]
        wr = W * np.exp(eta)
        wrxT = wr[:, None, :] * XcT  # k x p x n
        gs, dth, g_rows = self.gs, self.dth, self.g_rows
        S_R = self._cumsum(wr)[:, g_rows]  # k x G
        SX_RT = self._cumsum(wrxT)[:, :, g_rows]  # k x p x G
        S_D = np.add.reduceat(wr[:, dth], gs, axis=1)
        wrxT_d = wr[:, None, dth] * XcT_d  # = wrxT[:, :, dth]
        SX_DT = wrxT_d if gs.size == dth.size else np.add.reduceat(wrxT_d, gs, axis=2)  # no tied deaths: as is
        # the Efron terms k = 0..d-1 of every (data set, death time) with d deaths, accumulated in
        # the order k = 0, 1, ...; term 0 (f = 0) is A = 1 / S_R, a2 = A^2, L = log S_R and 0 for
        # the f-weighted sums, for every entry with d > 0; term k >= 1 touches the entries with d > k
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pos = d > 0
            A = np.where(pos, 1.0 / S_R, 0.0)
            a2 = A * A
            L = np.where(pos, np.log(S_R), 0.0)
            Bf, b2, c2 = np.zeros(d.shape), np.zeros(d.shape), np.zeros(d.shape)
            mb, mg = self.multi_b, self.multi_g
            if cols.size != self.B:
                keep = np.isin(mb, cols)
                mb, mg = np.searchsorted(cols, mb[keep]), mg[keep]
            if mb.size:
                ds = d[mb, mg]
                SRs, SDs = S_R[mb, mg], S_D[mb, mg]
                acc = np.stack([A[mb, mg], Bf[mb, mg], a2[mb, mg], b2[mb, mg], c2[mb, mg], L[mb, mg]])
                n_with = np.searchsorted(-ds, -np.arange(int(ds[0])), side="left")  # entries with d > k
                for j in range(1, int(ds[0])):
                    m = n_with[j]
                    f = j / ds[:m]
                    den = SRs[:m] - f * SDs[:m]
                    inv = 1.0 / den
                    inv2 = inv * inv
                    acc[0, :m] += inv
                    acc[1, :m] += f * inv
                    acc[2, :m] += inv2
                    acc[3, :m] += f * inv2
                    acc[4, :m] += f * f * inv2
                    acc[5, :m] += np.log(den)
                for arr, a in zip((A, Bf, a2, b2, c2, L), acc):
                    arr[mb, mg] = a
            ll = (Wd * eta).sum(1) - L.sum(1)
            # sum over the Efron terms of every death time, spread back to the rows
            cA = np.zeros_like(wr)
            cA[:, g_rows] = A
            cA = self._rev_cumsum(cA)
            cB = np.zeros_like(wr)
            cB[:, dth] = Bf[:, rs.group_of]
            c = wr * (cA - cB)  # k x n
            u = ((Wd - c)[:, None, :] @ Xc)[:, 0, :]
            m2 = (XcT * c[:, None, :]) @ Xc
            SX_R, SX_D = np.swapaxes(SX_RT, 1, 2), np.swapaxes(SX_DT, 1, 2)
            mumu = ((SX_RT * a2[:, None, :]) @ SX_R - (SX_RT * b2[:, None, :]) @ SX_D
                    - (SX_DT * b2[:, None, :]) @ SX_R + (SX_DT * c2[:, None, :]) @ SX_D)
            imat = m2 - mumu
        return ll, u, imat


def fit_weighted(time, event, X, weights, strata=None, *, beta0=None, eps: float = EPS,
                 iter_max: int = ITER_MAX) -> dict:
    """:func:`fit` of B data sets at once: data set b holds row i of (time, event, X, strata)
    ``weights[b, i]`` times (integer multiplicities, e.g. a bootstrap resample), i.e.
    ``fit(time[rows_b], event[rows_b], X[rows_b], strata[rows_b], beta0=beta0, timefix=False)``.

    Same Efron likelihood (a row of multiplicity m is m tied rows), coxfit6 centring and
    scaling of each data set, Newton-Raphson from ``beta0`` with R's step halving and
    convergence rule, each data set with its own iterations (masks, as :func:`fit_many`);
    equal to the per-data-set fits to rounding (tests/unit/test_resamples.py: 1e-12).
    Times are used as given (apply :func:`aeq_times` once beforehand).

    Returns a dict: ``beta`` (B x p, input scale; NaN where not converged), ``converged``
    (B,) as ``CoxFit.converged`` (iteration limit, non-positive-definite information or a
    singular inverse: False), ``var_finite`` (B,) whether beta and the inverse information
    are finite, ``iterations`` (B,), ``events`` (B,) the number of deaths of each data set.
    """
    rs = RiskSets(time, event, strata, timefix=False)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    W = np.asarray(weights, dtype=float)
    B, p = W.shape[0], X.shape[1]
    ef = _WeightedEfron(rs, X, W)
    scale = ef.scale
    b0 = np.zeros(p) if beta0 is None else np.asarray(beta0, float).ravel()
    beta = b0[None, :] / scale  # B x p, scaled
    newbeta = beta.copy()
    best = np.full(B, np.nan)
    halving = np.zeros(B)
    out_beta = np.full((B, p), np.nan)
    converged = np.zeros(B, bool)
    var_finite = np.zeros(B, bool)
    iters = np.zeros(B, int)

    def finish(cols, b, imat, ok):
        out_beta[cols] = b
        good = np.zeros(cols.size, bool)
        if ok.any():
            ii = np.flatnonzero(ok)
            try:
                v = np.linalg.inv(imat[ii])
                good[ii] = True
            except np.linalg.LinAlgError:  # one at a time
                v = np.full((ii.size, p, p), np.nan)
                for j, i in enumerate(ii):
                    try:
                        v[j] = np.linalg.inv(imat[i])
                        good[i] = True
                    except np.linalg.LinAlgError:
                        pass
            fin = np.all(np.isfinite(v), axis=(1, 2)) & np.all(np.isfinite(b[ii]), axis=1)
            var_finite[cols[ii]] = fin & good[ii]
        converged[cols] = ok & good

    every = np.arange(B)
    ll0, u, imat = ef(beta, every)
    finite0 = np.isfinite(ll0)
    a, ok_a = _chol_solve_many(np.where(finite0[:, None, None], imat, np.eye(p)), np.where(finite0[:, None], u, 0.0))
    ok_a &= finite0
    if iter_max == 0:
        ok_a[:] = False
    bad = every[~ok_a]
    if bad.size:
        finish(bad, beta[bad], imat[bad], np.zeros(bad.size, bool))
        out_beta[bad] = beta[bad]  # fit() returns the start with converged False
    active = every[ok_a]
    best[active] = ll0[active]
    newbeta[active] = beta[active] + a[ok_a]
    for it in range(1, iter_max + 1):
        if not active.size:
            break
        nb = newbeta[active]
        newlk, u, imat = ef(nb, active)
        iters[active] = it
        notfinite = ~(np.isfinite(newlk) & np.all(np.isfinite(u), axis=1) & np.all(np.isfinite(imat), axis=(1, 2)))
        fin_rows = ~notfinite
        step = np.full(u.shape, np.nan)
        okstep = np.zeros(active.size, bool)
        if fin_rows.any():
            st, oks = _chol_solve_many(imat[fin_rows], u[fin_rows])
            step[fin_rows], okstep[fin_rows] = st, oks
        with np.errstate(divide="ignore", invalid="ignore"):
            done = fin_rows & (np.abs(1 - best[active] / newlk) <= eps)
        if done.any():
            finish(active[done], nb[done], imat[done], okstep[done])
        worse = ~done & (notfinite | (newlk < best[active]) | ~okstep)
        w = active[worse]
        halving[w] += 1
        newbeta[w] = (newbeta[w] + halving[w][:, None] * beta[w]) / (halving[w][:, None] + 1.0)
        better = ~done & ~worse
        bcols = active[better]
        halving[bcols] = 0
        best[bcols] = newlk[better]
        beta[bcols] = nb[better]
        newbeta[bcols] = nb[better] + step[better]
        active = active[~done]
    if active.size:  # ran out of iterations (fit() reports the last good iterate, not converged)
        out_beta[active] = beta[active]
        converged[active] = False
    out_beta = out_beta * scale
    out_beta[~converged] = np.nan
    return {"beta": out_beta, "converged": converged, "var_finite": var_finite & converged, "iterations": iters,
            "events": ef.events}
