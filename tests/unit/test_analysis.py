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
    # only 7 deaths before 12 months: the 12-month AUC is guarded (min_cases_td_auc = 10), recorded
    assert res.skipped.model.tolist() == ["td_auc_12m"]
    assert "only 7 cases" in res.skipped.reason.iloc[0]
    assert np.isnan(d.auc_12m) and d.auc_12m_cases == 7 and np.isfinite(d.auc_24m) and d.auc_24m_cases >= 10
    assert np.isnan(d.auc_12m_lower) and np.isnan(d.auc_12m_upper)  # no CI around an AUC not reported
    assert d.auc_24m_lower < d.auc_24m < d.auc_24m_upper
    assert d.uno_tau_months == 24  # default tau: the largest horizon
    assert d.n_boot == 20 and d.n_boot_failed == 0


def test_survival_cohort_uses_the_configured_tau(golden):
    from mitoscore import survival
    scores, clinical = _survival_inputs(golden)
    res = analysis.survival_cohort(scores, clinical, primary="MITO", n_bootstrap=0, tau=18, horizons=[12])
    d = res.discrimination.iloc[0]
    si = golden("survival_input.tsv")
    assert d.uno_tau_months == 18
    assert d.uno_c == survival.uno_c(si.os_months, si.os_event, si.mito_z, tau=18)


def test_survival_cohort_records_skipped_models(golden):
    scores, clinical = _survival_inputs(golden)
    res = analysis.survival_cohort(scores, clinical, primary="MITO", min_events=100, n_bootstrap=0)
    assert {"univariable", "group", "logrank", "maxstat"} <= set(res.skipped.model)
    assert res.skipped.reason.str.contains("44 events").any()
    assert res.cox.empty and res.logrank.empty and res.maxstat.empty
    assert not res.km.empty  # the KM curve table is still written (descriptive, no test)


def test_survival_cohort_without_events_records_every_skip(golden):
    """issue 11: a cohort in which no patient has an event finishes with the skips recorded."""
    scores, clinical = _survival_inputs(golden)
    clinical = clinical.assign(os_event=0)
    res = analysis.survival_cohort(scores, clinical, primary="MITO", covariates=["age"], n_bootstrap=5)
    assert {"univariable", "group", "multivariable", "logrank", "maxstat"} <= set(res.skipped.model)
    assert res.skipped.reason.str.contains("only 0 events").all()
    assert res.cox.empty and res.discrimination.empty and not res.km.empty
    assert res.power.events.iloc[0] == 0


def test_summarise_cohorts_meta_matches_metafor(golden):
    mi = golden("meta_input.tsv")
    tables = {}
    for r in mi.itertuples():
        lo, hi = math.exp(r.yi - 1.959963984540054 * r.sei), math.exp(r.yi + 1.959963984540054 * r.sei)
        tables[r.cohort] = pd.DataFrame([{"signature": "S", "kind": "ssgsea", "model": "univariable",
                                          "term": "score_per_sd", "hr": math.exp(r.yi), "ci_lower": lo,
                                          "ci_upper": hi, "p": 0.01, "n": 100, "events": 50, "se": r.sei}])
    hr, meta, loo = analysis.summarise_cohorts(tables, primary="S", test="z")  # the golden is test z
    gm = golden("meta_reml.tsv").set_index("method").loc["REML"]
    m = meta.iloc[0]
    assert (m.pool, m.test, m.analysis) == ("validation", "z", "primary")  # no roles: every cohort validates
    assert m.hr == pytest.approx(gm.hr, rel=1e-8) and m.tau2 == pytest.approx(gm.tau2, abs=1e-8)
    assert m.I2 == pytest.approx(gm.I2, abs=1e-6)
    assert (meta.analysis == "primary").sum() == 1
    assert len(loo) == 6 and len(hr) == 3  # leave-one-out in both pools (the same three cohorts)
    rows, pooled, pi = analysis.forest_data(hr, meta, "S")
    assert rows["label"].tolist() == [f"{c} (n=100, events=50)" for c in tables]
    assert pooled["hr"] == m.hr and pooled["label"] == "Validation cohorts (REML)"
    assert pooled["text"] == f"I2 = {m.I2:.1f}%, tau2 = {fmt.sig(m.tau2)}, k = 3"
    assert pi == (m.pi_lower, m.pi_upper) and pi[0] < m.ci_lower
    # metafor weights(): 1 / (se^2 + tau2), in percent (the golden's sei)
    w = 1 / (mi["sei"].to_numpy() ** 2 + m.tau2)
    assert rows["weight"].to_numpy() == pytest.approx(100 * w / w.sum(), rel=1e-10)
    _, _, pi2 = analysis.forest_data(hr.iloc[:2], meta.assign(k=2), "S")
    assert pi2 is None  # not estimable from 2 cohorts: not drawn
    one_rows, one_pooled, one_pi = analysis.forest_data(hr, meta.assign(k=1), "S")
    assert one_pooled is None and one_pi is None  # one cohort per pool: nothing pooled, no diamond
    assert analysis.forest_data(hr, meta.iloc[:0], "S")[1:] == (None, None)


