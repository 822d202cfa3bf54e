"""Dry run and lint of the workflow with the bundled configuration."""
import re

from .conftest import REPO, make_workdir, snakemake


def test_dry_run_schedules_every_stage_per_cohort(tmp_path):
    work = make_workdir(tmp_path)
    out = snakemake(work, "-n", "--cores", "2", "--quiet", "rules").stdout
    counts = dict(re.findall(r"^(\w+)\s+(\d+)\s*$", out, flags=re.M))
    for rule in ("validate_inputs", "normalise", "qc", "score", "random_null", "survival"):
        assert counts.get(rule) == "2", (rule, out)
    assert counts.get("de") == "4", out  # 2 contrasts x 2 cohorts
    assert counts.get("summary") == "1" and counts.get("report") == "1", out
    assert counts.get("derive_signature") == "1", out
    # TRIPOD frozen validation: one frozen model (discovery cohort A), applied in validation cohort B
    assert counts.get("freeze_model") == "1" and counts.get("validate_frozen") == "1", out
    assert counts.get("gsea") == "4" and counts.get("gsea_summary") == "1", out  # one GSEA per DE contrast
    assert counts.get("describe") == "2" and counts.get("table1") == "1" and counts.get("interaction_figure") == "1", out
    # KM figures only where a signature is scored: 3 configured x 2 cohorts + the derived one in B only
    assert counts.get("km_plot") == "7", out


def test_validation_cohorts_without_a_discovery_cohort_fall_back_per_cohort(tmp_path):
    """No cohort with role discovery in the run: no frozen model is built; the validation cohort's
    job still runs and records the per-cohort fallback (status.tsv) instead of failing."""
    work = make_workdir(tmp_path, cohorts=["SYNTHETIC_cohortB"], config_updates={"derivation": {"enabled": False}})
    out = snakemake(work, "-n", "--cores", "2", "--quiet", "rules").stdout
    counts = dict(re.findall(r"^(\w+)\s+(\d+)\s*$", out, flags=re.M))
    assert "freeze_model" not in counts and counts.get("validate_frozen") == "1", out


