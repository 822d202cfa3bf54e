"""Tests of mitoscore.simulate (the SYNTHETIC demo-cohort simulator)."""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mitoscore import simulate as sim
from mitoscore.response import irls_logistic
from tests.conftest import REPO, SHARED

SHARED_DATA = SHARED / "data"
DEMO = REPO / "resources" / "demo"


def _need_shared() -> Path:
    if not SHARED_DATA.exists():
        pytest.fail(f"{SHARED_DATA} is missing: the shared/ folder must sit beside the repository")
    return SHARED_DATA


@pytest.fixture(scope="module")
def mito_lists():
    return sim.mito_gene_lists(_need_shared())


@pytest.fixture(scope="module")
def small_genes(mito_lists):
    mito, ox = mito_lists
    other_mito = [g for g in mito if g not in set(ox)][:300]
    genes = list(ox) + other_mito
    genes += [f"SIMGENE{i:04d}" for i in range(2000 - len(genes))]
    return genes


def _small(genes, mito_lists, seed=7, n=80):
    mito, ox = mito_lists
    return sim.simulate_cohort("SYNTHETIC_test", genes, sim.SimParams(n_samples=n, seed=seed), mito, ox)


def test_same_seed_same_output(small_genes, mito_lists):
    c1, k1, t1 = _small(small_genes, mito_lists)
    c2, k2, t2 = _small(small_genes, mito_lists)
    pd.testing.assert_frame_equal(c1, c2)
    pd.testing.assert_frame_equal(k1, k2)
    assert json.dumps(t1, sort_keys=True) == json.dumps(t2, sort_keys=True)
    c3, _, _ = _small(small_genes, mito_lists, seed=8)
    assert not c1.equals(c3)


def test_counts_and_clinical_shape(small_genes, mito_lists):
    counts, clin, truth = _small(small_genes, mito_lists)
    assert counts.shape == (2000, 80)
    assert (counts.dtypes == np.int64).all()
    assert (counts.to_numpy() >= 0).all()
    assert list(counts.index) == small_genes
    assert list(counts.columns) == list(clin["sample_id"])
    assert clin["sample_id"].iloc[0] == "SYN-T-0001"
    assert list(clin.columns) == ["sample_id", "os_months", "os_event", "age", "sex", "eln2017", "treatment",
                                  "best_response", "latent_oxphos_TRUTH", "data_origin"]
    assert (clin["data_origin"] == "SYNTHETIC").all()
    assert set(clin["treatment"]) <= set(sim.ARMS)
    assert set(clin["eln2017"]) <= set(sim.ELN)
    assert set(clin["best_response"]) <= set(sim.RESPONSES)
    assert clin["age"].between(18, 90).all()
    assert set(clin["os_event"]) <= {0, 1}
    assert (clin["os_months"] > 0).all()
    assert len(truth["de_genes"]) == 300
    mito, _ = mito_lists
    assert not set(truth["de_genes"]) & set(mito)          # DE genes are non-mitochondrial
    assert all((counts.loc[g] == 0).all() for g in truth["all_zero_genes"])


def test_oxphos_program_tracks_z(small_genes, mito_lists):
    counts, clin, _ = _small(small_genes, mito_lists, n=80)
    _, ox = mito_lists
    logcpm = np.log2(counts / counts.sum(0) * 1e6 + 1)
    r = np.corrcoef(logcpm.loc[list(ox)].mean(0), clin["latent_oxphos_TRUTH"])[0, 1]
    assert r > 0.9


def test_cox_recovers_planted_hazard_ratios():
    lifelines = pytest.importorskip("lifelines")
    p = sim.SimParams(n_samples=2000, seed=4242)
    d = sim.simulate_clinical(p)
    X = pd.DataFrame({
        "T": d["os_months"], "E": d["os_event"], "z": d["latent_oxphos_TRUTH"],
        "va": (d["treatment"] == "VEN+AraC").astype(float),
        "aza": (d["treatment"] == "VEN+AZA").astype(float),
        "age10": (d["age"] - 60) / 10.0,
        "int": (d["eln2017"] == "intermediate").astype(float),
        "adv": (d["eln2017"] == "adverse").astype(float),
    })
    X["zva"] = X["z"] * X["va"]
    fit = lifelines.CoxPHFitter().fit(X, duration_col="T", event_col="E")
    est, se = fit.params_, fit.standard_errors_
    # 3 SE: ~0.3% false-failure rate per parameter if the generator is right
    assert abs(est["z"] - p.b_mito) < 3 * se["z"]
    assert abs(est["zva"] - p.b_int) < 3 * se["zva"]
    assert abs(est["adv"] - p.eln_log_hazard["adverse"]) < 3 * se["adv"]
    assert abs(est["age10"] - p.b_age_per10) < 3 * se["age10"]


