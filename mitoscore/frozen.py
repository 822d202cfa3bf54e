"""Frozen-model external validation (TRIPOD type 3/4: a model developed in one cohort,
applied unchanged in another).

In the discovery cohort :func:`freeze_model` fixes everything a prediction needs, per scored
signature: the standardisation of the score on a scale that transfers between cohorts
(:func:`mitoscore.scores.cut_scale`: the raw ssGSEA enrichment score ``es``, otherwise the
score itself), the risk-group cut on that scale, and two Cox models (Efron ties,
:func:`mitoscore.survival.cox_fit`): the univariable model of the frozen score (HR per
discovery SD) and the multivariable clinical + score model with the discovery cohort's
covariates, reference levels and strata; with their design (terms, levels, reference levels),
coefficients, covariance and the cumulative baseline hazard per stratum
(:func:`mitoscore.calibration.baseline_cumhaz`). The model is one JSON document
(:func:`model_json`, deterministic) with the sha256 of the discovery inputs; its own sha256 is
written beside it and checked before use (:func:`read_model`).

In a validation cohort :func:`validate_cohort` applies it unchanged: frozen z =
(x - mean_disc) / sd_disc, risk group = x > cut_disc, linear predictor = the frozen design x
frozen coefficients; and reports the HR of the frozen score and of the frozen groups in the
cohort, calibration (slope, calibration-in-the-large, predicted vs observed survival at each
horizon) and the IPCW Brier and integrated Brier scores against the Kaplan-Meier null model
(:mod:`mitoscore.calibration`). A patient whose covariate level or stratum did not occur in the
discovery cohort cannot be predicted: counted and reported, never recoded.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from . import calibration as cal
from . import scores as scores_mod
from . import survival
from .errors import InputError, ModelSkipped
from .io import atomic_write

log = logging.getLogger(__name__)

FORMAT = "mitoscore.frozen_model/1"
TIME, EVENT = "os_months", "os_event"
SCORE = "score_per_sd"  # the frozen z in every model: HR per discovery SD (= analysis.SCORE)
MODELS = ("univariable", "multivariable")
SENSITIVITY = "sensitivity (re-estimated in this cohort)"

FROZEN_COX_COLUMNS = ["signature", "kind", "model", "term", "hr", "ci_lower", "ci_upper", "p", "n", "events",
                      "coef", "se", "scale", "analysis", "discovery_cohort"]
CURVE_COLUMNS = ["signature", "model", "horizon", "grouping", "group", "n", "events", "predicted", "observed",
                 "observed_lower", "observed_upper", "analysis"]
STATUS_COLUMNS = ["signature", "model", "status", "n", "n_predicted", "n_not_predicted",
                  "n_beyond_discovery_followup", "note"]
SCORE_COLUMNS = ["sample", "signature", "kind", "scale", "value", "z_frozen", "z_reestimated", "group_frozen",
                 "lp_univariable", "lp_multivariable", "not_predicted_multivariable"]


# =========================================================================== design encoding
def _labels(s: pd.Series) -> pd.Series:
    """Level labels exactly as :func:`survival.design_matrix` forms them (integer-valued
    numbers without '.0'), so the frozen design and its dummy names match the Cox fit."""
    return survival._level_labels(s)


def stratum_keys(df: pd.DataFrame, strata: Sequence[str]) -> pd.Series:
    """One key per row naming its stratum, e.g. ``arm=ref`` or ``arm=ref, sex=F``
    (``(all)`` without strata); NaN when a strata value is missing."""
    strata = list(strata)
    if not strata:
        return pd.Series(cal.ALL, index=df.index, dtype=object)
    parts = [c + "=" + _labels(df[c]).astype(object) for c in strata]
    key = parts[0]
    for p in parts[1:]:
        key = key + ", " + p
    return key.where(pd.concat([df[c].notna() for c in strata], axis=1).all(axis=1), np.nan)


def design_spec(dm: pd.DataFrame, data: pd.DataFrame, covariates: Sequence[str]) -> list[dict]:
    """The encoding of each covariate of a fitted design matrix ``dm`` (from
    :func:`survival.design_matrix` on ``data``): numeric, or categorical with its levels
    (reference first, then the dummy levels in column order) and reference level."""
    spec = []
    for c in covariates:
        if c in dm.columns:
            spec.append({"name": c, "type": "numeric"})
            continue
        dummies = [col[len(c) + 1:-1] for col in dm.columns if col.startswith(f"{c}[") and col.endswith("]")]
        seen = set(_labels(data.loc[dm.index, c]).dropna())
        ref = sorted(seen - set(dummies))
        if len(ref) != 1:
            raise ValueError(f"cannot identify the reference level of '{c}' (levels {sorted(seen)}, dummies {dummies})")
        spec.append({"name": c, "type": "categorical", "reference": ref[0], "levels": [ref[0], *dummies]})
    return spec


def encode(df: pd.DataFrame, spec: list[dict], terms: Sequence[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Encode ``df`` with a frozen design ``spec``: numeric covariates as they are, categorical
    ones as 0/1 dummies of the frozen non-reference levels (columns = ``terms``).

    Returns ``(X, reason)``: ``reason`` is NaN for a row that can be predicted, else why it
    cannot (a missing covariate, or a level that did not occur in the discovery cohort: such a
    patient is never silently recoded to the reference). Raises ``ModelSkipped`` when a
    covariate column is absent or a numeric covariate is not numeric in ``df``.
    """
    X = pd.DataFrame(0.0, index=df.index, columns=list(terms))
    reason = pd.Series("", index=df.index, dtype=object)
    for c in spec:
        name = c["name"]
        if name not in df.columns:
            raise ModelSkipped(f"covariate '{name}' of the frozen model is not in this cohort's clinical table "
                               "(list it among the cohort's covariates in the cohort sheet)")
        col = df[name]
        reason = _add_reason(reason, col.isna(), f"missing {name}")
        if c["type"] == "numeric":
            if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
                raise ModelSkipped(f"covariate '{name}' is numeric in the discovery cohort but not in this cohort "
                                   f"(values such as {list(col.dropna().astype(str).unique()[:3])})")
            X[name] = col.astype(float).fillna(0.0)
        else:
            lab = _labels(col)
            unseen = lab.notna() & ~lab.isin(c["levels"])
            for lv in sorted(lab[unseen].unique()):
                reason = _add_reason(reason, unseen & (lab == lv), f"{name}='{lv}' not seen in the discovery "
                                                                   f"cohort (levels {c['levels']})")
            for lv in c["levels"][1:]:
                X[f"{name}[{lv}]"] = (lab == lv).astype(float)
    return X, reason.where(reason != "", np.nan)


