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

from .errors import InputError, Problems

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


def load_cohort_sheet(path: str | os.PathLike, problems: Problems | None = None) -> list[dict[str, Any]]:
    """Read the cohort sheet into a list of row dicts (empty cells omitted so schema defaults apply).

    Lines starting with ``#`` are comments. Booleans accept true/false/yes/no/1/0; integers
    are parsed. Every problem (unreadable
    file, missing ``cohort`` column, bad booleans/integers, duplicated cohort ids) names the
    sheet, column and row; all are collected and raised together, or added to
    ``problems`` when given (the rows that could be read are returned).
    """
    from .inputs import reading

    own = problems is None
    problems = problems if problems is not None else Problems()
    path = Path(path)
    if not path.exists():
        problems.add(InputError("cohort sheet not found", file=str(path),
                                fix="set `cohort_sheet` in the config to an existing TSV (start from "
                                    "config/templates/cohorts.tsv; see config/README.md)"))
        if own:
            problems.raise_if_any()
        return []
    try:
        with reading(path, "cohort sheet", fix="save the cohort sheet as a tab-separated UTF-8 text file"):
            lines = path.read_text(encoding="utf-8-sig").splitlines()
            skip = [i for i, ln in enumerate(lines) if ln.lstrip().startswith("#") or not ln.strip()]  # comments, blanks
            df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, comment=None, skiprows=skip,
                             encoding="utf-8-sig")
            file_line = [i + 1 for i in range(len(lines)) if i not in set(skip)]  # header, then rows
    except InputError as err:
        if isinstance(err.__cause__, pd.errors.EmptyDataError):
            err = InputError("cohort sheet is empty", file=str(path), fix="add a header line and one row per cohort")
        problems.add(err)
        df = None
    if df is not None and df.empty:
        problems.add(InputError("cohort sheet has no cohort rows", file=str(path), fix="add one row per cohort"))
        df = None
    if df is not None and "cohort" not in [str(c).strip() for c in df.columns]:
        near = nearest("cohort", [str(c) for c in df.columns])
        problems.add(InputError("missing column 'cohort'" + (f" (did you mean '{near}'?)" if near else ""),
                                file=str(path), column="cohort",
                                fix="the first column must be `cohort` (the cohort id); the sheet must be tab-separated"))
        df = None
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    records = df.to_dict("records") if df is not None else []
    for k, rec in enumerate(records):
        i = file_line[k + 1] if k + 1 < len(file_line) else k + 2  # the row's line in the file
        row: dict[str, Any] = {}
        for key, value in rec.items():
            key = str(key).strip()
            value = str(value).strip()
            if value == "" or value.upper() == "NA":
                continue
            if key in BOOL_COLUMNS:
                low = value.lower()
                if low not in {"true", "false", "yes", "no", "1", "0"}:
                    problems.add(InputError("expected true or false", file=str(path), column=key, row=i, value=value,
                                            fix="write true or false"))
                    continue
                row[key] = low in {"true", "yes", "1"}
            elif key in INT_COLUMNS:
                try:
                    row[key] = int(value)
                except ValueError:
                    problems.add(InputError("expected an integer", file=str(path), column=key, row=i, value=value,
                                            fix="write a whole number"))
            else:
                row[key] = value
        cid = row.get("cohort", "")
        if cid in seen:
            problems.add(InputError("duplicated cohort id", file=str(path), column="cohort", row=i, value=cid,
                                    fix="give every cohort a unique id"))
            continue
        seen.add(cid)
        row["_line"] = i
        rows.append(row)
    if own:
        problems.raise_if_any()
    return rows


