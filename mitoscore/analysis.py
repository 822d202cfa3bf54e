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

from . import multiple, power, response, scores, signatures, survival
from . import maxstat as maxstat_mod
from . import meta as meta_mod
from .errors import InputError, ModelSkipped

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
        signatures.check_coverage(cov, min_coverage, file=signature_files.get(name, name))
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


def survival_cohort(score_long: pd.DataFrame, clinical: pd.DataFrame, *, primary: str,
                    covariates: list[str] = (), reference_levels: dict[str, str] | None = None,
                    strata: list[str] = (), treatment: bool = False, reference_arm: str | None = None,
                    min_events: int = 10, min_epv: float = 5.0, horizons=(12, 24), n_bootstrap: int = 200,
                    seed: int = 1, cut_rule: str = "median") -> SurvivalResult:
    """All survival / response analyses of one cohort for every scored signature.

    Models (lifelines Cox, Efron ties, tight convergence = R coxph):
      * ``univariable``: HR per SD of the score (the pre-declared validation analysis);
      * ``multivariable``: score + configured covariates (explicit reference levels, strata);
      * ``group``: high vs low by the pre-declared cut (two-group rules only);
    plus KM and log-rank by the pre-declared groups, survival 3.x ``cox.zph`` checks,
    the score x treatment interaction (LR test, per-arm HRs), Harrell's/Uno's C with
    bootstrap CIs, time-dependent AUC, C gain over the clinical model, response
    (logistic OR per SD, AUROC), maxstat (EXPLORATORY), and Schoenfeld power.
    A model that cannot be fitted is skipped and recorded in ``skipped``.
    """
    reference_levels = dict(reference_levels or {})
    covariates, strata = list(covariates), list(strata)
    cox_rows, lr_rows, km_rows, med_rows, zph_rows, int_rows = [], [], [], [], [], []
    disc_rows, resp_rows, ms_rows, skipped = [], [], [], []
    rng_seed = int(seed)

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
            lr = survival.logrank_test(t, e, df["group"].to_numpy())
            row = {"signature": sig, "kind": kind, "grouping": cut_rule, "chisq": lr["chisq"], "df": lr["df"],
                   "p": lr["p"], "n": lr["n"], "events": lr["events"]}
            for lvl in sorted(lr["observed"]):
                row[f"obs_{lvl}"] = lr["observed"][lvl]
                row[f"exp_{lvl}"] = lr["expected"][lvl]
            lr_rows.append(row)

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
                                              min_events=min_events)
                pa = it["per_arm"].copy()
                pa.insert(0, "signature", sig)
                pa["lr_chisq"], pa["lr_df"], pa["lr_p"] = it["lr_chisq"], it["lr_df"], it["lr_p"]
                pa["reference_arm"] = reference_arm
                int_rows.append(pa)
            except ModelSkipped as exc:
                skip(sig, "interaction", exc.reason)

        # Discrimination
        if uni is not None:
            risk = df[SCORE].to_numpy(float)
            drow = {"signature": sig, "kind": kind, "n": len(df), "events": int(e.sum())}
            hc = survival.bootstrap_ci(survival.harrell_c, (t, e, risk), n_boot=n_bootstrap, seed=rng_seed)
            drow.update({"harrell_c": hc["estimate"], "harrell_c_lower": hc["ci_lower"],
                         "harrell_c_upper": hc["ci_upper"]})
            uc = survival.bootstrap_ci(survival.uno_c, (t, e, risk), n_boot=n_bootstrap, seed=rng_seed)
            drow.update({"uno_c": uc["estimate"], "uno_c_lower": uc["ci_lower"], "uno_c_upper": uc["ci_upper"]})
            try:
                auc = survival.td_auc(t, e, risk, list(horizons))
                for rec in auc.itertuples():
                    drow[f"auc_{rec.horizon:g}m"] = rec.auc
            except (ValueError, ModelSkipped) as exc:
                skip(sig, "td_auc", exc)
            if mv_dm is not None:
                try:
                    clin_terms = [c for c in mv_dm.columns if c != SCORE]
                    cg = survival.c_gain(mv_dm.join(df[[TIME, EVENT]]), TIME, EVENT, clin_terms, SCORE,
                                         n_boot=n_bootstrap, seed=rng_seed)
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
            ms = maxstat_mod.maxstat_logrank(t, e, df["score"].to_numpy(float))
            ms_rows.append({"signature": sig, "kind": kind, "analysis": "EXPLORATORY (data-driven cutpoint)",
                            **{k: ms[k] for k in ("statistic", "cutpoint", "p_lau94", "p_lau92", "n_cuts",
                                                  "n_high")}})
        except (ValueError, ModelSkipped) as exc:
            skip(sig, "maxstat", exc)

    cox = pd.concat(cox_rows, ignore_index=True) if cox_rows else pd.DataFrame(
        columns=["signature", "kind", "model", "term", "hr", "ci_lower", "ci_upper", "p", "n", "events"])
    # primary vs secondary: BH across the secondary univariable score tests
    cox["analysis"] = np.where((cox["signature"] == primary) & (cox["model"] == "univariable"), "primary",
                               "secondary")
    cox["p_bh"] = np.nan
    sec = (cox["model"] == "univariable") & (cox["term"] == SCORE) & (cox["signature"] != primary)
    if sec.any():
        cox.loc[sec, "p_bh"] = multiple.bh(cox.loc[sec, "p"].to_numpy(float))
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

    return SurvivalResult(
        cox=cox, logrank=cat(lr_rows, ["signature", "kind", "grouping", "chisq", "df", "p", "n", "events"]),
        km=cat(km_rows, ["signature", "group", "time", "n_risk", "n_event", "n_censor", "surv", "lower", "upper"]),
        km_median=cat(med_rows, ["signature", "group", "n", "events", "median", "median_lcl", "median_ucl"]),
        cox_zph=cat(zph_rows, ["signature", "model", "term", "chisq", "df", "p"]),
        interaction=cat(int_rows, ["signature", "arm", "hr", "ci_lower", "ci_upper", "p", "n", "events",
                                   "lr_chisq", "lr_df", "lr_p", "reference_arm"]),
        discrimination=cat(disc_rows, ["signature", "kind", "n", "events", "harrell_c"]),
        response=cat(resp_rows, ["signature", "kind", "odds_ratio", "or_ci_lower", "or_ci_upper", "or_p", "n",
                                 "n_responders", "auroc", "auroc_ci_lower", "auroc_ci_upper"]),
        maxstat=cat(ms_rows, ["signature", "kind", "analysis", "statistic", "cutpoint", "p_lau94", "p_lau92",
                              "n_cuts", "n_high"]),
        power=pw, skipped=pd.DataFrame(skipped, columns=["signature", "model", "reason"]))


