"""Tests of mitoscore.report: the HTML report is rendered from result tables only.

The fixture writes a small results tree at the paths declared by
``mitoscore.report.inputs.INPUTS`` (column names of mitoscore/analysis.py, nullsets.py,
validate.py, describe.py) for SYNTHETIC cohorts, builds the report rule's named inputs with
``report_inputs`` (as common.smk does), loads them with ``load_report`` and renders.
``make_results_tree`` and ``load`` are reused by tests/workflow/test_report_browser.py.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mitoscore import describe, flowchart, fmt, report
from mitoscore.io import sha256sum, write_tsv
from mitoscore.report import checklists as CL
from mitoscore.report import findings as F
from mitoscore.report import inputs as I  # noqa: N812

PRIMARY = "MITOSCORE"
SIGS = (PRIMARY, "LSC17")
CONTRAST = "responder_vs_refractory"
PCON = "venarac_vs_chemo"

SVG = """<?xml version="1.0" encoding="utf-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="460.8pt" height="345.6pt" viewBox="0 0 460.8 345.6"
 xmlns="http://www.w3.org/2000/svg" version="1.1">
 <metadata><rdf:RDF xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:type rdf:resource="http://purl.org/dc/dcmitype/StillImage"/></rdf:RDF></metadata>
 <defs><style type="text/css">*{stroke-linejoin: round}</style><clipPath id="p0clip"><rect x="0" y="0" width="400" height="300"/></clipPath>
 <path id="DejaVuSans-31" d="M 10 10 L 20 20 z"/></defs>
 <g id="figure_1"><!-- {label} -->
  <rect x="10" y="10" width="300" height="200" style="fill:#C0392B" clip-path="url(#p0clip)"/>
  <use xlink:href="#DejaVuSans-31" x="5" y="5"/>
  <text x="20" y="30">{text}</text>
 </g>
