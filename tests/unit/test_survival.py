"""mitoscore.survival vs the R survival 3.5-3 goldens (oracle/golden/*.tsv).

Tolerances (oracle README "Agreement" table / agreement.tsv, and the brief):
* KM surv / lower / upper (log-log): abs 1e-8 (lifelines/numpy reached 5e-13).
* KM median and its CI: abs 1e-9 (R's midpoint rule is deterministic; goldens are
  printed with 12 significant digits).
* log-rank chisq / p / expected: rel 1e-8 (README: 4e-13).
* Cox coef / HR / se / CI / Wald p: rel 1e-9 for every model, the binary ``group_high``
  included (the engine transcribes R's coxfit6 iteration: measured <= 2e-12; the goldens
  print 12 significant digits).
* concordance abs 1e-9 (README 5e-13); loglik abs 1e-6 (README 5e-10); LR chisq abs
  1e-6 (README 5e-11).
* cox.zph chisq abs 1e-6 (README: the oracle's numpy port reached 2e-8).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mitoscore import cox
from mitoscore import survival as S
from mitoscore.errors import ModelSkipped

T, E = "os_months", "os_event"
#: lifelines (the independent check) with tight convergence
LIFELINES_TIGHT = {"precision": 1e-12, "r_precision": 1e-12, "max_steps": 200}
MODELS = {"uni_z": ["mito_z"], "uni_raw": ["mito_ssgsea"], "multi_z_age": ["mito_z", "age"],
          "uni_group": ["group_high"]}


@pytest.fixture(scope="module")
def surv(golden):
    return golden("survival_input.tsv")


@pytest.fixture(scope="module")
def fits(surv):
    return {m: S.cox_fit(surv, T, E, terms) for m, terms in MODELS.items()}


def _rel(a, b):
    return abs(a / b - 1)


# --------------------------------------------------------------------------- KM
def test_km_table_matches_r_loglog(surv, golden):
    ref = golden("km_table.tsv")
    ref = ref[ref["conf_type"] == "log-log"].reset_index(drop=True)
    km = S.km_table(surv[T], surv[E], surv["group"])
    assert list(km.columns) == ["group", "time", "n_risk", "n_event", "n_censor", "surv", "std_err_logS",
                                "lower", "upper"]
    assert len(km) == len(ref) == 60
    assert (km["group"] == ref["group"]).all()
    for c in ("time", "n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(km[c].to_numpy(float), ref[c].to_numpy(float))
    for c in ("surv", "std_err_logS", "lower", "upper"):
        a, b = km[c].to_numpy(float), ref[c].to_numpy(float)
        # same NA (S = 0) and Inf (std.err at S = 0) pattern as R
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_array_equal(np.isinf(a), np.isinf(b))
        ok = np.isfinite(b)
        assert np.max(np.abs(a[ok] - b[ok])) < 1e-8  # abs 1e-8 (README: 5e-13)


def test_km_table_single_group_label():
    km = S.km_table([1, 2, 2, 3], [1, 0, 1, 1])
    assert set(km["group"]) == {"all"}
    assert km["n_risk"].tolist() == [4, 3, 1]
    # S = 1 before any event would be NA in R's log-log interval; S=0 at the end -> NA
    assert np.isnan(km["lower"].iloc[-1])


def test_km_median_matches_r(surv, golden):
    ref = golden("km_median.tsv")
    ref = ref[ref["conf_type"] == "log-log"].set_index("group")
    for grp in ("high", "low"):
        m = (surv["group"] == grp).to_numpy()
        res = S.km_median(surv[T][m], surv[E][m])
        for key, col in (("median", "median"), ("lcl", "median_lcl"), ("ucl", "median_ucl")):
            want = ref.loc[grp, col]
            if pd.isna(want):
                assert np.isnan(res[key]), (grp, key)
            else:
                assert abs(res[key] - want) < 1e-9, (grp, key)  # abs 1e-9
    # the high group is the midpoint case: S == 0.5 from 23.35 until 27.8 -> 25.575
    m = (surv["group"] == "high").to_numpy()
    assert abs(S.km_median(surv[T][m], surv[E][m])["median"] - 25.575) < 1e-12


# --------------------------------------------------------------------------- log-rank
def test_logrank_matches_survdiff(surv, golden):
    ref = golden("logrank.tsv").iloc[0]
    lr = S.logrank_test(surv[T], surv[E], surv["group"])
    assert _rel(lr["chisq"], ref["chisq"]) < 1e-8  # rel 1e-8 (README 4e-13)
    assert _rel(lr["p"], ref["p"]) < 1e-8
    assert lr["df"] == ref["df"] == 1
    assert lr["n"] == 60 and lr["events"] == 44
    assert lr["observed"] == {"high": ref["obs_high"], "low": ref["obs_low"]}
    assert _rel(lr["expected"]["high"], ref["exp_high"]) < 1e-8
    assert _rel(lr["expected"]["low"], ref["exp_low"]) < 1e-8


def test_logrank_three_groups_consistent(surv):
    # 3 groups: chisq from the first k-1 groups is invariant to which group is dropped
    g = pd.qcut(surv["mito_z"], 3, labels=["a", "b", "c"]).astype(str)
    lr = S.logrank_test(surv[T], surv[E], g)
    g2 = g.map({"a": "z", "b": "b", "c": "c"})
    lr2 = S.logrank_test(surv[T], surv[E], g2)
    assert lr["df"] == 2 and abs(lr["chisq"] - lr2["chisq"]) < 1e-9
    assert abs(sum(lr["observed"].values()) - sum(lr["expected"].values())) < 1e-9


# --------------------------------------------------------------------------- Cox
@pytest.mark.parametrize("model", list(MODELS))
def test_cox_matches_coxph(model, fits, golden):
    ref = golden("cox.tsv")
    ref = ref[ref["model"] == model].set_index("term")
    res = fits[model]
    tol = 1e-9  # measured <= 2e-12 (binary group_high included)
    assert list(res.table.columns) == ["term", "coef", "hr", "se", "z", "p", "ci_lower", "ci_upper"]
    assert res.terms == MODELS[model]
    assert res.table["term"].tolist() == ref.index.tolist()  # every R term, in R's order
    for row in res.table.itertuples():
        r = ref.loc[row.term]
        assert _rel(row.coef, r["coef"]) < tol
        assert _rel(row.hr, r["hr"]) < tol
        assert _rel(row.se, r["se"]) < tol
        assert _rel(row.z, r["z"]) < tol
        assert _rel(row.p, r["p_wald"]) < tol
        assert _rel(row.ci_lower, r["hr_lower95"]) < tol
        assert _rel(row.ci_upper, r["hr_upper95"]) < tol
    r = ref.iloc[0]
    assert abs(res.concordance - r["concordance"]) < 1e-9  # abs 1e-9
    assert abs(res.loglik - r["loglik"]) < 1e-8  # abs 1e-8 (goldens print ~1e-9)
    assert abs(res.lr_chisq - r["lr_chisq"]) < 1e-8  # abs 1e-8
    assert _rel(res.lr_p, r["lr_p"]) < 1e-6
    assert res.lr_df == len(MODELS[model])
    assert res.n == r["n"] == 60 and res.events == r["nevent"] == 44
    assert abs(res.loglik_null - (res.loglik - res.lr_chisq / 2)) < 1e-9
    assert res.beta.shape == (len(MODELS[model]),)
    assert res.var.shape == (len(MODELS[model]),) * 2


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("transform", ["km", "rank", "identity"])
def test_cox_zph_matches_survival3(model, transform, fits, surv, golden):
    ref = golden("cox_zph.tsv")
    ref = ref[(ref["model"] == model) & (ref["transform"] == transform)].reset_index(drop=True)
    z = S.cox_zph(surv, T, E, fits[model], transform=transform)
    assert list(z.columns) == ["term", "chisq", "df", "p"]
    assert z["term"].tolist() == ref["term"].tolist()  # terms then GLOBAL
    assert np.max(np.abs(z["chisq"].to_numpy() - ref["chisq"].to_numpy())) < 1e-6  # abs 1e-6
    np.testing.assert_array_equal(z["df"].to_numpy(), ref["df"].to_numpy())
    assert np.max(np.abs(z["p"].to_numpy() - ref["p"].to_numpy())) < 1e-6


def test_harrell_c_equals_r_concordance(surv, fits, golden):
    ref = golden("cox.tsv").set_index("model")
    for model in ("uni_z", "uni_group"):
        lp = surv[MODELS[model]].to_numpy(float) @ fits[model].beta
        c = S.harrell_c(surv[T], surv[E], lp)
        assert abs(c - ref.loc[model, "concordance"]) < 1e-9  # abs 1e-9 (README 5e-13)


# --------------------------------------------------------------------------- guards
def test_too_few_events_skipped(surv):
    d = surv.copy()
    d[E] = 0
    d.loc[d.index[:7], E] = 1
    with pytest.raises(ModelSkipped, match=r"only 7 events"):
        S.cox_fit(d, T, E, ["mito_z"], min_events=10)


def test_low_epv_skipped(surv):
    with pytest.raises(ModelSkipped, match="events per parameter"):
        S.cox_fit(surv, T, E, ["mito_z", "age"], min_events=10, min_epv=30)


def test_collinear_skipped(surv):
    d = surv.assign(z2=surv["mito_z"] * 2 + 1)
    with pytest.raises(ModelSkipped, match="collinear"):
        S.cox_fit(d, T, E, ["mito_z", "z2"])
    # exact linear combination of three columns (pairwise correlations < 0.999)
    rng = np.random.default_rng(3)
    d = surv.assign(a=rng.normal(size=60), b=rng.normal(size=60))
    d["c"] = d["a"] + d["b"]
    with pytest.raises(ModelSkipped, match="collinear"):
        S.cox_fit(d, T, E, ["a", "b", "c"], min_epv=1)


def test_constant_covariate_skipped(surv):
    with pytest.raises(ModelSkipped, match="constant"):
        S.cox_fit(surv.assign(k=1.0), T, E, ["mito_z", "k"])


def test_separation_skipped(surv):
    # a covariate that perfectly orders the event times -> monotone likelihood
    d = surv.assign(sep=-surv[T].rank().to_numpy())
    d[E] = 1
    with pytest.raises(ModelSkipped, match="infinite|converge|separation"):
        S.cox_fit(d, T, E, ["sep"])


def test_missing_rows_dropped(surv):
    d = surv.copy()
    d.loc[d.index[:3], "age"] = np.nan
    res = S.cox_fit(d, T, E, ["mito_z", "age"])
    assert res.n == 57 and res.n_dropped == 3


# --------------------------------------------------------------------------- design matrix
def test_design_matrix_reference_levels():
    df = pd.DataFrame({"age": [50, 60, np.nan, 70, 65, 55],
                       "eln": ["adverse", "favorable", "intermediate", "favorable", "adverse", "intermediate"],
                       "sex": ["M", "F", "F", "M", "M", "F"]}, index=list("abcdef"))
    dm = S.design_matrix(df, ["age", "eln", "sex"], {"eln": "favorable"})
    assert list(dm.columns) == ["age", "eln[adverse]", "eln[intermediate]", "sex[M]"]  # sex ref = "F" (sorted)
    assert dm.attrs["n_dropped"] == 1 and list(dm.index) == list("abdef")
    assert dm.loc["b", ["eln[adverse]", "eln[intermediate]"]].sum() == 0  # favorable = reference
    assert dm.loc["a", "eln[adverse]"] == 1 and dm.loc["f", "eln[intermediate]"] == 1
    with pytest.raises(ModelSkipped, match="reference level 'poor'"):
        S.design_matrix(df, ["eln"], {"eln": "poor"})
    # numeric codes declared categorical
    dm2 = S.design_matrix(pd.DataFrame({"risk": [1, 2, 3, 2]}), ["risk"], {"risk": "2"})
    assert list(dm2.columns) == ["risk[1]", "risk[3]"]
    assert dm2["risk[1]"].tolist() == [1, 0, 0, 0] and dm2["risk[3]"].tolist() == [0, 0, 1, 0]
    # non-integer numeric codes: column names and 0/1 indicators use the same labels
    dm3 = S.design_matrix(pd.DataFrame({"dose": [1.5, 2, 3, 2]}), ["dose"], {"dose": "1.5"})
    assert list(dm3.columns) == ["dose[2.0]", "dose[3.0]"]
    assert dm3["dose[2.0]"].tolist() == [0, 1, 0, 1] and dm3["dose[3.0]"].tolist() == [0, 0, 1, 0]


def test_categorical_cox_and_zph_grouping(surv):
    rng = np.random.default_rng(7)
    d = surv.assign(eln=rng.choice(["fav", "int", "adv"], size=60))
    dm = S.design_matrix(d, ["mito_z", "eln"], {"eln": "int"})
    assert list(dm.columns) == ["mito_z", "eln[adv]", "eln[fav]"]
    data = dm.join(d[[T, E]])
    res = S.cox_fit(data, T, E, list(dm.columns))
    assert res.table["term"].tolist() == ["mito_z", "eln[adv]", "eln[fav]"]
    z = S.cox_zph(data, T, E, res)
    # the two dummies form one 2-df term (as R's cox.zph for a factor)
    assert z["term"].tolist() == ["mito_z", "eln", "GLOBAL"]
    assert z["df"].tolist() == [1, 2, 3]


def test_stratified_fit_matches_lifelines(surv):
    from lifelines import CoxPHFitter
    d = surv.assign(site=np.where(np.arange(60) % 3 == 0, "A", "B"))
    res = S.cox_fit(d, T, E, ["mito_z", "age"], strata=["site"])
    cph = CoxPHFitter().fit(d[[T, E, "mito_z", "age", "site"]], T, E, strata=["site"],
                            fit_options=LIFELINES_TIGHT)
    assert np.max(np.abs(res.beta - cph.params_[["mito_z", "age"]].to_numpy())) < 1e-6
    assert abs(res.loglik - cph.log_likelihood_) < 1e-6
    z = S.cox_zph(d, T, E, res)
    assert z["term"].tolist() == ["mito_z", "age", "GLOBAL"] and np.isfinite(z["chisq"]).all()
    # internal consistency of the stratified zph1 port: at the stratified MLE the beta part
    # of the score is 0 and the beta block of the information is the Cox information
    X = d[["mito_z", "age"]].to_numpy(float)
    sc = S._strata_codes(d, ["site"])
    t, e = d[T].to_numpy(float), d[E].to_numpy(float)
    u, imat = S._zph_score(np.zeros(60), t, e, X, (X - X.mean(0)) @ res.beta, sc)
    rs = cox.RiskSets(t, e, sc)
    _, _, info = cox._efron(rs, rs.sort(X), res.beta)
    assert np.max(np.abs(u[:2])) < 1e-8
    assert np.max(np.abs(imat[:2, :2] - info)) < 1e-8 * np.max(np.abs(info))
    np.testing.assert_allclose(np.linalg.inv(info), res.var, rtol=1e-8)


def test_small_scale_covariate_not_skipped(surv):
    # lifelines' low-variance heuristics must not skip a valid fit of a small-scale score
    res = S.cox_fit(surv.assign(tiny=surv["mito_ssgsea"] * 1e-3), T, E, ["tiny"])
    assert abs(res.table["z"].iloc[0] - 3.13982850883) < 1e-6  # z is scale-invariant (cox.tsv)


# --------------------------------------------------------------------------- interaction
def _sim_interaction(n=600, seed=11):
    rng = np.random.default_rng(seed)
    arm = rng.choice(["AZA", "AraC"], size=n)
    x = rng.normal(size=n)
    # score is protective under AraC (log HR -0.7) and harmful under AZA (+0.4)
    lh = np.where(arm == "AraC", -0.7 * x - 0.2, 0.4 * x)
    t = rng.exponential(size=n) * np.exp(-lh)
    c = rng.uniform(0.5, 4, size=n)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "score": x, "arm": arm,
                         "age": rng.normal(60, 10, size=n)})


def test_interaction_recovers_planted_effect():
    d = _sim_interaction()
    res = S.interaction_cox(d, "time", "event", "score", "arm", reference_arm="AZA", covariates=["age"])
    pa = res["per_arm"].set_index("arm")
    assert list(res["per_arm"].columns) == ["arm", "hr", "ci_lower", "ci_upper", "p", "n", "events"]
    assert res["per_arm"]["arm"].tolist() == ["AZA", "AraC"]  # reference first
    assert pa.loc["AZA", "hr"] > 1 and pa.loc["AraC", "hr"] < 1
    assert pa.loc["AraC", "ci_upper"] < 1 and pa.loc["AZA", "ci_lower"] > 1
    assert res["lr_df"] == 1 and res["lr_p"] < 1e-6
    assert pa["n"].sum() == len(d) and pa["events"].sum() == d["event"].sum()
    assert "score:arm[AraC]" in res["table"]["term"].tolist()
    # the per-arm HR of a non-reference arm equals the HR from fitting that arm alone
    # only approximately (shared baseline/covariates); but the reference arm's HR is exp(b_score)
    b = res["table"].set_index("term").loc["score", "coef"]
    assert abs(np.log(pa.loc["AZA", "hr"]) - b) < 1e-12


def test_interaction_missing_reference_arm():
    d = _sim_interaction(n=200)
    with pytest.raises(ModelSkipped, match="reference level"):
        S.interaction_cox(d, "time", "event", "score", "arm", reference_arm="VEN")


# --------------------------------------------------------------------------- discrimination
def _sim_surv(n=400, seed=5, censor=True):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(size=n) * np.exp(-0.8 * x)
    if censor:
        c = rng.exponential(size=n) * 1.5
        return np.minimum(t, c), (t <= c).astype(float), x, t
    return t, np.ones(n), x, t


def test_perfect_and_random_risk():
    t, e, x, _ = _sim_surv()
    perfect = -t  # shorter time = higher risk
    assert S.harrell_c(t, e, perfect) == 1.0
    assert S.uno_c(t, e, perfect) == 1.0
    auc = S.td_auc(t, e, perfect, [0.5, 1.0])
    assert np.allclose(auc["auc"], 1.0)
    rng = np.random.default_rng(0)
    noise = rng.normal(size=t.size)
    assert abs(S.harrell_c(t, e, noise) - 0.5) < 0.06
    assert abs(S.uno_c(t, e, noise) - 0.5) < 0.06
    assert np.all(np.abs(S.td_auc(t, e, noise, [0.5, 1.0])["auc"] - 0.5) < 0.08)
    assert S.harrell_c(t, e, np.zeros(t.size)) == 0.5  # all risks tied


def test_uno_equals_harrell_without_censoring():
    t, e, x, _ = _sim_surv(censor=False)
    assert abs(S.uno_c(t, e, x) - S.harrell_c(t, e, x)) < 1e-12


def test_harrell_matches_lifelines_with_ties():
    from lifelines.utils import concordance_index
    t, e, x, _ = _sim_surv(n=500)
    t, x = np.round(t, 1), np.round(x, 1)  # ties in time and in risk
    assert abs(S.harrell_c(t, e, x) - concordance_index(t, -x, e)) < 1e-12


def test_td_auc_no_cases_is_nan():
    t, e, x, _ = _sim_surv()
    auc = S.td_auc(t, e, x, [1e-9, 1e9])
    assert list(auc.columns) == ["horizon", "auc", "n_cases", "n_controls"] and auc["auc"].isna().all()


def test_bootstrap_ci_is_seeded():
    t, e, x, _ = _sim_surv(n=700)
    r1 = S.bootstrap_ci(S.harrell_c, (t, e, x), n_boot=300, seed=42)
    r2 = S.bootstrap_ci(S.harrell_c, (t, e, x), n_boot=300, seed=42)
    assert r1 == r2
    assert r1["ci_lower"] < r1["estimate"] < r1["ci_upper"] and r1["n_boot"] == 300
    assert set(r1) == {"estimate", "ci_lower", "ci_upper", "n_boot", "n_boot_failed"} and r1["n_boot_failed"] == 0


def _cgain_data(n=400, seed=9):
    rng = np.random.default_rng(seed)
    age = rng.normal(60, 10, n)
    x = rng.normal(size=n)
    site = rng.choice(["A", "B"], n)
    t = rng.exponential(size=n) * np.exp(-(0.03 * (age - 60) + 0.8 * x + 0.7 * (site == "B")))
    c = rng.exponential(size=n) * 2
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "age": age, "score": x,
                         "site": site})


def test_c_gain():
    d = _cgain_data()
    res = S.c_gain(d, "time", "event", ["age"], "score", n_boot=50, seed=1)
    assert res["c_full"] > res["c_clinical"] and abs(res["delta"] - (res["c_full"] - res["c_clinical"])) < 1e-15
    assert res["delta_ci_lower"] > 0 and res["delta_ci_lower"] < res["delta"] < res["delta_ci_upper"]
    assert res["n_boot_used"] == 50 and res["n_boot_failed"] == 0 and res["failure_reasons"] == ""
    res0 = S.c_gain(d, "time", "event", ["age"], "score")
    assert np.isnan(res0["delta_ci_lower"]) and res0["n_boot_used"] == 0 and np.isnan(res0["delta_corrected"])


def test_c_gain_optimism_is_harrells_definition():
    """optimism = mean_b [C gain of the resample's models in the resample - the same models
    on the original data]; corrected = apparent - optimism (recomputed here by hand from
    the same resamples: survival.bootstrap with the same seed)."""
    d = _cgain_data(n=200, seed=4)
    res = S.c_gain(d, "time", "event", ["age"], "score", n_boot=30, seed=5)
    t, e = d["time"].to_numpy(float), d["event"].to_numpy(float)
    X = d[["age", "score"]].to_numpy(float)
    rng = np.random.default_rng(5)
    opt = []
    for _ in range(30):
        idx = rng.integers(0, len(d), len(d))
        full = S.cox_fit(d.iloc[idx], "time", "event", ["age", "score"], min_events=1, min_epv=0)
        clin = S.cox_fit(d.iloc[idx], "time", "event", ["age"], min_events=1, min_epv=0)
        app = S.harrell_c(t[idx], e[idx], X[idx] @ full.beta) - S.harrell_c(t[idx], e[idx], X[idx, :1] @ clin.beta)
        test = S.harrell_c(t, e, X @ full.beta) - S.harrell_c(t, e, X[:, :1] @ clin.beta)
        opt.append(app - test)
    assert res["optimism"] == pytest.approx(np.mean(opt), abs=1e-12)
    assert res["delta_corrected"] == pytest.approx(res["delta"] - np.mean(opt), abs=1e-12)
    assert res["optimism"] > 0  # in-sample C gain is optimistic
    assert res["delta_corrected_ci_lower"] == pytest.approx(res["delta_ci_lower"] - res["optimism"], abs=1e-15)


def test_c_gain_uses_the_strata():
    """The multivariable model's strata are part of both models (C within strata, as coxph)."""
    d = _cgain_data()
    st = S.c_gain(d, "time", "event", ["age"], "score", strata=["site"])
    full = S.cox_fit(d, "time", "event", ["age", "score"], strata=["site"])
    clin = S.cox_fit(d, "time", "event", ["age"], strata=["site"])
    assert st["c_full"] == full.concordance and st["c_clinical"] == clin.concordance
    assert st["strata"] == "site"
    assert st["c_full"] != S.c_gain(d, "time", "event", ["age"], "score")["c_full"]


