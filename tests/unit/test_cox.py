"""mitoscore.cox, the one Cox engine, vs R coxph (survival 3.5-3; oracle/golden/cox.tsv) and
lifelines (independent check).

Tolerances: the engine transcribes coxfit6 (same start, steps, halving and stopping rule), so
it returns R's own iterate: coef / se rel 1e-10 (measured <= 2e-12, binary covariate
included; the goldens are printed with 12 significant digits), loglik abs 1e-8 (goldens
print ~1e-9), LR chisq abs 1e-8. The vectorised path equals the general path to 1e-12.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from mitoscore import cox

MODELS = {"uni_z": ["mito_z"], "uni_raw": ["mito_ssgsea"], "multi_z_age": ["mito_z", "age"],
          "uni_group": ["group_high"]}
LIFELINES_TIGHT = {"precision": 1e-12, "r_precision": 1e-12, "max_steps": 200}


@pytest.fixture(scope="module")
def si(golden):
    return golden("survival_input.tsv")


@pytest.mark.parametrize("model", list(MODELS))
def test_fit_equals_coxph(model, si, golden):
    ref = golden("cox.tsv")
    ref = ref[ref["model"] == model]
    f = cox.fit(si.os_months, si.os_event, si[MODELS[model]].to_numpy(float))
    assert f.converged and f.n == 60 and f.events == 44
    np.testing.assert_allclose(f.beta, ref["coef"], rtol=1e-10)  # measured <= 1.3e-12 (group_high too)
    np.testing.assert_allclose(np.sqrt(np.diag(f.var)), ref["se"], rtol=1e-10)
    assert abs(f.loglik - ref["loglik"].iloc[0]) < 1e-8
    assert abs(2 * (f.loglik - f.loglik_init) - ref["lr_chisq"].iloc[0]) < 1e-8


def test_loglik_at_given_coefficients(si, golden):
    """cox.loglik (e.g. frozen coefficients) = the fit's loglik at its estimate and at 0."""
    X = si[["mito_z", "age"]].to_numpy(float)
    f = cox.fit(si.os_months, si.os_event, X)
    assert cox.loglik(si.os_months, si.os_event, X, f.beta) == pytest.approx(f.loglik, abs=1e-10)
    assert cox.loglik(si.os_months, si.os_event, X, [0.0, 0.0]) == pytest.approx(f.loglik_init, abs=1e-10)
    ref = golden("cox.tsv").set_index("model").loc["multi_z_age"].iloc[0]
    assert f.loglik == pytest.approx(ref["loglik"], abs=1e-8)


def test_fit_many_equals_fit_and_coxph(si, golden):
    rc = golden("cox.tsv").set_index("model")
    cols = ["mito_z", "mito_ssgsea", "group_high", "age"]
    many = cox.fit_many(si.os_months, si.os_event, si[cols].to_numpy(float))
    assert list(many.columns) == ["coef", "se", "z", "p", "loglik", "loglik_null", "iterations", "converged",
                                  "status"]
    assert many.converged.all() and (many.status == "ok").all()
    for k, c in enumerate(cols):
        f = cox.fit(si.os_months, si.os_event, si[[c]].to_numpy(float))
        assert many.coef[k] == pytest.approx(f.beta[0], rel=1e-12, abs=1e-14)  # same iterations
        assert many.se[k] == pytest.approx(np.sqrt(f.var[0, 0]), rel=1e-12)
        assert many.loglik[k] == pytest.approx(f.loglik, abs=1e-10)
        assert many.iterations[k] == f.iterations
    for k, model in enumerate(["uni_z", "uni_raw", "uni_group"]):
        assert many.coef[k] == pytest.approx(rc.loc[model, "coef"], rel=1e-10)  # R coxph
        assert many.se[k] == pytest.approx(rc.loc[model, "se"], rel=1e-10)


def _tied(n=150, seed=3):
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 12, n).astype(float)  # many tied times, deaths tied with censorings
    e = rng.integers(0, 2, n).astype(float)
    X = rng.normal(size=(n, 4))
    X[:, 3] = rng.integers(0, 2, n)  # a binary column
    return t, e, X


