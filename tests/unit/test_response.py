"""Logistic OR per SD (R glm binomial) and AUROC with DeLong CI (pROC).

Tolerances: textbook R output (glm(am ~ wt, mtcars, binomial)), printed to 3-4
significant digits -> abs 1e-3 on coefficients/SE, 5e-6 on p; direct maximum-likelihood
fit with scipy.optimize -> coefficients abs 1e-6, SE (inverse observed information) rel 1e-6;
AUROC vs brute-force pairwise -> abs 1e-12; DeLong SE vs a hand computation -> abs 1e-12.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scipy.stats import norm

from mitoscore.errors import ModelSkipped
from mitoscore.response import auroc, irls_logistic, logistic_per_sd

# mtcars$wt and mtcars$am (R datasets)
WT = [2.620, 2.875, 2.320, 3.215, 3.440, 3.460, 3.570, 3.190, 3.150, 3.440, 3.440, 4.070, 3.730,
      3.780, 5.250, 5.424, 5.345, 2.200, 1.615, 1.835, 2.465, 3.520, 3.435, 3.840, 3.845, 1.935,
      2.140, 1.513, 3.170, 2.770, 3.570, 2.780]
AM = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]


def test_glm_textbook_mtcars():
    # R: summary(glm(am ~ wt, data = mtcars, family = binomial))
    #   (Intercept) 12.040  4.510  2.670 0.00759 ;  wt -4.024  1.436 -2.801 0.00509
    #   Residual deviance: 19.176 on 30 degrees of freedom
    r = logistic_per_sd(AM, WT)
    assert r["coef"] == pytest.approx(-4.024, abs=1e-3)
    assert r["se"] == pytest.approx(1.436, abs=1e-3)
    assert r["p"] == pytest.approx(0.00509, abs=5e-6)
    assert r["or_"] == pytest.approx(math.exp(r["coef"]), rel=1e-15)
    assert r["ci_lower"] == pytest.approx(math.exp(r["coef"] - norm.ppf(0.975) * r["se"]), rel=1e-12)
    assert r["n"] == 32 and r["n_events"] == 13 and r["converged"]
    fit = irls_logistic(np.c_[np.ones(32), WT], np.array(AM, float))
    assert fit["beta"][0] == pytest.approx(12.040, abs=1e-3)
    assert fit["se"][0] == pytest.approx(4.510, abs=1e-3)
    assert fit["deviance"] == pytest.approx(19.176, abs=1e-3)


def _negll(beta, X, y):
    eta = X @ beta
    return float(np.sum(np.logaddexp(0, eta) - y * eta))


def test_glm_matches_direct_ml_with_covariates():
    rng = np.random.default_rng(42)
    n = 300
    x = rng.normal(size=n)
    age = rng.normal(60, 10, size=n)
    sex = rng.choice(["F", "M"], size=n)
    eta = -0.3 + 0.7 * x + 0.02 * (age - 60) + 0.4 * (sex == "M")
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    cov = pd.DataFrame({"age": age, "sex": sex})
    r = logistic_per_sd(y, x, cov)
    X = np.c_[np.ones(n), x, age, (sex == "M").astype(float)]
    opt = minimize(_negll, np.zeros(4), args=(X, y), method="BFGS",
                   jac=lambda b, X, y: X.T @ (1 / (1 + np.exp(-X @ b)) - y), options={"gtol": 1e-10})
    assert r["coef"] == pytest.approx(opt.x[1], abs=1e-6)
    p = 1 / (1 + np.exp(-X @ opt.x))
    cov_ml = np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))
    assert r["se"] == pytest.approx(math.sqrt(cov_ml[1, 1]), rel=1e-6)
    assert r["n"] == n


def test_missing_rows_dropped():
    y = np.array(AM + [1.0], float)
    x = np.array(WT + [np.nan])
    r = logistic_per_sd(y, x)
    assert r["n"] == 32 and r["coef"] == pytest.approx(logistic_per_sd(AM, WT)["coef"], abs=1e-12)


def test_too_few_events():
    y = np.r_[np.ones(9), np.zeros(50)]
    x = np.random.default_rng(0).normal(size=59)
    with pytest.raises(ModelSkipped, match="too few events"):
        logistic_per_sd(y, x)


def test_complete_separation():
    x = np.linspace(-2, 2, 40)
    y = (x > 0).astype(float)
    with pytest.raises(ModelSkipped, match="separation"):
        logistic_per_sd(y, x)


def test_constant_covariate_skipped():
    rng = np.random.default_rng(3)
    x = rng.normal(size=60)
    y = (rng.uniform(size=60) < 0.5).astype(float)
    with pytest.raises(ModelSkipped, match="rank deficient"):
        logistic_per_sd(y, x, pd.DataFrame({"c": np.ones(60)}))


def test_y_must_be_binary():
    with pytest.raises(ValueError):
        logistic_per_sd([0, 1, 2], [0.1, 0.2, 0.3])


def _brute_auc(y, s):
    pos, neg = s[y == 1], s[y == 0]
    tot = 0.0
    for a in pos:
        for b in neg:
            tot += 1.0 if a > b else 0.5 if a == b else 0.0
    return tot / (len(pos) * len(neg))


def test_auroc_vs_bruteforce_with_ties():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, size=80).astype(float)
    s = np.round(rng.normal(size=80) + 0.8 * y, 1)  # rounding creates ties
    r = auroc(y, s)
    assert r["auc"] == pytest.approx(_brute_auc(y, s), abs=1e-12)
    assert r["n_pos"] == int(y.sum()) and r["n_neg"] == 80 - int(y.sum())
    assert r["ci_lower"] < r["auc"] < r["ci_upper"]


def test_delong_hand_example():
    # positives 0.9, 0.8, 0.4 ; negatives 0.7, 0.4, 0.1
    # V10 = [1, 1, 1/2], V01 = [2/3, 5/6, 1]; AUC = 5/6
    # s10^2 = 1/12, s01^2 = 1/36 -> var = (1/12)/3 + (1/36)/3 = 1/27
    y = [1, 1, 1, 0, 0, 0]
    s = [0.9, 0.8, 0.4, 0.7, 0.4, 0.1]
    r = auroc(y, s)
    assert r["auc"] == pytest.approx(5 / 6, abs=1e-12)
    assert r["se"] == pytest.approx(math.sqrt(1 / 27), abs=1e-12)
    assert r["ci_lower"] == pytest.approx(5 / 6 - norm.ppf(0.975) * math.sqrt(1 / 27), abs=1e-12)
    assert r["ci_upper"] == 1.0  # clipped like pROC


def test_auroc_direction_and_guard():
    y = [0, 0, 1, 1]
    assert auroc(y, [4, 3, 2, 1])["auc"] == 0.0  # no automatic flipping
    with pytest.raises(ModelSkipped):
        auroc([1, 0, 0], [0.1, 0.2, 0.3])
