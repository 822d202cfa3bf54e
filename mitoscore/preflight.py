"""Pre-flight checks: everything that can be checked before any job runs, reported
together in one message.

:func:`run` is called by ``workflow/rules/common.smk`` when Snakemake reads the workflow
(so ``snakemake -n`` shows the problems too). It checks, collecting every problem:

1. the config against ``workflow/schemas/config.schema.yaml`` (unknown keys with the
   nearest valid name, types, allowed values), then fills the schema defaults;
2. the cohort sheet: readable, header columns known (nearest valid name), each row
   against ``cohorts.schema.yaml``, booleans/integers, unique ids;
3. cross-references (:func:`mitoscore.config.check_config`): files, signatures,
   cutpoint/derivation/contrast settings, layouts, mini-syntax cells;
4. every signature's set name in its GMT / weights table, the reporting items file;
5. per cohort (``data_checks``): the counts' gene-id type and sample ids (cheaply: header
   lines, the GDC sample sheet, one STAR file), the whole clinical table through the
   same code as the ``validate_inputs`` job (:func:`mitoscore.cohort.clinical_for_row`:
   columns, codings, levels, units and follow-up plausibility, layouts, recodes), and the
   sample matching.

Any problem raises :class:`~mitoscore.errors.InputErrors` listing all of them, each with
the file, the row/column or key, and the fix.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .config import (apply_defaults, check_config, load_cohort_sheet, load_schema, nearest, schema_problems)
from .errors import InputError, Problems

HEADER = "mitoscore: {n} problem(s) in the configuration and inputs; nothing was run. Fix them all, then rerun"


def _sheet_header(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for line in fh:
                if not line.lstrip().startswith("#"):
                    return [c.strip() for c in line.rstrip("\r\n").split("\t")]
        return []
    except (OSError, UnicodeError):
        return []


def check_reporting(path: str | None, cohort_ids: list[str], problems: Problems) -> None:
    """The reporting-items YAML parses and follows ``reporting.schema.yaml``; its cohort keys
    are cohorts of the sheet."""
    import yaml

    if not path:
        return
    p = Path(path)
    if not p.exists():
        problems.add(InputError("reporting items file not found", file=str(p),
                                fix="correct report.reporting in the config, start from config/templates/reporting.yaml, "
                                    "or remove the key (every REMARK item is then flagged MISSING in the report)"))
        return
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeError) as e:
        mark = getattr(e, "problem_mark", None)
        problems.add(InputError(f"not valid YAML ({getattr(e, 'problem', e)})", file=str(p),
                                row=(mark.line + 1) if mark else None,
                                fix="check the indentation and quote texts that contain ':' or '#'"))
        return
    for e in schema_problems(data, load_schema("reporting"), file=str(p), what="key",
                             doc="workflow/schemas/reporting.schema.yaml"):
        problems.add(e)
    for cid in (data.get("cohorts") or {}) if isinstance(data, dict) else {}:
        if cid not in cohort_ids:
            near = nearest(str(cid), cohort_ids)
            problems.add(InputError(f"reporting items for cohort '{cid}', which is not in the cohort sheet"
                                    + (f" (did you mean '{near}'?)" if near else ""), file=str(p),
                                    column=f"cohorts.{cid}", fix=f"use cohort ids of the sheet: {cohort_ids}"))


def check_cohort_data(row: dict, config: dict, *, sheet: str, problems: Problems) -> None:
    """The data-level checks of one cohort (see the module docstring, step 5)."""
    from . import genes, inputs, validate
    from .cohort import clinical_for_row

    cid = row.get("cohort")
    counts, clin = row.get("counts"), row.get("clinical")
    if not counts or not clin or not Path(counts).exists() or not Path(clin).exists():
        return  # reported by check_config
    sample_ids = None
    with problems.check():
        samples, gene_head, _ = inputs.peek_counts(counts, fmt=row.get("counts_format", "auto"),
                                                   sample_sheet=row.get("sample_sheet"),
                                                   gdc_id_column=row.get("gdc_id_column", "Sample ID"))
        genes.check_gene_id_type(gene_head, row.get("gene_ids", "symbol"), file=counts, cohort=cid, sheet=sheet)
        sample_ids = samples
    res = None
    with problems.check():
        raw = inputs.read_clinical(clin)
        res = clinical_for_row(raw, row, file=clin, sheet=sheet, contrasts=(config.get("de") or {}).get("contrasts") or [])
    if res is not None and sample_ids is not None:
        with problems.check():
            stub = pd.DataFrame(index=pd.Index([], name="gene"), columns=pd.Index(sample_ids))
            validate.match_samples(stub, res.clinical, counts_file=counts, clinical_file=clin,
                                   allow_unmatched=row.get("allow_unmatched", False),
                                   id_prefix_length=row.get("id_prefix_length"), excluded=res.excluded,
                                   cohort=cid, sheet=sheet)


def run(config: dict, *, config_name: str = "config", data_checks: bool = True) -> list[dict]:
    """Check the configuration and inputs; return the cohort-sheet rows with schema defaults
    filled (``_line`` = the row's line in the sheet). ``config`` gets its defaults filled in
    place. Raises :class:`~mitoscore.errors.InputErrors` listing every problem."""
    problems = Problems()
    cfg_schema, row_schema = load_schema("config"), load_schema("cohorts")
    for e in schema_problems(config, cfg_schema, file=config_name, what="key"):
        problems.add(e)
    apply_defaults(config, cfg_schema)
    sheet = str(config.get("cohort_sheet") or "config/cohorts.tsv")
    rows = load_cohort_sheet(sheet, problems)
    known = list(row_schema["properties"])
    for col in _sheet_header(sheet) if rows else []:
        if col and col not in known:
            near = nearest(col, known)
            problems.add(InputError("unknown column" + (f" (did you mean '{near}'?)" if near else ""),
                                    file=sheet, column=col,
                                    fix=(f"rename the header '{col}' to '{near}'" if near else
                                         "remove the column; the columns are listed in config/README.md")))
    for row in rows:
        rec = {k: v for k, v in row.items() if k != "_line" and k in known}
        for e in schema_problems(rec, row_schema, file=sheet, what="column", row=row["_line"],
                                 cohort=row.get("cohort")):
            problems.add(e)
        apply_defaults(row, row_schema)
    try:
        check_config(config, rows, sheet_path=sheet, config_name=config_name, problems=problems)
    except (KeyError, TypeError, AttributeError):
        if not problems:  # a malformed config already reported by the schema check
            raise
    from .signatures import load_signatures

    for spec in config.get("signatures") or []:
        if isinstance(spec, dict) and (spec.get("gmt") or spec.get("weights")):
            path = spec.get("gmt") or spec.get("weights")
            if Path(str(path)).exists():
                with problems.check():
                    load_signatures([spec])
    check_reporting((config.get("report") or {}).get("reporting"), [r.get("cohort") for r in rows], problems)
    truth = (config.get("report") or {}).get("demo_truth")
    if truth and not Path(truth).is_file():
        problems.add(InputError("planted-truth file not found", file=config_name, key="report.demo_truth", value=truth,
                                fix="set it only for the SYNTHETIC demo cohorts (resources/demo/truth.json); "
                                    "leave it null for real cohorts"))
    if data_checks and not any(e.file == sheet and e.column == "cohort" for e in problems.errors):
        for row in rows:
            try:
                check_cohort_data(row, config, sheet=sheet, problems=problems)
            except (KeyError, TypeError, AttributeError, ValueError):
                if not problems:  # a malformed setting already reported above can break a data check
                    raise
    if problems:
        problems.raise_if_any(header=HEADER.format(n=len(problems)))
    return rows
