"""A cohort with custom gene ids (the R oracle fixture: MITO001, GENE00001) runs through
configuration alone (gene_ids: as_is) and its outputs in the documented contract match
the R goldens (DESeq2 1.38, GSVA 1.46, survival 3.5, maxstat 0.7).

Tolerances: oracle README agreement table.
"""
import numpy as np
import pandas as pd
import pytest

from tests.conftest import assert_deseq_matches_golden

from .conftest import SHARED, oracle_workdir, snakemake

pytestmark = pytest.mark.workflow
FIX = SHARED / "oracle" / "fixture_small"
GOLD = SHARED / "oracle" / "golden"


def g(name):
    return pd.read_csv(GOLD / name, sep="\t")


@pytest.fixture(scope="module")
def oracle_run(tmp_path_factory):
    work = oracle_workdir(tmp_path_factory.mktemp("oracle"))
    snakemake(work, "--cores", "2")
    return work / "results" / "cohorts" / "oracle_fixture"


def test_deseq2_results_match_r(oracle_run):
    """The workflow's DE table meets the oracle tolerance set (NA patterns included)."""
    py = pd.read_csv(oracle_run / "de" / "B_vs_A.tsv", sep="\t")
    assert_deseq_matches_golden(py, g("deseq2_results.tsv"))


def test_ssgsea_score_matches_gsva(oracle_run):
    sc = pd.read_csv(oracle_run / "scores.tsv", sep="\t")
    sc = sc[sc.signature == "MITO_SIGNATURE"].set_index("sample")["score"]
    r = g("ssgsea_scores.tsv")
    r = r[r.setting == "log2norm_1set_norm"].set_index("sample")["score"].loc[sc.index]
    assert np.max(np.abs(sc - r)) <= 1e-8 * (r.max() - r.min())


def test_cox_logrank_km_zph_maxstat_match_r(oracle_run):
    cox = pd.read_csv(oracle_run / "survival" / "cox.tsv", sep="\t")
    rc = g("cox.tsv").set_index(["model", "term"])
    uni = cox[(cox.model == "univariable")].iloc[0]
    for ours, theirs in (("hr", "hr"), ("ci_lower", "hr_lower95"), ("ci_upper", "hr_upper95"), ("p", "p_wald")):
        assert uni[ours] == pytest.approx(rc.loc[("uni_z", "mito_z"), theirs], rel=1e-6)
    assert uni.n == 60 and uni.events == 44
    mv = cox[(cox.model == "multivariable")].set_index("term")
    assert mv.loc["score_per_sd", "hr"] == pytest.approx(rc.loc[("multi_z_age", "mito_z"), "hr"], rel=1e-6)
    assert mv.loc["age", "hr"] == pytest.approx(rc.loc[("multi_z_age", "age"), "hr"], rel=1e-6)
    grp = cox[(cox.model == "group")].iloc[0]
    assert grp.hr == pytest.approx(rc.loc[("uni_group", "group_high"), "hr"], rel=1e-5)

    lr = pd.read_csv(oracle_run / "survival" / "logrank.tsv", sep="\t").iloc[0]
    assert lr.chisq == pytest.approx(g("logrank.tsv").chisq.iloc[0], rel=1e-8)

    med = pd.read_csv(oracle_run / "survival" / "km_median.tsv", sep="\t").set_index("group")
    rm = g("km_median.tsv")
    rm = rm[rm.conf_type == "log-log"].set_index("group")
    for grp_name in ("high", "low"):
        assert med.loc[grp_name, "median"] == pytest.approx(rm.loc[grp_name, "median"], abs=1e-9)

    zph = pd.read_csv(oracle_run / "survival" / "cox_zph.tsv", sep="\t")
    rz = g("cox_zph.tsv")
    rz = rz[rz["transform"] == "km"].set_index(["model", "term"])
    u = zph[zph.model == "univariable"].set_index("term")
    assert u.loc["score_per_sd", "chisq"] == pytest.approx(rz.loc[("uni_z", "mito_z"), "chisq"], abs=1e-6)
    m = zph[zph.model == "multivariable"].set_index("term")
    assert m.loc["GLOBAL", "chisq"] == pytest.approx(rz.loc[("multi_z_age", "GLOBAL"), "chisq"], abs=1e-6)

    ms = pd.read_csv(oracle_run / "survival" / "maxstat_exploratory.tsv", sep="\t").iloc[0]
    rms = g("maxstat.tsv").set_index("pmethod")
    assert ms.cutpoint == pytest.approx(rms.loc["Lau94", "cutpoint"], abs=1e-9)
    assert ms.p_lau94 == pytest.approx(rms.loc["Lau94", "p"], abs=1e-10)
    assert "EXPLORATORY" in ms.analysis


def test_random_null_reads_the_observed_model_and_counts_failures(oracle_run):
    """random_null's own folder; the observed model is the survival rule's cox.tsv row (not a
    refit); every draw is either valid or counted as failed."""
    s = pd.read_csv(oracle_run / "random_null" / "summary.tsv", sep="\t").set_index("signature")
    null = pd.read_csv(oracle_run / "random_null" / "null.tsv", sep="\t")
    cox = pd.read_csv(oracle_run / "survival" / "cox.tsv", sep="\t")
    uni = cox[cox.model == "univariable"].set_index("signature")
    assert s.loc["MITO_SIGNATURE", "observed_hr"] == uni.loc["MITO_SIGNATURE", "hr"]
    assert s.loc["MITO_SIGNATURE", "observed_hr"] == pytest.approx(g("cox.tsv").hr.iloc[0], rel=1e-9)
    assert (s.n_valid + s.n_failed == s.n_random).all() and (s.n_random == 50).all()
    assert (null.groupby("signature").size() == 50).all()
    assert set(null.status) <= {"ok", "not converged", "infinite coefficient", "constant column"}
    assert (oracle_run / "random_null" / "null.svg").stat().st_size > 0
    d = pd.read_csv(oracle_run / "survival" / "discrimination.tsv", sep="\t").iloc[0]
    assert d.uno_tau_months == 24 and d.n_boot == 20
    assert {"auc_12m_cases", "auc_24m_lower", "cgain_optimism", "cgain_n_boot_failed"} <= set(d.index)