</svg>
"""


def _svg(label: str, text: str = "figure text") -> str:
    return SVG.replace("{label}", label).replace("{text}", text)


def _w(root: Path, rel: str, df: pd.DataFrame) -> None:
    write_tsv(df, root / rel)


def make_results_tree(root: Path, cohorts=("SYNTHETIC_cohortA", "SYNTHETIC_cohortB"), n: int = 40,
                      reporting: dict | None = None, pseudonymise: bool = False, seed: int = 1,
                      truth: bool = False, bad_ids: bool = False):
    """Write inputs + a results tree under ``root``; return (config, cohort params, reporting path).

    ``bad_ids``: sample ids and a covariate level carry markup (``<script>``) to test escaping."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    (root / "resources").mkdir(parents=True, exist_ok=True)
    (root / "config" / "signatures").mkdir(parents=True, exist_ok=True)
    (root / "config" / "signatures" / "proxy.gmt").write_text("MITOSCORE\tproxy\tA\tB\tC\n")
    (root / "config" / "signatures" / "lsc17.tsv").write_text("gene\tweight\nA\t0.1\nB\t-0.25\n")
    config = {
        "cohort_sheet": "config/cohorts.tsv",
        "signatures": [{"name": PRIMARY, "gmt": "config/signatures/proxy.gmt", "description": "proxy"},
                       {"name": "LSC17", "weights": "config/signatures/lsc17.tsv"}],
        "primary_signature": PRIMARY, "min_signature_coverage": 0.8,
        "scoring": {"alpha": 0.25, "sensitivity": ["singscore", "mean_z"], "single_genes": ["BCL2"],
                    "gene_ratios": []},
        "cutpoint": {"rule": "median"},
        "de": {"alpha": 0.1, "lfc_shrink": True, "cooks_filter": True, "independent_filter": True,
               "refit_cooks": True, "inference": "fast",
               "contrasts": [{"name": CONTRAST, "column": "response", "test": "responder", "reference": "refractory"}]},
        "survival": {"min_events": 10, "min_epv": 5, "horizons_months": [12, 24], "n_bootstrap": 20, "seed": 7},
        "random_sets": {"n_random_sets": 50, "match_expression": True, "seed": 7},
        "meta": {"method": "REML", "test": "knha"},
        "multiplicity": {"method": "BH"},
        "validation": {"frozen": True},
        "predictive": {"contrasts": [{"name": PCON, "test_arm": "VEN+AraC", "reference_arm": "intensive chemo",
                                      "analysis": "secondary"}], "spline_knots": 3},
        "qc": {"pca_color_by": "sex"},
        "report": {"title": "Test report", "pseudonymise_ids": pseudonymise, "reporting": "config/reporting.yaml",
                   "hypothesis_direction": "increased_hazard", "alpha": 0.05,
                   "demo_truth": "resources/truth.json" if truth else None},
    }
    params, hr_rows, clinicals, scores_by = {}, [], {}, {}
    for k, cohort in enumerate(cohorts):
        letter = cohort[-1]
        ids = [f"SYN-{letter}-{i:04d}" for i in range(1, n + 1)]
        if bad_ids:
            ids[5] = f"<script>alert('{letter}')</script>"
        counts = root / "resources" / f"{cohort}_counts.tsv"
        clin_in = root / "resources" / f"{cohort}_clinical.tsv"
        counts.write_text("gene\t" + "\t".join(ids) + "\nA\t" + "\t".join("5" for _ in ids) + "\n")
        clin_in.write_text("sample_id\tos_months\n" + "".join(f"{i}\t1\n" for i in ids))
        params[cohort] = {"cohort": cohort, "counts": str(counts.relative_to(root)),
                          "clinical": str(clin_in.relative_to(root)), "role": "discovery" if k == 0 else "validation",
                          "time_column": "os_months", "event_column": "os_event", "time_unit": "months",
                          "treatment_column": "treatment", "reference_arm": "intensive chemo",
                          "response_column": "best_response", "response_coding": "CR/CRi=1,refractory=0",
                          "covariates": "age,sex,eln2017", "reference_levels": "sex=F,eln2017=favorable",
                          "description": f"SYNTHETIC demo cohort {letter} (simulated; not real data)"}
        base = f"results/cohorts/{cohort}"
        eln = rng.choice(["favorable", "intermediate", "adverse"], n).astype(object)
        if bad_ids:
            eln[1] = "<script>alert('level')</script>"
        clin = pd.DataFrame({
            "sample": ids, "os_months": np.round(rng.uniform(1, 60, n), 2), "os_event": rng.integers(0, 2, n),
            "age": rng.integers(40, 85, n).astype(float), "sex": rng.choice(["F", "M"], n), "eln2017": eln,
            "treatment": rng.choice(["intensive chemo", "VEN+AZA", "VEN+AraC"], n),
            "response": rng.choice([0.0, 1.0, np.nan], n, p=[0.4, 0.5, 0.1])})
        clin.loc[3, "age"] = np.nan
        clinicals[cohort] = clin
        _w(root, f"{base}/validated/clinical.tsv", clin)
        extra = [f"SYN-{letter}-{i:04d}" for i in (n + 1, n + 2)]
        flow = pd.DataFrame([
            {"step": "clinical table", "n_before": n + 2, "n_after": n + 2, "n_excluded": 0, "reason": "rows read"},
            {"step": "survival data", "n_before": n + 2, "n_after": n, "n_excluded": 2,
             "reason": f"missing os_months or os_event: {', '.join(extra)}"},
            {"step": "matched to clinical", "n_before": n, "n_after": n, "n_excluded": 0,
             "reason": "all count samples matched"}])
        _w(root, f"{base}/validated/flow.tsv", flow)
        (root / base / "describe").mkdir(parents=True, exist_ok=True)
        (root / base / "describe" / "flow.svg").write_text(
            flowchart.consort_svg(flow, title=f"{cohort}: patient flow", events=int(clin["os_event"].sum())))
        _w(root, f"{base}/validated/input_checksums.tsv", pd.DataFrame([
            {"role": "counts", "file": params[cohort]["counts"], "sha256": sha256sum(counts)},
            {"role": "clinical", "file": params[cohort]["clinical"], "sha256": sha256sum(clin_in)}]))
        _w(root, f"{base}/signature_coverage.tsv", pd.DataFrame({
            "signature": [PRIMARY, "LSC17"], "kind": ["ssgsea", "weighted_sum"], "n_genes": [102, 17],
            "n_present": [100, 17], "fraction": [100 / 102, 1.0], "missing": ["ATP5MD,ATP5MPL", ""]}))
        _w(root, f"{base}/cutpoints.tsv", pd.DataFrame({
            "signature": [PRIMARY, "LSC17"], "kind": ["ssgsea", "weighted_sum"], "rule": "discovery_median",
            "scale": ["es", "score"], "boundary": "high|low", "cut": [0.3141, -1.25],
            "source": "median of SYNTHETIC_cohortA (frozen)", "n_above": [47, 52]}))
        _w(root, f"{base}/qc/qc.tsv", pd.DataFrame({
            "sample": ids, "library_size": rng.integers(3_000_000, 9_000_000, n),
            "detected_genes": rng.integers(12000, 14000, n), "PC1": rng.normal(size=n), "PC2": rng.normal(size=n),
            "outlier": [i == 5 for i in range(n)],
            "reason": ["PCA outlier (distance robust z = 4.1)" if i == 5 else "" for i in range(n)]}))
        sc_rows = []
        for sig, kind in ((PRIMARY, "ssgsea"), ("LSC17", "weighted_sum"), ("BCL2", "single_gene")):
            s = rng.normal(size=n)
            z = (s - s.mean()) / s.std(ddof=1)
            sc_rows.append(pd.DataFrame({"sample": ids, "signature": sig, "kind": kind, "score": s,
                                         "es": s * 100, "z": z, "group": np.where(z > np.median(z), "high", "low")}))
        scores = pd.concat(sc_rows, ignore_index=True)
        scores_by[cohort] = scores
        prim = scores[scores["signature"] == PRIMARY]
        sens = pd.concat([pd.DataFrame({"sample": ids, "signature": PRIMARY, "method": m,
                                        "score": prim["score"].to_numpy() * f + rng.normal(0, 0.1, n)})
                          for m, f in (("singscore", 0.5), ("mean_z", 2.0))])
        _w(root, f"{base}/describe/marker_by_variable.tsv",
           describe.marker_by_variable(clin.set_index("sample"), scores, PRIMARY))
        _w(root, f"{base}/describe/score_method_correlation.tsv", describe.score_method_correlations(scores, sens))
        hr_prim = 1.30 + 0.05 * k + 0.0012345
        cox = []
        for sig, kind in ((PRIMARY, "ssgsea"), ("LSC17", "weighted_sum"), ("BCL2", "single_gene")):
            hr = hr_prim if sig == PRIMARY else 0.97
            base_row = {"signature": sig, "kind": kind, "n": n, "events": 25, "coef": np.log(hr), "se": 0.1,
                        "z": np.log(hr) / 0.1, "concordance": 0.58, "loglik": -80.0, "lr_chisq": 4.0, "lr_df": 1,
                        "lr_p": 0.04, "n_dropped_missing": np.nan}
            # as frozen.label_estimation writes them: the discovery cohort's tests are secondary, a
            # frozen-validated cohort's re-estimated univariable / group models are sensitivity
            est = "discovery" if k == 0 else "sensitivity (re-estimated in this cohort)"
            uni_label = "secondary" if k == 0 else est
            cox.append({**base_row, "model": "univariable", "term": "score_per_sd", "hr": hr,
                        "ci_lower": hr / 1.2, "ci_upper": hr * 1.2, "p": 0.0123 if sig == PRIMARY else 0.8,
                        "analysis": uni_label, "estimation": est})
            cox.append({**base_row, "model": "group", "term": "group[high]", "hr": 1.5, "ci_lower": 1.0,
                        "ci_upper": 2.2, "p": 0.05, "analysis": uni_label, "estimation": est})
            for term, h in (("score_per_sd", hr * 1.01), ("age", 1.031), ("sex[M]", 0.91),
                            ("eln2017[adverse]", 2.1), ("eln2017[intermediate]", 1.2)):
                cox.append({**base_row, "model": "multivariable", "term": term, "hr": h, "ci_lower": h / 1.3,
                            "ci_upper": h * 1.3, "p": 0.2, "n_dropped_missing": 1, "analysis": "secondary",
                            "estimation": est})
        _w(root, f"{base}/survival/cox.tsv", pd.DataFrame(cox))
        _w(root, f"{base}/validated/endpoint.tsv", pd.DataFrame([{
            "cohort": cohort, "layout": "time_event", "time_source": "os_months", "time_unit": "months",
            "conversion": "unchanged (months)", "event_source": "os_event", "event_coding": "1=1 (25), 0=0 (15)",
            "median_follow_up_months": 23.5}]))
        _w(root, f"{base}/survival/predictive.tsv", pd.DataFrame([
            {"contrast": PCON, "signature": PRIMARY, "kind": "ssgsea", "analysis": "secondary", "term": "interaction",
             "arm": "", "hr": 0.45 if k else 0.8, "ci_lower": 0.3 if k else 0.5, "ci_upper": 0.7 if k else 1.3,
             "p": 0.001 if k else 0.3, "lr_p": 0.0009 if k else 0.31, "n": 30, "events": 20, "n_test": 12,
             "n_reference": 18},
            {"contrast": PCON, "signature": PRIMARY, "kind": "ssgsea", "analysis": "secondary", "term": "score_in_arm",
             "arm": "VEN+AraC", "hr": 0.7, "ci_lower": 0.5, "ci_upper": 1.0, "p": 0.05, "lr_p": np.nan, "n": 12,
             "events": 8, "n_test": 12, "n_reference": 18}]))
        _w(root, f"{base}/survival/predictive_contrasts.tsv", pd.DataFrame([{
            "contrast": PCON, "test_arm": "VEN+AraC", "reference_arm": "intensive chemo", "analysis": "secondary",
            "status": "analysed", "n_test": 12, "n_reference": 18, "arms_present": "3", "reason": ""}]))
        _w(root, f"{base}/survival/response_by_arm.tsv", pd.DataFrame([{
            "contrast": PCON, "signature": PRIMARY, "kind": "ssgsea", "analysis": "secondary", "term": "interaction",
            "arm": "", "odds_ratio": 2.2, "or_ci_lower": 1.1, "or_ci_upper": 4.4, "p": 0.02, "lr_p": 0.018, "n": 30,
            "n_responders": 15}]))
        _w(root, f"{base}/survival/treatment_effect.tsv", pd.DataFrame([{
            "contrast": PCON, "signature": PRIMARY, "model": "linear", "score": 0.0, "log_hr": 0.1, "hr": 1.1,
            "ci_lower": 0.8, "ci_upper": 1.5}]))
        if k:  # the validation cohort: the frozen model applied unchanged
            _w(root, f"{base}/validation/frozen_cox.tsv", pd.DataFrame([
                {"signature": s_, "kind": "ssgsea", "model": m, "term": t, "hr": h_, "ci_lower": h_ / 1.25,
                 "ci_upper": h_ * 1.25, "p": p_, "n": n, "events": 25, "coef": np.log(h_), "se": 0.11,
                 "scale": "per discovery SD", "analysis": a_, "discovery_cohort": cohorts[0]}
                for s_, m, t, h_, p_, a_ in ((PRIMARY, "frozen_score", "score_per_sd", 1.4123, 0.0041, "primary"),
                                             (PRIMARY, "frozen_group", "group[high]", 1.6, 0.03, "secondary"),
                                             ("LSC17", "frozen_score", "score_per_sd", 0.98, 0.85, "secondary"))]))
            _w(root, f"{base}/validation/calibration.tsv", pd.DataFrame([{
                "signature": PRIMARY, "kind": "ssgsea", "model": m, "analysis": "primary", "n": n, "events": 25,
                "n_not_predicted": 0, "slope": 0.93, "slope_se": 0.2, "slope_lower": 0.54, "slope_upper": 1.32,
                "slope_p_eq1": 0.7, "observed": 25, "expected": 23.1, "oe": 1.082, "oe_lower": 0.73,
                "oe_upper": 1.6, "brier_12m": 0.2, "brier_null_12m": 0.22, "ibs_tau": 24, "ibs": 0.18,
                "ibs_null": 0.2} for m in ("univariable", "multivariable")]))
            _w(root, f"{base}/validation/calibration_curve.tsv", pd.DataFrame([{
                "signature": PRIMARY, "model": "univariable", "horizon": 12, "grouping": "frozen_group",
                "group": "high", "n": 20, "events": 10, "predicted": 0.5, "observed": 0.48, "observed_lower": 0.3,
                "observed_upper": 0.65}]))
            _w(root, f"{base}/validation/status.tsv", pd.DataFrame([{
                "signature": PRIMARY, "model": "univariable", "status": "validated", "n": n, "n_predicted": n,
                "n_not_predicted": 0, "n_beyond_discovery_followup": 0, "note": ""}]))
            (root / base / "validation" / "calibration.svg").write_text(_svg("calibration", "calibration"))
        _w(root, f"{base}/survival/logrank.tsv", pd.DataFrame([
            {"signature": s, "kind": "ssgsea", "grouping": "median", "chisq": 3.1, "df": 1, "p": 0.078, "n": n,
             "events": 25} for s in SIGS]))
        _w(root, f"{base}/survival/km_median.tsv", pd.DataFrame([
            {"signature": s, "group": g, "n": n // 2, "events": 12, "median": m, "median_lcl": m - 4,
             "median_ucl": m + 5} for s in SIGS for g, m in (("high", 11.25), ("low", 19.5))]))
        _w(root, f"{base}/survival/cox_zph.tsv", pd.DataFrame([
            {"signature": PRIMARY, "model": "univariable", "term": "score_per_sd", "chisq": 0.3, "df": 1, "p": 0.58},
            {"signature": PRIMARY, "model": "univariable", "term": "GLOBAL", "chisq": 0.3, "df": 1, "p": 0.58},
            {"signature": PRIMARY, "model": "multivariable", "term": "eln2017", "chisq": 7.9, "df": 2, "p": 0.019}]))
        _w(root, f"{base}/survival/interaction.tsv", pd.DataFrame([
            {"signature": PRIMARY, "arm": a, "hr": h, "ci_lower": h / 1.5, "ci_upper": h * 1.5, "p": 0.1, "n": 13,
             "events": 8, "lr_chisq": 6.2, "lr_df": 2, "lr_p": 0.045, "reference_arm": "intensive chemo"}
            for a, h in (("intensive chemo", 1.5), ("VEN+AZA", 1.4), ("VEN+AraC", 0.7))]))
        _w(root, f"{base}/survival/discrimination.tsv", pd.DataFrame([{
            "signature": PRIMARY, "kind": "ssgsea", "n": n, "events": 25, "harrell_c": 0.61, "harrell_c_lower": 0.52,
            "harrell_c_upper": 0.70, "uno_c": 0.6, "uno_c_lower": 0.5, "uno_c_upper": 0.7, "auc_12m": 0.63,
            "auc_24m": 0.64, "cgain_c_clinical": 0.6, "cgain_c_full": 0.63, "cgain_delta": 0.03,
            "cgain_delta_ci_lower": 0.004 if k else -0.01, "cgain_delta_ci_upper": 0.06, "cgain_n_boot": 20}]))
        _w(root, f"{base}/survival/response.tsv", pd.DataFrame([{
            "signature": PRIMARY, "kind": "ssgsea", "odds_ratio": 1.21, "or_ci_lower": 0.9, "or_ci_upper": 1.6,
            "or_p": 0.18, "n": n, "n_responders": 20, "auroc": 0.56, "auroc_ci_lower": 0.4, "auroc_ci_upper": 0.7}]))
        _w(root, f"{base}/survival/maxstat_exploratory.tsv", pd.DataFrame([{
            "signature": PRIMARY, "kind": "ssgsea", "analysis": "EXPLORATORY (data-driven cutpoint)",
            "statistic": 3.71, "cutpoint": 1.39, "p_lau94": 0.0086, "p_lau92": 0.0066, "n_cuts": 30, "n_high": 12}]))
        _w(root, f"{base}/survival/power.tsv", pd.DataFrame([{
            "n": n, "events": 25, "detectable_hr_per_sd": 1.76, "detectable_hr_median_split": 3.07, "alpha": 0.05,
            "power": 0.8, "mv_parameters": 5, "epv_multivariable": 5.0}]))
        _w(root, f"{base}/survival/skipped_models.tsv", pd.DataFrame([
            {"signature": "BCL2", "model": "interaction", "reason": "only 3 events in VEN+AraC"}]))
        _w(root, f"{base}/random_null/summary.tsv", pd.DataFrame([{
            "signature": PRIMARY, "kind": "ssgsea", "size": 100, "n_random": 51, "n_valid": 50, "n_failed": 1,
            "observed_hr": hr_prim, "observed_z": 2.09, "percentile_abs_z": 97.0 if k else 94.0,
            "empirical_p": 0.039 if k else 0.065, "null_median_abs_z": 0.75, "note": ""}]))
        genes = [f"GENE{i}" for i in range(50)]
        de = pd.DataFrame({"gene": genes, "baseMean": rng.uniform(10, 1000, 50),
                           "log2FoldChange": rng.normal(0, 1, 50), "lfcSE": 0.2, "stat": rng.normal(0, 3, 50),
                           "pvalue": rng.uniform(0, 1, 50) ** 3,
                           "padj": np.r_[rng.uniform(0, 0.05, 8), rng.uniform(0.2, 1, 42)],
                           "log2FoldChange_shrunk": rng.normal(0, 0.5, 50), "lfcSE_shrunk": 0.1})
        _w(root, f"{base}/de/{CONTRAST}.tsv", de)
        _w(root, f"{base}/de/{CONTRAST}_summary.tsv", pd.DataFrame([{
            "contrast": CONTRAST, "variable": "response", "test": "responder", "reference": "refractory",
            "design": "~response", "n_samples": n - 4, "n_test": 20, "n_reference": n - 24, "n_genes": 50,
            "n_tested": 50, "alpha": 0.1, "n_significant": 8, "n_up": 5, "n_down": 3,
            "lfc_direction": "log2(responder / refractory)"}]))
        for sub in [f"survival/km_{s}.svg" for s in SIGS] + ["random_null/null.svg", "scores.svg",
                                                              "qc/library_sizes.svg", f"de/{CONTRAST}_volcano.svg",
                                                              f"survival/treatment_effect_{PCON}.svg",
                                                              f"survival/km_by_arm_{PCON}.svg"]:
            (root / base / sub).parent.mkdir(parents=True, exist_ok=True)
            (root / base / sub).write_text(_svg(f"{cohort} {sub}", f"{cohort} {sub}"))
        (root / base / "qc" / "pca.svg").write_text(_svg(ids[5], ids[5]))  # the PCA labels an outlier with its id
        for sig, h in ((PRIMARY, hr_prim), ("LSC17", 0.97)):
            hr_rows.append({"cohort": cohort, "signature": sig, "kind": "ssgsea", "model": "univariable", "hr": h,
                            "ci_lower": h / 1.2, "ci_upper": h * 1.2, "p": 0.01, "n": n, "events": 25,
                            "log_hr": np.log(h), "se": 0.09})
    summ = "results/summary"
    hr = pd.DataFrame(hr_rows)
    _w(root, f"{summ}/hazard_ratios.tsv", hr)
    meta = pd.DataFrame([{"signature": PRIMARY, "model": "univariable", "pool": "validation", "method": "REML",
                          "test": "knha", "analysis": "primary", "k": len(cohorts), "cohorts": ",".join(cohorts),
                          "hr": 1.3298765, "ci_lower": 1.1247163, "ci_upper": 1.4999926, "p": 0.00037,
                          "estimate": np.log(1.3298765), "se": 0.073, "tau2": 0.0123, "I2": 12.34, "QE": 1.2,
                          "QEp": 0.54, "pi_lower": 0.98, "pi_upper": 1.81, "note": "", "tau2_fit": 0.0123}])
    loo = pd.DataFrame([
        {"signature": PRIMARY, "model": "univariable", "pool": "validation", "test": "knha", "analysis": "sensitivity",
         "left_out": c, "estimate": 0.26, "ci_lb": 0.1, "ci_ub": 0.4, "pval": 0.001, "tau2": 0.0, "I2": 0.0}
        for c in cohorts])
    from mitoscore import multiplicity
    from mitoscore.io import read_tsv
    tables = {c: {src.key: read_tsv(root / f"results/cohorts/{c}" / src.path) for src in multiplicity.SOURCES
                  if (root / f"results/cohorts/{c}" / src.path).exists()} for c in cohorts}
    tests = multiplicity.adjust_families(multiplicity.collect_tests(
        tables, roles={c: p_["role"] for c, p_ in params.items()}, meta=meta, loo=loo))
    _w(root, f"{summ}/multiplicity.tsv", tests)
    _w(root, f"{summ}/meta_analysis.tsv", multiplicity.annotate(meta, tests, source="summary/meta_analysis.tsv"))
    _w(root, f"{summ}/leave_one_out.tsv", multiplicity.annotate(loo, tests, source="summary/leave_one_out.tsv"))
    from mitoscore.analysis import forest_data
    _w(root, f"{summ}/forest.tsv", forest_data(hr, meta, PRIMARY)[0])
    _w(root, f"{summ}/table1.tsv", describe.table_one(clinicals, scores_by, primary=PRIMARY))
    (root / summ / "forest.svg").write_text(_svg("forest", "forest"))
    (root / summ / "interaction.svg").write_text(_svg("interaction", "interaction"))
    if truth:
        (root / "resources" / "truth.json").write_text(json.dumps({"cohorts": {c: {
            "n_samples": n, "n_events": 25,
            "population_values_monte_carlo": {"univariable_hr_per_sd_latent_z": 1.25,
                                              "univariable_hr_per_sd_latent_z_by_arm": {"VEN+AraC": 0.73}},
            "de_genes": {"G1": 1.0, "G2": -1.0}} for c in cohorts}}))
    sheet = pd.DataFrame(list(params.values()))
    sheet.to_csv(root / "config" / "cohorts.tsv", sep="\t", index=False)
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    if reporting is None:
        full = {k: f"{k} text for A" for k, *_ in __import__("mitoscore.report.sections", fromlist=["x"]).COHORT_ITEMS}
        full["data_origin"] = "SYNTHETIC"
        partial = {k: v.replace(" for A", " for B") for k, v in full.items() if k != "specimen"}
        reporting = {"study": {"objectives": "Test objectives.", "hypotheses": ["H1: HR per SD > 1"],
                               "limitations": ["Stated limitation one."]},
                     "cohorts": {"SYNTHETIC_cohortA": full, "SYNTHETIC_cohortB": partial}}
    (root / "config" / "reporting.yaml").write_text(yaml.safe_dump(reporting))
    return config, params, root / "config" / "reporting.yaml"


