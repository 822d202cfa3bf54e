"""The bootstrap computed for all resamples at once equals the resample-by-resample loop.

``survival.discrimination_resamples`` (Harrell C, Uno C, td-AUC) and ``survival._c_gain_resamples``
(C gain optimism, Cox refits by ``cox.fit_weighted``) against ``survival.bootstrap`` driving the
scalar functions (``harrell_c``, ``uno_c``, ``td_auc``, ``_fit_arrays``) on tied integer-month
data (n = 300 and n = 25, tests/golden/make_tied_data.R) and on tiny data where resamples
have no event, no case, no control or a constant covariate. Tolerances next to each assertion.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mitoscore import cox as cox_engine
from mitoscore import survival as S
from mitoscore.analysis import discrimination_row


def _loop_measures(t, e, r, horizons, tau, min_cases):
    """The per-resample statistics exactly as analysis.discrimination_row computed them before."""
    tf = S.aeq_times(t)

    def measures(rows):
        auc = S.td_auc(t[rows], e[rows], r[rows], horizons, min_cases=min_cases)["auc"].tolist() if horizons else []
        return [S.harrell_c(tf[rows], e[rows], r[rows], timefix=False),
                S.uno_c(tf[rows], e[rows], r[rows], tau=tau, timefix=False), *auc]
    return measures, tf


def _tiny():
    """n = 12, 3 events, ties: resamples without events, without cases before a horizon,
    without controls after it."""
    t = np.array([1, 2, 2, 3, 5, 5, 8, 8, 9, 12, 12, 15], float)
    e = np.array([0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], float)
    r = np.array([0.5, 2.0, 0.5, -1.0, 1.0, 1.0, 0.0, 0.3, 2.0, -0.2, 0.3, 0.0])
    return t, e, r


def _data(repo_golden, name):
    if name == "tiny":
        return _tiny()
    d = repo_golden(f"tied_{name}.tsv")
    return d["time"].to_numpy(float), d["status"].to_numpy(float), d["x1"].to_numpy(float)


def test_bootstrap_indices_are_the_loops_resamples():
    seen = S.bootstrap(lambda idx: idx.astype(float), 17, n_boot=40, seed=5).values
    assert np.array_equal(seen, S.bootstrap_indices(17, 40, 5))  # exact
    w = S.resample_weights(S.bootstrap_indices(17, 40, 5), 17)
    assert np.array_equal(w, np.stack([np.bincount(i, minlength=17) for i in S.bootstrap_indices(17, 40, 5)]))


@pytest.mark.parametrize("name,horizons,tau,min_cases,n_boot", [
    ("large", (12.0, 24.0, 36.0), None, 5, 150),
    ("large", (24.0,), 30.0, 1, 100),
    ("small", (6.0, 12.0), None, 1, 400),
    ("small", (12.0,), 10.0, 3, 400),
    ("tiny", (2.0, 6.0, 14.0), None, 1, 500),
    ("tiny", (), 8.0, 1, 300),
])
def test_discrimination_resamples_equal_the_loop(repo_golden, name, horizons, tau, min_cases, n_boot):
    t, e, r = _data(repo_golden, name)
    measures, tf = _loop_measures(t, e, r, list(horizons), tau, min_cases)
    loop = S.bootstrap(measures, t.size, n_boot=n_boot, seed=11)
    idx = S.bootstrap_indices(t.size, n_boot, 11)
    got = S.discrimination_resamples(t, e, r, idx, horizons=horizons, tau=tau, min_cases=min_cases, time_c=tf)
    assert loop.failures == {}  # the scalar functions never raise here: the vectorised path reports none either
    assert got.shape == loop.values.shape
    assert np.array_equal(np.isnan(got), np.isnan(loop.values))  # undefined in exactly the same resamples
    assert np.array_equal(got[:, 0], loop.values[:, 0], equal_nan=True)  # Harrell: exact pair counts, tolerance 0
    assert np.nanmax(np.abs(got - loop.values)) <= 1e-12  # Uno / AUC: summation order only (abs 1e-12)
    if name == "tiny":  # the degenerate cases really occur
        assert np.isnan(got).any(axis=0)[: 2 + len(horizons)].any()


def test_discrimination_row_equals_the_loop_version(repo_golden):
    """The table row (estimates, CIs, n_boot_failed) of analysis.discrimination_row."""
    for name in ("small", "tiny"):
        t, e, r = _data(repo_golden, name)
        hs = [6.0, 12.0]
        row = discrimination_row(t, e, r, horizons=hs, tau=None, min_cases=1, n_boot=300, seed=3)
        measures, _ = _loop_measures(t, e, r, hs, None, 1)
        bs = S.bootstrap(measures, t.size, n_boot=300, seed=3)
        lo, hi, _ = bs.percentile_ci(0.95)
        est = np.asarray(measures(np.arange(t.size)), float)
        lo, hi = np.where(np.isfinite(est), lo, np.nan), np.where(np.isfinite(est), hi, np.nan)
        names = ["harrell_c", "uno_c", "auc_6m", "auc_12m"]
        assert row["n_boot_failed"] == bs.n_failed == 0
        for j, nm in enumerate(names):
            for got, want in ((row[f"{nm}_lower"], lo[j]), (row[f"{nm}_upper"], hi[j])):
                assert (np.isnan(got) and np.isnan(want)) or abs(got - want) <= 1e-12, (name, nm)  # abs 1e-12


# ----------------------------------------------------------------------------- Cox refits and C gain
def _loop_c_gain_resamples(t, e, X, sc, full_terms, k, idx, bf0, bc0):
    """The C-gain bootstrap as it was: survival.bootstrap over per-resample _fit_arrays refits."""
    clinical_terms = full_terms[:k]
    every = np.arange(t.size)

    def stat(rows):
        bf = S._fit_arrays(t[rows], e[rows], X[rows], sc[rows], full_terms, timefix=False, beta0=bf0,
                           full_checks=False).beta
        bc = (S._fit_arrays(t[rows], e[rows], X[rows][:, :k], sc[rows], clinical_terms, timefix=False, beta0=bc0,
                            full_checks=False).beta if k else np.zeros(0))

        def c_both(rr):
            return (S.harrell_c(t[rr], e[rr], X[rr] @ bf, strata=sc[rr], timefix=False),
                    S.harrell_c(t[rr], e[rr], X[rr][:, :k] @ bc, strata=sc[rr], timefix=False))
        cf_b, cc_b = c_both(rows)
        cf_o, cc_o = c_both(every)
        return [cf_b - cc_b, cf_o - cc_o, cf_b - cf_o, cc_b - cc_o]
    return S.bootstrap(stat, t.size, n_boot=idx.shape[0], seed=_SEED)


_SEED = 21


def _cgain_frames(repo_golden):
    d = repo_golden("tied_large.tsv").rename(columns={"status": "event"})
    d["grp_b"] = (d["grp"] == d["grp"].iloc[0]).astype(float)
    small = repo_golden("tied_small.tsv").rename(columns={"status": "event"})
    small["rare"] = 0.0
    small.loc[small.index[:2], "rare"] = 1.0  # constant (0) in many resamples
    small["grp_b"] = (small["grp"] == small["grp"].iloc[0]).astype(float)
    return {"large": (d, ["x2", "grp_b"], None), "large_strata": (d, ["x2"], ["grp"]),
            "small_rare": (small, ["rare"], None), "small_none": (small, [], None)}


@pytest.mark.parametrize("case", ["large", "large_strata", "small_rare", "small_none"])
def test_c_gain_equals_the_loop(repo_golden, monkeypatch, case):
    df, clin, strata = _cgain_frames(repo_golden)[case]
    n_boot = 60 if case.startswith("large") else 200
    kw = dict(strata=strata, n_boot=n_boot, seed=_SEED, min_events=5, min_epv=1.0)
    S._CLINICAL_REFITS.clear()
    fast = S.c_gain(df, "time", "event", clin, "x1", **kw)
    monkeypatch.setattr(S, "_c_gain_resamples", _loop_c_gain_resamples)
    loop = S.c_gain(df, "time", "event", clin, "x1", **kw)
    assert fast.keys() == loop.keys()
    for key, want in loop.items():
        got = fast[key]
        if isinstance(want, float):
            assert (np.isnan(got) and np.isnan(want)) or abs(got - want) <= 1e-12, (key, got, want)  # abs 1e-12
        else:
            assert got == want, key  # counts and failure reasons exactly
    if case == "small_rare":
        assert loop["n_boot_failed"] > 0 and "constant" in loop["failure_reasons"]  # failures really occur


def test_fit_weighted_equals_fit_per_resample(repo_golden):
    d = repo_golden("tied_small.tsv")
    t = S.aeq_times(d["time"].to_numpy(float))
    e = d["status"].to_numpy(float)
    X = d[["x1", "x2"]].to_numpy(float)
    idx = S.bootstrap_indices(t.size, 100, 4)
    f = cox_engine.fit_weighted(t, e, X, S.resample_weights(idx, t.size))
    worst, n_conv = 0.0, 0
    for b, rows in enumerate(idx):
        one = cox_engine.fit(t[rows], e[rows], X[rows], timefix=False)
        assert bool(one.converged) == bool(f["converged"][b]), b
        if one.converged:
            n_conv += 1
            worst = max(worst, np.max(np.abs(one.beta - f["beta"][b])))
    assert n_conv > 90
    assert worst <= 1e-12  # rounding only (abs 1e-12)


@pytest.mark.parametrize("name,strata", [("large", None), ("large", "grp"), ("small", None), ("tiny", None)])
def test_harrell_many_equals_harrell_c_per_resample(repo_golden, name, strata):
    """The blocked pair counting of _harrell_many (resample multiplicities, the original rows,
    strata, tied times and tied risks) against harrell_c on the expanded rows: exact."""
    t, e, r = _data(repo_golden, name)
    sc = None
    if strata:
        sc = pd.factorize(repo_golden(f"tied_{name}.tsv")[strata])[0]
    rng = np.random.default_rng(8)
    n_boot = 120
    idx = S.bootstrap_indices(t.size, n_boot, 9)
    W = S.resample_weights(idx, t.size)
    R = np.round(r[None, :] + rng.normal(scale=0.5, size=(n_boot, t.size)), 1)  # tied risks
    got_b = S._harrell_many(t, e, R, W, sc)
    got_o = S._harrell_many(t, e, R, np.ones((1, t.size)), sc)
    both = S._harrell_many(t, e, R, (W, np.ones((1, t.size))), sc)  # shared ranks: the same values
    assert np.array_equal(both[0], got_b, equal_nan=True) and np.array_equal(both[1], got_o, equal_nan=True)
    for b, rows in enumerate(idx):
        want_b = S.harrell_c(t[rows], e[rows], R[b, rows], strata=None if sc is None else sc[rows], timefix=False)
        want_o = S.harrell_c(t, e, R[b], strata=sc, timefix=False)
        assert (np.isnan(want_b) and np.isnan(got_b[b])) or got_b[b] == want_b, b  # exact (tolerance 0)
        assert (np.isnan(want_o) and np.isnan(got_o[b])) or got_o[b] == want_o, b  # exact (tolerance 0)
