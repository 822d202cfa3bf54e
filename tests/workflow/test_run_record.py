"""The run record of a real (small) run: a Workflow Run RO-Crate that parses with the rocrate
library, conforms to the profile's required structure and lists every file of the run with
the checksum it has; two runs started at once in one directory (Snakemake's lock)."""
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from mitoscore import runrecord

from .conftest import REPO, oracle_workdir, snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def oracle_run(tmp_path_factory):
    """The R oracle fixture (1 cohort, 2000 genes x 60 samples) with few random sets."""
    work = oracle_workdir(tmp_path_factory.mktemp("run_record"), n_random_sets=20)
    snakemake(work, "--cores", "2")
    return work


def test_run_record_is_a_workflow_run_crate_listing_every_file_with_its_checksum(oracle_run):
    from rocrate.rocrate import ROCrate

    res = oracle_run / "results"
    assert runrecord.verify(res, oracle_run) == []
    crate = ROCrate(res)  # parses with the rocrate library
    conforms = {e.id for e in crate.root_dataset["conformsTo"]}
    assert {runrecord.PROCESS_RUN_CRATE, runrecord.WORKFLOW_RUN_CRATE, runrecord.WORKFLOW_RO_CRATE} <= conforms
    wf = crate.mainEntity
    assert wf.id == "run_record/workflow/Snakefile" and "ComputationalWorkflow" in wf.type
    assert wf["programmingLanguage"].id.endswith("#snakemake")
    assert (res / "run_record" / "workflow" / "Snakefile").read_bytes() == (REPO / "Snakefile").read_bytes()
    assert wf["version"].startswith("0.1.0")
    (action,) = [e for e in crate.get_entities() if e.type == "CreateAction"]
    assert action["instrument"].id == wf.id
    assert action.id in {e.id for e in runrecord._as_list(crate.root_dataset["mentions"])}
    assert action["startTime"] <= action["endTime"]
    results = {unquote(e.id) for e in action["result"]}
    objects = {e.id: e for e in action["object"]}
    # every output of the contract the run produced is a result, with its sha256
    for rel in ("cohorts/oracle_fixture/scores.tsv", "cohorts/oracle_fixture/survival/cox.tsv",
                "cohorts/oracle_fixture/de/B_vs_A.tsv", "cohorts/oracle_fixture/validated/input_checksums.tsv",
                "summary/meta_analysis.tsv", "summary/multiplicity.tsv", "report/index.html",
                "report/packages.lock.txt", "report/provenance.tsv"):
        assert rel in results, rel
    # every file in the results directory is listed (outputs, logs, the copies); none is stale.
    # Not listed: the record itself, its own job's log (still being written) and Snakemake's
    # marker in the record's directory output
    listed = {unquote(e.id) for e in crate.data_entities}
    on_disk = {str(p.relative_to(res)) for p in res.rglob("*") if p.is_file()} - {
        runrecord.METADATA, "logs/run_record.log", "run_record/.snakemake_timestamp"}
    assert on_disk == listed, (on_disk ^ listed)
    # every file the validation read is an input with the sha256 it recorded (data: referenced)
    read = pd.read_csv(res / "cohorts/oracle_fixture/validated/input_checksums.tsv", sep="\t")
    for r in read.itertuples():
        ent = objects[f"#input/{runrecord._uri(r.file.lstrip('/'))}"]
        assert ent["localPath"] == r.file and ent["sha256"] == r.sha256
    # configuration: the config and the signature GMT copied, with the path the workflow read
    alt = {e.get("alternateName") for e in objects.values()}
    assert {"config/config.yaml", "config/cohorts.tsv"} <= alt
    assert any(str(a).endswith("genesets.gmt") for a in alt if a)
    assert "run_record/resolved_config.json" in objects
    # software: the full resolved package set
    names = {e["name"] for e in wf["softwareRequirements"]}
    assert {"Snakemake", "Python", "mitoscore", "pandas", "rocrate", "pydeseq2"} <= names
    lock = (res / "report" / "packages.lock.txt").read_text().splitlines()
    assert len(wf["softwareRequirements"]) == len(lock) + 3
    # the HTML report links to it by its fixed relative path
    html = (res / "report" / "index.html").read_text()
    assert f'href="{runrecord.LINK_FROM_REPORT}"' in html and (res / "report" / runrecord.LINK_FROM_REPORT).exists()


