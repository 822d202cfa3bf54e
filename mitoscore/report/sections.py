"""Report sections: one :class:`Section` = one template + one small content function.

``content(ctx) -> dict | None`` reads loaded tables (``ctx.data``) and returns the variables
of its template (``templates/sections/<id>.html.j2``): view models from :mod:`.view`
(tables, figures), plain strings and numbers. It never computes a statistic. Returning
``None`` leaves the section out (e.g. the planted-truth section outside the demo).

A section whose ``needs`` input keys are all absent from the run is rendered as a heading
with a "not run" note (so the table of contents shows what is missing) and its content
function is not called.

To add a section (e.g. GSEA, frozen-model validation): declare its tables in
:data:`mitoscore.report.inputs.INPUTS`, write ``templates/sections/<id>.html.j2`` and a
content function, then ``register_section(Section(id=..., title=..., content=...,
needs=(...), remark=(...), tripod=(...)), after="<section id>")``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .. import fmt
from ..colors import ARM_COLORS, GROUP_COLORS
from . import checklists as CL  # noqa: N812
from . import findings as F  # noqa: N812
from .load import CohortData, ReportData, random_sets_cfg
from ..multiplicity import FAMILY_RULES
from .view import C, Pseudonymiser, figure, kv, table

SCORE_TERM = "score_per_sd"


@dataclass
class Ctx:
    """What a content function sees."""
    data: ReportData
    ps: Pseudonymiser
    state: dict = field(default_factory=dict)   # filled by the renderer: rendered sections, findings, checklists

    @property
    def primary(self) -> str:
        return self.data.primary


@dataclass
class Section:
    id: str
    title: str
    content: Callable[[Ctx], dict | None]
    needs: tuple[str, ...] = ()
    remark: tuple[str, ...] = ()
    tripod: tuple[str, ...] = ()
    late: bool = False          # content needs the other sections (findings summary, checklists)
    always: bool = False        # cannot be switched off in sections.exclude
    template: str | None = None  # default sections/<id>.html.j2

    @property
    def template_name(self) -> str:
        return self.template or f"sections/{self.id}.html.j2"


# --------------------------------------------------------------------------- small helpers
def role_badge(cd: CohortData) -> str:
    return cd.role.upper()


def analysis_label(ctx: Ctx, cd: CohortData, signature: str, model: str = "univariable",
                   analysis: str | None = None) -> str:
    """The badge of a result row: its own ``analysis`` label when the table carries one
    (primary / secondary / exploratory / sensitivity, set where the row was computed), with
    the primary test shown as VALIDATION (DISCOVERY in the discovery cohort, where the model
    is fitted); without a label, the rule of the plan (the primary signature's univariable
    model is the primary analysis, everything else SECONDARY)."""
    a = str(analysis).split()[0].lower() if analysis is not None and str(analysis) not in ("", "nan") else None
    if a is None:
        a = "primary" if (signature == ctx.primary and model == "univariable") else "secondary"
    if a == "primary":
        return "DISCOVERY" if cd.role == "discovery" else "VALIDATION"
    if cd.role == "discovery" and signature == ctx.primary and model == "univariable":
        return "DISCOVERY"
    return a.upper()


def with_adjusted(ctx: Ctx, df: pd.DataFrame | None, *, source: str, cohort: str | None = None) -> pd.DataFrame | None:
    """``df`` (one result table in file order) with ``family`` and ``p_adj`` of its test rows
    from summary/multiplicity.tsv (rows that are not tests of the plan: NA)."""
    from ..multiplicity import annotate
    mt = ctx.data.summary.get("multiplicity")
    if df is None or mt is None:
        return df
    return annotate(df, mt, source=source, cohort=cohort)


ADJ_COLS = [C("p_adj", "p adj. (family)", fmt.p), C("family", "Family")]


def sig_order(ctx: Ctx, sigs) -> list[str]:
    conf = [s["name"] for s in ctx.data.config.get("signatures", [])]
    sigs = list(dict.fromkeys(sigs))
    return sorted(sigs, key=lambda s: (s != ctx.primary, conf.index(s) if s in conf else len(conf), s))


def by_sig(ctx: Ctx, df: pd.DataFrame | None) -> pd.DataFrame | None:
    if df is None or df.empty or "signature" not in df.columns:
        return df
    order = {s: i for i, s in enumerate(sig_order(ctx, df["signature"]))}
    return df.assign(_o=df["signature"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")


def primary_rows(ctx: Ctx):
    return lambda r: "primary" if r.get("signature") == ctx.primary else ""


HR_COLS = [C("hr", "HR", fmt.ratio), C("ci_lower", "95% CI lower", fmt.ratio),
           C("ci_upper", "95% CI upper", fmt.ratio), C("p", "p", fmt.p)]
M1 = fmt.months


def num1(x):
    return fmt.num(x, 1)


def cohorts(ctx: Ctx):
    return list(ctx.data.cohorts.values())


def reporting_study(ctx: Ctx) -> dict:
    return (ctx.data.reporting or {}).get("study", {}) or {}


def graded_text(text, remark: str | None = None, tripod: str | None = None) -> dict:
    """A reporting text with its grade: {"text", "missing", "flag"}."""
    g, why = CL.grade_text(text)
    refs = "; ".join(x for x in (f"REMARK item {remark}" if remark else "", f"TRIPOD item {tripod}" if tripod else "")
                     if x)
    flag = "MISSING" + (f" ({refs})" if refs else "")
    if g == CL.PRESENT:
        return {"text": str(text) if not isinstance(text, list) else "; ".join(map(str, text)), "missing": False}
    shown = "" if text in (None, "", []) else (str(text) if not isinstance(text, list) else "; ".join(map(str, text)))
    return {"text": shown, "missing": True, "flag": flag, "why": why}


# --------------------------------------------------------------------------- front matter
def c_findings(ctx: Ctx) -> dict:
    results = ctx.state["findings"]
    head = F.headline(ctx.data, results)
    groups = []
    for h, rows in results:
        groups.append({"id": h.id, "title": h.fill(h.title, ctx.data), "label": h.label, "section": h.section,
                       "rows": rows})
    graded = ctx.state["checklists"]
    gaps = []
    for name, items in graded.items():
        cnt = CL.counts(items)
        gaps.append({"name": name, "reported": cnt[CL.REPORTED], "partial": cnt[CL.PARTIAL],
                     "missing": cnt[CL.MISSING], "total": len(items),
                     "missing_items": [i.number for i in items if i.grade == CL.MISSING],
                     "partial_items": [i.number for i in items if i.grade == CL.PARTIAL]})
    untested = [(h, f) for h, rows in results for f in rows if f.verdict in (F.NOT_RUN, F.NOT_TESTABLE)]
    return {"head": head, "groups": groups, "gaps": gaps, "untested": untested,
            "synthetic": bool(ctx.state.get("synthetic")), "primary": ctx.primary,
            "direction": F.direction_text(ctx.data), "alpha": f"{F.alpha(ctx.data):g}"}


def c_truth(ctx: Ctx) -> dict | None:
    t = F.truth_table(ctx.data)
    if t is None:
        return None
    return {"table": table(t, [C("cohort", "Cohort"), C("quantity", "Quantity"), C("truth", "Planted truth", fmt.auto),
                               C("estimate", "Estimate", fmt.auto), C("ci_lower", "95% CI lower", fmt.auto),
                               C("ci_upper", "95% CI upper", fmt.auto), C("covered", "Truth inside CI"),
                               C("source", "Estimate from")], max_rows=200, id="truth-table"),
            "path": ctx.data.truth_path}


def c_plan(ctx: Ctx) -> dict:
    st = reporting_study(ctx)
    cfg = ctx.data.config
    cut = cfg.get("cutpoint", {}) or {}
    rule = cut.get("rule", "median")
    cut_txt = {"median": "median split of the z-scored score (high if z > the cohort's median)",
               "tertiles": "tertiles of the z-scored score", "quartiles": "quartiles of the z-scored score",
               "fixed": f"fixed cutpoint z > {cut.get('value')} declared in the configuration",
               "discovery_median": "the discovery cohort's median, frozen and applied unchanged to every other "
                                   "cohort (ssGSEA: on the un-normalised enrichment score, which depends only on the "
                                   "sample; weighted sums and genes: on log2 normalised expression)"}.get(rule, rule)
    comps = F.comparator_names(ctx.data)
    hyps = [{"title": h.fill(h.title, ctx.data), "question": h.fill(h.question, ctx.data),
             "rule": h.fill(h.rule, ctx.data), "label": h.label, "section": h.section} for h in F.HYPOTHESES]
    return {"marker": graded_text(st.get("marker"), "1"), "objectives": graded_text(st.get("objectives"), "1", "3b"),
            "design": graded_text(st.get("design"), None, "4a"),
            "background": graded_text(st.get("background"), None, "3a"),
            "hypotheses": graded_text(st.get("hypotheses"), "1"), "hypotheses_list": st.get("hypotheses") or [],
            "primary": ctx.primary, "cut_txt": cut_txt, "comparators": comps, "rules": hyps,
            "meta_method": (cfg.get("meta", {}) or {}).get("method", "REML"),
            "meta_test": (cfg.get("meta", {}) or {}).get("test", "knha"),
            "families": [{"name": f, "rule": r} for f, r in FAMILY_RULES.items()],
            "mult_method": (cfg.get("multiplicity") or {}).get("method", "BH"),
            "direction": F.direction_text(ctx.data), "alpha": f"{F.alpha(ctx.data):g}"}


COHORT_ITEMS: list[tuple[str, str, str | None, str | None]] = [
    ("source", "Source of data", "2", "4a"),
    ("eligibility", "Eligibility (inclusion / exclusion)", "2", "5b"),
    ("design", "Design / case selection", "6", "4a"),
    ("recruitment_dates", "Dates of recruitment", "6", "4b"),
    ("setting", "Setting (care setting, centres)", None, "5a"),
    ("treatment", "Treatment and how chosen", "3", "5c"),
    ("specimen", "Specimen (material, storage)", "4", None),
    ("assay", "Assay (RNA-seq protocol)", "5", "7a"),
    ("blinding", "Blinding of assay / scoring to outcome", "5", "7b"),
    ("outcome_blinding", "Blinding of the outcome assessment", None, "6b"),
    ("follow_up", "Follow-up (end, ascertainment)", "6", "4b"),
    ("differences_from_discovery", "Differences from the discovery data", None, "12"),
]


def c_cohorts(ctx: Ctx) -> dict:
    rep = (ctx.data.reporting or {}).get("cohorts", {}) or {}
    cards = []
    for cd in cohorts(ctx):
        items = rep.get(cd.name) or {}
        rows = [("Role", cd.role), ("Cohort sheet description", cd.params.get("description", "") or "none")]
        if items.get("data_origin"):
            rows.append(("Data origin", items["data_origin"]))
        for key, label, rem, tri in COHORT_ITEMS:
            v = items.get(key)
            if key == "differences_from_discovery" and cd.role == "discovery":
                rows.append((label, "not applicable (discovery cohort)"))
                continue
            rows.append((label, graded_text(v, rem, tri)))
        pw = cd.t("power")
        if pw is not None and len(pw):
            rows.append(("Patients analysed / deaths", f"{fmt.count(pw['n'].iloc[0])} / {fmt.count(pw['events'].iloc[0])}"))
        cards.append({"cd": cd, "rows": kv(rows), "no_entry": not items})
    return {"cards": cards}


_TIME_FACTORS = {"days": "days / 30.4375", "weeks": "weeks x 7 / 30.4375", "months": "unchanged (months)",
                 "years": "years x 12"}


def c_endpoints(ctx: Ctx) -> dict:
    st = reporting_study(ctx)
    rows = []
    for cd in cohorts(ctx):
        p = cd.params
        ep = cd.t("endpoint")  # the endpoint as analysed, with the coding actually applied
        ep = ep.iloc[0].to_dict() if ep is not None and len(ep) else {}
        rows.append({
            "cohort": cd.name,
            "time": (f"{ep['time_source']} ({ep['time_unit']}; layout {ep['layout']})" if ep else
                     f"{p.get('time_column', 'NA')} ({p.get('time_unit', 'months')})"),
            "conversion": ep.get("conversion") or _TIME_FACTORS.get(p.get("time_unit", "months"), p.get("time_unit")),
            "event": (f"{ep['event_source']}: {ep['event_coding']}" if ep else
                      f"{p.get('event_column', 'NA')}: {p.get('event_coding') or 'coding not recorded'}"),
            "follow_up": ep.get("median_follow_up_months", np.nan),
            "covariates": p.get("covariates", "") or "none", "reference": p.get("reference_levels", "") or "none",
            "strata": p.get("strata", "") or "none",
            "treatment": (f"{p.get('treatment_column')} (reference arm: {p.get('reference_arm', 'NA')})"
                          if p.get("treatment_column") else "none"),
            "response": (f"{p.get('response_column')}: {p.get('response_coding', '')}"
                         if p.get("response_column") else "none")})
    t = table(pd.DataFrame(rows), [C("cohort", "Cohort"), C("time", "Time column (unit)"),
                                   C("conversion", "Conversion to months"),
                                   C("event", "Event column: coding applied (n per value)"),
                                   C("follow_up", "Median follow-up (months, reverse KM)", M1),
                                   C("covariates", "Covariates (multivariable Cox)"), C("reference", "Reference levels"),
                                   C("strata", "Strata"), C("treatment", "Treatment (interaction)"),
                                   C("response", "Response coding")], max_rows=500)
    cand = sig_order(ctx, [s["name"] for s in ctx.data.config.get("signatures", [])]) + F.comparator_names(ctx.data)
    return {"endpoint": graded_text(st.get("endpoint_definition"), "7", "6a"), "table": t,
            "candidates": list(dict.fromkeys(cand))}


def c_power(ctx: Ctx) -> dict:
    st = reporting_study(ctx)
    rows = []
    for cd in cohorts(ctx):
        pw = cd.t("power")
        rows.append({"cohort": cd.name, **(pw.iloc[0].to_dict() if pw is not None and len(pw) else {})})
    t = table(pd.DataFrame(rows), [
        C("cohort", "Cohort"), C("n", "Patients", fmt.count), C("events", "Deaths", fmt.count),
        C("detectable_hr_per_sd", "Detectable HR per SD", fmt.ratio),
        C("detectable_hr_median_split", "Detectable HR high vs low (median split)", fmt.ratio),
        C("alpha", "alpha", fmt.num), C("power", "Power", fmt.num),
        C("mv_parameters", "Multivariable parameters", fmt.count),
        C("epv_multivariable", "EPV (multivariable)", num1)], max_rows=500)
    return {"rationale": graded_text(st.get("sample_size_rationale"), "9", "8"), "table": t}


def c_methods(ctx: Ctx) -> dict:
    cfg = ctx.data.config
    v = ctx.data.provenance.get("versions", {}) or {}
    de = cfg.get("de", {}) or {}
    sc = cfg.get("scoring", {}) or {}
    cov = [cd.t("coverage").assign(cohort=cd.name) for cd in cohorts(ctx) if cd.t("coverage") is not None]
    cov = pd.concat(cov, ignore_index=True) if cov else None
    sigs = []
    for s in cfg.get("signatures", []):
        kind = "weighted sum of log2 normalised expression (published weights)" if s.get("weights") else \
            f"ssGSEA (alpha = {sc.get('alpha', 0.25)})"
        sigs.append({"name": s["name"], "file": s.get("gmt") or s.get("weights"), "kind": kind,
                     "description": s.get("description", "")})
    inference = {"fast": "mitoscore's vectorised inference following R DESeq2's own dispersion search and Wald "
                         "covariance, reproducing DESeq2 1.38",
                 "fast-newton": "mitoscore's vectorised inference solving pydeseq2's dispersion problem exactly, "
                                "reproducing pydeseq2 DefaultInference",
                 "default": "pydeseq2 DefaultInference"}.get(de.get("inference", "fast"), "see the configuration")
    return {"cfg": cfg, "de": de, "sc": sc, "sv": cfg.get("survival", {}) or {}, "nl": random_sets_cfg(cfg),
            "mt": cfg.get("meta", {}) or {}, "cut": cfg.get("cutpoint", {}) or {}, "sigs": sigs,
            "inference_text": inference, "ver": lambda k: v.get(k, "version not recorded"),
            "coverage": table(cov, [C("cohort", "Cohort"), C("signature", "Signature"), C("kind", "Kind"),
                                    C("n_genes", "Genes", fmt.count), C("n_present", "Present", fmt.count),
                                    C("fraction", "Coverage", lambda x: fmt.pct(100 * float(x)) if fmt.finite(x)
                                      else "NA"), C("missing", "Missing genes")], max_rows=60)}


# --------------------------------------------------------------------------- patients
def c_flow(ctx: Ctx) -> dict:
    ps = ctx.ps
    blocks = []
    for cd in cohorts(ctx):
        flow = ps.frame(cd.t("flow"), id_cols=(), text_cols=("reason",))
        qc = cd.t("qc")
        flagged = None
        if qc is not None and "outlier" in qc.columns:
            flagged = qc[qc["outlier"].astype(str).str.lower().isin(["true", "1"])]
        figs = [figure(cd.fig("library_svg"), f"{cd.name}-lib", f"{cd.name}: library sizes",
                       link=cd.link("library_svg"), wide=True)]
        pca_note = None
        if ps.enabled and cd.fig("pca_svg"):
            pca_note = cd.link("pca_svg")
        else:
            figs.append(figure(cd.fig("pca_svg"), f"{cd.name}-pca",
                               f"{cd.name}: PCA of VST, coloured by "
                               f"{(ctx.data.config.get('qc') or {}).get('pca_color_by') or 'nothing'}",
                               link=cd.link("pca_svg"), wide=True))
        sk = cd.t("skipped")
        blocks.append({
            "cd": cd,
            "diagram": figure(cd.fig("flow_svg"), f"{cd.name}-flow", f"{cd.name}: patient flow (CONSORT style)",
                              link=cd.link("flow_svg")),
            "table": table(flow, [C("step", "Step"), C("n_before", "n before", fmt.count),
                                  C("n_after", "n after", fmt.count), C("n_excluded", "Excluded", fmt.count),
                                  C("reason", "Reason")], link=cd.link("flow"), max_rows=60),
            "qc_n": len(qc) if qc is not None else None, "n_flagged": len(flagged) if flagged is not None else None,
            "flagged": table(ps.frame(flagged, id_cols=("sample",), text_cols=("reason",)),
                             [C("sample", "Sample" + (" (pseudonym)" if ps.enabled else "")),
                              C("library_size", "Library size", fmt.count),
                              C("detected_genes", "Detected genes", fmt.count), C("reason", "Reason")],
                             link=cd.link("qc")) if flagged is not None and len(flagged) else None,
            "figs": figs, "pca_note": pca_note,
            "skipped": table(sk, [C("signature", "Signature"), C("model", "Model"), C("reason", "Reason")],
                             link=cd.link("skipped"), max_rows=60) if sk is not None and len(sk) else None})
    return {"blocks": blocks}


def c_table1(ctx: Ctx) -> dict | None:
    t1 = ctx.data.summary.get("table1")
    if t1 is None:
        return None
    cols = [C("characteristic", "Characteristic"), C("level", "")] + [C(c, c) for c in t1.columns
                                                                         if c not in ("characteristic", "level")]
    return {"table": table(t1, cols, max_rows=1000, id="table-one", link=ctx.data.links.get("table1"))}


def c_marker(ctx: Ctx) -> dict:
    blocks = []
    for cd in cohorts(ctx):
        mb = cd.t("marker_by_variable")
        blocks.append({"cd": cd, "table": table(mb, [
            C("variable", "Variable"), C("level", "Level"), C("n", "n", fmt.count), C("mean_z", "Mean z", fmt.num),
            C("sd_z", "SD z", fmt.num), C("spearman_rho", "Spearman rho", fmt.num)], max_rows=80,
            link=cd.link("marker_by_variable")),
            "fig": figure(cd.fig("scores_svg"), f"{cd.name}-scores", f"{cd.name}: scores by pre-declared group",
                          link=cd.link("scores_svg"), wide=True)})
    return {"blocks": blocks, "primary": ctx.primary}


# --------------------------------------------------------------------------- results
def c_km(ctx: Ctx) -> dict:
    blocks = []
    pr = primary_rows(ctx)
    for cd in cohorts(ctx):
        med = by_sig(ctx, cd.t("km_median"))
        others = [s for s in sig_order(ctx, cd.subs("km_svg")) if s != ctx.primary]
        blocks.append({
            "cd": cd,
            "fig": figure(cd.fig("km_svg", ctx.primary), f"{cd.name}-km-{ctx.primary}",
                          f"{cd.name}: {ctx.primary}, Kaplan-Meier by pre-declared groups",
                          link=cd.link("km_svg", ctx.primary)),
            "median": table(med, [C("signature", "Signature"), C("group", "Group"), C("n", "n", fmt.count),
                                  C("events", "Deaths", fmt.count), C("median", "Median OS (months)", M1),
                                  C("median_lcl", "95% CI lower", M1), C("median_ucl", "95% CI upper", M1)],
                            link=cd.link("km_median"), row_class=pr),
            "cutpoints": table(by_sig(ctx, cd.t("cutpoints")), [
                C("signature", "Signature"), C("rule", "Cut rule"), C("scale", "Scale"), C("boundary", "Groups"),
                C("cut", "Cut", fmt.sig), C("source", "Source of the cut"), C("n_above", "n above", fmt.count)],
                link=cd.link("cutpoints"), row_class=pr),
            "logrank": table(by_sig(ctx, cd.t("logrank")), [
                C("signature", "Signature"), C("grouping", "Grouping"), C("n", "n", fmt.count),
                C("events", "Deaths", fmt.count), C("chisq", "Chi-square", fmt.num), C("df", "df", fmt.count),
                C("p", "Log-rank p", fmt.p)], link=cd.link("logrank"), row_class=pr),
            "others": [figure(cd.fig("km_svg", s), f"{cd.name}-km-{s}", f"{cd.name}: {s}", link=cd.link("km_svg", s))
                       for s in others]})
    swatches = [(g, c) for g, c in GROUP_COLORS.items() if g in ("high", "low", "intermediate")]
    return {"blocks": blocks, "swatches": swatches}


def _cox_cols(with_adj=True):
    cols = [C("signature", "Signature"), C("model", "Model"), C("term", "Term"), *HR_COLS]
    if with_adj:
        cols += ADJ_COLS
    return cols + [C("n", "n", fmt.count), C("events", "Deaths", fmt.count), C("label", "Label", badge=True)]


def c_cox(ctx: Ctx) -> dict:
    blocks = []
    for cd in cohorts(ctx):
        cox = cd.t("cox")
        if cox is None:
            blocks.append({"cd": cd, "missing": cd.link("cox")})
            continue
        cox = with_adjusted(ctx, cox, source="survival/cox.tsv", cohort=cd.name)
        ana = cox["analysis"] if "analysis" in cox.columns else pd.Series(None, index=cox.index)
        cox = cox.assign(label=[analysis_label(ctx, cd, s, m, a) for s, m, a in
                                zip(cox["signature"], cox["model"], ana)])
        uni = by_sig(ctx, cox[cox["model"].isin(["univariable", "group"])])
        mv = cox[cox["model"] == "multivariable"]
        pm = mv[mv["signature"] == ctx.primary]
        rest = by_sig(ctx, mv[mv["signature"] != ctx.primary])
        dropped = pm["n_dropped_missing"].iloc[0] if "n_dropped_missing" in pm and len(pm) else np.nan
        rc = (lambda r: "primary" if r.get("analysis") == "primary" else "")
        blocks.append({
            "cd": cd, "uni": table(uni, _cox_cols(), link=cd.link("cox"), row_class=rc, max_rows=60),
            "mv": table(pm, _cox_cols(), link=cd.link("cox"), max_rows=80) if len(pm) else None,
            "estimation": str(cox["estimation"].iloc[0]) if "estimation" in cox.columns and len(cox) else "",
            "mv_rest": table(rest, _cox_cols(False), link=cd.link("cox"), max_rows=300) if len(rest) else None,
            "covariates": cd.params.get("covariates", ""), "strata": cd.params.get("strata", ""),
            "reference_levels": cd.params.get("reference_levels", ""),
            "dropped": fmt.count(dropped) if fmt.finite(dropped) else None})
    hr = by_sig(ctx, ctx.data.summary.get("hazard_ratios"))
    return {"blocks": blocks, "primary": ctx.primary,
            "all": table(hr, [C("cohort", "Cohort"), C("role", "Role"), C("signature", "Signature"), C("model", "Model"),
                              C("estimate_from", "Estimate from"), *HR_COLS,
                              C("n", "n", fmt.count), C("events", "Deaths", fmt.count)],
                         link=ctx.data.links.get("hazard_ratios"), max_rows=60)}


def c_ph(ctx: Ctx) -> dict:
    blocks = []
    for cd in cohorts(ctx):
        z = by_sig(ctx, cd.t("cox_zph"))
        shown, bad, n_more = z, [], 0
        if z is not None and not z.empty:
            shown = z[(z["signature"] == ctx.primary) | (z["p"] < 0.05)]
            n_more = len(z) - len(shown)
            bad = sorted({f"{r['signature']}/{r['model']}/{r['term']}" for r in z[z["p"] < 0.05].to_dict("records")})
        blocks.append({"cd": cd, "n_more": n_more, "bad": bad, "has": z is not None and not z.empty,
                       "table": table(shown, [C("signature", "Signature"), C("model", "Model"), C("term", "Term"),
                                              C("chisq", "Chi-square", fmt.num), C("df", "df", fmt.count),
                                              C("p", "p", fmt.p)], link=cd.link("cox_zph"), max_rows=80,
                                      row_class=lambda r: "warn" if fmt.finite(r.get("p")) and r["p"] < 0.05
                                      else "")})
    return {"blocks": blocks}


def c_discrimination(ctx: Ctx) -> dict:
    blocks = []
    pr = primary_rows(ctx)
    for cd in cohorts(ctx):
        d = by_sig(ctx, cd.t("discrimination"))
        cols = [C("signature", "Signature"), C("n", "n", fmt.count), C("events", "Deaths", fmt.count)]
        if d is not None:
            for base, lab in (("harrell_c", "Harrell C"), ("uno_c", "Uno C")):
                if base in d.columns:
                    cols += [C(base, lab, fmt.num), C(f"{base}_lower", "95% CI lower", fmt.num),
                             C(f"{base}_upper", "95% CI upper", fmt.num)]
            if "uno_tau_months" in d.columns:
                cols.append(C("uno_tau_months", "Uno tau (months)", fmt.num))
            for c in d.columns:
                if c.startswith("auc_") and c.endswith("m"):
                    h = c[4:-1]
                    cols += [C(c, f"AUC {h} months", fmt.num), C(f"{c}_lower", "95% CI lower", fmt.num),
                             C(f"{c}_upper", "95% CI upper", fmt.num), C(f"{c}_cases", "Cases", fmt.count)]
            cg = [("cgain_c_clinical", "C clinical (apparent)", fmt.num), ("cgain_c_full", "C clinical + score", fmt.num),
                  ("cgain_delta", "C gain (apparent)", fmt.num), ("cgain_optimism", "Optimism", fmt.num),
                  ("cgain_delta_corrected", "C gain (optimism-corrected)", fmt.num),
                  ("cgain_delta_corrected_ci_lower", "95% CI lower", fmt.num),
                  ("cgain_delta_corrected_ci_upper", "95% CI upper", fmt.num),
                  ("cgain_n_boot_used", "Resamples used", fmt.count),
                  ("cgain_n_boot_failed", "Resamples failed", fmt.count), ("cgain_strata", "Strata", None)]
            cols += [C(k, lab, f) if f else C(k, lab) for k, lab, f in cg if k in d.columns]
            cols += [C(c, c.replace("_", " "), fmt.count) for c in ("n_boot", "n_boot_failed") if c in d.columns]
        r = by_sig(ctx, cd.t("response"))
        blocks.append({"cd": cd, "disc": table(d, cols, link=cd.link("discrimination"), row_class=pr),
                       "resp": table(r, [C("signature", "Signature"), C("n", "n", fmt.count),
                                         C("n_responders", "CR/CRi", fmt.count), C("odds_ratio", "OR per SD", fmt.ratio),
                                         C("or_ci_lower", "95% CI lower", fmt.ratio),
                                         C("or_ci_upper", "95% CI upper", fmt.ratio), C("or_p", "p", fmt.p),
                                         C("auroc", "AUROC", fmt.num), C("auroc_ci_lower", "95% CI lower", fmt.num),
                                         C("auroc_ci_upper", "95% CI upper", fmt.num)],
                                     link=cd.link("response"), row_class=pr)})
    return {"blocks": blocks}


def c_interaction(ctx: Ctx) -> dict:
    blocks = []
    for cd in cohorts(ctx):
        it = by_sig(ctx, cd.t("interaction"))
        prim = it[it["signature"] == ctx.primary] if it is not None and not it.empty else None
        lr = None
        if prim is not None and len(prim):
            r = prim.iloc[0]
            lr = {"chisq": fmt.num(r.get("lr_chisq")), "df": fmt.count(r.get("lr_df")),
                  "p": fmt.p_text(r.get("lr_p")), "reference_arm": r.get("reference_arm"),
                  "label": "SECONDARY"}
        blocks.append({"cd": cd, "has": it is not None and not it.empty, "lr": lr,
                       "table": table(it, [C("signature", "Signature"), C("arm", "Arm"), *HR_COLS,
                                           C("n", "n", fmt.count), C("events", "Deaths", fmt.count),
                                           C("lr_p", "Interaction p (LR)", fmt.p)],
                                      link=cd.link("interaction"), max_rows=40, row_class=primary_rows(ctx))})
    return {"blocks": blocks, "primary": ctx.primary, "arms": list(ARM_COLORS.items()),
            "fig": figure(ctx.data.figures.get("interaction_svg"), "interaction",
                          f"{ctx.primary}: HR per SD by treatment arm, all cohorts on one axis",
                          link=ctx.data.links.get("interaction_svg"), wide=True)}


def c_null(ctx: Ctx) -> dict:
    blocks = []
    comps = set(F.comparator_names(ctx.data)) | {ctx.primary}
    for cd in cohorts(ctx):
        ns = by_sig(ctx, cd.t("random_null_summary"))
        cox = cd.t("cox")
        comp = None
        if cox is not None and not cox.empty:
            cox = with_adjusted(ctx, cox, source="survival/cox.tsv", cohort=cd.name)
            comp = by_sig(ctx, cox[(cox["model"] == "univariable") & (cox["term"] == SCORE_TERM)
                                   & cox["signature"].isin(comps)])
            ana = comp["analysis"] if "analysis" in comp.columns else pd.Series(None, index=comp.index)
            comp = comp.assign(label=[analysis_label(ctx, cd, s, "univariable", a)
                                      for s, a in zip(comp["signature"], ana)])
        blocks.append({
            "cd": cd,
            "null": table(with_adjusted(ctx, ns, source="random_null/summary.tsv", cohort=cd.name),
                          [C("signature", "Signature"), C("kind", "Kind"), C("size", "Genes", fmt.count),
                           C("n_random", "Random draws", fmt.count), C("n_valid", "Valid", fmt.count),
                           C("n_failed", "Excluded (not fitted)", fmt.count),
                           C("observed_hr", "Observed HR per SD", fmt.ratio), C("observed_z", "Observed Wald z", fmt.num),
                           C("percentile_abs_z", "Percentile of |z| among valid draws", num1),
                           C("empirical_p", "Empirical p", fmt.p), *ADJ_COLS,
                           C("null_median_abs_z", "Median |z| of random sets", fmt.num), C("note", "Note")],
                          link=cd.link("random_null_summary"), row_class=primary_rows(ctx)),
            "fig": figure(cd.fig("random_null_svg"), f"{cd.name}-null", f"{cd.name}: random gene-set null",
                          link=cd.link("random_null_svg")),
            "comp": table(comp, [C("signature", "Signature / comparator"), C("kind", "Kind"), *HR_COLS,
                                 C("z", "Wald z", fmt.num), *ADJ_COLS,
                                 C("concordance", "Concordance", fmt.num), C("label", "Label", badge=True)],
                          link=cd.link("cox"), row_class=primary_rows(ctx)) if comp is not None else None})
    return {"blocks": blocks, "n_random": random_sets_cfg(ctx.data.config).get("n_random_sets")}


def c_sensitivity(ctx: Ctx) -> dict:
    blocks = []
    for cd in cohorts(ctx):
        blocks.append({
            "cd": cd,
            "corr": table(by_sig(ctx, cd.t("score_methods")), [
                C("signature", "Signature"), C("method", "Method"), C("n", "n", fmt.count),
                C("pearson", "Pearson r", fmt.num), C("spearman", "Spearman rho", fmt.num)],
                link=cd.link("score_methods")),
            "maxstat": table(by_sig(ctx, cd.t("maxstat")).assign(label="EXPLORATORY")
                             if cd.t("maxstat") is not None else None, [
                C("signature", "Signature"), C("analysis", "Analysis"), C("statistic", "Max statistic", fmt.num),
                C("cutpoint", "Cutpoint (score)", fmt.sig), C("n_high", "n above cutpoint", fmt.count),
                C("n_cuts", "Cuts searched", fmt.count), C("p_lau94", "p (Lau 1994)", fmt.p),
                C("p_lau92", "p (Lau 1992)", fmt.p), C("label", "Label", badge=True)], link=cd.link("maxstat"))})
    return {"blocks": blocks}


def c_de(ctx: Ctx) -> dict:
    cons = {c["name"]: c for c in ctx.data.config.get("de", {}).get("contrasts", [])}
    blocks = []
    for cd in cohorts(ctx):
        items = []
        for cname in cd.subs("de"):
            con = cons.get(cname, {})
            summ = cd.t("de_summary", cname)
            s = summ.iloc[0].to_dict() if summ is not None and len(summ) else None
            de = cd.t("de", cname)
            top = None
            if de is not None and "padj" in de:
                top = de.assign(_p=pd.to_numeric(de["padj"], errors="coerce")).sort_values(
                    ["_p", "gene"], kind="stable").drop(columns="_p")
            items.append({"name": cname, "test": con.get("test"), "reference": con.get("reference"),
                          "variable": (f"{con.get('signature')} groups" if con.get("signature")
                                       else con.get("column", "")), "summary": s,
                          "fmt": {k: fmt.count(s.get(k)) for k in ("n_samples", "n_test", "n_reference", "n_genes",
                                                                   "n_tested", "n_significant", "n_up", "n_down")}
                          if s else None, "alpha": (f"{float(s['alpha']):g}" if s and fmt.finite(s.get("alpha")) else None),
                          "top": table(top, [C("gene", "Gene"), C("baseMean", "Base mean", num1),
                                             C("log2FoldChange", "log2 FC", fmt.num),
                                             C("log2FoldChange_shrunk", "log2 FC (shrunk)", fmt.num),
                                             C("lfcSE", "SE", fmt.num), C("pvalue", "p", fmt.p),
                                             C("padj", "padj", fmt.p)], link=cd.link("de", cname)),
                          "link": cd.link("de", cname),
                          "fig": figure(cd.fig("volcano_svg", cname), f"{cd.name}-vol-{cname}",
                                        f"{cd.name}: volcano, {cname}", link=cd.link("volcano_svg", cname))})
        blocks.append({"cd": cd, "contrasts": items})
    return {"blocks": blocks}


def c_meta(ctx: Ctx) -> dict:
    ma = by_sig(ctx, ctx.data.summary.get("meta_analysis"))
    key = None
    if ma is not None and not ma.empty:
        prim = ma[(ma["signature"] == ctx.primary) & (ma["model"] == "univariable")]
        if "analysis" in ma.columns:
            prim = prim[prim["analysis"] == "primary"]
        if len(prim):
            r = prim.iloc[0]
            k = int(r["k"]) if fmt.finite(r.get("k")) else 0
            key = {"ci": fmt.ratio_ci(r["hr"], r["ci_lower"], r["ci_upper"]) if fmt.finite(r.get("hr")) else "NA",
                   "p": fmt.p_text(r["p"]), "k": fmt.count(k), "cohorts": str(r.get("cohorts", "")).replace(",", ", "),
                   "I2": fmt.pct(r.get("I2")), "tau2": fmt.sig(r.get("tau2")), "Qp": fmt.p_text(r.get("QEp"), "Q p"),
                   "pi": (f"{fmt.ratio(r.get('pi_lower'))}-{fmt.ratio(r.get('pi_upper'))}" if k >= 3 else None),
                   "method": r.get("method"), "test": r.get("test"), "few": k < 3, "pool": r.get("pool", ""),
                   "note": str(r.get("note") or ""), "p_adj": fmt.p(r.get("p_adj")) if "p_adj" in r else "",
                   "family": r.get("family", "")}
    loo = ctx.data.summary.get("leave_one_out")
    if loo is not None and not loo.empty:
        loo = loo.assign(hr=np.exp(loo["estimate"]), ci_lower=np.exp(loo["ci_lb"]), ci_upper=np.exp(loo["ci_ub"]))
    forest = ctx.data.summary.get("forest")
    return {"key": key, "primary": ctx.primary,
            "fig": figure(ctx.data.figures.get("forest_svg"), "forest", f"{ctx.primary}: HR per SD across cohorts",
                          link=ctx.data.links.get("forest_svg")),
            "forest": table(forest, [C("cohort", "Cohort"), C("n", "n", fmt.count), C("events", "Deaths", fmt.count),
                                     *HR_COLS, C("weight", "Weight (%)", num1)], link=ctx.data.links.get("forest"),
                            max_rows=200),
            "table": table(ma, [C("signature", "Signature"), C("model", "Model"), C("pool", "Pool"),
                                C("k", "Cohorts", fmt.count), *HR_COLS, *ADJ_COLS, C("I2", "I2 (%)", num1),
                                C("tau2", "tau2", fmt.sig), C("QEp", "Q p", fmt.p), C("pi_lower", "PI lower", fmt.ratio),
                                C("pi_upper", "PI upper", fmt.ratio), C("method", "Method"), C("test", "Test"),
                                C("analysis", "Analysis"), C("note", "Note")],
                           link=ctx.data.links.get("meta_analysis"),
                           row_class=lambda r: "primary" if r.get("analysis") == "primary" else "", max_rows=60),
            "loo": table(loo, [C("signature", "Signature"), C("model", "Model"), C("pool", "Pool"),
                               C("left_out", "Left out"),
                               C("hr", "Pooled HR", fmt.ratio), C("ci_lower", "95% CI lower", fmt.ratio),
                               C("ci_upper", "95% CI upper", fmt.ratio), C("pval", "p", fmt.p),
                               C("I2", "I2 (%)", num1), C("tau2", "tau2", fmt.sig)],
                         link=ctx.data.links.get("leave_one_out")) if loo is not None and not loo.empty else None}


# --------------------------------------------------------------------------- frozen-model validation
def c_validation(ctx: Ctx) -> dict | None:
    """TRIPOD external validation: the frozen model (discovery cohort) applied unchanged in
    every validation cohort: HR of the frozen score and groups, calibration, Brier scores."""
    fm = by_sig(ctx, ctx.data.summary.get("frozen_model"))
    blocks = []
    for cd in cohorts(ctx):
        if cd.t("frozen_cox") is None and cd.t("frozen_status") is None:
            continue
        fc = with_adjusted(ctx, cd.t("frozen_cox"), source="validation/frozen_cox.tsv", cohort=cd.name)
        if fc is not None and len(fc):
            fc = by_sig(ctx, fc.assign(label=[analysis_label(ctx, cd, s_, "univariable" if m == "frozen_score" else m, a)
                                              for s_, m, a in zip(fc["signature"], fc["model"], fc["analysis"])]))
        cal = by_sig(ctx, cd.t("calibration"))
        hz = sorted({c[len("brier_"):-1] for c in (cal.columns if cal is not None else []) if c.startswith("brier_")
                     and not c.startswith("brier_null_") and c.endswith("m")}, key=float)
        cal_cols = [C("signature", "Signature"), C("model", "Frozen model"), C("n", "n", fmt.count),
                    C("events", "Deaths", fmt.count), C("n_not_predicted", "Not predicted", fmt.count),
                    C("slope", "Calibration slope", fmt.num), C("slope_lower", "95% CI lower", fmt.num),
                    C("slope_upper", "95% CI upper", fmt.num), C("oe", "Observed / expected", fmt.num),
                    C("oe_lower", "95% CI lower", fmt.num), C("oe_upper", "95% CI upper", fmt.num)]
        for h in hz:
            cal_cols += [C(f"brier_{h}m", f"Brier {h} m", lambda x: fmt.num(x, 3)),
                         C(f"brier_null_{h}m", f"Brier {h} m (KM null)", lambda x: fmt.num(x, 3))]
        cal_cols += [C("ibs", "Integrated Brier", lambda x: fmt.num(x, 3)),
                     C("ibs_null", "Integrated Brier (KM null)", lambda x: fmt.num(x, 3)),
                     C("ibs_tau", "IBS up to (months)", fmt.num)]
        st = cd.t("frozen_status")
        blocks.append({
            "cd": cd,
            "frozen": table(fc, [C("signature", "Signature"), C("model", "Model"), C("term", "Term"), *HR_COLS,
                                 *ADJ_COLS, C("n", "n", fmt.count), C("events", "Deaths", fmt.count),
                                 C("scale", "Scale"), C("label", "Label", badge=True)],
                            link=cd.link("frozen_cox"), max_rows=60,
                            row_class=lambda r: "primary" if r.get("analysis") == "primary" else ""),
            "calibration": table(cal, cal_cols, link=cd.link("calibration"), row_class=primary_rows(ctx),
                                 max_rows=60),
            "curve": table(cd.t("calibration_curve"), [
                C("signature", "Signature"), C("model", "Model"), C("horizon", "Horizon (months)", fmt.num),
                C("grouping", "Grouping"), C("group", "Group"), C("n", "n", fmt.count),
                C("events", "Deaths by horizon", fmt.count), C("predicted", "Predicted survival", fmt.num),
                C("observed", "Observed (KM)", fmt.num), C("observed_lower", "95% CI lower", fmt.num),
                C("observed_upper", "95% CI upper", fmt.num)], link=cd.link("calibration_curve"), max_rows=40),
            "fig": figure(cd.fig("calibration_svg"), f"{cd.name}-calibration",
                          f"{cd.name}: {ctx.primary}, frozen model, predicted vs observed survival",
                          link=cd.link("calibration_svg"), wide=True),
            "status": table(st, [C("signature", "Signature"), C("model", "Model"), C("status", "Status"),
                                 C("n", "n", fmt.count), C("n_predicted", "Predicted", fmt.count),
                                 C("n_not_predicted", "Not predicted", fmt.count),
                                 C("n_beyond_discovery_followup", "Beyond discovery follow-up", fmt.count),
                                 C("note", "Note")], link=cd.link("frozen_status"), max_rows=60)})
    if not blocks and fm is None:
        return None
    disc = (ctx.data.config.get("validation") or {}).get("discovery_cohort") or next(
        (cd.name for cd in cohorts(ctx) if cd.role == "discovery"), None)
    return {"blocks": blocks, "primary": ctx.primary, "discovery": disc,
            "model": table(fm, [C("signature", "Signature"), C("kind", "Kind"), C("scale", "Scale"),
                                C("mean", "Mean", fmt.sig), C("sd", "SD", fmt.sig), C("cut", "Cut", fmt.sig),
                                C("model", "Model"), C("status", "Status"), C("term", "Term"),
                                C("coef", "Coefficient", fmt.sig), C("se", "SE", fmt.sig), *HR_COLS[:3],
                                C("n", "n", fmt.count), C("events", "Deaths", fmt.count), C("strata", "Strata"),
                                C("reason", "Reason")],
                           link=ctx.data.links.get("frozen_model"), max_rows=80) if fm is not None else None}


# --------------------------------------------------------------------------- predictive contrasts
def c_predictive(ctx: Ctx) -> dict | None:
    cons = [c for c in ((ctx.data.config.get("predictive") or {}).get("contrasts") or []) if isinstance(c, dict)]
    blocks = []
    for cd in cohorts(ctx):
        pr = cd.t("predictive")
        if pr is None:
            continue
        pr = with_adjusted(ctx, pr, source="survival/predictive.tsv", cohort=cd.name)
        rb = with_adjusted(ctx, cd.t("response_by_arm"), source="survival/response_by_arm.tsv", cohort=cd.name)
        items = []
        for con in cons:
            name = con["name"]
            sub = by_sig(ctx, pr[pr["contrast"] == name]) if len(pr) else pr
            rsub = by_sig(ctx, rb[rb["contrast"] == name]) if rb is not None and len(rb) else rb
            items.append({
                "con": con,
                "table": table(sub, [C("signature", "Signature"), C("term", "Term"), C("arm", "Arm"), *HR_COLS[:3],
                                     C("lr_p", "LR p (1 df)", fmt.p), C("p", "Wald p", fmt.p), *ADJ_COLS,
                                     C("n", "n", fmt.count), C("events", "Deaths", fmt.count),
                                     C("analysis", "Analysis", badge=False)],
                               link=cd.link("predictive"), row_class=primary_rows(ctx), max_rows=60),
                "response": table(rsub, [C("signature", "Signature"), C("term", "Term"), C("arm", "Arm"),
                                         C("odds_ratio", "OR per SD", fmt.ratio), C("or_ci_lower", "95% CI lower", fmt.ratio),
                                         C("or_ci_upper", "95% CI upper", fmt.ratio), C("lr_p", "LR p", fmt.p),
                                         C("p", "Wald p", fmt.p), *ADJ_COLS, C("n", "n", fmt.count),
                                         C("n_responders", "CR/CRi", fmt.count)],
                                  link=cd.link("response_by_arm"), row_class=primary_rows(ctx), max_rows=40)
                if rsub is not None else None,
                "te": figure(cd.fig("treatment_effect_svg", name), f"{cd.name}-te-{name}",
                             f"{cd.name}: HR {con['test_arm']} vs {con['reference_arm']} along {ctx.primary}",
                             link=cd.link("treatment_effect_svg", name), wide=True),
                "km": figure(cd.fig("km_by_arm_svg", name), f"{cd.name}-kmarm-{name}",
                             f"{cd.name}: overall survival by arm x {ctx.primary} group",
                             link=cd.link("km_by_arm_svg", name), wide=True)})
        st = cd.t("predictive_contrasts")
        blocks.append({"cd": cd, "entries": items,
                       "status": table(st, [C("contrast", "Contrast"), C("test_arm", "Test arm"),
                                            C("reference_arm", "Reference arm"), C("status", "Status"),
                                            C("n_test", "n test", fmt.count), C("n_reference", "n reference", fmt.count),
                                            C("reason", "Reason")], link=cd.link("predictive_contrasts"))})
    if not blocks:
        return None
    return {"blocks": blocks, "contrasts": cons, "primary": ctx.primary}


# --------------------------------------------------------------------------- multiplicity
def c_multiplicity(ctx: Ctx) -> dict | None:
    from ..multiplicity import FAMILIES
    mt = ctx.data.summary.get("multiplicity")
    if mt is None:
        return None
    method = str(mt["method"].iloc[0]) if len(mt) else str((ctx.data.config.get("multiplicity") or {}).get("method"))
    fams = []
    for f in FAMILIES:
        sub = mt[mt["family"] == f]
        fams.append({"name": f, "rule": FAMILY_RULES[f], "n": len(sub),
                     "n_sig": int((pd.to_numeric(sub["p_adj"], errors="coerce") < F.alpha(ctx.data)).sum()),
                     "table": table(sub, [C("cohort", "Cohort"), C("signature", "Signature"), C("model", "Model"),
                                          C("term", "Term"), C("contrast", "Contrast"), C("arm", "Arm"),
                                          C("test", "Test"), C("estimate_type", "Estimate"),
                                          C("estimate", "Value", fmt.ratio), C("ci_lower", "95% CI lower", fmt.ratio),
                                          C("ci_upper", "95% CI upper", fmt.ratio), C("p", "p", fmt.p),
                                          C("p_adj", "p adjusted", fmt.p), C("analysis", "Analysis label"),
                                          C("source", "Source table")],
                                    link=ctx.data.links.get("multiplicity"),
                                    max_rows=100 if f != "exploratory" else 40)})
    return {"families": fams, "method": method, "alpha": f"{F.alpha(ctx.data):g}"}


# --------------------------------------------------------------------------- GSEA
def c_gsea(ctx: Ctx) -> dict | None:
    conc = ctx.data.summary.get("gsea_concordance")
    blocks = []
    for cd in cohorts(ctx):
        items = []
        for con in cd.subs("gsea"):
            g = cd.t("gsea", con)
            top = None
            circ = ""
            if g is not None and len(g):
                top = g.assign(_f=pd.to_numeric(g["fdr"], errors="coerce")).sort_values(["_f", "term"]).drop(
                    columns="_f")
                if "circular" in g.columns and g["circular"].astype(str).str.lower().isin(["true", "1"]).any():
                    circ = str(g["note"].dropna().iloc[0]) if "note" in g.columns and g["note"].notna().any() else \
                        "CIRCULAR contrast"
            items.append({"name": con, "circular": circ,
                          "top": table(top, [C("term", "Gene set"), C("collection", "Collection"),
                                             C("size", "Size", fmt.count), C("nes", "NES", fmt.num),
                                             C("pval", "p", fmt.p), C("fdr", "FDR q", fmt.p),
                                             C("fwer", "FWER p", fmt.p), C("leading_edge_size", "Leading edge", fmt.count)],
                                       link=cd.link("gsea", con), max_rows=15),
                          "fig": figure(cd.fig("gsea_svg", con), f"{cd.name}-gsea-{con}",
                                        f"{cd.name}: {con}, running sums of the top mitochondrial sets",
                                        link=cd.link("gsea_svg", con), wide=True)})
        if items:
            blocks.append({"cd": cd, "entries": items})
    if conc is None and not blocks:
        return None
    gcfg = ctx.data.config.get("gsea") or {}
    if conc is not None and len(conc):
        # the mitochondrial collections and the signatures, strongest mean NES first within each contrast
        mito = {c.get("name") for c in gcfg.get("collections") or [] if c.get("mitochondrial")} | {"signatures"}
        conc = conc[conc["collection"].isin(mito)] if conc["collection"].isin(mito).any() else conc
        conc = conc.assign(_a=-pd.to_numeric(conc["mean_nes"], errors="coerce").abs()).sort_values(
            ["contrast", "_a", "term"], kind="stable").drop(columns="_a")
    return {"blocks": blocks, "n_perm": gcfg.get("n_permutations"), "rank_by": gcfg.get("rank_by", "stat"),
            "min_size": gcfg.get("min_size", 15), "max_size": gcfg.get("max_size", 500),
            "collections": [c.get("name") for c in gcfg.get("collections") or []],
            "heatmap": figure(ctx.data.figures.get("gsea_heatmap_svg"), "gsea-heatmap",
                              "NES of the mitochondrial gene sets and the signatures across cohorts",
                              link=ctx.data.links.get("gsea_heatmap_svg"), wide=True),
            "concordance": table(conc, [C("term", "Gene set"), C("collection", "Collection"), C("contrast", "Contrast"),
                                        C("n_cohorts", "Cohorts", fmt.count), C("n_up", "NES > 0", fmt.count),
                                        C("n_down", "NES < 0", fmt.count), C("n_up_fdr", "Up, FDR < 0.25", fmt.count),
                                        C("n_down_fdr", "Down, FDR < 0.25", fmt.count),
                                        C("direction", "Direction"), C("mean_nes", "Mean NES", fmt.num),
                                        C("circular", "Circular")],
                                 link=ctx.data.links.get("gsea_concordance"), max_rows=60)}


# --------------------------------------------------------------------------- discussion
def detected_limitations(ctx: Ctx) -> list[str]:
    """Limitations the report can see in the results and configuration."""
    out = []
    syn = ctx.state.get("synthetic") or []
    if syn:
        out.append(f"SYNTHETIC demo data ({', '.join(syn)}): not real patients; no clinical conclusion can be drawn.")
    for s in ctx.data.config.get("signatures", []):
        if s["name"] == ctx.primary:
            p = str(s.get("gmt") or s.get("weights") or "")
            if "proxy" in p.lower() or "proxy" in str(s.get("description", "")).lower():
                out.append(f"The primary signature {ctx.primary} is a proxy ({p}), not the published gene list.")
    for cd in cohorts(ctx):
        pw = cd.t("power")
        if pw is not None and len(pw) and fmt.finite(pw["events"].iloc[0]) and pw["events"].iloc[0] < 100:
            out.append(f"{cd.name}: {fmt.count(pw['events'].iloc[0])} deaths; the detectable HR per SD at 80% power "
                       f"is {fmt.ratio(pw['detectable_hr_per_sd'].iloc[0])}.")
        sk = cd.t("skipped")
        if sk is not None and len(sk):
            out.append(f"{cd.name}: {len(sk)} model(s) could not be fitted (listed in the patient flow section).")
        z = cd.t("cox_zph")
        if z is not None and not z.empty and (z["p"] < 0.05).any():
            out.append(f"{cd.name}: proportional-hazards assumption doubtful for some terms (PH diagnostics).")
        if cd.role == "discovery":
            out.append(f"{cd.name} is a discovery cohort: its results are not an independent validation.")
    ma = ctx.data.summary.get("meta_analysis")
    if ma is not None and not ma.empty and "k" in ma and ma["k"].max() < 3:
        out.append("Fewer than 3 cohorts: heterogeneity (tau2, I2) and the prediction interval cannot be estimated "
                   "reliably.")
    if not any(cd.t("calibration") is not None for cd in cohorts(ctx)):
        out.append("Calibration of a frozen risk model is not assessed in this run (no discovery cohort, or frozen "
                   "validation disabled; TRIPOD 10d, 16).")
    if any(cd.t("gsea", con) is not None for cd in cohorts(ctx) for con in cd.subs("gsea")):
        out.append("GSEA permutes gene labels: with strongly co-expressed programmes (OXPHOS) a small difference "
                   "between groups can reach a small FDR; GSEA results are exploratory.")
    return out


def c_limitations(ctx: Ctx) -> dict:
    st = reporting_study(ctx)
    return {"stated": [x for x in (st.get("limitations") or [])],
            "stated_grade": graded_text(st.get("limitations"), "19", "18"),
            "detected": detected_limitations(ctx),
            "declarations": [(lab, graded_text(st.get(k), rem, tri)) for k, lab, rem, tri in (
                ("interpretation", "Interpretation", "19", "19b"), ("implications", "Implications", "20", "20"),
                ("supplementary", "Supplementary information (protocol, data, code)", None, "21"),
                ("funding", "Funding", None, "22"), ("conflicts_of_interest", "Competing interests", None, None),
                ("ethics", "Ethics approval and consent", None, None))]}


def c_checklists(ctx: Ctx) -> dict:
    graded = ctx.state["checklists"]
    titles = {s.id: s.title for s in ctx.state.get("sections", [])}
    lists = []
    for name, items in graded.items():
        lists.append({"name": name, "rows": items, "counts": CL.counts(items)})
    return {"lists": lists, "titles": titles}


def c_signatures(ctx: Ctx) -> dict | None:
    sigs = []
    for name, d in ctx.data.signatures.items():
        rows = None
        if d.get("weights") is not None:
            rows = table(pd.DataFrame({"gene": d["genes"], "weight": d["weights"]}),
                         [C("gene", "Gene"), C("weight", "Weight", lambda x: fmt.sig(x, 4))], max_rows=10_000)
        sigs.append({"name": name, "path": d.get("path"), "kind": d.get("kind"), "n": len(d.get("genes") or []),
                     "genes": d.get("genes") or [], "weights": rows, "description": d.get("description") or "",
                     "config_description": d.get("config_description", ""), "error": d.get("error")})
    if not sigs:
        return None
    return {"sigs": sigs}


def c_provenance(ctx: Ctx) -> dict:
    pv = ctx.data.provenance or {}
    git = pv.get("git", {}) or {}
    run = pv.get("run", {}) or {}
    ck = pv.get("checksums")
    rck = pv.get("result_checksums")
    vv = pd.DataFrame([{"package": k, "version": v} for k, v in (pv.get("versions") or {}).items()])
    pk = pv.get("packages") or {}
    sheet = ctx.data.cohort_sheet
    if sheet is None:
        sheet = pd.DataFrame([{"cohort": n, **cd.params} for n, cd in ctx.data.cohorts.items()])
    # one row per column of the sheet, one column per cohort (readable on screen and in print)
    sheet = sheet.astype(str).set_index("cohort").T.reset_index().rename(columns={"index": "column"}) \
        if "cohort" in sheet.columns and len(sheet) else sheet
    return {"git": git, "run": run, "mismatch": pv.get("checksum_mismatch", []) or [],
            "checksums": table(ck, [C("role", "Role"), C("path", "Path"), C("sha256", "sha256"),
                                    C("bytes", "Bytes", fmt.count)], max_rows=1000, id="checksums"),
            "results": table(rck, [C("role", "Role"), C("path", "Path"), C("sha256", "sha256"),
                                   C("bytes", "Bytes", fmt.count)], max_rows=2000) if rck is not None and len(rck)
            else None, "n_results": len(rck) if rck is not None else 0,
            "versions": table(vv, [C("package", "Package"), C("version", "Version")], max_rows=200, id="versions"),
            "lock": [f"{k}=={v}" for k, v in pk.items()], "lock_link": ctx.state.get("lock_link"),
            "run_record_link": ctx.state.get("run_record_link"),
            "config_yaml": ctx.data.config_yaml,
            "sheet": table(sheet, [C(c, c) for c in sheet.columns], max_rows=1000),
            "warnings": ctx.data.warnings}


# --------------------------------------------------------------------------- registry
SECTIONS: list[Section] = [
    Section("findings", "Findings summary", c_findings, late=True, always=True, remark=("19",), tripod=("2", "19a")),
    Section("truth", "SYNTHETIC demo: planted truth vs estimates", c_truth),
    Section("plan", "Objectives and pre-specified analysis plan", c_plan, remark=("1", "11"),
            tripod=("3b", "10e", "11")),
    Section("cohorts", "Cohorts", c_cohorts, remark=("2", "3", "4", "5", "6"),
            tripod=("4a", "4b", "5a", "5b", "5c", "6b", "7b", "12")),
    Section("endpoints", "Endpoints and covariates", c_endpoints, remark=("7", "8"), tripod=("6a", "7a")),
    Section("power", "Sample size, events and power", c_power, needs=("power",), remark=("9",), tripod=("8",)),
    Section("methods", "Methods", c_methods, remark=("5", "10", "11"), tripod=("7a", "9", "10c", "10d")),
    Section("flow", "Patient flow", c_flow, needs=("flow",), remark=("12",), tripod=("13a",)),
    Section("table1", "Patient characteristics (Table 1)", c_table1, needs=("table1",), remark=("6", "13"),
            tripod=("13b", "13c")),
    Section("marker", "Marker and clinical variables", c_marker, needs=("marker_by_variable", "scores_svg"),
            remark=("14",)),
    Section("km", "Kaplan-Meier and log-rank", c_km, needs=("km_svg", "km_median", "logrank"), remark=("15",),
            tripod=("11",)),
    Section("cox", "Cox models", c_cox, needs=("cox",), remark=("15", "16", "17")),
    Section("ph", "Proportional-hazards diagnostics", c_ph, needs=("cox_zph",), remark=("10", "18")),
    Section("discrimination", "Discrimination and response", c_discrimination, needs=("discrimination", "response"),
            remark=("18",), tripod=("10d", "16")),
    Section("validation", "Frozen-model validation and calibration (TRIPOD)", c_validation,
            needs=("frozen_cox", "calibration", "frozen_model"), remark=("18",), tripod=("10d", "13c", "16", "17")),
    Section("predictive", "Predictive value: pre-declared treatment contrasts", c_predictive,
            needs=("predictive",), remark=("17", "18")),
    Section("interaction", "Score x treatment across all arms (global test, secondary)", c_interaction,
            needs=("interaction",)),
    Section("null", "Random-signature null and comparators", c_null, needs=("random_null_summary", "cox"),
            remark=("18",), tripod=("10d",)),
    Section("sensitivity", "Sensitivity analyses", c_sensitivity, needs=("score_methods", "maxstat"), remark=("18",)),
    Section("de", "Differential expression", c_de, needs=("de",)),
    Section("meta", "Meta-analysis", c_meta, needs=("meta_analysis",), remark=("15", "18")),
    Section("multiplicity", "Multiplicity: declared families and adjusted p-values", c_multiplicity,
            needs=("multiplicity",), remark=("10", "18")),
    Section("gsea", "Pathway enrichment (GSEA prerank, exploratory)", c_gsea,
            needs=("gsea", "gsea_concordance")),
    Section("limitations", "Limitations, interpretation and declarations", c_limitations, remark=("19", "20"),
            tripod=("18", "19b", "20", "21", "22")),
    Section("checklists", "Reporting checklists: REMARK and TRIPOD", c_checklists, late=True, always=True),
    Section("signatures", "Appendix: signature gene lists and weights", c_signatures, tripod=("7a",)),
    Section("provenance", "Appendix: provenance, parameters and software", c_provenance, always=True,
            tripod=("21",)),
]


def register_section(section: Section, *, after: str | None = None) -> None:
    """Add (or replace, by id) a section; ``after``: the id it follows (default: before the
    limitations section, i.e. at the end of the results)."""
    for i, old in enumerate(SECTIONS):
        if old.id == section.id:
            SECTIONS[i] = section
            return
    anchor = after or "meta"
    idx = next((i for i, s in enumerate(SECTIONS) if s.id == anchor), len(SECTIONS) - 1)
    SECTIONS.insert(idx + 1, section)


#: The first section that shows a result (the findings summary must come before it).
FIRST_RESULT_SECTION = "flow"