def read_cohort_sheet_table(path: str | os.PathLike) -> pd.DataFrame:
    """The cohort sheet as a table of strings (comment and blank lines skipped), for display."""
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    skip = [i for i, ln in enumerate(lines) if ln.lstrip().startswith("#") or not ln.strip()]
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, skiprows=skip, encoding="utf-8-sig")


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
            raise InputError(f"{what} '{named}' is not in the cohort sheet", file=config_name, key=setting,
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


def check_config(config: dict, cohorts: list[dict], *, sheet_path: str, config_name: str = "config",
                 problems: Problems | None = None) -> None:
    """Semantic checks that a JSON schema cannot express. Every problem is collected; they
    are raised together (:class:`~mitoscore.errors.InputErrors`) unless ``problems`` is
    given, in which case they are added to it."""
    own = problems is None
    problems = problems if problems is not None else Problems()
    add = problems.add
    sigs = [s for s in config.get("signatures") or [] if isinstance(s, dict)]
    sig_names = [s.get("name") for s in sigs if s.get("name")]
    dup = {n for n in sig_names if sig_names.count(n) > 1}
    if dup:
        add(InputError(f"signature names are duplicated: {sorted(dup)}", file=config_name, key="signatures",
                       fix="give every signature a unique name"))
    for s in sigs:
        p = signature_path(s)
        if p and not Path(p).exists():
            add(InputError("signature file not found", file=config_name, key=f"signatures[{s.get('name')}]",
                           value=p, fix="correct the path (relative to the directory Snakemake runs in)"))
    primary = config.get("primary_signature")
    if sig_names and primary not in sig_names:
        near = nearest(str(primary), sig_names)
        add(InputError(f"primary_signature '{primary}' is not one of the configured signatures {sig_names}",
                       file=config_name, key="primary_signature",
                       fix=f"set it to one of {sig_names}" + (f" (did you mean '{near}'?)" if near else "")))
    cut = config.get("cutpoint", {}) or {}
    if cut.get("rule") == "fixed" and "value" not in cut:
        add(InputError("cutpoint rule 'fixed' needs a value", file=config_name, key="cutpoint.value",
                       fix="add cutpoint: {value: <z-score cut frozen from the discovery cohort>}"))
    if cut.get("rule") != "fixed" and cut.get("value") is not None:
        add(InputError(f"cutpoint value given but rule is '{cut.get('rule')}' (conflicting settings)",
                       file=config_name, key="cutpoint", fix="remove `value` or set rule: fixed"))
    ids = [c["cohort"] for c in cohorts if c.get("cohort")]
    if cut.get("cohort") is not None and cut.get("rule") != "discovery_median":
        add(InputError(f"cutpoint cohort given but rule is '{cut.get('rule')}' (conflicting settings)",
                       file=config_name, key="cutpoint.cohort",
                       fix="remove `cohort` or set rule: discovery_median"))
    if cut.get("rule") == "discovery_median":
        with problems.check():
            cutpoint_cohort(cut, cohorts, sheet_path=sheet_path, config_name=config_name)
    de = config.get("de", {}) or {}
    contrasts = [c for c in de.get("contrasts", []) or [] if isinstance(c, dict)]
    for con in contrasts:
        if con.get("signature") and sig_names and con["signature"] not in sig_names:
            near = nearest(con["signature"], sig_names)
            add(InputError(f"contrast '{con.get('name')}' uses unknown signature '{con['signature']}'",
                           file=config_name, key="de.contrasts",
                           fix=f"use one of {sig_names}" + (f" (did you mean '{near}'?)" if near else "")))
        for c in con.get("cohorts", []) or []:
            if c not in ids:
                add(InputError(f"contrast '{con.get('name')}' names unknown cohort '{c}'", file=config_name,
                               key="de.contrasts.cohorts",
                               fix=f"use cohort ids from {sheet_path}: {ids}"
                                   + (f" (did you mean '{nearest(c, ids)}'?)" if nearest(c, ids) else "")))
    der = config.get("derivation", {}) or {}
    if der.get("enabled"):
        with problems.check():
            derivation_cohort(der, cohorts, sheet_path=sheet_path, config_name=config_name)
        names = {c.get("name"): c for c in contrasts}
        if der.get("contrast", "mitoscore_high_vs_low") not in names:
            add(InputError(f"derivation.contrast '{der.get('contrast', 'mitoscore_high_vs_low')}' is not a configured "
                           "DE contrast", file=config_name, key="derivation.contrast",
                           fix=f"use one of {list(names)}, add the contrast under de.contrasts, or set "
                               "derivation.enabled: false"))
        if der.get("name", "MITOSCORE_DERIVED") in sig_names:
            add(InputError("derivation.name clashes with a configured signature", file=config_name,
                           key="derivation.name", fix="choose another name"))
        rg = der.get("restrict_gmt")
        if rg and not Path(rg).exists():
            add(InputError("derivation.restrict_gmt not found", file=config_name, key="derivation.restrict_gmt",
                           value=rg, fix="correct the path or remove the key"))
    gsea = config.get("gsea", {}) or {}
    gcolls = [c for c in gsea.get("collections", []) or [] if isinstance(c, dict)]
    colls = [c.get("name") for c in gcolls]
    if len(set(colls)) != len(colls):
        add(InputError("gsea collection names are duplicated", file=config_name, key="gsea.collections",
                       fix="give every collection a unique name"))
    if "signatures" in colls and gsea.get("include_signatures", True):
        add(InputError("gsea collection name 'signatures' is reserved for the configured signatures",
                       file=config_name, key="gsea.collections", fix="rename the collection"))
    for c in gcolls:
        if c.get("gmt") and not Path(c["gmt"]).exists():
            add(InputError("gene-set collection file not found", file=config_name,
                           key=f"gsea.collections[{c.get('name')}]", value=c["gmt"],
                           fix="correct the path (relative to the directory Snakemake runs in)"))
    if gsea.get("min_size", 15) > gsea.get("max_size", 500):
        add(InputError("gsea.min_size is larger than gsea.max_size (conflicting settings)", file=config_name,
                       key="gsea.min_size", fix="set min_size <= max_size (GSEA defaults 15 and 500)"))
    names = [c.get("name") for c in contrasts]
    if len(set(names)) != len(names):
        add(InputError("contrast names are duplicated", file=config_name, key="de.contrasts",
                       fix="give every contrast a unique name"))
    frozen_from = None
    with problems.check():
        frozen_from = frozen_cohort(config.get("validation"), cohorts, sheet_path=sheet_path, config_name=config_name)
    if frozen_from is not None and cut.get("rule") == "discovery_median":
        with problems.check():
            cut_from = cutpoint_cohort(cut, cohorts, sheet_path=sheet_path, config_name=config_name)
            if cut_from != frozen_from:
                add(InputError(f"the discovery_median cut is frozen in '{cut_from}' but the frozen model comes from "
                               f"'{frozen_from}' (conflicting settings)", file=config_name, key="cutpoint.cohort",
                               fix="name the same cohort in cutpoint.cohort and validation.discovery_cohort "
                                   "(or remove one of them)"))
    pnames = []
    for con in (config.get("predictive", {}) or {}).get("contrasts", []) or []:
        if not isinstance(con, dict):
            continue
        pnames.append(con.get("name"))
        if str(con.get("test_arm")) == str(con.get("reference_arm")):
            add(InputError(f"predictive contrast '{con.get('name')}': test_arm and reference_arm are the same "
                           f"('{con.get('test_arm')}')", file=config_name, key="predictive.contrasts",
                           fix="name two different arms of the treatment column"))
    if len(set(pnames)) != len(pnames):
        add(InputError("predictive contrast names are duplicated", file=config_name, key="predictive.contrasts",
                       fix="give every predictive contrast a unique name"))
    for row in cohorts:
        line = row.get("_line")
        cid = row.get("cohort", "?")
        for key in ("counts", "clinical", "sample_sheet"):
            p = row.get(key)
            if p and not Path(p).exists():
                add(InputError(f"cohort '{cid}': file not found", file=sheet_path, column=key, row=line,
                               value=p, fix="correct the path (relative to the directory Snakemake runs in)"))
        if row.get("reference_arm") and not row.get("treatment_column"):
            add(InputError(f"cohort '{cid}': reference_arm is set but treatment_column is empty "
                           "(conflicting settings)", file=sheet_path, column="treatment_column", row=line,
                           fix="name the treatment column or clear reference_arm"))
        if row.get("response_coding") and not row.get("response_column"):
            add(InputError(f"cohort '{cid}': response_coding is set but response_column is empty",
                           file=sheet_path, column="response_column", row=line,
                           fix="name the response column or clear response_coding"))
        if row.get("sample_sheet") and row.get("counts_format", "auto") not in ("auto", "gdc_star"):
            add(InputError(f"cohort '{cid}': sample_sheet is set but counts_format is "
                           f"'{row.get('counts_format')}' (conflicting settings)", file=sheet_path,
                           column="sample_sheet", row=line,
                           fix="a sample sheet belongs to GDC STAR counts: set counts_format: gdc_star or clear "
                               "sample_sheet"))
        with problems.check():
            parse_mapping(row.get("event_coding"), file=sheet_path, column="event_coding", row=line, as_int=True)
        with problems.check():
            parse_mapping(row.get("response_coding"), file=sheet_path, column="response_coding", row=line, as_int=True)
        with problems.check():
            parse_mapping(row.get("reference_levels"), file=sheet_path, column="reference_levels", row=line)
        with problems.check():
            parse_rename(row.get("rename"), file=sheet_path, row=line)
        with problems.check():
            parse_recode(row.get("recode"), file=sheet_path, row=line)
        layout = row.get("survival_layout", "time_event")
        if layout == "time_event":
            for key in ("time_column", "event_column"):
                if not row.get(key):
                    add(InputError(f"cohort '{cid}': {key} is empty", file=sheet_path, column=key, row=line,
                                   fix=f"name the clinical table's {key.split('_')[0]} column, or set survival_layout "
                                       "to gdc / cbioportal / target / death_followup for the public layouts "
                                       "(config/README.md)"))
        elif layout == "death_followup":
            for key in ("death_time_column", "followup_time_column", "vital_status_column"):
                if not row.get(key):
                    add(InputError(f"cohort '{cid}': {key} is empty but survival_layout is death_followup",
                                   file=sheet_path, column=key, row=line,
                                   fix=f"name the clinical table's column in {key}, or use the gdc preset"))
    if own:
        problems.raise_if_any()


#: Cohort-sheet columns no analysis reads: they describe the cohort in the report (its card,
#: the role is passed to the jobs that need it as their own params), so editing them reruns
#: the report only, never the cohort's chain.
REPORT_ONLY_COLUMNS = ("description", "role")
#: The cohort-sheet columns the per-cohort models read (the ``survival`` rule and the frozen
#: model): covariates, their reference levels, strata and the treatment arm.
MODEL_COLUMNS = ("covariates", "reference_levels", "strata", "treatment_column", "reference_arm")


def cohort_params(row: dict, columns=None, *, exclude=()) -> dict:
    """The parameters of one cohort as passed to its jobs (only this row: changing
    another cohort's row never changes these params, so Snakemake's params trigger
    does not cascade across cohorts). ``columns``: keep only these (a job gets only the
    columns its outputs depend on, e.g. :data:`MODEL_COLUMNS`; absent ones are left out,
    as empty cells are); ``exclude``: drop these (e.g. :data:`REPORT_ONLY_COLUMNS`)."""
    keep = None if columns is None else set(columns)
    return {k: v for k, v in sorted(row.items())
            if not k.startswith("_") and k not in exclude and (keep is None or k in keep)}


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


# --------------------------------------------------------------------------- schemas
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "workflow" / "schemas"
_TYPE_WORDS = {"integer": "a whole number", "number": "a number", "string": "text", "boolean": "true or false",
               "array": "a list", "object": "a mapping (key: value)"}


def load_schema(name: str) -> dict:
    """A JSON schema of ``workflow/schemas`` (``config``, ``cohorts``, ``reporting``)."""
    import yaml

    return yaml.safe_load((SCHEMA_DIR / f"{name}.schema.yaml").read_text(encoding="utf-8"))


def _subschema(schema: dict, path) -> dict:
    """The schema that applies at ``path`` (keys and list indices) of an instance."""
    s = schema
    for k in path:
        if isinstance(k, int):
            s = s.get("items", {})
        else:
            props = s.get("properties", {})
            s = props.get(k) or (s.get("additionalProperties") if isinstance(s.get("additionalProperties"), dict) else {})
        if "$ref" in s:
            ref = s["$ref"].split("/")[-1]
            s = schema.get("$defs", {}).get(ref, {})
    return s


def _dotted(path) -> str:
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


def schema_problems(instance: Any, schema: dict, *, file: str, what: str = "key", row: int | None = None,
                    cohort: str | None = None, doc: str = "config/README.md") -> list[InputError]:
    """JSON-schema violations of ``instance`` as short :class:`InputError` messages.

    Each names the file, the key (``what="key"``, dotted path for nested config keys) or
    the cohort-sheet column and row (``what="column"``), the nearest valid name or value,
    and the fix, in one line; no schema is dumped. ``oneOf``/``anyOf`` failures are
    explained from the alternatives' ``required`` lists.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    out: list[InputError] = []
    who = f"cohort '{cohort}': " if cohort else ""
    for err in sorted(validator.iter_errors(instance), key=lambda e: [str(x) for x in e.absolute_path]):
        path = list(err.absolute_path)
        key = _dotted(path) if path else None
        sub = _subschema(schema, path)
        if err.validator == "additionalProperties":
            allowed = list(sub.get("properties", {}))
            extra = [k for k in (err.instance or {}) if k not in allowed] if isinstance(err.instance, dict) else []
            for k in extra:
                near = nearest(str(k), allowed)
                full = _dotted([*path, k])
                if what == "column":
                    out.append(InputError("unknown column" + (f" (did you mean '{near}'?)" if near else ""),
                                          file=file, column=k,
                                          fix=(f"rename the header '{k}' to '{near}'" if near else
                                               f"remove the column or use one of the documented columns ({doc})")))
                else:
                    where = f" under '{_dotted(path)}'" if path else ""
                    out.append(InputError("unknown key" + (f" (did you mean '{near}'?)" if near else ""),
                                          file=file, key=full,
                                          fix=(f"rename '{k}'{where} to '{near}'" if near else
                                               f"remove it; the keys{where} are {', '.join(allowed)} ({doc})")))
            continue
        if err.validator == "enum":
            opts = [str(o) for o in err.validator_value]
            near = nearest(str(err.instance), opts)
            problem = f"{who}value {err.instance!r} is not allowed" + (f" (did you mean '{near}'?)" if near else "")
            fix = f"use one of: {', '.join(opts)}"
        elif err.validator == "type":
            want = err.validator_value if isinstance(err.validator_value, str) else err.validator_value[0]
            problem = f"{who}expected {_TYPE_WORDS.get(want, want)}, got {err.instance!r}"
            fix = f"write {_TYPE_WORDS.get(want, want)}" + (f" ({sub.get('description')})" if sub.get("description") else "")
        elif err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else str(err.validator_value)
            key = _dotted([*path, missing])
            if what == "column":
                problem, fix = f"{who}required column '{missing}' is empty or missing", \
                    f"fill '{missing}' ({_subschema(schema, [missing]).get('description', 'see ' + doc)})"
            else:
                problem, fix = "required key is missing", \
                    f"add '{missing}' ({_subschema(schema, [*path, missing]).get('description', 'see ' + doc)})"
        elif err.validator in ("oneOf", "anyOf"):
            alts = [a.get("required", []) for a in err.validator_value if isinstance(a, dict)]
            names = sorted({k for a in alts for k in a})
            have = [k for k in names if isinstance(err.instance, dict) and k in err.instance]
            problem = (f"{who}needs exactly one of {', '.join(names)}" + (f" (has {', '.join(have)})" if have else " (has none)")
                       if names else f"{who}{err.message[:120]}")
            fix = f"give exactly one of {' or '.join(names)}" if names else f"see {doc}"
        elif err.validator == "pattern":
            problem = f"{who}{err.instance!r} does not match the allowed form {err.validator_value}"
            fix = "use letters, digits, '_' and '-' only (no spaces)" if "A-Za-z0-9" in str(err.validator_value) \
                else f"see {doc}"
        elif err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems",
                               "maxItems", "minLength"):
            word = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<",
                    "minItems": "at least this many items:", "maxItems": "at most this many items:",
                    "minLength": "at least this many characters:"}[err.validator]
            problem = f"{who}{err.instance!r} is out of range (must be {word} {err.validator_value})"
            fix = f"use a value {word} {err.validator_value}"
        else:
            problem, fix = f"{who}{err.message[:160]}", f"see {doc}"
        if what == "column":
            out.append(InputError(problem, file=file, column=str(path[0]) if path else key, row=row,
                                  value=None, fix=fix))
        else:
            out.append(InputError(problem, file=file, key=key, fix=fix))
    return out


def apply_defaults(instance: Any, schema: dict, _root: dict | None = None) -> Any:
    """Fill the schema ``default`` of every missing property, recursively (objects and
    arrays of objects), without validating; an invalid value is left for
    :func:`schema_problems` to report."""
    root = _root or schema
    if "$ref" in schema:
        schema = root.get("$defs", {}).get(schema["$ref"].split("/")[-1], {})
    if isinstance(instance, dict):
        for k, sub in schema.get("properties", {}).items():
            if "$ref" in sub:
                sub = root.get("$defs", {}).get(sub["$ref"].split("/")[-1], {})
            if k not in instance and "default" in sub:
                import copy
                instance[k] = copy.deepcopy(sub["default"])
            if k in instance:
                apply_defaults(instance[k], sub, root)
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for item in instance:
            apply_defaults(item, schema["items"], root)
    return instance


# --------------------------------------------------------------------------- cohort-level settings
def parse_rename(text: str | None, *, file: str | None = None, row: int | None = None) -> dict[str, str]:
    """'age=age_at_initial_pathologic_diagnosis, sex=gender' -> {'age': 'age_at_...', 'sex': 'gender'}
    (canonical name = clinical column of this cohort; the first '=' separates them)."""
    out: dict[str, str] = {}
    for item in parse_list(text):
        canon, eq, source = item.partition("=")
        if not eq or not canon.strip() or not source.strip():
            raise InputError(f"'{item}' is not of the form name=column", file=file, column="rename", row=row,
                             fix="write rename as canonical_name=clinical_column pairs separated by commas, e.g. "
                                 "'age=age_at_initial_pathologic_diagnosis,sex=gender'")
        out[canon.strip()] = source.strip()
    return out


def parse_recode(text: str | None, *, file: str | None = None, row: int | None = None) -> dict[str, dict[str, str]]:
    """'sex: FEMALE=F, MALE=M; risk: Poor=adverse' -> {'sex': {'FEMALE': 'F', 'MALE': 'M'},
    'risk': {'Poor': 'adverse'}} (columns separated by ';', the first ':' ends the column
    name, pairs by ',', the last '=' separates old and new value; new value NA = missing)."""
    out: dict[str, dict[str, str]] = {}
    if text is None or not str(text).strip():
        return out
    for part in str(text).split(";"):
        part = part.strip()
        if not part:
            continue
        col, colon, rest = part.partition(":")
        if not colon or not col.strip():
            raise InputError(f"'{part}' is not of the form column: old=new, old=new", file=file, column="recode",
                             row=row, fix="write e.g. 'sex: FEMALE=F, MALE=M; risk: Poor=adverse'")
        out[col.strip()] = {str(k): str(v) for k, v in
                            parse_mapping(rest, file=file, column="recode", row=row).items()}
    return out


def clinical_options(row: dict) -> dict:
    """The :func:`mitoscore.validate.standardise` keyword arguments of one cohort-sheet row
    (shared by the validate_inputs job and the pre-flight checks, so both apply exactly
    the same settings)."""
    covariates = parse_list(row.get("covariates")) + [s for s in parse_list(row.get("strata"))
                                                      if s not in parse_list(row.get("covariates"))]
    return dict(
        id_column=row.get("id_column", "sample_id"), time_column=row.get("time_column"),
        event_column=row.get("event_column"), time_unit=row.get("time_unit"),
        event_coding=parse_mapping(row.get("event_coding"), as_int=True) or None,
        covariates=covariates, treatment_column=row.get("treatment_column"),
        response_column=row.get("response_column"),
        response_coding=parse_mapping(row.get("response_coding"), as_int=True) or None,
        zero_time=row.get("zero_time", "error"), survival_layout=row.get("survival_layout", "time_event"),
        death_time_column=row.get("death_time_column"), followup_time_column=row.get("followup_time_column"),
        vital_status_column=row.get("vital_status_column"),
        missing_survival=row.get("missing_survival", "exclude"),
        plausibility_checks=row.get("plausibility_checks", "error"),
        rename=parse_rename(row.get("rename")), recode=parse_recode(row.get("recode")),
        reference_levels=parse_mapping(row.get("reference_levels")) or None,
        reference_arm=row.get("reference_arm"), cohort=row.get("cohort"),
    )


def contrast_requirements(contrasts: list[dict], row: dict) -> tuple[list[str], dict[str, list[str]]]:
    """Clinical columns the DE contrasts that apply to this cohort need (kept in the
    validated table) and the levels each must have: ``(keep_columns, {column: [levels]})``."""
    keep: list[str] = []
    levels: dict[str, list[str]] = {}
    for con in contrasts:
        if not isinstance(con, dict) or not contrast_applies(con, row):
            continue
        col = con.get("column")
        keep += list(con.get("covariates", []) or [])
        if not col:
            continue
        if col not in ("response", "treatment"):
            keep.append(col)
        levels.setdefault(col, [])
        levels[col] += [v for v in (con.get("test"), con.get("reference")) if v is not None]
    return list(dict.fromkeys(keep)), levels
