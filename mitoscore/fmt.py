"""One formatter for every number shown to a reader: the HTML report and the figures.

Conventions (the same everywhere, so a number in a figure reads exactly as in the report):

* missing / non-finite values print as ``NA``;
* a value that rounds to zero never prints with a sign (``-0.00`` -> ``0.00``);
* counts are whole numbers (``1000``, never ``1000.00``);
* hazard / odds ratios with 2 decimals (3 significant digits below 0.01, so a tiny ratio
  is not printed as ``0.00``); their 95% CI as ``1.30 (1.12-1.50)``; when a bound is
  negative (differences, log scale) the range is written ``-0.05 to 0.01`` so the minus
  sign is never mistaken for a dash;
* p-values with 2 significant digits, trailing zeros kept (``0.0040``, ``0.10``), ``< 0.001``
  below 0.001 (no exponent); in running text ``p = 0.0040`` / ``p < 0.001``;
* percentages with 1 decimal and a ``%`` sign.

Pure functions of plain numbers; no matplotlib, no pandas import needed by callers.
"""
from __future__ import annotations

import math
import re

__all__ = ["NA", "finite", "num", "count", "ratio", "ci", "ratio_ci", "p", "p_text", "pct", "sig", "months",
           "signed", "auto"]

NA = "NA"
_NEG_ZERO = re.compile(r"^-(0(?:\.0*)?)$")


def finite(x) -> bool:
    """True for a real, finite number (bools excluded); False for None, NaN, inf, text."""
    if x is None or isinstance(x, bool):
        return False
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _clean(s: str) -> str:
    """'-0.00' -> '0.00' (a value that rounds to zero carries no sign)."""
    m = _NEG_ZERO.match(s)
    return m.group(1) if m else s


def num(x, digits: int = 2) -> str:
    """Fixed decimals: ``num(1.2345) == '1.23'``; ``num(-0.001) == '0.00'``; 'NA' when missing."""
    if not finite(x):
        return NA
    return _clean(f"{float(x):.{digits}f}")


def signed(x, digits: int = 2) -> str:
    """Fixed decimals with an explicit sign for non-zero values (differences): '+0.03', '-0.01', '0.00'."""
    s = num(x, digits)
    if s == NA or float(s) == 0:
        return s
    return s if s.startswith("-") else "+" + s


def count(x) -> str:
    """A whole number: ``count(1000.0) == '1000'``; 'NA' when missing."""
    if not finite(x):
        return NA
    return str(int(round(float(x))))


def sig(x, digits: int = 3) -> str:
    """``digits`` significant digits, no exponent for |x| in [1e-4, 1e6): ``sig(0.012345) == '0.0123'``."""
    if not finite(x):
        return NA
    v = float(x)
    if v == 0:
        return "0"
    if 1e-4 <= abs(v) < 1e6:
        decimals = max(digits - 1 - math.floor(math.log10(abs(v))), 0)
        s = f"{v:.{decimals}f}"
        # rounding can add a digit (9.995 -> 10.00): recompute on the rounded value
        if len(s.replace("-", "").replace(".", "").lstrip("0")) > digits and decimals > 0:
            s = f"{v:.{decimals - 1}f}"
        return _clean(s)
    return _clean(f"{v:.{digits}g}")


def ratio(x) -> str:
    """A hazard / odds ratio: 2 decimals (``1.30``); 2 significant digits below 0.01 (``0.0042``)."""
    if not finite(x):
        return NA
    v = float(x)
    if 0 < abs(v) < 0.01:
        return sig(v, 2)
    return num(v, 2)


def ci(est, lo, hi, digits: int = 2, *, fmt=None) -> str:
    """'1.30 (1.12-1.50)'; with a negative bound '-0.02 (-0.05 to 0.01)'; 'NA' without an estimate.

    ``fmt`` formats each of the three numbers (default :func:`num` with ``digits``)."""
    f = fmt or (lambda v: num(v, digits))
    if not finite(est):
        return NA
    a, b = f(lo), f(hi)
    sep = " to " if (a.startswith("-") or b.startswith("-")) else "-"
    return f"{f(est)} ({a}{sep}{b})"


def ratio_ci(est, lo, hi) -> str:
    """A ratio with its 95% CI: '1.30 (1.12-1.50)' (each number as :func:`ratio`)."""
    return ci(est, lo, hi, fmt=ratio)


def p(x) -> str:
    """A p-value: 2 significant digits with trailing zeros (``0.0040``, ``0.10``, ``0.50``), ``< 0.001``
    below 0.001, 'NA' when missing. Values above 1 (rounding in upstream code) print as ``1.0``."""
    if not finite(x):
        return NA
    v = min(max(float(x), 0.0), 1.0)
    if v < 0.001:
        return "< 0.001"
    s = f"{v:#.2g}"            # '#' keeps trailing zeros
    if "e" in s:               # cannot happen for 0.001 <= v <= 1; kept for safety
        s = f"{v:.4f}"
    return s.rstrip(".")


def p_text(x, label: str = "p") -> str:
    """'p = 0.0040' / 'p < 0.001' / 'p = NA' (``label`` replaces 'p', e.g. 'log-rank p')."""
    s = p(x)
    return f"{label} {s}" if s.startswith("<") else f"{label} = {s}"


def pct(x, digits: int = 1) -> str:
    """'12.3%' (``x`` already in percent); 'NA' when missing."""
    s = num(x, digits)
    return s if s == NA else s + "%"


def auto(x, digits: int = 3) -> str:
    """A whole number as a count (``85``), anything else with ``digits`` significant digits."""
    if not finite(x):
        return NA
    v = float(x)
    return count(v) if v == round(v) and abs(v) < 1e12 else sig(v, digits)


def months(x) -> str:
    """Survival times in months, 1 decimal."""
    return num(x, 1)
