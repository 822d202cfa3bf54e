"""The run record: a Workflow Run RO-Crate (https://w3id.org/ro/wfrun/workflow/0.6) of one run.

What WorkflowHub and journals' reproducibility checks read: which workflow ran (the Snakefile,
language Snakemake, mitoscore version + git commit), on which inputs (sha256 of every file read,
e.g. each GDC STAR file), with which configuration (resolved, schema defaults filled), producing
which outputs (sha256 of every output), with which software (the full resolved package set), and
when (a ``CreateAction`` with start and end time).

Layout (see README "The run record"): the **crate root is the results directory**
(``results/`` or the configured ``results_dir``) and its ``ro-crate-metadata.json`` lies there,
so every id is a path relative to it, the crate stays valid when the run directory (or the
results directory alone) is moved, copied or zipped, and two studies with different results
directories never share a crate.

* outputs of the run and the jobs' logs: data entities with their path below the crate root;
* the workflow definition (``Snakefile``, ``workflow/``, ``scripts/``, ``envs/``) and the
  configuration-type inputs (config files, cohort sheet, ``reporting.yaml``, signature files,
  gene-set collections, the vendored annotation, the demo truth): copied into
  ``run_record/`` at record time (small, no patient data), data entities with ``alternateName``
  = the path the workflow read;
* data inputs (counts, GDC STAR files, sample sheets, clinical tables) are **not copied**
  (patient-level data, size): ``File`` entities with a local id ``#input/<path>`` (RO-Crate
  1.2+: deliberately not in the crate, not data entities), ``localPath`` = the path the workflow
  read (relative to the run directory, i.e. the Snakemake working directory, unless absolute),
  and the sha256 the validation recorded when it read them (``validated/input_checksums.tsv``).

:func:`verify` re-checks a crate (every file present with its recorded sha256 and size; the
data inputs against the run directory when given); the tests and ``python -m
mitoscore.runrecord verify results/`` use it.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import shutil
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Mapping, Sequence
from urllib.parse import quote, unquote

from .io import atomic_path, atomic_write, sha256sum

METADATA = "ro-crate-metadata.json"
#: the folder (below the crate root) holding the copies of the workflow and configuration
SNAPSHOT = "run_record"
#: where the HTML report (``<results_dir>/report/index.html``) finds the record: a fixed relative
#: path, because the report is written before the record
LINK_FROM_REPORT = f"../{METADATA}"
PROCESS_RUN_CRATE = "https://w3id.org/ro/wfrun/process/0.6"
WORKFLOW_RUN_CRATE = "https://w3id.org/ro/wfrun/workflow/0.6"
WORKFLOW_RO_CRATE = "https://w3id.org/workflowhub/workflow-ro-crate/1.1"
WFRUN_CONTEXT = "https://w3id.org/ro/terms/workflow-run/context"
#: the workflow definition copied into the crate (relative to the repository root)
WORKFLOW_PATTERNS = ("Snakefile", "workflow/**/*", "scripts/*.py", "envs/*.yaml")
#: first line every job's log starts with (scripts/_common.py): the job's start, UTC
START_RE = re.compile(r"job started (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)")
_MEDIA = {".tsv": "text/tab-separated-values", ".svg": "image/svg+xml", ".html": "text/html",
          ".json": "application/json", ".parquet": "application/vnd.apache.parquet", ".gmt": "text/plain",
          ".txt": "text/plain", ".log": "text/plain", ".yaml": "application/yaml", ".yml": "application/yaml",
          ".gz": "application/gzip", ".py": "text/x-python", ".smk": "text/plain", ".rst": "text/x-rst",
          ".sha256": "text/plain", ".csv": "text/csv", ".xlsx":
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def utc_iso(t: _dt.datetime | float | None = None) -> str:
    """ISO 8601 UTC with a Z (``2026-01-31T12:00:00Z``); ``t``: datetime or POSIX seconds."""
    if t is None:
        t = _dt.datetime.now(_dt.timezone.utc)
    elif not isinstance(t, _dt.datetime):
        t = _dt.datetime.fromtimestamp(float(t), _dt.timezone.utc)
    return t.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def job_start(log_file: str | os.PathLike) -> str | None:
    """The start time a job's log records on its first line (``job started <UTC>``), or None."""
    try:
        with open(log_file, encoding="utf-8", errors="replace") as fh:
            m = START_RE.search(fh.readline())
    except OSError:
        return None
    return re.sub(r"\.\d+", "", m.group(1)) if m else None


def media_type(path: str) -> str:
    p = str(path)
    for ext, mt in _MEDIA.items():
        if p.endswith(ext):
            return mt
    return "application/octet-stream"


