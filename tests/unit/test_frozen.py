"""mitoscore.frozen: the frozen model, end to end (freeze in discovery -> JSON -> apply in
validation) against R (tests/golden/frozen_validation.R), plus the rules a frozen model must
keep: unchanged by the validation data, exact round trip through its file, checksum refused
when changed, unseen levels / strata / missing covariates counted and never recoded.

Tolerances as tests/unit/test_calibration.py: abs 1e-10 (measured <= 6e-15) except glm's CITL
SE-derived columns, abs 1e-8 (measured <= 5e-9)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mitoscore import config as cfg
from mitoscore import frozen
from mitoscore.errors import InputError

HORIZONS = [6.5, 12, 24]
TOL = 1e-10


def _cohort(d: pd.DataFrame, prefix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A cohort in the workflow's tables: scores.tsv (long; the score x1 as a single-gene
    score, so its frozen scale is the score itself; the cohort's own z) and the validated
    clinical table (os_months, os_event, covariates x2, grp and stratum arm)."""
    d = d.reset_index(drop=True)
    ids = [f"{prefix}{i + 1:03d}" for i in range(len(d))]
    z_own = (d.x1 - d.x1.mean()) / d.x1.std(ddof=1)
    scores = pd.DataFrame({"sample": ids, "signature": "X1", "kind": "single_gene", "score": d.x1, "es": np.nan,
                           "z": z_own, "group": np.where(d.x1 > d.x1.median(), "high", "low")})
    clinical = pd.DataFrame({"os_months": d.time.astype(float), "os_event": d.status, "x2": d.x2, "grp": d.grp,
                             "arm": d.arm}).set_axis(pd.Index(ids, name="sample"))
    return scores, clinical


def _freeze(scores, clinical, **kw):
    return frozen.freeze_model(scores, clinical, cohort="disc", covariates=["x2", "grp"],
                               reference_levels={"grp": "b"}, strata=["arm"], **kw)


@pytest.fixture(scope="module")
def split(repo_golden):
    large = repo_golden("tied_large.tsv")
    return _cohort(large.iloc[:200], "D"), _cohort(large.iloc[200:], "V")


def _validate(model, val, **kw):
    kw = {"horizons": HORIZONS, "primary": "X1", "calibration_groups": 5, "min_events_per_group": 10, **kw}
    return frozen.validate_cohort(model, *val, **kw)


def _round_trip(model, tmp_path):
    frozen.write_model(model, tmp_path / "model.json", tmp_path / "model.sha256")
    return frozen.read_model(tmp_path / "model.json", tmp_path / "model.sha256")[0]