# --------------------------------------------------------------------------- cross-cohort
def forest_data(hr: pd.DataFrame, meta: pd.DataFrame, primary: str) -> tuple[pd.DataFrame, dict | None,
                                                                            tuple[float, float] | None]:
    """What the forest plot of the primary signature shows: per-cohort univariable rows
    labelled with n and events and their weight in the pooled estimate (percent, as
    ``metafor::weights.rma.uni``: w_i = 1 / (se_i^2 + tau^2), normalised to 100; equal to the
    fixed-effect weights when tau^2 = 0), the pooled random-effects estimate (with I2, tau2,
    k) and the 95% prediction interval -- only when it is estimable, i.e. tau^2 was estimated
    from at least 3 cohorts (with 2 cohorts it is returned as None and not drawn)."""
    from . import fmt
    sel = hr[(hr["signature"] == primary) & (hr["model"] == "univariable")].copy()
    sel["label"] = sel["cohort"] + " (n=" + sel["n"].astype(int).astype(str) + ", events=" \
        + sel["events"].astype(int).astype(str) + ")"
    m = meta[(meta["signature"] == primary) & (meta["model"] == "univariable")]
    if not len(m):
        sel["weight"] = np.nan
        return sel, None, None
    r = m.iloc[0]
    tau2 = float(r.tau2) if np.isfinite(float(r.tau2)) else 0.0
    used = set(str(r.cohorts).split(",")) if isinstance(r.get("cohorts"), str) else set(sel["cohort"])
    se = pd.to_numeric(sel["se"], errors="coerce").to_numpy(float)
    w = np.where(sel["cohort"].isin(used).to_numpy() & np.isfinite(se) & (se > 0), 1.0 / (se ** 2 + tau2), 0.0)
    sel["weight"] = 100 * w / w.sum() if w.sum() > 0 else np.nan
    pooled = {"hr": r.hr, "ci_lower": r.ci_lower, "ci_upper": r.ci_upper,
              "label": f"Random effects ({r.method}{', HK' if r.test == 'knha' else ''})",
              "text": f"I2 = {fmt.pct(r.I2)}, tau2 = {fmt.sig(r.tau2)}, k = {int(r.k)}" if r.k > 1 else "k = 1"}
    return sel, pooled, ((r.pi_lower, r.pi_upper) if r.k >= 3 else None)