def _uri(rel: str) -> str:
    """A relative path as an RO-Crate ``@id`` (``/`` separators, special characters escaped)."""
    return quote(PurePosixPath(rel).as_posix(), safe="/")


def _snapshot_name(path: str) -> str:
    """Where a configuration input is copied (below ``run_record/inputs/``): its path as the
    workflow read it, or, for absolute paths and paths leaving the run directory, below
    ``external/`` (the original path stays in ``alternateName``)."""
    p = PurePosixPath(Path(path).as_posix())
    if p.is_absolute() or ".." in p.parts:
        parts = [x for x in p.parts if x not in ("/", "..")]
        return "inputs/external/" + "/".join(parts)
    return "inputs/" + p.as_posix()


@dataclass
class RunRecord:
    """Everything a run record states (filled by the ``run_record`` rule from its inputs).

    ``outputs``: (path below the crate root, producing rule); ``logs``: the jobs' log files
    (path below the crate root); ``config_inputs``: (role, path as read) copied into the crate;
    ``data_inputs``: (role, path as read, sha256 recorded when read, cohort) not copied;
    ``workflow_files``: (path relative to the repository, absolute source path)."""
    crate_root: Path
    outputs: list[tuple[str, str]]
    logs: list[str]
    config_inputs: list[tuple[str, str]]
    data_inputs: list[tuple[str, str, str, str]]
    workflow_files: list[tuple[str, Path]]
    resolved_config: Mapping
    packages: Mapping[str, str]
    versions: Mapping[str, str]
    git: Mapping[str, object]
    title: str = "mitoscore run"
    results_dir: str = "results"
    command_line: str | None = None
    start: str | None = None
    end: str | None = None
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def workflow_files(root: str | os.PathLike) -> list[tuple[str, Path]]:
    """The workflow definition of the checkout at ``root`` (WORKFLOW_PATTERNS), sorted."""
    root = Path(root)
    out = {}
    for pat in WORKFLOW_PATTERNS:
        for f in root.glob(pat):
            if f.is_file() and "__pycache__" not in f.parts and not f.name.startswith("."):
                out[f.relative_to(root).as_posix()] = f
    return sorted(out.items())


def code_version(package_version: str, git: Mapping[str, object]) -> str:
    """``0.1.0+g<commit12>`` (``.dirty`` when the checkout had uncommitted changes; the bare
    package version when the commit is unknown), PEP 440 local-version style."""
    commit = git.get("commit")
    if not commit:
        return str(package_version)
    return f"{package_version}+g{str(commit)[:12]}" + (".dirty" if git.get("dirty") else "")


