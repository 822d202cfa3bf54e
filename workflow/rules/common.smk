# Configuration and cohort-sheet loading, validation, wildcard constraints,
# input functions and the target list. Nothing else.
import os
import re
import sys
from pathlib import Path

from snakemake.utils import validate

sys.path.insert(0, workflow.basedir)  # the mitoscore package sits beside the Snakefile

from mitoscore import preflight
from mitoscore.config import (
    MODEL_COLUMNS,
    REPORT_ONLY_COLUMNS,
    cohort_params,
    contrast_applies,
    cutpoint_cohort,
    derivation_cohort,
    estimation_label,
    frozen_cohort,
    signature_path,
    validated_cohorts,
)
from mitoscore.inputs import count_input_files
from mitoscore.runrecord import workflow_files
from mitoscore.report.inputs import report_inputs as _report_inputs
from mitoscore.smkpatch import single_reevaluation_timer

# Snakemake 9's scheduler starts a new wake-up timer on every pass of its loop, so its CPU grows
# with the square of the number of jobs; keep one timer pending (mitoscore/smkpatch.py)
try:
    from snakemake.scheduling.job_scheduler import JobScheduler as _JobScheduler
except ImportError:  # another Snakemake layout: nothing to patch
    _JobScheduler = None
if _JobScheduler is not None:
    single_reevaluation_timer(_JobScheduler)

# Pre-flight: config schema, cohort sheet, cross-references, signatures, reporting items
# and (in the main process) every cohort's clinical table, codings, levels, units,
# gene-id type and sample ids; all problems are reported together before any job runs.
CONFIG_NAME = ", ".join(os.path.relpath(str(f)) if not os.path.relpath(str(f)).startswith("..") else str(f)
                        for f in workflow.configfiles) or "config"
_rows = preflight.run(config, config_name=CONFIG_NAME, data_checks=workflow.is_main_process)
validate(config, schema="../schemas/config.schema.yaml")  # passes after the pre-flight; fills defaults
COHORT_SHEET = config["cohort_sheet"]
#: the results directory (config results_dir, default results): every rule output, log and
#: benchmark, the report's inputs and the run record go through res(), the one place that
#: prefixes them, so two studies with different results_dir in one checkout never overwrite
#: each other
RESULTS = os.path.normpath(str(config["results_dir"]))


def res(path):
    """``path`` inside the results directory (``res("cohorts/{cohort}/scores.tsv")``)."""
    return f"{RESULTS}/{path}"


for _row in _rows:
    _line = _row.pop("_line")
    validate(_row, schema="../schemas/cohorts.schema.yaml")
    _row["_line"] = _line
COHORTS = {r["cohort"]: r for r in _rows}
COHORT_IDS = list(COHORTS)
CONTRASTS = {c["name"]: c for c in config["de"]["contrasts"]}
REPORT_CONFIG = dict(config)  # what the report lists (and checksums): + the derived signature
SIGNATURE_FILES = [signature_path(s) for s in config["signatures"]]
DERIVATION = config["derivation"]
if DERIVATION["enabled"]:
    DERIVED_NAME = DERIVATION["name"]
    DERIVED_FROM = derivation_cohort(DERIVATION, _rows, sheet_path=COHORT_SHEET)
    DERIVED_GMT = res(f"derived/{DERIVED_NAME}.gmt")
    DERIVED_SPEC = {"name": DERIVED_NAME, "gmt": DERIVED_GMT,
                    "description": f"derived in {DERIVED_FROM}; frozen, validation cohorts only ({res('derived/')})"}
    REPORT_CONFIG["signatures"] = list(config["signatures"]) + [DERIVED_SPEC]
CUT = config["cutpoint"]
CUT_FROM = (cutpoint_cohort(CUT, _rows, sheet_path=COHORT_SHEET, config_name=CONFIG_NAME)
            if CUT.get("rule") == "discovery_median" else None)