def _add_reason(reason: pd.Series, mask: pd.Series, text: str) -> pd.Series:
    """Append ``text`` to the reasons ('' = none yet) of the rows in ``mask``."""
    mask = mask.reindex(reason.index, fill_value=False).astype(bool)
    sep = np.where(reason == "", "", "; ")
    return reason.where(~mask, reason + sep + text)


# =========================================================================== freeze
def _fit_frozen(df: pd.DataFrame, terms: list[str], strata: list[str], spec: list[dict], *,
                min_events: int, min_epv: float) -> dict:
    """Fit one Cox model in the discovery data and return its frozen description."""
    res = survival.cox_fit(df, TIME, EVENT, terms, strata=strata or None, min_events=min_events, min_epv=min_epv)
    d = df[[TIME, EVENT, *terms, *strata]].dropna()
    if len(d) != res.n:
        raise ModelSkipped(f"internal: {len(d)} complete rows but the Cox model used {res.n}")
    lp = d[terms].to_numpy(float) @ np.asarray(res.beta, float)
    keys = stratum_keys(d, strata).to_numpy(object)
    base, max_time = cal.baseline_cumhaz(d[TIME], d[EVENT], lp, keys)
    baseline = []
    for key in sorted(max_time, key=str):
        b = base[base["stratum"] == key]
        baseline.append({"stratum": key, "n": int((keys == key).sum()),
                         "events": int(d[EVENT].to_numpy()[keys == key].sum()), "max_time": max_time[key],
                         "time": b["time"].tolist(), "cumhaz": b["cumhaz"].tolist()})
    return {"status": "fitted", "terms": list(terms), "covariates": spec, "strata": list(strata),
            "coef": [float(x) for x in res.beta], "se": [float(math.sqrt(v)) for v in np.diag(res.var)],
            "vcov": [[float(x) for x in row] for row in np.asarray(res.var)],
            "n": int(res.n), "events": int(res.events), "loglik": float(res.loglik),
            "concordance": float(res.concordance), "baseline": baseline}


