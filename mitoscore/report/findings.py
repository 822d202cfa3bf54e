"""The findings summary: one verdict per pre-specified hypothesis, per cohort and pooled.

Every row is generated from the result tables by a hypothesis specification
(:class:`Hypothesis`): its question, its verdict rule in words (printed in the analysis
plan) and an ``evaluate(data)`` function that returns :class:`Finding` rows. Verdicts:

* ``met``: the rule holds;
* ``not met``: the analysis ran and the rule does not hold;
* ``not testable``: the analysis could not give an answer (model skipped, too few random
  sets to reach the threshold, ...), with the reason;
* ``not run``: the input table is absent from this run.

To add a hypothesis (e.g. frozen-model validation, calibration, predictive contrast):
write ``evaluate(data) -> list[Finding]`` reading the new table(s) (``cd.t(key)`` /
``data.summary[key]``), and ``register_hypothesis(Hypothesis(id=..., title=...,
rule=..., evaluate=..., needs=(key, ...), section=...))``; the findings table, the
headline counts and the plan section pick it up. No statistic is computed here: a verdict
compares numbers already in the tables with the pre-declared thresholds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from .. import fmt

MET, NOT_MET, NOT_TESTABLE, NOT_RUN = "met", "not met", "not testable", "not run"
SCORE_TERM = "score_per_sd"


@dataclass
class Finding:
    hypothesis: str              # Hypothesis.id
    scope: str                   # cohort id, or "pooled"
    role: str                    # discovery / validation / pooled
    verdict: str
    estimate: str = ""           # e.g. "HR per SD 1.30 (1.12-1.50)"
    p: str = ""                  # e.g. "0.0040", "< 0.001", "descriptive"
    detail: str = ""
    values: dict = field(default_factory=dict)   # raw numbers (data-v) keyed by column name
    p_adj: str = ""              # adjusted within its declared family (summary/multiplicity.tsv), with the family


@dataclass
class Hypothesis:
    id: str
    title: str                   # may contain {primary}
    question: str
    rule: str                    # the verdict rule, may contain {primary}, {alpha}, {direction}
    evaluate: Callable[..., list[Finding]]   # evaluate(data, hypothesis) -> list[Finding]
    needs: tuple[str, ...] = ()  # input keys (cohort or summary scope) the evaluation reads
    section: str = ""            # anchor of the detailed section
    label: str = "SECONDARY"     # PRIMARY / SECONDARY / EXPLORATORY
    scope: str = "cohort"        # cohort / pooled

    def fill(self, text: str, data) -> str:
        return text.format(primary=data.primary, alpha=f"{alpha(data):g}", direction=direction_text(data),
                           n_min=fmt.count(_min_random_sets(data)))


# --------------------------------------------------------------------------- helpers
def alpha(data) -> float:
    return float(data.report_cfg.get("alpha", 0.05))


def increased(data) -> bool:
    return data.report_cfg.get("hypothesis_direction", "increased_hazard") != "decreased_hazard"


def direction_text(data) -> str:
    return "HR per SD > 1 (higher score, higher hazard)" if increased(data) else \
        "HR per SD < 1 (higher score, lower hazard)"


def _min_random_sets(data) -> int:
    """Random sets needed for the empirical p (1 + b) / (n + 1) to be able to fall below alpha:
    the smallest n with 1 / (n + 1) < alpha."""
    a = alpha(data)
    return int(np.floor(1 / a - 1 + 1e-9)) + 1 if a > 0 else 0


def directional_verdict(data, est: float, p: float) -> tuple[str, str]:
    """Pre-specified directional rule on a ratio: met iff p < alpha and the estimate lies on
    the hypothesised side of 1 (with alpha = 0.05 and a Wald p: the 95% CI excludes 1 on that
    side)."""
    if not (fmt.finite(est) and fmt.finite(p)):
        return NOT_TESTABLE, "estimate or p not available"
    right_side = est > 1 if increased(data) else est < 1
    if p < alpha(data) and right_side:
        return MET, ""
    if p < alpha(data):
        return NOT_MET, "significant in the opposite direction"
    return NOT_MET, f"p >= {alpha(data):g}"


def _skip_reason(cd, signature: str, model: str) -> str:
    sk = cd.t("skipped")
    if sk is not None and not sk.empty and {"signature", "model"} <= set(sk.columns):
        r = sk[(sk["signature"] == signature) & (sk["model"] == model)]
        if len(r):
            return f"model skipped: {r['reason'].iloc[0]}"
    return "no result row for this model"


def _not_run(h: "Hypothesis", scope: str = "all cohorts", role: str = "") -> Finding:
    return Finding(h.id, scope, role, NOT_RUN, detail="input table(s) " + ", ".join(h.needs) + " absent from this run")


def _primary_row(cox: pd.DataFrame, signature: str, model: str):
    r = cox[(cox["signature"] == signature) & (cox["model"] == model) & (cox["term"] == SCORE_TERM)]
    return r.iloc[0] if len(r) else None


def adjusted(data, *, cohort: str, source: str, signature: str, model: str | None = None,
             term: str | None = None, contrast: str | None = None) -> str:
    """'0.012 (primary family, BH)': the test's p adjusted within its declared family, from
    ``summary/multiplicity.tsv`` (matched on cohort, source table, signature and, when given,
    model, term and contrast); '' when the table or the row is absent."""
    mt = data.summary.get("multiplicity")
    if mt is None or mt.empty:
        return ""
    m = (mt["cohort"].astype(str) == str(cohort)) & (mt["source"] == source) & (mt["signature"] == signature)
    for col, v in (("model", model), ("term", term), ("contrast", contrast)):
        if v is not None:
            m &= mt[col].astype(str) == str(v)
    r = mt[m]
    if not len(r):
        return ""
    r = r.iloc[0]
    return f"{fmt.p(r['p_adj'])} ({r['family']}, {r['method']})"


def _ratio_values(r) -> dict:
    return {"hr": r["hr"], "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"], "p": r["p"]}


# --------------------------------------------------------------------------- evaluators
def _cox_rule(model: str, label: str):
    def evaluate(data, h) -> list[Finding]:
        out = []
        for name, cd in data.cohorts.items():
            cox = cd.t("cox")
            fz = cd.t("frozen_cox")
            frozen = None
            if model == "univariable" and fz is not None and len(fz):
                sel = fz[(fz["signature"] == data.primary) & (fz["model"] == "frozen_score")]
                frozen = sel.iloc[0] if len(sel) else None
            if frozen is not None:
                r, lab, source, mname = frozen, "frozen model: HR per discovery SD", "validation/frozen_cox.tsv", \
                    "frozen_score"
            elif model == "univariable" and fz is not None:  # frozen-validated cohort, no frozen-model HR
                st = cd.t("frozen_status")
                why = ""
                if st is not None and len(st) and {"signature", "model", "note"} <= set(st.columns):
                    s_ = st[(st["signature"] == data.primary) & (st["model"] == "frozen_score")]
                    why = "; ".join(str(x) for x in s_["note"].dropna() if str(x))
                out.append(Finding(h.id, name, cd.role, NOT_TESTABLE,
                                   detail="the frozen model's HR could not be estimated"
                                          + (f": {why}" if why else " (see validation/status.tsv)")))
                continue
            elif cox is None:
                out.append(_not_run(h, name, cd.role))
                continue
            else:
                r = _primary_row(cox, data.primary, model)
                lab, source, mname = label, "survival/cox.tsv", model
            if r is None:
                out.append(Finding(h.id, name, cd.role, NOT_TESTABLE, detail=_skip_reason(cd, data.primary, model)))
                continue
            v, why = directional_verdict(data, r["hr"], r["p"])
            detail = f"n = {fmt.count(r.get('n'))}, deaths = {fmt.count(r.get('events'))}"
            if why and v != MET:
                detail += f"; {why}"
            out.append(Finding(h.id, name, cd.role, v, f"{lab} {fmt.ratio_ci(r['hr'], r['ci_lower'], r['ci_upper'])}",
                               fmt.p(r["p"]), detail, _ratio_values(r),
                               adjusted(data, cohort=name, source=source, signature=data.primary, model=mname)))
        return out
    return evaluate


def _pooled(data, h) -> list[Finding]:
    ma = data.summary.get("meta_analysis")
    if ma is None:
        return [_not_run(h, "pooled", "pooled")]
    r = ma[(ma["signature"] == data.primary) & (ma["model"] == "univariable")]
    if "analysis" in ma.columns:
        r = r[r["analysis"] == "primary"]
    if not len(r):
        return [Finding(h.id, "pooled", "pooled", NOT_TESTABLE, detail="no primary pooled row for the primary signature")]
    r = r.iloc[0]
    k = int(r["k"]) if fmt.finite(r.get("k")) else 0
    if k < 2:
        why = str(r.get("note") or "") or f"{k} validation cohort(s)"
        return [Finding(h.id, "pooled", "pooled", NOT_TESTABLE,
                        f"HR per SD {fmt.ratio_ci(r['hr'], r['ci_lower'], r['ci_upper'])}" if fmt.finite(r.get("hr"))
                        else "", fmt.p(r.get("p")),
                        f"pooling needs at least 2 validation cohorts; {why}", _ratio_values(r) if fmt.finite(r.get("hr"))
                        else {})]
    v, why = directional_verdict(data, r["hr"], r["p"])
    detail = (f"k = {k} validation cohort(s): {str(r.get('cohorts', '')).replace(',', ', ')}; {r.get('method', '')} "
              f"{'Hartung-Knapp-Sidik-Jonkman' if r.get('test') == 'knha' else 'z test'}")
    if k >= 3:
        detail += f"; I2 = {fmt.pct(r.get('I2'))}, tau2 = {fmt.sig(r.get('tau2'))}"
    else:
        detail += "; tau2, I2 and the prediction interval are not estimable from 2 cohorts"
    if why and v != MET:
        detail += f"; {why}"
    adj = ""
    mt = data.summary.get("multiplicity")
    if mt is not None and len(mt) and "p_adj" in ma.columns and fmt.finite(r.get("p_adj")):
        adj = f"{fmt.p(r['p_adj'])} ({r.get('family', '')}, {mt['method'].iloc[0]})"
    return [Finding(h.id, "pooled", "pooled", v, f"HR per SD {fmt.ratio_ci(r['hr'], r['ci_lower'], r['ci_upper'])}",
                    fmt.p(r["p"]), detail, _ratio_values(r), adj)]


def _random_null(data, h) -> list[Finding]:
    out = []
    a, n_min = alpha(data), _min_random_sets(data)
    for name, cd in data.cohorts.items():
        t = cd.t("random_null_summary")
        if t is None:
            out.append(_not_run(h, name, cd.role))
            continue
        r = t[t["signature"] == data.primary] if "signature" in t else t.iloc[:0]
        if not len(r):
            out.append(Finding(h.id, name, cd.role, NOT_TESTABLE, detail="no random-set row for the primary signature"))
            continue
        r = r.iloc[0]
        n = r.get("n_valid", r.get("n_random"))
        est = (f"|z| {fmt.num(abs(r['observed_z']))} at percentile {fmt.num(r.get('percentile_abs_z'), 1)} of "
               f"{fmt.count(n)} valid random sets") if fmt.finite(r.get("observed_z")) else "NA"
        vals = {"empirical_p": r.get("empirical_p"), "n_random": n, "percentile_abs_z": r.get("percentile_abs_z")}
        if not fmt.finite(n) or int(n) < n_min:
            out.append(Finding(h.id, name, cd.role, NOT_TESTABLE, est, fmt.p(r.get("empirical_p")),
                               f"{fmt.count(n)} random sets cannot give an empirical p below {a:g} "
                               f"(needs at least {n_min})", vals))
            continue
        v = MET if fmt.finite(r.get("empirical_p")) and float(r["empirical_p"]) < a else NOT_MET
        failed = r.get("n_failed")
        out.append(Finding(h.id, name, cd.role, v, est, fmt.p(r.get("empirical_p")),
                           "empirical p = (1 + #random |z| >= observed |z|) / (n + 1) over the valid draws"
                           + (f"; {fmt.count(failed)} draws excluded (model not fitted)" if fmt.finite(failed)
                              and float(failed) > 0 else ""), vals,
                           adjusted(data, cohort=name, source="random_null/summary.tsv", signature=data.primary)))
    return out


def comparator_names(data) -> list[str]:
    """The comparators of the plan: the other configured signatures, the single genes and the
    gene ratios (the derived signature is a candidate, not a comparator)."""
    derived = (data.config.get("derivation") or {}).get("name") if (data.config.get("derivation") or {}).get(
        "enabled") else None
    sc = data.config.get("scoring", {}) or {}
    names = [s["name"] for s in data.config.get("signatures", []) if s["name"] not in (data.primary, derived)]
    names += list(sc.get("single_genes", []) or []) + [f"{a}_{b}_ratio" for a, b in sc.get("gene_ratios", []) or []]
    return names


def _comparators(data, h) -> list[Finding]:
    out = []
    comps = set(comparator_names(data))
    for name, cd in data.cohorts.items():
        cox = cd.t("cox")
        if cox is None:
            out.append(_not_run(h, name, cd.role))
            continue
        uni = cox[(cox["model"] == "univariable") & (cox["term"] == SCORE_TERM)]
        prim = uni[uni["signature"] == data.primary]
        others = uni[uni["signature"].isin(comps)]
        if not len(prim) or not len(others) or "z" not in uni:
            out.append(Finding(h.id, name, cd.role, NOT_TESTABLE,
                               detail="primary or comparator models not available"))
            continue
        pz = abs(float(prim["z"].iloc[0]))
        az = others["z"].abs()
        best = others.loc[az.idxmax()]
        rank = 1 + int((az > pz).sum())
        v = MET if pz > float(az.max()) else NOT_MET
        out.append(Finding(h.id, name, cd.role, v,
                           f"|z| {fmt.num(pz)} vs best comparator {best['signature']} |z| {fmt.num(abs(best['z']))}",
                           "descriptive", f"rank {rank} of {len(others) + 1} by |Wald z| of the univariable HR per SD",
                           {"primary_abs_z": pz, "best_comparator_abs_z": float(az.max())}))
    return out


def _c_gain(data, h) -> list[Finding]:
    out = []
    for name, cd in data.cohorts.items():
        d = cd.t("discrimination")
        if d is None:
            out.append(_not_run(h, name, cd.role))
            continue
        r = d[d["signature"] == data.primary] if "signature" in d else d.iloc[:0]
        col = "cgain_delta_corrected" if "cgain_delta_corrected" in d.columns else "cgain_delta"
        if not len(r) or col not in r or not fmt.finite(r[col].iloc[0]):
            out.append(Finding(h.id, name, cd.role, NOT_TESTABLE,
                               detail="no C gain (no clinical covariates, or the model was skipped)"))
            continue
        r = r.iloc[0]
        lo, hi = r.get(f"{col}_ci_lower"), r.get(f"{col}_ci_upper")
        vals = {col: r[col], f"{col}_ci_lower": lo, f"{col}_ci_upper": hi}
        corrected = col.endswith("corrected")
        est = (f"C {fmt.num(r.get('cgain_c_clinical'))} -> {fmt.num(r.get('cgain_c_full'))} (apparent); "
               f"{'optimism-corrected ' if corrected else ''}gain {fmt.ci(r[col], lo, hi, 3)}")
        if not (fmt.finite(lo) and fmt.finite(hi)):
            out.append(Finding(h.id, name, cd.role, NOT_TESTABLE, est, "", "no bootstrap CI (n_bootstrap = 0)", vals))
            continue
        v = MET if float(lo) > 0 else NOT_MET
        n_used = r.get("cgain_n_boot_used", r.get("cgain_n_boot"))
        out.append(Finding(h.id, name, cd.role, v, est, "CI",
                           ("Harrell's bootstrap optimism correction, location-shifted percentile CI"
                            if corrected else "apparent (in-sample) Harrell C, percentile bootstrap CI")
                           + f" ({fmt.count(n_used)} resamples"
                           + (f", {fmt.count(r.get('cgain_n_boot_failed'))} failed" if fmt.finite(
                               r.get("cgain_n_boot_failed")) and float(r.get("cgain_n_boot_failed")) > 0 else "")
                           + ")", vals))
    return out


def _contrasts(data) -> list[dict]:
    return [c for c in ((data.config.get("predictive") or {}).get("contrasts") or []) if isinstance(c, dict)]


def benefit_increases(con: dict) -> bool:
    return con.get("direction", "benefit_increases") != "benefit_decreases"


def _predictive(data, h) -> list[Finding]:
    """One row per cohort and pre-declared contrast: the adjusted 1-df score x arm interaction
    of the primary signature (survival/predictive.tsv, term ``interaction``)."""
    out = []
    a = alpha(data)
    cons = _contrasts(data)
    for name, cd in data.cohorts.items():
        pr = cd.t("predictive")
        st = cd.t("predictive_contrasts")
        if pr is None:
            out.append(_not_run(h, name, cd.role))
            continue
        for con in cons:
            cname = con["name"]
            scope = f"{name}: {con['test_arm']} vs {con['reference_arm']}"
            r = pr[(pr["signature"] == data.primary) & (pr["contrast"] == cname) & (pr["term"] == "interaction")] \
                if len(pr) else pr
            if not len(r):
                why = ""
                if st is not None and len(st):
                    s_ = st[st["contrast"] == cname]
                    if len(s_) and s_["status"].iloc[0] != "analysed":
                        why = str(s_["reason"].iloc[0])
                out.append(Finding(h.id, scope, cd.role, NOT_TESTABLE,
                                   detail=why or _skip_reason(cd, data.primary, f"interaction[{cname}]")))
                continue
            r = r.iloc[0]
            p = r.get("lr_p")
            inc = benefit_increases(con)
            if not (fmt.finite(p) and fmt.finite(r.get("hr"))):
                v, why = NOT_TESTABLE, "estimate or p not available"
            elif float(p) < a and ((r["hr"] < 1) == inc):
                v, why = MET, ""
            elif float(p) < a:
                v, why = NOT_MET, "significant in the opposite direction"
            else:
                v, why = NOT_MET, f"p >= {a:g}"
            detail = (f"n = {fmt.count(r.get('n'))} ({fmt.count(r.get('n_test'))} {con['test_arm']}, "
                      f"{fmt.count(r.get('n_reference'))} {con['reference_arm']}), deaths = "
                      f"{fmt.count(r.get('events'))}; likelihood-ratio test (1 df), adjusted for the cohort's "
                      f"covariates and strata" + (f"; {why}" if why else ""))
            out.append(Finding(h.id, scope, cd.role, v,
                               f"interaction HR per SD {fmt.ratio_ci(r['hr'], r['ci_lower'], r['ci_upper'])}",
                               fmt.p(p), detail, {"hr": r["hr"], "ci_lower": r["ci_lower"],
                                                  "ci_upper": r["ci_upper"], "lr_p": p},
                               adjusted(data, cohort=name, source="survival/predictive.tsv",
                                        signature=data.primary, term="interaction", contrast=cname)))
    return out


def _calibration(data, h) -> list[Finding]:
    """Validation cohorts with a frozen model: calibration of the frozen univariable score model."""
    out = []
    for name, cd in data.cohorts.items():
        if cd.role != "validation":
            continue
        cal = cd.t("calibration")
        if cal is None:
            out.append(Finding(h.id, name, cd.role, NOT_RUN, detail="no frozen model applied to this cohort "
                                                                     "(no discovery cohort in the run?)"))
            continue
        r = cal[(cal["signature"] == data.primary) & (cal["model"] == "univariable")] if len(cal) else cal
        if not len(r) or not fmt.finite(r["slope"].iloc[0]):
            out.append(Finding(h.id, name, cd.role, NOT_TESTABLE, detail="calibration not estimated "
                                                                          "(see validation/status.tsv)"))
            continue
        r = r.iloc[0]
        slope_ok = fmt.finite(r.get("slope_lower")) and float(r["slope_lower"]) <= 1 <= float(r["slope_upper"])
        oe_ok = fmt.finite(r.get("oe_lower")) and float(r["oe_lower"]) <= 1 <= float(r["oe_upper"])
        v = MET if slope_ok and oe_ok else NOT_MET
        why = [] if v == MET else ([] if slope_ok else ["slope CI excludes 1"]) + ([] if oe_ok else ["O/E CI excludes 1"])
        est = (f"slope {fmt.ci(r['slope'], r['slope_lower'], r['slope_upper'])}; O/E "
               f"{fmt.ci(r['oe'], r['oe_lower'], r['oe_upper'])}")
        ibs = r.get("ibs")
        detail = (f"n = {fmt.count(r.get('n'))}, deaths = {fmt.count(r.get('events'))}"
                  + (f"; integrated Brier {fmt.num(ibs, 3)} vs {fmt.num(r.get('ibs_null'), 3)} (Kaplan-Meier null)"
                     if fmt.finite(ibs) else "") + (f"; {', '.join(why)}" if why else ""))
        out.append(Finding(h.id, name, cd.role, v, est, "CI", detail,
                           {"slope": r["slope"], "slope_lower": r["slope_lower"], "slope_upper": r["slope_upper"],
                            "oe": r["oe"]}))
    if not out:
        out.append(Finding(h.id, "all cohorts", "", NOT_RUN, detail="no validation cohort in this run"))
    return out


# --------------------------------------------------------------------------- registry
HYPOTHESES: list[Hypothesis] = [
    Hypothesis("prognostic", "Primary: {primary} is prognostic for overall survival",
               "Is a higher {primary} score associated with overall survival in the pre-specified direction?",
               "Univariable Cox model of the score: in a validation cohort with a frozen model, the score "
               "standardised with the discovery cohort's mean and SD (HR per discovery SD, TRIPOD external "
               "validation); elsewhere the within-cohort z-score. Met when p < {alpha} and {direction} (with "
               "alpha 0.05 and the Wald p: the 95% CI excludes 1 on that side). Validation cohorts decide; the "
               "discovery cohort, where the model is fitted, is shown but is not a validation. p unadjusted; "
               "the family-wise adjusted p (primary family) is shown beside it.",
               _cox_rule("univariable", "HR per SD"), ("cox",), "cox", "PRIMARY"),
    Hypothesis("pooled", "Primary, pooled: {primary} across cohorts",
               "Is the pooled HR per SD in the pre-specified direction?",
               "Random-effects meta-analysis of the validation cohorts' log HR per SD (the frozen model's, "
               "REML with the configured test, Hartung-Knapp-Sidik-Jonkman by default): met when p < {alpha} and "
               "{direction}; not testable with fewer than 2 validation cohorts (the all-cohort pooling is a "
               "sensitivity analysis).",
               _pooled, ("meta_analysis",), "meta", "PRIMARY", "pooled"),
    Hypothesis("independent", "{primary} is independent of the clinical covariates",
               "Does the association hold after adjustment for the configured covariates?",
               "Pre-specified multivariable Cox model (score + covariates of the cohort sheet): met when the "
               "score's p < {alpha} and {direction}.",
               _cox_rule("multivariable", "adjusted HR per SD"), ("cox",), "cox"),
    Hypothesis("random_null", "{primary} beats random gene sets of its size",
               "Is the association stronger than that of random gene sets of the same size?",
               "Empirical p of the observed |Wald z| among random size-matched gene sets scored and modelled like "
               "the signature: met when the empirical p < {alpha}; not testable with fewer than {n_min} "
               "random sets.",
               _random_null, ("random_null_summary",), "null"),
    Hypothesis("comparators", "{primary} beats the comparators",
               "Is the association stronger than that of each comparator (other signatures, single genes)?",
               "Descriptive ranking, no formal test: met when the primary's |Wald z| of the univariable HR per SD "
               "is larger than every comparator's in the cohort.",
               _comparators, ("cox",), "null"),
    Hypothesis("c_gain", "{primary} adds discrimination to the clinical model",
               "Does adding the score to the clinical covariates increase Harrell's C?",
               "C of the Cox model clinical covariates + score minus C of the clinical model (apparent, in-sample): "
               "met when the lower bound of its bootstrap 95% CI is above 0.",
               _c_gain, ("discrimination",), "discrimination"),
    Hypothesis("predictive", "{primary} predicts the benefit of the pre-declared regimen",
               "Does the benefit of the test arm over the reference arm change with the score, as hypothesised?",
               "Per pre-declared contrast (test arm vs reference arm, the two arms only): Cox model score + arm + "
               "score x arm + the cohort's covariates and strata; the 1-df likelihood-ratio test of the interaction "
               "(family as declared, default secondary): met when p < {alpha} and the interaction HR per SD is < 1 "
               "(the test arm's relative benefit grows with the score; > 1 when the contrast declares "
               "direction benefit_decreases).",
               _predictive, ("predictive",), "predictive"),
    Hypothesis("calibration", "The frozen {primary} model is calibrated in the validation cohorts",
               "Does the model frozen in the discovery cohort predict the validation cohorts' survival?",
               "Frozen univariable score model applied unchanged: met when the 95% CI of the calibration slope "
               "(Cox regression on the frozen linear predictor) contains 1 and the 95% CI of observed / expected "
               "deaths (calibration-in-the-large) contains 1. Descriptive check, not in a multiplicity family.",
               _calibration, ("calibration",), "validation"),
]


def register_hypothesis(h: Hypothesis, *, after: str | None = None) -> None:
    """Add (or replace, by id) a hypothesis; ``after``: id to insert after (default: end)."""
    for i, old in enumerate(HYPOTHESES):
        if old.id == h.id:
            HYPOTHESES[i] = h
            return
    if after is not None:
        idx = next((i for i, x in enumerate(HYPOTHESES) if x.id == after), len(HYPOTHESES) - 1)
        HYPOTHESES.insert(idx + 1, h)
    else:
        HYPOTHESES.append(h)


def evaluate_all(data, hypotheses: Sequence[Hypothesis] | None = None) -> list[tuple[Hypothesis, list[Finding]]]:
    out = []
    for h in (HYPOTHESES if hypotheses is None else hypotheses):
        out.append((h, h.evaluate(data, h)))
    return out


def headline(data, results: Sequence[tuple[Hypothesis, list[Finding]]]) -> dict:
    """The one-screen answer: primary hypothesis in the validation cohorts and pooled."""
    by = {h.id: f for h, f in results}
    prim = [f for f in by.get("prognostic", []) if f.role == "validation"]
    met = [f for f in prim if f.verdict == MET]
    testable = [f for f in prim if f.verdict in (MET, NOT_MET)]
    if not prim:
        status, text = "not testable", "no validation cohort in this run"
    elif not testable:
        status, text = "not testable", "the primary analysis could not be run in any validation cohort"
    elif len(met) == len(prim):
        status, text = "validated", f"met in {len(met)} of {len(prim)} validation cohort(s)"
    elif met:
        status, text = "partly validated", f"met in {len(met)} of {len(prim)} validation cohort(s)"
    else:
        status, text = "not validated", f"met in 0 of {len(prim)} validation cohort(s)"
    pooled = (by.get("pooled") or [None])[0]
    return {"status": status, "text": text, "validation": prim, "pooled": pooled,
            "discovery": [f for f in by.get("prognostic", []) if f.role == "discovery"]}


# --------------------------------------------------------------------------- planted truth (SYNTHETIC demo)
TRUTH_COLUMNS = ["cohort", "quantity", "truth", "estimate", "ci_lower", "ci_upper", "covered", "source"]


def truth_table(data) -> pd.DataFrame | None:
    """Planted truth (resources/demo/truth.json, the simulator's Monte-Carlo population values)
    next to the workflow's estimates, for the SYNTHETIC demo only (``report.demo_truth``).
    ``covered``: the planted value lies inside the estimate's 95% CI (yes / no)."""
    truth = data.truth
    if not truth:
        return None
    rows = []
    tc = truth.get("cohorts", {})
    for name, cd in data.cohorts.items():
        t = tc.get(name)
        if not t:
            rows.append({"cohort": name, "quantity": "no planted truth for this cohort", "source": ""})
            continue
        pop = t.get("population_values_monte_carlo", {}) or {}

        def add(q, tv, est=np.nan, lo=np.nan, hi=np.nan, src=""):
            cov = "NA"
            if fmt.finite(tv) and fmt.finite(lo) and fmt.finite(hi):
                cov = "yes" if float(lo) <= float(tv) <= float(hi) else "no"
            rows.append({"cohort": name, "quantity": q, "truth": tv, "estimate": est, "ci_lower": lo,
                         "ci_upper": hi, "covered": cov, "source": src})

        pw = cd.t("power")
        add("patients analysed", t.get("n_samples"), pw["n"].iloc[0] if pw is not None and len(pw) else np.nan,
            src="survival/power.tsv")
        add("deaths", t.get("n_events"), pw["events"].iloc[0] if pw is not None and len(pw) else np.nan,
            src="survival/power.tsv")
        cox = cd.t("cox")
        r = _primary_row(cox, data.primary, "univariable") if cox is not None else None
        add(f"univariable HR per SD, all arms ({data.primary} vs planted latent OXPHOS z)",
            pop.get("univariable_hr_per_sd_latent_z"), *((r["hr"], r["ci_lower"], r["ci_upper"]) if r is not None
                                                          else (np.nan,) * 3), src="survival/cox.tsv")
        it = cd.t("interaction")
        for arm, tv in (pop.get("univariable_hr_per_sd_latent_z_by_arm") or {}).items():
            rr = it[(it["signature"] == data.primary) & (it["arm"] == arm)] if it is not None and len(it) else []
            vals = ((rr["hr"].iloc[0], rr["ci_lower"].iloc[0], rr["ci_upper"].iloc[0]) if len(rr) else (np.nan,) * 3)
            add(f"HR per SD within {arm}", tv, *vals, src="survival/interaction.tsv")
        n_de = len(t.get("de_genes", {}) or {})
        for con in cd.subs("de_summary"):
            ds = cd.t("de_summary", con)
            spec = next((c for c in data.config.get("de", {}).get("contrasts", []) if c["name"] == con), {})
            if ds is not None and len(ds) and spec.get("column") == "response" and n_de:
                add(f"DE genes {con} (planted: {n_de} response genes, plus OXPHOS genes indirectly)", n_de,
                    ds["n_significant"].iloc[0], src=f"de/{con}_summary.tsv (padj < {float(ds['alpha'].iloc[0]):g})")
    return pd.DataFrame(rows, columns=TRUTH_COLUMNS)
