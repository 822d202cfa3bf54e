"""mitoscore.predictive against R (tests/golden/predictive.R: survival 3.5-3 coxph, rms 6.5-0 /
Hmisc 4.8-0 rcspline.eval, glm binomial) on the shared tied integer-month fixtures, plus the
linear-special-case identity and the guards.

Settings of the golden: score x1, arms ref/test, covariates x2 + grp (reference "b")
("adjusted") or x2 + strata(grp) ("stratified"); data large (n = 300), medium (the first
80 rows: Hmisc's n < 100 knot rule) and small (n = 25, linear models only).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mitoscore import predictive as P
from mitoscore import survival as S
from mitoscore.errors import ModelSkipped

SETTINGS = {"adjusted": {"covariates": ["x2", "grp"], "categorical": {"grp": "b"}},
            "stratified": {"covariates": ["x2"], "strata": ["grp"]}}
#: R coefficient names -> mitoscore term names
R_NAMES = {"x1": "x1", "armtest": "arm[test]", "x2": "x2", "grpa": "grp[a]", "grpc": "grp[c]",
           "x1:armtest": "x1:arm[test]", "(Intercept)": "(Intercept)"}
NO_GUARD = {"min_events": 1, "min_epv": 0.0}


def _data(repo_golden, name):
    d = repo_golden(f"tied_{'large' if name == 'medium' else name}.tsv")
    return d.iloc[:80].copy() if name == "medium" else d


def _gold(repo_golden, data, setting, model):
    g = repo_golden("predictive.tsv")
    g = g[(g["data"] == data) & (g["setting"] == setting) & (g["model"] == model)]
    return g


def _series(g, quantity):
    s = g[g["quantity"] == quantity]
    return pd.Series(s["value"].to_numpy(float), index=s["key"].astype(str).to_numpy())


def _curve(g, quantity):
    s = g[g["quantity"] == quantity]
    return s.assign(k=s["key"].astype(int)).sort_values("k")["value"].to_numpy(float)


# --------------------------------------------------------------------------- Cox interaction
@pytest.mark.parametrize("name", ["large", "medium", "small"])
@pytest.mark.parametrize("setting", ["adjusted", "stratified"])
def test_contrast_interaction_equals_coxph_anova(repo_golden, name, setting):
    d = _data(repo_golden, name)
    g = _gold(repo_golden, name, setting, "cox_linear")
    r = P.contrast_interaction(d, "time", "status", "x1", "arm", test_arm="test", reference_arm="ref",
                               **SETTINGS[setting], **NO_GUARD)
    full = r["full"]
    coef, se = _series(g, "coef"), _series(g, "se")
    ours = dict(zip(full.terms, full.beta))
    ours_se = dict(zip(full.terms, np.sqrt(np.diag(full.var))))
    assert set(ours) == {R_NAMES[k] for k in coef.index}
    for rk, v in coef.items():
        # coefficients and SEs: abs 1e-8 (measured <= 3e-12 against R converged with eps = 1e-14)
        assert ours[R_NAMES[rk]] == pytest.approx(v, abs=1e-8), rk
        assert ours_se[R_NAMES[rk]] == pytest.approx(se[rk], abs=1e-8), rk
    # the 1-df LR test (anova(reduced, full)), Wald p, log-likelihoods: abs 1e-8
    assert r["lr_df"] == 1 == _series(g, "lr_df").iloc[0]
    assert r["lr_chisq"] == pytest.approx(_series(g, "lr_chisq").iloc[0], abs=1e-8)
    assert r["lr_p"] == pytest.approx(_series(g, "lr_p").iloc[0], abs=1e-8)
    assert r["wald_p"] == pytest.approx(_series(g, "wald_p").iloc[0], abs=1e-8)
    ll = _series(g, "loglik")
    assert full.loglik == pytest.approx(ll["full"], abs=1e-8)
    assert r["reduced"].loglik == pytest.approx(ll["reduced"], abs=1e-8)
    assert r["n"] == _series(g, "n").iloc[0] and r["events"] == _series(g, "events").iloc[0]
    assert r["hr"] == pytest.approx(np.exp(coef["x1:armtest"]), rel=1e-8)
    # per-arm HR per unit of the score from the same model (covariance): abs 1e-8
    pa = r["per_arm"].set_index("arm")
    assert list(pa.index) == ["ref", "test"]
    for arm in ("ref", "test"):
        assert pa.loc[arm, "coef"] == pytest.approx(_series(g, "arm_coef")[arm], abs=1e-8)
        assert pa.loc[arm, "se"] == pytest.approx(_series(g, "arm_se")[arm], abs=1e-8)
    assert pa["n"].sum() == r["n"] and pa["events"].sum() == r["events"]


def test_contrast_interaction_restricts_to_the_two_arms(repo_golden):
    """A third arm in the data is left out: the result equals the fit on the two arms alone."""
    d = _data(repo_golden, "large")
    three = d.copy()
    three.loc[three.index[:60], "arm"] = "other"
    two = three[three["arm"] != "other"]
    a = P.contrast_interaction(three, "time", "status", "x1", "arm", test_arm="test", reference_arm="ref",
                               **SETTINGS["adjusted"])
    b = P.contrast_interaction(two, "time", "status", "x1", "arm", test_arm="test", reference_arm="ref",
                               **SETTINGS["adjusted"])
    assert a["n"] == len(two) and a["lr_df"] == 1
    assert a["coef"] == b["coef"] and a["lr_chisq"] == b["lr_chisq"]
    # the global (all-arm) test of the same data is a 2-df test and differs
    g = S.interaction_cox(three, "time", "status", "x1", "arm", reference_arm="ref")
    assert g["lr_df"] == 2


def test_contrast_interaction_guards_and_absent_arm(repo_golden):
    d = _data(repo_golden, "small")  # 15 events; the full model has 6 parameters
    with pytest.raises(ModelSkipped, match="events per parameter"):
        P.contrast_interaction(d, "time", "status", "x1", "arm", test_arm="test", reference_arm="ref",
                               **SETTINGS["adjusted"])  # default min_epv = 5: 15 / 6 = 2.5
    with pytest.raises(ModelSkipped, match="only 15 events"):
        P.contrast_interaction(d, "time", "status", "x1", "arm", test_arm="test", reference_arm="ref",
                               min_events=20, min_epv=0)
    with pytest.raises(ModelSkipped, match=r"\['VEN'\] absent .*arms present: \['ref', 'test'\]"):
        P.contrast_interaction(d, "time", "status", "x1", "arm", test_arm="VEN", reference_arm="ref")
    with pytest.raises(ModelSkipped, match="is a stratum"):
        P.contrast_interaction(d, "time", "status", "x1", "arm", test_arm="test", reference_arm="ref",
                               strata=["arm"], **NO_GUARD)


# --------------------------------------------------------------------------- splines
def test_rcs_knots_equal_hmisc_and_rms(repo_golden):
    vec = repo_golden("predictive_knot_vectors.tsv")
    g = repo_golden("predictive.tsv")
    g = g[g["setting"] == "knots"]
    n_checked = 0
    for (v, model), sub in g.groupby(["data", "model"]):
        k = int(model[1:])
        x = vec.loc[vec["vector"] == v, "value"].to_numpy(float)
        want = sub.assign(j=sub["key"].astype(int)).sort_values("j")["value"].to_numpy(float)
        got = P.rcs_knots(x, k)
        # knots: abs 1e-12 (R type-7 quantiles)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=f"{v} k={k}")
        n_checked += 1
    assert n_checked == 25
    # the special rules were exercised: the n < 100 rule and the fractied rule move the outer knots
    heap = vec.loc[vec["vector"] == "heap_low", "value"].to_numpy(float)
    assert P.rcs_knots(heap, 4)[0] > 0 == heap.min()
    small = np.sort(vec.loc[vec["vector"] == "normal_n60", "value"].to_numpy(float))
    assert P.rcs_knots(small, 3)[[0, -1]].tolist() == [small[4], small[-5]]


def test_rcs_basis_is_linear_beyond_the_outer_knots():
    t = np.array([-1.0, 0.0, 0.5, 2.0])
    x = np.linspace(2.5, 5, 6)
    B = P.rcs_basis(x, t)
    assert B.shape == (6, 3)
    np.testing.assert_allclose(np.diff(B, 2, axis=0), 0, atol=1e-9)  # linear right tail
    np.testing.assert_allclose(P.rcs_basis(np.array([-3.0, -1.0]), t)[:, 1:], 0)  # zero left of t_1


@pytest.mark.parametrize("name,k", [("large", 3), ("large", 4), ("large", 5), ("medium", 3), ("medium", 4)])
@pytest.mark.parametrize("setting", ["adjusted", "stratified"])
def test_spline_treatment_effect_equals_rms_contrast(repo_golden, name, k, setting):
    d = _data(repo_golden, name)
    g = _gold(repo_golden, name, setting, f"cox_rcs{k}")
    grid = _curve(_gold(repo_golden, name, setting, "grid"), "score")
    r = P.treatment_effect(d, "time", "status", "x1", "arm", test_arm="test", reference_arm="ref", basis="rcs",
                           knots=k, **SETTINGS[setting], **NO_GUARD)
    # knots = rms::rcs(x1, k) exactly (abs 1e-12); the default grid = R's 5th..95th percentile grid
    np.testing.assert_allclose(r["knots"], _curve(g, "knot"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(r["curve"]["score"], grid, rtol=0, atol=1e-12)
    # log HR(test vs ref) and its delta-method SE at every grid score: abs 1e-8 (measured 4e-12)
    np.testing.assert_allclose(r["curve"]["log_hr"], _curve(g, "log_hr"), rtol=0, atol=1e-8)
    np.testing.assert_allclose(r["curve"]["se_log_hr"], _curve(g, "se"), rtol=0, atol=1e-8)
    np.testing.assert_allclose(r["curve"]["hr"], np.exp(r["curve"]["log_hr"]), rtol=1e-14)
    lo = np.exp(r["curve"]["log_hr"] - 1.959963984540054 * r["curve"]["se_log_hr"])
    np.testing.assert_allclose(r["curve"]["ci_lower"], lo, rtol=1e-12)
    # LR test of the k - 1 spline x arm terms (anova(reduced, full)): abs 1e-8
    assert r["lr_df"] == k - 1 == _series(g, "lr_df").iloc[0]
    assert r["lr_chisq"] == pytest.approx(_series(g, "lr_chisq").iloc[0], abs=1e-8)
    assert r["lr_p"] == pytest.approx(_series(g, "lr_p").iloc[0], abs=1e-8)


@pytest.mark.parametrize("name", ["large", "medium", "small"])
@pytest.mark.parametrize("setting", ["adjusted", "stratified"])
def test_linear_treatment_effect_is_the_interaction_model(repo_golden, name, setting):
    """The linear special case: HR(s) = exp(b_arm + b_int s) with the interaction model's own
    covariance (var = V_aa + s^2 V_ii + 2 s V_ai), and equal to R's contrast."""
    d = _data(repo_golden, name)
    it = P.contrast_interaction(d, "time", "status", "x1", "arm", test_arm="test", reference_arm="ref",
                                **SETTINGS[setting], **NO_GUARD)
    te = P.treatment_effect(d, "time", "status", "x1", "arm", test_arm="test", reference_arm="ref",
                            basis="linear", **SETTINGS[setting], **NO_GUARD)
    full = it["full"]
    assert te["terms"] == full.terms  # the same model, term for term
    a, i = full.terms.index("arm[test]"), full.terms.index("x1:arm[test]")
    s = te["curve"]["score"].to_numpy()
    est = full.beta[a] + full.beta[i] * s
    se = np.sqrt(full.var[a, a] + s ** 2 * full.var[i, i] + 2 * s * full.var[a, i])
    # identical fits (same design, same term order): abs 1e-12
    np.testing.assert_allclose(te["curve"]["log_hr"], est, rtol=0, atol=1e-12)
    np.testing.assert_allclose(te["curve"]["se_log_hr"], se, rtol=0, atol=1e-12)
    assert te["lr_chisq"] == pytest.approx(it["lr_chisq"], abs=1e-10) and te["lr_df"] == 1
    g = _gold(repo_golden, name, setting, "curve_linear")
    np.testing.assert_allclose(te["curve"]["log_hr"], _curve(g, "log_hr"), rtol=0, atol=1e-8)
    np.testing.assert_allclose(te["curve"]["se_log_hr"], _curve(g, "se"), rtol=0, atol=1e-8)


