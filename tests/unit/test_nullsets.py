"""mitoscore.nullsets: vectorised univariable Cox and the random-gene-set null."""
import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from mitoscore import analysis, nullsets
from mitoscore.io import read_gmt
from mitoscore.scores import log2_normalised, median_of_ratios
from mitoscore.signatures import Signature

from tests.conftest import FIXTURE


def test_cox_univariable_many_matches_r(golden):
    si = golden("survival_input.tsv")
    rc = golden("cox.tsv").set_index("model")
    fit = nullsets.cox_univariable_many(si.os_months, si.os_event, np.c_[si.mito_z, si.mito_ssgsea])
    for i, model in enumerate(["uni_z", "uni_raw"]):
        assert fit.coef[i] == pytest.approx(rc.loc[model, "coef"], rel=1e-9)   # R coxph, Efron
        assert fit.se[i] == pytest.approx(rc.loc[model, "se"], rel=1e-9)
        assert fit.loglik[i] == pytest.approx(rc.loc[model, "loglik"], abs=1e-8)
    assert fit.converged.all()


def test_cox_univariable_many_with_heavy_ties_matches_lifelines():
    rng = np.random.default_rng(3)
    n = 150
    t = rng.integers(1, 12, n).astype(float)  # many tied times
    e = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 4))
    fit = nullsets.cox_univariable_many(t, e, X)
    for k in range(4):
        cph = CoxPHFitter().fit(pd.DataFrame({"t": t, "e": e, "x": X[:, k]}), "t", "e",
                                fit_options={"precision": 1e-12, "r_precision": 1e-12, "max_steps": 200})
        assert fit.coef[k] == pytest.approx(cph.params_["x"], abs=1e-8)
        assert fit.se[k] == pytest.approx(cph.standard_errors_["x"], rel=1e-7)


def test_random_null_puts_the_planted_signature_near_the_top(fixture_counts, fixture_clinical):
    expr = log2_normalised(fixture_counts, median_of_ratios(fixture_counts))
    sets = read_gmt(FIXTURE / "genesets.gmt")
    sigs = {"MITO_SIGNATURE": Signature("MITO_SIGNATURE", sets["MITO_SIGNATURE"][1], None, "", ""),
            "W": Signature("W", ["GENE00003", "GENE00007"], {"GENE00003": 1.0, "GENE00007": -0.5}, "", "")}
    scored = analysis.score_cohort(expr, sigs, single_genes=["GENE00019"])
    clinical = fixture_clinical.rename_axis("sample")
    null, summary = nullsets.random_null(expr, clinical, scored.scores, sigs, n_sets=60, seed=7,
                                         single_genes=["GENE00019"])
    s = summary.set_index("signature")
    assert set(s.index) == {"MITO_SIGNATURE", "W", "GENE00019"}
    assert s.loc["MITO_SIGNATURE", "size"] == 150 and s.loc["MITO_SIGNATURE", "n_random"] == 60
    assert s.loc["MITO_SIGNATURE", "percentile_abs_z"] >= 95  # planted HR 1.7 per SD
    assert s.loc["MITO_SIGNATURE", "observed_hr"] == pytest.approx(1.69621305306, rel=1e-6)
    assert 0 < s.loc["MITO_SIGNATURE", "empirical_p"] <= 1 / 61 * 4
    # deterministic given the seed
    null2, _ = nullsets.random_null(expr, clinical, scored.scores, sigs, n_sets=60, seed=7,
                                    single_genes=["GENE00019"])
    pd.testing.assert_frame_equal(null, null2)
