"""Power of survival analyses by Schoenfeld's (1983) formula.

For a two-sided Wald / log-rank (score) test at level alpha with power 1-beta,
the number of events D needed to detect a log hazard ratio theta for a covariate
with variance s^2 is

    D = (z_{1-alpha/2} + z_{1-beta})^2 / (theta^2 s^2),

so the smallest detectable HR with D events is exp((z_{1-alpha/2} + z_{1-beta}) / sqrt(D s^2)).
For a continuous marker, HR is per 1 unit (= per SD when the marker is z-scored,
s = sd = 1); for a binary split with proportion p in the "high" group s^2 = p(1-p).
Same formula as R ``powerSurvEpi::powerEpi``-style calculations / Hmisc ``cpower``
under proportional hazards (no R golden; tests use hand-computed values).
"""
from __future__ import annotations

import math

from scipy.stats import norm

__all__ = ["schoenfeld_detectable_hr", "schoenfeld_detectable_hr_binary", "schoenfeld_events_needed"]


def _z(alpha: float, power: float) -> float:
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    if not 0 < power < 1:
        raise ValueError("power must be in (0, 1)")
    return float(norm.ppf(1 - alpha / 2) + norm.ppf(power))


def _check_events(events: float) -> float:
    events = float(events)
    if not events > 0 or not math.isfinite(events):
        raise ValueError("events must be a positive number")
    return events


def schoenfeld_detectable_hr(events: float, alpha: float = 0.05, power: float = 0.8,
                             sd: float = 1.0) -> float:
    """Smallest HR (> 1) per 1 unit of a continuous marker with standard deviation ``sd``
    (per SD when sd = 1) detectable with ``events`` events:
    HR = exp((z_{1-alpha/2} + z_power) / sqrt(events sd^2)).
    The HR < 1 detectable with the same power is its reciprocal."""
    events = _check_events(events)
    if not sd > 0:
        raise ValueError("sd must be > 0")
    return math.exp(_z(alpha, power) / math.sqrt(events * sd ** 2))


def schoenfeld_detectable_hr_binary(events: float, p_high: float = 0.5, alpha: float = 0.05,
                                    power: float = 0.8) -> float:
    """Smallest HR (high vs low) detectable for a binary grouping with proportion
    ``p_high`` in the high group: HR = exp((z_{1-alpha/2} + z_power) / sqrt(events p (1-p)))."""
    events = _check_events(events)
    if not 0 < p_high < 1:
        raise ValueError("p_high must be in (0, 1)")
    return math.exp(_z(alpha, power) / math.sqrt(events * p_high * (1 - p_high)))


def schoenfeld_events_needed(hr: float, alpha: float = 0.05, power: float = 0.8,
                             sd: float = 1.0, p_high: float | None = None) -> float:
    """Events needed to detect ``hr``: (z_{1-alpha/2} + z_power)^2 / (log(hr)^2 var), with
    var = sd^2 (continuous marker, HR per unit) or p_high (1 - p_high) when ``p_high``
    is given (binary grouping). Not rounded: use ``math.ceil`` for a planning number."""
    if not hr > 0 or hr == 1:
        raise ValueError("hr must be > 0 and != 1")
    if p_high is not None:
        if not 0 < p_high < 1:
            raise ValueError("p_high must be in (0, 1)")
        var = p_high * (1 - p_high)
    else:
        if not sd > 0:
            raise ValueError("sd must be > 0")
        var = sd ** 2
    return _z(alpha, power) ** 2 / (math.log(hr) ** 2 * var)