def test_lint_is_clean(tmp_path):
    work = make_workdir(tmp_path)
    proc = snakemake(work, "--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr


def test_bad_config_fails_before_running_with_a_clear_message(tmp_path):
    work = make_workdir(tmp_path, config_updates={"primary_signature": "MITOSCOR"})
    proc = snakemake(work, "-n", check=False)
    assert proc.returncode != 0
    msg = proc.stdout + proc.stderr
    assert "primary_signature" in msg and "MITOSCORE" in msg and "Fix:" in msg


def test_unknown_cohort_in_contrast_is_refused(tmp_path):
    work = make_workdir(tmp_path, config_updates={"de": {"contrasts": [
        {"name": "x", "column": "response", "test": "responder", "reference": "refractory",
         "cohorts": ["SYNTHETIC_cohortZ"]}]}})
    proc = snakemake(work, "-n", check=False)
    assert proc.returncode != 0
    msg = proc.stdout + proc.stderr
    assert "SYNTHETIC_cohortZ" in msg and "Fix:" in msg


def test_missing_input_file_is_refused(tmp_path):
    work = make_workdir(tmp_path)
    sheet = work / "config" / "cohorts.tsv"
    sheet.write_text(sheet.read_text().replace("SYNTHETIC_cohortB_counts.tsv.gz", "missing_counts.tsv.gz"))
    proc = snakemake(work, "-n", check=False)
    assert proc.returncode != 0
    msg = proc.stdout + proc.stderr
    assert "missing_counts.tsv.gz" in msg and "cohorts.tsv" in msg and "row 3" in msg


def test_discovery_median_cut_is_frozen_in_discovery_and_applied_in_validation(tmp_path):
    """cutpoint rule discovery_median: the validation cohort's score job reads the discovery
    cohort's cutpoints.tsv, and its groups follow the frozen cut, not its own median."""
    import numpy as np
    import pandas as pd

    work = make_workdir(tmp_path, config_updates={"cutpoint": {"rule": "discovery_median"},
                                                  "derivation": {"enabled": False}})
    a, b = (f"results/cohorts/SYNTHETIC_cohort{x}" for x in "AB")
    dry = snakemake(work, "-n", "--cores", "2", f"{b}/scores.tsv").stdout
    assert f"{a}/cutpoints.tsv" in dry and "rule score:" in dry
    snakemake(work, "--cores", "2", f"{b}/scores.tsv")
    frozen = pd.read_csv(work / a / "cutpoints.tsv", sep="\t").set_index("signature")
    applied = pd.read_csv(work / b / "cutpoints.tsv", sep="\t").set_index("signature")
    scores = pd.read_csv(work / b / "scores.tsv", sep="\t")
    assert frozen.loc["MITOSCORE", "scale"] == "es" and frozen.loc["LSC17", "scale"] == "score"
    assert frozen.loc["MITOSCORE", "source"] == "median of SYNTHETIC_cohortA (frozen)"
    for sig in ("MITOSCORE", "HALLMARK_OXIDATIVE_PHOSPHORYLATION", "LSC17", "BCL2"):
        assert applied.loc[sig, "cut"] == frozen.loc[sig, "cut"], sig
        sub = scores[scores.signature == sig]
        x = sub[frozen.loc[sig, "scale"]]
        assert (sub["group"] == np.where(x > frozen.loc[sig, "cut"], "high", "low")).all(), sig
        assert applied.loc[sig, "n_above"] == (x > frozen.loc[sig, "cut"]).sum()


def test_a_minimal_config_inherits_nothing_from_the_demo(tmp_path):
    """The Snakefile's `configfile: config/config.yaml` was merged under any --configfile: a
    minimal real-study config ran the demo's derivation and contrasts and printed the demo's
    SYNTHETIC reporting text. Now only the given config is read (schema defaults fill the rest);
    without --configfile the demo config is still the default (make run)."""
    work = make_workdir(tmp_path)
    minimal = work / "mine.yaml"
    minimal.write_text("cohort_sheet: config/cohorts.tsv\nsignatures:\n"
                       "  - {name: MITOSCORE, gmt: config/signatures/mitoscore_proxy.gmt}\n")
    out = snakemake(work, "-n", "--cores", "2", "--quiet", "rules", configfile=minimal).stdout
    counts = dict(re.findall(r"^(\w+)\s+(\d+)\s*$", out, flags=re.M))
    assert "derive_signature" not in counts and "de" not in counts, out
    assert counts.get("validate_inputs") == "2"
    demo = snakemake(work, "-n", "--cores", "2", "--quiet", "rules", configfile="").stdout
    assert "derive_signature" in demo  # no --configfile: the bundled demo config


def test_snakemake_n_lists_every_problem_at_once(tmp_path):
    work = make_workdir(tmp_path, config_updates={"cutpoint": {"rule": "medain"}})
    sheet = work / "config" / "cohorts.tsv"
    text = sheet.read_text().replace("time_column", "time_col", 1).replace("sex=F,eln2017", "sex=FEMALE,eln2017", 1)
    sheet.write_text(text)
    proc = snakemake(work, "-n", check=False)
    msg = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "problem(s) in the configuration and inputs" in msg
    for part in ("key 'cutpoint.rule'", "did you mean 'median'", "column 'time_col': unknown column",
                 "did you mean 'time_column'", "reference level 'FEMALE' of 'sex' does not exist"):
        assert part in msg, (part, msg[-3000:])
    assert "Additional properties" not in msg
def test_bad_reporting_items_fail_at_start_with_a_clear_message(tmp_path):
    """config/reporting.yaml is validated when the workflow starts, not in the last job."""
    work = make_workdir(tmp_path)
    rep = work / "config" / "reporting.yaml"
    rep.write_text(rep.read_text().replace("    specimen:", "    specimen_type:", 1))
    proc = snakemake(work, "-n", check=False)
    assert proc.returncode != 0
    msg = proc.stdout + proc.stderr
    assert "reporting.yaml" in msg and "specimen_type" in msg and "Fix:" in msg
