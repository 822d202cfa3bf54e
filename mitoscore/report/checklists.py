"""REMARK and TRIPOD checklists, graded from their content (never self-declared).

Each checklist item is a list of sub-points. A sub-point is graded from what the report
actually holds:

* text items of ``config/reporting.yaml`` (study- or cohort-level) by :func:`grade_text`:
  empty or a placeholder (``None``, ``N/A``, ``not applicable``, ``TBD``, ``TODO``,
  ``...``, ``<fill in>``...) -> missing; cohort-level items are *present* only when every
  cohort (of the roles the item concerns) has them, *partial* when some do;
* result tables and sections by whether they were loaded / rendered with content
  (a section switched off in ``sections.exclude`` counts as missing).

Item grade: ``reported`` when every sub-point is present, ``missing`` when none is,
``partial`` otherwise; the ``to complete`` column lists what would complete it.

Checklists: REMARK (McShane et al. 2005; Altman et al. 2012) and the TRIPOD 2015 items
that apply to the external validation of a prediction model (Collins et al. 2015; items
marked V or D;V). TRIPOD+AI (Collins et al. 2024) updates TRIPOD 2015 for models built with
regression or machine learning; its validation items map onto the ones below (a
TRIPOD+AI profile is a data change here: another list of :class:`Item`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

PRESENT, PARTIAL, MISSING = "present", "partial", "missing"
REPORTED = "reported"

#: Text that only stands in for content. Matched at the start of the stripped text,
#: followed by the end of the text or punctuation / a bracket ("None: ...", "N/A (...)").
_PLACEHOLDER = re.compile(
    r"^(none(?! declared)|n\s*/\s*a|n\.a\.?|na|nil|null|nothing|not applicable|not available|not reported|not known|unknown|"
    r"tbd|tba|todo|to ?do|fixme|xxx+|pending|to be (?:completed|added|defined|done|determined|confirmed)|"
    r"fill(?: me)? in|placeholder|lorem ipsum|\?+|-+|\.\.\.+|\u2026)(?=$|[\s:;,.()\[\]!-])",
    re.I)
_TEMPLATE = re.compile(r"^[<\[{].*[>\]}]$", re.S)


def grade_text(text) -> tuple[str, str]:
    """Grade one free-text reporting item -> (grade, why).

    ``missing`` for None / empty / whitespace, a template marker (``<...>``, ``[...]``), fewer
    than 3 letters, or text that starts with a placeholder word (``None``, ``N/A``, ``NA``,
    ``not applicable``, ``unknown``, ``TBD``, ``TODO``, ``pending``, ``...``); else ``present``.
    """
    if text is None:
        return MISSING, "not given"
    if isinstance(text, (list, tuple)):
        graded = [grade_text(t)[0] for t in text]
        if not graded:
            return MISSING, "empty list"
        if all(g == PRESENT for g in graded):
            return PRESENT, ""
        if any(g == PRESENT for g in graded):
            return PRESENT, "some entries are placeholders"
        return MISSING, "only placeholders"
    s = str(text).strip()
    if not s:
        return MISSING, "empty"
    if _TEMPLATE.match(s):
        return MISSING, f"template marker '{s[:30]}'"
    if len(re.findall(r"[A-Za-z]", s)) < 3:
        return MISSING, f"too short ('{s}')"
    m = _PLACEHOLDER.match(s)
    if m:
        return MISSING, f"placeholder '{m.group(0)}'"
    return PRESENT, ""


@dataclass
class SubGrade:
    label: str
    grade: str
    detail: str = ""
    fix: str = ""


@dataclass(frozen=True)
class SubPoint:
    """One checkable part of an item. ``check(state) -> SubGrade``."""
    label: str
    check: Callable[["CheckState"], SubGrade]


@dataclass(frozen=True)
class Item:
    guideline: str
    number: str
    text: str
    subpoints: tuple[SubPoint, ...]


@dataclass
class CheckState:
    """What the grader may look at: the loaded data and which sections were rendered."""
    data: object                         # ReportData
    rendered: dict                       # section id -> True if rendered with content
    excluded: set = field(default_factory=set)


# --------------------------------------------------------------------------- sub-point builders
def study(key: str, label: str, remark=None, tripod=None) -> SubPoint:
    """A study-level text of config/reporting.yaml (``study.<key>``)."""
    def check(st: CheckState) -> SubGrade:
        val = ((st.data.reporting or {}).get("study") or {}).get(key)
        g, why = grade_text(val)
        return SubGrade(label, g, why, "" if g == PRESENT else f"write study.{key} in the reporting items file "
                        f"({st.data.report_cfg.get('reporting', 'config/reporting.yaml')})")
    return SubPoint(label, check)


def cohort(key: str, label: str, roles: Sequence[str] | None = None) -> SubPoint:
    """A cohort-level text of config/reporting.yaml (``cohorts.<id>.<key>``), required for
    every cohort (of ``roles``)."""
    def check(st: CheckState) -> SubGrade:
        rep = (st.data.reporting or {}).get("cohorts") or {}
        names = [n for n, cd in st.data.cohorts.items() if roles is None or cd.role in roles]
        if not names:
            return SubGrade(label, PRESENT, "no cohort of this role: not applicable")
        missing = [n for n in names if grade_text((rep.get(n) or {}).get(key))[0] != PRESENT]
        if not missing:
            return SubGrade(label, PRESENT)
        g = MISSING if len(missing) == len(names) else PARTIAL
        return SubGrade(label, g, "missing or placeholder for " + ", ".join(missing),
                        f"write cohorts.<cohort>.{key} for " + ", ".join(missing))
    return SubPoint(label, check)


def section(sid: str, label: str) -> SubPoint:
    """Shown by a report section (rendered with content, not switched off)."""
    def check(st: CheckState) -> SubGrade:
        if sid in st.excluded:
            return SubGrade(label, MISSING, f"section '{sid}' switched off",
                            f"remove '{sid}' from sections.exclude in the reporting items file")
        if st.rendered.get(sid):
            return SubGrade(label, PRESENT, f"section #{sid}")
        return SubGrade(label, MISSING, f"section '{sid}' has no content (its input tables were not produced)",
                        f"run the analysis that produces section '{sid}'")
    return SubPoint(label, check)


def table(key: str, label: str, *, summary: bool = False, fix: str = "",
          rows: Callable | None = None) -> SubPoint:
    """A result table loaded (non-empty) in every cohort (or the summary table); ``rows``
    optionally filters the rows that count."""
    def ok(df) -> bool:
        if df is None or df.empty:
            return False
        return bool(len(rows(df))) if rows is not None else True

    def check(st: CheckState) -> SubGrade:
        if summary:
            g = PRESENT if ok(st.data.summary.get(key)) else MISSING
            return SubGrade(label, g, "" if g == PRESENT else f"{key} not available",
                            "" if g == PRESENT else (fix or f"produce results/summary/{key}"))
        names = list(st.data.cohorts)
        have = [n for n in names if ok(st.data.cohorts[n].t(key))]
        if len(have) == len(names) and names:
            return SubGrade(label, PRESENT)
        missing = [n for n in names if n not in have]
        g = MISSING if not have else PARTIAL
        return SubGrade(label, g, f"{key} not available for " + ", ".join(missing),
                        fix or f"produce {key} for " + ", ".join(missing))
    return SubPoint(label, check)


def generated(label: str, sid: str) -> SubPoint:
    """A statement the workflow itself makes in section ``sid`` (e.g. complete-case analysis)."""
    return section(sid, label)


def custom(label: str, fn: Callable[[CheckState], SubGrade]) -> SubPoint:
    return SubPoint(label, fn)


def _truthy_config(label: str, path: Sequence[str], fix: str) -> SubPoint:
    def check(st: CheckState) -> SubGrade:
        v = st.data.config
        for k in path:
            v = (v or {}).get(k) if isinstance(v, dict) else None
        g, why = grade_text(v)
        return SubGrade(label, g, why, "" if g == PRESENT else fix)
    return SubPoint(label, check)


def _discovery_and_validation(st: CheckState) -> SubGrade:
    roles = {cd.role for cd in st.data.cohorts.values()}
    lab = "development (discovery) data shown next to the validation data"
    if "validation" in roles and "discovery" in roles and st.rendered.get("table1"):
        return SubGrade(lab, PRESENT, "Table 1 has a column per cohort")
    if "validation" not in roles:
        return SubGrade(lab, MISSING, "no validation cohort", "add a validation cohort (role: validation)")
    return SubGrade(lab, MISSING, "no discovery cohort in this run (development data not shown)",
                    "add the development cohort (role: discovery) or its published characteristics")


def _calibration(st: CheckState) -> SubGrade:
    lab = "calibration (observed vs predicted risk)"
    if any(cd.t("calibration") is not None for cd in st.data.cohorts.values()):
        return SubGrade(lab, PRESENT)
    return SubGrade(lab, MISSING, "no calibration table in this run",
                    "run the frozen-model validation with calibration (calibration.tsv per cohort)")


def _multivariable(st: CheckState) -> SubGrade:
    lab = "multivariable model: HR with CI of the marker and every variable"
    names = list(st.data.cohorts)
    have = []
    for n in names:
        cox = st.data.cohorts[n].t("cox")
        if cox is not None and not cox.empty and (cox["model"] == "multivariable").any():
            have.append(n)
    if names and len(have) == len(names):
        return SubGrade(lab, PRESENT)
    miss = [n for n in names if n not in have]
    return SubGrade(lab, MISSING if not have else PARTIAL, "no multivariable model for " + ", ".join(miss),
                    "configure covariates in the cohort sheet (column covariates), or see skipped_models.tsv")


# --------------------------------------------------------------------------- REMARK
REMARK: list[Item] = [
    Item("REMARK", "1", "Marker examined, study objectives, pre-specified hypotheses", (
        study("marker", "marker examined"), study("objectives", "objectives"),
        study("hypotheses", "pre-specified hypotheses (investigators' wording)"),
        section("plan", "verdict rules of the hypotheses (analysis plan)"))),
    Item("REMARK", "2", "Patient characteristics, source, inclusion and exclusion criteria", (
        cohort("source", "source of the patients"), cohort("eligibility", "inclusion and exclusion criteria"),
        section("table1", "patient characteristics (Table 1)"))),
    Item("REMARK", "3", "Treatments received and how chosen", (cohort("treatment", "treatments and how chosen"),)),
    Item("REMARK", "4", "Type of biological material, preservation and storage", (
        cohort("specimen", "specimen: material, preservation, storage"),)),
    Item("REMARK", "5", "Assay method, protocol, quality control, scoring; blinding to outcome", (
        cohort("assay", "assay method and protocol"), section("flow", "RNA-seq quality control"),
        section("methods", "scoring method"), cohort("blinding", "blinding of assay / scoring to outcome"))),
    Item("REMARK", "6", "Case selection (prospective/retrospective), time period, end of follow-up, median follow-up", (
        cohort("design", "case selection / design"), cohort("recruitment_dates", "time period"),
        cohort("follow_up", "end of follow-up, ascertainment"),
        table("table1", "median follow-up (reverse Kaplan-Meier)", summary=True))),
    Item("REMARK", "7", "Definition of all clinical endpoints", (
        study("endpoint_definition", "endpoint definition (start, event, censoring)"),
        section("endpoints", "time and event columns, units and coding per cohort"))),
    Item("REMARK", "8", "All candidate variables considered for the models", (
        section("endpoints", "candidate variables (signatures, comparators, covariates)"),)),
    Item("REMARK", "9", "Rationale for sample size; power and detectable effect", (
        study("sample_size_rationale", "rationale for the sample size"),
        table("power", "detectable effect for the observed events"))),
    Item("REMARK", "10", "All statistical methods, model assumptions, missing data", (
        section("methods", "statistical methods"), table("cox_zph", "proportional-hazards checks"),
        generated("handling of missing data (complete case, stated in the methods)", "methods"))),
    Item("REMARK", "11", "Handling of marker values, cutpoint determination", (
        section("methods", "marker scoring and standardisation"), table("cutpoints", "pre-declared cutpoints"))),
    Item("REMARK", "12", "Flow of patients, numbers at each stage, reasons for dropout, events", (
        table("flow", "numbers and reasons at each stage"), section("flow", "flow diagram"),
        table("power", "events"))),
    Item("REMARK", "13", "Distribution of demographic and prognostic variables and the marker, with missing values", (
        table("table1", "Table 1 with missing counts", summary=True),)),
    Item("REMARK", "14", "Relation of the marker to standard prognostic variables", (
        table("marker_by_variable", "marker by clinical variable"),)),
    Item("REMARK", "15", "Univariable analyses: marker and outcome (HR, survival, KM plot)", (
        table("cox", "univariable HR with CI"), table("km_median", "median survival by group"),
        section("km", "Kaplan-Meier curves"))),
    Item("REMARK", "16", "Key multivariable analyses: HR with CI for the marker and all variables of the final model", (
        custom("multivariable model", _multivariable),)),
    Item("REMARK", "17", "Estimated effects with CI from a model with the marker and standard prognostic variables, "
                         "regardless of significance", (custom("full model shown", _multivariable),)),
    Item("REMARK", "18", "Further investigations: checking assumptions, sensitivity analyses, internal validation", (
        table("cox_zph", "assumption checks"), table("score_methods", "sensitivity to the scoring method"),
        table("discrimination", "internal validation (bootstrap CIs of C)"),
        table("random_null_summary", "random-signature null"))),
    Item("REMARK", "19", "Interpretation in the context of the pre-specified hypotheses; limitations", (
        section("findings", "verdict per pre-specified hypothesis (generated from the results)"),
        study("interpretation", "investigators' interpretation"), study("limitations", "stated limitations"))),
    Item("REMARK", "20", "Implications for future research and clinical value", (
        study("implications", "implications"),)),
]

# --------------------------------------------------------------------------- TRIPOD 2015 (external validation)
TRIPOD: list[Item] = [
    Item("TRIPOD", "1", "Title: validation study, target population, outcome", (
        _truthy_config("title", ("report", "title"), "set report.title in the configuration"),
        study("design", "target population / design"), study("endpoint_definition", "outcome"))),
    Item("TRIPOD", "2", "Structured summary (objectives, setting, participants, outcome, results, conclusions)", (
        study("objectives", "objectives"), section("findings", "results summary (findings)"),
        study("interpretation", "conclusions"))),
    Item("TRIPOD", "3a", "Background: medical context and rationale, references to existing models", (
        study("background", "background and rationale"), study("marker", "the model / signature validated"))),
    Item("TRIPOD", "3b", "Objectives, including whether the study validates the model", (
        study("objectives", "objectives"),)),
    Item("TRIPOD", "4a", "Source of data: study design or source (trial, cohort, registry) of each data set", (
        cohort("design", "design of each cohort"), cohort("source", "source of each cohort"))),
    Item("TRIPOD", "4b", "Key study dates: start and end of accrual, end of follow-up", (
        cohort("recruitment_dates", "accrual dates"), cohort("follow_up", "end of follow-up"))),
    Item("TRIPOD", "5a", "Setting: care setting, number and location of centres", (
        cohort("setting", "care setting, centres"),)),
    Item("TRIPOD", "5b", "Eligibility criteria", (cohort("eligibility", "eligibility criteria"),)),
    Item("TRIPOD", "5c", "Treatments received", (cohort("treatment", "treatments received"),)),
    Item("TRIPOD", "6a", "Outcome: definition, how and when assessed", (
        study("endpoint_definition", "outcome definition"), section("endpoints", "time and event coding"))),
    Item("TRIPOD", "6b", "Blinding of the outcome assessment", (cohort("outcome_blinding", "outcome blinding"),)),
    Item("TRIPOD", "7a", "Predictors: definition, how and when measured", (
        section("methods", "score computation"), section("signatures", "signature genes and weights (appendix)"),
        cohort("assay", "measurement (assay)"))),
    Item("TRIPOD", "7b", "Blinding of the predictor assessment to the outcome", (
        cohort("blinding", "blinding of the score to the outcome"),)),
    Item("TRIPOD", "8", "How the study size was arrived at", (
        study("sample_size_rationale", "sample size rationale"), table("power", "detectable effect"))),
    Item("TRIPOD", "9", "Handling of missing data", (
        generated("complete-case analysis stated, numbers dropped per model", "methods"),
        table("table1", "missing values per variable", summary=True))),
    Item("TRIPOD", "10c", "Validation: how the predictions were calculated", (
        section("methods", "score standardisation and cut, as frozen in the plan"),
        table("cutpoints", "cutpoints applied"))),
    Item("TRIPOD", "10d", "All measures of model performance (and model comparison)", (
        table("discrimination", "discrimination (C, time-dependent AUC)"), custom("calibration", _calibration),
        table("random_null_summary", "comparison with random signatures and comparators"))),
    Item("TRIPOD", "10e", "Model updating arising from the validation, if done", (
        generated("no updating is done by the workflow (stated in the plan)", "plan"),)),
    Item("TRIPOD", "11", "How risk groups were created", (
        table("cutpoints", "cut rule and cut values"), section("plan", "pre-declared cut rule"))),
    Item("TRIPOD", "12", "Validation: differences from the development data (setting, eligibility, outcome, "
                         "predictors)", (cohort("differences_from_discovery", "differences from the development data",
                                                roles=("validation",)),)),
    Item("TRIPOD", "13a", "Flow of participants, numbers with and without the outcome, follow-up", (
        table("flow", "flow with reasons"), table("power", "numbers with the outcome"),
        table("table1", "follow-up summary", summary=True))),
    Item("TRIPOD", "13b", "Characteristics of the participants, missing data of predictors and outcome", (
        table("table1", "Table 1 with missing counts", summary=True),)),
    Item("TRIPOD", "13c", "Validation: comparison with the development data of important variables", (
        custom("comparison with the development data", _discovery_and_validation),)),
    Item("TRIPOD", "16", "Performance measures with confidence intervals", (
        table("discrimination", "C with bootstrap CI"), custom("calibration", _calibration))),
    Item("TRIPOD", "17", "Results of any model updating", (
        generated("no updating done (stated in the plan)", "plan"),)),
    Item("TRIPOD", "18", "Limitations (non-representative sample, few events, missing data)", (
        study("limitations", "stated limitations"), section("limitations", "limitations detected from the results"))),
    Item("TRIPOD", "19a", "Validation: results discussed with reference to the development data and other validations", (
        section("findings", "discovery and validation results side by side (findings)"),
        study("interpretation", "investigators' discussion"))),
    Item("TRIPOD", "19b", "Overall interpretation (objectives, limitations, other evidence)", (
        study("interpretation", "overall interpretation"),)),
    Item("TRIPOD", "20", "Potential clinical use and implications for research", (study("implications", "implications"),)),
    Item("TRIPOD", "21", "Supplementary information: protocol, code, data availability", (
        study("supplementary", "availability of protocol and data"),
        section("provenance", "code revision, configuration, checksums (appendix)"))),
    Item("TRIPOD", "22", "Funding and the role of the funders", (study("funding", "funding"),)),
]

CHECKLISTS: dict[str, list[Item]] = {"REMARK": REMARK, "TRIPOD": TRIPOD}


@dataclass
class GradedItem:
    guideline: str
    number: str
    text: str
    grade: str
    subs: list[SubGrade]

    @property
    def to_complete(self) -> list[str]:
        return [f"{s.label}: {s.fix}" for s in self.subs if s.grade != PRESENT and s.fix]


def grade_item(item: Item, state: CheckState) -> GradedItem:
    subs = [sp.check(state) for sp in item.subpoints]
    grades = [s.grade for s in subs]
    if all(g == PRESENT for g in grades):
        g = REPORTED
    elif all(g == MISSING for g in grades):
        g = MISSING
    else:
        g = PARTIAL
    return GradedItem(item.guideline, item.number, item.text, g, subs)


def grade(items: Sequence[Item], state: CheckState) -> list[GradedItem]:
    return [grade_item(i, state) for i in items]


def counts(graded: Sequence[GradedItem]) -> dict[str, int]:
    out = {REPORTED: 0, PARTIAL: 0, MISSING: 0}
    for g in graded:
        out[g.grade] += 1
    return out
