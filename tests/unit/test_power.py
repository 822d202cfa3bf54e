"""Schoenfeld power formulas vs hand-computed values.

z_{0.975} = 1.959963985, z_{0.8} = 0.841621234, sum = 2.801585219.
Tolerances: abs 1e-4 against 4-5 digit hand values; 1e-12 for exact identities.
"""
from __future__ import annotations

import math

import pytest

from mitoscore.power import (schoenfeld_detectable_hr, schoenfeld_detectable_hr_binary,
                             schoenfeld_events_needed)

ZSUM = 1.959963984540054 + 0.8416212335729143


def test_per_sd_100_events():
    # exp(2.8016 / sqrt(100)) = exp(0.28016) = 1.3233
    assert schoenfeld_detectable_hr(100) == pytest.approx(1.3233, abs=1e-4)
    assert schoenfeld_detectable_hr(100) == pytest.approx(math.exp(ZSUM / 10), abs=1e-12)


def test_per_sd_other_sd_and_power():
    # sd = 2 halves the log-HR: exp(0.28016/2) = 1.1504
    assert schoenfeld_detectable_hr(100, sd=2.0) == pytest.approx(1.1504, abs=1e-4)
    # power 0.9: z = 1.95996 + 1.28155 = 3.24152; 44 events -> exp(3.24152/6.63325) = exp(0.48868) = 1.6302
    assert schoenfeld_detectable_hr(44, power=0.9) == pytest.approx(1.6302, abs=1e-4)


def test_binary():
    # p = 0.5: exp(2.80159 / sqrt(25)) = exp(0.560317) = 1.7513
    assert schoenfeld_detectable_hr_binary(100) == pytest.approx(1.7513, abs=1e-4)
    # p = 0.2: var 0.16 -> exp(2.80159 / 4) = exp(0.700396) = 2.0145
    assert schoenfeld_detectable_hr_binary(100, p_high=0.2) == pytest.approx(2.0145, abs=1e-4)


def test_events_needed_roundtrip():
    hr = schoenfeld_detectable_hr(123)
    assert schoenfeld_events_needed(hr) == pytest.approx(123, abs=1e-9)
    hrb = schoenfeld_detectable_hr_binary(80, p_high=0.3)
    assert schoenfeld_events_needed(hrb, p_high=0.3) == pytest.approx(80, abs=1e-9)
    # classic: HR 2, 1:1 -> 4 * 2.80159^2 / log(2)^2 = 65.35 events
    assert schoenfeld_events_needed(2.0, p_high=0.5) == pytest.approx(65.35, abs=0.01)
    # protective HR gives the same number of events
    assert schoenfeld_events_needed(0.5, p_high=0.5) == pytest.approx(schoenfeld_events_needed(2.0, p_high=0.5))


@pytest.mark.parametrize("kwargs", [dict(events=0), dict(events=-5), dict(events=10, alpha=0),
                                    dict(events=10, power=1.0), dict(events=10, sd=0)])
def test_invalid(kwargs):
    with pytest.raises(ValueError):
        schoenfeld_detectable_hr(**kwargs)


def test_invalid_binary_and_events():
    with pytest.raises(ValueError):
        schoenfeld_detectable_hr_binary(10, p_high=1.0)
    with pytest.raises(ValueError):
        schoenfeld_events_needed(1.0)
