"""issue 11: a cohort in which no patient has an event. Every per-cohort rule after
validation (score, survival, random_null) and the cross-cohort summary run as their
Snakemake scripts (``scripts/*.py`` with a stand-in ``snakemake`` object) on the oracle
fixture with all events set to 0: each finishes, writes its outputs, and records the
models it could not fit (``skipped_models.tsv``, the null's ``note``), with warnings
turned into errors (the nullsets "invalid value encountered in sqrt")."""
from __future__ import annotations

import logging
import runpy
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from mitoscore.io import read_tsv, write_tsv
from mitoscore.scores import log2_normalised, median_of_ratios

from tests.conftest import FIXTURE, REPO

SURVIVAL = {"min_events": 10, "min_epv": 5, "horizons_months": [12, 24], "n_bootstrap": 5, "seed": 1,
            "tau_months": None, "min_cases_td_auc": 10}


def run_script(name: str, tmp: Path, *, input: dict, output: dict, params: dict, rule: str, threads: int = 1,
               wildcards: dict | None = None):
    sm = SimpleNamespace(input=SimpleNamespace(**input, get=input.get), output=SimpleNamespace(**output),
                         params=SimpleNamespace(**params),
                         wildcards=SimpleNamespace(**{"cohort": "nodeaths", **(wildcards or {})}),
                         log=[str(tmp / "logs" / f"{rule}.log")], threads=threads, rule=rule)
    scripts = str(REPO / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)  # _common.setup reconfigures logging for the job
    try:
        runpy.run_path(str(REPO / "scripts" / f"{name}.py"), init_globals={"snakemake": sm}, run_name="__main__")
    finally:
        for h in root.handlers:
            if h not in saved[0]:
                h.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.captureWarnings(False)


