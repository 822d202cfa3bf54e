"""Semantic checks of counts and clinical tables, clinical standardisation and sample matching.

Everything returns new objects (pure functions); every problem raises
:class:`~mitoscore.errors.InputError` naming the file, the row/column/id and the fix.
The *flow* tables (``step, n_before, n_after, n_excluded, reason``) document every
exclusion for the CONSORT-like patient-flow diagram of the report.
"""
from __future__ import annotations

import difflib
import re
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import InputError
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


def _require_column(df: pd.DataFrame, col: str, *, file: str, role: str) -> None:
    if col in df.columns:
        return
    near = suggest_column(col, df.columns)
    hint = f"did you mean '{near}'?" if near else f"available columns: {_preview(df.columns, 15)}"
    raise InputError(f"{role} column not found ({hint})", file=file, column=col,
                     fix=(f"set {role}_column: {near} in config/cohorts.tsv" if near
                          else f"set {role}_column in config/cohorts.tsv to one of the table's columns"))


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
def _is_missing_code(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v.strip().upper() in ("NA", ""))


def _coding_lookup(coding: Mapping[str, int] | None, default: Mapping[str, int]) -> dict[str, int | None]:
    """Lower-cased lookup; a value None/NaN/'NA' in ``coding`` means 'treat as missing'."""
    if coding is None or len(coding) == 0:
        return dict(default)
    return {str(k).strip().lower(): (None if _is_missing_code(v) else int(v)) for k, v in coding.items()}


def parse_events(values: pd.Series, *, file: str, column: str, coding: Mapping[str, int] | None = None,
                 row_offset: int = 2) -> pd.Series:
    """Map event values to 0/1 (float, NaN for missing). Unknown values raise InputError.

    ``coding`` maps raw values (case-insensitive) to 0/1; default: :data:`DEFAULT_EVENT_CODING`.
    ``row_offset`` converts the 0-based position to the file line number (header = line 1).
    """
    lut = _coding_lookup(coding, DEFAULT_EVENT_CODING)
    bad_codes = {k: v for k, v in lut.items() if v not in (0, 1, None)}
    if bad_codes:
        k = next(iter(bad_codes))
        raise InputError("event_coding must map values to 0 (censored) or 1 (event)", file=file, column=column,
                         value=f"{k}={bad_codes[k]}", fix="write e.g. 'Dead=1,Alive=0' in the event_coding column")
    out = np.full(len(values), np.nan)
    for pos, v in enumerate(values.to_numpy()):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            continue
        key = str(v).strip().lower()
        if key in lut:
            out[pos] = np.nan if lut[key] is None else lut[key]
            continue
        raise InputError("unrecognised event value", file=file, column=column, row=pos + row_offset, value=v,
                         fix="declare the coding in the cohort sheet's event_coding column, e.g. "
                             f"'{v}=1,<censored value>=0' (recognised by default: 0/1, dead/alive, deceased/living, "
                             "1:DECEASED/0:LIVING)")
    return pd.Series(out, index=values.index)


