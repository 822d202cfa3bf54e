"""The default configuration run end to end on the SYNTHETIC demo cohorts.

The demo's planted truth (resources/demo/truth.json, README) is recovered:
* univariable HR per SD of MITOSCORE > 1 with a 95% CI covering the population
  (Monte-Carlo) marginal HR per SD of the latent OXPHOS activity;
* the score x treatment interaction: HR per SD within VEN+AraC < 1 < within the
  other arms, each per-arm CI covering the population per-arm HR;
* the meta-analysis: the primary estimate (validation cohort B alone, not pooled) covers B's
  population HR; the all-cohort HKSJ and z sensitivity estimates cover both cohorts' values;
* the pre-declared 1-df score x arm interaction (VEN+AraC vs intensive chemo / VEN+AZA,
  adjusted): planted HR 0.45 significant in cohort A, covered by the CI in both cohorts;
* DE responder vs refractory finds the planted DE genes with the right sign;
* MITOSCORE high vs low finds the OXPHOS genes up;
* the random-gene-set percentile of MITOSCORE is high;
* GSEA: every ES equals the closed-form weighted KS from the DE table and the written gene
  sets; the planted OXPHOS programme tops the MitoCarta sets in the (circular) high vs low
  contrast, concordantly in both cohorts.
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
    if cohort == "SYNTHETIC_cohortA":  # the discovery cohort: the model is fitted here, not a validation test
        assert uni.analysis == "secondary" and uni.estimation == "discovery"
    else:  # a validation cohort: the frozen model is its analysis, the re-estimated one a sensitivity analysis
        assert uni.analysis == uni.estimation == "sensitivity (re-estimated in this cohort)"


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
    m = meta[(meta.signature == "MITOSCORE") & (meta.model == "univariable")]
    truths = {c: TRUTH[c]["population_values_monte_carlo"]["univariable_hr_per_sd_latent_z"] for c in COHORTS}
    # the primary estimate pools the validation cohorts only: the demo has one (B), so it is B's own
    prim = m[m.analysis == "primary"]
    assert len(prim) == 1 and (meta.analysis == "primary").sum() == 1
    p = prim.iloc[0]
    assert (p.pool, p.k, p.cohorts, p.method, p.test) == ("validation", 1, "SYNTHETIC_cohortB", "none", "none")
    assert "no pooling" in p.note and pd.isna(p.tau2) and pd.isna(p.pi_lower)
    assert p.ci_lower <= truths["SYNTHETIC_cohortB"] <= p.ci_upper
    # all cohorts (discovery included) as sensitivity: HKSJ and z, k = 2 (tau2, I2, PI not estimable)
    every = m[m.pool == "all"].set_index("test")
    assert list(every.index) == ["knha", "z"] and set(every.analysis) == {"sensitivity"}
    assert set(every.k) == {2} and every[["tau2", "I2", "pi_lower", "pi_upper"]].isna().all().all()
    assert every.QE.notna().all() and every.note.str.contains("not estimable").all()
    z = every.loc["z"]
    assert z.ci_lower <= min(truths.values()) and max(truths.values()) <= z.ci_upper, (z.to_dict(), truths)
    assert np.isfinite(every.loc["knha", ["hr", "ci_lower", "ci_upper"]].astype(float)).all()


@pytest.mark.parametrize("cohort", COHORTS)
@pytest.mark.parametrize("contrast,reference", [("venarac_vs_chemo", "intensive chemo"),
                                                ("venarac_vs_venaza", "VEN+AZA")])
def test_predictive_contrast_recovers_planted_interaction(demo_run, cohort, contrast, reference):
    """The pre-declared 1-df test, adjusted for age, sex and ELN, on the two arms only. Planted
    truth: interaction HR 0.45, HR per SD 1.6 in intensive chemo and VEN+AZA, 0.72 in VEN+AraC.
    Cohort A (44 VEN+AraC of 200, 159 deaths) has the power to detect it; cohort B (35 of 120,
    85 deaths; about 55 deaths in each contrast) estimates it in the right direction with a CI
    covering the truth but is not expected to reach significance."""
    prm = TRUTH[cohort]["params"]
    pr = tsv(demo_run / "results" / "cohorts" / cohort / "survival" / "predictive.tsv")
    pr = pr[(pr.signature == "MITOSCORE") & (pr.contrast == contrast)]
    it = pr[pr.term == "interaction"].iloc[0]
    assert it.lr_df == 1 and it.arm == "VEN+AraC" and it.reference_arm == reference
    assert it.analysis == "secondary" and it.n_parameters == 7  # score, arm, score x arm, age, sex, ELN (2)
    assert it.n_test == TRUTH[cohort]["arm_counts"]["VEN+AraC"]
    assert it.n_reference == TRUTH[cohort]["arm_counts"][reference] and it.n == it.n_test + it.n_reference
    assert it.hr < 1 and it.ci_lower <= prm["true_interaction_hr"] <= it.ci_upper, it.to_dict()
    if cohort == "SYNTHETIC_cohortA":
        assert it.lr_p < 0.01 and it.p < 0.01 and it.ci_upper < 1, it.to_dict()
    arms = pr[pr.term == "score_in_arm"].set_index("arm")
    for arm in ("VEN+AraC", reference):
        true_hr = prm["true_hr_per_sd_by_arm"][arm]
        assert arms.loc[arm, "ci_lower"] <= true_hr <= arms.loc[arm, "ci_upper"], (arm, arms.loc[arm].to_dict())
    assert arms.loc["VEN+AraC", "hr"] < arms.loc[reference, "hr"] and arms.loc[reference, "hr"] > 1
    if cohort == "SYNTHETIC_cohortA":
        assert arms.loc["VEN+AraC", "hr"] < 1
    assert set(pr.loc[pr.term == "spline_interaction", "analysis"]) == {"exploratory"}


def test_predictive_tables_are_complete(demo_run):
    for cohort in COHORTS:
        base = demo_run / "results" / "cohorts" / cohort / "survival"
        st = tsv(base / "predictive_contrasts.tsv")
        assert list(st.status) == ["analysed", "analysed"]
        te = tsv(base / "treatment_effect.tsv")
        te = te[(te.signature == "MITOSCORE") & (te.contrast == "venarac_vs_chemo")]
        assert te.groupby("model").size().to_dict() == {"linear": 41, "spline": 41}
        spline = te[te.model == "spline"]
        assert len(spline.knots.iloc[0].split(",")) == 3
        # benefit of VEN+AraC grows with the score (planted): HR falls along the curve
        assert spline.hr.iloc[-1] < spline.hr.iloc[0] and te[te.model == "linear"].hr.is_monotonic_decreasing
        km = tsv(base / "km_by_arm.tsv")
        km = km[(km.signature == "MITOSCORE") & (km.contrast == "venarac_vs_chemo")]
        first = km.sort_values("time").groupby(["arm", "group"]).n_risk.first()
        assert len(first) == 4 and first.groupby(level="arm").sum().to_dict() == {
            a: TRUTH[cohort]["arm_counts"][a] for a in ("VEN+AraC", "intensive chemo")}
        for name in ("treatment_effect", "km_by_arm"):
            for con in ("venarac_vs_chemo", "venarac_vs_venaza"):
                assert (base / f"{name}_{con}.svg").stat().st_size > 5000
    # response: the score x arm interaction in A (CR/CRi log-odds per SD +0.8 in VEN+AraC, -0.3 in chemo)
    rb = tsv(demo_run / "results" / "cohorts" / "SYNTHETIC_cohortA" / "survival" / "response_by_arm.tsv")
    rb = rb[(rb.signature == "MITOSCORE") & (rb.contrast == "venarac_vs_chemo")].set_index(["term", "arm"])
    mc = TRUTH["SYNTHETIC_cohortA"]["population_values_monte_carlo"]["marginal_cr_or_per_sd_latent_z_by_arm"]
    assert rb.loc[("interaction", "VEN+AraC"), "odds_ratio"] > 1 and rb.loc[("interaction", "VEN+AraC"), "lr_df"] == 1
    for arm in ("VEN+AraC", "intensive chemo"):
        r = rb.loc[("score_in_arm", arm)]
        assert r.or_ci_lower <= mc[arm] <= r.or_ci_upper, (arm, r.to_dict())
    # in B the responders are too few for 7 parameters: skipped with the reason
    sk = tsv(demo_run / "results" / "cohorts" / "SYNTHETIC_cohortB" / "survival" / "skipped_models.tsv")
    sk = sk[(sk.signature == "MITOSCORE") & (sk.model == "response_interaction[venarac_vs_chemo]")]
    assert len(sk) == 1 and "min_epv" in sk.reason.iloc[0]


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
        s = tsv(demo_run / "results" / "cohorts" / c / "random_null" / "summary.tsv").set_index("signature")
        pct.append(s.loc["MITOSCORE", "percentile_abs_z"])
        assert s.loc["MITOSCORE", "n_random"] >= 100 and s.loc["MITOSCORE", "n_valid"] >= 100
    assert min(pct) >= 85, pct


def _closed_form_es(ranking: pd.Series, genes) -> float:
    """Weighted (p = 1) Kolmogorov-Smirnov running sum, written out: P_hit - P_miss over all ranks."""
    r = np.abs(ranking.to_numpy(float))
    inset = ranking.index.isin(list(genes))
    dev = np.cumsum(np.where(inset, r, 0.0)) / r[inset].sum() - np.cumsum(~inset) / (len(r) - inset.sum())
    return float(dev[np.argmax(np.abs(dev))])


@pytest.mark.parametrize("cohort", COHORTS)
def test_gsea_es_equals_closed_form_from_de_table_and_written_gene_sets(demo_run, cohort):
    """Every ES of every GSEA table = the closed-form weighted KS statistic recomputed from the
    DE table (ranking by stat, NA dropped, ties by gene id) and the written gene_sets.gmt
    (1e-10; the table's %.10g rounding is below 5e-11); NES has the sign of ES."""
    from mitoscore.io import read_gmt

    base = demo_run / "results" / "cohorts" / cohort
    for contrast in ("mitoscore_high_vs_low", "responder_vs_refractory"):
        t = tsv(base / "gsea" / f"{contrast}.tsv")
        assert list(t.columns[:9]) == ["term", "collection", "size", "es", "nes", "pval", "fdr", "fwer",
                                       "leading_edge"]
        assert set(t.collection) == {"MitoCarta3.0", "Hallmark", "Reactome", "signatures"}
        de = tsv(base / "de" / f"{contrast}.tsv")
        de = de[np.isfinite(de["stat"])]
        order = np.lexsort((de["gene"].astype(str).to_numpy(), -de["stat"].to_numpy()))
        ranking = pd.Series(de["stat"].to_numpy()[order], index=de["gene"].astype(str).to_numpy()[order])
        assert (t.n_ranked == len(ranking)).all()
        gmt = read_gmt(base / "gsea" / f"{contrast}_gene_sets.gmt")
        assert len(gmt) == len(t)
        for r in t.itertuples():
            genes = gmt[f"{r.collection}__{r.term}"][1]
            assert len(genes) == r.size
            assert abs(r.es - _closed_form_es(ranking, genes)) <= 1e-10, (contrast, r.term)
        assert (np.sign(t.nes) == np.sign(t.es)).all()


def test_gsea_planted_oxphos_is_top_mitocarta_set_in_the_circular_contrast(demo_run):
    """MitoScore high vs low: the planted programme (the 169 MitoCarta3.0 OXPHOS genes) is the
    MitoCarta set with the highest NES, FDR < 0.05, in both cohorts; every row is flagged
    circular. The responder contrast is not circular."""
    for c in COHORTS:
        base = demo_run / "results" / "cohorts" / c / "gsea"
        t = tsv(base / "mitoscore_high_vs_low.tsv")
        mc = t[t.collection == "MitoCarta3.0"].sort_values("nes", ascending=False)
        assert mc.iloc[0].term == "MITOCARTA3_OXPHOS", mc.head(3)[["term", "nes", "fdr"]]
        assert mc.iloc[0].nes > 0 and mc.iloc[0].fdr < 0.05 and mc.iloc[0].enriched_in == "high"
        assert t.circular.all() and t.note.str.startswith("CIRCULAR: samples were grouped by the MITOSCORE score").all()
        sig = t[t.collection == "signatures"].set_index("term")
        assert sig.loc["MITOSCORE", "grouping_overlap"] == sig.loc["MITOSCORE", "size"]
        resp = tsv(base / "responder_vs_refractory.tsv")
        assert not resp.circular.any() and resp.note.isna().all()
        for f in ("mitoscore_high_vs_low_top_mitochondrial.svg", "mitoscore_high_vs_low_signatures.svg"):
            assert (base / f).stat().st_size > 5000
    # the frozen derived signature is tested in the validation cohort only
    assert "MITOSCORE_DERIVED" in set(tsv(demo_run / "results" / "cohorts" / "SYNTHETIC_cohortB" / "gsea" /
                                          "mitoscore_high_vs_low.tsv").term)
    assert "MITOSCORE_DERIVED" not in set(tsv(demo_run / "results" / "cohorts" / "SYNTHETIC_cohortA" / "gsea" /
                                              "mitoscore_high_vs_low.tsv").term)


def test_gsea_summary_counts_direction_across_cohorts(demo_run):
    long = tsv(demo_run / "results" / "summary" / "gsea_nes.tsv")
    conc = tsv(demo_run / "results" / "summary" / "gsea_concordance.tsv")
    assert set(long.cohort) == set(COHORTS)
    assert set(long.contrast) == {"mitoscore_high_vs_low", "responder_vs_refractory"}
    n = sum(len(tsv(demo_run / "results" / "cohorts" / c / "gsea" / f"{k}.tsv")) for c in COHORTS
            for k in ("mitoscore_high_vs_low", "responder_vs_refractory"))
    assert len(long) == n
    ox = conc[(conc.term == "MITOCARTA3_OXPHOS") & (conc.contrast == "mitoscore_high_vs_low")].iloc[0]
    assert ox.n_cohorts == 2 and ox.n_up_fdr == 2 and ox.concordant and ox.direction == "up" and ox.circular
    assert (demo_run / "results" / "summary" / "gsea_nes_heatmap.svg").stat().st_size > 10000


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
    for f in ("km_MITOSCORE.svg", "responder_vs_refractory_volcano.svg", "pca.svg", "cox.tsv", "predictive.tsv",
              "treatment_effect_venarac_vs_chemo.svg", "km_by_arm_venarac_vs_venaza.svg"):
        assert base.count(f) == len(COHORTS), (f, base)
    assert "forest.svg" in base and "meta_analysis.tsv" in base and "MITOSCORE_DERIVED.gmt" in base
    assert base.count("mitoscore_high_vs_low_top_mitochondrial.svg") == len(COHORTS)
    assert "gsea_nes_heatmap.svg" in base and "gsea_nes.tsv" in base
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