def test_c_gain_counts_failed_resamples():
    """A resample where a binary covariate is constant cannot refit the model: counted, not
    silently dropped (n_boot_used + n_boot_failed = n_boot)."""
    d = _cgain_data(n=60, seed=2)
    d["rare"] = 0.0
    d.loc[d.index[:2], "rare"] = 1.0  # absent from ~13% of resamples
    res = S.c_gain(d, "time", "event", ["age", "rare"], "score", n_boot=40, seed=3, min_epv=1)
    assert res["n_boot_failed"] > 0 and res["n_boot_used"] + res["n_boot_failed"] == 40
    assert "rare" in res["failure_reasons"] and "constant" in res["failure_reasons"]


def test_bootstrap_counts_failures_by_reason():
    def stat(idx):
        if idx[0] % 2:
            raise ModelSkipped("covariate 'x' is constant (value 0); cannot estimate its effect")
        return [1.0, 2.0]
    bs = S.bootstrap(stat, 10, n_boot=50, seed=1)
    assert bs.values.shape == (50, 2) and 0 < bs.n_failed < 50
    assert list(bs.failures) == ["covariate 'x' is constant (value #); cannot estimate its effect"]
    lo, hi, used = bs.percentile_ci()
    assert (used == 50 - bs.n_failed).all() and lo.tolist() == [1.0, 2.0]