def inputs_of(config, params, reporting_path=None) -> dict[str, str]:
    """The report rule's named inputs for the tree (as common.smk::report_inputs builds them)."""
    sigs = {s["name"]: s.get("gmt") or s.get("weights") for s in config["signatures"]}
    return I.report_inputs(params, signatures_of={c: list(SIGS) for c in params},
                           contrasts_of={c: [CONTRAST] for c in params}, signature_files=sigs,
                           cohort_sets={"validated": [c for c, p in params.items() if p["role"] == "validation"],
                                        "frozen_model": []},
                           subs_of={"predictive_contrasts": {c: [PCON] for c in params}},
                           provenance=[("annotation@genes.tsv.gz", "resources/annotation_genes.tsv.gz")],
                           reporting=str(reporting_path) if reporting_path else None,
                           truth=config["report"].get("demo_truth"))


def load(root: Path, config, params, reporting_path, basedir=None, files=None):
    files = files if files is not None else inputs_of(config, params, reporting_path)
    return report.load_report(files, config=config, cohorts=params, report_dir=root / "results" / "report",
                              workdir=root, basedir=basedir or root, cohort_sheet=root / "config" / "cohorts.tsv",
                              config_files=[root / "config" / "config.yaml"], packages={"pandas": "2.3.3"})


