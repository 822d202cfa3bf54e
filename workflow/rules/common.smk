# Configuration and cohort-sheet loading, validation, wildcard constraints,
# input functions and the target list. Nothing else.
import os
import re
import sys
from pathlib import Path

from snakemake.utils import validate

sys.path.insert(0, workflow.basedir)  # the mitoscore package sits beside the Snakefile

from mitoscore.config import (
    check_config,
    cohort_params,
    contrast_applies,
    cutpoint_cohort,
    derivation_cohort,
    load_cohort_sheet,
    signature_path,
)
from mitoscore.genes import DEFAULT_ANNOTATION_DIR
from mitoscore.report.inputs import report_inputs as _report_inputs
from mitoscore.report.load import check_reporting_file

validate(config, schema="../schemas/config.schema.yaml")

COHORT_SHEET = config.get("cohort_sheet", "config/cohorts.tsv")
_rows = load_cohort_sheet(COHORT_SHEET)
for _row in _rows:
    _line = _row.pop("_line")
    validate(_row, schema="../schemas/cohorts.schema.yaml")
    _row["_line"] = _line
check_config(config, _rows, sheet_path=COHORT_SHEET, config_name="config (--configfile)")
COHORTS = {r["cohort"]: r for r in _rows}
COHORT_IDS = list(COHORTS)
CONTRASTS = {c["name"]: c for c in config["de"]["contrasts"]}
REPORT_CONFIG = dict(config)  # what the report lists (and checksums): + the derived signature
SIGNATURE_FILES = [signature_path(s) for s in config["signatures"]]
DERIVATION = config["derivation"]
if DERIVATION["enabled"]:
    DERIVED_NAME = DERIVATION["name"]
    DERIVED_FROM = derivation_cohort(DERIVATION, _rows, sheet_path=COHORT_SHEET)
    DERIVED_GMT = f"results/derived/{DERIVED_NAME}.gmt"
    DERIVED_SPEC = {"name": DERIVED_NAME, "gmt": DERIVED_GMT,
                    "description": f"derived in {DERIVED_FROM}; frozen, validation cohorts only (results/derived/)"}
    REPORT_CONFIG["signatures"] = list(config["signatures"]) + [DERIVED_SPEC]
CUT = config["cutpoint"]
CUT_FROM = (cutpoint_cohort(CUT, _rows, sheet_path=COHORT_SHEET, config_name="config (--configfile)")
            if CUT.get("rule") == "discovery_median" else None)
SIG_NAMES = [s["name"] for s in config["signatures"]] + ([DERIVATION["name"]] if DERIVATION["enabled"] else [])

# The reporting items (REMARK/TRIPOD text) are checked now, not in the last job: a schema
# error stops the run here with the file, key and fix; cohort entries that match no cohort
# of the sheet are warned about. An absent file is allowed (every item is graded missing).
REPORTING = config["report"]["reporting"]
for _w in check_reporting_file(REPORTING, schema_path=os.path.join(workflow.basedir, "workflow", "schemas",
                                                                  "reporting.schema.yaml"), cohorts=COHORT_IDS):
    print(f"WARNING: {_w}", file=sys.stderr)
DEMO_TRUTH = config["report"].get("demo_truth")
if DEMO_TRUTH and not Path(DEMO_TRUTH).exists():
    raise ValueError(f"config report.demo_truth: file not found: {DEMO_TRUTH} (set it only for the SYNTHETIC "
                     "demo cohorts, to resources/demo/truth.json; null for real cohorts)")

wildcard_constraints:
    cohort="|".join(map(re.escape, COHORT_IDS)) if COHORT_IDS else "NONE",
    contrast="|".join(map(re.escape, CONTRASTS)) if CONTRASTS else "NONE",
    name=re.escape(config["derivation"]["name"]),
    signature="|".join(map(re.escape, SIG_NAMES)),


def scored_in(cohort):
    """Whether the derived signature is scored in a cohort: validation cohorts only, never
    the cohort it was derived from."""
    return DERIVATION["enabled"] and cohort != DERIVED_FROM and COHORTS[cohort].get("role", "validation") == "validation"


def signature_specs(wildcards):
    """The signatures scored in a cohort (configured + the frozen derived one where it applies)."""
    return list(config["signatures"]) + ([DERIVED_SPEC] if scored_in(wildcards.cohort) else [])