@pytest.fixture(scope="module")
def run(tmp_path_factory, fixture_counts, fixture_clinical):
    tmp = tmp_path_factory.mktemp("nodeaths")
    d = tmp / "results" / "cohorts" / "nodeaths"
    for sub in ("expr", "validated", "survival", "random_null"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    expr = log2_normalised(fixture_counts, median_of_ratios(fixture_counts))
    expr.to_parquet(d / "expr" / "log2norm.parquet")
    clin = fixture_clinical.rename_axis("sample").reset_index()[["sample", "os_months", "os_event", "age"]]
    write_tsv(clin.assign(os_event=0), d / "validated" / "clinical.tsv")
    sigs = [{"name": "MITO_SIGNATURE", "gmt": str(FIXTURE / "genesets.gmt")}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=DeprecationWarning)  # third-party imports
        run_script("score", tmp, rule="score", input={"log2norm": str(d / "expr" / "log2norm.parquet"),
                                                      "frozen_cutpoints": []},
                   output={k: str(d / f) for k, f in (("scores", "scores.tsv"), ("sensitivity", "sens.tsv"),
                                                      ("coverage", "cov.tsv"), ("cutpoints", "cut.tsv"),
                                                      ("plot", "scores.svg"))},
                   params={"signatures": sigs, "scoring": {"alpha": 0.25, "sensitivity": [], "single_genes":
                                                           ["GENE00019"], "gene_ratios": []},
                           "cutpoint": {"rule": "median"}, "min_coverage": 0.8, "gene_ids": "as_is"})
        names = ("cox", "logrank", "km", "km_median", "cox_zph", "interaction", "discrimination", "response",
                 "maxstat", "power", "skipped", "predictive", "treatment_effect", "km_by_arm", "response_by_arm",
                 "predictive_contrasts")
        out = {k: str(d / "survival" / f"{k}.tsv") for k in names}
        out.update(treatment_effect_plots=[], km_by_arm_plots=[])
        run_script("survival", tmp, rule="survival",
                   input={"scores": str(d / "scores.tsv"), "clinical": str(d / "validated" / "clinical.tsv")},
                   output=out, params={"cohort": {"covariates": "age"}, "survival": SURVIVAL,
                                       "cutpoint": {"rule": "median"}, "primary": "MITO_SIGNATURE",
                                       "signatures": ["MITO_SIGNATURE", "GENE00019"],
                                       "estimation": "per-cohort (no discovery cohort in the run)",
                                       "predictive": {}})
        run_script("km_plot", tmp, rule="km_plot", wildcards={"signature": "MITO_SIGNATURE"},
                   input={"km": out["km"], "logrank": out["logrank"], "cox": out["cox"]},
                   output={"svg": str(d / "survival" / "km_MITO_SIGNATURE.svg")}, params={"cut_rule": "median"})
        run_script("random_null", tmp, rule="random_null", threads=1,
                   input={"log2norm": str(d / "expr" / "log2norm.parquet"),
                          "clinical": str(d / "validated" / "clinical.tsv"), "cox": out["cox"]},
                   output={"null": str(d / "random_null" / "null.tsv"),
                           "summary": str(d / "random_null" / "summary.tsv"),
                           "plot": str(d / "random_null" / "null.svg")},
                   params={"signatures": sigs, "random_sets": {"n_random_sets": 20, "seed": 1,
                                                                "match_expression": True},
                           "scoring": {"alpha": 0.25, "single_genes": ["GENE00019"]}, "min_events": 10,
                           "gene_ids": "as_is"})
        s = tmp / "results" / "summary"
        s.mkdir(parents=True, exist_ok=True)
        tables = {"cox": out["cox"], "logrank": out["logrank"], "interaction": out["interaction"],
                  "predictive": out["predictive"], "response": out["response"],
                  "response_by_arm": out["response_by_arm"], "maxstat": out["maxstat"],
                  "random_null": str(d / "random_null" / "summary.tsv"),
                  "predictive_contrasts": out["predictive_contrasts"]}
        run_script("summary", tmp, rule="summary",
                   input={**{k: [v] for k, v in tables.items()}, "frozen_cox": []},
                   output={"hazard_ratios": str(s / "hr.tsv"), "meta": str(s / "meta.tsv"),
                           "loo": str(s / "loo.tsv"), "forest": str(s / "forest.svg"),
                           "multiplicity": str(s / "multiplicity.tsv"), "forest_table": str(s / "forest.tsv")},
                   params={"cohorts": ["nodeaths"], "meta": {"method": "REML", "test": "knha"},
                           "primary": "MITO_SIGNATURE", "roles": {"nodeaths": "validation"},
                           "predictive_contrasts": [], "validated": [], "derived": [],
                           "multiplicity": {"method": "BH"}})
    return tmp, d


def test_survival_rule_records_every_skip(run):
    _, d = run
    skipped = read_tsv(d / "survival" / "skipped.tsv")
    for sig in ("MITO_SIGNATURE", "GENE00019"):
        models = set(skipped.loc[skipped.signature == sig, "model"])
        assert {"univariable", "group", "multivariable", "logrank", "maxstat"} <= models, models
    assert skipped["reason"].str.contains("only 0 events").all()
    assert read_tsv(d / "survival" / "cox.tsv").empty
    assert not read_tsv(d / "survival" / "km.tsv").empty  # the KM curve table is still written
    assert (d / "survival" / "km_MITO_SIGNATURE.svg").stat().st_size > 0


def test_random_null_finishes_with_a_note(run):
    _, d = run
    summary = read_tsv(d / "random_null" / "summary.tsv")
    assert summary["signature"].tolist() == ["MITO_SIGNATURE", "GENE00019"]
    assert summary["note"].str.contains("only 0 events").all()
    assert read_tsv(d / "random_null" / "null.tsv").empty
    assert (d / "random_null" / "null.svg").stat().st_size > 0


def test_summary_finishes_without_any_model(run):
    tmp, _ = run
    assert read_tsv(tmp / "results" / "summary" / "hr.tsv").empty
    assert (tmp / "results" / "summary" / "forest.svg").exists()
    assert pd.read_csv(tmp / "results" / "summary" / "meta.tsv", sep="\t").empty
