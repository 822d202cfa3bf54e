"""Workflow-test helpers: run Snakemake on a copy of the configuration in a temp dir."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MITOSCORE_SHARED", REPO.parent / "shared")).resolve()


def snakemake(workdir: Path, *args: str, timeout: int = 1800, check: bool = True,
              configfile: Path | str | None = None) -> subprocess.CompletedProcess:
    """Run the repository's Snakefile in ``workdir`` with the venv's snakemake
    (``--configfile``: ``configfile``, default ``workdir/config/config.yaml``; None-like
    ``""`` passes no --configfile, so the Snakefile's own default config is read)."""
    conf = workdir / "config" / "config.yaml" if configfile is None else configfile
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           *(["--configfile", str(conf)] if conf != "" else []), *args]
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc


def make_workdir(tmp: Path, *, cohorts: list[str] | None = None, config_updates: dict | None = None) -> Path:
    """A run directory with config/ copied from the repo and resources/ linked."""
    work = tmp
    shutil.copytree(REPO / "config", work / "config")
    os.symlink(REPO / "resources", work / "resources")
    if cohorts is not None:
        sheet = (work / "config" / "cohorts.tsv").read_text().splitlines()
        keep = [sheet[0]] + [line for line in sheet[1:] if line.split("\t")[0] in cohorts]
        (work / "config" / "cohorts.tsv").write_text("\n".join(keep) + "\n")
        # the demo's reporting items describe every demo cohort: keep those of the kept cohorts
        # (the pre-flight refuses items for a cohort that is not in the sheet)
        rep = yaml.safe_load((work / "config" / "reporting.yaml").read_text())
        rep["cohorts"] = {c: v for c, v in (rep.get("cohorts") or {}).items() if c in cohorts}
        (work / "config" / "reporting.yaml").write_text(yaml.safe_dump(rep, sort_keys=False))
    if config_updates:
        cfg = yaml.safe_load((work / "config" / "config.yaml").read_text())
        deep_update(cfg, config_updates)
        (work / "config" / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return work


def deep_update(d: dict, u: dict) -> dict:
    for k, v in u.items():
        if isinstance(v, dict) and isinstance(d.get(k), dict):
            deep_update(d[k], v)
        else:
            d[k] = v
    return d


def oracle_workdir(work: Path, *, n_random_sets: int = 50) -> Path:
    """A run directory whose one cohort is the R oracle fixture (custom ids: gene_ids as_is).

    Small (2000 genes x 60 samples) and fast; the R goldens give its expected outputs.
    """
    import pandas as pd

    fix = SHARED / "oracle" / "fixture_small"
    (work / "config").mkdir(parents=True, exist_ok=True)
    pd.DataFrame([{
        "cohort": "oracle_fixture", "counts": str(fix / "counts.tsv"), "clinical": str(fix / "clinical.tsv"),
        "gene_ids": "as_is", "id_column": "sample_id", "time_column": "os_months", "event_column": "os_event",
        "time_unit": "months", "covariates": "age", "description": "R oracle fixture (simulated)"}]).to_csv(
        work / "config" / "cohorts.tsv", sep="\t", index=False)
    cfg = {
        "cohort_sheet": "config/cohorts.tsv",
        "signatures": [{"name": "MITO_SIGNATURE", "gmt": str(fix / "genesets.gmt")}],
        "primary_signature": "MITO_SIGNATURE",
        "scoring": {"single_genes": [], "gene_ratios": []},
        "de": {"contrasts": [{"name": "B_vs_A", "column": "condition", "test": "B", "reference": "A"}]},
        "random_sets": {"n_random_sets": n_random_sets},
        "survival": {"n_bootstrap": 20},
        "report": {"title": "R oracle fixture (simulated)"},
    }
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return work


def result_checksums(work: Path, sub: str = "results",
                     exclude=("logs", "report", "ro-crate-metadata.json")) -> dict[str, str]:
    """sha256 of every result file (logs, the report and the run record's metadata, which carry
    dates, excluded; the run record's copies in run_record/ are compared)."""
    import hashlib

    out = {}
    root = work / sub
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(work)
        if p.is_file() and not any(part in exclude for part in rel.parts[1:2]) and not p.name.startswith("."):
            out[str(rel)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The default configuration (two SYNTHETIC demo cohorts) run end to end once."""
    work = make_workdir(tmp_path_factory.mktemp("demo"))
    snakemake(work, "--cores", "2")
    return work