def build(rec: RunRecord):
    """The crate (``rocrate.ROCrate``, RO-Crate 1.3) of a run, with the snapshot files as
    sources to copy. Nothing is written (see :func:`write`)."""
    from rocrate.model.contextentity import ContextEntity
    from rocrate.rocrate import ROCrate

    root = Path(rec.crate_root)
    crate = ROCrate()  # RO-Crate 1.3 (rocrate's default), the version Workflow Run Crate 0.6 uses
    crate.metadata.extra_contexts.append(WFRUN_CONTEXT)
    crate.name = rec.title
    crate.description = (
        "Workflow Run RO-Crate of a mitoscore run: the workflow (Snakemake) and its version, every input "
        "with its sha256 (data inputs are referenced, not copied), the resolved configuration, every output "
        f"with its sha256, the software versions and the run's start and end times. Crate root: the results "
        f"directory ('{rec.results_dir}'); data inputs' localPath is relative to the run directory (the "
        "Snakemake working directory).")
    crate.datePublished = rec.end or utc_iso()
    lic = crate.add(ContextEntity(crate, "#results-license", properties={
        "@type": "CreativeWork", "name": "not specified",
        "description": "The licence of these results is set by the study that produced them; the mitoscore "
                       "workflow itself is MIT-licensed."}))
    crate.license = lic

    def entity(path_rel: str, source: Path, props: dict, cls=None):
        from rocrate.model.file import File

        p = dict(props)
        p.setdefault("encodingFormat", media_type(path_rel))
        p["sha256"] = sha256sum(source)
        p["contentSize"] = str(source.stat().st_size)
        return crate.add((cls or File)(crate, source=source, dest_path=_uri(path_rel), properties=p))

    # the workflow (prospective provenance) and its definition files
    version = code_version(rec.versions.get("mitoscore", "unknown"), rec.git)
    wf_files = dict(rec.workflow_files)
    if "Snakefile" not in wf_files:
        raise FileNotFoundError("the workflow's Snakefile is not among the workflow files")
    from rocrate.model.computationalworkflow import ComputationalWorkflow
    from rocrate.model.computerlanguage import get_lang

    lang = crate.add(get_lang(crate, "snakemake", version=rec.versions.get("snakemake")))
    wf = entity(f"{SNAPSHOT}/workflow/Snakefile", wf_files["Snakefile"], {
        "name": "mitoscore", "version": version, "alternateName": "Snakefile",
        "description": "mitoscore: validate the AML MitoScore (or any expression signature) on patient cohorts "
                       "(Snakemake workflow; copy of the Snakefile that ran, its rules and scripts below "
                       f"{SNAPSHOT}/workflow/).",
        "license": {"@id": "https://spdx.org/licenses/MIT"}}, cls=ComputationalWorkflow)
    wf.lang = lang
    crate.mainEntity = wf
    crate._add_wroc_profile()  # Workflow RO-Crate 1.1 in the root's conformsTo
    for pid, name in ((PROCESS_RUN_CRATE, "Process Run Crate"), (WORKFLOW_RUN_CRATE, "Workflow Run Crate")):
        prof = crate.add(ContextEntity(crate, pid, properties={
            "@type": ["CreativeWork", "Profile"], "name": name, "version": "0.6"}))
        crate.root_dataset.append_to("conformsTo", prof)
    parts = []
    for rel, src in rec.workflow_files:
        if rel == "Snakefile":
            continue
        parts.append(entity(f"{SNAPSHOT}/workflow/{rel}", Path(src), {
            "name": rel, "alternateName": rel, "description": "part of the workflow definition (copy)"}))
    wf["hasPart"] = parts
    # software: the engine, Python, mitoscore and the full resolved package set
    sw = []
    for pid, name, ver, url in (("#software/snakemake", "Snakemake", rec.versions.get("snakemake"),
                                 "https://snakemake.readthedocs.io"),
                                ("#software/python", "Python", rec.versions.get("python"), "https://www.python.org"),
                                ("#software/mitoscore", "mitoscore", version, None)):
        props = {"@type": "SoftwareApplication", "name": name, "softwareVersion": str(ver)}
        if url:
            props["url"] = url
        if name == "mitoscore":
            props["description"] = ("git commit " + str(rec.git.get("commit")) + (
                " with uncommitted changes" if rec.git.get("dirty") else "")) if rec.git.get("commit") else str(
                rec.git.get("status"))
        sw.append(crate.add(ContextEntity(crate, pid, properties=props)))
    for name, ver in rec.packages.items():
        sw.append(crate.add(ContextEntity(crate, f"#package/{quote(name, safe='')}", properties={
            "@type": "SoftwareApplication", "name": name, "softwareVersion": str(ver),
            "url": f"https://pypi.org/project/{quote(name, safe='')}/{quote(str(ver), safe='')}/"})))
    wf["softwareRequirements"] = sw

    # inputs (the CreateAction's object)
    objects = []
    for role, path in rec.config_inputs:
        src = Path(path)
        objects.append(entity(f"{SNAPSHOT}/{_snapshot_name(path)}", src, {
            "name": f"{role}: {path}", "alternateName": str(path),
            "description": f"input ({role}), copied into the run record at record time"}))
    for role, path, digest, cohort in rec.data_inputs:
        objects.append(crate.add(ContextEntity(crate, f"#input/{_uri(str(path).lstrip('/'))}", properties={
            "@type": "File", "name": f"{role}: {path}", "localPath": str(path), "sha256": str(digest),
            "encodingFormat": media_type(str(path)),
            "description": f"data input ({role}) of cohort {cohort}, not copied into the crate (patient-level data); "
                           "localPath is relative to the run directory unless absolute; sha256 recorded when the "
                           "validation read it"})))
    resolved = root / SNAPSHOT / "resolved_config.json"
    if resolved.is_file():  # written first by :func:`write`
        objects.append(entity(f"{SNAPSHOT}/resolved_config.json", resolved, {
            "name": "resolved configuration",
            "description": "the configuration as the workflow resolved it (schema defaults filled, derived "
                           "signature added), written by the run record"}))
    # outputs (the CreateAction's result) and the jobs' logs (engine traces)
    results = []
    for rel, rule in rec.outputs:
        results.append(entity(rel, root / rel, {"name": rel, "description": f"output of rule {rule}"}))
    run_id = f"#run-{rec.run_id}"
    action = crate.add_action(wf, identifier=run_id, object=objects, result=results, properties={
        "@type": "CreateAction",
        "name": f"mitoscore workflow run ({rec.title})",
        "description": ("Snakemake run of the mitoscore workflow. startTime: the earliest start of the jobs whose "
                        "outputs are listed (their logs' first line); endTime: when this record, the last output, "
                        "was written. Command line: " + (rec.command_line or "not recorded")),
        "startTime": rec.start or rec.end or utc_iso(),
        "endTime": rec.end or utc_iso(),
        "actionStatus": {"@id": "http://schema.org/CompletedActionStatus"},
    })
    crate.root_dataset.append_to("mentions", action)
    for rel in rec.logs:
        entity(rel, root / rel, {"name": rel, "about": {"@id": run_id},
                                 "description": "log of a job of this run (engine trace)"})
    return crate


