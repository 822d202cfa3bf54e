"""The cluster path on a REAL single-node SLURM cluster (munge + slurmctld + slurmd on
loopback, from ../shared/hpc): the workflow runs through `--profile profiles/slurm`
(overriding only what the local cluster needs), every job goes through sbatch, and the
outputs equal a local run. The cluster is stopped by its recorded PIDs and purged
(a leftover slurm.conf would slow every later snakemake call by 10 s).

Skipped, with the reason, only where root or apt-get is unavailable (CI has both).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, SHARED, oracle_workdir, result_checksums, snakemake

pytestmark = [pytest.mark.workflow, pytest.mark.slurm]
HPC = SHARED / "hpc"


def _skip_reason():
    if os.geteuid() != 0:
        return "needs root to start slurmctld/slurmd/munged"
    if not shutil.which("apt-get") and not shutil.which("slurmctld"):
        return "needs apt-get to install slurm (or an installed slurm)"
    if not (HPC / "start_local_slurm.sh").exists():
        return f"{HPC} not found"
    return None


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    state = tmp_path_factory.mktemp("slurm-state")
    env = dict(os.environ, LOCAL_SLURM_DIR=str(state / "local-slurm"))
    try:
        subprocess.run(["timeout", "600", "bash", str(HPC / "start_local_slurm.sh")], env=env, check=True,
                       capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        subprocess.run(["bash", str(HPC / "stop_local_slurm.sh"), "--purge"], env=env, capture_output=True)
        raise AssertionError(f"local SLURM did not start:\n{exc.stdout[-3000:]}\n{exc.stderr[-3000:]}") from exc
    try:
        yield env
    finally:
        subprocess.run(["timeout", "120", "bash", str(HPC / "stop_local_slurm.sh"), "--purge"], env=env,
                       capture_output=True)


def test_workflow_on_real_slurm_equals_local_run(slurm_cluster, tmp_path):
    local = oracle_workdir(tmp_path / "local", n_random_sets=20)
    cluster = oracle_workdir(tmp_path / "cluster", n_random_sets=20)
    env = dict(slurm_cluster)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # jobs call snakemake from PATH
    cmd = ["timeout", "1200", sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"),
           "--directory", str(cluster), "--configfile", str(cluster / "config" / "config.yaml"),
           "--profile", str(REPO / "profiles" / "slurm"),
           # only what this one-node loopback cluster needs:
           "--jobs", "4", "--slurm-init-seconds-before-status-checks", "2", "--latency-wait", "5",
           # a grouped job asks for the sum of its parallel rules' threads, capped by --cores (parallel
           # layers beyond it run in series): fit the 2-CPU node
           "--set-threads", "random_null=1", "normalise=1", "de=1", "--cores", "2"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-8000:]
    log = proc.stdout + proc.stderr
    # every job really went through sbatch: Snakemake reports each SLURM job id, and the
    # controller lists them as COMPLETED (MinJobAge keeps finished jobs visible)
    import re
    submitted = re.findall(r"submitted with SLURM jobid (\d+)", log)
    assert len(submitted) >= 3, log[-4000:]
    states = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%i %T %j"], env=env, capture_output=True,
                            text=True).stdout.split("\n")
    done = {line.split()[0] for line in states if " COMPLETED " in f"{line} "}
    assert set(submitted) <= done, (submitted, states)
    assert "group" in log.lower() and "cohort" in log, "small per-cohort jobs should be grouped"

    snakemake(local, "--cores", "2")
    a, b = result_checksums(local), result_checksums(cluster)
    assert a.keys() == b.keys() and len(a) > 20
    assert a == b
