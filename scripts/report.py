"""Rule report: the self-contained HTML report (REMARK/TRIPOD order) and its provenance table."""
from _common import ROOT, run


def main(snakemake, log):
    from pathlib import Path

    import yaml

    from mitoscore import provenance, report
    from mitoscore.io import atomic_write, write_tsv

    p = snakemake.params
    config = p.config
    html_out = Path(snakemake.output.html)
    # results/summary/hazard_ratios.tsv -> results/ (the per-cohort tables are found by the output contract)
    results_dir = Path(snakemake.input.summary).parent.parent
    # declared as an input when the file exists; a missing file is reported item by item
    reporting = snakemake.input.get("reporting") or config["report"]["reporting"] or None
    ctx = report.load_context(
        results_dir=results_dir, config=config, cohorts=p.cohorts, report_dir=html_out.parent,
        reporting_path=reporting, cohort_sheet=p.cohort_sheet, basedir=str(ROOT),
        workdir=str(Path.cwd()), config_files=list(p.config_files))
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "reporting.schema.yaml").read_text())
    ctx.warnings += report.validate_reporting(ctx.reporting, schema, file=str(reporting), cohorts=ctx.cohorts)
    page = report.render_report(ctx)
    with atomic_write(html_out, "w", encoding="utf-8") as fh:
        fh.write(page)
    pv = ctx.provenance
    table = provenance.provenance_table(pv["checksums"], pv["versions"], pv["git"], pv["run"])
    write_tsv(table, snakemake.output.provenance)
    for w in ctx.warnings:
        log.warning("report: %s", w)
    log.info("report: %d cohorts, %.1f kB, git %s%s", len(ctx.cohorts), len(page.encode()) / 1024,
             (pv["git"].get("commit") or pv["git"].get("status")),
             " (dirty)" if pv["git"].get("dirty") else "")


run(main, snakemake)  # noqa: F821
