"""Tests of mitoscore.report: the HTML report is rendered from result tables only.

The fixture writes a small results tree shaped like the workflow's output contract
(mitoscore/analysis.py, nullsets.py, validate.py column names) for SYNTHETIC cohorts,
then loads it with ``load_context`` and renders it. ``make_results_tree`` is reused by
tests/workflow/test_report_browser.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mitoscore import report
from mitoscore.io import write_tsv

PRIMARY = "MITOSCORE"

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
 </g>
</svg>
"""


def _svg(label: str) -> str:
    return SVG.replace("{label}", label)


def make_results_tree(root: Path, cohorts=("SYNTHETIC_cohortA", "SYNTHETIC_cohortB"), n: int = 40,
                      reporting: dict | None = None, pseudonymise: bool = False, seed: int = 1):
    """Write inputs + a results tree under ``root``; return (config, cohort params, reporting path)."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    (root / "resources").mkdir(parents=True, exist_ok=True)
    (root / "config" / "signatures").mkdir(parents=True, exist_ok=True)
    (root / "config" / "signatures" / "proxy.gmt").write_text("MITOSCORE\tproxy\tA\tB\tC\n")
    (root / "config" / "signatures" / "lsc17.tsv").write_text("gene\tweight\nA\t0.1\n")
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
               "contrasts": [{"name": "responder_vs_refractory", "column": "response", "test": "responder",
                              "reference": "refractory"}]},
        "survival": {"min_events": 10, "min_epv": 5, "horizons_months": [12, 24], "n_bootstrap": 20,
                     "seed": 7},
        "random_sets": {"n_random_sets": 50, "match_expression": True, "seed": 7},
        "meta": {"method": "REML", "test": "z"},
        "report": {"title": "Test report", "pseudonymise_ids": pseudonymise, "reporting": "config/reporting.yaml"},
    }
    params, hr_rows = {}, []
    for k, cohort in enumerate(cohorts):
        letter = cohort[-1]
        ids = [f"SYN-{letter}-{i:04d}" for i in range(1, n + 1)]
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
        base = root / "results" / "cohorts" / cohort
        clin = pd.DataFrame({
            "sample": ids, "os_months": np.round(rng.uniform(1, 60, n), 2), "os_event": rng.integers(0, 2, n),
            "age": rng.integers(40, 85, n).astype(float), "sex": rng.choice(["F", "M"], n),
            "eln2017": rng.choice(["favorable", "intermediate", "adverse"], n),
            "treatment": rng.choice(["intensive chemo", "VEN+AZA", "VEN+AraC"], n),
            "response": rng.choice([0.0, 1.0, np.nan], n, p=[0.4, 0.5, 0.1])})
        clin.loc[3, "age"] = np.nan
        write_tsv(clin, base / "validated" / "clinical.tsv")
        extra = [f"SYN-{letter}-{i:04d}" for i in (n + 1, n + 2)]
        write_tsv(pd.DataFrame([
            {"step": "clinical table", "n_before": n + 2, "n_after": n + 2, "n_excluded": 0, "reason": "rows read"},
            {"step": "survival data", "n_before": n + 2, "n_after": n, "n_excluded": 2,
             "reason": f"missing os_months or os_event: {', '.join(extra)}"},
            {"step": "matched to clinical", "n_before": n, "n_after": n, "n_excluded": 0,
             "reason": "all count samples matched"}]), base / "validated" / "flow.tsv")
        from mitoscore.io import sha256sum
        write_tsv(pd.DataFrame([{"role": "counts", "file": params[cohort]["counts"], "sha256": sha256sum(counts)},
                                {"role": "clinical", "file": params[cohort]["clinical"],
                                 "sha256": sha256sum(clin_in)}]), base / "validated" / "input_checksums.tsv")
        write_tsv(pd.DataFrame({"signature": [PRIMARY, "LSC17"], "kind": ["ssgsea", "weighted_sum"],
                                "n_genes": [102, 17], "n_present": [100, 17], "fraction": [100 / 102, 1.0],
                                "missing": ["ATP5MD,ATP5MPL", ""]}), base / "signature_coverage.tsv")
        write_tsv(pd.DataFrame({"signature": [PRIMARY, "LSC17"], "kind": ["ssgsea", "weighted_sum"],
                                "rule": "discovery_median", "scale": ["es", "score"], "boundary": "high|low",
                                "cut": [0.3141, -1.25], "source": "median of SYNTHETIC_cohortA (frozen)",
                                "n_above": [47, 52]}), base / "cutpoints.tsv")
        write_tsv(pd.DataFrame({"sample": ids, "library_size": rng.integers(3_000_000, 9_000_000, n),
                                "detected_genes": rng.integers(12000, 14000, n), "PC1": rng.normal(size=n),
                                "PC2": rng.normal(size=n), "outlier": [i == 5 for i in range(n)],
                                "reason": ["PCA outlier (distance robust z = 4.1)" if i == 5 else "" for i in range(n)]}),
                  base / "qc" / "qc.tsv")
        sc_rows = []
        for sig, kind in ((PRIMARY, "ssgsea"), ("LSC17", "weighted_sum"), ("BCL2", "single_gene")):
            s = rng.normal(size=n)
            z = (s - s.mean()) / s.std(ddof=1)
            sc_rows.append(pd.DataFrame({"sample": ids, "signature": sig, "kind": kind, "score": s,
                                         "es": s * 100, "z": z, "group": np.where(z > np.median(z), "high", "low")}))
        scores = pd.concat(sc_rows, ignore_index=True)
        write_tsv(scores, base / "scores.tsv")
        prim = scores[scores["signature"] == PRIMARY]
        write_tsv(pd.concat([pd.DataFrame({"sample": ids, "signature": PRIMARY, "method": m,
                                           "score": prim["score"].to_numpy() * f + rng.normal(0, 0.1, n)})
                             for m, f in (("singscore", 0.5), ("mean_z", 2.0))]), base / "scores_sensitivity.tsv")
        hr_prim = 1.30 + 0.05 * k + 0.0012345
        cox = []
        for sig, kind in ((PRIMARY, "ssgsea"), ("LSC17", "weighted_sum"), ("BCL2", "single_gene")):
            hr = hr_prim if sig == PRIMARY else 0.97
            base_row = {"signature": sig, "kind": kind, "n": n, "events": 25, "coef": np.log(hr), "se": 0.1,
                        "z": np.log(hr) / 0.1, "concordance": 0.58, "loglik": -80.0, "lr_chisq": 4.0, "lr_df": 1,
                        "lr_p": 0.04, "n_dropped_missing": np.nan}
            cox.append({**base_row, "model": "univariable", "term": "score_per_sd", "hr": hr,
                        "ci_lower": hr / 1.2, "ci_upper": hr * 1.2, "p": 0.0123 if sig == PRIMARY else 0.8,
                        "analysis": "primary" if sig == PRIMARY else "secondary",
                        "p_bh": np.nan if sig == PRIMARY else 0.81})
            cox.append({**base_row, "model": "group", "term": "group[high]", "hr": 1.5, "ci_lower": 1.0,
                        "ci_upper": 2.2, "p": 0.05, "analysis": "secondary", "p_bh": np.nan})
            for term, h in (("score_per_sd", hr * 1.01), ("age", 1.031), ("sex[M]", 0.91),
                            ("eln2017[adverse]", 2.1), ("eln2017[intermediate]", 1.2)):
                cox.append({**base_row, "model": "multivariable", "term": term, "hr": h, "ci_lower": h / 1.3,
                            "ci_upper": h * 1.3, "p": 0.2, "n_dropped_missing": 1, "analysis": "secondary",
                            "p_bh": np.nan})
        write_tsv(pd.DataFrame(cox), base / "survival" / "cox.tsv")
        write_tsv(pd.DataFrame([{"signature": s, "kind": "ssgsea", "grouping": "median", "chisq": 3.1, "df": 1,
                                 "p": 0.078, "n": n, "events": 25} for s in (PRIMARY, "LSC17")]),
                  base / "survival" / "logrank.tsv")
        write_tsv(pd.DataFrame([{"signature": s, "group": g, "n": n // 2, "events": 12, "median": m,
                                 "median_lcl": m - 4, "median_ucl": m + 5}
                                for s in (PRIMARY, "LSC17") for g, m in (("high", 11.25), ("low", 19.5))]),
                  base / "survival" / "km_median.tsv")
        write_tsv(pd.DataFrame([{"signature": PRIMARY, "model": "univariable", "term": "score_per_sd", "chisq": 0.3,
                                 "df": 1, "p": 0.58},
                                {"signature": PRIMARY, "model": "univariable", "term": "GLOBAL", "chisq": 0.3,
                                 "df": 1, "p": 0.58},
                                {"signature": PRIMARY, "model": "multivariable", "term": "eln2017", "chisq": 7.9,
                                 "df": 2, "p": 0.019}]), base / "survival" / "cox_zph.tsv")
        write_tsv(pd.DataFrame([{"signature": PRIMARY, "arm": a, "hr": h, "ci_lower": h / 1.5, "ci_upper": h * 1.5,
                                 "p": 0.1, "n": 13, "events": 8, "lr_chisq": 6.2, "lr_df": 2, "lr_p": 0.045,
                                 "reference_arm": "intensive chemo"}
                                for a, h in (("intensive chemo", 1.5), ("VEN+AZA", 1.4), ("VEN+AraC", 0.7))]),
                  base / "survival" / "interaction.tsv")
        write_tsv(pd.DataFrame([{"signature": PRIMARY, "kind": "ssgsea", "n": n, "events": 25, "harrell_c": 0.61,
                                 "harrell_c_lower": 0.52, "harrell_c_upper": 0.70, "uno_c": 0.6, "uno_c_lower": 0.5,
                                 "uno_c_upper": 0.7, "auc_12m": 0.63, "auc_24m": 0.64}]),
                  base / "survival" / "discrimination.tsv")
        write_tsv(pd.DataFrame([{"signature": PRIMARY, "kind": "ssgsea", "odds_ratio": 1.21, "or_ci_lower": 0.9,
                                 "or_ci_upper": 1.6, "or_p": 0.18, "n": n, "n_responders": 20, "auroc": 0.56,
                                 "auroc_ci_lower": 0.4, "auroc_ci_upper": 0.7}]), base / "survival" / "response.tsv")
        write_tsv(pd.DataFrame([{"signature": PRIMARY, "kind": "ssgsea", "analysis": "EXPLORATORY (data-driven cutpoint)",
                                 "statistic": 3.71, "cutpoint": 1.39, "p_lau94": 0.0086, "p_lau92": 0.0066,
                                 "n_cuts": 30, "n_high": 12}]), base / "survival" / "maxstat_exploratory.tsv")
        write_tsv(pd.DataFrame([{"n": n, "events": 25, "detectable_hr_per_sd": 1.76,
                                 "detectable_hr_median_split": 3.07, "alpha": 0.05, "power": 0.8}]),
                  base / "survival" / "power.tsv")
        write_tsv(pd.DataFrame([{"signature": "BCL2", "model": "interaction", "reason": "only 3 events in VEN+AraC"}]),
                  base / "survival" / "skipped_models.tsv")
        (base / "random_null").mkdir(parents=True, exist_ok=True)
        write_tsv(pd.DataFrame([{"signature": PRIMARY, "kind": "ssgsea", "size": 100, "n_random": 50,
                                 "n_valid": 49, "n_failed": 1, "observed_hr": hr_prim, "observed_z": 2.09,
                                 "percentile_abs_z": 94.0, "empirical_p": 0.065, "null_median_abs_z": 0.75,
                                 "note": ""}]),
                  base / "random_null" / "summary.tsv")
        genes = [f"GENE{i}" for i in range(50)]
        write_tsv(pd.DataFrame({"gene": genes, "baseMean": rng.uniform(10, 1000, 50),
                                "log2FoldChange": rng.normal(0, 1, 50), "lfcSE": 0.2, "stat": rng.normal(0, 3, 50),
                                "pvalue": rng.uniform(0, 1, 50) ** 3, "padj": np.r_[rng.uniform(0, 0.05, 8),
                                                                                  rng.uniform(0.2, 1, 42)],
                                "log2FoldChange_shrunk": rng.normal(0, 0.5, 50), "lfcSE_shrunk": 0.1}),
                  base / "de" / "responder_vs_refractory.tsv")
        for sub in ("survival/km_MITOSCORE.svg", "survival/km_LSC17.svg", "survival/interaction.svg",
                    "random_null/null.svg", "scores.svg", "qc/library_sizes.svg",
                    "de/responder_vs_refractory_volcano.svg"):
            (base / sub).parent.mkdir(parents=True, exist_ok=True)
            (base / sub).write_text(_svg(f"{cohort} {sub}"))
        (base / "qc" / "pca.svg").write_text(_svg(ids[5]))  # the PCA labels an outlier with its id
        for sig, h in ((PRIMARY, hr_prim), ("LSC17", 0.97)):
            hr_rows.append({"cohort": cohort, "signature": sig, "kind": "ssgsea", "model": "univariable", "hr": h,
                            "ci_lower": h / 1.2, "ci_upper": h * 1.2, "p": 0.01, "n": n, "events": 25,
                            "log_hr": np.log(h), "se": 0.09})
    summ = root / "results" / "summary"
    write_tsv(pd.DataFrame(hr_rows), summ / "hazard_ratios.tsv")
    write_tsv(pd.DataFrame([{"signature": PRIMARY, "model": "univariable", "method": "REML", "test": "z",
                             "k": len(cohorts), "cohorts": ",".join(cohorts), "hr": 1.3298765, "ci_lower": 1.1247163,
                             "ci_upper": 1.4999926, "p": 0.00037, "estimate": np.log(1.3298765), "se": 0.073,
                             "tau2": 0.0123, "I2": 12.34, "QE": 1.2, "QEp": 0.54, "pi_lower": 0.98,
                             "pi_upper": 1.81, "analysis": "primary"}]), summ / "meta_analysis.tsv")
    write_tsv(pd.DataFrame([{"signature": PRIMARY, "model": "univariable", "left_out": c, "estimate": 0.26,
                             "ci_lb": 0.1, "ci_ub": 0.4, "pval": 0.001, "tau2": 0.0, "I2": 0.0} for c in cohorts]),
              summ / "leave_one_out.tsv")
    (summ / "forest.svg").write_text(_svg("forest"))
    sheet = pd.DataFrame(list(params.values()))
    sheet.to_csv(root / "config" / "cohorts.tsv", sep="\t", index=False)
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    if reporting is None:
        full = {k: f"{k} text for A" for k, *_ in report.COHORT_ITEMS}
        full["data_origin"] = "SYNTHETIC"
        partial = {k: v.replace(" for A", " for B") for k, v in full.items() if k != "specimen"}
        reporting = {"study": {"objectives": "Test objectives.", "hypotheses": ["H1: HR per SD > 1"],
                               "limitations": ["Stated limitation one."]},
                     "cohorts": {"SYNTHETIC_cohortA": full, "SYNTHETIC_cohortB": partial}}
    (root / "config" / "reporting.yaml").write_text(yaml.safe_dump(reporting))
    return config, params, root / "config" / "reporting.yaml"


def load(root: Path, config, params, reporting_path, basedir=None):
    return report.load_context(results_dir=root / "results", config=config, cohorts=params,
                               report_dir=root / "results" / "report", reporting_path=reporting_path,
                               cohort_sheet=root / "config" / "cohorts.tsv", basedir=basedir or root, workdir=root,
                               config_files=[root / "config" / "config.yaml"])


@pytest.fixture
def tree(tmp_path):
    config, params, rep = make_results_tree(tmp_path)
    return tmp_path, config, params, rep


@pytest.fixture
def page(tree):
    root, config, params, rep = tree
    return report.render_report(load(root, config, params, rep))


def _cell(page: str, col: str, value: float) -> re.Match | None:
    return re.search(rf'data-col="{col}" data-v="{value:.10g}">([^<]*)<', page)


# --------------------------------------------------------------------------- structure
def test_all_sections_present_in_order(page):
    titles = [s.title for s in report.build_sections()] + ["REMARK reporting profile",
                                                          "Appendix: provenance, parameters and software"]
    pos = []
    for t in titles:
        m = re.search(r"<h2>" + re.escape(report.esc(t)), page)
        assert m, f"section heading missing: {t}"
        pos.append(m.start())
    assert pos == sorted(pos), "sections are not in REMARK/TRIPOD order"
    for s in report.build_sections():
        assert f'href="#{s.id}"' in page, f"table of contents lacks {s.id}"


def test_synthetic_banner(page, tree):
    assert "SYNTHETIC demo data — not real patients" in page
    root, config, params, rep = tree
    for p in params.values():
        p["description"] = "real cohort"
    ren = {c: c.replace("SYNTHETIC_", "REAL_") for c in params}
    # a non-synthetic cohort set (ids without SYNTHETIC, no data_origin) has no banner
    ctx = load(root, config, params, rep)
    ctx.cohorts = {ren[k]: v for k, v in ctx.cohorts.items()}
    ctx.reporting = {}
    assert "not real patients" not in report.render_report(ctx)


# --------------------------------------------------------------------------- numbers equal the tables
def test_primary_hr_and_ci_equal_cox_table(page, tree):
    root, config, params, rep = tree
    cox = pd.read_csv(root / "results/cohorts/SYNTHETIC_cohortB/survival/cox.tsv", sep="\t")
    r = cox[(cox.signature == PRIMARY) & (cox.model == "univariable")].iloc[0]
    for col in ("hr", "ci_lower", "ci_upper"):
        m = _cell(page, col, r[col])
        assert m, f"{col} {r[col]} not rendered with its table value"
        assert m.group(1) == f"{r[col]:.2f}"
    assert _cell(page, "p", r["p"]).group(1) == "0.012"  # p: 2 significant digits


def test_meta_analysis_numbers(page):
    assert "1.33 (1.12-1.50)" in page           # pooled HR (CI) in the key box
    assert "I<sup>2</sup> = 12.3%" in page
    assert "0.98-1.81" in page                   # prediction interval
    assert _cell(page, "tau2", 0.0123).group(1) == "0.0123"


def test_km_median_and_logrank(page):
    assert _cell(page, "median", 11.25).group(1) == "11.2" or _cell(page, "median", 11.25).group(1) == "11.3"
    assert _cell(page, "p", 0.078).group(1) == "0.078"


def test_cutpoints_table_and_de_engine_in_methods(page):
    km = page[page.index('id="km"'):]
    assert "median of SYNTHETIC_cohortA (frozen)" in km and _cell(km, "cut", 0.3141).group(1) == "0.314"
    assert "reproducing DESeq2 1.38" in page  # inference "fast" named in the methods text


def test_full_multivariable_model_every_term(page):
    for term in ("age", "sex[M]", "eln2017[adverse]", "eln2017[intermediate]"):
        assert f"<td>{report.esc(term)}</td>" in page


def test_power_and_interaction(page):
    assert _cell(page, "detectable_hr_per_sd", 1.76).group(1) == "1.76"
    assert "interaction likelihood-ratio chi-square 6.20 on 2 df, p = 0.045" in page


# --------------------------------------------------------------------------- labels and flags
def test_missing_reporting_items_are_flagged(tmp_path):
    config, params, rep = make_results_tree(tmp_path, cohorts=("SYNTHETIC_cohortA", "SYNTHETIC_cohortB",
                                                                "SYNTHETIC_cohortC"))
    page = report.render_report(load(tmp_path, config, params, rep))
    cards = page[page.index('<section id="cohorts">'):page.index('<section id="endpoints">')]
    b = cards[cards.index("SYNTHETIC_cohortB"):cards.index("SYNTHETIC_cohortC")]
    c = cards[cards.index("SYNTHETIC_cohortC"):]
    assert "MISSING (REMARK item 4)" in b          # specimen absent for B
    assert "MISSING (REMARK item 3" not in b
    for item in (2, 3, 4, 5, 6):                   # C has no entry at all
        assert f"MISSING (REMARK item {item}" in c
    assert "MISSING (TRIPOD item 12)" in c
    remark = page[page.index('<section id="remark">'):page.index('<section id="provenance">')]
    assert "partly MISSING (REMARK item 4)" in remark
    assert "Specimen (material, storage) [SYNTHETIC_cohortC]" in remark
    assert "MISSING (REMARK item 20)" in page      # implications not given


def test_reporting_file_absent_flags_everything(tree):
    root, config, params, rep = tree
    ctx = load(root, config, params, root / "nope.yaml")
    page = report.render_report(ctx)
    assert "MISSING (REMARK item 1" in page and "MISSING (REMARK item 19" in page
    assert any("reporting items file not found" in w for w in ctx.warnings)


def test_maxstat_labelled_exploratory(page):
    sec = page[page.index('<section id="sensitivity">'):page.index('<section id="de">')]
    ms = sec[sec.index("Data-driven cutpoint"):]
    assert "EXPLORATORY" in ms[:200]
    table = ms[ms.index("<table"):ms.index("</table>")]
    assert table.count("b-exploratory") == 1 and "VALIDATION" not in table
    # VALIDATION only for the pre-declared primary analysis of the validation cohort
    cox = page[page.index('<section id="cox">'):page.index('<section id="ph">')]
    a = cox[cox.index("SYNTHETIC_cohortA"):cox.index("SYNTHETIC_cohortB")]
    assert "VALIDATION" not in a                    # discovery cohort
    prim_row = re.search(r'<tr class="primary">.*?</tr>', cox[cox.index("SYNTHETIC_cohortB"):]).group(0)
    assert "VALIDATION" in prim_row


def test_ph_violation_gets_remedy(page):
    ph = page[page.index('<section id="ph">'):page.index('<section id="discrimination">')]
    assert "Proportional hazards violated" in ph and "stratify" in ph and "time-varying coefficient" in ph


def test_section_can_be_switched_off(tree):
    root, config, params, rep = tree
    ctx = load(root, config, params, rep)
    ctx.reporting["sections"] = {"exclude": ["de", "table1"]}
    page = report.render_report(ctx)
    assert '<section id="de">' not in page and '<section id="table1">' not in page
    assert "Sections switched off" in page
    remark = page[page.index('<section id="remark">'):]
    row13 = re.search(r"<tr><td[^>]*>13</td>.*?</tr>", remark).group(0)
    assert "MISSING (REMARK item 13)" in row13 and "section switched off: table1" in row13


# --------------------------------------------------------------------------- privacy, self-containment, size
def test_pseudonymisation_removes_real_ids(tmp_path):
    config, params, rep = make_results_tree(tmp_path, pseudonymise=True)
    page = report.render_report(load(tmp_path, config, params, rep))
    assert not re.search(r"SYN-[AB]-\d{4}", page), "a real sample id is still in the report"
    assert "P0006" in page                          # the QC outlier, pseudonymised
    flow = page[page.index('<section id="flow">'):page.index('<section id="table1">')]
    assert re.search(r"missing os_months or os_event: P\d{4}, P\d{4}", flow)
    assert "PCA figure left out" in flow
    # without the option ids are shown
    config, params, rep = make_results_tree(tmp_path / "b", pseudonymise=False)
    assert "SYN-A-0006" in report.render_report(load(tmp_path / "b", config, params, rep))


def test_pseudonyms_are_stable_when_a_cohort_is_added(tmp_path):
    ps1, ps2 = report.Pseudonymiser(True), report.Pseudonymiser(True)
    ps1.register(["a1", "a2"])
    ps2.register(["a1", "a2"])
    ps2.register(["c1"])
    assert ps1.id("a2") == ps2.id("a2") == "P0002"
    assert ps2.text("ids: a1, c1 and xa1") == "ids: P0001, P0003 and xa1"


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


def test_tables_truncated_with_link(page):
    assert "Showing 20 of 50 rows" in page
    assert 'href="../cohorts/SYNTHETIC_cohortA/de/responder_vs_refractory.tsv"' in page


def test_missing_result_file_does_not_break(tree):
    root, config, params, rep = tree
    (root / "results/cohorts/SYNTHETIC_cohortA/survival/interaction.tsv").unlink()
    (root / "results/cohorts/SYNTHETIC_cohortA/survival/km_MITOSCORE.svg").unlink()
    ctx = load(root, config, params, rep)
    page = report.render_report(ctx)
    assert "Figure not available" in page and "No interaction analysis" in page
    assert not ctx.warnings


def test_provenance_appendix(page, tree):
    root, *_ = tree
    prov = page[page.index('<section id="provenance">'):]
    from mitoscore.io import sha256sum
    for f in ("resources/SYNTHETIC_cohortA_counts.tsv", "config/cohorts.tsv", "config/reporting.yaml",
              "config/signatures/proxy.gmt", "config/config.yaml"):
        assert f in prov and sha256sum(root / f) in prov, f
    for pkg in ("python", "snakemake", "pandas", "numpy", "scipy", "pydeseq2", "gseapy", "lifelines",
                "matplotlib", "mitoscore"):
        assert f"<td>{pkg}</td>" in prov
    assert "primary_signature: MITOSCORE" in prov   # resolved config
    assert "not a git checkout" in prov
    assert "MITOSCORE_CMDLINE" in prov
    assert "seed.survival" in prov and "seed.random sets" in prov


def test_changed_input_is_flagged(tree):
    root, config, params, rep = tree
    (root / "resources/SYNTHETIC_cohortA_clinical.tsv").write_text("changed\n")
    page = report.render_report(load(root, config, params, rep))
    assert "Input changed since validation" in page


# --------------------------------------------------------------------------- pure table builders
def test_km_median_simple_matches_r_rule():
    assert report.km_median_simple([1, 2, 3, 4, 5], [1, 1, 1, 1, 1]) == 3.0
    assert report.km_median_simple([1, 2, 3, 4], [1, 1, 1, 1]) == 2.5    # S = 0.5 exactly -> midpoint
    assert np.isnan(report.km_median_simple([1, 2, 3], [1, 0, 0]))


def test_table_one():
    clin = pd.DataFrame({"sample": ["a", "b", "c", "d"], "os_months": [1.0, 2, 3, 4], "os_event": [1, 0, 1, 0],
                         "age": [50.0, 60, np.nan, 70], "sex": ["F", "M", "M", None],
                         "response": [1.0, 0.0, np.nan, 1.0]})
    t = report.table_one({"X": clin})
    get = lambda c, l: t[(t.characteristic == c) & (t.level == l)]["X"].iloc[0]  # noqa: E731
    assert get("Patients", "N") == "4"
    assert get("Deaths", "n (%)") == "2 (50.0%)"
    assert get("sex", "M") == "2 (66.7%)" and get("sex", "missing") == "1"
    assert get("Best response", "CR/CRi (responder)") == "2 (66.7%)"
    assert get("Best response", "missing") == "1"


def test_table_one_numeric_age():
    clin = pd.DataFrame({"os_months": np.arange(1.0, 11), "os_event": [1] * 10, "age": np.arange(40.0, 50)})
    t = report.table_one({"X": clin})
    assert t[(t.characteristic == "age")]["X"].iloc[0] == "44.5 [42.2-46.8]"


def test_sensitivity_correlations_and_marker_table():
    sc = pd.DataFrame({"sample": list("abcde"), "signature": "S", "score": [1.0, 2, 3, 4, 5],
                       "z": [-1.2, -0.6, 0, 0.6, 1.2]})
    se = pd.DataFrame({"sample": list("abcde"), "signature": "S", "method": "mean_z", "score": [2.0, 4, 6, 8, 10]})
    c = report.sensitivity_correlations(sc, se)
    assert c["pearson"].iloc[0] == pytest.approx(1.0) and c["n"].iloc[0] == 5
    clin = pd.DataFrame({"sex": ["F", "F", "M", "M", "M"]}, index=list("abcde"))
    m = report.marker_by_variable(clin, sc, "S")
    assert m.set_index("level").loc["F", "mean_z"] == pytest.approx(-0.9)
    assert m.set_index("level").loc["M", "n"] == 3


def test_formatting():
    assert report.fmt_p(0.003979) == "0.0040"
    assert report.fmt_p(0.1) == "0.10"
    assert report.fmt_p(0.00099) == "< 0.001"
    assert report.fmt_p(float("nan")) == "NA"
    assert report.fmt_ci(1.3046, 1.0886, 1.5635) == "1.30 (1.09-1.56)"
    assert report.p_text(0.0001) == "p < 0.001"


def test_embed_svg_strips_and_prefixes():
    out = report.embed_svg(_svg("SECRET-ID"), "x1", label="lab")
    assert "SECRET-ID" not in out and "<?xml" not in out and "http://purl.org" not in out
    assert 'id="x1-p0clip"' in out and "url(#x1-p0clip)" in out and 'xlink:href="#x1-DejaVuSans-31"' in out
    assert 'width="100%"' in out and "max-width:614px" in out and 'height="345.6pt"' not in out


def test_reporting_yaml_shipped_is_valid_and_schema_errors_name_the_key():
    from mitoscore.errors import InputError
    repo = Path(__file__).resolve().parents[2]
    schema = yaml.safe_load((repo / "workflow/schemas/reporting.schema.yaml").read_text())
    data = yaml.safe_load((repo / "config/reporting.yaml").read_text())
    assert report.validate_reporting(data, schema, file="config/reporting.yaml",
                                     cohorts=["SYNTHETIC_cohortA", "SYNTHETIC_cohortB"]) == []
    for cohort in ("SYNTHETIC_cohortA", "SYNTHETIC_cohortB"):
        assert data["cohorts"][cohort]["data_origin"] == "SYNTHETIC"
    warn = report.validate_reporting(data, schema, file="r.yaml", cohorts=["SYNTHETIC_cohortA", "SYNTHETIC_cohortX"])
    assert any("SYNTHETIC_cohortB" in w and "not in the cohort sheet" in w for w in warn)
    bad = {"cohorts": {"SYNTHETIC_cohortA": {"specimen_type": "bone marrow"}}}
    with pytest.raises(InputError) as e:
        report.validate_reporting(bad, schema, file="r.yaml")
    assert "r.yaml" in str(e.value) and "cohorts.SYNTHETIC_cohortA" in str(e.value) and "specimen_type" in str(e.value)