def test_heavy_ties_and_strata_match_lifelines():
    t, e, X = _tied()
    many = cox.fit_many(t, e, X)
    for k in range(4):
        f = cox.fit(t, e, X[:, k])
        assert many.coef[k] == pytest.approx(f.beta[0], rel=1e-12)
        cph = CoxPHFitter().fit(pd.DataFrame({"t": t, "e": e, "x": X[:, k]}), "t", "e", fit_options=LIFELINES_TIGHT)
        assert many.coef[k] == pytest.approx(cph.params_["x"], abs=1e-8)  # lifelines converges fully
        assert many.se[k] == pytest.approx(cph.standard_errors_["x"], rel=1e-7)
    s = (np.arange(t.size) % 3).astype(int)
    f = cox.fit(t, e, X, s)
    d = pd.DataFrame(X, columns=list("abcd")).assign(t=t, e=e, s=s)
    cph = CoxPHFitter().fit(d, "t", "e", strata=["s"], fit_options=LIFELINES_TIGHT)
    np.testing.assert_allclose(f.beta, cph.params_[list("abcd")], atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(f.var)), cph.standard_errors_[list("abcd")], rtol=1e-7)
    assert f.loglik == pytest.approx(cph.log_likelihood_, abs=1e-8)
    # the vectorised path honours strata too
    ms = cox.fit_many(t, e, X, s)
    for k in range(4):
        assert ms.coef[k] == pytest.approx(cox.fit(t, e, X[:, k], s).beta[0], rel=1e-12)


def test_step_halving_from_a_bad_start(si, golden):
    """R's step halving: from init = 6 the first Newton step overshoots (loglik -3685 < -371),
    is halved, and the iteration ends where R's does. R 4.2.2 / survival 3.5-3:
    coxph(Surv(os_months, os_event) ~ mito_z, data, init = 6) -> coef 0.528398150389474, iter 7."""
    f = cox.fit(si.os_months, si.os_event, si[["mito_z"]].to_numpy(float), beta0=[6.0])
    assert f.converged and f.iterations == 7
    assert f.beta[0] == pytest.approx(0.528398150389474, rel=1e-12)  # R prints 15 digits


def test_not_converged_and_infinite_are_flagged(si):
    t, e = si.os_months.to_numpy(float), si.os_event.to_numpy(float)
    sep = -t  # the earliest time has the highest score: monotone likelihood
    f = cox.fit(t, e, sep)
    assert not f.converged and f.iterations == cox.ITER_MAX  # R: "Ran out of iterations"
    many = cox.fit_many(t, e, np.c_[sep, si.mito_z, np.ones(t.size)])
    assert many.status.tolist() == ["not converged", "ok", "constant column"]
    assert many.loc[[0, 2], ["coef", "se", "z", "p"]].isna().all().all()
    assert not many.converged[0] and many.converged[1]
    assert cox.infinite_coef([11.0, 9.0], [1.0, 1.0]).tolist() == [True, False]


def test_no_events_does_not_crash():
    """issue 11: np.add.reduceat on an empty death set raised IndexError."""
    t = np.arange(1.0, 21.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        many = cox.fit_many(t, np.zeros(20), np.random.default_rng(1).normal(size=(20, 3)))
        f = cox.fit(t, np.zeros(20), np.arange(20.0))
    assert (many.status == "no events").all() and many.coef.isna().all()
    assert not f.converged and f.events == 0


def test_aeq_times_as_r_timefix():
    # R: aeqSurv(Surv(c(1, 1 + 1e-10, 2, 3), c(1, 1, 0, 1)))[, 1] == c(1, 1, 2, 3)
    np.testing.assert_array_equal(cox.aeq_times([1, 1 + 1e-10, 2, 3]), [1, 1, 2, 3])
    np.testing.assert_array_equal(cox.aeq_times([5.0, 1.0, 3.0]), [5.0, 1.0, 3.0])
    # tied after timefix: the likelihood treats them as one tied time (as coxph)
    t = np.array([1, 1 + 1e-10, 2, 3, 4, 5.0])
    e = np.array([1, 1, 0, 1, 1, 0.0])
    x = np.array([0.3, -1.0, 2.0, 0.1, -0.4, 1.2])
    assert cox.fit(t, e, x).beta[0] == cox.fit(np.round(t), e, x).beta[0]
