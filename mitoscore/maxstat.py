"""Maximally selected log-rank statistic (R ``maxstat``, smethod="LogRank").

**EXPLORATORY.** The cutpoint is chosen from the data (the value that maximises
the standardised log-rank statistic), so the resulting "high"/"low" split is
optimistic and must not be reported as a validated threshold. Its p-value must
come from the Lausen & Schumacher approximations below, which correct for the
search over cutpoints -- never from a plain log-rank test at the chosen cut
(which is anti-conservative; and note M^2 is not the ``survdiff`` chi-square
either, because maxstat uses log-rank *scores* with their permutation variance).

Reproduces ``maxstat::maxstat.test(Surv(time, event) ~ x, smethod="LogRank",
pmethod="Lau94"|"Lau92", minprop, maxprop)`` (maxstat 0.7-25).
"""
from __future__ import annotations

import math

import numpy as np

from ._lazy import lazy
from .errors import ModelSkipped

norm = lazy("scipy.stats", "norm")  # imported on first use (job start-up cost)

__all__ = ["logrank_scores", "maxstat_logrank", "p_lausen92", "p_lausen94"]


def logrank_scores(time, event) -> np.ndarray:
    """Log-rank (Savage) scores as ``exactRankTests::cscores.Surv`` / maxstat.

    a_i = d_i - sum_{j: t_(j) <= t_i} d_(j) / (N - r_(j) + 1), where r is the
    rank with ties.method="max" (number of observations with time <= t) and the
    cumulative sum runs over observations sorted by time.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    n = time.size
    ot = np.argsort(time, kind="stable")
    # rank with ties.method = "max": number of observations with time <= t_i
    rt = np.searchsorted(np.sort(time), time, side="right")
    fact = event / (n - rt + 1)
    cs = np.cumsum(fact[ot])
    return event - cs[rt - 1]


def p_lausen92(b: float, minprop: float = 0.1, maxprop: float = 0.9) -> float:
    """Lausen & Schumacher (1992) approximation = R ``maxstat:::pLausen92`` (maxstat 0.7-25):

    p = 1 when b < 1 (R's bound: the approximation is only valid for large b); otherwise
    p = 4 phi(b)/b + phi(b) (b - 1/b) log(maxprop (1-minprop) / ((1-maxprop) minprop)),
    truncated below at 0 (R ``max(p, 0)``). Never above 1.
    """
    if b < 1:
        return 1.0
    db = norm.pdf(b)
    p = 4 * db / b + db * (b - 1 / b) * math.log((maxprop * (1 - minprop)) / ((1 - maxprop) * minprop))
    return float(max(p, 0.0))


def p_lausen94(b: float, n: int, minprop: float = 0.1, maxprop: float = 0.9, m=None) -> float:
    """Lausen, Sauerbrei & Schumacher (1994) improved Bonferroni bound (R ``maxstat:::pLausen94``),
    reported as a probability: min(bound, 1).

    With m_1 < ... < m_K the group sizes ("number at or below the cut") of the
    candidate cutpoints and t_i = sqrt(1 - m_i (N - m_{i+1}) / ((N - m_i) m_{i+1})):
    bound = 1 - (Phi(b) - Phi(-b)) + sum_i (1/pi) exp(-b^2/2) (t_i - (b^2/4 - 1) t_i^3 / 6)
    (the sum is 0 with a single cut, as R). The bound is an upper bound of P(M >= b) under
    the null and exceeds 1 for small b (many cuts); maxstat 0.7-25 returns it untruncated
    (values up to ~5 on the tied-data golden), mitoscore reports min(bound, 1) and is
    otherwise identical to R (``tests/golden/maxstat_bound.R``).
    """
    if m is None:
        m = np.arange(math.floor(n * minprop), math.floor(n * maxprop) + 1)
    m = np.asarray(m, dtype=float)
    m1 = m[:-1]
    m2 = m[1:]
    t = np.sqrt(1 - m1 * (n - m2) / ((n - m1) * m2))
    d = np.sum(1 / math.pi * math.exp(-b * b / 2) * (t - (b * b / 4 - 1) * t ** 3 / 6))
    return float(min(1 - (norm.cdf(b) - norm.cdf(-b)) + d, 1.0))


def maxstat_logrank(time, event, x, minprop: float = 0.1, maxprop: float = 0.9, *, min_events: int = 1) -> dict:
    """Maximally selected standardised log-rank statistic over cutpoints of ``x``.

    EXPLORATORY: the cutpoint is data-driven (see module docstring).

    Definition (``maxstat:::cmaxstat``): with log-rank scores a_i (see
    :func:`logrank_scores`) ordered by x, for each candidate cut with m
    observations at or below it (x <= cutpoint),
    S_m = sum_{i<=m} a_i, E_m = m/N sum a, V_m = m (N-m) / (N^2 (N-1)) (N sum a^2 - (sum a)^2),
    and M = max_m |S_m - E_m| / sqrt(V_m). Candidate cuts are the distinct x
    values (m = index of last tied observation) with
    floor(N minprop) <= m <= floor(N maxprop). The first maximising cut is taken.
    "high" = x > cutpoint.

    Missing values in time/event/x are dropped (complete cases, as R's model frame).

    Returns dict(statistic, cutpoint, p_lau94, p_lau92, n_cuts, n_high, n, stats, cuts)
    where ``stats``/``cuts`` are the per-cut statistics (numpy arrays).
    Raises ModelSkipped when there are fewer than ``min_events`` events (at least one; the
    Cox guard ``survival.min_events``), no candidate cut, or zero score variance.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    x = np.asarray(x, dtype=float)
    if not (time.shape == event.shape == x.shape) or time.ndim != 1:
        raise ValueError("time, event and x must be 1-D arrays of equal length")
    ok = np.isfinite(time) & np.isfinite(event) & np.isfinite(x)
    time, event, x = time[ok], event[ok], x[ok]
    n = time.size
    if n < 2:
        raise ModelSkipped(f"maxstat: only {n} complete observation(s)")
    if event.sum() < max(min_events, 1):
        raise ModelSkipped(f"maxstat: only {int(event.sum())} events (n={n}); at least "
                           f"min_events={max(min_events, 1)} are required")
    scores = logrank_scores(time, event)
    order = np.argsort(x, kind="stable")  # R order(): stable
    y = scores[order]
    xs = x[order]
    first = np.r_[True, xs[1:] != xs[:-1]]
    m = np.flatnonzero(first)  # 0-based index of first of each group == R's which(!ties) - 1
    if minprop == 0 and maxprop == 1:
        m = m[1:-1] if m.size > 2 else m[1:]
    else:
        lo, hi = math.floor(n * minprop), math.floor(n * maxprop)
        if np.all(m < lo):
            raise ModelSkipped("maxstat: minprop too large")
        if np.all(m > hi):
            raise ModelSkipped("maxstat: maxprop too small")
        m = m[(m >= lo) & (m <= hi)]
    m = m[m >= 1]
    if m.size < 1:
        raise ModelSkipped("maxstat: no cutpoint with data between minprop and maxprop")
    ss = y.sum()
    e = m / n * ss
    v = m * (n - m) / (n ** 2 * (n - 1)) * (n * np.sum(y ** 2) - ss ** 2)
    if not np.all(v > 0):
        raise ModelSkipped("maxstat: zero variance of the log-rank scores")
    cs = np.cumsum(y)
    stats = np.abs((cs[m - 1] - e) / np.sqrt(v))
    best = int(np.argmax(stats))
    statistic = float(stats[best])
    cut = float(xs[m[best] - 1])
    return {
        "statistic": statistic,
        "cutpoint": cut,
        "p_lau94": p_lausen94(statistic, n, minprop, maxprop, m=m),
        "p_lau92": p_lausen92(statistic, minprop, maxprop),
        "n_cuts": int(m.size),
        "n_high": int(np.sum(x > cut)),
        "n": int(n),
        "stats": stats,
        "cuts": xs[m - 1],
    }
