"""TRIPOD external validation on the SYNTHETIC demo run (tests/workflow/conftest.py::demo_run):
SYNTHETIC_cohortA (role discovery) freezes the model, SYNTHETIC_cohortB (role validation)
applies it unchanged. The demo data are simulated (resources/demo/README.md).

Planted truth for the calibration slope. The two cohorts are drawn from the same generative
model (same conditional hazard given latent OXPHOS z, arm, age and ELN; they differ in size,
arm mix and censoring) and the expression scores measure z almost without error (README:
correlation 0.997), so one unit of the frozen z (per discovery SD) is one SD of z in both. The
frozen model is a fixed function of the data; its true calibration slope in cohort B is the
population log-HR per unit of its linear predictor there: log(HR_B) / b_disc, with HR_B the
population (Monte-Carlo) marginal HR per SD of z in cohort B's design (truth.json) and b_disc
the frozen coefficient (model.json). A model transported without loss would have slope 1
(b_disc = log HR_A and HR_A ~ HR_B: log(1.207) / log(1.227) = 0.92). The 95% CI of the
estimated slope must cover the conditional truth, and 1.
"""
import hashlib
import json
import math

import numpy as np
import pandas as pd
import pytest

from .conftest import REPO

pytestmark = pytest.mark.workflow
TRUTH = json.loads((REPO / "resources" / "demo" / "truth.json").read_text())["cohorts"]
A, B = "SYNTHETIC_cohortA", "SYNTHETIC_cohortB"


def tsv(path):
    return pd.read_csv(path, sep="\t", na_values=["NA"])


def model(work):
    return json.loads((work / "results" / "frozen" / "model.json").read_text())


