"""The default configuration run end to end on the SYNTHETIC demo cohorts.

The demo's planted truth (resources/demo/truth.json, README) is recovered:
* univariable HR per SD of MITOSCORE > 1 with a 95% CI covering the population
  (Monte-Carlo) marginal HR per SD of the latent OXPHOS activity;
* the score x treatment interaction: HR per SD within VEN+AraC < 1 < within the
  other arms, each per-arm CI covering the population per-arm HR;
* the meta-analysis pooled HR covers the cohorts' population marginal HR range;
* DE responder vs refractory finds the planted DE genes with the right sign;
* MITOSCORE high vs low finds the OXPHOS genes up;
* the random-gene-set percentile of MITOSCORE is high.
"""
import json

import numpy as np
import pandas as pd
import pytest

from .conftest import REPO

pytestmark = pytest.mark.workflow
TRUTH = json.loads((REPO / "resources" / "demo" / "truth.json").read_text())["cohorts"]
COHORTS = ["SYNTHETIC_cohortA", "SYNTHETIC_cohortB"]


def tsv(path):
    return pd.read_csv(path, sep="\t")


def test_output_contract_columns(demo_run):
    for c in COHORTS:
        base = demo_run / "results" / "cohorts" / c
        de = tsv(base / "de" / "responder_vs_refractory.tsv")
        assert list(de.columns[:7]) == ["gene", "baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj"]
        sc = tsv(base / "scores.tsv")
        assert list(sc.columns[:3]) == ["sample", "signature", "kind"] and "score" in sc.columns
        cox = tsv(base / "survival" / "cox.tsv")
        assert list(cox.columns[:10]) == ["signature", "kind", "model", "term", "hr", "ci_lower", "ci_upper", "p",
                                         "n", "events"]
        assert (base / "survival" / "logrank.tsv").exists()
    hr = tsv(demo_run / "results" / "summary" / "hazard_ratios.tsv")
    assert set(hr["cohort"]) == set(COHORTS)
    html = (demo_run / "results" / "report" / "index.html").read_text()
    assert "SYNTHETIC" in html


@pytest.mark.parametrize("cohort", COHORTS)
def test_prognostic_hr_recovered(demo_run, cohort):
    cox = tsv(demo_run / "results" / "cohorts" / cohort / "survival" / "cox.tsv")
    uni = cox[(cox.signature == "MITOSCORE") & (cox.model == "univariable")].iloc[0]
    truth = TRUTH[cohort]["population_values_monte_carlo"]["univariable_hr_per_sd_latent_z"]
    assert uni.hr > 1 and uni.ci_lower > 1, uni  # sign and significance
    assert uni.ci_lower <= truth <= uni.ci_upper, (uni.hr, uni.ci_lower, uni.ci_upper, truth)
    assert uni.n == TRUTH[cohort]["n_samples"] and uni.events == TRUTH[cohort]["n_events"]
    assert uni.analysis == "primary"


@pytest.mark.parametrize("cohort", COHORTS)
def test_treatment_interaction_direction_and_coverage(demo_run, cohort):
    it = tsv(demo_run / "results" / "cohorts" / cohort / "survival" / "interaction.tsv")
    it = it[it.signature == "MITOSCORE"].set_index("arm")
    # interaction direction: high mitochondrial activity does best on VEN+AraC (lowest HR per SD)
    assert it.loc["VEN+AraC", "hr"] < min(it.loc["intensive chemo", "hr"], it.loc["VEN+AZA", "hr"])
    assert it.loc["intensive chemo", "hr"] > 1 and it.loc["VEN+AZA", "hr"] > 1
    if cohort == "SYNTHETIC_cohortA":  # the larger discovery cohort (44 VEN+AraC patients, 159 deaths)
        assert it.loc["VEN+AraC", "hr"] < 1 and it["lr_p"].iloc[0] < 0.05
    by_arm = TRUTH[cohort]["population_values_monte_carlo"]["univariable_hr_per_sd_latent_z_by_arm"]
    for arm, true_hr in by_arm.items():
        assert it.loc[arm, "ci_lower"] <= true_hr <= it.loc[arm, "ci_upper"], (arm, it.loc[arm].to_dict(), true_hr)


