"""Cohort sheet parsing and semantic configuration checks.

JSON-schema validation (types, enums, defaults) is done by Snakemake's
``validate`` in ``workflow/rules/common.smk``; this module does what a schema
cannot: cross-references (primary signature exists, contrasts name known
cohorts and signatures), file existence, conflicting values, and the small
``key=value`` mini-syntax of the cohort sheet. Every problem raises
:class:`~mitoscore.errors.InputError` naming the file, row/column and fix.
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InputError

BOOL_COLUMNS = {"allow_unmatched", "round_estimated"}
INT_COLUMNS = {"id_prefix_length"}


def parse_list(text: str | None) -> list[str]:
    """'age, sex,eln2017' -> ['age', 'sex', 'eln2017'] (empty -> [])."""
    if text is None:
        return []
    return [x.strip() for x in str(text).split(",") if x.strip()]


def parse_mapping(text: str | None, *, file: str | None = None, column: str | None = None,
                  row: int | None = None, as_int: bool = False) -> dict[str, Any]:
    """'Dead=1,Alive=0' -> {'Dead': 1, 'Alive': 0}; '' -> {}.

    Keys may contain '/' or spaces ('CR/CRi=1'); the last '=' separates key and value.
    """
    out: dict[str, Any] = {}
    if text is None or not str(text).strip():
        return out
    for item in str(text).split(","):
        item = item.strip()
        if not item:
            continue
        if "=" not in item:
            raise InputError(f"'{item}' is not of the form key=value", file=file, column=column, row=row,
                             fix="write the mapping as key=value pairs separated by commas, e.g. 'Dead=1,Alive=0'")
        key, _, value = item.rpartition("=")
        key, value = key.strip(), value.strip()
        if as_int and value.upper() in {"NA", "NONE", ""}:
            value = None  # e.g. 'unevaluable=NA': treat as missing
        elif as_int:
            try:
                value = int(value)
            except ValueError:
                raise InputError(f"value '{value}' of '{key}' is not an integer", file=file, column=column, row=row,
                                 fix="map each label to 0 or 1 (or NA for missing), e.g. 'Dead=1,Alive=0'") from None
        out[key] = value
    return out


def load_cohort_sheet(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read the cohort sheet into a list of row dicts (empty cells omitted so schema defaults apply).

    Booleans accept true/false/yes/no/1/0; integers are parsed. Duplicate cohort ids
    and unknown columns are refused (with the nearest known column suggested).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("cohort sheet not found", file=str(path),
                         fix="set `cohort_sheet` in the config to an existing TSV (see config/README.md)")
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, comment=None)
    except pd.errors.EmptyDataError:
        raise InputError("cohort sheet is empty", file=str(path),
                         fix="add a header line and one row per cohort") from None
    if df.empty:
        raise InputError("cohort sheet has no cohort rows", file=str(path), fix="add one row per cohort")
    if "cohort" not in df.columns:
        raise InputError("missing column 'cohort'", file=str(path), column="cohort",
                         fix="the first column must be `cohort` (the cohort id)")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, rec in enumerate(df.to_dict("records"), start=2):  # line 1 = header
        row: dict[str, Any] = {}
        for key, value in rec.items():
            key = str(key).strip()
            value = str(value).strip()
            if value == "" or value.upper() == "NA":
                continue
            if key in BOOL_COLUMNS:
                low = value.lower()
                if low not in {"true", "false", "yes", "no", "1", "0"}:
                    raise InputError("expected true or false", file=str(path), column=key, row=i, value=value,
                                     fix="write true or false")
                row[key] = low in {"true", "yes", "1"}
            elif key in INT_COLUMNS:
                try:
                    row[key] = int(value)
                except ValueError:
                    raise InputError("expected an integer", file=str(path), column=key, row=i, value=value,
                                     fix="write a whole number") from None
            else:
                row[key] = value
        cid = row.get("cohort", "")
        if cid in seen:
            raise InputError("duplicated cohort id", file=str(path), column="cohort", row=i, value=cid,
                             fix="give every cohort a unique id")
        seen.add(cid)
        row["_line"] = i
        rows.append(row)
    return rows


def nearest(name: str, options) -> str | None:
    m = difflib.get_close_matches(name, list(options), n=1, cutoff=0.5)
    return m[0] if m else None


def signature_path(spec: dict) -> str | None:
    """The file of a configured signature: its GMT, or its weights table."""
    return spec.get("gmt") or spec.get("weights")


def discovery_cohort(named: str | None, cohorts: list[dict], *, setting: str, purpose: str, what: str,
                     sheet_path: str, config_name: str = "config", required: bool = True,
                     require_role: bool = False) -> str | None:
    """The one cohort a step treats as the discovery cohort (cut frozen by ``discovery_median``,
    signature derivation, the frozen model of TRIPOD validation): the cohort named by the config
    key ``setting`` if given, else the single cohort with role ``discovery``. ``purpose`` and
    ``what`` word the error messages.

    Several discovery cohorts and none named: refused (the choice is never guessed). No discovery
    cohort: refused when ``required``, else None (the caller falls back and records why).
    ``require_role``: a named cohort must itself have role ``discovery``.
    """
    ids = [c["cohort"] for c in cohorts]
    discovery = [c["cohort"] for c in cohorts if c.get("role") == "discovery"]
    if named is not None:
        if named not in ids:
            near = nearest(named, ids)
            raise InputError(f"{what} '{named}' is not in the cohort sheet", file=config_name, column=setting,
                             value=named, fix=f"use a cohort id from {sheet_path}: {ids}"
                                              + (f" (did you mean '{near}'?)" if near else ""))
        if require_role and named not in discovery:
            raise InputError(f"{setting} '{named}' does not have role 'discovery' in the cohort sheet",
                             file=sheet_path, column="role", value=named,
                             fix=f"set role=discovery for {named}, or name one of the discovery cohorts {discovery}")
        return named
    if len(discovery) == 1:
        return discovery[0]
    if not discovery and not required:
        return None
    raise InputError(f"{purpose} needs one discovery cohort; the sheet has {len(discovery)} ({discovery})",
                     file=sheet_path, column="role",
                     fix=f"set role=discovery on exactly one cohort, or name it in {setting}")


def derivation_cohort(der: dict, cohorts: list[dict], *, sheet_path: str, config_name: str = "config") -> str:
    """The cohort a signature is derived in: ``derivation.cohort`` if given, else the single
    cohort with role ``discovery`` (:func:`discovery_cohort`)."""
    return discovery_cohort(der.get("cohort"), cohorts, setting="derivation.cohort", purpose="signature derivation",
                            what="derivation cohort",
                            sheet_path=sheet_path, config_name=config_name)


def cutpoint_cohort(cut: dict, cohorts: list[dict], *, sheet_path: str, config_name: str = "config") -> str:
    """The cohort whose median is frozen under cutpoint rule ``discovery_median``:
    ``cutpoint.cohort`` if given, else the single cohort with role ``discovery``
    (:func:`discovery_cohort`)."""
    return discovery_cohort(cut.get("cohort"), cohorts, setting="cutpoint.cohort", what="cutpoint cohort",
                            purpose="cutpoint rule 'discovery_median'", sheet_path=sheet_path, config_name=config_name)


def frozen_cohort(validation: dict | None, cohorts: list[dict], *, sheet_path: str,
                  config_name: str = "config") -> str | None:
    """The discovery cohort whose frozen model (standardisation, cut, Cox models) the validation
    cohorts apply (TRIPOD external validation): ``validation.discovery_cohort`` if given (it must
    have role ``discovery``), else the single cohort with role ``discovery``. None when frozen
    validation is disabled (``validation.frozen: false``) or no cohort has role ``discovery``
    (validation cohorts then fall back to the per-cohort analysis, with a recorded note)."""
    validation = validation or {}
    if not validation.get("frozen", True):
        return None
    return discovery_cohort(validation.get("discovery_cohort"), cohorts, setting="validation.discovery_cohort",
                            purpose="frozen-model validation",
                            what="discovery cohort of the frozen model", sheet_path=sheet_path, config_name=config_name,
                            required=False, require_role=True)


def validated_cohorts(validation: dict | None, cohorts: list[dict], frozen_from: str | None) -> list[str]:
    """The cohorts the frozen model is validated in: every cohort with role ``validation``
    (the sheet default) other than the discovery cohort, when frozen validation is enabled."""
    if not (validation or {}).get("frozen", True):
        return []
    return [c["cohort"] for c in cohorts if c.get("role", "validation") == "validation" and c["cohort"] != frozen_from]


def estimation_label(cohort: str, cohorts: list[dict], validation: dict | None, frozen_from: str | None) -> str:
    """How the per-cohort (re-estimated) survival analysis of ``cohort`` is labelled
    (``estimation`` column of survival/cox.tsv): ``discovery`` (the frozen model's source),
    ``sensitivity (re-estimated in this cohort)`` (a validation cohort with a frozen model: the
    frozen validation is its analysis), or ``per-cohort ...`` with the reason there is no frozen
    model for it."""
    enabled = (validation or {}).get("frozen", True)
    if cohort == frozen_from:
        return "discovery"
    if cohort in validated_cohorts(validation, cohorts, frozen_from):
        return ("sensitivity (re-estimated in this cohort)" if frozen_from is not None
                else "per-cohort (no discovery cohort in the run)")
    if not enabled:
        return "per-cohort (frozen validation disabled)"
    return "per-cohort (discovery-role cohort other than the frozen model's)"


def check_config(config: dict, cohorts: list[dict], *, sheet_path: str, config_name: str = "config") -> None:
    """Semantic checks that a JSON schema cannot express. Raises InputError."""
    sig_names = [s["name"] for s in config["signatures"]]
    dup = {n for n in sig_names if sig_names.count(n) > 1}
    if dup:
        raise InputError(f"signature names are duplicated: {sorted(dup)}", file=config_name, column="signatures",
                         fix="give every signature a unique name")
    for s in config["signatures"]:
        p = signature_path(s)
        if not Path(p).exists():
            raise InputError("signature file not found", file=config_name, column=f"signatures[{s['name']}]",
                             value=p, fix="correct the path (relative to the directory Snakemake runs in)")
    primary = config.get("primary_signature")
    if primary not in sig_names:
        raise InputError(f"primary_signature '{primary}' is not one of the configured signatures {sig_names}",
                         file=config_name, column="primary_signature",
                         fix=f"set it to one of {sig_names}" + (f" (did you mean '{nearest(primary, sig_names)}'?)"
                                                               if nearest(primary, sig_names) else ""))
    cut = config.get("cutpoint", {})
    if cut.get("rule") == "fixed" and "value" not in cut:
        raise InputError("cutpoint rule 'fixed' needs a value", file=config_name, column="cutpoint.value",
                         fix="add cutpoint: {value: <z-score cut frozen from the discovery cohort>}")
    if cut.get("rule") != "fixed" and cut.get("value") is not None:
        raise InputError(f"cutpoint value given but rule is '{cut.get('rule')}' (conflicting settings)",
                         file=config_name, column="cutpoint", fix="remove `value` or set rule: fixed")
    ids = [c["cohort"] for c in cohorts]
    if cut.get("cohort") is not None and cut.get("rule") != "discovery_median":
        raise InputError(f"cutpoint cohort given but rule is '{cut.get('rule')}' (conflicting settings)",
                         file=config_name, column="cutpoint.cohort",
                         fix="remove `cohort` or set rule: discovery_median")
    if cut.get("rule") == "discovery_median":
        cutpoint_cohort(cut, cohorts, sheet_path=sheet_path, config_name=config_name)
    for con in config.get("de", {}).get("contrasts", []):
        if con.get("signature") and con["signature"] not in sig_names:
            raise InputError(f"contrast '{con['name']}' uses unknown signature '{con['signature']}'",
                             file=config_name, column="de.contrasts", fix=f"use one of {sig_names}")
        for c in con.get("cohorts", []) or []:
            if c not in ids:
                raise InputError(f"contrast '{con['name']}' names unknown cohort '{c}'", file=config_name,
                                 column="de.contrasts.cohorts",
                                 fix=f"use cohort ids from {sheet_path}: {ids}"
                                     + (f" (did you mean '{nearest(c, ids)}'?)" if nearest(c, ids) else ""))
    der = config.get("derivation", {}) or {}
    if der.get("enabled"):
        derivation_cohort(der, cohorts, sheet_path=sheet_path, config_name=config_name)
        contrasts = {c["name"]: c for c in config.get("de", {}).get("contrasts", [])}
        if der.get("contrast", "mitoscore_high_vs_low") not in contrasts:
            raise InputError(f"derivation.contrast '{der.get('contrast')}' is not a configured DE contrast",
                             file=config_name, column="derivation.contrast", fix=f"use one of {list(contrasts)}")
        if der.get("name", "MITOSCORE_DERIVED") in sig_names:
            raise InputError("derivation.name clashes with a configured signature", file=config_name,
                             column="derivation.name", fix="choose another name")
        rg = der.get("restrict_gmt")
        if rg and not Path(rg).exists():
            raise InputError("derivation.restrict_gmt not found", file=config_name, column="derivation.restrict_gmt",
                             value=rg, fix="correct the path or remove the key")
    frozen_from = frozen_cohort(config.get("validation"), cohorts, sheet_path=sheet_path, config_name=config_name)
    if (frozen_from is not None and cut.get("rule") == "discovery_median"
            and cutpoint_cohort(cut, cohorts, sheet_path=sheet_path, config_name=config_name) != frozen_from):
        raise InputError(f"the discovery_median cut is frozen in "
                         f"'{cutpoint_cohort(cut, cohorts, sheet_path=sheet_path, config_name=config_name)}' but the "
                         f"frozen model comes from '{frozen_from}' (conflicting settings)", file=config_name,
                         column="cutpoint.cohort", fix="name the same cohort in cutpoint.cohort and "
                                                       "validation.discovery_cohort (or remove one of them)")
    gsea = config.get("gsea", {}) or {}
    colls = [c["name"] for c in gsea.get("collections", []) or []]
    if len(set(colls)) != len(colls):
        raise InputError("gsea collection names are duplicated", file=config_name, column="gsea.collections",
                         fix="give every collection a unique name")
    if "signatures" in colls and gsea.get("include_signatures", True):
        raise InputError("gsea collection name 'signatures' is reserved for the configured signatures",
                         file=config_name, column="gsea.collections", fix="rename the collection")
    for c in gsea.get("collections", []) or []:
        if not Path(c["gmt"]).exists():
            raise InputError("gene-set collection file not found", file=config_name,
                             column=f"gsea.collections[{c['name']}]", value=c["gmt"],
                             fix="correct the path (relative to the directory Snakemake runs in)")
    if gsea.get("min_size", 15) > gsea.get("max_size", 500):
        raise InputError("gsea.min_size is larger than gsea.max_size (conflicting settings)", file=config_name,
                         column="gsea.min_size", fix="set min_size <= max_size (GSEA defaults 15 and 500)")
    names = [c["name"] for c in config.get("de", {}).get("contrasts", [])]
    if len(set(names)) != len(names):
        raise InputError("contrast names are duplicated", file=config_name, column="de.contrasts",
                         fix="give every contrast a unique name")
    for row in cohorts:
        line = row.get("_line")
        for key in ("counts", "clinical", "sample_sheet"):
            p = row.get(key)
            if p and not Path(p).exists():
                raise InputError(f"cohort '{row['cohort']}': file not found", file=sheet_path, column=key, row=line,
                                 value=p, fix="correct the path (relative to the directory Snakemake runs in)")
        if row.get("reference_arm") and not row.get("treatment_column"):
            raise InputError(f"cohort '{row['cohort']}': reference_arm is set but treatment_column is empty "
                             "(conflicting settings)", file=sheet_path, column="treatment_column", row=line,
                             fix="name the treatment column or clear reference_arm")
        if row.get("response_coding") and not row.get("response_column"):
            raise InputError(f"cohort '{row['cohort']}': response_coding is set but response_column is empty",
                             file=sheet_path, column="response_column", row=line,
                             fix="name the response column or clear response_coding")
        parse_mapping(row.get("event_coding"), file=sheet_path, column="event_coding", row=line, as_int=True)
        parse_mapping(row.get("response_coding"), file=sheet_path, column="response_coding", row=line, as_int=True)
        parse_mapping(row.get("reference_levels"), file=sheet_path, column="reference_levels", row=line)


def cohort_params(row: dict) -> dict:
    """The parameters of one cohort as passed to its jobs (only this row: changing
    another cohort's row never changes these params, so Snakemake's params trigger
    does not cascade across cohorts)."""
    return {k: v for k, v in sorted(row.items()) if not k.startswith("_")}


def contrast_applies(contrast: dict, row: dict) -> bool:
    """Whether a configured DE contrast is run for a cohort."""
    if contrast.get("cohorts") and row["cohort"] not in contrast["cohorts"]:
        return False
    col = contrast.get("column")
    if col == "response" and not row.get("response_column"):
        return False
    if col == "treatment" and not row.get("treatment_column"):
        return False
    return True
