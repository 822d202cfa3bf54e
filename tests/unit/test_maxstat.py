"""maxstat LogRank vs R maxstat 0.7-25 golden (oracle/golden/maxstat.tsv).

Tolerances (brief / oracle README agreement table: numpy port reached 4e-12 on M,
8e-17 on p): statistic abs 1e-8, cutpoint exact (same float as in survival_input.tsv),
p_lau94 / p_lau92 abs 1e-10, n_cuts and n_high exact.
"""
from __future__ import annotations

import numpy as np
import pytest

from mitoscore.errors import ModelSkipped
from mitoscore.maxstat import logrank_scores, maxstat_logrank, p_lausen92, p_lausen94


@pytest.fixture(scope="module")
def result(golden):
    d = golden("survival_input.tsv")
    return maxstat_logrank(d["os_months"], d["os_event"], d["mito_ssgsea"], minprop=0.1, maxprop=0.9)


@pytest.fixture(scope="module")
def ref(golden):
    return golden("maxstat.tsv").set_index("pmethod")


def test_statistic_and_cutpoint(result, ref):
    assert abs(result["statistic"] - ref.loc["Lau94", "statistic_M"]) < 1e-8  # abs 1e-8
    assert result["cutpoint"] == ref.loc["Lau94", "cutpoint"]  # exact
    assert result["n_cuts"] == ref.loc["Lau94", "n_cuts"] == 49
    assert result["n_high"] == ref.loc["Lau94", "n_high"]


def test_pvalues(result, ref):
    assert abs(result["p_lau94"] - ref.loc["Lau94", "p"]) < 1e-10  # abs 1e-10
    assert abs(result["p_lau92"] - ref.loc["Lau92", "p"]) < 1e-10  # abs 1e-10


def test_per_cut_statistics_consistent(result):
    assert result["stats"].shape == (49,) and result["cuts"].shape == (49,)
    assert np.argmax(result["stats"]) == int(np.flatnonzero(result["cuts"] == result["cutpoint"])[0])
    assert np.all(np.diff(result["cuts"]) > 0)


def test_rank_invariance(golden, result):
    """Rank-based in x: a monotone transform of x moves the cutpoint but not M or p (abs 1e-12)."""
    d = golden("survival_input.tsv")
    r2 = maxstat_logrank(d["os_months"], d["os_event"], np.exp(3 * d["mito_ssgsea"]))
    assert abs(r2["statistic"] - result["statistic"]) < 1e-12
    assert abs(r2["cutpoint"] - np.exp(3 * result["cutpoint"])) < 1e-12
    assert r2["n_high"] == result["n_high"]
    assert abs(r2["p_lau94"] - result["p_lau94"]) < 1e-12 and abs(r2["p_lau92"] - result["p_lau92"]) < 1e-12


def test_logrank_scores_hand_example():
    # times 1,2,2,3 events 1,1,0,1 ; N=4; rank(max) = 1,3,3,4
    # fact = d/(N-r+1) = 1/4, 1/2, 0, 1 ; cumsum over sorted order = 1/4, 3/4, 3/4, 7/4
    # score_i = d_i - cumsum[r_i]: 1-1/4, 1-3/4, 0-3/4, 1-7/4  (exact arithmetic)
    s = logrank_scores([1, 2, 2, 3], [1, 1, 0, 1])
    np.testing.assert_allclose(s, [0.75, 0.25, -0.75, -0.75], atol=1e-15)
    # without tied times and with the last time an event, the scores sum to zero
    s2 = logrank_scores([1, 2, 3, 4], [1, 0, 1, 1])
    np.testing.assert_allclose(s2, [1 - 1 / 4, 0 - 1 / 4, 1 - 1 / 4 - 1 / 2, 1 - 1 / 4 - 1 / 2 - 1], atol=1e-15)
    assert abs(s2.sum()) < 1e-15