SIG_NAMES = [s["name"] for s in config["signatures"]] + ([DERIVATION["name"]] if DERIVATION["enabled"] else [])
GSEA = config["gsea"]
GSEA_ON = bool(GSEA["collections"])  # GSEA runs when at least one collection is configured
# TRIPOD external validation: the model frozen in the discovery cohort (None: no discovery cohort
# in the run, or validation.frozen false) and the cohorts it is applied to
VALIDATION = config["validation"]
FROZEN_FROM = frozen_cohort(VALIDATION, _rows, sheet_path=COHORT_SHEET, config_name=CONFIG_NAME)
VALIDATED = validated_cohorts(VALIDATION, _rows, FROZEN_FROM)
FROZEN_MODEL = [res("frozen/model.json"), res("frozen/model.sha256"), res("frozen/model_summary.tsv")]
VALIDATION_FILES = ("frozen_cox.tsv", "calibration.tsv", "calibration_curve.tsv", "frozen_scores.tsv", "status.tsv",
                    "calibration.svg")
PREDICTIVE = config.get("predictive", {}) or {}
PRED_CONTRASTS = [c["name"] for c in PREDICTIVE.get("contrasts", []) or []]

# The reporting items (REMARK/TRIPOD text) are checked by the pre-flight above (mitoscore.preflight).
REPORTING = config["report"]["reporting"]
DEMO_TRUTH = config["report"].get("demo_truth")

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
    return res(f"cohorts/{CUT_FROM}/cutpoints.tsv")


def signature_files(wildcards):
    return [signature_path(s) for s in signature_specs(wildcards)]


def km_signatures(cohort):
    """The signatures with a Kaplan-Meier figure in a cohort: the ones scored there (the
    derived signature is not scored in the cohort it was derived from)."""
    return [s["name"] for s in config["signatures"]] + ([DERIVED_NAME] if scored_in(cohort) else [])


def cohort_row(wildcards):
    """What the validation reads of this cohort's sheet row: the row without the columns only
    the report shows (REPORT_ONLY_COLUMNS: editing a description reruns the report, not the
    cohort's chain). Only this row: editing another cohort never reruns this one."""
    return cohort_params(COHORTS[wildcards.cohort], exclude=REPORT_ONLY_COLUMNS)


def model_columns(cohort):
    """The columns of a cohort's row its models read (MODEL_COLUMNS: covariates, reference
    levels, strata, treatment arm): the survival and freeze_model params."""
    return cohort_params(COHORTS[cohort], MODEL_COLUMNS)


def cohort_models(wildcards):
    return model_columns(wildcards.cohort)


def contrasts_of(cohort):
    return [n for n, c in CONTRASTS.items() if contrast_applies(c, COHORTS[cohort])]


def clinical_contrasts(wildcards):
    """What the validation reads of this cohort's DE contrasts: the clinical column, its levels
    and the covariates each needs kept in the validated table. A contrast of score groups
    without covariates needs nothing from the clinical table: adding one (e.g. LSC17 high vs
    low) does not rerun the validation."""
    keys = ("name", "column", "test", "reference", "covariates")
    return [{k: CONTRASTS[n][k] for k in keys if k in CONTRASTS[n]} for n in contrasts_of(wildcards.cohort)
            if CONTRASTS[n].get("column") or CONTRASTS[n].get("covariates")]


def _annotation_files():
    """The vendored gene annotation, as a path relative to the run directory when it is
    reachable there (resources/ of the repository or a link to it), else absolute."""
    out = []
    for name in ("genes.tsv.gz", "aliases.tsv.gz"):
        repo = Path(workflow.basedir) / "resources" / "annotation" / name
        local = Path("resources") / "annotation" / name
        out.append(str(local) if local.exists() and local.resolve() == repo.resolve() else str(repo))
    return out


ANNOTATION_FILES = _annotation_files()


def annotation_inputs(wildcards):
    """The annotation a cohort's jobs read (none when its gene ids are kept as_is)."""
    return [] if COHORTS[wildcards.cohort].get("gene_ids", "symbol") == "as_is" else ANNOTATION_FILES