@pytest.mark.parametrize("case", ["split", "small"])
def test_freeze_then_validate_equals_r(repo_golden, tmp_path, case):
    large, small = repo_golden("tied_large.tsv"), repo_golden("tied_small.tsv")
    disc, val, groups, per_group = ((large.iloc[:200], large.iloc[200:], 5, 10) if case == "split"
                                    else (large, small, 3, 5))
    model = _round_trip(_freeze(*_cohort(disc, "D")), tmp_path)  # through the file, as the workflow does
    sig = model["signatures"]["X1"]
    gf = repo_golden("frozen_validation_frozen.tsv")
    gf = gf[gf["case"] == case].set_index(["term", "stat"])["value"]
    assert sig["scale"] == "score"
    assert sig["standardisation"]["mean"] == pytest.approx(gf["mean", "value"], abs=1e-14)
    assert sig["standardisation"]["sd"] == pytest.approx(gf["sd", "value"], abs=1e-14)
    assert sig["cut"]["value"] == pytest.approx(gf["median", "value"], abs=1e-14)
    gcoef = repo_golden("frozen_validation_coef.tsv")
    for mname, gm in (("univariable", "uni"), ("multivariable", "multi")):
        m = sig["models"][mname]
        g = gcoef[(gcoef["case"] == case) & (gcoef["model"] == gm)]
        np.testing.assert_allclose(m["coef"], g["coef"], rtol=0, atol=TOL)
        np.testing.assert_allclose(m["se"], g["se"], rtol=0, atol=TOL)
    assert sig["models"]["multivariable"]["terms"] == ["score_per_sd", "x2", "grp[a]", "grp[c]"]
    assert sig["models"]["multivariable"]["covariates"][2] == {"name": "grp", "type": "categorical",
                                                               "reference": "b", "levels": ["b", "a", "c"]}
    assert [b["stratum"] for b in sig["models"]["multivariable"]["baseline"]] == ["arm=ref", "arm=test"]

    res = _validate(model, _cohort(val, "V"), calibration_groups=groups, min_events_per_group=per_group)
    # HR of the frozen score and of the frozen groups, re-estimated in the validation cohort
    fc = res.frozen_cox.set_index("model")
    assert fc.loc["frozen_score", "coef"] == pytest.approx(gf["z", "coef"], abs=TOL)
    assert fc.loc["frozen_score", "se"] == pytest.approx(gf["z", "se"], abs=TOL)
    assert fc.loc["frozen_group", "coef"] == pytest.approx(gf["high", "coef"], abs=TOL)
    assert fc.loc["frozen_group", "se"] == pytest.approx(gf["high", "se"], abs=TOL)
    assert fc.loc["frozen_score", "analysis"] == "primary"
    # calibration and Brier scores of both frozen models
    gc = repo_golden("frozen_validation_calibration.tsv")
    gc = gc[gc["case"] == case].set_index("model")
    cal = res.calibration.set_index("model")
    for mname, gm in (("univariable", "uni"), ("multivariable", "multi")):
        r, g = cal.loc[mname], gc.loc[gm]
        assert r["n"] == g["n"] and r["events"] == g["events"] and r["n_not_predicted"] == 0
        for ours, theirs in (("slope", "slope"), ("slope_se", "slope_se"), ("slope_lower", "slope_lower"),
                             ("slope_upper", "slope_upper"), ("slope_p_eq1", "slope_p_eq1"),
                             ("expected", "expected"), ("citl_intercept", "citl_intercept"),
                             ("ibs", "ibs_model"), ("ibs_null", "ibs_null")):
            assert r[ours] == pytest.approx(g[theirs], abs=TOL), (mname, ours)
        for ours in ("citl_se", "citl_p", "oe_lower", "oe_upper"):
            assert r[ours] == pytest.approx(g[ours], abs=1e-8), (mname, ours)
        assert r["oe"] == pytest.approx(g["observed"] / g["expected"], abs=TOL)
        gb = repo_golden("frozen_validation_brier.tsv")
        gb = gb[(gb["case"] == case) & (gb["model"] == gm)].set_index("time")
        for h in (12, 24):  # horizons that are grid (observed) times
            assert r[f"brier_{h}m"] == pytest.approx(gb.loc[h, "brier_model"], abs=TOL)
            assert r[f"brier_null_{h}m"] == pytest.approx(gb.loc[h, "brier_null"], abs=TOL)
            assert r[f"ipa_{h}m"] == pytest.approx(1 - gb.loc[h, "brier_model"] / gb.loc[h, "brier_null"], abs=1e-9)
        assert r["brier_6.5m"] == pytest.approx(gb.loc[6.5, "brier_model"], abs=TOL)  # not an observed time
    assert cal.loc["univariable", "analysis"] == "primary" and cal.loc["multivariable", "analysis"] == "secondary"
    # predicted vs observed per group
    gcur = repo_golden("frozen_validation_curve.tsv")
    gcur = gcur[gcur["case"] == case].replace({"model": {"uni": "univariable", "multi": "multivariable"}})
    mg = res.curve.merge(gcur, on=["model", "grouping", "group", "horizon"], suffixes=("", "_r"), validate="1:1")
    assert len(mg) == len(gcur) == len(res.curve)
    for col in ("predicted", "observed", "observed_lower", "observed_upper"):
        np.testing.assert_allclose(mg[col], mg[f"{col}_r"], rtol=0, atol=TOL, equal_nan=True)
    # per-patient: frozen z (discovery scaling) differs from the cohort's own re-estimated z
    sc = res.scores
    assert np.abs(sc["z_frozen"] - sc["z_reestimated"]).max() > 1e-3
    gp = repo_golden("frozen_validation_pred.tsv")
    gp = gp[(gp["case"] == case) & (gp["model"] == "multi")]
    np.testing.assert_allclose(sc["lp_multivariable"], gp["lp"], rtol=0, atol=TOL)


