"""Benjamini-Hochberg vs known R ``p.adjust(method="BH")`` outputs (abs 1e-12 unless
the R value is printed rounded, then abs 1e-5)."""
from __future__ import annotations

import numpy as np
import pytest

from mitoscore.multiple import bh


def test_all_equal_005():
    # p.adjust(c(0.01,0.02,0.03,0.04,0.05), "BH") -> 0.05 0.05 0.05 0.05 0.05
    np.testing.assert_allclose(bh([0.01, 0.02, 0.03, 0.04, 0.05]), [0.05] * 5, atol=1e-12)


def test_known_values():
    # p.adjust(c(0.001,0.01,0.04,0.2), "BH") -> 0.004 0.020 0.05333333 0.200
    np.testing.assert_allclose(bh([0.001, 0.01, 0.04, 0.2]), [0.004, 0.02, 0.04 * 4 / 3, 0.2], atol=1e-12)


def test_unsorted_input_and_cap():
    # p.adjust(c(0.04, 0.001, 0.2, 0.01), "BH") -> 0.05333333 0.00400000 0.20000000 0.02000000
    np.testing.assert_allclose(bh([0.04, 0.001, 0.2, 0.01]), [0.0533333, 0.004, 0.2, 0.02], atol=1e-6)
    # capped at 1: p.adjust(c(0.9, 0.95), "BH") -> 0.95 0.95
    np.testing.assert_allclose(bh([0.9, 0.95]), [0.95, 0.95], atol=1e-12)


def test_nan_preserved_and_not_counted():
    # p.adjust(c(0.01, NA, 0.04), "BH") -> 0.02 NA 0.04   (n = 2 non-missing)
    out = bh([0.01, np.nan, 0.04])
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], [0.02, 0.04], atol=1e-12)
    # explicit n: p.adjust(c(0.01, NA, 0.04), "BH", n = 3) -> 0.03 NA 0.06
    np.testing.assert_allclose(bh([0.01, np.nan, 0.04], n=3)[[0, 2]], [0.03, 0.06], atol=1e-12)
    assert np.isnan(bh([np.nan, np.nan])).all()
    assert bh([]).shape == (0,)


def test_ties_and_monotonicity():
    p = np.array([0.02, 0.02, 0.02, 0.5])
    out = bh(p)
    np.testing.assert_allclose(out[:3], [0.02 * 4 / 3] * 3, atol=1e-12)
    rng = np.random.default_rng(0)
    p = rng.uniform(size=200)
    q = bh(p)
    o = np.argsort(p)
    assert np.all(np.diff(q[o]) >= -1e-15) and np.all(q >= p)


def test_shape_and_errors():
    assert bh(np.array([[0.01, 0.02], [0.03, 0.04]])).shape == (2, 2)
    with pytest.raises(ValueError):
        bh([0.1, 1.5])
    with pytest.raises(ValueError):
        bh([0.1, 0.2], n=1)


def test_holm_equals_r():
    from mitoscore.multiple import adjust, holm

    # R 4.2.2: p.adjust(c(0.01,0.04,0.03,0.005,NA,0.2,0.04,0.9), "holm")
    p = [0.01, 0.04, 0.03, 0.005, np.nan, 0.2, 0.04, 0.9]
    want = [0.06, 0.16, 0.15, 0.035, np.nan, 0.4, 0.16, 0.9]
    np.testing.assert_allclose(holm(p), want, atol=1e-12)
    np.testing.assert_allclose(adjust(p, "holm"), want, atol=1e-12)
    # and BH through the dispatcher: p.adjust(same, "BH")
    np.testing.assert_allclose(adjust(p, "BH"), [0.035, 0.056, 0.056, 0.035, np.nan, 0.7 / 3, 0.056, 0.9],
                               atol=1e-12)
    # p.adjust(c(0.01, 0.02), "holm", n = 4) -> 0.04 0.06
    np.testing.assert_allclose(holm([0.01, 0.02], n=4), [0.04, 0.06], atol=1e-12)
    with pytest.raises(ValueError, match="unknown multiplicity method"):
        adjust(p, "bonferroni")