def render(root, config, params, rep, **kw) -> str:
    return report.render_report(load(root, config, params, rep, **kw))


@pytest.fixture
def tree(tmp_path):
    config, params, rep = make_results_tree(tmp_path)
    return tmp_path, config, params, rep


@pytest.fixture
def page(tree):
    root, config, params, rep = tree
    return render(root, config, params, rep)


def _cell(page: str, col: str, value: float) -> re.Match | None:
    return re.search(rf'data-col="{col}" data-v="{value:.10g}">([^<]*)<', page)


def _section(page: str, sid: str) -> str:
    start = page.index(f'<section id="{sid}"')
    end = page.find("<section id=", start + 10)
    return page[start:end if end > 0 else len(page)]


# --------------------------------------------------------------------------- structure
def test_sections_in_order_findings_first(page):
    ids = re.findall(r'<section id="([\w-]+)"', page)
    assert ids[0] == "findings", "the findings summary must open the report"
    assert ids.index("findings") < ids.index(report.FIRST_RESULT_SECTION) < ids.index("cox")
    expected = [s.id for s in report.SECTIONS if s.id != "truth"]  # no truth file in this tree
    assert ids == expected, ids
    for s in report.SECTIONS:
        if s.id != "truth":
            assert f'href="#{s.id}"' in page, f"table of contents lacks {s.id}"
    assert "<h2>Findings summary" in page