def cohort_inputs(wildcards):
    """Every file the cohort's validation reads: the count file(s) (for GDC STAR inputs the
    STAR files the sample sheet or folder resolves to now, so editing one reruns the
    validation), the sample sheet, the clinical table and the gene annotation."""
    row = COHORTS[wildcards.cohort]
    files = count_input_files(row["counts"], fmt=row.get("counts_format", "auto"),
                              sample_sheet=row.get("sample_sheet"))
    files["clinical"] = row["clinical"]
    files["annotation"] = annotation_inputs(wildcards)
    return files


def de_inputs(wildcards):
    """A contrast of score groups reads that signature's own groups (written by
    signature_groups; the rows of scores.tsv for it), not the whole scores table: adding a
    signature does not rerun the DE of another signature's groups."""
    files = {"counts": res(f"cohorts/{wildcards.cohort}/validated/counts.parquet"),
             "clinical": res(f"cohorts/{wildcards.cohort}/validated/clinical.tsv")}
    sig = CONTRASTS[wildcards.contrast].get("signature")
    if sig:
        files["scores"] = res(f"cohorts/{wildcards.cohort}/groups/{sig}.tsv")
    return files


def signature_spec(wildcards):
    """The one signature a signature_groups job scores (configured or the derived one)."""
    return next(s for s in signature_specs(wildcards) if s["name"] == wildcards.signature)


def signature_file(wildcards):
    return signature_path(signature_spec(wildcards))


def cut_source(wildcards):
    """With the discovery_median cut, the cohort whose frozen cut a signature's groups use
    (None: this cohort's own cut, as the score rule does)."""
    if CUT_FROM is None or wildcards.cohort == CUT_FROM:
        return None
    return CUT_FROM


def _frozen_cut_file(cohort, signature):
    src = None if CUT_FROM is None or cohort == CUT_FROM else CUT_FROM
    if src is None or signature not in km_signatures(src):
        return []
    return res(f"cohorts/{src}/groups/{signature}_cutpoints.tsv")


def frozen_signature_cut(wildcards):
    """The discovery cohort's frozen cut of this one signature (when it is scored there;
    otherwise the job falls back to this cohort's median, as the score rule does)."""
    return _frozen_cut_file(wildcards.cohort, wildcards.signature)


def estimation_of(wildcards):
    """How a cohort's per-cohort survival analysis is labelled (discovery / sensitivity /
    per-cohort): depends only on this cohort's role and on the discovery cohort."""
    return estimation_label(wildcards.cohort, _rows, VALIDATION, FROZEN_FROM)


def freeze_inputs(wildcards):
    """The frozen model reads only the discovery cohort (adding or changing a validation
    cohort never rebuilds it)."""
    d = res(f"cohorts/{FROZEN_FROM}")
    return {"scores": f"{d}/scores.tsv", "clinical": f"{d}/validated/clinical.tsv",
            "checksums": f"{d}/validated/input_checksums.tsv"}


def validation_inputs(wildcards):
    """A validation cohort's own scores and clinical table, plus the frozen model when the run
    has a discovery cohort (else the job records the per-cohort fallback)."""
    d = res(f"cohorts/{wildcards.cohort}")
    files = {"scores": f"{d}/scores.tsv", "clinical": f"{d}/validated/clinical.tsv"}
    if FROZEN_FROM is not None:
        files.update(model=FROZEN_MODEL[0], sha256=FROZEN_MODEL[1])
    return files


#: the per-cohort tables whose tests the summary adjusts by family (mitoscore.multiplicity.SOURCES)
TEST_TABLES = {"cox": "survival/cox.tsv", "logrank": "survival/logrank.tsv", "interaction": "survival/interaction.tsv",
               "predictive": "survival/predictive.tsv", "response": "survival/response.tsv",
               "response_by_arm": "survival/response_by_arm.tsv", "maxstat": "survival/maxstat_exploratory.tsv",
               "random_null": "random_null/summary.tsv", "predictive_contrasts": "survival/predictive_contrasts.tsv"}


