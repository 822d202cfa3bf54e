"""One cohort from its cohort-sheet row to validated tables: the logic of the
``validate_inputs`` rule, shared with the pre-flight checks (:mod:`mitoscore.preflight`)
and the bad-input corpus tests, so that all three apply exactly the same settings.

:func:`clinical_for_row` standardises the clinical table of a row;
:func:`validate_cohort` reads and checks the counts and the clinical table, harmonises the
gene ids, matches samples and returns every validated table. Independent problems of the
counts and of the clinical table are reported together
(:class:`~mitoscore.errors.InputErrors`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from . import genes, inputs, validate
from .config import clinical_options, contrast_requirements
from .errors import InputError, Problems


@dataclass
class ValidatedCohort:
    """The validated tables of one cohort (written to ``results/cohorts/{cohort}/validated/``)."""

    counts: pd.DataFrame        # genes (symbols) x samples, int64
    clinical: pd.DataFrame      # index sample: os_months, os_event, covariates, treatment, response
    flow: pd.DataFrame          # step, n_before, n_after, n_excluded, reason
    gene_map: pd.DataFrame      # input_id, symbol, status
    endpoint: pd.DataFrame      # one row, validate.ENDPOINT_COLUMNS
    warnings: list[str]


def present_columns(raw: pd.DataFrame, row: dict, columns: Iterable[str]) -> list[str]:
    """The columns of ``columns`` the clinical table has (directly or through ``rename``)."""
    from .config import parse_rename

    have = set(raw.columns) | set(parse_rename(row.get("rename")))
    return [c for c in columns if c in have]


def clinical_for_row(raw: pd.DataFrame, row: dict, *, file: str, sheet: str | None = None,
                     contrasts: Sequence[dict] = ()) -> validate.ClinicalResult:
    """Standardise a cohort's clinical table with the settings of its cohort-sheet row
    (:func:`mitoscore.config.clinical_options`) and the columns/levels its DE contrasts need.
    A contrast column the table lacks raises (restrict the contrast with ``cohorts:``)."""
    keep, levels = contrast_requirements(list(contrasts), row)
    problems = Problems()
    have = present_columns(raw, row, [c for c in levels if c not in ("response", "treatment")])
    for con in contrasts:
        col = con.get("column")
        if col and col not in ("response", "treatment") and col in levels and col not in have:
            from .validate import suggest_column
            near = suggest_column(col, raw.columns)
            problems.add(InputError(
                f"cohort '{row.get('cohort')}': DE contrast '{con.get('name')}' uses column '{col}', which the "
                "clinical table lacks" + (f" (did you mean '{near}'?)" if near else ""), file=file, column=col,
                fix="restrict the contrast to the cohorts that have the column (de.contrasts[].cohorts in the config), "
                    f"or map a column to '{col}' with rename in {sheet or 'the cohort sheet'}"))
            levels.pop(col, None)
    covs = [v for con in contrasts if isinstance(con, dict) for v in con.get("covariates", []) or []
            if v in keep]
    for v in dict.fromkeys(covs):
        if v not in present_columns(raw, row, [v]):
            from .validate import suggest_column
            near = suggest_column(v, raw.columns)
            names = [c.get("name") for c in contrasts if v in (c.get("covariates") or [])]
            problems.add(InputError(
                f"cohort '{row.get('cohort')}': DE contrast {', '.join(map(repr, names))} adjusts for '{v}', which the "
                "clinical table lacks" + (f" (did you mean '{near}'?)" if near else ""), file=file, column=v,
                fix=f"map a column to '{v}' with rename in {sheet or 'the cohort sheet'}, or restrict the contrast to "
                    "the cohorts that have it (de.contrasts[].cohorts)"))
    res = None
    with problems.check():
        res = validate.standardise(raw, file=file, sheet=sheet, keep_columns=present_columns(raw, row, keep),
                                   required_levels=levels, **clinical_options(row))
    problems.raise_if_any()
    return res


def validate_cohort(row: dict, *, clinical_file: str, counts_files: Sequence[str] | None = None,
                    sheet: str | None = None, contrasts: Sequence[dict] = (),
                    annotation_dir: str | Path | None = None) -> ValidatedCohort:
    """Everything the ``validate_inputs`` rule does for one cohort, as a pure function of
    its files and settings: read and check the counts (:func:`mitoscore.inputs.read_counts`,
    :func:`mitoscore.validate.check_counts`, the declared gene-id type), harmonise gene ids,
    standardise the clinical table (:func:`clinical_for_row`), match samples (count samples
    whose clinical row was excluded are counted under that reason) and record the endpoint
    actually analysed. ``counts_files``: for GDC STAR inputs, the STAR files the workflow
    resolved at planning time (the rule's inputs)."""
    cid = row.get("cohort")
    counts_path = str(row["counts"])
    fmt = row.get("counts_format", "auto")
    problems = Problems()
    counts = gene_map = None
    with problems.check():
        counts = inputs.read_counts(counts_path, fmt=fmt, sample_sheet=row.get("sample_sheet"),
                                    round_estimated=row.get("round_estimated", False),
                                    gdc_id_column=row.get("gdc_id_column", "Sample ID"),
                                    files=list(counts_files) if counts_files is not None and
                                    inputs.detect_counts_format(counts_path) == "gdc_star" and fmt in ("auto", "gdc_star")
                                    else None)
        validate.check_counts(counts, file=counts_path)
        gene_ids = row.get("gene_ids", "symbol")
        genes.check_gene_id_type(list(counts.index[:500]), gene_ids, file=counts_path, cohort=cid, sheet=sheet)
        annotation = None if gene_ids == "as_is" else genes.load_annotation(annotation_dir)
        counts, gene_map = genes.harmonise(counts, gene_ids, annotation, file=counts_path,
                                           excel_mangled=row.get("excel_mangled", "error"), sheet=sheet)
    res = None
    with problems.check():
        raw = inputs.read_clinical(clinical_file)
        res = clinical_for_row(raw, row, file=clinical_file, sheet=sheet, contrasts=contrasts)
    problems.raise_if_any()
    counts, clinical, flow_match = validate.match_samples(
        counts, res.clinical, counts_file=counts_path, clinical_file=clinical_file,
        allow_unmatched=row.get("allow_unmatched", False), id_prefix_length=row.get("id_prefix_length"),
        excluded=res.excluded, cohort=cid, sheet=sheet)
    flow = pd.concat([res.flow, flow_match], ignore_index=True)
    n = len(clinical)
    flow = pd.concat([flow, pd.DataFrame([validate._flow_row(
        "analysed", n, n, f"{int(clinical['os_event'].sum())} events among {n} patients with counts and survival data")],
        columns=validate.FLOW_COLUMNS)], ignore_index=True)
    endpoint = validate.update_endpoint(res.endpoint, clinical)
    return ValidatedCohort(counts=counts, clinical=clinical, flow=flow, gene_map=gene_map, endpoint=endpoint,
                           warnings=list(res.warnings))