def test_templates_escape_and_css_js_are_files():
    from mitoscore.report import render as R
    env = R.environment()
    assert env.autoescape is True
    tpl = sorted(p.name for p in (R.TEMPLATES / "sections").glob("*.html.j2"))
    assert {f"{s.id}.html.j2" for s in report.SECTIONS} <= set(tpl)
    assert (R.STATIC / "report.css").is_file() and (R.STATIC / "report.js").is_file()


def test_synthetic_banner(tree):
    root, config, params, rep = tree
    page = render(root, config, params, rep)
    assert "SYNTHETIC demo data — not real patients" in page or "SYNTHETIC demo data &mdash; not real patients" in page
    data = load(root, config, params, rep)
    for cd in data.cohorts.values():
        cd.params["description"] = "real cohort"
    data.cohorts = {k.replace("SYNTHETIC_", "REAL_"): v for k, v in data.cohorts.items()}
    data.reporting = {}
    assert "not real patients" not in report.render_report(data)


# --------------------------------------------------------------------------- findings summary
def test_findings_verdicts_follow_the_rules(page):
    f = _section(page, "findings")
    rows = {(m.group(1), m.group(2)): m.group(3) for m in re.finditer(
        r'data-hypothesis="([\w-]+)" data-scope="([^"]+)" data-verdict="([^"]+)"', f)}
    # primary: discovery cohort A its own model (HR 1.30, p = 0.0123, met); validation cohort B the
    # frozen model (HR 1.41 per discovery SD, p = 0.0041) -> met
    assert rows[("prognostic", "SYNTHETIC_cohortA")] == "met" and rows[("prognostic", "SYNTHETIC_cohortB")] == "met"
    assert rows[("pooled", "pooled")] == "met"
    # multivariable p = 0.2 -> not met
    assert rows[("independent", "SYNTHETIC_cohortB")] == "not met"
    # random null: empirical p 0.065 (A) not met, 0.039 (B) met (50 valid sets >= 20 needed)
    assert rows[("random_null", "SYNTHETIC_cohortA")] == "not met"
    assert rows[("random_null", "SYNTHETIC_cohortB")] == "met"
    # comparators: |z| of the primary (log 1.30 / 0.1 = 2.6) > |z| LSC17, BCL2 (0.3) -> met (descriptive)
    assert rows[("comparators", "SYNTHETIC_cohortB")] == "met"
    # C gain CI lower -0.01 (A) -> not met; 0.004 (B) -> met
    assert rows[("c_gain", "SYNTHETIC_cohortA")] == "not met" and rows[("c_gain", "SYNTHETIC_cohortB")] == "met"
    # predictive contrast: B interaction HR 0.45, LR p 0.0009 (benefit of VEN+AraC grows with the score) -> met;
    # A: LR p 0.31 -> not met
    assert rows[("predictive", "SYNTHETIC_cohortB: VEN+AraC vs intensive chemo")] == "met"
    assert rows[("predictive", "SYNTHETIC_cohortA: VEN+AraC vs intensive chemo")] == "not met"
    # calibration of the frozen model in B: slope CI 0.54-1.32 and O/E CI 0.73-1.6 contain 1 -> met
    assert rows[("calibration", "SYNTHETIC_cohortB")] == "met"
    # the answer box: validation cohort B only (A is discovery), with the frozen model's estimate
    ans = f[f.index('id="answer"'):f.index("</div>", f.index('id="answer"'))]
    assert "VALIDATED" in ans and "met in 1 of 1 validation cohort(s)" in ans
    assert "frozen model: HR per discovery SD 1.41 (1.13-1.77)" in ans and "p = 0.0041" in ans
    assert "adjusted" in ans and "primary, BH" in ans  # the family-wise adjusted p beside it
    assert "Still missing" in ans and "REMARK" in ans and "TRIPOD" in ans


def test_findings_numbers_equal_the_tables(tree, page):
    root, *_ = tree
    fz = pd.read_csv(root / "results/cohorts/SYNTHETIC_cohortB/validation/frozen_cox.tsv", sep="\t")
    r = fz[(fz.signature == PRIMARY) & (fz.model == "frozen_score")].iloc[0]
    f = _section(page, "findings")
    assert f"HR per discovery SD {fmt.ratio_ci(r.hr, r.ci_lower, r.ci_upper)}" in f
    ma = pd.read_csv(root / "results/summary/meta_analysis.tsv", sep="\t").iloc[0]
    assert fmt.ratio_ci(ma.hr, ma.ci_lower, ma.ci_upper) in f and "&lt; 0.001" in f
    mt = pd.read_csv(root / "results/summary/multiplicity.tsv", sep="\t")
    prim = mt[(mt.family == "primary") & (mt.cohort == "SYNTHETIC_cohortB")].iloc[0]
    assert prim.source == "validation/frozen_cox.tsv" and f"{fmt.p(prim.p_adj)} (primary, BH)" in f