def test_run_record_stays_valid_when_the_run_directory_is_moved(oracle_run, tmp_path):
    moved = Path(shutil.copytree(oracle_run, tmp_path / "moved", symlinks=True))
    assert runrecord.verify(moved / "results", moved) == []
    only_results = Path(shutil.copytree(oracle_run / "results", tmp_path / "results_only"))
    assert runrecord.verify(only_results) == []
    # the moved run is complete: nothing to rerun (relative paths throughout)
    out = snakemake(moved, "-n", "--cores", "2").stdout
    assert "Nothing to be done" in out, out[-2000:]


def test_a_second_run_in_the_same_directory_is_refused_and_the_first_completes(tmp_path):
    """Two runs started at once in one directory: the second is refused by Snakemake's lock
    (before it runs any job) and the first finishes with every output intact."""
    work = oracle_workdir(tmp_path, n_random_sets=10)
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work),
           "--configfile", str(work / "config" / "config.yaml"), "--cores", "1"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 300
        while not (work / "results" / "logs").exists():  # the first run has started its jobs
            assert first.poll() is None, first.communicate()[0][-3000:]
            assert time.time() < deadline
            time.sleep(0.2)
        second = snakemake(work, "--cores", "1", check=False)
        assert first.poll() is None, "the first run ended before the second started: the test proves nothing"
    finally:
        out, _ = first.communicate(timeout=1800)
    assert second.returncode != 0
    assert "Directory cannot be locked" in second.stdout + second.stderr, (second.stdout + second.stderr)[-3000:]
    assert first.returncode == 0, out[-4000:]
    assert runrecord.verify(work / "results", work) == []
    assert snakemake(work, "-n", "--cores", "1").stdout.count("Nothing to be done") == 1


def test_two_studies_with_their_own_results_dir_in_one_directory_keep_separate_complete_trees(tmp_path):
    """config results_dir: every output, log, the report's inputs and the run record follow it,
    so two studies run in one directory produce two complete result trees and neither touches
    the other's files (nothing is written to the default results/)."""
    import yaml

    from .conftest import result_checksums

    work = oracle_workdir(tmp_path, n_random_sets=10)
    base = yaml.safe_load((work / "config" / "config.yaml").read_text())
    for name, boot in (("a", 20), ("b", 10)):
        cfg = dict(base, results_dir=f"results_{name}", report={"title": f"study {name}"},
                   survival={"n_bootstrap": boot})
        (work / "config" / f"study_{name}.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    snakemake(work, "--cores", "2", configfile=work / "config" / "study_a.yaml")
    before = result_checksums(work, "results_a", exclude=())
    plan = snakemake(work, "-n", "--cores", "2", configfile=work / "config" / "study_b.yaml").stdout
    assert "validate_inputs" in plan and "results_a/" not in plan  # study b runs everything, in its own tree
    snakemake(work, "--cores", "2", configfile=work / "config" / "study_b.yaml")
    assert result_checksums(work, "results_a", exclude=()) == before  # study a untouched
    assert not (work / "results").exists()
    trees = {}
    for name in ("a", "b"):
        res = work / f"results_{name}"
        assert runrecord.verify(res, work) == []
        html = (res / "report" / "index.html").read_text()
        assert f"study {name}" in html and f"results_{'b' if name == 'a' else 'a'}" not in html
        trees[name] = {str(p.relative_to(res)) for p in res.rglob("*") if p.is_file()}
        assert (res / "logs" / "oracle_fixture" / "survival.log").is_file()
        disc = pd.read_csv(res / "cohorts/oracle_fixture/survival/discrimination.tsv", sep="\t")
        assert set(disc["n_boot"].dropna()) == {20 if name == "a" else 10}  # each study's own settings
    # two complete trees of the same layout; each run record holds its own study's config
    assert "run_record/inputs/config/study_a.yaml" in trees["a"] and "run_record/inputs/config/study_b.yaml" in trees["b"]
    strip = lambda t: {f for f in t if not f.startswith("run_record/inputs/config/study_")}  # noqa: E731
    assert strip(trees["a"]) == strip(trees["b"])
    for name in ("a", "b"):  # and both are up to date: no job reruns for either
        out = snakemake(work, "-n", "--cores", "2", configfile=work / "config" / f"study_{name}.yaml").stdout
        assert "Nothing to be done" in out, out[-2000:]
