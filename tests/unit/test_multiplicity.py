"""Declared families and their adjustment (mitoscore.multiplicity), and the frozen-model
estimates entering the primary pool (analysis.pooling_rows)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mitoscore import analysis, multiple
from mitoscore import multiplicity as M

PRIMARY = "MITOSCORE"


def test_family_rules():
    assert M.family_of("primary") == "primary"
    assert M.family_of("primary", role="discovery") == "secondary"  # the discovery cohort fits the model
    assert M.family_of("secondary") == "secondary"
    assert M.family_of("sensitivity (re-estimated in this cohort)") == "exploratory"
    assert M.family_of("EXPLORATORY (data-driven cutpoint)") == "exploratory"
    assert M.family_of("primary", derived=True) == "exploratory"  # derived signatures are exploratory
    with pytest.raises(ValueError, match="unknown analysis label"):
        M.family_of("confirmatory")


def _cox(sig_rows, estimation="discovery"):
    rows = []
    for sig, model, term, p, analysis_ in sig_rows:
        rows.append({"signature": sig, "kind": "ssgsea", "model": model, "term": term, "hr": 1.3, "ci_lower": 1.1,
                     "ci_upper": 1.6, "p": p, "n": 100, "events": 60, "se": 0.1, "analysis": analysis_,
                     "estimation": estimation})
    return pd.DataFrame(rows)


@pytest.fixture
def tables():
    """A discovery cohort A and a frozen-validated cohort B with a few tests each."""
    a = {"cox": _cox([(PRIMARY, "univariable", "score_per_sd", 0.001, "secondary"),
                      (PRIMARY, "multivariable", "score_per_sd", 0.01, "secondary"),
                      (PRIMARY, "multivariable", "age", 0.0001, "secondary"),  # a covariate: not a test of the plan
                      ("LSC17", "univariable", "score_per_sd", 0.2, "secondary"),
                      (PRIMARY, "group", "group[high]", 0.03, "secondary")]),
         "logrank": pd.DataFrame({"signature": [PRIMARY], "p": [0.02], "n": [100], "events": [60]}),
         "maxstat": pd.DataFrame({"signature": [PRIMARY], "analysis": ["EXPLORATORY (data-driven cutpoint)"],
                                  "p_lau94": [0.04]}),
         "interaction": pd.DataFrame({"signature": [PRIMARY, PRIMARY], "arm": ["chemo", "VEN"], "p": [0.1, 0.2],
                                      "lr_p": [0.05, 0.05], "analysis": ["secondary", "secondary"]})}
    b = {"cox": _cox([(PRIMARY, "univariable", "score_per_sd", 0.04, "sensitivity (re-estimated in this cohort)"),
                      ("MITOSCORE_DERIVED", "univariable", "score_per_sd", 0.5,
                       "sensitivity (re-estimated in this cohort)")],
                     estimation="sensitivity (re-estimated in this cohort)"),
         "frozen_cox": pd.DataFrame({"signature": [PRIMARY, "MITOSCORE_DERIVED", PRIMARY],
                                     "kind": "ssgsea", "model": ["frozen_score", "frozen_score", "frozen_group"],
                                     "term": ["score_per_sd", "score_per_sd", "group[high]"], "hr": [1.4, 1.1, 1.5],
                                     "ci_lower": [1.1, 0.8, 1.0], "ci_upper": [1.8, 1.5, 2.2], "p": [0.006, 0.6, 0.05],
                                     "n": 80, "events": 50, "se": [0.12, 0.15, 0.2],
                                     "analysis": ["primary", "secondary", "secondary"]}),
         "logrank": pd.DataFrame({"signature": [PRIMARY], "p": [0.3], "n": [80], "events": [50]}),
         "random_null": pd.DataFrame({"signature": [PRIMARY], "observed_hr": [1.4], "empirical_p": [0.01]})}
    return {"A": a, "B": b}


def test_collect_assigns_families_and_sources(tables):
    roles = {"A": "discovery", "B": "validation"}
    t = M.collect_tests(tables, roles=roles, derived={"MITOSCORE_DERIVED"})
    key = t.set_index(["cohort", "source", "signature", "model"])
    # the one primary test per validation cohort: the frozen score of the primary signature
    prim = t[t["family"] == "primary"]
    assert list(zip(prim["cohort"], prim["model"], prim["signature"])) == [("B", "frozen_score", PRIMARY)]
    assert key.loc[("B", "survival/cox.tsv", PRIMARY, "univariable"), "family"] == "exploratory"  # re-estimated
    assert key.loc[("B", "validation/frozen_cox.tsv", "MITOSCORE_DERIVED", "frozen_score"), "family"] == "exploratory"
    assert key.loc[("A", "survival/cox.tsv", PRIMARY, "univariable"), "family"] == "secondary"  # discovery
    assert key.loc[("A", "survival/maxstat_exploratory.tsv", PRIMARY, "maxstat"), "family"] == "exploratory"
    # B's log-rank uses its own median split (a frozen model exists): sensitivity
    assert key.loc[("B", "survival/logrank.tsv", PRIMARY, "logrank"), "family"] == "exploratory"
    assert key.loc[("A", "survival/logrank.tsv", PRIMARY, "logrank"), "family"] == "secondary"
    # covariate terms are not tests of the plan; the global interaction is one test per signature
    assert not ((t["source"] == "survival/cox.tsv") & (t["p"] == 0.0001)).any()
    assert ((t["source"] == "survival/interaction.tsv") & (t["p"] == 0.05)).sum() == 1
    # row locates the test in its table
    r = key.loc[("A", "survival/cox.tsv", PRIMARY, "group")]
    assert int(r["row"]) == 4 and r["p"] == 0.03


def test_adjustment_within_family_equals_p_adjust(tables):
    roles = {"A": "discovery", "B": "validation"}
    t = M.collect_tests(tables, roles=roles, derived={"MITOSCORE_DERIVED"})
    for method in ("BH", "holm"):
        adj = M.adjust_families(t, method)
        assert list(adj.columns) == M.TEST_COLUMNS
        assert list(dict.fromkeys(adj["family"])) == [f for f in M.FAMILIES if f in set(adj["family"])]
        for fam, sub in adj.groupby("family"):
            np.testing.assert_allclose(sub["p_adj"], multiple.adjust(sub["p"].to_numpy(), method), atol=0)
            assert (sub["family_size"] == len(sub)).all() and (sub["method"] == method).all()
        # adjusting across families instead would differ: the family boundaries matter
        sec = adj[adj["family"] == "secondary"]
        assert not np.allclose(sec["p_adj"], multiple.adjust(adj["p"].to_numpy(), method)[adj["family"] == "secondary"])


def test_pooling_uses_the_frozen_score_in_validation_cohorts(tables):
    roles = {"A": "discovery", "B": "validation"}
    hr = analysis.pooling_rows({c: t["cox"] for c, t in tables.items()}, roles,
                               {"B": tables["B"]["frozen_cox"]})
    uni = hr[(hr["signature"] == PRIMARY) & (hr["model"] == analysis.PRIMARY_POOLED_MODEL)].set_index("cohort")
    assert uni.loc["B", "estimate_from"] == "frozen model" and uni.loc["B", "hr"] == 1.4
    assert uni.loc["A", "estimate_from"] == "own model"
    re_ = hr[(hr["model"] == analysis.REESTIMATED_MODEL)]
    assert list(re_["cohort"]) == ["B", "B"]
    hr2, meta, loo = analysis.summarise_cohorts({c: t["cox"] for c, t in tables.items()}, roles=roles,
                                                frozen_tables={"B": tables["B"]["frozen_cox"]}, primary=PRIMARY)
    prim = meta[meta["analysis"] == "primary"]
    assert len(prim) == 1 and prim["hr"].iloc[0] == 1.4 and prim["k"].iloc[0] == 1
    assert (meta.loc[meta["model"] == analysis.REESTIMATED_MODEL, "analysis"] == "sensitivity").all()


def test_pooled_rows_enter_their_family_once(tables):
    roles = {"A": "discovery", "B": "validation"}
    cox = {c: t["cox"] for c, t in tables.items()}
    # a second validation cohort so that the validation pool has k = 2 (a real pooled test)
    tables["C"] = {k: v.copy() for k, v in tables["B"].items()}
    cox["C"] = tables["C"]["cox"]
    roles["C"] = "validation"
    frozen = {"B": tables["B"]["frozen_cox"], "C": tables["C"]["frozen_cox"]}
    _, meta, loo = analysis.summarise_cohorts(cox, roles=roles, frozen_tables=frozen, primary=PRIMARY)
    t = M.adjust_families(M.collect_tests(tables, roles=roles, derived={"MITOSCORE_DERIVED"}, meta=meta, loo=loo))
    pooled = t[t["source"] == "summary/meta_analysis.tsv"]
    assert (pooled["row"].isin(meta.index[meta["method"] != "none"])).all()  # k = 1 rows are not tests
    prim = t[t["family"] == "primary"]
    assert sorted(prim["cohort"]) == ["B", "C", "pooled (validation)"]
    ann = M.annotate(meta, t, source="summary/meta_analysis.tsv")
    row = ann[(ann["analysis"] == "primary")].iloc[0]
    assert row["family"] == "primary" and row["p_adj"] == pytest.approx(
        prim.loc[prim["cohort"] == "pooled (validation)", "p_adj"].iloc[0])
    assert ann.loc[ann["method"] == "none", "family"].isna().all()