def test_findings_not_testable_and_not_run(tree):
    root, config, params, rep = tree
    # the frozen model's HR skipped -> not testable (never the re-estimated model instead); a missing
    # table -> not run
    p = root / "results/cohorts/SYNTHETIC_cohortB/validation/frozen_cox.tsv"
    fz = pd.read_csv(p, sep="\t")
    write_tsv(fz[~((fz.signature == PRIMARY) & (fz.model == "frozen_score"))], p)
    st = root / "results/cohorts/SYNTHETIC_cohortB/validation/status.tsv"
    write_tsv(pd.DataFrame([{"signature": PRIMARY, "model": "frozen_score", "status": "skipped", "n": 40,
                             "n_predicted": 40, "n_not_predicted": 0, "n_beyond_discovery_followup": 0,
                             "note": "only 4 events"}]), st)
    (root / "results/cohorts/SYNTHETIC_cohortB/random_null/summary.tsv").unlink()
    data = load(root, config, params, rep)
    res = dict((h.id, f) for h, f in F.evaluate_all(data))
    b = {f.scope: f for f in res["prognostic"]}["SYNTHETIC_cohortB"]
    assert b.verdict == F.NOT_TESTABLE and "only 4 events" in b.detail
    assert {f.scope: f for f in res["random_null"]}["SYNTHETIC_cohortB"].verdict == F.NOT_RUN
    head = F.headline(data, F.evaluate_all(data))
    assert head["status"] == "not testable"


def test_direction_and_too_few_random_sets(tree):
    root, config, params, rep = tree
    config["report"]["hypothesis_direction"] = "decreased_hazard"
    data = load(root, config, params, rep)
    res = dict((h.id, f) for h, f in F.evaluate_all(data))
    b = {f.scope: f for f in res["prognostic"]}["SYNTHETIC_cohortB"]
    assert b.verdict == F.NOT_MET and "opposite direction" in b.detail
    p = root / "results/cohorts/SYNTHETIC_cohortB/random_null/summary.tsv"
    write_tsv(pd.read_csv(p, sep="\t").assign(n_random=11, n_valid=10, empirical_p=1 / 11), p)
    data = load(root, config, params, rep)
    rn = {f.scope: f for f in F._random_null(data, F.HYPOTHESES[3])}["SYNTHETIC_cohortB"]
    assert rn.verdict == F.NOT_TESTABLE and "needs at least 20" in rn.detail


def test_new_hypothesis_plugs_in_as_data(tree):
    root, config, params, rep = tree
    data = load(root, config, params, rep)

    def evaluate(d, h):
        return [F.Finding(h.id, name, cd.role, F.NOT_RUN, detail="example") for name, cd in d.cohorts.items()]
    h = F.Hypothesis("calibration_demo", "Calibration of the frozen model", "Is it calibrated?",
                     "met when the calibration slope CI covers 1", evaluate, ("calibration",), "meta")
    page = report.render_report(data, hypotheses=[*F.HYPOTHESES, h])
    assert 'data-hypothesis="calibration_demo"' in page and "Calibration of the frozen model" in _section(page, "findings")


def test_truth_table_only_when_configured(tmp_path):
    config, params, rep = make_results_tree(tmp_path, truth=True)
    page = render(tmp_path, config, params, rep)
    t = _section(page, "truth")
    assert "planted" in t.lower() and 'id="truth-table"' in t
    # planted 1.25 inside the CI of cohort A (1.30 / 1.2 = 1.08 to 1.56): covered yes
    assert re.search(r"univariable HR per SD, all arms.*?<td>yes</td>", t, re.S)
    assert "resources/truth.json" in _section(page, "provenance")
    config["report"]["demo_truth"] = None
    assert '<section id="truth"' not in render(tmp_path, config, params, rep)


# --------------------------------------------------------------------------- checklists
def test_grade_text_placeholders():
    for t in (None, "", "  ", "N/A", "NA", "None", "None: simulated.", "Not applicable (simulated data).", "TBD",
              "TODO: add", "...", "<fill in>", "[dates]", "unknown", "pending"):
        assert CL.grade_text(t)[0] == CL.MISSING, t
    for t in ("Bone marrow, Ficoll, -80 C.", "None declared.", "Nashville cohort 2001-2010", ["a real limitation"]):
        assert CL.grade_text(t)[0] == CL.PRESENT, t


def test_checklist_grade_follows_content(tmp_path):
    full = {k: f"{k} text" for k, *_ in __import__("mitoscore.report.sections", fromlist=["x"]).COHORT_ITEMS}
    rep = {"study": {"marker": "MitoScore proxy.", "objectives": "Validate.", "hypotheses": ["Higher score, shorter OS (HR > 1)."],
                     "sample_size_rationale": "None: chosen for speed.", "implications": "TBD",
                     "interpretation": "Real interpretation.", "limitations": ["one"]},
           "cohorts": {"SYNTHETIC_cohortA": {**full, "specimen": "N/A"},
                       "SYNTHETIC_cohortB": {**full, "specimen": "Bone marrow mononuclear cells, -80 C."}}}
    config, params, rp = make_results_tree(tmp_path, reporting=rep)
    page = render(tmp_path, config, params, rp)
    cl = _section(page, "checklists")

    def grade(table_id, item):
        t = cl[cl.index(f'id="{table_id}"'):]
        return re.search(rf'data-item="{item}" data-grade="([\w ]+)"', t).group(1)
    assert grade("remark-table", "4") == "partial"     # specimen: placeholder in A, given in B
    assert grade("remark-table", "20") == "missing"    # implications: "TBD"
    assert grade("remark-table", "9") == "partial"     # rationale placeholder; detectable HR present
    assert grade("remark-table", "1") == "reported"
    assert grade("remark-table", "13") == "reported"   # Table 1 present
    assert grade("tripod-table", "22") == "missing"    # funding absent
    assert grade("tripod-table", "16") == "reported"   # discrimination and calibration (validation cohort B)
    # the placeholder is shown as MISSING with the stated text, not as reported
    cards = _section(page, "cohorts")
    a = cards[cards.index("SYNTHETIC_cohortA"):cards.index("SYNTHETIC_cohortB")]
    assert "MISSING (REMARK item 4)" in a and "N/A" in a
    rem4 = re.search(r'<tr class="g-partial" data-item="4".*?</tr>', cl, re.S).group(0)
    assert "SYNTHETIC_cohortA" in rem4 and "write cohorts.&lt;cohort&gt;.specimen" in rem4


def test_reporting_file_absent_grades_missing(tree):
    root, config, params, rep = tree
    data = load(root, config, params, None)
    page = report.render_report(data)
    cl = _section(page, "checklists")
    assert 'data-item="1" data-grade="partial"' in cl  # the plan's verdict rules are still generated
    assert 'data-item="20" data-grade="missing"' in cl
    assert any("reporting items file" in w for w in data.warnings)


def test_section_switched_off_is_missing_in_the_checklist(tree):
    root, config, params, rep = tree
    data = load(root, config, params, rep)
    data.reporting["sections"] = {"exclude": ["de", "table1", "findings"]}
    page = report.render_report(data)
    assert '<section id="de"' not in page and '<section id="table1"' not in page
    assert '<section id="findings"' in page   # cannot be switched off
    assert "Sections switched off" in page
    rem2 = re.search(r'data-item="2" data-grade="(\w+)"', _section(page, "checklists")).group(1)
    assert rem2 == "partial"