def test_score_cohort_unknown_cut_rule_is_refused(fixture_counts):
    expr, sigs = _cut_inputs(fixture_counts)
    with pytest.raises(InputError, match="unknown cutpoint rule 'bogus'.*discovery_median"):
        analysis.score_cohort(expr, sigs, sensitivity=(), cut_rule="bogus")


# --------------------------------------------------------------------------- meta-analysis pools (issue 10 s4)
def _cox_tables_from(yi, sei, names, signature="S"):
    z = 1.959963984540054
    return {c: pd.DataFrame([{"signature": signature, "kind": "ssgsea", "model": "univariable", "term": "score_per_sd",
                              "hr": math.exp(y), "ci_lower": math.exp(y - z * s), "ci_upper": math.exp(y + z * s),
                              "p": 2 * (1 - 0.5 * (1 + math.erf(abs(y / s) / math.sqrt(2)))), "n": 100,
                              "events": 50, "se": s}])
            for c, y, s in zip(names, yi, sei)}


def _knha_golden(repo_golden, name, test, method="REML"):
    g = repo_golden("meta_knha.tsv")
    r = g[(g.set == name) & (g.method == method) & (g.test == test)].iloc[0]
    return r, np.array(r.yi.split(","), float), np.array(r.sei.split(","), float)


@pytest.mark.parametrize("name", ["k3_heterogeneous", "k5_heterogeneous", "k5_homogeneous"])
def test_primary_pool_is_validation_cohorts_with_hksj(repo_golden, name):
    """Validation cohorts only, REML + Hartung-Knapp (= metafor rma(test = "knha")) as the
    primary row; z as sensitivity; a discovery cohort enters only the all-cohort pool."""
    g_knha, yi, sei = _knha_golden(repo_golden, name, "knha")
    g_z = _knha_golden(repo_golden, name, "z")[0]
    names = [f"V{i}" for i in range(len(yi))]
    tables = _cox_tables_from(np.r_[yi, 1.5], np.r_[sei, 0.1], names + ["D"])
    roles = {**{c: "validation" for c in names}, "D": "discovery"}
    hr, meta, loo = analysis.summarise_cohorts(tables, roles=roles, primary="S")
    assert list(meta.columns) == analysis.META_COLUMNS and list(hr.columns) == analysis.HR_COLUMNS
    assert hr.set_index("cohort").loc["D", "role"] == "discovery"
    prim = meta[meta.analysis == "primary"]
    assert len(prim) == 1
    p = prim.iloc[0]
    assert (p.pool, p.method, p.test, p.k, p.cohorts) == ("validation", "REML", "knha", len(yi), ",".join(names))
    # every pooled number equals metafor (abs 1e-8; the SE from the Wald CI round-trips to ~1e-15)
    for ours, theirs in (("estimate", "estimate"), ("se", "se"), ("p", "pval"), ("tau2", "tau2"), ("I2", "I2"),
                         ("QE", "QE"), ("QEp", "QEp")):
        assert p[ours] == pytest.approx(g_knha[theirs], abs=1e-8), ours
    assert math.log(p.ci_lower) == pytest.approx(g_knha.ci_lb, abs=1e-8)
    assert math.log(p.pi_upper) == pytest.approx(g_knha.pi_ub, abs=1e-8)
    z = meta[(meta.pool == "validation") & (meta.test == "z")].iloc[0]
    assert z.analysis == "sensitivity" and math.log(z.ci_upper) == pytest.approx(g_z.ci_ub, abs=1e-8)
    assert math.log(z.pi_lower) == pytest.approx(g_z.pi_lb, abs=1e-8)
    every = meta[meta.pool == "all"]
    assert set(every.analysis) == {"sensitivity"} and set(every.k) == {len(yi) + 1}
    assert every.iloc[0].test == "knha" and "D" in every.iloc[0].cohorts
    # leave-one-out: primary signature, each pool, configured test, sensitivity
    assert set(loo.pool) == {"validation", "all"} and set(loo.test) == {"knha"}
    assert set(loo.analysis) == {"sensitivity"}
    assert len(loo[loo.pool == "validation"]) == len(yi)