def test_response_log_odds_recovered():
    d = sim.simulate_clinical(sim.SimParams(n_samples=20000, seed=99))
    for arm, slope in (("VEN+AraC", 0.8), ("intensive chemo", -0.3)):
        da = d[d["treatment"] == arm]
        y = (da["best_response"] == "CR/CRi").to_numpy()
        x = da["latent_oxphos_TRUTH"].to_numpy()
        b = irls_logistic(np.column_stack([np.ones_like(x), x]), y)["beta"][1]
        assert abs(b - slope) < 0.12  # ~3 SE for n ~ 5000-8000 per arm


def test_shipped_truth_matches_defaults():
    t = json.loads((DEMO / "truth.json").read_text())
    assert set(t["cohorts"]) == {"SYNTHETIC_cohortA", "SYNTHETIC_cohortB", "SYNTHETIC_cohortC"}
    for name, c in t["cohorts"].items():
        prm = c["params"]
        assert math.isclose(prm["true_hr_per_sd_reference_arms"], 1.6)
        assert math.isclose(prm["true_interaction_hr"], 0.45)
        assert math.isclose(prm["true_hr_per_sd_by_arm"]["VEN+AraC"], 0.72)
        assert len(c["de_genes"]) == 300
        assert c["synthetic"] is True


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def test_shipped_demo_regenerates_byte_identically(tmp_path):
    """Regenerate ONE cohort (B, the smallest) and compare sha256 with the shipped files."""
    name = "SYNTHETIC_cohortB"
    shipped = {k: DEMO / f"{name}_{k}" for k in ("counts.tsv.gz", "clinical.tsv")}
    counts, clin, truth = sim.build_cohort(name, _need_shared(), sim.DEMO_COHORTS[name])
    paths = sim.write_cohort(tmp_path, name, counts, clin, sim.DEMO_COHORTS[name])
    assert _sha(paths["counts"].read_bytes()) == _sha(shipped["counts.tsv.gz"].read_bytes())
    assert _sha(paths["clinical"].read_bytes()) == _sha(shipped["clinical.tsv"].read_bytes())
    shipped_truth = json.loads((DEMO / "truth.json").read_text())["cohorts"][name]
    for key in ("de_genes", "all_zero_genes", "outliers", "n_events", "arm_counts"):
        assert json.loads(json.dumps(truth[key])) == shipped_truth[key]
    # the documented population values (KM median, Cox HRs, logistic ORs by arm)
    assert sim.marginal_truth(sim.DEMO_COHORTS[name]) == shipped_truth["population_values_monte_carlo"]
    # the shipped file says SYNTHETIC in its first line and reads as integers
    df = pd.read_csv(shipped["counts.tsv.gz"], sep="\t", comment="#", index_col=0, nrows=5)
    assert all(dt == np.int64 for dt in df.dtypes)
    import gzip
    with gzip.open(shipped["counts.tsv.gz"], "rt") as fh:
        assert fh.readline().startswith("# SYNTHETIC DATA generated by mitoscore.simulate")


def test_gene_universe_contents():
    shared = _need_shared()
    genes = sim.gene_universe(shared, n_total=15000)
    assert len(genes) == 15000 == len(set(genes))
    assert genes == sorted(genes)
    mito, ox = sim.mito_gene_lists(shared)
    assert set(mito) <= set(genes)
    assert {"BCL2", "MCL1", "FAM30A", "BEX3", "ADGRG1"} <= set(genes)


def test_gene_universe_beyond_the_protein_coding_genome():
    """20000+ genes (benchmark sizes): all protein-coding genes, then named ncRNA genes."""
    import pandas as pd

    shared = _need_shared()
    genes = sim.gene_universe(shared, n_total=25000)
    assert len(genes) == 25000 == len(set(genes))
    ann = pd.read_csv(shared / "annotation" / "hs_genes.tsv.gz", sep="\t", dtype=str).set_index("symbol")
    types = ann["gene_type"].groupby(level=0).first().reindex(genes)
    assert (types == "ncRNA").sum() > 3000
    assert genes == sim.gene_universe(shared, n_total=25000)  # deterministic
    with pytest.raises(ValueError, match="exceeds"):
        sim.gene_universe(shared, n_total=200000)