def test_meta_analysis_covers_truth(demo_run):
    meta = tsv(demo_run / "results" / "summary" / "meta_analysis.tsv")
    m = meta[(meta.signature == "MITOSCORE") & (meta.model == "univariable")].iloc[0]
    truths = [TRUTH[c]["population_values_monte_carlo"]["univariable_hr_per_sd_latent_z"] for c in COHORTS]
    assert m.k == 2 and m.analysis == "primary"
    assert m.ci_lower <= min(truths) and max(truths) <= m.ci_upper, (m.to_dict(), truths)


@pytest.mark.parametrize("cohort", COHORTS)
def test_de_recovers_planted_response_genes(demo_run, cohort):
    de = tsv(demo_run / "results" / "cohorts" / cohort / "de" / "responder_vs_refractory.tsv").set_index("gene")
    planted = pd.Series(TRUTH[cohort]["de_genes"], dtype=float)  # log2(refractory / CR)
    sig = de["padj"] < 0.1
    found = sig.reindex(planted.index).fillna(False)
    assert found.mean() >= 0.5, f"sensitivity {found.mean():.2f}"
    # our contrast is responder vs refractory: the sign is the opposite of the planted log2(refractory/CR)
    agree = np.sign(de.loc[planted.index[found], "log2FoldChange"]) == -np.sign(planted[found])
    assert agree.mean() >= 0.98
    strong = planted[planted.abs() >= 1].index
    assert np.corrcoef(de.loc[strong, "log2FoldChange"], -planted[strong])[0, 1] > 0.9


@pytest.mark.parametrize("cohort", COHORTS)
def test_de_mitoscore_high_vs_low_finds_oxphos_up(demo_run, cohort):
    de = tsv(demo_run / "results" / "cohorts" / cohort / "de" / "mitoscore_high_vs_low.tsv").set_index("gene")
    gmt = (REPO / "config" / "signatures" / "mitoscore_proxy.gmt").read_text().split("\t")[2:]
    genes = [g.strip() for g in gmt if g.strip() in de.index]
    sub = de.loc[genes]
    assert ((sub.log2FoldChange > 0) & (sub.padj < 0.1)).mean() >= 0.8


def test_random_signature_percentile_near_top(demo_run):
    pct = []
    for c in COHORTS:
        s = tsv(demo_run / "results" / "cohorts" / c / "survival" / "random_null_summary.tsv").set_index("signature")
        pct.append(s.loc["MITOSCORE", "percentile_abs_z"])
        assert s.loc["MITOSCORE", "n_random"] >= 100
    assert min(pct) >= 85, pct


def test_reruns_nothing_when_up_to_date(demo_run):
    from .conftest import snakemake
    out = snakemake(demo_run, "-n", "--cores", "2").stdout
    assert "Nothing to be done" in out or "nothing to be done" in out.lower(), out[-2000:]


def test_snakemake_zip_report_registers_every_figure(demo_run):
    """`snakemake --report` (never with --all-temp) builds, with figures and tables by cohort."""
    import zipfile

    from .conftest import snakemake
    out = demo_run / "results" / "report" / "snakemake_report.zip"
    snakemake(demo_run, "--report", str(out))
    names = zipfile.ZipFile(out).namelist()
    base = [n.rsplit("/", 1)[-1] for n in names]
    # files are stored under hashed folders: count them by name (one per cohort)
    for f in ("km_MITOSCORE.svg", "responder_vs_refractory_volcano.svg", "pca.svg", "cox.tsv"):
        assert base.count(f) == len(COHORTS), (f, base)
    assert "forest.svg" in base and "meta_analysis.tsv" in base and "MITOSCORE_DERIVED.gmt" in base
    # the HTML report, Table 1, the patient flow and the provenance, each with its own caption
    for f in ("index.html", "table1.tsv", "provenance.tsv", "packages.lock.txt", "interaction.svg"):
        assert f in base, f
    for f in ("flow.tsv", "flow.svg"):
        assert base.count(f) == len(COHORTS), (f, base)
    assert base.count("km_MITOSCORE_DERIVED.svg") == 1   # only where the derived signature is scored
    html = zipfile.ZipFile(out).read([n for n in names if n.endswith("report.html")][0]).decode()
    for c in COHORTS:
        assert c in html
    assert "Meta-analysis" in html