# --------------------------------------------------------------------------- R goldens on tied data
def _markers(d):
    return {"x1": d["x1"].to_numpy(float), "x1_round": np.round(d["x1"].to_numpy(float)),
            "lp": 0.6 * d["x1"].to_numpy(float) - 0.3 * d["x2"].to_numpy(float)}


def test_uno_c_equals_r_concordance_n_g2(repo_golden):
    """survival::concordance(timewt = "n/G2", ymax = tau, reverse = TRUE) on tied integer-month
    data (tests/golden/uno_c.R): ties in time and in risk, deaths tied with censorings, tau
    an event time / a censoring time / unobserved / none; n = 300 and n = 25."""
    gold = repo_golden("uno_c.tsv")
    gold = gold[gold["timewt"] == "n/G2"]
    assert len(gold) == 39
    worst = 0.0
    for r in gold.itertuples():
        d = repo_golden(f"tied_{r.data}.tsv")
        tau = None if pd.isna(r.tau) else float(r.tau)
        c = S.uno_c(d["time"], d["status"], _markers(d)[r.marker], tau=tau)
        worst = max(worst, abs(c - r.concordance))
    assert worst < 1e-8  # abs 1e-8 (measured 2.2e-16)


def test_harrell_c_equals_r_concordance_on_tied_data(repo_golden):
    """concordance(timewt = "n") without ymax (tests/golden/uno_c.R) = Harrell's C, ties included."""
    gold = repo_golden("uno_c.tsv")
    gold = gold[(gold["timewt"] == "n") & gold["tau"].isna()]
    assert len(gold) == 6
    for r in gold.itertuples():
        d = repo_golden(f"tied_{r.data}.tsv")
        assert abs(S.harrell_c(d["time"], d["status"], _markers(d)[r.marker]) - r.concordance) < 1e-12