def test_frozen_model_file_is_deterministic_and_round_trips_exactly(split, tmp_path):
    (d_scores, d_clin), _ = split
    a = frozen.model_json(_freeze(d_scores, d_clin))
    b = frozen.model_json(_freeze(d_scores.sample(frac=1, random_state=1), d_clin.sample(frac=1, random_state=2)))
    # row order of the discovery tables does not matter (only cumulative sums differ in the last bit)
    ma, mb = json.loads(a), json.loads(b)
    sa, sb = ma["signatures"]["X1"], mb["signatures"]["X1"]
    assert sa["cut"] == sb["cut"]
    np.testing.assert_allclose(sa["models"]["multivariable"]["coef"], sb["models"]["multivariable"]["coef"],
                               rtol=0, atol=1e-12)
    d1 = frozen.write_model(ma, tmp_path / "m1.json", tmp_path / "m1.sha256")
    d2 = frozen.write_model(ma, tmp_path / "m2.json", tmp_path / "m2.sha256")
    assert d1 == d2 and (tmp_path / "m1.json").read_bytes() == (tmp_path / "m2.json").read_bytes()
    assert (tmp_path / "m1.sha256").read_text() == f"{d1}  m1.json\n"
    model, digest = frozen.read_model(tmp_path / "m1.json", tmp_path / "m1.sha256")
    assert digest == d1 and model == ma


def test_changed_model_file_is_refused(split, tmp_path):
    (d_scores, d_clin), _ = split
    frozen.write_model(_freeze(d_scores, d_clin), tmp_path / "model.json", tmp_path / "model.sha256")
    p = tmp_path / "model.json"
    p.write_text(p.read_text().replace('"cut_rule": "median"', '"cut_rule": "mean"'))
    with pytest.raises(InputError, match=r"model.json.*does not match its checksum.*Fix:"):
        frozen.read_model(p, tmp_path / "model.sha256")


def test_unseen_levels_strata_and_missing_covariates_are_counted_not_recoded(split):
    (d_scores, d_clin), (v_scores, v_clin) = split
    model = _freeze(d_scores, d_clin)
    v = v_clin.copy()
    v.iloc[0, v.columns.get_loc("grp")] = "d"          # a level discovery never saw
    v.iloc[1, v.columns.get_loc("arm")] = "placebo"    # a stratum discovery never saw
    v.iloc[2, v.columns.get_loc("x2")] = np.nan        # a missing covariate
    res = _validate(model, (v_scores, v))
    mv = res.status[(res.status["model"] == "multivariable")].iloc[0]
    assert mv["n_not_predicted"] == 3 and mv["n_predicted"] == len(v) - 3
    assert "grp='d' not seen in the discovery cohort" in mv["note"]
    assert "stratum 'arm=placebo' not seen in the discovery cohort" in mv["note"] and "missing x2" in mv["note"]
    sc = res.scores.set_index("sample")
    assert sc["lp_multivariable"].isna().sum() == 3
    assert "not seen" in sc.loc[v.index[0], "not_predicted_multivariable"]
    cal = res.calibration.set_index("model")
    assert cal.loc["multivariable", "n"] == len(v) - 3 and cal.loc["multivariable", "n_not_predicted"] == 3
    assert cal.loc["univariable", "n"] == len(v)  # the score model needs no covariate
    # a covariate column absent from the cohort: that model is not validated, with the reason
    res2 = _validate(model, (v_scores, v_clin.drop(columns="grp")))
    st = res2.status.set_index("model").loc["multivariable"]
    assert st["status"] == "not validated" and "covariate 'grp' of the frozen model" in st["note"]
    assert list(res2.calibration["model"]) == ["univariable"]


def test_skipped_discovery_model_and_signatures_outside_the_model_are_recorded(split):
    (d_scores, d_clin), (v_scores, v_clin) = split
    model = frozen.freeze_model(d_scores, d_clin, cohort="disc", min_events=10_000)
    assert model["signatures"]["X1"]["models"]["univariable"]["status"] == "skipped"
    extra = v_scores.assign(signature="DERIVED")
    res = _validate(model, (pd.concat([v_scores, extra]), v_clin))
    st = res.status
    assert "could not be fitted" in st[(st.signature == "X1") & (st.model == "univariable")]["note"].iloc[0]
    assert "not scored in the discovery cohort" in st[st.signature == "DERIVED"]["note"].iloc[0]
    assert res.calibration.empty and list(res.calibration.columns[:4]) == ["signature", "kind", "model", "analysis"]
    fb = frozen.fallback_result("cohortX", HORIZONS, "no discovery cohort in the run")
    assert fb.status["status"].iloc[0] == "per-cohort fallback" and "cohortX" in fb.status["note"].iloc[0]
    assert "brier_6.5m" in fb.calibration.columns and fb.frozen_cox.empty


