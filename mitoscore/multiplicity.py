"""Multiplicity by declared families (the analysis plan's error control).

Every hypothesis test the workflow reports is collected into one long table, assigned to
one of three declared families and adjusted within its family across cohorts, signatures
and models (Benjamini-Hochberg by default, Holm optional: config ``multiplicity.method``):

* **primary**: the one pre-specified test per validation cohort (the univariable Cox HR per
  SD of the primary signature: the frozen model's score in a cohort with a frozen model,
  the cohort's own model otherwise) and the primary pooled estimate (validation cohorts,
  configured test), plus any predictive contrast the configuration declares ``primary``;
* **secondary**: comparators (the other signatures), multivariable models, high vs low
  groups (Cox and log-rank), the score x arm interactions, per-arm effects, response, the
  random-signature null, the discovery cohort's own tests, secondary pooled estimates;
* **exploratory**: maxstat (data-driven cutpoints), derived signatures, sensitivity
  analyses (the per-cohort re-estimated models of validation cohorts, the all-cohort pool,
  the other meta-analysis test, leave-one-out), spline interaction tests.

The family follows from each row's ``analysis`` label (set where the row is computed), the
cohort's role and whether the signature is derived, by :func:`family_of`; the rules are
stated here once and printed in the report's analysis plan (:data:`FAMILY_RULES`).
Diagnostics (cox.zph, calibration slope = 1 and O/E = 1 tests) are model checks, not
hypotheses of the plan, and are not adjusted. GSEA (exploratory) carries its own
permutation FDR q and FWER p per collection, as GSEA defines them, and is not pooled into
these families.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from . import multiple

__all__ = ["FAMILIES", "FAMILY_RULES", "SOURCES", "TEST_COLUMNS", "family_of", "collect_tests", "adjust_families",
           "annotate"]

FAMILIES = ("primary", "secondary", "exploratory")

#: The family rules in words (shown in the report's analysis plan).
FAMILY_RULES = {
    "primary": "one pre-specified test per validation cohort (univariable Cox HR per SD of the primary signature; "
               "the frozen model's score where a discovery cohort froze it) and the primary pooled estimate over the "
               "validation cohorts; a predictive contrast declared primary in the configuration",
    "secondary": "comparator signatures, multivariable models, high vs low groups (Cox, log-rank), score x arm "
                 "interactions, per-arm effects, response, the random-signature null, the discovery cohort's own "
                 "tests, secondary pooled estimates",
    "exploratory": "maxstat cutpoints, derived signatures, sensitivity analyses (per-cohort re-estimated models of "
                   "validation cohorts, all-cohort pooling, the other meta-analysis test, leave-one-out), spline "
                   "interaction tests",
}

#: Columns of ``results/summary/multiplicity.tsv``.
TEST_COLUMNS = ["family", "p_adj", "method", "family_size", "analysis", "cohort", "role", "source", "row", "signature",
                "model", "term", "contrast", "arm", "test", "estimate_type", "estimate", "ci_lower", "ci_upper",
                "p", "n", "events"]


def family_of(analysis: str, *, role: str = "validation", derived: bool = False) -> str:
    """The family of one test from its ``analysis`` label, its cohort's role and whether its
    signature is derived (see the module docstring). A ``primary`` label in a discovery-role
    cohort is its own discovery analysis: secondary."""
    a = str(analysis).strip().lower()
    if derived or a.startswith(("exploratory", "sensitivity")):
        return "exploratory"
    if a.startswith("primary"):
        return "secondary" if role == "discovery" else "primary"
    if a.startswith("secondary"):
        return "secondary"
    raise ValueError(f"unknown analysis label '{analysis}' (expected primary, secondary, exploratory or sensitivity)")


@dataclass(frozen=True)
class Source:
    """How the tests of one result table are read: which rows are tests, which column holds
    the p-value, the estimate and its CI, and how the rows are labelled."""
    key: str                                   # input name of the table
    path: str                                  # path under results/ (for the reader)
    test: str                                  # what the p-value is
    p: str | Callable[[pd.DataFrame], pd.Series]
    keep: Callable[[pd.DataFrame], pd.Series] | None = None
    estimate_type: str = ""
    estimate: str | None = None
    ci: tuple[str, str] | None = None
    model: str | None = None                   # fixed model name when the table has no ``model`` column
    default_analysis: str | None = None        # label when the table has no ``analysis`` column


def _col(df: pd.DataFrame, name: str, default=np.nan) -> pd.Series:
    return df[name] if name in df.columns else pd.Series(default, index=df.index, dtype=object)


#: The per-cohort result tables that hold tests of the plan (paths under results/cohorts/{cohort}/).
SOURCES: tuple[Source, ...] = (
    Source("cox", "survival/cox.tsv", "Wald", "p",
           keep=lambda d: (d["term"] == "score_per_sd") | ((d["model"] == "group") & (d["term"] == "group[high]")),
           estimate_type="HR", estimate="hr", ci=("ci_lower", "ci_upper")),
    Source("frozen_cox", "validation/frozen_cox.tsv", "Wald", "p", estimate_type="HR", estimate="hr",
           ci=("ci_lower", "ci_upper")),
    Source("logrank", "survival/logrank.tsv", "log-rank", "p", model="logrank", default_analysis="secondary"),
    Source("interaction", "survival/interaction.tsv", "LR (global, all arms)", "lr_p",
           keep=lambda d: ~d.duplicated(["signature"]), model="interaction (global)"),
    Source("predictive", "survival/predictive.tsv", "LR (1 df) / Wald per arm",
           p=lambda d: np.where(d["term"].isin(["interaction", "spline_interaction"]), d["lr_p"], d["p"]),
           estimate_type="HR", estimate="hr", ci=("ci_lower", "ci_upper")),
    Source("response", "survival/response.tsv", "Wald (logistic)", "or_p", estimate_type="OR",
           estimate="odds_ratio", ci=("or_ci_lower", "or_ci_upper"), model="response (logistic)",
           default_analysis="secondary"),
    Source("response_by_arm", "survival/response_by_arm.tsv", "LR (1 df) / Wald per arm",
           p=lambda d: np.where(d["term"] == "interaction", d["lr_p"], d["p"]), estimate_type="OR",
           estimate="odds_ratio", ci=("or_ci_lower", "or_ci_upper")),
    Source("maxstat", "survival/maxstat_exploratory.tsv", "maxstat (Lau94)", "p_lau94", model="maxstat",
           default_analysis="exploratory"),
    Source("random_null", "random_null/summary.tsv", "empirical (random gene sets)", "empirical_p",
           estimate_type="HR", estimate="observed_hr", model="random-signature null", default_analysis="secondary"),
)


def _rows(src: Source, table: pd.DataFrame, *, cohort: str, role: str, derived: set[str],
          sensitivity_cohort: bool) -> pd.DataFrame:
    d = table.reset_index(drop=True)
    if src.keep is not None and len(d):
        d = d[np.asarray(src.keep(d), dtype=bool)]
    if d.empty:
        return pd.DataFrame(columns=TEST_COLUMNS)
    p = pd.Series(src.p(d) if callable(src.p) else d[src.p], index=d.index).astype(float)
    if "analysis" in d.columns:
        analysis = d["analysis"].astype(str)
    else:
        label = src.default_analysis or "secondary"
        # a validation cohort with a frozen model: its own per-cohort group split is a sensitivity analysis
        if sensitivity_cohort and src.key == "logrank":
            label = "sensitivity (re-estimated in this cohort)"
        analysis = pd.Series(label, index=d.index)
    sig = d["signature"].astype(str)
    out = pd.DataFrame({
        "analysis": analysis, "cohort": cohort, "role": role, "source": src.path, "row": d.index, "signature": sig,
        "model": d["model"].astype(str) if "model" in d.columns else src.model,
        "term": _col(d, "term"), "contrast": _col(d, "contrast"), "arm": _col(d, "arm"), "test": src.test,
        "estimate_type": src.estimate_type,
        "estimate": d[src.estimate] if src.estimate else np.nan,
        "ci_lower": d[src.ci[0]] if src.ci else np.nan, "ci_upper": d[src.ci[1]] if src.ci else np.nan,
        "p": p, "n": _col(d, "n"), "events": _col(d, "events")})
    out["family"] = [family_of(a, role=role, derived=s in derived) for a, s in zip(out["analysis"], out["signature"])]
    return out[out["p"].notna()]


def collect_tests(cohort_tables: Mapping[str, Mapping[str, pd.DataFrame]], *, roles: Mapping[str, str],
                  derived: set[str] | frozenset[str] = frozenset(), meta: pd.DataFrame | None = None,
                  loo: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every test of the plan as one table (TEST_COLUMNS without the adjustment columns).

    ``cohort_tables`` maps cohort -> {source key (:data:`SOURCES`) -> table}; a missing key is
    a table the cohort does not have. ``meta``/``loo`` are the summary's meta-analysis and
    leave-one-out tables. Pooled rows without their own test (k = 1: the single cohort's
    estimate repeated, method ``none``) are left out so no test is counted twice.
    """
    parts = []
    for cohort, tables in cohort_tables.items():
        role = roles.get(cohort, "validation")
        cox = tables.get("cox")
        sens = bool(cox is not None and "estimation" in cox.columns
                    and cox["estimation"].astype(str).str.startswith("sensitivity").any())
        for src in SOURCES:
            t = tables.get(src.key)
            if t is not None and len(t):
                parts.append(_rows(src, t, cohort=cohort, role=role, derived=set(derived), sensitivity_cohort=sens))
    if meta is not None and len(meta):
        m = meta[meta["method"].astype(str) != "none"]
        m = m[m["p"].notna()]
        if len(m):
            parts.append(pd.DataFrame({
                "analysis": m["analysis"].astype(str), "cohort": "pooled (" + m["pool"].astype(str) + ")",
                "role": "pooled", "source": "summary/meta_analysis.tsv", "row": m.index,
                "signature": m["signature"].astype(str),
                "model": m["model"].astype(str), "term": "score_per_sd", "contrast": np.nan, "arm": np.nan,
                "test": m["method"].astype(str) + " / " + m["test"].astype(str), "estimate_type": "HR",
                "estimate": m["hr"], "ci_lower": m["ci_lower"], "ci_upper": m["ci_upper"], "p": m["p"].astype(float),
                "n": np.nan, "events": np.nan,
                "family": [family_of(a, derived=s in derived) for a, s in zip(m["analysis"], m["signature"])]}))
    if loo is not None and len(loo):
        lo = loo[loo["pval"].notna()]
        if len(lo):
            parts.append(pd.DataFrame({
                "analysis": lo["analysis"].astype(str), "cohort": "pooled (" + lo["pool"].astype(str) + ") without "
                + lo["left_out"].astype(str), "role": "pooled", "source": "summary/leave_one_out.tsv", "row": lo.index,
                "signature": lo["signature"].astype(str), "model": lo["model"].astype(str), "term": "score_per_sd",
                "contrast": np.nan, "arm": np.nan, "test": lo["test"].astype(str), "estimate_type": "HR",
                "estimate": np.exp(lo["estimate"].astype(float)), "ci_lower": np.exp(lo["ci_lb"].astype(float)),
                "ci_upper": np.exp(lo["ci_ub"].astype(float)), "p": lo["pval"].astype(float), "n": np.nan,
                "events": np.nan, "family": "exploratory"}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=[c for c in TEST_COLUMNS if c not in ("p_adj", "method", "family_size")])
    return pd.concat(parts, ignore_index=True)


def adjust_families(tests: pd.DataFrame, method: str = "BH") -> pd.DataFrame:
    """Adjusted p-values within each family (``multiple.adjust``: R ``p.adjust``), with the
    method and the number of tests in the family; rows ordered by family then as collected."""
    out = tests.copy()
    out["p_adj"] = np.nan
    out["method"] = method
    out["family_size"] = 0
    for fam in FAMILIES:
        m = (out["family"] == fam).to_numpy()
        if m.any():
            out.loc[m, "p_adj"] = multiple.adjust(out.loc[m, "p"].to_numpy(float), method)
            out.loc[m, "family_size"] = int(m.sum())
    order = {f: i for i, f in enumerate(FAMILIES)}
    out = out.iloc[np.argsort(out["family"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    return out.reindex(columns=TEST_COLUMNS)


def annotate(table: pd.DataFrame, tests: pd.DataFrame, *, source: str, cohort: str | None = None) -> pd.DataFrame:
    """``table`` (one source table, rows in file order) with the ``family`` and ``p_adj`` of
    its test rows from the adjusted ``tests`` table (matched on ``source``, ``row`` and, for a
    per-cohort table, ``cohort``); rows that are not tests get NA."""
    t = tests[tests["source"] == source]
    if cohort is not None:
        t = t[t["cohort"] == cohort]
    lookup = t.set_index(t["row"].astype(int))[["family", "p_adj"]]
    out = table.reset_index(drop=True).drop(columns=[c for c in ("family", "p_adj") if c in table.columns])
    return out.join(lookup)