@pytest.mark.parametrize("name", ["k2_heterogeneous", "k2_homogeneous"])
def test_two_validation_cohorts_say_heterogeneity_is_not_estimable(repo_golden, name):
    g_knha, yi, sei = _knha_golden(repo_golden, name, "knha")
    tables = _cox_tables_from(yi, sei, ["V1", "V2"])
    hr, meta, loo = analysis.summarise_cohorts(tables, roles={"V1": "validation", "V2": "validation"},
                                               primary="S")
    p = meta[meta.analysis == "primary"].iloc[0]
    assert p.k == 2 and p.test == "knha"
    # the estimate and its HKSJ CI are metafor's (abs 1e-8) ...
    assert p.estimate == pytest.approx(g_knha.estimate, abs=1e-8)
    assert math.log(p.ci_upper) == pytest.approx(g_knha.ci_ub, abs=1e-8)
    # ... but tau2, I2 and the prediction interval are not printed; Q (1 df) is
    assert all(pd.isna(p[c]) for c in ("tau2", "I2", "pi_lower", "pi_upper"))
    assert p.QE == pytest.approx(g_knha.QE, abs=1e-8) and p.QEp == pytest.approx(g_knha.QEp, abs=1e-8)
    assert "not estimable" in p.note and "t distribution with 1 df" in p.note
    assert loo.empty  # leave-one-out needs k >= 3
    _, pooled, pi = analysis.forest_data(hr, meta, "S")
    assert pi is None and pooled["text"] == "k = 2: tau2, I2, PI not estimable"


def test_one_validation_cohort_is_not_pooled_and_forest_shows_the_sensitivity(repo_golden):
    """The demo's situation: one discovery and one validation cohort."""
    _, yi, sei = _knha_golden(repo_golden, "k2_heterogeneous", "knha")
    tables = _cox_tables_from(yi, sei, ["A", "B"])
    hr, meta, loo = analysis.summarise_cohorts(tables, roles={"A": "discovery", "B": "validation"}, primary="S")
    p = meta[meta.analysis == "primary"]
    assert len(p) == 1
    p = p.iloc[0]
    assert (p.pool, p.k, p.method, p.test, p.cohorts) == ("validation", 1, "none", "none", "B")
    assert p.hr == pytest.approx(math.exp(yi[1]), rel=1e-12) and "no pooling" in p.note
    assert pd.isna(p.tau2) and pd.isna(p.pi_lower)
    assert set(meta[meta.pool == "all"].k) == {2} and set(meta[meta.pool == "all"].analysis) == {"sensitivity"}
    rows, pooled, pi = analysis.forest_data(hr, meta, "S")
    assert rows["label"].tolist() == ["A [disc.] (n=100, events=50)", "B (n=100, events=50)"]
    assert pooled["label"] == "All cohorts, SENSITIVITY (REML, HKSJ)"
    assert pooled["text"] == "k = 2: tau2, I2, PI not estimable\n1 validation cohort(s): not pooled" and pi is None
    # no validation cohort at all: a primary row that says so
    _, meta0, _ = analysis.summarise_cohorts(tables, roles={"A": "discovery", "B": "discovery"}, primary="S")
    p0 = meta0[meta0.analysis == "primary"].iloc[0]
    assert p0.k == 0 and pd.isna(p0.hr) and "no validation cohort" in p0.note