def freeze_model(score_long: pd.DataFrame, clinical: pd.DataFrame, *, cohort: str, covariates: Sequence[str] = (),
                 reference_levels: dict[str, str] | None = None, strata: Sequence[str] = (), min_events: int = 10,
                 min_epv: float = 5.0, cut_rule: str = "median", cut_value: float | None = None,
                 inputs: Sequence[dict] = (), signatures: Sequence[str] | None = None) -> dict:
    """The frozen model of a discovery cohort (a JSON-serialisable dict), for every signature of
    ``score_long`` (the cohort's ``scores.tsv``) or only ``signatures``.

    Per signature: ``scale`` (:func:`scores.cut_scale`), ``standardisation`` = mean and SD (R's
    sd) of the score on that scale over the cohort's samples; ``cut`` = the discovery median on
    that scale (cutpoint rule ``fixed``: mean + value x SD, the same frozen-z cut); ``models``:
    ``univariable`` (frozen z) and ``multivariable`` (frozen z + ``covariates`` with
    ``reference_levels`` + ``strata``), each either fitted (see :func:`_fit_frozen`) or skipped
    with the reason. ``inputs`` (role, file, sha256 of the discovery files) are recorded.
    """
    reference_levels = {k: v for k, v in dict(reference_levels or {}).items() if k in covariates}
    covariates, strata = list(covariates), list(strata)
    base = clinical.copy()
    base.index = base.index.astype(str)
    out: dict[str, Any] = {
        "format": FORMAT,
        "description": ("Frozen model for TRIPOD external validation: everything below was estimated in the "
                        f"discovery cohort {cohort} and is applied unchanged in validation cohorts."),
        "discovery_cohort": cohort,
        "inputs": [dict(r) for r in inputs],
        "settings": {"covariates": covariates, "reference_levels": reference_levels, "strata": strata,
                     "min_events": int(min_events), "min_epv": float(min_epv), "cut_rule": cut_rule,
                     "cut_value": cut_value, "ties": "efron",
                     "baseline": "cumulative baseline hazard at x = 0, Efron ties (R basehaz(fit, centered = FALSE))"},
        "signatures": {},
    }
    for sig, grp in score_long.groupby("signature", sort=False):
        if signatures is not None and sig not in signatures:
            continue
        g = grp.set_index(grp["sample"].astype(str))
        kind = str(g["kind"].iloc[0])
        scale = scores_mod.cut_scale(kind)
        x = g[scale].astype(float)
        entry: dict[str, Any] = {"kind": kind, "scale": scale, "n_scored": int(len(x))}
        sd = float(x.std(ddof=1)) if len(x) > 1 else math.nan
        if not np.isfinite(x).all() or not np.isfinite(sd) or sd == 0:
            entry.update(status="skipped", reason=f"the score on scale '{scale}' is constant or not finite")
            out["signatures"][sig] = entry
            continue
        mean = float(x.mean())
        if cut_rule == "fixed" and cut_value is not None:
            cut, cut_text = mean + float(cut_value) * sd, f"fixed frozen z > {cut_value:g} (mean + {cut_value:g} SD)"
        else:
            cut, cut_text = float(np.median(x)), f"median of {cohort} on the '{scale}' scale"
        entry.update(status="frozen", standardisation={"mean": mean, "sd": sd},
                     cut={"value": cut, "rule": cut_text, "n_above": int((x > cut).sum())}, models={})
        df = base.join(((x - mean) / sd).rename(SCORE), how="inner")
        df = df[df[TIME].notna() & df[EVENT].notna()]
        try:
            entry["models"]["univariable"] = _fit_frozen(df, [SCORE], [], [{"name": SCORE, "type": "numeric"}],
                                                         min_events=min_events, min_epv=min_epv)
        except ModelSkipped as exc:
            entry["models"]["univariable"] = {"status": "skipped", "reason": exc.reason}
        if covariates:
            try:
                missing = [c for c in [*covariates, *strata] if c not in df.columns]
                if missing:
                    raise ModelSkipped(f"covariates/strata not in the discovery clinical table: {missing}")
                dm = survival.design_matrix(df[[SCORE, *covariates]], [SCORE, *covariates], reference_levels)
                spec = design_spec(dm, df, [SCORE, *covariates])
                data = dm.join(df[[TIME, EVENT, *strata]])
                entry["models"]["multivariable"] = _fit_frozen(data, list(dm.columns), strata, spec,
                                                               min_events=min_events, min_epv=min_epv)
            except ModelSkipped as exc:
                entry["models"]["multivariable"] = {"status": "skipped", "reason": exc.reason}
        else:
            entry["models"]["multivariable"] = {"status": "skipped",
                                                "reason": "no covariates configured for the discovery cohort"}
        out["signatures"][sig] = entry
    if not out["signatures"]:
        raise InputError(f"no signature could be frozen in the discovery cohort {cohort}",
                         fix="check the discovery cohort's scores.tsv")
    return out