def _parse_response(values: pd.Series, *, file: str, column: str, coding: Mapping[str, int] | None,
                    rows: list[int]) -> pd.Series:
    lut = _coding_lookup(coding, DEFAULT_RESPONSE_CODING)
    bad_codes = {k: v for k, v in lut.items() if v not in (0, 1, None)}
    if bad_codes:
        k = next(iter(bad_codes))
        raise InputError("response_coding must map values to 1 (responder), 0 (refractory) or NA", file=file,
                         column=column, value=f"{k}={bad_codes[k]}", fix="write e.g. 'CR/CRi=1,refractory=0'")
    out = np.full(len(values), np.nan)
    for pos, v in enumerate(values.to_numpy()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        key = str(v).strip().lower()
        if key in lut:
            out[pos] = np.nan if lut[key] is None else lut[key]
            continue
        raise InputError("unrecognised response value", file=file, column=column, row=rows[pos], value=v,
                         fix="declare the coding in the cohort sheet's response_coding column, e.g. "
                             f"'CR/CRi=1,refractory=0,unevaluable=NA' (NA = not evaluable); '{v}' is not coded")
    return pd.Series(out, index=values.index)


def _flow_row(step: str, n_before: int, n_after: int, reason: str) -> dict:
    return {"step": step, "n_before": int(n_before), "n_after": int(n_after),
            "n_excluded": int(n_before - n_after), "reason": reason}


def standardise_clinical(raw: pd.DataFrame, *, file: str, id_column: str, time_column: str, event_column: str,
                         time_unit: str = "months", event_coding: Mapping[str, int] | None = None,
                         covariates: Iterable[str] = (), treatment_column: str | None = None,
                         response_column: str | None = None, response_coding: Mapping[str, int] | None = None,
                         zero_time: str = "error") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Standardise a clinical table (as read by :func:`mitoscore.inputs.read_clinical`).

    Returns ``(clinical, flow)``:

    * ``clinical`` indexed by ``sample`` (str), columns ``os_months`` (float; days /
      30.4375, weeks * 7 / 30.4375, years * 12), ``os_event`` (int 0/1, 1 = death),
      each covariate (numeric if every non-missing value is numeric, else str),
      ``treatment`` (str, if ``treatment_column``), ``response`` (1 responder /
      0 refractory / NaN, if ``response_column``);
    * ``flow``: ``step, n_before, n_after, n_excluded, reason``.

    Rows with a missing survival time or event are excluded (counted in ``flow``).
    Negative times raise; zero times raise unless ``zero_time`` is ``"keep"``
    (e.g. cBioPortal rounds deaths on day 0 to 0.0 months) or ``"exclude"``.
    Row numbers in messages are file line numbers (header = line 1).
    """
    if time_unit not in TIME_FACTORS:
        raise InputError(f"unknown time unit {time_unit!r}", file=file, column=time_column,
                         fix=f"set time_unit to one of {', '.join(TIME_FACTORS)}")
    if zero_time not in ("error", "keep", "exclude"):
        raise ValueError(f"zero_time must be error, keep or exclude, not {zero_time!r}")
    covariates = list(covariates)
    for col, role in ([(id_column, "id"), (time_column, "time"), (event_column, "event")]
                      + [(c, "covariate") for c in covariates]
                      + ([(treatment_column, "treatment")] if treatment_column else [])
                      + ([(response_column, "response")] if response_column else [])):
        if role == "covariate" and col not in raw.columns:
            near = suggest_column(col, raw.columns)
            raise InputError("covariate column not found" + (f" (did you mean '{near}'?)" if near else ""),
                             file=file, column=col,
                             fix=(f"write '{near}' in the covariates list of config/cohorts.tsv" if near
                                  else "list only columns of the clinical table in covariates"))
        _require_column(raw, col, file=file, role=role)

    df = raw.reset_index(drop=True)
    line = pd.Series(np.arange(len(df)) + 2, index=df.index)  # file line numbers
    ids = df[id_column].map(lambda x: x.strip() if isinstance(x, str) else x)
    if ids.isna().any():
        rows = line[ids.isna()].tolist()
        raise InputError(f"missing sample id in {len(rows)} row(s)", file=file, column=id_column,
                         row=_preview(rows, 10), fix="fill the ids or delete those rows")
    ids = ids.astype(str)
    dup = ids.duplicated(keep=False)
    if dup.any():
        d = ids[dup].unique().tolist()
        rows = line[dup].tolist()
        raise InputError(f"duplicated id(s): {_preview(d)}", file=file, column=id_column, row=_preview(rows, 10),
                         fix="keep one row per sample (e.g. the diagnosis sample), or use a unique sample-level id column")
    flow = [_flow_row("clinical table", len(df), len(df), "rows read")]

    t_raw = df[time_column]
    t = pd.to_numeric(t_raw, errors="coerce")
    bad_t = t.isna() & t_raw.notna()
    if bad_t.any():
        pos = int(np.flatnonzero(bad_t.to_numpy())[0])
        raise InputError(f"non-numeric survival time ({int(bad_t.sum())} row(s))", file=file, column=time_column,
                         row=int(line.iloc[pos]), value=t_raw.iloc[pos],
                         fix="survival times must be numbers; leave unknown times empty (they are excluded and counted)")
    ev = parse_events(df[event_column], file=file, column=event_column, coding=event_coding)

    keep = t.notna() & ev.notna()
    n0 = len(df)
    if not keep.all():
        miss_ids = ids[~keep].tolist()
        flow.append(_flow_row("survival data", n0, int(keep.sum()),
                              f"missing {time_column} or {event_column}: {_preview(miss_ids, 5)}"))
    df, t, ev, ids, line = df[keep], t[keep], ev[keep], ids[keep], line[keep]
    if not np.isfinite(t.to_numpy()).all():
        pos = int(np.flatnonzero(~np.isfinite(t.to_numpy()))[0])
        raise InputError("infinite survival time", file=file, column=time_column, row=int(line.iloc[pos]),
                         fix="enter the follow-up time as a finite number")
    neg = t < 0
    if neg.any():
        raise InputError(f"negative survival time in {int(neg.sum())} row(s) (ids {_preview(ids[neg], 5)})",
                         file=file, column=time_column, row=_preview(line[neg], 10), value=float(t[neg].iloc[0]),
                         fix="check the time unit and the date arithmetic (last contact before diagnosis?) "
                             "or remove those rows")
    zero = t == 0
    if zero.any():
        if zero_time == "error":
            raise InputError(f"zero survival time in {int(zero.sum())} row(s) (ids {_preview(ids[zero], 5)})",
                             file=file, column=time_column, row=_preview(line[zero], 10), value=0.0,
                             fix="check the time unit (months rounded to 0?) and remove those rows, or set "
                                 "zero_time: keep (death on day 0) / exclude")
        if zero_time == "exclude":
            n1 = len(df)
            flow.append(_flow_row("positive survival time", n1, n1 - int(zero.sum()),
                                  f"zero {time_column}: {_preview(ids[zero], 5)}"))
            nz = ~zero
            df, t, ev, ids, line = df[nz], t[nz], ev[nz], ids[nz], line[nz]

    out = pd.DataFrame({"os_months": (t * TIME_FACTORS[time_unit]).astype(float).to_numpy(),
                        "os_event": ev.astype(np.int64).to_numpy()},
                       index=pd.Index(ids.to_numpy(), name="sample"))
    for c in covariates:
        s = df[c]
        num = pd.to_numeric(s, errors="coerce")
        if (num.notna() | s.isna()).all() and s.notna().any():
            out[c] = num.astype(float).to_numpy()
        else:
            out[c] = s.to_numpy(dtype=object)
    if treatment_column:
        out["treatment"] = df[treatment_column].to_numpy(dtype=object)
    if response_column:
        out["response"] = _parse_response(df[response_column].reset_index(drop=True), file=file,
                                          column=response_column, coding=response_coding,
                                          rows=line.tolist()).to_numpy()
    flow.append(_flow_row("clinical standardised", len(out), len(out), f"{int(out['os_event'].sum())} events"))
    return out, pd.DataFrame(flow, columns=FLOW_COLUMNS)


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
                  allow_unmatched: bool = False, id_prefix_length: int | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Match count columns to clinical rows -> ``(counts, clinical, flow)``.

    ``id_prefix_length`` truncates count sample ids before matching (12 for TCGA
    barcodes ``TCGA-AB-2803-03A-01T-0734-13`` -> ``TCGA-AB-2803``); the returned
    counts carry the truncated ids. Two count columns truncating to the same id
    raise. Unmatched samples on either side raise (listing both sides) unless
    ``allow_unmatched``, in which case the intersection is kept and both lists are
    recorded in ``flow``. The clinical table is returned in count-column order.
    """
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
    clin_set, cnt_set = set(clin_ids), set(ids)
    only_counts = [i for i in ids if i not in clin_set]
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
                         fix="make the count column names equal to the clinical id column, or set allow_unmatched: true "
                             "to analyse the intersection (both lists are reported in flow.tsv)")
    matched = [i for i in ids if i in clin_set]
    if not matched:
        raise InputError("no sample is in both the counts and the clinical table"
                         + _mangle_hint(ids, clin_ids), file=clinical_file, column="sample",
                         fix="check the id column of the clinical table and id_prefix_length")
    flow = [
        _flow_row("matched to clinical", len(ids), len(matched),
                  f"count samples without clinical data: {_preview(only_counts)}" if only_counts else "all count samples matched"),
        _flow_row("matched to counts", len(clin_ids), len(matched),
                  f"clinical samples without counts: {_preview(only_clin)}" if only_clin else "all clinical samples matched"),
    ]
    pos = {i: k for k, i in enumerate(ids)}
    out_counts = counts.iloc[:, [pos[i] for i in matched]].copy()
    out_counts.columns = matched
    out_clin = clinical.copy()
    out_clin.index = pd.Index(clin_ids, name=clinical.index.name or "sample")
    out_clin = out_clin.loc[matched]
    return out_counts, out_clin, pd.DataFrame(flow, columns=FLOW_COLUMNS)