def summarise_cohorts(cox_tables: dict[str, pd.DataFrame], *, method: str = "REML", test: str = "z",
                      primary: str = "MITOSCORE") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per-cohort HR table, random-effects meta-analysis per signature and model,
    and leave-one-cohort-out for the primary signature.

    Meta-analysis is on log HR per SD with SE = (log upper - log lower) / (2 * 1.959964),
    i.e. the Wald SE of the Cox coefficient.
    """
    rows = []
    for cohort, t in cox_tables.items():
        sel = t[(t["term"] == SCORE) & t["model"].isin(["univariable", "multivariable"])]
        for rec in sel.to_dict("records"):
            rows.append({"cohort": cohort, "signature": rec["signature"], "kind": rec.get("kind"),
                         "model": rec["model"], "hr": rec["hr"], "ci_lower": rec["ci_lower"],
                         "ci_upper": rec["ci_upper"], "p": rec["p"], "n": rec["n"], "events": rec["events"],
                         "log_hr": math.log(rec["hr"]), "se": rec.get("se", np.nan)})
    hr = pd.DataFrame(rows, columns=["cohort", "signature", "kind", "model", "hr", "ci_lower", "ci_upper", "p",
                                     "n", "events", "log_hr", "se"])
    meta_rows, loo_rows = [], []
    for (sig, model), sub in hr.groupby(["signature", "model"], sort=False):
        yi, sei = sub["log_hr"].to_numpy(float), sub["se"].to_numpy(float)
        ok = np.isfinite(yi) & np.isfinite(sei) & (sei > 0)
        if ok.sum() < 1:
            continue
        m = meta_mod.rma(yi[ok], sei[ok], method=method if ok.sum() > 1 else "FE", test=test)
        meta_rows.append({"signature": sig, "model": model, "method": m["method"], "test": m["test"],
                          "k": m["k"], "cohorts": ",".join(sub["cohort"][ok]), "hr": math.exp(m["estimate"]),
                          "ci_lower": math.exp(m["ci_lb"]), "ci_upper": math.exp(m["ci_ub"]), "p": m["pval"],
                          "estimate": m["estimate"], "se": m["se"], "tau2": m.get("tau2"), "I2": m.get("I2"),
                          "QE": m.get("QE"), "QEp": m.get("QEp"),
                          "pi_lower": math.exp(m["pi_lb"]) if m.get("pi_lb") is not None else np.nan,
                          "pi_upper": math.exp(m["pi_ub"]) if m.get("pi_ub") is not None else np.nan,
                          "analysis": "primary" if (sig == primary and model == "univariable") else "secondary"})
        if sig == primary and ok.sum() > 2:
            loo = meta_mod.leave_one_out(yi[ok], sei[ok], list(sub["cohort"][ok]), method=method, test=test)
            loo.insert(0, "model", model)
            loo.insert(0, "signature", sig)
            loo_rows.append(loo)
    meta_df = pd.DataFrame(meta_rows)
    loo_df = pd.concat(loo_rows, ignore_index=True) if loo_rows else pd.DataFrame(
        columns=["signature", "model", "left_out", "estimate", "ci_lb", "ci_ub", "pval", "tau2", "I2"])
    return hr, meta_df, loo_df
