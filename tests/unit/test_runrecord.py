"""mitoscore.runrecord: the Workflow Run RO-Crate of a run, built on a small fake run directory
(the workflow test tests/workflow/test_run_record.py checks a real run)."""
import json
import shutil
from pathlib import Path

import pytest

from mitoscore import provenance, runrecord
from mitoscore.io import sha256sum

REPO = Path(__file__).resolve().parents[2]


def _run_dir(tmp: Path) -> tuple[Path, runrecord.RunRecord]:
    run = tmp / "run"
    (run / "config").mkdir(parents=True)
    (run / "config" / "config.yaml").write_text("cohort_sheet: config/cohorts.tsv\n")
    (run / "config" / "cohorts.tsv").write_text("cohort\tcounts\tclinical\nA\tdata/a counts.tsv\tdata/a.tsv\n")
    (run / "data").mkdir()
    (run / "data" / "a counts.tsv").write_text("gene\tS1\nG1\t3\n")
    (run / "data" / "a.tsv").write_text("sample_id\tos_months\tos_event\nS1\t3\t1\n")
    res = run / "results"
    (res / "cohorts" / "A").mkdir(parents=True)
    (res / "cohorts" / "A" / "scores.tsv").write_text("sample\tscore\nS1\t0.5\n")
    (res / "report").mkdir()
    (res / "report" / "index.html").write_text("<html></html>\n")
    (res / "logs" / "A").mkdir(parents=True)
    (res / "logs" / "A" / "score.log").write_text(
        "2026-01-02 10:00:00,000 INFO job started 2026-01-02T09:00:00.123Z (rule score)\nok\n")
    rec = runrecord.RunRecord(
        crate_root=res,
        outputs=[("cohorts/A/scores.tsv", "score"), ("report/index.html", "report")],
        logs=["logs/A/score.log"],
        config_inputs=[("config", "config/config.yaml"), ("cohort_sheet", "config/cohorts.tsv")],
        data_inputs=[("counts", "data/a counts.tsv", sha256sum(run / "data" / "a counts.tsv"), "A"),
                     ("clinical", "data/a.tsv", sha256sum(run / "data" / "a.tsv"), "A")],
        workflow_files=runrecord.workflow_files(REPO),
        resolved_config={"cohort_sheet": "config/cohorts.tsv", "survival": {"seed": 1}},
        packages={"pandas": "2.3.3", "rocrate": "0.16.0"},
        versions={"python": "3.11.9", "snakemake": "9.27.1", "mitoscore": "0.1.0"},
        git={"commit": "a" * 40, "dirty": False, "branch": "main", "status": "ok"},
        title="test run", start=runrecord.job_start(res / "logs" / "A" / "score.log"), end="2026-01-02T09:05:00Z")
    return run, rec


def test_run_record_conforms_and_lists_every_file_with_its_checksum(tmp_path, monkeypatch):
    from rocrate.rocrate import ROCrate

    run, rec = _run_dir(tmp_path)
    monkeypatch.chdir(run)  # the workflow reads relative paths from the run directory
    meta = runrecord.write(rec)
    assert meta == run / "results" / "ro-crate-metadata.json"
    assert runrecord.verify(run / "results", run) == []
    crate = ROCrate(run / "results")  # parses with the rocrate library
    assert crate.mainEntity.id == "run_record/workflow/Snakefile"
    assert "ComputationalWorkflow" in crate.mainEntity.type
    assert crate.mainEntity["version"] == "0.1.0+gaaaaaaaaaaaa"
    (action,) = [e for e in crate.get_entities() if e.type == "CreateAction"]
    assert action["startTime"] == "2026-01-02T09:00:00Z" and action["endTime"] == "2026-01-02T09:05:00Z"
    assert {e.id for e in action["result"]} == {"cohorts/A/scores.tsv", "report/index.html"}
    objects = {e.id: e for e in action["object"]}
    # configuration copied into the crate; data inputs referenced with the path the workflow read
    assert "run_record/inputs/config/config.yaml" in objects
    assert objects["#input/data/a%20counts.tsv"]["localPath"] == "data/a counts.tsv"
    assert "run_record/resolved_config.json" in objects
    raw = json.loads(meta.read_text())
    assert raw["@context"][0] == "https://w3id.org/ro/crate/1.3/context"
    names = {e.get("name"): e for e in raw["@graph"] if e.get("@type") == "SoftwareApplication"}
    assert names["rocrate"]["softwareVersion"] == "0.16.0" and names["Snakemake"]["softwareVersion"] == "9.27.1"
    # the crate is valid after the run directory is moved, and the results directory alone too
    moved = shutil.move(str(run), str(tmp_path / "elsewhere"))
    assert runrecord.verify(Path(moved) / "results", moved) == []
    alone = shutil.copytree(Path(moved) / "results", tmp_path / "copy_of_results")
    assert runrecord.verify(alone) == []


def test_verify_finds_a_changed_output_a_missing_file_and_a_changed_input(tmp_path, monkeypatch):
    run, rec = _run_dir(tmp_path)
    monkeypatch.chdir(run)
    runrecord.write(rec)
    (run / "results" / "cohorts" / "A" / "scores.tsv").write_text("sample\tscore\nS1\t0.6\n")
    (run / "results" / "run_record" / "inputs" / "config" / "cohorts.tsv").unlink()
    (run / "data" / "a.tsv").write_text("changed\n")
    problems = runrecord.verify(run / "results", run)
    assert any("cohorts/A/scores.tsv: sha256" in p for p in problems), problems
    assert any("run_record/inputs/config/cohorts.tsv: listed but missing" in p for p in problems), problems
    assert any("#input/data/a.tsv" in p and "sha256" in p for p in problems), problems
    assert runrecord.main(["verify", str(run / "results")]) == 1


def test_code_version_and_job_start(tmp_path):
    assert runrecord.code_version("0.1.0", {"commit": "0123456789abcdef", "dirty": True}) == "0.1.0+g0123456789ab.dirty"
    assert runrecord.code_version("0.1.0", {"commit": None}) == "0.1.0"
    log = tmp_path / "x.log"
    log.write_text("no stamp\n")
    assert runrecord.job_start(log) is None and runrecord.job_start(tmp_path / "absent.log") is None
    assert runrecord.utc_iso(0) == "1970-01-01T00:00:00Z"
    files = dict(runrecord.workflow_files(REPO))
    assert "Snakefile" in files and "workflow/rules/common.smk" in files and "scripts/_common.py" in files