def test_section_without_tables_says_not_run(tree):
    root, config, params, rep = tree
    files = {k: v for k, v in inputs_of(config, params, rep).items() if not k.startswith("predictive")}
    page = report.render_report(load(root, config, params, rep, files=files))
    sec = _section(page, "predictive")
    assert "Not run in this workflow run" in sec and "predictive" in sec
    assert 'data-hypothesis="predictive" data-scope="SYNTHETIC_cohortA" data-verdict="not run"' in page


# --------------------------------------------------------------------------- numbers equal the tables
def test_primary_hr_and_ci_equal_cox_table(page, tree):
    root, *_ = tree
    cox = pd.read_csv(root / "results/cohorts/SYNTHETIC_cohortB/survival/cox.tsv", sep="\t")
    r = cox[(cox.signature == PRIMARY) & (cox.model == "univariable")].iloc[0]
    for col in ("hr", "ci_lower", "ci_upper"):
        m = _cell(page, col, r[col])
        assert m, f"{col} {r[col]} not rendered with its table value"
        assert m.group(1) == f"{r[col]:.2f}"
    assert _cell(page, "p", r["p"]).group(1) == "0.012"


def test_meta_analysis_numbers(page):
    meta = _section(page, "meta")
    assert "1.33 (1.12-1.50)" in meta
    assert "I<sup>2</sup> = 12.3%" in meta
    assert "not estimable (fewer than 3 cohorts)" in meta   # k = 2: no prediction interval
    assert _cell(page, "tau2", 0.0123).group(1) == "0.0123"
    assert 'data-col="weight"' in meta


def test_km_median_logrank_cutpoints(page):
    km = _section(page, "km")
    assert _cell(km, "median", 11.25).group(1) in ("11.2", "11.3")
    assert _cell(km, "p", 0.078).group(1) == "0.078"
    assert "median of SYNTHETIC_cohortA (frozen)" in km and _cell(km, "cut", 0.3141).group(1) == "0.314"
    assert "reproducing DESeq2 1.38" in _section(page, "methods")


def test_full_multivariable_model_every_term(page):
    for term in ("age", "sex[M]", "eln2017[adverse]", "eln2017[intermediate]"):
        assert f"<td>{term}</td>" in page
    assert "complete-case analysis" in _section(page, "cox")


def test_power_interaction_de_summary(page):
    assert _cell(page, "detectable_hr_per_sd", 1.76).group(1) == "1.76"
    assert _cell(page, "epv_multivariable", 5.0).group(1) == "5.0"   # from power.tsv, not computed here
    assert "interaction likelihood-ratio chi-square 6.20 on 2 df, p = 0.045" in page
    de = _section(page, "de")
    assert "<b>8</b> with padj &lt; 0.1 (5 up, 3 down in responder)" in de


def test_table1_from_the_summary_table(page):
    t1 = _section(page, "table1")
    assert 'id="table-one"' in t1 and "Follow-up, months" in t1 and "not recorded" not in t1


# --------------------------------------------------------------------------- labels
def test_maxstat_labelled_exploratory(page):
    sec = _section(page, "sensitivity")
    ms = sec[sec.index("Data-driven cutpoint"):]
    table = ms[ms.index("<table"):ms.index("</table>")]
    assert table.count("b-exploratory") == 1 and "VALIDATION" not in table
    cox = _section(page, "cox")
    a = cox[cox.index("SYNTHETIC_cohortA"):cox.index("SYNTHETIC_cohortB")]
    assert "VALIDATION" not in a and "b-discovery" in a  # the model is fitted in the discovery cohort
    # in the frozen-validated cohort the re-estimated model is a sensitivity analysis; the
    # validation row is the frozen model's
    b = cox[cox.index("SYNTHETIC_cohortB"):]
    b = b[b.index("<table"):b.index("</table>")]
    assert "VALIDATION" not in b and "SENSITIVITY" in b
    val = _section(page, "validation")
    prim_row = re.search(r'<tr class="primary">.*?</tr>', val[val.index("SYNTHETIC_cohortB"):], re.S).group(0)
    assert "VALIDATION" in prim_row and "frozen_score" in prim_row


def test_ph_violation_gets_remedy(page):
    ph = _section(page, "ph")
    assert "Proportional hazards violated" in ph and "stratify" in ph and "time-varying coefficient" in ph


# --------------------------------------------------------------------------- safety, privacy
def test_markup_in_ids_and_levels_cannot_inject(tmp_path):
    config, params, rep = make_results_tree(tmp_path, bad_ids=True)
    page = render(tmp_path, config, params, rep)
    assert "<script>alert(" not in page, "markup from data reached the page unescaped"
    assert "&lt;script&gt;alert(&#39;level&#39;)&lt;/script&gt;" in _section(page, "marker")
    assert "&lt;script&gt;alert(&#39;A&#39;)&lt;/script&gt;" in page   # the sample id, escaped, in the pseudonym-free page
    assert page.count("<script>") == 2     # only the report's own two scripts


def test_embed_svg_strips_scripts_and_prefixes_ids():
    bad = _svg("SECRET-ID").replace("<g id=\"figure_1\">", "<g id=\"figure_1\" onload=\"alert(1)\">"
                                    "<script>alert(2)</script><a xlink:href=\"javascript:alert(3)\"></a>")
    out = str(report.embed_svg(bad, "x1", label='lab"<'))
    assert "SECRET-ID" not in out and "<?xml" not in out and "http://purl.org" not in out
    assert "<script" not in out and "onload" not in out and "javascript:" not in out
    assert 'id="x1-p0clip"' in out and "url(#x1-p0clip)" in out and 'xlink:href="#x1-DejaVuSans-31"' in out
    assert 'width="100%"' in out and "max-width:614px" in out and 'height="345.6pt"' not in out
    assert 'aria-label="lab&quot;&lt;"' in out


def test_pseudonymisation_removes_real_ids(tmp_path):
    config, params, rep = make_results_tree(tmp_path, pseudonymise=True)
    page = render(tmp_path, config, params, rep)
    assert not re.search(r"SYN-[AB]-\d{4}", page), "a real sample id is still in the report"
    assert "P0006" in page
    flow = _section(page, "flow")
    assert re.search(r"missing os_months or os_event: P\d{4}, P\d{4}", flow)
    assert "PCA figure left out" in flow
    config, params, rep = make_results_tree(tmp_path / "b", pseudonymise=False)
    assert "SYN-A-0006" in render(tmp_path / "b", config, params, rep)


def test_pseudonyms_are_stable_when_a_cohort_is_added():
    ps1, ps2 = report.Pseudonymiser(True), report.Pseudonymiser(True)
    ps1.register(["a1", "a2"])
    ps2.register(["a1", "a2"])
    ps2.register(["c1"])
    assert ps1.id("a2") == ps2.id("a2") == "P0002"
    assert ps2.text("ids: a1, c1 and xa1") == "ids: P0001, P0003 and xa1"
    assert ps2.page('<p>a1</p><svg><path d="a1"/><text x="1">a1</text></svg>') == \
        '<p>P0001</p><svg><path d="a1"/><text x="1">P0001</text></svg>'