def test_frozen_model_file_checksums_and_content(demo_run):
    fz = demo_run / "results" / "frozen"
    raw = (fz / "model.json").read_bytes()
    digest, name = (fz / "model.sha256").read_text().split()
    assert hashlib.sha256(raw).hexdigest() == digest and name == "model.json"
    m = json.loads(raw)
    assert m["discovery_cohort"] == A and m["format"] == "mitoscore.frozen_model/1"
    roles = {r["role"]: r for r in m["inputs"]}
    assert {"scores", "clinical", "raw counts", "raw clinical"} <= set(roles)
    for r in m["inputs"]:  # every recorded discovery input checksum is the file's
        assert hashlib.sha256((demo_run / r["file"]).read_bytes()).hexdigest() == r["sha256"], r["file"]
    assert A in roles["scores"]["file"] and B not in json.dumps(m["inputs"])
    scores = tsv(demo_run / "results" / "cohorts" / A / "scores.tsv")
    for sig, scale in (("MITOSCORE", "es"), ("LSC17", "score"), ("BCL2", "score")):
        s = m["signatures"][sig]
        x = scores.loc[scores.signature == sig, scale]
        assert s["scale"] == scale
        assert s["standardisation"]["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert s["standardisation"]["sd"] == pytest.approx(x.std(ddof=1), rel=1e-12)
        assert s["cut"]["value"] == pytest.approx(x.median(), rel=1e-12)
        assert s["models"]["univariable"]["status"] == "fitted"
    mv = m["signatures"]["MITOSCORE"]["models"]["multivariable"]
    assert mv["status"] == "fitted" and mv["n"] == TRUTH[A]["n_samples"] and mv["events"] == TRUTH[A]["n_events"]
    enc = {c["name"]: c for c in mv["covariates"]}
    assert enc["age"]["type"] == "numeric"
    assert enc["sex"]["reference"] == "F" and enc["eln2017"]["reference"] == "favorable"
    assert mv["terms"] == ["score_per_sd", "age", "sex[M]", "eln2017[adverse]", "eln2017[intermediate]"]
    # the frozen univariable coefficient is the discovery cohort's own per-cohort estimate
    cox = tsv(demo_run / "results" / "cohorts" / A / "survival" / "cox.tsv")
    uni = cox[(cox.signature == "MITOSCORE") & (cox.model == "univariable")].iloc[0]
    assert m["signatures"]["MITOSCORE"]["models"]["univariable"]["coef"][0] == pytest.approx(uni.coef, abs=1e-6)
    assert "MITOSCORE_DERIVED" not in m["signatures"]  # derived in A, never scored there


def test_validation_outputs_follow_the_contract(demo_run):
    v = demo_run / "results" / "cohorts" / B / "validation"
    assert not (demo_run / "results" / "cohorts" / A / "validation").exists()  # discovery is not validated
    fc = tsv(v / "frozen_cox.tsv")
    assert list(fc.columns[:10]) == ["signature", "kind", "model", "term", "hr", "ci_lower", "ci_upper", "p", "n",
                                     "events"]
    cal = tsv(v / "calibration.tsv")
    for col in ("slope", "slope_lower", "slope_upper", "slope_p_eq1", "observed", "expected", "oe", "oe_lower",
                "oe_upper", "citl_intercept", "brier_12m", "brier_null_12m", "brier_24m", "ibs", "ibs_null"):
        assert col in cal.columns, col
    cur = tsv(v / "calibration_curve.tsv")
    assert list(cur.columns) == ["signature", "model", "horizon", "grouping", "group", "n", "events", "predicted",
                                 "observed", "observed_lower", "observed_upper", "analysis"]
    assert set(cur.horizon) == {12, 24} and set(cur.grouping) == {"frozen_group", "lp_quantile"}
    q = cur[(cur.signature == "MITOSCORE") & (cur.model == "univariable") & (cur.grouping == "lp_quantile")]
    assert q.group.nunique() == 5 and q.groupby("horizon")["n"].sum().eq(TRUTH[B]["n_samples"]).all()
    st = tsv(v / "status.tsv")
    assert st.loc[st.model == "(frozen model)", "note"].iloc[0].endswith(
        (demo_run / "results" / "frozen" / "model.sha256").read_text().split()[0] + ")")
    derived = st[st.signature == "MITOSCORE_DERIVED"]
    assert derived.status.iloc[0] == "not validated" and "not scored in the discovery cohort" in derived.note.iloc[0]
    svg = (v / "calibration.svg").read_text()
    assert "<text" in svg and "Predicted survival" in svg


def test_frozen_calibration_slope_covers_the_planted_truth(demo_run):
    cal = tsv(demo_run / "results" / "cohorts" / B / "validation" / "calibration.tsv").set_index(["signature",
                                                                                                  "model"])
    r = cal.loc[("MITOSCORE", "univariable")]
    assert r.analysis == "primary" and r.n == TRUTH[B]["n_samples"] and r.events == TRUTH[B]["n_events"]
    b_disc = model(demo_run)["signatures"]["MITOSCORE"]["models"]["univariable"]["coef"][0]
    hr_b = TRUTH[B]["population_values_monte_carlo"]["univariable_hr_per_sd_latent_z"]
    truth = math.log(hr_b) / b_disc  # the slope of this frozen model in B's population (module docstring)
    assert r.slope_lower <= truth <= r.slope_upper, (r.slope, r.slope_lower, r.slope_upper, truth)
    assert r.slope_lower <= 1 <= r.slope_upper
    mv = cal.loc[("MITOSCORE", "multivariable")]
    assert mv.slope_lower <= 1 <= mv.slope_upper, (mv.slope, mv.slope_lower, mv.slope_upper)
    # calibration-in-the-large and Brier scores are there and sensible (observed = deaths in B)
    assert r.observed == TRUTH[B]["n_events"] and r.oe_lower < r.oe < r.oe_upper
    assert 0 < r.ibs < 0.25 and 0 < r.ibs_null < 0.25
    assert mv.ibs < mv.ibs_null  # the clinical + score model beats the Kaplan-Meier null model


def test_frozen_score_hr_in_validation_covers_the_planted_truth(demo_run):
    fc = tsv(demo_run / "results" / "cohorts" / B / "validation" / "frozen_cox.tsv").set_index(["signature",
                                                                                                "model"])
    r = fc.loc[("MITOSCORE", "frozen_score")]
    truth = TRUTH[B]["population_values_monte_carlo"]["univariable_hr_per_sd_latent_z"]
    assert r.analysis == "primary" and r.discovery_cohort == A
    assert r.ci_lower <= truth <= r.ci_upper and r.hr > 1
    assert fc.loc[("MITOSCORE", "frozen_group"), "hr"] > 1


def test_validation_z_is_the_discovery_scaling_not_the_cohorts_own(demo_run):
    """The point of freezing: cohort B's z uses A's mean and SD (and A's cut), not B's own."""
    sa = tsv(demo_run / "results" / "cohorts" / A / "scores.tsv")
    fs = tsv(demo_run / "results" / "cohorts" / B / "validation" / "frozen_scores.tsv")
    for sig, scale in (("MITOSCORE", "es"), ("LSC17", "score")):
        a = sa.loc[sa.signature == sig, scale]
        f = fs[fs.signature == sig]
        np.testing.assert_allclose(f.z_frozen, (f.value - a.mean()) / a.std(ddof=1), rtol=0, atol=1e-8)
        assert np.abs(f.z_frozen - f.z_reestimated).max() > 0.02, sig  # differs from B's re-estimated z
        assert (f.group_frozen == np.where(f.value > a.median(), "high", "low")).all()


def test_per_cohort_analysis_is_labelled_discovery_or_sensitivity(demo_run):
    ca = tsv(demo_run / "results" / "cohorts" / A / "survival" / "cox.tsv")
    cb = tsv(demo_run / "results" / "cohorts" / B / "survival" / "cox.tsv")
    # the discovery cohort fits the model: none of its tests is primary
    assert (ca.estimation == "discovery").all() and (ca.analysis == "secondary").all()
    assert (cb.estimation == "sensitivity (re-estimated in this cohort)").all()
    # the validation cohort's re-estimated univariable / high vs low models repeat the frozen analysis
    # (sensitivity); its multivariable model answers "independent of the covariates?" (secondary)
    reest = cb.model.isin(["univariable", "group"])
    assert (cb.analysis[reest] == "sensitivity (re-estimated in this cohort)").all()
    assert (cb.analysis[~reest] == "secondary").all() and (~reest).any()
    # its primary test is the frozen model's HR
    fz = tsv(demo_run / "results" / "cohorts" / B / "validation" / "frozen_cox.tsv")
    assert fz.loc[(fz.signature == "MITOSCORE") & (fz.model == "frozen_score"), "analysis"].tolist() == ["primary"]
