"""mitoscore.analysis: cohort-level orchestration checked against the R goldens."""
import math

import numpy as np
import pandas as pd
import pytest

from mitoscore import analysis, fmt
from mitoscore.errors import InputError
from mitoscore.io import read_gmt
from mitoscore.scores import log2_normalised, median_of_ratios
from mitoscore.signatures import Signature

from tests.conftest import FIXTURE


@pytest.fixture(scope="module")
def fixture_scores(fixture_counts):
    expr = log2_normalised(fixture_counts, median_of_ratios(fixture_counts))
    sets = read_gmt(FIXTURE / "genesets.gmt")
    sigs = {"MITO_SIGNATURE": Signature("MITO_SIGNATURE", sets["MITO_SIGNATURE"][1], None, "", "")}
    return analysis.score_cohort(expr, sigs, single_genes=["BCL2"], gene_ratios=[["BCL2", "MCL1"]])


def test_score_cohort_matches_gsva_and_r_grouping(fixture_scores, golden):
    sc = fixture_scores.scores.set_index("sample")
    r = golden("ssgsea_scores.tsv")
    r = r[r.setting == "log2norm_1set_norm"].set_index("sample")["score"]
    # oracle tolerance for the exact algorithm: 1e-8 of the score range
    assert np.max(np.abs(sc["score"] - r.loc[sc.index])) <= 1e-8 * (r.max() - r.min())
    si = golden("survival_input.tsv").set_index("sample_id")
    assert np.max(np.abs(sc["z"] - si.loc[sc.index, "mito_z"])) < 1e-9
    assert (sc["group"] == si.loc[sc.index, "group"]).all()
    cov = fixture_scores.coverage.set_index("signature")
    assert cov.loc["MITO_SIGNATURE", "fraction"] == 1.0
    assert cov.loc["BCL2", "n_present"] == 0 and cov.loc["BCL2_MCL1_ratio", "missing"] == "BCL2,MCL1"
    assert set(fixture_scores.sensitivity["method"]) == {"singscore", "mean_z"}
    # the sensitivity scores track the primary score
    ss = fixture_scores.sensitivity.pivot(index="sample", columns="method", values="score")
    assert ss.corrwith(sc["score"]).min() > 0.9


def _cut_inputs(fixture_counts):
    expr = log2_normalised(fixture_counts, median_of_ratios(fixture_counts))
    sets = read_gmt(FIXTURE / "genesets.gmt")
    sigs = {"MITO_SIGNATURE": Signature("MITO_SIGNATURE", sets["MITO_SIGNATURE"][1], None, "", ""),
            "W": Signature("W", ["MITO001", "MITO002"], {"MITO001": 1.0, "MITO002": -0.5}, "", "")}
    return expr, sigs


def test_score_cohort_cutpoint_tables(fixture_counts):
    expr, sigs = _cut_inputs(fixture_counts)
    med = analysis.score_cohort(expr, sigs, sensitivity=())
    cp = med.cutpoints.set_index("signature")
    assert list(med.cutpoints.columns) == analysis.CUTPOINT_COLUMNS
    for sig, sub in med.scores.groupby("signature"):
        assert cp.loc[sig, "scale"] == "z" and cp.loc[sig, "cut"] == pytest.approx(sub["z"].median())
        assert cp.loc[sig, "n_above"] == (sub["group"] == "high").sum() == len(sub) // 2
    ter = analysis.score_cohort(expr, sigs, sensitivity=(), cut_rule="tertiles").cutpoints
    assert ter[ter.signature == "W"]["boundary"].tolist() == ["T1|T2", "T2|T3"]
    assert ter[ter.signature == "W"]["n_above"].tolist() == [40, 20]  # 60 samples