def test_no_external_references(page):
    for attr in re.findall(r'\b(?:src|href|xlink:href|action)\s*=\s*"([^"]*)"', page):
        assert not re.match(r"\s*(https?:)?//", attr), f"external reference {attr}"
    assert "<link" not in page and "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "<!DOCTYPE svg" not in page and "<!--" not in page and "<metadata>" not in page


def test_figures_embedded_with_unique_ids(page):
    ids = re.findall(r'\bid="([^"]+)"', page)
    dup = {i for i in ids if ids.count(i) > 1}
    assert not dup, f"duplicated element ids: {sorted(dup)[:5]}"
    assert page.count('<svg class="fig"') >= 10
    assert 'xlink:href="#forest-DejaVuSans-31"' in page and 'url(#forest-p0clip)' in page
    assert "patient flow" in _section(page, "flow") and "Excluded: n = 2" in _section(page, "flow")


def test_tables_truncated_with_link(page):
    assert "Showing 20 of 50 rows" in page
    assert 'href="../cohorts/SYNTHETIC_cohortA/de/responder_vs_refractory.tsv"' in page


def test_missing_result_file_does_not_break(tree):
    root, config, params, rep = tree
    (root / "results/cohorts/SYNTHETIC_cohortA/survival/interaction.tsv").unlink()
    (root / "results/cohorts/SYNTHETIC_cohortA/survival/km_MITOSCORE.svg").unlink()
    data = load(root, config, params, rep)
    page = report.render_report(data)
    assert "Figure not available" in page and "No interaction analysis" in page
    assert not [w for w in data.warnings if "reporting" not in w]


# --------------------------------------------------------------------------- inputs declared once
def test_report_inputs_are_declared_once_and_loaded_as_given(tree):
    root, config, params, rep = tree
    files = inputs_of(config, params, rep)
    for n in files:
        key = I.parse_name(n)[0]
        assert key in ("signature", "prov", "reporting", "truth") or I.spec(key) is not None, n
    assert files["cox@SYNTHETIC_cohortB"] == "results/cohorts/SYNTHETIC_cohortB/survival/cox.tsv"
    assert files[f"km_svg@SYNTHETIC_cohortA@{PRIMARY}"].endswith(f"survival/km_{PRIMARY}.svg")
    assert files[f"de@SYNTHETIC_cohortA@{CONTRAST}"].endswith(f"de/{CONTRAST}.tsv")
    # a cohort-scoped input with a condition (e.g. validation cohorts only)
    extra = I.Input("only_validation", "results/cohorts/{cohort}/x.tsv", when=lambda r: r.get("role") == "validation")
    got = I.report_inputs(params, signatures_of={}, contrasts_of={}, inputs=[extra])
    assert list(got) == ["only_validation@SYNTHETIC_cohortB"]
    # every result path follows the configured results directory (config results_dir)
    other = I.report_inputs(params, signatures_of={}, contrasts_of={}, results_dir="study2/results")
    assert other["cox@SYNTHETIC_cohortB"] == "study2/results/cohorts/SYNTHETIC_cohortB/survival/cox.tsv"
    assert other["meta_analysis"] == "study2/results/summary/meta_analysis.tsv"
    assert all(v.startswith("study2/results/") for k, v in other.items() if I.parse_name(k)[0] != "signature")
    # the loader reads exactly the given files: an input left out is not read from the tree
    data = load(root, config, params, rep, files={k: v for k, v in files.items() if k != "cox@SYNTHETIC_cohortB"})
    assert data.cohorts["SYNTHETIC_cohortB"].t("cox") is None and data.cohorts["SYNTHETIC_cohortA"].t("cox") is not None
    data = load(root, config, params, rep, files={**files, "bogus@SYNTHETIC_cohortA": "x.tsv"})
    assert any("bogus" in w for w in data.warnings)


def test_common_smk_uses_the_one_declaration():
    repo = Path(__file__).resolve().parents[2]
    smk = (repo / "workflow/rules/common.smk").read_text()
    assert "from mitoscore.report.inputs import report_inputs" in smk
    script = (repo / "scripts/report.py").read_text()
    assert "snakemake.input.items()" in script and ".parent.parent" not in script


# --------------------------------------------------------------------------- provenance
def test_provenance_appendix(page, tree):
    root, *_ = tree
    prov = _section(page, "provenance")
    for f in ("resources/SYNTHETIC_cohortA_counts.tsv", "config/cohorts.tsv", "config/reporting.yaml",
              "config/signatures/proxy.gmt", "config/signatures/lsc17.tsv", "config/config.yaml"):
        assert f in prov and sha256sum(root / f) in prov, f
    assert "annotation [genes.tsv.gz]" in prov and "MISSING" in prov  # declared file absent in the test tree
    for pkg in ("python", "snakemake", "pandas", "numpy", "scipy", "pydeseq2", "gseapy", "lifelines",
                "matplotlib", "jinja2", "mitoscore"):
        assert f"<td>{pkg}</td>" in prov
    assert "pandas==2.3.3" in prov                       # the package lock
    assert "primary_signature: MITOSCORE" in prov
    assert "not a git checkout" in prov
    assert "MITOSCORE_CMDLINE" in prov
    assert "seed.survival" in prov and "seed.random sets" in prov
    assert "index.html</code> stays in <code>report/</code> of the results directory" in prov
    sig = _section(page, "signatures")
    assert "A, B, C" in sig and 'data-col="weight" data-v="-0.25"' in sig


def test_changed_input_is_flagged(tree):
    root, config, params, rep = tree
    (root / "resources/SYNTHETIC_cohortA_clinical.tsv").write_text("changed\n")
    assert "Input changed since validation" in render(root, config, params, rep)


def test_reporting_yaml_shipped_is_valid_and_schema_errors_name_the_key(tmp_path):
    """config/reporting.yaml is checked once, by the pre-flight at workflow start."""
    from mitoscore.errors import Problems
    from mitoscore.preflight import check_reporting
    repo = Path(__file__).resolve().parents[2]
    data = yaml.safe_load((repo / "config/reporting.yaml").read_text())
    ok = Problems()
    check_reporting(str(repo / "config/reporting.yaml"), ["SYNTHETIC_cohortA", "SYNTHETIC_cohortB"], ok)
    assert not ok.errors
    for cohort in ("SYNTHETIC_cohortA", "SYNTHETIC_cohortB"):
        assert data["cohorts"][cohort]["data_origin"] == "SYNTHETIC"
    bad = tmp_path / "r.yaml"
    bad.write_text(yaml.safe_dump({"cohorts": {"SYNTHETIC_cohortA": {"specimen_type": "bone marrow"}}}))
    pr = Problems()
    check_reporting(str(bad), ["SYNTHETIC_cohortA"], pr)
    msg = " | ".join(str(e) for e in pr.errors)
    assert str(bad) in msg and "specimen_type" in msg and "Fix:" in msg
    bad.write_text("study: [unclosed\n")
    pr = Problems()
    check_reporting(str(bad), ["SYNTHETIC_cohortA"], pr)
    assert "not valid YAML" in str(pr.errors[0])
    pr = Problems()
    check_reporting(str(tmp_path / "none.yaml"), [], pr)
    assert "not found" in str(pr.errors[0])

