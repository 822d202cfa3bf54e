"""The self-contained HTML report a reviewer audits.

Built like nf-core/differentialabundance's report: every number is rendered from the
workflow's result tables (never computed here), each section is a module (one Jinja2
template + one content function) that can be switched off, and an appendix lists every
parameter, input checksum, package and the code revision. The page opens with the
answer: the findings summary (a verdict per pre-specified hypothesis), then the plan, and
grades itself honestly (REMARK and TRIPOD checklists graded from their content).

Layers (each its own module):

* :mod:`.inputs`   -- the ONE declaration of the files the report reads (``INPUTS``) and
  its expansion into the Snakemake rule's named inputs (``report_inputs``);
* :mod:`.load`     -- read exactly those files into :class:`ReportData` (+ provenance);
* :mod:`.sections` -- the section registry: ``Section(id, title, content, needs, ...)``;
  content functions turn loaded tables into view models (:mod:`.view`);
* :mod:`.findings` -- the hypothesis registry and verdict rules (findings summary) and the
  planted-truth table of the SYNTHETIC demo;
* :mod:`.checklists` -- REMARK / TRIPOD items with sub-points graded from content;
* :mod:`.render`   -- Jinja2 (autoescape on) templates in ``templates/``, CSS/JS in
  ``static/`` inlined into one offline page.

Numbers are formatted by :mod:`mitoscore.fmt` (shared with the figures); every numeric
cell carries its unrounded table value in ``data-v`` so a reviewer (or a test) can trace it.
"""
from __future__ import annotations

from .checklists import CHECKLISTS, REMARK, TRIPOD, grade_text
from .findings import HYPOTHESES, Finding, Hypothesis, register_hypothesis
from .inputs import INPUTS, Input, register_input, report_inputs
from .load import CohortData, ReportData, load_report, read_table
from .render import render_report, synthetic_cohorts
from .sections import FIRST_RESULT_SECTION, SECTIONS, Section, register_section
from .view import Pseudonymiser, embed_svg

__all__ = [
    "CHECKLISTS", "REMARK", "TRIPOD", "grade_text", "HYPOTHESES", "Finding", "Hypothesis", "register_hypothesis",
    "INPUTS", "Input", "register_input", "report_inputs", "CohortData", "ReportData",
    "load_report", "read_table", "render_report", "synthetic_cohorts",
    "FIRST_RESULT_SECTION", "SECTIONS", "Section", "register_section", "Pseudonymiser", "embed_svg",
]