def test_pooling_rows_is_the_one_selection(repo_golden):
    """The estimates that enter the pooling come from pooling_rows only (swapping the source
    there changes the meta-analysis)."""
    _, yi, sei = _knha_golden(repo_golden, "k3_heterogeneous", "knha")
    tables = _cox_tables_from(yi, sei, ["V1", "V2", "V3"])
    hr = analysis.pooling_rows(tables, {"V1": "validation"})
    assert list(hr.role) == ["validation", "validation", "validation"]  # default role
    np.testing.assert_allclose(hr.log_hr, yi, atol=1e-14)
    for t in tables.values():  # a non-score term or another model never enters
        t.loc[len(t)] = {**t.iloc[0].to_dict(), "term": "age", "hr": 9.0}
        t.loc[len(t)] = {**t.iloc[0].to_dict(), "model": "group", "hr": 9.0}
    assert len(analysis.pooling_rows(tables)) == 3


def test_hksj_narrower_than_z_is_flagged(repo_golden):
    _, yi, sei = _knha_golden(repo_golden, "k5_homogeneous", "knha")
    _, meta, _ = analysis.summarise_cohorts(_cox_tables_from(yi, sei, list("abcde")), primary="S")
    knha, z = (meta[(meta.pool == "validation") & (meta.test == t)].iloc[0] for t in ("knha", "z"))
    assert knha.ci_upper - knha.ci_lower < z.ci_upper - z.ci_lower and "narrower than the z CI" in knha.note
    _, yi, sei = _knha_golden(repo_golden, "k5_heterogeneous", "knha")
    _, meta, _ = analysis.summarise_cohorts(_cox_tables_from(yi, sei, list("abcde")), primary="S")
    assert "narrower" not in meta[meta.test == "knha"].iloc[0].note


# --------------------------------------------------------------------------- predictive contrasts (issue 10 s2)
def _predictive_inputs(repo_golden):
    d = repo_golden("tied_large.tsv")
    resp = repo_golden("predictive_response.tsv")
    ids = [f"P{i:03d}" for i in range(len(d))]
    arm = d["arm"].map({"ref": "chemo", "test": "VEN+AraC"}).to_numpy(object)
    arm[:40] = "VEN+AZA"  # a third arm, left out of the contrast
    clinical = pd.DataFrame({"os_months": d["time"].to_numpy(float), "os_event": d["status"].to_numpy(int),
                             "x2": d["x2"].to_numpy(), "grp": d["grp"].to_numpy(), "treatment": arm,
                             "response": resp.loc[resp["data"] == "large", "resp"].to_numpy()}, index=ids)
    z = (d["x1"] - d["x1"].mean()) / d["x1"].std(ddof=1)
    long = pd.concat([pd.DataFrame({"sample": ids, "signature": s, "kind": "ssgsea", "score": z.to_numpy() * f,
                                    "z": z.to_numpy() * f,
                                    "group": np.where(z.to_numpy() * f > np.median(z * f), "high", "low")})
                      for s, f in (("PRIMARY", 1.0), ("OTHER", -1.0))], ignore_index=True)
    return clinical, long


CONTRASTS = [{"name": "va_vs_chemo", "test_arm": "VEN+AraC", "reference_arm": "chemo", "analysis": "primary"},
             {"name": "va_vs_hma", "test_arm": "VEN+AraC", "reference_arm": "HMA"}]