def write(rec: RunRecord) -> Path:
    """Write the run record below ``rec.crate_root``: ``run_record/resolved_config.json``, the
    copies of the workflow and configuration files into ``run_record/`` and last
    ``ro-crate-metadata.json`` (each atomically). Outputs and logs stay in place (never
    rewritten). Returns the metadata file."""
    root = Path(rec.crate_root)
    with atomic_write(root / SNAPSHOT / "resolved_config.json", "w", encoding="utf-8") as fh:
        json.dump(rec.resolved_config, fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")
    crate = build(rec)
    for e in crate.data_entities:
        src = getattr(e, "source", None)
        if src is None or not isinstance(src, (str, Path)):
            continue
        dest = root / unquote(e.id)
        if dest.exists() and dest.samefile(src):
            continue
        with atomic_path(dest) as tmp:
            shutil.copyfile(src, tmp)
    out = root / METADATA
    with atomic_write(out, "w", encoding="utf-8") as fh:
        json.dump(crate.metadata.generate(), fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return out


def verify(crate_root: str | os.PathLike, run_dir: str | os.PathLike | None = None) -> list[str]:
    """Problems of a written run record ([] = valid): it parses with ``rocrate``; the root
    conforms to the three profiles; ``mainEntity`` is the Snakemake ComputationalWorkflow; one
    CreateAction has it as instrument, an object, a result, startTime <= endTime; every File
    data entity exists below the crate root with its sha256 and size; every data input
    (``#input/...``) exists at ``run_dir/localPath`` with its sha256 (when ``run_dir`` is given)."""
    from rocrate.rocrate import ROCrate

    root = Path(crate_root)
    problems: list[str] = []
    try:
        crate = ROCrate(root)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return [f"does not parse as an RO-Crate: {type(exc).__name__}: {exc}"]
    conforms = {(c.id if hasattr(c, "id") else c["@id"]) for c in _as_list(crate.root_dataset.get("conformsTo"))}
    for pid in (PROCESS_RUN_CRATE, WORKFLOW_RUN_CRATE, WORKFLOW_RO_CRATE):
        if pid not in conforms:
            problems.append(f"root dataset does not conform to {pid}")
    wf = crate.mainEntity
    if wf is None or "ComputationalWorkflow" not in _as_list(wf.type):
        problems.append("mainEntity is not a ComputationalWorkflow")
    elif "snakemake" not in str(getattr(wf.get("programmingLanguage"), "id", "")):
        problems.append("the workflow's programmingLanguage is not Snakemake")
    actions = [e for e in crate.get_entities() if "CreateAction" in _as_list(e.type)]
    if not actions:
        problems.append("no CreateAction")
    for a in actions:
        if wf is None or getattr(a.get("instrument"), "id", None) != wf.id:
            problems.append(f"{a.id}: instrument is not the main workflow")
        if not _as_list(a.get("object")) or not _as_list(a.get("result")):
            problems.append(f"{a.id}: no object or no result")
        st, en = a.get("startTime"), a.get("endTime")
        if not st or not en or _parse(st) > _parse(en):
            problems.append(f"{a.id}: startTime {st!r} / endTime {en!r} missing or in the wrong order")
    for e in crate.data_entities:
        if "File" not in _as_list(e.type):
            continue
        f = root / unquote(e.id)
        if not f.is_file():
            problems.append(f"{e.id}: listed but missing")
            continue
        if e.get("sha256") != sha256sum(f):
            problems.append(f"{e.id}: sha256 differs from the record")
        if str(e.get("contentSize")) != str(f.stat().st_size):
            problems.append(f"{e.id}: size differs from the record")
    for e in crate.contextual_entities:
        if not e.id.startswith("#input/"):
            continue
        if run_dir is None:
            continue
        lp = Path(e.get("localPath", ""))
        f = lp if lp.is_absolute() else Path(run_dir) / lp
        if not f.is_file():
            problems.append(f"{e.id}: data input missing at {f}")
        elif e.get("sha256") != sha256sum(f):
            problems.append(f"{e.id}: data input's sha256 differs from the record")
    return problems


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _parse(s: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(str(s).replace("Z", "+00:00"))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mitoscore.runrecord verify RESULTS_DIR [RUN_DIR]``: check a run record."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[0] != "verify":
        print(main.__doc__)
        return 2
    problems = verify(args[1], args[2] if len(args) > 2 else None)
    for p in problems:
        print(p)
    print("run record OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
