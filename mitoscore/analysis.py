"""Cohort-level analyses: pure functions that combine the statistical modules.

Each function takes DataFrames (scores, clinical table, result tables) and
returns DataFrames in the documented output contract. Rule entry points in
``scripts/`` only read files, call one of these and write the results, so the
whole analysis is testable without Snakemake.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import scores, signatures, survival
from ._lazy import lazy
from .cox import aeq_times
from .errors import InputError, ModelSkipped

# imported on first use (job start-up: predictive evaluates a scipy.stats quantile at import)
power, predictive, response = lazy("mitoscore.power"), lazy("mitoscore.predictive"), lazy("mitoscore.response")
maxstat_mod, meta_mod = lazy("mitoscore.maxstat"), lazy("mitoscore.meta")

log = logging.getLogger(__name__)

TIME, EVENT = "os_months", "os_event"
SCORE = "score_per_sd"  # the z-scored signature score in every model (HR per SD)


# --------------------------------------------------------------------------- scores
@dataclass
class ScoreResult:
    scores: pd.DataFrame       # sample, signature, kind, score, es, z, group
    sensitivity: pd.DataFrame  # sample, signature, method, score
    coverage: pd.DataFrame     # signature, kind, n_genes, n_present, fraction, missing
    cutpoints: pd.DataFrame = field(default_factory=pd.DataFrame)  # see CUTPOINT_COLUMNS


#: Columns of ``cutpoints.tsv``: how each signature's groups were formed in a cohort.
CUTPOINT_COLUMNS = ["signature", "kind", "rule", "scale", "boundary", "cut", "source", "n_above"]


def score_cohort(expr: pd.DataFrame, sigs: dict[str, signatures.Signature], *, alpha: float = 0.25,
                 sensitivity=("singscore", "mean_z"), single_genes=(), gene_ratios=(),
                 cut_rule: str = "median", cut_value: float | None = None, min_coverage: float = 0.8,
                 cohort: str = "", signature_files: dict[str, str] | None = None,
                 threads: int | None = 1, frozen: pd.DataFrame | None = None) -> ScoreResult:
    """Score every signature in one cohort.

    * unweighted signatures: ssGSEA (GSVA 1.46 algorithm) normalised per signature by
      its own range over the cohort's samples, i.e. the value GSVA gives when the set is
      scored alone; a sample's score never depends on other cohorts or other signatures;
    * weighted signatures (e.g. LSC17): sum of weight x log2 normalised expression;
    * comparators: single genes (log2 normalised expression) and gene ratios
      (log2 A - log2 B).
    Every score is z-scored within the cohort (``z``, R's sd) for HR per SD and grouped
    by the pre-declared cut rule applied to ``z`` (median: high if z > median).

    Cut rule ``discovery_median``: without ``frozen`` (the discovery cohort itself) a
    sample is high if its transferable score (:func:`scores.cut_scale`: ssGSEA ``es``,
    otherwise ``score``) exceeds the cohort's median of it (the same split as the median of
    ``z``), and that median is recorded in ``cutpoints``; in any other cohort ``frozen`` is
    the discovery cohort's ``cutpoints`` table and the frozen cut is applied unchanged. A
    signature missing from ``frozen`` (one scored only outside the discovery cohort, e.g.
    a derived signature) falls back to this cohort's median with a warning, recorded in
    ``cutpoints``. Every cohort returns ``cutpoints`` (CUTPOINT_COLUMNS) for the report.
    """
    signature_files = signature_files or {}
    cov_rows, sets, weighted = [], {}, {}
    for name, sig in sigs.items():
        cov = signatures.coverage(sig, expr.index)
        cov_rows.append({"signature": name, "kind": "weighted_sum" if sig.weights else "ssgsea",
                         "n_genes": cov["n_genes"], "n_present": cov["n_present"],
                         "fraction": cov["fraction"], "missing": ",".join(cov["missing"][:100])})
        signatures.check_coverage(cov, min_coverage, file=signature_files.get(name, name), cohort=cohort)
        if sig.weights:
            weighted[name] = {g: w for g, w in sig.weights.items() if g in expr.index}
        else:
            sets[name] = [g for g in sig.genes if g in expr.index]

    long_rows: list[pd.DataFrame] = []
    cut_rows: list[dict] = []
    frozen_by_sig = ({r["signature"]: r for r in frozen.to_dict("records")}
                     if frozen is not None and len(frozen) else {})

    def groups(name: str, kind: str, values: pd.Series, z: pd.Series, es: pd.Series | None) -> pd.Series:
        """Groups of one signature by the cut rule; records each cut in ``cut_rows``."""
        def on_scale(scale: str) -> pd.Series:
            return (es.reindex(values.index) if scale == "es" else values).astype(float)

        if cut_rule in ("tertiles", "quartiles"):
            x, scale, source = z, "z", "quantile of this cohort (R type 7)"
            pre, cuts = scores.quantile_cuts(z.to_numpy(dtype=float), cut_rule)
            bounds = [(f"{pre}{i}|{pre}{i + 1}", c) for i, c in enumerate(cuts, 1)]
            group = scores.cut_groups(z, cut_rule)
        else:
            f = frozen_by_sig.get(name)
            if cut_rule == "fixed":
                x, scale, cut, source = z, "z", cut_value, "fixed value from the configuration"
            elif cut_rule == "discovery_median" and f is not None:  # a frozen cut, applied unchanged
                scale, cut, source = f["scale"], f["cut"], f["source"]
                x = on_scale(scale)
            elif cut_rule == "discovery_median" and frozen is None:  # the discovery cohort: freeze it
                scale = scores.cut_scale(kind)
                x = on_scale(scale)
                cut, source = float(np.median(x)), f"median of {cohort or 'the discovery cohort'} (frozen)"
            elif cut_rule in ("median", "discovery_median"):
                x, scale, cut, source = z, "z", float(np.median(z)), "median of this cohort"
                if cut_rule == "discovery_median":
                    log.warning("%s: no frozen discovery cutpoint for %s; using this cohort's median", cohort, name)
                    source += " (no frozen cutpoint for this signature)"
            else:
                return scores.cut_groups(z, cut_rule)  # raises: unknown rule, naming the valid ones
            bounds = [("high|low", cut)]
            group = scores.cut_groups(x, "fixed", cut)  # high if x > cut (= R's median split when cut = median)
        for boundary, c in bounds:
            cut_rows.append({"signature": name, "kind": kind, "rule": cut_rule, "scale": scale,
                             "boundary": boundary, "cut": float(c), "source": source,
                             "n_above": int((x > c).sum())})
        return group

    def add(name: str, kind: str, values: pd.Series, es: pd.Series | None = None) -> None:
        values = values.astype(float)
        if not np.isfinite(values).all() or values.std(ddof=1) == 0:
            log.warning("%s: %s has no variation or non-finite values; not analysed", cohort, name)
            return
        z = scores.zscore(values)
        group = groups(name, kind, values, z, es)
        long_rows.append(pd.DataFrame({
            "sample": values.index.astype(str), "signature": name, "kind": kind, "score": values.values,
            "es": es.reindex(values.index).values if es is not None else np.nan,
            "z": z.values, "group": group.reindex(values.index).values}))

    sens_rows = []
    if sets:
        norm, es = scores.ssgsea_independent(expr, sets, alpha=alpha, threads=threads)
        for name in sets:
            add(name, "ssgsea", norm.loc[name], es.loc[name])
            for method in sensitivity:
                fn = {"singscore": scores.singscore, "mean_z": scores.mean_z}[method]
                s = fn(expr, sets[name])
                sens_rows.append(pd.DataFrame({"sample": s.index.astype(str), "signature": name,
                                               "method": method, "score": s.values}))
    for name, w in weighted.items():
        add(name, "weighted_sum", scores.weighted_sum(expr, w))
    for g in single_genes:
        if g in expr.index:
            add(g, "single_gene", expr.loc[g])
        else:
            cov_rows.append({"signature": g, "kind": "single_gene", "n_genes": 1, "n_present": 0,
                             "fraction": 0.0, "missing": g})
    for a, b in gene_ratios:
        name = f"{a}_{b}_ratio"
        if a in expr.index and b in expr.index:
            add(name, "gene_ratio", expr.loc[a] - expr.loc[b])
        else:
            cov_rows.append({"signature": name, "kind": "gene_ratio", "n_genes": 2,
                             "n_present": int(a in expr.index) + int(b in expr.index), "fraction": 0.0,
                             "missing": ",".join(g for g in (a, b) if g not in expr.index)})
    if not long_rows:
        raise InputError("no signature could be scored", file=cohort,
                         fix="check the gene ids of the counts match the signature genes (gene_ids in the cohort sheet)")
    sens = (pd.concat(sens_rows, ignore_index=True) if sens_rows
            else pd.DataFrame(columns=["sample", "signature", "method", "score"]))
    return ScoreResult(pd.concat(long_rows, ignore_index=True), sens, pd.DataFrame(cov_rows),
                       pd.DataFrame(cut_rows, columns=CUTPOINT_COLUMNS))


# --------------------------------------------------------------------------- DE contrasts
def contrast_metadata(clinical: pd.DataFrame, contrast: dict, *, scores: pd.DataFrame | None = None,
                      file: str = "clinical") -> tuple[pd.DataFrame, str]:
    """Sample metadata for one DE contrast -> (metadata indexed by sample, variable name).

    The variable is a clinical column (``response`` is relabelled 1 -> responder,
    0 -> refractory) or the score groups of a signature (``<SIGNATURE>_group``).
    Samples whose level is neither ``test`` nor ``reference`` or with missing
    covariates are left out.
    """
    covs = list(contrast.get("covariates", []))
    for c in covs:
        if c not in clinical.columns:
            raise InputError(f"contrast '{contrast['name']}': covariate not found", file=file, column=c,
                             fix=f"use one of {list(clinical.columns)}")
    if contrast.get("signature"):
        if scores is None:
            raise ValueError("signature contrast needs the scores table")
        variable = f"{contrast['signature']}_group"
        s = scores.loc[scores["signature"] == contrast["signature"]].set_index("sample")["group"]
        values = s.reindex(clinical.index)
    else:
        variable = contrast["column"]
        if variable not in clinical.columns:
            from .config import nearest
            near = nearest(variable, clinical.columns)
            raise InputError(f"contrast '{contrast['name']}': column not found in the standardised clinical table",
                             file=file, column=variable,
                             fix=(f"did you mean '{near}'? " if near else "")
                             + "name a clinical column, and list it among the cohort's covariates if needed")
        values = clinical[variable]
        if variable == "response":
            values = values.map({1: "responder", 0: "refractory", 1.0: "responder", 0.0: "refractory"})
    values = values.astype("object").where(values.notna(), None)
    values = values.map(lambda v: None if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer()
                                                          else str(v)))
    meta = pd.DataFrame({variable: values}, index=clinical.index)
    for c in covs:
        meta[c] = clinical[c]
    levels = set(meta[variable].dropna())
    for lvl in (contrast["test"], contrast["reference"]):
        if lvl not in levels:
            raise InputError(f"contrast '{contrast['name']}': level '{lvl}' not found in '{variable}'", file=file,
                             column=variable, fix=f"use levels present in the data: {sorted(levels)}")
    meta = meta[meta[variable].isin([contrast["test"], contrast["reference"]])].dropna()
    counts = meta[variable].value_counts()
    for lvl in (contrast["test"], contrast["reference"]):
        if counts.get(lvl, 0) < 2:
            raise InputError(f"contrast '{contrast['name']}': level '{lvl}' has {counts.get(lvl, 0)} samples",
                             file=file, column=variable, fix="each level needs at least 2 samples (3+ advisable)")
    meta[variable] = pd.Categorical(meta[variable], categories=[contrast["reference"], contrast["test"]])
    return meta, variable


#: Columns of ``de/{contrast}_summary.tsv`` (one row).
DE_SUMMARY_COLUMNS = ["contrast", "variable", "test", "reference", "design", "n_samples", "n_test", "n_reference",
                      "n_genes", "n_tested", "alpha", "n_significant", "n_up", "n_down", "lfc_direction"]


def de_summary(res: pd.DataFrame, meta: pd.DataFrame, contrast: dict, variable: str, design: str, *,
               alpha: float) -> pd.DataFrame:
    """One-row summary of a DE contrast (what the report shows above the gene table).

    n_tested: genes with an adjusted p-value (DESeq2 independent filtering and Cook's
    filtering set padj to NA for the others); n_significant: padj < ``alpha``; n_up / n_down:
    of those, log2 fold change > 0 / < 0 (higher / lower in ``test`` than in ``reference``).
    """
    padj = pd.to_numeric(res["padj"], errors="coerce")
    lfc = pd.to_numeric(res["log2FoldChange"], errors="coerce")
    sig = padj < alpha
    lv = meta[variable].astype(str)
    return pd.DataFrame([{
        "contrast": contrast["name"], "variable": variable, "test": contrast["test"],
        "reference": contrast["reference"], "design": design, "n_samples": len(meta),
        "n_test": int((lv == str(contrast["test"])).sum()), "n_reference": int((lv == str(contrast["reference"])).sum()),
        "n_genes": len(res), "n_tested": int(padj.notna().sum()), "alpha": alpha,
        "n_significant": int(sig.sum()), "n_up": int((sig & (lfc > 0)).sum()), "n_down": int((sig & (lfc < 0)).sum()),
        "lfc_direction": f"log2({contrast['test']} / {contrast['reference']})"}], columns=DE_SUMMARY_COLUMNS)


# --------------------------------------------------------------------------- survival
@dataclass
class SurvivalResult:
    cox: pd.DataFrame
    logrank: pd.DataFrame
    km: pd.DataFrame
    km_median: pd.DataFrame
    cox_zph: pd.DataFrame
    interaction: pd.DataFrame
    discrimination: pd.DataFrame
    response: pd.DataFrame
    maxstat: pd.DataFrame
    power: pd.DataFrame
    skipped: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    predictive: PredictiveResult | None = None  # the pre-declared contrasts (None: none configured)


def _cox_rows(res, *, signature, kind, model, extra=None) -> pd.DataFrame:
    t = res.table.copy()
    t.insert(0, "model", model)
    t.insert(0, "kind", kind)
    t.insert(0, "signature", signature)
    t["n"] = res.n
    t["events"] = res.events
    t["concordance"] = res.concordance
    t["loglik"] = res.loglik
    t["lr_chisq"] = res.lr_chisq
    t["lr_df"] = res.lr_df
    t["lr_p"] = res.lr_p
    for k, v in (extra or {}).items():
        t[k] = v
    return t


def _zph_rows(data: pd.DataFrame, res, *, signature: str, model: str) -> pd.DataFrame:
    """survival 3.x cox.zph (km transform) of a fitted model, labelled for the output table."""
    z = survival.cox_zph(data, TIME, EVENT, res, transform="km")
    z.insert(0, "model", model)
    z.insert(0, "signature", signature)
    return z


def discrimination_row(t: np.ndarray, e: np.ndarray, risk: np.ndarray, *, horizons, tau: float | None,
                       min_cases: int, n_boot: int, seed: int, level: float = 0.95) -> dict:
    """Discrimination of one score: Harrell's C, Uno's C (``tau``) and timeROC's AUC at each
    horizon (``min_cases`` guard), each with a percentile CI from the SAME ``n_boot``
    resamples (:func:`survival.bootstrap`).

    Keys: harrell_c(_lower/_upper), uno_c(_lower/_upper), uno_tau_months, auc_<h>m(_lower/
    _upper/_cases) per horizon, n_boot (resamples drawn), n_boot_failed (resamples whose
    statistics raised; a resample where a measure is undefined, e.g. too few cases, only
    leaves that measure's CI with fewer replicates).
    """
    horizons = [float(h) for h in horizons]
    tf = aeq_times(t)  # R's timefix of the C indices, once (resamples keep it); timeROC has none

    def measures(rows):
        auc = (survival.td_auc(t[rows], e[rows], risk[rows], horizons, min_cases=min_cases)["auc"].tolist()
               if horizons else [])
        return [survival.harrell_c(tf[rows], e[rows], risk[rows], timefix=False),
                survival.uno_c(tf[rows], e[rows], risk[rows], tau=tau, timefix=False), *auc]

    est = measures(np.arange(len(t)))
    names = ["harrell_c", "uno_c", *[f"auc_{h:g}m" for h in horizons]]
    lo = hi = np.full(len(names), np.nan)
    failed = 0
    if n_boot > 0 and len(t):
        # every resample at once (= survival.bootstrap(measures, ...): same resamples, same values)
        vals = survival.discrimination_resamples(t, e, risk, survival.bootstrap_indices(len(t), n_boot, seed),
                                                 horizons=horizons, tau=tau, min_cases=min_cases, time_c=tf)
        bs = survival.Bootstrap(values=vals, failures={})
        lo, hi, _ = bs.percentile_ci(level)
        undefined = ~np.isfinite(np.asarray(est, float))  # no CI around an estimate that is not reported
        lo, hi = np.where(undefined, np.nan, lo), np.where(undefined, np.nan, hi)
        failed = bs.n_failed
    out: dict[str, Any] = {}
    cases = survival.td_auc(t, e, risk, horizons)["n_cases"].tolist() if horizons else []
    for j, name in enumerate(names):
        out.update({name: est[j], f"{name}_lower": lo[j], f"{name}_upper": hi[j]})
        if name == "uno_c":
            out["uno_tau_months"] = tau if tau is not None else np.nan
        if name.startswith("auc_"):
            out[f"{name}_cases"] = int(cases[j - 2])
    out.update(n_boot=int(max(n_boot, 0)), n_boot_failed=int(failed))
    return out


def survival_cohort(score_long: pd.DataFrame, clinical: pd.DataFrame, *, primary: str,
                    covariates: list[str] = (), reference_levels: dict[str, str] | None = None,
                    strata: list[str] = (), treatment: bool = False, reference_arm: str | None = None,
                    min_events: int = 10, min_epv: float = 5.0, horizons=(12, 24), n_bootstrap: int = 200,
                    seed: int = 1, cut_rule: str = "median", tau: float | None = None,
                    min_cases_td_auc: int = 10, predictive_config: dict | None = None) -> SurvivalResult:
    """All survival / response analyses of one cohort for every scored signature.

    Models (the package's Cox engine, Efron ties, R coxph's iteration and convergence rule):
      * ``univariable``: HR per SD of the score (the pre-declared validation analysis);
      * ``multivariable``: score + configured covariates (explicit reference levels, strata);
      * ``group``: high vs low by the pre-declared cut (two-group rules only);
    plus KM and log-rank by the pre-declared groups, survival 3.x ``cox.zph`` checks,
    the global score x treatment interaction over all arms (unadjusted LR test, per-arm HRs;
    SECONDARY: the pre-declared contrasts of ``predictive_config`` are the tests of the
    predictive hypothesis, see :func:`predictive_cohort`), discrimination (Harrell's C,
    Uno's C up to ``tau`` months -- default: the largest horizon --, timeROC's AUC at each
    horizon, all with percentile CIs from the same ``n_bootstrap`` resamples), the
    optimism-corrected C gain over the clinical model (with the cohort's strata), response
    (logistic OR per SD, AUROC), maxstat (EXPLORATORY), and Schoenfeld power.
    Guards: log-rank, maxstat and the Cox models need ``min_events`` events (the KM table
    is still written); a horizon's AUC needs ``min_cases_td_auc`` cases.
    A model that cannot be fitted is skipped and recorded in ``skipped``.
    """
    reference_levels = dict(reference_levels or {})
    covariates, strata = list(covariates), list(strata)
    cox_rows, lr_rows, km_rows, med_rows, zph_rows, int_rows = [], [], [], [], [], []
    disc_rows, resp_rows, ms_rows, skipped = [], [], [], []
    rng_seed = int(seed)
    horizons = [float(h) for h in horizons]
    tau_used = float(tau) if tau is not None else (max(horizons) if horizons else None)

    def skip(sig, model, reason):
        skipped.append({"signature": sig, "model": model, "reason": str(reason)})
        log.warning("%s / %s skipped: %s", sig, model, reason)

    base = clinical.copy()
    base.index = base.index.astype(str)
    for sig, grp in score_long.groupby("signature", sort=False):
        g = grp.set_index("sample")
        kind = g["kind"].iloc[0]
        df = base.join(g[["z", "score", "group"]].rename(columns={"z": SCORE}), how="inner")
        df = df[df[TIME].notna() & df[EVENT].notna()]
        t, e = df[TIME].to_numpy(float), df[EVENT].to_numpy(int)

        # Kaplan-Meier + log-rank by the pre-declared groups
        km = survival.km_table(t, e, df["group"].to_numpy())
        km.insert(0, "signature", sig)
        km_rows.append(km)
        for lvl, sub in df.groupby("group"):
            m = survival.km_median(sub[TIME].to_numpy(float), sub[EVENT].to_numpy(int))
            med_rows.append({"signature": sig, "group": lvl, "n": len(sub), "events": int(sub[EVENT].sum()),
                             "median": m["median"], "median_lcl": m["lcl"], "median_ucl": m["ucl"]})
        if df["group"].nunique() >= 2:
            try:
                lr = survival.logrank_test(t, e, df["group"].to_numpy(), min_events=min_events)
                row = {"signature": sig, "kind": kind, "grouping": cut_rule, "chisq": lr["chisq"], "df": lr["df"],
                       "p": lr["p"], "n": lr["n"], "events": lr["events"]}
                for lvl in sorted(lr["observed"]):
                    row[f"obs_{lvl}"] = lr["observed"][lvl]
                    row[f"exp_{lvl}"] = lr["expected"][lvl]
                lr_rows.append(row)
            except ModelSkipped as exc:
                skip(sig, "logrank", exc.reason)

        # Cox: univariable per SD
        uni = None
        try:
            uni = survival.cox_fit(df, TIME, EVENT, [SCORE], min_events=min_events, min_epv=min_epv)
            cox_rows.append(_cox_rows(uni, signature=sig, kind=kind, model="univariable"))
            zph_rows.append(_zph_rows(df, uni, signature=sig, model="univariable"))
        except ModelSkipped as exc:
            skip(sig, "univariable", exc.reason)

        # Cox: high vs low (two-group rules)
        if set(df["group"].dropna()) == {"high", "low"}:
            try:
                gdf = df.assign(**{"group[high]": (df["group"] == "high").astype(float)})
                res = survival.cox_fit(gdf, TIME, EVENT, ["group[high]"], min_events=min_events, min_epv=min_epv)
                cox_rows.append(_cox_rows(res, signature=sig, kind=kind, model="group"))
            except ModelSkipped as exc:
                skip(sig, "group", exc.reason)

        # Cox: multivariable with configured covariates (+ strata)
        mv_dm = None  # the multivariable design matrix, reused by the C gain below
        if covariates:
            try:
                missing = [c for c in covariates if c not in df.columns]
                if missing:
                    raise ModelSkipped(f"covariates not in the clinical table: {missing}")
                mv_dm = survival.design_matrix(df[[SCORE, *covariates]], [SCORE, *covariates],
                                               {k: v for k, v in reference_levels.items() if k in covariates})
                data = mv_dm.join(df[[TIME, EVENT, *strata]])
                mv_terms = list(mv_dm.columns)
                res = survival.cox_fit(data, TIME, EVENT, mv_terms, strata=strata or None,
                                       min_events=min_events, min_epv=min_epv)
                cox_rows.append(_cox_rows(res, signature=sig, kind=kind, model="multivariable",
                                          extra={"n_dropped_missing": mv_dm.attrs.get("n_dropped", 0)}))
                zph_rows.append(_zph_rows(data, res, signature=sig, model="multivariable"))
            except ModelSkipped as exc:
                skip(sig, "multivariable", exc.reason)

        # Predictive: score x treatment interaction
        if treatment and "treatment" in df.columns and reference_arm:
            try:
                it = survival.interaction_cox(df, TIME, EVENT, SCORE, "treatment", reference_arm=reference_arm,
                                              min_events=min_events, min_epv=min_epv)
                pa = it["per_arm"].copy()
                pa.insert(0, "signature", sig)
                pa["lr_chisq"], pa["lr_df"], pa["lr_p"] = it["lr_chisq"], it["lr_df"], it["lr_p"]
                pa["reference_arm"] = reference_arm
                pa["analysis"] = "secondary"
                pa["model"] = ("Cox: ~ score_per_sd * treatment over all arms, no covariates, no strata "
                               "(global test; the pre-declared contrasts are in predictive.tsv)")
                int_rows.append(pa)
            except ModelSkipped as exc:
                skip(sig, "interaction", exc.reason)

        # Discrimination
        if uni is not None:
            drow = {"signature": sig, "kind": kind, "n": len(df), "events": int(e.sum())}
            drow.update(discrimination_row(t, e, df[SCORE].to_numpy(float), horizons=horizons, tau=tau_used,
                                           min_cases=min_cases_td_auc, n_boot=n_bootstrap, seed=rng_seed))
            for h in horizons:
                nc = drow[f"auc_{h:g}m_cases"]
                if nc < min_cases_td_auc:
                    skip(sig, f"td_auc_{h:g}m", f"only {nc} cases (events before {h:g} months) < "
                                                f"min_cases_td_auc={min_cases_td_auc}; AUC not estimated")
            if mv_dm is not None:
                try:
                    clin_terms = [c for c in mv_dm.columns if c != SCORE]
                    cg = survival.c_gain(mv_dm.join(df[[TIME, EVENT, *strata]]), TIME, EVENT, clin_terms, SCORE,
                                         strata=strata or None, n_boot=n_bootstrap, seed=rng_seed,
                                         min_events=min_events, min_epv=min_epv)
                    drow.update({f"cgain_{k}": v for k, v in cg.items()})
                except ModelSkipped as exc:
                    skip(sig, "c_gain", exc.reason)
            disc_rows.append(drow)

        # Response (CR/CRi vs refractory)
        if "response" in df.columns and df["response"].notna().any():
            sub = df[df["response"].notna()]
            try:
                lo = response.logistic_per_sd(sub["response"].to_numpy(int), sub[SCORE].to_numpy(float))
                au = response.auroc(sub["response"].to_numpy(int), sub[SCORE].to_numpy(float))
                resp_rows.append({"signature": sig, "kind": kind, "odds_ratio": lo["or_"],
                                  "or_ci_lower": lo["ci_lower"], "or_ci_upper": lo["ci_upper"], "or_p": lo["p"],
                                  "n": lo["n"], "n_responders": lo["n_events"], "auroc": au["auc"],
                                  "auroc_ci_lower": au["ci_lower"], "auroc_ci_upper": au["ci_upper"]})
            except ModelSkipped as exc:
                skip(sig, "response", exc.reason)

        # maxstat: data-driven cutpoint, EXPLORATORY only
        try:
            ms = maxstat_mod.maxstat_logrank(t, e, df["score"].to_numpy(float), min_events=min_events)
            ms_rows.append({"signature": sig, "kind": kind, "analysis": "EXPLORATORY (data-driven cutpoint)",
                            **{k: ms[k] for k in ("statistic", "cutpoint", "p_lau94", "p_lau92", "n_cuts",
                                                  "n_high")}})
        except (ValueError, ModelSkipped) as exc:
            skip(sig, "maxstat", exc)

    cox = pd.concat(cox_rows, ignore_index=True) if cox_rows else pd.DataFrame(
        columns=["signature", "kind", "model", "term", "hr", "ci_lower", "ci_upper", "p", "n", "events"])
    # primary vs secondary (the families and their adjusted p-values: summary/multiplicity.tsv)
    cox["analysis"] = np.where((cox["signature"] == primary) & (cox["model"] == "univariable"), "primary",
                               "secondary")
    first = ["signature", "kind", "model", "term", "hr", "ci_lower", "ci_upper", "p", "n", "events"]
    cox = cox[first + [c for c in cox.columns if c not in first]]

    n_events = int(base[EVENT].sum())
    # events per parameter of the primary signature's multivariable model (REMARK 9 / TRIPOD 8)
    pmv = cox[(cox["signature"] == primary) & (cox["model"] == "multivariable")] if len(cox) else cox
    n_par = len(pmv) if len(pmv) else np.nan
    mv_events = float(pmv["events"].iloc[0]) if len(pmv) else np.nan
    pw = pd.DataFrame([{
        "n": int(base[EVENT].notna().sum()), "events": n_events,
        "detectable_hr_per_sd": power.schoenfeld_detectable_hr(n_events) if n_events > 0 else np.nan,
        "detectable_hr_median_split": power.schoenfeld_detectable_hr_binary(n_events, p_high=0.5)
        if n_events > 0 else np.nan,
        "alpha": 0.05, "power": 0.8, "mv_parameters": n_par,
        "epv_multivariable": mv_events / n_par if len(pmv) else np.nan}])

    def cat(rows, cols=None):
        """Rows (dicts or DataFrames) -> one table; ``cols`` only shapes an empty result."""
        if not rows:
            return pd.DataFrame(columns=cols)
        if isinstance(rows[0], pd.DataFrame):
            return pd.concat(rows, ignore_index=True)
        return pd.DataFrame(rows)

    pred = None
    if predictive_config and predictive_config.get("contrasts"):
        pc = predictive_config
        pred = predictive_cohort(score_long, clinical, contrasts=pc["contrasts"], primary=primary,
                                 covariates=covariates, reference_levels=reference_levels, strata=strata,
                                 spline_knots=pc.get("spline_knots", 3),
                                 grid_quantiles=pc.get("grid_quantiles", (0.05, 0.95)),
                                 grid_points=pc.get("grid_points", 41), min_events=min_events, min_epv=min_epv)
        skipped.extend(pred.skipped.to_dict("records"))

    return SurvivalResult(
        cox=cox, logrank=cat(lr_rows, ["signature", "kind", "grouping", "chisq", "df", "p", "n", "events"]),
        km=cat(km_rows, ["signature", "group", "time", "n_risk", "n_event", "n_censor", "surv", "lower", "upper"]),
        km_median=cat(med_rows, ["signature", "group", "n", "events", "median", "median_lcl", "median_ucl"]),
        cox_zph=cat(zph_rows, ["signature", "model", "term", "chisq", "df", "p"]),
        interaction=cat(int_rows, ["signature", "arm", "hr", "ci_lower", "ci_upper", "p", "n", "events",
                                   "lr_chisq", "lr_df", "lr_p", "reference_arm", "analysis", "model"]),
        discrimination=cat(disc_rows, ["signature", "kind", "n", "events", "harrell_c"]),
        response=cat(resp_rows, ["signature", "kind", "odds_ratio", "or_ci_lower", "or_ci_upper", "or_p", "n",
                                 "n_responders", "auroc", "auroc_ci_lower", "auroc_ci_upper"]),
        maxstat=cat(ms_rows, ["signature", "kind", "analysis", "statistic", "cutpoint", "p_lau94", "p_lau92",
                              "n_cuts", "n_high"]),
        power=pw, skipped=pd.DataFrame(skipped, columns=["signature", "model", "reason"]), predictive=pred)


# --------------------------------------------------------------------------- predictive
#: Columns of ``survival/predictive.tsv`` (one row per contrast x signature x term).
PREDICTIVE_COLUMNS = ["contrast", "signature", "kind", "analysis", "term", "arm", "hr", "ci_lower", "ci_upper", "p",
                      "coef", "se", "wald_chisq", "lr_chisq", "lr_df", "lr_p", "n", "events", "test_arm",
                      "reference_arm", "n_test", "events_test", "n_reference", "events_reference", "n_parameters",
                      "model_term", "model"]
#: Columns of ``survival/treatment_effect.tsv``.
TREATMENT_EFFECT_COLUMNS = ["contrast", "signature", "kind", "model", "score", "log_hr", "se_log_hr", "hr",
                            "ci_lower", "ci_upper", "analysis", "test_arm", "reference_arm", "knots", "n", "events",
                            "n_parameters"]
#: Columns of ``survival/km_by_arm.tsv`` (km.tsv plus contrast and arm).
KM_BY_ARM_COLUMNS = ["contrast", "signature", "arm", "group", "time", "n_risk", "n_event", "n_censor", "surv",
                     "std_err_logS", "lower", "upper"]
#: Columns of ``survival/response_by_arm.tsv``.
RESPONSE_BY_ARM_COLUMNS = ["contrast", "signature", "kind", "analysis", "term", "arm", "odds_ratio", "or_ci_lower",
                           "or_ci_upper", "p", "coef", "se", "wald_chisq", "lr_chisq", "lr_df", "lr_p", "n",
                           "n_responders", "n_nonresponders", "test_arm", "reference_arm", "n_parameters",
                           "model_term", "model"]
#: Columns of ``survival/predictive_contrasts.tsv`` (was each declared contrast analysed here?).
CONTRAST_STATUS_COLUMNS = ["contrast", "test_arm", "reference_arm", "analysis", "status", "n_test", "n_reference",
                           "arms_present", "reason"]
ARM = "treatment"  # the standardised treatment column of the validated clinical table


@dataclass
class PredictiveResult:
    predictive: pd.DataFrame        # PREDICTIVE_COLUMNS
    treatment_effect: pd.DataFrame  # TREATMENT_EFFECT_COLUMNS
    km_by_arm: pd.DataFrame         # KM_BY_ARM_COLUMNS
    response_by_arm: pd.DataFrame   # RESPONSE_BY_ARM_COLUMNS
    contrasts: pd.DataFrame         # CONTRAST_STATUS_COLUMNS
    skipped: pd.DataFrame           # signature, model, reason
    rug: pd.DataFrame               # contrast, signature, arm, score: the primary signature's scores (figures)


def _demote(label: str) -> str:
    """Label of the estimates that accompany a contrast's test (per-arm effects, response):
    never primary."""
    return "secondary" if label == "primary" else label


def _model_text(kind: str, test_arm: str, reference_arm: str, covariates, strata, score_term: str) -> str:
    rhs = " + ".join([score_term, f"{ARM}", f"{score_term}:{ARM}", *covariates]
                     + ([f"strata({', '.join(strata)})"] if strata else []))
    return f"{kind}: ~ {rhs}; {test_arm} vs {reference_arm} (reference), these two arms only"


def predictive_cohort(score_long: pd.DataFrame, clinical: pd.DataFrame, *, contrasts: list[dict], primary: str,
                      covariates: list[str] = (), reference_levels: dict[str, str] | None = None,
                      strata: list[str] = (), spline_knots: int = 3, grid_quantiles=(0.05, 0.95),
                      grid_points: int = 41, min_events: int = 10, min_epv: float = 5.0) -> PredictiveResult:
    """The pre-declared predictive contrasts of one cohort, for every scored signature.

    For each contrast ``{name, test_arm, reference_arm, analysis}`` whose two arms are both
    in the cohort's ``treatment`` column, restricted to those two arms and adjusted for the
    cohort's ``covariates`` (``reference_levels``) and ``strata``:

    * :func:`mitoscore.predictive.contrast_interaction`: rows ``interaction`` (interaction HR,
      Wald p, 1-df LR test; labelled with the contrast's ``analysis`` for the primary
      signature, never ``primary`` for the others) and ``score_in_arm`` (HR per SD in each
      arm from the same model; secondary);
    * :func:`mitoscore.predictive.treatment_effect`: HR of test vs reference arm along the
      score, ``linear`` (the interaction model) and ``spline`` (``spline_knots``-knot
      restricted cubic spline x arm), plus the row ``spline_interaction`` (LR test of the
      spline x arm terms, EXPLORATORY);
    * Kaplan-Meier by arm x pre-declared score group;
    * :func:`mitoscore.predictive.logistic_interaction` on the response (if any).

    A contrast whose arm is absent (or a cohort without a treatment column) is recorded in
    ``contrasts`` (status ``skipped`` with the reason) and ``skipped``; a model that cannot be
    fitted is recorded in ``skipped`` (model ``interaction[<contrast>]``, ...). The score is
    the cohort's z-score (``score_per_sd``), so HRs/ORs are per SD of the whole cohort.
    """
    covariates, strata = [c for c in covariates if c != ARM], list(strata)
    refs = {k: v for k, v in dict(reference_levels or {}).items() if k in covariates}
    pred_rows, te_rows, km_rows, resp_rows, status, skipped, rug = [], [], [], [], [], [], []

    def skip(sig, model, reason):
        skipped.append({"signature": sig, "model": model, "reason": str(reason)})
        log.warning("%s / %s skipped: %s", sig, model, reason)

    base = clinical.copy()
    base.index = base.index.astype(str)
    arms_present = (sorted({str(a) for a in base[ARM].dropna()}) if ARM in base.columns else [])
    for con in contrasts:
        name, ta, ra = con["name"], str(con["test_arm"]), str(con["reference_arm"])
        label = con.get("analysis", "secondary")
        st = {"contrast": name, "test_arm": ta, "reference_arm": ra, "analysis": label,
              "arms_present": "; ".join(arms_present)}
        if ARM not in base.columns:
            reason = "the cohort has no treatment column (treatment_column in the cohort sheet)"
        else:
            absent = [a for a in (ta, ra) if a not in arms_present]
            reason = (f"arm(s) {absent} absent from this cohort's treatment column (arms present: {arms_present})"
                      if absent else None)
        arm_lab = base[ARM].map(lambda v: None if pd.isna(v) else str(v)) if ARM in base.columns else None
        st["n_test"] = int((arm_lab == ta).sum()) if arm_lab is not None else 0
        st["n_reference"] = int((arm_lab == ra).sum()) if arm_lab is not None else 0
        if reason:
            status.append({**st, "status": "skipped", "reason": reason})
            skip("(all)", f"predictive[{name}]", reason)
            continue
        status.append({**st, "status": "analysed", "reason": ""})
        common = dict(test_arm=ta, reference_arm=ra, covariates=covariates, categorical=refs)
        cox_text = _model_text("Cox", ta, ra, covariates, strata, SCORE)
        for sig, grp in score_long.groupby("signature", sort=False):
            g = grp.set_index("sample")
            kind = g["kind"].iloc[0]
            joined = base.join(g[["z", "group"]].rename(columns={"z": SCORE}), how="inner")
            df = joined[joined[TIME].notna() & joined[EVENT].notna()]
            sig_label = label if sig == primary else _demote(label)
            per_label = _demote(label)
            if sig == primary:
                two = df[df[ARM].astype(str).isin([ta, ra])]
                rug.append(pd.DataFrame({"contrast": name, "signature": sig, "arm": two[ARM].astype(str),
                                         "score": two[SCORE].to_numpy(float)}))
            # Cox: the 1-df interaction and the per-arm HR per SD
            try:
                it = predictive.contrast_interaction(df, TIME, EVENT, SCORE, ARM, strata=strata,
                                                     min_events=min_events, min_epv=min_epv, **common)
                pa = it["per_arm"].set_index("arm")
                counts = {"test_arm": ta, "reference_arm": ra, "n_test": pa.loc[ta, "n"],
                          "events_test": pa.loc[ta, "events"], "n_reference": pa.loc[ra, "n"],
                          "events_reference": pa.loc[ra, "events"], "n_parameters": it["n_parameters"],
                          "model": cox_text}
                pred_rows.append({"contrast": name, "signature": sig, "kind": kind, "analysis": sig_label,
                                  "term": "interaction", "arm": ta, "hr": it["hr"], "ci_lower": it["ci_lower"],
                                  "ci_upper": it["ci_upper"], "p": it["wald_p"], "coef": it["coef"], "se": it["se"],
                                  "wald_chisq": it["wald_chisq"], "lr_chisq": it["lr_chisq"], "lr_df": it["lr_df"],
                                  "lr_p": it["lr_p"], "n": it["n"], "events": it["events"],
                                  "model_term": it["term"], **counts})
                for arm in (ra, ta):
                    r = pa.loc[arm]
                    pred_rows.append({"contrast": name, "signature": sig, "kind": kind, "analysis": per_label,
                                      "term": "score_in_arm", "arm": arm, "hr": r["hr"], "ci_lower": r["ci_lower"],
                                      "ci_upper": r["ci_upper"], "p": r["p"], "coef": r["coef"], "se": r["se"],
                                      "wald_chisq": (r["coef"] / r["se"]) ** 2, "n": r["n"], "events": r["events"],
                                      "model_term": SCORE if arm == ra else f"{SCORE} + {it['term']}", **counts})
            except ModelSkipped as exc:
                skip(sig, f"interaction[{name}]", exc.reason)
            # treatment effect along the score: linear (= the interaction model) and spline
            for model, basis in (("linear", "linear"), ("spline", "rcs")):
                try:
                    te = predictive.treatment_effect(df, TIME, EVENT, SCORE, ARM, basis=basis, knots=spline_knots,
                                                     grid_quantiles=grid_quantiles, grid_points=grid_points,
                                                     strata=strata, min_events=min_events, min_epv=min_epv,
                                                     lr_test=basis == "rcs", **common)
                except ModelSkipped as exc:
                    skip(sig, f"treatment_effect_{model}[{name}]", exc.reason)
                    continue
                cur = te["curve"].assign(contrast=name, signature=sig, kind=kind, model=model,
                                         analysis=sig_label if model == "linear" else "exploratory",
                                         test_arm=ta, reference_arm=ra,
                                         knots=",".join(f"{k:.10g}" for k in te["knots"]), n=te["n"],
                                         events=te["events"], n_parameters=te["n_parameters"])
                te_rows.append(cur)
                if model == "spline":
                    sub = df[df[ARM].astype(str).isin([ta, ra])]
                    pred_rows.append({
                        "contrast": name, "signature": sig, "kind": kind, "analysis": "exploratory",
                        "term": "spline_interaction", "arm": ta, "lr_chisq": te["lr_chisq"], "lr_df": te["lr_df"],
                        "lr_p": te["lr_p"], "n": te["n"], "events": te["events"], "test_arm": ta,
                        "reference_arm": ra, "n_test": int((sub[ARM].astype(str) == ta).sum()),
                        "n_reference": int((sub[ARM].astype(str) == ra).sum()),
                        "n_parameters": te["n_parameters"],
                        "model_term": f"rcs({SCORE}, {len(te['knots'])}):{ARM}[{ta}]",
                        "model": cox_text.replace(f"{SCORE} + {ARM} + {SCORE}:{ARM}",
                                                  f"rcs({SCORE}, {len(te['knots'])}) * {ARM}")})
            # Kaplan-Meier by arm x pre-declared group
            for arm in (ra, ta):
                sub = df[df[ARM].astype(str) == arm]
                km = survival.km_table(sub[TIME].to_numpy(float), sub[EVENT].to_numpy(int), sub["group"].to_numpy())
                km.insert(0, "arm", arm)
                km.insert(0, "signature", sig)
                km.insert(0, "contrast", name)
                km_rows.append(km)
            # response: logistic score x arm interaction, adjusted like the survival model
            if "response" in joined.columns and joined["response"].notna().any():
                try:
                    lo = predictive.logistic_interaction(joined, "response", SCORE, ARM, min_epv=min_epv, **common)
                    lcounts = {"test_arm": ta, "reference_arm": ra, "n_parameters": lo["n_parameters"],
                               "model": _model_text("Logistic (glm binomial)", ta, ra, covariates, (), SCORE)}
                    resp_rows.append({"contrast": name, "signature": sig, "kind": kind, "analysis": per_label,
                                      "term": "interaction", "arm": ta, "odds_ratio": lo["or_"],
                                      "or_ci_lower": lo["ci_lower"], "or_ci_upper": lo["ci_upper"], "p": lo["wald_p"],
                                      "coef": lo["coef"], "se": lo["se"], "wald_chisq": lo["wald_chisq"],
                                      "lr_chisq": lo["lr_chisq"], "lr_df": lo["lr_df"], "lr_p": lo["lr_p"],
                                      "n": lo["n"], "n_responders": lo["n_responders"],
                                      "n_nonresponders": lo["n_nonresponders"], "model_term": lo["term"], **lcounts})
                    for r in lo["per_arm"].to_dict("records"):
                        resp_rows.append({"contrast": name, "signature": sig, "kind": kind, "analysis": per_label,
                                          "term": "score_in_arm", "arm": r["arm"], "odds_ratio": r["or_"],
                                          "or_ci_lower": r["ci_lower"], "or_ci_upper": r["ci_upper"], "p": r["p"],
                                          "coef": r["coef"], "se": r["se"], "wald_chisq": (r["coef"] / r["se"]) ** 2,
                                          "n": r["n"], "n_responders": r["n_responders"],
                                          "n_nonresponders": r["n_nonresponders"],
                                          "model_term": SCORE if r["arm"] == ra else f"{SCORE} + {lo['term']}",
                                          **lcounts})
                except ModelSkipped as exc:
                    skip(sig, f"response_interaction[{name}]", exc.reason)

    def frame(rows, cols):
        if not rows:
            return pd.DataFrame(columns=cols)
        out = pd.concat(rows, ignore_index=True) if isinstance(rows[0], pd.DataFrame) else pd.DataFrame(rows)
        return out.reindex(columns=cols)

    return PredictiveResult(
        predictive=frame(pred_rows, PREDICTIVE_COLUMNS), treatment_effect=frame(te_rows, TREATMENT_EFFECT_COLUMNS),
        km_by_arm=frame(km_rows, KM_BY_ARM_COLUMNS), response_by_arm=frame(resp_rows, RESPONSE_BY_ARM_COLUMNS),
        contrasts=frame(status, CONTRAST_STATUS_COLUMNS),
        skipped=pd.DataFrame(skipped, columns=["signature", "model", "reason"]),
        rug=frame(rug, ["contrast", "signature", "arm", "score"]))


def check_contrast_arms(status: dict[str, pd.DataFrame], contrasts: list[dict], *, config_name: str = "config") -> None:
    """Stop when a declared predictive contrast names an arm that no cohort has.

    ``status`` maps cohort -> its ``predictive_contrasts.tsv``. A contrast skipped in some
    cohorts is fine (recorded there); one that could be analysed in none of the cohorts that
    have a treatment column means the configuration is wrong: InputError naming the arms
    that exist. Nothing is raised when no cohort has a treatment column at all.
    """
    arms: set[str] = set()
    for t in status.values():
        for a in t.get("arms_present", pd.Series(dtype=str)).dropna():
            arms.update(x.strip() for x in str(a).split(";") if x.strip())
    if not arms:
        return
    for con in contrasts:
        missing = [a for a in (con["test_arm"], con["reference_arm"]) if a not in arms]
        if missing:
            raise InputError(f"predictive contrast '{con['name']}' names arm(s) {missing} that no cohort has",
                             file=config_name, column="predictive.contrasts", value=", ".join(missing),
                             fix=f"use arms that exist in the cohorts' treatment columns: {sorted(arms)}")


# --------------------------------------------------------------------------- cross-cohort
#: Columns of ``summary/hazard_ratios.tsv``: the per-cohort estimates that enter the pooling.
HR_COLUMNS = ["cohort", "role", "signature", "kind", "model", "estimate_from", "hr", "ci_lower", "ci_upper", "p", "n",
              "events", "log_hr", "se"]
#: Columns of ``summary/meta_analysis.tsv``.
META_COLUMNS = ["signature", "model", "pool", "method", "test", "analysis", "k", "cohorts", "hr", "ci_lower",
                "ci_upper", "p", "estimate", "se", "tau2", "I2", "QE", "QEp", "pi_lower", "pi_upper", "note",
                "tau2_fit"]
LOO_COLUMNS = ["signature", "model", "pool", "test", "analysis", "left_out", "estimate", "ci_lb", "ci_ub", "pval",
               "tau2", "I2"]
#: The per-cohort model whose pooled estimate (primary signature, validation cohorts) is primary.
PRIMARY_POOLED_MODEL = "univariable"
#: A validation cohort's own re-estimated univariable model (its frozen-model HR is ``univariable``).
REESTIMATED_MODEL = "univariable (re-estimated)"
#: Pools of cohorts: the primary pool (role ``validation``) first, then all cohorts (sensitivity).
POOLS = ("validation", "all")


def pooling_rows(cox_tables: dict[str, pd.DataFrame], roles: dict[str, str] | None = None,
                 frozen_tables: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """THE one place that selects, per cohort, the estimates that enter the meta-analysis.

    Per cohort and signature, the log HR per SD with the Wald SE of the Cox coefficient:

    * ``univariable``: in a validation cohort with a frozen model (``frozen_tables[cohort]``
      = its ``validation/frozen_cox.tsv``), the HR of the **frozen** score (per discovery SD,
      model ``frozen_score``; ``estimate_from`` = ``frozen model``); elsewhere (the discovery
      cohort, whose own standardisation is the frozen one, or a cohort without a frozen model)
      the cohort's own univariable model (``own model``);
    * ``univariable (re-estimated)``: a frozen-validated cohort's own re-estimated univariable
      model (SENSITIVITY: the per-cohort rule);
    * ``multivariable``: every cohort's own multivariable model (score + covariates).

    ``role`` (``discovery``/``validation``, default validation) from the cohort sheet decides
    the pool. Everything downstream reads the returned table (HR_COLUMNS).
    """
    roles = dict(roles or {})
    frozen_tables = dict(frozen_tables or {})
    rows = []

    def add(cohort, rec, model, source):
        rows.append({"cohort": cohort, "role": roles.get(cohort, "validation"), "signature": rec["signature"],
                     "kind": rec.get("kind"), "model": model, "estimate_from": source, "hr": rec["hr"],
                     "ci_lower": rec["ci_lower"], "ci_upper": rec["ci_upper"], "p": rec["p"], "n": rec["n"],
                     "events": rec["events"], "log_hr": math.log(rec["hr"]), "se": rec.get("se", np.nan)})

    for cohort, t in cox_tables.items():
        fz = frozen_tables.get(cohort)
        frozen_sigs = set()
        if fz is not None and len(fz):
            for rec in fz[fz["model"] == "frozen_score"].to_dict("records"):
                add(cohort, rec, PRIMARY_POOLED_MODEL, "frozen model")
                frozen_sigs.add(rec["signature"])
        sel = t[(t["term"] == SCORE) & t["model"].isin(["univariable", "multivariable"])]
        for rec in sel.to_dict("records"):
            if rec["model"] == "univariable" and fz is not None:
                add(cohort, rec, REESTIMATED_MODEL, "own model")
            else:
                add(cohort, rec, rec["model"], "own model")
    return pd.DataFrame(rows, columns=HR_COLUMNS)


def _pool_members(hr: pd.DataFrame, pool: str) -> pd.Series:
    return hr["role"] == "validation" if pool == "validation" else pd.Series(True, index=hr.index)


def _meta_label(sig: str, model: str, pool: str, test: str, *, primary: str, primary_test: str) -> str:
    if pool == "validation" and test in (primary_test, "none") and model != REESTIMATED_MODEL:
        return "primary" if (sig == primary and model == PRIMARY_POOLED_MODEL) else "secondary"
    return "sensitivity"


K2_NOTE = ("k = 2: the between-cohort variance tau2, I2 and the prediction interval are not estimable from two "
           "cohorts and are not reported (NA); Cochran's Q (1 df) is shown as a descriptive comparison of the two "
           "estimates. The pooled estimate weights the cohorts with metafor's {method} tau2 = {tau2:.3g}{knha}.")


def summarise_cohorts(cox_tables: dict[str, pd.DataFrame], *, roles: dict[str, str] | None = None,
                      frozen_tables: dict[str, pd.DataFrame] | None = None, method: str = "REML", test: str = "knha",
                      primary: str = "MITOSCORE") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per-cohort HR table, meta-analysis per signature, model and pool, and leave-one-out.

    The estimates pooled are those of :func:`pooling_rows`: log HR per SD with the Wald SE
    of the Cox coefficient. Pools: ``validation`` (cohorts whose ``roles`` entry is
    ``validation``; the primary pool) and ``all`` (discovery included; SENSITIVITY).
    Per pool with k estimates (``meta.rma`` = ``metafor::rma(yi, sei = , method = method)``):

    * k = 0: no row (for the primary signature's primary model a row with a note says so);
    * k = 1: no pooling; the cohort's own estimate and Wald CI, method/test ``none``, tau2,
      I2, Q, prediction interval NA, with a note;
    * k >= 2: one row with the configured ``test`` (default ``knha``: Hartung-Knapp-Sidik-
      Jonkman, t with k - 1 df) and one with the other test (``z``/``knha``) as SENSITIVITY;
      prediction interval as ``predict.rma``. With k = 2, tau2, I2 and the prediction
      interval are NA (not estimable from two cohorts) and the note says so; Q and its p are
      kept (1 df, descriptive).

    ``analysis``: ``primary`` for the primary signature's univariable model in the validation
    pool with the configured test; ``secondary`` for the other signatures/models there;
    ``sensitivity`` for the all-cohort pool, the other test and the re-estimated univariable
    models of frozen-validated cohorts. Leave-one-out (primary
    signature, each pool with k >= 3, configured test) is SENSITIVITY.
    """
    if test not in ("z", "knha"):
        raise ValueError(f"test must be 'z' or 'knha', got {test!r}")
    hr = pooling_rows(cox_tables, roles, frozen_tables)
    tests = [test, "knha" if test == "z" else "z"]
    meta_rows, loo_rows = [], []
    for (sig, model), sub in hr.groupby(["signature", "model"], sort=False):
        for pool in POOLS:
            ps = sub[_pool_members(sub, pool)]
            yi, sei = ps["log_hr"].to_numpy(float), ps["se"].to_numpy(float)
            ok = np.isfinite(yi) & np.isfinite(sei) & (sei > 0)
            k = int(ok.sum())
            base = {"signature": sig, "model": model, "pool": pool, "k": k, "cohorts": ",".join(ps["cohort"][ok])}
            if k == 0:
                if pool == "validation" and sig == primary and model == PRIMARY_POOLED_MODEL:
                    meta_rows.append({**base, "method": "none", "test": "none", "analysis": "primary",
                                      "note": "no validation cohort with an estimate: no primary pooled estimate "
                                              "(see the all-cohort sensitivity rows)"})
                continue
            if k == 1:
                r = ps[ok].iloc[0]
                meta_rows.append({**base, "method": "none", "test": "none",
                                  "analysis": _meta_label(sig, model, pool, "none", primary=primary,
                                                          primary_test=test),
                                  "hr": r["hr"], "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"], "p": r["p"],
                                  "estimate": r["log_hr"], "se": r["se"],
                                  "note": f"k = 1: no pooling; the single cohort's ({r['cohort']}) own estimate "
                                          "with its Wald CI; heterogeneity not estimable"})
                continue
            fits = {tst: meta_mod.rma(yi[ok], sei[ok], method=method, test=tst) for tst in tests}
            narrow = (fits["knha"]["ci_ub"] - fits["knha"]["ci_lb"]) < (fits["z"]["ci_ub"] - fits["z"]["ci_lb"])
            for tst in tests:
                m = fits[tst]
                row = {**base, "method": m["method"], "test": m["test"],
                       "analysis": _meta_label(sig, model, pool, tst, primary=primary, primary_test=test),
                       "hr": math.exp(m["estimate"]), "ci_lower": math.exp(m["ci_lb"]),
                       "ci_upper": math.exp(m["ci_ub"]), "p": m["pval"], "estimate": m["estimate"], "se": m["se"],
                       "tau2": m["tau2"], "I2": m["I2"], "QE": m["QE"], "QEp": m["QEp"],
                       "pi_lower": math.exp(m["pi_lb"]), "pi_upper": math.exp(m["pi_ub"]), "note": "",
                       "tau2_fit": m["tau2"]}
                if k == 2:
                    row.update(tau2=np.nan, I2=np.nan, pi_lower=np.nan, pi_upper=np.nan,
                               note=K2_NOTE.format(method=m["method"], tau2=m["tau2"],
                                                   knha="; the HKSJ CI uses a t distribution with 1 df"
                                                   if tst == "knha" else ""))
                if tst == "knha" and narrow:
                    row["note"] = (row["note"] + " " if row["note"] else "") + (
                        "The HKSJ CI is narrower than the z CI (the cohorts agree more than their SEs imply; "
                        "metafor's unmodified knha, as configured): read it with the z sensitivity row.")
                meta_rows.append(row)
            if sig == primary and k > 2:
                loo = meta_mod.leave_one_out(yi[ok], sei[ok], list(ps["cohort"][ok]), method=method, test=test)
                if k == 3:  # every leave-one-out fit has k = 2: heterogeneity not estimable
                    loo[["tau2", "I2"]] = np.nan
                for col, val in (("signature", sig), ("model", model), ("pool", pool), ("test", test),
                                 ("analysis", "sensitivity")):
                    loo[col] = val
                loo_rows.append(loo[LOO_COLUMNS])
    meta_df = pd.DataFrame(meta_rows).reindex(columns=META_COLUMNS)
    loo_df = pd.concat(loo_rows, ignore_index=True) if loo_rows else pd.DataFrame(columns=LOO_COLUMNS)
    return hr, meta_df, loo_df


def forest_data(hr: pd.DataFrame, meta: pd.DataFrame, primary: str) -> tuple[pd.DataFrame, dict | None,
                                                                            tuple[float, float] | None]:
    """What the forest plot of the primary signature shows: every cohort's univariable row
    (labelled with n, events and ``[disc.]`` for discovery cohorts) with its weight in the
    pooled estimate drawn (percent, as ``metafor::weights.rma.uni``: w_i = 1 / (se_i^2 +
    tau^2) over the pooled cohorts, normalised to 100; 0 for a cohort outside the pool), the
    pooled estimate of the primary analysis (validation cohorts, configured test) with its
    heterogeneity text, and its prediction interval (only when estimable: k >= 3). When the
    validation pool cannot be pooled (k < 2), the all-cohort SENSITIVITY estimate is drawn
    instead, labelled so."""
    from . import fmt
    sel = hr[(hr["signature"] == primary) & (hr["model"] == PRIMARY_POOLED_MODEL)].copy()
    role = sel["role"] if "role" in sel.columns else pd.Series("validation", index=sel.index)
    sel["label"] = sel["cohort"] + np.where(role == "discovery", " [disc.]", "") + " (n=" \
        + sel["n"].astype(int).astype(str) + ", events=" + sel["events"].astype(int).astype(str) + ")"
    sel["weight"] = np.nan
    m = meta[(meta["signature"] == primary) & (meta["model"] == PRIMARY_POOLED_MODEL)]
    if "analysis" in m.columns and (m["analysis"] == "primary").any():
        prim = m[m["analysis"] == "primary"].iloc[0]
    elif len(m):
        prim = m.iloc[0]
    else:
        return sel, None, None
    r, prefix = prim, "Validation cohorts"
    if not (np.isfinite(prim["k"]) and prim["k"] >= 2):
        alt = m[(m["pool"] == "all") & (m["k"] >= 2)] if "pool" in m.columns else m.iloc[:0]
        if not len(alt):  # (the configured test's row comes first)
            return sel, None, None
        r, prefix = alt.iloc[0], "All cohorts, SENSITIVITY"
    tau2 = float(r["tau2_fit"]) if "tau2_fit" in r.index and np.isfinite(float(r["tau2_fit"])) else 0.0
    used = set(str(r["cohorts"]).split(","))
    se = pd.to_numeric(sel["se"], errors="coerce").to_numpy(float)
    w = np.where(sel["cohort"].isin(used).to_numpy() & np.isfinite(se) & (se > 0), 1.0 / (se ** 2 + tau2), 0.0)
    sel["weight"] = 100 * w / w.sum() if w.sum() > 0 else np.nan
    test = ", HKSJ" if r["test"] == "knha" else ""
    k = int(r["k"])
    if k >= 3:
        text = f"I2 = {fmt.pct(r.I2)}, tau2 = {fmt.sig(r.tau2)}, k = {k}"
    else:
        text = "k = 2: tau2, I2, PI not estimable"
    if prefix != "Validation cohorts":
        text += f"\n{int(prim['k'])} validation cohort(s): not pooled"
    pooled = {"hr": r.hr, "ci_lower": r.ci_lower, "ci_upper": r.ci_upper,
              "label": f"{prefix} ({r.method}{test})", "text": text}
    pi = (r.pi_lower, r.pi_upper) if k >= 3 and np.isfinite(r.pi_lower) and np.isfinite(r.pi_upper) else None
    return sel, pooled, pi