def test_predictive_cohort_rows_equal_the_model_functions(repo_golden):
    from mitoscore import predictive as P

    clinical, long = _predictive_inputs(repo_golden)
    res = analysis.predictive_cohort(long, clinical, contrasts=CONTRASTS, primary="PRIMARY", covariates=["x2", "grp"],
                                     reference_levels={"grp": "b"}, min_epv=1)
    pr = res.predictive
    assert list(pr.columns) == analysis.PREDICTIVE_COLUMNS
    mine = pr[(pr.signature == "PRIMARY") & (pr.contrast == "va_vs_chemo")].set_index(["term", "arm"])
    df = clinical.assign(score_per_sd=long[long.signature == "PRIMARY"].set_index("sample")["z"])
    it = P.contrast_interaction(df, "os_months", "os_event", "score_per_sd", "treatment", test_arm="VEN+AraC",
                                reference_arm="chemo", covariates=["x2", "grp"], categorical={"grp": "b"}, min_epv=1)
    r = mine.loc[("interaction", "VEN+AraC")]
    assert r.hr == it["hr"] and r.lr_p == it["lr_p"] and r.p == it["wald_p"] and r.lr_df == 1
    assert r.analysis == "primary" and r.n == 260 and r.n_parameters == 6
    assert r.n_test + r.n_reference == r.n and r.events_test + r.events_reference == r.events
    for arm in ("chemo", "VEN+AraC"):
        assert mine.loc[("score_in_arm", arm), "hr"] == pytest.approx(
            it["per_arm"].set_index("arm").loc[arm, "hr"], rel=1e-15)
        assert mine.loc[("score_in_arm", arm), "analysis"] == "secondary"
    assert mine.loc[("spline_interaction", "VEN+AraC"), "analysis"] == "exploratory"
    # another signature never carries the primary label
    assert set(pr.loc[pr.signature == "OTHER", "analysis"]) == {"secondary", "exploratory"}
    # treatment effect: linear and spline curves, 41 points between the 5th and 95th percentile
    te = res.treatment_effect
    assert list(te.columns) == analysis.TREATMENT_EFFECT_COLUMNS
    t1 = te[(te.signature == "PRIMARY") & (te.contrast == "va_vs_chemo")]
    assert t1.groupby("model").size().to_dict() == {"linear": 41, "spline": 41}
    lin = t1[t1.model == "linear"]
    full = it["full"]
    a, i = full.terms.index("treatment[VEN+AraC]"), full.terms.index("score_per_sd:treatment[VEN+AraC]")
    np.testing.assert_allclose(lin.log_hr, full.beta[a] + full.beta[i] * lin.score, rtol=0, atol=1e-12)
    # KM by arm x group: four curves whose sizes add up to the two arms
    km = res.km_by_arm[(res.km_by_arm.signature == "PRIMARY") & (res.km_by_arm.contrast == "va_vs_chemo")]
    first = km.sort_values("time").groupby(["arm", "group"]).n_risk.first()
    assert len(first) == 4 and first.sum() == 260
    # response interaction from the same two arms
    rb = res.response_by_arm
    rr = rb[(rb.signature == "PRIMARY") & (rb.contrast == "va_vs_chemo")].set_index(["term", "arm"])
    lo = P.logistic_interaction(df, "response", "score_per_sd", "treatment", test_arm="VEN+AraC", reference_arm="chemo",
                                covariates=["x2", "grp"], categorical={"grp": "b"}, min_epv=1)
    assert rr.loc[("interaction", "VEN+AraC"), "lr_p"] == lo["lr_p"]
    assert rr.loc[("interaction", "VEN+AraC"), "n"] == 260


def test_predictive_cohort_records_absent_arm_and_skipped_models(repo_golden):
    clinical, long = _predictive_inputs(repo_golden)
    res = analysis.predictive_cohort(long, clinical, contrasts=CONTRASTS, primary="PRIMARY", covariates=["x2", "grp"],
                                     reference_levels={"grp": "b"}, min_epv=50)
    st = res.contrasts.set_index("contrast")
    assert st.loc["va_vs_chemo", "status"] == "analysed" and st.loc["va_vs_hma", "status"] == "skipped"
    assert "['HMA'] absent" in st.loc["va_vs_hma", "reason"]
    assert st.loc["va_vs_hma", "arms_present"] == "VEN+AZA; VEN+AraC; chemo"
    sk = res.skipped
    assert ((sk.signature == "(all)") & (sk.model == "predictive[va_vs_hma]")).sum() == 1
    # min_epv = 50 skips every model of the analysed contrast, each recorded with its reason
    for m in ("interaction", "treatment_effect_linear", "treatment_effect_spline", "response_interaction"):
        rows = sk[sk.model == f"{m}[va_vs_chemo]"]
        assert len(rows) == 2 and rows.reason.str.contains("min_epv=50").all(), m
    assert res.predictive.empty and res.treatment_effect.empty
    assert len(res.km_by_arm)  # descriptive, always drawn
    # survival_cohort passes the skips into skipped_models
    sr = analysis.survival_cohort(long, clinical, primary="PRIMARY", covariates=["x2", "grp"],
                                  reference_levels={"grp": "b"}, treatment=True, reference_arm="chemo", n_bootstrap=0,
                                  min_epv=50, predictive_config={"contrasts": CONTRASTS})
    assert sr.predictive is not None and "predictive[va_vs_hma]" in set(sr.skipped.model)
    assert set(sr.interaction.analysis) <= {"secondary"}


