"""Rule report: the self-contained HTML report, its provenance table and the package lock.

Reads exactly the named inputs the rule declares (mitoscore.report.inputs, expanded by
common.smk::report_inputs); no path is guessed here."""
from _common import ROOT, run


def main(snakemake, log):
    from pathlib import Path

    from mitoscore import provenance, report, runrecord
    from mitoscore.io import atomic_write, write_tsv

    p = snakemake.params
    out = snakemake.output
    files = dict(snakemake.input.items())
    packages = provenance.resolved_packages()
    data = report.load_report(files, config=p.config, cohorts=p.cohorts, report_dir=Path(out.html).parent,
                              workdir=Path.cwd(), basedir=ROOT, cohort_sheet=p.cohort_sheet,
                              config_files=list(p.config_files), packages=packages)
    with atomic_write(out.packages, "w", encoding="utf-8") as fh:
        fh.write(provenance.freeze_text(packages))
    # the run record is written after the report, at the root of the results directory
    page = report.render_report(data, lock_link=Path(out.packages).name, run_record_link=runrecord.LINK_FROM_REPORT)
    with atomic_write(out.html, "w", encoding="utf-8") as fh:
        fh.write(page)
    pv = data.provenance
    write_tsv(provenance.provenance_table(pv["checksums"], pv["versions"], pv["git"], pv["run"]), out.provenance)
    for w in data.warnings:
        log.warning("report: %s", w)
    log.info("report: %d cohorts, %d inputs, %.1f kB, git %s%s", len(data.cohorts), len(files),
             len(page.encode()) / 1024, pv["git"].get("commit") or pv["git"].get("status"),
             " (dirty)" if pv["git"].get("dirty") else "")


run(main, snakemake)  # noqa: F821
