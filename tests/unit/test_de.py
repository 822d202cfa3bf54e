"""mitoscore.de against the R DESeq2 1.38 goldens (shared/oracle/golden).

Tolerances: oracle README "Suggested test tolerances" (log2FC abs 1e-4; for
baseMean >= 10 lfcSE rel 2e-2, stat abs 0.05, -log10 p abs 0.05; identical padj NA
pattern and identical padj<0.1 set; size factors rel 1e-9). VST: asserted <= 1e-5 (observed
7.5e-7 with R's dispersion search; the README's 1.7e-3 is pydeseq2's). The default-inference back end is checked
against the same goldens in test_fastdeseq.py (it is ~10x slower).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mitoscore.de import (RESULT_COLUMNS, deseq_results, fit_deseq, make_inference, run_deseq,
                          size_factors, vst)
from mitoscore.errors import InputError
from tests.conftest import DE_CONTRAST as CONTRAST
from tests.conftest import assert_deseq_matches_golden



@pytest.fixture(scope="module")
def dds_fast(fixture_counts, fixture_clinical):
    return fit_deseq(fixture_counts, fixture_clinical, "~condition", CONTRAST, inference="fast")


@pytest.fixture(scope="module")
def res_fast(fixture_counts, fixture_clinical):
    """Full public call incl. lfc_shrink (cached: used by several tests)."""
    return run_deseq(fixture_counts, fixture_clinical, "~condition", CONTRAST, inference="fast",
                     n_cpus=2)


# ----------------------------------------------------------------------------- goldens
def test_results_default_match_r(res_fast, golden):
    gold = golden("deseq2_results.tsv")
    assert_deseq_matches_golden(res_fast, gold)
    # orientation (README): DESeq2 finds 202 genes at padj < 0.1, 49 padj NA
    assert int((res_fast["padj"] < 0.1).sum()) == 202
    assert int(res_fast["padj"].isna().sum()) == 49


def test_results_nofilter_match_r(dds_fast, golden):
    res = deseq_results(dds_fast, CONTRAST, cooks_filter=False, independent_filter=False,
                        lfc_shrink=False)
    assert_deseq_matches_golden(res, golden("deseq2_results_nofilter.tsv"))
    assert int((res["padj"] < 0.1).sum()) == 201  # README: 201/201
    assert int(res["padj"].isna().sum()) == 10


def test_results_noreplace_match_r(fixture_counts, fixture_clinical, golden):
    res = run_deseq(fixture_counts, fixture_clinical, "~condition", CONTRAST, refit_cooks=False,
                    lfc_shrink=False, inference="fast")
    assert_deseq_matches_golden(res, golden("deseq2_results_noreplace.tsv"))
    assert int((res["padj"] < 0.1).sum()) == 198  # README: 198/198, padj NA 72/72
    assert int(res["padj"].isna().sum()) == 72


def test_dispersions_and_replacement_match_r(dds_fast, golden):
    gd = golden("deseq2_dispersions.tsv").set_index("gene").loc[dds_fast.var_names]
    ok = ~gd["allZero"].astype(bool)
    final = np.log(dds_fast.var.loc[ok, "dispersions"].to_numpy())
    # README: final dispersion log max abs diff 0.021 (pydeseq2 vs R), median 1.4e-4
    d = np.abs(final - np.log(gd.loc[ok, "dispersion"].to_numpy()))
    assert d.max() < 0.03 and np.median(d) < 1e-3
    # Cook's replacement: 23 genes in R and pydeseq2, the same ones
    rep = dds_fast.var["replaced"].astype(bool)
    assert set(rep.index[rep]) == set(gd.index[gd["replaced"].eq(True)])  # NA for all-zero genes
    assert int(rep.sum()) == 23
    # trend (README: asymptDisp 0.11850 vs 0.11854, extraPois 2.1810 vs 2.1769)
    params = golden("deseq2_params.tsv").set_index("param")["value"]
    a0, a1 = dds_fast.uns["trend_coeffs"]
    assert a0 == pytest.approx(float(params["asymptDisp"]), rel=2e-3)
    assert a1 == pytest.approx(float(params["extraPois"]), rel=5e-3)


def test_size_factors_match_r(fixture_counts, golden):
    gold = golden("deseq2_size_factors.tsv").set_index("sample")["size_factor"]
    sf = size_factors(fixture_counts)
    assert list(sf.index) == list(fixture_counts.columns)
    np.testing.assert_allclose(sf.to_numpy(), gold.loc[sf.index].to_numpy(), rtol=1e-9)  # README


def test_size_factors_agree_with_fitted_model(fixture_counts, dds_fast):
    np.testing.assert_allclose(size_factors(fixture_counts).to_numpy(),
                               dds_fast.obs["size_factors"].to_numpy(), rtol=1e-12)


def test_size_factors_need_a_gene_expressed_everywhere():
    counts = pd.DataFrame([[0, 5], [3, 0]], index=["g1", "g2"], columns=["s1", "s2"])
    with pytest.raises(InputError, match="zero count"):
        size_factors(counts)


def test_vst_matches_r_full_blind(fixture_counts, golden):
    gold = golden("vst_full_blind.tsv")
    gold = gold.set_index(gold.columns[0])
    out = vst(fixture_counts)
    assert out.shape == fixture_counts.shape
    assert list(out.index) == list(fixture_counts.index)
    assert list(out.columns) == list(fixture_counts.columns)
    diff = np.abs(out.to_numpy() - gold.loc[out.index, out.columns].to_numpy())
    # R's own dispersion search (inference "fast"): observed 7.5e-7; the optimum of pydeseq2's
    # problem (README, "fast-newton"/"default") gives 1.7e-3
    assert diff.max() <= 1e-5
    assert np.median(diff) <= 1e-6


# ----------------------------------------------------------------------------- output contract
def test_output_columns_and_gene_order(res_fast, fixture_counts):
    assert list(res_fast.columns) == RESULT_COLUMNS
    assert list(res_fast["gene"]) == list(fixture_counts.index)


def test_lfc_shrink_columns(res_fast, golden):
    shr = res_fast.set_index("gene")
    ok = shr["log2FoldChange"].notna()
    assert shr.loc[ok, "log2FoldChange_shrunk"].notna().all()
    assert (shr.loc[ok, "lfcSE_shrunk"] > 0).all()
    # shrinkage pulls estimates towards 0
    assert (shr.loc[ok, "log2FoldChange_shrunk"].abs()
            <= shr.loc[ok, "log2FoldChange"].abs() + 1e-6).mean() > 0.95
    # README: pydeseq2 lfc_shrink vs R lfcShrink(type="normal") r = 0.970 (different priors)
    gold = golden("deseq2_lfcshrink_normal.tsv").set_index("gene").loc[shr.index]
    both = ok & gold["log2FoldChange"].notna()
    r = np.corrcoef(shr.loc[both, "log2FoldChange_shrunk"], gold.loc[both, "log2FoldChange"])[0, 1]
    assert r > 0.95


def test_shrink_failure_gives_nan_and_warning(dds_fast):
    # reference "B" was not the fitted reference -> coefficient condition[T.A] absent
    with pytest.warns(RuntimeWarning, match="lfc_shrink failed"):
        res = deseq_results(dds_fast, ("condition", "A", "B"), lfc_shrink=True)
    assert res["log2FoldChange_shrunk"].isna().all()
    assert res["log2FoldChange"].notna().sum() > 1900


# ----------------------------------------------------------------------------- contrasts, design
def test_swapped_contrast_flips_sign(fixture_counts, fixture_clinical, golden):
    res = run_deseq(fixture_counts, fixture_clinical, "~condition", ("condition", "A", "B"),
                    lfc_shrink=False)
    gold = golden("deseq2_results.tsv").set_index("gene").loc[res["gene"]]
    ok = gold["log2FoldChange"].notna().to_numpy()
    np.testing.assert_allclose(res["log2FoldChange"].to_numpy()[ok],
                               -gold["log2FoldChange"].to_numpy()[ok], atol=1e-4)
    hi = ((gold["baseMean"] >= 10) & gold["pvalue"].notna()).to_numpy()
    np.testing.assert_allclose(res["stat"].to_numpy()[hi], -gold["stat"].to_numpy()[hi], atol=0.05)
    assert set(res["gene"][res["padj"] < 0.1]) == set(gold.index[gold["padj"] < 0.1])


def test_contrast_levels_not_alphabetical(fixture_counts, fixture_clinical, res_fast):
    """Reference level comes from the contrast, not from the alphabet."""
    meta = fixture_clinical.copy()
    meta["arm"] = meta["condition"].map({"A": "ctrl", "B": "aml"})  # 'aml' < 'ctrl'
    res = run_deseq(fixture_counts, meta, "~arm", ("arm", "aml", "ctrl"), lfc_shrink=True)
    np.testing.assert_allclose(res["log2FoldChange"], res_fast["log2FoldChange"], atol=1e-10)
    np.testing.assert_allclose(res["log2FoldChange_shrunk"], res_fast["log2FoldChange_shrunk"],
                               atol=1e-8)


def test_covariate_in_design(fixture_counts, fixture_clinical, golden):
    res = run_deseq(fixture_counts, fixture_clinical, "~age + condition", CONTRAST,
                    lfc_shrink=False)
    assert list(res.columns) == RESULT_COLUMNS
    gold = golden("deseq2_results.tsv").set_index("gene").loc[res["gene"]]
    gd = golden("deseq2_dispersions.tsv").set_index("gene").loc[res["gene"]]
    # With a continuous covariate no sample has >= 7 replicates of its design row, so
    # (as in R) Cook's outliers are not replaced; compare the other genes. Age has no
    # effect on expression in the fixture, so the condition effect is nearly unchanged.
    ok = ((gold["baseMean"] >= 10) & ~gd["replaced"].eq(True)).to_numpy()
    lfc = res["log2FoldChange"].to_numpy()
    r = np.corrcoef(lfc[ok], gold["log2FoldChange"].to_numpy()[ok])[0, 1]
    assert r > 0.99  # observed 0.9974
    sig = set(res["gene"][res["padj"] < 0.1])
    sig_g = set(gold.index[gold["padj"] < 0.1])
    assert len(sig & sig_g) / len(sig | sig_g) > 0.8  # observed 0.84 (185 vs 202)


def test_design_with_multilevel_factor(fixture_counts, fixture_clinical):
    meta = fixture_clinical.copy()
    meta["grp"] = np.where(meta["condition"] == "A", "A",
                           np.where(meta["age"] > meta["age"].median(), "B_old", "B_young"))
    res = run_deseq(fixture_counts, meta, "~grp", ("grp", "B_old", "A"), lfc_shrink=False)
    assert res["log2FoldChange"].notna().sum() > 1900
    assert (res["padj"] < 0.1).sum() > 50


# ----------------------------------------------------------------------------- errors
def test_error_level_with_one_sample(fixture_counts, fixture_clinical):
    meta = fixture_clinical.copy()
    meta.loc[meta.index[0], "condition"] = "C"
    with pytest.raises(InputError) as exc:
        run_deseq(fixture_counts, meta, "~condition", ("condition", "C", "A"))
    msg = str(exc.value)
    assert "condition" in msg and "'C'" in msg and "1 sample" in msg and "Fix:" in msg


def test_error_missing_level(fixture_counts, fixture_clinical):
    with pytest.raises(InputError, match="0 sample"):
        run_deseq(fixture_counts, fixture_clinical, "~condition", ("condition", "B", "Z"))


def test_error_missing_values_in_design(fixture_counts, fixture_clinical):
    meta = fixture_clinical.copy()
    meta["age"] = meta["age"].astype(float)
    meta.loc[["S003", "S010"], "age"] = np.nan
    with pytest.raises(InputError) as exc:
        run_deseq(fixture_counts, meta, "~age + condition", CONTRAST)
    msg = str(exc.value)
    assert "column 'age'" in msg and "S003" in msg and "S010" in msg


def test_error_contrast_column_not_in_design(fixture_counts, fixture_clinical):
    with pytest.raises(InputError, match="not in the design"):
        run_deseq(fixture_counts, fixture_clinical, "~age", CONTRAST)


def test_error_unknown_design_column(fixture_counts, fixture_clinical):
    with pytest.raises(InputError, match="not metadata columns"):
        run_deseq(fixture_counts, fixture_clinical, "~batch + condition", CONTRAST)


def test_error_same_levels(fixture_counts, fixture_clinical):
    with pytest.raises(InputError, match="identical"):
        run_deseq(fixture_counts, fixture_clinical, "~condition", ("condition", "A", "A"))


def test_error_samples_without_metadata(fixture_counts, fixture_clinical):
    with pytest.raises(InputError, match="no metadata row"):
        run_deseq(fixture_counts, fixture_clinical.drop(index="S001"), "~condition", CONTRAST)


def test_error_non_integer_counts(fixture_counts, fixture_clinical):
    bad = fixture_counts.astype(float)
    bad.iloc[0, 0] = 1.5
    with pytest.raises(InputError, match="integers"):
        run_deseq(bad, fixture_clinical, "~condition", CONTRAST)


def test_error_bad_inference_name():
    with pytest.raises(ValueError, match="inference"):
        make_inference("slow")


def test_run_deseq_low_memory_equals_full_fit(fixture_counts, fixture_clinical, dds_fast):
    """run_deseq fits with pydeseq2's low_memory (intermediate matrices dropped) and drops the
    normalised counts before the results: the table equals the one from the full fit exactly."""
    full = deseq_results(dds_fast, CONTRAST)
    low = run_deseq(fixture_counts, fixture_clinical, "~condition", CONTRAST)
    assert int(dds_fast.var["replaced"].sum()) > 0  # the Cook's refit ran
    pd.testing.assert_frame_equal(low, full, check_exact=True)


def test_error_negative_integer_counts(fixture_counts, fixture_clinical):
    bad = fixture_counts.copy()
    bad.iloc[3, 2] = -1
    with pytest.raises(InputError, match="negative"):
        run_deseq(bad, fixture_clinical, "~condition", CONTRAST)
    with pytest.raises(InputError, match="negative"):
        size_factors(bad)


def test_vst_blocks_equal_pydeseq2_vst(fixture_counts):
    """mitoscore's vst (pydeseq2's fit, the transform in blocks of genes for memory) equals
    pydeseq2's ``dds.vst(use_design=False, fit_type="parametric")`` exactly, for any block size."""
    from mitoscore import de
    from mitoscore.fastdeseq import FastDeseqDataSet

    counts = fixture_counts.astype(np.int64)
    meta = pd.DataFrame({"_all": pd.Categorical(["all"] * counts.shape[1])}, index=counts.columns)
    dds = FastDeseqDataSet(counts=counts.T, metadata=meta, design="~1", fit_type="parametric",
                           size_factors_fit_type="ratio", inference=make_inference("fast"), quiet=True)
    dds.vst(use_design=False, fit_type="parametric")
    ref = np.asarray(dds.layers["vst_counts"], dtype=float).T
    np.testing.assert_array_equal(de.vst(fixture_counts).to_numpy(), ref)
    a0, a1 = dds.uns["vst_trend_coeffs"]
    for block in (1, 7, 5000):
        np.testing.assert_array_equal(
            de._vst_parametric_blocks(dds.layers["normed_counts"], a0, a1, block=block), ref)