def frozen_cutpoints(wildcards):
    """With the discovery_median cut, every other cohort reads the discovery cohort's frozen
    cutpoints (so changing the discovery cohort regroups the others; adding a cohort does not)."""
    if CUT_FROM is None or wildcards.cohort == CUT_FROM:
        return []
    return f"results/cohorts/{CUT_FROM}/cutpoints.tsv"


def signature_files(wildcards):
    return [signature_path(s) for s in signature_specs(wildcards)]


def km_signatures(cohort):
    """The signatures with a Kaplan-Meier figure in a cohort: the ones scored there (the
    derived signature is not scored in the cohort it was derived from)."""
    return [s["name"] for s in config["signatures"]] + ([DERIVED_NAME] if scored_in(cohort) else [])


def cohort_row(wildcards):
    """Only this cohort's sheet row: editing another cohort never reruns this one."""
    return cohort_params(COHORTS[wildcards.cohort])


def contrasts_of(cohort):
    return [n for n, c in CONTRASTS.items() if contrast_applies(c, COHORTS[cohort])]


def cohort_inputs(wildcards):
    row = COHORTS[wildcards.cohort]
    files = {"counts": row["counts"], "clinical": row["clinical"]}
    if row.get("sample_sheet"):
        files["sample_sheet"] = row["sample_sheet"]
    return files


def de_inputs(wildcards):
    files = {"counts": f"results/cohorts/{wildcards.cohort}/validated/counts.parquet",
             "clinical": f"results/cohorts/{wildcards.cohort}/validated/clinical.tsv"}
    if CONTRASTS[wildcards.contrast].get("signature"):
        files["scores"] = f"results/cohorts/{wildcards.cohort}/scores.tsv"
    return files


def scaled(base, per_input_mb):
    """A resource (memory in MB, runtime in minutes) that grows with the size of a job's
    inputs and with each retry (cluster submissions)."""
    def _f(wildcards, input, attempt):
        return int(base + per_input_mb * input.size_mb) * attempt
    return _f


mem_mb = runtime_min = scaled


def per_cohort_targets(cohort):
    t = [
        f"results/cohorts/{cohort}/qc/qc.tsv",
        f"results/cohorts/{cohort}/scores.tsv",
        f"results/cohorts/{cohort}/survival/cox.tsv",
        f"results/cohorts/{cohort}/survival/random_null.tsv",
    ]
    t += [f"results/cohorts/{cohort}/de/{c}.tsv" for c in contrasts_of(cohort)]
    return t


def all_targets():
    t = []
    for c in COHORT_IDS:
        t += per_cohort_targets(c)
    if DERIVATION["enabled"]:
        t.append(DERIVED_GMT)
    t += ["results/summary/hazard_ratios.tsv", "results/summary/meta_analysis.tsv",
          "results/report/index.html"]
    return t


def provenance_files():
    """(role, path) of every file a result depends on besides the cohort inputs and the
    signature files: the vendored gene annotation (when a cohort maps gene ids), the
    derivation's restricting GMT, the configuration files."""
    out = []
    if any(r.get("gene_ids", "symbol") != "as_is" for r in COHORTS.values()):
        for f in ("genes.tsv.gz", "aliases.tsv.gz"):
            rel = os.path.relpath(os.path.join(DEFAULT_ANNOTATION_DIR, f))
            out.append((f"annotation@{f}", rel if not rel.startswith("..") else os.path.join(DEFAULT_ANNOTATION_DIR, f)))
    if DERIVATION["enabled"] and DERIVATION.get("restrict_gmt"):
        out.append(("derivation_restrict_gmt", DERIVATION["restrict_gmt"]))
        out.append(("derived_genes", f"results/derived/{DERIVED_NAME}_genes.tsv"))
    return out


def report_inputs(wildcards):
    """Every file the report reads, named, from ONE declaration (mitoscore.report.inputs.INPUTS):
    the report script loads exactly these (no path is guessed there)."""
    sigs = {s["name"]: signature_path(s) for s in config["signatures"]}
    if DERIVATION["enabled"]:
        sigs[DERIVED_NAME] = DERIVED_GMT
    return _report_inputs(
        {c: cohort_params(r) for c, r in COHORTS.items()},
        signatures_of={c: km_signatures(c) for c in COHORT_IDS},
        contrasts_of={c: contrasts_of(c) for c in COHORT_IDS},
        signature_files=sigs, provenance=provenance_files(),
        reporting=REPORTING if Path(REPORTING).exists() else None, truth=DEMO_TRUTH or None)