def summary_inputs(wildcards):
    """Per source table, one file per cohort in cohort-sheet order (params.cohorts); the
    frozen-model HRs of the frozen-validated cohorts (params.validated order)."""
    files = {k: [res(f"cohorts/{c}/{v}") for c in COHORT_IDS] for k, v in TEST_TABLES.items()}
    files["frozen_cox"] = [res(f"cohorts/{c}/validation/frozen_cox.tsv") for c in VALIDATED]
    return files


def scaled(base, per_input_mb):
    """A resource (memory in MB, runtime in minutes) that grows with the size of a job's
    inputs and with each retry (cluster submissions)."""
    def _f(wildcards, input, attempt):
        return int(base + per_input_mb * input.size_mb) * attempt
    return _f


mem_mb = runtime_min = scaled


#: (cohort, contrast) pairs with a GSEA job: every DE contrast of every cohort.
GSEA_PAIRS = [(c, k) for c in COHORT_IDS for k in contrasts_of(c)] if GSEA_ON else []


def per_cohort_targets(cohort):
    t = [
        res(f"cohorts/{cohort}/qc/qc.tsv"),
        res(f"cohorts/{cohort}/scores.tsv"),
        res(f"cohorts/{cohort}/survival/cox.tsv"),
        res(f"cohorts/{cohort}/random_null/summary.tsv"),
    ]
    t += [res(f"cohorts/{cohort}/de/{c}.tsv") for c in contrasts_of(cohort)]
    if cohort in VALIDATED:
        t += [res(f"cohorts/{cohort}/validation/{f}") for f in VALIDATION_FILES]
    return t


def all_targets():
    t = []
    for c in COHORT_IDS:
        t += per_cohort_targets(c)
    if GSEA_ON:
        t += [res(f"cohorts/{c}/gsea/{k}.tsv") for c, k in GSEA_PAIRS] + [res("summary/gsea_nes.tsv")]
    if DERIVATION["enabled"]:
        t.append(DERIVED_GMT)
    if FROZEN_FROM is not None:
        t += FROZEN_MODEL
    t += [res("summary/hazard_ratios.tsv"), res("summary/meta_analysis.tsv"),
          res("summary/multiplicity.tsv"), res("report/index.html"), res("ro-crate-metadata.json")]
    return t


def provenance_files():
    """(role, path) of every file a result depends on besides the cohort inputs and the
    signature files: the vendored gene annotation (when a cohort maps gene ids), the
    derivation's restricting GMT, the configuration files."""
    out = []
    if any(r.get("gene_ids", "symbol") != "as_is" for r in COHORTS.values()):
        out += [(f"annotation@{os.path.basename(f)}", f) for f in ANNOTATION_FILES]
    if DERIVATION["enabled"] and DERIVATION.get("restrict_gmt"):
        out.append(("derivation_restrict_gmt", DERIVATION["restrict_gmt"]))
        out.append(("derived_genes", res(f"derived/{DERIVED_NAME}_genes.tsv")))
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
        reporting=REPORTING if REPORTING and Path(REPORTING).is_file() else None, truth=DEMO_TRUTH or None,
        cohort_sets={"validated": VALIDATED, "frozen_model": [FROZEN_FROM] if FROZEN_FROM else [],
                     "gsea": COHORT_IDS if GSEA_ON else []},
        subs_of={"gsea_contrasts": {c: [k for cc, k in GSEA_PAIRS if cc == c] for c in COHORT_IDS},
                 "predictive_contrasts": {c: PRED_CONTRASTS for c in COHORT_IDS}}, results_dir=RESULTS)


