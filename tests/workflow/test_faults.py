"""Faults: a run killed with SIGKILL mid-way completes with --rerun-incomplete and its
outputs equal an uninterrupted run; two runs from scratch are byte-identical."""
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from .conftest import REPO, oracle_workdir, result_checksums, snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    work = oracle_workdir(tmp_path_factory.mktemp("ref"))
    snakemake(work, "--cores", "2")
    return work


def test_two_runs_from_scratch_are_byte_identical(reference_run, tmp_path):
    again = oracle_workdir(tmp_path / "again")
    snakemake(again, "--cores", "2")
    a, b = result_checksums(reference_run), result_checksums(again)
    assert a.keys() == b.keys() and len(a) > 20
    diff = [k for k in a if a[k] != b[k]]
    assert not diff, diff


def test_sigkill_mid_run_then_rerun_incomplete_matches(reference_run, tmp_path):
    work = oracle_workdir(tmp_path / "killed")
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work),
           "--configfile", str(work / "config" / "config.yaml"), "--cores", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    target = work / "results" / "cohorts" / "oracle_fixture" / "expr" / "size_factors.tsv"
    incomplete = work / ".snakemake" / "incomplete"  # Snakemake's marker of a job in progress

    def running() -> bool:
        return incomplete.is_dir() and any(incomplete.iterdir())

    deadline = time.time() + 300
    while not (target.exists() and running()) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: snakemake and its job
    proc.wait()
    assert running(), "no job was in progress when the run was killed"
    assert not (work / "results" / "report" / "index.html").exists()
    # no truncated file that looks complete: every TSV present parses as a table
    for p in (work / "results").rglob("*.tsv"):
        assert len(pd.read_csv(p, sep="\t", comment="#").columns) >= 1, p
    # what a user does after a killed job: release the stale lock, then resume
    snakemake(work, "--unlock")
    snakemake(work, "--cores", "2", "--rerun-incomplete")
    a, b = result_checksums(reference_run), result_checksums(work)
    assert a == b