def test_score_cohort_discovery_median_freezes_and_applies_the_cut(fixture_counts):
    """Rule discovery_median: the discovery cohort's median on the transferable scale is
    frozen (ssGSEA: es; weighted sum: score) and applied unchanged elsewhere."""
    expr, sigs = _cut_inputs(fixture_counts)
    disc = analysis.score_cohort(expr.iloc[:, :30], sigs, sensitivity=(), cut_rule="discovery_median",
                                 cohort="DISC")
    cp = disc.cutpoints.set_index("signature")
    assert cp.loc["MITO_SIGNATURE", "scale"] == "es" and cp.loc["W", "scale"] == "score"
    assert cp.loc["MITO_SIGNATURE", "source"] == "median of DISC (frozen)"
    for sig, sub in disc.scores.groupby("signature"):
        col = cp.loc[sig, "scale"]
        assert cp.loc[sig, "cut"] == pytest.approx(sub[col].median())
        # in the discovery cohort the frozen split is the median split of z
        assert (sub["group"] == np.where(sub["z"] > sub["z"].median(), "high", "low")).all()
    # a validation cohort: the other 30 samples, and a signature the discovery cohort never scored
    sigs2 = {**sigs, "NEW": Signature("NEW", sigs["MITO_SIGNATURE"].genes[:20], None, "", "")}
    val = analysis.score_cohort(expr.iloc[:, 30:], sigs2, sensitivity=(), cut_rule="discovery_median",
                                cohort="VAL", frozen=disc.cutpoints)
    vcp = val.cutpoints.set_index("signature")
    for sig in ("MITO_SIGNATURE", "W"):
        sub = val.scores[val.scores.signature == sig]
        col, cut = cp.loc[sig, "scale"], cp.loc[sig, "cut"]
        assert vcp.loc[sig, "cut"] == cut and vcp.loc[sig, "source"] == "median of DISC (frozen)"
        assert (sub["group"] == np.where(sub[col] > cut, "high", "low")).all()
        assert vcp.loc[sig, "n_above"] == (sub[col] > cut).sum()
    # the frozen cut is not this cohort's median (else the test could not tell them apart)
    sub = val.scores[val.scores.signature == "MITO_SIGNATURE"]
    assert (sub["es"] > cp.loc["MITO_SIGNATURE", "cut"]).sum() != (sub["es"] > sub["es"].median()).sum()
    new = val.scores[val.scores.signature == "NEW"]
    assert "no frozen cutpoint" in vcp.loc["NEW", "source"] and vcp.loc["NEW", "scale"] == "z"
    assert (new["group"] == "high").sum() == 15


def test_score_cohort_refuses_low_coverage(fixture_counts):
    sigs = {"X": Signature("X", ["MITO001", "NOPE1", "NOPE2", "NOPE3"], None, "", "")}
    with pytest.raises(InputError, match=r"X.*Fix:"):
        analysis.score_cohort(np.log2(fixture_counts + 1), sigs, min_coverage=0.8, signature_files={"X": "x.gmt"})


def test_contrast_metadata_levels_and_errors():
    clin = pd.DataFrame({"response": [1.0, 0.0, 1.0, 0.0, np.nan], "age": [50, 60, 70, 80, 90],
                         "condition": ["A", "B", "A", "B", "A"]}, index=list("abcde"))
    meta, var = analysis.contrast_metadata(clin, {"name": "r", "column": "response", "test": "responder",
                                                  "reference": "refractory", "covariates": ["age"]})
    assert var == "response" and list(meta.index) == list("abcd")
    assert list(meta[var].cat.categories) == ["refractory", "responder"]  # reference first
    scores = pd.DataFrame({"sample": list("abcde"), "signature": "S", "group": ["high", "low", "high", "low", "low"]})
    meta, var = analysis.contrast_metadata(clin, {"name": "s", "signature": "S", "test": "high",
                                                  "reference": "low"}, scores=scores)
    assert var == "S_group" and meta[var].tolist() == ["high", "low", "high", "low", "low"]
    with pytest.raises(InputError, match=r"clin.tsv: column 'conditon'.*did you mean 'condition'"):
        analysis.contrast_metadata(clin, {"name": "c", "column": "conditon", "test": "B", "reference": "A"},
                                   file="clin.tsv")
    with pytest.raises(InputError, match=r"level 'C' not found.*\['A', 'B'\]"):
        analysis.contrast_metadata(clin, {"name": "c", "column": "condition", "test": "C", "reference": "A"})


def _survival_inputs(golden):
    si = golden("survival_input.tsv").rename(columns={"sample_id": "sample"})
    scores = pd.DataFrame({"sample": si["sample"], "signature": "MITO", "kind": "ssgsea",
                           "score": si["mito_ssgsea"], "z": si["mito_z"], "group": si["group"]})
    clinical = si.set_index("sample")[["os_months", "os_event", "age"]]
    return scores, clinical