# =========================================================================== file I/O
def model_json(model: dict) -> str:
    """The frozen model as deterministic JSON text (key order kept, floats written exactly
    (shortest round-trip repr), NaN -> null)."""
    def clean(o):
        if isinstance(o, dict):
            return {str(k): clean(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [clean(v) for v in o]
        if isinstance(o, (np.floating, float)):
            return None if not np.isfinite(o) else float(o)
        if isinstance(o, np.integer):
            return int(o)
        if isinstance(o, np.bool_):
            return bool(o)
        return o
    return json.dumps(clean(model), indent=1, allow_nan=False, ensure_ascii=False) + "\n"


def write_model(model: dict, json_path, sha_path) -> str:
    """Write the model JSON and its checksum file (``<sha256>  <name>``, the ``sha256sum``
    format) atomically; returns the sha256."""
    text = model_json(model).encode("utf-8")
    digest = hashlib.sha256(text).hexdigest()
    with atomic_write(json_path, "wb") as fh:
        fh.write(text)
    with atomic_write(sha_path, "w") as fh:
        fh.write(f"{digest}  {Path(json_path).name}\n")
    return digest


def read_model(json_path, sha_path) -> tuple[dict, str]:
    """Read a frozen model and check it against its checksum file; returns ``(model, sha256)``.
    A changed file (edited by hand, truncated) is refused."""
    raw = Path(json_path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    recorded = Path(sha_path).read_text().split()[0] if Path(sha_path).exists() else ""
    if digest != recorded:
        raise InputError(f"the frozen model does not match its checksum ({digest[:12]} != {recorded[:12]})",
                         file=str(json_path), fix="do not edit the frozen model; delete results/frozen/ and rerun "
                                                  "so it is rebuilt from the discovery cohort")
    model = json.loads(raw)
    if model.get("format") != FORMAT:
        raise InputError(f"unknown frozen-model format {model.get('format')!r}", file=str(json_path),
                         fix=f"rebuild the frozen model with this version of mitoscore ({FORMAT})")
    return model, digest


def model_table(model: dict) -> pd.DataFrame:
    """The frozen model as a readable table: one row per coefficient (or per skipped model)
    with the signature's frozen standardisation and cut."""
    rows = []
    for sig, s in model["signatures"].items():
        common = {"signature": sig, "kind": s["kind"], "scale": s["scale"],
                  "mean": s.get("standardisation", {}).get("mean", np.nan),
                  "sd": s.get("standardisation", {}).get("sd", np.nan), "cut": s.get("cut", {}).get("value", np.nan)}
        if s.get("status") != "frozen":
            rows.append({**common, "model": "(all)", "status": "skipped", "reason": s.get("reason")})
            continue
        for mname, m in s["models"].items():
            if m.get("status") != "fitted":
                rows.append({**common, "model": mname, "status": "skipped", "reason": m.get("reason")})
                continue
            for term, b, se in zip(m["terms"], m["coef"], m["se"]):
                rows.append({**common, "model": mname, "status": "fitted", "reason": np.nan, "term": term,
                             "coef": b, "se": se, "hr": math.exp(b), "ci_lower": math.exp(b - cal.Z975 * se),
                             "ci_upper": math.exp(b + cal.Z975 * se), "n": m["n"], "events": m["events"],
                             "strata": ",".join(m["strata"]) or np.nan})
    cols = ["signature", "kind", "scale", "mean", "sd", "cut", "model", "status", "reason", "term", "coef", "se", "hr",
            "ci_lower", "ci_upper", "n", "events", "strata"]
    return pd.DataFrame(rows).reindex(columns=cols)


# =========================================================================== apply + validate
@dataclass
class ValidationResult:
    frozen_cox: pd.DataFrame
    calibration: pd.DataFrame
    curve: pd.DataFrame
    scores: pd.DataFrame
    status: pd.DataFrame


def _baseline_frame(m: dict) -> tuple[pd.DataFrame, dict[str, float]]:
    rows = [pd.DataFrame({"stratum": b["stratum"], "time": b["time"], "cumhaz": b["cumhaz"]}) for b in m["baseline"]]
    base = (pd.concat(rows, ignore_index=True) if rows
            else pd.DataFrame({"stratum": [], "time": [], "cumhaz": []}))
    return base, {b["stratum"]: float(b["max_time"]) for b in m["baseline"]}


def _hlabel(h: float) -> str:
    return f"{float(h):g}m"


def calibration_columns(horizons: Sequence[float]) -> list[str]:
    cols = ["signature", "kind", "model", "analysis", "n", "events", "n_not_predicted", "slope", "slope_se",
            "slope_lower", "slope_upper", "slope_p_eq1", "observed", "expected", "oe", "oe_lower", "oe_upper",
            "citl_intercept", "citl_se", "citl_p"]
    for h in horizons:
        cols += [f"brier_{_hlabel(h)}", f"brier_null_{_hlabel(h)}", f"ipa_{_hlabel(h)}"]
    return cols + ["ibs_tau", "ibs", "ibs_null", "ipa_ibs"]


def predict_frozen(m: dict, df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Linear predictor, stratum and expected events of the frozen model ``m`` for the rows of
    ``df`` (needs the covariates, strata, ``os_months``, ``os_event`` and ``score_per_sd``).
    Returns ``(pred, reason)``: ``pred`` (index = predicted rows) has columns ``lp, stratum,
    expected, beyond``; ``reason`` gives why each other row cannot be predicted."""
    X, reason = encode(df, m["covariates"], m["terms"])
    reason = reason.fillna("")
    keys = stratum_keys(df, m["strata"])
    known = {b["stratum"] for b in m["baseline"]}
    reason = _add_reason(reason, keys.isna() & (reason == ""), "missing stratum value")
    unseen = keys.notna() & ~keys.isin(known)
    for k in sorted(keys[unseen].unique()):
        reason = _add_reason(reason, unseen & (keys == k), f"stratum '{k}' not seen in the discovery cohort")
    reason = reason.where(reason != "", np.nan)
    ok = reason.isna()
    lp = pd.Series(X.loc[ok, m["terms"]].to_numpy(float) @ np.asarray(m["coef"], float), index=X.index[ok])
    base, max_time = _baseline_frame(m)
    t = df.loc[ok, TIME].to_numpy(float)
    k = keys[ok].to_numpy(object)
    pred = pd.DataFrame({"lp": lp, "stratum": k, "expected": cal.expected_events(base, k, lp.to_numpy(), t),
                         "beyond": t > np.array([max_time.get(x, -np.inf) for x in k])}, index=lp.index)
    return pred, reason


def _validate_model(sig, kind, mname, m, df, *, horizons, tau, groups, min_events, min_epv, analysis, frozen_group,
                    notes) -> tuple[dict, list[pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """Calibration row, curves, status row and per-patient columns of one frozen model."""
    pred, reason = predict_frozen(m, df)
    d = df.loc[pred.index]
    t, e = d[TIME].to_numpy(float), d[EVENT].to_numpy(int)
    lp, strata = pred["lp"].to_numpy(float), pred["stratum"].to_numpy(object)
    base, max_time = _baseline_frame(m)
    row: dict[str, Any] = {"signature": sig, "kind": kind, "model": mname, "analysis": analysis, "n": len(d),
                           "events": int(e.sum()), "n_not_predicted": int(reason.notna().sum())}
    try:
        sl = cal.calibration_slope(t, e, lp, strata if m["strata"] else None, min_events=min_events, min_epv=min_epv)
        row.update(slope=sl["slope"], slope_se=sl["se"], slope_lower=sl["lower"], slope_upper=sl["upper"],
                   slope_p_eq1=sl["p_eq1"])
    except ModelSkipped as exc:
        notes.append(f"calibration slope not estimated: {exc.reason}")
    ci = cal.calibration_in_the_large(e, pred["expected"].to_numpy(float))
    row.update(observed=ci["observed"], expected=ci["expected"], oe=ci["oe"], oe_lower=ci["oe_lower"],
               oe_upper=ci["oe_upper"], citl_intercept=ci["intercept"], citl_se=ci["se"], citl_p=ci["p"])
    if len(d) and t.max() < max(horizons):
        notes.append(f"follow-up ends at {t.max():g} months: Brier scores after it are not defined")
    S_h = cal.predict_survival(base, max_time, strata, lp, horizons)
    if len(d):
        grid = cal.brier_grid(t, base["time"].to_numpy(float), horizons, tau)
        S_grid = cal.predict_survival(base, max_time, strata, lp, grid)
        bs = cal.brier_curve(t, e, S_grid, grid)
        bn = cal.brier_curve(t, e, cal.km_survival(t, e, grid), grid)
        at = np.searchsorted(grid, np.asarray(horizons, float))
        for h, i in zip(horizons, at):
            ok = i < grid.size and grid[i] == h
            b, b0 = (bs[i], bn[i]) if ok else (np.nan, np.nan)
            row.update({f"brier_{_hlabel(h)}": b, f"brier_null_{_hlabel(h)}": b0,
                        f"ipa_{_hlabel(h)}": 1 - b / b0 if (np.isfinite(b) and b0 > 0) else np.nan})
        ibs, ibs0 = cal.integrated_brier(grid, bs, tau), cal.integrated_brier(grid, bn, tau)
        row.update(ibs_tau=tau, ibs=ibs, ibs_null=ibs0,
                   ipa_ibs=1 - ibs / ibs0 if (np.isfinite(ibs) and ibs0 > 0) else np.nan)
        if np.isnan(S_h).any():
            notes.append("some patients have a stratum whose discovery follow-up ends before a horizon: "
                         "no prediction there (as riskRegression::predictCox)")
    curves = []
    if len(d):
        curves.append(cal.calibration_curve(t, e, S_h, horizons, frozen_group.reindex(d.index).to_numpy(object),
                                            grouping="frozen_group"))
        k = cal.n_calibration_groups(int(e.sum()), groups["max"], groups["min_events"])
        curves.append(cal.calibration_curve(t, e, S_h, horizons, cal.quantile_groups(lp, k), grouping="lp_quantile"))
        for c in curves:
            c.insert(0, "model", mname)
            c.insert(0, "signature", sig)
            c["analysis"] = analysis
    n_beyond = int(pred["beyond"].sum())
    if n_beyond:
        notes.append(f"{n_beyond} patient(s) followed beyond the discovery cohort's last follow-up in their "
                     "stratum: expected events use the baseline hazard held constant there (R's rule)")
    if reason.notna().any():
        counts = reason.dropna().value_counts()
        notes.append("not predicted: " + "; ".join(f"{r} (n={n})" for r, n in counts.items()))
    status = {"signature": sig, "model": mname, "status": "validated", "n": len(df), "n_predicted": len(d),
              "n_not_predicted": int(reason.notna().sum()), "n_beyond_discovery_followup": n_beyond,
              "note": " | ".join(notes) if notes else np.nan}
    scores_cols = pd.DataFrame({f"lp_{mname}": pred["lp"]}).reindex(df.index)
    scores_cols[f"not_predicted_{mname}"] = reason
    return row, curves, pd.DataFrame([status]), scores_cols


def validate_cohort(model: dict, score_long: pd.DataFrame, clinical: pd.DataFrame, *, horizons: Sequence[float],
                    primary: str, calibration_groups: int = 5, min_events_per_group: int = 10, min_events: int = 10,
                    min_epv: float = 5.0, model_sha256: str | None = None) -> ValidationResult:
    """Apply the frozen ``model`` unchanged in one validation cohort (its ``scores.tsv`` and
    validated clinical table) and evaluate it; see the module docstring. Per signature of the
    model that is scored in the cohort:

    * ``frozen_cox``: Cox HR of the frozen z (per discovery SD, model ``frozen_score``) and of the
      frozen groups (high vs low by the frozen cut, ``frozen_group``) re-estimated in this cohort;
    * ``calibration``: per frozen model (univariable, multivariable): calibration slope,
      calibration-in-the-large, IPCW Brier score (model and Kaplan-Meier null, IPA = 1 - ratio) at
      each horizon and the integrated Brier score over [0, max horizon];
    * ``curve``: mean predicted vs Kaplan-Meier observed survival at each horizon, by frozen risk
      group and by quantile groups of the frozen linear predictor
      (:func:`calibration.n_calibration_groups` groups);
    * ``scores``: per patient the value on the frozen scale, frozen z, this cohort's own
      (re-estimated) z, frozen group and the frozen linear predictors;
    * ``status``: what was validated, how many patients could not be predicted and why.
    The primary signature's univariable rows are labelled ``primary``, all others ``secondary``.
    """
    horizons = [float(h) for h in horizons]
    tau = max(horizons)
    groups = {"max": int(calibration_groups), "min_events": int(min_events_per_group)}
    base = clinical.copy()
    base.index = base.index.astype(str)
    disc = model["discovery_cohort"]
    cox_rows, cal_rows, curves, status, score_rows = [], [], [], [], []
    status.append(pd.DataFrame([{"signature": "(all)", "model": "(frozen model)", "status": "applied",
                                 "n": int(base[TIME].notna().sum()), "note": f"frozen model of the discovery cohort "
                                 f"{disc}" + (f" (results/frozen/model.json sha256 {model_sha256})"
                                              if model_sha256 else "")}]))
    in_cohort = list(dict.fromkeys(score_long["signature"]))
    for sig in in_cohort:
        if sig not in model["signatures"]:
            status.append(pd.DataFrame([{"signature": sig, "model": "(all)", "status": "not validated",
                                         "note": f"not scored in the discovery cohort {disc}: no frozen model "
                                                 "(its per-cohort analysis is in survival/)"}]))
    for sig, s in model["signatures"].items():
        if sig not in in_cohort:
            status.append(pd.DataFrame([{"signature": sig, "model": "(all)", "status": "not validated",
                                         "note": "not scored in this cohort"}]))
            continue
        if s.get("status") != "frozen":
            status.append(pd.DataFrame([{"signature": sig, "model": "(all)", "status": "not validated",
                                         "note": f"not frozen in the discovery cohort: {s.get('reason')}"}]))
            continue
        g = score_long[score_long["signature"] == sig].set_index("sample")
        g.index = g.index.astype(str)
        kind, scale = s["kind"], s["scale"]
        value = g[scale].astype(float)
        z = (value - s["standardisation"]["mean"]) / s["standardisation"]["sd"]
        grp = pd.Series(np.where(value > s["cut"]["value"], "high", "low"), index=value.index)
        sc = pd.DataFrame({"sample": value.index, "signature": sig, "kind": kind, "scale": scale,
                           "value": value.to_numpy(), "z_frozen": z.to_numpy(),
                           "z_reestimated": g["z"].astype(float).to_numpy(), "group_frozen": grp.to_numpy()},
                          index=value.index)
        df = base.join(pd.DataFrame({SCORE: z, "group_frozen": grp}), how="inner")
        df = df[df[TIME].notna() & df[EVENT].notna()]
        label = "primary" if sig == primary else "secondary"
        # HR of the frozen score and of the frozen groups, in this cohort
        for mname, term, data, scale_text in (
                ("frozen_score", SCORE, df, "per discovery SD (frozen standardisation)"),
                ("frozen_group", "group[high]", df.assign(**{"group[high]": (df["group_frozen"] == "high")
                                                             .astype(float)}),
                 "high vs low by the frozen discovery cut")):
            try:
                r = survival.cox_fit(data, TIME, EVENT, [term], min_events=min_events, min_epv=min_epv)
                t = r.table.iloc[0]
                cox_rows.append({"signature": sig, "kind": kind, "model": mname, "term": term, "hr": t["hr"],
                                 "ci_lower": t["ci_lower"], "ci_upper": t["ci_upper"], "p": t["p"], "n": r.n,
                                 "events": r.events, "coef": t["coef"], "se": t["se"], "scale": scale_text,
                                 "analysis": label if mname == "frozen_score" else "secondary",
                                 "discovery_cohort": disc})
                status.append(pd.DataFrame([{"signature": sig, "model": mname, "status": "estimated", "n": len(df),
                                             "n_predicted": r.n, "n_not_predicted": 0}]))
            except ModelSkipped as exc:
                status.append(pd.DataFrame([{"signature": sig, "model": mname, "status": "skipped", "n": len(df),
                                             "note": exc.reason}]))
        # calibration of the frozen models
        for mname in MODELS:
            m = s["models"].get(mname, {"status": "skipped", "reason": "not in the frozen model"})
            if m.get("status") != "fitted":
                status.append(pd.DataFrame([{"signature": sig, "model": mname, "status": "not validated",
                                             "n": len(df), "note": "the discovery model could not be fitted: "
                                                                   + str(m.get("reason"))}]))
                continue
            try:
                row, cv, st, extra = _validate_model(
                    sig, kind, mname, m, df, horizons=horizons, tau=tau, groups=groups, min_events=min_events,
                    min_epv=min_epv, analysis=label if mname == "univariable" else "secondary",
                    frozen_group=df["group_frozen"], notes=[])
            except ModelSkipped as exc:
                status.append(pd.DataFrame([{"signature": sig, "model": mname, "status": "not validated",
                                             "n": len(df), "note": exc.reason}]))
                continue
            cal_rows.append(row)
            curves += cv
            status.append(st)
            sc = sc.join(extra.reindex(sc.index))
        score_rows.append(sc)
    cal_cols = calibration_columns(horizons)
    frozen_scores = (pd.concat(score_rows, ignore_index=True) if score_rows else pd.DataFrame()).reindex(
        columns=SCORE_COLUMNS)
    return ValidationResult(
        frozen_cox=pd.DataFrame(cox_rows).reindex(columns=FROZEN_COX_COLUMNS),
        calibration=pd.DataFrame(cal_rows).reindex(columns=cal_cols),
        curve=(pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()).reindex(columns=CURVE_COLUMNS),
        scores=frozen_scores,
        status=pd.concat(status, ignore_index=True).reindex(columns=STATUS_COLUMNS))


def fallback_result(cohort: str, horizons: Sequence[float], reason: str) -> ValidationResult:
    """Outputs of a validation cohort without a frozen model (no discovery cohort in the run):
    empty tables and one status row saying the per-cohort (re-estimated) analysis applies."""
    note = (f"{reason}: {cohort} falls back to the per-cohort rule (z-scaling and cut re-estimated in this cohort); "
            "its survival/ tables are its analysis (estimation column)")
    return ValidationResult(
        frozen_cox=pd.DataFrame(columns=FROZEN_COX_COLUMNS),
        calibration=pd.DataFrame(columns=calibration_columns(horizons)),
        curve=pd.DataFrame(columns=CURVE_COLUMNS), scores=pd.DataFrame(columns=SCORE_COLUMNS),
        status=pd.DataFrame([{"signature": "(all)", "model": "(all)", "status": "per-cohort fallback",
                              "note": note}]).reindex(columns=STATUS_COLUMNS))


def label_estimation(cox: pd.DataFrame, estimation: str) -> pd.DataFrame:
    """Label a cohort's per-cohort (re-estimated) Cox table (survival/cox.tsv): column
    ``estimation`` (:func:`mitoscore.config.estimation_label`); in a validation cohort with a
    frozen model every row's ``analysis`` becomes ``sensitivity (re-estimated in this cohort)``
    (the frozen validation, validation/frozen_cox.tsv, is that cohort's analysis)."""
    out = cox.copy()
    out["estimation"] = estimation
    if estimation == SENSITIVITY and "analysis" in out.columns:
        out["analysis"] = SENSITIVITY
    return out