def test_contrast_arm_absent_from_every_cohort_is_an_input_error(repo_golden):
    clinical, long = _predictive_inputs(repo_golden)
    res = analysis.predictive_cohort(long, clinical, contrasts=CONTRASTS, primary="PRIMARY", min_epv=1)
    status = {"c1": res.contrasts, "c2": res.contrasts}
    with pytest.raises(InputError) as err:
        analysis.check_contrast_arms(status, CONTRASTS, config_name="config.yaml")
    msg = str(err.value)
    assert "va_vs_hma" in msg and "HMA" in msg and "'VEN+AraC'" in msg and "'chemo'" in msg and "Fix:" in msg
    analysis.check_contrast_arms(status, CONTRASTS[:1])  # both arms exist somewhere: fine
    no_arm = analysis.predictive_cohort(long, clinical.drop(columns="treatment"), contrasts=CONTRASTS,
                                        primary="PRIMARY")
    assert set(no_arm.contrasts.status) == {"skipped"} and no_arm.contrasts.reason.str.contains("no treatment").all()
    analysis.check_contrast_arms({"c1": no_arm.contrasts}, CONTRASTS)  # no treatment column anywhere: no error


@pytest.mark.parametrize("cut_rule", ["median", "discovery_median", "tertiles"])
def test_one_signature_scored_alone_gives_the_rows_of_the_full_scoring(fixture_counts, cut_rule):
    """The signature_groups rule scores a DE contrast's signature alone (so adding another
    signature does not rerun that DE); its rows must be exactly the rows score_cohort gives
    it among all signatures and comparators (byte-identical once written with %.10g)."""
    from mitoscore.io import as_written

    expr, sigs = _cut_inputs(fixture_counts)
    sigs["OTHER"] = Signature("OTHER", sigs["MITO_SIGNATURE"].genes[:25], None, "", "")
    full = analysis.score_cohort(expr, sigs, single_genes=["MITO003"], cut_rule=cut_rule, cohort="C")
    for name in ("MITO_SIGNATURE", "W"):
        alone = analysis.score_cohort(expr, {name: sigs[name]}, sensitivity=(), cut_rule=cut_rule, cohort="C")
        rows = full.scores[full.scores.signature == name].reset_index(drop=True)
        pd.testing.assert_frame_equal(as_written(alone.scores), as_written(rows))  # exact, as written
        assert (alone.scores["group"].to_numpy() == rows["group"].to_numpy()).all()
        cuts = full.cutpoints[full.cutpoints.signature == name].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone.cutpoints, cuts)
    # and with a frozen cut from another cohort (discovery_median outside the discovery cohort)
    if cut_rule == "discovery_median":
        disc = analysis.score_cohort(expr.iloc[:, :30], sigs, sensitivity=(), cut_rule=cut_rule, cohort="D")
        full = analysis.score_cohort(expr.iloc[:, 30:], sigs, sensitivity=(), cut_rule=cut_rule, cohort="V",
                                     frozen=disc.cutpoints)
        one = disc.cutpoints[disc.cutpoints.signature == "MITO_SIGNATURE"]
        alone = analysis.score_cohort(expr.iloc[:, 30:], {"MITO_SIGNATURE": sigs["MITO_SIGNATURE"]},
                                      sensitivity=(), cut_rule=cut_rule, cohort="V", frozen=one)
        rows = full.scores[full.scores.signature == "MITO_SIGNATURE"].reset_index(drop=True)
        assert (alone.scores["group"].to_numpy() == rows["group"].to_numpy()).all()
        assert (alone.scores["group"] == "high").sum() != 15  # the frozen cut, not this cohort's median
