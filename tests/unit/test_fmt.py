"""mitoscore.fmt: the one formatter of the report and the figures."""
import math

import numpy as np
import pytest

from mitoscore import fmt


@pytest.mark.parametrize("x", [None, float("nan"), float("inf"), "text", np.nan, True])
def test_missing_is_na(x):
    for f in (fmt.num, fmt.count, fmt.ratio, fmt.p, fmt.pct, fmt.sig, fmt.months):
        assert f(x) == "NA", (f.__name__, x)


def test_no_negative_zero_and_counts_are_whole():
    assert fmt.num(-0.001) == "0.00" and fmt.num(-0.004, 2) == "0.00" and fmt.months(-0.01) == "0.0"
    assert fmt.num(-0.006) == "-0.01"
    assert fmt.count(1000.0) == "1000" and fmt.count(np.int64(7)) == "7" and fmt.count(2.6) == "3"
    assert fmt.pct(-0.04) == "0.0%"
    assert fmt.signed(0.031) == "+0.03" and fmt.signed(-0.0001) == "0.00"


def test_p_values():
    assert fmt.p(0.003979) == "0.0040"      # 2 significant digits, trailing zero kept
    assert fmt.p(0.1) == "0.10" and fmt.p(0.0321) == "0.032" and fmt.p(0.5) == "0.50"
    assert fmt.p(0.00099) == "< 0.001" and fmt.p(0.001) == "0.0010"
    assert fmt.p(1.0) == "1.0" and fmt.p(1.0000001) == "1.0"
    assert fmt.p_text(0.0001) == "p < 0.001" and fmt.p_text(0.04) == "p = 0.040"
    assert fmt.p_text(0.2, "Wald p") == "Wald p = 0.20" and fmt.p_text(None) == "p = NA"


def test_ratios_and_intervals():
    assert fmt.ratio(1.3046) == "1.30" and fmt.ratio(0.0042) == "0.0042" and fmt.ratio(123.456) == "123.46"
    assert fmt.ratio_ci(1.3046, 1.0886, 1.5635) == "1.30 (1.09-1.56)"
    assert fmt.ci(-0.02, -0.05, 0.01) == "-0.02 (-0.05 to 0.01)"   # a minus is never read as a dash
    assert fmt.ci(0.03, 0.004, 0.06, 3) == "0.030 (0.004-0.060)"
    assert fmt.ci(float("nan"), 1, 2) == "NA"


def test_significant_digits():
    assert fmt.sig(0.012345) == "0.0123" and fmt.sig(123.456) == "123" and fmt.sig(0) == "0"
    assert fmt.sig(0.0123, 3) == "0.0123" and fmt.sig(9.999, 3) == "10.0"
    assert fmt.sig(2.5e-7) == "2.5e-07" and fmt.sig(-0.00001) == "-1e-05"
    assert not math.isnan(float(fmt.sig(1234567)))