def test_treatment_effect_guard_counts_all_spline_parameters(repo_golden):
    d = _data(repo_golden, "medium")  # 80 patients; k = 4: 3 + 1 + 3 + 3 = 10 parameters
    ev = int(d["status"].sum())
    with pytest.raises(ModelSkipped, match=f"{ev} events for 10 parameters"):
        P.treatment_effect(d, "time", "status", "x1", "arm", test_arm="test", reference_arm="ref", knots=4,
                           min_epv=ev / 10 + 0.01, **SETTINGS["adjusted"])


# --------------------------------------------------------------------------- logistic
@pytest.mark.parametrize("name", ["large", "medium"])
def test_logistic_interaction_equals_glm_anova(repo_golden, name):
    d = _data(repo_golden, name)
    resp = repo_golden("predictive_response.tsv")
    d["resp"] = resp.loc[resp["data"] == name, "resp"].to_numpy()
    g = _gold(repo_golden, name, "adjusted", "logistic")
    r = P.logistic_interaction(d, "resp", "x1", "arm", test_arm="test", reference_arm="ref",
                               min_events=1, min_epv=0, **SETTINGS["adjusted"])
    coef, se = _series(g, "coef"), _series(g, "se")
    ours = dict(zip(r["terms"], r["beta"]))
    ours_se = dict(zip(r["terms"], np.sqrt(np.diag(r["cov"]))))
    assert set(ours) == {R_NAMES[k] for k in coef.index}
    for rk, v in coef.items():
        # same IRLS as glm.fit (start, weights, stopping rule): abs 1e-10 (measured ~1e-14)
        assert ours[R_NAMES[rk]] == pytest.approx(v, abs=1e-10), rk
        assert ours_se[R_NAMES[rk]] == pytest.approx(se[rk], abs=1e-10), rk
    assert r["deviance"] == pytest.approx(_series(g, "deviance")["full"], abs=1e-10)
    assert r["lr_chisq"] == pytest.approx(_series(g, "lr_chisq").iloc[0], abs=1e-10)
    assert r["lr_p"] == pytest.approx(_series(g, "lr_p").iloc[0], abs=1e-10)
    assert r["wald_p"] == pytest.approx(_series(g, "wald_p").iloc[0], abs=1e-10)
    pa = r["per_arm"].set_index("arm")
    for arm in ("ref", "test"):
        assert pa.loc[arm, "coef"] == pytest.approx(_series(g, "arm_coef")[arm], abs=1e-10)
        assert pa.loc[arm, "se"] == pytest.approx(_series(g, "arm_se")[arm], abs=1e-10)
    assert pa["n"].sum() == r["n"] == len(d)
    assert pa["n_responders"].sum() == r["n_responders"] == d["resp"].sum()


def test_logistic_interaction_guards(repo_golden):
    d = _data(repo_golden, "large")
    resp = repo_golden("predictive_response.tsv")
    d["resp"] = resp.loc[resp["data"] == "large", "resp"].to_numpy()
    smaller = int(min(d["resp"].sum(), len(d) - d["resp"].sum()))
    # 6 non-intercept parameters: x1, arm, x2, grp[a], grp[c], x1:arm
    with pytest.raises(ModelSkipped, match=f"{smaller} observations in the smaller outcome class for 6"):
        P.logistic_interaction(d, "resp", "x1", "arm", test_arm="test", reference_arm="ref",
                               min_epv=smaller / 6 + 0.01, **SETTINGS["adjusted"])
    # complete separation within the test arm
    sep = d.copy()
    t = sep["arm"] == "test"
    sep.loc[t, "resp"] = (sep.loc[t, "x1"] > 0).astype(int)
    with pytest.raises(ModelSkipped, match="separation|converge"):
        P.logistic_interaction(sep, "resp", "x1", "arm", test_arm="test", reference_arm="ref", min_epv=0)