def test_survival_cohort_matches_r(golden):
    scores, clinical = _survival_inputs(golden)
    res = analysis.survival_cohort(scores, clinical, primary="MITO", covariates=["age"], n_bootstrap=20)
    rc = golden("cox.tsv").set_index(["model", "term"])
    uni = res.cox[res.cox.model == "univariable"].iloc[0]
    assert uni.term == "score_per_sd" and uni.analysis == "primary"
    assert uni.hr == pytest.approx(rc.loc[("uni_z", "mito_z"), "hr"], rel=1e-6)   # oracle: <= 3e-11 rel
    assert uni.concordance == pytest.approx(rc.loc[("uni_z", "mito_z"), "concordance"], abs=1e-9)
    mv = res.cox[res.cox.model == "multivariable"].set_index("term")
    assert mv.loc["age", "hr"] == pytest.approx(rc.loc[("multi_z_age", "age"), "hr"], rel=1e-6)
    assert res.logrank.chisq.iloc[0] == pytest.approx(golden("logrank.tsv").chisq.iloc[0], rel=1e-8)
    assert {"obs_high", "exp_high", "obs_low", "exp_low"} <= set(res.logrank.columns)
    d = res.discrimination.iloc[0]
    assert d.harrell_c == pytest.approx(rc.loc[("uni_z", "mito_z"), "concordance"], abs=1e-9)
    assert d.harrell_c_lower < d.harrell_c < d.harrell_c_upper and "uno_c" in d and "auc_12m" in d
    assert res.maxstat.analysis.iloc[0].startswith("EXPLORATORY")
    assert res.power.events.iloc[0] == 44
    assert res.power.detectable_hr_per_sd.iloc[0] == pytest.approx(math.exp(2.80158 / math.sqrt(44)), rel=1e-4)
    # events per parameter of the primary multivariable model (score + age: 2 parameters)
    assert res.power.mv_parameters.iloc[0] == 2 and res.power.epv_multivariable.iloc[0] == pytest.approx(44 / 2)
    assert res.skipped.empty


def test_survival_cohort_records_skipped_models(golden):
    scores, clinical = _survival_inputs(golden)
    res = analysis.survival_cohort(scores, clinical, primary="MITO", min_events=100, n_bootstrap=0)
    assert {"univariable", "group"} <= set(res.skipped.model)
    assert res.skipped.reason.str.contains("44 events").any()
    assert res.cox.empty


def test_summarise_cohorts_meta_matches_metafor(golden):
    mi = golden("meta_input.tsv")
    tables = {}
    for r in mi.itertuples():
        lo, hi = math.exp(r.yi - 1.959963984540054 * r.sei), math.exp(r.yi + 1.959963984540054 * r.sei)
        tables[r.cohort] = pd.DataFrame([{"signature": "S", "kind": "ssgsea", "model": "univariable",
                                          "term": "score_per_sd", "hr": math.exp(r.yi), "ci_lower": lo,
                                          "ci_upper": hi, "p": 0.01, "n": 100, "events": 50, "se": r.sei}])
    hr, meta, loo = analysis.summarise_cohorts(tables, primary="S")
    gm = golden("meta_reml.tsv").set_index("method").loc["REML"]
    m = meta.iloc[0]
    assert m.hr == pytest.approx(gm.hr, rel=1e-8) and m.tau2 == pytest.approx(gm.tau2, abs=1e-8)
    assert m.I2 == pytest.approx(gm.I2, abs=1e-6) and m.analysis == "primary"
    assert len(loo) == 3 and len(hr) == 3
    rows, pooled, pi = analysis.forest_data(hr, meta, "S")
    assert rows["label"].tolist() == [f"{c} (n=100, events=50)" for c in tables]
    assert pooled["hr"] == m.hr and pooled["label"] == "Random effects (REML)"
    assert pooled["text"] == f"I2 = {m.I2:.1f}%, tau2 = {fmt.sig(m.tau2)}, k = 3"
    assert pi == (m.pi_lower, m.pi_upper) and pi[0] < m.ci_lower
    # metafor weights(): 1 / (se^2 + tau2), in percent (the golden's sei)
    w = 1 / (mi["sei"].to_numpy() ** 2 + m.tau2)
    assert rows["weight"].to_numpy() == pytest.approx(100 * w / w.sum(), rel=1e-10)
    _, _, pi2 = analysis.forest_data(hr.iloc[:2], meta.assign(k=2), "S")
    assert pi2 is None  # not estimable from 2 cohorts: not drawn
    one_rows, one_pooled, one_pi = analysis.forest_data(hr, meta.assign(k=1), "S")
    assert one_pooled["text"] == "k = 1" and one_pi is None
    assert analysis.forest_data(hr, meta.iloc[:0], "S")[1:] == (None, None)


def test_score_cohort_unknown_cut_rule_is_refused(fixture_counts):
    expr, sigs = _cut_inputs(fixture_counts)
    with pytest.raises(InputError, match="unknown cutpoint rule 'bogus'.*discovery_median"):
        analysis.score_cohort(expr, sigs, sensitivity=(), cut_rule="bogus")