def test_ssgsea_signatures_freeze_on_the_raw_enrichment_score(split):
    (d_scores, d_clin), (v_scores, v_clin) = split
    s = d_scores.assign(kind="ssgsea", es=d_scores["score"] * 1000 + 5, score=d_scores["score"] / 3)
    model = frozen.freeze_model(s, d_clin, cohort="disc")
    sig = model["signatures"]["X1"]
    assert sig["scale"] == "es" and sig["standardisation"]["mean"] == pytest.approx(s["es"].mean())
    v = v_scores.assign(kind="ssgsea", es=v_scores["score"] * 1000 + 5)
    res = _validate(model, (v, v_clin))
    sc = res.scores
    np.testing.assert_allclose(sc["z_frozen"], (v["es"].to_numpy() - s["es"].mean()) / s["es"].std(ddof=1),
                               rtol=0, atol=1e-12)
    assert (sc["group_frozen"] == np.where(v["es"] > s["es"].median(), "high", "low")).all()


def test_label_estimation_marks_reestimated_rows_as_sensitivity():
    cox = pd.DataFrame({"signature": ["S", "S"], "model": ["univariable", "group"], "analysis": ["primary",
                                                                                               "secondary"]})
    out = frozen.label_estimation(cox, frozen.SENSITIVITY)
    assert (out["analysis"] == "sensitivity (re-estimated in this cohort)").all()
    assert (out["estimation"] == frozen.SENSITIVITY).all()
    disc = frozen.label_estimation(cox, "discovery")
    assert list(disc["analysis"]) == ["primary", "secondary"] and (disc["estimation"] == "discovery").all()


def test_discovery_cohort_of_the_frozen_model_and_labels():
    rows = [{"cohort": "A", "role": "discovery"}, {"cohort": "B", "role": "validation"}, {"cohort": "C"}]
    v = {"frozen": True}
    assert cfg.frozen_cohort(v, rows, sheet_path="s.tsv") == "A"
    assert cfg.validated_cohorts(v, rows, "A") == ["B", "C"]  # role defaults to validation
    assert cfg.estimation_label("A", rows, v, "A") == "discovery"
    assert cfg.estimation_label("B", rows, v, "A") == "sensitivity (re-estimated in this cohort)"
    assert cfg.frozen_cohort({"frozen": False}, rows, sheet_path="s.tsv") is None
    assert cfg.estimation_label("B", rows, {"frozen": False}, None) == "per-cohort (frozen validation disabled)"
    no_disc = [{"cohort": "B", "role": "validation"}]
    assert cfg.frozen_cohort(v, no_disc, sheet_path="s.tsv") is None
    assert cfg.estimation_label("B", no_disc, v, None) == "per-cohort (no discovery cohort in the run)"
    two = [{"cohort": "A", "role": "discovery"}, {"cohort": "D", "role": "discovery"}, {"cohort": "B"}]
    with pytest.raises(InputError, match=r"s.tsv: column 'role'.*frozen-model validation needs one discovery "
                                         r"cohort; the sheet has 2.*validation.discovery_cohort"):
        cfg.frozen_cohort(v, two, sheet_path="s.tsv")
    assert cfg.frozen_cohort({"discovery_cohort": "D"}, two, sheet_path="s.tsv") == "D"
    assert cfg.estimation_label("A", two, v, "D").startswith("per-cohort")
    with pytest.raises(InputError, match=r"does not have role 'discovery'"):
        cfg.frozen_cohort({"discovery_cohort": "B"}, two, sheet_path="s.tsv")
    with pytest.raises(InputError, match=r"discovery cohort of the frozen model 'Dx'.*did you mean 'D'"):
        cfg.frozen_cohort({"discovery_cohort": "Dx"}, two, sheet_path="s.tsv")