# --------------------------------------------------------------------------- the run record
def group_jobs():
    """(cohort, signature) of every signature_groups job: the signatures of each cohort's
    score-group DE contrasts, and (discovery_median) their frozen cut in the discovery cohort."""
    out = []
    for c in COHORT_IDS:
        for k in contrasts_of(c):
            sig = CONTRASTS[k].get("signature")
            if sig:
                out.append((c, sig))
                if _frozen_cut_file(c, sig):
                    out.append((CUT_FROM, sig))
    return list(dict.fromkeys(out))


def run_jobs():
    """(rule, wildcards) of every job of this run: what all_targets() and the report request.
    The run record lists their outputs (and logs); a test checks every file of a finished run
    is among them."""
    jobs = []
    for c in COHORT_IDS:
        w = {"cohort": c}
        jobs += [(r, w) for r in ("validate_inputs", "normalise", "qc", "score", "survival", "random_null",
                                  "describe")]
        jobs += [("de", {"cohort": c, "contrast": k}) for k in contrasts_of(c)]
        jobs += [("km_plot", {"cohort": c, "signature": s}) for s in km_signatures(c)]
        if c in VALIDATED:
            jobs.append(("validate_frozen", w))
    jobs += [("signature_groups", {"cohort": c, "signature": s}) for c, s in group_jobs()]
    jobs += [("gsea", {"cohort": c, "contrast": k}) for c, k in GSEA_PAIRS]
    if GSEA_ON:
        jobs.append(("gsea_summary", {}))
    if DERIVATION["enabled"]:
        jobs.append(("derive_signature", {"name": DERIVED_NAME}))
    if FROZEN_FROM is not None:
        jobs.append(("freeze_model", {}))
    jobs += [(r, {}) for r in ("summary", "table1", "interaction_figure", "report")]
    return jobs


def _job_files(kind):
    from snakemake.io import apply_wildcards

    out = []
    for rule, w in run_jobs():
        r = workflow.get_rule(rule)
        templates = getattr(r, kind) if kind != "benchmark" else ([r.benchmark] if r.benchmark else [])
        out += [(apply_wildcards(str(f), w), rule) for f in templates]
    return list(dict.fromkeys(out))


def run_outputs():
    """(path, rule) of every output of this run."""
    return _job_files("output")


def run_traces():
    """The log (and benchmark) files of this run's jobs: the engine traces the record lists."""
    return [p for p, _ in _job_files("log") + _job_files("benchmark")]


def config_inputs():
    """(role, path) of every configuration-type file the run read: config files, cohort sheet,
    reporting items, signature files, gene-set collections, the vendored annotation (when a
    cohort maps gene ids), the derivation's restricting GMT, the demo truth. The run record
    copies them (the data inputs are listed per cohort in validated/input_checksums.tsv)."""
    out = [("config", os.path.relpath(f)) for f in workflow.configfiles]
    out.append(("cohort_sheet", COHORT_SHEET))
    if REPORTING and Path(REPORTING).is_file():
        out.append(("reporting", REPORTING))
    out += [(f"signature {s['name']}", signature_path(s)) for s in config["signatures"]]
    out += [(f"gene-set collection {c['name']}", c["gmt"]) for c in GSEA["collections"]]
    out += [(role, p) for role, p in provenance_files() if not p.startswith(res(""))]
    if DEMO_TRUTH:
        out.append(("demo truth (SYNTHETIC)", DEMO_TRUTH))
    return list(dict.fromkeys(out))


def run_record_inputs(wildcards):
    return {"outputs": [p for p, _ in run_outputs()], "config_inputs": [p for _, p in config_inputs()],
            "checksums": [res(f"cohorts/{c}/validated/input_checksums.tsv") for c in COHORT_IDS],
            "workflow": [_local_or_abs(f) for _, f in workflow_files(workflow.basedir)]}


def _local_or_abs(path):
    """A path relative to the run directory when it lies inside it, else absolute (so moving a
    finished run directory does not change a job's inputs)."""
    rel = os.path.relpath(str(path))
    return rel if not rel.startswith("..") else str(Path(path).resolve())
