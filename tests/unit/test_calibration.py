"""mitoscore.calibration vs R (tests/golden/frozen_validation.R: survival 3.5-3 coxph/basehaz/predict,
riskRegression predictCox via pec::predictSurvProb, pec::pec / crps with cens.model = "marginal",
glm Poisson) on tied integer-month data: a 200/100 split of tied_large and tied_large -> tied_small
(n = 25), a univariable model and a stratified multivariable model with a factor covariate.

Tolerances (measured agreement in brackets): abs 1e-10 for every quantity computed from the
same Cox fit [<= 6e-15], except the CITL SE, p and O/E CI, abs 1e-8 [<= 5e-9]: R's glm
reports the SE from the working weights of its last IRLS iteration, not at the converged
estimate whose closed form (SE = 1/sqrt(O)) is used here."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mitoscore import calibration as C
from mitoscore import survival as S
from mitoscore.errors import ModelSkipped

HORIZONS = [6.5, 12.0, 24.0]
TAU = 24.0
TOL = 1e-10


def _cases(repo_golden):
    large, small = repo_golden("tied_large.tsv"), repo_golden("tied_small.tsv")
    return {"split": (large.iloc[:200].copy(), large.iloc[200:].reset_index(drop=True).copy(), 5),
            "small": (large.copy(), small.copy(), 3)}


def _fit(disc: pd.DataFrame, model: str):
    """The discovery fit of the golden (z = frozen standardised x1)."""
    if model == "uni":
        dm, strata = disc[["z"]], None
    else:
        dm, strata = S.design_matrix(disc, ["z", "x2", "grp"], {"grp": "b"}), ["arm"]
    data = dm.join(disc[["time", "status", "arm"]])
    res = S.cox_fit(data, "time", "status", list(dm.columns), strata=strata)
    return res, data[list(dm.columns)].to_numpy(float) @ res.beta


def _design_val(val: pd.DataFrame, model: str) -> np.ndarray:
    if model == "uni":
        return val[["z"]].to_numpy(float)
    return np.c_[val.z, val.x2, (val.grp == "a").astype(float), (val.grp == "c").astype(float)]


@pytest.fixture(scope="module")
def fitted(repo_golden):
    """Per (case, model): everything the golden compares, computed with mitoscore."""
    out = {}
    for cs, (disc, val, ng) in _cases(repo_golden).items():
        m, s = disc.x1.mean(), disc.x1.std(ddof=1)
        disc["z"], val["z"] = (disc.x1 - m) / s, (val.x1 - m) / s
        for model in ("uni", "multi"):
            res, lp_disc = _fit(disc, model)
            strat = model == "multi"
            base, max_time = C.baseline_cumhaz(disc.time, disc.status, lp_disc, disc.arm.values if strat else None)
            lp = _design_val(val, model) @ res.beta
            keys = val.arm.to_numpy(object) if strat else np.array([C.ALL] * len(val), dtype=object)
            out[(cs, model)] = dict(res=res, base=base, max_time=max_time, lp=lp, keys=keys, val=val, disc=disc,
                                    groups=ng, strat=strat)
    return out


def _gold(repo_golden, name, cs, model):
    g = repo_golden(f"frozen_validation_{name}.tsv")
    return g[(g["case"] == cs) & (g["model"] == model)]


CASES = [(c, m) for c in ("split", "small") for m in ("uni", "multi")]


@pytest.mark.parametrize("cs,model", CASES)
def test_baseline_hazard_equals_basehaz(repo_golden, fitted, cs, model):
    f = fitted[(cs, model)]
    g = _gold(repo_golden, "basehaz", cs, model)
    np.testing.assert_allclose(f["res"].beta, _gold(repo_golden, "coef", cs, model)["coef"], rtol=0, atol=TOL)
    keys = g["strata"].to_numpy(object) if f["strat"] else np.array([C.ALL] * len(g), dtype=object)
    # R lists every distinct time (censorings too); the step function must agree at each
    np.testing.assert_allclose(C.cumhaz_at(f["base"], keys, g["time"]), g["hazard"], rtol=0, atol=TOL)
    # ties really occur (several deaths at one time) and the Efron correction matters there
    d = f["disc"]
    assert d[d.status == 1].groupby("time").size().max() >= 3


@pytest.mark.parametrize("cs,model", CASES)
def test_lp_expected_and_survival_equal_predict(repo_golden, fitted, cs, model):
    f = fitted[(cs, model)]
    g = _gold(repo_golden, "pred", cs, model)
    np.testing.assert_allclose(f["lp"], g["lp"], rtol=0, atol=TOL)
    ex = C.expected_events(f["base"], f["keys"], f["lp"], f["val"].time)
    np.testing.assert_allclose(ex, g["expected"], rtol=0, atol=TOL)
    P = C.predict_survival(f["base"], f["max_time"], f["keys"], f["lp"], HORIZONS)
    gs = _gold(repo_golden, "surv", cs, model).pivot(index="id", columns="horizon", values="surv")
    np.testing.assert_allclose(P, gs[HORIZONS].to_numpy(), rtol=0, atol=TOL)


@pytest.mark.parametrize("cs,model", CASES)
def test_slope_citl_brier_ibs_equal_r(repo_golden, fitted, cs, model):
    f = fitted[(cs, model)]
    val = f["val"]
    gc = _gold(repo_golden, "calibration", cs, model).iloc[0]
    sl = C.calibration_slope(val.time, val.status, f["lp"], f["keys"] if f["strat"] else None)
    for k, col in (("slope", "slope"), ("se", "slope_se"), ("lower", "slope_lower"), ("upper", "slope_upper"),
                   ("p_eq1", "slope_p_eq1")):
        assert sl[k] == pytest.approx(gc[col], abs=TOL), k
    ex = C.expected_events(f["base"], f["keys"], f["lp"], val.time)
    ci = C.calibration_in_the_large(val.status, ex)
    assert ci["observed"] == gc["observed"] and ci["expected"] == pytest.approx(gc["expected"], abs=TOL)
    assert ci["intercept"] == pytest.approx(gc["citl_intercept"], abs=TOL)
    for k, col in (("se", "citl_se"), ("p", "citl_p"), ("oe_lower", "oe_lower"), ("oe_upper", "oe_upper")):
        assert ci[k] == pytest.approx(gc[col], abs=1e-8), k  # glm's last-iteration SE (module docstring)
    # Brier curve on the exact grid (pec exact = FALSE, times = grid) and IBS (crps)
    gb = _gold(repo_golden, "brier", cs, model)
    grid = C.brier_grid(val.time, f["base"]["time"], HORIZONS, TAU)
    np.testing.assert_array_equal(grid, gb["time"].to_numpy())
    P = C.predict_survival(f["base"], f["max_time"], f["keys"], f["lp"], grid)
    bs = C.brier_curve(val.time, val.status, P, grid)
    bn = C.brier_curve(val.time, val.status, C.km_survival(val.time, val.status, grid), grid)
    np.testing.assert_allclose(bs, gb["brier_model"], rtol=0, atol=TOL)
    np.testing.assert_allclose(bn, gb["brier_null"], rtol=0, atol=TOL)
    assert C.integrated_brier(grid, bs, TAU) == pytest.approx(gc["ibs_model"], abs=TOL)
    assert C.integrated_brier(grid, bn, TAU) == pytest.approx(gc["ibs_null"], abs=TOL)
    # the data exercise what the golden is for: deaths tied with censorings in the validation set
    tied = val.groupby("time")["status"].agg(["min", "max"])
    assert ((tied["min"] == 0) & (tied["max"] == 1)).any()


@pytest.mark.parametrize("cs,model", CASES)
def test_calibration_curve_equals_km_by_group(repo_golden, fitted, cs, model):
    f = fitted[(cs, model)]
    val, disc = f["val"], f["disc"]
    P = C.predict_survival(f["base"], f["max_time"], f["keys"], f["lp"], HORIZONS)
    frozen = np.where(val.x1 > disc.x1.median(), "high", "low")
    cur = pd.concat([C.calibration_curve(val.time, val.status, P, HORIZONS, frozen, grouping="frozen_group"),
                     C.calibration_curve(val.time, val.status, P, HORIZONS, C.quantile_groups(f["lp"], f["groups"]),
                                         grouping="lp_quantile")])
    g = _gold(repo_golden, "curve", cs, model)
    mg = cur.merge(g, on=["grouping", "group", "horizon"], suffixes=("", "_r"), validate="1:1")
    assert len(mg) == len(g) == len(cur)
    assert (mg["n"] == mg["n_r"]).all() and (mg["events"] == mg["events_r"]).all()
    for col in ("predicted", "observed", "observed_lower", "observed_upper"):
        assert (mg[col].isna() == mg[f"{col}_r"].isna()).all(), col
        np.testing.assert_allclose(mg[col], mg[f"{col}_r"], rtol=0, atol=TOL, equal_nan=True)


def test_brier_and_km_are_undefined_after_follow_up_and_ibs_needs_the_whole_range():
    t = np.array([1.0, 2, 2, 3, 5, 8])
    e = np.array([1, 0, 1, 1, 0, 1])
    grid = np.array([0.0, 1, 2, 5, 8, 9])
    bs = C.brier_curve(t, e, np.full((6, 6), 0.5), grid)
    assert np.isnan(bs[-1]) and np.isfinite(bs[:-1]).all()  # G undefined after the last time (pec: NA)
    assert bs[0] == pytest.approx(0.25)  # nobody has died at 0: (1 - 0.5)^2 / G(0) with G(0) = 1
    assert math.isnan(C.integrated_brier(grid, bs, 9.0))
    assert math.isnan(C.integrated_brier(grid, bs, 10.0))
    assert C.integrated_brier(grid[:-1], bs[:-1], 8.0) == pytest.approx(
        (bs[0] * 1 + bs[1] * 1 + bs[2] * 3 + bs[3] * 3) / 8)  # left-endpoint step integration (pec Dint)
    assert math.isnan(C.km_at(t, e, 8.5)[0])
    s, lo, hi = C.km_at(t, e, 0.5)
    assert s == 1.0 and math.isnan(lo) and math.isnan(hi)
    assert np.isnan(C.km_survival(t, e, [9.0])).all()


def test_predictions_stop_at_the_discovery_follow_up_and_expected_is_held_constant():
    t = np.array([1.0, 2, 3, 4, 6])
    e = np.array([1, 1, 0, 1, 0])
    base, max_time = C.baseline_cumhaz(t, e, np.zeros(5))
    assert max_time == {C.ALL: 6.0}
    # Breslow without ties: 1/5, 1/4, 1/2 at times 1, 2, 4
    np.testing.assert_allclose(base["cumhaz"], np.cumsum([1 / 5, 1 / 4, 1 / 2]), rtol=0, atol=1e-15)
    keys = np.array([C.ALL, C.ALL], dtype=object)
    P = C.predict_survival(base, max_time, keys, np.zeros(2), [4.0, 6.0, 7.0])
    assert np.isfinite(P[:, :2]).all() and np.isnan(P[:, 2]).all()
    ex = C.expected_events(base, keys, np.zeros(2), [10.0, 0.5])
    assert ex[0] == pytest.approx(0.95) and ex[1] == 0.0
    # a stratum without events has no hazard; tied deaths get the Efron correction
    b2, _ = C.baseline_cumhaz([1, 1, 2], [1, 1, 0], [0.0, 0.0, 0.0])
    assert b2["cumhaz"].iloc[0] == pytest.approx(1 / 3 + 1 / (3 - 0.5 * 2))


def test_citl_slope_and_groups_edge_cases():
    ci = C.calibration_in_the_large([0, 0, 0], [0.1, 0.2, 0.3])
    assert math.isnan(ci["oe"]) and ci["observed"] == 0
    ci = C.calibration_in_the_large([1, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
    assert ci["oe"] == pytest.approx(1.5) and ci["se"] == pytest.approx(1 / math.sqrt(3))
    with pytest.raises(ModelSkipped, match="events"):
        C.calibration_slope([1, 2, 3], [1, 0, 1], [0.1, 0.2, 0.3])
    g = C.quantile_groups([1.0, 1, 1, 1, 2, 3], 4)  # tied quantiles are merged, never an error
    assert set(g) <= {"Q1", "Q2", "Q3"} and g[0] == "Q1" and g[-1] != "Q1"
    assert list(C.quantile_groups([3.0, 1, 2], 1)) == ["all"] * 3
    assert C.n_calibration_groups(85, 5, 10) == 5
    assert C.n_calibration_groups(35, 5, 10) == 3
    assert C.n_calibration_groups(15, 5, 10) == 1


def test_written_out_normal_quantile_is_scipys():
    """calibration.Z975 (written out so that no job imports scipy.stats for it; predictive uses
    the same constant) is float(scipy.stats.norm.ppf(0.975)) bit for bit."""
    from scipy.stats import norm

    from mitoscore import calibration, predictive

    assert calibration.Z975 == float(norm.ppf(0.975))
    assert predictive._Z975 is calibration.Z975
