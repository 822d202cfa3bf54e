"""Rule run_record: the Workflow Run RO-Crate of the run (mitoscore.runrecord), written last.

Crate root: the results directory (the folder of the output ro-crate-metadata.json)."""
from _common import ROOT, run


def main(snakemake, log):
    import os
    from pathlib import Path

    from mitoscore import provenance, runrecord
    from mitoscore.io import read_tsv

    p = snakemake.params
    root = Path(snakemake.output.crate).parent
    inp = snakemake.input
    rel = lambda f: os.path.relpath(str(f), root)  # noqa: E731 - paths below the crate root
    outputs = [(rel(f), r) for f, r in zip(inp.outputs, p.output_rules)]
    traces = [rel(f) for f in p.traces if Path(f).is_file()]
    data = []
    for f in inp.checksums:
        cohort = Path(f).parent.parent.name
        data += [(r.role, r.file, r.sha256, cohort) for r in read_tsv(f).itertuples() if r.role != "annotation"]
    starts = [s for s in (runrecord.job_start(f) for f in p.traces) if s]
    git = provenance.git_state(ROOT)
    rec = runrecord.RunRecord(
        crate_root=root, outputs=outputs, logs=traces, config_inputs=list(zip(p.config_roles, inp.config_inputs)),
        data_inputs=list(dict.fromkeys(data)), workflow_files=runrecord.workflow_files(ROOT),
        resolved_config=dict(p.config), packages=provenance.resolved_packages(),
        versions=provenance.package_versions(), git=git, title=p.title, results_dir=rel_results(root),
        command_line=os.environ.get(provenance.CMDLINE_ENV), start=min(starts) if starts else None,
        end=runrecord.utc_iso())
    out = runrecord.write(rec)
    log.info("run record %s: %d outputs, %d traces, %d configuration inputs copied, %d data inputs referenced, "
             "%s -> %s", out, len(outputs), len(traces), len(rec.config_inputs), len(rec.data_inputs),
             rec.start, rec.end)


def rel_results(root):
    import os

    r = os.path.relpath(root)
    return r if not r.startswith("..") else str(root)


run(main, snakemake)  # noqa: F821
