"""Meta-analysis vs metafor 3.8 goldens (oracle/golden/meta_reml.tsv, input meta_input.tsv).

Tolerance: abs 1e-8 on every field for REML, DL, PM, FE (brief; the goldens are
printed with 12 significant digits and the oracle README reports numpy ports at
<= 5e-11). Extra checks use the metafor BCG example (dat.bcg, log risk ratios),
whose REML output is printed in the metafor documentation to 4 decimals
(tolerance 6e-5 = half a unit in the 4th decimal plus rounding of the inputs).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.stats import norm
from scipy.stats import t as t_dist

from mitoscore.meta import leave_one_out, r_uniroot, rma

FIELDS = ["estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "QE", "QEp"]


@pytest.fixture(scope="module")
def meta_in(golden):
    return golden("meta_input.tsv")


@pytest.fixture(scope="module")
def ref(golden):
    return golden("meta_reml.tsv").set_index("method")


@pytest.mark.parametrize("method", ["REML", "DL", "PM", "FE"])
def test_against_metafor(meta_in, ref, method):
    r = rma(meta_in["yi"], meta_in["sei"], method=method)
    row = ref.loc[method]
    for f in FIELDS:
        assert abs(r[f] - row[f]) < 1e-8, (method, f, r[f], row[f])  # abs 1e-8
    if method == "FE":
        assert r["tau2"] == 0 and math.isnan(r["se_tau2"]) and pd.isna(row["se_tau2"])
    else:
        assert abs(r["se_tau2"] - row["se_tau2"]) < 1e-8  # abs 1e-8
    assert r["k"] == row["k"] == 3
    # HR scale as in the golden (abs 1e-8)
    assert abs(math.exp(r["estimate"]) - row["hr"]) < 1e-8
    assert abs(math.exp(r["ci_lb"]) - row["hr_lb"]) < 1e-8
    assert abs(math.exp(r["ci_ub"]) - row["hr_ub"]) < 1e-8


def test_prediction_interval_z(meta_in):
    r = rma(meta_in["yi"], meta_in["sei"], method="REML")
    half = norm.ppf(0.975) * math.sqrt(r["se"] ** 2 + r["tau2"])
    assert abs(r["pi_lb"] - (r["estimate"] - half)) < 1e-14
    assert abs(r["pi_ub"] - (r["estimate"] + half)) < 1e-14
    assert r["pi_lb"] < r["ci_lb"] and r["pi_ub"] > r["ci_ub"]


def test_knha_definition(meta_in):
    yi, sei = meta_in["yi"].to_numpy(), meta_in["sei"].to_numpy()
    z = rma(yi, sei, method="REML")
    r = rma(yi, sei, method="REML", test="knha")
    k = 3
    w = 1 / (sei ** 2 + z["tau2"])
    s2w = np.sum(w * (yi - z["estimate"]) ** 2) / (k - 1)
    se = math.sqrt(s2w / w.sum())
    crit = t_dist.ppf(0.975, k - 1)
    assert r["estimate"] == pytest.approx(z["estimate"], abs=1e-15)
    assert r["tau2"] == pytest.approx(z["tau2"], abs=1e-15)
    assert abs(r["se"] - se) < 1e-14
    assert abs(r["pval"] - 2 * t_dist.sf(abs(z["estimate"] / se), k - 1)) < 1e-14
    assert abs(r["ci_lb"] - (z["estimate"] - crit * se)) < 1e-14
    assert abs(r["pi_ub"] - (z["estimate"] + crit * math.sqrt(se ** 2 + z["tau2"]))) < 1e-14
    assert r["test"] == "knha"


def _bcg():
    t = np.array([[4, 119, 11, 128], [6, 300, 29, 274], [3, 228, 11, 209], [62, 13536, 248, 12619],
                  [33, 5036, 47, 5761], [180, 1361, 372, 1079], [8, 2537, 10, 619],
                  [505, 87886, 499, 87892], [29, 7470, 45, 7232], [17, 1699, 65, 1600],
                  [186, 50448, 141, 27197], [5, 2493, 3, 2338], [27, 16886, 29, 17825]], float)
    a, b, c, d = t.T
    yi = np.log((a / (a + b)) / (c / (c + d)))
    vi = 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)
    return yi, np.sqrt(vi)


def test_bcg_documented_reml_output():
    # metafor: rma(yi, vi, data=escalc("RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg))
    # estimate -0.7145 se 0.1798 z -3.9744 ci -1.0669 -0.3622; tau^2 0.3132 (SE 0.1664);
    # I^2 92.22%; H^2 12.86; Q(12) = 152.2330
    yi, sei = _bcg()
    r = rma(yi, sei)
    assert r["estimate"] == pytest.approx(-0.7145, abs=6e-5)
    assert r["se"] == pytest.approx(0.1798, abs=6e-5)
    assert r["zval"] == pytest.approx(-3.9744, abs=6e-5)
    assert r["ci_lb"] == pytest.approx(-1.0669, abs=6e-5)
    assert r["ci_ub"] == pytest.approx(-0.3622, abs=6e-5)
    assert r["tau2"] == pytest.approx(0.3132, abs=6e-5)
    assert r["se_tau2"] == pytest.approx(0.1664, abs=6e-5)
    assert r["I2"] == pytest.approx(92.22, abs=6e-3)
    assert r["H2"] == pytest.approx(12.86, abs=6e-3)
    assert r["QE"] == pytest.approx(152.2330, abs=6e-5)


def test_pm_solves_generalised_q(meta_in):
    """PM root: Q(tau2) = sum w (y - mu_w)^2 = k - 1; R's uniroot tolerance is
    eps^0.25 = 1.2e-4 on tau2, so the exact root is within that of R's answer."""
    yi, sei = meta_in["yi"].to_numpy(), meta_in["sei"].to_numpy()

    def q(t2):
        w = 1 / (sei ** 2 + t2)
        mu = np.sum(w * yi) / w.sum()
        return np.sum(w * (yi - mu) ** 2) - 2

    exact = brentq(q, 0, 100, xtol=1e-15)
    assert abs(rma(yi, sei, method="PM")["tau2"] - exact) < 1.22e-4


