"""mitoscore.scores against the R goldens (GSVA 1.46 ssGSEA, survival_input.tsv)
and against gseapy / a literal re-implementation of GSVA's walk."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mitoscore import scores as S
from mitoscore.errors import InputError
from mitoscore.io import read_gmt

from tests.conftest import FIXTURE, GOLDEN

# Tolerance for exact GSVA reproduction: 1e-8 of the golden score range (oracle
# README "exact emulation" row: 1.8e-10 / 3.0e-10 of range). Goldens carry 12
# significant digits, so the achievable floor is ~1e-12 of range.
EXACT_TOL = 1e-8


@pytest.fixture(scope="module")
def sets():
    return {k: v[1] for k, v in read_gmt(FIXTURE / "genesets.gmt").items()}


@pytest.fixture(scope="module")
def log2norm(fixture_counts):
    return S.log2_normalised(fixture_counts, S.median_of_ratios(fixture_counts))


@pytest.fixture(scope="module")
def vst():
    return pd.read_csv(GOLDEN / "vst_blind.tsv", sep="\t", index_col=0)


def _golden_matrix(golden, setting):
    g = golden("ssgsea_scores.tsv")
    g = g[g.setting == setting]
    assert len(g), setting
    return g.pivot(index="gene_set", columns="sample", values="score")


# --------------------------------------------------------------------- size factors
def test_median_of_ratios_matches_deseq2(fixture_counts, golden):
    sf = S.median_of_ratios(fixture_counts)
    g = golden("deseq2_size_factors.tsv").set_index("sample")["size_factor"]
    # oracle README: size factors rel 1e-9
    np.testing.assert_allclose(sf.loc[g.index].to_numpy(), g.to_numpy(), rtol=1e-9)


def test_log2_normalised_definition():
    c = pd.DataFrame({"a": [0, 3, 7], "b": [2, 6, 14]}, index=["g1", "g2", "g3"])
    out = S.log2_normalised(c, pd.Series({"a": 1.0, "b": 2.0}))
    np.testing.assert_allclose(out["a"], np.log2([1, 4, 8]))
    np.testing.assert_allclose(out["b"], np.log2([2, 4, 8]))  # 2/2+1, 6/2+1, 14/2+1
    with pytest.raises(InputError, match="size factor"):
        S.log2_normalised(c, pd.Series({"a": 1.0}))


# --------------------------------------------------------------------- ssGSEA goldens
@pytest.mark.parametrize("setting", ["log2norm_1set_norm", "log2norm_1set_raw", "vst_1set_norm",
                                     "log2norm_51sets_norm", "log2norm_51sets_raw"])
def test_ssgsea_matches_gsva_golden(setting, golden, sets, log2norm, vst):
    gm = _golden_matrix(golden, setting)
    expr = vst if setting.startswith("vst") else log2norm
    use = {"MITO_SIGNATURE": sets["MITO_SIGNATURE"]} if "_1set_" in setting else sets
    got = S.ssgsea(expr, use, normalize=setting.endswith("_norm"))
    assert got.shape == gm.shape
    got = got.loc[gm.index, gm.columns]
    rng = float(np.ptp(gm.to_numpy()))
    assert np.abs(got.to_numpy() - gm.to_numpy()).max() <= EXACT_TOL * rng


def test_ssgsea_independent_equals_gsva_one_set_runs(golden, sets, log2norm):
    # the 1-set golden is GSVA run with MITO_SIGNATURE alone; scoring it among 51 sets
    # with ssgsea_independent must give the same normalised score
    gm = _golden_matrix(golden, "log2norm_1set_norm")
    sc, es = S.ssgsea_independent(log2norm, sets)
    rng = float(np.ptp(gm.to_numpy()))
    diff = sc.loc["MITO_SIGNATURE", gm.columns].to_numpy() - gm.loc["MITO_SIGNATURE"].to_numpy()
    assert np.abs(diff).max() <= EXACT_TOL * rng
    raw = _golden_matrix(golden, "log2norm_51sets_raw")
    rr = float(np.ptp(raw.to_numpy()))
    assert np.abs(es.loc[raw.index, raw.columns].to_numpy() - raw.to_numpy()).max() <= EXACT_TOL * rr
    # each row: ES / own range over samples
    e = es.to_numpy()
    np.testing.assert_allclose(sc.to_numpy(), e / np.ptp(e, axis=1, keepdims=True), rtol=1e-14)


def test_survival_input_score(golden, sets, log2norm):
    si = golden("survival_input.tsv").set_index("sample_id")
    sc, _ = S.ssgsea_independent(log2norm, {"MITO_SIGNATURE": sets["MITO_SIGNATURE"]})
    s = sc.loc["MITO_SIGNATURE", si.index]
    # golden written with signif(., 12)
    np.testing.assert_allclose(s.to_numpy(), si["mito_ssgsea"].to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(S.zscore(s).to_numpy(), si["mito_z"].to_numpy(), atol=1e-9)
    # group: exact string equality with R's ifelse(score > median, "high", "low")
    assert (S.cut_groups(si["mito_ssgsea"], "median") == si["group"]).all()
    assert (S.cut_groups(s, "median").to_numpy() == si["group"].to_numpy()).all()


# --------------------------------------------------------------------- fast vs reference
def test_fast_equals_literal_reference_with_ties(sets, fixture_counts):
    # raw counts have many ties (zeros, small integers): exercises GSVA's truncated
    # average ranks and row-order tie breaking. Exact algebra -> 1e-12 of range.
    expr = fixture_counts.iloc[:, :12].astype(float)
    sub = dict(list(sets.items())[:12])
    ref = S.ssgsea_reference(expr, sub, normalize=False)
    for thr in (1, 2):
        fast = S.ssgsea(expr, sub, normalize=False, threads=thr)
        rng = float(np.ptp(ref.to_numpy()))
        assert np.abs(fast.to_numpy() - ref.to_numpy()).max() <= 1e-12 * rng


def test_gsva_ranks_truncation_and_tie_order():
    x = pd.DataFrame({"s": [5.0, 1.0, 5.0, 3.0, 1.0, 1.0]}, index=list("abcdef"))
    R, Q = S.gsva_ranks(x)
    # average ranks: a,c = 5.5 -> 5; b,e,f = 2 -> 2; d = 4
    assert R["s"].tolist() == [5, 2, 5, 4, 2, 2]
    # decreasing order, ties in row order: a, c, d, b, e, f -> p = 1..6 ; Q = N - p + 1
    assert Q["s"].tolist() == [6, 3, 5, 4, 2, 1]


def test_ssgsea_hand_example():
    # N=4, one sample with values 4,3,2,1 (genes a..d) and set {a, c}:
    # ranking a,b,c,d ; weights 4^.25, 2^.25 ; P_in = [w4, w4, 1, 1]/(w4+w2)*... ; P_out = [0,.5,.5,1]
    x = pd.DataFrame({"s": [4.0, 3.0, 2.0, 1.0]}, index=list("abcd"))
    w4, w2 = 4 ** 0.25, 2 ** 0.25
    p_in = np.array([w4, w4, w4 + w2, w4 + w2]) / (w4 + w2)
    p_out = np.array([0, 0.5, 0.5, 1.0])
    es = S.ssgsea(x, {"S": ["a", "c", "zz_absent"]}, normalize=False)
    assert es.loc["S", "s"] == pytest.approx((p_in - p_out).sum(), abs=1e-14)


def test_ssgsea_errors(log2norm):
    with pytest.raises(InputError, match="NOPE"):
        S.ssgsea(log2norm, {"NOPE": ["not_a_gene", "also_not"]})
    bad = log2norm.iloc[:5].copy()
    bad.iloc[1, 1] = np.nan
    with pytest.raises(InputError, match="missing"):
        S.ssgsea(bad, {"x": [bad.index[0]]})


# --------------------------------------------------------------------- gseapy
def _gseapy(data, sets, method):
    import gseapy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ss = gseapy.ssgsea(data=data, gene_sets=sets, sample_norm_method=method,
                           correl_norm_type="rank", weight=0.25, min_size=1, max_size=100000,
                           permutation_num=0, threads=1, outdir=None, no_plot=True)
    piv = lambda c: ss.res2d.pivot(index="Term", columns="Name", values=c).astype(float)  # noqa: E731
    return piv("ES"), piv("NES")


def test_agrees_with_gseapy_rank(sets, log2norm):
    mine = S.ssgsea(log2norm, sets, normalize=False)
    es, nes = _gseapy(log2norm, sets, "rank")
    es = es.loc[mine.index, mine.columns]
    rng = float(np.ptp(mine.to_numpy()))
    # oracle tolerance for gseapy's default 'rank' (different tie order): |diff| <= 3% of
    # range. Correlation: README reports r = 0.99997 (1 set) but 0.99704 for 51 sets,
    # so >= 0.999 is asserted on MITO_SIGNATURE and >= 0.995 on all 51 sets.
    assert np.abs(mine.to_numpy() - es.to_numpy()).max() <= 0.03 * rng
    assert np.corrcoef(mine.to_numpy().ravel(), es.to_numpy().ravel())[0, 1] >= 0.995
    assert np.corrcoef(mine.loc["MITO_SIGNATURE"], es.loc["MITO_SIGNATURE"])[0, 1] >= 0.999
    norm = S.ssgsea(log2norm, sets)
    assert np.abs(norm.to_numpy() - nes.loc[norm.index, norm.columns].to_numpy()).max() <= 0.03


def test_agrees_with_gseapy_exact_custom_metric(sets, log2norm):
    # oracle README: custom metric floor(avg rank) + tiny tiebreak decreasing with row
    # index reproduces GSVA to 1e-8 of range; so must we (independent implementation)
    R, _ = S.gsva_ranks(log2norm)
    n = len(R)
    custom = R.astype(float) + (n - np.arange(n))[:, None] * 1e-10
    es, _ = _gseapy(custom, sets, "custom")
    mine = S.ssgsea(log2norm, sets, normalize=False)
    rng = float(np.ptp(mine.to_numpy()))
    assert np.abs(mine.to_numpy() - es.loc[mine.index, mine.columns].to_numpy()).max() <= EXACT_TOL * rng


# --------------------------------------------------------------------- independence
def test_independent_scores_do_not_depend_on_other_sets(sets, log2norm):
    mito = {"MITO_SIGNATURE": sets["MITO_SIGNATURE"]}
    alone, es_alone = S.ssgsea_independent(log2norm, mito)
    many, es_many = S.ssgsea_independent(log2norm, sets)  # with 50 others
    np.testing.assert_array_equal(alone.loc["MITO_SIGNATURE"].to_numpy(),
                                  many.loc["MITO_SIGNATURE"].to_numpy())
    np.testing.assert_array_equal(es_alone.loc["MITO_SIGNATURE"].to_numpy(),
                                  es_many.loc["MITO_SIGNATURE"].to_numpy())
    # whereas GSVA's whole-matrix normalisation depends on the other sets: oracle
    # README, RANDOM_SET_01 alone is 13.294465x its score inside the 51-set run
    r1 = {"RANDOM_SET_01": sets["RANDOM_SET_01"]}
    ratio = S.ssgsea(log2norm, r1) / S.ssgsea(log2norm, sets).loc[["RANDOM_SET_01"]]
    np.testing.assert_allclose(ratio.to_numpy(), 13.294465283686355, rtol=1e-9)
    np.testing.assert_allclose(S.ssgsea_independent(log2norm, r1)[0].to_numpy(),
                               many.loc[["RANDOM_SET_01"]].to_numpy(), rtol=1e-14)


def test_es_of_a_sample_independent_of_other_samples(sets, log2norm):
    # ES is computed within each sample: adding samples from another "cohort" (or
    # scoring a subset) leaves every sample's ES unchanged; only the normalising
    # range of ssgsea_independent changes.
    a = log2norm.iloc[:, :20]
    rng = np.random.default_rng(7)
    other = pd.DataFrame(rng.normal(5, 2, size=(len(log2norm), 15)), index=log2norm.index,
                         columns=[f"X{i}" for i in range(15)])
    _, es_a = S.ssgsea_independent(a, sets)
    _, es_ab = S.ssgsea_independent(pd.concat([a, other], axis=1), sets)
    np.testing.assert_array_equal(es_a.to_numpy(), es_ab[a.columns].to_numpy())
    _, es_one = S.ssgsea_independent(a.iloc[:, [3]], sets)
    np.testing.assert_array_equal(es_one.iloc[:, 0].to_numpy(), es_a.iloc[:, 3].to_numpy())


def test_rank_invariance_to_monotone_transform(sets, log2norm):
    a = S.ssgsea(log2norm, sets, normalize=False)
    b = S.ssgsea(np.exp(log2norm) * 3 + 1, sets, normalize=False)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


# --------------------------------------------------------------------- sensitivity scores
@pytest.fixture()
def small():
    return pd.DataFrame({"s1": [1.0, 2.0, 3.0, 4.0, 5.0], "s2": [5.0, 4.0, 3.0, 2.0, 1.0],
                         "s3": [1.0, 1.0, 1.0, 2.0, 3.0]}, index=list("abcde"))


def test_singscore_hand(small):
    sc = S.singscore(small, ["d", "e", "missing"])
    # N=5, k=2: bounds (k+1)/2 = 1.5 and (2N-k+1)/2 = 4.5
    # s1 ranks d,e = 4,5 -> mean 4.5 -> +0.5 ; s2 -> 1.5 -> -0.5 ;
    # s3 ranks (ties a,b,c = 2) d,e = 4,5 -> +0.5
    np.testing.assert_allclose(sc.to_numpy(), [0.5, -0.5, 0.5])
    sc2 = S.singscore(small, ["a", "c"])  # s3: a,c average rank 2 -> mean 2 -> (2-1.5)/3-.5
    assert sc2["s3"] == pytest.approx(0.5 / 3 - 0.5)


@pytest.mark.parametrize("shape,levels", [((300, 25), 5), ((25, 300), 3), ((4, 1), 0), ((500, 40), 0)])
def test_average_ranks_equal_scipy_rankdata_bit_for_bit(shape, levels):
    """singscore's ranks (no scipy.stats import) = scipy.stats.rankdata(method="average",
    axis=0), compared as bytes (tolerance 0): integer-valued data with many ties, continuous
    data, one sample, -0.0 beside 0.0."""
    from scipy.stats import rankdata

    rng = np.random.default_rng(7)
    x = rng.integers(0, levels, size=shape).astype(float) if levels else rng.normal(size=shape)
    if levels:
        x[x == 0] = np.where(rng.integers(0, 2, size=int((x == 0).sum())) == 1, -0.0, 0.0)
    got, ref = S.average_ranks(x), rankdata(x, method="average", axis=0)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    assert got.tobytes() == ref.tobytes()


@pytest.mark.parametrize("shape,levels", [((300, 25), 5), ((25, 300), 3), ((4, 1), 0), ((500, 40), 0), ((50, 7), 1)])
def test_average_ranks_of_rows_equal_full_ranks_bit_for_bit(shape, levels):
    """The set-rows-only ranks singscore uses = rows of average_ranks (= scipy's rankdata), as
    bytes (tolerance 0), on tied (incl. all-equal, -0.0 beside 0.0), continuous and one-sample
    data, with repeated and unordered rows; and singscore equals its definition on full ranks."""
    rng = np.random.default_rng(11)
    x = rng.integers(0, levels, size=shape).astype(float) if levels else rng.normal(size=shape)
    if levels:
        x[x == 0] = np.where(rng.integers(0, 2, size=int((x == 0).sum())) == 1, -0.0, 0.0)
    rows = rng.choice(shape[0], size=min(shape[0], 9), replace=False)[::-1]
    rows = np.concatenate([rows, rows[:1]])
    got, ref = S.average_ranks_of_rows(x, rows), S.average_ranks(x)[rows]
    assert got.shape == ref.shape and got.flags.c_contiguous
    assert got.tobytes() == ref.tobytes()
    df = pd.DataFrame(x, index=[f"g{i}" for i in range(shape[0])], columns=[f"s{j}" for j in range(shape[1])])
    genes = [f"g{i}" for i in dict.fromkeys(rows.tolist())]
    n, k = shape[0], len(genes)
    s_full = S.average_ranks(x)[df.index.get_indexer(genes)].mean(axis=0)
    lo, hi = (k + 1) / 2.0, (2 * n - k + 1) / 2.0
    expect = (s_full - lo) / (hi - lo) - 0.5 if hi != lo else np.full(shape[1], np.nan)
    assert S.singscore(df, genes).to_numpy().tobytes() == expect.tobytes()


def test_mean_z_hand(small):
    # add a constant gene k: zero variance, so it is dropped
    df = small.copy()
    df.loc["k"] = [7.0, 7.0, 7.0]
    mz = S.mean_z(df, ["a", "k"])  # k has zero variance -> dropped
    a = df.loc["a"]
    z = (a - a.mean()) / a.std(ddof=1)
    np.testing.assert_allclose(mz.to_numpy(), z.to_numpy())
    mz2 = S.mean_z(df, ["a", "e"])
    e = df.loc["e"]
    np.testing.assert_allclose(mz2.to_numpy(),
                               ((z + (e - e.mean()) / e.std(ddof=1)) / 2).to_numpy())
    with pytest.raises(InputError):
        S.mean_z(df, ["k"])


def test_weighted_sum_hand(small):
    ws = S.weighted_sum(small, {"a": 2.0, "e": -1.0, "absent": 100.0})
    np.testing.assert_allclose(ws.to_numpy(), [2 * 1 - 5, 2 * 5 - 1, 2 * 1 - 3])
    with pytest.raises(InputError):
        S.weighted_sum(small, {"absent": 1.0})


# --------------------------------------------------------------------- z / groups
def test_zscore_r_sd():
    s = pd.Series([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(S.zscore(s), (s - 2.5) / np.sqrt(5 / 3))
    with pytest.raises(InputError):
        S.zscore(pd.Series([1.0, 1.0]))


def test_cut_groups_rules():
    s = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9], index=[f"x{i}" for i in range(9)])
    med = S.cut_groups(s)
    assert med.tolist() == ["low"] * 5 + ["high"] * 4  # 5 == median -> low
    # R quantile type 7 on 1..9: 1/3 -> 3.6667, 2/3 -> 6.3333
    assert S.cut_groups(s, "tertiles").tolist() == ["T1"] * 3 + ["T2"] * 3 + ["T3"] * 3
    # quartiles: 3, 5, 7 ; values equal to a cut go to the lower group
    assert S.cut_groups(s, "quartiles").tolist() == ["Q1"] * 3 + ["Q2"] * 2 + ["Q3"] * 2 + ["Q4"] * 2
    assert S.cut_groups(s, "fixed", 6.5).tolist() == ["low"] * 6 + ["high"] * 3
    with pytest.raises(InputError, match="fixed"):
        S.cut_groups(s, "fixed")
    with pytest.raises(InputError, match="unknown"):
        S.cut_groups(s, "deciles")
    s2 = s.copy()
    s2.iloc[0] = np.nan
    g = S.cut_groups(s2)
    assert pd.isna(g.iloc[0]) and g.iloc[1:].notna().all()