def test_uno_c_keeps_events_at_tau(repo_golden):
    """R's ymax keeps events at T = tau (timewt[etime > ymax] <- 0): tau = 12 (an event time)
    differs from tau just below 12."""
    d = repo_golden("tied_large.tsv")
    x = d["x1"].to_numpy(float)
    gold = repo_golden("uno_c.tsv").query("data == 'large' and marker == 'x1' and timewt == 'n/G2' and tau == 12")
    assert S.uno_c(d["time"], d["status"], x, tau=12) == pytest.approx(gold["concordance"].iloc[0], abs=1e-12)
    assert S.uno_c(d["time"], d["status"], x, tau=11.999) != pytest.approx(gold["concordance"].iloc[0], abs=1e-6)


def test_td_auc_equals_timeroc_marginal(repo_golden):
    """timeROC 0.4 marginal AUC (transcribed in tests/golden/td_auc.R with pec::ipcw weights):
    horizons at event times, at death/censoring ties, at censoring-only times and unobserved."""
    gold = repo_golden("td_auc.tsv")
    worst = 0.0
    for (name, marker), sub in gold.groupby(["data", "marker"]):
        d = repo_golden(f"tied_{name}.tsv")
        res = S.td_auc(d["time"], d["status"], _markers(d)[marker], sub["horizon"].to_numpy(float))
        assert res["n_cases"].tolist() == sub["cases"].tolist()  # T < t and an event
        assert res["n_controls"].tolist() == sub["controls"].tolist()  # T > t
        assert (res["auc"].isna().to_numpy() == sub["auc"].isna().to_numpy()).all()
        worst = max(worst, float(np.nanmax(np.abs(res["auc"].to_numpy() - sub["auc"].to_numpy()))))
    assert worst < 1e-8  # abs 1e-8 (measured 3.3e-16)


def test_td_auc_min_cases_guard(repo_golden):
    d = repo_golden("tied_small.tsv")
    res = S.td_auc(d["time"], d["status"], d["x1"], [5, 23], min_cases=8)
    assert res["n_cases"].tolist() == [5, 14]
    assert np.isnan(res["auc"].iloc[0]) and np.isfinite(res["auc"].iloc[1])