def test_r_uniroot_finds_roots():
    # same root as scipy to within the requested tolerance
    f = lambda x: x ** 3 - 2 * x - 5  # noqa: E731  (Wallis' example, root 2.0945514815...)
    assert abs(r_uniroot(f, 2, 3, tol=1e-12) - 2.0945514815423265) < 1e-11
    with pytest.raises(ValueError):
        r_uniroot(f, 3, 4)


def test_dl_formula(meta_in):
    yi, sei = meta_in["yi"].to_numpy(), meta_in["sei"].to_numpy()
    w = 1 / sei ** 2
    mu = np.sum(w * yi) / w.sum()
    q = np.sum(w * (yi - mu) ** 2)
    tau2 = max(0, (q - 2) / (w.sum() - np.sum(w ** 2) / w.sum()))
    assert abs(rma(yi, sei, method="DL")["tau2"] - tau2) < 1e-14


def test_homogeneous_gives_zero_tau2():
    yi = np.array([0.1, 0.1, 0.1, 0.1])
    sei = np.array([0.2, 0.3, 0.25, 0.4])
    for m in ["REML", "DL", "PM"]:
        r = rma(yi, sei, method=m)
        assert r["tau2"] == 0.0 and r["I2"] == 0.0
        assert abs(r["estimate"] - 0.1) < 1e-14


def test_k1_guard():
    r = rma([0.3], [0.1])
    assert r["estimate"] == 0.3 and r["se"] == 0.1 and r["k"] == 1
    assert math.isnan(r["tau2"]) and math.isnan(r["I2"]) and math.isnan(r["QE"])
    assert r["ci_lb"] == pytest.approx(0.3 - norm.ppf(0.975) * 0.1, abs=1e-15)


@pytest.mark.parametrize("sei", [[0.1, 0.0, 0.2], [0.1, -0.1, 0.2]])
def test_nonpositive_se_rejected(sei):
    with pytest.raises(ValueError):
        rma([0.1, 0.2, 0.3], sei)


def test_bad_method():
    with pytest.raises(ValueError):
        rma([0.1, 0.2], [0.1, 0.1], method="SJ")


def test_leave_one_out(meta_in):
    yi, sei = meta_in["yi"].to_numpy(), meta_in["sei"].to_numpy()
    loo = leave_one_out(yi, sei, meta_in["cohort"])
    assert list(loo.columns) == ["left_out", "estimate", "ci_lb", "ci_ub", "pval", "tau2", "I2"]
    assert list(loo["left_out"]) == list(meta_in["cohort"])
    for i, row in loo.iterrows():
        keep = np.arange(3) != i
        r = rma(yi[keep], sei[keep])
        assert row["estimate"] == r["estimate"] and row["tau2"] == r["tau2"]
    # k = 2 left: cohorts 2+3 pooled are heterogeneous, all finite
    assert loo[["estimate", "ci_lb", "ci_ub", "pval", "tau2", "I2"]].notna().all().all()
    two = leave_one_out(yi[:2], sei[:2], ["a", "b"])
    assert two["tau2"].isna().all() and list(two["estimate"]) == [yi[1], yi[0]]


# --------------------------------------------------------------------------- knha golden
KNHA_FIELDS = ["estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "se_tau2", "I2", "H2", "QE", "QEp",
               "pi_lb", "pi_ub"]


def _knha_rows(repo_golden):
    g = repo_golden("meta_knha.tsv")
    return [r for _, r in g.iterrows()]


def test_knha_and_z_equal_metafor_at_k_2_3_5(repo_golden):
    """rma(test = "knha"/"z") and predict() vs metafor 3.8 (tests/golden/meta_knha.R): k = 2, 3, 5,
    homogeneous (tau2 = 0, where the HKSJ CI is narrower than z) and heterogeneous sets,
    REML and DL. Tolerance abs 1e-8 on every field (measured <= 1e-13)."""
    rows = _knha_rows(repo_golden)
    assert len(rows) == 24
    worst = 0.0
    for row in rows:
        yi = np.array(row["yi"].split(","), float)
        sei = np.array(row["sei"].split(","), float)
        r = rma(yi, sei, method=row["method"], test=row["test"])
        assert r["k"] == row["k"] and r["test"] == row["test"]
        for f in KNHA_FIELDS:
            assert abs(r[f] - row[f]) < 1e-8, (row["set"], row["method"], row["test"], f, r[f], row[f])
            worst = max(worst, abs(r[f] - row[f]))
    # the sets exercise what they are meant to: tau2 = 0 and > 0 at every k
    g = repo_golden("meta_knha.tsv")
    for k in (2, 3, 5):
        assert (g.loc[g["k"] == k, "tau2"] == 0).any() and (g.loc[g["k"] == k, "tau2"] > 0).any()
    assert worst < 1e-8
