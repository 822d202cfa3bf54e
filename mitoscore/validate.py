"""Semantic checks of counts and clinical tables, clinical standardisation and sample matching.

Everything returns new objects (pure functions); every problem raises
:class:`~mitoscore.errors.InputError` naming the file, the row/column/id and the fix.
The *flow* tables (``step, n_before, n_after, n_excluded, reason``) document every
exclusion for the CONSORT-like patient-flow diagram of the report.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import InputError, Problems
from .errors import preview as _preview

DAYS_PER_MONTH = 365.25 / 12  # 30.4375, as in survival::Surv conversions and cBioPortal
TIME_FACTORS = {"months": 1.0, "days": 1.0 / DAYS_PER_MONTH, "weeks": 7.0 / DAYS_PER_MONTH, "years": 12.0}

#: Default event coding (keys compared lower-cased and stripped): 1 = death.
DEFAULT_EVENT_CODING: dict[str, int] = {
    "1": 1, "0": 0, "1.0": 1, "0.0": 0,
    "dead": 1, "alive": 0, "deceased": 1, "living": 0,
    "1:deceased": 1, "0:living": 0,
}
#: Default response coding (keys lower-cased): 1 = responder, 0 = refractory.
DEFAULT_RESPONSE_CODING: dict[str, int] = {
    "1": 1, "0": 0, "1.0": 1, "0.0": 0,
    "responder": 1, "non-responder": 0, "nonresponder": 0, "non responder": 0,
    "cr": 1, "complete remission": 1, "complete response": 1,
    "refractory": 0, "primary refractory": 0, "resistant": 0, "resistant disease": 0,
}

FLOW_COLUMNS = ["step", "n_before", "n_after", "n_excluded", "reason"]


def suggest_column(name: str, available: Iterable[str]) -> str | None:
    """Closest column name to ``name`` (case-insensitive difflib ratio >= 0.6), else None."""
    available = [str(a) for a in available]
    if not available:
        return None
    lower = {a.lower(): a for a in available}
    if name.lower() in lower:
        return lower[name.lower()]
    norm = {re.sub(r"[^a-z0-9]", "", a.lower()): a for a in available}
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    if key and key in norm:
        return norm[key]
    hits = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.6)
    return lower[hits[0]] if hits else None


# --------------------------------------------------------------------------- counts
def check_counts(counts: pd.DataFrame, *, file: str) -> None:
    """Raise :class:`InputError` unless ``counts`` is a usable raw-count matrix.

    Checks: at least one gene and one sample; unique gene ids and sample ids; no
    NaN/Inf; no negative values; no sample whose counts are all zero (a failed
    library or an empty column). Offending genes/samples are named.
    """
    if counts.shape[1] == 0:
        raise InputError("no samples (0 count columns)", file=file,
                         fix="the count matrix needs one column per sample after the gene column")
    if counts.shape[0] == 0:
        raise InputError("no genes (0 rows)", file=file, fix="re-export the count matrix with one row per gene")
    cols = pd.Index(counts.columns)
    if cols.duplicated().any():
        d = cols[cols.duplicated()].unique().tolist()
        raise InputError(f"duplicated sample id(s): {_preview(d)}", file=file, column=str(d[0]),
                         fix="give every sample a unique column name (merge or drop technical replicates)")
    idx = pd.Index(counts.index)
    if idx.duplicated().any():
        d = idx[idx.duplicated()].unique().tolist()
        pos = int(np.flatnonzero(idx.duplicated())[0])
        raise InputError(f"duplicated gene id(s): {_preview(d)}", file=file, row=f"{pos + 1} (gene '{d[0]}')",
                         fix="gene ids must be unique in the count file: remove the duplicated rows, or count per "
                             "unique gene id (e.g. featureCounts -g gene_id; GDC/GENCODE ids with version)")
    try:
        a = counts.to_numpy(dtype=float)
    except (TypeError, ValueError) as e:
        raise InputError(f"non-numeric values ({e})", file=file, fix="counts must be numbers") from e
    for test, what, fix in (
        (np.isnan, "missing (NaN) count", "raw counts cannot be missing; re-export the matrix"),
        (np.isinf, "infinite count", "raw counts must be finite; re-export the matrix"),
        (lambda x: x < 0, "negative count", "raw counts are >= 0; negative values mean the data are log-transformed "
                                          "or batch-corrected: provide the raw counts"),
    ):
        bad = test(a)
        if bad.any():
            i, j = (int(k[0]) for k in np.nonzero(bad))
            raise InputError(f"{what} for gene '{counts.index[i]}' in sample '{counts.columns[j]}' "
                             f"({int(bad.sum())} value(s) in total)",
                             file=file, row=repr(str(counts.index[i])), column=str(counts.columns[j]),
                             value=None if what.startswith("missing") else float(a[i, j]), fix=fix)
    zero = np.flatnonzero(a.sum(axis=0) == 0)
    if len(zero):
        names = [str(counts.columns[j]) for j in zero]
        raise InputError(f"sample(s) with all counts zero: {_preview(names)}", file=file, column=names[0],
                         fix="remove failed/empty libraries from the count matrix (and their clinical rows)")


# --------------------------------------------------------------------------- clinical
#: Overall-survival layouts of public clinical tables (cohort-sheet ``survival_layout``).
#: ``time_event``: one time column + one event column (the default);
#: ``death_followup``: a death time (dead patients), a last follow-up time (living patients)
#: and a vital status, combined into OS (time = death time if dead, else last follow-up);
#: presets fill in the column names (first candidate present in the table) and the unit:
SURVIVAL_LAYOUTS: dict[str, dict] = {
    "time_event": {"kind": "time_event"},
    "death_followup": {"kind": "death_followup"},
    # GDC / TCGA BCR clinical tables (portal clinical.tsv, BCR Biotab clinical_patient_*.txt): days
    "gdc": {"kind": "death_followup", "unit": "days",
            "death_time_column": ["days_to_death", "demographic.days_to_death"],
            "followup_time_column": ["days_to_last_follow_up", "days_to_last_followup",
                                     "diagnoses.days_to_last_follow_up"],
            "vital_status_column": ["vital_status", "demographic.vital_status"]},
    # cBioPortal data_clinical_patient.txt (OS_MONTHS / OS_STATUS) or its web export
    "cbioportal": {"kind": "time_event", "unit": "months",
                   "time_column": ["OS_MONTHS", "Overall Survival (Months)"],
                   "event_column": ["OS_STATUS", "Overall Survival Status"]},
    # TARGET clinical tables (TARGET data matrix / GDC TARGET-AML)
    "target": {"kind": "time_event", "unit": "days",
               "time_column": ["Overall Survival Time in Days"],
               "event_column": ["Vital Status"]},
}
LAYOUT_COLUMNS = {"time_event": ("time_column", "event_column"),
                  "death_followup": ("death_time_column", "followup_time_column", "vital_status_column")}

#: Plausibility bounds of overall-survival follow-up in months (cohort-sheet ``plausibility_checks``).
MAX_PLAUSIBLE_MONTHS = 600.0      # 50 years after diagnosis: no AML follow-up is longer
MIN_PLAUSIBLE_MAX_MONTHS = 6.0    # a survival cohort whose longest follow-up is < 6 months
MIN_PLAUSIBLE_MEDIAN_FU = 1.0     # median follow-up (reverse Kaplan-Meier) < 1 month
PLAUSIBILITY_MIN_N = 20           # the lower bounds apply from this many analysed patients
CENSORED_SHARE_SHIFT = 0.20       # |censored share of all patients - of analysed patients|
UNIT_WORDS = {"days": ("day",), "weeks": ("week", "wk"), "months": ("month", "mos", "mo"),
              "years": ("year", "yr")}

ENDPOINT_COLUMNS = ["cohort", "layout", "time_source", "time_unit", "conversion", "event_source", "event_coding",
                    "missing_survival", "zero_time", "plausibility_checks", "n_rows", "n_excluded_survival",
                    "n_analysed", "n_events", "n_censored", "censored_share_all", "censored_share_analysed",
                    "median_follow_up_months", "max_time_months", "warnings"]
_CONVERSION = {"days": "days / 30.4375", "weeks": "weeks x 7 / 30.4375", "months": "none (months)",
               "years": "years x 12"}


def _is_missing_code(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v.strip().upper() in ("NA", ""))


def _coding_lookup(coding: Mapping[str, int] | None, default: Mapping[str, int]) -> dict[str, int | None]:
    """Lower-cased lookup; a value None/NaN/'NA' in ``coding`` means 'treat as missing'."""
    if coding is None or len(coding) == 0:
        return dict(default)
    return {str(k).strip().lower(): (None if _is_missing_code(v) else int(v)) for k, v in coding.items()}


def _covered(coding: Mapping | None, default: Mapping[str, int]) -> str:
    if coding:
        return ", ".join(f"{k}={'NA' if _is_missing_code(v) else v}" for k, v in coding.items())
    return "0/1, dead/alive, deceased/living, 1:DECEASED/0:LIVING (the default coding)"


class _Ctx:
    """Who and where, for messages: the cohort, the cohort sheet, the clinical file."""

    def __init__(self, file: str, cohort: str | None, sheet: str | None) -> None:
        self.file, self.cohort, self.sheet = file, cohort, sheet

    @property
    def who(self) -> str:
        return f"cohort '{self.cohort}': " if self.cohort else ""

    def set(self, key: str, value) -> str:
        where = f"for cohort '{self.cohort}' " if self.cohort else ""
        return f"set {key}: {value} {where}in {self.sheet or 'the cohort sheet'}"


def parse_events(values: pd.Series, *, file: str, column: str, coding: Mapping[str, int] | None = None,
                 row_offset: int = 2, rows: list[int] | None = None, cohort: str | None = None,
                 sheet: str | None = None) -> pd.Series:
    """Map event values to 0/1 (float, NaN for missing). Unknown values raise InputError.

    ``coding`` maps raw values (case-insensitive) to 0/1 (``NA`` = missing); default:
    :data:`DEFAULT_EVENT_CODING`. ``row_offset`` converts the 0-based position to the
    file line number (header = line 1), or ``rows`` gives the line of each value. The
    error lists every unrecognised value (with its count and first row) and the values
    the coding covers.
    """
    ctx = _Ctx(file, cohort, sheet)
    lut = _coding_lookup(coding, DEFAULT_EVENT_CODING)
    bad_codes = {k: v for k, v in lut.items() if v not in (0, 1, None)}
    if bad_codes:
        k = next(iter(bad_codes))
        raise InputError(f"{ctx.who}event_coding must map values to 0 (censored) or 1 (event)", file=sheet or file,
                         column="event_coding", value=f"{k}={bad_codes[k]}",
                         fix="write e.g. 'Dead=1,Alive=0' in the event_coding column (NA = treat as missing)")
    out = np.full(len(values), np.nan)
    unknown: dict[str, list[int]] = {}
    for pos, v in enumerate(values.to_numpy()):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            continue
        key = str(v).strip().lower()
        if key in lut:
            out[pos] = np.nan if lut[key] is None else lut[key]
            continue
        unknown.setdefault(str(v).strip(), []).append(rows[pos] if rows is not None else pos + row_offset)
    if unknown:
        first = next(iter(unknown))
        listing = "; ".join(f"'{k}' ({len(r)} row(s), first row {r[0]})" for k, r in list(unknown.items())[:8])
        hint = (" (R's Surv() 1/2 coding? then 2=1,1=0)" if set(unknown) <= {"2", "1", "2.0"} else "")

        def _guess(v: str) -> str:
            low = v.lower()
            if re.search(r"dead|deceas|died|death|event|^1(\.0)?$|^yes$", low):
                return "1"
            if re.search(r"alive|living|censor|^0(\.0)?$|^no$", low):
                return "0"
            return "?"
        suggestion = ",".join(f"{v}={_guess(v)}" for v in list(unknown)[:6])
        raise InputError(f"{ctx.who}unrecognised event value(s): {listing}; the coding in use covers "
                         f"{_covered(coding, DEFAULT_EVENT_CODING)}{hint}", file=file, column=column,
                         row=unknown[first][0], value=first,
                         fix=f"declare every value in event_coding, e.g. {ctx.set('event_coding', suggestion)}"
                             " (1 = death, 0 = censored, NA = missing; replace any ?)")
    return pd.Series(out, index=values.index)


def _parse_response(values: pd.Series, *, file: str, column: str, coding: Mapping[str, int] | None,
                    rows: list[int], ctx: "_Ctx | None" = None) -> pd.Series:
    ctx = ctx or _Ctx(file, None, None)
    lut = _coding_lookup(coding, DEFAULT_RESPONSE_CODING)
    bad_codes = {k: v for k, v in lut.items() if v not in (0, 1, None)}
    if bad_codes:
        k = next(iter(bad_codes))
        raise InputError(f"{ctx.who}response_coding must map values to 1 (responder), 0 (refractory) or NA",
                         file=ctx.sheet or file, column="response_coding", value=f"{k}={bad_codes[k]}",
                         fix="write e.g. 'CR/CRi=1,refractory=0'")
    out = np.full(len(values), np.nan)
    unknown: dict[str, list[int]] = {}
    for pos, v in enumerate(values.to_numpy()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        key = str(v).strip().lower()
        if key in lut:
            out[pos] = np.nan if lut[key] is None else lut[key]
            continue
        unknown.setdefault(str(v).strip(), []).append(rows[pos])
    if unknown:
        first = next(iter(unknown))
        listing = "; ".join(f"'{k}' ({len(r)} row(s), first row {r[0]})" for k, r in list(unknown.items())[:8])
        default = ("the default coding (responder/CR = 1, refractory/resistant = 0)" if not coding
                   else ", ".join(f"{k}={'NA' if _is_missing_code(v) else v}" for k, v in coding.items()))
        raise InputError(f"{ctx.who}unrecognised response value(s): {listing}; the coding in use covers {default}",
                         file=file, column=column, row=unknown[first][0], value=first,
                         fix="declare the coding in the cohort sheet's response_coding column, e.g. "
                             f"'CR/CRi=1,refractory=0,unevaluable=NA' (NA = not evaluable); '{first}' is not coded")
    return pd.Series(out, index=values.index)


def _flow_row(step: str, n_before: int, n_after: int, reason: str) -> dict:
    return {"step": step, "n_before": int(n_before), "n_after": int(n_after),
            "n_excluded": int(n_before - n_after), "reason": reason}


def resolve_layout(columns: Iterable[str], *, layout: str = "time_event", time_column: str | None = None,
                   event_column: str | None = None, death_time_column: str | None = None,
                   followup_time_column: str | None = None, vital_status_column: str | None = None,
                   time_unit: str | None = None, file: str = "", cohort: str | None = None,
                   sheet: str | None = None) -> dict:
    """Resolve a cohort's survival layout to concrete columns and a unit.

    Returns ``{layout, kind, unit, time_column, event_column, death_time_column,
    followup_time_column, vital_status_column}`` (``kind`` ``time_event`` or
    ``death_followup``). Columns set explicitly win; a preset (``gdc``, ``cbioportal``,
    ``target``) fills the others with the first of its candidate names present in the
    table. An explicit ``time_unit`` that contradicts a preset raises. Every problem
    is collected and raised together.
    """
    ctx = _Ctx(file, cohort, sheet)
    cols = list(columns)
    problems = Problems()
    if layout not in SURVIVAL_LAYOUTS:
        near = suggest_column(layout, SURVIVAL_LAYOUTS)
        raise InputError(f"{ctx.who}unknown survival_layout '{layout}'" + (f" (did you mean '{near}'?)" if near else ""),
                         file=sheet or file, column="survival_layout", value=layout,
                         fix=f"use one of {', '.join(SURVIVAL_LAYOUTS)}")
    preset = SURVIVAL_LAYOUTS[layout]
    kind = preset["kind"]
    given = {"time_column": time_column, "event_column": event_column, "death_time_column": death_time_column,
             "followup_time_column": followup_time_column, "vital_status_column": vital_status_column}
    out = {"layout": layout, "kind": kind}
    other = "death_followup" if kind == "time_event" else "time_event"
    stray = [k for k in LAYOUT_COLUMNS[other] if given[k]]
    if stray:
        problems.add(InputError(
            f"{ctx.who}{', '.join(stray)} set but survival_layout is '{layout}' (conflicting settings)",
            file=sheet or file, column=stray[0],
            fix=("use survival_layout: death_followup (or gdc) to build OS from death time, last follow-up and "
                 "vital status, or clear " + ", ".join(stray)) if kind == "time_event" else
                f"clear {', '.join(stray)}: layout '{layout}' reads {', '.join(LAYOUT_COLUMNS[kind])}"))
    for key in LAYOUT_COLUMNS[kind]:
        if given[key]:
            out[key] = given[key]
            continue
        cands = preset.get(key, [])
        hit = next((c for c in cands if c in cols), None)
        if hit is None:
            hit = next((suggest_column(c, cols) for c in cands if suggest_column(c, cols)), None) if cands else None
            if cands:
                problems.add(InputError(
                    f"{ctx.who}survival_layout '{layout}' looks for {key.replace('_column', '')} in "
                    f"{' or '.join(repr(c) for c in cands)}, but the table has none of them"
                    + (f" (nearest: '{hit}')" if hit else ""), file=file, column=cands[0],
                    fix=ctx.set(key, hit or "<the column>")))
            else:
                problems.add(InputError(f"{ctx.who}{key} is required with survival_layout '{layout}'",
                                        file=sheet or file, column=key,
                                        fix=ctx.set(key, "<column of the clinical table>")
                                        + ("; or use survival_layout gdc / death_followup when the table has a death "
                                           "time, a last follow-up time and a vital status" if kind == "time_event" else "")))
            continue
        out[key] = hit
    unit = preset.get("unit")
    if time_unit and unit and time_unit != unit:
        problems.add(InputError(f"{ctx.who}time_unit '{time_unit}' contradicts survival_layout '{layout}', whose "
                                f"times are in {unit}", file=sheet or file, column="time_unit", value=time_unit,
                                fix=f"clear time_unit (the layout sets {unit}) or use survival_layout time_event"))
    out["unit"] = time_unit or unit or "months"
    if out["unit"] not in TIME_FACTORS:
        problems.add(InputError(f"{ctx.who}unknown time unit {out['unit']!r}", file=sheet or file, column="time_unit",
                                fix=f"set time_unit to one of {', '.join(TIME_FACTORS)}"))
    problems.raise_if_any()
    for k in ("time_column", "event_column", "death_time_column", "followup_time_column", "vital_status_column"):
        out.setdefault(k, None)
    return out


def _unit_in_name(name: str) -> str | None:
    """The time unit a column name states ('days_to_death' -> days), if exactly one."""
    low = re.sub(r"[^a-z]+", " ", str(name).lower())
    words = low.split()
    found = {u for u, stems in UNIT_WORDS.items() for w in words for s in stems
             if w == s or w == s + "s" or (len(s) > 2 and w.startswith(s))}
    return next(iter(found)) if len(found) == 1 else None


def median_follow_up(months: np.ndarray, event: np.ndarray) -> float:
    """Median follow-up by the reverse Kaplan-Meier method (Schemper & Smith 1996): the KM
    median of the censoring times (deaths censor the follow-up), = R
    ``survfit(Surv(time, 1 - status) ~ 1)`` median; NaN if not reached or no censoring."""
    from .survival import km_median

    t = np.asarray(months, dtype=float)
    e = np.asarray(event, dtype=int)
    if t.size == 0 or (e == 1).all():
        return float("nan")
    return float(km_median(t, 1 - e)["median"])


def follow_up_problems(months: np.ndarray, event: np.ndarray, *, unit: str, column: str) -> list[tuple[str, str]]:
    """Implausible follow-up for the declared ``unit``: ``[(problem, likely unit)]``.

    Rules (times already converted to months with ``unit``): the longest time exceeds
    :data:`MAX_PLAUSIBLE_MONTHS` (50 years); with at least :data:`PLAUSIBILITY_MIN_N`
    patients, the longest time is below :data:`MIN_PLAUSIBLE_MAX_MONTHS` or the median
    follow-up (reverse KM) below :data:`MIN_PLAUSIBLE_MEDIAN_FU`; the column name states
    another unit (``days_to_death`` declared as months). The likely unit is the one under
    which the same values pass every range rule (the column name's unit first).
    """
    t = np.asarray(months, dtype=float)
    e = np.asarray(event, dtype=int)
    if t.size == 0:
        return []
    raw = t / TIME_FACTORS[unit]

    def range_issue(m: np.ndarray) -> str | None:
        mx = float(np.max(m))
        if mx > MAX_PLAUSIBLE_MONTHS:
            return f"the longest follow-up is {mx:,.0f} months ({mx / 12:,.0f} years)"
        if m.size >= PLAUSIBILITY_MIN_N:
            if mx < MIN_PLAUSIBLE_MAX_MONTHS:
                return f"the longest follow-up is {mx:.2g} months"
            fu = median_follow_up(m, e)
            if (e == 0).sum() >= 5 and np.isfinite(fu) and fu < MIN_PLAUSIBLE_MEDIAN_FU:
                return f"the median follow-up (reverse Kaplan-Meier) is {fu:.2g} months"
        return None

    named = _unit_in_name(column)
    plausible = [u for u in (named, "days", "months", "years", "weeks") if u and range_issue(raw * TIME_FACTORS[u]) is None]
    plausible = list(dict.fromkeys(plausible))
    out = []
    issue = range_issue(t)
    if issue:
        likely = next((u for u in plausible if u != unit), None)
        out.append((f"{issue} with time_unit {unit}, which is implausible", likely or ""))
    elif named and named != unit:
        out.append((f"the column name '{column}' says {named} but time_unit is {unit}", named))
    return out


@dataclass
class ClinicalResult:
    """Result of :func:`standardise`: the standardised table, the patient flow, the endpoint
    record (one row of ``validated/endpoint.tsv``), warnings, and the excluded clinical ids
    with their reason (so that matching counts them under that reason)."""

    clinical: pd.DataFrame
    flow: pd.DataFrame
    endpoint: dict
    warnings: list[str]
    excluded: dict[str, str]


def standardise(raw: pd.DataFrame, *, file: str, id_column: str = "sample_id", time_column: str | None = None,
                event_column: str | None = None, time_unit: str | None = None,
                event_coding: Mapping[str, int] | None = None, covariates: Iterable[str] = (),
                treatment_column: str | None = None, response_column: str | None = None,
                response_coding: Mapping[str, int] | None = None, zero_time: str = "error",
                survival_layout: str = "time_event", death_time_column: str | None = None,
                followup_time_column: str | None = None, vital_status_column: str | None = None,
                missing_survival: str = "exclude", plausibility_checks: str = "error",
                rename: Mapping[str, str] | None = None, recode: Mapping[str, Mapping[str, str]] | None = None,
                reference_levels: Mapping[str, str] | None = None, reference_arm: str | None = None,
                required_levels: Mapping[str, Iterable[str]] | None = None, keep_columns: Iterable[str] = (),
                cohort: str | None = None, sheet: str | None = None) -> ClinicalResult:
    """Standardise a clinical table (as read by :func:`mitoscore.inputs.read_clinical`).

    Overall survival comes from ``survival_layout`` (:data:`SURVIVAL_LAYOUTS`): one time and
    one event column, or death time + last follow-up + vital status (time = death time for
    the dead, last follow-up for the living; ``gdc`` preset for GDC/TCGA BCR tables,
    ``cbioportal`` for ``OS_MONTHS``/``OS_STATUS``, ``target`` for TARGET tables). Times are
    converted to months (days / 30.4375, weeks x 7 / 30.4375, years x 12).

    Per-cohort harmonisation: ``rename`` ``{canonical: source column}`` copies a source
    column under the name the other cohorts use (``age`` <- ``age_at_initial_pathologic_diagnosis``);
    ``recode`` ``{column: {value: new value}}`` relabels levels (``FEMALE`` -> ``F``; ``NA``
    = missing); both apply before covariates, strata, treatment and reference levels.

    Exclusions, each counted under its own reason in ``flow``: missing time or event
    (``missing_survival: exclude``; ``refuse`` stops instead), zero times
    (``zero_time: exclude``). Checks that stop the run (all collected and raised
    together as :class:`~mitoscore.errors.InputErrors`): missing columns, missing or
    duplicated ids, non-numeric/negative/infinite times, event/response values the coding
    does not cover (the covered values are listed), recode values or reference levels /
    arms that do not exist (the existing levels are listed), and, unless
    ``plausibility_checks: warn``, implausible follow-up for the declared unit
    (:func:`follow_up_problems`), every analysed patient having an event, or a share of
    censored patients that the exclusions changed by more than 20 points (a time column
    only dead patients have). Rows whose id repeats with identical values in every used
    column are collapsed (counted); conflicting repeats stop.

    Returns :class:`ClinicalResult`: ``clinical`` indexed by ``sample`` with ``os_months``,
    ``os_event`` (int 0/1), each covariate (float if all values are numeric, else str),
    ``treatment``, ``response`` (1/0/NaN); ``flow`` (``step, n_before, n_after,
    n_excluded, reason``); the endpoint record; warnings; excluded ids -> reason.
    Row numbers in messages are file line numbers (header = line 1).
    """
    ctx = _Ctx(file, cohort, sheet)
    src = sheet or file
    if zero_time not in ("error", "keep", "exclude"):
        raise ValueError(f"zero_time must be error, keep or exclude, not {zero_time!r}")
    if missing_survival not in ("exclude", "refuse"):
        raise InputError(f"{ctx.who}missing_survival must be exclude or refuse", file=src, column="missing_survival",
                         value=missing_survival, fix="write exclude (default) or refuse")
    if plausibility_checks not in ("error", "warn"):
        raise InputError(f"{ctx.who}plausibility_checks must be error or warn", file=src,
                         column="plausibility_checks", value=plausibility_checks, fix="write error (default) or warn")
    problems = Problems()
    warn_list: list[str] = []
    covariates = list(dict.fromkeys(covariates))
    keep_columns = [c for c in keep_columns if c not in covariates]
    df = raw.reset_index(drop=True).copy()
    from .inputs import MISSING_TOKENS
    for c in df.columns:  # tables not read by read_clinical: the same missing-value tokens
        if df[c].dtype == object:
            s_ = df[c].map(lambda x: x.strip() if isinstance(x, str) else x)
            df[c] = s_.where(~s_.isin(MISSING_TOKENS), np.nan)
    cols = list(df.columns)
    line = pd.Series(np.arange(len(df)) + 2 + int(raw.attrs.get("comment_lines", 0) or 0), index=df.index)

    # -- per-cohort renames (canonical name <- source column)
    for canon, source in (rename or {}).items():
        if source not in cols:
            near = suggest_column(source, cols)
            problems.add(InputError(f"{ctx.who}rename {canon}={source}: column '{source}' is not in the clinical table"
                                    + (f" (did you mean '{near}'?)" if near else ""), file=file, column=source,
                                    fix=ctx.set("rename", f"{canon}={near or '<column>'}")))
        elif canon in cols and canon != source:
            problems.add(InputError(f"{ctx.who}rename {canon}={source}: the table already has a column '{canon}'",
                                    file=file, column=canon,
                                    fix=f"choose another name than '{canon}' in rename (and in covariates), or drop the "
                                        "rename and use the existing column"))
        else:
            df[canon] = df[source]
    cols = list(df.columns)

    # -- survival layout -> columns
    lay = None
    with problems.check():
        lay = resolve_layout(cols, layout=survival_layout, time_column=time_column, event_column=event_column,
                             death_time_column=death_time_column, followup_time_column=followup_time_column,
                             vital_status_column=vital_status_column, time_unit=time_unit, file=file, cohort=cohort,
                             sheet=sheet)

    # -- columns present?
    roles = [(id_column, "id")]
    if lay is not None:
        roles += [(lay[k], k.replace("_column", "")) for k in LAYOUT_COLUMNS[lay["kind"]]]
    roles += [(c, "covariate") for c in covariates]
    roles += [(treatment_column, "treatment")] if treatment_column else []
    roles += [(response_column, "response")] if response_column else []
    dup_header = set(raw.attrs.get("duplicate_columns") or [])
    for col, role in roles:
        if col in dup_header:  # pandas renamed the repeats 'x.1', 'x.2': which one is meant?
            problems.add(InputError(f"{ctx.who}the header has several columns named '{col}' ({role} column)",
                                    file=file, column=col,
                                    fix="give every column of the clinical table a unique name (delete or rename the "
                                        "repeats)"))
    missing_cols = set()
    for col, role in roles:
        if col in cols:
            continue
        missing_cols.add(col)
        near = suggest_column(col, cols)
        hint = f"did you mean '{near}'?" if near else f"available columns: {_preview(cols, 15)}"
        if role == "covariate":
            fix = (f"write '{near}' in covariates, or map it with rename: {col}={near} ({ctx.set('rename', f'{col}={near}')})"
                   if near else f"list only columns of the clinical table in covariates/strata, or map one with "
                                f"rename: {col}=<column> ({ctx.sheet or 'the cohort sheet'})")
            problems.add(InputError(f"{ctx.who}covariate column not found ({hint})", file=file, column=col, fix=fix))
        else:
            key = {"id": "id_column", "death_time": "death_time_column", "followup_time": "followup_time_column",
                   "vital_status": "vital_status_column"}.get(role, f"{role}_column")
            problems.add(InputError(f"{ctx.who}{role.replace('_', ' ')} column not found ({hint})", file=file,
                                    column=col, fix=ctx.set(key, near) if near else
                                    f"{ctx.set(key, '<one of the columns>')}"))

    # -- ids
    ids = None
    if id_column not in missing_cols:
        ids = df[id_column].map(lambda x: x.strip() if isinstance(x, str) else x)
        if ids.isna().any():
            rows = line[ids.isna()].tolist()
            problems.add(InputError(f"{ctx.who}missing sample id in {len(rows)} row(s)", file=file, column=id_column,
                                    row=_preview(rows, 10), fix="fill the ids or delete those rows"))
            ids = None
        else:
            ids = ids.astype(str)

    # -- recodes
    used = [c for c in dict.fromkeys([*covariates, treatment_column, *keep_columns]) if c and c in df.columns]
    for col, mapping in (recode or {}).items():
        if col not in df.columns:
            near = suggest_column(col, used or cols)
            problems.add(InputError(f"{ctx.who}recode names column '{col}', which is not in the clinical table"
                                    + (f" (did you mean '{near}'?)" if near else ""), file=file, column=col,
                                    fix=f"use the column's name after rename (recode applies to {_preview(used, 8) or 'used columns'})"))
            continue
        s = df[col].map(lambda x: x.strip() if isinstance(x, str) else x)
        present = [str(v) for v in pd.unique(s.dropna())]
        absent = [k for k in mapping if k not in present]
        if absent:
            near = [suggest_column(k, present) for k in absent]
            problems.add(InputError(
                f"{ctx.who}recode of '{col}': value(s) {', '.join(repr(k) for k in absent)} do not occur; the column "
                f"has {_preview(sorted(present), 12)}", file=file, column=col, value=absent[0],
                fix="recode only values that occur (case-sensitive)"
                    + (f", e.g. '{near[0]}'" if near[0] else "")))
            continue
        new = s.map(lambda x: mapping.get(str(x), x) if isinstance(x, str) else x)
        df[col] = new.map(lambda x: np.nan if isinstance(x, str) and x.strip().upper() in ("NA", "") else x)

    # -- duplicated ids: identical repeats collapsed, conflicting ones refused
    flow = [_flow_row("clinical table", len(df), len(df), "rows read")]
    if ids is not None:
        dup = ids.duplicated(keep=False)
        if dup.any():
            use = [c for c in dict.fromkeys([id_column, *(lay[k] for k in LAYOUT_COLUMNS[lay["kind"]])] if lay else [id_column])
                   if c in df.columns]
            use += [c for c in [*covariates, treatment_column, response_column, *keep_columns] if c and c in df.columns]
            use = list(dict.fromkeys(use))
            conflicting = [i for i, g in df[dup].groupby(ids[dup], sort=False)
                           if len(g[use].astype(str).drop_duplicates()) > 1]
            if conflicting:
                d = ids[dup & ids.isin(conflicting)].unique().tolist()
                rows = line[dup & ids.isin(conflicting)].tolist()
                problems.add(InputError(f"{ctx.who}duplicated id(s) with different values: {_preview(d)}", file=file,
                                        column=id_column, row=_preview(rows, 10),
                                        fix="keep one row per sample (e.g. the diagnosis sample), or use a unique "
                                            "sample-level id column"))
            else:
                first = ~ids.duplicated(keep="first")
                n0 = len(df)
                d = ids[dup].unique().tolist()
                df, ids, line = df[first], ids[first], line[first]
                flow.append(_flow_row("identical duplicate rows", n0, len(df),
                                      f"rows repeating an id with identical values collapsed: {_preview(d, 5)}"))
                warn_list.append(f"{n0 - len(df)} identical duplicate row(s) collapsed ({_preview(d, 5)})")

    # -- covariates, reference levels, reference arm, contrast levels (on every row with an id)
    covs: dict[str, pd.Series] = {}
    for c in covariates + keep_columns:
        if c in missing_cols or c not in df.columns:
            continue
        s = df[c]
        num = pd.to_numeric(s, errors="coerce")
        covs[c] = num.astype(float) if ((num.notna() | s.isna()).all() and s.notna().any()) else s.astype(object)
    for c, lvl in (reference_levels or {}).items():
        if c not in covariates:
            near = suggest_column(c, covariates)
            if near and near != c:  # a misspelt covariate name: its reference level would be lost
                problems.add(InputError(f"{ctx.who}reference level given for '{c}', which is not a covariate or "
                                        f"stratum (did you mean '{near}'?)", file=src, column="reference_levels",
                                        value=f"{c}={lvl}", fix=ctx.set("reference_levels", f"{near}={lvl}")))
            else:  # e.g. a covariate removed from the model: the level is unused
                warn_list.append(f"reference level {c}={lvl} is unused ('{c}' is not a covariate or stratum)")
            continue
        if c not in covs:
            continue
        s = covs[c]
        if pd.api.types.is_float_dtype(s):
            problems.add(InputError(f"{ctx.who}reference level '{lvl}' given for numeric covariate '{c}'", file=src,
                                    column="reference_levels", value=f"{c}={lvl}",
                                    fix=f"remove '{c}={lvl}' from reference_levels (a numeric covariate has no levels), "
                                        f"or recode '{c}' into labels"))
            continue
        levels = sorted({str(v) for v in s.dropna()})
        if str(lvl) not in levels:
            near = suggest_column(str(lvl), levels)
            problems.add(InputError(f"{ctx.who}reference level '{lvl}' of '{c}' does not exist; the levels are "
                                    f"{_preview(levels, 12)}", file=src, column="reference_levels", value=f"{c}={lvl}",
                                    fix=ctx.set("reference_levels", f"{c}={near or levels[0] if levels else '?'}")
                                    + f", or recode the data (recode: {c}: {levels[0] if levels else 'X'}={lvl})"))
    if treatment_column and treatment_column in df.columns and reference_arm:
        arms = sorted({str(v) for v in df[treatment_column].dropna()})
        if str(reference_arm) not in arms:
            near = suggest_column(str(reference_arm), arms)
            problems.add(InputError(f"{ctx.who}reference_arm '{reference_arm}' does not exist in {treatment_column}; the "
                                    f"arms are {_preview(arms, 12)}", file=src, column="reference_arm",
                                    value=reference_arm, fix=ctx.set("reference_arm", near or (arms[0] if arms else "?"))))
    for c, lvls in (required_levels or {}).items():
        if c == "response":
            continue  # levels responder/refractory come from response_coding
        values = df[treatment_column] if c == "treatment" and treatment_column in df.columns else (
            df[c] if c in df.columns else None)
        if values is None:
            continue
        present = sorted({str(v) for v in values.dropna()})
        for lvl in lvls:
            if str(lvl) not in present:
                near = suggest_column(str(lvl), present)
                problems.add(InputError(f"{ctx.who}DE contrast level '{lvl}' does not occur in column '{c}'; the levels "
                                        f"are {_preview(present, 12)}", file=file, column=c, value=lvl,
                                        fix=(f"use '{near}' in the contrast" if near else "correct the contrast's "
                                             "test/reference") + " or restrict the contrast to other cohorts "
                                             "(de.contrasts[].cohorts), or recode the column"))

    if lay is None or ids is None or any(lay[k] in missing_cols for k in LAYOUT_COLUMNS[lay["kind"]]):
        problems.raise_if_any()
        raise AssertionError("unreachable")  # pragma: no cover

    # -- time and event
    def numeric_time(col: str) -> pd.Series:
        t_raw = df[col]
        t = pd.to_numeric(t_raw, errors="coerce")
        bad = t.isna() & t_raw.notna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            decimal_comma = bool(re.fullmatch(r"-?\d+,\d+", str(t_raw.iloc[pos]).strip()))
            problems.add(InputError(f"{ctx.who}non-numeric survival time ({int(bad.sum())} row(s))"
                                    + (" (a decimal comma?)" if decimal_comma else ""), file=file,
                                    column=col, row=int(line.iloc[pos]), value=t_raw.iloc[pos],
                                    fix=("save the table with '.' as decimal separator (12.5, not 12,5)" if decimal_comma
                                         else "survival times must be numbers; leave unknown times empty (they are "
                                              "excluded and counted)")))
        return t

    reasons = pd.Series("", index=df.index, dtype=object)
    if lay["kind"] == "time_event":
        t = numeric_time(lay["time_column"])
        ev = pd.Series(np.nan, index=df.index)
        with problems.check():
            ev = parse_events(df[lay["event_column"]], file=file, column=lay["event_column"], coding=event_coding,
                              rows=line.tolist(), cohort=cohort, sheet=sheet)
        reasons[t.isna()] = f"missing survival time ({lay['time_column']})"
        reasons[t.notna() & ev.isna()] = f"missing event status ({lay['event_column']})"
        time_source, event_source = lay["time_column"], lay["event_column"]
    else:
        dcol, fcol, vcol = lay["death_time_column"], lay["followup_time_column"], lay["vital_status_column"]
        death, fu = numeric_time(dcol), numeric_time(fcol)
        ev = pd.Series(np.nan, index=df.index)
        with problems.check():
            ev = parse_events(df[vcol], file=file, column=vcol, coding=event_coding, rows=line.tolist(),
                              cohort=cohort, sheet=sheet)
        alive_with_death = (ev == 0) & death.notna()
        if alive_with_death.any():
            problems.add(InputError(
                f"{ctx.who}{int(alive_with_death.sum())} patient(s) are alive in {vcol} but have a {dcol} "
                f"(ids {_preview(ids[alive_with_death], 5)})", file=file, column=dcol,
                row=_preview(line[alive_with_death], 10),
                fix=f"correct {vcol} or {dcol} of these patients (the vital status and the death time contradict "
                    "each other)"))
        late_fu = (ev == 1) & death.notna() & fu.notna() & (fu > death)
        if late_fu.any():
            warn_list.append(f"{int(late_fu.sum())} dead patient(s) have a {fcol} after their {dcol}; "
                             f"the death time was used (ids {_preview(ids[late_fu], 5)})")
        t = pd.Series(np.where(ev == 1, death, np.where(ev == 0, fu, np.nan)), index=df.index)
        reasons[ev.isna()] = f"missing vital status ({vcol})"
        reasons[(ev == 1) & death.isna()] = f"dead without death time ({dcol})"
        reasons[(ev == 0) & fu.isna()] = f"alive without follow-up time ({fcol})"
        time_source = f"{dcol} (dead) / {fcol} (alive)"
        event_source = vcol
    unit = lay["unit"]

    # -- response (independent of survival)
    resp = None
    if response_column and response_column not in missing_cols:
        with problems.check():
            resp = _parse_response(df[response_column], file=file, column=response_column, coding=response_coding,
                                   rows=line.tolist(), ctx=ctx)

    if problems:
        problems.raise_if_any()

    # -- missing survival data: exclude (counted per reason) or refuse
    n_rows = len(df)
    known = ev.notna()
    censored_all = float((ev[known] == 0).mean()) if known.any() else float("nan")
    miss = reasons != ""
    excluded: dict[str, str] = {}
    if miss.any():
        if missing_survival == "refuse":
            by = reasons[miss].value_counts()
            raise InputError(f"{ctx.who}{int(miss.sum())} row(s) lack survival data: "
                             + "; ".join(f"{r}: {n}" for r, n in by.items())
                             + f" (ids {_preview(ids[miss], 5)})", file=file, column=time_source.split(" ")[0],
                             row=_preview(line[miss], 10),
                             fix="complete these rows or delete them, or " + ctx.set("missing_survival", "exclude")
                                 + " (they are then counted in the patient flow)")
        n = n_rows
        for r in dict.fromkeys(reasons[miss]):
            sel = reasons == r
            flow.append(_flow_row(r.split(" (")[0], n, n - int(sel.sum()), f"{r}: {_preview(ids[sel], 5)}"))
            n -= int(sel.sum())
            excluded.update({i: r.split(" (")[0] for i in ids[sel]})
        keep = ~miss
        df, t, ev, ids, line = df[keep], t[keep], ev[keep], ids[keep], line[keep]
        if resp is not None:
            resp = resp[keep]
        covs = {c: s[keep] for c, s in covs.items()}
    if not np.isfinite(t.to_numpy()).all():
        pos = int(np.flatnonzero(~np.isfinite(t.to_numpy()))[0])
        raise InputError(f"{ctx.who}infinite survival time", file=file, column=time_source.split(" ")[0],
                         row=int(line.iloc[pos]), fix="enter the follow-up time as a finite number")
    neg = t < 0
    if neg.any():
        raise InputError(f"{ctx.who}negative survival time in {int(neg.sum())} row(s) (ids {_preview(ids[neg], 5)})",
                         file=file, column=time_source.split(" ")[0], row=_preview(line[neg], 10),
                         value=float(t[neg].iloc[0]),
                         fix="check the time unit and the date arithmetic (last contact before diagnosis?) "
                             "or remove those rows")
    zero = t == 0
    if zero.any():
        if zero_time == "error":
            raise InputError(f"{ctx.who}zero survival time in {int(zero.sum())} row(s) (ids {_preview(ids[zero], 5)})",
                             file=file, column=time_source.split(" ")[0], row=_preview(line[zero], 10), value=0.0,
                             fix="check the time unit (months rounded to 0?) and remove those rows, or "
                                 + ctx.set("zero_time", "keep") + " (death on day 0) / exclude (counted in the patient flow)")
        if zero_time == "exclude":
            n1 = len(df)
            flow.append(_flow_row("zero survival time", n1, n1 - int(zero.sum()),
                                  f"zero {time_source}: {_preview(ids[zero], 5)}"))
            excluded.update({i: "zero survival time" for i in ids[zero]})
            nz = ~zero
            df, t, ev, ids, line = df[nz], t[nz], ev[nz], ids[nz], line[nz]
            if resp is not None:
                resp = resp[nz]
            covs = {c: s[nz] for c, s in covs.items()}

    months = (t * TIME_FACTORS[unit]).astype(float).to_numpy()
    events = ev.astype(np.int64).to_numpy()

    # -- plausibility: unit, all events, informative exclusions
    implausible: list[InputError] = []
    tcol = lay["time_column"] or lay["death_time_column"]
    unit_key = "time_unit" if lay["layout"] in ("time_event", "death_followup") else "survival_layout"
    for problem, likely in follow_up_problems(months, events, unit=unit, column=tcol):
        implausible.append(InputError(
            f"{ctx.who}{problem}" + (f"; the values look like {likely}" if likely else ""), file=file, column=tcol,
            fix=(ctx.set("time_unit", likely) if likely and unit_key == "time_unit" else
                 f"check the time column and unit of cohort '{cohort}'") +
                f" (if the times are right, {ctx.set('plausibility_checks', 'warn')})"))
    n_an = len(months)
    n_ev = int(events.sum())
    censored_an = float((events == 0).mean()) if n_an else float("nan")
    n_excl_surv = sum(1 for r in excluded.values() if r != "zero survival time")
    if n_an >= 10 and n_ev == n_an:
        extra = ""
        if n_excl_surv:
            extra = (f"; {n_excl_surv} row(s) were excluded for missing survival data: '{time_source}' looks like a "
                     "time only dead patients have")
        implausible.append(InputError(
            f"{ctx.who}every analysed patient has an event ({n_ev}/{n_an}){extra}", file=file, column=tcol,
            fix=("build overall survival from death time + last follow-up + vital status: "
                 + ctx.set("survival_layout", "gdc") + " (GDC/TCGA), or death_followup with death_time_column, "
                 "followup_time_column and vital_status_column" if lay["kind"] == "time_event" else
                 "check the vital status coding") + f" (if every patient really died, {ctx.set('plausibility_checks', 'warn')})"))
    elif (np.isfinite(censored_all) and n_an and n_rows - n_an >= 5
          and abs(censored_all - censored_an) > CENSORED_SHARE_SHIFT):
        implausible.append(InputError(
            f"{ctx.who}the exclusions changed the share of censored patients from {censored_all:.0%} (all rows with a "
            f"known status) to {censored_an:.0%} (analysed): the excluded rows are not a random subset "
            f"({n_rows - n_an} excluded; see the patient flow)", file=file, column=tcol,
            fix=("use a time column every patient has, or " + ctx.set("survival_layout", "gdc")
                 + " / death_followup (death time + last follow-up + vital status)" if lay["kind"] == "time_event"
                 else "complete the missing death / follow-up times")
                + f" (to accept it, {ctx.set('plausibility_checks', 'warn')})"))
    if n_an and n_ev == 0:
        warn_list.append(f"no analysed patient has an event (0/{n_an}): survival models cannot be fitted and are "
                         "recorded as skipped")
    if implausible:
        if plausibility_checks == "error":
            stop = Problems()
            for e in implausible:
                stop.add(e)
            stop.raise_if_any()
        warn_list += [f"plausibility check (warn): {e.problem}" for e in implausible]

    out = pd.DataFrame({"os_months": months, "os_event": events}, index=pd.Index(ids.to_numpy(), name="sample"))
    for c in covariates + keep_columns:
        if c in covs:
            out[c] = covs[c].to_numpy()
    if treatment_column:
        out["treatment"] = df[treatment_column].to_numpy(dtype=object)
    if resp is not None:
        out["response"] = resp.to_numpy()
    flow.append(_flow_row("clinical standardised", len(out), len(out), f"{n_ev} events"))

    observed = {}
    raw_ev = raw.reset_index(drop=True)[event_source] if event_source in raw.columns else None
    if raw_ev is not None:
        lut = _coding_lookup(event_coding, DEFAULT_EVENT_CODING)
        counts = raw_ev.dropna().map(lambda x: str(x).strip()).value_counts()
        for v, k in counts.items():
            code = lut.get(v.lower())
            observed[v] = (("NA" if code is None else str(code)), int(k))
    coding_txt = ", ".join(f"{v}={c} ({k})" for v, (c, k) in sorted(observed.items(), key=lambda x: (x[1][0], x[0]),
                                                                      reverse=True))
    coding_txt += " [1 = death, 0 = censored" + ("; declared event_coding]" if event_coding else "; default coding]")
    fu = median_follow_up(months, events)
    endpoint = {
        "cohort": cohort or "", "layout": lay["layout"], "time_source": time_source, "time_unit": unit,
        "conversion": _CONVERSION[unit], "event_source": event_source, "event_coding": coding_txt,
        "missing_survival": missing_survival, "zero_time": zero_time, "plausibility_checks": plausibility_checks,
        "n_rows": n_rows, "n_excluded_survival": n_rows - n_an, "n_analysed": n_an, "n_events": n_ev,
        "n_censored": n_an - n_ev, "censored_share_all": censored_all, "censored_share_analysed": censored_an,
        "median_follow_up_months": fu, "max_time_months": float(np.max(months)) if n_an else float("nan"),
        "warnings": "; ".join(warn_list) if warn_list else "none",
    }
    return ClinicalResult(out, pd.DataFrame(flow, columns=FLOW_COLUMNS), endpoint, warn_list, excluded)


def update_endpoint(endpoint: Mapping, clinical: pd.DataFrame) -> pd.DataFrame:
    """The endpoint record as a one-row table (:data:`ENDPOINT_COLUMNS`), with the analysed
    numbers recomputed on ``clinical`` (the table after matching to the counts)."""
    rec = dict(endpoint)
    t = clinical["os_months"].to_numpy(dtype=float)
    e = clinical["os_event"].to_numpy(dtype=int)
    rec.update({"n_analysed": len(t), "n_events": int(e.sum()), "n_censored": int((e == 0).sum()),
                "censored_share_analysed": float((e == 0).mean()) if len(e) else float("nan"),
                "median_follow_up_months": median_follow_up(t, e),
                "max_time_months": float(t.max()) if len(t) else float("nan")})
    return pd.DataFrame([rec], columns=ENDPOINT_COLUMNS)


def standardise_clinical(raw: pd.DataFrame, *, file: str, id_column: str, time_column: str | None = None,
                         event_column: str | None = None, time_unit: str | None = None, **kwargs
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`standardise` returning ``(clinical, flow)`` only (the original interface)."""
    res = standardise(raw, file=file, id_column=id_column, time_column=time_column, event_column=event_column,
                      time_unit=time_unit, **kwargs)
    return res.clinical, res.flow


# --------------------------------------------------------------------------- matching
def _mangle_hint(count_ids: list[str], clin_ids: list[str]) -> str:
    clin = set(clin_ids)
    for n in (12, 15, 16):
        if sum(c[:n] in clin for c in count_ids) >= max(1, len(count_ids) // 2):
            return f"; count ids match clinical ids on their first {n} characters: set id_prefix_length: {n}"
    dotted = {c.replace(".", "-") for c in count_ids}
    if len(dotted & clin) >= max(1, len(count_ids) // 2):
        return "; count ids have '.' where clinical ids have '-' (R make.names/check.names mangling): re-export the counts with check.names=FALSE"
    return ""


def match_samples(counts: pd.DataFrame, clinical: pd.DataFrame, *, counts_file: str, clinical_file: str,
                  allow_unmatched: bool = False, id_prefix_length: int | None = None,
                  excluded: Mapping[str, str] | None = None, cohort: str | None = None, sheet: str | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Match count columns to clinical rows -> ``(counts, clinical, flow)``.

    ``id_prefix_length`` truncates count sample ids before matching (12 for TCGA
    barcodes ``TCGA-AB-2803-03A-01T-0734-13`` -> ``TCGA-AB-2803``); the returned
    counts carry the truncated ids. Two count columns truncating to the same id
    raise. Unmatched samples on either side raise (listing both sides) unless
    ``allow_unmatched``, in which case the intersection is kept and both lists are
    recorded in ``flow``. The clinical table is returned in count-column order.

    ``excluded`` maps clinical ids that :func:`standardise` excluded to the reason (missing
    survival time, zero survival time ...): count samples with such an id are dropped and
    counted in ``flow`` under that reason (one row per reason), never reported as "not in
    the clinical table" (they are in it) and never an error.
    """
    excluded = dict(excluded or {})
    ctx = _Ctx(clinical_file, cohort, sheet)
    orig = [str(c) for c in counts.columns]
    ids = orig
    if id_prefix_length is not None:
        if int(id_prefix_length) < 1:
            raise InputError("id_prefix_length must be >= 1", file=counts_file, value=id_prefix_length,
                             fix="leave id_prefix_length empty or set e.g. 12 for TCGA barcodes")
        ids = [c[: int(id_prefix_length)] for c in orig]
        s = pd.Series(orig, index=ids)
        coll = s.index[s.index.duplicated()].unique().tolist()
        if coll:
            pairs = [f"{k}: {', '.join(s.loc[[k]].tolist())}" for k in coll[:5]]
            raise InputError(f"{len(coll)} id(s) collide after truncation to {id_prefix_length} characters "
                             f"({'; '.join(pairs)})", file=counts_file, column=str(s.loc[[coll[0]]].iloc[0]),
                             fix="keep one sample per patient in the count matrix (e.g. the primary sample, TCGA code "
                                 "03A/09A), or match on full sample ids (no id_prefix_length) with sample-level clinical ids")
    elif len(set(ids)) != len(ids):
        d = pd.Index(ids)[pd.Index(ids).duplicated()].unique().tolist()
        raise InputError(f"duplicated sample id(s): {_preview(d)}", file=counts_file, column=d[0],
                         fix="give every count column a unique sample id")
    clin_ids = [str(i) for i in clinical.index]
    clin_set = set(clin_ids)
    excl_rows = []
    n_cnt = len(ids)
    for reason in dict.fromkeys(excluded[i] for i in ids if i in excluded and i not in clin_set):
        hit = [i for i in ids if excluded.get(i) == reason and i not in clin_set]
        excl_rows.append(_flow_row(f"count samples: {reason}", n_cnt, n_cnt - len(hit),
                                   f"count samples whose clinical row was excluded ({reason}): {_preview(hit)}"))
        n_cnt -= len(hit)
    ids_kept = [i for i in ids if not (i in excluded and i not in clin_set)]
    cnt_set = set(ids)
    only_counts = [i for i in ids_kept if i not in clin_set]
    only_clin = [i for i in clin_ids if i not in cnt_set]
    if (only_counts or only_clin) and not allow_unmatched:
        parts = []
        if only_counts:
            parts.append(f"{len(only_counts)} sample(s) in the counts ({counts_file}) but not in the clinical table: "
                         f"{_preview(only_counts)}")
        if only_clin:
            parts.append(f"{len(only_clin)} sample(s) in the clinical table ({clinical_file}) but not in the counts: "
                         f"{_preview(only_clin)}")
        hint = _mangle_hint(only_counts or ids, clin_ids)
        raise InputError("; ".join(parts) + hint, file=clinical_file, column="sample",
                         fix="make the count column names equal to the clinical id column, or "
                             + ctx.set("allow_unmatched", "true")
                             + " to analyse the intersection (both lists are reported in flow.tsv)")
    matched = [i for i in ids if i in clin_set]
    if not matched:
        raise InputError(f"{ctx.who}no sample is in both the counts and the clinical table"
                         + _mangle_hint(ids, clin_ids), file=clinical_file, column="sample",
                         fix="check the id column of the clinical table and id_prefix_length")
    flow = excl_rows + [
        _flow_row("matched to clinical", len(ids_kept), len(matched),
                  f"count samples not in the clinical table: {_preview(only_counts)}" if only_counts else "all count samples matched"),
        _flow_row("matched to counts", len(clin_ids), len(matched),
                  f"clinical rows without counts: {_preview(only_clin)}" if only_clin else "all clinical samples matched"),
    ]
    pos = {i: k for k, i in enumerate(ids)}
    out_counts = counts.iloc[:, [pos[i] for i in matched]].copy()
    out_counts.columns = matched
    out_clin = clinical.copy()
    out_clin.index = pd.Index(clin_ids, name=clinical.index.name or "sample")
    out_clin = out_clin.loc[matched]
    return out_counts, out_clin, pd.DataFrame(flow, columns=FLOW_COLUMNS)