def test_ties_in_x_only_group_boundaries():
    rng = np.random.default_rng(1)
    n = 40
    x = np.repeat(np.arange(10), 4).astype(float)
    t = rng.exponential(size=n)
    e = rng.integers(0, 2, size=n)
    e[0] = 1
    r = maxstat_logrank(t, e, x)
    assert set(r["cuts"]).issubset(set(x))
    assert r["n_cuts"] == len(np.unique(r["cuts"]))
    # brute force: standardized statistic at cut c uses sum of scores with x <= c
    a = logrank_scores(t, e)
    best = -1.0
    for c in r["cuts"]:
        m = np.sum(x <= c)
        ev = m / n * a.sum()
        v = m * (n - m) / (n ** 2 * (n - 1)) * (n * np.sum(a ** 2) - a.sum() ** 2)
        best = max(best, abs(a[x <= c].sum() - ev) / np.sqrt(v))
    assert abs(best - r["statistic"]) < 1e-12


def test_lausen_functions_default_m():
    # pLausen94 with m = floor(N*minprop):floor(N*maxprop) when not given
    assert p_lausen94(3.0, 60) == pytest.approx(p_lausen94(3.0, 60, m=np.arange(6, 55)), abs=0)
    assert p_lausen92(0.1) >= 0.0  # truncated at 0 like R max(p, 0)


def test_no_events_skipped():
    with pytest.raises(ModelSkipped):
        maxstat_logrank([1, 2, 3, 4, 5], [0, 0, 0, 0, 0], [1, 2, 3, 4, 5])


def test_missing_values_dropped(golden, result):
    d = golden("survival_input.tsv")
    x = d["mito_ssgsea"].to_numpy().copy()
    t = np.r_[d["os_months"].to_numpy(), 5.0]
    e = np.r_[d["os_event"].to_numpy(), 1]
    r = maxstat_logrank(t, e, np.r_[x, np.nan])
    assert abs(r["statistic"] - result["statistic"]) < 1e-12


# --------------------------------------------------------------------------- R golden on tied data
def _bound_cases(repo_golden):
    gold = repo_golden("maxstat_bound.tsv")
    for (name, marker), sub in gold.groupby(["data", "marker"], sort=False):
        d = repo_golden(f"tied_{name}.tsv")
        x = (repo_golden(f"maxstat_bound_noise_{name}.tsv")["noise"] if marker == "noise" else d[marker])
        yield sub.set_index("pmethod"), maxstat_logrank(d["time"], d["status"], x.to_numpy(float))


def test_maxstat_on_tied_data_equals_r_and_p_never_above_one(repo_golden):
    """maxstat.test(smethod="LogRank") on tied integer-month data (tests/golden/maxstat_bound.R).
    R's pLausen92 returns 1 for b < 1 (reproduced exactly); R's pLausen94 is NOT truncated
    (5.32 and 2.31 on the noise markers, 1.22 on small/x2): mitoscore reports min(bound, 1)."""
    n_bound94 = n_bound92 = 0
    for ref, r in _bound_cases(repo_golden):
        assert abs(r["statistic"] - ref.loc["Lau94", "statistic"]) < 1e-8  # abs 1e-8
        assert r["cutpoint"] == pytest.approx(ref.loc["Lau94", "cutpoint"], abs=1e-12)
        assert r["n_cuts"] == ref.loc["Lau94", "n_cuts"]
        assert abs(r["p_lau92"] - ref.loc["Lau92", "p"]) < 1e-10  # R exactly (incl. its b < 1 bound)
        assert abs(r["p_lau94"] - min(ref.loc["Lau94", "p"], 1.0)) < 1e-10
        assert 0 <= r["p_lau94"] <= 1 and 0 <= r["p_lau92"] <= 1
        n_bound94 += ref.loc["Lau94", "p"] > 1
        n_bound92 += r["statistic"] < 1
    assert n_bound94 == 3 and n_bound92 == 2  # the golden really exercises both bounds


def test_lausen_bounds():
    assert p_lausen92(0.95) == 1.0 and p_lausen92(0.2) == 1.0  # R: if (b < 1) return(1)
    assert p_lausen92(1.0) < 1
    assert p_lausen94(0.5, 100) == 1.0
    b = np.linspace(0.01, 6, 600)
    assert max(p_lausen94(x, 300) for x in b) <= 1 and max(p_lausen92(x) for x in b) <= 1
