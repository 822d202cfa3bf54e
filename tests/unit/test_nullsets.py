"""mitoscore.nullsets: the random-gene-set null (engine: mitoscore.cox.fit_many, tests/unit/test_cox.py)."""
import warnings

import numpy as np
import pandas as pd
import pytest

from mitoscore import analysis, fmt, nullsets, plots
from mitoscore.io import read_gmt
from mitoscore.scores import log2_normalised, median_of_ratios
from mitoscore.signatures import Signature

from tests.conftest import FIXTURE


@pytest.fixture(scope="module")
def fixture_run(fixture_counts, fixture_clinical):
    """The oracle fixture scored and modelled like the workflow (score rule + survival rule)."""
    expr = log2_normalised(fixture_counts, median_of_ratios(fixture_counts))
    sets = read_gmt(FIXTURE / "genesets.gmt")
    sigs = {"MITO_SIGNATURE": Signature("MITO_SIGNATURE", sets["MITO_SIGNATURE"][1], None, "", ""),
            "SMALL": Signature("SMALL", sets["MITO_SIGNATURE"][1][:10], None, "", ""),
            "W": Signature("W", ["GENE00003", "GENE00007"], {"GENE00003": 1.0, "GENE00007": -0.5}, "", "")}
    scored = analysis.score_cohort(expr, sigs, single_genes=["GENE00019"])
    clinical = fixture_clinical.rename_axis("sample")[["os_months", "os_event"]]
    surv = analysis.survival_cohort(scored.scores, clinical, primary="MITO_SIGNATURE", n_bootstrap=0)
    return expr, clinical, sigs, surv.cox


def _null(fixture_run, **kw):
    expr, clinical, sigs, cox = fixture_run
    args = dict(n_sets=60, seed=7, single_genes=["GENE00019"])
    args.update(kw)
    return nullsets.random_null(expr, clinical, cox, sigs, **args)


def test_random_null_puts_the_planted_signature_near_the_top(fixture_run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # issue 11: "invalid value encountered in sqrt" on every run
        null, summary = _null(fixture_run)
    assert list(null.columns) == nullsets.NULL_COLUMNS and list(summary.columns) == nullsets.SUMMARY_COLUMNS
    s = summary.set_index("signature")
    assert set(s.index) == {"MITO_SIGNATURE", "SMALL", "W", "GENE00019"}
    assert s.loc["MITO_SIGNATURE", "size"] == 150 and s.loc["MITO_SIGNATURE", "n_random"] == 60
    assert (s["n_valid"] + s["n_failed"] == s["n_random"]).all()
    assert s.loc["MITO_SIGNATURE", "percentile_abs_z"] >= 95  # planted HR 1.7 per SD
    # the observed model is the survival rule's row of cox.tsv (R coxph: 1.69621305306), not a refit
    assert s.loc["MITO_SIGNATURE", "observed_hr"] == pytest.approx(1.69621305306, rel=1e-9)
    cox = fixture_run[3]
    uni = cox[(cox.model == "univariable")].set_index("signature")
    assert (s["observed_z"] == uni.loc[s.index, "z"]).all()
    assert 0 < s.loc["MITO_SIGNATURE", "empirical_p"] <= 1 / 61 * 4
    # every signature against the null of its OWN size
    for name, row in s.iterrows():
        zr = null[(null.signature == name) & (null.status == "ok")]["z"].abs().to_numpy()
        assert (null[null.signature == name]["size"] == row["size"]).all()
        assert row["percentile_abs_z"] == pytest.approx(100 * np.mean(zr < abs(row["observed_z"])), abs=1e-12)
        assert row["empirical_p"] == pytest.approx((1 + np.sum(zr >= abs(row["observed_z"]))) / (zr.size + 1))
    # deterministic given the seed
    null2, _ = _null(fixture_run)
    pd.testing.assert_frame_equal(null, null2)


def test_failed_draws_are_excluded_and_counted(fixture_run, monkeypatch):
    """issue 10: a draw whose Cox model did not converge (or has an infinite coefficient)
    must not count as a valid draw (it used to enter the null with coef -15 and SE NA)."""
    from mitoscore import cox

    real = cox.fit_many

    def failing(t, e, X, **kw):
        out = real(t, e, X, **kw)
        out.loc[:4, ["coef", "se", "z", "p"]] = np.nan  # five draws fail
        out.loc[:4, "status"] = "not converged"
        out.loc[:4, "converged"] = False
        return out

    monkeypatch.setattr(cox, "fit_many", failing)
    null, summary = _null(fixture_run, single_genes=[])
    s = summary.set_index("signature")
    assert (s["n_failed"] == 5).all() and (s["n_valid"] == 55).all() and (s["n_random"] == 60).all()
    for name, row in s.iterrows():
        zr = null[(null.signature == name) & (null.status == "ok")]["z"].abs().to_numpy()
        assert zr.size == 55
        assert row["empirical_p"] == pytest.approx((1 + np.sum(zr >= abs(row["observed_z"]))) / 56)


def test_a_separating_draw_is_excluded(fixture_clinical):
    """End to end through the engine: a random score that separates the deaths (monotone
    likelihood) is 'infinite coefficient' or 'not converged', never a valid draw."""
    t = fixture_clinical["os_months"].to_numpy(float)
    e = fixture_clinical["os_event"].to_numpy(float)
    X = pd.DataFrame({"sep": -t,  # the earliest time has the highest score: monotone likelihood
                      "ok": np.random.default_rng(1).normal(size=t.size),
                      "const": np.ones(t.size)})
    fit = nullsets._fit_null("S", "ssgsea", 3, X, t, e)
    assert fit.status.tolist()[1:] == ["ok", "constant column"]
    assert fit.status.iloc[0] in ("infinite coefficient", "not converged")
    assert fit.loc[[0, 2], "z"].isna().all() and np.isfinite(fit.loc[1, "z"])


def test_no_events_skips_the_null_with_a_note(fixture_run):
    """issue 11: a cohort without events used to crash (IndexError in np.add.reduceat)."""
    expr, clinical, sigs, _ = fixture_run
    no_events = clinical.assign(os_event=0)
    surv = analysis.survival_cohort(
        analysis.score_cohort(expr, sigs, single_genes=["GENE00019"]).scores, no_events,
        primary="MITO_SIGNATURE", n_bootstrap=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        null, summary = nullsets.random_null(expr, no_events, surv.cox, sigs, n_sets=20, seed=7,
                                             single_genes=["GENE00019"])
    assert null.empty and list(null.columns) == nullsets.NULL_COLUMNS
    assert len(summary) == 4 and summary["note"].str.contains("only 0 events").all()
    assert summary["empirical_p"].isna().all()
    # the figure still builds (one panel per signature, each with its note)
    fig = plots.null_distribution_plot(null, summary, title="no events")
    assert len([a for a in fig.axes if not a.axison]) >= 4


def test_figure_panels_match_the_table(fixture_run):
    """Each signature has its own panel with its own null and the table's numbers."""
    null, summary = _null(fixture_run)
    fig = plots.null_distribution_plot(null, summary, title="t")
    texts = {}
    for ax in fig.axes:
        leg = ax.get_legend()
        if leg is not None:
            texts[ax.get_title(loc="left")] = [t.get_text() for t in leg.get_texts()]
    assert len(texts) == len(summary)
    for r in summary.itertuples():
        (title, legend), = [(k, v) for k, v in texts.items() if k.startswith(f"{r.signature} vs")]
        assert f"valid draws N = {r.n_valid} (excluded: {r.n_failed})" == legend[0]
        assert f"|z| = {abs(r.observed_z):.2f}; percentile {r.percentile_abs_z:.1f}" in legend[1]
        assert fmt.p_text(r.empirical_p, "empirical p") in legend[1]
        hist = [a for a in fig.axes if a.get_title(loc="left") == title][0]
        # the bars are drawn as one compound patch per group (plots._bars); read their heights back
        n_drawn = sum(plots.bar_heights(p).sum() for p in hist.patches)
        assert n_drawn == r.n_valid  # the panel shows this signature's own valid draws only


def test_one_pass_scoring_equals_one_signature_at_a_time(fixture_run):
    """The ssGSEA signatures' random sets are scored in one pass (ranks computed once); each
    signature's rows equal those of a run with that signature alone (its own seed, seed + its
    position), compared as bytes of the written table (tolerance 0)."""
    from mitoscore.io import write_tsv

    expr, clinical, sigs, cox = fixture_run
    null, summary = nullsets.random_null(expr, clinical, cox, sigs, n_sets=40, seed=5)
    for i, (name, sig) in enumerate(sigs.items()):
        alone, alone_summary = nullsets.random_null(expr, clinical, cox, {name: sig}, n_sets=40, seed=5 + i)
        both = null[null.signature == name].reset_index(drop=True)
        assert len(both) == 40
        pd.testing.assert_frame_equal(both, alone.reset_index(drop=True), check_exact=True)
        pd.testing.assert_frame_equal(summary[summary.signature == name].reset_index(drop=True), alone_summary,
                                      check_exact=True)
